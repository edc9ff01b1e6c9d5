//! Validation of incoming events. Positions must be on the globe, not far in the future, not
//! too old, not duplicates or out of order, and not a physically impossible jump from the
//! device's last accepted fix. Alarms are never refused: a bad fix is dropped (the world then
//! falls back to the last known position) and duplicate/distance filters do not apply.

use std::collections::HashMap;

use crate::crs::geodesy::{haversine_m, kmh_to_mps};
use crate::model::{DeviceId, Event, Fix, Millis, Unit};

#[derive(Clone, Debug)]
pub struct Limits {
    /// How far ahead of the server clock a fix may be.
    pub max_future_ms: Millis,
    /// How old a fix may be (phones buffer positions while offline).
    pub max_age_ms: Millis,
    /// Fastest believable ground speed, metres per second.
    pub max_speed: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_future_ms: 5 * 60_000, max_age_ms: 24 * 3_600_000, max_speed: kmh_to_mps(300.0) }
    }
}

/// Why a position was refused; the names are the metric labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    BadCoordinates,
    FutureTime,
    TooOld,
    Duplicate,
    OutOfOrder,
    ImpossibleJump,
}

impl Rejection {
    pub fn reason(self) -> &'static str {
        match self {
            Rejection::BadCoordinates => "bad_coordinates",
            Rejection::FutureTime => "future_time",
            Rejection::TooOld => "too_old",
            Rejection::Duplicate => "duplicate",
            Rejection::OutOfOrder => "out_of_order",
            Rejection::ImpossibleJump => "impossible_jump",
        }
    }

    /// Repeats and late arrivals are normal for buffering clients: not the sender's error.
    pub fn is_client_error(self) -> bool {
        !matches!(self, Rejection::Duplicate | Rejection::OutOfOrder)
    }
}

/// Keeps each device's last accepted fix; lives in the single writer.
#[derive(Default)]
pub struct Validator {
    pub limits: Limits,
    last: HashMap<DeviceId, Fix>,
}

/// Speed, heading and accuracy that are not numbers (a client sending `speed=nan`) are dropped
/// rather than kept: they mean "unknown", and NaN would never compare equal to itself.
fn finite_extras(fix: Fix) -> Fix {
    let finite = |v: Option<f32>| v.filter(|v| v.is_finite());
    Fix { speed: finite(fix.speed), heading: finite(fix.heading), accuracy: finite(fix.accuracy), ..fix }
}

impl Validator {
    pub fn new(limits: Limits) -> Self {
        Self { limits, last: HashMap::new() }
    }

    /// Picks up where a restarted service left off: each unit's last fix (from the replayed
    /// world) is the one later reports are checked against, so an old fix arriving after a
    /// restart is still out of order and a jump from the last known place is still impossible.
    pub fn resuming(mut self, units: &[Unit]) -> Self {
        self.last.extend(units.iter().filter_map(|u| Some((u.id.clone(), u.last_fix?))));
        self
    }

    /// Checks an event at server time `now`. Alarms come back with a bad fix removed; positions
    /// are refused with a reason.
    pub fn check(&mut self, event: Event, now: Millis) -> Result<Event, Rejection> {
        match event {
            Event::Position { device, fix, feed } => {
                let fix = finite_extras(fix);
                self.check_position(&device, &fix, now)?;
                self.last.insert(device.clone(), fix);
                Ok(Event::Position { device, fix, feed })
            }
            Event::Alarm { device, kind, fix, priority, time, feed } => {
                let fix = fix.map(finite_extras).filter(|f| on_globe(f) && f.time <= now + self.limits.max_future_ms);
                if let Some(f) = fix {
                    if self.last.get(&device).is_none_or(|l| f.time > l.time) {
                        self.last.insert(device.clone(), f);
                    }
                }
                Ok(Event::Alarm { device, kind, fix, priority, time, feed })
            }
            command @ Event::Command { .. } => Ok(command),
        }
    }

    fn check_position(&self, device: &str, fix: &Fix, now: Millis) -> Result<(), Rejection> {
        if !on_globe(fix) {
            return Err(Rejection::BadCoordinates);
        }
        if fix.time > now + self.limits.max_future_ms {
            return Err(Rejection::FutureTime);
        }
        if fix.time < now - self.limits.max_age_ms {
            return Err(Rejection::TooOld);
        }
        let Some(last) = self.last.get(device) else { return Ok(()) };
        if fix.time == last.time {
            return Err(Rejection::Duplicate);
        }
        if fix.time < last.time {
            return Err(Rejection::OutOfOrder);
        }
        let seconds = (fix.time - last.time) as f64 / 1000.0;
        let metres = haversine_m(last.lon, last.lat, fix.lon, fix.lat);
        // Allow for GPS noise: jumps under 200 m always pass.
        if metres > 200.0 && metres / seconds > self.limits.max_speed {
            return Err(Rejection::ImpossibleJump);
        }
        Ok(())
    }
}

fn on_globe(f: &Fix) -> bool {
    f.lon.is_finite() && f.lat.is_finite() && f.lon.abs() <= 180.0 && f.lat.abs() <= 90.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FeedKind;

    const NOW: Millis = 1_800_000_000_000;

    fn pos(t: Millis, lon: f64, lat: f64) -> Event {
        let fix = Fix { time: t, lon, lat, speed: None, heading: None, accuracy: None };
        Event::Position { device: "u1".into(), fix, feed: FeedKind::Osmand }
    }

    #[test]
    fn each_bad_position_gets_its_reason() {
        let mut v = Validator::default();
        assert_eq!(v.check(pos(NOW, f64::NAN, 0.0), NOW).err(), Some(Rejection::BadCoordinates));
        assert_eq!(v.check(pos(NOW, 106.8, 91.0), NOW).err(), Some(Rejection::BadCoordinates));
        assert_eq!(v.check(pos(NOW + 3_600_000, 106.8, -6.2), NOW).err(), Some(Rejection::FutureTime));
        assert_eq!(v.check(pos(NOW - 2 * 86_400_000, 106.8, -6.2), NOW).err(), Some(Rejection::TooOld));
        assert!(v.check(pos(NOW, 106.8, -6.2), NOW).is_ok());
        assert_eq!(v.check(pos(NOW, 106.8, -6.2), NOW).err(), Some(Rejection::Duplicate));
        assert_eq!(v.check(pos(NOW - 1000, 106.8, -6.2), NOW).err(), Some(Rejection::OutOfOrder));
        // 11 km in 10 s is 4,000 km/h.
        assert_eq!(v.check(pos(NOW + 10_000, 106.9, -6.2), NOW).err(), Some(Rejection::ImpossibleJump));
        // 500 m in 60 s is 30 km/h.
        assert!(v.check(pos(NOW + 60_000, 106.8045, -6.2), NOW).is_ok());
    }

    #[test]
    fn speeds_that_are_not_numbers_are_dropped() {
        let mut v = Validator::default();
        let fix = Fix {
            time: NOW,
            lon: 106.8,
            lat: -6.2,
            speed: Some(f32::NAN),
            heading: Some(f32::INFINITY),
            accuracy: Some(5.0),
        };
        match v.check(Event::Position { device: "u1".into(), fix, feed: FeedKind::Osmand }, NOW) {
            Ok(Event::Position { fix, .. }) => {
                assert_eq!((fix.speed, fix.heading, fix.accuracy), (None, None, Some(5.0)));
            }
            other => panic!("refused: {other:?}"),
        }
    }

    #[test]
    fn a_restarted_validator_remembers_the_world_s_last_fixes() {
        let mut world = crate::world::World::new();
        world.apply(&[pos(NOW, 106.8, -6.2)]);
        let mut v = Validator::default().resuming(world.units());
        assert_eq!(v.check(pos(NOW - 1000, 106.8, -6.2), NOW).err(), Some(Rejection::OutOfOrder));
        assert_eq!(v.check(pos(NOW + 10_000, 106.9, -6.2), NOW).err(), Some(Rejection::ImpossibleJump));
        assert!(v.check(pos(NOW + 60_000, 106.8045, -6.2), NOW).is_ok());
    }

    #[test]
    fn alarms_are_never_refused_and_lose_only_a_bad_fix() {
        let mut v = Validator::default();
        let fix = Fix { time: NOW, lon: 500.0, lat: 0.0, speed: None, heading: None, accuracy: None };
        let alarm = Event::Alarm {
            device: "u1".into(),
            kind: "sos".into(),
            fix: Some(fix),
            priority: 1,
            time: NOW,
            feed: FeedKind::Osmand,
        };
        match v.check(alarm.clone(), NOW) {
            Ok(Event::Alarm { fix, .. }) => assert!(fix.is_none()),
            other => panic!("alarm refused: {other:?}"),
        }
        assert!(v.check(alarm, NOW).is_ok(), "a repeated alarm is not a duplicate to drop");
    }
}
