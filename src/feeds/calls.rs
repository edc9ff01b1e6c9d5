//! The telephony and location API of the 110 centre:
//! - `POST /calls` from the PBX or CTI bridge: `{"call", "event": "ringing"|"answered"|"ended",
//!   "number", "time"?, "trunk"?, "channel"?, "token"?}`;
//! - `POST /aml` with the body of AML's HTTPS transport (ETSI TS 103 625: form fields
//!   `device_number`, `location_latitude`, `location_longitude`, `location_time`,
//!   `location_accuracy`, `location_source`, `location_certainty`, ...);
//! - `POST /sms` with `{"number", "sms", "id"?, "token"?}` for an SMS the gateway received; an
//!   AML SMS (`A"ML=1;lt=..;lg=..;rd=..;top=..;lc=..;pm=..;...`) becomes the caller's location,
//!   any other is a message to 110;
//! - `POST /messages` with `{"channel", "from", "text", "id"?, "token"?}` for messages on
//!   WhatsApp, the app, email or social media; a message waits for a call taker like a call.
//!
//! Every field is checked and a bad one is refused by name. (The `aml-lib` crate reads the
//! same formats but leniently, leaving a bad field empty; a centre must know which field was
//! wrong, so the few fields are read here.)

use std::collections::HashMap;

use serde::Deserialize;

use super::osmand::parse_timestamp;
use crate::model::calls::{is_number, AmlTransport, FixMethod, MAX_CALL_FIELD, MAX_MESSAGE};
use crate::model::{CallPhase, CallerLocation, Channel, Event, Millis};

/// Tokens of the telephony are checked under names of their own, apart from the devices':
/// `110:TRUNK` for a bridge's trunk (`110:pbx` when it names none), `110:aml` and `110:sms` for
/// the location endpoints. A device's token never opens them.
pub const TOKEN_PREFIX: &str = "110:";
pub const BRIDGE: &str = "110:pbx";
pub const AML_HTTPS: &str = "110:aml";
pub const SMS_GATEWAY: &str = "110:sms";
pub const MESSAGES: &str = "110:messages";
/// Trunk names that would share the other endpoints' tokens.
const RESERVED_TRUNKS: [&str; 3] = ["aml", "sms", "messages"];
/// Told apart messages without an id that one sender sends within one millisecond.
static MESSAGES_READ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A bridge's time further than this before the receive time (or a minute after it) is not
/// believed: the call is timed as received (a PBX with a wrong clock must not lose calls).
pub const MAX_BRIDGE_LAG_MS: Millis = 3_600_000;
/// A caller's location older than this when it arrives is refused: it is not where they are.
pub const MAX_LOCATION_AGE_MS: Millis = 30 * 60_000;
/// Grace for clocks a little ahead, milliseconds.
const FUTURE_GRACE_MS: Millis = 60_000;

/// Largest radius a location may claim, metres: beyond it, it says nothing useful.
pub const MAX_RADIUS_M: f32 = 100_000.0;

/// An event read from a request, with the device its token is checked under and the token.
pub struct Read {
    pub device: String,
    pub token: Option<String>,
    pub event: Event,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallBody {
    call: String,
    event: CallPhase,
    number: String,
    time: Option<serde_json::Value>,
    trunk: Option<String>,
    channel: Option<Channel>,
    token: Option<String>,
}

/// Reads a `POST /calls` body received at `now`.
pub fn parse_call(body: &[u8], now: Millis) -> Result<Read, String> {
    let b: CallBody = serde_json::from_slice(body).map_err(|e| format!("bad call JSON: {e}"))?;
    let call = field("call", &b.call)?;
    let number = number(&b.number)?;
    let trunk = b.trunk.as_deref().map(|t| field("trunk", t)).transpose()?;
    if let Some(reserved) = trunk.as_deref().filter(|t| RESERVED_TRUNKS.contains(t)) {
        return Err(format!(
            "trunk: {reserved} names the location and message endpoints' tokens; call the trunk otherwise"
        ));
    }
    let time = match &b.time {
        None => now,
        Some(serde_json::Value::String(s)) => parse_timestamp(s).map_err(|e| format!("time: {e}"))?,
        Some(serde_json::Value::Number(n)) => parse_timestamp(&n.to_string()).map_err(|e| format!("time: {e}"))?,
        Some(other) => return Err(format!("time: {other} is neither ISO-8601 nor epoch milliseconds")),
    };
    let believed = (now.saturating_sub(MAX_BRIDGE_LAG_MS)..=now.saturating_add(FUTURE_GRACE_MS)).contains(&time);
    let time = if believed { time } else { now };
    let device = trunk.as_ref().map_or_else(|| BRIDGE.to_string(), |t| format!("{TOKEN_PREFIX}{t}"));
    let channel = b.channel.unwrap_or_default();
    let event = Event::Call { call, phase: b.event, number, channel, trunk, time, text: None };
    Ok(Read { device, token: b.token, event })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SmsBody {
    number: String,
    sms: String,
    /// The gateway's id for the message (a resend with it is the same message).
    id: Option<String>,
    token: Option<String>,
}

/// Reads a `POST /sms` body: an AML SMS from a caller's phone becomes their location; any
/// other SMS to 110 is a message that waits for a call taker like a call.
pub fn parse_sms(body: &[u8], now: Millis) -> Result<Read, String> {
    let b: SmsBody = serde_json::from_slice(body).map_err(|e| format!("bad SMS JSON: {e}"))?;
    let number = caller(&b.number)?;
    if !b.sms.trim_start().starts_with("A\"ML=") {
        let event = message(Channel::Sms, number, &b.sms, b.id.as_deref(), now)?;
        return Ok(Read { device: SMS_GATEWAY.into(), token: b.token, event });
    }
    let location = aml_sms(&b.sms, now)?;
    Ok(Read { device: SMS_GATEWAY.into(), token: b.token, event: Event::CallerLocation { number, location } })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageBody {
    channel: Channel,
    from: String,
    text: String,
    id: Option<String>,
    token: Option<String>,
}

/// Reads a `POST /messages` body: a message to 110 on WhatsApp, the app, email or social
/// media (or SMS), from a number, or for email and social media a handle.
pub fn parse_message(body: &[u8], now: Millis) -> Result<Read, String> {
    let b: MessageBody = serde_json::from_slice(body).map_err(|e| format!("bad message JSON: {e}"))?;
    let from = match b.channel {
        Channel::Email | Channel::Social | Channel::App if !is_number(&b.from) => field("from", &b.from)?,
        Channel::Sms | Channel::Whatsapp | Channel::Email | Channel::Social | Channel::App => {
            caller(&b.from).map_err(|e| e.replacen("number:", "from:", 1))?
        }
        other => return Err(format!("channel: {other:?} is a call's, not a message's").to_lowercase()),
    };
    let event = message(b.channel, from, &b.text, b.id.as_deref(), now)?;
    Ok(Read { device: MESSAGES.into(), token: b.token, event })
}

/// A message as a call that waits for a call taker: its id the sender's (or made from the
/// sender and the time), its text kept.
fn message(channel: Channel, from: String, text: &str, id: Option<&str>, now: Millis) -> Result<Event, String> {
    if text.trim().is_empty() || text.len() > MAX_MESSAGE {
        return Err(format!("text: must be 1 to {MAX_MESSAGE} bytes"));
    }
    let call = match id {
        Some(id) => field("id", id)?,
        None => format!("{from}@{now}#{}", MESSAGES_READ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
    };
    let text = Some(text.chars().filter(|c| !c.is_control() || *c == '\n').collect());
    Ok(Event::Call { call, phase: CallPhase::Ringing, number: from, channel, trunk: None, time: now, text })
}

/// Reads an AML SMS: `A"ML=1` then `key=value` pairs split by `;`.
pub fn aml_sms(text: &str, now: Millis) -> Result<CallerLocation, String> {
    let text = text.trim();
    if !text.starts_with("A\"ML=") {
        return Err("A\"ML: missing (not an AML message)".into());
    }
    let mut pairs = HashMap::new();
    for pair in text.split(';').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').ok_or_else(|| format!("{pair:.20}: not key=value"))?;
        if pairs.insert(key, value).is_some() {
            return Err(format!("{key:.20}: given twice"));
        }
    }
    if let Some(version) = pairs.get("A\"ML").filter(|v| **v != "1") {
        return Err(format!("A\"ML: version {version:.10} is not 1"));
    }
    let get = |key: &str| pairs.get(key).copied().ok_or_else(|| format!("{key}: missing"));
    let (lat, lon) = (latitude("lt", get("lt")?)?, longitude("lg", get("lg")?)?);
    let radius = radius("rd", get("rd")?)?;
    let time = aml_time("top", get("top")?, now)?;
    let confidence = pairs.get("lc").map(|v| percent("lc", v)).transpose()?;
    let method = match pairs.get("pm").copied() {
        Some("G") => FixMethod::Gnss,
        Some("W") => FixMethod::Wifi,
        Some("C") => FixMethod::Cell,
        Some("N") | None => FixMethod::Other,
        Some(other) => return Err(format!("pm: {other:.10} is not G, W, C or N")),
    };
    for key in ["si", "ei", "mcc", "mnc", "ml"] {
        if let Some(value) = pairs.get(key) {
            if value.is_empty() || value.len() > 20 || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("{key}: {value:.24} is not a number"));
            }
        }
    }
    Ok(CallerLocation { lon, lat, radius, time, method, confidence, transport: AmlTransport::Sms })
}

/// Reads AML's HTTPS transport (a form-encoded body): the caller's number and location.
pub fn parse_aml_https(body: &[u8], now: Millis) -> Result<Read, String> {
    let mut fields = HashMap::new();
    for (key, value) in form_urlencoded::parse(body) {
        if fields.insert(key.clone(), value).is_some() {
            return Err(format!("{key:.40}: given twice"));
        }
    }
    let get = |key: &str| fields.get(key).map(|v| v.as_ref()).ok_or_else(|| format!("{key}: missing"));
    let number = caller(get("device_number")?).map_err(|e| format!("device_number: {e}"))?;
    let lat = latitude("location_latitude", get("location_latitude")?)?;
    let lon = longitude("location_longitude", get("location_longitude")?)?;
    let radius = radius("location_accuracy", get("location_accuracy")?)?;
    let millis = get("location_time")?;
    let time = millis
        .parse::<Millis>()
        .map_err(|_| format!("location_time: {millis:.24} is not epoch milliseconds"))
        .and_then(|t| recent("location_time", millis, t, now))?;
    let confidence = fields.get("location_certainty").map(|v| percent("location_certainty", v)).transpose()?;
    let method = match fields.get("location_source").map(|s| s.to_ascii_uppercase()).as_deref() {
        Some("GPS" | "GNSS") => FixMethod::Gnss,
        Some("WIFI") => FixMethod::Wifi,
        Some("CELL") => FixMethod::Cell,
        _ => FixMethod::Other,
    };
    let token = fields.get("token").map(|t| t.to_string());
    let location = CallerLocation { lon, lat, radius, time, method, confidence, transport: AmlTransport::Https };
    Ok(Read { device: AML_HTTPS.into(), token, event: Event::CallerLocation { number, location } })
}

/// An id field of a call (the bridge's call id, a trunk): 1 to 64 visible ASCII characters.
fn field(name: &str, value: &str) -> Result<String, String> {
    if value.is_empty() || value.len() > MAX_CALL_FIELD || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("{name}: must be 1 to {MAX_CALL_FIELD} visible ASCII characters"));
    }
    Ok(value.to_string())
}

/// The number a location came from: a location names its caller, so a withheld number is
/// refused (it would join whichever anonymous call rang last).
fn caller(value: &str) -> Result<String, String> {
    match number(value)?.as_str() {
        "anonymous" => Err("number: a location from a withheld number cannot be matched to its call".into()),
        known => Ok(known.to_string()),
    }
}

/// A location's time: not older than [`MAX_LOCATION_AGE_MS`], not in the future.
fn recent(name: &str, shown: &str, time: Millis, now: Millis) -> Result<Millis, String> {
    if time > now.saturating_add(FUTURE_GRACE_MS) {
        return Err(format!("{name}: {shown:.24} is in the future"));
    }
    if time < now.saturating_sub(MAX_LOCATION_AGE_MS) {
        return Err(format!("{name}: {shown:.24} is over {} minutes old", MAX_LOCATION_AGE_MS / 60_000));
    }
    Ok(time)
}

/// A caller's number: digits with an optional leading `+` (up to 32), or `anonymous` when the
/// network withheld it.
fn number(value: &str) -> Result<String, String> {
    if !is_number(value) {
        return Err(format!("number: {value:.40} is not digits (with an optional +) or \"anonymous\""));
    }
    Ok(value.to_string())
}

fn decimal(name: &str, value: &str, range: std::ops::RangeInclusive<f64>) -> Result<f64, String> {
    let parsed = value.strip_prefix('+').unwrap_or(value).parse::<f64>().ok();
    parsed
        .filter(|v| v.is_finite() && range.contains(v))
        .ok_or_else(|| format!("{name}: {value:.24} is not a number from {} to {}", range.start(), range.end()))
}

fn latitude(name: &str, value: &str) -> Result<f64, String> {
    decimal(name, value, -90.0..=90.0)
}

fn longitude(name: &str, value: &str) -> Result<f64, String> {
    decimal(name, value, -180.0..=180.0)
}

fn radius(name: &str, value: &str) -> Result<f32, String> {
    decimal(name, value, 0.0..=f64::from(MAX_RADIUS_M)).map(|r| r as f32)
}

fn percent(name: &str, value: &str) -> Result<u8, String> {
    value.parse::<u8>().ok().filter(|p| *p <= 100).ok_or_else(|| format!("{name}: {value:.10} is not 0-100"))
}

/// AML's time of positioning, `YYYYMMDDhhmmss` in UTC, recent (see [`recent`]).
fn aml_time(name: &str, value: &str, now: Millis) -> Result<Millis, String> {
    let parsed = chrono::NaiveDateTime::parse_from_str(value, "%Y%m%d%H%M%S")
        .map_err(|_| format!("{name}: {value:.20} is not YYYYMMDDhhmmss"))?;
    recent(name, value, parsed.and_utc().timestamp_millis(), now)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-01T10:00:05Z.
    const NOW: Millis = 1_796_119_205_000;
    const SMS: &str = "A\"ML=1;lt=-6.17539;lg=+106.82715;rd=12;top=20261201100000;lc=68;pm=G;si=510101234567890;ei=353472104343540;mcc=510;mnc=10;ml=128";

    #[test]
    fn an_aml_sms_is_read_field_by_field() {
        let location = aml_sms(SMS, NOW).expect("AML SMS");
        assert_eq!((location.lat, location.lon, location.radius), (-6.17539, 106.82715, 12.0));
        assert_eq!(
            (location.method, location.confidence, location.transport),
            (FixMethod::Gnss, Some(68), AmlTransport::Sms)
        );
        assert_eq!(crate::model::iso8601(location.time), "2026-12-01T10:00:00.000Z");
    }

    #[test]
    fn a_bad_aml_sms_is_refused_naming_the_field() {
        let cases = [
            ("lt=-6.17539;", "lt=-96.1;", "lt:"),
            ("lg=+106.82715;", "", "lg: missing"),
            ("rd=12;", "rd=-1;", "rd:"),
            ("rd=12;", "rd=NaN;", "rd:"),
            ("top=20261201100000;", "top=2026120110;", "top:"),
            ("top=20261201100000;", "top=20991201100000;", "top: 20991201100000 is in the future"),
            ("top=20261201100000;", "top=20261201080000;", "top: 20261201080000 is over 30 minutes old"),
            ("top=20261201100000;", "top=00000101000000;", "top: 00000101000000 is over 30 minutes old"),
            ("lc=68;", "lc=101;", "lc:"),
            ("pm=G;", "pm=X;", "pm:"),
            ("mcc=510;", "mcc=5x0;", "mcc:"),
            ("A\"ML=1;", "A\"ML=2;", "version 2"),
            ("A\"ML=1;", "", "A\"ML: missing"),
            ("lc=68;", "lc=68;lc=70;", "lc: given twice"),
            ("lc=68;", "lc68;", "not key=value"),
        ];
        for (from, to, said) in cases {
            let bad = SMS.replacen(from, to, 1);
            let refused = aml_sms(&bad, NOW).expect_err(&bad);
            assert!(refused.contains(said), "{bad}: {refused}");
        }
        assert!(aml_sms("", NOW).is_err() && aml_sms("A\"ML=1;lt=é;lg=ü", NOW).is_err());
    }

    #[test]
    fn aml_over_https_is_read_field_by_field() {
        let body = format!(
            "v=3&device_number=%2B6281234567890&location_latitude=-6.2&location_longitude=106.8&location_time={}&location_accuracy=10.4&location_source=GPS&location_certainty=83&device_imei=354773072099116",
            NOW - 5_000
        );
        let read = parse_aml_https(body.as_bytes(), NOW).expect("AML over HTTPS");
        let Event::CallerLocation { number, location } = read.event else { panic!("not a location") };
        assert_eq!((number.as_str(), location.lat, location.radius), ("+6281234567890", -6.2, 10.4));
        assert_eq!((location.method, location.confidence, location.time), (FixMethod::Gnss, Some(83), NOW - 5_000));
        for (from, to, said) in [
            ("%2B6281234567890", "%2B62x", "device_number:"),
            ("location_latitude=-6.2", "location_latitude=", "location_latitude:"),
            ("location_longitude=106.8", "location_longitude=181", "location_longitude:"),
            ("location_accuracy=10.4", "location_accuracy=inf", "location_accuracy:"),
            ("location_certainty=83", "location_certainty=300", "location_certainty:"),
            ("&location_time=", "&location_time=99999999999999&x=", "location_time:"),
            ("&location_time=", "&location_time=-9223372036854775808&x=", "location_time:"),
            ("%2B6281234567890", "anonymous", "withheld"),
        ] {
            let bad = body.replacen(from, to, 1);
            let refused = parse_aml_https(bad.as_bytes(), NOW).err().unwrap_or_default();
            assert!(refused.contains(said), "{bad}: {refused:?}");
        }
        assert!(parse_aml_https(b"device_number=1&device_number=2", NOW).is_err_and(|e| e.contains("given twice")));
    }

    #[test]
    fn an_sms_that_is_not_aml_and_a_message_wait_as_calls_with_their_text() {
        let read = parse_sms(br#"{"number":"+6281","sms":"tolong\u0007 ada kecelakaan\nJl. A"}"#, NOW).expect("an SMS");
        let Event::Call { channel, text, phase, call, .. } = read.event else { panic!("not a call") };
        assert_eq!(
            (channel, phase, text.as_deref()),
            (Channel::Sms, CallPhase::Ringing, Some("tolong ada kecelakaan\nJl. A"))
        );
        assert!(call.starts_with(&format!("+6281@{NOW}#")), "made from the sender and the time without an id: {call}");
        let again = parse_sms(br#"{"number":"+6281","sms":"lagi"}"#, NOW).expect("an SMS");
        assert!(
            matches!(again.event, Event::Call { call: ref other, .. } if *other != call),
            "two in one millisecond are two"
        );
        let email = parse_message(br#"{"channel":"email","from":"warga@example.id","text":"x","id":"m-1"}"#, NOW)
            .expect("an email");
        assert!(
            matches!(email.event, Event::Call { channel: Channel::Email, ref number, ref call, .. } if number == "warga@example.id" && call == "m-1")
        );
        assert_eq!(email.device, MESSAGES);
        let long = format!(r#"{{"channel":"app","from":"+6281","text":"{}"}}"#, "x".repeat(MAX_MESSAGE + 1));
        assert!(parse_message(long.as_bytes(), NOW).is_err_and(|e| e.starts_with("text:")));
        assert!(parse_message(br#"{"channel":"panic","from":"+6281","text":"x"}"#, NOW)
            .is_err_and(|e| e.starts_with("channel:")));
    }

    #[test]
    fn calls_from_the_bridge_are_checked() {
        let body = br#"{"call":"c-1","event":"ringing","number":"+628123","trunk":"e1-0","time":1796119200000}"#;
        let read = parse_call(body, NOW).expect("a call");
        assert_eq!(read.device, "110:e1-0", "a trunk's token is apart from the devices'");
        assert!(matches!(read.event, Event::Call { phase: CallPhase::Ringing, time: 1_796_119_200_000, .. }));
        let plain = parse_call(br#"{"call":"c-2","event":"ended","number":"anonymous"}"#, NOW).expect("a call");
        assert_eq!(plain.device, BRIDGE);
        for wrong in ["0", "9223372036854775807", "\"0000-01-01T00:00:00Z\""] {
            let body = format!(r#"{{"call":"c","event":"ringing","number":"1","time":{wrong}}}"#);
            let read = parse_call(body.as_bytes(), NOW).expect("a call with a wrong clock is kept");
            assert!(matches!(read.event, Event::Call { time: NOW, .. }), "timed as received: {wrong}");
        }
        for (body, said) in [
            (r#"{"call":"","event":"ringing","number":"1"}"#, "call:"),
            (r#"{"call":"c","event":"ringing","number":"12a"}"#, "number:"),
            (r#"{"call":"c","event":"rung","number":"1"}"#, "bad call JSON"),
            (r#"{"call":"c","event":"ringing","number":"1","time":"yesterday"}"#, "time:"),
            (r#"{"call":"c","event":"ringing","number":"1","trunk":"a\nb"}"#, "trunk:"),
            (r#"{"call":"c\u202e","event":"ringing","number":"1"}"#, "call:"),
            (r#"{"call":"c","event":"ringing","number":"1","trunk":"sms"}"#, "trunk: sms"),
            (r#"{"call":"c","event":"ringing","number":"1","extra":1}"#, "unknown field"),
        ] {
            let refused = parse_call(body.as_bytes(), NOW).err().unwrap_or_default();
            assert!(refused.contains(said), "{body}: {refused:?}");
        }
    }
}
