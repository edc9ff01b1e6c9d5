//! The hub's wire protocol: JSON text frames over a WebSocket, one message a frame, tagged by
//! `type`. A seat sends [`ToHub`] (a login first, then commands), the hub sends [`FromHub`]
//! (a welcome or a refusal, the world as of a sequence number, every applied batch in order,
//! replies to commands). [`VERSION`] is sent at login; a hub refuses a version it does not
//! speak, so an old seat fails clearly instead of misreading.

use serde::{Deserialize, Serialize};

use crate::model::calls::is_number;
use crate::model::{Command, Event, Millis, Role, MAX_NOTE};
use crate::world::Saved;

/// The protocol version this build speaks.
pub const VERSION: u32 = 1;

/// Largest message a seat may send, in bytes: a zone edit of `model::zones::MAX_POINTS`
/// corners fits (a login or any other command is far smaller).
pub const MAX_SEAT_MESSAGE: usize = 256 * 1024;

/// Largest message a seat accepts from the hub (the world of a national hub is the largest).
pub const MAX_HUB_MESSAGE: usize = 512 * 1024 * 1024;

/// What a seat sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToHub {
    /// The first message: who, from which seat, and where its stream should start.
    Login { version: u32, user: String, password: String, seat: String, want: Want },
    /// A command for the world; the hub answers with a [`FromHub::Reply`] of the same id.
    /// Only a desk's commands can be read here (see [`desk_command`]).
    Command {
        id: u64,
        #[serde(deserialize_with = "desk_command")]
        command: Command,
    },
    /// The seat is leaving (journaled as a logout).
    Logout,
}

/// Where a seat's stream starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Want {
    /// The world as it stands, then every batch after it.
    World,
    /// Every batch after this sequence number (a seat coming back); the world instead when the
    /// hub no longer holds them all.
    After(u64),
    /// No stream: a script that only sends commands.
    Nothing,
}

/// A person logged in at a seat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Present {
    pub user: String,
    pub role: Role,
    pub seat: String,
    /// When they logged in.
    pub since: Millis,
    /// Their organisation node (none: the whole tree).
    #[serde(default)]
    pub node: Option<String>,
}

/// What the hub sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromHub {
    /// The login was taken: who the hub knows the seat as, and the last sequence applied.
    /// `present`: who is logged in at which seat now (the seat itself among them); the list
    /// comes again in a [`FromHub::Presence`] each time it changes.
    Welcome {
        version: u32,
        user: String,
        role: Role,
        org: Option<String>,
        seq: u64,
        #[serde(default)]
        present: Vec<Present>,
    },
    /// The login was refused; the connection closes after this. `retry`: the hub could not
    /// check it now (busy, stopping), not a wrong login.
    LoginRefused { reason: String, retry: bool },
    /// The world after sequence number `seq`: what a seat starts from (or starts again from
    /// when it fell behind).
    World {
        seq: u64,
        #[serde(flatten)]
        world: Box<Saved>,
    },
    /// Applied events, numbered from `first_seq`; `refused` lists the events (by index in
    /// `events`) the world recorded but did not carry out, with the reason.
    Batch { first_seq: u64, events: Vec<Event>, refused: Vec<(u32, String)> },
    /// The answer to a seat's command: the sequence number it was journaled as, and the
    /// reason when it was refused.
    Reply { id: u64, seq: Option<u64>, refused: Option<String> },
    /// The hub is closing this seat's connection, and why.
    Closing { reason: String },
    /// Who is logged in at which seat, sent whenever it changes.
    Presence { present: Vec<Present> },
}

/// Longest unit id a seat may name, in bytes (as a feed's device id).
pub const MAX_UNIT_ID: usize = 64;

/// Reads a command a seat may send: a desk's own (acknowledge, dispatch, resolve, false alarm,
/// status, close, reopen, unassign, place, answer and classify a call, block and unblock a
/// number, open and work an incident (and link an alarm to it), move a unit up to a post, save or drop an operation plan,
/// edit the zones),
/// with its unit id, note, post and plan within their limits (places on the globe).
/// Anything else (a roster change, a repair record, a session record, a refusal) is not a
/// message a seat can send at all, so it is never journaled as one.
fn desk_command<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Command, D::Error> {
    use serde::de::Error;
    let command = Command::deserialize(deserializer)?;
    let unit = match &command {
        Command::Acknowledge { .. }
        | Command::Resolve { .. }
        | Command::FalseAlarm { .. }
        | Command::Reopen { .. }
        | Command::Unassign { .. }
        | Command::Place { .. } => None,
        Command::Dispatch { unit, .. } | Command::SetStatus { unit, .. } => Some(unit),
        Command::Close { note, .. } if note.len() > MAX_NOTE => {
            return Err(D::Error::custom(format!("a note over {MAX_NOTE} bytes")))
        }
        Command::Close { .. } | Command::Answer { .. } | Command::Classify { .. } | Command::Unblock { .. } => None,
        Command::OpenIncidentWithCaller { caller_name, .. }
            if caller_name.len() > crate::model::incidents::MAX_NAME =>
        {
            return Err(D::Error::custom(format!("a caller's name over {} bytes", crate::model::incidents::MAX_NAME)))
        }
        Command::OpenIncident { .. }
        | Command::OpenIncidentWithCaller { .. }
        | Command::LinkAlarm { .. }
        | Command::AttachCall { .. }
        | Command::IncidentProgress { .. }
        | Command::IncidentNote { .. }
        | Command::CloseIncident { .. } => None,
        Command::DispatchIncident { unit, .. } => Some(unit),
        Command::MoveUp { unit, post, lon, lat } if post.len() > MAX_NOTE || !crate::crs::on_globe(*lon, *lat) => {
            return Err(D::Error::custom(format!(
                "a move-up to {unit:?} needs a post name under {MAX_NOTE} bytes on the globe"
            )))
        }
        Command::MoveUp { unit, .. } => Some(unit),
        Command::SavePlan { plan } => match plan.check() {
            Ok(()) => None,
            Err(why) => return Err(D::Error::custom(why)),
        },
        Command::DropPlan { id } if id.len() > crate::model::plans::MAX_PLAN_NAME => {
            return Err(D::Error::custom("a plan id over 200 bytes"))
        }
        Command::DropPlan { .. } => None,
        Command::EditZones { what, .. } if what.len() > MAX_NOTE => {
            return Err(D::Error::custom(format!("a zone edit's description over {MAX_NOTE} bytes")))
        }
        Command::EditZones { changes, .. } => match crate::model::zones::check_edit(changes) {
            Ok(()) => None,
            Err(why) => return Err(D::Error::custom(why)),
        },
        Command::Block { number, reason, .. } if !is_number(number) || reason.len() > MAX_NOTE => {
            return Err(D::Error::custom(format!(
                "a block needs a caller's number and a reason under {MAX_NOTE} bytes"
            )))
        }
        Command::Block { .. } => None,
        _ => {
            return Err(D::Error::custom(
                "not a command a seat may send (the roster, repairs, records and calls' routes are the hub's)",
            ))
        }
    };
    if unit.is_some_and(|u| u.len() > MAX_UNIT_ID) {
        return Err(D::Error::custom(format!("a unit id over {MAX_UNIT_ID} bytes")));
    }
    Ok(command)
}

impl FromHub {
    /// The message as the text of a frame.
    pub fn encode(&self) -> String {
        // Every field is a string, a number, a bool or a sequence of them: this cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl ToHub {
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a seat's message; the error says why it cannot be read.
    pub fn decode(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

/// One applied event as a line for scripts (`pantau watch`): the event's own fields with its
/// sequence number and kind, and for commands and calls the outcome.
pub fn event_line(seq: u64, event: &Event, refused: Option<&str>) -> serde_json::Value {
    let mut line = serde_json::Map::new();
    line.insert("seq".into(), seq.into());
    let kind = match event {
        Event::Position { .. } => "position",
        Event::Alarm { .. } => "alarm",
        Event::Command { .. } => "command",
        Event::Call { .. } => "call",
        Event::CallerLocation { .. } => "caller_location",
    };
    line.insert("kind".into(), kind.into());
    if let Ok(serde_json::Value::Object(tagged)) = serde_json::to_value(event) {
        for (_, fields) in tagged {
            if let serde_json::Value::Object(fields) = fields {
                // An alarm's own kind (`sos`, `panic`) is `alarm_kind`: `kind` is the event's.
                line.extend(
                    fields.into_iter().map(|(k, v)| if k == "kind" { ("alarm_kind".into(), v) } else { (k, v) }),
                );
            }
        }
    }
    if !matches!(event, Event::Position { .. } | Event::Alarm { .. }) {
        line.insert("outcome".into(), if refused.is_some() { "refused" } else { "applied" }.into());
        if let Some(reason) = refused {
            line.insert("reason".into(), reason.into());
        }
    }
    serde_json::Value::Object(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_command(command: serde_json::Value) -> Result<Command, String> {
        let text = serde_json::json!({"type": "command", "id": 1, "command": command}).to_string();
        match ToHub::decode(&text)? {
            ToHub::Command { command, .. } => Ok(command),
            other => Err(format!("not a command: {other:?}")),
        }
    }

    #[test]
    fn a_move_up_is_read_with_its_post_on_the_globe_and_its_names_within_limits() {
        let up = |unit: &str, post: &str, lon: f64, lat: f64| {
            decode_command(serde_json::json!({"move_up": {"unit": unit, "post": post, "lon": lon, "lat": lat}}))
        };
        assert!(matches!(up("demo-0001", "Polsek Tengah", 109.0, -5.2), Ok(Command::MoveUp { .. })));
        assert!(up("demo-0001", "Polsek Tengah", 190.0, -5.2).is_err_and(|e| e.contains("on the globe")));
        assert!(up("demo-0001", "Polsek Tengah", 109.0, -95.0).is_err());
        assert!(up("demo-0001", &"p".repeat(MAX_NOTE + 1), 109.0, -5.2).is_err());
        assert!(up(&"u".repeat(MAX_UNIT_ID + 1), "Polsek", 109.0, -5.2).is_err_and(|e| e.contains("unit id")));
        // JSON has no NaN: a string where the number goes is refused by the reader.
        let text = r#"{"move_up": {"unit": "u", "post": "p", "lon": "NaN", "lat": 0}}"#;
        assert!(decode_command(serde_json::from_str(text).expect("json")).is_err());
    }

    #[test]
    fn a_zone_edit_is_read_within_its_limits() {
        let square = |corners: usize| {
            let mut ring: Vec<[f64; 2]> = (0..corners)
                .map(|i| [106.8 + 0.01 * (i as f64 / corners as f64), -6.2 + (i % 2) as f64 * 0.01])
                .collect();
            ring.push(ring[0]);
            serde_json::json!({"put": {"code": "r1", "name": "R1", "level": 8, "node": null, "station": null, "units": [],
                "polygon": [{"exterior": ring.iter().map(|c| serde_json::json!({"x": c[0], "y": c[1]})).collect::<Vec<_>>(), "interiors": []}]}})
        };
        let edit = |changes: Vec<serde_json::Value>| {
            decode_command(serde_json::json!({"edit_zones": {"what": "w", "changes": changes}}))
        };
        assert!(matches!(edit(vec![square(4)]), Ok(Command::EditZones { .. })));
        let many = crate::model::zones::MAX_POINTS + 10;
        assert!(edit(vec![square(many)]).is_err_and(|e| e.contains("corners")));
        assert!(edit(vec![]).is_err_and(|e| e.contains("1 to")));
        let removals: Vec<_> = (0..=crate::model::zones::MAX_CHANGES)
            .map(|i| serde_json::json!({"remove": {"code": format!("z{i}")}}))
            .collect();
        assert!(edit(removals).is_err());
        assert!(
            edit(vec![serde_json::json!({"remove": {"code": "bad\u{0007}"}})]).is_err_and(|e| e.contains("control"))
        );
    }
}
