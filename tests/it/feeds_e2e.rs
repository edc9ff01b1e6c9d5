//! Every feed end to end over loopback against an in-process `serve`: OsmAnd (query, form and
//! JSON), Traccar forwarding, panic alarms, NMEA over TCP. Tokens, malformed and oversize
//! requests, metrics, and at the end: the journal replays to exactly the live world.

use std::net::SocketAddr;
use std::time::Duration;

use pantau::journal;
use pantau::model::{AlarmState, PositionSource};
use pantau::service::{ServeConfig, Service};
use tokio::io::AsyncWriteExt;

async fn start(journal: &std::path::Path, tokens: Option<&std::path::Path>) -> Service {
    let config = ServeConfig {
        nmea: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        tokens: tokens.map(|p| p.to_path_buf()),
        insecure: tokens.is_none(),
        queue_capacity: 10_000,
        ..ServeConfig::loopback(journal)
    };
    Service::start(config).await.expect("service starts")
}

fn url(addr: Option<SocketAddr>, path: &str) -> String {
    format!("http://{}{path}", addr.expect("listening"))
}

fn now_s() -> i64 {
    pantau::model::now_millis() / 1000
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_feed_lands_in_the_world_and_the_journal() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = start(dir.path(), None).await;
    let http = reqwest::Client::new();
    let t = now_s();

    // OsmAnd: query string (GET and POST), form body, JSON body, and an SOS without a fix.
    let get = http
        .get(url(s.bound.osmand, &format!("/?id=pjr-01&lat=-6.1754&lon=106.8272&timestamp={t}&speed=20&bearing=90")))
        .send()
        .await
        .expect("get");
    assert_eq!(get.status(), 200);
    let post = http
        .post(url(s.bound.osmand, &format!("/?id=pjr-02&lat=-6.20&lon=106.85&timestamp={t}")))
        .send()
        .await
        .expect("post");
    assert_eq!(post.status(), 200);
    let form = http
        .post(url(s.bound.osmand, "/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("id=pjr-03&lat=-6.21&lon=106.86&timestamp={t}"))
        .send()
        .await
        .expect("form");
    assert_eq!(form.status(), 200);
    let iso = chrono_like(t);
    let json = http
        .post(url(s.bound.osmand, "/"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"device_id":"pjr-04","location":{{"timestamp":"{iso}","coords":{{"latitude":-6.22,"longitude":106.87,"speed":5,"heading":10,"accuracy":4,"altitude":3}}}}}}"#))
        .send()
        .await
        .expect("json");
    assert_eq!(json.status(), 200);
    let sos =
        http.get(url(s.bound.osmand, &format!("/?id=pjr-01&alarm=sos&timestamp={}", t + 1))).send().await.expect("sos");
    assert_eq!(sos.status(), 200);

    // Traccar position forward and panic-button alarm.
    let traccar = format!(
        r#"{{"position":{{"fixTime":"{iso}","valid":true,"latitude":-6.23,"longitude":106.88,"speed":0,"course":0,"attributes":{{}}}},"device":{{"uniqueId":"traccar-9"}}}}"#
    );
    assert_eq!(http.post(url(s.bound.http, "/traccar")).body(traccar).send().await.expect("traccar").status(), 200);
    let panic = r#"{"device":"bank-017","lat":-6.19,"lon":106.82,"kind":"panic","priority":1}"#;
    assert_eq!(http.post(url(s.bound.http, "/alarms")).body(panic).send().await.expect("alarm").status(), 200);

    // NMEA over TCP.
    let mut tcp = tokio::net::TcpStream::connect(s.bound.nmea.expect("nmea")).await.expect("connect");
    tcp.write_all(b"LOGIN boat-1\r\n$GNRMC,080634.44,A,0606.88858,S,10641.02209,E,36.29,63.0,210721,,,A*66\r\n")
        .await
        .expect("send");
    let now = chrono_rmc();
    tcp.write_all(now.as_bytes()).await.expect("send");
    tcp.shutdown().await.expect("close");

    // Bad requests: reasons, not crashes.
    let bad = http.get(url(s.bound.osmand, "/?lat=1&lon=2")).send().await.expect("bad");
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap_or_default().contains("missing id"));
    let far = http.get(url(s.bound.osmand, &format!("/?id=x&lat=95&lon=2&timestamp={t}"))).send().await.expect("far");
    assert_eq!(far.status(), 400);
    let dup = http
        .get(url(s.bound.osmand, &format!("/?id=pjr-01&lat=-6.1754&lon=106.8272&timestamp={t}")))
        .send()
        .await
        .expect("dup");
    assert_eq!(dup.status(), 200, "a duplicate is counted, not an error for the client");
    let huge = http.post(url(s.bound.http, "/alarms")).body(vec![b' '; 200_000]).send().await.expect("huge");
    assert_eq!(huge.status(), 413);
    assert_eq!(http.post(url(s.bound.http, "/alarms")).body("{").send().await.expect("x").status(), 400);

    // Wait for the detached NMEA fix, then look at the world.
    let mut world = None;
    for _ in 0..50 {
        let w = s.ingest.snapshot().await.expect("snapshot");
        if w.unit("boat-1").and_then(|u| u.last_fix).is_some() {
            world = Some(w);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let world = world.expect("the NMEA fix arrives");
    for id in ["pjr-01", "pjr-02", "pjr-03", "pjr-04", "traccar-9", "boat-1"] {
        assert!(world.unit(id).and_then(|u| u.last_fix).is_some(), "{id} has a position");
    }
    let f = world.unit("pjr-01").and_then(|u| u.last_fix).expect("fix");
    assert!((f.speed.unwrap_or(0.0) - 10.288_88).abs() < 1e-3, "20 knots in m/s");
    assert_eq!(world.alarms().len(), 2);
    let sos = &world.alarms()[0];
    assert_eq!(
        (sos.source.as_str(), sos.position_source, sos.state),
        ("pjr-01", PositionSource::LastKnown, AlarmState::Raised)
    );
    assert_eq!(sos.lat, Some(-6.1754));

    let metrics = http.get(url(s.bound.http, "/metrics")).send().await.expect("metrics").text().await.expect("text");
    for line in [
        "pantau_events_accepted_total{kind=\"alarm\"} 2",
        "pantau_events_rejected_total{reason=\"bad_coordinates\"} 1",
        "pantau_events_rejected_total{reason=\"duplicate\"} 1",
        "pantau_events_rejected_total{reason=\"malformed_osmand\"} 1",
        "pantau_events_rejected_total{reason=\"malformed_alarm\"} 1",
        "pantau_feed_messages_total{feed=\"nmea\"} 2",
    ] {
        assert!(metrics.contains(line), "metrics lack {line}:\n{metrics}");
    }

    s.stop().await.expect("clean shutdown");
    let replayed = journal::replay(dir.path()).expect("replay");
    assert!(replayed.same_state(&world), "the journal replays to the live world");
    assert!(journal::verify(dir.path()).expect("verify").ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_required_unless_insecure() {
    let dir = tempfile::tempdir().expect("tmp");
    let tokens = dir.path().join("tokens.txt");
    std::fs::write(&tokens, "pjr-01 s3cret\nbank-017 p4nic\n").expect("tokens");
    let s = start(&dir.path().join("journal"), Some(&tokens)).await;
    let http = reqwest::Client::new();
    let t = now_s();
    let q = |token: &str| url(s.bound.osmand, &format!("/?id=pjr-01&lat=-6.2&lon=106.8&timestamp={t}{token}"));
    assert_eq!(http.get(q("")).send().await.expect("none").status(), 401);
    assert_eq!(http.get(q("&token=wrong")).send().await.expect("wrong").status(), 401);
    assert_eq!(http.get(q("&token=s3cret")).send().await.expect("right").status(), 200);
    let alarm = r#"{"device":"bank-017"}"#;
    assert_eq!(http.post(url(s.bound.http, "/alarms")).body(alarm).send().await.expect("a").status(), 401);
    let bearer = http.post(url(s.bound.http, "/alarms")).bearer_auth("p4nic").body(alarm).send().await.expect("b");
    assert_eq!(bearer.status(), 200);
    s.stop().await.expect("clean shutdown");
}

/// The telephony endpoints are closed like the devices': a call or a location without its
/// trunk's or transport's token, or with another's (a device's, another trunk's), is refused
/// and never reaches the journal; with the right one it is taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_and_locations_need_their_own_tokens() {
    let dir = tempfile::tempdir().expect("tmp");
    let tokens = dir.path().join("tokens.txt");
    std::fs::write(
        &tokens,
        "pjr-01 s3cret
110:e1-0 tr4nk
110:aml 4ml
110:sms sm5
",
    )
    .expect("tokens");
    let s = start(&dir.path().join("journal"), Some(&tokens)).await;
    let http = reqwest::Client::new();
    let post = |path: &str, body: String, token: Option<&str>| {
        let request = http.post(url(s.bound.http, path)).body(body);
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        async move { request.send().await.expect("the API answers").status().as_u16() }
    };
    let call = |token: &str| {
        let field = if token.is_empty() { String::new() } else { format!(r#","token":"{token}""#) };
        format!(r#"{{"call":"c1","event":"ringing","number":"+6281","trunk":"e1-0"{field}}}"#)
    };
    for refused in ["", "s3cret", "4ml", "wrong"] {
        assert_eq!(post("/calls", call(refused), None).await, 401, "token {refused:?}");
    }
    assert_eq!(post("/calls", call("").replace("e1-0", "e1-1"), Some("tr4nk")).await, 401, "another trunk's");
    let aml = format!(
        "v=3&device_number=%2B6281&location_latitude=-6.2&location_longitude=106.8&location_time={}&location_accuracy=20",
        pantau::model::now_millis()
    );
    assert_eq!(post("/aml", aml.clone(), None).await, 401);
    assert_eq!(post("/aml", aml.clone(), Some("tr4nk")).await, 401);
    let sms = r#"{"number":"+6281","sms":"tolong"}"#.to_string();
    assert_eq!(post("/sms", sms.clone(), Some("4ml")).await, 401);
    assert!(s.ingest.snapshot().await.expect("world").calls().is_empty(), "nothing refused was taken");

    assert_eq!(post("/calls", call("tr4nk"), None).await, 200);
    assert_eq!(post("/aml", aml, Some("4ml")).await, 200);
    assert_eq!(post("/sms", sms, Some("sm5")).await, 200);
    let world = s.ingest.snapshot().await.expect("world");
    assert_eq!(world.calls().len(), 2, "the call and the SMS to 110");
    assert!(world.call(1).is_some_and(|c| c.location.is_some()), "the location joined the call");
    s.stop().await.expect("clean shutdown");
}

/// ISO-8601 for epoch seconds, without a date library in the test.
fn chrono_like(t: i64) -> String {
    pantau::model::iso8601(t * 1000)
}

/// An RMC sentence for the current time near Monas, with its checksum.
fn chrono_rmc() -> String {
    pantau::feeds::nmea::rmc_sentence(pantau::model::now_millis(), -6.1754, 106.8272, 0.0, 0.0)
}

/// Alarms are never refused for their content: a year-9999 time takes the receive time and is
/// noted, a 60 KB kind is cut and noted, a retry with the same `event_id` is the same alarm and
/// a flood from one device is one alarm counted many times; the journal replays to the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_alarms_are_taken_noted_and_bounded() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = start(dir.path(), None).await;
    let http = reqwest::Client::new();
    let post = |body: String| {
        let (http, at) = (http.clone(), url(s.bound.http, "/alarms"));
        async move { http.post(at).body(body).send().await.expect("post").status() }
    };
    let before = pantau::model::now_millis();
    assert_eq!(post(r#"{"device":"bank-1","time":"9999-12-31T23:59:59Z"}"#.into()).await, 200);
    let kind = "x".repeat(60 * 1024);
    assert_eq!(post(format!(r#"{{"device":"bank-2","kind":"{kind}"}}"#)).await, 200);
    for _ in 0..3 {
        assert_eq!(post(r#"{"device":"bank-3","event_id":"press-1"}"#.into()).await, 200);
    }
    for _ in 0..50 {
        assert_eq!(post(r#"{"device":"bank-4"}"#.into()).await, 200);
    }
    let world = s.ingest.snapshot().await.expect("world");
    let by = |device: &str| world.alarms().iter().filter(|a| a.source == device).collect::<Vec<_>>();
    let clock = by("bank-1")[0];
    assert!(clock.time >= before && clock.notes.device_time == Some(253_402_300_799_000), "{clock:?}");
    let long = by("bank-2")[0];
    assert_eq!((long.kind.len(), long.notes.cut), (32, true));
    assert_eq!((by("bank-3").len(), by("bank-3")[0].repeats), (1, 0), "retries of one press");
    assert_eq!((by("bank-4").len(), by("bank-4")[0].repeats), (1, 49), "a flood is one alarm");
    s.stop().await.expect("clean stop");
    assert!(journal::replay(dir.path()).expect("replay").same_state(&world));
}
