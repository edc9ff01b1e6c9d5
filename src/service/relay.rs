//! Hosting the relay inside `serve`: a primary's publisher on the writer (reading back from
//! the journal what the stream lacks), or a follower's stream as the hub's feed; the subjects
//! come from the hub's organisation tree and zones when it has them.

use anyhow::{Context, Result};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{DesksConfig, Relay, ServeConfig};
use crate::ingest::{Ingest, Subscription};
use crate::relay::subjects::Subjects;

/// Starts publishing, when this is a primary: right after the writer starts, before anything
/// can be written, so the journal read back at start ends where the subscription begins.
pub fn publisher(
    config: &ServeConfig,
    ingest: &Ingest,
    stop: &watch::Receiver<bool>,
) -> Result<Option<JoinHandle<()>>> {
    let Some(Relay::Publish(relay)) = &config.relay else { return Ok(None) };
    let subjects = subjects(config.desks.as_ref())?;
    let subscription = subscribe(ingest)?;
    let journal = config.journal.clone();
    Ok(Some(crate::relay::publish::start(relay.clone(), subjects, journal, subscription, stop.clone())))
}

/// Where the hub's world comes from: the stream for a follower, else the writer.
pub fn hub_feed(config: &ServeConfig, ingest: &Ingest, stop: &watch::Receiver<bool>) -> Result<Subscription> {
    match &config.relay {
        Some(Relay::Follow(relay)) => Ok(crate::relay::follow::start(relay.clone(), stop.clone())),
        _ => subscribe(ingest),
    }
}

/// Whom a follower follows (its seats are told to act there).
pub fn follows(config: &ServeConfig) -> Option<String> {
    match &config.relay {
        Some(Relay::Follow(relay)) => Some(format!("stream {} on {}", relay.stream, relay.shown())),
        _ => None,
    }
}

fn subscribe(ingest: &Ingest) -> Result<Subscription> {
    ingest.handle().subscribe().ok_or_else(|| anyhow::anyhow!("the world writer is not running"))
}

/// Subjects per node of the hub's organisation tree, or one subject without a tree.
fn subjects(desks: Option<&DesksConfig>) -> Result<Subjects> {
    let Some((org, desks)) = desks.and_then(|d| d.org.as_ref().map(|org| (org, d))) else {
        return Ok(Subjects::new(None));
    };
    let tree = crate::org::Org::load(org)?;
    let mut zones = Vec::new();
    for path in &desks.zones {
        zones.extend(crate::layer_files::load_zones(path).with_context(|| format!("--zones {}", path.display()))?);
    }
    Ok(Subjects::new(Some((tree, zones))))
}
