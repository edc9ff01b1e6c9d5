//! The follower's side: the whole stream read in order from its first record (an ordered
//! consumer, which starts itself again where it was when a node goes away), each run checked
//! to follow the last one exactly, and handed on as a batch: to a hub, as a writer's
//! subscription would be. A run already seen (a republished one) is passed over; a gap stops
//! the follower, said loudly, because its world would no longer be the primary's.

use std::sync::mpsc::Sender;
use std::sync::Arc;

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
        if let Err(e) = follow(&config, tx, stop).await {
            tracing::error!("relay: following stream {} stopped: {e:#}", config.stream);
        }
    });
    Subscription { world: World::new(), seq: 0, batches }
}

async fn follow(config: &RelayConfig, tx: Sender<Arc<Batch>>, mut stop: watch::Receiver<bool>) -> Result<()> {
    let client = connect(config).await?;
    let jetstream = jetstream::new(client);
    let stream = {
        let mut wait = RETRY_FIRST;
        loop {
            tokio::select! {
                found = jetstream.get_stream(&config.stream) => match found {
                    Ok(stream) => break stream,
                    Err(e) => tracing::warn!("relay: stream {} not there yet: {e}", config.stream),
                },
                _ = stop.wait_for(|s| *s) => return Ok(()),
            }
            tokio::time::sleep(wait).await;
            wait = longer(wait);
        }
    };
    let ordered = consumer::pull::OrderedConfig { deliver_policy: consumer::DeliverPolicy::All, ..Default::default() };
    let mut messages = stream.create_consumer(ordered).await?.messages().await?;
    let mut last = 0;
    loop {
        let message = tokio::select! {
            message = messages.next() => message,
            _ = stop.wait_for(|s| *s) => return Ok(()),
        };
        let Some(message) = message else { bail!("the stream's messages ended") };
        let message = message.context("reading the stream")?;
        let relayed: Relayed = serde_json::from_slice(&message.payload)
            .with_context(|| format!("message on {} is not a pantau record run", message.subject))?;
        match next_run(last, relayed)? {
            Some(batch) => {
                last = batch.last_seq();
                if tx.send(Arc::new(batch)).is_err() {
                    return Ok(());
                }
            }
            None => continue,
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
