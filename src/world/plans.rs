//! The operation plans the world follows: each saved plan with its escorts' progress (when a
//! convoy's unit first came within [`REACH_M`] of each waypoint, learnt from the positions as
//! they are applied, so a replay finds the same), and the flags the plans raise at a moment:
//! a convoy late at a waypoint, a unit off its checkpoint in the checkpoint's window.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Outcome;
use crate::crs::geodesy::haversine_m;
use crate::model::plans::Plan;
use crate::model::{Fix, Millis, Unit};

/// A convoy's unit this close to a waypoint has reached it.
pub const REACH_M: f64 = 150.0;
/// A convoy reaching a waypoint more than this after it was due is late there.
pub const LATE_GRACE_MS: Millis = 2 * 60_000;
/// A checkpoint's unit whose latest fix is older than this is not known to be on its post.
pub const POST_FIX_MS: Millis = 10 * 60_000;
/// The most plans the world follows at once.
pub const MAX_PLANS: usize = 64;

/// A saved plan and how far each of its escorts has come.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Followed {
    pub plan: Plan,
    /// Per escort, per waypoint: when the convoy reached it.
    pub reached: Vec<Vec<Option<Millis>>>,
}

impl Followed {
    fn new(plan: Plan) -> Self {
        let reached = plan.escorts.iter().map(|e| vec![None; e.waypoints.len()]).collect();
        Self { plan, reached }
    }
}

/// Something in a plan that is not going as planned, at a given moment.
#[derive(Clone, Debug, PartialEq)]
pub enum PlanFlag {
    /// A convoy is past a waypoint's time without having reached it (`reached` none), or
    /// reached its latest waypoint late.
    Late { plan: String, escort: String, waypoint: String, eta: Millis, reached: Option<Millis>, late_ms: Millis },
    /// A checkpoint's unit is farther than the checkpoint's radius from it, or has no fix
    /// newer than [`POST_FIX_MS`] (`distance_m` none), inside the checkpoint's window.
    OffPost { plan: String, checkpoint: String, unit: String, distance_m: Option<f64> },
}

impl PlanFlag {
    /// One line for a list or the wall.
    pub fn describe(&self) -> String {
        match self {
            PlanFlag::Late { escort, waypoint, reached: None, late_ms, .. } => {
                format!("{escort}: {} min late at {waypoint}, not there yet", late_ms / 60_000)
            }
            PlanFlag::Late { escort, waypoint, late_ms, .. } => {
                format!("{escort}: reached {waypoint} {} min late", late_ms / 60_000)
            }
            PlanFlag::OffPost { checkpoint, unit, distance_m: Some(d), .. } => {
                format!("{unit} off post {checkpoint}: {d:.0} m away")
            }
            PlanFlag::OffPost { checkpoint, unit, distance_m: None, .. } => {
                format!("{unit} off post {checkpoint}: no recent position")
            }
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanBook {
    plans: Vec<Followed>,
    /// Per escorting unit, its escorts as (plan, escort) indexes, in plan order: a position
    /// looks up its unit's convoys instead of scanning every plan.
    by_unit: BTreeMap<String, Vec<(usize, usize)>>,
}

fn index_units(plans: &[Followed]) -> BTreeMap<String, Vec<(usize, usize)>> {
    let mut by_unit: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    for (p, followed) in plans.iter().enumerate() {
        for (e, escort) in followed.plan.escorts.iter().enumerate() {
            for unit in &escort.units {
                let convoys = by_unit.entry(unit.clone()).or_default();
                if convoys.last() != Some(&(p, e)) {
                    convoys.push((p, e));
                }
            }
        }
    }
    by_unit
}

impl PlanBook {
    pub fn plans(&self) -> &[Followed] {
        &self.plans
    }

    /// Saves a plan, replacing the one with its id; an escort whose waypoints are unchanged
    /// keeps its progress.
    pub fn save(&mut self, plan: &Plan) -> Outcome {
        if let Err(why) = plan.check() {
            return Outcome::Refused(why);
        }
        let mut followed = Followed::new(plan.clone());
        match self.plans.iter().position(|f| f.plan.id == plan.id) {
            Some(i) => {
                let old = &self.plans[i];
                for (e, escort) in plan.escorts.iter().enumerate() {
                    let same =
                        old.plan.escorts.iter().position(|o| o.name == escort.name && o.waypoints == escort.waypoints);
                    if let Some(o) = same {
                        followed.reached[e] = old.reached[o].clone();
                    }
                }
                self.plans[i] = followed;
            }
            None if self.plans.len() >= MAX_PLANS => {
                return Outcome::Refused(format!("the world already follows {MAX_PLANS} plans; drop one first"))
            }
            None => self.plans.push(followed),
        }
        self.by_unit = index_units(&self.plans);
        Outcome::Applied
    }

    pub fn drop_plan(&mut self, id: &str) -> Outcome {
        match self.plans.iter().position(|f| f.plan.id == id) {
            Some(i) => {
                self.plans.remove(i);
                self.by_unit = index_units(&self.plans);
                Outcome::Applied
            }
            None => Outcome::Refused(format!("no plan {id:?}")),
        }
    }

    /// A unit's new position: each convoy it escorts reaches the first waypoint not yet
    /// reached that it is now within [`REACH_M`] of (any waypoints before it, passed between
    /// two fixes, count as reached then too).
    pub fn position(&mut self, unit: &str, fix: &Fix) {
        let Some(convoys) = self.by_unit.get(unit) else { return };
        for &(p, e) in convoys {
            let followed = &mut self.plans[p];
            let (escort, reached) = (&followed.plan.escorts[e], &mut followed.reached[e]);
            let Some(next) = reached.iter().position(Option::is_none) else { continue };
            let at =
                escort.waypoints[next..].iter().position(|w| haversine_m(fix.lon, fix.lat, w.lon, w.lat) <= REACH_M);
            if let Some(at) = at {
                reached[next..=next + at].iter_mut().for_each(|r| *r = Some(fix.time));
            }
        }
    }

    /// The flags every plan raises at `now`, given the units (by id) as the world has them.
    pub fn flags<'a>(&self, unit: impl Fn(&str) -> Option<&'a Unit>, now: Millis) -> Vec<PlanFlag> {
        let mut flags = Vec::new();
        for followed in &self.plans {
            late_flags(followed, now, &mut flags);
            off_post_flags(&followed.plan, &unit, now, &mut flags);
        }
        flags
    }

    /// The plans a snapshot or a hub's welcome saved; any that the world could not have
    /// followed (a plan that fails its check, progress not matching its waypoints, past
    /// [`MAX_PLANS`]) is left out rather than trusted.
    pub fn restore(plans: Vec<Followed>) -> Self {
        let sound = |f: &Followed| {
            f.plan.check().is_ok()
                && f.reached.len() == f.plan.escorts.len()
                && f.reached.iter().zip(&f.plan.escorts).all(|(r, e)| r.len() == e.waypoints.len())
        };
        let plans: Vec<Followed> = plans.into_iter().filter(sound).take(MAX_PLANS).collect();
        let by_unit = index_units(&plans);
        Self { plans, by_unit }
    }
}

/// Per escort at most one: its next waypoint when that is overdue, or else its latest
/// reached waypoint when it was reached late.
fn late_flags(followed: &Followed, now: Millis, flags: &mut Vec<PlanFlag>) {
    for (escort, reached) in followed.plan.escorts.iter().zip(&followed.reached) {
        let next = reached.iter().position(Option::is_none);
        let (i, late_ms) = match next {
            Some(i) if now.saturating_sub(escort.waypoints[i].eta) > LATE_GRACE_MS => {
                (i, now.saturating_sub(escort.waypoints[i].eta))
            }
            _ => {
                let Some(last) = reached.iter().rposition(Option::is_some) else { continue };
                let late_ms = reached[last].unwrap_or(0).saturating_sub(escort.waypoints[last].eta);
                if late_ms <= LATE_GRACE_MS {
                    continue;
                }
                (last, late_ms)
            }
        };
        let w = &escort.waypoints[i];
        flags.push(PlanFlag::Late {
            plan: followed.plan.id.clone(),
            escort: escort.name.clone(),
            waypoint: w.name.clone(),
            eta: w.eta,
            reached: reached[i],
            late_ms,
        });
    }
}

fn off_post_flags<'a>(plan: &Plan, unit: &impl Fn(&str) -> Option<&'a Unit>, now: Millis, flags: &mut Vec<PlanFlag>) {
    for checkpoint in plan.checkpoints.iter().filter(|c| (c.from..c.until).contains(&now)) {
        for id in &checkpoint.units {
            let fix = unit(id).and_then(|u| u.last_fix).filter(|f| now.saturating_sub(f.time) <= POST_FIX_MS);
            let distance_m = fix.map(|f| haversine_m(f.lon, f.lat, checkpoint.lon, checkpoint.lat));
            if distance_m.is_none_or(|d| d > checkpoint.radius_m) {
                flags.push(PlanFlag::OffPost {
                    plan: plan.id.clone(),
                    checkpoint: checkpoint.name.clone(),
                    unit: id.clone(),
                    distance_m,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plans::{Checkpoint, Escort, Waypoint};

    const MIN: Millis = 60_000;

    /// A convoy (escorted by p1) from Monas to Bundaran HI to Blok M, due at 10, 20 and 40 min,
    /// and a checkpoint at Semanggi held by p2 from 0 to 60 min.
    fn plan() -> Plan {
        let waypoint = |name: &str, lon, lat, eta| Waypoint { name: name.into(), lon, lat, eta };
        Plan {
            id: "op-ketupat".into(),
            name: "Operasi Ketupat".into(),
            checkpoints: vec![Checkpoint {
                name: "Semanggi".into(),
                lon: 106.8136,
                lat: -6.2195,
                radius_m: 200.0,
                from: 0,
                until: 60 * MIN,
                units: vec!["p2".into()],
            }],
            escorts: vec![Escort {
                name: "VVIP convoy".into(),
                units: vec!["p1".into()],
                waypoints: vec![
                    waypoint("Monas", 106.8272, -6.1754, 10 * MIN),
                    waypoint("Bundaran HI", 106.8230, -6.1950, 20 * MIN),
                    waypoint("Blok M", 106.7997, -6.2441, 40 * MIN),
                ],
                hold: vec!["Jalan M.H. Thamrin".into()],
            }],
            deployments: vec![],
        }
    }

    fn fix(time: Millis, lon: f64, lat: f64) -> Fix {
        Fix { time, lon, lat, speed: None, heading: None, accuracy: None }
    }

    fn late(flags: &[PlanFlag]) -> Vec<(String, Option<Millis>, Millis)> {
        flags
            .iter()
            .filter_map(|f| match f {
                PlanFlag::Late { waypoint, reached, late_ms, .. } => Some((waypoint.clone(), *reached, *late_ms)),
                PlanFlag::OffPost { .. } => None,
            })
            .collect()
    }

    fn unit_at(id: &str, fix: Option<Fix>) -> Unit {
        Unit { last_fix: fix, ..Unit::from_device(id) }
    }

    #[test]
    fn a_convoy_on_time_raises_nothing_and_one_past_its_waypoint_time_is_flagged_late() {
        let mut book = PlanBook::default();
        assert_eq!(book.save(&plan()), Outcome::Applied);
        let none = |_: &str| None;
        // At Monas at 9 min, 100 m from Bundaran HI at 21 min: on time (inside the grace).
        book.position("p1", &fix(9 * MIN, 106.8272, -6.1754));
        book.position("p1", &fix(21 * MIN, 106.8231, -6.1959));
        assert_eq!(late(&book.flags(none, 30 * MIN)), vec![]);
        // Blok M was due at 40 min; at 43 min the convoy is not there: 3 minutes late.
        assert_eq!(late(&book.flags(none, 43 * MIN)), vec![("Blok M".into(), None, 3 * MIN)]);
        assert_eq!(book.flags(none, 43 * MIN)[0].describe(), "VVIP convoy: 3 min late at Blok M, not there yet");
        // It arrives at 45 min: the flag stays, now saying how late it was.
        book.position("p1", &fix(45 * MIN, 106.7998, -6.2440));
        assert_eq!(late(&book.flags(none, 50 * MIN)), vec![("Blok M".into(), Some(45 * MIN), 5 * MIN)]);
    }

    #[test]
    fn only_the_escorting_unit_and_only_a_fix_within_reach_moves_the_convoy_on() {
        let mut book = PlanBook::default();
        book.save(&plan());
        book.position("p9", &fix(5 * MIN, 106.8272, -6.1754));
        // 300 m from Monas is not there.
        book.position("p1", &fix(6 * MIN, 106.8272, -6.1781));
        assert_eq!(book.plans()[0].reached[0], vec![None, None, None]);
        // A fix at Bundaran HI counts Monas, passed between two fixes, as reached then too.
        book.position("p1", &fix(19 * MIN, 106.8230, -6.1950));
        assert_eq!(book.plans()[0].reached[0], vec![Some(19 * MIN), Some(19 * MIN), None]);
        // Bundaran HI on time puts the convoy back on time: Monas, passed at some moment
        // between the fixes, is not flagged.
        assert_eq!(late(&book.flags(|_| None, 25 * MIN)), vec![]);
    }

    #[test]
    fn a_checkpoint_unit_away_or_unheard_in_its_window_is_off_post() {
        let mut book = PlanBook::default();
        book.save(&plan());
        let near = unit_at("p2", Some(fix(10 * MIN, 106.8140, -6.2199)));
        let far = unit_at("p2", Some(fix(10 * MIN, 106.8272, -6.1754)));
        let off = |u: &Unit, now| {
            book.flags(|_| Some(u), now)
                .into_iter()
                .filter_map(|f| match f {
                    PlanFlag::OffPost { unit, distance_m, .. } => Some((unit, distance_m.map(|d| d.round()))),
                    PlanFlag::Late { .. } => None,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(off(&near, 11 * MIN), vec![]);
        let away = off(&far, 11 * MIN);
        assert_eq!(away.len(), 1);
        assert!(away[0].1.is_some_and(|d| (5000.0..5300.0).contains(&d)), "{away:?}");
        // Its fix is 25 minutes old: not known to be there.
        assert_eq!(off(&near, 35 * MIN), vec![("p2".to_string(), None)]);
        // After the window nobody is flagged.
        assert_eq!(off(&far, 61 * MIN), vec![]);
    }

    #[test]
    fn saving_again_keeps_the_progress_of_unchanged_escorts_and_a_bad_plan_is_refused() {
        let mut book = PlanBook::default();
        book.save(&plan());
        book.position("p1", &fix(9 * MIN, 106.8272, -6.1754));
        let mut renamed = plan();
        renamed.name = "Operasi Ketupat 2026".into();
        renamed.checkpoints.clear();
        assert_eq!(book.save(&renamed), Outcome::Applied);
        assert_eq!((book.plans().len(), book.plans()[0].reached[0][0]), (1, Some(9 * MIN)));
        let mut moved = plan();
        moved.escorts[0].waypoints[2].lon = 106.80;
        book.save(&moved);
        assert_eq!(book.plans()[0].reached[0], vec![None, None, None]);
        let mut bad = plan();
        bad.escorts[0].waypoints[1].eta = 5 * MIN;
        assert!(matches!(book.save(&bad), Outcome::Refused(r) if r.contains("Bundaran HI")));
        bad = plan();
        bad.checkpoints[0].until = Millis::MAX;
        assert!(matches!(book.save(&bad), Outcome::Refused(r) if r.contains("year 3000")));
        assert_eq!(book.drop_plan("op-ketupat"), Outcome::Applied);
        assert!(matches!(book.drop_plan("op-ketupat"), Outcome::Refused(_)));
    }

    #[test]
    fn restoring_leaves_out_progress_that_does_not_fit_its_waypoints() {
        let mut sound = Followed::new(plan());
        sound.reached[0][0] = Some(9 * MIN);
        let mut torn = Followed::new(Plan { id: "other".into(), ..plan() });
        torn.reached[0].pop();
        let book = PlanBook::restore(vec![sound.clone(), torn]);
        assert_eq!(book.plans(), &[sound][..]);
        // The restored book follows its convoy on.
        let mut book = book;
        book.position("p1", &fix(19 * MIN, 106.8230, -6.1950));
        assert_eq!(book.plans()[0].reached[0], vec![Some(9 * MIN), Some(19 * MIN), None]);
    }
}
