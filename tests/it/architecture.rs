//! The rooms of `src/` and what each may import, as ARCHITECTURE.md draws them: every
//! `crate::ROOM` path in a room's files must name a room listed below it, so data flows one way
//! and no two rooms import each other. Inside a room, files may not import each other in a
//! circle either.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Rooms from the bottom up, each with the rooms it may import.
const ROOMS: &[(&str, &[&str])] = &[
    ("crs", &[]),
    ("model", &[]),
    ("org", &["model"]),
    ("users", &["model"]),
    ("basemap", &["crs"]),
    ("world", &["crs", "model"]),
    ("journal", &["model", "world"]),
    ("spatial", &["crs", "model", "world", "basemap"]),
    ("ingest", &["crs", "model", "world", "journal"]),
    ("feeds", &["crs", "model", "world", "ingest"]),
    ("layer_files", &["crs", "model", "basemap", "feeds"]),
    ("sim", &["crs", "model", "spatial", "feeds"]),
    ("hub", &["crs", "model", "org", "users", "world", "spatial", "ingest", "feeds"]),
    ("relay", &["model", "org", "world", "journal", "spatial", "ingest"]),
    ("exchange", &["model", "world"]),
    ("analysis", &["crs", "model", "org", "world", "journal", "spatial", "layer_files"]),
    ("history", &["crs", "model", "world", "journal", "sim", "hub"]),
    (
        "service",
        &["model", "org", "users", "world", "journal", "spatial", "ingest", "feeds", "layer_files", "hub", "relay"],
    ),
    ("demo", &["crs", "model", "org", "basemap", "spatial", "layer_files", "sim"]),
    (
        "ops",
        &[
            "crs",
            "model",
            "org",
            "users",
            "world",
            "basemap",
            "spatial",
            "ingest",
            "layer_files",
            "sim",
            "hub",
            "service",
            "demo",
        ],
    ),
    ("render", &["crs", "model", "basemap", "spatial"]),
    ("ui", &["crs", "model", "world", "journal", "analysis", "spatial", "layer_files", "render", "ops"]),
    (
        "cli",
        &[
            "crs",
            "model",
            "exchange",
            "analysis",
            "history",
            "org",
            "users",
            "basemap",
            "world",
            "journal",
            "spatial",
            "ingest",
            "feeds",
            "layer_files",
            "sim",
            "hub",
            "relay",
            "service",
            "demo",
            "ops",
            "render",
            "ui",
        ],
    ),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("list src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The names following `prefix` in a file's code (comments skipped), e.g. the `x` of
/// `crate::x::...`.
fn names_after(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in text.lines().map(str::trim_start).filter(|l| !l.starts_with("//")) {
        for (at, _) in line.match_indices(prefix) {
            let rest = &line[at + prefix.len()..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

#[test]
fn every_room_is_listed_and_imports_only_rooms_below_it() {
    let listed: BTreeMap<&str, &[&str]> = ROOMS.iter().copied().collect();
    let mut wrong = Vec::new();
    for entry in std::fs::read_dir(src()).expect("list src").flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let room = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let Some(allowed) = listed.get(room.as_str()) else {
            wrong.push(format!("src/{room} is not a room of ARCHITECTURE.md (add it to ROOMS)"));
            continue;
        };
        for file in rust_files(&path) {
            let text = std::fs::read_to_string(&file).expect("read");
            for used in names_after(&text, "crate::") {
                if used != room && listed.contains_key(used.as_str()) && !allowed.contains(&used.as_str()) {
                    wrong.push(format!("{} imports crate::{used}", file.display()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the flow:\n{}", wrong.join("\n"));
}

#[test]
fn rooms_are_ordered_bottom_up() {
    for (i, (room, allowed)) in ROOMS.iter().enumerate() {
        for below in *allowed {
            let at = ROOMS.iter().position(|(r, _)| r == below);
            assert!(at.is_some_and(|at| at < i), "{room} may import {below}, which is not below it");
        }
    }
}

#[test]
fn no_file_circles_inside_a_room() {
    // Edges between sibling files of one folder, through `super::NAME` or `crate::ROOM::NAME`.
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for file in rust_files(&src()) {
        let dir = file.parent().expect("parent").to_path_buf();
        let is_mod = file.file_name().is_some_and(|n| n == "mod.rs");
        // `super::` of a mod.rs is the folder above; of any other file, its own folder.
        let (sibling_dir, room_prefix) = if is_mod {
            (dir.parent().expect("parent").to_path_buf(), None)
        } else {
            let rel = dir.strip_prefix(src()).expect("under src").to_string_lossy().replace('/', "::");
            (dir.clone(), Some(format!("crate::{rel}::")))
        };
        let text = std::fs::read_to_string(&file).expect("read");
        let text: String = text.split("#[cfg(test)]").next().unwrap_or_default().to_string();
        let mut names = names_after(&text, "super::");
        if let Some(prefix) = room_prefix.filter(|p| p != "crate::::") {
            names.extend(names_after(&text, &prefix));
        }
        for name in names {
            let target = [sibling_dir.join(format!("{name}.rs")), sibling_dir.join(&name).join("mod.rs")]
                .into_iter()
                .find(|p| p.exists() && *p != file);
            if let Some(target) = target {
                edges.entry(file.clone()).or_default().insert(target);
            }
        }
    }
    for start in edges.keys() {
        let mut stack = vec![start.clone()];
        let mut seen = BTreeSet::new();
        while let Some(at) = stack.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                assert!(next != start, "import circle through {} and {}", start.display(), at.display());
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
    }
}
