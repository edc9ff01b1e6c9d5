//! Reprojection of imported geometries to WGS84 longitude/latitude.
//!
//! Pure Rust by default (proj4rs, with proj4wkt reading `.prj` WKT). With the `proj` cargo
//! feature, PROJ itself does the work, which adds grid-based datum shifts.

#[cfg(not(feature = "proj"))]
use anyhow::Context;
use anyhow::{anyhow, bail, Result};
use geo::{Coord, Geometry, MapCoordsInPlace};

/// The coordinate reference system an input declares.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceCrs {
    /// Longitude/latitude on WGS84 (EPSG:4326, OGC:CRS84): no work to do.
    Wgs84,
    /// A WKT definition, as found in a Shapefile's `.prj`.
    Wkt(String),
    /// An EPSG code, as found in FlatGeobuf headers and legacy GeoJSON `crs` members.
    Epsg(u16),
}

impl SourceCrs {
    /// Reads a legacy GeoJSON / OGC CRS name such as `EPSG:32748`,
    /// `urn:ogc:def:crs:EPSG::32748` or `urn:ogc:def:crs:OGC:1.3:CRS84`.
    pub fn from_name(name: &str) -> Result<Self> {
        let upper = name.trim().to_ascii_uppercase();
        if upper.ends_with("CRS84") {
            return Ok(Self::Wgs84);
        }
        let code = upper
            .rsplit(':')
            .next()
            .and_then(|c| c.parse::<u16>().ok())
            .filter(|_| upper.contains("EPSG"))
            .ok_or_else(|| anyhow!("unknown CRS name {name:?}"))?;
        Ok(Self::from_epsg(code))
    }

    pub fn from_epsg(code: u16) -> Self {
        if code == 4326 {
            Self::Wgs84
        } else {
            Self::Epsg(code)
        }
    }
}

/// Turns coordinates in a source CRS into WGS84 degrees.
pub struct Reprojector {
    inner: Backend,
}

#[cfg(not(feature = "proj"))]
struct Proj4 {
    from: proj4rs::Proj,
    to: proj4rs::Proj,
    from_latlong: bool,
}

enum Backend {
    Identity,
    #[cfg(not(feature = "proj"))]
    Proj4(Box<Proj4>),
    #[cfg(feature = "proj")]
    Proj(proj::Proj),
}

impl Reprojector {
    /// Prepares a transformation, failing with the reason when the CRS is not understood.
    pub fn new(crs: &SourceCrs) -> Result<Self> {
        let inner = match crs {
            SourceCrs::Wgs84 => Backend::Identity,
            #[cfg(feature = "proj")]
            SourceCrs::Wkt(wkt) => Backend::Proj(
                proj::Proj::new_known_crs(wkt, "EPSG:4326", None).map_err(|e| anyhow!("unknown CRS (PROJ: {e})"))?,
            ),
            #[cfg(feature = "proj")]
            SourceCrs::Epsg(code) => Backend::Proj(
                proj::Proj::new_known_crs(&format!("EPSG:{code}"), "EPSG:4326", None)
                    .map_err(|e| anyhow!("unknown CRS EPSG:{code} (PROJ: {e})"))?,
            ),
            #[cfg(not(feature = "proj"))]
            SourceCrs::Wkt(wkt) => {
                let projstring =
                    proj4wkt::wkt_to_projstring(wkt).map_err(|e| anyhow!("unknown CRS: cannot read the WKT ({e})"))?;
                Self::proj4(&projstring)?
            }
            #[cfg(not(feature = "proj"))]
            SourceCrs::Epsg(code) => {
                let proj =
                    proj4rs::Proj::from_epsg_code(*code).map_err(|e| anyhow!("unknown CRS EPSG:{code} ({e})"))?;
                Self::proj4_from(proj)?
            }
        };
        Ok(Self { inner })
    }

    #[cfg(not(feature = "proj"))]
    fn proj4(projstring: &str) -> Result<Backend> {
        let wgs84_lonlat = projstring.contains("+proj=longlat")
            && (projstring.contains("+datum=WGS84") || projstring.contains("+ellps=WGS84"))
            && !projstring.contains("+towgs84");
        if wgs84_lonlat {
            return Ok(Backend::Identity);
        }
        let proj =
            proj4rs::Proj::from_proj_string(projstring).map_err(|e| anyhow!("unknown CRS {projstring:?} ({e})"))?;
        Self::proj4_from(proj)
    }

    #[cfg(not(feature = "proj"))]
    fn proj4_from(from: proj4rs::Proj) -> Result<Backend> {
        let to = proj4rs::Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs")
            .context("building the WGS84 definition")?;
        let from_latlong = from.is_latlong();
        Ok(Backend::Proj4(Box::new(Proj4 { from, to, from_latlong })))
    }

    /// True when coordinates pass through unchanged.
    pub fn is_identity(&self) -> bool {
        matches!(self.inner, Backend::Identity)
    }

    /// Transforms one coordinate to WGS84 degrees.
    pub fn coord(&self, c: Coord<f64>) -> Result<Coord<f64>> {
        match &self.inner {
            Backend::Identity => Ok(c),
            #[cfg(not(feature = "proj"))]
            Backend::Proj4(p4) => {
                let Proj4 { from, to, from_latlong } = p4.as_ref();
                let mut p = if *from_latlong { (c.x.to_radians(), c.y.to_radians(), 0.0) } else { (c.x, c.y, 0.0) };
                proj4rs::transform::transform(from, to, &mut p)
                    .map_err(|e| anyhow!("cannot reproject ({}, {}): {e}", c.x, c.y))?;
                Ok(Coord { x: p.0.to_degrees(), y: p.1.to_degrees() })
            }
            #[cfg(feature = "proj")]
            Backend::Proj(p) => {
                let (x, y) = p.convert((c.x, c.y)).map_err(|e| anyhow!("cannot reproject ({}, {}): {e}", c.x, c.y))?;
                Ok(Coord { x, y })
            }
        }
    }

    /// Transforms a geometry in place; the first failing coordinate is the error.
    pub fn geometry(&self, geometry: &mut Geometry<f64>) -> Result<()> {
        if self.is_identity() {
            return Ok(());
        }
        let f = |c: Coord<f64>| self.coord(c);
        match geometry {
            Geometry::Point(g) => g.try_map_coords_in_place(f),
            Geometry::Line(g) => g.try_map_coords_in_place(f),
            Geometry::LineString(g) => g.try_map_coords_in_place(f),
            Geometry::Polygon(g) => g.try_map_coords_in_place(f),
            Geometry::MultiPoint(g) => g.try_map_coords_in_place(f),
            Geometry::MultiLineString(g) => g.try_map_coords_in_place(f),
            Geometry::MultiPolygon(g) => g.try_map_coords_in_place(f),
            Geometry::Rect(g) => g.try_map_coords_in_place(f),
            Geometry::Triangle(g) => g.try_map_coords_in_place(f),
            Geometry::GeometryCollection(c) => c.0.iter_mut().try_for_each(|g| self.geometry(g)),
        }
    }
}

/// Checks WGS84 degrees are on the globe; imported data that is not has a wrong or missing CRS.
pub fn check_lonlat(c: Coord<f64>) -> Result<()> {
    if !(c.x.is_finite() && c.y.is_finite()) || c.x.abs() > 180.0 || c.y.abs() > 90.0 {
        bail!("coordinate ({}, {}) is not a WGS84 longitude/latitude (wrong or missing CRS?)", c.x, c.y);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utm_48s_to_wgs84() {
        // Monas in UTM zone 48S (EPSG:32748), from PROJ: 106.8272 -6.1754 -> 702183.3221 9317059.3830 (pyproj 3).
        let r = Reprojector::new(&SourceCrs::Epsg(32748)).expect("EPSG:32748 is known");
        let c = r.coord(Coord { x: 702183.3221, y: 9317059.3830 }).expect("transform");
        assert!((c.x - 106.8272).abs() < 1e-6, "lon {}", c.x);
        assert!((c.y - -6.1754).abs() < 1e-6, "lat {}", c.y);
    }

    #[test]
    fn esri_wgs84_prj_is_understood() {
        let wkt = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]]"#;
        let r = Reprojector::new(&SourceCrs::Wkt(wkt.into())).expect("WGS84 WKT");
        let c = r.coord(Coord { x: 106.8272, y: -6.1754 }).expect("transform");
        assert!((c.x - 106.8272).abs() < 1e-9 && (c.y - -6.1754).abs() < 1e-9);
    }

    #[test]
    fn garbage_wkt_is_refused() {
        assert!(Reprojector::new(&SourceCrs::Wkt("NOT A CRS".into())).is_err());
    }

    #[test]
    fn crs_names() {
        assert_eq!(SourceCrs::from_name("urn:ogc:def:crs:EPSG::32748").ok(), Some(SourceCrs::Epsg(32748)));
        assert_eq!(SourceCrs::from_name("EPSG:4326").ok(), Some(SourceCrs::Wgs84));
        assert_eq!(SourceCrs::from_name("urn:ogc:def:crs:OGC:1.3:CRS84").ok(), Some(SourceCrs::Wgs84));
        assert!(SourceCrs::from_name("LOCAL:1").is_err());
    }
}
