//! The hub: `pantau serve --desks ADDR` serves seats (desks, the wall, scripts) over a
//! WebSocket. A seat logs in as a person from the users file, gets the world as of a sequence
//! number (or, coming back, only the batches it missed), then every applied batch in order,
//! and sends commands, which the hub stamps with the person's name and role, checks against
//! their jurisdiction, and sends through the writer like any feed. Logins, logouts and every
//! refusal are journaled. The hub never slows the writer: a seat that falls behind is sent the
//! world again.
//!
//! `protocol.rs`: the messages; `recent.rs`: the hub's world and recent batches; `logins.rs`:
//! passwords and lockouts; `jurisdiction.rs`: who may act where; `seat.rs`: one seat's
//! session; `listener.rs`: accepting seats under the connection gate; `client.rs`: the seat's
//! side, as `pantau watch` and `pantau act` use it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{broadcast, watch};

use crate::ingest::{Ack, IngestHandle, Subscription};
use crate::model::{now_millis, Command, Event, EventKind, Role};
use crate::world::{Outcome, World};

pub mod client;
pub mod jurisdiction;
pub mod listener;
pub mod logins;
pub mod protocol;
pub mod recent;
mod seat;
pub mod switchboard;
pub mod tls;
pub mod zones;

pub use jurisdiction::Jurisdictions;
use logins::{Logins, Person};
use protocol::{Present, Want};
use recent::{CatchUp, Frame, Recent};

/// The hub's limits; every one has a test.
#[derive(Clone, Debug)]
pub struct HubLimits {
    /// Events of recent batches kept for seats coming back (and refilled from the journal at
    /// start-up).
    pub recent_events: usize,
    /// Batches a seat may be behind before it is sent the world again.
    pub seat_backlog: usize,
    /// The hub pings a seat this often...
    pub heartbeat: Duration,
    /// ...and closes it after this long without hearing from it.
    pub silence: Duration,
    /// A connection must log in within this.
    pub login_deadline: Duration,
    /// A frame must be taken by the seat's connection within this, or the seat is closed.
    pub send_timeout: Duration,
    /// Seats logged in at once; more are refused (the connection gate's room is kept for the
    /// feeds).
    pub max_seats: usize,
    /// A call ringing at a node for this long without being answered rings a tier up.
    pub answer_within: Duration,
    /// A call still ringing this long after it first rang is given up on (lost).
    pub give_up_after: Duration,
    /// For this long after the hub starts, seats are taken to be logging back in: a node with
    /// no call taker yet keeps its calls until then (a restart does not push every call up).
    pub rejoin_within: Duration,
    /// Where a new call rings first: where the caller is, or always at the central intake.
    pub intake: switchboard::Intake,
    /// Logins one address may try in a minute (a whole centre behind one address logs in again
    /// at once after a restart); beyond, they are refused unchecked, and only the first such
    /// refusal of the minute is journaled.
    pub logins_per_minute: u32,
}

impl Default for HubLimits {
    fn default() -> Self {
        Self {
            recent_events: 200_000,
            seat_backlog: 4096,
            heartbeat: Duration::from_secs(10),
            silence: Duration::from_secs(30),
            login_deadline: Duration::from_secs(10),
            send_timeout: Duration::from_secs(10),
            max_seats: 512,
            logins_per_minute: 300,
            answer_within: Duration::from_secs(10),
            give_up_after: Duration::from_millis(crate::model::calls::GIVE_UP_MS as u64),
            rejoin_within: Duration::from_secs(10),
            intake: switchboard::Intake::Nearest,
        }
    }
}

/// What the hub is started with.
pub struct HubConfig {
    pub users: PathBuf,
    /// The organisation tree and its zones; without one every seat acts everywhere.
    pub jurisdictions: Option<Jurisdictions>,
    pub limits: HubLimits,
    /// A follower's primary: every command is refused, with where to act instead.
    pub follows: Option<String>,
}

pub struct Hub {
    recent: Mutex<Recent>,
    /// Taken away when the feed stops, so every seat's stream ends.
    frames: Mutex<Option<broadcast::Sender<Frame>>>,
    logins: Logins,
    /// The tree and zones in force (the files' with the world's zone edits).
    jurisdictions: Option<zones::InForce>,
    /// Zone edits are checked one at a time, off the async threads.
    zone_checks: tokio::sync::Semaphore,
    follows: Option<String>,
    ingest: IngestHandle,
    limits: HubLimits,
    seats: Seats,
    stop: watch::Receiver<bool>,
    /// Told after each batch the hub's world takes in that holds more than positions (the
    /// switchboard looks again).
    applied: tokio::sync::Notify,
}

impl Hub {
    /// A hub fed by `subscription` (taken from the writer before anything was written), with
    /// the journal's tail for seats coming back. Batches are taken in on a thread of their own
    /// until the writer stops.
    pub fn start(
        config: HubConfig,
        ingest: IngestHandle,
        subscription: Subscription,
        tail: Vec<(u64, Event, Outcome)>,
        stop: watch::Receiver<bool>,
    ) -> anyhow::Result<Arc<Self>> {
        let Subscription { world, seq, batches } = subscription;
        let jurisdictions = config.jurisdictions.map(zones::InForce::new);
        // The zones in force from the start: the files with the journal's edits laid over them.
        if let Some(in_force) = &jurisdictions {
            in_force.follow(&world);
        }
        let (frames, _) = broadcast::channel(config.limits.seat_backlog.max(1));
        let hub = Arc::new(Self {
            recent: Mutex::new(Recent::new(world, seq, tail, config.limits.recent_events)),
            frames: Mutex::new(Some(frames)),
            logins: Logins::new(config.users, config.limits.logins_per_minute),
            jurisdictions,
            zone_checks: tokio::sync::Semaphore::new(1),
            follows: config.follows,
            ingest,
            limits: config.limits,
            seats: Seats::default(),
            stop,
            applied: tokio::sync::Notify::new(),
        });
        let feeding = hub.clone();
        std::thread::Builder::new().name("hub-feed".into()).spawn(move || {
            while let Ok(batch) = batches.recv() {
                // Positions alone change nothing the switchboard looks at.
                let calls_may_change = batch.events.iter().any(|e| e.kind() != EventKind::Position);
                let mut recent = feeding.recent();
                let frame = recent.apply(batch);
                if let Some(in_force) = feeding.jurisdictions.as_ref().filter(|_| calls_may_change) {
                    in_force.follow(recent.world());
                }
                if let Some(frames) = feeding.frames().as_ref() {
                    // No seat listening is not an error.
                    let _ = frames.send(frame);
                }
                drop(recent);
                if calls_may_change {
                    feeding.applied.notify_one();
                }
            }
            feeding.frames().take();
        })?;
        Ok(hub)
    }

    /// Seats logged in now.
    pub fn seats(&self) -> usize {
        self.seats.seated.load(Ordering::Acquire)
    }

    /// Waits (up to `grace`) until every connection has ended and every seat has journaled
    /// its logout.
    pub async fn seats_gone(&self, grace: Duration) {
        let open = || self.seats.open.load(Ordering::Acquire);
        let gone = async {
            while open() > 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        if tokio::time::timeout(grace, gone).await.is_err() {
            tracing::warn!("hub: {} connections still open after {grace:?}", open());
        }
    }

    fn recent(&self) -> MutexGuard<'_, Recent> {
        self.recent.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn frames(&self) -> MutexGuard<'_, Option<broadcast::Sender<Frame>>> {
        self.frames.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The sequence a seat is brought to, the frames that bring it there, and its place in the
    /// stream after them (taken together under the lock the feed applies batches under, so
    /// nothing is missed or sent twice). `None` once the feed has stopped.
    fn join(&self, want: Want) -> Option<(u64, CatchUp, Option<broadcast::Receiver<Frame>>)> {
        let recent = self.recent();
        let stream = self.frames().as_ref()?.subscribe();
        let stream = (want != Want::Nothing).then_some(stream);
        Some((recent.seq(), recent.catch_up(want), stream))
    }

    /// Carries out a seat's command as the person the users file says they are now: refused
    /// at once if they were disabled since the login (which ends the session) or it lies
    /// outside their jurisdiction (journaled as refused), else sent through the writer.
    async fn command(&self, person: &Person, command: Command) -> Answer {
        let (person, end) = match self.logins.current(&person.name) {
            Ok(now) => (now, None),
            Err(reason) => (person.clone(), Some(reason)),
        };
        let refusal = match (&end, &self.follows) {
            (Some(reason), _) => Err(reason.clone()),
            (None, Some(primary)) => {
                Err(format!("this hub follows {primary} and takes no commands: act at the primary"))
            }
            (None, None) if matches!(command, Command::EditZones { .. }) => {
                self.zone_edit_allowed(&person, &command).await
            }
            (None, None) => self.in_jurisdiction(&person, &command),
        };
        let command = match refusal {
            Ok(()) => command,
            Err(reason) => Command::Refused { command: Box::new(without_shapes(command)), reason },
        };
        let (seq, refused) = self.journal(&person, command).await;
        Answer { seq, refused, end }
    }

    /// Whether a person may make a zone edit: a commander's, checked against the zones in
    /// force (jurisdiction, topology) on a blocking thread, one edit at a time.
    async fn zone_edit_allowed(&self, person: &Person, command: &Command) -> Result<(), String> {
        if person.role != Role::Commander {
            return Err("only a commander may edit the zones".into());
        }
        let (Some(in_force), Command::EditZones { changes, .. }) = (&self.jurisdictions, command) else {
            return Ok(());
        };
        let (now, seat, changes) = (in_force.current(), person.org.clone(), changes.clone());
        let _turn = self.zone_checks.acquire().await.map_err(|_| "the hub is stopping".to_string())?;
        tokio::task::spawn_blocking(move || zones::check_edit(&now, seat.as_deref(), &changes))
            .await
            .map_err(|e| format!("the zone edit could not be checked: {e}"))?
    }

    fn in_jurisdiction(&self, person: &Person, command: &Command) -> Result<(), String> {
        let Some(in_force) = &self.jurisdictions else { return Ok(()) };
        in_force.check(person.org.as_deref(), self.recent().world(), command)
    }

    /// Journals a command as the person; its sequence number and the world's refusal.
    async fn journal(&self, person: &Person, command: Command) -> (Option<u64>, Option<String>) {
        let event = Event::Command { user: person.name.clone(), role: person.role, time: now_millis(), command };
        match self.ingest.send(vec![event]).await {
            Ack::Done { accepted: 1, first_seq, outcomes, .. } => match outcomes.into_iter().next() {
                Some(Outcome::Refused(reason)) => (Some(first_seq), Some(reason)),
                _ => (Some(first_seq), None),
            },
            Ack::Done { rejected, .. } => {
                (None, Some(rejected.first().map_or_else(|| "not taken".into(), |r| r.reason().to_string())))
            }
            Ack::Shed => (None, Some("the writer is overloaded; send it again".into())),
            Ack::Failed(e) => (None, Some(format!("not journaled: {e}"))),
        }
    }

    /// Journals commands as the person in one batch; each one's refusal by the world, or why
    /// the batch was not taken. (The hub's own bulk records: the switchboard's moves.)
    async fn journal_all(&self, person: &Person, commands: Vec<Command>) -> Result<Vec<Option<String>>, String> {
        if commands.is_empty() {
            return Ok(Vec::new());
        }
        let time = now_millis();
        let events: Vec<Event> = commands
            .into_iter()
            .map(|command| Event::Command { user: person.name.clone(), role: person.role, time, command })
            .collect();
        let count = events.len();
        match self.ingest.send(events).await {
            Ack::Done { accepted, outcomes, .. } if accepted == count => Ok(outcomes
                .into_iter()
                .map(|o| match o {
                    Outcome::Refused(reason) => Some(reason),
                    Outcome::Applied => None,
                })
                .collect()),
            Ack::Done { rejected, .. } => {
                Err(rejected.first().map_or_else(|| "not taken".into(), |r| r.reason().to_string()))
            }
            Ack::Shed => Err("the writer is overloaded".into()),
            Ack::Failed(e) => Err(format!("not journaled: {e}")),
        }
    }

    /// The organisation node a person logs in at must be in the tree.
    fn check_node(&self, person: &Person) -> Result<(), String> {
        match (&self.jurisdictions, &person.org) {
            (Some(j), Some(node)) if j.current().org.node(node).is_none() => {
                Err(format!("user {}'s node {node} is not in the organisation tree", person.name))
            }
            _ => Ok(()),
        }
    }

    /// Runs the switchboard (calls to where they ring) until the hub stops; a follower and a
    /// hub without an organisation tree have none.
    pub fn spawn_switchboard(self: &Arc<Self>) {
        if self.follows.is_none() && self.jurisdictions.is_some() {
            tokio::spawn(switchboard::run(self.clone(), self.stop.clone()));
        }
    }

    /// A copy of the hub's world and its sequence number (for tests and checks).
    pub fn world(&self) -> (World, u64) {
        let recent = self.recent();
        (recent.world().clone(), recent.seq())
    }
}

/// A refused zone edit is journaled with its codes but not its shapes (up to 5,000 corners
/// each time a seat tries); any other command whole.
fn without_shapes(command: Command) -> Command {
    match command {
        Command::EditZones { what, base, changes } => Command::EditZones {
            what: format!("{what} (refused: the shapes are not kept)"),
            base,
            changes: changes
                .iter()
                .map(|c| crate::model::zones::ZoneChange::Remove { code: c.code().to_string() })
                .collect(),
        },
        other => other,
    }
}

/// What became of a seat's command: the sequence number it was journaled as, the refusal,
/// and why the session must end, if it must.
struct Answer {
    seq: Option<u64>,
    refused: Option<String>,
    end: Option<String>,
}

/// Connections in session (logging in or logged in), counted so a stop waits for their
/// logouts, and seats logged in, counted against [`HubLimits::max_seats`].
struct Seats {
    open: AtomicUsize,
    seated: AtomicUsize,
    /// Who is logged in where, each under the number of their connection.
    present: Mutex<Vec<(u64, Present)>>,
    connections: AtomicU64,
    /// The list each time it changes, for every seat to be sent.
    changed: watch::Sender<Vec<Present>>,
}

impl Default for Seats {
    fn default() -> Self {
        Self {
            open: AtomicUsize::new(0),
            seated: AtomicUsize::new(0),
            present: Mutex::default(),
            connections: AtomicU64::new(0),
            changed: watch::channel(Vec::new()).0,
        }
    }
}

impl Seats {
    /// Someone logged in: on the list until the returned guard is dropped.
    fn arrive(&self, present: Present) -> Here<'_> {
        let id = self.connections.fetch_add(1, Ordering::Relaxed);
        let mut list = self.list();
        list.push((id, present));
        self.changed.send_replace(list.iter().map(|(_, p)| p.clone()).collect());
        drop(list);
        Here { seats: self, id }
    }

    fn list(&self) -> MutexGuard<'_, Vec<(u64, Present)>> {
        self.present.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A seat on the presence list while it lives.
struct Here<'a> {
    seats: &'a Seats,
    id: u64,
}

impl Drop for Here<'_> {
    fn drop(&mut self) {
        let mut list = self.seats.list();
        list.retain(|(id, _)| *id != self.id);
        self.seats.changed.send_replace(list.iter().map(|(_, p)| p.clone()).collect());
    }
}

/// One count held while it lives.
struct SeatCount<'a>(&'a AtomicUsize);

impl<'a> SeatCount<'a> {
    fn open(seats: &'a Seats) -> Self {
        Self::hold(&seats.open)
    }

    fn seated(seats: &'a Seats) -> Self {
        Self::hold(&seats.seated)
    }

    fn hold(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Self(count)
    }
}

impl Drop for SeatCount<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
