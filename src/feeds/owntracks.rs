//! OwnTracks location messages (`{"_type":"location","lat":..,"lon":..,"tst":..}`), the phone
//! tracking convention used over MQTT (`owntracks/<user>/<device>`). Other message types are
//! not positions and are ignored.

use serde_json::Value;

use crate::crs::geodesy::{kmh_to_mps, mps_to_kmh};
use crate::model::{Event, FeedKind, Fix};

/// A location message -> a position of the device named by the topic's last segment.
/// `Ok(None)` for messages that are not locations (`transition`, `lwt`, ...).
pub fn parse(topic: &str, payload: &[u8]) -> Result<Option<Event>, String> {
    let device = topic.rsplit('/').next().filter(|d| !d.is_empty()).ok_or("topic without a device")?;
    let v: Value = serde_json::from_slice(payload).map_err(|e| format!("not JSON: {e}"))?;
    if v["_type"].as_str() != Some("location") {
        return Ok(None);
    }
    let (Some(lat), Some(lon)) = (v["lat"].as_f64(), v["lon"].as_f64()) else {
        return Err("location without lat/lon".into());
    };
    let tst = v["tst"].as_i64().ok_or("location without tst")?;
    let fix = Fix {
        time: tst.checked_mul(1000).ok_or("tst out of range")?,
        lon,
        lat,
        speed: v["vel"].as_f64().map(|kmh| kmh_to_mps(kmh) as f32),
        heading: v["cog"].as_f64().map(|c| c as f32),
        accuracy: v["acc"].as_f64().map(|a| a as f32),
    };
    Ok(Some(Event::Position { device: device.to_string(), fix, feed: FeedKind::Mqtt }))
}

/// The OwnTracks location message for a fix, as a phone would publish it (speed in km/h).
pub fn encode(fix: &Fix) -> String {
    serde_json::json!({
        "_type": "location",
        "lat": fix.lat,
        "lon": fix.lon,
        "tst": fix.time / 1000,
        "vel": fix.speed.map(|s| mps_to_kmh(f64::from(s)).round()),
        "cog": fix.heading.map(|h| h.round()),
        "acc": fix.accuracy.map(|a| a.round()),
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owntracks_location() {
        let payload = br#"{"_type":"location","tid":"17","lat":-6.1754,"lon":106.8272,"tst":1717000000,"acc":8,"vel":42,"cog":270,"batt":77,"bs":1,"t":"u"}"#;
        let e = parse("owntracks/polres-jakpus/unit-017", payload).expect("ok").expect("location");
        match e {
            Event::Position { device, fix, .. } => {
                assert_eq!(device, "unit-017");
                assert_eq!(fix.time, 1_717_000_000_000);
                assert!((fix.speed.unwrap_or(0.0) - 11.666_667).abs() < 1e-4);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_messages_and_garbage() {
        assert_eq!(parse("owntracks/u/d", br#"{"_type":"lwt","tst":1}"#), Ok(None));
        assert!(parse("owntracks/u/d", b"nope").is_err());
        assert!(parse("owntracks/u/d", br#"{"_type":"location","lat":1}"#).is_err());
    }
}
