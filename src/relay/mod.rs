//! The hubs' relay over NATS JetStream, for a standby centre and for hubs above others. A
//! primary (`serve --nats URL`) publishes every durable batch to a stream (`publish.rs`); a
//! follower (`serve --follow URL`) reads the whole stream, in order, into a world of its own
//! that its seats attach to (`follow.rs`). A message is one run of consecutive journal records
//! that share an organisation node, as JSON [`Relayed`], on that node's subject
//! (`subjects.rs`: `pantau.<mabes>.<polda>.<polres>.<polsek>`), with a message id that makes
//! a republished run a duplicate JetStream drops.

pub mod follow;
pub mod publish;
pub mod subjects;

use std::time::Duration;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::model::Event;

/// Every subject of the relay starts with this.
pub const SUBJECT_ROOT: &str = "pantau";
/// The stream's name unless told otherwise.
pub const DEFAULT_STREAM: &str = "PANTAU";
/// Waits between attempts to reach NATS or the stream: doubling up to the last.
const RETRY_FIRST: Duration = Duration::from_millis(200);
const RETRY_LAST: Duration = Duration::from_secs(5);

/// Where the stream is.
#[derive(Clone, Debug, PartialEq)]
pub struct RelayConfig {
    /// NATS servers, `nats://HOST:PORT`, any of a cluster's nodes.
    pub servers: Vec<String>,
    /// The JetStream stream.
    pub stream: String,
    /// Copies of the stream the cluster keeps (set when the primary creates it).
    pub replicas: usize,
}

impl RelayConfig {
    /// The servers as they may be shown (in logs, to seats): without any `user:password@`.
    pub fn shown(&self) -> String {
        let bare = |s: &String| match s
            .split_once("://")
            .and_then(|(scheme, rest)| Some((scheme, rest.rsplit_once('@')?.1)))
        {
            Some((scheme, host)) => format!("{scheme}://{host}"),
            None => s.clone(),
        };
        self.servers.iter().map(bare).collect::<Vec<_>>().join(",")
    }

    /// `URL[,URL...]` as given on the command line.
    pub fn parse(servers: &str, stream: Option<String>, replicas: Option<usize>) -> Result<Self> {
        let servers: Vec<String> = servers.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        anyhow::ensure!(!servers.is_empty(), "no NATS server given: nats://HOST:PORT[,nats://HOST:PORT...]");
        for server in &servers {
            let shown = Self { servers: vec![server.clone()], stream: String::new(), replicas: 1 }.shown();
            server
                .parse::<async_nats::ServerAddr>()
                .with_context(|| format!("{shown}: a NATS server is nats://HOST:PORT"))?;
        }
        let stream = stream.unwrap_or_else(|| DEFAULT_STREAM.to_string());
        anyhow::ensure!(
            !stream.is_empty() && stream.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "stream name {stream:?}: letters, digits, - and _ only"
        );
        let replicas = replicas.unwrap_or(1);
        anyhow::ensure!((1..=5).contains(&replicas), "{replicas} replicas: JetStream keeps 1 to 5");
        Ok(Self { servers, stream, replicas })
    }
}

/// One run of journal records: `events[i]` is record `first_seq + i`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relayed {
    pub first_seq: u64,
    pub events: Vec<Event>,
}

impl Relayed {
    /// The last record's sequence number.
    pub fn last_seq(&self) -> u64 {
        // Saturating: a message is read from outside, and a number near the top must not panic.
        self.first_seq.saturating_add((self.events.len() as u64).saturating_sub(1))
    }
}

/// A client on the cluster that keeps reconnecting (to any of its nodes) for as long as it
/// lives, the first connection included.
async fn connect(config: &RelayConfig) -> Result<async_nats::Client> {
    let servers: Vec<async_nats::ServerAddr> = config.servers.iter().filter_map(|s| s.parse().ok()).collect();
    async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connection_timeout(Duration::from_secs(5))
        .connect(servers)
        .await
        .with_context(|| format!("cannot reach NATS at {}", config.shown()))
}

/// The next wait after `wait`.
fn longer(wait: Duration) -> Duration {
    (wait * 2).min(RETRY_LAST)
}
