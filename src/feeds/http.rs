//! Serving the HTTP listeners' routers connection by connection under the [`Gate`]: each
//! connection gets a deadline for a request's headers (which is also how long it may sit idle
//! between requests, and what closes a client sending a byte a second), a cap on the header
//! size, and is marked busy while a request is handled so it is never closed for room then.
//! A stop lets requests in flight finish for a few seconds, then closes what is left.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::connections::{Gate, Permit};
use crate::ingest::Metrics;

/// Per-connection HTTP limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// A request's headers must arrive within this (and an idle connection closes after it).
    pub header_timeout: Duration,
    /// Largest request head (request line and headers) in bytes; larger ones get `431`.
    pub max_header_bytes: usize,
    /// How long a stop waits for requests in flight before closing their connections.
    pub stop_grace: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            stop_grace: Duration::from_secs(3),
        }
    }
}

/// Serves `router` on `listener` until `stop` turns true, then gives requests in flight
/// `limits.stop_grace` to finish.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    gate: Gate,
    limits: HttpLimits,
    mut stop: watch::Receiver<bool>,
    name: &'static str,
) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stopped(&mut stop) => break,
            (stream, peer, permit) = gate.accept(&listener, name) => {
                let _ = stream.set_nodelay(true);
                let metrics = gate.metrics().clone();
                connections.spawn(connection(stream, peer, router.clone(), permit, limits.clone(), metrics, stop.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(limits.stop_grace, async { while connections.join_next().await.is_some() {} });
    if drained.await.is_err() {
        tracing::warn!(
            "{name}: {} connections still open after {:?}; closing them",
            connections.len(),
            limits.stop_grace
        );
        connections.shutdown().await;
    }
}

/// One connection: HTTP/1.1 under the limits, closed when the gate or a stop asks.
async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: axum::Router,
    permit: Permit,
    limits: HttpLimits,
    metrics: std::sync::Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    let busy = permit.busy_flag();
    let inner = TowerToHyperService::new(router);
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        // Busy from the moment a request is read until its answer is written.
        busy.store(true, Ordering::Relaxed);
        request.extensions_mut().insert(ConnectInfo(peer));
        let answer = hyper::service::Service::call(&inner, request);
        let busy = busy.clone();
        async move {
            let response = answer.await;
            busy.store(false, Ordering::Relaxed);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(limits.max_header_bytes);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let outcome = tokio::select! {
        result = conn.as_mut() => result,
        _ = permit.closed() => {
            conn.as_mut().graceful_shutdown();
            conn.as_mut().await
        }
        _ = stopped(&mut stop) => {
            conn.as_mut().graceful_shutdown();
            conn.as_mut().await
        }
    };
    if let Err(e) = outcome {
        count_error(&metrics, &e);
    }
}

/// Completes once `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Counts a connection that ended in an HTTP-level refusal (by hyper, before any handler).
fn count_error(metrics: &Metrics, e: &hyper::Error) {
    let reason = if e.is_timeout() {
        "http_header_timeout"
    } else if e.is_parse_too_large() {
        "http_header_too_large"
    } else if e.is_parse() || e.is_parse_status() {
        "http_malformed"
    } else if e.is_incomplete_message() {
        "http_incomplete"
    } else {
        return;
    };
    metrics.rejected(reason);
}
