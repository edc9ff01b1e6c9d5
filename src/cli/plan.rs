//! `pantau plan check FILE [--map MAP]`: an operation plan file read, its escorts' missing
//! times and roads to hold worked out on the map's roads, checked as the world checks it, and
//! printed as JSON with each escort leg's drive time and length (exits 1 on a bad plan). The
//! same plan is what `pantau act plan` sends to the hub.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use serde_json::json;

use super::args::map_path;
use crate::basemap::Archive;
use crate::layer_files::read_plan;
use crate::model::plans::Plan;
use crate::spatial::dispatch::Router;
use crate::spatial::plans::{fill_escort, Leg};
use crate::spatial::{RoadGraph, Streets};

#[derive(Subcommand, Debug)]
pub enum PlanCommand {
    /// Read a plan file, fill in escort times and roads to hold from the map, check it and
    /// print it as JSON.
    Check {
        /// The plan (TOML; see the README's "Operation plans").
        file: PathBuf,
        /// The base map whose roads time the escorts (`demo` for the demo city); needed when
        /// a waypoint has no eta or an escort no `hold`.
        #[arg(long)]
        map: Option<PathBuf>,
    },
}

pub fn run(command: PlanCommand) -> Result<()> {
    let PlanCommand::Check { file, map } = command;
    let (plan, legs) = complete_plan(&file, map.as_deref())?;
    let legs: Vec<_> = legs
        .iter()
        .zip(&plan.escorts)
        .map(|(legs, escort)| {
            let legs: Vec<_> = legs
                .iter()
                .map(|l| {
                    json!({
                        "to": escort.waypoints[l.to].name,
                        "minutes": (l.seconds / 6.0).round() / 10.0,
                        "km": (l.metres / 100.0).round() / 10.0,
                    })
                })
                .collect();
            json!({"escort": escort.name, "legs": legs})
        })
        .collect();
    println!("{}", json!({"plan": plan, "escort_legs": legs}));
    Ok(())
}

/// The plan in `file`, its gaps filled on `map`'s roads, checked; with each escort's legs
/// (empty without a map).
pub fn complete_plan(file: &Path, map: Option<&Path>) -> Result<(Plan, Vec<Vec<Leg>>)> {
    let mut draft = read_plan(file)?;
    let Some(map) = map else {
        if !draft.complete() {
            bail!(
                "{}: a waypoint has no eta or an escort no hold; give --map to work them out on its roads",
                file.display()
            );
        }
        let none = vec![Vec::new(); draft.plan.escorts.len()];
        return Ok((draft.plan, none));
    };
    let archive = Archive::open(&map_path(map, crate::demo::DEFAULT_SEED)?)?;
    let router = Router::new(RoadGraph::from_archive(&archive)?);
    let streets = Streets::from_layers(&archive.max_zoom_layers("roads")?);
    let mut all_legs = Vec::new();
    for (e, escort) in draft.plan.escorts.iter_mut().enumerate() {
        let legs = fill_escort(&router, &streets, escort, &draft.eta_given[e], draft.hold_given[e])
            .map_err(|why| anyhow!("{}: {why} on {}", file.display(), map.display()))?;
        all_legs.push(legs);
    }
    draft.plan.check().map_err(|why| anyhow!("{}: {why}", file.display()))?;
    Ok((draft.plan, all_legs))
}
