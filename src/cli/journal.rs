//! `pantau journal verify`: checks every record's checksum and the hash chain of a journal
//! (and every snapshot against it), prints a report as text or JSON, and exits non-zero when
//! the chain is broken or a snapshot is unsound.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum JournalCommand {
    /// Check every record's checksum and the hash chain; exits non-zero when broken.
    Verify {
        /// The journal directory.
        dir: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: JournalCommand) -> Result<()> {
    match command {
        JournalCommand::Verify { dir, json } => verify(&dir, json),
    }
}

fn verify(dir: &Path, json: bool) -> Result<()> {
    let report = crate::journal::verify(dir)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("journal {}: {} records in {} segments", dir.display(), report.records, report.segments);
        for (kind, n) in &report.counts {
            println!("  {kind:<10} {n}");
        }
        for (stream, head) in &report.heads {
            println!("  head {stream}: {head}");
        }
        for p in report.problems.iter().chain(&report.snapshot_problems) {
            println!("  PROBLEM: {p}");
        }
        println!("chain: {}", if report.problems.is_empty() { "intact" } else { "BROKEN" });
        if report.snapshots > 0 {
            let verdict = if report.snapshot_problems.is_empty() { "sound" } else { "UNSOUND" };
            println!("snapshots: {} checked, {verdict}", report.snapshots);
        }
    }
    if !report.problems.is_empty() {
        bail!("{}: the journal chain is broken ({} problems)", dir.display(), report.problems.len());
    }
    if !report.snapshot_problems.is_empty() {
        bail!(
            "{}: {} snapshots are damaged or do not match the journal (restarts pass over them)",
            dir.display(),
            report.snapshot_problems.len()
        );
    }
    Ok(())
}
