//! Replay: the map and panels show the record at a chosen moment instead of the live world
//! (with the units' tracks over the 15 minutes before it),
//! from the hosted centre's journal (its timeline rebuilds any moment from the keyframes before
//! it). The moment moves with the slider or plays forwards or backwards at 1 to 60 times real
//! time; each new moment is sought on the replay's own thread, and the desk shows it when it
//! comes. That thread keeps the journal open where the last moment was (a playhead): a moment a
//! little later (playing forwards, the slider nudged on) comes as the records in between, which
//! the desk applies to the world it shows, rather than as a whole world sought again.
//! Going back to live shows the live world, which went on taking the hub's batches meanwhile.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};

use super::Console;
use crate::journal::timeline::{self, Playhead};
use crate::model::{Event, Millis};
use crate::ops::tracks::{Tracks, TRACK_MS};
use crate::render::ThemeName;
use crate::ui::evidence::{picture, tracks_geojson, Stamp};
use crate::world::World;

/// What the replay's thread brings back for a moment, or why not.
type Sought = Result<Found, String>;

/// A moment found.
enum Found {
    /// Sought from the timeline: the world, the units' tracks and the last record read.
    Seek(Box<(World, Tracks)>, u64),
    /// Reached from the moment before: the records' events in between, and the last one's
    /// sequence number.
    Step(Vec<Event>, u64),
}

/// The replay's thread: moments asked, moments found.
struct Seeker {
    ask: Sender<Millis>,
    found: Receiver<Sought>,
}

/// A moment this close to the one shown is not sought again.
const CLOSE_ENOUGH_MS: Millis = 1_000;

#[derive(Default)]
pub struct Replay {
    /// The past is wanted on screen.
    pub on: bool,
    /// The moment wanted.
    pub at: Millis,
    /// Seconds of record a second of real time (negative: backwards; 0: paused).
    pub speed: f64,
    /// The record's first moment and now, as the slider's range.
    pub range: (Millis, Millis),
    /// The moment on screen (and the last record read for it), and the one being sought.
    pub shown: Option<Millis>,
    pub shown_seq: u64,
    /// The moment asked of the seeker and not found yet.
    seeking: Option<Millis>,
    seeker: Option<Seeker>,
    /// Why the last seek failed.
    pub error: Option<String>,
    /// When the moment last moved on (for playing).
    moved_at: Option<Millis>,
    /// Evidence being saved, then where it went or why not.
    saving: Option<Receiver<String>>,
    pub saved: Option<String>,
}

/// The replay's thread: each moment asked (the latest of those waiting) is stepped to from the
/// last one when the playhead reaches it, else sought; until the replay is dropped.
fn seek_moments(journal: &Path, asks: &Receiver<Millis>, found: &Sender<Sought>) {
    let mut playhead: Option<Playhead> = None;
    while let Ok(mut at) = asks.recv() {
        while let Ok(later) = asks.try_recv() {
            at = later;
        }
        let stepped = match playhead.as_mut().filter(|p| p.reaches(at)) {
            Some(head) => head.step_to(at).map(|events| events.map(|e| Found::Step(e, head.seq()))).transpose(),
            None => None,
        };
        let sought = stepped.unwrap_or_else(|| {
            past(journal, at).map(|(world, tracks, head)| {
                let seq = head.seq();
                playhead = Some(head);
                Found::Seek(Box::new((world, tracks)), seq)
            })
        });
        if sought.is_err() {
            playhead = None;
        }
        if found.send(sought.map_err(|e| format!("{e:#}"))).is_err() {
            return;
        }
    }
}

/// The world at `at`, the units' tracks over the [`TRACK_MS`] before it, and the playhead.
fn past(journal: &Path, at: Millis) -> anyhow::Result<(World, Tracks, Playhead)> {
    let (world, _, playhead) = timeline::seek_playhead(journal, at)?;
    let mut tracks = Tracks::default();
    let since = at.saturating_sub(TRACK_MS);
    timeline::read_from(journal, since, |time, event| {
        if let Event::Position { device, fix, .. } = event {
            if (since..=at).contains(&fix.time) {
                tracks.add(device, fix);
            }
        }
        time <= at
    })?;
    Ok((world, tracks, playhead))
}

impl Console {
    /// Shows the record at `at`: the replay moves there (paused), or starts there.
    pub fn replay_at(&mut self, at: Millis, now: Millis) {
        if self.replay.on {
            (self.replay.at, self.replay.speed) = (at.clamp(self.replay.range.0, self.replay.range.1), 0.0);
        } else {
            self.start_replay(at, now);
        }
    }

    /// The hosted centre's journal, where there is one to replay.
    pub fn replay_journal(&self) -> Option<PathBuf> {
        self.session.journal.clone()
    }

    /// Starts a replay at `at` (its range from the record's first moment to now).
    pub fn start_replay(&mut self, at: Millis, now: Millis) {
        let first = self
            .replay_journal()
            .and_then(|j| timeline::keyframes(&j).ok())
            .and_then(|keys| keys.first().map(|k| k.time))
            .unwrap_or(now - 3_600_000);
        // A record whose first moment is after now (a clock set back) still has a range.
        let first = first.min(now);
        self.replay = Replay { on: true, at: at.clamp(first, now), range: (first, now), ..Replay::default() };
    }

    /// Back to the live world.
    pub fn stop_replay(&mut self) {
        self.replay.on = false;
    }

    /// Moves the moment on when playing, takes in a finished seek, and starts the next.
    pub(super) fn update_replay(&mut self, now: Millis) {
        if !self.replay.on {
            if self.session.desk.showing_past() {
                self.session.desk.show_past(None);
            }
            // Its thread, and the journal it holds open, go with it.
            if self.replay.seeker.is_some() {
                self.replay = Replay::default();
            }
            return;
        }
        let r = &mut self.replay;
        r.range.1 = r.range.1.max(now).max(r.range.0);
        if let Some(last) = r.moved_at.replace(now) {
            r.at = (r.at + ((now - last) as f64 * r.speed) as Millis).clamp(r.range.0, r.range.1);
        }
        if let (Some(at), Some(seeker)) = (self.replay.seeking, &self.replay.seeker) {
            let found = match seeker.found.try_recv() {
                Ok(found) => found,
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => Err("the seek stopped before it was done".into()),
            };
            self.replay.seeking = None;
            self.show_found(at, found);
        }
        let at = self.replay.at;
        if self.replay.shown.is_some_and(|shown| (shown - at).abs() < CLOSE_ENOUGH_MS) {
            return;
        }
        let Some(seeker) = self.seeker() else { return };
        if seeker.ask.send(at).is_ok() {
            self.replay.seeking = Some(at);
        } else {
            // Its thread is gone: a new one next time.
            self.replay.seeker = None;
        }
    }

    /// Shows a moment found: a world sought in place of the one shown, or the records of a
    /// step applied to it.
    fn show_found(&mut self, at: Millis, found: Sought) {
        let seq = match found {
            Ok(Found::Seek(past, seq)) => {
                self.session.desk.show_past(Some(*past));
                seq
            }
            Ok(Found::Step(events, seq)) => {
                self.session.desk.step_past(&events, at);
                seq
            }
            Err(why) => {
                // Not tried again until the moment moves.
                (self.replay.shown, self.replay.error) = (Some(at), Some(why));
                return;
            }
        };
        (self.replay.shown, self.replay.shown_seq, self.replay.error) = (Some(at), seq, None);
    }

    /// The replay's thread, started on first use.
    fn seeker(&mut self) -> Option<&Seeker> {
        if self.replay.seeker.is_none() {
            let Some(journal) = self.replay_journal() else {
                self.replay.error = Some("this desk has no journal of its own to replay".into());
                return None;
            };
            let ((ask, asks), (send, found)) = (channel(), channel());
            let run = move || seek_moments(&journal, &asks, &send);
            std::thread::Builder::new().name("replay seek".into()).spawn(run).ok()?;
            self.replay.seeker = Some(Seeker { ask, found });
        }
        self.replay.seeker.as_ref()
    }

    /// Saves the moment shown as evidence under `evidence/` in the working folder, on a thread:
    /// the map in the current view, stamped, and the tracks shown as GeoJSON.
    pub fn save_evidence(&mut self) {
        let (Some(at), Some(journal)) =
            (self.replay.shown.filter(|_| self.session.desk.showing_past()), self.replay_journal())
        else {
            self.replay.saved = Some("nothing to save: show a moment of the record first".into());
            return;
        };
        let desk = &self.session.desk;
        let tracks: Vec<(String, String, Vec<crate::ops::tracks::TrackPoint>)> = self
            .trails_shown
            .iter()
            .filter_map(|id| desk.world().unit(id))
            .map(|u| (u.id.clone(), u.callsign.clone(), desk.tracks.of(&u.id, at).copied().collect()))
            .collect();
        let (world, seq, map, view) =
            (desk.world().clone(), self.replay.shown_seq, self.session.map.clone(), self.view);
        let (send, done) = channel();
        let save = move || drop(send.send(evidence(&journal, &world, at, seq, &map, view, &tracks)));
        if std::thread::Builder::new().name("evidence".into()).spawn(save).is_ok() {
            self.replay.saving = Some(done);
        }
    }

    /// Takes in where the evidence went, once saved.
    pub(super) fn take_saved_evidence(&mut self) {
        let said = match self.replay.saving.as_ref().map(Receiver::try_recv) {
            Some(Ok(said)) => said,
            Some(Err(TryRecvError::Disconnected)) => "not saved: the saving stopped before it was done".into(),
            _ => return,
        };
        (self.replay.saved, self.replay.saving) = (Some(said), None);
    }
}

/// Writes `evidence/pantau-MOMENT.png` and `.geojson` (the moment in epoch milliseconds);
/// says where, or why not.
fn evidence(
    journal: &std::path::Path,
    world: &World,
    at: Millis,
    seq: u64,
    map: &std::path::Path,
    view: crate::render::View,
    tracks: &[(String, String, Vec<crate::ops::tracks::TrackPoint>)],
) -> String {
    let dir = std::path::Path::new("evidence");
    // Named by the moment in epoch milliseconds (the stamp inside says it in words).
    let stem = dir.join(format!("pantau-{at}"));
    let (png, geojson) = (stem.with_extension("png"), stem.with_extension("geojson"));
    let saved = std::fs::create_dir_all(dir).map_err(anyhow::Error::from).and_then(|()| {
        let stamp = Stamp::read(journal, at, seq)?;
        picture(world, &stamp, map, Some(view), (view.width, view.height), ThemeName::Day, &png)?;
        let lines = tracks_geojson(tracks, &stamp);
        std::fs::write(&geojson, serde_json::to_string_pretty(&lines)?)?;
        Ok(())
    });
    match saved {
        Ok(()) => format!("saved {} and {}", png.display(), geojson.display()),
        Err(e) => format!("not saved: {e:#}"),
    }
}
