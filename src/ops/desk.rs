//! A desk: one operator's seat on the live world, attached to a hub like every other seat. It
//! keeps its own copy of the world from the hub's stream of applied events, the spatial picture
//! of that world (zones, nearest units, cameras, congestion) and who is logged in where, and
//! sends what the operator does up as commands, which the hub stamps with the logged-in person,
//! checks, journals and applies like any feed event. A refusal comes back in the stream and is
//! shown at the desk that caused it.

use super::link::{Credentials, HubAddress, HubLink, Inbound, LinkState};
use crate::crs::geodesy::haversine_m;
use crate::hub::protocol::Present;
use crate::model::calls::ANSWER_TARGET_MS;
use crate::model::incidents::Milestone;
use crate::model::IncidentKind;

/// A call about an open incident of its kind this near and this recent is offered as the
/// same incident.
const DUPLICATE_WITHIN_M: f64 = 500.0;
const DUPLICATE_WITHIN_MS: Millis = 3_600_000;
use crate::model::{
    now_millis, Alarm, AlarmId, AlarmState, Call, Camera, Classification, Command, Event, Incident, Millis, Role,
    UnitStatus, Zone,
};
use crate::spatial::congestion::Congestion;
use crate::spatial::dispatch::{Candidate, Router};
use crate::spatial::{CameraIndex, LiveIndex, RoadGraph, Streets, UnitFilter, ZoneIndex};
use crate::world::service_levels::calls_since;
pub use crate::world::service_levels::Breach;
use crate::world::{ChangeSet, Outcome, World};

use super::tracks::Tracks;
use crate::org::{Node, Org};

/// How often observed speeds are handed to the router.
const LIVE_SPEEDS_EVERY_MS: Millis = 10_000;
/// An alarm closer than this to its street is said to be on it.
const STREET_ON_M: f64 = 40.0;
/// Units offered for an alarm.
pub const CANDIDATES: usize = 5;

/// The fixed layers a desk works with.
#[derive(Default)]
pub struct Layers {
    pub zones: Vec<Zone>,
    pub cameras: Vec<Camera>,
    /// The road graph, for drive times and congestion (none: straight lines only).
    pub roads: Option<RoadGraph>,
    /// Named streets, for alarms' addresses and finding a road.
    pub streets: Streets,
    /// The organisation tree, for the nodes an alarm belongs to (none: not shown).
    pub org: Option<Org>,
}

pub struct Desk {
    world: World,
    link: HubLink,
    /// The last sequence number applied (none before the first world arrives).
    pub seq: Option<u64>,
    /// Who is logged in at which seat.
    pub present: Vec<Present>,
    pub live: LiveIndex,
    router: Option<Router>,
    pub congestion: Option<Congestion>,
    pub streets: Streets,
    /// The tree in force (the file's, with the zones the edits gave to other nodes).
    pub org: Option<Org>,
    /// The zones and tree from the files, for the world's zone edits to be laid over.
    files_zones: Vec<Zone>,
    files_org: Option<Org>,
    /// The world's zone-edit count the zone index and tree were last made for.
    zone_edits: u64,
    /// Each alarm's street in words, worked out when the alarm arrives or moves (the panels
    /// name it every frame).
    alarm_streets: Vec<Option<String>>,
    speeds_at: Millis,
    /// Who is logged in here and as what, as the hub knows them (a viewer until logged in).
    pub user: String,
    pub role: Role,
    /// The organisation node they sit at (none: the root): the desk shows the alarms of that
    /// node and the nodes below it.
    pub node: Option<String>,
    /// Changes not yet taken by the renderer.
    pending: ChangeSet,
    /// The last refusal of one of this desk's own commands.
    pub refusal: Option<String>,
    /// Each unit's recent track, from the fixes applied.
    pub tracks: Tracks,
    /// The live world and tracks, kept (the world fed the hub's batches) while the record at
    /// some moment is shown in their place.
    live_world: Option<(World, Tracks)>,
}

/// Adds `new` slots to a sorted list of distinct slots, keeping it so (its size stays bounded
/// by the world's, however long nobody takes the changes).
fn merge(pending: &mut Vec<u32>, new: &[u32]) {
    pending.extend_from_slice(new);
    pending.sort_unstable();
    pending.dedup();
}

impl Desk {
    /// A desk on the hub at `address`, logged in at once with `credentials` or, without them,
    /// once [`Desk::log_in`] is called (the login screen). Its world is empty until the hub
    /// sends one.
    pub fn connect(address: HubAddress, credentials: Option<Credentials>, layers: Layers) -> anyhow::Result<Self> {
        let link = HubLink::open(address, credentials)?;
        let world = World::new();
        let files_zones = layers.zones.clone();
        let live = LiveIndex::new(&world, ZoneIndex::new(layers.zones), CameraIndex::new(layers.cameras));
        let congestion = layers.roads.as_ref().map(Congestion::new);
        let router = layers.roads.map(Router::new);
        Ok(Self {
            world,
            link,
            seq: None,
            present: Vec::new(),
            live,
            router,
            congestion,
            streets: layers.streets,
            files_org: layers.org.clone(),
            org: layers.org,
            files_zones,
            zone_edits: 0,
            alarm_streets: Vec::new(),
            speeds_at: 0,
            user: String::new(),
            role: Role::Viewer,
            node: None,
            pending: ChangeSet::default(),
            refusal: None,
            tracks: Tracks::default(),
            live_world: None,
        })
    }

    /// Called (from another thread) whenever something arrives from the hub or the line's
    /// state changes, e.g. to repaint the window.
    pub fn set_waker(&self, wake: impl Fn() + Send + Sync + 'static) {
        self.link.set_waker(wake);
    }

    /// Where the line to the hub stands (logged out, live, lost since when).
    pub fn link(&self) -> LinkState {
        self.link.state()
    }

    /// The hub's address.
    pub fn hub(&self) -> &str {
        self.link.url()
    }

    /// Logs in with what was typed at the login screen.
    pub fn log_in(&self, user: &str, password: &str) {
        self.link.log_in(Credentials { user: user.to_string(), password: password.to_string() });
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    /// Drive times on the roads at the live speeds (none: the map has no roads).
    pub fn router(&self) -> Option<&Router> {
        self.router.as_ref()
    }

    /// When observed speeds were last handed to the router.
    pub fn speeds_at(&self) -> Millis {
        self.speeds_at
    }

    /// The road graph behind drive times and congestion, if the map has roads.
    pub fn roads(&self) -> Option<&RoadGraph> {
        self.router.as_ref().map(Router::graph)
    }

    /// Takes in everything the hub has sent since the last call; returns how many events
    /// arrived.
    pub fn poll(&mut self) -> usize {
        let mut count = 0;
        while let Some(inbound) = self.link.try_recv() {
            match inbound {
                Inbound::Welcome(welcome) => {
                    (self.user, self.role, self.present) = (welcome.user, welcome.role, welcome.present);
                    if self.node != welcome.org {
                        // Another jurisdiction: every alarm is drawn again, in view or not.
                        self.node = welcome.org;
                        merge(&mut self.pending.alarms, &(0..self.world.alarms().len() as u32).collect::<Vec<_>>());
                    }
                }
                Inbound::World { seq, world } => self.start_from(*world, seq),
                Inbound::Batch { first_seq, events } if self.live_world.is_some() => {
                    count += events.len();
                    if let Some((live, tracks)) = &mut self.live_world {
                        for (event, outcome) in events.iter().zip(live.apply(&events)) {
                            if let Event::Position { fix, device, .. } = event {
                                if let Some(c) = &mut self.congestion {
                                    c.add_fix(fix);
                                }
                                if outcome == Outcome::Applied {
                                    tracks.add(device, fix);
                                }
                            }
                        }
                        live.take_changes();
                    }
                    self.seq = Some(first_seq.saturating_add(events.len().saturating_sub(1) as u64));
                }
                Inbound::Batch { first_seq, events } => {
                    count += events.len();
                    for (event, outcome) in events.iter().zip(self.world.apply(&events)) {
                        self.observe(event, outcome);
                    }
                    self.seq = Some(first_seq.saturating_add(events.len().saturating_sub(1) as u64));
                }
                Inbound::Presence(present) => self.present = present,
                Inbound::Refused(reason) => self.refusal = Some(reason),
            }
        }
        self.follow_zone_edits();
        let changes = self.world.take_changes();
        if !changes.is_empty() {
            self.live.update(&self.world, &changes);
            self.note_streets(&changes.alarms);
            merge(&mut self.pending.units, &changes.units);
            merge(&mut self.pending.alarms, &changes.alarms);
        }
        let now = now_millis();
        if let (Some(router), Some(congestion)) = (&mut self.router, &self.congestion) {
            if now - self.speeds_at >= LIVE_SPEEDS_EVERY_MS {
                router.set_live_speeds(congestion, now);
                self.speeds_at = now;
            }
        }
        count
    }

    /// Starts again from a world the hub sent: every slot counts as changed. (The world only
    /// grows, in the same order everywhere, so slots keep their meaning.)
    fn start_from(&mut self, world: World, seq: u64) {
        self.seq = Some(seq);
        if let Some((live, _)) = &mut self.live_world {
            *live = world;
            return;
        }
        let before = (self.world.units().len(), self.world.alarms().len());
        self.world = world;
        self.redraw_all(before);
        self.follow_zone_edits();
    }

    /// Shows the record at some moment (its world and the units' tracks up to it) in place of
    /// the live world, or (none) the live world again. While the past is shown the hub's
    /// batches go on into the live world, kept aside, and this desk's commands are refused.
    pub fn show_past(&mut self, past: Option<(World, Tracks)>) {
        let before = (self.world.units().len(), self.world.alarms().len());
        match (past, self.live_world.take()) {
            (Some((world, tracks)), kept) => {
                let shown = (std::mem::replace(&mut self.world, world), std::mem::replace(&mut self.tracks, tracks));
                match kept {
                    Some(live) => {
                        self.live_world = Some(live);
                        drop_elsewhere(shown);
                    }
                    None => self.live_world = Some(shown),
                }
            }
            (None, Some((world, tracks))) => {
                let shown = (std::mem::replace(&mut self.world, world), std::mem::replace(&mut self.tracks, tracks));
                drop_elsewhere(shown);
            }
            (None, None) => return,
        }
        self.redraw_all(before);
    }

    /// Moves the past shown onwards to `at` by the records after its moment (their events in
    /// order): its world applies them as it would have live, and the units' tracks take their
    /// fixes timed up to `at` (as a seek reads them). Nothing while the live world is shown.
    pub fn step_past(&mut self, events: &[Event], at: Millis) {
        if !self.showing_past() {
            return;
        }
        let since = at.saturating_sub(super::tracks::TRACK_MS);
        for (event, outcome) in events.iter().zip(self.world.apply(events)) {
            if let (Event::Position { fix, device, .. }, Outcome::Applied) = (event, outcome) {
                if (since..=at).contains(&fix.time) {
                    self.tracks.add(device, fix);
                }
            }
        }
    }

    /// The live world, also while the past is shown in its place.
    pub fn live_world(&self) -> &World {
        self.live_world.as_ref().map_or(&self.world, |(world, _)| world)
    }

    /// The open officer alarms of the live world this desk sees, with their state: what the
    /// distress alerts sound for, a replay or not.
    pub fn live_officer_alarms(&self) -> Vec<(AlarmId, AlarmState)> {
        let world = self.live_world();
        let open = world.alarms().iter().filter(|a| a.state.is_open() && world.unit(&a.source).is_some());
        open.filter(|a| self.in_view(a)).map(|a| (a.id, a.state)).collect()
    }

    /// Whether the past is shown (a replay) rather than the live world.
    pub fn showing_past(&self) -> bool {
        self.live_world.is_some()
    }

    /// The world's zone-edit count the desk's zones follow: it changes when they do.
    pub fn zone_edits(&self) -> u64 {
        self.zone_edits
    }

    /// Lays the world's zone edits over the files' zones and tree when they changed since:
    /// the zone index and tree are made again, and every unit, alarm and camera placed in them.
    fn follow_zone_edits(&mut self) {
        let edits = self.world.zones();
        if edits.version() == self.zone_edits {
            return;
        }
        self.zone_edits = edits.version();
        let zones = ZoneIndex::new(edits.lay_over(&self.files_zones));
        self.org = self.files_org.as_ref().map(|org| org.with_zone_owners(edits.owners()));
        let cameras = std::mem::replace(&mut self.live.cameras, CameraIndex::new(Vec::new()));
        self.live = LiveIndex::new(&self.world, zones, cameras);
        let sizes = (self.world.units().len(), self.world.alarms().len());
        self.redraw_all(sizes);
    }

    /// Everything counts as changed after the world was replaced: the indexes are made again,
    /// and every slot is drawn again, up to the larger of the old and new worlds (slots the new
    /// one lacks are hidden).
    fn redraw_all(&mut self, (units_before, alarms_before): (usize, usize)) {
        self.live.rebuild(&self.world);
        let alarms: Vec<u32> = (0..self.world.alarms().len() as u32).collect();
        self.note_streets(&alarms);
        merge(&mut self.pending.units, &(0..units_before.max(self.world.units().len()) as u32).collect::<Vec<_>>());
        merge(&mut self.pending.alarms, &(0..alarms_before.max(self.world.alarms().len()) as u32).collect::<Vec<_>>());
    }

    /// Fixes feed congestion and, applied, the unit's track.
    fn observe(&mut self, event: &Event, outcome: Outcome) {
        if let Event::Position { fix, device, .. } = event {
            if let Some(c) = &mut self.congestion {
                c.add_fix(fix);
            }
            if outcome == Outcome::Applied {
                self.tracks.add(device, fix);
            }
        }
    }

    /// The slots changed since the renderer last asked (sorted, each listed once).
    pub fn take_changes(&mut self) -> ChangeSet {
        std::mem::take(&mut self.pending)
    }

    /// Open alarms in the order they are to be handled: officers in distress above everything,
    /// then by priority, then the one waiting longest first. A new alarm joins the end of its
    /// group, so the rows above it keep their places.
    pub fn alarm_queue(&self) -> Vec<&Alarm> {
        let mut open: Vec<&Alarm> =
            self.world.alarms().iter().filter(|a| a.state.is_open() && self.in_view(a)).collect();
        open.sort_by_key(|a| (!self.is_officer_alarm(a), a.priority, a.time, a.id));
        open
    }

    /// Whether an alarm is this desk's to see: every alarm at the root (or without a tree), else
    /// those in the zones of the desk's node or the nodes below it. (Acting outside them is
    /// refused at the hub.)
    pub fn in_view(&self, alarm: &Alarm) -> bool {
        match (&self.org, &self.node) {
            (Some(org), Some(node)) if *node != org.root().id => self.alarm_nodes(alarm).iter().any(|n| n.id == *node),
            _ => true,
        }
    }

    /// Whether something at `node` is this desk's to see: it is at the desk's node or below it,
    /// or not yet sent anywhere (or the desk has no tree or node).
    fn oversees(&self, node: Option<&str>) -> bool {
        match (&self.org, &self.node, node) {
            (Some(org), Some(desk), Some(node)) => org.oversees(desk, node),
            _ => true,
        }
    }

    /// Open 110 calls this desk may take, the longest waiting first: those ringing (or answered)
    /// at its node or a node below it, and those not yet sent anywhere.
    pub fn call_queue(&self) -> Vec<&Call> {
        let mut open: Vec<&Call> = self.world.open_calls().filter(|c| self.oversees(c.node())).collect();
        open.sort_by_key(|c| (!c.is_waiting(), c.rings.last().map_or(c.rang_at, |r| r.since), c.id));
        open
    }

    /// The 110 service's figures for this desk's calls: those ringing now, and of the calls
    /// that rang since `day_start`, how many were answered within the 10-second target, how
    /// often calls moved up a tier, and the share classified as not genuine.
    pub fn call_figures(&self, day_start: Millis) -> CallFigures {
        let queue = self.call_queue();
        let ringing: Vec<&&Call> = queue.iter().filter(|c| c.is_waiting()).collect();
        let oldest = ringing.iter().map(|c| c.rang_at).min();
        let today: Vec<&Call> = calls_since(&self.world, day_start).filter(|c| self.oversees(c.node())).collect();
        let answered: Vec<i64> = today.iter().filter_map(|c| Some(c.answered_at? - c.rang_at)).collect();
        let judged: Vec<Classification> = today.iter().filter_map(|c| c.verdict.as_ref().map(|v| v.class)).collect();
        CallFigures {
            ringing: ringing.len(),
            oldest_ringing: oldest,
            answered: answered.len(),
            answered_in_target: answered.iter().filter(|wait| **wait <= ANSWER_TARGET_MS).count(),
            escalations: today.iter().map(|c| c.rings.windows(2).filter(|w| w[1].tier < w[0].tier).count()).sum(),
            classified: judged.len(),
            not_genuine: judged
                .iter()
                .filter(|c| **c != Classification::Valid && **c != Classification::Invalid)
                .count(),
        }
    }

    /// The answer and on-scene targets missed since `since` by the calls and incidents this
    /// desk sees, at `now`.
    pub fn breaches(&self, since: Millis, now: Millis) -> Vec<Breach> {
        let node = |breach: &Breach| match breach {
            Breach::Answer { node, .. } | Breach::OnScene { node, .. } => node.clone(),
        };
        let all = crate::world::service_levels::breaches(&self.world, since, now);
        all.into_iter().filter(|b| self.oversees(node(b).as_deref())).collect()
    }

    /// Open incidents this desk sees, most urgent first: those handed to its node or a node
    /// below it, and those not handed yet.
    pub fn incident_queue(&self) -> Vec<&Incident> {
        let mut open: Vec<&Incident> =
            self.world.open_incidents().filter(|i| self.oversees(i.node.as_deref())).collect();
        open.sort_by_key(|i| (i.priority, i.id));
        open
    }

    /// Open incidents of a kind that a call may well be about: received in the last hour within
    /// 500 m of `at` (where the call taker placed it, else the caller's location), nearest first.
    pub fn likely_duplicates(&self, call: &Call, kind: IncidentKind, at: Option<(f64, f64)>) -> Vec<(&Incident, f64)> {
        let Some((lon, lat)) = at.or_else(|| call.location.as_ref().map(|l| (l.lon, l.lat))) else { return Vec::new() };
        let recent =
            |i: &Incident| i.reached(Milestone::Received).is_some_and(|t| call.rang_at - t <= DUPLICATE_WITHIN_MS);
        let mut near: Vec<(&Incident, f64)> = self
            .world
            .open_incidents()
            .filter(|i| i.kind == kind && recent(i) && !i.calls.contains(&call.id))
            .filter_map(|i| Some((i, haversine_m(lon, lat, i.lon?, i.lat?))))
            .filter(|(_, metres)| *metres <= DUPLICATE_WITHIN_M)
            .collect();
        near.sort_by(|a, b| a.1.total_cmp(&b.1));
        near
    }

    /// Open alarms that may well be the same emergency as an incident: raised within the hour
    /// before it was received or since, within 500 m of its place, not linked yet; nearest first.
    pub fn alarms_near(&self, incident: &Incident) -> Vec<(&Alarm, f64)> {
        let (Some(lon), Some(lat), Some(received)) =
            (incident.lon, incident.lat, incident.reached(Milestone::Received))
        else {
            return Vec::new();
        };
        let mut near: Vec<(&Alarm, f64)> = self
            .world
            .alarms()
            .iter()
            .filter(|a| {
                a.state.is_open() && a.time >= received - DUPLICATE_WITHIN_MS && !incident.alarms.contains(&a.id)
            })
            .filter(|a| self.in_view(a))
            .filter_map(|a| Some((a, haversine_m(lon, lat, a.lon?, a.lat?))))
            .filter(|(_, metres)| *metres <= DUPLICATE_WITHIN_M)
            .collect();
        near.sort_by(|a, b| a.1.total_cmp(&b.1));
        near
    }

    /// A node's name as the tree gives it (its id without a tree).
    pub fn node_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.org.as_ref().and_then(|org| org.node(id)).map_or(id, |n| n.name.as_str())
    }

    /// The desk's node's name, when it sits below the root.
    pub fn jurisdiction(&self) -> Option<&str> {
        let (org, node) = (self.org.as_ref()?, self.node.as_deref()?);
        (node != org.root().id).then(|| org.node(node).map_or(node, |n| n.name.as_str()))
    }

    /// Whether an alarm was raised by one of the units (an officer in distress) rather than a
    /// fixed panic button.
    pub fn is_officer_alarm(&self, alarm: &Alarm) -> bool {
        self.world.unit(&alarm.source).is_some()
    }

    /// The units whose own alarm is open: in distress until it is closed, and offered for no
    /// dispatch meanwhile (their own included).
    pub fn units_in_distress(&self) -> Vec<String> {
        let open = self.world.alarms().iter().filter(|a| a.state.is_open() && self.is_officer_alarm(a));
        open.map(|a| a.source.clone()).collect()
    }

    /// Who raised an alarm as the operator knows them: a unit by callsign (and id), a panic
    /// button by its device id.
    pub fn alarm_source_name(&self, alarm: &Alarm) -> String {
        match self.world.unit(&alarm.source) {
            Some(unit) if unit.callsign != unit.id => format!("{} ({})", unit.callsign, unit.id),
            _ => alarm.source.clone(),
        }
    }

    /// The street an alarm is on, in words: its name, with how far off it is when that is more
    /// than a few tens of metres (`None` without a position or a named street within reach).
    pub fn alarm_street(&self, alarm: &Alarm) -> Option<&str> {
        // An alarm's slot is its id less one (as the world numbers them).
        let slot = usize::try_from(alarm.id).ok()?.checked_sub(1)?;
        self.alarm_streets.get(slot)?.as_deref()
    }

    /// The street nearest a point, in words ("Jl. Sudirman, 20 m"), for naming a place picked
    /// on the map.
    pub fn street_at(&self, lon: f64, lat: f64) -> Option<String> {
        self.streets.nearest(lon, lat).map(street_in_words)
    }

    /// Works out the streets of the alarms in these slots (new, placed or moved).
    fn note_streets(&mut self, slots: &[u32]) {
        let alarms = self.world.alarms();
        self.alarm_streets.resize(alarms.len(), None);
        for &slot in slots {
            let Some(alarm) = alarms.get(slot as usize) else { continue };
            let street = alarm.lon.zip(alarm.lat).and_then(|(lon, lat)| self.streets.nearest(lon, lat));
            self.alarm_streets[slot as usize] = street.map(street_in_words);
        }
    }

    /// The available units nearest an alarm, by road ETA when the map has roads; no unit in
    /// distress is among them.
    pub fn candidates(&self, alarm: &Alarm) -> Vec<Candidate> {
        let (Some(lon), Some(lat)) = (alarm.lon, alarm.lat) else { return Vec::new() };
        self.candidates_at(lon, lat)
    }

    /// The nearest available units to a place (by road ETA when the map has roads), officers
    /// in distress left out.
    pub fn candidates_at(&self, lon: f64, lat: f64) -> Vec<Candidate> {
        let units = self.world.units();
        let filter = UnitFilter { excluded: self.units_in_distress(), ..UnitFilter::available() };
        let now = now_millis();
        match &self.router {
            Some(router) => router.rank(&self.live.units, units, (lon, lat), CANDIDATES, 10, &filter, now),
            None => self
                .live
                .units
                .nearest(units, lon, lat, CANDIDATES, &filter, now)
                .into_iter()
                .map(|n| Candidate {
                    slot: n.slot,
                    straight_m: n.distance_m,
                    road_m: None,
                    eta_s: None,
                    route: Vec::new(),
                })
                .collect(),
        }
    }

    /// The unit dispatched to an alarm, with its distance and drive time there now (road
    /// route when the map has roads).
    pub fn assigned(&self, alarm: &Alarm) -> Option<Candidate> {
        let unit = alarm.dispatched_unit.as_ref()?;
        let slot = self.world.units().iter().position(|u| &u.id == unit)?;
        let fix = self.world.units()[slot].last_fix?;
        let target = (alarm.lon?, alarm.lat?);
        let straight_m = crate::crs::geodesy::haversine_m(fix.lon, fix.lat, target.0, target.1);
        let route = self.router.as_ref().and_then(|r| r.route((fix.lon, fix.lat), target));
        Some(Candidate {
            slot: slot as u32,
            straight_m,
            road_m: route.as_ref().map(|r| r.1),
            eta_s: route.as_ref().map(|r| r.0),
            route: route.map(|r| r.2).unwrap_or_default(),
        })
    }

    /// Closed alarms, the most recently closed first.
    pub fn history(&self) -> Vec<&Alarm> {
        let mut closed: Vec<&Alarm> =
            self.world.alarms().iter().filter(|a| !a.state.is_open() && self.in_view(a)).collect();
        closed.sort_by_key(|a| std::cmp::Reverse((a.closure.as_ref().map_or(a.last_time, |c| c.time), a.id)));
        closed
    }

    /// The cameras that see a point.
    pub fn cameras_covering(&self, lon: f64, lat: f64) -> Vec<&Camera> {
        self.live.cameras.covering(lon, lat).into_iter().map(|i| &self.live.cameras.cameras()[i as usize]).collect()
    }

    /// An alarm's zones, coarsest first.
    pub fn alarm_zones(&self, alarm: &Alarm) -> Vec<&Zone> {
        // An alarm's slot is its id less one; an id of 0 (from a hub's bad world) has none.
        let Some(slot) = u32::try_from(alarm.id).ok().and_then(|id| id.checked_sub(1)) else { return Vec::new() };
        self.live.alarm_zones(slot).iter().map(|z| &self.live.zones.zones()[*z as usize]).collect()
    }

    /// The organisation nodes an alarm belongs to, top down (Mabes to Polsek), from the zones
    /// it lies in; empty without a tree or outside every node's zones.
    pub fn alarm_nodes(&self, alarm: &Alarm) -> Vec<&Node> {
        let Some(org) = &self.org else { return Vec::new() };
        org.nodes_at(self.alarm_zones(alarm).iter().map(|z| z.code.as_str()))
    }

    /// Sends a command up to the hub; it takes effect when the world applies it (the stream
    /// shows the result; a refusal comes back as [`Desk::refusal`]). Nothing is sent while the
    /// desk is not live on its hub: the view may be stale, and the operator is told.
    pub fn command(&mut self, command: Command) {
        if self.showing_past() {
            self.refusal = Some("not sent: the map shows the past; go back to live to act".into());
            return;
        }
        match self.link.state() {
            LinkState::Live => {
                self.refusal = None;
                self.link.send(command);
            }
            _ => self.refusal = Some("not sent: this desk is not connected to its hub".into()),
        }
    }

    pub fn acknowledge(&mut self, alarm: AlarmId) {
        self.command(Command::Acknowledge { alarm });
    }

    pub fn dispatch(&mut self, alarm: AlarmId, unit: &str) {
        self.command(Command::Dispatch { alarm, unit: unit.to_string() });
    }

    /// Units by status, for status strips and filters.
    pub fn status_counts(&self) -> Vec<(UnitStatus, usize)> {
        UnitStatus::ALL
            .into_iter()
            .map(|s| (s, self.world.units().iter().filter(|u| u.status == s && u.last_fix.is_some()).count()))
            .collect()
    }
}

/// Drops a world no longer shown on a thread of its own: a month's record takes a tenth of a
/// second or more to free, which the window's thread would show as a stalled frame.
fn drop_elsewhere(shown: (World, Tracks)) {
    let freeing = move || drop(shown);
    if let Err(e) = std::thread::Builder::new().name("drop world".into()).spawn(freeing) {
        tracing::warn!("freeing the world shown here instead: {e}");
    }
}

/// A street and how far off it an alarm is, as the panels say it: the name alone when the alarm
/// is on it, else with the distance.
fn street_in_words((name, metres): (&str, f64)) -> String {
    if metres < STREET_ON_M {
        name.to_string()
    } else {
        format!("{name}, {metres:.0} m off")
    }
}

/// A desk's 110 figures (see [`Desk::call_figures`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallFigures {
    pub ringing: usize,
    /// When the longest-waiting ringing call began.
    pub oldest_ringing: Option<Millis>,
    pub answered: usize,
    /// Answered within [`ANSWER_TARGET_MS`] of ringing.
    pub answered_in_target: usize,
    /// Moves of a call up a tier.
    pub escalations: usize,
    pub classified: usize,
    /// Classified prank, silent or hang-up.
    pub not_genuine: usize,
}
