//! Zone topology: whether a set of zones (rayonisasi) can be trusted to answer "which zone is
//! this point in" with exactly one zone per level. Three kinds of problem, each with the zone
//! codes and a place to look:
//! - an **invalid ring**: too few points, a non-finite coordinate, a ring that crosses or
//!   touches itself (at the crossing), or rings of one zone that cut each other;
//! - an **overlap**: two zones of one level sharing area;
//! - a **gap**: ground inside a coarser zone (the parent) that no zone of the next level
//!   covers, or a hole enclosed by the zones of one level that none of them holds.
//!
//! Slivers are digitising noise along shared borders (two neighbours' copies of one border a
//! metre apart) and are not reported: pieces under [`SLIVER_M2`], or thinner on average than
//! [`SLIVER_WIDTH_M`] (twice the area over the perimeter, the width of a long strip).

use std::collections::BTreeSet;

use geo::algorithm::orient::{Direction, Orient};
use geo::algorithm::sweep::Intersections;
use geo::algorithm::Validation;
use geo::{
    BooleanOps, BoundingRect, ChamberlainDuquetteArea, Coord, Haversine, InteriorPoint, Length, Line, LineString,
    Polygon, Rect,
};
use serde::Serialize;

use crate::model::Zone;

/// Overlaps and gaps smaller than this many square metres are not reported.
pub const SLIVER_M2: f64 = 50.0;
/// Nor those thinner on average than this many metres.
pub const SLIVER_WIDTH_M: f64 = 5.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    InvalidRing,
    Overlap,
    Gap,
}

/// One problem, where to look and what it is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    /// The zones concerned: the invalid one, the two that overlap, or the parent and the
    /// zones around a gap.
    pub zones: Vec<String>,
    pub lon: f64,
    pub lat: f64,
    /// The area of an overlap or gap.
    pub area_m2: Option<f64>,
    pub detail: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            ProblemKind::InvalidRing => "invalid ring",
            ProblemKind::Overlap => "overlap",
            ProblemKind::Gap => "gap",
        };
        write!(f, "{kind}: {} at {:.6},{:.6}: {}", self.zones.join(" / "), self.lon, self.lat, self.detail)
    }
}

/// Every problem in a set of zones (all levels together), invalid rings first.
pub fn check(zones: &[Zone]) -> Vec<Problem> {
    let mut problems: Vec<Problem> = zones.iter().flat_map(invalid_rings).collect();
    // Files wind their rings either way; the unions and differences want one way.
    let oriented: Vec<Zone> = zones
        .iter()
        .filter(|z| !problems.iter().any(|p| p.kind == ProblemKind::InvalidRing && p.zones[0] == z.code))
        .map(|z| Zone { polygon: z.polygon.orient(Direction::Default), ..z.clone() })
        .collect();
    let valid: Vec<&Zone> = oriented.iter().collect();
    let levels: BTreeSet<u8> = valid.iter().map(|z| z.level).collect();
    for &level in &levels {
        let of_level: Vec<&Zone> = valid.iter().copied().filter(|z| z.level == level).collect();
        problems.extend(overlaps(&of_level));
        let parent_level = levels.range(..level).next_back();
        match parent_level {
            Some(&parent) => {
                let parents: Vec<&Zone> = valid.iter().copied().filter(|z| z.level == parent).collect();
                problems.extend(gaps_in_parents(&parents, &of_level));
            }
            None => problems.extend(enclosed_gaps(&of_level)),
        }
    }
    problems
}

/// The broken rings of some zones, alone (no overlaps or gaps).
pub fn check_rings(zones: &[Zone]) -> Vec<Problem> {
    zones.iter().flat_map(invalid_rings).collect()
}

/// A zone's broken rings, each at the place it breaks.
fn invalid_rings(zone: &Zone) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut say = |at: Coord<f64>, detail: String| {
        problems.push(Problem {
            kind: ProblemKind::InvalidRing,
            zones: vec![zone.code.clone()],
            lon: at.x,
            lat: at.y,
            area_m2: None,
            detail,
        });
    };
    for (p, polygon) in zone.polygon.iter().enumerate() {
        let rings = std::iter::once(polygon.exterior()).chain(polygon.interiors());
        let mut ring_broken = false;
        for (r, ring) in rings.enumerate() {
            let name = if r == 0 { format!("polygon {p}'s outer ring") } else { format!("polygon {p}'s hole {r}") };
            let first = ring.0.first().copied().unwrap_or(Coord { x: f64::NAN, y: f64::NAN });
            if let Some(c) = ring.0.iter().find(|c| !c.x.is_finite() || !c.y.is_finite()) {
                say(first, format!("{name} has a coordinate that is not a number ({}, {})", c.x, c.y));
                ring_broken = true;
                continue;
            }
            let distinct: BTreeSet<(u64, u64)> = ring.0.iter().map(|c| (c.x.to_bits(), c.y.to_bits())).collect();
            if distinct.len() < 3 {
                say(first, format!("{name} has {} distinct points; a ring needs 3", distinct.len()));
                ring_broken = true;
                continue;
            }
            if let Some(at) = self_crossing(ring) {
                say(at, format!("{name} crosses or touches itself"));
                ring_broken = true;
            }
        }
        if ring_broken {
            continue;
        }
        for error in polygon.validation_errors() {
            let at = polygon.interior_point().map_or_else(|| polygon.exterior().0[0], |p| p.0);
            say(at, format!("polygon {p}: {error}"));
        }
    }
    problems
}

/// Where a ring first crosses or touches itself away from its own corners.
fn self_crossing(ring: &LineString<f64>) -> Option<Coord<f64>> {
    // A point repeated (common in exported files) is one corner, not a segment of its own.
    let mut points = ring.0.clone();
    points.dedup();
    let ring = LineString::new(points);
    let lines: Vec<(usize, Line<f64>)> = ring.lines().enumerate().collect();
    let count = ring.0.len().saturating_sub(1);
    let neighbours = |a: usize, b: usize| a.abs_diff(b) == 1 || a.abs_diff(b) + 1 == count;
    let segments: Vec<IndexedLine> = lines.into_iter().map(|(i, line)| IndexedLine { i, line }).collect();
    Intersections::from_iter(segments.iter()).find_map(|(a, b, hit)| {
        let at = match hit {
            geo::LineIntersection::SinglePoint { intersection, .. } => intersection,
            geo::LineIntersection::Collinear { intersection } => intersection.start,
        };
        let shared_corner = neighbours(a.i, b.i) && matches!(hit, geo::LineIntersection::SinglePoint { .. });
        (!shared_corner).then_some(at)
    })
}

/// A ring's segment with its position, for the crossing sweep.
#[derive(Clone, Copy, Debug)]
struct IndexedLine {
    i: usize,
    line: Line<f64>,
}

impl geo::algorithm::sweep::Cross for IndexedLine {
    type Scalar = f64;
    fn line(&self) -> Line<f64> {
        self.line
    }
}

/// Pairs of zones of one level that share more than a sliver of area.
fn overlaps(zones: &[&Zone]) -> Vec<Problem> {
    let boxes: Vec<Option<Rect<f64>>> = zones.iter().map(|z| z.polygon.bounding_rect()).collect();
    let mut problems = Vec::new();
    for i in 0..zones.len() {
        for j in i + 1..zones.len() {
            let (Some(a), Some(b)) = (boxes[i], boxes[j]) else { continue };
            if !boxes_meet(a, b) {
                continue;
            }
            let shared = zones[i].polygon.intersection(&zones[j].polygon);
            for part in shared.iter().filter(|p| !is_sliver(p)) {
                let area = area_m2(part);
                let Some(at) = part.interior_point() else { continue };
                let (first, second) = (&zones[i].code, &zones[j].code);
                problems.push(Problem {
                    kind: ProblemKind::Overlap,
                    zones: vec![first.clone(), second.clone()],
                    lon: at.x(),
                    lat: at.y(),
                    area_m2: Some(area.round()),
                    detail: format!("{first} and {second} both hold {area:.0} m²"),
                });
            }
        }
    }
    problems
}

/// Ground inside each parent that none of the finer zones inside it covers.
fn gaps_in_parents(parents: &[&Zone], children: &[&Zone]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for parent in parents {
        let Some(parent_box) = parent.polygon.bounding_rect() else { continue };
        let inside: Vec<&Zone> = children
            .iter()
            .copied()
            .filter(|c| c.polygon.bounding_rect().is_some_and(|b| boxes_meet(b, parent_box)))
            .collect();
        let covered = geo::unary_union(inside.iter().map(|z| &z.polygon));
        let left = parent.polygon.difference(&covered);
        for part in left.iter().filter(|p| !is_sliver(p)) {
            problems.push(gap(part, &inside, Some(parent)));
        }
    }
    problems
}

/// Holes enclosed by the zones of one level that no zone holds (the outer edge of the whole
/// set is its border, not a gap).
fn enclosed_gaps(zones: &[&Zone]) -> Vec<Problem> {
    let union = geo::unary_union(zones.iter().map(|z| &z.polygon));
    union
        .iter()
        .flat_map(|p| p.interiors().iter().map(|hole| Polygon::new(hole.clone(), Vec::new())))
        .filter(|hole| !is_sliver(hole))
        .map(|hole| gap(&hole, zones, None))
        .collect()
}

fn gap(part: &Polygon<f64>, around: &[&Zone], parent: Option<&Zone>) -> Problem {
    let area = area_m2(part);
    let at = part.interior_point().map_or_else(|| part.exterior().0[0], |p| p.0);
    let part_box = part.bounding_rect();
    let mut zones: Vec<String> = parent.map(|p| p.code.clone()).into_iter().collect();
    zones.extend(
        around
            .iter()
            .filter(|z| z.polygon.bounding_rect().zip(part_box).is_some_and(|(a, b)| boxes_meet(a, b)))
            .map(|z| z.code.clone())
            .take(6),
    );
    let detail = match parent {
        Some(p) => format!("{area:.0} m² of {} is in no zone of the level below", p.code),
        None => format!("{area:.0} m² enclosed by zones is in none of them"),
    };
    Problem { kind: ProblemKind::Gap, zones, lon: at.x, lat: at.y, area_m2: Some(area.round()), detail }
}

fn boxes_meet(a: Rect<f64>, b: Rect<f64>) -> bool {
    a.min().x <= b.max().x && b.min().x <= a.max().x && a.min().y <= b.max().y && b.min().y <= a.max().y
}

/// Too small or too thin to be more than two copies of one border.
pub fn is_sliver(polygon: &Polygon<f64>) -> bool {
    let area = area_m2(polygon);
    let perimeter = Haversine.length(polygon.exterior());
    area < SLIVER_M2 || 2.0 * area / perimeter.max(f64::MIN_POSITIVE) < SLIVER_WIDTH_M
}

fn area_m2(polygon: &Polygon<f64>) -> f64 {
    polygon.chamberlain_duquette_unsigned_area()
}
