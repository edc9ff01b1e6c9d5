//! `pantau serve`: feeds + world + journal without a window. Opens (and repairs) the journal,
//! rebuilds the world from it, starts the writer and the listeners, and on SIGINT/SIGTERM stops
//! taking requests, writes what is queued, syncs the journal and exits.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use tokio::net::TcpListener;

use crate::feeds::connections::{self, Gate};
use crate::feeds::http::{self, HttpLimits};
use crate::feeds::listeners::{api_router, nmea_listener, osmand_router, FeedState};
use crate::feeds::mqtt::{BrokerUrl, MqttConfig, DEFAULT_MAX_PAYLOAD};
use crate::feeds::osmand::SpeedUnit;
use crate::feeds::tokens::Tokens;
use crate::hub::{Hub, HubLimits};
use crate::ingest::metrics::Metrics;
use crate::ingest::validate::{Limits, Validator};
use crate::ingest::{Ingest, IngestHandle};
use crate::journal::{self, FsyncPolicy, Journal, JournalConfig};
use crate::relay::RelayConfig;

mod desks;
mod relay;
pub mod settings;

pub use settings::{ServeSettings, DEFAULT_QUEUE_CAPACITY};

/// What `serve` runs with, every setting decided (see [`ServeSettings`] for how flags, a
/// config file and the defaults make one).
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub journal: PathBuf,
    pub osmand: Option<SocketAddr>,
    pub http: Option<SocketAddr>,
    pub nmea: Option<SocketAddr>,
    /// A broker to subscribe to (`mqtt://[USER@]host:port`).
    pub mqtt: Option<BrokerUrl>,
    /// The client id for the broker's persistent session (default: derived from the journal).
    pub mqtt_client_id: Option<String>,
    /// MQTT payloads over this many bytes are counted and skipped.
    pub mqtt_max_payload: usize,
    /// A journal segment is closed once it reaches this size.
    pub segment_bytes: u64,
    /// Open connections in all and per source address, across the listeners.
    pub connections: connections::Limits,
    /// Per-connection HTTP limits (header deadline and size, stop grace).
    pub http_limits: HttpLimits,
    pub tokens: Option<PathBuf>,
    pub insecure: bool,
    pub fsync: FsyncPolicy,
    pub speed_unit: SpeedUnit,
    /// Positions allowed to wait for the writer before the oldest are shed.
    pub queue_capacity: usize,
    /// Seats served on a WebSocket (the hub), if any.
    pub desks: Option<DesksConfig>,
    /// The relay over NATS JetStream, if any.
    pub relay: Option<Relay>,
}

/// This centre's part in the relay over NATS JetStream.
#[derive(Clone, Debug, PartialEq)]
pub enum Relay {
    /// Publish every durable batch (a primary).
    Publish(RelayConfig),
    /// Run no feeds; the hub's world is the stream's (a read-only follower).
    Follow(RelayConfig),
}

/// The hub's settings: where seats attach, who may log in, and the organisation tree with the
/// zones it names.
#[derive(Clone, Debug)]
pub struct DesksConfig {
    pub addr: SocketAddr,
    /// The hub's certificate and key (PEM) for TLS; without them only loopback (or
    /// `--insecure`) serves seats.
    pub tls: Option<(PathBuf, PathBuf)>,
    pub users: PathBuf,
    pub org: Option<PathBuf>,
    pub zones: Vec<PathBuf>,
    pub limits: HubLimits,
}

/// Addresses the listeners actually bound (port 0 picks a free one).
#[derive(Clone, Debug, Default)]
pub struct Bound {
    pub osmand: Option<SocketAddr>,
    pub http: Option<SocketAddr>,
    pub nmea: Option<SocketAddr>,
    pub desks: Option<SocketAddr>,
}

impl std::fmt::Display for Bound {
    /// `osmand ADDR, http ADDR, nmea ADDR, desks ADDR`, `off` for one not listening.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |addr: Option<SocketAddr>| addr.map_or_else(|| "off".to_string(), |a| a.to_string());
        let (osmand, http, nmea, desks) = (shown(self.osmand), shown(self.http), shown(self.nmea), shown(self.desks));
        write!(f, "osmand {osmand}, http {http}, nmea {nmea}, desks {desks}")
    }
}

/// A running service: its addresses and a handle into the writer.
pub struct Running {
    pub bound: Bound,
    pub ingest: IngestHandle,
    pub hub: Option<Arc<Hub>>,
}

/// Runs until `shutdown` completes; `on_ready` is told where it listens.
pub async fn serve(
    config: ServeConfig,
    shutdown: impl Future<Output = ()>,
    on_ready: impl FnOnce(&Running),
) -> Result<()> {
    let tokens = match (&config.tokens, config.insecure) {
        (_, true) => {
            tracing::warn!("--insecure: devices are accepted without tokens");
            Tokens::insecure()
        }
        (Some(path), false) => Tokens::load(path)?,
        (None, false) => anyhow::bail!("no --tokens file: give one, or start with --insecure on a closed network"),
    };
    let checked = config.desks.as_ref().map(|d| desks::check(d, config.insecure)).transpose()?;
    let (jurisdictions, desks_tls) = checked.map_or((None, None), |c| (c.jurisdictions, c.tls));
    let journal_config = JournalConfig {
        fsync: config.fsync,
        segment_bytes: config.segment_bytes,
        ..JournalConfig::new(&config.journal)
    };
    let (mut journal, _) = Journal::open(journal_config)?;
    let keep = config.desks.as_ref().map_or(0, |d| d.limits.recent_events);
    let mut tail = desks::RecentRecords::new(keep);
    let window = journal::Tail { next_seq: journal.next_seq(), records: keep as u64 };
    let (world, replayed) =
        journal::replay_observing(&config.journal, window, &mut |seq, event, outcome| tail.push(seq, event, outcome))?;
    journal.count_unsnapshotted(replayed);
    tracing::info!(
        "journal {}: {} units, {} alarms rebuilt",
        config.journal.display(),
        world.units().len(),
        world.alarms().len()
    );
    let metrics = Arc::new(Metrics::default());
    let validator = Validator::new(Limits::default()).resuming(world.units());
    let ingest = Ingest::start(journal, world, validator, config.queue_capacity, metrics);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let records = tail.into_records();
    let publisher = relay::publisher(&config, &ingest, &stop_rx)?;
    let follows = relay::follows(&config);
    let hub = match &config.desks {
        Some(desks) => {
            let feed = relay::hub_feed(&config, &ingest, &stop_rx)?;
            // A follower's world is the stream's, not its own journal's.
            let records = if follows.is_some() { Vec::new() } else { records };
            let start = desks::HubStart { jurisdictions, feed, records, follows: follows.clone() };
            Some(desks::hub(desks, start, &ingest, &stop_rx)?)
        }
        None => None,
    };
    let state = FeedState::new(ingest.handle(), Arc::new(tokens), config.speed_unit);
    let gate = Gate::new(&config.connections, ingest.handle().metrics().clone());
    tracing::info!("connections: at most {} open, {} per source", gate.max_total(), config.connections.max_per_source);

    let mut tasks = Vec::new();
    let mut bound = Bound::default();
    // A follower takes nothing from devices: its world is the primary's.
    let feeds = if follows.is_some() {
        tracing::info!("following {}: no device feeds here", follows.as_deref().unwrap_or_default());
        ServeConfig { osmand: None, http: None, nmea: None, mqtt: None, ..config.clone() }
    } else {
        config.clone()
    };
    let listeners = [
        (feeds.osmand, "osmand", osmand_router(state.clone()), &mut bound.osmand),
        (feeds.http, "http", api_router(state.clone()), &mut bound.http),
    ];
    for (addr, name, router, bound_at) in listeners {
        let Some(addr) = addr else { continue };
        let listener = bind(addr, &format!("--{name}")).await?;
        *bound_at = listener.local_addr().ok();
        let limits = config.http_limits.clone();
        tasks.push(tokio::spawn(http::serve(listener, router, gate.clone(), limits, stop_rx.clone(), name)));
    }
    let nmea_task = match feeds.nmea {
        Some(addr) => {
            let listener = bind(addr, "--nmea").await?;
            bound.nmea = listener.local_addr().ok();
            Some(tokio::spawn(nmea_listener(listener, state.clone(), gate.clone())))
        }
        None => None,
    };
    let mqtt_task = match &feeds.mqtt {
        Some(url) => {
            crate::feeds::mqtt::parse_url(url.as_str())?;
            let mqtt = MqttConfig::for_journal(
                url.clone(),
                &config.journal,
                config.mqtt_client_id.clone(),
                config.mqtt_max_payload,
            );
            let ingest = state.ingest.clone();
            Some(tokio::spawn(async move {
                if let Err(e) = crate::feeds::mqtt::run(mqtt, ingest).await {
                    tracing::error!("mqtt feed stopped: {e:#}");
                }
            }))
        }
        None => None,
    };
    if let (Some(desks), Some(hub)) = (&config.desks, &hub) {
        let (addr, task) = desks::listen(desks, desks_tls, hub, &gate, &config.http_limits, &stop_rx).await?;
        bound.desks = Some(addr);
        tasks.push(task);
    }
    tracing::info!("listening: {bound}");
    on_ready(&Running { bound, ingest: ingest.handle(), hub: hub.clone() });

    shutdown.await;
    tracing::info!("shutting down: finishing requests and syncing the journal");
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    if let Some(hub) = &hub {
        hub.seats_gone(config.http_limits.stop_grace).await;
    }
    for task in [nmea_task, mqtt_task].into_iter().flatten() {
        task.abort();
    }
    gate.close_all();
    tokio::task::spawn_blocking(move || ingest.stop()).await.context("writer task")??;
    if let Some(publisher) = publisher {
        // The last batches go to the stream unless NATS cannot take them within the grace.
        if tokio::time::timeout(config.http_limits.stop_grace, publisher).await.is_err() {
            tracing::warn!("relay: the last batches were not all acknowledged before the stop");
        }
    }
    tracing::info!("journal synced; bye");
    Ok(())
}

async fn bind(addr: SocketAddr, flag: &str) -> Result<TcpListener> {
    TcpListener::bind(addr).await.with_context(|| format!("{flag} {addr}: cannot listen"))
}

/// Completes on SIGINT or SIGTERM.
pub async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// A service started in-process (the app hosts its feeds this way; so do tests).
pub struct Service {
    pub bound: Bound,
    pub ingest: IngestHandle,
    /// The hub, when seats are served.
    pub hub: Option<Arc<Hub>>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<()>>,
}

impl Service {
    /// Starts `serve` on the current tokio runtime and returns once it listens.
    pub async fn start(config: ServeConfig) -> Result<Self> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            let mut ready = Some(ready_tx);
            serve(config, async { stopped.await.unwrap_or(()) }, move |r| {
                if let Some(tx) = ready.take() {
                    let _ = tx.send((r.bound.clone(), r.ingest.clone(), r.hub.clone()));
                }
            })
            .await
        });
        match ready_rx.await {
            Ok((bound, ingest, hub)) => Ok(Self { bound, ingest, hub, stop, task }),
            Err(_) => Err(task
                .await
                .context("service task")?
                .err()
                .unwrap_or_else(|| anyhow::anyhow!("the service stopped before listening"))),
        }
    }

    /// Stops taking requests, writes what is queued and syncs the journal.
    pub async fn stop(self) -> Result<()> {
        let _ = self.stop.send(());
        self.task.await.context("service task")?
    }
}

impl ServeConfig {
    /// Loopback listeners on free ports (0), no tokens: for tests and in-process use.
    pub fn loopback(journal: impl Into<PathBuf>) -> Self {
        let any = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
        Self {
            journal: journal.into(),
            osmand: any,
            http: any,
            nmea: None,
            mqtt: None,
            mqtt_client_id: None,
            mqtt_max_payload: DEFAULT_MAX_PAYLOAD,
            connections: connections::Limits::default(),
            http_limits: HttpLimits::default(),
            segment_bytes: settings::DEFAULT_SEGMENT_MB << 20,
            tokens: None,
            insecure: true,
            fsync: FsyncPolicy::PerBatch,
            speed_unit: SpeedUnit::Knots,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            desks: None,
            relay: None,
        }
    }
}
