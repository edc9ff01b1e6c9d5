//! Traccar's JSON forwarding: position forwards (`{"position":..,"device":..}`) and event
//! forwards (`{"event":..,"position":..,"device":..}`), so a Traccar gateway brings its 200+
//! device protocols in one step. The device is identified by its `uniqueId`; an `alarm`
//! attribute (position) or an `alarm` event raises a pantau alarm.

use serde_json::Value;

use super::osmand::parse_timestamp;
use crate::crs::geodesy::knots_to_mps;
use crate::model::{AlarmNotes, Event, FeedKind, Fix};

/// One forwarded message -> the device and its event.
pub fn parse(body: &[u8]) -> Result<(String, Event), String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let device =
        v["device"]["uniqueId"].as_str().filter(|d| !d.is_empty()).ok_or("missing device.uniqueId")?.to_string();
    let position = &v["position"];
    let fix = if position.is_object() { position_fix(position)? } else { None };
    let event = &v["event"];
    let alarm = if event.is_object() {
        (event["type"].as_str() == Some("alarm"))
            .then(|| event["attributes"]["alarm"].as_str().unwrap_or("general").to_string())
    } else {
        position["attributes"]["alarm"].as_str().map(str::to_string)
    };
    let out = match (alarm, fix) {
        (Some(kind), fix) => {
            let time = match event["eventTime"].as_str() {
                Some(t) => parse_timestamp(t)?,
                None => fix.map_or_else(crate::model::now_millis, |f| f.time),
            };
            Event::Alarm {
                device: device.clone(),
                kind,
                fix,
                priority: 1,
                time,
                feed: FeedKind::Traccar,
                notes: AlarmNotes::default(),
            }
        }
        (None, Some(fix)) => Event::Position { device: device.clone(), fix, feed: FeedKind::Traccar },
        (None, None) if event.is_object() => return Err(format!("event type {:?} is not handled", event["type"])),
        (None, None) => return Err("no valid position".into()),
    };
    Ok((device, out))
}

fn position_fix(p: &Value) -> Result<Option<Fix>, String> {
    if p["valid"].as_bool() == Some(false) {
        return Ok(None);
    }
    let (Some(lat), Some(lon)) = (p["latitude"].as_f64(), p["longitude"].as_f64()) else { return Ok(None) };
    let time = p["fixTime"].as_str().or(p["deviceTime"].as_str()).ok_or("position without fixTime")?;
    Ok(Some(Fix {
        time: parse_timestamp(time)?,
        lon,
        lat,
        speed: p["speed"].as_f64().map(|s| knots_to_mps(s) as f32),
        heading: p["course"].as_f64().map(|c| c as f32),
        accuracy: p["accuracy"].as_f64().filter(|a| *a > 0.0).map(|a| a as f32),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOS_EVENT: &str = r#"{"event":{"id":4711,"attributes":{"alarm":"sos"},"deviceId":12,"type":"alarm",
      "eventTime":"2026-08-21T03:15:07.000+00:00","positionId":99881,"geofenceId":0,"maintenanceId":0},
     "position":{"id":99881,"attributes":{"alarm":"sos","batteryLevel":87.0},"deviceId":12,"protocol":"osmand",
      "serverTime":"2026-08-21T03:15:08.120+00:00","deviceTime":"2026-08-21T03:15:07.000+00:00",
      "fixTime":"2026-08-21T03:15:07.000+00:00","valid":true,"latitude":-6.1754,"longitude":106.8272,
      "altitude":12.0,"speed":0.0,"course":0.0,"address":null,"accuracy":8.0,"network":null,"geofenceIds":null},
     "device":{"id":12,"attributes":{},"groupId":3,"name":"PJR-07","uniqueId":"861001000719969","status":"online"}}"#;

    #[test]
    fn sos_event_forward_becomes_an_alarm_at_its_fix() {
        let (device, event) = parse(SOS_EVENT.as_bytes()).expect("parse");
        assert_eq!(device, "861001000719969");
        match event {
            Event::Alarm { kind, fix: Some(fix), time, .. } => {
                assert_eq!((kind.as_str(), fix.lat, fix.lon), ("sos", -6.1754, 106.8272));
                assert_eq!(time, 1_787_282_107_000);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn position_forward_becomes_a_position_in_mps() {
        let body = r#"{"position":{"fixTime":"2024-05-10T10:45:34.984+00:00","valid":true,"latitude":-6.2,"longitude":106.8,"speed":10.0,"course":45.0,"attributes":{}},"device":{"uniqueId":"abc"}}"#;
        let (_, event) = parse(body.as_bytes()).expect("parse");
        match event {
            Event::Position { fix, .. } => {
                assert!((fix.speed.unwrap_or(0.0) - 5.144_44).abs() < 1e-4);
                assert_eq!(fix.time, 1_715_337_934_984);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unusable_forwards_say_why() {
        assert!(parse(b"{}").err().is_some_and(|e| e.contains("uniqueId")));
        let online = r#"{"event":{"type":"deviceOnline"},"device":{"uniqueId":"x"}}"#;
        assert!(parse(online.as_bytes()).err().is_some_and(|e| e.contains("deviceOnline")));
    }
}
