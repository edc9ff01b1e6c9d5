//! The `pantau` binary.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "pantau=info,wgpu=error,wgpu_hal=off,naga=error".into()),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal: a redirected log is plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match pantau::cli::run(pantau::cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
