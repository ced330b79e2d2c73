//! `reconciler`: the command line. Parses arguments (flags, environment, settings file), sets up logging,
//! and hands over to a command.

mod args;
mod destroy;
mod exit;
mod export;
mod iam_policy;
mod lease;
mod log_window;
mod logs;
mod once;
mod saved_plan;
mod settings_file;
mod show;
mod status;
mod validate;
mod wait;

use clap::{CommandFactory, FromArgMatches};
use reconciler_controller::DaemonSettings;
use tracing_subscriber::EnvFilter;

use args::{Cli, Command, LogFormat};

fn main() {
    exit::quiet_on_closed_pipe();
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit());
    if let Err(err) = settings_file::apply(&mut cli, &matches) {
        eprintln!("error: {err}");
        std::process::exit(exit::ERROR);
    }
    let daemon = cli.command.is_none() && !cli.run.once;
    init_logging(cli.run.log_format, if daemon { "info" } else { "warn" });
    let client = cli.aws.client_options();
    let code = match &cli.command {
        Some(Command::Validate(validate)) => validate::run(&validate.config_dir),
        Some(Command::Status(status)) => runtime().block_on(status::run(status, &client)),
        Some(Command::Show(show)) => runtime().block_on(show::run(show, &client)),
        Some(Command::Logs(logs)) => runtime().block_on(logs::run(logs, &client)),
        Some(Command::Export(export)) => runtime().block_on(export::run(export, &client)),
        Some(Command::Destroy(destroy)) => runtime().block_on(destroy::run(destroy, &client)),
        Some(Command::IamPolicy(policy)) => iam_policy::run(policy),
        Some(Command::Completions(completions)) => {
            clap_complete::generate(completions.shell, &mut Cli::command(), "reconciler", &mut std::io::stdout());
            exit::OK
        }
        Some(Command::Man) => printed(clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())),
        Some(Command::Schema) => {
            printed(std::io::Write::write_all(&mut std::io::stdout(), reconciler_spec::schema::JSON_SCHEMA.as_bytes()))
        }
        Some(Command::Apply(apply)) => runtime().block_on(once::apply_saved(&cli.run, apply, &client)),
        None if cli.run.create_lease_table => runtime().block_on(lease::create_table(&cli.run.lease, &client)),
        None if cli.run.once => runtime().block_on(once::run(&cli.run, &client)),
        None if cli.run.plan_out.is_some() => {
            eprintln!("error: --plan-out goes with --once");
            exit::ERROR
        }
        None => {
            let run = &cli.run;
            if run.dry_run || run.detailed_exitcode || run.wait {
                eprintln!("error: --dry-run, --detailed-exitcode and --wait go with --once");
                std::process::exit(exit::ERROR);
            }
            let settings = DaemonSettings {
                config_dir: run.config_dir.clone(),
                resync_interval: run.resync_interval,
                owner_id: run.owner_id.clone(),
                listen: run.listen,
                concurrency: usize::from(run.concurrency),
                wait_timeout: run.wait_timeout,
                debounce: std::time::Duration::from_millis(500),
                shutdown_grace: std::time::Duration::from_secs(20),
                pruning: args::pruning(run),
                client: client.clone(),
                lease: run.lease.settings(),
            };
            runtime().block_on(reconciler_controller::run_daemon(settings))
        }
    };
    std::process::exit(code);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime starts")
}

/// Logs go to standard error, at `default_level` unless `RUST_LOG` says otherwise. At `info` (the daemon's
/// default) every mutating call is logged with its resource, reason and outcome.
fn init_logging(format: LogFormat, default_level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    // Colours only on a terminal: journald and log files get plain text (escape codes there are noise).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// The exit code of a command that only prints: a reader that went away (`| head`) is not an error.
fn printed(result: std::io::Result<()>) -> i32 {
    match result {
        Ok(()) => exit::OK,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => exit::CLOSED_PIPE,
        Err(err) => {
            eprintln!("error: {err}");
            exit::ERROR
        }
    }
}
