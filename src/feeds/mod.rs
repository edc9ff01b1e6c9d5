//! Protocol adapters for field devices and centre software: each protocol's parser (bytes ->
//! `Event`) and, where pantau also speaks it (the simulator, load runs), its encoder, side by
//! side; the listeners that take them off the network (OsmAnd / Traccar Client over HTTP,
//! Traccar JSON forwarding, panic alarms as JSON, 110 calls from the telephony bridge and
//! callers' AML locations, NMEA 0183 over TCP, MQTT with OwnTracks);
//! and per-device tokens; the connection limits every listener is under (`connections`,
//! `http`). Everything accepted goes to the ingest core (`crate::ingest`).

pub mod alarm_api;
pub mod calls;
pub mod connections;
pub mod http;
pub mod listeners;
pub mod mqtt;
pub mod nmea;
pub mod osmand;
pub mod owntracks;
pub mod tokens;
pub mod traccar;
