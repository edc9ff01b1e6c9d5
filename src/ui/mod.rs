//! The desktop command-centre app (eframe + egui on wgpu): the console's panels, the map view
//! drawn by the foundation renderer, and the video-wall mode. It runs on an in-process session
//! (`ops::Session`): the demo city with its scenario by default, or a real city with feeds
//! hosted as `pantau serve` would.
//!
//! Data flows one way: `state` (the console kept between frames) knows nothing of `draw` (the
//! stateless drawing of a frame from it); `frame` joins the two once per frame and `app` runs
//! it in the window. `canvas` (the GPU map target) and `speaker` (alert sounds) sit below them
//! all, and `evidence` (the stamped picture of a moment, drawn headless) beside them. Colours
//! come from the theme's palette (`render::style::Palette`).

mod app;
pub mod canvas;
pub mod draw;
pub mod evidence;
mod frame;
pub mod speaker;
pub mod state;

pub use app::{run, AppOptions, PantauApp};
pub use state::{Console, Place};
