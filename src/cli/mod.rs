//! The `pantau` command line: the parser and the dispatch to one module per command. Commands
//! print results on stdout; errors name the input and the reason, and exit non-zero.
//!
//! | command | module |
//! | --- | --- |
//! | (none): the window | `app` |
//! | `desk`: the window on a hub elsewhere | `desk` |
//! | `import` | `import` |
//! | `render` | `render` |
//! | `info` | `info` |
//! | `serve` | `serve` |
//! | `journal verify` | `journal` |
//! | `sim` | `sim` |
//! | `query zone / nearest / cameras / route / coverage / ...` | `query` |
//! | `demo` | `demo` |
//! | `users add / passwd / disable / list` | `users` |
//! | `watch` | `watch` |
//! | `act` | `act` |
//! | `export eidd / cap` | `export` |
//! | `certs` | `certs` |
//! | `zones check` | `zones` |
//! | `plan check` | `plan` |
//!
//! What several of them share (`--map demo`, image sizes) is in `args`; what `watch` and `act`
//! share (the hub, the login) is in `seat`.

use anyhow::Result;
use clap::{Parser, Subcommand};

mod act;
mod app;
mod args;
mod certs;
mod demo;
mod desk;
mod export;
mod import;
mod info;
mod journal;
mod plan;
mod query;
mod render;
mod replay;
mod report;
mod seat;
mod serve;
mod sim;
mod users;
mod watch;
mod zones;

pub use app::AppArgs;
pub use demo::DemoArgs;
pub use import::ImportArgs;
pub use info::InfoArgs;
pub use journal::JournalCommand;
pub use query::{QueryCommand, QueryPoints};
pub use render::RenderArgs;
pub use serve::ServeArgs;
pub use sim::SimArgs;
pub use users::UsersCommand;

#[derive(Parser, Debug)]
#[command(name = "pantau", version, about = "GPU map for traffic-management and police command centres")]
pub struct Cli {
    /// Without a command: open the command-centre window.
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub app: AppArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the window as a seat of a hub (`pantau serve --desks`): log in, then the console on
    /// the hub's world.
    Desk(Box<desk::DeskArgs>),
    /// Import OSM PBF, Shapefile, GeoJSON or FlatGeobuf files into one PMTiles base map.
    Import(ImportArgs),
    /// Render a base map to a PNG without a window.
    Render(RenderArgs),
    /// Show a base map archive's bounds, zooms, layers and feature counts.
    Info(InfoArgs),
    /// Run the live feeds, world and journal without a window.
    Serve(Box<ServeArgs>),
    /// Inspect a journal.
    #[command(subcommand)]
    Journal(JournalCommand),
    /// Drive simulated patrol units on a map's roads and send them to a service (OsmAnd).
    Sim(SimArgs),
    /// Spatial questions for scripts and analysts; one JSON object per query point.
    #[command(subcommand)]
    Query(QueryCommand),
    /// Generate the demo city: its map archive and layer files (zones, stations, cameras,
    /// alarm sites, units), the same formats a real city uses.
    Demo(DemoArgs),
    /// The people who may log in to the hub: add, change a password, disable, list.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Print every applied event from a hub as JSON lines (reconnects and resumes by itself).
    Watch(watch::WatchArgs),
    /// Run one command at a hub as the logged-in user; exits 1 if it is refused.
    Act(act::ActArgs),
    /// Make a self-signed TLS certificate and key for the hub; prints the fingerprint seats pin.
    Certs(certs::CertsArgs),
    /// The map as it was at a moment, from a journal, to a PNG stamped with the moment and the
    /// journal's record.
    Replay(replay::ReplayArgs),
    /// Response times per Polres, zone or shift from a journal (CSV or JSON), or the zones the
    /// early warning flags.
    Report(report::ReportArgs),
    /// Zone files: check their topology (overlaps, gaps, invalid rings).
    #[command(subcommand)]
    Zones(zones::ZonesCommand),
    /// Documents for other agencies: an incident as EIDD-style JSON, an area warning as CAP 1.2.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Operation plans (checkpoints, escorts, deployments): check a plan file and time its
    /// escorts on a map's roads.
    #[command(subcommand)]
    Plan(plan::PlanCommand),
}

pub fn run(cli: Cli) -> Result<()> {
    let Some(command) = cli.command else { return app::run(cli.app) };
    match command {
        Command::Desk(args) => desk::run(*args),
        Command::Import(args) => import::run(args),
        Command::Render(args) => render::run(args),
        Command::Info(args) => info::run(args),
        Command::Serve(args) => serve::run(*args),
        Command::Journal(command) => journal::run(command),
        Command::Sim(args) => sim::run(args),
        Command::Query(command) => query::run(command),
        Command::Demo(args) => demo::run(args),
        Command::Users(command) => users::run(command),
        Command::Watch(args) => watch::run(args),
        Command::Act(args) => match act::run(args)? {
            true => Ok(()),
            false => std::process::exit(1),
        },
        Command::Certs(args) => certs::run(args),
        Command::Export(command) => export::run(command),
        Command::Report(args) => report::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Zones(command) => zones::run(command),
        Command::Plan(command) => plan::run(command),
    }
}
