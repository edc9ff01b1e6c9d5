//! Response-time reports: for the calls that rang and the incidents received in a period,
//! grouped by Polres, by zone or by shift, how fast calls were answered (and the share within
//! the 10-second target), how often they climbed a tier, the share not genuine, and how fast
//! incidents were classified, dispatched, reached and cleared (and the share on scene within
//! 10 minutes). Medians and 90th percentiles, in seconds.

use std::collections::BTreeMap;

use chrono::Timelike;
use serde::Serialize;

use super::Places;
use crate::model::calls::ANSWER_TARGET_MS;
use crate::model::incidents::Milestone;
use crate::model::{Call, Classification, Incident, Millis, WIB_MS};
use crate::world::service_levels::ON_SCENE_TARGET_MS;
use crate::world::World;

/// What the rows are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupBy {
    /// The Polres answering the call (or above it, the node itself) and the Polres an
    /// incident was handed to.
    Polres,
    /// The finest zone holding the caller's location or the incident's place.
    Zone,
    /// The shift (WIB): pagi 06-14, siang 14-22, malam 22-06.
    Shift,
}

/// One row of a report.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Row {
    pub group: String,
    pub calls: usize,
    pub answered: usize,
    pub answer_p50_s: Option<f64>,
    pub answer_p90_s: Option<f64>,
    /// Calls answered within 10 s, of the calls that rang.
    pub answered_within_target: Option<f64>,
    pub escalations: usize,
    pub classified: usize,
    /// Prank, silent and hang-up calls, of those classified.
    pub not_genuine: Option<f64>,
    pub classify_p50_s: Option<f64>,
    pub incidents: usize,
    pub dispatch_p50_s: Option<f64>,
    pub travel_p50_s: Option<f64>,
    pub travel_p90_s: Option<f64>,
    pub on_scene_p50_s: Option<f64>,
    /// From received to the first unit on scene.
    pub response_p50_s: Option<f64>,
    pub response_p90_s: Option<f64>,
    /// Incidents with a unit on scene within 10 minutes, of those received.
    pub on_scene_within_target: Option<f64>,
}

/// The durations gathered for one group, before they are summed up.
#[derive(Default)]
struct Gathered {
    calls: usize,
    answer_ms: Vec<Millis>,
    in_target: usize,
    escalations: usize,
    classified: usize,
    not_genuine: usize,
    classify_ms: Vec<Millis>,
    incidents: usize,
    dispatch_ms: Vec<Millis>,
    travel_ms: Vec<Millis>,
    on_scene_ms: Vec<Millis>,
    response_ms: Vec<Millis>,
    response_in_target: usize,
}

/// The report over calls that rang and incidents received in `[from, to)`, one row per group
/// in order, and a last row `all`.
pub fn report(world: &World, places: &Places, by: GroupBy, from: Millis, to: Millis) -> Vec<Row> {
    let mut groups: BTreeMap<String, Gathered> = BTreeMap::new();
    let mut all = Gathered::default();
    for call in world.calls().iter().filter(|c| (from..to).contains(&c.rang_at)) {
        let key = match by {
            GroupBy::Polres => places.polres(answered_node(call)),
            GroupBy::Zone => places.zone(call.location.as_ref().map(|l| (l.lon, l.lat))),
            GroupBy::Shift => shift(call.rang_at),
        };
        gather_call(groups.entry(key).or_default(), call);
        gather_call(&mut all, call);
    }
    for incident in world.incidents() {
        let Some(received) = incident.reached(Milestone::Received).filter(|t| (from..to).contains(t)) else {
            continue;
        };
        let key = match by {
            GroupBy::Polres => places.polres(incident.node.as_deref()),
            GroupBy::Zone => places.zone(incident.lon.zip(incident.lat)),
            GroupBy::Shift => shift(received),
        };
        gather_incident(groups.entry(key).or_default(), incident, received);
        gather_incident(&mut all, incident, received);
    }
    let mut rows: Vec<Row> = groups.into_iter().map(|(group, g)| row(group, g)).collect();
    rows.push(row("all".into(), all));
    rows
}

/// The node that answered a call (the last it rang at before the answer), else the last it
/// rang at.
fn answered_node(call: &Call) -> Option<&str> {
    let answered = call.answered_at.unwrap_or(Millis::MAX);
    call.rings.iter().rev().find(|r| r.since <= answered).map(|r| r.node.as_str())
}

fn gather_call(g: &mut Gathered, call: &Call) {
    g.calls += 1;
    if let Some(at) = call.answered_at {
        let wait = at.saturating_sub(call.rang_at);
        g.answer_ms.push(wait);
        g.in_target += usize::from(wait <= ANSWER_TARGET_MS);
    }
    g.escalations += call.rings.windows(2).filter(|w| w[1].tier < w[0].tier).count();
    if let Some(verdict) = &call.verdict {
        g.classified += 1;
        let not_genuine =
            matches!(verdict.class, Classification::Prank | Classification::Silent | Classification::Hangup);
        g.not_genuine += usize::from(not_genuine);
        if let Some(at) = call.answered_at {
            g.classify_ms.push(verdict.time.saturating_sub(at));
        }
    }
}

fn gather_incident(g: &mut Gathered, incident: &Incident, received: Millis) {
    g.incidents += 1;
    let at = |m| incident.reached(m);
    let span = |a: Option<Millis>, b: Option<Millis>| Some(b?.saturating_sub(a?));
    let dispatched = at(Milestone::Dispatched);
    let on_scene = at(Milestone::OnScene);
    g.dispatch_ms.extend(span(Some(received), dispatched));
    g.travel_ms.extend(span(dispatched, on_scene));
    g.on_scene_ms.extend(span(on_scene, at(Milestone::Cleared)));
    if let Some(response) = span(Some(received), on_scene) {
        g.response_ms.push(response);
        g.response_in_target += usize::from(response <= ON_SCENE_TARGET_MS);
    }
}

fn row(group: String, mut g: Gathered) -> Row {
    let share = |part: usize, of: usize| (of > 0).then(|| part as f64 / of as f64);
    Row {
        group,
        calls: g.calls,
        answered: g.answer_ms.len(),
        answer_p50_s: percentile_s(&mut g.answer_ms, 0.5),
        answer_p90_s: percentile_s(&mut g.answer_ms, 0.9),
        answered_within_target: share(g.in_target, g.calls),
        escalations: g.escalations,
        classified: g.classified,
        not_genuine: share(g.not_genuine, g.classified),
        classify_p50_s: percentile_s(&mut g.classify_ms, 0.5),
        incidents: g.incidents,
        dispatch_p50_s: percentile_s(&mut g.dispatch_ms, 0.5),
        travel_p50_s: percentile_s(&mut g.travel_ms, 0.5),
        travel_p90_s: percentile_s(&mut g.travel_ms, 0.9),
        on_scene_p50_s: percentile_s(&mut g.on_scene_ms, 0.5),
        response_p50_s: percentile_s(&mut g.response_ms, 0.5),
        response_p90_s: percentile_s(&mut g.response_ms, 0.9),
        on_scene_within_target: share(g.response_in_target, g.incidents),
    }
}

/// The `q` quantile (nearest rank) in seconds; none of nothing.
pub fn percentile_s(values: &mut [Millis], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    Some(values[rank - 1] as f64 / 1000.0)
}

/// The shift a moment falls in (WIB).
pub fn shift(time: Millis) -> String {
    let hour = chrono::DateTime::from_timestamp_millis(time.saturating_add(WIB_MS)).unwrap_or_default().hour();
    match hour {
        6..14 => "pagi 06-14",
        14..22 => "siang 14-22",
        _ => "malam 22-06",
    }
    .to_string()
}

/// The report as CSV: a header and one line per row (empty cells where there is nothing).
pub fn to_csv(rows: &[Row]) -> String {
    let mut out = String::from(
        "group,calls,answered,answer_p50_s,answer_p90_s,answered_within_10s,escalations,classified,not_genuine,\
         classify_p50_s,incidents,dispatch_p50_s,travel_p50_s,travel_p90_s,on_scene_p50_s,response_p50_s,\
         response_p90_s,on_scene_within_10min\n",
    );
    let cell = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.3}"));
    for r in rows {
        let group = if r.group.contains([',', '"']) {
            format!("\"{}\"", r.group.replace('"', "\"\""))
        } else {
            r.group.clone()
        };
        let line = [
            group,
            r.calls.to_string(),
            r.answered.to_string(),
            cell(r.answer_p50_s),
            cell(r.answer_p90_s),
            cell(r.answered_within_target),
            r.escalations.to_string(),
            r.classified.to_string(),
            cell(r.not_genuine),
            cell(r.classify_p50_s),
            r.incidents.to_string(),
            cell(r.dispatch_p50_s),
            cell(r.travel_p50_s),
            cell(r.travel_p90_s),
            cell(r.on_scene_p50_s),
            cell(r.response_p50_s),
            cell(r.response_p90_s),
            cell(r.on_scene_within_target),
        ];
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// A report by zone as GeoJSON: each zone's row on its polygon (rows of no zone, such as calls
/// without a place, carry no geometry; the `all` row is left out).
pub fn to_geojson(rows: &[Row], places: &Places) -> geojson::FeatureCollection {
    let features = rows
        .iter()
        .filter(|r| r.group != "all")
        .map(|row| {
            let geometry =
                places.finest_zone(&row.group).map(|zone| geojson::Geometry::new(geojson::Value::from(&zone.polygon)));
            let properties = serde_json::to_value(row).ok().and_then(|v| v.as_object().cloned());
            geojson::Feature { geometry, properties, ..geojson::Feature::default() }
        })
        .collect();
    geojson::FeatureCollection { features, bbox: None, foreign_members: None }
}

/// What the report's charts draw, for the calls and incidents of `[from, to)`: every answer
/// time and every response time (call to first unit on scene), in seconds, and the calls
/// that rang in each hour.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub answer_s: Vec<f64>,
    pub response_s: Vec<f64>,
    /// (the hour's start, calls), oldest first, every hour of the period that had a call.
    pub calls_per_hour: Vec<(Millis, usize)>,
}

pub fn series(world: &World, from: Millis, to: Millis) -> Series {
    let mut out = Series::default();
    let mut hours: BTreeMap<Millis, usize> = BTreeMap::new();
    for call in world.calls().iter().filter(|c| (from..to).contains(&c.rang_at)) {
        if let Some(at) = call.answered_at {
            out.answer_s.push(at.saturating_sub(call.rang_at) as f64 / 1000.0);
        }
        *hours.entry(call.rang_at.div_euclid(3_600_000) * 3_600_000).or_default() += 1;
    }
    for incident in world.incidents() {
        let received = incident.reached(Milestone::Received).filter(|t| (from..to).contains(t));
        if let (Some(received), Some(on_scene)) = (received, incident.reached(Milestone::OnScene)) {
            out.response_s.push(on_scene.saturating_sub(received) as f64 / 1000.0);
        }
    }
    out.calls_per_hour = hours.into_iter().collect();
    out
}

/// How many of `values` fall in each bin of `width` from 0 (the last bin takes everything
/// above), as (bin start, count).
pub fn histogram(values: &[f64], width: f64, bins: usize) -> Vec<(f64, usize)> {
    let mut counts = vec![0; bins.max(1)];
    for v in values {
        let bin = ((v / width).floor().max(0.0) as usize).min(counts.len() - 1);
        counts[bin] += 1;
    }
    counts.into_iter().enumerate().map(|(i, n)| (i as f64 * width, n)).collect()
}
