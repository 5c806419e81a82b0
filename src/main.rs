//! The `sitedial` binary: parses the command line and runs it on a multi-threaded tokio runtime.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = sitedial::app::cli::Cli::parse();
    match sitedial::app::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // One line that names what failed and why, for operators and init systems. The middle
            // of the chain repeats its sources' messages, so only the ends are printed.
            let root = error.root_cause().to_string();
            let top = error.to_string();
            if root == top {
                eprintln!("sitedial: {top}");
            } else {
                eprintln!("sitedial: {top}: {root}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
