//! The wgpu renderer: a view/camera, the base map layer (fills, lines, symbols, labels), and
//! targets. One `MapLayer` draws into any texture: offscreen for PNG export and tests here,
//! the window later.

pub mod gpu;
pub mod headless;
mod labels;
pub mod live;
pub mod map;
pub mod style;
pub mod view;

pub use gpu::Gpu;
pub use headless::{render_image, render_image_with, Image, TARGET_FORMAT};
pub use live::LiveLayers;
pub use map::{FrameStats, MapLayer, WorldLabel};
pub use style::{Theme, ThemeName};
pub use view::View;
