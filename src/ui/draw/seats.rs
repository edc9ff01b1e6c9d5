//! The desk as a seat of its hub: the login screen (until the hub takes a name and password),
//! the banner that says the moment the hub is lost and how old the view has grown since, and
//! who is logged in at which seat (a panel on the desk, a list on the wall).

use eframe::egui::{self, RichText};

use super::look::{age, readable};
use crate::model::now_millis;
use crate::ops::LinkState;
use crate::ui::state::Console;

/// A banner across the top while the desk is not live on its hub: connecting, or lost (in alarm
/// red, with how long ago and the time the view is as of).
pub fn link_banner(ui: &mut egui::Ui, console: &Console, size: f32) {
    let (text, shade) = match console.session.desk.link() {
        LinkState::Live | LinkState::LoggedOut { .. } => return,
        LinkState::Connecting => {
            (format!("connecting to the hub at {}", console.session.desk.hub()), console.palette.quiet)
        }
        LinkState::Lost { since, reason } => {
            let as_of = chrono::DateTime::from_timestamp_millis(since)
                .map(|t| t.with_timezone(&chrono::Local).format("%H:%M:%S").to_string())
                .unwrap_or_default();
            let text = format!(
                "HUB LOST {} ago · the map is as of {as_of} · reconnecting ({reason})",
                age(since, now_millis())
            );
            (text, console.palette.alarm)
        }
    };
    egui::Panel::top("hub-link").show(ui, |ui| {
        let colour = readable(shade, ui.visuals().panel_fill);
        ui.label(RichText::new(text).size(size).color(colour).strong());
    });
}

/// The login screen, over everything, while the hub waits for a name and password.
pub fn login(ui: &mut egui::Ui, console: &mut Console) {
    let LinkState::LoggedOut { refused } = console.session.desk.link() else { return };
    let mut submitted = false;
    egui::Window::new("Log in to the hub")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ui.ctx(), |ui| {
            ui.label(format!("hub {}", console.session.desk.hub()));
            let (user, password) = &mut console.login;
            egui::Grid::new("login").num_columns(2).show(ui, |ui| {
                let name = ui.label("name");
                ui.add(egui::TextEdit::singleline(user).id_salt("login-name")).labelled_by(name.id);
                ui.end_row();
                let secret = ui.label("password");
                let typed = ui
                    .add(egui::TextEdit::singleline(password).password(true).id_salt("login-password"))
                    .labelled_by(secret.id);
                submitted |= typed.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                ui.end_row();
            });
            if let Some(reason) = refused {
                ui.label(RichText::new(reason).color(readable(console.palette.alarm, ui.visuals().panel_fill)));
            }
            submitted |= ui.button("Log in").clicked();
        });
    if submitted && !console.login.0.is_empty() {
        let (user, password) = &mut console.login;
        console.session.desk.log_in(user, password);
        password.clear();
    }
}

/// Who is logged in at which seat, for a side panel (not known before the login or while the
/// hub is lost).
pub fn present(ui: &mut egui::Ui, console: &Console) {
    match console.session.desk.link() {
        LinkState::Live => {}
        LinkState::Lost { .. } => return drop(ui.label("Seats: not known while the hub is lost")),
        _ => return drop(ui.label("Seats: not known until logged in")),
    }
    let present = &console.session.desk.present;
    egui::CollapsingHeader::new(format!("Seats ({} logged in)", present.len())).default_open(true).show(ui, |ui| {
        let now = now_millis();
        for p in present {
            let role = format!("{:?}", p.role).to_lowercase();
            ui.label(format!("{} · {role} · at {} · {}", p.user, p.seat, age(p.since, now)));
        }
    });
}

/// Who is logged in, for the wall (names and seats, large; not known while the hub is lost).
pub fn present_on_wall(ui: &mut egui::Ui, console: &Console, size: f32) {
    if console.session.desk.link() != LinkState::Live {
        return;
    }
    let present = &console.session.desk.present;
    ui.label(RichText::new(format!("SEATS ({})", present.len())).size(size).strong());
    for p in present {
        let role = format!("{:?}", p.role).to_lowercase();
        ui.label(RichText::new(format!("{} · {role} · {}", p.user, p.seat)).size(size * 0.8));
    }
}
