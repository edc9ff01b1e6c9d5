//! The status strip: units by status, open alarms with the oldest one's age, congested
//! kilometres, the clock and the role, and the switch to and from the video wall. On the wall
//! it is the only chrome, in large type readable from across the room.

use eframe::egui::{self, RichText};

use super::look::{age, colour, status_name};
use crate::model::now_millis;
use crate::ui::state::Console;

pub fn status_strip(ui: &mut egui::Ui, console: &mut Console) {
    let size = if console.wall { 30.0 } else { 15.0 };
    egui::Panel::top("status-strip").show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("pantau").size(size).strong());
            ui.separator();
            unit_counts(ui, console, size);
            ui.separator();
            open_alarms(ui, console, size);
            ui.separator();
            ui.label(RichText::new(format!("congested {:.1} km", console.congested_km)).size(size));
            ui.separator();
            let clock = chrono::Local::now().format("%H:%M:%S").to_string();
            ui.label(RichText::new(clock).size(size).monospace());
            ui.label(RichText::new(format!("{:?}", console.role()).to_lowercase()).size(size * 0.8));
            wall_switch(ui, console);
            sound_switch(ui, console);
        });
    });
}

/// Alert sounds on or off for this seat (alerts still show, and are still recorded).
fn sound_switch(ui: &mut egui::Ui, console: &mut Console) {
    let label = if console.alerts.muted { "sound off" } else { "sound on" };
    if ui.button(label).on_hover_text("alert sounds for officers in distress").clicked() {
        console.alerts.muted = !console.alerts.muted;
    }
}

/// How many units are in each status, in the status's colour.
fn unit_counts(ui: &mut egui::Ui, console: &Console, size: f32) {
    for (status, count) in console.session.desk.status_counts() {
        let text = format!("{} {count}", status_name(status));
        ui.label(RichText::new(text).size(size).color(colour(console.palette.unit(status))).strong());
    }
}

/// The open alarms and the oldest one's age, in alarm red (quiet when there are none).
fn open_alarms(ui: &mut egui::Ui, console: &Console, size: f32) {
    let queue = console.session.desk.alarm_queue();
    let oldest = queue.iter().map(|a| a.time).min();
    let text = match oldest {
        Some(t) => format!("ALARMS {} open, oldest {}", queue.len(), age(t, now_millis())),
        None => "no open alarms".to_string(),
    };
    let shade = if queue.is_empty() { console.palette.quiet } else { console.palette.alarm };
    ui.label(RichText::new(text).size(size).color(colour(shade)).strong());
}

fn wall_switch(ui: &mut egui::Ui, console: &mut Console) {
    let label = if console.wall { "desk (F11)" } else { "video wall (F11)" };
    if ui.button(label).clicked() {
        let on = !console.wall;
        console.set_wall(ui.ctx(), on);
    }
}
