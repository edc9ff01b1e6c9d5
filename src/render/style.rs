//! Map styles: colours, line widths per zoom and label rules for each paint slot, and the
//! palette of the operational overlay and the console (alarms, unit statuses, congestion
//! levels, text), in day and night themes, read from a TOML file (`layers/style.toml` is built
//! in).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;

use crate::basemap::mesh::SLOTS;
use crate::model::UnitStatus;
use crate::spatial::congestion::Level;

/// The built-in style file.
pub const DEFAULT_STYLE: &str = include_str!("../../layers/style.toml");

/// An sRGB colour with alpha, each channel 0..1.
pub type Rgba = [f32; 4];

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ThemeName {
    Day,
    Night,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    background: String,
    label_text: String,
    label_halo: String,
    district_text: String,
    slots: BTreeMap<String, SlotFile>,
    /// Checked entry by entry (see [`Palette`]), so a missing one is named.
    #[serde(default)]
    palette: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotFile {
    color: String,
    casing: Option<String>,
    #[serde(default)]
    casing_width: f32,
    #[serde(default)]
    width: Vec<(f32, f32)>,
    label_zoom: Option<f32>,
    label_size: Option<f32>,
}

/// How one paint slot is drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct SlotStyle {
    pub color: Rgba,
    pub casing: Option<Rgba>,
    pub casing_width: f32,
    /// `(zoom, px)` stops, sorted by zoom.
    pub width: Vec<(f32, f32)>,
    pub label_zoom: Option<f32>,
    pub label_size: f32,
}

impl SlotStyle {
    /// Line width (or symbol diameter) in pixels at a view zoom.
    pub fn width_at(&self, zoom: f32) -> f32 {
        let stops = &self.width;
        let (Some(first), Some(last)) = (stops.first(), stops.last()) else { return 0.0 };
        if zoom <= first.0 {
            return if zoom < first.0 - 0.5 { 0.0 } else { first.1 };
        }
        if zoom >= last.0 {
            return last.1 * 2f32.powf(zoom - last.0);
        }
        let i = stops.iter().position(|s| s.0 > zoom).unwrap_or(stops.len() - 1);
        let (a, b) = (stops[i - 1], stops[i]);
        let t = (zoom - a.0) / (b.0 - a.0);
        if a.1 <= 0.0 || b.1 <= 0.0 {
            return a.1 + (b.1 - a.1) * t;
        }
        a.1 * (b.1 / a.1).powf(t)
    }
}

/// One theme: background, label colours, a style per slot (`None`: slot not drawn) and the
/// palette the live layers and the console draw with.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub background: Rgba,
    pub label_text: Rgba,
    pub label_halo: Rgba,
    pub district_text: Rgba,
    pub slots: Vec<Option<SlotStyle>>,
    pub palette: Palette,
}

impl Theme {
    /// The built-in theme.
    pub fn builtin(name: ThemeName) -> Self {
        Self::parse(DEFAULT_STYLE, name).expect("the built-in style is valid (checked by tests)")
    }

    /// A theme from a style file.
    pub fn load(path: &Path, name: ThemeName) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("{}: cannot read the style", path.display()))?;
        Self::parse(&text, name).with_context(|| format!("{}: bad style", path.display()))
    }

    pub fn parse(text: &str, name: ThemeName) -> Result<Self> {
        let mut file: BTreeMap<String, ThemeFile> = toml::from_str(text).map_err(|e| anyhow!("{e}"))?;
        let key = match name {
            ThemeName::Day => "day",
            ThemeName::Night => "night",
        };
        let theme = file.remove(key).ok_or_else(|| anyhow!("no [{key}] theme"))?;
        if let Some(unknown) = theme.slots.keys().find(|k| !SLOTS.contains(&k.as_str())) {
            bail!("[{key}.slots] has unknown slot {unknown:?} (known: {})", SLOTS.join(", "));
        }
        let slots = SLOTS
            .iter()
            .map(|s| theme.slots.get(*s).map(|f| slot_style(f).with_context(|| format!("slot {s}"))).transpose())
            .collect::<Result<_>>()?;
        let background = color(&theme.background)?;
        Ok(Self {
            background,
            label_text: color(&theme.label_text)?,
            label_halo: color(&theme.label_halo)?,
            district_text: color(&theme.district_text)?,
            slots,
            palette: Palette::parse(key, background, theme.palette)?,
        })
    }

    pub fn slot(&self, slot: u32) -> Option<&SlotStyle> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }
}

fn slot_style(f: &SlotFile) -> Result<SlotStyle> {
    let mut width = f.width.clone();
    width.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(SlotStyle {
        color: color(&f.color)?,
        casing: f.casing.as_deref().map(color).transpose()?,
        casing_width: f.casing_width,
        width,
        label_zoom: f.label_zoom,
        label_size: f.label_size.unwrap_or(13.0),
    })
}

/// The colours of the operational overlay (live layers) and the console (panels, legend,
/// status strip, map overlays), by meaning: `[THEME.palette]` in the style file, every entry
/// required.
#[derive(Clone, Debug, PartialEq)]
pub struct Palette {
    /// The theme's background (the map's ground; `background` of the theme, not a palette entry).
    pub background: Rgba,
    /// A raised alarm: its pin, its line in the queue, the status strip's count, the focus frame.
    pub alarm: Rgba,
    /// An acknowledged (or dispatched) alarm still open.
    pub alarm_acknowledged: Rgba,
    /// A command the world refused.
    pub refusal: Rgba,
    /// Unit markers and texts, by [`UnitStatus::index`] (`unit_available` .. `unit_off_duty`).
    pub units: [Rgba; 6],
    /// Congestion by level: slow, heavy, jammed (free flow is not drawn: the road shows).
    pub congestion_slow: Rgba,
    pub congestion_heavy: Rgba,
    pub congestion_jammed: Rgba,
    pub camera: Rgba,
    pub camera_sector: Rgba,
    pub station: Rgba,
    pub site: Rgba,
    pub trail: Rgba,
    /// The fastest candidate's route, and the others'.
    pub route: Rgba,
    pub route_alternative: Rgba,
    /// Roads some free unit reaches within the coverage time, and roads none does.
    pub coverage_covered: Rgba,
    pub coverage_gap: Rgba,
    pub zone_outline: Rgba,
    /// Zone fills, used in turn (`zone_fill_1` .. `zone_fill_6`).
    pub zone_fills: [Rgba; 6],
    /// Callsigns on the map and the halo behind them.
    pub callsign: Rgba,
    pub callsign_halo: Rgba,
    /// Text and backing of the map's overlays (cursor caption, scale bar label, north arrow).
    pub overlay_text: Rgba,
    pub overlay_back: Rgba,
    pub scale_bar: Rgba,
    pub north_arrow: Rgba,
    /// Nothing to report (the status strip with no open alarm).
    pub quiet: Rgba,
}

/// The palette's entries for unit statuses, in [`UnitStatus::ALL`] order.
const UNIT_KEYS: [&str; 6] =
    ["unit_available", "unit_dispatched", "unit_en_route", "unit_on_scene", "unit_returning", "unit_off_duty"];
const ZONE_FILL_KEYS: [&str; 6] =
    ["zone_fill_1", "zone_fill_2", "zone_fill_3", "zone_fill_4", "zone_fill_5", "zone_fill_6"];

/// The palette table being read: entries are taken out one by one, so what is left is unknown.
struct Entries<'a> {
    theme: &'a str,
    table: BTreeMap<String, String>,
}

impl Entries<'_> {
    fn take(&mut self, key: &str) -> Result<Rgba> {
        let theme = self.theme;
        let hex = self.table.remove(key).ok_or_else(|| anyhow!("[{theme}.palette] has no {key:?}"))?;
        color(&hex).map_err(|e| anyhow!("[{theme}.palette] {key}: {e}"))
    }

    fn take_all<const N: usize>(&mut self, keys: [&str; N]) -> Result<[Rgba; N]> {
        let mut out = [[0.0; 4]; N];
        for (colour, key) in out.iter_mut().zip(keys) {
            *colour = self.take(key)?;
        }
        Ok(out)
    }

    fn finish(self) -> Result<()> {
        match self.table.keys().next() {
            Some(unknown) => bail!("[{}.palette] has unknown entry {unknown:?}", self.theme),
            None => Ok(()),
        }
    }
}

impl Palette {
    fn parse(theme: &str, background: Rgba, table: BTreeMap<String, String>) -> Result<Self> {
        let mut e = Entries { theme, table };
        let palette = Self {
            background,
            alarm: e.take("alarm")?,
            alarm_acknowledged: e.take("alarm_acknowledged")?,
            refusal: e.take("refusal")?,
            units: e.take_all(UNIT_KEYS)?,
            congestion_slow: e.take("congestion_slow")?,
            congestion_heavy: e.take("congestion_heavy")?,
            congestion_jammed: e.take("congestion_jammed")?,
            camera: e.take("camera")?,
            camera_sector: e.take("camera_sector")?,
            station: e.take("station")?,
            site: e.take("site")?,
            trail: e.take("trail")?,
            route: e.take("route")?,
            route_alternative: e.take("route_alternative")?,
            coverage_covered: e.take("coverage_covered")?,
            coverage_gap: e.take("coverage_gap")?,
            zone_outline: e.take("zone_outline")?,
            zone_fills: e.take_all(ZONE_FILL_KEYS)?,
            callsign: e.take("callsign")?,
            callsign_halo: e.take("callsign_halo")?,
            overlay_text: e.take("overlay_text")?,
            overlay_back: e.take("overlay_back")?,
            scale_bar: e.take("scale_bar")?,
            north_arrow: e.take("north_arrow")?,
            quiet: e.take("quiet")?,
        };
        e.finish()?;
        Ok(palette)
    }

    /// The built-in theme's palette (read once).
    pub fn builtin(name: ThemeName) -> &'static Palette {
        static DAY: OnceLock<Palette> = OnceLock::new();
        static NIGHT: OnceLock<Palette> = OnceLock::new();
        let cell = match name {
            ThemeName::Day => &DAY,
            ThemeName::Night => &NIGHT,
        };
        cell.get_or_init(|| Theme::builtin(name).palette)
    }

    /// A unit's colour by status.
    pub fn unit(&self, status: UnitStatus) -> Rgba {
        self.units[status.index()]
    }

    /// A road direction's colour by congestion level (`None`: free flow, not drawn).
    pub fn congestion(&self, level: Level) -> Option<Rgba> {
        match level {
            Level::Free => None,
            Level::Slow => Some(self.congestion_slow),
            Level::Heavy => Some(self.congestion_heavy),
            Level::Jammed => Some(self.congestion_jammed),
        }
    }
}

/// A colour as 8-bit sRGB channels with alpha (exact for colours read from `#rrggbbaa`).
pub fn bytes(c: Rgba) -> [u8; 4] {
    c.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
}

/// Parses `#rrggbb` or `#rrggbbaa`.
pub fn color(hex: &str) -> Result<Rgba> {
    let digits = hex.strip_prefix('#').filter(|d| (d.len() == 6 || d.len() == 8) && d.is_ascii());
    let digits = digits.ok_or_else(|| anyhow!("bad colour {hex:?} (expected #rrggbb or #rrggbbaa)"))?;
    let channel = |i: usize| u8::from_str_radix(&digits[i..i + 2], 16).map(|v| f32::from(v) / 255.0);
    let alpha = if digits.len() == 8 { channel(6) } else { Ok(1.0) };
    match (channel(0), channel(2), channel(4), alpha) {
        (Ok(r), Ok(g), Ok(b), Ok(a)) => Ok([r, g, b, a]),
        _ => bail!("bad colour {hex:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basemap::mesh::slot;

    /// WCAG contrast of two sRGB colours (channels 0-1, as the palette holds them).
    fn contrast(a: [f32; 3], b: [f32; 3]) -> f32 {
        let linear = |v: f32| if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) };
        let luminance = |c: [f32; 3]| 0.2126 * linear(c[0]) + 0.7152 * linear(c[1]) + 0.0722 * linear(c[2]);
        let (a, b) = (luminance(a), luminance(b));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    #[test]
    fn zone_borders_stand_out_from_the_ground_in_every_theme() {
        for name in [ThemeName::Day, ThemeName::Night] {
            let palette = Palette::builtin(name);
            let (line, ground) = (palette.zone_outline, palette.background);
            // The outline over the ground as the target blends it (sRGB-encoded values).
            let drawn = [0, 1, 2].map(|i| line[i] * line[3] + ground[i] * (1.0 - line[3]));
            let ratio = contrast(drawn, [ground[0], ground[1], ground[2]]);
            assert!(ratio >= 3.0, "{name:?}: zone borders at {ratio:.2}:1 against the ground");
        }
    }

    #[test]
    fn builtin_themes_parse_and_style_every_road() {
        for name in [ThemeName::Day, ThemeName::Night] {
            let theme = Theme::parse(DEFAULT_STYLE, name).expect("built-in style parses");
            for s in SLOTS.iter().filter(|s| s.starts_with("road.")) {
                assert!(theme.slot(slot(s).expect("slot")).is_some(), "{s} unstyled");
            }
        }
    }

    #[test]
    fn widths_interpolate_between_stops() {
        let s = SlotStyle {
            color: [0.0; 4],
            casing: None,
            casing_width: 0.0,
            width: vec![(10.0, 2.0), (12.0, 8.0)],
            label_zoom: None,
            label_size: 13.0,
        };
        assert_eq!(s.width_at(10.0), 2.0);
        assert!((s.width_at(11.0) - 4.0).abs() < 1e-5);
        assert_eq!(s.width_at(13.0), 16.0);
        assert_eq!(s.width_at(5.0), 0.0);
    }

    #[test]
    fn bad_styles_are_refused_with_reasons() {
        let unknown = "[day]\nbackground='#000000'\nlabel_text='#000000'\nlabel_halo='#000000'\ndistrict_text='#000000'\n[day.slots]\n\"road.highway\"={color='#ffffff'}";
        let err = Theme::parse(unknown, ThemeName::Day).expect_err("unknown slot").to_string();
        assert!(err.contains("road.highway"), "{err}");
        assert!(color("#12345").is_err() && color("#gg0000").is_err());
        assert_eq!(color("#ff000080").ok(), Some([1.0, 0.0, 0.0, 128.0 / 255.0]));
    }

    #[test]
    fn bad_palette_entries_are_refused_naming_the_key() {
        let bad = DEFAULT_STYLE.replace("alarm = \"#e0102a\"", "alarm = \"#e0102\"");
        assert_ne!(bad, DEFAULT_STYLE, "the built-in style has alarm = \"#e0102a\"");
        let err = format!("{:#}", Theme::parse(&bad, ThemeName::Day).expect_err("bad alarm colour"));
        assert!(err.contains("palette] alarm") && err.contains("#e0102"), "{err}");
        let missing = DEFAULT_STYLE.replace("refusal = ", "refused = ");
        let err = format!("{:#}", Theme::parse(&missing, ThemeName::Night).expect_err("no refusal"));
        assert!(err.contains("[night.palette] has no \"refusal\""), "{err}");
    }

    #[test]
    fn palette_bytes_round_trip_and_cover_every_status() {
        let p = Palette::builtin(ThemeName::Day);
        assert_eq!(bytes(p.alarm), [0xe0, 0x10, 0x2a, 0xff]);
        assert_eq!(bytes(p.congestion_slow), [0xf5, 0xc2, 0x1b, 0xe6]);
        assert_eq!(p.congestion(Level::Free), None);
        assert_eq!(bytes(p.unit(UnitStatus::OffDuty)), [0x8a, 0x8a, 0x8a, 0xff]);
    }
}
