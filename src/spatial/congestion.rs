//! Congestion: fixes are matched to road segments (nearest within a tolerance, with the
//! vehicle's heading agreeing with the segment's direction, so the two carriageways of a
//! divided road are told apart), speeds are aggregated per segment over a sliding window, and
//! observed / free-flow speed becomes a level. Detector speeds feed the same aggregate.

use std::collections::{HashMap, VecDeque};

use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;

use super::roads::RoadGraph;
use crate::crs::geodesy::{offset_m, KMH_PER_MPS};
use crate::model::{Fix, Millis};

pub type SegmentId = u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Free,
    Slow,
    Heavy,
    Jammed,
}

/// Ratios of observed to free-flow speed at which a segment turns slow, heavy and jammed.
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    pub slow: f32,
    pub heavy: f32,
    pub jammed: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { slow: 0.7, heavy: 0.45, jammed: 0.25 }
    }
}

impl Thresholds {
    pub fn level(&self, ratio: f32) -> Level {
        if ratio < self.jammed {
            Level::Jammed
        } else if ratio < self.heavy {
            Level::Heavy
        } else if ratio < self.slow {
            Level::Slow
        } else {
            Level::Free
        }
    }
}

/// One directed segment of the road graph, in local metres for matching.
struct Segment {
    a: [f64; 2],
    b: [f64; 2],
    free_kmh: f32,
}

pub struct Congestion {
    segments: Vec<Segment>,
    tree: RTree<GeomWithData<Line<[f64; 2]>, SegmentId>>,
    origin: [f64; 2],
    samples: HashMap<SegmentId, VecDeque<(Millis, f32)>>,
    pub window_ms: Millis,
    pub tolerance_m: f64,
    pub max_heading_diff: f32,
    pub thresholds: Thresholds,
}

impl Congestion {
    pub fn new(graph: &RoadGraph) -> Self {
        let origin = graph.nodes.first().copied().unwrap_or([0.0, 0.0]);
        let project = |p: [f64; 2]| local_m(origin, p);
        let mut segments = Vec::new();
        for (from, e) in graph.edges() {
            let (a, b) = (project(graph.nodes[from as usize]), project(graph.nodes[e.to as usize]));
            segments.push(Segment { a, b, free_kmh: e.speed_kmh });
        }
        let lines =
            segments.iter().enumerate().map(|(i, s)| GeomWithData::new(Line::new(s.a, s.b), i as SegmentId)).collect();
        Self {
            segments,
            tree: RTree::bulk_load(lines),
            origin,
            samples: HashMap::new(),
            window_ms: 5 * 60_000,
            tolerance_m: 25.0,
            max_heading_diff: 45.0,
            thresholds: Thresholds::default(),
        }
    }

    /// The segment a fix lies on, if one is near enough and points the way the vehicle heads.
    pub fn match_fix(&self, fix: &Fix) -> Option<SegmentId> {
        let p = local_m(self.origin, [fix.lon, fix.lat]);
        self.tree
            .locate_within_distance(p, self.tolerance_m * self.tolerance_m)
            .filter(|s| match fix.heading {
                Some(h) => heading_diff(self.segment_bearing(s.data), h) <= self.max_heading_diff,
                None => true,
            })
            .min_by(|a, b| {
                use rstar::PointDistance;
                a.geom().distance_2(&p).total_cmp(&b.geom().distance_2(&p))
            })
            .map(|s| s.data)
    }

    fn segment_bearing(&self, id: SegmentId) -> f32 {
        let s = &self.segments[id as usize];
        (s.b[0] - s.a[0]).atan2(s.b[1] - s.a[1]).to_degrees().rem_euclid(360.0) as f32
    }

    /// Adds a probe vehicle's fix (speed in m/s); returns the matched segment.
    pub fn add_fix(&mut self, fix: &Fix) -> Option<SegmentId> {
        let speed = fix.speed?;
        let id = self.match_fix(fix)?;
        self.add_sample(id, speed * KMH_PER_MPS as f32, fix.time);
        Some(id)
    }

    /// Adds a speed (km/h) for a segment, e.g. from a loop detector or camera.
    pub fn add_sample(&mut self, id: SegmentId, speed_kmh: f32, time: Millis) {
        let q = self.samples.entry(id).or_default();
        q.push_back((time, speed_kmh));
        while q.front().is_some_and(|(t, _)| *t < time - self.window_ms) {
            q.pop_front();
        }
    }

    /// Mean observed speed in the window ending at `now`, and its level.
    pub fn state(&self, id: SegmentId, now: Millis) -> Option<(f32, Level)> {
        let q = self.samples.get(&id)?;
        let recent: Vec<f32> =
            q.iter().filter(|(t, _)| *t >= now - self.window_ms && *t <= now).map(|(_, s)| *s).collect();
        if recent.is_empty() {
            return None;
        }
        let mean = recent.iter().sum::<f32>() / recent.len() as f32;
        let free = self.segments[id as usize].free_kmh.max(1.0);
        Some((mean, self.thresholds.level(mean / free)))
    }

    /// Every segment with observations in the window, with its level.
    pub fn levels(&self, now: Millis) -> Vec<(SegmentId, f32, Level)> {
        let mut out: Vec<_> =
            self.samples.keys().filter_map(|id| self.state(*id, now).map(|(s, l)| (*id, s, l))).collect();
        out.sort_by_key(|(id, _, _)| *id);
        out
    }
}

fn local_m(origin: [f64; 2], p: [f64; 2]) -> [f64; 2] {
    let (e, n) = offset_m(origin[0], origin[1], p[0], p[1]);
    [e, n]
}

fn heading_diff(a: f32, b: f32) -> f32 {
    ((a - b + 540.0).rem_euclid(360.0) - 180.0).abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_make_levels() {
        let t = Thresholds::default();
        assert_eq!(t.level(0.9), Level::Free);
        assert_eq!(t.level(0.6), Level::Slow);
        assert_eq!(t.level(0.3), Level::Heavy);
        assert_eq!(t.level(0.1), Level::Jammed);
        assert_eq!(heading_diff(350.0, 10.0), 20.0);
    }
}
