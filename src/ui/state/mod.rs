//! The console's state, kept between frames: the session it runs on, what is selected (alarm,
//! unit, the alarm's nearest units), the map view and its flights (`flight`), the search box
//! and what it finds (`search`), the wall and its focus view, the live layers' look and the
//! palette. Each frame it takes in what the desk brought and feeds the canvas's live layers
//! (`layers`), works out the analyst's hotspots off the render thread (`hotspots`) and shows
//! the record at a chosen moment in place of the live world (`replay`), and keeps the
//! analyst's last report (`reports`) and who was near a place (`near`), and the commander's
//! drive-time coverage and move-up (`coverage`), and the zone editor's working copy
//! (`zone_editor`). It
//! draws nothing (`ui::draw` does, from this state); everything the operator does becomes a
//! desk command, and nothing here changes the world directly.

pub mod alerts;
pub mod coverage;
mod flight;
pub mod hotspots;
mod layers;
pub mod near;
pub mod plans;
pub mod replay;
pub mod reports;
mod search;
pub mod zone_editor;

use std::collections::HashMap;

use eframe::egui;

use super::canvas::Canvas;
use super::speaker::Speaker;
use crate::model::{now_millis, AlarmId, CallId, Disposition, IncidentId, IncidentKind, Millis, Role};
use crate::ops::Session;
use crate::render::live::LiveStyle;
use crate::render::style::Palette;
use crate::render::{ThemeName, View};
use crate::spatial::dispatch::Candidate;
use alerts::Alerts;

pub use flight::Flight;

/// How often the selected alarm's nearest units are worked out again.
const CANDIDATES_EVERY_MS: Millis = 5_000;
/// Markers are this much larger on the video wall.
const WALL_MARKER_SCALE: f32 = 1.6;

/// Something to find on the map.
#[derive(Clone, Debug)]
pub struct Place {
    /// The feature's id in its file (a road's name for roads).
    pub id: String,
    pub label: String,
    pub lon: f64,
    pub lat: f64,
}

/// The share of the road nodes (in each direction) the home view is fitted to.
const HOME_SHARE: f64 = 0.96;

/// What the next click on the map places.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placing {
    /// An alarm that came without a position.
    Alarm(AlarmId),
    /// The incident on the call taker's form.
    Incident,
    /// The place the analyst asks who was near.
    Near,
}

/// The call taker's incident form, kept for the call it was started on.
#[derive(Clone, Debug, Default)]
pub struct IncidentForm {
    pub call: Option<CallId>,
    pub kind: IncidentKind,
    /// None: the kind's own priority.
    pub priority: Option<u8>,
    pub note: String,
    /// The caller's name, as given (empty: not given).
    pub caller_name: String,
    /// Where the incident is, as the call taker chose it (a search result or a click on the
    /// map), with the words it is recorded under; none: the caller's AML location.
    pub place: Option<FormPlace>,
    /// What the form's place search looks for.
    pub place_query: String,
}

/// A place chosen on the incident form.
#[derive(Clone, Debug, PartialEq)]
pub struct FormPlace {
    pub lon: f64,
    pub lat: f64,
    pub address: String,
}

pub struct Console {
    pub session: Session,
    pub view: View,
    /// Alerts for officers in distress, and the seat's speaker they sound on (silent until the
    /// app gives it one).
    pub alerts: Alerts,
    pub speaker: Speaker,
    /// The view the map opens on and the home button returns to: where most of the city's
    /// roads are (outlying islands left out), or `--center`/`--zoom`.
    pub home: View,
    /// Where the overview map was last drawn in the window, in points.
    pub overview: egui::Rect,
    /// The video wall's focus viewport (the newest alarm, close up).
    pub focus: Option<View>,
    flight: Option<Flight>,
    pub selected_alarm: Option<AlarmId>,
    pub selected_unit: Option<u32>,
    /// Units (by id) whose recent track is drawn, as chosen on their cards.
    pub trails_shown: std::collections::BTreeSet<String>,
    pub candidates: Vec<Candidate>,
    /// The selected alarm's dispatched unit, with its distance and ETA now.
    pub assigned: Option<Candidate>,
    candidates_at: Millis,
    /// The close form of the selected alarm: the disposition chosen (none yet) and the note.
    pub closing: (Option<Disposition>, String),
    /// The incident opened on the incidents panel, and its nearest available units.
    pub selected_incident: Option<IncidentId>,
    pub incident_candidates: Vec<Candidate>,
    /// The call taker's incident form on the call they hold.
    pub incident_form: IncidentForm,
    /// Why a commander blocks the number of the call they hold.
    pub block_reason: String,
    /// What the history list is filtered by.
    pub history_search: String,
    /// What the next click on the map places, if anything.
    pub placing: Option<Placing>,
    pub search: String,
    /// The road a search result chose, drawn highlighted.
    pub highlighted_road: Option<String>,
    /// Which unit statuses the unit list shows.
    pub status_filter: [bool; 6],
    pub wall: bool,
    /// On the wall, the focus view has a window of its own (for another screen).
    pub focus_window: bool,
    pub style: LiveStyle,
    /// The colours the panels, the status strip and the map's overlays are drawn with (the
    /// theme's; the live layers are given the same one).
    pub palette: Palette,
    /// The point under the cursor and the finest zone there.
    pub cursor: Option<(f64, f64)>,
    pub hover_zone: Option<u32>,
    pub congested_km: f64,
    congestion_at: Millis,
    /// Stations, alarm sites, road names: fixed things to search and draw.
    pub stations: Vec<Place>,
    pub sites: Vec<Place>,
    /// Alarm sites' names by id, for naming their alarms.
    site_names: HashMap<String, String>,
    pub roads: Vec<Place>,
    /// Per road edge id: its ends and its length (for drawing and totalling congestion).
    edge_ends: Vec<(u32, u32)>,
    edge_km: Vec<f64>,
    /// Live-layer slots whose look depends on the selection (rewritten when it changes).
    drawn_selection: (Option<u32>, Option<u32>),
    routes_dirty: bool,
    seen_alarms: usize,
    /// The feeds were taken in since the last frame was drawn.
    polled: bool,
    /// The login screen's name and password (the password cleared once sent).
    pub login: (String, String),
    /// The analyst's hotspots and early warning.
    pub hotspots: hotspots::Hotspots,
    /// The record at a chosen moment, shown in place of the live world.
    pub replay: replay::Replay,
    /// The analyst's reports window.
    pub reports: reports::Reports,
    /// Who was near a place the analyst picked.
    pub near: near::Near,
    /// The commander's drive-time coverage and move-up.
    pub coverage: coverage::CoverageDesk,
    /// The operation plans' flags, shortfalls and escort routes.
    pub plans: plans::PlanDesk,
    /// The commander's zone editor.
    pub zone_editor: zone_editor::ZoneEditor,
    /// The desk's zone-edit count the canvas's zone outlines and names were drawn for.
    drawn_zone_edits: u64,
}

impl Console {
    /// A console on `session` in the built-in day palette (the app sets its theme's).
    pub fn new(session: Session, wall: bool, stations: Vec<Place>, sites: Vec<Place>, roads: Vec<Place>) -> Self {
        let extent = session.desk.roads().and_then(|g| g.dense_extent(HOME_SHARE)).unwrap_or(session.bounds);
        let view = View::fit(extent, 1280, 800);
        let edges: Vec<(u32, &crate::spatial::roads::Edge)> =
            session.desk.roads().map(|g| g.edges().collect()).unwrap_or_default();
        let edge_ends = edges.iter().map(|(from, e)| (*from, e.to)).collect();
        let edge_km = edges.iter().map(|(_, e)| f64::from(e.length_m) / 1000.0).collect();
        let seen_alarms = session.desk.world().alarms().len();
        Self {
            session,
            view,
            home: view,
            alerts: Alerts::default(),
            speaker: Speaker::silent(),
            overview: egui::Rect::NOTHING,
            focus: None,
            flight: None,
            selected_alarm: None,
            selected_unit: None,
            trails_shown: std::collections::BTreeSet::new(),
            candidates: Vec::new(),
            assigned: None,
            candidates_at: 0,
            closing: (None, String::new()),
            selected_incident: None,
            incident_candidates: Vec::new(),
            incident_form: IncidentForm::default(),
            block_reason: String::new(),
            history_search: String::new(),
            placing: None,
            search: String::new(),
            highlighted_road: None,
            status_filter: [true; 6],
            wall,
            focus_window: false,
            style: LiveStyle { marker_scale: marker_scale(wall), ..LiveStyle::default() },
            palette: Palette::builtin(ThemeName::Day).clone(),
            cursor: None,
            hover_zone: None,
            congested_km: 0.0,
            congestion_at: 0,
            stations,
            site_names: sites.iter().filter(|p| p.label != p.id).map(|p| (p.id.clone(), p.label.clone())).collect(),
            sites,
            roads,
            edge_ends,
            edge_km,
            drawn_selection: (None, None),
            routes_dirty: false,
            seen_alarms,
            polled: false,
            login: Default::default(),
            hotspots: hotspots::Hotspots::default(),
            replay: replay::Replay::default(),
            reports: reports::Reports::default(),
            near: near::Near::default(),
            coverage: coverage::CoverageDesk::default(),
            plans: plans::PlanDesk::default(),
            zone_editor: zone_editor::ZoneEditor::default(),
            drawn_zone_edits: 0,
        }
    }

    pub fn role(&self) -> Role {
        self.session.desk.role
    }

    /// Whether this desk's role may act on alarms and units (the world decides in the end).
    pub fn may_act(&self) -> bool {
        matches!(self.role(), Role::Operator | Role::Commander)
    }

    /// Takes in what the feeds brought and sounds the alerts due. The app calls it before
    /// every frame, also while the window is hidden, so nothing piles up; the frame then drawn
    /// does not take them in again (a frame drawn without the app, as in the UI tests, does).
    pub fn poll(&mut self) {
        self.polled = true;
        self.session.desk.poll();
        for sound in self.alerts.due(&self.session.desk, now_millis()) {
            self.speaker.play(sound);
        }
    }

    /// A frame's change of state before anything is drawn: what the feeds brought, the wall
    /// following new alarms, the selection kept current, and the live layers updated (without
    /// a canvas, as in the UI tests, the changes are still taken).
    pub(crate) fn tick(&mut self, ctx: &egui::Context, canvas: Option<&mut Canvas>, now: Millis) {
        if !std::mem::take(&mut self.polled) {
            self.poll();
            self.polled = false;
        }
        self.update_replay(now);
        self.take_saved_evidence();
        self.take_near();
        self.follow_new_alarms();
        self.refresh_selection(now);
        self.update_hotspots(ctx, now);
        self.update_plans(now);
        match canvas {
            Some(canvas) => {
                self.update_coverage(Some(&mut *canvas), now);
                self.update_layers(canvas, now);
            }
            None => {
                self.update_coverage(None, now);
                drop(self.session.desk.take_changes());
            }
        }
    }

    pub fn set_wall(&mut self, ctx: &egui::Context, on: bool) {
        self.wall = on;
        self.style.marker_scale = marker_scale(on);
        ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(on));
    }

    /// A closed alarm leaves the selection (whoever closed it); an open one gets its nearest
    /// units worked out again every few seconds, as units move and change status.
    fn refresh_selection(&mut self, now: Millis) {
        let Some(id) = self.selected_alarm else { return };
        match self.session.desk.world().alarm(id).cloned() {
            Some(alarm) if alarm.state.is_open() => {
                let units = self.session.desk.world().units();
                let shown = self.assigned.as_ref().and_then(|c| units.get(c.slot as usize)).map(|u| &u.id);
                if now - self.candidates_at >= CANDIDATES_EVERY_MS || shown != alarm.dispatched_unit.as_ref() {
                    self.candidates = self.session.desk.candidates(&alarm);
                    self.assigned = self.session.desk.assigned(&alarm);
                    self.candidates_at = now;
                    self.routes_dirty = true;
                }
            }
            _ => self.clear_alarm(),
        }
    }

    /// On the wall, every new alarm is brought into the focus view at once.
    fn follow_new_alarms(&mut self) {
        if self.session.desk.showing_past() {
            // The wall follows the live alarms; those of the past shown are not new.
            return;
        }
        let alarms = self.session.desk.world().alarms();
        if alarms.len() == self.seen_alarms {
            return;
        }
        self.seen_alarms = alarms.len();
        let desk = &self.session.desk;
        let newest =
            alarms.iter().rev().find(|a| a.state.is_open() && a.lon.is_some() && desk.in_view(a)).map(|a| a.id);
        if let (true, Some(id)) = (self.wall, newest) {
            self.select_alarm(id);
        }
    }

    /// Selects an alarm: its nearest units (with routes) and cameras are worked out, the map
    /// flies there, and on the wall the focus view closes in on it.
    pub fn select_alarm(&mut self, id: AlarmId) {
        let Some(alarm) = self.session.desk.world().alarm(id).cloned() else { return };
        if self.selected_alarm != Some(id) {
            self.closing = (None, String::new());
        }
        self.selected_alarm = Some(id);
        self.placing = None;
        self.candidates = self.session.desk.candidates(&alarm);
        self.assigned = self.session.desk.assigned(&alarm);
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

    /// Who raised an alarm as the operator knows them (an alarm site by its name and id, a
    /// unit by its callsign, else the device id) and the street it is on.
    pub fn alarm_name(&self, alarm: &crate::model::Alarm) -> String {
        let desk = &self.session.desk;
        let who = match self.site_names.get(&alarm.source) {
            Some(name) => format!("{name} ({})", alarm.source),
            None => desk.alarm_source_name(alarm),
        };
        match desk.alarm_street(alarm) {
            Some(street) => format!("{who} · {street}"),
            None => who,
        }
    }

    /// Places what waited for a click on the map at the point clicked: an alarm by a command,
    /// the form's incident by naming the street there.
    pub fn place(&mut self, placing: Placing, lon: f64, lat: f64) {
        match placing {
            Placing::Alarm(alarm) => self.session.desk.command(crate::model::Command::Place { alarm, lon, lat }),
            Placing::Incident => {
                let street = self.session.desk.street_at(lon, lat);
                let point = format!("{lat:.5}, {lon:.5}");
                let address = street.map_or_else(|| point.clone(), |s| format!("{s} ({point})"));
                self.incident_form.place = Some(FormPlace { lon, lat, address });
            }
            Placing::Near => self.search_near((lon, lat)),
        }
    }

    pub fn clear_alarm(&mut self) {
        self.selected_alarm = None;
        self.placing = None;
        self.candidates.clear();
        self.assigned = None;
        self.closing = (None, String::new());
        self.routes_dirty = true;
    }

    /// Opens an incident on the panel: its nearest available units are worked out and the map
    /// flies there.
    pub fn select_incident(&mut self, id: IncidentId) {
        let Some(incident) = self.session.desk.world().incident(id).cloned() else { return };
        self.selected_incident = Some(id);
        self.incident_candidates = match (incident.lon, incident.lat) {
            (Some(lon), Some(lat)) => {
                self.fly_to(lon, lat, self.view.zoom.max(15.0));
                self.session.desk.candidates_at(lon, lat)
            }
            _ => Vec::new(),
        };
    }

    pub fn dispatch(&mut self, alarm: AlarmId, unit: &str) {
        self.session.desk.dispatch(alarm, unit);
    }
}

fn marker_scale(wall: bool) -> f32 {
    if wall {
        WALL_MARKER_SCALE
    } else {
        1.0
    }
}
