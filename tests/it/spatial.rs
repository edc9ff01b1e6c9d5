//! Spatial queries against brute force (property tests) and on the real Jakarta polygons:
//! nearest units, point -> zone at every level, camera coverage.

use crate::common;

use geo::{Contains, InteriorPoint, Point};
use pantau::layer_files::load_zones;
use pantau::model::{Camera, Fix, Unit, UnitKind, UnitStatus};
use pantau::spatial::borders::borders;
use pantau::spatial::cameras::sees;
use pantau::spatial::{CameraIndex, UnitFilter, UnitIndex, ZoneIndex};
use proptest::prelude::*;

const NOW: i64 = 1_800_000_000_000;

fn haversine(a: (f64, f64), b: (f64, f64)) -> f64 {
    pantau::crs::geodesy::haversine_m(a.0, a.1, b.0, b.1)
}

fn unit(i: usize, lon: f64, lat: f64, status: u8, kind: u8, age_min: i64) -> Unit {
    let statuses = [UnitStatus::Available, UnitStatus::Dispatched, UnitStatus::OffDuty];
    let kinds = [UnitKind::Car, UnitKind::Motorbike, UnitKind::Pjr];
    Unit {
        id: format!("u{i}"),
        callsign: format!("U-{i}"),
        kind: kinds[kind as usize % 3],
        status: statuses[status as usize % 3],
        home_station: None,
        last_fix: Some(Fix { time: NOW - age_min * 60_000, lon, lat, speed: None, heading: None, accuracy: None }),
    }
}

fn units_strategy() -> impl Strategy<Value = Vec<Unit>> {
    proptest::collection::vec((106.6f64..107.0, -6.4f64..-6.0, 0u8..3, 0u8..3, 0i64..60), 1..300)
        .prop_map(|v| v.into_iter().enumerate().map(|(i, (lon, lat, s, k, a))| unit(i, lon, lat, s, k, a)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn nearest_units_match_brute_force(mut units in units_strategy(), q in (106.6f64..107.0, -6.4f64..-6.0), k in 1usize..8, moves in proptest::collection::vec((0usize..300, 106.6f64..107.0, -6.4f64..-6.0), 0..40)) {
        let mut index = UnitIndex::build(&units);
        for (i, lon, lat) in moves {
            let i = i % units.len();
            if let Some(f) = units[i].last_fix.as_mut() { f.lon = lon; f.lat = lat; }
            index.update(i as u32, &units[i]);
        }
        let filter = UnitFilter::available();
        let got: Vec<u32> = index.nearest(&units, q.0, q.1, k, &filter, NOW).iter().map(|n| n.slot).collect();
        let mut brute: Vec<(f64, u32)> = units.iter().enumerate()
            .filter(|(_, u)| filter.accepts(u, NOW))
            .map(|(i, u)| { let f = u.last_fix.expect("fix"); (haversine(q, (f.lon, f.lat)), i as u32) })
            .collect();
        brute.sort_by(|a, b| a.0.total_cmp(&b.0));
        let want: Vec<u32> = brute.iter().take(k).map(|(_, i)| *i).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn covering_cameras_match_brute_force(cams in proptest::collection::vec((106.80f64..106.82, -6.21f64..-6.19, proptest::option::of(0.0f32..360.0), 10.0f32..360.0, 20.0f32..300.0), 1..200), q in (106.80f64..106.82, -6.21f64..-6.19)) {
        let cameras: Vec<Camera> = cams.into_iter().enumerate().map(|(i, (lon, lat, direction, fov, range))| Camera {
            id: format!("c{i}"), name: String::new(), lon, lat, direction, fov, range, ptz: false, stream_url: None,
        }).collect();
        let index = CameraIndex::new(cameras.clone());
        let brute: Vec<u32> = cameras.iter().enumerate().filter(|(_, c)| sees(c, q.0, q.1)).map(|(i, _)| i as u32).collect();
        prop_assert_eq!(index.covering(q.0, q.1), brute);
    }
}

fn kelurahan_index() -> ZoneIndex {
    ZoneIndex::new(load_zones(&common::data("jakarta/kelurahan_2025.geojson")).expect("zones"))
}

#[test]
fn every_kelurahan_point_resolves_to_its_kelurahan() {
    let index = kelurahan_index();
    let text = std::fs::read_to_string(common::data("jakarta/kelurahan_2025.geojson")).expect("read");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    let features = json["features"].as_array().expect("features");
    assert_eq!(features.len(), 267);
    let mut used_interior = 0;
    for f in features {
        let code = f["properties"]["kode"].as_str().expect("kode");
        let zone = index.zones().iter().find(|z| z.code == code).expect("zone loaded");
        let (lat, lng) = (f["properties"]["lat"].as_f64().expect("lat"), f["properties"]["lng"].as_f64().expect("lng"));
        // Use the published lat/lng, or a point inside when that one falls outside the polygon.
        let point = if zone.polygon.contains(&Point::new(lng, lat)) {
            (lng, lat)
        } else {
            used_interior += 1;
            let p = zone.polygon.interior_point().expect("interior point");
            (p.x(), p.y())
        };
        let found = index.lookup_level(point.0, point.1, 7).map(|z| z.code.as_str());
        assert_eq!(found, Some(code), "{} at {point:?}", zone.name);
    }
    assert!(used_interior < 60, "{used_interior} published points fall outside their polygon");
}

#[test]
fn zone_lookup_matches_brute_force_and_resolves_shared_boundaries() {
    let zones = load_zones(&common::data("jakarta/kelurahan_2025.geojson")).expect("zones");
    let index = ZoneIndex::new(zones.clone());
    // A grid of points over Jakarta: the index agrees with testing every polygon.
    for i in 0..60 {
        for j in 0..60 {
            let (lon, lat) = (106.68 + i as f64 * 0.005, -6.37 + j as f64 * 0.005);
            let brute =
                zones.iter().filter(|z| z.polygon.contains(&Point::new(lon, lat))).map(|z| z.code.as_str()).min();
            assert_eq!(index.lookup_level(lon, lat, 7).map(|z| z.code.as_str()), brute, "at {lon},{lat}");
        }
    }
    // A vertex shared by two kelurahan: the smaller code, whatever the load order.
    let shared = zones.iter().enumerate().find_map(|(i, a)| {
        a.polygon.0.iter().flat_map(|p| p.exterior().0.iter()).find_map(|c| {
            let b = zones.iter().skip(i + 1).find(|z| z.polygon.0.iter().any(|p| p.exterior().0.contains(c)))?;
            Some((*c, a.code.clone(), b.code.clone()))
        })
    });
    let (c, first, second) = shared.expect("neighbouring kelurahan share vertices");
    let expected = first.min(second);
    assert_eq!(index.lookup_level(c.x, c.y, 7).map(|z| z.code.clone()), Some(expected.clone()));
    let reversed = ZoneIndex::new(zones.iter().rev().cloned().collect());
    assert_eq!(reversed.lookup_level(c.x, c.y, 7).map(|z| z.code.clone()), Some(expected));
    // Out in the Java Sea: no zone.
    assert!(index.lookup(106.9, -5.95).is_empty());
}

#[test]
fn kelurahan_kecamatan_and_kota_together() {
    let mut zones = load_zones(&common::data("jakarta/kelurahan_2025.geojson")).expect("kelurahan");
    zones.extend(load_zones(&common::data("jakarta/kecamatan_2025.geojson")).expect("kecamatan"));
    zones.extend(load_zones(&common::data("jakarta/kabkota_2025.geojson")).expect("kota"));
    let index = ZoneIndex::new(zones);
    // Monas: Gambir kelurahan, Gambir kecamatan, Jakarta Pusat.
    let levels: Vec<(u8, String)> =
        index.lookup(106.8272, -6.1754).iter().map(|z| (z.level, z.name.to_lowercase())).collect();
    assert_eq!(levels.len(), 3, "{levels:?}");
    assert_eq!(levels.iter().map(|l| l.0).collect::<Vec<_>>(), vec![5, 6, 7]);
    assert!(levels[0].1.contains("pusat"), "{levels:?}");
    assert!(levels[1].1.contains("gambir") && levels[2].1.contains("gambir"), "{levels:?}");
}

#[test]
fn zone_coverage_share_grows_with_cameras() {
    use pantau::spatial::cameras::zone_coverage;
    let zones = load_zones(&common::data("jakarta/kelurahan_2025.geojson")).expect("zones");
    let gambir = zones.iter().find(|z| z.name == "Gambir").expect("Gambir");
    assert_eq!(zone_coverage(&CameraIndex::new(Vec::new()), gambir, 25.0), 0.0);
    let dome = |i: u32, lon: f64, lat: f64| Camera {
        id: format!("c{i}"),
        name: String::new(),
        lon,
        lat,
        direction: Some(0.0),
        fov: 360.0,
        range: 150.0,
        ptz: true,
        stream_url: None,
    };
    let one = CameraIndex::new(vec![dome(1, 106.8272, -6.1754)]);
    let share_one = zone_coverage(&one, gambir, 25.0);
    let four = CameraIndex::new(vec![
        dome(1, 106.8272, -6.1754),
        dome(2, 106.8200, -6.1700),
        dome(3, 106.8300, -6.1800),
        dome(4, 106.8250, -6.1820),
    ]);
    let share_four = zone_coverage(&four, gambir, 25.0);
    assert!(share_one > 0.0 && share_one < share_four && share_four < 1.0, "{share_one} then {share_four}");
}

/// Two consecutive vertices, exactly as loaded.
type SegmentKey = ([u64; 2], [u64; 2]);

fn segment_key(a: (f64, f64), b: (f64, f64)) -> SegmentKey {
    ([a.0.to_bits(), a.1.to_bits()], [b.0.to_bits(), b.1.to_bits()])
}

fn ring_segments(zone: &pantau::model::Zone) -> Vec<SegmentKey> {
    let rings = zone.polygon.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
    rings.flat_map(|r| r.0.windows(2).map(|w| segment_key((w[0].x, w[0].y), (w[1].x, w[1].y)))).collect()
}

fn length_km(segments: impl Iterator<Item = ((f64, f64), (f64, f64))>) -> f64 {
    segments.map(|(a, b)| haversine(a, b)).sum::<f64>() / 1000.0
}

/// The 2025 kecamatan and kota files are generalised to a few vertices a ring, hundreds of
/// metres off the kelurahan borders; drawn as they are they cross the city as long straight
/// false borders. With the kelurahan loaded, every drawn segment is an edge of one kelurahan
/// ring (so none joins two rings, and none is a generalised chord), every kelurahan edge is
/// drawn, and the kecamatan and kota borders are drawn along kelurahan edges as their levels.
#[test]
fn zone_borders_on_the_real_2025_files_follow_the_kelurahan() {
    let (zones, index) = all_jakarta_levels();
    let drawn = borders(index);
    let kelurahan: std::collections::HashSet<SegmentKey> =
        zones.iter().filter(|z| z.level == 7).flat_map(ring_segments).collect();
    let off_kelurahan = drawn.iter().filter(|s| !kelurahan.contains(&segment_key(s.a, s.b))).count();
    assert_eq!(off_kelurahan, 0, "segments drawn off the kelurahan rings");
    let all_kelurahan_edges: usize = zones.iter().filter(|z| z.level == 7).map(|z| ring_segments(z).len()).sum();
    assert_eq!(drawn.len(), all_kelurahan_edges, "every kelurahan edge is drawn once");
    let drawn_km = |level: u8| length_km(drawn.iter().filter(|s| s.level <= level).map(|s| (s.a, s.b)));
    let outline_km =
        |level: u8| {
            let outlines = zones.iter().filter(|z| z.level == level);
            length_km(outlines.flat_map(|z| {
                z.polygon.0.iter().flat_map(|p| p.exterior().lines().map(|l| (l.start.x_y(), l.end.x_y())))
            }))
        };
    // The kecamatan and kota borders, drawn along the (more detailed) kelurahan edges, run about
    // as long as the generalised outlines they replace, and not as long as every kelurahan edge.
    for level in [5, 6] {
        let ratio = drawn_km(level) / outline_km(level);
        assert!(
            (0.8..2.0).contains(&ratio),
            "level {level}: {:.0} km drawn for {:.0} km of outlines",
            drawn_km(level),
            outline_km(level)
        );
    }
    assert!(drawn_km(6) < drawn_km(7) * 0.6, "kecamatan borders are a part of all borders");
    // Kelurahan of one kota only (Jakarta Pusat, 31.71): the kecamatan and kota they do not
    // cover keep their own outlines; those they cover are drawn along them.
    let pusat: Vec<_> = zones.iter().filter(|z| z.level != 7 || z.code.starts_with("31.71.")).cloned().collect();
    let drawn_pusat: std::collections::HashSet<SegmentKey> =
        borders(&ZoneIndex::new(pusat.clone())).iter().map(|s| segment_key(s.a, s.b)).collect();
    for zone in pusat.iter().filter(|z| z.level < 7) {
        let own = ring_segments(zone);
        let covered = zone.code == "31.71" || zone.code.starts_with("31.71.");
        let drawn_own = own.iter().filter(|k| drawn_pusat.contains(k)).count();
        match covered {
            true => assert_eq!(drawn_own, 0, "{} ({}) is drawn along its kelurahan", zone.name, zone.code),
            false => assert_eq!(drawn_own, own.len(), "{} ({}) keeps its own outline", zone.name, zone.code),
        }
    }
    // A kecamatan file alone keeps its own outlines.
    let alone = ZoneIndex::new(zones.iter().filter(|z| z.level == 6).cloned().collect());
    let own: usize = alone.zones().iter().map(|z| ring_segments(z).len()).sum();
    let drawn_alone = borders(&alone);
    assert!(drawn_alone.len() == own && drawn_alone.iter().all(|s| s.level == 6));
}

fn all_jakarta_levels() -> &'static (Vec<pantau::model::Zone>, ZoneIndex) {
    static ZONES: std::sync::OnceLock<(Vec<pantau::model::Zone>, ZoneIndex)> = std::sync::OnceLock::new();
    ZONES.get_or_init(|| {
        let mut zones = Vec::new();
        for file in ["kelurahan_2025", "kecamatan_2025", "kabkota_2025"] {
            zones.extend(load_zones(&common::data(&format!("jakarta/{file}.geojson"))).expect("zones"));
        }
        (zones.clone(), ZoneIndex::new(zones))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Any point, every level at once: the index returns, per level, the zone that testing
    /// every polygon finds (the smaller code where polygons overlap), and nothing outside.
    #[test]
    fn zone_lookup_at_every_level_matches_brute_force(lon in 106.65f64..107.0, lat in -6.40f64..-5.95) {
        let (zones, index) = all_jakarta_levels();
        let mut brute: Vec<(u8, &str)> = Vec::new();
        for z in zones.iter().filter(|z| z.polygon.contains(&Point::new(lon, lat))) {
            match brute.iter_mut().find(|(level, _)| *level == z.level) {
                Some(entry) => entry.1 = entry.1.min(z.code.as_str()),
                None => brute.push((z.level, z.code.as_str())),
            }
        }
        brute.sort();
        let found: Vec<(u8, &str)> = index.lookup(lon, lat).iter().map(|z| (z.level, z.code.as_str())).collect();
        prop_assert_eq!(found, brute);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Batches of fixes, alarms and commands applied to the world and fed to the live index as
    /// change sets: every unit's and alarm's zones, and every zone's counts, equal a recount
    /// from scratch with the zone index.
    #[test]
    fn zone_counts_follow_the_world(batches in proptest::collection::vec(proptest::collection::vec((0u8..4, 0usize..12, 106.70f64..106.97, -6.36f64..-6.09), 1..12), 1..6)) {
        use pantau::model::{AlarmState, Command, Event, FeedKind, Role};
        use pantau::spatial::{LiveIndex, ZoneCounts};
        use pantau::world::World;
        let (_, zones) = all_jakarta_levels();
        let cameras = vec![Camera { id: "cam".into(), name: "cam".into(), lon: 106.8272, lat: -6.1754, direction: Some(0.0), fov: 90.0, range: 100.0, ptz: false, stream_url: None }];
        let mut world = World::new();
        let mut live = LiveIndex::new(&world, ZoneIndex::new(zones.zones().to_vec()), CameraIndex::new(cameras.clone()));
        let fix = |lon, lat| Fix { time: NOW, lon, lat, speed: None, heading: None, accuracy: None };
        for batch in batches {
            for (what, n, lon, lat) in batch {
                let device = format!("d{n}");
                let event = match what {
                    0 | 1 => Event::Position { device, fix: fix(lon, lat), feed: FeedKind::Osmand },
                    2 => Event::Alarm { device, kind: "sos".into(), fix: Some(fix(lon, lat)), priority: 1, time: NOW, feed: FeedKind::AlarmApi, notes: Default::default() },
                    _ => {
                        let command = if n % 2 == 0 { Command::Resolve { alarm: n as u64 / 2 + 1 } } else { Command::SetStatus { unit: device, status: UnitStatus::OffDuty } };
                        Event::Command { user: "op".into(), role: Role::Operator, time: NOW, command }
                    }
                };
                world.apply_one(&event);
            }
            let changes = world.take_changes();
            live.update(&world, &changes);
        }
        let mut expected = vec![ZoneCounts::default(); zones.zones().len()];
        for (slot, unit) in world.units().iter().enumerate() {
            let f = unit.last_fix.expect("every unit here has a fix");
            let found = zones.lookup_slots(f.lon, f.lat);
            prop_assert_eq!(live.unit_zones(slot as u32), found.as_slice());
            for z in found {
                expected[z as usize].units += 1;
                expected[z as usize].available_units += u32::from(unit.status == UnitStatus::Available);
            }
        }
        for (slot, alarm) in world.alarms().iter().enumerate() {
            let found = zones.lookup_slots(alarm.lon.expect("lon"), alarm.lat.expect("lat"));
            prop_assert_eq!(live.alarm_zones(slot as u32), found.as_slice());
            for z in found {
                expected[z as usize].open_alarms += u32::from(alarm.state != AlarmState::Resolved);
            }
        }
        for z in zones.lookup_slots(cameras[0].lon, cameras[0].lat) {
            expected[z as usize].cameras += 1;
        }
        let counts: Vec<ZoneCounts> = (0..zones.zones().len() as u32).map(|z| live.counts(z)).collect();
        prop_assert_eq!(counts, expected);
    }
}

/// Jakarta's archive reaches out to the Thousand Islands (bounds to about 5.2° S), so fitting
/// it leaves the mainland a small blob; the city opens on where most of its roads are.
#[test]
fn jakarta_opens_on_its_roads_not_on_the_islands() {
    let archive = pantau::basemap::Archive::open(common::jakarta()).expect("archive");
    let graph = pantau::spatial::RoadGraph::from_archive(&archive).expect("roads");
    let (west, south, east, north) = graph.dense_extent(0.96).expect("roads");
    let bounds = archive.header.bounds;
    assert!(bounds.3 > -5.6, "the archive reaches the islands: {bounds:?}");
    assert!(north < -6.05 && south > -6.40 && west > 106.65 && east < 107.0, "{:?}", (west, south, east, north));
    let home = pantau::render::View::fit((west, south, east, north), 1280, 800);
    let whole = pantau::render::View::fit(bounds, 1280, 800);
    assert!(home.zoom > whole.zoom + 0.9, "home at zoom {:.1}, the whole archive at {:.1}", home.zoom, whole.zoom);
}

/// The street an alarm is on, from the real Jakarta roads: points on two known streets (and a
/// few metres off them) name those streets; a point in the bay names none. Every piece of a
/// street is found by its name, and the pieces reach both ends of the known segment.
#[test]
fn the_nearest_street_on_real_jakarta_roads() {
    let archive = pantau::basemap::Archive::open(common::jakarta()).expect("archive");
    let streets = pantau::spatial::Streets::from_layers(&archive.max_zoom_layers("roads").expect("roads"));
    assert!(streets.len() > 1_000, "{} streets", streets.len());
    // Jl. I Gusti Ngurah Rai, a straight primary in East Jakarta (as in render_pixels.rs).
    let (a, b) = ((106.9100845, -6.2141113), (106.9338636, -6.2170401));
    let middle = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    let (name, metres) = streets.nearest(middle.0, middle.1).expect("a street");
    assert!(name.to_lowercase().contains("ngurah rai"), "{name}");
    assert!(metres < 5.0, "{metres} m from a point on it");
    // 30 m north of it (0.00027° of latitude), still that street, about 30 m off.
    let (north, metres) = streets.nearest(middle.0, middle.1 + 0.00027).expect("a street");
    assert_eq!(north, name);
    assert!((20.0..40.0).contains(&metres), "{metres} m");
    assert!(streets.nearest(106.82, -6.07).is_none(), "nothing in the bay");
    let lines = streets.lines(name);
    let reaches = |p: (f64, f64)| lines.iter().flatten().any(|q| haversine(p, (q[0], q[1])) < 30.0);
    assert!(reaches(a) && reaches(b), "the street's pieces reach both ends of the known segment");
    assert!(streets.lines("no such street").is_empty());
}
