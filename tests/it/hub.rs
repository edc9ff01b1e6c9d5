//! The hub as a command centre runs it: `pantau serve --desks` as its own process, seats
//! (`pantau act`, `pantau watch`, and a seat in this test process) attached over the
//! WebSocket. A dispatch at one seat shows at another and in `watch`; a viewer's command and
//! an out-of-jurisdiction one are refused by the hub and journaled as refused, also when a
//! modified seat sends what no seat may; wrong passwords are refused and journaled, and
//! repeated failures lock the name out; the hub is killed and restarted and `watch` resumes
//! at the next sequence number with no gap and no duplicate. In-process hubs with short
//! limits check the deadlines (login, silence) and a seat that falls behind.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use geo::InteriorPoint;
use pantau::hub::client::{Login, LoginError, Seat};
use pantau::hub::protocol::{FromHub, Want};
use pantau::model::{Command as Act, Event, Role};
use serde_json::Value;

use crate::common::demo_city;

const PASSWORD: &str = "a long enough password";

/// The people of the test centre: a Polres operator, a Polsek operator (another Polsek than
/// where the alarm is), the wall (a viewer) and a commander over the whole centre.
fn users_file(dir: &Path, polres: &str, other_polsek: &str) -> PathBuf {
    let path = dir.join("users.toml");
    let mut users = pantau::users::Users::load_or_new(&path).expect("users");
    users.add("sari", Role::Operator, Some(polres.into()), PASSWORD).expect("add");
    users.add("joko", Role::Operator, Some(other_polsek.into()), PASSWORD).expect("add");
    users.add("wall", Role::Viewer, None, PASSWORD).expect("add");
    users.add("bayu", Role::Commander, None, PASSWORD).expect("add");
    users.save(&path).expect("save");
    path
}

/// A point inside the zone of a Polsek of the demo city, and that Polsek and another one.
fn demo_places() -> ((f64, f64), String, String, String) {
    let files = demo_city();
    let org = pantau::org::Org::load(&files.org).expect("org");
    let zones = pantau::layer_files::load_zones(&files.zones).expect("zones");
    let polseks: Vec<_> = org.nodes().iter().filter(|n| n.tier == pantau::org::Tier::Polsek).collect();
    let (here, there) = (polseks[0], polseks[1]);
    let zone = zones.iter().find(|z| here.zones.contains(&z.code)).expect("the polsek's zone");
    let point = zone.polygon.interior_point().expect("a point inside");
    let polres = here.parent.clone().expect("a polres above");
    ((point.x(), point.y()), polres, there.id.clone(), there.name.clone())
}

/// `pantau serve` with desks, as its own process.
struct Hub {
    child: Child,
    http: String,
    desks: String,
}

impl Hub {
    fn start(journal: &Path, users: &Path, desks: &str) -> Self {
        Self::start_with(journal, users, &["--insecure", "--desks", desks])
    }

    fn start_with(journal: &Path, users: &Path, args: &[&str]) -> Self {
        let files = demo_city();
        let mut child = Command::new(env!("CARGO_BIN_EXE_pantau"))
            .args(["serve", "--osmand", "127.0.0.1:0", "--http", "127.0.0.1:0"])
            .args(args)
            .arg("--journal")
            .arg(journal)
            .arg("--users")
            .arg(users)
            .arg("--org")
            .arg(&files.org)
            .arg("--zones")
            .arg(&files.zones)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("ready line");
        let addr = |name: &str| {
            let rest = line.split(&format!("{name} ")).nth(1).unwrap_or_else(|| panic!("no {name} in {line:?}"));
            rest.split([',', '\n']).next().expect("address").trim().to_string()
        };
        Self { http: addr("http"), desks: addr("desks"), child }
    }

    fn url(&self) -> String {
        format!("ws://{}", self.desks)
    }

    fn alarm(&self, device: &str, (lon, lat): (f64, f64)) {
        let body = format!(r#"{{"device":"{device}","lat":{lat},"lon":{lon}}}"#);
        let answer = post_alarm(&format!("http://{}/alarms", self.http), body);
        assert_eq!(answer, 200, "the alarm is taken");
    }

    fn stop(mut self) {
        let pid = self.child.id() as i32;
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "serve stops cleanly on SIGTERM: {status}");
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Posts an alarm to the alarm API; returns the status.
fn post_alarm(url: &str, body: String) -> u16 {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::new();
        client.post(url).body(body).send().await.map(|r| r.status().as_u16()).unwrap_or(0)
    })
}

fn act(hub: &str, user: &str, password: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["act", "--hub", hub, "--user", user])
        .args(args)
        .env("PANTAU_PASSWORD", password)
        .output()
        .expect("run act")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// `pantau watch` as its own process; its lines are collected as they come.
struct Watch {
    child: Child,
    lines: Arc<Mutex<Vec<Value>>>,
}

impl Watch {
    fn start(hub: &str) -> Self {
        Self::start_with(hub, &[])
    }

    fn start_with(hub: &str, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pantau"))
            .args(["watch", "--hub", hub, "--user", "wall"])
            .args(args)
            .env("PANTAU_PASSWORD", PASSWORD)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn watch");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (out, into) = (child.stdout.take().expect("stdout"), lines.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let value: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"));
                into.lock().expect("lines").push(value);
            }
        });
        Self { child, lines }
    }

    /// Waits until a line matches; returns it.
    fn wait_for(&self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(line) = self.lines.lock().expect("lines").iter().find(|l| matches(l)) {
                return line.clone();
            }
            assert!(Instant::now() < deadline, "watch never printed {what}: {:?}", self.lines.lock().expect("lines"));
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn login(user: &str, password: &str, want: Want) -> Login {
    Login { user: user.into(), password: password.into(), seat: format!("{user}'s test seat"), want }
}

/// Reads from a seat until a batch holds an event that matches.
async fn seat_sees(seat: &mut Seat, matches: impl Fn(&Event) -> bool) -> u64 {
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let Some(FromHub::Batch { first_seq, events, .. }) = seat.next().await.expect("the stream") {
                if let Some(i) = events.iter().position(&matches) {
                    return first_seq + i as u64;
                }
            }
        }
    });
    found.await.expect("the seat sees the event in time")
}

fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr")
}

#[test]
fn seats_share_one_world_and_the_hub_decides_who_may_do_what() {
    let dir = tempfile::tempdir().expect("tmp");
    let (place, polres, other_polsek, other_name) = demo_places();
    let users = users_file(dir.path(), &polres, &other_polsek);
    let journal = dir.path().join("journal");
    let desks = free_port().to_string();
    let hub = Hub::start(&journal, &users, &desks);
    let url = hub.url();
    hub.alarm("panic-1", place);
    let watch = Watch::start(&url);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut seat_b = runtime.block_on(Seat::connect(&url, login("sari", PASSWORD, Want::World))).expect("seat B");
    assert_eq!((seat_b.welcome.role, seat_b.welcome.org.as_deref()), (Role::Operator, Some(polres.as_str())));

    // Seat A (a separate process) dispatches; seat B and watch see it, stamped by the hub.
    let out = act(&url, "sari", PASSWORD, &["dispatch", "--alarm", "1", "--unit", "panic-1"]);
    assert!(!out.status.success(), "panic-1 is a button, not a unit: {}", text(&out));
    let out = act(&url, "sari", PASSWORD, &["acknowledge", "--alarm", "1"]);
    assert!(out.status.success(), "{}", text(&out));
    let seq = runtime.block_on(seat_sees(&mut seat_b, |e| {
        matches!(e, Event::Command { user, role: Role::Operator, command: Act::Acknowledge { alarm: 1 }, .. } if user == "sari")
    }));
    assert!(text(&out).contains(&format!("seq {seq}")), "act prints the sequence: {}", text(&out));
    let line = watch.wait_for("the acknowledgement", |l| l["seq"] == seq);
    assert_eq!(
        (line["kind"].as_str(), line["user"].as_str(), line["role"].as_str()),
        (Some("command"), Some("sari"), Some("operator"))
    );
    assert_eq!(line["outcome"], "applied");

    // A viewer may not act; the refusal is journaled and shown in watch.
    let out = act(&url, "wall", PASSWORD, &["resolve", "--alarm", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("viewer may not change alarms, units or calls"), "{}", text(&out));
    watch.wait_for("the viewer's refusal", |l| l["user"] == "wall" && l["outcome"] == "refused");

    // Joko's Polsek is not where the alarm is.
    let out = act(&url, "joko", PASSWORD, &["resolve", "--alarm", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(&format!("outside {other_name}'s jurisdiction")), "{}", text(&out));

    // Moving a unit up to a post is a commander's: an operator's is refused by the world.
    let at = format!("{},{}", place.0, place.1);
    let out = act(&url, "sari", PASSWORD, &["move-up", "--unit", "panic-1", "--post", "Pos Pasar", "--at", &at]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("only a commander may move a unit up"), "{}", text(&out));
    let out = act(&url, "sari", PASSWORD, &["move-up", "--unit", "u", "--post", "P", "--at", "200,0"]);
    assert!(!out.status.success() && text(&out).contains("200,0"), "{}", text(&out));

    // An operation plan is a commander's too; the commander's is journaled and seen by all.
    let plan = dir.path().join("plan.toml");
    let (lon, lat) = place;
    std::fs::write(
        &plan,
        format!(
            "id = \"op-1\"\nname = \"Operasi Pasar\"\n[[checkpoint]]\nname = \"Pos Pasar\"\nat = [{lon}, {lat}]\n\
             from = 2026-12-01T06:00:00+07:00\nuntil = 2026-12-01T18:00:00+07:00\nunits = [\"u1\"]\n"
        ),
    )
    .expect("plan");
    let save = ["plan", "--file", plan.to_str().expect("utf-8")];
    let out = act(&url, "sari", PASSWORD, &save);
    assert!(out.status.code() == Some(1) && text(&out).contains("only a commander may save"), "{}", text(&out));
    let out = act(&url, "bayu", PASSWORD, &save);
    assert!(out.status.success(), "{}", text(&out));
    let line = watch.wait_for("the saved plan", |l| l["user"] == "bayu" && l["command"]["save_plan"].is_object());
    assert_eq!((line["user"].as_str(), line["outcome"].as_str()), (Some("bayu"), Some("applied")), "{line}");
    assert_eq!(line["command"]["save_plan"]["plan"]["checkpoints"][0]["name"], "Pos Pasar", "{line}");

    // Zones are a commander's to edit: the zone holding the alarm given to the other Polsek.
    let files = demo_city();
    let all = pantau::layer_files::load_zones(&files.zones).expect("zones");
    let index = pantau::spatial::ZoneIndex::new(all);
    let finest = index.lookup(place.0, place.1).into_iter().max_by_key(|z| z.level).cloned().expect("a zone");
    let zone_file = dir.path().join("zone.geojson");
    pantau::layer_files::save_zones(&zone_file, std::slice::from_ref(&finest)).expect("the zone's file");
    let give = ["edit-zones", "--file", zone_file.to_str().expect("utf-8"), "--node", other_polsek.as_str()];
    let out = act(&url, "sari", PASSWORD, &give);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let out = act(&url, "bayu", PASSWORD, &give);
    assert!(out.status.success(), "{}", text(&out));
    let line = watch.wait_for("the zone edit", |l| l["user"] == "bayu" && l["command"]["edit_zones"].is_object());
    assert_eq!(line["outcome"], "applied", "{line}");
    assert_eq!(line["command"]["edit_zones"]["changes"][0]["put"]["code"], finest.code.as_str(), "{line}");
    let out = act(&url, "bayu", PASSWORD, &["edit-zones"]);
    assert!(!out.status.success() && text(&out).contains("not a zone edit"), "{}", text(&out));

    // A modified seat sending what no seat may (a roster change, a forged login record): the
    // hub cannot read it as a seat's command and closes the session, journaling why.
    runtime.block_on(async {
        let enrol = Act::Enrol {
            unit: "x".into(),
            callsign: "X".into(),
            kind: pantau::model::UnitKind::Car,
            home_station: None,
        };
        let login_record = Act::Login { seat: "forged".into(), address: "1.2.3.4:5".into() };
        for forged_command in [enrol, login_record] {
            let mut forged = Seat::connect(&url, login("joko", PASSWORD, Want::Nothing)).await.expect("joko");
            let closed = forged.command(forged_command).await.expect_err("the session is closed");
            assert!(closed.to_string().contains("not a command a seat may send"), "{closed:#}");
        }
    });

    // Wrong passwords: refused, journaled, and the fifth locks the name out.
    for attempt in 1..=5 {
        let out = act(&url, "joko", "not the password at all", &["acknowledge", "--alarm", "1"]);
        assert!(!out.status.success() && text(&out).contains("login refused"), "attempt {attempt}: {}", text(&out));
    }
    let out = act(&url, "joko", PASSWORD, &["acknowledge", "--alarm", "1"]);
    assert!(text(&out).contains("locked until"), "the right password is refused while locked: {}", text(&out));
    let refused_login = runtime.block_on(Seat::connect(&url, login("joko", PASSWORD, Want::Nothing)));
    assert!(matches!(refused_login, Err(LoginError::Refused(_))));

    // The hub dies and comes back on the same address: watch resumes with no gap and no
    // duplicate, and seat B comes back with only what it missed.
    let before_kill = watch.lines.lock().expect("lines").len();
    assert!(before_kill > 0);
    hub.kill();
    let hub = Hub::start(&journal, &users, &desks);
    hub.alarm("panic-2", place);
    watch.wait_for("the alarm after the restart", |l| l["kind"] == "alarm" && l["device"] == "panic-2");
    let last_b = runtime.block_on(async {
        let mut last = seq;
        while let Ok(Ok(Some(message))) = tokio::time::timeout(Duration::from_millis(300), seat_b.next()).await {
            if let FromHub::Batch { first_seq, events, .. } = message {
                last = first_seq + events.len() as u64 - 1;
            }
        }
        last
    });
    let mut back =
        runtime.block_on(Seat::connect(&url, login("sari", PASSWORD, Want::After(last_b)))).expect("seat B again");
    let first = runtime.block_on(back.next()).expect("stream").expect("a message");
    match first {
        FromHub::Batch { first_seq, .. } => assert_eq!(first_seq, last_b + 1, "only what it missed"),
        other => panic!("seat B got {other:?} instead of what it missed"),
    }
    let lines = watch.lines.lock().expect("lines").clone();
    let seqs: Vec<u64> = lines.iter().filter_map(|l| l["seq"].as_u64()).collect();
    assert!(lines.iter().all(|l| l["kind"] != "gap"), "no gap: {lines:?}");
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "every sequence once, in order: {seqs:?}");
    // A script asking from a sequence gets exactly that one first, the alarm's own kind kept
    // apart from the event's.
    let from_two = Watch::start_with(&url, &["--from", "2"]);
    from_two.wait_for("the restarted hub's alarm", |l| l["device"] == "panic-2");
    let printed = from_two.lines.lock().expect("lines").clone();
    assert_eq!(printed[0]["seq"], 2, "{printed:?}");
    let alarm = printed.iter().find(|l| l["device"] == "panic-2").expect("alarm line");
    assert_eq!((alarm["kind"].as_str(), alarm["alarm_kind"].as_str()), (Some("alarm"), Some("panic")), "{alarm}");
    runtime.block_on(back.logout());
    drop(seat_b);
    hub.stop();

    // The journal holds the logins, the refusals and the lockout.
    let records: Vec<Event> =
        pantau::journal::JournalRecords::open(&journal).expect("journal").map(|r| r.expect("record").event).collect();
    let commands: Vec<&Act> = records
        .iter()
        .filter_map(|e| match e {
            Event::Command { command, .. } => Some(command),
            _ => None,
        })
        .collect();
    assert!(commands.iter().any(|c| matches!(c, Act::Login { seat, .. } if seat == "sari's test seat")));
    assert!(commands.iter().any(|c| matches!(c, Act::Logout { reason, .. } if reason == "logged out")));
    let wrong = commands
        .iter()
        .filter(|c| matches!(c, Act::LoginRefused { reason, .. } if reason.starts_with("wrong password")))
        .count();
    assert_eq!(wrong, 5, "every wrong password is journaled");
    assert!(commands.iter().any(|c| matches!(c, Act::LoginRefused { locked_until: Some(_), .. })), "the lockout");
    assert!(commands.iter().any(|c| matches!(c, Act::Refused { reason, .. } if reason.contains("jurisdiction"))));
    let closed_for_forgery = commands
        .iter()
        .filter(|c| matches!(c, Act::Logout { reason, .. } if reason.contains("not a command a seat may send")))
        .count();
    assert_eq!(closed_for_forgery, 2, "both forged sessions were closed on the record");
    assert!(
        !records.iter().any(|e| matches!(e, Event::Command { command: Act::Enrol { .. }, .. })),
        "no roster change got through"
    );
}

#[test]
fn a_hub_on_tls_is_reached_with_its_pinned_fingerprint_only() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_, polres, other_polsek, _) = demo_places();
    let users = users_file(dir.path(), &polres, &other_polsek);
    let certs = Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["certs", "--name", "127.0.0.1", "--name", "localhost", "--out"])
        .arg(dir.path())
        .output()
        .expect("certs");
    assert!(certs.status.success(), "{}", text(&certs));
    let pin = String::from_utf8_lossy(&certs.stdout).lines().last().expect("fingerprint").to_string();
    assert_eq!(pin.len(), 64, "{}", text(&certs));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("hub.key")).expect("key").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the key is its owner's only");
    }
    let again =
        Command::new(env!("CARGO_BIN_EXE_pantau")).args(["certs", "--name", "x", "--out"]).arg(dir.path()).output();
    assert!(text(&again.expect("certs")).contains("already there"), "an existing pair is kept");

    // On every address, no --insecure: TLS is what lets it serve seats there.
    let (cert, key) = (dir.path().join("hub.crt"), dir.path().join("hub.key"));
    let tokens = dir.path().join("tokens.txt");
    std::fs::write(&tokens, "").expect("tokens");
    let (cert, key, tokens) = (cert.to_string_lossy(), key.to_string_lossy(), tokens.to_string_lossy());
    let args = ["--desks", "0.0.0.0:0", "--tls-cert", &cert, "--tls-key", &key, "--tokens", &tokens];
    let hub = Hub::start_with(&dir.path().join("journal"), &users, &args);
    let port = hub.desks.rsplit(':').next().expect("port").to_string();
    let url = format!("wss://127.0.0.1:{port}");
    let status = ["status", "--unit", "nobody", "--status", "available"];
    let pinned = act_pinned(&url, Some(&pin), &status);
    assert!(
        text(&pinned).contains("refused: no unit nobody"),
        "logged in over TLS, refused by the world: {}",
        text(&pinned)
    );
    let wrong = act_pinned(&url, Some(&"0".repeat(64)), &status);
    assert!(!wrong.status.success() && text(&wrong).contains("fingerprint"), "{}", text(&wrong));
    let unpinned = act_pinned(&url, None, &status);
    assert!(text(&unpinned).contains("--pin"), "{}", text(&unpinned));
    let plain = act_pinned(&format!("ws://127.0.0.1:{port}"), None, &status);
    assert!(!plain.status.success(), "plain WebSocket to a TLS hub: {}", text(&plain));
    hub.stop();
}

fn act_pinned(url: &str, pin: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pantau"));
    command.args(["act", "--hub", url, "--user", "sari"]);
    if let Some(pin) = pin {
        command.args(["--pin", pin]);
    }
    command.args(args).env("PANTAU_PASSWORD", PASSWORD).output().expect("run act")
}

#[test]
fn seats_on_a_network_address_need_tls_or_insecure() {
    let dir = tempfile::tempdir().expect("tmp");
    let users = dir.path().join("users.toml");
    pantau::users::Users::load_or_new(&users).expect("users").save(&users).expect("save");
    let out = Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args([
            "serve",
            "--osmand",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--desks",
            "0.0.0.0:0",
            "--tokens",
            "/dev/null",
        ])
        .arg("--journal")
        .arg(dir.path().join("journal"))
        .arg("--users")
        .arg(&users)
        .output()
        .expect("serve");
    assert!(!out.status.success());
    assert!(
        text(&out).contains("--desks 0.0.0.0:0: seats on a network address need TLS (--tls-cert"),
        "{}",
        text(&out)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["serve", "--insecure", "--desks", "127.0.0.1:0", "--users"])
        .arg(dir.path().join("missing.toml"))
        .arg("--journal")
        .arg(dir.path().join("journal"))
        .output()
        .expect("serve");
    assert!(!out.status.success() && text(&out).contains("missing.toml"), "{}", text(&out));
}

/// An in-process hub on the demo city with short limits.
struct Quick {
    runtime: tokio::runtime::Runtime,
    service: Option<pantau::service::Service>,
    users: PathBuf,
    _dir: tempfile::TempDir,
}

impl Quick {
    fn start(limits: pantau::hub::HubLimits) -> Self {
        let dir = tempfile::tempdir().expect("tmp");
        let users = dir.path().join("users.toml");
        let mut people = pantau::users::Users::load_or_new(&users).expect("users");
        people.add("sari", Role::Operator, None, PASSWORD).expect("add");
        people.save(&users).expect("save");
        let mut config = pantau::service::ServeConfig::loopback(dir.path().join("journal"));
        config.desks = Some(pantau::service::DesksConfig {
            addr: "127.0.0.1:0".parse().expect("addr"),
            tls: None,
            users: users.clone(),
            org: None,
            zones: Vec::new(),
            limits,
        });
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let service = runtime.block_on(pantau::service::Service::start(config)).expect("service");
        Self { runtime, service: Some(service), users, _dir: dir }
    }

    fn url(&self) -> String {
        format!("ws://{}", self.service.as_ref().and_then(|s| s.bound.desks).expect("desks"))
    }

    fn hub(&self) -> Arc<pantau::hub::Hub> {
        self.service.as_ref().and_then(|s| s.hub.clone()).expect("hub")
    }
}

impl Drop for Quick {
    fn drop(&mut self) {
        if let Some(service) = self.service.take() {
            let _ = self.runtime.block_on(service.stop());
        }
    }
}

#[test]
fn a_silent_connection_is_closed_at_the_deadlines() {
    let limits = pantau::hub::HubLimits {
        login_deadline: Duration::from_millis(300),
        heartbeat: Duration::from_millis(100),
        silence: Duration::from_millis(400),
        ..Default::default()
    };
    let quick = Quick::start(limits);
    let url = quick.url();
    quick.runtime.block_on(async {
        use futures::StreamExt;
        // Never logs in: told so and closed after the login deadline.
        let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str()).await.expect("connect");
        let started = Instant::now();
        let mut said = String::new();
        while let Some(Ok(message)) = socket.next().await {
            if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
                said = text.to_string();
            }
        }
        assert!(said.contains("log in within 300ms"), "{said}");
        let metrics = quick.service.as_ref().map(|s| s.ingest.metrics().clone()).expect("metrics");
        assert_eq!(metrics.rejected_count("hub_login_timeout"), 1, "the refusal is counted");
        assert!(started.elapsed() < Duration::from_secs(5));
        // Logs in, then neither reads nor answers pings: closed for silence.
        let seat = Seat::connect(&url, login("sari", PASSWORD, Want::Nothing)).await.expect("login");
        assert_eq!(quick.hub().seats(), 1);
        assert!(metrics.render().contains("pantau_hub_seats 1\n"), "{}", metrics.render());
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(quick.hub().seats(), 0, "the silent seat was closed");
        assert!(metrics.render().contains("pantau_hub_seats 0\n"));
        drop(seat);
    });
}

#[test]
fn a_seat_that_falls_behind_is_sent_the_world_again_and_ends_equal() {
    let limits =
        pantau::hub::HubLimits { seat_backlog: 2, send_timeout: Duration::from_secs(20), ..Default::default() };
    let quick = Quick::start(limits);
    let url = quick.url();
    let ingest = quick.service.as_ref().map(|s| s.ingest.clone()).expect("ingest");
    quick.runtime.block_on(async {
        let mut seat = Seat::connect(&url, login("sari", PASSWORD, Want::World)).await.expect("login");
        // The seat reads nothing while 30 large batches are applied.
        let mut last_seq = 0;
        for batch in 0..30 {
            let events: Vec<Event> = (0..5000)
                .map(|i| Event::Position {
                    device: format!("unit-{i}"),
                    fix: pantau::model::Fix {
                        time: pantau::model::now_millis() - 60_000 + batch,
                        lon: 106.8 + i as f64 * 1e-5,
                        lat: -6.2,
                        speed: None,
                        heading: None,
                        accuracy: None,
                    },
                    feed: pantau::model::FeedKind::Simulator,
                })
                .collect();
            match ingest.submit(events).await {
                pantau::ingest::Ack::Done { accepted, first_seq, .. } => last_seq = first_seq + accepted as u64 - 1,
                other => panic!("the batch was not taken: {other:?}"),
            }
        }
        // The hub's feed applies the last batch just after the writer answered it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while quick.hub().world().1 < last_seq {
            assert!(Instant::now() < deadline, "the hub never reached seq {last_seq}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let (hub_world, hub_seq) = quick.hub().world();
        assert_eq!(hub_seq, last_seq);
        let (mut world, mut seq, mut worlds) = (pantau::world::World::new(), 0, 0);
        while seq < hub_seq {
            match tokio::time::timeout(Duration::from_secs(20), seat.next()).await.expect("in time").expect("stream") {
                Some(FromHub::World { seq: at, world: saved }) => {
                    (world, seq) = (pantau::world::World::from_saved(*saved), at);
                    worlds += 1;
                }
                Some(FromHub::Batch { first_seq, events, .. }) => {
                    assert_eq!(first_seq, seq + 1, "batches follow on");
                    world.apply(&events);
                    seq += events.len() as u64;
                }
                Some(_) => {}
                None => panic!("the hub closed the seat"),
            }
        }
        assert!(worlds >= 2, "the seat fell behind and was sent the world again ({worlds} worlds)");
        let resyncs = ingest.metrics().hub_resyncs.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(resyncs as usize, worlds - 1, "each world sent again is counted");
        assert!(world.same_state(&hub_world), "the seat's world equals the hub's");
    });
}

#[test]
fn idle_sockets_and_oversize_messages_do_not_keep_a_seat_out() {
    let quick = Quick::start(pantau::hub::HubLimits::default());
    let url = quick.url();
    let addr = url.trim_start_matches("ws://").to_string();
    quick.runtime.block_on(async {
        use futures::SinkExt;
        // More idle connections from one address than it may hold (256): the idle longest make
        // room, so a seat still gets in.
        let mut idle = Vec::new();
        for _ in 0..300 {
            idle.push(tokio::net::TcpStream::connect(addr.as_str()).await.expect("connect"));
        }
        let seat = Seat::connect(&url, login("sari", PASSWORD, Want::Nothing)).await.expect("a seat gets in");
        seat.logout().await;
        drop(idle);

        // A message over the limit (256 KiB) closes the session (the hub reads no more of it).
        let (mut raw, _) = tokio_tungstenite::connect_async(url.as_str()).await.expect("connect");
        let hello = pantau::hub::protocol::ToHub::Login {
            version: pantau::hub::protocol::VERSION,
            user: "sari".into(),
            password: PASSWORD.into(),
            seat: "hostile".into(),
            want: Want::Nothing,
        };
        raw.send(tokio_tungstenite::tungstenite::Message::text(hello.encode())).await.expect("login");
        use futures::StreamExt;
        let welcome = raw.next().await.expect("an answer").expect("readable");
        assert!(welcome.to_string().contains("welcome"), "logged in first: {welcome}");
        assert_eq!(quick.hub().seats(), 1);
        let huge = format!(
            r#"{{"type":"command","id":1,"command":{{"place":{{"alarm":1,"lon":1,"lat":1}}}},"pad":"{}"}}"#,
            "x".repeat(pantau::hub::protocol::MAX_SEAT_MESSAGE + 1000)
        );
        let _ = raw.send(tokio_tungstenite::tungstenite::Message::text(huge)).await;
        let deadline = Instant::now() + Duration::from_secs(5);
        while quick.hub().seats() > 0 {
            assert!(Instant::now() < deadline, "the oversize seat was not closed");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let metrics = quick.service.as_ref().map(|s| s.ingest.metrics().clone()).expect("metrics");
        assert_eq!(metrics.rejected_count("hub_seat_read_error"), 1, "the oversize message is counted");
    });
}

#[test]
fn a_user_disabled_during_a_session_is_refused_and_closed() {
    let quick = Quick::start(pantau::hub::HubLimits::default());
    let url = quick.url();
    quick.runtime.block_on(async {
        let mut seat = Seat::connect(&url, login("sari", PASSWORD, Want::Nothing)).await.expect("login");
        let refused = seat.command(Act::Acknowledge { alarm: 1 }).await.expect("answer").expect_err("no alarm 1");
        assert_eq!(refused, "no alarm 1", "still sari, an operator");
        pantau::users::change(&quick.users, |users| users.disable("sari")).expect("disable");
        let refused = seat.command(Act::Acknowledge { alarm: 1 }).await.expect("answer").expect_err("refused");
        assert!(refused.contains("disabled since the login"), "{refused}");
        let closing = tokio::time::timeout(Duration::from_secs(5), seat.next()).await.expect("in time").expect("read");
        assert!(
            matches!(closing, Some(FromHub::Closing { reason }) if reason.contains("disabled")),
            "the session ends"
        );
    });
}

/// `pantau desk` refuses a hub that is not a WebSocket address and a real map's layers on the
/// demo city, by name, before opening anything.
#[test]
fn desk_refuses_bad_options_by_name() {
    let cases: [(&[&str], &str); 3] = [
        (&["--hub", "http://127.0.0.1:8090"], "--hub http://127.0.0.1:8090: give the hub as ws://"),
        (&["--hub", "wss://127.0.0.1:8090", "--pin", "abc"], "--pin \"abc\": a SHA-256 fingerprint"),
        (&["--hub", "ws://127.0.0.1:8090", "--zones", "z.geojson"], "apply to a real city"),
    ];
    for (args, said) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_pantau")).arg("desk").args(args).output().expect("pantau runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(said), "{args:?}: {stderr}");
    }
}
