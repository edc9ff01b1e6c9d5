//! The commander's coverage on the desk: the roads a free unit reaches within ten minutes,
//! kept up from the desk's world every two seconds (only units whose road node changed are
//! searched again; new live speeds search everything), the share per zone, the wall's figure,
//! and a move-up to a station or a planned checkpoint suggested when asked for and sent, once accepted, as a command.

use super::Console;
use crate::model::{Command, Millis};
use crate::render::live::LayerId;
use crate::spatial::coverage::{covers, Coverage, CoverageTotals, SourceKey};
use crate::spatial::moveup::{suggest, Post};
use crate::ui::canvas::Canvas;

/// How often coverage follows the world.
const COVERAGE_EVERY_MS: Millis = 2_000;
/// The drive time coverage is counted within.
pub const COVERAGE_MINUTES: f32 = 10.0;
/// At most this many checkpoints of the plans are tried as move-up posts (each is one trial).
const MAX_CHECKPOINT_POSTS: usize = 64;
/// Below this covered share of road length the desk asks for a move-up.
pub const MOVE_UP_BELOW: f64 = 0.85;

/// A move-up offered to the commander.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub unit: String,
    pub callsign: String,
    pub post: Post,
    pub gain_km: f64,
    pub share_before: f64,
    pub share_after: f64,
}

#[derive(Default)]
pub struct CoverageDesk {
    coverage: Option<Coverage>,
    at: Millis,
    speeds_at: Millis,
    /// Changed since the canvas last drew it.
    undrawn: bool,
    pub suggestion: Option<Suggestion>,
    /// Why no move-up was offered when one was asked for.
    pub no_suggestion: Option<String>,
}

impl CoverageDesk {
    /// Covered road length in total and per zone (the desk's zone slots), once counted.
    pub fn totals(&self) -> Option<&CoverageTotals> {
        self.coverage.as_ref().map(Coverage::totals)
    }
}

impl Console {
    /// Whether this desk keeps coverage: a commander's, the wall, or the layer shown.
    fn wants_coverage(&self) -> bool {
        self.wall || self.role() == crate::model::Role::Commander || self.style.visible[LayerId::Coverage as usize]
    }

    /// Follows the world (every two seconds) and redraws the roads whose coverage changed
    /// (when there is a canvas to draw on).
    pub(super) fn update_coverage(&mut self, canvas: Option<&mut Canvas>, now: Millis) {
        if !self.wants_coverage() {
            // Not kept up: no figure rather than an old one shown as live.
            self.coverage.coverage = None;
            return;
        }
        if now - self.coverage.at >= COVERAGE_EVERY_MS {
            self.coverage.at = now;
            self.follow_world(now);
        }
        if let (Some(canvas), true) = (canvas, self.coverage.undrawn) {
            self.draw_coverage(canvas);
        }
    }

    fn follow_world(&mut self, now: Millis) {
        let desk = &self.session.desk;
        let Some(router) = desk.router() else { return };
        let limit_s = COVERAGE_MINUTES * 60.0;
        // A live figure: the live world, also while a replay is shown.
        let world = desk.live_world();
        let Some(coverage) = &mut self.coverage.coverage else {
            self.coverage.coverage = Some(Coverage::of_units(router, &desk.live.zones, world.units(), limit_s, now));
            self.coverage.speeds_at = desk.speeds_at();
            self.coverage.undrawn = true;
            return;
        };
        if desk.speeds_at() != self.coverage.speeds_at {
            self.coverage.speeds_at = desk.speeds_at();
            coverage.set_speeds(router.graph(), |e| router.edge_seconds(e));
            self.coverage.undrawn = true;
        }
        for (slot, unit) in world.units().iter().enumerate() {
            let key = slot as SourceKey;
            let wanted = unit.last_fix.filter(|_| covers(unit, now)).map(|f| router.snap(f.lon, f.lat));
            match wanted {
                Some(nodes) if coverage.source(key) != Some(nodes.as_slice()) => coverage.place(key, nodes),
                None if coverage.contains(key) => coverage.remove(key),
                _ => continue,
            }
            self.coverage.undrawn = true;
        }
    }

    fn draw_coverage(&mut self, canvas: &mut Canvas) {
        let (Some(coverage), Some(graph)) = (&self.coverage.coverage, self.session.desk.roads()) else { return };
        canvas.live.update_coverage(graph, coverage.pieces());
        self.coverage.undrawn = false;
    }

    /// Looks for the move-up that wins back the most road, from the free units to the
    /// stations and the checkpoints of the plans not yet over at `now`; a commander accepts it
    /// with [`Console::accept_move_up`].
    pub fn suggest_move_up(&mut self, now: Millis) {
        self.coverage.suggestion = None;
        self.coverage.no_suggestion = None;
        let desk = &self.session.desk;
        let (Some(router), Some(coverage)) = (desk.router(), &mut self.coverage.coverage) else {
            self.coverage.no_suggestion = Some("no coverage yet: the map has no roads or none counted".into());
            return;
        };
        let stations = self.stations.iter().map(|s| (s.label.clone(), s.lon, s.lat));
        let world = desk.live_world();
        let checkpoints = world.plans().iter().flat_map(|f| &f.plan.checkpoints);
        let open =
            checkpoints.filter(|c| c.until > now).map(|c| (c.name.clone(), c.lon, c.lat)).take(MAX_CHECKPOINT_POSTS);
        let posts: Vec<Post> = stations
            .chain(open)
            .map(|(name, lon, lat)| Post { name, lon, lat, nodes: router.snap(lon, lat) })
            .filter(|p| !p.nodes.is_empty())
            .collect();
        let share_before = coverage.totals().share();
        let found = suggest(coverage, &posts);
        let units = desk.live_world().units();
        let Some((found, unit)) = found.and_then(|f| units.get(f.unit as usize).map(|u| (f, u))) else {
            self.coverage.no_suggestion = Some("no move to a station or checkpoint gains coverage".into());
            return;
        };
        self.coverage.suggestion = Some(Suggestion {
            unit: unit.id.clone(),
            callsign: unit.callsign.clone(),
            post: posts[found.post].clone(),
            gain_km: found.gain_m / 1000.0,
            share_before,
            share_after: found.share_after,
        });
    }

    /// Sends the suggested move-up as the commander's command (the world makes the post the
    /// unit's station and has it returning there).
    pub fn accept_move_up(&mut self) {
        let Some(s) = self.coverage.suggestion.take() else { return };
        let command = Command::MoveUp { unit: s.unit, post: s.post.name, lon: s.post.lon, lat: s.post.lat };
        self.session.desk.command(command);
    }
}
