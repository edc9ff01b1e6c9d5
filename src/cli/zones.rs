//! `pantau zones check FILE...`: the zone files' topology checked offline (invalid rings,
//! overlaps, gaps inside a parent zone), one line per problem with the zone codes and a place;
//! exits non-zero when it finds any.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Subcommand;

use crate::spatial::topology::check;

#[derive(Subcommand, Debug)]
pub enum ZonesCommand {
    /// Check zone files (every level together: a coarser level is the finer one's parent) for
    /// invalid rings, overlaps and gaps; exits 1 when it finds any.
    Check {
        /// Zone polygon files (GeoJSON, Shapefile, FlatGeobuf).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// One JSON object a line instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: ZonesCommand) -> Result<()> {
    let ZonesCommand::Check { files, json } = command;
    let mut zones = Vec::new();
    for path in &files {
        zones.extend(crate::layer_files::load_zones(path)?);
    }
    let problems = check(&zones);
    for problem in &problems {
        if json {
            println!("{}", serde_json::to_string(problem)?);
        } else {
            println!("{problem}");
        }
    }
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    if !problems.is_empty() {
        bail!("{}: {} problems in {} zones", names.join(", "), problems.len(), zones.len());
    }
    eprintln!("{}: {} zones, no overlaps, gaps or invalid rings", names.join(", "), zones.len());
    Ok(())
}
