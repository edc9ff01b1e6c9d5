//! The status strip: units by status, open alarms with the oldest one's age, 110 calls ringing
//! with the oldest wait (at a desk), congested kilometres, the ten-minute coverage, the plans'
//! flags (when any is up), the clock and the role, and the
//! switch to and from the video wall. On the wall it stays on one line (statuses with no units
//! left out) in large type readable from across the room, beside the wall's list: the 110
//! figures of the day (ringing, answered within 10 s, escalations, prank share) and the open
//! incidents by priority, then type,
//! place, age, state and unit of every open alarm.

use eframe::egui::{self, RichText};

use super::look::{age, day_start, readable, status_name};
use crate::model::calls::ANSWER_TARGET_MS;
use crate::model::{now_millis, AlarmState, UnitStatus};
use crate::ops::desk::Breach;
use crate::ui::state::coverage::{COVERAGE_MINUTES, MOVE_UP_BELOW};
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
    if !console.wall {
        ringing_calls(ui, console, size);
    }
    ui.label(RichText::new(format!("congested {:.1} km", console.congested_km)).size(size));
    ui.separator();
    coverage_figure(ui, console, size);
    plan_flags(ui, console, size);
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

/// The share of road a free unit reaches within ten minutes, in alarm red below the move-up
/// threshold (nothing until it is counted).
fn coverage_figure(ui: &mut egui::Ui, console: &Console, size: f32) {
    let Some(share) = console.coverage.totals().map(|t| t.share()) else { return };
    let low = share < MOVE_UP_BELOW;
    let shade = if low { console.palette.alarm } else { console.palette.quiet };
    let text = format!("{COVERAGE_MINUTES:.0}-min cover {:.0}%", share * 100.0);
    ui.label(RichText::new(text).size(size).color(readable(shade, ui.visuals().panel_fill)).strong());
    ui.separator();
}

/// How many plan flags are up (a convoy late, a unit off its post), in alarm red; nothing
/// while none is.
fn plan_flags(ui: &mut egui::Ui, console: &Console, size: f32) {
    let count = super::plans::flag_count(console);
    if count == 0 {
        return;
    }
    let text = format!("plans: {count} flagged");
    ui.label(RichText::new(text).size(size).color(readable(console.palette.alarm, ui.visuals().panel_fill)).strong());
    ui.separator();
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

/// Calls ringing for this seat and the longest wait, in alarm red once past the 10 s target
/// (nothing when no call rang today).
fn ringing_calls(ui: &mut egui::Ui, console: &Console, size: f32) {
    let now = now_millis();
    let figures = console.session.desk.call_figures(day_start(now));
    let text = match figures.oldest_ringing {
        Some(t) => format!("110: {} ringing, oldest {}", figures.ringing, age(t, now)),
        None if figures.answered > 0 => "110: none ringing".to_string(),
        None => return,
    };
    let late = figures.oldest_ringing.is_some_and(|t| now - t > ANSWER_TARGET_MS);
    let shade = if late { console.palette.alarm } else { console.palette.quiet };
    ui.label(RichText::new(text).size(size).color(readable(shade, ui.visuals().panel_fill)).strong());
    ui.separator();
}

/// The wall's 110 block: calls ringing and the longest wait, today's answer rate within the
/// target, escalations and prank share (only once a call has rung today), and the open
/// incidents by priority (red while one waits for a unit).
fn call_block(ui: &mut egui::Ui, console: &Console) {
    let now = now_millis();
    let f = console.session.desk.call_figures(day_start(now));
    if f.ringing == 0 && f.answered == 0 && f.classified == 0 {
        return;
    }
    let ringing = match f.oldest_ringing {
        Some(t) => format!("110 CALLS: {} RINGING · {}", f.ringing, age(t, now)),
        None => "110 CALLS: none ringing".to_string(),
    };
    let late = f.oldest_ringing.is_some_and(|t| now - t > ANSWER_TARGET_MS);
    let shade = if late { console.palette.alarm } else { console.palette.alarm_acknowledged };
    ui.label(RichText::new(ringing).size(WALL_TEXT).color(readable(shade, ui.visuals().panel_fill)).strong());
    let share =
        |part: usize, of: usize| (part * 100).checked_div(of).map_or_else(|| "–".to_string(), |p| format!("{p}%"));
    let today = format!(
        "today: {} in 10 s · {} up a tier · prank {}",
        share(f.answered_in_target, f.answered),
        f.escalations,
        share(f.not_genuine, f.classified)
    );
    ui.label(RichText::new(today).size(WALL_TEXT * 0.8).color(ui.visuals().strong_text_color()));
    breaches_line(ui, console, now);
    let incidents = console.session.desk.incident_queue();
    if !incidents.is_empty() {
        let by_priority: Vec<String> = (1..=5)
            .filter_map(|p| {
                let n = incidents.iter().filter(|i| i.priority == p).count();
                (n > 0).then(|| format!("P{p} {n}"))
            })
            .collect();
        let text = format!("INCIDENTS open: {}", by_priority.join(" · "));
        let shade = if incidents.iter().any(|i| i.active.is_empty()) {
            console.palette.alarm
        } else {
            console.palette.alarm_acknowledged
        };
        ui.label(RichText::new(text).size(WALL_TEXT * 0.8).color(readable(shade, ui.visuals().panel_fill)).strong());
    }
    ui.separator();
}

/// Today's missed targets, in alarm red while there are any: calls answered after 10 s or
/// not at all, incidents with no unit on scene within 10 minutes.
fn breaches_line(ui: &mut egui::Ui, console: &Console, now: i64) {
    let breaches = console.session.desk.breaches(day_start(now), now);
    let calls = breaches.iter().filter(|b| matches!(b, Breach::Answer { .. })).count();
    let incidents = breaches.len() - calls;
    let (text, shade) = match breaches.len() {
        0 => ("missed targets today: none".to_string(), console.palette.quiet),
        _ => (
            format!("MISSED today: {calls} calls over 10 s · {incidents} incidents over 10 min"),
            console.palette.alarm,
        ),
    };
    ui.label(RichText::new(text).size(WALL_TEXT * 0.8).color(readable(shade, ui.visuals().panel_fill)).strong());
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
        call_block(ui, console);
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
