//! `pantau replay`: the map as it was at a moment, from a journal, without a window: the world
//! rebuilt at `--at` (units where they last reported, by status, and the alarms open then) over
//! the base map and the journal's zones, stamped with the moment and the journal's record it
//! was read up to (in the picture and in the PNG's text chunks), for evidence.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use super::args::{map_path, parse_size, parse_time, parse_zoom};
use crate::analysis::CentreFiles;
use crate::crs::parse_lonlat;
use crate::journal::timeline;
use crate::model::Millis;
use crate::render::{self, Gpu, LiveLayers, MapLayer, Theme, ThemeName, View, WorldLabel};
use crate::spatial::zones::ZoneIndex;

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
    let head = stamp_head(&args.journal, seq)?;
    let map = map_path(&args.map, crate::demo::DEFAULT_SEED)?;
    let (width, height) = args.size;
    let gpu = Gpu::headless()?;
    let mut layer = MapLayer::new(&gpu, render::TARGET_FORMAT, &map, Theme::builtin(args.theme))?;
    let mut view = View::fit(layer.header.bounds, width, height);
    if let Some((lon, lat)) = args.center {
        view.center = crate::crs::lonlat_to_world(lon, lat);
    }
    if let Some(zoom) = args.zoom {
        view.zoom = zoom;
    }
    let mut live = LiveLayers::new(&gpu.device, render::TARGET_FORMAT, view.center_lonlat(), args.at);
    live.set_palette(layer.theme().palette.clone());
    live.style.units_gathered = false;
    let mut labels = Vec::new();
    let zones = CentreFiles::read(&args.journal)?.zones;
    if !zones.is_empty() {
        let mut all = Vec::new();
        for path in &zones {
            all.extend(crate::layer_files::load_zones(path)?);
        }
        let index = ZoneIndex::new(all);
        live.set_zones(&index);
        labels.extend(render::live::zone_names(index.zones()));
    }
    let slots: Vec<u32> = (0..world.units().len() as u32).collect();
    live.update_units(world.units(), &slots, None);
    let alarm_slots: Vec<u32> = (0..world.alarms().len() as u32).collect();
    live.update_alarms(world.alarms(), &alarm_slots, None, |_| true);
    let words = format!("{} · journal to record {seq} ({})", crate::model::iso8601(args.at), &head[..12]);
    if let Some(slot) = crate::basemap::mesh::slot("boundary.4") {
        let (wx, wy) = view.screen_to_world(f64::from(width) / 2.0, 28.0);
        labels.push(WorldLabel { text: words.clone(), world: [wx, wy], slot });
    }
    layer.set_world_labels(labels);
    let image = render::render_image_with(&gpu, &mut layer, Some((&mut live, args.at)), &view)?;
    let text = [("pantau:time", crate::model::iso8601(args.at)), ("pantau:journal-head", format!("{seq} {head}"))];
    image.write_png_with_text(&args.out, &text)?;
    let open = world.alarms().iter().filter(|a| a.state.is_open()).count();
    let placed = world.units().iter().filter(|u| u.last_fix.is_some()).count();
    println!("wrote {} ({words}; {placed} units placed, {open} alarms open)", args.out.display());
    Ok(())
}

/// The chain hash of record `seq` (hex), which the picture is stamped with: anyone holding the
/// journal can check the picture was read from it, up to that record.
fn stamp_head(journal: &std::path::Path, seq: u64) -> Result<String> {
    if seq == 0 {
        return Ok("0".repeat(64));
    }
    let mut found = None;
    timeline::read_records_from(journal, seq, |record| {
        if record.seq == seq {
            found = Some(record.hash);
        }
        record.seq < seq
    })?;
    match found {
        Some(hash) => Ok(hash.iter().map(|b| format!("{b:02x}")).collect()),
        None => bail!("journal {}: record {seq} is not there", journal.display()),
    }
}
