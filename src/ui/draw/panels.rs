//! The desk's side panels. Left: layers (toggle, opacity) with the legend, search (callsign,
//! camera, zone, station, site, road or coordinates) that flies the map there, and the unit
//! list with status filters. Right: the 110 calls this seat may take (`calls.rs`), the alarm queue (highest priority, then newest, first, with
//! age timers) and the selected alarm: its zones, the nearest available units with distance and
//! road ETA, and **Dispatch**; acknowledge, resolve, false alarm; the cameras that see it.
//! Colours come from the console's palette, the legend's from the entries the layers draw with.

use eframe::egui::{self, RichText};

use super::look::{age, colour, readable, status_name};
use crate::model::{now_millis, Alarm, AlarmState, Command, Disposition, UnitStatus};
use crate::render::live::LayerId;
use crate::spatial::congestion::Level;
use crate::ui::state::{Console, Placing};

/// The congestion legend: the levels the congestion layer draws (free flow is not drawn).
const CONGESTION_LEGEND: [(&str, Level); 3] =
    [("slow", Level::Slow), ("heavy", Level::Heavy), ("jammed", Level::Jammed)];

pub fn left(ui: &mut egui::Ui, console: &mut Console) {
    egui::Panel::left("desk-left").resizable(true).default_size(270.0).show(ui, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.collapsing("Layers", |ui| layers(ui, console));
            ui.separator();
            search(ui, console);
            ui.separator();
            units(ui, console);
            ui.separator();
            super::coverage::panel(ui, console);
            ui.separator();
            super::plans::panel(ui, console);
            ui.separator();
            super::zone_editor::panel(ui, console);
            ui.separator();
            super::analysis::panel(ui, console);
            ui.separator();
            super::seats::present(ui, console);
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
    legend(ui, console);
}

/// Unit status, congestion and coverage colours, as the live layers draw them.
/// A legend's mark in a map colour: a disc (units) or a line (congestion), drawn rather than
/// written, so the names beside it keep the panel's readable text colour.
fn swatch(ui: &mut egui::Ui, shade: egui::Color32, line: bool) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(if line { 22.0 } else { 12.0 }, 12.0), egui::Sense::hover());
    if line {
        ui.painter().line_segment([rect.left_center(), rect.right_center()], egui::Stroke::new(4.0, shade));
    } else {
        ui.painter().circle_filled(rect.center(), 5.5, shade);
    }
}

fn legend(ui: &mut egui::Ui, console: &Console) {
    let palette = &console.palette;
    ui.label(RichText::new("Units").strong());
    ui.horizontal_wrapped(|ui| {
        for s in UnitStatus::ALL {
            swatch(ui, colour(palette.unit(s)), false);
            ui.label(status_name(s));
        }
    });
    ui.label(RichText::new("Congestion").strong());
    ui.horizontal(|ui| {
        for (name, level) in CONGESTION_LEGEND {
            if let Some(c) = palette.congestion(level) {
                swatch(ui, colour(c), true);
                ui.label(name);
            }
        }
    });
    ui.label(RichText::new("Coverage").strong());
    ui.horizontal(|ui| {
        swatch(ui, colour(palette.coverage_covered), true);
        ui.label("a free unit within 10 min");
        swatch(ui, colour(palette.coverage_gap), true);
        ui.label("none");
    });
}

fn search(ui: &mut egui::Ui, console: &mut Console) {
    ui.label(RichText::new("Search").strong());
    let edit =
        ui.add(egui::TextEdit::singleline(&mut console.search).hint_text("callsign, zone, road, camera or lat, lon"));
    let results = console.find(&console.search, 12);
    let go = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    if let (true, Some(first)) = (go, results.first()) {
        console.go_to(first);
    }
    if console.search.trim().is_empty() {
        console.highlighted_road = None;
    }
    if results.is_empty() && !console.search.trim().is_empty() {
        let why = Console::not_a_point(&console.search)
            .unwrap_or_else(|| format!("nothing found for {:?}", console.search.trim()));
        ui.colored_label(readable(console.palette.alarm_acknowledged, ui.visuals().panel_fill), why);
    }
    for found in results {
        if ui.link(&found.label).clicked() {
            console.go_to(&found);
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
    if let Some((slot, Some(fix))) = unit_list(ui, console) {
        console.selected_unit = Some(slot);
        console.fly_to(fix.lon, fix.lat, 16.5);
    }
}

/// The units the filters let through (at most 300); returns the one clicked, with its fix.
fn unit_list(ui: &mut egui::Ui, console: &Console) -> Option<(u32, Option<crate::model::Fix>)> {
    let now = now_millis();
    let world = console.session.desk.world();
    let distress = console.session.desk.units_in_distress();
    let shown = world
        .units()
        .iter()
        .enumerate()
        .filter(|(_, u)| u.last_fix.is_some() && console.status_filter[u.status.index()]);
    let mut clicked = None;
    for (slot, unit) in shown.take(300) {
        let fix_age = unit.last_fix.map(|f| age(f.time, now)).unwrap_or_default();
        let text = if distress.contains(&unit.id) {
            RichText::new(format!("{}  SOS  {}", unit.callsign, fix_age))
                .color(readable(console.palette.alarm, ui.visuals().panel_fill))
                .strong()
        } else {
            RichText::new(format!("{}  {}  {}", unit.callsign, status_name(unit.status), fix_age))
                .color(readable(console.palette.unit(unit.status), ui.visuals().panel_fill))
        };
        if ui.selectable_label(console.selected_unit == Some(slot as u32), text).clicked() {
            clicked = Some((slot as u32, unit.last_fix));
        }
    }
    clicked
}

pub fn right(ui: &mut egui::Ui, console: &mut Console) {
    egui::Panel::right("desk-right").resizable(true).default_size(380.0).show(ui, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            super::calls::queue(ui, console);
            super::incidents::queue(ui, console);
            super::calls::breaches(ui, console);
            alarm_queue(ui, console);
            history(ui, console);
            ui.separator();
            unit_card(ui, console);
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
        let repeats = if alarm.repeats > 0 { format!(" ×{}", alarm.repeats + 1) } else { String::new() };
        let officer = if console.session.desk.is_officer_alarm(alarm) { "OFFICER IN DISTRESS · " } else { "" };
        let selected = console.selected_alarm == Some(alarm.id);
        let text = RichText::new(format!(
            "{officer}P{} {}{repeats} · {} · {}{}",
            alarm.priority,
            alarm.kind.to_uppercase(),
            console.alarm_name(alarm),
            age(alarm.time, now),
            if raised { "" } else { " · acknowledged" }
        ))
        .color(readable(
            if raised { console.palette.alarm } else { console.palette.alarm_acknowledged },
            if selected { ui.visuals().selection.bg_fill } else { ui.visuals().panel_fill },
        ))
        .strong();
        if ui.selectable_label(selected, text).clicked() {
            chosen = Some(alarm.id);
        }
    }
    if let Some(id) = chosen {
        console.select_alarm(id);
    }
}

fn alarm_detail(ui: &mut egui::Ui, console: &mut Console, alarm: &Alarm) {
    alarm_summary(ui, console, alarm);
    place_alarm(ui, console, alarm);
    alarm_actions(ui, console, alarm);
    assigned_unit(ui, console, alarm);
    ui.label(RichText::new("Nearest available units").strong());
    if let Some(unit) = candidates(ui, console, alarm) {
        console.dispatch(alarm.id, &unit);
    }
    cameras(ui, console, alarm);
}

/// An alarm that came without a position: the next click on the map places it (search for
/// the place first to fly there).
fn place_alarm(ui: &mut egui::Ui, console: &mut Console, alarm: &Alarm) {
    if alarm.lon.is_some() {
        return;
    }
    let waiting = console.placing == Some(Placing::Alarm(alarm.id));
    let label = if waiting { "click the map where it is… (cancel)" } else { "No position: place it on the map" };
    if ui.add_enabled(console.may_act(), egui::Button::new(label)).clicked() {
        console.placing = if waiting { None } else { Some(Placing::Alarm(alarm.id)) };
    }
}

/// The alarm's heading, its zones, state and position source, and a refusal if one came back.
fn alarm_summary(ui: &mut egui::Ui, console: &Console, alarm: &Alarm) {
    let source = console.alarm_name(alarm);
    ui.heading(format!("Alarm #{}: {} from {source}", alarm.id, alarm.kind));
    if console.session.desk.is_officer_alarm(alarm) {
        ui.colored_label(
            readable(console.palette.alarm, ui.visuals().panel_fill),
            "Officer in distress: not offered for any dispatch until closed",
        );
    }
    let zones: Vec<String> =
        console.session.desk.alarm_zones(alarm).iter().map(|z| format!("{} ({})", z.name, z.code)).collect();
    ui.label(if zones.is_empty() { "outside every zone".to_string() } else { zones.join(" › ") });
    if console.session.desk.org.is_some() {
        let nodes: Vec<&str> = console.session.desk.alarm_nodes(alarm).iter().map(|n| n.name.as_str()).collect();
        ui.label(if nodes.is_empty() { "outside every jurisdiction".to_string() } else { nodes.join(" › ") });
    }
    ui.label(format!("{:?}, position {:?}", alarm.state, alarm.position_source).to_lowercase());
    for note in alarm_notes(alarm) {
        ui.colored_label(readable(console.palette.alarm_acknowledged, ui.visuals().panel_fill), note);
    }
    if let Some(reason) = &console.session.desk.refusal {
        ui.colored_label(readable(console.palette.refusal, ui.visuals().panel_fill), format!("Refused: {reason}"));
    }
}

/// What was changed as the alarm was taken in, and how often it came, in words.
fn alarm_notes(alarm: &Alarm) -> Vec<String> {
    let mut notes = Vec::new();
    if alarm.repeats > 0 {
        notes.push(format!("came {} times, last {}", alarm.repeats + 1, age(alarm.last_time, now_millis())));
    }
    if let Some(device_time) = alarm.notes.device_time {
        let said = chrono::DateTime::from_timestamp_millis(device_time)
            .map_or_else(|| format!("{device_time} ms"), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string());
        notes.push(format!("the device's clock is wrong (it said {said}); the time received is shown"));
    }
    if alarm.notes.cut {
        notes.push("a field was too long and was cut".to_string());
    }
    notes
}

/// Acknowledge, and close with a disposition (required) and a note: offered to roles that may
/// act, sent as desk commands.
fn alarm_actions(ui: &mut egui::Ui, console: &mut Console, alarm: &Alarm) {
    let may = console.may_act() && alarm.state.is_open();
    if ui.add_enabled(may && alarm.state == AlarmState::Raised, egui::Button::new("Acknowledge")).clicked() {
        console.session.desk.command(Command::Acknowledge { alarm: alarm.id });
    }
    ui.horizontal(|ui| {
        let chosen = console.closing.0.map_or("disposition…", Disposition::name);
        egui::ComboBox::from_label("Disposition").selected_text(chosen).show_ui(ui, |ui| {
            for disposition in Disposition::ALL {
                ui.selectable_value(&mut console.closing.0, Some(disposition), disposition.name());
            }
        });
        let close = ui.add_enabled(may && console.closing.0.is_some(), egui::Button::new("Close alarm"));
        if let (true, Some(disposition)) = (close.clicked(), console.closing.0) {
            let note = console.closing.1.trim().to_string();
            console.session.desk.command(Command::Close { alarm: alarm.id, disposition, note });
            console.closing = (None, String::new());
        }
    });
    // Characters of up to 4 bytes each stay within the world's byte limit.
    let note = egui::TextEdit::singleline(&mut console.closing.1).hint_text("note (optional)");
    ui.add_enabled(may, note.char_limit(crate::model::MAX_NOTE / 4));
}

/// The dispatched unit: its callsign, status, distance and ETA now, and the controls of its
/// part in the alarm (en route, on scene, cleared or unassigned).
fn assigned_unit(ui: &mut egui::Ui, console: &mut Console, alarm: &Alarm) {
    let Some(unit_id) = alarm.dispatched_unit.clone() else { return };
    let world = console.session.desk.world();
    let Some(unit) = world.unit(&unit_id).cloned() else { return };
    let distance = console.assigned.as_ref().map_or_else(
        || "distance unknown".to_string(),
        |c| {
            let km = c.road_m.unwrap_or(c.straight_m) / 1000.0;
            let eta = c.eta_s.map_or("no road".to_string(), |s| format!("ETA {:.0} min", (s / 60.0).ceil()));
            format!("{km:.1} km, {eta}")
        },
    );
    let text = format!("Dispatched: {} ({}) · {} · {distance}", unit.callsign, unit.id, status_name(unit.status));
    ui.label(RichText::new(text).color(readable(console.palette.unit(unit.status), ui.visuals().panel_fill)).strong());
    let may = console.may_act() && alarm.state.is_open();
    ui.horizontal(|ui| {
        for (label, status) in [("mark en route", UnitStatus::EnRoute), ("mark on scene", UnitStatus::OnScene)] {
            if ui.add_enabled(may && unit.status != status, egui::Button::new(label)).clicked() {
                console.session.desk.command(Command::SetStatus { unit: unit.id.clone(), status });
            }
        }
        // Cleared from the scene or taken off: either way the unit is free and the alarm waits.
        if ui.add_enabled(may, egui::Button::new("cleared / unassign")).clicked() {
            console.session.desk.command(Command::Unassign { alarm: alarm.id });
        }
    });
}

/// The selected unit: callsign, kind, status, how old its fix is, speed and heading, its home
/// station, the alarm it is on, and its status controls.
fn unit_card(ui: &mut egui::Ui, console: &mut Console) {
    let Some(slot) = console.selected_unit else { return };
    let desk = &console.session.desk;
    let Some(unit) = desk.world().units().get(slot as usize).cloned() else { return };
    let kind = format!("{:?}", unit.kind).to_lowercase();
    ui.heading(format!("Unit {} · {kind}", unit.callsign));
    let distress = desk.units_in_distress().contains(&unit.id);
    let status = if distress { "SOS: in distress".to_string() } else { status_name(unit.status).to_string() };
    let shade = if distress { console.palette.alarm } else { console.palette.unit(unit.status) };
    ui.label(RichText::new(format!("{} · {status}", unit.id)).color(readable(shade, ui.visuals().panel_fill)).strong());
    match unit.last_fix {
        Some(fix) => {
            let speed = fix.speed.map_or("speed unknown".to_string(), |v| format!("{:.0} km/h", v * 3.6));
            let heading = fix.heading.map_or("heading unknown".to_string(), |h| format!("heading {h:.0}°"));
            ui.label(format!("fix {} old · {speed} · {heading}", age(fix.time, now_millis())));
        }
        None => {
            ui.label("no fix yet");
        }
    }
    if let Some(station) = &unit.home_station {
        ui.label(format!("home station {station}"));
    }
    let mut trail = console.trails_shown.contains(&unit.id);
    let minutes = crate::ops::tracks::TRACK_MS / 60_000;
    if ui.checkbox(&mut trail, format!("trail (last {minutes} min)")).changed() {
        if trail {
            console.trails_shown.insert(unit.id.clone());
        } else {
            console.trails_shown.remove(&unit.id);
        }
    }
    let on = desk
        .world()
        .alarms()
        .iter()
        .find(|a| a.state.is_open() && a.dispatched_unit.as_deref() == Some(unit.id.as_str()));
    let on = on.map(|a| (a.id, format!("on alarm #{} {} · {}", a.id, a.kind.to_uppercase(), console.alarm_name(a))));
    if let Some((alarm, text)) = on {
        if ui.link(text).clicked() {
            console.select_alarm(alarm);
        }
    }
    let may = console.may_act();
    ui.horizontal_wrapped(|ui| {
        for status in UnitStatus::ALL {
            let label = format!("set {}", status_name(status));
            if ui.add_enabled(may && unit.status != status, egui::Button::new(label)).clicked() {
                console.session.desk.command(Command::SetStatus { unit: unit.id.clone(), status });
            }
        }
        if ui.button("close card").clicked() {
            console.selected_unit = None;
        }
    });
}

/// Closed alarms, most recently closed first, filtered by the history's search box; a
/// commander may reopen one.
fn history(ui: &mut egui::Ui, console: &mut Console) {
    // Counted every frame; listed (cloned, sorted, worded) only while the history is open.
    let closed = console.session.desk.world().alarms().iter().filter(|a| !a.state.is_open()).count();
    egui::CollapsingHeader::new(format!("History ({closed} closed)")).id_salt("history").show(ui, |ui| {
        ui.add(egui::TextEdit::singleline(&mut console.history_search).hint_text("search the history"));
        let q = console.history_search.trim().to_lowercase();
        let may_reopen = console.role() == crate::model::Role::Commander;
        let lines: Vec<(u64, String)> = console
            .session
            .desk
            .history()
            .into_iter()
            .map(|a| (a.id, history_line(console, a)))
            .filter(|(_, line)| q.is_empty() || line.to_lowercase().contains(&q))
            .take(200)
            .collect();
        for (id, line) in lines {
            ui.horizontal(|ui| {
                ui.label(line);
                if ui.add_enabled(may_reopen, egui::Button::new("Reopen")).clicked() {
                    console.session.desk.command(Command::Reopen { alarm: id });
                }
            });
        }
    });
}

/// One closed alarm: what, from whom, how it ended, the note, who closed it and when.
fn history_line(console: &Console, alarm: &Alarm) -> String {
    let source = console.alarm_name(alarm);
    let head = format!("#{} {} · {source}", alarm.id, alarm.kind.to_uppercase());
    match &alarm.closure {
        Some(c) => {
            let when = chrono::DateTime::from_timestamp_millis(c.time)
                .map_or_else(String::new, |t| t.format("%H:%M").to_string());
            let note = if c.note.is_empty() { String::new() } else { format!(" · \"{}\"", c.note) };
            format!("{head} · {}{note} · {} {when}", c.disposition.name(), c.by)
        }
        None => format!("{head} · {:?}", alarm.state).to_lowercase(),
    }
}

/// The nearest available units with distance and ETA; returns the unit whose **Dispatch** was
/// clicked.
fn candidates(ui: &mut egui::Ui, console: &Console, alarm: &Alarm) -> Option<String> {
    let may = console.may_act() && alarm.state.is_open();
    let mut dispatch = None;
    egui::Grid::new("candidates").striped(true).show(ui, |ui| {
        for c in &console.candidates {
            let Some(unit) = console.session.desk.world().units().get(c.slot as usize) else { continue };
            ui.label(
                RichText::new(&unit.callsign)
                    .color(readable(console.palette.unit(unit.status), ui.visuals().panel_fill)),
            );
            ui.label(format!("{:.1} km", c.road_m.unwrap_or(c.straight_m) / 1000.0));
            ui.label(c.eta_s.map_or("no road".to_string(), |s| format!("{:.0} min", (s / 60.0).ceil())));
            let enabled = may && unit.status == UnitStatus::Available;
            if ui.add_enabled(enabled, egui::Button::new("Dispatch")).clicked() {
                dispatch = Some(unit.id.clone());
            }
            ui.end_row();
        }
    });
    dispatch
}

/// The cameras whose view covers the alarm, with their stream links.
fn cameras(ui: &mut egui::Ui, console: &Console, alarm: &Alarm) {
    let (Some(lon), Some(lat)) = (alarm.lon, alarm.lat) else { return };
    let cameras = console.session.desk.cameras_covering(lon, lat);
    ui.label(RichText::new(format!("Cameras that see it ({})", cameras.len())).strong());
    for camera in cameras {
        match camera.direction {
            Some(_) => ui.label(&camera.name),
            // Its direction is not known: it may be looking elsewhere.
            None => ui.label(format!("{} (direction unknown)", camera.name)),
        };
        if let Some(url) = &camera.stream_url {
            ui.hyperlink(url);
        }
    }
}
