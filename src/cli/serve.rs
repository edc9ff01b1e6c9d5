//! `pantau serve`: runs the live feeds, the world and the journal without a window until
//! SIGINT/SIGTERM. Its settings are its flags over its `--config` file over the service's
//! defaults (see `service::settings`); it prints where it listens once it does.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use crate::service::settings::{DEFAULT_HTTP, DEFAULT_JOURNAL, DEFAULT_OSMAND};
use crate::service::{ServeSettings, DEFAULT_QUEUE_CAPACITY};

// The help of a flag with a default shows the service's own (no `///` here: on an `Args`
// struct it would replace the command's about).
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// A TOML file with any of these settings (flags given here win).
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[arg(long, help = format!("Journal directory [default: {DEFAULT_JOURNAL}]"))]
    pub journal: Option<PathBuf>,
    #[arg(long, help = format!("OsmAnd / Traccar Client listener [default: {DEFAULT_OSMAND}]"))]
    pub osmand: Option<SocketAddr>,
    #[arg(long, help = format!("API listener: POST /alarms, POST /traccar, GET /metrics [default: {DEFAULT_HTTP}]"))]
    pub http: Option<SocketAddr>,
    /// NMEA 0183 TCP listener (off unless given)
    #[arg(long)]
    pub nmea: Option<SocketAddr>,
    /// MQTT broker to subscribe to (`mqtt://[USER@]host:port`): OwnTracks positions, pantau
    /// alarms. With a user, the password comes from PANTAU_MQTT_PASSWORD (or `USER:PASSWORD@`)
    #[arg(long)]
    pub mqtt: Option<crate::feeds::mqtt::BrokerUrl>,
    /// The client id pantau's persistent MQTT session is kept under [default: derived from the
    /// journal folder]
    #[arg(long)]
    pub mqtt_client_id: Option<String>,
    /// MQTT payloads over this many bytes are counted and skipped [default: 262144]
    #[arg(long)]
    pub mqtt_max_payload: Option<usize>,
    /// Per-device tokens, one `DEVICE TOKEN` a line
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    /// Accept devices without tokens (closed networks and tests only)
    #[arg(long)]
    pub insecure: bool,
    /// When to fsync the journal [default: per-batch]
    #[arg(long, value_enum)]
    pub fsync: Option<crate::journal::FsyncPolicy>,
    /// Unit of OsmAnd `speed` [default: knots, as Traccar]
    #[arg(long, value_enum)]
    pub speed_unit: Option<crate::feeds::osmand::SpeedUnit>,
    #[arg(
        long,
        help = format!("Positions that may wait for the writer before the oldest are shed [default: {DEFAULT_QUEUE_CAPACITY}]")
    )]
    pub queue: Option<usize>,
    /// Journal segment size in MiB, 1 to 1024 [default: 64]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub segment_mb: Option<u64>,
    /// Serve seats (desks, the wall, `pantau watch` / `act`) on this address (off unless given)
    #[arg(long)]
    pub desks: Option<SocketAddr>,
    /// Who may log in at a seat (`pantau users add`) [default: users.toml]
    #[arg(long)]
    pub users: Option<PathBuf>,
    /// The organisation tree deciding each seat's jurisdiction (needs --zones)
    #[arg(long)]
    pub org: Option<PathBuf>,
    /// Zone files the organisation tree names by code (repeatable)
    #[arg(long)]
    pub zones: Vec<PathBuf>,
    /// The hub's TLS certificate, PEM (`pantau certs` makes a self-signed pair)
    #[arg(long)]
    pub tls_cert: Option<PathBuf>,
    /// The hub's TLS private key, PEM
    #[arg(long)]
    pub tls_key: Option<PathBuf>,
    /// Publish every durable batch to NATS JetStream: nats://HOST:PORT[,nats://HOST:PORT...]
    #[arg(long)]
    pub nats: Option<String>,
    /// Run a read-only follower hub on the stream at these NATS servers, no feeds (needs --desks)
    #[arg(long)]
    pub follow: Option<String>,
    /// The JetStream stream [default: PANTAU]
    #[arg(long)]
    pub nats_stream: Option<String>,
    /// Copies of the stream the NATS cluster keeps, 1 to 5, set when the primary creates it [default: 1]
    #[arg(long)]
    pub nats_replicas: Option<usize>,
    /// Seconds a 110 call rings at a node before it moves up a tier, 1 to 300 [default: 10]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub answer_s: Option<u64>,
    /// Seconds after it first rang that a 110 call nobody answered (its end never reported by the telephony bridge) is given up on as lost, 1 to 86400 and at least 4 x --answer-s [default: 1800]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub give_up_s: Option<u64>,
    /// Where a new 110 call rings first: nearest (where the caller is) or central (the Polda intake) [default: nearest]
    #[arg(long, value_enum)]
    pub intake: Option<crate::hub::switchboard::Intake>,
}

impl ServeArgs {
    /// The flags given, as the top layer of settings (`--config` is where the next one is).
    fn settings(&self) -> ServeSettings {
        ServeSettings {
            journal: self.journal.clone(),
            osmand: self.osmand,
            http: self.http,
            nmea: self.nmea,
            mqtt: self.mqtt.clone(),
            mqtt_client_id: self.mqtt_client_id.clone(),
            mqtt_max_payload: self.mqtt_max_payload,
            max_connections: None,
            max_connections_per_source: None,
            tokens: self.tokens.clone(),
            insecure: self.insecure.then_some(true),
            fsync: self.fsync,
            speed_unit: self.speed_unit,
            queue: self.queue,
            segment_mb: self.segment_mb,
            desks: self.desks,
            users: self.users.clone(),
            org: self.org.clone(),
            zones: (!self.zones.is_empty()).then(|| self.zones.clone()),
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
            nats: self.nats.clone(),
            follow: self.follow.clone(),
            nats_stream: self.nats_stream.clone(),
            nats_replicas: self.nats_replicas,
            answer_s: self.answer_s,
            give_up_s: self.give_up_s,
            intake: self.intake,
        }
    }
}

pub fn run(args: ServeArgs) -> Result<()> {
    let file = ServeSettings::from_optional_file(args.config.as_deref())?;
    let config = args.settings().over(file).into_config()?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(crate::service::serve(config, crate::service::signal(), |running| {
        println!("pantau serve: {}", running.bound);
    }))
}
