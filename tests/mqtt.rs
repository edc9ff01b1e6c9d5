//! The MQTT feed against a real Mosquitto broker on 127.0.0.1 (installed by `.ci/run`; this
//! test starts its own broker process on a free port): OwnTracks positions and pantau alarms
//! published at QoS 1 reach the world and the journal; garbage is counted, not fatal.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pantau::feeds::serve::{serve, ServeConfig};
use pantau::journal::{self, FsyncPolicy};
use pantau::model::PositionSource;
use rumqttc::{AsyncClient, MqttOptions, QoS};

struct Broker(Child);

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_broker(dir: &std::path::Path) -> (Broker, u16) {
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let conf = dir.join("mosquitto.conf");
    std::fs::write(&conf, format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"))
        .expect("conf");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owntracks_positions_and_alarms_arrive_over_mqtt() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_broker, port) = start_broker(dir.path());
    let journal_dir = dir.path().join("journal");
    let config = ServeConfig {
        journal: journal_dir.clone(),
        osmand: None,
        http: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        nmea: None,
        mqtt: Some(format!("mqtt://127.0.0.1:{port}")),
        tokens: None,
        insecure: true,
        fsync: FsyncPolicy::PerBatch,
        speed_unit: Default::default(),
        queue_capacity: 10_000,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let service = tokio::spawn(async move {
        let mut ready = Some(ready_tx);
        serve(config, async { stopped.await.unwrap_or(()) }, move |r| {
            if let Some(tx) = ready.take() {
                let _ = tx.send(r.ingest.clone());
            }
        })
        .await
    });
    let ingest = ready_rx.await.expect("ready");
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
    client
        .publish("pantau/alarms/bank-1", QoS::AtLeastOnce, false, r#"{"device":"unit-017","kind":"sos"}"#)
        .await
        .expect("publish");
    client.publish("owntracks/x/y", QoS::AtLeastOnce, false, "not json").await.expect("publish");

    let deadline = Instant::now() + Duration::from_secs(10);
    let world = loop {
        let w = ingest.snapshot().await.expect("snapshot");
        if !w.alarms().is_empty()
            && w.unit("unit-017").and_then(|u| u.last_fix).is_some_and(|f| f.time == (t + 2) * 1000)
        {
            break w;
        }
        assert!(Instant::now() < deadline, "MQTT messages did not arrive: {} alarms", w.alarms().len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let fix = world.unit("unit-017").and_then(|u| u.last_fix).expect("fix");
    assert!((fix.speed.unwrap_or(0.0) - 10.0).abs() < 1e-3, "36 km/h");
    let alarm = &world.alarms()[0];
    assert_eq!((alarm.kind.as_str(), alarm.position_source), ("sos", PositionSource::LastKnown));
    assert_eq!(ingest.metrics().rejected_count("malformed_mqtt"), 1);

    let _ = stop.send(());
    service.await.expect("join").expect("clean stop");
    assert!(journal::replay(&journal_dir).expect("replay").same_state(&world));
}
