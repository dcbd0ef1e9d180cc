//! `natbus completions SHELL`: a completion script for the user's shell.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::CliResult;
use crate::output;

/// Arguments of `natbus completions`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  natbus completions bash > ~/.local/share/bash-completion/completions/natbus\n  \
    natbus completions zsh > \"${fpath[1]}/_natbus\""
)]
pub struct CompletionsArgs {
    /// The shell to write the script for.
    pub shell: Shell,
}

/// Writes the script to stdout.
pub fn run(args: CompletionsArgs) -> CliResult {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "natbus", &mut script);
    output::write_stdout(&script)
}
