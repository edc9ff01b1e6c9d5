//! `pantau desk --hub URL`: the window as a seat of a hub elsewhere. The map and fixed layers
//! are read here (the demo city's by default); the world comes from the hub after the login:
//! at once with `--user` and `PANTAU_PASSWORD`, else at the window's login screen.

use anyhow::{bail, Result};
use clap::Args;

use super::app::{demo_places, CityArgs, WindowArgs};
use super::users::PASSWORD_VARIABLE;
use crate::ops::{Centre, Credentials, HubAddress, SessionConfig};

#[derive(Args, Debug)]
pub struct DeskArgs {
    /// The hub: ws://HOST:PORT, or wss://HOST:PORT with --pin (as `pantau serve --desks` listens)
    #[arg(long)]
    pub hub: String,
    /// SHA-256 fingerprint of a wss:// hub's certificate (as `pantau certs` prints it)
    #[arg(long)]
    pub pin: Option<String>,
    /// Who logs in: at once with the password in PANTAU_PASSWORD, else the login screen starts
    /// with this name
    #[arg(long)]
    pub user: Option<String>,
    /// This seat's name, as the journal and the other seats show it
    #[arg(long, default_value = "desk")]
    pub seat: String,
    #[command(flatten)]
    pub city: CityArgs,
    #[command(flatten)]
    pub window: WindowArgs,
}

pub fn run(args: DeskArgs) -> Result<()> {
    if !args.hub.starts_with("ws://") && !args.hub.starts_with("wss://") {
        bail!("--hub {}: give the hub as ws://HOST:PORT or wss://HOST:PORT", args.hub);
    }
    let pin = args.pin.as_deref().map(crate::hub::tls::parse_pin).transpose()?;
    let address = HubAddress { url: args.hub.clone(), pin, seat: args.seat.clone() };
    let password = std::env::var(PASSWORD_VARIABLE).ok();
    let credentials = args.user.clone().zip(password).map(|(user, password)| Credentials { user, password });
    let centre = Centre::Hub { address, credentials };
    let (session, places) = match args.city.demo_seed()? {
        Some(seed) => {
            let files = crate::demo::cached(seed)?;
            (SessionConfig::demo_city(&files, centre), demo_places(&files)?)
        }
        None => {
            let session = SessionConfig {
                centre,
                map: args.city.map.clone(),
                zones: args.city.zones.clone(),
                cameras: args.city.cameras.clone(),
                units: None,
                org: args.city.org.clone(),
                scenario: None,
            };
            (session, Default::default())
        }
    };
    args.window.open(session, places, args.user)
}
