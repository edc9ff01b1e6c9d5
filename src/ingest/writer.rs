//! The ingest pipeline: feeds submit events; one writer thread validates them, appends them to
//! the journal (durable per the fsync policy), applies them to the world, and only then answers
//! each submission; desks subscribe to the applied events to keep their own copy of the world.
//! Two lanes: alarms and commands are never dropped and always go first;
//! positions wait in a bounded queue that sheds its oldest entries under overload.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use anyhow::Result;
use tokio::sync::oneshot;

use super::metrics::Metrics;
use super::validate::{Rejection, Validator};
use crate::journal::Journal;
use crate::model::{now_millis, Event, EventKind};
use crate::world::{Outcome, World};

/// How a submission ended.
#[derive(Debug, PartialEq)]
pub enum Ack {
    /// Every event is durable and applied, except those refused (with reasons). The accepted
    /// ones got the sequence numbers from `first_seq` on, in order, and the world took each with
    /// its outcome (a command may be recorded but refused, e.g. a viewer dispatching).
    Done { accepted: usize, rejected: Vec<Rejection>, first_seq: u64, outcomes: Vec<Outcome> },
    /// Dropped under overload before it was written (positions only); the sender should retry.
    Shed,
    /// The journal failed; nothing of it is known to be durable.
    Failed(String),
}

struct Submission {
    events: Vec<Event>,
    reply: Option<oneshot::Sender<Ack>>,
}

enum Job {
    Submit(Submission),
    Snapshot(oneshot::Sender<World>),
    Subscribe(std::sync::mpsc::Sender<Subscription>),
    Stop,
}

/// A desk's view of the writer: the world as it stood when the subscription began (after
/// sequence number `seq`), then every batch of events applied after it, in journal order.
/// Applying them to the copy keeps it equal to the writer's world (the world is a function of
/// its events).
pub struct Subscription {
    pub world: World,
    pub seq: u64,
    pub batches: std::sync::mpsc::Receiver<Arc<Batch>>,
}

/// Events the writer applied together; they are journaled as `first_seq`, `first_seq + 1`...
#[derive(Debug, PartialEq)]
pub struct Batch {
    pub first_seq: u64,
    pub events: Vec<Event>,
}

impl Batch {
    /// The last sequence number in the batch.
    pub fn last_seq(&self) -> u64 {
        self.first_seq + self.events.len() as u64 - 1
    }
}

#[derive(Default)]
struct Lanes {
    priority: VecDeque<Job>,
    positions: VecDeque<Submission>,
    queued_positions: usize,
    /// The writer has stopped: new jobs are dropped at once (their callers see it closed).
    closed: bool,
}

struct Shared {
    lanes: Mutex<Lanes>,
    wake: Condvar,
    capacity: usize,
    metrics: Arc<Metrics>,
}

/// A cheap, cloneable way into the writer.
#[derive(Clone)]
pub struct IngestHandle {
    shared: Arc<Shared>,
}

/// Most events written in one journal batch.
const MAX_BATCH: usize = 8192;

pub struct Ingest {
    handle: IngestHandle,
    writer: Option<JoinHandle<Result<()>>>,
}

impl Ingest {
    /// Starts the writer over a journal and the world it rebuilt. `capacity` bounds the
    /// positions waiting to be written.
    pub fn start(journal: Journal, world: World, validator: Validator, capacity: usize, metrics: Arc<Metrics>) -> Self {
        let shared = Arc::new(Shared { lanes: Mutex::default(), wake: Condvar::new(), capacity, metrics });
        let writer_shared = shared.clone();
        let writer = std::thread::Builder::new()
            .name("world-writer".into())
            .spawn(move || {
                let result = writer(&writer_shared, journal, world, validator);
                close(&writer_shared);
                result
            })
            .ok();
        if writer.is_none() {
            close(&shared);
        }
        Self { handle: IngestHandle { shared }, writer }
    }

    pub fn handle(&self) -> IngestHandle {
        self.handle.clone()
    }

    /// Writes everything queued, syncs the journal, and stops the writer.
    pub fn stop(mut self) -> Result<()> {
        self.handle.push_priority(Job::Stop);
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => anyhow::bail!("the world writer panicked"),
            None => anyhow::bail!("the world writer did not start"),
        }
    }
}

impl IngestHandle {
    /// Submits events and waits until they are durable and applied.
    pub async fn submit(&self, events: Vec<Event>) -> Ack {
        self.send(events).await
    }

    /// Queues events now (so submissions keep the caller's order) and returns a future that
    /// completes when they are durable and applied.
    pub fn send(&self, events: Vec<Event>) -> impl std::future::Future<Output = Ack> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        if events.is_empty() {
            let _ = tx.send(Ack::Done { accepted: 0, rejected: Vec::new(), first_seq: 0, outcomes: Vec::new() });
        } else {
            self.enqueue(Submission { events, reply: Some(tx) });
        }
        async move { rx.await.unwrap_or(Ack::Failed("the world writer stopped".into())) }
    }

    /// Submits without waiting (NMEA streams and MQTT QoS 0 have nobody to answer).
    pub fn submit_detached(&self, events: Vec<Event>) {
        if !events.is_empty() {
            self.enqueue(Submission { events, reply: None });
        }
    }

    /// Subscribes to the applied events (blocks until the writer answers, between batches).
    pub fn subscribe(&self) -> Option<Subscription> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.push_priority(Job::Subscribe(tx));
        rx.recv().ok()
    }

    /// A copy of the live world, taken between batches.
    pub async fn snapshot(&self) -> Option<World> {
        let (tx, rx) = oneshot::channel();
        self.push_priority(Job::Snapshot(tx));
        rx.await.ok()
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.shared.metrics
    }

    /// Whether the writer has stopped (nothing sent now will be stored).
    pub fn is_stopped(&self) -> bool {
        self.shared.lanes.lock().map_or(true, |lanes| lanes.closed)
    }

    fn enqueue(&self, submission: Submission) {
        let only_positions = submission.events.iter().all(|e| e.kind() == EventKind::Position);
        if !only_positions {
            self.push_priority(Job::Submit(submission));
            return;
        }
        let mut shed = Vec::new();
        if let Ok(mut lanes) = self.shared.lanes.lock() {
            if lanes.closed {
                return;
            }
            lanes.queued_positions += submission.events.len();
            lanes.positions.push_back(submission);
            while lanes.queued_positions > self.shared.capacity && lanes.positions.len() > 1 {
                let Some(old) = lanes.positions.pop_front() else { break };
                lanes.queued_positions -= old.events.len();
                shed.push(old);
            }
            self.shared.metrics.queued_positions.store(lanes.queued_positions as u64, Ordering::Relaxed);
        }
        self.shared.wake.notify_one();
        for old in shed {
            self.shared.metrics.shed_positions.fetch_add(old.events.len() as u64, Ordering::Relaxed);
            if let Some(reply) = old.reply {
                let _ = reply.send(Ack::Shed);
            }
        }
    }

    fn push_priority(&self, job: Job) {
        if let Ok(mut lanes) = self.shared.lanes.lock() {
            if !lanes.closed {
                lanes.priority.push_back(job);
            }
        }
        self.shared.wake.notify_one();
    }
}

/// Marks the lanes closed and drops what waits in them, so nobody waits for a writer that is
/// gone.
fn close(shared: &Shared) {
    if let Ok(mut lanes) = shared.lanes.lock() {
        lanes.closed = true;
        lanes.priority.clear();
        lanes.positions.clear();
        lanes.queued_positions = 0;
    }
}

/// The single writer: takes every priority job, then positions up to a batch, and makes the
/// batch durable before answering anyone in it.
fn writer(shared: &Shared, mut journal: Journal, mut world: World, mut validator: Validator) -> Result<()> {
    let mut subscribers: Vec<std::sync::mpsc::Sender<Arc<Batch>>> = Vec::new();
    loop {
        let (jobs, positions) = next_batch(shared);
        let mut batch: Vec<Submission> = Vec::new();
        let mut stop = false;
        for job in jobs {
            match job {
                Job::Submit(s) => batch.push(s),
                Job::Snapshot(tx) => {
                    let _ = tx.send(world.clone());
                }
                Job::Subscribe(reply) => {
                    let (tx, batches) = std::sync::mpsc::channel();
                    let seq = journal.next_seq() - 1;
                    if reply.send(Subscription { world: world.clone(), seq, batches }).is_ok() {
                        subscribers.push(tx);
                    }
                }
                Job::Stop => stop = true,
            }
        }
        batch.extend(positions);
        if !batch.is_empty() {
            if let Some(applied) = write_batch(&shared.metrics, &mut journal, &mut world, &mut validator, batch) {
                let applied = Arc::new(applied);
                subscribers.retain(|s| s.send(applied.clone()).is_ok());
            }
            if journal.snapshot_due() {
                save_snapshot(&mut journal, &world);
            }
        }
        if stop {
            journal.sync()?;
            save_snapshot(&mut journal, &world);
            return Ok(());
        }
    }
}

/// A snapshot only shortens the next start-up; failing to write one is logged, not fatal.
fn save_snapshot(journal: &mut Journal, world: &World) {
    if let Err(e) = journal.snapshot(world) {
        tracing::warn!("journal snapshot not written: {e:#}");
    }
}

fn next_batch(shared: &Shared) -> (Vec<Job>, Vec<Submission>) {
    let Ok(mut lanes) = shared.lanes.lock() else { return (vec![Job::Stop], Vec::new()) };
    while lanes.priority.is_empty() && lanes.positions.is_empty() {
        lanes = match shared.wake.wait(lanes) {
            Ok(l) => l,
            Err(_) => return (vec![Job::Stop], Vec::new()),
        };
    }
    let jobs: Vec<Job> = lanes.priority.drain(..).collect();
    let mut positions = Vec::new();
    let mut taken = 0;
    while taken < MAX_BATCH {
        let Some(s) = lanes.positions.pop_front() else { break };
        taken += s.events.len();
        positions.push(s);
    }
    lanes.queued_positions -= taken.min(lanes.queued_positions);
    shared.metrics.queued_positions.store(lanes.queued_positions as u64, Ordering::Relaxed);
    (jobs, positions)
}

fn write_batch(
    metrics: &Metrics,
    journal: &mut Journal,
    world: &mut World,
    validator: &mut Validator,
    batch: Vec<Submission>,
) -> Option<Batch> {
    let now = now_millis();
    let mut accepted_events = Vec::new();
    let mut results = Vec::with_capacity(batch.len());
    for submission in &batch {
        let (mut accepted, mut rejected) = (0, Vec::new());
        for event in &submission.events {
            match validator.check(event.clone(), now) {
                Ok(event) => {
                    accepted += 1;
                    accepted_events.push(event);
                }
                Err(r) => {
                    metrics.rejected(r.reason());
                    rejected.push(r);
                }
            }
        }
        results.push((accepted, rejected));
    }
    let outcome = journal.append(&accepted_events, now);
    if outcome.is_ok() {
        validator.commit();
    } else {
        validator.rollback();
    }
    let mut outcomes = Vec::new();
    if outcome.is_ok() {
        outcomes = world.apply(&accepted_events);
        metrics.journal_batches.fetch_add(1, Ordering::Relaxed);
        accepted_events.iter().for_each(|e| metrics.accepted(e.kind()));
    }
    let mut outcomes = outcomes.into_iter();
    let mut next_seq = *outcome.as_ref().unwrap_or(&0);
    for (submission, (accepted, rejected)) in batch.into_iter().zip(results) {
        let ack = match &outcome {
            Ok(_) => {
                let first_seq = next_seq;
                next_seq += accepted as u64;
                Ack::Done { accepted, rejected, first_seq, outcomes: outcomes.by_ref().take(accepted).collect() }
            }
            Err(e) => Ack::Failed(format!("{e:#}")),
        };
        if let Some(reply) = submission.reply {
            let _ = reply.send(ack);
        }
    }
    match outcome {
        Ok(first_seq) if !accepted_events.is_empty() => Some(Batch { first_seq, events: accepted_events }),
        Ok(_) => None,
        Err(e) => {
            tracing::error!("journal append failed; the batch was not applied: {e:#}");
            None
        }
    }
}
