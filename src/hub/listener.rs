//! Accepting seats: connections come in under the service's connection gate, finish their TLS
//! handshake (when the hub serves TLS) and send their WebSocket upgrade (HTTP/1.1, `GET /`)
//! within the header deadline, and are handed to a seat session holding their place under the
//! gate. A stop closes the door; each seat says goodbye
//! and journals its logout on its own.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::protocol::MAX_SEAT_MESSAGE;
use super::Hub;
use crate::feeds::connections::{Gate, Permit};
use crate::feeds::http::HttpLimits;

#[derive(Clone)]
struct Connection {
    hub: Arc<Hub>,
    peer: SocketAddr,
    permit: Arc<Permit>,
}

/// Serves seats on `listener` (over TLS when given an acceptor) until `stop` turns true.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    hub: Arc<Hub>,
    gate: Gate,
    limits: HttpLimits,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            (stream, peer, permit) = gate.accept(&listener, "desks") => {
                let _ = stream.set_nodelay(true);
                let connection = Connection { hub: hub.clone(), peer, permit: Arc::new(permit) };
                connections.spawn(handshake(stream, tls.clone(), connection, limits.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Connections still upgrading are dropped; seats already in session end on the stop.
    connections.shutdown().await;
}

/// The TLS handshake, within the header deadline, then the connection.
async fn handshake(stream: TcpStream, tls: Option<TlsAcceptor>, connection: Connection, limits: HttpLimits) {
    let Some(tls) = tls else { return upgrade_connection(stream, connection, limits).await };
    match tokio::time::timeout(limits.header_timeout, tls.accept(stream)).await {
        Ok(Ok(stream)) => upgrade_connection(stream, connection, limits).await,
        Ok(Err(e)) => {
            tracing::debug!("desks: TLS handshake with {} failed: {e}", connection.peer);
            connection.hub.ingest.metrics().rejected("hub_tls_handshake_failed");
        }
        Err(_) => {
            tracing::debug!("desks: TLS handshake with {} not done in time", connection.peer);
            connection.hub.ingest.metrics().rejected("hub_tls_handshake_timeout");
        }
    }
}

/// One connection up to its upgrade (or its refusal).
async fn upgrade_connection<I>(stream: I, connection: Connection, limits: HttpLimits)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let permit = connection.permit.clone();
    let connection_metrics = connection.hub.ingest.metrics().clone();
    let router = Router::new().route("/", get(upgrade)).with_state(connection);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(limits.max_header_bytes);
    let served = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router)).with_upgrades();
    tokio::select! {
        served = served => {
            if let Err(e) = served {
                crate::feeds::http::count_error(connection_metrics.as_ref(), &e);
            }
        }
        _ = permit.closed() => {}
    }
}

async fn upgrade(State(connection): State<Connection>, upgrade: WebSocketUpgrade) -> Response {
    let Connection { hub, peer, permit } = connection;
    upgrade
        .max_message_size(MAX_SEAT_MESSAGE)
        .max_frame_size(MAX_SEAT_MESSAGE)
        .on_upgrade(move |socket| super::seat::run(socket, hub, peer, permit))
}
