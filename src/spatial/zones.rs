//! Rayonisasi: which zone (at every level of the hierarchy) holds a point. An R-tree of zone
//! bounding boxes finds candidates; each polygon keeps its edges in horizontal bands so the
//! point-in-polygon test only looks at the few edges near the point. A point on a boundary
//! shared by two zones of one level goes to the zone with the smaller code, so the answer never
//! depends on load order; a point outside every zone gets none.

use geo::{BoundingRect, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;

use crate::model::Zone;

const BANDS: usize = 64;

type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// A polygon's edges bucketed by latitude band.
struct Banded {
    min_y: f64,
    band: f64,
    bands: Vec<Vec<[f64; 4]>>,
}

/// Inside, outside, or exactly on the boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    Inside,
    Boundary,
    Outside,
}

impl Banded {
    fn new(polygon: &MultiPolygon<f64>) -> Option<Self> {
        let rect = polygon.bounding_rect()?;
        let (min_y, max_y) = (rect.min().y, rect.max().y);
        let band = ((max_y - min_y) / BANDS as f64).max(f64::MIN_POSITIVE);
        let mut bands = vec![Vec::new(); BANDS];
        for ring in polygon.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())) {
            for w in ring.0.windows(2) {
                let e = [w[0].x, w[0].y, w[1].x, w[1].y];
                let (lo, hi) = (e[1].min(e[3]), e[1].max(e[3]));
                let first = (((lo - min_y) / band).floor().max(0.0) as usize).min(BANDS - 1);
                let last = (((hi - min_y) / band).floor().max(0.0) as usize).min(BANDS - 1);
                for b in &mut bands[first..=last] {
                    b.push(e);
                }
            }
        }
        Some(Self { min_y, band, bands })
    }

    /// Even-odd ray casting to the east over the edges of the point's band.
    fn locate(&self, x: f64, y: f64) -> Location {
        let b = (((y - self.min_y) / self.band).floor().max(0.0) as usize).min(BANDS - 1);
        let mut inside = false;
        for &[x1, y1, x2, y2] in &self.bands[b] {
            if on_segment(x, y, x1, y1, x2, y2) {
                return Location::Boundary;
            }
            if (y1 > y) != (y2 > y) {
                let cross_x = x1 + (y - y1) / (y2 - y1) * (x2 - x1);
                if cross_x > x {
                    inside = !inside;
                }
            }
        }
        if inside {
            Location::Inside
        } else {
            Location::Outside
        }
    }
}

fn on_segment(x: f64, y: f64, x1: f64, y1: f64, x2: f64, y2: f64) -> bool {
    let cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1);
    cross == 0.0 && x >= x1.min(x2) && x <= x1.max(x2) && y >= y1.min(y2) && y <= y1.max(y2)
}

pub struct ZoneIndex {
    zones: Vec<Zone>,
    banded: Vec<Banded>,
    tree: RTree<BoxEntry>,
}

impl ZoneIndex {
    pub fn new(zones: Vec<Zone>) -> Self {
        let mut kept = Vec::new();
        let mut banded = Vec::new();
        let mut boxes = Vec::new();
        for zone in zones {
            let (Some(b), Some(rect)) = (Banded::new(&zone.polygon), zone.polygon.bounding_rect()) else { continue };
            let slot = kept.len() as u32;
            boxes.push(BoxEntry::new(
                Rectangle::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]),
                slot,
            ));
            kept.push(zone);
            banded.push(b);
        }
        Self { zones: kept, banded, tree: RTree::bulk_load(boxes) }
    }

    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    /// The zone holding the point at every level, coarsest level first.
    pub fn lookup(&self, lon: f64, lat: f64) -> Vec<&Zone> {
        let mut best: Vec<(u8, u32, Location)> = Vec::new();
        for e in self.tree.locate_all_at_point(&[lon, lat]) {
            let slot = e.data;
            let location = self.banded[slot as usize].locate(lon, lat);
            if location == Location::Outside {
                continue;
            }
            let zone = &self.zones[slot as usize];
            match best.iter_mut().find(|(level, _, _)| *level == zone.level) {
                Some(entry) => {
                    // Inside beats boundary; between boundaries, the smaller code wins.
                    let current = &self.zones[entry.1 as usize];
                    let better = (location == Location::Inside && entry.2 == Location::Boundary)
                        || (location == entry.2 && zone.code < current.code);
                    if better {
                        *entry = (zone.level, slot, location);
                    }
                }
                None => best.push((zone.level, slot, location)),
            }
        }
        best.sort_by_key(|(level, _, _)| *level);
        best.into_iter().map(|(_, slot, _)| &self.zones[slot as usize]).collect()
    }

    /// The zone of one level holding the point.
    pub fn lookup_level(&self, lon: f64, lat: f64, level: u8) -> Option<&Zone> {
        self.lookup(lon, lat).into_iter().find(|z| z.level == level)
    }

    /// Exact location of a point against one zone (for tests and brute force).
    pub fn locate(&self, slot: usize, lon: f64, lat: f64) -> Location {
        self.banded[slot].locate(lon, lat)
    }
}
