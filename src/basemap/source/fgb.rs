//! FlatGeobuf files; the CRS comes from the header's EPSG code.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use flatgeobuf::{FallibleStreamingIterator, FeatureProperties, FgbReader};
use geozero::ToGeo;

use super::reproject_all;
use crate::basemap::schema::RawFeature;
use crate::crs::SourceCrs;

pub fn read(path: &Path) -> Result<Vec<RawFeature>> {
    let mut file = BufReader::new(File::open(path).context("cannot open the file")?);
    let reader = FgbReader::open(&mut file).map_err(|e| anyhow!("corrupt FlatGeobuf: {e}"))?;
    let crs = match reader.header().crs().map(|c| c.code()) {
        Some(code) if code > 0 => {
            SourceCrs::from_epsg(u16::try_from(code).map_err(|_| anyhow!("unknown CRS EPSG:{code}"))?)
        }
        _ => SourceCrs::Wgs84,
    };
    let mut iter = reader.select_all().map_err(|e| anyhow!("corrupt FlatGeobuf: {e}"))?;
    let mut features = Vec::new();
    while let Some(feature) = iter.next().map_err(|e| anyhow!("corrupt FlatGeobuf feature: {e}"))? {
        let geometry = feature.to_geo().map_err(|e| anyhow!("bad FlatGeobuf geometry: {e}"))?;
        let props = feature.properties().map_err(|e| anyhow!("bad FlatGeobuf properties: {e}"))?;
        let tags = props.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        features.push(RawFeature { geometry, tags });
    }
    reproject_all(&crs, &mut features)?;
    Ok(features)
}
