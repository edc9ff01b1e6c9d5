//! Coordinate reference systems: WGS84, Web Mercator (EPSG:3857), the tile pyramid,
//! reprojection of imported data to WGS84, typed `LON,LAT` text, and (in [`geodesy`]) the one
//! Earth model for distances.
//!
//! Two planar spaces are used across pantau:
//! - EPSG:3857 metres ([`lonlat_to_mercator`]), for interoperability and metric sizes;
//! - the *world* square: Web Mercator scaled to `[0, 1] x [0, 1]` with y pointing south
//!   ([`lonlat_to_world`]). Tiles, the view and the renderer all work in world units, kept in
//!   `f64` on the CPU so zoom 20 stays exact.

mod tile;

pub mod geodesy;
pub mod reproject;
pub use reproject::{Reprojector, SourceCrs};
pub use tile::{TileId, TileRange};

/// The sphere Web Mercator projects from (the WGS84 semi-major axis), in metres. A projection
/// constant only: distances use [`geodesy::EARTH_MEAN_RADIUS_M`].
pub const WEB_MERCATOR_RADIUS_M: f64 = 6_378_137.0;
/// Half the width of the Web Mercator square, in metres.
pub const MERCATOR_HALF_WIDTH_M: f64 = std::f64::consts::PI * WEB_MERCATOR_RADIUS_M;
/// Web Mercator's latitude limit, in degrees.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// WGS84 longitude/latitude in degrees to EPSG:3857 metres.
pub fn lonlat_to_mercator(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE);
    let x = WEB_MERCATOR_RADIUS_M * lon.to_radians();
    let y = WEB_MERCATOR_RADIUS_M * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln();
    (x, y)
}

/// EPSG:3857 metres to WGS84 longitude/latitude in degrees.
pub fn mercator_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    let lon = (x / WEB_MERCATOR_RADIUS_M).to_degrees();
    let lat = (2.0 * (y / WEB_MERCATOR_RADIUS_M).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
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

/// Ground metres one world unit spans at latitude `lat` (Web Mercator's scale there): sizes in
/// metres on the map, such as a scale bar or a camera's range, divide by it.
pub fn ground_metres_per_world_unit(lat: f64) -> f64 {
    2.0 * MERCATOR_HALF_WIDTH_M * lat.to_radians().cos()
}

/// Why `LON,LAT` text is not a point on the map.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LonLatError {
    #[error("expected LON,LAT, got {0:?}")]
    Shape(String),
    #[error("bad longitude {0:?}")]
    Longitude(String),
    #[error("bad latitude {0:?}")]
    Latitude(String),
    #[error("{0:?} is outside the map (longitude -180..180, latitude -85..85)")]
    OutsideMap(String),
}

/// Whether a point lies on the globe: finite, longitude within ±180°, latitude within ±90°
/// (a NaN compares false, so it is not).
pub fn on_globe(lon: f64, lat: f64) -> bool {
    lon.abs() <= 180.0 && lat.abs() <= 90.0
}

/// `LON,LAT` in degrees (spaces allowed around each), inside Web Mercator's square.
pub fn parse_lonlat(s: &str) -> Result<(f64, f64), LonLatError> {
    let (lon, lat) = s.split_once(',').ok_or_else(|| LonLatError::Shape(s.to_string()))?;
    let lon: f64 = lon.trim().parse().map_err(|_| LonLatError::Longitude(lon.to_string()))?;
    let lat: f64 = lat.trim().parse().map_err(|_| LonLatError::Latitude(lat.to_string()))?;
    if !(-180.0..=180.0).contains(&lon) || !(-85.06..=85.06).contains(&lat) {
        return Err(LonLatError::OutsideMap(s.to_string()));
    }
    Ok((lon, lat))
}

/// The order two typed numbers were read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoordinateOrder {
    /// `LAT, LON`, as the map's cursor readout and most phones show a point.
    LatLon,
    /// `LON,LAT`, as GIS files and pantau's command line take it.
    LonLat,
}

impl CoordinateOrder {
    pub fn name(self) -> &'static str {
        match self {
            CoordinateOrder::LatLon => "lat, lon",
            CoordinateOrder::LonLat => "lon, lat",
        }
    }
}

/// Every way two typed numbers (`A, B`) can be a point on the map: as `LAT, LON` first, then
/// as `LON, LAT`; one reading when only one order is in range (106.8 is no latitude), two when
/// both are, none when neither is or the text is not two numbers.
pub fn read_point(s: &str) -> Vec<(f64, f64, CoordinateOrder)> {
    let Some((a, b)) = s.split_once(',') else { return Vec::new() };
    let (Ok(a), Ok(b)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>()) else { return Vec::new() };
    let on_map = |lon: f64, lat: f64| (-180.0..=180.0).contains(&lon) && (-85.06..=85.06).contains(&lat);
    let mut readings = Vec::new();
    if on_map(b, a) {
        readings.push((b, a, CoordinateOrder::LatLon));
    }
    if on_map(a, b) && a != b {
        readings.push((a, b, CoordinateOrder::LonLat));
    }
    readings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_points_are_read_in_every_order_that_fits() {
        let monas = read_point("-6.1754, 106.8272");
        assert_eq!(monas, [(106.8272, -6.1754, CoordinateOrder::LatLon)]);
        assert_eq!(read_point("106.8272,-6.1754"), [(106.8272, -6.1754, CoordinateOrder::LonLat)]);
        let monaco = read_point("43.7384, 7.4246");
        assert_eq!(monaco.len(), 2, "both orders fit: {monaco:?}");
        assert_eq!(monaco[0], (7.4246, 43.7384, CoordinateOrder::LatLon));
        assert!(read_point("95, 200").is_empty() && read_point("Jalan Sudirman").is_empty());
    }

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
    fn lonlat_text() {
        assert_eq!(parse_lonlat(" 106.8, -6.2 "), Ok((106.8, -6.2)));
        assert!(matches!(parse_lonlat("106.8"), Err(LonLatError::Shape(_))));
        assert!(matches!(parse_lonlat("x,-6.2"), Err(LonLatError::Longitude(_))));
        assert!(matches!(parse_lonlat("106.8,NaN"), Err(LonLatError::OutsideMap(_))));
        assert!(matches!(parse_lonlat("106.8,89"), Err(LonLatError::OutsideMap(_))));
    }

    #[test]
    fn world_square_corners() {
        assert_eq!(lonlat_to_world(0.0, 0.0), (0.5, 0.5));
        let (x, y) = lonlat_to_world(-180.0, MAX_LATITUDE);
        assert!(x.abs() < 1e-12 && y.abs() < 1e-9);
    }
}
