//! Load run for the 110 switchboard: an in-process hub on the demo city's organisation tree
//! takes 5,000 positions a second while 1,000 calls ring at once on `POST /calls` (no caller
//! location: each rings at the Polda intake, where one call taker sits and answers none, so
//! each moves up to Mabes when its 10 s are up). Measures:
//! - routing and the prank check per call: the switchboard's plan over 1,000 waiting calls
//!   (every other one with the caller's AML location inside a demo zone, so its first ring is
//!   found by the zone lookup and the tree), and a ringing report applied to a world whose
//!   numbers have a history (flags), per call;
//! - call -> ringing at the right seat: from the `POST /calls` being sent to the intake seat
//!   receiving the route of that call, percentiles over the 1,000 calls;
//! - the escalation timers: how long after its due time each call moved up (journaled time of
//!   the move less the time it began ringing less 10 s), percentiles.
//!
//! `cargo bench --bench calls_load -- [CALLS]` (default 1,000).

use std::collections::HashMap;

use futures::StreamExt;
use std::time::{Duration, Instant};

use pantau::hub::client::{Login, Seat};
use pantau::hub::protocol::{FromHub, Want};
use pantau::hub::switchboard::Board;
use pantau::hub::Jurisdictions;
use pantau::model::{now_millis, CallPhase, Channel, Command, Event, FeedKind, Fix, Role};
use pantau::service::{DesksConfig, ServeConfig, Service};

const PASSWORD: &str = "a long enough password";
const POSITIONS_PER_SECOND: usize = 5_000;
const UNITS: usize = 2_000;
/// Connections the bridge sends calls over at once.
const BRIDGE_CONNECTIONS: usize = 64;

fn main() -> anyhow::Result<()> {
    let calls: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1_000);
    let dir = tempfile::tempdir()?;
    let files = pantau::demo::write(1, &dir.path().join("demo"))?;
    let org = pantau::org::Org::load(&files.org)?;
    let polda = org.nodes().iter().find(|n| n.tier == pantau::org::Tier::Polda).map(|n| n.id.clone()).expect("a Polda");
    per_call_costs(&files, calls)?;

    let users = dir.path().join("users.toml");
    let mut people = pantau::users::Users::load_or_new(&users)?;
    people.add("dewi", Role::Operator, Some(polda.clone()), PASSWORD)?;
    people.save(&users)?;
    let limits = pantau::hub::HubLimits { rejoin_within: Duration::ZERO, ..Default::default() };
    let mut config = ServeConfig::loopback(dir.path().join("journal"));
    config.desks = Some(DesksConfig {
        addr: "127.0.0.1:0".parse()?,
        tls: None,
        users,
        org: Some(files.org.clone()),
        zones: vec![files.zones.clone()],
        limits,
    });
    let runtime = tokio::runtime::Runtime::new()?;
    let service = runtime.block_on(Service::start(config))?;
    let url = format!("ws://{}", service.bound.desks.expect("desks"));
    let http = format!("http://{}/calls", service.bound.http.expect("http"));

    runtime.block_on(async {
        let login =
            Login { user: "dewi".into(), password: PASSWORD.into(), seat: "intake".into(), want: Want::After(0) };
        let mut seat = Seat::connect(&url, login).await?;
        let positions = tokio::spawn(feed_positions(service.ingest.clone()));
        tokio::time::sleep(Duration::from_secs(2)).await;
        // Every call rings at once, as a bridge sends them: over at most BRIDGE_CONNECTIONS
        // connections (the listener allows 256 per source); each send time kept by its id.
        let client = reqwest::Client::new();
        let sent_at = std::sync::Arc::new(std::sync::Mutex::new(HashMap::new()));
        let posts = (0..calls).map(|n| {
            let body = format!(r#"{{"call":"load-{n}","event":"ringing","number":"+62811{n:07}"}}"#);
            let (client, http, sent_at) = (client.clone(), http.clone(), sent_at.clone());
            async move {
                sent_at.lock().map(|mut s| s.insert(format!("load-{n}"), Instant::now())).ok();
                client.post(http).body(body).send().await.map(|r| r.status().as_u16())
            }
        });
        let started = Instant::now();
        let statuses: Vec<_> = futures::stream::iter(posts).buffer_unordered(BRIDGE_CONNECTIONS).collect().await;
        let taken = statuses.iter().filter(|s| matches!(s, Ok(200))).count();
        println!("{taken} of {calls} calls taken in {:?}", started.elapsed());
        let sent_at = sent_at.lock().map(|s| s.clone()).unwrap_or_default();
        let ringing = ringing_at_seat(&mut seat, &sent_at, started, calls).await?;
        report("call -> ringing at the intake seat (sent to received)", ringing);
        // Let every call's 10 s run out, and the moves land.
        tokio::time::sleep(Duration::from_secs(13)).await;
        positions.abort();
        seat.logout().await;
        anyhow::Ok(())
    })?;
    let (world, _) = service.hub.as_ref().expect("hub").world();
    let late: Vec<Duration> = world
        .calls()
        .iter()
        .filter_map(|c| match c.rings.as_slice() {
            [first, second, ..] => Some(second.since - first.since - 10_000),
            _ => None,
        })
        .map(|ms| Duration::from_millis(ms.max(0) as u64))
        .collect();
    println!("{} of {calls} calls moved up to Mabes", late.len());
    report("escalation after its due time (journaled)", late);
    runtime.block_on(service.stop())?;
    Ok(())
}

/// The switchboard's plan over `calls` waiting calls, and a ringing report applied with the
/// number's history read for flags (each number has called ten times before), per call.
fn per_call_costs(files: &pantau::demo::DemoFiles, calls: usize) -> anyhow::Result<()> {
    let org = pantau::org::Org::load(&files.org)?;
    let zones = pantau::spatial::ZoneIndex::new(pantau::layer_files::load_zones(&files.zones)?);
    let jurisdictions = Jurisdictions { org, zones };
    let mut world = pantau::world::World::new();
    let now = now_millis();
    let report = |n: usize, round: usize, phase: CallPhase| Event::Call {
        call: format!("c-{n}-{round}"),
        phase,
        number: format!("+62812{n:07}"),
        channel: Channel::Voice,
        trunk: None,
        time: now - 1_000 + round as i64,
        text: None,
    };
    for round in 0..10 {
        let history: Vec<Event> = (0..calls)
            .flat_map(|n| [report(n, round, CallPhase::Ringing), report(n, round, CallPhase::Ended)])
            .collect();
        world.apply(&history);
    }
    let started = Instant::now();
    world.apply(&(0..calls).map(|n| report(n, 10, CallPhase::Ringing)).collect::<Vec<_>>());
    let applied = started.elapsed();
    println!("ringing report with flags (10 earlier calls per number): {:?} per call", applied / calls as u32);
    // Every other caller's phone says where it is: a point inside one of the demo's zones.
    let inside: Vec<(f64, f64)> = jurisdictions
        .zones
        .zones()
        .iter()
        .filter_map(|z| geo::InteriorPoint::interior_point(&z.polygon).map(|p| (p.x(), p.y())))
        .collect();
    let located: Vec<Event> = (0..calls)
        .step_by(2)
        .map(|n| {
            let (lon, lat) = inside[n % inside.len()];
            let (method, transport) =
                (pantau::model::calls::FixMethod::Gnss, pantau::model::calls::AmlTransport::Https);
            let location = pantau::model::CallerLocation {
                lon,
                lat,
                radius: 15.0,
                time: now - 500,
                method,
                confidence: Some(68),
                transport,
            };
            Event::CallerLocation { number: format!("+62812{n:07}"), location }
        })
        .collect();
    world.apply(&located);
    let with_location = world.open_calls().filter(|c| c.location.is_some()).count();
    println!("{with_location} of {calls} waiting calls carry a caller's location");
    let intake = pantau::hub::switchboard::Intake::Nearest;
    let board = Board {
        jurisdictions: &jurisdictions,
        answer_within: 10_000,
        give_up_after: 1_800_000,
        seats_back_at: 0,
        intake,
    };
    let runs = 20;
    let started = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(board.plan(&world, &[], now));
    }
    let plan = started.elapsed() / runs;
    println!("switchboard plan over {calls} waiting calls: {plan:?} ({:?} per call)", plan / calls as u32);
    let mut routed = world.clone();
    let moves = board.plan(&world, &[], now).moves;
    let routes: Vec<Event> = moves
        .into_iter()
        .map(|m| Event::Command {
            user: "switchboard".into(),
            role: Role::Commander,
            time: now,
            command: Command::Route { call: m.call, rung: m.rung, node: m.node, tier: m.tier, why: m.why },
        })
        .collect();
    routed.apply(&routes);
    let started = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(board.plan(&routed, &[], now + 1));
    }
    let plan = started.elapsed() / runs;
    println!("switchboard plan over {calls} calls ringing at nodes: {plan:?} ({:?} per call)", plan / calls as u32);
    Ok(())
}

/// Positions of `UNITS` units at 5,000 a second, in batches every 100 ms, until aborted.
async fn feed_positions(ingest: pantau::ingest::IngestHandle) {
    let (lon, lat) = pantau::demo::CENTRE;
    let per_tick = POSITIONS_PER_SECOND / 10;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    for round in 0_usize.. {
        tick.tick().await;
        let now = now_millis();
        let batch: Vec<Event> = (0..per_tick)
            .map(|i| {
                let unit = (round * per_tick + i) % UNITS;
                let step = (round as f64) * 1e-5;
                let fix = Fix {
                    time: now,
                    lon: lon + (unit % 50) as f64 * 1e-3 + step,
                    lat: lat + (unit / 50) as f64 * 1e-3,
                    speed: None,
                    heading: None,
                    accuracy: None,
                };
                Event::Position { device: format!("unit-{unit:05}"), fix, feed: FeedKind::Simulator }
            })
            .collect();
        let _ = ingest.send(batch).await;
    }
}

/// Reads the seat's stream until every call has been routed; the time from each call's send
/// to its route arriving.
async fn ringing_at_seat(
    seat: &mut Seat,
    sent_at: &HashMap<String, Instant>,
    started: Instant,
    calls: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut keys: HashMap<u64, String> = HashMap::new();
    let mut routed = std::collections::HashSet::new();
    let mut ringing = Vec::new();
    while ringing.len() < calls && started.elapsed() < Duration::from_secs(60) {
        let Some(FromHub::Batch { events, .. }) = seat.next().await? else { continue };
        let now = Instant::now();
        for event in events {
            match event {
                Event::Call { call, phase: CallPhase::Ringing, .. } => {
                    keys.insert(keys.len() as u64 + 1, call);
                }
                // Its first route: where it first rings.
                Event::Command { command: Command::Route { call, .. }, .. } if routed.insert(call) => {
                    if let Some(at) = keys.get(&call).and_then(|key| sent_at.get(key)) {
                        ringing.push(now - *at);
                    }
                }
                _ => {}
            }
        }
    }
    Ok(ringing)
}

fn report(what: &str, mut times: Vec<Duration>) {
    if times.is_empty() {
        println!("{what}: none");
        return;
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!("{what}: p50 {:?}, p99 {:?}, max {:?} (n = {})", at(0.5), at(0.99), at(1.0), times.len());
}
