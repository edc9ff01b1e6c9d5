//! Early warning: a zone whose incidents in the latest week are improbably many against its own
//! recent weeks. The test is the conditional exact test of two Poisson counts: if the zone's
//! rate had not changed, then of the n incidents in the latest week and the w weeks before it
//! (up to eight), the latest week's share would be binomial with p = 1 / (w + 1); the
//! probability reported is P(at least that many | n, p). Unlike a Poisson test against the
//! baseline's mean, it allows for the baseline being a count itself, not a known rate (with a
//! short record that matters). A zone is flagged when that probability is below 1% divided by
//! the number of zones tested (Bonferroni: in a city where nothing changes, a false warning
//! comes about once in a hundred weeks, however many zones it has) and the count is at least
//! five.

use anyhow::{ensure, Result};
use serde::Serialize;

use super::Places;
use crate::model::incidents::Milestone;
use crate::model::Millis;
use crate::world::World;

pub const WEEK_MS: Millis = 7 * 24 * 3_600_000;
/// Weeks the baseline averages over, at most.
pub const BASELINE_WEEKS: usize = 8;
/// The chance of any false warning in a quiet week, across all zones.
pub const FAMILY_ALPHA: f64 = 0.01;
/// A record this much short of a whole number of weeks still counts them whole.
const SLACK_MS: Millis = 3_600_000;
/// Fewer incidents than this in the latest week never raise a warning.
pub const MIN_COUNT: usize = 5;

/// One zone's test.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Warning {
    pub zone: String,
    pub name: String,
    /// Incidents in the seven days to the report's end.
    pub count: usize,
    /// The mean weekly count over the weeks before.
    pub baseline: f64,
    pub weeks: usize,
    /// P(at least `count` of the `count` + `baseline` x `weeks` incidents in the latest week
    /// | the rate did not change).
    pub probability: f64,
    pub flagged: bool,
}

/// Every finest zone's test for the week to `to`, the least probable first. Refused when the
/// record holds no full week before that one.
pub fn warnings(world: &World, places: &Places, to: Millis) -> Result<Vec<Warning>> {
    ensure!(places.has_zones(), "the early warning counts incidents by zone: give the zones");
    let start = world.calls().iter().map(|c| c.rang_at).min().unwrap_or(to);
    // Full weeks, give or take the record's first hour.
    let span = to.saturating_sub(start).saturating_add(SLACK_MS);
    let weeks = usize::try_from(span / WEEK_MS - 1).unwrap_or(0).min(BASELINE_WEEKS);
    ensure!(
        weeks >= 1,
        "the record from {} to {} holds no full week before the latest: nothing to compare with",
        crate::model::iso8601(start),
        crate::model::iso8601(to)
    );
    let zones: Vec<(String, String)> = places.finest_zones().map(|z| (z.code.clone(), z.name.clone())).collect();
    let mut counts: std::collections::HashMap<String, Vec<usize>> =
        zones.iter().map(|(code, _)| (code.clone(), vec![0; weeks + 1])).collect();
    for incident in world.incidents() {
        let Some(received) = incident.reached(Milestone::Received).filter(|t| *t < to) else { continue };
        let Ok(week) = usize::try_from(to.saturating_sub(1).saturating_sub(received) / WEEK_MS) else { continue };
        if week > weeks {
            continue;
        }
        let zone = places.zone(incident.lon.zip(incident.lat));
        if let Some(by_week) = counts.get_mut(&zone) {
            by_week[week] += 1;
        }
    }
    let threshold = FAMILY_ALPHA / zones.len().max(1) as f64;
    let mut out: Vec<Warning> = zones
        .into_iter()
        .map(|(zone, name)| {
            let by_week = &counts[&zone];
            let count = by_week[0];
            let before = by_week[1..].iter().sum::<usize>();
            let baseline = before as f64 / weeks as f64;
            let probability = at_least(count, count + before, 1.0 / (weeks + 1) as f64);
            let flagged = count >= MIN_COUNT && probability < threshold;
            Warning { zone, name, count, baseline, weeks, probability, flagged }
        })
        .collect();
    out.sort_by(|a, b| a.probability.total_cmp(&b.probability).then(a.zone.cmp(&b.zone)));
    Ok(out)
}

/// P(X >= k) for X ~ Binomial(n, p): the regularised incomplete beta function I_p(k, n-k+1).
pub fn at_least(k: usize, n: usize, p: f64) -> f64 {
    match (k, k > n) {
        (0, _) => 1.0,
        (_, true) => 0.0,
        _ => puruspe::betai(k as f64, (n - k + 1) as f64, p).clamp(0.0, 1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the sum of the binomial law's terms.
    #[test]
    fn the_binomial_tail_matches_its_terms() {
        let by_terms = |k: usize, n: usize, p: f64| {
            let ln_choose = |i: usize| {
                puruspe::ln_gamma((n + 1) as f64)
                    - puruspe::ln_gamma((i + 1) as f64)
                    - puruspe::ln_gamma((n - i + 1) as f64)
            };
            (k..=n).map(|i| (ln_choose(i) + i as f64 * p.ln() + (n - i) as f64 * (1.0 - p).ln()).exp()).sum::<f64>()
        };
        for (k, n, p) in [(1, 1, 0.5), (3, 10, 0.2), (69, 103, 0.5), (22, 35, 1.0 / 3.0), (861, 1503, 1.0 / 3.0)] {
            let (ours, theirs) = (at_least(k, n, p), by_terms(k, n, p));
            assert!(
                (ours - theirs).abs() <= 1e-9 * theirs.max(1e-300) + 1e-12,
                "P(X >= {k} | {n}, {p}) = {ours}, by terms {theirs}"
            );
        }
        assert_eq!((at_least(0, 3, 0.5), at_least(4, 3, 0.5)), (1.0, 0.0));
        // A far tail is still a number.
        let tiny = at_least(861, 1503, 1.0 / 3.0);
        assert!(tiny > 0.0 && tiny < 1e-40, "{tiny}");
    }
}
