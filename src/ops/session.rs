//! A desk and where its world comes from. Hosted here (`pantau` with no command): the service
//! `pantau serve` would run (journal, world writer, feed listeners, the hub), the roster and
//! fixed layers, the demo's scenario when running on the demo city, and the window logged in to
//! that hub over the same protocol as any other seat. Or a hub elsewhere (`pantau desk --hub`):
//! the fixed layers here, the world from the hub.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::colleagues::Colleague;
use super::desk::{Desk, Layers};
use super::link::{Credentials, HubAddress, LinkState};
use crate::basemap::Archive;
use crate::demo::DemoFiles;
use crate::ingest::IngestHandle;
use crate::layer_files::{load_cameras, load_units, load_zones};
use crate::model::{now_millis, Event, EventKind, Role};
use crate::service::{DesksConfig, ServeConfig, Service};
use crate::sim::calls::CallTraffic;
use crate::sim::Simulator;
use crate::spatial::RoadGraph;

/// What to open.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    pub centre: Centre,
    pub map: PathBuf,
    pub zones: Vec<PathBuf>,
    pub cameras: Option<PathBuf>,
    /// A roster of units (callsigns, kinds, home stations, off-duty status), enrolled by a
    /// hosted centre.
    pub units: Option<PathBuf>,
    /// The organisation tree (which Polsek, Polres and Polda an alarm belongs to).
    pub org: Option<PathBuf>,
    /// Run the demo's scenario (its files and seed) in a hosted centre.
    pub scenario: Option<(DemoFiles, u64)>,
}

/// Where the desk's world comes from.
#[derive(Clone, Debug)]
pub enum Centre {
    /// Hosted in this process. With no hub in `serve`, one listens on loopback for this window
    /// alone, and `user` with `role` is who sits at it; with one (a real centre's settings), the
    /// window logs in to it at the login screen like any seat.
    Here { serve: Box<ServeConfig>, user: String, role: Role },
    /// A hub elsewhere; without credentials the login screen asks for them.
    Hub { address: HubAddress, credentials: Option<Credentials> },
}

impl SessionConfig {
    /// The demo city for `seed`, with its scenario, a fresh journal under its folder, and
    /// loopback feeds.
    pub fn demo(seed: u64, user: &str, role: Role) -> Result<Self> {
        let files = crate::demo::cached(seed)?;
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S%.3f");
        let journal = files.dir.join("sessions").join(stamp.to_string());
        Ok(Self { scenario: Some((files.clone(), seed)), ..Self::quiet_demo(&files, journal, user, role) })
    }

    /// A demo city's map and layers with nothing driving them (feeds on loopback, a journal in
    /// `journal`): what tests and load runs start from.
    pub fn quiet_demo(files: &DemoFiles, journal: impl Into<PathBuf>, user: &str, role: Role) -> Self {
        let serve = ServeConfig::loopback(journal);
        Self::demo_city(files, Centre::Here { serve: Box::new(serve), user: user.to_string(), role })
    }

    /// A demo city's map and layers, with its world from `centre`.
    pub fn demo_city(files: &DemoFiles, centre: Centre) -> Self {
        Self {
            centre,
            map: files.map.clone(),
            zones: vec![files.zones.clone()],
            cameras: Some(files.cameras.clone()),
            units: Some(files.units.clone()),
            org: Some(files.org.clone()),
            scenario: None,
        }
    }
}

pub struct Session {
    hosted: Option<Hosted>,
    pub desk: Desk,
    pub map: PathBuf,
    /// The map's (west, south, east, north).
    pub bounds: (f64, f64, f64, f64),
    /// Every named road once, with a point on it.
    pub road_names: Vec<(String, [f64; 2])>,
    /// The journal of a hosted centre.
    pub journal: Option<PathBuf>,
}

/// A centre hosted in this process.
struct Hosted {
    runtime: tokio::runtime::Runtime,
    service: Option<Service>,
    scenario: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
    /// The demo's colleagues at the other seats.
    colleagues: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
    /// The users file of a hub kept for this window alone.
    _own_users: Option<tempfile::TempDir>,
}

/// How long a hosted centre's window may take to log in and receive the world.
const FIRST_WORLD_WITHIN: Duration = Duration::from_secs(20);

impl Session {
    pub fn start(config: SessionConfig) -> Result<Self> {
        // Everything that reads files first, so a bad input stops us before anything runs.
        let mut zones = Vec::new();
        for path in &config.zones {
            zones.extend(load_zones(path)?);
        }
        let cameras = match &config.cameras {
            Some(path) => load_cameras(path)?,
            None => Vec::new(),
        };
        let org = config.org.as_deref().map(crate::org::Org::load).transpose()?;
        // The roads are read once, for the graph, the streets and the names the search box finds.
        let archive = Archive::open(&config.map)?;
        let road_layers = archive.max_zoom_layers("roads")?;
        let roads = RoadGraph::from_layers(&road_layers);
        let streets = crate::spatial::Streets::from_layers(&road_layers);
        let road_names = streets.named_points();
        let layers = Layers { zones, cameras, roads: (roads.node_count() > 1).then_some(roads), streets, org };
        let (hosted, desk, journal) = match &config.centre {
            Centre::Here { serve, user, role } => {
                let (hosted, desk) = host(&config, serve, user, *role, layers)?;
                (Some(hosted), desk, Some(serve.journal.clone()))
            }
            Centre::Hub { address, credentials } => {
                (None, Desk::connect(address.clone(), credentials.clone(), layers)?, None)
            }
        };
        Ok(Self { hosted, desk, map: config.map, bounds: archive.header.bounds, road_names, journal })
    }

    /// The way into a hosted centre's writer (feeds can be driven through it).
    pub fn ingest(&self) -> Option<IngestHandle> {
        self.service().map(|s| s.ingest.clone())
    }

    /// Where a hosted centre's feeds and hub listen.
    pub fn bound(&self) -> Option<&crate::service::Bound> {
        self.service().map(|s| &s.bound)
    }

    fn service(&self) -> Option<&Service> {
        self.hosted.as_ref().and_then(|h| h.service.as_ref())
    }

    /// Stops a hosted centre's scenario and service; the journal is synced. (Once; later
    /// calls do nothing.)
    pub fn stop(&mut self) -> Result<()> {
        let Some(hosted) = &mut self.hosted else { return Ok(()) };
        for (stop, thread) in [hosted.colleagues.take(), hosted.scenario.take()].into_iter().flatten() {
            stop.store(true, Ordering::Relaxed);
            let _ = thread.join();
        }
        match hosted.service.take() {
            Some(service) => hosted.runtime.block_on(service.stop()),
            None => Ok(()),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            tracing::error!("stopping the session: {e:#}");
        }
    }
}

/// Starts the centre here and the window's desk on its hub.
fn host(config: &SessionConfig, serve: &ServeConfig, user: &str, role: Role, layers: Layers) -> Result<(Hosted, Desk)> {
    let roster = config.units.as_deref().map(load_units).transpose()?;
    let simulator = match &config.scenario {
        Some((files, seed)) => {
            let sim = crate::demo::scenario::simulator(files, crate::demo::scenario::config(*seed), now_millis())?;
            let calls = crate::demo::scenario::call_traffic(files, *seed, now_millis())?;
            Some((sim, calls))
        }
        None => None,
    };
    let mut serve = serve.clone();
    let (own_users, credentials, colleagues) = match serve.desks {
        Some(_) => (None, None, Vec::new()),
        None => {
            let (dir, desks, credentials, colleagues) = own_hub(config, user, role)?;
            serve.desks = Some(desks);
            (Some(dir), Some(credentials), colleagues)
        }
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let service = runtime.block_on(Service::start(serve.clone()))?;
    let ingest = service.ingest.clone();
    let hub_addr = service.bound.desks;
    let mut hosted =
        Hosted { runtime, service: Some(service), scenario: None, colleagues: None, _own_users: own_users };
    let hub_url = own_address(hub_addr, &serve).map(|a| a.url);
    let attached = match &roster {
        Some(units) => hosted.runtime.block_on(enrol(&ingest, units)),
        None => Ok(()),
    }
    .and_then(|()| {
        let address = own_address(hub_addr, &serve)?;
        let logged_in = credentials.is_some();
        let mut desk = Desk::connect(address, credentials, layers)?;
        if logged_in {
            first_world(&mut desk)?;
        }
        Ok(desk)
    });
    let desk = match attached {
        Ok(desk) => desk,
        Err(e) => {
            // Do not leave the service running (or its journal unsynced) behind an error.
            if let Some(service) = hosted.service.take() {
                let _ = hosted.runtime.block_on(service.stop());
            }
            return Err(e);
        }
    };
    hosted.scenario = simulator.map(|(sim, calls)| drive(sim, calls, ingest));
    if let (Ok(url), false) = (hub_url, colleagues.is_empty()) {
        let seed = config.scenario.as_ref().map_or(0, |(_, seed)| *seed);
        match super::colleagues::start(url, colleagues, seed) {
            Ok(running) => hosted.colleagues = Some(running),
            Err(e) => tracing::warn!("the demo's colleagues did not start: {e}"),
        }
    }
    Ok((hosted, desk))
}

/// A hub on loopback for this window alone: a users file holding the person at it, with a
/// password made up for this run and known to nobody else, and in the demo scenario the
/// colleagues at the Polres and Polda seats (passwords likewise).
fn own_hub(
    config: &SessionConfig,
    user: &str,
    role: Role,
) -> Result<(tempfile::TempDir, DesksConfig, Credentials, Vec<Colleague>)> {
    crate::users::check_name(user).with_context(|| format!("--user {user}"))?;
    let dir = tempfile::Builder::new()
        .prefix("pantau-seat-")
        .tempdir()
        .context("cannot make a folder for the window's login")?;
    let users = dir.path().join("users.toml");
    let made_up = || -> String { (0..32).map(|_| format!("{:02x}", rand::random::<u8>())).collect() };
    let password = made_up();
    let mut file = crate::users::Users::load_or_new(&users)?;
    file.add(user, role, None, &password)?;
    let colleagues = demo_colleagues(config, user, made_up)?;
    for colleague in &colleagues {
        file.add(&colleague.user, Role::Operator, Some(colleague.node.clone()), &colleague.password)?;
    }
    file.save(&users)?;
    let with_zones = !config.zones.is_empty();
    let desks = DesksConfig {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        tls: None,
        users,
        org: config.org.clone().filter(|_| with_zones),
        zones: config.zones.clone(),
        limits: crate::hub::HubLimits::default(),
    };
    Ok((dir, desks, Credentials { user: user.to_string(), password }, colleagues))
}

/// The demo's colleagues: a call taker at the Polres (who also works its incidents) and one
/// at the Polda, when the demo scenario runs on a tree that has them.
fn demo_colleagues(config: &SessionConfig, user: &str, password: impl Fn() -> String) -> Result<Vec<Colleague>> {
    let (Some(_), Some(path)) = (&config.scenario, &config.org) else { return Ok(Vec::new()) };
    let org = crate::org::Org::load(path)?;
    let at = |tier| org.nodes().iter().find(|n| n.tier == tier).map(|n| n.id.clone());
    let people = [("rina", crate::org::Tier::Polres, true), ("agus", crate::org::Tier::Polda, false)];
    let colleagues = people.into_iter().filter(|(name, _, _)| *name != user).filter_map(|(name, tier, works)| {
        Some(Colleague { user: name.into(), password: password(), node: at(tier)?, works_incidents: works })
    });
    Ok(colleagues.collect())
}

/// Where the window reaches its own hub: over loopback, trusting its own certificate.
fn own_address(bound: Option<SocketAddr>, serve: &ServeConfig) -> Result<HubAddress> {
    let Some(mut addr) = bound else { bail!("the hub did not start") };
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() { [127, 0, 0, 1].into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
    }
    let tls = serve.desks.as_ref().and_then(|d| d.tls.as_ref());
    let pin = tls.map(|(cert, _)| crate::hub::tls::pin_of(cert)).transpose()?;
    let scheme = if pin.is_some() { "wss" } else { "ws" };
    Ok(HubAddress { url: format!("{scheme}://{addr}"), pin, seat: "window".into() })
}

/// Waits until the window is logged in and has the world, so it opens on the world as it is.
fn first_world(desk: &mut Desk) -> Result<()> {
    let started = Instant::now();
    while desk.seq.is_none() {
        if let LinkState::LoggedOut { refused: Some(reason) } = desk.link() {
            bail!("the window's login to its own hub was refused: {reason}");
        }
        if started.elapsed() > FIRST_WORLD_WITHIN {
            bail!("the window did not receive the world from its own hub within {FIRST_WORLD_WITHIN:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
        desk.poll();
    }
    Ok(())
}

/// Puts every unit of a roster on the world's roster (and off duty where it says so).
async fn enrol(ingest: &IngestHandle, roster: &[crate::model::Unit]) -> Result<()> {
    let events = crate::model::enrolment(roster, now_millis());
    match ingest.send(events).await {
        crate::ingest::Ack::Done { .. } => Ok(()),
        other => anyhow::bail!("the roster was not recorded: {other:?}"),
    }
}

/// Runs the simulator and the 110 traffic in real time on their own thread, feeding the writer
/// like any feed.
fn drive(mut sim: Simulator, mut calls: CallTraffic, ingest: IngestHandle) -> (Arc<AtomicBool>, JoinHandle<()>) {
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let thread = std::thread::spawn(move || {
        let mut last = Instant::now();
        while !stopping.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            // Whole milliseconds only, the remainder kept for the next step: no drift.
            let ms = last.elapsed().as_millis() as u64;
            last += Duration::from_millis(ms);
            let (mut alarms, positions): (Vec<Event>, Vec<Event>) =
                sim.step(ms as i64).into_iter().partition(|e| e.kind() != EventKind::Position);
            alarms.extend(calls.step(ms as i64));
            ingest.submit_detached(positions);
            ingest.submit_detached(alarms);
        }
    });
    (stop, thread)
}

/// A flag raised when the process is asked to stop (SIGTERM, SIGINT), watched from a thread
/// of its own: the app looks at it every frame and closes its window, which stops the session
/// cleanly (journal synced, a snapshot written).
pub fn stop_flag_on_signal() -> Arc<AtomicBool> {
    let asked = Arc::new(AtomicBool::new(false));
    let flag = asked.clone();
    let watcher = std::thread::Builder::new().name("pantau signals".into()).spawn(move || {
        match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => {
                runtime.block_on(crate::service::signal());
                tracing::info!("asked to stop: closing the window");
                flag.store(true, Ordering::Release);
            }
            Err(e) => tracing::warn!("signals not watched ({e}); close the window to stop cleanly"),
        }
    });
    if let Err(e) = watcher {
        tracing::warn!("signals not watched ({e}); close the window to stop cleanly");
    }
    asked
}
