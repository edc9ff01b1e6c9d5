//! Golden images: whole renders compared with pictures checked by eye and kept in
//! `tests/golden/`, within a tolerance for driver differences. Run with `UPDATE_GOLDEN=1` to
//! write new goldens after an intended change (and look at them before committing).

use crate::common;

use std::path::PathBuf;

use common::*;
use pantau::render::{Image, ThemeName, View};

/// A pixel "differs" when a channel moves by more than this.
const CHANNEL_TOLERANCE: u8 = 40;
/// At most this share of pixels may differ.
const MAX_DIFFERING: f64 = 0.02;

fn check(name: &str, image: &Image) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("{name}.png"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        image.write_png(&path).expect("write golden");
        return;
    }
    let golden = Image::read_png(&path).unwrap_or_else(|e| panic!("{e:#} (create it with UPDATE_GOLDEN=1)"));
    assert_eq!((golden.width, golden.height), (image.width, image.height), "{name}: size");
    let differing = golden
        .rgba
        .chunks(4)
        .zip(image.rgba.chunks(4))
        .filter(|(a, b)| a.iter().zip(b.iter()).any(|(x, y)| x.abs_diff(*y) > CHANNEL_TOLERANCE))
        .count();
    let share = differing as f64 / f64::from(image.width * image.height);
    if share > MAX_DIFFERING {
        let actual = std::env::temp_dir().join(format!("{name}.actual.png"));
        let _ = image.write_png(&actual);
        panic!("{name}: {:.2}% of pixels differ from the golden (actual in {})", share * 100.0, actual.display());
    }
}

#[test]
fn jakarta_centre_zoom_13() {
    let view = View::new(106.8272, -6.1900, 13.0, 960, 640);
    check("jakarta_z13", &render(jakarta(), &view, ThemeName::Day));
}

#[test]
fn jakarta_menteng_zoom_16_night() {
    let view = View::new(106.8300, -6.1960, 16.0, 960, 640);
    check("jakarta_z16_night", &render(jakarta(), &view, ThemeName::Night));
}

#[test]
fn monaco_zoom_15() {
    let view = View::new(7.4200, 43.7370, 15.0, 960, 640);
    check("monaco_z15", &render(monaco(), &view, ThemeName::Day));
}
