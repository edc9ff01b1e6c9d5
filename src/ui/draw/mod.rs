//! Drawing one frame of the console from its state: free functions that take the console (or
//! less) and an `egui::Ui`, keep nothing between frames, and turn what the operator does into
//! calls on the console. `clusters`: units gathered at low zoom, piles counted; `panels`: the
//! desk's side panels and legend; `map_view`: the map area, its input and overlays, and the
//! wall's focus view; `wall`: the status strip; `seats`: the login screen, the hub-lost banner
//! and who is logged in where; `analysis`: the analyst's replay, hotspots and early warning;
//! `reports`: the analyst's reports window with its charts; `coverage` and `plans`: the
//! commander's coverage, move-up and operation plans; `look`: names, ages and palette
//! colours shared by the others.

pub mod analysis;
pub mod calls;
pub mod clusters;
pub mod coverage;
pub mod incidents;
pub mod look;
pub mod map_view;
pub mod panels;
pub mod plans;
pub mod reports;
pub mod seats;
pub mod wall;
pub mod zone_editor;
