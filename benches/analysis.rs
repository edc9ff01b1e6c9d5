//! The analyst's desk, measured on history written by `pantau sim --history` (the demo city's
//! 306 units reporting every 10 s, 110 traffic at 4 calls a minute on the day's average):
//! - writing the history (records a second), and the journal's and the timeline's size per day;
//! - seeking: the world at 40 moments spread over the record, each from the timeline, against
//!   applying the journal from its start up to the same moment (the baseline, a few moments);
//!   from each, stepping on 1 s, 10 s and 60 s of record with the playhead (as the app's replay
//!   plays on), and dropping the world (as the app does when it shows another);
//! - a report over 1,000,000 incidents (the history's incidents repeated over a year) by zone,
//!   against one pass that only reads each incident's received time (the floor);
//! - the heat map of 1,000,000 incidents on a 512 x 512 grid at a 300 m bandwidth, against
//!   only counting the points into cells (the floor).
//!
//! `cargo bench --bench analysis -- [DAYS [UNITS]]` (default 3 days of the demo's own fleet;
//! UNITS grows the fleet, `sim --history --fleet`). With `PANTAU_HISTORY=DIR`, the history
//! already in DIR is measured instead of writing one.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use pantau::analysis::heat;
use pantau::analysis::report::{report, GroupBy};
use pantau::analysis::Places;
use pantau::journal::{timeline, JournalRecords};
use pantau::model::incidents::Milestone;
use pantau::model::Millis;
use pantau::world::{Saved, World};
use rand::{Rng, SeedableRng};

const END: Millis = 1_796_058_000_000;

fn main() -> anyhow::Result<()> {
    let numbers: Vec<i64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let days = numbers.first().copied().unwrap_or(3);
    let fleet = numbers.get(1).map(|n| n.to_string());
    let dir = tempfile::tempdir()?;
    // A history written before (by the same arguments, ending at END) is measured again as it is.
    let (journal, written) = match std::env::var_os("PANTAU_HISTORY") {
        Some(given) => (given.into(), None),
        None => (dir.path().join("history"), Some(write_history(&dir.path().join("history"), days, fleet)?)),
    };
    let records = JournalRecords::open(&journal)?.count();
    match written {
        Some(took) => println!(
            "history: {days} days, {records} records written in {:.1} s ({:.0} records/s)",
            secs(took),
            records as f64 / secs(took)
        ),
        None => println!("history: {records} records, written before"),
    }
    for part in ["events", "positions", "timeline", "snapshots"] {
        let bytes = folder_bytes(&journal.join(part))?;
        println!("  {part}: {:.1} MB a day", bytes as f64 / 1e6 / days as f64);
    }
    seeking(&journal, days)?;
    let (world, _) = timeline::seek(&journal, END)?;
    let places = Places::load(&journal, None, &[])?;
    reporting(&world, &places)?;
    heat_map(&world);
    Ok(())
}

/// Writes `days` of history (the demo's fleet made `fleet` units) into `journal`.
fn write_history(journal: &Path, days: i64, fleet: Option<String>) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["sim", "--history", &format!("{days}d"), "--out", journal.to_str().unwrap_or_default()])
        .args(["--report-every", "10", "--end", &END.to_string()])
        .args(fleet.iter().flat_map(|n| ["--fleet", n]))
        .status()?;
    anyhow::ensure!(status.success(), "sim --history failed");
    Ok(started.elapsed())
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn folder_bytes(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        total += entry?.metadata()?.len();
    }
    Ok(total)
}

/// Percentiles of durations, in milliseconds.
fn spread(mut times: Vec<Duration>) -> String {
    times.sort();
    let at = |q: f64| times[((q * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1].as_secs_f64() * 1e3;
    format!("p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms", at(0.5), at(0.99), at(1.0))
}

fn seeking(journal: &Path, days: i64) -> anyhow::Result<()> {
    let start = END - days * 86_400_000;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(15);
    let moments: Vec<Millis> = (0..40).map(|_| rng.random_range(start..END)).collect();
    timeline::update(journal)?;
    let (mut times, mut drops) = (Vec::new(), Vec::new());
    let mut steps: [Vec<Duration>; 3] = Default::default();
    for &at in &moments {
        let t = Instant::now();
        let (mut world, _, mut head) = timeline::seek_playhead(journal, at)?;
        times.push(t.elapsed());
        // Playing on from the moment: the playhead's records applied to the world shown.
        let mut moment = at;
        for (step, took) in [1_000, 10_000, 60_000].into_iter().zip(steps.iter_mut()) {
            moment += step;
            let t = Instant::now();
            if let Some(events) = head.step_to(moment)? {
                world.apply(&events);
                took.push(t.elapsed());
            }
        }
        let t = Instant::now();
        drop(world);
        drops.push(t.elapsed());
    }
    println!("seek, from the timeline (40 moments): {}", spread(times.clone()));
    // The first seek of a process takes its memory from the system; the app's replay pays
    // that once, when it opens.
    println!("  the first: {:.0} ms; the 39 after it: {}", times[0].as_secs_f64() * 1e3, spread(times[1..].to_vec()));
    for (step, took) in ["1 s", "10 s", "60 s"].into_iter().zip(steps) {
        println!("step on {step} of record from the moment (read and applied): {}", spread(took));
    }
    println!("dropping the world of a moment: {}", spread(drops));
    // The baseline: every record from the start up to the moment, for the last three moments.
    let mut full = Vec::new();
    for &at in moments.iter().rev().take(3) {
        let t = Instant::now();
        let mut world = World::new();
        for record in JournalRecords::open(journal)? {
            let record = record?;
            if record.time > at {
                break;
            }
            world.apply_one(&record.event);
        }
        full.push(t.elapsed());
        std::hint::black_box(world);
    }
    let mean = |v: &[Duration]| v.iter().map(|d| d.as_secs_f64()).sum::<f64>() / v.len() as f64;
    println!(
        "seek, applying the journal from its start (3 moments): {}; the timeline is {:.0}x faster on average",
        spread(full.clone()),
        mean(&full) / mean(&times)
    );
    Ok(())
}

/// The world's incidents repeated, each copy shifted by the record's span, to 1,000,000.
fn a_year_of(world: &World) -> World {
    let base = world.incidents();
    let first = base.iter().filter_map(|i| i.reached(Milestone::Received)).min().unwrap_or(0);
    let span = base.iter().filter_map(|i| i.reached(Milestone::Received)).max().unwrap_or(0) - first + 1;
    let mut incidents = Vec::with_capacity(1_000_000);
    let mut copy = 0;
    while incidents.len() < 1_000_000 && !base.is_empty() {
        for incident in base {
            let mut i = incident.clone();
            i.id = incidents.len() as u64 + 1;
            i.steps.iter_mut().for_each(|s| s.time -= copy * span);
            incidents.push(i);
            if incidents.len() == 1_000_000 {
                break;
            }
        }
        copy += 1;
    }
    World::from_saved(Saved { incidents, ..Saved::default() })
}

fn reporting(world: &World, places: &Places) -> anyhow::Result<()> {
    let year = a_year_of(world);
    let times: Vec<Millis> = year.incidents().iter().filter_map(|i| i.reached(Milestone::Received)).collect();
    let (from, to) = (times.iter().min().copied().unwrap_or(0), END + 1);
    let t = Instant::now();
    let floor: usize =
        year.incidents().iter().filter(|i| i.reached(Milestone::Received).is_some_and(|r| r >= from)).count();
    let floor_time = t.elapsed();
    let t = Instant::now();
    let rows = report(&year, places, GroupBy::Zone, from, to);
    let took = t.elapsed();
    let all = rows.last().map_or(0, |r| r.incidents);
    anyhow::ensure!(all == floor, "the report counted {all} of {floor}");
    println!(
        "report by zone over {} incidents ({:.0} days): {:.2} s; reading the times alone {:.3} s ({:.0}x)",
        year.incidents().len(),
        (to - from) as f64 / 86_400_000.0,
        secs(took),
        secs(floor_time),
        secs(took) / secs(floor_time).max(1e-9)
    );
    Ok(())
}

fn heat_map(world: &World) {
    let year = a_year_of(world);
    let points = heat::incidents(&year, &heat::Filter::period(Millis::MIN, Millis::MAX));
    let (mut w, mut s, mut e, mut n) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(lon, lat) in &points {
        (w, s, e, n) = (w.min(lon), s.min(lat), e.max(lon), n.max(lat));
    }
    let bounds = [w, s, e, n];
    let mut dense = Vec::new();
    let mut floor = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        std::hint::black_box(heat::density(&points, bounds, 512, 512, 300.0));
        dense.push(t.elapsed());
        // The floor: the same points counted into the same cells, nothing spread.
        let t = Instant::now();
        std::hint::black_box(heat::density(&points, bounds, 512, 512, 1e-3));
        floor.push(t.elapsed());
    }
    println!(
        "heat map of {} incidents, 512 x 512 cells, 300 m: {}; counting into cells alone {}",
        points.len(),
        spread(dense),
        spread(floor)
    );
}
