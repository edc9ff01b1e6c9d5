//! 110 calls: what the telephony bridge reports (a call ringing, answered, ended), the caller's
//! location as the phone sent it (AML), where the call rang and who answered it, and how the
//! call taker classified it.

use serde::{Deserialize, Serialize};

use super::{Millis, Tier};

/// The 110 service's answer target (Kapolri, January 2026): a call answered later is late,
/// and one not answered by then moves up a tier.
pub const ANSWER_TARGET_MS: Millis = 10_000;
/// By default a call still ringing this long after it first rang is given up on (lost): its
/// end was lost on the way from the telephony bridge, for no caller waits half an hour.
pub const GIVE_UP_MS: Millis = 30 * 60_000;

/// Calls from one number within [`REPEAT_WINDOW_MS`] that flag it a repeat caller.
pub const REPEAT_CALLS: usize = 3;
pub const REPEAT_WINDOW_MS: Millis = 10 * 60_000;
/// Over [`HISTORY_MS`], at least this many classified calls of which at least two in three
/// were not valid flag a number as often invalid.
pub const INVALID_MIN_CALLS: usize = 3;
pub const HISTORY_MS: Millis = 30 * 24 * 3_600_000;
/// A number's flags are read from at most its last this many calls.
pub const HISTORY_CALLS: usize = 1_000;
/// This many silent calls in a row, the last ones classified, flag a silent streak.
pub const SILENT_STREAK: usize = 3;

/// A phone sends its AML location as the emergency call starts, so it may reach the centre
/// before the bridge says the call rings: a location up to this long before the call joins it.
pub const EARLY_LOCATION_MS: Millis = 60_000;
/// At most this many such locations wait for their calls (the oldest go first).
pub const MAX_EARLY_LOCATIONS: usize = 10_000;

/// Whether a caller's number is as the network gives it: digits with an optional leading `+`
/// (up to 32), or `anonymous` when the network withheld it.
pub fn is_number(value: &str) -> bool {
    let digits = value.strip_prefix('+').unwrap_or(value);
    value == "anonymous" || (!digits.is_empty() && value.len() <= 32 && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// A call's number in the world (1, 2, ...), given as it first rings.
pub type CallId = u64;

/// Longest telephony call id, number or trunk name taken, in bytes.
pub const MAX_CALL_FIELD: usize = 64;
/// Longest message text taken, in bytes (ten SMS parts).
pub const MAX_MESSAGE: usize = 1_600;

/// How the public reached the centre.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    #[default]
    Voice,
    Sms,
    Whatsapp,
    App,
    Email,
    Social,
    Panic,
    WalkIn,
}

/// What the telephony bridge says happened to a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallPhase {
    Ringing,
    Answered,
    Ended,
}

/// Where a call is: ringing (waiting for a call taker), answered, ended, or lost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    #[default]
    Ringing,
    Answered,
    Ended,
    /// Nobody answered it and the telephony bridge never said it ended: the switchboard gave
    /// up on it (journaled with why), so a bridge that lost its word does not leave a call
    /// ringing for good. It counts as never answered.
    Lost,
}

/// A call taker's verdict on a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// A real report or complaint: it goes on to the Polres responsible.
    Valid,
    /// Not a matter for the police (information, a wrong number).
    Invalid,
    Prank,
    /// Nobody spoke.
    Silent,
    /// The caller hung up as it was answered.
    Hangup,
}

impl Classification {
    pub const ALL: [Classification; 5] = [
        Classification::Valid,
        Classification::Invalid,
        Classification::Prank,
        Classification::Silent,
        Classification::Hangup,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Classification::Valid => "valid",
            Classification::Invalid => "invalid",
            Classification::Prank => "prank",
            Classification::Silent => "silent",
            Classification::Hangup => "hang-up",
        }
    }
}

/// How a phone found where it is (AML's positioning method).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixMethod {
    Gnss,
    Wifi,
    Cell,
    Other,
}

/// Which AML transport carried a location.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmlTransport {
    Sms,
    Https,
}

/// A caller's location as the phone sent it (Advanced Mobile Location).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallerLocation {
    pub lon: f64,
    pub lat: f64,
    /// The radius of the area the caller is in, metres.
    pub radius: f32,
    /// When the phone found it.
    pub time: Millis,
    pub method: FixMethod,
    /// The phone's confidence that the caller is inside the radius, percent.
    pub confidence: Option<u8>,
    pub transport: AmlTransport,
}

/// One place a call rang: the organisation node, since when, and why there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ring {
    pub node: String,
    pub tier: Tier,
    pub since: Millis,
    pub why: String,
}

/// A verdict, who gave it and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub class: Classification,
    pub by: String,
    pub time: Millis,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub id: CallId,
    /// The telephony bridge's id for the call.
    pub key: String,
    /// The caller's number as the network gave it.
    pub number: String,
    pub channel: Channel,
    pub trunk: Option<String>,
    pub state: CallState,
    pub rang_at: Millis,
    pub answered_at: Option<Millis>,
    /// The person who answered, when a seat did (the bridge alone does not say who).
    pub answered_by: Option<String>,
    pub ended_at: Option<Millis>,
    /// Every place it rang, in order; the last is where it rings now (none until routed).
    pub rings: Vec<Ring>,
    pub location: Option<CallerLocation>,
    pub verdict: Option<Verdict>,
    /// What the number's history says, as the call rang (a flag never drops a call).
    pub flags: Vec<Flag>,
    /// The incident it opened or joined.
    pub incident: Option<super::IncidentId>,
    /// What the sender wrote, when it came as a message.
    pub text: Option<String>,
}

/// A number on the block list: why, who put it there, since and until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberBlock {
    pub number: String,
    pub reason: String,
    pub by: String,
    pub since: Millis,
    /// None: until a commander takes it off.
    pub until: Option<Millis>,
}

impl NumberBlock {
    /// Whether it stands at `time`.
    pub fn holds_at(&self, time: Millis) -> bool {
        self.since <= time && self.until.is_none_or(|until| time < until)
    }
}

/// A rule the caller's number met as the call rang, and how.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    /// `repeat-caller`, `often-invalid` or `silent-streak`.
    pub rule: String,
    pub why: String,
}

impl Call {
    /// Waiting for a call taker: ringing and not given up by the caller.
    pub fn is_waiting(&self) -> bool {
        self.state == CallState::Ringing
    }

    /// Still needs a call taker: waiting, or answered and not yet classified.
    pub fn is_open(&self) -> bool {
        let over = matches!(self.state, CallState::Ended | CallState::Lost);
        self.verdict.is_none() && (!over || self.answered_at.is_some())
    }

    /// The node it rings at now.
    pub fn node(&self) -> Option<&str> {
        self.rings.last().map(|r| r.node.as_str())
    }

    /// The tier it rings at now.
    pub fn tier(&self) -> Option<Tier> {
        self.rings.last().map(|r| r.tier)
    }
}
