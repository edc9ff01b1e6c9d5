//! The call taker's panel: the 110 calls this seat may take, the longest waiting first, each
//! with the caller's number, the flags its history raised, where it rings and how long the
//! caller has waited (red once past the answer target), and **Answer**. A call this seat answered shows
//! the caller's AML location (with **Show**), the number's earlier calls and verdicts, the five
//! verdicts, one key each: V valid, I invalid, P prank, S silent, H hang-up (when no text field
//! has the keyboard), open incidents it is likely about, and for a commander, the block.

use eframe::egui::{self, Key, RichText};

use super::look::{age, clock, day_start, readable};
use crate::model::calls::{ANSWER_TARGET_MS, HISTORY_MS};
use crate::model::{now_millis, Call, Classification, Command};
use crate::ops::desk::Breach;
use crate::ui::state::Console;

/// The missed targets listed on the desk (the rest are counted).
const BREACHES_SHOWN: usize = 50;

/// The verdicts with their keys, in the order of the buttons.
const VERDICT_KEYS: [(Classification, Key, &str); 5] = [
    (Classification::Valid, Key::V, "V"),
    (Classification::Invalid, Key::I, "I"),
    (Classification::Prank, Key::P, "P"),
    (Classification::Silent, Key::S, "S"),
    (Classification::Hangup, Key::H, "H"),
];

pub fn queue(ui: &mut egui::Ui, console: &mut Console) {
    let now = now_millis();
    let calls: Vec<Call> = console.session.desk.call_queue().into_iter().cloned().collect();
    if calls.is_empty() {
        return;
    }
    let waiting = calls.iter().filter(|c| c.is_waiting()).count();
    ui.heading(format!("110 calls ({waiting} ringing)"));
    // The keys classify the first call this seat holds, never two at once.
    let mut keys = true;
    for call in &calls {
        call_row(ui, console, call, now, &mut keys);
    }
    ui.separator();
}

fn call_row(ui: &mut egui::Ui, console: &mut Console, call: &Call, now: i64, keys: &mut bool) {
    let desk = &console.session.desk;
    let mine = call.answered_by.as_deref() == Some(desk.user.as_str());
    // The caller's wait counts from the first ring, wherever it has rung since.
    let since = call.rang_at;
    let late = call.is_waiting() && now - since > ANSWER_TARGET_MS;
    let place = call.node().map_or_else(|| "not routed yet".to_string(), |n| format!("at {}", desk.node_name(n)));
    let status = match (&call.answered_by, call.is_waiting()) {
        (_, true) => format!("ringing {place} · {}", age(since, now)),
        (Some(by), false) => format!("answered by {by} · {}", age(call.answered_at.unwrap_or(since), now)),
        (None, false) => "answered at the telephone".to_string(),
    };
    let shade = if late || !call.flags.is_empty() { console.palette.alarm } else { console.palette.alarm_acknowledged };
    let text =
        RichText::new(format!("CALL {} · {status}", call.number)).color(readable(shade, ui.visuals().panel_fill));
    ui.label(text.strong());
    if let Some(text) = &call.text {
        let channel = format!("{:?}", call.channel).to_uppercase();
        ui.label(RichText::new(format!("  {channel}: {text}")).color(ui.visuals().strong_text_color()));
    }
    for flag in &call.flags {
        ui.label(
            RichText::new(format!("  flag {}: {}", flag.rule, flag.why))
                .color(readable(console.palette.alarm, ui.visuals().panel_fill)),
        );
    }
    // A call picked up at a telephone without a seat is claimed with the same button.
    let takeable = call.is_waiting() || call.answered_by.is_none();
    if takeable && ui.button(format!("Answer call {}", call.id)).clicked() {
        console.session.desk.command(Command::Answer { call: call.id });
    }
    if mine && call.verdict.is_none() {
        answered(ui, console, call, std::mem::replace(keys, false));
    }
}

/// The number's earlier calls: how many in 30 days and the last verdicts, newest first.
fn history(ui: &mut egui::Ui, console: &Console, call: &Call) {
    if call.number == "anonymous" {
        ui.label("Number withheld: no history");
        return;
    }
    let earlier: Vec<&Call> = console
        .session
        .desk
        .world()
        .calls_from(&call.number)
        .filter(|c| c.id != call.id && call.rang_at.saturating_sub(c.rang_at) <= HISTORY_MS)
        .collect();
    if earlier.is_empty() {
        ui.label("First call from this number in 30 days");
        return;
    }
    let verdicts: Vec<&str> =
        earlier.iter().take(5).map(|c| c.verdict.as_ref().map_or("not judged", |v| v.class.name())).collect();
    ui.label(format!("Earlier: {} calls in 30 days · last {}", earlier.len(), verdicts.join(", ")));
}

/// Today's missed targets at this desk's nodes, folded: each call answered after 10 s (or
/// not at all) and each incident with no unit on scene within 10 minutes, newest first.
pub fn breaches(ui: &mut egui::Ui, console: &mut Console) {
    let now = now_millis();
    let breaches = console.session.desk.breaches(day_start(now), now);
    if breaches.is_empty() {
        return;
    }
    let title = RichText::new(format!("Missed targets today ({})", breaches.len()))
        .color(readable(console.palette.alarm, ui.visuals().panel_fill));
    egui::CollapsingHeader::new(title).id_salt("breaches").show(ui, |ui| {
        for breach in breaches.iter().rev().take(BREACHES_SHOWN) {
            ui.label(breach_line(console, breach));
        }
        if breaches.len() > BREACHES_SHOWN {
            ui.label(format!("… and {} more (pantau query breaches)", breaches.len() - BREACHES_SHOWN));
        }
    });
}

/// One missed target in words: what, where, when and by how much.
fn breach_line(console: &Console, breach: &Breach) -> String {
    let desk = &console.session.desk;
    let at = |node: &Option<String>| node.as_deref().map_or("not routed", |n| desk.node_name(n)).to_string();
    let secs = |ms: i64| (ms + 999) / 1000;
    match breach {
        Breach::Answer { call, number, node, rang_at, answered_after_ms, waited_ms } => {
            let how = match answered_after_ms {
                Some(_) => format!("answered after {} s", secs(*waited_ms)),
                None => format!("not answered, {} s", secs(*waited_ms)),
            };
            format!("{} call {call} {number} at {}: {how}", clock(*rang_at), at(node))
        }
        Breach::OnScene { incident, node, received_at, on_scene_after_ms, waited_ms } => {
            let minutes = waited_ms / 60_000;
            let how = match on_scene_after_ms {
                Some(_) => format!("on scene after {minutes} min"),
                None => format!("no unit on scene, {minutes} min"),
            };
            format!("{} incident #{incident} at {}: {how}", clock(*received_at), at(node))
        }
    }
}

/// A commander's block of the number, with the reason typed (its calls still ring, flagged).
fn block(ui: &mut egui::Ui, console: &mut Console, call: &Call) {
    if call.number == "anonymous" || console.session.desk.world().blocks().any(|b| b.number == call.number) {
        return;
    }
    ui.horizontal(|ui| {
        ui.add(egui::TextEdit::singleline(&mut console.block_reason).hint_text("why block this number"));
        let ready = !console.block_reason.trim().is_empty();
        if ui.add_enabled(ready, egui::Button::new("Block number")).clicked() {
            let reason = std::mem::take(&mut console.block_reason);
            console.session.desk.command(Command::Block { number: call.number.clone(), reason, until: None });
        }
    });
}

/// The call this seat took: where the caller is, and the verdicts.
fn answered(ui: &mut egui::Ui, console: &mut Console, call: &Call, keys: bool) {
    match &call.location {
        Some(at) => {
            ui.horizontal(|ui| {
                ui.label(format!("Caller at {:.5}, {:.5} ±{:.0} m (AML)", at.lat, at.lon, at.radius));
                if ui.button("Show").clicked() {
                    console.fly_to(at.lon, at.lat, 17.0);
                }
            });
        }
        None => {
            ui.label("No location from the caller's phone");
        }
    }
    history(ui, console, call);
    let keys = keys && !ui.ctx().egui_wants_keyboard_input();
    let mut verdict = None;
    ui.horizontal_wrapped(|ui| {
        for (class, key, letter) in VERDICT_KEYS {
            let pressed = keys && ui.input(|i| i.key_pressed(key));
            if ui.button(format!("{} ({letter})", class.name())).clicked() || pressed {
                verdict = Some(class);
            }
        }
    });
    match verdict {
        // Valid opens the incident with what the form holds.
        Some(Classification::Valid) => super::incidents::open_from(console, call),
        Some(class) => console.session.desk.command(Command::Classify { call: call.id, class }),
        None => {}
    }
    super::incidents::form(ui, console, call);
    super::incidents::likely_same(ui, console, call);
    if console.role() == crate::model::Role::Commander {
        block(ui, console, call);
    }
}
