//! Sending a simulation to a running service the way field devices would: over the OsmAnd
//! protocol (`pantau sim`, also the load generator) or published to an MQTT broker. Simulated
//! time is paced against the wall clock at a chosen speed-up.

use std::time::{Duration, Instant};

use super::Simulator;
use crate::feeds::{mqtt, osmand};
use crate::model::{Event, Millis};

/// Simulated milliseconds advanced per step.
const STEP_MS: Millis = 100;
/// How long one request to the service may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a run says how far it has got.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// What a run against a service did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub positions: u64,
    pub alarms: u64,
    pub ok: u64,
    /// Refused, shed or unreachable.
    pub failed: u64,
}

impl SendReport {
    fn count(&mut self, event: &Event) {
        match event {
            Event::Position { .. } => self.positions += 1,
            Event::Alarm { .. } => self.alarms += 1,
            Event::Command { .. } | Event::Call { .. } | Event::CallerLocation { .. } => {}
        }
    }

    fn sent(&mut self, ok: bool) {
        if ok {
            self.ok += 1;
        } else {
            self.failed += 1;
        }
    }
}

/// Keeps simulated time `speedup` times faster than the wall clock from a start, and says how
/// far a run has got every [`PROGRESS_EVERY`].
struct Pace {
    start: Millis,
    wall: Instant,
    speedup: f64,
    said: Instant,
}

impl Pace {
    fn new(sim: &Simulator, speedup: f64) -> Self {
        Self { start: sim.now(), wall: Instant::now(), speedup: speedup.max(1e-3), said: Instant::now() }
    }

    fn elapsed(&self, sim: &Simulator) -> Millis {
        sim.now() - self.start
    }

    /// Logs the run's progress, at most every [`PROGRESS_EVERY`].
    fn progress(&mut self, sim: &Simulator, duration_ms: Millis, report: &SendReport) {
        if self.said.elapsed() < PROGRESS_EVERY {
            return;
        }
        self.said = Instant::now();
        tracing::info!(
            "sim: {:.0} s of {:.0} s simulated; {} positions and {} alarms sent, {} ok, {} failed",
            self.elapsed(sim) as f64 / 1000.0,
            duration_ms as f64 / 1000.0,
            report.positions,
            report.alarms,
            report.ok,
            report.failed
        );
    }

    /// Sleeps until the wall clock has caught up with the simulation.
    async fn wait(&self, sim: &Simulator) {
        let due = Duration::from_secs_f64(self.elapsed(sim) as f64 / 1000.0 / self.speedup);
        if let Some(wait) = due.checked_sub(self.wall.elapsed()) {
            tokio::time::sleep(wait).await;
        }
    }
}

/// Drives a service over the OsmAnd protocol for `duration_ms` of simulated time, `speedup`
/// times faster than real time, with up to `in_flight` requests at once.
pub async fn run_osmand(
    sim: &mut Simulator,
    target: &str,
    duration_ms: Millis,
    speedup: f64,
    in_flight: usize,
) -> SendReport {
    use futures::StreamExt;
    // A request that gets no answer (a connection the service closed for room, a pool waiting
    // on it) fails after this instead of stalling the whole run.
    let client = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().unwrap_or_default();
    let mut report = SendReport::default();
    let mut pace = Pace::new(sim, speedup);
    while pace.elapsed(sim) < duration_ms {
        let events = sim.step(STEP_MS);
        events.iter().for_each(|e| report.count(e));
        let results: Vec<bool> = futures::stream::iter(events.iter().filter_map(|e| osmand::encode(e, None)))
            .map(|q| {
                let client = client.clone();
                let url = format!("{}/?{q}", target.trim_end_matches('/'));
                async move { client.get(url).send().await.is_ok_and(|r| r.status().is_success()) }
            })
            .buffer_unordered(in_flight.max(1))
            .collect()
            .await;
        results.into_iter().for_each(|ok| report.sent(ok));
        pace.progress(sim, duration_ms, &report);
        pace.wait(sim).await;
    }
    report
}

/// Publishes the simulation to an MQTT broker at QoS 1 for `duration_ms` of simulated time.
pub async fn run_mqtt(sim: &mut Simulator, url: &str, duration_ms: Millis, speedup: f64) -> anyhow::Result<SendReport> {
    let broker = mqtt::parse_url(url)?;
    let options = mqtt::options(format!("pantau-sim-{}", std::process::id()), &broker);
    let (client, mut eventloop) = rumqttc::AsyncClient::new(options, 10_000);
    let pump = tokio::spawn(async move {
        loop {
            if let Err(e) = eventloop.poll().await {
                tracing::debug!("mqtt: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    });
    let mut report = SendReport::default();
    let mut pace = Pace::new(sim, speedup);
    while pace.elapsed(sim) < duration_ms {
        for event in sim.step(STEP_MS) {
            report.count(&event);
            let Some((topic, payload)) = mqtt::message(&event) else { continue };
            report.sent(client.publish(topic, rumqttc::QoS::AtLeastOnce, false, payload).await.is_ok());
        }
        pace.progress(sim, duration_ms, &report);
        pace.wait(sim).await;
    }
    let _ = client.disconnect().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    pump.abort();
    Ok(report)
}
