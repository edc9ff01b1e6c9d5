//! Base map benchmarks on the real Jakarta data: import, per-tile decode + tessellation, and
//! the CPU and lavapipe cost of a 1920x1080 frame. Each group carries a baseline measured in
//! the same run, so results are read as ratios on a noisy machine (see BENCHMARKS.md).

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use geozero::mvt::{Message, Tile};
use pantau::basemap::mesh::MeshBuilder;
use pantau::basemap::{import, source, Archive, ImportOptions};
use pantau::crs::{lonlat_to_world, TileId};
use pantau::render::{headless, render_image, Frame, Gpu, MapLayer, Theme, ThemeName, View, TARGET_FORMAT};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(rel)
}

fn jakarta_inputs() -> Vec<PathBuf> {
    vec![data("jakarta/jakarta_roads.shp"), data("jakarta/kelurahan_2025.geojson")]
}

fn import_to(out: &Path) {
    import(&ImportOptions {
        inputs: jakarta_inputs(),
        out: out.to_path_buf(),
        min_zoom: 8,
        max_zoom: 16,
        name: Some("jakarta".into()),
        attribution: Some("© OpenStreetMap contributors".into()),
        progress: false,
    })
    .expect("import");
}

fn bench_import(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("jakarta.pmtiles");
    let mut g = c.benchmark_group("import_jakarta");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    // Baseline: only reading the two files (Shapefile + GeoJSON parsing).
    g.bench_function("read_inputs_only", |b| {
        b.iter(|| jakarta_inputs().iter().map(|p| source::read(p).expect("read").len()).sum::<usize>())
    });
    g.bench_function("full_import_z8_16", |b| b.iter(|| import_to(&out)));
    g.finish();
}

/// The demo city: the plan and placements alone (baseline), and the whole write (archive and
/// layer files) that first use waits for (target: under 2 s).
fn bench_demo(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut g = c.benchmark_group("demo_city");
    g.sample_size(10);
    g.bench_function("generate_plan_only", |b| b.iter(|| pantau::demo::generate(1).plan.roads.len()));
    g.bench_function("generate_and_write_all", |b| b.iter(|| pantau::demo::write(1, dir.path()).expect("demo")));
    g.finish();
}

/// Every z14 tile of the Jakarta archive, and the one holding Monas (dense city centre).
type EncodedTile = (TileId, Vec<u8>);

fn z14_tiles(archive: &Archive) -> (Vec<EncodedTile>, EncodedTile) {
    let (w, s, e, n) = archive.header.bounds;
    let (x0, y0) = lonlat_to_world(w, n);
    let (x1, y1) = lonlat_to_world(e, s);
    let tiles: Vec<EncodedTile> = pantau::crs::TileRange::covering(14, x0, y0, x1, y1)
        .iter()
        .filter_map(|id| archive.tile(id).expect("tile").map(|b| (id, b)))
        .collect();
    let (mx, my) = lonlat_to_world(106.8272, -6.1754);
    let monas = TileId::containing(14, mx, my);
    let centre = tiles.iter().find(|(id, _)| *id == monas).cloned().expect("Monas tile");
    (tiles, centre)
}

fn bench_tiles(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("jakarta.pmtiles");
    import_to(&path);
    let archive = Archive::open(&path).expect("open");
    let (all, (centre_id, centre)) = z14_tiles(&archive);
    let mut g = c.benchmark_group("tile_z14");
    g.bench_function("protobuf_decode_only_monas", |b| b.iter(|| Tile::decode(centre.as_slice()).expect("decode")));
    let mut builder = MeshBuilder::default();
    g.bench_function("decode_tessellate_monas", |b| b.iter(|| builder.build(centre_id, &centre).expect("mesh")));
    g.sample_size(10);
    let count = all.len();
    g.bench_function(format!("decode_tessellate_all_{count}_tiles"), |b| {
        b.iter(|| all.iter().map(|(id, bytes)| builder.build(*id, bytes).expect("mesh").segments.len()).sum::<usize>())
    });
    g.finish();
}

/// The render thread's CPU work for one frame: prepare, then record every draw (no GPU wait).
fn record_frame(gpu: &Gpu, layer: &mut MapLayer, view: &View, target: &wgpu::TextureView) -> wgpu::CommandBuffer {
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let clear = layer.clear_colour();
    // The map does not animate: any clock will do.
    headless::draw(gpu, &Frame::new(*view, 0), &mut [layer], clear, &mut encoder, target);
    encoder.finish()
}

fn bench_frames(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("jakarta.pmtiles");
    import_to(&path);
    let gpu = Gpu::headless().expect("gpu");
    eprintln!("adapter: {}", gpu.describe());
    let mut g = c.benchmark_group("frame_1920x1080");
    g.sample_size(20);
    for zoom in [13.0, 16.0] {
        let view = View::new(106.8272, -6.1900, zoom, 1920, 1080);
        let mut layer = MapLayer::new(&gpu, TARGET_FORMAT, &path, Theme::builtin(ThemeName::Day)).expect("layer");
        let _ = render_image(&gpu, &mut layer, &view).expect("warm the tile cache");
        let target = headless::target_texture(&gpu.device, "bench target", (1920, 1080), wgpu::TextureUsages::empty());
        let target = target.create_view(&Default::default());
        // CPU: choose tiles, write uniforms, place labels, record the draws.
        g.bench_function(format!("cpu_prepare_z{zoom}"), |b| b.iter(|| record_frame(&gpu, &mut layer, &view, &target)));
        // The same without labels: the label share of the CPU cost.
        layer.set_labels(false);
        g.bench_function(format!("cpu_prepare_no_labels_z{zoom}"), |b| {
            b.iter(|| record_frame(&gpu, &mut layer, &view, &target))
        });
        layer.set_labels(true);
        // Panning: the view moves a pixel every frame (back and forth, so the same tiles stay
        // cached), so every label moves and is laid out and uploaded again.
        let mut panned = view;
        let mut step = 1.0 / view.world_px();
        g.bench_function(format!("cpu_prepare_panning_z{zoom}"), |b| {
            b.iter(|| {
                panned.center.0 += step;
                step = -step;
                record_frame(&gpu, &mut layer, &panned, &target)
            })
        });
        // Whole frame on lavapipe: prepare, draw, submit, wait.
        g.bench_function(format!("lavapipe_frame_z{zoom}"), |b| {
            b.iter(|| {
                gpu.queue.submit([record_frame(&gpu, &mut layer, &view, &target)]);
                gpu.device.poll(wgpu::PollType::Wait { submission_index: None, timeout: None }).expect("poll");
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_import, bench_tiles, bench_frames, bench_demo);
criterion_main!(benches);
