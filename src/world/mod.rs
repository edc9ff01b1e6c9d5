//! The live world: units, alarms and calls, changed only by applying events (feed reports,
//! telephony reports and operator commands alike), in batches, by a single writer. It records which slots changed
//! so the renderer can update only those, and it is a deterministic function of the event
//! sequence, so replaying the journal rebuilds it exactly.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

mod call_index;
pub mod calls;
pub mod incidents;
pub mod plans;
pub mod service_levels;
pub mod zones;

use calls::{CallBook, Report};
use incidents::{IncidentBook, Opening};
use plans::{Followed, PlanBook, PlanFlag};
use zones::ZoneBook;

use crate::model::calls::NumberBlock;
use crate::model::{
    Alarm, AlarmId, AlarmState, Call, CallId, Closure, Command, DeviceId, Event, Millis, PositionSource, Role, Unit,
    UnitStatus, MAX_NOTE,
};
use crate::model::{CallerLocation, Classification, Incident, IncidentId, IncidentKind, IncidentState};

/// An alarm from a device whose latest alarm is still open and this recent (from its last
/// repeat) is a repeat of it, not a new one.
pub const REPEAT_WINDOW_MS: i64 = 5 * 60_000;

/// Slots (stable indices) whose objects changed since the last [`World::take_changes`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeSet {
    pub units: Vec<u32>,
    pub alarms: Vec<u32>,
    pub calls: Vec<u32>,
    pub incidents: Vec<u32>,
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        self.units.is_empty() && self.alarms.is_empty() && self.calls.is_empty() && self.incidents.is_empty()
    }
}

/// What applying one event did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Recorded, but not carried out (e.g. a viewer trying to dispatch), with the reason.
    Refused(String),
}

/// What a world is rebuilt from: a journal snapshot's body, or a hub's welcome to a seat
/// (whose older peers may leave out what came later, hence the defaults).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Saved {
    pub units: Vec<Unit>,
    pub alarms: Vec<Alarm>,
    #[serde(default)]
    pub calls: Vec<Call>,
    #[serde(default)]
    pub blocks: Vec<NumberBlock>,
    #[serde(default)]
    pub incidents: Vec<Incident>,
    /// Callers' locations that came before their calls rang, by number.
    #[serde(default)]
    pub early_locations: Vec<(String, CallerLocation)>,
    /// The operation plans followed, with their escorts' progress.
    #[serde(default)]
    pub plans: Vec<Followed>,
    /// The zone edits, each edited code's latest zone (none: removed), and how many edits.
    #[serde(default)]
    pub zones: Vec<(String, Option<crate::model::zones::EditedZone>)>,
    #[serde(default)]
    pub zone_edits: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct World {
    units: Vec<Unit>,
    unit_slots: HashMap<DeviceId, u32>,
    alarms: Vec<Alarm>,
    /// Each device's latest alarm (repeats and retries are matched against it).
    latest_alarm: HashMap<DeviceId, AlarmId>,
    unit_changed: Vec<bool>,
    alarm_changed: Vec<bool>,
    changes: ChangeSet,
    calls: CallBook,
    incidents: IncidentBook,
    plans: PlanBook,
    zones: ZoneBook,
}

impl World {
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies events in order; one outcome per event.
    pub fn apply(&mut self, events: &[Event]) -> Vec<Outcome> {
        events.iter().map(|e| self.apply_one(e)).collect()
    }

    pub fn apply_one(&mut self, event: &Event) -> Outcome {
        match event {
            Event::Position { device, fix, .. } => {
                let slot = self.unit_slot(device);
                self.units[slot as usize].last_fix = Some(*fix);
                self.mark_unit(slot);
                self.plans.position(device, fix);
                Outcome::Applied
            }
            Event::Alarm { device, kind, fix, priority, time, notes, .. } => {
                // A unit's alarm moves the unit; a fixed panic button is not a unit.
                let slot = self.unit_slots.get(device.as_str()).copied();
                let last = slot.and_then(|s| self.units[s as usize].last_fix);
                let (position, position_source) = match (fix, last) {
                    (Some(f), _) => (Some((f.lon, f.lat)), PositionSource::Reported),
                    (None, Some(f)) => (Some((f.lon, f.lat)), PositionSource::LastKnown),
                    (None, None) => (None, PositionSource::Unknown),
                };
                // Only a newer fix moves the unit (as the validator keeps it).
                if let (Some(f), Some(slot)) = (fix, slot) {
                    if last.is_none_or(|l| f.time > l.time) {
                        self.units[slot as usize].last_fix = Some(*f);
                        self.mark_unit(slot);
                    }
                }
                let raised = Alarm {
                    id: self.alarms.len() as AlarmId + 1,
                    source: device.clone(),
                    kind: kind.clone(),
                    lon: position.map(|p| p.0),
                    lat: position.map(|p| p.1),
                    position_source,
                    time: *time,
                    priority: (*priority).clamp(1, 5),
                    state: AlarmState::Raised,
                    dispatched_unit: None,
                    repeats: 0,
                    last_time: *time,
                    notes: notes.clone(),
                    closure: None,
                };
                self.raise(raised);
                Outcome::Applied
            }
            Event::Command { user, role, time, command } => self.command(user, *role, *time, command),
            Event::Call { call, phase, number, channel, trunk, time, text } => {
                let (trunk, text) = (trunk.as_deref(), text.as_deref());
                self.calls.report(Report {
                    key: call,
                    phase: *phase,
                    number,
                    channel: *channel,
                    trunk,
                    time: *time,
                    text,
                })
            }
            Event::CallerLocation { number, location } => self.calls.locate(number, location),
        }
    }

    /// A new alarm, unless it is a retry of the device's latest (the same event id: nothing
    /// changes) or a repeat while that one is open and recent (counted into it, so one device
    /// cannot flood the queue).
    fn raise(&mut self, alarm: Alarm) {
        if let Some(open) = self.latest_alarm.get(&alarm.source).map(|id| &mut self.alarms[*id as usize - 1]) {
            if alarm.notes.event_id.is_some() && open.notes.event_id == alarm.notes.event_id {
                return;
            }
            if open.state.is_open() && (alarm.time - open.last_time).abs() <= REPEAT_WINDOW_MS {
                let id = open.id;
                open.repeats += 1;
                open.last_time = open.last_time.max(alarm.time);
                open.priority = open.priority.min(alarm.priority);
                if alarm.position_source == PositionSource::Reported {
                    (open.lon, open.lat, open.position_source) = (alarm.lon, alarm.lat, alarm.position_source);
                }
                self.mark_alarm(id);
                return;
            }
        }
        let id = alarm.id;
        self.latest_alarm.insert(alarm.source.clone(), id);
        self.alarms.push(alarm);
        self.alarm_changed.push(false);
        self.mark_alarm(id);
    }

    fn command(&mut self, user: &str, role: Role, time: Millis, command: &Command) -> Outcome {
        match command {
            Command::Login { .. } | Command::Logout { .. } => Outcome::Applied,
            Command::LoginRefused { reason, .. } | Command::Refused { reason, .. } => Outcome::Refused(reason.clone()),
            _ if matches!(role, Role::Viewer | Role::Analyst) => {
                Outcome::Refused(format!("{role:?} may not change alarms, units or calls").to_lowercase())
            }
            Command::Close { note, .. } if note.len() > MAX_NOTE => {
                Outcome::Refused(format!("a note of {} bytes is over the {MAX_NOTE}-byte limit", note.len()))
            }
            Command::Close { alarm, disposition, note } => {
                let closure = Closure { disposition: *disposition, note: note.clone(), by: user.to_string(), time };
                self.close_with(*alarm, closure)
            }
            Command::Reopen { .. } if role != Role::Commander => {
                Outcome::Refused("only a commander may reopen a closed alarm".into())
            }
            Command::Reopen { alarm } => self.reopen(*alarm),
            Command::Unassign { alarm } => self.unassign(*alarm),
            Command::Place { alarm, lon, lat } => self.place(*alarm, *lon, *lat),
            Command::Acknowledge { alarm } => {
                self.alarm_transition(*alarm, &[AlarmState::Raised], AlarmState::Acknowledged)
            }
            Command::Resolve { alarm } => self.close_alarm(*alarm, AlarmState::Resolved),
            Command::FalseAlarm { alarm } => self.close_alarm(*alarm, AlarmState::FalseAlarm),
            Command::Dispatch { alarm, unit } => self.dispatch(*alarm, unit),
            Command::SetStatus { unit, status } => match self.unit_slots.get(unit).copied() {
                Some(slot) => {
                    self.units[slot as usize].status = *status;
                    self.mark_unit(slot);
                    Outcome::Applied
                }
                None => Outcome::Refused(format!("no unit {unit}")),
            },
            Command::RecordRepair { .. } => Outcome::Applied,
            Command::Route { call, rung, node, tier, why } => self.calls.route(*call, *rung, node, *tier, why, time),
            Command::Answer { call } => self.calls.answer(*call, user, time),
            Command::GiveUpCall { call, rung, .. } => self.calls.give_up(*call, *rung, time),
            // A valid call becomes an incident (of a kind to be told) at the caller's place.
            Command::Classify { call, class: Classification::Valid } => {
                let opening = Opening {
                    kind: IncidentKind::Other,
                    priority: None,
                    at: None,
                    address: "",
                    note: "",
                    caller_name: "",
                };
                self.open_incident(*call, &opening, user, role, time)
            }
            Command::Classify { call, class } => self.calls.classify(*call, *class, user, role, time),
            Command::Block { .. } | Command::Unblock { .. } if role != Role::Commander => {
                Outcome::Refused("only a commander may block or unblock a number".into())
            }
            Command::Block { number, reason, until } => self.calls.block(number, reason, *until, user, time),
            Command::Unblock { number } => self.calls.unblock(number),
            Command::OpenIncident { call, kind, priority, at, address, note } => {
                let opening = Opening { kind: *kind, priority: *priority, at: *at, address, note, caller_name: "" };
                self.open_incident(*call, &opening, user, role, time)
            }
            Command::OpenIncidentWithCaller { call, kind, priority, at, address, note, caller_name } => {
                let opening = Opening { kind: *kind, priority: *priority, at: *at, address, note, caller_name };
                self.open_incident(*call, &opening, user, role, time)
            }
            Command::LinkAlarm { alarm, .. } if self.alarm(*alarm).is_none() => {
                Outcome::Refused(format!("no alarm {alarm}"))
            }
            Command::LinkAlarm { incident, alarm } => self.incidents.link_alarm(*incident, *alarm, user, time),
            Command::AttachCall { incident, call } => self.attach_call(*incident, *call, user, role, time),
            Command::HandIncident { incident, node, why } => self.incidents.hand(*incident, node, why, &[], time),
            Command::HandIncidentIn { incident, node, why, zones } => {
                self.incidents.hand(*incident, node, why, zones, time)
            }
            Command::DispatchIncident { incident, unit } => self.dispatch_incident(*incident, unit, user, time),
            Command::IncidentProgress { incident, to } => match self.incidents.progress(*incident, *to, user, time) {
                Ok(units) => self.units_follow(&units, *to),
                Err(refused) => refused,
            },
            Command::IncidentNote { incident, text } => self.incidents.note(*incident, text, user, time),
            Command::CloseIncident { incident, disposition, note } => {
                match self.incidents.close(*incident, *disposition, note, user, time) {
                    Ok(units) => self.units_follow(&units, IncidentState::Closed),
                    Err(refused) => refused,
                }
            }
            Command::MoveUp { .. } if role != Role::Commander => {
                Outcome::Refused("only a commander may move a unit up to a post".into())
            }
            Command::MoveUp { unit, post, .. } => self.move_up(unit, post),
            Command::SavePlan { .. } | Command::DropPlan { .. } if role != Role::Commander => {
                Outcome::Refused("only a commander may save or drop an operation plan".into())
            }
            Command::SavePlan { plan } => self.plans.save(plan),
            Command::DropPlan { id } => self.plans.drop_plan(id),
            Command::EditZones { .. } if role != Role::Commander => {
                Outcome::Refused("only a commander may edit the zones".into())
            }
            Command::EditZones { base, changes, .. } => self.zones.apply(*base, changes),
            Command::Enrol { .. } if role != Role::Commander => {
                Outcome::Refused("only a commander may change the roster".into())
            }
            Command::Enrol { unit, callsign, kind, home_station } => {
                let slot = self.unit_slot(unit);
                let entry = &mut self.units[slot as usize];
                entry.callsign = callsign.clone();
                entry.kind = *kind;
                entry.home_station = home_station.clone();
                self.mark_unit(slot);
                Outcome::Applied
            }
        }
    }

    /// An available unit goes to a post: its station is the post and it is returning there.
    fn move_up(&mut self, unit: &str, post: &str) -> Outcome {
        let Some(slot) = self.unit_slots.get(unit).copied() else { return Outcome::Refused(format!("no unit {unit}")) };
        let entry = &mut self.units[slot as usize];
        if !matches!(entry.status, UnitStatus::Available | UnitStatus::Returning) {
            return Outcome::Refused(format!("unit {unit} is {:?}, not free to move up", entry.status));
        }
        entry.status = UnitStatus::Returning;
        entry.home_station = Some(post.to_string());
        self.mark_unit(slot);
        Outcome::Applied
    }

    /// An incident from a call the person holds: the call becomes valid and joins it.
    fn open_incident(&mut self, call: CallId, opening: &Opening, user: &str, role: Role, time: Millis) -> Outcome {
        if let Err(refused) = opening.check() {
            return refused;
        }
        let id = self.incidents.next_id();
        match self.calls.take_into(call, id, user, role, time) {
            Ok(taken) => {
                self.incidents.open(&taken, opening, user, time);
                Outcome::Applied
            }
            Err(refused) => refused,
        }
    }

    /// A further call about an open incident joins it.
    fn attach_call(&mut self, incident: IncidentId, call: CallId, user: &str, role: Role, time: Millis) -> Outcome {
        if let Err(refused) = self.incidents.open_one(incident) {
            return refused;
        }
        match self.calls.take_into(call, incident, user, role, time) {
            Ok(taken) => {
                self.incidents.attach(incident, &taken, user, time);
                Outcome::Applied
            }
            Err(refused) => refused,
        }
    }

    fn dispatch_incident(&mut self, incident: IncidentId, unit: &str, user: &str, time: Millis) -> Outcome {
        let Some(slot) = self.unit_slots.get(unit).copied() else {
            return Outcome::Refused(format!("no unit {unit}"));
        };
        if self.units[slot as usize].status == UnitStatus::OffDuty {
            return Outcome::Refused(format!("unit {unit} is off duty"));
        }
        let outcome = self.incidents.dispatch(incident, &unit.to_string(), user, time);
        if outcome == Outcome::Applied {
            self.units[slot as usize].status = UnitStatus::Dispatched;
            self.mark_unit(slot);
        }
        outcome
    }

    /// An incident's units follow it, each only forwards (one already on scene stays there
    /// when a backup is en route); when it is cleared or closed, each is available again
    /// unless another alarm or incident has it.
    fn units_follow(&mut self, units: &[DeviceId], to: IncidentState) -> Outcome {
        for unit in units {
            let Some(slot) = self.unit_slots.get(unit).copied() else { continue };
            let status = &mut self.units[slot as usize].status;
            let next = match to {
                IncidentState::EnRoute if *status == UnitStatus::Dispatched => UnitStatus::EnRoute,
                IncidentState::OnScene if matches!(*status, UnitStatus::Dispatched | UnitStatus::EnRoute) => {
                    UnitStatus::OnScene
                }
                IncidentState::Cleared | IncidentState::Closed => {
                    self.release(Some(unit.clone()), 0);
                    continue;
                }
                _ => continue,
            };
            *status = next;
            self.mark_unit(slot);
        }
        Outcome::Applied
    }

    fn alarm_transition(&mut self, id: AlarmId, from: &[AlarmState], to: AlarmState) -> Outcome {
        let Some(alarm) = self.alarms.get_mut((id as usize).wrapping_sub(1)) else {
            return Outcome::Refused(format!("no alarm {id}"));
        };
        if !from.contains(&alarm.state) {
            return Outcome::Refused(format!("alarm {id} is {:?}", alarm.state));
        }
        alarm.state = to;
        self.mark_alarm(id);
        Outcome::Applied
    }

    fn close_alarm(&mut self, id: AlarmId, to: AlarmState) -> Outcome {
        let open = [AlarmState::Raised, AlarmState::Acknowledged, AlarmState::Dispatched];
        let outcome = self.alarm_transition(id, &open, to);
        if outcome == Outcome::Applied {
            let unit = self.alarms[id as usize - 1].dispatched_unit.clone();
            self.release(unit, id);
        }
        outcome
    }

    /// The unit an alarm lets go of is available again, unless another open alarm has it or
    /// it is no longer working this one (gone off duty, already available).
    fn release(&mut self, unit: Option<DeviceId>, from: AlarmId) {
        let Some(unit) = unit else { return };
        let Some(slot) = self.unit_slots.get(&unit).copied() else { return };
        let elsewhere = self
            .alarms
            .iter()
            .any(|a| a.id != from && a.state.is_open() && a.dispatched_unit.as_deref() == Some(unit.as_str()))
            || self.incidents.holds(&unit);
        let working = matches!(
            self.units[slot as usize].status,
            UnitStatus::Dispatched | UnitStatus::EnRoute | UnitStatus::OnScene
        );
        if working && !elsewhere {
            self.units[slot as usize].status = UnitStatus::Available;
            self.mark_unit(slot);
        }
    }

    /// Closes an open alarm with its disposition (the state follows from it).
    fn close_with(&mut self, id: AlarmId, closure: Closure) -> Outcome {
        let outcome = self.close_alarm(id, closure.disposition.state());
        if outcome == Outcome::Applied {
            self.alarms[id as usize - 1].closure = Some(closure);
        }
        outcome
    }

    /// A closed alarm back in the queue, acknowledged (someone has it in hand), without its
    /// unit (released when it was closed); the journal keeps how it had been closed.
    fn reopen(&mut self, id: AlarmId) -> Outcome {
        let closed = [AlarmState::Resolved, AlarmState::FalseAlarm];
        let outcome = self.alarm_transition(id, &closed, AlarmState::Acknowledged);
        if outcome == Outcome::Applied {
            let alarm = &mut self.alarms[id as usize - 1];
            alarm.closure = None;
            alarm.dispatched_unit = None;
        }
        outcome
    }

    /// The dispatched unit taken off an alarm: available again, the alarm acknowledged.
    fn unassign(&mut self, id: AlarmId) -> Outcome {
        let outcome = self.alarm_transition(id, &[AlarmState::Dispatched], AlarmState::Acknowledged);
        if outcome == Outcome::Applied {
            let unit = self.alarms[id as usize - 1].dispatched_unit.take();
            self.release(unit, id);
        }
        outcome
    }

    /// An alarm without a position placed by an operator; one with a position keeps it.
    fn place(&mut self, id: AlarmId, lon: f64, lat: f64) -> Outcome {
        if !((-180.0..=180.0).contains(&lon) && (-85.06..=85.06).contains(&lat)) {
            return Outcome::Refused(format!("{lon},{lat} is not on the map"));
        }
        let Some(alarm) = self.alarms.get_mut((id as usize).wrapping_sub(1)) else {
            return Outcome::Refused(format!("no alarm {id}"));
        };
        if alarm.lon.is_some() {
            return Outcome::Refused(format!("alarm {id} already has a position"));
        }
        (alarm.lon, alarm.lat, alarm.position_source) = (Some(lon), Some(lat), PositionSource::Placed);
        self.mark_alarm(id);
        Outcome::Applied
    }

    fn dispatch(&mut self, id: AlarmId, unit: &str) -> Outcome {
        let Some(slot) = self.unit_slots.get(unit).copied() else {
            return Outcome::Refused(format!("no unit {unit}"));
        };
        if self.units[slot as usize].status == UnitStatus::OffDuty {
            return Outcome::Refused(format!("unit {unit} is off duty"));
        }
        let outcome =
            self.alarm_transition(id, &[AlarmState::Raised, AlarmState::Acknowledged], AlarmState::Dispatched);
        if outcome == Outcome::Applied {
            self.alarms[id as usize - 1].dispatched_unit = Some(unit.to_string());
            self.units[slot as usize].status = UnitStatus::Dispatched;
            self.mark_unit(slot);
        }
        outcome
    }

    fn unit_slot(&mut self, device: &str) -> u32 {
        if let Some(slot) = self.unit_slots.get(device) {
            return *slot;
        }
        let slot = self.units.len() as u32;
        self.units.push(Unit::from_device(device));
        self.unit_changed.push(false);
        self.unit_slots.insert(device.to_string(), slot);
        slot
    }

    fn mark_unit(&mut self, slot: u32) {
        if !std::mem::replace(&mut self.unit_changed[slot as usize], true) {
            self.changes.units.push(slot);
        }
    }

    fn mark_alarm(&mut self, id: AlarmId) {
        let slot = id as u32 - 1;
        if !std::mem::replace(&mut self.alarm_changed[slot as usize], true) {
            self.changes.alarms.push(slot);
        }
    }

    /// The slots changed since the last call (each listed once).
    pub fn take_changes(&mut self) -> ChangeSet {
        let changes = std::mem::take(&mut self.changes);
        changes.units.iter().for_each(|s| self.unit_changed[*s as usize] = false);
        changes.alarms.iter().for_each(|s| self.alarm_changed[*s as usize] = false);
        ChangeSet { calls: self.calls.take_changes(), incidents: self.incidents.take_changes(), ..changes }
    }

    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.unit_slots.get(id).map(|s| &self.units[*s as usize])
    }

    pub fn alarms(&self) -> &[Alarm] {
        &self.alarms
    }

    pub fn alarm(&self, id: AlarmId) -> Option<&Alarm> {
        self.alarms.get((id as usize).wrapping_sub(1))
    }

    pub fn calls(&self) -> &[Call] {
        self.calls.calls()
    }

    pub fn call(&self, id: CallId) -> Option<&Call> {
        self.calls.call(id)
    }

    /// A number's calls, newest first.
    pub fn calls_from<'a>(&'a self, number: &str) -> impl Iterator<Item = &'a Call> + 'a {
        self.calls.calls_from(number)
    }

    /// The calls still open (ringing, or answered without a verdict), oldest first.
    pub fn open_calls(&self) -> impl Iterator<Item = &Call> + '_ {
        self.calls.open_calls()
    }

    pub fn incidents(&self) -> &[Incident] {
        self.incidents.incidents()
    }

    /// The operation plans followed, with their escorts' progress.
    pub fn plans(&self) -> &[Followed] {
        self.plans.plans()
    }

    /// The commanders' zone edits, to lay over the zone files.
    pub fn zones(&self) -> &ZoneBook {
        &self.zones
    }

    /// What the plans flag at `now` (late convoys, units off their posts).
    pub fn plan_flags(&self, now: Millis) -> Vec<PlanFlag> {
        self.plans.flags(|id| self.unit(id), now)
    }

    pub fn incident(&self, id: IncidentId) -> Option<&Incident> {
        self.incidents.incident(id)
    }

    /// The incidents not closed, oldest first.
    pub fn open_incidents(&self) -> impl Iterator<Item = &Incident> + '_ {
        self.incidents.open_incidents()
    }

    /// The block list of numbers, by number.
    pub fn blocks(&self) -> impl Iterator<Item = &NumberBlock> + '_ {
        self.calls.blocks()
    }

    /// Callers' locations waiting for their calls, by number.
    pub fn early_locations(&self) -> impl Iterator<Item = (&String, &CallerLocation)> + '_ {
        self.calls.early_locations()
    }

    /// A world holding what a snapshot or a hub's welcome saved, nothing marked changed.
    pub fn from_saved(saved: Saved) -> Self {
        let Saved { units, alarms, calls, blocks, incidents, early_locations, plans, zones, zone_edits } = saved;
        let unit_slots = units.iter().enumerate().map(|(slot, u)| (u.id.clone(), slot as u32)).collect();
        // Alarms are in id order, so the last one seen per device is its latest.
        let latest_alarm = alarms.iter().map(|a| (a.source.clone(), a.id)).collect();
        Self {
            latest_alarm,
            unit_changed: vec![false; units.len()],
            alarm_changed: vec![false; alarms.len()],
            units,
            unit_slots,
            alarms,
            changes: ChangeSet::default(),
            calls: CallBook::from_saved(calls, blocks, early_locations),
            incidents: IncidentBook::from_saved(incidents),
            plans: PlanBook::restore(plans),
            zones: ZoneBook::from_saved(zones, zone_edits),
        }
    }

    /// A world holding only these units and alarms.
    pub fn from_parts(units: Vec<Unit>, alarms: Vec<Alarm>) -> Self {
        Self::from_saved(Saved { units, alarms, ..Saved::default() })
    }

    /// Everything [`World::from_saved`] needs to build this world again.
    pub fn saved(&self) -> Saved {
        Saved {
            units: self.units.clone(),
            alarms: self.alarms.clone(),
            calls: self.calls.calls().to_vec(),
            blocks: self.calls.blocks().cloned().collect(),
            incidents: self.incidents.incidents().to_vec(),
            early_locations: self.early_locations().map(|(n, l)| (n.clone(), l.clone())).collect(),
            plans: self.plans.plans().to_vec(),
            zones: self.zones.saved(),
            zone_edits: self.zones.version(),
        }
    }

    /// Same units, alarms, calls, blocks, incidents, early locations, plans and zone edits
    /// (ignores pending change sets).
    pub fn same_state(&self, other: &World) -> bool {
        self.units == other.units
            && self.alarms == other.alarms
            && self.calls.calls() == other.calls.calls()
            && self.calls.blocks().eq(other.calls.blocks())
            && self.incidents.incidents() == other.incidents.incidents()
            && self.calls.early_locations().eq(other.calls.early_locations())
            && self.plans == other.plans
            && self.zones == other.zones
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AlarmNotes, FeedKind, Fix};

    fn pos(device: &str, t: i64, lon: f64) -> Event {
        Event::Position {
            device: device.into(),
            fix: Fix { time: t, lon, lat: -6.2, speed: None, heading: None, accuracy: None },
            feed: FeedKind::Osmand,
        }
    }

    fn alarm(device: &str, fix: Option<Fix>) -> Event {
        Event::Alarm {
            device: device.into(),
            kind: "sos".into(),
            fix,
            priority: 1,
            time: 10,
            feed: FeedKind::AlarmApi,
            notes: AlarmNotes::default(),
        }
    }

    fn cmd(role: Role, command: Command) -> Event {
        Event::Command { user: "op1".into(), role, time: 20, command }
    }

    #[test]
    fn only_a_commander_edits_the_zones_and_the_edits_survive_a_snapshot() {
        use crate::model::zones::{EditedZone, ZoneChange};
        let ring = geo::LineString::from(vec![(106.8, -6.2), (106.9, -6.2), (106.9, -6.1), (106.8, -6.2)]);
        let zone = EditedZone {
            code: "rayon-1".into(),
            name: "Rayon 1".into(),
            level: 8,
            polygon: geo::MultiPolygon(vec![geo::Polygon::new(ring, vec![])]),
            node: Some("polsek-1".into()),
            station: Some("Pos Monas".into()),
            units: vec!["u1".into()],
        };
        let edit = || Command::EditZones {
            what: "new rayon".into(),
            base: Some(0),
            changes: vec![ZoneChange::Put(zone.clone())],
        };
        let mut w = World::new();
        for role in [Role::Operator, Role::Analyst, Role::Viewer] {
            assert!(matches!(w.apply_one(&cmd(role, edit())), Outcome::Refused(_)), "{role:?}");
        }
        assert_eq!(w.apply_one(&cmd(Role::Commander, edit())), Outcome::Applied);
        assert_eq!(w.zones().version(), 1);
        let stale = w.apply_one(&cmd(Role::Commander, edit()));
        assert!(matches!(stale, Outcome::Refused(r) if r.contains("changed since")), "made against edit 0");
        let restored = World::from_saved(w.saved());
        assert!(restored.same_state(&w) && restored.zones().version() == 1, "the edits survive a snapshot");
        let laid = restored.zones().lay_over(&[]);
        assert_eq!(laid.len(), 1);
        assert_eq!(EditedZone::from_zone(&laid[0]), zone, "the zone as edited, node, station and units");
    }

    #[test]
    fn a_commander_moves_a_free_unit_up_to_a_post() {
        let mut w = World::new();
        w.apply(&[pos("u1", 1, 106.8), pos("u2", 1, 106.81)]);
        let up = |unit: &str| Command::MoveUp { unit: unit.into(), post: "Pos Monas".into(), lon: 106.82, lat: -6.17 };
        assert!(matches!(w.apply_one(&cmd(Role::Operator, up("u1"))), Outcome::Refused(r) if r.contains("commander")));
        assert_eq!(w.apply_one(&cmd(Role::Commander, up("u1"))), Outcome::Applied);
        let moved = w.unit("u1").expect("u1");
        assert_eq!((moved.status, moved.home_station.as_deref()), (UnitStatus::Returning, Some("Pos Monas")));
        w.apply(&[cmd(Role::Operator, Command::SetStatus { unit: "u2".into(), status: UnitStatus::OnScene })]);
        assert!(matches!(w.apply_one(&cmd(Role::Commander, up("u2"))), Outcome::Refused(r) if r.contains("OnScene")));
        assert!(matches!(w.apply_one(&cmd(Role::Commander, up("u9"))), Outcome::Refused(_)));
        assert_eq!(w.unit("u2").map(|u| u.status), Some(UnitStatus::OnScene));
    }

    #[test]
    fn only_a_commander_saves_a_plan_and_its_progress_survives_a_snapshot() {
        use crate::model::plans::{Escort, Plan, Waypoint};
        let at = |lon| Waypoint { name: format!("at {lon}"), lon, lat: -6.2, eta: 5 };
        let escort = Escort {
            name: "convoy".into(),
            units: vec!["u1".into()],
            waypoints: vec![at(106.8), at(106.9)],
            hold: vec![],
        };
        let plan = Plan {
            id: "op".into(),
            name: "Op".into(),
            checkpoints: vec![],
            escorts: vec![escort],
            deployments: vec![],
        };
        let save = || Command::SavePlan { plan: plan.clone() };
        let mut w = World::new();
        assert!(matches!(w.apply_one(&cmd(Role::Operator, save())), Outcome::Refused(r) if r.contains("commander")));
        assert_eq!(w.apply_one(&cmd(Role::Commander, save())), Outcome::Applied);
        w.apply(&[pos("u1", 3, 106.8)]);
        assert_eq!(w.plans()[0].reached[0], vec![Some(3), None]);
        assert_eq!(w.plan_flags(5 + plans::LATE_GRACE_MS + 1).len(), 1);
        let bytes = postcard::to_stdvec(&w.saved()).expect("encode");
        let again = World::from_saved(postcard::from_bytes(&bytes).expect("decode"));
        assert!(again.same_state(&w));
        assert_eq!(again.plans()[0].reached[0], vec![Some(3), None]);
        let drop = Command::DropPlan { id: "op".into() };
        assert!(matches!(w.apply_one(&cmd(Role::Analyst, drop.clone())), Outcome::Refused(_)));
        assert_eq!(w.apply_one(&cmd(Role::Commander, drop)), Outcome::Applied);
        assert!(!again.same_state(&w));
    }

    #[test]
    fn an_alarm_s_older_fix_places_the_alarm_but_does_not_move_the_unit_back() {
        let mut w = World::new();
        w.apply(&[pos("u1", 100, 106.8)]);
        let old = Fix { time: 50, lon: 106.7, lat: -6.2, speed: None, heading: None, accuracy: None };
        w.apply(&[alarm("u1", Some(old))]);
        assert_eq!(w.alarms()[0].lon, Some(106.7));
        assert_eq!(w.unit("u1").and_then(|u| u.last_fix).map(|f| f.time), Some(100));
    }

    #[test]
    fn alarm_without_fix_falls_back_to_last_known_position() {
        let mut w = World::new();
        w.apply(&[pos("u1", 1, 106.8), alarm("u1", None), alarm("u2", None)]);
        let a = w.alarm(1).expect("alarm 1");
        assert_eq!((a.lon, a.position_source), (Some(106.8), PositionSource::LastKnown));
        assert_eq!(w.alarm(2).expect("alarm 2").position_source, PositionSource::Unknown);
    }

    #[test]
    fn dispatch_and_resolve_move_unit_status() {
        let mut w = World::new();
        w.apply(&[pos("u1", 1, 106.8), alarm("x", None)]);
        let out = w.apply(&[
            cmd(Role::Operator, Command::Acknowledge { alarm: 1 }),
            cmd(Role::Operator, Command::Dispatch { alarm: 1, unit: "u1".into() }),
        ]);
        assert_eq!(out, vec![Outcome::Applied, Outcome::Applied]);
        assert_eq!(w.unit("u1").map(|u| u.status), Some(UnitStatus::Dispatched));
        assert_eq!(w.alarm(1).map(|a| a.state), Some(AlarmState::Dispatched));
        w.apply(&[cmd(Role::Commander, Command::Resolve { alarm: 1 })]);
        assert_eq!(w.unit("u1").map(|u| u.status), Some(UnitStatus::Available));
    }

    #[test]
    fn closing_takes_a_disposition_and_a_commander_may_reopen() {
        use crate::model::Disposition;
        let mut w = World::new();
        w.apply(&[pos("u1", 1, 106.8), alarm("x", None)]);
        w.apply(&[cmd(Role::Operator, Command::Dispatch { alarm: 1, unit: "u1".into() })]);
        let long = Command::Close { alarm: 1, disposition: Disposition::Handled, note: "n".repeat(MAX_NOTE + 1) };
        assert!(matches!(w.apply_one(&cmd(Role::Operator, long)), Outcome::Refused(_)));
        let close = Command::Close { alarm: 1, disposition: Disposition::ArrestMade, note: "two held".into() };
        assert_eq!(w.apply_one(&cmd(Role::Operator, close)), Outcome::Applied);
        let closed = w.alarm(1).expect("alarm");
        assert_eq!(closed.state, AlarmState::Resolved);
        let closure = closed.closure.as_ref().expect("closure");
        assert_eq!(
            (closure.disposition, closure.note.as_str(), closure.by.as_str(), closure.time),
            (Disposition::ArrestMade, "two held", "op1", 20)
        );
        assert_eq!(w.unit("u1").map(|u| u.status), Some(UnitStatus::Available), "the unit is released");
        let reopen = Command::Reopen { alarm: 1 };
        assert!(matches!(w.apply_one(&cmd(Role::Operator, reopen.clone())), Outcome::Refused(_)));
        assert_eq!(w.apply_one(&cmd(Role::Commander, reopen)), Outcome::Applied);
        let open = w.alarm(1).expect("alarm");
        assert_eq!(
            (open.state, open.closure.is_none(), open.dispatched_unit.is_none()),
            (AlarmState::Acknowledged, true, true)
        );
        let false_alarm = Command::Close { alarm: 1, disposition: Disposition::Test, note: String::new() };
        w.apply_one(&cmd(Role::Operator, false_alarm));
        assert_eq!(w.alarm(1).map(|a| a.state), Some(AlarmState::FalseAlarm));
    }

    #[test]
    fn closing_an_alarm_does_not_free_a_unit_another_alarm_has() {
        use crate::model::Disposition;
        let mut w = World::new();
        w.apply(&[pos("u1", 1, 106.8), alarm("a", None), alarm("b", None)]);
        w.apply(&[cmd(Role::Operator, Command::Dispatch { alarm: 1, unit: "u1".into() })]);
        // Set available by hand while still on alarm 1, then sent to alarm 2.
        w.apply(&[cmd(Role::Operator, Command::SetStatus { unit: "u1".into(), status: UnitStatus::Available })]);
        w.apply(&[cmd(Role::Operator, Command::Dispatch { alarm: 2, unit: "u1".into() })]);
        let close = Command::Close { alarm: 1, disposition: Disposition::Handled, note: String::new() };
        w.apply(&[cmd(Role::Operator, close)]);
        assert_eq!(w.unit("u1").map(|u| u.status), Some(UnitStatus::Dispatched), "still on alarm 2");
        w.apply(&[cmd(Role::Operator, Command::SetStatus { unit: "u1".into(), status: UnitStatus::OffDuty })]);
        w.apply(&[cmd(Role::Operator, Command::Unassign { alarm: 2 })]);
        assert_eq!(w.unit("u1").map(|u| u.status), Some(UnitStatus::OffDuty), "an off-duty unit stays off duty");
    }

    #[test]
    fn unassign_releases_the_unit_and_place_puts_an_alarm_on_the_map() {
        let mut w = World::new();
        w.apply(&[pos("u1", 1, 106.8), alarm("x", None)]);
        assert!(matches!(w.apply_one(&cmd(Role::Operator, Command::Unassign { alarm: 1 })), Outcome::Refused(_)));
        w.apply(&[cmd(Role::Operator, Command::Dispatch { alarm: 1, unit: "u1".into() })]);
        assert_eq!(w.apply_one(&cmd(Role::Operator, Command::Unassign { alarm: 1 })), Outcome::Applied);
        assert_eq!(w.alarm(1).map(|a| (a.state, a.dispatched_unit.clone())), Some((AlarmState::Acknowledged, None)));
        assert_eq!(w.unit("u1").map(|u| u.status), Some(UnitStatus::Available));
        assert_eq!(w.alarm(1).map(|a| a.position_source), Some(PositionSource::Unknown));
        let off_map = Command::Place { alarm: 1, lon: 200.0, lat: 0.0 };
        assert!(matches!(w.apply_one(&cmd(Role::Operator, off_map)), Outcome::Refused(_)));
        assert_eq!(
            w.apply_one(&cmd(Role::Operator, Command::Place { alarm: 1, lon: 106.8, lat: -6.2 })),
            Outcome::Applied
        );
        let placed = w.alarm(1).expect("alarm");
        assert_eq!((placed.lon, placed.lat, placed.position_source), (Some(106.8), Some(-6.2), PositionSource::Placed));
        let again = Command::Place { alarm: 1, lon: 106.9, lat: -6.2 };
        assert!(matches!(w.apply_one(&cmd(Role::Operator, again)), Outcome::Refused(_)), "a position is not moved");
    }

    #[test]
    fn viewers_are_refused_where_commands_apply() {
        let mut w = World::new();
        w.apply(&[pos("u1", 1, 106.8), alarm("x", None)]);
        let out = w.apply(&[cmd(Role::Viewer, Command::Dispatch { alarm: 1, unit: "u1".into() })]);
        assert!(matches!(&out[0], Outcome::Refused(r) if r.contains("viewer")));
        assert_eq!(w.alarm(1).map(|a| a.state), Some(AlarmState::Raised));
        let out = w.apply(&[cmd(Role::Operator, Command::Resolve { alarm: 9 })]);
        assert!(matches!(&out[0], Outcome::Refused(_)));
    }

    #[test]
    fn a_caller_s_name_is_kept_within_its_limits_and_an_alarm_is_linked_once() {
        use crate::model::{CallPhase, Channel, IncidentKind};
        let ring = |key: &str| Event::Call {
            call: key.into(),
            phase: CallPhase::Ringing,
            number: "+6281".into(),
            channel: Channel::Voice,
            trunk: None,
            time: 5,
            text: None,
        };
        let open = |call, caller_name: &str| Command::OpenIncidentWithCaller {
            call,
            kind: IncidentKind::Theft,
            priority: None,
            at: Some((106.8, -6.2)),
            address: String::new(),
            note: String::new(),
            caller_name: caller_name.into(),
        };
        let mut w = World::new();
        w.apply(&[ring("a"), ring("b"), cmd(Role::Operator, Command::Answer { call: 1 })]);
        w.apply(&[cmd(Role::Operator, Command::Answer { call: 2 }), alarm("btn", None)]);
        let out = w.apply(&[
            cmd(Role::Operator, open(1, &"x".repeat(129))),
            cmd(Role::Operator, open(1, "Budi\u{7}")),
            cmd(Role::Operator, open(1, "Budi\u{202e}inA")),
            cmd(Role::Operator, open(1, "Budi Santoso")),
            cmd(Role::Operator, open(2, "")),
        ]);
        assert!(out[..3].iter().all(|o| matches!(o, Outcome::Refused(r) if r.contains("128 bytes"))), "{out:?}");
        assert_eq!(&out[3..], [Outcome::Applied, Outcome::Applied]);
        assert_eq!(w.incident(1).and_then(|i| i.caller_name.clone()).as_deref(), Some("Budi Santoso"));
        assert_eq!(w.incident(2).map(|i| i.caller_name.clone()), Some(None), "not given");
        let link = |alarm| cmd(Role::Operator, Command::LinkAlarm { incident: 1, alarm });
        let out = w.apply(&[link(1), link(1), link(7)]);
        assert_eq!(out[0], Outcome::Applied);
        assert!(
            matches!(&out[1..], [Outcome::Refused(a), Outcome::Refused(b)] if a.contains("already") && b.contains("no alarm 7"))
        );
        assert_eq!(w.incident(1).map(|i| i.alarms.clone()), Some(vec![1]));
        let hand = Command::HandIncidentIn {
            incident: 1,
            node: "polres".into(),
            why: "here".into(),
            zones: vec!["31".into(), "31.71".into()],
        };
        w.apply(&[cmd(Role::Commander, hand)]);
        assert_eq!(
            w.incident(1).map(|i| (i.node.clone(), i.zones.clone())),
            Some((Some("polres".into()), vec!["31".into(), "31.71".into()]))
        );
        let saved = World::from_saved(w.saved());
        assert!(saved.same_state(&w), "the new fields are saved");
    }

    #[test]
    fn an_incident_s_units_move_only_forwards_and_a_cleared_one_is_not_pulled_back() {
        use crate::model::{CallPhase, Channel, Disposition, IncidentKind};
        let mut w = World::new();
        let ring = Event::Call {
            call: "k".into(),
            phase: CallPhase::Ringing,
            number: "+6281".into(),
            channel: Channel::Voice,
            trunk: None,
            time: 5,
            text: None,
        };
        let open = Command::OpenIncident {
            call: 1,
            kind: IncidentKind::Theft,
            priority: None,
            at: Some((106.8, -6.2)),
            address: String::new(),
            note: String::new(),
        };
        let status = |w: &World, u: &str| w.unit(u).map(|u| u.status);
        w.apply(&[
            pos("a", 1, 106.8),
            pos("b", 1, 106.8),
            ring,
            cmd(Role::Operator, Command::Answer { call: 1 }),
            cmd(Role::Operator, open),
        ]);
        let progress = |to| cmd(Role::Operator, Command::IncidentProgress { incident: 1, to });
        let send = |unit: &str| cmd(Role::Operator, Command::DispatchIncident { incident: 1, unit: unit.into() });
        let out = w.apply(&[send("a"), progress(IncidentState::EnRoute), progress(IncidentState::OnScene), send("b")]);
        assert!(out.iter().all(|o| *o == Outcome::Applied), "{out:?}");
        assert_eq!(w.incident(1).map(|i| i.state), Some(IncidentState::OnScene), "a backup does not move it back");
        w.apply(&[progress(IncidentState::EnRoute)]);
        assert_eq!((status(&w, "a"), status(&w, "b")), (Some(UnitStatus::OnScene), Some(UnitStatus::EnRoute)));
        w.apply(&[progress(IncidentState::Cleared)]);
        assert_eq!((status(&w, "a"), status(&w, "b")), (Some(UnitStatus::Available), Some(UnitStatus::Available)));
        // a goes to an alarm; b back to the incident: a is the alarm's alone.
        w.apply(&[
            alarm("x", None),
            cmd(Role::Operator, Command::Dispatch { alarm: 1, unit: "a".into() }),
            send("b"),
            progress(IncidentState::EnRoute),
        ]);
        assert_eq!((status(&w, "a"), status(&w, "b")), (Some(UnitStatus::Dispatched), Some(UnitStatus::EnRoute)));
        w.apply(&[cmd(Role::Operator, Command::Resolve { alarm: 1 })]);
        assert_eq!(status(&w, "a"), Some(UnitStatus::Available), "the incident holds only the units working it");
        w.apply(&[cmd(
            Role::Operator,
            Command::CloseIncident { incident: 1, disposition: Disposition::Handled, note: String::new() },
        )]);
        assert_eq!(status(&w, "b"), Some(UnitStatus::Available));
        assert_eq!(
            w.incident(1).map(|i| i.units.clone()),
            Some(vec!["a".to_string(), "b".to_string()]),
            "every unit sent stays on the record"
        );
    }

    #[test]
    fn a_call_picked_up_at_a_telephone_is_claimed_by_the_seat_that_answers_it() {
        use crate::model::{CallPhase, Channel};
        let mut w = World::new();
        let report = |phase| Event::Call {
            call: "k".into(),
            phase,
            number: "+6281".into(),
            channel: Channel::Voice,
            trunk: None,
            time: 5,
            text: None,
        };
        w.apply(&[report(CallPhase::Ringing), report(CallPhase::Answered)]);
        assert_eq!(w.apply(&[cmd(Role::Operator, Command::Answer { call: 1 })]), [Outcome::Applied]);
        let call = w.call(1).cloned().expect("call 1");
        assert_eq!(
            (call.answered_by.as_deref(), call.answered_at),
            (Some("op1"), Some(5)),
            "claimed, picked up when it was"
        );
    }

    #[test]
    fn change_sets_list_each_changed_slot_once() {
        let mut w = World::new();
        w.apply(&[pos("a", 1, 106.8), pos("b", 1, 106.8), pos("a", 2, 106.9)]);
        assert_eq!(w.take_changes(), ChangeSet { units: vec![0, 1], ..ChangeSet::default() });
        assert!(w.take_changes().is_empty());
        w.apply(&[pos("b", 3, 106.7)]);
        assert_eq!(w.take_changes().units, vec![1]);
    }

    fn alarm_with(device: &str, time: i64, event_id: Option<&str>) -> Event {
        Event::Alarm {
            device: device.into(),
            kind: "panic".into(),
            fix: None,
            priority: 2,
            time,
            feed: FeedKind::AlarmApi,
            notes: AlarmNotes { event_id: event_id.map(str::to_string), ..AlarmNotes::default() },
        }
    }

    #[test]
    fn repeats_from_one_device_coalesce_into_its_open_alarm() {
        let mut w = World::new();
        for i in 0..1000 {
            w.apply_one(&alarm_with("bank-1", 1_000 + i * 100, None));
        }
        assert_eq!(w.alarms().len(), 1, "a flood from one device is one alarm");
        let a = &w.alarms()[0];
        assert_eq!((a.repeats, a.last_time, a.time), (999, 1_000 + 999 * 100, 1_000));
        // Another device is another alarm; a repeat after the window is a new one too.
        w.apply_one(&alarm_with("bank-2", 2_000, None));
        w.apply_one(&alarm_with("bank-1", 1_000 + 999 * 100 + REPEAT_WINDOW_MS + 1, None));
        assert_eq!(w.alarms().len(), 3);
        // Once resolved, the next alarm from the device is new.
        w.apply_one(&cmd(Role::Operator, Command::Resolve { alarm: 3 }));
        w.apply_one(&alarm_with("bank-1", 1_000 + 999 * 100 + REPEAT_WINDOW_MS + 2, None));
        assert_eq!(w.alarms().len(), 4);
        // A snapshot's world carries on coalescing the same way.
        let mut restored = World::from_parts(w.units().to_vec(), w.alarms().to_vec());
        let next = alarm_with("bank-1", 1_000 + 999 * 100 + REPEAT_WINDOW_MS + 3, None);
        w.apply_one(&next);
        restored.apply_one(&next);
        assert!(restored.same_state(&w) && w.alarms()[3].repeats == 1);
    }

    #[test]
    fn a_retried_alarm_with_the_same_event_id_is_the_same_alarm() {
        let mut w = World::new();
        w.apply_one(&alarm_with("bank-1", 1_000, Some("press-17")));
        w.apply_one(&cmd(Role::Operator, Command::Resolve { alarm: 1 }));
        w.apply_one(&alarm_with("bank-1", 1_500, Some("press-17")));
        assert_eq!((w.alarms().len(), w.alarms()[0].repeats), (1, 0), "the retry changed nothing");
        w.apply_one(&alarm_with("bank-1", 2_000, Some("press-18")));
        assert_eq!(w.alarms().len(), 2, "a new press is a new alarm");
    }
}
