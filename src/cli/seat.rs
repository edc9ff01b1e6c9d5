//! What `pantau watch` and `pantau act` share: the hub's address, who logs in (the password
//! from `PANTAU_PASSWORD`, else asked on the terminal), and the login itself.

use anyhow::{bail, Result};
use clap::Args;

use super::users::PASSWORD_VARIABLE;
use crate::hub::client::{Login, LoginError, Seat};
use crate::hub::protocol::Want;

#[derive(Args, Debug, Clone)]
pub struct HubArgs {
    /// The hub: ws://HOST:PORT (as `pantau serve --desks` listens)
    #[arg(long)]
    pub hub: String,
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
        if !self.hub.starts_with("ws://") {
            bail!("--hub {}: give the hub as ws://HOST:PORT", self.hub);
        }
        Ok(Login {
            user: self.user.clone(),
            password: password(&self.user)?,
            seat: self.seat.clone().unwrap_or_else(|| default_seat.to_string()),
            want,
        })
    }
}

/// Connects and logs in; a refusal is an error saying so.
pub async fn connect(url: &str, login: Login) -> Result<Seat> {
    Seat::connect(url, login).await.map_err(|e| match e {
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
