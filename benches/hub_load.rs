//! Load run: seats attached to a hub (headless clients in a second process, as `pantau watch`
//! is one) while 5,000 positions a second (10,000 units) and one panic alarm a second arrive,
//! the alarms on the HTTP alarm API as a button sends them. Measures:
//! - every seat receives every event in order (sequence numbers follow on, none missed);
//! - alarm on the feed -> on every seat: percentiles over seats x alarms (send time is carried
//!   in the alarm's device id, wall clock, so the two processes compare);
//! - the hub's CPU per seat: the hub process's CPU time over the run with the seats, less a run
//!   of the same load with none, over the seats;
//! - a seat coming back after 30 s away (only what it missed), and a new seat taking the world
//!   of 10,000 units: time until it is at the hub's sequence.
//!
//! `cargo bench --bench hub_load -- [SEATS] [SECONDS]` (default 50 seats, 40 s per run).

use std::io::{BufRead, BufReader, Write};
use std::time::{Duration, Instant};

use pantau::hub::client::{Login, Seat};
use pantau::hub::protocol::{FromHub, Want};
use pantau::model::{Event, FeedKind, Fix, Role};

const PASSWORD: &str = "a long enough password";
const UNITS: usize = 10_000;
const AWAY: Duration = Duration::from_secs(30);
/// When the away seat came back (microseconds since the epoch).
static COMING_BACK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if args.first().map(String::as_str) == Some("seats") {
        return seats_process(&args[1], args[2].parse()?, args[3].parse()?);
    }
    let seats: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(50);
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(40);
    hub_process(seats, Duration::from_secs(seconds))
}

fn usage() -> libc::rusage {
    // SAFETY: getrusage writes into the struct we give it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage
}

/// CPU time of this process so far (user + system).
fn cpu() -> Duration {
    let usage = usage();
    let time = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    time(usage.ru_utime) + time(usage.ru_stime)
}

fn micros_now() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros())
}

fn hub_process(seats: usize, run: Duration) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let users = dir.path().join("users.toml");
    let mut people = pantau::users::Users::load_or_new(&users)?;
    people.add("wall", Role::Viewer, None, PASSWORD)?;
    people.save(&users)?;
    let mut config = pantau::service::ServeConfig::loopback(dir.path().join("journal"));
    config.desks = Some(pantau::service::DesksConfig {
        addr: "127.0.0.1:0".parse()?,
        tls: None,
        users,
        org: None,
        zones: Vec::new(),
        limits: pantau::hub::HubLimits::default(),
    });
    let runtime = tokio::runtime::Runtime::new()?;
    let service = runtime.block_on(pantau::service::Service::start(config))?;
    let http = service.bound.http.ok_or_else(|| anyhow::anyhow!("no API listener"))?;
    let url = format!("ws://{}", service.bound.desks.ok_or_else(|| anyhow::anyhow!("no desks"))?);
    let ingest = service.ingest.clone();

    // Every unit once, so the world holds 10,000 of them from the start.
    let load = Load { ingest: ingest.clone(), http };
    load.positions(0, UNITS);
    std::thread::sleep(Duration::from_millis(500));

    let started = cpu();
    load.run(run);
    let idle_cpu = cpu() - started;

    let me = std::env::current_exe()?;
    let mut child = std::process::Command::new(me)
        .args(["seats", &url, &seats.to_string(), &run.as_secs().to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut ready = String::new();
    let mut lines = BufReader::new(child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?);
    lines.read_line(&mut ready)?;
    anyhow::ensure!(ready.trim() == "ready", "the seats process said {ready:?}");
    let started = cpu();
    load.run(run);
    let seats_cpu = cpu() - started;
    for line in lines.lines() {
        println!("{}", line?);
    }
    child.wait()?;
    let per_seat = (seats_cpu.saturating_sub(idle_cpu)).as_secs_f64() / seats as f64 / run.as_secs_f64();
    println!(
        "hub CPU: {:.2} s with {seats} seats, {:.2} s with none, over {} s: {:.2}% of a core per seat",
        seats_cpu.as_secs_f64(),
        idle_cpu.as_secs_f64(),
        run.as_secs(),
        per_seat * 100.0
    );
    println!("hub process peak memory: {} MiB", usage().ru_maxrss / 1024);
    runtime.block_on(service.stop())?;
    Ok(())
}

/// The feeds: 5,000 positions a second in batches every 10 ms, and a panic alarm a second.
struct Load {
    ingest: pantau::ingest::IngestHandle,
    http: std::net::SocketAddr,
}

impl Load {
    fn positions(&self, from: usize, count: usize) {
        let now = pantau::model::now_millis();
        let batch = (from..from + count)
            .map(|i| {
                let unit = i % UNITS;
                // Back and forth along a short street, 11 m a step, never a jump.
                let step = (i / UNITS) % 200;
                let d = step.min(200 - step) as f64 * 1e-4;
                let fix = Fix {
                    time: now,
                    lon: 108.9 + (unit % 100) as f64 * 1e-3 + d,
                    lat: -5.2 + (unit / 100) as f64 * 1e-3,
                    speed: Some(8.0),
                    heading: None,
                    accuracy: None,
                };
                Event::Position { device: format!("unit-{unit:05}"), fix, feed: FeedKind::Osmand }
            })
            .collect();
        self.ingest.submit_detached(batch);
    }

    fn run(&self, run: Duration) {
        let start = Instant::now();
        let (mut sent, mut alarms) = (0usize, 0u64);
        while start.elapsed() < run {
            let due = (start.elapsed().as_millis() as usize) * 5;
            if due > sent {
                // Each unit moves on every 2 s (5,000 a second over 10,000 units).
                self.positions(sent, due - sent);
                sent = due;
            }
            if start.elapsed().as_secs() >= alarms {
                alarms += 1;
                let _ = post_alarm(self.http, &format!("alarm-{}", micros_now()));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn post_alarm(addr: std::net::SocketAddr, device: &str) -> std::io::Result<()> {
    let body = format!(r#"{{"device":"{device}","lat":-5.2,"lon":108.9,"kind":"panic"}}"#);
    let mut stream = std::net::TcpStream::connect(addr)?;
    let request = format!(
        "POST /alarms HTTP/1.1\r\nHost: pantau\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    // Answered once durable; the bench does not wait for it.
    Ok(())
}

/// What one seat saw.
#[derive(Default)]
struct Seen {
    events: u64,
    out_of_order: u64,
    latencies_us: Vec<u64>,
    /// Each alarm's latency at this seat, by the alarm's send time.
    by_alarm: Vec<(u128, u64)>,
}

fn seats_process(url: &str, seats: usize, seconds: u64) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let mut attached = Vec::new();
        for i in 0..seats {
            let login = Login { user: "wall".into(), password: PASSWORD.into(), seat: format!("load-{i}"), want: Want::World };
            let mut seat = Seat::connect(url, login).await?;
            // In sync before the load starts: the latencies are those of a running centre.
            let Some(FromHub::World { seq, .. }) = seat.next().await? else { anyhow::bail!("no world first") };
            attached.push((seat, seq));
        }
        println!("ready");
        let run = Duration::from_secs(seconds);
        let tasks: Vec<_> = attached.into_iter().map(|(seat, seq)| tokio::spawn(watch(seat, seq, run))).collect();
        // On a thread and runtime of its own: its catching up must not hold up the seats.
        let away_url = url.to_string();
        let away = std::thread::spawn(move || tokio::runtime::Runtime::new()?.block_on(come_back(away_url)));
        let mut all = Seen::default();
        for task in tasks {
            let seen = task.await??;
            all.events += seen.events;
            all.out_of_order += seen.out_of_order;
            all.latencies_us.extend(seen.latencies_us);
            all.by_alarm.extend(seen.by_alarm);
        }
        // The slowest alarms: first and last seat to have each (slow at the first seat too
        // means before the hub sent it: the writer, the journal's fsync, the HTTP listener).
        let mut alarms: std::collections::BTreeMap<u128, (u64, u64)> = std::collections::BTreeMap::new();
        for (sent, latency) in &all.by_alarm {
            let entry = alarms.entry(*sent).or_insert((u64::MAX, 0));
            *entry = (entry.0.min(*latency), entry.1.max(*latency));
        }
        let mut slowest: Vec<_> = alarms.iter().collect();
        slowest.sort_by_key(|(_, (_, last))| std::cmp::Reverse(*last));
        let back_at = COMING_BACK.load(std::sync::atomic::Ordering::Relaxed) as i128;
        let shown: Vec<String> = slowest
            .iter()
            .take(3)
            .map(|(sent, (first, last))| {
                let from_back = (**sent as i128 - back_at) as f64 / 1e6;
                format!("{:.1}-{:.1} ms (sent {from_back:+.2} s from the away seat's return)", *first as f64 / 1e3, *last as f64 / 1e3)
            })
            .collect();
        println!("slowest alarms, first-last seat: {}", shown.join(", "));
        all.latencies_us.sort_unstable();
        let at = |p: f64| all.latencies_us.get(((all.latencies_us.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(0);
        println!(
            "{seats} seats: {} events received, {} out of order or missed; alarm feed -> every seat ({} deliveries): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            all.events,
            all.out_of_order,
            all.latencies_us.len(),
            at(0.5) as f64 / 1e3,
            at(0.99) as f64 / 1e3,
            at(1.0) as f64 / 1e3
        );
        println!(
            "the seats process (all {seats} clients decoding every frame): {:.1} s of CPU over {seconds} s",
            cpu().as_secs_f64()
        );
        let (back, fresh) = away.join().map_err(|_| anyhow::anyhow!("the away seat panicked"))??;
        println!("a seat back after {} s away: in sync in {back:.0?}; a new seat taking the world of {UNITS} units: {fresh:.0?}", AWAY.as_secs());
        Ok(())
    })
}

/// Reads a seat's stream for `run`, checking order and timing alarms.
async fn watch(mut seat: Seat, mut seq: u64, run: Duration) -> anyhow::Result<Seen> {
    let mut seen = Seen::default();
    let end = tokio::time::Instant::now() + run;
    while let Ok(message) = tokio::time::timeout_at(end, seat.next()).await {
        match message? {
            Some(FromHub::World { seq: at, .. }) => seq = at,
            Some(FromHub::Batch { first_seq, events, .. }) => {
                if first_seq != seq + 1 {
                    seen.out_of_order += 1;
                }
                seq = first_seq + events.len() as u64 - 1;
                seen.events += events.len() as u64;
                let now = micros_now();
                for event in &events {
                    if let Event::Alarm { device, .. } = event {
                        if let Some(sent) = device.strip_prefix("alarm-").and_then(|t| t.parse::<u128>().ok()) {
                            seen.latencies_us.push(now.saturating_sub(sent) as u64);
                            seen.by_alarm.push((sent, now.saturating_sub(sent) as u64));
                        }
                    }
                }
            }
            Some(_) => {}
            None => anyhow::bail!("the hub closed a seat"),
        }
    }
    Ok(seen)
}

/// A seat that leaves for [`AWAY`] and comes back after its last sequence, and a new one
/// taking the world: how long each takes to reach the hub's sequence.
async fn come_back(url: String) -> anyhow::Result<(Duration, Duration)> {
    let login = |want| Login { user: "wall".into(), password: PASSWORD.into(), seat: "away".into(), want };
    let mut seat = Seat::connect(&url, login(Want::World)).await?;
    let mut last = 0;
    if let Some(FromHub::World { seq, .. }) = seat.next().await? {
        last = seq;
    }
    seat.logout().await;
    tokio::time::sleep(AWAY).await;
    COMING_BACK.store(micros_now() as u64, std::sync::atomic::Ordering::Relaxed);
    let back = catch_up(&url, login(Want::After(last))).await?;
    let fresh = catch_up(&url, login(Want::World)).await?;
    Ok((back, fresh))
}

/// Connects and reads until the seat is at the sequence the hub welcomed it with.
async fn catch_up(url: &str, login: Login) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let mut seat = Seat::connect(url, login).await?;
    let target = seat.welcome.seq;
    let mut world = pantau::world::World::new();
    loop {
        match seat.next().await? {
            Some(FromHub::World { seq, world: saved }) => {
                world = pantau::world::World::from_saved(*saved);
                if seq >= target {
                    break;
                }
            }
            Some(FromHub::Batch { first_seq, events, .. }) => {
                world.apply(&events);
                if first_seq + events.len() as u64 > target {
                    break;
                }
            }
            Some(_) => {}
            None => anyhow::bail!("closed"),
        }
    }
    let took = start.elapsed();
    seat.logout().await;
    Ok(took)
}
