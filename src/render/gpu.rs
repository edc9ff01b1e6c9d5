//! The wgpu device. Headless use picks whatever adapter is there: a real GPU, or Mesa's
//! lavapipe / llvmpipe on machines without one.

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
