//! Coordinate reference systems: WGS84, Web Mercator (EPSG:3857), the tile pyramid, and
//! reprojection of imported data to WGS84.
//!
//! Two planar spaces are used across pantau:
//! - EPSG:3857 metres ([`lonlat_to_mercator`]), for interoperability and metric sizes;
//! - the *world* square: Web Mercator scaled to `[0, 1] x [0, 1]` with y pointing south
//!   ([`lonlat_to_world`]). Tiles, the view and the renderer all work in world units, kept in
//!   `f64` on the CPU so zoom 20 stays exact.

mod tile;

pub mod reproject;
pub use reproject::{Reprojector, SourceCrs};
pub use tile::{TileId, TileRange};

/// WGS84 semi-major axis used by Web Mercator, in metres.
pub const EARTH_RADIUS_M: f64 = 6_378_137.0;
/// Half the width of the Web Mercator square, in metres.
pub const MERCATOR_HALF_WIDTH_M: f64 = std::f64::consts::PI * EARTH_RADIUS_M;
/// Web Mercator's latitude limit, in degrees.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// WGS84 longitude/latitude in degrees to EPSG:3857 metres.
pub fn lonlat_to_mercator(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE);
    let x = EARTH_RADIUS_M * lon.to_radians();
    let y = EARTH_RADIUS_M * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln();
    (x, y)
}

/// EPSG:3857 metres to WGS84 longitude/latitude in degrees.
pub fn mercator_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    let lon = (x / EARTH_RADIUS_M).to_degrees();
    let lat = (2.0 * (y / EARTH_RADIUS_M).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
    (lon, lat)
}

/// WGS84 degrees to world units (`[0,1]²`, origin at the north-west corner, y south).
pub fn lonlat_to_world(lon: f64, lat: f64) -> (f64, f64) {
    let (mx, my) = lonlat_to_mercator(lon, lat);
    (
        (mx + MERCATOR_HALF_WIDTH_M) / (2.0 * MERCATOR_HALF_WIDTH_M),
        (MERCATOR_HALF_WIDTH_M - my) / (2.0 * MERCATOR_HALF_WIDTH_M),
    )
}

/// World units back to WGS84 degrees.
pub fn world_to_lonlat(wx: f64, wy: f64) -> (f64, f64) {
    mercator_to_lonlat(
        wx * 2.0 * MERCATOR_HALF_WIDTH_M - MERCATOR_HALF_WIDTH_M,
        MERCATOR_HALF_WIDTH_M - wy * 2.0 * MERCATOR_HALF_WIDTH_M,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monas_to_web_mercator_matches_proj() {
        // Reference values computed with PROJ for EPSG:4326 -> EPSG:3857.
        let (x, y) = lonlat_to_mercator(106.8272, -6.1754);
        assert!((x - 11891949.5069).abs() < 1e-3, "x = {x}");
        assert!((y - -688777.2372).abs() < 1e-3, "y = {y}");
    }

    #[test]
    fn mercator_round_trips() {
        for &(lon, lat) in &[(106.8272, -6.1754), (7.4246, 43.7384), (-179.9, 84.0), (0.0, 0.0)] {
            let (x, y) = lonlat_to_mercator(lon, lat);
            let (lon2, lat2) = mercator_to_lonlat(x, y);
            assert!((lon - lon2).abs() < 1e-9 && (lat - lat2).abs() < 1e-9);
            let (wx, wy) = lonlat_to_world(lon, lat);
            let (lon3, lat3) = world_to_lonlat(wx, wy);
            assert!((lon - lon3).abs() < 1e-9 && (lat - lat3).abs() < 1e-9);
        }
    }

    #[test]
    fn world_square_corners() {
        assert_eq!(lonlat_to_world(0.0, 0.0), (0.5, 0.5));
        let (x, y) = lonlat_to_world(-180.0, MAX_LATITUDE);
        assert!(x.abs() < 1e-12 && y.abs() < 1e-9);
    }
}
