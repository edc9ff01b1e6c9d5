//! Documents pantau hands to other agencies: an incident as an EIDD-style JSON document
//! (`eidd.rs`, after NENA-STA-021, for CAD-to-CAD hand-off) and a public area warning as
//! CAP 1.2 XML (`cap.rs`, OASIS Common Alerting Protocol).

pub mod cap;
pub mod eidd;
