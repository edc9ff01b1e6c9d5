//! Zone edits as a commander makes them in the zone editor: a zone drawn or redrawn whole (its
//! shape, name, level, the organisation node that covers it, its station and the units whose
//! beat it is) or a zone removed, several at once when one edit touches several zones (a
//! split puts two, a merge puts one and removes one). The limits every edit is held to before
//! it is journaled are here.

use geo::MultiPolygon;
use serde::{Deserialize, Serialize};

use super::DeviceId;

/// Zones one edit may change at once.
pub const MAX_CHANGES: usize = 64;
/// Corners one edit may carry over all its zones (the largest Jakarta kelurahan has 757).
pub const MAX_POINTS: usize = 5_000;
/// Longest code, name, node or station, in bytes.
pub const MAX_TEXT: usize = 128;
/// Longest unit id a zone may list, in bytes (as a feed's device id).
pub const MAX_UNIT_ID: usize = 64;
/// Units one zone may list.
pub const MAX_UNITS: usize = 256;
/// Rings (outer ones and holes) one zone may have.
pub const MAX_RINGS: usize = 64;
/// Degrees of longitude or latitude the zones an edit puts may span together (a province's
/// worth): the topology is checked over that box.
pub const MAX_SPAN_DEG: f64 = 5.0;

/// A zone as the editor leaves it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditedZone {
    pub code: String,
    pub name: String,
    /// Admin level (6 kecamatan, 7 kelurahan) or a patrol-rayon level, as in zone files.
    pub level: u8,
    pub polygon: MultiPolygon<f64>,
    /// The organisation node that covers it; none: the node that covered the code before.
    pub node: Option<String>,
    /// The station that polices it.
    pub station: Option<String>,
    /// The units whose beat it is.
    pub units: Vec<DeviceId>,
}

/// One change an edit makes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneChange {
    /// A zone drawn, or redrawn under its code.
    Put(EditedZone),
    /// A zone taken away (merged into a neighbour, say).
    Remove { code: String },
}

/// Who covers an edited zone code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner<'a> {
    /// The node the edit named.
    Node(&'a str),
    /// The zone was removed: nobody.
    Removed,
    /// As the tree says.
    Unchanged,
}

impl ZoneChange {
    pub fn code(&self) -> &str {
        match self {
            ZoneChange::Put(zone) => &zone.code,
            ZoneChange::Remove { code } => code,
        }
    }
}

/// Whether an edit keeps to the limits: 1 to [`MAX_CHANGES`] changes, each code once, texts
/// within [`MAX_TEXT`] bytes without control characters, at most [`MAX_POINTS`] corners in
/// all and [`MAX_RINGS`] rings a zone, every corner on the globe, every ring closed with at
/// least four corners, the zones put within [`MAX_SPAN_DEG`] of each other.
pub fn check_edit(changes: &[ZoneChange]) -> Result<(), String> {
    if changes.is_empty() || changes.len() > MAX_CHANGES {
        return Err(format!("a zone edit changes 1 to {MAX_CHANGES} zones, not {}", changes.len()));
    }
    let mut codes: Vec<&str> = changes.iter().map(ZoneChange::code).collect();
    codes.sort_unstable();
    if let Some(twice) = codes.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("zone {:?} is changed twice in one edit", twice[0]));
    }
    let mut points = 0;
    for change in changes {
        check_text("a zone code", change.code(), false)?;
        let ZoneChange::Put(zone) = change else { continue };
        check_zone(zone)?;
        points += corners(&zone.polygon);
    }
    if points > MAX_POINTS {
        return Err(format!("a zone edit carries {points} corners; at most {MAX_POINTS}"));
    }
    let corners = changes.iter().filter_map(|c| match c {
        ZoneChange::Put(zone) => Some(zone.polygon.iter().flat_map(|p| p.exterior().0.iter())),
        ZoneChange::Remove { .. } => None,
    });
    let (mut lo, mut hi) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
    for c in corners.flatten() {
        (lo, hi) = ((lo.0.min(c.x), lo.1.min(c.y)), (hi.0.max(c.x), hi.1.max(c.y)));
    }
    if hi.0 - lo.0 > MAX_SPAN_DEG || hi.1 - lo.1 > MAX_SPAN_DEG {
        return Err(format!("the zones of an edit span more than {MAX_SPAN_DEG} degrees"));
    }
    Ok(())
}

/// Corners over all the rings of a shape.
pub fn corners(polygon: &MultiPolygon<f64>) -> usize {
    polygon.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())).map(|r| r.0.len()).sum()
}

fn check_zone(zone: &EditedZone) -> Result<(), String> {
    let code = &zone.code;
    check_text("a zone name", &zone.name, true)?;
    for (what, text) in [("node", &zone.node), ("station", &zone.station)] {
        if let Some(text) = text {
            check_text(&format!("zone {code:?}'s {what}"), text, false)?;
        }
    }
    if zone.units.len() > MAX_UNITS {
        return Err(format!("zone {code:?} lists {} units; at most {MAX_UNITS}", zone.units.len()));
    }
    for unit in &zone.units {
        check_text(&format!("zone {code:?}'s unit"), unit, false)?;
        if unit.len() > MAX_UNIT_ID {
            return Err(format!("zone {code:?} lists a unit id over {MAX_UNIT_ID} bytes"));
        }
    }
    if zone.polygon.0.is_empty() {
        return Err(format!("zone {code:?} has no polygon"));
    }
    let rings = zone.polygon.iter().map(|p| 1 + p.interiors().len()).sum::<usize>();
    if rings > MAX_RINGS {
        return Err(format!("zone {code:?} has {rings} rings; at most {MAX_RINGS}"));
    }
    for ring in zone.polygon.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())) {
        if ring.0.len() < 4 || ring.0.first() != ring.0.last() {
            return Err(format!("zone {code:?} has a ring that is not closed or has under three corners"));
        }
        if let Some(c) = ring.0.iter().find(|c| !(c.x.abs() <= 180.0 && c.y.abs() <= 90.0)) {
            return Err(format!("zone {code:?} has a corner off the globe ({}, {})", c.x, c.y));
        }
    }
    Ok(())
}

fn check_text(what: &str, text: &str, may_be_empty: bool) -> Result<(), String> {
    if text.is_empty() && !may_be_empty {
        return Err(format!("{what} is empty"));
    }
    if text.len() > MAX_TEXT {
        return Err(format!("{what} is over {MAX_TEXT} bytes"));
    }
    if text.chars().any(char::is_control) {
        return Err(format!("{what} {text:?} holds a control character"));
    }
    Ok(())
}

impl EditedZone {
    /// The zone as the rest of pantau uses zones; its properties are what a zone file written
    /// from it holds (`kode`, `nama`, `admin_level`, and `node`, `station`, `units` when set).
    pub fn to_zone(&self) -> super::Zone {
        let mut properties = std::collections::BTreeMap::new();
        properties.insert("kode".to_string(), self.code.clone());
        properties.insert("nama".to_string(), self.name.clone());
        properties.insert("admin_level".to_string(), self.level.to_string());
        for (key, value) in [("node", &self.node), ("station", &self.station)] {
            if let Some(value) = value {
                properties.insert(key.to_string(), value.clone());
            }
        }
        if !self.units.is_empty() {
            properties.insert("units".to_string(), self.units.join(","));
        }
        super::Zone {
            id: self.code.clone(),
            code: self.code.clone(),
            name: self.name.clone(),
            level: self.level,
            polygon: self.polygon.clone(),
            properties,
        }
    }

    /// A zone from a file or an earlier edit, to be edited (its station and units as a file
    /// written by [`EditedZone::to_zone`] holds them).
    pub fn from_zone(zone: &super::Zone) -> Self {
        let text = |key: &str| zone.properties.get(key).filter(|v| !v.is_empty()).cloned();
        let units = text("units").map(|u| u.split(',').map(str::to_string).collect()).unwrap_or_default();
        Self {
            code: zone.code.clone(),
            name: zone.name.clone(),
            level: zone.level,
            polygon: zone.polygon.clone(),
            node: text("node"),
            station: text("station"),
            units,
        }
    }
}
