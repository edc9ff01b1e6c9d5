//! The analyst's hotspots on the map: the incidents, panic alarms or 110 callers the filter
//! takes (an incident's kind, the last days, hours of the day, days of the week) as a kernel
//! density over the part of the city in view, worked out on a thread of its own whenever the
//! filter, the view or the record change, and laid over the map as a texture (the GPU
//! stretches and blends it). Also the early warning, on demand: each zone's latest week
//! against its own weeks before.

use std::sync::mpsc::{channel, Receiver, TryRecvError};

use eframe::egui;

use super::Console;
use crate::analysis::heat::{self, Filter, Grid};
use crate::analysis::warning::{warnings, Warning};
use crate::analysis::Places;
use crate::model::{IncidentKind, Millis, DAY_MS};

/// The grid's longer side, in cells.
const CELLS: usize = 256;

/// What a heat map was worked out for: when it differs, it is worked out again.
#[derive(Clone, Debug, PartialEq)]
struct Wanted {
    source: heat::Source,
    filter: Filter,
    bounds: [i64; 4],
    bandwidth_m: u32,
    /// The world's incidents, alarms and calls (more of any: worked out again).
    counted: (usize, usize, usize),
}

pub struct Hotspots {
    pub shown: bool,
    pub source: heat::Source,
    pub kind: Option<IncidentKind>,
    /// The last this many days (0: the whole record).
    pub days: u32,
    /// Local hours counted, from and to (inclusive).
    pub hours: (u8, u8),
    pub weekdays: [bool; 7],
    pub bandwidth_m: f64,
    /// The grid drawn, its texture, and the largest density in it.
    pub grid: Option<(Grid, egui::TextureHandle, f32)>,
    working: Option<(Wanted, Receiver<Grid>)>,
    drawn: Option<Wanted>,
    /// How many incidents the drawn (or coming) map counts.
    pub counted: usize,
    /// The last early warning asked for, or why it could not be given.
    pub warnings: Option<Result<Vec<Warning>, String>>,
}

impl Default for Hotspots {
    fn default() -> Self {
        Self {
            shown: false,
            source: heat::Source::Incidents,
            kind: None,
            days: 30,
            hours: (0, 23),
            weekdays: [true; 7],
            bandwidth_m: 300.0,
            grid: None,
            working: None,
            drawn: None,
            counted: 0,
            warnings: None,
        }
    }
}

impl Hotspots {
    fn filter(&self, now: Millis) -> Filter {
        let from = if self.days == 0 { Millis::MIN } else { now - i64::from(self.days) * DAY_MS };
        let (a, b) = self.hours;
        let hours =
            std::array::from_fn(|h| if a <= b { (a..=b).contains(&(h as u8)) } else { h as u8 >= a || h as u8 <= b });
        // Whole minutes, so the map is not worked out again every frame.
        let from = if from == Millis::MIN { from } else { from / 60_000 * 60_000 };
        Filter { kind: self.kind, from, to: Millis::MAX, hours, weekdays: self.weekdays }
    }
}

impl Console {
    /// Takes in a finished heat map and starts the next one when what is wanted changed.
    pub(super) fn update_hotspots(&mut self, ctx: &egui::Context, now: Millis) {
        if !self.hotspots.shown {
            return;
        }
        if let Some((wanted, done)) = &self.hotspots.working {
            let grid = match done.try_recv() {
                Ok(grid) => grid,
                Err(TryRecvError::Empty) => return,
                // The worker is gone: try again.
                Err(TryRecvError::Disconnected) => {
                    self.hotspots.working = None;
                    return;
                }
            };
            let max = grid.max();
            let texture = ctx.load_texture("hotspots", heat_image(&grid, max), egui::TextureOptions::LINEAR);
            self.hotspots.drawn = Some(wanted.clone());
            self.hotspots.grid = Some((grid, texture, max));
            self.hotspots.working = None;
        }
        let bounds = self.view_bounds();
        let world = self.session.desk.world();
        let wanted = Wanted {
            source: self.hotspots.source,
            filter: self.hotspots.filter(now),
            bounds: bounds.map(|v| (v * 1e4).round() as i64),
            bandwidth_m: self.hotspots.bandwidth_m as u32,
            counted: (world.incidents().len(), world.alarms().len(), world.calls().len()),
        };
        if self.hotspots.drawn.as_ref() == Some(&wanted) {
            return;
        }
        let points = heat::points(self.session.desk.world(), wanted.source, &wanted.filter);
        let count = points.len();
        let (width, height) = grid_size(self.view.width, self.view.height);
        let bandwidth = self.hotspots.bandwidth_m;
        let (send, done) = channel();
        let worker = std::thread::Builder::new().name("hotspots".into());
        let spawned = worker.spawn(move || drop(send.send(heat::density(&points, bounds, width, height, bandwidth))));
        if spawned.is_ok() {
            self.hotspots.working = Some((wanted, done));
            self.hotspots.counted = count;
        }
    }

    /// West, south, east, north of what the map shows (its corners, however it is turned).
    pub fn view_bounds(&self) -> [f64; 4] {
        let (w, h) = (f64::from(self.view.width), f64::from(self.view.height));
        let corners = [(0.0, 0.0), (w, 0.0), (0.0, h), (w, h)].map(|(x, y)| {
            let (wx, wy) = self.view.screen_to_world(x, y);
            crate::crs::world_to_lonlat(wx, wy)
        });
        let lons = corners.map(|c| c.0);
        let lats = corners.map(|c| c.1);
        let min = |v: [f64; 4]| v.into_iter().fold(f64::MAX, f64::min);
        let max = |v: [f64; 4]| v.into_iter().fold(f64::MIN, f64::max);
        [min(lons), min(lats), max(lons), max(lats)]
    }

    /// The early warning for the week to `now`, on the zones and tree this desk has.
    pub fn check_warnings(&mut self, now: Millis) {
        let desk = &self.session.desk;
        let places = Places::new(desk.org.clone(), desk.live.zones.zones().to_vec());
        self.hotspots.warnings = Some(warnings(desk.world(), &places, now).map_err(|e| format!("{e:#}")));
    }
}

/// The grid's cells for a view of this many pixels: [`CELLS`] along its longer side.
fn grid_size(width: u32, height: u32) -> (usize, usize) {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let scale = CELLS as f64 / w.max(h);
    (((w * scale).round() as usize).max(1), ((h * scale).round() as usize).max(1))
}

/// The grid as colours: nothing where there is nothing, then amber to red, more opaque as the
/// density rises (its square root, so lesser hotspots still show).
fn heat_image(grid: &Grid, max: f32) -> egui::ColorImage {
    let pixels = grid
        .values
        .iter()
        .map(|v| {
            let t = if max > 0.0 { (v / max).sqrt() } else { 0.0 };
            if t < 0.08 {
                return egui::Color32::TRANSPARENT;
            }
            let (r, g, b) = (255.0, 200.0 * (1.0 - t) + 30.0 * t, 40.0 * (1.0 - t));
            egui::Color32::from_rgba_unmultiplied(r as u8, g as u8, b as u8, (60.0 + 170.0 * t) as u8)
        })
        .collect();
    egui::ColorImage {
        size: [grid.width, grid.height],
        source_size: egui::vec2(grid.width as f32, grid.height as f32),
        pixels,
    }
}
