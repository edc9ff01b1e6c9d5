//! A desk on a running session over the demo city: an alarm reaches the queue, the nearest
//! available units come with road ETAs, dispatch changes the unit's status and is journaled,
//! and a viewer's dispatch is refused where commands are applied.

use crate::common;

use std::time::{Duration, Instant};

use pantau::demo;
use pantau::model::{AlarmState, Role, UnitStatus};
use pantau::ops::{Desk, Layers, Session, SessionConfig};

fn wait_until(desk: &mut Desk, what: &str, done: impl Fn(&Desk) -> bool) {
    let started = Instant::now();
    while !done(desk) {
        assert!(started.elapsed() < Duration::from_secs(10), "timed out waiting for {what}");
        desk.poll();
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn alarm_to_dispatch_through_the_journal_and_a_viewer_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let files = demo::write(1, &dir.path().join("demo")).expect("demo city");
    let config = SessionConfig::quiet_demo(&files, dir.path().join("journal"), "op1", Role::Operator);
    let mut session = Session::start(config).expect("session");
    let ingest = session.ingest().expect("running");
    // Three enrolled units report near the city centre; a panic alarm goes off beside them.
    let events = common::units_and_alarm_near_centre(1, "site-bank-001");
    drop(ingest.send(events));
    let desk = &mut session.desk;
    wait_until(desk, "the alarm", |d| !d.alarm_queue().is_empty());
    let alarm = desk.alarm_queue()[0].clone();
    assert_eq!(alarm.state, AlarmState::Raised);
    let zones: Vec<u8> = desk.alarm_zones(&alarm).iter().map(|z| z.level).collect();
    assert_eq!(zones, vec![5, 6, 7], "city, kecamatan and kelurahan of the alarm");
    let candidates = desk.candidates(&alarm);
    assert!(
        !candidates.is_empty() && candidates.iter().all(|c| c.eta_s.is_some() && !c.route.is_empty()),
        "{candidates:?}"
    );
    let chosen = desk.world().units()[candidates[0].slot as usize].id.clone();
    let callsign = desk.world().unit(&chosen).map(|u| u.callsign.clone()).unwrap_or_default();
    assert!(callsign.starts_with("PJR 00-"), "the roster's callsign, not the device id: {callsign}");
    // A viewer on the same world cannot dispatch: refused where the command is applied.
    let mut viewer = Desk::attach(ingest.clone(), Layers::default(), "viewer1", Role::Viewer).expect("viewer desk");
    viewer.dispatch(alarm.id, &chosen);
    wait_until(&mut viewer, "the viewer's refusal", |d| d.refusal.is_some());
    desk.poll();
    assert_eq!(desk.world().unit(&chosen).map(|u| u.status), Some(UnitStatus::Available));
    // The operator can.
    desk.dispatch(alarm.id, &chosen);
    wait_until(desk, "the dispatch", |d| d.world().unit(&chosen).map(|u| u.status) == Some(UnitStatus::Dispatched));
    assert_eq!(desk.world().alarm(alarm.id).map(|a| a.state), Some(AlarmState::Dispatched));
    assert!(desk.refusal.is_none());
    let journal = session.journal.clone();
    session.stop().expect("clean stop");
    let replayed = pantau::journal::replay(&journal).expect("replay");
    assert_eq!(
        replayed.unit(&chosen).map(|u| u.status),
        Some(UnitStatus::Dispatched),
        "the dispatch is in the journal"
    );
    let roster = pantau::layer_files::load_units(&files.units).expect("roster");
    let roster_commands = roster.len() + roster.iter().filter(|u| u.status != UnitStatus::Available).count();
    let report = pantau::journal::verify(&journal).expect("verify");
    assert!(report.ok);
    assert_eq!(
        report.counts.get("commands").copied(),
        Some(roster_commands as u64 + 2),
        "both dispatch attempts recorded"
    );
}
