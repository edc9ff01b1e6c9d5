//! Units gathered where their markers would pile up: below the live layers' `CLUSTER_ZOOM` the
//! map draws no unit markers and this draws every unit here instead, nearby ones as one cluster
//! (a disc with the count, ringed in status colours, and a chip per status with its count;
//! units whose fix is stale counted apart, in grey, as the map greys their markers); closer in,
//! where the markers are drawn, units within a few points of each other (a station's) get a
//! badge with their count.

use eframe::egui::{self, Align2, Color32, FontId, Pos2, Rect, Shape, Stroke, Vec2};

use super::look::{colour, translucent};
use crate::model::UnitStatus;
use crate::render::style::Palette;

/// Markers closer than this (points) join one cluster at low zoom.
pub const CLUSTER_RADIUS: f32 = 28.0;
/// Markers closer than this (points) are one pile closer in.
pub const PILE_RADIUS: f32 = 16.0;

/// A unit's marker on screen; `stale` when its last fix is too old to trust its status.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placed {
    pub slot: u32,
    pub at: Pos2,
    pub status: UnitStatus,
    pub stale: bool,
}

/// Units drawn as one: where (the members' mean), who, how many with a fresh fix in each
/// status (in the order of [`UnitStatus::ALL`]), and how many are stale.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    pub at: Pos2,
    pub members: Vec<u32>,
    pub by_status: [u32; UnitStatus::ALL.len()],
    pub stale: u32,
}

/// Gathers markers: each joins the first cluster whose first member lies within `radius`,
/// else starts one. Markers are taken in slot order, so a cluster keeps its place while
/// units move about inside it.
pub fn gather(markers: &[Placed], radius: f32) -> Vec<Cluster> {
    let mut sorted: Vec<&Placed> = markers.iter().collect();
    sorted.sort_by_key(|m| m.slot);
    let cell_of = |p: Pos2| ((p.x / radius).floor() as i64, (p.y / radius).floor() as i64);
    let mut grid: std::collections::HashMap<(i64, i64), Vec<usize>> = std::collections::HashMap::new();
    let mut seeds: Vec<Pos2> = Vec::new();
    let mut clusters: Vec<Cluster> = Vec::new();
    for m in sorted {
        let (cx, cy) = cell_of(m.at);
        let near = (cx - 1..=cx + 1)
            .flat_map(|x| (cy - 1..=cy + 1).map(move |y| (x, y)))
            .filter_map(|cell| grid.get(&cell))
            .flatten()
            .copied()
            .filter(|&i| seeds[i].distance(m.at) <= radius)
            .min();
        let i = match near {
            Some(i) => i,
            None => {
                grid.entry((cx, cy)).or_default().push(clusters.len());
                seeds.push(m.at);
                clusters.push(Cluster {
                    at: Pos2::ZERO,
                    members: Vec::new(),
                    by_status: [0; UnitStatus::ALL.len()],
                    stale: 0,
                });
                clusters.len() - 1
            }
        };
        let c = &mut clusters[i];
        let n = c.members.len() as f32;
        c.at = Pos2::new((c.at.x * n + m.at.x) / (n + 1.0), (c.at.y * n + m.at.y) / (n + 1.0));
        c.members.push(m.slot);
        if m.stale {
            c.stale += 1;
        } else {
            c.by_status[m.status.index()] += 1;
        }
    }
    clusters
}

/// A cluster's disc radius (points): grows with the count, larger on the wall.
fn disc_radius(count: usize, wall: bool) -> f32 {
    let r = 11.0 + 3.5 * (count as f32).log2();
    if wall {
        r * 1.4
    } else {
        r
    }
}

/// Draws clusters of units at low zoom: lone units as a disc in their status colour, the
/// selected one ringed; groups as a disc with the count, a ring split by status and, below, a
/// chip per status with its count.
pub fn paint_clusters(
    painter: &egui::Painter,
    clusters: &[Cluster],
    palette: &Palette,
    wall: bool,
    selected: Option<u32>,
) {
    let (back, text) = (translucent(palette.overlay_back), colour(palette.overlay_text));
    for c in clusters {
        if let [only] = c.members[..] {
            let fill = match c.by_status.iter().position(|n| *n > 0) {
                Some(status) => palette.unit(UnitStatus::ALL[status]),
                None => palette.quiet,
            };
            let r = if wall { 8.0 } else { 6.0 };
            painter.circle(c.at, r, colour(fill), Stroke::new(1.5, Color32::WHITE));
            if selected == Some(only) {
                painter.circle_stroke(c.at, r + 4.0, Stroke::new(2.5, text));
            }
            continue;
        }
        let r = disc_radius(c.members.len(), wall);
        painter.circle_filled(c.at, r, back);
        status_ring(painter, c, r, palette, wall);
        let size = if wall { 22.0 } else { 15.0 };
        painter.text(c.at, Align2::CENTER_CENTER, c.members.len().to_string(), FontId::proportional(size), text);
        status_chips(painter, c, c.at + Vec2::new(0.0, r + 3.0), palette, wall);
    }
}

/// A cluster's counts with their colours: each status with a fresh fix, then the stale.
fn counts(c: &Cluster, palette: &Palette) -> Vec<(u32, crate::render::style::Rgba)> {
    let fresh = UnitStatus::ALL.iter().zip(c.by_status).map(|(status, n)| (n, palette.unit(*status)));
    fresh.chain([(c.stale, palette.quiet)]).filter(|(n, _)| *n > 0).collect()
}

/// The ring round a cluster: one arc per count, as long as its share of the members.
fn status_ring(painter: &egui::Painter, c: &Cluster, r: f32, palette: &Palette, wall: bool) {
    let total = c.members.len() as f32;
    let width = if wall { 6.0 } else { 4.0 };
    let mut start = -std::f32::consts::FRAC_PI_2;
    for (n, fill) in counts(c, palette) {
        let sweep = std::f32::consts::TAU * n as f32 / total;
        let steps = ((sweep * r / 3.0).ceil() as usize).max(2);
        let points: Vec<Pos2> = (0..=steps)
            .map(|i| start + sweep * i as f32 / steps as f32)
            .map(|a| c.at + Vec2::new(a.cos(), a.sin()) * (r - width / 2.0))
            .collect();
        painter.add(Shape::line(points, Stroke::new(width, colour(fill))));
        start += sweep;
    }
}

/// A row of chips under a cluster, one per count: the count on its status's colour.
fn status_chips(painter: &egui::Painter, c: &Cluster, top_centre: Pos2, palette: &Palette, wall: bool) {
    let font = FontId::proportional(if wall { 18.0 } else { 12.0 });
    let galleys: Vec<_> = counts(c, palette)
        .into_iter()
        .map(|(n, fill)| {
            let ink = super::look::readable(palette.overlay_text, colour(fill));
            (colour(fill), ink, painter.layout_no_wrap(n.to_string(), font.clone(), ink))
        })
        .collect();
    let pad = Vec2::new(4.0, 1.0);
    let width: f32 = galleys.iter().map(|(_, _, g)| g.size().x + 2.0 * pad.x + 2.0).sum();
    let mut x = top_centre.x - width / 2.0;
    for (fill, ink, galley) in galleys {
        let chip = Rect::from_min_size(Pos2::new(x, top_centre.y), galley.size() + 2.0 * pad);
        painter.rect_filled(chip, 3.0, fill);
        painter.galley(chip.min + pad, galley, ink);
        x = chip.max.x + 2.0;
    }
}

/// Closer in: a badge with the count beside each pile of two or more units at one place, the
/// largest piles first, none over another.
pub fn paint_piles(painter: &egui::Painter, piles: &[Cluster], palette: &Palette, wall: bool) {
    let font = FontId::proportional(if wall { 18.0 } else { 13.0 });
    let (back, text) = (colour(palette.overlay_back), colour(palette.overlay_text));
    let mut piles: Vec<&Cluster> = piles.iter().filter(|p| p.members.len() > 1).collect();
    piles.sort_by_key(|p| std::cmp::Reverse(p.members.len()));
    let mut placed: Vec<Rect> = Vec::new();
    for pile in piles {
        let galley = painter.layout_no_wrap(format!("×{}", pile.members.len()), font.clone(), text);
        let size = galley.size();
        let badge =
            Rect::from_min_size(pile.at + Vec2::new(-size.x - 12.0, -size.y - 10.0), size).expand2(Vec2::new(4.0, 1.0));
        if placed.iter().any(|r| r.intersects(badge)) {
            continue;
        }
        placed.push(badge);
        painter.rect_filled(badge, 6.0, back);
        painter.rect_stroke(badge, 6.0, Stroke::new(1.5, text), egui::StrokeKind::Inside);
        painter.galley(badge.min + Vec2::new(4.0, 1.0), galley, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(slot: u32, x: f32, y: f32, status: UnitStatus) -> Placed {
        Placed { slot, at: Pos2::new(x, y), status, stale: false }
    }

    #[test]
    fn nearby_units_gather_with_counts_by_status() {
        let markers = [
            at(0, 100.0, 100.0, UnitStatus::Available),
            at(1, 110.0, 105.0, UnitStatus::OnScene),
            at(2, 95.0, 90.0, UnitStatus::Available),
            at(3, 400.0, 100.0, UnitStatus::EnRoute),
        ];
        let clusters = gather(&markers, CLUSTER_RADIUS);
        assert_eq!(clusters.len(), 2);
        assert_eq!(clusters[0].members, vec![0, 1, 2]);
        assert_eq!(clusters[0].by_status[UnitStatus::Available.index()], 2);
        assert_eq!(clusters[0].by_status[UnitStatus::OnScene.index()], 1);
        assert_eq!(clusters[1].members, vec![3]);
        assert!((clusters[0].at.x - 305.0 / 3.0).abs() < 1e-3);
    }

    #[test]
    fn stale_units_are_counted_apart_from_their_status() {
        let markers = [
            at(0, 10.0, 10.0, UnitStatus::Available),
            Placed { stale: true, ..at(1, 12.0, 10.0, UnitStatus::Available) },
        ];
        let clusters = gather(&markers, CLUSTER_RADIUS);
        assert_eq!(clusters[0].by_status[UnitStatus::Available.index()], 1);
        assert_eq!(clusters[0].stale, 1);
    }

    #[test]
    fn a_cluster_does_not_reach_past_its_radius_from_its_first_member() {
        // A chain of markers 20 apart: each is within reach of the one before, but a cluster
        // is measured from its first member, so the chain splits.
        let chain: Vec<Placed> = (0..5).map(|i| at(i, i as f32 * 20.0, 0.0, UnitStatus::Available)).collect();
        let clusters = gather(&chain, CLUSTER_RADIUS);
        let sizes: Vec<usize> = clusters.iter().map(|c| c.members.len()).collect();
        assert_eq!(sizes, vec![2, 2, 1]);
    }

    #[test]
    fn gathering_does_not_depend_on_the_order_given() {
        let mut markers: Vec<Placed> = (0..40)
            .map(|i| at(i, (i * 37 % 300) as f32, (i * 53 % 200) as f32, UnitStatus::ALL[i as usize % 6]))
            .collect();
        let first = gather(&markers, CLUSTER_RADIUS);
        markers.reverse();
        assert_eq!(gather(&markers, CLUSTER_RADIUS), first);
        assert_eq!(first.iter().map(|c| c.members.len()).sum::<usize>(), 40);
    }
}
