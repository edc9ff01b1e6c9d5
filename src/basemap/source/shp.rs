//! ESRI Shapefiles: geometry from `.shp`/`.shx`, attributes from `.dbf`, CRS from `.prj`.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use geo::Geometry;
use shapefile::dbase::FieldValue;

use super::reproject_all;
use crate::basemap::schema::RawFeature;
use crate::crs::SourceCrs;

pub fn read(path: &Path) -> Result<Vec<RawFeature>> {
    let crs = read_prj(path)?;
    let mut reader = shapefile::Reader::from_path(path).map_err(|e| anyhow!("corrupt Shapefile: {e}"))?;
    let mut features = Vec::new();
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(|e| anyhow!("corrupt Shapefile at record {i}: {e}"))?;
        let Ok(geometry) = Geometry::<f64>::try_from(shape) else {
            continue; // null shapes carry nothing to draw
        };
        let tags = record.into_iter().filter_map(|(k, v)| Some((k.to_ascii_lowercase(), field_text(v)?))).collect();
        features.push(RawFeature { geometry, tags });
    }
    reproject_all(&crs, &mut features)?;
    Ok(features)
}

/// The `.prj` beside the `.shp`; without one, coordinates must already be WGS84 degrees.
fn read_prj(path: &Path) -> Result<SourceCrs> {
    let prj = path.with_extension("prj");
    if !prj.exists() {
        tracing::warn!("{}: no .prj file, assuming WGS84 longitude/latitude", path.display());
        return Ok(SourceCrs::Wgs84);
    }
    let wkt = std::fs::read_to_string(&prj).with_context(|| format!("cannot read {}", prj.display()))?;
    Ok(SourceCrs::Wkt(wkt.trim().to_string()))
}

fn field_text(value: FieldValue) -> Option<String> {
    let text = match value {
        FieldValue::Character(s) => s?,
        FieldValue::Numeric(n) => format_number(n?),
        FieldValue::Float(f) => format_number(f64::from(f?)),
        FieldValue::Integer(i) => i.to_string(),
        FieldValue::Double(d) | FieldValue::Currency(d) => format_number(d),
        FieldValue::Logical(b) => b?.to_string(),
        FieldValue::Memo(s) => s,
        _ => return None,
    };
    let text = text.trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}
