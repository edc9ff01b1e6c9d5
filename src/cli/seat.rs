//! What `pantau watch` and `pantau act` share: the hub's address (and for `wss://` the pinned
//! fingerprint of its certificate), who logs in (the password from `PANTAU_PASSWORD`, else
//! asked on the terminal), and the login itself; and where `export` and the 110 queries read
//! the world from (a journal, or a hub's world).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::users::PASSWORD_VARIABLE;
use crate::hub::client::{Login, LoginError, Seat};
use crate::hub::protocol::{FromHub, Want};
use crate::world::World;

#[derive(Args, Debug, Clone)]
pub struct HubArgs {
    /// The hub: ws://HOST:PORT, or wss://HOST:PORT with --pin (as `pantau serve --desks` listens)
    #[arg(long)]
    pub hub: String,
    /// SHA-256 fingerprint of a wss:// hub's certificate (as `pantau certs` prints it)
    #[arg(long)]
    pub pin: Option<String>,
    /// Who logs in (password from PANTAU_PASSWORD, or asked on the terminal)
    #[arg(long)]
    pub user: String,
    /// This seat's name in the journal [default: the command's name]
    #[arg(long)]
    pub seat: Option<String>,
}

impl HubArgs {
    /// The login for this command (`default_seat` when no --seat is given).
    pub fn login(&self, default_seat: &str, want: Want) -> Result<Login> {
        if !self.hub.starts_with("ws://") && !self.hub.starts_with("wss://") {
            bail!("--hub {}: give the hub as ws://HOST:PORT or wss://HOST:PORT", self.hub);
        }
        Ok(Login {
            user: self.user.clone(),
            password: password(&self.user)?,
            seat: self.seat.clone().unwrap_or_else(|| default_seat.to_string()),
            want,
        })
    }

    /// The pinned fingerprint, read.
    pub fn pin(&self) -> Result<Option<[u8; 32]>> {
        self.pin.as_deref().map(crate::hub::tls::parse_pin).transpose()
    }
}

/// Connects and logs in; a refusal is an error saying so.
pub async fn connect(url: &str, pin: Option<[u8; 32]>, login: Login) -> Result<Seat> {
    Seat::connect_pinned(url, pin, login).await.map_err(|e| match e {
        LoginError::Refused(reason) => anyhow::anyhow!("--hub {url}: login refused: {reason}"),
        LoginError::Busy(reason) => anyhow::anyhow!("--hub {url}: {reason}"),
        LoginError::Unreachable(e) => e,
    })
}

fn password(user: &str) -> Result<String> {
    if let Ok(password) = std::env::var(PASSWORD_VARIABLE) {
        return Ok(password);
    }
    let asked = rpassword::prompt_password(format!("password for {user}: "));
    asked.map_err(|e| anyhow::anyhow!("no {PASSWORD_VARIABLE} and cannot ask on the terminal: {e}"))
}

/// Where the world is read from.
#[derive(Args, Debug)]
pub struct WorldSource {
    /// A journal folder, replayed read-only
    #[arg(long, conflicts_with = "hub")]
    pub journal: Option<PathBuf>,
    /// A hub: ws://HOST:PORT or wss://HOST:PORT (with --user; --pin for a self-signed hub)
    #[arg(long, requires = "user")]
    pub hub: Option<String>,
    /// Who logs in to the hub (password from PANTAU_PASSWORD)
    #[arg(long)]
    pub user: Option<String>,
    /// SHA-256 fingerprint of a wss:// hub's certificate
    #[arg(long)]
    pub pin: Option<String>,
}

impl WorldSource {
    /// The world from the journal or the hub.
    pub fn world(&self) -> Result<World> {
        match (&self.journal, &self.hub, &self.user) {
            (Some(dir), _, _) => crate::journal::replay(dir).with_context(|| format!("--journal {}", dir.display())),
            (None, Some(hub), Some(user)) => {
                let args = HubArgs { hub: hub.clone(), pin: self.pin.clone(), user: user.clone(), seat: None };
                hub_world(&args)
            }
            _ => bail!("give --journal DIR or --hub URL --user NAME"),
        }
    }
}

/// Logs in and takes the hub's world.
fn hub_world(args: &HubArgs) -> Result<World> {
    let login = args.login("export", Want::World)?;
    let pin = args.pin()?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let mut seat = connect(&args.hub, pin, login).await?;
        let world = loop {
            match seat.next().await? {
                Some(FromHub::World { world, .. }) => break World::from_saved(*world),
                Some(_) => continue,
                None => bail!("--hub {}: the hub closed before sending its world", args.hub),
            }
        };
        seat.logout().await;
        Ok(world)
    })
}
