//! Fitting a name along a line on screen, as road names are set on printed and web maps: each
//! glyph sits on the line at its own distance along it, turned to the line's direction there;
//! the name reads left to right (the line is walked backwards when it runs right to left), and
//! is refused where it does not fit or the line bends too sharply under it.

/// Largest turn between neighbouring glyphs, in radians (about 30°).
const MAX_TURN: f32 = 0.52;
/// Largest turn from the first glyph to any other (about 80°): a name does not wrap round a
/// roundabout or a loop.
const MAX_TOTAL_TURN: f32 = 1.4;
/// How far past vertical a glyph may lean and still count as upright (cosine of about 100°).
const UPRIGHT_COS: f32 = -0.17;
/// Room left free at each end of the line, in pixels.
const END_MARGIN: f32 = 4.0;

/// One glyph of the text, laid out on a straight baseline: where its box starts and how wide it
/// is, in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GlyphSpan {
    pub x: f32,
    pub width: f32,
}

/// Where a glyph's centre goes on the screen and which way its baseline runs (radians, screen y
/// down, 0 = rightwards).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GlyphPose {
    pub center: [f32; 2],
    pub angle: f32,
}

/// A screen polyline with its length measured along it (measured once, then tried at several
/// places).
pub struct Walk<'a> {
    points: &'a [[f32; 2]],
    /// Distance along the line at each point.
    at: Vec<f32>,
}

impl<'a> Walk<'a> {
    pub fn new(points: &'a [[f32; 2]]) -> Self {
        let mut at = Vec::with_capacity(points.len());
        let mut total = 0.0;
        for (i, p) in points.iter().enumerate() {
            if i > 0 {
                let q = points[i - 1];
                total += (p[0] - q[0]).hypot(p[1] - q[1]);
            }
            at.push(total);
        }
        Self { points, at }
    }

    fn length(&self) -> f32 {
        self.at.last().copied().unwrap_or(0.0)
    }

    /// The point `d` along the line and the direction of the segment it lies on.
    fn pose(&self, d: f32) -> GlyphPose {
        let i = self.at.partition_point(|&a| a <= d).clamp(1, self.points.len() - 1);
        let (a, b) = (self.points[i - 1], self.points[i]);
        let span = self.at[i] - self.at[i - 1];
        let t = if span > 0.0 { ((d - self.at[i - 1]) / span).clamp(0.0, 1.0) } else { 0.0 };
        GlyphPose {
            center: [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t],
            angle: (b[1] - a[1]).atan2(b[0] - a[0]),
        }
    }
}

/// Places the glyphs of a text `width` pixels wide with its middle `anchor` (0..1) of the way
/// along the line, upright. `None` when the line is too short or bends too sharply under the
/// text.
pub fn fit(forward: &Walk, glyphs: &[GlyphSpan], width: f32, anchor: f32) -> Option<Vec<GlyphPose>> {
    if forward.points.len() < 2 || glyphs.is_empty() {
        return None;
    }
    let length = forward.length();
    let middle = length * anchor.clamp(0.0, 1.0);
    let start = middle - width / 2.0;
    if start < END_MARGIN || start + width > length - END_MARGIN {
        return None;
    }
    let (head, tail) = (forward.pose(start).center, forward.pose(start + width).center);
    // Left to right; a vertical name reads upwards (bottom to top), whichever way it was drawn.
    let rightwards = if (tail[0] - head[0]).abs() > 0.5 { tail[0] > head[0] } else { tail[1] < head[1] };
    let poses: Vec<GlyphPose> = if rightwards {
        glyphs.iter().map(|g| forward.pose(start + g.x + g.width / 2.0)).collect()
    } else {
        // Read backwards: the first glyph at the far end, each turned half round.
        let end = start + width;
        let back = |d: f32| {
            let pose = forward.pose(d);
            let angle = pose.angle + std::f32::consts::PI;
            let angle = if angle > std::f32::consts::PI { angle - std::f32::consts::TAU } else { angle };
            GlyphPose { center: pose.center, angle }
        };
        glyphs.iter().map(|g| back(end - g.x - g.width / 2.0)).collect()
    };
    let smooth = poses.windows(2).all(|w| turn(w[0].angle, w[1].angle) <= MAX_TURN);
    let gentle = poses.iter().all(|p| turn(poses[0].angle, p.angle) <= MAX_TOTAL_TURN);
    let upright = poses.iter().all(|p| p.angle.cos() >= UPRIGHT_COS);
    (smooth && gentle && upright).then_some(poses)
}

/// The absolute difference of two angles, in 0..=π.
fn turn(a: f32, b: f32) -> f32 {
    let d = (b - a).rem_euclid(std::f32::consts::TAU);
    d.min(std::f32::consts::TAU - d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit_on(path: &[[f32; 2]], glyphs: &[GlyphSpan], width: f32, anchor: f32) -> Option<Vec<GlyphPose>> {
        fit(&Walk::new(path), glyphs, width, anchor)
    }

    fn spans(n: usize, each: f32) -> Vec<GlyphSpan> {
        (0..n).map(|i| GlyphSpan { x: i as f32 * each, width: each }).collect()
    }

    #[test]
    fn glyphs_follow_a_straight_line_in_order_and_centred() {
        let poses = fit_on(&[[0.0, 100.0], [200.0, 100.0]], &spans(4, 10.0), 40.0, 0.5).expect("fits");
        for (pose, x) in poses.iter().zip([85.0, 95.0, 105.0, 115.0]) {
            assert!((pose.center[0] - x).abs() < 1e-3, "{poses:?}");
        }
        assert!(poses.iter().all(|p| p.center[1] == 100.0 && p.angle == 0.0));
    }

    #[test]
    fn a_line_drawn_right_to_left_still_reads_left_to_right() {
        let poses = fit_on(&[[200.0, 0.0], [0.0, 0.0]], &spans(3, 10.0), 30.0, 0.5).expect("fits");
        assert!(poses[0].center[0] < poses[2].center[0], "first glyph on the left: {poses:?}");
        assert!(poses.iter().all(|p| p.angle.abs() < 1e-6));
    }

    #[test]
    fn glyphs_turn_with_the_line() {
        // A gentle bend: 20° down after x = 100.
        let bend = [100.0 + 100.0 * 0.349f32.cos(), 100.0 * 0.349f32.sin()];
        let poses = fit_on(&[[0.0, 0.0], [100.0, 0.0], bend], &spans(10, 8.0), 80.0, 0.5).expect("fits");
        assert!(poses[0].angle.abs() < 1e-6);
        assert!((poses[9].angle - 0.349).abs() < 1e-3, "{:?}", poses[9]);
    }

    #[test]
    fn too_short_or_too_sharp_lines_are_refused() {
        assert!(fit_on(&[[0.0, 0.0], [30.0, 0.0]], &spans(4, 10.0), 40.0, 0.5).is_none(), "too short");
        let hairpin = [[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]];
        assert!(fit_on(&hairpin, &spans(6, 10.0), 60.0, 0.5).is_none(), "a right angle under the text");
        assert!(fit_on(&[[5.0, 5.0]], &spans(1, 10.0), 10.0, 0.5).is_none(), "one point");
    }

    #[test]
    fn a_vertical_line_reads_upwards_whichever_way_it_was_drawn() {
        for line in [[[0.0, 0.0], [0.0, 200.0]], [[0.0, 200.0], [0.0, 0.0]]] {
            let poses = fit_on(&line, &spans(3, 10.0), 30.0, 0.5).expect("fits");
            assert!(poses[0].center[1] > poses[2].center[1], "bottom to top: {poses:?}");
        }
    }

    #[test]
    fn a_name_does_not_wrap_round_a_tight_curve() {
        // A half circle of radius 60 px in 7° steps: no step turns much, the whole turns 180°.
        let arc: Vec<[f32; 2]> = (0..=26)
            .map(|i| (i as f32 * 7.0).to_radians())
            .map(|a| [100.0 + 60.0 * a.cos(), 100.0 + 60.0 * a.sin()])
            .collect();
        assert!(fit_on(&arc, &spans(15, 10.0), 150.0, 0.5).is_none(), "a 150 px name round a half circle");
        assert!(fit_on(&arc, &spans(3, 10.0), 30.0, 0.5).is_some(), "a short name on the same curve");
    }
}
