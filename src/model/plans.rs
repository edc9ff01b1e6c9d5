//! Operation plans: checkpoints (a place held by units in a time window), escorts (Patwal: a
//! route of waypoints, each with the time the convoy is due there, and the roads to hold) and
//! deployments (how many units of a kind a zone should have in a window). A plan is saved
//! whole by a commander's command and followed live by the world (see `world::plans`).

use serde::{Deserialize, Serialize};

use super::{DeviceId, Millis, UnitKind};

/// The most checkpoints, escorts or deployments one plan holds, and waypoints one escort has.
pub const MAX_PLAN_ITEMS: usize = 256;
/// The most units named on one checkpoint or escort.
pub const MAX_PLAN_UNITS: usize = 64;
/// The longest name (of a plan, a checkpoint, a waypoint, a road to hold), in bytes.
pub const MAX_PLAN_NAME: usize = 200;
/// The widest checkpoint, in metres.
pub const MAX_POST_RADIUS_M: f64 = 5_000.0;
/// The latest time a plan may name (the year 3000), so that sums of times never overflow.
pub const MAX_PLAN_TIME: Millis = 32_503_680_000_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The plan's key: saving a plan with the same id replaces it.
    pub id: String,
    pub name: String,
    pub checkpoints: Vec<Checkpoint>,
    pub escorts: Vec<Escort>,
    pub deployments: Vec<Deployment>,
}

/// A place held by units from `from` to `until`; a unit farther than `radius_m` from it in
/// that window is off its post.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub radius_m: f64,
    pub from: Millis,
    pub until: Millis,
    pub units: Vec<DeviceId>,
}

/// A convoy's route: the escorting units, the waypoints in order with when it is due at each,
/// and the roads along it that are held for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Escort {
    pub name: String,
    pub units: Vec<DeviceId>,
    pub waypoints: Vec<Waypoint>,
    pub hold: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Waypoint {
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    /// When the convoy is due here.
    pub eta: Millis,
}

/// How many units of a kind a zone (by code) should have in it from `from` to `until`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    pub zone: String,
    pub kind: UnitKind,
    pub count: u32,
    pub from: Millis,
    pub until: Millis,
}

impl Plan {
    /// Whether the plan is one the world can follow, or what is wrong with it (named).
    pub fn check(&self) -> Result<(), String> {
        name_ok("the plan's id", &self.id)?;
        name_ok("the plan's name", &self.name)?;
        for (what, n) in [
            ("checkpoints", self.checkpoints.len()),
            ("escorts", self.escorts.len()),
            ("deployments", self.deployments.len()),
        ] {
            if n > MAX_PLAN_ITEMS {
                return Err(format!("plan {:?} has {n} {what}, more than {MAX_PLAN_ITEMS}", self.id));
            }
        }
        self.checkpoints.iter().try_for_each(Checkpoint::check)?;
        self.escorts.iter().try_for_each(Escort::check)?;
        self.deployments.iter().try_for_each(Deployment::check)
    }
}

impl Checkpoint {
    fn check(&self) -> Result<(), String> {
        name_ok("a checkpoint's name", &self.name)?;
        let what = format!("checkpoint {:?}", self.name);
        place_ok(&what, self.lon, self.lat)?;
        window_ok(&what, self.from, self.until)?;
        units_ok(&what, &self.units)?;
        if !(self.radius_m > 0.0 && self.radius_m <= MAX_POST_RADIUS_M) {
            return Err(format!("{what}: radius {} m is not within 0 to {MAX_POST_RADIUS_M} m", self.radius_m));
        }
        Ok(())
    }
}

impl Escort {
    fn check(&self) -> Result<(), String> {
        name_ok("an escort's name", &self.name)?;
        let what = format!("escort {:?}", self.name);
        units_ok(&what, &self.units)?;
        if self.waypoints.is_empty() || self.waypoints.len() > MAX_PLAN_ITEMS {
            return Err(format!("{what} needs 1 to {MAX_PLAN_ITEMS} waypoints, not {}", self.waypoints.len()));
        }
        if self.hold.len() > MAX_PLAN_ITEMS {
            return Err(format!("{what} holds more than {MAX_PLAN_ITEMS} roads"));
        }
        self.hold.iter().try_for_each(|road| name_ok(&format!("{what}: a road to hold"), road))?;
        for (i, w) in self.waypoints.iter().enumerate() {
            name_ok(&format!("{what}: waypoint {}'s name", i + 1), &w.name)?;
            place_ok(&format!("{what}: waypoint {:?}", w.name), w.lon, w.lat)?;
            time_ok(&format!("{what}: waypoint {:?}", w.name), w.eta)?;
            if i > 0 && w.eta < self.waypoints[i - 1].eta {
                return Err(format!("{what}: waypoint {:?} is due before the one before it", w.name));
            }
        }
        Ok(())
    }
}

impl Deployment {
    fn check(&self) -> Result<(), String> {
        name_ok("a deployment's zone", &self.zone)?;
        let what = format!("deployment in zone {:?}", self.zone);
        window_ok(&what, self.from, self.until)?;
        if self.count == 0 || self.count as usize > MAX_PLAN_UNITS {
            return Err(format!("{what}: {} units is not within 1 to {MAX_PLAN_UNITS}", self.count));
        }
        Ok(())
    }
}

fn name_ok(what: &str, name: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.len() > MAX_PLAN_NAME || name.chars().any(char::is_control) {
        return Err(format!("{what} must be 1 to {MAX_PLAN_NAME} bytes of printable text, not {name:?}"));
    }
    Ok(())
}

fn place_ok(what: &str, lon: f64, lat: f64) -> Result<(), String> {
    // (NaN fails both comparisons.)
    if !(lon.abs() <= 180.0 && lat.abs() <= 90.0) {
        return Err(format!("{what}: {lon},{lat} is not a place on the globe"));
    }
    Ok(())
}

fn time_ok(what: &str, time: Millis) -> Result<(), String> {
    if !(0..=MAX_PLAN_TIME).contains(&time) {
        return Err(format!("{what}: time {time} ms is not between 1970 and the year 3000"));
    }
    Ok(())
}

fn window_ok(what: &str, from: Millis, until: Millis) -> Result<(), String> {
    time_ok(what, from)?;
    time_ok(what, until)?;
    if from >= until {
        return Err(format!("{what}: its window ends ({until}) before it starts ({from})"));
    }
    Ok(())
}

fn units_ok(what: &str, units: &[DeviceId]) -> Result<(), String> {
    if units.len() > MAX_PLAN_UNITS {
        return Err(format!("{what} names {} units, more than {MAX_PLAN_UNITS}", units.len()));
    }
    units.iter().try_for_each(|u| name_ok(&format!("{what}: a unit"), u))
}
