//! Command-line arguments. Every flag also reads an environment variable (`RECONCILER_...`), so that the
//! systemd unit and scripts can configure the binary without building command lines.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Reconciles AWS container platforms (VPC, ECS, Cloud Map) with desired-state TOML files.
#[derive(Debug, Parser)]
#[command(
    name = "reconciler",
    version,
    about = "Keep an AWS container platform (VPC, ECS, Cloud Map, load balancers, autoscaling) as desired-state TOML files say",
    long_about = "Keep an AWS container platform (VPC, ECS, Cloud Map, load balancers, autoscaling) as desired-state \
TOML files say. Without a subcommand it runs as a daemon that follows the files and the live state; with --once \
it makes one pass (--dry-run: only the plan). Every flag also reads RECONCILER_<FLAG>, and a settings file \
(--config-file).",
    after_help = "Day two: status, show, logs, apply, destroy. Files only: validate, iam-policy."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Settings file (TOML; keys as the flags, with `_`: `config_dir`, `resync_interval`, ...). Flags and
    /// environment variables override it. A missing file is fine unless given explicitly.
    #[arg(long, env = "RECONCILER_CONFIG_FILE", default_value = DEFAULT_SETTINGS_FILE, global = true)]
    pub config_file: PathBuf,

    #[command(flatten)]
    pub run: RunArgs,

    #[command(flatten)]
    pub aws: AwsArgs,
}

/// How the clients talk to AWS, for every command that calls it.
#[derive(Debug, Args)]
pub struct AwsArgs {
    /// Timeout to open a connection to an AWS endpoint.
    #[arg(long, env = "RECONCILER_AWS_CONNECT_TIMEOUT", default_value = "5s", value_parser = parse_duration, global = true)]
    pub aws_connect_timeout: Duration,

    /// Timeout for one attempt of an AWS call (an endpoint that accepts and never answers fails here).
    #[arg(long, env = "RECONCILER_AWS_ATTEMPT_TIMEOUT", default_value = "30s", value_parser = parse_duration, global = true)]
    pub aws_attempt_timeout: Duration,

    /// Timeout for an AWS call with all its retries.
    #[arg(long, env = "RECONCILER_AWS_CALL_TIMEOUT", default_value = "90s", value_parser = parse_duration, global = true)]
    pub aws_call_timeout: Duration,

    /// Attempts per AWS call (the first included) on throttling, 5xx and timeouts, with jittered
    /// exponential backoff capped at 20 s between them.
    #[arg(long, env = "RECONCILER_AWS_MAX_ATTEMPTS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=20), global = true)]
    pub aws_max_attempts: u32,

    /// Calls per second to each AWS service (EC2, ECS, IAM, ...), retries included, in bursts of up to two
    /// seconds' worth; over it a call waits its turn. Keeps a pass from spending the account's whole API
    /// budget, which the console, CI and other tools share. 0: no limit.
    #[arg(long, env = "RECONCILER_AWS_MAX_RATE", default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=1000), global = true)]
    pub aws_max_rate: u32,
}

impl AwsArgs {
    pub fn client_options(&self) -> reconciler_aws::ClientOptions {
        reconciler_aws::ClientOptions {
            connect_timeout: self.aws_connect_timeout,
            attempt_timeout: self.aws_attempt_timeout,
            call_timeout: self.aws_call_timeout,
            max_attempts: self.aws_max_attempts,
            max_calls_per_second: (self.aws_max_rate > 0).then_some(self.aws_max_rate),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the desired-state files and exit: 0 when valid, 1 with every problem listed otherwise.
    /// Makes no AWS call.
    Validate(ValidateArgs),
    /// One row per declared service: tasks desired / running / pending, task definition revision, rollout
    /// state, last event, and whether it drifted from its file. Makes no change.
    Status(StatusArgs),
    /// What a person reaches for about services: load balancer URL, Cloud Map name, image and revision of
    /// each container, environment, secrets by reference (never a value), tasks with zone, state and stop
    /// reason. Makes no change.
    Show(ShowArgs),
    /// The services' CloudWatch Logs, interleaved in time order, each line prefixed with its service and task
    /// (`SERVICE/TASKID`, the task id shortened to 8 characters). `--follow` keeps printing new lines until
    /// Ctrl-C. Makes no change.
    Logs(LogsArgs),
    /// Write desired-state files that reproduce an existing cluster (made by Copilot, CDK, ecs-cli or by hand):
    /// its services, their task definitions, Cloud Map names, load balancers and autoscaling, the roles and log
    /// groups they use, and their VPC. Every declaration says `adopt = true`, so the first pass takes the
    /// resources over and replaces nothing; what it would do besides is listed on standard error. Makes no
    /// change in AWS.
    Export(ExportArgs),
    /// Delete every resource of ours that the directory declares, dependents first, after showing the plan
    /// and asking for confirmation on a terminal. Nothing else is touched.
    Destroy(DestroyArgs),
    /// Apply a plan saved with `--once --plan-out FILE`, exactly: refused (exit 1, saying what changed, no
    /// change made) when the files or the live state are no longer what it was made from. Takes the
    /// top-level flags for the lease, concurrency and waits.
    Apply(ApplyArgs),
    /// Print shell completions for bash, zsh, fish, elvish or powershell (e.g. `reconciler completions bash >
    /// /etc/bash_completion.d/reconciler`).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), generated from these flags: `reconciler man | man -l -`.
    Man,
    /// Print the JSON Schema of desired-state files, for editors that complete and check TOML (taplo, VS
    /// Code's Even Better TOML): `reconciler schema > reconciler.schema.json`, then `#:schema
    /// ./reconciler.schema.json` as a file's first line, or a `.taplo.toml` rule for the directory.
    Schema,
    /// Print the IAM policy (JSON) the daemon's credentials need for the declared resources, and no more:
    /// actions per declared kind, the declared names' ARNs where the service allows it, changes and deletes
    /// limited to what carries our owner tag. Makes no AWS call.
    IamPolicy(IamPolicyArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The saved plan (`--once --plan-out FILE`).
    pub file: PathBuf,

    /// The directory of desired-state files, if not where the plan was made (a CI checkout elsewhere): its
    /// files must be the same.
    #[arg(long)]
    pub config_dir: Option<PathBuf>,

    /// Text, or JSON for scripts.
    #[arg(long, env = "RECONCILER_OUTPUT", value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct IamPolicyArgs {
    /// Directory of desired-state `*.toml` files.
    #[arg(long, env = "RECONCILER_CONFIG_DIR", default_value = "/etc/reconciler/desired")]
    pub config_dir: PathBuf,

    /// Whose resources (see the top-level --owner-id): the policy's tag conditions name it.
    #[arg(long, env = "RECONCILER_OWNER_ID", default_value = "default", value_parser = parse_owner_id)]
    pub owner_id: String,

    /// The DynamoDB lease table the daemons share (see the top-level --lease-table): the policy lets them
    /// create it and hold its lease.
    #[arg(long, env = "RECONCILER_LEASE_TABLE")]
    pub lease_table: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The ECS cluster to export, by name.
    #[arg(long)]
    pub cluster: String,

    /// The VPC to export (`vpc-...`); by default the one the cluster's services run in.
    #[arg(long)]
    pub vpc: Option<String>,

    /// The directory to write `platform.toml` and one file per service into; made if missing.
    #[arg(long)]
    pub out: PathBuf,

    /// Write into a directory that has files in it (same-named files are overwritten; nothing is deleted).
    #[arg(long)]
    pub force: bool,

    /// Whose resources are not exported (see the top-level --owner-id): ours already are declared somewhere.
    #[arg(long, env = "RECONCILER_OWNER_ID", default_value = "default", value_parser = parse_owner_id)]
    pub owner_id: String,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Directory of desired-state `*.toml` files: what they declare is deleted.
    #[arg(long, env = "RECONCILER_CONFIG_DIR", default_value = "/etc/reconciler/desired")]
    pub config_dir: PathBuf,

    /// Whose resources (see the top-level --owner-id).
    #[arg(long, env = "RECONCILER_OWNER_ID", default_value = "default", value_parser = parse_owner_id)]
    pub owner_id: String,

    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,

    /// Only show what would be deleted.
    #[arg(long)]
    pub dry_run: bool,

    #[arg(long, env = "RECONCILER_OUTPUT", value_enum, default_value_t = Output::Text)]
    pub output: Output,

    #[arg(long, env = "RECONCILER_CONCURRENCY", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,

    /// How long to wait for AWS to finish a deletion (NAT gateways, load balancers, services draining).
    #[arg(long, env = "RECONCILER_WAIT_TIMEOUT", default_value = "10m", value_parser = parse_duration)]
    pub wait_timeout: Duration,

    /// The deletions need the lease when one is configured, as any change does (see the top-level flags).
    #[command(flatten)]
    pub lease: LeaseArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Directory of desired-state `*.toml` files.
    #[arg(long, env = "RECONCILER_CONFIG_DIR", default_value = "/etc/reconciler/desired")]
    pub config_dir: PathBuf,

    /// Whose resources to look at (see the top-level --owner-id).
    #[arg(long, env = "RECONCILER_OWNER_ID", default_value = "default", value_parser = parse_owner_id)]
    pub owner_id: String,

    /// A table, or JSON for scripts.
    #[arg(long, env = "RECONCILER_OUTPUT", value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Declaration names of the services to show; none: every declared service.
    pub services: Vec<String>,

    /// Directory of desired-state `*.toml` files.
    #[arg(long, env = "RECONCILER_CONFIG_DIR", default_value = "/etc/reconciler/desired")]
    pub config_dir: PathBuf,

    /// Whose resources to look at (see the top-level --owner-id).
    #[arg(long, env = "RECONCILER_OWNER_ID", default_value = "default", value_parser = parse_owner_id)]
    pub owner_id: String,

    /// Text, or JSON for scripts.
    #[arg(long, env = "RECONCILER_OUTPUT", value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Declaration names of the services; none: every declared service that has a `logs` section.
    pub services: Vec<String>,

    /// Keep printing new lines as they arrive (a poll every 2 s) until Ctrl-C or SIGTERM.
    #[arg(long, short = 'f')]
    pub follow: bool,

    /// Start this long ago, e.g. `30s`, `5m`, `2h`.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub since: Duration,

    /// Only the events matching this CloudWatch Logs filter pattern, e.g. `ERROR` or `"GET /health"`.
    #[arg(long)]
    pub filter: Option<String>,

    /// Directory of desired-state `*.toml` files: where each service's logs go.
    #[arg(long, env = "RECONCILER_CONFIG_DIR", default_value = "/etc/reconciler/desired")]
    pub config_dir: PathBuf,

    /// Text lines, or one JSON object a line for scripts.
    #[arg(long, env = "RECONCILER_OUTPUT", value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

pub const DEFAULT_SETTINGS_FILE: &str = "/etc/reconciler/reconciler.toml";

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Directory of desired-state `*.toml` files.
    #[arg(long, env = "RECONCILER_CONFIG_DIR", default_value = "/etc/reconciler/desired")]
    pub config_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Directory of desired-state `*.toml` files.
    #[arg(long, env = "RECONCILER_CONFIG_DIR", default_value = "/etc/reconciler/desired")]
    pub config_dir: PathBuf,

    /// Daemon: how often to compare everything with AWS even without file changes (finds drift made by hand),
    /// e.g. `60s`, `5m`. Each wait varies by ±10 % so that instances do not poll in step.
    #[arg(long, env = "RECONCILER_RESYNC_INTERVAL", default_value = "60s", value_parser = parse_duration)]
    pub resync_interval: Duration,

    /// Daemon: address of the HTTP endpoints /healthz, /readyz, /metrics, /status.
    #[arg(long, env = "RECONCILER_LISTEN", default_value = "127.0.0.1:9180")]
    pub listen: SocketAddr,

    /// Run one pass (observe, plan, apply) and exit, instead of running as a daemon.
    #[arg(long, env = "RECONCILER_ONCE")]
    pub once: bool,

    /// With --once: print the plan and make no mutating AWS call.
    #[arg(long, env = "RECONCILER_DRY_RUN")]
    pub dry_run: bool,

    /// With --once: after applying, follow the rollout of every service created or changed until it is
    /// stable, failed (circuit breaker) or --wait-timeout passes; exit 1 with the reason unless all are stable.
    #[arg(long, env = "RECONCILER_WAIT")]
    pub wait: bool,

    /// Delete resources of ours that no declaration asks for any more (`--prune false`: report them as
    /// orphans instead). Never while a desired-state file is invalid.
    #[arg(long, env = "RECONCILER_PRUNE", default_value_t = true, action = clap::ArgAction::Set)]
    pub prune: bool,

    /// The largest share of the resources we own that one pass may delete, e.g. `50%` (more: nothing is
    /// deleted and the pass says why).
    #[arg(long, env = "RECONCILER_MAX_DELETE_SHARE", default_value = "50%", value_parser = parse_share)]
    pub max_delete_share: f64,

    /// Lift the guards against mass deletion (the share, and an empty directory while we own resources) for
    /// this run (the daemon: its first pass).
    #[arg(long, env = "RECONCILER_ALLOW_MASS_DELETE")]
    pub allow_mass_delete: bool,

    /// How the plan and the result are printed.
    #[arg(long, env = "RECONCILER_OUTPUT", value_enum, default_value_t = Output::Text)]
    pub output: Output,

    /// Exit 0 when there were no changes, 2 when there were (planned, or applied), 1 on any error.
    #[arg(long, env = "RECONCILER_DETAILED_EXITCODE")]
    pub detailed_exitcode: bool,

    /// With --once: plan only (as --dry-run) and save the plan to FILE, with a fingerprint of the files and
    /// the live state it was made from, for `reconciler apply FILE` after review.
    #[arg(long, env = "RECONCILER_PLAN_OUT", value_name = "FILE")]
    pub plan_out: Option<PathBuf>,

    /// This instance's owner id, written into the `reconciler:owner` tag. Two instances with different ids
    /// never touch each other's resources.
    #[arg(long, env = "RECONCILER_OWNER_ID", default_value = "default", value_parser = parse_owner_id)]
    pub owner_id: String,

    /// How many AWS changes run at once (independent resources only).
    #[arg(long, env = "RECONCILER_CONCURRENCY", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,

    /// How long to wait for AWS to finish an asynchronous change (NAT gateway, Cloud Map, load balancer),
    /// and with --wait for the services' rollouts, e.g. `10m`.
    #[arg(long, env = "RECONCILER_WAIT_TIMEOUT", default_value = "10m", value_parser = parse_duration)]
    pub wait_timeout: Duration,

    /// Log format on standard error (logs are separate from the plan, which goes to standard output).
    #[arg(long, env = "RECONCILER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(flatten)]
    pub lease: LeaseArgs,

    /// Create the --lease-table (on-demand billing, key `lease_id`) and exit. Nothing else is done.
    #[arg(long, env = "RECONCILER_CREATE_LEASE_TABLE")]
    pub create_lease_table: bool,
}

/// One writer at a time across hosts: a lease in a DynamoDB table.
#[derive(Debug, Args)]
pub struct LeaseArgs {
    /// DynamoDB table of the lease (one item per owner id): only its holder makes changes; other daemons on
    /// the same directory wait as standbys, and `--once` waits or refuses. Without it, run on one host only.
    #[arg(long, env = "RECONCILER_LEASE_TABLE")]
    pub lease_table: Option<String>,

    /// How long a renewal of the lease lasts; it is renewed every quarter of this. A holder that cannot renew
    /// stops making changes at two thirds of it (before it runs out), and a standby takes over once it has.
    #[arg(long, env = "RECONCILER_LEASE_TTL", default_value = "30s", value_parser = parse_lease_ttl)]
    pub lease_ttl: Duration,

    /// With --once and destroy: how long to wait for a lease another holds before refusing (0: at once).
    #[arg(long, env = "RECONCILER_LEASE_WAIT", default_value = "0s", value_parser = parse_duration)]
    pub lease_wait: Duration,
}

impl LeaseArgs {
    pub fn settings(&self) -> Option<reconciler_controller::LeaseSettings> {
        let table = self.lease_table.clone()?;
        Some(reconciler_controller::LeaseSettings { table, ttl: self.lease_ttl })
    }
}

/// A lease TTL: at least 3 s (renewed every quarter), at most an hour.
fn parse_lease_ttl(text: &str) -> Result<Duration, String> {
    let ttl = parse_duration(text)?;
    if !(Duration::from_secs(3)..=Duration::from_secs(3600)).contains(&ttl) {
        return Err(format!("{text:?}: a lease TTL is from 3s to 1h"));
    }
    Ok(ttl)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// An owner id goes into a tag value on EC2, ECS and Cloud Map resources, and into EC2 tag filters: keep it
/// to the characters all three accept, and short.
pub fn parse_owner_id(text: &str) -> Result<String, String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_.:/=+-@".contains(c);
    if text.is_empty() || text.len() > 64 || !text.chars().all(allowed) {
        return Err(format!("{text:?}: use 1 to 64 of letters, digits and _ . : / = + - @"));
    }
    Ok(text.to_string())
}

/// `50%` or `50` (percent), 0 to 100, as a share from 0 to 1.
pub fn parse_share(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches('%').trim();
    match number.parse::<f64>() {
        Ok(percent) if (0.0..=100.0).contains(&percent) => Ok(percent / 100.0),
        _ => Err(format!("{text:?} is not a percentage from 0% to 100%")),
    }
}

/// `500ms`, `30s`, `5m`, `1h`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| format!("{text:?} is not a duration (like 30s, 5m, 1h)"))?;
    let seconds = match unit.trim() {
        "ms" => return Ok(Duration::from_millis(number)),
        "" | "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        other => return Err(format!("unknown unit {other:?} in {text:?} (use ms, s, m or h)")),
    };
    Ok(Duration::from_secs(seconds))
}

/// The pruning settings of a run.
pub fn pruning(args: &RunArgs) -> reconciler_plan::Pruning {
    reconciler_plan::Pruning {
        enabled: args.prune,
        max_share: args.max_delete_share,
        allow_mass_delete: args.allow_mass_delete,
        held_back: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("5 minutes").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn owner_ids_are_limited_to_what_every_tag_accepts() {
        assert_eq!(parse_owner_id("team-a/prod"), Ok("team-a/prod".to_string()));
        assert!(parse_owner_id("").is_err());
        assert!(parse_owner_id("has space").unwrap_err().contains("letters, digits"));
        assert!(parse_owner_id(&"x".repeat(65)).is_err());
    }

    #[test]
    fn every_flag_reads_an_environment_variable() {
        use clap::CommandFactory;
        let command = Cli::command();
        for arg in command.get_arguments().filter(|a| a.get_long().is_some()) {
            let long = arg.get_long().unwrap();
            if ["help", "version"].contains(&long) {
                continue;
            }
            let expected = format!("RECONCILER_{}", long.to_uppercase().replace('-', "_"));
            assert_eq!(arg.get_env().and_then(|e| e.to_str()), Some(expected.as_str()), "--{long}");
        }
    }
}
