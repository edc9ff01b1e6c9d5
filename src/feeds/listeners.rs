//! The network side of the feeds: the OsmAnd HTTP listener, the API listener (`POST /alarms`,
//! `POST /traccar`, `GET /metrics`) and the NMEA TCP listener. Each request is parsed,
//! authenticated, submitted to the writer, and answered only once its events are durable.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, RawQuery, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use tokio::io::AsyncBufReadExt;
use tokio::net::{TcpListener, TcpStream};

use super::connections::{Gate, Permit};
use super::nmea::{self, Session};
use super::osmand::{self, SpeedUnit};
use super::tokens::Tokens;
use super::{alarm_api, calls, traccar};
use crate::ingest::{Ack, IngestHandle};
use crate::model::{now_millis, Event, FeedKind};
use crate::world::Outcome;

/// Largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;

/// How often a device refused for its token is logged at most.
const UNAUTHORIZED_LOG_EVERY: Duration = Duration::from_secs(60);
/// Devices remembered for that (the memory is cleared when it would grow past this).
const UNAUTHORIZED_LOG_DEVICES: usize = 4096;
/// Token refusals logged at most per minute in all (many made-up names must not flood the log).
const UNAUTHORIZED_LOG_LINES: u32 = 60;
/// Characters of a device name shown in the log.
const LOGGED_NAME_CHARS: usize = 64;

#[derive(Clone)]
pub struct FeedState {
    pub ingest: IngestHandle,
    pub tokens: Arc<Tokens>,
    pub speed_unit: SpeedUnit,
    /// When each refused device was last logged, and the minute's budget of lines.
    unauthorized_logged: Arc<Mutex<RefusalLog>>,
}

/// What the token-refusal log has written lately.
#[derive(Default)]
struct RefusalLog {
    devices: HashMap<String, Instant>,
    minute: Option<Instant>,
    lines: u32,
    suppressed: u64,
}

/// Marks a response whose refusal the handler has already counted.
#[derive(Clone, Copy)]
struct Counted;

/// Marks a response refusing a device for its token.
#[derive(Clone)]
struct Unauthorized(String);

impl FeedState {
    pub fn new(ingest: IngestHandle, tokens: Arc<Tokens>, speed_unit: SpeedUnit) -> Self {
        Self { ingest, tokens, speed_unit, unauthorized_logged: Arc::default() }
    }

    fn refuse(&self, reason: &'static str, status: StatusCode, message: String) -> Response {
        self.ingest.metrics().rejected(reason);
        (status, message).into_response().counted()
    }

    async fn accept(&self, feed: FeedKind, device: &str, token: Option<&str>, event: Event) -> Response {
        match self.unauthorized(feed, device, token) {
            None => respond(self.ingest.submit(vec![event]).await),
            Some(refused) => refused,
        }
    }

    /// Counts a message on its feed and checks the device's token: the refusal if it fails.
    fn unauthorized(&self, feed: FeedKind, device: &str, token: Option<&str>) -> Option<Response> {
        self.ingest.metrics().received(feed, 1);
        if self.tokens.allows(device, token) {
            return None;
        }
        let mut response =
            self.refuse("unauthorized", StatusCode::UNAUTHORIZED, format!("device {device}: missing or wrong token\n"));
        response.extensions_mut().insert(Unauthorized(device.to_string()));
        Some(response)
    }

    /// Takes a call or a location read from a request, its token from the body or the header;
    /// says when the world journaled it without acting on it (a report of a call that never
    /// rang, a location older than its call's).
    async fn accept_read(&self, feed: FeedKind, read: calls::Read, headers: &HeaderMap) -> Response {
        let token = read.token.or_else(|| bearer(headers));
        if let Some(refused) = self.unauthorized(feed, &read.device, token.as_deref()) {
            return refused;
        }
        match self.ingest.submit(vec![read.event]).await {
            Ack::Done { accepted: 1, outcomes, .. } if outcomes.iter().any(|o| matches!(o, Outcome::Refused(_))) => {
                let reason = outcomes.iter().find_map(|o| match o {
                    Outcome::Refused(reason) => Some(reason.as_str()),
                    Outcome::Applied => None,
                });
                (StatusCode::OK, format!("journaled, not applied: {}\n", reason.unwrap_or_default())).into_response()
            }
            ack => respond(ack),
        }
    }

    /// Logs a device refused for its token, with where it came from, at most once a minute
    /// per device (a panic button with a rotated token must not fail silently, nor flood).
    fn log_unauthorized(&self, device: &str, peer: Option<SocketAddr>) {
        let name: String = device.chars().take(LOGGED_NAME_CHARS).collect();
        let mut log = self.unauthorized_logged.lock().unwrap_or_else(|e| e.into_inner());
        if log.devices.get(&name).is_some_and(|at| at.elapsed() < UNAUTHORIZED_LOG_EVERY) {
            return;
        }
        if log.minute.is_none_or(|m| m.elapsed() >= Duration::from_secs(60)) {
            if log.suppressed > 0 {
                tracing::warn!("{} more token refusals were not logged in the last minute", log.suppressed);
            }
            (log.minute, log.lines, log.suppressed) = (Some(Instant::now()), 0, 0);
        }
        if log.lines >= UNAUTHORIZED_LOG_LINES {
            log.suppressed += 1;
            return;
        }
        if log.devices.len() >= UNAUTHORIZED_LOG_DEVICES {
            log.devices.clear();
        }
        log.devices.insert(name.clone(), Instant::now());
        log.lines += 1;
        let from = peer.map_or_else(|| "an unknown address".to_string(), |p| p.to_string());
        tracing::warn!("device {name:?} from {from}: refused, missing or wrong token");
    }
}

trait CountedResponse {
    fn counted(self) -> Self;
}

impl CountedResponse for Response {
    fn counted(mut self) -> Self {
        self.extensions_mut().insert(Counted);
        self
    }
}

/// Counts every client-error answer the handlers did not count themselves (a body over the
/// limit, a bad method, an unknown path) by status, and logs token refusals with the peer.
async fn watch_refusals(State(s): State<FeedState>, request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let response = next.run(request).await;
    if let Some(Unauthorized(device)) = response.extensions().get::<Unauthorized>() {
        s.log_unauthorized(device, peer);
    }
    if response.status().is_client_error() && response.extensions().get::<Counted>().is_none() {
        s.ingest.metrics().rejected(http_reason(response.status()));
    }
    response
}

fn http_reason(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "http_bad_request",
        StatusCode::NOT_FOUND => "http_not_found",
        StatusCode::METHOD_NOT_ALLOWED => "http_method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "http_body_too_large",
        StatusCode::URI_TOO_LONG => "http_uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "http_unsupported_media_type",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "http_header_too_large",
        _ => "http_client_error",
    }
}

fn respond(ack: Ack) -> Response {
    match ack {
        Ack::Done { rejected, .. } => match rejected.iter().find(|r| r.is_client_error()) {
            // The writer counted the refusal by its reason.
            Some(r) => (StatusCode::BAD_REQUEST, format!("refused: {}\n", r.reason())).into_response().counted(),
            None => StatusCode::OK.into_response(),
        },
        Ack::Shed => (StatusCode::SERVICE_UNAVAILABLE, "overloaded, retry later\n").into_response(),
        Ack::Failed(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("not stored: {e}\n")).into_response(),
    }
}

/// OsmAnd / Traccar Client listener: any method, any path.
pub fn osmand_router(state: FeedState) -> Router {
    Router::new()
        .fallback(any(osmand_request))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(from_fn_with_state(state.clone(), watch_refusals))
        .with_state(state)
}

async fn osmand_request(
    State(s): State<FeedState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let parsed = if is_json {
        osmand::parse_json(&body)
    } else {
        match query.filter(|q| !q.is_empty()) {
            Some(q) => osmand::parse_params(&q, s.speed_unit, now_millis()),
            None => match std::str::from_utf8(&body) {
                Ok(form) => osmand::parse_params(form, s.speed_unit, now_millis()),
                Err(_) => Err("form body is not text".into()),
            },
        }
    };
    match parsed {
        Ok(report) => {
            let token = report.token.clone().or_else(|| bearer(&headers));
            s.accept(FeedKind::Osmand, &report.device, token.as_deref(), report.event).await
        }
        Err(e) => s.refuse("malformed_osmand", StatusCode::BAD_REQUEST, format!("{e}\n")),
    }
}

/// The API listener: alarms, calls and callers' locations, Traccar forwarding, metrics.
pub fn api_router(state: FeedState) -> Router {
    Router::new()
        .route("/alarms", post(alarm_request))
        .route("/calls", post(call_request))
        .route("/aml", post(aml_request))
        .route("/sms", post(sms_request))
        .route("/messages", post(message_request))
        .route("/traccar", post(traccar_request))
        .route("/metrics", get(metrics_request))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(from_fn_with_state(state.clone(), watch_refusals))
        .with_state(state)
}

async fn alarm_request(State(s): State<FeedState>, headers: HeaderMap, body: Bytes) -> Response {
    match alarm_api::parse(&body) {
        Ok((device, token, event)) => {
            let token = token.or_else(|| bearer(&headers));
            s.accept(FeedKind::AlarmApi, &device, token.as_deref(), event).await
        }
        Err(e) => s.refuse("malformed_alarm", StatusCode::BAD_REQUEST, format!("{e}\n")),
    }
}

async fn call_request(State(s): State<FeedState>, headers: HeaderMap, body: Bytes) -> Response {
    match calls::parse_call(&body, now_millis()) {
        Ok(read) => s.accept_read(FeedKind::Telephony, read, &headers).await,
        Err(e) => s.refuse("malformed_call", StatusCode::BAD_REQUEST, format!("{e}\n")),
    }
}

async fn aml_request(State(s): State<FeedState>, headers: HeaderMap, body: Bytes) -> Response {
    match calls::parse_aml_https(&body, now_millis()) {
        Ok(read) => s.accept_read(FeedKind::Aml, read, &headers).await,
        Err(e) => s.refuse("malformed_aml", StatusCode::BAD_REQUEST, format!("{e}\n")),
    }
}

async fn sms_request(State(s): State<FeedState>, headers: HeaderMap, body: Bytes) -> Response {
    match calls::parse_sms(&body, now_millis()) {
        Ok(read) => s.accept_read(FeedKind::Aml, read, &headers).await,
        Err(e) => s.refuse("malformed_aml", StatusCode::BAD_REQUEST, format!("{e}\n")),
    }
}

async fn message_request(State(s): State<FeedState>, headers: HeaderMap, body: Bytes) -> Response {
    match calls::parse_message(&body, now_millis()) {
        Ok(read) => s.accept_read(FeedKind::Telephony, read, &headers).await,
        Err(e) => s.refuse("malformed_message", StatusCode::BAD_REQUEST, format!("{e}\n")),
    }
}

async fn traccar_request(State(s): State<FeedState>, headers: HeaderMap, body: Bytes) -> Response {
    match traccar::parse(&body) {
        Ok((device, event)) => s.accept(FeedKind::Traccar, &device, bearer(&headers).as_deref(), event).await,
        Err(e) => s.refuse("malformed_traccar", StatusCode::BAD_REQUEST, format!("{e}\n")),
    }
}

async fn metrics_request(State(s): State<FeedState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s.ingest.metrics().render()).into_response()
}

/// A gateway-wide token from `Authorization: Bearer ...`.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

/// A device that sends no line for this long is disconnected (receivers send every second or
/// few; a silent connection only holds a file descriptor).
pub const NMEA_SILENCE: Duration = Duration::from_secs(120);

/// Accepts NMEA connections under the gate until the listener is dropped.
pub async fn nmea_listener(listener: TcpListener, state: FeedState, gate: Gate) {
    loop {
        let (stream, peer, permit) = gate.accept(&listener, "nmea").await;
        let state = state.clone();
        tokio::spawn(async move {
            let outcome = tokio::select! {
                outcome = nmea_connection(stream, &state, &permit) => outcome,
                _ = permit.closed() => Err(NmeaEnd::ClosedForRoom),
            };
            if let Err(end) = outcome {
                if let Some(reason) = end.reason() {
                    state.ingest.metrics().rejected(reason);
                }
                tracing::debug!("nmea {peer}: closed: {end}");
            }
        });
    }
}

/// Why an NMEA connection ended early.
#[derive(Debug, thiserror::Error)]
enum NmeaEnd {
    #[error("closed before login")]
    NoLogin,
    #[error("bad login: {0}")]
    BadLogin(String),
    #[error("device {0}: missing or wrong token")]
    Unauthorized(String),
    #[error("a line over {} bytes", nmea::MAX_LINE)]
    LineTooLong,
    #[error("silent for {NMEA_SILENCE:?}")]
    Silent,
    #[error("closed to make room for another connection")]
    ClosedForRoom,
    #[error("{0}")]
    Io(std::io::Error),
}

impl NmeaEnd {
    /// The metrics reason, for ends that refuse something (a device that just hangs up after
    /// its last sentence is not a refusal).
    fn reason(&self) -> Option<&'static str> {
        match self {
            NmeaEnd::NoLogin => Some("nmea_no_login"),
            NmeaEnd::BadLogin(_) => Some("malformed_nmea"),
            NmeaEnd::Unauthorized(_) => Some("unauthorized"),
            NmeaEnd::LineTooLong => Some("nmea_line_too_long"),
            NmeaEnd::Silent => Some("nmea_silent"),
            NmeaEnd::ClosedForRoom | NmeaEnd::Io(_) => None,
        }
    }
}

async fn nmea_connection(stream: TcpStream, s: &FeedState, permit: &Permit) -> Result<(), NmeaEnd> {
    let mut reader = tokio::io::BufReader::new(stream);
    let mut line = Vec::with_capacity(nmea::MAX_LINE);
    let login = read_line(&mut reader, &mut line).await?.ok_or(NmeaEnd::NoLogin)?;
    let (device, token) = nmea::parse_login(&login).map_err(NmeaEnd::BadLogin)?;
    if !s.tokens.allows(&device, token.as_deref()) {
        return Err(NmeaEnd::Unauthorized(device));
    }
    let mut session = Session::default();
    while let Some(text) = read_line(&mut reader, &mut line).await? {
        permit.set_busy(true);
        s.ingest.metrics().received(FeedKind::Nmea, 1);
        match session.sentence(&text, now_millis()) {
            Ok(Some(fix)) => {
                s.ingest.submit_detached(vec![Event::Position { device: device.clone(), fix, feed: FeedKind::Nmea }])
            }
            Ok(None) => {}
            Err(_) => s.ingest.metrics().rejected("malformed_nmea"),
        }
        permit.set_busy(false);
        permit.touch();
    }
    Ok(())
}

/// One line, at most `nmea::MAX_LINE` bytes (a longer one ends the connection), within
/// [`NMEA_SILENCE`].
async fn read_line(
    reader: &mut tokio::io::BufReader<TcpStream>,
    line: &mut Vec<u8>,
) -> Result<Option<String>, NmeaEnd> {
    tokio::time::timeout(NMEA_SILENCE, read_line_now(reader, line)).await.map_err(|_| NmeaEnd::Silent)?
}

async fn read_line_now(
    reader: &mut tokio::io::BufReader<TcpStream>,
    line: &mut Vec<u8>,
) -> Result<Option<String>, NmeaEnd> {
    line.clear();
    loop {
        let buf = reader.fill_buf().await.map_err(NmeaEnd::Io)?;
        if buf.is_empty() {
            return Ok((!line.is_empty()).then(|| String::from_utf8_lossy(line).into_owned()));
        }
        let (taken, done) = match buf.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        line.extend_from_slice(&buf[..taken]);
        reader.consume(taken);
        if line.len() > nmea::MAX_LINE {
            return Err(NmeaEnd::LineTooLong);
        }
        if done {
            return Ok(Some(String::from_utf8_lossy(line).trim_end().to_string()));
        }
    }
}
