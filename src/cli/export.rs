//! `pantau export`: documents for other agencies. `eidd --incident ID` prints an incident as
//! an EIDD-style JSON document; `cap` prints a public area warning as CAP 1.2 XML, around a
//! point or an incident's place. The incident is read from a journal (`--journal DIR`, replayed
//! read-only) or from a hub (`--hub URL --user NAME`, password from `PANTAU_PASSWORD`).

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use super::seat::WorldSource;
use crate::exchange::{cap, eidd};
use crate::model::{now_millis, IncidentId};

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// An incident as an EIDD-style JSON document (NENA-STA-021).
    Eidd {
        /// The incident's number
        #[arg(long)]
        incident: IncidentId,
        #[command(flatten)]
        source: WorldSource,
        /// The sending agency's name [default: the node the incident was handed to]
        #[arg(long)]
        agency: Option<String>,
    },
    /// A public area warning as CAP 1.2 XML: a circle around --at, or around an incident's place.
    Cap(Box<CapArgs>),
}

#[derive(Args, Debug)]
pub struct CapArgs {
    /// The circle's centre, LON,LAT (or give --incident and a source)
    #[arg(long, value_parser = crate::crs::parse_lonlat, allow_hyphen_values = true, required_unless_present = "incident")]
    at: Option<(f64, f64)>,
    /// The incident whose place is the centre (its kind is the event)
    #[arg(long)]
    incident: Option<IncidentId>,
    #[command(flatten)]
    source: WorldSource,
    /// The circle's radius, metres
    #[arg(long)]
    radius: f64,
    /// The warning's headline, as the public reads it
    #[arg(long)]
    headline: String,
    /// What is happening [default: the incident's kind]
    #[arg(long)]
    event: Option<String>,
    /// What is happening, in full
    #[arg(long, default_value = "")]
    description: String,
    /// What the public should do
    #[arg(long, default_value = "")]
    instruction: String,
    /// CAP category: Geo, Met, Safety, Security, Rescue, Fire, Health, Env, Transport, Infra, CBRNE, Other
    #[arg(long, default_value = "Security")]
    category: String,
    /// CAP urgency: Immediate, Expected, Future, Past, Unknown
    #[arg(long, default_value = "Immediate")]
    urgency: String,
    /// CAP severity: Extreme, Severe, Moderate, Minor, Unknown
    #[arg(long, default_value = "Moderate")]
    severity: String,
    /// CAP certainty: Observed, Likely, Possible, Unlikely, Unknown
    #[arg(long, default_value = "Observed")]
    certainty: String,
    /// The area's name as the public knows it
    #[arg(long, default_value = "")]
    area: String,
    /// Until when it applies (ISO-8601 or epoch milliseconds)
    #[arg(long, value_parser = crate::feeds::osmand::parse_timestamp)]
    expires: Option<i64>,
    /// The sender [default: pantau]
    #[arg(long, default_value = "pantau")]
    sender: String,
}

pub fn run(command: ExportCommand) -> Result<()> {
    match command {
        ExportCommand::Eidd { incident, source, agency } => {
            let world = source.world()?;
            let node = world.incident(incident).and_then(|i| i.node.clone());
            let agency = agency.or(node.clone()).unwrap_or_else(|| "pantau".into());
            let sender = eidd::Sender { agency: &agency, node_name: node.as_deref() };
            let document = eidd::document(&world, incident, &sender, now_millis()).map_err(anyhow::Error::msg)?;
            println!("{}", serde_json::to_string_pretty(&document)?);
            Ok(())
        }
        ExportCommand::Cap(args) => cap_warning(*args),
    }
}

fn cap_warning(args: CapArgs) -> Result<()> {
    let (centre, event) = match (args.at, args.incident) {
        (Some(at), _) => (at, args.event.clone().unwrap_or_else(|| args.headline.clone())),
        (None, Some(id)) => {
            let world = args.source.world()?;
            let incident = world.incident(id).with_context(|| format!("--incident {id}: no such incident"))?;
            let Some(place) = incident.lon.zip(incident.lat) else {
                bail!("--incident {id}: it has no place; give --at")
            };
            (place, args.event.clone().unwrap_or_else(|| incident.kind.polri_name().to_string()))
        }
        (None, None) => bail!("give --at LON,LAT or --incident ID"),
    };
    let now = now_millis();
    let identifier = format!("{}-{now}", args.sender);
    let warning = cap::Warning {
        identifier: &identifier,
        sender: &args.sender,
        sent: now,
        event: &event,
        headline: &args.headline,
        description: &args.description,
        instruction: &args.instruction,
        category: &args.category,
        urgency: &args.urgency,
        severity: &args.severity,
        certainty: &args.certainty,
        area_name: &args.area,
        centre,
        radius_m: args.radius,
        expires: args.expires,
    };
    warning.check().map_err(|e| anyhow::anyhow!("--{e}"))?;
    print!("{}", warning.xml());
    Ok(())
}
