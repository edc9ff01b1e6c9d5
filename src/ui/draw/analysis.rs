//! The analyst's panel: the incident hotspots (shown or not; which kind, the last days, hours
//! of the day, days of the week; the kernel's bandwidth) and the early warning, each zone's
//! latest week against its own weeks before, flagged zones in alarm red.

use eframe::egui::{self, RichText};

use super::look::readable;
use crate::model::{now_millis, IncidentKind};
use crate::ui::state::Console;

const PERIODS: [(u32, &str); 4] =
    [(1, "the last day"), (7, "the last week"), (30, "the last 30 days"), (0, "the whole record")];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
/// Early-warning tests listed (the least probable first).
const WARNINGS_SHOWN: usize = 6;

pub fn panel(ui: &mut egui::Ui, console: &mut Console) {
    ui.collapsing("Analysis", |ui| {
        hotspots(ui, console);
        ui.separator();
        early_warning(ui, console);
    });
}

fn hotspots(ui: &mut egui::Ui, console: &mut Console) {
    let h = &mut console.hotspots;
    ui.checkbox(&mut h.shown, "Incident hotspots");
    let kind = h.kind.map_or("every kind", IncidentKind::polri_name);
    egui::ComboBox::from_id_salt("hotspot-kind").selected_text(kind).show_ui(ui, |ui| {
        ui.selectable_value(&mut h.kind, None, "every kind");
        for choice in IncidentKind::ALL {
            ui.selectable_value(&mut h.kind, Some(choice), choice.polri_name());
        }
    });
    let period = PERIODS.iter().find(|p| p.0 == h.days).map_or("", |p| p.1);
    egui::ComboBox::from_id_salt("hotspot-period").selected_text(period).show_ui(ui, |ui| {
        for (days, name) in PERIODS {
            ui.selectable_value(&mut h.days, days, name);
        }
    });
    ui.horizontal(|ui| {
        ui.label("hours (WIB)");
        ui.add(egui::DragValue::new(&mut h.hours.0).range(0..=23));
        ui.label("to");
        ui.add(egui::DragValue::new(&mut h.hours.1).range(0..=23));
    });
    ui.horizontal_wrapped(|ui| {
        for (i, day) in WEEKDAYS.iter().enumerate() {
            ui.toggle_value(&mut h.weekdays[i], *day);
        }
    });
    ui.add(egui::Slider::new(&mut h.bandwidth_m, 100.0..=2000.0).text("m bandwidth").logarithmic(true));
    if let Some((_, _, peak)) = h.grid.as_ref().filter(|_| h.shown) {
        ui.label(format!("{} incidents · at most {peak:.1} per km²", h.counted));
    }
}

fn early_warning(ui: &mut egui::Ui, console: &mut Console) {
    if ui.button("Early warning: this week against the weeks before").clicked() {
        console.check_warnings(now_millis());
    }
    let ground = ui.visuals().panel_fill;
    let alarm = console.palette.alarm;
    match &console.hotspots.warnings {
        Some(Ok(tests)) => {
            let flagged = tests.iter().filter(|t| t.flagged).count();
            ui.label(format!("{flagged} of {} zones flagged", tests.len()));
            for t in tests.iter().take(WARNINGS_SHOWN) {
                let text = format!(
                    "{} {}: {} this week, {:.1} a week before (p = {:.1e})",
                    t.zone, t.name, t.count, t.baseline, t.probability
                );
                let text = if t.flagged {
                    RichText::new(text).color(readable(alarm, ground)).strong()
                } else {
                    RichText::new(text)
                };
                ui.label(text);
            }
        }
        Some(Err(why)) => {
            ui.label(why.as_str());
        }
        None => {}
    }
}
