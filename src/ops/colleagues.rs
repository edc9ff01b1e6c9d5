//! Simulated colleagues for the demo centre: call takers logged in to its hub as any seat is
//! (through the protocol, as people of the users file), one at the Polres and one at the
//! Polda. Each takes the calls ringing at its node after a few seconds, talks, and judges them
//! with the published mix (nine in ten not genuine); a valid call becomes an incident. The
//! Polres sends the nearest available unit to each incident handed to it and works it to the
//! end over the next minutes. The newcomer's own seat stays theirs: colleagues never take a
//! call someone else has answered.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::hub::client::{Login, Seat};
use crate::hub::protocol::{FromHub, Want};
use crate::model::incidents::Milestone;
use crate::model::{
    now_millis, Call, Classification, Command, Disposition, Incident, IncidentKind, IncidentState, Millis, UnitStatus,
};
use crate::world::World;

/// A colleague: who they log in as, and the node they sit at.
#[derive(Clone, Debug)]
pub struct Colleague {
    pub user: String,
    pub password: String,
    pub node: String,
    /// Whether they work the incidents handed to their node (the Polres).
    pub works_incidents: bool,
}

/// How long a colleague lets a call ring before taking it, and talks, milliseconds.
const PICK_UP_MS: std::ops::Range<Millis> = 3_000..8_000;
const TALK_MS: std::ops::Range<Millis> = 4_000..12_000;
/// How a worked incident moves on: en route after, on scene after, cleared after, closed after.
const EN_ROUTE_MS: Millis = 8_000;
const ON_SCENE_MS: Millis = 60_000;
const CLEARED_MS: Millis = 90_000;
const CLOSED_MS: Millis = 15_000;

/// The published mix of what call takers find (CALLS.md): most calls are not genuine.
fn verdict(rng: &mut ChaCha8Rng) -> Classification {
    match rng.random_range(0..100) {
        0..10 => Classification::Valid,
        10..20 => Classification::Invalid,
        20..65 => Classification::Prank,
        65..85 => Classification::Silent,
        _ => Classification::Hangup,
    }
}

const KINDS: [IncidentKind; 6] = [
    IncidentKind::TrafficAccident,
    IncidentKind::Theft,
    IncidentKind::Disturbance,
    IncidentKind::Robbery,
    IncidentKind::Medical,
    IncidentKind::TrafficJam,
];

/// Runs the colleagues on a thread of their own until the returned flag is raised.
pub fn start(url: String, colleagues: Vec<Colleague>, seed: u64) -> std::io::Result<(Arc<AtomicBool>, JoinHandle<()>)> {
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let thread = std::thread::Builder::new().name("demo colleagues".into()).spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        runtime.block_on(async move {
            let tasks: Vec<_> = colleagues
                .into_iter()
                .enumerate()
                .map(|(i, colleague)| tokio::spawn(work(url.clone(), colleague, seed + i as u64, stopping.clone())))
                .collect();
            for task in tasks {
                let _ = task.await;
            }
        });
    })?;
    Ok((stop, thread))
}

/// One colleague's shift: logs in (again after a loss), keeps the world, acts twice a second.
async fn work(url: String, colleague: Colleague, seed: u64, stop: Arc<AtomicBool>) {
    let mut desk = Desk::new(seed);
    while !stop.load(Ordering::Relaxed) {
        let login = Login {
            user: colleague.user.clone(),
            password: colleague.password.clone(),
            seat: format!("{}-desk", colleague.user),
            want: Want::World,
        };
        let Ok(mut seat) = Seat::connect(&url, login).await else {
            tokio::time::sleep(Duration::from_secs(2)).await;
            continue;
        };
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        while !stop.load(Ordering::Relaxed) {
            tokio::select! {
                message = seat.next() => match message {
                    Ok(Some(message)) => desk.take(message),
                    _ => break,
                },
                _ = tick.tick() => {
                    for command in desk.act(&colleague, now_millis()) {
                        if seat.send(command).await.is_err() {
                            break;
                        }
                    }
                }
            }
        }
        seat.logout().await;
    }
}

/// A step sent is not sent again for this long (its answer is on its way).
const RESEND_AFTER_MS: Millis = 3_000;

/// What a colleague knows and has decided.
struct Desk {
    world: World,
    rng: ChaCha8Rng,
    /// When each call (by id) is to be picked up or judged.
    due: HashMap<u64, Millis>,
    /// When a step was last sent for each incident.
    worked: HashMap<u64, Millis>,
}

impl Desk {
    fn new(seed: u64) -> Self {
        Self { world: World::new(), rng: ChaCha8Rng::seed_from_u64(seed), due: HashMap::new(), worked: HashMap::new() }
    }

    fn take(&mut self, message: FromHub) {
        match message {
            FromHub::World { world, .. } => self.world = World::from_saved(*world),
            FromHub::Batch { events, .. } => {
                self.world.apply(&events);
            }
            _ => {}
        }
    }

    /// The commands due now.
    fn act(&mut self, me: &Colleague, now: Millis) -> Vec<Command> {
        let world = &self.world;
        self.due.retain(|id, _| world.call(*id).is_some_and(Call::is_open));
        self.worked.retain(|id, _| world.incident(*id).is_some_and(|i| i.state.is_open()));
        let mut commands = Vec::new();
        let held = self.world.open_calls().find(|c| c.answered_by.as_deref() == Some(me.user.as_str())).cloned();
        match held {
            Some(call) => commands.extend(self.judge(&call, now)),
            None => commands.extend(self.pick_up(me, now)),
        }
        if me.works_incidents {
            let mine: Vec<Incident> =
                self.world.open_incidents().filter(|i| i.node.as_deref() == Some(me.node.as_str())).cloned().collect();
            for incident in &mine {
                if self.worked.get(&incident.id).is_some_and(|at| now - at < RESEND_AFTER_MS) {
                    continue;
                }
                if let Some(step) = self.work_incident(incident, now) {
                    self.worked.insert(incident.id, now);
                    commands.push(step);
                }
            }
        }
        commands
    }

    /// Takes the longest-ringing call at the node once it has rung a few seconds.
    fn pick_up(&mut self, me: &Colleague, now: Millis) -> Option<Command> {
        let ringing = self.world.open_calls().filter(|c| c.is_waiting() && c.node() == Some(me.node.as_str()));
        let call = ringing.min_by_key(|c| c.rang_at)?.clone();
        let due = *self.due.entry(call.id).or_insert_with(|| now + self.rng.random_range(PICK_UP_MS));
        (now >= due).then(|| {
            self.due.insert(call.id, now + self.rng.random_range(TALK_MS));
            Command::Answer { call: call.id }
        })
    }

    /// After the talk, the verdict; a valid call opens an incident.
    fn judge(&mut self, call: &Call, now: Millis) -> Option<Command> {
        let due = *self.due.entry(call.id).or_insert(now);
        if now < due {
            return None;
        }
        self.due.insert(call.id, now + RESEND_AFTER_MS);
        Some(match verdict(&mut self.rng) {
            Classification::Valid => Command::OpenIncident {
                call: call.id,
                kind: KINDS[self.rng.random_range(0..KINDS.len())],
                priority: None,
                at: None,
                address: String::new(),
                note: "taken by the demo's call taker".into(),
            },
            class => Command::Classify { call: call.id, class },
        })
    }

    /// The next step of an incident handed to the node: a unit, then en route, on scene,
    /// cleared, closed, each after its time.
    fn work_incident(&self, incident: &Incident, now: Millis) -> Option<Command> {
        let since = incident.steps.last().map_or(now, |s| s.time);
        let id = incident.id;
        match incident.state {
            IncidentState::Open => {
                let (lon, lat) = incident.lon.zip(incident.lat)?;
                let unit = self.nearest_available(lon, lat)?;
                Some(Command::DispatchIncident { incident: id, unit })
            }
            IncidentState::Dispatched if now - since >= EN_ROUTE_MS => {
                Some(Command::IncidentProgress { incident: id, to: IncidentState::EnRoute })
            }
            IncidentState::EnRoute if now - since >= ON_SCENE_MS => {
                Some(Command::IncidentProgress { incident: id, to: IncidentState::OnScene })
            }
            IncidentState::OnScene if now - since >= CLEARED_MS => {
                Some(Command::IncidentProgress { incident: id, to: IncidentState::Cleared })
            }
            IncidentState::Cleared if incident.reached(Milestone::Cleared).is_some_and(|t| now - t >= CLOSED_MS) => {
                let note = String::from("dealt with on scene");
                Some(Command::CloseIncident { incident: id, disposition: Disposition::Handled, note })
            }
            _ => None,
        }
    }

    /// The available unit nearest a place, by straight distance.
    fn nearest_available(&self, lon: f64, lat: f64) -> Option<String> {
        let available = self.world.units().iter().filter(|u| u.status == UnitStatus::Available);
        let located =
            available.filter_map(|u| u.last_fix.map(|f| (u, crate::crs::geodesy::haversine_m(lon, lat, f.lon, f.lat))));
        located.min_by(|a, b| a.1.total_cmp(&b.1)).map(|(u, _)| u.id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CallPhase, Channel, Event, FeedKind, Fix, Role, Tier};

    fn me() -> Colleague {
        Colleague { user: "rina".into(), password: String::new(), node: "polres-a".into(), works_incidents: true }
    }

    fn command(user: &str, role: Role, time: Millis, command: Command) -> Event {
        Event::Command { user: user.into(), role, time, command }
    }

    /// A call ringing at rina's Polres since `t`, and two available units, one nearer.
    fn desk_with_a_call(t: Millis) -> Desk {
        let mut desk = Desk::new(7);
        let ring = Event::Call {
            call: "k".into(),
            phase: CallPhase::Ringing,
            number: "+6281".into(),
            channel: Channel::Voice,
            trunk: None,
            time: t,
            text: None,
        };
        let route =
            Command::Route { call: 1, rung: 0, node: "polres-a".into(), tier: Tier::Polres, why: "here".into() };
        let unit = |id: &str, lon: f64| Event::Position {
            device: id.into(),
            fix: Fix { time: t, lon, lat: -6.2, speed: None, heading: None, accuracy: None },
            feed: FeedKind::Simulator,
        };
        desk.world.apply(&[
            ring,
            command("switchboard", Role::Commander, t, route),
            unit("far", 106.9),
            unit("near", 106.801),
        ]);
        desk
    }

    #[test]
    fn a_colleague_lets_a_call_ring_a_few_seconds_then_answers_and_judges_it() {
        let mut desk = desk_with_a_call(0);
        assert!(desk.act(&me(), 0).is_empty(), "not at once");
        let answered = desk.act(&me(), PICK_UP_MS.end);
        assert_eq!(answered, [Command::Answer { call: 1 }]);
        desk.world.apply(&[command("rina", Role::Operator, PICK_UP_MS.end, Command::Answer { call: 1 })]);
        assert!(desk.act(&me(), PICK_UP_MS.end + 1).is_empty(), "talking first");
        let judged = desk.act(&me(), PICK_UP_MS.end + TALK_MS.end);
        assert!(
            matches!(judged.as_slice(), [Command::Classify { call: 1, .. } | Command::OpenIncident { call: 1, .. }]),
            "{judged:?}"
        );
        assert!(desk.act(&me(), PICK_UP_MS.end + TALK_MS.end + 1).is_empty(), "the verdict is not sent twice");
    }

    #[test]
    fn a_colleague_never_takes_a_call_someone_else_answered() {
        let mut desk = desk_with_a_call(0);
        desk.world.apply(&[command("newcomer", Role::Operator, 1, Command::Answer { call: 1 })]);
        assert!(desk.act(&me(), 60_000).is_empty());
    }

    #[test]
    fn the_polres_colleague_sends_the_nearest_unit_and_works_the_incident_to_the_end() {
        let mut desk = desk_with_a_call(0);
        let open = Command::OpenIncident {
            call: 1,
            kind: IncidentKind::Theft,
            priority: None,
            at: Some((106.8, -6.2)),
            address: String::new(),
            note: String::new(),
        };
        let hand = Command::HandIncident { incident: 1, node: "polres-a".into(), why: "here".into() };
        desk.world.apply(&[
            command("rina", Role::Operator, 1, Command::Answer { call: 1 }),
            command("rina", Role::Operator, 2, open),
            command("switchboard", Role::Commander, 3, hand),
        ]);
        let now = 10;
        assert_eq!(desk.act(&me(), now), [Command::DispatchIncident { incident: 1, unit: "near".into() }]);
        assert!(desk.act(&me(), now + 1).is_empty(), "not sent twice while its answer comes");
        desk.world.apply(&[command(
            "rina",
            Role::Operator,
            now,
            Command::DispatchIncident { incident: 1, unit: "near".into() },
        )]);
        let mut at = now;
        for (wait, to) in [
            (EN_ROUTE_MS, IncidentState::EnRoute),
            (ON_SCENE_MS, IncidentState::OnScene),
            (CLEARED_MS, IncidentState::Cleared),
        ] {
            at += wait;
            let step = Command::IncidentProgress { incident: 1, to };
            assert_eq!(desk.act(&me(), at), std::slice::from_ref(&step));
            desk.world.apply(&[command("rina", Role::Operator, at, step)]);
        }
        at += CLOSED_MS;
        assert!(matches!(desk.act(&me(), at).as_slice(), [Command::CloseIncident { incident: 1, .. }]));
    }
}
