//! Replay: the map and panels show the record at a chosen moment instead of the live world
//! (with the units' tracks over the 15 minutes before it),
//! from the hosted centre's journal (its timeline rebuilds any moment from the keyframes before
//! it). The moment moves with the slider or plays forwards or backwards at 1 to 60 times real
//! time; each new moment is sought on a thread of its own, and the desk shows it when it comes.
//! Going back to live shows the live world, which went on taking the hub's batches meanwhile.

use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, TryRecvError};

use super::Console;
use crate::journal::timeline;
use crate::model::{Event, Millis};
use crate::ops::tracks::{Tracks, TRACK_MS};
use crate::render::ThemeName;
use crate::ui::evidence::{picture, tracks_geojson, Stamp};
use crate::world::World;

/// What a seek brings back: the world and the tracks at the moment, or why not.
type Sought = Result<(World, Tracks, u64), String>;

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
    seeking: Option<(Millis, Receiver<Sought>)>,
    /// Why the last seek failed.
    pub error: Option<String>,
    /// When the moment last moved on (for playing).
    moved_at: Option<Millis>,
    /// Evidence being saved, then where it went or why not.
    saving: Option<Receiver<String>>,
    pub saved: Option<String>,
}

/// The world at `at`, the units' tracks over the [`TRACK_MS`] before it, and the last record
/// read.
fn past(journal: &std::path::Path, at: Millis) -> anyhow::Result<(World, Tracks, u64)> {
    let (world, seq) = timeline::seek(journal, at)?;
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
    Ok((world, tracks, seq))
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
                self.replay = Replay::default();
            }
            return;
        }
        let r = &mut self.replay;
        r.range.1 = r.range.1.max(now).max(r.range.0);
        if let Some(last) = r.moved_at.replace(now) {
            r.at = (r.at + ((now - last) as f64 * r.speed) as Millis).clamp(r.range.0, r.range.1);
        }
        if let Some((at, done)) = &self.replay.seeking {
            let at = *at;
            let found = match done.try_recv() {
                Ok(found) => found,
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => Err("the seek stopped before it was done".into()),
            };
            self.replay.seeking = None;
            match found {
                Ok((world, tracks, seq)) => {
                    self.session.desk.show_past(Some((world, tracks)));
                    (self.replay.shown, self.replay.shown_seq, self.replay.error) = (Some(at), seq, None);
                }
                // Not tried again until the moment moves.
                Err(why) => (self.replay.shown, self.replay.error) = (Some(at), Some(why)),
            }
        }
        let at = self.replay.at;
        if self.replay.shown.is_some_and(|shown| (shown - at).abs() < CLOSE_ENOUGH_MS) {
            return;
        }
        let Some(journal) = self.replay_journal() else {
            self.replay.error = Some("this desk has no journal of its own to replay".into());
            return;
        };
        let (send, done) = channel();
        let seek = move || drop(send.send(past(&journal, at).map_err(|e| format!("{e:#}"))));
        if std::thread::Builder::new().name("replay seek".into()).spawn(seek).is_ok() {
            self.replay.seeking = Some((at, done));
        }
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
