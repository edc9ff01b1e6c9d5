//! pantau ("to watch over"): a GPU desktop GIS for traffic-management and police command
//! centres. See `ARCHITECTURE.md` for how the pieces fit together.

#![deny(clippy::unwrap_used)]

/// Every program built on the desktop console (the app, the command line, its tests and
/// benches) allocates with mimalloc: see `Cargo.toml`.
#[cfg(feature = "desktop")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod analysis;
pub mod basemap;
#[cfg(feature = "desktop")]
pub mod cli;
pub mod crs;
pub mod demo;
pub mod exchange;
pub mod feeds;
pub mod history;
pub mod hub;
pub mod ingest;
pub mod journal;
pub mod layer_files;
pub mod model;
pub mod ops;
pub mod org;
pub mod relay;
#[cfg(feature = "desktop")]
pub mod render;
pub mod service;
pub mod sim;
pub mod spatial;
#[cfg(feature = "desktop")]
pub mod ui;
pub mod users;
pub mod world;
