//! The operation plans on the desk: every two seconds, what the saved plans flag on the live
//! world (convoys late at a waypoint, units off their checkpoints) and which deployments fall
//! short; each escort's route on the roads, worked out again only when its waypoints change
//! (a few per update), for the map; and a commander's drop of a plan, sent as a command.

use super::Console;
use crate::model::plans::Waypoint;
use crate::model::{Command, Millis};
use crate::spatial::plans::{route_path, shortfalls, Shortfall};
use crate::world::plans::PlanFlag;

/// How often the plans' flags follow the world.
const PLANS_EVERY_MS: Millis = 2_000;
/// At most this many escort routes are worked out on the roads per update (the rest are drawn
/// straight until their turn), so many plans arriving at once do not stall a frame.
const ROUTES_PER_UPDATE: usize = 8;

/// An escort's route as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct EscortRoute {
    pub plan: String,
    pub escort: String,
    /// The waypoints it was worked out for.
    waypoints: Vec<Waypoint>,
    /// Along the roads (or, not yet, straight from waypoint to waypoint).
    on_roads: bool,
    /// `[lon, lat]` along the roads.
    pub path: Vec<[f64; 2]>,
}

#[derive(Default)]
pub struct PlanDesk {
    at: Option<Millis>,
    pub flags: Vec<PlanFlag>,
    pub shortfalls: Vec<Shortfall>,
    pub routes: Vec<EscortRoute>,
}

impl Console {
    /// Follows the plans every two seconds (at once on the first frame).
    pub(super) fn update_plans(&mut self, now: Millis) {
        if self.plans.at.is_some_and(|at| now - at < PLANS_EVERY_MS) {
            return;
        }
        self.plans.at = Some(now);
        let desk = &self.session.desk;
        let world = desk.live_world();
        self.plans.flags = world.plan_flags(now);
        self.plans.shortfalls =
            world.plans().iter().flat_map(|f| shortfalls(&f.plan, world.units(), &desk.live.zones, now)).collect();
        let mut kept = std::mem::take(&mut self.plans.routes);
        let mut budget = ROUTES_PER_UPDATE;
        for followed in world.plans() {
            for escort in &followed.plan.escorts {
                let same = kept.iter().position(|r| {
                    r.plan == followed.plan.id && r.escort == escort.name && r.waypoints == escort.waypoints
                });
                let mut route = match same {
                    Some(i) => kept.swap_remove(i),
                    None => EscortRoute {
                        plan: followed.plan.id.clone(),
                        escort: escort.name.clone(),
                        waypoints: escort.waypoints.clone(),
                        path: route_path(None, escort),
                        on_roads: false,
                    },
                };
                if !route.on_roads && budget > 0 && desk.router().is_some() {
                    budget -= 1;
                    (route.path, route.on_roads) = (route_path(desk.router(), escort), true);
                }
                self.plans.routes.push(route);
            }
        }
    }

    /// A commander stops following a plan.
    pub fn drop_plan(&mut self, id: &str) {
        self.session.desk.command(Command::DropPlan { id: id.to_string() });
        self.plans.at = None;
    }
}
