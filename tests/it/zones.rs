//! The zone editor's geometry on the real Jakarta kelurahan (2025) inside their kecamatan:
//! a split, a merge and a shared corner moved bring no overlap or gap, while a corner moved in
//! one zone only is caught; snapping finds a neighbour's corner; edited zones survive saving
//! and reading back as GeoJSON, FlatGeobuf and a Shapefile with its `.prj`; a journal's zone
//! edits are replayed, snapshotted and written out by `pantau zones save`.

use std::path::Path;
use std::process::Command;

use geo::{BoundingRect, ChamberlainDuquetteArea, Coord, LineString, Polygon};
use pantau::journal::{Journal, JournalConfig};
use pantau::layer_files::{load_zones, save_zones};
use pantau::model::zones::{EditedZone, ZoneChange};
use pantau::model::{Command as Act, Event, Role, Zone};
use pantau::spatial::zone_edit::{merge, move_corner, new_problems, snap, split, Snapped};

use crate::common::data;

/// The kecamatan and kelurahan of Jakarta, 2025.
fn jakarta() -> Vec<Zone> {
    let mut zones = load_zones(&data("jakarta/kecamatan_2025.geojson")).expect("kecamatan");
    zones.extend(load_zones(&data("jakarta/kelurahan_2025.geojson")).expect("kelurahan"));
    zones
}

/// A zone's area, its rings wound the one way (files wind holes either way).
fn area(zone: &Zone) -> f64 {
    use geo::orient::{Direction, Orient};
    zone.polygon.orient(Direction::Default).chamberlain_duquette_unsigned_area()
}

/// Two kelurahan of one kecamatan sharing a corner (not an end of their rings).
fn neighbours(zones: &[Zone]) -> (usize, usize, (f64, f64)) {
    let kelurahan: Vec<usize> = (0..zones.len()).filter(|&i| zones[i].level == 7).collect();
    for &a in &kelurahan {
        let corners: Vec<Coord<f64>> = zones[a].polygon.0[0].exterior().0[1..].to_vec();
        for &b in kelurahan.iter().filter(|&&b| b > a && zones[b].code.starts_with(&zones[a].code[..8])) {
            let shared = zones[b].polygon.0[0].exterior().0[1..].iter().find(|c| corners.contains(c));
            if let Some(c) = shared {
                return (a, b, (c.x, c.y));
            }
        }
    }
    panic!("no two kelurahan share a corner");
}

fn replaced(zones: &[Zone], changed: &[Zone], removed: &[&str]) -> Vec<Zone> {
    let mut out: Vec<Zone> = zones
        .iter()
        .filter(|z| !removed.contains(&z.code.as_str()))
        .map(|z| changed.iter().find(|c| c.code == z.code).unwrap_or(z).clone())
        .collect();
    out.extend(changed.iter().filter(|c| !zones.iter().any(|z| z.code == c.code)).cloned());
    out
}

#[test]
fn edits_on_jakarta_keep_the_topology_and_a_careless_one_is_caught() {
    let zones = jakarta();
    let (a, b, corner) = neighbours(&zones);
    let (za, zb) = (&zones[a], &zones[b]);

    // Split: the western half of A's box cuts A in two; together they are A.
    let r = za.polygon.bounding_rect().expect("a box");
    let mid = (r.min().x + r.max().x) / 2.0;
    let (x0, y0, y1) = (r.min().x - 0.01, r.min().y - 0.01, r.max().y + 0.01);
    let half = Polygon::new(LineString::from(vec![(x0, y0), (mid, y0), (mid, y1), (x0, y1), (x0, y0)]), vec![]);
    let (rest, west) = split(za, &half, "31.99.99.9001", "Barat").expect("a split");
    assert!((area(&rest) + area(&west) - area(za)).abs() < area(za) * 1e-6, "the halves make the whole");
    let after = replaced(&zones, &[rest, west], &[]);
    let found = new_problems(&zones, &after, &[&za.code, "31.99.99.9001"]);
    assert!(found.is_empty(), "a split brings nothing: {found:?}");

    // Merge: B into A; B is gone, nothing is left uncovered.
    let merged = merge(za, zb).expect("neighbours merge");
    for part in [za, zb] {
        let inside = geo::InteriorPoint::interior_point(&part.polygon).expect("a point inside");
        assert!(geo::Contains::contains(&merged.polygon, &inside), "the merged zone holds {}", part.code);
    }
    let after = replaced(&zones, std::slice::from_ref(&merged), &[&zb.code]);
    let found = new_problems(&zones, &after, &[&za.code, &zb.code]);
    assert!(found.is_empty(), "a merge brings nothing: {found:?}");

    // A shared corner moved 10 m into A moves in both zones: still no overlap or gap.
    let inside = geo::InteriorPoint::interior_point(&za.polygon).expect("inside A");
    let (dx, dy) = (inside.x() - corner.0, inside.y() - corner.1);
    let step = 0.00009 / dx.hypot(dy);
    let to = (corner.0 + dx * step, corner.1 + dy * step);
    let moved = move_corner(&zones, corner, to);
    assert!(moved.iter().any(|z| z.code == za.code) && moved.iter().any(|z| z.code == zb.code), "both have it");
    let after = replaced(&zones, &moved, &[]);
    let codes: Vec<&str> = moved.iter().map(|z| z.code.as_str()).collect();
    let found = new_problems(&zones, &after, &codes);
    assert!(found.is_empty(), "the border moved as one: {found:?}");

    // The same corner moved in A alone opens a gap or an overlap with B, and it is named.
    let careless = move_corner(std::slice::from_ref(za), corner, (corner.0 + 0.001, corner.1 + 0.001));
    let after = replaced(&zones, &careless, &[]);
    let found = new_problems(&zones, &after, &[&za.code]);
    assert!(!found.is_empty(), "a corner moved in one zone only is caught");
    assert!(found.iter().all(|p| p.zones.iter().any(|z| *z == za.code || *z == zb.code)), "{found:?}");

    // A corner put 5 m from the shared one snaps onto it.
    let (at, how) = snap((corner.0 + 0.00003, corner.1), &zones, &[], None, 12.0);
    assert_eq!(at, corner);
    assert!(matches!(how, Snapped::Corner(_)), "{how:?}");
    let (at, how) = snap((corner.0 + 0.01, corner.1 + 0.01), &zones[a..=a], &[], Some((1.0, 1.0)), 12.0);
    assert_eq!((at, how), ((corner.0 + 0.01, corner.1 + 0.01), Snapped::Free), "nothing within 12 m");
}

#[test]
fn edited_zones_survive_saving_and_reading_back_in_each_format() {
    let zones = jakarta();
    let (a, b, _) = neighbours(&zones);
    let mut merged = merge(&zones[a], &zones[b]).expect("merge");
    merged.properties.insert("station".into(), "Polsek Tanah Abang".into());
    merged.properties.insert("units".into(), "mobil-1,motor-2".into());
    merged.name = "Gabungan Timur & Barat".into();
    let kecamatan = &zones[a].code[..8];
    let mut edited: Vec<Zone> =
        replaced(&zones, &[merged], &[&zones[b].code]).into_iter().filter(|z| z.code.starts_with(kecamatan)).collect();
    edited.sort_by(|a, b| a.code.cmp(&b.code));
    let dir = tempfile::tempdir().expect("tmp");
    for name in ["edited.geojson", "edited.fgb", "edited.shp"] {
        let path = dir.path().join(name);
        save_zones(&path, &edited).expect("saved");
        let mut back = load_zones(&path).expect("read back");
        // FlatGeobuf files keep their features in the order of their spatial index.
        back.sort_by(|a, b| a.code.cmp(&b.code));
        assert_eq!(back.len(), edited.len(), "{name}");
        for (was, is) in edited.iter().zip(&back) {
            assert_eq!((&is.code, &is.name, is.level), (&was.code, &was.name, was.level), "{name}");
            assert!((area(is) - area(was)).abs() <= area(was) * 1e-9, "{name}: {} keeps its shape", was.code);
            let (is, was) = (EditedZone::from_zone(is), EditedZone::from_zone(was));
            assert_eq!((is.node, is.station, is.units), (was.node, was.station, was.units), "{name}");
        }
    }
    let prj = std::fs::read_to_string(dir.path().join("edited.prj")).expect("a .prj beside the .shp");
    assert!(prj.starts_with("GEOGCS[\"GCS_WGS_1984\""), "{prj}");
    let err = save_zones(&dir.path().join("edited.kml"), &edited).expect_err("an unknown format");
    assert!(format!("{err:#}").contains(".geojson, .fgb or .shp"), "{err:#}");
}

#[test]
fn a_journals_zone_edits_replay_and_zones_save_writes_them_out() {
    let dir = tempfile::tempdir().expect("tmp");
    let journal = dir.path().join("journal");
    let files = data("jakarta/kelurahan_2025.geojson");
    let zones = load_zones(&files).expect("kelurahan");
    let (a, b, _) = neighbours(&zones);
    let merged = merge(&zones[a], &zones[b]).expect("merge");
    let edit = |user: &str, role| Event::Command {
        user: user.into(),
        role,
        time: 1_000,
        command: Act::EditZones {
            what: "merge".into(),
            base: Some(0),
            changes: vec![
                ZoneChange::Put(EditedZone::from_zone(&merged)),
                ZoneChange::Remove { code: zones[b].code.clone() },
            ],
        },
    };
    {
        let (mut j, _) = Journal::open(JournalConfig::new(&journal)).expect("open");
        j.append(&[edit("sari", Role::Operator), edit("rudi", Role::Commander)], 1_000).expect("append");
        let world = pantau::journal::replay(&journal).expect("replay");
        j.snapshot(&world).expect("snapshot");
    }
    let world = pantau::journal::replay(&journal).expect("replay");
    assert_eq!(world.zones().version(), 1, "the operator's edit was refused");
    let snapshot = pantau::journal::snapshot::newest_first(&journal).next().expect("a snapshot");
    assert!(snapshot.world.same_state(&world), "the snapshot holds the zone edits");

    let out = dir.path().join("in-force.fgb");
    let run = Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["zones", "save", "--journal"])
        .arg(&journal)
        .arg("--zones")
        .arg(&files)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let saved = load_zones(&out).expect("read back");
    assert_eq!(saved.len(), zones.len() - 1, "one zone merged away");
    assert!(!saved.iter().any(|z| z.code == zones[b].code));
    let kept = saved.iter().find(|z| z.code == zones[a].code).expect("the merged zone");
    assert!((area(kept) - area(&merged)).abs() <= area(&merged) * 1e-9);
    let bad = Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["zones", "save", "--journal"])
        .arg(&journal)
        .args(["--out", "x.kml"])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("x.kml"), "names the file");
    assert!(Path::new(&out).exists());
}
