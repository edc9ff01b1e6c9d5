//! Units (the roster) from point layer files: `id`, optional `callsign`, `kind`, `status`,
//! `home_station` and `time` (ISO-8601 or epoch; a unit without a time is taken as reported
//! now).

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

use super::points::{place_in_file, read_points, TaggedPoint};
use crate::feeds::osmand::parse_timestamp;
use crate::model::{now_millis, Fix, Unit, UnitKind, UnitStatus};

/// Units from a file (GeoJSON / Shapefile / FlatGeobuf points, or CSV with `id, lon, lat`
/// columns).
pub fn load_units(path: &Path) -> Result<Vec<Unit>> {
    let points = read_points(path)?;
    if points.is_empty() {
        bail!("{}: empty data: no units", path.display());
    }
    points.iter().enumerate().map(|(i, p)| unit_from(p, i).with_context(|| place_in_file(path, i))).collect()
}

fn unit_from(p: &TaggedPoint, index: usize) -> Result<Unit> {
    let tag = |k: &str| p.tag(k);
    let (lon, lat) = (p.lon, p.lat);
    if !p.on_globe() {
        bail!("position ({lon}, {lat}) is not on the globe");
    }
    let enum_value = |k: &str| {
        tag(k).map(|v| {
            serde_json::from_value::<serde_json::Value>(serde_json::Value::String(
                v.to_lowercase().replace([' ', '-'], "_"),
            ))
        })
    };
    let kind: UnitKind = match enum_value("kind") {
        Some(Ok(v)) => {
            serde_json::from_value(v).map_err(|_| anyhow!("unknown kind {:?}", tag("kind").unwrap_or_default()))?
        }
        _ => UnitKind::Car,
    };
    let status: UnitStatus = match enum_value("status") {
        Some(Ok(v)) => {
            serde_json::from_value(v).map_err(|_| anyhow!("unknown status {:?}", tag("status").unwrap_or_default()))?
        }
        _ => UnitStatus::Available,
    };
    let time = match tag("time") {
        Some(t) => parse_timestamp(t).map_err(|e| anyhow!(e))?,
        None => now_millis(),
    };
    let id = tag("id").map_or_else(|| format!("unit-{}", index + 1), str::to_string);
    Ok(Unit {
        callsign: tag("callsign").map_or_else(|| id.clone(), str::to_string),
        id,
        kind,
        status,
        home_station: tag("home_station").map(str::to_string),
        last_fix: Some(Fix { time, lon, lat, speed: None, heading: None, accuracy: None }),
    })
}
