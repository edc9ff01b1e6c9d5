//! The incidents panel: the open incidents this seat sees, most urgent first, each with its
//! kind (Polri's name and the APCO code), where it was handed, its state and units. The one
//! opened shows its narrative and milestones, its nearest available units with **Dispatch**,
//! and the steps that follow (en route, on scene, cleared, close as handled). Also the call
//! taker's form that opens an incident from a call they hold.

use eframe::egui::{self, RichText};

use super::look::{age, clock, readable};
use crate::model::incidents::{Milestone, LOWEST_PRIORITY};
use crate::model::{now_millis, Call, Command, Disposition, Incident, IncidentKind, IncidentState};
use crate::ui::state::{Console, FormPlace, IncidentForm, Placing};

/// How many search results the form's place search offers.
const PLACE_RESULTS: usize = 5;

pub fn queue(ui: &mut egui::Ui, console: &mut Console) {
    let incidents: Vec<Incident> = console.session.desk.incident_queue().into_iter().cloned().collect();
    if incidents.is_empty() {
        return;
    }
    ui.heading(format!("Incidents ({} open)", incidents.len()));
    let mut chosen = None;
    for incident in &incidents {
        let selected = console.selected_incident == Some(incident.id);
        let shade = if incident.active.is_empty() { console.palette.alarm } else { console.palette.alarm_acknowledged };
        let text = RichText::new(summary(console, incident)).color(readable(shade, ui.visuals().panel_fill)).strong();
        if ui.selectable_label(selected, text).clicked() {
            chosen = Some(incident.id);
        }
    }
    if let Some(id) = chosen {
        console.select_incident(id);
    }
    let open = console.selected_incident.and_then(|id| incidents.iter().find(|i| i.id == id).cloned());
    if let Some(incident) = open {
        detail(ui, console, &incident);
    }
    ui.separator();
}

/// One line: number, priority, kind, where it was handed, state, units, age.
fn summary(console: &Console, incident: &Incident) -> String {
    let desk = &console.session.desk;
    let code = incident.kind.apco_code().unwrap_or("-");
    let node = incident.node.as_deref().map_or("not handed yet".to_string(), |n| desk.node_name(n).to_string());
    let units: Vec<String> =
        incident.active.iter().map(|u| desk.world().unit(u).map_or(u.clone(), |unit| unit.callsign.clone())).collect();
    let received = incident.reached(Milestone::Received).unwrap_or_default();
    format!(
        "#{} P{} {} ({code}) · {node} · {} · {}{}",
        incident.id,
        incident.priority,
        incident.kind.polri_name(),
        state_name(incident.state),
        age(received, now_millis()),
        if units.is_empty() { String::new() } else { format!(" · {}", units.join(", ")) }
    )
}

fn state_name(state: IncidentState) -> &'static str {
    match state {
        IncidentState::Open => "waiting for a unit",
        IncidentState::Dispatched => "dispatched",
        IncidentState::EnRoute => "en route",
        IncidentState::OnScene => "on scene",
        IncidentState::Cleared => "cleared",
        IncidentState::Closed => "closed",
    }
}

/// Where the centre keeps its own journal: one button per milestone shows the record at that
/// moment.
fn replay_milestones(ui: &mut egui::Ui, console: &mut Console, incident: &Incident) {
    if console.replay_journal().is_none() {
        return;
    }
    let mut jump = None;
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Replay at").small());
        for step in &incident.steps {
            if ui.small_button(format!("{:?}", step.milestone)).clicked() {
                jump = Some(step.time);
            }
        }
    });
    if let Some(at) = jump {
        console.replay_at(at, now_millis());
    }
}

fn detail(ui: &mut egui::Ui, console: &mut Console, incident: &Incident) {
    if !incident.address.is_empty() {
        ui.label(format!("Address: {}", incident.address));
    }
    if let Some(number) = &incident.caller {
        let name = incident.caller_name.as_deref().map_or(String::new(), |n| format!(" ({n})"));
        ui.label(format!("Caller: {number}{name}"));
    }
    if !incident.zones.is_empty() {
        ui.label(format!("Zones: {}", incident.zones.join(" › ")));
    }
    if !incident.alarms.is_empty() {
        let linked: Vec<String> = incident.alarms.iter().map(|a| format!("#{a}")).collect();
        ui.label(format!("Alarms linked: {}", linked.join(", ")));
    }
    link_alarms(ui, console, incident);
    for entry in &incident.narrative {
        ui.label(format!("{} · {}: {}", clock(entry.time), entry.by, entry.text));
    }
    let steps: Vec<String> =
        incident.steps.iter().map(|s| format!("{:?} {} ({})", s.milestone, clock(s.time), s.by)).collect();
    ui.label(RichText::new(steps.join(" · ")).small());
    replay_milestones(ui, console, incident);
    let mut command = None;
    if matches!(incident.state, IncidentState::Open | IncidentState::Cleared) {
        ui.label(RichText::new("Nearest available units").strong());
        if console.incident_candidates.is_empty() {
            ui.label("none available (or the incident has no place)");
        }
        for candidate in console.incident_candidates.iter().take(3) {
            let Some(unit) = console.session.desk.world().units().get(candidate.slot as usize) else { continue };
            let eta = candidate.eta_s.map_or(String::new(), |s| format!(" · {:.0} min", (s / 60.0).ceil()));
            let label = format!(
                "Dispatch {} · {:.1} km{eta}",
                unit.callsign,
                candidate.road_m.unwrap_or(candidate.straight_m) / 1000.0
            );
            if ui.button(label).clicked() {
                command = Some(Command::DispatchIncident { incident: incident.id, unit: unit.id.clone() });
            }
        }
    }
    ui.horizontal_wrapped(|ui| {
        let next = match incident.state {
            IncidentState::Dispatched => Some(("En route", IncidentState::EnRoute)),
            IncidentState::EnRoute => Some(("On scene", IncidentState::OnScene)),
            IncidentState::OnScene => Some(("Cleared", IncidentState::Cleared)),
            _ => None,
        };
        if let Some((label, to)) = next {
            if ui.button(label).clicked() {
                command = Some(Command::IncidentProgress { incident: incident.id, to });
            }
        }
        if ui.button("Close as handled").clicked() {
            command = Some(Command::CloseIncident {
                incident: incident.id,
                disposition: Disposition::Handled,
                note: String::new(),
            });
        }
    });
    if let Some(command) = command {
        console.session.desk.command(command);
        console.select_incident(incident.id);
    }
}

/// The call taker's form on a call they hold: the kind, the priority (the kind's unless
/// changed), the caller's name, the place (the caller's AML location unless one is found by
/// road, place, zone or coordinates, or clicked on the map), a first line, and **Open
/// incident** (the call becomes valid; the incident goes to the Polres of its place).
pub fn form(ui: &mut egui::Ui, console: &mut Console, call: &Call) {
    if console.incident_form.call != Some(call.id) {
        console.incident_form = IncidentForm { call: Some(call.id), ..IncidentForm::default() };
    }
    let form = &mut console.incident_form;
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt(("incident-kind", call.id)).selected_text(form.kind.polri_name()).show_ui(
            ui,
            |ui| {
                for choice in IncidentKind::ALL {
                    ui.selectable_value(&mut form.kind, choice, choice.polri_name());
                }
            },
        );
        let shown =
            form.priority.map_or_else(|| format!("P{} (kind's)", form.kind.default_priority()), |p| format!("P{p}"));
        egui::ComboBox::from_id_salt(("incident-priority", call.id)).selected_text(shown).show_ui(ui, |ui| {
            ui.selectable_value(&mut form.priority, None, "the kind's");
            for p in 1..=LOWEST_PRIORITY {
                ui.selectable_value(&mut form.priority, Some(p), format!("P{p}"));
            }
        });
    });
    ui.add(egui::TextEdit::singleline(&mut console.incident_form.caller_name).hint_text("the caller's name"));
    place(ui, console, call);
    ui.add(egui::TextEdit::singleline(&mut console.incident_form.note).hint_text("what the caller says"));
    if ui.button(format!("Open incident from call {}", call.id)).clicked() {
        open_from(console, call);
    }
}

/// Where the incident is: what the form holds, a search (its first results offered), and a
/// button that waits for a click on the map.
fn place(ui: &mut egui::Ui, console: &mut Console, call: &Call) {
    let chosen = match (&console.incident_form.place, &call.location) {
        (Some(place), _) => format!("Incident at {}", place.address),
        (None, Some(at)) => format!("Incident at the caller's AML location (±{:.0} m)", at.radius),
        (None, None) => "Incident place not known: find it or click the map".to_string(),
    };
    ui.label(chosen);
    ui.horizontal(|ui| {
        let hint = "road, place, zone or lat, lon";
        ui.add(egui::TextEdit::singleline(&mut console.incident_form.place_query).hint_text(hint));
        let waiting = console.placing == Some(Placing::Incident);
        let label = if waiting { "click the map… (cancel)" } else { "Pick on map" };
        if ui.button(label).clicked() {
            console.placing = if waiting { None } else { Some(Placing::Incident) };
        }
    });
    let found = console.find(&console.incident_form.place_query, PLACE_RESULTS);
    for result in found {
        if ui.link(format!("Place here: {}", result.label)).clicked() {
            let address = result.road.clone().unwrap_or_else(|| result.label.clone());
            console.incident_form.place = Some(FormPlace { lon: result.lon, lat: result.lat, address });
            console.incident_form.place_query.clear();
            console.fly_to(result.lon, result.lat, result.zoom);
        }
    }
}

/// Open alarms near an open incident, offered as the same emergency: **Link** joins the alarm
/// to it.
fn link_alarms(ui: &mut egui::Ui, console: &mut Console, incident: &Incident) {
    if !incident.state.is_open() {
        return;
    }
    let offers: Vec<(u64, String)> = console
        .session
        .desk
        .alarms_near(incident)
        .into_iter()
        .map(|(alarm, metres)| (alarm.id, format!("Alarm #{} ({}, {metres:.0} m away): Link", alarm.id, alarm.kind)))
        .collect();
    for (alarm, label) in offers {
        if ui.button(label).clicked() {
            console.session.desk.command(Command::LinkAlarm { incident: incident.id, alarm });
        }
    }
}

/// Open incidents of the form's kind near the caller, offered as the same one: **Attach**
/// joins the call to it (the call is then valid).
pub fn likely_same(ui: &mut egui::Ui, console: &mut Console, call: &Call) {
    let kind = console.incident_form.kind;
    let at = console.incident_form.place.as_ref().map(|p| (p.lon, p.lat));
    let offers: Vec<(u64, String)> = console
        .session
        .desk
        .likely_duplicates(call, kind, at)
        .into_iter()
        .map(|(incident, metres)| {
            (incident.id, format!("Same as #{} ({}, {metres:.0} m away)? Attach", incident.id, kind.polri_name()))
        })
        .collect();
    for (incident, label) in offers {
        if ui.button(label).clicked() {
            console.session.desk.command(Command::AttachCall { incident, call: call.id });
        }
    }
}

/// Opens an incident from the call with what the form holds, and empties the form.
pub fn open_from(console: &mut Console, call: &Call) {
    let form = std::mem::take(&mut console.incident_form);
    let (at, address) = form.place.map_or((None, String::new()), |p| (Some((p.lon, p.lat)), p.address));
    let open = Command::OpenIncidentWithCaller {
        call: call.id,
        kind: form.kind,
        priority: form.priority,
        at,
        address,
        note: form.note,
        caller_name: form.caller_name,
    };
    console.session.desk.command(open);
}
