//! `pantau journal verify`: checks every record's checksum and the hash chain of a journal
//! (and every snapshot against it), that nothing is missing from its start or, given a head
//! kept earlier, from its end; prints a report as text or JSON, and exits non-zero when the
//! chain is broken or a snapshot is unsound. `pantau journal head` prints the head to keep.

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
        /// A head kept earlier (`SEQ:HASH`, as `pantau journal head` prints it): fail unless
        /// the chain reaches that record with that hash.
        #[arg(long)]
        expect_head: Option<crate::journal::Head>,
    },
    /// Print the journal's head, `SEQ HASH` of its last record, to keep somewhere else.
    Head {
        /// The journal directory.
        dir: PathBuf,
    },
    /// Move damaged records (and everything after them in their stream) into quarantine/ so
    /// the journal opens again; the repair is journaled. Stop `pantau serve` first.
    Repair {
        /// The journal directory.
        dir: PathBuf,
    },
}

pub fn run(command: JournalCommand) -> Result<()> {
    match command {
        JournalCommand::Verify { dir, json, expect_head } => verify(&dir, json, expect_head.as_ref()),
        JournalCommand::Head { dir } => head(&dir),
        JournalCommand::Repair { dir } => repair(&dir),
    }
}

fn repair(dir: &Path) -> Result<()> {
    let (repaired, snapshots) = crate::journal::repair::repair(dir)?;
    if repaired.is_empty() {
        println!("journal {}: every record reads; nothing to repair", dir.display());
        return Ok(());
    }
    for r in &repaired {
        let moved: Vec<String> = r.cut.quarantine.iter().map(|p| p.display().to_string()).collect();
        println!(
            "{}: segment {:06} cut at byte {}: {} bytes moved to {}",
            r.stream,
            r.cut.segment,
            r.cut.offset,
            r.cut.bytes,
            moved.join(", ")
        );
    }
    for s in &snapshots {
        println!("snapshot past the cut moved to {}", s.display());
    }
    println!("the repair is journaled; `pantau journal verify` lists what was lost");
    Ok(())
}

fn head(dir: &Path) -> Result<()> {
    if !dir.join("events").is_dir() && !dir.join("positions").is_dir() {
        bail!("{}: not a journal (it has neither events/ nor positions/)", dir.display());
    }
    match crate::journal::head(dir)? {
        Some(head) => println!("{head}"),
        None => bail!("{}: the journal holds no records yet", dir.display()),
    }
    Ok(())
}

fn verify(dir: &Path, json: bool, expect_head: Option<&crate::journal::Head>) -> Result<()> {
    let report = crate::journal::verify_expecting(dir, expect_head)?;
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
        if let Some(head) = &report.head {
            println!("  head: {head}");
        }
        for note in &report.repaired {
            println!("  repaired: {note}");
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
