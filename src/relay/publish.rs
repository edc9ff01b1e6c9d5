//! The primary's side: every batch the writer applies (durable by then) is published to the
//! stream, in order, as messages of consecutive records on the subject of the smallest node
//! holding them all (`subjects.rs`). Each message is sent only once the one before it is
//! acknowledged, and sent again under its message id (a duplicate the stream drops) until it
//! is: so the stream never holds a message whose predecessor it lacks. While NATS is away, at most [`QUEUE_BATCHES`] batches
//! wait in memory; past that, only the range they cover is remembered and read back from the
//! journal once NATS answers. At start the stream's last record is read back, and what the
//! journal holds after it is published first; a stream ahead of the journal (another primary,
//! a lost journal) stops the publisher, said loudly, rather than mixing two histories.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use async_nats::jetstream::{self, stream};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::watch;

use super::subjects::Subjects;
use super::{connect, longer, RelayConfig, Relayed, RETRY_FIRST};
use crate::ingest::{Batch, Subscription};
use crate::model::Event;

/// Batches that may wait in memory for NATS; further ones are read back from the journal.
pub const QUEUE_BATCHES: usize = 4096;
/// Largest message, in bytes of JSON: well under NATS's default limit of 1 MiB.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// What the publisher is handed, in journal order.
enum Item {
    Batch(Arc<Batch>),
    /// Records `from..=to` went past a full queue: they are read from the journal.
    Skipped {
        from: u64,
        to: u64,
    },
}

/// Publishes `subscription` (taken from the writer before anything was written after the
/// journal's replay), after what the journal at `journal` holds beyond the stream's end.
/// Runs until `stop`.
pub fn start(
    config: RelayConfig,
    subjects: Subjects,
    journal: PathBuf,
    subscription: Subscription,
    stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let Subscription { seq, batches, .. } = subscription;
    let (tx, mut rx) = tokio::sync::mpsc::channel(QUEUE_BATCHES);
    if let Err(e) = std::thread::Builder::new().name("relay-feed".into()).spawn(move || hand_on(batches, tx)) {
        tracing::error!("relay: cannot start its feed thread, nothing will be published: {e}");
    }
    tokio::spawn(async move {
        let publisher = Publisher { config, subjects, journal, stop };
        let run = async {
            let target = publisher.open().await?;
            publisher.catch_up(&target, seq).await?;
            while let Some(item) = rx.recv().await {
                match item {
                    Item::Batch(batch) => publisher.publish(&target, batch.first_seq, &batch.events).await?,
                    Item::Skipped { from, to } => publisher.republish(&target, from - 1, to).await?,
                }
            }
            Ok::<(), anyhow::Error>(())
        };
        if let Err(e) = run.await {
            tracing::error!("relay: publishing stopped: {e:#}");
        }
    })
}

/// Hands the writer's batches to the publisher without ever blocking: when the queue is full,
/// the range of records passed over is remembered and handed on once there is room again.
fn hand_on(batches: std::sync::mpsc::Receiver<Arc<Batch>>, tx: tokio::sync::mpsc::Sender<Item>) {
    let mut skipped: Option<(u64, u64)> = None;
    while let Ok(batch) = batches.recv() {
        if batch.events.is_empty() {
            continue;
        }
        if let Some((from, to)) = skipped {
            match tx.try_send(Item::Skipped { from, to }) {
                Ok(()) => skipped = None,
                Err(TrySendError::Full(_)) => {
                    skipped = Some((from, batch.last_seq()));
                    continue;
                }
                Err(TrySendError::Closed(_)) => return,
            }
        }
        let (first, last) = (batch.first_seq, batch.last_seq());
        match tx.try_send(Item::Batch(batch)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => skipped = Some((first, last)),
            Err(TrySendError::Closed(_)) => return,
        }
    }
    // The writer stopped: what was passed over is still owed.
    if let Some((from, to)) = skipped {
        let _ = tx.blocking_send(Item::Skipped { from, to });
    }
}

struct Publisher {
    config: RelayConfig,
    subjects: Subjects,
    journal: PathBuf,
    stop: watch::Receiver<bool>,
}

/// Where the publisher writes.
struct Target {
    jetstream: jetstream::Context,
}

/// One message: its subject, its first and last records' sequence numbers and its JSON.
struct Message {
    subject: String,
    first_seq: u64,
    last_seq: u64,
    payload: Vec<u8>,
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
    async fn catch_up(&self, target: &Target, journaled: u64) -> Result<()> {
        let published = self.last_published(target).await?;
        if published > journaled {
            bail!(
                "stream {} holds records up to {published} but the journal ends at {journaled}: another \
                 primary writes to it, or this journal lost records; not publishing",
                self.config.stream
            );
        }
        if published < journaled {
            self.republish(target, published, journaled).await?;
            tracing::info!("relay: published records {}..={journaled} the stream lacked", published + 1);
        }
        Ok(())
    }

    /// Publishes records `after + 1 ..= upto`, read from the journal.
    async fn republish(&self, target: &Target, after: u64, upto: u64) -> Result<()> {
        let dir = self.journal.clone();
        let records = tokio::task::spawn_blocking(move || crate::journal::records_between(&dir, after, upto))
            .await
            .context("reading the journal")??;
        for run in records.chunk_by(|a, b| b.0 == a.0 + 1) {
            let events: Vec<Event> = run.iter().map(|(_, e)| e.clone()).collect();
            self.publish(target, run[0].0, &events).await?;
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

    /// Publishes records `first_seq..`, each message retried until the cluster acknowledges it.
    async fn publish(&self, target: &Target, first_seq: u64, events: &[Event]) -> Result<()> {
        for message in messages(&self.subjects, first_seq, events)? {
            let mut wait = RETRY_FIRST;
            loop {
                match self.send(target, &message).await {
                    Ok(()) => break,
                    Err(e) => tracing::warn!("relay: records from {} not acknowledged yet: {e:#}", message.first_seq),
                }
                self.pause(wait).await?;
                wait = longer(wait);
            }
        }
        Ok(())
    }

    /// One message, sent and acknowledged. Its id names its first and last record: the same
    /// message sent again is a duplicate the stream drops, while the same records cut into
    /// other messages (read back from the journal after a restart) are kept, and the follower
    /// passes over what it already has. (An id of the first record alone would have the
    /// stream drop a longer message as a duplicate of a shorter one still pending from before
    /// the restart: the records beyond it lost.)
    async fn send(&self, target: &Target, message: &Message) -> Result<()> {
        let mut headers = async_nats::HeaderMap::new();
        let id = format!("{}-{}-{}", self.config.stream, message.first_seq, message.last_seq);
        headers.insert("Nats-Msg-Id", id.as_str());
        let payload = message.payload.clone().into();
        target.jetstream.publish_with_headers(message.subject.clone(), headers, payload).await?.await?;
        Ok(())
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

/// Records `first_seq..` as messages of consecutive records, each at most
/// [`MAX_MESSAGE_BYTES`] (a record alone is far smaller), on the subject that covers them.
fn messages(subjects: &Subjects, first_seq: u64, events: &[Event]) -> Result<Vec<Message>> {
    let mut messages = Vec::new();
    let (mut start, mut records, mut bytes) = (0, Vec::new(), 64);
    for (i, event) in events.iter().enumerate() {
        let json = serde_json::to_vec(event)?;
        if !records.is_empty() && bytes + json.len() >= MAX_MESSAGE_BYTES {
            messages.push(message(subjects.of(&events[start..i]), first_seq + start as u64, &records));
            (start, bytes) = (i, 64);
            records.clear();
        }
        bytes += json.len() + 1;
        records.push(json);
    }
    if !records.is_empty() {
        messages.push(message(subjects.of(&events[start..]), first_seq + start as u64, &records));
    }
    Ok(messages)
}

/// A [`Relayed`] written out from records already in JSON.
fn message(subject: String, first_seq: u64, records: &[Vec<u8>]) -> Message {
    let mut payload = format!("{{\"first_seq\":{first_seq},\"events\":[").into_bytes();
    for (i, record) in records.iter().enumerate() {
        if i > 0 {
            payload.push(b',');
        }
        payload.extend_from_slice(record);
    }
    payload.extend_from_slice(b"]}");
    let last_seq = first_seq + records.len() as u64 - 1;
    Message { subject, first_seq, last_seq, payload }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Command, Disposition, Role};

    #[test]
    fn messages_keep_order_and_stay_under_the_size_limit() {
        // Notes of control characters are six bytes each in JSON: the largest records there are.
        let note: String = std::iter::repeat_n('\u{1}', crate::model::MAX_NOTE).collect();
        let close = |alarm| Event::Command {
            user: "sari".into(),
            role: Role::Operator,
            time: 0,
            command: Command::Close { alarm, disposition: Disposition::Handled, note: note.clone() },
        };
        let events: Vec<Event> = (1..=500).map(close).collect();
        let messages = messages(&Subjects::new(None), 41, &events).expect("messages");
        assert!(messages.len() > 1, "split by size");
        let mut next = 41;
        for message in &messages {
            assert!(message.payload.len() <= MAX_MESSAGE_BYTES, "{} bytes", message.payload.len());
            let relayed: Relayed = serde_json::from_slice(&message.payload).expect("a record run");
            assert_eq!((relayed.first_seq, message.first_seq), (next, next));
            assert_eq!(relayed.events[..], events[(next - 41) as usize..][..relayed.events.len()]);
            next += relayed.events.len() as u64;
        }
        assert_eq!(next, 541, "every record once");
    }

    #[test]
    fn batches_past_a_full_queue_are_handed_on_as_ranges_nothing_lost_or_twice() {
        let (writer, batches) = std::sync::mpsc::channel();
        let (tx, mut rx) = tokio::sync::mpsc::channel(2);
        let acknowledge = Command::Acknowledge { alarm: 1 };
        let event = Event::Command { user: "sari".into(), role: Role::Operator, time: 0, command: acknowledge };
        for first_seq in (1..2000).step_by(2) {
            let _ = writer.send(Arc::new(Batch { first_seq, events: vec![event.clone(), event.clone()] }));
        }
        drop(writer);
        let handing = std::thread::spawn(move || hand_on(batches, tx));
        // The publisher is slow to start: the queue fills.
        std::thread::sleep(std::time::Duration::from_millis(200));
        let (mut next, mut skipped) = (1, 0);
        while let Some(item) = rx.blocking_recv() {
            let (from, to) = match item {
                Item::Batch(batch) => (batch.first_seq, batch.last_seq()),
                Item::Skipped { from, to } => {
                    skipped += 1;
                    (from, to)
                }
            };
            assert_eq!(from, next, "in order, nothing lost, nothing twice");
            next = to + 1;
        }
        let _ = handing.join();
        assert_eq!(next, 2001, "every record handed on");
        assert!(skipped > 0, "the full queue was passed over as a range");
    }
}
