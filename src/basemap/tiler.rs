//! Cutting classified features into Mapbox Vector Tiles, zoom by zoom: drop what a zoom does
//! not show, simplify to the zoom's pixel size, clip to each tile plus a small buffer, and
//! encode. Zooms are cut in parallel; the output is sorted by PMTiles tile id.

use std::collections::{BTreeMap, HashMap};

use geo::{
    Area, BoundingRect, Coord, Geometry, InteriorPoint, LineString, MapCoords, MultiLineString, Point, Rect, Simplify,
};
use geozero::mvt::{tile, Message, TagsBuilder, Tile, TileValue};
use geozero::ToMvt;
use rayon::prelude::*;

use super::clip::{clip_line, clip_ring, ClipRect};
use super::schema::{Layer, MapFeature};
use crate::crs::{lonlat_to_world, TileId, TileRange};

/// Tile coordinate extent (MVT default).
pub const EXTENT: u32 = 4096;
/// Clip buffer around each tile, in extent units (8 px on a 512 px tile).
pub const BUFFER: f64 = 64.0;

/// A feature projected to world units and ready to cut.
pub struct WorldFeature {
    pub id: u64,
    pub layer: Layer,
    pub min_zoom: u8,
    pub geometry: Geometry<f64>,
    pub bbox: Rect<f64>,
    pub props: Vec<(String, TileValue)>,
}

/// Projects features to world units. Boundary polygons become their outline plus one label
/// point, so tiles never show clip edges as boundaries and labels are not repeated per tile.
pub fn prepare(features: Vec<MapFeature>) -> Vec<WorldFeature> {
    let mut out = Vec::with_capacity(features.len());
    for (i, f) in features.into_iter().enumerate() {
        let id = i as u64 + 1;
        let geometry = f.geometry.map_coords(|c| {
            let (x, y) = lonlat_to_world(c.x, c.y);
            Coord { x, y }
        });
        if f.layer == Layer::Boundaries {
            push_boundary(&mut out, id, f.min_zoom, geometry, f.props);
        } else {
            push(&mut out, id, f.layer, f.min_zoom, geometry, f.props);
        }
    }
    out
}

fn push(
    out: &mut Vec<WorldFeature>,
    id: u64,
    layer: Layer,
    min_zoom: u8,
    geometry: Geometry<f64>,
    props: Vec<(String, TileValue)>,
) {
    if let Some(bbox) = geometry.bounding_rect() {
        out.push(WorldFeature { id, layer, min_zoom, geometry, bbox, props });
    }
}

fn push_boundary(
    out: &mut Vec<WorldFeature>,
    id: u64,
    min_zoom: u8,
    geometry: Geometry<f64>,
    props: Vec<(String, TileValue)>,
) {
    let rings: Vec<LineString<f64>> = match &geometry {
        Geometry::Polygon(p) => std::iter::once(p.exterior()).chain(p.interiors()).cloned().collect(),
        Geometry::MultiPolygon(m) => {
            m.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()).cloned()).collect()
        }
        _ => {
            push(out, id, Layer::Boundaries, min_zoom, geometry, props);
            return;
        }
    };
    if let Some(label) = geometry.interior_point() {
        let mut label_props = props.clone();
        label_props.push(("label".into(), TileValue::Bool(true)));
        push(out, id, Layer::Boundaries, min_zoom + 2, Geometry::Point(label), label_props);
    }
    push(out, id, Layer::Boundaries, min_zoom, Geometry::MultiLineString(MultiLineString(rings)), props);
}

/// Cuts every zoom in `min_zoom..=max_zoom`; `on_zoom_done` is told as each zoom finishes.
pub fn cut_all(
    features: &[WorldFeature],
    min_zoom: u8,
    max_zoom: u8,
    on_zoom_done: impl Fn(u8) + Sync,
) -> Vec<(TileId, Vec<u8>)> {
    let mut tiles: Vec<(TileId, Vec<u8>)> = (min_zoom..=max_zoom)
        .into_par_iter()
        .rev()
        .flat_map_iter(|z| {
            let tiles = cut_zoom(features, z, max_zoom);
            on_zoom_done(z);
            tiles
        })
        .collect();
    tiles.sort_by_key(|(t, _)| pmtiles_id(*t));
    tiles
}

/// The PMTiles (Hilbert) id of a tile: archives are written in this order.
pub fn pmtiles_id(t: TileId) -> u64 {
    pmtiles::TileId::from(pmtiles::TileCoord::new(t.z, t.x, t.y).expect("tile coordinates come from a valid range"))
        .value()
}

#[derive(Default)]
struct TileBuilder {
    layers: BTreeMap<Layer, (Vec<tile::Feature>, TagsBuilder)>,
}

/// Cuts one zoom level into encoded tiles.
pub fn cut_zoom(features: &[WorldFeature], z: u8, max_zoom: u8) -> Vec<(TileId, Vec<u8>)> {
    let mut tiles: HashMap<TileId, TileBuilder> = HashMap::new();
    let tile_size = 1.0 / f64::from(TileId::side(z));
    let buffer = BUFFER / f64::from(EXTENT) * tile_size;
    for f in features.iter().filter(|f| f.min_zoom <= z) {
        let Some(geometry) = generalise(&f.geometry, z, max_zoom) else { continue };
        let (min, max) = (f.bbox.min(), f.bbox.max());
        let range = TileRange::covering(z, min.x - buffer, min.y - buffer, max.x + buffer, max.y + buffer);
        for tile_id in range.iter() {
            let Some(cut) = cut_to_tile(&geometry, tile_id) else { continue };
            let Ok(mut feature) = cut.to_mvt_unscaled() else { continue };
            let (features, tags) = tiles.entry(tile_id).or_default().layers.entry(f.layer).or_default();
            feature.id = Some(f.id);
            for (k, v) in &f.props {
                let (ki, vi) = tags.insert_ref(k, v.clone());
                feature.tags.extend([ki, vi]);
            }
            features.push(feature);
        }
    }
    tiles.into_iter().map(|(id, b)| (id, encode(b))).collect()
}

fn encode(builder: TileBuilder) -> Vec<u8> {
    let layers = builder
        .layers
        .into_iter()
        .map(|(layer, (features, tags))| {
            let (keys, values) = tags.into_tags();
            tile::Layer {
                version: 2,
                name: layer.name().to_string(),
                features,
                keys,
                values: values.into_iter().map(Into::into).collect(),
                extent: Some(EXTENT),
            }
        })
        .collect();
    Tile { layers }.encode_to_vec()
}

/// Simplifies to the zoom's resolution; `None` when the feature is too small to see.
fn generalise(geometry: &Geometry<f64>, z: u8, max_zoom: u8) -> Option<Geometry<f64>> {
    let unit = 1.0 / f64::from(TileId::side(z)) / f64::from(EXTENT);
    let epsilon = unit * if z >= max_zoom { 1.0 } else { 4.0 };
    let min_area = (unit * 8.0).powi(2) * 4.0; // about two square pixels on a 512 px tile
    Some(match geometry {
        // At the most detailed zoom lines keep every vertex: junctions in the middle of a road
        // are vertices other roads end on, and the road graph is rebuilt from these tiles.
        Geometry::LineString(_) | Geometry::MultiLineString(_) if z >= max_zoom => geometry.clone(),
        Geometry::LineString(l) => Geometry::LineString(l.simplify(epsilon)),
        Geometry::MultiLineString(m) => Geometry::MultiLineString(m.simplify(epsilon)),
        Geometry::Polygon(p) if p.unsigned_area() < min_area => return None,
        Geometry::Polygon(p) => Geometry::Polygon(p.simplify(epsilon)),
        Geometry::MultiPolygon(m) => {
            let kept: Vec<_> =
                m.iter().filter(|p| p.unsigned_area() >= min_area).map(|p| p.simplify(epsilon)).collect();
            if kept.is_empty() {
                return None;
            }
            Geometry::MultiPolygon(geo::MultiPolygon(kept))
        }
        other => other.clone(),
    })
}

/// Transforms to tile coordinates, clips, rounds and orients; `None` when nothing remains.
fn cut_to_tile(geometry: &Geometry<f64>, t: TileId) -> Option<Geometry<f64>> {
    let scale = f64::from(TileId::side(t.z)) * f64::from(EXTENT);
    let (x0, y0, _, _) = t.world_bounds();
    let to_tile = |c: &Coord<f64>| Coord { x: (c.x - x0) * scale, y: (c.y - y0) * scale };
    let extent = f64::from(EXTENT);
    let rect =
        ClipRect { min: Coord { x: -BUFFER, y: -BUFFER }, max: Coord { x: extent + BUFFER, y: extent + BUFFER } };
    let lines = |ls: &mut dyn Iterator<Item = &LineString<f64>>| -> Vec<LineString<f64>> {
        ls.flat_map(|l| {
            let pts: Vec<_> = l.0.iter().map(to_tile).collect();
            clip_line(&pts, &rect)
        })
        .filter_map(|part| round_line(&part))
        .collect()
    };
    match geometry {
        Geometry::Point(p) => {
            let c = to_tile(&p.0);
            // Points go to exactly one tile, so labels and POIs are not repeated.
            (c.x >= 0.0 && c.x < extent && c.y >= 0.0 && c.y < extent).then(|| Geometry::Point(Point(round(c))))
        }
        Geometry::LineString(l) => non_empty_lines(lines(&mut std::iter::once(l))),
        Geometry::MultiLineString(m) => non_empty_lines(lines(&mut m.iter())),
        Geometry::Polygon(p) => polygons(std::slice::from_ref(p), &to_tile, &rect),
        Geometry::MultiPolygon(m) => polygons(&m.0, &to_tile, &rect),
        _ => None,
    }
}

fn non_empty_lines(lines: Vec<LineString<f64>>) -> Option<Geometry<f64>> {
    match lines.len() {
        0 => None,
        1 => lines.into_iter().next().map(Geometry::LineString),
        _ => Some(Geometry::MultiLineString(MultiLineString(lines))),
    }
}

fn polygons(
    polys: &[geo::Polygon<f64>],
    to_tile: &dyn Fn(&Coord<f64>) -> Coord<f64>,
    rect: &ClipRect,
) -> Option<Geometry<f64>> {
    let ring = |l: &LineString<f64>, exterior: bool| {
        let pts: Vec<_> = l.0.iter().map(to_tile).collect();
        round_ring(&clip_ring(&pts, rect), exterior)
    };
    let out: Vec<geo::Polygon<f64>> = polys
        .iter()
        .filter_map(|p| {
            let exterior = ring(p.exterior(), true)?;
            let interiors = p.interiors().iter().filter_map(|i| ring(i, false)).collect();
            Some(geo::Polygon::new(exterior, interiors))
        })
        .collect();
    match out.len() {
        0 => None,
        1 => out.into_iter().next().map(Geometry::Polygon),
        _ => Some(Geometry::MultiPolygon(geo::MultiPolygon(out))),
    }
}

fn round(c: Coord<f64>) -> Coord<f64> {
    Coord { x: c.x.round(), y: c.y.round() }
}

fn round_dedup(points: &[Coord<f64>]) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(points.len());
    for p in points.iter().map(|p| round(*p)) {
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    out
}

fn round_line(points: &[Coord<f64>]) -> Option<LineString<f64>> {
    let pts = round_dedup(points);
    (pts.len() >= 2).then_some(LineString(pts))
}

/// A closed ring in MVT orientation: exterior rings have positive shoelace area in tile
/// coordinates (clockwise on screen), holes negative.
fn round_ring(points: &[Coord<f64>], exterior: bool) -> Option<LineString<f64>> {
    let mut pts = round_dedup(points);
    if pts.len() < 4 {
        return None;
    }
    let area: f64 = pts.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum();
    if area == 0.0 {
        return None;
    }
    if (area > 0.0) != exterior {
        pts.reverse();
    }
    Some(LineString(pts))
}
