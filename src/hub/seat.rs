//! One seat's session on the hub: a login within the deadline (refused ones journaled and
//! answered with no hint of which part was wrong), the frames that bring it up to date, then
//! the stream and the seat's commands side by side, heartbeats both ways, until the seat
//! leaves, goes silent, stops taking messages, or the hub stops. The logout is journaled with
//! its reason. Every send has a deadline, so no seat can hold its task (or a stop) forever.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{interval, timeout, Instant};

use super::logins::{Denied, Journal, Person};
use super::protocol::{FromHub, Present, ToHub, Want, VERSION};
use super::recent::Frame;
use super::{Hub, SeatCount};
use crate::feeds::connections::Permit;
use crate::model::{now_millis, Command};
use crate::users::MAX_NAME_BYTES;

/// Why a session ended, as journaled.
type Reason = String;

/// What a login came to.
enum Admitted {
    Yes(Person, Want, String),
    /// Refused: what to journal (if anything) and what to tell the seat.
    No {
        journal: Option<(Person, Command)>,
        shown: String,
        retry: bool,
    },
}

pub async fn run(mut socket: WebSocket, hub: Arc<Hub>, peer: SocketAddr, permit: Arc<Permit>) {
    let _open = SeatCount::open(&hub.seats);
    let mut stop = hub.stop.clone();
    let admitted = tokio::select! {
        admitted = timeout(hub.limits.login_deadline, login(&mut socket, &hub, peer)) => admitted,
        _ = permit.closed() => return,
        _ = stopping(&mut stop) => return,
    };
    let admitted = admitted.unwrap_or_else(|_| {
        hub.ingest.metrics().rejected("hub_login_timeout");
        Admitted::No { journal: None, shown: format!("log in within {:?}", hub.limits.login_deadline), retry: true }
    });
    let (person, want, seat) = match admitted {
        Admitted::Yes(person, want, seat) => (person, want, seat),
        Admitted::No { journal, shown, retry } => {
            if let Some((person, command)) = journal {
                hub.journal(&person, command).await;
            }
            let _ = say(&mut socket, &hub, FromHub::LoginRefused { reason: shown, retry }).await;
            return;
        }
    };
    let seated = SeatCount::seated(&hub.seats);
    let metrics = hub.ingest.metrics().clone();
    metrics.hub_seats.fetch_add(1, Ordering::Relaxed);
    permit.set_busy(true);
    // On the presence list before the login is journaled and off it before the logout is, so a
    // seat joining in between learns of it either from its welcome or from the stream.
    let here = hub.seats.arrive(Present {
        user: person.name.clone(),
        role: person.role,
        seat: seat.clone(),
        since: now_millis(),
        node: person.org.clone(),
    });
    hub.journal(&person, Command::Login { seat: seat.clone(), address: peer.to_string() }).await;
    let reason = session(&mut socket, &hub, &person, want, &permit).await;
    tracing::info!("hub: {} at seat {seat:?} ({peer}) left: {reason}", person.name);
    drop(here);
    hub.journal(&person, Command::Logout { seat, reason: reason.clone() }).await;
    let _ = say(&mut socket, &hub, FromHub::Closing { reason }).await;
    let _ = timeout(hub.limits.send_timeout, socket.send(Message::Close(None))).await;
    drop(seated);
    metrics.hub_seats.fetch_sub(1, Ordering::Relaxed);
}

/// Reads the login and checks it.
async fn login(socket: &mut WebSocket, hub: &Hub, peer: SocketAddr) -> Admitted {
    let refused = |shown: String| {
        hub.ingest.metrics().rejected("hub_bad_login");
        Admitted::No { journal: None, shown, retry: false }
    };
    let (version, user, password, seat, want) = match first_message(socket).await {
        Ok(ToHub::Login { version, user, password, seat, want }) => (version, user, password, seat, want),
        Ok(_) => return refused("log in first".into()),
        Err(e) => return refused(format!("cannot read the login: {e}")),
    };
    if version != VERSION {
        return refused(format!("this hub speaks protocol version {VERSION}, the seat {version}"));
    }
    let (user, seat, address) = (cut(&user), cut(&seat), peer.to_string());
    if hub.seats() >= hub.limits.max_seats {
        return Admitted::No {
            journal: None,
            shown: format!("the hub has its most seats ({})", hub.limits.max_seats),
            retry: true,
        };
    }
    match hub.logins.check(&user, &password, peer.ip()).await {
        Ok(person) => match hub.check_node(&person) {
            Ok(()) => Admitted::Yes(person, want, seat),
            Err(reason) => {
                let command = Command::LoginRefused { seat, address, reason: reason.clone(), locked_until: None };
                Admitted::No { journal: Some((person, command)), shown: reason, retry: false }
            }
        },
        Err(denied) => {
            tracing::info!("hub: login of {user:?} refused from {peer}: {}", denied.reason);
            let counted = match (&denied.throttled, denied.locked_until) {
                (Some(_), _) => "hub_login_throttled",
                (None, Some(_)) => "hub_login_locked",
                (None, None) => "hub_login_refused",
            };
            hub.ingest.metrics().rejected(counted);
            let shown = denied.shown();
            let retry = denied.unavailable;
            let journal = journaled(&denied).then(|| {
                let person = Person { name: user, role: denied.role, org: None };
                let Denied { reason, locked_until, .. } = denied;
                (person, Command::LoginRefused { seat, address, reason, locked_until })
            });
            Admitted::No { journal, shown, retry }
        }
    }
}

/// Every refused login is journaled, except all but the first of a minute's throttled ones.
fn journaled(denied: &Denied) -> bool {
    denied.throttled != Some(Journal::No)
}

/// The logged-in session; returns why it ended.
async fn session(socket: &mut WebSocket, hub: &Hub, person: &Person, want: Want, permit: &Permit) -> Reason {
    let mut stop = hub.stop.clone();
    let Some((seq, catch_up, mut stream)) = hub.join(want) else {
        return "the hub's feed has stopped".into();
    };
    let mut presence = hub.seats.changed.subscribe();
    let welcome = FromHub::Welcome {
        version: VERSION,
        user: person.name.clone(),
        role: person.role,
        org: person.org.clone(),
        seq,
        present: presence.borrow_and_update().clone(),
    };
    if let Err(reason) = say(socket, hub, welcome).await {
        return reason;
    }
    for frame in catch_up.into_frames() {
        if let Err(reason) = send(socket, hub, frame).await {
            return reason;
        }
    }
    let mut heartbeat = interval(hub.limits.heartbeat);
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            frame = next_frame(&mut stream), if stream.is_some() => {
                let frame = match frame {
                    Ok(frame) => frame,
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!("hub: {} fell {missed} batches behind; sending the world again", person.name);
                        hub.ingest.metrics().hub_resyncs.fetch_add(1, Ordering::Relaxed);
                        let Some((_, frames, fresh)) = hub.join(Want::World) else {
                            return "the hub's feed has stopped".into();
                        };
                        stream = fresh;
                        match frames.into_frames().into_iter().next() {
                            Some(world) => world,
                            None => continue,
                        }
                    }
                    Err(RecvError::Closed) => return "the hub's feed has stopped".into(),
                };
                if let Err(reason) = send(socket, hub, frame).await {
                    return reason;
                }
            }
            message = socket.recv() => {
                heard = Instant::now();
                match message {
                    Some(Ok(Message::Text(text))) => match ToHub::decode(text.as_str()) {
                        Ok(ToHub::Command { id, command }) => {
                            let answer = hub.command(person, command).await;
                            let reply = FromHub::Reply { id, seq: answer.seq, refused: answer.refused };
                            if let Err(reason) = say(socket, hub, reply).await {
                                return reason;
                            }
                            if let Some(reason) = answer.end {
                                return reason;
                            }
                        }
                        Ok(ToHub::Logout) => return "logged out".into(),
                        Ok(ToHub::Login { .. }) => return "a second login on one connection".into(),
                        Err(e) => {
                            hub.ingest.metrics().rejected("hub_bad_message");
                            return format!("a message the hub cannot read: {}", cut(&e));
                        }
                    },
                    Some(Ok(Message::Binary(_))) => {
                        hub.ingest.metrics().rejected("hub_bad_message");
                        return "a binary message (the protocol is JSON text)".into();
                    }
                    Some(Ok(Message::Close(_))) | None => return "the seat closed the connection".into(),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        // Over the size limit, not UTF-8 text, or the socket failed.
                        hub.ingest.metrics().rejected("hub_seat_read_error");
                        return format!("the connection failed: {}", cut(&e.to_string()));
                    }
                }
            }
            changed = presence.changed() => {
                if changed.is_ok() {
                    let present = presence.borrow_and_update().clone();
                    if let Err(reason) = say(socket, hub, FromHub::Presence { present }).await {
                        return reason;
                    }
                }
            }
            _ = heartbeat.tick() => {
                if heard.elapsed() > hub.limits.silence {
                    return format!("nothing heard for {:?}", hub.limits.silence);
                }
                if timeout(hub.limits.send_timeout, socket.send(Message::Ping(Default::default()))).await.is_err() {
                    return format!("the seat took nothing for {:?}", hub.limits.send_timeout);
                }
            }
            _ = stopping(&mut stop) => return "the hub is stopping".into(),
            _ = permit.closed() => return "the hub is stopping".into(),
        }
    }
}

/// The next frame of a stream (only polled when there is one).
async fn next_frame(stream: &mut Option<tokio::sync::broadcast::Receiver<Frame>>) -> Result<Frame, RecvError> {
    match stream {
        Some(stream) => stream.recv().await,
        None => std::future::pending().await,
    }
}

/// Completes once the hub stops.
async fn stopping(stop: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Sends a frame within the send deadline.
async fn send(socket: &mut WebSocket, hub: &Hub, frame: Frame) -> Result<(), Reason> {
    match timeout(hub.limits.send_timeout, socket.send(Message::Text(frame))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err("the connection was lost".into()),
        Err(_) => Err(format!("the seat took nothing for {:?}", hub.limits.send_timeout)),
    }
}

async fn say(socket: &mut WebSocket, hub: &Hub, message: FromHub) -> Result<(), Reason> {
    send(socket, hub, message.encode().into()).await
}

/// The first message (pings and pongs passed over), read as a [`ToHub`].
async fn first_message(socket: &mut WebSocket) -> Result<ToHub, String> {
    loop {
        match socket.recv().await {
            Some(Ok(Message::Text(text))) => return ToHub::decode(text.as_str()).map_err(|e| cut(&e)),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(_)) => return Err("not a JSON text message".into()),
            Some(Err(_)) | None => return Err("the connection closed".into()),
        }
    }
}

/// Text from outside (a name, a reason quoting it) cut to at most four times the longest a
/// name may be, so the journal never keeps more of it.
fn cut(text: &str) -> String {
    crate::ingest::validate::cut(text.to_string(), MAX_NAME_BYTES * 4).0
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_cut_at_a_character_boundary() {
        let long = "é".repeat(500);
        let cut = super::cut(&long);
        assert!(cut.len() <= super::MAX_NAME_BYTES * 4 && cut.chars().all(|c| c == 'é'));
        assert_eq!(super::cut("budi"), "budi");
    }
}
