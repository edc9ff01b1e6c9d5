//! Connection limits shared by every listener of a service, so that no client, however many
//! sockets it holds, can keep an alarm from being answered.
//!
//! - A cap on open connections, below the process's open-file limit with a reserve for the
//!   journal and the runtime (raised from the soft to the hard limit at start where allowed).
//! - A cap per source address.
//! - At either cap, the connection idle longest (waiting for a request or a sentence, nothing
//!   in flight; from the same source at the source's cap) is closed to make room: an idle
//!   socket never outranks a new request.
//! - Accept errors (out of file descriptors) close an idle connection and back off instead of
//!   spinning.
//!
//! Timeouts per connection (a request's headers, NMEA silence) are the listeners' own; every
//! refusal here is counted in the metrics by reason.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::ingest::Metrics;

/// File descriptors kept back from connections: journal segments, snapshots, the archive, the
/// runtime's own, a connection being accepted.
pub const FD_RESERVE: usize = 64;
/// Connections one source may hold by default (an IPv4 address, or an IPv6 /64: one host's
/// share of a network).
pub const DEFAULT_PER_SOURCE: usize = 256;
/// Open connections at most by default, however high the open-file limit (each one is a
/// little memory and a place in the table scanned when room is made).
pub const DEFAULT_MAX_CONNECTIONS: usize = 16_384;
/// How long to wait after an accept error before the next try.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The limits, as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Open connections in all (`None`: the open-file limit less [`FD_RESERVE`]).
    pub max_connections: Option<usize>,
    pub max_per_source: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_connections: None, max_per_source: DEFAULT_PER_SOURCE }
    }
}

struct Open {
    source: IpAddr,
    /// When it last did something (was admitted, answered a request, sent a sentence).
    activity: Activity,
    /// Set while a request (or a sentence) is being handled: not to be closed for room.
    busy: Arc<AtomicBool>,
    /// Closes the connection.
    close: watch::Sender<bool>,
}

/// When a connection last did something, in milliseconds since its gate was made.
#[derive(Clone)]
pub struct Activity {
    epoch: Instant,
    at_ms: Arc<AtomicU64>,
}

impl Activity {
    fn new(epoch: Instant) -> Self {
        let activity = Self { epoch, at_ms: Arc::default() };
        activity.touch();
        activity
    }

    /// Notes that the connection did something now.
    pub fn touch(&self) {
        let ms = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.at_ms.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> u64 {
        self.at_ms.load(Ordering::Relaxed)
    }
}

#[derive(Default)]
struct Table {
    next_id: u64,
    open: HashMap<u64, Open>,
    per_source: HashMap<IpAddr, usize>,
}

/// Admits connections under the limits; one per service, shared by its listeners.
#[derive(Clone)]
pub struct Gate {
    table: Arc<Mutex<Table>>,
    epoch: Instant,
    max_total: usize,
    max_per_source: usize,
    metrics: Arc<Metrics>,
}

/// A connection's place under the limits: released when dropped. The connection must close
/// when [`Permit::closed`] fires, and should mark itself busy while it handles something.
pub struct Permit {
    id: u64,
    gate: Gate,
    busy: Arc<AtomicBool>,
    activity: Activity,
    close: watch::Receiver<bool>,
}

impl Permit {
    /// Marks the connection as handling a request (not to be closed for room) or idle.
    pub fn set_busy(&self, busy: bool) {
        self.busy.store(busy, Ordering::Relaxed);
    }

    /// The flag as shared with a request handler.
    pub fn busy_flag(&self) -> Arc<AtomicBool> {
        self.busy.clone()
    }

    /// Notes that the connection did something now.
    pub fn touch(&self) {
        self.activity.touch();
    }

    /// Where the connection notes that it did something (a request answered, a line read).
    pub fn activity(&self) -> Activity {
        self.activity.clone()
    }

    /// Completes when the gate wants this connection closed (room for another, or a stop).
    pub async fn closed(&self) {
        let mut close = self.close.clone();
        let _ = close.wait_for(|c| *c).await;
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut table = self.gate.lock();
        if let Some(open) = table.open.remove(&self.id) {
            if let Some(n) = table.per_source.get_mut(&open.source) {
                *n -= 1;
                if *n == 0 {
                    table.per_source.remove(&open.source);
                }
            }
        }
    }
}

impl Gate {
    pub fn new(limits: &Limits, metrics: Arc<Metrics>) -> Self {
        let by_files = open_file_limit().saturating_sub(FD_RESERVE);
        let max_total = limits.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS).min(by_files).max(1);
        let max_per_source = limits.max_per_source.max(1);
        Self { table: Arc::default(), epoch: Instant::now(), max_total, max_per_source, metrics }
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The cap on open connections in all.
    pub fn max_total(&self) -> usize {
        self.max_total
    }

    pub fn open_count(&self) -> usize {
        self.lock().open.len()
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // A poisoned table is still consistent: every change is a single insert or remove.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a connection from `peer`, closing the longest-idle one if all are taken;
    /// `None` (counted) when its source is at its own cap or nothing can be closed.
    pub fn admit(&self, peer: SocketAddr) -> Option<Permit> {
        let source = source_of(peer.ip());
        let mut table = self.lock();
        if table.per_source.get(&source).copied().unwrap_or(0) >= self.max_per_source {
            if !close_longest_idle(&mut table, Some(source)) {
                drop(table);
                self.metrics.rejected("connections_per_source");
                return None;
            }
            self.metrics.rejected("connection_closed_for_room");
        }
        if table.open.len() >= self.max_total {
            if !close_longest_idle(&mut table, None) {
                drop(table);
                self.metrics.rejected("connections_full");
                return None;
            }
            self.metrics.rejected("connection_closed_for_room");
        }
        let id = table.next_id;
        table.next_id += 1;
        let busy = Arc::new(AtomicBool::new(false));
        let activity = Activity::new(self.epoch);
        let (close, closed) = watch::channel(false);
        table.open.insert(id, Open { source, activity: activity.clone(), busy: busy.clone(), close });
        *table.per_source.entry(source).or_insert(0) += 1;
        Some(Permit { id, gate: self.clone(), busy, activity, close: closed })
    }

    /// Asks every connection to close (a stop).
    pub fn close_all(&self) {
        for open in self.lock().open.values() {
            let _ = open.close.send(true);
        }
    }

    /// Makes room after the process ran out of file descriptors.
    fn relieve(&self) {
        close_longest_idle(&mut self.lock(), None);
    }

    /// Accepts the next connection, backing off (and closing an idle connection) when accept
    /// fails, so a process at its file limit neither spins nor stops answering.
    pub async fn accept(&self, listener: &TcpListener, name: &str) -> (TcpStream, SocketAddr, Permit) {
        let mut last_log: Option<Instant> = None;
        loop {
            match listener.accept().await {
                Ok((stream, peer)) => match self.admit(peer) {
                    Some(permit) => return (stream, peer, permit),
                    None => drop(stream),
                },
                Err(e) => {
                    self.metrics.rejected("accept_error");
                    if last_log.is_none_or(|at| at.elapsed() > Duration::from_secs(10)) {
                        tracing::warn!("{name}: cannot accept a connection: {e}; closing the longest-idle one");
                        last_log = Some(Instant::now());
                    }
                    self.relieve();
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            }
        }
    }
}

/// Tells the connection idle longest (from `source`, or from anywhere) to close; its place is
/// taken at once (its permit goes when its task ends). False when every such connection is
/// busy.
fn close_longest_idle(table: &mut Table, source: Option<IpAddr>) -> bool {
    let oldest = table
        .open
        .iter()
        .filter(|(_, o)| source.is_none_or(|s| s == o.source))
        .filter(|(_, o)| !o.busy.load(Ordering::Relaxed) && !*o.close.borrow())
        // Ties (the same millisecond) go to the one admitted first.
        .min_by_key(|(id, o)| (o.activity.last(), **id))
        .map(|(id, _)| *id);
    let Some(id) = oldest else { return false };
    if let Some(open) = table.open.remove(&id) {
        let _ = open.close.send(true);
        if let Some(n) = table.per_source.get_mut(&open.source) {
            *n -= 1;
            if *n == 0 {
                table.per_source.remove(&open.source);
            }
        }
    }
    true
}

/// The source a connection is counted under: its IPv4 address, or its IPv6 /64 (one host can
/// hold a whole /64, so counting single v6 addresses would cap nothing).
fn source_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The soft limit on open files, first raised to the hard limit where the system allows.
pub fn open_file_limit() -> usize {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX).min(1 << 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(ip: [u8; 4], port: u16) -> SocketAddr {
        SocketAddr::from((ip, port))
    }

    #[test]
    fn per_source_cap_and_room_made_by_closing_the_longest_idle() {
        let metrics = Arc::new(Metrics::default());
        let gate = Gate::new(&Limits { max_connections: Some(3), max_per_source: 2 }, metrics.clone());
        let first = gate.admit(peer([10, 0, 0, 1], 1)).expect("first");
        let second = gate.admit(peer([10, 0, 0, 1], 2)).expect("second");
        first.set_busy(true);
        second.set_busy(true);
        assert!(gate.admit(peer([10, 0, 0, 1], 3)).is_none(), "a third from a source whose two are busy");
        assert_eq!(metrics.rejected_count("connections_per_source"), 1);
        first.set_busy(false);
        second.set_busy(false);
        let busy = gate.admit(peer([10, 0, 0, 2], 1)).expect("another source");
        busy.set_busy(true);
        // Full: the longest-idle connection (the first) is told to close for the newcomer.
        let _fourth = gate.admit(peer([10, 0, 0, 3], 1)).expect("room was made");
        assert!(*first.close.borrow(), "the longest-idle connection was told to close");
        assert_eq!(gate.open_count(), 3);
        futures::executor::block_on(first.closed());
        drop(first);
        assert_eq!(gate.open_count(), 3, "its place was already given up");
        assert_eq!(metrics.rejected_count("connection_closed_for_room"), 1);
        // At its own cap, a source's idle connection makes room for its new one.
        let _third = gate.admit(peer([10, 0, 0, 1], 4)).expect("the second made room");
        assert!(*second.close.borrow());
        assert_eq!(metrics.rejected_count("connection_closed_for_room"), 2);
    }

    #[test]
    fn when_every_connection_is_busy_a_newcomer_is_refused() {
        let metrics = Arc::new(Metrics::default());
        let gate = Gate::new(&Limits { max_connections: Some(1), max_per_source: 8 }, metrics.clone());
        let only = gate.admit(peer([10, 0, 0, 1], 1)).expect("first");
        only.set_busy(true);
        assert!(gate.admit(peer([10, 0, 0, 2], 1)).is_none());
        assert_eq!(metrics.rejected_count("connections_full"), 1);
        drop(only);
        assert!(gate.admit(peer([10, 0, 0, 2], 1)).is_some(), "a place is free again");
    }

    #[test]
    fn the_open_file_limit_is_read() {
        assert!(open_file_limit() >= 16);
    }

    #[test]
    fn ipv6_sources_count_per_slash_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("v6");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("v6");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("v6");
        assert_eq!(source_of(a), source_of(b));
        assert_ne!(source_of(a), source_of(other));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().expect("mapped");
        assert_eq!(source_of(mapped), "10.0.0.1".parse::<IpAddr>().expect("v4"));
    }
}
