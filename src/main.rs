use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let cli = elaudit::cli::Cli::parse();
    match elaudit::app::run(cli, &argv) {
        Ok(code) => code,
        Err(err) => {
            // Each error's message already carries its cause and the fix.
            eprintln!(
                "elaudit: error: {}",
                elaudit::report::printable(err.to_string())
            );
            ExitCode::from(elaudit::app::EXIT_ERROR)
        }
    }
}
