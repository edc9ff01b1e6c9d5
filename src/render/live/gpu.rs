//! The live layers' GPU side: instance formats (checked at compile time against the shader's
//! inputs and uniform block), the constants shared with `shaders/live.wgsl` (written once here
//! and generated into the shader source), the pipelines of that shader, and [`SlotBuffer`], a
//! persistent instance buffer indexed by a stable slot per object whose writes cover only the
//! slots that changed.

use bytemuck::{Pod, Zeroable};

use crate::render::gpu::{assert_vertex_layout, blended_pipeline, PipelineSpec};

/// A unit, alarm, camera, station or site symbol.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable, PartialEq)]
pub struct Marker {
    pub pos: [f32; 2],
    pub color: u32,
    pub shape: u32,
    /// Diameter in pixels (0 hides the marker).
    pub size: f32,
    pub heading: f32,
    /// Seconds since the layers' epoch: the fix time (units) or the alarm time (alarms).
    pub since: f32,
    pub flags: u32,
}

/// A camera's field of view.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable, PartialEq)]
pub struct Sector {
    pub pos: [f32; 2],
    pub color: u32,
    pub direction: f32,
    pub half_angle: f32,
    /// Reach in world units.
    pub range: f32,
    pub flags: u32,
    /// Not read by the shader: rounds the stride up to 32 bytes.
    pub _pad: u32,
}

/// A stroke from `a` to `b` (congestion, routes, trails, zone outlines).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable, PartialEq)]
pub struct Segment {
    pub a: [f32; 2],
    pub b: [f32; 2],
    pub color: u32,
    /// Pixels (0 hides the segment).
    pub width: f32,
    /// Pixels to the right of the direction a -> b (negative: to the left).
    pub offset: f32,
    /// Seconds since the epoch when it was drawn, for fading trails (negative: never fades).
    pub since: f32,
    pub flags: u32,
    /// Not read by the shader: rounds the stride up to 40 bytes (a multiple of 8).
    pub _pad: u32,
}

/// A zone fill vertex.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable, PartialEq)]
pub struct FillVertex {
    pub pos: [f32; 2],
    pub color: u32,
    pub zone: u32,
    pub flags: u32,
}

// Vertex inputs of `vs_marker`: pos vec2<f32> @0 (8) + color u32 @8 + shape u32 @12
// + size f32 @16 + heading f32 @20 + since f32 @24 + flags u32 @28 (4 each) = 32.
const _: () = assert!(size_of::<Marker>() == 32);
assert_vertex_layout!(Marker, MARKER_ATTRS, [pos, color, shape, size, heading, since, flags], pad 0);
// Vertex inputs of `vs_sector`: pos vec2<f32> @0 (8) + color u32 @8 + direction f32 @12
// + half_angle f32 @16 + range f32 @20 + flags u32 @24 (4 each) = 28, + `_pad` (4, not read
// by the shader) = a 32-byte stride.
const _: () = assert!(size_of::<Sector>() == 32);
assert_vertex_layout!(Sector, SECTOR_ATTRS, [pos, color, direction, half_angle, range, flags], pad 4);
// Vertex inputs of `vs_segment`: a vec2<f32> @0 (8) + b vec2<f32> @8 (8) + color u32 @16
// + width f32 @20 + offset f32 @24 + since f32 @28 + flags u32 @32 (4 each) = 36, + `_pad`
// (4, not read by the shader) = a 40-byte stride.
const _: () = assert!(size_of::<Segment>() == 40);
assert_vertex_layout!(Segment, SEGMENT_ATTRS, [a, b, color, width, offset, since, flags], pad 4);
// Vertex inputs of `vs_fill`: pos vec2<f32> @0 (8) + color u32 @8 + zone u32 @12 + flags u32
// @16 (4 each) = 20.
const _: () = assert!(size_of::<FillVertex>() == 20);
assert_vertex_layout!(FillVertex, FILL_ATTRS, [pos, color, zone, flags], pad 0);

/// Declares `u32` constants that the Rust side and `shaders/live.wgsl` share: each is written
/// once, here, and [`shader_source`] prepends it to the shader as a WGSL `const`.
macro_rules! shader_constants {
    ($($(#[$doc:meta])* $name:ident = $value:expr;)+) => {
        $($(#[$doc])* pub const $name: u32 = $value;)+
        /// Every constant shared with `live.wgsl`, by name.
        pub const SHADER_CONSTANTS: &[(&str, u32)] = &[$((stringify!($name), $name)),+];
    };
}

shader_constants! {
    /// A unit: a disc in its status colour, with a heading nose, greyed when its fix is stale.
    SHAPE_UNIT = 0;
    /// An alarm: a pin that pulses until acknowledged.
    SHAPE_ALARM = 1;
    /// A camera: a square.
    SHAPE_CAMERA = 2;
    /// A police station: a diamond.
    SHAPE_STATION = 3;
    /// A panic-button site: a small diamond.
    SHAPE_SITE = 4;
    /// Draw the marker's heading.
    FLAG_HEADING = 1;
    /// Ring the marker: it is selected.
    FLAG_SELECTED = 2;
    /// An acknowledged alarm: no pulse.
    FLAG_QUIET = 4;
    /// Flags carry the [`LayerId`](super::LayerId) of their layer (whose opacity applies) from
    /// this bit...
    LAYER_SHIFT = 8;
    /// ...in these bits (after the shift).
    LAYER_MASK = 15;
}

// The marker flags are distinct bits, below the layer bits.
const _: () = assert!((FLAG_HEADING & FLAG_SELECTED) == 0 && ((FLAG_HEADING | FLAG_SELECTED) & FLAG_QUIET) == 0);
const _: () =
    assert!(FLAG_HEADING < (1 << LAYER_SHIFT) && FLAG_SELECTED < (1 << LAYER_SHIFT) && FLAG_QUIET < (1 << LAYER_SHIFT));

/// The source of `shaders/live.wgsl` with the shared constants prepended.
pub fn shader_source() -> String {
    use std::fmt::Write;
    let mut source = String::from("// Generated from render/live/gpu.rs (SHADER_CONSTANTS).\n");
    for (name, value) in SHADER_CONSTANTS {
        // Writing to a String cannot fail.
        let _ = writeln!(source, "const {name}: u32 = {value}u;");
    }
    source.push('\n');
    source.push_str(include_str!("../../../shaders/live.wgsl"));
    source
}

/// Layers whose opacity the uniform block carries (`opacity: array<vec4<f32>, 3>`).
pub const OPACITY_LAYERS: usize = 12;

/// The uniform block of `live.wgsl` (`LiveGlobals`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct Globals {
    pub viewport: [f32; 2],
    pub rotation: [f32; 2],
    pub offset: [f32; 2],
    pub scale: f32,
    pub time: f32,
    pub highlight: u32,
    pub trail_seconds: f32,
    pub stale_seconds: f32,
    pub marker_scale: f32,
    /// Per layer, by [`LayerId`](super::LayerId): layer `i` is `opacity[i / 4][i % 4]`.
    pub opacity: [[f32; 4]; OPACITY_LAYERS / 4],
}

// WGSL `LiveGlobals`: viewport vec2<f32> @0 (8) + rotation vec2<f32> @8 (8) + offset vec2<f32>
// @16 (8) + scale f32 @24 + time f32 @28 + highlight u32 @32 + trail_seconds f32 @36
// + stale_seconds f32 @40 + marker_scale f32 @44 (4 each) + opacity array<vec4<f32>, 3> @48
// (vec4 alignment 16; 48) = 96, struct alignment 16.
const _: () = assert!(size_of::<Globals>() == 96);
const _: () = assert!(std::mem::offset_of!(Globals, opacity) == 48);

/// `0xAABBGGRR` as the shader's `unpack4x8unorm` reads it.
pub fn rgba(c: [u8; 4]) -> u32 {
    u32::from_le_bytes(c)
}

/// Changed slots with fewer bytes than this between them are written in one run: a write call
/// costs about as much as copying 30 KB (measured: merging runs closer than 8 slots took 11.6
/// ms for 10,000 of 100,000 markers, 32 slots 2.21 ms, 1,024 slots (32 KB) 1.85 ms).
const MERGE_BYTES: usize = 32 * 1024;

/// A GPU buffer of `T` per slot, kept across frames. Writes go only to the slots that changed
/// (runs of neighbouring slots in one write); it grows by doubling (one full upload).
pub struct SlotBuffer<T: Pod> {
    label: &'static str,
    cpu: Vec<T>,
    gpu: Option<wgpu::Buffer>,
    dirty: Vec<u32>,
    full_upload: bool,
}

impl<T: Pod + PartialEq> SlotBuffer<T> {
    pub fn new(label: &'static str) -> Self {
        Self { label, cpu: Vec::new(), gpu: None, dirty: Vec::new(), full_upload: true }
    }

    pub fn len(&self) -> usize {
        self.cpu.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cpu.is_empty()
    }

    pub fn get(&self, slot: usize) -> Option<&T> {
        self.cpu.get(slot)
    }

    /// Sets one slot (growing the buffer with zeroed, hidden entries).
    pub fn set(&mut self, slot: usize, value: T) {
        if self.cpu.len() <= slot {
            self.cpu.resize(slot + 1, T::zeroed());
        }
        if self.cpu[slot] != value {
            self.cpu[slot] = value;
            self.dirty.push(slot as u32);
        }
    }

    /// Replaces everything (static layers, or a layer rebuilt as a whole).
    pub fn replace(&mut self, values: Vec<T>) {
        self.cpu = values;
        self.dirty.clear();
        self.full_upload = true;
    }

    /// Writes what changed to the GPU; returns the bytes written.
    pub fn upload(&mut self, device: &wgpu::Device, queue: &wgpu::Queue) -> usize {
        let size = size_of::<T>();
        let capacity = self.gpu.as_ref().map_or(0, |b| b.size() as usize / size);
        if self.cpu.len() > capacity {
            let slots = self.cpu.len().next_power_of_two().max(64);
            self.gpu = Some(device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(self.label),
                size: (slots * size) as u64,
                usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }));
            self.full_upload = true;
        }
        let Some(buffer) = &self.gpu else { return 0 };
        if std::mem::take(&mut self.full_upload) {
            self.dirty.clear();
            if !self.cpu.is_empty() {
                queue.write_buffer(buffer, 0, bytemuck::cast_slice(&self.cpu));
            }
            return self.cpu.len() * size;
        }
        self.dirty.sort_unstable();
        self.dirty.dedup();
        let merge_gap = (MERGE_BYTES / size).max(1);
        let mut written = 0;
        let mut i = 0;
        while i < self.dirty.len() {
            // One write per run of changed slots; runs closer than `merge_gap` join (copying
            // unchanged slots between them is cheaper than another write call).
            let start = self.dirty[i] as usize;
            let mut end = start + 1;
            while i + 1 < self.dirty.len() && (self.dirty[i + 1] as usize) < end + merge_gap {
                i += 1;
                end = self.dirty[i] as usize + 1;
            }
            queue.write_buffer(buffer, (start * size) as u64, bytemuck::cast_slice(&self.cpu[start..end]));
            written += (end - start) * size;
            i += 1;
        }
        self.dirty.clear();
        written
    }

    /// Draws every slot as an instance of six vertices.
    pub fn draw<'a>(&'a self, pass: &mut wgpu::RenderPass<'a>, pipeline: &'a wgpu::RenderPipeline) {
        if let (Some(buffer), false) = (&self.gpu, self.cpu.is_empty()) {
            pass.set_pipeline(pipeline);
            pass.set_vertex_buffer(0, buffer.slice(..(self.cpu.len() * size_of::<T>()) as u64));
            pass.draw(0..6, 0..self.cpu.len() as u32);
        }
    }
}

pub struct Pipelines {
    pub layout: wgpu::BindGroupLayout,
    pub marker: wgpu::RenderPipeline,
    pub sector: wgpu::RenderPipeline,
    pub segment: wgpu::RenderPipeline,
    pub fill: wgpu::RenderPipeline,
}

const MARKER_ATTRS: [wgpu::VertexAttribute; 7] = wgpu::vertex_attr_array![
    0 => Float32x2, 1 => Uint32, 2 => Uint32, 3 => Float32, 4 => Float32, 5 => Float32, 6 => Uint32
];
const SECTOR_ATTRS: [wgpu::VertexAttribute; 6] =
    wgpu::vertex_attr_array![0 => Float32x2, 1 => Uint32, 2 => Float32, 3 => Float32, 4 => Float32, 5 => Uint32];
const SEGMENT_ATTRS: [wgpu::VertexAttribute; 7] = wgpu::vertex_attr_array![
    0 => Float32x2, 1 => Float32x2, 2 => Uint32, 3 => Float32, 4 => Float32, 5 => Float32, 6 => Uint32
];
const FILL_ATTRS: [wgpu::VertexAttribute; 4] =
    wgpu::vertex_attr_array![0 => Float32x2, 1 => Uint32, 2 => Uint32, 3 => Uint32];

impl Pipelines {
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("live"),
            source: wgpu::ShaderSource::Wgsl(shader_source().into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("live globals"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            }],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("live"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let build = |label: &str, vertex: &str, fragment: &str, buffer: wgpu::VertexBufferLayout| {
            let layout = &pipeline_layout;
            let spec =
                PipelineSpec { label, layout, module: &module, vertex, fragment, buffer, constants: &[], format };
            blended_pipeline(device, spec)
        };
        let instanced = |stride: usize, attributes: &'static [wgpu::VertexAttribute]| wgpu::VertexBufferLayout {
            array_stride: stride as u64,
            step_mode: wgpu::VertexStepMode::Instance,
            attributes,
        };
        Self {
            marker: build("live markers", "vs_marker", "fs_marker", instanced(size_of::<Marker>(), &MARKER_ATTRS)),
            sector: build("live sectors", "vs_sector", "fs_sector", instanced(size_of::<Sector>(), &SECTOR_ATTRS)),
            segment: build(
                "live segments",
                "vs_segment",
                "fs_segment",
                instanced(size_of::<Segment>(), &SEGMENT_ATTRS),
            ),
            fill: build(
                "live fills",
                "vs_fill",
                "fs_fill",
                wgpu::VertexBufferLayout {
                    array_stride: size_of::<FillVertex>() as u64,
                    step_mode: wgpu::VertexStepMode::Vertex,
                    attributes: &FILL_ATTRS,
                },
            ),
            layout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_constants_are_generated_into_the_shader() {
        let written = include_str!("../../../shaders/live.wgsl");
        let source = shader_source();
        assert!(source.ends_with(written));
        for (name, value) in SHADER_CONSTANTS {
            let line = format!("const {name}: u32 = {value}u;");
            assert_eq!(source.matches(line.as_str()).count(), 1, "{line} generated once");
            assert!(!written.contains(&format!("const {name}")), "live.wgsl defines {name} itself");
        }
        let names: Vec<&str> = SHADER_CONSTANTS.iter().map(|(name, _)| *name).collect();
        for used in ["FLAG_HEADING", "FLAG_SELECTED", "FLAG_QUIET", "SHAPE_UNIT", "SHAPE_ALARM", "SHAPE_CAMERA"] {
            assert!(names.contains(&used) && written.contains(used), "{used} shared and used by live.wgsl");
        }
        assert!(written.contains("(flags >> LAYER_SHIFT) & LAYER_MASK"), "the layer bits are read as written");
    }
}
