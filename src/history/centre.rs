//! The simulated centre's people, in simulated time: the switchboard as the hub runs it (every
//! node has a call taker, so calls climb only when nobody answers in time), call takers who
//! answer within seconds (now and then too late), talk, and judge with the published mix
//! (repeat callers as pranks, the rising zone's callers as genuine), dispatchers at the
//! Polres who send the nearest available unit to each incident handed to them and work it to
//! the end, and operators who acknowledge, dispatch and resolve panic alarms. Everything they
//! do is a command, as a seat's would be.

use std::collections::{BTreeSet, HashMap, HashSet};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::crs::geodesy::haversine_m;
use crate::hub::protocol::Present;
use crate::hub::switchboard::{steps, Board, SWITCHBOARD};
use crate::model::{
    AlarmId, AlarmState, Call, CallId, Classification, Command, Disposition, Event, Incident, IncidentId, IncidentKind,
    IncidentState, Millis, Role, UnitStatus,
};
use crate::world::World;

/// The kinds valid calls turn out to be, most common first.
const KINDS: [IncidentKind; 8] = [
    IncidentKind::TrafficAccident,
    IncidentKind::Theft,
    IncidentKind::Disturbance,
    IncidentKind::TrafficJam,
    IncidentKind::Robbery,
    IncidentKind::Medical,
    IncidentKind::Brawl,
    IncidentKind::Fire,
];

/// How a unit drives to a scene, on average, metres a second (25 km/h through city traffic).
const SCENE_SPEED_MPS: f64 = 7.0;

/// The centre's people and what each has yet to do.
pub struct Centre<'a> {
    board: Option<Board<'a>>,
    present: Vec<Present>,
    rng: ChaCha8Rng,
    /// Where valid calls without a location turn out to be.
    places: &'a [(f64, f64)],
    /// Calls (by the bridge's key) whose callers are genuine.
    genuine: HashSet<String>,
    /// When each ring of a call is picked up, and when each answered call is judged.
    pick_up: HashMap<(CallId, usize), Millis>,
    judge_at: HashMap<CallId, Millis>,
    /// When each incident's and alarm's next step is due (and for which state).
    incident_step: HashMap<IncidentId, (IncidentState, Millis)>,
    alarm_step: HashMap<AlarmId, (AlarmState, Millis)>,
    open_alarms: BTreeSet<AlarmId>,
    seen_alarms: usize,
}

impl<'a> Centre<'a> {
    /// A centre routing with `board` (none: calls are not routed) and a call taker logged in
    /// at each of `nodes` from `start`.
    pub fn new(board: Option<Board<'a>>, nodes: &[String], places: &'a [(f64, f64)], seed: u64, start: Millis) -> Self {
        let present = nodes
            .iter()
            .map(|node| Present {
                user: taker(node),
                role: Role::Operator,
                seat: format!("{node}-110"),
                since: start,
                node: Some(node.clone()),
            })
            .collect();
        Self {
            board,
            present,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x110),
            places,
            genuine: HashSet::new(),
            pick_up: HashMap::new(),
            judge_at: HashMap::new(),
            incident_step: HashMap::new(),
            alarm_step: HashMap::new(),
            open_alarms: BTreeSet::new(),
            seen_alarms: 0,
        }
    }

    /// Marks a call (by the bridge's key) as genuine: it will be judged valid.
    pub fn genuine(&mut self, key: String) {
        self.genuine.insert(key);
    }

    /// Everything the centre does at `now`, as journaled commands.
    pub fn act(&mut self, world: &World, now: Millis) -> Vec<Event> {
        let mut out = Vec::new();
        self.route(world, now, &mut out);
        self.take_calls(world, now, &mut out);
        self.work_incidents(world, now, &mut out);
        self.work_alarms(world, now, &mut out);
        out
    }

    fn route(&mut self, world: &World, now: Millis, out: &mut Vec<Event>) {
        let Some(board) = &self.board else { return };
        let plan = board.plan(world, &self.present, now);
        for (_, _, step) in steps(plan.moves, plan.give_ups) {
            out.push(command(SWITCHBOARD, Role::Commander, now, step));
        }
        for h in plan.hands {
            let hand = Command::HandIncidentIn { incident: h.incident, node: h.node, why: h.why, zones: h.zones };
            out.push(command(SWITCHBOARD, Role::Commander, now, hand));
        }
    }

    /// Picks up each ringing call when its taker gets to it, and judges each answered one
    /// after the talk.
    fn take_calls(&mut self, world: &World, now: Millis, out: &mut Vec<Event>) {
        self.pick_up.retain(|(id, _), _| world.call(*id).is_some_and(Call::is_open));
        self.judge_at.retain(|id, _| world.call(*id).is_some_and(Call::is_open));
        let open: Vec<&Call> = world.open_calls().collect();
        for call in open {
            let node = call.node().unwrap_or("centre").to_string();
            if call.is_waiting() {
                let wait = pick_up_wait(&mut self.rng);
                let due = *self.pick_up.entry((call.id, call.rings.len())).or_insert(now + wait);
                if now >= due {
                    out.push(command(&taker(&node), Role::Operator, now, Command::Answer { call: call.id }));
                }
                continue;
            }
            let Some(by) = call.answered_by.clone() else { continue };
            let talk = self.rng.random_range(5_000..45_000);
            let due = *self.judge_at.entry(call.id).or_insert(now + talk);
            if now >= due {
                let verdict = self.verdict(call);
                out.push(command(&by, Role::Operator, now, verdict));
                self.judge_at.insert(call.id, Millis::MAX);
            }
        }
    }

    /// The published mix: most calls not genuine, a repeat caller almost surely a prank; a
    /// genuine caller's call opens an incident where the caller is.
    fn verdict(&mut self, call: &Call) -> Command {
        let class = if self.genuine.remove(&call.key) {
            Classification::Valid
        } else if !call.flags.is_empty() && self.rng.random_bool(0.95) {
            Classification::Prank
        } else {
            match self.rng.random_range(0..100) {
                0..10 => Classification::Valid,
                10..20 => Classification::Invalid,
                20..62 => Classification::Prank,
                62..82 => Classification::Silent,
                _ => Classification::Hangup,
            }
        };
        if class != Classification::Valid {
            return Command::Classify { call: call.id, class };
        }
        let at = match &call.location {
            Some(l) => (l.lon, l.lat),
            None => self.places[self.rng.random_range(0..self.places.len())],
        };
        let kind = KINDS[(self.rng.random_range(0.0_f64..1.0).powi(2) * KINDS.len() as f64) as usize];
        let note = String::from("as the caller told it");
        Command::OpenIncident { call: call.id, kind, priority: None, at: Some(at), address: String::new(), note }
    }

    /// Each incident handed to a node: a unit, en route, on scene (after the drive), cleared,
    /// closed, each step when due.
    fn work_incidents(&mut self, world: &World, now: Millis, out: &mut Vec<Event>) {
        self.incident_step.retain(|id, _| world.incident(*id).is_some_and(|i| i.state.is_open()));
        let open: Vec<&Incident> = world.open_incidents().filter(|i| i.node.is_some()).collect();
        for incident in open {
            let due = match self.incident_step.get(&incident.id) {
                Some((state, due)) if *state == incident.state => *due,
                _ => {
                    let due = now + self.incident_wait(world, incident);
                    self.incident_step.insert(incident.id, (incident.state, due));
                    due
                }
            };
            if now < due {
                continue;
            }
            let user = format!("dispatcher@{}", incident.node.as_deref().unwrap_or("centre"));
            let id = incident.id;
            let step = match incident.state {
                IncidentState::Open => match nearest_available(world, incident.lon, incident.lat) {
                    Some(unit) => Command::DispatchIncident { incident: id, unit },
                    None => {
                        self.incident_step.insert(id, (incident.state, now + 60_000));
                        continue;
                    }
                },
                IncidentState::Dispatched => Command::IncidentProgress { incident: id, to: IncidentState::EnRoute },
                IncidentState::EnRoute => Command::IncidentProgress { incident: id, to: IncidentState::OnScene },
                IncidentState::OnScene => Command::IncidentProgress { incident: id, to: IncidentState::Cleared },
                _ => {
                    let disposition = [Disposition::Handled, Disposition::ArrestMade, Disposition::NoOffence]
                        [self.rng.random_range(0..3)];
                    Command::CloseIncident { incident: id, disposition, note: String::new() }
                }
            };
            out.push(command(&user, Role::Operator, now, step));
            self.incident_step.insert(id, (incident.state, Millis::MAX));
        }
    }

    /// How long the step after an incident's state takes.
    fn incident_wait(&mut self, world: &World, incident: &Incident) -> Millis {
        match incident.state {
            IncidentState::Open => self.rng.random_range(30_000..150_000),
            IncidentState::Dispatched => self.rng.random_range(10_000..40_000),
            IncidentState::EnRoute => {
                let unit = incident.active.first().and_then(|u| world.unit(u)).and_then(|u| u.last_fix);
                let metres = match (unit, incident.lon.zip(incident.lat)) {
                    (Some(fix), Some((lon, lat))) => haversine_m(fix.lon, fix.lat, lon, lat),
                    _ => 2_000.0,
                };
                let drive = metres / SCENE_SPEED_MPS * self.rng.random_range(0.8..1.8);
                20_000 + (drive * 1000.0) as Millis
            }
            IncidentState::OnScene => self.rng.random_range(5 * 60_000..40 * 60_000),
            _ => self.rng.random_range(60_000..300_000),
        }
    }

    /// Each panic alarm: acknowledged, the nearest available unit sent, resolved.
    fn work_alarms(&mut self, world: &World, now: Millis, out: &mut Vec<Event>) {
        let alarms = world.alarms();
        self.open_alarms.extend(alarms[self.seen_alarms.min(alarms.len())..].iter().map(|a| a.id));
        self.seen_alarms = alarms.len();
        self.open_alarms.retain(|id| world.alarm(*id).is_some_and(|a| a.state.is_open()));
        self.alarm_step.retain(|id, _| world.alarm(*id).is_some_and(|a| a.state.is_open()));
        for id in self.open_alarms.clone() {
            let Some(alarm) = world.alarm(id) else { continue };
            let wait = match alarm.state {
                AlarmState::Raised => self.rng.random_range(5_000..40_000),
                AlarmState::Acknowledged => self.rng.random_range(10_000..60_000),
                _ => self.rng.random_range(5 * 60_000..20 * 60_000),
            };
            let due = match self.alarm_step.get(&id) {
                Some((state, due)) if *state == alarm.state => *due,
                _ => {
                    self.alarm_step.insert(id, (alarm.state, now + wait));
                    now + wait
                }
            };
            if now < due {
                continue;
            }
            let step = match alarm.state {
                AlarmState::Raised => Command::Acknowledge { alarm: id },
                AlarmState::Acknowledged => match nearest_available(world, alarm.lon, alarm.lat) {
                    Some(unit) if unit != alarm.source => Command::Dispatch { alarm: id, unit },
                    _ => Command::Resolve { alarm: id },
                },
                _ => Command::Resolve { alarm: id },
            };
            out.push(command("operator@centre", Role::Operator, now, step));
            self.alarm_step.insert(id, (alarm.state, Millis::MAX));
        }
    }
}

/// How long a ring waits for its taker: mostly a few seconds, one in eight past the target.
fn pick_up_wait(rng: &mut ChaCha8Rng) -> Millis {
    if rng.random_bool(0.125) {
        rng.random_range(10_500..25_000)
    } else {
        rng.random_range(1_500..9_500)
    }
}

/// The call taker at a node.
fn taker(node: &str) -> String {
    format!("taker@{node}")
}

fn command(user: &str, role: Role, time: Millis, command: Command) -> Event {
    Event::Command { user: user.to_string(), role, time, command }
}

/// The available unit nearest a place, by straight distance.
fn nearest_available(world: &World, lon: Option<f64>, lat: Option<f64>) -> Option<String> {
    let (lon, lat) = lon.zip(lat)?;
    let available = world.units().iter().filter(|u| u.status == UnitStatus::Available);
    let located = available.filter_map(|u| Some((u, u.last_fix?)));
    let nearest = located
        .min_by(|a, b| haversine_m(lon, lat, a.1.lon, a.1.lat).total_cmp(&haversine_m(lon, lat, b.1.lon, b.1.lat)));
    nearest.map(|(u, _)| u.id.clone())
}
