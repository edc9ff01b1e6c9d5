//! MQTT: subscribe to unit positions (OwnTracks, `owntracks/+/+`) and panic alarms (the alarm
//! API's JSON on `pantau/alarms/DEVICE`) on an existing broker (Mosquitto, EMQX), so many desks
//! can share one feed. Messages arrive at QoS 1 and are acknowledged to the broker only once
//! they are durable, in the order they came: a message the journal could not store is offered
//! again until it is stored. The client id is stable (derived from the journal unless given)
//! and the session persistent, so what is published while pantau is down arrives when it is
//! back. A broker that goes away is reconnected to.
//!
//! Who may publish on which topic is the broker's job (its ACL is the authority: a device
//! account allowed only `owntracks/+/DEVICE` and `pantau/alarms/DEVICE`); pantau logs in with
//! an account of its own (`mqtt://USER@host`, the password from `PANTAU_MQTT_PASSWORD` or the
//! URL), takes the device from the topic and refuses an alarm whose payload names another
//! device.

use std::time::Duration;

use anyhow::{anyhow, Result};
use rumqttc::{AsyncClient, Event as MqttEvent, MqttOptions, Packet, Publish, QoS};
use tokio::sync::mpsc;

use super::{alarm_api, owntracks};
use crate::ingest::{Ack, IngestHandle};
use crate::model::{Event, FeedKind};

pub const POSITION_TOPIC: &str = "owntracks/+/+";
pub const ALARM_TOPIC: &str = "pantau/alarms/+";

/// Largest payload taken by default; larger messages are counted and skipped.
pub const DEFAULT_MAX_PAYLOAD: usize = 256 * 1024;
/// Largest packet the client reads at all: a bigger one would break the connection (and come
/// back at every reconnect), so the broker's own limit (`message_size_limit` in Mosquitto)
/// should stay under this.
const PACKET_CEILING: usize = 16 * 1024 * 1024;
/// How long to wait before offering a message the journal could not store again.
const RETRY_STORE: Duration = Duration::from_secs(1);

/// A broker URL as given (`mqtt://[USER[:PASSWORD]@]HOST[:PORT]`). Settings that hold one can
/// be printed with `{:?}`: its `Debug` shows `***` for a password.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct BrokerUrl(String);

impl BrokerUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for BrokerUrl {
    fn from(url: String) -> Self {
        Self(url)
    }
}

impl std::str::FromStr for BrokerUrl {
    type Err = std::convert::Infallible;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        Ok(Self(url.to_string()))
    }
}

impl std::fmt::Debug for BrokerUrl {
    /// Read as the parser reads it: after the scheme, everything up to the last `@` is the
    /// login, and everything in it after the first `:` the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (scheme, rest) = split_scheme(&self.0);
        match rest.rsplit_once('@') {
            Some((userinfo, host)) if userinfo.contains(':') => {
                let user = userinfo.split(':').next().unwrap_or_default();
                write!(f, "{:?}", format!("{scheme}{user}:***@{host}"))
            }
            _ => write!(f, "{:?}", self.0),
        }
    }
}

/// The URL's scheme (with `://`, empty when it has none) and the rest.
fn split_scheme(url: &str) -> (&str, &str) {
    ["mqtt://", "tcp://"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme).map(|rest| (&url[..scheme.len()], rest)))
        .unwrap_or(("", url))
}

/// Where and how to subscribe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MqttConfig {
    pub url: BrokerUrl,
    /// The client id the broker keeps the session under.
    pub client_id: String,
    /// Payloads over this many bytes are counted (`mqtt_oversize`) and skipped.
    pub max_payload: usize,
}

impl MqttConfig {
    /// A config whose client id is derived from the journal's folder, so the same service
    /// resumes the same broker session after a restart.
    pub fn for_journal(
        url: BrokerUrl,
        journal: &std::path::Path,
        client_id: Option<String>,
        max_payload: usize,
    ) -> Self {
        let client_id = client_id.unwrap_or_else(|| {
            let path = std::fs::canonicalize(journal).unwrap_or_else(|_| journal.to_path_buf());
            let hash = blake3::hash(path.to_string_lossy().as_bytes());
            format!("pantau-{}", &hash.to_hex()[..16])
        });
        Self { url, client_id, max_payload }
    }
}

/// Where the password of a broker login comes from when the URL names only the user, so it
/// stays out of the command line and the config file.
pub const PASSWORD_VARIABLE: &str = "PANTAU_MQTT_PASSWORD";

/// A broker and how to log in to it.
#[derive(Clone, PartialEq, Eq)]
pub struct BrokerAddress {
    pub host: String,
    pub port: u16,
    /// User and password; `None` to connect anonymously.
    pub login: Option<(String, String)>,
}

impl std::fmt::Display for BrokerAddress {
    /// `mqtt://[USER@]HOST:PORT`: never the password, so it is safe to log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let user = self.login.as_ref().map(|(user, _)| format!("{user}@")).unwrap_or_default();
        if self.host.contains(':') {
            write!(f, "mqtt://{user}[{}]:{}", self.host, self.port)
        } else {
            write!(f, "mqtt://{user}{}:{}", self.host, self.port)
        }
    }
}

impl std::fmt::Debug for BrokerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// `mqtt://[USER[:PASSWORD]@]HOST[:PORT]` (or without the scheme) -> the broker and login. A
/// user without a password in the URL takes it from [`PASSWORD_VARIABLE`]. User and password
/// are percent-decoded, as in any URL (`%40` for `@`, `%3A` for `:`).
pub fn parse_url(url: &str) -> Result<BrokerAddress> {
    parse_url_with(url, std::env::var(PASSWORD_VARIABLE).ok())
}

fn parse_url_with(url: &str, password_variable: Option<String>) -> Result<BrokerAddress> {
    let (_, rest) = split_scheme(url);
    let scheme_chars = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
    if let Some((scheme, _)) = rest.split_once("://").filter(|(scheme, _)| scheme_chars(scheme)) {
        // Only the scheme is shown: the rest may carry a password.
        anyhow::bail!("--mqtt {scheme}://...: not an MQTT URL (mqtt:// or tcp://; TLS brokers are not supported yet)");
    }
    let (userinfo, rest) = match rest.rsplit_once('@') {
        Some((userinfo, rest)) => (Some(userinfo), rest),
        None => (None, rest),
    };
    // Only the user is shown in errors: the URL may carry a password.
    let shown = rest.trim_end_matches('/');
    // An IPv6 host is in brackets (`[::1]:1883`), as in any URL.
    let (host, port) = match shown.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((h, "")) => (h, 1883),
        Some((h, p)) => {
            let p = p.strip_prefix(':').ok_or_else(|| anyhow!("--mqtt {shown}: expected :PORT after ]"))?;
            (h, p.parse().map_err(|_| anyhow!("--mqtt {shown}: bad port {p:?}"))?)
        }
        None => match shown.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| anyhow!("--mqtt {shown}: bad port {p:?}"))?),
            None => (shown, 1883),
        },
    };
    anyhow::ensure!(!host.is_empty(), "--mqtt {shown}: no host");
    // `USER` takes the password from the environment; `USER:` says it is empty.
    let login = match userinfo.map(|u| u.split_once(':').map_or((u, None), |(user, p)| (user, Some(p)))) {
        None => None,
        Some(("", _)) => anyhow::bail!("--mqtt {shown}: empty user name before '@'"),
        Some((user, None)) => {
            let password = password_variable.ok_or_else(|| {
                anyhow!("--mqtt {user}@{shown}: no password (put it in {PASSWORD_VARIABLE}, or in the URL)")
            })?;
            Some((decoded(user, "user", shown)?, password))
        }
        Some((user, Some(password))) => Some((decoded(user, "user", shown)?, decoded(password, "password", shown)?)),
    };
    Ok(BrokerAddress { host: host.to_string(), port, login })
}

/// A percent-encoded part of a URL's login, decoded (its text is never in the error). MQTT
/// strings may not hold NUL.
fn decoded(part: &str, what: &str, shown: &str) -> Result<String> {
    let text = percent_encoding::percent_decode_str(part)
        .decode_utf8()
        .map_err(|_| anyhow!("--mqtt {shown}: the {what} is not UTF-8 once percent-decoded"))?;
    anyhow::ensure!(!text.contains('\0'), "--mqtt {shown}: the {what} holds a NUL (%00)");
    Ok(text.into_owned())
}

/// Client options for a broker: its address and login.
pub fn options(client_id: String, broker: &BrokerAddress) -> MqttOptions {
    let mut options = MqttOptions::new(client_id, broker.host.clone(), broker.port);
    if let Some((user, password)) = &broker.login {
        options.set_credentials(user.clone(), password.clone());
    }
    options
}

/// The topic and payload an event is published with: an OwnTracks location for a position
/// (`owntracks/sim/DEVICE`), the alarm API's JSON for an alarm (`pantau/alarms/DEVICE`);
/// commands and calls are not published.
pub fn message(event: &Event) -> Option<(String, String)> {
    match event {
        Event::Position { device, fix, .. } => Some((format!("owntracks/sim/{device}"), owntracks::encode(fix))),
        Event::Alarm { device, kind, fix, priority, .. } => {
            Some((format!("pantau/alarms/{device}"), alarm_api::encode(device, kind, *priority, fix.as_ref())))
        }
        Event::Command { .. } | Event::Call { .. } | Event::CallerLocation { .. } => None,
    }
}

/// Subscribes and feeds the writer until the task is dropped.
pub async fn run(config: MqttConfig, ingest: IngestHandle) -> Result<()> {
    let url = parse_url(config.url.as_str())?;
    let mut options = options(config.client_id.clone(), &url);
    options
        .set_keep_alive(Duration::from_secs(15))
        .set_manual_acks(true)
        .set_clean_session(false)
        .set_max_packet_size(PACKET_CEILING, PACKET_CEILING);
    let (client, mut events) = AsyncClient::new(options, 1024);
    let (order_tx, order_rx) = mpsc::channel::<tokio::task::JoinHandle<Option<Publish>>>(4096);
    tokio::spawn(acknowledge_in_order(client.clone(), order_rx));
    loop {
        match events.poll().await {
            Ok(MqttEvent::Incoming(Packet::ConnAck(_))) => {
                tracing::info!("mqtt {url}: connected");
                client.subscribe(POSITION_TOPIC, QoS::AtLeastOnce).await?;
                client.subscribe(ALARM_TOPIC, QoS::AtLeastOnce).await?;
            }
            Ok(MqttEvent::Incoming(Packet::Publish(publish))) => {
                // Queued here, in arrival order; only the wait for durability runs apart.
                let event = take(&ingest, &publish, config.max_payload);
                let durable = event.clone().map(|e| ingest.send(vec![e]));
                let ingest = ingest.clone();
                let job = tokio::spawn(async move {
                    let stored = match (event, durable) {
                        (Some(event), Some(durable)) => store(&ingest, event, durable, &publish.topic).await,
                        _ => true,
                    };
                    stored.then_some(publish)
                });
                if order_tx.send(job).await.is_err() {
                    return Ok(());
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("mqtt {url}: {e}; reconnecting");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Acknowledges stored messages in the order they came; one not stored is left for the
/// broker to offer again.
async fn acknowledge_in_order(client: AsyncClient, mut jobs: mpsc::Receiver<tokio::task::JoinHandle<Option<Publish>>>) {
    while let Some(job) = jobs.recv().await {
        if let Ok(Some(publish)) = job.await {
            let _ = client.ack(&publish).await;
        }
    }
}

/// Waits until the event is stored: a batch the journal could not write (a full disk), or a
/// position shed under overload, is offered again, so the broker is never told a message is
/// safe before it is. True once stored; false when the writer has stopped (the message stays
/// unacknowledged, and the broker offers it again to the next start).
async fn store(
    ingest: &IngestHandle,
    event: Event,
    first: impl std::future::Future<Output = Ack>,
    topic: &str,
) -> bool {
    let mut ack = first.await;
    loop {
        match ack {
            Ack::Done { .. } => return true,
            _ if ingest.is_stopped() => return false,
            Ack::Failed(e) => tracing::error!("mqtt message on {topic} not stored yet ({e}); trying again"),
            Ack::Shed => tracing::debug!("mqtt message on {topic} shed under overload; trying again"),
        }
        tokio::time::sleep(RETRY_STORE).await;
        ack = ingest.send(vec![event.clone()]).await;
    }
}

/// The event a message carries, counted; `None` when there is nothing to store (not a
/// location, malformed, over the size limit, or an alarm naming another device than its
/// topic).
fn take(ingest: &IngestHandle, publish: &Publish, max_payload: usize) -> Option<Event> {
    let metrics = ingest.metrics();
    metrics.received(FeedKind::Mqtt, 1);
    if publish.payload.len() > max_payload {
        tracing::warn!(
            "mqtt message on {} skipped: {} bytes, over {max_payload}",
            publish.topic,
            publish.payload.len()
        );
        metrics.rejected("mqtt_oversize");
        return None;
    }
    match parse_message(&publish.topic, &publish.payload) {
        Ok(event) => event,
        Err(reason) => {
            metrics.rejected(reason);
            None
        }
    }
}

/// A message's event by topic (OwnTracks or alarm JSON); the error is the metrics reason.
pub fn parse_message(topic: &str, payload: &[u8]) -> Result<Option<Event>, &'static str> {
    if topic.starts_with("owntracks/") {
        return owntracks::parse(topic, payload).map_err(|_| "malformed_mqtt");
    }
    let (device, _, event) = alarm_api::parse(payload).map_err(|_| "malformed_mqtt")?;
    match topic.strip_prefix("pantau/alarms/") {
        Some(owner) if owner == device => Ok(Some(mqtt_feed(event))),
        _ => Err("mqtt_device_mismatch"),
    }
}

fn mqtt_feed(event: Event) -> Event {
    match event {
        Event::Alarm { device, kind, fix, priority, time, notes, .. } => {
            Event::Alarm { device, kind, fix, priority, time, feed: FeedKind::Mqtt, notes }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_comes_from_the_topic() {
        let alarm = br#"{"device":"bank-1","kind":"panic"}"#;
        assert!(matches!(parse_message("pantau/alarms/bank-1", alarm), Ok(Some(Event::Alarm { .. }))));
        assert_eq!(parse_message("pantau/alarms/bank-2", alarm), Err("mqtt_device_mismatch"));
        assert_eq!(parse_message("pantau/alarms/bank-1", b"{"), Err("malformed_mqtt"));
    }

    #[test]
    fn client_ids_follow_the_journal() {
        let url = || BrokerUrl::from("mqtt://h".to_string());
        let a = MqttConfig::for_journal(url(), std::path::Path::new("/srv/a"), None, 1);
        let again = MqttConfig::for_journal(url(), std::path::Path::new("/srv/a"), None, 1);
        let b = MqttConfig::for_journal(url(), std::path::Path::new("/srv/b"), None, 1);
        assert_eq!(a.client_id, again.client_id);
        assert_ne!(a.client_id, b.client_id);
        let given = MqttConfig::for_journal(url(), std::path::Path::new("/srv/a"), Some("desk-1".into()), 1);
        assert_eq!(given.client_id, "desk-1");
    }

    #[test]
    fn broker_urls() {
        let parse = |url: &str| parse_url_with(url, None);
        let plain = |host: &str, port| BrokerAddress { host: host.into(), port, login: None };
        assert_eq!(parse("mqtt://127.0.0.1:1884").ok(), Some(plain("127.0.0.1", 1884)));
        assert_eq!(parse("broker.local").ok(), Some(plain("broker.local", 1883)));
        assert!(parse("mqtt://host:notaport").is_err());
        assert!(parse("mqtt://").is_err());
        assert!(parse("mqtt://@host").is_err());
        assert_eq!(parse("mqtt://[::1]:1884").ok(), Some(plain("::1", 1884)));
        assert_eq!(parse("mqtt://[fe80::1]").ok(), Some(plain("fe80::1", 1883)));
        assert_eq!(parse("mqtt://[::1]:1884").map(|b| b.to_string()).ok().as_deref(), Some("mqtt://[::1]:1884"));
        assert!(parse("mqtt://[::1]x").is_err());
    }

    #[test]
    fn broker_logins_never_show_the_password() {
        let broker = parse_url_with("mqtt://pantau:s3cret@broker:1883/", None).expect("url");
        assert_eq!(broker.login, Some(("pantau".into(), "s3cret".into())));
        assert_eq!(broker.to_string(), "mqtt://pantau@broker:1883");
        assert!(!format!("{broker:?}").contains("s3cret"));
        let from_variable = parse_url_with("mqtt://pantau@broker", Some("v4r".into())).expect("url");
        assert_eq!(from_variable.login, Some(("pantau".into(), "v4r".into())));
        let empty = parse_url_with("mqtt://pantau:@broker", Some("v4r".into())).expect("url");
        assert_eq!(empty.login, Some(("pantau".into(), String::new())), "an empty password is a password");
        let missing = parse_url_with("mqtt://pantau@broker", None).expect_err("no password");
        assert!(missing.to_string().contains(PASSWORD_VARIABLE), "{missing}");
        let bad_port = parse_url_with("mqtt://pantau:s3cret@broker:x", None).expect_err("bad port");
        assert!(!bad_port.to_string().contains("s3cret"), "{bad_port}");
    }

    #[test]
    fn url_logins_are_percent_decoded() {
        let broker = parse_url_with("mqtt://desk%2D1:p%40ss%3Aw%C3%B6rd@broker", None).expect("url");
        assert_eq!(broker.login, Some(("desk-1".into(), "p@ss:wörd".into())));
        let raw_at = parse_url_with("mqtt://desk:p@ss@broker", None).expect("url");
        assert_eq!(raw_at.login, Some(("desk".into(), "p@ss".into())), "the last @ ends the login");
        let bad = parse_url_with("mqtt://desk:%FF%FEsecret@broker", None).expect_err("not UTF-8");
        assert!(bad.to_string().contains("password is not UTF-8") && !bad.to_string().contains("secret"), "{bad}");
        let nul = parse_url_with("mqtt://desk:se%00cret@broker", None).expect_err("NUL");
        assert!(nul.to_string().contains("NUL") && !nul.to_string().contains("se%00cret"), "{nul}");
        let tls = parse_url_with("mqtts://desk:secret@broker:8883", None).expect_err("TLS");
        assert!(tls.to_string().contains("mqtts://...") && !tls.to_string().contains("secret"), "{tls}");
    }

    #[test]
    fn settings_holding_a_broker_url_print_without_its_password() {
        let url = BrokerUrl::from("mqtt://pantau:s3cret@broker:1883".to_string());
        let config = MqttConfig::for_journal(url, std::path::Path::new("/srv/a"), None, 1);
        let shown = format!("{config:?}");
        assert!(shown.contains("mqtt://pantau:***@broker:1883") && !shown.contains("s3cret"), "{shown}");
        let plain = BrokerUrl::from("mqtt://broker:1883".to_string());
        assert_eq!(format!("{plain:?}"), "\"mqtt://broker:1883\"");
        // Read as the parser reads it, whatever the password holds.
        for (url, secret) in [("u:a://b@host", "a://b"), ("mqtt://u:p@ss@[::1]:1883", "p@ss"), ("u:s3cret@h", "s3cret")]
        {
            let shown = format!("{:?}", BrokerUrl::from(url.to_string()));
            assert!(!shown.contains(secret) && shown.contains(":***@"), "{url} shown as {shown}");
        }
    }
}
