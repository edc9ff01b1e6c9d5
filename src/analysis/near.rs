//! Who was near a place in a period: every unit with a fix (a position report, or an alarm's)
//! timed between `from` and `to` within `radius` metres of a point, when it was first and last
//! there and how close it came. The journal's positions are read from the timeline's last
//! keyframe before `from` on, to an hour past `to` (fixes delivered late are still found).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{ensure, Result};
use serde::Serialize;

use crate::crs::geodesy::haversine_m;
use crate::journal::timeline;
use crate::model::{Event, Fix, Millis};

/// Fixes are looked for in records journaled up to this long after the period.
pub const LATE_MS: Millis = 3_600_000;

/// One unit near the place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sighting {
    pub unit: String,
    pub callsign: Option<String>,
    /// Fixes within the radius in the period.
    pub fixes: usize,
    pub first: Millis,
    pub last: Millis,
    pub closest_m: f64,
    pub closest: Fix,
}

/// Every unit within `radius` metres of (`lon`, `lat`) by a fix timed in `[from, to]`, the
/// closest first.
pub fn near(journal: &Path, (lon, lat): (f64, f64), radius: f64, from: Millis, to: Millis) -> Result<Vec<Sighting>> {
    ensure!(from <= to, "the period ends before it begins");
    ensure!(radius > 0.0 && radius <= 100_000.0, "a radius is from 0 to 100 km, not {radius} m");
    let mut found: BTreeMap<String, Sighting> = BTreeMap::new();
    timeline::read_from(journal, from, |time, event| {
        if time > to.saturating_add(LATE_MS) {
            return false;
        }
        let (unit, fix) = match event {
            Event::Position { device, fix, .. } => (device, fix),
            Event::Alarm { device, fix: Some(fix), .. } => (device, fix),
            _ => return true,
        };
        if !(from..=to).contains(&fix.time) {
            return true;
        }
        let metres = haversine_m(lon, lat, fix.lon, fix.lat);
        if metres <= radius {
            note(&mut found, unit, fix, metres);
        }
        true
    })?;
    let (world, _) = timeline::seek(journal, to)?;
    let mut out: Vec<Sighting> = found
        .into_values()
        .map(|mut s| {
            s.callsign = world.unit(&s.unit).map(|u| u.callsign.clone()).filter(|c| !c.is_empty());
            s
        })
        .collect();
    out.sort_by(|a, b| a.closest_m.total_cmp(&b.closest_m).then(a.unit.cmp(&b.unit)));
    Ok(out)
}

fn note(found: &mut BTreeMap<String, Sighting>, unit: &str, fix: &Fix, metres: f64) {
    let seen = found.entry(unit.to_string()).or_insert_with(|| Sighting {
        unit: unit.to_string(),
        callsign: None,
        fixes: 0,
        first: fix.time,
        last: fix.time,
        closest_m: metres,
        closest: *fix,
    });
    seen.fixes += 1;
    seen.first = seen.first.min(fix.time);
    seen.last = seen.last.max(fix.time);
    if metres < seen.closest_m {
        (seen.closest_m, seen.closest) = (metres, *fix);
    }
}
