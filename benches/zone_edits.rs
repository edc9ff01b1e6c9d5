//! The hub's check of a commander's zone edit on the real Jakarta zones (44 kecamatan, 267
//! kelurahan, 2025): a kelurahan split in two, checked around the edit (what the hub does
//! before journaling it) against the whole city's topology check (`pantau zones check`, the
//! baseline); and the zones in force made again after an edit (the files with the edits laid
//! over them, indexed), which the hub and every desk do once per edit.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use geo::{BoundingRect, LineString, Polygon};
use pantau::layer_files::load_zones;
use pantau::model::zones::{EditedZone, ZoneChange};
use pantau::model::Zone;
use pantau::spatial::topology::check;
use pantau::spatial::zone_edit::{new_problems, split};
use pantau::spatial::ZoneIndex;
use pantau::world::zones::ZoneBook;

fn data(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(rel)
}

fn jakarta() -> Vec<Zone> {
    let mut zones = load_zones(&data("jakarta/kecamatan_2025.geojson")).expect("kecamatan");
    zones.extend(load_zones(&data("jakarta/kelurahan_2025.geojson")).expect("kelurahan"));
    zones
}

/// The zones with one kelurahan (Gambir, in central Jakarta) split by the western half of its
/// box.
fn split_one(zones: &[Zone]) -> (Vec<Zone>, Vec<String>) {
    let zone = zones.iter().find(|z| z.code == "31.71.01.1001").expect("Gambir");
    let r = zone.polygon.bounding_rect().expect("a box");
    let mid = (r.min().x + r.max().x) / 2.0;
    let (x0, y0, y1) = (r.min().x - 0.01, r.min().y - 0.01, r.max().y + 0.01);
    let half = Polygon::new(LineString::from(vec![(x0, y0), (mid, y0), (mid, y1), (x0, y1), (x0, y0)]), vec![]);
    let (rest, west) = split(zone, &half, "31.99.99.9001", "Barat").expect("a split");
    let mut after: Vec<Zone> = zones.iter().filter(|z| z.code != zone.code).cloned().collect();
    after.extend([rest, west]);
    (after, vec![zone.code.clone(), "31.99.99.9001".into()])
}

/// A zone with its outer border cut into about `corners` corners (the same shape).
fn densified(zone: &Zone, corners: usize) -> Zone {
    let ring = &zone.polygon.0[0].exterior().0;
    let per_edge = (corners / ring.len().max(1)).max(1);
    let mut points = Vec::new();
    for w in ring.windows(2) {
        for i in 0..per_edge {
            let t = i as f64 / per_edge as f64;
            points.push((w[0].x + (w[1].x - w[0].x) * t, w[0].y + (w[1].y - w[0].y) * t));
        }
    }
    points.push(points[0]);
    let polygon = geo::MultiPolygon(vec![Polygon::new(LineString::from(points), vec![])]);
    Zone { polygon, ..zone.clone() }
}

fn edit_check(c: &mut Criterion) {
    let zones = jakarta();
    let (after, touched) = split_one(&zones);
    let touched: Vec<&str> = touched.iter().map(String::as_str).collect();
    let found = new_problems(&zones, &after, &touched);
    assert!(found.is_empty(), "a clean split: {found:?}");
    let mut group = c.benchmark_group("zone edit");
    group.sample_size(10);
    group.bench_function("whole city's topology check (baseline)", |b| b.iter(|| check(&after).len()));
    group
        .bench_function("a split checked around the edit", |b| b.iter(|| new_problems(&zones, &after, &touched).len()));
    // The largest edit a seat may send: Gambir redrawn with its border cut into 5,000 corners.
    let dense = densified(zones.iter().find(|z| z.code == "31.71.01.1001").expect("Gambir"), 4_990);
    let mut big: Vec<Zone> = zones.iter().filter(|z| z.code != dense.code).cloned().collect();
    big.push(dense);
    group.bench_function("a 5,000-corner zone checked around the edit", |b| {
        b.iter(|| new_problems(&zones, &big, &["31.71.01.1001"]).len())
    });
    let changes: Vec<ZoneChange> = after
        .iter()
        .filter(|z| touched.contains(&z.code.as_str()))
        .map(|z| ZoneChange::Put(EditedZone::from_zone(z)))
        .collect();
    let mut book = ZoneBook::default();
    book.apply(None, &changes);
    group.bench_function("zones in force made again after an edit", |b| {
        b.iter(|| ZoneIndex::new(book.lay_over(&zones)).zones().len())
    });
    group.finish();
}

criterion_group!(benches, edit_check);
criterion_main!(benches);
