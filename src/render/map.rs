//! The base map layer: keeps uploaded tiles in an LRU cache, decides each frame which tiles to
//! draw (falling back to a loaded parent while children load), and draws fills, lines (casing
//! then fill, minor roads first) and point symbols in slot order across all tiles, so tile
//! edges never show.
//!
//! It is a [`Layer`]: `prepare` picks tiles, writes uniforms and places labels (on the CPU),
//! `render` records the draws into a render pass. The uniform and vertex structs here are
//! checked at compile time against `shaders/common.wgsl` and the pipelines' vertex inputs.

use std::collections::BTreeSet;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Result};
use bytemuck::{Pod, Zeroable};
use lru::LruCache;
use wgpu::util::DeviceExt;

use super::gpu::{assert_vertex_layout, blended_pipeline, Gpu, PipelineSpec};
use super::labels::{LabelCandidateOnScreen, LabelLayer, TileToScreen};
use super::layer::{Frame, Layer};
use super::style::Theme;
use super::view::{tile_placement, View};
use crate::basemap::loader::TileLoader;
use crate::basemap::mesh::{is_road_slot, FillVertex, LabelCandidate, PointInstance, SegmentInstance, TileMesh, SLOTS};
use crate::basemap::{ArchiveHeader, Metadata};
use crate::crs::TileId;

/// Most tiles drawn in one frame (each needs a 256-byte placement slot).
const MAX_DRAWS: usize = 512;
/// Bytes between tile placements: the uniform offset alignment wgpu's default limits ask for.
const PLACEMENT_STRIDE: u64 = 256;
/// Entries of the slot style table (`array<Slot, 32>` in `shaders/common.wgsl`).
const SLOT_CAPACITY: usize = 32;
/// Uploaded tiles kept for reuse.
const CACHE_TILES: usize = 384;

/// `Globals` of `shaders/common.wgsl` (uniform).
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Globals {
    viewport: [f32; 2],
    rotation: [f32; 2],
    zoom: f32,
    time: f32,
    /// `_pad: vec2<f32>`: rounds the block up to 16 bytes.
    _pad: [f32; 2],
}

// WGSL `Globals`: viewport vec2<f32> @0 (8) + rotation vec2<f32> @8 (8) + zoom f32 @16 (4)
// + time f32 @20 (4) + _pad vec2<f32> @24 (8) = 32, struct alignment 8.
const _: () = assert!(size_of::<Globals>() == 32);
const _: () = assert!(std::mem::offset_of!(Globals, zoom) == 16);

/// `Slot` of `shaders/common.wgsl`: one entry of the slot style table (uniform array).
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct SlotGpu {
    color: [f32; 4],
    casing: [f32; 4],
    width: f32,
    casing_width: f32,
    /// `_pad: vec2<f32>`: WGSL would pad the struct to its 16-byte alignment anyway; Rust
    /// (bytemuck) needs the bytes spelled out.
    _pad: [f32; 2],
}

// WGSL `Slot`: color vec4<f32> @0 (16) + casing vec4<f32> @16 (16) + width f32 @32 (4)
// + casing_width f32 @36 (4) + _pad vec2<f32> @40 (8) = 48, struct alignment 16, so the
// array stride is 48 (a multiple of 16, as uniform arrays need) and the table 32 x 48 bytes.
const _: () = assert!(size_of::<SlotGpu>() == 48);
const _: () = assert!(std::mem::offset_of!(SlotGpu, width) == 32);
const _: () = assert!(SLOTS.len() <= SLOT_CAPACITY);

/// `TilePlacement` of `shaders/common.wgsl` (uniform, at a dynamic offset per tile).
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Placement {
    origin: [f32; 2],
    scale: f32,
    /// `_pad: f32`: WGSL would pad the struct to its 8-byte alignment anyway; the binding is
    /// this struct's size, so Rust spells the bytes out.
    _pad: f32,
}

// WGSL `TilePlacement`: origin vec2<f32> @0 (8) + scale f32 @8 (4) + _pad f32 @12 (4) = 16,
// struct alignment 8.
const _: () = assert!(size_of::<Placement>() == 16);
const _: () = assert!(size_of::<Placement>() as u64 <= PLACEMENT_STRIDE);

/// A tile's buffers on the GPU.
struct GpuTile {
    fill: Option<(wgpu::Buffer, wgpu::Buffer)>,
    fill_ranges: Vec<(u32, Range<u32>)>,
    segments: Option<wgpu::Buffer>,
    segment_ranges: Vec<(u32, Range<u32>)>,
    points: Option<(wgpu::Buffer, u32)>,
    labels: Vec<LabelCandidate>,
}

struct Pipelines {
    fill: wgpu::RenderPipeline,
    line: wgpu::RenderPipeline,
    casing: wgpu::RenderPipeline,
    point: wgpu::RenderPipeline,
}

/// A name anchored at a point of the world rather than in a tile (the names of zone files
/// loaded over the map). It competes with the map's own names for room, follows its slot's
/// label style, and is dropped where the map already shows the same name close by.
#[derive(Clone, Debug, PartialEq)]
pub struct WorldLabel {
    pub text: String,
    /// Web-Mercator world units (0..1), as the tiler places labels.
    pub world: [f64; 2],
    pub slot: u32,
}

/// What the last `prepare` decided.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameStats {
    pub wanted: usize,
    pub drawn: usize,
    pub missing: usize,
    pub labels: usize,
}

pub struct MapLayer {
    pipelines: Pipelines,
    globals: wgpu::Buffer,
    slots: wgpu::Buffer,
    globals_group: wgpu::BindGroup,
    placements: wgpu::Buffer,
    placement_group: wgpu::BindGroup,
    tiles: LruCache<TileId, GpuTile>,
    loader: TileLoader,
    pub header: ArchiveHeader,
    pub metadata: Metadata,
    theme: Theme,
    labels: LabelLayer,
    draws: Vec<TileId>,
    show_labels: bool,
    /// Map text size as a multiple of the style's (larger on a video wall).
    label_scale: f32,
    world_labels: Vec<WorldLabel>,
    show_world_labels: bool,
    /// What the labels were last placed for (view, tiles drawn, label settings' generation):
    /// a frame that changes none of them keeps the placement.
    labels_placed_for: Option<(View, Vec<TileId>, u64)>,
    /// Bumped by every change of a label setting.
    label_generation: u64,
    /// Which slots have a visible width this frame.
    visible_slots: Vec<bool>,
    stats: FrameStats,
    placement_scratch: Vec<u8>,
}

impl MapLayer {
    /// Opens the archive and builds the pipelines for a target of `format`.
    pub fn new(gpu: &Gpu, format: wgpu::TextureFormat, archive: &Path, theme: Theme) -> Result<Self> {
        let opened = crate::basemap::Archive::open(archive)?;
        let (header, metadata) = (opened.header, opened.metadata.clone());
        drop(opened);
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
        let loader = TileLoader::new(archive, threads)?;
        let device = &gpu.device;
        let globals = uniform_buffer(device, "globals", size_of::<Globals>() as u64);
        let slots = uniform_buffer(device, "slot styles", (size_of::<SlotGpu>() * SLOT_CAPACITY) as u64);
        let placements = uniform_buffer(device, "tile placements", PLACEMENT_STRIDE * MAX_DRAWS as u64);
        let globals_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("map globals"),
            entries: &[uniform_entry(0, false), uniform_entry(1, false)],
        });
        let placement_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("tile placement"),
            entries: &[uniform_entry(0, true)],
        });
        let globals_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("map globals"),
            layout: &globals_layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: globals.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: slots.as_entire_binding() },
            ],
        });
        let placement_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("tile placement"),
            layout: &placement_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &placements,
                    offset: 0,
                    size: wgpu::BufferSize::new(size_of::<Placement>() as u64),
                }),
            }],
        });
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("map"),
            bind_group_layouts: &[Some(&globals_layout), Some(&placement_layout)],
            immediate_size: 0,
        });
        let pipelines = Pipelines::new(device, &layout, format);
        let labels = LabelLayer::new(gpu, format);
        let cache = NonZeroUsize::new(CACHE_TILES).unwrap_or(NonZeroUsize::MIN);
        Ok(Self {
            pipelines,
            globals,
            slots,
            globals_group,
            placements,
            placement_group,
            tiles: LruCache::new(cache),
            loader,
            header,
            metadata,
            theme,
            labels,
            draws: Vec::new(),
            show_labels: true,
            label_scale: 1.0,
            world_labels: Vec::new(),
            show_world_labels: true,
            labels_placed_for: None,
            label_generation: 0,
            visible_slots: vec![false; SLOTS.len()],
            stats: FrameStats::default(),
            placement_scratch: Vec::new(),
        })
    }

    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    /// Shows or hides map text (names; the attribution always stays).
    pub fn set_labels(&mut self, show: bool) {
        self.label_generation += u64::from(self.show_labels != show);
        self.show_labels = show;
    }

    /// Draws map text at `scale` times the style's size (1.5 reads from across a room).
    pub fn set_label_scale(&mut self, scale: f32) {
        let scale = scale.clamp(0.5, 3.0);
        self.label_generation += u64::from(self.label_scale != scale);
        self.label_scale = scale;
    }

    /// Names placed over the map's own (see [`WorldLabel`]), replacing earlier ones.
    pub fn set_world_labels(&mut self, labels: Vec<WorldLabel>) {
        self.world_labels = labels;
        self.label_generation += 1;
    }

    /// Shows or hides the world labels alone (they follow their layer's toggle).
    pub fn show_world_labels(&mut self, show: bool) {
        self.label_generation += u64::from(self.show_world_labels != show);
        self.show_world_labels = show;
    }

    /// Takes finished tiles from the loader and uploads them.
    fn receive_tiles(&mut self, gpu: &Gpu) {
        for (id, mesh) in self.loader.poll() {
            self.insert_tile(gpu, id, mesh);
        }
    }

    fn insert_tile(&mut self, gpu: &Gpu, id: TileId, mesh: Result<TileMesh>) {
        let mesh = mesh.unwrap_or_else(|e| {
            tracing::warn!("tile {id}: {e:#}");
            TileMesh::default()
        });
        self.tiles.put(id, upload(&gpu.device, mesh));
    }

    /// Loads every tile the view needs, waiting for them (headless rendering and tests), and
    /// prepares the frame with all of them ([`Layer::prepare_complete`]).
    pub fn load_all(&mut self, gpu: &Gpu, view: &View) -> Result<()> {
        self.prepare_view(gpu, view);
        while self.stats.missing > 0 {
            match self.loader.wait(Duration::from_secs(30)) {
                Some((id, mesh)) => self.insert_tile(gpu, id, mesh),
                None => bail!("tiles did not load within 30 s"),
            }
            self.prepare_view(gpu, view);
        }
        Ok(())
    }

    /// The colour a frame of this map starts from: the theme's background.
    pub fn clear_colour(&self) -> wgpu::Color {
        let [r, g, b, a] = self.theme.background.map(f64::from);
        wgpu::Color { r, g, b, a }
    }

    /// CPU side of a frame ([`Layer::prepare`]): choose tiles (requesting missing ones), write
    /// uniforms, place labels; [`stats`](Self::stats) tells what it decided.
    fn prepare_view(&mut self, gpu: &Gpu, view: &View) {
        self.receive_tiles(gpu);
        let z = view.tile_zoom(self.header.min_zoom, self.header.max_zoom);
        let range = view.visible_tiles(z);
        let mut ready = Vec::with_capacity(range.len().min(MAX_DRAWS));
        let mut fallbacks = BTreeSet::new();
        let mut missing = 0;
        for id in range.iter().take(MAX_DRAWS) {
            if self.tiles.get(&id).is_some() {
                ready.push(id);
                continue;
            }
            missing += 1;
            self.loader.request(id);
            let min_zoom = self.header.min_zoom;
            if let Some(parent) =
                (min_zoom..id.z).rev().filter_map(|pz| id.ancestor(pz)).find(|a| self.tiles.contains(a))
            {
                fallbacks.insert(parent);
            }
        }
        self.loader.retain_queued(|t| t.z == z && range_contains(&range, &t));
        // Parents first (coarser, underneath), then the tiles of the wanted zoom.
        let mut fallback_list: Vec<TileId> = fallbacks.into_iter().collect();
        fallback_list.sort_by_key(|t| t.z);
        self.draws = fallback_list;
        self.draws.extend(ready.iter().copied());
        self.draws.truncate(MAX_DRAWS);
        self.write_uniforms(gpu, view);
        let labels = self.place_labels(gpu, view, &ready);
        self.stats = FrameStats { wanted: range.len(), drawn: self.draws.len(), missing, labels };
    }

    fn write_uniforms(&mut self, gpu: &Gpu, view: &View) {
        let (sin, cos) = (view.bearing as f32).to_radians().sin_cos();
        let globals = Globals {
            viewport: [view.width as f32, view.height as f32],
            rotation: [cos, sin],
            zoom: view.zoom as f32,
            time: 0.0,
            _pad: [0.0; 2],
        };
        gpu.queue.write_buffer(&self.globals, 0, bytemuck::bytes_of(&globals));
        let zoom = view.zoom as f32;
        let mut slots = [SlotGpu::zeroed(); SLOT_CAPACITY];
        for (i, gpu_slot) in slots.iter_mut().enumerate().take(SLOTS.len()) {
            let Some(style) = self.theme.slot(i as u32) else {
                self.visible_slots[i] = false;
                continue;
            };
            let width = style.width_at(zoom);
            *gpu_slot = SlotGpu {
                color: style.color,
                casing: style.casing.unwrap_or([0.0; 4]),
                width,
                casing_width: if style.casing.is_some() { style.casing_width } else { 0.0 },
                _pad: [0.0; 2],
            };
            let is_fill = style.width.is_empty();
            self.visible_slots[i] = is_fill || width > 0.05;
        }
        gpu.queue.write_buffer(&self.slots, 0, bytemuck::cast_slice(&slots));
        self.placement_scratch.clear();
        self.placement_scratch.resize(self.draws.len() * PLACEMENT_STRIDE as usize, 0);
        for (i, id) in self.draws.iter().enumerate() {
            let (origin, scale) = tile_placement(view, *id);
            let p = Placement { origin, scale, _pad: 0.0 };
            let at = i * PLACEMENT_STRIDE as usize;
            self.placement_scratch[at..at + size_of::<Placement>()].copy_from_slice(bytemuck::bytes_of(&p));
        }
        if !self.placement_scratch.is_empty() {
            gpu.queue.write_buffer(&self.placements, 0, &self.placement_scratch);
        }
    }

    fn place_labels(&mut self, gpu: &Gpu, view: &View, ready: &[TileId]) -> usize {
        let placed_for = (*view, ready.to_vec(), self.label_generation);
        if self.labels_placed_for.as_ref() == Some(&placed_for) {
            return self.stats.labels;
        }
        self.labels_placed_for = Some(placed_for);
        let zoom = view.zoom as f32;
        let (sin, cos) = (view.bearing as f32).to_radians().sin_cos();
        let centre = [view.width as f32 / 2.0, view.height as f32 / 2.0];
        let shown = |slot: u32| self.theme.slot(slot).filter(|style| style.label_zoom.is_some_and(|z| zoom >= z));
        let mut candidates = Vec::new();
        for id in ready.iter().filter(|_| self.show_labels) {
            let Some(tile) = self.tiles.peek(id) else { continue };
            let (origin, scale) = tile_placement(view, *id);
            let to_screen = TileToScreen { origin, scale, sin, cos, centre };
            for label in &tile.labels {
                let Some(style) = shown(label.slot) else { continue };
                let [x, y] = to_screen.apply(label.pos);
                candidates.push(LabelCandidateOnScreen {
                    text: &label.text,
                    x,
                    y,
                    slot: label.slot,
                    size: style.label_size * self.label_scale,
                    path: (&label.path, to_screen),
                });
            }
        }
        let world_labels = self.world_labels.iter().filter(|_| self.show_labels && self.show_world_labels);
        for label in world_labels {
            let Some(style) = shown(label.slot) else { continue };
            let (x, y) = view.world_to_screen(label.world[0], label.world[1]);
            candidates.push(LabelCandidateOnScreen {
                text: &label.text,
                x: x as f32,
                y: y as f32,
                slot: label.slot,
                size: style.label_size * self.label_scale,
                path: (&[], TileToScreen::IDENTITY),
            });
        }
        self.labels.prepare(gpu, view, &self.theme, candidates, &self.metadata.attribution)
    }

    fn draw_segments(&self, pass: &mut wgpu::RenderPass<'_>, draws: &[(u32, &GpuTile)], slots: &[u32]) {
        for &slot in slots {
            for (offset, tile) in draws {
                let (Some(buf), Some(range)) = (&tile.segments, range_of(&tile.segment_ranges, slot)) else { continue };
                pass.set_bind_group(1, &self.placement_group, &[*offset]);
                pass.set_vertex_buffer(0, buf.slice(..));
                pass.draw(0..6, range);
            }
        }
    }

    pub fn stats(&self) -> &FrameStats {
        &self.stats
    }
}

impl Layer for MapLayer {
    fn prepare(&mut self, gpu: &Gpu, frame: &Frame) {
        self.prepare_view(gpu, &frame.view);
    }

    fn prepare_complete(&mut self, gpu: &Gpu, frame: &Frame) -> Result<()> {
        self.load_all(gpu, &frame.view)
    }

    /// Fills by slot, then water/boundary lines, road casings, road fills, point symbols and
    /// labels, each across all tiles drawn.
    fn render<'a>(&'a self, pass: &mut wgpu::RenderPass<'a>) {
        pass.set_bind_group(0, &self.globals_group, &[]);
        let draws: Vec<(u32, &GpuTile)> = self
            .draws
            .iter()
            .enumerate()
            .filter_map(|(i, id)| Some(((i as u64 * PLACEMENT_STRIDE) as u32, self.tiles.peek(id)?)))
            .collect();
        pass.set_pipeline(&self.pipelines.fill);
        for slot in 0..SLOTS.len() as u32 {
            for (offset, tile) in &draws {
                let (Some((vb, ib)), Some(range)) = (&tile.fill, range_of(&tile.fill_ranges, slot)) else { continue };
                pass.set_bind_group(1, &self.placement_group, &[*offset]);
                pass.set_vertex_buffer(0, vb.slice(..));
                pass.set_index_buffer(ib.slice(..), wgpu::IndexFormat::Uint32);
                pass.draw_indexed(range, 0, 0..1);
            }
        }
        let visible = |slot: u32| self.visible_slots[slot as usize];
        let line_slots: Vec<u32> = (0..SLOTS.len() as u32).filter(|s| visible(*s)).collect();
        let (roads, others): (Vec<u32>, Vec<u32>) = line_slots.iter().partition(|s| is_road_slot(**s));
        pass.set_pipeline(&self.pipelines.line);
        self.draw_segments(pass, &draws, &others);
        let cased: Vec<u32> =
            roads.iter().copied().filter(|s| self.theme.slot(*s).is_some_and(|st| st.casing.is_some())).collect();
        pass.set_pipeline(&self.pipelines.casing);
        self.draw_segments(pass, &draws, &cased);
        pass.set_pipeline(&self.pipelines.line);
        self.draw_segments(pass, &draws, &roads);
        pass.set_pipeline(&self.pipelines.point);
        for (offset, tile) in &draws {
            let Some((buf, count)) = &tile.points else { continue };
            pass.set_bind_group(1, &self.placement_group, &[*offset]);
            pass.set_vertex_buffer(0, buf.slice(..));
            pass.draw(0..6, 0..*count);
        }
        self.labels.render(pass);
    }
}

fn range_contains(r: &crate::crs::TileRange, t: &TileId) -> bool {
    t.x >= r.min_x && t.x <= r.max_x && t.y >= r.min_y && t.y <= r.max_y
}

fn range_of(ranges: &[(u32, Range<u32>)], slot: u32) -> Option<Range<u32>> {
    ranges.iter().find(|(s, _)| *s == slot).map(|(_, r)| r.clone())
}

fn upload(device: &wgpu::Device, mesh: TileMesh) -> GpuTile {
    let buffer = |label: &str, bytes: &[u8], usage: wgpu::BufferUsages| {
        device.create_buffer_init(&wgpu::util::BufferInitDescriptor { label: Some(label), contents: bytes, usage })
    };
    let fill = (!mesh.fill_indices.is_empty()).then(|| {
        (
            buffer("fill vertices", bytemuck::cast_slice(&mesh.fill_vertices), wgpu::BufferUsages::VERTEX),
            buffer("fill indices", bytemuck::cast_slice(&mesh.fill_indices), wgpu::BufferUsages::INDEX),
        )
    });
    let segments = (!mesh.segments.is_empty())
        .then(|| buffer("segments", bytemuck::cast_slice(&mesh.segments), wgpu::BufferUsages::VERTEX));
    let points = (!mesh.points.is_empty()).then(|| {
        (buffer("points", bytemuck::cast_slice(&mesh.points), wgpu::BufferUsages::VERTEX), mesh.points.len() as u32)
    });
    GpuTile {
        fill,
        fill_ranges: mesh.fill_ranges,
        segments,
        segment_ranges: mesh.segment_ranges,
        points,
        labels: mesh.labels,
    }
}

fn uniform_buffer(device: &wgpu::Device, label: &str, size: u64) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

fn uniform_entry(binding: u32, dynamic: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::VERTEX | wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: dynamic,
            min_binding_size: None,
        },
        count: None,
    }
}

const FILL_ATTRS: [wgpu::VertexAttribute; 2] = wgpu::vertex_attr_array![0 => Float32x2, 1 => Uint32];
const SEGMENT_ATTRS: [wgpu::VertexAttribute; 3] = wgpu::vertex_attr_array![0 => Float32x2, 1 => Float32x2, 2 => Uint32];
const POINT_ATTRS: [wgpu::VertexAttribute; 2] = wgpu::vertex_attr_array![0 => Float32x2, 1 => Uint32];

// Vertex inputs of `vs_fill` (fill.wgsl): pos vec2<f32> @0 (8) + slot u32 @8 (4) = 12.
const _: () = assert!(size_of::<FillVertex>() == 12);
assert_vertex_layout!(FillVertex, FILL_ATTRS, [pos, slot], pad 0);
// Instance inputs of `vs_line` (line.wgsl): a vec2<f32> @0 (8) + b vec2<f32> @8 (8)
// + slot u32 @16 (4) = 20.
const _: () = assert!(size_of::<SegmentInstance>() == 20);
assert_vertex_layout!(SegmentInstance, SEGMENT_ATTRS, [a, b, slot], pad 0);
// Instance inputs of `vs_point` (point.wgsl): pos vec2<f32> @0 (8) + slot u32 @8 (4) = 12.
const _: () = assert!(size_of::<PointInstance>() == 12);
assert_vertex_layout!(PointInstance, POINT_ATTRS, [pos, slot], pad 0);

impl Pipelines {
    fn new(device: &wgpu::Device, layout: &wgpu::PipelineLayout, format: wgpu::TextureFormat) -> Self {
        let module = |label: &str, source: &str| {
            device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(
                    format!("{}\n{}", include_str!("../../shaders/common.wgsl"), source).into(),
                ),
            })
        };
        let fill = module("fill", include_str!("../../shaders/fill.wgsl"));
        let line = module("line", include_str!("../../shaders/line.wgsl"));
        let point = module("point", include_str!("../../shaders/point.wgsl"));
        let build = |label: &str,
                     module: &wgpu::ShaderModule,
                     vertex: &str,
                     fragment: &str,
                     buffer: wgpu::VertexBufferLayout,
                     constants: &[(&str, f64)]| {
            blended_pipeline(
                device,
                PipelineSpec { label, layout, module, vertex, fragment, buffer, constants, format },
            )
        };
        let per_vertex = |stride: usize, attributes: &'static [wgpu::VertexAttribute]| wgpu::VertexBufferLayout {
            array_stride: stride as u64,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes,
        };
        let per_instance = |stride: usize, attributes: &'static [wgpu::VertexAttribute]| wgpu::VertexBufferLayout {
            array_stride: stride as u64,
            step_mode: wgpu::VertexStepMode::Instance,
            attributes,
        };
        Self {
            fill: build("fill", &fill, "vs_fill", "fs_fill", per_vertex(size_of::<FillVertex>(), &FILL_ATTRS), &[]),
            line: build(
                "line",
                &line,
                "vs_line",
                "fs_line",
                per_instance(size_of::<SegmentInstance>(), &SEGMENT_ATTRS),
                &[("CASING", 0.0)],
            ),
            casing: build(
                "casing",
                &line,
                "vs_line",
                "fs_line",
                per_instance(size_of::<SegmentInstance>(), &SEGMENT_ATTRS),
                &[("CASING", 1.0)],
            ),
            point: build(
                "point",
                &point,
                "vs_point",
                "fs_point",
                per_instance(size_of::<PointInstance>(), &POINT_ATTRS),
                &[],
            ),
        }
    }
}
