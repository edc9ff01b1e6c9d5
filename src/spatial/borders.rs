//! Which zone borders to draw, and as which level. Zone files of different levels do not
//! always agree: the 2025 Jakarta kecamatan and kota outlines are generalised to a few
//! vertices a ring and stray up to half a kilometre from the kelurahan borders they should
//! follow, so drawn as they are they cross the city as long straight false borders. When a
//! finer level subdivides a coarser zone, the coarser border is therefore drawn along the finer
//! zones' edges: each finest edge is drawn as the coarsest level whose zones differ on its two
//! sides (a kelurahan edge between two kecamatan is a kecamatan border). A coarser zone that no
//! finer zone subdivides keeps its own outline. Every drawn segment joins two consecutive
//! vertices of one ring.

use std::collections::{HashMap, HashSet};

use geo::InteriorPoint;

use super::zones::ZoneIndex;
use crate::crs::geodesy::{offset_lonlat, offset_m};
use crate::model::Zone;

/// How far either side of an edge's middle the zones on its two sides are looked up: past
/// the misfit between neighbouring zones' copies of a shared border (about 30 m in the 2025
/// kelurahan file).
const PROBE_M: f64 = 40.0;

/// One drawn piece of border: two consecutive vertices of a ring, drawn as `level`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BorderSegment {
    pub a: (f64, f64),
    pub b: (f64, f64),
    pub level: u8,
}

/// The borders of every zone in the index.
pub fn borders(index: &ZoneIndex) -> Vec<BorderSegment> {
    let zones = index.zones();
    let Some(finest) = zones.iter().map(|z| z.level).max() else { return Vec::new() };
    let mut coarser: Vec<u8> = zones.iter().map(|z| z.level).filter(|&l| l < finest).collect();
    coarser.sort_unstable();
    coarser.dedup();
    let by_code: HashMap<(u8, &str), usize> = zones
        .iter()
        .enumerate()
        .filter(|(_, z)| !z.code.is_empty())
        .map(|(i, z)| ((z.level, z.code.as_str()), i))
        .collect();
    // Only the finest zones' parents are needed: they decide every drawn level, and which
    // coarser zones are subdivided (a coarser zone is never its own parent).
    let parents: Vec<Vec<Option<usize>>> = zones
        .iter()
        .map(|z| {
            let wanted = if z.level == finest { coarser.as_slice() } else { &[] };
            wanted.iter().map(|&level| parent(index, &by_code, z, level)).collect()
        })
        .collect();
    let subdivided: HashSet<usize> = parents.iter().flatten().flatten().copied().collect();
    let mut out = Vec::new();
    for (i, zone) in zones.iter().enumerate() {
        if zone.level == finest {
            for (a, b) in segments(zone) {
                let level = match across(index, i, a, b, finest) {
                    Across::Zone(other) => {
                        let differs = (0..coarser.len()).find(|&k| parents[i][k] != parents[other][k]);
                        differs.map_or(finest, |k| coarser[k])
                    }
                    Across::Nothing => coarser.first().copied().unwrap_or(finest),
                    Across::Same => finest,
                };
                out.push(BorderSegment { a, b, level });
            }
        } else if !subdivided.contains(&i) {
            out.extend(segments(zone).map(|(a, b)| BorderSegment { a, b, level: zone.level }));
        }
    }
    out
}

/// The zone of `level` a finer zone lies in: by code when the codes nest (`31.71.01` holds
/// `31.71.01.1001`: each prefix ending before a `.` is looked up), else the one holding the
/// zone's interior point.
fn parent(index: &ZoneIndex, by_code: &HashMap<(u8, &str), usize>, zone: &Zone, level: u8) -> Option<usize> {
    let prefixes = zone.code.match_indices('.').map(|(at, _)| &zone.code[..at]);
    if let Some(&i) = prefixes.filter_map(|prefix| by_code.get(&(level, prefix))).next() {
        return Some(i);
    }
    let point = zone.polygon.interior_point()?;
    let slots = index.lookup_slots(point.x(), point.y());
    slots.into_iter().map(|s| s as usize).find(|&s| index.zones()[s].level == level)
}

/// Consecutive vertices of every ring of a zone.
fn segments(zone: &Zone) -> impl Iterator<Item = ((f64, f64), (f64, f64))> + '_ {
    zone.polygon
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.0.windows(2).map(|w| ((w[0].x, w[0].y), (w[1].x, w[1].y))))
}

/// What lies across an edge of zone `this`.
enum Across {
    /// Another zone of the finest level (its position in the index).
    Zone(usize),
    /// No zone of the finest level: the edge of the covered area.
    Nothing,
    /// This zone on both sides (a sliver, or an edge too short to tell).
    Same,
}

fn across(index: &ZoneIndex, this: usize, a: (f64, f64), b: (f64, f64), finest: u8) -> Across {
    let middle = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    let (east, north) = offset_m(a.0, a.1, b.0, b.1);
    let length = east.hypot(north);
    if length == 0.0 {
        return Across::Same;
    }
    let (east, north) = (-north / length * PROBE_M, east / length * PROBE_M);
    let mut sides = [1.0, -1.0].into_iter().map(|side| {
        let (lon, lat) = offset_lonlat(middle.0, middle.1, east * side, north * side);
        let slots = index.lookup_slots(lon, lat);
        slots.into_iter().map(|s| s as usize).find(|&s| index.zones()[s].level == finest)
    });
    let (left, right) = (sides.next().flatten(), sides.next().flatten());
    match (left, right) {
        (Some(l), _) if l != this => Across::Zone(l),
        (_, Some(r)) if r != this => Across::Zone(r),
        (Some(_), Some(_)) => Across::Same,
        _ => Across::Nothing,
    }
}
