//! One frame of the whole screen, the only place that joins the console's state and its
//! drawing: the state moves on (feeds taken in, selection kept current, live layers fed), then
//! the status strip, the hub's banner when it is lost, the side panels (not on the wall) and the
//! map are drawn from it, the login screen over them until the hub takes a login, and a flight
//! in progress moves on a step.

use std::time::Duration;

use eframe::egui;

use super::canvas::Canvas;
use super::draw::{map_view, panels, reports, seats, wall};
use super::state::Console;
use crate::model::now_millis;

/// Pulsing alarms and live data keep frames coming at least this often.
const REPAINT_EVERY: Duration = Duration::from_millis(50);

impl Console {
    /// One frame: take in what the feeds brought, update the GPU layers, draw the screen.
    pub fn frame(&mut self, ui: &mut egui::Ui, mut canvas: Option<&mut Canvas>) {
        let now = now_millis();
        // A neutral selection behind coloured row text (egui's blue put red alarms at 1.3:1).
        ui.visuals_mut().selection.bg_fill = egui::Color32::from_gray(72);
        self.tick(ui.ctx(), canvas.as_deref_mut(), now);
        if ui.input(|i| i.key_pressed(egui::Key::F11)) {
            self.set_wall(ui.ctx(), !self.wall);
        }
        wall::status_strip(ui, self);
        seats::link_banner(ui, self, if self.wall { wall::WALL_TEXT } else { 18.0 });
        if self.wall {
            wall::alarm_list(ui, self);
        } else {
            panels::left(ui, self);
            panels::right(ui, self);
        }
        egui::CentralPanel::default().frame(egui::Frame::NONE).show(ui, |ui| {
            map_view::show(ui, self, canvas, now);
        });
        if self.reports.open {
            reports::window(ui.ctx(), self);
        }
        seats::login(ui, self);
        self.advance_flight();
        ui.ctx().request_repaint_after(REPAINT_EVERY);
    }
}
