//! Operation plans as a commander writes them: `pantau plan check` timing a convoy through
//! central Jakarta on the real roads and naming the streets to hold, and refusing bad plan
//! files by name and reason.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::common;

/// Monas to Bundaran HI to Blok M, leaving at 09:00 WIB; the later times are the roads'.
const CONVOY: &str = r#"
id = "ketupat-2026"
name = "Operasi Ketupat 2026"

[[checkpoint]]
name = "Pos Semanggi"
at = [106.8136, -6.2195]
from = 2026-12-01T06:00:00+07:00
until = "2026-12-01T18:00:00+07:00"
units = ["P-101"]

[[escort]]
name = "VVIP convoy"
units = ["PW-1"]
waypoints = [
  { name = "Monas", at = [106.8272, -6.1754], eta = 2026-12-01T09:00:00+07:00 },
  { name = "Bundaran HI", at = [106.8230, -6.1950] },
  { name = "Blok M", at = [106.7997, -6.2441] },
]

[[deployment]]
zone = "3171"
kind = "motorbike"
count = 4
from = 2026-12-01T06:00:00+07:00
until = 2026-12-01T18:00:00+07:00
"#;

/// 2026-12-01 09:00 WIB.
const SET_OFF_MS: i64 = 1_796_090_400_000;

fn pantau(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pantau")).args(args).output().expect("run pantau")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write plan");
    path
}

fn check(file: &Path, map: Option<&Path>) -> Output {
    let mut args = vec!["plan".to_string(), "check".into(), file.display().to_string()];
    if let Some(map) = map {
        args.extend(["--map".into(), map.display().to_string()]);
    }
    pantau(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn plan_check_times_a_convoy_on_jakarta_roads_and_names_the_streets_to_hold() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = write(dir.path(), "convoy.toml", CONVOY.as_bytes());
    let out = check(&file, Some(common::jakarta()));
    assert!(out.status.success(), "{}", text(&out));
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let escort = &printed["plan"]["escorts"][0];
    let etas: Vec<i64> =
        escort["waypoints"].as_array().expect("waypoints").iter().filter_map(|w| w["eta"].as_i64()).collect();
    assert_eq!(etas.len(), 3);
    assert_eq!(etas[0], SET_OFF_MS, "the given time is kept");
    // Monas to Bundaran HI is about 2.2 km as the crow flies; Blok M is 5.8 km further.
    let legs: Vec<f64> = printed["escort_legs"][0]["legs"]
        .as_array()
        .expect("legs")
        .iter()
        .filter_map(|l| l["minutes"].as_f64())
        .collect();
    assert!((2.0..15.0).contains(&legs[0]) && (5.0..30.0).contains(&legs[1]), "{legs:?}");
    let leg_minutes = (etas[1] - etas[0]) as f64 / 60_000.0;
    assert!((leg_minutes - legs[0]).abs() < 0.06, "the eta is the leg's drive time later: {leg_minutes} vs {legs:?}");
    assert!(etas[0] < etas[1] && etas[1] < etas[2] && etas.iter().all(|t| t % 1000 == 0), "{etas:?}");
    let hold: Vec<&str> = escort["hold"].as_array().expect("hold").iter().filter_map(Value::as_str).collect();
    for street in ["MH Thamrin", "Sudirman"] {
        assert!(hold.contains(&street), "the convoy runs along {street}: {hold:?}");
    }
    assert_eq!(printed["plan"]["checkpoints"][0]["radius_m"], 100.0, "the default radius");
    assert_eq!(printed["plan"]["deployments"][0]["kind"], "motorbike");

    // Without a map, what the roads would fill in cannot be.
    let out = check(&file, None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("--map"), "{}", text(&out));
    // A plan that gives every time and the roads needs no map.
    let given = CONVOY
        .replace(
            r#"{ name = "Bundaran HI", at = [106.8230, -6.1950] }"#,
            r#"{ name = "Bundaran HI", at = [106.8230, -6.1950], eta = 1796090700 }"#,
        )
        .replace(
            r#"{ name = "Blok M", at = [106.7997, -6.2441] }"#,
            r#"{ name = "Blok M", at = [106.7997, -6.2441], eta = 1796091300 }"#,
        )
        .replace(r#"units = ["PW-1"]"#, "units = [\"PW-1\"]\nhold = [\"Sudirman\"]");
    let out = check(&write(dir.path(), "given.toml", given.as_bytes()), None);
    assert!(out.status.success(), "{}", text(&out));
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(printed["plan"]["escorts"][0]["waypoints"][2]["eta"], 1_796_091_300_000_i64);
    assert_eq!(printed["plan"]["escorts"][0]["hold"], serde_json::json!(["Sudirman"]));
}

#[test]
fn bad_plan_files_are_refused_by_name_and_reason() {
    let dir = tempfile::tempdir().expect("tmp");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("typo.toml", CONVOY.replace("units = [\"P-101\"]", "unts = [\"P-101\"]").into_bytes(), "unts"),
        ("truncated.toml", CONVOY.as_bytes()[..CONVOY.len() / 2].to_vec(), "not a plan"),
        ("latin1.toml", b"id = \"op\"\nname = \"Operasi \xe9\"\n".to_vec(), "UTF-8"),
        ("no-start.toml", CONVOY.replace(", eta = 2026-12-01T09:00:00+07:00", "").into_bytes(), "needs an eta"),
        (
            "no-zone.toml",
            CONVOY
                .replace("from = 2026-12-01T06:00:00+07:00\nuntil = \"", "from = \"2026-12-01T06:00:00\"\nuntil = \"")
                .into_bytes(),
            "zone",
        ),
        (
            "backwards.toml",
            CONVOY
                .replace("until = \"2026-12-01T18:00:00+07:00\"", "until = \"2026-12-01T05:00:00+07:00\"")
                .into_bytes(),
            "Pos Semanggi",
        ),
        (
            "off-globe.toml",
            CONVOY.replace("[106.8136, -6.2195]", "[206.8136, -6.2195]").into_bytes(),
            "not a place on the globe",
        ),
        ("no-kind.toml", CONVOY.replace("kind = \"motorbike\"", "kind = \"tank\"").into_bytes(), "tank"),
        ("control.toml", CONVOY.replace("Pos Semanggi", "Pos\\u0007Semanggi").into_bytes(), "printable"),
        ("huge.toml", vec![b'#'; (1 << 20) + 1], "more than a plan file may hold"),
        ("empty.toml", Vec::new(), "not a plan"),
    ];
    for (name, bytes, reason) in cases {
        let out = check(&write(dir.path(), name, &bytes), None);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out));
        let said = text(&out);
        assert!(said.contains(name) && said.contains(reason), "{name} should say {reason:?}: {said}");
    }
    let out = check(&dir.path().join("missing.toml"), None);
    assert!(!out.status.success() && text(&out).contains("missing.toml"), "{}", text(&out));
}
