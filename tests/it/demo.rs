//! The generated demo city: reproducible byte for byte, a connected road network, stations,
//! cameras and alarm sites on the roads, headless renders at zoom 12 and 15 checked pixel by
//! pixel, and a scenario whose units move and whose alarms go off.

use crate::common;

use std::path::{Path, PathBuf};

use common::*;
use geo::Geometry;
use pantau::basemap::{source, Archive};
use pantau::demo::{self, city::P};
use pantau::layer_files::load_cameras;
use pantau::model::Event;
use pantau::render::{ThemeName, View};
use pantau::spatial::congestion::{Congestion, Level};
use pantau::spatial::RoadGraph;
use pantau::world::World;

const START: i64 = 1_800_000_000_000;

fn graph() -> RoadGraph {
    RoadGraph::from_archive(&Archive::open(&demo_city().map).expect("open")).expect("graph")
}

fn lonlat(p: P) -> (f64, f64) {
    let [lon, lat] = demo::lonlat(p);
    (lon, lat)
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read")
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let again = tempfile::tempdir().expect("tmp");
    let second = demo::write(1, again.path()).expect("second copy");
    let first = demo_city();
    let pairs: [(&PathBuf, &PathBuf); 6] = [
        (&first.map, &second.map),
        (&first.zones, &second.zones),
        (&first.stations, &second.stations),
        (&first.cameras, &second.cameras),
        (&first.alarm_sites, &second.alarm_sites),
        (&first.units, &second.units),
    ];
    for (a, b) in pairs {
        assert!(bytes(a) == bytes(b), "{} differs between two runs with seed 1", a.display());
    }
    let other = tempfile::tempdir().expect("tmp");
    let third = demo::write(2, other.path()).expect("seed 2");
    assert!(bytes(&first.map) != bytes(&third.map), "seed 2 gave the same city as seed 1");
}

#[test]
fn the_road_network_is_one_connected_whole() {
    let g = graph();
    let (component, largest) = g.strong_components();
    let in_largest = component.iter().filter(|c| **c == largest).count();
    let share = in_largest as f64 / g.node_count() as f64;
    assert!(g.node_count() > 5_000, "only {} road nodes", g.node_count());
    assert!(share >= 0.95, "{:.1}% of nodes in the largest strongly connected part", share * 100.0);
    // The motorway is part of it: its ramps join it to the outer ring both ways.
    let motorway_nodes = g.edges().filter(|(_, e)| e.speed_kmh >= 80.0).map(|(n, _)| n).collect::<Vec<_>>();
    assert!(!motorway_nodes.is_empty());
    let cut: Vec<[f64; 2]> =
        motorway_nodes.iter().filter(|n| component[**n as usize] != largest).map(|n| g.nodes[*n as usize]).collect();
    assert!(cut.is_empty(), "motorway nodes cut off: {cut:?}");
}

/// Metres from a point to the nearest road edge of the graph (local plane).
fn distance_to_road(g: &RoadGraph, lon: f64, lat: f64) -> f64 {
    let k = lat.to_radians().cos();
    let m = |p: [f64; 2]| [(p[0] - lon) * k * 111_195.0, (p[1] - lat) * 111_195.0];
    g.edges()
        .map(|(from, e)| {
            let (a, b) = (m(g.nodes[from as usize]), m(g.nodes[e.to as usize]));
            let ab = [b[0] - a[0], b[1] - a[1]];
            let t = (-(a[0] * ab[0] + a[1] * ab[1]) / (ab[0] * ab[0] + ab[1] * ab[1]).max(1e-9)).clamp(0.0, 1.0);
            (a[0] + t * ab[0]).hypot(a[1] + t * ab[1])
        })
        .fold(f64::INFINITY, f64::min)
}

fn points_of(path: &Path) -> Vec<(f64, f64)> {
    source::read(path)
        .expect("layer file reads")
        .into_iter()
        .map(|f| match f.geometry {
            Geometry::Point(p) => (p.x(), p.y()),
            other => panic!("{}: not a point: {other:?}", path.display()),
        })
        .collect()
}

#[test]
fn stations_cameras_and_alarm_sites_stand_by_a_road() {
    let g = graph();
    let files = demo_city();
    let stations = points_of(&files.stations);
    let cameras: Vec<(f64, f64)> =
        load_cameras(&files.cameras).expect("cameras").iter().map(|c| (c.lon, c.lat)).collect();
    let sites = points_of(&files.alarm_sites);
    assert_eq!(stations.len(), 10, "one Polres and a Polsek for each of 9 kecamatan");
    assert!(cameras.len() >= 100, "{} cameras", cameras.len());
    assert!(sites.len() >= 100, "{} alarm sites", sites.len());
    for (what, list) in [("station", &stations), ("camera", &cameras), ("alarm site", &sites)] {
        for (lon, lat) in list {
            let d = distance_to_road(&g, *lon, *lat);
            assert!(d <= 50.0, "{what} at {lon},{lat} is {d:.0} m from the nearest road");
        }
    }
}

#[test]
fn zoom_12_shows_the_city_in_its_setting() {
    let plan = demo::generate(1).plan;
    let view = View::new(demo::CENTRE.0, demo::CENTRE.1, 12.0, 1000, 800);
    let image = render_unlabelled(&demo_city().map, &view, ThemeName::Day);
    // The outer ring road (primary) where no radial meets it, north, west, south and east-ish.
    let ring: Vec<(f64, f64)> =
        [1.2f64, 1.9, 2.8, 3.6, 4.4, 5.2].iter().map(|a| lonlat([4_600.0 * a.cos(), 4_600.0 * a.sin()])).collect();
    let hits = count_matching(&image, &view, &ring, slot_rgb(ThemeName::Day, "road.primary"), 20);
    assert!(hits >= 5, "primary colour at {hits}/6 points of the outer ring");
    // The river's centre line, away from bridges, is water.
    let river: Vec<(f64, f64)> = plan.river.iter().step_by(23).skip(1).take(9).map(|p| lonlat(*p)).collect();
    let hits = count_matching(&image, &view, &river, slot_rgb(ThemeName::Day, "water"), 12);
    assert!(hits >= 6, "water colour at {hits}/9 points of the river");
    // Beyond the city's square: background.
    let background = rgb(pantau::render::Theme::builtin(ThemeName::Day).background);
    let outside =
        [lonlat([-8_500.0, 0.0]), lonlat([8_500.0, 2_000.0]), lonlat([0.0, -8_500.0]), lonlat([1_000.0, 8_600.0])];
    assert_eq!(count_matching(&image, &view, &outside, background, 2), outside.len());
}

#[test]
fn zoom_15_shows_streets_and_parks() {
    let plan = demo::generate(1).plan;
    let park = plan.areas.iter().filter(|a| a.tags.contains(&("leisure", "park".to_string()))).nth(3).expect("parks");
    let n = park.ring.len() as f64;
    let centre = [park.ring.iter().map(|p| p[0]).sum::<f64>() / n, park.ring.iter().map(|p| p[1]).sum::<f64>() / n];
    let (lon, lat) = lonlat(centre);
    let view = View::new(lon, lat, 15.0, 800, 600);
    let image = render_unlabelled(&demo_city().map, &view, ThemeName::Day);
    let inside: Vec<(f64, f64)> = [[0.0, 0.0], [20.0, 10.0], [-15.0, 20.0], [10.0, -20.0]]
        .iter()
        .map(|d| lonlat([centre[0] + d[0], centre[1] + d[1]]))
        .collect();
    let hits = count_matching(&image, &view, &inside, slot_rgb(ThemeName::Day, "landuse.park"), 6);
    assert_eq!(hits, 4, "park colour at {hits}/4 points inside {:?}", park.tags);
    // The residential streets around it: midpoints of the lattice streets in view.
    let streets: Vec<(f64, f64)> = plan
        .roads
        .iter()
        .filter(|r| r.class == "residential")
        .flat_map(|r| {
            r.points.windows(2).map(|w| [(w[0][0] + w[1][0]) / 2.0, (w[0][1] + w[1][1]) / 2.0]).collect::<Vec<_>>()
        })
        .filter(|p| (p[0] - centre[0]).abs() < 500.0 && (p[1] - centre[1]).abs() < 350.0)
        .map(lonlat)
        .collect();
    assert!(streets.len() >= 10, "{} street midpoints in view", streets.len());
    let hits = count_matching(&image, &view, &streets, slot_rgb(ThemeName::Day, "road.residential"), 12);
    assert!(hits * 10 >= streets.len() * 8, "residential colour at {hits}/{} street midpoints", streets.len());
}

#[test]
fn the_scenario_moves_units_raises_alarms_and_makes_jams() {
    let files = demo_city();
    let mut sim = demo::scenario::simulator(files, demo::scenario::config(1), START).expect("scenario");
    let mut world = World::new();
    let mut alarms = 0;
    let mut first: std::collections::HashMap<String, (f64, f64)> = Default::default();
    for _ in 0..60 {
        let events = sim.step(1000);
        for e in &events {
            match e {
                Event::Position { device, fix, .. } => {
                    first.entry(device.clone()).or_insert((fix.lon, fix.lat));
                }
                Event::Alarm { .. } => alarms += 1,
                _ => {}
            }
        }
        world.apply(&events);
    }
    let fleet = pantau::layer_files::load_units(&files.units).expect("units").len();
    assert_eq!(first.len(), fleet, "every unit reported within the minute");
    let moved = world
        .units()
        .iter()
        .filter(|u| {
            u.last_fix.zip(first.get(&u.id)).is_some_and(|(f, p)| (f.lon - p.0).abs() + (f.lat - p.1).abs() > 1e-4)
        })
        .count();
    assert!(moved * 2 > fleet, "only {moved} of {fleet} units moved in a minute");
    assert!(alarms >= 1 && world.alarms().len() == alarms, "{alarms} alarms in a simulated minute");
    // Ten minutes on, the rush-hour waves show up as heavy or jammed major roads.
    let g = graph();
    let mut congestion = Congestion::new(&g);
    for _ in 0..600 {
        for e in sim.step(1000) {
            if let Event::Position { fix, .. } = e {
                congestion.add_fix(&fix);
            }
        }
    }
    let levels = congestion.levels(sim.now());
    let slow = levels.iter().filter(|(_, _, l)| matches!(l, Level::Heavy | Level::Jammed)).count();
    assert!(slow >= 5, "{slow} heavy or jammed segments of {} observed", levels.len());
}

fn pantau(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(args)
        .current_dir(dir)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir().join("pantau-test-runtime"))
        .output()
        .expect("pantau runs")
}

#[test]
fn demo_and_render_map_demo_from_the_command_line() {
    gpu(); // makes the runtime directory
    let dir = tempfile::tempdir().expect("tmp");
    let out = pantau(dir.path(), &["demo", "--seed", "3", "--out", "city"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for name in
        ["demo.pmtiles", "zones.geojson", "stations.geojson", "cameras.geojson", "alarm_sites.geojson", "units.geojson"]
    {
        assert!(dir.path().join("city").join(name).is_file(), "{name} written");
    }
    // `--map demo` makes the cached copy under tiles/ on first use, then reuses it.
    let render = ["render", "--map", "demo", "--zoom", "12", "--size", "400x300", "--out", "demo.png"];
    let first = pantau(dir.path(), &render);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let cached = dir.path().join("tiles/demo-1/demo.pmtiles");
    let made = std::fs::metadata(&cached).and_then(|m| m.modified()).expect("cached archive");
    let second = pantau(dir.path(), &render);
    assert!(second.status.success());
    assert_eq!(std::fs::metadata(&cached).and_then(|m| m.modified()).expect("still there"), made, "regenerated");
    let image = pantau::render::Image::read_png(&dir.path().join("demo.png")).expect("png");
    assert_eq!((image.width, image.height), (400, 300));
    // Somewhere it cannot write: a clear error naming the place, and a failing exit.
    std::fs::write(dir.path().join("blocked"), "a file").expect("write");
    let bad = pantau(dir.path(), &["demo", "--out", "blocked/city"]);
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success() && stderr.contains("blocked/city"), "{stderr}");
    // A real city's layers given to the demo app are refused, not silently ignored.
    let ignored = pantau(dir.path(), &["--zones", "city/zones.geojson"]);
    let stderr = String::from_utf8_lossy(&ignored.stderr);
    assert!(!ignored.status.success() && stderr.contains("--zones apply to a real city"), "{stderr}");
}

/// The demo's organisation tree: a point inside each kecamatan belongs to that kecamatan's
/// Polsek and to the Polres, the Polda and Mabes above it, and nothing else.
#[test]
fn the_demo_org_tree_covers_every_kecamatan() {
    use geo::InteriorPoint;
    let files = demo_city();
    let org = pantau::org::Org::load(&files.org).expect("org.toml");
    let zones = pantau::layer_files::load_zones(&files.zones).expect("zones");
    let index = pantau::spatial::ZoneIndex::new(zones.clone());
    let kecamatan: Vec<_> = zones.iter().filter(|z| z.level == 6).collect();
    assert_eq!(kecamatan.len(), 9);
    for kec in kecamatan {
        let p = kec.polygon.interior_point().expect("a point inside");
        let codes: Vec<String> = index.lookup(p.x(), p.y()).iter().map(|z| z.code.clone()).collect();
        let nodes: Vec<String> = org.nodes_at(codes.iter().map(String::as_str)).iter().map(|n| n.id.clone()).collect();
        let polsek = format!("polsek-{}", kec.code.rsplit('.').next().expect("a code"));
        assert_eq!(nodes, ["mabes", "polda-demo", "polres", polsek.as_str()], "{}", kec.name);
        assert_eq!(org.node(&polsek).map(|n| n.name.clone()), Some(format!("Polsek {}", kec.name)));
        assert!(org.oversees("polres", &polsek) && !org.oversees(&polsek, "polres"));
    }
}
