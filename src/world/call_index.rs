//! The call book's two lookups: the call a bridge id (trunk and id) stands for now, and a
//! number's calls newest first. Each is a map from a hash to the newest call with it, and per
//! call the one before it with the same hash, so a chain is walked newest first and calls of
//! another key or number that share a hash are passed over (the hash keys are drawn at random
//! per process, so a sender cannot choose numbers that share one). Nothing is copied from the calls:
//! a month's quarter of a million calls is indexed (or dropped) without a string allocated.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

use crate::model::calls::{Call, CallId};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallIndex {
    by_key: Chains,
    by_number: Chains,
}

/// Calls chained by a hash: the newest per hash, and per call the one before it (0: none).
#[derive(Clone, Debug, Default, PartialEq)]
struct Chains {
    newest: HashMap<u64, CallId>,
    before: Vec<CallId>,
}

impl Chains {
    fn add(&mut self, hash: u64, id: CallId) {
        self.before.push(self.newest.insert(hash, id).unwrap_or(0));
    }

    /// The calls with `hash`, newest first (each link to an older id: calls saved out of
    /// order end a chain rather than loop it).
    fn walk(&self, hash: u64) -> impl Iterator<Item = CallId> + '_ {
        let first = self.newest.get(&hash).copied();
        let older = |id: &CallId| {
            let before = self.before.get((*id as usize).wrapping_sub(1)).copied()?;
            (before > 0 && before < *id).then_some(before)
        };
        std::iter::successors(first, older)
    }
}

/// The process's hash keys, drawn at random once: callers' numbers and bridge ids come from
/// outside, and keys known in advance would let a sender pile its numbers on one chain.
fn keys() -> &'static RandomState {
    static KEYS: OnceLock<RandomState> = OnceLock::new();
    KEYS.get_or_init(RandomState::new)
}

fn key_hash(trunk: Option<&str>, key: &str) -> u64 {
    keys().hash_one((trunk, key))
}

fn number_hash(number: &str) -> u64 {
    keys().hash_one(number)
}

impl CallIndex {
    /// Both lookups over `calls` (in id order, ids 1, 2, ...), built side by side, with room
    /// for `room` calls in all.
    pub fn build(calls: &[Call], room: usize) -> Self {
        let room = room.max(calls.len());
        let chain = |hash: &(dyn Fn(&Call) -> u64 + Sync)| {
            let mut chains = Chains { newest: HashMap::with_capacity(room), before: Vec::new() };
            chains.before.reserve(room);
            calls.iter().for_each(|call| chains.add(hash(call), call.id));
            chains
        };
        let (by_key, by_number) = rayon::join(
            || chain(&|call| key_hash(call.trunk.as_deref(), &call.key)),
            || chain(&|call| number_hash(&call.number)),
        );
        Self { by_key, by_number }
    }

    /// Takes in a call newer than every call indexed (the next id).
    pub fn add(&mut self, call: &Call) {
        self.by_key.add(key_hash(call.trunk.as_deref(), &call.key), call.id);
        self.by_number.add(number_hash(&call.number), call.id);
    }

    /// The newest of `calls` with this trunk and bridge id.
    pub fn by_key<'a>(&self, calls: &'a [Call], trunk: Option<&str>, key: &str) -> Option<&'a Call> {
        self.by_key
            .walk(key_hash(trunk, key))
            .filter_map(|id| calls.get((id as usize).wrapping_sub(1)))
            .find(|call| call.key == key && call.trunk.as_deref() == trunk)
    }

    /// The calls from `number`, newest first.
    pub fn calls_from<'a>(&'a self, calls: &'a [Call], number: &str) -> impl Iterator<Item = &'a Call> + 'a {
        let hash = number_hash(number);
        let number = number.to_string();
        self.by_number
            .walk(hash)
            .filter_map(|id| calls.get((id as usize).wrapping_sub(1)))
            .filter(move |call| call.number == number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::calls::{CallState, Channel};

    fn call(id: CallId, trunk: Option<&str>, key: &str, number: &str) -> Call {
        Call {
            id,
            key: key.into(),
            number: number.into(),
            channel: Channel::Voice,
            trunk: trunk.map(str::to_string),
            state: CallState::Ringing,
            rang_at: id as i64,
            answered_at: None,
            answered_by: None,
            ended_at: None,
            rings: Vec::new(),
            location: None,
            verdict: None,
            flags: Vec::new(),
            incident: None,
            text: None,
        }
    }

    /// Keys reused across trunks and over time, numbers calling again: the index answers as
    /// a scan of every call does, built at once or call by call.
    #[test]
    fn the_index_finds_what_a_scan_of_every_call_finds() {
        let trunks = [None, Some("a"), Some("b")];
        let calls: Vec<Call> = (1..=2_000u64)
            .map(|id| {
                let trunk = trunks[(id % 3) as usize];
                call(id, trunk, &format!("k{}", id % 97), &format!("08{}", id * 7 % 131))
            })
            .collect();
        let mut grown = CallIndex::default();
        calls.iter().for_each(|c| grown.add(c));
        let built = CallIndex::build(&calls, 0);
        assert_eq!(grown, built);
        for trunk in trunks.iter().copied().chain([Some("c")]) {
            for key in (0..100).map(|k| format!("k{k}")) {
                let scan = calls.iter().rev().find(|c| c.key == key && c.trunk.as_deref() == trunk);
                assert_eq!(built.by_key(&calls, trunk, &key).map(|c| c.id), scan.map(|c| c.id), "{trunk:?} {key}");
            }
        }
        for number in (0..135).map(|n| format!("08{n}")) {
            let scan: Vec<CallId> = calls.iter().rev().filter(|c| c.number == number).map(|c| c.id).collect();
            let found: Vec<CallId> = built.calls_from(&calls, &number).map(|c| c.id).collect();
            assert_eq!(found, scan, "{number}");
        }
    }

    /// Calls saved out of order (a damaged or hostile snapshot) end a chain early, never loop it.
    #[test]
    fn calls_saved_out_of_order_never_make_a_lookup_loop() {
        let calls = vec![call(1, None, "k", "081"), call(2, None, "k", "081"), call(2, None, "k", "081")];
        let index = CallIndex::build(&calls, 0);
        assert!(index.calls_from(&calls, "081").count() <= 3);
        assert!(index.by_key(&calls, None, "k").is_some());
        let zero = vec![call(0, None, "k", "081")];
        assert_eq!(CallIndex::build(&zero, 0).calls_from(&zero, "081").count(), 0);
    }
}
