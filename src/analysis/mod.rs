//! The analyst's reading of the record: response-time reports by Polres, zone or shift
//! (`report.rs`), the early warning of zones whose incidents rise improbably (`warning.rs`),
//! who was near a place in a period (`near.rs`) and hotspots as a kernel density of incidents
//! (`heat.rs`). Everything here reads a world rebuilt from the journal (or the journal's
//! positions) and changes nothing.
//!
//! A journal does not name its zones and organisation tree; `centre.toml` beside it does
//! (`org = PATH`, `zones = [PATH, ...]`, written by `pantau sim --history`), unless they are
//! given with the command.

pub mod heat;
pub mod near;
pub mod report;
pub mod warning;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::model::{Tier, Zone};
use crate::org::Org;
use crate::spatial::ZoneIndex;

/// Where a journal's organisation tree and zones are, as `centre.toml` says.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CentreFiles {
    pub org: Option<PathBuf>,
    #[serde(default)]
    pub zones: Vec<PathBuf>,
}

impl CentreFiles {
    fn path(journal: &Path) -> PathBuf {
        journal.join("centre.toml")
    }

    /// What `centre.toml` beside the journal says (nothing when there is none).
    pub fn read(journal: &Path) -> Result<Self> {
        let path = Self::path(journal);
        if !path.exists() {
            return Ok(Self::default());
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("{}: not a centre file", path.display()))
    }

    pub fn write(&self, journal: &Path) -> Result<()> {
        let path = Self::path(journal);
        let text = toml::to_string(self).context("cannot write a centre file")?;
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    }
}

/// The organisation tree and zones a report groups by.
pub struct Places {
    org: Option<Org>,
    zones: ZoneIndex,
    finest: Option<u8>,
}

impl Places {
    pub fn new(org: Option<Org>, zones: Vec<Zone>) -> Self {
        let finest = zones.iter().map(|z| z.level).max();
        Self { org, zones: ZoneIndex::new(zones), finest }
    }

    /// The tree and zones given, else those `centre.toml` beside the journal names.
    pub fn load(journal: &Path, org: Option<&Path>, zones: &[PathBuf]) -> Result<Self> {
        let beside = CentreFiles::read(journal)?;
        let org = org.map(Path::to_path_buf).or(beside.org);
        let zones = if zones.is_empty() { beside.zones } else { zones.to_vec() };
        let org = org.map(|p| Org::load(&p)).transpose()?;
        let mut all = Vec::new();
        for path in &zones {
            all.extend(crate::layer_files::load_zones(path)?);
        }
        Ok(Self::new(org, all))
    }

    /// Every zone given, indexed.
    pub fn zones(&self) -> &ZoneIndex {
        &self.zones
    }

    pub fn has_org(&self) -> bool {
        self.org.is_some()
    }

    pub fn has_zones(&self) -> bool {
        self.finest.is_some()
    }

    /// The finest zones (the level the early warning and the zone reports count by).
    pub fn finest_zones(&self) -> impl Iterator<Item = &Zone> + '_ {
        self.zones.zones().iter().filter(move |z| Some(z.level) == self.finest)
    }

    /// A finest zone by its code.
    pub fn finest_zone(&self, code: &str) -> Option<&Zone> {
        self.finest_zones().find(|z| z.code == code)
    }

    /// The Polres a node is (or lies under); a node above every Polres, as itself.
    pub fn polres(&self, node: Option<&str>) -> String {
        let Some(node) = node else { return "not routed".into() };
        let Some(org) = &self.org else { return node.to_string() };
        let up = org.path_up(node);
        up.iter().find(|n| n.tier == Tier::Polres).or(up.first()).map_or_else(|| node.to_string(), |n| n.id.clone())
    }

    /// The code of the finest zone holding a point.
    pub fn zone(&self, at: Option<(f64, f64)>) -> String {
        let Some((lon, lat)) = at else { return "no place".into() };
        self.zones
            .lookup(lon, lat)
            .into_iter()
            .find(|z| Some(z.level) == self.finest)
            .map_or_else(|| "outside every zone".into(), |z| z.code.clone())
    }
}
