//! A desk's line to its hub: a thread of its own logs in (with the credentials given, or those
//! typed at the login screen), hands the desk what the hub sends (the welcome, the world, every
//! batch), sends the desk's commands up, and when the hub is lost reconnects by itself, asking
//! only for what it missed. The desk reads the line's state to show a login screen or a
//! "hub lost" banner.

use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::hub::client::{Login, LoginError, Seat, Welcome};
use crate::hub::protocol::{FromHub, Present, Want};
use crate::model::{now_millis, Command, Event, Millis};
use crate::world::World;

/// Where the hub is and how to trust it.
#[derive(Clone, Debug)]
pub struct HubAddress {
    /// `ws://HOST:PORT`, or `wss://HOST:PORT` with the pin.
    pub url: String,
    /// SHA-256 fingerprint of a `wss://` hub's certificate.
    pub pin: Option<[u8; 32]>,
    /// This seat's name in the journal.
    pub seat: String,
}

/// A name and password.
#[derive(Clone)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

/// A login to try, and whether it was given when the desk opened (then tried again after a
/// refusal instead of asking, as for the app's own hub) rather than typed at the login screen.
struct Attempt {
    credentials: Credentials,
    kept: bool,
}

/// Never prints the password.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("user", &self.user).finish_non_exhaustive()
    }
}

/// What the line hands the desk, in the order the hub sent it.
pub enum Inbound {
    /// Logged in (again).
    Welcome(Welcome),
    /// The world as of `seq`: start from it (the first time, or after falling behind).
    World { seq: u64, world: Box<World> },
    /// Applied events numbered from `first_seq`.
    Batch { first_seq: u64, events: Vec<Event> },
    /// Who is logged in at which seat now.
    Presence(Vec<Present>),
    /// One of this desk's commands was refused, and why.
    Refused(String),
}

/// Where the line stands.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkState {
    /// Waiting for a name and password; `refused`: why the last login was refused.
    LoggedOut { refused: Option<String> },
    /// Reaching the hub and logging in for the first time.
    Connecting,
    /// In session.
    Live,
    /// The hub was lost at `since` (what the desk shows is as of then); reconnecting.
    Lost { since: Millis, reason: String },
}

/// How long the hub may say nothing (it sends a heartbeat every 10 s) before it counts as lost.
pub const HUB_SILENCE: Duration = Duration::from_secs(25);
/// Waits between attempts to reach a lost hub: doubling from the first to the last.
const RETRY_FIRST: Duration = Duration::from_millis(250);
const RETRY_LAST: Duration = Duration::from_secs(4);
/// A session that lasted this long starts the waits afresh when it ends; a shorter one (a hub
/// that takes the login and drops the connection at once) keeps them growing.
const SETTLED: Duration = Duration::from_secs(10);

pub struct HubLink {
    url: String,
    inbox: Receiver<Inbound>,
    commands: UnboundedSender<Command>,
    credentials: Sender<Attempt>,
    state: Arc<Mutex<LinkState>>,
    /// Called from the line's thread whenever something arrives or the state changes.
    wake: Waker,
}

pub type Waker = Arc<Mutex<Option<Box<dyn Fn() + Send + Sync>>>>;

impl HubLink {
    /// Starts the line; it logs in at once with `credentials`, else waits for [`HubLink::log_in`].
    pub fn open(address: HubAddress, credentials: Option<Credentials>) -> anyhow::Result<Self> {
        let (inbox_tx, inbox) = std::sync::mpsc::channel();
        let (commands, commands_rx) = tokio::sync::mpsc::unbounded_channel();
        let (credentials_tx, credentials_rx) = std::sync::mpsc::channel();
        if let Some(given) = credentials {
            let _ = credentials_tx.send(Attempt { credentials: given, kept: true });
        }
        let first = LinkState::LoggedOut { refused: None };
        let state = Arc::new(Mutex::new(first));
        let wake: Waker = Arc::default();
        let url = address.url.clone();
        let line = Line { address, inbox: inbox_tx, state: state.clone(), wake: wake.clone(), last_seq: None };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new()
            .name("desk-link".into())
            .spawn(move || runtime.block_on(line.run(credentials_rx, commands_rx)))?;
        Ok(Self { url, inbox, commands, credentials: credentials_tx, state, wake })
    }

    /// The next thing the hub sent, if any has arrived.
    pub fn try_recv(&self) -> Option<Inbound> {
        self.inbox.try_recv().ok()
    }

    /// Sends a command up (dropped, and shown by the state, while the hub is lost).
    pub fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }

    /// Logs in with a name and password typed at the login screen.
    pub fn log_in(&self, credentials: Credentials) {
        *lock(&self.state) = LinkState::Connecting;
        let _ = self.credentials.send(Attempt { credentials, kept: false });
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn state(&self) -> LinkState {
        lock(&self.state).clone()
    }

    pub fn set_waker(&self, wake: impl Fn() + Send + Sync + 'static) {
        *lock(&self.wake) = Some(Box::new(wake));
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The line's side: runs on its own thread until the desk is dropped.
struct Line {
    address: HubAddress,
    inbox: Sender<Inbound>,
    state: Arc<Mutex<LinkState>>,
    wake: Waker,
    /// The last sequence handed to the desk: a reconnection asks for what came after it.
    last_seq: Option<u64>,
}

/// Why a session with the hub ended.
enum Ended {
    /// The desk is gone: stop.
    DeskGone,
    /// The connection was lost: reconnect.
    Lost(String),
}

impl Line {
    async fn run(mut self, credentials: Receiver<Attempt>, mut commands: UnboundedReceiver<Command>) {
        let mut login: Option<Attempt> = None;
        let mut retry = RETRY_FIRST;
        loop {
            let Some(given) = login.take().or_else(|| self.wait_for_login(&credentials)) else { return };
            let want = self.last_seq.map_or(Want::World, Want::After);
            let attempt = Login {
                user: given.credentials.user.clone(),
                password: given.credentials.password.clone(),
                seat: self.address.seat.clone(),
                want,
            };
            let refused = match Seat::connect_pinned(&self.address.url, self.address.pin, attempt).await {
                Ok(seat) => {
                    let began = tokio::time::Instant::now();
                    let ended = self.session(seat, &mut commands).await;
                    // Commands typed before the loss were meant for the view then: not sent later.
                    while commands.try_recv().is_ok() {}
                    match ended {
                        Ended::DeskGone => return,
                        Ended::Lost(reason) => self.lost(reason),
                    }
                    if began.elapsed() >= SETTLED {
                        retry = RETRY_FIRST;
                    }
                    None
                }
                Err(LoginError::Refused(reason)) => Some(reason),
                Err(e) => {
                    self.lost(e.to_string());
                    None
                }
            };
            match refused {
                // A typed login the hub refuses goes back to the login screen; a given one
                // (the app's own hub) is tried again, as a hub may refuse for a while (busy).
                Some(reason) if !given.kept => self.set(LinkState::LoggedOut { refused: Some(reason) }),
                Some(reason) => {
                    self.lost(reason);
                    login = Some(given);
                }
                None => login = Some(given),
            }
            if login.is_some() {
                if !pause(retry, &mut commands).await {
                    return;
                }
                retry = (retry * 2).min(RETRY_LAST);
            }
        }
    }

    /// Blocks until the login screen gives a name and password; `None` once the desk is gone.
    fn wait_for_login(&self, credentials: &Receiver<Attempt>) -> Option<Attempt> {
        if !matches!(*lock(&self.state), LinkState::LoggedOut { .. }) {
            self.set(LinkState::LoggedOut { refused: None });
        }
        credentials.recv().ok()
    }

    /// The hub is lost: the view stays as of the first loss until the line is back.
    fn lost(&self, reason: String) {
        let since = match &*lock(&self.state) {
            LinkState::Lost { since, .. } => *since,
            _ => now_millis(),
        };
        tracing::warn!("desk: the hub at {} is lost: {reason}", self.address.url);
        self.set(LinkState::Lost { since, reason });
    }

    fn set(&self, state: LinkState) {
        *lock(&self.state) = state;
        self.wake();
    }

    fn wake(&self) {
        if let Some(wake) = lock(&self.wake).as_ref() {
            wake();
        }
    }

    fn hand(&mut self, inbound: Inbound) -> bool {
        let sent = self.inbox.send(inbound).is_ok();
        self.wake();
        sent
    }

    /// One session: what the hub sends goes to the desk, the desk's commands go up.
    async fn session(&mut self, mut seat: Seat, commands: &mut UnboundedReceiver<Command>) -> Ended {
        let welcome = seat.welcome.clone();
        if !self.hand(Inbound::Welcome(welcome)) {
            seat.logout().await;
            return Ended::DeskGone;
        }
        self.set(LinkState::Live);
        loop {
            tokio::select! {
                message = seat.next_within(Some(HUB_SILENCE)) => match message {
                    Ok(Some(message)) => {
                        if let Some(ended) = self.take(message) {
                            return ended;
                        }
                    }
                    Ok(None) => return Ended::Lost("the hub closed the connection".into()),
                    Err(e) => return Ended::Lost(format!("{e:#}")),
                },
                command = commands.recv() => match command {
                    Some(command) => {
                        if let Err(e) = seat.send(command).await {
                            return Ended::Lost(format!("{e:#}"));
                        }
                    }
                    None => {
                        seat.logout().await;
                        return Ended::DeskGone;
                    }
                },
            }
        }
    }

    /// Hands one message from the hub on; says when the session has ended.
    fn take(&mut self, message: FromHub) -> Option<Ended> {
        let inbound = match message {
            FromHub::World { seq, world } => {
                self.last_seq = Some(seq);
                Inbound::World { seq, world: Box::new(World::from_saved(*world)) }
            }
            FromHub::Batch { events, .. } if events.is_empty() => return None,
            FromHub::Batch { first_seq, events, .. } => {
                // Saturating: what a hub sends must not panic the line.
                self.last_seq = Some(first_seq.saturating_add(events.len() as u64 - 1));
                Inbound::Batch { first_seq, events }
            }
            FromHub::Presence { present } => Inbound::Presence(present),
            FromHub::Reply { refused: Some(reason), .. } => Inbound::Refused(reason),
            FromHub::Closing { reason } => return Some(Ended::Lost(format!("the hub closed the session: {reason}"))),
            // Logins are answered before the session starts.
            FromHub::Reply { refused: None, .. } | FromHub::Welcome { .. } | FromHub::LoginRefused { .. } => {
                return None
            }
        };
        (!self.hand(inbound)).then_some(Ended::DeskGone)
    }
}

/// Waits before the next attempt; `false` once the desk is gone (its commands closed).
async fn pause(wait: Duration, commands: &mut UnboundedReceiver<Command>) -> bool {
    let until = tokio::time::Instant::now() + wait;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(until) => return true,
            // Commands while the hub is lost are not sent: the desk shows the hub is lost.
            command = commands.recv() => if command.is_none() { return false },
        }
    }
}
