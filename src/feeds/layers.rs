//! Operational layers that change rarely: cameras and zones, loaded from files (GeoJSON,
//! Shapefile, FlatGeobuf, CSV for cameras) or, for cameras, from the OSM surveillance tags the
//! importer keeps in an archive's `pois` layer.
//!
//! Camera fields: `id`, `name`, `direction` (degrees from north; OSM `camera:direction` may
//! also be a compass point such as `NE` or a clockwise range such as `90-270`), `fov` (degrees),
//! `range` (metres), `ptz` (or OSM `camera:type` = `panning`/`dome`), `stream_url`. Missing
//! field-of-view and range take per-type defaults.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use geo::{Geometry, MultiPolygon};
use serde::Deserialize;

use crate::basemap::mvt::{decode_geometry, Props};
use crate::basemap::schema::{boundary_fields, RawFeature};
use crate::basemap::{source, Archive};
use crate::crs::world_to_lonlat;
use crate::model::{Camera, Zone};

/// Field of view and range when a camera does not say: fixed cameras see a 60° cone to 60 m;
/// PTZ domes can turn all the way round and see 80 m.
fn defaults(ptz: bool) -> (f32, f32) {
    if ptz {
        (360.0, 80.0)
    } else {
        (60.0, 60.0)
    }
}

/// Cameras from a GeoJSON, Shapefile, FlatGeobuf or CSV file.
pub fn load_cameras(path: &Path) -> Result<Vec<Camera>> {
    let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let cameras = if is_csv { cameras_from_csv(path)? } else { cameras_from_features(path)? };
    if cameras.is_empty() {
        bail!("{}: empty data: no cameras", path.display());
    }
    Ok(cameras)
}

fn cameras_from_features(path: &Path) -> Result<Vec<Camera>> {
    let features = source::read(path)?;
    features
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let Geometry::Point(p) = f.geometry else {
                bail!("{}: feature {i} is not a point", path.display());
            };
            camera_from_tags(&f.tags, p.x(), p.y(), i).with_context(|| format!("{}: feature {i}", path.display()))
        })
        .collect()
}

#[derive(Deserialize)]
struct CameraRow {
    id: String,
    name: Option<String>,
    lon: f64,
    lat: f64,
    direction: Option<String>,
    fov: Option<f32>,
    range: Option<f32>,
    ptz: Option<bool>,
    stream_url: Option<String>,
}

fn cameras_from_csv(path: &Path) -> Result<Vec<Camera>> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut out = Vec::new();
    for (i, row) in reader.deserialize::<CameraRow>().enumerate() {
        let row = row.map_err(|e| anyhow!("{}: row {}: {e}", path.display(), i + 2))?;
        let mut tags = vec![("id".to_string(), row.id)];
        let optional = [
            ("name", row.name),
            ("direction", row.direction),
            ("fov", row.fov.map(|v| v.to_string())),
            ("range", row.range.map(|v| v.to_string())),
            ("ptz", row.ptz.map(|v| v.to_string())),
            ("stream_url", row.stream_url),
        ];
        tags.extend(optional.into_iter().filter_map(|(k, v)| Some((k.to_string(), v?))));
        out.push(
            camera_from_tags(&tags, row.lon, row.lat, i)
                .with_context(|| format!("{}: row {}", path.display(), i + 2))?,
        );
    }
    Ok(out)
}

fn camera_from_tags(tags: &[(String, String)], lon: f64, lat: f64, index: usize) -> Result<Camera> {
    let tag = |k: &str| tags.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    if !(lon.abs() <= 180.0 && lat.abs() <= 90.0) {
        bail!("position ({lon}, {lat}) is not on the globe");
    }
    let ptz = match (tag("ptz"), tag("camera:type")) {
        (Some(v), _) => matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "1"),
        (None, Some(t)) => matches!(t, "panning" | "dome"),
        _ => false,
    };
    let (default_fov, default_range) = defaults(ptz);
    let parsed = tag("direction").or(tag("camera:direction")).map(parse_direction).transpose()?;
    let (direction, fov_from_range) = parsed.unwrap_or((0.0, None));
    let number = |k: &str| {
        tag(k)
            .map(|v| v.trim_end_matches(" m").parse::<f32>().map_err(|_| anyhow!("{k}={v:?} is not a number")))
            .transpose()
    };
    let fov = number("fov")?.or(fov_from_range).unwrap_or(if parsed.is_some() { default_fov } else { 360.0 });
    Ok(Camera {
        id: tag("id").or(tag("ref")).map_or_else(|| format!("camera-{}", index + 1), str::to_string),
        name: tag("name").unwrap_or_default().to_string(),
        lon,
        lat,
        direction,
        fov: fov.clamp(1.0, 360.0),
        range: number("range")?.unwrap_or(default_range),
        ptz,
        stream_url: tag("stream_url").map(str::to_string),
    })
}

/// OSM `camera:direction`: degrees, a compass point, or a clockwise range `a-b` (which also
/// gives the field of view). Returns (direction, field of view if known).
pub fn parse_direction(v: &str) -> Result<(f32, Option<f32>)> {
    let v = v.trim();
    if let Some((a, b)) = v.split_once('-').filter(|(a, _)| !a.is_empty()) {
        let (a, b) = (single_direction(a)?, single_direction(b)?);
        let span = (b - a).rem_euclid(360.0);
        let span = if span == 0.0 { 360.0 } else { span };
        return Ok(((a + span / 2.0).rem_euclid(360.0), Some(span)));
    }
    Ok((single_direction(v)?, None))
}

fn single_direction(v: &str) -> Result<f32> {
    const POINTS: [&str; 16] =
        ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"];
    if let Some(i) = POINTS.iter().position(|p| p.eq_ignore_ascii_case(v.trim())) {
        return Ok(i as f32 * 22.5);
    }
    let deg: f32 = v.trim().parse().map_err(|_| anyhow!("direction {v:?} is neither degrees nor a compass point"))?;
    Ok(deg.rem_euclid(360.0))
}

/// Cameras the importer kept from OSM (`pois` with `class=camera`) at the archive's most
/// detailed zoom.
pub fn cameras_from_archive(archive: &Archive) -> Result<Vec<Camera>> {
    let mut out = Vec::new();
    for (id, layer) in archive.max_zoom_layers("pois")? {
        let (tx, ty, _, _) = id.world_bounds();
        let (size, extent) = (id.world_size(), f64::from(layer.extent.unwrap_or(4096)));
        for feature in &layer.features {
            if (Props { layer: &layer, feature }).string("class") != Some("camera") {
                continue;
            }
            let mut tags: Vec<(String, String)> = feature
                .tags
                .chunks_exact(2)
                .filter_map(|kv| {
                    Some((
                        layer.keys.get(kv[0] as usize)?.clone(),
                        layer.values.get(kv[1] as usize)?.string_value.clone()?,
                    ))
                })
                .collect();
            tags.push(("id".into(), format!("osm-{}", feature.id.unwrap_or(0))));
            for p in decode_geometry(feature, 1.0).parts.iter().flatten() {
                let (lon, lat) =
                    world_to_lonlat(tx + f64::from(p[0]) / extent * size, ty + f64::from(p[1]) / extent * size);
                out.push(camera_from_tags(&tags, lon, lat, out.len())?);
            }
        }
    }
    Ok(out)
}

/// Zones (rayon, kelurahan, kecamatan, ...) from polygon files; names, codes and levels are
/// read the way the importer reads boundaries.
pub fn load_zones(path: &Path) -> Result<Vec<Zone>> {
    let features = source::read(path)?;
    let zones: Vec<Zone> = features.iter().enumerate().filter_map(|(i, f)| zone_of(f, i)).collect();
    if zones.is_empty() {
        bail!("{}: empty data: no polygons to use as zones", path.display());
    }
    Ok(zones)
}

fn zone_of(f: &RawFeature, index: usize) -> Option<Zone> {
    let polygon = match &f.geometry {
        Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        Geometry::MultiPolygon(m) => m.clone(),
        _ => return None,
    };
    let fields = boundary_fields(f);
    let code = fields.code.map_or_else(|| format!("zone-{}", index + 1), str::to_string);
    Some(Zone {
        id: code.clone(),
        code,
        name: fields.name.unwrap_or_default().to_string(),
        level: fields.level,
        polygon,
        properties: f.tags.iter().cloned().collect(),
    })
}

/// A point and its attributes, as read from a units file.
type PointRow = (f64, f64, Vec<(String, String)>);

/// Units from a file (GeoJSON / Shapefile / FlatGeobuf points, or CSV with `id, lon, lat`
/// columns), with optional `callsign`, `kind`, `status` and `time` (ISO-8601 or epoch) fields.
/// A unit without a time is taken as reported now.
pub fn load_units(path: &Path) -> Result<Vec<crate::model::Unit>> {
    let rows: Vec<PointRow> = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
        let mut reader = csv::Reader::from_path(path).with_context(|| format!("{}: cannot open", path.display()))?;
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| anyhow!("{}: {e}", path.display()))?
            .iter()
            .map(str::to_ascii_lowercase)
            .collect();
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| anyhow!("{}: row {}: {e}", path.display(), i + 2))?;
            let tags: Vec<(String, String)> = headers.iter().cloned().zip(record.iter().map(str::to_string)).collect();
            let number = |k: &str| {
                tags.iter()
                    .find(|(key, _)| key == k)
                    .and_then(|(_, v)| v.trim().parse::<f64>().ok())
                    .ok_or_else(|| anyhow!("{}: row {}: no numeric {k}", path.display(), i + 2))
            };
            rows.push((number("lon")?, number("lat")?, tags));
        }
        rows
    } else {
        source::read(path)?
            .into_iter()
            .enumerate()
            .map(|(i, f)| match f.geometry {
                Geometry::Point(p) => Ok((p.x(), p.y(), f.tags)),
                _ => Err(anyhow!("{}: feature {i} is not a point", path.display())),
            })
            .collect::<Result<_>>()?
    };
    if rows.is_empty() {
        bail!("{}: empty data: no units", path.display());
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, (lon, lat, tags))| {
            unit_from(lon, lat, &tags, i).with_context(|| format!("{}: unit {}", path.display(), i + 1))
        })
        .collect()
}

fn unit_from(lon: f64, lat: f64, tags: &[(String, String)], index: usize) -> Result<crate::model::Unit> {
    use crate::model::{Fix, Unit, UnitKind, UnitStatus};
    let tag = |k: &str| tags.iter().find(|(key, _)| key == k).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
    if !(lon.abs() <= 180.0 && lat.abs() <= 90.0) {
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
        Some(t) => super::osmand::parse_timestamp(t).map_err(|e| anyhow!(e))?,
        None => crate::model::now_millis(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osm_directions() {
        assert_eq!(parse_direction("90").ok(), Some((90.0, None)));
        assert_eq!(parse_direction("NE").ok(), Some((45.0, None)));
        assert_eq!(parse_direction("wnw").ok(), Some((292.5, None)));
        assert_eq!(parse_direction("90-270").ok(), Some((180.0, Some(180.0))));
        assert_eq!(parse_direction("270-90").ok(), Some((0.0, Some(180.0))));
        assert_eq!(parse_direction("E-W").ok(), Some((180.0, Some(180.0))));
        assert_eq!(parse_direction("0-360").ok(), Some((180.0, Some(360.0))));
        assert!(parse_direction("up").is_err());
    }

    #[test]
    fn camera_defaults_by_type() {
        let tags =
            |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        let fixed = camera_from_tags(&tags(&[("camera:direction", "45")]), 106.8, -6.2, 0).expect("fixed");
        assert_eq!((fixed.direction, fixed.fov, fixed.range, fixed.ptz), (45.0, 60.0, 60.0, false));
        let dome = camera_from_tags(&tags(&[("camera:type", "dome")]), 106.8, -6.2, 1).expect("dome");
        assert_eq!((dome.fov, dome.range, dome.ptz), (360.0, 80.0, true));
        assert!(camera_from_tags(&tags(&[]), 200.0, 0.0, 0).is_err());
        assert!(camera_from_tags(&tags(&[("range", "far")]), 1.0, 0.0, 0).is_err());
    }
}
