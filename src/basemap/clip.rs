//! Clipping to an axis-aligned rectangle: lines with Liang–Barsky (split into parts where they
//! leave the rectangle), polygon rings with Sutherland–Hodgman. Tile cutting clips every feature
//! against its tile plus a buffer, so these run millions of times during an import.

use geo::Coord;

/// An axis-aligned rectangle `[min, max]`.
#[derive(Clone, Copy, Debug)]
pub struct ClipRect {
    pub min: Coord<f64>,
    pub max: Coord<f64>,
}

impl ClipRect {
    pub fn contains(&self, c: Coord<f64>) -> bool {
        c.x >= self.min.x && c.x <= self.max.x && c.y >= self.min.y && c.y <= self.max.y
    }
}

/// Clips a polyline; each run of points inside the rectangle becomes one part.
pub fn clip_line(points: &[Coord<f64>], rect: &ClipRect) -> Vec<Vec<Coord<f64>>> {
    let mut parts = Vec::new();
    let mut current: Vec<Coord<f64>> = Vec::new();
    for w in points.windows(2) {
        match clip_segment(w[0], w[1], rect) {
            Some((a, b)) => {
                if current.is_empty() || a != w[0] {
                    finish_part(&mut current, &mut parts);
                    current.push(a);
                }
                current.push(b);
                if b != w[1] {
                    finish_part(&mut current, &mut parts);
                }
            }
            None => finish_part(&mut current, &mut parts),
        }
    }
    finish_part(&mut current, &mut parts);
    parts
}

fn finish_part(current: &mut Vec<Coord<f64>>, parts: &mut Vec<Vec<Coord<f64>>>) {
    if current.len() >= 2 {
        parts.push(std::mem::take(current));
    } else {
        current.clear();
    }
}

/// Liang–Barsky: the part of segment `a-b` inside the rectangle, if any.
fn clip_segment(a: Coord<f64>, b: Coord<f64>, r: &ClipRect) -> Option<(Coord<f64>, Coord<f64>)> {
    let d = b - a;
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    let checks = [(-d.x, a.x - r.min.x), (d.x, r.max.x - a.x), (-d.y, a.y - r.min.y), (d.y, r.max.y - a.y)];
    for (p, q) in checks {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            on_boundary(a + d * t, r)
        }
    };
    Some((at(t0), at(t1)))
}

/// A point computed to lie on the rectangle's edge, put exactly there (rounding can leave it a
/// hair inside, and callers test for the edge by equality).
fn on_boundary(c: Coord<f64>, r: &ClipRect) -> Coord<f64> {
    let snap = |v: f64, lo: f64, hi: f64| {
        let tolerance = (hi - lo) * 1e-9;
        if (v - lo).abs() <= tolerance {
            lo
        } else if (hi - v).abs() <= tolerance {
            hi
        } else {
            v.clamp(lo, hi)
        }
    };
    Coord { x: snap(c.x, r.min.x, r.max.x), y: snap(c.y, r.min.y, r.max.y) }
}

/// One clipping edge: which side is inside, and where a segment crosses it.
type Edge = (fn(Coord<f64>, &ClipRect) -> bool, fn(Coord<f64>, Coord<f64>, &ClipRect) -> Coord<f64>);

/// Clips a closed ring (first point repeated last or not); the result is closed, or empty.
pub fn clip_ring(ring: &[Coord<f64>], rect: &ClipRect) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = ring.to_vec();
    if out.first() == out.last() {
        out.pop();
    }
    if out.iter().all(|c| rect.contains(*c)) {
        close(&mut out);
        return out;
    }
    let edges: [Edge; 4] = [
        (|c, r| c.x >= r.min.x, |a, b, r| at_x(a, b, r.min.x)),
        (|c, r| c.x <= r.max.x, |a, b, r| at_x(a, b, r.max.x)),
        (|c, r| c.y >= r.min.y, |a, b, r| at_y(a, b, r.min.y)),
        (|c, r| c.y <= r.max.y, |a, b, r| at_y(a, b, r.max.y)),
    ];
    for (inside, cross) in edges {
        let input = std::mem::take(&mut out);
        let Some(&last) = input.last() else { break };
        let mut prev = last;
        for &cur in &input {
            match (inside(cur, rect), inside(prev, rect)) {
                (true, true) => out.push(cur),
                (true, false) => {
                    out.push(cross(prev, cur, rect));
                    out.push(cur);
                }
                (false, true) => out.push(cross(prev, cur, rect)),
                (false, false) => {}
            }
            prev = cur;
        }
    }
    if out.len() < 3 {
        return Vec::new();
    }
    close(&mut out);
    out
}

fn close(ring: &mut Vec<Coord<f64>>) {
    if let Some(&first) = ring.first() {
        ring.push(first);
    }
}

fn at_x(a: Coord<f64>, b: Coord<f64>, x: f64) -> Coord<f64> {
    let t = (x - a.x) / (b.x - a.x);
    Coord { x, y: a.y + (b.y - a.y) * t }
}

fn at_y(a: Coord<f64>, b: Coord<f64>, y: f64) -> Coord<f64> {
    let t = (y - a.y) / (b.y - a.y);
    Coord { x: a.x + (b.x - a.x) * t, y }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    const R: ClipRect = ClipRect { min: Coord { x: 0.0, y: 0.0 }, max: Coord { x: 10.0, y: 10.0 } };

    #[test]
    fn line_leaving_and_returning_splits_into_two_parts() {
        let parts = clip_line(&[c(1.0, 1.0), c(15.0, 1.0), c(15.0, 5.0), c(5.0, 5.0)], &R);
        assert_eq!(parts, vec![vec![c(1.0, 1.0), c(10.0, 1.0)], vec![c(10.0, 5.0), c(5.0, 5.0)]]);
    }

    #[test]
    fn line_crossing_the_rect_is_cut_at_both_edges() {
        let parts = clip_line(&[c(-5.0, 5.0), c(15.0, 5.0)], &R);
        assert_eq!(parts, vec![vec![c(0.0, 5.0), c(10.0, 5.0)]]);
        assert!(clip_line(&[c(-5.0, -5.0), c(-1.0, 20.0)], &R).is_empty());
    }

    #[test]
    fn ring_covering_the_rect_becomes_the_rect() {
        let ring = clip_ring(&[c(-5.0, -5.0), c(20.0, -5.0), c(20.0, 20.0), c(-5.0, 20.0), c(-5.0, -5.0)], &R);
        let mut corners: Vec<_> = ring[..4].iter().map(|p| (p.x as i32, p.y as i32)).collect();
        corners.sort();
        assert_eq!(corners, vec![(0, 0), (0, 10), (10, 0), (10, 10)]);
        assert_eq!(ring.first(), ring.last());
    }

    #[test]
    fn ring_outside_is_dropped_and_inside_is_kept() {
        assert!(clip_ring(&[c(20.0, 20.0), c(30.0, 20.0), c(30.0, 30.0)], &R).is_empty());
        let inside = [c(1.0, 1.0), c(2.0, 1.0), c(2.0, 2.0), c(1.0, 1.0)];
        assert_eq!(clip_ring(&inside, &R), inside.to_vec());
    }
}
