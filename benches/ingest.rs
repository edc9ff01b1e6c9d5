//! In-process ingest cost per position: OsmAnd parsing alone (the baseline), then parse +
//! validate + apply to the world, then the same with the journal (append + fsync per batch of
//! 4,096). Inputs are real simulator reports on the Jakarta road network.

use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use pantau::basemap::{import, Archive, ImportOptions};
use pantau::feeds::osmand::{parse_params, SpeedUnit};
use pantau::feeds::sim::{osmand_query, SimConfig, Simulator};
use pantau::feeds::validate::Validator;
use pantau::journal::{Journal, JournalConfig};
use pantau::model::Event;
use pantau::spatial::RoadGraph;
use pantau::world::World;

const START: i64 = 1_800_000_000_000;
const REPORTS: usize = 100_000;

/// 100,000 OsmAnd query strings from 1,000 simulated units on Jakarta's roads.
fn queries() -> Vec<String> {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("jakarta.pmtiles");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/jakarta");
    import(&ImportOptions { min_zoom: 12, ..ImportOptions::new(vec![data.join("jakarta_roads.shp")], out.clone()) })
        .expect("import");
    let graph = RoadGraph::from_archive(&Archive::open(&out).expect("open")).expect("graph");
    let config = SimConfig { units: 1000, rate_hz: 1.0, alarms_per_min: 0.0, seed: 5 };
    let mut sim = Simulator::new(graph, config, START).expect("sim");
    let mut out = Vec::with_capacity(REPORTS);
    while out.len() < REPORTS {
        out.extend(sim.step(100).iter().filter_map(|e| osmand_query(e, None)));
    }
    out.truncate(REPORTS);
    out
}

fn bench(c: &mut Criterion) {
    let queries = queries();
    let now = START + 3_600_000;
    let mut g = c.benchmark_group("ingest_100k_positions");
    g.throughput(Throughput::Elements(queries.len() as u64));
    g.sample_size(10);
    g.bench_function("parse_only", |b| {
        b.iter(|| queries.iter().filter(|q| parse_params(q, SpeedUnit::Knots, now).is_ok()).count())
    });
    g.bench_function("parse_validate_apply", |b| {
        b.iter_batched(
            || (Validator::default(), World::new()),
            |(mut validator, mut world)| {
                for q in &queries {
                    let Ok(report) = parse_params(q, SpeedUnit::Knots, now) else { continue };
                    if let Ok(event) = validator.check(report.event, now) {
                        world.apply_one(&event);
                    }
                }
                world
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("parse_validate_journal_fsync_apply", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("tmp");
                let (journal, _) = Journal::open(JournalConfig::new(dir.path())).expect("journal");
                (dir, journal, Validator::default(), World::new())
            },
            |(dir, mut journal, mut validator, mut world)| {
                let mut batch: Vec<Event> = Vec::with_capacity(4096);
                for chunk in queries.chunks(4096) {
                    batch.clear();
                    for q in chunk {
                        let Ok(report) = parse_params(q, SpeedUnit::Knots, now) else { continue };
                        if let Ok(event) = validator.check(report.event, now) {
                            batch.push(event);
                        }
                    }
                    journal.append(&batch, now).expect("append");
                    world.apply(&batch);
                }
                (dir, world)
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
