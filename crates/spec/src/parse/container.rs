//! What a service's container runs with in production: the container health check
//! (`[service.NAME.health_check]`). Read by [`super::service`].

use reconciler_vocabulary::ContainerHealthCheck;

use super::values;
use crate::reader::{Ctx, Read, Table, array, string, type_error};

const HEALTH_CHECK_FIELDS: &[&str] =
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
