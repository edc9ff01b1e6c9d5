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
