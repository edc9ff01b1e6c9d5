//! The spatial picture of the live world: the unit index kept current from the world's change
//! sets, and every unit, alarm and camera assigned to its zones (one per level) with running
//! counts per zone, so "how many units are in this rayon, how many alarms are open there" is
//! a lookup, not a scan.

use super::{CameraIndex, UnitIndex, ZoneIndex};
use crate::model::{Alarm, Unit, UnitStatus};
use crate::world::{ChangeSet, World};

/// What each zone holds right now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZoneCounts {
    /// Units whose last fix lies in the zone (any status).
    pub units: u32,
    pub available_units: u32,
    /// Alarms raised, acknowledged or dispatched.
    pub open_alarms: u32,
    pub cameras: u32,
}

/// One object's zones and what it adds to their counts.
#[derive(Clone, Debug, Default, PartialEq)]
struct Placement {
    zones: Vec<u32>,
    counts: ZoneCounts,
}

pub struct LiveIndex {
    pub units: UnitIndex,
    pub zones: ZoneIndex,
    pub cameras: CameraIndex,
    unit_places: Vec<Placement>,
    alarm_places: Vec<Placement>,
    camera_zones: Vec<Vec<u32>>,
    counts: Vec<ZoneCounts>,
}

impl LiveIndex {
    /// Indexes the world as it is, with the fixed zone and camera layers.
    pub fn new(world: &World, zones: ZoneIndex, cameras: CameraIndex) -> Self {
        let mut live = Self {
            units: UnitIndex::default(),
            counts: vec![ZoneCounts::default(); zones.zones().len()],
            zones,
            cameras,
            unit_places: Vec::new(),
            alarm_places: Vec::new(),
            camera_zones: Vec::new(),
        };
        live.camera_zones = live.cameras.cameras().iter().map(|c| live.zones.lookup_slots(c.lon, c.lat)).collect();
        for &zone in live.camera_zones.iter().flatten() {
            live.counts[zone as usize].cameras += 1;
        }
        let all = ChangeSet {
            units: (0..world.units().len() as u32).collect(),
            alarms: (0..world.alarms().len() as u32).collect(),
            ..ChangeSet::default()
        };
        live.update(world, &all);
        live
    }

    /// Brings the index up to date with the slots a batch changed.
    /// Starts again from another world (the record at some moment, or the live one after
    /// it): the units and alarms counted afresh, the cameras kept.
    pub fn rebuild(&mut self, world: &World) {
        self.units = UnitIndex::default();
        self.counts.iter_mut().for_each(|c| *c = ZoneCounts { cameras: c.cameras, ..ZoneCounts::default() });
        self.unit_places.clear();
        self.alarm_places.clear();
        let all = ChangeSet {
            units: (0..world.units().len() as u32).collect(),
            alarms: (0..world.alarms().len() as u32).collect(),
            ..ChangeSet::default()
        };
        self.update(world, &all);
    }

    pub fn update(&mut self, world: &World, changes: &ChangeSet) {
        for &slot in &changes.units {
            if let Some(unit) = world.units().get(slot as usize) {
                self.units.update(slot, unit);
                let placement = self.unit_placement(unit);
                self.replace(Side::Unit, slot, placement);
            }
        }
        for &slot in &changes.alarms {
            if let Some(alarm) = world.alarms().get(slot as usize) {
                let placement = self.alarm_placement(alarm);
                self.replace(Side::Alarm, slot, placement);
            }
        }
    }

    /// The counts of the zone at `slot` in [`ZoneIndex::zones`].
    pub fn counts(&self, zone: u32) -> ZoneCounts {
        self.counts.get(zone as usize).copied().unwrap_or_default()
    }

    /// The zones (one per level, coarsest first) of a unit or an alarm by slot.
    pub fn unit_zones(&self, slot: u32) -> &[u32] {
        self.unit_places.get(slot as usize).map_or(&[], |p| &p.zones)
    }

    pub fn alarm_zones(&self, slot: u32) -> &[u32] {
        self.alarm_places.get(slot as usize).map_or(&[], |p| &p.zones)
    }

    pub fn camera_zones(&self, slot: u32) -> &[u32] {
        self.camera_zones.get(slot as usize).map_or(&[], Vec::as_slice)
    }

    fn unit_placement(&self, unit: &Unit) -> Placement {
        let Some(fix) = unit.last_fix else { return Placement::default() };
        let available = u32::from(unit.status == UnitStatus::Available);
        Placement {
            zones: self.zones.lookup_slots(fix.lon, fix.lat),
            counts: ZoneCounts { units: 1, available_units: available, ..ZoneCounts::default() },
        }
    }

    fn alarm_placement(&self, alarm: &Alarm) -> Placement {
        let (Some(lon), Some(lat)) = (alarm.lon, alarm.lat) else { return Placement::default() };
        Placement {
            zones: self.zones.lookup_slots(lon, lat),
            counts: ZoneCounts { open_alarms: u32::from(alarm.state.is_open()), ..ZoneCounts::default() },
        }
    }

    fn replace(&mut self, side: Side, slot: u32, placement: Placement) {
        let places = match side {
            Side::Unit => &mut self.unit_places,
            Side::Alarm => &mut self.alarm_places,
        };
        if places.len() <= slot as usize {
            places.resize(slot as usize + 1, Placement::default());
        }
        let old = std::mem::replace(&mut places[slot as usize], placement);
        let new = &places[slot as usize];
        if old == *new {
            return;
        }
        for zone in old.zones {
            add(&mut self.counts[zone as usize], old.counts, -1);
        }
        for &zone in &new.zones {
            add(&mut self.counts[zone as usize], new.counts, 1);
        }
    }
}

#[derive(Clone, Copy)]
enum Side {
    Unit,
    Alarm,
}

fn add(total: &mut ZoneCounts, part: ZoneCounts, sign: i32) {
    let apply = |t: &mut u32, p: u32| *t = t.saturating_add_signed(sign * p as i32);
    apply(&mut total.units, part.units);
    apply(&mut total.available_units, part.available_units);
    apply(&mut total.open_alarms, part.open_alarms);
    apply(&mut total.cameras, part.cameras);
}
