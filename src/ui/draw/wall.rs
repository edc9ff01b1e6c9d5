//! The status strip: units by status, open alarms with the oldest one's age, congested
//! kilometres, the clock and the role. On the video wall it is the only chrome, in large type
//! readable from across the room.

use eframe::egui::{self, Color32, RichText};

use super::console::Console;
use super::panels::{age, colour, status_name};
use crate::model::now_millis;
use crate::render::live::unit_colour;

pub fn status_strip(ui: &mut egui::Ui, console: &mut Console) {
    let size = if console.wall { 30.0 } else { 15.0 };
    egui::Panel::top("status-strip").show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("pantau").size(size).strong());
            ui.separator();
            for (status, count) in console.session.desk.status_counts() {
                let text = format!("{} {count}", status_name(status));
                ui.label(RichText::new(text).size(size).color(colour(unit_colour(status))).strong());
            }
            ui.separator();
            let now = now_millis();
            let queue = console.session.desk.alarm_queue();
            let oldest = queue.iter().map(|a| a.time).min();
            let alarms = match oldest {
                Some(t) => format!("ALARMS {} open, oldest {}", queue.len(), age(t, now)),
                None => "no open alarms".to_string(),
            };
            let alarm_colour = if queue.is_empty() { Color32::GRAY } else { Color32::from_rgb(0xd0, 0x10, 0x28) };
            ui.label(RichText::new(alarms).size(size).color(alarm_colour).strong());
            ui.separator();
            ui.label(RichText::new(format!("congested {:.1} km", console.congested_km)).size(size));
            ui.separator();
            let clock = chrono::Local::now().format("%H:%M:%S").to_string();
            ui.label(RichText::new(clock).size(size).monospace());
            ui.label(RichText::new(format!("{:?}", console.role()).to_lowercase()).size(size * 0.8));
            let label = if console.wall { "desk (F11)" } else { "video wall (F11)" };
            if ui.button(label).clicked() {
                let on = !console.wall;
                console.set_wall(ui.ctx(), on);
            }
        });
    });
}
