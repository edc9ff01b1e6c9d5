//! Hotspots: a kernel density of points (incidents, panic alarms, 110 callers) over a lon/lat box, as a
//! grid of cells, in points per square kilometre. The kernel is Gaussian with its bandwidth in
//! metres. Points are first counted into cells (the box widened by three bandwidths, so points
//! just outside still count), then the counts are blurred along each axis in turn: the cost is
//! one pass over the points and two over the cells, so a million incidents take milliseconds.
//! Which points are given (the kinds, the period, the hours of the day, the days of the week)
//! is the caller's choice; `points` picks them from a world.

use chrono::{Datelike, Timelike};

use crate::crs::geodesy::METRES_PER_DEGREE;
use crate::model::incidents::Milestone;
use crate::model::{IncidentKind, Millis, WIB_MS};
use crate::world::World;

/// Kernel reach, in bandwidths.
const REACH: f64 = 3.0;
/// The widest kernel, in cells.
const MAX_SIGMA: f64 = 64.0;

/// A density grid over a box: row 0 is the north edge, values in points per km².
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// West, south, east, north, degrees.
    pub bounds: [f64; 4],
    pub width: usize,
    pub height: usize,
    pub values: Vec<f32>,
}

impl Grid {
    pub fn max(&self) -> f32 {
        self.values.iter().copied().fold(0.0, f32::max)
    }

    /// The value of the cell holding a point (none outside the box).
    pub fn at(&self, lon: f64, lat: f64) -> Option<f32> {
        let [w, s, e, n] = self.bounds;
        let x = ((lon - w) / (e - w) * self.width as f64).floor();
        let y = ((n - lat) / (n - s) * self.height as f64).floor();
        let inside = (0.0..self.width as f64).contains(&x) && (0.0..self.height as f64).contains(&y);
        inside.then(|| self.values[y as usize * self.width + x as usize])
    }
}

/// Which incidents a heat map counts.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    /// None: every kind.
    pub kind: Option<IncidentKind>,
    pub from: Millis,
    pub to: Millis,
    /// Local hours (WIB) counted, 0-23.
    pub hours: [bool; 24],
    /// Days counted, Monday first.
    pub weekdays: [bool; 7],
}

impl Filter {
    /// Every incident received in `[from, to)`.
    pub fn period(from: Millis, to: Millis) -> Self {
        Self { kind: None, from, to, hours: [true; 24], weekdays: [true; 7] }
    }

    /// Whether something of `kind` (none: not an incident) at `time` is counted.
    fn takes(&self, kind: Option<IncidentKind>, time: Millis) -> bool {
        let local = chrono::DateTime::from_timestamp_millis(time.saturating_add(WIB_MS)).unwrap_or_default();
        (self.from..self.to).contains(&time)
            && (self.kind.is_none() || kind.is_none() || self.kind == kind)
            && self.hours[local.hour() as usize]
            && self.weekdays[local.weekday().num_days_from_monday() as usize]
    }
}

/// What a heat map counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Source {
    /// Incidents, at their place.
    #[default]
    Incidents,
    /// Panic alarms, where they were raised.
    Alarms,
    /// 110 calls, where the caller's phone said it was.
    Calls,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Incidents, Source::Alarms, Source::Calls];

    pub fn name(self) -> &'static str {
        match self {
            Source::Incidents => "incidents",
            Source::Alarms => "panic alarms",
            Source::Calls => "110 callers",
        }
    }
}

/// The places of the incidents the filter takes.
pub fn incidents(world: &World, filter: &Filter) -> Vec<(f64, f64)> {
    points(world, Source::Incidents, filter)
}

/// The places of what `source` counts that the filter takes (its kind only narrows incidents).
pub fn points(world: &World, source: Source, filter: &Filter) -> Vec<(f64, f64)> {
    match source {
        Source::Incidents => world
            .incidents()
            .iter()
            .filter(|i| i.reached(Milestone::Received).is_some_and(|t| filter.takes(Some(i.kind), t)))
            .filter_map(|i| i.lon.zip(i.lat))
            .collect(),
        Source::Alarms => {
            world.alarms().iter().filter(|a| filter.takes(None, a.time)).filter_map(|a| a.lon.zip(a.lat)).collect()
        }
        Source::Calls => world
            .calls()
            .iter()
            .filter(|c| filter.takes(None, c.rang_at))
            .filter_map(|c| c.location.as_ref().map(|l| (l.lon, l.lat)))
            .collect(),
    }
}

/// The density of `points` over `bounds` (west, south, east, north) on a `width` x `height`
/// grid, with a Gaussian kernel of `bandwidth_m` metres.
pub fn density(points: &[(f64, f64)], bounds: [f64; 4], width: usize, height: usize, bandwidth_m: f64) -> Grid {
    let [w, s, e, n] = bounds;
    let mut grid = Grid { bounds, width, height, values: vec![0.0; width * height] };
    if width == 0 || height == 0 || !(e > w && n > s) || bandwidth_m <= 0.0 {
        return grid;
    }
    let (cell_x_deg, cell_y_deg) = ((e - w) / width as f64, (n - s) / height as f64);
    let metres_x = cell_x_deg * METRES_PER_DEGREE * ((s + n) / 2.0).to_radians().cos();
    let metres_y = cell_y_deg * METRES_PER_DEGREE;
    // A kernel wider than MAX_SIGMA cells is drawn at that width: the view is then within a
    // bandwidth of everything, and the padded grid stays small.
    let (sigma_x, sigma_y) = ((bandwidth_m / metres_x).min(MAX_SIGMA), (bandwidth_m / metres_y).min(MAX_SIGMA));
    // The padded grid: the box widened by the kernel's reach on every side.
    let (pad_x, pad_y) = ((sigma_x * REACH).ceil() as usize, (sigma_y * REACH).ceil() as usize);
    let (pw, ph) = (width + 2 * pad_x, height + 2 * pad_y);
    let mut counts = vec![0.0_f32; pw * ph];
    for &(lon, lat) in points {
        let x = ((lon - w) / cell_x_deg).floor() + pad_x as f64;
        let y = ((n - lat) / cell_y_deg).floor() + pad_y as f64;
        if (0.0..pw as f64).contains(&x) && (0.0..ph as f64).contains(&y) {
            counts[y as usize * pw + x as usize] += 1.0;
        }
    }
    let along_x = blur(&counts, pw, ph, &kernel(sigma_x), 1, pw);
    let along_y = blur(&along_x, ph, pw, &kernel(sigma_y), pw, 1);
    // Each point's weight spread over cells of this many km².
    let per_km2 = (1e6 / (metres_x * metres_y)) as f32;
    for y in 0..height {
        for x in 0..width {
            grid.values[y * width + x] = along_y[(y + pad_y) * pw + x + pad_x] * per_km2;
        }
    }
    grid
}

/// A normalised Gaussian kernel of `sigma` cells, out to its reach.
fn kernel(sigma: f64) -> Vec<f32> {
    let reach = (sigma * REACH).ceil().max(1.0) as i64;
    let raw: Vec<f64> = (-reach..=reach).map(|i| (-0.5 * (i as f64 / sigma.max(1e-9)).powi(2)).exp()).collect();
    let total: f64 = raw.iter().sum();
    raw.into_iter().map(|v| (v / total) as f32).collect()
}

/// Blurs `lines` lines of `len` values each (a value's neighbours `step` apart, lines
/// `stride` apart) with `kernel`.
fn blur(values: &[f32], len: usize, lines: usize, kernel: &[f32], step: usize, stride: usize) -> Vec<f32> {
    let reach = kernel.len() / 2;
    let mut out = vec![0.0_f32; values.len()];
    for line in 0..lines {
        let base = line * stride;
        for i in 0..len {
            let v = values[base + i * step];
            if v == 0.0 {
                continue;
            }
            let lo = i.saturating_sub(reach);
            let hi = (i + reach).min(len - 1);
            for j in lo..=hi {
                out[base + j * step] += v * kernel[j + reach - i];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binned density against the kernel summed point by point at each cell's centre.
    #[test]
    fn the_density_matches_a_direct_sum_of_kernels() {
        let bounds = [106.80, -6.22, 106.84, -6.18];
        let mut points = Vec::new();
        for i in 0..300 {
            let t = i as f64 * 0.618;
            points.push((106.80 + (t * 7.3).fract() * 0.04, -6.22 + (t * 3.1).fract() * 0.04));
        }
        // A cluster: the hotspot.
        points.extend((0..200).map(|i| (106.825 + (i % 10) as f64 * 1e-4, -6.195 + (i / 10) as f64 * 1e-4)));
        let (width, height, bandwidth) = (80, 80, 300.0);
        let grid = density(&points, bounds, width, height, bandwidth);
        let lat0 = -6.2_f64;
        let mx = METRES_PER_DEGREE * lat0.to_radians().cos();
        let direct = |lon: f64, lat: f64| {
            let sum: f64 = points
                .iter()
                .map(|&(px, py)| {
                    let (dx, dy) = ((px - lon) * mx, (py - lat) * METRES_PER_DEGREE);
                    (-(dx * dx + dy * dy) / (2.0 * bandwidth * bandwidth)).exp()
                })
                .sum();
            sum / (2.0 * std::f64::consts::PI * bandwidth * bandwidth) * 1e6
        };
        let peak = grid.max() as f64;
        let mut worst = 0.0_f64;
        for y in (0..height).step_by(3) {
            for x in (0..width).step_by(3) {
                let lon = bounds[0] + (x as f64 + 0.5) * 0.04 / width as f64;
                let lat = bounds[3] - (y as f64 + 0.5) * 0.04 / height as f64;
                worst = worst.max((grid.values[y * width + x] as f64 - direct(lon, lat)).abs());
            }
        }
        assert!(worst < 0.04 * peak, "off by {worst:.1} per km² against a peak of {peak:.1}");
        let hottest = grid.values.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i).unwrap_or(0);
        let (hx, hy) = (hottest % width, hottest / width);
        let (lon, lat) = (bounds[0] + (hx as f64 + 0.5) * 0.0005, bounds[3] - (hy as f64 + 0.5) * 0.0005);
        assert!(
            (lon - 106.8255).abs() < 0.001 && (lat + 6.194).abs() < 0.001,
            "the hotspot is the cluster: {lon},{lat}"
        );
        assert_eq!(grid.at(200.0, 0.0), None);
    }
}
