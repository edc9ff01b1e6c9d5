//! The commander's coverage on the real Jakarta road graph (about 71,000 nodes), 300 available
//! units: the whole multi-source search against one plain Dijkstra over the graph from one
//! unit (the baseline), one unit moving (incremental) against the whole search, and a move-up
//! suggestion over 20 posts against trying every unit at every post.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use pantau::basemap::{import, Archive, ImportOptions};
use pantau::layer_files::load_zones;
use pantau::model::{Fix, Unit, UnitKind, UnitStatus};
use pantau::spatial::coverage::{Coverage, SourceKey};
use pantau::spatial::dispatch::Router;
use pantau::spatial::moveup::{best_by_trying_all, suggest, Post};
use pantau::spatial::{RoadGraph, RoadNode, ZoneIndex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const TEN_MINUTES: f32 = 600.0;

fn data(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(rel)
}

/// Points on random roads of the city's middle.
fn road_points(graph: &RoadGraph, count: usize, rng: &mut ChaCha8Rng) -> Vec<[f64; 2]> {
    let (west, south, east, north) = graph.dense_extent(0.9).expect("roads");
    let mut points = Vec::new();
    while points.len() < count {
        let p = graph.nodes[rng.random_range(0..graph.node_count())];
        if (west..=east).contains(&p[0]) && (south..=north).contains(&p[1]) {
            points.push(p);
        }
    }
    points
}

fn unit(i: usize, [lon, lat]: [f64; 2]) -> Unit {
    Unit {
        id: format!("u{i}"),
        callsign: format!("U-{i}"),
        kind: UnitKind::Car,
        status: UnitStatus::Available,
        home_station: None,
        last_fix: Some(Fix { time: 0, lon, lat, speed: None, heading: None, accuracy: None }),
    }
}

/// A plain Dijkstra over the whole graph from some nodes (no limit): the baseline.
fn plain_search(graph: &RoadGraph, starts: &[RoadNode]) -> usize {
    use std::collections::BinaryHeap;
    let mut time = vec![f32::INFINITY; graph.node_count()];
    let mut heap = BinaryHeap::new();
    for &s in starts {
        time[s as usize] = 0.0;
        heap.push((std::cmp::Reverse(0u32), s));
    }
    let mut settled = 0;
    while let Some((std::cmp::Reverse(ms), node)) = heap.pop() {
        let t = ms as f32 / 1000.0;
        if t > time[node as usize] {
            continue;
        }
        settled += 1;
        for e in graph.out_edges(node) {
            let c = t + e.seconds();
            if c < time[e.to as usize] {
                time[e.to as usize] = c;
                heap.push((std::cmp::Reverse((c * 1000.0) as u32), e.to));
            }
        }
    }
    settled
}

fn bench_coverage(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("jakarta.pmtiles");
    let options =
        ImportOptions { min_zoom: 12, ..ImportOptions::new(vec![data("jakarta/jakarta_roads.shp")], out.clone()) };
    import(&options).expect("import");
    let router = Router::new(RoadGraph::from_archive(&Archive::open(&out).expect("open")).expect("graph"));
    let graph = router.graph();
    let zones = ZoneIndex::new(load_zones(&data("jakarta/kelurahan_2025.geojson")).expect("zones"));
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    let units: Vec<Unit> = road_points(graph, 300, &mut rng).into_iter().enumerate().map(|(i, p)| unit(i, p)).collect();
    let started = std::time::Instant::now();
    let mut coverage = Coverage::of_units(&router, &zones, &units, TEN_MINUTES, 0);
    eprintln!(
        "coverage over {} nodes and {} kelurahan built and searched in {:.2?}: {:.1}% of {:.0} km covered",
        graph.node_count(),
        zones.zones().len(),
        started.elapsed(),
        coverage.totals().share() * 100.0,
        coverage.totals().road_m / 1000.0
    );
    let sources: Vec<(SourceKey, Vec<RoadNode>)> = coverage.sources().map(|(k, n)| (k, n.to_vec())).collect();
    let places: Vec<Vec<RoadNode>> =
        road_points(graph, 64, &mut rng).into_iter().map(|[lon, lat]| router.snap(lon, lat)).collect();
    let posts: Vec<Post> = road_points(graph, 20, &mut rng)
        .into_iter()
        .enumerate()
        .map(|(i, [lon, lat])| Post { name: format!("post {i}"), lon, lat, nodes: router.snap(lon, lat) })
        .collect();

    let mut g = c.benchmark_group("coverage_jakarta_300_units");
    g.sample_size(20);
    let first = sources[0].1.clone();
    g.bench_function("baseline_plain_dijkstra_from_one_unit", |b| b.iter(|| plain_search(graph, &first)));
    g.bench_function("whole_search_300_units", |b| b.iter(|| coverage.set_sources(sources.iter().cloned())));
    let mut turn = 0;
    g.bench_function("one_unit_moves", |b| {
        b.iter(|| {
            turn += 1;
            let key = (turn * 37 % sources.len()) as SourceKey;
            coverage.place(key, places[turn % places.len()].clone());
        })
    });
    coverage.set_sources(sources.iter().cloned());
    g.bench_function("one_unit_dispatched_and_back", |b| {
        b.iter(|| {
            turn += 1;
            let (key, nodes) = &sources[turn * 37 % sources.len()];
            coverage.remove(*key);
            coverage.place(*key, nodes.clone());
        })
    });
    g.bench_function("move_up_20_posts", |b| b.iter(|| suggest(&mut coverage, &posts)));
    g.sample_size(10);
    g.bench_function("move_up_trying_every_unit_at_every_post", |b| {
        b.iter(|| best_by_trying_all(&mut coverage, &posts))
    });
    g.finish();
}

criterion_group!(benches, bench_coverage);
criterion_main!(benches);
