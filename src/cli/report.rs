//! `pantau report`: response times per Polres, zone or shift from a journal as CSV, JSON
//! lines or (by zone) GeoJSON, or with `--warnings` the zones whose incidents rose improbably
//! in the latest week (JSON lines: code, count, baseline, probability).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::args::parse_time;
use crate::analysis::report::{report, to_csv, to_geojson, GroupBy};
use crate::analysis::warning::warnings;
use crate::analysis::Places;
use crate::journal::timeline;
use crate::model::Millis;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
    /// With `--by zone`: a FeatureCollection, each zone's row on its polygon.
    Geojson,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The journal folder.
    #[arg(long)]
    pub journal: PathBuf,
    /// The period's start (default: the record's), epoch ms or ISO-8601.
    #[arg(long, value_parser = parse_time)]
    pub from: Option<Millis>,
    /// The period's end, not included (default: just after the record's last record).
    #[arg(long, value_parser = parse_time)]
    pub to: Option<Millis>,
    /// The rows: per Polres, per zone (the finest level) or per shift (WIB).
    #[arg(long, value_enum, required_unless_present = "warnings")]
    pub by: Option<GroupBy>,
    /// CSV (a header and a line per row), JSON (an object a line) or, by zone, GeoJSON.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Instead of response times: the zones flagged by the early warning for the week to
    /// `--to` (with `--all`, every zone's test).
    #[arg(long)]
    pub warnings: bool,
    /// With `--warnings`: every zone's test, flagged or not.
    #[arg(long, requires = "warnings")]
    pub all: bool,
    /// The organisation tree (default: as `centre.toml` beside the journal says).
    #[arg(long)]
    pub org: Option<PathBuf>,
    /// The zone files (default: as `centre.toml` beside the journal says).
    #[arg(long, num_args = 1..)]
    pub zones: Vec<PathBuf>,
}

pub fn run(args: ReportArgs) -> Result<()> {
    if !args.journal.join("events").is_dir() {
        bail!("--journal {}: not a journal (no events/ in it)", args.journal.display());
    }
    let places = Places::load(&args.journal, args.org.as_deref(), &args.zones)?;
    let last = match args.to {
        Some(_) => None,
        None => crate::journal::reach(&args.journal)?.map(|(_, time)| time),
    };
    let to = args.to.or(last.map(|t| t.saturating_add(1))).context("the journal is empty")?;
    let from = args.from.unwrap_or(Millis::MIN);
    if from >= to {
        bail!("--from must come before --to");
    }
    let (world, _) = timeline::seek(&args.journal, to - 1)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.warnings {
        for warning in warnings(&world, &places, to)?.into_iter().filter(|w| args.all || w.flagged) {
            writeln!(out, "{}", serde_json::to_string(&warning)?)?;
        }
        return Ok(());
    }
    let by = args.by.context("--by polres|zone|shift")?;
    match by {
        GroupBy::Polres if !places.has_org() => {
            bail!("--by polres needs the organisation tree: give --org (or a centre.toml beside the journal)")
        }
        GroupBy::Zone if !places.has_zones() => {
            bail!("--by zone needs the zones: give --zones (or a centre.toml beside the journal)")
        }
        _ => {}
    }
    let rows = report(&world, &places, by, from, to);
    match args.format {
        Format::Csv => write!(out, "{}", to_csv(&rows))?,
        Format::Json => {
            for row in rows {
                writeln!(out, "{}", serde_json::to_string(&row)?)?;
            }
        }
        Format::Geojson if by != GroupBy::Zone => bail!("--format geojson draws zones: give --by zone"),
        Format::Geojson => writeln!(out, "{}", to_geojson(&rows, &places))?,
    }
    Ok(())
}
