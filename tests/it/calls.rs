//! 110 calls through an in-process hub on the demo city's organisation tree: the telephony
//! bridge reports a call, the caller's phone sends its location by SMS, the switchboard rings
//! it where the caller is and moves it up a tier each time nobody answers in time (or nobody
//! is there to), a seat outside its jurisdiction cannot take it, the Polda takes it and
//! closes it as invalid. A number calling every two minutes is flagged by its third call, and
//! `pantau query calls` shows it. Bad telephony and AML input is refused by field. A hub
//! started again goes on timing the calls it had.

use std::path::Path;
use std::time::{Duration, Instant};

use geo::InteriorPoint;
use pantau::hub::client::{Login, Seat};
use pantau::hub::protocol::Want;
use pantau::model::{now_millis, Call, Classification, Command, Role, Tier};
use pantau::service::{DesksConfig, ServeConfig, Service};

use crate::common::demo_city;

const PASSWORD: &str = "the call centre's password";

/// The demo tree's nodes the tests use: two Polsek (a point inside the first), their Polres,
/// the Polda and Mabes.
struct Tree {
    polsek: String,
    inside: (f64, f64),
    other_polsek: String,
    polres: String,
    polda: String,
    mabes: String,
}

fn tree() -> Tree {
    let files = demo_city();
    let org = pantau::org::Org::load(&files.org).expect("org");
    let zones = pantau::layer_files::load_zones(&files.zones).expect("zones");
    let of = |tier: Tier| org.nodes().iter().filter(move |n| n.tier == tier);
    let polseks: Vec<_> = of(Tier::Polsek).collect();
    let zone = zones.iter().find(|z| polseks[0].zones.contains(&z.code)).expect("the polsek's zone");
    let point = zone.polygon.interior_point().expect("a point inside");
    let id = |tier| of(tier).next().map(|n| n.id.clone()).expect("a node of the tier");
    Tree {
        polsek: polseks[0].id.clone(),
        inside: (point.x(), point.y()),
        other_polsek: polseks[1].id.clone(),
        polres: polseks[0].parent.clone().expect("a polres above"),
        polda: id(Tier::Polda),
        mabes: id(Tier::Mabes),
    }
}

/// A hub serving seats, calls and AML; a call rings `answer_within` at a node, and seats have
/// `rejoin_within` after a start to log in before a node without one is passed over.
fn centre(
    dir: &Path,
    tree: &Tree,
    answer_within: Duration,
    rejoin_within: Duration,
) -> (tokio::runtime::Runtime, Service, ServeConfig) {
    let limits = pantau::hub::HubLimits { answer_within, rejoin_within, ..Default::default() };
    centre_with(dir, tree, limits)
}

/// A hub as [`centre`] makes it, under these limits.
fn centre_with(
    dir: &Path,
    tree: &Tree,
    limits: pantau::hub::HubLimits,
) -> (tokio::runtime::Runtime, Service, ServeConfig) {
    let users = dir.join("users.toml");
    let mut people = pantau::users::Users::load_or_new(&users).expect("users");
    for (name, node) in [("sari", &tree.polsek), ("budi", &tree.polres), ("dewi", &tree.polda)] {
        people.add(name, Role::Operator, Some(node.clone()), PASSWORD).expect("add");
    }
    people.add("rudi", Role::Commander, None, PASSWORD).expect("add");
    people.add("tono", Role::Commander, Some(tree.polsek.clone()), PASSWORD).expect("add");
    people.save(&users).expect("save");
    let mut config = ServeConfig::loopback(dir.join("journal"));
    config.desks = Some(DesksConfig {
        addr: "127.0.0.1:0".parse().expect("addr"),
        tls: None,
        users,
        org: Some(demo_city().org.clone()),
        zones: vec![demo_city().zones.clone()],
        limits,
    });
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let service = runtime.block_on(Service::start(config.clone())).expect("the hub");
    (runtime, service, config)
}

fn seat(runtime: &tokio::runtime::Runtime, service: &Service, user: &str) -> Seat {
    let url = format!("ws://{}", service.bound.desks.expect("desks"));
    let login =
        Login { user: user.into(), password: PASSWORD.into(), seat: format!("{user}-desk"), want: Want::Nothing };
    runtime.block_on(Seat::connect(&url, login)).expect("a login")
}

/// POSTs a body to the hub's API; the status and the answer's text.
fn post(runtime: &tokio::runtime::Runtime, service: &Service, path: &str, body: String) -> (u16, String) {
    let url = format!("http://{}{path}", service.bound.http.expect("http"));
    runtime.block_on(async {
        let response = reqwest::Client::new().post(url).body(body).send().await.expect("the API answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    })
}

/// Waits (up to 20 s) until call `id` at the hub satisfies `done`; returns it.
fn call_when(service: &Service, id: u64, what: &str, done: impl Fn(&Call) -> bool) -> Call {
    let hub = service.hub.clone().expect("the hub");
    let started = Instant::now();
    loop {
        let call = hub.world().0.call(id).cloned();
        if let Some(call) = call.filter(|c| done(c)) {
            return call;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "call {id}: {what} did not happen");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits (up to 20 s) until the hub's world satisfies `done`.
fn world_when(service: &Service, what: &str, done: impl Fn(&pantau::world::World) -> bool) {
    let hub = service.hub.clone().expect("the hub");
    let started = Instant::now();
    while !done(&hub.world().0) {
        assert!(started.elapsed() < Duration::from_secs(20), "{what} did not happen");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `pantau act` against the hub as its own process, logged in as `user`.
fn act(service: &Service, user: &str, args: &[&str]) -> std::process::Output {
    let url = format!("ws://{}", service.bound.desks.expect("desks"));
    std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["act", "--hub", &url, "--user", user])
        .args(args)
        .env("PANTAU_PASSWORD", PASSWORD)
        .output()
        .expect("run act")
}

fn aml_sms(number: &str, (lon, lat): (f64, f64)) -> String {
    let top = chrono::Utc::now().format("%Y%m%d%H%M%S");
    let sms = format!("A\"ML=1;lt={lat:.6};lg={lon:.6};rd=15;top={top};lc=68;pm=G;si=510101234567890;mcc=510;mnc=10");
    serde_json::json!({ "number": number, "sms": sms }).to_string()
}

#[test]
fn an_unanswered_call_climbs_the_tiers_and_the_polda_closes_it_as_invalid() {
    let dir = tempfile::tempdir().expect("tmp");
    let tree = tree();
    let within = Duration::from_millis(1500);
    let (runtime, service, _) = centre(dir.path(), &tree, within, Duration::from_secs(10));
    let (mut sari, budi, dewi) =
        (seat(&runtime, &service, "sari"), seat(&runtime, &service, "budi"), seat(&runtime, &service, "dewi"));

    let ringing = r#"{"call":"pbx-0001","event":"ringing","number":"+6281100001","trunk":"e1-0"}"#;
    assert_eq!(post(&runtime, &service, "/calls", ringing.into()).0, 200);
    assert_eq!(post(&runtime, &service, "/sms", aml_sms("+6281100001", tree.inside)).0, 200);

    // Where the caller is first (through the intake if the location came second), then up.
    let at_polsek = call_when(&service, 1, "ringing at the caller's Polsek", |c| c.node() == Some(&tree.polsek));
    assert!(at_polsek.location.as_ref().is_some_and(|l| l.radius == 15.0), "the AML location is on the call");
    let at_polda = call_when(&service, 1, "climbing to the Polda", |c| c.node() == Some(&tree.polda));
    let rings: Vec<(&str, Tier)> = at_polda.rings.iter().map(|r| (r.node.as_str(), r.tier)).collect();
    let climb = &rings[rings.len() - 3..];
    assert_eq!(
        climb,
        [
            (tree.polsek.as_str(), Tier::Polsek),
            (tree.polres.as_str(), Tier::Polres),
            (tree.polda.as_str(), Tier::Polda)
        ]
    );
    for pair in at_polda.rings[at_polda.rings.len() - 3..].windows(2) {
        let late = pair[1].since - pair[0].since - within.as_millis() as i64;
        assert!(late >= 0, "moved up before its time: {pair:?}");
        assert!(pair[1].why.contains("not answered within 1.5 s"), "{}", pair[1].why);
        eprintln!("escalation {} -> {}: {late} ms after due", pair[0].node, pair[1].node);
    }

    // The Polsek's seat cannot take it at the Polda; the Polda's can, and closes it there.
    let refused = runtime.block_on(sari.command(Command::Answer { call: 1 })).expect("an answer");
    assert!(refused.is_err_and(|r| r.contains("outside")), "a Polsek seat does not take a Polda call");
    // Dewi, at her seat, answers and judges it with `pantau act` as a script would.
    let answered = act(&service, "dewi", &["answer", "--call", "1"]);
    assert!(answered.status.success(), "{}", String::from_utf8_lossy(&answered.stderr));
    let judged = act(&service, "dewi", &["classify", "--call", "1", "--as", "invalid"]);
    assert!(judged.status.success(), "{}", String::from_utf8_lossy(&judged.stderr));
    let again = act(&service, "dewi", &["classify", "--call", "1", "--as", "valid"]);
    assert_eq!(again.status.code(), Some(1), "a second verdict is refused");
    let said = format!("{}{}", String::from_utf8_lossy(&again.stdout), String::from_utf8_lossy(&again.stderr));
    assert!(said.contains("classified invalid"), "{said}");
    let closed = call_when(&service, 1, "closed", |c| !c.is_open());
    let verdict = closed.verdict.clone().expect("a verdict");
    assert_eq!(
        (verdict.class, verdict.by.as_str(), closed.node()),
        (Classification::Invalid, "dewi", Some(tree.polda.as_str()))
    );
    assert_eq!(closed.answered_by.as_deref(), Some("dewi"));
    // Answered at the Polda: it went no higher.
    std::thread::sleep(within + Duration::from_millis(300));
    assert_eq!(service.hub.as_ref().expect("hub").world().0.call(1).map(|c| c.rings.len()), Some(rings.len()));

    for seat in [sari, budi, dewi] {
        runtime.block_on(seat.logout());
    }
    runtime.block_on(service.stop()).expect("stops");
    // The record replays to the same calls.
    let replayed = pantau::journal::replay(&dir.path().join("journal")).expect("replay");
    assert_eq!(replayed.call(1).and_then(|c| c.verdict.clone()).map(|v| v.class), Some(Classification::Invalid));
}

#[test]
fn a_repeat_caller_is_flagged_and_calls_nobody_can_take_move_up_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let tree = tree();
    let (runtime, service, _) = centre(dir.path(), &tree, Duration::from_secs(60), Duration::ZERO);
    // Nobody is logged in: a call rings at the Polda intake, finds nobody, and goes to Mabes.
    let now = now_millis();
    for (n, ago) in [(1, 240_000), (2, 120_000), (3, 0)] {
        let body = format!(r#"{{"call":"rep-{n}","event":"ringing","number":"+6281299999","time":{}}}"#, now - ago);
        assert_eq!(post(&runtime, &service, "/calls", body).0, 200);
    }
    let third = call_when(&service, 3, "moving to Mabes", |c| c.node() == Some(&tree.mabes));
    assert_eq!(third.flags.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(), ["repeat-caller"]);
    assert!(third.rings[0].why.contains("no caller location yet") && third.rings[1].why.contains("no call taker free"));
    let second = call_when(&service, 2, "moving to Mabes", |c| c.node() == Some(&tree.mabes));
    assert!(second.flags.is_empty(), "two calls are not yet a pattern");

    // A call where the caller is, at a Polsek with nobody logged in, moves up at once.
    let other = demo_city();
    let org = pantau::org::Org::load(&other.org).expect("org");
    let zones = pantau::layer_files::load_zones(&other.zones).expect("zones");
    let polsek = org.node(&tree.other_polsek).expect("polsek");
    let zone = zones.iter().find(|z| polsek.zones.contains(&z.code)).expect("its zone");
    let point = zone.polygon.interior_point().expect("inside");
    let sari = seat(&runtime, &service, "sari");
    let ringing = r#"{"call":"far-1","event":"ringing","number":"+6281300003"}"#;
    post(&runtime, &service, "/calls", ringing.into());
    post(&runtime, &service, "/sms", aml_sms("+6281300003", (point.x(), point.y())));
    // Where the caller is (maybe after the intake and above, if the location came second),
    // and at once up again from there, nobody being logged in at that Polsek or above it.
    let moved = call_when(&service, 4, "moving up from the empty Polsek", |c| {
        c.rings.iter().position(|r| r.node == tree.other_polsek).is_some_and(|at| c.rings.len() > at + 1)
    });
    let at = moved.rings.iter().position(|r| r.node == tree.other_polsek).expect("the Polsek ring");
    assert!(moved.rings[at].why.contains("the caller's location"), "{:?}", moved.rings);
    assert_eq!(moved.rings[at + 1].node, tree.polres);
    assert!(moved.rings[at + 1].why.contains("no call taker free at"), "{:?}", moved.rings);

    // `pantau query calls` lists the open calls with their tier and flags.
    let url = format!("ws://{}", service.bound.desks.expect("desks"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["query", "calls", "--hub", &url, "--user", "sari"])
        .env("PANTAU_PASSWORD", PASSWORD)
        .output()
        .expect("query calls");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(lines.len(), 4);
    assert_eq!((lines[2]["number"].as_str(), lines[2]["tier"].as_str()), (Some("+6281299999"), Some("mabes")));
    assert_eq!(lines[2]["flags"], serde_json::json!(["repeat-caller"]));
    assert!(lines[3]["location"]["lat"].is_number() && lines[0]["location"].is_null());

    // Only a commander blocks a number; its next call still rings, flagged with why.
    let mut sari = sari;
    let block = Command::Block { number: "+6281299999".into(), reason: "calls every two minutes".into(), until: None };
    let refused = runtime.block_on(sari.command(block.clone())).expect("an answer");
    assert!(refused.is_err_and(|r| r.contains("only a commander")), "an operator's block is refused");
    let mut rudi = seat(&runtime, &service, "rudi");
    runtime.block_on(rudi.command(block)).expect("an answer").expect("the commander's block");
    let again = r#"{"call":"rep-4","event":"ringing","number":"+6281299999"}"#;
    assert_eq!(post(&runtime, &service, "/calls", again.into()).0, 200);
    let blocked = call_when(&service, 5, "routed", |c| !c.rings.is_empty());
    let flag = blocked.flags.iter().find(|f| f.rule == "blocked").expect("the blocked flag");
    assert!(flag.why.contains("by rudi") && flag.why.contains("calls every two minutes"), "{}", flag.why);
    let unblock = Command::Unblock { number: "+6281299999".into() };
    runtime.block_on(rudi.command(unblock)).expect("an answer").expect("unblocked");

    // The numbers that call most, and the calls left ringing past 10 s, as a supervisor asks.
    let query = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
            .args(["query"])
            .args(args)
            .args(["--hub", &url, "--user", "rudi"])
            .env("PANTAU_PASSWORD", PASSWORD)
            .output()
            .expect("query");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect::<Vec<serde_json::Value>>()
    };
    let callers = query(&["repeat-callers"]);
    assert_eq!((callers[0]["number"].as_str(), callers[0]["calls"].as_u64()), (Some("+6281299999"), Some(4)));
    let breaches = query(&["breaches"]);
    let late: Vec<u64> = breaches.iter().filter(|b| b["what"] == "answer").filter_map(|b| b["call"].as_u64()).collect();
    assert!(late.contains(&1) && late.contains(&2), "calls ringing minutes unanswered: {breaches:?}");
    runtime.block_on(rudi.logout());
    runtime.block_on(sari.logout());
    runtime.block_on(service.stop()).expect("stops");
}

#[test]
fn bad_telephony_and_aml_input_is_refused_by_field() {
    let dir = tempfile::tempdir().expect("tmp");
    let tree = tree();
    let (runtime, service, _) = centre(dir.path(), &tree, Duration::from_secs(60), Duration::ZERO);
    let now = now_millis();
    let https = |lat: &str| {
        format!("v=3&device_number=%2B6281&location_latitude={lat}&location_longitude=106.8&location_time={now}&location_accuracy=20")
    };
    for (path, body, said) in [
        ("/calls", r#"{"call":"x","event":"ringing","number":"+62-81"}"#.to_string(), "number:"),
        ("/calls", r#"{"call":"x","event":"picked","number":"1"}"#.to_string(), "bad call JSON"),
        ("/calls", r#"{"call":"x","event":"ringing""#.to_string(), "bad call JSON"),
        ("/aml", https("95"), "location_latitude:"),
        ("/aml", "device_number=%2B6281".to_string(), "location_latitude: missing"),
        ("/sms", r#"{"number":"+6281","sms":"A\"ML=1;lt=-6.2;lg=106.8;rd=-5;top=20261201100000"}"#.to_string(), "rd:"),
        ("/sms", r#"{"number":"+6281","sms":"A\"ML=2;lt=-6.2"}"#.to_string(), "A\"ML: version 2"),
        ("/sms", r#"{"number":"+6281","sms":"  "}"#.to_string(), "text:"),
        ("/messages", r#"{"channel":"voice","from":"+6281","text":"hi"}"#.to_string(), "channel:"),
        ("/messages", r#"{"channel":"whatsapp","from":"budi@example","text":"hi"}"#.to_string(), "from:"),
        ("/messages", r#"{"channel":"email","from":"a b","text":"hi"}"#.to_string(), "from:"),
        ("/sms", "\u{00ff}\u{00fe}".to_string(), "bad SMS JSON"),
    ] {
        let (status, text) = post(&runtime, &service, path, body.clone());
        assert_eq!(status, 400, "{path} {body}: {text}");
        assert!(text.contains(said), "{path} {body}: {text}");
    }
    // A text to 110 and a WhatsApp message wait for a call taker like calls, their text kept.
    let sms = r#"{"number":"+6281777","sms":"tolong, ada kecelakaan di Jl. Merdeka","id":"gw-1"}"#;
    assert_eq!(post(&runtime, &service, "/sms", sms.into()).0, 200);
    let whatsapp = r#"{"channel":"whatsapp","from":"+6281888","text":"ada tawuran di pasar"}"#;
    assert_eq!(post(&runtime, &service, "/messages", whatsapp.into()).0, 200);
    let first = call_when(&service, 1, "the SMS waiting", |c| c.text.is_some());
    assert_eq!(
        (first.channel, first.text.as_deref()),
        (pantau::model::Channel::Sms, Some("tolong, ada kecelakaan di Jl. Merdeka"))
    );
    let second = call_when(&service, 2, "the message waiting", |c| c.is_waiting());
    assert_eq!((second.channel, second.number.as_str()), (pantau::model::Channel::Whatsapp, "+6281888"));

    // Well-formed, from a number not on a call yet: it waits for the call, which takes it.
    let (status, text) = post(&runtime, &service, "/aml", https("-6.2"));
    assert_eq!(status, 200, "{text}");
    let ring = r#"{"call":"late-ring","event":"ringing","number":"+6281"}"#;
    assert_eq!(post(&runtime, &service, "/calls", ring.into()).0, 200);
    let located = call_when(&service, 3, "the early location on its call", |c| c.location.is_some());
    assert_eq!(located.location.map(|l| (l.lat, l.lon)), Some((-6.2, 106.8)));
    // A body over the API's limit is refused before it is read.
    let huge = format!(r#"{{"call":"x","event":"ringing","number":"{}"}}"#, "1".repeat(200_000));
    assert_eq!(post(&runtime, &service, "/calls", huge).0, 413);
    runtime.block_on(service.stop()).expect("stops");
}

#[test]
fn a_hub_started_again_goes_on_timing_its_calls() {
    let dir = tempfile::tempdir().expect("tmp");
    let tree = tree();
    let within = Duration::from_secs(3);
    let (runtime, service, config) = centre(dir.path(), &tree, within, Duration::from_secs(10));
    let sari = seat(&runtime, &service, "sari");
    post(&runtime, &service, "/calls", r#"{"call":"r-1","event":"ringing","number":"+6281400004"}"#.into());
    post(&runtime, &service, "/sms", aml_sms("+6281400004", tree.inside));
    let ringing = call_when(&service, 1, "ringing at the Polsek", |c| c.node() == Some(&tree.polsek));
    runtime.block_on(sari.logout());
    runtime.block_on(service.stop()).expect("stops");

    // Started again with sari back at her seat: the call still rings at her Polsek, and when
    // its time there is up it moves on, timed from when it began ringing there.
    let again = runtime.block_on(Service::start(config)).expect("the hub again");
    let sari = seat(&runtime, &again, "sari");
    let kept = call_when(&again, 1, "kept", |_| true);
    assert_eq!(kept.rings, ringing.rings, "the call is where it was");
    let moved = call_when(&again, 1, "moving to the Polres", |c| c.node() == Some(&tree.polres));
    let polsek_ring = moved.rings.iter().find(|r| r.node == tree.polsek).expect("the Polsek ring");
    assert!(moved.rings.last().is_some_and(|r| r.since >= polsek_ring.since + within.as_millis() as i64));
    runtime.block_on(sari.logout());
    runtime.block_on(again.stop()).expect("stops");
}

#[test]
fn a_call_nobody_answers_climbs_to_mabes_and_is_given_up_on_when_the_bridge_never_ends_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let tree = tree();
    let (within, give_up) = (Duration::from_millis(500), Duration::from_secs(4));
    let limits = pantau::hub::HubLimits {
        answer_within: within,
        give_up_after: give_up,
        rejoin_within: Duration::from_secs(30),
        ..Default::default()
    };
    let (runtime, service, _) = centre_with(dir.path(), &tree, limits);
    // Seats at every tier below Mabes, none answering: the call climbs by time, not absence.
    let seats: Vec<Seat> = ["sari", "budi", "dewi"].iter().map(|u| seat(&runtime, &service, u)).collect();
    post(&runtime, &service, "/calls", r#"{"call":"lost-1","event":"ringing","number":"+6281500005"}"#.into());
    post(&runtime, &service, "/sms", aml_sms("+6281500005", tree.inside));

    let at_mabes = call_when(&service, 1, "climbing to Mabes", |c| c.node() == Some(&tree.mabes));
    let climb: Vec<&str> = at_mabes.rings.iter().rev().take(4).rev().map(|r| r.node.as_str()).collect();
    assert_eq!(climb, [&tree.polsek, &tree.polres, &tree.polda, &tree.mabes].map(String::as_str));
    assert!(at_mabes.rings.last().is_some_and(|r| r.why.contains("not answered within 0.5 s")), "{:?}", at_mabes.rings);
    assert!(at_mabes.is_waiting(), "Mabes is the top: it rings there until the give-up");

    let lost = call_when(&service, 1, "given up on", |c| c.state == pantau::model::calls::CallState::Lost);
    let waited = lost.ended_at.expect("ended when given up") - lost.rings[0].since;
    assert!(waited >= give_up.as_millis() as i64, "given up after {waited} ms, before its time");
    assert!(!lost.is_open() && lost.answered_at.is_none(), "lost, never answered: {lost:?}");
    let hub = service.hub.clone().expect("hub");
    assert_eq!(hub.world().0.open_calls().count(), 0, "no call rings for good");
    // The bridge's late word that it ended changes nothing.
    let ended = r#"{"call":"lost-1","event":"ended","number":"+6281500005"}"#;
    assert_eq!(post(&runtime, &service, "/calls", ended.into()).0, 200);

    for seat in seats {
        runtime.block_on(seat.logout());
    }
    runtime.block_on(service.stop()).expect("stops");
    let journal = dir.path().join("journal");
    let replayed = pantau::journal::replay(&journal).expect("replay");
    assert_eq!(replayed.call(1).map(|c| (c.state, c.ended_at)), Some((lost.state, lost.ended_at)));
    let mut gave_up = Vec::new();
    for record in pantau::journal::JournalRecords::open(&journal).expect("records") {
        if let pantau::model::Event::Command { user, command: Command::GiveUpCall { call, why, .. }, .. } =
            record.expect("a record").event
        {
            gave_up.push((user, call, why));
        }
    }
    assert_eq!(gave_up.len(), 1, "given up once: {gave_up:?}");
    assert_eq!((gave_up[0].0.as_str(), gave_up[0].1), ("switchboard", 1));
    assert!(gave_up[0].2.contains("never said it ended"), "{}", gave_up[0].2);
}

/// A unit's position `metres` east of a point (about: 1e-5 degree of longitude near the
/// equator is 1.1 m).
fn unit_at(unit: &str, (lon, lat): (f64, f64), metres: f64) -> pantau::model::Event {
    let fix = pantau::model::Fix {
        time: now_millis(),
        lon: lon + metres / 111_000.0,
        lat,
        speed: None,
        heading: None,
        accuracy: None,
    };
    pantau::model::Event::Position { device: unit.into(), fix, feed: pantau::model::FeedKind::Simulator }
}

#[test]
fn a_valid_call_becomes_an_incident_the_polres_works_to_the_end_with_every_milestone() {
    use pantau::model::incidents::Milestone;
    use pantau::model::{Disposition, IncidentKind, IncidentState, UnitStatus};
    let dir = tempfile::tempdir().expect("tmp");
    let tree = tree();
    let (runtime, service, _) = centre(dir.path(), &tree, Duration::from_secs(10), Duration::from_secs(10));
    let units = vec![unit_at("near-1", tree.inside, 150.0), unit_at("far-2", tree.inside, 2_500.0)];
    runtime.block_on(service.ingest.send(units));
    let (mut sari, mut budi) = (seat(&runtime, &service, "sari"), seat(&runtime, &service, "budi"));
    post(&runtime, &service, "/calls", r#"{"call":"v-1","event":"ringing","number":"+6281500005"}"#.into());
    post(&runtime, &service, "/sms", aml_sms("+6281500005", tree.inside));
    call_when(&service, 1, "ringing at the caller's Polsek", |c| c.node() == Some(&tree.polsek));
    runtime.block_on(sari.command(Command::Answer { call: 1 })).expect("an answer").expect("answered");
    let open = Command::OpenIncidentWithCaller {
        call: 1,
        kind: IncidentKind::Robbery,
        priority: None,
        at: None,
        address: "Jl. Contoh 7".into(),
        note: "two men on a motorbike took a bag".into(),
        caller_name: " Ibu Sri ".into(),
    };
    runtime.block_on(sari.command(open)).expect("an answer").expect("the incident opens");

    // The switchboard hands it to the Polres of its place; the Polsek cannot dispatch to it.
    let hub = service.hub.clone().expect("hub");
    world_when(&service, "the incident handed over", |w| w.incident(1).is_some_and(|i| i.node.is_some()));
    let incident = hub.world().0.incident(1).cloned().expect("incident 1");
    assert_eq!(
        (incident.node.as_deref(), incident.priority, incident.kind.apco_code()),
        (Some(tree.polres.as_str()), 1, Some("ROBBERY"))
    );
    assert!(incident.lat.is_some(), "placed where the caller's phone said");
    assert_eq!(incident.caller_name.as_deref(), Some("Ibu Sri"), "the name as the call taker took it down, trimmed");
    // The zones of its place, coarsest first, as the switchboard found them handing it over.
    let index = pantau::spatial::ZoneIndex::new(pantau::layer_files::load_zones(&demo_city().zones).expect("zones"));
    let mut holding: Vec<_> =
        index.lookup(tree.inside.0, tree.inside.1).into_iter().map(|z| (z.level, z.code.clone())).collect();
    holding.sort();
    let codes: Vec<String> = holding.into_iter().map(|(_, code)| code).collect();
    assert!(!codes.is_empty());
    assert_eq!(incident.zones, codes);

    // A panic button pressed at the same place is linked to it by the Polres, once; the
    // Polsek may not touch the Polres's incident, and an alarm that is not there is refused.
    let (lon, lat) = tree.inside;
    let panic = format!(r#"{{"device":"toko-7","lat":{lat},"lon":{lon}}}"#);
    assert_eq!(post(&runtime, &service, "/alarms", panic).0, 200);
    world_when(&service, "the alarm raised", |w| w.alarm(1).is_some());
    let link = Command::LinkAlarm { incident: 1, alarm: 1 };
    let refused = runtime.block_on(sari.command(link.clone())).expect("an answer");
    assert!(refused.is_err_and(|r| r.contains("outside")), "the Polres's incident, not the Polsek's");
    runtime.block_on(budi.command(link.clone())).expect("an answer").expect("linked");
    let again = runtime.block_on(budi.command(link)).expect("an answer");
    assert!(again.is_err_and(|r| r.contains("already linked")));
    let missing = runtime.block_on(budi.command(Command::LinkAlarm { incident: 1, alarm: 99 })).expect("an answer");
    assert!(missing.is_err_and(|r| r.contains("no alarm 99")));
    let call = hub.world().0.call(1).cloned().expect("call 1");
    assert_eq!((call.verdict.map(|v| v.class), call.incident), (Some(Classification::Valid), Some(1)));
    let from_polsek = Command::DispatchIncident { incident: 1, unit: "near-1".into() };
    let refused = runtime.block_on(sari.command(from_polsek)).expect("an answer");
    assert!(refused.is_err_and(|r| r.contains("outside")), "the Polres's incident, not the Polsek's");

    // The Polres sends the nearest unit and works it to the end (the close through `act`).
    let nearest = {
        let world = hub.world().0;
        let distance = |u: &pantau::model::Unit| u.last_fix.map_or(f64::MAX, |f| (f.lon - tree.inside.0).abs());
        world.units().iter().min_by(|a, b| distance(a).total_cmp(&distance(b))).map(|u| u.id.clone()).expect("units")
    };
    assert_eq!(nearest, "near-1");
    let dispatch = Command::DispatchIncident { incident: 1, unit: nearest.clone() };
    runtime.block_on(budi.command(dispatch)).expect("an answer").expect("dispatched");
    for to in [IncidentState::EnRoute, IncidentState::OnScene] {
        runtime
            .block_on(budi.command(Command::IncidentProgress { incident: 1, to }))
            .expect("an answer")
            .expect("moved on");
    }
    let unit_is = |status| hub.world().0.unit(&nearest).is_some_and(|u| u.status == status);
    world_when(&service, "the unit on scene with its incident", |_| unit_is(UnitStatus::OnScene));
    runtime
        .block_on(budi.command(Command::IncidentProgress { incident: 1, to: IncidentState::Cleared }))
        .expect("an answer")
        .expect("cleared");
    let url = format!("ws://{}", service.bound.desks.expect("desks"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["act", "--hub", &url, "--user", "budi", "incident", "close", "--incident", "1"])
        .args(["--disposition", "arrest-made", "--note", "both held at the Polres"])
        .env("PANTAU_PASSWORD", PASSWORD)
        .output()
        .expect("act incident close");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    world_when(&service, "the incident closed", |w| w.incident(1).is_some_and(|i| i.state == IncidentState::Closed));
    let closed = hub.world().0.incident(1).cloned().expect("incident 1");
    assert_eq!(closed.disposition, Some(Disposition::ArrestMade));
    assert!(unit_is(UnitStatus::Available), "the unit is free again");
    let milestones: Vec<(Milestone, &str)> = closed.steps.iter().map(|s| (s.milestone, s.by.as_str())).collect();
    assert_eq!(
        milestones,
        [
            (Milestone::Received, "telephony"),
            (Milestone::Answered, "sari"),
            (Milestone::Classified, "sari"),
            (Milestone::Transferred, "switchboard"),
            (Milestone::Dispatched, "budi"),
            (Milestone::EnRoute, "budi"),
            (Milestone::OnScene, "budi"),
            (Milestone::Cleared, "budi"),
            (Milestone::Closed, "budi"),
        ]
    );
    assert!(closed.steps.windows(2).all(|w| w[0].time <= w[1].time), "in time order: {:?}", closed.steps);
    // The service levels read from the record: answered well within 10 s, on scene within 10 min.
    let answer = closed.reached(Milestone::Answered).zip(closed.reached(Milestone::Received)).map(|(a, r)| a - r);
    let on_scene = closed.reached(Milestone::OnScene).zip(closed.reached(Milestone::Received)).map(|(o, r)| o - r);
    assert!(answer.is_some_and(|ms| (0..10_000).contains(&ms)), "{answer:?}");
    assert!(on_scene.is_some_and(|ms| (0..600_000).contains(&ms)), "{on_scene:?}");
    assert_eq!(closed.narrative.first().map(|e| e.text.as_str()), Some("two men on a motorbike took a bag"));
    assert_eq!((closed.alarms.as_slice(), closed.narrative[1].text.as_str()), (&[1][..], "alarm 1 linked"));

    // Handed to another agency: the incident as an EIDD-style document, from the hub.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["export", "eidd", "--incident", "1", "--hub", &url, "--user", "budi"])
        .env("PANTAU_PASSWORD", PASSWORD)
        .output()
        .expect("export eidd");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let eidd: serde_json::Value = serde_json::from_slice(&out.stdout).expect("EIDD JSON");
    assert_eq!(eidd["incidentComponent"]["incidentTypeCommonRegistryText"], "ROBBERY");
    assert_eq!(eidd["callComponent"][0]["callbackNumber"], "+6281500005");
    assert_eq!(eidd["callComponent"][0]["deviceLocation"]["radiusMetres"], 15.0);
    assert_eq!(eidd["vehicleComponent"][0]["vehicleIdentifier"], "near-1");
    assert_eq!(eidd["incidentStatusComponent"].as_array().map(Vec::len), Some(9));
    assert_eq!(eidd["dispositionComponent"]["dispositionCode"], "arrest made");
    assert_eq!(eidd["personComponent"][0]["personName"], "Ibu Sri");
    assert_eq!(eidd["personComponent"][0]["telephoneNumber"], "+6281500005");
    assert_eq!(eidd["locationComponent"]["zones"], serde_json::json!(codes));
    assert_eq!(eidd["alarmComponent"][0]["alarmSource"], "toko-7");

    for seat in [sari, budi] {
        runtime.block_on(seat.logout());
    }
    runtime.block_on(service.stop()).expect("stops");
    let journal = dir.path().join("journal");
    let replayed = pantau::journal::replay(&journal).expect("replay");
    assert_eq!(replayed.incident(1), Some(&closed), "the record replays to the same incident");

    // A warning to the public around its place, as CAP 1.2, from the journal.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["export", "cap", "--incident", "1", "--journal"])
        .arg(&journal)
        .args(["--radius", "500", "--headline", "Hindari Jl. Contoh", "--area", "Jl. Contoh & sekitarnya"])
        .output()
        .expect("export cap");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(xml.contains("<event>Pencurian dengan kekerasan (curas)</event>"), "{xml}");
    assert!(
        xml.contains("<areaDesc>Jl. Contoh &amp; sekitarnya</areaDesc>") && xml.contains(" 0.500</circle>"),
        "{xml}"
    );
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["export", "cap", "--at", "106.8,-6.2", "--radius", "500", "--headline", "x", "--urgency", "Now"])
        .output()
        .expect("export cap");
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("--urgency: Now is not one of"));
}

/// With the central intake, every call rings first at the Polda, whatever its place, and stays
/// there when the caller's location comes; a valid one still goes to the Polres of its place.
#[test]
fn a_central_intake_takes_every_call_first_and_hands_valid_ones_to_the_polres() {
    let dir = tempfile::tempdir().expect("tmp");
    let tree = tree();
    let intake = pantau::hub::switchboard::Intake::Central;
    let limits = pantau::hub::HubLimits { intake, answer_within: Duration::from_secs(30), ..Default::default() };
    let (runtime, service, _) = centre_with(dir.path(), &tree, limits);
    let (sari, mut dewi) = (seat(&runtime, &service, "sari"), seat(&runtime, &service, "dewi"));
    post(&runtime, &service, "/calls", r#"{"call":"c-1","event":"ringing","number":"+6281600006"}"#.into());
    post(&runtime, &service, "/sms", aml_sms("+6281600006", tree.inside));
    let at_intake = call_when(&service, 1, "ringing at the intake with its location", |c| {
        c.location.is_some() && c.node().is_some()
    });
    assert_eq!(at_intake.node(), Some(tree.polda.as_str()));
    assert!(at_intake.rings[0].why.contains("the central intake"), "{:?}", at_intake.rings);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        service.hub.as_ref().expect("hub").world().0.call(1).map(|c| c.rings.len()),
        Some(1),
        "it stays at the intake"
    );
    runtime.block_on(dewi.command(Command::Answer { call: 1 })).expect("an answer").expect("answered");
    let valid = Command::Classify { call: 1, class: Classification::Valid };
    runtime.block_on(dewi.command(valid)).expect("an answer").expect("valid");
    world_when(&service, "the incident handed to the Polres", |w| {
        w.incident(1).and_then(|i| i.node.as_deref()) == Some(tree.polres.as_str())
    });
    for seat in [sari, dewi] {
        runtime.block_on(seat.logout());
    }
    runtime.block_on(service.stop()).expect("stops");

    // The switchboard's settings are refused by name when wrong.
    let serve = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pantau")).arg("serve").args(args).output().expect("serve")
    };
    let sideways = serve(&["--desks", "127.0.0.1:0", "--intake", "sideways"]);
    assert!(!sideways.status.success() && String::from_utf8_lossy(&sideways.stderr).contains("--intake"));
    let never = serve(&["--desks", "127.0.0.1:0", "--answer-s", "0"]);
    assert!(!never.status.success() && String::from_utf8_lossy(&never.stderr).contains("--answer-s"));
    let journal = dir.path().join("j");
    let no_hub = serve(&["--insecure", "--journal", journal.to_str().expect("utf-8"), "--intake", "central"]);
    let said = String::from_utf8_lossy(&no_hub.stderr);
    assert!(!no_hub.status.success() && said.contains("give --desks"), "{said}");
}

/// A commander's zone edit is journaled and the switchboard routes by it at once: the first
/// Polsek's zone given to the other Polsek makes a call from inside it ring there, and after a
/// restart too. An operator's edit, and a commander's that lays a zone over another, are
/// refused with why.
#[test]
fn a_commanders_zone_edit_moves_where_calls_ring() {
    use pantau::model::zones::{EditedZone, ZoneChange};
    let dir = tempfile::tempdir().expect("tmp");
    let tree = tree();
    let (runtime, service, config) = centre(dir.path(), &tree, Duration::from_secs(60), Duration::from_secs(30));
    let (mut sari, mut rudi) = (seat(&runtime, &service, "sari"), seat(&runtime, &service, "rudi"));
    let zones = pantau::layer_files::load_zones(&demo_city().zones).expect("zones");
    let org = pantau::org::Org::load(&demo_city().org).expect("org");
    let index = pantau::spatial::ZoneIndex::new(zones.clone());
    let covered_by = |z: &&pantau::model::Zone| org.owner_of(&z.code).is_some_and(|n| n.id == tree.polsek);
    let here = index.lookup(tree.inside.0, tree.inside.1).into_iter().find(covered_by).expect("the Polsek's zone");
    let mut moved = EditedZone::from_zone(here);
    moved.node = Some(tree.other_polsek.clone());
    let give =
        Command::EditZones { what: "to the other Polsek".into(), base: None, changes: vec![ZoneChange::Put(moved)] };

    let refused = runtime.block_on(sari.command(give.clone())).expect("an answer");
    assert!(refused.as_ref().is_err_and(|r| r.contains("only a commander may edit the zones")), "{refused:?}");
    // A Polsek's commander edits only the Polsek's ground: not a neighbour's zone, nor a zone
    // that is not there.
    let mut tono = seat(&runtime, &service, "tono");
    let theirs =
        zones.iter().find(|z| org.owner_of(&z.code).is_some_and(|n| n.id == tree.other_polsek)).expect("theirs");
    let grab = ZoneChange::Put(EditedZone { node: Some(tree.polsek.clone()), ..EditedZone::from_zone(theirs) });
    let grab = Command::EditZones { what: "the neighbour's".into(), base: None, changes: vec![grab] };
    let refused = runtime.block_on(tono.command(grab)).expect("an answer");
    assert!(refused.as_ref().is_err_and(|r| r.contains("outside")), "{refused:?}");
    let ghost = ZoneChange::Remove { code: "no-such-zone".into() };
    let ghost = Command::EditZones { what: "a ghost".into(), base: None, changes: vec![ghost] };
    let refused = runtime.block_on(tono.command(ghost)).expect("an answer");
    assert!(refused.as_ref().is_err_and(|r| r.contains("no zone no-such-zone is in force")), "{refused:?}");
    runtime.block_on(tono.logout());
    let copy = EditedZone { code: "overlap-1".into(), ..EditedZone::from_zone(here) };
    let overlap = Command::EditZones { what: "a copy".into(), base: None, changes: vec![ZoneChange::Put(copy)] };
    let refused = runtime.block_on(rudi.command(overlap)).expect("an answer");
    assert!(refused.as_ref().is_err_and(|r| r.contains("overlap")), "{refused:?}");
    runtime.block_on(rudi.command(give)).expect("an answer").expect("the commander's edit is applied");

    let ringing = r#"{"call":"pbx-zone-1","event":"ringing","number":"+6281100077","trunk":"e1-0"}"#;
    assert_eq!(post(&runtime, &service, "/calls", ringing.into()).0, 200);
    assert_eq!(post(&runtime, &service, "/sms", aml_sms("+6281100077", tree.inside)).0, 200);
    let call = call_when(&service, 1, "ringing where the zone now belongs", |c| c.node() == Some(&tree.other_polsek));
    assert!(call.rings.last().is_some_and(|r| r.why.contains("caller's location")), "{:?}", call.rings);

    for seat in [sari, rudi] {
        runtime.block_on(seat.logout());
    }
    runtime.block_on(service.stop()).expect("stops");
    let service = runtime.block_on(Service::start(config)).expect("the hub again");
    let ringing = r#"{"call":"pbx-zone-2","event":"ringing","number":"+6281100078","trunk":"e1-0"}"#;
    assert_eq!(post(&runtime, &service, "/calls", ringing.into()).0, 200);
    assert_eq!(post(&runtime, &service, "/sms", aml_sms("+6281100078", tree.inside)).0, 200);
    call_when(&service, 2, "ringing by the edited zones after a restart", |c| c.node() == Some(&tree.other_polsek));
    let world = service.hub.as_ref().expect("hub").world().0;
    assert_eq!(world.zones().version(), 1, "one edit applied; the refused ones changed nothing");
    runtime.block_on(service.stop()).expect("stops");
}
