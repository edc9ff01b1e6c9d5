//! Map styles: colours, line widths per zoom and label rules for each paint slot, in day and
//! night themes, read from a TOML file (`layers/style.toml` is built in).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;

use crate::basemap::mesh::SLOTS;

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

/// One theme: background, label colours and a style per slot (`None`: slot not drawn).
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub background: Rgba,
    pub label_text: Rgba,
    pub label_halo: Rgba,
    pub district_text: Rgba,
    pub slots: Vec<Option<SlotStyle>>,
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
        Ok(Self {
            background: color(&theme.background)?,
            label_text: color(&theme.label_text)?,
            label_halo: color(&theme.label_halo)?,
            district_text: color(&theme.district_text)?,
            slots,
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
}
