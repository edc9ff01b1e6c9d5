//! Drive-time coverage: the roads some available unit can reach within a time limit (10
//! minutes by default), on the road graph with live speeds. One multi-source Dijkstra from
//! every unit's road nodes, cut at the limit, gives each node its best time and the unit that
//! reaches it first (its owner). A unit that moves, is dispatched or comes free changes only
//! what it owned or can now reach first: its nodes are cleared, re-seeded from their
//! neighbours outside, and the search runs again from there, so one move costs a fraction of
//! the whole. Coverage is counted per road piece (both directions of a street count once): the
//! share of its length a car from either end reaches in time. Totals are kept per zone and for
//! the whole map, updated with each change.

use std::collections::{BinaryHeap, HashMap};

use super::dispatch::Router;
use super::roads::{Edge, RoadGraph, RoadNode, Visit};
use super::zones::ZoneIndex;
use crate::model::{Millis, Unit, UnitStatus};

/// A unit whose last fix is older than this is not counted: nobody knows where it is.
pub const FRESH_MS: Millis = 30 * 60_000;
/// Where no unit arrives in time.
const UNREACHED: f32 = f32::INFINITY;
const NO_OWNER: u32 = u32::MAX;

/// A source of coverage: a unit (or a trial position), by the caller's key.
pub type SourceKey = u32;

/// One physical road piece between two nodes, with the time to drive it each way (`None`:
/// one-way against it).
#[derive(Clone, Copy, Debug)]
struct Piece {
    a: RoadNode,
    b: RoadNode,
    length_m: f32,
    forward: Option<u32>,
    backward: Option<u32>,
}

/// Covered road length, in metres, of all roads and each zone.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CoverageTotals {
    pub covered_m: f64,
    pub road_m: f64,
    /// Per zone slot (the order given to [`Coverage::new`]): covered and total metres.
    pub zones: Vec<(f64, f64)>,
}

impl CoverageTotals {
    /// The covered share of all road length (0 without roads).
    pub fn share(&self) -> f64 {
        share(self.covered_m, self.road_m)
    }

    /// A zone's covered share of its road length (`None` for a zone with no roads).
    pub fn zone_share(&self, zone: usize) -> Option<f64> {
        self.zones.get(zone).filter(|(_, road)| *road > 0.0).map(|(covered, road)| share(*covered, *road))
    }
}

fn share(covered: f64, road: f64) -> f64 {
    if road > 0.0 {
        (covered / road).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

pub struct Coverage {
    limit_s: f32,
    offsets: Vec<u32>,
    heads: Vec<RoadNode>,
    /// Seconds per directed edge (by edge id), live speeds where set.
    seconds: Vec<f32>,
    /// Each node's incoming edges: (tail node, edge id).
    in_offsets: Vec<u32>,
    incoming: Vec<(RoadNode, u32)>,
    pieces: Vec<Piece>,
    /// The pieces at each node.
    piece_offsets: Vec<u32>,
    node_pieces: Vec<u32>,
    /// The zones each piece lies in (by its middle), one per level.
    zone_offsets: Vec<u32>,
    piece_zones: Vec<u32>,
    best: Vec<f32>,
    owner: Vec<u32>,
    /// `best` as the totals last counted it.
    counted: Vec<f32>,
    sources: HashMap<SourceKey, Vec<RoadNode>>,
    totals: CoverageTotals,
    /// Nodes changed since the totals were counted, once each (by `stamp`).
    changed: Vec<RoadNode>,
    stamp: Vec<u32>,
    round: u32,
}

impl Coverage {
    /// Coverage over `graph` with free-flow speeds and no sources yet; `zones_of` names the
    /// zone slots (of `zone_count`) a point lies in.
    pub fn new(graph: &RoadGraph, zone_count: usize, zones_of: impl Fn(f64, f64) -> Vec<u32>, limit_s: f32) -> Self {
        let n = graph.node_count();
        let mut offsets = vec![0u32; n + 1];
        let (mut heads, mut seconds) = (Vec::new(), Vec::new());
        let mut incoming_by_node: Vec<(RoadNode, RoadNode, u32)> = Vec::new();
        for node in 0..n as RoadNode {
            for e in graph.out_edges(node) {
                debug_assert_eq!(e.id as usize, heads.len(), "edge ids are positions");
                heads.push(e.to);
                seconds.push(e.seconds());
                incoming_by_node.push((e.to, node, e.id));
            }
            offsets[node as usize + 1] = heads.len() as u32;
        }
        incoming_by_node.sort_unstable();
        let in_offsets = offsets_of(incoming_by_node.iter().map(|(to, _, _)| *to), n);
        let incoming = incoming_by_node.into_iter().map(|(_, from, id)| (from, id)).collect();
        let pieces = pieces_of(graph);
        let mut at_node: Vec<(RoadNode, u32)> =
            pieces.iter().enumerate().flat_map(|(i, p)| [(p.a, i as u32), (p.b, i as u32)]).collect();
        at_node.sort_unstable();
        let piece_offsets = offsets_of(at_node.iter().map(|(node, _)| *node), n);
        let node_pieces = at_node.into_iter().map(|(_, p)| p).collect();
        let (mut zone_offsets, mut piece_zones) = (vec![0u32], Vec::new());
        let mut zone_road = vec![0f64; zone_count];
        for p in &pieces {
            let ([alon, alat], [blon, blat]) = (graph.nodes[p.a as usize], graph.nodes[p.b as usize]);
            for zone in zones_of((alon + blon) / 2.0, (alat + blat) / 2.0) {
                if let Some(road) = zone_road.get_mut(zone as usize) {
                    *road += f64::from(p.length_m);
                    piece_zones.push(zone);
                }
            }
            zone_offsets.push(piece_zones.len() as u32);
        }
        let road_m = pieces.iter().map(|p| f64::from(p.length_m)).sum();
        let totals =
            CoverageTotals { covered_m: 0.0, road_m, zones: zone_road.into_iter().map(|r| (0.0, r)).collect() };
        Self {
            limit_s,
            offsets,
            heads,
            seconds,
            in_offsets,
            incoming,
            pieces,
            piece_offsets,
            node_pieces,
            zone_offsets,
            piece_zones,
            best: vec![UNREACHED; n],
            owner: vec![NO_OWNER; n],
            counted: vec![UNREACHED; n],
            sources: HashMap::new(),
            totals,
            changed: Vec::new(),
            stamp: vec![0; n],
            round: 1,
        }
    }

    /// Coverage on the router's graph at its live speeds, per zone of `zones`, from the units
    /// free to be sent at `now` (each keyed by its slot in `units`; see [`covers`]).
    pub fn of_units(router: &Router, zones: &ZoneIndex, units: &[Unit], limit_s: f32, now: Millis) -> Self {
        let graph = router.graph();
        let mut coverage = Self::new(graph, zones.zones().len(), |lon, lat| zones.lookup_slots(lon, lat), limit_s);
        for (_, e) in graph.edges() {
            coverage.seconds[e.id as usize] = router.edge_seconds(e);
        }
        coverage.set_sources(units.iter().enumerate().filter_map(|(slot, unit)| {
            let fix = unit.last_fix.filter(|_| covers(unit, now))?;
            Some((slot as SourceKey, router.snap(fix.lon, fix.lat)))
        }));
        coverage
    }

    pub fn limit_s(&self) -> f32 {
        self.limit_s
    }

    /// Drive times per edge (live speeds), then everything searched again.
    pub fn set_speeds(&mut self, graph: &RoadGraph, seconds: impl Fn(&Edge) -> f32) {
        for (_, e) in graph.edges() {
            if let Some(s) = self.seconds.get_mut(e.id as usize) {
                *s = seconds(e).max(0.0);
            }
        }
        self.recompute();
    }

    /// Every source at once (a unit's key and the road nodes it joins the network at): one
    /// multi-source search.
    pub fn set_sources(&mut self, sources: impl IntoIterator<Item = (SourceKey, Vec<RoadNode>)>) {
        self.sources = sources.into_iter().collect();
        self.recompute();
    }

    fn recompute(&mut self) {
        // Counted afresh: new speeds change what every piece counted before.
        self.counted.iter_mut().for_each(|t| *t = UNREACHED);
        self.totals.covered_m = 0.0;
        self.totals.zones.iter_mut().for_each(|z| z.0 = 0.0);
        for node in 0..self.best.len() {
            self.best[node] = UNREACHED;
            self.owner[node] = NO_OWNER;
            self.mark(node as RoadNode);
        }
        let mut heap = BinaryHeap::new();
        for (key, nodes) in &self.sources {
            for &node in nodes {
                if let Some(best) = self.best.get_mut(node as usize) {
                    *best = 0.0;
                    self.owner[node as usize] = *key;
                    heap.push(Visit { cost: 0.0, node });
                }
            }
        }
        self.search(heap);
        self.count();
    }

    /// A source moves (or comes free): it covers from `nodes` now.
    pub fn place(&mut self, key: SourceKey, nodes: Vec<RoadNode>) {
        self.clear(key);
        let mut heap = BinaryHeap::new();
        for &node in &nodes {
            if self.best.get(node as usize).is_some_and(|b| *b > 0.0) {
                self.best[node as usize] = 0.0;
                self.owner[node as usize] = key;
                self.mark(node);
                heap.push(Visit { cost: 0.0, node });
            }
        }
        self.sources.insert(key, nodes);
        self.search(heap);
        self.count();
    }

    /// A source stops covering (dispatched, off duty, gone).
    pub fn remove(&mut self, key: SourceKey) {
        self.clear(key);
        self.sources.remove(&key);
        self.count();
    }

    /// The covered metres if each source in `changes` were moved to its nodes (`None`:
    /// removed); the coverage is left as it was.
    pub fn trial(&mut self, changes: &[(SourceKey, Option<Vec<RoadNode>>)]) -> f64 {
        let kept = self.totals.clone();
        let before: Vec<(SourceKey, Option<Vec<RoadNode>>)> =
            changes.iter().map(|(key, _)| (*key, self.sources.get(key).cloned())).collect();
        self.apply(changes);
        let covered = self.totals.covered_m;
        self.apply(&before.into_iter().rev().collect::<Vec<_>>());
        self.totals = kept;
        covered
    }

    fn apply(&mut self, changes: &[(SourceKey, Option<Vec<RoadNode>>)]) {
        for (key, nodes) in changes {
            match nodes {
                Some(nodes) => self.place(*key, nodes.clone()),
                None => self.remove(*key),
            }
        }
    }

    pub fn contains(&self, key: SourceKey) -> bool {
        self.sources.contains_key(&key)
    }

    /// A source's road nodes.
    pub fn source(&self, key: SourceKey) -> Option<&[RoadNode]> {
        self.sources.get(&key).map(Vec::as_slice)
    }

    pub fn sources(&self) -> impl Iterator<Item = (SourceKey, &[RoadNode])> + '_ {
        self.sources.iter().map(|(k, v)| (*k, v.as_slice()))
    }

    /// Clears what `key` reached first, then refills those nodes from other sources standing
    /// on them and from their neighbours outside.
    fn clear(&mut self, key: SourceKey) {
        if !self.sources.contains_key(&key) {
            return;
        }
        let owned: Vec<RoadNode> =
            (0..self.owner.len() as RoadNode).filter(|n| self.owner[*n as usize] == key).collect();
        for &node in &owned {
            self.best[node as usize] = UNREACHED;
            self.owner[node as usize] = NO_OWNER;
            self.mark(node);
        }
        let mut heap = BinaryHeap::new();
        // Another source standing on a cleared node starts there again.
        for (other, nodes) in self.sources.iter().filter(|(other, _)| **other != key) {
            for &node in nodes {
                if self.best.get(node as usize).is_some_and(|b| *b > 0.0) {
                    self.best[node as usize] = 0.0;
                    self.owner[node as usize] = *other;
                    heap.push(Visit { cost: 0.0, node });
                }
            }
        }
        for &node in &owned {
            let (a, b) = (self.in_offsets[node as usize] as usize, self.in_offsets[node as usize + 1] as usize);
            for &(from, edge) in &self.incoming[a..b] {
                let owner = self.owner[from as usize];
                let cost = self.best[from as usize] + self.seconds[edge as usize];
                if owner != NO_OWNER && cost <= self.limit_s && cost < self.best[node as usize] {
                    self.best[node as usize] = cost;
                    self.owner[node as usize] = owner;
                    heap.push(Visit { cost, node });
                }
            }
        }
        self.search(heap);
    }

    /// Dijkstra from what the heap holds, never past the limit.
    fn search(&mut self, mut heap: BinaryHeap<Visit>) {
        while let Some(Visit { cost, node }) = heap.pop() {
            if cost > self.best[node as usize] {
                continue;
            }
            let owner = self.owner[node as usize];
            let (a, b) = (self.offsets[node as usize] as usize, self.offsets[node as usize + 1] as usize);
            for i in a..b {
                let (to, c) = (self.heads[i], cost + self.seconds[i]);
                if c <= self.limit_s && c < self.best[to as usize] {
                    self.best[to as usize] = c;
                    self.owner[to as usize] = owner;
                    self.mark(to);
                    heap.push(Visit { cost: c, node: to });
                }
            }
        }
    }

    fn mark(&mut self, node: RoadNode) {
        if self.stamp[node as usize] != self.round {
            self.stamp[node as usize] = self.round;
            self.changed.push(node);
        }
    }

    /// Brings the totals up to date over the pieces at changed nodes.
    fn count(&mut self) {
        self.round = self.round.wrapping_add(1).max(1);
        let mut pieces: Vec<u32> = Vec::new();
        for &node in &self.changed {
            let (a, b) = (self.piece_offsets[node as usize] as usize, self.piece_offsets[node as usize + 1] as usize);
            pieces.extend_from_slice(&self.node_pieces[a..b]);
        }
        pieces.sort_unstable();
        pieces.dedup();
        for p in pieces {
            let piece = self.pieces[p as usize];
            let before = self.covered_m(&piece, &self.counted);
            let after = self.covered_m(&piece, &self.best);
            let delta = after - before;
            if delta == 0.0 {
                continue;
            }
            self.totals.covered_m += delta;
            let (a, b) = (self.zone_offsets[p as usize] as usize, self.zone_offsets[p as usize + 1] as usize);
            for &zone in &self.piece_zones[a..b] {
                self.totals.zones[zone as usize].0 += delta;
            }
        }
        for node in std::mem::take(&mut self.changed) {
            self.counted[node as usize] = self.best[node as usize];
        }
    }

    /// How much of a piece a car from either end reaches in time, given node times.
    fn covered_m(&self, piece: &Piece, times: &[f32]) -> f64 {
        let reach = |from: RoadNode, edge: Option<u32>| -> f32 {
            let (Some(edge), t) = (edge, times[from as usize]) else { return 0.0 };
            if t > self.limit_s {
                return 0.0;
            }
            let s = self.seconds[edge as usize];
            if s <= 0.0 {
                1.0
            } else {
                ((self.limit_s - t) / s).clamp(0.0, 1.0)
            }
        };
        let share = (reach(piece.a, piece.forward) + reach(piece.b, piece.backward)).min(1.0);
        f64::from(share) * f64::from(piece.length_m)
    }

    pub fn totals(&self) -> &CoverageTotals {
        &self.totals
    }

    /// The best drive time to a node, in seconds (`None`: no source within the limit).
    pub fn time_to(&self, node: RoadNode) -> Option<f32> {
        self.best.get(node as usize).copied().filter(|t| t.is_finite())
    }

    /// The source that reaches a node first.
    pub fn owner_of(&self, node: RoadNode) -> Option<SourceKey> {
        self.owner.get(node as usize).copied().filter(|o| *o != NO_OWNER)
    }

    /// Every road piece as `(a, b, covered share)`, for drawing covered and uncovered roads.
    pub fn pieces(&self) -> impl Iterator<Item = (RoadNode, RoadNode, f32)> + '_ {
        self.pieces.iter().map(|p| {
            let covered = if p.length_m > 0.0 { self.covered_m(p, &self.best) as f32 / p.length_m } else { 1.0 };
            (p.a, p.b, covered)
        })
    }
}

/// Whether a unit counts towards coverage at `now`: free to be sent (available, or returning
/// to its station or a post it was moved up to) with a fix no older than [`FRESH_MS`].
pub fn covers(unit: &Unit, now: Millis) -> bool {
    let free = matches!(unit.status, UnitStatus::Available | UnitStatus::Returning);
    free && unit.last_fix.is_some_and(|f| now - f.time <= FRESH_MS)
}

/// Start of each node's entries in a list sorted by node.
fn offsets_of(sorted_nodes: impl Iterator<Item = RoadNode>, nodes: usize) -> Vec<u32> {
    let mut offsets = vec![0u32; nodes + 1];
    for node in sorted_nodes {
        offsets[node as usize + 1] += 1;
    }
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    offsets
}

/// The graph's directed edges paired into physical pieces: a street open both ways is one
/// piece with an edge each way, a one-way street a piece with one.
fn pieces_of(graph: &RoadGraph) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for (from, e) in graph.edges() {
        let back = graph.out_edges(e.to).iter().find(|r| r.to == from);
        match back {
            Some(r) if from < e.to => {
                pieces.push(Piece { a: from, b: e.to, length_m: e.length_m, forward: Some(e.id), backward: Some(r.id) })
            }
            Some(_) => {}
            None => pieces.push(Piece { a: from, b: e.to, length_m: e.length_m, forward: Some(e.id), backward: None }),
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::super::roads::graph_of;
    use super::*;

    /// Three points 0.01 degrees of longitude apart on the equator (1,113 m each): a two-way
    /// street from the first to the second, a one-way one from the second to the third.
    fn street() -> RoadGraph {
        graph_of(&[[0.0, 0.0], [0.01, 0.0], [0.02, 0.0]], &[(0, 1, 36.0, false), (1, 2, 36.0, true)])
    }

    #[test]
    fn a_street_is_covered_as_far_as_a_car_gets_in_time() {
        let graph = street();
        let piece = f64::from(graph.out_edges(0)[0].length_m);
        // 36 km/h is 10 m/s: a minute covers 600 m.
        let mut coverage = Coverage::new(&graph, 1, |_, _| vec![0], 60.0);
        assert_eq!(coverage.totals().covered_m, 0.0);
        coverage.set_sources([(7, vec![0])]);
        let covered = coverage.totals().covered_m;
        assert!((covered - 600.0).abs() < 1.0, "{covered} of {piece}");
        assert_eq!(coverage.totals().zones[0].0, covered);
        // From the middle node: back along the two-way street, but not against the one-way.
        coverage.place(7, vec![1]);
        let covered = coverage.totals().covered_m;
        assert!((covered - 1200.0).abs() < 1.0, "{covered}");
        assert_eq!((coverage.owner_of(1), coverage.time_to(0)), (Some(7), None), "1,113 m is 111 s away");
        // From the last node nothing leaves: the one-way street points at it.
        coverage.place(7, vec![2]);
        assert_eq!(coverage.totals().covered_m, 0.0);
        assert_eq!(coverage.time_to(1), None);
        coverage.place(7, vec![0]);
        coverage.remove(7);
        assert!(coverage.totals().covered_m.abs() < 1e-6 && coverage.totals().zones[0].0.abs() < 1e-6);
        assert!((coverage.totals().road_m - 2.0 * piece).abs() < 1.0);
    }

    #[test]
    fn new_speeds_count_every_street_again() {
        let graph = street();
        let mut coverage = Coverage::new(&graph, 1, |_, _| vec![0], 60.0);
        coverage.set_sources([(7, vec![0])]);
        // Traffic halves every speed: a minute now covers 300 m, the same as a fresh count.
        coverage.set_speeds(&graph, |e| e.seconds() * 2.0);
        let covered = coverage.totals().covered_m;
        assert!((covered - 300.0).abs() < 1.0, "{covered}");
        assert_eq!(coverage.totals().zones[0].0, covered);
    }

    #[test]
    fn two_cars_meeting_on_a_street_cover_it_once() {
        let graph = street();
        let mut coverage = Coverage::new(&graph, 0, |_, _| Vec::new(), 100.0);
        coverage.set_sources([(1, vec![0]), (2, vec![1])]);
        // Each gets 1,000 m along the first street towards the other: it is covered once,
        // and the one-way street 1,000 m from the second car.
        let road = coverage.totals().road_m;
        let first = f64::from(graph.out_edges(0)[0].length_m);
        assert!((coverage.totals().covered_m - (first + 1000.0)).abs() < 1.0, "{:?} of {road}", coverage.totals());
        // The second car is dispatched: the first one's reach is all that is left.
        coverage.remove(2);
        assert!((coverage.totals().covered_m - 1000.0).abs() < 1.0, "{:?}", coverage.totals());
        assert_eq!(coverage.owner_of(1), None);
    }
}
