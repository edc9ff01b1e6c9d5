//! The zone editor on screen: its panel section (tools, the selected zone, split and new-zone
//! code and name, merge, station and units, send to the hub, save as a file, the problems
//! found), the map overlay (changed zones, the selected one's corners as handles, the shape
//! being drawn, a corner being dragged, each problem ringed in the alarm colour with what it
//! is), and the map's clicks and drags while the editor is open.

use eframe::egui::{self, FontId, Pos2, Rect, RichText, Stroke, Vec2};
use geo::BoundingRect;

use super::look::{colour, readable};
use crate::model::{Role, Zone};
use crate::spatial::zone_edit::{nearest_corner, rings};
use crate::ui::state::zone_editor::{Tool, SNAP_POINTS};
use crate::ui::state::Console;

/// Corner handles are drawn for a selected zone with at most this many corners on screen.
const MAX_HANDLES: usize = 2_000;

pub fn panel(ui: &mut egui::Ui, console: &mut Console) {
    if console.role() != Role::Commander {
        return;
    }
    egui::CollapsingHeader::new("Zone editor").id_salt("zone-editor").show(ui, |ui| {
        let open = console.zone_editor.open;
        if ui.button(if open { "Close the editor (drops what was not sent)" } else { "Edit zones" }).clicked() {
            console.toggle_zone_editor();
        }
        if console.zone_editor.open {
            tools(ui, console);
            selected(ui, console);
            outcome(ui, console);
        }
    });
}

fn tools(ui: &mut egui::Ui, console: &mut Console) {
    let editor = &mut console.zone_editor;
    ui.horizontal_wrapped(|ui| {
        for (tool, name) in [
            (Tool::Move, "Select / move corner"),
            (Tool::AddCorner, "Add corner"),
            (Tool::RemoveCorner, "Remove corner"),
            (Tool::Split, "Split"),
            (Tool::Draw, "New zone"),
        ] {
            if ui.selectable_label(editor.tool == tool, name).clicked() {
                editor.tool = tool;
                editor.drawing.clear();
            }
        }
    });
    if matches!(editor.tool, Tool::Split | Tool::Draw) {
        ui.label("Click the corners of the part (they snap to zone edges and roads); Enter finishes.");
        ui.horizontal(|ui| {
            ui.label("code");
            ui.add(egui::TextEdit::singleline(&mut editor.new_code).desired_width(90.0));
            ui.label("name");
            ui.add(egui::TextEdit::singleline(&mut editor.new_name).desired_width(120.0));
        });
        let finish = format!("Finish ({} corners)", editor.drawing.len());
        if ui.add_enabled(editor.drawing.len() >= 3, egui::Button::new(finish)).clicked() {
            console.zone_finish_drawing();
        }
    }
}

fn selected(ui: &mut egui::Ui, console: &mut Console) {
    let editor = &console.zone_editor;
    let Some(zone) = editor.selected.as_deref().and_then(|c| editor.working.iter().find(|z| z.code == c)) else {
        ui.label("Click a zone to select it.");
        return;
    };
    let owner = console.zone_node(zone);
    ui.label(RichText::new(format!("{} {} (level {})", zone.code, zone.name, zone.level)).strong());
    ui.label(format!("covered by {}", owner.as_deref().unwrap_or("no node of the tree")));
    let neighbours = touching(&editor.working, zone);
    let editor = &mut console.zone_editor;
    let (mut merge, mut assign) = (false, false);
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("merge-with")
            .selected_text(editor.merge_with.clone().unwrap_or_else(|| "merge with...".into()))
            .show_ui(ui, |ui| {
                for code in neighbours {
                    ui.selectable_value(&mut editor.merge_with, Some(code.clone()), code);
                }
            });
        merge = ui.add_enabled(editor.merge_with.is_some(), egui::Button::new("Merge")).clicked();
    });
    ui.horizontal(|ui| {
        ui.label("station");
        ui.add(egui::TextEdit::singleline(&mut editor.station).desired_width(110.0));
        ui.label("units");
        ui.add(egui::TextEdit::singleline(&mut editor.units).desired_width(110.0).hint_text("u1, u2"));
        assign = ui.button("Assign").clicked();
    });
    if merge {
        console.zone_merge();
    }
    if assign {
        console.zone_assign();
    }
}

/// Zones of the same level whose boxes meet the zone's.
fn touching(zones: &[Zone], zone: &Zone) -> Vec<String> {
    let Some(b) = zone.polygon.bounding_rect() else { return Vec::new() };
    zones
        .iter()
        .filter(|z| z.level == zone.level && z.code != zone.code)
        .filter(|z| z.polygon.bounding_rect().is_some_and(|o| geo::Intersects::intersects(&o, &b)))
        .map(|z| z.code.clone())
        .collect()
}

fn outcome(ui: &mut egui::Ui, console: &mut Console) {
    let alarm = readable(console.palette.alarm, ui.visuals().panel_fill);
    let editor = &mut console.zone_editor;
    for (n, problem) in editor.problems.iter().enumerate() {
        ui.label(RichText::new(format!("{}. {problem}", n + 1)).color(alarm));
    }
    let changed = editor.touched.len();
    let send = ui.add_enabled(
        changed > 0 && editor.problems.is_empty(),
        egui::Button::new(format!("Send {changed} changed zones to the hub")),
    );
    if send.on_disabled_hover_text("change a zone first; overlaps and gaps must go").clicked() {
        console.zone_send();
    }
    let editor = &mut console.zone_editor;
    let mut save = false;
    ui.horizontal(|ui| {
        ui.add(egui::TextEdit::singleline(&mut editor.save_path).desired_width(180.0).hint_text("zones.geojson"));
        save = ui.add_enabled(!editor.save_path.trim().is_empty(), egui::Button::new("Save as file")).clicked();
    });
    if save {
        console.zone_save();
    }
    if let Some(message) = &console.zone_editor.message {
        ui.label(message);
    }
    if console.session.desk.world().zones().version() > console.zone_editor.from_version {
        let text = "The zones changed at the hub since this copy was taken: close the editor and edit again.";
        ui.label(RichText::new(text).color(alarm));
    }
}

/// The map's clicks and drags while the editor is open; whether it took the drag (the map
/// then does not pan).
pub fn input(
    ui: &egui::Ui,
    console: &mut Console,
    response: &egui::Response,
    to_lonlat: &impl Fn(Pos2) -> (f64, f64),
) -> bool {
    if !console.zone_editor.open || console.role() != Role::Commander {
        return false;
    }
    let Some(pointer) = response.interact_pointer_pos().or(response.hover_pos()) else { return false };
    let raw = to_lonlat(pointer);
    let tolerance_m =
        crate::crs::geodesy::haversine_m(raw.0, raw.1, to_lonlat(pointer + Vec2::new(SNAP_POINTS, 0.0)).0, raw.1);
    if ui.input(|i| i.key_pressed(egui::Key::Enter)) {
        console.zone_finish_drawing();
    }
    if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
        console.zone_editor.drawing.clear();
    }
    if response.drag_started_by(egui::PointerButton::Primary) && console.zone_editor.tool == Tool::Move {
        let editor = &console.zone_editor;
        let selected = editor.working.iter().filter(|z| Some(&z.code) == editor.selected.as_ref());
        if let Some((corner, _)) = nearest_corner(selected, raw, tolerance_m) {
            console.zone_editor.dragging = Some((corner, corner));
        }
    }
    if let Some((from, _)) = console.zone_editor.dragging {
        let (to, _) = console.snap_corner(raw, tolerance_m);
        console.zone_editor.dragging = Some((from, to));
        if response.drag_stopped() || !response.dragged() {
            console.zone_drop_corner(from, to);
        }
        return true;
    }
    if response.clicked() {
        let (at, _) = console.snap_corner(raw, tolerance_m);
        console.zone_click(at, raw, tolerance_m);
        return true;
    }
    false
}

/// The editor's overlay on the map.
pub fn on_map(painter: &egui::Painter, console: &Console, screen: &impl Fn(f64, f64) -> Pos2) {
    let editor = &console.zone_editor;
    if !editor.open {
        return;
    }
    let palette = &console.palette;
    let (edit, halo) = (colour(palette.route_alternative), colour(palette.overlay_back));
    let outline = |zone: &Zone, width: f32| {
        for ring in rings(&zone.polygon) {
            let points: Vec<Pos2> = ring.0.iter().map(|c| screen(c.x, c.y)).collect();
            painter.add(egui::Shape::line(points.clone(), Stroke::new(width + 3.0, halo)));
            painter.add(egui::Shape::line(points, Stroke::new(width, edit)));
        }
    };
    for zone in editor.working.iter().filter(|z| editor.touched.contains(&z.code)) {
        outline(zone, 2.0);
    }
    if let Some(zone) = editor.selected.as_deref().and_then(|c| editor.working.iter().find(|z| z.code == c)) {
        outline(zone, 4.0);
        let corners: Vec<Pos2> =
            zone.polygon.iter().flat_map(|p| p.exterior().0.iter()).map(|c| screen(c.x, c.y)).collect();
        let visible = painter.clip_rect();
        let on_screen: Vec<&Pos2> = corners.iter().filter(|p| visible.contains(**p)).collect();
        if on_screen.len() <= MAX_HANDLES {
            for p in on_screen {
                painter.rect(
                    Rect::from_center_size(*p, Vec2::splat(8.0)),
                    1.0,
                    halo,
                    Stroke::new(2.0, edit),
                    egui::StrokeKind::Middle,
                );
            }
        }
    }
    if let Some((from, to)) = editor.dragging {
        painter.line_segment([screen(from.0, from.1), screen(to.0, to.1)], Stroke::new(2.0, edit));
        painter.circle(screen(to.0, to.1), 7.0, edit, Stroke::new(2.0, halo));
    }
    if !editor.drawing.is_empty() {
        let points: Vec<Pos2> = editor.drawing.iter().map(|p| screen(p.0, p.1)).collect();
        painter.add(egui::Shape::closed_line(points.clone(), Stroke::new(3.0, edit)));
        for p in points {
            painter.circle(p, 5.0, edit, Stroke::new(2.0, halo));
        }
    }
    // Each problem ringed with its number in the panel's list (the list says what it is).
    let (radius, font) =
        if console.wall { (20.0, FontId::proportional(22.0)) } else { (14.0, FontId::proportional(15.0)) };
    for (n, problem) in editor.problems.iter().enumerate() {
        let at = screen(problem.lon, problem.lat);
        painter.circle(at, radius, colour(palette.alarm), Stroke::new(3.0, halo));
        painter.text(at, egui::Align2::CENTER_CENTER, (n + 1).to_string(), font.clone(), egui::Color32::WHITE);
    }
}
