//! `pantau query`: spatial questions for scripts and analysts. For each query point (`--at`
//! or a `--points` file) it prints one JSON object: the zones holding it, the nearest
//! available units (by road with `--map`), or the cameras that see it; `route` prints the
//! fastest road route between two points; `calls` asks a hub for its open 110 calls,
//! `breaches` and `repeat-callers` read the 110 service's levels from a journal or a hub, and
//! `near-history` who was near a place in a period from a journal, and `coverage` which roads
//! the available units reach in time.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use serde_json::json;

use super::args::map_path;
use crate::basemap::Archive;
use crate::crs::parse_lonlat;
use crate::layer_files::points::read_points;
use crate::spatial::{dispatch::Router, CameraIndex, RoadGraph, UnitFilter, UnitIndex, ZoneIndex};

#[derive(Subcommand, Debug)]
pub enum QueryCommand {
    /// Which zones (every level) hold each point.
    Zone {
        /// Zone polygon files (GeoJSON, Shapefile, FlatGeobuf), e.g. kelurahan + kecamatan.
        #[arg(long, required = true, num_args = 1..)]
        zones: Vec<PathBuf>,
        #[command(flatten)]
        points: QueryPoints,
    },
    /// The k nearest available units (with --map: re-ranked by road ETA, with routes).
    Nearest {
        /// Units (GeoJSON / Shapefile / FlatGeobuf points or CSV with id, lon, lat, status, kind, time).
        #[arg(long)]
        units: PathBuf,
        #[command(flatten)]
        points: QueryPoints,
        /// How many units to list per point.
        #[arg(short, default_value_t = 5)]
        k: usize,
        /// A base map whose roads give drive times.
        #[arg(long)]
        map: Option<PathBuf>,
        /// Also consider units whose fix is older than 30 minutes.
        #[arg(long)]
        include_stale: bool,
    },
    /// The cameras that see each point.
    Cameras {
        /// Cameras (GeoJSON / Shapefile / FlatGeobuf / CSV, or a .pmtiles archive's OSM cameras).
        #[arg(long)]
        cameras: PathBuf,
        #[command(flatten)]
        points: QueryPoints,
    },
    /// The hub's open 110 calls, one JSON object a line.
    Calls {
        #[command(flatten)]
        hub: super::seat::HubArgs,
    },
    /// 110 service-level breaches, one JSON object a line: calls answered after 10 s (or never,
    /// past it) and incidents reached on scene after 10 minutes (or not yet, past it).
    Breaches {
        #[command(flatten)]
        source: super::seat::WorldSource,
        /// Only calls and incidents from this time on (ISO-8601 or epoch ms) [default: all]
        #[arg(long, value_parser = crate::feeds::osmand::parse_timestamp)]
        since: Option<i64>,
    },
    /// The numbers that call most (two calls or more), with how many were not genuine and
    /// where they rang first, one JSON object a line.
    RepeatCallers {
        #[command(flatten)]
        source: super::seat::WorldSource,
        /// Only calls from this time on (ISO-8601 or epoch ms) [default: the last 30 days]
        #[arg(long, value_parser = crate::feeds::osmand::parse_timestamp)]
        since: Option<i64>,
        /// How many numbers to list (with --by-node: at each node)
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// Each node's own top numbers, by where their calls first rang (each line names its `node`)
        #[arg(long)]
        by_node: bool,
    },
    /// Who was near a place in a period, from a journal: every unit with a fix within
    /// `--radius` metres of `--at` timed between `--from` and `--to`, one JSON object a line,
    /// the closest first.
    NearHistory {
        /// The journal folder.
        #[arg(long)]
        journal: PathBuf,
        /// The place, as LON,LAT.
        #[arg(long, value_parser = parse_lonlat, allow_hyphen_values = true)]
        at: (f64, f64),
        /// Metres around the place.
        #[arg(long)]
        radius: f64,
        /// The period's start, epoch ms or ISO-8601.
        #[arg(long, value_parser = super::args::parse_time)]
        from: i64,
        /// The period's end (included), epoch ms or ISO-8601.
        #[arg(long, value_parser = super::args::parse_time)]
        to: i64,
    },
    /// The roads the available units reach within `--minutes` by road (one multi-source
    /// search): one JSON object with the covered share of all road length and of each zone's.
    Coverage {
        /// The base map whose roads are driven, or `demo`/`demo:SEED`.
        #[arg(long)]
        map: PathBuf,
        /// Units (GeoJSON / Shapefile / FlatGeobuf points or CSV); those available or returning,
        /// with a fix from the last 30 minutes, count.
        #[arg(long)]
        units: PathBuf,
        /// The drive time, in minutes (0-240].
        #[arg(long, default_value_t = 10.0, value_parser = parse_minutes, allow_hyphen_values = true)]
        minutes: f64,
        /// Zone polygon files for per-zone shares [default: the demo city's zones on `demo`].
        #[arg(long, num_args = 1..)]
        zones: Vec<PathBuf>,
    },
    /// The fastest road route between two points.
    Route {
        /// The base map whose roads are driven, or `demo`/`demo:SEED`.
        #[arg(long)]
        map: PathBuf,
        /// Where the route starts, as LON,LAT.
        #[arg(long, value_parser = parse_lonlat, allow_hyphen_values = true)]
        from: (f64, f64),
        /// Where it ends, as LON,LAT.
        #[arg(long, value_parser = parse_lonlat, allow_hyphen_values = true)]
        to: (f64, f64),
    },
}

#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct QueryPoints {
    /// A query point as LON,LAT (repeat --at for more).
    #[arg(long, value_parser = parse_lonlat, allow_hyphen_values = true)]
    pub at: Vec<(f64, f64)>,
    /// A file of query points (GeoJSON / Shapefile / FlatGeobuf points).
    #[arg(long)]
    pub points: Option<PathBuf>,
}

impl QueryPoints {
    /// The `--at` points, or those of the `--points` file.
    fn resolve(&self) -> Result<Vec<(f64, f64)>> {
        match &self.points {
            Some(path) => Ok(read_points(path)?.into_iter().map(|p| (p.lon, p.lat)).collect()),
            None => Ok(self.at.clone()),
        }
    }
}

pub fn run(command: QueryCommand) -> Result<()> {
    match command {
        QueryCommand::Zone { zones, points } => zone(&zones, &points),
        QueryCommand::Nearest { units, points, k, map, include_stale } => {
            nearest(&units, &points, k, map, include_stale)
        }
        QueryCommand::Cameras { cameras, points } => cameras_seeing(&cameras, &points),
        QueryCommand::Route { map, from, to } => route(&map, from, to),
        QueryCommand::Coverage { map, units, minutes, zones } => coverage(&map, &units, minutes, &zones),
        QueryCommand::NearHistory { journal, at, radius, from, to } => near_history(&journal, at, radius, from, to),
        QueryCommand::Calls { hub } => open_calls(&hub),
        QueryCommand::Breaches { source, since } => {
            let world = source.world()?;
            let now = crate::model::now_millis();
            for breach in crate::world::service_levels::breaches(&world, since.unwrap_or(i64::MIN), now) {
                print(serde_json::to_value(breach)?);
            }
            Ok(())
        }
        QueryCommand::RepeatCallers { source, since, top, by_node } => {
            use crate::world::service_levels::{repeat_callers, repeat_callers_by_node};
            let world = source.world()?;
            let since = since.unwrap_or_else(|| crate::model::now_millis() - crate::model::calls::HISTORY_MS);
            if !by_node {
                for caller in repeat_callers(&world, since, top) {
                    print(serde_json::to_value(caller)?);
                }
                return Ok(());
            }
            for (node, callers) in repeat_callers_by_node(&world, since, top) {
                for caller in callers {
                    let mut line = serde_json::to_value(caller)?;
                    line["node"] = node.clone().into();
                    print(line);
                }
            }
            Ok(())
        }
    }
}

/// Logs in, takes the world and prints each open call.
fn open_calls(hub: &super::seat::HubArgs) -> Result<()> {
    use crate::hub::protocol::{FromHub, Want};
    let login = hub.login("query", Want::World)?;
    let pin = hub.pin()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let calls = runtime.block_on(async {
        let mut seat = super::seat::connect(&hub.hub, pin, login).await?;
        let calls = loop {
            match seat.next().await? {
                Some(FromHub::World { world, .. }) => break world.calls,
                Some(_) => continue,
                None => bail!("--hub {}: the hub closed before sending its world", hub.hub),
            }
        };
        seat.logout().await;
        Ok(calls)
    })?;
    for call in calls.iter().filter(|c| c.is_open()) {
        print(call_line(call));
    }
    Ok(())
}

/// One open call for scripts: where and since when it rings, where the caller is, and flags.
fn call_line(call: &crate::model::Call) -> serde_json::Value {
    let location = call.location.as_ref().map(|l| json!({"lon": l.lon, "lat": l.lat, "radius": l.radius}));
    json!({
        "id": call.id,
        "number": call.number,
        "channel": call.channel,
        "state": call.state,
        "tier": call.tier(),
        "node": call.node(),
        "rang_at": crate::model::iso8601(call.rang_at),
        "ringing_since": call.rings.last().map(|r| crate::model::iso8601(r.since)),
        "answered_by": call.answered_by,
        "location": location,
        "flags": call.flags.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        "flags_why": call.flags.iter().map(|f| f.why.as_str()).collect::<Vec<_>>(),
    })
}

fn print(v: serde_json::Value) {
    println!("{v}");
}

fn zone(zones: &[PathBuf], points: &QueryPoints) -> Result<()> {
    let points = points.resolve()?;
    let mut all = Vec::new();
    for path in zones {
        all.extend(crate::layer_files::load_zones(path)?);
    }
    let index = ZoneIndex::new(all);
    for (lon, lat) in points {
        let found: Vec<_> = index
            .lookup(lon, lat)
            .iter()
            .map(|z| {
                let level_name = crate::model::Zone::level_name(z.level);
                json!({"level": z.level, "level_name": level_name, "code": z.code, "name": z.name, "properties": z.properties})
            })
            .collect();
        print(json!({"at": [lon, lat], "zones": found}));
    }
    Ok(())
}

fn nearest(units: &Path, points: &QueryPoints, k: usize, map: Option<PathBuf>, include_stale: bool) -> Result<()> {
    let points = points.resolve()?;
    let units = crate::layer_files::load_units(units)?;
    let index = UnitIndex::build(&units);
    let filter =
        UnitFilter { max_age_ms: if include_stale { None } else { Some(30 * 60_000) }, ..UnitFilter::available() };
    let now = crate::model::now_millis();
    let router = map
        .map(|m| {
            Archive::open(&map_path(&m, crate::demo::DEFAULT_SEED)?)
                .and_then(|a| RoadGraph::from_archive(&a))
                .map(Router::new)
        })
        .transpose()?;
    for (lon, lat) in points {
        let rows: Vec<serde_json::Value> = match &router {
            Some(r) => r
                .rank(&index, &units, (lon, lat), k, 10, &filter, now)
                .into_iter()
                .map(|c| {
                    let u = &units[c.slot as usize];
                    json!({"id": u.id, "callsign": u.callsign, "distance_m": c.straight_m.round(), "road_m": c.road_m.map(f64::round), "eta_s": c.eta_s.map(f64::round), "route": c.route})
                })
                .collect(),
            None => index
                .nearest(&units, lon, lat, k, &filter, now)
                .into_iter()
                .map(|n| {
                    let u = &units[n.slot as usize];
                    json!({"id": u.id, "callsign": u.callsign, "distance_m": n.distance_m.round()})
                })
                .collect(),
        };
        print(json!({"at": [lon, lat], "units": rows}));
    }
    Ok(())
}

fn cameras_seeing(cameras: &Path, points: &QueryPoints) -> Result<()> {
    let points = points.resolve()?;
    let list = if cameras.extension().is_some_and(|e| e == "pmtiles") {
        crate::layer_files::cameras_from_archive(&Archive::open(cameras)?)?
    } else {
        crate::layer_files::load_cameras(cameras)?
    };
    let index = CameraIndex::new(list);
    for (lon, lat) in points {
        let seen: Vec<_> = index.covering(lon, lat).into_iter().map(|i| &index.cameras()[i as usize]).collect();
        print(json!({"at": [lon, lat], "cameras": seen}));
    }
    Ok(())
}

fn route(map: &Path, from: (f64, f64), to: (f64, f64)) -> Result<()> {
    let router = Router::new(RoadGraph::from_archive(&Archive::open(&map_path(map, crate::demo::DEFAULT_SEED)?)?)?);
    match router.route(from, to) {
        Some((seconds, metres, line)) => print(
            json!({"from": [from.0, from.1], "to": [to.0, to.1], "eta_s": seconds.round(), "road_m": metres.round(), "route": line}),
        ),
        None => bail!("{}: no road route from {from:?} to {to:?}", map.display()),
    }
    Ok(())
}

/// Minutes of drive time, more than 0 and at most 4 hours.
fn parse_minutes(s: &str) -> Result<f64> {
    let minutes: f64 = s.trim().parse().map_err(|_| anyhow::anyhow!("{s:?} is not a number of minutes"))?;
    if !(minutes > 0.0 && minutes <= 240.0) {
        bail!("{s:?}: minutes must be more than 0 and at most 240");
    }
    Ok(minutes)
}

fn coverage(map: &Path, units: &Path, minutes: f64, zone_files: &[PathBuf]) -> Result<()> {
    let archive_path = map_path(map, crate::demo::DEFAULT_SEED)?;
    let router = Router::new(RoadGraph::from_archive(&Archive::open(&archive_path)?)?);
    if router.graph().node_count() == 0 {
        bail!("--map {}: the map has no roads to drive", map.display());
    }
    let units = crate::layer_files::load_units(units)?;
    let zone_files = match (zone_files, super::args::demo_seed(map, crate::demo::DEFAULT_SEED)?) {
        ([], Some(seed)) => vec![crate::demo::cached(seed)?.zones],
        (given, _) => given.to_vec(),
    };
    let mut zones = Vec::new();
    for path in &zone_files {
        zones.extend(crate::layer_files::load_zones(path)?);
    }
    let index = ZoneIndex::new(zones);
    let limit_s = (minutes * 60.0) as f32;
    let now = crate::model::now_millis();
    let coverage = crate::spatial::coverage::Coverage::of_units(&router, &index, &units, limit_s, now);
    let totals = coverage.totals();
    let per_zone: Vec<serde_json::Value> = index
        .zones()
        .iter()
        .enumerate()
        .map(|(slot, z)| {
            let (covered, road) = totals.zones[slot];
            json!({"code": z.code, "name": z.name, "level": z.level, "road_km": km(road), "covered_km": km(covered), "covered_share": totals.zone_share(slot).map(round4)})
        })
        .collect();
    print(json!({
        "minutes": minutes,
        "units_counted": coverage.sources().count(),
        "road_km": km(totals.road_m),
        "covered_km": km(totals.covered_m),
        "covered_share": round4(totals.share()),
        "zones": per_zone,
    }));
    Ok(())
}

fn km(metres: f64) -> f64 {
    (metres / 10.0).round() / 100.0
}

fn round4(share: f64) -> f64 {
    (share * 10_000.0).round() / 10_000.0
}

fn near_history(journal: &Path, at: (f64, f64), radius: f64, from: i64, to: i64) -> Result<()> {
    if !journal.join("events").is_dir() {
        bail!("--journal {}: not a journal (no events/ in it)", journal.display());
    }
    for sighting in crate::analysis::near::near(journal, at, radius, from, to)? {
        println!("{}", serde_json::to_string(&sighting)?);
    }
    Ok(())
}
