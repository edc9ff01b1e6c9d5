//! Camera coverage: each camera sees a sector (position, direction, field-of-view angle, range
//! in metres). An R-tree of the sectors' bounding boxes finds candidates; the sector test is done
//! in metres on a local plane around the camera (exact enough for ranges of hundreds of metres),
//! with angles compared across north (direction 350°, angle 40° covers 10°).

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;

use crate::crs::geodesy::{degree_extent, offset_m};
use crate::model::Camera;

type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// Whether a camera's sector holds the point.
pub fn sees(camera: &Camera, lon: f64, lat: f64) -> bool {
    let (east, north) = offset_m(camera.lon, camera.lat, lon, lat);
    let distance = east.hypot(north);
    if distance > f64::from(camera.range) {
        return false;
    }
    // A camera whose direction is not known may look anywhere: it covers its whole circle.
    let Some(direction) = camera.direction.filter(|_| camera.fov < 360.0 && distance > 0.0) else {
        return true;
    };
    let bearing = east.atan2(north).to_degrees();
    let off_axis = (bearing - f64::from(direction) + 540.0).rem_euclid(360.0) - 180.0;
    // The sector's edges are inclusive (to within float rounding of the bearing).
    off_axis.abs() <= f64::from(camera.fov) / 2.0 + 1e-9
}

pub struct CameraIndex {
    cameras: Vec<Camera>,
    tree: RTree<BoxEntry>,
}

impl CameraIndex {
    pub fn new(cameras: Vec<Camera>) -> Self {
        let boxes = cameras
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (dlon, dlat) = degree_extent(f64::from(c.range), c.lat);
                BoxEntry::new(
                    Rectangle::from_corners([c.lon - dlon, c.lat - dlat], [c.lon + dlon, c.lat + dlat]),
                    i as u32,
                )
            })
            .collect();
        Self { cameras, tree: RTree::bulk_load(boxes) }
    }

    pub fn cameras(&self) -> &[Camera] {
        &self.cameras
    }

    /// Slots of the cameras that see the point, in slot order.
    pub fn covering(&self, lon: f64, lat: f64) -> Vec<u32> {
        let mut hits: Vec<u32> = self
            .tree
            .locate_all_at_point(&[lon, lat])
            .filter(|e| sees(&self.cameras[e.data as usize], lon, lat))
            .map(|e| e.data)
            .collect();
        hits.sort_unstable();
        hits
    }

    /// Whether any camera sees the point (stops at the first).
    pub fn is_covered(&self, lon: f64, lat: f64) -> bool {
        self.tree.locate_all_at_point(&[lon, lat]).any(|e| sees(&self.cameras[e.data as usize], lon, lat))
    }
}

/// Share of a zone's area that some camera sees, from sample points every `spacing_m`.
pub fn zone_coverage(index: &CameraIndex, zone: &crate::model::Zone, spacing_m: f64) -> f64 {
    use geo::{BoundingRect, Contains, Point};
    let Some(rect) = zone.polygon.bounding_rect() else { return 0.0 };
    let (dlon, dlat) = degree_extent(spacing_m, rect.center().y);
    let (mut inside, mut seen) = (0u64, 0u64);
    let mut lat = rect.min().y + dlat / 2.0;
    while lat < rect.max().y {
        let mut lon = rect.min().x + dlon / 2.0;
        while lon < rect.max().x {
            if zone.polygon.contains(&Point::new(lon, lat)) {
                inside += 1;
                seen += u64::from(index.is_covered(lon, lat));
            }
            lon += dlon;
        }
        lat += dlat;
    }
    if inside == 0 {
        0.0
    } else {
        seen as f64 / inside as f64
    }
}

/// Road coverage from points every `spacing_m` along each edge: metres seen, metres in all,
/// and the major roads (secondary and above) that no camera sees anywhere, as `[from, to]`.
pub fn road_coverage(
    index: &CameraIndex,
    graph: &crate::spatial::RoadGraph,
    spacing_m: f64,
) -> (f64, f64, Vec<[[f64; 2]; 2]>) {
    let (mut seen_m, mut total_m, mut gaps) = (0.0, 0.0, Vec::new());
    for (from, e) in graph.edges() {
        let (a, b) = (graph.nodes[from as usize], graph.nodes[e.to as usize]);
        let steps = (f64::from(e.length_m) / spacing_m).ceil().max(1.0) as usize;
        let step_m = f64::from(e.length_m) / steps as f64;
        let mut any = false;
        for i in 0..steps {
            let t = (i as f64 + 0.5) / steps as f64;
            if index.is_covered(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) {
                seen_m += step_m;
                any = true;
            }
        }
        total_m += f64::from(e.length_m);
        if e.major && !any {
            gaps.push([a, b]);
        }
    }
    (seen_m, total_m, gaps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn camera(direction: f32, fov: f32) -> Camera {
        Camera {
            id: "c".into(),
            name: String::new(),
            lon: 106.8,
            lat: -6.2,
            direction: Some(direction),
            fov,
            range: 100.0,
            ptz: false,
            stream_url: None,
        }
    }

    /// A point `metres` away from the camera at a compass bearing.
    fn at(bearing: f64, metres: f64) -> (f64, f64) {
        let (e, n) = (bearing.to_radians().sin() * metres, bearing.to_radians().cos() * metres);
        crate::crs::geodesy::offset_lonlat(106.8, -6.2, e, n)
    }

    #[test]
    fn an_unknown_direction_covers_the_whole_range_not_the_north() {
        let unknown = Camera { direction: None, ..camera(0.0, 60.0) };
        for bearing in [0.0, 90.0, 180.0, 270.0] {
            let (lon, lat) = at(bearing, 90.0);
            assert!(sees(&unknown, lon, lat), "bearing {bearing}");
        }
        let (lon, lat) = at(180.0, 110.0);
        assert!(!sees(&unknown, lon, lat), "still only within its range");
    }

    #[test]
    fn sectors_wrap_around_north() {
        let c = camera(350.0, 40.0);
        for (bearing, seen) in
            [(10.0, true), (350.0, true), (331.0, true), (15.0, false), (325.0, false), (180.0, false)]
        {
            let (lon, lat) = at(bearing, 50.0);
            assert_eq!(sees(&c, lon, lat), seen, "bearing {bearing}");
        }
    }

    #[test]
    fn range_is_in_metres() {
        let c = camera(90.0, 60.0);
        let (lon, lat) = at(90.0, 99.0);
        assert!(sees(&c, lon, lat));
        let (lon, lat) = at(90.0, 101.0);
        assert!(!sees(&c, lon, lat));
        let ptz = camera(0.0, 360.0);
        let (lon, lat) = at(200.0, 80.0);
        assert!(sees(&ptz, lon, lat));
    }
}
