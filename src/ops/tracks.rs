//! Where each unit has been lately: a short track per unit, kept by the desk from the fixes the
//! world applied (the last [`TRACK_MS`], one point per [`STEP_MS`] at most, at most
//! [`TRACK_POINTS`] points), for the trail a unit card can show.

use std::collections::{HashMap, VecDeque};

use crate::model::{Fix, Millis};

/// How far back a track reaches.
pub const TRACK_MS: Millis = 15 * 60_000;
/// Points closer in time than this to the last one kept are not kept.
pub const STEP_MS: Millis = 5_000;
/// Most points kept per unit (a track at one point per `STEP_MS` over `TRACK_MS`).
pub const TRACK_POINTS: usize = (TRACK_MS / STEP_MS) as usize;

/// A point of a track: when and where.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrackPoint {
    pub time: Millis,
    pub lon: f64,
    pub lat: f64,
}

#[derive(Debug, Default)]
pub struct Tracks {
    by_unit: HashMap<String, VecDeque<TrackPoint>>,
}

impl Tracks {
    /// Adds a unit's fix: kept when it is at least `STEP_MS` newer than the last point kept;
    /// points older than `TRACK_MS` before it fall off.
    pub fn add(&mut self, unit: &str, fix: &Fix) {
        let track = match self.by_unit.get_mut(unit) {
            Some(track) => track,
            None => self.by_unit.entry(unit.to_string()).or_default(),
        };
        if track.back().is_some_and(|last| fix.time < last.time + STEP_MS) {
            return;
        }
        track.push_back(TrackPoint { time: fix.time, lon: fix.lon, lat: fix.lat });
        while track.len() > TRACK_POINTS || track.front().is_some_and(|p| p.time < fix.time - TRACK_MS) {
            track.pop_front();
        }
    }

    /// A unit's track over the last `TRACK_MS` before `now`, oldest point first (empty for a
    /// unit not seen moving lately).
    pub fn of(&self, unit: &str, now: Millis) -> impl Iterator<Item = &TrackPoint> {
        self.by_unit.get(unit).into_iter().flatten().filter(move |p| p.time >= now - TRACK_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(time: Millis, lon: f64) -> Fix {
        Fix { time, lon, lat: -6.2, speed: None, heading: None, accuracy: None }
    }

    #[test]
    fn a_track_keeps_one_point_per_step_and_only_the_last_minutes() {
        let mut tracks = Tracks::default();
        // A fix every second for 20 minutes.
        for s in 0..1_200 {
            tracks.add("a", &fix(s * 1_000, 106.0 + s as f64 * 1e-5));
        }
        let track: Vec<&TrackPoint> = tracks.of("a", 1_200_000).collect();
        assert!(track.windows(2).all(|w| w[1].time - w[0].time >= STEP_MS));
        assert!(track.len() <= TRACK_POINTS, "{} points", track.len());
        let (first, last) = (track[0].time, track[track.len() - 1].time);
        assert!(last - first <= TRACK_MS && last - first >= TRACK_MS - STEP_MS, "{first}..{last}");
        assert_eq!(last, 1_195_000);
        assert_eq!(tracks.of("b", 1_200_000).count(), 0);
        // An hour later, with no fix since, the track is gone.
        assert_eq!(tracks.of("a", 1_200_000 + 3_600_000).count(), 0);
    }

    #[test]
    fn a_fix_older_than_the_track_is_not_added() {
        let mut tracks = Tracks::default();
        tracks.add("a", &fix(60_000, 106.0));
        tracks.add("a", &fix(10_000, 106.1));
        assert_eq!(tracks.of("a", 60_000).map(|p| p.time).collect::<Vec<_>>(), vec![60_000]);
    }
}
