//! NMEA 0183 over TCP: a device connects, names itself on its first line
//! (`LOGIN <device> [token]`), then streams sentences. RMC (and GGA from receivers that send
//! no RMC) become positions; checksums are verified; other sentences are ignored.

use chrono::{NaiveDate, NaiveTime};

use crate::crs::geodesy::{knots_to_mps, mps_to_knots};
use crate::model::{Fix, Millis};

/// Longest line accepted (NMEA allows 82 bytes; some receivers add a little).
pub const MAX_LINE: usize = 256;

/// Per-connection state: the date of the last RMC (GGA carries no date).
#[derive(Default)]
pub struct Session {
    date: Option<NaiveDate>,
    seen_rmc: bool,
}

/// The login line: `LOGIN <device> [token]`.
pub fn parse_login(line: &str) -> Result<(String, Option<String>), String> {
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next(), parts.next()) {
        (Some(word), Some(device), token) if word.eq_ignore_ascii_case("LOGIN") => {
            Ok((device.to_string(), token.map(str::to_string)))
        }
        _ => Err(format!("first line must be `LOGIN <device> [token]`, got {:?}", truncate(line))),
    }
}

impl Session {
    /// One sentence -> a fix, nothing (valid but not a fix), or the reason it is malformed.
    pub fn sentence(&mut self, line: &str, now: Millis) -> Result<Option<Fix>, String> {
        let line = line.trim_end_matches(['\r', '\n']);
        let body = checked_body(line)?;
        let fields: Vec<&str> = body.split(',').collect();
        let kind = fields[0].get(2..).unwrap_or_default();
        match kind {
            "RMC" => {
                self.seen_rmc = true;
                self.rmc(&fields)
            }
            "GGA" if !self.seen_rmc => self.gga(&fields, now),
            _ => Ok(None),
        }
    }

    fn rmc(&mut self, f: &[&str]) -> Result<Option<Fix>, String> {
        let field = |i: usize| f.get(i).copied().unwrap_or_default();
        let date = NaiveDate::parse_from_str(field(9), "%d%m%y").map_err(|_| format!("RMC date {:?}", field(9)))?;
        self.date = Some(date);
        if field(2) != "A" {
            return Ok(None);
        }
        let time = time_of_day(field(1))?;
        Ok(Some(Fix {
            time: date.and_time(time).and_utc().timestamp_millis(),
            lat: coordinate(field(3), field(4), 2)?,
            lon: coordinate(field(5), field(6), 3)?,
            speed: field(7).parse::<f64>().ok().map(|kn| knots_to_mps(kn) as f32),
            heading: field(8).parse().ok(),
            accuracy: None,
        }))
    }

    fn gga(&mut self, f: &[&str], now: Millis) -> Result<Option<Fix>, String> {
        let field = |i: usize| f.get(i).copied().unwrap_or_default();
        if matches!(field(6), "" | "0") {
            return Ok(None);
        }
        let time = time_of_day(field(1))?;
        let today = chrono::DateTime::from_timestamp_millis(now).map(|t| t.date_naive()).ok_or("bad clock")?;
        let date = self.date.unwrap_or(today);
        let mut millis = date.and_time(time).and_utc().timestamp_millis();
        if millis > now + 12 * 3_600_000 {
            millis -= 86_400_000; // a fix from just before midnight UTC
        }
        Ok(Some(Fix {
            time: millis,
            lat: coordinate(field(2), field(3), 2)?,
            lon: coordinate(field(4), field(5), 3)?,
            speed: None,
            heading: None,
            accuracy: field(8).parse::<f32>().ok().map(|hdop| hdop * 5.0),
        }))
    }
}

/// The text between `$` and `*`, after checking the XOR checksum.
fn checked_body(line: &str) -> Result<&str, String> {
    if line.len() > MAX_LINE {
        return Err("sentence too long".into());
    }
    let rest = line.strip_prefix('$').ok_or_else(|| format!("not a sentence: {:?}", truncate(line)))?;
    let (body, sum) = rest.rsplit_once('*').ok_or("no checksum")?;
    let expected = u8::from_str_radix(sum.trim(), 16).map_err(|_| format!("bad checksum field {sum:?}"))?;
    let actual = body.bytes().fold(0u8, |a, b| a ^ b);
    if actual != expected {
        return Err(format!("checksum {expected:02X} but sentence gives {actual:02X}"));
    }
    if body.len() < 5 {
        return Err("sentence without a tag".into());
    }
    Ok(body)
}

fn time_of_day(v: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(v, "%H%M%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(v, "%H%M%S"))
        .map_err(|_| format!("bad UTC time {v:?}"))
}

/// `ddmm.mmmm` / `dddmm.mmmm` plus hemisphere -> decimal degrees, split on the string.
fn coordinate(v: &str, hemisphere: &str, degree_digits: usize) -> Result<f64, String> {
    let dot = v.find('.').unwrap_or(v.len());
    // Digits and one dot only: anything else (a sign, an exponent, a non-ASCII byte the split
    // below could land inside) is not a coordinate.
    if !v.bytes().all(|b| b.is_ascii_digit() || b == b'.') || dot < degree_digits || dot > degree_digits + 2 {
        return Err(format!("bad coordinate {v:?}"));
    }
    let (deg, min) = v.split_at(dot - 2);
    let deg: f64 = if deg.is_empty() { 0.0 } else { deg.parse().map_err(|_| format!("bad coordinate {v:?}"))? };
    let min: f64 = min.parse().map_err(|_| format!("bad coordinate {v:?}"))?;
    if min >= 60.0 {
        return Err(format!("bad minutes in {v:?}"));
    }
    let value = deg + min / 60.0;
    match hemisphere {
        "N" | "E" => Ok(value),
        "S" | "W" => Ok(-value),
        other => Err(format!("bad hemisphere {other:?}")),
    }
}

/// Formats an RMC sentence (with checksum and CRLF), as a receiver or the simulator sends it.
pub fn rmc_sentence(time: Millis, lat: f64, lon: f64, speed_mps: f64, heading: f64) -> String {
    let t = chrono::DateTime::from_timestamp_millis(time).unwrap_or_default();
    let angle = |v: f64, width: usize| {
        let deg = v.abs().trunc();
        format!("{:0width$}{:07.4}", deg as u32, (v.abs() - deg) * 60.0, width = width)
    };
    let body = format!(
        "GPRMC,{},A,{},{},{},{},{:.2},{:.1},{},,,A",
        t.format("%H%M%S%.3f"),
        angle(lat, 2),
        if lat < 0.0 { 'S' } else { 'N' },
        angle(lon, 3),
        if lon < 0.0 { 'W' } else { 'E' },
        mps_to_knots(speed_mps),
        heading,
        t.format("%d%m%y"),
    );
    let sum = body.bytes().fold(0u8, |a, b| a ^ b);
    format!("${body}*{sum:02X}\r\n")
}

/// The first 40 characters, for error messages.
fn truncate(s: &str) -> &str {
    s.char_indices().nth(40).map_or(s, |(end, _)| &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_626_854_794_440; // 2021-07-21T08:06:34.44Z

    #[test]
    fn reference_sentences_parse() {
        let mut s = Session::default();
        let f = s
            .sentence("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A", NOW)
            .expect("rmc")
            .expect("fix");
        assert!((f.lat - 48.1173).abs() < 1e-6 && (f.lon - 11.516_666_7).abs() < 1e-6);
        assert_eq!(f.time, 764_426_119_000); // 1994-03-23T12:35:19Z
        let f = s
            .sentence("$GNRMC,080634.44,A,0606.88858,S,10641.02209,E,36.29,63.0,210721,,,A*66\r\n", NOW)
            .expect("rmc")
            .expect("fix");
        assert!((f.lat - -6.114_809_7).abs() < 1e-6 && (f.lon - 106.683_701_5).abs() < 1e-6);
        assert_eq!(f.time, NOW);
        assert!((f.speed.unwrap_or(0.0) - 18.67).abs() < 0.01);
        assert_eq!(s.sentence("$GPRMC,080634.44,V,,,,,,,210721,,,N*73", NOW), Ok(None));
    }

    #[test]
    fn formatted_sentences_parse_back() {
        let line = rmc_sentence(NOW, -6.1148097, 106.6837015, 18.67, 63.0);
        let f = Session::default().sentence(&line, NOW).expect("valid").expect("fix");
        assert!((f.lat - -6.1148097).abs() < 1e-6 && (f.lon - 106.6837015).abs() < 1e-6);
        assert_eq!(f.time, NOW);
    }

    #[test]
    fn gga_only_receivers_are_dated_by_the_server() {
        let mut s = Session::default();
        let f = s
            .sentence("$GNGGA,080634.44,0606.88858,S,10641.02209,E,1,09,0.9,35.7,M,27.0,M,,*5C", NOW)
            .expect("gga")
            .expect("fix");
        assert_eq!(f.time, NOW);
        assert!(s.sentence("$GNGGA,001043.00,4404.14036,N,12118.85961,W,1,12,0.98,1113.0,M,-21.3,M*47", NOW).is_ok());
    }

    #[test]
    fn malformed_sentences_say_why() {
        let mut s = Session::default();
        let bad_sum = s.sentence("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6B", NOW);
        assert!(bad_sum.err().is_some_and(|e| e.contains("checksum")));
        assert!(s.sentence("GPRMC,123519,A*00", NOW).is_err());
        assert!(s.sentence("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W", NOW).is_err());
        assert!(s.sentence(&format!("${}*00", "A".repeat(400)), NOW).is_err());
        assert!(parse_login("HELLO").is_err());
        assert_eq!(parse_login("LOGIN unit-7 s3cret"), Ok(("unit-7".into(), Some("s3cret".into()))));
    }

    /// A sentence with a correct checksum over its body.
    fn checksummed(body: &str) -> String {
        format!("${body}*{:02X}", body.bytes().fold(0u8, |a, b| a ^ b))
    }

    #[test]
    fn non_ascii_coordinates_are_refused_not_panicked_on() {
        let mut s = Session::default();
        for (lat, lon) in [("é7.038", "01131.000"), ("4807.038", "1é1.000"), ("4\u{301}7.03", "01131.000")] {
            let line = checksummed(&format!("GPRMC,123519,A,{lat},N,{lon},E,022.4,084.4,230394,003.1,W"));
            let result = s.sentence(&line, NOW);
            assert!(result.as_ref().err().is_some_and(|e| e.contains("bad coordinate")), "{line}: {result:?}");
        }
        let signed = checksummed("GPRMC,123519,A,-4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W");
        assert!(s.sentence(&signed, NOW).is_err(), "a sign is not part of an NMEA coordinate");
        // Lines of non-ASCII text, with and without a matching checksum: ignored or refused.
        for n in [100, 101] {
            let line = checksummed(&"é".repeat(n));
            assert!(!matches!(s.sentence(&line, NOW), Ok(Some(_))), "{n} characters");
        }
    }
}
