//! The AFL binary: `PANTAU_FUZZ_TARGET=NAME cargo afl fuzz -i corpus/NAME -o OUT
//! target/release/pantau-fuzz` fuzzes one target (`fuzz/run` does this for each).

use std::process::ExitCode;

fn main() -> ExitCode {
    let name = std::env::var("PANTAU_FUZZ_TARGET").unwrap_or_default();
    let Some(target) = pantau_fuzz::target(&name) else {
        let names: Vec<&str> = pantau_fuzz::TARGETS.iter().map(|(n, _)| *n).collect();
        eprintln!("PANTAU_FUZZ_TARGET={name:?} is not a target; the targets are: {}", names.join(", "));
        return ExitCode::FAILURE;
    };
    afl::fuzz!(|data: &[u8]| {
        target(data);
    });
    ExitCode::SUCCESS
}
