//! `pantau sim`: drives simulated patrol units (and alarms) on a map's roads, or the demo
//! city's own scenario with `--map demo`, and sends what they report to a service's OsmAnd
//! listener or an MQTT broker; prints what was sent and fails when nothing was delivered.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::args::demo_seed;
use crate::basemap::Archive;
use crate::sim::send::{run_mqtt, run_osmand};
use crate::sim::{SimConfig, Simulator};

#[derive(Args, Debug)]
pub struct SimArgs {
    /// The base map whose roads the units drive, or `demo`/`demo:SEED` for the demo city with
    /// its own fleet and alarm sites.
    #[arg(long)]
    pub map: PathBuf,
    /// How many patrol units drive the roads (the demo city brings its own fleet).
    #[arg(long, default_value_t = 100)]
    pub units: usize,
    /// Position reports per unit per second.
    #[arg(long, default_value_t = 1.0)]
    pub rate: f64,
    /// Panic alarms raised per minute of simulated time, across all units and sites.
    #[arg(long, default_value_t = 3.0)]
    pub alarms_per_min: f64,
    /// The OsmAnd listener of a `pantau serve`.
    #[arg(long, default_value = "http://127.0.0.1:5055")]
    pub target: String,
    /// Publish to this MQTT broker instead (`mqtt://host:port`): OwnTracks positions on
    /// `owntracks/sim/<unit>`, alarms on `pantau/alarms/<unit>`.
    #[arg(long)]
    pub mqtt: Option<String>,
    /// Simulated seconds to run.
    #[arg(long, default_value_t = 60.0)]
    pub duration: f64,
    /// Run this many times faster than real time (a load test).
    #[arg(long, default_value_t = 1.0)]
    pub speedup: f64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 64)]
    pub in_flight: usize,
    /// Seed of the simulation: the same seed drives the same patrols and alarms.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub fn run(args: SimArgs) -> Result<()> {
    if !(args.rate > 0.0 && args.duration > 0.0 && args.speedup > 0.0 && args.alarms_per_min >= 0.0) {
        bail!("--rate, --duration and --speedup must be positive, --alarms-per-min not negative");
    }
    if args.units == 0 {
        bail!("--units must be at least 1");
    }
    let config =
        SimConfig { units: args.units, rate_hz: args.rate, alarms_per_min: args.alarms_per_min, seed: args.seed };
    let now = crate::model::now_millis();
    let mut simulator = if let Some(city) = demo_seed(&args.map, crate::demo::DEFAULT_SEED)? {
        // The demo's own scenario: its fleet (--units is ignored), alarm sites and rush hour.
        crate::demo::scenario::simulator(&crate::demo::cached(city)?, config, now)?
    } else {
        let graph = crate::spatial::RoadGraph::from_archive(&Archive::open(&args.map)?)?;
        Simulator::new(graph, config, now).with_context(|| format!("{}", args.map.display()))?
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let started = std::time::Instant::now();
    let duration = (args.duration * 1000.0) as i64;
    let report = match &args.mqtt {
        Some(url) => runtime.block_on(run_mqtt(&mut simulator, url, duration, args.speedup))?,
        None => runtime.block_on(run_osmand(&mut simulator, &args.target, duration, args.speedup, args.in_flight)),
    };
    let secs = started.elapsed().as_secs_f64();
    println!(
        "sent {} positions and {} alarms in {secs:.1} s ({:.0} requests/s): {} ok, {} failed",
        report.positions,
        report.alarms,
        (report.ok + report.failed) as f64 / secs,
        report.ok,
        report.failed
    );
    if report.ok == 0 && report.failed > 0 {
        // A broker's URL may carry a password: it is shown without it.
        let target = match &args.mqtt {
            Some(url) => {
                crate::feeds::mqtt::parse_url(url).map_or_else(|_| "the broker".to_string(), |b| b.to_string())
            }
            None => args.target.clone(),
        };
        bail!("{target}: nothing was delivered (is the service or broker running there?)");
    }
    Ok(())
}
