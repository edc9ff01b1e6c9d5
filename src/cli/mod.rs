//! The `pantau` command line: argument parsing and one function per command. Commands print
//! results on stdout; errors name the input and the reason, and exit non-zero.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use crate::basemap::{self, Archive, ImportOptions};
use crate::render::{self, Gpu, MapLayer, Theme, ThemeName, View};

#[derive(Parser, Debug)]
#[command(name = "pantau", version, about = "GPU map for traffic-management and police command centres")]
pub struct Cli {
    /// Without a command: open the command-centre window.
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub app: AppArgs,
}

/// The window (`pantau` with no command): the demo city and its scenario unless `--map` names
/// a real one.
#[derive(Args, Debug)]
pub struct AppArgs {
    /// A base map archive, or `demo` (the default) for the generated demo city with its live
    /// scenario.
    #[arg(long, default_value = "demo")]
    pub map: PathBuf,
    /// The demo city's seed.
    #[arg(long, default_value_t = crate::demo::DEFAULT_SEED)]
    pub seed: u64,
    /// Zone polygon files (rayon, kelurahan, kecamatan, ...).
    #[arg(long, num_args = 1..)]
    pub zones: Vec<PathBuf>,
    /// Cameras (GeoJSON / Shapefile / FlatGeobuf / CSV).
    #[arg(long)]
    pub cameras: Option<PathBuf>,
    /// A unit roster (callsigns, kinds, home stations).
    #[arg(long)]
    pub units: Option<PathBuf>,
    /// `pantau serve` settings (TOML) for the feeds hosted in the app; a real map only.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Journal directory for a real map [default: journal]; the demo keeps one per session
    /// under its folder.
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Accept devices without tokens on the hosted feeds (closed networks only); a real map
    /// otherwise needs `tokens` in `--config`.
    #[arg(long)]
    pub insecure: bool,
    #[arg(long, value_enum, default_value = "operator")]
    pub role: crate::model::Role,
    /// Who is at this desk (recorded with every command).
    #[arg(long, default_value = "operator")]
    pub user: String,
    /// Video-wall mode: fullscreen, no editing chrome, large type (F11 toggles).
    #[arg(long)]
    pub wall: bool,
    /// On the wall, the focus view (the newest alarm, close up) gets a window of its own, to
    /// put on another screen, instead of sharing the overview's.
    #[arg(long)]
    pub focus_window: bool,
    #[arg(long, value_enum, default_value = "day")]
    pub theme: ThemeName,
    /// Write a PNG of the window after `--screenshot-after` seconds, then close.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    #[arg(long, default_value_t = 5.0)]
    pub screenshot_after: f32,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Import OSM PBF, Shapefile, GeoJSON or FlatGeobuf files into one PMTiles base map.
    Import(ImportArgs),
    /// Render a base map to a PNG without a window.
    Render(RenderArgs),
    /// Show a base map archive's bounds, zooms, layers and feature counts.
    Info(InfoArgs),
    /// Run the live feeds, world and journal without a window.
    Serve(ServeArgs),
    /// Inspect a journal.
    #[command(subcommand)]
    Journal(JournalCommand),
    /// Drive simulated patrol units on a map's roads and send them to a service (OsmAnd).
    Sim(SimArgs),
    /// Spatial questions for scripts and analysts; one JSON object per query point.
    #[command(subcommand)]
    Query(QueryCommand),
    /// Generate the demo city: its map archive and layer files (zones, stations, cameras,
    /// alarm sites, units), the same formats a real city uses.
    Demo(DemoArgs),
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// The same seed always gives the same city, byte for byte.
    #[arg(long, default_value_t = crate::demo::DEFAULT_SEED)]
    pub seed: u64,
    /// Directory to write into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

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
    /// The fastest road route between two points.
    Route {
        #[arg(long)]
        map: PathBuf,
        #[arg(long, value_parser = parse_lonlat, allow_hyphen_values = true)]
        from: (f64, f64),
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
    fn resolve(&self) -> Result<Vec<(f64, f64)>> {
        let Some(path) = &self.points else { return Ok(self.at.clone()) };
        let features = crate::basemap::source::read(path)?;
        features
            .iter()
            .enumerate()
            .map(|(i, f)| match &f.geometry {
                geo::Geometry::Point(p) => Ok((p.x(), p.y())),
                _ => Err(anyhow!("{}: feature {i} is not a point", path.display())),
            })
            .collect()
    }
}

#[derive(Args, Debug)]
pub struct SimArgs {
    /// The base map whose roads the units drive.
    #[arg(long)]
    pub map: PathBuf,
    #[arg(long, default_value_t = 100)]
    pub units: usize,
    /// Position reports per unit per second.
    #[arg(long, default_value_t = 1.0)]
    pub rate: f64,
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
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Args, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServeArgs {
    /// A TOML file with any of these settings (flags given here win).
    #[arg(long)]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Journal directory [default: journal]
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// OsmAnd / Traccar Client listener [default: 127.0.0.1:5055]
    #[arg(long)]
    pub osmand: Option<std::net::SocketAddr>,
    /// API listener: POST /alarms, POST /traccar, GET /metrics [default: 127.0.0.1:8082]
    #[arg(long)]
    pub http: Option<std::net::SocketAddr>,
    /// NMEA 0183 TCP listener (off unless given)
    #[arg(long)]
    pub nmea: Option<std::net::SocketAddr>,
    /// MQTT broker to subscribe to (`mqtt://host:port`): OwnTracks positions, pantau alarms
    #[arg(long)]
    pub mqtt: Option<String>,
    /// Per-device tokens, one `DEVICE TOKEN` a line
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    /// Accept devices without tokens (closed networks and tests only)
    #[arg(long)]
    #[serde(default)]
    pub insecure: bool,
    /// When to fsync the journal [default: per-batch]
    #[arg(long, value_enum)]
    pub fsync: Option<crate::journal::FsyncPolicy>,
    /// Unit of OsmAnd `speed` [default: knots, as Traccar]
    #[arg(long, value_enum)]
    pub speed_unit: Option<crate::feeds::osmand::SpeedUnit>,
    /// Positions that may wait for the writer before the oldest are shed [default: 200000]
    #[arg(long)]
    pub queue: Option<usize>,
}

#[derive(Subcommand, Debug)]
pub enum JournalCommand {
    /// Check every record's checksum and the hash chain; exits non-zero when broken.
    Verify {
        /// The journal directory.
        dir: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Input files (.osm.pbf, .shp with its .dbf/.shx/.prj, .geojson, .fgb).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The archive to write (replaced only when the import succeeds).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 8)]
    pub min_zoom: u8,
    #[arg(long, default_value_t = 16)]
    pub max_zoom: u8,
    /// Map name stored in the archive (default: the output file name).
    #[arg(long)]
    pub name: Option<String>,
    /// Attribution to show on the map ("© OpenStreetMap contributors" is added for PBF inputs).
    #[arg(long)]
    pub attribution: Option<String>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// The base map archive, or `demo` for the generated demo city (made under tiles/ on
    /// first use).
    #[arg(long)]
    pub map: PathBuf,
    /// The demo city's seed, with `--map demo`.
    #[arg(long, default_value_t = crate::demo::DEFAULT_SEED)]
    pub seed: u64,
    /// View centre as LON,LAT (default: the centre of the map's bounds).
    #[arg(long, value_parser = parse_lonlat, allow_hyphen_values = true)]
    pub center: Option<(f64, f64)>,
    /// Web-map zoom, 0-22 (default: fit the map's bounds).
    #[arg(long)]
    pub zoom: Option<f64>,
    /// Clockwise rotation in degrees.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub bearing: f64,
    /// Image size as WIDTHxHEIGHT.
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    pub size: (u32, u32),
    #[arg(long, value_enum, default_value_t = ThemeName::Day)]
    pub theme: ThemeName,
    /// A style file to use instead of the built-in one (see layers/style.toml).
    #[arg(long)]
    pub style: Option<PathBuf>,
    /// Leave out road, district and station names.
    #[arg(long)]
    pub no_labels: bool,
    /// The PNG to write.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// The base map archive.
    pub map: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: Cli) -> Result<()> {
    let Some(command) = cli.command else { return app(cli.app) };
    match command {
        Command::Import(args) => import(args),
        Command::Render(args) => render(args),
        Command::Info(args) => info(args),
        Command::Serve(args) => serve(args),
        Command::Journal(JournalCommand::Verify { dir, json }) => journal_verify(&dir, json),
        Command::Sim(args) => sim(args),
        Command::Demo(args) => demo(args),
        Command::Query(q) => query(q),
    }
}

fn import(args: ImportArgs) -> Result<()> {
    let report = basemap::import(&ImportOptions {
        inputs: args.inputs,
        out: args.out.clone(),
        min_zoom: args.min_zoom,
        max_zoom: args.max_zoom,
        name: args.name,
        attribution: args.attribution,
        progress: !args.quiet,
    })?;
    let counts: Vec<String> = report.feature_counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!(
        "wrote {} ({} tiles, {:.1} MB) in {:.2} s: {}",
        args.out.display(),
        report.tiles,
        report.bytes as f64 / 1e6,
        report.seconds,
        counts.join(", ")
    );
    Ok(())
}

fn demo(args: DemoArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let files = crate::demo::write(args.seed, &args.out)?;
    println!(
        "wrote the demo city (seed {}) to {} in {:.2} s: {}, {}, {}, {}, {}, {}",
        args.seed,
        files.dir.display(),
        started.elapsed().as_secs_f64(),
        file_name(&files.map),
        file_name(&files.zones),
        file_name(&files.stations),
        file_name(&files.cameras),
        file_name(&files.alarm_sites),
        file_name(&files.units),
    );
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

fn is_demo(map: &Path) -> bool {
    map == Path::new("demo") && !map.exists()
}

/// A map argument: a file, or `demo` for the cached demo city (`render` takes a `--seed`;
/// elsewhere the default seed's city).
fn map_path(map: &Path, seed: u64) -> Result<PathBuf> {
    if is_demo(map) {
        return Ok(crate::demo::cached(seed)?.map);
    }
    Ok(map.to_path_buf())
}

fn render(mut args: RenderArgs) -> Result<()> {
    args.map = map_path(&args.map, args.seed)?;
    let (width, height) = args.size;
    let theme = match &args.style {
        Some(path) => Theme::load(path, args.theme)?,
        None => Theme::builtin(args.theme),
    };
    let gpu = Gpu::headless()?;
    let mut layer = MapLayer::new(&gpu, render::TARGET_FORMAT, &args.map, theme)?;
    layer.set_labels(!args.no_labels);
    let view = view_for(&layer, &args)?;
    let image = render::render_image(&gpu, &mut layer, &view)?;
    image.write_png(&args.out)?;
    let (lon, lat) = view.center_lonlat();
    println!(
        "wrote {} ({width}x{height}, centre {lon:.5},{lat:.5}, zoom {:.2}, {})",
        args.out.display(),
        view.zoom,
        gpu.describe()
    );
    Ok(())
}

fn view_for(layer: &MapLayer, args: &RenderArgs) -> Result<View> {
    let (width, height) = args.size;
    let mut view = View::fit(layer.header.bounds, width, height);
    if let Some((lon, lat)) = args.center {
        view.center = crate::crs::lonlat_to_world(lon, lat);
    }
    if let Some(zoom) = args.zoom {
        if !(0.0..=22.0).contains(&zoom) {
            bail!("--zoom {zoom}: must be between 0 and 22");
        }
        view.zoom = zoom;
    }
    view.bearing = args.bearing;
    Ok(view)
}

fn info(args: InfoArgs) -> Result<()> {
    let archive = Archive::open(&map_path(&args.map, crate::demo::DEFAULT_SEED)?)?;
    let (h, m) = (&archive.header, &archive.metadata);
    if args.json {
        let json = serde_json::json!({
            "name": m.name,
            "bounds": [h.bounds.0, h.bounds.1, h.bounds.2, h.bounds.3],
            "center": [h.center.0, h.center.1],
            "min_zoom": h.min_zoom,
            "max_zoom": h.max_zoom,
            "tiles": h.tile_count,
            "layers": m.vector_layers.iter().map(|l| &l.id).collect::<Vec<_>>(),
            "feature_counts": m.feature_counts,
            "attribution": m.attribution,
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    println!("name:        {}", m.name);
    println!("bounds:      {:.5},{:.5},{:.5},{:.5} (W,S,E,N)", h.bounds.0, h.bounds.1, h.bounds.2, h.bounds.3);
    println!("zooms:       {}-{}", h.min_zoom, h.max_zoom);
    println!("tiles:       {}", h.tile_count);
    println!("attribution: {}", if m.attribution.is_empty() { "(none)" } else { &m.attribution });
    println!("layers:");
    for layer in &m.vector_layers {
        let count = m.feature_counts.get(&layer.id).copied().unwrap_or(0);
        println!("  {:<11} {count:>8} features", layer.id);
    }
    Ok(())
}

fn serve(args: ServeArgs) -> Result<()> {
    let config = serve_config(args)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(crate::feeds::serve::serve(config, crate::feeds::serve::signal(), |running| {
        let b = &running.bound;
        let show = |a: Option<std::net::SocketAddr>| a.map_or("off".to_string(), |a| a.to_string());
        println!("pantau serve: osmand {}, http {}, nmea {}", show(b.osmand), show(b.http), show(b.nmea));
    }))
}

/// `serve`'s flags over its `--config` file over the defaults.
fn serve_config(args: ServeArgs) -> Result<crate::feeds::serve::ServeConfig> {
    let file: ServeArgs = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
            toml::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?
        }
        None => ServeArgs::default(),
    };
    let default_addr = |port: u16| std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let config = crate::feeds::serve::ServeConfig {
        journal: args.journal.or(file.journal).unwrap_or_else(|| PathBuf::from("journal")),
        osmand: Some(args.osmand.or(file.osmand).unwrap_or(default_addr(5055))),
        http: Some(args.http.or(file.http).unwrap_or(default_addr(8082))),
        nmea: args.nmea.or(file.nmea),
        mqtt: args.mqtt.or(file.mqtt),
        tokens: args.tokens.or(file.tokens),
        insecure: args.insecure || file.insecure,
        fsync: args.fsync.or(file.fsync).unwrap_or(crate::journal::FsyncPolicy::PerBatch),
        speed_unit: args.speed_unit.or(file.speed_unit).unwrap_or_default(),
        queue_capacity: args.queue.or(file.queue).unwrap_or(200_000),
    };
    Ok(config)
}

fn app(args: AppArgs) -> Result<()> {
    use crate::ops::SessionConfig;
    use crate::ui::Place;
    let (session, stations, sites) = if is_demo(&args.map) {
        refuse_real_city_options(&args)?;
        let session = SessionConfig::demo(args.seed, &args.user, args.role)?;
        let files = crate::demo::DemoFiles::in_dir(&session.map.parent().map(Path::to_path_buf).unwrap_or_default());
        (session, named_points(&files.stations)?, named_points(&files.alarm_sites)?)
    } else {
        let serve = ServeArgs {
            config: args.config.clone(),
            journal: args.journal.clone(),
            insecure: args.insecure,
            ..ServeArgs::default()
        };
        let session = SessionConfig {
            serve: serve_config(serve)?,
            map: args.map.clone(),
            zones: args.zones.clone(),
            cameras: args.cameras.clone(),
            units: args.units.clone(),
            scenario: None,
            user: args.user.clone(),
            role: args.role,
        };
        (session, Vec::new(), Vec::new())
    };
    let place = |(label, lon, lat): (String, f64, f64)| Place { label, lon, lat };
    crate::ui::run(crate::ui::AppOptions {
        session,
        wall: args.wall,
        focus_window: args.focus_window,
        theme: args.theme,
        stations: stations.into_iter().map(place).collect(),
        sites: sites.into_iter().map(place).collect(),
        screenshot: args.screenshot.map(|p| (p, args.screenshot_after)),
    })
}

/// The demo city brings its own layers and feeds: options for a real city would be ignored,
/// so they are refused instead.
fn refuse_real_city_options(args: &AppArgs) -> Result<()> {
    let given: Vec<&str> = [
        ("--zones", !args.zones.is_empty()),
        ("--cameras", args.cameras.is_some()),
        ("--units", args.units.is_some()),
        ("--config", args.config.is_some()),
        ("--insecure", args.insecure),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    if !given.is_empty() {
        bail!(
            "{} apply to a real city (--map FILE.pmtiles); the demo city brings its own layers and feeds",
            given.join(", ")
        );
    }
    Ok(())
}

/// Named points of a layer file (stations, alarm sites).
fn named_points(path: &Path) -> Result<Vec<(String, f64, f64)>> {
    basemap::source::read(path)?
        .into_iter()
        .map(|f| match f.geometry {
            geo::Geometry::Point(p) => {
                Ok((f.tag("name").or(f.tag("id")).unwrap_or_default().to_string(), p.x(), p.y()))
            }
            _ => bail!("{}: a feature is not a point", path.display()),
        })
        .collect()
}

fn sim(args: SimArgs) -> Result<()> {
    use crate::feeds::sim::{run_osmand, SimConfig, Simulator};
    if !(args.rate > 0.0 && args.duration > 0.0 && args.speedup > 0.0 && args.alarms_per_min >= 0.0) {
        bail!("--rate, --duration and --speedup must be positive, --alarms-per-min not negative");
    }
    if args.units == 0 {
        bail!("--units must be at least 1");
    }
    let config =
        SimConfig { units: args.units, rate_hz: args.rate, alarms_per_min: args.alarms_per_min, seed: args.seed };
    let now = crate::model::now_millis();
    let mut simulator = if is_demo(&args.map) {
        // The demo's own scenario: its fleet (--units is ignored), alarm sites and rush hour.
        crate::demo::scenario::simulator(&crate::demo::cached(crate::demo::DEFAULT_SEED)?, config, now)?
    } else {
        let graph = crate::spatial::RoadGraph::from_archive(&Archive::open(&args.map)?)?;
        Simulator::new(graph, config, now).with_context(|| format!("{}", args.map.display()))?
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let started = std::time::Instant::now();
    let duration = (args.duration * 1000.0) as i64;
    let report = match &args.mqtt {
        Some(url) => runtime.block_on(crate::feeds::sim::run_mqtt(&mut simulator, url, duration, args.speedup))?,
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
        bail!(
            "{}: nothing was delivered (is the service or broker running there?)",
            args.mqtt.as_deref().unwrap_or(&args.target)
        );
    }
    Ok(())
}

fn query(q: QueryCommand) -> Result<()> {
    use crate::spatial::{dispatch::Router, CameraIndex, RoadGraph, UnitFilter, UnitIndex, ZoneIndex};
    use serde_json::json;
    let print = |v: serde_json::Value| println!("{v}");
    match q {
        QueryCommand::Zone { zones, points } => {
            let points = points.resolve()?;
            let mut all = Vec::new();
            for path in &zones {
                all.extend(crate::feeds::layers::load_zones(path)?);
            }
            let index = ZoneIndex::new(all);
            for (lon, lat) in points {
                let found: Vec<_> = index
                    .lookup(lon, lat)
                    .iter()
                    .map(|z| json!({"level": z.level, "code": z.code, "name": z.name, "properties": z.properties}))
                    .collect();
                print(json!({"at": [lon, lat], "zones": found}));
            }
        }
        QueryCommand::Nearest { units, points, k, map, include_stale } => {
            let points = points.resolve()?;
            let units = crate::feeds::layers::load_units(&units)?;
            let index = UnitIndex::build(&units);
            let filter = UnitFilter {
                max_age_ms: if include_stale { None } else { Some(30 * 60_000) },
                ..UnitFilter::available()
            };
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
                    Some(r) => r.rank(&index, &units, (lon, lat), k, 10, &filter, now).into_iter().map(|c| {
                        let u = &units[c.slot as usize];
                        json!({"id": u.id, "callsign": u.callsign, "distance_m": c.straight_m.round(), "road_m": c.road_m.map(f64::round), "eta_s": c.eta_s.map(f64::round), "route": c.route})
                    }).collect(),
                    None => index.nearest(&units, lon, lat, k, &filter, now).into_iter().map(|n| {
                        let u = &units[n.slot as usize];
                        json!({"id": u.id, "callsign": u.callsign, "distance_m": n.distance_m.round()})
                    }).collect(),
                };
                print(json!({"at": [lon, lat], "units": rows}));
            }
        }
        QueryCommand::Cameras { cameras, points } => {
            let points = points.resolve()?;
            let list = if cameras.extension().is_some_and(|e| e == "pmtiles") {
                crate::feeds::layers::cameras_from_archive(&Archive::open(&cameras)?)?
            } else {
                crate::feeds::layers::load_cameras(&cameras)?
            };
            let index = CameraIndex::new(list);
            for (lon, lat) in points {
                let seen: Vec<_> = index.covering(lon, lat).into_iter().map(|i| &index.cameras()[i as usize]).collect();
                print(json!({"at": [lon, lat], "cameras": seen}));
            }
        }
        QueryCommand::Route { map, from, to } => {
            let router =
                Router::new(RoadGraph::from_archive(&Archive::open(&map_path(&map, crate::demo::DEFAULT_SEED)?)?)?);
            match router.route(from, to) {
                Some((seconds, metres, line)) => print(
                    json!({"from": [from.0, from.1], "to": [to.0, to.1], "eta_s": seconds.round(), "road_m": metres.round(), "route": line}),
                ),
                None => bail!("{}: no road route from {from:?} to {to:?}", map.display()),
            }
        }
    }
    Ok(())
}

fn journal_verify(dir: &std::path::Path, json: bool) -> Result<()> {
    let report = crate::journal::verify(dir)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("journal {}: {} records in {} segments", dir.display(), report.records, report.segments);
        for (kind, n) in &report.counts {
            println!("  {kind:<10} {n}");
        }
        for (stream, head) in &report.heads {
            println!("  head {stream}: {head}");
        }
        for p in report.problems.iter().chain(&report.snapshot_problems) {
            println!("  PROBLEM: {p}");
        }
        println!("chain: {}", if report.problems.is_empty() { "intact" } else { "BROKEN" });
        if report.snapshots > 0 {
            let verdict = if report.snapshot_problems.is_empty() { "sound" } else { "UNSOUND" };
            println!("snapshots: {} checked, {verdict}", report.snapshots);
        }
    }
    if !report.problems.is_empty() {
        bail!("{}: the journal chain is broken ({} problems)", dir.display(), report.problems.len());
    }
    if !report.snapshot_problems.is_empty() {
        bail!(
            "{}: {} snapshots are damaged or do not match the journal (restarts pass over them)",
            dir.display(),
            report.snapshot_problems.len()
        );
    }
    Ok(())
}

pub fn parse_lonlat(s: &str) -> Result<(f64, f64)> {
    let (lon, lat) = s.split_once(',').ok_or_else(|| anyhow!("expected LON,LAT, got {s:?}"))?;
    let lon: f64 = lon.trim().parse().with_context(|| format!("bad longitude {lon:?}"))?;
    let lat: f64 = lat.trim().parse().with_context(|| format!("bad latitude {lat:?}"))?;
    if !(-180.0..=180.0).contains(&lon) || !(-85.06..=85.06).contains(&lat) {
        bail!("{s:?} is outside the map (longitude -180..180, latitude -85..85)");
    }
    Ok((lon, lat))
}

fn parse_size(s: &str) -> Result<(u32, u32)> {
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(|| anyhow!("expected WIDTHxHEIGHT, got {s:?}"))?;
    let (w, h): (u32, u32) = (w.parse()?, h.parse()?);
    if !(16..=8192).contains(&w) || !(16..=8192).contains(&h) {
        bail!("{s:?}: width and height must be 16-8192 pixels");
    }
    Ok((w, h))
}
