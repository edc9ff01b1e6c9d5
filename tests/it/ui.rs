//! The console driven through egui's own test harness (egui_kittest), on a live session over
//! the demo city: an alarm arrives in the queue, selecting it lists the nearest available units
//! with road ETAs, **Dispatch** changes the unit's status and writes a journal record; a
//! viewer's console offers no dispatch, and a dispatch forced from it is refused by the world.

use crate::common;

use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use pantau::demo;
use pantau::model::{AlarmState, Role, UnitStatus};
use pantau::ops::{Session, SessionConfig};
use pantau::ui::draw::look::contrast;
use pantau::ui::Console;

fn console(role: Role) -> (Console, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let files = demo::write(1, &dir.path().join("demo")).expect("demo city");
    let config =
        SessionConfig::quiet_demo(&files, dir.path().join("journal"), &format!("{role:?}").to_lowercase(), role);
    let session = Session::start(config).expect("session");
    (Console::new(session, false, Vec::new(), Vec::new(), Vec::new()), dir)
}

/// Three units near the centre and a panic alarm beside them, through the feed path.
fn raise_alarm(console: &Console) {
    let events = common::units_and_alarm_near_centre(30, "site-market-007");
    drop(console.session.ingest().expect("running").send(events));
}

/// The text a widget shows (a button's is its label, a text label's its value).
fn shown_text(node: &egui_kittest::Node<'_>) -> String {
    let node = node.accesskit_node();
    node.label().or(node.value()).unwrap_or_default().to_string()
}

/// A unit's SOS without a fix, as a phone app sends it over OsmAnd.
fn sos(unit: &str, priority: u8, time: pantau::model::Millis) -> pantau::model::Event {
    pantau::model::Event::Alarm {
        device: unit.into(),
        kind: "sos".into(),
        fix: None,
        priority,
        time,
        feed: pantau::model::FeedKind::Osmand,
        notes: pantau::model::AlarmNotes::default(),
    }
}

fn harness(console: Console) -> Harness<'static, Console> {
    Harness::builder()
        .with_size(egui::vec2(1600.0, 900.0))
        .build_ui_state(|ui, c: &mut Console| c.frame(ui, None), console)
}

fn step_until(harness: &mut Harness<'_, Console>, what: &str, done: impl Fn(&Harness<'_, Console>) -> bool) {
    let started = Instant::now();
    while !done(harness) {
        assert!(started.elapsed() < common::WAIT_LIMIT, "timed out waiting for {what}");
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Raises an alarm, waits for it in the queue and clicks it (the first click).
fn open_alarm(console: Console) -> Harness<'static, Console> {
    raise_alarm(&console);
    let mut harness = harness(console);
    step_until(&mut harness, "the alarm in the queue", |h| h.query_by_label_contains("PANIC").is_some());
    harness.get_by_label_contains("PANIC").click();
    step_until(&mut harness, "the candidates", |h| !h.state().candidates.is_empty());
    harness.run_steps(2);
    harness
}

#[test]
fn select_alarm_then_dispatch_the_nearest_unit() {
    let (console, _dir) = console(Role::Operator);
    let mut harness = open_alarm(console);
    let candidates = harness.state().candidates.clone();
    assert!(candidates.iter().all(|c| c.eta_s.is_some()), "road ETAs for every candidate: {candidates:?}");
    harness.get_by_label_contains("Nearest available units");
    // The card says whose jurisdiction the alarm is in (the demo's org.toml, from its zones).
    let jurisdiction = shown_text(&harness.get_by_label_contains("Mabes Polri › Polda Demo › Polres "));
    assert!(jurisdiction.contains(" › Polsek "), "{jurisdiction}");
    let buttons = harness.get_all_by_label("Dispatch").count();
    assert_eq!(buttons, candidates.len(), "one Dispatch per candidate");
    // Second click: dispatch the first (fastest) unit.
    harness.get_all_by_label("Dispatch").next().expect("a dispatch button").click();
    let unit = harness.state().session.desk.world().units()[candidates[0].slot as usize].id.clone();
    step_until(&mut harness, "the unit dispatched", |h| {
        h.state().session.desk.world().unit(&unit).map(|u| u.status) == Some(UnitStatus::Dispatched)
    });
    let alarm = harness.state().selected_alarm.expect("selected");
    assert_eq!(harness.state().session.desk.world().alarm(alarm).map(|a| a.state), Some(AlarmState::Dispatched));
    let mut console = harness.into_state();
    let journal = console.session.journal.clone().expect("hosted");
    console.session.stop().expect("clean stop");
    let replayed = pantau::journal::replay(&journal).expect("replay");
    assert_eq!(replayed.unit(&unit).map(|u| u.status), Some(UnitStatus::Dispatched), "the dispatch is journaled");
}

#[test]
fn a_viewer_cannot_dispatch() {
    let (console, _dir) = console(Role::Viewer);
    let mut harness = open_alarm(console);
    assert!(
        harness.get_all_by_label("Dispatch").all(|b| b.accesskit_node().is_disabled()),
        "dispatch offered to a viewer"
    );
    assert!(harness.get_by_label("Acknowledge").accesskit_node().is_disabled());
    // Forced through anyway (as a modified client would): the world refuses it.
    let alarm = harness.state().selected_alarm.expect("selected");
    let unit = harness.state().session.desk.world().units()[harness.state().candidates[0].slot as usize].id.clone();
    harness.state_mut().dispatch(alarm, &unit);
    step_until(&mut harness, "the refusal", |h| h.query_by_label_contains("Refused").is_some());
    assert_eq!(harness.state().session.desk.world().unit(&unit).map(|u| u.status), Some(UnitStatus::Available));
    assert_eq!(harness.state().session.desk.world().alarm(alarm).map(|a| a.state), Some(AlarmState::Raised));
    harness.into_state().session.stop().expect("clean stop");
}

/// A unit's own SOS: the unit is an officer in distress, so its alarm is shown by callsign and
/// above an older priority-1 panic button, and neither alarm offers that unit as a responder.
#[test]
fn an_officers_sos_comes_first_and_never_offers_the_officer() {
    let (console, _dir) = console(Role::Operator);
    let mut events = common::units_and_alarm_near_centre(30, "site-market-007");
    let officer = "demo-0031";
    events.push(sos(officer, 2, pantau::model::now_millis() + 1_000));
    drop(console.session.ingest().expect("running").send(events));
    let mut harness = harness(console);
    step_until(&mut harness, "both alarms in the queue", |h| h.state().session.desk.alarm_queue().len() == 2);
    harness.run_steps(2);
    let callsign = harness.state().session.desk.world().unit(officer).expect("the officer's unit").callsign.clone();
    let queue: Vec<String> = harness.state().session.desk.alarm_queue().iter().map(|a| a.source.clone()).collect();
    assert_eq!(queue, [officer, "site-market-007"], "the officer's SOS first, though the panic is older and P1");
    let row = harness.get_by_label_contains("OFFICER IN DISTRESS");
    let label = row.accesskit_node().label().unwrap_or_default();
    assert!(label.contains(&callsign) && label.contains("SOS"), "the row names the officer: {label}");
    for alarm in harness.state().session.desk.alarm_queue().into_iter().cloned().collect::<Vec<_>>() {
        let desk = &harness.state().session.desk;
        let offered: Vec<String> =
            desk.candidates(&alarm).iter().map(|c| desk.world().units()[c.slot as usize].id.clone()).collect();
        assert!(!offered.is_empty(), "units are offered for alarm {}", alarm.id);
        assert!(
            !offered.iter().any(|u| u == officer),
            "{officer} offered for alarm from {}: {offered:?}",
            alarm.source
        );
    }
    row.click();
    step_until(&mut harness, "the officer's alarm selected", |h| h.state().selected_alarm.is_some());
    harness.run_steps(2);
    harness.get_by_label_contains("Officer in distress");
    harness.into_state().session.stop().expect("clean stop");
}

/// An officer's SOS sounds the distress alert once when it shows; while nobody acknowledges
/// it the escalation alert sounds every `escalate_after`; once acknowledged it stops. A site's
/// panic button sounds nothing here, and a muted seat records its alerts as not heard.
#[test]
fn an_officers_sos_sounds_an_alert_that_escalates_until_acknowledged() {
    use pantau::ui::speaker::Sound;
    let (mut console, _dir) = console(Role::Operator);
    console.alerts.escalate_after_ms = 300;
    let mut events = common::units_and_alarm_near_centre(40, "site-bank-001");
    events.push(sos("demo-0041", 1, pantau::model::now_millis()));
    drop(console.session.ingest().expect("running").send(events));
    let mut harness = harness(console);
    step_until(&mut harness, "the distress alert", |h| !h.state().alerts.fired.is_empty());
    let officer = harness.state().session.desk.alarm_queue()[0].id;
    step_until(&mut harness, "two escalations", |h| h.state().alerts.fired.len() >= 3);
    let sounds: Vec<(Sound, u32)> = harness.state().alerts.fired.iter().map(|a| (a.sound, a.alarm as u32)).collect();
    let officer = officer as u32;
    assert_eq!(sounds[..3], [(Sound::Distress, officer), (Sound::Escalation, officer), (Sound::Escalation, officer)]);
    assert!(harness.state().alerts.fired.iter().all(|a| a.audible));

    harness.state_mut().session.desk.acknowledge(officer as pantau::model::AlarmId);
    step_until(&mut harness, "the acknowledgement", |h| {
        h.state().session.desk.alarm_queue()[0].state == AlarmState::Acknowledged
    });
    let after_ack = harness.state().alerts.fired.len();
    let quiet_until = Instant::now() + Duration::from_millis(900);
    while Instant::now() < quiet_until {
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(harness.state().alerts.fired.len(), after_ack, "no escalation once acknowledged");

    // Muted: a second officer's SOS is still alerted and recorded, as not heard.
    harness.get_by_label("sound on").click();
    harness.run_steps(2);
    assert!(harness.state().alerts.muted);
    let second = sos("demo-0042", 1, pantau::model::now_millis());
    drop(harness.state().session.ingest().expect("running").send(vec![second]));
    step_until(&mut harness, "the muted alert", |h| h.state().alerts.fired.len() > after_ack);
    let last = *harness.state().alerts.fired.last().expect("an alert");
    assert_eq!((last.sound, last.audible), (Sound::Distress, false));
    harness.into_state().session.stop().expect("clean stop");
}

/// The session's named roads as places to search.
fn road_places(console: &Console) -> Vec<pantau::ui::Place> {
    let names = console.session.road_names.iter();
    names
        .map(|(name, [lon, lat])| pantau::ui::Place { id: name.clone(), label: name.clone(), lon: *lon, lat: *lat })
        .collect()
}

/// Search: a typed point in either order (saying which it read), exact names of roads, zones
/// and callsigns before the cameras that mention them, a zone framed whole, and a clear word
/// for two numbers that are no point.
#[test]
fn search_reads_both_coordinate_orders_and_ranks_exact_names_first() {
    let (console, _dir) = console(Role::Operator);
    let roads = road_places(&console);
    let console = Console::new(console.session, false, Vec::new(), Vec::new(), roads.clone());
    let (lon, lat) = demo::CENTRE;
    let lat_lon = console.find(&format!("{lat:.5}, {lon:.5}"), 5);
    assert_eq!(lat_lon.len(), 1, "{lat_lon:?}");
    assert!(lat_lon[0].label.contains("read as lat, lon") && (lat_lon[0].lon - lon).abs() < 1e-5, "{lat_lon:?}");
    let lon_lat = console.find(&format!("{lon:.5},{lat:.5}"), 5);
    assert!(lon_lat[0].label.contains("read as lon, lat") && (lon_lat[0].lat - lat).abs() < 1e-5, "{lon_lat:?}");
    assert!(console.find("95, 200", 5).is_empty());
    assert!(Console::not_a_point("95, 200").is_some_and(|why| why.contains("not a point")));

    // A road whose name the cameras at its crossings also carry ("Raya Tamanlaras" for the
    // road "Jalan Raya Tamanlaras" and the camera "CCTV Simpang ... / Raya Tamanlaras"): the
    // road comes first, its cameras after it.
    let cameras = console.session.desk.live.cameras.cameras();
    let (road, typed) = roads
        .iter()
        .filter_map(|r| Some((r, r.label.strip_prefix("Jalan ")?.to_string())))
        .find(|(_, typed)| cameras.iter().any(|c| c.name.contains(typed.as_str())))
        .unwrap_or_else(|| panic!("no road named in a camera: {:?}", &roads[..roads.len().min(5)]));
    let found = console.find(&typed, 12);
    assert_eq!(found[0].label, road.label, "the road first: {found:?}");
    assert!(found.iter().any(|f| f.label.starts_with("Camera")), "its cameras after it: {found:?}");
    let exact = console.find(&road.label, 12);
    assert_eq!(exact[0].label, road.label, "{exact:?}");
    // A road is framed whole (every piece of it on screen) and, once chosen, highlighted.
    assert_eq!(exact[0].road.as_deref(), Some(road.label.as_str()));
    let view =
        pantau::render::View::new(exact[0].lon, exact[0].lat, exact[0].zoom, console.view.width, console.view.height);
    let pieces = console.session.desk.streets.lines(&road.label);
    assert!(!pieces.is_empty(), "the road's pieces");
    for p in pieces.iter().flatten() {
        let (sx, sy) = view.lonlat_to_screen(p[0], p[1]);
        assert!((0.0..=f64::from(view.width)).contains(&sx) && (0.0..=f64::from(view.height)).contains(&sy));
    }
    let mut console = console;
    console.go_to(&exact[0]);
    assert_eq!(console.highlighted_road.as_deref(), Some(road.label.as_str()));

    // A zone by its exact name: framed whole, not flown to at street zoom.
    let zone = console.session.desk.live.zones.zones().iter().find(|z| z.level == 6).expect("a kecamatan").clone();
    let found = console.find(&zone.name, 12);
    assert!(found[0].label.starts_with(&format!("Zone {}", zone.name)), "{found:?}");
    assert!(found[0].zoom < 16.5, "framed, not flown to at street zoom: {}", found[0].zoom);
    let view =
        pantau::render::View::new(found[0].lon, found[0].lat, found[0].zoom, console.view.width, console.view.height);
    use geo::BoundingRect;
    let rect = zone.polygon.bounding_rect().expect("bounds");
    for (x, y) in [rect.min().x_y(), rect.max().x_y()] {
        let (sx, sy) = view.lonlat_to_screen(x, y);
        assert!(
            (0.0..=f64::from(view.width)).contains(&sx) && (0.0..=f64::from(view.height)).contains(&sy),
            "{} on screen at ({sx}, {sy})",
            zone.name
        );
    }
}

/// The whole alarm workflow through the panels: the card names the dispatched unit with its
/// distance and ETA and sets its part (on scene, unassign); closing needs a disposition, takes
/// a note, and the closed alarm is in the history with both (an operator cannot reopen it).
#[test]
fn dispatch_status_unassign_then_close_with_a_disposition_into_the_history() {
    let (console, _dir) = console(Role::Operator);
    let mut harness = open_alarm(console);
    let alarm = harness.state().selected_alarm.expect("selected");
    harness.get_all_by_label("Dispatch").next().expect("a dispatch button").click();
    step_until(&mut harness, "the card's dispatched unit", |h| h.query_by_label_contains("Dispatched:").is_some());
    let unit = harness.state().session.desk.world().alarm(alarm).and_then(|a| a.dispatched_unit.clone()).expect("unit");
    let card = shown_text(&harness.get_by_label_contains("Dispatched:"));
    assert!(card.contains(&unit) && card.contains("km") && card.contains("ETA"), "{card}");
    harness.get_by_label("mark on scene").click();
    step_until(&mut harness, "the unit on scene", |h| {
        h.state().session.desk.world().unit(&unit).map(|u| u.status) == Some(UnitStatus::OnScene)
    });
    harness.get_by_label("cleared / unassign").click();
    step_until(&mut harness, "the unit unassigned", |h| {
        h.state().session.desk.world().alarm(alarm).is_some_and(|a| a.dispatched_unit.is_none())
    });
    assert_eq!(harness.state().session.desk.world().unit(&unit).map(|u| u.status), Some(UnitStatus::Available));

    assert!(harness.get_by_label("Close alarm").accesskit_node().is_disabled(), "no close without a disposition");
    harness.get_by_label("Disposition").click();
    harness.run_steps(2);
    harness.get_by_label("arrest made").click();
    harness.run_steps(2);
    harness.state_mut().closing.1 = "two held at the scene".into();
    harness.run_steps(1);
    harness.get_by_label("Close alarm").click();
    step_until(&mut harness, "the alarm closed", |h| {
        h.state().session.desk.world().alarm(alarm).is_some_and(|a| a.closure.is_some())
    });
    let closure = harness.state().session.desk.world().alarm(alarm).and_then(|a| a.closure.clone()).expect("closure");
    assert_eq!(
        (closure.disposition, closure.note.as_str(), closure.by.as_str()),
        (pantau::model::Disposition::ArrestMade, "two held at the scene", "operator")
    );
    harness.get_by_label_contains("History (1 closed)").click();
    harness.run_steps(2);
    let line = shown_text(&harness.get_by_label_contains("arrest made"));
    assert!(line.contains("two held at the scene") && line.contains("PANIC"), "{line}");
    assert!(harness.get_by_label("Reopen").accesskit_node().is_disabled(), "an operator cannot reopen");
    harness.into_state().session.stop().expect("clean stop");
}

/// Clicking a unit in the list opens its card: callsign, status, fix age and speed, its
/// status controls, which change the unit, and its trail toggle.
#[test]
fn clicking_a_unit_opens_its_card() {
    let (console, _dir) = console(Role::Operator);
    drop(console.session.ingest().expect("running").send(common::units_and_alarm_near_centre(50, "site-x")));
    let mut harness = harness(console);
    step_until(&mut harness, "the unit's fix", |h| {
        h.state().session.desk.world().unit("demo-0050").is_some_and(|u| u.last_fix.is_some())
    });
    harness.run_steps(2);
    let callsign = harness.state().session.desk.world().unit("demo-0050").expect("unit").callsign.clone();
    harness.get_all_by_label_contains(&callsign).next().expect("the unit in the list").click();
    step_until(&mut harness, "the unit card", |h| h.query_by_label_contains(&format!("Unit {callsign}")).is_some());
    let status = shown_text(&harness.get_by_label_contains("demo-0050 ·"));
    assert!(status.contains("available"), "{status}");
    harness.get_by_label_contains("fix ");
    harness.get_by_label("set en route").click();
    step_until(&mut harness, "the unit en route", |h| {
        h.state().session.desk.world().unit("demo-0050").map(|u| u.status) == Some(UnitStatus::EnRoute)
    });
    // The unit drives on: its card's trail shows where it has been.
    let fix = harness.state().session.desk.world().unit("demo-0050").and_then(|u| u.last_fix).expect("fix");
    let later = pantau::model::Fix { time: fix.time + 10_000, lon: fix.lon + 0.002, ..fix };
    let moved = pantau::model::Event::Position {
        device: "demo-0050".into(),
        fix: later,
        feed: pantau::model::FeedKind::Simulator,
    };
    drop(harness.state().session.ingest().expect("running").send(vec![moved]));
    step_until(&mut harness, "the second fix", |h| {
        h.state().session.desk.tracks.of("demo-0050", later.time).count() == 2
    });
    harness.get_by_label_contains("trail (last").click();
    harness.run_steps(2);
    assert!(harness.state().trails_shown.contains("demo-0050"), "the trail is shown");
    harness.get_by_label_contains("trail (last").click();
    harness.run_steps(2);
    assert!(harness.state().trails_shown.is_empty(), "and hidden again");
    harness.into_state().session.stop().expect("clean stop");
}

/// On the wall (1,600 px wide): the status strip stays on one line, and the alarm list beside
/// the map shows the alarm's type, place, age and state in type readable from 3 m (26 px).
#[test]
fn the_wall_lists_alarms_in_large_type_under_a_one_line_strip() {
    let (mut console, _dir) = console(Role::Operator);
    console.wall = true;
    raise_alarm(&console);
    let mut harness = harness(console);
    step_until(&mut harness, "the alarm on the wall", |h| h.query_by_label_contains("PANIC ·").is_some());
    harness.run_steps(2);
    let first = harness.get_by_label("pantau").rect();
    let last = harness.get_by_label("sound on").rect();
    assert!((first.center().y - last.center().y).abs() < 4.0, "one line: {first:?} and {last:?}");
    assert!(last.right() <= 1600.0, "the strip fits 1,600 px: ends at {}", last.right());
    let row = harness.get_by_label_contains("PANIC ·");
    assert!(row.rect().height() >= 26.0, "wall text is at least 26 px high: {:?}", row.rect());
    let detail = shown_text(&harness.get_by_label_contains("site-market-007 ·"));
    assert!(detail.contains("NEW"), "{detail}");
    assert!(harness.query_by_label("SEATS (1)").is_some(), "who is logged in, on the wall");
    assert!(harness.query_by_label_contains("operator · operator · window").is_some());
    harness.into_state().session.stop().expect("clean stop");
}

/// The contrast of the text in `rect` of a rendered frame: its background is the commonest
/// colour there, its text the pixel that stands out most from it.
fn text_contrast(image: &image::RgbaImage, rect: egui::Rect) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut pixels = Vec::new();
    let (x0, y0) = (rect.min.x.max(0.0) as u32, rect.min.y.max(0.0) as u32);
    let (x1, y1) = ((rect.max.x as u32).min(image.width()), (rect.max.y as u32).min(image.height()));
    for y in y0..y1 {
        for x in x0..x1 {
            let p = image.get_pixel(x, y).0;
            let rgb = egui::Color32::from_rgb(p[0], p[1], p[2]);
            *counts.entry(rgb).or_insert(0) += 1;
            pixels.push(rgb);
        }
    }
    let Some((&ground, _)) = counts.iter().max_by_key(|(_, n)| **n) else { return 21.0 };
    pixels.iter().map(|&p| f64::from(contrast(p, ground))).fold(1.0, f64::max)
}

/// Every text on the desk and on the wall, with an alarm raised and selected, reads at 4.5:1
/// or better against what is behind it, measured on rendered frames (selected rows included;
/// disabled controls are exempt, as in WCAG).
#[test]
fn every_text_reads_at_4_5_to_1_on_the_desk_and_the_wall() {
    for wall in [false, true] {
        let (mut console, _dir) = console(Role::Operator);
        console.wall = wall;
        raise_alarm(&console);
        let mut harness = Harness::builder()
            .with_size(egui::vec2(1600.0, 900.0))
            .wgpu()
            .build_ui_state(|ui, c: &mut Console| c.frame(ui, None), console);
        step_until(&mut harness, "the alarm", |h| h.query_by_label_contains("PANIC").is_some());
        let alarm = harness.state().session.desk.alarm_queue()[0].id;
        harness.state_mut().select_alarm(alarm);
        harness.run_steps(3);
        let image = harness.render().expect("a rendered frame");
        let texts: Vec<(String, egui::Rect)> = harness
            .root()
            .query_all(egui_kittest::kittest::by())
            .filter_map(|node| {
                // Disabled controls are exempt, as in WCAG 1.4.3.
                let text = shown_text(&node);
                let shown = !text.trim().is_empty() && node.rect().width() > 2.0;
                (shown && !node.accesskit_node().is_disabled()).then(|| (text, node.rect()))
            })
            .collect();
        assert!(texts.len() > 10, "texts found: {}", texts.len());
        let poor: Vec<String> = texts
            .iter()
            .map(|(text, rect)| (text, text_contrast(&image, *rect)))
            .filter(|(_, ratio)| *ratio < 4.5)
            .map(|(text, ratio)| format!("{ratio:.2}:1 {text:?}"))
            .collect();
        assert!(poor.is_empty(), "wall {wall}: texts under 4.5:1: {poor:#?}");
        harness.into_state().session.stop().expect("clean stop");
    }
}

/// An alarm from a known alarm site is shown by the site's name, with its id, and the street
/// it is on (the demo city's streets are 220 m apart, so one is always within reach).
#[test]
fn a_sites_alarm_is_named_after_the_site() {
    let (console, _dir) = console(Role::Operator);
    let site = pantau::ui::Place { id: "site-market-007".into(), label: "Pasar Tujuh".into(), lon: 0.0, lat: 0.0 };
    let console = Console::new(console.session, false, Vec::new(), vec![site], Vec::new());
    raise_alarm(&console);
    let mut harness = harness(console);
    step_until(&mut harness, "the alarm", |h| h.query_by_label_contains("PANIC").is_some());
    harness.run_steps(2);
    let row = shown_text(&harness.get_by_label_contains("PANIC"));
    assert!(row.contains("Pasar Tujuh (site-market-007) · Jalan "), "{row}");
    let desk = &harness.state().session.desk;
    let alarm = desk.alarm_queue()[0].clone();
    let (street, _) = desk.streets.nearest(alarm.lon.expect("lon"), alarm.lat.expect("lat")).expect("a street");
    assert!(row.contains(street), "{row} names {street}");
    harness.into_state().session.stop().expect("clean stop");
}

/// Clicks the map at a screen point (points) of the harness.
fn click_at(harness: &mut Harness<'_, Console>, at: egui::Pos2) {
    let input = harness.input_mut();
    input.events.push(egui::Event::PointerMoved(at));
    for pressed in [true, false] {
        input.events.push(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    harness.run_steps(2);
}

/// At city zoom the units are gathered: a click on a cluster of units flies in until its units
/// part (the map draws each marker again from `CLUSTER_ZOOM`); a click on a lone unit selects
/// it.
#[test]
fn a_click_on_a_cluster_of_units_flies_in() {
    let (mut console, _dir) = console(Role::Operator);
    let moves = common::units_and_alarm_near_centre(60, "site-x").into_iter();
    let moves = moves.filter(|e| matches!(e, pantau::model::Event::Position { .. })).collect();
    drop(console.session.ingest().expect("running").send(moves));
    let (lon, lat) = demo::CENTRE;
    console.view = pantau::render::View::new(lon, lat, 11.5, 1000, 800);
    let mut harness = harness(console);
    step_until(&mut harness, "the units' fixes", |h| {
        h.state().session.desk.world().unit("demo-0060").is_some_and(|u| u.last_fix.is_some())
    });
    harness.run_steps(2);
    let fix = harness.state().session.desk.world().unit("demo-0060").and_then(|u| u.last_fix).expect("fix");
    let (view, overview) = (harness.state().view, harness.state().overview);
    let (x, y) = view.lonlat_to_screen(fix.lon, fix.lat);
    let ppp = harness.ctx.pixels_per_point();
    click_at(&mut harness, overview.min + egui::vec2(x as f32 / ppp, y as f32 / ppp));
    step_until(&mut harness, "the flight in", |h| h.state().view.zoom >= pantau::render::live::CLUSTER_ZOOM);
    assert!(harness.state().selected_unit.is_none(), "a cluster is not one unit");
    harness.into_state().session.stop().expect("clean stop");
}

/// A centre hosting a hub whose users file holds `op1`, on a fixed port so it can come back.
struct Centre {
    runtime: tokio::runtime::Runtime,
    service: Option<pantau::service::Service>,
    config: pantau::service::ServeConfig,
}

impl Centre {
    const PASSWORD: &str = "op1's own password";

    fn start(dir: &std::path::Path, files: &pantau::demo::DemoFiles) -> Self {
        let users = dir.join("users.toml");
        let mut people = pantau::users::Users::load_or_new(&users).expect("users");
        people.add("op1", Role::Operator, None, Self::PASSWORD).expect("add");
        people.save(&users).expect("save");
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
        let mut config = pantau::service::ServeConfig::loopback(dir.join("journal"));
        config.desks = Some(pantau::service::DesksConfig {
            addr: port,
            tls: None,
            users,
            org: Some(files.org.clone()),
            zones: vec![files.zones.clone()],
            limits: pantau::hub::HubLimits::default(),
        });
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let mut centre = Self { runtime, service: None, config };
        centre.restart();
        centre
    }

    fn url(&self) -> String {
        format!("ws://{}", self.config.desks.as_ref().map(|d| d.addr).expect("desks"))
    }

    fn stop(&mut self) {
        if let Some(service) = self.service.take() {
            self.runtime.block_on(service.stop()).expect("clean stop");
        }
    }

    fn restart(&mut self) {
        let service = self.runtime.block_on(pantau::service::Service::start(self.config.clone()));
        self.service = Some(service.expect("the centre starts"));
    }
}

/// `pantau desk`: the window on a hub elsewhere opens on the login screen (a wrong password is
/// refused there), then shows the hub's world and who is logged in, says in alarm red the
/// moment the hub is lost and how old the view is, and comes back by itself when the hub does.
#[test]
fn a_desk_on_a_hub_logs_in_shows_the_seats_and_says_when_the_hub_is_lost() {
    let dir = tempfile::tempdir().expect("tmp");
    let files = demo::write(1, &dir.path().join("demo")).expect("demo city");
    let mut centre = Centre::start(dir.path(), &files);
    let address = pantau::ops::HubAddress { url: centre.url(), pin: None, seat: "desk-7".into() };
    let config = SessionConfig::demo_city(&files, pantau::ops::Centre::Hub { address, credentials: None });
    let console = Console::new(Session::start(config).expect("session"), false, Vec::new(), Vec::new(), Vec::new());
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 900.0))
        .wgpu()
        .build_ui_state(|ui, c: &mut Console| c.frame(ui, None), console);
    harness.run_steps(2);
    assert!(harness.query_by_label("Log in to the hub").is_some(), "the login screen first");
    let log_in = |harness: &mut Harness<'_, Console>, password: &str| {
        harness.state_mut().login = ("op1".into(), password.into());
        let button =
            harness.query_all_by_label("Log in").find(|n| n.accesskit_node().role() == egui::accesskit::Role::Button);
        button.expect("the login button").click();
        harness.run_steps(2);
    };
    log_in(&mut harness, "not the password");
    step_until(&mut harness, "the refusal", |h| h.query_by_label_contains("wrong").is_some());
    assert!(harness.state().login.1.is_empty(), "the password is not kept");
    log_in(&mut harness, Centre::PASSWORD);
    step_until(&mut harness, "the seats panel", |h| h.query_by_label_contains("Seats (1 logged in)").is_some());
    assert!(harness.query_by_label("Log in to the hub").is_none(), "the login screen is gone");
    assert!(harness.query_by_label_contains("op1 · operator · at desk-7").is_some(), "who is where");
    assert_eq!(harness.state().role(), Role::Operator, "the role the hub gave");
    // The hub goes away: the banner says so at once, in alarm red.
    centre.stop();
    step_until(&mut harness, "the banner", |h| h.query_by_label_contains("HUB LOST").is_some());
    harness.run_steps(2);
    let banner = harness.get_by_label_contains("HUB LOST").rect();
    let image = harness.render().expect("a rendered frame");
    let alarm = harness.state().palette.alarm;
    let red = (banner.min.x as u32..banner.max.x as u32)
        .flat_map(|x| (banner.min.y as u32..banner.max.y as u32).map(move |y| (x, y)))
        .filter(|&(x, y)| {
            let p = image.get_pixel(x, y).0;
            p[0] > 150 && p[1] < 90 && p[2] < 90
        })
        .count();
    assert!(red > 200, "the banner is in alarm red ({alarm:?}): {red} red pixels in {banner:?}");
    assert!(banner.height() >= 18.0, "large enough to read across the room: {banner:?}");
    assert!(harness.query_by_label_contains("Seats: not known while the hub is lost").is_some());
    // It comes back by itself, asking only for what it missed.
    let before = harness.state().session.desk.seq;
    centre.restart();
    step_until(&mut harness, "the hub again", |h| h.query_by_label_contains("HUB LOST").is_none());
    assert_eq!(harness.state().session.desk.link(), pantau::ops::LinkState::Live);
    assert!(harness.state().session.desk.seq >= before);
    step_until(&mut harness, "one seat again", |h| h.query_by_label_contains("Seats (1 logged in)").is_some());
    drop(harness);
    centre.stop();
}

/// A 110 call with the caller's AML location, as the telephony bridge and the SMS gateway
/// report them, from a number that has called twice in the last minutes.
fn ring_call(console: &Console) {
    use pantau::model::calls::{AmlTransport, FixMethod};
    use pantau::model::{CallPhase, CallerLocation, Channel, Event};
    let (lon, lat) = demo::CENTRE;
    let now = pantau::model::now_millis();
    let ring = |key: &str, time| Event::Call {
        call: key.into(),
        phase: CallPhase::Ringing,
        number: "+6281234500077".into(),
        channel: Channel::Voice,
        trunk: None,
        time,
        text: None,
    };
    let location = CallerLocation {
        lon,
        lat,
        radius: 18.0,
        time: now,
        method: FixMethod::Gnss,
        confidence: Some(68),
        transport: AmlTransport::Sms,
    };
    let events = vec![
        ring("a", now - 200_000),
        ring("b", now - 100_000),
        ring("c", now),
        Event::CallerLocation { number: "+6281234500077".into(), location },
    ];
    drop(console.session.ingest().expect("running").send(events));
}

/// The call taker's two steps: **Answer** on the ringing call (flagged as a repeat caller, its
/// wait counting), then one key for the verdict; the record says who did both. The wall shows
/// the day's 110 figures above its alarms.
#[test]
fn a_call_taker_answers_a_flagged_call_and_classifies_it_with_one_key() {
    let (console, dir) = console(Role::Operator);
    ring_call(&console);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 900.0))
        .wgpu()
        .build_ui_state(|ui, c: &mut Console| c.frame(ui, None), console);
    step_until(&mut harness, "the calls in the panel", |h| h.query_by_label("Answer call 3").is_some());
    assert!(harness.query_by_label_contains("repeat-caller: call 3 from this number").is_some(), "the flag and why");
    // The caller's AML circle is on the map, in alarm red while the call rings.
    harness.run_steps(2);
    let image = harness.render().expect("a frame");
    let red = common::rgb(harness.state().palette.alarm);
    let on_map = (300..1150_u32)
        .flat_map(|x| (60..850_u32).map(move |y| (x, y)))
        .filter(|&(x, y)| common::close(image.get_pixel(x, y).0, red, 30))
        .count();
    assert!(on_map > 40, "the ringing caller's circle is drawn in alarm red: {on_map} pixels");
    harness.get_by_label("Answer call 3").click();
    step_until(&mut harness, "the call answered", |h| h.query_by_label_contains("Caller at").is_some());
    let at = shown_text(&harness.get_by_label_contains("Caller at"));
    assert!(at.contains("±18 m (AML)"), "{at}");
    harness.run_steps(2);
    std::fs::create_dir_all("target/ui").expect("target/ui");
    harness.render().expect("a frame").save("target/ui/call-answered.png").expect("save");
    harness.key_press(egui::Key::P);
    step_until(&mut harness, "the verdict", |h| {
        h.state().session.desk.world().call(3).is_some_and(|c| c.verdict.is_some())
    });
    let call = harness.state().session.desk.world().call(3).cloned().expect("call 3");
    let verdict = call.verdict.expect("verdict");
    assert_eq!((verdict.class, verdict.by.as_str()), (pantau::model::Classification::Prank, "operator"));
    assert_eq!(call.answered_by.as_deref(), Some("operator"));

    harness.state_mut().wall = true;
    step_until(&mut harness, "the wall's 110 block", |h| h.query_by_label_contains("110 CALLS").is_some());
    harness.run_steps(2);
    let image = harness.render().expect("a frame");
    image.save("target/ui/wall-calls.png").expect("save");
    // Calls have waited minutes: the block is in alarm red, big enough to read across the room.
    let block = harness.get_by_label_contains("110 CALLS").rect();
    assert!(block.height() >= 26.0, "{block:?}");
    let ground = harness.ctx.global_style().visuals.panel_fill;
    let [r, g, b, _] = pantau::ui::draw::look::readable(harness.state().palette.alarm, ground).to_array();
    let red = [r, g, b];
    let pixels = (block.left() as u32..block.right() as u32)
        .flat_map(|x| (block.top() as u32..block.bottom() as u32).map(move |y| (x, y)))
        .filter(|&(x, y)| common::close(image.get_pixel(x, y).0, red, 40))
        .count();
    assert!(pixels > 200, "the 110 block is drawn in alarm red: {pixels} pixels");
    let today = shown_text(&harness.get_by_label_contains("% in 10 s"));
    assert!(today.contains("100% in 10 s"), "answered within seconds of ringing: {today}");
    assert!(today.contains("prank 100%"), "{today}");
    // The two earlier calls from the number rang for minutes unanswered: missed targets.
    let missed = shown_text(&harness.get_by_label_contains("MISSED today"));
    assert!(missed.contains("2 calls over 10 s · 0 incidents"), "{missed}");
    harness.state_mut().wall = false;
    step_until(&mut harness, "the desk's list", |h| h.query_by_label_contains("Missed targets today (2)").is_some());
    harness.get_by_label_contains("Missed targets today (2)").click();
    step_until(&mut harness, "the list open", |h| h.query_by_label_contains("call 1 +6281234500077").is_some());
    let line = shown_text(&harness.get_by_label_contains("call 1 +6281234500077"));
    assert!(line.contains("not answered, 20") || line.contains("not answered, 19"), "{line}");
    harness.into_state().session.stop().expect("clean stop");
    drop(dir);
}

/// Valid (V) on a held call opens an incident of the kind chosen in the form, with its first
/// line and the caller's name; it shows on the incidents panel with its Polri name and APCO
/// code, and opens there with the zones it was handed over in; a panic button pressed nearby
/// is offered and linked to it.
#[test]
fn valid_on_a_held_call_opens_an_incident_with_the_form_s_kind() {
    let (console, _dir) = console(Role::Operator);
    ring_call(&console);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 900.0))
        .wgpu()
        .build_ui_state(|ui, c: &mut Console| c.frame(ui, None), console);
    step_until(&mut harness, "the call", |h| h.query_by_label("Answer call 3").is_some());
    harness.get_by_label("Answer call 3").click();
    step_until(&mut harness, "the form", |h| h.query_by_label("Open incident from call 3").is_some());
    harness.state_mut().incident_form.kind = pantau::model::IncidentKind::Robbery;
    harness.state_mut().incident_form.note = "bag snatched near the market".into();
    harness.state_mut().incident_form.caller_name = "Ibu Ani".into();
    harness.key_press(egui::Key::V);
    step_until(&mut harness, "the incident on the panel", |h| h.query_by_label_contains("#1 P1").is_some());
    let row = shown_text(&harness.get_by_label_contains("#1 P1"));
    assert!(row.contains("Pencurian dengan kekerasan (curas) (ROBBERY)"), "{row}");
    harness.get_by_label_contains("#1 P1").click();
    step_until(&mut harness, "the incident opened", |h| h.query_by_label_contains("bag snatched").is_some());
    step_until(&mut harness, "the caller's name", |h| h.query_by_label_contains("(Ibu Ani)").is_some());
    step_until(&mut harness, "its zones", |h| h.query_by_label_contains("Zones: ").is_some());
    // A panic button pressed 50 m away is offered as the same emergency and linked.
    let (lon, lat) = demo::CENTRE;
    let fix = pantau::model::Fix {
        time: pantau::model::now_millis(),
        lon: lon + 0.00045,
        lat,
        speed: None,
        heading: None,
        accuracy: None,
    };
    let panic = pantau::model::Event::Alarm {
        device: "warung-9".into(),
        kind: "panic".into(),
        fix: Some(fix),
        priority: 1,
        time: fix.time,
        feed: pantau::model::FeedKind::AlarmApi,
        notes: pantau::model::AlarmNotes::default(),
    };
    drop(harness.state().session.ingest().expect("running").send(vec![panic]));
    step_until(&mut harness, "the alarm offered", |h| h.query_by_label_contains(": Link").is_some());
    harness.get_by_label_contains(": Link").click();
    step_until(&mut harness, "the alarm linked", |h| h.query_by_label_contains("Alarms linked: #").is_some());
    let linked = harness.state().session.desk.world().incident(1).map(|i| (i.alarms.len(), i.caller_name.clone()));
    assert_eq!(linked, Some((1, Some("Ibu Ani".to_string()))));
    harness.run_steps(2);
    std::fs::create_dir_all("target/ui").expect("target/ui");
    harness.render().expect("a frame").save("target/ui/incident-opened.png").expect("save");
    let call = harness.state().session.desk.world().call(3).cloned().expect("call 3");
    assert_eq!(call.verdict.map(|v| v.class), Some(pantau::model::Classification::Valid));
    assert_eq!(call.incident, Some(1));
    harness.state_mut().wall = true;
    step_until(&mut harness, "the wall's incidents", |h| h.query_by_label_contains("INCIDENTS open").is_some());
    assert_eq!(shown_text(&harness.get_by_label_contains("INCIDENTS open")), "INCIDENTS open: P1 1");
    harness.into_state().session.stop().expect("clean stop");
}

/// A call with no location from the phone: the call taker finds the road the caller names,
/// then puts the incident at the exact spot with a click on the map; the incident opens there
/// with the street as its address and the priority chosen on the form.
#[test]
fn a_call_without_aml_is_placed_by_road_search_then_a_click_on_the_map() {
    use pantau::model::{CallPhase, Channel, Event, IncidentKind};
    let (console, _dir) = console(Role::Operator);
    let roads = road_places(&console);
    let road = roads.iter().min_by(|a, b| a.label.len().cmp(&b.label.len()).then(a.label.cmp(&b.label))).cloned();
    let road = road.expect("the demo city names its roads");
    let console = Console::new(console.session, false, Vec::new(), Vec::new(), roads);
    let ring = Event::Call {
        call: "n".into(),
        phase: CallPhase::Ringing,
        number: "+6281300000001".into(),
        channel: Channel::Voice,
        trunk: None,
        time: pantau::model::now_millis(),
        text: None,
    };
    drop(console.session.ingest().expect("running").send(vec![ring]));
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 900.0))
        .wgpu()
        .build_ui_state(|ui, c: &mut Console| c.frame(ui, None), console);
    step_until(&mut harness, "the call", |h| h.query_by_label("Answer call 1").is_some());
    harness.get_by_label("Answer call 1").click();
    step_until(&mut harness, "the form", |h| h.query_by_label_contains("Incident place not known").is_some());

    // The caller names the road.
    harness.state_mut().incident_form.place_query = road.label.clone();
    let offer = format!("Place here: {}", road.label);
    step_until(&mut harness, "the road offered", |h| h.query_by_label(&offer).is_some());
    harness.get_by_label(&offer).click();
    let by_road = format!("Incident at {}", road.label);
    step_until(&mut harness, "the road chosen", |h| h.query_by_label(&by_road).is_some());

    // Then the exact spot on it, on the map.
    harness.get_by_label("Pick on map").click();
    step_until(&mut harness, "waiting for the click", |h| h.query_by_label("click the map… (cancel)").is_some());
    let last = std::cell::Cell::new(None);
    step_until(&mut harness, "the flight to the road to land", |h| {
        let now = Some(h.state().view);
        last.replace(now) == now
    });
    let (view, overview) = (harness.state().view, harness.state().overview);
    let (x, y) = view.lonlat_to_screen(road.lon + 0.0004, road.lat);
    let ppp = harness.ctx.pixels_per_point();
    let clicked = overview.min + egui::vec2(x as f32 / ppp, y as f32 / ppp);
    click_at(&mut harness, clicked);
    let place = harness.state().incident_form.place.clone().expect("the clicked place");
    let off = pantau::crs::geodesy::haversine_m(place.lon, place.lat, road.lon + 0.0004, road.lat);
    assert!(off < 5.0, "the incident goes where the map was clicked, not {off:.1} m off");
    let point = format!("({:.5}, {:.5})", place.lat, place.lon);
    assert!(
        place.address.starts_with("Jalan ") && place.address.ends_with(&point),
        "the street and the point: {place:?}"
    );
    assert!(harness.state().placing.is_none(), "one click places it");

    harness.state_mut().incident_form.kind = IncidentKind::TrafficAccident;
    harness.state_mut().incident_form.priority = Some(2);
    harness.run_steps(2);
    std::fs::create_dir_all("target/ui").expect("target/ui");
    let image = harness.render().expect("a frame");
    image.save("target/ui/incident-form.png").expect("save");
    // The place chosen is marked on the map, in the alarm colour, where it was clicked.
    let red = common::rgb(harness.state().palette.alarm);
    let (cx, cy) = ((clicked.x * ppp) as i64, (clicked.y * ppp) as i64);
    let marked = (cx - 14..=cx + 14)
        .flat_map(|x| (cy - 14..=cy + 14).map(move |y| (x as u32, y as u32)))
        .filter(|&(x, y)| common::close(image.get_pixel(x, y).0, red, 30))
        .count();
    assert!(marked > 40, "the form's place is marked where it was clicked: {marked} pixels");
    harness.get_by_label("Open incident from call 1").click();
    step_until(&mut harness, "the incident", |h| h.state().session.desk.world().incident(1).is_some());
    let incident = harness.state().session.desk.world().incident(1).cloned().expect("incident 1");
    assert_eq!((incident.lon, incident.lat), (Some(place.lon), Some(place.lat)));
    assert_eq!(incident.address, place.address);
    assert_eq!((incident.kind, incident.priority), (IncidentKind::TrafficAccident, 2));
    harness.into_state().session.stop().expect("clean stop");
}

/// A commander's call taking: the number's earlier calls shown, a second call about the same
/// robbery offered as the same incident and attached in one click, and the number blocked
/// with a reason.
#[test]
fn a_second_call_about_an_incident_is_offered_as_the_same_one_and_a_commander_blocks_a_number() {
    use pantau::model::calls::{AmlTransport, FixMethod};
    use pantau::model::{CallPhase, CallerLocation, Channel, Event, IncidentKind};
    let (console, _dir) = console(Role::Commander);
    ring_call(&console);
    let mut harness = harness(console);
    step_until(&mut harness, "the call", |h| h.query_by_label("Answer call 3").is_some());
    harness.get_by_label("Answer call 3").click();
    step_until(&mut harness, "the history", |h| h.query_by_label_contains("Earlier: 2 calls in 30 days").is_some());
    harness.state_mut().incident_form.kind = IncidentKind::Robbery;
    harness.state_mut().incident_form.note = "a bag snatched".into();
    harness.run_steps(2);
    let button = harness.get_by_label("Open incident from call 3").rect();
    assert!(button.bottom() < 900.0, "the button is on screen: {button:?}");
    harness.get_by_label("Open incident from call 3").click();
    step_until(&mut harness, "the incident", |h| h.state().session.desk.world().incident(1).is_some());

    // Someone else calls about it from 100 m away.
    let (lon, lat) = demo::CENTRE;
    let now = pantau::model::now_millis();
    let location = CallerLocation {
        lon: lon + 0.0009,
        lat,
        radius: 10.0,
        time: now,
        method: FixMethod::Gnss,
        confidence: None,
        transport: AmlTransport::Sms,
    };
    let ring = Event::Call {
        call: "w".into(),
        phase: CallPhase::Ringing,
        number: "+6281999".into(),
        channel: Channel::Voice,
        trunk: None,
        time: now,
        text: None,
    };
    let located = Event::CallerLocation { number: "+6281999".into(), location };
    drop(harness.state().session.ingest().expect("running").send(vec![ring, located]));
    step_until(&mut harness, "the second call", |h| h.query_by_label("Answer call 4").is_some());
    step_until(&mut harness, "its location", |h| {
        h.state().session.desk.world().call(4).is_some_and(|c| c.location.is_some())
    });
    harness.get_by_label("Answer call 4").click();
    step_until(&mut harness, "the second call answered", |h| {
        h.query_by_label_contains("First call from this number").is_some()
    });
    harness.state_mut().incident_form.kind = IncidentKind::Robbery;
    step_until(&mut harness, "the offer", |h| h.query_by_label_contains("Same as #1").is_some());
    let offer = shown_text(&harness.get_by_label_contains("Same as #1"));
    assert!(offer.contains("m away"), "{offer}");
    harness.get_by_label_contains("Same as #1").click();
    step_until(&mut harness, "the call attached", |h| {
        h.state().session.desk.world().incident(1).is_some_and(|i| i.calls == [3, 4])
    });

    // The commander blocks the first number, with why.
    harness.state_mut().block_reason = "calls every two minutes".into();
    harness.get_by_label("Answer call 1").click();
    step_until(&mut harness, "the block button", |h| h.query_by_label("Block number").is_some());
    harness.get_by_label("Block number").click();
    step_until(&mut harness, "the block", |h| {
        h.state().session.desk.world().blocks().any(|b| b.number == "+6281234500077")
    });
    harness.into_state().session.stop().expect("clean stop");
}

/// 80 calls answered and opened as theft incidents over the last hour: 50 clustered at one
/// place (returned), 30 scattered over the city.
fn incidents_clustered() -> (Vec<pantau::model::Event>, (f64, f64)) {
    use pantau::model::calls::{AmlTransport, FixMethod};
    use pantau::model::{CallPhase, CallerLocation, Channel, Command, Event, IncidentKind};
    let (lon, lat) = demo::CENTRE;
    let cluster = (lon + 0.01, lat + 0.005);
    let now = pantau::model::now_millis();
    let mut events = Vec::new();
    for i in 0..80_u64 {
        let (x, y) = if i < 50 {
            (cluster.0 + (i % 7) as f64 * 2e-4, cluster.1 + (i / 7) as f64 * 2e-4)
        } else {
            (lon - 0.03 + (i % 5) as f64 * 0.012, lat - 0.03 + (i / 5 % 6) as f64 * 0.01)
        };
        let number = format!("+6281300{i:05}");
        let location = CallerLocation {
            lon: x,
            lat: y,
            radius: 10.0,
            time: now,
            method: FixMethod::Gnss,
            confidence: None,
            transport: AmlTransport::Https,
        };
        let call = Event::Call {
            call: format!("h{i}"),
            phase: CallPhase::Ringing,
            number: number.clone(),
            channel: Channel::Voice,
            trunk: None,
            time: now - 3_600_000 + i as i64 * 1000,
            text: None,
        };
        let as_op = |command| Event::Command { user: "operator".into(), role: Role::Operator, time: now, command };
        let open = Command::OpenIncident {
            call: i + 1,
            kind: IncidentKind::Theft,
            priority: None,
            at: None,
            address: String::new(),
            note: String::new(),
        };
        events.extend([
            call,
            Event::CallerLocation { number, location },
            as_op(Command::Answer { call: i + 1 }),
            as_op(open),
        ]);
    }
    (events, cluster)
}

/// The analyst's hotspots: incidents clustered at one place and scattered elsewhere; with the
/// hotspots shown, the density is worked out off the render thread and laid over the map, its
/// peak at the cluster; the early warning says the record is too short to compare weeks.
#[test]
fn hotspots_show_where_incidents_cluster_and_the_warning_needs_a_week_before() {
    let (mut console, _dir) = console(Role::Operator);
    let (events, cluster) = incidents_clustered();
    let (lon, lat) = demo::CENTRE;
    drop(console.session.ingest().expect("running").send(events));
    console.view = pantau::render::View::new(lon, lat, 13.5, 1000, 800);
    console.hotspots.shown = true;
    console.hotspots.days = 1;
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 900.0))
        .wgpu()
        .build_ui_state(|ui, c: &mut Console| c.frame(ui, None), console);
    step_until(&mut harness, "the incidents", |h| h.state().session.desk.world().incidents().len() == 80);
    step_until(&mut harness, "the hotspots worked out", |h| {
        h.state().hotspots.grid.is_some() && h.state().hotspots.counted == 80
    });
    step_until(&mut harness, "the latest map drawn", |h| {
        h.state().hotspots.grid.as_ref().is_some_and(|g| g.0.max() > 0.0)
    });
    let (grid, _, peak) = harness.state().hotspots.grid.clone().expect("grid");
    let hottest = grid.values.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i).unwrap_or(0);
    let [w, s, e, n] = grid.bounds;
    let at = (
        w + (hottest % grid.width) as f64 / grid.width as f64 * (e - w),
        n - (hottest / grid.width) as f64 / grid.height as f64 * (n - s),
    );
    let off = pantau::crs::geodesy::haversine_m(at.0, at.1, cluster.0 + 6e-4, cluster.1 + 7e-4);
    assert!(off < 400.0, "the peak is at the cluster: {off:.0} m off, {peak:.1} per km²");
    harness.run_steps(2);
    let image = harness.render().expect("a frame");
    std::fs::create_dir_all("target/ui").expect("target/ui");
    image.save("target/ui/hotspots.png").expect("save");
    let (view, overview) = (harness.state().view, harness.state().overview);
    let ppp = harness.ctx.pixels_per_point();
    let (x, y) = view.lonlat_to_screen(cluster.0 + 6e-4, cluster.1 + 7e-4);
    let (cx, cy) = ((overview.min.x + x as f32 / ppp) * ppp, (overview.min.y + y as f32 / ppp) * ppp);
    let warm = |p: [u8; 4]| p[0] > 200 && p[2] < 120 && p[0] as i32 - p[2] as i32 > 120;
    let warm_in = |x0: f32, y0: f32, half: i64| {
        (x0 as i64 - half..x0 as i64 + half)
            .flat_map(|x| (y0 as i64 - half..y0 as i64 + half).map(move |y| (x as u32, y as u32)))
            .filter(|&(x, y)| warm(image.get_pixel(x, y).0))
            .count()
    };
    // Around the cluster (its incidents' squares drawn over the middle), and nowhere far off.
    let hot = warm_in(cx, cy, 20);
    assert!(hot > 500, "the cluster is drawn hot: {hot} of 1600 pixels");
    let corner = warm_in((overview.min.x + 60.0) * ppp, (overview.min.y + 60.0) * ppp, 20);
    assert_eq!(corner, 0, "nothing hot where there were no incidents");
    // The panel says what the map counts; the early warning, on a record of one hour.
    harness.get_by_label("Analysis").click();
    step_until(&mut harness, "the panel open", |h| h.query_by_label_contains("Early warning").is_some());
    assert!(harness.query_by_label_contains("80 incidents · at most").is_some());
    // The same for the callers: each of the 80 calls came with its caller's location.
    harness.state_mut().hotspots.source = pantau::analysis::heat::Source::Calls;
    step_until(&mut harness, "the callers' map", |h| h.query_by_label_contains("80 110 callers · at most").is_some());
    harness.state_mut().hotspots.source = pantau::analysis::heat::Source::Alarms;
    step_until(&mut harness, "no alarms", |h| h.state().hotspots.counted == 0);
    harness.get_by_label_contains("Early warning").click();
    step_until(&mut harness, "the answer", |h| h.query_by_label_contains("no full week").is_some());
    // A flagged zone is outlined on the map in alarm red, its counts written in it.
    let zone = harness.state().session.desk.live.zones.zones()[0].clone();
    let flagged = pantau::analysis::warning::Warning {
        zone: zone.code.clone(),
        name: zone.name.clone(),
        count: 40,
        baseline: 12.0,
        weeks: 4,
        probability: 1e-9,
        flagged: true,
    };
    harness.state_mut().hotspots.shown = false;
    let red_on_map = |h: &mut Harness<'_, Console>| {
        h.run_steps(2);
        let image = h.render().expect("a frame");
        let red = common::rgb(h.state().palette.alarm);
        let (o, ppp) = (h.state().overview, h.ctx.pixels_per_point());
        ((o.min.x * ppp) as u32..(o.max.x * ppp) as u32)
            .flat_map(|x| ((o.min.y * ppp) as u32..(o.max.y * ppp) as u32).map(move |y| (x, y)))
            .filter(|&(x, y)| common::close(image.get_pixel(x, y).0, red, 30))
            .count()
    };
    let before = red_on_map(&mut harness);
    harness.state_mut().hotspots.warnings = Some(Ok(vec![flagged]));
    let after = red_on_map(&mut harness);
    assert!(after > before + 1500, "the flagged zone outlined in red: {before} -> {after} pixels");
    harness.into_state().session.stop().expect("clean stop");
}

/// Replay: the desk shows the record at a chosen moment (a unit where it was then, an alarm
/// that came later absent), under a banner saying so; commands are refused; the live world
/// goes on taking batches meanwhile, and back to live it is all there.
#[test]
fn replay_shows_the_record_at_a_moment_and_goes_back_to_live() {
    use pantau::model::{Command, Event, FeedKind, Fix};
    let (console, _dir) = console(Role::Operator);
    let (lon, lat) = demo::CENTRE;
    let at = |dx: f64| {
        let fix =
            Fix { time: pantau::model::now_millis(), lon: lon + dx, lat, speed: None, heading: None, accuracy: None };
        Event::Position { device: "replay-u".into(), fix, feed: FeedKind::Osmand }
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 900.0))
        .wgpu()
        .build_ui_state(|ui, c: &mut Console| c.frame(ui, None), console);
    let send =
        |h: &Harness<'_, Console>, events: Vec<Event>| drop(h.state().session.ingest().expect("running").send(events));
    let fix_lon = |h: &Harness<'_, Console>| {
        h.state().session.desk.world().unit("replay-u").and_then(|u| u.last_fix).map(|f| f.lon)
    };
    send(&harness, vec![at(0.001)]);
    step_until(&mut harness, "the first fix", |h| fix_lon(h) == Some(lon + 0.001));
    let moment = pantau::model::now_millis();
    std::thread::sleep(std::time::Duration::from_millis(30));
    send(&harness, vec![at(0.002), sos("replay-u", 1, pantau::model::now_millis())]);
    step_until(&mut harness, "the second fix and the alarm", |h| {
        fix_lon(h) == Some(lon + 0.002) && h.state().session.desk.world().alarms().len() == 1
    });

    let now = pantau::model::now_millis();
    harness.state_mut().start_replay(moment, now);
    step_until(&mut harness, "the past shown", |h| h.state().replay.shown == Some(moment));
    assert!(harness.state().session.desk.showing_past());
    assert_eq!(fix_lon(&harness), Some(lon + 0.001), "the unit where it was then");
    assert!(harness.state().session.desk.world().alarms().is_empty(), "the alarm came later");
    let track: Vec<f64> = harness.state().session.desk.tracks.of("replay-u", moment).map(|p| p.lon).collect();
    assert_eq!(track, [lon + 0.001], "its track up to the moment, from the journal");
    // Evidence of the moment: the stamped picture and the track shown.
    harness.state_mut().trails_shown.insert("replay-u".into());
    harness.state_mut().save_evidence();
    step_until(&mut harness, "the evidence saved", |h| h.state().replay.saved.is_some());
    let said = harness.state().replay.saved.clone().unwrap_or_default();
    assert!(said.starts_with("saved "), "{said}");
    let stem = format!("evidence/pantau-{moment}");
    let lines: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{stem}.geojson")).expect("the tracks")).expect("GeoJSON");
    assert_eq!(lines["features"][0]["properties"]["unit"], "replay-u");
    let seq = lines["properties"]["journal_seq"].as_u64().expect("the record it was read to");
    assert!(seq >= 1);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(format!("{stem}.png")).expect("png")));
    let reader = decoder.read_info().expect("a PNG");
    let head = reader
        .info()
        .uncompressed_latin1_text
        .iter()
        .find(|t| t.keyword == "pantau:journal-head")
        .map(|t| t.text.clone());
    assert_eq!(head.as_deref().and_then(|h| h.split(' ').next()), Some(seq.to_string().as_str()));
    drop(std::fs::remove_file(format!("{stem}.png")));
    drop(std::fs::remove_file(format!("{stem}.geojson")));
    // A moment a little later comes as the records in between, stepped through from the one
    // shown: the second fix and the alarm.
    let later = moment + 1_500;
    while pantau::model::now_millis() <= later + 100 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    harness.run_steps(1);
    harness.state_mut().replay_at(later, pantau::model::now_millis());
    step_until(&mut harness, "the moment a little later", |h| h.state().replay.shown == Some(later));
    assert_eq!(fix_lon(&harness), Some(lon + 0.002), "the unit where it was a little later");
    assert_eq!(harness.state().session.desk.world().alarms().len(), 1, "the alarm by then");
    harness
        .state_mut()
        .session
        .desk
        .command(Command::SetStatus { unit: "replay-u".into(), status: UnitStatus::OffDuty });
    let refusal = harness.state().session.desk.refusal.clone().unwrap_or_default();
    assert!(refusal.contains("shows the past"), "{refusal}");
    // The banner across the map, in its colour, and the live world going on meanwhile.
    harness.run_steps(2);
    let image = harness.render().expect("a frame");
    let band = common::rgb(harness.state().palette.alarm_acknowledged);
    let overview = harness.state().overview;
    let ppp = harness.ctx.pixels_per_point();
    let top = (overview.min.y * ppp) as u32 + 4;
    let banner = ((overview.min.x * ppp) as u32..(overview.max.x * ppp) as u32)
        .filter(|&x| common::close(image.get_pixel(x, top).0, band, 12))
        .count();
    assert!(banner as f32 > overview.width() * ppp * 0.5, "a banner across the map: {banner} pixels");
    send(&harness, vec![at(0.003)]);
    std::thread::sleep(std::time::Duration::from_millis(200));
    harness.run_steps(3);
    assert_eq!(fix_lon(&harness), Some(lon + 0.002), "still the past moment, not the live fix");
    harness.state_mut().stop_replay();
    step_until(&mut harness, "live again", |h| !h.state().session.desk.showing_past());
    step_until(&mut harness, "the live fix", |h| fix_lon(h) == Some(lon + 0.003));
    let live = pantau::model::now_millis();
    assert!(harness.state().session.desk.tracks.of("replay-u", live).count() >= 1, "the live tracks are back");
    // Who was near the unit's last place in the last hour (a click on the map asks).
    harness.state_mut().place(pantau::ui::state::Placing::Near, lon + 0.003, lat);
    step_until(&mut harness, "who was near", |h| h.state().near.found.is_some());
    let found = harness.state().near.found.clone().expect("found").expect("searched");
    assert_eq!(found.iter().map(|s| s.unit.as_str()).collect::<Vec<_>>(), ["replay-u"]);
    assert!(found[0].closest_m < 1.0 && found[0].fixes >= 2, "{found:?}");
    assert_eq!(harness.state().session.desk.world().alarms().len(), 1);
    harness.into_state().session.stop().expect("clean stop");
}

/// The reports window on the incidents of the last hour: the table's rows by shift and in all,
/// and the charts, worked out over the world on screen.
#[test]
fn the_reports_window_tables_and_charts_response_times() {
    let (console, _dir) = console(Role::Analyst);
    let (events, _) = incidents_clustered();
    drop(console.session.ingest().expect("running").send(events));
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .wgpu()
        .build_ui_state(|ui, c: &mut Console| c.frame(ui, None), console);
    step_until(&mut harness, "the incidents", |h| h.state().session.desk.world().incidents().len() == 80);
    harness.state_mut().reports.open = true;
    step_until(&mut harness, "the report", |h| h.query_by_label_contains("Answer times (80 calls answered)").is_some());
    let rows = &harness.state().reports.worked.as_ref().expect("worked").rows;
    let all = rows.last().expect("the all row");
    assert_eq!((all.group.as_str(), all.calls, all.answered, all.incidents), ("all", 80, 80, 80));
    assert!(rows.len() >= 2, "a shift and all: {rows:?}");
    harness.run_steps(2);
    std::fs::create_dir_all("target/ui").expect("target/ui");
    harness.render().expect("a frame").save("target/ui/reports.png").expect("save");
    // An analyst studies; the world refuses an analyst's operational command.
    harness.state_mut().session.desk.command(pantau::model::Command::CloseIncident {
        incident: 1,
        disposition: pantau::model::Disposition::Handled,
        note: String::new(),
    });
    step_until(&mut harness, "the refusal", |h| h.state().session.desk.refusal.is_some());
    assert!(harness.state().session.desk.world().incident(1).is_some_and(|i| i.state.is_open()), "still open");
    harness.into_state().session.stop().expect("clean stop");
}

/// A commander's desk on the demo city with its stations as posts.
fn commander_with_stations() -> (Console, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let files = demo::write(1, &dir.path().join("demo")).expect("demo city");
    let config = SessionConfig::quiet_demo(&files, dir.path().join("journal"), "commander", Role::Commander);
    let session = Session::start(config).expect("session");
    let stations = pantau::layer_files::points::read_points(&files.stations)
        .expect("stations")
        .into_iter()
        .map(|p| {
            let name = p.tag("name").or(p.tag("id")).unwrap_or("station").to_string();
            pantau::ui::Place { id: name.clone(), label: name, lon: p.lon, lat: p.lat }
        })
        .collect();
    (Console::new(session, false, stations, Vec::new(), Vec::new()), dir)
}

/// Six units, three at the centre and three 4 km east; the three at the centre are sent away
/// and the centre's roads go uncovered; the suggested move-up sends one of the others to a
/// station, and the commander's acceptance is journaled. (The map's drawing of coverage is
/// checked in live_layers.rs.)
#[test]
fn a_commander_sees_coverage_fall_and_moves_a_unit_up() {
    use pantau::model::{Command, Event, FeedKind, Fix};
    let (console, _dir) = commander_with_stations();
    let (lon, lat) = demo::CENTRE;
    let now = pantau::model::now_millis();
    let at =
        |dx: f64, dy: f64| Fix { time: now, lon: lon + dx, lat: lat + dy, speed: None, heading: None, accuracy: None };
    let places = [(0.0, 0.0), (0.002, 0.001), (-0.002, 0.0), (0.036, 0.0), (0.038, 0.002), (0.036, -0.002)];
    let units: Vec<String> = (0..places.len()).map(|i| format!("demo-{:04}", i + 1)).collect();
    let events: Vec<Event> = units
        .iter()
        .zip(places)
        .map(|(id, (dx, dy))| Event::Position { device: id.clone(), fix: at(dx, dy), feed: FeedKind::Simulator })
        .collect();
    drop(console.session.ingest().expect("running").send(events));
    let mut harness = harness(console);
    let counted = |h: &Harness<'_, Console>| h.state().coverage.totals().map_or(0.0, |t| t.share());
    step_until(&mut harness, "six units counted", |h| {
        let fixed = h.state().session.desk.world().units().iter().filter(|u| u.last_fix.is_some()).count();
        fixed == 6 && h.state().coverage.totals().is_some()
    });
    step_until(&mut harness, "the six units' coverage", |h| counted(h) > 0.0);
    std::thread::sleep(Duration::from_millis(2_100));
    harness.run_steps(2);
    let before = counted(&harness);
    assert!(harness.query_by_label_contains("of road within 10 min of a free unit").is_some());
    for id in &units[..3] {
        let status = UnitStatus::Dispatched;
        harness.state_mut().session.desk.command(Command::SetStatus { unit: id.clone(), status });
    }
    step_until(&mut harness, "the centre uncovered", |h| counted(h) < before - 0.02);
    let after = counted(&harness);
    harness.get_by_label_contains("suggest a move-up").click();
    step_until(&mut harness, "a suggestion", |h| h.query_by_label_contains("km covered").is_some());
    let suggestion = harness.state().coverage.suggestion.clone().expect("a move-up");
    assert!(units[3..].contains(&suggestion.unit), "a free unit moves: {suggestion:?}");
    assert!(suggestion.gain_km > 0.0 && suggestion.share_after > after, "{suggestion:?} from {after:.3}");

    harness.get_by_label_contains("Accept: move").click();
    step_until(&mut harness, "the unit moving up", |h| {
        h.state().session.desk.world().unit(&suggestion.unit).map(|u| u.status) == Some(UnitStatus::Returning)
    });
    let mut console = harness.into_state();
    let journal = console.session.journal.clone().expect("hosted");
    console.session.stop().expect("clean stop");
    let replayed = pantau::journal::replay(&journal).expect("replay");
    let unit = replayed.unit(&suggestion.unit).expect("the unit");
    assert_eq!(
        (unit.status, unit.home_station.as_deref()),
        (UnitStatus::Returning, Some(suggestion.post.name.as_str()))
    );
}

/// A plan on the commander's desk: a convoy that has not reached a waypoint past its time, a
/// checkpoint whose unit is 2 km away and a deployment short of units are flagged in the
/// panel and the status strip and drawn on the map in the alarm colour; **Drop** stops it,
/// journaled.
#[test]
fn a_commander_s_plan_flags_a_late_convoy_and_a_unit_off_post_then_is_dropped() {
    use pantau::model::plans::{Checkpoint, Deployment, Escort, Plan, Waypoint};
    use pantau::model::{Command, Event, FeedKind, Fix, UnitKind};
    let (console, _dir) = console(Role::Commander);
    let (lon, lat) = demo::CENTRE;
    let now = pantau::model::now_millis();
    let fix = |dx: f64| Fix { time: now, lon: lon + dx, lat, speed: None, heading: None, accuracy: None };
    let events = vec![
        Event::Position { device: "demo-0001".into(), fix: fix(0.0), feed: FeedKind::Simulator },
        Event::Position { device: "demo-0002".into(), fix: fix(-0.018), feed: FeedKind::Simulator },
    ];
    drop(console.session.ingest().expect("running").send(events));
    let zone = console.session.desk.live.zones.lookup(lon, lat).first().map(|z| z.code.clone()).expect("a zone");
    let minutes = |m: i64| now + m * 60_000;
    let waypoint = |name: &str, dx: f64, eta| Waypoint { name: name.into(), lon: lon + dx, lat, eta };
    let plan = Plan {
        id: "op-1".into(),
        name: "Operasi Pusat".into(),
        checkpoints: vec![Checkpoint {
            name: "Pos Timur".into(),
            lon: lon + 0.01,
            lat,
            radius_m: 150.0,
            from: minutes(-60),
            until: minutes(60),
            units: vec!["demo-0002".into()],
        }],
        escorts: vec![Escort {
            name: "Konvoi".into(),
            units: vec!["demo-0001".into()],
            waypoints: vec![waypoint("Start", 0.0, minutes(-10)), waypoint("Finish", 0.02, minutes(-5))],
            hold: vec![],
        }],
        deployments: vec![Deployment { zone, kind: UnitKind::Drone, count: 3, from: minutes(-60), until: minutes(60) }],
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 900.0))
        .wgpu()
        .build_ui_state(|ui, c: &mut Console| c.frame(ui, None), console);
    step_until(&mut harness, "the two units", |h| {
        h.state().session.desk.world().units().iter().filter(|u| u.last_fix.is_some()).count() == 2
    });
    // Alarm red on the map (between the side panels), exactly as the overlays paint it.
    let red = |image: &image::RgbaImage, palette: &pantau::render::style::Palette| {
        let [r, g, b, _] = pantau::render::style::bytes(palette.alarm);
        image.enumerate_pixels().filter(|(x, _, p)| (300..1250).contains(x) && p.0[..3] == [r, g, b]).count()
    };
    let palette = harness.state().palette.clone();
    let before = red(&harness.render().expect("a frame"), &palette);
    harness.state_mut().session.desk.command(Command::SavePlan { plan });
    // The convoy's progress is learnt from the positions that come after the plan: until then
    // it has not set off.
    step_until(&mut harness, "the convoy not set off", |h| {
        h.query_by_label_contains("Konvoi: 10 min late at Start, not there yet").is_some()
    });
    let moved = Fix { time: now + 1_000, ..fix(0.0) };
    let position = Event::Position { device: "demo-0001".into(), fix: moved, feed: FeedKind::Simulator };
    drop(harness.state().session.ingest().expect("running").send(vec![position]));
    step_until(&mut harness, "the convoy late at its next waypoint", |h| {
        h.query_by_label_contains("Konvoi: 5 min late at Finish").is_some()
    });
    step_until(&mut harness, "the flags counted", |h| h.query_by_label("plans: 2 flagged").is_some());
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("demo-0002 off post Pos Timur").is_some());
    assert!(harness.query_by_label_contains("0 of 3 drone units").is_some());
    let image = harness.render().expect("a frame");
    image.save(common::scratch().join("plan-desk.png")).expect("save the frame");
    let after = red(&image, &palette);
    assert!(after > before + 200, "the late route and the checkpoint off post in alarm red: {before} then {after}");

    harness.get_by_label("Drop op-1").click();
    step_until(&mut harness, "the plan dropped", |h| h.state().session.desk.world().plans().is_empty());
    step_until(&mut harness, "the flags gone", |h| h.query_by_label_contains("plans:").is_none());
    let dropped = red(&harness.render().expect("a frame"), &palette);
    assert!(dropped <= before, "nothing of the plan is left on the map: {dropped} red pixels, {before} before");
    let mut console = harness.into_state();
    let journal = console.session.journal.clone().expect("hosted");
    console.session.stop().expect("clean stop");
    let replayed = pantau::journal::replay(&journal).expect("replay");
    assert!(replayed.plans().is_empty(), "the drop is journaled");
}

/// The zone editor on the commander's desk: the zone at the centre split by a drawn part
/// (the panel's **Finish**), its outline and corner handles drawn in the edit colour, the two
/// zones sent to the hub (**Send**), journaled, and the desk's zones and tree following (the
/// new zone covered by the old one's node); then a corner dragged 3 km across the zones (the
/// new zone's with it, as they share it) breaks a ring: ringed on the map in alarm red with
/// its number, named in the panel, and **Send** is held back.
#[test]
fn a_commander_splits_a_zone_and_a_broken_edit_is_drawn_and_held_back() {
    use geo::BoundingRect;
    use pantau::ui::state::zone_editor::Tool;
    let (console, _dir) = console(Role::Commander);
    let (lon, lat) = demo::CENTRE;
    // The finest zone at the centre that a node of the tree covers by its code.
    let org = console.session.desk.org.clone().expect("the demo's tree");
    let zone = {
        let zones = console.session.desk.live.zones.lookup(lon, lat);
        let covered = zones.into_iter().filter(|z| org.owner_of(&z.code).is_some());
        covered.max_by_key(|z| z.level).cloned().expect("a covered zone at the centre")
    };
    let owner = org.owner_of(&zone.code).map(|n| n.id.clone());
    let r = zone.polygon.bounding_rect().expect("a box");
    let (w, h) = (r.width(), r.height());
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 900.0))
        .wgpu()
        .build_ui_state(|ui, c: &mut Console| c.frame(ui, None), console);
    harness.state_mut().view =
        pantau::render::View::fit((r.min().x - w, r.min().y - h, r.max().x + w, r.max().y + h), 1000, 800);
    harness.get_by_label("Zone editor").click();
    harness.run_steps(2);
    harness.get_by_label("Edit zones").click();
    step_until(&mut harness, "the editor open", |h| h.state().zone_editor.open);
    {
        let editor = &mut harness.state_mut().zone_editor;
        editor.selected = Some(zone.code.clone());
        editor.tool = Tool::Split;
        editor.new_code = "rayon-baru".into();
        editor.new_name = "Rayon Baru".into();
        // The western half of the zone's box, drawn a little beyond it.
        let mid = r.min().x + w / 2.0;
        let (x0, y0, y1) = (r.min().x - w * 0.1, r.min().y - h * 0.1, r.max().y + h * 0.1);
        editor.drawing = vec![(x0, y0), (mid, y0), (mid, y1), (x0, y1)];
    }
    harness.run_steps(2);
    harness.get_by_label("Finish (4 corners)").click();
    step_until(&mut harness, "the split", |h| h.state().zone_editor.touched.len() == 2);
    assert!(harness.state().zone_editor.problems.is_empty(), "{:?}", harness.state().zone_editor.problems);
    harness.run_steps(2);
    let edit_colour = pantau::render::style::bytes(harness.state().palette.route_alternative);
    let coloured = |image: &image::RgbaImage, [r, g, b, _]: [u8; 4]| {
        image.enumerate_pixels().filter(|(x, _, p)| (300..1250).contains(x) && p.0[..3] == [r, g, b]).count()
    };
    let image = harness.render().expect("a frame");
    image.save(common::scratch().join("zone-editor-split.png")).expect("save the frame");
    assert!(coloured(&image, edit_colour) > 500, "the changed zones outlined in the edit colour");

    harness.get_by_label("Send 2 changed zones to the hub").click();
    step_until(&mut harness, "the edit applied", |h| h.state().session.desk.world().zones().version() == 1);
    step_until(&mut harness, "the desk's zones following", |h| {
        h.state().session.desk.live.zones.zones().iter().any(|z| z.code == "rayon-baru")
    });
    let desk = &harness.state().session.desk;
    let new_owner = desk.org.as_ref().and_then(|o| o.owner_of("rayon-baru")).map(|n| n.id.clone());
    assert_eq!(new_owner, owner, "the new zone is covered by the node that covered the old one");

    // A corner of the remaining east part dragged 3 km west, over the new zone and beyond.
    let rest = desk.live.zones.zones().iter().find(|z| z.code == zone.code).expect("the rest").clone();
    let corner = rest.polygon.0[0].exterior().0[1];
    harness.state_mut().zone_editor.selected = Some(zone.code.clone());
    harness.state_mut().zone_drop_corner((corner.x, corner.y), (corner.x - 0.03, corner.y));
    step_until(&mut harness, "the problem found", |h| !h.state().zone_editor.problems.is_empty());
    harness.run_steps(2);
    let first = harness.state().zone_editor.problems[0].to_string();
    assert!(harness.query_by_label_contains(&format!("1. {first}")).is_some(), "named in the panel: {first}");
    let image = harness.render().expect("a frame");
    image.save(common::scratch().join("zone-editor-overlap.png")).expect("save the frame");
    let alarm = pantau::render::style::bytes(harness.state().palette.alarm);
    assert!(coloured(&image, alarm) > 300, "the problem ringed in alarm red");
    let send = harness.get_by_label_contains("changed zones to the hub");
    assert!(send.accesskit_node().is_disabled(), "an edit with a problem is not sent");
    let mut console = harness.into_state();
    let journal = console.session.journal.clone().expect("hosted");
    console.session.stop().expect("clean stop");
    let replayed = pantau::journal::replay(&journal).expect("replay");
    assert_eq!(replayed.zones().version(), 1, "the split is journaled, the broken edit never sent");
}
