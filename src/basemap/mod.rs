//! The base map: importing city data (OSM PBF, Shapefile, GeoJSON, FlatGeobuf) into PMTiles
//! archives of vector tiles, and reading those tiles back as GPU-ready meshes.
//!
//! Import: `source` readers -> `schema::classify` -> `tiler` (generalise, clip, encode MVT)
//! -> `archive::write`. Display: `archive::Archive` -> `mesh` (decode + tessellate) ->
//! `loader` (background threads, LRU cache).

pub mod archive;
pub(crate) mod clip;
pub mod import;
pub mod loader;
pub mod mesh;
pub mod mvt;
pub mod schema;
pub mod source;
pub mod tiler;

pub use archive::{Archive, ArchiveHeader, Metadata};
pub use import::{import, import_features, ImportOptions, ImportReport};
