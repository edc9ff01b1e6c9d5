//! `pantau` with no command: the command-centre window. On the demo city (the default) it
//! runs the demo's scenario with its own layers and feeds; on a real map it hosts the feeds
//! `pantau serve` would run (settings from `--config`, `--journal`, `--insecure`) with the
//! zone, camera and unit files given.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::Args;

use super::args::{demo_seed, parse_zoom};
use crate::layer_files::points::read_points;
use crate::ops::{Centre, SessionConfig};
use crate::render::ThemeName;
use crate::service::ServeSettings;
use crate::ui::Place;

/// The window (`pantau` with no command): the demo city and its scenario unless `--map` names
/// a real one.
#[derive(Args, Debug)]
pub struct AppArgs {
    #[command(flatten)]
    pub city: CityArgs,
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
    /// This seat's role: what it may do (viewers and analysts cannot act on alarms).
    #[arg(long, value_enum, default_value = "operator")]
    pub role: crate::model::Role,
    /// Who is at this desk (recorded with every command).
    #[arg(long, default_value = "operator")]
    pub user: String,
    #[command(flatten)]
    pub window: WindowArgs,
}

/// The city the window shows (the app's and `pantau desk`'s): its map and fixed layers.
#[derive(Args, Debug)]
pub struct CityArgs {
    /// A base map archive, or `demo` (the default) or `demo:SEED` for the generated demo city
    /// with its layers (a file or folder called demo is `./demo`).
    #[arg(long, default_value = "demo")]
    pub map: PathBuf,
    /// The demo city's seed.
    #[arg(long, default_value_t = crate::demo::DEFAULT_SEED)]
    pub seed: u64,
    /// Zone polygon files (rayon, kelurahan, kecamatan, ...), for a real map.
    #[arg(long, num_args = 1..)]
    pub zones: Vec<PathBuf>,
    /// Cameras (GeoJSON / Shapefile / FlatGeobuf / CSV), for a real map.
    #[arg(long)]
    pub cameras: Option<PathBuf>,
    /// The organisation tree (TOML: Mabes, Polda, Polres, Polsek and their zone codes), to say
    /// which of them each alarm belongs to; for a real map.
    #[arg(long)]
    pub org: Option<PathBuf>,
}

impl CityArgs {
    /// The demo city's seed when `--map` names the demo city; its own layers then refuse the
    /// layer options.
    pub fn demo_seed(&self) -> Result<Option<u64>> {
        let seed = demo_seed(&self.map, self.seed)?;
        if seed.is_some() {
            refuse_given(&[
                ("--zones", !self.zones.is_empty()),
                ("--cameras", self.cameras.is_some()),
                ("--org", self.org.is_some()),
            ])?;
        }
        Ok(seed)
    }
}

/// Options for a real city given with the demo city, which brings its own layers and feeds:
/// refused rather than ignored.
fn refuse_given(options: &[(&str, bool)]) -> Result<()> {
    let given: Vec<&str> = options.iter().filter_map(|(name, set)| set.then_some(*name)).collect();
    if !given.is_empty() {
        bail!(
            "{} apply to a real city (--map FILE.pmtiles); the demo city brings its own layers and feeds",
            given.join(", ")
        );
    }
    Ok(())
}

/// How the window looks and behaves (the app's and `pantau desk`'s).
#[derive(Args, Debug)]
pub struct WindowArgs {
    /// Video-wall mode: fullscreen, no editing chrome, large type (F11 toggles).
    #[arg(long)]
    pub wall: bool,
    /// On the wall, the focus view (the newest alarm, close up) gets a window of its own, to
    /// put on another screen, instead of sharing the overview's.
    #[arg(long)]
    pub focus_window: bool,
    /// The map's colours: day, or night for a darkened room.
    #[arg(long, value_enum, default_value = "day")]
    pub theme: ThemeName,
    /// Write a PNG of the window after `--screenshot-after` seconds, then close.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    /// Seconds after the start at which `--screenshot` is taken.
    #[arg(long, default_value_t = 5.0)]
    pub screenshot_after: f32,
    /// The map's home view centre as LON,LAT (default: where most of the city's roads are).
    #[arg(long, value_parser = crate::crs::parse_lonlat, allow_hyphen_values = true)]
    pub center: Option<(f64, f64)>,
    /// The home view's zoom, 0-22 (default: fit the city's roads).
    #[arg(long, value_parser = parse_zoom)]
    pub zoom: Option<f64>,
    /// Start with the alert sounds off (the status strip's "sound" button turns them on).
    #[arg(long)]
    pub mute: bool,
    /// Seconds an officer's SOS may wait unacknowledged before the stronger alert sounds, and
    /// then between repeats.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub escalate_after: u64,
}

impl WindowArgs {
    /// The window on `session`, drawing the stations and alarm sites given.
    pub fn open(
        self,
        session: SessionConfig,
        places: (Vec<Place>, Vec<Place>),
        login_name: Option<String>,
    ) -> Result<()> {
        crate::ui::run(crate::ui::AppOptions {
            session,
            wall: self.wall,
            focus_window: self.focus_window,
            theme: self.theme,
            stations: places.0,
            sites: places.1,
            screenshot: self.screenshot.map(|p| (p, self.screenshot_after)),
            mute: self.mute,
            center: self.center,
            zoom: self.zoom,
            escalate_after: std::time::Duration::from_secs(self.escalate_after),
            login_name,
        })
    }
}

pub fn run(args: AppArgs) -> Result<()> {
    let (session, places) = if let Some(seed) = args.city.demo_seed()? {
        refuse_given(&[
            ("--units", args.units.is_some()),
            ("--config", args.config.is_some()),
            ("--insecure", args.insecure),
        ])?;
        let session = SessionConfig::demo(seed, &args.user, args.role)?;
        let files = crate::demo::DemoFiles::in_dir(&session.map.parent().map(Path::to_path_buf).unwrap_or_default());
        (session, demo_places(&files)?)
    } else {
        (real_city(&args)?, Default::default())
    };
    args.window.open(session, places, None)
}

/// The demo city's stations and alarm sites, to find and draw.
pub fn demo_places(files: &crate::demo::DemoFiles) -> Result<(Vec<Place>, Vec<Place>)> {
    Ok((places(&files.stations)?, places(&files.alarm_sites)?))
}

/// A real map: the feeds hosted as `pantau serve` would run them, with this window's
/// `--journal` and `--insecure` over the `--config` file over the service's defaults.
fn real_city(args: &AppArgs) -> Result<SessionConfig> {
    let file = ServeSettings::from_optional_file(args.config.as_deref())?;
    let flags = ServeSettings {
        journal: args.journal.clone(),
        insecure: args.insecure.then_some(true),
        ..ServeSettings::default()
    };
    let serve = flags.over(file).into_config()?;
    Ok(SessionConfig {
        centre: Centre::Here { serve: Box::new(serve), user: args.user.clone(), role: args.role },
        map: args.city.map.clone(),
        zones: args.city.zones.clone(),
        cameras: args.city.cameras.clone(),
        units: args.units.clone(),
        org: args.city.org.clone(),
        scenario: None,
    })
}

/// The named points of a layer file (stations, alarm sites), labelled by `name`, else `id`.
fn places(path: &Path) -> Result<Vec<Place>> {
    Ok(read_points(path)?
        .into_iter()
        .map(|p| {
            let id = p.tag("id").unwrap_or_default().to_string();
            Place { label: p.tag("name").unwrap_or(&id).to_string(), id, lon: p.lon, lat: p.lat }
        })
        .collect())
}
