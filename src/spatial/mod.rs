//! Spatial services: the routable road graph (built from an imported archive) and, as they
//! arrive, the R-tree indices and queries the operators ask all day.

pub mod roads;

pub use roads::{RoadGraph, RoadNode};
