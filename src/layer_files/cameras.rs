//! Cameras from layer files (GeoJSON, Shapefile, FlatGeobuf or CSV points, through the one
//! point reader) or from the OSM surveillance tags the importer keeps in an archive's `pois`
//! layer.
//!
//! Camera fields: `id`, `name`, `direction` (degrees from north; OSM `camera:direction` may
//! also be a compass point such as `NE` or a clockwise range such as `90-270`), `fov` (degrees),
//! `range` (metres), `ptz` (or OSM `camera:type` = `panning`/`dome`), `stream_url`. Missing
//! field-of-view and range take per-type defaults.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

use super::points::{place_in_file, read_points, TaggedPoint};
use crate::basemap::mvt::{decode_geometry, Props};
use crate::basemap::Archive;
use crate::crs::world_to_lonlat;
use crate::model::Camera;

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
    let cameras = read_points(path)?
        .iter()
        .enumerate()
        .map(|(i, p)| camera_from(p, i).with_context(|| place_in_file(path, i)))
        .collect::<Result<Vec<_>>>()?;
    if cameras.is_empty() {
        bail!("{}: empty data: no cameras", path.display());
    }
    Ok(cameras)
}

fn camera_from(p: &TaggedPoint, index: usize) -> Result<Camera> {
    let tag = |k: &str| p.tag(k);
    let (lon, lat) = (p.lon, p.lat);
    if !p.on_globe() {
        bail!("position ({lon}, {lat}) is not on the globe");
    }
    let ptz = match (tag("ptz"), tag("camera:type")) {
        (Some(v), _) => matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "1"),
        (None, Some(t)) => matches!(t, "panning" | "dome"),
        _ => false,
    };
    let (default_fov, default_range) = defaults(ptz);
    let parsed = tag("direction").or(tag("camera:direction")).map(parse_direction).transpose()?;
    let (direction, fov_from_range) = (parsed.map(|(d, _)| d), parsed.and_then(|(_, fov)| fov));
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
                out.push(camera_from(&TaggedPoint { lon, lat, tags: tags.clone() }, out.len())?);
            }
        }
    }
    Ok(out)
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
        let at = |lon: f64, lat: f64, pairs: &[(&str, &str)]| TaggedPoint {
            lon,
            lat,
            tags: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        };
        let fixed = camera_from(&at(106.8, -6.2, &[("camera:direction", "45")]), 0).expect("fixed");
        assert_eq!((fixed.direction, fixed.fov, fixed.range, fixed.ptz), (Some(45.0), 60.0, 60.0, false));
        let dome = camera_from(&at(106.8, -6.2, &[("camera:type", "dome")]), 1).expect("dome");
        assert_eq!((dome.fov, dome.range, dome.ptz), (360.0, 80.0, true));
        assert!(camera_from(&at(200.0, 0.0, &[]), 0).is_err());
        assert!(camera_from(&at(1.0, 0.0, &[("range", "far")]), 0).is_err());
    }
}
