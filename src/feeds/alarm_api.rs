//! Panic alarms as JSON over HTTP (`POST /alarms`), for panic buttons, call-centre software and
//! scripts: `{"device": "bank-017", "lat": -6.2, "lon": 106.8, "kind": "panic", "priority": 1,
//! "time": "2026-11-24T10:00:00Z", "token": "...", "event_id": "..."}`. Only `device` is
//! required; `event_id` makes a retried alarm the same alarm.

use serde::Deserialize;

use super::osmand::parse_timestamp;
use crate::model::{now_millis, AlarmNotes, Event, FeedKind, Fix};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlarmBody {
    device: String,
    lat: Option<f64>,
    lon: Option<f64>,
    kind: Option<String>,
    priority: Option<u8>,
    time: Option<serde_json::Value>,
    token: Option<String>,
    /// The client's id for this alarm: a retry with the same id is not a second alarm.
    event_id: Option<String>,
}

/// Parses a body into (device, token, event).
pub fn parse(body: &[u8]) -> Result<(String, Option<String>, Event), String> {
    let b: AlarmBody = serde_json::from_slice(body).map_err(|e| format!("bad alarm JSON: {e}"))?;
    if b.device.is_empty() {
        return Err("empty device".into());
    }
    let time = match &b.time {
        None => now_millis(),
        Some(serde_json::Value::String(s)) => parse_timestamp(s)?,
        Some(serde_json::Value::Number(n)) => parse_timestamp(&n.to_string())?,
        Some(other) => return Err(format!("bad time {other}")),
    };
    let fix = match (b.lat, b.lon) {
        (Some(lat), Some(lon)) => Some(Fix { time, lon, lat, speed: None, heading: None, accuracy: None }),
        (None, None) => None,
        _ => return Err("lat and lon go together".into()),
    };
    let priority = b.priority.unwrap_or(1);
    if !(1..=5).contains(&priority) {
        return Err(format!("priority {priority} is not 1-5"));
    }
    let event = Event::Alarm {
        device: b.device.clone(),
        kind: b.kind.unwrap_or_else(|| "panic".into()),
        fix,
        priority,
        time,
        feed: FeedKind::AlarmApi,
        notes: AlarmNotes { event_id: b.event_id, ..AlarmNotes::default() },
    };
    Ok((b.device, b.token, event))
}

/// The alarm API's JSON body for an alarm (device, kind, priority and the fix's place if any).
pub fn encode(device: &str, kind: &str, priority: u8, fix: Option<&Fix>) -> String {
    let mut body = serde_json::json!({ "device": device, "kind": kind, "priority": priority });
    if let Some(f) = fix {
        body["lat"] = f.lat.into();
        body["lon"] = f.lon.into();
    }
    body.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_and_full_alarms() {
        let (d, _, e) = parse(br#"{"device":"bank-017"}"#).expect("minimal");
        assert_eq!(d, "bank-017");
        assert!(matches!(e, Event::Alarm { fix: None, priority: 1, .. }));
        let (_, token, e) =
            parse(br#"{"device":"x","lat":-6.2,"lon":106.8,"priority":2,"time":"2026-11-24T10:00:00Z","token":"t"}"#)
                .expect("full");
        assert_eq!(token.as_deref(), Some("t"));
        assert!(matches!(e, Event::Alarm { fix: Some(_), priority: 2, time: 1_795_514_400_000, .. }));
    }

    #[test]
    fn bad_alarms_say_why() {
        assert!(parse(b"{").is_err());
        assert!(parse(br#"{"device":"x","lat":1}"#).err().is_some_and(|e| e.contains("together")));
        assert!(parse(br#"{"device":"x","priority":9}"#).err().is_some_and(|e| e.contains("1-5")));
        assert!(parse(br#"{"device":"x","colour":"red"}"#).is_err());
    }
}
