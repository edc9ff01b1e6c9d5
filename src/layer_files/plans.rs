//! Operation plans from TOML files, as a commander writes them: the plan's `id` and `name`,
//! `[[checkpoint]]`s, `[[escort]]`s with their `waypoints` and `[[deployment]]`s. Places are
//! `at = [lon, lat]`; times are ISO-8601 with a zone (quoted or not) or epoch seconds or
//! milliseconds. An escort's first waypoint needs its `eta`; a later one without it, and an
//! escort without `hold`, are left for the road graph to fill in (see `spatial::plans`).
//!
//! ```toml
//! id = "ketupat-2026"
//! name = "Operasi Ketupat 2026"
//!
//! [[checkpoint]]
//! name = "Pos Semanggi"
//! at = [106.8136, -6.2195]
//! radius_m = 150                     # default 100
//! from = 2026-12-01T06:00:00+07:00
//! until = 2026-12-01T18:00:00+07:00
//! units = ["P-101"]
//!
//! [[escort]]
//! name = "VVIP convoy"
//! units = ["PW-1", "PW-2"]
//! waypoints = [
//!   { name = "Monas", at = [106.8272, -6.1754], eta = 2026-12-01T09:00:00+07:00 },
//!   { name = "Blok M", at = [106.7997, -6.2441] },
//! ]
//!
//! [[deployment]]
//! zone = "3171"
//! kind = "motorbike"
//! count = 4
//! from = 2026-12-01T06:00:00+07:00
//! until = 2026-12-01T18:00:00+07:00
//! ```

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;

use crate::feeds::osmand::parse_timestamp;
use crate::model::plans::{Checkpoint, Deployment, Escort, Plan, Waypoint};
use crate::model::{Millis, UnitKind};

/// The largest plan file read, in bytes.
pub const MAX_PLAN_FILE_BYTES: u64 = 1 << 20;
/// A checkpoint's radius when the file gives none, in metres.
pub const DEFAULT_POST_RADIUS_M: f64 = 100.0;

/// A plan as its file gives it: what is still to be worked out on the road graph is marked.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanDraft {
    /// The plan; a waypoint whose eta is not given carries the one before it for now.
    pub plan: Plan,
    /// Per escort, per waypoint: whether the file gave its eta.
    pub eta_given: Vec<Vec<bool>>,
    /// Per escort: whether the file gave the roads to hold.
    pub hold_given: Vec<bool>,
}

impl PlanDraft {
    /// Whether nothing is left to work out.
    pub fn complete(&self) -> bool {
        self.eta_given.iter().flatten().all(|g| *g) && self.hold_given.iter().all(|g| *g)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    id: String,
    name: String,
    #[serde(default)]
    checkpoint: Vec<CheckpointFile>,
    #[serde(default)]
    escort: Vec<EscortFile>,
    #[serde(default)]
    deployment: Vec<DeploymentFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckpointFile {
    name: String,
    at: [f64; 2],
    radius_m: Option<f64>,
    from: TimeText,
    until: TimeText,
    #[serde(default)]
    units: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EscortFile {
    name: String,
    #[serde(default)]
    units: Vec<String>,
    waypoints: Vec<WaypointFile>,
    hold: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaypointFile {
    name: String,
    at: [f64; 2],
    eta: Option<TimeText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeploymentFile {
    zone: String,
    kind: UnitKind,
    count: u32,
    from: TimeText,
    until: TimeText,
}

/// A time as TOML gives it: a date-time value, a string or a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum TimeText {
    Date(toml::value::Datetime),
    Text(String),
    Number(i64),
}

impl TimeText {
    fn millis(&self, what: &str) -> Result<Millis> {
        let text = match self {
            TimeText::Date(d) => d.to_string(),
            TimeText::Text(t) => t.clone(),
            TimeText::Number(n) => n.to_string(),
        };
        parse_timestamp(&text)
            .map_err(|e| anyhow!("{what}: {e} (give a time with its zone, 2026-12-01T09:00:00+07:00)"))
    }
}

/// Reads a plan file; the plan is checked as the world will check it once its gaps are filled.
pub fn read_plan(path: &Path) -> Result<PlanDraft> {
    let size = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
    if size > MAX_PLAN_FILE_BYTES {
        bail!("{}: {size} bytes is more than a plan file may hold ({MAX_PLAN_FILE_BYTES})", path.display());
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {} as UTF-8 text", path.display()))?;
    let file: PlanFile = toml::from_str(&text).with_context(|| format!("{}: not a plan", path.display()))?;
    let draft = draft_of(file).with_context(|| format!("{}: not a plan", path.display()))?;
    draft.plan.check().map_err(|why| anyhow!("{}: {why}", path.display()))?;
    Ok(draft)
}

fn draft_of(file: PlanFile) -> Result<PlanDraft> {
    let checkpoints = file.checkpoint.into_iter().map(checkpoint_of).collect::<Result<_>>()?;
    let deployments = file.deployment.into_iter().map(deployment_of).collect::<Result<_>>()?;
    let mut escorts = Vec::new();
    let (mut eta_given, mut hold_given) = (Vec::new(), Vec::new());
    for escort in file.escort {
        eta_given.push(escort.waypoints.iter().map(|w| w.eta.is_some()).collect());
        hold_given.push(escort.hold.is_some());
        escorts.push(escort_of(escort)?);
    }
    let plan = Plan { id: file.id, name: file.name, checkpoints, escorts, deployments };
    Ok(PlanDraft { plan, eta_given, hold_given })
}

fn checkpoint_of(c: CheckpointFile) -> Result<Checkpoint> {
    let what = format!("checkpoint {:?}", c.name);
    Ok(Checkpoint {
        from: c.from.millis(&format!("{what}: from"))?,
        until: c.until.millis(&format!("{what}: until"))?,
        name: c.name,
        lon: c.at[0],
        lat: c.at[1],
        radius_m: c.radius_m.unwrap_or(DEFAULT_POST_RADIUS_M),
        units: c.units,
    })
}

fn escort_of(e: EscortFile) -> Result<Escort> {
    let what = format!("escort {:?}", e.name);
    let mut waypoints: Vec<Waypoint> = Vec::with_capacity(e.waypoints.len());
    for w in e.waypoints {
        let eta = match (&w.eta, waypoints.last()) {
            (Some(t), _) => t.millis(&format!("{what}: waypoint {:?}", w.name))?,
            (None, Some(before)) => before.eta,
            (None, None) => bail!("{what}: its first waypoint {:?} needs an eta (when the convoy sets off)", w.name),
        };
        waypoints.push(Waypoint { name: w.name, lon: w.at[0], lat: w.at[1], eta });
    }
    Ok(Escort { name: e.name, units: e.units, waypoints, hold: e.hold.unwrap_or_default() })
}

fn deployment_of(d: DeploymentFile) -> Result<Deployment> {
    let what = format!("deployment in zone {:?}", d.zone);
    Ok(Deployment {
        from: d.from.millis(&format!("{what}: from"))?,
        until: d.until.millis(&format!("{what}: until"))?,
        zone: d.zone,
        kind: d.kind,
        count: d.count,
    })
}
