//! Spatial services, the questions operators ask all day: nearest units (R-tree on the unit
//! sphere), which zone holds a point (rayonisasi), which cameras see it, and the routable road
//! graph for drive times, which roads available units reach within minutes (coverage), and
//! an escort's route timed and its streets named;
//! [`LiveIndex`] keeps them current with the world and counts what each
//! zone holds.

pub mod borders;
pub mod cameras;
pub mod congestion;
pub mod coverage;
pub mod dispatch;
pub mod live;
pub mod moveup;
pub mod plans;
pub mod roads;
pub mod streets;
pub mod topology;
pub mod units;
pub mod zone_edit;
pub mod zones;

pub use cameras::CameraIndex;
pub use live::{LiveIndex, ZoneCounts};
pub use roads::{RoadGraph, RoadNode};
pub use streets::Streets;
pub use units::{UnitFilter, UnitIndex};
pub use zones::ZoneIndex;
