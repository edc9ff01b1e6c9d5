//! `pantau import`: source files -> classified features -> tiles -> one PMTiles archive.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, ensure, Result};
use geo::{BoundingRect, Rect};
use indicatif::{ProgressBar, ProgressStyle};

use super::archive::{self, ArchiveHeader, Metadata, VectorLayer};
use super::schema::{classify, drop_reason, Layer, MapFeature};
use super::source::{self, Format};
use super::tiler;

/// What to import and how.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    pub inputs: Vec<PathBuf>,
    pub out: PathBuf,
    pub min_zoom: u8,
    pub max_zoom: u8,
    pub name: Option<String>,
    /// Extra attribution; OSM inputs always add "© OpenStreetMap contributors".
    pub attribution: Option<String>,
    pub progress: bool,
}

impl ImportOptions {
    /// Defaults: zooms 8-16, name from the output file, no extra attribution, no progress bar.
    pub fn new(inputs: Vec<PathBuf>, out: impl Into<PathBuf>) -> Self {
        Self { inputs, out: out.into(), min_zoom: 8, max_zoom: 16, name: None, attribution: None, progress: false }
    }
}

/// What an import produced.
#[derive(Clone, Debug)]
pub struct ImportReport {
    pub feature_counts: BTreeMap<String, u64>,
    /// Features read but not drawn, counted by why.
    pub dropped: BTreeMap<String, u64>,
    pub tiles: usize,
    pub bytes: u64,
    pub seconds: f64,
}

pub const OSM_ATTRIBUTION: &str = "© OpenStreetMap contributors";

pub fn import(opts: &ImportOptions) -> Result<ImportReport> {
    let started = Instant::now();
    ensure!(!opts.inputs.is_empty(), "no input files given");
    check_zooms(opts)?;
    let (features, dropped) = read_inputs(opts)?;
    Ok(ImportReport { dropped, ..write_features(features, opts, started)? })
}

fn check_zooms(opts: &ImportOptions) -> Result<()> {
    ensure!(
        opts.min_zoom <= opts.max_zoom && opts.max_zoom <= 20,
        "zoom range {}-{} is invalid (min <= max <= 20)",
        opts.min_zoom,
        opts.max_zoom
    );
    Ok(())
}

/// Tiles already classified features into `opts.out` (what `import` does after reading; the
/// demo city generator comes in here too). `opts.inputs` only feeds the metadata.
pub fn import_features(features: Vec<MapFeature>, opts: &ImportOptions) -> Result<ImportReport> {
    write_features(features, opts, Instant::now())
}

fn write_features(features: Vec<MapFeature>, opts: &ImportOptions, started: Instant) -> Result<ImportReport> {
    check_zooms(opts)?;
    let bounds = bounds_of(&features)?;
    let feature_counts = count_by_layer(&features);
    let metadata = metadata(opts, &feature_counts);

    let world = tiler::prepare(features);
    let bar = progress_bar(opts.progress, u64::from(opts.max_zoom - opts.min_zoom + 1));
    let tiles = tiler::cut_all(&world, opts.min_zoom, opts.max_zoom, |z| {
        bar.set_message(format!("cut zoom {z}"));
        bar.inc(1);
    });
    bar.finish_and_clear();
    ensure!(!tiles.is_empty(), "the inputs produced no tiles");

    let (w, s, e, n) = (bounds.min().x, bounds.min().y, bounds.max().x, bounds.max().y);
    let header = ArchiveHeader {
        min_zoom: opts.min_zoom,
        max_zoom: opts.max_zoom,
        bounds: (w, s, e, n),
        center: ((w + e) / 2.0, (s + n) / 2.0),
        tile_count: tiles.len() as u64,
    };
    archive::write(&opts.out, &tiles, &header, &metadata)?;
    Ok(ImportReport {
        feature_counts,
        dropped: BTreeMap::new(),
        tiles: tiles.len(),
        bytes: std::fs::metadata(&opts.out).map(|m| m.len()).unwrap_or(0),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Every input's drawable features, and how many were dropped and why (logged per file).
fn read_inputs(opts: &ImportOptions) -> Result<(Vec<MapFeature>, BTreeMap<String, u64>)> {
    let mut all = Vec::new();
    let mut dropped = BTreeMap::new();
    for path in &opts.inputs {
        let raw = source::read(path)?;
        let total = raw.len();
        let before = all.len();
        let mut file_dropped: BTreeMap<String, u64> = BTreeMap::new();
        for feature in raw {
            let why = drop_reason(&feature);
            match classify(feature) {
                Some(kept) => all.push(kept),
                None => *file_dropped.entry(why).or_default() += 1,
            }
        }
        if all.len() == before {
            if total == 0 {
                bail!("{}: empty data: the file holds no features", path.display());
            }
            bail!(
                "{}: none of its {total} features can be drawn (expected OSM tags such as highway=*, \
                 or named boundary polygons)",
                path.display()
            );
        }
        let reasons: Vec<String> = file_dropped.iter().map(|(why, n)| format!("{n} {why}")).collect();
        if reasons.is_empty() {
            tracing::info!("{}: all {total} features kept", path.display());
        } else {
            let kept = all.len() - before;
            tracing::info!("{}: {kept} of {total} features kept; dropped: {}", path.display(), reasons.join("; "));
        }
        for (why, n) in file_dropped {
            *dropped.entry(why).or_default() += n;
        }
    }
    Ok((all, dropped))
}

fn bounds_of(features: &[MapFeature]) -> Result<Rect<f64>> {
    let mut rects = features.iter().filter_map(|f| f.geometry.bounding_rect());
    let Some(first) = rects.next() else { bail!("empty data: no features") };
    Ok(rects.fold(first, |a, b| {
        Rect::new(
            geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    }))
}

fn count_by_layer(features: &[MapFeature]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for f in features {
        *counts.entry(f.layer.name().to_string()).or_insert(0) += 1;
    }
    counts
}

fn metadata(opts: &ImportOptions, counts: &BTreeMap<String, u64>) -> Metadata {
    let from_osm = opts.inputs.iter().any(|p| Format::of(p).ok() == Some(Format::OsmPbf));
    let mut attribution: Vec<String> = Vec::new();
    if from_osm {
        attribution.push(OSM_ATTRIBUTION.to_string());
    }
    if let Some(extra) = &opts.attribution {
        if !attribution.contains(extra) {
            attribution.push(extra.clone());
        }
    }
    let vector_layers = Layer::ALL
        .iter()
        .filter(|l| counts.contains_key(l.name()))
        .map(|l| VectorLayer {
            id: l.name().to_string(),
            fields: l.fields().iter().map(|f| (f.to_string(), "String".to_string())).collect(),
            minzoom: opts.min_zoom,
            maxzoom: opts.max_zoom,
        })
        .collect();
    let name = opts
        .name
        .clone()
        .unwrap_or_else(|| opts.out.file_stem().and_then(|s| s.to_str()).unwrap_or("pantau map").to_string());
    Metadata {
        name,
        description: match opts.inputs.len() {
            0 => "pantau base map, generated".to_string(),
            n => format!("pantau base map from {n} input(s)"),
        },
        attribution: attribution.join("; "),
        vector_layers,
        feature_counts: counts.clone(),
        generator: format!("pantau {}", env!("CARGO_PKG_VERSION")),
    }
}

fn progress_bar(enabled: bool, len: u64) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed}] {bar:30} {pos}/{len} zooms {msg}") {
        bar.set_style(style);
    }
    bar
}
