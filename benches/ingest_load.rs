//! Load run: end-to-end HTTP ingest on loopback with the journal on (fsync per batch). The
//! simulator sends OsmAnd requests as fast as the service answers them, while a probe raises a
//! panic alarm every 20 ms on the alarm API and times each one from send to durable
//! acknowledgement. Afterwards every acknowledged alarm must be in the journal.
//!
//! `cargo bench --bench ingest_load` (or with `-- SECONDS IN_FLIGHT` to change the run).

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use pantau::basemap::{import, Archive, ImportOptions};
use pantau::feeds::serve::{serve, ServeConfig};
use pantau::feeds::sim::{run_osmand, SimConfig, Simulator};
use pantau::journal::{self, FsyncPolicy};
use pantau::model::Event;
use pantau::spatial::RoadGraph;

fn graph() -> RoadGraph {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("jakarta.pmtiles");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/jakarta");
    let options = ImportOptions {
        inputs: vec![data.join("jakarta_roads.shp")],
        out: out.clone(),
        min_zoom: 12,
        max_zoom: 16,
        name: None,
        attribution: None,
        progress: false,
    };
    import(&options).expect("import");
    RoadGraph::from_archive(&Archive::open(&out).expect("open")).expect("graph")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let seconds: f64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(20.0);
    let in_flight: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(256);
    let graph = graph();
    let dir = tempfile::tempdir().expect("tmp");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async move {
        let config = ServeConfig {
            journal: dir.path().to_path_buf(),
            osmand: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            http: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            nmea: None,
            mqtt: None,
            tokens: None,
            insecure: true,
            fsync: FsyncPolicy::PerBatch,
            speed_unit: Default::default(),
            queue_capacity: 1_000_000,
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let service = tokio::spawn(async move {
            let mut ready = Some(ready_tx);
            serve(config, async { stopped.await.unwrap_or(()) }, move |r| {
                if let Some(tx) = ready.take() {
                    let _ = tx.send((r.bound.osmand, r.bound.http));
                }
            })
            .await
        });
        let (osmand, http) = ready_rx.await.expect("ready");
        let (osmand, http) = (osmand.expect("osmand"), http.expect("http"));

        // Alarm probe.
        let probe_until = Instant::now() + Duration::from_secs_f64(seconds);
        let probe = tokio::spawn(async move {
            let client = reqwest::Client::new();
            let (mut latencies, mut acked) = (Vec::new(), HashSet::new());
            let mut i = 0;
            while Instant::now() < probe_until {
                i += 1;
                let device = format!("probe-{i}");
                let body = format!(r#"{{"device":"{device}","lat":-6.2,"lon":106.8}}"#);
                let sent = Instant::now();
                if let Ok(r) = client.post(format!("http://{http}/alarms")).body(body).send().await {
                    if r.status() == 200 {
                        latencies.push(sent.elapsed());
                        acked.insert(device);
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (latencies, acked, i)
        });

        // Position load: 5,000 units, sent as fast as the service acknowledges them.
        let config = SimConfig { units: 5_000, rate_hz: 1.0, alarms_per_min: 0.0, seed: 9 };
        let mut sim = Simulator::new(graph, config, pantau::model::now_millis() - 3_600_000).expect("sim");
        let started = Instant::now();
        let mut report = pantau::feeds::sim::SendReport::default();
        while started.elapsed().as_secs_f64() < seconds {
            let r = run_osmand(&mut sim, &format!("http://{osmand}"), 10_000, 1e9, in_flight).await;
            report.positions += r.positions;
            report.ok += r.ok;
            report.failed += r.failed;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let (mut latencies, acked, sent_alarms) = probe.await.expect("probe");
        let _ = stop.send(());
        service.await.expect("join").expect("stop");

        latencies.sort();
        let pct = |p: f64| {
            latencies
                .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        let journaled: HashSet<String> = journal::read_all(dir.path())
            .expect("read journal")
            .into_iter()
            .filter_map(|r| match r.event {
                Event::Alarm { device, .. } => Some(device),
                _ => None,
            })
            .collect();
        let lost = acked.difference(&journaled).count();
        println!("load run: {seconds:.0} s, {in_flight} requests in flight, journal fsync per batch");
        println!(
            "  positions acknowledged: {} ({:.0}/s), failed: {}",
            report.ok,
            report.ok as f64 / elapsed,
            report.failed
        );
        println!(
            "  alarms: {} sent, {} acknowledged, {} lost; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            sent_alarms,
            acked.len(),
            lost,
            pct(0.5).as_secs_f64() * 1e3,
            pct(0.99).as_secs_f64() * 1e3,
            latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
        );
        assert_eq!(lost, 0, "acknowledged alarms missing from the journal");
    });
}
