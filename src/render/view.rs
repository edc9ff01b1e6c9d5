//! The map view: centre, zoom, bearing and viewport size, and the maths that follows from
//! them (pixels per world unit, which tiles are visible, world <-> screen).
//!
//! Zoom is the usual web-map zoom: the world is `256 * 2^zoom` pixels wide. Vector tiles are
//! drawn at 512 px, so tile zoom `z` is native at view zoom `z + 1`.

use crate::crs::{lonlat_to_world, world_to_lonlat, TileId, TileRange};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    /// Centre in world units (f64: exact at any zoom).
    pub center: (f64, f64),
    pub zoom: f64,
    /// Clockwise rotation of the map, in degrees.
    pub bearing: f64,
    pub width: u32,
    pub height: u32,
}

impl View {
    pub fn new(lon: f64, lat: f64, zoom: f64, width: u32, height: u32) -> Self {
        Self { center: lonlat_to_world(lon, lat), zoom, bearing: 0.0, width, height }
    }

    /// The view that fits a `(west, south, east, north)` box, with a small margin.
    pub fn fit(bounds: (f64, f64, f64, f64), width: u32, height: u32) -> Self {
        let (w, s, e, n) = bounds;
        let (x0, y0) = lonlat_to_world(w, n);
        let (x1, y1) = lonlat_to_world(e, s);
        let span_x = (x1 - x0).max(1e-9) * 256.0;
        let span_y = (y1 - y0).max(1e-9) * 256.0;
        let zoom = (f64::from(width) * 0.9 / span_x).min(f64::from(height) * 0.9 / span_y).log2();
        Self { center: ((x0 + x1) / 2.0, (y0 + y1) / 2.0), zoom: zoom.clamp(0.0, 20.0), bearing: 0.0, width, height }
    }

    pub fn center_lonlat(&self) -> (f64, f64) {
        world_to_lonlat(self.center.0, self.center.1)
    }

    /// Pixels per world unit.
    pub fn world_px(&self) -> f64 {
        256.0 * self.zoom.exp2()
    }

    /// The tile zoom to draw, given the archive's zoom range.
    pub fn tile_zoom(&self, min_zoom: u8, max_zoom: u8) -> u8 {
        let z = (self.zoom - 1.0).round().max(0.0) as u8;
        z.clamp(min_zoom, max_zoom)
    }

    /// Tiles at zoom `z` that touch the (possibly rotated) viewport.
    pub fn visible_tiles(&self, z: u8) -> TileRange {
        // The bounding circle of the viewport covers any bearing.
        let half_diag = f64::from(self.width).hypot(f64::from(self.height)) / 2.0;
        let (hx, hy) = if self.bearing == 0.0 {
            (f64::from(self.width) / 2.0, f64::from(self.height) / 2.0)
        } else {
            (half_diag, half_diag)
        };
        let px = self.world_px();
        let (cx, cy) = self.center;
        TileRange::covering(z, cx - hx / px, cy - hy / px, cx + hx / px, cy + hy / px)
    }

    /// Screen pixel (origin top-left) of a world point.
    pub fn world_to_screen(&self, wx: f64, wy: f64) -> (f64, f64) {
        let px = self.world_px();
        let (dx, dy) = ((wx - self.center.0) * px, (wy - self.center.1) * px);
        let (s, c) = self.bearing.to_radians().sin_cos();
        (dx * c - dy * s + f64::from(self.width) / 2.0, dx * s + dy * c + f64::from(self.height) / 2.0)
    }

    /// World point under a screen pixel.
    pub fn screen_to_world(&self, sx: f64, sy: f64) -> (f64, f64) {
        let px = self.world_px();
        let (dx, dy) = (sx - f64::from(self.width) / 2.0, sy - f64::from(self.height) / 2.0);
        let (s, c) = self.bearing.to_radians().sin_cos();
        (self.center.0 + (dx * c + dy * s) / px, self.center.1 + (-dx * s + dy * c) / px)
    }

    /// Screen pixel of a WGS84 point.
    pub fn lonlat_to_screen(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (wx, wy) = lonlat_to_world(lon, lat);
        self.world_to_screen(wx, wy)
    }
}

/// Where a tile lands on screen, relative to the viewport centre, unrotated.
pub fn tile_placement(view: &View, id: TileId) -> ([f32; 2], f32) {
    let px = view.world_px();
    let (x0, y0, _, _) = id.world_bounds();
    let origin = [((x0 - view.center.0) * px) as f32, ((y0 - view.center.1) * px) as f32];
    let scale = (id.world_size() * px / 4096.0) as f32;
    (origin, scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_world_round_trip_with_bearing() {
        let mut v = View::new(106.8272, -6.1754, 15.0, 1920, 1080);
        v.bearing = 30.0;
        let (sx, sy) = v.lonlat_to_screen(106.83, -6.18);
        let (wx, wy) = v.screen_to_world(sx, sy);
        let (lon, lat) = world_to_lonlat(wx, wy);
        assert!((lon - 106.83).abs() < 1e-9 && (lat - -6.18).abs() < 1e-9);
        let (cx, cy) = v.lonlat_to_screen(106.8272, -6.1754);
        assert!((cx - 960.0).abs() < 1e-6 && (cy - 540.0).abs() < 1e-6);
    }

    #[test]
    fn tiles_are_512px_at_their_native_zoom() {
        let v = View::new(106.8272, -6.1754, 15.0, 1920, 1080);
        assert_eq!(v.tile_zoom(8, 16), 14);
        let (_, scale) = tile_placement(&v, TileId::new(14, 13053, 8473));
        assert!((scale * 4096.0 - 512.0).abs() < 1e-3);
        assert_eq!(View::new(0.0, 0.0, 20.0, 10, 10).tile_zoom(8, 16), 16);
    }

    #[test]
    fn fit_covers_the_bounds() {
        let v = View::fit((106.68, -6.37, 106.98, -6.08), 1200, 900);
        let (x0, y0) = v.lonlat_to_screen(106.68, -6.08);
        let (x1, y1) = v.lonlat_to_screen(106.98, -6.37);
        assert!(x0 >= 0.0 && y0 >= 0.0 && x1 <= 1200.0 && y1 <= 900.0);
        assert!(x1 - x0 > 1000.0 || y1 - y0 > 800.0, "fit uses the space");
    }
}
