//! The `pantau` binary.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "pantau=info,wgpu=error,wgpu_hal=off,naga=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match pantau::cli::run(pantau::cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
