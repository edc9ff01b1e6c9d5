//! The wgpu device (headless use picks whatever adapter is there: a real GPU, or Mesa's
//! lavapipe / llvmpipe on machines without one), the alpha-blended pipeline every layer draws
//! with, and the compile-time check of vertex structs against their vertex attributes.

use anyhow::{anyhow, Result};

pub struct Gpu {
    pub adapter: wgpu::Adapter,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
}

impl Gpu {
    /// A device without a window (honours `WGPU_BACKEND` and friends).
    pub fn headless() -> Result<Self> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        pollster::block_on(async {
            let mut options = wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                apply_limit_buckets: false,
            };
            let adapter = match instance.request_adapter(&options).await {
                Ok(adapter) => adapter,
                Err(_) => {
                    options.force_fallback_adapter = true;
                    instance.request_adapter(&options).await.map_err(|e| {
                        anyhow!("no graphics adapter ({e}); install a GPU driver or Mesa's mesa-vulkan-drivers")
                    })?
                }
            };
            let (device, queue) = adapter
                .request_device(&wgpu::DeviceDescriptor {
                    label: Some("pantau"),
                    required_limits: wgpu::Limits::downlevel_defaults().using_resolution(adapter.limits()),
                    ..Default::default()
                })
                .await
                .map_err(|e| anyhow!("cannot open the graphics device: {e}"))?;
            Ok(Self { adapter, device, queue })
        })
    }

    /// Adapter name and backend, for logs and benchmark records.
    pub fn describe(&self) -> String {
        let info = self.adapter.get_info();
        format!("{} ({:?})", info.name, info.backend)
    }
}

/// What tells one of the renderer's pipelines from another; all of them draw alpha-blended
/// into one colour target, with no depth buffer, from one vertex buffer.
pub struct PipelineSpec<'a> {
    pub label: &'a str,
    pub layout: &'a wgpu::PipelineLayout,
    pub module: &'a wgpu::ShaderModule,
    pub vertex: &'a str,
    pub fragment: &'a str,
    pub buffer: wgpu::VertexBufferLayout<'a>,
    /// Pipeline-overridable constants of the shader.
    pub constants: &'a [(&'a str, f64)],
    pub format: wgpu::TextureFormat,
}

pub fn blended_pipeline(device: &wgpu::Device, spec: PipelineSpec<'_>) -> wgpu::RenderPipeline {
    let options = wgpu::PipelineCompilationOptions { constants: spec.constants, ..Default::default() };
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(spec.label),
        layout: Some(spec.layout),
        vertex: wgpu::VertexState {
            module: spec.module,
            entry_point: Some(spec.vertex),
            compilation_options: options.clone(),
            buffers: &[Some(spec.buffer)],
        },
        primitive: wgpu::PrimitiveState::default(),
        depth_stencil: None,
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module: spec.module,
            entry_point: Some(spec.fragment),
            compilation_options: options,
            targets: &[Some(wgpu::ColorTargetState {
                format: spec.format,
                blend: Some(wgpu::BlendState::ALPHA_BLENDING),
                write_mask: wgpu::ColorWrites::ALL,
            })],
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// Where a vertex layout's attributes end, in bytes: the last one's offset plus its size.
pub const fn attributes_end(attributes: &[wgpu::VertexAttribute]) -> u64 {
    match attributes.last() {
        Some(last) => last.offset + last.format.size(),
        None => 0,
    }
}

/// Compile-time check of a `#[repr(C)]` vertex or instance struct against the vertex
/// attributes that feed its shader inputs (whose WGSL types wgpu checks against the attribute
/// formats when it builds the pipeline): the listed fields, in attribute order, sit at the
/// attributes' offsets, and the struct ends `pad` bytes after the last attribute.
macro_rules! assert_vertex_layout {
    ($ty:ty, $attributes:expr, [$($field:ident),+ $(,)?], pad $pad:expr) => {
        const _: () = {
            let attributes: &[wgpu::VertexAttribute] = &$attributes;
            let offsets = [$(::std::mem::offset_of!($ty, $field) as u64),+];
            assert!(offsets.len() == attributes.len(), "one field per vertex attribute");
            let mut i = 0;
            while i < offsets.len() {
                assert!(offsets[i] == attributes[i].offset, "a field is not at its vertex attribute's offset");
                i += 1;
            }
            assert!(
                ::std::mem::size_of::<$ty>() as u64 == $crate::render::gpu::attributes_end(attributes) + $pad,
                "the struct's size is not its vertex attributes' (plus padding)"
            );
        };
    };
}
pub(crate) use assert_vertex_layout;
