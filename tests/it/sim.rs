//! The road graph and the simulator on real Jakarta data: the graph is connected, units move at
//! believable speeds along roads, alarms arrive, runs are reproducible from a seed, and a run
//! through `serve` over OsmAnd journals to exactly the live world.

use crate::common;

use std::collections::HashMap;

use pantau::basemap::Archive;
use pantau::crs::geodesy::haversine_m;
use pantau::ingest::validate::Validator;
use pantau::journal;
use pantau::model::{Event, Fix};
use pantau::sim::send::run_osmand;
use pantau::sim::{SimConfig, Simulator};
use pantau::spatial::RoadGraph;

fn graph() -> RoadGraph {
    RoadGraph::from_archive(&Archive::open(common::jakarta()).expect("open")).expect("graph")
}

const START: i64 = 1_800_000_000_000;

fn run(seed: u64, minutes: i64) -> Vec<Event> {
    let config = SimConfig { units: 40, rate_hz: 1.0, alarms_per_min: 6.0, seed };
    let mut sim = Simulator::new(graph(), config, START).expect("sim");
    (0..minutes * 600).flat_map(|_| sim.step(100)).collect()
}

#[test]
fn jakarta_roads_form_one_drivable_network() {
    let g = graph();
    assert!(g.node_count() > 50_000, "{} nodes", g.node_count());
    let (component, largest) = g.strong_components();
    let in_largest = component.iter().filter(|c| **c == largest).count();
    let share = in_largest as f64 / g.node_count() as f64;
    assert!(share > 0.8, "largest strongly connected part holds {:.1}% of nodes", share * 100.0);
}

#[test]
fn units_drive_at_believable_speeds_and_alarms_arrive() {
    let events = run(7, 10);
    let mut tracks: HashMap<String, Vec<Fix>> = HashMap::new();
    let mut alarms = 0;
    for e in &events {
        match e {
            Event::Position { device, fix, .. } => tracks.entry(device.clone()).or_default().push(*fix),
            Event::Alarm { .. } => alarms += 1,
            _ => {}
        }
    }
    assert_eq!(tracks.len(), 40);
    assert!((20..=110).contains(&alarms), "{alarms} alarms in 10 minutes at 6 per minute");
    let mut moved = 0;
    for fixes in tracks.values() {
        assert!(fixes.len() >= 590, "about one report a second");
        let mut distance = 0.0;
        for w in fixes.windows(2) {
            let d = haversine_m(w[0].lon, w[0].lat, w[1].lon, w[1].lat);
            let v = d / ((w[1].time - w[0].time) as f64 / 1000.0);
            assert!(v < 96.0 / 3.6 + 0.5, "{v} m/s between reports: faster than any road allows");
            distance += d;
        }
        if distance > 1000.0 {
            moved += 1;
        }
    }
    assert!(moved >= 30, "only {moved}/40 units drove more than 1 km in 10 minutes");
    // Every report passes the service's own validation.
    let mut validator = Validator::default();
    let rejected = events.iter().filter(|e| validator.check((*e).clone(), START + 600_000).is_err()).count();
    assert_eq!(rejected, 0);
}

/// A run starts as a shift under way: forty units from one station are already spread over
/// their beat, each at its own place within a few kilometres, none parked at the station.
#[test]
fn a_run_starts_with_the_units_spread_over_their_beats() {
    let station = (106.8272, -6.1754);
    let units = (1..=40).map(|i| (format!("u{i}"), station.0, station.1)).collect();
    let fleet = pantau::sim::Fleet { units, sites: Vec::new(), rush_hour: false };
    let config = SimConfig { units: 40, rate_hz: 1.0, alarms_per_min: 0.0, seed: 9 };
    let mut sim = Simulator::with_fleet(graph(), fleet, config, START).expect("sim");
    let first: HashMap<String, Fix> = sim
        .step(1000)
        .into_iter()
        .filter_map(|e| match e {
            Event::Position { device, fix, .. } => Some((device, fix)),
            _ => None,
        })
        .collect();
    assert_eq!(first.len(), 40, "every unit reports in its first second");
    let mut metres: Vec<f64> = first.values().map(|f| haversine_m(f.lon, f.lat, station.0, station.1)).collect();
    metres.sort_by(f64::total_cmp);
    let places: std::collections::HashSet<(i64, i64)> =
        first.values().map(|f| ((f.lon * 1e5) as i64, (f.lat * 1e5) as i64)).collect();
    assert!(places.len() >= 38, "each at its own place: {} places for 40 units", places.len());
    assert!(metres[20] > 300.0, "half are more than 300 m out: {metres:?}");
    assert!(metres[39] < 8_000.0, "none has left its beat: {metres:?}");
}

#[test]
fn the_same_seed_gives_the_same_run() {
    assert_eq!(run(3, 2), run(3, 2));
    assert_ne!(run(3, 2), run(4, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulator_through_serve_replays_to_the_live_world() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = pantau::service::ServeConfig {
        http: None,
        queue_capacity: 100_000,
        ..pantau::service::ServeConfig::loopback(dir.path())
    };
    let service = pantau::service::Service::start(config).await.expect("service starts");
    let (osmand, ingest) = (service.bound.osmand, service.ingest.clone());
    let sim_config = SimConfig { units: 30, rate_hz: 1.0, alarms_per_min: 20.0, seed: 11 };
    let graph = tokio::task::spawn_blocking(graph).await.expect("graph");
    let mut sim = Simulator::new(graph, sim_config, pantau::model::now_millis() - 120_000).expect("sim");
    let target = format!("http://{}", osmand.expect("osmand"));
    let report = run_osmand(&mut sim, &target, 90_000, 1000.0, 32).await;
    assert_eq!(report.failed, 0, "{report:?}");
    assert!(report.alarms > 0);
    let live = ingest.snapshot().await.expect("snapshot");
    service.stop().await.expect("clean stop");
    assert_eq!(live.units().len(), 30, "units, and no panic-button site among them");
    let replayed = journal::replay(dir.path()).expect("replay");
    assert!(replayed.same_state(&live), "journal replay differs from the live world");
}

#[test]
fn routes_respect_one_way_streets() {
    let g = graph();
    // A one-way edge a -> b on a street in the middle of the network (b has no edge back to a).
    let (a, edge) = (0..g.node_count() as u32)
        .flat_map(|a| g.out_edges(a).iter().map(move |e| (a, *e)))
        .find(|(a, e)| {
            e.length_m > 50.0 && !g.out_edges(e.to).iter().any(|back| back.to == *a) && g.out_edges(e.to).len() >= 2
        })
        .expect("Jakarta has one-way streets");
    let routes = g.routes_to(&[edge.to], &[a]);
    let forward = routes[0].as_ref().expect("forward route");
    assert_eq!(forward.nodes, vec![a, edge.to], "with the flow: the street itself");
    let back = g.routes_to(&[a], &[edge.to]);
    if let Some(r) = &back[0] {
        assert!(r.nodes.len() > 2 && r.seconds > edge.seconds(), "against the flow: a detour, not the street");
    }
}

#[test]
fn dispatch_ranks_the_shortlist_by_drive_time() {
    use pantau::model::{Unit, UnitStatus};
    use pantau::spatial::dispatch::Router;
    use pantau::spatial::{UnitFilter, UnitIndex};
    let router = Router::new(graph());
    let now = START;
    // Twelve units scattered around Bundaran HI.
    let units: Vec<Unit> = (0..12)
        .map(|i| {
            let angle = i as f64 * 0.52;
            let r = 0.004 + (i % 4) as f64 * 0.004;
            let fix = Fix {
                time: now - 60_000,
                lon: 106.8229 + r * angle.cos(),
                lat: -6.1935 + r * angle.sin(),
                speed: None,
                heading: None,
                accuracy: None,
            };
            Unit { last_fix: Some(fix), status: UnitStatus::Available, ..Unit::from_device(&format!("u{i}")) }
        })
        .collect();
    let index = UnitIndex::build(&units);
    let ranked = router.rank(&index, &units, (106.8229, -6.1935), 5, 10, &UnitFilter::available(), now);
    assert_eq!(ranked.len(), 5);
    for w in ranked.windows(2) {
        assert!(w[0].eta_s.unwrap_or(f64::MAX) <= w[1].eta_s.unwrap_or(f64::MAX), "fastest first");
    }
    for c in &ranked {
        let (eta, road) = (c.eta_s.expect("reachable"), c.road_m.expect("reachable"));
        assert!(road + 50.0 >= c.straight_m, "a road is not shorter than the straight line (snapping aside)");
        assert!(eta >= road / (96.0 / 3.6) - 1.0, "no faster than the fastest road (a wide motorway)");
        let end = c.route.last().expect("route");
        assert!(haversine_m(end[0], end[1], 106.8229, -6.1935) < 100.0, "the route ends at the alarm");
    }
}

#[test]
fn simulated_fixes_match_roads_and_congestion_levels_follow_speeds() {
    use pantau::spatial::congestion::{Congestion, Level};
    let g = graph();
    let mut congestion = Congestion::new(&g);
    let events = run(21, 3);
    let (mut moving, mut matched) = (0, 0);
    for e in &events {
        if let Event::Position { fix, .. } = e {
            if fix.speed.unwrap_or(0.0) > 1.0 {
                moving += 1;
                matched += usize::from(congestion.add_fix(fix).is_some());
            }
        }
    }
    assert!(matched as f64 > moving as f64 * 0.9, "{matched}/{moving} moving fixes matched a road");
    assert!(!congestion.levels(START + 180_000).is_empty());
    // A detector reports 5 km/h on a quiet segment: jammed; then free-flowing speeds win back.
    let mut congestion = Congestion::new(&g);
    let (now, id) = (START + 180_000, 0);
    for i in 0..10 {
        congestion.add_sample(id, 5.0, now + i);
    }
    assert_eq!(congestion.state(id, now + 10).map(|s| s.1), Some(Level::Jammed));
    for i in 0..200 {
        congestion.add_sample(id, 120.0, now + 400_000 + i);
    }
    assert_eq!(congestion.state(id, now + 400_200).map(|s| s.1), Some(Level::Free), "old samples leave the window");
}

#[test]
fn camera_coverage_of_roads_and_gaps() {
    use pantau::model::Camera;
    use pantau::spatial::cameras::road_coverage;
    use pantau::spatial::CameraIndex;
    let g = graph();
    let none = CameraIndex::new(Vec::new());
    let (seen, total, gaps_without) = road_coverage(&none, &g, 20.0);
    assert_eq!(seen, 0.0);
    assert!(total > 5_000_000.0, "{total} m of drivable road in both directions");
    // Domes every ~150 m along Jl. Thamrin / Sudirman.
    let cameras: Vec<Camera> = (0..30)
        .map(|i| Camera {
            id: format!("c{i}"),
            name: String::new(),
            lon: 106.8230,
            lat: -6.1800 - i as f64 * 0.0014,
            direction: Some(0.0),
            fov: 360.0,
            range: 80.0,
            ptz: true,
            stream_url: None,
        })
        .collect();
    let (seen, _, gaps_with) = road_coverage(&CameraIndex::new(cameras), &g, 20.0);
    assert!(seen > 5_000.0, "{seen} m seen");
    assert!(gaps_with.len() < gaps_without.len(), "the covered arterial leaves the gap list");
}

#[test]
fn live_congestion_slows_and_reroutes() {
    use pantau::spatial::congestion::Congestion;
    use pantau::spatial::dispatch::Router;
    let g = graph();
    let mut congestion = Congestion::new(&g);
    let mut router = Router::new(g.clone());
    let (from, to) = ((106.8229, -6.1935), (106.8133, -6.2196));
    let (free_eta, _, free_line) = router.route(from, to).expect("route");
    // Jam every segment of that route at 3 km/h.
    let node_at = |p: &[f64; 2]| (0..g.node_count() as u32).find(|n| g.nodes[*n as usize] == *p).expect("node");
    let nodes: Vec<u32> = free_line.iter().map(node_at).collect();
    for w in nodes.windows(2) {
        let edge = g.out_edges(w[0]).iter().find(|e| e.to == w[1]).expect("edge on the route");
        congestion.add_sample(edge.id, 3.0, START);
    }
    router.set_live_speeds(&congestion, START);
    let (jammed_eta, _, jammed_line) = router.route(from, to).expect("route");
    assert!(jammed_eta > free_eta, "{jammed_eta} s with the jam vs {free_eta} s free");
    assert_ne!(jammed_line, free_line, "the router takes another way round the jam");
    // Once the observations age out of the window, free-flow times return.
    router.set_live_speeds(&congestion, START + 3_600_000);
    assert_eq!(router.route(from, to).expect("route").0, free_eta);
}

/// Every route agrees with Bellman-Ford (no priority queue, no estimate) run over the whole
/// Jakarta graph: the reverse Dijkstra of dispatch and the A* of single routes alike, and each
/// route is a chain of real edges whose times add up.
#[test]
fn routes_match_bellman_ford() {
    use pantau::spatial::roads::Edge;
    use rand::{Rng, SeedableRng};
    let g = graph();
    let (component, largest) = g.strong_components();
    let connected: Vec<u32> = (0..g.node_count() as u32).filter(|n| component[*n as usize] == largest).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let target = connected[rng.random_range(0..connected.len())];
    // Seconds from every node to the target, relaxing every edge until nothing changes.
    let edges: Vec<(u32, Edge)> = g.edges().map(|(from, e)| (from, *e)).collect();
    let mut to_target = vec![f64::INFINITY; g.node_count()];
    to_target[target as usize] = 0.0;
    let mut changed = true;
    while changed {
        changed = false;
        for (from, e) in &edges {
            let via = to_target[e.to as usize] + f64::from(e.seconds());
            if via < to_target[*from as usize] {
                to_target[*from as usize] = via;
                changed = true;
            }
        }
    }
    let max_kmh = g.max_speed_kmh();
    for _ in 0..100 {
        let source = connected[rng.random_range(0..connected.len())];
        let expected = to_target[source as usize];
        let dijkstra = g.routes_to(&[target], &[source]).remove(0).expect("connected: a route");
        let astar = g.fastest_route(&[source], &[target], Edge::seconds, max_kmh).expect("connected: a route");
        for route in [&dijkstra, &astar] {
            let seconds = f64::from(route.seconds);
            assert!((seconds - expected).abs() <= 1e-3 * expected.max(1.0), "{seconds} s vs {expected} s");
            assert_eq!((route.nodes.first(), route.nodes.last()), (Some(&source), Some(&target)));
            let walked: f64 = route
                .nodes
                .windows(2)
                .map(|w| {
                    let e = g.out_edges(w[0]).iter().filter(|e| e.to == w[1]).map(Edge::seconds);
                    f64::from(e.fold(f32::INFINITY, f32::min))
                })
                .sum();
            assert!((walked - expected).abs() <= 1e-3 * expected.max(1.0), "edges add to {walked} s, not {expected} s");
        }
    }
}
