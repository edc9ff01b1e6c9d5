//! The seat's side of the hub: connect, log in, then read what the hub sends and send
//! commands. `pantau watch` and `pantau act` are built on it.

use anyhow::{bail, Context, Result};
use futures::{SinkExt, StreamExt};
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::protocol::{FromHub, Present, ToHub, Want, MAX_HUB_MESSAGE, VERSION};
use crate::model::{Command, Role};

/// Who to log in as, from which seat, and where the stream should start.
#[derive(Clone)]
pub struct Login {
    pub user: String,
    pub password: String,
    pub seat: String,
    pub want: Want,
}

/// Never prints the password.
impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login").field("user", &self.user).field("seat", &self.seat).finish_non_exhaustive()
    }
}

/// What the hub said at login.
#[derive(Clone, Debug, PartialEq)]
pub struct Welcome {
    pub user: String,
    pub role: Role,
    pub org: Option<String>,
    pub seq: u64,
    /// Who is logged in at which seat.
    pub present: Vec<Present>,
}

/// Opens the WebSocket: TCP, TLS when `wss://` (with the pin), then the upgrade.
async fn open(url: &str, pin: Option<[u8; 32]>) -> Result<WebSocketStream<Box<dyn Io>>> {
    let uri: tokio_tungstenite::tungstenite::http::Uri =
        url.parse().with_context(|| format!("{url}: a hub is ws://HOST:PORT or wss://HOST:PORT"))?;
    let host = uri.host().map(|h| h.trim_start_matches('[').trim_end_matches(']').to_string());
    let (Some(scheme), Some(host)) = (uri.scheme_str(), host) else {
        bail!("{url}: a hub is ws://HOST:PORT or wss://HOST:PORT");
    };
    let tcp = |port| TcpStream::connect((host.clone(), port));
    let io: Box<dyn Io> = match (scheme, pin) {
        ("ws", None) => {
            Box::new(tcp(uri.port_u16().unwrap_or(80)).await.with_context(|| format!("cannot reach the hub at {url}"))?)
        }
        ("wss", Some(pin)) => {
            let stream =
                tcp(uri.port_u16().unwrap_or(443)).await.with_context(|| format!("cannot reach the hub at {url}"))?;
            let name =
                ServerName::try_from(host.clone()).with_context(|| format!("{url}: {host} is not a host name"))?;
            let tls = super::tls::pinned_connector(pin)?.connect(name, stream).await;
            Box::new(tls.with_context(|| format!("{url}: TLS with the hub failed"))?)
        }
        ("wss", None) => {
            bail!("{url}: give the hub's certificate fingerprint with --pin (as `pantau certs` printed it)")
        }
        ("ws", Some(_)) => bail!("{url}: --pin is for a wss:// hub"),
        _ => bail!("{url}: a hub is ws://HOST:PORT or wss://HOST:PORT"),
    };
    let config =
        WebSocketConfig::default().max_message_size(Some(MAX_HUB_MESSAGE)).max_frame_size(Some(MAX_HUB_MESSAGE));
    let (socket, _) = tokio_tungstenite::client_async_with_config(url, io, Some(config))
        .await
        .with_context(|| format!("{url}: the hub did not take the WebSocket"))?;
    Ok(socket)
}

/// Why a connection did not become a session.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The hub refused the login (a script should stop, not retry).
    #[error("the hub refused the login: {0}")]
    Refused(String),
    /// The hub could not take the login now (busy, stopping): worth retrying.
    #[error("the hub cannot take the login now: {0}")]
    Busy(String),
    /// The hub could not be reached or the connection failed (worth retrying).
    #[error("{0:#}")]
    Unreachable(anyhow::Error),
}

pub struct Seat {
    socket: WebSocketStream<Box<dyn Io>>,
    pub welcome: Welcome,
    next_id: u64,
}

/// The seat's connection under the WebSocket: TCP, or TLS over it.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// How long reaching the hub (TCP, TLS, the upgrade) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Seat {
    /// Connects to a hub on `ws://HOST:PORT` and logs in.
    pub async fn connect(url: &str, login: Login) -> Result<Self, LoginError> {
        Self::connect_pinned(url, None, login).await
    }

    /// Connects to a hub (`ws://`, or `wss://` trusting the certificate with the pinned
    /// SHA-256 fingerprint) and logs in.
    pub async fn connect_pinned(url: &str, pin: Option<[u8; 32]>, login: Login) -> Result<Self, LoginError> {
        let socket = tokio::time::timeout(CONNECT_TIMEOUT, open(url, pin))
            .await
            .unwrap_or_else(|_| Err(anyhow::anyhow!("cannot reach the hub at {url} within {CONNECT_TIMEOUT:?}")))
            .map_err(LoginError::Unreachable)?;
        let hello = ToHub::Login {
            version: VERSION,
            user: login.user,
            password: login.password,
            seat: login.seat,
            want: login.want,
        };
        let mut seat = Self {
            socket,
            welcome: Welcome { user: String::new(), role: Role::Viewer, org: None, seq: 0, present: Vec::new() },
            next_id: 1,
        };
        seat.socket.send(Message::text(hello.encode())).await.map_err(|e| LoginError::Unreachable(e.into()))?;
        // A hub that took the connection and then says nothing is as good as unreachable.
        match seat.next_within(Some(CONNECT_TIMEOUT)).await.map_err(LoginError::Unreachable)? {
            Some(FromHub::Welcome { user, role, org, seq, present, .. }) => {
                seat.welcome = Welcome { user, role, org, seq, present };
                Ok(seat)
            }
            Some(FromHub::LoginRefused { reason, retry: false }) => Err(LoginError::Refused(reason)),
            Some(FromHub::LoginRefused { reason, retry: true }) => Err(LoginError::Busy(reason)),
            Some(other) => Err(LoginError::Unreachable(anyhow::anyhow!("the hub answered a login with {other:?}"))),
            None => Err(LoginError::Unreachable(anyhow::anyhow!("the hub closed the connection at login"))),
        }
    }

    /// The next message from the hub; `None` once the connection is closed.
    pub async fn next(&mut self) -> Result<Option<FromHub>> {
        self.next_within(None).await
    }

    /// The next message from the hub, or an error once the hub has sent nothing at all (not
    /// even a heartbeat) for `silence`: a hub whose machine or network went away says nothing.
    pub async fn next_within(&mut self, silence: Option<Duration>) -> Result<Option<FromHub>> {
        loop {
            let message = match silence {
                Some(silence) => tokio::time::timeout(silence, self.socket.next())
                    .await
                    .map_err(|_| anyhow::anyhow!("the hub has sent nothing for {} s", silence.as_secs()))?,
                None => self.socket.next().await,
            };
            let Some(message) = message else { return Ok(None) };
            match message.context("the connection to the hub failed")? {
                Message::Text(text) => {
                    let message =
                        serde_json::from_str(text.as_str()).context("the hub sent a message this seat cannot read")?;
                    return Ok(Some(message));
                }
                Message::Close(_) => return Ok(None),
                _ => continue,
            }
        }
    }

    /// Sends a command; returns its id (the hub's reply carries it).
    pub async fn send(&mut self, command: Command) -> Result<u64> {
        let id = self.next_id;
        self.next_id += 1;
        self.socket
            .send(Message::text(ToHub::Command { id, command }.encode()))
            .await
            .context("cannot send to the hub")?;
        Ok(id)
    }

    /// Sends a command and waits for the hub's answer: the sequence number it was journaled
    /// as, or the refusal. Other messages until then are passed over: for seats that log in
    /// wanting no stream (scripts); a streaming seat sends with [`Seat::send`] and reads the
    /// reply among its messages.
    pub async fn command(&mut self, command: Command) -> Result<std::result::Result<u64, String>> {
        let id = self.send(command).await?;
        loop {
            match self.next().await? {
                Some(FromHub::Reply { id: answered, seq, refused }) if answered == id => {
                    return Ok(match (seq, refused) {
                        (_, Some(reason)) => Err(reason),
                        (Some(seq), None) => Ok(seq),
                        (None, None) => Err("not journaled".into()),
                    });
                }
                Some(FromHub::Closing { reason }) => bail!("the hub closed the session: {reason}"),
                Some(_) => {}
                None => bail!("the hub closed the connection before answering"),
            }
        }
    }

    /// Logs out and closes the connection.
    pub async fn logout(mut self) {
        let _ = self.socket.send(Message::text(ToHub::Logout.encode())).await;
        while let Ok(Some(message)) = self.next().await {
            if matches!(message, FromHub::Closing { .. }) {
                break;
            }
        }
        let _ = self.socket.close(None).await;
    }
}
