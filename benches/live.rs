//! Live layers on the GPU: the CPU cost of a frame where 10,000 of 100,000 units moved
//! (persistent slot buffers, only changed slots written; baseline: rewriting all 100,000), and
//! a whole headless frame of 50,000 units drawn by the live layers against the same units drawn
//! as egui shapes (built, tessellated, uploaded and drawn every frame, as egui does).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use eframe::egui;
use eframe::egui_wgpu;
use pantau::model::{Fix, Unit, UnitKind, UnitStatus};
use pantau::render::live::unit_colour;
use pantau::render::{headless, Frame, Gpu, Layer, LiveLayers, View, TARGET_FORMAT};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const NOW: i64 = 1_800_000_000_000;
const CENTRE: (f64, f64) = (109.0, -5.2);

fn units(n: usize, rng: &mut ChaCha8Rng) -> Vec<Unit> {
    let statuses = [UnitStatus::Available, UnitStatus::Dispatched, UnitStatus::EnRoute, UnitStatus::OffDuty];
    (0..n)
        .map(|i| Unit {
            id: format!("u{i}"),
            callsign: format!("U{i}"),
            kind: UnitKind::Sabhara,
            status: statuses[i % 4],
            home_station: None,
            last_fix: Some(Fix {
                time: NOW,
                lon: CENTRE.0 + rng.random_range(-0.07..0.07),
                lat: CENTRE.1 + rng.random_range(-0.07..0.07),
                speed: Some(8.0),
                heading: Some(rng.random_range(0.0..360.0)),
                accuracy: None,
            }),
        })
        .collect()
}

/// New fixes for the units in `moved`, replacing each whole fix as applying a position event
/// to the world does.
fn apply_fixes(all: &mut [Unit], moved: &[u32], step: f64) {
    for &slot in moved {
        let unit = &mut all[slot as usize];
        if let Some(f) = unit.last_fix {
            unit.last_fix = Some(Fix { time: f.time + 1000, lon: f.lon + step, ..f });
        }
    }
}

fn gpu() -> Gpu {
    let dir = std::env::temp_dir().join("pantau-bench-runtime");
    std::fs::create_dir_all(&dir).expect("runtime dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    }
    std::env::set_var("XDG_RUNTIME_DIR", dir);
    Gpu::headless().expect("adapter")
}

fn bench_moves(c: &mut Criterion) {
    let gpu = gpu();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let all = std::cell::RefCell::new(units(100_000, &mut rng));
    let count = all.borrow().len() as u32;
    let frame = Frame::new(View::new(CENTRE.0, CENTRE.1, 12.0, 1920, 1080), NOW);
    let mut live = LiveLayers::new(&gpu.device, TARGET_FORMAT, CENTRE, NOW);
    let every: Vec<u32> = (0..count).collect();
    live.update_units(&all.borrow(), &every, None);
    live.prepare(&gpu, &frame);
    let mut g = c.benchmark_group("live_units_100k");
    g.bench_function("frame_prepare_10k_moved", |b| {
        b.iter_batched(
            || {
                let moved: Vec<u32> = (0..10_000).map(|_| rng.random_range(0..count)).collect();
                apply_fixes(&mut all.borrow_mut(), &moved, 0.0001);
                moved
            },
            |mut moved| {
                // As the desk hands change sets over: sorted, each slot once.
                moved.sort_unstable();
                moved.dedup();
                live.update_units(&all.borrow(), &moved, None);
                live.prepare(&gpu, &frame);
                let written = live.uploaded_bytes();
                // A frame hands its writes to the GPU with its commands.
                gpu.queue.submit([]);
                written
            },
            // Each frame right after its batch was applied to the world, as at a desk.
            BatchSize::PerIteration,
        )
    });
    // The same without handing anything to the GPU: the CPU side of the layers alone.
    g.bench_function("update_units_only_10k_moved", |b| {
        b.iter_batched(
            || {
                let mut moved: Vec<u32> = (0..10_000).map(|_| rng.random_range(0..count)).collect();
                apply_fixes(&mut all.borrow_mut(), &moved, -0.0001);
                moved.sort_unstable();
                moved.dedup();
                moved
            },
            |moved| live.update_units(&all.borrow(), &moved, None),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("frame_prepare_all_100k_rewritten", |b| {
        b.iter(|| {
            for u in all.borrow_mut().iter_mut() {
                if let Some(f) = u.last_fix.as_mut() {
                    f.time += 1000;
                }
            }
            live.update_units(&all.borrow(), &every, None);
            live.prepare(&gpu, &frame);
            let written = live.uploaded_bytes();
            gpu.queue.submit([]);
            written
        })
    });
    g.finish();
}

struct Target {
    texture: wgpu::Texture,
    view: wgpu::TextureView,
}

fn target(gpu: &Gpu, width: u32, height: u32) -> Target {
    let texture = headless::target_texture(&gpu.device, "bench target", (width, height), wgpu::TextureUsages::empty());
    let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
    Target { texture, view }
}

fn pass<'e>(encoder: &'e mut wgpu::CommandEncoder, target: &Target) -> wgpu::RenderPass<'e> {
    headless::clear_pass(encoder, &target.view, wgpu::Color::WHITE)
}

fn finish(gpu: &Gpu, encoder: wgpu::CommandEncoder) {
    gpu.queue.submit([encoder.finish()]);
    let _ = gpu.device.poll(wgpu::PollType::Wait { submission_index: None, timeout: None });
}

fn bench_frame(c: &mut Criterion) {
    let gpu = gpu();
    let (width, height) = (1280, 800);
    let target = target(&gpu, width, height);
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let all = units(50_000, &mut rng);
    let view = View::new(CENTRE.0, CENTRE.1, 12.0, width, height);
    let mut live = LiveLayers::new(&gpu.device, TARGET_FORMAT, CENTRE, NOW);
    live.update_units(&all, &(0..all.len() as u32).collect::<Vec<_>>(), None);
    let mut g = c.benchmark_group("frame_50k_units");
    g.sample_size(10);
    let frame = Frame::new(view, NOW);
    g.bench_function("live_layers_instanced", |b| {
        b.iter(|| {
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            headless::draw(&gpu, &frame, &mut [&mut live], wgpu::Color::WHITE, &mut encoder, &target.view);
            finish(&gpu, encoder);
        })
    });
    // The same units as egui shapes: a disc with an outline each, rebuilt every frame.
    let ctx = egui::Context::default();
    let mut renderer = egui_wgpu::Renderer::new(&gpu.device, TARGET_FORMAT, egui_wgpu::RendererOptions::default());
    let screen = egui_wgpu::ScreenDescriptor { size_in_pixels: [width, height], pixels_per_point: 1.0 };
    let points: Vec<(egui::Pos2, egui::Color32)> = all
        .iter()
        .filter_map(|u| {
            let f = u.last_fix?;
            let (x, y) = view.lonlat_to_screen(f.lon, f.lat);
            let [r, g, b, _] = unit_colour(u.status);
            Some((egui::pos2(x as f32, y as f32), egui::Color32::from_rgb(r, g, b)))
        })
        .collect();
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(width as f32, height as f32))),
        ..Default::default()
    };
    g.bench_function("egui_shapes_every_frame", |b| {
        b.iter(|| {
            let output = ctx.run_ui(input(), |ui| {
                let painter = ui.painter();
                for (p, colour) in &points {
                    painter.circle(*p, 7.0, *colour, egui::Stroke::new(1.5, egui::Color32::WHITE));
                }
            });
            for (id, deltas) in &output.textures_delta.set {
                for delta in deltas {
                    renderer.update_texture(&gpu.device, &gpu.queue, *id, delta);
                }
            }
            let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            let extra = renderer.update_buffers(&gpu.device, &gpu.queue, &mut encoder, &primitives, &screen);
            renderer.render(&mut pass(&mut encoder, &target).forget_lifetime(), &primitives, &screen);
            gpu.queue.submit(extra);
            finish(&gpu, encoder);
        })
    });
    g.finish();
    drop(target.texture);
}

criterion_group!(benches, bench_moves, bench_frame);
criterion_main!(benches);
