//! The desktop command-centre app (eframe + egui on wgpu): the console's panels, the map view
//! drawn by the foundation renderer, and the video-wall mode. It runs on an in-process session
//! (`ops::Session`): the demo city with its scenario by default, or a real city with feeds
//! hosted as `pantau serve` would.

mod app;
pub mod canvas;
pub mod console;
mod map_view;
pub mod panels;
mod wall;

pub use app::{run, AppOptions, PantauApp};
pub use console::{Console, Place};
