//! Decoding an MVT tile and turning it into GPU-ready geometry: polygon fills tessellated with
//! lyon, lines as one instance per segment (widened on the GPU so widths stay constant in
//! pixels at any zoom), point symbols, and label candidates. Everything stays in tile
//! coordinates (0..4096 as `f32`); the renderer places tiles relative to the camera.

use std::ops::Range;

use anyhow::{anyhow, Result};
use bytemuck::{Pod, Zeroable};
use geozero::mvt::{tile, Message, Tile};
use lyon::math::point;
use lyon::path::Path;
use lyon::tessellation::{
    BuffersBuilder, FillOptions, FillRule, FillTessellator, FillVertex as LyonVertex, VertexBuffers,
};

use super::mvt::{decode_geometry, Props};
use super::schema::ROAD_CLASSES;
use crate::crs::TileId;

/// Paint slots: every drawable kind of feature, in drawing order. The style file gives each a
/// colour and, for lines and points, widths; shaders look colours up by slot index.
pub const SLOTS: [&str; 29] = [
    "landuse.residential",
    "landuse.commercial",
    "landuse.industrial",
    "landuse.cemetery",
    "landuse.grass",
    "landuse.forest",
    "landuse.park",
    "landuse.sport",
    "landuse.beach",
    "water",
    "building",
    "waterway.stream",
    "waterway.canal",
    "waterway.river",
    "boundary.7",
    "boundary.6",
    "boundary.5",
    "boundary.4",
    "road.path",
    "road.service",
    "road.residential",
    "road.tertiary",
    "road.secondary",
    "road.primary",
    "road.trunk",
    "road.motorway",
    "poi.traffic_signals",
    "poi.camera",
    "poi.police",
];

/// Index of a slot by name.
pub fn slot(name: &str) -> Option<u32> {
    SLOTS.iter().position(|s| *s == name).map(|i| i as u32)
}

/// First road slot; road slots follow in [`ROAD_CLASSES`] order.
pub fn is_road_slot(slot: u32) -> bool {
    SLOTS[slot as usize].starts_with("road.")
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct FillVertex {
    pub pos: [f32; 2],
    pub slot: u32,
}

/// One line segment, drawn as a capsule so joins and caps come out round.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct SegmentInstance {
    pub a: [f32; 2],
    pub b: [f32; 2],
    pub slot: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct PointInstance {
    pub pos: [f32; 2],
    pub slot: u32,
}

/// A label candidate; placement and collision happen per frame in the renderer.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelCandidate {
    pub text: String,
    pub pos: [f32; 2],
    pub slot: u32,
    /// For a named line, the line (tile units) its name is set along; `pos` is its middle.
    /// Empty for names of points and areas.
    pub path: Vec<[f32; 2]>,
}

/// A tile ready to upload: geometry sorted by slot, with the index range of each slot.
#[derive(Clone, Debug, Default)]
pub struct TileMesh {
    pub id: Option<TileId>,
    pub fill_vertices: Vec<FillVertex>,
    pub fill_indices: Vec<u32>,
    pub fill_ranges: Vec<(u32, Range<u32>)>,
    pub segments: Vec<SegmentInstance>,
    pub segment_ranges: Vec<(u32, Range<u32>)>,
    pub points: Vec<PointInstance>,
    pub labels: Vec<LabelCandidate>,
}

impl TileMesh {
    pub fn is_empty(&self) -> bool {
        self.fill_indices.is_empty() && self.segments.is_empty() && self.points.is_empty()
    }
}

/// Reusable tessellation state (one per worker thread).
#[derive(Default)]
pub struct MeshBuilder {
    tessellator: FillTessellator,
}

impl MeshBuilder {
    /// Decodes MVT bytes and builds the mesh.
    pub fn build(&mut self, id: TileId, mvt: &[u8]) -> Result<TileMesh> {
        let tile = Tile::decode(mvt).map_err(|e| anyhow!("tile {id}: not a vector tile ({e})"))?;
        let mut polygons: Vec<Vec<Vec<Vec<[f32; 2]>>>> = vec![Vec::new(); SLOTS.len()];
        let mut segments: Vec<Vec<SegmentInstance>> = vec![Vec::new(); SLOTS.len()];
        let mut mesh = TileMesh { id: Some(id), ..Default::default() };
        for layer in &tile.layers {
            // An extent of 0 has no coordinate space (it would scale every point to infinity);
            // such a layer has nothing to draw. Found by fuzzing (fuzz/corpus/mvt_tile/crash-*).
            let extent = layer.extent.unwrap_or(4096);
            if extent == 0 {
                continue;
            }
            let scale = 4096.0 / extent as f32;
            for feature in &layer.features {
                let props = Props { layer, feature };
                let Some(slot) = slot_of(&layer.name, &props) else { continue };
                let decoded = decode_geometry(feature, scale);
                match decoded.kind {
                    k if k == tile::GeomType::Polygon as i32 => polygons[slot as usize].push(decoded.parts),
                    k if k == tile::GeomType::Linestring as i32 => {
                        push_segments(&mut segments[slot as usize], &decoded.parts, slot);
                        // Boundary outlines carry names too, but districts are labelled at their label point.
                        if let Some(name) =
                            props.string("name").filter(|_| !SLOTS[slot as usize].starts_with("boundary."))
                        {
                            push_line_label(&mut mesh.labels, name, &decoded.parts, slot);
                        }
                    }
                    k if k == tile::GeomType::Point as i32 => {
                        push_points(&mut mesh, &props, &decoded.parts, slot);
                    }
                    _ => {}
                }
            }
        }
        self.tessellate(&mut mesh, &polygons)?;
        for (slot, segs) in segments.into_iter().enumerate() {
            if !segs.is_empty() {
                let start = mesh.segments.len() as u32;
                mesh.segments.extend(segs);
                mesh.segment_ranges.push((slot as u32, start..mesh.segments.len() as u32));
            }
        }
        Ok(mesh)
    }

    fn tessellate(&mut self, mesh: &mut TileMesh, polygons: &[Vec<Vec<Vec<[f32; 2]>>>]) -> Result<()> {
        let options = FillOptions::tolerance(1.0).with_fill_rule(FillRule::EvenOdd);
        for (slot, features) in polygons.iter().enumerate().filter(|(_, f)| !f.is_empty()) {
            let mut builder = Path::builder();
            for ring in features.iter().flatten().filter(|r| r.len() >= 3) {
                builder.begin(point(ring[0][0], ring[0][1]));
                for p in &ring[1..] {
                    builder.line_to(point(p[0], p[1]));
                }
                builder.close();
            }
            let path = builder.build();
            let mut buffers: VertexBuffers<FillVertex, u32> = VertexBuffers::new();
            let slot = slot as u32;
            self.tessellator
                .tessellate_path(
                    &path,
                    &options,
                    &mut BuffersBuilder::new(&mut buffers, |v: LyonVertex| FillVertex {
                        pos: v.position().to_array(),
                        slot,
                    }),
                )
                .map_err(|e| anyhow!("tessellation failed: {e:?}"))?;
            let base = mesh.fill_vertices.len() as u32;
            let start = mesh.fill_indices.len() as u32;
            mesh.fill_vertices.extend(buffers.vertices);
            mesh.fill_indices.extend(buffers.indices.iter().map(|i| i + base));
            mesh.fill_ranges.push((slot, start..mesh.fill_indices.len() as u32));
        }
        Ok(())
    }
}

fn slot_of(layer: &str, props: &Props) -> Option<u32> {
    let class = props.string("class").unwrap_or_default();
    match layer {
        "landuse" => slot(&format!("landuse.{class}")),
        "water" if class == "water" || class.is_empty() => slot("water"),
        "water" => slot(&format!("waterway.{class}")),
        "buildings" => slot("building"),
        "boundaries" => {
            let level = props.number("level").unwrap_or(7.0).clamp(4.0, 7.0) as u32;
            slot(&format!("boundary.{level}"))
        }
        "roads" if ROAD_CLASSES.iter().any(|(c, _)| *c == class) => slot(&format!("road.{class}")),
        "pois" => slot(&format!("poi.{class}")),
        _ => None,
    }
}

fn push_segments(out: &mut Vec<SegmentInstance>, parts: &[Vec<[f32; 2]>], slot: u32) {
    for part in parts {
        out.extend(part.windows(2).map(|w| SegmentInstance { a: w[0], b: w[1], slot }));
    }
}

/// A named line is labelled along its longest part whose middle lies inside this tile (the
/// middle of a part that only passes through the tile's buffer belongs to a neighbour).
fn push_line_label(labels: &mut Vec<LabelCandidate>, name: &str, parts: &[Vec<[f32; 2]>], slot: u32) {
    let longest = parts
        .iter()
        .filter_map(|part| {
            let (middle, length) = middle_of(part)?;
            inside_tile(middle).then_some((part, middle, length))
        })
        .max_by(|a, b| a.2.total_cmp(&b.2));
    if let Some((part, pos, _)) = longest {
        labels.push(LabelCandidate { text: name.to_string(), pos, slot, path: part.clone() });
    }
}

/// The point halfway along a line, and the line's length.
fn middle_of(line: &[[f32; 2]]) -> Option<([f32; 2], f32)> {
    let length_of = |w: &[[f32; 2]]| (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]);
    let length: f32 = line.windows(2).map(length_of).sum();
    let mut left = length / 2.0;
    for w in line.windows(2) {
        let step = length_of(w);
        if step > 0.0 && left <= step {
            let t = left / step;
            return Some(([w[0][0] + (w[1][0] - w[0][0]) * t, w[0][1] + (w[1][1] - w[0][1]) * t], length));
        }
        left -= step;
    }
    None
}

fn push_points(mesh: &mut TileMesh, props: &Props, parts: &[Vec<[f32; 2]>], slot: u32) {
    let is_label = props.flag("label");
    for &pos in parts.iter().flatten() {
        if !is_label {
            mesh.points.push(PointInstance { pos, slot });
        }
        if let Some(name) = props.string("name").filter(|_| is_label || !is_road_slot(slot)) {
            mesh.labels.push(LabelCandidate { text: name.to_string(), pos, slot, path: Vec::new() });
        }
    }
}

fn inside_tile(p: [f32; 2]) -> bool {
    (0.0..4096.0).contains(&p[0]) && (0.0..4096.0).contains(&p[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_road_class_has_a_slot() {
        for (class, _) in ROAD_CLASSES {
            assert!(slot(&format!("road.{class}")).is_some_and(is_road_slot), "{class}");
        }
    }
}
