//! Headless renders of real data, checked pixel by pixel against the style: road colour where
//! known roads run, water colour on Monaco's harbour, background where nothing is mapped.

use crate::common;

use common::*;
use pantau::render::{ThemeName, View};

/// Jl. I Gusti Ngurah Rai, East Jakarta: a 2.6 km straight primary segment in the Shapefile.
const NGURAH_RAI: ((f64, f64), (f64, f64)) = ((106.9100845, -6.2141113), (106.9338636, -6.2170401));
/// Tol Dalam Kota Jakarta near Cawang: a 1.4 km straight motorway segment.
const TOLL_ROAD: ((f64, f64), (f64, f64)) = ((106.8739266, -6.2058352), (106.8743291, -6.21832));

#[test]
fn jakarta_roads_draw_in_their_class_colour() {
    let view = View::new(106.91, -6.215, 15.0, 1200, 800);
    let image = render_unlabelled(jakarta(), &view, ThemeName::Day);
    let primary = along(NGURAH_RAI.0, NGURAH_RAI.1, 8);
    let hits = count_matching(&image, &view, &primary, slot_rgb(ThemeName::Day, "road.primary"), 12);
    assert!(hits >= 6, "primary colour at {hits}/8 points of Jl. I Gusti Ngurah Rai");
    let view = View::new(106.8741, -6.2121, 15.0, 800, 800);
    let image = render_unlabelled(jakarta(), &view, ThemeName::Day);
    let motorway = along(TOLL_ROAD.0, TOLL_ROAD.1, 6);
    let hits = count_matching(&image, &view, &motorway, slot_rgb(ThemeName::Day, "road.motorway"), 12);
    assert!(hits >= 5, "motorway colour at {hits}/6 points of the toll road");
    // Nor is the motorway colour simply everywhere: off the road, the background.
    let beside: Vec<(f64, f64)> = motorway.iter().map(|(lon, lat)| (lon + 0.002, *lat)).collect();
    assert_eq!(count_matching(&image, &view, &beside, slot_rgb(ThemeName::Day, "road.motorway"), 12), 0);
}

#[test]
fn jakarta_bay_is_background() {
    let view = View::new(106.82, -6.07, 12.0, 800, 600);
    let image = render(jakarta(), &view, ThemeName::Day);
    let sea = [(106.78, -6.06), (106.82, -6.07), (106.86, -6.06), (106.80, -6.04)];
    let background = rgb(pantau::render::Theme::builtin(ThemeName::Day).background);
    assert_eq!(count_matching(&image, &view, &sea, background, 2), sea.len());
    // ...while the city to the south is drawn: many non-background pixels in the lower half.
    let drawn = (300..600).step_by(5).flat_map(|y| (0..800).step_by(5).map(move |x| (x, y)));
    let busy = drawn.filter(|&(x, y)| !close(image.pixel(x, y), background, 2)).count();
    assert!(busy > 1000, "only {busy} drawn pixels over the city");
}

#[test]
fn monaco_harbour_is_water() {
    let view = View::new(7.4240, 43.7350, 16.0, 800, 600);
    let image = render_unlabelled(monaco(), &view, ThemeName::Day);
    let harbour = [(7.4283, 43.7361), (7.4265, 43.7345), (7.4275, 43.7370), (7.4290, 43.7350)];
    let hits = count_matching(&image, &view, &harbour, slot_rgb(ThemeName::Day, "water"), 3);
    assert!(hits >= 3, "water colour at {hits}/4 points of Port Hercule");
}

#[test]
fn night_theme_changes_the_palette() {
    let view = View::new(106.91, -6.215, 15.0, 1200, 800);
    let image = render_unlabelled(jakarta(), &view, ThemeName::Night);
    let primary = along(NGURAH_RAI.0, NGURAH_RAI.1, 8);
    let hits = count_matching(&image, &view, &primary, slot_rgb(ThemeName::Night, "road.primary"), 12);
    assert!(hits >= 6, "night primary colour at {hits}/8 points");
    let background = rgb(pantau::render::Theme::builtin(ThemeName::Night).background);
    assert!(close(image.pixel(5, 5), background, 40) || image.pixel(5, 5)[0] < 80, "dark corner");
}

#[test]
fn attribution_is_drawn_in_the_corner() {
    let view = View::new(106.82, -6.07, 12.0, 800, 600);
    let image = render(jakarta(), &view, ThemeName::Day);
    let text = pantau::render::Theme::builtin(ThemeName::Day).label_text;
    let dark = (580..600)
        .flat_map(|y| (560..800).map(move |x| (x, y)))
        .filter(|&(x, y)| close(image.pixel(x, y), rgb(text), 60))
        .count();
    assert!(dark > 60, "{dark} text pixels where the attribution belongs");
}

#[test]
fn high_zoom_does_not_jitter() {
    // Two renders a quarter pixel apart at zoom 20 differ by no more than a pixel shift:
    // positions are camera-relative, so f32 precision is not lost.
    let a = View::new(106.8229, -6.1935, 20.0, 256, 256);
    let mut b = a;
    b.center.0 += 0.25 / b.world_px();
    let (ia, ib) = (render(jakarta(), &a, ThemeName::Day), render(jakarta(), &b, ThemeName::Day));
    let background = rgb(pantau::render::Theme::builtin(ThemeName::Day).background);
    let content = ia.rgba.chunks(4).filter(|p| !close([p[0], p[1], p[2], p[3]], background, 4)).count();
    assert!(content > 256 * 256 / 10, "the view shows roads ({content} drawn pixels)");
    let differing = ia
        .rgba
        .chunks(4)
        .zip(ib.rgba.chunks(4))
        .filter(|(p, q)| p.iter().zip(q.iter()).any(|(x, y)| x.abs_diff(*y) > 64))
        .count();
    assert!(differing < 256 * 256 / 20, "{differing} pixels changed for a quarter-pixel move");
}

/// On the wall the map's text is drawn larger: with labels at 1.6 times their size, a line of
/// text is thicker (the pixels that differ from the unlabelled map, joined into names, measured
/// across their long axis).
#[test]
fn label_scale_enlarges_map_text() {
    use pantau::render::{render_image, MapLayer, Theme, TARGET_FORMAT};
    let gpu = common::gpu();
    let map = &common::demo_city().map;
    let view = View::new(pantau::demo::CENTRE.0, pantau::demo::CENTRE.1, 16.0, 900, 600);
    let name_sizes = |scale: f32| {
        let mut layer = MapLayer::new(&gpu, TARGET_FORMAT, map, Theme::builtin(ThemeName::Day)).expect("map");
        layer.set_label_scale(scale);
        let with = render_image(&gpu, &mut layer, &view).expect("render");
        layer.set_labels(false);
        let without = render_image(&gpu, &mut layer, &view).expect("render");
        let text: Vec<bool> = with.rgba.chunks(4).zip(without.rgba.chunks(4)).map(|(a, b)| a != b).collect();
        let mut thickness: Vec<f64> = text_blobs(&text, view.width as usize, view.height as usize)
            .iter()
            .filter(|b| b.pixels > 100 && b.elongation > 3.0)
            .map(|b| b.thickness)
            .collect();
        thickness.sort_by(f64::total_cmp);
        thickness
    };
    let (desk, wall) = (name_sizes(1.0), name_sizes(1.6));
    assert!(desk.len() >= 10, "names at zoom 16: {desk:?}");
    let median = |v: &[f64]| v[v.len() / 2];
    let (wall, desk) = (median(&wall), median(&desk));
    assert!(wall > desk * 1.25, "wall text {wall:.1} px thick, desk text {desk:.1} px");
}

/// Road names follow their roads. The demo city's streets are a lattice of east-west and
/// north-south lines; with the map turned 30° they run 30° off the screen's axes, and so must
/// the names: each name is a blob of text pixels (labelled minus unlabelled render, glyphs
/// joined) whose long axis lies along one of the two directions. Names set level lie at 0°.
#[test]
fn road_names_follow_their_roads() {
    let mut view = View::new(pantau::demo::CENTRE.0, pantau::demo::CENTRE.1, 16.5, 1000, 700);
    view.bearing = 30.0;
    let day = ThemeName::Day;
    let (with, without) = (render(&demo_city().map, &view, day), render_unlabelled(&demo_city().map, &view, day));
    let text: Vec<bool> = with.rgba.chunks(4).zip(without.rgba.chunks(4)).map(|(a, b)| a != b).collect();
    let names = text_blobs(&text, view.width as usize, view.height as usize);
    let long: Vec<f64> = names.iter().filter(|b| b.elongation > 4.0 && b.pixels > 150).map(|b| b.angle).collect();
    let (cx, cy) = pantau::demo::CENTRE;
    let (ax, ay) = view.lonlat_to_screen(cx, cy);
    let (bx, by) = view.lonlat_to_screen(cx + 0.01, cy);
    let east_west = (by - ay).atan2(bx - ax).to_degrees();
    assert!((east_west.abs() - 30.0).abs() < 1.0, "the streets are turned on screen: {east_west}°");
    let near = |a: f64, target: f64| ((a - target + 90.0).rem_euclid(180.0) - 90.0).abs() < 8.0;
    let along_streets = long.iter().filter(|a| near(**a, east_west) || near(**a, east_west + 90.0)).count();
    let level = long.iter().filter(|a| near(**a, 0.0)).count();
    assert!(along_streets >= 8, "{along_streets} names along the turned streets; long blobs at {long:?}");
    assert!(along_streets > 3 * level, "{along_streets} names along the streets against {level} level ones");
}

struct Blob {
    pixels: usize,
    /// Direction of the long axis in degrees, screen y down, in -90..90.
    angle: f64,
    /// Long axis over short axis (square root of the eigenvalue ratio).
    elongation: f64,
    /// Spread across the long axis (standard deviation, pixels): grows with the text's size.
    thickness: f64,
}

/// Groups text pixels into names: pixels within 3 px of each other join one blob.
fn text_blobs(mask: &[bool], width: usize, height: usize) -> Vec<Blob> {
    let mut seen = vec![false; mask.len()];
    let mut blobs = Vec::new();
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        let (mut stack, mut members) = (vec![start], Vec::new());
        while let Some(i) = stack.pop() {
            members.push(((i % width) as f64, (i / width) as f64));
            let (x, y) = ((i % width) as i64, (i / width) as i64);
            for dy in -3..=3 {
                for dx in -3..=3 {
                    let (nx, ny) = (x + dx, y + dy);
                    if nx < 0 || ny < 0 || nx >= width as i64 || ny >= height as i64 {
                        continue;
                    }
                    let j = ny as usize * width + nx as usize;
                    if mask[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        let n = members.len() as f64;
        let (mx, my) = members.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
        let (mut cxx, mut cyy, mut cxy) = (0.0, 0.0, 0.0);
        for (x, y) in &members {
            cxx += (x - mx) * (x - mx) / n;
            cyy += (y - my) * (y - my) / n;
            cxy += (x - mx) * (y - my) / n;
        }
        let angle = 0.5 * (2.0 * cxy).atan2(cxx - cyy);
        let spread = ((cxx - cyy) * (cxx - cyy) / 4.0 + cxy * cxy).sqrt();
        let (major, minor) = ((cxx + cyy) / 2.0 + spread, ((cxx + cyy) / 2.0 - spread).max(1e-6));
        blobs.push(Blob {
            pixels: members.len(),
            angle: angle.to_degrees(),
            elongation: (major / minor).sqrt(),
            thickness: minor.sqrt(),
        });
    }
    blobs
}
