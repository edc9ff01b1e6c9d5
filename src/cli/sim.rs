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
    #[arg(long, default_value = "demo")]
    pub map: PathBuf,
    /// Instead of sending to a service, write this span of a simulated centre (`30d`, `12h`)
    /// straight into a new journal in `--out`, ending at `--end`, and print the code of the
    /// zone made to rise in its last week.
    #[arg(long, value_parser = super::args::parse_span)]
    pub history: Option<crate::model::Millis>,
    /// The folder of the history's journal (it must not hold one).
    #[arg(long, requires = "history")]
    pub out: Option<PathBuf>,
    /// With `--history`: each unit reports its position this often, seconds.
    #[arg(long, default_value_t = 10, requires = "history")]
    pub report_every: u32,
    /// With `--history`: when it ends (default: the last full hour).
    #[arg(long, value_parser = super::args::parse_time, requires = "history")]
    pub end: Option<crate::model::Millis>,
    /// With `--history`: 110 calls a minute, on the day's average.
    #[arg(long, default_value_t = 4.0, requires = "history")]
    pub calls_per_min: f64,
    /// With `--history` on the demo city: its fleet made this many units (copies of its own
    /// past its size, as a bigger centre's).
    #[arg(long, requires = "history")]
    pub fleet: Option<usize>,
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
    if let Some(span) = args.history {
        return history(&args, span);
    }
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

/// The most units `--fleet` grows the demo's fleet to.
const MAX_FLEET: usize = 100_000;

/// `--history`: the demo city's centre (or units on a map's roads, unrouted) written into a
/// journal.
fn history(args: &SimArgs, span: crate::model::Millis) -> Result<()> {
    let out = args.out.clone().context("--history needs --out DIR, a new folder for the journal")?;
    if !(1..=3600).contains(&args.report_every) {
        bail!("--report-every {}: from 1 to 3600 seconds", args.report_every);
    }
    if !(args.calls_per_min >= 0.0 && args.calls_per_min <= 1000.0) {
        bail!("--calls-per-min {}: from 0 to 1000", args.calls_per_min);
    }
    let hour = 3_600_000;
    let end = args.end.unwrap_or_else(|| crate::model::now_millis() / hour * hour);
    // Year 9999 at the latest: a history's clock then stays far from the end of the range.
    if end > 253_402_300_799_000 {
        bail!("--end: after the year 9999");
    }
    let start = end.checked_sub(span).filter(|s| *s >= 0).context("--end: the history would begin before 1970")?;
    let config = crate::history::HistoryConfig {
        start,
        span_ms: span,
        report_every_ms: i64::from(args.report_every) * 1000,
        calls_per_min: args.calls_per_min,
        seed: args.seed,
    };
    let (setting, centre) = history_setting(args, &config)?;
    let started = std::time::Instant::now();
    let written = crate::history::write(&out, setting, &config)?;
    centre.write(&out)?;
    eprintln!(
        "sim: {} records ({} calls, {} incidents) from {} to {} into {} in {:.1} s, {} timeline keyframes",
        written.records,
        written.calls,
        written.incidents,
        crate::model::iso8601(config.start),
        crate::model::iso8601(end),
        out.display(),
        started.elapsed().as_secs_f64(),
        written.keyframes
    );
    match written.rising {
        Some((zone, from)) => {
            eprintln!("sim: zone {zone}'s incidents rise from {}", crate::model::iso8601(from));
            println!("{zone}");
        }
        None => eprintln!("sim: no organisation tree and zones, so no zone was made to rise"),
    }
    Ok(())
}

/// What the history is made of: the demo city's fleet, traffic, tree and places, or units
/// on a map's roads with callers at its road nodes.
fn history_setting(
    args: &SimArgs,
    config: &crate::history::HistoryConfig,
) -> Result<(crate::history::Setting, crate::analysis::CentreFiles)> {
    let rate = 1000.0 / config.report_every_ms as f64;
    let sim_config = SimConfig { units: args.units, rate_hz: rate, alarms_per_min: 0.02, seed: args.seed };
    let traffic = |places: Vec<(f64, f64)>| {
        let traffic = crate::sim::calls::CallTrafficConfig { seed: args.seed, ..Default::default() };
        crate::sim::calls::CallTraffic::new(traffic, places, config.start)
    };
    if let Some(city) = demo_seed(&args.map, crate::demo::DEFAULT_SEED)? {
        let files = crate::demo::cached(city)?;
        let places: Vec<(f64, f64)> =
            crate::layer_files::read_points(&files.alarm_sites)?.into_iter().map(|p| (p.lon, p.lat)).collect();
        let org = crate::org::Org::load(&files.org)?;
        let zones = crate::spatial::ZoneIndex::new(crate::layer_files::load_zones(&files.zones)?);
        let mut roster = crate::layer_files::load_units(&files.units)?;
        if let Some(size) = args.fleet {
            if !(1..=MAX_FLEET).contains(&size) {
                bail!("--fleet {size}: from 1 to {MAX_FLEET} units");
            }
            roster = crate::demo::scenario::grown(roster, size);
        }
        let setting = crate::history::Setting {
            sim: crate::demo::scenario::simulator_of(&files, &roster, sim_config, config.start)?,
            traffic: traffic(places.clone()),
            roster,
            jurisdictions: Some(crate::hub::jurisdiction::Jurisdictions { org, zones }),
            places,
        };
        let absolute = |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let centre =
            crate::analysis::CentreFiles { org: Some(absolute(&files.org)), zones: vec![absolute(&files.zones)] };
        return Ok((setting, centre));
    }
    if args.fleet.is_some() {
        bail!("--fleet sizes the demo city's fleet; on a map, --units says how many drive it");
    }
    let graph = crate::spatial::RoadGraph::from_archive(&Archive::open(&args.map)?)?;
    let step = (graph.nodes.len() / 2_000).max(1);
    let places: Vec<(f64, f64)> = graph.nodes.iter().step_by(step).map(|p| (p[0], p[1])).collect();
    let sim = Simulator::new(graph, sim_config, config.start).with_context(|| format!("{}", args.map.display()))?;
    let setting = crate::history::Setting {
        sim,
        traffic: traffic(places.clone()),
        roster: Vec::new(),
        jurisdictions: None,
        places,
    };
    Ok((setting, crate::analysis::CentreFiles::default()))
}
