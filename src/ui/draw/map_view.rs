//! The map area: input (drag to pan, wheel or pinch to zoom about the cursor, right-drag or
//! Q/E to rotate, arrows and +/- keys, N for north up), picking alarms and units by click
//! (through the CPU indices), and the overlays: scale bar, north arrow, home button (H), cursor coordinates,
//! the zone under the cursor, callsigns when zoomed in, the callers of open 110 calls (their
//! AML circles) and the open incidents' places. On the wall, a focus view of the newest
//! alarm sits beside the overview, or in a window of its own for another screen. The map
//! itself is the canvas's texture; overlay colours come from the console's palette.

use eframe::egui::{self, Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, Vec2};

use super::clusters;
use super::look::{colour, translucent};
use crate::crs::geodesy::METRES_PER_DEGREE;
use crate::crs::{ground_metres_per_world_unit, world_to_lonlat};
use crate::model::Millis;
use crate::render::live::{LayerId, CLUSTER_ZOOM};
use crate::render::style::{Palette, Rgba};
use crate::render::View;
use crate::ui::canvas::Canvas;
use crate::ui::state::Console;

/// Callsigns are drawn from this zoom in, at most this many.
const LABEL_ZOOM: f64 = 15.0;
const MAX_LABELS: usize = 400;
/// How close (points) a click must be to pick something.
const PICK_RADIUS: f32 = 14.0;
/// The title (and viewport id) of the wall's focus window.
const FOCUS_TITLE: &str = "pantau focus";

pub fn show(ui: &mut egui::Ui, console: &mut Console, mut canvas: Option<&mut Canvas>, now: Millis) {
    let area = ui.available_rect_before_wrap();
    let (overview, beside) = split_for_focus(console, area);
    let ppp = ui.ctx().pixels_per_point();
    let response = ui.allocate_rect(overview, Sense::click_and_drag());
    size_view(&mut console.view, overview, ppp);
    console.overview = overview;
    handle_input(ui, console, &response, overview, ppp);
    paint_view(ui, canvas.as_deref_mut(), 0, &console.view, overview, now, console.palette.background);
    overlays(ui, console, overview, ppp);
    home_button(ui, console, overview);
    if let Some(rect) = beside {
        paint_focus(ui, console, canvas, rect, now);
    } else if console.wall && console.focus_window {
        focus_window(ui.ctx(), console, canvas, now);
    }
}

/// The overview's rectangle, and the focus view's beside it (on the wall, once there is a focus,
/// unless it has a window of its own).
fn split_for_focus(console: &Console, area: Rect) -> (Rect, Option<Rect>) {
    match (console.wall && !console.focus_window, console.focus) {
        (true, Some(_)) => {
            let split = area.left() + area.width() * 0.55;
            (
                Rect::from_min_max(area.min, Pos2::new(split - 2.0, area.max.y)),
                Some(Rect::from_min_max(Pos2::new(split + 2.0, area.min.y), area.max)),
            )
        }
        _ => (area, None),
    }
}

/// The focus view in its own OS window, opened just right of the overview's (on a wall of two
/// screens side by side, the next screen). It stays open, showing the overview's place until
/// the first alarm; closing it puts the focus back beside the overview.
fn focus_window(ctx: &egui::Context, console: &mut Console, mut canvas: Option<&mut Canvas>, now: Millis) {
    let mut builder = egui::ViewportBuilder::default().with_title(FOCUS_TITLE).with_inner_size([960.0, 720.0]);
    if let Some(main) = ctx.input(|i| i.viewport().outer_rect) {
        builder = builder.with_position(Pos2::new(main.max.x, main.min.y));
    }
    ctx.show_viewport_immediate(egui::ViewportId::from_hash_of(FOCUS_TITLE), builder, |ui, _| {
        if ui.input(|i| i.viewport().close_requested()) {
            console.focus_window = false;
        }
        let rect = ui.max_rect();
        paint_focus(ui, console, canvas.as_deref_mut(), rect, now);
    });
}

/// The focus view (the newest alarm close up; before any, the overview's place) in `rect`,
/// framed in alarm red.
fn paint_focus(ui: &egui::Ui, console: &mut Console, canvas: Option<&mut Canvas>, rect: Rect, now: Millis) {
    let mut view = console.focus.unwrap_or(console.view);
    size_view(&mut view, rect, ui.ctx().pixels_per_point());
    if console.focus.is_some() {
        console.focus = Some(view);
    }
    paint_view(ui, canvas, 1, &view, rect, now, console.palette.background);
    let red = colour(console.palette.alarm);
    ui.painter().rect_stroke(rect, 0.0, Stroke::new(3.0, red), egui::StrokeKind::Inside);
    let caption = focus_caption(console, now);
    // On a band of its own across the top, clear of the street names under it; a long place
    // name wraps onto another line rather than running out of the view.
    let wrap = (rect.width() - 24.0).max(40.0);
    let galley = ui.painter().layout(caption, FontId::proportional(24.0), egui::Color32::WHITE, wrap);
    let band = Rect::from_min_size(rect.left_top(), Vec2::new(rect.width(), galley.size().y + 14.0));
    ui.painter().rect_filled(band, 0.0, red);
    ui.painter().galley(band.left_top() + Vec2::new(12.0, 7.0), galley, egui::Color32::WHITE);
}

/// The focus view's title: the selected alarm's type, place, age and state.
fn focus_caption(console: &Console, now: Millis) -> String {
    let desk = &console.session.desk;
    let alarm = console.focus.and(console.selected_alarm).and_then(|id| desk.world().alarm(id));
    match alarm {
        Some(a) => format!(
            "{} · {} · {} · {}",
            a.kind.to_uppercase(),
            console.alarm_name(a),
            super::look::age(a.time, now),
            format!("{:?}", a.state).to_lowercase()
        ),
        None => "FOCUS: no alarm yet".to_string(),
    }
}

fn size_view(view: &mut View, rect: Rect, ppp: f32) {
    view.width = (rect.width() * ppp).round().max(1.0) as u32;
    view.height = (rect.height() * ppp).round().max(1.0) as u32;
}

/// The canvas's picture of `view` (viewport `index`) in `rect`; without a GPU (UI tests), a
/// plain `ground` where the map would be.
fn paint_view(
    ui: &egui::Ui,
    canvas: Option<&mut Canvas>,
    index: usize,
    view: &View,
    rect: Rect,
    now: Millis,
    ground: Rgba,
) {
    match canvas {
        Some(canvas) => {
            let texture = canvas.render(index, view, now);
            let uv = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));
            ui.painter().image(texture, rect, uv, Color32::WHITE);
        }
        None => {
            ui.painter().rect_filled(rect, 0.0, colour(ground));
        }
    }
}

/// How many points on screen `metres` east of a place span.
fn radius_points(view: &View, rect: Rect, ppp: f32, (lon, lat): (f64, f64), metres: f64) -> f32 {
    let degrees = metres / (METRES_PER_DEGREE * lat.to_radians().cos().max(0.01));
    (to_screen(view, rect, ppp, lon + degrees, lat).x - to_screen(view, rect, ppp, lon, lat).x).abs()
}

/// Screen point (points, in `rect`) of a lon/lat in `view`.
fn to_screen(view: &View, rect: Rect, ppp: f32, lon: f64, lat: f64) -> Pos2 {
    let (x, y) = view.lonlat_to_screen(lon, lat);
    rect.min + Vec2::new(x as f32 / ppp, y as f32 / ppp)
}

fn to_lonlat(view: &View, rect: Rect, ppp: f32, p: Pos2) -> (f64, f64) {
    let (wx, wy) = world_at(view, rect, ppp, p);
    world_to_lonlat(wx, wy)
}

fn world_at(view: &View, rect: Rect, ppp: f32, p: Pos2) -> (f64, f64) {
    let local = (p - rect.min) * ppp;
    view.screen_to_world(f64::from(local.x), f64::from(local.y))
}

/// The operator's hands on the map: a drag, wheel or pinch stops a flight; then pan, rotate,
/// zoom, keys; the cursor's place and zone; a click picks.
fn handle_input(ui: &egui::Ui, console: &mut Console, response: &egui::Response, rect: Rect, ppp: f32) {
    let (scroll, pinch) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
    let taking_over = response.dragged() || (response.hovered() && (scroll != 0.0 || pinch != 1.0));
    if taking_over {
        console.land();
    }
    // The zone editor takes clicks, and drags that start on a corner.
    let view = console.view;
    let zone_editing = super::zone_editor::input(ui, console, response, &|p| to_lonlat(&view, rect, ppp, p));
    let view = &mut console.view;
    if !zone_editing {
        pan_and_rotate(view, response, rect, ppp);
    }
    let zoom_by = f64::from(scroll) / 120.0 + f64::from(pinch).log2() + zoom_keys(ui);
    if response.hovered() && zoom_by != 0.0 {
        zoom_about(view, rect, ppp, response.hover_pos().unwrap_or(rect.center()), zoom_by);
    }
    keys(ui, view, rect, ppp);
    if ui.input(|i| i.key_pressed(egui::Key::H)) {
        console.go_home();
    }
    if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
        console.placing = None;
    }
    hover(console, response.hover_pos(), rect, ppp);
    if zone_editing {
        return;
    }
    if response.clicked() {
        if let Some(p) = response.interact_pointer_pos() {
            pick(console, rect, ppp, p);
        }
    }
}

/// A primary drag moves the map with the pointer; a secondary drag turns it.
fn pan_and_rotate(view: &mut View, response: &egui::Response, rect: Rect, ppp: f32) {
    if response.dragged_by(egui::PointerButton::Primary) {
        let before = response.interact_pointer_pos().map(|p| p - response.drag_delta());
        if let (Some(from), Some(to)) = (before, response.interact_pointer_pos()) {
            let (a, b) = (world_at(view, rect, ppp, from), world_at(view, rect, ppp, to));
            view.center = (view.center.0 - (b.0 - a.0), view.center.1 - (b.1 - a.1));
        }
    }
    if response.dragged_by(egui::PointerButton::Secondary) {
        view.bearing = (view.bearing + f64::from(response.drag_delta().x) * 0.3).rem_euclid(360.0);
    }
}

/// Zoom levels asked for by the +/- keys this frame.
fn zoom_keys(ui: &egui::Ui) -> f64 {
    ui.input(|i| {
        let mut by = 0.0;
        if i.key_pressed(egui::Key::Plus) || i.key_pressed(egui::Key::Equals) {
            by += 1.0;
        }
        if i.key_pressed(egui::Key::Minus) {
            by -= 1.0;
        }
        by
    })
}

/// Zooms by `by` levels keeping the world point under `anchor` where it is.
fn zoom_about(view: &mut View, rect: Rect, ppp: f32, anchor: Pos2, by: f64) {
    let before = world_at(view, rect, ppp, anchor);
    view.zoom = (view.zoom + by).clamp(2.0, 20.0);
    let after = world_at(view, rect, ppp, anchor);
    view.center = (view.center.0 + before.0 - after.0, view.center.1 + before.1 - after.1);
}

/// Arrow keys pan a tenth of the view, Q/E turn 15 degrees, N faces north.
fn keys(ui: &egui::Ui, view: &mut View, rect: Rect, ppp: f32) {
    if ui.ctx().egui_wants_keyboard_input() {
        return;
    }
    let step = rect.width().min(rect.height()) * 0.1;
    let moves = [
        (egui::Key::ArrowLeft, Vec2::new(-step, 0.0)),
        (egui::Key::ArrowRight, Vec2::new(step, 0.0)),
        (egui::Key::ArrowUp, Vec2::new(0.0, -step)),
        (egui::Key::ArrowDown, Vec2::new(0.0, step)),
    ];
    for (key, delta) in moves {
        if ui.input(|i| i.key_pressed(key)) {
            let c = rect.center();
            let (a, b) = (world_at(view, rect, ppp, c), world_at(view, rect, ppp, c + delta));
            view.center = (view.center.0 + b.0 - a.0, view.center.1 + b.1 - a.1);
        }
    }
    ui.input(|i| {
        if i.key_pressed(egui::Key::Q) {
            view.bearing = (view.bearing - 15.0).rem_euclid(360.0);
        }
        if i.key_pressed(egui::Key::E) {
            view.bearing = (view.bearing + 15.0).rem_euclid(360.0);
        }
        if i.key_pressed(egui::Key::N) {
            view.bearing = 0.0;
        }
    });
}

/// The home button under the north arrow: back to the view the map opened on (also H).
fn home_button(ui: &mut egui::Ui, console: &mut Console, rect: Rect) {
    let place = Rect::from_center_size(rect.right_top() + Vec2::new(-34.0, 80.0), Vec2::new(52.0, 24.0));
    if ui.put(place, egui::Button::new("home")).on_hover_text("the whole city (H)").clicked() {
        console.go_home();
    }
}

/// The point under the cursor and the finest zone there.
fn hover(console: &mut Console, at: Option<Pos2>, rect: Rect, ppp: f32) {
    console.cursor = at.map(|p| to_lonlat(&console.view, rect, ppp, p));
    console.hover_zone =
        console.cursor.and_then(|(lon, lat)| console.session.desk.live.zones.lookup_slots(lon, lat).last().copied());
}

/// A click places the alarm or incident waiting to be placed, else selects the alarm under it, else the
/// unit under it, else clears the unit.
fn pick(console: &mut Console, rect: Rect, ppp: f32, at: Pos2) {
    let view = console.view;
    if let Some(placing) = console.placing.take() {
        let (lon, lat) = to_lonlat(&view, rect, ppp, at);
        console.place(placing, lon, lat);
        return;
    }
    let near = |lon: f64, lat: f64| to_screen(&view, rect, ppp, lon, lat).distance(at);
    let desk = &console.session.desk;
    let alarm = desk
        .alarm_queue()
        .into_iter()
        .filter_map(|a| Some((a.id, near(a.lon?, a.lat?))))
        .filter(|(_, d)| *d <= PICK_RADIUS)
        .min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((id, _)) = alarm {
        console.select_alarm(id);
        return;
    }
    if view.zoom < CLUSTER_ZOOM && console.style.visible[LayerId::Units as usize] {
        pick_cluster(console, rect, ppp, at);
        return;
    }
    let (lon, lat) = to_lonlat(&view, rect, ppp, at);
    let any = crate::spatial::UnitFilter { max_age_ms: None, ..Default::default() };
    let unit =
        desk.live.units.nearest(desk.world().units(), lon, lat, 1, &any, crate::model::now_millis()).first().copied();
    console.selected_unit = unit
        .filter(|u| {
            let fix = desk.world().units()[u.slot as usize].last_fix;
            fix.is_some_and(|f| near(f.lon, f.lat) <= PICK_RADIUS)
        })
        .map(|u| u.slot);
}

/// At low zoom a click on a lone unit selects it; on a cluster, flies in until its units
/// part.
fn pick_cluster(console: &mut Console, rect: Rect, ppp: f32, at: Pos2) {
    let markers = unit_markers(console, rect, ppp);
    let gathered = clusters::gather(&markers, clusters::CLUSTER_RADIUS);
    let hit = gathered
        .into_iter()
        .filter(|c| c.at.distance(at) <= PICK_RADIUS * 1.5)
        .min_by(|a, b| a.at.distance(at).total_cmp(&b.at.distance(at)));
    match hit {
        None => console.selected_unit = None,
        Some(c) if c.members.len() == 1 => console.selected_unit = c.members.first().copied(),
        Some(c) => {
            let (lon, lat) = to_lonlat(&console.view, rect, ppp, c.at);
            console.fly_to(lon, lat, (console.view.zoom + 2.0).max(CLUSTER_ZOOM + 0.5));
        }
    }
}

fn overlays(ui: &egui::Ui, console: &Console, rect: Rect, ppp: f32) {
    let painter = ui.painter().with_clip_rect(rect);
    let (view, palette) = (&console.view, &console.palette);
    hotspots(&painter, console, rect, ppp);
    warned_zones(&painter, console, rect, ppp);
    highlighted_road(&painter, console, rect, ppp);
    let screen = |lon, lat| to_screen(view, rect, ppp, lon, lat);
    super::plans::on_map(&painter, console, &screen, &|at, metres| radius_points(view, rect, ppp, at, metres));
    super::zone_editor::on_map(&painter, console, &screen);
    if console.style.visible[LayerId::Units as usize] {
        trails(&painter, console, rect, ppp);
        units_gathered(&painter, console, rect, ppp);
        if view.zoom >= LABEL_ZOOM {
            callsigns(&painter, console, rect, ppp);
        }
    }
    if console.wall {
        pin_labels(&painter, console, rect, ppp);
    }
    callers(&painter, console, rect, ppp);
    incidents(&painter, console, rect, ppp);
    form_place(&painter, console, rect, ppp);
    near_place(&painter, console, rect, ppp);
    scale_bar(&painter, view, rect, ppp, palette);
    north_arrow(&painter, view, rect, palette);
    replay_banner(&painter, console, rect);
    cursor_caption(&painter, console, rect);
}

/// Where the callers of the open 110 calls are, as their phones said (AML): the circle of the
/// radius they gave, in alarm red while the call rings, with the number beside it.
fn callers(painter: &egui::Painter, console: &Console, rect: Rect, ppp: f32) {
    let view = &console.view;
    let font = FontId::proportional(if console.wall { 18.0 } else { 13.0 });
    for call in console.session.desk.call_queue() {
        let Some(at) = &call.location else { continue };
        let centre = to_screen(view, rect, ppp, at.lon, at.lat);
        let radius = radius_points(view, rect, ppp, (at.lon, at.lat), f64::from(at.radius)).max(8.0);
        let [r, g, b, _] = if call.is_waiting() { console.palette.alarm } else { console.palette.alarm_acknowledged };
        painter.circle(centre, radius, translucent([r, g, b, 0.18]), Stroke::new(2.5, colour([r, g, b, 1.0])));
        painter.circle_filled(centre, 4.0, colour([r, g, b, 1.0]));
        let label = format!("110 {}", call.number);
        let galley = painter.layout_no_wrap(label, font.clone(), colour(console.palette.callsign));
        let at = centre + Vec2::new(radius.min(40.0) + 6.0, -galley.size().y / 2.0);
        painter.rect_filled(
            Rect::from_min_size(at, galley.size()).expand(2.0),
            3.0,
            colour(console.palette.overlay_back),
        );
        painter.galley(at, galley, Color32::WHITE);
    }
}

/// The open incidents' places: a square in alarm red while no unit is on it, its number
/// inside.
fn incidents(painter: &egui::Painter, console: &Console, rect: Rect, ppp: f32) {
    let size = if console.wall { 26.0 } else { 18.0 };
    for incident in console.session.desk.incident_queue() {
        let (Some(lon), Some(lat)) = (incident.lon, incident.lat) else { continue };
        let at = to_screen(&console.view, rect, ppp, lon, lat);
        let fill = if incident.active.is_empty() { console.palette.alarm } else { console.palette.alarm_acknowledged };
        let square = Rect::from_center_size(at, Vec2::splat(size));
        painter.rect(
            square,
            3.0,
            colour(fill),
            Stroke::new(2.0, colour(console.palette.overlay_back)),
            egui::StrokeKind::Outside,
        );
        let font = FontId::proportional(size * 0.6);
        painter.text(at, egui::Align2::CENTER_CENTER, incident.id.to_string(), font, Color32::WHITE);
    }
}

/// Where the call taker's form puts the incident it will open: a hollow square in the alarm
/// colour with a dot at the point, told apart from the filled squares of open incidents.
fn form_place(painter: &egui::Painter, console: &Console, rect: Rect, ppp: f32) {
    let Some(place) = &console.incident_form.place else { return };
    let at = to_screen(&console.view, rect, ppp, place.lon, place.lat);
    let square = Rect::from_center_size(at, Vec2::splat(if console.wall { 26.0 } else { 18.0 }));
    let stroke = Stroke::new(3.0, colour(console.palette.alarm));
    painter.rect_stroke(square, 3.0, Stroke::new(6.0, colour(console.palette.overlay_back)), egui::StrokeKind::Middle);
    painter.rect_stroke(square, 3.0, stroke, egui::StrokeKind::Middle);
    painter.circle_filled(at, 3.0, colour(console.palette.alarm));
}

/// The hotspots' density laid over the map: its texture stretched over the box it was worked
/// out for, corner by corner (so it turns with the map).
fn hotspots(painter: &egui::Painter, console: &Console, rect: Rect, ppp: f32) {
    let Some((grid, texture, _)) = console.hotspots.grid.as_ref().filter(|_| console.hotspots.shown) else { return };
    let [w, s, e, n] = grid.bounds;
    let corner = |lon, lat| to_screen(&console.view, rect, ppp, lon, lat);
    let mut mesh = egui::Mesh::with_texture(texture.id());
    let uv = [(w, n, 0.0, 0.0), (e, n, 1.0, 0.0), (e, s, 1.0, 1.0), (w, s, 0.0, 1.0)];
    for (lon, lat, u, v) in uv {
        mesh.vertices.push(egui::epaint::Vertex { pos: corner(lon, lat), uv: Pos2::new(u, v), color: Color32::WHITE });
    }
    mesh.indices.extend([0, 1, 2, 0, 2, 3]);
    painter.add(egui::Shape::mesh(mesh));
}

/// While the past is shown, a banner across the top of the map says so and when, large
/// enough to read across the room: nobody takes the record for the live map.
fn replay_banner(painter: &egui::Painter, console: &Console, rect: Rect) {
    let Some(at) = console.replay.shown.filter(|_| console.session.desk.showing_past()) else { return };
    let when = chrono::DateTime::from_timestamp_millis(at).unwrap_or_default().with_timezone(&chrono::Local);
    let text = format!("REPLAY · the map shows {} · not live", when.format("%Y-%m-%d %H:%M:%S"));
    let size = if console.wall { 30.0 } else { 22.0 };
    let galley = painter.layout_no_wrap(text, FontId::proportional(size), Color32::WHITE);
    let band = Rect::from_min_size(rect.min, Vec2::new(rect.width(), galley.size().y + 12.0));
    painter.rect_filled(band, 0.0, colour(console.palette.alarm_acknowledged));
    painter.galley(Pos2::new(band.center().x - galley.size().x / 2.0, band.min.y + 6.0), galley, Color32::WHITE);
}

/// The zones the early warning flagged: outlined in alarm red, with their latest week's count
/// against the weeks before.
fn warned_zones(painter: &egui::Painter, console: &Console, rect: Rect, ppp: f32) {
    let Some(Ok(tests)) = &console.hotspots.warnings else { return };
    let zones = console.session.desk.live.zones.zones();
    let stroke = Stroke::new(if console.wall { 6.0 } else { 4.0 }, colour(console.palette.alarm));
    let font = FontId::proportional(if console.wall { 22.0 } else { 15.0 });
    for test in tests.iter().filter(|t| t.flagged) {
        let Some(zone) = zones.iter().find(|z| z.code == test.zone) else { continue };
        for polygon in &zone.polygon.0 {
            let ring: Vec<Pos2> =
                polygon.exterior().points().map(|p| to_screen(&console.view, rect, ppp, p.x(), p.y())).collect();
            painter.add(egui::Shape::closed_line(ring, stroke));
        }
        let Some(centre) = geo::InteriorPoint::interior_point(&zone.polygon) else { continue };
        let at = to_screen(&console.view, rect, ppp, centre.x(), centre.y());
        let text = format!("{}: {} this week, {:.0} before", zone.name, test.count, test.baseline);
        let galley = painter.layout_no_wrap(text, font.clone(), Color32::WHITE);
        let place = Rect::from_center_size(at, galley.size()).expand(4.0);
        painter.rect_filled(place, 3.0, colour(console.palette.alarm));
        painter.galley(place.min + Vec2::splat(4.0), galley, Color32::WHITE);
    }
}

/// The place the analyst asked who was near: its circle of the radius asked.
fn near_place(painter: &egui::Painter, console: &Console, rect: Rect, ppp: f32) {
    let Some(((lon, lat), _, _)) = console.near.asked else { return };
    let centre = to_screen(&console.view, rect, ppp, lon, lat);
    let radius = radius_points(&console.view, rect, ppp, (lon, lat), console.near.radius_m).max(6.0);
    let [r, g, b, _] = console.palette.route;
    painter.circle(centre, radius, translucent([r, g, b, 0.12]), Stroke::new(2.5, colour(console.palette.route)));
}

/// The road a search result chose: every piece of it under a broad translucent stroke.
fn highlighted_road(painter: &egui::Painter, console: &Console, rect: Rect, ppp: f32) {
    let Some(name) = &console.highlighted_road else { return };
    let width = if console.wall { 14.0 } else { 10.0 };
    let [r, g, b, _] = console.palette.route;
    let stroke = Stroke::new(width, translucent([r, g, b, 0.45]));
    for line in console.session.desk.streets.lines(name) {
        let points: Vec<Pos2> = line.iter().map(|p| to_screen(&console.view, rect, ppp, p[0], p[1])).collect();
        painter.add(egui::Shape::line(points, stroke));
    }
}

/// The recent tracks of the units whose trail is shown (on their cards), ending at the unit,
/// in its status colour over a halo, with a dot where the track starts.
fn trails(painter: &egui::Painter, console: &Console, rect: Rect, ppp: f32) {
    let desk = &console.session.desk;
    // The tracks end at the moment shown: now, or the replayed one.
    let now = console.replay.shown.filter(|_| desk.showing_past()).unwrap_or_else(crate::model::now_millis);
    let width = if console.wall { 5.0 } else { 3.5 };
    for unit in console.trails_shown.iter().filter_map(|id| desk.world().unit(id)) {
        let mut points: Vec<Pos2> =
            desk.tracks.of(&unit.id, now).map(|p| to_screen(&console.view, rect, ppp, p.lon, p.lat)).collect();
        points.extend(unit.last_fix.map(|f| to_screen(&console.view, rect, ppp, f.lon, f.lat)));
        let Some(&start) = points.first() else { continue };
        let line = colour(console.palette.unit(unit.status));
        painter.add(egui::Shape::line(points.clone(), Stroke::new(width + 3.0, colour(console.palette.overlay_back))));
        painter.add(egui::Shape::line(points, Stroke::new(width, line)));
        painter.circle(start, width + 1.0, line, Stroke::new(2.0, colour(console.palette.overlay_back)));
    }
}

/// The units' markers on screen (those in view and a margin round it).
fn unit_markers(console: &Console, rect: Rect, ppp: f32) -> Vec<clusters::Placed> {
    let around = rect.expand(clusters::CLUSTER_RADIUS);
    let units = console.session.desk.world().units();
    let now = crate::model::now_millis();
    units
        .iter()
        .enumerate()
        .filter_map(|(slot, u)| {
            let f = u.last_fix?;
            let at = to_screen(&console.view, rect, ppp, f.lon, f.lat);
            let stale = (now - f.time) as f32 > console.style.stale_seconds * 1000.0;
            around.contains(at).then_some(clusters::Placed { slot: slot as u32, at, status: u.status, stale })
        })
        .collect()
}

/// Below `CLUSTER_ZOOM` every unit drawn gathered into clusters; closer in, piles of units
/// at one place counted.
fn units_gathered(painter: &egui::Painter, console: &Console, rect: Rect, ppp: f32) {
    let markers = unit_markers(console, rect, ppp);
    let palette = &console.palette;
    if console.view.zoom < CLUSTER_ZOOM {
        let gathered = clusters::gather(&markers, clusters::CLUSTER_RADIUS);
        clusters::paint_clusters(painter, &gathered, palette, console.wall, console.selected_unit);
    } else {
        clusters::paint_piles(painter, &clusters::gather(&markers, clusters::PILE_RADIUS), palette, console.wall);
    }
}

/// Units' callsigns beside their markers (those in view, at most `MAX_LABELS`, none over
/// another), with a halo.
fn callsigns(painter: &egui::Painter, console: &Console, rect: Rect, ppp: f32) {
    let (view, palette) = (&console.view, &console.palette);
    let (text, halo) = (colour(palette.callsign), colour(palette.callsign_halo));
    let units = console.session.desk.world().units();
    let font = FontId::proportional(if console.wall { 16.0 } else { 12.0 });
    let shown = units.iter().filter_map(|u| u.last_fix.map(|f| (u, to_screen(view, rect, ppp, f.lon, f.lat))));
    // Labels do not pile up (units at a station): one that would overlap a label already
    // placed is left out; the selected unit's goes first.
    let selected = console.selected_unit.and_then(|s| units.get(s as usize)).map(|u| u.id.as_str());
    let mut candidates: Vec<_> = shown.filter(|(_, p)| rect.contains(*p)).collect();
    candidates.sort_by_key(|(u, _)| Some(u.id.as_str()) != selected);
    let mut placed: Vec<Rect> = Vec::new();
    for (unit, p) in candidates {
        let galley = painter.layout_no_wrap(unit.callsign.clone(), font.clone(), text);
        let at = p + Vec2::new(10.0, -10.0);
        let area = Rect::from_min_size(at - Vec2::new(0.0, galley.size().y), galley.size()).expand(2.0);
        if placed.iter().any(|r| r.intersects(area)) {
            continue;
        }
        placed.push(area);
        painter.text(at + Vec2::splat(1.0), Align2::LEFT_BOTTOM, &unit.callsign, font.clone(), halo);
        painter.galley(area.min + Vec2::splat(2.0), galley, text);
        if placed.len() == MAX_LABELS {
            break;
        }
    }
}

/// On the wall, each open alarm's pin is labelled with its type and age, on a backing so it
/// reads over any map.
fn pin_labels(painter: &egui::Painter, console: &Console, rect: Rect, ppp: f32) {
    let (view, palette) = (&console.view, &console.palette);
    let now = crate::model::now_millis();
    for alarm in console.session.desk.alarm_queue() {
        let (Some(lon), Some(lat)) = (alarm.lon, alarm.lat) else { continue };
        let at = to_screen(view, rect, ppp, lon, lat);
        if !rect.contains(at) {
            continue;
        }
        let text = format!("{} {}", alarm.kind.to_uppercase(), super::look::age(alarm.time, now));
        let galley = painter.layout_no_wrap(text, FontId::proportional(20.0), colour(palette.overlay_text));
        let place = Rect::from_min_size(at + Vec2::new(18.0, -galley.size().y - 14.0), galley.size()).expand(4.0);
        painter.rect_filled(place, 4.0, translucent(palette.overlay_back));
        painter.rect_stroke(place, 4.0, Stroke::new(2.0, colour(palette.alarm)), egui::StrokeKind::Inside);
        painter.galley(place.min + Vec2::splat(4.0), galley, colour(palette.overlay_text));
    }
}

/// The cursor's coordinates and the zone under it, bottom left.
fn cursor_caption(painter: &egui::Painter, console: &Console, rect: Rect) {
    let mut caption = String::new();
    if let Some((lon, lat)) = console.cursor {
        caption = format!("{lat:.5}, {lon:.5}");
    }
    if let Some(zone) = console.hover_zone.and_then(|z| console.session.desk.live.zones.zones().get(z as usize)) {
        caption = format!("{caption}   {} ({})", zone.name, zone.code);
    }
    if caption.is_empty() {
        return;
    }
    let text = colour(console.palette.overlay_text);
    let at = rect.left_bottom() + Vec2::new(10.0, -10.0);
    let galley = painter.layout_no_wrap(caption, FontId::monospace(13.0), text);
    painter.rect_filled(
        Rect::from_min_size(at - Vec2::new(4.0, galley.size().y + 2.0), galley.size() + Vec2::new(8.0, 4.0)),
        3.0,
        translucent(console.palette.overlay_back),
    );
    painter.galley(at - Vec2::new(0.0, galley.size().y), galley, text);
}

/// A bar of a round length (1, 2 or 5 x 10^n metres) about 120 points long.
fn scale_bar(painter: &egui::Painter, view: &View, rect: Rect, ppp: f32, palette: &Palette) {
    let (_, lat) = view.center_lonlat();
    let metres_per_point = ground_metres_per_world_unit(lat) / view.world_px() * f64::from(ppp);
    let target = metres_per_point * 120.0;
    let magnitude = 10f64.powf(target.log10().floor());
    let length_m = [5.0, 2.0, 1.0].iter().map(|f| f * magnitude).find(|l| *l <= target).unwrap_or(magnitude);
    let width = (length_m / metres_per_point) as f32;
    let start = rect.right_bottom() + Vec2::new(-width - 20.0, -16.0);
    let stroke = Stroke::new(3.0, colour(palette.scale_bar));
    painter.line_segment([start, start + Vec2::new(width, 0.0)], stroke);
    painter.line_segment([start, start - Vec2::new(0.0, 6.0)], stroke);
    painter.line_segment([start + Vec2::new(width, 0.0), start + Vec2::new(width, -6.0)], stroke);
    let label = if length_m >= 1000.0 { format!("{} km", length_m / 1000.0) } else { format!("{length_m} m") };
    painter.text(
        start + Vec2::new(width / 2.0, -8.0),
        Align2::CENTER_BOTTOM,
        label,
        FontId::proportional(13.0),
        colour(palette.overlay_text),
    );
}

/// An arrow that points to north whatever the bearing.
fn north_arrow(painter: &egui::Painter, view: &View, rect: Rect, palette: &Palette) {
    let centre = rect.right_top() + Vec2::new(-34.0, 34.0);
    // The map turns clockwise by the bearing, and north with it.
    let angle = (view.bearing as f32).to_radians();
    let rotate = |v: Vec2| Vec2::new(v.x * angle.cos() - v.y * angle.sin(), v.x * angle.sin() + v.y * angle.cos());
    painter.circle_filled(centre, 22.0, translucent(palette.overlay_back));
    let tip = centre + rotate(Vec2::new(0.0, -16.0));
    let left = centre + rotate(Vec2::new(-8.0, 10.0));
    let right = centre + rotate(Vec2::new(8.0, 10.0));
    painter.add(egui::Shape::convex_polygon(vec![tip, right, centre, left], colour(palette.north_arrow), Stroke::NONE));
    painter.text(
        centre + rotate(Vec2::new(0.0, 14.0)),
        Align2::CENTER_CENTER,
        "N",
        FontId::proportional(11.0),
        colour(palette.overlay_text),
    );
}
