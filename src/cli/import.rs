//! `pantau import`: reads OSM PBF, Shapefile, GeoJSON or FlatGeobuf files and writes one
//! PMTiles base map (the archive is replaced only when the import succeeds), then prints what
//! it wrote.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::basemap::{self, ImportOptions};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Input files (.osm.pbf, .shp with its .dbf/.shx/.prj, .geojson, .fgb).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The archive to write (replaced only when the import succeeds).
    #[arg(long)]
    pub out: PathBuf,
    /// The lowest zoom level cut into tiles.
    #[arg(long, default_value_t = 8)]
    pub min_zoom: u8,
    /// The highest zoom level cut into tiles (all detail is kept there; at most 20).
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

pub fn run(args: ImportArgs) -> Result<()> {
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
    if !report.dropped.is_empty() {
        let dropped: Vec<String> = report.dropped.iter().map(|(why, n)| format!("{n} {why}")).collect();
        println!("not drawn: {}", dropped.join("; "));
    }
    Ok(())
}
