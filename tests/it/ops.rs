//! Desks on a running centre over the demo city, each logged in to its hub like any seat: an
//! alarm reaches the queue, the nearest available units come with road ETAs, dispatch changes
//! the unit's status and is journaled, a viewer's dispatch is refused where commands are
//! applied, and each desk sees who is logged in where.

use crate::common;

use std::time::{Duration, Instant};

use pantau::demo;
use pantau::model::{AlarmState, Role, UnitStatus};
use pantau::ops::{Centre, Credentials, Desk, HubAddress, Layers, LinkState, Session, SessionConfig};

fn wait_until(desk: &mut Desk, what: &str, done: impl Fn(&Desk) -> bool) {
    let started = Instant::now();
    while !done(desk) {
        assert!(started.elapsed() < common::WAIT_LIMIT, "timed out waiting for {what}");
        desk.poll();
        std::thread::sleep(Duration::from_millis(5));
    }
}

const PASSWORD: &str = "operator's own password";

/// Who sits at which seat, as the desks show it.
fn present(desk: &Desk) -> Vec<(String, Role, String)> {
    let mut seen: Vec<_> = desk.present.iter().map(|p| (p.user.clone(), p.role, p.seat.clone())).collect();
    seen.sort_by(|a, b| (&a.0, &a.2).cmp(&(&b.0, &b.2)));
    seen
}

#[test]
fn alarm_to_dispatch_through_the_hub_and_a_viewer_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let files = demo::write(1, &dir.path().join("demo")).expect("demo city");
    let users = dir.path().join("users.toml");
    let mut people = pantau::users::Users::load_or_new(&users).expect("users");
    people.add("op1", Role::Operator, None, PASSWORD).expect("add");
    people.add("viewer1", Role::Viewer, None, PASSWORD).expect("add");
    let (here, elsewhere) = polseks_of_the_alarm(&files);
    people.add("budi", Role::Operator, Some(here.clone()), PASSWORD).expect("add");
    people.add("joko", Role::Operator, Some(elsewhere), PASSWORD).expect("add");
    people.save(&users).expect("save");
    let mut serve = pantau::service::ServeConfig::loopback(dir.path().join("journal"));
    serve.desks = Some(pantau::service::DesksConfig {
        addr: "127.0.0.1:0".parse().expect("addr"),
        tls: None,
        users,
        org: Some(files.org.clone()),
        zones: vec![files.zones.clone()],
        limits: pantau::hub::HubLimits::default(),
    });
    // A centre with its own users: the window waits at the login screen.
    let centre = Centre::Here { serve: Box::new(serve), user: "unused".into(), role: Role::Viewer };
    let mut session = Session::start(SessionConfig::demo_city(&files, centre)).expect("session");
    let desk = &mut session.desk;
    assert_eq!(desk.link(), LinkState::LoggedOut { refused: None });
    desk.log_in("op1", "a wrong password");
    wait_until(desk, "the refusal", |d| matches!(d.link(), LinkState::LoggedOut { refused: Some(_) }));
    assert!(desk.seq.is_none(), "no world before the login");
    desk.log_in("op1", PASSWORD);
    wait_until(desk, "the world", |d| d.seq.is_some());
    assert_eq!((desk.user.as_str(), desk.role, desk.link()), ("op1", Role::Operator, LinkState::Live));
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
    // A viewer at another seat on the same hub cannot dispatch: refused where it is applied.
    let hub = session.bound().and_then(|b| b.desks).expect("the hub listens");
    let address = HubAddress { url: format!("ws://{hub}"), pin: None, seat: "wall-2".into() };
    let login = Credentials { user: "viewer1".into(), password: PASSWORD.into() };
    let mut viewer = Desk::connect(address, Some(login), Layers::default()).expect("viewer desk");
    wait_until(&mut viewer, "the viewer's world", |d| d.seq.is_some());
    assert_eq!(viewer.role, Role::Viewer, "the role is the users file's");
    let both = vec![
        ("op1".to_string(), Role::Operator, "window".to_string()),
        ("viewer1".into(), Role::Viewer, "wall-2".into()),
    ];
    assert_eq!(present(&viewer), both, "the viewer's welcome lists both seats");
    let desk = &mut session.desk;
    wait_until(desk, "the viewer's arrival", |d| present(d) == both);
    viewer.dispatch(alarm.id, &chosen);
    wait_until(&mut viewer, "the viewer's refusal", |d| d.refusal.is_some());
    let desk = &mut session.desk;
    desk.poll();
    assert_eq!(desk.world().unit(&chosen).map(|u| u.status), Some(UnitStatus::Available));
    drop(viewer);
    wait_until(desk, "the viewer's departure", |d| present(d).len() == 1);
    // A Polsek's desk shows the alarms in its own zones only; the root's shows them all.
    let polsek_desk = |user: &str| {
        let address = HubAddress { url: format!("ws://{hub}"), pin: None, seat: format!("{user}-desk") };
        let login = Credentials { user: user.into(), password: PASSWORD.into() };
        let layers = Layers {
            zones: pantau::layer_files::load_zones(&files.zones).expect("zones"),
            org: Some(pantau::org::Org::load(&files.org).expect("org")),
            ..Layers::default()
        };
        let mut desk = Desk::connect(address, Some(login), layers).expect("desk");
        wait_until(&mut desk, "its world", |d| d.seq.is_some() && d.world().alarm(alarm.id).is_some());
        desk
    };
    let (budi, joko) = (polsek_desk("budi"), polsek_desk("joko"));
    assert_eq!(budi.alarm_queue().len(), 1, "the alarm is in budi's Polsek");
    assert!(joko.alarm_queue().is_empty(), "not in joko's");
    assert!(budi.jurisdiction().is_some_and(|name| name.starts_with("Polsek")), "{:?}", budi.jurisdiction());
    assert!(session.desk.jurisdiction().is_none(), "op1 sits at the root");
    drop((budi, joko));
    let desk = &mut session.desk;
    wait_until(desk, "their departure", |d| present(d).len() == 1);
    // The operator can.
    desk.dispatch(alarm.id, &chosen);
    wait_until(desk, "the dispatch", |d| d.world().unit(&chosen).map(|u| u.status) == Some(UnitStatus::Dispatched));
    assert_eq!(desk.world().alarm(alarm.id).map(|a| a.state), Some(AlarmState::Dispatched));
    assert!(desk.refusal.is_none());
    let journal = session.journal.clone().expect("hosted");
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
    // The roster, the refused login, four logins, four logouts, and both dispatch attempts.
    assert_eq!(report.counts.get("commands").copied(), Some(roster_commands as u64 + 11), "every interaction recorded");
}

/// The Polsek whose zones hold the test alarm (near the demo city's centre), and another one.
fn polseks_of_the_alarm(files: &pantau::demo::DemoFiles) -> (String, String) {
    let org = pantau::org::Org::load(&files.org).expect("org");
    let zones = pantau::spatial::ZoneIndex::new(pantau::layer_files::load_zones(&files.zones).expect("zones"));
    let (lon, lat) = pantau::demo::CENTRE;
    let codes: Vec<&str> =
        zones.lookup_slots(lon + 0.001, lat + 0.002).iter().map(|&z| zones.zones()[z as usize].code.as_str()).collect();
    let nodes: Vec<String> = org.nodes_at(codes).iter().map(|n| n.id.clone()).collect();
    let polsek = |inside: bool| {
        let found = org.nodes().iter().find(|n| n.tier == pantau::org::Tier::Polsek && nodes.contains(&n.id) == inside);
        found.expect("a polsek").id.clone()
    };
    (polsek(true), polsek(false))
}

/// The demo centre is a living one from the first second: colleagues sit at the Polres and
/// Polda seats of its hub (logged in as seats, on the presence list), calls ring on its 110
/// lines, and the newcomer's own seat is theirs alone.
#[test]
fn the_demo_centre_has_colleagues_at_the_other_seats_and_calls_ringing() {
    let dir = tempfile::tempdir().expect("tmp");
    let files = demo::write(1, &dir.path().join("demo")).expect("demo city");
    let mut config = SessionConfig::quiet_demo(&files, dir.path().join("journal"), "operator", Role::Operator);
    config.scenario = Some((files.clone(), 1));
    let mut session = Session::start(config).expect("session");
    let desk = &mut session.desk;
    wait_until(desk, "the colleagues at their seats", |d| {
        let names: Vec<String> = present(d).into_iter().map(|(user, _, _)| user).collect();
        names.iter().any(|n| n == "rina") && names.iter().any(|n| n == "agus")
    });
    let seats: Vec<(String, Role, String)> = present(desk);
    assert!(seats.contains(&("rina".into(), Role::Operator, "rina-desk".into())), "{seats:?}");
    assert!(seats.contains(&("operator".into(), Role::Operator, "window".into())), "the newcomer's own seat");
    let started = Instant::now();
    while desk.world().calls().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(60), "no 110 call rang in the demo's first minute");
        desk.poll();
        std::thread::sleep(Duration::from_millis(50));
    }
    session.stop().expect("clean stop");
}
