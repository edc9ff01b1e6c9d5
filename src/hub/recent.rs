//! What the hub holds for its seats: its own copy of the world (the same batches applied in
//! the same order as the writer's) at sequence `seq`, and the most recent batches, each kept
//! with its encoded frame, so that a seat coming back gets only what it missed. A batch is
//! encoded once; the same bytes go to every seat.

use std::collections::VecDeque;
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;

use super::protocol::{FromHub, Want};
use crate::ingest::Batch;
use crate::model::Event;
use crate::world::{Outcome, World};

/// An encoded message, shared by every seat it goes to.
pub type Frame = Utf8Bytes;

/// Most events in one batch rebuilt from the journal at start-up.
const REPLAYED_BATCH: usize = 1024;

struct Kept {
    batch: Arc<Batch>,
    refused: Vec<(u32, String)>,
    frame: Frame,
}

pub struct Recent {
    world: World,
    seq: u64,
    kept: VecDeque<Kept>,
    kept_events: usize,
    max_events: usize,
}

/// What brings a seat up to date: frames already encoded, or the world (copied under the
/// hub's lock, encoded after it, so the feed is never held up by a large world).
pub enum CatchUp {
    Frames(Vec<Frame>),
    World(FromHub),
}

impl CatchUp {
    pub fn into_frames(self) -> Vec<Frame> {
        match self {
            CatchUp::Frames(frames) => frames,
            CatchUp::World(world) => vec![Frame::from(world.encode())],
        }
    }
}

impl Recent {
    /// Starts from the writer's world after `seq`, with `tail` (the journal's last records
    /// with their outcomes, already in that world) kept for seats coming back after a restart.
    pub fn new(world: World, seq: u64, tail: Vec<(u64, Event, Outcome)>, max_events: usize) -> Self {
        let mut recent = Self { world, seq, kept: VecDeque::new(), kept_events: 0, max_events };
        if tail.last().is_some_and(|(last, _, _)| *last == seq) {
            for run in consecutive_runs(tail) {
                for chunk in run.chunks(REPLAYED_BATCH) {
                    let batch =
                        Batch { first_seq: chunk[0].0, events: chunk.iter().map(|(_, e, _)| e.clone()).collect() };
                    let refused = refusals(chunk.iter().map(|(_, _, o)| o));
                    recent.keep(Arc::new(batch), refused);
                }
            }
        }
        recent
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    /// Applies a batch from the writer; returns its frame.
    pub fn apply(&mut self, batch: Arc<Batch>) -> Frame {
        let outcomes = self.world.apply(&batch.events);
        self.world.take_changes();
        self.seq = batch.last_seq();
        self.keep(batch, refusals(outcomes.iter()))
    }

    /// What brings a seat to `seq`: the batches after its sequence when they are all still
    /// kept, else the world.
    pub fn catch_up(&self, want: Want) -> CatchUp {
        match want {
            Want::Nothing => CatchUp::Frames(Vec::new()),
            Want::After(seq) if seq == self.seq => CatchUp::Frames(Vec::new()),
            Want::After(seq) if seq < self.seq && self.holds_after(seq) => CatchUp::Frames(self.frames_after(seq)),
            Want::After(_) | Want::World => {
                CatchUp::World(FromHub::World { seq: self.seq, world: Box::new(self.world.saved()) })
            }
        }
    }

    fn holds_after(&self, seq: u64) -> bool {
        self.kept.front().is_some_and(|k| k.batch.first_seq <= seq + 1)
    }

    fn frames_after(&self, seq: u64) -> Vec<Frame> {
        let mut frames = Vec::new();
        for kept in self.kept.iter().filter(|k| k.batch.last_seq() > seq) {
            if kept.batch.first_seq > seq {
                frames.push(kept.frame.clone());
                continue;
            }
            // The seat has the start of this batch: send it the rest.
            let skip = (seq + 1 - kept.batch.first_seq) as usize;
            let events = kept.batch.events[skip..].to_vec();
            let refused =
                kept.refused.iter().filter(|(i, _)| *i as usize >= skip).map(|(i, r)| (*i - skip as u32, r.clone()));
            let message = FromHub::Batch { first_seq: seq + 1, events, refused: refused.collect() };
            frames.push(Frame::from(message.encode()));
        }
        frames
    }

    fn keep(&mut self, batch: Arc<Batch>, refused: Vec<(u32, String)>) -> Frame {
        let message =
            FromHub::Batch { first_seq: batch.first_seq, events: batch.events.clone(), refused: refused.clone() };
        let frame = Frame::from(message.encode());
        self.kept_events += batch.events.len();
        self.kept.push_back(Kept { batch, refused, frame: frame.clone() });
        while self.kept_events > self.max_events && self.kept.len() > 1 {
            if let Some(old) = self.kept.pop_front() {
                self.kept_events -= old.batch.events.len();
            }
        }
        frame
    }
}

/// The refused events of a batch, by index, with the reasons.
fn refusals<'a>(outcomes: impl Iterator<Item = &'a Outcome>) -> Vec<(u32, String)> {
    outcomes
        .enumerate()
        .filter_map(|(i, o)| match o {
            Outcome::Refused(reason) => Some((i as u32, reason.clone())),
            Outcome::Applied => None,
        })
        .collect()
}

/// The records split where the sequence jumps (a repaired journal has gaps).
fn consecutive_runs(records: Vec<(u64, Event, Outcome)>) -> Vec<Vec<(u64, Event, Outcome)>> {
    let mut runs: Vec<Vec<(u64, Event, Outcome)>> = Vec::new();
    for record in records {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|(seq, _, _)| seq + 1 == record.0) => run.push(record),
            _ => runs.push(vec![record]),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FeedKind, Fix};

    fn position(device: &str, time: i64) -> Event {
        let fix = Fix { time, lon: 106.8, lat: -6.2, speed: None, heading: None, accuracy: None };
        Event::Position { device: device.into(), fix, feed: FeedKind::Simulator }
    }

    fn batch(first_seq: u64, n: usize) -> Arc<Batch> {
        Arc::new(Batch { first_seq, events: (0..n).map(|i| position("u1", first_seq as i64 + i as i64)).collect() })
    }

    fn first_seqs(frames: &[Frame]) -> Vec<u64> {
        frames
            .iter()
            .map(|f| match serde_json::from_str::<FromHub>(f.as_str()) {
                Ok(FromHub::Batch { first_seq, .. }) => first_seq,
                Ok(FromHub::World { .. }) => 0,
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_seat_coming_back_gets_what_it_missed_or_else_the_world() {
        let mut recent = Recent::new(World::new(), 0, Vec::new(), 10);
        recent.apply(batch(1, 4));
        recent.apply(batch(5, 4));
        assert_eq!(recent.seq(), 8);
        assert!(recent.catch_up(Want::After(8)).into_frames().is_empty());
        assert_eq!(first_seqs(&recent.catch_up(Want::After(4)).into_frames()), vec![5]);
        assert_eq!(first_seqs(&recent.catch_up(Want::After(0)).into_frames()), vec![1, 5]);
        // Mid-batch: the rest of it, re-encoded from the seat's next sequence number.
        assert_eq!(first_seqs(&recent.catch_up(Want::After(2)).into_frames()), vec![3, 5]);
        // Over ten events kept, the oldest batch goes: seq 1 to 4 can no longer be sent.
        recent.apply(batch(9, 4));
        assert_eq!(first_seqs(&recent.catch_up(Want::After(4)).into_frames()), vec![5, 9]);
        assert_eq!(first_seqs(&recent.catch_up(Want::After(3)).into_frames()), vec![0], "the world instead");
        assert_eq!(first_seqs(&recent.catch_up(Want::After(99)).into_frames()), vec![0], "a seat ahead of the hub");
        assert!(recent.catch_up(Want::Nothing).into_frames().is_empty());
    }

    #[test]
    fn the_journal_tail_is_kept_in_runs_without_gaps() {
        let tail: Vec<_> =
            [1u64, 2, 3, 7, 8].iter().map(|&s| (s, position("u1", s as i64), Outcome::Applied)).collect();
        let recent = Recent::new(World::new(), 8, tail, 100);
        assert_eq!(first_seqs(&recent.catch_up(Want::After(0)).into_frames()), vec![1, 7]);
        assert_eq!(first_seqs(&recent.catch_up(Want::After(7)).into_frames()), vec![8]);
        let stale: Vec<_> = vec![(3, position("u1", 3), Outcome::Applied)];
        let recent = Recent::new(World::new(), 8, stale, 100);
        assert_eq!(
            first_seqs(&recent.catch_up(Want::After(2)).into_frames()),
            vec![0],
            "a tail not ending at seq is not used"
        );
    }
}
