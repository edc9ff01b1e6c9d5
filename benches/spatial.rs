//! Spatial query costs, each against brute force in the same run: nearest units among 100,000,
//! point -> kelurahan on the real Jakarta polygons, cameras covering a point among 5,000, index
//! maintenance for 10,000 moved units (incremental vs bulk rebuild), and the drive-time re-rank.

use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use geo::{Contains, Point};
use pantau::basemap::{import, Archive, ImportOptions};
use pantau::crs::geodesy::haversine_m;
use pantau::layer_files::load_zones;
use pantau::model::{Camera, Fix, Unit, UnitKind, UnitStatus};
use pantau::spatial::cameras::sees;
use pantau::spatial::dispatch::Router;
use pantau::spatial::roads::Edge;
use pantau::spatial::{CameraIndex, RoadGraph, UnitFilter, UnitIndex, ZoneIndex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const NOW: i64 = 1_800_000_000_000;

fn data(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(rel)
}

fn jakarta_point(rng: &mut ChaCha8Rng) -> (f64, f64) {
    (rng.random_range(106.70..106.97), rng.random_range(-6.36..-6.09))
}

fn units(n: usize, rng: &mut ChaCha8Rng) -> Vec<Unit> {
    let statuses = [UnitStatus::Available, UnitStatus::Dispatched, UnitStatus::EnRoute, UnitStatus::OffDuty];
    (0..n)
        .map(|i| {
            let (lon, lat) = jakarta_point(rng);
            let fix = Fix {
                time: NOW - rng.random_range(0..3_600_000),
                lon,
                lat,
                speed: None,
                heading: None,
                accuracy: None,
            };
            Unit {
                id: format!("u{i}"),
                callsign: format!("U{i}"),
                kind: UnitKind::Car,
                status: statuses[i % 4],
                home_station: None,
                last_fix: Some(fix),
            }
        })
        .collect()
}

fn bench_units(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut all = units(100_000, &mut rng);
    let index = UnitIndex::build(&all);
    let filter = UnitFilter::available();
    let queries: Vec<(f64, f64)> = (0..1000).map(|_| jakarta_point(&mut rng)).collect();
    let mut g = c.benchmark_group("units_100k");
    let mut qi = 0;
    g.bench_function("nearest_5_available_grid", |b| {
        b.iter(|| {
            qi = (qi + 1) % queries.len();
            index.nearest(&all, queries[qi].0, queries[qi].1, 5, &filter, NOW)
        })
    });
    g.bench_function("nearest_5_available_brute_force", |b| {
        b.iter(|| {
            qi = (qi + 1) % queries.len();
            let q = queries[qi];
            let mut d: Vec<(f64, usize)> = all
                .iter()
                .enumerate()
                .filter(|(_, u)| filter.accepts(u, NOW))
                .filter_map(|(i, u)| u.last_fix.map(|f| (haversine_m(q.0, q.1, f.lon, f.lat), i)))
                .collect();
            d.select_nth_unstable_by(5, |a, b| a.0.total_cmp(&b.0));
            d.truncate(5);
            d
        })
    });
    g.sample_size(20);
    let moved: Vec<(usize, f64, f64)> = (0..10_000)
        .map(|_| {
            let (lon, lat) = jakarta_point(&mut rng);
            (rng.random_range(0..all.len()), lon, lat)
        })
        .collect();
    for (i, lon, lat) in &moved {
        if let Some(f) = all[*i].last_fix.as_mut() {
            f.lon = *lon;
            f.lat = *lat;
        }
    }
    g.bench_function("move_10k_incremental", |b| {
        b.iter_batched(
            || UnitIndex::build(&all),
            |mut index| {
                for (i, _, _) in &moved {
                    index.update(*i as u32, &all[*i]);
                }
                index
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("move_10k_bulk_rebuild", |b| b.iter(|| UnitIndex::build(&all)));
    g.finish();
}

fn bench_zones(c: &mut Criterion) {
    let zones = load_zones(&data("jakarta/kelurahan_2025.geojson")).expect("zones");
    let index = ZoneIndex::new(zones.clone());
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let points: Vec<(f64, f64)> = (0..10_000).map(|_| jakarta_point(&mut rng)).collect();
    let mut g = c.benchmark_group("kelurahan_267");
    g.throughput(Throughput::Elements(points.len() as u64));
    g.bench_function("lookup_10k_points_index", |b| {
        b.iter(|| points.iter().filter(|p| index.lookup_level(p.0, p.1, 7).is_some()).count())
    });
    g.sample_size(10);
    g.bench_function("lookup_10k_points_brute_force", |b| {
        b.iter(|| points.iter().filter(|p| zones.iter().any(|z| z.polygon.contains(&Point::new(p.0, p.1)))).count())
    });
    g.finish();
}

fn bench_cameras(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let cameras: Vec<Camera> = (0..5000)
        .map(|i| {
            let (lon, lat) = jakarta_point(&mut rng);
            Camera {
                id: format!("c{i}"),
                name: String::new(),
                lon,
                lat,
                direction: Some(rng.random_range(0.0..360.0)),
                fov: rng.random_range(40.0..120.0),
                range: rng.random_range(40.0..200.0),
                ptz: false,
                stream_url: None,
            }
        })
        .collect();
    let index = CameraIndex::new(cameras.clone());
    let queries: Vec<(f64, f64)> = (0..1000).map(|_| jakarta_point(&mut rng)).collect();
    let mut g = c.benchmark_group("cameras_5000");
    let mut qi = 0;
    g.bench_function("covering_point_rtree", |b| {
        b.iter(|| {
            qi = (qi + 1) % queries.len();
            index.covering(queries[qi].0, queries[qi].1)
        })
    });
    g.bench_function("covering_point_brute_force", |b| {
        b.iter(|| {
            qi = (qi + 1) % queries.len();
            let q = queries[qi];
            cameras.iter().filter(|c| sees(c, q.0, q.1)).count()
        })
    });
    g.finish();
}

fn bench_dispatch(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("jakarta.pmtiles");
    let options =
        ImportOptions { min_zoom: 12, ..ImportOptions::new(vec![data("jakarta/jakarta_roads.shp")], out.clone()) };
    import(&options).expect("import");
    let router = Router::new(RoadGraph::from_archive(&Archive::open(&out).expect("open")).expect("graph"));
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let all = units(10_000, &mut rng);
    let index = UnitIndex::build(&all);
    let filter = UnitFilter { max_age_ms: None, ..UnitFilter::available() };
    let targets: Vec<(f64, f64)> = (0..100).map(|_| jakarta_point(&mut rng)).collect();
    let mut g = c.benchmark_group("dispatch_jakarta");
    let mut ti = 0;
    g.bench_function("straight_line_top10_only", |b| {
        b.iter(|| {
            ti = (ti + 1) % targets.len();
            index.nearest(&all, targets[ti].0, targets[ti].1, 10, &filter, NOW)
        })
    });
    g.bench_function("rerank_top10_by_drive_time", |b| {
        b.iter(|| {
            ti = (ti + 1) % targets.len();
            router.rank(&index, &all, targets[ti], 5, 10, &filter, NOW)
        })
    });
    g.finish();
}

/// Contraction hierarchies (fast_paths) over the graph's free-flow times in milliseconds.
fn contraction_hierarchy(graph: &RoadGraph) -> fast_paths::FastGraph {
    let mut input = fast_paths::InputGraph::new();
    for (from, e) in graph.edges() {
        input.add_edge(from as usize, e.to as usize, (e.seconds() * 1000.0).round().max(1.0) as usize);
    }
    input.freeze();
    let started = std::time::Instant::now();
    let fast = fast_paths::prepare(&input);
    eprintln!("contraction hierarchy over {} nodes prepared in {:.2?}", graph.node_count(), started.elapsed());
    // What a change of live speeds would cost: preparing again with the node order kept.
    let started = std::time::Instant::now();
    let again = fast_paths::prepare_with_order(&input, &fast.get_node_ordering());
    eprintln!("prepared again with the same node order in {:.2?}", started.elapsed());
    again.unwrap_or(fast)
}

/// Point-to-point routes and the drive-time re-rank, each by Dijkstra, A* and contraction
/// hierarchies on the same Jakarta graph and queries.
fn bench_routing(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("jakarta.pmtiles");
    let options =
        ImportOptions { min_zoom: 12, ..ImportOptions::new(vec![data("jakarta/jakarta_roads.shp")], out.clone()) };
    import(&options).expect("import");
    let router = Router::new(RoadGraph::from_archive(&Archive::open(&out).expect("open")).expect("graph"));
    let graph = router.graph();
    let fast = contraction_hierarchy(graph);
    let max_kmh = graph.max_speed_kmh();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let all = units(10_000, &mut rng);
    let index = UnitIndex::build(&all);
    let filter = UnitFilter { max_age_ms: None, ..UnitFilter::available() };
    // Per query: the target's snap nodes and the snap nodes of its 10 straight-line nearest units.
    let queries: Vec<(Vec<u32>, Vec<Vec<u32>>)> = (0..50)
        .map(|_| {
            let t = jakarta_point(&mut rng);
            let near = index.nearest(&all, t.0, t.1, 10, &filter, NOW);
            let units =
                near.iter().filter_map(|n| all[n.slot as usize].last_fix.map(|f| router.snap(f.lon, f.lat))).collect();
            (router.snap(t.0, t.1), units)
        })
        .collect();
    let sources = |(_, units): &(Vec<u32>, Vec<Vec<u32>>)| units.concat();
    let ch_query = |calc: &mut fast_paths::PathCalculator, from: &[u32], to: &[u32]| {
        let with_zero = |nodes: &[u32]| nodes.iter().map(|n| (*n as usize, 0)).collect::<Vec<_>>();
        calc.calc_path_multiple_sources_and_targets(&fast, with_zero(from), with_zero(to))
    };
    let mut g = c.benchmark_group("routing_jakarta");
    let mut qi = 0;
    g.bench_function("point_to_point_dijkstra", |b| {
        b.iter(|| {
            qi = (qi + 1) % queries.len();
            let (goals, units) = &queries[qi];
            graph.routes_to(goals, &units[0])
        })
    });
    g.bench_function("point_to_point_astar", |b| {
        b.iter(|| {
            qi = (qi + 1) % queries.len();
            let (goals, units) = &queries[qi];
            graph.fastest_route(&units[0], goals, Edge::seconds, max_kmh)
        })
    });
    let mut calc = fast_paths::create_calculator(&fast);
    g.bench_function("point_to_point_contraction_hierarchy", |b| {
        b.iter(|| {
            qi = (qi + 1) % queries.len();
            let (goals, units) = &queries[qi];
            ch_query(&mut calc, &units[0], goals)
        })
    });
    g.bench_function("rerank_10_one_reverse_dijkstra", |b| {
        b.iter(|| {
            qi = (qi + 1) % queries.len();
            graph.routes_to(&queries[qi].0, &sources(&queries[qi]))
        })
    });
    g.bench_function("rerank_10_astar_each", |b| {
        b.iter(|| {
            qi = (qi + 1) % queries.len();
            let (goals, units) = &queries[qi];
            units.iter().map(|u| graph.fastest_route(u, goals, Edge::seconds, max_kmh)).collect::<Vec<_>>()
        })
    });
    g.bench_function("rerank_10_contraction_hierarchy_each", |b| {
        b.iter(|| {
            qi = (qi + 1) % queries.len();
            let (goals, units) = &queries[qi];
            units.iter().map(|u| ch_query(&mut calc, u, goals)).collect::<Vec<_>>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench_units, bench_zones, bench_cameras, bench_dispatch, bench_routing);
criterion_main!(benches);
