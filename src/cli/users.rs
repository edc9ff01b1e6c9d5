//! `pantau users add | passwd | disable | list`: the people who may log in to the hub, kept in
//! the users file (`users.toml` unless `--users` says otherwise). A password comes from
//! `PANTAU_PASSWORD`, or is asked twice on the terminal without echo; it is never an argument.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{ensure, Context, Result};
use clap::{Args, Subcommand};

use crate::model::Role;
use crate::users::{self, Users};

/// The environment variable a password is read from (scripts); else the terminal asks.
pub const PASSWORD_VARIABLE: &str = "PANTAU_PASSWORD";

#[derive(Args, Debug)]
pub struct UsersFile {
    /// The users file.
    #[arg(long, default_value = users::DEFAULT_FILE)]
    pub users: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum UsersCommand {
    /// Add a user (password from PANTAU_PASSWORD, or asked on the terminal).
    Add {
        /// The name the user logs in with (letters, digits, '.', '-', '_').
        name: String,
        /// What the user may do.
        #[arg(long, value_enum)]
        role: Role,
        /// The organisation node the user belongs to (default: the root of the tree).
        #[arg(long)]
        org: Option<String>,
        #[command(flatten)]
        file: UsersFile,
    },
    /// Give a user a new password (from PANTAU_PASSWORD, or asked on the terminal).
    Passwd {
        /// The user whose password changes.
        name: String,
        #[command(flatten)]
        file: UsersFile,
    },
    /// Refuse every login of a user from now on (the user stays listed).
    Disable {
        /// The user to disable.
        name: String,
        #[command(flatten)]
        file: UsersFile,
    },
    /// List the users: name, role, organisation node, disabled.
    List {
        #[command(flatten)]
        file: UsersFile,
        /// One JSON object per user instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: UsersCommand) -> Result<()> {
    match command {
        UsersCommand::Add { name, role, org, file } => {
            users::check_name(&name)?;
            let password = new_password(&name)?;
            users::change(&file.users, |u| u.add(&name, role, org, &password))?;
            println!("added {name} ({}) to {}", role_name(role), file.users.display());
        }
        UsersCommand::Passwd { name, file } => {
            ensure!(Users::load(&file.users)?.get(&name).is_some(), "{}: no user {name}", file.users.display());
            let password = new_password(&name)?;
            users::change(&file.users, |u| u.set_password(&name, &password))?;
            println!("new password for {name} in {}", file.users.display());
        }
        UsersCommand::Disable { name, file } => {
            ensure!(file.users.exists(), "{}: no users file", file.users.display());
            users::change(&file.users, |u| u.disable(&name))?;
            println!("disabled {name} in {}", file.users.display());
        }
        UsersCommand::List { file, json } => list(&Users::load(&file.users)?, json)?,
    }
    Ok(())
}

fn list(users: &Users, json: bool) -> Result<()> {
    for user in &users.users {
        let org = user.org.as_deref().unwrap_or("(root)");
        if json {
            let line = serde_json::json!({
                "name": user.name, "role": role_name(user.role), "org": user.org, "disabled": user.disabled,
            });
            println!("{line}");
        } else {
            let state = if user.disabled { "disabled" } else { "active" };
            println!("{:<24} {:<10} {:<24} {state}", user.name, role_name(user.role), org);
        }
    }
    Ok(())
}

fn role_name(role: Role) -> String {
    format!("{role:?}").to_lowercase()
}

/// The new password: `PANTAU_PASSWORD`, else asked twice on the terminal.
fn new_password(name: &str) -> Result<String> {
    if let Ok(password) = std::env::var(PASSWORD_VARIABLE) {
        return Ok(password);
    }
    ensure!(
        std::io::stdin().is_terminal(),
        "no password for {name}: set {PASSWORD_VARIABLE}, or run on a terminal to be asked"
    );
    let first = rpassword::prompt_password(format!("password for {name}: ")).context("cannot read the password")?;
    let again = rpassword::prompt_password("again: ").context("cannot read the password")?;
    ensure!(first == again, "the two passwords differ; nothing changed");
    Ok(first)
}
