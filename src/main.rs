//! The `sitedial` binary: parses the command line and runs it on a multi-threaded tokio runtime.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = sitedial::app::cli::Cli::parse();
    match sitedial::app::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // One line that names what failed, for operators and init systems.
            eprintln!("sitedial: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
