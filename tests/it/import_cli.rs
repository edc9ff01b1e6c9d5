//! `pantau import`, `info` and `render` as a user runs them: real inputs in every supported
//! format, and every kind of bad input answered with a clear error and a non-zero exit.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

use common::data;

fn pantau(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pantau")).args(args).output().expect("run pantau")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn info_json(archive: &Path) -> serde_json::Value {
    let out = pantau(&["info", "--json", archive.to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "info failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("info --json prints JSON")
}

fn import(inputs: &[&Path], out: &Path) -> Output {
    let mut args = vec!["import", "-q", "--out", out.to_str().expect("utf-8")];
    args.extend(inputs.iter().map(|p| p.to_str().expect("utf-8")));
    pantau(&args)
}

fn assert_fails(out: &Output, needles: &[&str]) {
    assert!(!out.status.success(), "expected failure, got success");
    let err = stderr(out);
    for needle in needles {
        assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
    }
    assert!(!err.contains("panicked"), "a panic is not an error message:\n{err}");
}

#[test]
fn jakarta_import_reports_layers_counts_and_bounds() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("jakarta.pmtiles");
    let roads = data("jakarta/jakarta_roads.shp");
    let kelurahan = data("jakarta/kelurahan_2025.geojson");
    let result = import(&[&roads, &kelurahan], &out);
    assert!(result.status.success(), "{}", stderr(&result));
    let info = info_json(&out);
    // The data set's README: 18,574 road lines (a few of unmapped classes are dropped) and
    // 267 kelurahan polygons.
    let roads = info["feature_counts"]["roads"].as_u64().expect("road count");
    assert!((18_500..=18_574).contains(&roads), "{roads} roads");
    // Those dropped are counted, with why.
    let said = String::from_utf8_lossy(&result.stdout);
    let dropped =
        said.lines().find(|l| l.starts_with("not drawn: ")).unwrap_or_else(|| panic!("no drop report: {said}"));
    let counted: u64 =
        dropped["not drawn: ".len()..].split("; ").filter_map(|r| r.split(' ').next()?.parse::<u64>().ok()).sum();
    assert_eq!(counted, 18_574 - roads, "{dropped}");
    assert!(dropped.contains("road type"), "{dropped}");
    assert_eq!(info["feature_counts"]["boundaries"], 267);
    assert_eq!(info["min_zoom"], 8);
    assert_eq!(info["max_zoom"], 16);
    let b: Vec<f64> = info["bounds"].as_array().expect("bounds").iter().filter_map(|v| v.as_f64()).collect();
    assert!(b[0] > 106.3 && b[2] < 107.1 && b[1] > -6.5 && b[3] < -5.1, "bounds {b:?}");
    let layers = info["layers"].to_string();
    assert!(layers.contains("roads") && layers.contains("boundaries"), "{layers}");
    // Text output names the same things.
    let text = pantau(&["info", out.to_str().expect("utf-8")]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("zooms:       8-16") && text.contains("roads"), "{text}");
}

#[test]
fn monaco_pbf_brings_every_layer_and_osm_attribution() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("monaco.pmtiles");
    let result = import(&[&data("osm/monaco.osm.pbf")], &out);
    assert!(result.status.success(), "{}", stderr(&result));
    let info = info_json(&out);
    for layer in ["roads", "water", "landuse", "buildings", "boundaries", "pois"] {
        assert!(info["feature_counts"][layer].as_u64().unwrap_or(0) > 0, "no {layer} in {info}");
    }
    // The data set's README: 23,370 buildings and 11 police stations among the POIs.
    let buildings = info["feature_counts"]["buildings"].as_u64().unwrap_or(0);
    assert!((23_000..=23_370).contains(&buildings), "{buildings} buildings");
    assert!(info["feature_counts"]["pois"].as_u64().unwrap_or(0) >= 11);
    assert_eq!(info["attribution"], "© OpenStreetMap contributors");
}

#[test]
fn the_same_input_gives_a_byte_identical_archive() {
    let (a, b) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let pbf = data("osm/monaco.osm.pbf");
    for dir in [&a, &b] {
        let result = import(&[&pbf], &dir.path().join("monaco.pmtiles"));
        assert!(result.status.success(), "{}", stderr(&result));
    }
    let read = |d: &tempfile::TempDir| std::fs::read(d.path().join("monaco.pmtiles")).expect("read");
    assert!(read(&a) == read(&b), "two imports of the same extract differ");
}

#[test]
fn helsinki_cameras_keep_their_surveillance_tags() {
    use geozero::mvt::{Message, Tile};
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("helsinki.pmtiles");
    let result = import(&[&data("osm/helsinki.osm.pbf")], &out);
    assert!(result.status.success(), "{}", stderr(&result));
    let archive = pantau::basemap::Archive::open(&out).expect("open");
    let (w, s, e, n) = archive.header.bounds;
    let range = pantau::crs::TileRange::covering(
        16,
        pantau::crs::lonlat_to_world(w, n).0,
        pantau::crs::lonlat_to_world(w, n).1,
        pantau::crs::lonlat_to_world(e, s).0,
        pantau::crs::lonlat_to_world(e, s).1,
    );
    let mut cameras = 0;
    let mut with_tags = 0;
    for id in range.iter() {
        let Some(bytes) = archive.tile(id).expect("read tile") else { continue };
        let tile = Tile::decode(bytes.as_slice()).expect("valid MVT");
        for layer in tile.layers.iter().filter(|l| l.name == "pois") {
            for f in &layer.features {
                let keys: Vec<&str> = f.tags.chunks(2).map(|kv| layer.keys[kv[0] as usize].as_str()).collect();
                let class = f
                    .tags
                    .chunks(2)
                    .find(|kv| layer.keys[kv[0] as usize] == "class")
                    .map(|kv| &layer.values[kv[1] as usize]);
                if class.and_then(|v| v.string_value.as_deref()) == Some("camera") {
                    cameras += 1;
                    with_tags +=
                        usize::from(keys.iter().any(|k| k.starts_with("surveillance") || k.starts_with("camera:")));
                }
            }
        }
    }
    // The data set's README: 221 man_made=surveillance nodes.
    assert_eq!(cameras, 221, "cameras at zoom 16");
    // 6 of them carry camera:* / surveillance:* tags in the extract (counted with pyosmium).
    assert_eq!(with_tags, 6, "cameras with camera:*/surveillance:* tags");
}

#[test]
fn flatgeobuf_and_reprojected_geojson_import() {
    use geozero::GeozeroDatasource;
    let dir = tempfile::tempdir().expect("tmp");
    // FlatGeobuf written from the 2025 kelurahan GeoJSON.
    let fgb_path = dir.path().join("kelurahan.fgb");
    let mut fgb = flatgeobuf::FgbWriter::create("kelurahan", flatgeobuf::GeometryType::MultiPolygon).expect("writer");
    let mut geojson = std::fs::File::open(data("jakarta/kelurahan_2025.geojson")).expect("geojson");
    geozero::geojson::GeoJsonReader(&mut geojson).process(&mut fgb).expect("convert");
    fgb.write(&mut std::fs::File::create(&fgb_path).expect("create")).expect("write fgb");
    let out = dir.path().join("fgb.pmtiles");
    let result = import(&[&fgb_path], &out);
    assert!(result.status.success(), "{}", stderr(&result));
    assert_eq!(info_json(&out)["feature_counts"]["boundaries"], 267);

    // A road given in UTM zone 48S (EPSG:32748) through Monas, legacy GeoJSON `crs` member.
    let utm = dir.path().join("utm.geojson");
    std::fs::write(
        &utm,
        r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32748"}},
        "features":[{"type":"Feature","properties":{"highway":"primary","name":"Medan Merdeka"},
        "geometry":{"type":"LineString","coordinates":[[702183.3221,9317059.3830],[703183.3221,9317059.3830]]}}]}"#,
    )
    .expect("write");
    let out = dir.path().join("utm.pmtiles");
    let result = import(&[&utm], &out);
    assert!(result.status.success(), "{}", stderr(&result));
    let b: Vec<f64> = info_json(&out)["bounds"].as_array().expect("bounds").iter().filter_map(|v| v.as_f64()).collect();
    assert!((b[0] - 106.8272).abs() < 1e-5 && (b[1] - -6.1754).abs() < 1e-4, "bounds {b:?} start at Monas");
}

#[test]
fn bad_inputs_get_clear_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let out = d.join("out.pmtiles");
    let write = |name: &str, bytes: &[u8]| {
        let p = d.join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    };
    assert_fails(&import(&[&d.join("nowhere.shp")], &out), &["nowhere.shp", "file not found"]);
    assert_fails(&import(&[&write("notes.txt", b"hello")], &out), &["notes.txt", "unknown format"]);
    assert_fails(&import(&[&write("broken.osm.pbf", &[7u8; 4096])], &out), &["broken.osm.pbf", "PBF"]);
    let shp = write("broken.shp", &[1u8; 300]);
    write("broken.shx", &[1u8; 300]);
    write("broken.dbf", &[1u8; 300]);
    assert_fails(&import(&[&shp], &out), &["broken.shp", "corrupt Shapefile"]);
    for ext in ["shp", "shx", "dbf"] {
        std::fs::copy(data(&format!("jakarta/kabupaten_jakarta.{ext}")), d.join(format!("odd.{ext}"))).expect("copy");
    }
    write("odd.prj", b"PROJCS[\"nonsense\",GEOGCS[\"made up\"],PROJECTION[\"Nowhere\"]]");
    assert_fails(&import(&[&d.join("odd.shp")], &out), &["odd.shp", "unknown CRS"]);
    let empty = write("empty.geojson", br#"{"type":"FeatureCollection","features":[]}"#);
    assert_fails(&import(&[&empty], &out), &["empty.geojson", "empty data"]);
    let pointless = write(
        "pointless.geojson",
        br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"foo":1},"geometry":{"type":"Point","coordinates":[106.8,-6.2]}}]}"#,
    );
    assert_fails(&import(&[&pointless], &out), &["pointless.geojson", "none of its 1 features"]);
    let off_globe = write(
        "degrees.geojson",
        br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"highway":"primary"},"geometry":{"type":"LineString","coordinates":[[702183,9317059],[703183,9317059]]}}]}"#,
    );
    assert_fails(&import(&[&off_globe], &out), &["degrees.geojson", "not a WGS84 longitude/latitude"]);
    let broken_json = write("broken.geojson", b"{\"type\": \"FeatureCollection\", \"features\": [");
    assert_fails(&import(&[&broken_json], &out), &["broken.geojson", "not valid JSON"]);
    assert_fails(
        &pantau(&[
            "import",
            "--out",
            "x.pmtiles",
            "--min-zoom",
            "12",
            "--max-zoom",
            "9",
            shp.to_str().unwrap_or_default(),
        ]),
        &["zoom range"],
    );
}

#[test]
fn a_failed_import_leaves_the_previous_archive_and_no_temporary_files() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("city.pmtiles");
    std::fs::write(&out, b"previous archive").expect("write");
    let good = data("jakarta/kecamatan_2025.geojson");
    let bad = dir.path().join("bad.osm.pbf");
    std::fs::write(&bad, [0u8; 1000]).expect("write");
    assert_fails(&import(&[&good, &bad], &out), &["bad.osm.pbf"]);
    assert_eq!(std::fs::read(&out).expect("read"), b"previous archive");
    let names: Vec<_> =
        std::fs::read_dir(dir.path()).expect("ls").filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    assert_eq!(names.len(), 2, "only the two files we made remain: {names:?}");
}

#[test]
fn render_writes_a_png_and_refuses_bad_arguments() {
    let dir = tempfile::tempdir().expect("tmp");
    let archive = common::jakarta();
    let png = dir.path().join("map.png");
    let a = archive.to_str().expect("utf-8");
    let out =
        pantau(&["render", "--map", a, "--size", "320x200", "--theme", "night", "--out", png.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let image = pantau::render::Image::read_png(&png).expect("a PNG");
    assert_eq!((image.width, image.height), (320, 200));
    assert_fails(&pantau(&["render", "--map", a, "--size", "10x10", "--out", "x.png"]), &["16-8192"]);
    assert_fails(&pantau(&["render", "--map", a, "--center", "200,0", "--out", "x.png"]), &["outside the map"]);
    assert_fails(
        &pantau(&["render", "--map", a, "--zoom", "30", "--out", "x.png"]),
        &["--zoom", "30", "between 0 and 22"],
    );
    assert_fails(
        &pantau(&["render", "--map", "missing.pmtiles", "--out", "x.png"]),
        &["missing.pmtiles", "file not found"],
    );
    let notes = dir.path().join("notes.pmtiles");
    std::fs::write(&notes, b"not an archive at all, just text").expect("write");
    assert_fails(
        &pantau(&["render", "--map", notes.to_str().expect("utf-8"), "--out", "x.png"]),
        &["notes.pmtiles", "PMTiles"],
    );
}

#[test]
fn every_command_has_help() {
    for cmd in [vec!["--help"], vec!["import", "--help"], vec!["render", "--help"], vec!["info", "--help"]] {
        let out = pantau(&cmd);
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"), "{cmd:?}");
    }
}
