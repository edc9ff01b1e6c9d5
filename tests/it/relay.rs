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

/// One node of the cluster; killed (SIGKILL) when dropped.
struct Node {
    child: Child,
    client: u16,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Three nodes routed to each other, JetStream on each, stores under `dir`.
fn cluster(dir: &Path) -> Vec<Node> {
    let routes: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let nodes: Vec<Node> = (0..3)
        .map(|i| {
            let client = free_port();
            let others: Vec<String> =
                (0..3).filter(|j| *j != i).map(|j| format!("nats://127.0.0.1:{}", routes[j])).collect();
            let child = Command::new("nats-server")
                .args(["-a", "127.0.0.1", "-p", &client.to_string(), "-js"])
                .args(["-sd", &dir.join(format!("n{i}")).display().to_string()])
                .args(["--server_name", &format!("n{i}"), "--cluster_name", "pantau"])
                .args(["--cluster", &format!("nats://127.0.0.1:{}", routes[i]), "--routes", &others.join(",")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("nats-server (Debian's nats-server package) must be installed for the relay tests");
            Node { child, client }
        })
        .collect();
    for node in &nodes {
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", node.client)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "nats-server did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    nodes
}

fn relay(nodes: &[&Node]) -> RelayConfig {
    let servers = nodes.iter().map(|n| format!("nats://127.0.0.1:{}", n.client)).collect::<Vec<_>>().join(",");
    RelayConfig::parse(&servers, Some("PANTAU".into()), Some(3)).expect("relay config")
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

#[test]
fn a_follower_on_a_three_node_cluster_misses_nothing_when_a_node_dies() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut nodes = cluster(dir.path());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let files = demo_city();
    // The primary: its subjects from the demo's organisation tree (it serves seats too).
    let users = dir.path().join("users.toml");
    let mut people = pantau::users::Users::load_or_new(&users).expect("users");
    people.add("sari", Role::Operator, None, PASSWORD).expect("add");
    people.save(&users).expect("save");
    let desks = DesksConfig {
        addr: "127.0.0.1:0".parse().expect("addr"),
        tls: None,
        users,
        org: Some(files.org.clone()),
        zones: vec![files.zones.clone()],
        limits: pantau::hub::HubLimits::default(),
    };
    let mut primary = ServeConfig::loopback(dir.path().join("primary"));
    primary.desks = Some(desks.clone());
    primary.relay = Some(Relay::Publish(relay(&[&nodes[0], &nodes[1], &nodes[2]])));
    let primary = runtime.block_on(Service::start(primary)).expect("primary");
    // The follower reads through the other nodes first.
    let mut follower = ServeConfig::loopback(dir.path().join("follower"));
    follower.desks = Some(desks);
    follower.relay = Some(Relay::Follow(relay(&[&nodes[1], &nodes[2], &nodes[0]])));
    let follower = runtime.block_on(Service::start(follower)).expect("follower");
    assert!(follower.bound.osmand.is_none() && follower.bound.http.is_none(), "a follower runs no feeds");
    let mut last = 0;
    for n in 0..80 {
        if n == 40 {
            // The node the primary reaches first dies mid-stream.
            drop(nodes.remove(0));
        }
        match runtime.block_on(primary.ingest.send(round(n))) {
            Ack::Done { accepted, first_seq, .. } if accepted > 0 => last = first_seq + accepted as u64 - 1,
            other => panic!("round {n} not journaled: {other:?}"),
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let hub = follower.hub.clone().expect("the follower's hub");
    let started = Instant::now();
    while hub.world().1 < last {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the follower is at {} of {last} (nothing acknowledged may be missing)",
            hub.world().1
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (followed, seq) = hub.world();
    let journaled = runtime.block_on(primary.ingest.snapshot()).expect("the primary's world");
    assert_eq!(seq, last, "the follower is where the primary is, no further");
    assert!(followed.same_state(&journaled), "the follower's world is the primary's");
    assert!(followed.alarms().len() >= 16 && followed.units().len() == 10);
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

/// Each record goes on the subject of the deepest organisation node whose zones hold it: the
/// path of node ids from Mabes down.
#[test]
fn records_go_on_their_nodes_subjects() {
    use geo::InteriorPoint;
    let files = demo_city();
    let org = pantau::org::Org::load(&files.org).expect("org");
    let zones = pantau::layer_files::load_zones(&files.zones).expect("zones");
    let polsek = org.nodes().iter().find(|n| n.tier == pantau::org::Tier::Polsek).expect("a polsek").clone();
    let zone = zones.iter().find(|z| polsek.zones.contains(&z.code)).expect("its zone").clone();
    let point = zone.polygon.interior_point().expect("a point inside");
    let mut path: Vec<String> = org.path_up(&polsek.id).iter().map(|n| n.id.clone()).collect();
    path.reverse();
    let subjects = pantau::relay::subjects::Subjects::new(Some((org, zones)));
    let fix = Fix { time: 0, lon: point.x(), lat: point.y(), speed: None, heading: None, accuracy: None };
    let at = Event::Position { device: "u1".into(), fix, feed: FeedKind::Simulator };
    assert_eq!(subjects.of(&at), format!("pantau.{}", path.join(".")));
    let far =
        Event::Position { device: "u1".into(), fix: Fix { lon: 0.0, lat: 0.0, ..fix }, feed: FeedKind::Simulator };
    assert_eq!(subjects.of(&far), format!("pantau.{}", path[0]), "outside every zone: the root's");
}
