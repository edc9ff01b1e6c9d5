//! How the console puts things into words and colours: unit status names, ages as timers, and
//! palette colours (`render::style::Palette`) as egui colours.

use eframe::egui::Color32;

use crate::model::{Millis, UnitStatus};
use crate::render::style::{bytes, Rgba};

pub fn status_name(s: UnitStatus) -> &'static str {
    match s {
        UnitStatus::Available => "available",
        UnitStatus::Dispatched => "dispatched",
        UnitStatus::EnRoute => "en route",
        UnitStatus::OnScene => "on scene",
        UnitStatus::Returning => "returning",
        UnitStatus::OffDuty => "off duty",
    }
}

/// Minutes and seconds since `t`.
pub fn age(t: Millis, now: Millis) -> String {
    let s = (now.saturating_sub(t) / 1000).max(0);
    format!("{:02}:{:02}", s / 60, s % 60)
}

/// The local time of day of `t`, as the status strip's clock shows it (HH:MM:SS).
pub fn clock(t: Millis) -> String {
    let local = chrono::DateTime::from_timestamp_millis(t).unwrap_or_default().with_timezone(&chrono::Local);
    local.format("%H:%M:%S").to_string()
}

/// The start of today, local time, in epoch milliseconds.
pub fn day_start(now: Millis) -> Millis {
    let local = chrono::DateTime::from_timestamp_millis(now).unwrap_or_default().with_timezone(&chrono::Local);
    let midnight = local.date_naive().and_hms_opt(0, 0, 0).and_then(|m| m.and_local_timezone(chrono::Local).earliest());
    midnight.map_or(now, |m| m.timestamp_millis())
}

/// A palette colour, opaque (text, legend swatches, strokes).
pub fn colour(c: Rgba) -> Color32 {
    let [r, g, b, _] = bytes(c);
    Color32::from_rgb(r, g, b)
}

/// A palette colour with its alpha (backings behind text).
pub fn translucent(c: Rgba) -> Color32 {
    let [r, g, b, a] = bytes(c);
    Color32::from_rgba_unmultiplied(r, g, b, a)
}

/// Contrast a text needs against its ground (WCAG AA for normal text), with a little margin.
const READABLE: f32 = 4.6;

/// WCAG contrast ratio of two opaque colours.
pub fn contrast(a: Color32, b: Color32) -> f32 {
    let luminance = |c: Color32| {
        let channel = |v: u8| {
            let v = f32::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(c.r()) + 0.7152 * channel(c.g()) + 0.0722 * channel(c.b())
    };
    let (a, b) = (luminance(a), luminance(b));
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

/// A palette colour as text on `ground`: itself where it reads at 4.5:1, else moved toward
/// white (on a dark ground) or black (on a light one) until it does, keeping its hue.
pub fn readable(c: Rgba, ground: Color32) -> Color32 {
    let base = colour(c);
    let toward = if contrast(ground, Color32::WHITE) > contrast(ground, Color32::BLACK) {
        Color32::WHITE
    } else {
        Color32::BLACK
    };
    (0..=10)
        .map(|step| base.lerp_to_gamma(toward, step as f32 / 10.0))
        .find(|&c| contrast(c, ground) >= READABLE)
        .unwrap_or(toward)
}
