//! The primary's side: every batch the writer applies (durable by then) is published to the
//! stream, in order, one run of records per node's subject, and each is waited on until the
//! cluster acknowledges it; a failure is retried with the same message id, so a run the
//! cluster did keep is not kept twice. At start the stream's last record is read back: records
//! journaled but not yet published (the primary stopped in between) are published first from
//! the journal's tail; a stream ahead of the journal (another primary, a lost journal) stops
//! the publisher, said loudly, rather than mixing two histories.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use async_nats::jetstream::{self, stream};
use tokio::sync::watch;

use super::subjects::Subjects;
use super::{connect, longer, RelayConfig, Relayed, RETRY_FIRST};
use crate::ingest::Subscription;
use crate::model::Event;

/// Starts publishing `subscription` (taken from the writer before anything was written after
/// the journal's replay), after the `tail` records (the journal's last, by sequence) the stream
/// may lack. Runs until `stop`.
pub fn start(
    config: RelayConfig,
    subjects: Subjects,
    subscription: Subscription,
    tail: Vec<(u64, Event)>,
    stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let Subscription { seq, batches, .. } = subscription;
    // The writer's channel is a blocking one: a thread hands its batches to the async side.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handed = std::thread::Builder::new().name("relay-feed".into()).spawn(move || {
        while let Ok(batch) = batches.recv() {
            if tx.send(batch).is_err() {
                break;
            }
        }
    });
    if let Err(e) = handed {
        tracing::error!("relay: cannot start its feed thread: {e}");
    }
    tokio::spawn(async move {
        let publisher = Publisher { config, subjects, stop };
        let run = async {
            let stream = publisher.open().await?;
            publisher.catch_up(&stream, seq, tail).await?;
            while let Some(batch) = rx.recv().await {
                publisher.publish(&stream, batch.first_seq, &batch.events).await?;
            }
            Ok::<(), anyhow::Error>(())
        };
        if let Err(e) = run.await {
            tracing::error!("relay: publishing stopped: {e:#}");
        }
    })
}

/// Most records in one message: a record is at most a few KiB of JSON (a note is at most
/// 2,000 bytes), so a message stays well under NATS's default limit of 1 MiB.
pub const MAX_RUN: usize = 100;

struct Publisher {
    config: RelayConfig,
    subjects: Subjects,
    stop: watch::Receiver<bool>,
}

/// Where the publisher writes.
struct Target {
    jetstream: jetstream::Context,
}

impl Publisher {
    /// Connects and makes sure the stream exists, retrying until NATS answers (or a stop).
    async fn open(&self) -> Result<Target> {
        let client = connect(&self.config).await?;
        let jetstream = jetstream::new(client);
        let config = stream::Config {
            name: self.config.stream.clone(),
            subjects: vec![Subjects::all()],
            num_replicas: self.config.replicas,
            storage: stream::StorageType::File,
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        };
        let mut wait = RETRY_FIRST;
        loop {
            match jetstream.get_or_create_stream(config.clone()).await {
                Ok(_) => return Ok(Target { jetstream }),
                Err(e) => tracing::warn!("relay: stream {} not ready: {e}", self.config.stream),
            }
            self.pause(wait).await?;
            wait = longer(wait);
        }
    }

    /// Publishes what the journal holds after the stream's last record, up to `journaled`.
    async fn catch_up(&self, target: &Target, journaled: u64, tail: Vec<(u64, Event)>) -> Result<()> {
        let published = self.last_published(target).await?;
        if published > journaled {
            bail!(
                "stream {} holds records up to {published} but the journal ends at {journaled}: another \
                 primary writes to it, or this journal lost records; not publishing",
                self.config.stream
            );
        }
        let missing: Vec<(u64, Event)> = tail.into_iter().filter(|(seq, _)| *seq > published).collect();
        if let Some((first, _)) = missing.first() {
            if *first != published + 1 {
                tracing::error!(
                    "relay: records {}..{} are neither in the stream nor in the journal's tail: followers will stop there",
                    published + 1,
                    first - 1
                );
            }
        } else if published < journaled {
            tracing::error!("relay: records {}..={journaled} are not in the stream", published + 1);
        }
        for run in missing.chunk_by(|a, b| b.0 == a.0 + 1) {
            let events: Vec<Event> = run.iter().map(|(_, e)| e.clone()).collect();
            self.publish(target, run[0].0, &events).await?;
        }
        if published < journaled {
            tracing::info!("relay: published records {}..={journaled} the stream lacked", published + 1);
        }
        Ok(())
    }

    /// The sequence of the last record in the stream (0 when empty).
    async fn last_published(&self, target: &Target) -> Result<u64> {
        let mut wait = RETRY_FIRST;
        loop {
            match self.read_last(target).await {
                Ok(seq) => return Ok(seq),
                Err(e) => tracing::warn!("relay: cannot read the stream's end yet: {e:#}"),
            }
            self.pause(wait).await?;
            wait = longer(wait);
        }
    }

    async fn read_last(&self, target: &Target) -> Result<u64> {
        let mut stream = target.jetstream.get_stream(&self.config.stream).await?;
        let last = stream.info().await?.state.last_sequence;
        if last == 0 {
            return Ok(0);
        }
        let message = stream.get_raw_message(last).await?;
        let relayed: Relayed = serde_json::from_slice(&message.payload)
            .with_context(|| format!("the stream's message {last} is not a pantau record run"))?;
        Ok(relayed.last_seq())
    }

    /// Publishes records `first_seq..` in runs by subject, each acknowledged before the next.
    async fn publish(&self, target: &Target, first_seq: u64, events: &[Event]) -> Result<()> {
        let mut seq = first_seq;
        let runs = events.chunk_by(|a, b| self.subjects.of(a) == self.subjects.of(b));
        for run in runs.flat_map(|run| run.chunks(MAX_RUN)) {
            let relayed = Relayed { first_seq: seq, events: run.to_vec() };
            let payload = serde_json::to_vec(&relayed)?;
            let subject = self.subjects.of(&run[0]).to_string();
            self.publish_one(target, subject, seq, payload).await?;
            seq += run.len() as u64;
        }
        Ok(())
    }

    /// One run, retried until the cluster acknowledges it.
    async fn publish_one(&self, target: &Target, subject: String, seq: u64, payload: Vec<u8>) -> Result<()> {
        let mut wait = RETRY_FIRST;
        loop {
            let mut headers = async_nats::HeaderMap::new();
            headers.insert("Nats-Msg-Id", format!("{}-{seq}", self.config.stream).as_str());
            let sent = target.jetstream.publish_with_headers(subject.clone(), headers, payload.clone().into()).await;
            let acked = match sent {
                Ok(ack) => ack.await.map(|_| ()).map_err(anyhow::Error::from),
                Err(e) => Err(e.into()),
            };
            match acked {
                Ok(()) => return Ok(()),
                Err(e) => tracing::warn!("relay: record {seq} not acknowledged yet: {e:#}"),
            }
            self.pause(wait).await?;
            wait = longer(wait);
        }
    }

    /// Waits, or ends the publisher when the service stops.
    async fn pause(&self, wait: Duration) -> Result<()> {
        let mut stop = self.stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(wait) => Ok(()),
            _ = stop.wait_for(|s| *s) => bail!("the service is stopping"),
        }
    }
}
