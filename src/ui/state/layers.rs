//! Feeding the canvas's live layers from the desk: the changed unit and alarm slots (and those
//! whose look the selection changes), the candidates' routes, congestion every few seconds (and
//! the congested kilometres it adds up to), and the layers' look.

use super::Console;
use crate::model::Millis;
use crate::render::live::LayerId;
use crate::spatial::congestion::Level;
use crate::ui::canvas::Canvas;

/// How often congestion is re-drawn.
const CONGESTION_EVERY_MS: Millis = 2_000;

/// Map text on the wall, as a multiple of the desk's: street names read from 3 m.
const WALL_LABEL_SCALE: f32 = 1.6;

impl Console {
    pub(super) fn update_layers(&mut self, canvas: &mut Canvas, now: Millis) {
        let zone_edits = self.session.desk.zone_edits();
        if zone_edits != self.drawn_zone_edits {
            // The zones changed under a commander's edit: outlines and names drawn again.
            self.drawn_zone_edits = zone_edits;
            let zones = &self.session.desk.live.zones;
            canvas.live.set_zones(zones);
            canvas.map.set_world_labels(crate::render::live::zone_names(zones.zones()));
        }
        self.update_markers(canvas);
        if std::mem::take(&mut self.routes_dirty) {
            let routes: Vec<Vec<[f64; 2]>> = self.candidates.iter().map(|c| c.route.clone()).collect();
            canvas.live.set_routes(&routes);
        }
        if now - self.congestion_at >= CONGESTION_EVERY_MS {
            self.congestion_at = now;
            self.update_congestion(canvas, now);
        }
        canvas.map.show_world_labels(self.style.visible[LayerId::Zones as usize]);
        canvas.live.style = self.style.clone();
        canvas.map.set_label_scale(if self.wall { WALL_LABEL_SCALE } else { 1.0 });
        canvas.live.highlight_zone = self.hover_zone;
    }

    /// Units and alarms that changed, and those selected now or before (their ring).
    fn update_markers(&mut self, canvas: &mut Canvas) {
        let changes = self.session.desk.take_changes();
        let world = self.session.desk.world();
        let alarm_slot = self.selected_alarm.map(|id| id as u32 - 1);
        let (old_unit, old_alarm) = self.drawn_selection;
        let mut units = changes.units;
        units.extend(old_unit.into_iter().chain(self.selected_unit));
        let mut alarms = changes.alarms;
        alarms.extend(old_alarm.into_iter().chain(alarm_slot));
        canvas.live.update_units(world.units(), &units, self.selected_unit);
        let desk = &self.session.desk;
        canvas.live.update_alarms(world.alarms(), &alarms, alarm_slot, |a| desk.in_view(a));
        self.drawn_selection = (self.selected_unit, alarm_slot);
    }

    fn update_congestion(&mut self, canvas: &mut Canvas, now: Millis) {
        let desk = &self.session.desk;
        let (Some(graph), Some(congestion)) = (desk.roads(), &desk.congestion) else { return };
        let levels = congestion.levels(now);
        self.congested_km = levels
            .iter()
            .filter(|(_, _, l)| matches!(l, Level::Heavy | Level::Jammed))
            .map(|(id, _, _)| self.edge_km.get(*id as usize).copied().unwrap_or(0.0))
            .fold(0.0, |total, km| total + km);
        canvas.live.update_congestion(graph, &self.edge_ends, &levels);
    }
}
