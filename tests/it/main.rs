//! pantau's integration tests, one binary (each test binary links the whole GPU and UI stack,
//! so one binary links once). One module per area; `common` holds the shared helpers: the real
//! data in `../shared/data`, archives imported once per process, headless rendering.

mod architecture;
mod calls;
mod common;
mod coverage;
mod crash;
mod demo;
mod feeds_e2e;
mod fuzz_corpus;
/// The fuzz targets of `fuzz/`, shared so their corpora replay here.
#[path = "../../fuzz/src/targets.rs"]
mod fuzz_targets;
mod golden;
mod history;
mod hub;
mod import_cli;
mod journal;
mod layers;
mod limits;
mod live_layers;
mod mqtt;
mod ops;
mod plans;
mod properties;
mod query_cli;
mod readme;
mod relay;
mod render_pixels;
mod sim;
mod spatial;
mod ui;
mod users;
mod window;
mod zones;
