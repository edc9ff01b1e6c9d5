//! The status strip: units by status, open alarms with the oldest one's age, congested
//! kilometres, the clock and the role, and the switch to and from the video wall. On the wall
//! it stays on one line (statuses with no units left out) in large type readable from across
//! the room, beside the wall's alarm list: type, place, age, state and unit of every open alarm.

use eframe::egui::{self, RichText};

use super::look::{age, readable, status_name};
use crate::model::{now_millis, AlarmState, UnitStatus};
use crate::ui::state::Console;

/// Type size of the wall's status strip and alarm list.
pub const WALL_TEXT: f32 = 26.0;

pub fn status_strip(ui: &mut egui::Ui, console: &mut Console) {
    egui::Panel::top("status-strip").show(ui, |ui| {
        // One line on the wall (the test holds it to 1,600 px); a narrow desk window wraps.
        if console.wall {
            ui.horizontal(|ui| strip(ui, console, WALL_TEXT));
        } else {
            ui.horizontal_wrapped(|ui| strip(ui, console, 15.0));
        }
    });
}

fn strip(ui: &mut egui::Ui, console: &mut Console, size: f32) {
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
    let role = format!("{:?}", console.role()).to_lowercase();
    let seat = match console.session.desk.jurisdiction() {
        Some(node) => format!("{role} · {node}"),
        None => role,
    };
    ui.label(RichText::new(seat).size(size * 0.8));
    wall_switch(ui, console);
    sound_switch(ui, console);
}

/// Alert sounds on or off for this seat (alerts still show, and are still recorded).
fn sound_switch(ui: &mut egui::Ui, console: &mut Console) {
    let label = if console.alerts.muted { "sound off" } else { "sound on" };
    if ui.button(label).on_hover_text("alert sounds for officers in distress").clicked() {
        console.alerts.muted = !console.alerts.muted;
    }
}

/// How many units are in each status, in the status's colour (on the wall, only statuses
/// that have units, and always the available ones).
fn unit_counts(ui: &mut egui::Ui, console: &Console, size: f32) {
    let shown = console.session.desk.status_counts().into_iter();
    let shown = shown.filter(|(status, count)| !console.wall || *count > 0 || *status == UnitStatus::Available);
    for (status, count) in shown {
        let text = format!("{} {count}", status_name(status));
        ui.label(
            RichText::new(text)
                .size(size)
                .color(readable(console.palette.unit(status), ui.visuals().panel_fill))
                .strong(),
        );
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
    ui.label(RichText::new(text).size(size).color(readable(shade, ui.visuals().panel_fill)).strong());
}

fn wall_switch(ui: &mut egui::Ui, console: &mut Console) {
    let label = if console.wall { "desk (F11)" } else { "video wall (F11)" };
    if ui.button(label).clicked() {
        let on = !console.wall;
        console.set_wall(ui.ctx(), on);
    }
}

/// The wall's alarm list: every open alarm in queue order, as type, place, age, state and the
/// unit on it, in type readable from across the room.
pub fn alarm_list(ui: &mut egui::Ui, console: &mut Console) {
    let now = now_millis();
    egui::Panel::right("wall-alarms").resizable(false).exact_size(560.0).show(ui, |ui| {
        let desk = &console.session.desk;
        let queue = desk.alarm_queue();
        ui.label(RichText::new(format!("ALARMS ({})", queue.len())).size(WALL_TEXT).strong());
        for alarm in queue {
            let officer = if desk.is_officer_alarm(alarm) { "OFFICER " } else { "" };
            let state = match alarm.state {
                AlarmState::Raised => "NEW",
                AlarmState::Acknowledged => "acknowledged",
                _ => "dispatched",
            };
            let unit = alarm.dispatched_unit.as_deref().and_then(|u| desk.world().unit(u)).map(|u| u.callsign.clone());
            let shade = if alarm.state == AlarmState::Raised {
                console.palette.alarm
            } else {
                console.palette.alarm_acknowledged
            };
            let head = format!("{officer}{} · {}", alarm.kind.to_uppercase(), age(alarm.time, now));
            ui.label(RichText::new(head).size(WALL_TEXT).color(readable(shade, ui.visuals().panel_fill)).strong());
            let place = console.alarm_name(alarm);
            let detail = match unit {
                Some(unit) => format!("{place} · {state} · {unit}"),
                None => format!("{place} · {state}"),
            };
            ui.label(RichText::new(detail).size(WALL_TEXT * 0.8).color(ui.visuals().strong_text_color()));
            ui.add_space(6.0);
        }
        ui.separator();
        super::seats::present_on_wall(ui, console, WALL_TEXT * 0.8);
    });
}
