//! The MQTT feed against a real Mosquitto broker on 127.0.0.1 (installed by `.ci/run`; each
//! test starts its own broker process on a free port): OwnTracks positions and pantau alarms
//! published at QoS 1 reach the world and the journal; garbage, oversize messages and alarms
//! naming another device than their topic are counted, not fatal; an alarm published while
//! pantau is down arrives once it is back (a persistent session under a stable client id); with
//! a broker that requires logins, its ACL decides which device may publish on which topic.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pantau::ingest::IngestHandle;
use pantau::journal;
use pantau::model::PositionSource;
use pantau::service::{ServeConfig, Service};
use pantau::world::World;
use rumqttc::{AsyncClient, MqttOptions, QoS};

struct Broker(Child);

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_broker(dir: &std::path::Path) -> (Broker, u16) {
    start_broker_with(dir, "allow_anonymous true\n")
}

/// A broker with `settings` added to its configuration.
fn start_broker_with(dir: &std::path::Path, settings: &str) -> (Broker, u16) {
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let conf = dir.join("mosquitto.conf");
    std::fs::write(&conf, format!("listener {port} 127.0.0.1\npersistence false\n{settings}")).expect("conf");
    let binary = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("mosquitto");
    let child = Command::new(binary)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto is installed (apt-get install mosquitto; .ci/run does)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "mosquitto did not start on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    (Broker(child), port)
}

async fn wait_for(ingest: &IngestHandle, done: impl Fn(&World) -> bool) -> World {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let w = ingest.snapshot().await.expect("snapshot");
        if done(&w) {
            return w;
        }
        assert!(Instant::now() < deadline, "MQTT messages did not arrive in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owntracks_positions_and_alarms_arrive_over_mqtt() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_broker, port) = start_broker(dir.path());
    let journal_dir = dir.path().join("journal");
    let config = ServeConfig {
        osmand: None,
        mqtt: Some(format!("mqtt://127.0.0.1:{port}").into()),
        ..ServeConfig::loopback(&journal_dir)
    };
    let service = Service::start(config).await.expect("service starts");
    let ingest = service.ingest.clone();
    // Give the feed a moment to connect and subscribe before publishing.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let (client, mut events) = AsyncClient::new(MqttOptions::new("field-gateway", "127.0.0.1", port), 64);
    tokio::spawn(async move { while events.poll().await.is_ok() {} });
    let t = pantau::model::now_millis() / 1000;
    for i in 0..3 {
        let payload = format!(
            r#"{{"_type":"location","tid":"17","lat":{},"lon":106.8272,"tst":{},"acc":8,"vel":36,"cog":180}}"#,
            -6.1754 - i as f64 * 0.0005,
            t + i
        );
        client.publish("owntracks/polres-jakpus/unit-017", QoS::AtLeastOnce, false, payload).await.expect("publish");
    }
    // Positions are applied in the order they were published (none refused as out of order).
    let arrived = |w: &World| w.unit("unit-017").and_then(|u| u.last_fix).is_some_and(|f| f.time == (t + 2) * 1000);
    wait_for(&ingest, arrived).await;
    // Then an SOS without a fix: it takes the unit's last known position.
    let sos = r#"{"device":"unit-017","kind":"sos"}"#;
    client.publish("pantau/alarms/bank-1", QoS::AtLeastOnce, false, sos).await.expect("publish");
    client.publish("pantau/alarms/unit-017", QoS::AtLeastOnce, false, sos).await.expect("publish");
    client.publish("owntracks/x/y", QoS::AtLeastOnce, false, "not json").await.expect("publish");
    let world = wait_for(&ingest, |w| !w.alarms().is_empty()).await;
    assert_eq!(ingest.metrics().rejected_count("out_of_order"), 0);
    let fix = world.unit("unit-017").and_then(|u| u.last_fix).expect("fix");
    assert!((fix.speed.unwrap_or(0.0) - 10.0).abs() < 1e-3, "36 km/h");
    let alarm = &world.alarms()[0];
    assert_eq!((alarm.kind.as_str(), alarm.position_source), ("sos", PositionSource::LastKnown));
    assert_eq!(ingest.metrics().rejected_count("malformed_mqtt"), 1);
    assert_eq!(
        ingest.metrics().rejected_count("mqtt_device_mismatch"),
        1,
        "bank-1's topic cannot carry unit-017's alarm"
    );
    assert_eq!(world.alarms().len(), 1);

    service.stop().await.expect("clean stop");
    assert!(journal::replay(&journal_dir).expect("replay").same_state(&world));
}

async fn publisher(port: u16, id: &str) -> AsyncClient {
    let mut options = MqttOptions::new(id, "127.0.0.1", port);
    options.set_max_packet_size(1 << 20, 1 << 20);
    let (client, mut events) = AsyncClient::new(options, 64);
    tokio::spawn(async move { while events.poll().await.is_ok() {} });
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_message_is_skipped_and_the_next_alarm_arrives() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_broker, port) = start_broker(dir.path());
    let config = ServeConfig {
        osmand: None,
        mqtt: Some(format!("mqtt://127.0.0.1:{port}").into()),
        mqtt_max_payload: 4096,
        ..ServeConfig::loopback(dir.path().join("journal"))
    };
    let service = Service::start(config).await.expect("service starts");
    let ingest = service.ingest.clone();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let client = publisher(port, "bank-gateway").await;
    // 11 KB: over this service's 4 KiB limit and over the MQTT client's 10 KB default.
    let big = format!(r#"{{"device":"bank-1","kind":"{}"}}"#, "x".repeat(11 * 1024));
    client.publish("pantau/alarms/bank-1", QoS::AtLeastOnce, false, big).await.expect("publish");
    let alarm = r#"{"device":"bank-2","kind":"panic"}"#;
    client.publish("pantau/alarms/bank-2", QoS::AtLeastOnce, false, alarm).await.expect("publish");
    let world = wait_for(&ingest, |w| !w.alarms().is_empty()).await;
    assert_eq!(world.alarms()[0].source, "bank-2");
    assert_eq!(ingest.metrics().rejected_count("mqtt_oversize"), 1);
    service.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alarm_published_while_pantau_is_down_arrives_after_it_restarts() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_broker, port) = start_broker(dir.path());
    let journal_dir = dir.path().join("journal");
    let config = ServeConfig {
        osmand: None,
        mqtt: Some(format!("mqtt://127.0.0.1:{port}").into()),
        ..ServeConfig::loopback(&journal_dir)
    };
    // The first start makes the broker keep a session (and its subscriptions) for pantau.
    let service = Service::start(config.clone()).await.expect("service starts");
    tokio::time::sleep(Duration::from_millis(500)).await;
    service.stop().await.expect("clean stop");

    let client = publisher(port, "bank-gateway").await;
    let alarm = r#"{"device":"bank-3","kind":"panic"}"#;
    client.publish("pantau/alarms/bank-3", QoS::AtLeastOnce, false, alarm).await.expect("publish");
    tokio::time::sleep(Duration::from_millis(300)).await;

    let service = Service::start(config).await.expect("service restarts");
    let world = wait_for(&service.ingest, |w| !w.alarms().is_empty()).await;
    assert_eq!(world.alarms()[0].source, "bank-3");
    service.stop().await.expect("clean stop");
}

/// Adds a login to a Mosquitto password file (made by the broker's own `mosquitto_passwd`).
fn add_login(file: &std::path::Path, user: &str, password: &str) {
    let binary = ["/usr/bin/mosquitto_passwd", "/usr/sbin/mosquitto_passwd"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("mosquitto_passwd");
    let mut command = Command::new(binary);
    if !file.exists() {
        command.arg("-c");
    }
    let status = command.arg("-b").arg(file).arg(user).arg(password).status().expect("mosquitto_passwd runs");
    assert!(status.success(), "mosquitto_passwd {user}");
}

async fn login(port: u16, user: &str, password: &str) -> AsyncClient {
    let mut options = MqttOptions::new(user, "127.0.0.1", port);
    options.set_credentials(user, password);
    let (client, mut events) = AsyncClient::new(options, 64);
    tokio::spawn(async move { while events.poll().await.is_ok() {} });
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_brokers_acl_decides_which_device_may_raise_which_alarm() {
    let dir = tempfile::tempdir().expect("tmp");
    let passwords = dir.path().join("passwords");
    add_login(&passwords, "pantau", "desk-secret");
    add_login(&passwords, "bank-1", "bank-1-secret");
    let acl = dir.path().join("acl");
    std::fs::write(
        &acl,
        "user pantau\ntopic read owntracks/#\ntopic read pantau/alarms/#\n\n\
         user bank-1\ntopic write pantau/alarms/bank-1\n",
    )
    .expect("acl");
    let settings =
        format!("allow_anonymous false\npassword_file {}\nacl_file {}\n", passwords.display(), acl.display());
    let (_broker, port) = start_broker_with(dir.path(), &settings);
    let config = ServeConfig {
        osmand: None,
        mqtt: Some(format!("mqtt://pantau:desk-secret@127.0.0.1:{port}").into()),
        ..ServeConfig::loopback(dir.path().join("journal"))
    };
    let service = Service::start(config).await.expect("service starts");
    let ingest = service.ingest.clone();
    tokio::time::sleep(Duration::from_millis(500)).await;

    // bank-1 may raise its own alarm only; an anonymous client and a wrong password get nothing in.
    let bank = login(port, "bank-1", "bank-1-secret").await;
    let forged = r#"{"device":"bank-2","kind":"panic"}"#;
    bank.publish("pantau/alarms/bank-2", QoS::AtLeastOnce, false, forged).await.expect("publish");
    let anonymous = publisher(port, "anonymous").await;
    // Both are refused at login, so their client may already be gone: the publish is tried,
    // whatever it returns.
    let _ = anonymous.publish("pantau/alarms/bank-3", QoS::AtLeastOnce, false, r#"{"device":"bank-3"}"#).await;
    let guessing = login(port, "bank-1", "wrong").await;
    let _ =
        guessing.publish("pantau/alarms/bank-1", QoS::AtLeastOnce, false, r#"{"device":"bank-1","kind":"x"}"#).await;
    let own = r#"{"device":"bank-1","kind":"panic"}"#;
    bank.publish("pantau/alarms/bank-1", QoS::AtLeastOnce, false, own).await.expect("publish");

    let world = wait_for(&ingest, |w| !w.alarms().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let world = ingest
        .snapshot()
        .await
        .map(|later| if later.alarms().len() > world.alarms().len() { later } else { world })
        .expect("snapshot");
    let raised: Vec<(&str, &str)> = world.alarms().iter().map(|a| (a.source.as_str(), a.kind.as_str())).collect();
    assert_eq!(raised, [("bank-1", "panic")], "only bank-1's own alarm passes the broker");
    // The forged alarm never reached pantau: the broker dropped it, so pantau counted nothing.
    assert_eq!(ingest.metrics().rejected_count("mqtt_device_mismatch"), 0);
    service.stop().await.expect("clean stop");
}
