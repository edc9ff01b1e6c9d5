//! `pantau act`: one command at the hub as the logged-in person (acknowledge, dispatch,
//! resolve, false-alarm, status; answer and classify a call; block and unblock a number; open
//! and work an incident; save or drop an operation plan). Prints the sequence number it was journaled as; a refusal
//! is printed with its reason and exits 1.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use super::plan::complete_plan;
use super::seat::{connect, HubArgs};
use crate::hub::protocol::Want;
use crate::model::{
    AlarmId, CallId, Classification, Command, Disposition, IncidentId, IncidentKind, IncidentState, UnitStatus,
};

#[derive(Args, Debug)]
pub struct ActArgs {
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Subcommand, Debug)]
pub enum Action {
    /// Acknowledge a raised alarm.
    Acknowledge {
        /// The alarm's number
        #[arg(long)]
        alarm: AlarmId,
    },
    /// Send a unit to an alarm.
    Dispatch {
        /// The alarm's number
        #[arg(long)]
        alarm: AlarmId,
        /// The unit's id
        #[arg(long)]
        unit: String,
    },
    /// Close an alarm as dealt with.
    Resolve {
        /// The alarm's number
        #[arg(long)]
        alarm: AlarmId,
    },
    /// Close an alarm as a false alarm.
    FalseAlarm {
        /// The alarm's number
        #[arg(long)]
        alarm: AlarmId,
    },
    /// Set a unit's status.
    Status {
        /// The unit's id
        #[arg(long)]
        unit: String,
        /// Its new status
        #[arg(long, value_enum)]
        status: UnitStatus,
    },
    /// Answer a ringing 110 call.
    Answer {
        /// The call's number
        #[arg(long)]
        call: CallId,
    },
    /// Give the verdict on a call you answered.
    Classify {
        /// The call's number
        #[arg(long)]
        call: CallId,
        /// The verdict
        #[arg(long = "as", value_enum)]
        class: Classification,
    },
    /// Put a number on the block list (commanders only): its calls still ring, flagged.
    Block {
        /// The caller's number, as the network gives it
        #[arg(long)]
        number: String,
        /// Why (shown with every call from it)
        #[arg(long)]
        reason: String,
        /// Until when (ISO-8601 or epoch milliseconds) [default: until unblocked]
        #[arg(long, value_parser = until)]
        until: Option<i64>,
    },
    /// Take a number off the block list (commanders only).
    Unblock {
        /// The caller's number
        #[arg(long)]
        number: String,
    },
    /// Move a free unit up to a post, a station or a checkpoint (commanders only): the post
    /// becomes its station and it is returning there.
    MoveUp {
        /// The unit's id
        #[arg(long)]
        unit: String,
        /// The post's name
        #[arg(long)]
        post: String,
        /// Where the post is, as LON,LAT
        #[arg(long, value_parser = crate::crs::parse_lonlat, allow_hyphen_values = true)]
        at: (f64, f64),
    },
    /// Save an operation plan from its file (commanders only), replacing the plan with its id;
    /// escort times and roads left out are worked out on `--map`'s roads first.
    Plan {
        /// The plan (TOML; see `pantau plan check`)
        #[arg(long)]
        file: PathBuf,
        /// The base map whose roads time the escorts
        #[arg(long)]
        map: Option<PathBuf>,
    },
    /// Stop following an operation plan (commanders only).
    DropPlan {
        /// The plan's id
        #[arg(long)]
        id: String,
    },
    /// Edit the zones (commanders only), as one edit: every zone of `--file` drawn or redrawn
    /// under its code, and the `--remove` codes taken away. The hub refuses an edit that
    /// leaves overlaps, gaps or broken rings, or touches zones outside the seat's jurisdiction.
    EditZones {
        /// Zones to put (GeoJSON, FlatGeobuf or Shapefile, read as `--zones` files are)
        #[arg(long)]
        file: Option<PathBuf>,
        /// Codes of zones to take away
        #[arg(long)]
        remove: Vec<String>,
        /// The organisation node the zones put go to [default: whoever covered each code]
        #[arg(long)]
        node: Option<String>,
    },
    /// Open and work incidents.
    #[command(subcommand)]
    Incident(IncidentAction),
}

/// The zone edit `act edit-zones` sends.
fn zone_edit(file: Option<&std::path::Path>, remove: Vec<String>, node: Option<String>) -> Result<Command> {
    use crate::model::zones::{EditedZone, ZoneChange};
    let mut changes: Vec<ZoneChange> = Vec::new();
    if let Some(file) = file {
        for zone in crate::layer_files::load_zones(file)? {
            let mut edited = EditedZone::from_zone(&zone);
            edited.node = node.clone().or(edited.node);
            changes.push(ZoneChange::Put(edited));
        }
    }
    changes.extend(remove.into_iter().map(|code| ZoneChange::Remove { code }));
    crate::model::zones::check_edit(&changes).map_err(|why| anyhow::anyhow!("not a zone edit: {why}"))?;
    let what = match file {
        Some(file) => format!("{} zones from {}", changes.len(), file.display()),
        None => format!("{} zones removed", changes.len()),
    };
    Ok(Command::EditZones { what, base: None, changes })
}

#[derive(Subcommand, Debug)]
pub enum IncidentAction {
    /// Open an incident from a call you answered (the call becomes valid).
    Open {
        /// The call's number
        #[arg(long)]
        call: CallId,
        /// What happened
        #[arg(long, value_enum)]
        kind: IncidentKind,
        /// 1 (highest) to 5 [default: the kind's]
        #[arg(long)]
        priority: Option<u8>,
        /// Where, as LON,LAT [default: the caller's AML location]
        #[arg(long, value_parser = crate::crs::parse_lonlat, allow_hyphen_values = true)]
        at: Option<(f64, f64)>,
        /// The address as the caller gave it
        #[arg(long, default_value = "")]
        address: String,
        /// The first line of the narrative
        #[arg(long, default_value = "")]
        note: String,
        /// The caller's name, as given
        #[arg(long, default_value = "")]
        caller_name: String,
    },
    /// Link a panic alarm to an open incident (the same emergency).
    LinkAlarm {
        /// The incident's number
        #[arg(long)]
        incident: IncidentId,
        /// The alarm's number
        #[arg(long)]
        alarm: AlarmId,
    },
    /// Join another call about it to an open incident.
    Attach {
        /// The incident's number
        #[arg(long)]
        incident: IncidentId,
        /// The call's number
        #[arg(long)]
        call: CallId,
    },
    /// Send a unit to an incident.
    Dispatch {
        /// The incident's number
        #[arg(long)]
        incident: IncidentId,
        /// The unit's id
        #[arg(long)]
        unit: String,
    },
    /// The incident's units are en route, on scene, or cleared.
    Progress {
        /// The incident's number
        #[arg(long)]
        incident: IncidentId,
        /// en-route, on-scene or cleared
        #[arg(long, value_enum)]
        to: IncidentState,
    },
    /// Add a line to the narrative.
    Note {
        /// The incident's number
        #[arg(long)]
        incident: IncidentId,
        /// The line to add
        #[arg(long)]
        text: String,
    },
    /// Close an incident.
    Close {
        /// The incident's number
        #[arg(long)]
        incident: IncidentId,
        /// handled, arrest-made, referred, no-offence, unable-to-locate, false-alarm, test, duplicate
        #[arg(long, value_parser = disposition)]
        disposition: Disposition,
        /// The closing note
        #[arg(long, default_value = "")]
        note: String,
    },
}

impl IncidentAction {
    fn command(self) -> Command {
        match self {
            IncidentAction::Open { call, kind, priority, at, address, note, caller_name } => {
                Command::OpenIncidentWithCaller { call, kind, priority, at, address, note, caller_name }
            }
            IncidentAction::LinkAlarm { incident, alarm } => Command::LinkAlarm { incident, alarm },
            IncidentAction::Attach { incident, call } => Command::AttachCall { incident, call },
            IncidentAction::Dispatch { incident, unit } => Command::DispatchIncident { incident, unit },
            IncidentAction::Progress { incident, to } => Command::IncidentProgress { incident, to },
            IncidentAction::Note { incident, text } => Command::IncidentNote { incident, text },
            IncidentAction::Close { incident, disposition, note } => {
                Command::CloseIncident { incident, disposition, note }
            }
        }
    }
}

/// A disposition by its name (`arrest-made` or `arrest made`).
fn disposition(text: &str) -> Result<Disposition, String> {
    let wanted = text.replace(['-', '_'], " ");
    Disposition::ALL.into_iter().find(|d| d.name() == wanted).ok_or_else(|| {
        let names: Vec<String> = Disposition::ALL.iter().map(|d| d.name().replace(' ', "-")).collect();
        format!("{text} is not one of {}", names.join(", "))
    })
}

/// A time as `--until` takes it.
fn until(text: &str) -> Result<i64, String> {
    crate::feeds::osmand::parse_timestamp(text)
}

impl Action {
    fn command(self) -> Result<Command> {
        Ok(match self {
            Action::Acknowledge { alarm } => Command::Acknowledge { alarm },
            Action::Dispatch { alarm, unit } => Command::Dispatch { alarm, unit },
            Action::Resolve { alarm } => Command::Resolve { alarm },
            Action::FalseAlarm { alarm } => Command::FalseAlarm { alarm },
            Action::Status { unit, status } => Command::SetStatus { unit, status },
            Action::Answer { call } => Command::Answer { call },
            Action::Classify { call, class } => Command::Classify { call, class },
            Action::Block { number, reason, until } => Command::Block { number, reason, until },
            Action::Unblock { number } => Command::Unblock { number },
            Action::MoveUp { unit, post, at: (lon, lat) } => Command::MoveUp { unit, post, lon, lat },
            Action::Plan { file, map } => Command::SavePlan { plan: complete_plan(&file, map.as_deref())?.0 },
            Action::DropPlan { id } => Command::DropPlan { id },
            Action::EditZones { file, remove, node } => zone_edit(file.as_deref(), remove, node)?,
            Action::Incident(action) => action.command(),
        })
    }
}

/// Runs the command; `Ok(false)` when the hub refused it.
pub fn run(args: ActArgs) -> Result<bool> {
    let command = args.action.command()?;
    let login = args.hub.login("act", Want::Nothing)?;
    let pin = args.hub.pin()?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let mut seat = connect(&args.hub.hub, pin, login).await?;
        let answer = seat.command(command).await;
        seat.logout().await;
        match answer? {
            Ok(seq) => {
                println!("applied: seq {seq}");
                Ok(true)
            }
            Err(reason) => {
                eprintln!("refused: {reason}");
                Ok(false)
            }
        }
    })
}
