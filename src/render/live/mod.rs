//! Live operational layers drawn over the base map: zones (translucent fills and outlines, names
//! placed among the map's own, the zone under the cursor highlighted), congestion (each
//! direction of a road beside the other, coloured by level), camera view sectors and icons,
//! stations and alarm sites, routes, unit trails fading with time, units (coloured by status,
//! with heading, greyed when stale) and alarms (pulsing pins above everything).
//!
//! Every layer lives in persistent GPU buffers indexed by a stable slot per object; an update
//! writes only the slots whose objects changed (the world's change sets say which), and
//! animation is a time uniform in the shader. Positions are stored relative to a fixed origin
//! near the data, so they stay exact in f32 at any zoom. [`LiveLayers`] is one [`Layer`]: its
//! `prepare` writes the uniform block and the changed slots, its `render` draws the visible
//! layers bottom first.

mod gpu;
mod layers;

pub use gpu::{shader_source, Globals, Marker, Pipelines, Sector, Segment, SlotBuffer, SHADER_CONSTANTS};
pub use layers::{caption, unit_colour, zone_names, CLUSTER_ZOOM, DETAIL_ZOOM};

use gpu::{LAYER_MASK, LAYER_SHIFT, OPACITY_LAYERS};

use crate::crs::lonlat_to_world;
use crate::model::Millis;
use crate::render::{Frame, Gpu, Layer};

/// The live layers (their numbers are the shader's layer bits; [`LayerId::ALL`] gives them in
/// drawing order, bottom first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerId {
    Zones = 0,
    Congestion = 1,
    Cameras = 2,
    Places = 3,
    Routes = 4,
    Trails = 5,
    Units = 6,
    Alarms = 7,
    /// Roads free units reach within the coverage time, and those none does.
    Coverage = 8,
}

/// How many live layers there are.
pub const LAYERS: usize = 9;

impl LayerId {
    pub const ALL: [LayerId; LAYERS] = [
        LayerId::Zones,
        LayerId::Coverage,
        LayerId::Congestion,
        LayerId::Cameras,
        LayerId::Places,
        LayerId::Routes,
        LayerId::Trails,
        LayerId::Units,
        LayerId::Alarms,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LayerId::Zones => "Zones",
            LayerId::Congestion => "Congestion",
            LayerId::Coverage => "Coverage (10 min drive)",
            LayerId::Cameras => "Cameras",
            LayerId::Places => "Stations and alarm sites",
            LayerId::Routes => "Routes",
            LayerId::Trails => "Trails",
            LayerId::Units => "Units",
            LayerId::Alarms => "Alarms",
        }
    }

    /// The bits that tell the shader which layer's opacity applies.
    fn flags(self) -> u32 {
        (self as u32) << LAYER_SHIFT
    }
}

// Every layer fits the flag bits the shader reads, and has an opacity in the uniform block.
const _: () = assert!(LayerId::ALL.len() <= (LAYER_MASK + 1) as usize);
const _: () = assert!(LayerId::ALL.len() <= OPACITY_LAYERS);

/// How a frame of live layers looks beyond the view: what is shown, how strongly, and for how
/// long trails and fixes stay fresh.
#[derive(Clone, Debug)]
pub struct LiveStyle {
    pub visible: [bool; LAYERS],
    pub opacity: [f32; LAYERS],
    pub trail_seconds: f32,
    pub stale_seconds: f32,
    /// Marker size factor (the video wall draws larger).
    pub marker_scale: f32,
    /// Below [`CLUSTER_ZOOM`] units are left to the console, which gathers them; a picture
    /// made without one draws every unit at every zoom.
    pub units_gathered: bool,
}

impl Default for LiveStyle {
    fn default() -> Self {
        Self {
            // Coverage is the commander's: shown when asked for.
            visible: std::array::from_fn(|i| i != LayerId::Coverage as usize),
            opacity: [1.0; LAYERS],
            trail_seconds: 180.0,
            stale_seconds: 120.0,
            marker_scale: 1.0,
            units_gathered: true,
        }
    }
}

pub struct LiveLayers {
    pipelines: Pipelines,
    globals: wgpu::Buffer,
    bind: wgpu::BindGroup,
    /// World point the stored positions are relative to.
    origin: (f64, f64),
    /// Time zero of the shader's clock (ms since the Unix epoch).
    epoch: Millis,
    pub style: LiveStyle,
    pub highlight_zone: Option<u32>,
    layers: layers::Buffers,
    /// The zoom of the view last prepared.
    zoom: f64,
    /// Bytes of instance data the last `prepare` wrote.
    uploaded: usize,
}

impl LiveLayers {
    /// Layers for data around `centre` (lon, lat), with the clock starting at `epoch`.
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat, centre: (f64, f64), epoch: Millis) -> Self {
        let pipelines = Pipelines::new(device, format);
        let globals = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("live globals"),
            size: size_of::<Globals>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("live globals"),
            layout: &pipelines.layout,
            entries: &[wgpu::BindGroupEntry { binding: 0, resource: globals.as_entire_binding() }],
        });
        Self {
            pipelines,
            globals,
            bind,
            origin: lonlat_to_world(centre.0, centre.1),
            epoch,
            style: LiveStyle::default(),
            highlight_zone: None,
            layers: layers::Buffers::default(),
            zoom: 0.0,
            uploaded: 0,
        }
    }

    /// The stored (f32, origin-relative) form of a lon/lat.
    fn rel(&self, lon: f64, lat: f64) -> [f32; 2] {
        let (x, y) = lonlat_to_world(lon, lat);
        [(x - self.origin.0) as f32, (y - self.origin.1) as f32]
    }

    /// Seconds on the shader's clock.
    fn clock(&self, t: Millis) -> f32 {
        (t - self.epoch) as f32 / 1000.0
    }

    /// Bytes of instance data the last [`Layer::prepare`] wrote (only what changed since the
    /// frame before).
    pub fn uploaded_bytes(&self) -> usize {
        self.uploaded
    }
}

impl Layer for LiveLayers {
    /// Sends the frame's uniforms and whatever changed since the last frame to the GPU.
    fn prepare(&mut self, gpu: &Gpu, frame: &Frame) {
        let view = &frame.view;
        let (s, c) = view.bearing.to_radians().sin_cos();
        let mut opacity = [[0.0; 4]; OPACITY_LAYERS / 4];
        for (i, o) in opacity.iter_mut().flatten().enumerate().take(LAYERS) {
            *o = if self.style.visible[i] { self.style.opacity[i] } else { 0.0 };
        }
        let globals = Globals {
            viewport: [view.width as f32, view.height as f32],
            rotation: [c as f32, s as f32],
            offset: [(self.origin.0 - view.center.0) as f32, (self.origin.1 - view.center.1) as f32],
            scale: view.world_px() as f32,
            time: self.clock(frame.now),
            highlight: self.highlight_zone.unwrap_or(u32::MAX),
            trail_seconds: self.style.trail_seconds,
            stale_seconds: self.style.stale_seconds,
            marker_scale: self.style.marker_scale,
            opacity,
        };
        gpu.queue.write_buffer(&self.globals, 0, bytemuck::bytes_of(&globals));
        self.zoom = view.zoom;
        self.uploaded = self.layers.upload(&gpu.device, &gpu.queue);
    }

    /// Draws the visible layers, bottom first.
    fn render<'a>(&'a self, pass: &mut wgpu::RenderPass<'a>) {
        pass.set_bind_group(0, &self.bind, &[]);
        let shown = |layer: LayerId| self.style.visible[layer as usize];
        self.layers.draw(pass, &self.pipelines, self.zoom, self.style.units_gathered, shown);
    }
}
