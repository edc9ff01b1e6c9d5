//! `pantau watch`: prints every applied event as one JSON object a line (`seq`, `kind`, the
//! event's fields, and for commands `user`, `role` and `outcome`), from a sequence number if
//! given. When the hub goes away it reconnects by itself and resumes after the last sequence
//! it printed: no gap, no duplicate. If the hub no longer holds what was missed, it says so
//! (a `gap` line and a warning) instead of passing over it silently.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;

use super::seat::{connect, HubArgs};
use crate::hub::client::{LoginError, Seat};
use crate::hub::protocol::{event_line, FromHub, Want};

/// The first wait before reconnecting; it doubles up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_millis(250);
const MAX_RETRY: Duration = Duration::from_secs(5);

#[derive(Args, Debug)]
pub struct WatchArgs {
    #[command(flatten)]
    pub hub: HubArgs,
    /// Print from this sequence number on [default: what is applied from now]
    #[arg(long)]
    pub from: Option<u64>,
}

pub fn run(args: WatchArgs) -> Result<()> {
    let want = args.from.map_or(Want::World, |from| Want::After(from.saturating_sub(1)));
    let login = args.hub.login("watch", want)?;
    let pin = args.hub.pin()?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let mut printed: Option<u64> = args.from.map(|f| f.saturating_sub(1));
        let mut retry = FIRST_RETRY;
        let mut first = true;
        loop {
            let login = crate::hub::client::Login { want: printed.map_or(Want::World, Want::After), ..login.clone() };
            let seat = if first {
                connect(&args.hub.hub, pin, login).await.map(Some)?
            } else {
                reconnect(&args.hub.hub, pin, login).await?
            };
            first = false;
            if let Some(seat) = seat {
                retry = FIRST_RETRY;
                match stream(seat, &mut printed).await {
                    Ok(Ended::Hub) => eprintln!("watch: the hub closed the session; reconnecting"),
                    Ok(Ended::Reader) => return Ok(()),
                    Err(e) => eprintln!("watch: {e:#}; reconnecting"),
                }
            }
            tokio::time::sleep(retry).await;
            retry = (retry * 2).min(MAX_RETRY);
        }
    })
}

/// Connects again: `None` while the hub is unreachable; a refused login is an error.
async fn reconnect(url: &str, pin: Option<[u8; 32]>, login: crate::hub::client::Login) -> Result<Option<Seat>> {
    match Seat::connect_pinned(url, pin, login).await {
        Ok(seat) => Ok(Some(seat)),
        Err(LoginError::Refused(reason)) => anyhow::bail!("--hub {url}: login refused: {reason}"),
        Err(LoginError::Busy(reason)) => {
            eprintln!("watch: {reason}");
            Ok(None)
        }
        Err(LoginError::Unreachable(_)) => Ok(None),
    }
}

/// Why printing stopped without a connection error.
enum Ended {
    /// The hub closed the session (reconnect).
    Hub,
    /// Whoever reads the lines is gone (`watch | head`): stop.
    Reader,
}

/// Prints what the hub sends until the connection ends or the reader goes.
async fn stream(mut seat: Seat, printed: &mut Option<u64>) -> Result<Ended> {
    while let Some(message) = seat.next().await? {
        if print(message, printed).is_err() {
            return Ok(Ended::Reader);
        }
    }
    Ok(Ended::Hub)
}

/// Prints one message's events; an error means stdout is closed.
fn print(message: FromHub, printed: &mut Option<u64>) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match message {
        FromHub::World { seq, world } => {
            if let Some(last) = *printed {
                if seq < last {
                    eprintln!("watch: the hub is at seq {seq}, behind the {last} printed (it lost records?); nothing is printed twice");
                    return out.flush();
                }
                if seq > last {
                    eprintln!(
                        "watch: events {} to {seq} are no longer held by the hub; continuing after them",
                        last + 1
                    );
                    writeln!(out, "{}", serde_json::json!({"seq": null, "kind": "gap", "from": last + 1, "to": seq}))?;
                }
            } else {
                eprintln!("watch: from seq {} ({} units, {} alarms)", seq + 1, world.units.len(), world.alarms.len());
            }
            *printed = Some(seq);
        }
        FromHub::Batch { first_seq, events, refused } => {
            for (i, event) in events.iter().enumerate() {
                let seq = first_seq + i as u64;
                if printed.is_some_and(|p| seq <= p) {
                    continue;
                }
                let reason = refused.iter().find(|(at, _)| *at as usize == i).map(|(_, r)| r.as_str());
                writeln!(out, "{}", event_line(seq, event, reason))?;
                *printed = Some(seq);
            }
        }
        FromHub::Closing { reason } => eprintln!("watch: the hub closes the session: {reason}"),
        _ => {}
    }
    out.flush()
}
