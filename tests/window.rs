//! The real window: `pantau` (no arguments: the demo city with its scenario) started under
//! Xvfb, asked for a screenshot after a few seconds; the picture must show the map and the
//! panels. (CI installs Xvfb; the test fails, not skips, without it.)

use std::process::Command;

use pantau::render::Image;

#[test]
fn the_window_draws_the_map_and_the_panels() {
    let dir = tempfile::tempdir().expect("tmp");
    let runtime = dir.path().join("xdg");
    std::fs::create_dir_all(&runtime).expect("runtime dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).expect("0700");
    }
    let shot = dir.path().join("window.png");
    let mut child = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1920x1080x24", env!("CARGO_BIN_EXE_pantau"), "--screenshot"])
        .arg(&shot)
        .args(["--screenshot-after", "6"])
        .current_dir(dir.path())
        .env("XDG_RUNTIME_DIR", &runtime)
        .spawn()
        .expect("xvfb-run must be installed (apt-get install xvfb xauth; .ci/run does)");
    // The window closes itself once the screenshot is written; never wait forever.
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(180) {
            let _ = child.kill();
            panic!("the window did not take its screenshot and close within 3 minutes");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
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
