//! Who gets there first: the straight-line shortlist of nearest available units (default top
//! 10, stale fixes ignored) re-ranked by drive time on the road graph, each with its road
//! distance, ETA and route to draw. A point snaps to every node of the graph's largest strongly
//! connected part within a few metres of its nearest one, so on a dual carriageway both
//! directions are open and a unit is not sent on a loop to turn round. Edge times use live
//! congestion speeds where observed ([`Router::set_live_speeds`]), free-flow speeds elsewhere.

use rstar::primitives::GeomWithData;
use rstar::RTree;

use super::roads::{RoadGraph, RoadNode};
use super::units::{NearUnit, UnitFilter, UnitIndex};
use crate::crs::geodesy::{haversine_m, unit_vector, KMH_PER_MPS};
use crate::model::{Millis, Unit};

/// Nodes farther than this beyond a point's nearest node are not joined to.
pub const SNAP_SLACK_M: f64 = 25.0;
/// At most this many nodes are tried per point.
pub const SNAP_NODES: usize = 6;

/// A unit ranked by drive time.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub slot: u32,
    pub straight_m: f64,
    /// Road distance and drive time; `None` when no road route exists.
    pub road_m: Option<f64>,
    pub eta_s: Option<f64>,
    /// `[lon, lat]` from the unit to the target.
    pub route: Vec<[f64; 2]>,
}

pub struct Router {
    graph: RoadGraph,
    snap: RTree<GeomWithData<[f64; 3], RoadNode>>,
    /// Observed speed per edge id in km/h (0: none, use free flow).
    live_kmh: Vec<f32>,
    /// No edge is faster than this, free flow or observed (bounds A*'s estimate).
    max_kmh: f32,
}

impl Router {
    pub fn new(graph: RoadGraph) -> Self {
        let (component, largest) = graph.strong_components();
        let points = (0..graph.node_count() as RoadNode)
            .filter(|n| component[*n as usize] == largest)
            .map(|n| {
                let [lon, lat] = graph.nodes[n as usize];
                GeomWithData::new(unit_vector(lon, lat), n)
            })
            .collect();
        let live_kmh = vec![0.0; graph.edges().count()];
        let max_kmh = graph.max_speed_kmh();
        Self { graph, snap: RTree::bulk_load(points), live_kmh, max_kmh }
    }

    /// Takes the congestion picture at `now`: segments with observations use their observed
    /// speed, the rest their free-flow speed. (Congestion's segment ids are the graph's edge ids.)
    pub fn set_live_speeds(&mut self, congestion: &super::congestion::Congestion, now: Millis) {
        self.live_kmh.iter_mut().for_each(|s| *s = 0.0);
        for (id, speed, _) in congestion.levels(now) {
            if let Some(s) = self.live_kmh.get_mut(id as usize) {
                *s = speed.max(1.0);
            }
        }
        let observed = self.live_kmh.iter().copied().fold(0.0, f32::max);
        self.max_kmh = self.graph.max_speed_kmh().max(observed);
    }

    /// An edge's drive time in seconds: at its observed speed where congestion has one.
    pub fn edge_seconds(&self, e: &super::roads::Edge) -> f32 {
        match self.live_kmh.get(e.id as usize) {
            Some(&kmh) if kmh > 0.0 => e.length_m / (kmh / KMH_PER_MPS as f32),
            _ => e.seconds(),
        }
    }

    pub fn graph(&self) -> &RoadGraph {
        &self.graph
    }

    /// The road nodes a point may join the network at: the nearest, and any other within
    /// [`SNAP_SLACK_M`] metres further (at most [`SNAP_NODES`]).
    pub fn snap(&self, lon: f64, lat: f64) -> Vec<RoadNode> {
        let q = unit_vector(lon, lat);
        let mut out = Vec::new();
        let mut nearest = None;
        for e in self.snap.nearest_neighbor_iter(&q).take(SNAP_NODES) {
            let [nlon, nlat] = self.graph.nodes[e.data as usize];
            let d = haversine_m(lon, lat, nlon, nlat);
            let first = *nearest.get_or_insert(d);
            if d > first + SNAP_SLACK_M {
                break;
            }
            out.push(e.data);
        }
        out
    }

    /// The fastest route between two points, as `[lon, lat]` with its time and length (A*;
    /// measured against Dijkstra and contraction hierarchies in BENCHMARKS.md).
    pub fn route(&self, from: (f64, f64), to: (f64, f64)) -> Option<(f64, f64, Vec<[f64; 2]>)> {
        let (starts, goals) = (self.snap(from.0, from.1), self.snap(to.0, to.1));
        let route = self.graph.fastest_route(&starts, &goals, |e| self.edge_seconds(e), self.max_kmh)?;
        Some((f64::from(route.seconds), f64::from(route.metres), self.geometry(&route.nodes)))
    }

    /// The `shortlist` nearest units by straight line, re-ranked by drive time to the target;
    /// the first `k` come back, fastest first (unreachable ones last).
    #[allow(clippy::too_many_arguments)]
    pub fn rank(
        &self,
        index: &UnitIndex,
        units: &[Unit],
        target: (f64, f64),
        k: usize,
        shortlist: usize,
        filter: &UnitFilter,
        now: Millis,
    ) -> Vec<Candidate> {
        let near: Vec<NearUnit> = index.nearest(units, target.0, target.1, shortlist.max(k), filter, now);
        let goals = self.snap(target.0, target.1);
        // Every unit's candidate nodes, searched together; each unit keeps its fastest.
        let mut sources: Vec<RoadNode> = Vec::new();
        let mut owner: Vec<usize> = Vec::new();
        for (i, n) in near.iter().enumerate() {
            if let Some(f) = units[n.slot as usize].last_fix {
                let nodes = self.snap(f.lon, f.lat);
                owner.extend(std::iter::repeat_n(i, nodes.len()));
                sources.extend(nodes);
            }
        }
        let mut best: Vec<Option<super::roads::Route>> = vec![None; near.len()];
        for (i, route) in owner.into_iter().zip(self.graph.routes_to_with(&goals, &sources, |e| self.edge_seconds(e))) {
            let Some(route) = route else { continue };
            if best[i].as_ref().is_none_or(|b| route.seconds < b.seconds) {
                best[i] = Some(route);
            }
        }
        let mut ranked: Vec<Candidate> = near
            .iter()
            .zip(best)
            .map(|(n, route)| Candidate {
                slot: n.slot,
                straight_m: n.distance_m,
                road_m: route.as_ref().map(|r| f64::from(r.metres)),
                eta_s: route.as_ref().map(|r| f64::from(r.seconds)),
                route: route.map(|r| self.geometry(&r.nodes)).unwrap_or_default(),
            })
            .collect();
        ranked.sort_by(|a, b| a.eta_s.unwrap_or(f64::INFINITY).total_cmp(&b.eta_s.unwrap_or(f64::INFINITY)));
        ranked.truncate(k);
        ranked
    }

    fn geometry(&self, nodes: &[RoadNode]) -> Vec<[f64; 2]> {
        nodes.iter().map(|n| self.graph.nodes[*n as usize]).collect()
    }
}
