//! What the search box finds: typed coordinates, unit callsigns, cameras, zones, stations,
//! alarm sites and roads, as places to fly to.

use super::{Console, Place};

impl Console {
    /// Everything the search box can find for `query` (at most `limit`): coordinates, unit
    /// callsigns, cameras, zones, stations, alarm sites and roads.
    pub fn find(&self, query: &str, limit: usize) -> Vec<Place> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        if let Ok((lon, lat)) = crate::crs::parse_lonlat(&q) {
            return vec![Place { label: format!("{lon:.5}, {lat:.5}"), lon, lat }];
        }
        let desk = &self.session.desk;
        let hit = |s: &str| s.to_lowercase().contains(&q);
        let units = desk.world().units().iter().filter(|u| hit(&u.callsign) || hit(&u.id)).filter_map(|u| {
            u.last_fix.map(|f| Place { label: format!("Unit {}", u.callsign), lon: f.lon, lat: f.lat })
        });
        let cameras = desk.live.cameras.cameras().iter().filter(|c| hit(&c.name) || hit(&c.id)).map(|c| Place {
            label: format!("Camera {}", c.name),
            lon: c.lon,
            lat: c.lat,
        });
        let zones = desk.live.zones.zones().iter().filter(|z| hit(&z.name) || hit(&z.code)).filter_map(|z| {
            use geo::InteriorPoint;
            z.polygon.interior_point().map(|p| Place {
                label: format!("Zone {} ({})", z.name, z.code),
                lon: p.x(),
                lat: p.y(),
            })
        });
        let fixed = self.stations.iter().chain(&self.sites).chain(&self.roads).filter(|p| hit(&p.label)).cloned();
        units.chain(cameras).chain(zones).chain(fixed).take(limit).collect()
    }
}
