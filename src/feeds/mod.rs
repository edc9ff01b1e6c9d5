//! Live inputs: listeners and parsers for field devices (OsmAnd / Traccar Client over HTTP,
//! Traccar JSON forwarding, NMEA 0183 over TCP, panic alarms as JSON, MQTT with OwnTracks),
//! validation, the simulator, and the
//! ingest pipeline that makes every accepted event durable before it is acknowledged.

pub mod alarm_api;
pub mod ingest;
pub mod layers;
pub mod listeners;
pub mod metrics;
pub mod mqtt;
pub mod nmea;
pub mod osmand;
pub mod owntracks;
pub mod serve;
pub mod sim;
pub mod tokens;
pub mod traccar;
pub mod validate;
