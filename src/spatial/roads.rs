//! The road graph, rebuilt from an archive's roads layer at its most detailed zoom: every
//! vertex is a node, consecutive vertices are edges (both ways unless one-way), and lines are
//! cut exactly at tile edges so pieces from neighbouring tiles meet at the same node. Paths and
//! footways are left out: the graph is for driving.

use std::collections::{BinaryHeap, HashMap};

use anyhow::Result;
use geo::Coord;
use geozero::mvt::tile;

use crate::basemap::clip::{clip_line, ClipRect};
use crate::basemap::mvt::{decode_geometry, Props};
use crate::basemap::Archive;
use crate::crs::geodesy::{chord2, haversine_m, kmh_to_mps, unit_vector, EARTH_MEAN_RADIUS_M, KMH_PER_MPS};
use crate::crs::{world_to_lonlat, TileId};

pub type RoadNode = u32;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edge {
    pub to: RoadNode,
    pub length_m: f32,
    /// Free-flow speed for the road class, km/h.
    pub speed_kmh: f32,
    /// Secondary or above (the roads camera coverage must reach).
    pub major: bool,
    /// The directed edge's id (its position in [`RoadGraph::edges`]), also on reversed copies.
    pub id: u32,
}

impl Edge {
    pub fn seconds(&self) -> f32 {
        self.length_m / (self.speed_kmh / KMH_PER_MPS as f32)
    }
}

/// Free-flow speed by road class, km/h (urban Jakarta-like defaults).
pub fn class_speed_kmh(class: &str) -> Option<f32> {
    Some(match class {
        "motorway" => 80.0,
        "trunk" => 60.0,
        "primary" => 45.0,
        "secondary" => 40.0,
        "tertiary" => 35.0,
        "residential" => 25.0,
        "service" => 15.0,
        _ => return None,
    })
}

/// Free-flow speed for a class and lane count: wide roads run faster, single lanes slower
/// (5% a lane around a two-lane baseline, kept within 85%-120% of the class speed).
pub fn road_speed_kmh(class: &str, lanes: Option<u32>) -> Option<f32> {
    let base = class_speed_kmh(class)?;
    let factor = lanes.map_or(1.0, |l| (1.0 + 0.05 * (l as f32 - 2.0)).clamp(0.85, 1.2));
    Some(base * factor)
}

/// A directed graph in compressed adjacency form.
#[derive(Clone, Debug, Default)]
pub struct RoadGraph {
    /// `[lon, lat]` per node.
    pub nodes: Vec<[f64; 2]>,
    offsets: Vec<u32>,
    edges: Vec<Edge>,
    /// The same edges reversed (`to` is the edge's start), for searches towards a target.
    reverse_offsets: Vec<u32>,
    reverse_edges: Vec<Edge>,
}

/// A route found by [`RoadGraph::routes_to`].
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub seconds: f32,
    pub metres: f32,
    /// Nodes from the source to the target.
    pub nodes: Vec<RoadNode>,
}

impl RoadGraph {
    /// The box `(west, south, east, north)` holding the middle `share` of the road nodes in
    /// each direction: where the city's roads are, leaving out outlying islands and stray
    /// far-off roads (`None` without roads).
    pub fn dense_extent(&self, share: f64) -> Option<(f64, f64, f64, f64)> {
        if self.nodes.is_empty() {
            return None;
        }
        let cut = ((1.0 - share.clamp(0.0, 1.0)) / 2.0 * self.nodes.len() as f64) as usize;
        let range = |axis: usize| {
            let mut values: Vec<f64> = self.nodes.iter().map(|n| n[axis]).collect();
            values.sort_by(f64::total_cmp);
            (values[cut], values[values.len() - 1 - cut])
        };
        let ((west, east), (south, north)) = (range(0), range(1));
        Some((west, south, east, north))
    }

    /// Reads every max-zoom tile of the archive's roads layer.
    pub fn from_archive(archive: &Archive) -> Result<Self> {
        Ok(Self::from_layers(&archive.max_zoom_layers("roads")?))
    }

    /// The graph of roads layers already read (see [`Archive::max_zoom_layers`]).
    pub fn from_layers(layers: &[(TileId, tile::Layer)]) -> Self {
        let mut builder = Builder::default();
        for (id, layer) in layers {
            builder.add_layer(*id, layer);
        }
        builder.finish()
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }
    /// Every directed edge with its start node; the position is the edge's id.
    pub fn edges(&self) -> impl Iterator<Item = (RoadNode, &Edge)> + '_ {
        (0..self.nodes.len() as RoadNode).flat_map(move |n| self.out_edges(n).iter().map(move |e| (n, e)))
    }

    pub fn out_edges(&self, node: RoadNode) -> &[Edge] {
        let (a, b) = (self.offsets[node as usize] as usize, self.offsets[node as usize + 1] as usize);
        &self.edges[a..b]
    }

    /// Fastest routes from each source to the nearest of the targets: a single Dijkstra over the
    /// reversed graph from all targets at once, stopped once every source is settled. `None`
    /// where unreachable.
    pub fn routes_to(&self, targets: &[RoadNode], sources: &[RoadNode]) -> Vec<Option<Route>> {
        self.routes_to_with(targets, sources, Edge::seconds)
    }

    /// [`routes_to`](Self::routes_to) with the time of each edge given by `seconds` (live speeds).
    pub fn routes_to_with(
        &self,
        targets: &[RoadNode],
        sources: &[RoadNode],
        seconds: impl Fn(&Edge) -> f32,
    ) -> Vec<Option<Route>> {
        let n = self.nodes.len();
        let mut best = vec![f32::INFINITY; n];
        let mut metres = vec![0f32; n];
        let mut next = vec![u32::MAX; n];
        let mut remaining: std::collections::HashSet<RoadNode> = sources.iter().copied().collect();
        let mut heap = BinaryHeap::new();
        for &target in targets {
            best[target as usize] = 0.0;
            heap.push(Visit { cost: 0.0, node: target });
        }
        while let Some(Visit { cost, node }) = heap.pop() {
            if cost > best[node as usize] {
                continue;
            }
            remaining.remove(&node);
            if remaining.is_empty() {
                break;
            }
            let (a, b) =
                (self.reverse_offsets[node as usize] as usize, self.reverse_offsets[node as usize + 1] as usize);
            for e in &self.reverse_edges[a..b] {
                let c = cost + seconds(e);
                if c < best[e.to as usize] {
                    best[e.to as usize] = c;
                    metres[e.to as usize] = metres[node as usize] + e.length_m;
                    next[e.to as usize] = node;
                    heap.push(Visit { cost: c, node: e.to });
                }
            }
        }
        sources
            .iter()
            .map(|&s| {
                if !best[s as usize].is_finite() {
                    return None;
                }
                let mut nodes = vec![s];
                while let Some(&n) = nodes.last().map(|v| &next[*v as usize]).filter(|n| **n != u32::MAX) {
                    nodes.push(n);
                }
                Some(Route { seconds: best[s as usize], metres: metres[s as usize], nodes })
            })
            .collect()
    }

    /// The fastest route from any of `starts` to any of `goals` (A*: the straight-line distance
    /// to the nearest goal at `max_speed_kmh`, which no edge may exceed, bounds the time left).
    pub fn fastest_route(
        &self,
        starts: &[RoadNode],
        goals: &[RoadNode],
        seconds: impl Fn(&Edge) -> f32,
        max_speed_kmh: f32,
    ) -> Option<Route> {
        let goal_points: Vec<[f64; 3]> =
            goals.iter().map(|g| unit_vector(self.nodes[*g as usize][0], self.nodes[*g as usize][1])).collect();
        let metres_per_second = kmh_to_mps(f64::from(max_speed_kmh));
        let estimate = |node: RoadNode| {
            let [lon, lat] = self.nodes[node as usize];
            let p = unit_vector(lon, lat);
            let chord = goal_points.iter().map(|g| chord2(&p, g)).fold(f64::INFINITY, f64::min).sqrt();
            // A chord is never longer than the arc, so this never overestimates.
            (chord * EARTH_MEAN_RADIUS_M / metres_per_second) as f32
        };
        let n = self.nodes.len();
        let (mut best, mut metres, mut prev) = (vec![f32::INFINITY; n], vec![0f32; n], vec![u32::MAX; n]);
        let mut heap = BinaryHeap::new();
        for &s in starts {
            best[s as usize] = 0.0;
            heap.push(Visit { cost: estimate(s), node: s });
        }
        while let Some(Visit { cost, node }) = heap.pop() {
            if goals.contains(&node) {
                let mut nodes = vec![node];
                while let Some(&p) = nodes.last().map(|v| &prev[*v as usize]).filter(|p| **p != u32::MAX) {
                    nodes.push(p);
                }
                nodes.reverse();
                return Some(Route { seconds: best[node as usize], metres: metres[node as usize], nodes });
            }
            let so_far = best[node as usize];
            if cost > so_far + estimate(node) {
                continue;
            }
            for e in self.out_edges(node) {
                let c = so_far + seconds(e);
                if c < best[e.to as usize] {
                    best[e.to as usize] = c;
                    metres[e.to as usize] = metres[node as usize] + e.length_m;
                    prev[e.to as usize] = node;
                    heap.push(Visit { cost: c + estimate(e.to), node: e.to });
                }
            }
        }
        None
    }

    /// The fastest free-flow speed on any edge, km/h.
    pub fn max_speed_kmh(&self) -> f32 {
        self.edges.iter().map(|e| e.speed_kmh).fold(1.0, f32::max)
    }

    /// Strongly connected components (iterative Tarjan); returns each node's component and the
    /// id of the largest.
    pub fn strong_components(&self) -> (Vec<u32>, u32) {
        let n = self.nodes.len();
        let (mut index, mut low) = (vec![u32::MAX; n], vec![0u32; n]);
        let mut on_stack = vec![false; n];
        let mut comp = vec![u32::MAX; n];
        let (mut stack, mut counter, mut comps) = (Vec::new(), 0u32, Vec::<u32>::new());
        for root in 0..n as u32 {
            if index[root as usize] != u32::MAX {
                continue;
            }
            let mut work = vec![(root, 0usize)];
            while let Some(&mut (v, ref mut next)) = work.last_mut() {
                let vi = v as usize;
                if *next == 0 && index[vi] == u32::MAX {
                    index[vi] = counter;
                    low[vi] = counter;
                    counter += 1;
                    stack.push(v);
                    on_stack[vi] = true;
                }
                let edges = self.out_edges(v);
                if let Some(e) = edges.get(*next) {
                    *next += 1;
                    let w = e.to as usize;
                    if index[w] == u32::MAX {
                        work.push((e.to, 0));
                    } else if on_stack[w] {
                        low[vi] = low[vi].min(index[w]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent as usize] = low[parent as usize].min(low[vi]);
                }
                if low[vi] == index[vi] {
                    let id = comps.len() as u32;
                    let mut size = 0;
                    while let Some(w) = stack.pop() {
                        on_stack[w as usize] = false;
                        comp[w as usize] = id;
                        size += 1;
                        if w == v {
                            break;
                        }
                    }
                    comps.push(size);
                }
            }
        }
        let largest = comps.iter().enumerate().max_by_key(|(_, s)| **s).map_or(0, |(i, _)| i as u32);
        (comp, largest)
    }
}

/// Start of each node's edges in a list sorted by source node.
fn csr_offsets(edges: &[(RoadNode, Edge)], nodes: usize) -> Vec<u32> {
    let mut offsets = vec![0u32; nodes + 1];
    for (from, _) in edges {
        offsets[*from as usize + 1] += 1;
    }
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    offsets
}

/// A node waiting in a Dijkstra queue with its cost so far (the cheapest pops first).
#[derive(PartialEq)]
pub(super) struct Visit {
    pub(super) cost: f32,
    pub(super) node: RoadNode,
}

impl Eq for Visit {}

impl Ord for Visit {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.cost.total_cmp(&self.cost).then(self.node.cmp(&other.node))
    }
}

impl PartialOrd for Visit {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Default)]
struct Builder {
    node_ids: HashMap<(i64, i64), RoadNode>,
    border_cells: HashMap<(i64, i64), Vec<RoadNode>>,
    border_world: HashMap<RoadNode, (f64, f64)>,
    nodes: Vec<[f64; 2]>,
    edges: Vec<(RoadNode, Edge)>,
}

impl Builder {
    fn add_layer(&mut self, id: TileId, layer: &tile::Layer) {
        let extent = layer.extent.unwrap_or(4096) as f64;
        let rect = ClipRect { min: Coord { x: 0.0, y: 0.0 }, max: Coord { x: extent, y: extent } };
        let (tx, ty, _, _) = id.world_bounds();
        let size = id.world_size();
        for feature in &layer.features {
            let props = Props { layer, feature };
            let class = props.string("class").unwrap_or_default();
            let lanes = props.number("lanes").map(|l| l as u32);
            let Some(speed) = road_speed_kmh(class, lanes) else { continue };
            let major = matches!(class, "motorway" | "trunk" | "primary" | "secondary");
            let oneway = props.flag("oneway");
            let decoded = decode_geometry(feature, 1.0);
            for part in &decoded.parts {
                let pts: Vec<Coord<f64>> =
                    part.iter().map(|p| Coord { x: f64::from(p[0]), y: f64::from(p[1]) }).collect();
                for piece in clip_line(&pts, &rect) {
                    let ids: Vec<RoadNode> = piece
                        .iter()
                        .map(|c| {
                            let (wx, wy) = (tx + c.x / extent * size, ty + c.y / extent * size);
                            let on_edge = c.x == 0.0 || c.y == 0.0 || c.x == extent || c.y == extent;
                            if on_edge {
                                self.border_node(wx, wy, size / extent)
                            } else {
                                self.node(wx, wy)
                            }
                        })
                        .collect();
                    for w in ids.windows(2).filter(|w| w[0] != w[1]) {
                        self.edge(w[0], w[1], speed, major, oneway);
                    }
                }
            }
        }
    }

    fn node(&mut self, wx: f64, wy: f64) -> RoadNode {
        let key = ((wx * 4_294_967_296.0).round() as i64, (wy * 4_294_967_296.0).round() as i64);
        let nodes = &mut self.nodes;
        *self.node_ids.entry(key).or_insert_with(|| {
            let (lon, lat) = world_to_lonlat(wx, wy);
            nodes.push([lon, lat]);
            nodes.len() as RoadNode - 1
        })
    }

    /// A point where a line leaves a tile. Each tile computed it from its own rounded copy of
    /// the line, so the two copies differ by a fraction of a tile unit: reuse a border node
    /// within two units.
    fn border_node(&mut self, wx: f64, wy: f64, unit: f64) -> RoadNode {
        let cell_size = unit * 4.0;
        let cell = |v: f64| (v / cell_size).floor() as i64;
        let (cx, cy) = (cell(wx), cell(wy));
        for dx in -1..=1 {
            for dy in -1..=1 {
                for &id in self.border_cells.get(&(cx + dx, cy + dy)).into_iter().flatten() {
                    let (nx, ny) = self.border_world[&id];
                    if (nx - wx).hypot(ny - wy) <= unit * 2.0 {
                        return id;
                    }
                }
            }
        }
        let id = self.node(wx, wy);
        self.border_cells.entry((cx, cy)).or_default().push(id);
        self.border_world.insert(id, (wx, wy));
        id
    }

    fn edge(&mut self, a: RoadNode, b: RoadNode, speed_kmh: f32, major: bool, oneway: bool) {
        let (pa, pb) = (self.nodes[a as usize], self.nodes[b as usize]);
        let length_m = haversine_m(pa[0], pa[1], pb[0], pb[1]) as f32;
        self.edges.push((a, Edge { to: b, length_m, speed_kmh, major, id: 0 }));
        if !oneway {
            self.edges.push((b, Edge { to: a, length_m, speed_kmh, major, id: 0 }));
        }
    }

    fn finish(mut self) -> RoadGraph {
        self.edges.sort_by_key(|(from, e)| (*from, e.to));
        self.edges.dedup_by_key(|(from, e)| (*from, e.to));
        for (i, (_, e)) in self.edges.iter_mut().enumerate() {
            e.id = i as u32;
        }
        let offsets = csr_offsets(&self.edges, self.nodes.len());
        let mut reversed: Vec<(RoadNode, Edge)> =
            self.edges.iter().map(|(from, e)| (e.to, Edge { to: *from, ..*e })).collect();
        reversed.sort_by_key(|(from, e)| (*from, e.to));
        let reverse_offsets = csr_offsets(&reversed, self.nodes.len());
        RoadGraph {
            nodes: self.nodes,
            offsets,
            edges: self.edges.into_iter().map(|(_, e)| e).collect(),
            reverse_offsets,
            reverse_edges: reversed.into_iter().map(|(_, e)| e).collect(),
        }
    }
}

/// A graph of straight streets between given points (`(a, b, km/h, one-way)`), for tests.
#[cfg(test)]
pub(super) fn graph_of(points: &[[f64; 2]], streets: &[(RoadNode, RoadNode, f32, bool)]) -> RoadGraph {
    let mut builder = Builder { nodes: points.to_vec(), ..Builder::default() };
    for &(a, b, speed, oneway) in streets {
        builder.edge(a, b, speed, false, oneway);
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_adjust_class_speeds() {
        assert_eq!(road_speed_kmh("primary", None), Some(45.0));
        assert_eq!(road_speed_kmh("primary", Some(2)), Some(45.0));
        assert_eq!(road_speed_kmh("primary", Some(4)), Some(49.5));
        assert_eq!(road_speed_kmh("residential", Some(1)), Some(25.0 * 0.95));
        assert_eq!(road_speed_kmh("motorway", Some(10)), Some(96.0));
        assert_eq!(road_speed_kmh("path", Some(2)), None);
    }
}
