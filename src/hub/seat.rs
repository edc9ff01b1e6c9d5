//! One seat's session on the hub: a login within the deadline (refused ones journaled and
//! answered with no hint of which part was wrong), the frames that bring it up to date, then
//! the stream and the seat's commands side by side, heartbeats both ways, until the seat
//! leaves, goes silent, falls too far behind to be sent anything but the world, or the hub
//! stops. The logout is journaled with its reason.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{interval, timeout, Instant};

use super::logins::Person;
use super::protocol::{FromHub, ToHub, Want, VERSION};
use super::recent::Frame;
use super::{Hub, SeatCount};
use crate::feeds::connections::Permit;
use crate::model::Command;
use crate::users::MAX_NAME_BYTES;

/// Why a session ended, as journaled.
type Reason = String;

pub async fn run(mut socket: WebSocket, hub: Arc<Hub>, peer: SocketAddr, permit: Arc<Permit>) {
    let address = peer.to_string();
    let login = tokio::select! {
        login = timeout(hub.limits.login_deadline, first_message(&mut socket)) => login,
        _ = permit.closed() => return,
    };
    let Ok(Some(ToHub::Login { version, user, password, seat, want })) = login else {
        let _ = say(&mut socket, FromHub::LoginRefused { reason: "log in first, within the deadline".into() }).await;
        return;
    };
    let seat = cut(&seat);
    if version != VERSION {
        let reason = format!("this hub speaks protocol version {VERSION}, the seat {version}");
        let _ = say(&mut socket, FromHub::LoginRefused { reason }).await;
        return;
    }
    let person = match hub.logins.check(&user, &password).await.map_err(|d| (d.shown(), d)) {
        Ok(person) => match hub.check_node(&person) {
            Ok(()) => person,
            Err(reason) => return refuse(&mut socket, &hub, &cut(&user), person.role, &seat, &address, reason).await,
        },
        Err((shown, denied)) => {
            let locked_until = denied.locked_until;
            let reason = format!("{}: {}", denied.reason, shown);
            let user = cut(&user);
            let command = Command::LoginRefused { seat, address, reason: denied.reason, locked_until };
            let _ = hub.journal(&Person { name: user, role: denied.role, org: None }, command).await;
            let _ = say(&mut socket, FromHub::LoginRefused { reason: shown }).await;
            tracing::info!("hub: login refused from {peer}: {reason}");
            return;
        }
    };
    let _count = SeatCount::new(&hub.seats);
    permit.set_busy(true);
    hub.journal(&person, Command::Login { seat: seat.clone(), address }).await;
    let reason = session(&mut socket, &hub, &person, want, &permit).await;
    tracing::info!("hub: {} at seat {seat} ({peer}) left: {reason}", person.name);
    hub.journal(&person, Command::Logout { seat, reason: reason.clone() }).await;
    let _ = say(&mut socket, FromHub::Closing { reason }).await;
    let _ = socket.send(Message::Close(None)).await;
}

/// A refused login of a known person (their node is not in the tree): journaled and said.
async fn refuse(
    socket: &mut WebSocket,
    hub: &Hub,
    user: &str,
    role: crate::model::Role,
    seat: &str,
    address: &str,
    reason: String,
) {
    let person = Person { name: user.to_string(), role, org: None };
    let command = Command::LoginRefused {
        seat: seat.to_string(),
        address: address.to_string(),
        reason: reason.clone(),
        locked_until: None,
    };
    hub.journal(&person, command).await;
    let _ = say(socket, FromHub::LoginRefused { reason }).await;
}

/// The logged-in session; returns why it ended.
async fn session(socket: &mut WebSocket, hub: &Hub, person: &Person, want: Want, permit: &Permit) -> Reason {
    let mut stop = hub.stop.clone();
    if *stop.borrow() {
        return "the hub is stopping".into();
    }
    let seq = hub.recent().seq();
    let welcome = FromHub::Welcome {
        version: VERSION,
        user: person.name.clone(),
        role: person.role,
        org: person.org.clone(),
        seq,
    };
    if say(socket, welcome).await.is_err() {
        return "the connection was lost".into();
    }
    let (catch_up, mut stream) = hub.join(want);
    for frame in catch_up {
        if let Err(reason) = send(socket, hub, frame).await {
            return reason;
        }
    }
    let streaming = want != Want::Nothing;
    let mut heartbeat = interval(hub.limits.heartbeat);
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            frame = stream.recv(), if streaming => {
                let frame = match frame {
                    Ok(frame) => frame,
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!("hub: {} fell {missed} batches behind; sending the world again", person.name);
                        let (frames, fresh) = hub.join(Want::World);
                        stream = fresh;
                        match frames.into_iter().next() {
                            Some(world) => world,
                            None => continue,
                        }
                    }
                    Err(RecvError::Closed) => return "the hub is stopping".into(),
                };
                if let Err(reason) = send(socket, hub, frame).await {
                    return reason;
                }
            }
            message = socket.recv() => {
                heard = Instant::now();
                match message {
                    Some(Ok(Message::Text(text))) => match serde_json::from_str::<ToHub>(text.as_str()) {
                        Ok(ToHub::Command { id, command }) => {
                            let (seq, refused) = hub.command(person, command).await;
                            if say(socket, FromHub::Reply { id, seq, refused }).await.is_err() {
                                return "the connection was lost".into();
                            }
                        }
                        Ok(ToHub::Logout) => return "logged out".into(),
                        Ok(ToHub::Login { .. }) => return "a second login on one connection".into(),
                        Err(e) => return format!("a message the hub cannot read: {}", cut(&e.to_string())),
                    },
                    Some(Ok(Message::Binary(_))) => return "a binary message (the protocol is JSON text)".into(),
                    Some(Ok(Message::Close(_))) | None => return "the seat closed the connection".into(),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return format!("the connection failed: {}", cut(&e.to_string())),
                }
            }
            _ = heartbeat.tick() => {
                if heard.elapsed() > hub.limits.silence {
                    return format!("nothing heard for {:?}", hub.limits.silence);
                }
                if timeout(hub.limits.send_timeout, socket.send(Message::Ping(Default::default()))).await.is_err() {
                    return "the seat stopped taking messages".into();
                }
            }
            _ = stopping(&mut stop) => return "the hub is stopping".into(),
            _ = permit.closed() => return "the hub is stopping".into(),
        }
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

async fn say(socket: &mut WebSocket, message: FromHub) -> Result<(), axum::Error> {
    socket.send(Message::Text(message.encode().into())).await
}

/// The first message, if it is one the hub can read.
async fn first_message(socket: &mut WebSocket) -> Option<ToHub> {
    loop {
        match socket.recv().await? {
            Ok(Message::Text(text)) => return serde_json::from_str(text.as_str()).ok(),
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            _ => return None,
        }
    }
}

/// A name from outside cut to the longest a name may be (at a character boundary), so the
/// journal never keeps more of it.
fn cut(text: &str) -> String {
    let mut end = text.len().min(MAX_NAME_BYTES * 4);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
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
