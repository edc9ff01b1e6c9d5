//! Glyphs drawn turned, for names set along roads: each glyph is rasterised once (through the
//! label layer's font system) into a one-channel atlas packed by etagere, then drawn as a turned
//! quad (`shaders/turned_text.wgsl`): first a halo under every name, then the glyphs on top.

use rustc_hash::FxHashMap as HashMap;

use bytemuck::{Pod, Zeroable};
use etagere::{size2, AtlasAllocator};
use glyphon::{CacheKey, FontSystem, SwashCache, SwashContent};
use wgpu::util::DeviceExt;

use super::super::gpu::{assert_vertex_layout, blended_pipeline, Gpu, PipelineSpec};
use super::super::style::Rgba;

const ATLAS_SIZE: u32 = 1024;
/// Empty texels around each glyph in the atlas, room for the halo and for linear sampling.
const PAD: i32 = 3;

/// A glyph to draw: its rasterisation key, where its centre sits on screen, which way its
/// baseline runs, and where its pen origin is from that centre (in the glyph's own frame, y down).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TurnedGlyph {
    pub key: CacheKey,
    pub center: [f32; 2],
    pub angle: f32,
    pub pen: [f32; 2],
    pub color: Rgba,
}

/// A glyph's place in the atlas (padded) and its image's offset from the pen origin.
#[derive(Clone, Copy)]
struct AtlasGlyph {
    x: i32,
    y: i32,
    width: i32,
    height: i32,
    left: i32,
    top: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct GlyphVertex {
    pos: [f32; 2],
    uv: [f32; 2],
    color: [f32; 4],
}

const GLYPH_ATTRS: [wgpu::VertexAttribute; 3] =
    wgpu::vertex_attr_array![0 => Float32x2, 1 => Float32x2, 2 => Float32x4];
// Vertex inputs of `vs_glyph`: pos vec2<f32> @0 (8) + uv vec2<f32> @8 (8) + color vec4<f32> @16 (16) = 32.
assert_vertex_layout!(GlyphVertex, GLYPH_ATTRS, [pos, uv, color], pad 0);

// WGSL `TextGlobals`: screen vec2 @0 + atlas vec2 @8 + halo vec4 @16 = 32.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct TextGlobals {
    screen: [f32; 2],
    atlas: [f32; 2],
    halo: [f32; 4],
}

pub struct TurnedText {
    texture: wgpu::Texture,
    globals: wgpu::Buffer,
    group: wgpu::BindGroup,
    halo: wgpu::RenderPipeline,
    text: wgpu::RenderPipeline,
    vertices: Option<wgpu::Buffer>,
    vertex_count: u32,
    /// This frame's vertices, kept between frames so a frame allocates nothing.
    scratch: Vec<GlyphVertex>,
    allocator: AtlasAllocator,
    /// `None` for glyphs with no pixels (spaces).
    glyphs: HashMap<CacheKey, Option<AtlasGlyph>>,
}

impl TurnedText {
    pub fn new(gpu: &Gpu, format: wgpu::TextureFormat) -> Self {
        let device = &gpu.device;
        let texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("turned glyph atlas"),
            size: wgpu::Extent3d { width: ATLAS_SIZE, height: ATLAS_SIZE, depth_or_array_layers: 1 },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::R8Unorm,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("turned glyphs"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let globals = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("turned text globals"),
            size: size_of::<TextGlobals>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let fragment_and_vertex = wgpu::ShaderStages::VERTEX | wgpu::ShaderStages::FRAGMENT;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("turned text"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: fragment_and_vertex,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 2,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        });
        let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("turned text"),
            layout: &layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: globals.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: wgpu::BindingResource::TextureView(&view) },
                wgpu::BindGroupEntry { binding: 2, resource: wgpu::BindingResource::Sampler(&sampler) },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("turned text"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("turned text"),
            source: wgpu::ShaderSource::Wgsl(include_str!("../../../shaders/turned_text.wgsl").into()),
        });
        let build = |label: &str, halo: f64| {
            let buffer = wgpu::VertexBufferLayout {
                array_stride: size_of::<GlyphVertex>() as u64,
                step_mode: wgpu::VertexStepMode::Vertex,
                attributes: &GLYPH_ATTRS,
            };
            let spec = PipelineSpec {
                label,
                layout: &pipeline_layout,
                module: &module,
                vertex: "vs_glyph",
                fragment: "fs_glyph",
                buffer,
                constants: &[("HALO", halo)],
                format,
            };
            blended_pipeline(device, spec)
        };
        Self {
            texture,
            globals,
            group,
            halo: build("turned text halo", 1.0),
            text: build("turned text", 0.0),
            vertices: None,
            vertex_count: 0,
            scratch: Vec::new(),
            allocator: AtlasAllocator::new(size2(ATLAS_SIZE as i32, ATLAS_SIZE as i32)),
            glyphs: HashMap::default(),
        }
    }

    /// Rasterises what is missing from the atlas and uploads this frame's quads.
    pub fn prepare(
        &mut self,
        gpu: &Gpu,
        text: (&mut FontSystem, &mut SwashCache),
        screen: (u32, u32),
        halo: Rgba,
        glyphs: &[TurnedGlyph],
    ) {
        let (fonts, swash) = text;
        let globals = TextGlobals { screen: [screen.0 as f32, screen.1 as f32], atlas: [ATLAS_SIZE as f32; 2], halo };
        gpu.queue.write_buffer(&self.globals, 0, bytemuck::bytes_of(&globals));
        if !glyphs.iter().all(|g| self.ensure(gpu, fonts, swash, g.key)) {
            // The atlas is full: start it again with this frame's glyphs alone.
            self.allocator.clear();
            self.glyphs.clear();
            for g in glyphs {
                self.ensure(gpu, fonts, swash, g.key);
            }
        }
        let mut vertices = std::mem::take(&mut self.scratch);
        vertices.clear();
        vertices.extend(glyphs.iter().filter_map(|g| self.quad(g)).flatten());
        self.vertex_count = vertices.len() as u32;
        let fits = self.vertices.as_ref().is_some_and(|b| b.size() >= size_of_val(vertices.as_slice()) as u64);
        match &self.vertices {
            Some(buffer) if fits => gpu.queue.write_buffer(buffer, 0, bytemuck::cast_slice(&vertices)),
            _ if vertices.is_empty() => {}
            _ => {
                self.vertices = Some(gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("turned glyphs"),
                    contents: bytemuck::cast_slice(&vertices),
                    usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
                }));
            }
        }
        self.scratch = vertices;
    }

    /// Puts the glyph in the atlas unless it is there; false when the atlas has no room.
    fn ensure(&mut self, gpu: &Gpu, fonts: &mut FontSystem, swash: &mut SwashCache, key: CacheKey) -> bool {
        if self.glyphs.contains_key(&key) {
            return true;
        }
        let Some(image) = swash.get_image_uncached(fonts, key) else {
            self.glyphs.insert(key, None);
            return true;
        };
        let (width, height) = (image.placement.width as i32, image.placement.height as i32);
        if width == 0 || height == 0 {
            self.glyphs.insert(key, None);
            return true;
        }
        let (padded_w, padded_h) = (width + 2 * PAD, height + 2 * PAD);
        let Some(allocation) = self.allocator.allocate(size2(padded_w, padded_h)) else { return false };
        let (x, y) = (allocation.rectangle.min.x, allocation.rectangle.min.y);
        let coverage = coverage_of(&image.content, &image.data, (width * height) as usize);
        let mut texels = vec![0u8; (padded_w * padded_h) as usize];
        for row in 0..height {
            let to = ((row + PAD) * padded_w + PAD) as usize;
            let from = (row * width) as usize;
            texels[to..to + width as usize].copy_from_slice(&coverage[from..from + width as usize]);
        }
        gpu.queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &self.texture,
                mip_level: 0,
                origin: wgpu::Origin3d { x: x as u32, y: y as u32, z: 0 },
                aspect: wgpu::TextureAspect::All,
            },
            &texels,
            wgpu::TexelCopyBufferLayout { offset: 0, bytes_per_row: Some(padded_w as u32), rows_per_image: None },
            wgpu::Extent3d { width: padded_w as u32, height: padded_h as u32, depth_or_array_layers: 1 },
        );
        let (left, top) = (image.placement.left, image.placement.top);
        self.glyphs.insert(key, Some(AtlasGlyph { x, y, width: padded_w, height: padded_h, left, top }));
        true
    }

    /// The two triangles of a glyph, turned about its centre (none for a glyph without pixels).
    fn quad(&self, g: &TurnedGlyph) -> Option<[GlyphVertex; 6]> {
        let Some(Some(a)) = self.glyphs.get(&g.key) else { return None };
        let (sin, cos) = g.angle.sin_cos();
        let x0 = g.pen[0] + (a.left - PAD) as f32;
        let y0 = g.pen[1] - (a.top + PAD) as f32;
        let (x1, y1) = (x0 + a.width as f32, y0 + a.height as f32);
        let (u0, v0, u1, v1) = (a.x as f32, a.y as f32, (a.x + a.width) as f32, (a.y + a.height) as f32);
        let corner = |lx: f32, ly: f32, u: f32, v: f32| GlyphVertex {
            pos: [g.center[0] + lx * cos - ly * sin, g.center[1] + lx * sin + ly * cos],
            uv: [u, v],
            color: g.color,
        };
        let (tl, tr, br, bl) =
            (corner(x0, y0, u0, v0), corner(x1, y0, u1, v0), corner(x1, y1, u1, v1), corner(x0, y1, u0, v1));
        Some([tl, tr, br, tl, br, bl])
    }

    pub fn render(&self, pass: &mut wgpu::RenderPass<'_>) {
        let Some(buffer) = self.vertices.as_ref().filter(|_| self.vertex_count > 0) else { return };
        pass.set_bind_group(0, &self.group, &[]);
        pass.set_vertex_buffer(0, buffer.slice(..));
        for pipeline in [&self.halo, &self.text] {
            pass.set_pipeline(pipeline);
            pass.draw(0..self.vertex_count, 0..1);
        }
    }
}

/// One coverage byte per pixel, whatever the rasteriser returned (colour glyphs give their alpha).
fn coverage_of(content: &SwashContent, data: &[u8], pixels: usize) -> Vec<u8> {
    let channels = match content {
        SwashContent::Mask => 1,
        SwashContent::SubpixelMask | SwashContent::Color => 4,
    };
    let mut out: Vec<u8> = data.chunks_exact(channels).map(|px| px[channels - 1]).collect();
    out.resize(pixels, 0);
    out
}
