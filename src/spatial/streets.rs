//! Named streets, from the archive's roads layer at its most detailed zoom: every named line cut
//! at its tile's edge (so no piece is counted twice), as segments in an R-tree in world units.
//! It answers which street is nearest a point (an alarm's address) and where all of one
//! street runs (a search result drawn and framed).

use geo::Coord;
use geozero::mvt::tile;
use rstar::primitives::{GeomWithData, Line};
use rstar::{PointDistance, RTree};

use crate::basemap::clip::{clip_line, ClipRect};
use crate::basemap::mvt::{decode_geometry, Props};
use crate::crs::{ground_metres_per_world_unit, lonlat_to_world, world_to_lonlat, TileId};

/// A street farther than this from a point is not its street.
pub const MAX_STREET_DISTANCE_M: f64 = 250.0;

type Segment = GeomWithData<Line<[f64; 2]>, u32>;

#[derive(Default)]
pub struct Streets {
    /// Street names, each once, sorted.
    names: Vec<String>,
    /// Each street's pieces as `[lon, lat]` lines, by name index.
    lines: Vec<Vec<Vec<[f64; 2]>>>,
    tree: RTree<Segment>,
}

impl Streets {
    /// The streets of the roads layers given (see [`crate::basemap::Archive::max_zoom_layers`]).
    pub fn from_layers(layers: &[(TileId, tile::Layer)]) -> Self {
        let mut by_name: std::collections::BTreeMap<String, Vec<Vec<[f64; 2]>>> = Default::default();
        for (id, layer) in layers {
            let extent = f64::from(layer.extent.unwrap_or(4096));
            if extent <= 0.0 {
                continue;
            }
            let rect = ClipRect { min: Coord { x: 0.0, y: 0.0 }, max: Coord { x: extent, y: extent } };
            let (tx, ty, _, _) = id.world_bounds();
            let size = id.world_size();
            for feature in &layer.features {
                let props = Props { layer, feature };
                let Some(name) = props.string("name") else { continue };
                let pieces = by_name.entry(name.to_string()).or_default();
                let decoded = decode_geometry(feature, 1.0);
                for part in &decoded.parts {
                    let pts: Vec<Coord<f64>> =
                        part.iter().map(|p| Coord { x: f64::from(p[0]), y: f64::from(p[1]) }).collect();
                    for piece in clip_line(&pts, &rect) {
                        let world = |c: &Coord<f64>| (tx + c.x / extent * size, ty + c.y / extent * size);
                        let line: Vec<[f64; 2]> = piece
                            .iter()
                            .map(|c| {
                                let (wx, wy) = world(c);
                                let (lon, lat) = world_to_lonlat(wx, wy);
                                [lon, lat]
                            })
                            .collect();
                        if line.len() > 1 {
                            pieces.push(line);
                        }
                    }
                }
            }
        }
        let (names, lines): (Vec<String>, Vec<_>) =
            by_name.into_iter().filter(|(_, l)| !l.is_empty()).map(|(name, pieces)| (name, stitch(pieces))).unzip();
        let segments = lines
            .iter()
            .enumerate()
            .flat_map(|(i, pieces): (usize, &Vec<Vec<[f64; 2]>>)| {
                pieces.iter().flat_map(move |line| {
                    line.windows(2).map(move |w| {
                        let a = lonlat_to_world(w[0][0], w[0][1]);
                        let b = lonlat_to_world(w[1][0], w[1][1]);
                        GeomWithData::new(Line::new([a.0, a.1], [b.0, b.1]), i as u32)
                    })
                })
            })
            .collect();
        Self { names, lines, tree: RTree::bulk_load(segments) }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The street nearest a point and how far it is, in metres; `None` where no street is
    /// within [`MAX_STREET_DISTANCE_M`].
    pub fn nearest(&self, lon: f64, lat: f64) -> Option<(&str, f64)> {
        let (wx, wy) = lonlat_to_world(lon, lat);
        let segment = self.tree.nearest_neighbor(&[wx, wy])?;
        let metres = segment.geom().distance_2(&[wx, wy]).sqrt() * ground_metres_per_world_unit(lat);
        let name = self.names.get(segment.data as usize)?;
        (metres <= MAX_STREET_DISTANCE_M).then_some((name.as_str(), metres))
    }

    /// Every street once, sorted by name, with a point on it (`[lon, lat]`): what a search box
    /// looks roads up in.
    pub fn named_points(&self) -> Vec<(String, [f64; 2])> {
        let point = |pieces: &[Vec<[f64; 2]>]| pieces.first().and_then(|line| line.get(line.len() / 2)).copied();
        self.names.iter().zip(&self.lines).filter_map(|(name, pieces)| Some((name.clone(), point(pieces)?))).collect()
    }

    /// Every piece of the street of this name, as `[lon, lat]` lines (empty for a name the
    /// map does not have).
    pub fn lines(&self, name: &str) -> &[Vec<[f64; 2]>] {
        match self.names.binary_search_by(|n| n.as_str().cmp(name)) {
            Ok(i) => &self.lines[i],
            Err(_) => &[],
        }
    }
}

/// Joins pieces that continue one another (a line cut at a tile edge ends where the next piece
/// starts), so a street is drawn as few lines as it really has.
fn stitch(pieces: Vec<Vec<[f64; 2]>>) -> Vec<Vec<[f64; 2]>> {
    let key = |p: &[f64; 2]| ((p[0] * 1e7).round() as i64, (p[1] * 1e7).round() as i64);
    let mut starts: std::collections::HashMap<(i64, i64), Vec<usize>> = Default::default();
    for (i, piece) in pieces.iter().enumerate() {
        starts.entry(key(&piece[0])).or_default().push(i);
    }
    let ends: std::collections::HashSet<(i64, i64)> = pieces.iter().map(|p| key(&p[p.len() - 1])).collect();
    let continues: Vec<bool> = pieces.iter().map(|p| ends.contains(&key(&p[0]))).collect();
    let mut taken = vec![false; pieces.len()];
    let mut out = Vec::new();
    // Lines start at pieces nothing leads into; loops (and pieces after forks) come after.
    let firsts: Vec<usize> = (0..pieces.len()).filter(|&i| !continues[i]).chain(0..pieces.len()).collect();
    for first in firsts {
        if taken[first] {
            continue;
        }
        taken[first] = true;
        let mut line = pieces[first].clone();
        while let Some(&next) = starts.get(&key(&line[line.len() - 1])).and_then(|c| c.iter().find(|&&j| !taken[j])) {
            taken[next] = true;
            line.extend_from_slice(&pieces[next][1..]);
        }
        out.push(line);
    }
    out
}
