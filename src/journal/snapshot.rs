//! Snapshots: the world as it stood after a known sequence number, with where each stream
//! goes on from there, so start-up replays only what came after instead of the whole journal
//! (a month of positions at 1,000 units is billions of records).
//!
//! A snapshot is a cache, never the record: the journal stays the truth. Each file in
//! `snapshots/` is `PNTSNAP8 | blake3(body) | postcard(body)` (PNTSNAP1 to PNTSNAP7, older
//! shapes, are still read), written to a temporary name,
//! synced and renamed, the two newest kept. One that is damaged, or that does not fit the
//! journal (a cursor past a segment's end, a chain that does not continue from its hash), is
//! passed over with a warning and the next older one, or a full replay, is used instead.
//! `pantau journal verify` replays from the start and checks every snapshot against it.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::files::{numbered_files, sync_dir};
use super::stream::Cursor;
use crate::model::calls::NumberBlock;
use crate::model::legacy::{AlarmV1, AlarmV2, IncidentV1};
use crate::model::zones::EditedZone;
use crate::model::{Alarm, Call, CallerLocation, Incident, Unit};
use crate::world::plans::Followed;
use crate::world::{Saved, World};

/// Today's snapshots: the world as [`Saved`] holds it.
const MAGIC: &[u8; 8] = b"PNTSNAP8";
/// Before incidents held their caller's name, zones and linked alarms (up to 2026-12-02).
const MAGIC_V7: &[u8; 8] = b"PNTSNAP7";
const MAGIC_V6: &[u8; 8] = b"PNTSNAP6";
/// Snapshots with early callers' locations but no operation plans, written on 2026-12-01,
/// still read.
const MAGIC_V5: &[u8; 8] = b"PNTSNAP5";
/// Snapshots with calls, the block list and incidents but no early callers' locations,
/// written on 2026-12-01, still read.
const MAGIC_V4: &[u8; 8] = b"PNTSNAP4";
/// Snapshots of units and alarms (with repeats, notes and closures) without calls, written up
/// to 2026-12-01, still read.
const MAGIC_V3: &[u8; 8] = b"PNTSNAP3";
/// Snapshots of alarms with repeats and notes, written up to 2026-11-30, still read.
const MAGIC_V2: &[u8; 8] = b"PNTSNAP2";
/// The first snapshots, written up to 2026-11-30, still read.
const MAGIC_V1: &[u8; 8] = b"PNTSNAP1";
/// Snapshots kept: the newest, and one before it in case the newest is damaged.
const KEEP: usize = 2;

/// A point in the journal: every record up to `seq` is in the snapshot's world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: u64,
    pub events: Cursor,
    pub positions: Cursor,
}

#[derive(Serialize, Deserialize)]
struct Body {
    checkpoint: Checkpoint,
    world: Saved,
}

/// Before incidents held their caller's name, zones and linked alarms: the world saved with
/// incidents in their first shape.
#[derive(Deserialize)]
struct BodyV7 {
    checkpoint: Checkpoint,
    units: Vec<Unit>,
    alarms: Vec<Alarm>,
    calls: Vec<Call>,
    blocks: Vec<NumberBlock>,
    incidents: Vec<IncidentV1>,
    early_locations: Vec<(String, CallerLocation)>,
    plans: Vec<Followed>,
    zones: Vec<(String, Option<EditedZone>)>,
    zone_edits: u64,
}

impl From<BodyV7> for Body {
    fn from(old: BodyV7) -> Self {
        let BodyV7 { checkpoint, units, alarms, calls, blocks, incidents, early_locations, plans, zones, zone_edits } =
            old;
        let incidents = incidents.into_iter().map(Incident::from).collect();
        let world = Saved { units, alarms, calls, blocks, incidents, early_locations, plans, zones, zone_edits };
        Self { checkpoint, world }
    }
}

/// Before zone edits: the world saved without them.
#[derive(Deserialize)]
struct BodyV6 {
    checkpoint: Checkpoint,
    units: Vec<Unit>,
    alarms: Vec<Alarm>,
    calls: Vec<Call>,
    blocks: Vec<NumberBlock>,
    incidents: Vec<IncidentV1>,
    early_locations: Vec<(String, CallerLocation)>,
    plans: Vec<Followed>,
}

impl From<BodyV6> for BodyV7 {
    fn from(old: BodyV6) -> Self {
        let BodyV6 { checkpoint, units, alarms, calls, blocks, incidents, early_locations, plans } = old;
        Self {
            checkpoint,
            units,
            alarms,
            calls,
            blocks,
            incidents,
            early_locations,
            plans,
            zones: Vec::new(),
            zone_edits: 0,
        }
    }
}

/// Before the operation plans: the PNTSNAP6 shape without them.
impl From<BodyV5> for BodyV6 {
    fn from(old: BodyV5) -> Self {
        let BodyV5 { checkpoint, units, alarms, calls, blocks, incidents, early_locations } = old;
        Self { checkpoint, units, alarms, calls, blocks, incidents, early_locations, plans: Vec::new() }
    }
}

#[derive(Deserialize)]
struct BodyV5 {
    checkpoint: Checkpoint,
    units: Vec<Unit>,
    alarms: Vec<Alarm>,
    calls: Vec<Call>,
    blocks: Vec<NumberBlock>,
    incidents: Vec<IncidentV1>,
    early_locations: Vec<(String, CallerLocation)>,
}

/// A snapshot's body in the fourth format.
#[derive(Deserialize)]
struct BodyV4 {
    checkpoint: Checkpoint,
    units: Vec<Unit>,
    alarms: Vec<Alarm>,
    calls: Vec<Call>,
    blocks: Vec<NumberBlock>,
    incidents: Vec<IncidentV1>,
}

/// A snapshot's body in the third format.
#[derive(Deserialize)]
struct BodyV3 {
    checkpoint: Checkpoint,
    units: Vec<Unit>,
    alarms: Vec<Alarm>,
}

/// A snapshot's body in the second format.
#[derive(Deserialize)]
struct BodyV2 {
    checkpoint: Checkpoint,
    units: Vec<Unit>,
    alarms: Vec<AlarmV2>,
}

/// A snapshot's body in the first format.
#[derive(Deserialize)]
struct BodyV1 {
    checkpoint: Checkpoint,
    units: Vec<Unit>,
    alarms: Vec<AlarmV1>,
}

/// A snapshot read back from disk.
pub struct Snapshot {
    pub path: PathBuf,
    pub checkpoint: Checkpoint,
    pub world: World,
}

fn folder(journal: &Path) -> PathBuf {
    journal.join("snapshots")
}

/// Writes the world at `checkpoint` and removes all but the newest snapshots.
pub fn write(journal: &Path, checkpoint: Checkpoint, world: &World) -> Result<PathBuf> {
    let dir = folder(journal);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let body = Body { checkpoint, world: world.saved() };
    let payload = postcard::to_stdvec(&body).context("cannot encode a snapshot")?;
    let mut bytes = Vec::with_capacity(payload.len() + 40);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(blake3::hash(&payload).as_bytes());
    bytes.extend_from_slice(&payload);
    let path = dir.join(format!("{:020}.snap", checkpoint.seq));
    let temporary = path.with_extension("snap.partial");
    let written = write_synced(&temporary, &bytes).and_then(|()| {
        std::fs::rename(&temporary, &path).with_context(|| format!("cannot rename {}", temporary.display()))
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(e);
    }
    sync_dir(&dir).with_context(|| format!("cannot sync {}", dir.display()))?;
    for (_, old) in list(journal)?.into_iter().rev().skip(KEEP) {
        std::fs::remove_file(&old).with_context(|| format!("cannot remove {}", old.display()))?;
    }
    Ok(path)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
    file.sync_all().with_context(|| format!("cannot sync {}", path.display()))
}

/// The snapshot files, oldest first, with their sequence numbers.
pub fn list(journal: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let dir = folder(journal);
    if !dir.exists() {
        return Ok(Vec::new());
    }
    numbered_files(&dir, ".snap")
}

/// Reads one snapshot, checking its magic and hash.
pub fn read(path: &Path) -> Result<Snapshot> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let magic = bytes.get(..8).unwrap_or_default();
    if bytes.len() < 40
        || ![MAGIC, MAGIC_V7, MAGIC_V6, MAGIC_V5, MAGIC_V4, MAGIC_V3, MAGIC_V2, MAGIC_V1]
            .iter()
            .any(|m| magic == &m[..])
    {
        bail!("{}: not a pantau snapshot", path.display());
    }
    let payload = &bytes[40..];
    if blake3::hash(payload).as_bytes() != &bytes[8..40] {
        bail!("{}: damaged (its hash does not match)", path.display());
    }
    let body: Body = if magic == MAGIC {
        postcard::from_bytes(payload)
    } else if magic == MAGIC_V7 {
        postcard::from_bytes::<BodyV7>(payload).map(Body::from)
    } else if magic == MAGIC_V6 {
        postcard::from_bytes::<BodyV6>(payload).map(|old| Body::from(BodyV7::from(old)))
    } else if magic == MAGIC_V5 {
        postcard::from_bytes::<BodyV5>(payload).map(|old| Body::from(BodyV7::from(BodyV6::from(old))))
    } else if magic == MAGIC_V4 {
        postcard::from_bytes::<BodyV4>(payload).map(|old| Body {
            checkpoint: old.checkpoint,
            world: Saved {
                units: old.units,
                alarms: old.alarms,
                calls: old.calls,
                blocks: old.blocks,
                incidents: old.incidents.into_iter().map(Incident::from).collect(),
                ..Saved::default()
            },
        })
    } else if magic == MAGIC_V3 {
        postcard::from_bytes::<BodyV3>(payload).map(|old| Body {
            checkpoint: old.checkpoint,
            world: Saved { units: old.units, alarms: old.alarms, ..Saved::default() },
        })
    } else if magic == MAGIC_V2 {
        postcard::from_bytes::<BodyV2>(payload).map(|old| Body {
            checkpoint: old.checkpoint,
            world: Saved {
                units: old.units,
                alarms: old.alarms.into_iter().map(Into::into).collect(),
                ..Saved::default()
            },
        })
    } else {
        postcard::from_bytes::<BodyV1>(payload).map(|old| Body {
            checkpoint: old.checkpoint,
            world: Saved {
                units: old.units,
                alarms: old.alarms.into_iter().map(Into::into).collect(),
                ..Saved::default()
            },
        })
    }
    .with_context(|| format!("{}: cannot decode", path.display()))?;
    Ok(Snapshot { path: path.to_path_buf(), checkpoint: body.checkpoint, world: World::from_saved(body.world) })
}

/// Snapshots newest first, each read when asked for; damaged ones are logged and passed over.
pub fn newest_first(journal: &Path) -> impl Iterator<Item = Snapshot> {
    let files = list(journal).unwrap_or_else(|e| {
        tracing::warn!("journal snapshots: {e:#}");
        Vec::new()
    });
    files.into_iter().rev().filter_map(|(_, path)| match read(&path) {
        Ok(snapshot) => Some(snapshot),
        Err(e) => {
            tracing::warn!("{e:#}; passing over it");
            None
        }
    })
}
