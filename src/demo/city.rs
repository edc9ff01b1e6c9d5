//! The demo city's ground plan, in metres on a local plane around its centre: a lattice of
//! residential streets (a regular grid in the centre, warped and thinned into organic streets
//! further out) with collector roads every sixth line, an inner and an outer ring road joined by
//! eight radials, a toll motorway with interchanges on the outer ring, a river that only the
//! arterials bridge, parks, lakes, land use, and two levels of districts whose borders follow
//! the rings and radials.
//!
//! Streets meet only where they share a vertex: arterials are cut into the lattice at every
//! crossing, while the motorway and its ramps cross everything else on bridges.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::names;

/// Half the side of the square city, metres.
pub const HALF_M: f64 = 7_500.0;
const BLOCK_M: f64 = 220.0;
const LATTICE_N: i32 = 34;
const COLLECTOR_EVERY: i32 = 6;
pub const OUTER_RING_M: f64 = 4_600.0;
pub const INNER_RING_M: f64 = 1_300.0;
/// Vertices of each ring; radials start and cross at ring vertices.
const RING_VERTICES: usize = 96;
pub const RADIALS: usize = 8;
const RIVER_HALF_WIDTH_M: f64 = 45.0;
/// The motorway's centre line: x = MOTORWAY_X + MOTORWAY_SLOPE * y.
const MOTORWAY_X: f64 = 3_100.0;
const MOTORWAY_SLOPE: f64 = 0.06;
/// Districts: the centre inside the inner ring, and one wedge between each pair of radials,
/// cut at these radii into sub-districts.
const SUB_DISTRICT_RADII: [f64; 2] = [3_000.0, OUTER_RING_M];

pub type P = [f64; 2];

#[derive(Clone, Debug)]
pub struct Road {
    pub points: Vec<P>,
    /// pantau road class (`motorway`, `primary`, ..., `residential`).
    pub class: &'static str,
    pub link: bool,
    pub name: String,
    pub oneway: bool,
    pub lanes: u32,
}

/// A polygon with the OSM-style tags that say what it is.
#[derive(Clone, Debug)]
pub struct Area {
    pub ring: Vec<P>,
    pub tags: Vec<(&'static str, String)>,
}

#[derive(Clone, Debug)]
pub struct District {
    pub ring: Vec<P>,
    pub code: String,
    pub name: String,
    /// 5 the city, 6 kecamatan, 7 kelurahan.
    pub level: u8,
    /// A point well inside, where its police sub-station goes.
    pub anchor: P,
}

pub struct Plan {
    pub city_name: String,
    pub roads: Vec<Road>,
    pub river: Vec<P>,
    pub river_name: String,
    pub areas: Vec<Area>,
    pub districts: Vec<District>,
}

/// Lays out the whole city from the random stream.
pub fn plan(rng: &mut ChaCha8Rng) -> Plan {
    let place_names = names::places(rng, 1 + RADIALS + 1 + 12 + 1);
    let (city, kecamatan, river_name, park_names) =
        (&place_names[0], &place_names[1..=RADIALS + 1], &place_names[RADIALS + 2], &place_names[RADIALS + 3..]);
    let river = River::new(rng);
    let lattice = Lattice::new(rng, &river);
    let mut arterials = arterials(kecamatan);
    let mut lattice_edges = lattice.edges(rng, &river);
    node_crossings(&mut arterials, &mut lattice_edges);
    let mut roads = Lattice::streets(&lattice_edges);
    let motorway = motorway(city, &arterials[0]);
    roads.extend(arterials);
    roads.extend(motorway);
    let mut areas = vec![river.water(&format!("Sungai {river_name}"))];
    areas.extend(green_and_blue(rng, &lattice, &river, park_names));
    areas.extend(land_use());
    Plan {
        city_name: format!("Kota {city}"),
        roads,
        river: river.centre_line(),
        river_name: format!("Sungai {river_name}"),
        areas,
        districts: districts(city, kecamatan),
    }
}

/// The river's centre line is a function of x, so "which side" is a sign.
struct River {
    phase: [f64; 2],
}

impl River {
    fn new(rng: &mut ChaCha8Rng) -> Self {
        Self { phase: [rng.random_range(0.0..std::f64::consts::TAU), rng.random_range(0.0..std::f64::consts::TAU)] }
    }

    fn y(&self, x: f64) -> f64 {
        -900.0 + 1_400.0 * (x / 2_600.0 + self.phase[0]).sin() + 350.0 * (x / 870.0 + self.phase[1]).sin()
    }

    /// Metres north (+) or south (-) of the centre line.
    fn side(&self, p: P) -> f64 {
        p[1] - self.y(p[0])
    }

    fn centre_line(&self) -> Vec<P> {
        (0..=260).map(|i| -7_800.0 + f64::from(i) * 60.0).map(|x| [x, self.y(x)]).collect()
    }

    fn water(&self, name: &str) -> Area {
        let line = self.centre_line();
        let offset = |sign: f64| -> Vec<P> {
            line.iter()
                .enumerate()
                .map(|(i, p)| {
                    let (a, b) = (line[i.saturating_sub(1)], line[(i + 1).min(line.len() - 1)]);
                    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                    let len = dx.hypot(dy).max(1e-9);
                    [p[0] - sign * dy / len * RIVER_HALF_WIDTH_M, p[1] + sign * dx / len * RIVER_HALF_WIDTH_M]
                })
                .collect()
        };
        let mut ring = offset(1.0);
        ring.extend(offset(-1.0).into_iter().rev());
        Area { ring, tags: vec![("natural", "water".into()), ("water", "river".into()), ("name", name.into())] }
    }
}

/// How far from a regular grid the streets at this point may wander: none in the centre, fully
/// organic beyond the middle of the city.
fn organic(p: P) -> f64 {
    ((p[0].hypot(p[1]) - 2_500.0) / 2_000.0).clamp(0.0, 1.0)
}

/// Lattice node `(i, j)` for i, j in -N..=N, stored row-major.
struct Lattice {
    points: Vec<P>,
    /// Nodes in (or too near) the river.
    drowned: Vec<bool>,
}

#[derive(Clone, Debug)]
struct LatticeEdge {
    a: P,
    b: P,
    /// Crossings with arterials: (fraction along a -> b, point).
    cuts: Vec<(f64, P)>,
}

const SIDE: usize = (2 * LATTICE_N + 1) as usize;

fn lattice_index(i: i32, j: i32) -> usize {
    (j + LATTICE_N) as usize * SIDE + (i + LATTICE_N) as usize
}

impl Lattice {
    fn new(rng: &mut ChaCha8Rng, river: &River) -> Self {
        let warp: [f64; 2] = [rng.random_range(0.0..6.3), rng.random_range(0.0..6.3)];
        let mut points = Vec::with_capacity(SIDE * SIDE);
        for j in -LATTICE_N..=LATTICE_N {
            for i in -LATTICE_N..=LATTICE_N {
                let (x, y) = (f64::from(i) * BLOCK_M, f64::from(j) * BLOCK_M);
                let jitter = [rng.random_range(-35.0..35.0), rng.random_range(-35.0..35.0)];
                let bend = [70.0 * (y / 900.0 + warp[0]).sin(), 70.0 * (x / 1_100.0 + warp[1]).sin()];
                let k = organic([x, y]);
                points.push([x + k * (bend[0] + jitter[0]), y + k * (bend[1] + jitter[1])]);
            }
        }
        let drowned = points.iter().map(|p| river.side(*p).abs() < RIVER_HALF_WIDTH_M + 30.0).collect();
        Self { points, drowned }
    }

    /// Horizontal edges first (row by row), then vertical; the river cuts every street that
    /// would cross it, and outer streets are thinned at random.
    fn edges(&self, rng: &mut ChaCha8Rng, river: &River) -> Vec<Option<LatticeEdge>> {
        let mut out = Vec::new();
        for vertical in [false, true] {
            for j in -LATTICE_N..=LATTICE_N {
                for i in -LATTICE_N..LATTICE_N {
                    let (a, b) = if vertical {
                        (lattice_index(j, i), lattice_index(j, i + 1))
                    } else {
                        (lattice_index(i, j), lattice_index(i + 1, j))
                    };
                    let (pa, pb) = (self.points[a], self.points[b]);
                    let collector = j % COLLECTOR_EVERY == 0;
                    let thin = !collector && rng.random_bool(0.12 * organic(pa));
                    let wet = self.drowned[a] || self.drowned[b] || river.side(pa).signum() != river.side(pb).signum();
                    out.push((!thin && !wet).then_some(LatticeEdge { a: pa, b: pb, cuts: Vec::new() }));
                }
            }
        }
        out
    }

    /// Consecutive kept edges along each lattice line become one named street.
    fn streets(edges: &[Option<LatticeEdge>]) -> Vec<Road> {
        let per_line = (2 * LATTICE_N) as usize;
        let mut roads = Vec::new();
        for (line, chunk) in edges.chunks(per_line).enumerate() {
            let vertical = line >= SIDE;
            let n = line % SIDE;
            let collector = (n as i32 - LATTICE_N) % COLLECTOR_EVERY == 0;
            let name = match (collector, vertical) {
                (true, _) => {
                    format!("Jalan Raya {}", names::TREES[(n / COLLECTOR_EVERY as usize) % names::TREES.len()])
                }
                (false, false) => names::street(&names::FLOWERS, n),
                (false, true) => names::street(&names::BIRDS, n),
            };
            let mut run: Vec<P> = Vec::new();
            for edge in chunk.iter().chain(std::iter::once(&None)) {
                match edge {
                    Some(e) => {
                        if run.is_empty() {
                            run.push(e.a);
                        }
                        run.extend(e.cuts.iter().map(|c| c.1));
                        run.push(e.b);
                    }
                    None if run.len() >= 2 => roads.push(Road {
                        points: std::mem::take(&mut run),
                        class: if collector { "tertiary" } else { "residential" },
                        link: false,
                        name: name.clone(),
                        oneway: false,
                        lanes: if collector { 2 } else { 1 },
                    }),
                    None => run.clear(),
                }
            }
        }
        roads
    }
}

fn ring_angle(index: usize) -> f64 {
    index as f64 * std::f64::consts::TAU / RING_VERTICES as f64
}

fn polar(r: f64, index: usize) -> P {
    let a = ring_angle(index);
    [r * a.cos(), r * a.sin()]
}

/// The ring vertex index of radial `k` (radials sit half-way between the axes and diagonals).
fn radial_index(k: usize) -> usize {
    (2 * k + 1) * RING_VERTICES / (2 * RADIALS)
}

/// Where a ray from the centre at ring angle `index` leaves the square city.
fn edge_of_city(index: usize) -> P {
    let a = ring_angle(index);
    let t = HALF_M / a.cos().abs().max(a.sin().abs());
    [t * a.cos(), t * a.sin()]
}

/// The outer ring first (the motorway's interchanges look for it there), then the inner ring
/// and the radials, named after the districts they lead to.
fn arterials(kecamatan: &[String]) -> Vec<Road> {
    let ring = |r: f64| (0..=RING_VERTICES).map(|i| polar(r, i % RING_VERTICES)).collect::<Vec<P>>();
    let mut roads = vec![
        Road {
            points: ring(OUTER_RING_M),
            class: "primary",
            link: false,
            name: "Jalan Lingkar Luar".into(),
            oneway: false,
            lanes: 4,
        },
        Road {
            points: ring(INNER_RING_M),
            class: "secondary",
            link: false,
            name: "Jalan Lingkar Dalam".into(),
            oneway: false,
            lanes: 2,
        },
    ];
    for k in 0..RADIALS {
        let index = radial_index(k);
        let end = edge_of_city(index);
        let length = end[0].hypot(end[1]);
        let mut points = vec![polar(INNER_RING_M, index)];
        let mut r = INNER_RING_M + 250.0;
        while r < length - 50.0 {
            if (r - OUTER_RING_M).abs() < 125.0 {
                r = OUTER_RING_M;
            }
            points.push(if r == OUTER_RING_M { polar(OUTER_RING_M, index) } else { polar(r, index) });
            r += 250.0;
        }
        points.push(end);
        let major = k % 2 == 0;
        roads.push(Road {
            points,
            class: if major { "primary" } else { "secondary" },
            link: false,
            name: format!("Jalan Raya {}", kecamatan[1 + k]),
            oneway: false,
            lanes: if major { 4 } else { 2 },
        });
    }
    roads
}

/// Cuts every arterial into every lattice street it crosses, at one shared point.
fn node_crossings(arterials: &mut [Road], edges: &mut [Option<LatticeEdge>]) {
    let cell = |v: f64| (v / BLOCK_M).floor() as i32;
    let cells = |p: P, q: P| {
        let (x0, x1) = (cell(p[0].min(q[0])), cell(p[0].max(q[0])));
        let (y0, y1) = (cell(p[1].min(q[1])), cell(p[1].max(q[1])));
        (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
    };
    let mut buckets: std::collections::HashMap<(i32, i32), Vec<usize>> = Default::default();
    for (id, e) in edges.iter().enumerate() {
        if let Some(e) = e {
            for c in cells(e.a, e.b) {
                buckets.entry(c).or_default().push(id);
            }
        }
    }
    for road in arterials {
        let mut out = vec![road.points[0]];
        for w in road.points.windows(2) {
            let (p, q) = (w[0], w[1]);
            let mut candidates: Vec<usize> =
                cells(p, q).flat_map(|c| buckets.get(&c).into_iter().flatten()).copied().collect();
            candidates.sort_unstable();
            candidates.dedup();
            let mut cuts: Vec<(f64, P)> = Vec::new();
            for id in candidates {
                let Some(e) = edges[id].as_mut() else { continue };
                if let Some((t, u)) = crossing(p, q, e.a, e.b) {
                    // Through the arterial's own vertex: the street meets that very vertex.
                    let at = if t <= EDGE_T { p } else { [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])] };
                    cuts.push((t, at));
                    e.cuts.push((u, at));
                }
            }
            cuts.sort_by(|a, b| a.0.total_cmp(&b.0));
            out.extend(cuts.into_iter().map(|c| c.1));
            out.push(q);
        }
        road.points = out;
    }
    for e in edges.iter_mut().flatten() {
        e.cuts.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
}

/// How near a segment's end (as a fraction of it) a crossing counts as at the end.
const EDGE_T: f64 = 1e-9;

/// Where segments p-q and a-b cross: the fractions along each (at p, or inside; never at q, nor
/// at the ends of a-b).
fn crossing(p: P, q: P, a: P, b: P) -> Option<(f64, f64)> {
    let (r, s) = ([q[0] - p[0], q[1] - p[1]], [b[0] - a[0], b[1] - a[1]]);
    let denom = r[0] * s[1] - r[1] * s[0];
    if denom.abs() < 1e-12 {
        return None;
    }
    let ap = [a[0] - p[0], a[1] - p[1]];
    let t = (ap[0] * s[1] - ap[1] * s[0]) / denom;
    let u = (ap[0] * r[1] - ap[1] * r[0]) / denom;
    // The crossing may be at p (t ~ 0) but not at q: the next segment counts that one.
    ((-EDGE_T..1.0 - EDGE_T).contains(&t) && (EDGE_T..1.0 - EDGE_T).contains(&u)).then_some((t, u))
}

fn motorway_x(y: f64) -> f64 {
    MOTORWAY_X + MOTORWAY_SLOPE * y
}

/// Two one-way carriageways north-south east of the centre, turned into each other at the
/// city's edge (where the road leaves the map), with four ramps at each outer-ring crossing.
fn motorway(city: &str, outer_ring: &Road) -> Vec<Road> {
    let carriageway = |offset: f64, northbound: bool| -> Vec<P> {
        let mut ys: Vec<f64> = (0..=76).map(|i| -7_600.0 + f64::from(i) * 200.0).collect();
        if !northbound {
            ys.reverse();
        }
        ys.into_iter().map(|y| [motorway_x(y) + offset, y]).collect()
    };
    // Traffic keeps left: the northbound carriageway is the western one.
    let (north, south) = (carriageway(-14.0, true), carriageway(14.0, false));
    let road = |points: Vec<P>, link: bool| Road {
        points,
        class: "motorway",
        link,
        name: if link { format!("Ramp Tol {city}") } else { format!("Jalan Tol {city}") },
        oneway: true,
        lanes: if link { 1 } else { 3 },
    };
    let mut roads = Vec::new();
    for y in ring_crossings() {
        // Ramps leave and join on the left, the outside of each carriageway.
        for (way, heading, outside) in [(&north, 1.0, -1.0), (&south, -1.0, 1.0)] {
            let near = |target: f64| nearest(way, [motorway_x(target), target]);
            let ring_vertex = nearest(&outer_ring.points, [motorway_x(y) + outside * 240.0, y]);
            roads.push(road(vec![way[near(y - heading * 500.0)], outer_ring.points[ring_vertex]], true));
            roads.push(road(vec![outer_ring.points[ring_vertex], way[near(y + heading * 500.0)]], true));
        }
    }
    if let (Some(n_end), Some(s_start), Some(s_end), Some(n_start)) =
        (north.last(), south.first(), south.last(), north.first())
    {
        roads.push(road(vec![*n_end, [motorway_x(7_700.0), 7_700.0], *s_start], true));
        roads.push(road(vec![*s_end, [motorway_x(-7_700.0), -7_700.0], *n_start], true));
    }
    roads.push(road(north, false));
    roads.push(road(south, false));
    roads
}

/// The two y where the motorway's centre line meets the outer ring.
fn ring_crossings() -> [f64; 2] {
    // (X + S y)^2 + y^2 = R^2
    let (a, b, c) = (
        1.0 + MOTORWAY_SLOPE * MOTORWAY_SLOPE,
        2.0 * MOTORWAY_X * MOTORWAY_SLOPE,
        MOTORWAY_X * MOTORWAY_X - OUTER_RING_M * OUTER_RING_M,
    );
    let root = (b * b - 4.0 * a * c).sqrt();
    [(-b - root) / (2.0 * a), (-b + root) / (2.0 * a)]
}

/// The index of the point of `points` nearest `to`.
pub fn nearest(points: &[P], to: P) -> usize {
    let d = |p: &P| (p[0] - to[0]).powi(2) + (p[1] - to[1]).powi(2);
    (0..points.len()).min_by(|a, b| d(&points[*a]).total_cmp(&d(&points[*b]))).unwrap_or(0)
}

/// Parks and lakes, each inside one lattice block clear of the river, rings, radials and the
/// motorway (so no street runs through them); the first park is the town square.
fn green_and_blue(rng: &mut ChaCha8Rng, lattice: &Lattice, river: &River, names: &[String]) -> Vec<Area> {
    let block = |i: i32, j: i32| {
        [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)].map(|(a, b)| lattice.points[lattice_index(a, b)])
    };
    let centre = |q: &[P; 4]| [q.iter().map(|p| p[0]).sum::<f64>() / 4.0, q.iter().map(|p| p[1]).sum::<f64>() / 4.0];
    let clear = |c: P| {
        let r = c[0].hypot(c[1]);
        let radial_gap = (0..RADIALS)
            .map(|k| {
                let a = ring_angle(radial_index(k));
                (c[0] * a.sin() - c[1] * a.cos()).abs() + if c[0] * a.cos() + c[1] * a.sin() < 0.0 { 1e9 } else { 0.0 }
            })
            .fold(f64::INFINITY, f64::min);
        river.side(c).abs() > 250.0
            && (r - OUTER_RING_M).abs() > 250.0
            && (r - INNER_RING_M).abs() > 250.0
            && (r < INNER_RING_M || radial_gap > 250.0)
            && (c[0] - motorway_x(c[1])).abs() > 300.0
            && c[0].abs().max(c[1].abs()) < HALF_M - 400.0
    };
    let shrink = |q: [P; 4], k: f64| {
        let c = centre(&q);
        q.map(|p| [c[0] + (p[0] - c[0]) * k, c[1] + (p[1] - c[1]) * k]).to_vec()
    };
    let mut areas = vec![Area {
        ring: shrink(block(0, 0), 0.8),
        tags: vec![("leisure", "park".into()), ("name", "Alun-Alun".into())],
    }];
    let mut used = vec![(0, 0)];
    while areas.len() < 13 {
        let (i, j) = (rng.random_range(-LATTICE_N..LATTICE_N), rng.random_range(-LATTICE_N..LATTICE_N));
        let q = block(i, j);
        if used.iter().any(|(a, b)| (a - i).abs() <= 2 && (b - j).abs() <= 2) || !clear(centre(&q)) {
            continue;
        }
        used.push((i, j));
        let name = &names[areas.len() - 1];
        areas.push(if areas.len() <= 2 {
            let c = centre(&q);
            let ring = (0..12)
                .map(|k| {
                    let a = f64::from(k) * std::f64::consts::TAU / 12.0;
                    [c[0] + 60.0 * a.cos(), c[1] + 45.0 * a.sin()]
                })
                .collect();
            Area { ring, tags: vec![("natural", "water".into()), ("name", format!("Situ {name}"))] }
        } else {
            Area { ring: shrink(q, 0.8), tags: vec![("leisure", "park".into()), ("name", format!("Taman {name}"))] }
        });
    }
    areas
}

/// Houses everywhere, shops and offices inside the inner ring, industry by the motorway.
fn land_use() -> Vec<Area> {
    let square = |x0: f64, y0: f64, x1: f64, y1: f64| vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
    vec![
        Area { ring: square(-HALF_M, -HALF_M, HALF_M, HALF_M), tags: vec![("landuse", "residential".into())] },
        Area {
            ring: (0..RING_VERTICES).map(|i| polar(INNER_RING_M - 40.0, i)).collect(),
            tags: vec![("landuse", "commercial".into())],
        },
        Area { ring: square(3_400.0, -6_900.0, 5_400.0, -5_400.0), tags: vec![("landuse", "industrial".into())] },
    ]
}

/// The city, a central kecamatan inside the inner ring (four kelurahan) and one kecamatan per
/// wedge between radials (three kelurahan each, cut at 3 km and at the outer ring). Codes
/// follow the Kemendagri pattern under the unused province code 99.
fn districts(city: &str, kecamatan: &[String]) -> Vec<District> {
    let city_code = "99.71";
    let mut out = vec![District {
        ring: vec![[-HALF_M, -HALF_M], [HALF_M, -HALF_M], [HALF_M, HALF_M], [-HALF_M, HALF_M]],
        code: city_code.into(),
        name: format!("Kota {city}"),
        level: 5,
        anchor: [0.0, 0.0],
    }];
    let kel = |kec: usize, n: usize| format!("{city_code}.{kec:02}.{}", 1000 + n);
    // The centre: a disc cut into quarters along the radial directions.
    let centre_code = format!("{city_code}.01");
    out.push(District {
        ring: (0..RING_VERTICES).map(|i| polar(INNER_RING_M, i)).collect(),
        code: centre_code,
        name: format!("{} Tengah", kecamatan[0]),
        level: 6,
        anchor: [-450.0, 450.0],
    });
    for q in 0..4 {
        let (from, to) = (radial_index(2 * q), radial_index(2 * q + 2));
        let mut ring = vec![[0.0, 0.0]];
        ring.extend(arc(INNER_RING_M, from, to));
        out.push(District {
            ring,
            code: kel(1, q + 1),
            name: format!("{} {}", kecamatan[0], ["Timur", "Utara", "Barat", "Selatan"][q]),
            level: 7,
            anchor: polar(INNER_RING_M * 0.55, (from + to) / 2),
        });
    }
    for k in 0..RADIALS {
        let (from, to) = (radial_index(k), radial_index(k + 1));
        let name = &kecamatan[1 + k];
        out.push(District {
            ring: wedge(from, to, INNER_RING_M, None),
            code: format!("{city_code}.{:02}", k + 2),
            name: name.clone(),
            level: 6,
            anchor: polar(3_800.0, (from + to) / 2),
        });
        let bands = [INNER_RING_M, SUB_DISTRICT_RADII[0], SUB_DISTRICT_RADII[1]];
        for (n, r0) in bands.iter().enumerate() {
            let r1 = bands.get(n + 1).copied();
            out.push(District {
                ring: wedge(from, to, *r0, r1),
                code: kel(k + 2, n + 1),
                name: format!("{name} {}", ["Dalam", "Tengah", "Luar"][n]),
                level: 7,
                anchor: polar(r1.map_or(r0 + 1_200.0, |r1| (r0 + r1) / 2.0), (from + to) / 2),
            });
        }
    }
    out
}

/// Ring vertices at radius `r` from index `from` to `to` (counter-clockwise, wrapping).
fn arc(r: f64, from: usize, to: usize) -> Vec<P> {
    let to = if to <= from { to + RING_VERTICES } else { to };
    (from..=to).map(|i| polar(r, i % RING_VERTICES)).collect()
}

/// The part of the city between two ring angles and two radii (`None`: out to the city's edge).
fn wedge(from: usize, to: usize, r0: f64, r1: Option<f64>) -> Vec<P> {
    let mut ring = arc(r0, from, to);
    match r1 {
        Some(r1) => ring.extend(arc(r1, from, to).into_iter().rev()),
        None => {
            let (a0, a1) = (ring_angle(from), ring_angle(if to <= from { to + RING_VERTICES } else { to }));
            ring.push(edge_of_city(to % RING_VERTICES));
            let corners = [[HALF_M, HALF_M], [-HALF_M, HALF_M], [-HALF_M, -HALF_M], [HALF_M, -HALF_M]];
            let mut inside: Vec<(f64, P)> = corners
                .iter()
                .map(|c| (c[1].atan2(c[0]).rem_euclid(std::f64::consts::TAU), *c))
                .flat_map(|(a, c)| [(a, c), (a + std::f64::consts::TAU, c)])
                .filter(|(a, _)| *a > a0 && *a < a1)
                .collect();
            inside.sort_by(|a, b| b.0.total_cmp(&a.0));
            ring.extend(inside.into_iter().map(|(_, c)| c));
            ring.push(edge_of_city(from));
        }
    }
    ring
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_street_through_an_arterial_vertex_meets_it_once() {
        let (a, b) = ([0.0, -5.0], [0.0, 5.0]);
        // The arterial's segment starting at the street: a crossing at its start...
        assert_eq!(crossing([0.0, 0.0], [10.0, 0.0], a, b), Some((0.0, 0.5)));
        // ...and not again at the end of the segment before it.
        assert_eq!(crossing([-10.0, 0.0], [0.0, 0.0], a, b), None);
        // Inside both: the fractions along each.
        assert_eq!(crossing([-10.0, 1.0], [10.0, 1.0], a, b), Some((0.5, 0.6)));
    }

    #[test]
    fn the_centre_collectors_meet_the_inner_ring() {
        let plan = plan(&mut rand::SeedableRng::seed_from_u64(1));
        let ring = plan.roads.iter().find(|r| r.name == "Jalan Lingkar Dalam").expect("inner ring");
        let east = [INNER_RING_M, 0.0];
        assert!(ring.points.contains(&east));
        let collectors = plan.roads.iter().filter(|r| r.class == "tertiary" && r.points.contains(&east)).count();
        assert!(collectors >= 1, "the collector along y = 0 does not share the ring's vertex at {east:?}");
    }
}
