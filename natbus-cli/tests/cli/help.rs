//! `--help` for every command, and completion scripts.

use crate::support::{command, run};

#[test]
fn every_command_has_help() {
    let commands: [&[&str]; 31] = [
        &[],
        &["pub"],
        &["sub"],
        &["req"],
        &["reply"],
        &["service"],
        &["service", "ls"],
        &["service", "info"],
        &["service", "stats"],
        &["stream"],
        &["stream", "add"],
        &["stream", "ls"],
        &["stream", "info"],
        &["stream", "rm"],
        &["stream", "purge"],
        &["stream", "get"],
        &["consumer"],
        &["consumer", "add"],
        &["consumer", "ls"],
        &["consumer", "info"],
        &["consumer", "rm"],
        &["consumer", "next"],
        &["kv"],
        &["kv", "add"],
        &["kv", "put"],
        &["kv", "watch"],
        &["kv", "history"],
        &["bench"],
        &["server"],
        &["server", "check"],
        &["completions"],
    ];
    for path in commands {
        let mut args = path.to_vec();
        args.push("--help");
        let out = run(command(&args)).ok();
        let usage = format!("Usage: natbus {}", path.join(" "));
        assert!(out.contains(usage.trim_end()), "{path:?}: {out}");
        assert!(
            out.contains("--server <URL>"),
            "{path:?} shows the connection flags"
        );
        assert!(
            out.contains("--creds <FILE>") && out.contains("--nkey <SEED_FILE>"),
            "{path:?} shows the credential flags"
        );
    }
}

#[test]
fn micro_is_an_alias_of_service() {
    let out = run(command(&["micro", "ls", "--help"])).ok();
    assert!(out.contains("Usage: natbus service ls"), "{out}");
}

#[test]
fn completions_for_bash_and_zsh() {
    let bash = run(command(&["completions", "bash"])).ok();
    assert!(
        bash.contains("_natbus()") && bash.contains("complete -F"),
        "{bash}"
    );
    let zsh = run(command(&["completions", "zsh"])).ok();
    assert!(zsh.starts_with("#compdef natbus"), "{zsh}");
    let bad = run(command(&["completions", "tcsh"]));
    assert_eq!(bad.status.code(), Some(2));
}
