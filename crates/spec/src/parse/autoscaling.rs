//! `[service.NAME.autoscaling]`, with its `[[...target_tracking]]` policies and `[[...scheduled]]` actions:
//! Application Auto Scaling of the service's desired count.

use super::values;
use crate::checks::{self, ScheduleKind};
use crate::model::{Autoscaling, ScalingMetric, ScheduledAction, TargetTracking};
use crate::reader::{Ctx, FieldPath, Read, Reported, Table, Value, array, integer, list, string, type_error};

pub(crate) const FIELDS: &[&str] = &[
    "min_capacity",
    "max_capacity",
    "scale_in_cooldown",
    "scale_out_cooldown",
    "disable_scale_in",
    "target_tracking",
    "scheduled",
];
pub(crate) const TARGET_TRACKING_FIELDS: &[&str] =
    &["metric", "target", "name", "scale_in_cooldown", "scale_out_cooldown", "disable_scale_in"];
pub(crate) const SCHEDULED_FIELDS: &[&str] = &["name", "schedule", "timezone", "min_capacity", "max_capacity"];

/// The most tasks a range or a scheduled action may name.
const MAX_CAPACITY: u32 = 10_000;
/// Application Auto Scaling's default cooldowns, in seconds.
const DEFAULT_COOLDOWN: u32 = 300;
/// The highest `target` of `requests_per_target`.
const MAX_REQUESTS_PER_TARGET: f64 = 1_000_000.0;

/// The section's values a policy takes when it does not set its own.
struct Defaults {
    scale_in_cooldown: Read<u32>,
    scale_out_cooldown: Read<u32>,
    disable_scale_in: Read<bool>,
}

/// Reads `[service.NAME.autoscaling]` of the service `table`. `service_name` is what policy names default
/// from (`None` when it is invalid, which is reported already).
pub(crate) fn read(ctx: &mut Ctx<'_>, table: &Table<'_, '_>, service_name: Option<&str>) -> Read<Option<Autoscaling>> {
    let Some(section) = values::sub_table(ctx, table, "autoscaling", FIELDS)? else {
        return Ok(None);
    };
    let errors_before = ctx.error_count();
    let min = section.required(ctx, "min_capacity").and_then(|_| capacity(ctx, &section, "min_capacity", 0));
    let max = section.required(ctx, "max_capacity").and_then(|_| capacity(ctx, &section, "max_capacity", 1));
    if let (Ok(Some(min)), Ok(Some(max))) = (min, max) {
        check_min_max(ctx, &section, min, max);
    }
    let defaults = Defaults {
        scale_in_cooldown: cooldown(ctx, &section, "scale_in_cooldown", DEFAULT_COOLDOWN),
        scale_out_cooldown: cooldown(ctx, &section, "scale_out_cooldown", DEFAULT_COOLDOWN),
        disable_scale_in: section.bool_or(ctx, "disable_scale_in", false),
    };
    let has_load_balancer = table.get("load_balancer").is_some();
    let target_tracking = target_tracking(ctx, &section, &defaults, service_name, has_load_balancer);
    let scheduled = scheduled(ctx, &section);
    let autoscaling = Autoscaling {
        min_capacity: min?.expect("required"),
        max_capacity: max?.expect("required"),
        target_tracking: target_tracking?,
        scheduled: scheduled?,
    };
    if ctx.error_count() == errors_before { Ok(Some(autoscaling)) } else { Err(Reported) }
}

/// An optional number of tasks, `min` to [`MAX_CAPACITY`].
fn capacity(ctx: &mut Ctx<'_>, table: &Table<'_, '_>, key: &str, min: u32) -> Read<Option<u32>> {
    let number = values::integer_in(ctx, table, key, i64::from(min), i64::from(MAX_CAPACITY))?;
    Ok(number.map(|n| u32::try_from(n).expect("checked range")))
}

/// `max_capacity` below `min_capacity` is reported on `max_capacity` (written: both are when this is called).
fn check_min_max(ctx: &mut Ctx<'_>, table: &Table<'_, '_>, min: u32, max: u32) {
    if max < min {
        let value = table.get("max_capacity").expect("written");
        ctx.error(
            &value.span(),
            &table.field("max_capacity"),
            format!("max_capacity = {max} is less than min_capacity = {min}"),
        );
    }
}

/// A cooldown: an integer of seconds or a duration string (`"30s"`, `"5m"`, `"1h"`), 0 to a day; `default`
/// when absent.
fn cooldown(ctx: &mut Ctx<'_>, table: &Table<'_, '_>, key: &str, default: u32) -> Read<u32> {
    let Some(value) = table.get(key) else {
        return Ok(default);
    };
    let path = table.field(key);
    let (seconds, shown) = match value.get_ref() {
        toml::de::DeValue::Integer(_) => {
            let seconds = integer(ctx, value, &path)?;
            (seconds, seconds.to_string())
        }
        toml::de::DeValue::String(text) => {
            let seconds = checks::duration(text).map_err(|message| ctx.error(&value.span(), &path, message))?;
            (seconds, format!("`{text}`"))
        }
        _ => return Err(type_error(ctx, value, &path, &format!("a duration: {}", checks::DURATION_FORMS))),
    };
    match u32::try_from(seconds) {
        Ok(seconds) if seconds <= checks::MAX_COOLDOWN => Ok(seconds),
        _ => Err(ctx.error(
            &value.span(),
            &path,
            format!("{shown} is out of range: expected 0 to {} seconds (24h)", checks::MAX_COOLDOWN),
        )),
    }
}

/// The items of an optional array of tables (`[[...target_tracking]]`), each with its path and where it is
/// written; empty when the key is absent.
fn tables<'t, 'i>(
    ctx: &mut Ctx<'_>,
    section: &Table<'t, 'i>,
    key: &str,
    what: &str,
) -> Read<Vec<(usize, &'t Value<'i>, FieldPath)>> {
    let Some(value) = section.get(key) else {
        return Ok(Vec::new());
    };
    let path = section.field(key);
    let expected = format!("an array of {what} ([[{}]] tables)", path.as_str());
    let items = array(ctx, value, &path, &expected)?;
    Ok(items.iter().enumerate().map(|(i, item)| (i, item, path.index(i))).collect())
}

/// A policy as far as it could be read, for the checks between policies.
struct Seen {
    index: usize,
    metric: Option<ScalingMetric>,
    name: Option<String>,
}

fn target_tracking(
    ctx: &mut Ctx<'_>,
    section: &Table<'_, '_>,
    defaults: &Defaults,
    service_name: Option<&str>,
    has_load_balancer: bool,
) -> Read<Vec<TargetTracking>> {
    let errors_before = ctx.error_count();
    let items = tables(ctx, section, "target_tracking", "target-tracking policies")?;
    let mut seen: Vec<Seen> = Vec::new();
    let mut policies = Vec::new();
    for (i, item, path) in items {
        let Ok(table) = Table::new(ctx, item, path, "a table (one target-tracking policy)", TARGET_TRACKING_FIELDS)
        else {
            continue;
        };
        let metric = table.required(ctx, "metric").and_then(|value| metric(ctx, &table, value, has_load_balancer));
        let target = table.required(ctx, "target").and_then(|value| number(ctx, value, &table.field("target")));
        if let (Ok(metric), Ok(target)) = (metric, target) {
            check_target(ctx, &table, metric, target);
        }
        let name = policy_name(ctx, &table, metric.ok(), service_name);
        // One policy per metric, and per name; the second is reported.
        if let Ok(metric) = metric
            && let Some(first) = seen.iter().find(|policy| policy.metric == Some(metric))
        {
            let value = table.get("metric").expect("read above");
            ctx.error(
                &value.span(),
                &table.field("metric"),
                format!(
                    "metric `{}` already has a policy, target_tracking[{}]: one target-tracking policy per metric",
                    metric.key(),
                    first.index
                ),
            );
        }
        if let Ok(name) = &name
            && let Some(first) = seen.iter().find(|policy| policy.name.as_ref() == Some(name))
        {
            match table.get("name") {
                Some(value) => {
                    ctx.error(
                        &value.span(),
                        &table.field("name"),
                        format!("policy name `{name}` is already used by target_tracking[{}]", first.index),
                    );
                }
                // A defaulted name like an earlier policy's of the same metric: that metric is reported already.
                None if first.metric != metric.ok() => {
                    ctx.error(
                        table.span(),
                        &table.field("name"),
                        format!(
                            "policy name `{name}` (the default: the service name and the metric) is already used by \
                             target_tracking[{}]; set `name`",
                            first.index
                        ),
                    );
                }
                None => {}
            }
        }
        seen.push(Seen { index: i, metric: metric.ok(), name: name.clone().ok() });
        let scale_in = own_or(cooldown_override(ctx, &table, "scale_in_cooldown"), &defaults.scale_in_cooldown);
        let scale_out = own_or(cooldown_override(ctx, &table, "scale_out_cooldown"), &defaults.scale_out_cooldown);
        let disable_scale_in = match table.get("disable_scale_in") {
            None => defaults.disable_scale_in,
            Some(_) => table.bool_or(ctx, "disable_scale_in", false),
        };
        if let (Ok(metric), Ok(target), Ok(name), Ok(scale_in), Ok(scale_out), Ok(disable_scale_in)) =
            (metric, target, name, scale_in, scale_out, disable_scale_in)
        {
            policies.push(TargetTracking {
                name,
                metric,
                target,
                scale_in_cooldown_seconds: scale_in,
                scale_out_cooldown_seconds: scale_out,
                disable_scale_in,
            });
        }
    }
    if ctx.error_count() == errors_before { Ok(policies) } else { Err(Reported) }
}

/// A policy's own cooldown, `None` when it takes the section's.
fn cooldown_override(ctx: &mut Ctx<'_>, table: &Table<'_, '_>, key: &str) -> Read<Option<u32>> {
    if table.get(key).is_none() {
        return Ok(None);
    }
    cooldown(ctx, table, key, 0).map(Some)
}

/// A policy's own value, else the section's (whose error, if any, is reported already).
fn own_or<T: Copy>(own: Read<Option<T>>, section: &Read<T>) -> Read<T> {
    match own? {
        Some(value) => Ok(value),
        None => *section,
    }
}

fn metric(ctx: &mut Ctx<'_>, table: &Table<'_, '_>, value: &Value<'_>, has_load_balancer: bool) -> Read<ScalingMetric> {
    let path = table.field("metric");
    let text = string(ctx, value, &path)?;
    let Some(metric) = ScalingMetric::ALL.into_iter().find(|metric| metric.key() == text) else {
        let keys: Vec<&str> = ScalingMetric::ALL.iter().map(|metric| metric.key()).collect();
        return Err(ctx.error(
            &value.span(),
            &path,
            format!("unknown value `{text}`, expected one of {}", list(&keys)),
        ));
    };
    // Reported, but the metric still says what range `target` is checked against.
    if metric == ScalingMetric::RequestsPerTarget && !has_load_balancer {
        ctx.error(
            &value.span(),
            &path,
            "requests_per_target needs a load balancer: it counts the requests of the service's target group; add \
             a `load_balancer` to the service, or scale on `cpu` or `memory`",
        );
    }
    Ok(metric)
}

/// An integer or a float, as a float.
fn number(ctx: &mut Ctx<'_>, value: &Value<'_>, path: &FieldPath) -> Read<f64> {
    match value.get_ref() {
        toml::de::DeValue::Integer(_) => integer(ctx, value, path).map(|n| n as f64),
        toml::de::DeValue::Float(float) => {
            // The parser has checked the float's syntax; only `_` separators may be left.
            float
                .as_str()
                .replace('_', "")
                .parse()
                .map_err(|_| ctx.error(&value.span(), path, format!("`{float}` is not a number")))
        }
        _ => Err(type_error(ctx, value, path, "a number (an integer or a float)")),
    }
}

/// A target in the range of its metric: a percentage for cpu and memory, requests for requests_per_target.
fn check_target(ctx: &mut Ctx<'_>, table: &Table<'_, '_>, metric: ScalingMetric, target: f64) {
    let (max, unit) = match metric {
        ScalingMetric::Cpu | ScalingMetric::Memory => (100.0, "percent"),
        ScalingMetric::RequestsPerTarget => (MAX_REQUESTS_PER_TARGET, "requests per target"),
    };
    // Written so that NaN is out of range too.
    if !(target > 0.0 && target <= max) {
        let value = table.get("target").expect("read above");
        ctx.error(
            &value.span(),
            &table.field("target"),
            format!(
                "target {target} is out of range for `{}`: expected more than 0 and at most {max} ({unit})",
                metric.key()
            ),
        );
    }
}

/// A policy's name, `SERVICE-METRIC` when absent (the error then points at the policy).
fn policy_name(
    ctx: &mut Ctx<'_>,
    table: &Table<'_, '_>,
    metric: Option<ScalingMetric>,
    service_name: Option<&str>,
) -> Read<String> {
    let path = table.field("name");
    let Some(value) = table.get("name") else {
        // Without a valid metric or service name there is no default; both are reported already.
        let name = format!("{}-{}", service_name.ok_or(Reported)?, metric.ok_or(Reported)?.key());
        return checks::scaling_name(&name, "policy").map(|()| name).map_err(|message| {
            ctx.error(
                table.span(),
                &path,
                format!("{message} (the service name and the metric make the default `name`; set `name`)"),
            )
        });
    };
    let name = string(ctx, value, &path)?;
    checks::scaling_name(name, "policy")
        .map(|()| name.to_string())
        .map_err(|message| ctx.error(&value.span(), &path, message))
}

fn scheduled(ctx: &mut Ctx<'_>, section: &Table<'_, '_>) -> Read<Vec<ScheduledAction>> {
    let errors_before = ctx.error_count();
    let items = tables(ctx, section, "scheduled", "scheduled actions")?;
    let mut names: Vec<(usize, String)> = Vec::new();
    let mut actions = Vec::new();
    for (i, item, path) in items {
        let Ok(table) = Table::new(ctx, item, path, "a table (one scheduled action)", SCHEDULED_FIELDS) else {
            continue;
        };
        let name = table.required(ctx, "name").and_then(|value| {
            let path = table.field("name");
            let name = string(ctx, value, &path)?;
            checks::scaling_name(name, "scheduled action")
                .map_err(|message| ctx.error(&value.span(), &path, message))?;
            if let Some((first, _)) = names.iter().find(|(_, other)| other == name) {
                return Err(ctx.error(
                    &value.span(),
                    &path,
                    format!("scheduled action name `{name}` is already used by scheduled[{first}]"),
                ));
            }
            names.push((i, name.to_string()));
            Ok(name.to_string())
        });
        let schedule = table.required(ctx, "schedule").and_then(|value| {
            let path = table.field("schedule");
            let text = string(ctx, value, &path)?;
            let kind = checks::schedule(text).map_err(|message| ctx.error(&value.span(), &path, message))?;
            Ok((text.to_string(), kind))
        });
        let timezone = table.optional_str(ctx, "timezone").and_then(|timezone| {
            let Some(timezone) = timezone else { return Ok(None) };
            let value = table.get("timezone").expect("read above");
            let path = table.field("timezone");
            checks::time_zone(timezone).map_err(|message| ctx.error(&value.span(), &path, message))?;
            if let Ok((_, ScheduleKind::Rate)) = &schedule {
                return Err(ctx.error(
                    &value.span(),
                    &path,
                    "a rate schedule runs at intervals, not at a time of day: `timezone` only applies to cron and at \
                     schedules; leave it out",
                ));
            }
            Ok(Some(timezone.to_string()))
        });
        let min = capacity(ctx, &table, "min_capacity", 0);
        let max = capacity(ctx, &table, "max_capacity", 0);
        match (min, max) {
            (Ok(None), Ok(None)) => {
                ctx.error(
                    table.span(),
                    table.path(),
                    "a scheduled action sets `min_capacity`, `max_capacity` or both, and this one sets neither",
                );
            }
            (Ok(Some(min)), Ok(Some(max))) => check_min_max(ctx, &table, min, max),
            _ => {}
        }
        if let (Ok(name), Ok((schedule, _)), Ok(timezone), Ok(min_capacity), Ok(max_capacity)) =
            (name, schedule, timezone, min, max)
        {
            actions.push(ScheduledAction { name, schedule, timezone, min_capacity, max_capacity });
        }
    }
    if ctx.error_count() == errors_before { Ok(actions) } else { Err(Reported) }
}
