//! `pantau render`: draws a base map (or the demo city) to a PNG on the GPU without a window,
//! at a given centre, zoom, bearing, size and theme, optionally with zone files over it (fills,
//! borders and names, as the console draws them), and prints what it wrote.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::args::{map_path, parse_size, parse_zoom};
use crate::crs::parse_lonlat;
use crate::layer_files::load_zones;
use crate::model::now_millis;
use crate::render::{self, Gpu, LiveLayers, MapLayer, Theme, ThemeName, View};
use crate::spatial::zones::ZoneIndex;

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// The base map archive, or `demo` or `demo:SEED` for the generated demo city (made under
    /// tiles/ on first use; a file or folder called demo is `./demo`).
    #[arg(long)]
    pub map: PathBuf,
    /// The demo city's seed, with `--map demo`.
    #[arg(long, default_value_t = crate::demo::DEFAULT_SEED)]
    pub seed: u64,
    /// View centre as LON,LAT (default: the centre of the map's bounds).
    #[arg(long, value_parser = parse_lonlat, allow_hyphen_values = true)]
    pub center: Option<(f64, f64)>,
    /// Web-map zoom, 0-22 (default: fit the map's bounds).
    #[arg(long, value_parser = parse_zoom)]
    pub zoom: Option<f64>,
    /// Clockwise rotation in degrees.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub bearing: f64,
    /// Image size as WIDTHxHEIGHT.
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    pub size: (u32, u32),
    /// The map's colours.
    #[arg(long, value_enum, default_value_t = ThemeName::Day)]
    pub theme: ThemeName,
    /// A style file to use instead of the built-in one (see layers/style.toml).
    #[arg(long)]
    pub style: Option<PathBuf>,
    /// Leave out road, district and station names.
    #[arg(long)]
    pub no_labels: bool,
    /// Zone files (kelurahan, kecamatan, patrol rayons...) to draw over the map as the console
    /// does: the finest level filled, every level's borders, the zones' names.
    #[arg(long, num_args = 1..)]
    pub zones: Vec<PathBuf>,
    /// The PNG to write.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(mut args: RenderArgs) -> Result<()> {
    args.map = map_path(&args.map, args.seed)?;
    let (width, height) = args.size;
    let theme = match &args.style {
        Some(path) => Theme::load(path, args.theme)?,
        None => Theme::builtin(args.theme),
    };
    let gpu = Gpu::headless()?;
    let mut layer = MapLayer::new(&gpu, render::TARGET_FORMAT, &args.map, theme)?;
    layer.set_labels(!args.no_labels);
    let view = view_for(&layer, &args);
    let image = if args.zones.is_empty() {
        render::render_image(&gpu, &mut layer, &view)?
    } else {
        let mut zones = Vec::new();
        for path in &args.zones {
            zones.extend(load_zones(path)?);
        }
        let zones = ZoneIndex::new(zones);
        let mut live = LiveLayers::new(&gpu.device, render::TARGET_FORMAT, view.center_lonlat(), now_millis());
        live.set_palette(layer.theme().palette.clone());
        live.set_zones(&zones);
        layer.set_world_labels(render::live::zone_names(zones.zones()));
        render::render_image_with(&gpu, &mut layer, Some((&mut live, now_millis())), &view)?
    };
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

/// The map's bounds fitted to the image, then `--center`, `--zoom` and `--bearing` applied.
fn view_for(layer: &MapLayer, args: &RenderArgs) -> View {
    let (width, height) = args.size;
    let mut view = View::fit(layer.header.bounds, width, height);
    if let Some((lon, lat)) = args.center {
        view.center = crate::crs::lonlat_to_world(lon, lat);
    }
    if let Some(zoom) = args.zoom {
        view.zoom = zoom;
    }
    view.bearing = args.bearing;
    view
}
