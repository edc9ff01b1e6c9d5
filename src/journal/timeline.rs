//! The journal's timeline: keyframes that rebuild the world as it stood at any moment without
//! replaying the journal from its start. Like snapshots it is a cache, never the record: it is
//! made from the journal (`update`), can be thrown away and made again, and a keyframe that
//! fails its hash is a reason to make it again, not to trust it.
//!
//! A keyframe is written after the first record at least [`EVERY_MS`] (of record time) past
//! the one before (not at the journal's head: a seek replays the rest). Each holds where the journal goes on from
//! there (a [`Checkpoint`]), every unit whole (units all move, and only the last keyframe's are
//! read), the block list, the operation plans and the zone edits whole, and only the alarms, calls and
//! incidents that changed since the keyframe before, so
//! a month of keyframes costs little more than the record's own calls. Each keyframe is two
//! files, `timeline/SEQ-TIME.key` (the delta) and `SEQ-TIME.units`, each `PNTTIME5 |
//! blake3(rest) | postcard(rest)`: a seek reads every delta before its moment but only the
//! last keyframe's units.
//!
//! [`seek`] takes the keyframes up to a time, patches their deltas together, starts from the
//! last one's units and replays the records after it up to that time: the same world as
//! applying every record of the journal up to that time (record times are taken as rising).
//! [`seek_playhead`] also keeps the journal open where the seek stopped, as a [`Playhead`]: a
//! replay moving forwards a little (playing, or the slider nudged) takes only the records in
//! between instead of seeking again.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::snapshot::Checkpoint;
use super::JournalRecords;
use crate::model::calls::NumberBlock;
use crate::model::zones::EditedZone;
use crate::model::{Alarm, Call, CallerLocation, Incident, Millis, Unit};
use crate::world::plans::Followed;
use crate::world::{Saved, World};

/// (Older keyframes, `PNTTIME2` without the plans, `PNTTIME3` without the zone edits and
/// `PNTTIME4` with incidents in their first shape, are made again.)
const MAGIC: &[u8; 8] = b"PNTTIME5";
/// A keyframe at least this often, in record time (a seek replays at most this much).
pub const EVERY_MS: Millis = 1_800_000;
/// Keyframe deltas decoded at once by a seek (each carries the block list, early locations,
/// plans and zone edits whole, so all of a month's at once could take gigabytes).
const DECODED_AT_ONCE: usize = 32;
/// The most alarms, calls or incidents a seek makes room for before laying keyframes over.
const MAX_RESERVED: usize = 1 << 22;
/// A playhead steps forward at most this much record time at once; further is a seek (a step
/// is applied again wherever the moment is shown, so it is kept short).
pub const STEP_MS: Millis = 300_000;

/// What changed between two keyframes, and where the journal goes on after the second.
#[derive(Serialize, Deserialize)]
struct Delta {
    checkpoint: Checkpoint,
    alarms: Vec<Alarm>,
    calls: Vec<Call>,
    incidents: Vec<Incident>,
    blocks: Vec<NumberBlock>,
    early_locations: Vec<(String, CallerLocation)>,
    /// The operation plans followed, whole (at most `world::plans::MAX_PLANS`).
    plans: Vec<Followed>,
    /// The zone edits, whole (each edited code's latest zone), and how many edits.
    zones: Vec<(String, Option<EditedZone>)>,
    zone_edits: u64,
}

/// A keyframe file: the last record it holds (its sequence number and time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keyframe {
    pub seq: u64,
    pub time: Millis,
    pub path: PathBuf,
}

/// What [`update`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Updated {
    pub records: u64,
    pub keyframes: u64,
}

fn folder(journal: &Path) -> PathBuf {
    journal.join("timeline")
}

/// The keyframes on disk, oldest first.
pub fn keyframes(journal: &Path) -> Result<Vec<Keyframe>> {
    let dir = folder(journal);
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry.with_context(|| format!("cannot list {}", dir.display()))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".key")) else {
            continue;
        };
        let Some((seq, time)) = name.split_once('-').and_then(|(s, t)| Some((s.parse().ok()?, t.parse().ok()?))) else {
            continue;
        };
        found.push(Keyframe { seq, time, path });
    }
    found.sort_by_key(|k| k.seq);
    Ok(found)
}

/// Brings the timeline up to the journal's head: replays from the last keyframe (or the start)
/// and writes keyframes as it goes (never at the head itself, so a journal still growing does
/// not get one per call). Records appended while it runs are left for the next time.
pub fn update(journal: &Path) -> Result<Updated> {
    let _lock = lock(journal);
    update_locked(journal, super::reach(journal)?)
}

/// Holds the timeline's lock (a file beside it) while it lives, so two threads or processes
/// never write or remove keyframes at once; none where the journal cannot be written.
fn lock(journal: &Path) -> Option<std::fs::File> {
    let path = journal.join("timeline.lock");
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).ok()?;
    file.lock().ok()?;
    Some(file)
}

/// Forgets the timeline (after the journal was cut: its keyframes may point past the cut).
pub fn forget(journal: &Path) -> Result<()> {
    let _lock = lock(journal);
    let dir = folder(journal);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    Ok(())
}

/// Brings the timeline up to `reach` (the journal's last record's sequence number and time,
/// [`super::reach`]): nothing to do while no record before it is [`EVERY_MS`] past the last
/// keyframe (record times taken as rising), which a journal's head checks without reading its
/// keyframes.
fn update_locked(journal: &Path, reach: Option<(u64, Millis)>) -> Result<Updated> {
    let Some((head_seq, head_time)) = reach else { return Ok(Updated::default()) };
    let keys = keyframes(journal)?;
    if keys.last().is_some_and(|last| last.seq >= head_seq || head_time.saturating_sub(last.time) < EVERY_MS) {
        return Ok(Updated::default());
    }
    let resumed = keys.last().map(|last| patched(&keys).map(|(saved, checkpoint)| (saved, checkpoint, last.time)));
    let (mut world, mut records, mut last_time) = match resumed {
        Some(Ok((saved, checkpoint, time))) => {
            (World::from_saved(saved), JournalRecords::open_at(journal, Some(&checkpoint))?, Some(time))
        }
        Some(Err(e)) => {
            tracing::warn!("journal {}: timeline unusable ({e:#}); making it again", journal.display());
            let dir = folder(journal);
            std::fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
            (World::new(), JournalRecords::open(journal)?, None)
        }
        None => (World::new(), JournalRecords::open(journal)?, None),
    };
    let mut done = Updated::default();
    while let Some(record) = records.next() {
        let record = record?;
        world.apply_one(&record.event);
        done.records += 1;
        let at_head = record.seq >= head_seq;
        if !at_head && last_time.is_none_or(|t| record.time.saturating_sub(t) >= EVERY_MS) {
            // Never a keyframe after damage read past: its cursor would point into it.
            if let Some(problem) = records.problems().next() {
                bail!("journal {}: {problem}", journal.display());
            }
            let checkpoint = records.checkpoint(record.seq).context("the journal has a stream with no segment")?;
            write(journal, &mut world, checkpoint, record.time)?;
            last_time = Some(record.time);
            done.keyframes += 1;
        }
        if at_head {
            return Ok(done);
        }
    }
    if let Some(problem) = records.problems().next() {
        bail!("journal {}: {problem}", journal.display());
    }
    bail!("journal {}: it ends before its head {head_seq}", journal.display())
}

/// Writes a keyframe of `world` (which holds every record up to the checkpoint's), taking its
/// changes since the last one.
fn write(journal: &Path, world: &mut World, checkpoint: Checkpoint, time: Millis) -> Result<()> {
    let changes = world.take_changes();
    let pick = |slots: &[u32], all_len: usize| {
        let mut slots: Vec<usize> = slots.iter().map(|s| *s as usize).filter(|s| *s < all_len).collect();
        slots.sort_unstable();
        slots.dedup();
        slots
    };
    let alarms = pick(&changes.alarms, world.alarms().len()).into_iter().map(|s| world.alarms()[s].clone()).collect();
    let calls = pick(&changes.calls, world.calls().len()).into_iter().map(|s| world.calls()[s].clone()).collect();
    let incidents =
        pick(&changes.incidents, world.incidents().len()).into_iter().map(|s| world.incidents()[s].clone()).collect();
    let blocks = world.blocks().cloned().collect();
    let early_locations = world.early_locations().map(|(n, l)| (n.clone(), l.clone())).collect();
    let plans = world.plans().to_vec();
    let (zones, zone_edits) = (world.zones().saved(), world.zones().version());
    let delta = Delta { checkpoint, alarms, calls, incidents, blocks, early_locations, plans, zones, zone_edits };
    let units = postcard::to_stdvec(world.units()).context("cannot encode a keyframe's units")?;
    let delta = postcard::to_stdvec(&delta).context("cannot encode a keyframe")?;
    let dir = folder(journal);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!("{:020}-{time}.key", checkpoint.seq));
    // The units first: a keyframe is there once its delta is.
    write_file(&path.with_extension("units"), &units)?;
    write_file(&path, &delta)
}

/// Writes `MAGIC | blake3(payload) | payload` to a temporary name and renames it.
fn write_file(path: &Path, payload: &[u8]) -> Result<()> {
    let mut bytes = Vec::with_capacity(40 + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(blake3::hash(payload).as_bytes());
    bytes.extend_from_slice(payload);
    let partial = PathBuf::from(format!("{}.partial", path.display()));
    std::fs::write(&partial, &bytes).with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("cannot rename {}", partial.display()))
}

/// A keyframe file's payload, checked and decoded.
fn read_file<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() < 40 || &bytes[..8] != MAGIC {
        bail!("{}: not a pantau timeline file", path.display());
    }
    if blake3::hash(&bytes[40..]).as_bytes() != &bytes[8..40] {
        bail!("{}: damaged (its hash does not match)", path.display());
    }
    postcard::from_bytes(&bytes[40..]).with_context(|| format!("{}: cannot decode", path.display()))
}

/// A keyframe's delta.
fn read(key: &Keyframe) -> Result<Delta> {
    read_file(&key.path)
}

/// A keyframe's units.
fn read_units(key: &Keyframe) -> Result<Vec<Unit>> {
    read_file(&key.path.with_extension("units"))
}

/// The world saved at the last of `keys` (each keyframe's changes laid over the ones before),
/// and where the journal goes on from there. The deltas are read and decoded on every core
/// (most of a late seek in a long record), [`DECODED_AT_ONCE`] at a time, then laid over in
/// order.
fn patched(keys: &[Keyframe]) -> Result<(Saved, Checkpoint)> {
    use rayon::prelude::*;
    let mut saved = Saved::default();
    let mut checkpoint = None;
    reserve(&mut saved, keys)?;
    for chunk in keys.chunks(DECODED_AT_ONCE) {
        let deltas: Vec<Delta> = chunk.par_iter().map(read).collect::<Result<_>>()?;
        for (key, delta) in chunk.iter().zip(deltas) {
            let at = || format!("{}", key.path.display());
            lay_over(&mut saved.alarms, delta.alarms, |a| a.id).with_context(at)?;
            lay_over(&mut saved.calls, delta.calls, |c| c.id).with_context(at)?;
            lay_over(&mut saved.incidents, delta.incidents, |i| i.id).with_context(at)?;
            (saved.blocks, saved.early_locations, saved.plans) = (delta.blocks, delta.early_locations, delta.plans);
            (saved.zones, saved.zone_edits) = (delta.zones, delta.zone_edits);
            checkpoint = Some(delta.checkpoint);
        }
    }
    let last = keys.last().context("no keyframes")?;
    saved.units = read_units(last)?;
    Ok((saved, checkpoint.context("no keyframes")?))
}

/// Makes room for the alarms, calls and incidents the last of `keys` holds (its newest ids),
/// and an eighth more for those the records after it add, so neither laying a month's deltas
/// over nor replaying on to the moment moves a quarter of a million calls to a larger vector.
fn reserve(saved: &mut Saved, keys: &[Keyframe]) -> Result<()> {
    let last = read(keys.last().context("no keyframes")?)?;
    // A damaged file's id reserves no more than this (laying it over then fails on the gap).
    let room = |newest: Option<u64>| {
        let newest = usize::try_from(newest.unwrap_or(0)).unwrap_or(0).min(MAX_RESERVED);
        newest + newest / 8 + 64
    };
    saved.alarms.reserve(room(last.alarms.iter().map(|a| a.id).max()));
    saved.calls.reserve(room(last.calls.iter().map(|c| c.id).max()));
    saved.incidents.reserve(room(last.incidents.iter().map(|i| i.id).max()));
    Ok(())
}

/// Puts each changed item in its place by id (ids run 1, 2, ... with no gaps).
fn lay_over<T>(all: &mut Vec<T>, changed: Vec<T>, id: impl Fn(&T) -> u64) -> Result<()> {
    for item in changed {
        let slot = usize::try_from(id(&item)).ok().and_then(|id| id.checked_sub(1)).context("an id of 0")?;
        match slot.cmp(&all.len()) {
            std::cmp::Ordering::Less => all[slot] = item,
            std::cmp::Ordering::Equal => all.push(item),
            std::cmp::Ordering::Greater => bail!("id {} comes after a gap (the keyframes do not follow on)", slot + 1),
        }
    }
    Ok(())
}

/// The world as it stood at `time`: every record up to the first later than `time` applied.
/// Returns it with the sequence number of the last record applied (0 for none). The timeline
/// is brought up to date first (a damaged one is made again); where that cannot be done (a
/// journal on read-only media), what there is of it is used, and failing that the journal is
/// replayed from its start.
pub fn seek(journal: &Path, time: Millis) -> Result<(World, u64)> {
    seek_playhead(journal, time).map(|(world, seq, _)| (world, seq))
}

/// As [`seek`], with the playhead left at `time` to step onward from.
pub fn seek_playhead(journal: &Path, time: Millis) -> Result<(World, u64, Playhead)> {
    let _lock = lock(journal);
    // Records written from here on are left to the next seek: a step never reads past this.
    let reach = super::reach(journal)?;
    let horizon = reach.map_or(0, |(seq, _)| seq);
    if let Err(e) = update_locked(journal, reach) {
        tracing::warn!("journal {}: cannot bring its timeline up to date: {e:#}", journal.display());
    }
    let keys = keyframes(journal).unwrap_or_default();
    seek_from(journal, &keys, time, horizon).or_else(|e| {
        tracing::warn!("journal {}: timeline unusable ({e:#}); making it again", journal.display());
        let remade = std::fs::remove_dir_all(folder(journal))
            .map_err(anyhow::Error::from)
            .and_then(|()| update_locked(journal, reach));
        match remade.and_then(|_| keyframes(journal)) {
            Ok(keys) => seek_from(journal, &keys, time, horizon),
            Err(e) => {
                tracing::warn!(
                    "journal {}: cannot make its timeline ({e:#}); replaying from the start",
                    journal.display()
                );
                seek_from(journal, &[], time, horizon)
            }
        }
    })
}

fn seek_from(journal: &Path, keys: &[Keyframe], time: Millis, horizon: u64) -> Result<(World, u64, Playhead)> {
    let started = std::time::Instant::now();
    let before: Vec<Keyframe> = keys.iter().take_while(|k| k.time <= time).cloned().collect();
    let (mut world, mut seq, records) = match before.last() {
        Some(last) => {
            let (saved, checkpoint) = patched(&before)?;
            (World::from_saved(saved), last.seq, JournalRecords::open_at(journal, Some(&checkpoint))?)
        }
        None => (World::new(), 0, JournalRecords::open(journal)?),
    };
    let (keyframed, from) = (started.elapsed(), seq);
    let mut playhead =
        Playhead { journal: journal.to_path_buf(), records, next: None, time, seq, horizon, ended: false };
    for event in playhead.take_to(time)?.0 {
        world.apply_one(&event);
    }
    seq = playhead.seq;
    world.take_changes();
    tracing::debug!(
        "seek to {time}: {} keyframes laid over in {keyframed:?}, then {} records in {:?}",
        before.len(),
        seq - from,
        started.elapsed() - keyframed
    );
    Ok((world, seq, playhead))
}

/// Where a seek left the journal: the moment, the last record it took, and the records after
/// it, read on as the moment moves forwards.
pub struct Playhead {
    journal: PathBuf,
    records: JournalRecords,
    /// The first record after the moment, read and not yet taken.
    next: Option<super::Record>,
    time: Millis,
    seq: u64,
    /// The journal's last record when the seek began: records after it may be only partly
    /// on disk then, so a step never takes one.
    horizon: u64,
    /// The records ran out (or reached the horizon): records written since may not be seen,
    /// so only a seek goes on.
    ended: bool,
}

impl Playhead {
    /// The moment it stands at.
    pub fn time(&self) -> Millis {
        self.time
    }

    /// The sequence number of the last record taken (0 for none).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Whether `time` is reached by stepping: forwards, at most [`STEP_MS`], and the journal
    /// not run out.
    pub fn reaches(&self, time: Millis) -> bool {
        !self.ended && time >= self.time && time - self.time <= STEP_MS
    }

    /// The records' events after the moment up to `time`, in order, moving the moment there:
    /// applied to the world at the moment, they give the world at `time`. None when that cannot
    /// be known from here (the records ran out before `time`: more may have been written since
    /// the seek), and a seek must find it.
    pub fn step_to(&mut self, time: Millis) -> Result<Option<Vec<crate::model::Event>>> {
        let (events, whole) = self.take_to(time)?;
        Ok(whole.then_some(events))
    }

    /// The records' events up to `time`, and whether they are all of them: false when the
    /// records ran out (or reached the horizon) first.
    fn take_to(&mut self, time: Millis) -> Result<(Vec<crate::model::Event>, bool)> {
        let mut events = Vec::new();
        let whole = loop {
            let record = match self.next.take() {
                Some(record) => record,
                None => match self.records.next() {
                    Some(record) => record?,
                    None => break false,
                },
            };
            if record.seq > self.horizon {
                break record.time > time;
            }
            if record.time > time {
                self.next = Some(record);
                break true;
            }
            self.seq = record.seq;
            events.push(record.event);
        };
        if let Some(problem) = self.records.problems().next() {
            bail!("journal {}: {problem}", self.journal.display());
        }
        self.ended |= !whole || self.next.is_none();
        self.time = self.time.max(time);
        Ok((events, whole))
    }
}

/// Reads the journal's records from the last keyframe at or before `time` (the start without
/// one) on, telling `each` every record's time and event until it answers false. The timeline
/// is brought up to date first where it can be.
pub fn read_from(
    journal: &Path,
    time: Millis,
    mut each: impl FnMut(Millis, &crate::model::Event) -> bool,
) -> Result<()> {
    read_after(journal, |k| k.time <= time, |record| each(record.time, &record.event))
}

/// Reads the journal's records from the last keyframe before record `seq` on, telling `each`
/// every record until it answers false.
pub fn read_records_from(journal: &Path, seq: u64, each: impl FnMut(&super::Record) -> bool) -> Result<()> {
    read_after(journal, |k| k.seq < seq, each)
}

/// Reads from the last of the leading keyframes `before` accepts.
fn read_after(
    journal: &Path,
    before: impl Fn(&Keyframe) -> bool,
    mut each: impl FnMut(&super::Record) -> bool,
) -> Result<()> {
    let lock = lock(journal);
    if let Err(e) = super::reach(journal).and_then(|reach| update_locked(journal, reach)) {
        tracing::warn!("journal {}: cannot bring its timeline up to date: {e:#}", journal.display());
    }
    let keys = keyframes(journal).unwrap_or_default();
    let start = keys.iter().take_while(|k| before(k)).last().map(read).transpose();
    drop(lock);
    let mut records = match start {
        Ok(Some(delta)) => JournalRecords::open_at(journal, Some(&delta.checkpoint))?,
        _ => JournalRecords::open(journal)?,
    };
    for record in records.by_ref() {
        if !each(&record?) {
            return Ok(());
        }
    }
    let problem = records.problems().next();
    match problem {
        Some(problem) => bail!("journal {}: {problem}", journal.display()),
        None => Ok(()),
    }
}
