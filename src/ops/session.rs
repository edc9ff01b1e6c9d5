//! A command centre in one process: the service `pantau serve` would run (journal, world
//! writer, feed listeners), the roster and fixed layers, the demo's scenario when running on
//! the demo city, and a desk attached to it all.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::desk::{Desk, Layers};
use crate::basemap::Archive;
use crate::demo::DemoFiles;
use crate::ingest::IngestHandle;
use crate::layer_files::{load_cameras, load_units, load_zones};
use crate::model::{now_millis, Command, Event, EventKind, Role, UnitStatus};
use crate::service::{ServeConfig, Service};
use crate::sim::Simulator;
use crate::spatial::RoadGraph;

/// What to open.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    pub serve: ServeConfig,
    pub map: PathBuf,
    pub zones: Vec<PathBuf>,
    pub cameras: Option<PathBuf>,
    /// A roster of units (callsigns, kinds, home stations, off-duty status).
    pub units: Option<PathBuf>,
    /// The organisation tree (which Polsek, Polres and Polda an alarm belongs to).
    pub org: Option<PathBuf>,
    /// Run the demo's scenario (its files and seed).
    pub scenario: Option<(DemoFiles, u64)>,
    pub user: String,
    pub role: Role,
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
        Self {
            serve: ServeConfig::loopback(journal),
            map: files.map.clone(),
            zones: vec![files.zones.clone()],
            cameras: Some(files.cameras.clone()),
            units: Some(files.units.clone()),
            org: Some(files.org.clone()),
            scenario: None,
            user: user.to_string(),
            role,
        }
    }
}

pub struct Session {
    runtime: tokio::runtime::Runtime,
    service: Option<Service>,
    scenario: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
    pub desk: Desk,
    pub map: PathBuf,
    /// The map's (west, south, east, north).
    pub bounds: (f64, f64, f64, f64),
    /// Every named road once, with a point on it.
    pub road_names: Vec<(String, [f64; 2])>,
    pub journal: PathBuf,
}

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
        let roster = config.units.as_deref().map(load_units).transpose()?;
        let org = config.org.as_deref().map(crate::org::Org::load).transpose()?;
        // The roads are read once, for the graph, the streets and the names the search box finds.
        let archive = Archive::open(&config.map)?;
        let road_layers = archive.max_zoom_layers("roads")?;
        let roads = RoadGraph::from_layers(&road_layers);
        let streets = crate::spatial::Streets::from_layers(&road_layers);
        let road_names = streets.named_points();
        let layers = Layers { zones, cameras, roads: (roads.node_count() > 1).then_some(roads), streets, org };
        let simulator = match &config.scenario {
            Some((files, seed)) => {
                Some(crate::demo::scenario::simulator(files, crate::demo::scenario::config(*seed), now_millis())?)
            }
            None => None,
        };
        let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
        let service = runtime.block_on(Service::start(config.serve.clone()))?;
        let ingest = service.ingest.clone();
        let attached = match &roster {
            Some(units) => runtime.block_on(enrol(&ingest, units)),
            None => Ok(()),
        }
        .and_then(|()| Desk::attach(ingest.clone(), layers, &config.user, config.role));
        let desk = match attached {
            Ok(desk) => desk,
            Err(e) => {
                // Do not leave the service running (or its journal unsynced) behind an error.
                let _ = runtime.block_on(service.stop());
                return Err(e);
            }
        };
        let scenario = simulator.map(|sim| drive(sim, ingest));
        Ok(Self {
            runtime,
            service: Some(service),
            scenario,
            desk,
            map: config.map,
            bounds: archive.header.bounds,
            road_names,
            journal: config.serve.journal,
        })
    }

    /// The way into the writer (another desk can attach through it).
    pub fn ingest(&self) -> Option<IngestHandle> {
        self.service.as_ref().map(|s| s.ingest.clone())
    }

    /// Where the feeds listen.
    pub fn bound(&self) -> Option<&crate::service::Bound> {
        self.service.as_ref().map(|s| &s.bound)
    }

    /// Stops the scenario and the service; the journal is synced. (Once; later calls do
    /// nothing.)
    pub fn stop(&mut self) -> Result<()> {
        if let Some((stop, thread)) = self.scenario.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = thread.join();
        }
        match self.service.take() {
            Some(service) => self.runtime.block_on(service.stop()),
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

/// Who enrols the roster in the journal: the session itself, not the person at the desk.
const ROSTER_USER: &str = "roster";

/// Puts every unit of a roster on the world's roster (and off duty where it says so).
async fn enrol(ingest: &IngestHandle, roster: &[crate::model::Unit]) -> Result<()> {
    let time = now_millis();
    let command = |command| Event::Command { user: ROSTER_USER.to_string(), role: Role::Commander, time, command };
    let mut events = Vec::new();
    for unit in roster {
        events.push(command(Command::Enrol {
            unit: unit.id.clone(),
            callsign: unit.callsign.clone(),
            kind: unit.kind,
            home_station: unit.home_station.clone(),
        }));
        if unit.status != UnitStatus::Available {
            events.push(command(Command::SetStatus { unit: unit.id.clone(), status: unit.status }));
        }
    }
    match ingest.send(events).await {
        crate::ingest::Ack::Done { .. } => Ok(()),
        other => anyhow::bail!("the roster was not recorded: {other:?}"),
    }
}

/// Runs the simulator in real time on its own thread, feeding the writer like any feed.
fn drive(mut sim: Simulator, ingest: IngestHandle) -> (Arc<AtomicBool>, JoinHandle<()>) {
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let thread = std::thread::spawn(move || {
        let mut last = Instant::now();
        while !stopping.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            // Whole milliseconds only, the remainder kept for the next step: no drift.
            let ms = last.elapsed().as_millis() as u64;
            last += Duration::from_millis(ms);
            let (alarms, positions): (Vec<Event>, Vec<Event>) =
                sim.step(ms as i64).into_iter().partition(|e| e.kind() != EventKind::Position);
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
