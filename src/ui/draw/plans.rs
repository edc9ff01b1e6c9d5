//! The operation plans: the commander's panel section (each plan with its escorts' next
//! waypoints, what is flagged and which deployments fall short, and **Drop**), and on the
//! map each checkpoint's circle and each escort's route with its waypoints' times, in the
//! alarm colour where a unit is off its post or a convoy is late.

use eframe::egui::{self, Color32, FontId, Pos2, Rect, RichText, Stroke, Vec2};

use super::look::{clock, colour, readable, translucent};
use crate::model::plans::Plan;
use crate::model::{now_millis, Role};
use crate::ui::state::Console;
use crate::world::plans::PlanFlag;

pub fn panel(ui: &mut egui::Ui, console: &mut Console) {
    let commander = console.role() == Role::Commander;
    let plans: Vec<Plan> = console.session.desk.live_world().plans().iter().map(|f| f.plan.clone()).collect();
    let title = format!("Operation plans ({})", plans.len());
    egui::CollapsingHeader::new(title).id_salt("plans").default_open(commander).show(ui, |ui| {
        if plans.is_empty() {
            ui.label("No plan saved (pantau act plan --file PLAN)");
        }
        for plan in &plans {
            ui.separator();
            one_plan(ui, console, plan, commander);
        }
    });
}

fn one_plan(ui: &mut egui::Ui, console: &mut Console, plan: &Plan, commander: bool) {
    ui.label(RichText::new(&plan.name).strong());
    ui.label(format!(
        "{} checkpoints, {} escorts, {} deployments",
        plan.checkpoints.len(),
        plan.escorts.len(),
        plan.deployments.len()
    ));
    escorts(ui, console, plan);
    let alarm = readable(console.palette.alarm, ui.visuals().panel_fill);
    for flag in console.plans.flags.iter().filter(|f| flag_plan(f) == plan.id) {
        ui.label(RichText::new(flag.describe()).color(alarm).strong());
    }
    for short in console.plans.shortfalls.iter().filter(|s| s.plan == plan.id) {
        let Some(d) = plan.deployments.get(short.deployment) else { continue };
        let kind = format!("{:?}", d.kind).to_lowercase();
        let text = format!("zone {}: {} of {} {kind} units", d.zone, short.have, short.need);
        ui.label(RichText::new(text).color(alarm));
    }
    let drop = ui.add_enabled(commander, egui::Button::new(format!("Drop {}", plan.id)));
    if drop.on_disabled_hover_text("only a commander drops a plan").clicked() {
        console.drop_plan(&plan.id);
    }
}

/// Each escort's next waypoint and when it is due (or that it has arrived).
fn escorts(ui: &mut egui::Ui, console: &Console, plan: &Plan) {
    let world = console.session.desk.live_world();
    let Some(followed) = world.plans().iter().find(|f| f.plan.id == plan.id) else { return };
    for (escort, reached) in followed.plan.escorts.iter().zip(&followed.reached) {
        let line = match reached.iter().position(Option::is_none) {
            Some(next) => {
                let w = &escort.waypoints[next];
                format!("{}: next {} due {}", escort.name, w.name, clock(w.eta))
            }
            None => format!("{}: arrived", escort.name),
        };
        ui.label(line);
    }
}

fn flag_plan(flag: &PlanFlag) -> &str {
    match flag {
        PlanFlag::Late { plan, .. } | PlanFlag::OffPost { plan, .. } => plan,
    }
}

/// How many plan flags are up: for the status strip.
pub fn flag_count(console: &Console) -> usize {
    console.plans.flags.len()
}

/// Checkpoints and escort routes over the map.
pub fn on_map(
    painter: &egui::Painter,
    console: &Console,
    screen: &impl Fn(f64, f64) -> Pos2,
    metres: &impl Fn((f64, f64), f64) -> f32,
) {
    let world = console.session.desk.live_world();
    let palette = &console.palette;
    let font = FontId::proportional(if console.wall { 18.0 } else { 13.0 });
    let (halo, ink) = (colour(palette.overlay_back), colour(palette.callsign));
    for route in &console.plans.routes {
        let points: Vec<Pos2> = route.path.iter().map(|p| screen(p[0], p[1])).collect();
        let late = console.plans.flags.iter().any(
            |f| matches!(f, PlanFlag::Late { plan, escort, .. } if *plan == route.plan && *escort == route.escort),
        );
        let shade = colour(if late { palette.alarm } else { palette.route_alternative });
        painter.add(egui::Shape::line(points.clone(), Stroke::new(7.0, halo)));
        painter.add(egui::Shape::dashed_line(&points, Stroke::new(4.0, shade), 14.0, 6.0));
    }
    let now = now_millis();
    for followed in world.plans() {
        for escort in &followed.plan.escorts {
            for w in &escort.waypoints {
                let at = screen(w.lon, w.lat);
                painter.circle(at, 6.0, colour(palette.route_alternative), Stroke::new(2.0, halo));
                let text = format!("{} {}", w.name, clock(w.eta));
                label(painter, at + Vec2::new(9.0, 0.0), text, &font, (ink, halo));
            }
        }
        for c in followed.plan.checkpoints.iter().filter(|c| c.until > now) {
            let off = console.plans.flags.iter().any(|f| matches!(f, PlanFlag::OffPost { plan, checkpoint, .. } if *plan == followed.plan.id && *checkpoint == c.name));
            let rgba = if off { palette.alarm } else { palette.station };
            let [r, g, b, _] = rgba;
            let centre = screen(c.lon, c.lat);
            let radius = metres((c.lon, c.lat), c.radius_m).max(9.0);
            painter.circle(centre, radius, translucent([r, g, b, 0.15]), Stroke::new(3.0, colour(rgba)));
            let text = format!("{} ({})", c.name, c.units.join(", "));
            label(painter, centre + Vec2::new(radius.min(40.0) + 6.0, 0.0), text, &font, (ink, halo));
        }
    }
}

/// Text on a backing, as the map's other labels are (ink, backing), its left middle at `at`.
fn label(painter: &egui::Painter, at: Pos2, text: String, font: &FontId, (ink, back): (Color32, Color32)) {
    let galley = painter.layout_no_wrap(text, font.clone(), ink);
    let top_left = at - Vec2::new(0.0, galley.size().y / 2.0);
    painter.rect_filled(Rect::from_min_size(top_left, galley.size()).expand(2.0), 3.0, back);
    painter.galley(top_left, galley, ink);
}
