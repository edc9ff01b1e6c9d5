//! `pantau journal repair`: the operator's explicit way past damage that opening refuses
//! (opening never cuts acknowledged data by itself). Each stream is read from its start; at
//! the first record that does not read, the rest of that segment and every later segment of
//! the stream are moved into `quarantine/` (nothing is deleted), snapshots that point past the
//! cut go there too, and the repair is journaled as a command, so the record says what was
//! done to it. `verify` then reports the sequence numbers lost with the quarantined bytes as
//! repaired, not as a broken chain.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::stream::{self, Cut};
use super::{snapshot, Journal, JournalConfig};
use crate::model::{now_millis, Command, Event, Role};

/// Who the repair's record names as having done it.
pub const REPAIR_USER: &str = "pantau journal repair";

/// What one stream's repair moved.
#[derive(Clone, Debug)]
pub struct Repaired {
    pub stream: &'static str,
    pub cut: Cut,
}

/// Repairs the journal in `dir`; returns what was moved (nothing when every record reads).
pub fn repair(dir: &Path) -> Result<(Vec<Repaired>, Vec<PathBuf>)> {
    if !dir.join("events").is_dir() && !dir.join("positions").is_dir() {
        bail!("{}: not a journal (it has neither events/ nor positions/)", dir.display());
    }
    let quarantine = dir.join("quarantine");
    let mut repaired = Vec::new();
    for name in ["events", "positions"] {
        if let Some(cut) = stream::cut_at_damage(&dir.join(name), &quarantine, name)? {
            repaired.push(Repaired { stream: name, cut });
        }
    }
    if repaired.is_empty() {
        return Ok((repaired, Vec::new()));
    }
    let snapshots = quarantine_snapshots(dir, &quarantine, &repaired)?;
    // The timeline is a cache made from the journal as it was: made again from what is kept.
    super::timeline::forget(dir)?;
    record(dir, &repaired)?;
    Ok((repaired, snapshots))
}

/// Moves the snapshots whose cursor into a repaired stream lies past its cut.
fn quarantine_snapshots(dir: &Path, quarantine: &Path, repaired: &[Repaired]) -> Result<Vec<PathBuf>> {
    let mut moved = Vec::new();
    for (_, path) in snapshot::list(dir)? {
        let past_cut = match snapshot::read(&path) {
            Ok(snap) => repaired.iter().any(|r| {
                let cursor = if r.stream == "events" { snap.checkpoint.events } else { snap.checkpoint.positions };
                (cursor.segment, cursor.offset) > (r.cut.segment, r.cut.offset)
            }),
            Err(_) => true,
        };
        if past_cut {
            let to = quarantine.join(path.file_name().unwrap_or_default());
            std::fs::rename(&path, &to).with_context(|| format!("cannot move {}", path.display()))?;
            moved.push(to);
        }
    }
    Ok(moved)
}

/// Journals each repair as a command after what was kept.
fn record(dir: &Path, repaired: &[Repaired]) -> Result<()> {
    let (mut journal, _) = Journal::open(JournalConfig::new(dir))?;
    let last_seq_kept = journal.next_seq() - 1;
    // Numbers the quarantined records held are not given out again.
    if let Some(highest) = repaired.iter().filter_map(|r| r.cut.highest_seq).max() {
        journal.continue_after(highest);
    }
    let now = now_millis();
    let events: Vec<Event> = repaired
        .iter()
        .map(|r| Event::Command {
            user: REPAIR_USER.to_string(),
            role: Role::Commander,
            time: now,
            command: Command::RecordRepair {
                stream: r.stream.to_string(),
                segment: r.cut.segment,
                offset: r.cut.offset,
                bytes: r.cut.bytes,
                quarantine: r
                    .cut
                    .quarantine
                    .iter()
                    .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .collect::<Vec<_>>()
                    .join(", "),
                last_seq_kept,
            },
        })
        .collect();
    journal.append(&events, now)?;
    journal.sync()
}
