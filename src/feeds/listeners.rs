//! The network side of the feeds: the OsmAnd HTTP listener, the API listener (`POST /alarms`,
//! `POST /traccar`, `GET /metrics`) and the NMEA TCP listener. Each request is parsed,
//! authenticated, submitted to the writer, and answered only once its events are durable.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use tokio::io::AsyncBufReadExt;
use tokio::net::{TcpListener, TcpStream};

use super::nmea::{self, Session};
use super::osmand::{self, SpeedUnit};
use super::tokens::Tokens;
use super::{alarm_api, traccar};
use crate::ingest::{Ack, IngestHandle};
use crate::model::{now_millis, Event, FeedKind};

/// Largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;

#[derive(Clone)]
pub struct FeedState {
    pub ingest: IngestHandle,
    pub tokens: Arc<Tokens>,
    pub speed_unit: SpeedUnit,
}

impl FeedState {
    fn refuse(&self, reason: &'static str, status: StatusCode, message: String) -> Response {
        self.ingest.metrics().rejected(reason);
        (status, message).into_response()
    }

    async fn accept(&self, feed: FeedKind, device: &str, token: Option<&str>, event: Event) -> Response {
        self.ingest.metrics().received(feed, 1);
        if !self.tokens.allows(device, token) {
            return self.refuse(
                "unauthorized",
                StatusCode::UNAUTHORIZED,
                format!("device {device}: missing or wrong token\n"),
            );
        }
        respond(self.ingest.submit(vec![event]).await)
    }
}

fn respond(ack: Ack) -> Response {
    match ack {
        Ack::Done { rejected, .. } => match rejected.iter().find(|r| r.is_client_error()) {
            Some(r) => (StatusCode::BAD_REQUEST, format!("refused: {}\n", r.reason())).into_response(),
            None => StatusCode::OK.into_response(),
        },
        Ack::Shed => (StatusCode::SERVICE_UNAVAILABLE, "overloaded, retry later\n").into_response(),
        Ack::Failed(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("not stored: {e}\n")).into_response(),
    }
}

/// OsmAnd / Traccar Client listener: any method, any path.
pub fn osmand_router(state: FeedState) -> Router {
    Router::new().fallback(any(osmand_request)).layer(DefaultBodyLimit::max(MAX_BODY)).with_state(state)
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

/// The API listener: alarms, Traccar forwarding, metrics.
pub fn api_router(state: FeedState) -> Router {
    Router::new()
        .route("/alarms", post(alarm_request))
        .route("/traccar", post(traccar_request))
        .route("/metrics", get(metrics_request))
        .layer(DefaultBodyLimit::max(MAX_BODY))
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

/// Accepts NMEA connections until the listener is dropped.
pub async fn nmea_listener(listener: TcpListener, state: FeedState) {
    loop {
        let Ok((stream, peer)) = listener.accept().await else { continue };
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(e) = nmea_connection(stream, &state).await {
                tracing::info!("nmea {peer}: closed: {e}");
            }
        });
    }
}

async fn nmea_connection(stream: TcpStream, s: &FeedState) -> Result<(), String> {
    let mut reader = tokio::io::BufReader::new(stream);
    let mut line = Vec::with_capacity(nmea::MAX_LINE);
    let login = read_line(&mut reader, &mut line).await?.ok_or("closed before login")?;
    let (device, token) = nmea::parse_login(&login).inspect_err(|_| s.ingest.metrics().rejected("malformed_nmea"))?;
    if !s.tokens.allows(&device, token.as_deref()) {
        s.ingest.metrics().rejected("unauthorized");
        return Err(format!("device {device}: missing or wrong token"));
    }
    let mut session = Session::default();
    while let Some(text) = read_line(&mut reader, &mut line).await? {
        s.ingest.metrics().received(FeedKind::Nmea, 1);
        match session.sentence(&text, now_millis()) {
            Ok(Some(fix)) => {
                s.ingest.submit_detached(vec![Event::Position { device: device.clone(), fix, feed: FeedKind::Nmea }])
            }
            Ok(None) => {}
            Err(_) => s.ingest.metrics().rejected("malformed_nmea"),
        }
    }
    Ok(())
}

/// One line, at most `nmea::MAX_LINE` bytes (a longer one ends the connection).
async fn read_line(reader: &mut tokio::io::BufReader<TcpStream>, line: &mut Vec<u8>) -> Result<Option<String>, String> {
    line.clear();
    loop {
        let buf = reader.fill_buf().await.map_err(|e| e.to_string())?;
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
            return Err("line too long".into());
        }
        if done {
            return Ok(Some(String::from_utf8_lossy(line).trim_end().to_string()));
        }
    }
}
