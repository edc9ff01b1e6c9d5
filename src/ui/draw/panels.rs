//! The desk's side panels. Left: layers (toggle, opacity) with the legend, search (callsign,
//! camera, zone, station, site, road or coordinates) that flies the map there, and the unit
//! list with status filters. Right: the alarm queue (highest priority, then newest, first, with
//! age timers) and the selected alarm: its zones, the nearest available units with distance and
//! road ETA, and **Dispatch**; acknowledge, resolve, false alarm; the cameras that see it.

use eframe::egui::{self, Color32, RichText};

use super::console::Console;
use crate::model::{now_millis, Alarm, AlarmState, Command, Millis, UnitStatus};
use crate::render::live::{unit_colour, LayerId};

pub fn status_name(s: UnitStatus) -> &'static str {
    match s {
        UnitStatus::Available => "available",
        UnitStatus::Dispatched => "dispatched",
        UnitStatus::EnRoute => "en route",
        UnitStatus::OnScene => "on scene",
        UnitStatus::Returning => "returning",
        UnitStatus::OffDuty => "off duty",
    }
}

pub fn colour(c: [u8; 4]) -> Color32 {
    Color32::from_rgb(c[0], c[1], c[2])
}

/// Minutes and seconds since `t`.
pub fn age(t: Millis, now: Millis) -> String {
    let s = ((now - t) / 1000).max(0);
    format!("{:02}:{:02}", s / 60, s % 60)
}

pub fn left(ui: &mut egui::Ui, console: &mut Console) {
    egui::Panel::left("desk-left").resizable(true).default_size(270.0).show(ui, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.collapsing("Layers", |ui| layers(ui, console));
            ui.separator();
            search(ui, console);
            ui.separator();
            units(ui, console);
        });
    });
}

fn layers(ui: &mut egui::Ui, console: &mut Console) {
    for layer in LayerId::ALL {
        let i = layer as usize;
        ui.horizontal(|ui| {
            ui.checkbox(&mut console.style.visible[i], layer.name());
            ui.add(egui::Slider::new(&mut console.style.opacity[i], 0.1..=1.0).show_value(false));
        });
    }
    ui.label(RichText::new("Units").strong());
    ui.horizontal_wrapped(|ui| {
        for s in UnitStatus::ALL {
            ui.label(RichText::new(status_name(s)).color(colour(unit_colour(s))).strong());
        }
    });
    ui.label(RichText::new("Congestion").strong());
    ui.horizontal(|ui| {
        for (name, c) in [
            ("slow", [0xf5, 0xc2, 0x1b, 0xff]),
            ("heavy", [0xe6, 0x6c, 0x0a, 0xff]),
            ("jammed", [0xc0, 0x11, 0x1f, 0xff]),
        ] {
            ui.label(RichText::new("━━").color(colour(c)));
            ui.label(name);
        }
    });
}

fn search(ui: &mut egui::Ui, console: &mut Console) {
    ui.label(RichText::new("Search").strong());
    let edit =
        ui.add(egui::TextEdit::singleline(&mut console.search).hint_text("callsign, camera, zone, road or lon,lat"));
    let results = console.find(&console.search, 12);
    let go = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    if let (true, Some(first)) = (go, results.first()) {
        console.fly_to(first.lon, first.lat, 16.5);
    }
    for place in results {
        if ui.link(&place.label).clicked() {
            console.fly_to(place.lon, place.lat, 16.5);
        }
    }
}

fn units(ui: &mut egui::Ui, console: &mut Console) {
    ui.label(RichText::new("Units").strong());
    ui.horizontal_wrapped(|ui| {
        for (i, s) in UnitStatus::ALL.iter().enumerate() {
            ui.toggle_value(&mut console.status_filter[i], status_name(*s));
        }
    });
    let now = now_millis();
    let mut clicked = None;
    {
        let world = console.session.desk.world();
        let shown = world
            .units()
            .iter()
            .enumerate()
            .filter(|(_, u)| u.last_fix.is_some() && console.status_filter[u.status.index()]);
        for (slot, unit) in shown.take(300) {
            let fix_age = unit.last_fix.map(|f| age(f.time, now)).unwrap_or_default();
            let text = RichText::new(format!("{}  {}  {}", unit.callsign, status_name(unit.status), fix_age))
                .color(colour(unit_colour(unit.status)));
            if ui.selectable_label(console.selected_unit == Some(slot as u32), text).clicked() {
                clicked = Some((slot as u32, unit.last_fix));
            }
        }
    }
    if let Some((slot, Some(fix))) = clicked {
        console.selected_unit = Some(slot);
        console.fly_to(fix.lon, fix.lat, 16.5);
    }
}

pub fn right(ui: &mut egui::Ui, console: &mut Console) {
    egui::Panel::right("desk-right").resizable(true).default_size(380.0).show(ui, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            alarm_queue(ui, console);
            ui.separator();
            if let Some(alarm) = console.selected_alarm.and_then(|id| console.session.desk.world().alarm(id).cloned()) {
                alarm_detail(ui, console, &alarm);
            }
        });
    });
}

fn alarm_queue(ui: &mut egui::Ui, console: &mut Console) {
    let now = now_millis();
    let queue: Vec<Alarm> = console.session.desk.alarm_queue().into_iter().cloned().collect();
    ui.heading(format!("Alarms ({} open)", queue.len()));
    let mut chosen = None;
    for alarm in &queue {
        let raised = alarm.state == AlarmState::Raised;
        let text = RichText::new(format!(
            "P{} {} · {} · {}{}",
            alarm.priority,
            alarm.kind.to_uppercase(),
            alarm.source,
            age(alarm.time, now),
            if raised { "" } else { " · acknowledged" }
        ))
        .color(if raised { Color32::from_rgb(0xd0, 0x10, 0x28) } else { Color32::from_rgb(0xc0, 0x6a, 0x00) })
        .strong();
        if ui.selectable_label(console.selected_alarm == Some(alarm.id), text).clicked() {
            chosen = Some(alarm.id);
        }
    }
    if let Some(id) = chosen {
        console.select_alarm(id);
    }
}

fn alarm_detail(ui: &mut egui::Ui, console: &mut Console, alarm: &Alarm) {
    ui.heading(format!("Alarm #{}: {} from {}", alarm.id, alarm.kind, alarm.source));
    let zones: Vec<String> =
        console.session.desk.alarm_zones(alarm).iter().map(|z| format!("{} ({})", z.name, z.code)).collect();
    ui.label(if zones.is_empty() { "outside every zone".to_string() } else { zones.join(" › ") });
    ui.label(format!("{:?}, position {:?}", alarm.state, alarm.position_source).to_lowercase());
    if let Some(reason) = &console.session.desk.refusal {
        ui.colored_label(Color32::from_rgb(0xc0, 0x10, 0x20), format!("Refused: {reason}"));
    }
    let may = console.may_act() && alarm.state.is_open();
    ui.horizontal(|ui| {
        let ack = ui.add_enabled(may && alarm.state == AlarmState::Raised, egui::Button::new("Acknowledge"));
        let resolve = ui.add_enabled(may, egui::Button::new("Resolve"));
        let false_alarm = ui.add_enabled(may, egui::Button::new("False alarm"));
        let command = if ack.clicked() {
            Some(Command::Acknowledge { alarm: alarm.id })
        } else if resolve.clicked() {
            Some(Command::Resolve { alarm: alarm.id })
        } else if false_alarm.clicked() {
            Some(Command::FalseAlarm { alarm: alarm.id })
        } else {
            None
        };
        if let Some(command) = command {
            console.session.desk.command(command);
        }
    });
    ui.label(RichText::new("Nearest available units").strong());
    let mut dispatch = None;
    egui::Grid::new("candidates").striped(true).show(ui, |ui| {
        for c in &console.candidates {
            let Some(unit) = console.session.desk.world().units().get(c.slot as usize) else { continue };
            ui.label(RichText::new(&unit.callsign).color(colour(unit_colour(unit.status))));
            ui.label(format!("{:.1} km", c.road_m.unwrap_or(c.straight_m) / 1000.0));
            ui.label(c.eta_s.map_or("no road".to_string(), |s| format!("{:.0} min", (s / 60.0).ceil())));
            let enabled = may && unit.status == UnitStatus::Available;
            if ui.add_enabled(enabled, egui::Button::new("Dispatch")).clicked() {
                dispatch = Some(unit.id.clone());
            }
            ui.end_row();
        }
    });
    if let Some(unit) = dispatch {
        console.dispatch(alarm.id, &unit);
    }
    if let (Some(lon), Some(lat)) = (alarm.lon, alarm.lat) {
        let cameras = console.session.desk.cameras_covering(lon, lat);
        ui.label(RichText::new(format!("Cameras that see it ({})", cameras.len())).strong());
        for camera in cameras {
            ui.label(&camera.name);
            if let Some(url) = &camera.stream_url {
                ui.hyperlink(url);
            }
        }
    }
}
