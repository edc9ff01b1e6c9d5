//! The zones and tree in force at the hub: the files it started with, with the zone edits the
//! world holds laid over them, made again whenever an edit is applied, so the 110 switchboard
//! and the jurisdiction checks use the zones as the commanders last saved them. A commander's
//! zone edit is checked here before it is journaled: every zone it changes (and every node it
//! gives one to) must be the seat's, a node it names must be in the tree, and it must bring no
//! new overlap, gap or broken ring (old problems elsewhere are not held against it).

use std::sync::{Arc, RwLock};

use super::Jurisdictions;
use crate::model::zones::ZoneChange;
use crate::model::{Command, Zone};
use crate::org::Org;
use crate::spatial::zone_edit::new_problems;
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

    /// Refuses a seat's command outside its jurisdiction, and a zone edit that is not the
    /// seat's to make or that breaks the zones' topology.
    pub fn check(&self, seat: Option<&str>, world: &World, command: &Command) -> Result<(), String> {
        let now = self.current();
        let seat = seat.unwrap_or(&now.org.root().id);
        now.check(seat, world, command)?;
        match command {
            Command::EditZones { changes, .. } => check_edit(&now, seat, changes),
            _ => Ok(()),
        }
    }
}

fn check_edit(now: &Jurisdictions, seat: &str, changes: &[ZoneChange]) -> Result<(), String> {
    let org = &now.org;
    let seat_name = org.node(seat).map_or(seat, |n| n.name.as_str());
    for change in changes {
        let code = change.code();
        if let Some(owner) = org.owner_of(code).filter(|o| !org.oversees(seat, &o.id)) {
            return Err(format!("zone {code} is {}'s, outside {seat_name}'s jurisdiction", owner.name));
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
    let before = now.zones.zones();
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
