//! Alerts at the seat for officers in distress: a unit's own SOS sounds the distress alert
//! when it first shows, and while nobody acknowledges it the stronger escalation alert sounds
//! every `escalate_after_ms`. Every alert is kept in `fired` (muted or not), which is what the
//! tests check; the sounds are `ui::speaker`'s.

use std::collections::HashMap;

use crate::model::{AlarmId, AlarmState, Millis};
use crate::ops::Desk;
use crate::ui::speaker::Sound;

/// Default wait before an unacknowledged SOS escalates, and between repeats.
pub const ESCALATE_AFTER_MS: Millis = 30_000;
/// Alerts kept in [`Alerts::fired`].
const KEPT: usize = 200;

/// One alert: when, which sound, for which alarm, and whether it was heard (not muted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alert {
    pub time: Millis,
    pub sound: Sound,
    pub alarm: AlarmId,
    pub audible: bool,
}

pub struct Alerts {
    pub muted: bool,
    pub escalate_after_ms: Millis,
    pub fired: Vec<Alert>,
    /// Open officer alarms already alerted, and when each escalates next.
    next_escalation: HashMap<AlarmId, Millis>,
}

impl Default for Alerts {
    fn default() -> Self {
        Self { muted: false, escalate_after_ms: ESCALATE_AFTER_MS, fired: Vec::new(), next_escalation: HashMap::new() }
    }
}

impl Alerts {
    /// The sounds due at `now` for the desk's open officer alarms in the live world, even while
    /// a replay is on screen (none while muted, though the alerts are still recorded).
    pub fn due(&mut self, desk: &Desk, now: Millis) -> Vec<Sound> {
        let officers = desk.live_officer_alarms();
        self.next_escalation.retain(|id, _| officers.iter().any(|(open, _)| open == id));
        let mut sounds = Vec::new();
        for (alarm, state) in officers {
            let sound = match self.next_escalation.get(&alarm) {
                None => Some(Sound::Distress),
                Some(&due) if state == AlarmState::Raised && now >= due => Some(Sound::Escalation),
                Some(_) => None,
            };
            if let Some(sound) = sound {
                self.next_escalation.insert(alarm, now + self.escalate_after_ms);
                self.fired.push(Alert { time: now, sound, alarm, audible: !self.muted });
                sounds.push(sound);
            }
        }
        if self.fired.len() > KEPT {
            self.fired.drain(..self.fired.len() - KEPT);
        }
        if self.muted {
            sounds.clear();
        }
        sounds
    }
}
