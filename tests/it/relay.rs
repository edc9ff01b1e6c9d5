//! The relay over a real NATS JetStream cluster: Debian's `nats-server`, three nodes on
//! loopback, the stream kept on all three. A primary publishes every batch it journals while
//! one node is killed mid-stream; a read-only follower hub reads the stream: nothing the
//! primary journaled is missing there, its world equals the primary's, its seats log in and
//! see it, and their commands are refused with where to act instead.

use crate::common::demo_city;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pantau::hub::client::{Login, Seat};
use pantau::hub::protocol::Want;
use pantau::ingest::Ack;
use pantau::model::{now_millis, Event, FeedKind, Fix, Role};
use pantau::relay::RelayConfig;
use pantau::service::{DesksConfig, Relay, ServeConfig, Service};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Three nodes routed to each other, JetStream on each, stores and logs under a folder of their
/// own; each can be killed (SIGKILL) and started again on the same ports and store. All are
/// killed when dropped; a failed test prints the end of each node's log.
struct Cluster {
    dir: tempfile::TempDir,
    routes: Vec<u16>,
    clients: Vec<u16>,
    monitors: Vec<u16>,
    nodes: Vec<Option<Child>>,
}

impl Cluster {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("tmp");
        let routes = (0..3).map(|_| free_port()).collect();
        let clients = (0..3).map(|_| free_port()).collect();
        let monitors = (0..3).map(|_| free_port()).collect();
        let mut cluster = Self { dir, routes, clients, monitors, nodes: vec![None, None, None] };
        for i in 0..3 {
            cluster.start_node(i);
        }
        cluster.formed();
        cluster
    }

    /// Waits until the nodes that run have elected a JetStream leader that holds every other
    /// running node as a current replica: only then can a stream be placed on all of them (a
    /// node killed before it joined would leave a cluster that can never place three replicas).
    fn formed(&self) {
        let running: Vec<usize> = (0..3).filter(|i| self.nodes[*i].is_some()).collect();
        let started = Instant::now();
        loop {
            let meta = |i: usize| self.jetstream_info(i).map(|info| info["meta_cluster"].clone());
            let leader = running.iter().find_map(|&i| meta(i)?["leader"].as_str().map(str::to_owned));
            let leader = leader.and_then(|name| running.iter().copied().find(|&i| name == format!("n{i}")));
            let current = leader.and_then(meta).map_or(0, |meta| {
                meta["replicas"].as_array().map_or(0, |r| r.iter().filter(|r| r["current"] == true).count())
            });
            if current + 1 == running.len() {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "the NATS cluster did not form: {}", self.logs());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Node `i`'s JetStream report from its monitoring port, if it answers.
    fn jetstream_info(&self, i: usize) -> Option<serde_json::Value> {
        use std::io::{Read, Write};
        let mut http = std::net::TcpStream::connect(("127.0.0.1", self.monitors[i])).ok()?;
        http.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        http.write_all(b"GET /jsz HTTP/1.0\r\n\r\n").ok()?;
        let mut reply = String::new();
        http.read_to_string(&mut reply).ok()?;
        serde_json::from_str(reply.split_once("\r\n\r\n")?.1).ok()
    }

    /// The last lines of each node's log.
    fn logs(&self) -> String {
        (0..3)
            .map(|i| {
                let log = std::fs::read_to_string(self.dir.path().join(format!("n{i}.log"))).unwrap_or_default();
                let lines: Vec<&str> = log.lines().collect();
                format!("\n--- n{i} ---\n{}", lines[lines.len().saturating_sub(30)..].join("\n"))
            })
            .collect()
    }

    fn start_node(&mut self, i: usize) {
        let others: Vec<String> =
            (0..3).filter(|j| *j != i).map(|j| format!("nats://127.0.0.1:{}", self.routes[j])).collect();
        let child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &self.clients[i].to_string(), "-m", &self.monitors[i].to_string(), "-js"])
            .args(["-sd", &self.dir.path().join(format!("n{i}")).display().to_string()])
            .args(["-l", &self.dir.path().join(format!("n{i}.log")).display().to_string()])
            .args(["--server_name", &format!("n{i}"), "--cluster_name", "pantau"])
            .args(["--cluster", &format!("nats://127.0.0.1:{}", self.routes[i]), "--routes", &others.join(",")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server (Debian's nats-server package) must be installed for the relay tests");
        self.nodes[i] = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.clients[i])).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "nats-server did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The relay on these nodes, in this order.
    fn relay(&self, order: [usize; 3]) -> RelayConfig {
        let servers = order.iter().map(|&i| format!("nats://127.0.0.1:{}", self.clients[i])).collect::<Vec<_>>();
        RelayConfig::parse(&servers.join(","), Some("PANTAU".into()), Some(3)).expect("relay config")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("the NATS nodes' logs:{}", self.logs());
        }
        for i in 0..3 {
            self.kill(i);
        }
    }
}

/// Positions of ten units at round `round`, and every fifth round a panic alarm, all inside
/// the demo city.
fn round(round: u32) -> Vec<Event> {
    let (lon, lat) = pantau::demo::CENTRE;
    let now = now_millis();
    let step = f64::from(round) * 0.0002;
    let fix =
        |dx: f64| Fix { time: now, lon: lon + dx + step, lat: lat + dx, speed: None, heading: None, accuracy: None };
    let mut events: Vec<Event> = (0..10)
        .map(|i| Event::Position {
            device: format!("unit-{i:02}"),
            fix: fix(0.004 * f64::from(i)),
            feed: FeedKind::Simulator,
        })
        .collect();
    if round.is_multiple_of(5) {
        events.push(Event::Alarm {
            device: format!("site-{round:03}"),
            kind: "panic".into(),
            fix: Some(fix(0.001)),
            priority: 1,
            time: now,
            feed: FeedKind::AlarmApi,
            notes: pantau::model::AlarmNotes::default(),
        });
    }
    events
}

const PASSWORD: &str = "sari's own password";

/// Journals the rounds at the primary; returns the last record's sequence number.
fn journal_rounds(runtime: &tokio::runtime::Runtime, primary: &Service, rounds: std::ops::Range<u32>) -> u64 {
    let mut last = 0;
    for n in rounds {
        match runtime.block_on(primary.ingest.send(round(n))) {
            Ack::Done { accepted, first_seq, .. } if accepted > 0 => last = first_seq + accepted as u64 - 1,
            other => panic!("round {n} not journaled: {other:?}"),
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    last
}

/// Waits until the follower's hub has record `last`; checks it went no further and that its
/// world is the primary's; returns that world.
fn caught_up(
    runtime: &tokio::runtime::Runtime,
    follower: &Service,
    primary: &Service,
    last: u64,
) -> pantau::world::World {
    let hub = follower.hub.clone().expect("the follower's hub");
    let started = Instant::now();
    while hub.world().1 < last {
        let at = hub.world().1;
        assert!(started.elapsed() < Duration::from_secs(90), "the follower is at {at} of {last}: records are missing");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (followed, seq) = hub.world();
    let journaled = runtime.block_on(primary.ingest.snapshot()).expect("the primary's world");
    assert_eq!(seq, last, "the follower is where the primary is, no further");
    assert!(followed.same_state(&journaled), "the follower's world is the primary's");
    followed
}

fn users(dir: &Path) -> DesksConfig {
    let users = dir.join("users.toml");
    let mut people = pantau::users::Users::load_or_new(&users).expect("users");
    people.add("sari", Role::Operator, None, PASSWORD).expect("add");
    people.save(&users).expect("save");
    DesksConfig {
        addr: "127.0.0.1:0".parse().expect("addr"),
        tls: None,
        users,
        org: Some(demo_city().org.clone()),
        zones: vec![demo_city().zones.clone()],
        limits: pantau::hub::HubLimits::default(),
    }
}

#[test]
fn a_follower_on_a_three_node_cluster_misses_nothing_when_a_node_dies() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut cluster = Cluster::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    // The primary: its subjects from the demo's organisation tree (it serves seats too).
    let desks = users(dir.path());
    let mut primary = ServeConfig::loopback(dir.path().join("primary"));
    primary.desks = Some(desks.clone());
    primary.relay = Some(Relay::Publish(cluster.relay([0, 1, 2])));
    let primary = runtime.block_on(Service::start(primary)).expect("primary");
    // The follower reads through the other nodes first.
    let mut follower = ServeConfig::loopback(dir.path().join("follower"));
    follower.desks = Some(desks);
    follower.relay = Some(Relay::Follow(cluster.relay([1, 2, 0])));
    let follower = runtime.block_on(Service::start(follower)).expect("follower");
    assert!(follower.bound.osmand.is_none() && follower.bound.http.is_none(), "a follower runs no feeds");
    let published = journal_rounds(&runtime, &primary, 0..40);
    caught_up(&runtime, &follower, &primary, published);
    // A node dies mid-stream, the stream on all three.
    cluster.kill(0);
    let last = journal_rounds(&runtime, &primary, 40..80);
    let followed = caught_up(&runtime, &follower, &primary, last);
    assert!(followed.alarms().len() == 16 && followed.units().len() == 10);
    // A seat at the follower sees that world and cannot act there.
    let url = format!("ws://{}", follower.bound.desks.expect("the follower's seats"));
    runtime.block_on(async {
        let login = Login { user: "sari".into(), password: PASSWORD.into(), seat: "standby".into(), want: Want::World };
        let mut seat = Seat::connect(&url, login).await.expect("a login at the follower");
        assert_eq!(seat.welcome.seq, last);
        let refused = seat.command(pantau::model::Command::Acknowledge { alarm: 1 }).await.expect("an answer");
        let reason = refused.expect_err("a follower takes no commands");
        assert!(reason.contains("follows") && reason.contains("act at the primary"), "{reason}");
        seat.logout().await;
    });
    runtime.block_on(follower.stop()).expect("the follower stops");
    runtime.block_on(primary.stop()).expect("the primary stops");
}

/// The cluster loses its quorum: the primary goes on journaling (devices are never held up by
/// the relay) but cannot publish, and stops so. Started again once the cluster is back, it
/// reads where the stream ends and publishes what its journal holds after it.
#[test]
fn a_primary_stopped_before_publishing_publishes_the_rest_when_it_comes_back() {
    let _ = tracing_subscriber::fmt().with_env_filter("pantau=info").with_test_writer().try_init();
    let dir = tempfile::tempdir().expect("tmp");
    let mut cluster = Cluster::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut primary = ServeConfig::loopback(dir.path().join("primary"));
    primary.relay = Some(Relay::Publish(cluster.relay([0, 1, 2])));
    let mut follower = ServeConfig::loopback(dir.path().join("follower"));
    follower.desks = Some(users(dir.path()));
    follower.relay = Some(Relay::Follow(cluster.relay([0, 1, 2])));
    let first = runtime.block_on(Service::start(primary.clone())).expect("primary");
    let follower = runtime.block_on(Service::start(follower)).expect("follower");
    let published = journal_rounds(&runtime, &first, 0..10);
    caught_up(&runtime, &follower, &first, published);
    cluster.kill(1);
    cluster.kill(2);
    let journaled = journal_rounds(&runtime, &first, 10..20);
    assert!(journaled > published);
    runtime.block_on(first.stop()).expect("the primary stops without its stream");
    cluster.start_node(1);
    cluster.start_node(2);
    cluster.formed();
    let again = runtime.block_on(Service::start(primary)).expect("the primary again");
    let last = journal_rounds(&runtime, &again, 20..25);
    let followed = caught_up(&runtime, &follower, &again, last);
    assert_eq!(followed.alarms().len(), 5, "one alarm every fifth round, none twice");
    runtime.block_on(follower.stop()).expect("the follower stops");
    runtime.block_on(again.stop()).expect("the primary stops");
}

/// A message goes on the subject of the smallest organisation node holding all its records:
/// the path of node ids from Mabes down.
#[test]
fn messages_go_on_the_subject_of_the_smallest_node_holding_them() {
    use geo::InteriorPoint;
    let files = demo_city();
    let org = pantau::org::Org::load(&files.org).expect("org");
    let zones = pantau::layer_files::load_zones(&files.zones).expect("zones");
    let polseks: Vec<_> = org.nodes().iter().filter(|n| n.tier == pantau::org::Tier::Polsek).cloned().collect();
    let point_in = |polsek: &pantau::org::Node| {
        let zone = zones.iter().find(|z| polsek.zones.contains(&z.code)).expect("its zone");
        let point = zone.polygon.interior_point().expect("a point inside");
        let fix = Fix { time: 0, lon: point.x(), lat: point.y(), speed: None, heading: None, accuracy: None };
        Event::Position { device: "u1".into(), fix, feed: FeedKind::Simulator }
    };
    let path = |id: &str| {
        let mut path: Vec<String> = org.path_up(id).iter().map(|n| n.id.clone()).collect();
        path.reverse();
        format!("pantau.{}", path.join("."))
    };
    let (here, there) = (point_in(&polseks[0]), point_in(&polseks[1]));
    let (polsek, polres) = (path(&polseks[0].id), path(polseks[0].parent.as_deref().expect("a polres")));
    let root = path(&org.root().id);
    let subjects = pantau::relay::subjects::Subjects::new(Some((org.clone(), zones.clone())));
    assert_eq!(subjects.of(std::slice::from_ref(&here)), polsek);
    assert_eq!(subjects.of(&[here.clone(), here.clone()]), polsek);
    let both = subjects.of(&[here.clone(), there]);
    assert!(polsek.starts_with(&both) && both.len() < polsek.len(), "two Polseks: a node above both ({both})");
    assert!(polsek.starts_with(&polres));
    let far = Event::Position {
        device: "u1".into(),
        fix: Fix { time: 0, lon: 0.0, lat: 0.0, speed: None, heading: None, accuracy: None },
        feed: FeedKind::Simulator,
    };
    assert_eq!(subjects.of(&[here, far]), root, "a record outside every zone: the root's");
}

/// Bad relay options are refused before anything starts, naming the option and the reason.
#[test]
fn bad_relay_options_are_refused_by_name() {
    let dir = tempfile::tempdir().expect("tmp");
    let journal = dir.path().join("j").display().to_string();
    let cases: [(&[&str], &str); 5] = [
        (&["--nats", "http://127.0.0.1:4222"], "a NATS server is nats://HOST:PORT"),
        (&["--nats", ","], "no NATS server given"),
        (&["--nats", "nats://127.0.0.1:4222", "--nats-replicas", "9"], "9 replicas: JetStream keeps 1 to 5"),
        (&["--follow", "nats://127.0.0.1:4222"], "--follow: a follower serves seats; give --desks"),
        (&["--nats", "nats://127.0.0.1:4222", "--follow", "nats://127.0.0.1:4222"], "--nats and --follow"),
    ];
    for (args, said) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_pantau"))
            .args(["serve", "--insecure", "--journal", &journal])
            .args(args)
            .output()
            .expect("pantau runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(said), "{args:?}: {stderr}");
    }
    let stream = Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["serve", "--insecure", "--journal", &journal, "--nats", "nats://127.0.0.1:4222", "--nats-stream", "a.b"])
        .output()
        .expect("pantau runs");
    assert!(String::from_utf8_lossy(&stream.stderr).contains("stream name \"a.b\""));
}
