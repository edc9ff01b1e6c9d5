//! Operation plans on the map. An escort's route is worked out on the road graph: each leg
//! between waypoints driven at free-flow speeds (live ones where the router has them), a
//! waypoint without a given time is due when the leg before it ends, and the roads to hold are
//! the named streets the legs run along, in the order the convoy meets them. A deployment
//! falls short when fewer units of its kind than planned are in its zone, on duty and heard
//! from lately.

use super::dispatch::Router;
use super::streets::Streets;
use super::zones::ZoneIndex;
use crate::model::plans::{Escort, Plan};
use crate::model::{Millis, Unit, UnitStatus};

/// A unit whose latest fix is older than this is not counted in a zone.
pub const DEPLOYED_FIX_MS: Millis = 10 * 60_000;

/// A street counts as driven on where a leg's piece of road lies this close to it.
pub const ON_STREET_M: f64 = 10.0;

/// One leg of the route: from waypoint `to - 1` to waypoint `to`.
#[derive(Clone, Debug, PartialEq)]
pub struct Leg {
    pub to: usize,
    pub seconds: f64,
    pub metres: f64,
    /// `[lon, lat]` along the roads.
    pub path: Vec<[f64; 2]>,
}

/// The legs between consecutive waypoints, or which leg has no road route.
pub fn legs(router: &Router, escort: &Escort) -> Result<Vec<Leg>, String> {
    escort
        .waypoints
        .windows(2)
        .enumerate()
        .map(|(i, pair)| {
            let (a, b) = (&pair[0], &pair[1]);
            router
                .route((a.lon, a.lat), (b.lon, b.lat))
                .map(|(seconds, metres, path)| Leg { to: i + 1, seconds, metres, path })
                .ok_or_else(|| format!("escort {:?}: no road route from {:?} to {:?}", escort.name, a.name, b.name))
        })
        .collect()
}

/// Fills in what the plan's author left to the road graph: the eta of each waypoint not
/// `eta_given` (the eta before it plus the leg's drive time), and, unless `hold_given`, the
/// streets along the route to hold. Returns the legs.
pub fn fill_escort(
    router: &Router,
    streets: &Streets,
    escort: &mut Escort,
    eta_given: &[bool],
    hold_given: bool,
) -> Result<Vec<Leg>, String> {
    let legs = legs(router, escort)?;
    for leg in &legs {
        if !eta_given.get(leg.to).copied().unwrap_or(true) {
            let before = escort.waypoints[leg.to - 1].eta;
            escort.waypoints[leg.to].eta = before + leg.seconds.round() as i64 * 1000;
        }
    }
    if !hold_given {
        escort.hold = streets_along(streets, legs.iter().map(|l| l.path.as_slice()));
    }
    Ok(legs)
}

/// The named streets under the paths' pieces (taken at each piece's middle, which lies on the
/// road driven, not at a crossing), each once, in order.
pub fn streets_along<'a>(streets: &Streets, paths: impl Iterator<Item = &'a [[f64; 2]]>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for path in paths {
        for piece in path.windows(2) {
            let middle = ((piece[0][0] + piece[1][0]) / 2.0, (piece[0][1] + piece[1][1]) / 2.0);
            let Some((name, metres)) = streets.nearest(middle.0, middle.1) else { continue };
            if metres <= ON_STREET_M && !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// The route to draw for an escort: along the roads where the router finds a way, straight
/// from waypoint to waypoint where it does not (or without a router).
pub fn route_path(router: Option<&Router>, escort: &Escort) -> Vec<[f64; 2]> {
    let mut path: Vec<[f64; 2]> = escort.waypoints.first().map(|w| vec![[w.lon, w.lat]]).unwrap_or_default();
    for pair in escort.waypoints.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        match router.and_then(|r| r.route((a.lon, a.lat), (b.lon, b.lat))) {
            Some((_, _, leg)) => path.extend(leg),
            None => path.push([b.lon, b.lat]),
        }
        path.push([b.lon, b.lat]);
    }
    path
}

/// A deployment with fewer units in its zone than planned, at a moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Shortfall {
    pub plan: String,
    /// The deployment's index in the plan.
    pub deployment: usize,
    pub have: u32,
    pub need: u32,
}

/// The plan's deployments in their window at `now` that fall short: units counted are of the
/// deployment's kind, not off duty, with a fix newer than [`DEPLOYED_FIX_MS`] inside a zone
/// whose code is the deployment's (a zone code the index lacks counts nobody).
pub fn shortfalls(plan: &Plan, units: &[Unit], zones: &ZoneIndex, now: Millis) -> Vec<Shortfall> {
    let active: Vec<usize> = (0..plan.deployments.len())
        .filter(|d| (plan.deployments[*d].from..plan.deployments[*d].until).contains(&now))
        .collect();
    if active.is_empty() {
        return Vec::new();
    }
    let mut have = vec![0u32; plan.deployments.len()];
    for unit in units.iter().filter(|u| u.status != UnitStatus::OffDuty) {
        let Some(fix) = unit.last_fix.filter(|f| now.saturating_sub(f.time) <= DEPLOYED_FIX_MS) else { continue };
        let codes: Vec<&str> = zones.lookup(fix.lon, fix.lat).iter().map(|z| z.code.as_str()).collect();
        for &d in &active {
            let wanted = &plan.deployments[d];
            if wanted.kind == unit.kind && codes.contains(&wanted.zone.as_str()) {
                have[d] += 1;
            }
        }
    }
    active
        .into_iter()
        .filter(|d| have[*d] < plan.deployments[*d].count)
        .map(|d| Shortfall { plan: plan.id.clone(), deployment: d, have: have[d], need: plan.deployments[d].count })
        .collect()
}
