//! What several commands' arguments share: `--map demo[:SEED]` for the generated demo city, image
//! sizes, and file names in reports.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};

/// Which demo city a map argument names, if it names one: `demo` is the city of `seed`,
/// `demo:SEED` the city of SEED. Both are reserved words, never paths, so a `demo/` folder
/// (as `pantau demo --out demo/` writes) cannot shadow them; a file or folder called demo is
/// given as `./demo`.
pub fn demo_seed(map: &Path, seed: u64) -> Result<Option<u64>> {
    let Some(text) = map.to_str() else { return Ok(None) };
    match text.strip_prefix("demo") {
        Some("") => Ok(Some(seed)),
        Some(rest) => match rest.strip_prefix(':') {
            Some(number) => number
                .parse()
                .map(Some)
                .map_err(|_| anyhow!("--map {text}: after `demo:` comes the demo city's seed, a whole number")),
            // `demo2.pmtiles` and the like are files.
            None => Ok(None),
        },
        None => Ok(None),
    }
}

/// A map argument: an archive, or `demo`/`demo:SEED` for the cached demo city (`seed` when
/// the argument gives none).
pub fn map_path(map: &Path, seed: u64) -> Result<PathBuf> {
    match demo_seed(map, seed)? {
        Some(seed) => Ok(crate::demo::cached(seed)?.map),
        None => Ok(map.to_path_buf()),
    }
}

/// A web-map zoom, 0-22.
pub fn parse_zoom(s: &str) -> Result<f64> {
    let zoom: f64 = s.trim().parse().map_err(|_| anyhow!("{s:?} is not a number"))?;
    if !(0.0..=22.0).contains(&zoom) {
        bail!("{zoom}: a zoom is between 0 and 22");
    }
    Ok(zoom)
}

/// `WIDTHxHEIGHT` in pixels, each 16-8192.
pub fn parse_size(s: &str) -> Result<(u32, u32)> {
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(|| anyhow!("expected WIDTHxHEIGHT, got {s:?}"))?;
    let (w, h): (u32, u32) = (w.parse()?, h.parse()?);
    if !(16..=8192).contains(&w) || !(16..=8192).contains(&h) {
        bail!("{s:?}: width and height must be 16-8192 pixels");
    }
    Ok((w, h))
}

/// The last part of a path, for reports.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// A moment as analysts give it: epoch milliseconds, ISO-8601 with a zone
/// (`2026-11-24T16:00:00+07:00`), `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD` (UTC).
pub fn parse_time(s: &str) -> Result<crate::model::Millis> {
    let text = s.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(ms);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp_millis());
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S") {
        return Ok(t.and_utc().timestamp_millis());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp_millis()));
    }
    bail!("{s:?} is not a time: give epoch milliseconds or ISO-8601 (2026-11-24T16:00:00+07:00)")
}

/// A span of time: a whole number and a unit, `d`, `h`, `m` or `s` (`30d`, `12h`), in
/// milliseconds; at most 400 days.
pub fn parse_span(s: &str) -> Result<crate::model::Millis> {
    let text = s.trim();
    let unit = text.chars().last().ok_or_else(|| anyhow!("an empty span"))?;
    let per = match unit {
        'd' => 86_400_000,
        'h' => 3_600_000,
        'm' => 60_000,
        's' => 1_000,
        _ => bail!("{s:?}: a span ends in d, h, m or s (30d, 12h)"),
    };
    let count: i64 =
        text[..text.len() - 1].parse().map_err(|_| anyhow!("{s:?}: a span is a whole number and a unit"))?;
    if !(1..=400 * 86_400_000 / per).contains(&count) {
        bail!("{s:?}: a span is from one second to 400 days");
    }
    Ok(count * per)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_a_reserved_map_name() {
        assert_eq!(demo_seed(Path::new("demo"), 1).ok(), Some(Some(1)));
        assert_eq!(demo_seed(Path::new("demo:7"), 1).ok(), Some(Some(7)));
        assert_eq!(demo_seed(Path::new("./demo"), 1).ok(), Some(None));
        assert_eq!(demo_seed(Path::new("demo2.pmtiles"), 1).ok(), Some(None));
        assert_eq!(demo_seed(Path::new("tiles/demo"), 1).ok(), Some(None));
        let bad = demo_seed(Path::new("demo:x"), 1).expect_err("not a seed");
        assert!(bad.to_string().contains("whole number"), "{bad}");
    }
}
