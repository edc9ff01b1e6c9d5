//! What the demo city's operators watch, placed on its ground plan: a Polres HQ and a Polsek
//! per kecamatan, CCTV at the major intersections looking down one of the roads, panic-button
//! sites (banks, markets, schools, minimarkets) along the streets, and the patrol fleet at its
//! stations.

use std::collections::BTreeMap;

use geo::{Contains, Coord, LineString, Point, Polygon};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::city::{nearest, Plan, Road, P};
use crate::model::{UnitKind, UnitStatus};

#[derive(Clone, Debug)]
pub struct Station {
    pub id: String,
    pub name: String,
    pub at: P,
}

#[derive(Clone, Debug)]
pub struct DemoCamera {
    pub id: String,
    pub name: String,
    pub at: P,
    pub direction: f64,
    pub fov: f64,
    pub range: f64,
    pub ptz: bool,
}

#[derive(Clone, Debug)]
pub struct Site {
    pub id: String,
    pub name: String,
    /// `bank`, `market`, `school` or `minimarket`.
    pub kind: &'static str,
    pub at: P,
}

#[derive(Clone, Debug)]
pub struct DemoUnit {
    pub id: String,
    pub callsign: String,
    pub kind: UnitKind,
    pub status: UnitStatus,
    pub station: usize,
}

pub struct Places {
    pub stations: Vec<Station>,
    pub cameras: Vec<DemoCamera>,
    pub sites: Vec<Site>,
    pub units: Vec<DemoUnit>,
}

/// How far from the road vertex a building stands (metres east and north).
const SET_BACK_M: f64 = 14.0;
const SITES: usize = 120;

pub fn place(rng: &mut ChaCha8Rng, plan: &Plan) -> Places {
    let street_points: Vec<P> =
        plan.roads.iter().filter(|r| r.class != "motorway").flat_map(|r| r.points.iter().copied()).collect();
    let set_back = |p: P| [p[0] + SET_BACK_M, p[1] + SET_BACK_M];
    let mut stations = vec![Station {
        id: "polres".into(),
        name: format!("Polres {}", plan.city_name.trim_start_matches("Kota ")),
        at: set_back(street_points[nearest(&street_points, [150.0, -150.0])]),
    }];
    for d in plan.districts.iter().filter(|d| d.level == 6) {
        stations.push(Station {
            id: format!("polsek-{}", d.code.rsplit('.').next().unwrap_or_default()),
            name: format!("Polsek {}", d.name),
            at: set_back(street_points[nearest(&street_points, d.anchor)]),
        });
    }
    let cameras = cameras(rng, &plan.roads);
    let sites = sites(rng, plan);
    let units = fleet(rng, stations.len());
    Places { stations, cameras, sites, units }
}

fn rank(class: &str) -> u8 {
    match class {
        "primary" => 3,
        "secondary" => 2,
        "tertiary" => 1,
        _ => 0,
    }
}

/// Every crossing of a secondary-or-above road with a tertiary-or-above one gets a camera, and
/// one in ten crossings of an arterial with a residential street.
fn cameras(rng: &mut ChaCha8Rng, roads: &[Road]) -> Vec<DemoCamera> {
    let key = |p: &P| ((p[0] * 1000.0).round() as i64, (p[1] * 1000.0).round() as i64);
    let mut meeting: BTreeMap<(i64, i64), Vec<(usize, usize)>> = BTreeMap::new();
    for (r, road) in roads.iter().enumerate().filter(|(_, r)| r.class != "motorway") {
        for (i, p) in road.points.iter().enumerate() {
            meeting.entry(key(p)).or_default().push((r, i));
        }
    }
    let mut out = Vec::new();
    for ends in meeting.values() {
        let mut ranks: Vec<u8> = ends.iter().map(|(r, _)| rank(roads[*r].class)).collect();
        let distinct = ends.iter().any(|(r, _)| *r != ends[0].0);
        ranks.sort_unstable_by(|a, b| b.cmp(a));
        let major = distinct && ranks.len() >= 2 && ranks[0] >= 2 && ranks[1] >= 1;
        let minor = distinct && ranks.len() >= 2 && ranks[0] >= 2 && rng.random_bool(0.1);
        if !(major || minor) {
            continue;
        }
        let (r, i) = ends[rng.random_range(0..ends.len())];
        let road = &roads[r].points;
        let toward = if i + 1 < road.len() && (i == 0 || rng.random_bool(0.5)) { road[i + 1] } else { road[i - 1] };
        let at = road[i];
        let direction = (toward[0] - at[0]).atan2(toward[1] - at[1]).to_degrees().rem_euclid(360.0);
        let ptz = rng.random_bool(0.25);
        let corner = (direction + 135.0).to_radians();
        let names: Vec<&str> = {
            let mut n: Vec<&str> = ends.iter().map(|(r, _)| roads[*r].name.as_str()).collect();
            n.dedup();
            n
        };
        out.push(DemoCamera {
            id: format!("cctv-{:03}", out.len() + 1),
            name: format!("CCTV Simpang {}", names.join(" / ").replace("Jalan ", "")),
            at: [at[0] + 8.0 * corner.sin(), at[1] + 8.0 * corner.cos()],
            direction: (direction * 10.0).round() / 10.0,
            fov: if ptz { 360.0 } else { f64::from(rng.random_range(10..=18) * 5) },
            range: if ptz { 90.0 } else { f64::from(rng.random_range(6..=12) * 10) },
            ptz,
        });
    }
    out
}

/// Panic-button sites on streets below arterial rank, named after their kelurahan.
fn sites(rng: &mut ChaCha8Rng, plan: &Plan) -> Vec<Site> {
    let kelurahan: Vec<(Polygon<f64>, &str)> = plan
        .districts
        .iter()
        .filter(|d| d.level == 7)
        .map(|d| {
            let ring: LineString<f64> = d.ring.iter().map(|p| Coord { x: p[0], y: p[1] }).collect();
            (Polygon::new(ring, vec![]), d.name.as_str())
        })
        .collect();
    let streets: Vec<P> = plan
        .roads
        .iter()
        .filter(|r| matches!(r.class, "residential" | "tertiary"))
        .flat_map(|r| r.points.iter().copied())
        .collect();
    let kinds: [(&str, &str, u32); 4] = [
        ("bank", "Bank Arta Sentosa", 25),
        ("market", "Pasar", 20),
        ("school", "SD Negeri", 35),
        ("minimarket", "Minimarket Serba Ada", 40),
    ];
    let total: u32 = kinds.iter().map(|k| k.2).sum();
    let mut out = Vec::new();
    while out.len() < SITES {
        let p = streets[rng.random_range(0..streets.len())];
        let at = [p[0] + 14.0, p[1] + 14.0];
        let Some((_, area)) = kelurahan.iter().find(|(poly, _)| poly.contains(&Point::new(at[0], at[1]))) else {
            continue;
        };
        let mut roll = rng.random_range(0..total);
        let mut chosen = kinds[kinds.len() - 1];
        for k in kinds {
            if roll < k.2 {
                chosen = k;
                break;
            }
            roll -= k.2;
        }
        let (kind, label, _) = chosen;
        let n = out.len() + 1;
        let name = match kind {
            "bank" => format!("{label} Cabang {area}"),
            "school" => format!("{label} {:02} {area}", n % 40 + 1),
            _ => format!("{label} {area}"),
        };
        out.push(Site { id: format!("site-{kind}-{n:03}"), name, kind, at });
    }
    out
}

/// Per Polsek: 14 Sabhara cars, 12 motorbikes and 2 traffic-control units; at the Polres also
/// highway patrol, escorts, traffic control, unmarked cars and drones. One unit in eight is off
/// duty.
fn fleet(rng: &mut ChaCha8Rng, stations: usize) -> Vec<DemoUnit> {
    let hq: [(UnitKind, &str, usize); 5] = [
        (UnitKind::Pjr, "PJR", 20),
        (UnitKind::Patwal, "PTW", 12),
        (UnitKind::Gatur, "GTR", 8),
        (UnitKind::Car, "OPS", 6),
        (UnitKind::Drone, "DRN", 8),
    ];
    let sector: [(UnitKind, &str, usize); 3] =
        [(UnitKind::Sabhara, "SBR", 14), (UnitKind::Motorbike, "RMB", 12), (UnitKind::Gatur, "GTR", 2)];
    let mut out = Vec::new();
    for station in 0..stations {
        let mix: &[(UnitKind, &str, usize)] = if station == 0 { &hq } else { &sector };
        for (kind, prefix, count) in mix {
            for n in 1..=*count {
                out.push(DemoUnit {
                    id: format!("demo-{:04}", out.len() + 1),
                    callsign: format!("{prefix} {station:02}-{n:02}"),
                    kind: *kind,
                    status: if rng.random_bool(0.125) { UnitStatus::OffDuty } else { UnitStatus::Available },
                    station,
                });
            }
        }
    }
    out
}
