//! Feed counters, served as Prometheus text at `/metrics`: messages received per feed, events
//! accepted per kind, rejections per reason (refused logins at the hub among them), positions
//! shed under overload, journal batches, and the hub's seats and the worlds it sent again.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::model::{EventKind, FeedKind};

#[derive(Default)]
pub struct Metrics {
    received: Mutex<BTreeMap<&'static str, u64>>,
    rejected: Mutex<BTreeMap<&'static str, u64>>,
    pub accepted_positions: AtomicU64,
    pub accepted_alarms: AtomicU64,
    pub accepted_commands: AtomicU64,
    pub accepted_calls: AtomicU64,
    pub shed_positions: AtomicU64,
    pub journal_batches: AtomicU64,
    pub queued_positions: AtomicU64,
    /// Seats logged in to the hub now.
    pub hub_seats: AtomicU64,
    /// Times the hub sent a seat the world again because it fell behind.
    pub hub_resyncs: AtomicU64,
}

impl Metrics {
    pub fn received(&self, feed: FeedKind, n: u64) {
        if let Ok(mut m) = self.received.lock() {
            *m.entry(feed_name(feed)).or_insert(0) += n;
        }
    }

    pub fn rejected(&self, reason: &'static str) {
        if let Ok(mut m) = self.rejected.lock() {
            *m.entry(reason).or_insert(0) += 1;
        }
    }

    pub fn rejected_count(&self, reason: &str) -> u64 {
        self.rejected.lock().ok().and_then(|m| m.get(reason).copied()).unwrap_or(0)
    }

    pub fn accepted(&self, kind: EventKind) {
        let counter = match kind {
            EventKind::Position => &self.accepted_positions,
            EventKind::Alarm => &self.accepted_alarms,
            EventKind::Command => &self.accepted_commands,
            EventKind::Call => &self.accepted_calls,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP pantau_feed_messages_total Messages received, by feed.\n# TYPE pantau_feed_messages_total counter\n");
        if let Ok(m) = self.received.lock() {
            for (feed, n) in m.iter() {
                out.push_str(&format!("pantau_feed_messages_total{{feed=\"{feed}\"}} {n}\n"));
            }
        }
        out.push_str("# HELP pantau_events_accepted_total Events journaled and applied, by kind.\n# TYPE pantau_events_accepted_total counter\n");
        for (kind, c) in [
            ("position", &self.accepted_positions),
            ("alarm", &self.accepted_alarms),
            ("command", &self.accepted_commands),
            ("call", &self.accepted_calls),
        ] {
            out.push_str(&format!("pantau_events_accepted_total{{kind=\"{kind}\"}} {}\n", c.load(Ordering::Relaxed)));
        }
        out.push_str("# HELP pantau_events_rejected_total Events refused by validation, by reason.\n# TYPE pantau_events_rejected_total counter\n");
        if let Ok(m) = self.rejected.lock() {
            for (reason, n) in m.iter() {
                out.push_str(&format!("pantau_events_rejected_total{{reason=\"{reason}\"}} {n}\n"));
            }
        }
        let scalar = |out: &mut String, name: &str, kind: &str, help: &str, v: u64| {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}\n"));
        };
        scalar(
            &mut out,
            "pantau_positions_shed_total",
            "counter",
            "Positions dropped under overload (oldest first).",
            self.shed_positions.load(Ordering::Relaxed),
        );
        scalar(
            &mut out,
            "pantau_journal_batches_total",
            "counter",
            "Batches made durable.",
            self.journal_batches.load(Ordering::Relaxed),
        );
        scalar(
            &mut out,
            "pantau_positions_queued",
            "gauge",
            "Positions waiting for the writer.",
            self.queued_positions.load(Ordering::Relaxed),
        );
        scalar(
            &mut out,
            "pantau_hub_seats",
            "gauge",
            "Seats logged in to the hub.",
            self.hub_seats.load(Ordering::Relaxed),
        );
        scalar(
            &mut out,
            "pantau_hub_resyncs_total",
            "counter",
            "Seats sent the world again because they fell behind.",
            self.hub_resyncs.load(Ordering::Relaxed),
        );
        out
    }
}

pub fn feed_name(feed: FeedKind) -> &'static str {
    match feed {
        FeedKind::Osmand => "osmand",
        FeedKind::Traccar => "traccar",
        FeedKind::Nmea => "nmea",
        FeedKind::AlarmApi => "alarm_api",
        FeedKind::Mqtt => "mqtt",
        FeedKind::Simulator => "simulator",
        FeedKind::Telephony => "telephony",
        FeedKind::Aml => "aml",
    }
}
