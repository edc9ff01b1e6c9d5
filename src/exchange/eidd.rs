//! An incident as an EIDD-style JSON document, after the NENA/APCO Emergency Incident Data
//! Document (NENA-STA-021): one object carrying the incident's components, each a list or an
//! object under its EIDD component name (incident, call, the caller as a person, location with
//! its zones, notes, linked alarms, responders and the vehicles they drive, status milestones,
//! disposition). Its kind travels as its APCO ANS
//! 2.103.1 common incident type code with Polri's own name beside it.

use serde_json::{json, Value};

use crate::model::{iso8601, Incident, IncidentId};
use crate::world::World;

/// Who sends the document: the agency (the centre's name) and the node the incident is at.
pub struct Sender<'a> {
    pub agency: &'a str,
    pub node_name: Option<&'a str>,
}

/// The EIDD-style document of incident `id` as the world holds it, sent at `now`.
pub fn document(world: &World, id: IncidentId, sender: &Sender, now: i64) -> Result<Value, String> {
    let incident = world.incident(id).ok_or_else(|| format!("no incident {id}"))?;
    Ok(json!({
        "$id": format!("urn:pantau:eidd:{}:{id}:{now}", sender.agency),
        "eiddVersion": "NENA-STA-021 (pantau EIDD-style JSON)",
        "sentTimestamp": iso8601(now),
        "senderAgency": { "name": sender.agency, "unit": sender.node_name },
        "incidentComponent": incident_component(incident),
        "callComponent": calls(world, incident),
        "personComponent": incident.caller.as_ref().map(|number| vec![json!({
            "personRole": "caller", "personName": incident.caller_name, "telephoneNumber": number,
        })]).unwrap_or_default(),
        "locationComponent": location(incident),
        "alarmComponent": alarms(world, incident),
        "notesComponent": incident.narrative.iter().map(|e| json!({
            "notesTimestamp": iso8601(e.time), "author": e.by, "notesActionComment": e.text,
        })).collect::<Vec<_>>(),
        "vehicleComponent": vehicles(world, incident),
        "incidentStatusComponent": incident.steps.iter().map(|s| json!({
            "status": format!("{:?}", s.milestone), "statusTimestamp": iso8601(s.time), "by": s.by, "note": s.note,
        })).collect::<Vec<_>>(),
        "dispositionComponent": incident.disposition.map(|d| json!({ "dispositionCode": d.name() })),
    }))
}

fn incident_component(incident: &Incident) -> Value {
    json!({
        "incidentTrackingIdentifier": incident.id,
        "incidentTypeCommonRegistryText": incident.kind.apco_code(),
        "incidentTypeCommonRegistry": "APCO ANS 2.103.1",
        "incidentTypeLocalText": incident.kind.polri_name(),
        "incidentPriority": incident.priority,
        "incidentStatus": format!("{:?}", incident.state),
        "handedTo": incident.node,
    })
}

fn calls(world: &World, incident: &Incident) -> Vec<Value> {
    let calls = incident.calls.iter().filter_map(|id| world.call(*id));
    calls
        .map(|call| {
            json!({
                "callIdentifier": call.key,
                "callbackNumber": call.number,
                "callChannel": call.channel,
                "callReceivedTimestamp": iso8601(call.rang_at),
                "callAnsweredTimestamp": call.answered_at.map(iso8601),
                "callTaker": call.answered_by,
                "deviceLocation": call.location.as_ref().map(|l| json!({
                    "latitude": l.lat, "longitude": l.lon, "radiusMetres": l.radius,
                    "method": l.method, "confidencePercent": l.confidence, "timestamp": iso8601(l.time),
                    "source": "AML (ETSI TS 103 625)",
                })),
            })
        })
        .collect()
}

fn location(incident: &Incident) -> Value {
    json!({
        "latitude": incident.lat,
        "longitude": incident.lon,
        "datum": "WGS84",
        "civicAddressText": incident.address,
        "zones": incident.zones,
    })
}

fn alarms(world: &World, incident: &Incident) -> Vec<Value> {
    let alarms = incident.alarms.iter().filter_map(|id| world.alarm(*id));
    alarms
        .map(|alarm| {
            json!({
                "alarmIdentifier": alarm.id,
                "alarmSource": alarm.source,
                "alarmKind": alarm.kind,
                "alarmTimestamp": iso8601(alarm.time),
                "alarmStatus": format!("{:?}", alarm.state),
                "latitude": alarm.lat,
                "longitude": alarm.lon,
            })
        })
        .collect()
}

fn vehicles(world: &World, incident: &Incident) -> Vec<Value> {
    let units = incident.units.iter().filter_map(|u| world.unit(u));
    units
        .map(|unit| {
            json!({
                "vehicleIdentifier": unit.id,
                "callsign": unit.callsign,
                "vehicleKind": unit.kind,
                "vehicleStatus": unit.status,
                "lastKnownPosition": unit.last_fix.map(|f| json!({ "latitude": f.lat, "longitude": f.lon, "timestamp": iso8601(f.time) })),
            })
        })
        .collect()
}
