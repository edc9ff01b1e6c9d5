//! A public area warning as CAP 1.2 XML (OASIS Common Alerting Protocol): one `<alert>` with
//! one `<info>` whose `<area>` is a circle (the centre and radius in kilometres, as CAP writes
//! it). Every text is escaped; what CAP constrains (category, urgency, severity, certainty) is
//! chosen from CAP's own values.

use crate::model::iso8601;

/// What a warning says and where.
pub struct Warning<'a> {
    /// Unique per sender: CAP's `identifier`.
    pub identifier: &'a str,
    pub sender: &'a str,
    pub sent: i64,
    /// CAP's `event` (e.g. "Road closed", "Civil disturbance").
    pub event: &'a str,
    pub headline: &'a str,
    pub description: &'a str,
    pub instruction: &'a str,
    /// CAP `category`: Geo, Met, Safety, Security, Rescue, Fire, Health, Env, Transport, Infra,
    /// CBRNE or Other.
    pub category: &'a str,
    /// Immediate, Expected, Future, Past, Unknown.
    pub urgency: &'a str,
    /// Extreme, Severe, Moderate, Minor, Unknown.
    pub severity: &'a str,
    /// Observed, Likely, Possible, Unlikely, Unknown.
    pub certainty: &'a str,
    pub area_name: &'a str,
    /// The circle's centre (lon, lat) and radius in metres.
    pub centre: (f64, f64),
    pub radius_m: f64,
    /// When it stops applying, if it does.
    pub expires: Option<i64>,
}

const CATEGORIES: [&str; 12] =
    ["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"];
const URGENCIES: [&str; 5] = ["Immediate", "Expected", "Future", "Past", "Unknown"];
const SEVERITIES: [&str; 5] = ["Extreme", "Severe", "Moderate", "Minor", "Unknown"];
const CERTAINTIES: [&str; 5] = ["Observed", "Likely", "Possible", "Unlikely", "Unknown"];

impl Warning<'_> {
    /// Refuses a warning CAP would not take, naming the field.
    pub fn check(&self) -> Result<(), String> {
        let one_of = |name: &str, value: &str, allowed: &[&str]| {
            if allowed.contains(&value) {
                Ok(())
            } else {
                Err(format!("{name}: {value} is not one of {}", allowed.join(", ")))
            }
        };
        one_of("category", self.category, &CATEGORIES)?;
        one_of("urgency", self.urgency, &URGENCIES)?;
        one_of("severity", self.severity, &SEVERITIES)?;
        one_of("certainty", self.certainty, &CERTAINTIES)?;
        let (lon, lat) = self.centre;
        if !((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
            return Err(format!("centre: {lon},{lat} is not on the globe"));
        }
        if !(self.radius_m.is_finite() && self.radius_m > 0.0 && self.radius_m <= 500_000.0) {
            return Err(format!("radius: {} m is not between 0 and 500 km", self.radius_m));
        }
        if self.event.is_empty() || self.headline.is_empty() {
            return Err("event and headline: both must be given".into());
        }
        Ok(())
    }

    /// The CAP 1.2 document.
    pub fn xml(&self) -> String {
        let e = escape;
        let (lon, lat) = self.centre;
        let expires = self.expires.map_or(String::new(), |t| format!("    <expires>{}</expires>\n", cap_time(t)));
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n\
  <identifier>{}</identifier>\n  <sender>{}</sender>\n  <sent>{}</sent>\n\
  <status>Actual</status>\n  <msgType>Alert</msgType>\n  <scope>Public</scope>\n\
  <info>\n    <language>id-ID</language>\n    <category>{}</category>\n    <event>{}</event>\n\
    <urgency>{}</urgency>\n    <severity>{}</severity>\n    <certainty>{}</certainty>\n{expires}\
    <senderName>{}</senderName>\n    <headline>{}</headline>\n    <description>{}</description>\n\
    <instruction>{}</instruction>\n\
    <area>\n      <areaDesc>{}</areaDesc>\n      <circle>{lat:.6},{lon:.6} {:.3}</circle>\n    </area>\n\
  </info>\n</alert>\n",
            e(self.identifier),
            e(self.sender),
            cap_time(self.sent),
            self.category,
            e(self.event),
            self.urgency,
            self.severity,
            self.certainty,
            e(self.sender),
            e(self.headline),
            e(self.description),
            e(self.instruction),
            e(self.area_name),
            self.radius_m / 1000.0,
        )
    }
}

/// CAP's time: ISO 8601 with an explicit offset and no fraction (`2026-12-01T10:00:00+00:00`).
fn cap_time(t: i64) -> String {
    let iso = iso8601(t);
    format!("{}+00:00", iso.get(..19).unwrap_or(&iso))
}

/// XML text with `&`, `<`, `>`, `"` and `'` escaped, and control characters (which XML 1.0
/// cannot carry) left out.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning<'a>(headline: &'a str) -> Warning<'a> {
        Warning {
            identifier: "pantau-1",
            sender: "Polres Demo",
            sent: 1_796_119_200_000,
            event: "Road closed",
            headline,
            description: "Jl. A & Jl. B <closed>",
            instruction: "Use Jl. C",
            category: "Transport",
            urgency: "Immediate",
            severity: "Moderate",
            certainty: "Observed",
            area_name: "Simpang Lima",
            centre: (106.82715, -6.17539),
            radius_m: 750.0,
            expires: Some(1_796_122_800_000),
        }
    }

    #[test]
    fn a_warning_is_cap_1_2_with_its_text_escaped_and_its_circle_in_kilometres() {
        let xml = warning("Jalan ditutup \"sementara\"").xml();
        assert!(xml.contains("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"));
        assert!(xml.contains("<sent>2026-12-01T10:00:00+00:00</sent>"));
        assert!(xml.contains("<circle>-6.175390,106.827150 0.750</circle>"));
        assert!(xml.contains("Jl. A &amp; Jl. B &lt;closed&gt;"));
        assert!(xml.contains("Jalan ditutup &quot;sementara&quot;"));
        assert!(xml.contains("<expires>2026-12-01T11:00:00+00:00</expires>"));
    }

    #[test]
    fn a_warning_cap_would_not_take_is_refused_by_field() {
        let mut bad = warning("x");
        bad.urgency = "Now";
        assert!(bad.check().is_err_and(|e| e.starts_with("urgency:")));
        let mut far = warning("x");
        far.radius_m = f64::NAN;
        assert!(far.check().is_err_and(|e| e.starts_with("radius:")));
        assert!(warning("").check().is_err_and(|e| e.contains("headline")));
        assert!(warning("ok").check().is_ok());
    }
}
