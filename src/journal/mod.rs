//! The journal: the durable, append-only record of every event (feed reports and operator
//! commands). Two streams share one sequence number: `events/` (alarms and commands, kept
//! forever) and `positions/` (position reports, pruned after a retention period). Each stream
//! is a chain of segment files; every record is length-prefixed, CRC-checked, and chained to the
//! one before it by a BLAKE3 hash, so a torn write is found and cut on recovery and any edit
//! breaks the chain. Replaying both streams in sequence order rebuilds the world.

mod record;
mod stream;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::model::{Event, EventKind, Millis};
use crate::world::World;

pub use record::Record;

impl Record {
    /// Decodes a record from raw bytes chained from a zero hash (for fuzzing the decoder).
    pub fn decode_for_test(bytes: &[u8]) -> Option<Record> {
        record::decode(bytes, &[0; 32]).ok().map(|(r, _)| r)
    }
}
use stream::Stream;

/// When appended records are forced to disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FsyncPolicy {
    /// fsync after every batch, before any feed request in it is acknowledged (the default).
    PerBatch,
    /// Leave it to the OS (a power cut may lose the last seconds; a process crash loses nothing).
    Never,
}

#[derive(Clone, Debug)]
pub struct JournalConfig {
    pub dir: PathBuf,
    pub fsync: FsyncPolicy,
    /// A segment is closed once it reaches this size.
    pub segment_bytes: u64,
    /// Position segments older than this are deleted; `None` keeps them forever.
    pub position_retention: Option<Duration>,
}

impl JournalConfig {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            fsync: FsyncPolicy::PerBatch,
            segment_bytes: 64 << 20,
            position_retention: Some(Duration::from_secs(30 * 24 * 3600)),
        }
    }
}

/// What opening a journal found and repaired.
#[derive(Clone, Debug, Default)]
pub struct Recovery {
    pub records: u64,
    /// Bytes cut from torn tails (a crash mid-write), per file.
    pub truncated: Vec<(PathBuf, u64)>,
}

pub struct Journal {
    events: Stream,
    positions: Stream,
    next_seq: u64,
    config: JournalConfig,
}

impl Journal {
    /// Opens (or creates) a journal, cutting any torn tail, and says what it repaired.
    pub fn open(config: JournalConfig) -> Result<(Self, Recovery)> {
        std::fs::create_dir_all(&config.dir).with_context(|| format!("cannot create {}", config.dir.display()))?;
        let mut recovery = Recovery::default();
        let events = Stream::open(&config.dir.join("events"), &mut recovery)?;
        let positions = Stream::open(&config.dir.join("positions"), &mut recovery)?;
        for (file, bytes) in &recovery.truncated {
            tracing::warn!("journal: cut a torn tail of {bytes} bytes from {}", file.display());
        }
        let next_seq = events.last_seq().max(positions.last_seq()) + 1;
        Ok((Self { events, positions, next_seq, config }, recovery))
    }

    /// Appends a batch and makes it durable per the fsync policy. Returns the first sequence
    /// number used.
    pub fn append(&mut self, events: &[Event], time: Millis) -> Result<u64> {
        let first = self.next_seq;
        for event in events {
            let stream = match event.kind() {
                EventKind::Position => &mut self.positions,
                EventKind::Alarm | EventKind::Command => &mut self.events,
            };
            stream.append(self.next_seq, event, time)?;
            self.next_seq += 1;
        }
        let sync = self.config.fsync == FsyncPolicy::PerBatch;
        self.events.flush(sync)?;
        self.positions.flush(sync)?;
        if self.events.bytes() >= self.config.segment_bytes {
            self.events.roll()?;
        }
        if self.positions.bytes() >= self.config.segment_bytes {
            self.positions.roll()?;
            if let Some(keep) = self.config.position_retention {
                self.positions.prune_older_than(keep)?;
            }
        }
        Ok(first)
    }

    /// Flushes and fsyncs everything (on shutdown).
    pub fn sync(&mut self) -> Result<()> {
        self.events.flush(true)?;
        self.positions.flush(true)
    }

    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    pub fn dir(&self) -> &Path {
        &self.config.dir
    }
}

/// Every record of a journal, in sequence order.
pub fn read_all(dir: &Path) -> Result<Vec<Record>> {
    let mut records = stream::read_stream(&dir.join("events"))?.records;
    records.extend(stream::read_stream(&dir.join("positions"))?.records);
    records.sort_by_key(|r| r.seq);
    Ok(records)
}

/// Rebuilds the world by applying every journaled event in order.
pub fn replay(dir: &Path) -> Result<World> {
    let mut world = World::new();
    for record in read_all(dir)? {
        world.apply_one(&record.event);
    }
    world.take_changes();
    Ok(world)
}

/// The result of checking a journal's chains.
#[derive(Clone, Debug, Default, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub counts: BTreeMap<String, u64>,
    pub records: u64,
    pub segments: u64,
    /// Head hash of each stream (hex), for anchoring elsewhere.
    pub heads: BTreeMap<String, String>,
    pub problems: Vec<String>,
}

/// Checks every record's CRC and hash chain, segment links, and sequence order.
pub fn verify(dir: &Path) -> Result<VerifyReport> {
    if !dir.is_dir() {
        anyhow::bail!("{}: no journal directory", dir.display());
    }
    let mut report = VerifyReport { ok: true, ..Default::default() };
    for name in ["events", "positions"] {
        let read = stream::read_stream(&dir.join(name))?;
        report.segments += read.segments;
        report.problems.extend(read.problems.iter().map(|p| format!("{name}: {p}")));
        report.heads.insert(name.to_string(), hex(&read.head));
        for r in &read.records {
            *report.counts.entry(r.event.kind().name().to_string()).or_insert(0) += 1;
            report.records += 1;
        }
    }
    report.ok = report.problems.is_empty();
    Ok(report)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
