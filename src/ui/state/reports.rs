//! The analyst's reports, kept between frames: the period and grouping chosen, and the last
//! report worked out (its rows and the series its charts draw) over the world on screen, live
//! or the record at a replayed moment.

use super::Console;
use crate::analysis::report::{report, series, GroupBy, Row, Series};
use crate::analysis::Places;
use crate::model::{Millis, DAY_MS};

/// A report worked out, kept until asked again.
pub struct Worked {
    pub rows: Vec<Row>,
    pub series: Series,
    /// Where it was saved, or why not.
    pub saved: Option<String>,
}

/// The report's choices and the last one worked out.
pub struct Reports {
    pub open: bool,
    /// The last this many days (0: the whole record).
    pub days: i64,
    pub by: GroupBy,
    pub worked: Option<Worked>,
}

impl Default for Reports {
    fn default() -> Self {
        Self { open: false, days: 7, by: GroupBy::Shift, worked: None }
    }
}

impl Console {
    /// The report over the world on screen, to `now` (or to the replayed moment).
    pub fn work_out_report(&mut self, now: Millis) {
        let to = self.replay.shown.filter(|_| self.session.desk.showing_past()).unwrap_or(now) + 1;
        let r = &self.reports;
        let from = if r.days == 0 { Millis::MIN } else { to - r.days * DAY_MS };
        let desk = &self.session.desk;
        let places = Places::new(desk.org.clone(), desk.live.zones.zones().to_vec());
        let rows = report(desk.world(), &places, r.by, from, to);
        let series = series(desk.world(), from, to);
        self.reports.worked = Some(Worked { rows, series, saved: None });
    }
}
