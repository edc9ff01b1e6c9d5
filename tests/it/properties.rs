//! Property tests: every parser takes arbitrary bytes without panicking; what pantau writes
//! (OsmAnd queries, RMC sentences, journal records) parses back to the same values; and under
//! overload the ingest queue sheds the oldest positions but never an alarm.

use std::sync::Arc;

use pantau::feeds::nmea::{rmc_sentence, Session};
use pantau::feeds::osmand::{parse_json, parse_params, SpeedUnit};
use pantau::feeds::{alarm_api, owntracks, traccar};
use pantau::ingest::metrics::Metrics;
use pantau::ingest::validate::Validator;
use pantau::ingest::{Ack, Ingest};
use pantau::journal::{self, Journal, JournalConfig};
use pantau::model::{AlarmNotes, Event, FeedKind, Fix};
use pantau::world::World;
use proptest::prelude::*;

const NOW: i64 = 1_800_000_000_000;

fn fix_strategy() -> impl Strategy<Value = Fix> {
    (-179.0f64..179.0, -85.0f64..85.0, 0i64..86_400_000, 0.0f32..60.0, 0.0f32..359.0).prop_map(
        |(lon, lat, dt, speed, heading)| Fix {
            time: NOW - dt,
            lon,
            lat,
            speed: Some(speed),
            heading: Some(heading),
            accuracy: None,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_params(&text, SpeedUnit::Knots, NOW);
        let _ = parse_json(&bytes);
        let _ = traccar::parse(&bytes);
        let _ = alarm_api::parse(&bytes);
        let _ = owntracks::parse("owntracks/a/b", &bytes);
        let _ = Session::default().sentence(&text, NOW);
        let _ = journal::Record::decode_for_test(&bytes);
    }

    #[test]
    fn nmea_like_lines_never_panic(body in "[A-Z]{5}(,[0-9A-Z.]{0,12}){0,14}") {
        let sum = body.bytes().fold(0u8, |a, b| a ^ b);
        let _ = Session::default().sentence(&format!("${body}*{sum:02X}"), NOW);
    }

    #[test]
    fn osmand_queries_round_trip(fix in fix_strategy(), id in "[a-zA-Z0-9_-]{1,20}") {
        let event = Event::Position { device: id.clone(), fix, feed: FeedKind::Simulator };
        let q = pantau::feeds::osmand::encode(&event, None).expect("a query");
        let report = parse_params(&q, SpeedUnit::Knots, NOW).expect("parses back");
        prop_assert_eq!(&report.device, &id);
        let Event::Position { fix: back, .. } = report.event else { panic!("position expected") };
        prop_assert!((back.lat - fix.lat).abs() < 1e-6 && (back.lon - fix.lon).abs() < 1e-6);
        prop_assert_eq!(back.time, fix.time);
        prop_assert!((back.speed.unwrap_or(0.0) - fix.speed.unwrap_or(0.0)).abs() < 0.01);
    }

    #[test]
    fn rmc_sentences_round_trip(fix in fix_strategy()) {
        let line = rmc_sentence(fix.time, fix.lat, fix.lon, f64::from(fix.speed.unwrap_or(0.0)), f64::from(fix.heading.unwrap_or(0.0)));
        let back = Session::default().sentence(&line, NOW).expect("valid").expect("a fix");
        prop_assert!((back.lat - fix.lat).abs() < 1e-6 && (back.lon - fix.lon).abs() < 1e-6);
        prop_assert_eq!(back.time, fix.time);
    }

    #[test]
    fn journal_replays_any_event_sequence(fixes in proptest::collection::vec(fix_strategy(), 1..60)) {
        let dir = tempfile::tempdir().expect("tmp");
        let events: Vec<Event> = fixes.iter().enumerate().map(|(i, f)| {
            if i % 7 == 3 {
                Event::Alarm { device: format!("d{}", i % 5), kind: "sos".into(), fix: None, priority: 1, time: f.time, feed: FeedKind::Mqtt, notes: AlarmNotes::default() }
            } else {
                Event::Position { device: format!("d{}", i % 5), fix: *f, feed: FeedKind::Osmand }
            }
        }).collect();
        let (mut j, _) = Journal::open(JournalConfig::new(dir.path())).expect("open");
        let mut live = World::new();
        for chunk in events.chunks(7) {
            j.append(chunk, NOW).expect("append");
            live.apply(chunk);
        }
        drop(j);
        prop_assert!(journal::replay(dir.path()).expect("replay").same_state(&live));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_sheds_oldest_positions_but_never_alarms() {
    let dir = tempfile::tempdir().expect("tmp");
    let (journal, _) = Journal::open(JournalConfig::new(dir.path())).expect("open");
    let metrics = Arc::new(Metrics::default());
    // Room for only 50 waiting positions.
    let ingest = Ingest::start(journal, World::new(), Validator::default(), 50, metrics.clone());
    let handle = ingest.handle();
    let mut tasks = Vec::new();
    for i in 0..2000i64 {
        let h = handle.clone();
        let now = pantau::model::now_millis();
        tasks.push(tokio::spawn(async move {
            let fix =
                Fix { time: now - 100_000 + i, lon: 106.8, lat: -6.2, speed: None, heading: None, accuracy: None };
            let event = if i % 100 == 0 {
                Event::Alarm {
                    device: format!("alarm-{i}"),
                    kind: "sos".into(),
                    fix: None,
                    priority: 1,
                    time: now,
                    feed: FeedKind::AlarmApi,
                    notes: AlarmNotes::default(),
                }
            } else {
                Event::Position { device: format!("unit-{}", i % 10), fix, feed: FeedKind::Osmand }
            };
            (i % 100 == 0, h.submit(vec![event]).await)
        }));
    }
    let mut shed = 0;
    for t in tasks {
        let (is_alarm, ack) = t.await.expect("join");
        if is_alarm {
            assert!(matches!(ack, Ack::Done { accepted: 1, .. }), "an alarm got {ack:?}");
        } else if ack == Ack::Shed {
            shed += 1;
        }
    }
    assert!(shed > 0, "2,000 positions against room for 50: some must be shed");
    let world = handle.snapshot().await.expect("snapshot");
    assert_eq!(world.alarms().len(), 20, "all 20 alarms are in the world");
    assert_eq!(metrics.shed_positions.load(std::sync::atomic::Ordering::Relaxed), shed);
    ingest.stop().expect("stop");
}
