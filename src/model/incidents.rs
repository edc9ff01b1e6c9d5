//! Incidents: what a valid 110 call becomes. Its kind (from Polri's categories, each mapped to
//! the APCO ANS 2.103.1 common incident type code it is exchanged as), priority, place, the
//! caller, the narrative, the calls and units on it, the Polres it was handed to, and every
//! milestone with who and when.

use serde::{Deserialize, Serialize};

use super::{CallId, DeviceId, Disposition, Millis};

/// An incident's number in the world (1, 2, ...), given as it is opened.
pub type IncidentId = u64;

/// Longest narrative entry or address, in bytes.
pub const MAX_TEXT: usize = 2_000;
/// Longest caller's name, in bytes.
pub const MAX_NAME: usize = 128;

/// Incident priorities run from 1 (highest) to this.
pub const LOWEST_PRIORITY: u8 = 5;

/// The kinds a call taker chooses from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    TrafficAccident,
    TrafficAccidentInjury,
    TrafficJam,
    Robbery,
    Burglary,
    Theft,
    VehicleTheft,
    Assault,
    DomesticViolence,
    Brawl,
    Disturbance,
    Fire,
    Medical,
    MissingPerson,
    Suspicious,
    Drugs,
    Weapon,
    SexualOffence,
    Threat,
    BombThreat,
    Kidnapping,
    Protest,
    PublicAssistance,
    #[default]
    Other,
}

impl IncidentKind {
    pub const ALL: [IncidentKind; 24] = [
        IncidentKind::TrafficAccident,
        IncidentKind::TrafficAccidentInjury,
        IncidentKind::TrafficJam,
        IncidentKind::Robbery,
        IncidentKind::Burglary,
        IncidentKind::Theft,
        IncidentKind::VehicleTheft,
        IncidentKind::Assault,
        IncidentKind::DomesticViolence,
        IncidentKind::Brawl,
        IncidentKind::Disturbance,
        IncidentKind::Fire,
        IncidentKind::Medical,
        IncidentKind::MissingPerson,
        IncidentKind::Suspicious,
        IncidentKind::Drugs,
        IncidentKind::Weapon,
        IncidentKind::SexualOffence,
        IncidentKind::Threat,
        IncidentKind::BombThreat,
        IncidentKind::Kidnapping,
        IncidentKind::Protest,
        IncidentKind::PublicAssistance,
        IncidentKind::Other,
    ];

    /// The kind as Polri names it (Bahasa Indonesia).
    pub fn polri_name(self) -> &'static str {
        match self {
            IncidentKind::TrafficAccident => "Kecelakaan lalu lintas",
            IncidentKind::TrafficAccidentInjury => "Kecelakaan lalu lintas dengan korban",
            IncidentKind::TrafficJam => "Kemacetan",
            IncidentKind::Robbery => "Pencurian dengan kekerasan (curas)",
            IncidentKind::Burglary => "Pencurian dengan pemberatan (curat)",
            IncidentKind::Theft => "Pencurian",
            IncidentKind::VehicleTheft => "Pencurian kendaraan bermotor (curanmor)",
            IncidentKind::Assault => "Penganiayaan",
            IncidentKind::DomesticViolence => "Kekerasan dalam rumah tangga (KDRT)",
            IncidentKind::Brawl => "Tawuran",
            IncidentKind::Disturbance => "Keributan",
            IncidentKind::Fire => "Kebakaran",
            IncidentKind::Medical => "Orang sakit / butuh pertolongan medis",
            IncidentKind::MissingPerson => "Orang hilang",
            IncidentKind::Suspicious => "Orang atau kendaraan mencurigakan",
            IncidentKind::Drugs => "Narkoba",
            IncidentKind::Weapon => "Senjata api atau tajam",
            IncidentKind::SexualOffence => "Kekerasan atau pelecehan seksual",
            IncidentKind::Threat => "Pengancaman",
            IncidentKind::BombThreat => "Ancaman bom",
            IncidentKind::Kidnapping => "Penculikan",
            IncidentKind::Protest => "Unjuk rasa",
            IncidentKind::PublicAssistance => "Bantuan masyarakat",
            IncidentKind::Other => "Lainnya",
        }
    }

    /// Its APCO ANS 2.103.1 common incident type code (none for "other"; a traffic jam goes
    /// as a traffic hazard, APCO having no code for congestion).
    pub fn apco_code(self) -> Option<&'static str> {
        Some(match self {
            IncidentKind::TrafficAccident => "MVAUNK",
            IncidentKind::TrafficAccidentInjury => "MVAINJY",
            IncidentKind::TrafficJam => "THAZ",
            IncidentKind::Robbery => "ROBBERY",
            IncidentKind::Burglary => "BURGLARY",
            IncidentKind::Theft => "LARCENY",
            IncidentKind::VehicleTheft => "VEHSTLN",
            IncidentKind::Assault => "ASSAULT",
            IncidentKind::DomesticViolence => "DVA",
            IncidentKind::Brawl => "FIGHT",
            IncidentKind::Disturbance => "DISORD",
            IncidentKind::Fire => "FSTRU",
            IncidentKind::Medical => "SICK",
            IncidentKind::MissingPerson => "PERMISS",
            IncidentKind::Suspicious => "SUSP",
            IncidentKind::Drugs => "DRUGS",
            IncidentKind::Weapon => "WEAPON",
            IncidentKind::SexualOffence => "SEXOFFNS",
            IncidentKind::Threat => "THREATS",
            IncidentKind::BombThreat => "BOMB",
            IncidentKind::Kidnapping => "ABDUCTNF",
            IncidentKind::Protest => "CIVDIS",
            IncidentKind::PublicAssistance => "CITASST",
            IncidentKind::Other => return None,
        })
    }

    /// The priority a new incident of this kind gets unless the call taker says otherwise
    /// (1 highest).
    pub fn default_priority(self) -> u8 {
        match self {
            IncidentKind::Robbery
            | IncidentKind::Weapon
            | IncidentKind::Kidnapping
            | IncidentKind::BombThreat
            | IncidentKind::TrafficAccidentInjury
            | IncidentKind::Fire
            | IncidentKind::SexualOffence => 1,
            IncidentKind::Assault | IncidentKind::DomesticViolence | IncidentKind::Brawl | IncidentKind::Medical => 2,
            IncidentKind::TrafficAccident | IncidentKind::Burglary | IncidentKind::MissingPerson => 3,
            _ => 4,
        }
    }
}

/// Where an incident is in its life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum IncidentState {
    #[default]
    Open,
    Dispatched,
    EnRoute,
    OnScene,
    Cleared,
    Closed,
}

impl IncidentState {
    pub fn is_open(self) -> bool {
        self != IncidentState::Closed
    }
}

/// The milestones of an incident's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    Received,
    Answered,
    Classified,
    Transferred,
    Dispatched,
    EnRoute,
    OnScene,
    Cleared,
    Closed,
}

/// A milestone, who reached it (a person, the switchboard, or the telephony) and when, with a
/// word on it (the node it went to, the unit sent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub milestone: Milestone,
    pub by: String,
    pub time: Millis,
    pub note: String,
}

/// A line of the narrative.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub by: String,
    pub time: Millis,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: IncidentId,
    pub kind: IncidentKind,
    pub priority: u8,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    /// The caller's number, when a call opened it.
    pub caller: Option<String>,
    pub calls: Vec<CallId>,
    /// The organisation node it was handed to (the Polres responsible for the place).
    pub node: Option<String>,
    /// Every unit ever sent to it.
    pub units: Vec<DeviceId>,
    /// The units working it now (dispatched, en route, on scene); none once cleared.
    pub active: Vec<DeviceId>,
    pub state: IncidentState,
    pub narrative: Vec<Entry>,
    pub steps: Vec<Step>,
    pub disposition: Option<Disposition>,
    /// The caller's name as the call taker took it down (none: not given).
    #[serde(default)]
    pub caller_name: Option<String>,
    /// The zones its place lies in, codes coarsest first, as the switchboard found them when it
    /// handed it over.
    #[serde(default)]
    pub zones: Vec<String>,
    /// Panic alarms linked to it: the same emergency raised by a button as well.
    #[serde(default)]
    pub alarms: Vec<super::AlarmId>,
}

impl Incident {
    /// When it reached a milestone first.
    pub fn reached(&self, milestone: Milestone) -> Option<Millis> {
        self.steps.iter().find(|s| s.milestone == milestone).map(|s| s.time)
    }
}
