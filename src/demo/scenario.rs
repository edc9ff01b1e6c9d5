//! The demo's live scenario: the demo fleet patrolling the demo roads from its stations, panic
//! alarms at the alarm sites a few times a minute (and the odd SOS from a unit), and rush-hour
//! congestion waves on the major roads, and 110 calls from people at the alarm sites' places
//! (locations by AML, repeat pranksters, hang-ups). It is the ordinary simulator, so its events
//! take the normal feed and event path.

use anyhow::{Context, Result};

use super::DemoFiles;
use crate::basemap::Archive;
use crate::layer_files::{load_units, read_points};
use crate::model::{Millis, Unit};
use crate::sim::calls::{CallTraffic, CallTrafficConfig};
use crate::sim::{Fleet, SimConfig, Simulator};
use crate::spatial::RoadGraph;

/// One fix every five seconds per unit.
pub const REPORT_HZ: f64 = 0.2;
pub const ALARMS_PER_MIN: f64 = 3.0;

/// The demo's 110 traffic for a seed: callers are where the alarm sites are (shops, banks,
/// markets: where people are).
pub fn call_traffic(files: &DemoFiles, seed: u64, start: Millis) -> Result<CallTraffic> {
    let places = read_points(&files.alarm_sites)
        .with_context(|| format!("{}: cannot read the alarm sites", files.alarm_sites.display()))?
        .into_iter()
        .map(|p| (p.lon, p.lat))
        .collect();
    Ok(CallTraffic::new(CallTrafficConfig { seed, ..CallTrafficConfig::default() }, places, start))
}

/// The scenario's usual settings for a seed.
pub fn config(seed: u64) -> SimConfig {
    SimConfig { units: 0, rate_hz: REPORT_HZ, alarms_per_min: ALARMS_PER_MIN, seed }
}

/// The demo fleet and alarm sites under `config`'s report rate, alarm rate and seed (its unit
/// count is the fleet's).
pub fn simulator(files: &DemoFiles, config: SimConfig, start: Millis) -> Result<Simulator> {
    simulator_of(files, &load_units(&files.units)?, config, start)
}

/// As [`simulator`], driving `roster` (each unit from its last fix) instead of the demo fleet.
pub fn simulator_of(files: &DemoFiles, roster: &[Unit], config: SimConfig, start: Millis) -> Result<Simulator> {
    let graph = RoadGraph::from_archive(&Archive::open(&files.map)?)?;
    let units = roster.iter().filter_map(|u| u.last_fix.map(|f| (u.id.clone(), f.lon, f.lat))).collect();
    let sites = read_points(&files.alarm_sites)
        .with_context(|| format!("{}: cannot read the alarm sites", files.alarm_sites.display()))?
        .into_iter()
        .map(|p| (p.tag("id").unwrap_or_default().to_string(), p.lon, p.lat))
        .collect();
    Simulator::with_fleet(graph, Fleet { units, sites, rush_hour: true }, config, start)
}

/// The demo fleet made `size` units, as a bigger (or smaller) centre's: its first `size`, and
/// past its own, copies of them (id and callsign with `-2`, `-3`... after them), each starting
/// from its original's station.
pub fn grown(fleet: Vec<Unit>, size: usize) -> Vec<Unit> {
    let own = fleet.len();
    if own == 0 {
        return fleet;
    }
    let extra: Vec<Unit> = (own..size)
        .map(|k| {
            let mut copy = fleet[k % own].clone();
            let round = k / own + 1;
            (copy.id, copy.callsign) = (format!("{}-{round}", copy.id), format!("{}-{round}", copy.callsign));
            copy
        })
        .collect();
    fleet.into_iter().chain(extra).take(size).collect()
}
