//! Simulated 110 traffic, as a telephony bridge and callers' phones report it: calls ring at a
//! steady rate from a pool of numbers (a few repeat pranksters among them calling every two
//! minutes), most phones send their AML location a few seconds in, a share of callers hang up
//! while it rings, and every answered call ends after a conversation. Deterministic from a
//! seed. What the call takers decide is not here: that is the seats' (see
//! `ops::colleagues`).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::calls::{AmlTransport, FixMethod};
use crate::model::{CallPhase, CallerLocation, Channel, Event, Millis};

/// How the traffic runs.
#[derive(Clone, Debug)]
pub struct CallTrafficConfig {
    pub calls_per_min: f64,
    /// The share of calls whose phone sends an AML location.
    pub aml_share: f64,
    /// The share of callers who hang up while it still rings.
    pub hang_up_share: f64,
    pub seed: u64,
}

impl Default for CallTrafficConfig {
    fn default() -> Self {
        Self { calls_per_min: 4.0, aml_share: 0.7, hang_up_share: 0.35, seed: 110 }
    }
}

/// A call in progress, and what its caller does next.
struct Live {
    key: String,
    number: String,
    rang_at: Millis,
    /// When the phone's location comes (if it sends one).
    aml_at: Option<Millis>,
    /// When the caller hangs up while it rings (if they do).
    hangs_up_at: Option<Millis>,
}

/// The traffic: `step` returns the reports of the time passed.
pub struct CallTraffic {
    config: CallTrafficConfig,
    rng: ChaCha8Rng,
    /// Where callers are: points inside the city (road nodes, say).
    places: Vec<(f64, f64)>,
    /// Numbers that call again and again, each with when it calls next.
    pranksters: Vec<(String, Millis)>,
    live: Vec<Live>,
    count: u64,
    now: Millis,
}

/// A repeat prankster calls this often.
const PRANK_EVERY_MS: Millis = 120_000;

impl CallTraffic {
    pub fn new(config: CallTrafficConfig, places: Vec<(f64, f64)>, start: Millis) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let pranksters =
            (0..3).map(|_| (random_number(&mut rng), start + rng.random_range(10_000..PRANK_EVERY_MS))).collect();
        Self { config, rng, places, pranksters, live: Vec::new(), count: 0, now: start }
    }

    /// Rings at a new rate from now on (a day's rhythm).
    pub fn set_calls_per_min(&mut self, calls_per_min: f64) {
        self.config.calls_per_min = calls_per_min.max(0.0);
    }

    /// Reports of the next `dt_ms`: calls ringing, locations, hang-ups.
    pub fn step(&mut self, dt_ms: Millis) -> Vec<Event> {
        self.now += dt_ms;
        let mut events = Vec::new();
        let mut budget = self.config.calls_per_min / 60_000.0 * dt_ms as f64;
        while budget > 0.0 && self.rng.random_bool(budget.min(1.0)) {
            let number = random_number(&mut self.rng);
            events.extend(self.ring(number));
            budget -= 1.0;
        }
        for i in 0..self.pranksters.len() {
            if self.pranksters[i].1 <= self.now {
                self.pranksters[i].1 = self.now + PRANK_EVERY_MS;
                let number = self.pranksters[i].0.clone();
                events.extend(self.ring(number));
            }
        }
        events.extend(self.callers_act());
        events
    }

    fn ring(&mut self, number: String) -> Vec<Event> {
        self.count += 1;
        let key = format!("sim-{}", self.count);
        let aml = !self.places.is_empty() && self.rng.random_bool(self.config.aml_share);
        let aml_at = aml.then(|| self.now + self.rng.random_range(1_000..6_000));
        let hangs_up = self.rng.random_bool(self.config.hang_up_share);
        let hangs_up_at = hangs_up.then(|| self.now + self.rng.random_range(2_000..8_000));
        let ringing = report(&key, CallPhase::Ringing, &number, self.now);
        self.live.push(Live { key, number, rang_at: self.now, aml_at, hangs_up_at });
        vec![ringing]
    }

    /// Locations sent and hang-ups due; calls are forgotten a minute after they rang (an
    /// answered call's end is the seat's to report in the demo).
    fn callers_act(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        let now = self.now;
        for i in 0..self.live.len() {
            if self.live[i].aml_at.is_some_and(|at| at <= now) {
                self.live[i].aml_at = None;
                let (lon, lat) = self.places[self.rng.random_range(0..self.places.len())];
                let location = CallerLocation {
                    lon: lon + self.rng.random_range(-0.0005..0.0005),
                    lat: lat + self.rng.random_range(-0.0005..0.0005),
                    radius: self.rng.random_range(8.0..60.0),
                    time: now,
                    method: FixMethod::Gnss,
                    confidence: Some(68),
                    transport: AmlTransport::Sms,
                };
                events.push(Event::CallerLocation { number: self.live[i].number.clone(), location });
            }
            if self.live[i].hangs_up_at.is_some_and(|at| at <= now) {
                self.live[i].hangs_up_at = None;
                let call = &self.live[i];
                events.push(report(&call.key, CallPhase::Ended, &call.number, now));
            }
        }
        self.live.retain(|c| now - c.rang_at < 60_000);
        events
    }
}

fn report(key: &str, phase: CallPhase, number: &str, time: Millis) -> Event {
    Event::Call {
        call: key.into(),
        phase,
        number: number.into(),
        channel: Channel::Voice,
        trunk: None,
        time,
        text: None,
    }
}

/// An Indonesian mobile number (+628 and ten digits).
fn random_number(rng: &mut ChaCha8Rng) -> String {
    format!("+628{:010}", rng.random_range(1_000_000_000_u64..9_999_999_999))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_rings_at_its_rate_with_locations_hang_ups_and_repeat_pranksters() {
        let config = CallTrafficConfig { calls_per_min: 6.0, ..CallTrafficConfig::default() };
        let mut traffic = CallTraffic::new(config, vec![(106.8, -6.2)], 0);
        let events: Vec<Event> = (0..6_000).flat_map(|_| traffic.step(100)).collect(); // ten minutes
        let rung: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                Event::Call { phase: CallPhase::Ringing, number, .. } => Some(number.as_str()),
                _ => None,
            })
            .collect();
        // About 60 at random plus three pranksters calling every two minutes.
        assert!((55..=110).contains(&rung.len()), "{} calls in ten minutes", rung.len());
        let repeats = rung.iter().filter(|n| rung.iter().filter(|m| m == n).count() >= 4).count();
        assert!(repeats >= 12, "pranksters call again and again: {repeats}");
        let located = events.iter().filter(|e| matches!(e, Event::CallerLocation { .. })).count();
        let hung_up = events.iter().filter(|e| matches!(e, Event::Call { phase: CallPhase::Ended, .. })).count();
        assert!(located * 10 > rung.len() * 5 && hung_up * 10 > rung.len() * 2, "{located} located, {hung_up} hung up");
        let again: Vec<Event> = {
            let mut traffic = CallTraffic::new(
                CallTrafficConfig { calls_per_min: 6.0, ..CallTrafficConfig::default() },
                vec![(106.8, -6.2)],
                0,
            );
            (0..6_000).flat_map(|_| traffic.step(100)).collect()
        };
        assert_eq!(events, again, "the same seed, the same traffic");
    }
}
