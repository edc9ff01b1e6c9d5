//! The commander's zone editor: a working copy of the zones in force (the files' with the
//! edits the world holds), changed by the tools (move, add or take away a corner in every zone
//! that shares it, split a zone by a drawn part, merge two, draw a new one into a gap, assign
//! the station and units), the topology checked around each change, and the changed zones
//! sent to the hub as one edit (journaled; the hub refuses an edit that brings overlaps or
//! gaps) or saved as a layer file.

use std::collections::BTreeSet;

use geo::{Contains, LineString, Point, Polygon};

use super::Console;
use crate::layer_files::save_zones;
use crate::model::zones::{EditedZone, ZoneChange};
use crate::model::{Command, Zone};
use crate::spatial::topology::Problem;
use crate::spatial::zone_edit::{self, new_problems, Snapped};

/// How close (points on screen) a corner snaps to a neighbour's corner or edge or a road.
pub const SNAP_POINTS: f32 = 12.0;

/// What a click on the map does while the editor is open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tool {
    /// Picks a zone; a drag from one of its corners moves the corner.
    #[default]
    Move,
    AddCorner,
    RemoveCorner,
    /// Clicks draw the part to split off the selected zone.
    Split,
    /// Clicks draw a new zone, cut to its parent and to the gap between its neighbours.
    Draw,
}

#[derive(Default)]
pub struct ZoneEditor {
    pub open: bool,
    pub tool: Tool,
    /// The zones in force when the editor opened (or the last edit was sent).
    pub original: Vec<Zone>,
    /// The zones as edited here, in force ones first.
    pub working: Vec<Zone>,
    /// The world's zone-edit count the working copy started from.
    pub from_version: u64,
    pub selected: Option<String>,
    /// Codes changed here and not yet sent (put or removed).
    pub touched: BTreeSet<String>,
    /// The corners clicked so far for a split or a new zone.
    pub drawing: Vec<(f64, f64)>,
    /// A corner being dragged: where it was and where it is now.
    pub dragging: Option<((f64, f64), (f64, f64))>,
    /// The problems the changes here bring (what the hub would refuse the edit for).
    pub problems: Vec<Problem>,
    /// The code and name a split-off or drawn zone gets.
    pub new_code: String,
    pub new_name: String,
    pub merge_with: Option<String>,
    pub station: String,
    pub units: String,
    pub save_path: String,
    /// What the last action did, or why not.
    pub message: Option<String>,
}

impl ZoneEditor {
    fn zone(&self, code: &str) -> Option<&Zone> {
        self.working.iter().find(|z| z.code == code)
    }

    /// Puts changed zones in the working copy (by code) and checks the topology around them.
    fn take(&mut self, changed: Vec<Zone>, removed: &[String]) {
        let mut codes: Vec<String> = changed.iter().map(|z| z.code.clone()).collect();
        codes.extend(removed.iter().cloned());
        self.working.retain(|z| !removed.contains(&z.code));
        for zone in changed {
            match self.working.iter_mut().find(|z| z.code == zone.code) {
                Some(slot) => *slot = zone,
                None => self.working.push(zone),
            }
        }
        self.touched.extend(codes);
        let touched: Vec<&str> = self.touched.iter().map(String::as_str).collect();
        self.problems = new_problems(&self.original, &self.working, &touched);
    }

    /// The finest zone holding a point.
    pub fn zone_at(&self, lon: f64, lat: f64) -> Option<&Zone> {
        let point = Point::new(lon, lat);
        self.working.iter().filter(|z| z.polygon.contains(&point)).max_by_key(|z| z.level)
    }

    /// The edit to send: every zone changed here as it is now, or removed.
    pub fn changes(&self) -> Vec<ZoneChange> {
        self.touched
            .iter()
            .map(|code| match self.zone(code) {
                Some(zone) => ZoneChange::Put(EditedZone::from_zone(zone)),
                None => ZoneChange::Remove { code: code.clone() },
            })
            .collect()
    }
}

impl Console {
    /// Opens the editor on the zones in force now (or closes it, dropping what was not sent).
    pub fn toggle_zone_editor(&mut self) {
        let editor = &mut self.zone_editor;
        if editor.open {
            *editor = ZoneEditor::default();
            return;
        }
        let desk = &self.session.desk;
        let zones = desk.live.zones.zones().to_vec();
        *editor = ZoneEditor {
            open: true,
            original: zones.clone(),
            working: zones,
            from_version: desk.world().zones().version(),
            ..ZoneEditor::default()
        };
    }

    /// Where a corner put at `at` goes, `tolerance_m` being the snapping distance on the
    /// ground at this zoom.
    pub fn snap_corner(&self, at: (f64, f64), tolerance_m: f64) -> ((f64, f64), Snapped) {
        let editor = &self.zone_editor;
        // A corner being moved goes with the zones that have it: it snaps only to the others.
        let moving: Vec<&str> = match editor.dragging {
            Some((from, _)) => editor.working.iter().filter(|z| has_corner(z, from)).map(|z| z.code.as_str()).collect(),
            None => Vec::new(),
        };
        let road = self.session.desk.router().and_then(|router| {
            let node = *router.snap(at.0, at.1).first()?;
            let [lon, lat] = router.graph().nodes[node as usize];
            Some((lon, lat))
        });
        zone_edit::snap(at, &editor.working, &moving, road, tolerance_m)
    }

    /// A click on the map with the editor open, at a snapped place.
    pub fn zone_click(&mut self, at: (f64, f64), raw: (f64, f64), tolerance_m: f64) {
        let editor = &mut self.zone_editor;
        editor.message = None;
        match editor.tool {
            Tool::Move => editor.selected = editor.zone_at(raw.0, raw.1).map(|z| z.code.clone()),
            Tool::AddCorner => match zone_edit::add_corner(&editor.working, raw, tolerance_m) {
                Some((changed, _)) => editor.take(changed, &[]),
                None => editor.message = Some("no zone edge there".into()),
            },
            Tool::RemoveCorner => match zone_edit::nearest_corner(editor.working.iter(), raw, tolerance_m) {
                Some((corner, _)) => match zone_edit::remove_corner(&editor.working, corner) {
                    Ok(changed) => editor.take(changed, &[]),
                    Err(why) => editor.message = Some(why),
                },
                None => editor.message = Some("no corner there".into()),
            },
            Tool::Split | Tool::Draw => editor.drawing.push(at),
        }
    }

    /// A dragged corner let go at `to` (snapped): moved in every zone that has it.
    pub fn zone_drop_corner(&mut self, from: (f64, f64), to: (f64, f64)) {
        let editor = &mut self.zone_editor;
        editor.dragging = None;
        let changed = zone_edit::move_corner(&editor.working, from, to);
        editor.take(changed, &[]);
    }

    /// Splits the selected zone by the part drawn, or draws the new zone; the drawing ends.
    pub fn zone_finish_drawing(&mut self) {
        let editor = &mut self.zone_editor;
        let points = std::mem::take(&mut editor.drawing);
        if points.len() < 3 {
            editor.message = Some("draw at least three corners".into());
            return;
        }
        let (code, name) = (editor.new_code.trim().to_string(), editor.new_name.trim().to_string());
        if code.is_empty() || editor.zone(&code).is_some() {
            editor.message = Some(format!("give the new zone a code no zone has (not {code:?})"));
            return;
        }
        let mut ring: Vec<(f64, f64)> = points.clone();
        ring.push(points[0]);
        let part = Polygon::new(LineString::from(ring), Vec::new());
        let outcome = match editor.tool {
            Tool::Split => split_selected(editor, &part, &code, &name),
            _ => draw_new(editor, &part, &code, &name),
        };
        match outcome {
            Ok((mut changed, from)) => {
                // The new zone is covered by the node that covers the zone it came from.
                let owner = self.session.desk.org.as_ref().and_then(|org| org.owner_of(&from)).map(|n| n.id.clone());
                if let (Some(owner), Some(new)) = (owner, changed.iter_mut().find(|z| z.code == code)) {
                    new.properties.insert("node".into(), owner);
                }
                editor.take(changed, &[]);
                editor.selected = Some(code);
            }
            Err(why) => editor.message = Some(why),
        }
    }

    /// Merges the zone chosen into the selected one.
    pub fn zone_merge(&mut self) {
        let editor = &mut self.zone_editor;
        let (Some(a), Some(b)) = (editor.selected.clone(), editor.merge_with.take()) else { return };
        let (Some(za), Some(zb)) = (editor.zone(&a), editor.zone(&b)) else { return };
        match zone_edit::merge(za, zb) {
            Ok(merged) => {
                editor.take(vec![merged], &[b]);
            }
            Err(why) => editor.message = Some(why),
        }
    }

    /// Gives the selected zone the station and units typed.
    pub fn zone_assign(&mut self) {
        let editor = &mut self.zone_editor;
        let Some(code) = editor.selected.clone() else { return };
        let Some(zone) = editor.zone(&code) else { return };
        let mut zone = zone.clone();
        let station = editor.station.trim();
        let units: Vec<&str> = editor.units.split(',').map(str::trim).filter(|u| !u.is_empty()).collect();
        set_property(&mut zone, "station", station);
        set_property(&mut zone, "units", &units.join(","));
        editor.take(vec![zone], &[]);
    }

    /// The node that covers a zone: the one an edit here gave it, else the tree's for its
    /// code, else the tree's for the place (the node of a coarser zone holding it).
    pub fn zone_node(&self, zone: &Zone) -> Option<String> {
        let org = self.session.desk.org.as_ref()?;
        if let Some(node) = zone.properties.get("node") {
            return Some(org.node(node).map_or_else(|| node.clone(), |n| n.name.clone()));
        }
        if let Some(node) = org.owner_of(&zone.code) {
            return Some(node.name.clone());
        }
        let inside = geo::InteriorPoint::interior_point(&zone.polygon)?;
        let holding = self.zone_editor.working.iter().filter(|z| z.polygon.contains(&inside)).map(|z| z.code.as_str());
        org.nodes_at(holding).last().map(|n| n.name.clone())
    }

    /// Sends the zones changed here to the hub as one edit.
    pub fn zone_send(&mut self) {
        let changes = self.zone_editor.changes();
        if changes.is_empty() {
            return;
        }
        let what = format!("{} zones", changes.len());
        let base = Some(self.zone_editor.from_version);
        self.session.desk.command(Command::EditZones { what, base, changes });
        let editor = &mut self.zone_editor;
        // The next edit goes on from this one (the hub refuses it if another came between).
        editor.from_version += 1;
        editor.touched.clear();
        editor.original = editor.working.clone();
        editor.message = Some("sent to the hub".into());
    }

    /// Saves the working copy as a layer file (GeoJSON, FlatGeobuf or Shapefile by name).
    pub fn zone_save(&mut self) {
        let editor = &mut self.zone_editor;
        let path = std::path::PathBuf::from(editor.save_path.trim());
        editor.message = Some(match save_zones(&path, &editor.working) {
            Ok(()) => format!("saved {} zones to {}", editor.working.len(), path.display()),
            Err(e) => format!("{e:#}"),
        });
    }
}

fn set_property(zone: &mut Zone, key: &str, value: &str) {
    if value.is_empty() {
        zone.properties.remove(key);
    } else {
        zone.properties.insert(key.to_string(), value.to_string());
    }
}

/// The zones a split or a drawing changed, and the code of the zone the new one came from
/// (split off, or drawn inside).
type Drawn = Result<(Vec<Zone>, String), String>;

fn split_selected(editor: &ZoneEditor, part: &Polygon<f64>, code: &str, name: &str) -> Drawn {
    let selected = editor.selected.as_deref().ok_or("select the zone to split first")?;
    let zone = editor.zone(selected).ok_or("the selected zone is gone")?;
    let (rest, new) = zone_edit::split(zone, part, code, name)?;
    Ok((vec![rest, new], selected.to_string()))
}

fn draw_new(editor: &ZoneEditor, part: &Polygon<f64>, code: &str, name: &str) -> Drawn {
    let level = editor.selected.as_deref().and_then(|s| editor.zone(s)).map_or(8, |z| z.level);
    let centre = geo::InteriorPoint::interior_point(part).ok_or("the shape drawn has no inside")?;
    let parent =
        editor.working.iter().filter(|z| z.level < level && z.polygon.contains(&centre)).max_by_key(|z| z.level);
    let siblings: Vec<&Zone> = editor.working.iter().filter(|z| z.level == level).collect();
    let ground = zone_edit::fill(part, parent, &siblings);
    if ground.0.is_empty() {
        return Err("the shape drawn lies wholly in other zones".into());
    }
    let mut properties = std::collections::BTreeMap::new();
    properties.insert("kode".to_string(), code.to_string());
    properties.insert("nama".to_string(), name.to_string());
    let from = parent.or(editor.selected.as_deref().and_then(|s| editor.zone(s))).map(|z| z.code.clone());
    let zone = Zone { id: code.into(), code: code.into(), name: name.into(), level, polygon: ground, properties };
    Ok((vec![zone], from.unwrap_or_default()))
}

fn has_corner(zone: &Zone, at: (f64, f64)) -> bool {
    zone_edit::rings(&zone.polygon).any(|r| r.0.iter().any(|c| c.x == at.0 && c.y == at.1))
}
