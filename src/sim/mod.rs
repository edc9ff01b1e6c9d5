//! The simulator: patrol units driving the imported road network at believable speeds (patrol
//! loops, short stops, returns to station; a run starts with the units already out on their
//! beats), panic alarms from units and from fixed sites, all
//! deterministic from a seed. It produces ordinary events, so it can feed a service over the
//! network ([`send`]: OsmAnd or MQTT, `pantau sim`, also the load generator) or the in-process
//! demo. `calls.rs`: 110 traffic as a telephony bridge and callers' phones report it.

pub mod calls;
pub mod send;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::crs::geodesy::{haversine_m, kmh_to_mps, offset_m};
use crate::model::{AlarmNotes, Event, FeedKind, Fix, Millis};
use crate::spatial::roads::Edge;
use crate::spatial::{RoadGraph, RoadNode};

/// At the start, each unit has driven up to this many streets from its station.
const SPREAD_STREETS: u32 = 60;

#[derive(Clone, Debug)]
pub struct SimConfig {
    pub units: usize,
    /// Position reports per unit per second.
    pub rate_hz: f64,
    pub alarms_per_min: f64,
    pub seed: u64,
}

/// A fleet to drive instead of random units: `(id, home lon, home lat)` per unit, and panic
/// sites as `(id, lon, lat)`.
#[derive(Clone, Debug, Default)]
pub struct Fleet {
    pub units: Vec<(String, f64, f64)>,
    pub sites: Vec<(String, f64, f64)>,
    pub rush_hour: bool,
}

#[derive(Clone, Debug)]
struct Site {
    id: String,
    lon: f64,
    lat: f64,
}

/// Congestion waves rolling in towards the centre: every 6 minutes a band of slow traffic
/// forms at the city's edge and moves inwards at 0.5 km a minute; inside it, major roads run
/// at down to a quarter of their usual speed.
#[derive(Clone, Copy, Debug)]
struct RushHour {
    centre: (f64, f64),
    start: Millis,
}

impl RushHour {
    const PERIOD_MIN: f64 = 6.0;
    const WAVELENGTH_KM: f64 = 3.0;
    const DEPTH: f64 = 0.75;

    /// The share of its usual speed traffic keeps at this point and time.
    fn factor(&self, lon: f64, lat: f64, now: Millis) -> f64 {
        let km = haversine_m(lon, lat, self.centre.0, self.centre.1) / 1000.0;
        let minutes = (now - self.start) as f64 / 60_000.0;
        let phase = minutes / Self::PERIOD_MIN + km / Self::WAVELENGTH_KM;
        let crest = (0.5 + 0.5 * (std::f64::consts::TAU * phase).sin()).powi(4);
        1.0 - Self::DEPTH * crest
    }
}

/// The nodes of the largest strongly connected part, where units can go and come back.
fn drivable_nodes(graph: &RoadGraph) -> anyhow::Result<Vec<RoadNode>> {
    let (component, largest) = graph.strong_components();
    let drivable: Vec<RoadNode> =
        (0..graph.node_count() as RoadNode).filter(|n| component[*n as usize] == largest).collect();
    anyhow::ensure!(drivable.len() >= 2, "the map has no connected road network to drive on");
    Ok(drivable)
}

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Patrolling { until: Millis },
    Stopped { until: Millis, then_patrol_until: Millis },
    Returning { path: Vec<RoadNode> },
    AtStation { until: Millis },
}

#[derive(Clone, Debug)]
struct SimUnit {
    id: String,
    home: RoadNode,
    from: RoadNode,
    to: RoadNode,
    along_m: f64,
    length_m: f64,
    speed_mps: f64,
    phase: Phase,
    next_report: Millis,
}

pub struct Simulator {
    graph: RoadGraph,
    max_speed_kmh: f32,
    units: Vec<SimUnit>,
    drivable: Vec<RoadNode>,
    sites: Vec<Site>,
    rush: Option<RushHour>,
    rng: ChaCha8Rng,
    config: SimConfig,
    now: Millis,
}

/// A panic button pressed at a fixed place.
fn panic_button(device: String, lon: f64, lat: f64, time: Millis) -> Event {
    let fix = Fix { time, lon, lat, speed: None, heading: None, accuracy: Some(5.0) };
    Event::Alarm {
        device,
        kind: "panic".into(),
        fix: Some(fix),
        priority: 1,
        time,
        feed: FeedKind::Simulator,
        notes: AlarmNotes::default(),
    }
}

impl Simulator {
    /// Places units on random stations inside the largest strongly connected part of the graph.
    pub fn new(graph: RoadGraph, config: SimConfig, start: Millis) -> anyhow::Result<Self> {
        anyhow::ensure!(config.units > 0, "no units to simulate");
        let drivable = drivable_nodes(&graph)?;
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let stations: Vec<RoadNode> =
            (0..config.units.div_ceil(20).max(1)).map(|_| drivable[rng.random_range(0..drivable.len())]).collect();
        let homes = (0..config.units).map(|i| (format!("sim-{:04}", i + 1), stations[i % stations.len()])).collect();
        Ok(Self::build(graph, drivable, homes, Vec::new(), false, rng, config, start))
    }

    /// Drives a given fleet from its home stations and raises panic alarms at given sites (each
    /// joined to the nearest drivable road node); with `rush_hour`, waves of congestion roll in
    /// towards the centre over the major roads.
    pub fn with_fleet(graph: RoadGraph, fleet: Fleet, config: SimConfig, start: Millis) -> anyhow::Result<Self> {
        anyhow::ensure!(!fleet.units.is_empty(), "the fleet has no units");
        let drivable = drivable_nodes(&graph)?;
        let nearest = |lon: f64, lat: f64| {
            let d = |n: &RoadNode| {
                let [x, y] = graph.nodes[*n as usize];
                (x - lon).powi(2) + (y - lat).powi(2)
            };
            drivable.iter().copied().min_by(|a, b| d(a).total_cmp(&d(b))).unwrap_or(drivable[0])
        };
        let homes = fleet.units.iter().map(|(id, lon, lat)| (id.clone(), nearest(*lon, *lat))).collect();
        let sites = fleet.sites.into_iter().map(|(id, lon, lat)| Site { id, lon, lat }).collect();
        let rng = ChaCha8Rng::seed_from_u64(config.seed);
        let config = SimConfig { units: fleet.units.len(), ..config };
        Ok(Self::build(graph, drivable, homes, sites, fleet.rush_hour, rng, config, start))
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        graph: RoadGraph,
        drivable: Vec<RoadNode>,
        homes: Vec<(String, RoadNode)>,
        sites: Vec<Site>,
        rush_hour: bool,
        mut rng: ChaCha8Rng,
        config: SimConfig,
        start: Millis,
    ) -> Self {
        let period = (1000.0 / config.rate_hz.max(0.001)) as Millis;
        let units = homes
            .into_iter()
            .map(|(id, home)| SimUnit {
                id,
                home,
                from: home,
                to: home,
                along_m: 0.0,
                length_m: 0.0,
                speed_mps: 0.0,
                phase: Phase::Patrolling { until: start + rng.random_range(10..40) * 60_000 },
                next_report: start + rng.random_range(0..period.max(1)),
            })
            .collect();
        let (lons, lats): (Vec<f64>, Vec<f64>) = graph.nodes.iter().map(|p| (p[0], p[1])).unzip();
        let mid = |v: &[f64]| {
            (v.iter().copied().fold(f64::INFINITY, f64::min) + v.iter().copied().fold(f64::NEG_INFINITY, f64::max))
                / 2.0
        };
        let rush = rush_hour.then(|| RushHour { centre: (mid(&lons), mid(&lats)), start });
        let mut sim =
            Self { max_speed_kmh: graph.max_speed_kmh(), graph, units, drivable, sites, rush, rng, config, now: start };
        for i in 0..sim.units.len() {
            sim.spread(i);
        }
        sim
    }

    /// Puts a unit somewhere on its beat, as a shift already under way would find it: a random
    /// number of streets (up to [`SPREAD_STREETS`]) driven from its station, part-way along the
    /// last one.
    fn spread(&mut self, i: usize) {
        let home = self.units[i].home;
        let (mut from, mut at) = (home, home);
        for _ in 0..self.rng.random_range(0..=SPREAD_STREETS) {
            let next = self.pick_street(at, from);
            (from, at) = (at, next);
        }
        let next = self.pick_street(at, from);
        self.enter(i, at, next);
        let u = &mut self.units[i];
        u.along_m = u.length_m * self.rng.random_range(0.0..1.0);
    }

    pub fn now(&self) -> Millis {
        self.now
    }

    /// Advances the world by `dt_ms`; returns the reports and alarms due in that time.
    pub fn step(&mut self, dt_ms: Millis) -> Vec<Event> {
        self.now += dt_ms;
        let mut events = Vec::new();
        let period = (1000.0 / self.config.rate_hz.max(0.001)) as Millis;
        for i in 0..self.units.len() {
            self.advance(i, dt_ms as f64 / 1000.0);
            let u = &mut self.units[i];
            if self.now >= u.next_report {
                u.next_report += period.max(1) * ((self.now - u.next_report) / period.max(1) + 1);
                let fix = self.fix_of(i);
                events.push(Event::Position { device: self.units[i].id.clone(), fix, feed: FeedKind::Simulator });
            }
        }
        let expected = self.config.alarms_per_min / 60_000.0 * dt_ms as f64;
        let mut budget = expected;
        while budget > 0.0 && self.rng.random_bool(budget.min(1.0)) {
            events.push(self.alarm());
            budget -= 1.0;
        }
        events
    }

    fn alarm(&mut self) -> Event {
        let roll: f64 = self.rng.random();
        let time = self.now;
        if !self.sites.is_empty() && roll < 0.8 {
            // A panic button at one of the given sites.
            let site = &self.sites[self.rng.random_range(0..self.sites.len())];
            return panic_button(site.id.clone(), site.lon, site.lat, time);
        }
        if self.sites.is_empty() && roll < 0.3 {
            // A panic button at a fixed site (bank, market, school) on the road network.
            let node = self.drivable[self.rng.random_range(0..self.drivable.len())];
            let [lon, lat] = self.graph.nodes[node as usize];
            return panic_button(format!("site-{node}"), lon, lat, time);
        }
        let i = self.rng.random_range(0..self.units.len());
        // One SOS in four arrives without a fix, as from a phone indoors.
        let fix = self.rng.random_bool(0.75).then(|| self.fix_of(i));
        Event::Alarm {
            device: self.units[i].id.clone(),
            kind: "sos".into(),
            fix,
            priority: 1,
            time,
            feed: FeedKind::Simulator,
            notes: AlarmNotes::default(),
        }
    }

    fn fix_of(&self, i: usize) -> Fix {
        let u = &self.units[i];
        let [ax, ay] = self.graph.nodes[u.from as usize];
        let [bx, by] = self.graph.nodes[u.to as usize];
        let t = if u.length_m > 0.0 { (u.along_m / u.length_m).clamp(0.0, 1.0) } else { 0.0 };
        let (east, north) = offset_m(ax, ay, bx, by);
        let heading = east.atan2(north).to_degrees().rem_euclid(360.0);
        let moving = matches!(u.phase, Phase::Patrolling { .. } | Phase::Returning { .. });
        Fix {
            time: self.now,
            lon: ax + (bx - ax) * t,
            lat: ay + (by - ay) * t,
            speed: Some(if moving { u.speed_mps as f32 } else { 0.0 }),
            heading: Some(heading.rem_euclid(360.0) as f32),
            accuracy: Some(5.0),
        }
    }

    fn advance(&mut self, i: usize, mut dt: f64) {
        let now = self.now;
        while dt > 0.0 {
            let phase = self.units[i].phase.clone();
            match phase {
                Phase::Stopped { until, .. } | Phase::AtStation { until } if now < until => return,
                Phase::Stopped { then_patrol_until, .. } => {
                    self.units[i].phase = Phase::Patrolling { until: then_patrol_until }
                }
                Phase::AtStation { .. } => {
                    let until = now + self.rng.random_range(15..45) * 60_000;
                    self.units[i].phase = Phase::Patrolling { until };
                }
                Phase::Patrolling { .. } | Phase::Returning { .. } => {
                    let u = &mut self.units[i];
                    let left = u.length_m - u.along_m;
                    let travel = u.speed_mps * dt;
                    if travel < left {
                        u.along_m += travel;
                        return;
                    }
                    dt -= if u.speed_mps > 0.0 { left / u.speed_mps } else { dt };
                    self.arrive(i);
                }
            }
        }
    }

    /// At a node: choose what to do next (stop, go home, pick the next street).
    fn arrive(&mut self, i: usize) {
        let now = self.now;
        let node = self.units[i].to;
        let phase = self.units[i].phase.clone();
        let next = match phase {
            Phase::Returning { mut path } => {
                if path.is_empty() || node == self.units[i].home {
                    let until = now + self.rng.random_range(2..6) * 60_000;
                    self.units[i].phase = Phase::AtStation { until };
                    self.enter(i, node, node);
                    return;
                }
                let next = path.remove(0);
                self.units[i].phase = Phase::Returning { path };
                next
            }
            Phase::Patrolling { until } if now >= until => {
                let home = self.units[i].home;
                let route = self.graph.fastest_route(&[node], &[home], Edge::seconds, self.max_speed_kmh);
                let path = route.map(|r| r.nodes).unwrap_or_default();
                self.units[i].phase = Phase::Returning { path: path.into_iter().skip(1).collect() };
                self.enter(i, node, node);
                return;
            }
            Phase::Patrolling { until } if self.rng.random_bool(0.02) => {
                let stop = now + self.rng.random_range(20..90) * 1000;
                self.units[i].phase = Phase::Stopped { until: stop, then_patrol_until: until };
                self.enter(i, node, node);
                return;
            }
            _ => self.pick_street(node, self.units[i].from),
        };
        self.enter(i, node, next);
    }

    /// A random outgoing street, avoiding a U-turn where there is another way.
    fn pick_street(&mut self, node: RoadNode, came_from: RoadNode) -> RoadNode {
        let edges = self.graph.out_edges(node);
        let onward: Vec<RoadNode> = edges.iter().map(|e| e.to).filter(|t| *t != came_from).collect();
        match (onward.len(), edges.len()) {
            (0, 0) => node,
            (0, _) => edges[0].to,
            (n, _) => onward[self.rng.random_range(0..n)],
        }
    }

    fn enter(&mut self, i: usize, from: RoadNode, to: RoadNode) {
        let edge = self.graph.out_edges(from).iter().find(|e| e.to == to).copied();
        let factor = self.rng.random_range(0.6..1.0);
        let u = &mut self.units[i];
        u.from = from;
        u.to = to;
        u.along_m = 0.0;
        match edge {
            Some(e) => {
                let [lon, lat] = self.graph.nodes[from as usize];
                let rush = self.rush.filter(|_| e.major).map_or(1.0, |r| r.factor(lon, lat, self.now));
                u.length_m = f64::from(e.length_m);
                u.speed_mps = kmh_to_mps(f64::from(e.speed_kmh)) * factor * rush;
            }
            None => {
                u.length_m = 0.0;
                u.speed_mps = 0.0;
            }
        }
    }
}
