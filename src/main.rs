//! The `articulate` binary: parse the command line, run the library, map errors to exits.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = articulate::cli::Args::parse();
    match articulate::cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A closed pipe (`articulate extract x | head`) is not a failure.
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", articulate::errors::report(&err));
            ExitCode::FAILURE
        }
    }
}
