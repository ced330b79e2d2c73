//! What a service's container runs with in production: the container health check
//! (`[service.NAME.health_check]`) and its secrets (`[service.NAME.secrets]`). Read by [`super::service`].

use std::collections::BTreeMap;

use reconciler_vocabulary::{ContainerHealthCheck, SecretSource};

use super::{Decl, values};
use crate::checks;
use crate::reader::{Ctx, Read, Table, array, string, type_error};

pub(crate) const HEALTH_CHECK_FIELDS: &[&str] =
    &["command", "interval_seconds", "timeout_seconds", "retries", "start_period_seconds"];

/// The longest health check command line ECS takes (bytes, all words together).
const MAX_COMMAND_LENGTH: usize = 1_000;

/// `[service.NAME.health_check]`: `command` is a shell command line (run with `CMD-SHELL`) or an array starting
/// with `CMD` or `CMD-SHELL`, as ECS takes it.
pub(crate) fn health_check(ctx: &mut Ctx<'_>, table: &Table<'_, '_>) -> Read<Option<ContainerHealthCheck>> {
    let Some(check) = values::sub_table(ctx, table, "health_check", HEALTH_CHECK_FIELDS)? else {
        return Ok(None);
    };
    let command = health_check_command(ctx, &check);
    let defaults = ContainerHealthCheck::with_defaults(vec![]);
    let interval = values::u32_in(ctx, &check, "interval_seconds", 5, 300, defaults.interval_seconds);
    let timeout = values::u32_in(ctx, &check, "timeout_seconds", 2, 60, defaults.timeout_seconds);
    let retries = values::u32_in(ctx, &check, "retries", 1, 10, defaults.retries);
    let start_period = values::u32_in(ctx, &check, "start_period_seconds", 0, 300, defaults.start_period_seconds);
    Ok(Some(ContainerHealthCheck {
        command: command?,
        interval_seconds: interval?,
        timeout_seconds: timeout?,
        retries: retries?,
        start_period_seconds: start_period?,
    }))
}

fn health_check_command(ctx: &mut Ctx<'_>, check: &Table<'_, '_>) -> Read<Vec<String>> {
    let value = check.required(ctx, "command")?;
    let path = check.field("command");
    let command: Vec<String> = if let Some(line) = value.get_ref().as_str() {
        vec!["CMD-SHELL".to_string(), line.to_string()]
    } else if value.get_ref().as_array().is_some() {
        let items = array(ctx, value, &path, "a command line or an array")?;
        let mut words = Vec::new();
        for (i, item) in items.iter().enumerate() {
            words.push(string(ctx, item, &path.index(i))?.to_string());
        }
        words
    } else {
        return Err(type_error(
            ctx,
            value,
            &path,
            "a shell command line (\"curl -f http://localhost/ || exit 1\") or an array starting with \"CMD\" or \
             \"CMD-SHELL\"",
        ));
    };
    let problem = match command.first().map(String::as_str) {
        _ if command.iter().skip(1).all(|w| w.trim().is_empty()) => {
            Some("the health check command is empty: give the command to run".to_string())
        }
        Some("CMD" | "CMD-SHELL") if command.iter().map(String::len).sum::<usize>() > MAX_COMMAND_LENGTH => {
            Some(format!("the health check command is longer than {MAX_COMMAND_LENGTH} characters, the most ECS takes"))
        }
        Some("CMD" | "CMD-SHELL") => None,
        Some(first) => Some(format!(
            "the command array starts with `{first}`: it must start with \"CMD\" (run the executable) or \
             \"CMD-SHELL\" (run with the container's shell), or be a single command line"
        )),
        None => Some("the health check command is empty: give the command to run".to_string()),
    };
    match problem {
        Some(message) => Err(ctx.error(&value.span(), &path, message)),
        None => Ok(command),
    }
}

/// `[service.NAME.secrets]` (and a sidecar's, whose warnings are remembered under `remember_prefix`):
/// environment variables whose values ECS reads when a task starts:
/// `NAME = { parameter = "/app/db-password" }` (SSM Parameter Store) or
/// `NAME = { secret = "app/api", key = "token" }` (Secrets Manager; `key` picks one key of a JSON secret). The
/// values never pass through us; only these references are written.
pub(crate) fn secrets(
    ctx: &mut Ctx<'_>,
    decl: &mut Decl<'_>,
    table: &Table<'_, '_>,
    remember_prefix: &str,
    environment: Option<&BTreeMap<String, String>>,
) -> Read<BTreeMap<String, SecretSource>> {
    let expected = "a table of secrets (secrets = { NAME = { parameter = \"/name\" } })";
    values::entries(ctx, table, "secrets", expected, |ctx, (name, span), value, path| {
        // Where a warning about the execution role's permissions on this secret points.
        decl.remember(ctx, &format!("{remember_prefix}secrets.{name}"), value);
        if let Err(message) = checks::environment_name(name) {
            ctx.error(&span, &path, message);
        } else if environment.is_some_and(|e| e.contains_key(name)) {
            ctx.error(&span, &path, format!("`{name}` is also in `environment`: a variable has one source"));
        }
        let what = "a table ({ parameter = \"/name\" } or { secret = \"name\", key = \"json-key\" })";
        let reference = Table::new(ctx, value, path, what, SECRET_FIELDS).ok()?;
        secret_source(ctx, &reference).ok()
    })
}

pub(crate) const SECRET_FIELDS: &[&str] = &["parameter", "secret", "key"];

fn secret_source(ctx: &mut Ctx<'_>, reference: &Table<'_, '_>) -> Read<SecretSource> {
    let parameter = reference.optional_str(ctx, "parameter")?;
    let secret = reference.optional_str(ctx, "secret")?;
    let key = reference.optional_str(ctx, "key")?;
    let at = |key: &str| reference.get(key).map_or_else(|| reference.span().clone(), |v| v.span());
    match (parameter, secret) {
        (Some(_), Some(_)) => Err(ctx.error(
            &at("secret"),
            &reference.field("secret"),
            "give either `parameter` (SSM Parameter Store) or `secret` (Secrets Manager), not both",
        )),
        (None, None) => Err(ctx.error(
            reference.span(),
            reference.path(),
            "missing the source: `parameter = \"/name\"` (SSM Parameter Store) or `secret = \"name\"` (Secrets Manager)",
        )),
        (Some(_), None) if key.is_some() => Err(ctx.error(
            &at("key"),
            &reference.field("key"),
            "`key` picks a key of a Secrets Manager secret's JSON value; a parameter has no keys",
        )),
        (Some(name), None) => match checks::parameter_name(name) {
            Ok(()) => Ok(SecretSource::Parameter(name.to_string())),
            Err(message) => Err(ctx.error(&at("parameter"), &reference.field("parameter"), message)),
        },
        (None, Some(id)) => {
            if let Err(message) = checks::secret_id(id) {
                return Err(ctx.error(&at("secret"), &reference.field("secret"), message));
            }
            if key.is_some_and(str::is_empty) {
                return Err(ctx.error(&at("key"), &reference.field("key"), "the key is empty"));
            }
            Ok(SecretSource::Secret { id: id.to_string(), key: key.map(str::to_string) })
        }
    }
}
