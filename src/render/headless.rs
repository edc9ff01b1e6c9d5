//! Offscreen rendering: a frame of [`Layer`]s drawn into a texture ([`draw`]), read back as an
//! [`Image`] and written as a PNG. The window draws its map viewports with the same `draw`;
//! pictures serve `pantau render`, tests and benchmarks.

use std::path::Path;

use anyhow::{anyhow, Context, Result};

use super::gpu::Gpu;
use super::layer::{Frame, Layer};
use super::live::LiveLayers;
use super::map::MapLayer;
use super::view::View;

/// Colour format of offscreen targets (sRGB values written as they are, like the web).
pub const TARGET_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

/// An RGBA8 picture, rows top to bottom.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl Image {
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * self.width + x) * 4) as usize;
        [self.rgba[i], self.rgba[i + 1], self.rgba[i + 2], self.rgba[i + 3]]
    }

    pub fn write_png(&self, path: &Path) -> Result<()> {
        self.write_png_with_text(path, &[])
    }

    /// The PNG with `text` as its text chunks (keyword, text), e.g. what it was made from.
    pub fn write_png_with_text(&self, path: &Path, text: &[(&str, String)]) -> Result<()> {
        let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), self.width, self.height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        for (keyword, words) in text {
            encoder
                .add_text_chunk(keyword.to_string(), words.clone())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        let mut writer = encoder.write_header().with_context(|| format!("cannot write {}", path.display()))?;
        writer.write_image_data(&self.rgba).with_context(|| format!("cannot write {}", path.display()))?;
        writer.finish().with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }

    pub fn read_png(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
        let mut reader = decoder.read_info().with_context(|| format!("{}: not a PNG", path.display()))?;
        let mut rgba = vec![0; reader.output_buffer_size().unwrap_or(0)];
        let info = reader.next_frame(&mut rgba).with_context(|| format!("{}: bad PNG data", path.display()))?;
        rgba.truncate(info.buffer_size());
        anyhow::ensure!(info.color_type == png::ColorType::Rgba, "{}: expected RGBA", path.display());
        Ok(Self { width: info.width, height: info.height, rgba })
    }
}

/// Renders one complete frame (every tile loaded) and reads it back.
pub fn render_image(gpu: &Gpu, layer: &mut MapLayer, view: &View) -> Result<Image> {
    render_image_with(gpu, layer, None, view)
}

/// The same with the live layers drawn over the map, as they stand at their clock's `now`.
pub fn render_image_with(
    gpu: &Gpu,
    layer: &mut MapLayer,
    live: Option<(&mut LiveLayers, crate::model::Millis)>,
    view: &View,
) -> Result<Image> {
    let clear = layer.clear_colour();
    let (live, now) = match live {
        Some((live, now)) => (Some(live), now),
        // The map alone does not animate.
        None => (None, 0),
    };
    let mut layers: Vec<&mut dyn Layer> = Vec::with_capacity(2);
    layers.push(layer);
    if let Some(live) = live {
        layers.push(live);
    }
    render_layers(gpu, &mut layers, clear, &Frame::new(*view, now))
}

/// Renders `layers` (bottom first) over `clear` as one complete frame ([`Layer::prepare_complete`],
/// so every tile is loaded) of the frame's view size, and reads it back.
pub fn render_layers(gpu: &Gpu, layers: &mut [&mut dyn Layer], clear: wgpu::Color, frame: &Frame) -> Result<Image> {
    for layer in layers.iter_mut() {
        layer.prepare_complete(gpu, frame)?;
    }
    let (width, height) = (frame.view.width, frame.view.height);
    let texture = target_texture(&gpu.device, "offscreen map", (width, height), wgpu::TextureUsages::COPY_SRC);
    let target = texture.create_view(&wgpu::TextureViewDescriptor::default());
    let padded_row = (width * 4).div_ceil(256) * 256;
    let readback = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("readback"),
        size: u64::from(padded_row) * u64::from(height),
        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
        mapped_at_creation: false,
    });
    let mut encoder = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("offscreen") });
    record(layers, clear, &mut encoder, &target);
    encoder.copy_texture_to_buffer(
        texture.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &readback,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded_row),
                rows_per_image: Some(height),
            },
        },
        wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
    );
    gpu.queue.submit([encoder.finish()]);
    let slice = readback.slice(..);
    slice.map_async(wgpu::MapMode::Read, |_| {});
    gpu.device
        .poll(wgpu::PollType::Wait { submission_index: None, timeout: None })
        .map_err(|e| anyhow!("the GPU did not finish: {e}"))?;
    let data = slice.get_mapped_range().map_err(|e| anyhow!("cannot read the frame back: {e:?}"))?;
    let mut rgba = Vec::with_capacity((width * height * 4) as usize);
    for row in data.chunks(padded_row as usize).take(height as usize) {
        rgba.extend_from_slice(&row[..(width * 4) as usize]);
    }
    Ok(Image { width, height, rgba })
}

/// One frame: prepares each of `layers` for `frame` (bottom first; nothing waits, so tiles
/// still loading show on a later frame), then records them in that order into `target`,
/// cleared to `clear` (the map's [`clear_colour`](MapLayer::clear_colour) under a map).
pub fn draw(
    gpu: &Gpu,
    frame: &Frame,
    layers: &mut [&mut dyn Layer],
    clear: wgpu::Color,
    encoder: &mut wgpu::CommandEncoder,
    target: &wgpu::TextureView,
) {
    for layer in layers.iter_mut() {
        layer.prepare(gpu, frame);
    }
    record(layers, clear, encoder, target);
}

/// Records prepared `layers`, bottom first, into `target` cleared to `clear`.
fn record(
    layers: &[&mut dyn Layer],
    clear: wgpu::Color,
    encoder: &mut wgpu::CommandEncoder,
    target: &wgpu::TextureView,
) {
    let mut pass = clear_pass(encoder, target, clear);
    for layer in layers {
        layer.render(&mut pass);
    }
}

/// A texture in [`TARGET_FORMAT`] to draw into, usable also as `extra` says, viewable as
/// `view_formats` besides its own.
pub fn target_texture(
    device: &wgpu::Device,
    label: &str,
    (width, height): (u32, u32),
    extra: wgpu::TextureUsages,
) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: TARGET_FORMAT,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | extra,
        view_formats: &[],
    })
}

/// A render pass into `target` that starts by clearing it to `colour`.
pub fn clear_pass<'e>(
    encoder: &'e mut wgpu::CommandEncoder,
    target: &wgpu::TextureView,
    colour: wgpu::Color,
) -> wgpu::RenderPass<'e> {
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some("frame"),
        color_attachments: &[Some(wgpu::RenderPassColorAttachment {
            view: target,
            depth_slice: None,
            resolve_target: None,
            ops: wgpu::Operations { load: wgpu::LoadOp::Clear(colour), store: wgpu::StoreOp::Store },
        })],
        depth_stencil_attachment: None,
        timestamp_writes: None,
        occlusion_query_set: None,
        multiview_mask: None,
    })
}
