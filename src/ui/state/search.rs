//! What the search box finds: typed coordinates (as `lat, lon` or `lon, lat`, saying which it
//! read), unit callsigns, zones, roads, stations, alarm sites and cameras, as places to fly
//! to. Better matches come first (the whole name, then its start, then anywhere in it), and
//! among equal matches units, zones and roads come before stations, sites and cameras. A zone
//! is framed whole; a road is framed whole and highlighted.

use geo::BoundingRect;

use super::Console;
use crate::crs::read_point;
use crate::render::View;

/// The zoom a found point is shown at.
const POINT_ZOOM: f64 = 16.5;

/// One search result: where to fly and at which zoom, and for a road its name (it is drawn
/// highlighted once chosen).
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub label: String,
    pub lon: f64,
    pub lat: f64,
    pub zoom: f64,
    pub road: Option<String>,
}

/// Where a match leads: a point, or a zone or road (by index) framed once it is shown.
#[derive(Clone, Copy)]
enum Target {
    Point(f64, f64),
    Zone(usize),
    Road(usize),
}

/// What kind of thing matched, in the order equal matches are listed.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Unit,
    Zone,
    Road,
    Station,
    Site,
    Camera,
}

impl Console {
    /// Everything the search box finds for `query`, best first (at most `limit`).
    pub fn find(&self, query: &str, limit: usize) -> Vec<Found> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        let readings = read_point(&q);
        if !readings.is_empty() {
            return readings
                .into_iter()
                .map(|(lon, lat, order)| Found {
                    label: format!("{lat:.5}, {lon:.5} (read as {})", order.name()),
                    lon,
                    lat,
                    zoom: POINT_ZOOM,
                    road: None,
                })
                .collect();
        }
        // Names are matched first, and only the results shown are framed (this runs every
        // frame while there is text in the box, and a short query matches most roads).
        let mut hits: Vec<(u8, Kind, String, Target)> = Vec::new();
        let best = |names: &[&str]| names.iter().filter_map(|name| quality(&name.to_lowercase(), &q)).min();
        let desk = &self.session.desk;
        for u in desk.world().units() {
            if let (Some(quality), Some(f)) = (best(&[&u.callsign, &u.id]), u.last_fix) {
                hits.push((quality, Kind::Unit, format!("Unit {}", u.callsign), Target::Point(f.lon, f.lat)));
            }
        }
        for (i, z) in desk.live.zones.zones().iter().enumerate() {
            if let Some(quality) = best(&[&z.name, &z.code]) {
                hits.push((quality, Kind::Zone, format!("Zone {} ({})", z.name, z.code), Target::Zone(i)));
            }
        }
        for (i, road) in self.roads.iter().enumerate() {
            if let Some(quality) = best(&[&road.label]) {
                hits.push((quality, Kind::Road, road.label.clone(), Target::Road(i)));
            }
        }
        for (kind, places) in [(Kind::Station, &self.stations), (Kind::Site, &self.sites)] {
            for p in places.iter() {
                if let Some(quality) = best(&[&p.label]) {
                    hits.push((quality, kind, p.label.clone(), Target::Point(p.lon, p.lat)));
                }
            }
        }
        for c in desk.live.cameras.cameras() {
            if let Some(quality) = best(&[&c.name, &c.id]) {
                hits.push((quality, Kind::Camera, format!("Camera {}", c.name), Target::Point(c.lon, c.lat)));
            }
        }
        hits.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| a.2.cmp(&b.2)));
        hits.into_iter().take(limit).filter_map(|(_, _, label, target)| self.target_found(label, target)).collect()
    }

    /// A search result made from what matched: a point flown to, a zone or a road framed.
    fn target_found(&self, label: String, target: Target) -> Option<Found> {
        match target {
            Target::Point(lon, lat) => Some(Found { label, lon, lat, zoom: POINT_ZOOM, road: None }),
            Target::Zone(i) => self.framed(label, self.session.desk.live.zones.zones().get(i)?),
            Target::Road(i) => Some(self.road_framed(self.roads.get(i)?)),
        }
    }

    /// Why a query that looks like a point is not one (two numbers, neither order on the map).
    pub fn not_a_point(query: &str) -> Option<String> {
        let (a, b) = query.trim().split_once(',')?;
        let numbers = a.trim().parse::<f64>().is_ok() && b.trim().parse::<f64>().is_ok();
        (numbers && read_point(query).is_empty()).then(|| {
            format!("{}: not a point (lat, lon or lon, lat; latitude -85..85, longitude -180..180)", query.trim())
        })
    }

    /// A zone, framed whole in the current view.
    fn framed(&self, label: String, zone: &crate::model::Zone) -> Option<Found> {
        let rect = zone.polygon.bounding_rect()?;
        let fit =
            View::fit((rect.min().x, rect.min().y, rect.max().x, rect.max().y), self.view.width, self.view.height);
        let (lon, lat) = fit.center_lonlat();
        Some(Found { label, lon, lat, zoom: fit.zoom, road: None })
    }

    /// A road, framed whole (all its pieces; no closer than a street view), to be highlighted.
    fn road_framed(&self, road: &super::Place) -> Found {
        let lines = self.session.desk.streets.lines(&road.id);
        let points = || lines.iter().flatten();
        let fold = |f: fn(f64, f64) -> f64, axis: usize, start: f64| points().map(|p| p[axis]).fold(start, f);
        let (west, east) = (fold(f64::min, 0, f64::INFINITY), fold(f64::max, 0, f64::NEG_INFINITY));
        let (south, north) = (fold(f64::min, 1, f64::INFINITY), fold(f64::max, 1, f64::NEG_INFINITY));
        let (lon, lat, zoom) = if west <= east && south <= north {
            let fit = View::fit((west, south, east, north), self.view.width, self.view.height);
            let (lon, lat) = fit.center_lonlat();
            (lon, lat, (fit.zoom - 0.2).min(POINT_ZOOM))
        } else {
            (road.lon, road.lat, POINT_ZOOM)
        };
        Found { label: road.label.clone(), lon, lat, zoom, road: Some(road.id.clone()) }
    }

    /// Flies to a search result; a road is highlighted until another result is chosen or the
    /// search box is cleared.
    pub fn go_to(&mut self, found: &Found) {
        self.fly_to(found.lon, found.lat, found.zoom);
        self.highlighted_road = found.road.clone();
    }
}

/// How well a name matches: 0 the whole name, 1 its start, 2 the start of a word in it, 3
/// anywhere; `None` not at all.
fn quality(name: &str, query: &str) -> Option<u8> {
    if name == query {
        Some(0)
    } else if name.starts_with(query) {
        Some(1)
    } else if name.split(|c: char| !c.is_alphanumeric()).any(|word| word.starts_with(query)) {
        Some(2)
    } else {
        name.contains(query).then_some(3)
    }
}
