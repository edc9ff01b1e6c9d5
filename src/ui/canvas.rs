//! The map in the window: the foundation renderer's layers (base map, then live layers) draw
//! each map viewport into its own offscreen texture on eframe's wgpu device, and egui shows
//! that texture. The same `render::headless::draw` serves PNG export and tests.

use std::sync::Arc;

use anyhow::Result;
use eframe::egui;
use eframe::egui_wgpu;

use crate::model::Millis;
use crate::render::{self, Frame, Gpu, LiveLayers, MapLayer, Theme, View, TARGET_FORMAT};

/// An offscreen target registered with egui.
struct Target {
    texture: wgpu::Texture,
    id: egui::TextureId,
}

pub struct Canvas {
    gpu: Gpu,
    renderer: Arc<egui::mutex::RwLock<egui_wgpu::Renderer>>,
    pub map: MapLayer,
    pub live: LiveLayers,
    targets: Vec<Target>,
}

impl Canvas {
    pub fn new(state: &egui_wgpu::RenderState, map: &std::path::Path, theme: Theme, epoch: Millis) -> Result<Self> {
        let gpu = Gpu { adapter: state.adapter.clone(), device: state.device.clone(), queue: state.queue.clone() };
        let layer = MapLayer::new(&gpu, TARGET_FORMAT, map, theme)?;
        let (w, s, e, n) = layer.header.bounds;
        let live = LiveLayers::new(&gpu.device, TARGET_FORMAT, ((w + e) / 2.0, (s + n) / 2.0), epoch);
        Ok(Self { gpu, renderer: state.renderer.clone(), map: layer, live, targets: Vec::new() })
    }

    /// Renders `view` into viewport `index` (sized in physical pixels) and returns the texture
    /// to show.
    pub fn render(&mut self, index: usize, view: &View, now: Millis) -> egui::TextureId {
        let target = self.target(index, view.width, view.height);
        let Target { texture, id } = &self.targets[target];
        let draw_view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        let mut encoder =
            self.gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("map view") });
        let clear = self.map.clear_colour();
        let frame = Frame::new(*view, now);
        let layers: &mut [&mut dyn render::Layer] = &mut [&mut self.map, &mut self.live];
        render::headless::draw(&self.gpu, &frame, layers, clear, &mut encoder, &draw_view);
        self.gpu.queue.submit([encoder.finish()]);
        *id
    }

    /// The target for a viewport, made or resized to `width` x `height`.
    fn target(&mut self, index: usize, width: u32, height: u32) -> usize {
        let (width, height) = (width.max(1), height.max(1));
        let fits = self.targets.get(index).is_some_and(|t| t.texture.width() == width && t.texture.height() == height);
        if fits {
            return index;
        }
        // The map writes sRGB-encoded bytes, as it does into a PNG; egui takes a texture's
        // values as sRGB-encoded too, so it is shown through a plain view. (An sRGB view would
        // decode them once more on sampling, and the window would be darker than the PNG.)
        let texture = render::headless::target_texture(
            &self.gpu.device,
            "map viewport",
            (width, height),
            wgpu::TextureUsages::TEXTURE_BINDING,
        );
        let shown = texture.create_view(&wgpu::TextureViewDescriptor::default());
        let mut renderer = self.renderer.write();
        let device = &self.gpu.device;
        let id = match self.targets.get(index) {
            Some(old) => {
                renderer.update_egui_texture_from_wgpu_texture(device, &shown, wgpu::FilterMode::Linear, old.id);
                old.id
            }
            None => renderer.register_native_texture(device, &shown, wgpu::FilterMode::Linear),
        };
        let target = Target { texture, id };
        if index < self.targets.len() {
            self.targets[index] = target;
        } else {
            self.targets.push(target);
        }
        index.min(self.targets.len() - 1)
    }
}
