//! In-process ingest cost per position: OsmAnd parsing alone (the baseline), then parse +
//! validate + apply to the world, then the same with the journal (append + fsync per batch of
//! 4,096); and start-up: replaying a journal of those positions against applying them from
//! memory. Inputs are real simulator reports on the Jakarta road network.

use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use pantau::basemap::{import, Archive, ImportOptions};
use pantau::feeds::osmand;
use pantau::feeds::osmand::{parse_params, SpeedUnit};
use pantau::ingest::validate::Validator;
use pantau::journal::{FsyncPolicy, Journal, JournalConfig};
use pantau::model::Event;
use pantau::sim::{SimConfig, Simulator};
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
        out.extend(sim.step(100).iter().filter_map(|e| osmand::encode(e, None)));
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
    replay(c, &queries, now);
}

/// The journal's replay (read, check CRC and chain, decode, apply) against applying the same
/// events held in memory; and start-up from a snapshot taken 10,000 records before the end.
fn replay(c: &mut Criterion, queries: &[String], now: i64) {
    let mut validator = Validator::default();
    let events: Vec<Event> = queries
        .iter()
        .filter_map(|q| parse_params(q, SpeedUnit::Knots, now).ok())
        .filter_map(|report| validator.check(report.event, now).ok())
        .collect();
    let full = tempfile::tempdir().expect("tmp");
    write_journal(full.path(), &events, None);
    let snapshotted = tempfile::tempdir().expect("tmp");
    write_journal(snapshotted.path(), &events, Some(events.len() - 10_000));
    let mut g = c.benchmark_group("replay_100k_positions");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.sample_size(10);
    g.bench_function("apply_from_memory", |b| {
        b.iter(|| {
            let mut world = World::new();
            world.apply(&events);
            world
        })
    });
    g.bench_function("journal_replay", |b| b.iter(|| pantau::journal::replay(full.path()).expect("replay")));
    g.bench_function("journal_replay_from_snapshot_10k_before_end", |b| {
        b.iter(|| pantau::journal::replay(snapshotted.path()).expect("replay"))
    });
    g.finish();
    snapshot_write(c);
    replay_memory(&events);
}

/// What a snapshot costs the writer (it stops taking batches meanwhile): 100,000 units.
fn snapshot_write(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let config = JournalConfig { fsync: FsyncPolicy::Never, ..JournalConfig::new(dir.path()) };
    let (mut journal, _) = Journal::open(config).expect("journal");
    let mut world = World::new();
    let fleet: Vec<Event> = (0..100_000)
        .map(|i| {
            let fix = pantau::model::Fix {
                time: START + i,
                lon: 106.8 + (i % 300) as f64 * 1e-3,
                lat: -6.2 - (i / 300) as f64 * 1e-3,
                speed: Some(8.0),
                heading: Some(90.0),
                accuracy: None,
            };
            Event::Position { device: format!("unit-{i}"), fix, feed: pantau::model::FeedKind::Osmand }
        })
        .collect();
    append_all(&mut journal, &mut world, &fleet);
    let mut g = c.benchmark_group("snapshot");
    g.sample_size(10);
    g.bench_function("write_100k_units", |b| {
        b.iter(|| {
            append_all(&mut journal, &mut world, &fleet[..1]);
            journal.snapshot(&world).expect("snapshot")
        })
    });
    g.finish();
}

/// Writes `events` in batches of 4,096, with a snapshot after the first `snapshot_at`.
fn write_journal(dir: &Path, events: &[Event], snapshot_at: Option<usize>) {
    let config = JournalConfig { fsync: FsyncPolicy::Never, ..JournalConfig::new(dir) };
    let (mut journal, _) = Journal::open(config).expect("journal");
    let mut world = World::new();
    let split = snapshot_at.unwrap_or(events.len());
    append_all(&mut journal, &mut world, &events[..split]);
    if snapshot_at.is_some() {
        journal.snapshot(&world).expect("snapshot");
    }
    append_all(&mut journal, &mut world, &events[split..]);
    journal.sync().expect("sync");
}

fn append_all(journal: &mut Journal, world: &mut World, events: &[Event]) {
    for chunk in events.chunks(4096) {
        journal.append(chunk, 0).expect("append");
        world.apply(chunk);
    }
}

/// Peak memory of replaying 2 million records (the 100k written 20 times, 5 segments of
/// 64 MB): the journal is read one segment per stream at a time, so the peak stays near
/// two segments however long the journal grows. Linux only (resets and reads VmHWM).
fn replay_memory(events: &[Event]) {
    let dir = tempfile::tempdir().expect("tmp");
    let config = JournalConfig { fsync: FsyncPolicy::Never, snapshot_every: None, ..JournalConfig::new(dir.path()) };
    let (mut journal, _) = Journal::open(config).expect("journal");
    let mut world = World::new();
    for _ in 0..20 {
        append_all(&mut journal, &mut world, events);
    }
    journal.sync().expect("sync");
    drop(journal);
    let on_disk: u64 = walk_bytes(dir.path());
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        return;
    }
    let mb = |kib: u64| kib as f64 / 1024.0;
    let before = peak_rss_kib();
    let replayed = pantau::journal::replay(dir.path()).expect("replay");
    let streamed = peak_rss_kib();
    assert!(replayed.same_state(&world));
    drop(replayed);
    // Baseline: every record held at once, as replay first did (read all, then apply).
    std::fs::write("/proc/self/clear_refs", "5").expect("reset peak");
    let base = peak_rss_kib();
    let all: Vec<_> = pantau::journal::JournalRecords::open(dir.path()).expect("open").collect();
    let held = peak_rss_kib();
    println!(
        "replay_memory: {} records, {:.0} MB on disk; peak RSS rise: streamed replay {:.0} MB, all records held {:.0} MB",
        all.len(),
        on_disk as f64 / 1e6,
        mb(streamed - before),
        mb(held - base)
    );
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("VmHWM: 0 kB");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn walk_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                walk_bytes(&path)
            } else {
                e.metadata().map_or(0, |m| m.len())
            }
        })
        .sum()
}

criterion_group!(benches, bench);
criterion_main!(benches);
