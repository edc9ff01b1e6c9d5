//! The world's calls: opened by the telephony bridge's reports, located by the caller's phone,
//! sent from node to node by the hub's switchboard, answered and classified by call takers.
//! Every change is an event or a command, so replay rebuilds the calls exactly.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::calls::{Flag, Ring, Verdict, HISTORY_MS, INVALID_MIN_CALLS, REPEAT_CALLS, REPEAT_WINDOW_MS};
use crate::model::calls::{NumberBlock, EARLY_LOCATION_MS, HISTORY_CALLS, MAX_EARLY_LOCATIONS, SILENT_STREAK};
use crate::model::iso8601;
use crate::model::{
    Call, CallId, CallPhase, CallState, CallerLocation, Channel, Classification, IncidentId, Millis, Role, Tier,
};

use super::call_index::CallIndex;
use super::Outcome;

/// A telephony report, as the event carries it.
pub struct Report<'a> {
    pub key: &'a str,
    pub phase: CallPhase,
    pub number: &'a str,
    pub channel: Channel,
    pub trunk: Option<&'a str>,
    pub time: Millis,
    pub text: Option<&'a str>,
}

/// Early locations kept before those too old for any call are looked for.
const PRUNE_EARLY_PAST: usize = 64;
/// Kept this much longer than a call would take them, for phones' clocks that disagree.
const PRUNE_SLACK_MS: Millis = 5 * 60_000;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallBook {
    calls: Vec<Call>,
    /// The call each bridge id stands for now, by trunk and id (a PBX reuses its ids), and
    /// each number's calls.
    index: CallIndex,
    /// The calls still open (ringing, or answered without a verdict): what the switchboard and
    /// the desks look at, however many calls the record holds.
    open: BTreeSet<CallId>,
    /// The block list, by number (ordered, so it is saved the same way every time).
    blocks: BTreeMap<String, NumberBlock>,
    /// Locations that came from a number with no open call, the newest per number: a call
    /// from it ringing within [`EARLY_LOCATION_MS`] of one takes it.
    early: BTreeMap<String, CallerLocation>,
    changed: Vec<bool>,
    changes: Vec<u32>,
}

impl CallBook {
    /// Calls as a snapshot saved them, nothing marked changed.
    pub fn from_saved(calls: Vec<Call>, blocks: Vec<NumberBlock>, early: Vec<(String, CallerLocation)>) -> Self {
        // Sized to the calls' room, so calls taken in after it grow none of them.
        let index = CallIndex::build(&calls, calls.capacity());
        let open = calls.iter().filter(|c| c.is_open()).map(|c| c.id).collect();
        let blocks = blocks.into_iter().map(|b| (b.number.clone(), b)).collect();
        let early = early.into_iter().collect();
        let mut changed = Vec::with_capacity(calls.capacity());
        changed.resize(calls.len(), false);
        Self { changed, calls, index, open, blocks, early, changes: Vec::new() }
    }

    /// The locations waiting for their calls, by number.
    pub fn early_locations(&self) -> impl Iterator<Item = (&String, &CallerLocation)> + '_ {
        self.early.iter()
    }

    pub fn calls(&self) -> &[Call] {
        &self.calls
    }

    pub fn call(&self, id: CallId) -> Option<&Call> {
        self.calls.get((id as usize).wrapping_sub(1))
    }

    /// A number's calls, newest first.
    pub fn calls_from<'a>(&'a self, number: &str) -> impl Iterator<Item = &'a Call> + 'a {
        self.index.calls_from(&self.calls, number)
    }

    /// The block list, by number.
    pub fn blocks(&self) -> impl Iterator<Item = &NumberBlock> + '_ {
        self.blocks.values()
    }

    /// The open calls, oldest first.
    pub fn open_calls(&self) -> impl Iterator<Item = &Call> + '_ {
        self.open.iter().map(|id| &self.calls[*id as usize - 1])
    }

    /// The slots changed since the last call (each listed once).
    pub fn take_changes(&mut self) -> Vec<u32> {
        let changes = std::mem::take(&mut self.changes);
        changes.iter().for_each(|s| self.changed[*s as usize] = false);
        changes
    }

    /// A report from the telephony bridge. A ringing report for a call of that trunk and id
    /// still going from the same number is a resend and changes nothing; any other ringing
    /// report is a new call (a reused id never hides one). Answered and ended reports move the
    /// call on, if they name its number.
    pub fn report(&mut self, report: Report) -> Outcome {
        let known = self.index.by_key(&self.calls, report.trunk, report.key);
        let over = |c: &Call| matches!(c.state, CallState::Ended | CallState::Lost);
        let resend = |c: &Call| c.number == report.number && !over(c);
        let call = match (report.phase, known) {
            (CallPhase::Ringing, Some(call)) if resend(call) => return Outcome::Applied,
            (CallPhase::Ringing, _) => return self.open(report),
            (_, None) => return Outcome::Refused(format!("no call {} has rung", report.key)),
            (_, Some(call)) if call.number != report.number => {
                return Outcome::Refused(format!("call {} is from {}, not {}", call.id, call.number, report.number))
            }
            (_, Some(call)) => call.id,
        };
        let call = &mut self.calls[call as usize - 1];
        let (id, time) = (call.id, report.time.max(call.rang_at));
        match report.phase {
            CallPhase::Ringing => return Outcome::Applied,
            // Picked up at a telephone, even one the switchboard had given up on.
            CallPhase::Answered if matches!(call.state, CallState::Ringing | CallState::Lost) => {
                call.state = CallState::Answered;
                (call.answered_at, call.ended_at) = (Some(time), None);
            }
            // A seat answered it first, or it ended: the bridge's word changes nothing.
            CallPhase::Answered => return Outcome::Applied,
            CallPhase::Ended if over(call) => return Outcome::Applied,
            CallPhase::Ended => {
                call.state = CallState::Ended;
                call.ended_at = Some(time);
            }
        }
        self.mark(id);
        Outcome::Applied
    }

    fn open(&mut self, report: Report) -> Outcome {
        let id = self.calls.len() as CallId + 1;
        let flags = self.flags(report.number, report.time);
        let location = self.take_early(report.number, report.time);
        self.calls.push(Call {
            id,
            key: report.key.to_string(),
            number: report.number.to_string(),
            channel: report.channel,
            trunk: report.trunk.map(str::to_string),
            state: CallState::Ringing,
            rang_at: report.time,
            answered_at: None,
            answered_by: None,
            ended_at: None,
            rings: Vec::new(),
            verdict: None,
            flags,
            incident: None,
            text: report.text.map(str::to_string),
            location,
        });
        self.index.add(&self.calls[id as usize - 1]);
        self.changed.push(false);
        self.mark(id);
        Outcome::Applied
    }

    /// The rules a number meets as a new call from it rings at `time`, from its earlier calls
    /// (a withheld number has no history).
    fn flags(&self, number: &str, time: Millis) -> Vec<Flag> {
        if number == "anonymous" || self.calls_from(number).next().is_none() {
            return Vec::new();
        }
        // Newest first, at most the last HISTORY_CALLS: one number calling all day costs no more.
        let within = |c: &&Call, window: Millis| (0..=window).contains(&time.saturating_sub(c.rang_at));
        let earlier: Vec<&Call> = self.calls_from(number).take(HISTORY_CALLS).collect();
        let mut flags = Vec::new();
        let recent = earlier.iter().filter(|c| within(c, REPEAT_WINDOW_MS)).count() + 1;
        if recent >= REPEAT_CALLS {
            let why = format!("call {recent} from this number in {} minutes", REPEAT_WINDOW_MS / 60_000);
            flags.push(Flag { rule: "repeat-caller".into(), why });
        }
        // Oldest first, as the streak reads them.
        let judged: Vec<Classification> = earlier
            .iter()
            .rev()
            .filter(|c| within(c, HISTORY_MS))
            .filter_map(|c| c.verdict.as_ref().map(|v| v.class))
            .collect();
        let invalid = judged.iter().filter(|c| **c != Classification::Valid).count();
        if judged.len() >= INVALID_MIN_CALLS && invalid * 3 >= judged.len() * 2 {
            let why = format!("{invalid} of its {} calls in 30 days were not valid", judged.len());
            flags.push(Flag { rule: "often-invalid".into(), why });
        }
        if judged.len() >= SILENT_STREAK
            && judged.iter().rev().take(SILENT_STREAK).all(|c| *c == Classification::Silent)
        {
            let why = format!("its last {SILENT_STREAK} calls were silent");
            flags.push(Flag { rule: "silent-streak".into(), why });
        }
        if let Some(block) = self.blocks.get(number).filter(|b| b.holds_at(time)) {
            let until = block.until.map_or_else(|| "until lifted".to_string(), |t| format!("until {}", iso8601(t)));
            let why = format!("blocked by {} ({until}): {}", block.by, block.reason);
            flags.push(Flag { rule: "blocked".into(), why });
        }
        flags
    }

    /// A commander puts a number on the block list (or changes its entry).
    pub fn block(&mut self, number: &str, reason: &str, until: Option<Millis>, user: &str, time: Millis) -> Outcome {
        if until.is_some_and(|until| until <= time) {
            return Outcome::Refused(format!("a block of {number} until a time already past"));
        }
        let block = NumberBlock { number: number.into(), reason: reason.into(), by: user.into(), since: time, until };
        self.blocks.insert(number.to_string(), block);
        Outcome::Applied
    }

    /// A commander takes a number off the block list.
    pub fn unblock(&mut self, number: &str) -> Outcome {
        match self.blocks.remove(number) {
            Some(_) => Outcome::Applied,
            None => Outcome::Refused(format!("{number} is not blocked")),
        }
    }

    /// A caller's location joins the newest open call from the number, unless that call has a
    /// newer one; with no call open from it yet, it waits for one.
    pub fn locate(&mut self, number: &str, location: &CallerLocation) -> Outcome {
        let newest_open = self.calls_from(number).find(|call| call.is_open()).map(|call| call.id);
        let Some(id) = newest_open else {
            self.keep_early(number, location);
            return Outcome::Applied;
        };
        let call = &mut self.calls[id as usize - 1];
        if call.location.as_ref().is_some_and(|had| had.time > location.time) {
            return Outcome::Refused(format!("call {id} has a newer location"));
        }
        call.location = Some(location.clone());
        self.mark(id);
        Outcome::Applied
    }

    /// Keeps a location from a number with no open call (the newest per number), dropping
    /// those too old for any call to take once more than [`PRUNE_EARLY_PAST`] wait, and the
    /// oldest beyond [`MAX_EARLY_LOCATIONS`].
    fn keep_early(&mut self, number: &str, location: &CallerLocation) {
        if self.early.get(number).is_some_and(|had| had.time >= location.time) {
            return;
        }
        self.early.insert(number.to_string(), location.clone());
        // Most never see their call (the caller hung up before the location came): past a
        // handful, those too old for any call to take are dropped.
        if self.early.len() > PRUNE_EARLY_PAST {
            // With slack for phones whose clocks run ahead of the one sending now.
            self.early.retain(|_, l| location.time.saturating_sub(l.time) <= EARLY_LOCATION_MS + PRUNE_SLACK_MS);
        }
        while self.early.len() > MAX_EARLY_LOCATIONS {
            let oldest = self.early.iter().min_by_key(|(n, l)| (l.time, n.as_str())).map(|(n, _)| n.clone());
            self.early.remove(&oldest.unwrap_or_default());
        }
    }

    /// The location a number's phone sent up to [`EARLY_LOCATION_MS`] before its call rang
    /// (older ones are dropped).
    fn take_early(&mut self, number: &str, rang_at: Millis) -> Option<CallerLocation> {
        let location = self.early.remove(number)?;
        (rang_at - location.time <= EARLY_LOCATION_MS).then_some(location)
    }

    /// The switchboard sends a waiting call to a node, from its `rung`th ring (a move made
    /// on an older view of the call is refused, so a call never moves twice for one reason).
    pub fn route(&mut self, id: CallId, rung: usize, node: &str, tier: Tier, why: &str, time: Millis) -> Outcome {
        let call = match self.open_call(id) {
            Ok(call) if call.is_waiting() && call.rings.len() == rung => call,
            Ok(call) if call.is_waiting() => return Outcome::Refused(format!("call {id} has moved since")),
            Ok(call) => return Outcome::Refused(format!("call {id} is {:?}", call.state).to_lowercase()),
            Err(refused) => return refused,
        };
        call.rings.push(Ring { node: node.to_string(), tier, since: time, why: why.to_string() });
        self.mark(id);
        Outcome::Applied
    }

    /// The switchboard gives up on a call still waiting at its `rung`th ring: it is lost (and
    /// ended then), unless it moved or was answered since.
    pub fn give_up(&mut self, id: CallId, rung: usize, time: Millis) -> Outcome {
        let call = match self.open_call(id) {
            Ok(call) if call.is_waiting() && call.rings.len() == rung => call,
            Ok(call) if call.is_waiting() => return Outcome::Refused(format!("call {id} has moved since")),
            Ok(call) => return Outcome::Refused(format!("call {id} is {:?}", call.state).to_lowercase()),
            Err(refused) => return refused,
        };
        (call.state, call.ended_at) = (CallState::Lost, Some(time));
        self.mark(id);
        Outcome::Applied
    }

    /// A call taker takes a waiting call, or claims one picked up at a telephone that no seat
    /// has answered yet (it keeps the time it was picked up).
    pub fn answer(&mut self, id: CallId, user: &str, time: Millis) -> Outcome {
        let call = match self.open_call(id) {
            Ok(call) if call.is_waiting() => call,
            Ok(call) if call.answered_by.is_none() && call.state == CallState::Answered => {
                call.answered_by = Some(user.to_string());
                self.mark(id);
                return Outcome::Applied;
            }
            Ok(call) => {
                let by = call.answered_by.as_deref().map_or(String::new(), |u| format!(" by {u}"));
                return Outcome::Refused(format!("call {id} was already answered{by}"));
            }
            Err(refused) => return refused,
        };
        call.state = CallState::Answered;
        call.answered_at = Some(time);
        call.answered_by = Some(user.to_string());
        self.mark(id);
        Outcome::Applied
    }

    /// The verdict on an answered call: only by whoever answered it, or a commander.
    pub fn classify(&mut self, id: CallId, class: Classification, user: &str, role: Role, time: Millis) -> Outcome {
        let call = match self.open_call(id) {
            Ok(call) => call,
            Err(refused) => return refused,
        };
        if call.answered_at.is_none() {
            return Outcome::Refused(format!("call {id} has not been answered"));
        }
        if role != Role::Commander && call.answered_by.as_deref().is_some_and(|by| by != user) {
            return Outcome::Refused(format!("call {id} is {}'s", call.answered_by.as_deref().unwrap_or_default()));
        }
        call.verdict = Some(Verdict { class, by: user.to_string(), time });
        self.mark(id);
        Outcome::Applied
    }

    /// A call taken into an incident by the person holding it (or a commander): valid, and
    /// linked; refused if it is not theirs, or already judged otherwise.
    pub fn take_into(
        &mut self,
        id: CallId,
        incident: IncidentId,
        user: &str,
        role: Role,
        time: Millis,
    ) -> Result<Call, Outcome> {
        let call = self.open_or_valid(id)?;
        if call.incident.is_some() {
            return Err(Outcome::Refused(format!(
                "call {id} is already on incident {}",
                call.incident.unwrap_or_default()
            )));
        }
        if call.answered_at.is_none() {
            return Err(Outcome::Refused(format!("call {id} has not been answered")));
        }
        if role != Role::Commander && call.answered_by.as_deref().is_some_and(|by| by != user) {
            return Err(Outcome::Refused(format!(
                "call {id} is {}'s",
                call.answered_by.as_deref().unwrap_or_default()
            )));
        }
        if call.verdict.is_none() {
            call.verdict = Some(Verdict { class: Classification::Valid, by: user.to_string(), time });
        }
        call.incident = Some(incident);
        let taken = call.clone();
        self.mark(id);
        Ok(taken)
    }

    /// An open call, or one already judged valid (it may still join an incident).
    fn open_or_valid(&mut self, id: CallId) -> Result<&mut Call, Outcome> {
        let valid = self.call(id).and_then(|c| c.verdict.as_ref()).is_some_and(|v| v.class == Classification::Valid);
        if valid {
            return Ok(&mut self.calls[id as usize - 1]);
        }
        self.open_call(id)
    }

    fn open_call(&mut self, id: CallId) -> Result<&mut Call, Outcome> {
        let Some(call) = self.calls.get_mut((id as usize).wrapping_sub(1)) else {
            return Err(Outcome::Refused(format!("no call {id}")));
        };
        match &call.verdict {
            Some(verdict) => Err(Outcome::Refused(format!("call {id} was classified {}", verdict.class.name()))),
            None if !call.is_open() => Err(Outcome::Refused(format!("call {id} ended unanswered"))),
            None => Ok(call),
        }
    }

    fn mark(&mut self, id: CallId) {
        let slot = id as u32 - 1;
        if self.calls[slot as usize].is_open() {
            self.open.insert(id);
        } else {
            self.open.remove(&id);
        }
        if !std::mem::replace(&mut self.changed[slot as usize], true) {
            self.changes.push(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::calls::{AmlTransport, FixMethod};

    fn ring(book: &mut CallBook, key: &str, number: &str, time: Millis) -> Outcome {
        let phase = CallPhase::Ringing;
        book.report(Report { key, phase, number, channel: Channel::Voice, trunk: None, time, text: None })
    }

    fn at(lon: f64) -> CallerLocation {
        let (method, transport) = (FixMethod::Gnss, AmlTransport::Sms);
        CallerLocation { lon, lat: -6.2, radius: 12.0, time: 5, method, confidence: Some(68), transport }
    }

    #[test]
    fn a_call_rings_is_answered_once_and_classified_by_whoever_answered() {
        let mut book = CallBook::default();
        assert_eq!(ring(&mut book, "pbx-1", "+6281", 10), Outcome::Applied);
        assert_eq!(ring(&mut book, "pbx-1", "+6281", 11), Outcome::Applied, "a resend");
        assert_eq!(book.calls().len(), 1);
        assert_eq!(book.route(1, 0, "polsek-a", Tier::Polsek, "caller's location", 12), Outcome::Applied);
        assert!(
            matches!(book.route(1, 0, "polres", Tier::Polres, "again", 13), Outcome::Refused(r) if r.contains("moved since")),
            "one move per ring"
        );
        assert_eq!(book.answer(1, "sari", 15), Outcome::Applied);
        assert!(matches!(book.answer(1, "budi", 16), Outcome::Refused(r) if r.contains("by sari")));
        assert!(
            matches!(book.route(1, 1, "polres", Tier::Polres, "late", 17), Outcome::Refused(_)),
            "an answered call stays"
        );
        let budi = book.classify(1, Classification::Prank, "budi", Role::Operator, 18);
        assert!(matches!(budi, Outcome::Refused(r) if r.contains("sari's")));
        assert_eq!(book.classify(1, Classification::Prank, "sari", Role::Operator, 19), Outcome::Applied);
        let call = book.call(1).expect("call 1");
        assert_eq!(
            (call.answered_at, call.node(), call.verdict.as_ref().map(|v| v.class)),
            (Some(15), Some("polsek-a"), Some(Classification::Prank))
        );
        assert!(!call.is_open());
        assert_eq!(book.open_calls().count(), 0, "closed calls leave the open index");
        assert!(
            matches!(book.classify(1, Classification::Valid, "sari", Role::Commander, 20), Outcome::Refused(r) if r.contains("classified prank"))
        );
    }

    #[test]
    fn a_number_calling_every_two_minutes_is_flagged_by_its_third_call() {
        let mut book = CallBook::default();
        for n in 0..4_i64 {
            ring(&mut book, &format!("k{n}"), "+62812", n * 120_000);
        }
        let rules = |id: CallId| book.call(id).map(|c| c.flags.iter().map(|f| f.rule.clone()).collect::<Vec<_>>());
        assert_eq!(rules(2), Some(vec![]));
        assert_eq!(rules(3), Some(vec!["repeat-caller".to_string()]));
        assert!(book.call(4).is_some_and(|c| c.flags[0].why.contains("call 4 from this number")));
        ring(&mut book, "later", "+62812", 3 * 120_000 + REPEAT_WINDOW_MS + 1);
        assert!(book.call(5).is_some_and(|c| c.flags.is_empty()), "the window has passed");
        for n in 0..3 {
            ring(&mut book, &format!("a{n}"), "anonymous", n);
        }
        assert!(book.call(8).is_some_and(|c| c.flags.is_empty()), "a withheld number has no history");
    }

    #[test]
    fn a_number_whose_calls_were_silent_or_invalid_is_flagged() {
        let mut book = CallBook::default();
        let day = 24 * 3_600_000;
        for n in 0..3_i64 {
            ring(&mut book, &format!("s{n}"), "+6285", n * day);
            let id = n as CallId + 1;
            book.answer(id, "sari", n * day + 1);
            book.classify(id, Classification::Silent, "sari", Role::Operator, n * day + 2);
        }
        ring(&mut book, "next", "+6285", 3 * day);
        let rules: Vec<&str> =
            book.call(4).map(|c| c.flags.iter().map(|f| f.rule.as_str()).collect()).unwrap_or_default();
        assert_eq!(rules, ["often-invalid", "silent-streak"]);
    }

    #[test]
    fn a_reused_bridge_id_is_a_new_call_and_reports_must_name_the_number() {
        let mut book = CallBook::default();
        ring(&mut book, "k", "+6281", 10);
        let report = |phase, number, time| Report {
            key: "k",
            phase,
            number,
            channel: Channel::Voice,
            trunk: None,
            time,
            text: None,
        };
        assert!(
            matches!(book.report(report(CallPhase::Ended, "+6299", 12)), Outcome::Refused(r) if r.contains("+6281"))
        );
        assert_eq!(book.report(report(CallPhase::Ended, "+6281", 5)), Outcome::Applied);
        assert_eq!(book.call(1).and_then(|c| c.ended_at), Some(10), "never before it rang");
        assert_eq!(book.report(report(CallPhase::Ringing, "+6281", 20)), Outcome::Applied);
        assert_eq!(book.calls().len(), 2, "the id rang again after the call ended: a new call");
        assert_eq!(book.report(report(CallPhase::Ringing, "+6282", 21)), Outcome::Applied);
        assert_eq!(book.calls().len(), 3, "the same id from another number: a new call, never lost");
        let other_trunk = Report { trunk: Some("e1-1"), ..report(CallPhase::Ringing, "+6282", 22) };
        assert_eq!(book.report(other_trunk), Outcome::Applied);
        assert_eq!(book.calls().len(), 4, "ids are per trunk");
    }

    #[test]
    fn an_older_location_does_not_replace_a_newer_one() {
        let mut book = CallBook::default();
        ring(&mut book, "a", "+6281", 10);
        assert_eq!(book.locate("+6281", &at(106.8)), Outcome::Applied);
        let older = CallerLocation { time: 1, ..at(106.9) };
        assert!(matches!(book.locate("+6281", &older), Outcome::Refused(r) if r.contains("newer location")));
        assert_eq!(book.call(1).and_then(|c| c.location.as_ref()).map(|l| l.lon), Some(106.8));
    }

    #[test]
    fn a_location_joins_the_newest_open_call_from_its_number() {
        let mut book = CallBook::default();
        ring(&mut book, "a", "+6281", 10);
        ring(&mut book, "b", "+6282", 10);
        ring(&mut book, "c", "+6281", 20);
        assert_eq!(book.locate("+6281", &at(106.8)), Outcome::Applied);
        assert!(
            book.call(3).and_then(|c| c.location.as_ref()).is_some()
                && book.call(1).is_some_and(|c| c.location.is_none())
        );
    }

    /// AML leaves the phone as the call starts, so it can beat the bridge's ringing report: it
    /// waits for the number's next call (up to a minute), the newest per number, and a bounded
    /// number of them wait.
    #[test]
    fn a_location_before_its_call_waits_for_it_a_minute_and_no_longer() {
        let mut book = CallBook::default();
        let early = |time| CallerLocation { time, ..at(106.8) };
        assert_eq!(book.locate("+6281", &early(1_000)), Outcome::Applied);
        assert_eq!(book.locate("+6281", &early(500)), Outcome::Applied, "an older one is kept out");
        ring(&mut book, "x", "+6282", 2_000);
        assert!(book.call(1).is_some_and(|c| c.location.is_none()), "another number's call does not take it");
        ring(&mut book, "a", "+6281", 1_000 + EARLY_LOCATION_MS);
        assert_eq!(book.call(2).and_then(|c| c.location.as_ref()).map(|l| l.time), Some(1_000));
        ring(&mut book, "b", "+6281", 1_000 + EARLY_LOCATION_MS + 1);
        assert!(book.call(3).is_some_and(|c| c.location.is_none()), "taken once");

        assert_eq!(book.locate("+6283", &early(0)), Outcome::Applied);
        ring(&mut book, "c", "+6283", EARLY_LOCATION_MS + 1);
        assert!(book.call(4).is_some_and(|c| c.location.is_none()), "over a minute before the call");
        assert_eq!(book.early_locations().count(), 0, "a stale one is dropped when its number calls");

        for n in 0..=MAX_EARLY_LOCATIONS as i64 {
            book.locate(&format!("+6299{n}"), &early(n));
        }
        assert_eq!(book.early_locations().count(), MAX_EARLY_LOCATIONS);
        assert!(book.early_locations().all(|(n, _)| n != "+62990"), "the oldest went first");
    }

    #[test]
    fn a_call_given_up_on_is_lost_unless_it_moved_and_a_telephone_may_still_pick_it_up() {
        let mut book = CallBook::default();
        ring(&mut book, "a", "+6281", 10);
        assert_eq!(book.route(1, 0, "mabes", Tier::Mabes, "up", 20), Outcome::Applied);
        assert!(matches!(book.give_up(1, 0, 30), Outcome::Refused(r) if r.contains("moved since")));
        assert_eq!(book.give_up(1, 1, 1_800_010), Outcome::Applied);
        let call = book.call(1).expect("call 1");
        assert_eq!((call.state, call.ended_at, call.is_open()), (CallState::Lost, Some(1_800_010), false));
        assert_eq!(book.open_calls().count(), 0, "a lost call leaves the queue");
        assert!(matches!(book.answer(1, "sari", 1_800_020), Outcome::Refused(_)), "no seat takes a lost call");
        assert!(matches!(book.give_up(1, 1, 1_800_030), Outcome::Refused(_)), "given up once");
        let report = |phase, time| Report {
            key: "a",
            phase,
            number: "+6281",
            channel: Channel::Voice,
            trunk: None,
            time,
            text: None,
        };
        assert_eq!(book.report(report(CallPhase::Ended, 1_800_040)), Outcome::Applied);
        assert_eq!(
            book.call(1).map(|c| (c.state, c.ended_at)),
            Some((CallState::Lost, Some(1_800_010))),
            "a late end changes nothing"
        );
        assert_eq!(book.report(report(CallPhase::Ringing, 1_800_050)), Outcome::Applied);
        assert_eq!(book.calls().len(), 2, "a ring after the give-up is a new call, not a resend");
        assert_eq!(book.report(report(CallPhase::Answered, 1_800_060)), Outcome::Applied);
        assert_eq!(
            book.call(2).map(|c| c.state),
            Some(CallState::Answered),
            "the bridge's word goes to the newest call"
        );

        let mut book = CallBook::default();
        ring(&mut book, "b", "+6282", 10);
        assert_eq!(book.give_up(1, 0, 1_800_010), Outcome::Applied);
        let picked_up = Report {
            key: "b",
            phase: CallPhase::Answered,
            number: "+6282",
            channel: Channel::Voice,
            trunk: None,
            time: 1_800_020,
            text: None,
        };
        assert_eq!(book.report(picked_up), Outcome::Applied);
        let call = book.call(1).expect("call 1");
        assert_eq!((call.state, call.answered_at, call.ended_at), (CallState::Answered, Some(1_800_020), None));
        assert_eq!(
            book.answer(1, "sari", 1_800_030),
            Outcome::Applied,
            "picked up at a telephone after all: a seat claims it"
        );
    }

    #[test]
    fn a_call_ended_while_ringing_is_closed_and_cannot_be_answered() {
        let mut book = CallBook::default();
        ring(&mut book, "a", "+6281", 10);
        ring(&mut book, "b", "+6282", 11);
        assert_eq!(book.open_calls().map(|c| c.id).collect::<Vec<_>>(), [1, 2]);
        let ended = Report {
            key: "a",
            phase: CallPhase::Ended,
            number: "+6281",
            channel: Channel::Voice,
            trunk: None,
            time: 14,
            text: None,
        };
        assert_eq!(book.report(ended), Outcome::Applied);
        assert!(!book.call(1).is_some_and(Call::is_open));
        assert_eq!(book.open_calls().map(|c| c.id).collect::<Vec<_>>(), [2]);
        let saved = CallBook::from_saved(book.calls().to_vec(), Vec::new(), Vec::new());
        assert_eq!(saved.open_calls().map(|c| c.id).collect::<Vec<_>>(), [2], "rebuilt from a snapshot");
        assert!(matches!(book.answer(1, "sari", 15), Outcome::Refused(r) if r.contains("ended unanswered")));
        let stray = Report {
            key: "zz",
            phase: CallPhase::Answered,
            number: "+1",
            channel: Channel::Voice,
            trunk: None,
            time: 1,
            text: None,
        };
        assert!(matches!(book.report(stray), Outcome::Refused(_)));
    }
}
