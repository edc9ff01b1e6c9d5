//! The README's commands, run as written. Every `sh` block is a script run from a folder beside
//! `shared/` (as a clone of the project sits), one block after another in the same folder, as
//! a newcomer following the README would: `pantau` is this build's binary, and `cargo run
//! --release -- ARGS` runs it with ARGS. Usage lines are in `text` blocks and are not run. Two
//! blocks are run elsewhere, and this test says so: the two commands (the app: the window tests
//! start it with no arguments; `cargo test`: this very run) and fuzzing (CI's second stage).

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A block must finish within this (the longest drives the service for 10 s).
const BLOCK_TIMEOUT: Duration = Duration::from_secs(300);

/// Blocks not run here, by their first command (whole), and where they run instead.
const RUN_ELSEWHERE: [(&str, &str); 2] = [
    ("cargo run --release", "the window tests run the app (tests/it/window.rs); `cargo test` is this run"),
    ("cargo install cargo-afl --locked", "CI's fuzz stage (.ci/run) runs fuzz/run"),
];

/// Maps `cargo run --release -- ARGS` onto the binary under test; any other use of cargo in a
/// block is an error.
const PREAMBLE: &str = r#"set -euo pipefail
cargo() {
    if [ "$1" = run ] && [ "$2" = --release ] && [ "$3" = -- ]; then shift 3; pantau "$@"; return; fi
    echo "README block runs cargo $*: not a command this test knows" >&2; return 97
}
"#;

/// The `sh` blocks of the README, in order.
fn sh_blocks(readme: &str) -> Vec<String> {
    readme.split("```sh\n").skip(1).filter_map(|rest| rest.split("```").next()).map(str::to_string).collect()
}

fn first_command(block: &str) -> &str {
    block.lines().map(|l| l.split('#').next().unwrap_or_default().trim()).find(|l| !l.is_empty()).unwrap_or("")
}

#[test]
fn every_readme_command_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let blocks = sh_blocks(&readme);
    assert!(blocks.len() >= 6, "{} sh blocks", blocks.len());
    let place = tempfile::tempdir().expect("tmp");
    let work = place.path().join("work");
    std::fs::create_dir(&work).expect("work folder");
    let shared = root.join("../shared").canonicalize().expect("../shared beside the project (README: data)");
    std::os::unix::fs::symlink(&shared, place.path().join("shared")).expect("shared link");
    let bin = Path::new(env!("CARGO_BIN_EXE_pantau")).parent().expect("binary folder").to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let runtime = std::env::var("XDG_RUNTIME_DIR").unwrap_or_else(|_| "/tmp/pantau-runtime".into());
    if !Path::new(&runtime).is_dir() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&runtime).expect("runtime dir");
    }
    let mut ran = 0;
    for block in &blocks {
        let first = first_command(block);
        if let Some((_, where_)) = RUN_ELSEWHERE.iter().find(|(command, _)| first == *command) {
            eprintln!("not run here: {first:?}: {where_}");
            continue;
        }
        let log_path = place.path().join("block.log");
        let log = std::fs::File::create(&log_path).expect("log");
        // In a process group of its own, so whatever a failing block left running is stopped
        // with it.
        let mut child = Command::new("bash")
            .args(["-c", &format!("{PREAMBLE}{block}")])
            .current_dir(&work)
            .env("PATH", &path)
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("bash runs");
        let group = StopGroupOnDrop(child.id());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break Some(status);
            }
            if started.elapsed() > BLOCK_TIMEOUT {
                break None;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        drop(group);
        let _ = child.wait();
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let status =
            status.unwrap_or_else(|| panic!("README block did not finish in {BLOCK_TIMEOUT:?}:\n{block}\n{log}"));
        assert!(status.success(), "README block failed ({status}):\n{block}\n{log}");
        ran += 1;
    }
    assert_eq!(ran, blocks.len() - RUN_ELSEWHERE.len(), "every other block ran");
    // What the blocks say they make is there.
    for made in ["demo/demo.pmtiles", "demo.png", "seven.png", "tiles/jakarta.pmtiles", "jakarta.png", "zones.png"] {
        assert!(work.join(made).is_file(), "{made} was not written");
    }
    let seven = std::fs::read(work.join("seven.png")).expect("seven");
    assert_ne!(seven, std::fs::read(work.join("demo.png")).expect("demo"), "demo:7 is another city");
    assert!(work.join("journal/snapshots").read_dir().expect("snapshots").next().is_some(), "serve's clean stop");
}

/// Kills a block's process group (what it left running, such as `pantau serve`) when the block
/// is done, and also when the test fails while waiting for it.
struct StopGroupOnDrop(u32);

impl Drop for StopGroupOnDrop {
    fn drop(&mut self) {
        // killpg, not the `kill` command: util-linux's `kill -KILL -PGID` for a group that no
        // longer exists was seen to signal every process of the user.
        if let Ok(group) = libc::pid_t::try_from(self.0) {
            if group > 1 {
                // SAFETY: killpg only sends a signal; a group that is gone gives ESRCH.
                unsafe { libc::killpg(group, libc::SIGKILL) };
            }
        }
    }
}
