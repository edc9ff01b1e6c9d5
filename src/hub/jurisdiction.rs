//! Whether a person may act on a place: with an organisation tree, a seat of a node acts only
//! on what lies in the zones of that node and the nodes below it (which commands a seat may
//! send at all is decided as its message is read, in `protocol.rs`). The places a command
//! touches are the alarm's position, the unit's last fix, a placed position, and a plan's
//! checkpoints and waypoints (with those of the plan it replaces or drops); a place
//! without a position belongs to nobody yet, so any seat may act on it (refusing would leave
//! an alarm nobody may take). A call belongs to the node it rings at (or rang at when it was
//! answered): only a seat of that node or one above it may answer or classify it, or open an
//! incident from it. An incident belongs to the node it was handed to.

use crate::model::plans::Plan;
use crate::model::{Command, Fix};
use crate::org::Org;
use crate::spatial::ZoneIndex;
use crate::world::World;

/// The tree and the zones it names by code.
pub struct Jurisdictions {
    pub org: Org,
    pub zones: ZoneIndex,
}

impl Jurisdictions {
    /// Refuses a command of a seat of node `seat` that touches a place outside its nodes.
    pub fn check(&self, seat: &str, world: &World, command: &Command) -> Result<(), String> {
        if seat == self.org.root().id {
            return Ok(());
        }
        let seat_name = self.org.node(seat).map_or(seat, |n| n.name.as_str());
        for (what, node) in nodes_of(world, command) {
            if let Some(node) = node.filter(|node| !self.org.oversees(seat, node)) {
                let name = self.org.node(&node).map_or(node.as_str(), |n| n.name.as_str());
                return Err(format!("{what} is {name}'s, outside {seat_name}'s jurisdiction"));
            }
        }
        for (what, place) in places(world, command) {
            let codes: Vec<&str> = self.zones.lookup(place.0, place.1).into_iter().map(|z| z.code.as_str()).collect();
            let nodes = self.org.nodes_at(codes);
            if !nodes.iter().any(|n| self.org.oversees(seat, &n.id)) {
                let owner = nodes.last().map_or_else(|| "no node of the tree".to_string(), |n| n.name.clone());
                return Err(format!(
                    "{what} at {:.5},{:.5} belongs to {owner}, outside {seat_name}'s jurisdiction",
                    place.0, place.1
                ));
            }
        }
        Ok(())
    }
}

/// For a command on calls or incidents: what it acts on and the node that has each (where a
/// call rings, whom an incident was handed to; none yet: anyone's). A unit sent to an incident
/// is checked by its place, as for an alarm.
fn nodes_of(world: &World, command: &Command) -> Vec<(String, Option<String>)> {
    let call = |id: u64| (format!("call {id}"), world.call(id).and_then(|c| c.node()).map(str::to_string));
    let incident = |id: u64| (format!("incident {id}"), world.incident(id).and_then(|i| i.node.clone()));
    match command {
        Command::Answer { call: id }
        | Command::Classify { call: id, .. }
        | Command::OpenIncident { call: id, .. }
        | Command::OpenIncidentWithCaller { call: id, .. } => vec![call(*id)],
        Command::AttachCall { incident: id, call: c } => vec![incident(*id), call(*c)],
        Command::DispatchIncident { incident: id, .. }
        | Command::IncidentProgress { incident: id, .. }
        | Command::IncidentNote { incident: id, .. }
        | Command::LinkAlarm { incident: id, .. }
        | Command::CloseIncident { incident: id, .. } => vec![incident(*id)],
        _ => Vec::new(),
    }
}

/// The places a command acts on, each with what is there.
fn places(world: &World, command: &Command) -> Vec<(String, (f64, f64))> {
    let alarm = |id: u64| {
        let place = world.alarm(id).and_then(|a| a.lon.zip(a.lat));
        place.map(|p| (format!("alarm {id}"), p))
    };
    let unit = |id: &str| {
        let fix: Option<Fix> = world.unit(id).and_then(|u| u.last_fix);
        fix.map(|f| (format!("unit {id}"), (f.lon, f.lat)))
    };
    match command {
        Command::Acknowledge { alarm: id }
        | Command::Resolve { alarm: id }
        | Command::FalseAlarm { alarm: id }
        | Command::Close { alarm: id, .. }
        | Command::Reopen { alarm: id }
        | Command::Unassign { alarm: id }
        | Command::LinkAlarm { alarm: id, .. } => alarm(*id).into_iter().collect(),
        Command::Dispatch { alarm: id, unit: u } => alarm(*id).into_iter().chain(unit(u)).collect(),
        Command::SetStatus { unit: u, .. } | Command::DispatchIncident { unit: u, .. } => unit(u).into_iter().collect(),
        Command::Place { lon, lat, .. } => vec![("the place".to_string(), (*lon, *lat))],
        Command::MoveUp { unit: u, post, lon, lat } => {
            unit(u).into_iter().chain([(format!("post {post}"), (*lon, *lat))]).collect()
        }
        // A plan replaced or dropped is checked by its places too, so a seat changes only plans
        // wholly inside its jurisdiction.
        Command::SavePlan { plan } => plan_places(plan).chain(saved_plan(world, &plan.id)).collect(),
        Command::DropPlan { id } => saved_plan(world, id),
        _ => Vec::new(),
    }
}

/// A plan's checkpoints and waypoints.
fn plan_places(plan: &Plan) -> impl Iterator<Item = (String, (f64, f64))> + '_ {
    let checkpoints = plan.checkpoints.iter().map(|c| (format!("checkpoint {}", c.name), (c.lon, c.lat)));
    let waypoints = plan.escorts.iter().flat_map(|e| &e.waypoints);
    checkpoints.chain(waypoints.map(|w| (format!("waypoint {}", w.name), (w.lon, w.lat))))
}

/// The places of the plan the world follows under `id`, if any.
fn saved_plan(world: &World, id: &str) -> Vec<(String, (f64, f64))> {
    world.plans().iter().find(|f| f.plan.id == id).map(|f| plan_places(&f.plan).collect()).unwrap_or_default()
}
