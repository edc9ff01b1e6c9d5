//! The commander's coverage section: the share of road within ten minutes of a free unit, the
//! zones worst off, the map layer switched on or off, and the move-up: suggested on request
//! (highlighted once coverage falls below the threshold), accepted with one click.

use eframe::egui::{self, RichText};

use super::look::readable;
use crate::model::Role;
use crate::render::live::LayerId;
use crate::ui::state::coverage::{COVERAGE_MINUTES, MOVE_UP_BELOW};
use crate::ui::state::Console;

/// Zones listed, the least covered first.
const ZONES_SHOWN: usize = 5;
/// Zones with less road than this are not listed (a corner of a zone cut by the map's edge).
const ZONE_MIN_ROAD_M: f64 = 1_000.0;

pub fn panel(ui: &mut egui::Ui, console: &mut Console) {
    let title = format!("Coverage ({COVERAGE_MINUTES:.0} min drive)");
    egui::CollapsingHeader::new(title).id_salt("coverage").default_open(console.role() == Role::Commander).show(
        ui,
        |ui| {
            ui.checkbox(&mut console.style.visible[LayerId::Coverage as usize], "Show covered and uncovered roads");
            let Some(totals) = console.coverage.totals().cloned() else {
                ui.label("Not counted yet (a map with roads is needed)");
                return;
            };
            let low = totals.share() < MOVE_UP_BELOW;
            let shade = if low { console.palette.alarm } else { console.palette.quiet };
            let text = format!(
                "{:.0}% of {:.0} km of road within {COVERAGE_MINUTES:.0} min of a free unit",
                totals.share() * 100.0,
                totals.road_m / 1000.0
            );
            ui.label(RichText::new(text).strong().color(readable(shade, ui.visuals().panel_fill)));
            worst_zones(ui, console, &totals);
            move_up(ui, console, low);
        },
    );
}

/// The zones least covered, with their shares.
fn worst_zones(ui: &mut egui::Ui, console: &Console, totals: &crate::spatial::coverage::CoverageTotals) {
    let zones = console.session.desk.live.zones.zones();
    let mut shares: Vec<(usize, f64)> = (0..totals.zones.len())
        .filter(|z| totals.zones[*z].1 >= ZONE_MIN_ROAD_M)
        .filter_map(|z| totals.zone_share(z).map(|s| (z, s)))
        .collect();
    shares.sort_by(|a, b| a.1.total_cmp(&b.1));
    for (slot, share) in shares.into_iter().take(ZONES_SHOWN) {
        let Some(zone) = zones.get(slot) else { continue };
        let name = if zone.name.is_empty() { &zone.code } else { &zone.name };
        ui.label(format!("  {name}: {:.0}%", share * 100.0));
    }
}

/// The move-up: asked for, shown with its gain, accepted by a commander.
fn move_up(ui: &mut egui::Ui, console: &mut Console, low: bool) {
    let ask = if low { "Coverage is low: suggest a move-up" } else { "Suggest a move-up" };
    if ui.button(ask).clicked() {
        console.suggest_move_up(crate::model::now_millis());
    }
    if let Some(why) = &console.coverage.no_suggestion {
        ui.label(why.as_str());
    }
    let Some(s) = console.coverage.suggestion.clone() else { return };
    ui.label(format!(
        "Move {} to {}: +{:.1} km covered, {:.0}% to {:.0}%",
        s.callsign,
        s.post.name,
        s.gain_km,
        s.share_before * 100.0,
        s.share_after * 100.0
    ));
    let commander = console.role() == Role::Commander;
    let accept = ui.add_enabled(commander, egui::Button::new(format!("Accept: move {} up", s.callsign)));
    if accept.on_disabled_hover_text("only a commander moves units up").clicked() {
        console.accept_move_up();
    }
}
