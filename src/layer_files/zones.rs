//! Zones (rayon, kelurahan, kecamatan, ...) from polygon layer files; names, codes and levels
//! are read the way the importer reads boundaries.

use std::path::Path;

use anyhow::{bail, Result};
use geo::{Geometry, MultiPolygon};

use crate::basemap::schema::{boundary_fields, RawFeature};
use crate::basemap::source;
use crate::model::Zone;

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
