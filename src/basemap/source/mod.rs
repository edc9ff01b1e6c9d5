//! Readers for the formats a city arrives in: OSM PBF, Shapefile (with its `.prj`), GeoJSON
//! and FlatGeobuf. Each returns [`RawFeature`]s in WGS84 degrees with lower-case keys; every
//! error names the file and the reason.

mod fgb;
mod geojson_file;
mod osm;
mod shp;

use std::path::Path;

use anyhow::{bail, Context, Result};
use geo::CoordsIter;

use crate::basemap::schema::RawFeature;
use crate::crs::{reproject::check_lonlat, Reprojector, SourceCrs};

/// The input formats pantau imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    OsmPbf,
    Shapefile,
    GeoJson,
    FlatGeobuf,
}

impl Format {
    /// Tells the format from the file name.
    pub fn of(path: &Path) -> Result<Self> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
        Ok(if name.ends_with(".osm.pbf") || name.ends_with(".pbf") {
            Format::OsmPbf
        } else if name.ends_with(".shp") {
            Format::Shapefile
        } else if name.ends_with(".geojson") || name.ends_with(".json") {
            Format::GeoJson
        } else if name.ends_with(".fgb") {
            Format::FlatGeobuf
        } else {
            bail!("unknown format (expected .osm.pbf, .shp, .geojson/.json or .fgb)")
        })
    }
}

/// Reads one input file completely, reprojected to WGS84.
pub fn read(path: &Path) -> Result<Vec<RawFeature>> {
    let run = || -> Result<Vec<RawFeature>> {
        if !path.exists() {
            bail!("file not found");
        }
        let format = Format::of(path)?;
        let features = match format {
            Format::OsmPbf => osm::read(path)?,
            Format::Shapefile => shp::read(path)?,
            Format::GeoJson => geojson_file::read(path)?,
            Format::FlatGeobuf => fgb::read(path)?,
        };
        for f in &features {
            f.geometry.coords_iter().try_for_each(check_lonlat)?;
        }
        Ok(features)
    };
    run().with_context(|| format!("{}", path.display()))
}

/// Reprojects every feature in place.
fn reproject_all(crs: &SourceCrs, features: &mut [RawFeature]) -> Result<()> {
    let reprojector = Reprojector::new(crs)?;
    if reprojector.is_identity() {
        return Ok(());
    }
    features.iter_mut().try_for_each(|f| reprojector.geometry(&mut f.geometry))
}
