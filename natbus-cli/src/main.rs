//! The `natbus` command-line tool.

fn main() {
    eprintln!("natbus: the command-line tool is not built yet");
    std::process::exit(2);
}
