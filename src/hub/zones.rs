//! The zones and tree in force at the hub: the files it started with, with the zone edits the
//! world holds laid over them, made again whenever an edit is applied, so the 110 switchboard
//! and the jurisdiction checks use the zones as the commanders last saved them. A commander's
//! zone edit is checked here before it is journaled: every zone it changes, before and after,
//! must lie in the ground of the nodes the seat oversees, a node it names must be in the tree
//! and the seat's, a zone it removes must be in force, and it must bring no new overlap, gap
//! or broken ring (old problems elsewhere are not held against it).

use std::sync::{Arc, RwLock};

use geo::MultiPolygon;

use super::Jurisdictions;
use crate::model::zones::ZoneChange;
use crate::model::{Command, Zone};
use crate::org::Org;
use crate::spatial::zone_edit::{new_problems, outside};
use crate::spatial::ZoneIndex;
use crate::world::World;

/// The files' tree and zones, and the ones in force with the world's edit count they follow.
pub struct InForce {
    files_org: Org,
    files_zones: Vec<Zone>,
    now: RwLock<(u64, Arc<Jurisdictions>)>,
}

impl InForce {
    pub fn new(files: Jurisdictions) -> Self {
        let files_zones = files.zones.zones().to_vec();
        let files_org = files.org.clone();
        Self { files_org, files_zones, now: RwLock::new((0, Arc::new(files))) }
    }

    /// The tree and zones in force.
    pub fn current(&self) -> Arc<Jurisdictions> {
        self.now.read().unwrap_or_else(|p| p.into_inner()).1.clone()
    }

    /// Makes the zones and tree again if the world's zone edits changed since.
    pub fn follow(&self, world: &World) {
        let version = world.zones().version();
        if self.now.read().unwrap_or_else(|p| p.into_inner()).0 == version {
            return;
        }
        let zones = world.zones().lay_over(&self.files_zones);
        let org = self.files_org.with_zone_owners(world.zones().owners());
        let made = Arc::new(Jurisdictions { org, zones: ZoneIndex::new(zones) });
        *self.now.write().unwrap_or_else(|p| p.into_inner()) = (version, made);
    }

    /// Refuses a seat's command outside its jurisdiction (a zone edit is checked apart, by
    /// [`check_edit`], off the hub's lock).
    pub fn check(&self, seat: Option<&str>, world: &World, command: &Command) -> Result<(), String> {
        let now = self.current();
        now.check(seat.unwrap_or(&now.org.root().id), world, command)
    }
}

/// Refuses a zone edit of a seat of node `seat` (none: the root) that is not the seat's to
/// make (a zone, old or new, reaching outside the ground of the nodes it oversees; a node it
/// does not oversee or that is not in the tree; a zone removed that is not in force) or that
/// brings an overlap, a gap or a broken ring. Costs a topology check around the edit: run it
/// off the async threads.
pub fn check_edit(now: &Jurisdictions, seat: Option<&str>, changes: &[ZoneChange]) -> Result<(), String> {
    let org = &now.org;
    let seat = seat.unwrap_or(&org.root().id);
    let seat_name = org.node(seat).map_or(seat, |n| n.name.as_str());
    let before = now.zones.zones();
    let in_force = |code: &str| before.iter().find(|z| z.code == code);
    for change in changes {
        let code = change.code();
        if let ZoneChange::Remove { .. } = change {
            in_force(code).ok_or_else(|| format!("no zone {code} is in force to remove"))?;
        }
        let ZoneChange::Put(zone) = change else { continue };
        match zone.node.as_deref().map(|n| (n, org.node(n))) {
            Some((node, None)) => return Err(format!("zone {code}: node {node} is not in the organisation tree")),
            Some((_, Some(node))) if !org.oversees(seat, &node.id) => {
                return Err(format!("zone {code} cannot go to {}, outside {seat_name}'s jurisdiction", node.name))
            }
            _ => {}
        }
    }
    if seat != org.root().id {
        let ground = ground_of(now, seat);
        let shapes = changes.iter().flat_map(|c| {
            let old = in_force(c.code()).map(|z| &z.polygon);
            let new = match c {
                ZoneChange::Put(zone) => Some(&zone.polygon),
                ZoneChange::Remove { .. } => None,
            };
            old.into_iter().chain(new).map(move |shape| (c.code(), shape))
        });
        for (code, shape) in shapes {
            if let Some((lon, lat)) = outside(shape, &ground) {
                return Err(format!("zone {code} reaches {lon:.5},{lat:.5}, outside {seat_name}'s jurisdiction"));
            }
        }
    }
    let mut after: Vec<Zone> = before.iter().filter(|z| !changes.iter().any(|c| c.code() == z.code)).cloned().collect();
    after.extend(changes.iter().filter_map(|c| match c {
        ZoneChange::Put(zone) => Some(zone.to_zone()),
        ZoneChange::Remove { .. } => None,
    }));
    let touched: Vec<&str> = changes.iter().map(ZoneChange::code).collect();
    let problems = new_problems(before, &after, &touched);
    match problems.first() {
        None => Ok(()),
        Some(first) => Err(format!("the zone edit would leave {} problems, first {first}", problems.len())),
    }
}

/// The ground of the zones covered by the nodes a seat oversees.
fn ground_of(now: &Jurisdictions, seat: &str) -> MultiPolygon<f64> {
    let org = &now.org;
    let theirs = now.zones.zones().iter().filter(|z| org.owner_of(&z.code).is_some_and(|n| org.oversees(seat, &n.id)));
    geo::unary_union(theirs.map(|z| &z.polygon))
}
