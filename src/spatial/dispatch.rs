//! Who gets there first: the straight-line shortlist of nearest available units (default top
//! 10, stale fixes ignored) re-ranked by drive time on the road graph, each with its road
//! distance, ETA and route to draw. Points are snapped to the nearest node of the graph's
//! largest strongly connected part, so every snapped point can reach every other.

use rstar::primitives::GeomWithData;
use rstar::RTree;

use super::roads::{RoadGraph, RoadNode};
use super::units::{unit_vector, NearUnit, UnitFilter, UnitIndex};
use crate::model::{Millis, Unit};

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
        Self { graph, snap: RTree::bulk_load(points) }
    }

    pub fn graph(&self) -> &RoadGraph {
        &self.graph
    }

    /// The road node nearest to a point.
    pub fn snap(&self, lon: f64, lat: f64) -> Option<RoadNode> {
        self.snap.nearest_neighbor(&unit_vector(lon, lat)).map(|e| e.data)
    }

    /// The fastest route between two points, as `[lon, lat]` with its time and length.
    pub fn route(&self, from: (f64, f64), to: (f64, f64)) -> Option<(f64, f64, Vec<[f64; 2]>)> {
        let (a, b) = (self.snap(from.0, from.1)?, self.snap(to.0, to.1)?);
        let route = self.graph.routes_to(b, &[a]).pop().flatten()?;
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
        let Some(goal) = self.snap(target.0, target.1) else { return Vec::new() };
        let sources: Vec<RoadNode> = near
            .iter()
            .map(|n| {
                let f = units[n.slot as usize].last_fix.map_or((target.0, target.1), |f| (f.lon, f.lat));
                self.snap(f.0, f.1).unwrap_or(goal)
            })
            .collect();
        let routes = self.graph.routes_to(goal, &sources);
        let mut ranked: Vec<Candidate> = near
            .iter()
            .zip(routes)
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
