//! `reconciler`: the command line. Parses arguments, sets up logging, and hands over to a command.

mod args;
mod exit;
mod once;
mod validate;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use args::{Cli, Command, LogFormat};

fn main() {
    let cli = Cli::parse();
    init_logging(cli.run.log_format);
    let code = match &cli.command {
        Some(Command::Validate(validate)) => validate::run(&validate.config_dir),
        None if cli.run.once => runtime().block_on(once::run(&cli.run)),
        None => {
            eprintln!("error: the daemon mode is not available yet; run with --once (see README.md)");
            exit::ERROR
        }
    };
    std::process::exit(code);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime starts")
}

/// Logs go to standard error, at `warn` unless `RUST_LOG` says otherwise (`RUST_LOG=info` shows every
/// mutating call with its resource, reason and outcome).
fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
