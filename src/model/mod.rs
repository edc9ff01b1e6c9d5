//! Plain domain types shared by every concern: units, fixes, alarms, cameras, zones,
//! congestion samples, and the events and commands that change the world. Everything here is
//! serde-serialisable: events travel through the journal and, later, between desks.

use geo::MultiPolygon;
use serde::{Deserialize, Serialize};

pub mod calls;
pub mod incidents;
pub mod legacy;
pub mod plans;
pub mod zones;

pub use calls::{Call, CallId, CallPhase, CallState, CallerLocation, Channel, Classification};
pub use incidents::{Incident, IncidentId, IncidentKind, IncidentState};

/// Milliseconds since the Unix epoch (UTC).
pub type Millis = i64;

/// A day, in milliseconds.
pub const DAY_MS: Millis = 86_400_000;
/// Local time's offset from UTC where shifts, hours of the day and weekdays are counted (WIB,
/// UTC+7: the demo city and Jakarta).
pub const WIB_MS: Millis = 7 * 3_600_000;

/// A device or unit identifier as the field reports it (IMEI, callsign, Traccar unique id).
pub type DeviceId = String;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Highway patrol (Patroli Jalan Raya).
    Pjr,
    /// Escort (Patroli Pengawalan).
    Patwal,
    /// Traffic control (Pengaturan).
    Gatur,
    /// General patrol.
    Sabhara,
    Motorbike,
    Car,
    Drone,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum UnitStatus {
    #[default]
    Available,
    Dispatched,
    EnRoute,
    OnScene,
    Returning,
    OffDuty,
}

impl UnitStatus {
    /// Every status, in the order of a unit's working day.
    pub const ALL: [UnitStatus; 6] = [
        UnitStatus::Available,
        UnitStatus::Dispatched,
        UnitStatus::EnRoute,
        UnitStatus::OnScene,
        UnitStatus::Returning,
        UnitStatus::OffDuty,
    ];

    /// Its place in [`UnitStatus::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One position report.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    pub time: Millis,
    pub lon: f64,
    pub lat: f64,
    /// Metres per second.
    pub speed: Option<f32>,
    /// Degrees clockwise from north.
    pub heading: Option<f32>,
    /// Horizontal accuracy in metres.
    pub accuracy: Option<f32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub id: DeviceId,
    pub callsign: String,
    pub kind: UnitKind,
    pub status: UnitStatus,
    pub home_station: Option<String>,
    pub last_fix: Option<Fix>,
}

impl Unit {
    /// A unit first seen on a feed: its id is its callsign until a roster says otherwise.
    pub fn from_device(id: &str) -> Self {
        Self {
            id: id.to_string(),
            callsign: id.to_string(),
            kind: UnitKind::Car,
            status: UnitStatus::Available,
            home_station: None,
            last_fix: None,
        }
    }
}

pub type AlarmId = u64;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmState {
    #[default]
    Raised,
    Acknowledged,
    Dispatched,
    Resolved,
    FalseAlarm,
}

impl AlarmState {
    /// Still needs someone: raised, acknowledged or dispatched.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Raised | Self::Acknowledged | Self::Dispatched)
    }
}

/// Where an alarm's position came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionSource {
    /// The alarm carried a fix.
    Reported,
    /// No fix: the device's last known position.
    LastKnown,
    /// No fix and no earlier position.
    Unknown,
    /// Placed by an operator (from a search or a click on the map).
    Placed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    pub id: AlarmId,
    pub source: DeviceId,
    /// What raised it (`sos`, `panic`, a Traccar alarm name).
    pub kind: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub position_source: PositionSource,
    pub time: Millis,
    /// 1 (highest) to 5.
    pub priority: u8,
    pub state: AlarmState,
    pub dispatched_unit: Option<DeviceId>,
    /// Further alarms from the same device taken into this one while it was open.
    pub repeats: u32,
    /// The time of the latest of them (the alarm's own time when there were none).
    pub last_time: Millis,
    /// What was changed as it was taken in.
    pub notes: AlarmNotes,
    /// How it was closed, by whom and when (`None` while open, and for alarms closed before
    /// dispositions were recorded).
    pub closure: Option<Closure>,
}

/// Longest note an alarm may be closed with, in bytes.
pub const MAX_NOTE: usize = 2_000;

/// How an alarm ended: the disposition code, the operator's note, who closed it and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    pub disposition: Disposition,
    pub note: String,
    pub by: String,
    pub time: Millis,
}

/// Why an alarm was closed: the codes a desk chooses from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Attended and dealt with.
    Handled,
    /// Attended; someone was arrested.
    ArrestMade,
    /// Handed to another agency (fire, ambulance, another Polres).
    Referred,
    /// Attended; nothing to act on.
    NoOffence,
    /// Attended; nobody and nothing found.
    UnableToLocate,
    /// Nothing happened (a pressed button, a pocket dial).
    FalseAlarm,
    /// A test of the device or of the line.
    Test,
    /// The same incident as another alarm.
    Duplicate,
}

impl Disposition {
    pub const ALL: [Disposition; 8] = [
        Disposition::Handled,
        Disposition::ArrestMade,
        Disposition::Referred,
        Disposition::NoOffence,
        Disposition::UnableToLocate,
        Disposition::FalseAlarm,
        Disposition::Test,
        Disposition::Duplicate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Disposition::Handled => "handled",
            Disposition::ArrestMade => "arrest made",
            Disposition::Referred => "referred",
            Disposition::NoOffence => "no offence",
            Disposition::UnableToLocate => "unable to locate",
            Disposition::FalseAlarm => "false alarm",
            Disposition::Test => "test",
            Disposition::Duplicate => "duplicate",
        }
    }

    /// The state an alarm closed this way is left in.
    pub fn state(self) -> AlarmState {
        match self {
            Disposition::FalseAlarm | Disposition::Test | Disposition::Duplicate => AlarmState::FalseAlarm,
            _ => AlarmState::Resolved,
        }
    }
}

/// What pantau noted about an alarm as it took it in. An alarm is never refused for its
/// content; what had to be changed is said here, for the operator and the record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmNotes {
    /// The device's own time, when it was too far from the receive time to be believed: the
    /// alarm's time is then the receive time (the device's clock is wrong).
    pub device_time: Option<Millis>,
    /// A field (device id, kind or event id) was over its limit and was cut to it.
    pub cut: bool,
    /// The client's id for the alarm: a retry with the same id is the same alarm.
    pub event_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Camera {
    pub id: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    /// Degrees clockwise from north; `None` when the source does not say (such a camera is
    /// taken to see the full circle of its range, and queries show `"direction": null`).
    pub direction: Option<f32>,
    /// Field-of-view angle in degrees.
    pub fov: f32,
    /// How far it sees, in metres.
    pub range: f32,
    pub ptz: bool,
    pub stream_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    pub id: String,
    pub code: String,
    pub name: String,
    /// Admin level (4 province, 5 kota, 6 kecamatan, 7 kelurahan) or a patrol-rayon level.
    pub level: u8,
    pub polygon: MultiPolygon<f64>,
    /// Every attribute of the source feature (e.g. `kode`, `nama`).
    pub properties: std::collections::BTreeMap<String, String>,
}

impl Zone {
    /// The name of an administrative level as Indonesia's hierarchy calls it (4 provinsi,
    /// 5 kota/kabupaten, 6 kecamatan, 7 kelurahan/desa); other levels are patrol rayons.
    pub fn level_name(level: u8) -> &'static str {
        match level {
            4 => "provinsi",
            5 => "kota/kabupaten",
            6 => "kecamatan",
            7 => "kelurahan/desa",
            _ => "rayon",
        }
    }
}

/// An observed speed on a road segment.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CongestionSample {
    pub segment: u64,
    /// Kilometres per hour.
    pub speed: f32,
    pub time: Millis,
}

/// Which feed an event came in on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedKind {
    Osmand,
    Traccar,
    Nmea,
    AlarmApi,
    Mqtt,
    Simulator,
    /// The PBX or CTI bridge's call reports (`POST /calls`).
    Telephony,
    /// Callers' locations from their phones (`POST /aml`, `POST /sms`).
    Aml,
}

/// What an operator (or a script acting for one) asks the world to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Acknowledge {
        alarm: AlarmId,
    },
    Dispatch {
        alarm: AlarmId,
        unit: DeviceId,
    },
    Resolve {
        alarm: AlarmId,
    },
    FalseAlarm {
        alarm: AlarmId,
    },
    SetStatus {
        unit: DeviceId,
        status: UnitStatus,
    },
    /// Puts a unit on the roster (or updates it): its callsign, kind and home station.
    Enrol {
        unit: DeviceId,
        callsign: String,
        kind: UnitKind,
        home_station: Option<String>,
    },
    /// `pantau journal repair` moved damaged bytes out of a stream (the record of what an
    /// operator did to the record); it changes nothing in the world.
    RecordRepair {
        stream: String,
        segment: u64,
        offset: u64,
        bytes: u64,
        /// The quarantine file that holds them, in the journal's `quarantine/` folder.
        quarantine: String,
        /// The last sequence number the journal kept (the repair's own record follows it).
        last_seq_kept: u64,
    },
    // Variants are only ever added at the end: the journal stores a variant by its index.
    /// Closes an open alarm with a disposition and an optional note.
    Close {
        alarm: AlarmId,
        disposition: Disposition,
        note: String,
    },
    /// Puts a closed alarm back in the queue (a commander's decision).
    Reopen {
        alarm: AlarmId,
    },
    /// Takes the dispatched unit off an alarm: the unit is available, the alarm acknowledged.
    Unassign {
        alarm: AlarmId,
    },
    /// Places an alarm that came without a position.
    Place {
        alarm: AlarmId,
        lon: f64,
        lat: f64,
    },
    /// A seat logged in to the hub: the seat's name for itself and the address it came from.
    Login {
        seat: String,
        address: String,
    },
    /// A seat's session ended, and why (logged out, connection lost, the hub stopping).
    Logout {
        seat: String,
        reason: String,
    },
    /// A login the hub refused, and why; `locked_until` when this failure locked the name out.
    LoginRefused {
        seat: String,
        address: String,
        reason: String,
        locked_until: Option<Millis>,
    },
    /// A command the hub refused before the world saw it (outside the seat's jurisdiction, or
    /// not one a seat may send), kept with the reason: every interaction is on the record.
    Refused {
        command: Box<Command>,
        reason: String,
    },
    /// The hub's switchboard sends a ringing call to a node: first where the caller is (or the
    /// intake node), then up a tier each time it is not answered in time. Never a seat's.
    Route {
        call: CallId,
        /// How many places it had rung when the move was decided.
        rung: usize,
        node: String,
        tier: Tier,
        why: String,
    },
    /// A call taker takes a ringing call.
    Answer {
        call: CallId,
    },
    /// The call taker who answered a call gives their verdict on it.
    Classify {
        call: CallId,
        class: Classification,
    },
    /// A commander puts a number on the block list, with why and until when (none: until
    /// unblocked). A blocked number's calls still ring, flagged: a prankster may have a real
    /// emergency.
    Block {
        number: String,
        reason: String,
        until: Option<Millis>,
    },
    /// A commander takes a number off the block list.
    Unblock {
        number: String,
    },
    /// The call taker holding a call opens an incident from it (the call is then valid): its
    /// kind, priority (none: the kind's), place (none: the caller's AML location), address and
    /// a first line of narrative.
    OpenIncident {
        call: CallId,
        kind: IncidentKind,
        priority: Option<u8>,
        at: Option<(f64, f64)>,
        address: String,
        note: String,
    },
    /// Another call about an open incident joins it (the call is then valid).
    AttachCall {
        incident: IncidentId,
        call: CallId,
    },
    /// The switchboard hands an incident to the node responsible for its place. Never a seat's.
    HandIncident {
        incident: IncidentId,
        node: String,
        why: String,
    },
    /// A unit is sent to an incident.
    DispatchIncident {
        incident: IncidentId,
        unit: DeviceId,
    },
    /// The units on an incident are en route, on scene, or done there (cleared: they are
    /// available again).
    IncidentProgress {
        incident: IncidentId,
        to: IncidentState,
    },
    /// A line added to an incident's narrative.
    IncidentNote {
        incident: IncidentId,
        text: String,
    },
    /// An incident is closed with a disposition and a note; its units are available again.
    CloseIncident {
        incident: IncidentId,
        disposition: Disposition,
        note: String,
    },
    /// A commander moves an available unit up to a post (a station, a checkpoint) to fill a
    /// gap in coverage: the post becomes its station and it is returning there (free to be
    /// sent on the way) until it reports available.
    MoveUp {
        unit: DeviceId,
        post: String,
        lon: f64,
        lat: f64,
    },
    /// A commander saves an operation plan (replacing the one with its id); the world follows
    /// it from then on.
    SavePlan {
        plan: plans::Plan,
    },
    /// A commander drops a plan by its id.
    DropPlan {
        id: String,
    },
    /// A commander's zone edit from the zone editor (zones drawn, redrawn, split, merged or
    /// removed, their stations and units), taken whole or not at all; `what` says what it was.
    /// `base`: the count of zone edits the editor started from; the world refuses the edit if
    /// the zones changed since (none: whatever is in force, as a script sends it).
    EditZones {
        what: String,
        base: Option<u64>,
        changes: Vec<zones::ZoneChange>,
    },
    /// The switchboard gives up on a call still ringing, unanswered at every tier it rang,
    /// long after it first rang, with no end from the telephony bridge (its word lost): the
    /// call is lost, from its `rung`th ring. Never a seat's.
    GiveUpCall {
        call: CallId,
        rung: usize,
        why: String,
    },
    /// As `OpenIncident`, with the caller's name as the call taker took it down (empty: not
    /// given), as the call taker's form and `act incident open` send it.
    OpenIncidentWithCaller {
        call: CallId,
        kind: IncidentKind,
        priority: Option<u8>,
        at: Option<(f64, f64)>,
        address: String,
        note: String,
        caller_name: String,
    },
    /// A panic alarm is linked to an open incident: the same emergency, raised by a button as
    /// well as a call.
    LinkAlarm {
        incident: IncidentId,
        alarm: AlarmId,
    },
    /// As `HandIncident`, with the zones the incident's place lies in (codes, coarsest first).
    /// What the switchboard journals since 2026-12-02. Never a seat's.
    HandIncidentIn {
        incident: IncidentId,
        node: String,
        why: String,
        zones: Vec<String>,
    },
}

/// The tiers of the organisation, top down; a node's parent is of a higher tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Mabes,
    Polda,
    Polres,
    Polsek,
}

/// Operator roles; what each may do is decided where commands are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Operator,
    Commander,
    Analyst,
    Viewer,
}

/// Everything that changes the world. The world is a deterministic function of the event
/// sequence, so replaying the journal rebuilds it exactly.
/// (Externally tagged: the journal's binary encoding cannot carry internal tags.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Position {
        device: DeviceId,
        fix: Fix,
        feed: FeedKind,
    },
    Alarm {
        device: DeviceId,
        kind: String,
        fix: Option<Fix>,
        priority: u8,
        time: Millis,
        feed: FeedKind,
        notes: AlarmNotes,
    },
    Command {
        user: String,
        role: Role,
        time: Millis,
        command: Command,
    },
    // Variants are only ever added at the end: the journal stores a variant by its index.
    /// The telephony bridge reports a 110 call ringing, answered or ended.
    Call {
        /// The bridge's id for the call.
        call: String,
        phase: CallPhase,
        number: String,
        channel: Channel,
        trunk: Option<String>,
        time: Millis,
        /// What the sender wrote, when it is a message (SMS, WhatsApp, app, email, social).
        text: Option<String>,
    },
    /// A caller's phone sent its location (AML): it joins the newest open call from the number.
    CallerLocation {
        number: String,
        location: CallerLocation,
    },
}

impl Event {
    /// The journal's record kind for this event.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Position { .. } => EventKind::Position,
            Event::Alarm { .. } => EventKind::Alarm,
            Event::Command { .. } => EventKind::Command,
            Event::Call { .. } | Event::CallerLocation { .. } => EventKind::Call,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Position,
    Alarm,
    Command,
    Call,
}

impl EventKind {
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Position => "positions",
            EventKind::Alarm => "alarms",
            EventKind::Command => "commands",
            EventKind::Call => "calls",
        }
    }
}

/// Current time in milliseconds since the epoch.
pub fn now_millis() -> Millis {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as Millis)
}

/// Who enrols a roster in the journal: the centre itself, not a person at a desk.
pub const ROSTER_USER: &str = "roster";

/// The commands that put every unit of a roster on the world's roster (and off duty where
/// it says so), as journaled at `time`.
pub fn enrolment(roster: &[Unit], time: Millis) -> Vec<Event> {
    let command = |command| Event::Command { user: ROSTER_USER.to_string(), role: Role::Commander, time, command };
    let mut events = Vec::new();
    for unit in roster {
        events.push(command(Command::Enrol {
            unit: unit.id.clone(),
            callsign: unit.callsign.clone(),
            kind: unit.kind,
            home_station: unit.home_station.clone(),
        }));
        if unit.status != UnitStatus::Available {
            events.push(command(Command::SetStatus { unit: unit.id.clone(), status: unit.status }));
        }
    }
    events
}

/// Milliseconds since the epoch as ISO-8601 UTC (`2026-11-24T10:00:00.000Z`).
pub fn iso8601(t: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(t).unwrap_or_default().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
