//! The one interface every drawable layer implements: the base map
//! ([`MapLayer`](super::MapLayer)) and the live layers ([`LiveLayers`](super::LiveLayers)) alike.
//!
//! A frame is a list of layers, bottom first. Each is first prepared ([`Layer::prepare`]: CPU
//! work and queued buffer writes for the [`Frame`]), then all of them record their draws, in
//! order, into one render pass ([`Layer::render`]). The targets in
//! [`headless`](super::headless) (`pantau render`, tests, benchmarks) and the window's map
//! viewports (`ui::canvas`) take such a list.

use anyhow::Result;

use super::gpu::Gpu;
use super::view::View;
use crate::model::Millis;

/// What every layer of one frame is drawn for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    /// Where the map looks, and the target's size in pixels.
    pub view: View,
    /// The frame's time (ms since the Unix epoch), for layers that animate.
    pub now: Millis,
}

impl Frame {
    pub fn new(view: View, now: Millis) -> Self {
        Self { view, now }
    }
}

/// A layer of the renderer: prepared, then recorded into a pass it shares with the others.
pub trait Layer {
    /// The CPU side of a frame: decide what to draw for `frame` and queue the buffer writes
    /// (they reach the GPU with the frame's commands). Never waits: what is not ready yet
    /// (tiles still loading) is drawn on a later frame.
    fn prepare(&mut self, gpu: &Gpu, frame: &Frame);

    /// As [`prepare`](Self::prepare), but waiting until the frame is complete (every tile
    /// loaded): for headless pictures.
    fn prepare_complete(&mut self, gpu: &Gpu, frame: &Frame) -> Result<()> {
        self.prepare(gpu, frame);
        Ok(())
    }

    /// Records the layer's draws over what the layers below drew, into a pass whose target has
    /// the format the layer was built for. Each layer sets its own pipelines and bind groups.
    fn render<'a>(&'a self, pass: &mut wgpu::RenderPass<'a>);
}
