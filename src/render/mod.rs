//! The wgpu renderer: a view/camera, the base map layer (fills, lines, symbols, labels), the
//! live operational layers, and targets. Every layer implements [`Layer`] (prepare, then record
//! into a shared pass), so one list of layers draws into any texture: offscreen for PNG export,
//! tests and benchmarks ([`headless`]), or a map viewport of the window.

pub mod gpu;
pub mod headless;
mod labels;
pub mod layer;
pub mod live;
pub mod map;
pub mod style;
pub mod view;

pub use gpu::Gpu;
pub use headless::{render_image, render_image_with, render_layers, Image, TARGET_FORMAT};
pub use layer::{Frame, Layer};
pub use live::LiveLayers;
pub use map::{FrameStats, MapLayer, WorldLabel};
pub use style::{Theme, ThemeName};
pub use view::View;
