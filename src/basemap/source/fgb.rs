//! FlatGeobuf files; the CRS comes from the header's EPSG code.
//!
//! The flatgeobuf crate trusts the sizes written in a file: a feature's size prefix is
//! allocated as claimed (up to 4 GiB for a 700-byte file), an index node size of 1 trips an
//! assertion, and property values and coordinates are indexed without bounds checks. A layer
//! file is outside input, so its layout is checked here first (every size against the file's
//! length, every property value against its feature's property bytes, every ring end and
//! coordinate array against the coordinates there are, and all the coordinates against what
//! the file can hold), and only a file that passes is decoded. Found by fuzzing (`fuzz/corpus/layer_fgb/crash-*`).

use std::io::Cursor;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use flatgeobuf::{ColumnType, FallibleStreamingIterator, FeatureProperties, FgbReader, Geometry, GeometryType, Header};
use geozero::ToGeo;

use super::reproject_all;
use crate::basemap::schema::RawFeature;
use crate::crs::SourceCrs;

/// Bytes before the header: the magic number and the header's size.
const PREAMBLE: usize = 12;
/// Bytes of one packed R-tree node (a bounding box and an offset).
const INDEX_NODE_BYTES: usize = 40;

pub fn read(path: &Path) -> Result<Vec<RawFeature>> {
    let bytes = std::fs::read(path).context("cannot read the file")?;
    let reader = FgbReader::open(Cursor::new(&bytes[..])).map_err(|e| anyhow!("corrupt FlatGeobuf: {e}"))?;
    let header = reader.header();
    let features_start = check_index(&bytes, &header)?;
    check_feature_sizes(&bytes, features_start)?;
    let crs = match header.crs().map(|c| c.code()) {
        Some(code) if code > 0 => {
            SourceCrs::from_epsg(u16::try_from(code).map_err(|_| anyhow!("unknown CRS EPSG:{code}"))?)
        }
        _ => SourceCrs::Wgs84,
    };
    let geometry_type = header.geometry_type();
    let columns: Vec<ColumnType> = header.columns().map(|c| c.iter().map(|c| c.type_()).collect()).unwrap_or_default();
    let mut iter = reader.select_all().map_err(|e| anyhow!("corrupt FlatGeobuf: {e}"))?;
    let mut features = Vec::new();
    // Coordinate values the file can hold: 8 bytes each. Parts of a geometry may all point at
    // one stored ring, so a small file could otherwise unfold into gigabytes of coordinates.
    let mut budget = bytes.len() / 8;
    while let Some(feature) = iter.next().map_err(|e| anyhow!("corrupt FlatGeobuf feature: {e}"))? {
        let index = features.len();
        let properties = feature.fbs_feature().properties().map(|p| p.bytes()).unwrap_or_default();
        check_properties(properties, &columns).map_err(|e| anyhow!("FlatGeobuf feature {index}: {e}"))?;
        let shape = feature.fbs_feature().geometry();
        let values = shape
            .map_or(Ok(0), |g| check_geometry(&g, geometry_type))
            .map_err(|e| anyhow!("FlatGeobuf feature {index}: {e}"))?;
        budget = budget.checked_sub(values).ok_or_else(|| {
            anyhow!("FlatGeobuf feature {index}: more coordinates than the file holds (its parts repeat)")
        })?;
        let geometry = feature.to_geo().map_err(|e| anyhow!("bad FlatGeobuf geometry: {e}"))?;
        let props = feature.properties().map_err(|e| anyhow!("bad FlatGeobuf properties: {e}"))?;
        let tags = props.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        features.push(RawFeature { geometry, tags });
    }
    reproject_all(&crs, &mut features)?;
    Ok(features)
}

/// Where the features start: after the header and the spatial index, whose size follows from
/// the feature count and node size and must fit in the file.
fn check_index(bytes: &[u8], header: &Header) -> Result<usize> {
    let header_size = bytes.get(8..12).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let node_size = usize::from(header.index_node_size());
    let count = usize::try_from(header.features_count()).unwrap_or(usize::MAX);
    let index = match (node_size, count) {
        (0, _) | (_, 0) => 0,
        (1, _) => bail!("corrupt FlatGeobuf: index node size 1 (at least 2)"),
        _ => index_bytes(count, node_size).ok_or_else(|| anyhow!("corrupt FlatGeobuf: {count} features claimed"))?,
    };
    let start = (PREAMBLE + header_size).checked_add(index).filter(|&s| s <= bytes.len());
    start.ok_or_else(|| {
        anyhow!("corrupt FlatGeobuf: the header and index claim more than the file's {} bytes", bytes.len())
    })
}

/// Bytes of a packed R-tree over `count` items: the items, then every level up to the root
/// (one root node even over a single item, as the format writes it).
fn index_bytes(count: usize, node_size: usize) -> Option<usize> {
    let (mut level, mut nodes) = (count, count);
    loop {
        level = level.div_ceil(node_size);
        nodes = nodes.checked_add(level)?;
        if level <= 1 {
            return nodes.checked_mul(INDEX_NODE_BYTES);
        }
    }
}

/// Every feature's size prefix runs to within the file.
fn check_feature_sizes(bytes: &[u8], mut at: usize) -> Result<()> {
    while at < bytes.len() {
        let size = bytes.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
        let end = size.and_then(|s| (at + 4).checked_add(s)).filter(|&end| end <= bytes.len());
        at =
            end.ok_or_else(|| anyhow!("corrupt FlatGeobuf: the feature at byte {at} runs past the end of the file"))?;
    }
    Ok(())
}

/// A feature's properties: `(column u16, value)` pairs, each value inside the bytes, walked as
/// the crate walks them (while at least two bytes are left; nothing read for an unknown type).
fn check_properties(bytes: &[u8], columns: &[ColumnType]) -> Result<()> {
    let mut at = 0;
    while at + 1 < bytes.len() {
        let column = usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
        at += 2;
        let kind =
            columns.get(column).ok_or_else(|| anyhow!("property of column {column}, which is not in the header"))?;
        let size = match *kind {
            ColumnType::Byte | ColumnType::UByte | ColumnType::Bool => 1,
            ColumnType::Short | ColumnType::UShort => 2,
            ColumnType::Int | ColumnType::UInt | ColumnType::Float => 4,
            ColumnType::Long | ColumnType::ULong | ColumnType::Double => 8,
            ColumnType::String | ColumnType::Json | ColumnType::DateTime | ColumnType::Binary => {
                let length = bytes.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
                at += 4;
                length.ok_or_else(|| anyhow!("a property length runs past the property bytes"))?
            }
            // A type this version does not know carries no value it reads.
            _ => 0,
        };
        at = at
            .checked_add(size)
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| anyhow!("a property value runs past the property bytes"))?;
    }
    Ok(())
}

/// A geometry of the kinds layer files hold (points, lines, polygons and their multi forms),
/// with coordinates for every ring end and every extra dimension; a feature's own type when
/// the header's is unknown, as the crate reads it. Returns how many coordinate values it
/// unfolds into.
fn check_geometry(geometry: &Geometry, kind: GeometryType) -> Result<usize> {
    let kind = if kind == GeometryType::Unknown { geometry.type_() } else { kind };
    match kind {
        GeometryType::Point
        | GeometryType::MultiPoint
        | GeometryType::LineString
        | GeometryType::MultiLineString
        | GeometryType::Polygon => check_coordinates(geometry, kind == GeometryType::Point),
        GeometryType::MultiPolygon => match geometry.parts() {
            Some(parts) => parts.iter().try_fold(0usize, |sum, part| {
                let values = check_geometry(&part, GeometryType::Polygon)?;
                sum.checked_add(values).ok_or_else(|| anyhow!("too many coordinates"))
            }),
            None => check_coordinates(geometry, false),
        },
        other => bail!("geometry type {other:?} is not read from layer files"),
    }
}

fn check_coordinates(geometry: &Geometry, point: bool) -> Result<usize> {
    let values = geometry.xy().map_or(0, |xy| xy.len());
    if values % 2 == 1 || (point && values < 2) {
        bail!("{values} coordinate values do not make {} points", if point { "one or more" } else { "whole" });
    }
    let points = values / 2;
    let extra = [geometry.z().map(|v| v.len()), geometry.m().map(|v| v.len()), geometry.t().map(|v| v.len())];
    let short = extra.into_iter().chain([geometry.tm().map(|v| v.len())]).flatten().find(|&n| n < points);
    if let Some(n) = short {
        bail!("an extra dimension has {n} values for {points} points");
    }
    let mut previous = 0;
    for end in geometry.ends().iter().flat_map(|ends| ends.iter()) {
        let end = end as usize;
        if end < previous || end > points {
            bail!("a ring ends at point {end}, outside the {points} points there are");
        }
        previous = end;
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_sizes_are_the_formats() {
        for (count, node_size) in [(1, 16), (2, 2), (16, 16), (17, 16), (1000, 16), (123_457, 7)] {
            let expected = flatgeobuf::packed_r_tree::PackedRTree::index_size(count, node_size as u16);
            assert_eq!(index_bytes(count, node_size), Some(expected), "{count} items, nodes of {node_size}");
        }
        assert_eq!(index_bytes(usize::MAX, 2), None);
    }
}
