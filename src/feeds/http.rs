//! Serving the HTTP listeners' routers connection by connection under the [`Gate`]: each
//! connection gets a deadline for a request's headers (which is also how long it may sit idle
//! between requests, and what closes a client sending a byte a second), a cap on the header
//! size, and is marked busy while a request is handled so it is never closed for room then.
//! A stop lets requests in flight finish for a few seconds, then closes what is left.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::connections::{Gate, Permit};
use crate::ingest::Metrics;

/// How long a finished connection reads what its client still sends before closing.
const LINGER: Duration = Duration::from_secs(1);
/// How much it reads at most.
const LINGER_BYTES: usize = 256 * 1024;

/// Per-connection HTTP limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// A request's headers must arrive within this (and an idle connection closes after it).
    pub header_timeout: Duration,
    /// Largest request head (request line and headers) in bytes; larger ones get `431`.
    pub max_header_bytes: usize,
    /// A request must be read (body included) and answered within this, or it gets `408`.
    pub request_timeout: Duration,
    /// How long a stop waits for requests in flight before closing their connections.
    pub stop_grace: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            request_timeout: Duration::from_secs(15),
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

/// One connection: HTTP/1.1 under the limits. Closed for room, it is dropped at once (it
/// was idle: nothing is lost); on a stop it finishes what it is answering. At its end the
/// socket lingers briefly, reading what the client still sends, so that a client whose
/// request was refused before its body was read (413) gets the answer instead of a reset.
async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: axum::Router,
    permit: Permit,
    limits: HttpLimits,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    let service = request_service(router, peer, &permit, limits.request_timeout, metrics.clone());
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(limits.max_header_bytes);
    let mut conn = builder.serve_connection(TokioIo::new(stream), service);
    let mut stopping = false;
    let outcome = loop {
        tokio::select! {
            result = std::future::poll_fn(|cx| conn.poll_without_shutdown(cx)) => break result,
            _ = permit.closed(), if !stopping => return,
            _ = stopped(&mut stop), if !stopping => {
                stopping = true;
                Pin::new(&mut conn).graceful_shutdown();
            }
        }
    };
    if let Err(e) = &outcome {
        count_error(&metrics, e);
    }
    linger(conn.into_parts().io.into_inner()).await;
}

/// The future answering one request.
type Answer = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// The router as a hyper service for one connection: each request carries the peer's
/// address, marks the connection busy until answered, and is answered `408` if it is not
/// done (its body read and handled) within `timeout`.
fn request_service(
    router: axum::Router,
    peer: SocketAddr,
    permit: &Permit,
    timeout: Duration,
    metrics: Arc<Metrics>,
) -> impl hyper::service::Service<Request<Incoming>, Response = Response, Error = Infallible, Future = Answer> {
    let (busy, activity) = (permit.busy_flag(), permit.activity());
    let inner = TowerToHyperService::new(router);
    hyper::service::service_fn(move |mut request: Request<Incoming>| -> Answer {
        busy.store(true, Ordering::Relaxed);
        request.extensions_mut().insert(ConnectInfo(peer));
        let answer = hyper::service::Service::call(&inner, request);
        let (busy, activity, metrics) = (busy.clone(), activity.clone(), metrics.clone());
        Box::pin(async move {
            let mut response = match tokio::time::timeout(timeout, answer).await {
                Ok(Ok(response)) => response,
                Ok(Err(never)) => match never {},
                Err(_) => {
                    metrics.rejected("http_request_timeout");
                    (StatusCode::REQUEST_TIMEOUT, "request not complete in time\n").into_response()
                }
            };
            // Refused before its body was read: the connection ends after this answer, and
            // says so, or a client would send its next request on a closing connection.
            if matches!(response.status(), StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT) {
                response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            busy.store(false, Ordering::Relaxed);
            activity.touch();
            Ok(response)
        })
    })
}

/// Half-closes the socket and reads (and drops) what the client still sends, for at most
/// [`LINGER`] or [`LINGER_BYTES`], before closing it.
async fn linger(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = stream.shutdown().await;
    let mut buf = [0u8; 8192];
    let mut drained = 0;
    let _ = tokio::time::timeout(LINGER, async {
        while drained < LINGER_BYTES {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    })
    .await;
}

/// Completes once `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Counts a connection that ended in an HTTP-level refusal (by hyper, before any handler).
pub fn count_error(metrics: &Metrics, e: &hyper::Error) {
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
