//! Hostile networks: connection limits, header deadlines and a bounded stop. Idle sockets up to
//! and past the process's open-file limit do not keep an alarm from being answered; a client
//! trickling its headers is cut off and counted; a client holding a half-sent request does not
//! hold up SIGTERM; refusals made before any handler (a body over the limit, an unknown method)
//! are counted in `/metrics`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pantau::feeds::http::HttpLimits;
use pantau::service::{ServeConfig, Service};

/// Starts `pantau serve` under `prlimit` options; returns the child and its API address.
fn serve_limited(prlimit: &str, journal: &std::path::Path) -> (Child, String) {
    let mut child = Command::new("prlimit")
        .args([prlimit, "--", env!("CARGO_BIN_EXE_pantau"), "serve", "--insecure", "--osmand", "127.0.0.1:0"])
        .args(["--http", "127.0.0.1:0", "--journal"])
        .arg(journal)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve under prlimit");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("ready line");
    let http = line.split("http ").nth(1).and_then(|r| r.split([',', '\n']).next()).expect("address").trim();
    (child, http.to_string())
}

/// One HTTP/1.1 request on a fresh connection; the status code, or 0 if none came within 10 s.
fn request(addr: &str, head: &str, body: &str) -> u16 {
    let Ok(mut stream) = TcpStream::connect(addr) else { return 0 };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let text = format!("{head}\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    if stream.write_all(text.as_bytes()).is_err() {
        return 0;
    }
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn metric(addr: &str, reason: &str) -> u64 {
    let Ok(mut stream) = TcpStream::connect(addr) else { return 0 };
    let _ = stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    let key = format!("reason=\"{reason}\"}} ");
    text.lines().find_map(|l| l.split_once(&key).and_then(|(_, n)| n.trim().parse().ok())).unwrap_or(0)
}

fn stop(mut child: Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
}

#[test]
fn an_alarm_is_answered_while_idle_sockets_exceed_the_file_limit() {
    // The service gets 1,024 files and 1,030 idle sockets against it, held by this process,
    // which needs more files than that (where it cannot have them, both shrink alike).
    let ours = pantau::feeds::connections::open_file_limit();
    let files = 1024.min(ours.saturating_sub(100) / 2 * 2).max(128);
    let dir = tempfile::tempdir().expect("tmp");
    let (child, http) = serve_limited(&format!("--nofile={files}:{files}"), dir.path());
    let idle: Vec<TcpStream> = (0..files + 6).filter_map(|_| TcpStream::connect(&http).ok()).collect();
    assert!(idle.len() > files - 32, "only {} sockets connected", idle.len());
    let started = Instant::now();
    let status = request(&http, "POST /alarms HTTP/1.1", r#"{"device":"bank-9","kind":"panic"}"#);
    assert_eq!(status, 200, "the alarm was not answered with {} idle sockets held", idle.len());
    assert!(started.elapsed() < Duration::from_secs(5), "answered only after {:?}", started.elapsed());
    assert!(metric(&http, "connection_closed_for_room") > 0, "idle connections were closed to make room");
    drop(idle);
    stop(child);
}

#[test]
fn a_half_sent_request_does_not_hold_up_a_stop() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut child, http) = serve_limited("--nofile=4096:4096", dir.path());
    let mut half = TcpStream::connect(&http).expect("connect");
    half.write_all(b"POST /alarms HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"device\":").expect("write");
    std::thread::sleep(Duration::from_millis(200));
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let started = Instant::now();
    loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            assert!(exit.success(), "clean exit, got {exit:?}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the stop waited on a half-sent request");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(half);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trickling_its_headers_is_cut_off_and_counted() {
    let dir = tempfile::tempdir().expect("tmp");
    let limits = HttpLimits { header_timeout: Duration::from_millis(800), ..HttpLimits::default() };
    let config = ServeConfig { osmand: None, http_limits: limits, ..ServeConfig::loopback(dir.path()) };
    let service = Service::start(config).await.expect("service starts");
    let http = service.bound.http.expect("http").to_string();
    let cut_off = tokio::task::spawn_blocking(move || {
        let mut slow = TcpStream::connect(&http).expect("connect");
        let started = Instant::now();
        for byte in b"POST /alarms HTTP/1.1\r\nHost: x\r\n".iter() {
            if slow.write_all(&[*byte]).is_err() {
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        started.elapsed()
    })
    .await
    .expect("slow client");
    assert!(cut_off < Duration::from_secs(3), "a byte every 100 ms went on for {cut_off:?}");
    assert_eq!(service.ingest.metrics().rejected_count("http_header_timeout"), 1);
    service.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_before_any_handler_are_counted() {
    let dir = tempfile::tempdir().expect("tmp");
    let service = Service::start(ServeConfig { osmand: None, ..ServeConfig::loopback(dir.path()) })
        .await
        .expect("service starts");
    let http = service.bound.http.expect("http").to_string();
    let statuses = tokio::task::spawn_blocking(move || {
        let big = format!(r#"{{"device":"x","kind":"{}"}}"#, "k".repeat(70 * 1024));
        [
            request(&http, "POST /alarms HTTP/1.1", &big),
            request(&http, "DELETE /alarms HTTP/1.1", ""),
            request(&http, "GET /nowhere HTTP/1.1", ""),
            request(&http, &format!("GET /{} HTTP/1.1", "u".repeat(40 * 1024)), ""),
        ]
    })
    .await
    .expect("requests");
    assert_eq!(statuses[..3], [413, 405, 404]);
    let metrics = service.ingest.metrics();
    assert_eq!(metrics.rejected_count("http_body_too_large"), 1);
    assert_eq!(metrics.rejected_count("http_method_not_allowed"), 1);
    assert_eq!(metrics.rejected_count("http_not_found"), 1);
    assert_eq!(metrics.rejected_count("http_header_too_large"), 1, "a 40 KB request line ({})", statuses[3]);
    service.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_body_never_comes_gets_408_and_frees_its_connection() {
    let dir = tempfile::tempdir().expect("tmp");
    let limits = HttpLimits { request_timeout: Duration::from_millis(600), ..HttpLimits::default() };
    let config = ServeConfig { osmand: None, http_limits: limits, ..ServeConfig::loopback(dir.path()) };
    let service = Service::start(config).await.expect("service starts");
    let http = service.bound.http.expect("http").to_string();
    let (status, waited) = tokio::task::spawn_blocking(move || {
        let mut stalled = TcpStream::connect(&http).expect("connect");
        let _ = stalled.set_read_timeout(Some(Duration::from_secs(10)));
        let started = Instant::now();
        stalled
            .write_all(b"POST /alarms HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n\r\n{\"device\":")
            .expect("write");
        let mut reply = String::new();
        let _ = stalled.read_to_string(&mut reply);
        (reply.split(' ').nth(1).and_then(|s| s.parse::<u16>().ok()).unwrap_or(0), started.elapsed())
    })
    .await
    .expect("stalled client");
    assert_eq!(status, 408, "after {waited:?}");
    assert!(waited < Duration::from_secs(3), "the stalled body held the connection for {waited:?}");
    assert_eq!(service.ingest.metrics().rejected_count("http_request_timeout"), 1);
    service.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_closed_for_room_lets_go_of_its_socket_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let connections = pantau::feeds::connections::Limits { max_connections: Some(4), max_per_source: 64 };
    let config = ServeConfig { osmand: None, connections, ..ServeConfig::loopback(dir.path()) };
    let service = Service::start(config).await.expect("service starts");
    let http = service.bound.http.expect("http").to_string();
    let closed_after = tokio::task::spawn_blocking(move || {
        // The oldest holds half a request line; four newer ones push it out.
        let mut oldest = TcpStream::connect(&http).expect("connect");
        oldest.write_all(b"P").expect("write");
        let _ = oldest.set_read_timeout(Some(Duration::from_secs(8)));
        std::thread::sleep(Duration::from_millis(100));
        let newer: Vec<TcpStream> = (0..4).filter_map(|_| TcpStream::connect(&http).ok()).collect();
        let started = Instant::now();
        let mut buf = [0u8; 16];
        let _ = oldest.read(&mut buf);
        drop(newer);
        started.elapsed()
    })
    .await
    .expect("clients");
    assert!(closed_after < Duration::from_secs(2), "the pushed-out socket stayed open {closed_after:?}");
    assert!(service.ingest.metrics().rejected_count("connection_closed_for_room") >= 1);
    service.stop().await.expect("clean stop");
}
