//! The embedded demo: a synthetic city generated from a seed (see [`city`] and [`places`]),
//! written through the same archive and layer formats as a real import, so every part of
//! pantau runs on it with nothing to download; and its live scenario ([`scenario`]). The map
//! says "Demo city (synthetic)"; it lies in open sea north of Java, over no real place.

pub mod city;
pub mod names;
pub mod places;
pub mod scenario;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use geo::{Coord, Geometry, LineString, Point, Polygon};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use crate::basemap::schema::{classify, RawFeature};
use crate::basemap::{import_features, ImportOptions};
use crate::crs::geodesy::offset_lonlat;
use crate::org::{Node, Org, Tier};
use city::{Plan, P};
use places::Places;

pub const DEMO_LABEL: &str = "Demo city (synthetic)";
/// The city's centre, lon/lat.
pub const CENTRE: (f64, f64) = (109.0, -5.2);
pub const DEFAULT_SEED: u64 = 1;
/// Changes whenever the generator's output changes, so cached copies are made again.
const GENERATOR: &str = concat!("pantau ", env!("CARGO_PKG_VERSION"), " demo 3");

/// Where the demo's files are.
#[derive(Clone, Debug)]
pub struct DemoFiles {
    pub dir: PathBuf,
    pub map: PathBuf,
    pub zones: PathBuf,
    pub stations: PathBuf,
    pub cameras: PathBuf,
    pub alarm_sites: PathBuf,
    pub units: PathBuf,
    /// The organisation tree: a Polda above the city's Polres, a Polsek per kecamatan.
    pub org: PathBuf,
}

impl DemoFiles {
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            map: dir.join("demo.pmtiles"),
            zones: dir.join("zones.geojson"),
            stations: dir.join("stations.geojson"),
            cameras: dir.join("cameras.geojson"),
            alarm_sites: dir.join("alarm_sites.geojson"),
            units: dir.join("units.geojson"),
            org: dir.join("org.toml"),
        }
    }

    fn all(&self) -> [&PathBuf; 7] {
        [&self.map, &self.zones, &self.stations, &self.cameras, &self.alarm_sites, &self.units, &self.org]
    }
}

/// The generated city: its plan and what is placed on it, in metres around [`CENTRE`].
pub struct DemoCity {
    pub plan: Plan,
    pub places: Places,
}

pub fn generate(seed: u64) -> DemoCity {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let plan = city::plan(&mut rng);
    let places = places::place(&mut rng, &plan);
    DemoCity { plan, places }
}

/// Metres east/north of the centre to lon/lat (a local equirectangular plane; over 15 km the
/// error is far below a metre).
pub fn lonlat(p: P) -> [f64; 2] {
    let (lon, lat) = offset_lonlat(CENTRE.0, CENTRE.1, p[0], p[1]);
    [lon, lat]
}

/// Generates the city for `seed` and writes its map archive and layer files into `dir`.
pub fn write(seed: u64, dir: &Path) -> Result<DemoFiles> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create the directory", dir.display()))?;
    let files = DemoFiles::in_dir(dir);
    let demo = generate(seed);
    let features = map_features(&demo).into_iter().filter_map(classify).collect();
    let options = ImportOptions {
        name: Some(DEMO_LABEL.into()),
        attribution: Some(DEMO_LABEL.into()),
        ..ImportOptions::new(Vec::new(), files.map.clone())
    };
    import_features(features, &options)?;
    write_layers(&demo, &files)?;
    Ok(files)
}

/// The demo for `seed` under `tiles/` in the working directory, generated on first use (into a
/// temporary directory, renamed into place when complete).
pub fn cached(seed: u64) -> Result<DemoFiles> {
    let dir = PathBuf::from("tiles").join(format!("demo-{seed}"));
    let stamp = dir.join("generator.txt");
    let files = DemoFiles::in_dir(&dir);
    let fresh = std::fs::read_to_string(&stamp).is_ok_and(|s| s == GENERATOR) && files.all().iter().all(|p| p.exists());
    if fresh {
        return Ok(files);
    }
    let tmp = PathBuf::from("tiles").join(format!("demo-{seed}.tmp-{}", std::process::id()));
    write(seed, &tmp)?;
    std::fs::write(tmp.join("generator.txt"), GENERATOR).with_context(|| format!("{}: cannot write", tmp.display()))?;
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("{}: cannot replace the old copy", dir.display()))?;
    }
    std::fs::rename(&tmp, &dir).with_context(|| format!("{}: cannot move into place", dir.display()))?;
    Ok(files)
}

fn line(points: &[P]) -> LineString<f64> {
    points.iter().map(|p| lonlat(*p)).map(|[x, y]| Coord { x, y }).collect()
}

fn polygon(ring: &[P]) -> Polygon<f64> {
    let mut closed = ring.to_vec();
    if closed.first() != closed.last() {
        closed.extend(closed.first().copied());
    }
    Polygon::new(line(&closed), vec![])
}

fn point(p: P) -> Geometry<f64> {
    let [x, y] = lonlat(p);
    Geometry::Point(Point::new(x, y))
}

fn raw(geometry: Geometry<f64>, tags: &[(&str, String)]) -> RawFeature {
    RawFeature { geometry, tags: tags.iter().map(|(k, v)| (k.to_string(), v.clone())).collect() }
}

/// The city as the tagged features an OSM import would produce.
fn map_features(demo: &DemoCity) -> Vec<RawFeature> {
    let (plan, places) = (&demo.plan, &demo.places);
    let mut out: Vec<RawFeature> = plan.areas.iter().map(|a| raw(polygon(&a.ring).into(), &a.tags)).collect();
    out.push(raw(line(&plan.river).into(), &[("waterway", "river".into()), ("name", plan.river_name.clone())]));
    for d in &plan.districts {
        let tags = [
            ("boundary", "administrative".into()),
            ("admin_level", d.level.to_string()),
            ("name", d.name.clone()),
            ("kode", d.code.clone()),
        ];
        out.push(raw(polygon(&d.ring).into(), &tags));
    }
    for r in &plan.roads {
        let highway = if r.link { format!("{}_link", r.class) } else { r.class.to_string() };
        let oneway = if r.oneway { "yes" } else { "no" };
        let tags =
            [("highway", highway), ("name", r.name.clone()), ("oneway", oneway.into()), ("lanes", r.lanes.to_string())];
        out.push(raw(line(&r.points).into(), &tags));
    }
    for s in &places.stations {
        out.push(raw(point(s.at), &[("amenity", "police".into()), ("name", s.name.clone())]));
    }
    for c in &places.cameras {
        let tags = [
            ("man_made", "surveillance".into()),
            ("surveillance:type", "camera".into()),
            ("camera:type", if c.ptz { "dome" } else { "fixed" }.into()),
            ("camera:direction", c.direction.to_string()),
            ("name", c.name.clone()),
        ];
        out.push(raw(point(c.at), &tags));
    }
    out
}

fn write_layers(demo: &DemoCity, files: &DemoFiles) -> Result<()> {
    let (plan, places) = (&demo.plan, &demo.places);
    let zones = plan.districts.iter().map(|d| {
        let mut ring: Vec<[f64; 2]> = d.ring.iter().map(|p| lonlat(*p)).collect();
        ring.extend(ring.first().copied());
        feature(
            json!({"type": "Polygon", "coordinates": [ring]}),
            json!({"kode": d.code, "nama": d.name, "admin_level": d.level}),
        )
    });
    write_collection(&files.zones, zones)?;
    let stations = places.stations.iter().enumerate().map(|(i, s)| {
        let kind = if i == 0 { "polres" } else { "polsek" };
        point_feature(s.at, json!({"id": s.id, "name": s.name, "kind": kind}))
    });
    write_collection(&files.stations, stations)?;
    let cameras = places.cameras.iter().map(|c| {
        let stream = format!("rtsp://demo.pantau.invalid/{}", c.id);
        let props = json!({"id": c.id, "name": c.name, "direction": c.direction, "fov": c.fov, "range": c.range, "ptz": c.ptz, "stream_url": stream});
        point_feature(c.at, props)
    });
    write_collection(&files.cameras, cameras)?;
    let sites = places.sites.iter().map(|s| point_feature(s.at, json!({"id": s.id, "name": s.name, "kind": s.kind})));
    write_collection(&files.alarm_sites, sites)?;
    let units = places.units.iter().map(|u| {
        let station = &places.stations[u.station];
        let props =
            json!({"id": u.id, "callsign": u.callsign, "kind": u.kind, "status": u.status, "home_station": station.id});
        point_feature(station.at, props)
    });
    write_collection(&files.units, units)?;
    let org = org_tree(demo)?.to_toml()?;
    std::fs::write(&files.org, org).with_context(|| format!("{}: cannot write", files.org.display()))
}

fn feature(geometry: Value, properties: Value) -> Value {
    json!({"type": "Feature", "geometry": geometry, "properties": properties})
}

fn point_feature(p: P, properties: Value) -> Value {
    feature(json!({"type": "Point", "coordinates": lonlat(p)}), properties)
}

/// One feature per line, so the files read well in a diff.
fn write_collection(path: &Path, features: impl Iterator<Item = Value>) -> Result<()> {
    let lines: Vec<String> = features.map(|f| f.to_string()).collect();
    let text = format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n", lines.join(",\n"));
    std::fs::write(path, text).with_context(|| format!("{}: cannot write", path.display()))
}

/// The demo's organisation tree: Mabes, a Polda for the (made-up) province 99, the city's Polres
/// over the city's zone, and a Polsek over each kecamatan, named as its station.
fn org_tree(demo: &DemoCity) -> Result<Org> {
    let plan = &demo.plan;
    let node = |id: &str, name: &str, tier, parent: Option<&str>, zones: Vec<String>| Node {
        id: id.into(),
        name: name.into(),
        tier,
        parent: parent.map(str::to_string),
        zones,
    };
    let city = plan.districts.iter().filter(|d| d.level == 5).map(|d| d.code.clone()).collect();
    let polres = &demo.places.stations[0];
    let mut nodes = vec![
        node("mabes", "Mabes Polri", Tier::Mabes, None, Vec::new()),
        node("polda-demo", "Polda Demo", Tier::Polda, Some("mabes"), vec!["99".into()]),
        node(&polres.id, &polres.name, Tier::Polres, Some("polda-demo"), city),
    ];
    for d in plan.districts.iter().filter(|d| d.level == 6) {
        let id = format!("polsek-{}", d.code.rsplit('.').next().unwrap_or_default());
        let name = format!("Polsek {}", d.name);
        nodes.push(node(&id, &name, Tier::Polsek, Some(&polres.id), vec![d.code.clone()]));
    }
    Org::new(nodes)
}
