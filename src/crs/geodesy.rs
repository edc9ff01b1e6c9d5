//! Distances, local planes and speed units: the one Earth model every distance in pantau uses.
//!
//! Distances are measured on a sphere of the IUGG mean radius R1 (6,371,008.8 m), the sphere
//! whose great-circle distances stray least from the WGS84 ellipsoid's (within 0.5 %, far
//! below GPS and road-snapping error at city scale). Web Mercator's 6,378,137 m
//! ([`super::WEB_MERCATOR_RADIUS_M`]) is a projection constant, not a distance model: it only
//! places things on the map.
//!
//! Three tools sit on that sphere:
//! - great-circle distance ([`haversine_m`]), and the unit-sphere vectors that spatial indices
//!   compare instead (the chord between two unit vectors orders points exactly as the
//!   great-circle distance does);
//! - a local plane around an origin ([`offset_m`], [`offset_lonlat`]), east and north in
//!   metres, exact enough for the hundreds of metres a camera sees or a road segment spans;
//! - speed units: knots, km/h and mph to and from metres per second.

/// Mean Earth radius (IUGG R1) used for every distance, in metres.
pub const EARTH_MEAN_RADIUS_M: f64 = 6_371_008.8;

/// Metres per degree of latitude on the distance sphere.
pub const METRES_PER_DEGREE: f64 = EARTH_MEAN_RADIUS_M * std::f64::consts::PI / 180.0;

/// Kilometres per hour in one metre per second.
pub const KMH_PER_MPS: f64 = 3.6;

/// One knot (one nautical mile, 1,852 m, an hour) in metres per second.
pub const KNOT_MPS: f64 = 1852.0 / 3600.0;

/// Great-circle distance between two WGS84 points, in metres.
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_MEAN_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// A point on the unit sphere.
pub fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (sin_lon, cos_lon) = lon.to_radians().sin_cos();
    let (sin_lat, cos_lat) = lat.to_radians().sin_cos();
    [cos_lat * cos_lon, cos_lat * sin_lon, sin_lat]
}

/// Squared straight-line distance between two points on the unit sphere.
pub fn chord2(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// The great-circle distance in metres of a squared unit-sphere chord.
pub fn chord2_to_metres(c2: f64) -> f64 {
    2.0 * EARTH_MEAN_RADIUS_M * (c2.sqrt() / 2.0).min(1.0).asin()
}

/// The squared unit-sphere chord of a great-circle distance in metres.
pub fn metres_to_chord2(metres: f64) -> f64 {
    let chord = 2.0 * (metres / (2.0 * EARTH_MEAN_RADIUS_M)).sin();
    chord * chord
}

/// East and north offset of a point from an origin, in metres (local equirectangular plane).
pub fn offset_m(from_lon: f64, from_lat: f64, lon: f64, lat: f64) -> (f64, f64) {
    let east = (lon - from_lon) * METRES_PER_DEGREE * from_lat.to_radians().cos();
    let north = (lat - from_lat) * METRES_PER_DEGREE;
    (east, north)
}

/// The point `east` and `north` metres from an origin (the inverse of [`offset_m`]).
pub fn offset_lonlat(from_lon: f64, from_lat: f64, east: f64, north: f64) -> (f64, f64) {
    (
        from_lon + east / (METRES_PER_DEGREE * from_lat.to_radians().cos().max(1e-6)),
        from_lat + north / METRES_PER_DEGREE,
    )
}

/// Half the sides, in degrees of longitude and latitude, of a box reaching `metres` from a
/// point at latitude `lat` in each direction.
pub fn degree_extent(metres: f64, lat: f64) -> (f64, f64) {
    let dlat = metres / METRES_PER_DEGREE;
    (dlat / lat.to_radians().cos().max(1e-6), dlat)
}

/// Knots to metres per second.
pub fn knots_to_mps(knots: f64) -> f64 {
    knots * KNOT_MPS
}

/// Metres per second to knots.
pub fn mps_to_knots(mps: f64) -> f64 {
    mps / KNOT_MPS
}

/// Kilometres per hour to metres per second.
pub fn kmh_to_mps(kmh: f64) -> f64 {
    kmh / KMH_PER_MPS
}

/// Metres per second to kilometres per hour.
pub fn mps_to_kmh(mps: f64) -> f64 {
    mps * KMH_PER_MPS
}

/// Miles (1,609.344 m) per hour to metres per second.
pub fn mph_to_mps(mph: f64) -> f64 {
    mph * 1609.344 / 3600.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monas_to_bundaran_hi() {
        // Monas to Bundaran HI, about 2.07 km.
        let d = haversine_m(106.8272, -6.1754, 106.8229, -6.1935);
        assert!((d - 2069.0).abs() < 15.0, "{d}");
    }

    #[test]
    fn chord_and_haversine_agree() {
        let (a, b) = (unit_vector(106.8272, -6.1754), unit_vector(106.9, -6.3));
        let via_chord = chord2_to_metres(chord2(&a, &b));
        assert!((via_chord - haversine_m(106.8272, -6.1754, 106.9, -6.3)).abs() < 1e-6);
        assert!((metres_to_chord2(via_chord) - chord2(&a, &b)).abs() < 1e-15);
    }

    #[test]
    fn local_plane_round_trips_and_matches_haversine() {
        let (e, n) = offset_m(106.8, -6.2, 106.803, -6.198);
        let (lon, lat) = offset_lonlat(106.8, -6.2, e, n);
        assert!((lon - 106.803).abs() < 1e-12 && (lat + 6.198).abs() < 1e-12);
        let d = haversine_m(106.8, -6.2, 106.803, -6.198);
        assert!((e.hypot(n) - d).abs() < 0.01, "{} vs {d}", e.hypot(n));
    }

    #[test]
    fn knots() {
        assert!((knots_to_mps(40.0) - 20.577_78).abs() < 1e-4);
        assert!((mps_to_knots(knots_to_mps(13.0)) - 13.0).abs() < 1e-12);
        assert!((mps_to_kmh(kmh_to_mps(42.0)) - 42.0).abs() < 1e-12);
        assert!((mph_to_mps(1.0) - 0.447_04).abs() < 1e-12);
    }
}
