//! `pantau query` as an analyst's script runs it: one JSON object per query point, real data,
//! and clear errors.

use crate::common;

use std::process::{Command, Output};

fn pantau(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pantau")).args(args).output().expect("run pantau")
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect()
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8")
}

#[test]
fn zone_query_names_every_level_with_its_properties() {
    let kel = common::data("jakarta/kelurahan_2025.geojson");
    let kec = common::data("jakarta/kecamatan_2025.geojson");
    let out = pantau(&[
        "query",
        "zone",
        "--zones",
        path(&kel),
        path(&kec),
        "--at",
        "106.8272,-6.1754",
        "--at",
        "106.9,-5.95",
    ]);
    let rows = lines(&out);
    assert_eq!(rows.len(), 2);
    let zones = rows[0]["zones"].as_array().expect("zones");
    assert_eq!(zones.len(), 2);
    assert_eq!((zones[0]["level"].as_u64(), zones[1]["level"].as_u64()), (Some(6), Some(7)));
    assert_eq!(
        (zones[0]["level_name"].as_str(), zones[1]["level_name"].as_str()),
        (Some("kecamatan"), Some("kelurahan/desa"))
    );
    assert_eq!(zones[1]["properties"]["nama"], "Gambir");
    assert!(zones[1]["properties"]["kode"].as_str().is_some_and(|k| k.starts_with("31.71.01")));
    assert_eq!(rows[1]["zones"].as_array().map(Vec::len), Some(0), "the sea is in no zone");
}

#[test]
fn nearest_and_route_use_the_roads() {
    let dir = tempfile::tempdir().expect("tmp");
    let units = dir.path().join("units.csv");
    std::fs::write(
        &units,
        "id,callsign,status,kind,lon,lat\n\
         u1,PJR-1,available,pjr,106.8280,-6.1870\n\
         u2,PJR-2,dispatched,pjr,106.8231,-6.1930\n\
         u3,SAB-3,available,sabhara,106.8133,-6.2196\n\
         u4,SAB-4,off_duty,sabhara,106.8230,-6.1940\n",
    )
    .expect("write");
    let map = common::jakarta();
    let out = pantau(&[
        "query",
        "nearest",
        "--units",
        path(&units),
        "--at",
        "106.8229,-6.1935",
        "-k",
        "5",
        "--map",
        path(map),
    ]);
    let rows = lines(&out);
    let ranked = rows[0]["units"].as_array().expect("units");
    let ids: Vec<&str> = ranked.iter().filter_map(|u| u["id"].as_str()).collect();
    assert_eq!(ids, vec!["u1", "u3"], "only available units, fastest first");
    assert!(ranked.iter().all(|u| u["eta_s"].as_f64().is_some() && u["route"].as_array().is_some_and(|r| r.len() > 1)));

    // Bundaran HI to Semanggi: about 3.1 km as the crow flies.
    let route = lines(&pantau(&[
        "query",
        "route",
        "--map",
        path(map),
        "--from",
        "106.8229,-6.1935",
        "--to",
        "106.8133,-6.2196",
    ]));
    let road = route[0]["road_m"].as_f64().expect("road_m");
    assert!((3_000.0..6_000.0).contains(&road), "{road} m by road");
    let eta = route[0]["eta_s"].as_f64().expect("eta_s");
    assert!((120.0..900.0).contains(&eta), "{eta} s");
}

#[test]
fn camera_query_and_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let cams = dir.path().join("cctv.csv");
    std::fs::write(&cams, "id,name,lon,lat,direction,fov,range\nc1,HI north,106.8229,-6.1935,0,60,150\nc2,HI south,106.8229,-6.1935,180,60,150\n").expect("write");
    let rows = lines(&pantau(&["query", "cameras", "--cameras", path(&cams), "--at", "106.8229,-6.1930"]));
    let seen: Vec<&str> =
        rows[0]["cameras"].as_array().expect("cameras").iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(seen, vec!["c1"], "the point 55 m north is seen only by the north-facing camera");

    let missing = pantau(&["query", "zone", "--zones", "/nonexistent/zones.geojson", "--at", "1,1"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("zones.geojson: file not found"));
    let no_points = pantau(&["query", "cameras", "--cameras", path(&cams)]);
    assert!(!no_points.status.success(), "a query needs --at or --points");
    let bad_point = pantau(&["query", "cameras", "--cameras", path(&cams), "--at", "106.8"]);
    assert!(!bad_point.status.success());
    assert!(String::from_utf8_lossy(&bad_point.stderr).contains("LON,LAT"));
}

/// Every option of every command says what it is for (`--help` lists no bare flags).
#[test]
fn every_option_has_help() {
    use clap::CommandFactory;
    fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if id != "help" && id != "version" && arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path} --{}", arg.get_long().unwrap_or(id)));
            }
        }
        for sub in command.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut missing = Vec::new();
    walk(&pantau::cli::Cli::command(), "pantau", &mut missing);
    assert!(missing.is_empty(), "options without help: {missing:#?}");
}
