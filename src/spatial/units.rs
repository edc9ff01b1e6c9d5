//! Unit positions, kept current as fixes arrive, answering "the k nearest units to this point"
//! with filters on status, kind and fix age.
//!
//! Measured against an R-tree (rstar) at 100,000 units (BENCHMARKS.md): moving a point in an
//! R-tree costs ~2.5 µs, so 10,000 moves took 25 ms, and a status filter made the nearest query
//! walk past most candidates. This index is a grid per status instead: a move is a swap-remove
//! and a push (O(1)), a query visits only the grids of the wanted statuses, ring by ring
//! outwards until no closer unit can exist. Distances compare points on the unit sphere (chord
//! order is exactly great-circle order), so results match a haversine brute force.

use rustc_hash::FxHashMap as HashMap;

use crate::crs::geodesy::{chord2, chord2_to_metres, metres_to_chord2, unit_vector, METRES_PER_DEGREE};
use crate::model::{Millis, Unit, UnitKind, UnitStatus};

/// Grid cell size in degrees (about 550 m).
const CELL_DEG: f64 = 0.005;
type Cell = (i32, i32);

fn cell_of(lon: f64, lat: f64) -> Cell {
    ((lon / CELL_DEG).floor() as i32, (lat / CELL_DEG).floor() as i32)
}

/// Which units a query wants.
#[derive(Clone, Debug)]
pub struct UnitFilter {
    /// `None`: any status.
    pub statuses: Option<Vec<UnitStatus>>,
    /// `None`: any kind.
    pub kinds: Option<Vec<UnitKind>>,
    /// Ignore fixes older than this (default 30 minutes).
    pub max_age_ms: Option<Millis>,
    /// Units never to answer (by id): an officer in distress is nobody's responder.
    pub excluded: Vec<String>,
}

impl Default for UnitFilter {
    fn default() -> Self {
        Self { statuses: None, kinds: None, max_age_ms: Some(30 * 60_000), excluded: Vec::new() }
    }
}

impl UnitFilter {
    /// Available units with a fix of the last 30 minutes (what dispatch asks for).
    pub fn available() -> Self {
        Self { statuses: Some(vec![UnitStatus::Available]), ..Self::default() }
    }

    pub fn accepts(&self, unit: &Unit, now: Millis) -> bool {
        let Some(fix) = unit.last_fix else { return false };
        self.statuses.as_ref().is_none_or(|s| s.contains(&unit.status))
            && self.kinds.as_ref().is_none_or(|k| k.contains(&unit.kind))
            && self.max_age_ms.is_none_or(|age| now - fix.time <= age)
            && !self.excluded.contains(&unit.id)
    }
}

/// One answer: a unit slot and its great-circle distance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NearUnit {
    pub slot: u32,
    pub distance_m: f64,
}

/// Where a slot sits in the index.
#[derive(Clone, Copy)]
struct Placed {
    status: usize,
    cell: Cell,
    at: usize,
}

/// A cell entry keeps what the distance test needs, so a query reads cells sequentially.
#[derive(Clone, Copy)]
struct Entry {
    slot: u32,
    point: [f64; 3],
}

/// The index: one entry per unit slot with a fix, in the grid of its status.
#[derive(Default)]
pub struct UnitIndex {
    grids: [HashMap<Cell, Vec<Entry>>; 6],
    /// Cells ever occupied per grid, as (min x, min y, max x, max y): how far a search may go.
    extents: [Option<(i32, i32, i32, i32)>; 6],
    placed: Vec<Option<Placed>>,
    count: usize,
}

impl UnitIndex {
    pub fn build(units: &[Unit]) -> Self {
        let mut index = Self::default();
        for (slot, unit) in units.iter().enumerate() {
            index.update(slot as u32, unit);
        }
        index
    }

    /// Moves one unit after a new fix or status (adds it the first time).
    pub fn update(&mut self, slot: u32, unit: &Unit) {
        let i = slot as usize;
        if self.placed.len() <= i {
            self.placed.resize(i + 1, None);
        }
        let target = unit.last_fix.map(|f| (unit.status.index(), cell_of(f.lon, f.lat), unit_vector(f.lon, f.lat)));
        if let (Some(p), Some((status, cell, point))) = (self.placed[i], target) {
            if p.status == status && p.cell == cell {
                if let Some(e) = self.grids[status].get_mut(&cell).and_then(|l| l.get_mut(p.at)) {
                    e.point = point;
                }
                return;
            }
        }
        self.remove(slot);
        if let Some((status, cell, point)) = target {
            let list = self.grids[status].entry(cell).or_default();
            list.push(Entry { slot, point });
            self.placed[i] = Some(Placed { status, cell, at: list.len() - 1 });
            self.count += 1;
            let e = self.extents[status].get_or_insert((cell.0, cell.1, cell.0, cell.1));
            *e = (e.0.min(cell.0), e.1.min(cell.1), e.2.max(cell.0), e.3.max(cell.1));
        }
    }

    fn remove(&mut self, slot: u32) {
        let Some(p) = self.placed[slot as usize].take() else { return };
        self.count -= 1;
        let Some(list) = self.grids[p.status].get_mut(&p.cell) else { return };
        list.swap_remove(p.at);
        if let Some(moved) = list.get(p.at) {
            if let Some(m) = self.placed[moved.slot as usize].as_mut() {
                m.at = p.at;
            }
        }
        if list.is_empty() {
            self.grids[p.status].remove(&p.cell);
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The `k` nearest units passing `filter`, nearest first.
    pub fn nearest(
        &self,
        units: &[Unit],
        lon: f64,
        lat: f64,
        k: usize,
        filter: &UnitFilter,
        now: Millis,
    ) -> Vec<NearUnit> {
        if k == 0 {
            return Vec::new();
        }
        let q = unit_vector(lon, lat);
        let wanted: Vec<usize> = (0..UnitStatus::ALL.len())
            .filter(|i| filter.statuses.as_ref().is_none_or(|w| w.contains(&UnitStatus::ALL[*i])))
            .filter(|i| !self.grids[*i].is_empty())
            .collect();
        let (cx, cy) = cell_of(lon, lat);
        let reach = |e: (i32, i32, i32, i32)| (cx - e.0).max(e.2 - cx).max(cy - e.1).max(e.3 - cy).max(0);
        let Some(max_ring) = wanted.iter().filter_map(|i| self.extents[*i].map(reach)).max() else { return Vec::new() };
        let grids: Vec<&HashMap<Cell, Vec<Entry>>> = wanted.iter().map(|i| &self.grids[*i]).collect();
        // (chord², slot), sorted, at most k.
        let mut best: Vec<(f64, u32)> = Vec::with_capacity(k + 1);
        for r in 0..=max_ring {
            for cell in ring(cx, cy, r) {
                for grid in &grids {
                    for &Entry { slot, point } in grid.get(&cell).into_iter().flatten() {
                        let d = chord2(&point, &q);
                        if best.len() == k && d >= best[k - 1].0 {
                            continue;
                        }
                        if !units.get(slot as usize).is_some_and(|u| filter.accepts(u, now)) {
                            continue;
                        }
                        let at = best.partition_point(|b| (b.0, b.1) < (d, slot));
                        best.insert(at, (d, slot));
                        best.truncate(k);
                    }
                }
            }
            // Anything in ring r + 1 is at least r whole cells away.
            if best.len() == k && best[k - 1].0 < chord2_lower_bound(lat, r) {
                break;
            }
        }
        best.into_iter().map(|(d, slot)| NearUnit { slot, distance_m: chord2_to_metres(d) }).collect()
    }
}

/// The cells at Chebyshev distance `r` from (cx, cy).
fn ring(cx: i32, cy: i32, r: i32) -> Vec<Cell> {
    if r == 0 {
        return vec![(cx, cy)];
    }
    let top_bottom = (-r..=r).flat_map(|dx| [(cx + dx, cy - r), (cx + dx, cy + r)]);
    let sides = (1 - r..r).flat_map(|dy| [(cx - r, cy + dy), (cx + r, cy + dy)]);
    top_bottom.chain(sides).collect()
}

/// A lower bound on the chord² to any point `r` or more whole cells away from a query at `lat`.
fn chord2_lower_bound(lat: f64, r: i32) -> f64 {
    let deg = f64::from(r) * CELL_DEG;
    let widest_lat = (lat.abs() + deg + CELL_DEG).min(89.9);
    // 1% under the distance along the parallel: a great circle is slightly shorter.
    let metres = deg * METRES_PER_DEGREE * widest_lat.to_radians().cos() * 0.99;
    metres_to_chord2(metres)
}
