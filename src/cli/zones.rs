//! `pantau zones check FILE...`: the zone files' topology checked offline (invalid rings,
//! overlaps, gaps inside a parent zone), one line per problem with the zone codes and a place;
//! exits non-zero when it finds any. `pantau zones save`: the zones in force in a journal
//! (the files with the zone edits laid over them) written as a layer file.

use std::path::{Path, PathBuf};

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
    /// Write the zones in force in a journal (the zone files with the commanders' zone edits
    /// laid over them) as GeoJSON, FlatGeobuf or a Shapefile with its `.prj`, by `--out`'s
    /// extension.
    Save {
        /// The journal whose zone edits are laid over the files
        #[arg(long)]
        journal: PathBuf,
        /// The zone files the centre started from [default: as `centre.toml` beside the journal says]
        #[arg(long)]
        zones: Vec<PathBuf>,
        /// The file to write (.geojson, .fgb or .shp)
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(command: ZonesCommand) -> Result<()> {
    match command {
        ZonesCommand::Check { files, json } => check_files(&files, json),
        ZonesCommand::Save { journal, zones, out } => save(&journal, &zones, &out),
    }
}

fn save(journal: &Path, files: &[PathBuf], out: &Path) -> Result<()> {
    crate::layer_files::zone_files::ZoneFormat::of(out)?;
    let places = crate::analysis::Places::load(journal, None, files)?;
    if !places.has_zones() {
        bail!("{}: no zone files: give --zones (or a centre.toml beside the journal)", journal.display());
    }
    let world = crate::journal::replay(journal)?;
    let zones = world.zones().lay_over(places.zones().zones());
    crate::layer_files::save_zones(out, &zones)?;
    eprintln!("{}: {} zones after {} zone edits", out.display(), zones.len(), world.zones().version());
    Ok(())
}

fn check_files(files: &[PathBuf], json: bool) -> Result<()> {
    let mut zones = Vec::new();
    for path in files {
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
