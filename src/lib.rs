//! pantau ("to watch over"): a GPU desktop GIS for traffic-management and police command
//! centres. See `ARCHITECTURE.md` for how the pieces fit together.

#![deny(clippy::unwrap_used)]

pub mod basemap;
pub mod cli;
pub mod crs;
pub mod demo;
pub mod feeds;
pub mod journal;
pub mod model;
pub mod ops;
pub mod render;
pub mod spatial;
pub mod ui;
pub mod world;
