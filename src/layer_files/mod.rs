//! Operational layers that change rarely, loaded from files: cameras (also from an archive's
//! OSM surveillance tags), zones (rayonisasi polygons), the unit roster, operation plans
//! (TOML), and the one reader of point layers with attributes ([`points`]) that every point
//! layer goes through.

pub mod cameras;
pub mod plans;
pub mod points;
pub mod units;
pub mod zone_files;
pub mod zones;

pub use cameras::{cameras_from_archive, load_cameras, parse_direction};
pub use plans::read_plan;
pub use points::{read_points, TaggedPoint};
pub use units::load_units;
pub use zone_files::save_zones;
pub use zones::load_zones;
