//! Offscreen rendering: draw a view into a texture, read it back, write a PNG. The same
//! `MapLayer` draws the window; this target serves `pantau render`, tests and benchmarks.

use std::path::Path;

use anyhow::{anyhow, Context, Result};

use super::gpu::Gpu;
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
        let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), self.width, self.height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
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
    mut live: Option<(&mut LiveLayers, crate::model::Millis)>,
    view: &View,
) -> Result<Image> {
    layer.load_all(gpu, view)?;
    if let Some((live, now)) = &mut live {
        live.prepare(&gpu.device, &gpu.queue, view, *now);
    }
    let (width, height) = (view.width, view.height);
    let texture = target_texture(&gpu.device, "offscreen map", (width, height), wgpu::TextureUsages::COPY_SRC, &[]);
    let target = texture.create_view(&wgpu::TextureViewDescriptor::default());
    let padded_row = (width * 4).div_ceil(256) * 256;
    let readback = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("readback"),
        size: u64::from(padded_row) * u64::from(height),
        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
        mapped_at_creation: false,
    });
    let mut encoder = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("offscreen") });
    draw(layer, live.as_ref().map(|(l, _)| &**l), &mut encoder, &target);
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

/// Records one frame of the map (and the live layers over it) into `target`, clearing to the
/// theme's background.
pub fn draw(
    layer: &MapLayer,
    live: Option<&LiveLayers>,
    encoder: &mut wgpu::CommandEncoder,
    target: &wgpu::TextureView,
) {
    let [r, g, b, a] = layer.theme().background.map(f64::from);
    let mut pass = clear_pass(encoder, target, wgpu::Color { r, g, b, a });
    layer.render(&mut pass);
    if let Some(live) = live {
        live.render(&mut pass);
    }
}

/// A texture in [`TARGET_FORMAT`] to draw into, usable also as `extra` says, viewable as
/// `view_formats` besides its own.
pub fn target_texture(
    device: &wgpu::Device,
    label: &str,
    (width, height): (u32, u32),
    extra: wgpu::TextureUsages,
    view_formats: &[wgpu::TextureFormat],
) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: TARGET_FORMAT,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | extra,
        view_formats,
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
