//! MQTT: subscribe to unit positions (OwnTracks, `owntracks/+/+`) and panic alarms (the alarm
//! API's JSON on `pantau/alarms/+`) on an existing broker (Mosquitto, EMQX), so many desks can
//! share one feed. Messages arrive at QoS 1 and are acknowledged to the broker only once they
//! are durable, in the order they came; a broker that goes away is reconnected to.
//! Authentication and topic ACLs are the broker's job.

use std::time::Duration;

use anyhow::{anyhow, Result};
use rumqttc::{AsyncClient, Event as MqttEvent, MqttOptions, Packet, Publish, QoS};
use tokio::sync::mpsc;

use super::{alarm_api, owntracks};
use crate::ingest::{Ack, IngestHandle};
use crate::model::{Event, FeedKind};

pub const POSITION_TOPIC: &str = "owntracks/+/+";
pub const ALARM_TOPIC: &str = "pantau/alarms/+";

/// `mqtt://host:port` (or `host:port`) -> host and port.
pub fn parse_url(url: &str) -> Result<(String, u16)> {
    let rest = url.strip_prefix("mqtt://").or_else(|| url.strip_prefix("tcp://")).unwrap_or(url);
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, p.trim_end_matches('/').parse().map_err(|_| anyhow!("--mqtt {url}: bad port"))?),
        None => (rest.trim_end_matches('/'), 1883),
    };
    anyhow::ensure!(!host.is_empty(), "--mqtt {url}: no host");
    Ok((host.to_string(), port))
}

/// The topic and payload an event is published with: an OwnTracks location for a position
/// (`owntracks/sim/DEVICE`), the alarm API's JSON for an alarm (`pantau/alarms/DEVICE`);
/// commands are not published.
pub fn message(event: &Event) -> Option<(String, String)> {
    match event {
        Event::Position { device, fix, .. } => Some((format!("owntracks/sim/{device}"), owntracks::encode(fix))),
        Event::Alarm { device, kind, fix, priority, .. } => {
            Some((format!("pantau/alarms/{device}"), alarm_api::encode(device, kind, *priority, fix.as_ref())))
        }
        Event::Command { .. } => None,
    }
}

/// Subscribes and feeds the writer until the task is dropped.
pub async fn run(url: String, ingest: IngestHandle) -> Result<()> {
    let (host, port) = parse_url(&url)?;
    let mut options = MqttOptions::new(format!("pantau-{}", std::process::id()), host, port);
    options.set_keep_alive(Duration::from_secs(15)).set_manual_acks(true).set_clean_session(false);
    let (client, mut events) = AsyncClient::new(options, 1024);
    let (order_tx, order_rx) = mpsc::channel::<tokio::task::JoinHandle<Publish>>(4096);
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
                let durable = queue(&ingest, &publish);
                let job = tokio::spawn(async move {
                    if let Some(durable) = durable {
                        if let Ack::Failed(e) = durable.await {
                            tracing::error!("mqtt message on {} not stored: {e}", publish.topic);
                        }
                    }
                    publish
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

async fn acknowledge_in_order(client: AsyncClient, mut jobs: mpsc::Receiver<tokio::task::JoinHandle<Publish>>) {
    while let Some(job) = jobs.recv().await {
        if let Ok(publish) = job.await {
            let _ = client.ack(&publish).await;
        }
    }
}

/// Parses a message and queues its event; `None` when there is nothing to store.
fn queue(ingest: &IngestHandle, publish: &Publish) -> Option<impl std::future::Future<Output = Ack> + Send + 'static> {
    ingest.metrics().received(FeedKind::Mqtt, 1);
    let event = if publish.topic.starts_with("owntracks/") {
        owntracks::parse(&publish.topic, &publish.payload)
    } else {
        alarm_api::parse(&publish.payload).map(|(_, _, e)| Some(mqtt_feed(e)))
    };
    match event {
        Ok(Some(event)) => Some(ingest.send(vec![event])),
        Ok(None) => None,
        Err(_) => {
            ingest.metrics().rejected("malformed_mqtt");
            None
        }
    }
}

fn mqtt_feed(event: Event) -> Event {
    match event {
        Event::Alarm { device, kind, fix, priority, time, .. } => {
            Event::Alarm { device, kind, fix, priority, time, feed: FeedKind::Mqtt }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_urls() {
        assert_eq!(parse_url("mqtt://127.0.0.1:1884").ok(), Some(("127.0.0.1".into(), 1884)));
        assert_eq!(parse_url("broker.local").ok(), Some(("broker.local".into(), 1883)));
        assert!(parse_url("mqtt://host:notaport").is_err());
        assert!(parse_url("mqtt://").is_err());
    }
}
