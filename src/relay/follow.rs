//! The follower's side: the whole stream read in order from its first record (an ordered
//! consumer), each run checked to follow the last one exactly, and handed on as a batch: to a
//! hub, as a writer's subscription would be. When NATS or the consumer fails, or the consumer
//! goes quiet while the stream holds more, reading starts again after the last message taken,
//! for as long as it takes. A run already taken (a
//! republished one) is passed over; a gap stops the follower, said loudly, because its world
//! would no longer be the primary's (the hub's feed then ends, and its seats are told).

use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use tokio::sync::watch;

use super::{connect, longer, RelayConfig, Relayed, RETRY_FIRST};
use crate::ingest::{Batch, Subscription};
use crate::world::World;

/// A subscription fed from the stream: an empty world at sequence 0, then every record. The
/// reading runs on the current runtime until `stop` (or the hub stops taking batches).
pub fn start(config: RelayConfig, stop: watch::Receiver<bool>) -> Subscription {
    let (tx, batches) = std::sync::mpsc::channel();
    tokio::spawn(async move {
        let mut follower = Follower { tx, stop, last: 0, position: 0 };
        if let Err(e) = follower.follow(&config).await {
            tracing::error!("relay: following stream {} stopped: {e:#}", config.stream);
        }
    });
    Subscription { world: World::new(), seq: 0, batches }
}

/// How long the follower waits for a message before asking the stream whether it holds more.
const IDLE_CHECK: Duration = Duration::from_secs(5);

struct Follower {
    tx: Sender<Arc<Batch>>,
    stop: watch::Receiver<bool>,
    /// The last record handed on.
    last: u64,
    /// The stream's own sequence number of the last message taken.
    position: u64,
}

/// How a reading of the stream ended without a failure worth trying again.
enum Ended {
    /// The service stops, or the hub takes no more.
    Done,
    /// The stream lacks records: following cannot go on.
    Gap(anyhow::Error),
}

impl Follower {
    async fn follow(&mut self, config: &RelayConfig) -> Result<()> {
        let jetstream = jetstream::new(connect(config).await?);
        let mut wait = RETRY_FIRST;
        loop {
            let before = self.position;
            match self.read(&jetstream, config).await {
                Ok(Ended::Done) => return Ok(()),
                Ok(Ended::Gap(e)) => return Err(e),
                Err(e) => tracing::warn!(
                    "relay: reading stream {} again after message {}: {e:#}",
                    config.stream,
                    self.position
                ),
            }
            if self.position > before {
                wait = RETRY_FIRST;
            }
            if self.pause(wait).await {
                return Ok(());
            }
            wait = longer(wait);
        }
    }

    /// Reads the stream from after the last message taken until it fails.
    async fn read(&mut self, jetstream: &jetstream::Context, config: &RelayConfig) -> Result<Ended> {
        let stream = jetstream.get_stream(&config.stream).await?;
        let deliver_policy = match self.position {
            0 => consumer::DeliverPolicy::All,
            taken => consumer::DeliverPolicy::ByStartSequence { start_sequence: taken + 1 },
        };
        let ordered = consumer::pull::OrderedConfig { deliver_policy, ..Default::default() };
        let mut messages = stream.create_consumer(ordered).await?.messages().await?;
        loop {
            let waited = tokio::select! {
                message = tokio::time::timeout(IDLE_CHECK, messages.next()) => message.ok(),
                _ = self.stop.wait_for(|s| *s) => return Ok(Ended::Done),
            };
            // Quiet: a consumer that went quiet while the stream grew is read again.
            let Some(message) = waited else {
                let last = jetstream.get_stream(&config.stream).await?.cached_info().state.last_sequence;
                if last > self.position {
                    bail!("the consumer stalled at message {} of {last}", self.position);
                }
                continue;
            };
            let Some(message) = message else { bail!("the stream's messages ended") };
            let message = message.context("reading the stream")?;
            let position = message.info().map_err(|e| anyhow::anyhow!("{e}"))?.stream_sequence;
            let relayed: Relayed = match serde_json::from_slice(&message.payload) {
                Ok(relayed) => relayed,
                Err(e) => return Ok(Ended::Gap(anyhow::anyhow!("message {position} is not a pantau record run: {e}"))),
            };
            let batch = match next_run(self.last, relayed) {
                Ok(batch) => batch,
                Err(e) => return Ok(Ended::Gap(e)),
            };
            self.position = position;
            if let Some(batch) = batch {
                self.last = batch.last_seq();
                if self.tx.send(Arc::new(batch)).is_err() {
                    return Ok(Ended::Done);
                }
            }
        }
    }

    /// Waits; `true` when the service stops meanwhile.
    async fn pause(&mut self, wait: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(wait) => false,
            _ = self.stop.wait_for(|s| *s) => true,
        }
    }
}

/// The batch a run makes after record `last`: none for a run already taken, its new part for
/// one partly taken, an error for one that leaves a gap.
pub fn next_run(last: u64, mut run: Relayed) -> Result<Option<Batch>> {
    if run.events.is_empty() || run.last_seq() <= last {
        return Ok(None);
    }
    if run.first_seq > last + 1 {
        bail!("records {}..{} are missing from the stream: stopping here (record {last})", last + 1, run.first_seq - 1);
    }
    let taken = (last + 1 - run.first_seq) as usize;
    run.events.drain(..taken);
    Ok(Some(Batch { first_seq: last + 1, events: run.events }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Command, Event, Role};

    fn run(first_seq: u64, n: usize) -> Relayed {
        let event = Event::Command {
            user: "sari".into(),
            role: Role::Operator,
            time: 0,
            command: Command::Acknowledge { alarm: 1 },
        };
        Relayed { first_seq, events: vec![event; n] }
    }

    #[test]
    fn runs_follow_each_other_exactly() {
        assert_eq!(next_run(0, run(1, 3)).ok().flatten().map(|b| b.last_seq()), Some(3));
        assert!(next_run(3, run(2, 2)).ok().flatten().is_none(), "already taken");
        assert!(next_run(3, run(1, 0)).ok().flatten().is_none(), "empty");
        let partly = next_run(3, run(2, 4)).ok().flatten().expect("the new part");
        assert_eq!((partly.first_seq, partly.events.len()), (4, 2));
        let gap = next_run(3, run(5, 1)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(gap.contains("records 4..4 are missing"), "{gap}");
    }
}
