//! Each live layer rendered headless over the demo city and checked pixel by pixel: units in
//! their status colour (grey when stale) with a trail behind, a raised alarm's red pin, a camera's view sector, a
//! jammed road direction, a drawn route, zone fills and the highlighted zone.

use crate::common;

use common::*;
use pantau::basemap::Archive;
use pantau::demo;
use pantau::layer_files::{load_cameras, load_zones};
use pantau::model::{Alarm, AlarmState, Camera, Fix, PositionSource, Unit, UnitKind, UnitStatus};
use pantau::render::live::{unit_colour, zone_names, LayerId};
use pantau::render::{
    render_image_with, Image, LiveLayers, MapLayer, Theme, ThemeName, View, WorldLabel, TARGET_FORMAT,
};
use pantau::spatial::congestion::Level;
use pantau::spatial::zones::ZoneIndex;
use pantau::spatial::RoadGraph;

const NOW: i64 = 1_800_000_000_000;

fn unit(id: &str, lon: f64, lat: f64, status: UnitStatus, age_ms: i64) -> Unit {
    Unit {
        id: id.into(),
        callsign: id.into(),
        kind: UnitKind::Sabhara,
        status,
        home_station: None,
        last_fix: Some(Fix { time: NOW - age_ms, lon, lat, speed: Some(8.0), heading: Some(90.0), accuracy: None }),
    }
}

/// Renders the demo map at `view` with live layers set up by `setup`.
fn render(view: &View, setup: impl FnOnce(&mut LiveLayers)) -> Image {
    let gpu = gpu();
    let mut map = MapLayer::new(&gpu, TARGET_FORMAT, &demo_city().map, Theme::builtin(ThemeName::Day)).expect("map");
    map.set_labels(false);
    let mut live = LiveLayers::new(&gpu.device, TARGET_FORMAT, demo::CENTRE, NOW - 60_000);
    setup(&mut live);
    render_image_with(&gpu, &mut map, Some((&mut live, NOW)), view).expect("render")
}

fn pixel_at(image: &Image, view: &View, lon: f64, lat: f64) -> [u8; 4] {
    let (x, y) = view.lonlat_to_screen(lon, lat);
    image.pixel(x.round() as u32, y.round() as u32)
}

fn rgb3(c: [u8; 4]) -> [u8; 3] {
    [c[0], c[1], c[2]]
}

#[test]
fn units_alarms_and_routes() {
    let (lon, lat) = (demo::CENTRE.0 + 0.004, demo::CENTRE.1 + 0.003);
    let view = View::new(lon, lat, 16.0, 600, 400);
    let units = vec![
        unit("fresh", lon - 0.002, lat, UnitStatus::Available, 10_000),
        unit("busy", lon, lat + 0.0015, UnitStatus::Dispatched, 10_000),
        unit("stale", lon + 0.002, lat, UnitStatus::Available, 600_000),
    ];
    let alarm = Alarm {
        id: 1,
        source: "site".into(),
        kind: "panic".into(),
        lon: Some(lon),
        lat: Some(lat - 0.0015),
        position_source: PositionSource::Reported,
        time: NOW - 300,
        priority: 1,
        state: AlarmState::Raised,
        dispatched_unit: None,
        repeats: 0,
        last_time: NOW - 300,
        notes: Default::default(),
        closure: None,
    };
    let route = vec![[lon - 0.003, lat - 0.0025], [lon + 0.003, lat - 0.0025]];
    // The fresh unit drove north to where it is now: its trail shows behind it.
    let mut earlier = units.clone();
    if let Some(f) = earlier[0].last_fix.as_mut() {
        f.lat -= 0.0012;
        f.time -= 5_000;
    }
    let image = render(&view, |live| {
        live.update_units(&earlier, &[0], None);
        live.update_units(&units, &[0, 1, 2], None);
        live.update_alarms(std::slice::from_ref(&alarm), &[0], None, |_| true);
        live.set_routes(std::slice::from_ref(&route));
    });
    image.write_png(&std::env::temp_dir().join("pantau-live-units.png")).expect("png");
    assert!(
        close(pixel_at(&image, &view, lon - 0.002, lat), rgb3(unit_colour(UnitStatus::Available)), 8),
        "available unit"
    );
    assert!(
        close(pixel_at(&image, &view, lon, lat + 0.0015), rgb3(unit_colour(UnitStatus::Dispatched)), 8),
        "dispatched unit"
    );
    let grey = pixel_at(&image, &view, lon + 0.002, lat);
    assert!(
        grey[0].abs_diff(grey[1]) < 12 && grey[1].abs_diff(grey[2]) < 12 && grey[1] < 200,
        "stale unit greyed: {grey:?}"
    );
    // The alarm: red around a white core (the pixel 6 px from the centre).
    let (ax, ay) = view.lonlat_to_screen(lon, lat - 0.0015);
    let red = image.pixel(ax.round() as u32 + 6, ay.round() as u32);
    assert!(red[0] > 180 && red[1] < 80 && red[2] < 90, "raised alarm pin: {red:?}");
    // The trail between the fresh unit's two fixes: the trail colour half-way.
    let trail = pixel_at(&image, &view, lon - 0.002, lat - 0.0006);
    assert!(trail[2] > trail[0] + 20 && trail[0].abs_diff(trail[1]) < 8, "trail: {trail:?}");
    // The route: blue along its middle.
    let blue = pixel_at(&image, &view, lon + 0.001, lat - 0.0025);
    assert!(blue[2] > 150 && blue[0] < 90, "route: {blue:?}");
}

#[test]
fn cameras_congestion_and_zones() {
    let cameras = load_cameras(&demo_city().cameras).expect("cameras");
    let camera: Camera = cameras.iter().find(|c| !c.ptz && c.range >= 80.0).cloned().expect("a fixed camera");
    let view = View::new(camera.lon, camera.lat, 17.0, 600, 400);
    // A point 40 m along the camera's direction, and one 40 m behind it.
    let toward = |metres: f64| {
        let d = f64::from(camera.direction.expect("the demo's fixed cameras say where they look")).to_radians();
        (
            camera.lon + metres * d.sin() / (111_320.0 * camera.lat.to_radians().cos()),
            camera.lat + metres * d.cos() / 110_540.0,
        )
    };
    let (seen, behind) = (toward(40.0), toward(-40.0));
    let without = render(&view, |_| {});
    let with = render(&view, |live| live.set_cameras(std::slice::from_ref(&camera)));
    let (a, b) = (pixel_at(&without, &view, seen.0, seen.1), pixel_at(&with, &view, seen.0, seen.1));
    assert!(b[2] > a[2] && b[0] + 20 < a[0], "the sector tints blue where the camera sees: {a:?} -> {b:?}");
    assert_eq!(
        pixel_at(&without, &view, behind.0, behind.1),
        pixel_at(&with, &view, behind.0, behind.1),
        "nothing behind it"
    );

    // A jammed road direction: red just to the left of travel (traffic keeps left).
    let graph = RoadGraph::from_archive(&Archive::open(&demo_city().map).expect("map")).expect("graph");
    let ends: Vec<(u32, u32)> = graph.edges().map(|(from, e)| (from, e.to)).collect();
    let (id, (from, to)) = ends
        .iter()
        .copied()
        .enumerate()
        .find(|(_, (f, t))| {
            let (p, q) = (graph.nodes[*f as usize], graph.nodes[*t as usize]);
            (p[0] - q[0]).abs() > 0.0015 && (p[1] - q[1]).abs() < 0.0002
        })
        .expect("an east-west edge of at least 150 m");
    let (p, q) = (graph.nodes[from as usize], graph.nodes[to as usize]);
    let mid = ((p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0);
    let view = View::new(mid.0, mid.1, 17.0, 400, 300);
    let image = render(&view, |live| live.update_congestion(&graph, &ends, &[(id as u32, 5.0, Level::Jammed)]));
    let (mx, my) = view.lonlat_to_screen(mid.0, mid.1);
    // Travelling east the left is north (up the screen); travelling west, south.
    let side = if q[0] > p[0] { -3.0 } else { 3.0 };
    let jam = image.pixel(mx.round() as u32, (my + side).round() as u32);
    assert!(jam[0] > 150 && jam[1] < 60, "jammed direction drawn red: {jam:?}");
    let other = image.pixel(mx.round() as u32, (my - side * 3.0).round() as u32);
    assert!(!(other[0] > 150 && other[1] < 60), "the opposite direction is not: {other:?}");

    // Zones: a translucent fill, stronger on the highlighted zone.
    let zones = ZoneIndex::new(load_zones(&demo_city().zones).expect("zones"));
    let centre_quarter = zones.zones().iter().position(|z| z.level == 7).expect("a kelurahan");
    let view = View::new(demo::CENTRE.0 + 0.004, demo::CENTRE.1 + 0.004, 15.0, 300, 200);
    let plain = render(&view, |live| {
        live.set_zones(&zones);
        live.style.visible[LayerId::Zones as usize] = false;
    });
    let filled = render(&view, |live| live.set_zones(&zones));
    let highlighted = render(&view, |live| {
        live.set_zones(&zones);
        live.highlight_zone = Some(centre_quarter as u32);
    });
    let at = |image: &Image| image.pixel(150, 100);
    assert_ne!(at(&plain), at(&filled), "zone fill drawn");
    assert_ne!(at(&filled), at(&highlighted), "highlighted zone drawn stronger");
}

/// Renders the Jakarta map (roads and kelurahan, names on) with `names` placed over it.
fn render_jakarta(view: &View, names: Vec<WorldLabel>, shown: bool) -> Image {
    let gpu = gpu();
    let mut map = MapLayer::new(&gpu, TARGET_FORMAT, jakarta(), Theme::builtin(ThemeName::Day)).expect("map");
    map.set_world_labels(names);
    map.show_world_labels(shown);
    render_image_with(&gpu, &mut map, None, view).expect("render")
}

#[test]
fn zone_file_names_drawn_once() {
    // The Jakarta map names its kelurahan but knows nothing of kecamatan.
    let kecamatan = load_zones(&data("jakarta/kecamatan_2025.geojson")).expect("kecamatan");
    let kelurahan = load_zones(&data("jakarta/kelurahan_2025.geojson")).expect("kelurahan");
    let gambir = zone_names(&kecamatan).into_iter().find(|l| l.text == "Gambir").expect("Gambir named");
    let (lon, lat) = pantau::crs::world_to_lonlat(gambir.world[0], gambir.world[1]);
    let view = View::new(lon, lat, 14.0, 700, 500);
    let map_only = render_jakarta(&view, Vec::new(), true);
    let with_kecamatan = render_jakarta(&view, zone_names(&kecamatan), true);
    let with_kelurahan = render_jakarta(&view, zone_names(&kelurahan), true);
    let hidden = render_jakarta(&view, zone_names(&kecamatan), false);
    let out = std::env::temp_dir().join("pantau-zone-names.png");
    with_kecamatan.write_png(&out).expect("png");

    // "Gambir" is written across its anchor in the district colour, where the map had none.
    let district = rgb(Theme::builtin(ThemeName::Day).district_text);
    let around: Vec<(f64, f64)> = (-40..=40)
        .flat_map(|dx| (-8..=8).map(move |dy| (f64::from(dx), f64::from(dy))))
        .map(|(dx, dy)| view.screen_to_world(350.0 + dx, 250.0 + dy))
        .map(|(wx, wy)| pantau::crs::world_to_lonlat(wx, wy))
        .collect();
    let before = count_matching(&map_only, &view, &around, district, 40);
    let after = count_matching(&with_kecamatan, &view, &around, district, 40);
    assert!(after > before + 40, "kecamatan name drawn ({before} -> {after} text pixels), see {}", out.display());
    // The kelurahan names are the map's own: placed again, they are not doubled.
    assert!(same_picture(&map_only, &with_kelurahan), "names the map already shows are not drawn twice");
    // Hidden with their layer.
    assert!(same_picture(&map_only, &hidden), "hidden names not drawn");
}

/// The same picture, but for rounding: a road name's glyphs sit wherever the glyph atlas put
/// them in the frames drawn before (which tiles arrived first), and sampling them elsewhere
/// in the atlas can move an edge pixel by a level or two. A name drawn twice or not at all
/// moves hundreds of pixels by far more.
fn same_picture(a: &Image, b: &Image) -> bool {
    a.rgba.len() == b.rgba.len() && a.rgba.iter().zip(&b.rgba).all(|(x, y)| x.abs_diff(*y) <= 8)
}

/// Drive-time coverage from one unit at the centre, one minute: the roads around it drawn in
/// the covered colour, the roads beyond in the gap colour; hidden unless switched on.
#[test]
fn coverage_draws_reached_roads_and_gaps() {
    use pantau::spatial::coverage::Coverage;
    use pantau::spatial::dispatch::Router;
    let router = Router::new(RoadGraph::from_archive(&Archive::open(&demo_city().map).expect("map")).expect("graph"));
    let graph = router.graph();
    let mut coverage = Coverage::new(graph, 0, |_, _| Vec::new(), 60.0);
    coverage.set_sources([(0, router.snap(demo::CENTRE.0, demo::CENTRE.1))]);
    let view = View::new(demo::CENTRE.0, demo::CENTRE.1, 15.0, 600, 400);
    let palette = pantau::render::style::Palette::builtin(ThemeName::Day);
    let count = |image: &Image, colour: [f32; 4]| {
        let want = rgb(colour);
        (0..600)
            .flat_map(|x| (0..400).map(move |y| (x, y)))
            .filter(|&(x, y)| close(image.pixel(x, y), want, 40))
            .count()
    };
    let hidden = render(&view, |live| live.update_coverage(graph, coverage.pieces()));
    let shown = render(&view, |live| {
        live.update_coverage(graph, coverage.pieces());
        live.style.visible[LayerId::Coverage as usize] = true;
    });
    std::fs::create_dir_all("target/ui").expect("target/ui");
    shown.write_png(std::path::Path::new("target/ui/coverage-layer.png")).expect("save");
    let (gap, covered) = (count(&shown, palette.coverage_gap), count(&shown, palette.coverage_covered));
    assert!(gap > 2_000, "roads out of reach in the gap colour: {gap} pixels");
    assert!(covered > 100, "roads within a minute in the covered colour: {covered} pixels");
    assert!(count(&hidden, palette.coverage_gap) < gap / 20, "hidden until switched on");
    // The unit's own spot is covered, not a gap.
    let (x, y) = view.lonlat_to_screen(demo::CENTRE.0, demo::CENTRE.1);
    let near: Vec<[u8; 4]> = (-6..=6)
        .flat_map(|dx| (-6..=6).map(move |dy| (dx, dy)))
        .map(|(dx, dy)| shown.pixel((x + dx as f64) as u32, (y + dy as f64) as u32))
        .collect();
    assert!(!near.iter().any(|p| close(*p, rgb(palette.coverage_gap), 40)), "no gap where the unit stands");
}
