//! The shapes earlier journals and snapshots were written in, kept so that they still replay:
//! a record or snapshot that does not decode as today's shape is decoded as the one before it
//! and converted. The journal's binary encoding (postcard) is not self-describing, so a field
//! added to an event is a new shape; each one is frozen here, with the date of the last main
//! that wrote it (the fixture journals under `tests/fixtures/` hold samples).

use serde::Deserialize;

use super::incidents::{Entry, Step};
use super::{Alarm, AlarmId, AlarmNotes, AlarmState, Command, DeviceId, Event, FeedKind, Fix, Millis};
use super::{CallId, Disposition, Incident, IncidentId, IncidentKind, IncidentState, PositionSource, Role};

/// Events as written up to 2026-11-30: alarms carried no notes.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventV1 {
    Position { device: DeviceId, fix: Fix, feed: FeedKind },
    Alarm { device: DeviceId, kind: String, fix: Option<Fix>, priority: u8, time: Millis, feed: FeedKind },
    Command { user: String, role: Role, time: Millis, command: Command },
}

impl From<EventV1> for Event {
    fn from(old: EventV1) -> Self {
        match old {
            EventV1::Position { device, fix, feed } => Event::Position { device, fix, feed },
            EventV1::Alarm { device, kind, fix, priority, time, feed } => {
                Event::Alarm { device, kind, fix, priority, time, feed, notes: AlarmNotes::default() }
            }
            EventV1::Command { user, role, time, command } => Event::Command { user, role, time, command },
        }
    }
}

/// Alarms in the world as snapshots held them up to 2026-11-30: no repeats, no notes.
#[derive(Deserialize)]
pub struct AlarmV1 {
    pub id: AlarmId,
    pub source: DeviceId,
    pub kind: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub position_source: PositionSource,
    pub time: Millis,
    pub priority: u8,
    pub state: AlarmState,
    pub dispatched_unit: Option<DeviceId>,
}

impl From<AlarmV1> for Alarm {
    fn from(old: AlarmV1) -> Self {
        Alarm {
            id: old.id,
            source: old.source,
            kind: old.kind,
            lon: old.lon,
            lat: old.lat,
            position_source: old.position_source,
            time: old.time,
            priority: old.priority,
            state: old.state,
            dispatched_unit: old.dispatched_unit,
            repeats: 0,
            last_time: old.time,
            notes: AlarmNotes::default(),
            closure: None,
        }
    }
}

/// Alarms in the world as snapshots held them up to 2026-11-30 (second format): repeats and
/// notes, no closure.
#[derive(Deserialize)]
pub struct AlarmV2 {
    pub id: AlarmId,
    pub source: DeviceId,
    pub kind: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub position_source: PositionSource,
    pub time: Millis,
    pub priority: u8,
    pub state: AlarmState,
    pub dispatched_unit: Option<DeviceId>,
    pub repeats: u32,
    pub last_time: Millis,
    pub notes: AlarmNotes,
}

impl From<AlarmV2> for Alarm {
    fn from(old: AlarmV2) -> Self {
        Alarm {
            id: old.id,
            source: old.source,
            kind: old.kind,
            lon: old.lon,
            lat: old.lat,
            position_source: old.position_source,
            time: old.time,
            priority: old.priority,
            state: old.state,
            dispatched_unit: old.dispatched_unit,
            repeats: old.repeats,
            last_time: old.last_time,
            notes: old.notes,
            closure: None,
        }
    }
}

/// Decodes an event payload written by any main so far: today's shape first.
pub fn decode_event(payload: &[u8]) -> Result<Event, postcard::Error> {
    postcard::from_bytes::<Event>(payload)
        .or_else(|today| postcard::from_bytes::<EventV1>(payload).map(Into::into).map_err(|_| today))
}

/// Incidents as snapshots held them up to 2026-12-02 (PNTSNAP4 to PNTSNAP7): no caller's name,
/// zones or linked alarms.
#[derive(Deserialize)]
pub struct IncidentV1 {
    pub id: IncidentId,
    pub kind: IncidentKind,
    pub priority: u8,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub caller: Option<String>,
    pub calls: Vec<CallId>,
    pub node: Option<String>,
    pub units: Vec<DeviceId>,
    pub active: Vec<DeviceId>,
    pub state: IncidentState,
    pub narrative: Vec<Entry>,
    pub steps: Vec<Step>,
    pub disposition: Option<Disposition>,
}

impl From<IncidentV1> for Incident {
    fn from(old: IncidentV1) -> Self {
        let IncidentV1 {
            id,
            kind,
            priority,
            lon,
            lat,
            address,
            caller,
            calls,
            node,
            units,
            active,
            state,
            narrative,
            steps,
            disposition,
        } = old;
        Incident {
            id,
            kind,
            priority,
            lon,
            lat,
            address,
            caller,
            calls,
            node,
            units,
            active,
            state,
            narrative,
            steps,
            disposition,
            caller_name: None,
            zones: Vec::new(),
            alarms: Vec::new(),
        }
    }
}
