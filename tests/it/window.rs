//! The real window: `pantau` (no arguments: the demo city with its scenario) started under
//! Xvfb, asked for a screenshot after a few seconds; the picture must show the map and the
//! panels. On the wall with `--focus-window`, the focus view opens as a second OS window right
//! of the first, and a capture of the whole X screen shows it. (CI installs Xvfb, x11-utils and
//! ImageMagick; the tests fail, not skip, without them.)

use std::process::Command;

use pantau::render::{Image, ThemeName, View};

use crate::common;

/// One X server at a time: `xvfb-run -a` picks a free display number, and two starting at
/// once can pick the same.
static XVFB: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `args` under a fresh Xvfb screen of `screen` (WIDTHxHEIGHT) in `dir`, with a private
/// runtime folder; gives up after 3 minutes.
fn under_xvfb(dir: &std::path::Path, screen: &str, args: &[&str]) -> std::process::ExitStatus {
    let _one_at_a_time = XVFB.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let runtime = dir.join("xdg");
    std::fs::create_dir_all(&runtime).expect("runtime dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).expect("0700");
    }
    let mut child = Command::new("xvfb-run")
        .args(["-a", "-s", &format!("-screen 0 {screen}x24")])
        .args(args)
        .current_dir(dir)
        .env("XDG_RUNTIME_DIR", &runtime)
        .spawn()
        .expect("xvfb-run must be installed (apt-get install xvfb xauth; .ci/run does)");
    // The window closes itself once the screenshot is written; never wait forever.
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if started.elapsed() > std::time::Duration::from_secs(180) {
            let _ = child.kill();
            panic!("the window did not take its screenshot and close within 3 minutes");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn the_window_draws_the_map_and_the_panels() {
    let dir = tempfile::tempdir().expect("tmp");
    let shot = dir.path().join("window.png");
    let shot_arg = shot.to_str().expect("utf-8 path");
    let status = under_xvfb(
        dir.path(),
        "1920x1080",
        &[env!("CARGO_BIN_EXE_pantau"), "--screenshot", shot_arg, "--screenshot-after", "6"],
    );
    assert!(status.success(), "pantau exited with {status}");
    let image = Image::read_png(&shot).expect("a screenshot was written");
    let keep = std::env::temp_dir().join("pantau-window.png");
    let _ = std::fs::copy(&shot, &keep);
    assert_eq!((image.width, image.height), (1600, 900), "the window's size");
    // The left panel: egui's dark panel fill behind the unit list.
    let panel = image.pixel(5, 600);
    assert!(panel[0] < 60 && panel[1] < 60 && panel[2] < 60, "left panel at (5, 600): {panel:?}");
    // The map: the demo city's streets, land use, zones and markers, many colours, light ground.
    let mut colours = std::collections::HashSet::new();
    let mut light = 0;
    for y in (150..800).step_by(7) {
        for x in (400..1150).step_by(7) {
            let p = image.pixel(x, y);
            colours.insert([p[0] / 8, p[1] / 8, p[2] / 8]);
            light += usize::from(p[0] > 150 && p[1] > 150 && p[2] > 150);
        }
    }
    assert!(colours.len() > 40, "only {} colours where the map is", colours.len());
    assert!(light > 2000, "only {light} light pixels where the map is");
    // Written journal: the demo session recorded the roster and the scenario's events.
    let sessions = dir.path().join("tiles/demo-1/sessions");
    let journal = std::fs::read_dir(&sessions).expect("sessions").next().expect("one session").expect("entry").path();
    let report = pantau::journal::verify(&journal).expect("verify");
    assert!(report.ok && report.counts.get("commands").copied().unwrap_or(0) >= 306, "{report:?}");
}

#[test]
fn the_wall_focus_view_opens_a_window_of_its_own() {
    let dir = tempfile::tempdir().expect("tmp");
    // While the app runs: list the X windows and capture the whole screen.
    let script = format!(
        "{} --wall --focus-window --screenshot wall.png --screenshot-after 10 & \
         sleep 8; xwininfo -root -tree > windows.txt; import -window root screen.png; wait",
        env!("CARGO_BIN_EXE_pantau")
    );
    let status = under_xvfb(dir.path(), "2600x1000", &["sh", "-c", &script]);
    assert!(status.success(), "pantau exited with {status}");
    let windows =
        std::fs::read_to_string(dir.path().join("windows.txt")).expect("xwininfo ran (apt-get install x11-utils)");
    let focus = windows
        .lines()
        .find(|l| l.contains("\"pantau focus\""))
        .unwrap_or_else(|| panic!("no focus window: {windows}"));
    assert!(focus.contains("960x720+1600+0"), "the focus window opens right of the 1600-wide overview: {focus}");
    let screen = Image::read_png(&dir.path().join("screen.png")).expect("a capture of the screen");
    let _ = std::fs::copy(dir.path().join("screen.png"), std::env::temp_dir().join("pantau-wall-screen.png"));
    // Its alarm-red frame, and a map inside it.
    let frame = screen.pixel(1601, 400);
    assert!(frame[0] > 180 && frame[1] < 60 && frame[2] < 80, "focus frame at (1601, 400): {frame:?}");
    let mut colours = std::collections::HashSet::new();
    for y in (60..700).step_by(9) {
        for x in (1620..2540).step_by(9) {
            let p = screen.pixel(x, y);
            colours.insert([p[0] / 8, p[1] / 8, p[2] / 8]);
        }
    }
    assert!(colours.len() > 15, "only {} colours in the focus window", colours.len());
}

/// The overview map's place in a screenshot and its view, from the `.view.json` the app writes
/// beside it.
fn shown_view(sidecar: &std::path::Path) -> (u32, u32, View) {
    let text = std::fs::read_to_string(sidecar).expect("the screenshot's view was written");
    let v: serde_json::Value = serde_json::from_str(&text).expect("view JSON");
    let number = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k} in {text}"));
    let world = (v["world"][0].as_f64().expect("world x"), v["world"][1].as_f64().expect("world y"));
    let view = View {
        center: world,
        zoom: number("zoom"),
        bearing: number("bearing"),
        width: number("width") as u32,
        height: number("height") as u32,
    };
    (number("x") as u32, number("y") as u32, view)
}

/// The window, as the X server shows it, against `pantau render`'s headless picture of the same
/// view, day and night: one colour-space rule for every target, so the map's pixels match. The
/// map is the demo city's archive opened as a real city (no live units moving), with the
/// overlays (scale bar, north arrow, attribution) outside the compared middle.
#[test]
fn the_window_shows_exactly_the_colours_the_headless_renderer_writes() {
    let map = common::demo_city().map.clone();
    for (theme, name) in [(ThemeName::Day, "day"), (ThemeName::Night, "night")] {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("serve.toml"), "osmand = \"127.0.0.1:0\"\nhttp = \"127.0.0.1:0\"\n")
            .expect("config");
        let script = format!(
            "{} --map {} --config serve.toml --insecure --theme {} --screenshot shot.png --screenshot-after 9 & \
             sleep 8; import -window root screen.png; wait",
            env!("CARGO_BIN_EXE_pantau"),
            map.display(),
            name,
        );
        let status = under_xvfb(dir.path(), "1600x900", &["sh", "-c", &script]);
        assert!(status.success(), "pantau exited with {status}");
        let screen = Image::read_png(&dir.path().join("screen.png")).expect("a capture of the X screen");
        let (x0, y0, view) = shown_view(&dir.path().join("shot.view.json"));
        let headless = common::render(&map, &view, theme);
        let _ = std::fs::copy(
            dir.path().join("screen.png"),
            std::env::temp_dir().join(format!("pantau-window-{name}.png")),
        );
        let _ = headless.write_png(&std::env::temp_dir().join(format!("pantau-headless-{name}.png")));
        let (mut compared, mut same, mut worst) = (0usize, 0usize, 0u8);
        for y in (view.height / 8..view.height * 7 / 8).step_by(3) {
            for x in (view.width / 8..view.width * 7 / 8).step_by(3) {
                let (a, b) = (screen.pixel(x0 + x, y0 + y), headless.pixel(x, y));
                let diff = (0..3).map(|c| a[c].abs_diff(b[c])).max().unwrap_or(0);
                compared += 1;
                same += usize::from(diff <= 3);
                worst = worst.max(diff);
            }
        }
        let share = same as f64 / compared as f64;
        assert!(
            share > 0.995,
            "{theme:?}: only {:.2} % of {compared} map pixels match the headless render (worst difference {worst})",
            share * 100.0
        );
    }
}

/// Asked to stop by SIGTERM (as a service manager or a shutdown does), the app closes its
/// window and stops its session cleanly: a zero exit, and the journal synced with a snapshot.
#[test]
fn sigterm_closes_the_window_and_leaves_a_snapshot() {
    let dir = tempfile::tempdir().expect("tmp");
    let script = format!("{} & app=$!; sleep 8; kill -TERM $app; wait $app", env!("CARGO_BIN_EXE_pantau"));
    let status = under_xvfb(dir.path(), "1920x1080", &["sh", "-c", &script]);
    assert!(status.success(), "pantau exited with {status}");
    let sessions = dir.path().join("tiles/demo-1/sessions");
    let journal = std::fs::read_dir(&sessions).expect("sessions").next().expect("one session").expect("entry").path();
    let snapshots = std::fs::read_dir(journal.join("snapshots")).map(|d| d.count()).unwrap_or(0);
    assert!(snapshots >= 1, "no snapshot in {}", journal.display());
    let report = pantau::journal::verify(&journal).expect("verify");
    assert!(report.ok && report.snapshot_problems.is_empty(), "{report:?}");
}
