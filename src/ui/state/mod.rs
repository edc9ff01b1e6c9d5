//! The operator's console: what is selected and shown, the map view and its flights, and one
//! frame of the whole screen (status strip, side panels, map). Everything the operator does
//! becomes a desk command; nothing here changes the world directly.

use std::time::Instant;

use eframe::egui;

use super::canvas::Canvas;
use super::{map_view, panels, wall};
use crate::model::{now_millis, AlarmId, Millis, Role};
use crate::ops::Session;
use crate::render::live::LiveStyle;
use crate::render::View;
use crate::spatial::congestion::Level;
use crate::spatial::dispatch::Candidate;

/// How long a fly-to takes.
const FLIGHT_SECONDS: f32 = 0.8;
/// How often the selected alarm's nearest units are worked out again.
const CANDIDATES_EVERY_MS: Millis = 5_000;
/// How often congestion is re-drawn.
const CONGESTION_EVERY_MS: Millis = 2_000;

/// A fly-to in progress: from one view to a centre and zoom.
#[derive(Clone, Copy, Debug)]
pub struct Flight {
    from: View,
    to: (f64, f64),
    zoom: f64,
    start: Instant,
}

/// Something to find on the map.
#[derive(Clone, Debug)]
pub struct Place {
    pub label: String,
    pub lon: f64,
    pub lat: f64,
}

pub struct Console {
    pub session: Session,
    pub view: View,
    /// The video wall's focus viewport (the newest alarm, close up).
    pub focus: Option<View>,
    flight: Option<Flight>,
    pub selected_alarm: Option<AlarmId>,
    pub selected_unit: Option<u32>,
    pub candidates: Vec<Candidate>,
    candidates_at: Millis,
    pub search: String,
    /// Which unit statuses the unit list shows.
    pub status_filter: [bool; 6],
    pub wall: bool,
    /// On the wall, the focus view has a window of its own (for another screen).
    pub focus_window: bool,
    pub style: LiveStyle,
    /// The point under the cursor and the finest zone there.
    pub cursor: Option<(f64, f64)>,
    pub hover_zone: Option<u32>,
    pub congested_km: f64,
    congestion_at: Millis,
    /// Stations, alarm sites, road names: fixed things to search and draw.
    pub stations: Vec<Place>,
    pub sites: Vec<Place>,
    pub roads: Vec<Place>,
    /// Per road edge id: its ends and its length (for drawing and totalling congestion).
    edge_ends: Vec<(u32, u32)>,
    edge_km: Vec<f64>,
    /// Live-layer slots whose look depends on the selection (rewritten when it changes).
    drawn_selection: (Option<u32>, Option<u32>),
    routes_dirty: bool,
    seen_alarms: usize,
}

impl Console {
    pub fn new(session: Session, wall: bool, stations: Vec<Place>, sites: Vec<Place>, roads: Vec<Place>) -> Self {
        let view = View::fit(session.bounds, 1280, 800);
        let edges: Vec<(u32, &crate::spatial::roads::Edge)> =
            session.desk.roads().map(|g| g.edges().collect()).unwrap_or_default();
        let edge_ends = edges.iter().map(|(from, e)| (*from, e.to)).collect();
        let edge_km = edges.iter().map(|(_, e)| f64::from(e.length_m) / 1000.0).collect();
        let seen_alarms = session.desk.world().alarms().len();
        Self {
            session,
            view,
            focus: None,
            flight: None,
            selected_alarm: None,
            selected_unit: None,
            candidates: Vec::new(),
            candidates_at: 0,
            search: String::new(),
            status_filter: [true; 6],
            wall,
            focus_window: false,
            style: LiveStyle { marker_scale: if wall { 1.6 } else { 1.0 }, ..LiveStyle::default() },
            cursor: None,
            hover_zone: None,
            congested_km: 0.0,
            congestion_at: 0,
            stations,
            sites,
            roads,
            edge_ends,
            edge_km,
            drawn_selection: (None, None),
            routes_dirty: false,
            seen_alarms,
        }
    }

    pub fn role(&self) -> Role {
        self.session.desk.role
    }

    /// Whether this desk's role may act on alarms and units (the world decides in the end).
    pub fn may_act(&self) -> bool {
        matches!(self.role(), Role::Operator | Role::Commander)
    }

    /// Takes in what the feeds brought (also while the window is hidden, so nothing piles up).
    pub fn poll(&mut self) {
        self.session.desk.poll();
    }

    /// One frame: take in what the feeds brought, update the GPU layers, draw the screen.
    pub fn frame(&mut self, ui: &mut egui::Ui, mut canvas: Option<&mut Canvas>) {
        let now = now_millis();
        self.session.desk.poll();
        self.follow_new_alarms();
        self.refresh_selection(now);
        match canvas.as_deref_mut() {
            Some(canvas) => self.update_layers(canvas, now),
            // Nothing to draw into (UI tests): the changes are still taken.
            None => drop(self.session.desk.take_changes()),
        }
        if ui.input(|i| i.key_pressed(egui::Key::F11)) {
            self.set_wall(ui.ctx(), !self.wall);
        }
        wall::status_strip(ui, self);
        if !self.wall {
            panels::left(ui, self);
            panels::right(ui, self);
        }
        egui::CentralPanel::default().frame(egui::Frame::NONE).show(ui, |ui| {
            map_view::show(ui, self, canvas, now);
        });
        self.advance_flight();
        // Pulsing alarms and live data: keep frames coming.
        ui.ctx().request_repaint_after(std::time::Duration::from_millis(50));
    }

    pub fn set_wall(&mut self, ctx: &egui::Context, on: bool) {
        self.wall = on;
        self.style.marker_scale = if on { 1.6 } else { 1.0 };
        ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(on));
    }

    /// A closed alarm leaves the selection (whoever closed it); an open one gets its nearest
    /// units worked out again every few seconds, as units move and change status.
    fn refresh_selection(&mut self, now: Millis) {
        let Some(id) = self.selected_alarm else { return };
        match self.session.desk.world().alarm(id).cloned() {
            Some(alarm) if alarm.state.is_open() => {
                if now - self.candidates_at >= CANDIDATES_EVERY_MS {
                    self.candidates = self.session.desk.candidates(&alarm);
                    self.candidates_at = now;
                    self.routes_dirty = true;
                }
            }
            _ => self.clear_alarm(),
        }
    }

    /// On the wall, every new alarm is brought into the focus view at once.
    fn follow_new_alarms(&mut self) {
        let alarms = self.session.desk.world().alarms();
        if alarms.len() == self.seen_alarms {
            return;
        }
        self.seen_alarms = alarms.len();
        let newest = alarms.iter().rev().find(|a| a.state.is_open() && a.lon.is_some()).map(|a| a.id);
        if let (true, Some(id)) = (self.wall, newest) {
            self.select_alarm(id);
        }
    }

    fn update_layers(&mut self, canvas: &mut Canvas, now: Millis) {
        let changes = self.session.desk.take_changes();
        let world = self.session.desk.world();
        let alarm_slot = self.selected_alarm.map(|id| id as u32 - 1);
        let (old_unit, old_alarm) = self.drawn_selection;
        let mut units = changes.units;
        units.extend(old_unit.into_iter().chain(self.selected_unit));
        let mut alarms = changes.alarms;
        alarms.extend(old_alarm.into_iter().chain(alarm_slot));
        canvas.live.update_units(world.units(), &units, self.selected_unit);
        canvas.live.update_alarms(world.alarms(), &alarms, alarm_slot);
        self.drawn_selection = (self.selected_unit, alarm_slot);
        if std::mem::take(&mut self.routes_dirty) {
            let routes: Vec<Vec<[f64; 2]>> = self.candidates.iter().map(|c| c.route.clone()).collect();
            canvas.live.set_routes(&routes);
        }
        if now - self.congestion_at >= CONGESTION_EVERY_MS {
            self.congestion_at = now;
            self.update_congestion(canvas, now);
        }
        canvas.map.show_world_labels(self.style.visible[crate::render::live::LayerId::Zones as usize]);
        canvas.live.style = self.style.clone();
        canvas.live.highlight_zone = self.hover_zone;
    }

    fn update_congestion(&mut self, canvas: &mut Canvas, now: Millis) {
        let desk = &self.session.desk;
        let (Some(graph), Some(congestion)) = (desk.roads(), &desk.congestion) else { return };
        let levels = congestion.levels(now);
        self.congested_km = levels
            .iter()
            .filter(|(_, _, l)| matches!(l, Level::Heavy | Level::Jammed))
            .map(|(id, _, _)| self.edge_km.get(*id as usize).copied().unwrap_or(0.0))
            .fold(0.0, |total, km| total + km);
        canvas.live.update_congestion(graph, &self.edge_ends, &levels);
    }

    /// Selects an alarm: its nearest units (with routes) and cameras are worked out, the map
    /// flies there, and on the wall the focus view closes in on it.
    pub fn select_alarm(&mut self, id: AlarmId) {
        let Some(alarm) = self.session.desk.world().alarm(id).cloned() else { return };
        self.selected_alarm = Some(id);
        self.candidates = self.session.desk.candidates(&alarm);
        self.candidates_at = now_millis();
        self.routes_dirty = true;
        if let (Some(lon), Some(lat)) = (alarm.lon, alarm.lat) {
            if self.wall {
                let mut focus = View::new(lon, lat, 16.0, self.view.width, self.view.height);
                focus.bearing = 0.0;
                self.focus = Some(focus);
            } else {
                self.fly_to(lon, lat, self.view.zoom.max(15.0));
            }
        }
    }

    pub fn clear_alarm(&mut self) {
        self.selected_alarm = None;
        self.candidates.clear();
        self.routes_dirty = true;
    }

    pub fn dispatch(&mut self, alarm: AlarmId, unit: &str) {
        self.session.desk.dispatch(alarm, unit);
    }

    pub fn fly_to(&mut self, lon: f64, lat: f64, zoom: f64) {
        self.flight =
            Some(Flight { from: self.view, to: crate::crs::lonlat_to_world(lon, lat), zoom, start: Instant::now() });
    }

    pub fn flying(&self) -> bool {
        self.flight.is_some()
    }

    /// Stops a flight (the operator took the map).
    pub fn land(&mut self) {
        self.flight = None;
    }

    fn advance_flight(&mut self) {
        let Some(f) = self.flight else { return };
        let t = (f.start.elapsed().as_secs_f32() / FLIGHT_SECONDS).min(1.0);
        let s = f64::from(t * t * (3.0 - 2.0 * t));
        self.view.center =
            (f.from.center.0 + (f.to.0 - f.from.center.0) * s, f.from.center.1 + (f.to.1 - f.from.center.1) * s);
        self.view.zoom = f.from.zoom + (f.zoom - f.from.zoom) * s;
        if t >= 1.0 {
            self.flight = None;
        }
    }

    /// Everything the search box can find for `query` (at most `limit`): coordinates, unit
    /// callsigns, cameras, zones, stations, alarm sites and roads.
    pub fn find(&self, query: &str, limit: usize) -> Vec<Place> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        if let Ok((lon, lat)) = crate::cli::parse_lonlat(&q) {
            return vec![Place { label: format!("{lon:.5}, {lat:.5}"), lon, lat }];
        }
        let desk = &self.session.desk;
        let hit = |s: &str| s.to_lowercase().contains(&q);
        let units = desk.world().units().iter().filter(|u| hit(&u.callsign) || hit(&u.id)).filter_map(|u| {
            u.last_fix.map(|f| Place { label: format!("Unit {}", u.callsign), lon: f.lon, lat: f.lat })
        });
        let cameras = desk.live.cameras.cameras().iter().filter(|c| hit(&c.name) || hit(&c.id)).map(|c| Place {
            label: format!("Camera {}", c.name),
            lon: c.lon,
            lat: c.lat,
        });
        let zones = desk.live.zones.zones().iter().filter(|z| hit(&z.name) || hit(&z.code)).filter_map(|z| {
            use geo::InteriorPoint;
            z.polygon.interior_point().map(|p| Place {
                label: format!("Zone {} ({})", z.name, z.code),
                lon: p.x(),
                lat: p.y(),
            })
        });
        let fixed = self.stations.iter().chain(&self.sites).chain(&self.roads).filter(|p| hit(&p.label)).cloned();
        units.chain(cameras).chain(zones).chain(fixed).take(limit).collect()
    }
}
