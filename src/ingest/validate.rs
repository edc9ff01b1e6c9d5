//! Validation of incoming events. Positions must be on the globe, not far in the future, not
//! too old, not duplicates or out of order, not a physically impossible jump from the
//! device's last accepted fix, and from a device id within its length limit. Alarms are never
//! refused for their content: a bad fix is dropped (the world then falls back to the last
//! known position), a time too far from the receive time is replaced by it and a field over
//! its limit is cut to it, both noted on the alarm; duplicate/distance filters do not apply.

use std::collections::HashMap;

use crate::crs::geodesy::{haversine_m, kmh_to_mps};
use crate::model::{AlarmNotes, DeviceId, Event, Fix, Millis, Unit};

/// Longest device id, in bytes: a position from a longer one is refused, an alarm's is cut.
pub const MAX_DEVICE_ID: usize = 64;
/// Longest alarm kind (`sos`, `panic`, a Traccar alarm name), in bytes; longer ones are cut.
pub const MAX_KIND: usize = 32;
/// Longest client event id, in bytes; longer ones are cut.
pub const MAX_EVENT_ID: usize = 64;
/// An alarm whose own time is further than this from the receive time takes the receive time
/// (the device's clock is wrong; its time is kept in the alarm's notes).
pub const ALARM_CLOCK_TOLERANCE_MS: Millis = 10 * 60_000;

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
    DeviceTooLong,
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
            Rejection::DeviceTooLong => "device_too_long",
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
    /// What each change since the last [`Validator::commit`] replaced, to take it back if the
    /// batch is not stored (a retry of a position that was never stored is not a duplicate).
    undo: Vec<(DeviceId, Option<Fix>)>,
}

/// Speed, heading and accuracy that are not numbers (a client sending `speed=nan`) are dropped
/// rather than kept: they mean "unknown", and NaN would never compare equal to itself.
fn finite_extras(fix: Fix) -> Fix {
    let finite = |v: Option<f32>| v.filter(|v| v.is_finite());
    Fix { speed: finite(fix.speed), heading: finite(fix.heading), accuracy: finite(fix.accuracy), ..fix }
}

impl Validator {
    pub fn new(limits: Limits) -> Self {
        Self { limits, last: HashMap::new(), undo: Vec::new() }
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
                if device.len() > MAX_DEVICE_ID {
                    return Err(Rejection::DeviceTooLong);
                }
                let fix = finite_extras(fix);
                self.check_position(&device, &fix, now)?;
                self.remember(&device, fix);
                Ok(Event::Position { device, fix, feed })
            }
            Event::Alarm { device, kind, fix, priority, time, feed, notes } => {
                let (device, kind, time, notes) = alarm_fields(device, kind, time, notes, now);
                let fix = fix.map(finite_extras).filter(|f| on_globe(f) && f.time <= now + self.limits.max_future_ms);
                if let Some(f) = fix {
                    if self.last.get(&device).is_none_or(|l| f.time > l.time) {
                        self.remember(&device, f);
                    }
                }
                Ok(Event::Alarm { device, kind, fix, priority, time, feed, notes })
            }
            // Commands come from the hub; calls and locations were checked field by field
            // where they were read (`feeds/calls.rs`).
            other @ (Event::Command { .. } | Event::Call { .. } | Event::CallerLocation { .. }) => Ok(other),
        }
    }

    fn remember(&mut self, device: &str, fix: Fix) {
        let before = self.last.insert(device.to_string(), fix);
        self.undo.push((device.to_string(), before));
    }

    /// The checked events were stored: their fixes are now what later ones are checked against.
    pub fn commit(&mut self) {
        self.undo.clear();
    }

    /// The checked events were not stored: forget their fixes, as if they never came.
    pub fn rollback(&mut self) {
        while let Some((device, before)) = self.undo.pop() {
            match before {
                Some(fix) => self.last.insert(device, fix),
                None => self.last.remove(&device),
            };
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

/// An alarm's fields within their limits, and its time believable, saying what was changed.
fn alarm_fields(
    device: String,
    kind: String,
    time: Millis,
    mut notes: AlarmNotes,
    now: Millis,
) -> (String, String, Millis, AlarmNotes) {
    let (device, cut_device) = cut(device, MAX_DEVICE_ID);
    let (kind, cut_kind) = cut(kind, MAX_KIND);
    let (event_id, cut_id) = match notes.event_id.take() {
        Some(id) => {
            let (id, was_cut) = cut(id, MAX_EVENT_ID);
            (Some(id), was_cut)
        }
        None => (None, false),
    };
    notes.event_id = event_id;
    notes.cut |= cut_device || cut_kind || cut_id;
    let time = if time.abs_diff(now) > ALARM_CLOCK_TOLERANCE_MS.unsigned_abs() {
        notes.device_time = Some(time);
        now
    } else {
        time
    };
    (device, kind, time, notes)
}

/// `text` cut to at most `max` bytes at a character boundary, and whether it was.
pub fn cut(mut text: String, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let end = (0..=max).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
    text.truncate(end);
    (text, true)
}

fn on_globe(f: &Fix) -> bool {
    crate::crs::on_globe(f.lon, f.lat)
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
            notes: AlarmNotes::default(),
        };
        match v.check(alarm.clone(), NOW) {
            Ok(Event::Alarm { fix, .. }) => assert!(fix.is_none()),
            other => panic!("alarm refused: {other:?}"),
        }
        assert!(v.check(alarm, NOW).is_ok(), "a repeated alarm is not a duplicate to drop");
    }

    fn alarm_at(device: &str, kind: &str, time: Millis) -> Event {
        Event::Alarm {
            device: device.into(),
            kind: kind.into(),
            fix: None,
            priority: 1,
            time,
            feed: FeedKind::AlarmApi,
            notes: AlarmNotes::default(),
        }
    }

    #[test]
    fn an_alarm_with_a_wrong_clock_takes_the_receive_time_and_says_so() {
        let mut v = Validator::new(Limits::default());
        let year_9999 = 253_402_300_799_000;
        for wrong in [year_9999, 0, i64::MIN, i64::MAX, NOW - 11 * 60_000] {
            match v.check(alarm_at("bank-1", "panic", wrong), NOW) {
                Ok(Event::Alarm { time, notes, .. }) => {
                    assert_eq!((time, notes.device_time), (NOW, Some(wrong)));
                }
                other => panic!("alarm refused: {other:?}"),
            }
        }
        match v.check(alarm_at("bank-1", "panic", NOW - 60_000), NOW) {
            Ok(Event::Alarm { time, notes, .. }) => assert_eq!((time, notes.device_time), (NOW - 60_000, None)),
            other => panic!("alarm refused: {other:?}"),
        }
    }

    #[test]
    fn long_fields_are_cut_on_alarms_and_refused_on_positions() {
        let mut v = Validator::new(Limits::default());
        let kind = "é".repeat(30_000); // 60 KB
        let device = "d".repeat(100);
        match v.check(alarm_at(&device, &kind, NOW), NOW) {
            Ok(Event::Alarm { device, kind, notes, .. }) => {
                assert_eq!((device.len(), kind.len(), notes.cut), (MAX_DEVICE_ID, 32, true));
                assert!(kind.chars().all(|c| c == 'é'), "cut at a character boundary");
            }
            other => panic!("alarm refused: {other:?}"),
        }
        let fix = Fix { time: NOW, lon: 106.8, lat: -6.2, speed: None, heading: None, accuracy: None };
        let position = Event::Position { device: "d".repeat(65), fix, feed: FeedKind::Osmand };
        assert_eq!(v.check(position, NOW).err(), Some(Rejection::DeviceTooLong));
        assert_eq!(Rejection::DeviceTooLong.reason(), "device_too_long");
    }

    #[test]
    fn a_batch_not_stored_is_forgotten_so_its_retry_is_not_a_duplicate() {
        let mut v = Validator::new(Limits::default());
        let fix = Fix { time: NOW, lon: 106.8, lat: -6.2, speed: None, heading: None, accuracy: None };
        let position = || Event::Position { device: "u1".into(), fix, feed: FeedKind::Osmand };
        assert!(v.check(position(), NOW).is_ok());
        v.rollback();
        assert!(v.check(position(), NOW).is_ok(), "the retry of a position never stored");
        v.commit();
        assert_eq!(v.check(position(), NOW).err(), Some(Rejection::Duplicate));
    }
}
