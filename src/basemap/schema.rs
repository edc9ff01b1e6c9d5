//! The base map schema: which layers an archive holds, and how source tags (OSM keys, or the
//! attribute columns of Shapefiles and GeoJSON) become a layer, a class and tile properties.
//!
//! Every reader hands features over as [`RawFeature`]s with lower-case keys, so one set of rules
//! serves OSM PBF, Shapefile, GeoJSON and FlatGeobuf alike.

use geo::Geometry;
use geozero::mvt::TileValue;

/// The vector layers of a pantau archive, in drawing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    Landuse,
    Water,
    Buildings,
    Boundaries,
    Roads,
    Pois,
}

impl Layer {
    pub const ALL: [Layer; 6] =
        [Layer::Landuse, Layer::Water, Layer::Buildings, Layer::Boundaries, Layer::Roads, Layer::Pois];

    pub fn name(self) -> &'static str {
        match self {
            Layer::Landuse => "landuse",
            Layer::Water => "water",
            Layer::Buildings => "buildings",
            Layer::Boundaries => "boundaries",
            Layer::Roads => "roads",
            Layer::Pois => "pois",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }

    /// Property names the layer's features may carry (for the archive's `vector_layers`).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Layer::Landuse => &["class", "name"],
            Layer::Water => &["class", "name"],
            Layer::Buildings => &["class"],
            Layer::Boundaries => &["level", "name", "code", "label"],
            Layer::Roads => &["class", "name", "oneway", "lanes", "link"],
            Layer::Pois => &["class", "name", "camera:*", "surveillance:*"],
        }
    }
}

/// A feature as a reader found it: WGS84 geometry and lower-case keyed string tags.
#[derive(Clone, Debug)]
pub struct RawFeature {
    pub geometry: Geometry<f64>,
    pub tags: Vec<(String, String)>,
}

impl RawFeature {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    fn first_tag(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| self.tag(k))
    }
}

/// A feature placed in the schema: its layer, the zoom it first appears at, a drawing rank
/// inside the layer, and its tile properties. Geometry stays in WGS84 degrees.
#[derive(Clone, Debug)]
pub struct MapFeature {
    pub layer: Layer,
    pub min_zoom: u8,
    pub geometry: Geometry<f64>,
    pub props: Vec<(String, TileValue)>,
}

/// Road classes in drawing order (minor first), with the tile zoom each first appears at.
/// Tiles are drawn at 512 px, so tile zoom z shows at view zoom z + 1.
pub const ROAD_CLASSES: [(&str, u8); 8] = [
    ("path", 14),
    ("service", 13),
    ("residential", 12),
    ("tertiary", 10),
    ("secondary", 9),
    ("primary", 8),
    ("trunk", 8),
    ("motorway", 8),
];

/// Maps an OSM `highway` value to a pantau road class and whether it is a link road.
pub fn road_class(highway: &str) -> Option<(&'static str, bool)> {
    let (base, link) = match highway.strip_suffix("_link") {
        Some(base) => (base, true),
        None => (highway, false),
    };
    let class = match base {
        "motorway" => "motorway",
        "trunk" => "trunk",
        "primary" => "primary",
        "secondary" => "secondary",
        "tertiary" => "tertiary",
        "residential" | "unclassified" | "living_street" | "road" => "residential",
        "service" | "track" => "service",
        "footway" | "path" | "pedestrian" | "cycleway" | "steps" | "bridleway" => "path",
        _ => return None,
    };
    Some((class, link))
}

/// Where a road class first appears.
pub fn road_min_zoom(class: &str) -> u8 {
    ROAD_CLASSES.iter().find(|(c, _)| *c == class).map_or(14, |(_, z)| *z)
}

/// Places one raw feature in the schema, or `None` when nothing in it is drawn.
pub fn classify(raw: RawFeature) -> Option<MapFeature> {
    let is_point = matches!(raw.geometry, Geometry::Point(_) | Geometry::MultiPoint(_));
    let is_area = matches!(raw.geometry, Geometry::Polygon(_) | Geometry::MultiPolygon(_));
    if is_point {
        return classify_poi(raw);
    }
    if let Some(f) = classify_boundary(&raw, is_area) {
        return Some(f);
    }
    if !is_area {
        if let Some(road) = raw.first_tag(&["highway", "type", "fclass", "road_type"]) {
            return road_class(road).map(|(class, link)| road_feature(&raw, class, link));
        }
        return classify_waterway(raw);
    }
    classify_area(raw)
}

/// What [`classify`] would say of a feature it drops: why nothing in it is drawn.
pub fn drop_reason(raw: &RawFeature) -> String {
    use geo::CoordsIter;
    if raw.geometry.coords_count() == 0 {
        return "no coordinates".into();
    }
    let is_point = matches!(raw.geometry, Geometry::Point(_) | Geometry::MultiPoint(_));
    let is_area = matches!(raw.geometry, Geometry::Polygon(_) | Geometry::MultiPolygon(_));
    match raw.first_tag(&["highway", "type", "fclass", "road_type"]) {
        Some(road) if !is_point && !is_area && road_class(road).is_none() => format!("road type {road:?} is not drawn"),
        _ if is_point => "a point with no tag that is drawn".into(),
        _ if is_area => "an area with no tag that is drawn".into(),
        _ => "a line with no tag that is drawn".into(),
    }
}

fn road_feature(raw: &RawFeature, class: &'static str, link: bool) -> MapFeature {
    let mut geometry = raw.geometry.clone();
    let oneway = match raw.tag("oneway").map(str::to_ascii_lowercase).as_deref() {
        Some("yes" | "true" | "1") => true,
        Some("-1" | "reverse") => {
            reverse_lines(&mut geometry);
            true
        }
        _ => matches!(class, "motorway") && !link,
    };
    let mut props = vec![("class".to_string(), TileValue::Str(class.into()))];
    if let Some(name) = raw.first_tag(&["name", "nama"]) {
        props.push(("name".into(), TileValue::Str(name.into())));
    }
    props.push(("oneway".into(), TileValue::Bool(oneway)));
    if let Some(lanes) = raw.tag("lanes").and_then(|l| l.trim().parse::<f64>().ok()).filter(|l| *l >= 1.0) {
        props.push(("lanes".into(), TileValue::Uint(lanes as u64)));
    }
    if link {
        props.push(("link".into(), TileValue::Bool(true)));
    }
    MapFeature { layer: Layer::Roads, min_zoom: road_min_zoom(class), geometry, props }
}

fn reverse_lines(geometry: &mut Geometry<f64>) {
    match geometry {
        Geometry::LineString(l) => l.0.reverse(),
        Geometry::MultiLineString(m) => m.0.iter_mut().for_each(|l| l.0.reverse()),
        _ => {}
    }
}

fn classify_waterway(raw: RawFeature) -> Option<MapFeature> {
    let (class, min_zoom) = match raw.tag("waterway")? {
        "river" => ("river", 8),
        "canal" => ("canal", 10),
        "stream" | "drain" | "ditch" => ("stream", 13),
        _ => return None,
    };
    Some(MapFeature { layer: Layer::Water, min_zoom, props: with_name(&raw, class), geometry: raw.geometry })
}

fn classify_area(raw: RawFeature) -> Option<MapFeature> {
    if raw.tag("amenity") == Some("police") {
        return police_area(raw);
    }
    let water = raw.tag("natural") == Some("water")
        || raw.tag("waterway") == Some("riverbank")
        || matches!(raw.tag("landuse"), Some("reservoir" | "basin"))
        || raw.tag("water").is_some()
        || raw.tag("leisure") == Some("marina");
    if water {
        return Some(area(raw, Layer::Water, "water", 8));
    }
    if raw.tag("building").is_some_and(|b| b != "no") {
        return Some(area(raw, Layer::Buildings, "building", 13));
    }
    let class = match (raw.tag("leisure"), raw.tag("landuse"), raw.tag("natural")) {
        (Some("park" | "garden" | "playground" | "nature_reserve"), _, _) => "park",
        (Some("pitch" | "sports_centre" | "stadium" | "golf_course"), _, _) => "sport",
        (_, Some("forest"), _) | (_, _, Some("wood")) => "forest",
        (_, Some("grass" | "meadow" | "recreation_ground" | "village_green"), _)
        | (_, _, Some("scrub" | "grassland" | "heath")) => "grass",
        (_, Some("cemetery"), _) => "cemetery",
        (_, Some("residential"), _) => "residential",
        (_, Some("commercial" | "retail"), _) => "commercial",
        (_, Some("industrial" | "railway" | "port"), _) => "industrial",
        (_, _, Some("beach" | "sand")) => "beach",
        _ => return None,
    };
    Some(area(raw, Layer::Landuse, class, 9))
}

fn area(raw: RawFeature, layer: Layer, class: &str, min_zoom: u8) -> MapFeature {
    MapFeature { layer, min_zoom, props: with_name(&raw, class), geometry: raw.geometry }
}

fn with_name(raw: &RawFeature, class: &str) -> Vec<(String, TileValue)> {
    let mut props = vec![("class".to_string(), TileValue::Str(class.into()))];
    if let Some(name) = raw.first_tag(&["name", "nama"]) {
        props.push(("name".into(), TileValue::Str(name.into())));
    }
    props
}

/// A police station mapped as an area becomes a point at its interior.
fn police_area(raw: RawFeature) -> Option<MapFeature> {
    use geo::InteriorPoint;
    let point = raw.geometry.interior_point()?;
    classify_poi(RawFeature { geometry: Geometry::Point(point), tags: raw.tags })
}

fn classify_poi(raw: RawFeature) -> Option<MapFeature> {
    let (class, min_zoom) = if raw.tag("amenity") == Some("police") {
        ("police", 10)
    } else if raw.tag("man_made") == Some("surveillance") {
        ("camera", 13)
    } else if raw.tag("highway") == Some("traffic_signals") {
        ("traffic_signals", 14)
    } else {
        return None;
    };
    let mut props = with_name(&raw, class);
    if class == "camera" {
        for (k, v) in &raw.tags {
            let kept = k.starts_with("camera:") || k.starts_with("surveillance") || k == "operator" || k == "height";
            if kept && !v.is_empty() {
                props.push((k.clone(), TileValue::Str(v.clone())));
            }
        }
    }
    Some(MapFeature { layer: Layer::Pois, min_zoom, props, geometry: raw.geometry })
}

/// Administrative boundaries: OSM `boundary=administrative`, or named polygons from
/// government files (Kemendagri `kode`/`nama`, or `*_name` columns).
/// What a boundary polygon says about itself: name, code and admin level.
pub struct BoundaryFields<'a> {
    pub name: Option<&'a str>,
    pub code: Option<&'a str>,
    pub level: u8,
}

/// Reads name, code and level the way boundaries are classified (shared with zone loading).
pub fn boundary_fields(raw: &RawFeature) -> BoundaryFields<'_> {
    let name = raw.first_tag(&["name", "nama"]).or_else(|| name_like_column(raw));
    let code = raw.first_tag(&["kode", "code", "ref", "kode_desa", "id"]);
    BoundaryFields { name, code, level: boundary_level(raw, code) }
}

fn classify_boundary(raw: &RawFeature, is_area: bool) -> Option<MapFeature> {
    let osm_admin = raw.tag("boundary") == Some("administrative");
    let BoundaryFields { name, code, level } = boundary_fields(raw);
    let named_area = is_area && name.is_some() && !has_other_meaning(raw);
    if !(osm_admin || named_area) {
        return None;
    }
    let mut props = vec![("level".to_string(), TileValue::Uint(u64::from(level)))];
    if let Some(name) = name {
        props.push(("name".into(), TileValue::Str(name.into())));
    }
    if let Some(code) = code {
        props.push(("code".into(), TileValue::Str(code.into())));
    }
    Some(MapFeature {
        layer: Layer::Boundaries,
        min_zoom: boundary_min_zoom(level),
        geometry: raw.geometry.clone(),
        props,
    })
}

fn has_other_meaning(raw: &RawFeature) -> bool {
    ["building", "landuse", "natural", "leisure", "amenity", "water", "waterway", "highway"]
        .iter()
        .any(|k| raw.tag(k).is_some())
}

/// The most specific `*name*` column, e.g. `kel_name_1` over `kec_name_1` over `kab_name`.
fn name_like_column(raw: &RawFeature) -> Option<&str> {
    let rank = |k: &str| ["kel", "kec", "kab", "prov"].iter().position(|p| k.starts_with(p)).unwrap_or(9);
    raw.tags
        .iter()
        .filter(|(k, v)| k.contains("name") && !v.is_empty())
        .min_by_key(|(k, _)| rank(k))
        .map(|(_, v)| v.as_str())
}

/// Admin level on OSM's Indonesian scale: 4 province, 5 kota/kabupaten, 6 kecamatan,
/// 7 kelurahan/desa.
fn boundary_level(raw: &RawFeature, code: Option<&str>) -> u8 {
    // `admin_lvl`: a Shapefile's dBase names are ten letters at most.
    if let Some(level) = raw.first_tag(&["admin_level", "admin_lvl"]).and_then(|l| l.parse().ok()) {
        return level;
    }
    if let Some(code) = code.filter(|c| c.chars().all(|ch| ch.is_ascii_digit() || ch == '.')) {
        return 4 + code.matches('.').count().min(4) as u8;
    }
    let keys = || raw.tags.iter().map(|(k, _)| k.as_str());
    if keys().any(|k| k.starts_with("kel") || k.starts_with("desa")) {
        7
    } else if keys().any(|k| k.starts_with("kec")) {
        6
    } else if keys().any(|k| k.starts_with("kab") || k.starts_with("kota")) {
        5
    } else {
        8
    }
}

fn boundary_min_zoom(level: u8) -> u8 {
    match level {
        0..=5 => 8,
        6 => 9,
        _ => 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, point, polygon};

    fn raw(geometry: Geometry<f64>, tags: &[(&str, &str)]) -> RawFeature {
        RawFeature { geometry, tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
    }

    fn prop<'a>(f: &'a MapFeature, key: &str) -> Option<&'a TileValue> {
        f.props.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    #[test]
    fn shapefile_road_columns_become_roads() {
        let line: Geometry<f64> = line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)].into();
        let f = classify(raw(
            line,
            &[("type", "primary_link"), ("name", "Jl. Thamrin"), ("oneway", "yes"), ("lanes", "3")],
        ))
        .expect("a road");
        assert_eq!(f.layer, Layer::Roads);
        assert_eq!(prop(&f, "class"), Some(&TileValue::Str("primary".into())));
        assert_eq!(prop(&f, "oneway"), Some(&TileValue::Bool(true)));
        assert_eq!(prop(&f, "lanes"), Some(&TileValue::Uint(3)));
        assert_eq!(prop(&f, "link"), Some(&TileValue::Bool(true)));
        assert_eq!(f.min_zoom, 8);
    }

    #[test]
    fn reverse_oneway_flips_the_line() {
        let line: Geometry<f64> = line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)].into();
        let f = classify(raw(line, &[("highway", "residential"), ("oneway", "-1")])).expect("a road");
        let Geometry::LineString(l) = f.geometry else { panic!("line expected") };
        assert_eq!(l.0[0].x, 1.0);
    }

    #[test]
    fn kemendagri_polygons_are_boundaries_with_levels() {
        let poly: Geometry<f64> = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)].into();
        let f = classify(raw(poly, &[("kode", "31.71.01.1001"), ("nama", "Gambir")])).expect("a boundary");
        assert_eq!(f.layer, Layer::Boundaries);
        assert_eq!(prop(&f, "level"), Some(&TileValue::Uint(7)));
        assert_eq!(prop(&f, "name"), Some(&TileValue::Str("Gambir".into())));
    }

    #[test]
    fn cameras_keep_their_surveillance_tags() {
        let p: Geometry<f64> = point!(x: 1.0, y: 2.0).into();
        let f = classify(raw(
            p,
            &[("man_made", "surveillance"), ("camera:direction", "90"), ("surveillance:type", "camera")],
        ))
        .expect("a camera");
        assert_eq!(f.layer, Layer::Pois);
        assert_eq!(prop(&f, "camera:direction"), Some(&TileValue::Str("90".into())));
        assert_eq!(prop(&f, "surveillance:type"), Some(&TileValue::Str("camera".into())));
    }

    #[test]
    fn untagged_geometry_is_not_drawn() {
        let line: Geometry<f64> = line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)].into();
        assert!(classify(raw(line, &[("foo", "bar")])).is_none());
    }
}
