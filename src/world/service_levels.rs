//! The 110 service's levels read from the world: calls answered later than the answer target
//! (or not yet, and already past it), incidents whose first unit reached the scene later than
//! the on-scene target (or not yet, and already past it), and the numbers that call most.

use std::collections::BTreeMap;

use serde::Serialize;

use super::World;
use crate::model::calls::ANSWER_TARGET_MS;
use crate::model::incidents::Milestone;
use crate::model::{Call, CallId, Classification, IncidentId, Millis};

/// The on-scene target (Kapolri, January 2026): ten minutes from the call.
pub const ON_SCENE_TARGET_MS: Millis = 10 * 60_000;

/// A target missed, or being missed now.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Breach {
    /// A call answered after the target, or not answered (still ringing, or the caller hung up)
    /// past it (`answered_after_ms` none).
    Answer {
        call: CallId,
        number: String,
        node: Option<String>,
        rang_at: Millis,
        answered_after_ms: Option<Millis>,
        waited_ms: Millis,
    },
    /// An incident reached on scene after the target, or not yet and past it.
    OnScene {
        incident: IncidentId,
        node: Option<String>,
        received_at: Millis,
        on_scene_after_ms: Option<Millis>,
        waited_ms: Millis,
    },
}

/// Calls and incidents are numbered as they come, and a bridge's time is believed only within
/// an hour of when its report came: so the ones since a time are all in the newest ones back to
/// an hour before it.
const CLOCK_SLACK_MS: Millis = 3_600_000;

/// The calls that rang at or after `since`, oldest first, found from the newest back.
pub fn calls_since(world: &World, since: Millis) -> impl Iterator<Item = &Call> + '_ {
    let calls = world.calls();
    let first =
        calls.len() - calls.iter().rev().take_while(|c| c.rang_at >= since.saturating_sub(CLOCK_SLACK_MS)).count();
    calls[first..].iter().filter(move |c| c.rang_at >= since)
}

/// Every breach among the calls and incidents that began at or after `since`, at `now`, oldest
/// first. Only the calls and incidents of that period are read, however long the record.
pub fn breaches(world: &World, since: Millis, now: Millis) -> Vec<Breach> {
    let mut found = Vec::new();
    for call in calls_since(world, since) {
        let answered = call.answered_at.map(|t| t.saturating_sub(call.rang_at));
        // Unanswered: still ringing, or the caller gave up.
        let unanswered = match call.ended_at {
            _ if call.is_waiting() => now.saturating_sub(call.rang_at),
            Some(ended) => ended.saturating_sub(call.rang_at),
            None => 0,
        };
        let waited = answered.unwrap_or(unanswered);
        if waited > ANSWER_TARGET_MS {
            let node = call.node().map(str::to_string);
            found.push(Breach::Answer {
                call: call.id,
                number: call.number.clone(),
                node,
                rang_at: call.rang_at,
                answered_after_ms: answered,
                waited_ms: waited,
            });
        }
    }
    let incidents = world.incidents();
    let received = |i: &crate::model::Incident| i.reached(Milestone::Received).unwrap_or(Millis::MAX);
    let first = incidents.len()
        - incidents.iter().rev().take_while(|i| received(i) >= since.saturating_sub(CLOCK_SLACK_MS)).count();
    for incident in &incidents[first..] {
        let Some(received) = incident.reached(Milestone::Received).filter(|t| *t >= since) else { continue };
        let on_scene = incident.reached(Milestone::OnScene).map(|t| t.saturating_sub(received));
        let waited =
            on_scene.unwrap_or_else(|| if incident.state.is_open() { now.saturating_sub(received) } else { 0 });
        if waited > ON_SCENE_TARGET_MS {
            let node = incident.node.clone();
            found.push(Breach::OnScene {
                incident: incident.id,
                node,
                received_at: received,
                on_scene_after_ms: on_scene,
                waited_ms: waited,
            });
        }
    }
    found
}

/// A number's calls since a time: how many, how many judged not genuine (prank, silent,
/// hang-up) or invalid, and the nodes they rang at first.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Caller {
    pub number: String,
    pub calls: usize,
    pub not_genuine: usize,
    pub invalid: usize,
    pub nodes: Vec<String>,
}

/// The `top` numbers by calls since `since` (withheld numbers left out), most first.
pub fn repeat_callers(world: &World, since: Millis, top: usize) -> Vec<Caller> {
    rank(world.calls().iter().filter(|c| c.rang_at >= since), top)
}

/// For each node a call first rang at (by node id; calls never routed under "(not routed)"),
/// the `top` numbers by the calls since `since` that first rang there, most first; nodes with
/// no repeat caller left out.
pub fn repeat_callers_by_node(world: &World, since: Millis, top: usize) -> Vec<(String, Vec<Caller>)> {
    let mut by_node: BTreeMap<&str, Vec<&Call>> = BTreeMap::new();
    for call in world.calls().iter().filter(|c| c.rang_at >= since) {
        let node = call.rings.first().map_or("(not routed)", |r| r.node.as_str());
        by_node.entry(node).or_default().push(call);
    }
    by_node
        .into_iter()
        .map(|(node, calls)| (node.to_string(), rank(calls.into_iter(), top)))
        .filter(|(_, callers)| !callers.is_empty())
        .collect()
}

/// The `top` numbers among `calls` by how many (withheld numbers left out), most first.
fn rank<'a>(calls: impl Iterator<Item = &'a Call>, top: usize) -> Vec<Caller> {
    let mut by_number: BTreeMap<&str, Caller> = BTreeMap::new();
    for call in calls.filter(|c| c.number != "anonymous") {
        let caller = by_number
            .entry(call.number.as_str())
            .or_insert_with(|| Caller { number: call.number.clone(), ..Caller::default() });
        caller.calls += 1;
        match call.verdict.as_ref().map(|v| v.class) {
            Some(Classification::Prank | Classification::Silent | Classification::Hangup) => caller.not_genuine += 1,
            Some(Classification::Invalid) => caller.invalid += 1,
            _ => {}
        }
        if let Some(first) = call.rings.first() {
            if !caller.nodes.contains(&first.node) {
                caller.nodes.push(first.node.clone());
            }
        }
    }
    let mut callers: Vec<Caller> = by_number.into_values().filter(|c| c.calls > 1).collect();
    callers.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.number.cmp(&b.number)));
    callers.truncate(top);
    callers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CallPhase, Channel, Command, Event, Role};

    fn ring(key: &str, number: &str, time: Millis) -> Event {
        Event::Call {
            call: key.into(),
            phase: CallPhase::Ringing,
            number: number.into(),
            channel: Channel::Voice,
            trunk: None,
            time,
            text: None,
        }
    }

    fn answer(call: CallId, time: Millis) -> Event {
        Event::Command { user: "sari".into(), role: Role::Operator, time, command: Command::Answer { call } }
    }

    #[test]
    fn calls_answered_late_or_still_ringing_past_the_target_are_breaches() {
        let mut world = World::new();
        world.apply(&[
            ring("a", "+1", 0),
            ring("b", "+2", 0),
            ring("c", "+3", 50_000),
            answer(1, 4_000),
            answer(2, 15_000),
        ]);
        let found = breaches(&world, 0, 61_000);
        let calls: Vec<(CallId, Option<Millis>, Millis)> = found
            .iter()
            .filter_map(|b| match b {
                Breach::Answer { call, answered_after_ms, waited_ms, .. } => {
                    Some((*call, *answered_after_ms, *waited_ms))
                }
                Breach::OnScene { .. } => None,
            })
            .collect();
        assert_eq!(calls, [(2, Some(15_000), 15_000), (3, None, 11_000)]);
        assert!(breaches(&world, 1, 61_000).iter().all(|b| matches!(b, Breach::Answer { call: 3, .. })), "since");
    }

    #[test]
    fn a_call_given_up_on_is_an_answer_target_missed() {
        let mut world = World::new();
        world.apply(&[ring("a", "+1", 0), route(1, "mabes")]);
        let give_up = Command::GiveUpCall { call: 1, rung: 1, why: "nobody answered".into() };
        world.apply(&[Event::Command {
            user: "switchboard".into(),
            role: Role::Commander,
            time: 1_800_010,
            command: give_up,
        }]);
        assert_eq!(world.call(1).map(|c| c.state), Some(crate::model::CallState::Lost));
        let found = breaches(&world, 0, 3_600_000);
        assert!(
            matches!(found[..], [Breach::Answer { call: 1, answered_after_ms: None, waited_ms: 1_800_010, .. }]),
            "{found:?}"
        );
    }

    #[test]
    fn the_numbers_that_call_most_come_first() {
        let mut world = World::new();
        world.apply(&[
            ring("a", "+1", 0),
            ring("b", "+1", 1),
            ring("c", "+1", 2),
            ring("d", "+2", 3),
            ring("e", "+2", 4),
            ring("f", "+3", 5),
        ]);
        world.apply(&[ring("g", "anonymous", 6), ring("h", "anonymous", 7)]);
        let top: Vec<(String, usize)> =
            repeat_callers(&world, 0, 10).into_iter().map(|c| (c.number, c.calls)).collect();
        assert_eq!(top, [("+1".to_string(), 3), ("+2".to_string(), 2)]);
        assert_eq!(repeat_callers(&world, 0, 1).len(), 1);
    }

    fn route(call: CallId, node: &str) -> Event {
        let command =
            Command::Route { call, rung: 0, node: node.into(), tier: crate::model::Tier::Polsek, why: String::new() };
        Event::Command { user: "switchboard".into(), role: Role::Commander, time: 10, command }
    }

    #[test]
    fn each_node_has_its_own_top_numbers_by_where_their_calls_first_rang() {
        let mut world = World::new();
        world.apply(&[
            ring("a", "+1", 0),
            ring("b", "+1", 1),
            ring("c", "+1", 2),
            ring("d", "+2", 3),
            ring("e", "+2", 4),
        ]);
        world.apply(&[
            route(1, "polsek-a"),
            route(2, "polsek-a"),
            route(3, "polsek-b"),
            route(4, "polsek-b"),
            route(5, "polsek-b"),
        ]);
        let by_node: Vec<(String, Vec<(String, usize)>)> = repeat_callers_by_node(&world, 0, 10)
            .into_iter()
            .map(|(node, callers)| (node, callers.into_iter().map(|c| (c.number, c.calls)).collect()))
            .collect();
        assert_eq!(
            by_node,
            [
                ("polsek-a".to_string(), vec![("+1".to_string(), 2)]),
                ("polsek-b".to_string(), vec![("+2".to_string(), 2)])
            ],
            "+1's third call rang at polsek-b alone, so it repeats only at polsek-a"
        );
    }
}
