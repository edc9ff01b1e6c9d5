//! History to study: a span of a simulated centre (a month, say) written straight into a
//! journal, fast, for the analyst's desk, the tests and the benchmarks. The fleet patrols its
//! beats and reports every few seconds; 110 calls ring with a daily and weekly rhythm and are
//! routed, answered, judged and worked by the centre's simulated people (`centre.rs`); the odd
//! panic alarm is dispatched and resolved; and in the last week one zone's incidents rise (its
//! code is returned, for the early warning to find). The journal gets its timeline at the end.
//! Deterministic from a seed and a start time.

mod centre;

use std::path::Path;

use anyhow::{ensure, Context, Result};
use chrono::{Datelike, Timelike};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::hub::jurisdiction::Jurisdictions;
use crate::hub::switchboard::{Board, Intake};
use crate::journal::{timeline, FsyncPolicy, Journal, JournalConfig};
use crate::model::calls::{AmlTransport, FixMethod};
use crate::model::{CallPhase, CallerLocation, Channel, Event, Millis, Unit, WIB_MS};
use crate::sim::calls::CallTraffic;
use crate::sim::Simulator;
use crate::world::World;
use centre::Centre;

/// The share of a day's calls ringing in each local hour (WIB, UTC+7), before scaling to the
/// day's mean: quiet before dawn, busiest in the evening.
const HOURLY: [f64; 24] = [
    0.55, 0.40, 0.30, 0.25, 0.30, 0.50, 0.80, 1.00, 1.05, 1.00, 1.00, 1.05, 1.10, 1.05, 1.00, 1.05, 1.15, 1.30, 1.40,
    1.50, 1.50, 1.35, 1.05, 0.80,
];
/// How much busier weekends are (Friday, Saturday, Sunday).
const WEEKEND: [f64; 3] = [1.10, 1.20, 1.15];
/// In the rising zone's last week, genuine calls come this many times as often as before.
const RISE: f64 = 2.0;
const RISE_SPAN_MS: Millis = 7 * 24 * 3_600_000;
/// The share of calls that are genuine (CALLS.md: 2 to 11 percent).
const VALID_SHARE: f64 = 0.1;

#[derive(Clone, Debug)]
pub struct HistoryConfig {
    pub start: Millis,
    pub span_ms: Millis,
    /// Each unit reports its position this often.
    pub report_every_ms: Millis,
    /// The day's mean rate of 110 calls.
    pub calls_per_min: f64,
    pub seed: u64,
}

/// What the history is made of: the fleet's simulator, the 110 traffic, the roster, the
/// organisation tree with its zones (none: calls are not routed and nothing rises), and the
/// places where callers are.
pub struct Setting {
    pub sim: Simulator,
    pub traffic: CallTraffic,
    pub roster: Vec<Unit>,
    pub jurisdictions: Option<Jurisdictions>,
    pub places: Vec<(f64, f64)>,
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct Written {
    pub records: u64,
    pub calls: usize,
    pub incidents: usize,
    pub keyframes: u64,
    /// The zone made to rise, and from when.
    pub rising: Option<(String, Millis)>,
}

/// The zone whose genuine calls rise in the last week, where they come from and how often.
struct Rising {
    code: String,
    places: Vec<(f64, f64)>,
    from: Millis,
    per_min: f64,
    count: u64,
}

/// Writes the history into a new journal at `out` (refused if one is there), then its
/// timeline.
pub fn write(out: &Path, setting: Setting, config: &HistoryConfig) -> Result<Written> {
    ensure!(config.span_ms >= 60_000, "the history must span at least a minute");
    ensure!(config.report_every_ms >= 1_000, "positions at most once a second");
    ensure!(
        !out.join("events").exists() && !out.join("positions").exists(),
        "{} already holds a journal: give a new folder",
        out.display()
    );
    let Setting { mut sim, mut traffic, roster, jurisdictions, places } = setting;
    ensure!(!places.is_empty(), "no places for callers to be");
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x415);
    let end = config.start.checked_add(config.span_ms).context("the history would end past the year 292 million")?;
    let mut rising = jurisdictions.as_ref().and_then(|j| choose_rising(j, &places, config, end, &mut rng));
    let board = jurisdictions.as_ref().map(|j| Board {
        jurisdictions: j,
        answer_within: crate::model::calls::ANSWER_TARGET_MS,
        give_up_after: crate::model::calls::GIVE_UP_MS,
        seats_back_at: config.start,
        intake: Intake::Nearest,
    });
    let nodes: Vec<String> =
        jurisdictions.as_ref().map(|j| j.org.nodes().iter().map(|n| n.id.clone()).collect()).unwrap_or_default();
    let mut centre = Centre::new(board, &nodes, &places, config.seed, config.start);
    let journal_config = JournalConfig {
        fsync: FsyncPolicy::Never,
        position_retention: None,
        snapshot_every: Some(u64::MAX),
        ..JournalConfig::new(out)
    };
    let (mut journal, _) = Journal::open(journal_config)?;
    let mut world = World::new();
    let mut written = Written { rising: rising.as_ref().map(|r| (r.code.clone(), r.from)), ..Written::default() };
    let enrol = crate::model::enrolment(&roster, config.start);
    written.records += commit(&mut journal, &mut world, enrol, config.start)?;
    let mut now = config.start;
    while now < end {
        now += 1_000;
        let mut batch = Vec::new();
        let factor = rhythm(now);
        traffic.set_calls_per_min(config.calls_per_min * factor);
        batch.extend(traffic.step(1_000));
        if let Some(rising) = rising.as_mut().filter(|r| now >= r.from) {
            batch.extend(rising.calls(now, factor, &mut rng, &mut centre));
        }
        if (now - config.start) % config.report_every_ms == 0 {
            batch.extend(sim.step(config.report_every_ms));
        }
        world.apply(&batch);
        let decisions = centre.act(&world, now);
        world.apply(&decisions);
        batch.extend(decisions);
        if !batch.is_empty() {
            journal.append(&batch, now)?;
            written.records += batch.len() as u64;
        }
        world.take_changes();
    }
    journal.sync()?;
    journal.count_unsnapshotted(1);
    journal.snapshot(&world)?;
    drop(journal);
    (written.calls, written.incidents) = (world.calls().len(), world.incidents().len());
    written.keyframes = timeline::update(out).context("cannot make the journal's timeline")?.keyframes;
    Ok(written)
}

/// Applies and appends a batch at `time`; how many records it made.
fn commit(journal: &mut Journal, world: &mut World, batch: Vec<Event>, time: Millis) -> Result<u64> {
    if batch.is_empty() {
        return Ok(0);
    }
    world.apply(&batch);
    journal.append(&batch, time)?;
    Ok(batch.len() as u64)
}

/// How busy 110 is at `time` against the day's mean: the hour's share and the weekend's.
pub fn rhythm(time: Millis) -> f64 {
    let mean = HOURLY.iter().sum::<f64>() / 24.0;
    let local = chrono::DateTime::from_timestamp_millis(time.saturating_add(WIB_MS)).unwrap_or_default();
    let day = match local.weekday() {
        chrono::Weekday::Fri => WEEKEND[0],
        chrono::Weekday::Sat => WEEKEND[1],
        chrono::Weekday::Sun => WEEKEND[2],
        _ => 1.0,
    };
    HOURLY[local.hour() as usize] / mean * day
}

/// One of the finest zones holding a fair share of the callers' places, chosen by the seed,
/// to rise in the last week of the span.
fn choose_rising(
    jurisdictions: &Jurisdictions,
    places: &[(f64, f64)],
    config: &HistoryConfig,
    end: Millis,
    rng: &mut ChaCha8Rng,
) -> Option<Rising> {
    let zones = &jurisdictions.zones;
    let finest = zones.zones().iter().map(|z| z.level).max()?;
    let mut held: std::collections::BTreeMap<String, Vec<(f64, f64)>> = Default::default();
    for &(lon, lat) in places {
        if let Some(zone) = zones.lookup(lon, lat).into_iter().find(|z| z.level == finest) {
            held.entry(zone.code.clone()).or_default().push((lon, lat));
        }
    }
    let enough = (places.len() / 50).max(3);
    let candidates: Vec<(String, Vec<(f64, f64)>)> = held.into_iter().filter(|(_, p)| p.len() >= enough).collect();
    if candidates.is_empty() {
        return None;
    }
    let (code, zone_places) = candidates[rng.random_range(0..candidates.len())].clone();
    let share = zone_places.len() as f64 / places.len() as f64;
    let per_min = config.calls_per_min * VALID_SHARE * share * (RISE - 1.0);
    let from = (end - RISE_SPAN_MS).max(config.start);
    Some(Rising { code, places: zone_places, from, per_min, count: 0 })
}

impl Rising {
    /// The rising zone's extra genuine calls in the second before `now`, each with its
    /// caller's location, marked genuine with the centre.
    fn calls(&mut self, now: Millis, factor: f64, rng: &mut ChaCha8Rng, centre: &mut Centre) -> Vec<Event> {
        let chance = (self.per_min * factor / 60.0).min(1.0);
        if !rng.random_bool(chance) {
            return Vec::new();
        }
        self.count += 1;
        let key = format!("rise-{}", self.count);
        let number = format!("+628{:010}", rng.random_range(1_000_000_000_u64..9_999_999_999));
        let (lon, lat) = self.places[rng.random_range(0..self.places.len())];
        // Close to the place (a zone's edge may run near it).
        let location = CallerLocation {
            lon: lon + rng.random_range(-0.00003..0.00003),
            lat: lat + rng.random_range(-0.00003..0.00003),
            radius: rng.random_range(8.0..40.0),
            time: now,
            method: FixMethod::Gnss,
            confidence: Some(68),
            transport: AmlTransport::Sms,
        };
        centre.genuine(key.clone());
        let ring = Event::Call {
            call: key,
            phase: CallPhase::Ringing,
            number: number.clone(),
            channel: Channel::Voice,
            trunk: None,
            time: now,
            text: None,
        };
        vec![ring, Event::CallerLocation { number, location }]
    }
}
