//! The OsmAnd protocol as Traccar speaks it (Traccar Client, OsmAnd, many trackers): any HTTP
//! method, parameters in the query string or a form body, or a JSON body from newer clients.
//! `alarm=sos` (or any alarm value) raises an alarm; speed is in knots unless configured.

use chrono::{DateTime, NaiveDateTime};
use serde_json::Value;

use crate::crs::geodesy::{kmh_to_mps, knots_to_mps, mph_to_mps, mps_to_knots};
use crate::model::{now_millis, AlarmNotes, Event, FeedKind, Fix, Millis};

/// A parsed request: who sent it, the token they showed, and the event.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub device: String,
    pub token: Option<String>,
    pub event: Event,
}

/// Units of the `speed` parameter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpeedUnit {
    /// Traccar's default (and what Traccar Client sends).
    #[default]
    Knots,
    Kmh,
    Mps,
    Mph,
}

impl SpeedUnit {
    fn to_mps(self, v: f64) -> f64 {
        match self {
            SpeedUnit::Knots => knots_to_mps(v),
            SpeedUnit::Kmh => kmh_to_mps(v),
            SpeedUnit::Mps => v,
            SpeedUnit::Mph => mph_to_mps(v),
        }
    }
}

/// Parses query-string or form parameters (`id=..&lat=..&lon=..`).
pub fn parse_params(params: &str, speed_unit: SpeedUnit, now: Millis) -> Result<Report, String> {
    let mut device = None;
    let mut token = None;
    let (mut lat, mut lon) = (None, None);
    let mut time = None;
    let (mut speed, mut heading, mut accuracy, mut alarm) = (None, None, None, None);
    let mut valid = true;
    for (key, value) in form_urlencoded::parse(params.as_bytes()) {
        let number = || value.trim().parse::<f64>().map_err(|_| format!("{key}={value:?} is not a number"));
        match key.as_ref() {
            "id" | "deviceid" => device = Some(value.into_owned()),
            "token" => token = Some(value.into_owned()),
            "lat" => lat = Some(number()?),
            "lon" => lon = Some(number()?),
            "location" => {
                let (a, b) = value.split_once(',').ok_or_else(|| format!("location={value:?} is not lat,lon"))?;
                lat = Some(a.trim().parse().map_err(|_| format!("location={value:?}: bad latitude"))?);
                lon = Some(b.trim().parse().map_err(|_| format!("location={value:?}: bad longitude"))?);
            }
            "timestamp" => time = Some(parse_timestamp(&value)?),
            "speed" => speed = Some(speed_unit.to_mps(number()?) as f32),
            "bearing" | "heading" => heading = Some(number()? as f32),
            "accuracy" => accuracy = Some(number()? as f32),
            "valid" => valid = value.eq_ignore_ascii_case("true") || value == "1",
            "alarm" if !value.is_empty() => alarm = Some(value.into_owned()),
            _ => {}
        }
    }
    let device = device.filter(|d| !d.is_empty()).ok_or("missing id")?;
    let time = time.unwrap_or(now);
    let fix = match (lat, lon, valid) {
        (Some(lat), Some(lon), true) => Some(Fix { time, lon, lat, speed, heading, accuracy }),
        _ => None,
    };
    let event = make_event(&device, fix, alarm, time)?;
    Ok(Report { device, token, event })
}

fn make_event(device: &str, fix: Option<Fix>, alarm: Option<String>, time: Millis) -> Result<Event, String> {
    Ok(match (alarm, fix) {
        (Some(kind), fix) => Event::Alarm {
            device: device.to_string(),
            kind,
            fix,
            priority: 1,
            time,
            feed: FeedKind::Osmand,
            notes: AlarmNotes::default(),
        },
        (None, Some(fix)) => Event::Position { device: device.to_string(), fix, feed: FeedKind::Osmand },
        (None, None) => return Err("no valid position (lat/lon missing or valid=false)".into()),
    })
}

/// Traccar's timestamp rules: integer seconds below 2^31 else milliseconds; ISO-8601 with a
/// zone; or `yyyy-MM-dd HH:mm:ss` (read as UTC).
pub fn parse_timestamp(v: &str) -> Result<Millis, String> {
    let v = v.trim();
    if let Ok(n) = v.parse::<i64>() {
        // Seconds up to 2038, milliseconds beyond; never negative (before 1970).
        return match n {
            ..0 => Err(format!("timestamp {v:?} is before 1970")),
            0..2_147_483_647 => Ok(n * 1000),
            _ => Ok(n),
        };
    }
    if v.contains('T') {
        return DateTime::parse_from_rfc3339(v)
            .map(|t| t.timestamp_millis())
            .map_err(|_| format!("timestamp {v:?}: not ISO-8601 with a zone"));
    }
    NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S")
        .map(|t| t.and_utc().timestamp_millis())
        .map_err(|_| format!("timestamp {v:?} is not understood"))
}

/// The JSON body of Traccar Client 9+ (`device_id`, `location.{timestamp, coords, ...}`).
pub fn parse_json(body: &[u8]) -> Result<Report, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let device = v["device_id"].as_str().filter(|d| !d.is_empty()).ok_or("missing device_id")?.to_string();
    let location = &v["location"];
    let time = match location["timestamp"].as_str() {
        Some(t) => parse_timestamp(t)?,
        None => now_millis(),
    };
    let coords = &location["coords"];
    let num = |k: &str| coords[k].as_f64();
    let fix = match (num("latitude"), num("longitude")) {
        (Some(lat), Some(lon)) => Some(Fix {
            time,
            lon,
            lat,
            speed: num("speed").filter(|s| *s >= 0.0).map(|s| s as f32),
            heading: num("heading").filter(|h| *h >= 0.0).map(|h| h as f32),
            accuracy: num("accuracy").map(|a| a as f32),
        }),
        _ => None,
    };
    let alarm = location["alarm"].as_str().or(location["extras"]["alarm"].as_str()).map(str::to_string);
    let token = v["token"].as_str().map(str::to_string);
    let event = make_event(&device, fix, alarm, time)?;
    Ok(Report { device, token, event })
}

/// The OsmAnd request for an event (the query string after `?`), as a tracker would send it;
/// commands and calls have none. Speed goes out in knots, Traccar's default.
pub fn encode(event: &Event, token: Option<&str>) -> Option<String> {
    let mut q = form_urlencoded::Serializer::new(String::new());
    let fix = match event {
        Event::Position { device, fix, .. } => {
            q.append_pair("id", device);
            Some(fix)
        }
        Event::Alarm { device, kind, fix, time, .. } => {
            q.append_pair("id", device).append_pair("alarm", kind).append_pair("timestamp", &time.to_string());
            fix.as_ref()
        }
        Event::Command { .. } | Event::Call { .. } | Event::CallerLocation { .. } => return None,
    };
    if let Some(f) = fix {
        q.append_pair("lat", &format!("{:.7}", f.lat)).append_pair("lon", &format!("{:.7}", f.lon));
        q.append_pair("timestamp", &f.time.to_string());
        if let Some(s) = f.speed {
            q.append_pair("speed", &format!("{:.2}", mps_to_knots(f64::from(s))));
        }
        if let Some(h) = f.heading {
            q.append_pair("bearing", &format!("{h:.1}"));
        }
    }
    if let Some(t) = token {
        q.append_pair("token", t);
    }
    Some(q.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_700_000_000_000;

    fn fix_of(r: &Report) -> Fix {
        match &r.event {
            Event::Position { fix, .. } => *fix,
            other => panic!("not a position: {other:?}"),
        }
    }

    #[test]
    fn traccar_test_requests_parse() {
        // Shapes from Traccar's own decoder tests.
        let a = parse_params(
            "id=123456&timestamp=1377177267&lat=60.0&lon=30.0&speed=0.0&bearing=0.0&altitude=0&hdop=0.0",
            SpeedUnit::Knots,
            NOW,
        )
        .expect("A");
        assert_eq!(a.device, "123456");
        assert_eq!(fix_of(&a).time, 1_377_177_267_000);
        let b = parse_params(
            "id=902064&lat=42.06288&lon=-88.23412&timestamp=2016-01-27T18%3A55%3A47Z&hdop=6.0&altitude=224.0&speed=0.0",
            SpeedUnit::Knots,
            NOW,
        )
        .expect("B");
        assert_eq!(fix_of(&b).time, 1_453_920_947_000);
        let ms = parse_params("id=1&lat=1&lon=2&timestamp=1442068686579", SpeedUnit::Knots, NOW).expect("ms");
        assert_eq!(fix_of(&ms).time, 1_442_068_686_579);
        let c = parse_params(
            "deviceid=123456&location=60.0,30.0&heading=0.0&vacc=0&hacc=0&altitude=0",
            SpeedUnit::Knots,
            NOW,
        )
        .expect("C");
        assert_eq!((fix_of(&c).lat, fix_of(&c).lon, fix_of(&c).time), (60.0, 30.0, NOW));
        let d = parse_params(
            "lat=49.60688&lon=6.15788&timestamp=2014-06-04+09%3A10%3A11&altitude=384.7&speed=0.0&id=353861053849681",
            SpeedUnit::Knots,
            NOW,
        )
        .expect("D");
        assert_eq!(fix_of(&d).time, 1_401_873_011_000);
        let e = parse_params("id=123456789012345&timestamp=1504763810&lat=40.7232948571&lon=-74.0061408571&bearing=7.19889788244&speed=40&ignition=true&rpm=933&fuel=24", SpeedUnit::Knots, NOW).expect("E");
        assert!((fix_of(&e).speed.unwrap_or(0.0) - 20.577_76).abs() < 1e-3, "40 knots in m/s");
    }

    #[test]
    fn sos_without_a_fix_is_still_an_alarm() {
        let r = parse_params("id=77&alarm=sos&timestamp=1700000000", SpeedUnit::Knots, NOW).expect("alarm");
        assert!(matches!(r.event, Event::Alarm { ref kind, fix: None, .. } if kind == "sos"));
        let r = parse_params("id=77&alarm=sos&lat=-6.2&lon=106.8&valid=false", SpeedUnit::Knots, NOW).expect("alarm");
        assert!(matches!(r.event, Event::Alarm { fix: None, .. }));
    }

    #[test]
    fn malformed_requests_say_why() {
        assert_eq!(parse_params("lat=1&lon=2", SpeedUnit::Knots, NOW).err().as_deref(), Some("missing id"));
        assert!(parse_params("id=1&lat=abc&lon=2", SpeedUnit::Knots, NOW).err().is_some_and(|e| e.contains("lat")));
        assert!(parse_params("id=1", SpeedUnit::Knots, NOW).err().is_some_and(|e| e.contains("no valid position")));
        assert!(parse_params("id=1&lat=1&lon=2&timestamp=yesterday", SpeedUnit::Knots, NOW).is_err());
        assert!(parse_params("id=1&lat=1&lon=2&timestamp=2016-01-27T18:55:47", SpeedUnit::Knots, NOW).is_err());
        assert!(parse_json(b"[1,2]").is_err());
        assert!(parse_json(b"{\"location\":{}}").err().is_some_and(|e| e.contains("device_id")));
    }

    #[test]
    fn json_body_from_traccar_client_9() {
        let body = br#"{"device_id":"861001","location":{"timestamp":"2025-06-15T13:45:12.862Z","coords":{"latitude":-6.1754,"longitude":106.8272,"speed":-1,"heading":90,"accuracy":5,"altitude":10},"battery":{"level":0.79,"is_charging":false}}}"#;
        let r = parse_json(body).expect("json");
        let f = fix_of(&r);
        assert_eq!((r.device.as_str(), f.lat, f.speed, f.heading), ("861001", -6.1754, None, Some(90.0)));
        assert_eq!(f.time, 1_749_995_112_862);
    }
}
