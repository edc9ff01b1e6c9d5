//! `pantau info`: prints a base map archive's name, bounds, zooms, tile count, attribution and
//! layers with their feature counts, as text or JSON.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::args::map_path;
use crate::basemap::Archive;

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// The base map archive, or `demo`/`demo:SEED` for the demo city.
    pub map: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: InfoArgs) -> Result<()> {
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
