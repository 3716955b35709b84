//! `pbi completions SHELL`: a completion script for bash, zsh, fish or PowerShell, made from
//! the same command tree (`clap_complete`).

use std::io::Write;

use clap::{Arg, ArgMatches, Command};
use clap_complete::Shell;

use crate::failure::Failure;

/// The `completions` command.
pub fn command() -> Command {
    Command::new("completions")
        .about("Print a shell completion script: bash, zsh, fish or powershell")
        .long_about(
            "Print a shell completion script. bash: `pbi completions bash > \
             ~/.local/share/bash-completion/completions/pbi`; zsh: `pbi completions zsh > \
             \"${fpath[1]}/_pbi\"`; fish: `pbi completions fish > \
             ~/.config/fish/completions/pbi.fish`; PowerShell: `pbi completions powershell | \
             Out-String | Invoke-Expression` (add it to $PROFILE).",
        )
        .arg(
            Arg::new("shell")
                .required(true)
                .value_parser(["bash", "zsh", "fish", "powershell"]),
        )
}

/// Writes the script to stdout.
pub fn run(args: &ArgMatches) -> Result<(), Failure> {
    let shell = match args.get_one::<String>("shell").map(String::as_str) {
        Some("bash") => Shell::Bash,
        Some("zsh") => Shell::Zsh,
        Some("fish") => Shell::Fish,
        Some("powershell") => Shell::PowerShell,
        other => return Err(Failure::usage(format!("unknown shell {other:?}"))),
    };
    let mut root = crate::commands::root();
    // Made whole first: clap_complete panics on a failed write (`pbi completions bash | head`).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut root, "pbi", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(())
}
