//! Load run: end-to-end HTTP ingest on loopback with the journal on (fsync per batch). The
//! simulator sends OsmAnd requests as fast as the service answers them, while a probe raises a
//! panic alarm every 20 ms on the alarm API and times each one from send to durable
//! acknowledgement. Afterwards every acknowledged alarm must be in the journal.
//!
//! `cargo bench --bench ingest_load` (or with `-- SECONDS IN_FLIGHT` to change the run).

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use pantau::basemap::{import, Archive, ImportOptions};
use pantau::journal;
use pantau::model::Event;
use pantau::service::{ServeConfig, Service};
use pantau::sim::send::{run_osmand, SendReport};
use pantau::sim::{SimConfig, Simulator};
use pantau::spatial::RoadGraph;

fn graph() -> RoadGraph {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("jakarta.pmtiles");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/jakarta");
    let options =
        ImportOptions { min_zoom: 12, ..ImportOptions::new(vec![data.join("jakarta_roads.shp")], out.clone()) };
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
        let config = ServeConfig { queue_capacity: 1_000_000, ..ServeConfig::loopback(dir.path()) };
        let service = Service::start(config).await.expect("service starts");
        let (osmand, http) = (service.bound.osmand, service.bound.http);
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
        let mut report = SendReport::default();
        while started.elapsed().as_secs_f64() < seconds {
            let r = run_osmand(&mut sim, &format!("http://{osmand}"), 10_000, 1e9, in_flight).await;
            report.positions += r.positions;
            report.ok += r.ok;
            report.failed += r.failed;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let (mut latencies, acked, sent_alarms) = probe.await.expect("probe");
        service.stop().await.expect("stop");

        latencies.sort();
        let pct = |p: f64| {
            latencies
                .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        let journaled: HashSet<String> = journal::JournalRecords::open(dir.path())
            .expect("read journal")
            .filter_map(|r| match r.expect("journal record").event {
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
