//! The zone editor's geometry, on zones as plain data (the editor keeps a working copy; the
//! hub checks a commander's edit with the same functions): corners snapped to neighbouring
//! zones' corners and edges or to the roads; a corner moved, added or taken away in every zone
//! that shares it, so a shared border stays shared; a zone split by a drawn part, two merged,
//! a new one drawn into a gap and cut to its parent; and the topology checked around an edit,
//! so only the problems an edit brings are held against it.

use geo::{
    BooleanOps, BoundingRect, Closest, ClosestPoint, Coord, Distance, Haversine, Intersects, LineString, MultiPolygon,
    Point, Polygon, Rect,
};

use super::topology::{self, Problem, ProblemKind};
use crate::model::Zone;

/// What a corner was snapped to.
#[derive(Clone, Debug, PartialEq)]
pub enum Snapped {
    /// A corner of the zone named.
    Corner(String),
    /// An edge of the zone named.
    Edge(String),
    /// A road junction or bend.
    Road,
    /// Nothing near: where it was put.
    Free,
}

/// Where a corner put at `at` goes: onto the nearest corner of a zone within `tolerance_m`,
/// else onto the nearest zone edge within it, else onto the road point `road` (the caller's
/// nearest) within it, else where it was put. Zones named in `skip` (the one being drawn) are
/// not snapped to.
pub fn snap(
    at: (f64, f64),
    zones: &[Zone],
    skip: &[&str],
    road: Option<(f64, f64)>,
    tolerance_m: f64,
) -> ((f64, f64), Snapped) {
    let here = Point::new(at.0, at.1);
    let metres = |p: Point<f64>| Haversine.distance(here, p);
    let others = || zones.iter().filter(|z| !skip.contains(&z.code.as_str()));
    if let Some((c, code)) = nearest_corner(others(), at, tolerance_m) {
        return (c, Snapped::Corner(code.to_string()));
    }
    let edge = others()
        .filter_map(|z| match z.polygon.closest_point(&here) {
            Closest::Intersection(p) | Closest::SinglePoint(p) => Some((metres(p), p, &z.code)),
            Closest::Indeterminate => None,
        })
        .filter(|(d, _, _)| *d <= tolerance_m)
        .min_by(|a, b| a.0.total_cmp(&b.0));
    // A point inside a zone is its own closest point; only one on the border snaps.
    if let Some((_, p, code)) = edge.filter(|(_, p, _)| p != &here) {
        return ((p.x(), p.y()), Snapped::Edge(code.clone()));
    }
    match road {
        Some(r) if metres(Point::new(r.0, r.1)) <= tolerance_m => (r, Snapped::Road),
        _ => (at, Snapped::Free),
    }
}

/// The zone corner nearest `at` within `tolerance_m`, with its zone's code.
pub fn nearest_corner<'a>(
    zones: impl Iterator<Item = &'a Zone>,
    at: (f64, f64),
    tolerance_m: f64,
) -> Option<((f64, f64), &'a str)> {
    let here = Point::new(at.0, at.1);
    zones
        .flat_map(|z| rings(&z.polygon).flat_map(|r| r.0.iter()).map(move |c| (c, z.code.as_str())))
        .map(|(c, code)| (Haversine.distance(here, Point(*c)), (c.x, c.y), code))
        .filter(|(d, _, _)| *d <= tolerance_m)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c, code)| (c, code))
}

/// Every ring of a shape, outer ones and holes.
pub fn rings(polygon: &MultiPolygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    polygon.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

fn same(a: Coord<f64>, b: Coord<f64>) -> bool {
    a.x.to_bits() == b.x.to_bits() && a.y.to_bits() == b.y.to_bits()
}

/// Rewrites every ring of a zone with `f`; the zone if anything changed.
fn rewrite(zone: &Zone, f: &impl Fn(&[Coord<f64>]) -> Option<Vec<Coord<f64>>>) -> Option<Zone> {
    let mut changed = false;
    let mut ring = |r: &LineString<f64>| match f(&r.0) {
        Some(points) => {
            changed = true;
            LineString::new(points)
        }
        None => r.clone(),
    };
    let polygons: Vec<Polygon<f64>> = zone
        .polygon
        .iter()
        .map(|p| {
            let exterior = ring(p.exterior());
            let interiors = p.interiors().iter().map(&mut ring).collect();
            Polygon::new(exterior, interiors)
        })
        .collect();
    changed.then(|| Zone { polygon: MultiPolygon(polygons), ..zone.clone() })
}

/// Moves the corner at `from` to `to` in every zone that has it; the zones changed.
pub fn move_corner(zones: &[Zone], from: (f64, f64), to: (f64, f64)) -> Vec<Zone> {
    let (from, to) = (Coord { x: from.0, y: from.1 }, Coord { x: to.0, y: to.1 });
    let f = |points: &[Coord<f64>]| {
        points
            .iter()
            .any(|c| same(*c, from))
            .then(|| points.iter().map(|c| if same(*c, from) { to } else { *c }).collect())
    };
    zones.iter().filter_map(|z| rewrite(z, &f)).collect()
}

/// Adds a corner on the zone edge nearest `at` (within `tolerance_m`), in every zone that has
/// that edge, so the border stays shared; the zones changed and where the corner went.
pub fn add_corner(zones: &[Zone], at: (f64, f64), tolerance_m: f64) -> Option<(Vec<Zone>, (f64, f64))> {
    let here = Point::new(at.0, at.1);
    let (_, edge, on) = zones
        .iter()
        .flat_map(|z| rings(&z.polygon).flat_map(|r| r.lines()))
        .filter_map(|line| match line.closest_point(&here) {
            Closest::SinglePoint(p) | Closest::Intersection(p) => Some((Haversine.distance(here, p), line, p)),
            Closest::Indeterminate => None,
        })
        .filter(|(d, _, _)| *d <= tolerance_m)
        .min_by(|a, b| a.0.total_cmp(&b.0))?;
    let point = on.0;
    if same(point, edge.start) || same(point, edge.end) {
        return None;
    }
    let f = |points: &[Coord<f64>]| {
        let at = points.windows(2).position(|w| {
            (same(w[0], edge.start) && same(w[1], edge.end)) || (same(w[0], edge.end) && same(w[1], edge.start))
        })?;
        let mut out = points.to_vec();
        out.insert(at + 1, point);
        Some(out)
    };
    Some((zones.iter().filter_map(|z| rewrite(z, &f)).collect(), (point.x, point.y)))
}

/// Takes the corner at `at` out of every zone that has it (a ring keeps at least three
/// corners); the zones changed, or why not.
pub fn remove_corner(zones: &[Zone], at: (f64, f64)) -> Result<Vec<Zone>, String> {
    let at = Coord { x: at.0, y: at.1 };
    let too_few = zones.iter().any(|z| rings(&z.polygon).any(|r| r.0.iter().any(|c| same(*c, at)) && r.0.len() <= 4));
    if too_few {
        return Err("a ring keeps at least three corners".into());
    }
    let f = |points: &[Coord<f64>]| {
        if !points.iter().any(|c| same(*c, at)) {
            return None;
        }
        let mut kept: Vec<Coord<f64>> = points.iter().copied().filter(|c| !same(*c, at)).collect();
        // The ring's first corner was the one taken: close it on the new first corner.
        if kept.first() != kept.last() {
            kept.push(kept[0]);
        }
        Some(kept)
    };
    Ok(zones.iter().filter_map(|z| rewrite(z, &f)).collect())
}

/// Splits `zone` by a drawn part: the part inside the zone becomes a new zone `code` (named
/// `name`, covered by the same node), the rest stays the zone. Both must be left with ground.
pub fn split(zone: &Zone, part: &Polygon<f64>, code: &str, name: &str) -> Result<(Zone, Zone), String> {
    let part = MultiPolygon(vec![part.clone()]);
    let cut = zone.polygon.intersection(&part);
    let rest = zone.polygon.difference(&part);
    if cut.0.is_empty() || rest.0.is_empty() {
        return Err(format!("the part drawn does not cut zone {} in two", zone.code));
    }
    let mut properties = zone.properties.clone();
    properties.insert("kode".into(), code.into());
    properties.insert("nama".into(), name.into());
    let new = Zone { id: code.into(), code: code.into(), name: name.into(), polygon: cut, properties, ..zone.clone() };
    Ok((Zone { polygon: rest, ..zone.clone() }, new))
}

/// Merges zone `b` into zone `a` (same level, sharing a border): `a` takes both grounds.
pub fn merge(a: &Zone, b: &Zone) -> Result<Zone, String> {
    if a.level != b.level {
        return Err(format!("zones {} and {} are of different levels ({} and {})", a.code, b.code, a.level, b.level));
    }
    if !a.polygon.intersects(&b.polygon) {
        return Err(format!("zones {} and {} share no border", a.code, b.code));
    }
    Ok(Zone { polygon: a.polygon.union(&b.polygon), ..a.clone() })
}

/// A new zone's ground from the polygon drawn: what of it lies in `parent` (if any) and in no
/// other zone of its level (`siblings`), so a zone drawn over a gap fills just the gap.
pub fn fill(drawn: &Polygon<f64>, parent: Option<&Zone>, siblings: &[&Zone]) -> MultiPolygon<f64> {
    let mut ground = MultiPolygon(vec![drawn.clone()]);
    if let Some(parent) = parent {
        ground = ground.intersection(&parent.polygon);
    }
    for sibling in siblings {
        if sibling.polygon.intersects(&ground) {
            ground = ground.difference(&sibling.polygon);
        }
    }
    ground
}

/// A place where `shape` reaches outside `ground` by more than a sliver (none: it lies within).
pub fn outside(shape: &MultiPolygon<f64>, ground: &MultiPolygon<f64>) -> Option<(f64, f64)> {
    let beyond = shape.difference(ground);
    let part = beyond.iter().find(|p| !topology::is_sliver(p))?;
    let at = geo::InteriorPoint::interior_point(part).map_or_else(|| part.exterior().0[0], |p| p.0);
    Some((at.x, at.y))
}

/// The problems around the zones `touched` (their boxes before and after, widened by a
/// fifth): every zone there cut to that box and checked, so the check costs what the
/// neighbourhood costs, not the whole city.
pub fn problems_around(zones: &[Zone], around: Rect<f64>) -> Vec<Problem> {
    let clip = MultiPolygon(vec![around.to_polygon()]);
    let near: Vec<Zone> = zones
        .iter()
        .filter(|z| z.polygon.bounding_rect().is_some_and(|b| b.intersects(&around)))
        .map(|z| Zone { polygon: z.polygon.intersection(&clip), ..z.clone() })
        .filter(|z| !z.polygon.0.is_empty())
        .collect();
    topology::check(&near)
}

/// The problems an edit brings: invalid rings of the zones it puts, and the overlaps and gaps
/// around it that were not there before: an overlap of other zones, or a gap of another size
/// (a gap keeps its size but not its list of neighbours when a zone beside it is split).
pub fn new_problems(before: &[Zone], after: &[Zone], touched: &[&str]) -> Vec<Problem> {
    let Some(around) = area_of(before, after, touched) else { return Vec::new() };
    let drawn: Vec<Zone> = after.iter().filter(|z| touched.contains(&z.code.as_str())).cloned().collect();
    let invalid = topology::check_rings(&drawn);
    if !invalid.is_empty() {
        return invalid;
    }
    let had = problems_around(before, around);
    problems_around(after, around).into_iter().filter(|p| !had.iter().any(|old| same_problem(old, p))).collect()
}

/// Whether two problems are one: of a kind, an overlap between the same zones, a gap of the
/// same size (to half a percent).
fn same_problem(a: &Problem, b: &Problem) -> bool {
    let zones = |p: &Problem| {
        let mut zones = p.zones.clone();
        zones.sort();
        zones
    };
    let same_size = match (a.area_m2, b.area_m2) {
        (Some(x), Some(y)) => (x - y).abs() <= 1.0 + x.abs() * 0.005,
        _ => true,
    };
    a.kind == b.kind && same_size && (a.kind == ProblemKind::Gap || zones(a) == zones(b))
}

/// The box of the touched zones before and after, widened by a fifth on every side.
pub fn area_of(before: &[Zone], after: &[Zone], touched: &[&str]) -> Option<Rect<f64>> {
    let boxes = before
        .iter()
        .chain(after)
        .filter(|z| touched.contains(&z.code.as_str()))
        .filter_map(|z| z.polygon.bounding_rect());
    let all = boxes.reduce(|a, b| {
        Rect::new(
            Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    })?;
    let (dx, dy) = (all.width() / 5.0 + 1e-4, all.height() / 5.0 + 1e-4);
    Some(Rect::new(
        Coord { x: all.min().x - dx, y: all.min().y - dy },
        Coord { x: all.max().x + dx, y: all.max().y + dy },
    ))
}
