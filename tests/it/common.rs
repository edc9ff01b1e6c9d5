//! Shared helpers for integration tests: the real data in `../shared/data`, archives imported
//! once per test binary, and headless rendering.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pantau::basemap::{import, ImportOptions};
use pantau::render::{render_image, Gpu, Image, MapLayer, Theme, ThemeName, View, TARGET_FORMAT};

pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(rel)
}

/// This test process's folder for archives and files made once and shared by its tests, under
/// cargo's target/tmp (so `cargo clean` takes it). Statics are never dropped, so the folder
/// outlives the process; each new process removes those of processes no longer running.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-scratch");
        sweep_finished(&root);
        let dir = root.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    })
}

/// Removes the scratch folders of processes that have ended (Linux: no /proc entry).
fn sweep_finished(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        let pid = entry.file_name().to_string_lossy().parse::<u32>().ok();
        let ended =
            pid.is_some_and(|pid| Path::new("/proc/self").exists() && !Path::new(&format!("/proc/{pid}")).exists());
        if ended {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn import_once(
    cell: &'static OnceLock<PathBuf>,
    name: &str,
    inputs: &[&str],
    attribution: Option<&str>,
) -> &'static Path {
    cell.get_or_init(|| {
        let out = scratch().join(name);
        import(&ImportOptions {
            inputs: inputs.iter().map(|p| data(p)).collect(),
            out: out.clone(),
            min_zoom: 8,
            max_zoom: 16,
            name: None,
            attribution: attribution.map(str::to_string),
            progress: false,
        })
        .expect("import succeeds");
        out
    })
}

/// How long a step may wait for the hub, the writer or a frame before the test fails: long,
/// because a loaded two-core machine running every test at once can be many times slower than
/// an idle one (a hang still fails; speed is measured by the benchmarks).
pub const WAIT_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Jakarta roads (Shapefile) + 2025 kelurahan (GeoJSON).
pub fn jakarta() -> &'static Path {
    static CELL: OnceLock<PathBuf> = OnceLock::new();
    import_once(
        &CELL,
        "jakarta.pmtiles",
        &["jakarta/jakarta_roads.shp", "jakarta/kelurahan_2025.geojson"],
        Some("© OpenStreetMap contributors"),
    )
}

/// The demo city of seed 1, written once per test process.
pub fn demo_city() -> &'static pantau::demo::DemoFiles {
    static FILES: OnceLock<pantau::demo::DemoFiles> = OnceLock::new();
    FILES.get_or_init(|| pantau::demo::write(1, &scratch().join("demo-1")).expect("demo city written"))
}

/// Monaco OSM extract.
pub fn monaco() -> &'static Path {
    static CELL: OnceLock<PathBuf> = OnceLock::new();
    import_once(&CELL, "monaco.pmtiles", &["osm/monaco.osm.pbf"], None)
}

pub fn gpu() -> Gpu {
    std::env::set_var("XDG_RUNTIME_DIR", ensure_runtime_dir());
    Gpu::headless().expect("a wgpu adapter (lavapipe on CI)")
}

fn ensure_runtime_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("pantau-test-runtime");
    std::fs::create_dir_all(&dir).expect("runtime dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    }
    dir
}

/// Renders an archive headless at a view.
pub fn render(map: &Path, view: &View, theme: ThemeName) -> Image {
    render_with(map, view, theme, true)
}

/// Renders without names, for checking geometry colours that labels could cover.
pub fn render_unlabelled(map: &Path, view: &View, theme: ThemeName) -> Image {
    render_with(map, view, theme, false)
}

fn render_with(map: &Path, view: &View, theme: ThemeName, labels: bool) -> Image {
    let gpu = gpu();
    let mut layer = MapLayer::new(&gpu, TARGET_FORMAT, map, Theme::builtin(theme)).expect("map layer");
    layer.set_labels(labels);
    render_image(&gpu, &mut layer, view).expect("render")
}

/// The style colour of a slot as 8-bit RGB.
pub fn slot_rgb(theme: ThemeName, slot: &str) -> [u8; 3] {
    let t = Theme::builtin(theme);
    let id = pantau::basemap::mesh::slot(slot).expect("slot exists");
    rgb(t.slot(id).expect("slot styled").color)
}

pub fn rgb(c: [f32; 4]) -> [u8; 3] {
    [0, 1, 2].map(|i| (c[i] * 255.0).round() as u8)
}

pub fn close(a: [u8; 4], b: [u8; 3], tolerance: u8) -> bool {
    (0..3).all(|i| a[i].abs_diff(b[i]) <= tolerance)
}

/// How many of the given points (lon, lat) render within `tolerance` of `colour`.
pub fn count_matching(image: &Image, view: &View, points: &[(f64, f64)], colour: [u8; 3], tolerance: u8) -> usize {
    points
        .iter()
        .filter(|(lon, lat)| {
            let (x, y) = view.lonlat_to_screen(*lon, *lat);
            let (x, y) = (x.round() as u32, y.round() as u32);
            x < image.width && y < image.height && close(image.pixel(x, y), colour, tolerance)
        })
        .count()
}

/// Points along the segment a-b, excluding the ends.
pub fn along(a: (f64, f64), b: (f64, f64), n: usize) -> Vec<(f64, f64)> {
    (1..=n).map(|i| i as f64 / (n + 1) as f64).map(|t| (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)).collect()
}

/// Three enrolled demo units reporting near the demo city's centre (`first` is the first unit's
/// number), and a panic alarm from `site` going off beside them: what a desk test starts from.
pub fn units_and_alarm_near_centre(first: u32, site: &str) -> Vec<pantau::model::Event> {
    use pantau::model::{now_millis, Event, FeedKind, Fix};
    let now = now_millis();
    let (lon, lat) = pantau::demo::CENTRE;
    let fix = |dx: f64| Fix { time: now, lon: lon + dx, lat: lat + 0.002, speed: None, heading: None, accuracy: None };
    let mut events: Vec<Event> = (0..3)
        .map(|i| Event::Position {
            device: format!("demo-{:04}", first + i),
            fix: fix(0.003 * f64::from(i)),
            feed: FeedKind::Simulator,
        })
        .collect();
    events.push(Event::Alarm {
        device: site.into(),
        kind: "panic".into(),
        fix: Some(fix(0.001)),
        priority: 1,
        time: now,
        feed: FeedKind::AlarmApi,
        notes: pantau::model::AlarmNotes::default(),
    });
    events
}
