//! Every input kept under `fuzz/corpus/` replayed through its fuzz target, so the parsers'
//! hostile-input corpora run with every `cargo test` and not only under `fuzz/run`: the
//! seeds must still be taken (a seed pantau no longer reads fuzzes nothing), and inputs named
//! `bad-*` or `crash-*` (crashes the fuzzer found, kept after the fix) must run without a panic.

use std::path::{Path, PathBuf};

use crate::fuzz_targets::{target, TARGETS};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus")
}

fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(entry.path()).expect("read a corpus file"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_target_has_seeds_that_pantau_takes() {
    for (name, run) in TARGETS {
        let seeds: Vec<_> = inputs(&corpus().join(name))
            .into_iter()
            .filter(|(file, _)| !file.starts_with("bad-") && !file.starts_with("crash-"))
            .collect();
        assert!(!seeds.is_empty(), "fuzz/corpus/{name} has no seed");
        for (file, data) in seeds {
            assert!(run(&data), "fuzz/corpus/{name}/{file}: pantau refuses this seed");
        }
    }
}

/// Every input cut short at each of a few points and with one bit flipped at each of a few
/// places: a truncated upload or a damaged file must be refused, never a panic.
fn damaged(data: &[u8]) -> Vec<Vec<u8>> {
    let places = [0, data.len() / 3, data.len() / 2, data.len().saturating_sub(1)];
    let mut out: Vec<Vec<u8>> = places.iter().map(|&at| data[..at].to_vec()).collect();
    for &at in places.iter().filter(|&&at| at < data.len()) {
        let mut flipped = data.to_vec();
        flipped[at] ^= 0x80;
        out.push(flipped);
    }
    out
}

#[test]
fn hostile_inputs_cut_and_flipped_inputs_and_fixed_crashes_run_without_a_panic() {
    let mut bad = 0;
    for entry in std::fs::read_dir(corpus()).expect("fuzz/corpus").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let run = target(&name).unwrap_or_else(|| panic!("fuzz/corpus/{name} names no fuzz target"));
        for (file, data) in inputs(&entry.path()) {
            if file.starts_with("bad-") || file.starts_with("crash-") {
                run(&data);
                bad += 1;
            }
            for variant in damaged(&data) {
                run(&variant);
            }
        }
    }
    assert!(bad > 0, "no bad-* or crash-* input under fuzz/corpus");
}
