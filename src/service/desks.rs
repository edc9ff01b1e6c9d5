//! Hosting the hub inside `serve`: its files checked before anything starts (the users file,
//! the organisation tree and its zones, TLS or a loopback address), the journal's tail kept as
//! the replay goes by, and its listener started beside the feeds.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{ensure, Result};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::DesksConfig;
use crate::feeds::connections::Gate;
use crate::feeds::http::HttpLimits;
use crate::hub::{Hub, HubConfig, Jurisdictions};
use crate::ingest::{Ingest, Subscription};
use crate::model::Event;
use crate::spatial::ZoneIndex;
use crate::world::Outcome;

/// What the hub starts with once its files are checked.
pub struct Checked {
    pub jurisdictions: Option<Jurisdictions>,
    pub tls: Option<TlsAcceptor>,
}

/// Checks the hub's files and address: the users file, TLS (needed off loopback unless
/// `insecure`), the organisation tree and its zones.
pub fn check(desks: &DesksConfig, insecure: bool) -> Result<Checked> {
    ensure!(
        desks.addr.ip().is_loopback() || insecure || desks.tls.is_some(),
        "--desks {}: seats on a network address need TLS (--tls-cert and --tls-key; `pantau certs` makes a \
         pair), or --insecure on a closed network",
        desks.addr
    );
    crate::users::Users::load(&desks.users)?;
    let tls = desks.tls.as_ref().map(|(cert, key)| crate::hub::tls::acceptor(cert, key)).transpose()?;
    Ok(Checked { jurisdictions: jurisdictions(desks)?, tls })
}

fn jurisdictions(desks: &DesksConfig) -> Result<Option<Jurisdictions>> {
    let Some(org) = &desks.org else { return Ok(None) };
    ensure!(
        !desks.zones.is_empty(),
        "--org {}: the tree names zones by code; give the zones with --zones",
        org.display()
    );
    let org = crate::org::Org::load(org)?;
    let mut zones = Vec::new();
    for path in &desks.zones {
        zones.extend(crate::layer_files::load_zones(path)?);
    }
    Ok(Some(Jurisdictions { org, zones: ZoneIndex::new(zones) }))
}

/// The last records a replay went by, with their outcomes.
pub struct RecentRecords {
    records: VecDeque<(u64, Event, Outcome)>,
    keep: usize,
}

impl RecentRecords {
    pub fn new(keep: usize) -> Self {
        Self { records: VecDeque::new(), keep }
    }

    /// Keeps a record; a sequence number not above the last one means the replay started
    /// again (from an older snapshot), so what came after it goes.
    pub fn push(&mut self, seq: u64, event: &Event, outcome: &Outcome) {
        if self.keep == 0 {
            return;
        }
        while self.records.back().is_some_and(|(last, _, _)| *last >= seq) {
            self.records.pop_back();
        }
        self.records.push_back((seq, event.clone(), outcome.clone()));
        if self.records.len() > self.keep {
            self.records.pop_front();
        }
    }

    pub fn into_records(self) -> Vec<(u64, Event, Outcome)> {
        self.records.into()
    }
}

/// What the hub starts from: its world's feed (the writer's subscription, taken right after
/// the writer starts so the journal's tail ends where it begins; or a followed stream), that
/// tail, and whom it follows if it is a follower.
pub struct HubStart {
    pub jurisdictions: Option<Jurisdictions>,
    pub feed: Subscription,
    pub records: Vec<(u64, Event, Outcome)>,
    pub follows: Option<String>,
}

/// Starts the hub; its own records (logins, refusals) go through the writer.
pub fn hub(desks: &DesksConfig, start: HubStart, ingest: &Ingest, stop: &watch::Receiver<bool>) -> Result<Arc<Hub>> {
    let HubStart { jurisdictions, feed, records, follows } = start;
    let config = HubConfig { users: desks.users.clone(), jurisdictions, limits: desks.limits.clone(), follows };
    let hub = Hub::start(config, ingest.handle(), feed, records, stop.clone())?;
    hub.spawn_switchboard();
    Ok(hub)
}

/// Starts the seats' listener; returns where it listens.
pub async fn listen(
    desks: &DesksConfig,
    tls: Option<TlsAcceptor>,
    hub: &Arc<Hub>,
    gate: &Gate,
    limits: &HttpLimits,
    stop: &watch::Receiver<bool>,
) -> Result<(SocketAddr, JoinHandle<()>)> {
    let listener = super::bind(desks.addr, "--desks").await?;
    let addr = listener.local_addr()?;
    let serve = crate::hub::listener::serve(listener, tls, hub.clone(), gate.clone(), limits.clone(), stop.clone());
    let task = tokio::spawn(serve);
    Ok((addr, task))
}
