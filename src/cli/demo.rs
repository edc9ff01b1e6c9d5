//! `pantau demo`: generates the demo city for a seed (byte for byte the same each time) and
//! writes its map archive and layer files (zones, stations, cameras, alarm sites, units), the
//! same formats a real city uses.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::args::file_name;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// The same seed always gives the same city, byte for byte.
    #[arg(long, default_value_t = crate::demo::DEFAULT_SEED)]
    pub seed: u64,
    /// Directory to write into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: DemoArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let files = crate::demo::write(args.seed, &args.out)?;
    println!(
        "wrote the demo city (seed {}) to {} in {:.2} s: {}, {}, {}, {}, {}, {}, {}",
        args.seed,
        files.dir.display(),
        started.elapsed().as_secs_f64(),
        file_name(&files.map),
        file_name(&files.zones),
        file_name(&files.stations),
        file_name(&files.cameras),
        file_name(&files.alarm_sites),
        file_name(&files.units),
        file_name(&files.org),
    );
    Ok(())
}
