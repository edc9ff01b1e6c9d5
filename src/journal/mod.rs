//! The journal: the durable, append-only record of every event (feed reports and operator
//! commands). Two streams share one sequence number: `events/` (alarms and commands, kept
//! forever) and `positions/` (position reports, pruned after a retention period). Each stream
//! is a chain of segment files; every record is length-prefixed, CRC-checked, and chained to the
//! one before it by a BLAKE3 hash, so a torn write is found and cut on recovery and any edit
//! breaks the chain. Replaying both streams in sequence order rebuilds the world; snapshots
//! (`snapshot.rs`) let start-up begin near the end instead of at the first record.

mod files;
mod record;
pub mod repair;
pub mod snapshot;
mod stream;
pub mod timeline;
mod window;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::model::{Command, Event, EventKind, Millis};
use crate::world::{Outcome, World};

pub use record::Record;

impl Record {
    /// Decodes a record from raw bytes chained from a zero hash (for fuzzing the decoder).
    pub fn decode_for_test(bytes: &[u8]) -> Option<Record> {
        record::decode(bytes, &[0; 32]).ok().map(|(r, _)| r)
    }
}
pub use stream::{Cursor, Mark, Recovery};
use stream::{Stream, StreamRecords};

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
    /// A snapshot of the world is due after this many records (and is written at shutdown),
    /// so start-up replays at most about this many; `None` never writes one.
    pub snapshot_every: Option<u64>,
}

impl JournalConfig {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            fsync: FsyncPolicy::PerBatch,
            segment_bytes: 64 << 20,
            position_retention: Some(Duration::from_secs(30 * 24 * 3600)),
            snapshot_every: Some(1_000_000),
        }
    }
}

pub struct Journal {
    events: Stream,
    positions: Stream,
    next_seq: u64,
    /// Records appended since the last snapshot (or since opening).
    unsnapshotted: u64,
    /// An append failed and its bytes are not yet known to be gone: the state to go back to
    /// before anything else is written.
    rewind_to: Option<JournalMark>,
    config: JournalConfig,
}

/// Both streams' durable state and the next sequence number, before a batch.
#[derive(Clone, Copy, Debug)]
struct JournalMark {
    events: Mark,
    positions: Mark,
    next_seq: u64,
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
        if !recovery.truncated.is_empty() {
            // Keyframes made while the tail was there may point into what was cut.
            timeline::forget(&config.dir)?;
        }
        let next_seq = events.last_seq().max(positions.last_seq()) + 1;
        Ok((Self { events, positions, next_seq, unsnapshotted: 0, rewind_to: None, config }, recovery))
    }

    /// Appends a batch and makes it durable per the fsync policy. Returns the first sequence
    /// number used. A batch that fails (disk full, an I/O error, a failed fsync) is taken back
    /// whole: both streams go back to where they ended before it (reopened, cut, synced), so
    /// no record is ever appended after partial bytes and the sequence has no gap. Until that
    /// has worked, every batch fails; once writing works again, appending resumes by itself.
    pub fn append(&mut self, events: &[Event], time: Millis) -> Result<u64> {
        self.take_back_failed()?;
        let mark = self.mark();
        let appended = self.append_batch(events, time);
        if appended.is_err() {
            self.rewind_to = Some(mark);
            if let Err(e) = self.take_back_failed() {
                tracing::error!("journal: cannot take back a failed batch yet: {e:#}");
            }
            return appended;
        }
        self.roll_full_segments();
        appended
    }

    fn mark(&self) -> JournalMark {
        JournalMark { events: self.events.mark(), positions: self.positions.mark(), next_seq: self.next_seq }
    }

    /// Goes back to the state before a failed batch, if one is waiting to be taken back.
    fn take_back_failed(&mut self) -> Result<()> {
        let Some(mark) = self.rewind_to else { return Ok(()) };
        self.events.rewind(&mark.events).context("the journal cannot take back a failed write")?;
        self.positions.rewind(&mark.positions).context("the journal cannot take back a failed write")?;
        self.next_seq = mark.next_seq;
        self.rewind_to = None;
        tracing::info!("journal: writing again from seq {}", mark.next_seq);
        Ok(())
    }

    fn append_batch(&mut self, events: &[Event], time: Millis) -> Result<u64> {
        let first = self.next_seq;
        for event in events {
            let stream = match event.kind() {
                EventKind::Position => &mut self.positions,
                EventKind::Alarm | EventKind::Command | EventKind::Call => &mut self.events,
            };
            stream.append(self.next_seq, event, time)?;
            self.next_seq += 1;
        }
        let sync = self.config.fsync == FsyncPolicy::PerBatch;
        self.events.flush(sync)?;
        self.positions.flush(sync)?;
        self.unsnapshotted += events.len() as u64;
        Ok(first)
    }

    /// Starts the next segment of a stream that has reached its size. The batch is durable by
    /// now: a roll or a prune that fails is tried again after the next batch.
    fn roll_full_segments(&mut self) {
        if self.events.bytes() >= self.config.segment_bytes {
            if let Err(e) = self.events.roll() {
                tracing::warn!("journal: cannot start the next events segment yet: {e:#}");
            }
        }
        if self.positions.bytes() >= self.config.segment_bytes {
            if let Err(e) = self.positions.roll() {
                tracing::warn!("journal: cannot start the next positions segment yet: {e:#}");
                return;
            }
            if let Some(keep) = self.config.position_retention {
                if let Err(e) = self.positions.prune_older_than(keep) {
                    tracing::warn!("journal: pruning old positions: {e:#}");
                }
            }
        }
    }

    /// Flushes and fsyncs everything (on shutdown).
    pub fn sync(&mut self) -> Result<()> {
        self.take_back_failed()?;
        self.events.flush(true)?;
        self.positions.flush(true)
    }

    /// True once enough records have been appended since the last snapshot.
    pub fn snapshot_due(&self) -> bool {
        self.rewind_to.is_none() && self.config.snapshot_every.is_some_and(|every| self.unsnapshotted >= every)
    }

    /// Counts records already in the journal but not in its newest snapshot (the tail replayed
    /// at start-up), so the next snapshot comes when it is due rather than a million later.
    pub fn count_unsnapshotted(&mut self, records: u64) {
        self.unsnapshotted += records;
    }

    /// Saves `world`, which must hold exactly the records appended so far, as a snapshot
    /// (after syncing the journal it points into). Does nothing when snapshots are off or
    /// nothing was appended since the last one.
    pub fn snapshot(&mut self, world: &World) -> Result<()> {
        if self.config.snapshot_every.is_none() || self.unsnapshotted == 0 {
            return Ok(());
        }
        anyhow::ensure!(
            self.rewind_to.is_none(),
            "a failed write is not yet taken back; the journal's end is uncertain"
        );
        // Whether or not it is written, the next try waits for another round of records.
        self.unsnapshotted = 0;
        self.sync()?;
        let checkpoint = snapshot::Checkpoint {
            seq: self.next_seq - 1,
            events: self.events.cursor(),
            positions: self.positions.cursor(),
        };
        let path = snapshot::write(&self.config.dir, checkpoint, world)?;
        tracing::info!("journal: snapshot at seq {} ({})", checkpoint.seq, path.display());
        Ok(())
    }

    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Numbers records from after `seq` on, if that is further than now (after a repair, the
    /// numbers of quarantined records are not used again).
    pub fn continue_after(&mut self, seq: u64) {
        self.next_seq = self.next_seq.max(seq + 1);
    }

    pub fn dir(&self) -> &Path {
        &self.config.dir
    }
}

/// Every record of a journal in sequence order, the two streams merged as they are read (one
/// segment of each in memory, so a month of positions replays in bounded memory).
pub struct JournalRecords {
    events: Lane,
    positions: Lane,
}

/// One stream and the record read ahead of it.
struct Lane {
    records: StreamRecords,
    ahead: Option<Result<Record>>,
}

impl Lane {
    fn open(dir: &Path, from: Option<Cursor>) -> Result<Self> {
        let mut records = StreamRecords::open_at(dir, from)?;
        let ahead = records.next();
        Ok(Self { records, ahead })
    }

    /// Where this stream goes on from: at the record read ahead, or at its end.
    fn resume(&self) -> Option<Cursor> {
        match &self.ahead {
            Some(Ok(_)) => self.records.last_start(),
            _ => self.records.position(),
        }
    }

    /// The sequence number next in line (a read error goes first, to stop the merge).
    fn next_seq(&self) -> Option<u64> {
        self.ahead.as_ref().map(|r| r.as_ref().map_or(0, |r| r.seq))
    }

    fn take(&mut self) -> Option<Result<Record>> {
        std::mem::replace(&mut self.ahead, self.records.next())
    }
}

impl JournalRecords {
    pub fn open(dir: &Path) -> Result<Self> {
        Self::open_at(dir, None)
    }

    /// The records after a snapshot's checkpoint (all of them without one).
    pub fn open_at(dir: &Path, from: Option<&snapshot::Checkpoint>) -> Result<Self> {
        Ok(Self {
            events: Lane::open(&dir.join("events"), from.map(|c| c.events))?,
            positions: Lane::open(&dir.join("positions"), from.map(|c| c.positions))?,
        })
    }

    /// A checkpoint after the records taken so far, the last of them `seq`: reading from it
    /// goes on with the next record. None while a stream has no segment to point into.
    pub fn checkpoint(&self, seq: u64) -> Option<snapshot::Checkpoint> {
        Some(snapshot::Checkpoint { seq, events: self.events.resume()?, positions: self.positions.resume()? })
    }

    /// The two streams as read so far, by name.
    fn streams(&self) -> [(&'static str, &StreamRecords); 2] {
        [("events", &self.events.records), ("positions", &self.positions.records)]
    }

    /// Damage read past so far, per stream.
    pub fn problems(&self) -> impl Iterator<Item = String> + '_ {
        self.streams()
            .into_iter()
            .flat_map(|(name, stream)| stream.problems.iter().map(move |p| format!("{name}: {p}")))
    }
}

impl Iterator for JournalRecords {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Result<Record>> {
        match (self.events.next_seq(), self.positions.next_seq()) {
            (Some(e), Some(p)) if p < e => self.positions.take(),
            (Some(_), _) => self.events.take(),
            (None, _) => self.positions.take(),
        }
    }
}

/// The events of records `after + 1 ..= upto`, read from the newest snapshot's checkpoint at or
/// before them (or the start). Safe beside a running writer: everything up to `upto` is
/// written whole before it is asked for, and what is being appended after it is never read
/// through. An error says which record could not be read.
pub fn records_between(dir: &Path, after: u64, upto: u64) -> Result<Vec<(u64, Event)>> {
    let from = snapshot::newest_first(dir).find(|s| s.checkpoint.seq <= after);
    let mut records = JournalRecords::open_at(dir, from.as_ref().map(|s| &s.checkpoint))?;
    let mut out = Vec::new();
    for record in records.by_ref() {
        let record = record?;
        if record.seq > after {
            out.push((record.seq, record.event));
        }
        if record.seq >= upto {
            return Ok(out);
        }
    }
    let problem = records.problems().next().unwrap_or_else(|| "the journal ends there".into());
    anyhow::bail!(
        "journal {}: record {} cannot be read: {problem}",
        dir.display(),
        out.last().map_or(after, |r| r.0) + 1
    )
}

/// Rebuilds the world: from the newest snapshot that fits the journal plus the records after
/// it, or else by applying every journaled event from the start. Damage that `verify` would
/// report is logged and read past in a full replay (what can be read is applied); a file that
/// cannot be read at all is an error.
pub fn replay(dir: &Path) -> Result<World> {
    replay_counted(dir).map(|(world, _)| world)
}

/// [`replay`], also saying how many records were applied (after the snapshot, if one was used).
pub fn replay_counted(dir: &Path) -> Result<(World, u64)> {
    replay_observing(dir, Tail { next_seq: u64::MAX, records: 0 }, &mut |_, _, _| {})
}

/// How many of the last records a replay must apply itself (and so tell its observer of):
/// it starts from a snapshot at least `records` before `next_seq`, or from the start.
#[derive(Clone, Copy, Debug)]
pub struct Tail {
    pub next_seq: u64,
    pub records: u64,
}

/// [`replay_counted`], telling `observe` every record it applies (its sequence number, the
/// event and the world's outcome), the last `tail.records` of the journal at least. A hub
/// refills the events seats may ask for again after a restart this way. When a snapshot
/// turns out damaged and the replay starts again from an older one, records are told again:
/// a later call with a sequence number not above an earlier one starts over from there.
pub fn replay_observing(
    dir: &Path,
    tail: Tail,
    observe: &mut dyn FnMut(u64, &Event, &Outcome),
) -> Result<(World, u64)> {
    let far_enough = |s: &snapshot::Snapshot| s.checkpoint.seq.saturating_add(tail.records) < tail.next_seq;
    for snapshot in snapshot::newest_first(dir).filter(far_enough) {
        let seq = snapshot.checkpoint.seq;
        match replay_after(dir, snapshot, observe) {
            Ok((world, records)) => {
                tracing::info!("journal {}: snapshot at seq {seq} + {records} records replayed", dir.display());
                return Ok((world, records));
            }
            Err(e) => tracing::warn!("journal {}: snapshot at seq {seq} passed over: {e:#}", dir.display()),
        }
    }
    let mut world = World::new();
    let mut records = JournalRecords::open(dir)?;
    let mut count = 0u64;
    for record in records.by_ref() {
        let record = record?;
        observe(record.seq, &record.event, &world.apply_one(&record.event));
        count += 1;
    }
    if let Some(problem) = records.problems().next() {
        anyhow::bail!(
            "journal {}: {problem}; start-up stops rather than serve a partial world (run `pantau journal \
             verify` to see all the damage)",
            dir.display()
        );
    }
    tracing::info!("journal {}: {count} records replayed", dir.display());
    world.take_changes();
    Ok((world, count))
}

/// The snapshot's world with the records after it applied; any damage on the way fails it.
fn replay_after(
    dir: &Path,
    snapshot: snapshot::Snapshot,
    observe: &mut dyn FnMut(u64, &Event, &Outcome),
) -> Result<(World, u64)> {
    let mut world = snapshot.world;
    let mut records = JournalRecords::open_at(dir, Some(&snapshot.checkpoint))?;
    let mut count = 0u64;
    for record in records.by_ref() {
        let record = record?;
        anyhow::ensure!(record.seq > snapshot.checkpoint.seq, "seq {} comes before the snapshot", record.seq);
        observe(record.seq, &record.event, &world.apply_one(&record.event));
        count += 1;
    }
    if let Some(problem) = records.problems().next() {
        anyhow::bail!("{problem}");
    }
    world.take_changes();
    Ok((world, count))
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
    /// The last record's sequence number and chain hash (hex): the journal's head, which
    /// `--expect-head` checks against.
    pub head: Option<Head>,
    /// Snapshots checked against a replay from the start.
    pub snapshots: u64,
    /// Snapshots that are damaged or do not match the journal (the chain itself may be fine).
    pub snapshot_problems: Vec<String>,
    /// What `pantau journal repair` moved out, as the journal records it (not a problem).
    pub repaired: Vec<String>,
    pub problems: Vec<String>,
}

/// A record the journal must reach: its sequence number and chain hash. Whoever kept an
/// earlier head (`pantau journal head`) can tell a journal that was cut back from one that was
/// not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

impl std::fmt::Display for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.seq, self.hash)
    }
}

impl std::str::FromStr for Head {
    type Err = String;

    /// `SEQ:HASH` (or `SEQ HASH`), the hash as 64 hex digits.
    fn from_str(s: &str) -> Result<Self, String> {
        let (seq, hash) = s.trim().split_once([':', ' ']).ok_or_else(|| format!("expected SEQ:HASH, got {s:?}"))?;
        let seq = seq.parse().map_err(|_| format!("bad sequence number {seq:?}"))?;
        let hash = hash.trim().to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("the hash must be 64 hex digits, got {hash:?}"));
        }
        Ok(Head { seq, hash })
    }
}

/// The journal's head: its last record's sequence number and chain hash (`None` when empty).
pub fn head(dir: &Path) -> Result<Option<Head>> {
    let events = stream::last_record(&dir.join("events"))?;
    let positions = stream::last_record(&dir.join("positions"))?;
    Ok(events
        .into_iter()
        .chain(positions)
        .max_by_key(|(seq, _)| *seq)
        .map(|(seq, hash)| Head { seq, hash: hex(&hash) }))
}

/// How far the journal goes: its last whole record's sequence number and time, read cheaply
/// (lengths and CRCs only, see [`stream::last_seq_time`]); none when it is empty.
pub fn reach(dir: &Path) -> Result<Option<(u64, Millis)>> {
    let events = stream::last_seq_time(&dir.join("events"))?;
    let positions = stream::last_seq_time(&dir.join("positions"))?;
    Ok(events.into_iter().chain(positions).max_by_key(|(seq, _)| *seq))
}

/// Checks every record's CRC and hash chain, segment links, and sequence order, and each
/// snapshot against a replay.
pub fn verify(dir: &Path) -> Result<VerifyReport> {
    verify_expecting(dir, None)
}

/// [`verify`], and also that the chain reaches `expect` (a head kept earlier): a journal cut
/// back at a record boundary, or rebuilt after the fact, fails here.
pub fn verify_expecting(dir: &Path, expect: Option<&Head>) -> Result<VerifyReport> {
    if !dir.is_dir() {
        anyhow::bail!("{}: no journal directory", dir.display());
    }
    if !dir.join("events").is_dir() && !dir.join("positions").is_dir() {
        anyhow::bail!("{}: not a journal (it has neither events/ nor positions/)", dir.display());
    }
    let mut report = VerifyReport { ok: true, ..Default::default() };
    // One pass in sequence order: count, and replay to compare each snapshot on the way.
    let mut snapshots = snapshot::list(dir)?.into_iter().peekable();
    let pruned = stream::first_segment(&dir.join("positions"))?.is_some_and(|first| first > 1);
    let mut world = World::new();
    let mut records = JournalRecords::open(dir)?;
    let mut sequence = SequenceCheck::new(dir)?;
    let mut reached = None;
    for record in records.by_ref() {
        let record = record?;
        *report.counts.entry(record.event.kind().name().to_string()).or_insert(0) += 1;
        report.records += 1;
        sequence.check(&record);
        if expect.is_some_and(|e| e.seq == record.seq) {
            reached = Some(hex(&record.hash));
        }
        report.head = Some(Head { seq: record.seq, hash: hex(&record.hash) });
        while let Some((_, path)) = snapshots.next_if(|(seq, _)| *seq < record.seq) {
            check_snapshot(&path, &world, pruned, &mut report);
        }
        world.apply_one(&record.event);
    }
    sequence.finish(&mut report);
    report.problems.extend(start_problems(dir)?);
    if let Some(expect) = expect {
        match reached {
            Some(hash) if hash == expect.hash => {}
            Some(hash) => {
                report.problems.push(format!("seq {} has hash {hash}, not the expected {}", expect.seq, expect.hash))
            }
            None => report.problems.push(format!(
                "the expected head seq {} is not in the journal (it ends at {}): records were cut off",
                expect.seq,
                report.head.as_ref().map_or(0, |h| h.seq)
            )),
        }
    }
    for (_, path) in snapshots {
        check_snapshot(&path, &world, pruned, &mut report);
    }
    report.problems.extend(records.problems());
    for (name, stream) in records.streams() {
        report.segments += stream.segment_count;
        report.heads.insert(name.to_string(), hex(&stream.head()));
    }
    report.ok = report.problems.is_empty() && report.snapshot_problems.is_empty();
    Ok(report)
}

/// Sequence numbers run on without gaps across both streams. Pruned position segments held
/// the numbers below the first position left, so gaps are allowed only there.
struct SequenceCheck {
    last: u64,
    gaps_allowed_below: u64,
    gaps: Vec<(u64, u64)>,
    /// Sequence numbers of `journal repair` records: gaps before one are what it quarantined.
    repairs: Vec<u64>,
}

impl SequenceCheck {
    fn new(dir: &Path) -> Result<Self> {
        let pruned = stream::first_segment(&dir.join("positions"))?.is_some_and(|first| first > 1);
        let first_position = if pruned {
            StreamRecords::open_at(&dir.join("positions"), None)?.next().transpose()?.map_or(u64::MAX, |r| r.seq)
        } else {
            0
        };
        Ok(Self { last: 0, gaps_allowed_below: first_position, gaps: Vec::new(), repairs: Vec::new() })
    }

    fn check(&mut self, record: &Record) {
        if record.seq > self.last + 1 && record.seq > self.gaps_allowed_below {
            self.gaps.push((self.last + 1, record.seq - 1));
        }
        if matches!(record.event, Event::Command { command: Command::RecordRepair { .. }, .. }) {
            self.repairs.push(record.seq);
        }
        self.last = self.last.max(record.seq);
    }

    /// Gaps a later repair explains go to `repaired`; the others are problems.
    fn finish(self, report: &mut VerifyReport) {
        for (from, to) in self.gaps {
            match self.repairs.iter().find(|seq| **seq > to) {
                Some(seq) => {
                    report.repaired.push(format!("records {from}..{to} were quarantined by the repair at seq {seq}"))
                }
                None => report.problems.push(format!("records {from}..{to} are missing (a sequence gap)")),
            }
        }
    }
}

/// The events stream must begin at its first segment from the genesis hash: a deleted first
/// segment (or a chain grafted onto another start) shows here. So must the positions stream
/// unless it has been pruned.
fn start_problems(dir: &Path) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for name in ["events", "positions"] {
        let Some(first) = stream::first_segment(&dir.join(name))? else {
            // Opening a journal creates both streams' first segments: none at all is a loss.
            if name == "events" && dir.join(name).is_dir() {
                problems.push("events: no segments at all (000001.seg is missing)".to_string());
            }
            continue;
        };
        if first > 1 && name == "events" {
            problems.push(format!("events: the first segment is {first:06}.seg; the segments before it are missing"));
        } else if first == 1 && stream::segment_prev(&dir.join(name), 1)? != [0; 32] {
            problems.push(format!("{name}: 000001.seg does not start from the genesis hash"));
        }
    }
    Ok(problems)
}

/// Compares a snapshot with the world replayed to its sequence number. Once old position
/// segments have been pruned a replay from the start cannot rebuild what they held, so then
/// the snapshot is only checked to be whole.
fn check_snapshot(path: &Path, world: &World, pruned: bool, report: &mut VerifyReport) {
    report.snapshots += 1;
    match snapshot::read(path) {
        Ok(snap) if pruned || snap.world.same_state(world) => {}
        Ok(_) => {
            report.snapshot_problems.push(format!("{}: does not match the journal replayed to it", path.display()))
        }
        Err(e) => report.snapshot_problems.push(format!("{e:#}")),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
