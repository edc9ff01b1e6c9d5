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
use super::record::{self, DecodeError, Record, MAX_BODY};
use crate::model::{Event, Millis};

/// Where a stream goes on after a snapshot: the segment, the byte offset of the next record in
/// it, and the chain hash that record follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub segment: u64,
    pub offset: u64,
    pub head: [u8; 32],
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
        let segments = segment_files(dir)?;
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
        let mut file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        file.write_all(MAGIC)?;
        file.write_all(&prev)?;
        file.sync_all()?;
        sync_dir(dir).with_context(|| format!("cannot sync {}", dir.display()))?;
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

/// Reads a segment's records; returns (head, last seq, count, bytes that are good). A bad
/// record with less than one record's worth of bytes after it is a torn tail and is dropped;
/// damage further back is an error, because cutting it would lose acknowledged data.
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
            Err(DecodeError::Truncated) => break,
            Err(DecodeError::Corrupt(why)) if bytes.len() - at <= MAX_BODY + 8 && is_last_write(bytes, at) => {
                tracing::warn!("{}: damaged last record at byte {at} ({why})", path.display());
                break;
            }
            Err(DecodeError::Corrupt(why)) => {
                bail!("{}: damaged record at byte {at} ({why}); run `pantau journal verify`", path.display())
            }
        }
    }
    Ok((head, last_seq, count, at))
}

/// True when no complete record starts after `at`: the damage is the final, torn write.
fn is_last_write(bytes: &[u8], at: usize) -> bool {
    let len = u32::from_le_bytes(bytes[at..].get(..4).and_then(|b| b.try_into().ok()).unwrap_or([0; 4])) as usize;
    len == 0 || at + 8 + len >= bytes.len()
}

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
    bytes: Vec<u8>,
    at: usize,
    head: [u8; 32],
    expected_prev: Option<[u8; 32]>,
    last_seq: Option<u64>,
    /// Where to begin (a snapshot's cursor), until the first segment is loaded.
    start: Option<Cursor>,
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
            segments: segments.into_iter(),
            name: String::new(),
            bytes: Vec::new(),
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

    /// Loads the next segment; false when none is left.
    fn next_segment(&mut self) -> Result<bool> {
        loop {
            let Some((index, path)) = self.segments.next() else { return Ok(false) };
            self.segment_count += 1;
            self.bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            self.name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            match header_prev(&path, &self.bytes) {
                Ok(prev) => {
                    if self.expected_prev.is_some_and(|expected| expected != prev) {
                        self.problems.push(format!("{}: does not continue the previous segment's chain", self.name));
                    }
                    self.head = prev;
                    self.at = HEADER;
                    if let Some(cursor) = self.start.take().filter(|c| c.segment == index) {
                        let offset = usize::try_from(cursor.offset).unwrap_or(usize::MAX);
                        if !(HEADER..=self.bytes.len()).contains(&offset) {
                            self.bytes = Vec::new();
                            bail!("{}: a snapshot's cursor (byte {offset}) is outside the segment", path.display());
                        }
                        (self.at, self.head) = (offset, cursor.head);
                    }
                    return Ok(true);
                }
                Err(e) => {
                    self.problems.push(format!("{e}"));
                    self.bytes = Vec::new();
                }
            }
        }
    }

    fn decode_next(&mut self) -> Option<Record> {
        while self.at < self.bytes.len() {
            match record::decode(&self.bytes[self.at..], &self.head) {
                Ok((r, len)) => {
                    if self.last_seq.is_some_and(|last| last >= r.seq) {
                        self.problems.push(format!("{}: sequence goes backwards at seq {}", self.name, r.seq));
                    }
                    self.last_seq = Some(r.seq);
                    self.head = r.hash;
                    self.at += len;
                    return Some(r);
                }
                Err(e) => {
                    self.problems.push(format!("{}: byte {}: {e:?}", self.name, self.at));
                    self.at = self.bytes.len();
                }
            }
        }
        None
    }
}

impl Iterator for StreamRecords {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Result<Record>> {
        loop {
            if let Some(record) = self.decode_next() {
                return Some(Ok(record));
            }
            if !self.bytes.is_empty() {
                self.expected_prev = Some(self.head);
                self.bytes = Vec::new();
            }
            match self.next_segment() {
                Ok(true) => continue,
                Ok(false) => return None,
                Err(e) => {
                    self.segments = Vec::new().into_iter();
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

fn segment_path(dir: &Path, index: u64) -> PathBuf {
    dir.join(format!("{index:06}.seg"))
}

fn segment_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    numbered_files(dir, ".seg")
}
