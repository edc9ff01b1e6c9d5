//! The analyst's desk on history: `pantau sim --history` writes weeks of the demo centre into a
//! journal; the early warning flags the zone it made rise and no steady one; seeking any moment
//! equals applying the journal up to it; who was near a place matches a brute-force scan; and a
//! report's figures match a small journal worked by hand.

use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::OnceLock;

use pantau::analysis::report::{report, GroupBy};
use pantau::analysis::Places;
use pantau::crs::geodesy::haversine_m;
use pantau::journal::{timeline, JournalRecords};
use pantau::model::{Event, Millis};
use pantau::world::World;

use crate::common;

/// 2026-11-30T17:00:00Z, the end of every history here.
const END: Millis = 1_796_058_000_000;

fn pantau(args: &[&str]) -> std::process::Output {
    Process::new(env!("CARGO_BIN_EXE_pantau")).args(args).output().expect("run pantau")
}

/// Two days of the demo centre, positions every two minutes, written once per test process.
fn two_days() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = common::scratch().join("history-2d");
        let out = pantau(&[
            "sim",
            "--history",
            "2d",
            "--out",
            dir.to_str().expect("utf-8"),
            "--report-every",
            "120",
            "--end",
            &END.to_string(),
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        dir
    })
}

/// Every record of a journal, with its time.
fn records(journal: &Path) -> Vec<(Millis, Event)> {
    JournalRecords::open(journal).expect("open").map(|r| r.expect("record")).map(|r| (r.time, r.event)).collect()
}

#[test]
fn the_early_warning_flags_the_zone_the_history_made_rise_and_no_steady_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let journal = dir.path().join("j");
    let args =
        ["sim", "--history", "21d", "--out", journal.to_str().expect("utf-8"), "--report-every", "3600", "--seed", "5"];
    let out = pantau(&[&args[..], &["--end", &END.to_string()]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rising = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(rising.starts_with("99.71."), "the zone's code: {rising:?}");

    let out = pantau(&["report", "--journal", journal.to_str().expect("utf-8"), "--warnings", "--all"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let tests: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert!(tests.len() >= 20, "every finest zone is tested: {}", tests.len());
    let flagged: Vec<&str> = tests.iter().filter(|t| t["flagged"] == true).filter_map(|t| t["zone"].as_str()).collect();
    assert_eq!(flagged, [rising.as_str()], "only the zone made to rise");
    let top = &tests[0];
    assert_eq!(top["zone"], rising.as_str());
    assert_eq!(top["weeks"], 2);
    let (count, baseline) = (top["count"].as_f64().expect("count"), top["baseline"].as_f64().expect("baseline"));
    assert!(count > 1.6 * baseline, "its count doubled: {count} against {baseline}");

    // The same through the command's rows: a CSV per zone, with every call and incident.
    let out = pantau(&["report", "--journal", journal.to_str().expect("utf-8"), "--by", "zone"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8_lossy(&out.stdout).to_string();
    let all = csv.lines().last().expect("the all row");
    let world = pantau::journal::replay(&journal).expect("replay");
    let cells: Vec<&str> = all.split(',').collect();
    assert_eq!((cells[0], cells[1]), ("all", world.calls().len().to_string().as_str()));
    assert_eq!(cells[10], world.incidents().len().to_string());
    // As GeoJSON: each zone's row on its polygon, the rising zone's incidents among them.
    let out = pantau(&["report", "--journal", journal.to_str().expect("utf-8"), "--by", "zone", "--format", "geojson"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let zones: serde_json::Value = serde_json::from_slice(&out.stdout).expect("GeoJSON");
    let features = zones["features"].as_array().expect("features");
    let rose = features.iter().find(|f| f["properties"]["group"] == rising.as_str()).expect("the rising zone's row");
    assert_eq!(rose["geometry"]["type"], "MultiPolygon");
    assert!(rose["properties"]["incidents"].as_u64().expect("incidents") > 0);
    let by_shift =
        pantau(&["report", "--journal", journal.to_str().expect("utf-8"), "--by", "shift", "--format", "geojson"]);
    assert!(!by_shift.status.success() && String::from_utf8_lossy(&by_shift.stderr).contains("--by zone"));
    let refused =
        pantau(&["report", "--journal", journal.to_str().expect("utf-8"), "--by", "zone", "--from", "yesterday"]);
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("is not a time"));
    // Times at the ends of the range are answered, never a crash.
    for to in [i64::MAX.to_string(), i64::MIN.to_string(), "1".into()] {
        let out = pantau(&["report", "--journal", journal.to_str().expect("utf-8"), "--warnings", "--to", &to]);
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!said.contains("panicked"), "--to {to}: {said}");
    }
    let early = pantau(&["sim", "--history", "400d", "--out", "never", "--end", "0"]);
    assert!(!early.status.success() && String::from_utf8_lossy(&early.stderr).contains("before 1970"));
}

/// `--fleet` makes the demo centre bigger: copies of its units with ids of their own, each
/// reporting; a fleet of none, or one asked of a map, is refused.
#[test]
fn a_history_of_a_bigger_fleet_has_that_many_units_reporting() {
    let dir = tempfile::tempdir().expect("tmp");
    let journal = dir.path().join("j");
    let args = ["sim", "--history", "2h", "--out", journal.to_str().expect("utf-8"), "--report-every", "600"];
    let out = pantau(&[&args[..], &["--fleet", "700", "--calls-per-min", "0", "--end", &END.to_string()]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let world = pantau::journal::replay(&journal).expect("replay");
    assert_eq!(world.units().len(), 700);
    let ids: std::collections::HashSet<&str> = world.units().iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids.len(), 700, "each unit its own id");
    assert!(world.units().iter().all(|u| u.last_fix.is_some_and(|f| f.time > END - 7_200_000)), "all reported");
    assert!(ids.iter().any(|id| id.ends_with("-3")), "copies of copies past twice the fleet");
    for (fleet, map, said) in [("0", "demo", "from 1 to"), ("5", "../shared/data/none.pmtiles", "--fleet sizes")] {
        let out = pantau(&["sim", "--history", "1h", "--out", "never", "--fleet", fleet, "--map", map]);
        assert!(!out.status.success(), "--fleet {fleet} on {map}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(said), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

/// The world at a moment, from the timeline, against every record up to it applied in order:
/// at keyframes, between them, before the first record and after the last.
#[test]
fn seeking_a_history_equals_applying_its_records_up_to_that_moment() {
    let journal = two_days();
    let all = records(journal);
    let keys = timeline::keyframes(journal).expect("keyframes");
    assert!(keys.len() >= 94, "a keyframe every half hour: {}", keys.len());
    let start = all[0].0;
    let mut moments = vec![start - 1, start, keys[5].time, keys[5].time + 1, END - 1, END + 60_000];
    moments.extend((1..8).map(|i| start + i * 5_700_000 + 12_345));
    for time in moments {
        let (world, seq) = timeline::seek(journal, time).expect("seek");
        let mut expected = World::new();
        let upto: Vec<Event> = all.iter().take_while(|(t, _)| *t <= time).map(|(_, e)| e.clone()).collect();
        expected.apply(&upto);
        assert!(world.same_state(&expected), "the world at {time}");
        assert_eq!(seq as usize, upto.len(), "records applied to {time}");
        if time > start + 3_600_000 && time < END {
            assert!(!world.calls().is_empty() && !world.incidents().is_empty(), "calls and incidents by {time}");
        }
    }
}

/// A playhead left by a seek steps onwards through the records in between: the world it
/// started from with each step's events applied equals the journal applied up to each moment.
/// Backwards, too far on, or past the journal's end is a seek again.
#[test]
fn stepping_a_playhead_onwards_equals_seeking_each_moment() {
    let journal = two_days();
    let all = records(journal);
    let start = all[0].0;
    let mut time = start + 20 * 3_600_000 + 1_234;
    let (mut world, _, mut head) = timeline::seek_playhead(journal, time).expect("seek");
    for step in [1_000, 10_000, 60_000, 299_000, timeline::STEP_MS] {
        time += step;
        assert!(head.reaches(time), "{step} ms on");
        world.apply(&head.step_to(time).expect("a step").expect("all the records in between"));
        let upto: Vec<Event> = all.iter().take_while(|(t, _)| *t <= time).map(|(_, e)| e.clone()).collect();
        let mut expected = World::new();
        expected.apply(&upto);
        assert!(world.same_state(&expected), "the world {step} ms on");
        assert_eq!((head.seq() as usize, head.time()), (upto.len(), time), "records taken");
    }
    assert!(!head.reaches(time - 1) && !head.reaches(time + timeline::STEP_MS + 1), "backwards or far: a seek");
    let (_, seq, at_end) = timeline::seek_playhead(journal, END + 60_000).expect("seek past the end");
    assert_eq!(seq as usize, all.len());
    assert!(!at_end.reaches(END + 61_000), "past the journal's end, records written later need a seek");
}

/// Who was within 400 m of a unit's position in a half-hour window, against a scan of every
/// record.
#[test]
fn near_history_matches_a_brute_force_scan() {
    let journal = two_days();
    let all = records(journal);
    let (at, from, to) = all
        .iter()
        .find_map(|(_, e)| match e {
            Event::Position { fix, .. } if fix.time > all[0].0 + 20 * 3_600_000 => {
                Some(((fix.lon, fix.lat), fix.time - 900_000, fix.time + 900_000))
            }
            _ => None,
        })
        .expect("a position a day in");
    let found = pantau::analysis::near::near(journal, at, 400.0, from, to).expect("near");
    let mut expected: std::collections::BTreeMap<String, (usize, f64)> = Default::default();
    for (_, event) in &all {
        let Event::Position { device, fix, .. } = event else { continue };
        let metres = haversine_m(at.0, at.1, fix.lon, fix.lat);
        if (from..=to).contains(&fix.time) && metres <= 400.0 {
            let seen = expected.entry(device.clone()).or_insert((0, f64::MAX));
            (seen.0, seen.1) = (seen.0 + 1, seen.1.min(metres));
        }
    }
    assert!(!expected.is_empty());
    let got: std::collections::BTreeMap<String, (usize, f64)> =
        found.iter().map(|s| (s.unit.clone(), (s.fixes, s.closest_m))).collect();
    assert_eq!(got, expected);
    assert!(found.windows(2).all(|w| w[0].closest_m <= w[1].closest_m), "closest first");
    assert!(found.iter().all(|s| s.callsign.is_some()), "named by their callsigns");
    // Through the command, the same units.
    let out = pantau(&[
        "query",
        "near-history",
        "--journal",
        journal.to_str().expect("utf-8"),
        "--at",
        &format!("{},{}", at.0, at.1),
        "--radius",
        "400",
        "--from",
        &from.to_string(),
        "--to",
        &pantau::model::iso8601(to),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), expected.len());
}

/// Two calls and one incident whose every time is known: the figures worked by hand.
#[test]
fn report_figures_match_a_small_journal_worked_by_hand() {
    use pantau::model::incidents::Milestone;
    use pantau::model::{CallPhase, Channel, Classification, Command, IncidentKind, IncidentState, Role, Tier};
    let t0 = 1_796_000_000_000; // 2026-11-30 07:53 WIB: the morning shift.
    let ring = |key: &str, t: Millis| Event::Call {
        call: key.into(),
        phase: CallPhase::Ringing,
        number: format!("+62811{key}"),
        channel: Channel::Voice,
        trunk: None,
        time: t,
        text: None,
    };
    let cmd = |t: Millis, command| Event::Command { user: "op".into(), role: Role::Commander, time: t, command };
    let route =
        |call, rung, node: &str, tier| Command::Route { call, rung, node: node.into(), tier, why: String::new() };
    let events = vec![
        ring("1", t0),
        cmd(t0, route(1, 0, "polsek-a", Tier::Polsek)),
        cmd(t0 + 4_000, Command::Answer { call: 1 }),
        ring("2", t0 + 1_000),
        cmd(t0 + 1_000, route(2, 0, "polsek-a", Tier::Polsek)),
        cmd(t0 + 11_000, route(2, 1, "polres-a", Tier::Polres)),
        cmd(t0 + 14_000, Command::Answer { call: 2 }),
        cmd(t0 + 20_000, Command::Classify { call: 2, class: Classification::Prank }),
        cmd(
            t0 + 34_000,
            Command::OpenIncident {
                call: 1,
                kind: IncidentKind::Theft,
                priority: None,
                at: Some((106.8, -6.2)),
                address: String::new(),
                note: String::new(),
            },
        ),
    ];
    let mut world = World::new();
    world.apply(&events);
    world.apply(&[Event::Position {
        device: "u1".into(),
        fix: pantau::model::Fix { time: t0, lon: 106.8, lat: -6.21, speed: None, heading: None, accuracy: None },
        feed: pantau::model::FeedKind::Osmand,
    }]);
    let steps = [
        (t0 + 94_000, Command::DispatchIncident { incident: 1, unit: "u1".into() }),
        (t0 + 100_000, Command::IncidentProgress { incident: 1, to: IncidentState::EnRoute }),
        (t0 + 394_000, Command::IncidentProgress { incident: 1, to: IncidentState::OnScene }),
        (t0 + 994_000, Command::IncidentProgress { incident: 1, to: IncidentState::Cleared }),
    ];
    for (t, step) in steps {
        world.apply(&[cmd(t, step)]);
    }
    let incident = world.incident(1).expect("incident 1");
    assert_eq!(incident.reached(Milestone::OnScene), Some(t0 + 394_000), "{:?}", incident.steps);
    let rows = report(&world, &Places::new(None, Vec::new()), GroupBy::Shift, t0 - 1, t0 + 3_600_000);
    assert_eq!(rows.iter().map(|r| r.group.as_str()).collect::<Vec<_>>(), ["pagi 06-14", "all"]);
    let r = &rows[1];
    assert_eq!((r.calls, r.answered, r.escalations, r.classified, r.incidents), (2, 2, 1, 2, 1));
    // Answers after 4 s and 13 s: the median (nearest rank) 4 s, the 90th 13 s, one in target.
    assert_eq!((r.answer_p50_s, r.answer_p90_s, r.answered_within_target), (Some(4.0), Some(13.0), Some(0.5)));
    // One prank of two judged; judged 30 s and 6 s after the answers.
    assert_eq!((r.not_genuine, r.classify_p50_s), (Some(0.5), Some(6.0)));
    // Received as its call rang, dispatched 94 s later, on scene 5 min after that, cleared 10
    // min later: 394 s from the call to the scene, within 10 minutes.
    assert_eq!((r.dispatch_p50_s, r.travel_p50_s, r.on_scene_p50_s), (Some(94.0), Some(300.0), Some(600.0)));
    assert_eq!((r.response_p50_s, r.on_scene_within_target), (Some(394.0), Some(1.0)));
}

/// The map at a moment, headless: units where they were then, stamped (in the picture and its
/// text chunks) with the moment and the record it was read up to, whose hash is the journal's.
#[test]
fn replay_draws_the_moment_and_stamps_it_with_the_journal_record() {
    let journal = two_days();
    let dir = tempfile::tempdir().expect("tmp");
    let png = dir.path().join("at.png");
    let at = END - 20 * 3_600_000;
    let out = pantau(&[
        "replay",
        "--journal",
        journal.to_str().expect("utf-8"),
        "--at",
        &pantau::model::iso8601(at),
        "--map",
        "demo",
        "--out",
        png.to_str().expect("utf-8"),
        "--size",
        "800x600",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).expect("png")));
    let reader = decoder.read_info().expect("a PNG");
    let text: std::collections::BTreeMap<String, String> =
        reader.info().uncompressed_latin1_text.iter().map(|t| (t.keyword.clone(), t.text.clone())).collect();
    let (seq, hash) = text["pantau:journal-head"].split_once(' ').expect("SEQ HASH");
    let seq: u64 = seq.parse().expect("seq");
    let record = JournalRecords::open(journal).expect("open").map(|r| r.expect("record")).find(|r| r.seq == seq);
    let record = record.expect("the stamped record");
    let hex: String = record.hash.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hash, hex, "the stamp is the journal's own chain hash");
    assert!(record.time <= at, "read up to the moment");
    assert_eq!(text["pantau:time"], pantau::model::iso8601(at));
    // The units are on the map in their status colours (most of them available).
    let image = pantau::render::Image::read_png(&png).expect("read");
    let palette = pantau::render::Theme::builtin(pantau::render::ThemeName::Night).palette.clone();
    let green = common::rgb(palette.unit(pantau::model::UnitStatus::Available));
    let markers = (0..image.width)
        .flat_map(|x| (0..image.height).map(move |y| (x, y)))
        .filter(|&(x, y)| common::close(image.pixel(x, y), green, 24))
        .count();
    assert!(markers > 300, "available units drawn: {markers} pixels");
    let refused = pantau(&["replay", "--journal", "/nonexistent", "--at", "0", "--map", "demo", "--out", "x.png"]);
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("not a journal"));
}
