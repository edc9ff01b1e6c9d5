//! The fuzz targets by name. Each feeds one input to one parser the way pantau's own listeners
//! and loaders do, must return whatever the bytes are, and says whether pantau took the input.
//! This file is also compiled into the main package's tests, so it uses only `pantau` and
//! `tempfile`.

use std::path::Path;

use pantau::basemap::mesh::MeshBuilder;
use pantau::crs::TileId;
use pantau::feeds::osmand::{self, SpeedUnit};
use pantau::feeds::{alarm_api, calls, mqtt, nmea, tokens::Tokens, traccar};
use pantau::ingest::Validator;
use pantau::journal::{self, snapshot, Journal, JournalConfig};
use pantau::layer_files::{load_cameras, load_units, load_zones};
use pantau::model::{legacy, Event, FeedKind};

/// A fixed server clock, so a run is reproducible (2026-11-30T12:00:00Z).
const NOW: i64 = 1_796_040_000_000;

/// A target: the input's bytes in, whether pantau took the input out.
pub type Target = fn(&[u8]) -> bool;

/// Every target: its name (the folder under `fuzz/corpus/`) and its function.
pub const TARGETS: &[(&str, Target)] = &[
    ("osmand_query", osmand_query),
    ("osmand_json", osmand_json),
    ("traccar_json", traccar_json),
    ("alarm_json", alarm_json),
    ("call_json", call_json),
    ("aml_https", aml_https),
    ("aml_sms", aml_sms),
    ("message_json", message_json),
    ("nmea", nmea_session),
    ("mqtt_message", mqtt_message),
    ("tokens", tokens_file),
    ("layer_geojson", |data| layer_file(data, "geojson")),
    ("layer_csv", |data| layer_file(data, "csv")),
    ("layer_fgb", |data| layer_file(data, "fgb")),
    ("journal_segment", journal_segment),
    ("journal_payload", journal_payload),
    ("journal_snapshot", journal_snapshot),
    ("mvt_tile", mvt_tile),
    ("hub_message", hub_message),
    ("plan_toml", plan_file),
];

/// A message a seat sends the hub (a WebSocket text frame): taken when it reads as a login or
/// a desk's command within its limits.
fn hub_message(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else { return false };
    pantau::hub::protocol::ToHub::decode(text).is_ok()
}

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// An OsmAnd query string or form body (the listener refuses bodies that are not UTF-8).
fn osmand_query(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else { return false };
    [SpeedUnit::Knots, SpeedUnit::Kmh]
        .into_iter()
        .map(|unit| osmand::parse_params(text, unit, NOW).is_ok_and(|report| checked(report.event)))
        .fold(false, |any, taken| any | taken)
}

fn osmand_json(data: &[u8]) -> bool {
    osmand::parse_json(data).is_ok_and(|report| checked(report.event))
}

fn traccar_json(data: &[u8]) -> bool {
    traccar::parse(data).is_ok_and(|(_, event)| checked(event))
}

fn alarm_json(data: &[u8]) -> bool {
    alarm_api::parse(data).is_ok_and(|(_, _, event)| checked(event))
}

/// A telephony bridge's report (`POST /calls`), applied to a world twice (a resend).
fn call_json(data: &[u8]) -> bool {
    calls::parse_call(data, NOW).is_ok_and(|read| applied(read.event))
}

/// AML over HTTPS (`POST /aml`): applied to a world where a call rings from every number.
fn aml_https(data: &[u8]) -> bool {
    calls::parse_aml_https(data, NOW).is_ok_and(|read| applied(read.event))
}

/// An AML SMS as the gateway posts it (`POST /sms`), applied likewise.
fn aml_sms(data: &[u8]) -> bool {
    calls::parse_sms(data, NOW).is_ok_and(|read| applied(read.event))
}

/// A message to 110 (`POST /messages`), applied likewise.
fn message_json(data: &[u8]) -> bool {
    calls::parse_message(data, NOW).is_ok_and(|read| applied(read.event))
}

/// A call or location through the ingest checks and into a world where the location's number
/// is on a call, twice; whatever the world makes of it, it must not panic.
fn applied(event: Event) -> bool {
    let mut world = pantau::world::World::new();
    if let Event::CallerLocation { number, .. } = &event {
        let phase = pantau::model::CallPhase::Ringing;
        let channel = pantau::model::Channel::Voice;
        world.apply(&[Event::Call {
            call: "c".into(),
            phase,
            number: number.clone(),
            channel,
            trunk: None,
            time: NOW,
            text: None,
        }]);
    }
    let Ok(event) = Validator::new(Default::default()).check(event, NOW) else { return false };
    world.apply(&[event.clone(), event]);
    true
}

/// A parsed event through the ingest checks, as every feed does: a position may be refused, an
/// alarm never is.
fn checked(event: Event) -> bool {
    let alarm = matches!(event, Event::Alarm { .. });
    let taken = Validator::new(Default::default()).check(event, NOW).is_ok();
    assert!(taken || !alarm, "an alarm was refused for its content");
    taken
}

/// A TCP session: a login line, then sentences, split and cut as the listener does.
fn nmea_session(data: &[u8]) -> bool {
    let mut lines = data.split(|b| *b == b'\n').filter(|l| l.len() <= nmea::MAX_LINE);
    let text = |line: &[u8]| String::from_utf8_lossy(line).trim_end().to_string();
    let Some(Ok((device, _))) = lines.next().map(|login| nmea::parse_login(&text(login))) else { return false };
    let mut session = nmea::Session::default();
    let mut fixes = 0;
    for line in lines {
        if let Ok(Some(fix)) = session.sentence(&text(line), NOW) {
            fixes += usize::from(checked(Event::Position { device: device.clone(), fix, feed: FeedKind::Nmea }));
        }
    }
    fixes > 0
}

/// An MQTT message (OwnTracks or alarm JSON): the topic on the first line, the payload after.
fn mqtt_message(data: &[u8]) -> bool {
    let (topic, payload) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    match mqtt::parse_message(&String::from_utf8_lossy(topic), payload) {
        Ok(Some(event)) => checked(event),
        _ => false,
    }
}

fn tokens_file(data: &[u8]) -> bool {
    Tokens::parse(&String::from_utf8_lossy(data)).is_ok()
}

/// A layer file as the operator passes it: cameras, zones and the roster all read it.
fn layer_file(data: &[u8], extension: &str) -> bool {
    let Ok(dir) = tempfile::tempdir() else { return false };
    let path = dir.path().join(format!("layer.{extension}"));
    if std::fs::write(&path, data).is_err() {
        return false;
    }
    let cameras = load_cameras(&path).is_ok_and(|c| !c.is_empty());
    let zones = load_zones(&path).is_ok_and(|z| !z.is_empty());
    let units = load_units(&path).is_ok_and(|u| !u.is_empty());
    cameras || zones || units
}

/// An operation plan file as `pantau plan check` and `pantau act plan` read it; a plan read is
/// then saved into a world, which checks it again.
fn plan_file(data: &[u8]) -> bool {
    let Ok(dir) = tempfile::tempdir() else { return false };
    let path = dir.path().join("plan.toml");
    if std::fs::write(&path, data).is_err() {
        return false;
    }
    let Ok(draft) = pantau::layer_files::read_plan(&path) else { return false };
    let mut world = pantau::world::World::new();
    let save = pantau::model::Event::Command {
        user: "fuzz".into(),
        role: pantau::model::Role::Commander,
        time: NOW,
        command: pantau::model::Command::SavePlan { plan: draft.plan },
    };
    world.apply_one(&save) == pantau::world::Outcome::Applied
}

/// An events segment as found on disk: verified, replayed, then opened (which recovers);
/// taken when it replays.
fn journal_segment(data: &[u8]) -> bool {
    let Ok(dir) = tempfile::tempdir() else { return false };
    if write_in(dir.path(), "events/000001.seg", data).is_err() {
        return false;
    }
    let _ = journal::verify(dir.path());
    let replayed = journal::replay(dir.path()).is_ok();
    let _ = Journal::open(JournalConfig::new(dir.path()));
    replayed
}

/// A record's payload past its checksum (the fuzzer cannot forge CRC-32 and BLAKE3, so the
/// event decoder, with its fallbacks to earlier shapes, is a target of its own).
fn journal_payload(data: &[u8]) -> bool {
    legacy::decode_event(data).is_ok()
}

fn journal_snapshot(data: &[u8]) -> bool {
    let Ok(dir) = tempfile::tempdir() else { return false };
    let path = dir.path().join("snapshot.snap");
    std::fs::write(&path, data).is_ok() && snapshot::read(&path).is_ok()
}

/// A vector tile as the map loads it: decoded and tessellated.
fn mvt_tile(data: &[u8]) -> bool {
    MeshBuilder::default().build(TileId::new(14, 13_058, 8_477), data).is_ok_and(|mesh| !mesh.is_empty())
}

fn write_in(dir: &Path, name: &str, data: &[u8]) -> std::io::Result<()> {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, data)
}
