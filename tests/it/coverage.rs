//! The commander's desk: drive-time coverage against a search from each unit on the real
//! Jakarta roads, kept up move by move; move-up suggestions against trying every pair; and
//! `pantau query coverage` / `pantau zones check` as scripts run them.

use std::collections::BinaryHeap;
use std::process::{Command, Output};

use pantau::basemap::Archive;
use pantau::layer_files::load_zones;
use pantau::model::{Fix, Unit, UnitKind, UnitStatus};
use pantau::spatial::coverage::{Coverage, SourceKey};
use pantau::spatial::dispatch::Router;
use pantau::spatial::moveup::{best_by_trying_all, suggest, Post};
use pantau::spatial::{RoadGraph, RoadNode, ZoneIndex};
use rand::{Rng, SeedableRng};

use crate::common;

const TEN_MINUTES: f32 = 600.0;

fn jakarta_router() -> Router {
    Router::new(RoadGraph::from_archive(&Archive::open(common::jakarta()).expect("open")).expect("graph"))
}

fn kelurahan() -> ZoneIndex {
    ZoneIndex::new(load_zones(&common::data("jakarta/kelurahan_2025.geojson")).expect("zones"))
}

fn unit_at(i: usize, [lon, lat]: [f64; 2]) -> Unit {
    Unit {
        id: format!("u{i}"),
        callsign: format!("U-{i}"),
        kind: UnitKind::Car,
        status: UnitStatus::Available,
        home_station: None,
        last_fix: Some(Fix { time: 0, lon, lat, speed: None, heading: None, accuracy: None }),
    }
}

/// `count` units standing on random roads of the city's middle.
fn units_on_roads(router: &Router, count: usize, seed: u64) -> Vec<Unit> {
    let graph = router.graph();
    let (west, south, east, north) = graph.dense_extent(0.9).expect("roads");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut units = Vec::new();
    while units.len() < count {
        let node = graph.nodes[rng.random_range(0..graph.node_count())];
        if (west..=east).contains(&node[0]) && (south..=north).contains(&node[1]) {
            units.push(unit_at(units.len(), node));
        }
    }
    units
}

/// Drive times from one unit's road nodes to every node, by a plain Dijkstra over the whole
/// graph (no limit, no sharing between units).
fn times_from(graph: &RoadGraph, starts: &[RoadNode]) -> Vec<f32> {
    #[derive(PartialEq)]
    struct Next(f32, RoadNode);
    impl Eq for Next {}
    impl Ord for Next {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            other.0.total_cmp(&self.0)
        }
    }
    impl PartialOrd for Next {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    let mut time = vec![f32::INFINITY; graph.node_count()];
    let mut heap = BinaryHeap::new();
    for &s in starts {
        time[s as usize] = 0.0;
        heap.push(Next(0.0, s));
    }
    while let Some(Next(t, node)) = heap.pop() {
        if t > time[node as usize] {
            continue;
        }
        for e in graph.out_edges(node) {
            let c = t + e.seconds();
            if c < time[e.to as usize] {
                time[e.to as usize] = c;
                heap.push(Next(c, e.to));
            }
        }
    }
    time
}

/// Covered road metres by sampling: 16 points along every directed edge, each reached if a
/// car gets to it in time from either end the traffic allows; a street open both ways is
/// counted half from each of its two edges.
fn sampled_cover(graph: &RoadGraph, time: &[f32], limit: f32) -> (f64, f64) {
    const SAMPLES: usize = 16;
    let (mut covered, mut road) = (0.0, 0.0);
    for (from, e) in graph.edges() {
        let back = graph.out_edges(e.to).iter().find(|r| r.to == from);
        let weight = if back.is_some() { 0.5 } else { 1.0 } * f64::from(e.length_m);
        road += weight;
        let reached = (0..SAMPLES)
            .filter(|k| {
                let x = (*k as f32 + 0.5) / SAMPLES as f32;
                let forward = time[from as usize] + x * e.seconds() <= limit;
                let backward = back.is_some_and(|r| time[e.to as usize] + (1.0 - x) * r.seconds() <= limit);
                forward || backward
            })
            .count();
        covered += weight * reached as f64 / SAMPLES as f64;
    }
    (covered, road)
}

#[test]
fn coverage_matches_a_search_from_each_unit_on_jakarta_roads() {
    let router = jakarta_router();
    let graph = router.graph();
    assert!(graph.node_count() > 60_000, "{} nodes", graph.node_count());
    let units = units_on_roads(&router, 300, 16);
    let coverage = Coverage::of_units(&router, &ZoneIndex::new(Vec::new()), &units, TEN_MINUTES, 0);
    assert_eq!(coverage.sources().count(), 300);
    let mut best = vec![f32::INFINITY; graph.node_count()];
    for unit in &units {
        let fix = unit.last_fix.expect("fix");
        for (b, t) in best.iter_mut().zip(times_from(graph, &router.snap(fix.lon, fix.lat))) {
            *b = b.min(t);
        }
    }
    let mut reached = 0;
    for (node, &brute) in best.iter().enumerate() {
        let near_limit = (brute - TEN_MINUTES).abs() < 0.01;
        match coverage.time_to(node as RoadNode) {
            Some(t) => assert!((t - brute).abs() < 0.01 || near_limit, "node {node}: {t} s against {brute} s"),
            None => assert!(brute > TEN_MINUTES || near_limit, "node {node}: reached in {brute} s, not covered"),
        }
        reached += usize::from(brute <= TEN_MINUTES);
    }
    let share_of_nodes = reached as f64 / graph.node_count() as f64;
    assert!((0.2..0.99).contains(&share_of_nodes), "{share_of_nodes:.3} of the nodes within 10 minutes");
    let (covered, road) = sampled_cover(graph, &best, TEN_MINUTES);
    let totals = coverage.totals();
    assert!((totals.road_m - road).abs() < 1.0, "{} m of road against {road}", totals.road_m);
    assert!(
        (totals.covered_m - covered).abs() / road < 0.002,
        "covered {:.0} m, sampled {covered:.0} m of {road:.0}",
        totals.covered_m
    );
}

/// Units move, are dispatched and come free one at a time; after each batch the coverage kept
/// up incrementally equals a fresh search from the same places.
#[test]
fn coverage_kept_up_move_by_move_equals_a_fresh_search() {
    let router = jakarta_router();
    let zones = kelurahan();
    let units = units_on_roads(&router, 120, 3);
    let places = units_on_roads(&router, 200, 4);
    let mut coverage = Coverage::of_units(&router, &zones, &units, TEN_MINUTES, 0);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    for round in 0..6 {
        for _ in 0..25 {
            let key = rng.random_range(0..units.len() as SourceKey);
            match rng.random_range(0..3) {
                0 => coverage.remove(key),
                _ => {
                    let fix = places[rng.random_range(0..places.len())].last_fix.expect("fix");
                    coverage.place(key, router.snap(fix.lon, fix.lat));
                }
            }
        }
        let mut fresh = Coverage::of_units(&router, &zones, &[], TEN_MINUTES, 0);
        fresh.set_sources(coverage.sources().map(|(k, nodes)| (k, nodes.to_vec())));
        for node in 0..router.graph().node_count() as RoadNode {
            let (a, b) = (coverage.time_to(node), fresh.time_to(node));
            assert!(
                a.zip(b).map_or(a == b, |(a, b)| (a - b).abs() < 0.01),
                "round {round}, node {node}: {a:?} kept up, {b:?} fresh"
            );
        }
        let (kept, again) = (coverage.totals(), fresh.totals());
        assert!((kept.covered_m - again.covered_m).abs() < 1.0, "round {round}: {kept:?} / {again:?}");
        for (slot, (k, f)) in kept.zones.iter().zip(&again.zones).enumerate() {
            assert!((k.0 - f.0).abs() < 1.0 && k.1 == f.1, "round {round}, zone {slot}: {k:?} / {f:?}");
        }
    }
}

/// Posts at the kelurahan's inner points (as stations would be), joined to the roads.
fn posts(router: &Router, zones: &ZoneIndex, count: usize) -> Vec<Post> {
    use geo::InteriorPoint;
    zones
        .zones()
        .iter()
        .step_by((zones.zones().len() / count).max(1))
        .take(count)
        .filter_map(|z| {
            let p = z.polygon.interior_point()?;
            Some(Post { name: z.code.clone(), lon: p.x(), lat: p.y(), nodes: router.snap(p.x(), p.y()) })
        })
        .collect()
}

/// Thirty units over the city; the one covering a kelurahan alone is dispatched, its roads go
/// uncovered, and the suggested move (to a post in that kelurahan) wins most of them back.
#[test]
fn a_dispatch_that_empties_a_zone_lowers_it_and_the_move_up_restores_it() {
    let router = jakarta_router();
    let zones = kelurahan();
    let units = units_on_roads(&router, 30, 21);
    let mut coverage = Coverage::of_units(&router, &zones, &units, TEN_MINUTES, 0);
    // The zone with the most road that one unit covers alone, and that unit.
    let lone = (0..units.len() as SourceKey)
        .filter_map(|key| {
            let nodes = coverage.source(key)?.to_vec();
            let before = coverage.totals().clone();
            coverage.remove(key);
            let after = coverage.totals().clone();
            coverage.place(key, nodes);
            let (slot, lost) = (0..before.zones.len())
                .map(|z| (z, before.zones[z].0 - after.zones[z].0))
                .max_by(|a, b| a.1.total_cmp(&b.1))?;
            Some((key, slot, lost))
        })
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .expect("a unit covers some zone alone");
    let (key, slot, _) = lone;
    let share = |c: &Coverage| c.totals().zone_share(slot).expect("the zone has roads");
    let before = share(&coverage);
    coverage.remove(key);
    let emptied = share(&coverage);
    assert!(emptied < before - 0.3, "dispatching {key} takes zone {slot} from {before:.2} to {emptied:.2}");
    let mut posts = posts(&router, &zones, 12);
    let zone = &zones.zones()[slot];
    let inner = geo::InteriorPoint::interior_point(&zone.polygon).expect("inner point");
    posts.push(Post {
        name: zone.code.clone(),
        lon: inner.x(),
        lat: inner.y(),
        nodes: router.snap(inner.x(), inner.y()),
    });
    let overall = coverage.totals().share();
    let suggestion = suggest(&mut coverage, &posts).expect("a move that gains");
    assert!(suggestion.share_after > overall, "{suggestion:?} from {overall:.3}");
    coverage.place(suggestion.unit, posts[suggestion.post].nodes.clone());
    let restored = share(&coverage);
    assert!(
        restored > emptied + 0.3,
        "moving unit {} to {} brings zone {slot} from {emptied:.2} to {restored:.2} (it had {before:.2})",
        suggestion.unit,
        posts[suggestion.post].name
    );
}

/// The pruned greedy move against the best of every unit at every post (24 units, 15 posts:
/// 360 moves tried), on four fleets: the same gain each time.
#[test]
fn the_move_up_choice_equals_the_best_of_trying_every_pair_on_small_cases() {
    let router = jakarta_router();
    let zones = kelurahan();
    let posts = posts(&router, &zones, 15);
    for seed in 0..4 {
        let units = units_on_roads(&router, 24, 100 + seed);
        let mut coverage = Coverage::of_units(&router, &zones, &units, TEN_MINUTES, 0);
        let chosen = suggest(&mut coverage, &posts).expect("a gain");
        let best = best_by_trying_all(&mut coverage, &posts).expect("a gain");
        assert!(chosen.gain_m <= best.gain_m + 1.0, "{chosen:?} beats the exhaustive {best:?}");
        eprintln!("seed {seed}: greedy gains {:.0} m, the exhaustive best {:.0} m", chosen.gain_m, best.gain_m);
        assert!(best.gain_m - chosen.gain_m < 1.0, "seed {seed}: {chosen:?} against the best {best:?}");
    }
}

fn pantau(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pantau")).args(args).output().expect("run pantau")
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn query_coverage_prints_the_total_and_each_zone_and_refuses_bad_input() {
    let files = common::demo_city();
    let units = files.units.to_str().expect("utf-8");
    let out = pantau(&["query", "coverage", "--map", "demo", "--units", units, "--minutes", "10"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    let total = report["covered_share"].as_f64().expect("share");
    assert!(total > 0.0 && total <= 1.0, "{report}");
    let zones = report["zones"].as_array().expect("zones");
    assert!(!zones.is_empty(), "the demo's zones by default");
    assert!(zones.iter().all(|z| z["code"].is_string()), "{report}");
    // Five minutes reach less than ten.
    let out = pantau(&["query", "coverage", "--map", "demo", "--units", units, "--minutes", "5"]);
    let shorter: serde_json::Value = serde_json::from_str(text(&out).0.trim()).expect("JSON");
    assert!(shorter["covered_share"].as_f64().expect("share") < total, "{shorter}");
    for (minutes, why) in [("0", "more than 0"), ("-3", "more than 0"), ("many", "not a number"), ("300", "240")] {
        let out = pantau(&["query", "coverage", "--map", "demo", "--units", units, "--minutes", minutes]);
        assert!(!out.status.success() && text(&out).1.contains(why), "--minutes {minutes}: {}", text(&out).1);
    }
    let out = pantau(&["query", "coverage", "--map", "demo", "--units", "no-such-units.geojson"]);
    assert!(!out.status.success() && text(&out).1.contains("no-such-units.geojson"), "{}", text(&out).1);
}

/// A square parent cut into four (one wound clockwise with a corner written twice, as some
/// files have them); `broken`
/// moves one child over its neighbour (an overlap and a gap) and adds a zone whose ring
/// crosses itself.
/// The same feature with its second point written twice, as exported files often do.
fn repeated_corner(mut feature: serde_json::Value) -> serde_json::Value {
    if let Some(ring) = feature["geometry"]["coordinates"][0].as_array_mut() {
        let corner = ring[1].clone();
        ring.insert(1, corner);
    }
    feature
}

/// The same feature with its ring's points in the other order.
fn clockwise(mut feature: serde_json::Value) -> serde_json::Value {
    if let Some(ring) = feature["geometry"]["coordinates"][0].as_array_mut() {
        ring.reverse();
    }
    feature
}

fn zones_file(dir: &std::path::Path, broken: bool) -> std::path::PathBuf {
    let square = |code: &str, level: u8, x: f64, y: f64, size: f64| {
        let (x0, y0, x1, y1) = (106.8 + x, -6.2 + y, 106.8 + x + size, -6.2 + y + size);
        serde_json::json!({"type": "Feature", "properties": {"kode": code, "nama": code, "admin_level": level.to_string()},
            "geometry": {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}})
    };
    let shift = if broken { 0.002 } else { 0.0 };
    let mut features = vec![
        square("P", 6, 0.0, 0.0, 0.02),
        square("A", 7, 0.0, 0.0, 0.01),
        repeated_corner(clockwise(square("B", 7, 0.01, 0.0, 0.01))),
        square("C", 7, 0.0, 0.01, 0.01),
        square("D", 7, 0.01 - shift, 0.01, 0.01),
    ];
    if broken {
        features.push(serde_json::json!({"type": "Feature", "properties": {"kode": "X", "nama": "X", "admin_level": "8"},
            "geometry": {"type": "Polygon", "coordinates": [[[106.9, -6.2], [106.91, -6.19], [106.91, -6.2], [106.9, -6.19], [106.9, -6.2]]]}}));
    }
    let path = dir.join(if broken { "broken.geojson" } else { "clean.geojson" });
    let collection = serde_json::json!({"type": "FeatureCollection", "features": features});
    std::fs::write(&path, collection.to_string()).expect("write zones");
    path
}

#[test]
fn zones_check_finds_seeded_overlaps_gaps_and_crossed_rings() {
    let dir = tempfile::tempdir().expect("tmp");
    let clean = zones_file(dir.path(), false);
    let out = pantau(&["zones", "check", clean.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).0.is_empty());
    let broken = zones_file(dir.path(), true);
    let out = pantau(&["zones", "check", "--json", broken.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    let problems: Vec<serde_json::Value> =
        text(&out).0.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    let find = |kind: &str| problems.iter().filter(|p| p["kind"] == kind).cloned().collect::<Vec<_>>();
    let (overlaps, gaps, invalid) = (find("overlap"), find("gap"), find("invalid_ring"));
    assert_eq!(overlaps.len(), 1, "{problems:?}");
    assert_eq!(overlaps[0]["zones"], serde_json::json!(["C", "D"]));
    // D moved 0.002° west: it shares 0.002 x 0.01 degrees with C, about 221 m x 1,105 m.
    let area = overlaps[0]["area_m2"].as_f64().expect("area");
    assert!((200_000.0..290_000.0).contains(&area), "{area} m²");
    let lon = overlaps[0]["lon"].as_f64().expect("lon");
    assert!((106.808..106.81).contains(&lon), "inside the shared strip: {lon}");
    assert_eq!(gaps.len(), 1, "{problems:?}");
    assert_eq!(gaps[0]["zones"][0], "P", "the gap is inside the parent");
    assert!(gaps[0]["lon"].as_f64().expect("lon") > 106.818, "the gap is where D left: {:?}", gaps[0]);
    assert_eq!(invalid.len(), 1, "{problems:?}");
    assert_eq!(invalid[0]["zones"], serde_json::json!(["X"]));
    let (x, y) = (invalid[0]["lon"].as_f64().expect("lon"), invalid[0]["lat"].as_f64().expect("lat"));
    assert!((x - 106.905).abs() < 1e-6 && (y + 6.195).abs() < 1e-6, "at the crossing: {x}, {y}");
    let out = pantau(&["zones", "check", broken.to_str().expect("utf-8")]);
    let (stdout, stderr) = text(&out);
    assert!(stdout.contains("overlap: C / D at 106.80"), "{stdout}");
    assert!(stderr.contains("3 problems"), "{stderr}");
    let out = pantau(&["zones", "check", "no-such-zones.geojson"]);
    assert!(!out.status.success() && text(&out).1.contains("no-such-zones.geojson"));
}

/// The real 2025 kecamatan leave ground between them that none holds (around Rawamangun, East
/// Jakarta, which the kelurahan file covers): every gap found is in no kecamatan by the zone
/// lookup, and every overlap is in both of its zones.
#[test]
fn zones_check_on_the_real_kecamatan_finds_ground_no_kecamatan_holds() {
    let zones = load_zones(&common::data("jakarta/kecamatan_2025.geojson")).expect("zones");
    let index = ZoneIndex::new(zones.clone());
    let problems = pantau::spatial::topology::check(&zones);
    let gaps: Vec<_> = problems.iter().filter(|p| p.kind == pantau::spatial::topology::ProblemKind::Gap).collect();
    for gap in &gaps {
        assert!(index.lookup(gap.lon, gap.lat).is_empty(), "{gap}");
    }
    let rawamangun = gaps.iter().find(|g| (g.lon - 106.876).abs() < 0.01 && (g.lat + 6.189).abs() < 0.01);
    let rawamangun = rawamangun.expect("the hole around Rawamangun");
    assert!(rawamangun.area_m2.is_some_and(|a| a > 1_000_000.0), "{rawamangun}");
    for overlap in problems.iter().filter(|p| p.kind == pantau::spatial::topology::ProblemKind::Overlap) {
        let holding: Vec<String> = index.lookup(overlap.lon, overlap.lat).iter().map(|z| z.code.clone()).collect();
        let inside = |code: &str| {
            let zone = zones.iter().find(|z| z.code == code).expect("zone");
            geo::Contains::contains(&zone.polygon, &geo::Point::new(overlap.lon, overlap.lat))
        };
        assert!(overlap.zones.iter().all(|c| inside(c)), "{overlap} (lookup: {holding:?})");
    }
}
