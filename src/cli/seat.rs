//! What `pantau watch` and `pantau act` share: the hub's address (and for `wss://` the pinned
//! fingerprint of its certificate), who logs in (the password from `PANTAU_PASSWORD`, else
//! asked on the terminal), and the login itself.

use anyhow::{bail, Result};
use clap::Args;

use super::users::PASSWORD_VARIABLE;
use crate::hub::client::{Login, LoginError, Seat};
use crate::hub::protocol::Want;

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
