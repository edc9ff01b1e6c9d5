//! One journal stream: a directory of segment files `000001.seg`, `000002.seg`, ... Each
//! segment starts with a header (magic + the chain hash its first record follows) and holds
//! records back to back. Only the newest segment is ever written.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::files::{numbered_files, sync_dir};
use super::record::{self, Record, MAX_BODY};
use super::window::Window;
use crate::model::{Event, Millis};

/// Where a stream goes on after a snapshot: the segment, the byte offset of the next record in
/// it, and the chain hash that record follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub segment: u64,
    pub offset: u64,
    pub head: [u8; 32],
}

/// A stream's durable state before a batch: where it ends and what its last record was. A
/// failed batch is undone by going back to it ([`Stream::rewind`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    pub cursor: Cursor,
    pub last_seq: u64,
}

/// What opening a journal found and repaired.
#[derive(Clone, Debug, Default)]
pub struct Recovery {
    pub records: u64,
    /// Bytes cut from torn tails (a crash mid-write), per file.
    pub truncated: Vec<(PathBuf, u64)>,
}

const MAGIC: &[u8; 8] = b"PNTJRNL1";
const HEADER: usize = 8 + 32;

pub struct Stream {
    dir: PathBuf,
    index: u64,
    file: File,
    bytes: u64,
    head: [u8; 32],
    last_seq: u64,
    pending: Vec<u8>,
    /// Written but not yet fsynced (under `FsyncPolicy::Never`).
    unsynced: bool,
}

impl Stream {
    /// Opens the stream in `dir`, cutting a torn tail off its newest segment.
    pub fn open(dir: &Path, recovery: &mut Recovery) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut segments = segment_files(dir)?;
        drop_unfinished_roll(dir, &mut segments)?;
        let Some((index, path)) = segments.last().cloned() else {
            return Self::create(dir, 1, [0; 32]);
        };
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let (head, mut last_seq, count, good) = scan_tail(&path, &bytes)?;
        recovery.records += count;
        if count == 0 {
            // Just rolled: the sequence goes on from the segment before.
            if let Some((_, previous)) = segments.len().checked_sub(2).map(|i| &segments[i]) {
                let before = std::fs::read(previous).with_context(|| format!("cannot read {}", previous.display()))?;
                last_seq = scan_tail(previous, &before)?.1;
            }
        }
        if good < bytes.len() {
            recovery.truncated.push((path.clone(), (bytes.len() - good) as u64));
        }
        let file =
            OpenOptions::new().write(true).open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        file.set_len(good as u64).with_context(|| format!("cannot truncate {}", path.display()))?;
        file.sync_all()?;
        let mut file = file;
        use std::io::Seek;
        file.seek(std::io::SeekFrom::End(0))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            index,
            file,
            bytes: good as u64,
            head,
            last_seq,
            pending: Vec::new(),
            unsynced: false,
        })
    }

    fn create(dir: &Path, index: u64, prev: [u8; 32]) -> Result<Self> {
        let path = segment_path(dir, index);
        let file = write_header(dir, &path, &prev).inspect_err(|_| {
            // A segment that did not get its whole header would stop the next try (and an open).
            let _ = std::fs::remove_file(&path);
        })?;
        Ok(Self {
            dir: dir.to_path_buf(),
            index,
            file,
            bytes: HEADER as u64,
            head: prev,
            last_seq: 0,
            pending: Vec::new(),
            unsynced: false,
        })
    }

    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The durable state (nothing may be pending: take it between batches).
    pub fn mark(&self) -> Mark {
        Mark { cursor: self.cursor(), last_seq: self.last_seq }
    }

    /// Goes back to `mark`, dropping whatever was written or queued after it: the segment is
    /// reopened (after a failed write or fsync the open file's state is not to be trusted, as
    /// PostgreSQL learned), cut to the mark's length and synced. A failure leaves the stream
    /// to be rewound again.
    pub fn rewind(&mut self, mark: &Mark) -> Result<()> {
        use std::io::Seek;
        self.pending.clear();
        let path = segment_path(&self.dir, mark.cursor.segment);
        let mut file =
            OpenOptions::new().write(true).open(&path).with_context(|| format!("cannot reopen {}", path.display()))?;
        file.set_len(mark.cursor.offset).with_context(|| format!("cannot cut {}", path.display()))?;
        file.sync_all().with_context(|| format!("cannot sync {}", path.display()))?;
        file.seek(std::io::SeekFrom::End(0))?;
        // A segment begun after the mark (a roll) holds nothing acknowledged.
        let later = segment_path(&self.dir, mark.cursor.segment + 1);
        if later.exists() {
            std::fs::remove_file(&later).with_context(|| format!("cannot remove {}", later.display()))?;
            sync_dir(&self.dir).with_context(|| format!("cannot sync {}", self.dir.display()))?;
        }
        self.file = file;
        self.index = mark.cursor.segment;
        self.bytes = mark.cursor.offset;
        self.head = mark.cursor.head;
        self.last_seq = mark.last_seq;
        self.unsynced = false;
        Ok(())
    }

    /// Where the next record will go (after a flush: nothing pending).
    pub fn cursor(&self) -> Cursor {
        Cursor { segment: self.index, offset: self.bytes, head: self.head }
    }

    pub fn bytes(&self) -> u64 {
        self.bytes + self.pending.len() as u64
    }

    pub fn append(&mut self, seq: u64, event: &Event, time: Millis) -> Result<()> {
        self.head = record::encode(&mut self.pending, &self.head, seq, time, event)?;
        self.last_seq = seq;
        Ok(())
    }

    /// Writes pending records; with `sync`, waits until they are on disk.
    pub fn flush(&mut self, sync: bool) -> Result<()> {
        if !self.pending.is_empty() {
            self.file.write_all(&self.pending).context("journal write failed")?;
            self.bytes += self.pending.len() as u64;
            self.pending.clear();
            self.unsynced = true;
        }
        if sync && self.unsynced {
            self.file.sync_data().context("journal fsync failed")?;
            self.unsynced = false;
        }
        Ok(())
    }

    /// Closes the current segment and starts the next one.
    pub fn roll(&mut self) -> Result<()> {
        self.flush(true)?;
        let last_seq = self.last_seq;
        *self = Self::create(&self.dir, self.index + 1, self.head)?;
        self.last_seq = last_seq;
        Ok(())
    }

    /// Deletes closed segments last written more than `keep` ago.
    pub fn prune_older_than(&mut self, keep: Duration) -> Result<()> {
        let cutoff = SystemTime::now().checked_sub(keep).unwrap_or(SystemTime::UNIX_EPOCH);
        for (index, path) in segment_files(&self.dir)? {
            if index >= self.index {
                break;
            }
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).unwrap_or(SystemTime::now());
            if modified < cutoff {
                std::fs::remove_file(&path).with_context(|| format!("cannot prune {}", path.display()))?;
                tracing::info!("journal: pruned {}", path.display());
            }
        }
        Ok(())
    }
}

/// A newest segment without its whole header, after an earlier one, is a roll that a crash
/// cut short: it holds nothing, so it is removed (and opening goes on from the one before).
fn drop_unfinished_roll(dir: &Path, segments: &mut Vec<(u64, PathBuf)>) -> Result<()> {
    let [.., (_, before), (_, newest)] = segments.as_slice() else { return Ok(()) };
    let len = std::fs::metadata(newest).with_context(|| format!("cannot read {}", newest.display()))?.len();
    if len >= HEADER as u64 || !before.exists() {
        return Ok(());
    }
    tracing::warn!("{}: an unfinished segment ({len} bytes) left by a crash; removing it", newest.display());
    std::fs::remove_file(newest).with_context(|| format!("cannot remove {}", newest.display()))?;
    sync_dir(dir).with_context(|| format!("cannot sync {}", dir.display()))?;
    segments.pop();
    Ok(())
}

/// Writes a new segment's header and makes the file and its name durable.
fn write_header(dir: &Path, path: &Path, prev: &[u8; 32]) -> Result<File> {
    let mut file = OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(MAGIC).with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(prev).with_context(|| format!("cannot write {}", path.display()))?;
    file.sync_all().with_context(|| format!("cannot sync {}", path.display()))?;
    sync_dir(dir).with_context(|| format!("cannot sync {}", dir.display()))?;
    Ok(file)
}

/// Reads a segment's records; returns (head, last seq, count, bytes that are good). Only a
/// record that fails with nothing complete after it is a torn tail (the last write, cut short
/// by a crash) and is dropped; a bad record with a complete record anywhere after it is
/// damage, and opening stops there, because cutting it would lose acknowledged data.
fn scan_tail(path: &Path, bytes: &[u8]) -> Result<([u8; 32], u64, u64, usize)> {
    let mut head = header_prev(path, bytes)?;
    let (mut at, mut last_seq, mut count) = (HEADER, 0, 0);
    while at < bytes.len() {
        match record::decode(&bytes[at..], &head) {
            Ok((r, len)) => {
                head = r.hash;
                last_seq = r.seq;
                count += 1;
                at += len;
            }
            Err(why) => match complete_record_after(bytes, at, last_seq) {
                None => {
                    tracing::warn!("{}: torn last write at byte {at} ({why})", path.display());
                    break;
                }
                Some(next) => bail!(
                    "{}: damaged record at byte {at} ({why}) with complete records after it (the next at byte \
                     {next}); nothing was cut. Run `pantau journal verify` to see the damage",
                    path.display()
                ),
            },
        }
    }
    Ok((head, last_seq, count, at))
}

/// The offset of the first complete record (plausible length and sequence, matching CRC) starting after `at`, if any: its presence means the failure at `at` is not the file's
/// last write. `last_seq` is the last good record's; a later record's must follow it.
pub(super) fn complete_record_after(bytes: &[u8], at: usize, last_seq: u64) -> Option<usize> {
    let word = |p: usize| bytes.get(p..p + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let long = |p: usize| bytes.get(p..p + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    let mut checked = 0usize;
    (at + 1..bytes.len()).find(|&p| {
        let (Some(len), Some(crc), Some(seq)) = (word(p), word(p + 4), long(p + 8)) else {
            return false;
        };
        let len = len as usize;
        let plausible = (record::MIN_BODY..=MAX_BODY).contains(&len) && seq > last_seq && seq - last_seq < 1 << 40;
        if !plausible {
            return false;
        }
        checked += len;
        // Past this much checksum work, whatever follows is taken as complete: refusing to
        // open is the safe answer.
        checked > MAX_SCAN_BYTES || bytes.get(p + 8..p + 8 + len).is_some_and(|body| crc32fast::hash(body) == crc)
    })
}

/// Checksum work the scan after damage may do before it stops looking.
const MAX_SCAN_BYTES: usize = 256 << 20;

fn header_prev(path: &Path, bytes: &[u8]) -> Result<[u8; 32]> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        bail!("{}: not a pantau journal segment", path.display());
    }
    let mut prev = [0; 32];
    prev.copy_from_slice(&bytes[8..HEADER]);
    Ok(prev)
}

/// A stream's records in order, one segment in memory at a time, as `verify` and `replay`
/// read them. Damage (a bad header, a broken chain, a record that does not decode, a sequence
/// going backwards) is noted in `problems` and reading goes on with the next segment; a file
/// that cannot be read at all ends the iteration with an error.
pub struct StreamRecords {
    segments: std::vec::IntoIter<(u64, PathBuf)>,
    name: String,
    /// The segment being read, until its records run out or fail.
    window: Option<Window>,
    at: usize,
    head: [u8; 32],
    expected_prev: Option<[u8; 32]>,
    last_seq: Option<u64>,
    /// Where to begin (a snapshot's cursor), until the first segment is loaded.
    start: Option<Cursor>,
    /// The loaded segment's index, where the last record returned began, and where the last
    /// whole record read ends (damage after it is skipped, never pointed into).
    segment: u64,
    last_start: Option<Cursor>,
    good_end: usize,
    pub segment_count: u64,
    pub problems: Vec<String>,
}

impl StreamRecords {
    /// From `start` (without one, from the first record), or from the first segment after it
    /// where its own segment has been pruned; records before it are not read.
    pub fn open_at(dir: &Path, start: Option<Cursor>) -> Result<Self> {
        let mut segments = if dir.exists() { segment_files(dir)? } else { Vec::new() };
        if let Some(cursor) = start {
            // The cursor's segment must be there, unless pruning has taken it and older ones.
            let present = segments.iter().any(|(index, _)| *index == cursor.segment);
            let pruned = segments.first().is_some_and(|(first, _)| *first > cursor.segment);
            if !present && !pruned {
                bail!("{}: segment {} of a snapshot's cursor is missing", dir.display(), cursor.segment);
            }
            segments.retain(|(index, _)| *index >= cursor.segment);
        }
        Ok(Self {
            start,
            segment: 0,
            last_start: None,
            good_end: 0,
            segments: segments.into_iter(),
            name: String::new(),
            window: None,
            at: 0,
            head: [0; 32],
            expected_prev: None,
            last_seq: None,
            segment_count: 0,
            problems: Vec::new(),
        })
    }

    /// The chain hash of the last record read (of the whole stream, once exhausted).
    pub fn head(&self) -> [u8; 32] {
        self.head
    }

    /// Where the record last returned began: reading from there returns it again.
    pub fn last_start(&self) -> Option<Cursor> {
        self.last_start
    }

    /// Where reading stands: after the last whole record read (at the end of the stream once
    /// exhausted, or before damage read past). None before a segment has been loaded.
    pub fn position(&self) -> Option<Cursor> {
        (self.segment > 0).then_some(Cursor { segment: self.segment, offset: self.good_end as u64, head: self.head })
    }

    /// Loads the next segment; false when none is left.
    fn next_segment(&mut self) -> Result<bool> {
        loop {
            let Some((index, path)) = self.segments.next() else { return Ok(false) };
            self.segment_count += 1;
            let mut window = Window::open(&path)?;
            self.name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            match header_prev(&path, window.from(0)?) {
                Ok(prev) => {
                    if self.expected_prev.is_some_and(|expected| expected != prev) {
                        self.problems.push(format!("{}: does not continue the previous segment's chain", self.name));
                    }
                    self.head = prev;
                    self.at = HEADER;
                    self.segment = index;
                    if let Some(cursor) = self.start.take().filter(|c| c.segment == index) {
                        let offset = usize::try_from(cursor.offset).unwrap_or(usize::MAX);
                        if !(HEADER as u64..=window.file_len()).contains(&cursor.offset) {
                            bail!("{}: a snapshot's cursor (byte {offset}) is outside the segment", path.display());
                        }
                        (self.at, self.head) = (offset, cursor.head);
                    }
                    self.good_end = self.at;
                    self.window = Some(window);
                    return Ok(true);
                }
                Err(e) => self.problems.push(format!("{e}")),
            }
        }
    }

    /// The segment's next record; none once they run out or one fails (noted as a problem).
    fn decode_next(&mut self) -> Result<Option<Record>> {
        let Some(window) = self.window.as_mut() else { return Ok(None) };
        let bytes = window.from(self.at as u64)?;
        if !bytes.is_empty() {
            match record::decode(bytes, &self.head) {
                Ok((r, len)) => {
                    self.last_start = Some(Cursor { segment: self.segment, offset: self.at as u64, head: self.head });
                    if self.last_seq.is_some_and(|last| last >= r.seq) {
                        self.problems.push(format!("{}: sequence goes backwards at seq {}", self.name, r.seq));
                    }
                    self.last_seq = Some(r.seq);
                    self.head = r.hash;
                    self.at += len;
                    self.good_end = self.at;
                    return Ok(Some(r));
                }
                Err(e) => self.problems.push(format!("{}: byte {}: {e:?}", self.name, self.at)),
            }
        }
        Ok(None)
    }
}

impl Iterator for StreamRecords {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Result<Record>> {
        loop {
            let next = match self.decode_next() {
                Ok(Some(record)) => return Some(Ok(record)),
                Ok(None) => {
                    if self.window.take().is_some() {
                        self.expected_prev = Some(self.head);
                    }
                    self.next_segment()
                }
                Err(e) => Err(e),
            };
            match next {
                Ok(true) => continue,
                Ok(false) => return None,
                Err(e) => {
                    (self.segments, self.window) = (Vec::new().into_iter(), None);
                    return Some(Err(e));
                }
            }
        }
    }
}

/// The index of a stream's oldest segment still on disk (above 1 once pruning has begun).
pub fn first_segment(dir: &Path) -> Result<Option<u64>> {
    if !dir.exists() {
        return Ok(None);
    }
    Ok(segment_files(dir)?.first().map(|(index, _)| *index))
}

/// The sequence number and chain hash of a stream's last record, read from its newest
/// segments (a torn tail is passed over, as an open would cut it; damage is an error).
pub fn last_record(dir: &Path) -> Result<Option<(u64, [u8; 32])>> {
    let segments = if dir.exists() { segment_files(dir)? } else { Vec::new() };
    for (_, path) in segments.iter().rev() {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let (head, last_seq, count, _) = scan_tail(path, &bytes)?;
        if count > 0 {
            return Ok(Some((last_seq, head)));
        }
    }
    Ok(None)
}

/// The sequence number and time of the stream's last whole record, found by walking the
/// records' lengths and CRCs only (no chain hashes and no decoding, unlike [`last_record`]);
/// where a cache only needs to know how far the stream goes. It stops at the first record that
/// does not check, damage or a torn tail alike. None when the stream holds no record.
pub fn last_seq_time(dir: &Path) -> Result<Option<(u64, Millis)>> {
    let segments = if dir.exists() { segment_files(dir)? } else { Vec::new() };
    for (_, path) in segments.iter().rev() {
        let mut window = Window::open(path)?;
        let (mut at, mut last) = (HEADER as u64, None);
        while let Ok((seq, time, len)) = record::peek(window.from(at)?) {
            (at, last) = (at + len as u64, Some((seq, time)));
        }
        if last.is_some() {
            return Ok(last);
        }
    }
    Ok(None)
}

/// Damaged bytes moved out of a stream by [`cut_at_damage`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cut {
    pub segment: u64,
    pub offset: u64,
    pub bytes: u64,
    /// Where they went (the cut tail of the segment, then each later segment whole).
    pub quarantine: Vec<PathBuf>,
    /// The highest sequence number among the complete records moved, if any: numbering goes on
    /// after it, so no number is used twice.
    pub highest_seq: Option<u64>,
}

/// Finds the first record of the stream in `dir` that does not read (its checks fail, or its
/// chain does not go on from the record before), and moves it and everything after it into
/// `quarantine`: the rest of that segment into a file of its own, later segments whole. The
/// segment is cut there and synced. `None` when every record reads.
pub fn cut_at_damage(dir: &Path, quarantine: &Path, name: &str) -> Result<Option<Cut>> {
    let segments = if dir.exists() { segment_files(dir)? } else { Vec::new() };
    let mut expected_prev: Option<[u8; 32]> = None;
    for (i, (index, path)) in segments.iter().enumerate() {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let (mut head, mut at) = match header_prev(path, &bytes) {
            Ok(prev) if expected_prev.is_none_or(|e| e == prev) => (prev, HEADER),
            _ => (expected_prev.unwrap_or([0; 32]), 0),
        };
        while at > 0 && at < bytes.len() {
            match record::decode(&bytes[at..], &head) {
                Ok((r, len)) => (head, at) = (r.hash, at + len),
                Err(_) => break,
            }
        }
        if at == bytes.len() {
            expected_prev = Some(head);
            continue;
        }
        std::fs::create_dir_all(quarantine).with_context(|| format!("cannot create {}", quarantine.display()))?;
        let tail = quarantine.join(format!("{name}-{index:06}-at-{at}.bin"));
        write_synced(&tail, &bytes[at..])?;
        let mut highest_seq = highest_seq_in(&bytes[at..]);
        let mut moved = vec![tail];
        for (later, later_path) in &segments[i + 1..] {
            let later_bytes =
                std::fs::read(later_path).with_context(|| format!("cannot read {}", later_path.display()))?;
            highest_seq = highest_seq.max(highest_seq_in(&later_bytes));
            let to = quarantine.join(format!("{name}-{later:06}.seg"));
            std::fs::rename(later_path, &to).with_context(|| format!("cannot move {}", later_path.display()))?;
            moved.push(to);
        }
        cut_file(path, at as u64)?;
        sync_dir(dir).with_context(|| format!("cannot sync {}", dir.display()))?;
        sync_dir(quarantine).with_context(|| format!("cannot sync {}", quarantine.display()))?;
        return Ok(Some(Cut {
            segment: *index,
            offset: at as u64,
            bytes: (bytes.len() - at) as u64,
            highest_seq,
            quarantine: moved,
        }));
    }
    Ok(None)
}

/// The highest sequence number of the complete records (plausible length, matching CRC) in
/// damaged bytes.
fn highest_seq_in(bytes: &[u8]) -> Option<u64> {
    let (mut at, mut highest) = (0, None);
    while let Some(p) = complete_record_after(bytes, at, 0).filter(|p| *p + 16 <= bytes.len()) {
        let seq = u64::from_le_bytes(bytes[p + 8..p + 16].try_into().unwrap_or([0; 8]));
        highest = highest.max(Some(seq));
        at = p;
    }
    highest
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
    file.sync_all().with_context(|| format!("cannot sync {}", path.display()))
}

/// Cuts a file to `len` bytes (a whole segment when that is 0) and syncs it.
fn cut_file(path: &Path, len: u64) -> Result<()> {
    if len == 0 {
        return std::fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()));
    }
    let file = OpenOptions::new().write(true).open(path).with_context(|| format!("cannot open {}", path.display()))?;
    file.set_len(len).with_context(|| format!("cannot cut {}", path.display()))?;
    file.sync_all().with_context(|| format!("cannot sync {}", path.display()))
}

/// The chain hash a segment's first record follows (from its header).
pub fn segment_prev(dir: &Path, index: u64) -> Result<[u8; 32]> {
    let path = segment_path(dir, index);
    let mut header = vec![0; HEADER];
    let mut file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    std::io::Read::read_exact(&mut file, &mut header).with_context(|| format!("cannot read {}", path.display()))?;
    header_prev(&path, &header)
}

fn segment_path(dir: &Path, index: u64) -> PathBuf {
    dir.join(format!("{index:06}.seg"))
}

fn segment_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    numbered_files(dir, ".seg")
}
