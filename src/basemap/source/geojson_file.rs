//! GeoJSON files (RFC 7946, plus the legacy `crs` member that some government exports carry).

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use geo::Geometry;
use geojson::{GeoJson, JsonValue};

use super::reproject_all;
use crate::basemap::schema::RawFeature;
use crate::crs::SourceCrs;

pub fn read(path: &Path) -> Result<Vec<RawFeature>> {
    let text = std::fs::read_to_string(path).context("cannot read the file")?;
    let json: JsonValue = serde_json::from_str(&text).map_err(|e| anyhow!("not valid JSON: {e}"))?;
    let crs = legacy_crs(&json)?;
    let geojson = GeoJson::from_json_value(json).map_err(|e| anyhow!("not valid GeoJSON: {e}"))?;
    let raw_features = match geojson {
        GeoJson::FeatureCollection(fc) => fc.features,
        GeoJson::Feature(f) => vec![f],
        GeoJson::Geometry(g) => vec![geojson::Feature { geometry: Some(g), ..Default::default() }],
    };
    let mut features = Vec::with_capacity(raw_features.len());
    for (i, f) in raw_features.into_iter().enumerate() {
        let Some(geometry) = f.geometry else { continue };
        let geometry = Geometry::<f64>::try_from(geometry).map_err(|e| anyhow!("feature {i}: bad geometry: {e}"))?;
        let tags = f
            .properties
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), json_text(v)?)))
            .collect();
        features.push(RawFeature { geometry, tags });
    }
    reproject_all(&crs, &mut features)?;
    Ok(features)
}

fn legacy_crs(json: &JsonValue) -> Result<SourceCrs> {
    match json.pointer("/crs/properties/name").and_then(JsonValue::as_str) {
        Some(name) => SourceCrs::from_name(name),
        None => Ok(SourceCrs::Wgs84),
    }
}

fn json_text(value: JsonValue) -> Option<String> {
    match value {
        JsonValue::Null => None,
        JsonValue::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}
