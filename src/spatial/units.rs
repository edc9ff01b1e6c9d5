//! Unit positions in an R-tree, kept current as fixes arrive, answering "the k nearest units
//! to this point" with filters on status, kind and fix age. Positions are indexed as points on
//! the unit sphere (3-D), where straight-line (chord) order is exactly great-circle order, so
//! the nearest units come out in true ground-distance order anywhere on Earth.

use rstar::primitives::GeomWithData;
use rstar::RTree;

use crate::model::{Millis, Unit, UnitKind, UnitStatus};

/// Mean Earth radius used for distances, metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

type Entry = GeomWithData<[f64; 3], u32>;

/// Which units a query wants.
#[derive(Clone, Debug)]
pub struct UnitFilter {
    /// `None`: any status.
    pub statuses: Option<Vec<UnitStatus>>,
    /// `None`: any kind.
    pub kinds: Option<Vec<UnitKind>>,
    /// Ignore fixes older than this (default 30 minutes).
    pub max_age_ms: Option<Millis>,
}

impl Default for UnitFilter {
    fn default() -> Self {
        Self { statuses: None, kinds: None, max_age_ms: Some(30 * 60_000) }
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
    }
}

/// One answer: a unit slot and its great-circle distance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NearUnit {
    pub slot: u32,
    pub distance_m: f64,
}

/// The index: one point per unit slot with a fix.
#[derive(Default)]
pub struct UnitIndex {
    tree: RTree<Entry>,
    indexed: Vec<Option<[f64; 3]>>,
}

impl UnitIndex {
    /// Bulk-loads every unit with a fix.
    pub fn build(units: &[Unit]) -> Self {
        let indexed: Vec<Option<[f64; 3]>> =
            units.iter().map(|u| u.last_fix.map(|f| unit_vector(f.lon, f.lat))).collect();
        let entries =
            indexed.iter().enumerate().filter_map(|(slot, p)| p.map(|p| Entry::new(p, slot as u32))).collect();
        Self { tree: RTree::bulk_load(entries), indexed }
    }

    /// Moves one unit (after a new fix, or adds it).
    pub fn update(&mut self, slot: u32, unit: &Unit) {
        let i = slot as usize;
        if self.indexed.len() <= i {
            self.indexed.resize(i + 1, None);
        }
        if let Some(old) = self.indexed[i].take() {
            self.tree.remove(&Entry::new(old, slot));
        }
        if let Some(f) = unit.last_fix {
            let p = unit_vector(f.lon, f.lat);
            self.tree.insert(Entry::new(p, slot));
            self.indexed[i] = Some(p);
        }
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
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
        let q = unit_vector(lon, lat);
        self.tree
            .nearest_neighbor_iter(&q)
            .filter(|e| units.get(e.data as usize).is_some_and(|u| filter.accepts(u, now)))
            .take(k)
            .map(|e| NearUnit { slot: e.data, distance_m: chord_to_metres(e.geom(), &q) })
            .collect()
    }
}

/// A point on the unit sphere.
pub fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (lon, lat) = (lon.to_radians(), lat.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn chord_to_metres(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let chord = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
    2.0 * EARTH_RADIUS_M * (chord / 2.0).min(1.0).asin()
}
