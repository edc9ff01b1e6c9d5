//! Who was near a place: the analyst picks a place on the map, and every unit with a fix within
//! the radius in the window before the moment shown (now, or the replayed moment) is listed,
//! the closest first, from the hosted centre's journal, worked out on a thread of its own.

use std::sync::mpsc::{channel, Receiver, TryRecvError};

use super::Console;
use crate::analysis::near::{near, Sighting};
use crate::model::{now_millis, Millis};

/// What came back: the units near, or why not.
type Found = Result<Vec<Sighting>, String>;

pub struct Near {
    pub radius_m: f64,
    /// Minutes before the moment shown.
    pub window_min: u32,
    /// The place asked about, and the period.
    pub asked: Option<((f64, f64), Millis, Millis)>,
    working: Option<Receiver<Found>>,
    pub found: Option<Found>,
}

impl Default for Near {
    fn default() -> Self {
        Self { radius_m: 300.0, window_min: 60, asked: None, working: None, found: None }
    }
}

impl Console {
    /// Starts the search around `place` over the window before the moment shown.
    pub fn search_near(&mut self, place: (f64, f64)) {
        let Some(journal) = self.replay_journal() else {
            self.near.found = Some(Err("this desk has no journal of its own to search".into()));
            return;
        };
        let to = self.replay.shown.filter(|_| self.session.desk.showing_past()).unwrap_or_else(now_millis);
        let from = to - i64::from(self.near.window_min) * 60_000;
        let radius = self.near.radius_m;
        self.near.asked = Some((place, from, to));
        self.near.found = None;
        let (send, done) = channel();
        let search = move || drop(send.send(near(&journal, place, radius, from, to).map_err(|e| format!("{e:#}"))));
        if std::thread::Builder::new().name("near".into()).spawn(search).is_ok() {
            self.near.working = Some(done);
        }
    }

    /// Takes in the units found, once the search is done.
    pub(super) fn take_near(&mut self) {
        let found = match self.near.working.as_ref().map(Receiver::try_recv) {
            Some(Ok(found)) => found,
            Some(Err(TryRecvError::Disconnected)) => Err("the search stopped before it was done".into()),
            _ => return,
        };
        (self.near.found, self.near.working) = (Some(found), None);
    }

    /// Whether a search is under way.
    pub fn searching_near(&self) -> bool {
        self.near.working.is_some()
    }
}
