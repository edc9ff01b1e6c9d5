//! The service's settings as people give them: flags (`pantau serve`, the app's `--journal`
//! and `--insecure`) over a TOML file (`--config`) over the defaults. Every layer is a
//! [`ServeSettings`] with nothing required; [`ServeSettings::over`] merges two layers and
//! [`ServeSettings::into_config`] fills what is still unset with the defaults below.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, Context, Result};

use super::{DesksConfig, Relay, ServeConfig};
use crate::feeds::connections;
use crate::feeds::http::HttpLimits;
use crate::feeds::mqtt::{BrokerUrl, DEFAULT_MAX_PAYLOAD};
use crate::feeds::osmand::SpeedUnit;
use crate::hub::switchboard::Intake;
use crate::hub::HubLimits;
use crate::journal::FsyncPolicy;
use crate::relay::RelayConfig;

/// Positions that may wait for the writer before the oldest are shed.
pub const DEFAULT_QUEUE_CAPACITY: usize = 200_000;
/// Journal segment size in MiB (1 to 1,024).
pub const DEFAULT_SEGMENT_MB: u64 = 64;
/// The journal directory, relative to where the service starts.
pub const DEFAULT_JOURNAL: &str = "journal";
/// The OsmAnd / Traccar Client listener.
pub const DEFAULT_OSMAND: SocketAddr = loopback(5055);
/// The API listener (alarms, Traccar JSON, metrics).
pub const DEFAULT_HTTP: SocketAddr = loopback(8082);

const fn loopback(port: u16) -> SocketAddr {
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), port)
}

/// One layer of settings; `None` (or a missing key in the file) leaves a setting to the layer
/// below. The field names, in kebab-case, are the keys of the `--config` file.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServeSettings {
    pub journal: Option<PathBuf>,
    pub osmand: Option<SocketAddr>,
    pub http: Option<SocketAddr>,
    /// NMEA 0183 TCP listener (off unless given).
    pub nmea: Option<SocketAddr>,
    /// A broker to subscribe to (`mqtt://[USER@]host:port`; off unless given).
    pub mqtt: Option<BrokerUrl>,
    /// The client id the broker keeps pantau's session under (default: derived from the
    /// journal's folder, the same at every start).
    pub mqtt_client_id: Option<String>,
    /// MQTT payloads over this many bytes are counted and skipped (default 256 KiB).
    pub mqtt_max_payload: Option<usize>,
    /// Open connections in all, across the listeners (default: the open-file limit less a
    /// reserve).
    pub max_connections: Option<usize>,
    /// Open connections one source address may hold (default 256).
    pub max_connections_per_source: Option<usize>,
    /// Per-device tokens, one `DEVICE TOKEN` a line.
    pub tokens: Option<PathBuf>,
    /// Accept devices without tokens (closed networks and tests only). As a flag it is given
    /// (`Some(true)`) or not (`None`), so a flag never turns off a file's `insecure = true`.
    pub insecure: Option<bool>,
    pub fsync: Option<FsyncPolicy>,
    pub speed_unit: Option<SpeedUnit>,
    /// Positions that may wait for the writer before the oldest are shed.
    pub queue: Option<usize>,
    /// Journal segment size in MiB (default 64).
    pub segment_mb: Option<u64>,
    /// Serve seats (desks, the wall, scripts) on this address (off unless given).
    pub desks: Option<SocketAddr>,
    /// Who may log in at a seat (default `users.toml`).
    pub users: Option<PathBuf>,
    /// The organisation tree that decides each seat's jurisdiction (none: every seat acts
    /// everywhere).
    pub org: Option<PathBuf>,
    /// The zone files the tree names by code.
    pub zones: Option<Vec<PathBuf>>,
    /// The hub's TLS certificate (PEM; `pantau certs` makes a self-signed one).
    pub tls_cert: Option<PathBuf>,
    /// The hub's TLS private key (PEM).
    pub tls_key: Option<PathBuf>,
    /// Publish every durable batch to NATS JetStream: `nats://HOST:PORT[,nats://HOST:PORT...]`.
    pub nats: Option<String>,
    /// Follow a primary's stream on these NATS servers instead of running feeds: a read-only hub.
    pub follow: Option<String>,
    /// The JetStream stream (default `PANTAU`).
    pub nats_stream: Option<String>,
    /// Copies of the stream the cluster keeps, 1 to 5 (default 1; set when it is created).
    pub nats_replicas: Option<usize>,
    /// Seconds a 110 call rings at a node before it moves up a tier, 1 to 300 (default 10).
    pub answer_s: Option<u64>,
    /// Seconds after it first rang that a 110 call nobody answered, whose end the telephony
    /// bridge never reported, is given up on as lost, 1 to 86,400 and at least four times
    /// `answer_s` (default 1,800).
    pub give_up_s: Option<u64>,
    /// Where a new call rings first: `nearest` (where the caller is) or `central` (the intake).
    pub intake: Option<Intake>,
}

impl ServeSettings {
    /// Reads a `--config` file (TOML with any of the keys above).
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
    }

    /// The settings of a `--config` file if one is named, none otherwise.
    pub fn from_optional_file(path: Option<&Path>) -> Result<Self> {
        path.map_or_else(|| Ok(Self::default()), Self::from_file)
    }

    /// These settings where given, `lower`'s elsewhere.
    pub fn over(self, lower: ServeSettings) -> ServeSettings {
        ServeSettings {
            journal: self.journal.or(lower.journal),
            osmand: self.osmand.or(lower.osmand),
            http: self.http.or(lower.http),
            nmea: self.nmea.or(lower.nmea),
            mqtt: self.mqtt.or(lower.mqtt),
            mqtt_client_id: self.mqtt_client_id.or(lower.mqtt_client_id),
            mqtt_max_payload: self.mqtt_max_payload.or(lower.mqtt_max_payload),
            max_connections: self.max_connections.or(lower.max_connections),
            max_connections_per_source: self.max_connections_per_source.or(lower.max_connections_per_source),
            tokens: self.tokens.or(lower.tokens),
            insecure: self.insecure.or(lower.insecure),
            fsync: self.fsync.or(lower.fsync),
            speed_unit: self.speed_unit.or(lower.speed_unit),
            queue: self.queue.or(lower.queue),
            segment_mb: self.segment_mb.or(lower.segment_mb),
            desks: self.desks.or(lower.desks),
            users: self.users.or(lower.users),
            org: self.org.or(lower.org),
            zones: self.zones.or(lower.zones),
            tls_cert: self.tls_cert.or(lower.tls_cert),
            tls_key: self.tls_key.or(lower.tls_key),
            nats: self.nats.or(lower.nats),
            follow: self.follow.or(lower.follow),
            nats_stream: self.nats_stream.or(lower.nats_stream),
            nats_replicas: self.nats_replicas.or(lower.nats_replicas),
            answer_s: self.answer_s.or(lower.answer_s),
            give_up_s: self.give_up_s.or(lower.give_up_s),
            intake: self.intake.or(lower.intake),
        }
    }

    /// The service's configuration: what is still unset takes its default (journal
    /// `journal`, OsmAnd on 127.0.0.1:5055, the API on 127.0.0.1:8082, no NMEA or MQTT,
    /// tokens required, fsync per batch, speeds in knots, [`DEFAULT_QUEUE_CAPACITY`]).
    pub fn into_config(self) -> Result<ServeConfig> {
        let segment_mb = self.segment_mb.unwrap_or(DEFAULT_SEGMENT_MB);
        let answer_s = self.answer_s.unwrap_or(10);
        anyhow::ensure!((1..=300).contains(&answer_s), "answer-s: {answer_s} is not 1 to 300 seconds");
        let give_up_s = self.give_up_s.unwrap_or(crate::model::calls::GIVE_UP_MS as u64 / 1000);
        anyhow::ensure!((1..=86_400).contains(&give_up_s), "give-up-s: {give_up_s} is not 1 to 86400 seconds");
        // Long enough for a call to climb every tier (Polsek -> Mabes) and ring a while at the top.
        anyhow::ensure!(
            give_up_s >= 4 * answer_s,
            "give-up-s: {give_up_s} s is under four times answer-s ({answer_s} s): a call would be lost before it reached Mabes"
        );
        anyhow::ensure!(
            self.desks.is_some() || (self.answer_s.is_none() && self.give_up_s.is_none() && self.intake.is_none()),
            "--answer-s, --give-up-s and --intake set the hub's switchboard: give --desks (and --org)"
        );
        if !(1..=1024).contains(&segment_mb) {
            anyhow::bail!("segment-mb = {segment_mb}: a journal segment is 1 to 1024 MiB");
        }
        let tls = match (self.tls_cert, self.tls_key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => anyhow::bail!("--tls-cert and --tls-key go together"),
        };
        anyhow::ensure!(
            !(self.nats.is_some() && self.fsync == Some(FsyncPolicy::Never)),
            "--nats with --fsync never: a power cut could take records off the journal that the stream already \
             holds; publish from a journal synced per batch"
        );
        let relay = match (self.nats, self.follow) {
            (Some(servers), None) => {
                Some(Relay::Publish(RelayConfig::parse(&servers, self.nats_stream, self.nats_replicas)?))
            }
            (None, Some(servers)) => {
                anyhow::ensure!(self.desks.is_some(), "--follow: a follower serves seats; give --desks");
                Some(Relay::Follow(RelayConfig::parse(&servers, self.nats_stream, self.nats_replicas)?))
            }
            (Some(_), Some(_)) => {
                anyhow::bail!("--nats and --follow: a hub publishes its own batches or follows another's, not both")
            }
            (None, None) => {
                anyhow::ensure!(
                    self.nats_stream.is_none() && self.nats_replicas.is_none(),
                    "--nats-stream and --nats-replicas go with --nats or --follow"
                );
                None
            }
        };
        Ok(ServeConfig {
            journal: self.journal.unwrap_or_else(|| PathBuf::from(DEFAULT_JOURNAL)),
            osmand: Some(self.osmand.unwrap_or(DEFAULT_OSMAND)),
            http: Some(self.http.unwrap_or(DEFAULT_HTTP)),
            nmea: self.nmea,
            mqtt: self.mqtt,
            mqtt_client_id: self.mqtt_client_id,
            mqtt_max_payload: self.mqtt_max_payload.unwrap_or(DEFAULT_MAX_PAYLOAD),
            connections: connections::Limits {
                max_connections: self.max_connections,
                max_per_source: self.max_connections_per_source.unwrap_or(connections::DEFAULT_PER_SOURCE),
            },
            http_limits: HttpLimits::default(),
            tokens: self.tokens,
            insecure: self.insecure.unwrap_or(false),
            fsync: self.fsync.unwrap_or(FsyncPolicy::PerBatch),
            speed_unit: self.speed_unit.unwrap_or_default(),
            queue_capacity: self.queue.unwrap_or(DEFAULT_QUEUE_CAPACITY),
            segment_bytes: segment_mb << 20,
            desks: self.desks.map(|addr| DesksConfig {
                addr,
                tls,
                users: self.users.unwrap_or_else(|| PathBuf::from(crate::users::DEFAULT_FILE)),
                org: self.org,
                zones: self.zones.unwrap_or_default(),
                limits: HubLimits {
                    answer_within: Duration::from_secs(answer_s),
                    give_up_after: Duration::from_secs(give_up_s),
                    intake: self.intake.unwrap_or_default(),
                    ..HubLimits::default()
                },
            }),
            relay,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_over_file_over_defaults() {
        let file: ServeSettings =
            toml::from_str("journal = \"/var/pantau\"\nqueue = 10\ninsecure = true\nspeed-unit = \"kmh\"")
                .expect("toml");
        let flags = ServeSettings { queue: Some(20), ..ServeSettings::default() };
        let config = flags.over(file).into_config().expect("valid");
        assert_eq!(config.journal, PathBuf::from("/var/pantau"));
        assert_eq!(config.queue_capacity, 20);
        assert!(config.insecure, "the file's insecure = true");
        assert_eq!(config.speed_unit, SpeedUnit::Kmh);
        assert_eq!(config.osmand, Some(DEFAULT_OSMAND));
        assert_eq!(config.http, Some("127.0.0.1:8082".parse().expect("addr")));
        assert_eq!(config.fsync, FsyncPolicy::PerBatch);

        let defaults = ServeSettings::default().into_config().expect("valid");
        assert_eq!(defaults.segment_bytes, 64 << 20);
        let zero = ServeSettings { segment_mb: Some(0), ..ServeSettings::default() }.into_config();
        assert!(zero.err().is_some_and(|e| e.to_string().contains("segment-mb = 0")));
        assert_eq!(defaults.queue_capacity, DEFAULT_QUEUE_CAPACITY);
        assert_eq!(defaults.journal, PathBuf::from("journal"));
        assert!(!defaults.insecure && defaults.nmea.is_none() && defaults.mqtt.is_none());
    }

    #[test]
    fn a_give_up_must_leave_a_call_time_to_reach_mabes() {
        let desks = Some("127.0.0.1:0".parse().expect("addr"));
        let with = |answer_s, give_up_s| ServeSettings { desks, answer_s, give_up_s, ..ServeSettings::default() };
        let short = with(Some(10), Some(39)).into_config().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(short.contains("give-up-s: 39 s is under four times answer-s (10 s)"), "{short}");
        let config = with(Some(10), Some(40)).into_config().expect("40 s is enough");
        let limits = config.desks.expect("a hub").limits;
        assert_eq!((limits.answer_within, limits.give_up_after), (Duration::from_secs(10), Duration::from_secs(40)));
        let defaults = with(None, None).into_config().expect("defaults").desks.expect("a hub").limits;
        assert_eq!(defaults.give_up_after, Duration::from_secs(1_800));
        let without_hub = ServeSettings { give_up_s: Some(600), ..ServeSettings::default() }.into_config();
        assert!(without_hub.err().is_some_and(|e| e.to_string().contains("--give-up-s")));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = toml::from_str::<ServeSettings>("config = \"x.toml\"").expect_err("unknown key");
        assert!(err.to_string().contains("unknown field `config`"), "{err}");
    }
}
