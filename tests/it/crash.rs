//! Crash safety: `pantau serve` is killed with SIGKILL in the middle of ingest, restarted on
//! the same journal, and every alarm and 110 call it acknowledged before dying is in the
//! journal, whose chain verifies, and in the world it rebuilds; so is every incident a seat
//! opened and was answered for. The restarted service also shuts down cleanly on SIGTERM, leaving a
//! snapshot that matches the journal. A full disk (a file-size limit on the process, raised
//! again while it runs) refuses alarms while it lasts and leaves a journal that verifies.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pantau::journal;
use pantau::model::Event;

/// Starts `pantau serve` on free ports; returns the child and its (osmand, http) addresses.
fn start(journal: &std::path::Path) -> (Child, String, String) {
    start_with(Command::new(env!("CARGO_BIN_EXE_pantau")), journal)
}

/// Starts `pantau serve` through `command` (the binary, or a wrapper that runs it).
fn start_with(command: Command, journal: &std::path::Path) -> (Child, String, String) {
    let (child, line) = spawn(command, journal, &[]);
    (child, address(&line, "osmand"), address(&line, "http"))
}

/// Starts `pantau serve` on free ports with `more` arguments; the child and its ready line.
fn spawn(mut command: Command, journal: &std::path::Path, more: &[&str]) -> (Child, String) {
    let mut child = command
        .args(["serve", "--insecure", "--osmand", "127.0.0.1:0", "--http", "127.0.0.1:0", "--journal"])
        .arg(journal)
        .args(more)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("ready line");
    (child, line)
}

/// A listener's address in serve's ready line
/// ("pantau serve: osmand 127.0.0.1:PORT, http 127.0.0.1:PORT, nmea off, desks off").
fn address(line: &str, name: &str) -> String {
    line.split(&format!("{name} "))
        .nth(1)
        .and_then(|r| r.split([',', '\n']).next())
        .expect("address")
        .trim()
        .to_string()
}

#[test]
fn every_acknowledged_alarm_survives_sigkill() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut child, osmand, http) = start(dir.path());
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let acked_calls = Arc::new(Mutex::new(HashSet::new()));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let deadline = Instant::now() + Duration::from_millis(1500);
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut tasks = Vec::new();
        for worker in 0..4 {
            let (client, acked, osmand, http) = (client.clone(), acked.clone(), osmand.clone(), http.clone());
            let acked_calls = acked_calls.clone();
            tasks.push(tokio::spawn(async move {
                let mut i = 0u64;
                while Instant::now() < deadline {
                    i += 1;
                    let device = format!("w{worker}-alarm-{i}");
                    let body = format!(r#"{{"device":"{device}","lat":-6.2,"lon":106.8}}"#);
                    if let Ok(r) = client.post(format!("http://{http}/alarms")).body(body).send().await {
                        if r.status() == 200 {
                            acked.lock().expect("lock").insert(device);
                        }
                    }
                    let key = format!("w{worker}-call-{i}");
                    let call = format!(r#"{{"call":"{key}","event":"ringing","number":"+62811{worker}{i:06}"}}"#);
                    if let Ok(r) = client.post(format!("http://{http}/calls")).body(call).send().await {
                        if r.status() == 200 {
                            acked_calls.lock().expect("lock").insert(key);
                        }
                    }
                    let t = pantau::model::now_millis() / 1000;
                    let _ = client
                        .get(format!(
                            "http://{osmand}/?id=w{worker}-unit&lat=-6.2&lon=106.8&timestamp={}",
                            t + i as i64
                        ))
                        .send()
                        .await;
                }
            }));
        }
        // Kill in the middle of the load.
        tokio::time::sleep(Duration::from_millis(800)).await;
        child.kill().expect("SIGKILL");
        for t in tasks {
            let _ = t.await;
        }
    });
    let _ = child.wait();
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() > 20, "only {} alarms were acknowledged before the kill", acked.len());

    // Restart on the same journal: it recovers, serves, and stops cleanly on SIGTERM, leaving
    // a snapshot of its world for the next start (checked by verify against a full replay).
    let (mut again, osmand, _) = start(dir.path());
    let t = pantau::model::now_millis() / 1000;
    let sent = runtime.block_on(async {
        reqwest::get(format!("http://{osmand}/?id=after-restart&lat=-6.2&lon=106.8&timestamp={t}")).await
    });
    assert!(sent.is_ok_and(|r| r.status() == 200), "the restarted service takes reports");
    let status = Command::new("kill").args(["-TERM", &again.id().to_string()]).status().expect("kill -TERM");
    assert!(status.success());
    let exit = again.wait().expect("wait");
    assert!(exit.success(), "clean exit on SIGTERM, got {exit:?}");

    let report = journal::verify(dir.path()).expect("verify");
    assert!(report.ok, "chain broken after a crash: {:?}", report.problems);
    assert_eq!(report.snapshots, 1, "a clean stop leaves a snapshot");
    let journaled = journaled_alarms(dir.path());
    let lost: Vec<&String> = acked.difference(&journaled).collect();
    assert!(lost.is_empty(), "{} acknowledged alarms lost: {:?}", lost.len(), lost.iter().take(5).collect::<Vec<_>>());
    let acked_calls = acked_calls.lock().expect("lock").clone();
    assert!(acked_calls.len() > 20, "only {} calls were acknowledged before the kill", acked_calls.len());
    let world = journal::replay(dir.path()).expect("replay");
    let kept: HashSet<String> = world.calls().iter().map(|c| c.key.clone()).collect();
    let lost: Vec<&String> = acked_calls.difference(&kept).collect();
    assert!(lost.is_empty(), "{} acknowledged calls lost: {:?}", lost.len(), lost.iter().take(5).collect::<Vec<_>>());
}

#[test]
fn every_incident_a_seat_was_answered_for_survives_sigkill() {
    use pantau::hub::client::{Login, Seat};
    use pantau::hub::protocol::Want;
    use pantau::model::incidents::IncidentKind;
    use pantau::model::{Command as Act, Role};

    const PASSWORD: &str = "the night shift's password";
    let dir = tempfile::tempdir().expect("tmp");
    let (journal, users) = (dir.path().join("journal"), dir.path().join("users.toml"));
    let mut people = pantau::users::Users::load_or_new(&users).expect("users");
    people.add("sari", Role::Operator, None, PASSWORD).expect("add");
    people.save(&users).expect("save");
    let binary = Command::new(env!("CARGO_BIN_EXE_pantau"));
    let users_arg = users.to_str().expect("utf-8");
    let (mut child, line) = spawn(binary, &journal, &["--desks", "127.0.0.1:0", "--users", users_arg]);
    let (http, desks) = (address(&line, "http"), address(&line, "desks"));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let opened = Arc::new(Mutex::new(Vec::new()));
    runtime.block_on(async {
        let login =
            Login { user: "sari".into(), password: PASSWORD.into(), seat: "sari-desk".into(), want: Want::Nothing };
        let mut seat = Seat::connect(&format!("ws://{desks}"), login).await.expect("a login");
        let client = reqwest::Client::new();
        let opened = opened.clone();
        // Call after call answered and opened as an incident, until the kill cuts it short.
        let work = tokio::spawn(async move {
            for call in 1..=10_000_u64 {
                let body = format!(r#"{{"call":"k-{call}","event":"ringing","number":"+6281300{call:05}"}}"#);
                let posted = client.post(format!("http://{http}/calls")).body(body).send().await;
                if !posted.is_ok_and(|r| r.status() == 200) {
                    return;
                }
                if !matches!(seat.command(Act::Answer { call }).await, Ok(Ok(_))) {
                    return;
                }
                let open = Act::OpenIncident {
                    call,
                    kind: IncidentKind::Theft,
                    priority: None,
                    at: Some((106.8, -6.2)),
                    address: "Jl. Sabang".into(),
                    note: format!("report {call}"),
                };
                match seat.command(open).await {
                    Ok(Ok(_)) => opened.lock().expect("lock").push(call),
                    _ => return,
                }
            }
        });
        tokio::time::sleep(Duration::from_millis(1500)).await;
        child.kill().expect("SIGKILL");
        let _ = work.await;
    });
    let _ = child.wait();
    let opened = opened.lock().expect("lock").clone();
    assert!(opened.len() >= 5, "only {} incidents were opened before the kill", opened.len());

    let report = journal::verify(&journal).expect("verify");
    assert!(report.ok, "chain broken after a crash: {:?}", report.problems);
    let world = journal::replay(&journal).expect("replay");
    for call in &opened {
        let incident = world.incidents().iter().find(|i| i.calls.contains(call));
        assert!(
            incident.is_some_and(|i| i.narrative.first().is_some_and(|n| n.text == format!("report {call}"))),
            "the incident opened from call {call} was acknowledged and is lost"
        );
    }
}

/// Alarms journaled in `dir`, by device.
fn journaled_alarms(dir: &std::path::Path) -> HashSet<String> {
    journal::JournalRecords::open(dir)
        .expect("read")
        .filter_map(|r| match r.expect("journal record").event {
            Event::Alarm { device, .. } => Some(device),
            _ => None,
        })
        .collect()
}

/// Posts one alarm; its HTTP status (0 when unanswered).
async fn post_alarm(client: &reqwest::Client, http: &str, device: &str) -> u16 {
    let body = format!(r#"{{"device":"{device}","lat":-6.2,"lon":106.8}}"#);
    client.post(format!("http://{http}/alarms")).body(body).send().await.map_or(0, |r| r.status().as_u16())
}

#[test]
fn a_full_disk_refuses_alarms_then_writing_resumes_and_the_journal_verifies() {
    let dir = tempfile::tempdir().expect("tmp");
    // The file-size limit stands in for a full disk: a write past it fails (EFBIG) part-way,
    // as a write into a full file system does (ENOSPC). SIGXFSZ is ignored so the write fails
    // instead of killing the process.
    let mut wrapper = Command::new("sh");
    wrapper.args([
        "-c",
        r#"trap '' XFSZ; exec prlimit --fsize=20000:unlimited -- "$@""#,
        "sh",
        env!("CARGO_BIN_EXE_pantau"),
    ]);
    let (mut child, _, http) = start_with(wrapper, dir.path());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let client = reqwest::Client::new();
    let mut acked = HashSet::new();
    let mut refused = 0;
    runtime.block_on(async {
        for i in 0..2000 {
            let device = format!("before-{i}");
            match post_alarm(&client, &http, &device).await {
                200 => drop(acked.insert(device)),
                _ => refused += 1,
            }
            if refused >= 20 {
                break;
            }
        }
    });
    assert!(acked.len() > 50 && refused >= 20, "{} acknowledged, {refused} refused", acked.len());

    // Space comes back (the soft limit is lifted to the hard one, which needs no privilege):
    // the service goes on by itself.
    let raised = Command::new("prlimit")
        .args(["--pid", &child.id().to_string(), "--fsize=unlimited:unlimited"])
        .status()
        .expect("prlimit");
    assert!(raised.success());
    let after: Vec<String> = (0..50).map(|i| format!("after-{i}")).collect();
    runtime.block_on(async {
        for device in &after {
            assert_eq!(post_alarm(&client, &http, device).await, 200, "{device} after space returned");
            acked.insert(device.clone());
        }
    });
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill -TERM");
    assert!(status.success());
    assert!(child.wait().expect("wait").success(), "clean exit on SIGTERM");

    let report = journal::verify(dir.path()).expect("verify");
    assert!(report.ok, "the journal does not verify after a full disk: {:?}", report.problems);
    let journaled = journaled_alarms(dir.path());
    let lost: Vec<&String> = acked.difference(&journaled).collect();
    assert!(lost.is_empty(), "{} acknowledged alarms lost: {:?}", lost.len(), lost.iter().take(5).collect::<Vec<_>>());
}
