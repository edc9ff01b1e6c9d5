//! The world's incidents: opened from a valid call, handed to the node responsible by the
//! switchboard, worked by units (dispatched, en route, on scene, cleared), closed with a
//! disposition. Each change adds a milestone with who and when. Units' statuses are the
//! world's to change (`mod.rs`); this book says which units an incident holds.

use std::collections::BTreeSet;

use crate::model::incidents::{Entry, Milestone, Step, LOWEST_PRIORITY, MAX_NAME, MAX_TEXT};
use crate::model::{AlarmId, Call, DeviceId, Disposition, Incident, IncidentId, IncidentKind, IncidentState, Millis};

use super::Outcome;

/// What an incident is opened with.
pub struct Opening<'a> {
    pub kind: IncidentKind,
    pub priority: Option<u8>,
    pub at: Option<(f64, f64)>,
    pub address: &'a str,
    pub note: &'a str,
    /// The caller's name (empty: not given).
    pub caller_name: &'a str,
}

impl Opening<'_> {
    /// Refuses what no incident may hold.
    pub fn check(&self) -> Result<(), Outcome> {
        if self.priority.is_some_and(|p| !(1..=LOWEST_PRIORITY).contains(&p)) {
            return Err(Outcome::Refused(format!("a priority is 1 (highest) to {LOWEST_PRIORITY}")));
        }
        if self.at.is_some_and(|(lon, lat)| !((-180.0..=180.0).contains(&lon) && (-85.06..=85.06).contains(&lat))) {
            return Err(Outcome::Refused("the place is not on the map".into()));
        }
        if self.address.len() > MAX_TEXT || self.note.len() > MAX_TEXT {
            return Err(Outcome::Refused(format!("an address or note over {MAX_TEXT} bytes")));
        }
        if self.caller_name.len() > MAX_NAME || self.caller_name.chars().any(hides_text) {
            return Err(Outcome::Refused(format!(
                "a caller's name is at most {MAX_NAME} bytes, with no control or direction-changing characters"
            )));
        }
        Ok(())
    }
}

/// A character that would hide or reorder what a panel or a document shows: a control
/// character, a line or paragraph separator, or a bidirectional embedding, override or isolate.
fn hides_text(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Most alarms one incident may have linked.
pub const MAX_LINKED_ALARMS: usize = 64;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct IncidentBook {
    incidents: Vec<Incident>,
    /// Those not closed.
    open: BTreeSet<IncidentId>,
    changed: Vec<bool>,
    changes: Vec<u32>,
}

impl IncidentBook {
    /// Incidents as a snapshot saved them, nothing marked changed.
    pub fn from_saved(incidents: Vec<Incident>) -> Self {
        let open = incidents.iter().filter(|i| i.state.is_open()).map(|i| i.id).collect();
        let mut changed = Vec::with_capacity(incidents.capacity());
        changed.resize(incidents.len(), false);
        Self { changed, incidents, open, changes: Vec::new() }
    }

    pub fn incidents(&self) -> &[Incident] {
        &self.incidents
    }

    pub fn incident(&self, id: IncidentId) -> Option<&Incident> {
        self.incidents.get((id as usize).wrapping_sub(1))
    }

    pub fn open_incidents(&self) -> impl Iterator<Item = &Incident> + '_ {
        self.open.iter().map(|id| &self.incidents[*id as usize - 1])
    }

    /// The number the next incident gets.
    pub fn next_id(&self) -> IncidentId {
        self.incidents.len() as IncidentId + 1
    }

    /// Whether an open incident has the unit working on it (dispatched, en route, on scene).
    pub fn holds(&self, unit: &str) -> bool {
        self.open_incidents().any(|i| i.active.iter().any(|u| u == unit))
    }

    pub fn take_changes(&mut self) -> Vec<u32> {
        let changes = std::mem::take(&mut self.changes);
        changes.iter().for_each(|s| self.changed[*s as usize] = false);
        changes
    }

    /// A new incident from a call taken into it: received, answered and classified as the call
    /// was, at the call's location unless placed otherwise.
    pub fn open(&mut self, call: &Call, opening: &Opening, by: &str, time: Millis) -> IncidentId {
        let id = self.next_id();
        let at = opening.at.or(call.location.as_ref().map(|l| (l.lon, l.lat)));
        let step =
            |milestone, by: &str, time, note: &str| Step { milestone, by: by.to_string(), time, note: note.into() };
        let answerer = call.answered_by.as_deref().unwrap_or("telephony");
        let mut steps = vec![step(Milestone::Received, "telephony", call.rang_at, &format!("call {}", call.id))];
        steps.push(step(Milestone::Answered, answerer, call.answered_at.unwrap_or(call.rang_at), ""));
        steps.push(step(Milestone::Classified, by, time, "valid"));
        let narrative = (!opening.note.is_empty())
            .then(|| Entry { by: by.to_string(), time, text: opening.note.to_string() })
            .into_iter()
            .collect();
        self.incidents.push(Incident {
            id,
            kind: opening.kind,
            priority: opening.priority.unwrap_or(opening.kind.default_priority()),
            lon: at.map(|a| a.0),
            lat: at.map(|a| a.1),
            address: opening.address.to_string(),
            caller: Some(call.number.clone()),
            caller_name: Some(opening.caller_name.trim().to_string()).filter(|n| !n.is_empty()),
            zones: Vec::new(),
            alarms: Vec::new(),
            calls: vec![call.id],
            node: None,
            units: Vec::new(),
            active: Vec::new(),
            state: IncidentState::Open,
            narrative,
            steps,
            disposition: None,
        });
        self.changed.push(false);
        self.mark(id);
        id
    }

    /// An open incident, or why not.
    pub fn open_one(&mut self, id: IncidentId) -> Result<&mut Incident, Outcome> {
        match self.incidents.get_mut((id as usize).wrapping_sub(1)) {
            None => Err(Outcome::Refused(format!("no incident {id}"))),
            Some(incident) if !incident.state.is_open() => Err(Outcome::Refused(format!("incident {id} is closed"))),
            Some(incident) => Ok(incident),
        }
    }

    /// Another call about it joins it.
    pub fn attach(&mut self, id: IncidentId, call: &Call, by: &str, time: Millis) {
        if let Ok(incident) = self.open_one(id) {
            incident.calls.push(call.id);
            let text = format!("call {} from {} joined", call.id, call.number);
            incident.narrative.push(Entry { by: by.to_string(), time, text });
            self.mark(id);
        }
    }

    /// The switchboard hands it to a node.
    pub fn hand(&mut self, id: IncidentId, node: &str, why: &str, zones: &[String], time: Millis) -> Outcome {
        let incident = match self.open_one(id) {
            Ok(incident) => incident,
            Err(refused) => return refused,
        };
        incident.node = Some(node.to_string());
        if !zones.is_empty() {
            incident.zones = zones.to_vec();
        }
        incident.steps.push(Step {
            milestone: Milestone::Transferred,
            by: "switchboard".into(),
            time,
            note: why.into(),
        });
        self.mark(id);
        Outcome::Applied
    }

    /// A unit joins it (the world has checked the unit may go). A unit sent to an incident
    /// already under way joins it without moving it back.
    pub fn dispatch(&mut self, id: IncidentId, unit: &DeviceId, by: &str, time: Millis) -> Outcome {
        let incident = match self.open_one(id) {
            Ok(incident) => incident,
            Err(refused) => return refused,
        };
        if incident.active.contains(unit) {
            return Outcome::Refused(format!("unit {unit} is already on incident {id}"));
        }
        if !incident.units.contains(unit) {
            incident.units.push(unit.clone());
        }
        incident.active.push(unit.clone());
        if matches!(incident.state, IncidentState::Open | IncidentState::Cleared) {
            incident.state = IncidentState::Dispatched;
        }
        let note = format!("unit {unit}");
        incident.steps.push(Step { milestone: Milestone::Dispatched, by: by.into(), time, note });
        self.mark(id);
        Outcome::Applied
    }

    /// The units move on: en route, on scene, cleared (then none works it). Returns the units
    /// working it.
    pub fn progress(
        &mut self,
        id: IncidentId,
        to: IncidentState,
        by: &str,
        time: Millis,
    ) -> Result<Vec<DeviceId>, Outcome> {
        let incident = self.open_one(id)?;
        let milestone = match to {
            IncidentState::EnRoute => Milestone::EnRoute,
            IncidentState::OnScene => Milestone::OnScene,
            IncidentState::Cleared => Milestone::Cleared,
            other => {
                return Err(Outcome::Refused(format!(
                    "an incident is moved en route, on scene or cleared, not {other:?}"
                )))
            }
        };
        if incident.active.is_empty() {
            return Err(Outcome::Refused(format!("incident {id} has no unit working it")));
        }
        incident.state = to;
        incident.steps.push(Step { milestone, by: by.into(), time, note: String::new() });
        let units =
            if to == IncidentState::Cleared { std::mem::take(&mut incident.active) } else { incident.active.clone() };
        self.mark(id);
        Ok(units)
    }

    pub fn note(&mut self, id: IncidentId, text: &str, by: &str, time: Millis) -> Outcome {
        if text.is_empty() || text.len() > MAX_TEXT {
            return Outcome::Refused(format!("a note is 1 to {MAX_TEXT} bytes"));
        }
        let incident = match self.open_one(id) {
            Ok(incident) => incident,
            Err(refused) => return refused,
        };
        incident.narrative.push(Entry { by: by.into(), time, text: text.into() });
        self.mark(id);
        Outcome::Applied
    }

    /// Links a panic alarm to it (the world has checked the alarm is there), noted in its
    /// narrative.
    pub fn link_alarm(&mut self, id: IncidentId, alarm: AlarmId, by: &str, time: Millis) -> Outcome {
        let incident = match self.open_one(id) {
            Ok(incident) => incident,
            Err(refused) => return refused,
        };
        if incident.alarms.contains(&alarm) {
            return Outcome::Refused(format!("alarm {alarm} is already linked to incident {id}"));
        }
        if incident.alarms.len() >= MAX_LINKED_ALARMS {
            return Outcome::Refused(format!("incident {id} already has {MAX_LINKED_ALARMS} alarms linked"));
        }
        incident.alarms.push(alarm);
        incident.narrative.push(Entry { by: by.into(), time, text: format!("alarm {alarm} linked") });
        self.mark(id);
        Outcome::Applied
    }

    /// Closes it; returns the units that were still working it.
    pub fn close(
        &mut self,
        id: IncidentId,
        disposition: Disposition,
        note: &str,
        by: &str,
        time: Millis,
    ) -> Result<Vec<DeviceId>, Outcome> {
        if note.len() > MAX_TEXT {
            return Err(Outcome::Refused(format!("a note over {MAX_TEXT} bytes")));
        }
        let incident = self.open_one(id)?;
        incident.state = IncidentState::Closed;
        incident.disposition = Some(disposition);
        incident.steps.push(Step { milestone: Milestone::Closed, by: by.into(), time, note: note.into() });
        let units = std::mem::take(&mut incident.active);
        self.mark(id);
        Ok(units)
    }

    fn mark(&mut self, id: IncidentId) {
        let slot = id as u32 - 1;
        if self.incidents[slot as usize].state.is_open() {
            self.open.insert(id);
        } else {
            self.open.remove(&id);
        }
        if !std::mem::replace(&mut self.changed[slot as usize], true) {
            self.changes.push(slot);
        }
    }
}
