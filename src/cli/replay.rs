//! `pantau replay`: the map as it was at a moment, from a journal, without a window: the world
//! rebuilt at `--at`, drawn and stamped as evidence (see `ui::evidence`).

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use super::args::{map_path, parse_size, parse_time, parse_zoom};
use crate::crs::parse_lonlat;
use crate::journal::timeline;
use crate::model::Millis;
use crate::render::{ThemeName, View};
use crate::ui::evidence::{picture, Stamp};

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The journal folder.
    #[arg(long)]
    pub journal: PathBuf,
    /// The moment, epoch ms or ISO-8601.
    #[arg(long, value_parser = parse_time)]
    pub at: Millis,
    /// The base map archive, or `demo`/`demo:SEED`.
    #[arg(long)]
    pub map: PathBuf,
    /// The PNG to write.
    #[arg(long)]
    pub out: PathBuf,
    /// View centre as LON,LAT (default: the map's bounds fitted).
    #[arg(long, value_parser = parse_lonlat, allow_hyphen_values = true)]
    pub center: Option<(f64, f64)>,
    /// Web-map zoom, 0-22 (default: the map's bounds fitted).
    #[arg(long, value_parser = parse_zoom)]
    pub zoom: Option<f64>,
    /// Image size as WIDTHxHEIGHT.
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    pub size: (u32, u32),
    /// The map's colours.
    #[arg(long, value_enum, default_value_t = ThemeName::Night)]
    pub theme: ThemeName,
}

pub fn run(args: ReplayArgs) -> Result<()> {
    if !args.journal.join("events").is_dir() {
        bail!("--journal {}: not a journal (no events/ in it)", args.journal.display());
    }
    let (world, seq) = timeline::seek(&args.journal, args.at)?;
    let stamp = Stamp::read(&args.journal, args.at, seq)?;
    let map = map_path(&args.map, crate::demo::DEFAULT_SEED)?;
    let view = match (args.center, args.zoom) {
        (None, None) => None,
        (center, zoom) => {
            let (width, height) = args.size;
            let bounds = crate::basemap::Archive::open(&map)?.header.bounds;
            let mut view = View::fit(bounds, width, height);
            if let Some((lon, lat)) = center {
                view.center = crate::crs::lonlat_to_world(lon, lat);
            }
            if let Some(zoom) = zoom {
                view.zoom = zoom;
            }
            Some(view)
        }
    };
    picture(&world, &stamp, &map, view, args.size, args.theme, &args.out)?;
    let open = world.alarms().iter().filter(|a| a.state.is_open()).count();
    let placed = world.units().iter().filter(|u| u.last_fix.is_some()).count();
    println!("wrote {} ({}; {placed} units placed, {open} alarms open)", args.out.display(), stamp.words());
    Ok(())
}
