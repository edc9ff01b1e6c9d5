//! The journal on disk: replay rebuilds the world exactly, torn tails are cut on recovery,
//! tampering breaks the chain (and `pantau journal verify` says so), segments chain across
//! files, old position segments are pruned while alarms and commands stay, and replay starts
//! from the newest sound snapshot (which verify checks against the journal).

use std::io::Write;
use std::path::Path;
use std::process::Command as Process;
use std::time::Duration;

use pantau::journal::snapshot;
use pantau::journal::{self, FsyncPolicy, Journal, JournalConfig};
use pantau::model::{AlarmNotes, AlarmState, Command, Event, FeedKind, Fix, Role, UnitStatus};
use pantau::world::World;

fn position(device: &str, t: i64) -> Event {
    let fix =
        Fix { time: t, lon: 106.8 + t as f64 * 1e-6, lat: -6.2, speed: Some(8.0), heading: Some(90.0), accuracy: None };
    Event::Position { device: device.into(), fix, feed: FeedKind::Osmand }
}

fn alarm(device: &str, t: i64) -> Event {
    Event::Alarm {
        device: device.into(),
        kind: "sos".into(),
        fix: None,
        priority: 1,
        time: t,
        feed: FeedKind::AlarmApi,
        notes: AlarmNotes::default(),
    }
}

fn command(alarm: u64, unit: &str) -> Event {
    Event::Command {
        user: "op".into(),
        role: Role::Operator,
        time: 0,
        command: Command::Dispatch { alarm, unit: unit.into() },
    }
}

/// A mixed workload: 20 units reporting, alarms, dispatches.
fn workload() -> Vec<Vec<Event>> {
    (0..50)
        .map(|b| {
            let mut batch: Vec<Event> = (0..20).map(|u| position(&format!("unit-{u}"), b * 1000 + u)).collect();
            if b % 10 == 3 {
                // Ten minutes apart: repeats within five minutes would join the open alarm.
                batch.push(alarm(&format!("unit-{}", b % 20), b * 600_000));
                batch.push(command((b / 10 + 1) as u64, "unit-0"));
            }
            batch
        })
        .collect()
}

fn write(dir: &Path, config: impl Fn(JournalConfig) -> JournalConfig) -> World {
    let (mut j, _) = Journal::open(config(JournalConfig::new(dir))).expect("open");
    let mut world = World::new();
    for batch in workload() {
        j.append(&batch, 1).expect("append");
        world.apply(&batch);
    }
    world.take_changes();
    world
}

fn pantau(args: &[&str]) -> std::process::Output {
    Process::new(env!("CARGO_BIN_EXE_pantau")).args(args).output().expect("run pantau")
}

#[test]
fn replay_rebuilds_the_world_exactly() {
    let dir = tempfile::tempdir().expect("tmp");
    let live = write(dir.path(), |c| c);
    let replayed = journal::replay(dir.path()).expect("replay");
    assert!(replayed.same_state(&live));
    assert_eq!(replayed.alarms().len(), 5);
    let report = journal::verify(dir.path()).expect("verify");
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.counts.get("positions"), Some(&1000));
    assert_eq!(report.counts.get("alarms"), Some(&5));
    assert_eq!(report.counts.get("commands"), Some(&5));
    let out = pantau(&["journal", "verify", "--json", dir.path().to_str().expect("utf-8")]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["counts"]["positions"], 1000);
    assert_eq!(json["ok"], true);
}

#[test]
fn a_torn_tail_is_cut_and_reported() {
    let dir = tempfile::tempdir().expect("tmp");
    let live = write(dir.path(), |c| c);
    let segment = dir.path().join("positions/000001.seg");
    let good_len = std::fs::metadata(&segment).expect("meta").len();
    // Half a record, as a crash mid-write leaves it.
    let mut f = std::fs::OpenOptions::new().append(true).open(&segment).expect("open");
    f.write_all(&[60, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]).expect("write");
    drop(f);
    let (mut j, recovery) = Journal::open(JournalConfig::new(dir.path())).expect("recovers");
    assert_eq!(recovery.truncated, vec![(segment.clone(), 11)]);
    assert_eq!(std::fs::metadata(&segment).expect("meta").len(), good_len);
    // Appending after recovery continues the chain.
    j.append(&[position("unit-0", 999_999)], 2).expect("append");
    drop(j);
    assert!(journal::verify(dir.path()).expect("verify").ok);
    let mut expected = live;
    expected.apply(&[position("unit-0", 999_999)]);
    assert!(journal::replay(dir.path()).expect("replay").same_state(&expected));
}

/// Byte offsets of the records of a segment (after its 40-byte header).
fn record_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut at = 40;
    while at + 8 <= bytes.len() {
        offsets.push(at);
        at += 8 + u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
    }
    offsets
}

#[test]
fn a_flipped_length_bit_far_from_the_end_is_damage_not_a_torn_tail() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut j, _) = Journal::open(JournalConfig::new(dir.path())).expect("open");
    for i in 0..600 {
        j.append(&[alarm(&format!("site-{i}"), i)], 1).expect("append");
    }
    drop(j);
    let segment = dir.path().join("events/000001.seg");
    let mut bytes = std::fs::read(&segment).expect("read");
    let offsets = record_offsets(&bytes);
    assert_eq!(offsets.len(), 600);
    // The high byte of the 400th record's length: 200 acknowledged alarms follow it.
    let damaged = offsets[399];
    bytes[damaged + 3] ^= 0x01;
    std::fs::write(&segment, &bytes).expect("write");
    for big in [false, true] {
        if big {
            // Also a length that stays plausible but runs past the file's end.
            let len = (bytes.len() - damaged) as u32;
            bytes[damaged..damaged + 4].copy_from_slice(&len.to_le_bytes());
            std::fs::write(&segment, &bytes).expect("write");
        }
        let err = format!("{:#}", Journal::open(JournalConfig::new(dir.path())).err().expect("refused"));
        assert!(err.contains("000001.seg") && err.contains(&format!("byte {damaged}")), "{err}");
        assert_eq!(std::fs::metadata(&segment).expect("meta").len(), bytes.len() as u64, "nothing was cut");
    }
}

#[test]
fn tampering_breaks_the_chain_and_verify_fails() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), |c| c);
    let segment = dir.path().join("events/000001.seg");
    let mut bytes = std::fs::read(&segment).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&segment, bytes).expect("write");
    let report = journal::verify(dir.path()).expect("verify runs");
    assert!(!report.ok);
    let out = pantau(&["journal", "verify", dir.path().to_str().expect("utf-8")]);
    assert!(!out.status.success(), "verify must fail on a broken chain");
    assert!(String::from_utf8_lossy(&out.stdout).contains("BROKEN"));
    // Opening refuses damage that is not a torn tail rather than cutting acknowledged data.
    assert!(Journal::open(JournalConfig::new(dir.path())).is_err());
}

#[test]
fn segments_chain_and_old_positions_are_pruned() {
    let dir = tempfile::tempdir().expect("tmp");
    let small = |c: JournalConfig| JournalConfig { segment_bytes: 4096, position_retention: None, ..c };
    let live = write(dir.path(), small);
    let report = journal::verify(dir.path()).expect("verify");
    assert!(report.ok, "{:?}", report.problems);
    assert!(report.segments > 10, "{} segments", report.segments);
    assert!(journal::replay(dir.path()).expect("replay").same_state(&live));

    // Now keep positions for no time at all: the next roll prunes every closed position segment.
    let (mut j, _) = Journal::open(JournalConfig {
        segment_bytes: 4096,
        position_retention: Some(Duration::ZERO),
        fsync: FsyncPolicy::Never,
        ..JournalConfig::new(dir.path())
    })
    .expect("open");
    std::thread::sleep(Duration::from_millis(20));
    for t in 0..100 {
        j.append(&[position("unit-1", 10_000_000 + t)], 3).expect("append");
    }
    drop(j);
    let report = journal::verify(dir.path()).expect("verify");
    assert!(report.ok, "pruning keeps the remaining chain valid: {:?}", report.problems);
    assert!(report.counts["positions"] < 1000, "positions were pruned: {:?}", report.counts);
    assert_eq!(report.counts["alarms"], 5, "alarms are kept forever");
    assert_eq!(report.counts["commands"], 5, "commands are kept forever");
}

#[test]
fn verify_refuses_a_missing_directory_or_one_that_is_no_journal() {
    let out = pantau(&["journal", "verify", "/nonexistent/pantau-journal"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no journal directory"));
    let empty = tempfile::tempdir().expect("tmp");
    let out = pantau(&["journal", "verify", empty.path().to_str().expect("utf-8")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a journal"));
}

#[test]
fn replay_starts_from_the_newest_sound_snapshot() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = JournalConfig { segment_bytes: 4096, snapshot_every: Some(250), ..JournalConfig::new(dir.path()) };
    let (mut j, _) = Journal::open(config).expect("open");
    let mut live = World::new();
    for batch in workload() {
        j.append(&batch, 1).expect("append");
        live.apply(&batch);
        if j.snapshot_due() {
            j.snapshot(&live).expect("snapshot");
        }
    }
    // Records after the last snapshot are replayed on top of it.
    let tail = [position("unit-3", 999_999)];
    j.append(&tail, 2).expect("append");
    live.apply(&tail);
    drop(j);
    let snapshots = snapshot::list(dir.path()).expect("list");
    assert_eq!(snapshots.len(), 2, "four were written, the two newest kept: {snapshots:?}");
    assert!(journal::replay(dir.path()).expect("replay").same_state(&live));
    let report = journal::verify(dir.path()).expect("verify");
    assert!(report.ok && report.snapshots == 2, "{:?}", report.problems);

    // Replay believes the newest snapshot (so it did start there), and verify catches one that
    // does not match the journal.
    let (_, newest) = snapshots.last().cloned().expect("a snapshot");
    let saved = snapshot::read(&newest).expect("read");
    let mut units = saved.world.units().to_vec();
    units[0].status = if units[0].status == UnitStatus::OffDuty { UnitStatus::Available } else { UnitStatus::OffDuty };
    let forged = World::from_parts(units.clone(), saved.world.alarms().to_vec());
    snapshot::write(dir.path(), saved.checkpoint, &forged).expect("rewrite");
    let replayed = journal::replay(dir.path()).expect("replay");
    assert_eq!(replayed.units()[0].status, units[0].status, "started from the newest snapshot");
    assert_eq!(replayed.unit("unit-3").and_then(|u| u.last_fix).map(|f| f.time), Some(999_999), "tail applied");
    let report = journal::verify(dir.path()).expect("verify");
    let found = report.snapshot_problems.iter().any(|p| p.contains("does not match"));
    assert!(!report.ok && report.problems.is_empty() && found, "{report:?}");
    let out = pantau(&["journal", "verify", dir.path().to_str().expect("utf-8")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success() && stdout.contains("chain: intact") && stdout.contains("UNSOUND"), "{stdout}");

    // A damaged snapshot is passed over for the one before it.
    let mut bytes = std::fs::read(&newest).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&newest, bytes).expect("write");
    assert!(journal::replay(dir.path()).expect("replay").same_state(&live));
    let report = journal::verify(dir.path()).expect("verify");
    assert!(report.snapshot_problems.iter().any(|p| p.contains("damaged")), "{report:?}");

    // And with none sound, everything is replayed from the start.
    for (_, path) in snapshot::list(dir.path()).expect("list") {
        std::fs::write(path, b"PNTSNAP1 but nothing after").expect("write");
    }
    assert!(journal::replay(dir.path()).expect("replay").same_state(&live));
}

/// A caller's AML location journaled before the bridge said the call rings, a snapshot
/// taken between the two: replay from the snapshot joins the location to the call as the
/// live world did, and a snapshot in the previous format (PNTSNAP4) is still read.
#[test]
fn a_location_waiting_for_its_call_survives_a_snapshot_and_old_snapshots_still_read() {
    use pantau::model::calls::{AmlTransport, FixMethod};
    use pantau::model::{CallPhase, CallerLocation, Channel};
    let dir = tempfile::tempdir().expect("tmp");
    let (mut j, _) = Journal::open(JournalConfig::new(dir.path())).expect("open");
    let mut live = World::new();
    let now = 1_800_000_000_000;
    let location = CallerLocation {
        lon: 106.8,
        lat: -6.2,
        radius: 12.0,
        time: now,
        method: FixMethod::Gnss,
        confidence: None,
        transport: AmlTransport::Https,
    };
    let ring = Event::Call {
        call: "k1".into(),
        phase: CallPhase::Ringing,
        number: "+628155".into(),
        channel: Channel::Voice,
        trunk: None,
        time: now + 3_000,
        text: None,
    };
    for batch in [vec![Event::CallerLocation { number: "+628155".into(), location: location.clone() }], vec![ring]] {
        j.append(&batch, 1).expect("append");
        live.apply(&batch);
        if live.calls().is_empty() {
            j.snapshot(&live).expect("snapshot between the location and its call");
        }
    }
    drop(j);
    assert_eq!(live.call(1).and_then(|c| c.location.clone()), Some(location), "the call took the early location");
    assert!(journal::replay(dir.path()).expect("replay").same_state(&live));

    // The same snapshot as the fourth format wrote it (no early locations), still read.
    let (_, path) = snapshot::list(dir.path()).expect("list").pop().expect("a snapshot");
    let saved = snapshot::read(&path).expect("read").checkpoint;
    let old = World::new().saved();
    let body =
        postcard::to_stdvec(&(saved, old.units, old.alarms, old.calls, old.blocks, old.incidents)).expect("encode");
    let mut bytes = b"PNTSNAP4".to_vec();
    bytes.extend_from_slice(blake3::hash(&body).as_bytes());
    bytes.extend_from_slice(&body);
    std::fs::write(&path, bytes).expect("write");
    let read = snapshot::read(&path).expect("a PNTSNAP4 snapshot is read");
    assert_eq!(read.checkpoint, saved);
}

/// A plan with a convoy (unit-1) due at two waypoints along the units' road.
fn convoy_plan() -> pantau::model::plans::Plan {
    use pantau::model::plans::{Escort, Plan, Waypoint};
    let at = |name: &str, lon: f64| Waypoint { name: name.into(), lon, lat: -6.2, eta: 10_000 };
    let escort = Escort {
        name: "convoy".into(),
        units: vec!["unit-1".into()],
        waypoints: vec![at("first", 106.805), at("second", 106.815)],
        hold: vec![],
    };
    Plan { id: "op".into(), name: "Op".into(), checkpoints: vec![], escorts: vec![escort], deployments: vec![] }
}

/// Seeking: the world at any moment equals the journal applied up to that moment, across
/// segment boundaries and keyframes, before and after more records come; a damaged keyframe
/// is made again.
#[test]
fn seeking_any_moment_equals_applying_the_journal_up_to_it() {
    use pantau::journal::timeline;
    let dir = tempfile::tempdir().expect("tmp");
    let config = JournalConfig { segment_bytes: 64 * 1024, ..JournalConfig::new(dir.path()) };
    let (mut j, _) = Journal::open(config.clone()).expect("open");
    // Ten minutes of record time per batch, eight hours in all; an operation plan whose convoy
    // (unit-1, 110 m further east each batch) reaches its waypoints (within 150 m) in batches 4 and 14 is
    // saved in batch 2 and dropped in batch 45, so keyframes carry it and its progress.
    let mut batches: Vec<(i64, Vec<Event>)> =
        workload().into_iter().enumerate().map(|(b, batch)| (b as i64 * 600_000, batch)).collect();
    let plan_command = |command| Event::Command { user: "chief".into(), role: Role::Commander, time: 0, command };
    batches[2].1.push(plan_command(Command::SavePlan { plan: convoy_plan() }));
    batches[45].1.push(plan_command(Command::DropPlan { id: "op".into() }));
    for (time, batch) in &batches[..30] {
        j.append(batch, *time).expect("append");
    }
    let applied_up_to = |time: i64| {
        let mut world = World::new();
        for (_, batch) in batches.iter().take_while(|(t, _)| *t <= time) {
            world.apply(batch);
        }
        world
    };
    let check = |times: &[i64]| {
        for &time in times {
            let (world, _) = timeline::seek(dir.path(), time).expect("seek");
            assert!(world.same_state(&applied_up_to(time)), "the world at {time}");
        }
    };
    check(&[-1, 0, 599_999, 3_600_000, 7_000_000, 29 * 600_000]);
    let (world, _) = timeline::seek(dir.path(), 29 * 600_000).expect("seek");
    assert_eq!(world.plans()[0].reached[0], vec![Some(4001), Some(14_001)], "the convoy's progress");
    let keys = timeline::keyframes(dir.path()).expect("keyframes");
    assert!(keys.len() >= 8, "a keyframe every half hour: {keys:?}");
    // Playheads left before the last two batches and after the last, then more records
    // written: a step takes only what was there at the seek, and says when a seek must find
    // the moment instead.
    let last = 29 * 600_000;
    let (mut shown, _, mut head) = timeline::seek_playhead(dir.path(), last - 600_001).expect("seek");
    let (_, _, at_end) = timeline::seek_playhead(dir.path(), last + 1).expect("seek");
    // More records: the timeline goes on from its last keyframe.
    for (time, batch) in &batches[30..] {
        j.append(batch, *time).expect("append");
    }
    drop(j);
    for to in [last - 350_000, last - 50_000] {
        assert!(head.reaches(to));
        let step = head.step_to(to).expect("a step").expect("a record of the seek's past the moment");
        shown.apply(&step);
        assert!(shown.same_state(&applied_up_to(to)), "the world at {to}");
    }
    assert!(head.reaches(last + 200_000));
    assert_eq!(head.step_to(last + 200_000).expect("a step"), None, "its records run out: records since need a seek");
    assert!(!head.reaches(last + 210_000) && !at_end.reaches(last + 2), "a seek from here on");
    check(&[29 * 600_000, 31 * 600_000 - 1, 40 * 600_000, 49 * 600_000 + 1]);
    assert!(timeline::keyframes(dir.path()).expect("keyframes").len() > keys.len());
    // A keyframe with a flipped bit: made again, and the answers do not change.
    let middle = timeline::keyframes(dir.path()).expect("keyframes")[2].clone();
    let sound = std::fs::read(&middle.path).expect("read");
    let mut bytes = sound.clone();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x10;
    std::fs::write(&middle.path, bytes).expect("write");
    check(&[3_600_000, 45 * 600_000]);
    assert_eq!(std::fs::read(&middle.path).expect("read"), sound, "made again as it was");

    // A torn tail cut at the next opening: keyframes made while it was there are forgotten.
    let segment = dir.path().join("events/000001.seg");
    let mut file = std::fs::OpenOptions::new().append(true).open(&segment).expect("segment");
    file.write_all(&[200, 0, 0, 0, 1, 2, 3]).expect("a torn record");
    drop(file);
    let (j, recovery) = Journal::open(config).expect("opens, cutting the tail");
    assert!(!recovery.truncated.is_empty());
    drop(j);
    assert!(timeline::keyframes(dir.path()).expect("keyframes").is_empty(), "the timeline is forgotten");
    check(&[45 * 600_000]);
}

#[test]
fn the_sequence_goes_on_after_a_restart_just_after_a_segment_rolled() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = || JournalConfig { segment_bytes: 2048, ..JournalConfig::new(dir.path()) };
    let (mut j, _) = Journal::open(config()).expect("open");
    j.append(&[alarm("panic-1", 1)], 1).expect("append");
    // Positions until their stream has just rolled: the newest segment holds only its header.
    let newest_is_empty = || {
        let mut segments: Vec<_> = std::fs::read_dir(dir.path().join("positions")).expect("list").flatten().collect();
        segments.sort_by_key(|e| e.file_name());
        segments.len() > 1 && segments.last().and_then(|e| e.metadata().ok()).is_some_and(|m| m.len() == 40)
    };
    let mut t = 0;
    while !newest_is_empty() {
        t += 1;
        j.append(&[position("unit-0", t)], 1).expect("append");
    }
    let next = j.next_seq();
    drop(j);
    let (j, _) = Journal::open(config()).expect("reopen");
    assert_eq!(j.next_seq(), next, "sequence numbers are never reused");
}

#[test]
fn a_deleted_first_segment_fails_verify() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), |c| JournalConfig { segment_bytes: 400, ..c });
    assert!(dir.path().join("events/000002.seg").exists(), "the events stream spans segments");
    assert!(journal::verify(dir.path()).expect("verify").ok);
    std::fs::remove_file(dir.path().join("events/000001.seg")).expect("delete");
    let report = journal::verify(dir.path()).expect("verify runs");
    assert!(!report.ok);
    assert!(report.problems.iter().any(|p| p.contains("segments before it are missing")), "{:?}", report.problems);
    assert!(report.problems.iter().any(|p| p.contains("sequence gap")), "{:?}", report.problems);
}

#[test]
fn records_cut_off_the_tail_fail_verify_against_a_kept_head() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut j, _) = Journal::open(JournalConfig::new(dir.path())).expect("open");
    for i in 0..100 {
        j.append(&[alarm(&format!("site-{i}"), i)], 1).expect("append");
    }
    drop(j);
    let out = pantau(&["journal", "head", dir.path().to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let kept = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let head: journal::Head = kept.parse().expect("SEQ HASH");
    assert_eq!(head.seq, 100);
    let expect = format!("{}:{}", head.seq, head.hash);
    let dir_arg = dir.path().to_str().expect("utf-8");
    assert!(pantau(&["journal", "verify", dir_arg, "--expect-head", &expect]).status.success());

    // Cut the last ten records off at a record boundary: the chain alone still looks whole.
    let segment = dir.path().join("events/000001.seg");
    let bytes = std::fs::read(&segment).expect("read");
    let offsets = record_offsets(&bytes);
    std::fs::write(&segment, &bytes[..offsets[90]]).expect("cut");
    assert!(journal::verify(dir.path()).expect("verify").ok, "without a kept head a clean cut is invisible");
    let out = pantau(&["journal", "verify", dir_arg, "--expect-head", &expect]);
    assert!(!out.status.success(), "a cut journal must fail against the kept head");
    assert!(String::from_utf8_lossy(&out.stdout).contains("records were cut off"));
    let bad = pantau(&["journal", "verify", dir_arg, "--expect-head", "100:xyz"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("64 hex digits"));
}

/// A fixture journal replayed from the start (its segments copied without the snapshot) and
/// from its snapshot: the same world both ways, which is returned.
fn replayed_with_and_without_its_snapshot(fixture: &Path) -> pantau::world::World {
    let without_snapshot = tempfile::tempdir().expect("tmp");
    for stream in ["events", "positions"] {
        std::fs::create_dir(without_snapshot.path().join(stream)).expect("mkdir");
        let segment = format!("{stream}/000001.seg");
        std::fs::copy(fixture.join(&segment), without_snapshot.path().join(&segment)).expect("copy");
    }
    let world = journal::replay(without_snapshot.path()).expect("replay");
    assert!(journal::replay(fixture).expect("replay from the snapshot").same_state(&world));
    world
}

/// A journal written by main on 2026-11-30, before any event changed: every command (one
/// refused), alarms with and without a fix, positions, and a snapshot. Journals written by an
/// earlier main must still replay, with and without their snapshot.
#[test]
fn a_journal_written_by_an_earlier_main_still_replays() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journal-2026-11-30");
    let report = journal::verify(&fixture).expect("verify");
    assert!(report.ok, "{:?} {:?}", report.problems, report.snapshot_problems);
    assert_eq!((report.records, report.snapshots), (72, 1));
    assert_eq!((report.counts["positions"], report.counts["alarms"], report.counts["commands"]), (60, 3, 9));

    let world = replayed_with_and_without_its_snapshot(&fixture);

    let units = world.units();
    assert_eq!(units.iter().map(|u| u.callsign.as_str()).collect::<Vec<_>>(), ["B0", "B1", "B2"]);
    let off_duty = world.unit("unit-2").expect("unit-2");
    assert_eq!((off_duty.status, off_duty.kind), (UnitStatus::OffDuty, pantau::model::UnitKind::Motorbike));
    let unit_0 = world.unit("unit-0").and_then(|u| u.last_fix).expect("unit-0 fix");
    assert_eq!(unit_0.time, 1_796_000_095_000);
    let alarms = world.alarms();
    assert_eq!(alarms.len(), 3);
    assert_eq!((alarms[0].state, alarms[0].dispatched_unit.as_deref()), (AlarmState::Resolved, Some("unit-0")));
    assert_eq!(
        (alarms[1].state, alarms[1].dispatched_unit.as_deref()),
        (AlarmState::FalseAlarm, None),
        "the viewer's dispatch was refused"
    );
    assert_eq!((alarms[2].source.as_str(), alarms[2].state), ("unit-1", AlarmState::Raised));
}

#[test]
fn a_roll_cut_short_by_a_crash_is_passed_over() {
    let dir = tempfile::tempdir().expect("tmp");
    let live = write(dir.path(), |c| c);
    // The next segment was created but its header never reached the disk.
    std::fs::write(dir.path().join("events/000002.seg"), b"PNTJ").expect("write");
    let (mut j, _) = Journal::open(JournalConfig::new(dir.path())).expect("opens past the unfinished roll");
    assert!(!dir.path().join("events/000002.seg").exists());
    j.append(&[alarm("after", 1)], 2).expect("append");
    drop(j);
    assert!(journal::verify(dir.path()).expect("verify").ok);
    let mut expected = live;
    expected.apply(&[alarm("after", 1)]);
    assert!(journal::replay(dir.path()).expect("replay").same_state(&expected));
}

#[test]
fn repair_quarantines_damage_and_journals_what_it_did() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut j, _) = Journal::open(JournalConfig::new(dir.path())).expect("open");
    for i in 0..600 {
        j.append(&[alarm(&format!("site-{i}"), i * 600_000)], 1).expect("append");
    }
    drop(j);
    let segment = dir.path().join("events/000001.seg");
    let mut bytes = std::fs::read(&segment).expect("read");
    let damaged = record_offsets(&bytes)[399];
    bytes[damaged + 3] ^= 0x01;
    std::fs::write(&segment, &bytes).expect("write");
    assert!(Journal::open(JournalConfig::new(dir.path())).is_err(), "opening refuses the damage");

    let dir_arg = dir.path().to_str().expect("utf-8");
    let out = pantau(&["journal", "repair", dir_arg]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("cut at byte {damaged}")));
    let quarantined = dir.path().join(format!("quarantine/events-000001-at-{damaged}.bin"));
    assert_eq!(std::fs::read(&quarantined).expect("quarantine").as_slice(), &bytes[damaged..], "nothing was deleted");

    // It opens again, the repair is on the record, and verify says what was lost.
    let (mut j, _) = Journal::open(JournalConfig::new(dir.path())).expect("opens after the repair");
    j.append(&[alarm("after", 1)], 2).expect("append");
    drop(j);
    let report = journal::verify(dir.path()).expect("verify");
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.counts["alarms"], 400, "399 kept and one after the repair");
    assert_eq!(report.repaired, vec!["records 400..600 were quarantined by the repair at seq 601".to_string()]);
    let repairs = journal::JournalRecords::open(dir.path())
        .expect("read")
        .filter(|r| {
            matches!(&r.as_ref().expect("record").event, Event::Command { command: Command::RecordRepair { .. }, .. })
        })
        .count();
    assert_eq!(repairs, 1);
    let again = pantau(&["journal", "repair", dir_arg]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("nothing to repair"));
}

/// A journal written by main on 2026-11-30 after alarms gained repeats and notes (snapshot
/// format PNTSNAP2), by `pantau serve` over HTTP: positions of two units, a panic alarm sent
/// twice with one event id and once more with another (a retry and a repeat), an alarm with a
/// clock years off, one with an over-long kind, and a unit's SOS without a fix. It must still
/// replay, with and without its snapshot, to the same world.
#[test]
fn a_journal_with_the_second_snapshot_format_still_replays() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journal-2026-11-30-snap2");
    let report = journal::verify(&fixture).expect("verify");
    assert!(report.ok, "{:?} {:?}", report.problems, report.snapshot_problems);
    assert_eq!((report.records, report.snapshots), (16, 1));
    let world = replayed_with_and_without_its_snapshot(&fixture);
    let alarms: Vec<(&str, &str, u32)> =
        world.alarms().iter().map(|a| (a.source.as_str(), a.kind.as_str(), a.repeats)).collect();
    assert_eq!(alarms.len(), 4, "{alarms:?}");
    assert_eq!(alarms[0], ("bank-1", "panic", 1), "the retry is one alarm, the repeat counted into it");
    let clock = &world.alarms()[1];
    assert!(clock.notes.device_time.is_some_and(|t| t < clock.time), "the device's clock kept in the notes");
    assert!(world.alarms()[2].notes.cut && world.alarms()[2].kind.len() == 32, "the kind cut to 32 bytes");
    let sos = &world.alarms()[3];
    assert_eq!((sos.source.as_str(), sos.position_source), ("unit-a", pantau::model::PositionSource::LastKnown));
}

/// A journal written by main on 2026-12-01, before calls and incidents were added: logins (one
/// refused), a roster, positions, alarms with and without a fix and with notes, every alarm
/// command (a viewer's refused, one refused by the hub), and a snapshot (format PNTSNAP3) with
/// commands after it. It must still replay, with and without its snapshot, to the same world.
#[test]
fn a_journal_written_before_calls_still_replays() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journal-2026-12-01");
    let report = journal::verify(&fixture).expect("verify");
    assert!(report.ok, "{:?} {:?}", report.problems, report.snapshot_problems);
    assert_eq!((report.records, report.snapshots), (49, 1));
    assert_eq!((report.counts["positions"], report.counts["alarms"], report.counts["commands"]), (30, 3, 16));
    let world = replayed_with_and_without_its_snapshot(&fixture);
    let units: Vec<_> = world.units().iter().map(|u| (u.callsign.as_str(), u.status)).collect();
    assert_eq!(units, [("C0", UnitStatus::Available), ("C1", UnitStatus::Available), ("unit-2", UnitStatus::OffDuty)]);
    let alarms = world.alarms();
    let closed = alarms[0].closure.as_ref().expect("alarm 1 closed");
    assert_eq!((alarms[0].state, alarms[0].dispatched_unit.as_deref()), (AlarmState::Resolved, Some("unit-1")));
    assert_eq!(
        (closed.disposition, closed.note.as_str()),
        (pantau::model::Disposition::ArrestMade, "dua orang ditahan")
    );
    assert_eq!(
        (alarms[1].state, alarms[1].dispatched_unit.as_deref()),
        (AlarmState::Raised, None),
        "both dispatches refused"
    );
    assert_eq!(alarms[1].position_source, pantau::model::PositionSource::LastKnown);
    assert_eq!(
        (alarms[2].position_source, alarms[2].state),
        (pantau::model::PositionSource::Placed, AlarmState::Acknowledged)
    );
    assert!(alarms[2].closure.is_none() && alarms[2].notes.cut, "reopened by the commander");
}

/// A journal written by main at a6f4c0a (2026-12-01), before the move-up command was added:
/// an hour of the simulated centre (`pantau sim --history 1h --report-every 1800
/// --calls-per-min 1 --end 2026-12-01T06:00:00Z --seed 3`) with the roster, positions, 110
/// calls routed, answered and judged, incidents opened, dispatched, worked and closed, and a
/// snapshot in PNTSNAP5. It must still replay, with and without its snapshot, to the same world.
#[test]
fn a_journal_written_before_move_up_still_replays() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journal-2026-12-01-calls");
    let report = journal::verify(&fixture).expect("verify");
    assert!(report.ok, "{:?} {:?}", report.problems, report.snapshot_problems);
    assert_eq!((report.records, report.snapshots), (2003, 1));
    assert_eq!((report.counts["positions"], report.counts["calls"], report.counts["commands"]), (612, 352, 1039));
    let world = replayed_with_and_without_its_snapshot(&fixture);
    let calls = world.calls().len();
    let judged = world.calls().iter().filter(|c| c.verdict.is_some()).count();
    let incidents = world.incidents();
    let closed = incidents.iter().filter(|i| i.state == pantau::model::IncidentState::Closed).count();
    // 178 calls and 12 incidents, as the writer itself counted them when it wrote the journal.
    assert_eq!((world.units().len(), calls, incidents.len()), (306, 178, 12));
    assert_eq!((judged, closed), (133, 5), "verdicts and closures replayed");
}

/// A journal written by main at c841b8c (2026-12-02), before zone edits were added: the hour
/// of the simulated centre as above (`--end 2026-12-02T06:00:00Z`), then at its hub a
/// commander's move-up, an operation plan saved by the commander and refused to an operator,
/// and the snapshot written at the stop (PNTSNAP6, with the plan). It must still replay, with
/// and without its snapshot, to the same world.
#[test]
fn a_journal_written_before_zone_edits_still_replays() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journal-2026-12-02-plans");
    let report = journal::verify(&fixture).expect("verify");
    assert!(report.ok, "{:?} {:?}", report.problems, report.snapshot_problems);
    assert_eq!((report.records, report.snapshots), (2012, 1));
    assert_eq!((report.counts["positions"], report.counts["calls"], report.counts["commands"]), (612, 352, 1048));
    let world = replayed_with_and_without_its_snapshot(&fixture);
    assert_eq!((world.units().len(), world.calls().len(), world.incidents().len()), (306, 178, 12));
    let plans: Vec<_> =
        world.plans().iter().map(|f| (f.plan.id.as_str(), f.plan.checkpoints[0].name.as_str())).collect();
    assert_eq!(plans, [("op-pasar", "Pos Pasar")], "the commander's plan, not the operator's refused one");
    let moved = world.unit("demo-0002").expect("the unit moved up");
    assert_eq!(moved.home_station.as_deref(), Some("Pos Pasar"));
    assert!(world.zones().is_empty() && world.zones().version() == 0, "no zone edits then");
}

/// A journal written by main at 416e500 (2026-12-02), before lost calls were added: the hour of
/// the simulated centre (`sim --history 1h --report-every 1800 --end 2026-11-30T17:00:00Z`, 301
/// calls and 17 incidents by the writer's count), then at its hub a zone edit refused to an
/// operator and one applied for a commander (the demo's kelurahan 99.71.09.1003 put again), and
/// the snapshot written at the stop (PNTSNAP7, with the edit). It must still replay, with and
/// without its snapshot, to the same world.
#[test]
fn a_journal_written_before_lost_calls_still_replays() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journal-2026-12-02-zones");
    let report = journal::verify(&fixture).expect("verify");
    assert!(report.ok, "{:?} {:?}", report.problems, report.snapshot_problems);
    assert_eq!((report.records, report.snapshots), (2711, 1));
    assert_eq!((report.counts["positions"], report.counts["calls"], report.counts["commands"]), (612, 627, 1472));
    let world = replayed_with_and_without_its_snapshot(&fixture);
    assert_eq!((world.units().len(), world.calls().len(), world.incidents().len()), (306, 301, 17));
    let edited: Vec<String> = world.zones().saved().into_iter().map(|(code, _)| code).collect();
    assert_eq!((edited, world.zones().version()), (vec!["99.71.09.1003".to_string()], 1), "the commander's edit only");
}
