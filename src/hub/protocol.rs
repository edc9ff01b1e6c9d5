//! The hub's wire protocol: JSON text frames over a WebSocket, one message a frame, tagged by
//! `type`. A seat sends [`ToHub`] (a login first, then commands), the hub sends [`FromHub`]
//! (a welcome or a refusal, the world as of a sequence number, every applied batch in order,
//! replies to commands). [`VERSION`] is sent at login; a hub refuses a version it does not
//! speak, so an old seat fails clearly instead of misreading.

use serde::{Deserialize, Serialize};

use crate::model::{Alarm, Command, Event, Role, Unit};

/// The protocol version this build speaks.
pub const VERSION: u32 = 1;

/// Largest message a seat may send, in bytes (a login or a command is far smaller).
pub const MAX_SEAT_MESSAGE: usize = 64 * 1024;

/// Largest message a seat accepts from the hub (the world of a national hub is the largest).
pub const MAX_HUB_MESSAGE: usize = 512 * 1024 * 1024;

/// What a seat sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToHub {
    /// The first message: who, from which seat, and where its stream should start.
    Login { version: u32, user: String, password: String, seat: String, want: Want },
    /// A command for the world; the hub answers with a [`FromHub::Reply`] of the same id.
    Command { id: u64, command: Command },
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

/// What the hub sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromHub {
    /// The login was taken: who the hub knows the seat as, and the last sequence applied.
    Welcome { version: u32, user: String, role: Role, org: Option<String>, seq: u64 },
    /// The login was refused; the connection closes after this.
    LoginRefused { reason: String },
    /// The world after sequence number `seq`: what a seat starts from (or starts again from
    /// when it fell behind).
    World { seq: u64, units: Vec<Unit>, alarms: Vec<Alarm> },
    /// Applied events, numbered from `first_seq`; `refused` lists the events (by index in
    /// `events`) the world recorded but did not carry out, with the reason.
    Batch { first_seq: u64, events: Vec<Event>, refused: Vec<(u32, String)> },
    /// The answer to a seat's command: the sequence number it was journaled as, and the
    /// reason when it was refused.
    Reply { id: u64, seq: Option<u64>, refused: Option<String> },
    /// The hub is closing this seat's connection, and why.
    Closing { reason: String },
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
}

/// One applied event as a line for scripts (`pantau watch`): the event's own fields with its
/// sequence number and kind, and for commands the outcome.
pub fn event_line(seq: u64, event: &Event, refused: Option<&str>) -> serde_json::Value {
    let mut line = serde_json::Map::new();
    line.insert("seq".into(), seq.into());
    let kind = match event {
        Event::Position { .. } => "position",
        Event::Alarm { .. } => "alarm",
        Event::Command { .. } => "command",
    };
    line.insert("kind".into(), kind.into());
    if let Ok(serde_json::Value::Object(tagged)) = serde_json::to_value(event) {
        for (_, fields) in tagged {
            if let serde_json::Value::Object(fields) = fields {
                line.extend(fields);
            }
        }
    }
    if matches!(event, Event::Command { .. }) {
        line.insert("outcome".into(), if refused.is_some() { "refused" } else { "applied" }.into());
        if let Some(reason) = refused {
            line.insert("reason".into(), reason.into());
        }
    }
    serde_json::Value::Object(line)
}
