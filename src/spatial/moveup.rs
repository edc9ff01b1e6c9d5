//! Move-up: when dispatches open gaps in coverage, which available unit should move to which
//! post (a station, a planned checkpoint) to win back the most road covered in time.
//!
//! The method is a pruned greedy step of maximal coverage. Every post is scored by what a new
//! unit there would add, every unit by what its leaving would lose; then each pair from the
//! best few posts and the cheapest few units is tried exactly (the unit moved, the coverage
//! searched again incrementally) and the pair with the largest gain wins. Trying every unit
//! at every post ([`best_by_trying_all`]) is the yardstick it is measured against.

use super::coverage::{Coverage, SourceKey};
use super::roads::RoadNode;

/// Posts and units tried in pairs after scoring each alone.
pub const SHORTLIST: usize = 8;
/// A trial source's key (never a unit's slot).
const TRIAL: SourceKey = SourceKey::MAX - 1;

/// A post a unit may be sent to, with the road nodes it joins the network at.
#[derive(Clone, Debug, PartialEq)]
pub struct Post {
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub nodes: Vec<RoadNode>,
}

/// Which unit to move to which post, and the road length it wins back.
#[derive(Clone, Debug, PartialEq)]
pub struct MoveUp {
    pub unit: SourceKey,
    /// Its position in the posts given.
    pub post: usize,
    pub gain_m: f64,
    /// The covered share of all road length after the move.
    pub share_after: f64,
}

/// The best move found by the pruned greedy step (`None` when no move gains).
pub fn suggest(coverage: &mut Coverage, posts: &[Post]) -> Option<MoveUp> {
    let base = coverage.totals().covered_m;
    let mut by_gain: Vec<(usize, f64)> = posts
        .iter()
        .enumerate()
        .map(|(i, post)| (i, coverage.trial(&[(TRIAL, Some(post.nodes.clone()))]) - base))
        .collect();
    by_gain.sort_by(|a, b| b.1.total_cmp(&a.1));
    let units: Vec<SourceKey> = unit_keys(coverage);
    let mut by_loss: Vec<(SourceKey, f64)> =
        units.into_iter().map(|unit| (unit, base - coverage.trial(&[(unit, None)]))).collect();
    by_loss.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let pairs: Vec<(SourceKey, usize)> = by_gain
        .iter()
        .take(SHORTLIST)
        .flat_map(|&(post, _)| by_loss.iter().take(SHORTLIST).map(move |&(unit, _)| (unit, post)))
        .collect();
    best_of(coverage, posts, pairs)
}

/// The best move by trying every unit at every post.
pub fn best_by_trying_all(coverage: &mut Coverage, posts: &[Post]) -> Option<MoveUp> {
    let units = unit_keys(coverage);
    let pairs = units.iter().flat_map(|&unit| (0..posts.len()).map(move |post| (unit, post))).collect();
    best_of(coverage, posts, pairs)
}

fn unit_keys(coverage: &Coverage) -> Vec<SourceKey> {
    let mut keys: Vec<SourceKey> = coverage.sources().map(|(key, _)| key).filter(|k| *k != TRIAL).collect();
    keys.sort_unstable();
    keys
}

/// The pair with the largest exact gain, if any gains.
fn best_of(coverage: &mut Coverage, posts: &[Post], pairs: Vec<(SourceKey, usize)>) -> Option<MoveUp> {
    let (base, road) = (coverage.totals().covered_m, coverage.totals().road_m);
    let mut best: Option<MoveUp> = None;
    for (unit, post) in pairs {
        let after = coverage.trial(&[(unit, Some(posts[post].nodes.clone()))]);
        let gain_m = after - base;
        if gain_m > 1.0 && best.as_ref().is_none_or(|b| gain_m > b.gain_m) {
            let share_after = if road > 0.0 { after / road } else { 0.0 };
            best = Some(MoveUp { unit, post, gain_m, share_after });
        }
    }
    best
}
