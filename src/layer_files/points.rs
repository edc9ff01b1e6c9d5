//! The one reader of point layers with attributes: GeoJSON, Shapefile and FlatGeobuf points (any
//! CRS the importer reads, reprojected to WGS84) or CSV with `lon` and `lat` columns (headers
//! matched case-insensitively). Cameras, units, stations, alarm sites and query points all come
//! through here.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use geo::Geometry;

use crate::basemap::source;

/// A point and its attributes (keys lower-case for CSV, as the file has them otherwise).
#[derive(Clone, Debug, PartialEq)]
pub struct TaggedPoint {
    pub lon: f64,
    pub lat: f64,
    pub tags: Vec<(String, String)>,
}

impl TaggedPoint {
    /// An attribute's value, trimmed; `None` when absent or blank.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// Whether the point lies on the globe (finite, longitude within ±180, latitude ±90).
    pub fn on_globe(&self) -> bool {
        crate::crs::on_globe(self.lon, self.lat)
    }
}

/// Every point of a layer file, in file order. A feature that is not a point, a CSV row
/// without a numeric `lon` or `lat`, or an unreadable file is an error naming the file and the
/// feature (row numbers count the header as row 1).
pub fn read_points(path: &Path) -> Result<Vec<TaggedPoint>> {
    if is_csv(path) {
        return read_csv(path);
    }
    source::read(path)?
        .into_iter()
        .enumerate()
        .map(|(i, f)| match f.geometry {
            Geometry::Point(p) => Ok(TaggedPoint { lon: p.x(), lat: p.y(), tags: f.tags }),
            _ => Err(anyhow!("{}: feature {i} is not a point", path.display())),
        })
        .collect()
}

/// Where the `index`th point of a file is, for error messages: "PATH: row N" in a CSV file
/// (the header is row 1), "PATH: feature N" (from 0, as GIS tools count) otherwise.
pub fn place_in_file(path: &Path, index: usize) -> String {
    if is_csv(path) {
        format!("{}: row {}", path.display(), index + 2)
    } else {
        format!("{}: feature {index}", path.display())
    }
}

/// Whether a path names a CSV file (by extension).
pub fn is_csv(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

fn read_csv(path: &Path) -> Result<Vec<TaggedPoint>> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let headers: Vec<String> =
        reader.headers().map_err(|e| anyhow!("{}: {e}", path.display()))?.iter().map(str::to_ascii_lowercase).collect();
    let mut points = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| anyhow!("{}: row {row}: {e}", path.display()))?;
        let tags: Vec<(String, String)> = headers.iter().cloned().zip(record.iter().map(str::to_string)).collect();
        let number = |k: &str| {
            tags.iter()
                .find(|(key, _)| key == k)
                .and_then(|(_, v)| v.trim().parse::<f64>().ok())
                .ok_or_else(|| anyhow!("{}: row {row}: no numeric {k}", path.display()))
        };
        points.push(TaggedPoint { lon: number("lon")?, lat: number("lat")?, tags });
    }
    Ok(points)
}
