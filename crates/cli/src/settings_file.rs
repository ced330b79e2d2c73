//! The settings file (`/etc/reconciler/reconciler.toml`): the same settings as the flags, for the systemd
//! service. Precedence: flag, then environment variable, then this file, then the built-in default.

use std::path::{Path, PathBuf};

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Deserialize;

use crate::args::{AwsArgs, Cli, LogFormat, parse_duration};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    config_dir: Option<PathBuf>,
    resync_interval: Option<String>,
    owner_id: Option<String>,
    listen: Option<String>,
    log_format: Option<String>,
    concurrency: Option<u16>,
    wait_timeout: Option<String>,
    prune: Option<bool>,
    max_delete_share: Option<String>,
    allow_mass_delete: Option<bool>,
    aws_connect_timeout: Option<String>,
    aws_attempt_timeout: Option<String>,
    aws_call_timeout: Option<String>,
    aws_max_attempts: Option<u32>,
    aws_max_rate: Option<u32>,
    lease_table: Option<String>,
    lease_ttl: Option<String>,
}

/// Fills every setting that was left at its default (neither flag nor environment) from the settings file.
/// The subcommand's own --config-dir, where it has one.
fn own_config_dir(command: &mut crate::args::Command) -> Option<&mut PathBuf> {
    use crate::args::Command;
    match command {
        Command::Validate(validate) => Some(&mut validate.config_dir),
        Command::Status(status) => Some(&mut status.config_dir),
        Command::Destroy(destroy) => Some(&mut destroy.config_dir),
        Command::Show(show) => Some(&mut show.config_dir),
        Command::Logs(logs) => Some(&mut logs.config_dir),
        Command::IamPolicy(policy) => Some(&mut policy.config_dir),
        // A saved plan names its own directory; an export writes one (`--out`).
        Command::Apply(_) | Command::Export(_) | Command::Completions(_) | Command::Man | Command::Schema => None,
    }
}

pub fn apply(cli: &mut Cli, matches: &ArgMatches) -> Result<(), String> {
    let explicit = is_set(matches, "config_file");
    let Some(file) = read(&cli.config_file, explicit)? else { return Ok(()) };
    let path = cli.config_file.display().to_string();
    let bad = |key: &str, err: String| format!("{path}: {key}: {err}");

    // The subcommands have their own --config-dir (and some their own --owner-id).
    let (sub_matches, run) = (matches.subcommand().map(|(_, m)| m), &mut cli.run);
    if let Some(dir) = &file.config_dir {
        if !is_set(matches, "config_dir") {
            run.config_dir = dir.clone();
        }
        if let (Some(config_dir), Some(sub)) = (cli.command.as_mut().and_then(own_config_dir), sub_matches)
            && !is_set(sub, "config_dir")
        {
            *config_dir = dir.clone();
        }
    }
    // Only the subcommands that have an --owner-id of their own (asking another for it panics in clap).
    if let (Some(value), Some(sub)) = (&file.owner_id, sub_matches) {
        let owner_id = match &mut cli.command {
            Some(crate::args::Command::Status(status)) => Some(&mut status.owner_id),
            Some(crate::args::Command::Destroy(destroy)) => Some(&mut destroy.owner_id),
            Some(crate::args::Command::Show(show)) => Some(&mut show.owner_id),
            Some(crate::args::Command::IamPolicy(policy)) => Some(&mut policy.owner_id),
            Some(crate::args::Command::Export(export)) => Some(&mut export.owner_id),
            _ => None,
        };
        if let Some(owner_id) = owner_id
            && !is_set(sub, "owner_id")
        {
            *owner_id = crate::args::parse_owner_id(value).map_err(|e| bad("owner_id", e))?;
        }
    }
    if let Some(value) = &file.resync_interval
        && !is_set(matches, "resync_interval")
    {
        run.resync_interval = parse_duration(value).map_err(|e| bad("resync_interval", e))?;
    }
    apply_aws(&file, &mut cli.aws, matches, &bad)?;
    if let Some(value) = &file.wait_timeout
        && !is_set(matches, "wait_timeout")
    {
        run.wait_timeout = parse_duration(value).map_err(|e| bad("wait_timeout", e))?;
    }
    if let Some(value) = &file.owner_id
        && !is_set(matches, "owner_id")
    {
        run.owner_id = crate::args::parse_owner_id(value).map_err(|e| bad("owner_id", e))?;
    }
    if let Some(value) = &file.listen
        && !is_set(matches, "listen")
    {
        run.listen =
            value.parse().map_err(|e| bad("listen", format!("{e} (expected an address like 127.0.0.1:9180)")))?;
    }
    if let Some(value) = &file.log_format
        && !is_set(matches, "log_format")
    {
        run.log_format = match value.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => return Err(bad("log_format", format!("{other:?} is not text or json"))),
        };
    }
    if let Some(value) = file.concurrency
        && !is_set(matches, "concurrency")
    {
        if !(1..=64).contains(&value) {
            return Err(bad("concurrency", format!("{value} is not in 1..=64")));
        }
        run.concurrency = value;
    }
    if let Some(value) = file.prune
        && !is_set(matches, "prune")
    {
        run.prune = value;
    }
    if let Some(value) = &file.max_delete_share
        && !is_set(matches, "max_delete_share")
    {
        run.max_delete_share = crate::args::parse_share(value).map_err(|e| bad("max_delete_share", e))?;
    }
    if let Some(value) = file.allow_mass_delete
        && !is_set(matches, "allow_mass_delete")
    {
        run.allow_mass_delete = value;
    }
    if let Some(value) = &file.lease_table
        && !is_set(matches, "lease_table")
    {
        run.lease.lease_table = Some(value.clone());
        let table = match &mut cli.command {
            Some(crate::args::Command::Destroy(destroy)) => Some(&mut destroy.lease.lease_table),
            Some(crate::args::Command::IamPolicy(policy)) => Some(&mut policy.lease_table),
            _ => None,
        };
        if let (Some(table), Some(sub)) = (table, sub_matches)
            && !is_set(sub, "lease_table")
        {
            *table = Some(value.clone());
        }
    }
    if let Some(value) = &file.lease_ttl
        && !is_set(matches, "lease_ttl")
    {
        run.lease.lease_ttl = parse_duration(value).map_err(|e| bad("lease_ttl", e))?;
        if let (Some(crate::args::Command::Destroy(destroy)), Some(sub)) = (&mut cli.command, sub_matches)
            && !is_set(sub, "lease_ttl")
        {
            destroy.lease.lease_ttl = run.lease.lease_ttl;
        }
    }
    Ok(())
}

/// Given on the command line or in the environment (not a default).
fn is_set(matches: &ArgMatches, id: &str) -> bool {
    matches!(matches.value_source(id), Some(ValueSource::CommandLine | ValueSource::EnvVariable))
}

fn read(path: &Path, explicit: bool) -> Result<Option<SettingsFile>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok(None),
        Err(err) => return Err(format!("{}: cannot read the settings file: {err}", path.display())),
    };
    toml::from_str(&text).map(Some).map_err(|err| {
        let position = err.span().map(|span| {
            let line = text[..span.start].matches('\n').count() + 1;
            let column = span.start - text[..span.start].rfind('\n').map_or(0, |i| i + 1) + 1;
            format!(":{line}:{column}")
        });
        format!("{}{}: {}", path.display(), position.unwrap_or_default(), err.message())
    })
}

/// The AWS client settings (`aws_*`), which every command shares.
fn apply_aws(
    file: &SettingsFile,
    aws: &mut AwsArgs,
    matches: &ArgMatches,
    bad: &dyn Fn(&str, String) -> String,
) -> Result<(), String> {
    let durations = [
        (&file.aws_connect_timeout, "aws_connect_timeout", &mut aws.aws_connect_timeout),
        (&file.aws_attempt_timeout, "aws_attempt_timeout", &mut aws.aws_attempt_timeout),
        (&file.aws_call_timeout, "aws_call_timeout", &mut aws.aws_call_timeout),
    ];
    for (value, key, target) in durations {
        if let Some(value) = value
            && !is_set(matches, key)
        {
            *target = parse_duration(value).map_err(|e| bad(key, e))?;
        }
    }
    if let Some(value) = file.aws_max_attempts
        && !is_set(matches, "aws_max_attempts")
    {
        if !(1..=20).contains(&value) {
            return Err(bad("aws_max_attempts", format!("{value} is not in 1..=20")));
        }
        aws.aws_max_attempts = value;
    }
    if let Some(value) = file.aws_max_rate
        && !is_set(matches, "aws_max_rate")
    {
        if value > 1000 {
            return Err(bad("aws_max_rate", format!("{value} is not in 0..=1000")));
        }
        aws.aws_max_rate = value;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches};

    fn parse(args: &[&str]) -> Result<Cli, String> {
        let matches = Cli::command().try_get_matches_from(args).map_err(|e| e.to_string())?;
        let mut cli = Cli::from_arg_matches(&matches).map_err(|e| e.to_string())?;
        apply(&mut cli, &matches)?;
        Ok(cli)
    }

    #[test]
    fn the_file_fills_what_flags_leave_at_their_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("reconciler.toml");
        std::fs::write(&file, "config_dir = \"/srv/desired\"\nresync_interval = \"5m\"\nowner_id = \"prod\"\n")
            .unwrap();
        let path = file.to_str().unwrap();
        let cli = parse(&["reconciler", "--config-file", path, "--owner-id", "flag-wins"]).unwrap();
        assert_eq!(cli.run.config_dir, PathBuf::from("/srv/desired"));
        assert_eq!(cli.run.resync_interval, std::time::Duration::from_secs(300));
        assert_eq!(cli.run.owner_id, "flag-wins");
        let validate = parse(&["reconciler", "validate", "--config-file", path]).unwrap();
        let Some(crate::args::Command::Validate(v)) = validate.command else { panic!() };
        assert_eq!(v.config_dir, PathBuf::from("/srv/desired"));
    }

    #[test]
    fn a_bad_settings_file_names_the_file_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("reconciler.toml");
        std::fs::write(&file, "owner_id = \"x\"\nresync = \"5m\"\n").unwrap();
        let err = parse(&["reconciler", "--config-file", file.to_str().unwrap()]).unwrap_err();
        assert!(err.contains("reconciler.toml:2:1: unknown field `resync`"), "{err}");

        std::fs::write(&file, "resync_interval = \"soon\"\n").unwrap();
        let err = parse(&["reconciler", "--config-file", file.to_str().unwrap()]).unwrap_err();
        assert!(err.contains("reconciler.toml: resync_interval: \"soon\" is not a duration"), "{err}");
    }

    #[test]
    fn a_missing_default_file_is_fine_but_a_missing_explicit_one_is_not() {
        assert!(parse(&["reconciler", "--config-file", "/nonexistent/reconciler.toml"]).is_err());
        assert!(read(Path::new("/nonexistent/reconciler.toml"), false).unwrap().is_none());
    }
}
