//! The map view's fly-to: where a flight started, where it goes, and the view it gives at each
//! frame (eased, in a fixed time); the operator taking the map stops it.

use std::time::Instant;

use super::Console;
use crate::render::View;

/// How long a fly-to takes.
const FLIGHT_SECONDS: f32 = 0.8;

/// A fly-to in progress: from one view to a centre and zoom.
#[derive(Clone, Copy, Debug)]
pub struct Flight {
    from: View,
    to: (f64, f64),
    zoom: f64,
    start: Instant,
}

impl Console {
    pub fn fly_to(&mut self, lon: f64, lat: f64, zoom: f64) {
        self.flight =
            Some(Flight { from: self.view, to: crate::crs::lonlat_to_world(lon, lat), zoom, start: Instant::now() });
    }

    /// Back to the home view (its centre, zoom and north up).
    pub fn go_home(&mut self) {
        let (lon, lat) = self.home.center_lonlat();
        self.view.bearing = 0.0;
        self.fly_to(lon, lat, self.home.zoom);
    }

    pub fn flying(&self) -> bool {
        self.flight.is_some()
    }

    /// Stops a flight (the operator took the map).
    pub fn land(&mut self) {
        self.flight = None;
    }

    /// Moves the view along the flight, once per frame after drawing.
    pub(crate) fn advance_flight(&mut self) {
        let Some(f) = self.flight else { return };
        let t = (f.start.elapsed().as_secs_f32() / FLIGHT_SECONDS).min(1.0);
        let s = f64::from(t * t * (3.0 - 2.0 * t));
        self.view.center =
            (f.from.center.0 + (f.to.0 - f.from.center.0) * s, f.from.center.1 + (f.to.1 - f.from.center.1) * s);
        self.view.zoom = f.from.zoom + (f.zoom - f.from.zoom) * s;
        if t >= 1.0 {
            self.flight = None;
        }
    }
}
