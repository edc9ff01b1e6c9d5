//! The analyst's panel: replay (the record at a chosen moment, with a slider, play forwards
//! or backwards at 1 to 60 times, and back to live), the incident hotspots (shown or not; which kind, the last days, hours
//! of the day, days of the week; the kernel's bandwidth) and the early warning, each zone's
//! latest week against its own weeks before, flagged zones in alarm red.

use eframe::egui::{self, RichText};

use super::look::{clock, readable};
use crate::model::{now_millis, IncidentKind};
use crate::ui::state::Console;

const PERIODS: [(u32, &str); 4] =
    [(1, "the last day"), (7, "the last week"), (30, "the last 30 days"), (0, "the whole record")];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
/// Early-warning tests listed (the least probable first).
const WARNINGS_SHOWN: usize = 6;

pub fn panel(ui: &mut egui::Ui, console: &mut Console) {
    ui.collapsing("Analysis", |ui| {
        replay(ui, console);
        ui.separator();
        hotspots(ui, console);
        ui.separator();
        early_warning(ui, console);
        ui.separator();
        near(ui, console);
        ui.separator();
        if ui.button("Reports: response times, charts").clicked() {
            console.reports.open = true;
        }
    });
}

fn hotspots(ui: &mut egui::Ui, console: &mut Console) {
    let h = &mut console.hotspots;
    ui.horizontal(|ui| {
        ui.checkbox(&mut h.shown, "Hotspots of");
        egui::ComboBox::from_id_salt("hotspot-source").selected_text(h.source.name()).show_ui(ui, |ui| {
            for source in crate::analysis::heat::Source::ALL {
                ui.selectable_value(&mut h.source, source, source.name());
            }
        });
    });
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
        ui.label(format!("{} {} · at most {peak:.1} per km²", h.counted, h.source.name()));
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

/// The speeds offered, record seconds a second (negative: backwards).
const SPEEDS: [(f64, &str); 6] =
    [(-60.0, "◀ 60x"), (-1.0, "◀ 1x"), (0.0, "pause"), (1.0, "1x ▶"), (10.0, "10x ▶"), (60.0, "60x ▶")];

fn replay(ui: &mut egui::Ui, console: &mut Console) {
    let now = now_millis();
    if console.replay_journal().is_none() {
        ui.label("Replay: this desk has no journal of its own (it is a seat of a hub elsewhere)");
        return;
    }
    if !console.replay.on {
        if ui.button("Replay the record…").clicked() {
            console.start_replay(now - 3_600_000, now);
        }
        return;
    }
    let r = &mut console.replay;
    let (first, last) = r.range;
    let shown = clock(r.at);
    ui.add(egui::Slider::new(&mut r.at, first..=last).show_value(false).text(shown));
    ui.horizontal_wrapped(|ui| {
        for (speed, label) in SPEEDS {
            ui.selectable_value(&mut r.speed, speed, label);
        }
    });
    if let Some(why) = &r.error {
        ui.label(why.as_str());
    }
    ui.horizontal(|ui| {
        if ui.button("Save evidence").on_hover_text("the map as shown, stamped, and the tracks shown").clicked() {
            console.save_evidence();
        }
        if ui.button("Back to live").clicked() {
            console.stop_replay();
        }
    });
    if let Some(said) = &console.replay.saved {
        ui.label(said.as_str());
    }
}

/// Who was near a place: the radius, the window before the moment shown, a click on the map,
/// and the units found (a click on one flies to where it came closest).
fn near(ui: &mut egui::Ui, console: &mut Console) {
    if console.replay_journal().is_none() {
        return;
    }
    ui.horizontal(|ui| {
        ui.label("Who was within");
        ui.add(egui::DragValue::new(&mut console.near.radius_m).range(10.0..=5_000.0).suffix(" m"));
        ui.label("in the last");
        ui.add(egui::DragValue::new(&mut console.near.window_min).range(1..=1_440).suffix(" min"));
    });
    let waiting = console.placing == Some(crate::ui::state::Placing::Near);
    let label = if waiting { "click the place on the map… (cancel)" } else { "Pick the place on the map" };
    if ui.button(label).clicked() {
        console.placing = if waiting { None } else { Some(crate::ui::state::Placing::Near) };
    }
    if console.searching_near() {
        ui.label("searching the journal…");
    }
    let mut fly = None;
    match &console.near.found {
        Some(Ok(found)) if found.is_empty() => {
            ui.label("nobody was there");
        }
        Some(Ok(found)) => {
            for s in found.iter().take(12) {
                let who = s.callsign.as_deref().unwrap_or(s.unit.as_str());
                let text = format!(
                    "{who}: {:.0} m at {} ({} fixes, {}–{})",
                    s.closest_m,
                    clock(s.closest.time),
                    s.fixes,
                    clock(s.first),
                    clock(s.last)
                );
                if ui.link(text).clicked() {
                    fly = Some((s.closest.lon, s.closest.lat));
                }
            }
        }
        Some(Err(why)) => {
            ui.label(why.as_str());
        }
        None => {}
    }
    if let Some((lon, lat)) = fly {
        console.fly_to(lon, lat, 17.0);
    }
}
