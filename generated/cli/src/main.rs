//! `pbi`: a command line for every operation of the Power BI REST API.
//!
//! The commands are made at run time from the `powerbi` crate's operations table
//! ([`powerbi::OPERATIONS`]): `pbi <category> <operation>`, with the parameters, body, paging,
//! scopes and documentation link each record carries. Every call goes through the library's one
//! send path, so sign-in, retries and errors are the library's. `--sandbox` runs any command
//! against the embedded fake service, without a tenant.
//!
//! Exit codes: 0 success, 1 another failure (network, unreadable answer), 2 usage, 3 sign-in,
//! 4 the API answered with an error (or a job ended failed), 5 throttled (429), 6 a time
//! limit ran out, 130 interrupted (Ctrl-C).

mod call;
mod commands;
mod completions;
mod csv;
mod failure;
mod interrupt;
mod output;
mod progress;
mod query;
mod scopes;
mod session;
mod status;
mod transfer;
mod wait;
mod workflow;

use std::process::ExitCode;

use clap::error::ErrorKind;

use failure::Failure;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    // `pbi sandbox COMMAND...` is `pbi --sandbox COMMAND...`.
    if args.get(1).is_some_and(|arg| arg == "sandbox") && args.len() > 2 {
        args[1] = "--sandbox".to_owned();
    }
    let matches = match commands::root().try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(error) => {
            let code = match error.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => 0,
                _ => failure::USAGE,
            };
            // Printing help can only fail on a closed pipe, which leaves nothing to tell.
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return report(Failure::other(format!("cannot start: {error}"))),
    };
    match runtime.block_on(interrupt::run(session::run(&matches))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => report(failure),
    }
}

/// One line on stderr (none when there is nothing to say), and the failure's exit code.
fn report(failure: Failure) -> ExitCode {
    if !failure.message.is_empty() {
        eprintln!("pbi: {}", failure.message);
    }
    ExitCode::from(failure.code)
}
