//! The switchboard: where each waiting 110 call rings. A new call rings at the deepest node of
//! the organisation tree whose zones hold the caller's location (AML), or, with no location
//! yet, at the intake (the first Polda, as Polri's central intake). It moves up a tier
//! (Polsek -> Polres -> Polda -> Mabes) when it is not answered within
//! [`HubLimits::answer_within`](super::HubLimits) at a node, and at once when no call taker
//! is free there (logged in at that node and not holding an unclassified call), once seats
//! have had [`HubLimits::rejoin_within`](super::HubLimits) to log in after a start. Each move is
//! a `Route` command journaled as the switchboard, so the record says where a call rang, when
//! and why, and the timers are rebuilt from the world after a restart. A call still ringing
//! [`HubLimits::give_up_after`](super::HubLimits) after its first ring (nobody answered at any
//! tier, and the telephony bridge never said it ended) is given up on (`GiveUpCall`): lost, and
//! counted as never answered, rather than ringing for good. An incident opened from a call is
//! handed to the Polres whose zones hold its place (`HandIncident`, journaled alike).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::logins::Person;
use super::protocol::Present;
use super::{Hub, Jurisdictions};
use crate::model::{now_millis, Call, CallId, Command, Incident, IncidentId, Millis, Role};
use crate::org::{Node, Org, Tier};
use crate::world::World;

/// How soon a move the writer did not take is tried again, milliseconds.
const RETRY_MS: u64 = 200;

/// The name the switchboard's commands are journaled under.
pub const SWITCHBOARD: &str = "switchboard";

/// Where a new call rings first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Intake {
    /// At the deepest node whose zones hold the caller's location (the intake without one).
    #[default]
    Nearest,
    /// Always at the intake (the first Polda), which filters and hands valid calls on, as
    /// Polri's central 110 intake works.
    Central,
}

/// A call to send to a node, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    pub call: CallId,
    /// How many places it had rung before (a move is made once per ring).
    pub rung: usize,
    pub node: String,
    pub tier: Tier,
    pub why: String,
}

/// A call to give up on, from its `rung`th ring, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GiveUp {
    pub call: CallId,
    pub rung: usize,
    pub why: String,
}

/// An incident to hand to the node responsible for its place, and why; the zones its place
/// lies in (codes, coarsest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hand {
    pub incident: IncidentId,
    pub node: String,
    pub why: String,
    pub zones: Vec<String>,
}

/// What the switchboard does now, and when it must look again (the earliest deadline).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub moves: Vec<Move>,
    pub give_ups: Vec<GiveUp>,
    pub hands: Vec<Hand>,
    pub next: Option<Millis>,
}

/// Where calls go: the tree and its zones, how long a node has to answer, and from when a
/// node without a free call taker is passed over.
pub struct Board<'a> {
    pub jurisdictions: &'a Jurisdictions,
    pub answer_within: Millis,
    /// A call still ringing this long after it first rang is given up on.
    pub give_up_after: Millis,
    pub seats_back_at: Millis,
    pub intake: Intake,
}

impl Board<'_> {
    /// The moves due at `now` for every waiting call, given who is logged in.
    pub fn plan(&self, world: &World, present: &[Present], now: Millis) -> Plan {
        let mut plan = Plan::default();
        let busy: HashSet<&str> = world.open_calls().filter_map(|c| c.answered_by.as_deref()).collect();
        for call in world.open_calls().filter(|c| c.is_waiting()) {
            // Timed on the hub's clock from its first ring (the bridge's clock may be off).
            let give_up_at = call.rings.first().map_or(Millis::MAX, |r| r.since.saturating_add(self.give_up_after));
            if now >= give_up_at {
                let why = format!(
                    "not answered within {} s of its first ring, and the telephony bridge never said it ended",
                    self.give_up_after / 1000
                );
                plan.give_ups.push(GiveUp { call: call.id, rung: call.rings.len(), why });
                continue;
            }
            let next = match (call.rings.last(), self.located_late(call)) {
                (None, _) => Next::Move(self.first_ring(call)),
                (Some(_), Some(found)) => Next::Move(found),
                (Some(ring), None) => self.next_ring(&busy, present, &ring.node, ring.since, now),
            };
            match next {
                Next::Move((node, why)) => {
                    let (node, tier) = (node.id.clone(), node.tier);
                    plan.moves.push(Move { call: call.id, rung: call.rings.len(), node, tier, why });
                }
                Next::Wait(deadline) => plan.wake_at(deadline.min(give_up_at)),
                Next::Stay if give_up_at < Millis::MAX => plan.wake_at(give_up_at),
                Next::Stay => {}
            }
        }
        for incident in world.open_incidents().filter(|i| i.node.is_none()) {
            let (node, why, zones) = self.responsible(incident);
            plan.hands.push(Hand { incident: incident.id, node: node.id.clone(), why, zones });
        }
        plan
    }

    fn org(&self) -> &Org {
        &self.jurisdictions.org
    }

    /// Where a new call rings first.
    fn first_ring(&self, call: &Call) -> (&Node, String) {
        let intake = self.intake();
        if self.intake == Intake::Central {
            return (intake, format!("the central intake, {}", intake.name));
        }
        if let Some(node) = self.located(call) {
            return (node, format!("the caller's location lies in {}", node.name));
        }
        let why = match &call.location {
            Some(_) => format!("the caller's location is outside every zone: the intake, {}", intake.name),
            None => format!("no caller location yet: the intake, {}", intake.name),
        };
        (intake, why)
    }

    /// The deepest node whose zones hold the caller's location.
    fn located(&self, call: &Call) -> Option<&Node> {
        let location = call.location.as_ref()?;
        let zones = self.jurisdictions.zones.lookup(location.lon, location.lat);
        self.org().nodes_at(zones.iter().map(|z| z.code.as_str())).last().copied()
    }

    /// A call that rang elsewhere for want of a location (at the intake, and up from there),
    /// whose location has come since: it moves to where the caller is, once per node (a call
    /// that has rung where the caller is climbs from there as any other).
    fn located_late(&self, call: &Call) -> Option<(&Node, String)> {
        if self.intake == Intake::Central {
            return None;
        }
        let node = self.located(call)?;
        let moves = !call.rings.is_empty() && !call.rings.iter().any(|r| r.node == node.id);
        moves.then(|| (node, format!("the caller's location came: it lies in {}", node.name)))
    }

    /// The node an incident goes to: the Polres whose zones hold its place (or the deepest
    /// node holding it, above the Polsek), else the intake; and the zones holding its place.
    fn responsible(&self, incident: &Incident) -> (&Node, String, Vec<String>) {
        let place = incident.lon.zip(incident.lat);
        let zones = place.map(|(lon, lat)| self.jurisdictions.zones.lookup(lon, lat)).unwrap_or_default();
        let nodes = self.org().nodes_at(zones.iter().map(|z| z.code.as_str()));
        let mut by_level: Vec<_> = zones.iter().map(|z| (z.level, z.code.clone())).collect();
        by_level.sort();
        let codes = by_level.into_iter().map(|(_, code)| code).collect();
        match nodes.iter().rev().find(|n| n.tier <= Tier::Polres) {
            Some(node) => (node, format!("its place lies in {}", node.name), codes),
            None => {
                let intake = self.intake();
                (intake, format!("its place is not in any zone: the intake, {}", intake.name), codes)
            }
        }
    }

    /// The intake: the first Polda of the tree, or its root.
    fn intake(&self) -> &Node {
        let org = self.org();
        org.nodes().iter().find(|n| n.tier == Tier::Polda).unwrap_or(org.root())
    }

    /// Whether a call ringing at `node` since `since` moves up now, or when it will.
    fn next_ring(&self, busy: &HashSet<&str>, present: &[Present], node: &str, since: Millis, now: Millis) -> Next<'_> {
        let up = self.org().path_up(node);
        let (Some(here), Some(parent)) = (up.first(), up.get(1)) else { return Next::Stay };
        let deadline = since + self.answer_within;
        if now >= deadline {
            let seconds = self.answer_within as f64 / 1000.0;
            return Next::Move((parent, format!("not answered within {seconds} s at {}", here.name)));
        }
        if free_taker_at(busy, present, node) {
            return Next::Wait(deadline);
        }
        if now >= self.seats_back_at {
            return Next::Move((parent, format!("no call taker free at {}", here.name)));
        }
        Next::Wait(deadline.min(self.seats_back_at))
    }
}

impl Plan {
    /// Looks again at `at` too.
    fn wake_at(&mut self, at: Millis) {
        self.next = Some(self.next.map_or(at, |n| n.min(at)));
    }
}

/// What becomes of a ringing call.
enum Next<'a> {
    /// Up to this node, for this reason.
    Move((&'a Node, String)),
    /// Nothing until this deadline.
    Wait(Millis),
    /// It rings at the top of the tree: it stays there until answered (or given up on).
    Stay,
}

/// Someone who may take calls (an operator or a commander) is logged in at the node and not
/// `busy` (holding an answered call they have not classified yet).
fn free_taker_at(busy: &HashSet<&str>, present: &[Present], node: &str) -> bool {
    present.iter().any(|p| {
        p.node.as_deref() == Some(node)
            && matches!(p.role, Role::Operator | Role::Commander)
            && !busy.contains(p.user.as_str())
    })
}

/// Runs the switchboard until `stop`: looks again after every applied batch, every change of
/// who is logged in, and at the earliest deadline; journals each move once.
pub async fn run(hub: Arc<Hub>, mut stop: watch::Receiver<bool>) {
    let Some(in_force) = hub.jurisdictions.as_ref() else { return };
    let millis = |d: Duration| d.as_millis() as Millis;
    let (answer_within, give_up_after, seats_back_at) = (
        millis(hub.limits.answer_within),
        millis(hub.limits.give_up_after),
        now_millis() + millis(hub.limits.rejoin_within),
    );
    let person = Person { name: SWITCHBOARD.into(), role: Role::Commander, org: None };
    let mut presence = hub.seats.changed.subscribe();
    // Moves sent, by call, with how many rings it had then: each is made once.
    let mut sent: HashMap<CallId, usize> = HashMap::new();
    // Incidents handed, until the hub's world shows them handed.
    let mut handed: HashSet<IncidentId> = HashSet::new();
    loop {
        let plan = {
            let present = presence.borrow_and_update().clone();
            let recent = hub.recent();
            // The zones in force now: a commander's edit reroutes the calls still waiting.
            let jurisdictions = in_force.current();
            let intake = hub.limits.intake;
            let board = Board { jurisdictions: &jurisdictions, answer_within, give_up_after, seats_back_at, intake };
            board.plan(recent.world(), &present, now_millis())
        };
        let hands_failed = !hand_over(&hub, &person, &plan.hands, &mut handed).await;
        let steps = steps(plan.moves, plan.give_ups);
        // A step stays in `sent` until the hub's world shows it made (or the call gone).
        sent.retain(|id, rung| steps.iter().any(|(call, at, _)| call == id && at == rung));
        // Every step of one look goes in one batch: a thousand calls due at once are moved
        // together, not one journal write after another.
        let due: Vec<(CallId, usize, Command)> =
            steps.into_iter().filter(|(call, rung, _)| sent.get(call) != Some(rung)).collect();
        let commands = due.iter().map(|(_, _, command)| command.clone()).collect();
        let mut failed = false;
        match hub.journal_all(&person, commands).await {
            Ok(outcomes) => {
                for ((call, rung, _), refused) in due.iter().zip(outcomes) {
                    match refused {
                        None => {
                            sent.insert(*call, *rung);
                        }
                        Some(refused) => tracing::warn!("switchboard: call {call} not moved or given up on: {refused}"),
                    }
                }
            }
            Err(reason) => {
                tracing::warn!("switchboard: {} calls not moved or given up on, trying again: {reason}", due.len());
                failed = true;
            }
        }
        let wait = match plan.next {
            _ if failed || hands_failed => Duration::from_millis(RETRY_MS),
            Some(at) => Duration::from_millis(u64::try_from(at - now_millis()).unwrap_or(0)),
            None => Duration::from_secs(3600),
        };
        tokio::select! {
            _ = hub.applied.notified() => {}
            _ = presence.changed() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// The commands for the moves and give-ups of one look, each with its call and ring.
pub fn steps(moves: Vec<Move>, give_ups: Vec<GiveUp>) -> Vec<(CallId, usize, Command)> {
    let moves = moves.into_iter().map(|m| {
        let route = Command::Route { call: m.call, rung: m.rung, node: m.node, tier: m.tier, why: m.why };
        (m.call, m.rung, route)
    });
    let give_ups =
        give_ups.into_iter().map(|g| (g.call, g.rung, Command::GiveUpCall { call: g.call, rung: g.rung, why: g.why }));
    moves.chain(give_ups).collect()
}

/// Journals each hand-over once (until the world shows it, or the incident is gone); false
/// when one was not taken and must be tried again.
async fn hand_over(hub: &Hub, person: &Person, hands: &[Hand], handed: &mut HashSet<IncidentId>) -> bool {
    handed.retain(|id| hands.iter().any(|h| h.incident == *id));
    let due: Vec<&Hand> = hands.iter().filter(|h| !handed.contains(&h.incident)).collect();
    for hand in due {
        let command = Command::HandIncidentIn {
            incident: hand.incident,
            node: hand.node.clone(),
            why: hand.why.clone(),
            zones: hand.zones.clone(),
        };
        match hub.journal(person, command).await {
            (Some(_), None) => {
                handed.insert(hand.incident);
            }
            (Some(_), Some(refused)) => tracing::warn!("switchboard: incident {} not handed: {refused}", hand.incident),
            (None, reason) => {
                tracing::warn!("switchboard: incident {} not handed, trying again: {reason:?}", hand.incident);
                return false;
            }
        }
    }
    true
}
