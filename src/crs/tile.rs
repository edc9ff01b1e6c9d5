//! The XYZ tile pyramid (Google / OSM scheme, y grows south) over the world square.

use std::fmt;

/// One tile of the pyramid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    pub fn new(z: u8, x: u32, y: u32) -> Self {
        Self { z, x, y }
    }

    /// Number of tiles along one side at zoom `z`.
    pub fn side(z: u8) -> u32 {
        1 << z
    }

    /// The tile at zoom `z` holding a world point (clamped to the world square).
    pub fn containing(z: u8, wx: f64, wy: f64) -> Self {
        let n = Self::side(z);
        let clamp = |v: f64| ((v * f64::from(n)).floor().max(0.0) as u32).min(n - 1);
        Self::new(z, clamp(wx), clamp(wy))
    }

    /// World-unit bounds `(min_x, min_y, max_x, max_y)`.
    pub fn world_bounds(&self) -> (f64, f64, f64, f64) {
        let size = self.world_size();
        let (x0, y0) = (f64::from(self.x) * size, f64::from(self.y) * size);
        (x0, y0, x0 + size, y0 + size)
    }

    /// Side length in world units.
    pub fn world_size(&self) -> f64 {
        1.0 / f64::from(Self::side(self.z))
    }

    /// The tile one level up, if any.
    pub fn parent(&self) -> Option<Self> {
        (self.z > 0).then(|| Self::new(self.z - 1, self.x / 2, self.y / 2))
    }

    /// The ancestor at zoom `z` (itself when `z` equals its zoom).
    pub fn ancestor(&self, z: u8) -> Option<Self> {
        (z <= self.z).then(|| {
            let shift = self.z - z;
            Self::new(z, self.x >> shift, self.y >> shift)
        })
    }
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// An inclusive rectangle of tiles at one zoom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileRange {
    pub z: u8,
    pub min_x: u32,
    pub min_y: u32,
    pub max_x: u32,
    pub max_y: u32,
}

impl TileRange {
    /// Tiles at zoom `z` touching a world-unit rectangle.
    pub fn covering(z: u8, min_x: f64, min_y: f64, max_x: f64, max_y: f64) -> Self {
        let a = TileId::containing(z, min_x, min_y);
        let b = TileId::containing(z, max_x, max_y);
        Self { z, min_x: a.x, min_y: a.y, max_x: b.x, max_y: b.y }
    }

    pub fn len(&self) -> usize {
        (self.max_x - self.min_x + 1) as usize * (self.max_y - self.min_y + 1) as usize
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn iter(&self) -> impl Iterator<Item = TileId> + '_ {
        (self.min_y..=self.max_y).flat_map(move |y| (self.min_x..=self.max_x).map(move |x| TileId::new(self.z, x, y)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::lonlat_to_world;

    #[test]
    fn monas_tile_at_zoom_14() {
        // Monas, Jakarta: z14 tile 13053/8473 (slippy-map formula: x 13053.82, y 8473.60).
        let (wx, wy) = lonlat_to_world(106.8272, -6.1754);
        assert_eq!(TileId::containing(14, wx, wy), TileId::new(14, 13053, 8473));
        assert_eq!(TileId::containing(0, wx, wy), TileId::new(0, 0, 0));
    }

    #[test]
    fn parents_and_ancestors() {
        let t = TileId::new(14, 13053, 8473);
        assert_eq!(t.parent(), Some(TileId::new(13, 6526, 4236)));
        assert_eq!(t.ancestor(12), Some(TileId::new(12, 3263, 2118)));
        assert_eq!(t.ancestor(15), None);
        assert_eq!(TileId::new(0, 0, 0).parent(), None);
    }

    #[test]
    fn range_covers_bounds() {
        let r = TileRange::covering(1, 0.1, 0.1, 0.9, 0.4);
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![TileId::new(1, 0, 0), TileId::new(1, 1, 0)]);
        assert_eq!(r.len(), 2);
    }
}
