//! Evidence: the map as it was at a moment, drawn without a window (units where they last
//! reported, in their status colours at every zoom; the alarms open then; the journal's zones)
//! and stamped, in the picture and in the PNG's text chunks, with the moment and the last
//! journal record it was read up to with that record's chain hash, so anyone holding the
//! journal can check what it was made from; and the tracks shown, as GeoJSON with the same
//! stamp. `pantau replay` and the app's **Save evidence** both make it here.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use serde_json::json;

use crate::analysis::Places;
use crate::journal::timeline;
use crate::model::{iso8601, Millis};
use crate::ops::tracks::TrackPoint;
use crate::render::{self, Gpu, LiveLayers, MapLayer, Theme, ThemeName, View};
use crate::world::World;

/// What a picture is read from: the journal, the moment, and the record it was read up to.
#[derive(Clone, Debug)]
pub struct Stamp {
    pub journal: PathBuf,
    pub at: Millis,
    pub seq: u64,
    /// The chain hash of record `seq`, hex (zeros before the first record).
    pub head: String,
}

impl Stamp {
    /// The stamp of the world read from `journal` up to record `seq` for the moment `at`.
    pub fn read(journal: &Path, at: Millis, seq: u64) -> Result<Self> {
        Ok(Self { journal: journal.to_path_buf(), at, seq, head: head_of(journal, seq)? })
    }

    /// The stamp in words, as the picture carries it.
    pub fn words(&self) -> String {
        format!("{} · journal to record {} ({})", iso8601(self.at), self.seq, &self.head[..12.min(self.head.len())])
    }
}

/// The chain hash of record `seq` (hex).
fn head_of(journal: &Path, seq: u64) -> Result<String> {
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

/// Draws `world` over `map` in `view` (`None`: the map's bounds fitted to `size`) and writes the
/// stamped PNG to `out`.
pub fn picture(
    world: &World,
    stamp: &Stamp,
    map: &Path,
    view: Option<View>,
    size: (u32, u32),
    theme: ThemeName,
    out: &Path,
) -> Result<()> {
    let gpu = Gpu::headless()?;
    let mut layer = MapLayer::new(&gpu, render::TARGET_FORMAT, map, Theme::builtin(theme))?;
    let view = view.unwrap_or_else(|| View::fit(layer.header.bounds, size.0, size.1));
    let mut live = LiveLayers::new(&gpu.device, render::TARGET_FORMAT, view.center_lonlat(), stamp.at);
    live.set_palette(layer.theme().palette.clone());
    live.style.units_gathered = false;
    let places = Places::load(&stamp.journal, None, &[])?;
    live.set_zones(places.zones());
    let mut labels = render::live::zone_names(places.zones().zones());
    let slots: Vec<u32> = (0..world.units().len() as u32).collect();
    live.update_units(world.units(), &slots, None);
    let alarm_slots: Vec<u32> = (0..world.alarms().len() as u32).collect();
    live.update_alarms(world.alarms(), &alarm_slots, None, |_| true);
    let (wx, wy) = view.screen_to_world(f64::from(view.width) / 2.0, 28.0);
    labels.extend(render::live::caption(stamp.words(), [wx, wy]));
    layer.set_world_labels(labels);
    let image = render::render_image_with(&gpu, &mut layer, Some((&mut live, stamp.at)), &view)?;
    let text = [("pantau:time", iso8601(stamp.at)), ("pantau:journal-head", format!("{} {}", stamp.seq, stamp.head))];
    image.write_png_with_text(out, &text)
}

/// The tracks shown, one line each (unit, callsign, first and last time), stamped.
pub fn tracks_geojson(tracks: &[(String, String, Vec<TrackPoint>)], stamp: &Stamp) -> serde_json::Value {
    let features: Vec<serde_json::Value> = tracks
        .iter()
        .filter(|(_, _, points)| !points.is_empty())
        .map(|(unit, callsign, points)| {
            let line: Vec<[f64; 2]> = points.iter().map(|p| [p.lon, p.lat]).collect();
            json!({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {
                    "unit": unit,
                    "callsign": callsign,
                    "from": iso8601(points[0].time),
                    "to": iso8601(points[points.len() - 1].time),
                },
            })
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "properties": {"moment": iso8601(stamp.at), "journal_seq": stamp.seq, "journal_head": stamp.head},
        "features": features,
    })
}
