//! Load run: how long from a panic alarm arriving on a feed (an HTTP `POST /alarms`, as a
//! panic button sends it) to it standing in a desk's alarm queue, while 5,000 positions a
//! second stream in. The window repaints as soon as the desk has it (the desk wakes it), so a
//! frame adds one frame time on top. Prints percentiles; recorded in BENCHMARKS.md.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use pantau::demo;
use pantau::model::{now_millis, Event, FeedKind, Fix, Role};
use pantau::ops::{Session, SessionConfig};

const ALARMS: usize = 200;

fn post_alarm(addr: std::net::SocketAddr, device: &str) -> std::io::Result<std::net::TcpStream> {
    let body = format!(r#"{{"device":"{device}","lat":{},"lon":{},"kind":"panic"}}"#, demo::CENTRE.1, demo::CENTRE.0);
    let mut stream = std::net::TcpStream::connect(addr)?;
    let request = format!(
        "POST /alarms HTTP/1.1\r\nHost: pantau\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    Ok(stream)
}

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let files = demo::write(1, &dir.path().join("demo"))?;
    let mut session =
        Session::start(SessionConfig::quiet_demo(&files, dir.path().join("journal"), "bench", Role::Operator))?;
    let http = session.bound().and_then(|b| b.http).ok_or_else(|| anyhow::anyhow!("no API listener"))?;
    let ingest = session.ingest().ok_or_else(|| anyhow::anyhow!("not running"))?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let now = now_millis();
                let batch = (0..100)
                    .map(|k| {
                        i += 1;
                        let d = (i % 300) as f64 * 0.0001;
                        let fix = Fix {
                            time: now,
                            lon: demo::CENTRE.0 + d,
                            lat: demo::CENTRE.1 - d,
                            speed: Some(8.0),
                            heading: Some(90.0),
                            accuracy: None,
                        };
                        Event::Position {
                            device: format!("demo-{:04}", 1 + (k + i) % 300),
                            fix,
                            feed: FeedKind::Osmand,
                        }
                    })
                    .collect();
                ingest.submit_detached(batch);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let mut latencies = Vec::with_capacity(ALARMS);
    for n in 0..ALARMS {
        let desk = &mut session.desk;
        let seen = desk.world().alarms().len();
        let started = Instant::now();
        let mut stream = post_alarm(http, &format!("bench-site-{n:03}"))?;
        while desk.world().alarms().len() == seen {
            desk.poll();
            std::thread::sleep(Duration::from_micros(200));
            anyhow::ensure!(started.elapsed() < Duration::from_secs(5), "alarm {n} never reached the desk");
        }
        latencies.push(started.elapsed());
        let mut reply = String::new();
        stream.read_to_string(&mut reply)?;
        anyhow::ensure!(reply.starts_with("HTTP/1.1 2"), "alarm {n}: {reply}");
        std::thread::sleep(Duration::from_millis(30 + (n as u64 * 37) % 90));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = load.join();
    session.stop()?;
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0;
    println!(
        "alarm POST -> desk queue, {ALARMS} alarms under 5,000 positions/s: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
    Ok(())
}
