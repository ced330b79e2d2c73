//! `[service.NAME]`: a Fargate service, with its optional `logs`, `discovery`, `deployment`,
//! `load_balancer` (and `load_balancer.health_check`) and `autoscaling` (in [`super::autoscaling`]) sub-tables.

use std::collections::BTreeMap;

use super::Decl;
use super::autoscaling;
use super::container;
use super::route;
use super::sidecar;
use super::tags;
use super::values::{self, NameDefault};
use crate::checks;
use crate::declarations::Kind;
use crate::model::{Deployment, Discovery, HealthCheck, LoadBalancer, Logs, Scheme, Service};
use crate::reader::{Ctx, Read, Reported, Table, boolean, integer, string};

pub(crate) const FIELDS: &[&str] = &[
    "service_name",
    "cluster",
    "image",
    "cpu",
    "memory",
    "port",
    "environment",
    "secrets",
    "command",
    "desired_count",
    "vpc",
    "subnets",
    "security_groups",
    "assign_public_ip",
    "execution_role",
    "task_role",
    "health_check",
    "depends_on",
    "sidecars",
    "health_check_grace_period_seconds",
    "enable_execute_command",
    "logs",
    "discovery",
    "deployment",
    "load_balancer",
    "route",
    "autoscaling",
    "keep_revisions",
    "tags",
];

pub(crate) const LOGS_FIELDS: &[&str] = &["log_group", "stream_prefix"];
pub(crate) const DISCOVERY_FIELDS: &[&str] = &["namespace", "name", "ttl"];
pub(crate) const DEPLOYMENT_FIELDS: &[&str] =
    &["minimum_healthy_percent", "maximum_percent", "circuit_breaker", "rollback"];
pub(crate) const LOAD_BALANCER_FIELDS: &[&str] =
    &["name", "scheme", "listener_port", "allowed_cidrs", "health_check", "https"];
pub(crate) const HEALTH_CHECK_FIELDS: &[&str] =
    &["path", "interval_seconds", "timeout_seconds", "healthy_threshold", "unhealthy_threshold"];

/// The warning for an image without a tag or digest.
pub(crate) const UNTAGGED: &str = "no tag: `latest` is implied and changes under you; pin a tag or digest";

const DEFAULT_CPU: u32 = 256;
const DEFAULT_MEMORY: u32 = 512;
/// The longest health check path an ALB target group takes.
const MAX_HEALTH_CHECK_PATH: usize = 1024;

pub(crate) fn read(ctx: &mut Ctx<'_>, decl: &mut Decl<'_>, table: &Table<'_, '_>) -> Read<Service> {
    // The default, the declaration name, is always a valid service name: declaration names are a subset.
    let default = NameDefault {
        value: decl.name,
        span: decl.name_span.clone(),
        note: "the declaration name is the default `service_name`; set `service_name`",
    };
    let service_name =
        values::name(ctx, decl, table, "service_name", "service_name", Some(default), checks::service_name);
    // What the sub-tables' names default to, and where it is written; `None` when it is invalid (reported).
    let name_span = table.get("service_name").map_or(decl.name_span.clone(), |value| value.span());
    let service_default = service_name.as_ref().ok().map(|name| (name.clone(), name_span));
    let default = |note: &'static str| {
        service_default.as_ref().map(|(name, span)| NameDefault { value: name, span: span.clone(), note })
    };
    let cluster = values::reference(ctx, decl, table, "cluster", Kind::Cluster);
    let image = image(ctx, table);
    let size = size(ctx, table);
    let port = table.required(ctx, "port").and_then(|_| values::port(ctx, table, "port"));
    let environment = environment(ctx, table);
    let secrets = container::secrets(ctx, decl, table, "", environment.as_ref().ok());
    let command = command(ctx, table);
    let desired_count = values::u32_in(ctx, table, "desired_count", 0, 1000, 1);
    let network = values::network(ctx, decl, table, true);
    let execution_role = values::reference(ctx, decl, table, "execution_role", Kind::Role);
    let task_role = values::optional_reference(ctx, decl, table, "task_role", Kind::Role);
    let container_health_check = container::health_check(ctx, table);
    let depends_on = sidecar::depends_on(ctx, table);
    let sidecars = sidecar::read_all(
        ctx,
        decl,
        table,
        default("the service name is the default `stream_prefix`; set `stream_prefix`"),
    );
    // ECS takes up to 2^31 - 1 seconds; a day is already far beyond any start-up worth waiting for.
    let grace_period = values::u32_in(ctx, table, "health_check_grace_period_seconds", 0, i32::MAX.unsigned_abs(), 0);
    if let Some(value) = table.get("enable_execute_command") {
        // Where the cross-file warning about the task role's permissions points.
        decl.remember(ctx, "enable_execute_command", value);
    }
    let enable_execute_command = table.bool_or(ctx, "enable_execute_command", false);
    let logs = logs(ctx, decl, table, default("the service name is the default `stream_prefix`; set `stream_prefix`"));
    let discovery = discovery(ctx, decl, table, default("the service name is the default `name`; set `name`"));
    let deployment = deployment(ctx, table);
    let load_balancer = load_balancer(ctx, decl, table, default("the service name is the default `name`; set `name`"));
    let route =
        route::read(ctx, decl, table, default("the service name is the default `target_group`; set `target_group`"));
    let autoscaling = autoscaling::read(ctx, table, service_default.as_ref().map(|(name, _)| name.as_str()));
    let keep_revisions = values::u32_in(ctx, table, "keep_revisions", 1, 100, 3);
    let tags = tags::read(ctx, table);
    let (cpu, memory) = size?;
    let (depends_on, sidecars) = (depends_on?, sidecars?);
    let main = sidecar::Main {
        name: service_name.as_ref().ok(),
        port: port.as_ref().ok().copied().flatten(),
        cpu,
        memory,
        depends_on: &depends_on,
        has_health_check: matches!(container_health_check, Ok(Some(_))),
    };
    sidecar::check_task(ctx, table, &main, &sidecars)?;
    Ok(Service {
        service_name: service_name?,
        cluster: cluster?,
        image: image?,
        cpu,
        memory,
        port: port?.expect("required"),
        environment: environment?,
        secrets: secrets?,
        command: command?,
        desired_count: desired_count?,
        network: network?,
        execution_role: execution_role?,
        task_role: task_role?,
        health_check: container_health_check?,
        depends_on: depends_on.into_iter().map(|(name, dependency)| (name, dependency.condition)).collect(),
        sidecars: sidecars.into_iter().map(|(name, read)| (name, read.sidecar)).collect(),
        health_check_grace_period_seconds: grace_period?,
        enable_execute_command: enable_execute_command?,
        logs: logs?,
        discovery: discovery?,
        deployment: deployment?,
        load_balancer: load_balancer?,
        route: route?,
        autoscaling: autoscaling?,
        keep_revisions: keep_revisions?,
        tags: tags?,
    })
}

/// The image; one without a tag or digest is a warning.
pub(super) fn image(ctx: &mut Ctx<'_>, table: &Table<'_, '_>) -> Read<String> {
    let value = table.required(ctx, "image")?;
    let path = table.field("image");
    let text = string(ctx, value, &path)?;
    match checks::image(text) {
        Ok(pinned) => {
            if !pinned {
                ctx.warning(&value.span(), &path, UNTAGGED);
            }
            Ok(text.to_string())
        }
        Err(message) => Err(ctx.error(&value.span(), &path, message)),
    }
}

/// `cpu` and `memory`: one of the pairs Fargate offers.
fn size(ctx: &mut Ctx<'_>, table: &Table<'_, '_>) -> Read<(u32, u32)> {
    let cpu = match table.get("cpu") {
        None => Ok(DEFAULT_CPU),
        Some(value) => {
            let path = table.field("cpu");
            integer(ctx, value, &path).and_then(|cpu| match u32::try_from(cpu) {
                Ok(cpu) if checks::fargate_memory(cpu).is_some() => Ok(cpu),
                _ => {
                    let offered: Vec<String> = checks::FARGATE_CPU.iter().map(u32::to_string).collect();
                    Err(ctx.error(
                        &value.span(),
                        &path,
                        format!("{cpu} CPU units is not a size Fargate offers: expected one of {}", offered.join(", ")),
                    ))
                }
            })
        }
    };
    let memory = match table.get("memory") {
        None => Ok(i64::from(DEFAULT_MEMORY)),
        Some(value) => integer(ctx, value, &table.field("memory")),
    };
    let (cpu, memory) = (cpu?, memory?);
    let allowed = checks::fargate_memory(cpu).expect("checked above");
    if let Ok(memory) = u32::try_from(memory)
        && allowed.contains(&memory)
    {
        return Ok((cpu, memory));
    }
    let (value, key, note) = match table.get("memory") {
        Some(value) => (value, "memory", String::new()),
        // The defaults are a valid pair: cpu was written.
        None => (table.get("cpu").expect("written"), "cpu", format!(" (memory defaults to {DEFAULT_MEMORY})")),
    };
    let allowed: Vec<String> = allowed.iter().map(u32::to_string).collect();
    Err(ctx.error(
        &value.span(),
        &table.field(key),
        format!(
            "cpu = {cpu} and memory = {memory} are not a pair Fargate accepts: with cpu = {cpu}, memory is one of \
             {}{note}",
            allowed.join(", ")
        ),
    ))
}

pub(super) fn environment(ctx: &mut Ctx<'_>, table: &Table<'_, '_>) -> Read<BTreeMap<String, String>> {
    let expected = "a table of variables (environment = { NAME = \"value\" })";
    values::entries(ctx, table, "environment", expected, |ctx, (name, span), value, path| {
        if let Err(message) = checks::environment_name(name) {
            ctx.error(&span, &path, message);
        }
        string(ctx, value, &path).ok().map(str::to_string)
    })
}

pub(super) fn command(ctx: &mut Ctx<'_>, table: &Table<'_, '_>) -> Read<Option<Vec<String>>> {
    let errors_before = ctx.error_count();
    let expected = "an array of strings (the command and its arguments)";
    let Some(items) = values::strings(ctx, table, "command", expected, None)? else {
        return Ok(None);
    };
    if ctx.error_count() != errors_before {
        return Err(Reported);
    }
    if items.is_empty() {
        let value = table.get("command").expect("read above");
        return Err(ctx.error(
            &value.span(),
            &table.field("command"),
            "the command is empty: leave `command` out to run the image's own",
        ));
    }
    Ok(Some(items.into_iter().map(|(_, text, _)| text.to_string()).collect()))
}

/// A log stream prefix: log stream names cannot have `:` or `*`.
fn stream_prefix(prefix: &str) -> Result<(), String> {
    if prefix.is_empty() {
        return Err("the stream prefix must not be empty".into());
    }
    if prefix.len() > 512 {
        return Err("the stream prefix is longer than 512 characters, the longest log stream name".into());
    }
    if prefix.contains([':', '*']) {
        return Err(format!("invalid stream prefix `{prefix}`: log stream names cannot have `:` or `*`"));
    }
    Ok(())
}

pub(super) fn logs(
    ctx: &mut Ctx<'_>,
    decl: &mut Decl<'_>,
    table: &Table<'_, '_>,
    default: Option<NameDefault<'_>>,
) -> Read<Option<Logs>> {
    let Some(logs) = values::sub_table(ctx, table, "logs", LOGS_FIELDS)? else {
        return Ok(None);
    };
    let log_group = values::reference(ctx, decl, &logs, "log_group", Kind::LogGroup);
    let stream_prefix = values::name(ctx, decl, &logs, "stream_prefix", "logs.stream_prefix", default, stream_prefix);
    Ok(Some(Logs { log_group: log_group?, stream_prefix: stream_prefix? }))
}

fn discovery(
    ctx: &mut Ctx<'_>,
    decl: &mut Decl<'_>,
    table: &Table<'_, '_>,
    default: Option<NameDefault<'_>>,
) -> Read<Option<Discovery>> {
    if let Some(value) = table.get("discovery") {
        // Where a defaulted name is reported by the cross-file checks: the sub-table.
        decl.remember(ctx, "discovery.name", value);
    }
    let Some(discovery) = values::sub_table(ctx, table, "discovery", DISCOVERY_FIELDS)? else {
        return Ok(None);
    };
    let namespace = values::reference(ctx, decl, &discovery, "namespace", Kind::Namespace);
    let name = values::name(ctx, decl, &discovery, "name", "discovery.name", default, checks::dns_label);
    let ttl = values::u32_in(ctx, &discovery, "ttl", 0, i32::MAX.unsigned_abs(), 60);
    Ok(Some(Discovery { namespace: namespace?, name: name?, ttl: ttl? }))
}

fn deployment(ctx: &mut Ctx<'_>, table: &Table<'_, '_>) -> Read<Deployment> {
    let defaults = Deployment::default();
    let Some(deployment) = values::sub_table(ctx, table, "deployment", DEPLOYMENT_FIELDS)? else {
        return Ok(defaults);
    };
    let errors_before = ctx.error_count();
    let minimum = values::u32_in(ctx, &deployment, "minimum_healthy_percent", 0, 100, defaults.minimum_healthy_percent);
    let maximum = values::u32_in(ctx, &deployment, "maximum_percent", 100, 400, defaults.maximum_percent);
    if let (Ok(minimum), Ok(maximum)) = (minimum, maximum)
        && maximum <= minimum
    {
        // Only 100 and 100: `maximum_percent` was written (its default is 200).
        let value = deployment.get("maximum_percent").expect("written");
        ctx.error(
            &value.span(),
            &deployment.field("maximum_percent"),
            format!(
                "maximum_percent = {maximum} leaves no room with minimum_healthy_percent = {minimum}: ECS could \
                 neither start a new task before stopping an old one nor stop one first; raise maximum_percent or \
                 lower minimum_healthy_percent"
            ),
        );
    }
    let circuit_breaker = deployment.bool_or(ctx, "circuit_breaker", defaults.circuit_breaker);
    // Rollback is what the circuit breaker does when it trips: without it, it defaults to off.
    let rollback = match deployment.get("rollback") {
        None => circuit_breaker,
        Some(value) => boolean(ctx, value, &deployment.field("rollback")),
    };
    if let (Ok(false), Ok(true)) = (circuit_breaker, rollback) {
        let value = deployment.get("rollback").expect("true was written");
        ctx.error(
            &value.span(),
            &deployment.field("rollback"),
            "rollback needs the circuit breaker: set circuit_breaker = true, or rollback = false",
        );
    }
    let deployment = Deployment {
        minimum_healthy_percent: minimum?,
        maximum_percent: maximum?,
        circuit_breaker: circuit_breaker?,
        rollback: rollback?,
    };
    if ctx.error_count() == errors_before { Ok(deployment) } else { Err(Reported) }
}

fn load_balancer(
    ctx: &mut Ctx<'_>,
    decl: &mut Decl<'_>,
    table: &Table<'_, '_>,
    default: Option<NameDefault<'_>>,
) -> Read<Option<LoadBalancer>> {
    if let Some(value) = table.get("load_balancer") {
        // For the cross-file checks: the load balancer as a whole, and its name when it takes the default.
        decl.remember(ctx, "load_balancer", value);
        decl.remember(ctx, "load_balancer.name", value);
    }
    let Some(lb) = values::sub_table(ctx, table, "load_balancer", LOAD_BALANCER_FIELDS)? else {
        return Ok(None);
    };
    let name = values::name(ctx, decl, &lb, "name", "load_balancer.name", default, checks::load_balancer_name);
    let scheme = scheme(ctx, &lb);
    let listener_port = values::port(ctx, &lb, "listener_port").map(|port| port.unwrap_or(80));
    let allowed_cidrs = allowed_cidrs(ctx, &lb);
    let health_check = health_check(ctx, &lb);
    let https = super::https::read(ctx, &lb, listener_port.as_ref().ok().copied());
    Ok(Some(LoadBalancer {
        name: name?,
        scheme: scheme?,
        listener_port: listener_port?,
        allowed_cidrs: allowed_cidrs?,
        health_check: health_check?,
        https: https?,
    }))
}

/// `scheme`: `internet-facing` (the default) or `internal`.
pub(crate) fn scheme(ctx: &mut Ctx<'_>, lb: &Table<'_, '_>) -> Read<Scheme> {
    let Some(value) = lb.get("scheme") else { return Ok(Scheme::InternetFacing) };
    let path = lb.field("scheme");
    string(ctx, value, &path).and_then(|text| match text {
        "internet-facing" => Ok(Scheme::InternetFacing),
        "internal" => Ok(Scheme::Internal),
        other => Err(ctx.error(
            &value.span(),
            &path,
            format!("unknown value `{other}`, expected one of `internet-facing`, `internal`"),
        )),
    })
}

pub(crate) fn allowed_cidrs(ctx: &mut Ctx<'_>, lb: &Table<'_, '_>) -> Read<Vec<ipnet::Ipv4Net>> {
    let errors_before = ctx.error_count();
    let expected = "an array of IPv4 CIDRs";
    let Some(items) = values::strings(ctx, lb, "allowed_cidrs", expected, Some("CIDR"))? else {
        return Ok(vec!["0.0.0.0/0".parse().expect("a CIDR")]);
    };
    let path = lb.field("allowed_cidrs");
    if items.is_empty() && ctx.error_count() == errors_before {
        let value = lb.get("allowed_cidrs").expect("read above");
        ctx.error(
            &value.span(),
            &path,
            "the list of allowed CIDRs is empty: name at least one (`0.0.0.0/0` for anyone)",
        );
    }
    let mut cidrs = Vec::new();
    for (i, text, span) in &items {
        match checks::network(text) {
            Ok(net) => cidrs.push(net),
            Err(message) => {
                ctx.error(span, &path.index(*i), message);
            }
        }
    }
    if ctx.error_count() == errors_before { Ok(cidrs) } else { Err(Reported) }
}

pub(crate) fn health_check(ctx: &mut Ctx<'_>, lb: &Table<'_, '_>) -> Read<HealthCheck> {
    let defaults = HealthCheck::default();
    let Some(check) = values::sub_table(ctx, lb, "health_check", HEALTH_CHECK_FIELDS)? else {
        return Ok(defaults);
    };
    let path = check.optional_str(ctx, "path").and_then(|path| {
        let Some(path) = path else { return Ok(defaults.path.clone()) };
        let value = check.get("path").expect("read above");
        let message = if !path.starts_with('/') {
            format!("the path `{path}` must start with `/`")
        } else if path.chars().count() > MAX_HEALTH_CHECK_PATH {
            format!("the path is longer than {MAX_HEALTH_CHECK_PATH} characters, the longest a target group takes")
        } else {
            return Ok(path.to_string());
        };
        Err(ctx.error(&value.span(), &check.field("path"), message))
    });
    let interval = values::u32_in(ctx, &check, "interval_seconds", 5, 300, defaults.interval_seconds);
    let timeout = values::u32_in(ctx, &check, "timeout_seconds", 2, 120, defaults.timeout_seconds);
    let healthy = values::u32_in(ctx, &check, "healthy_threshold", 2, 10, defaults.healthy_threshold);
    let unhealthy = values::u32_in(ctx, &check, "unhealthy_threshold", 2, 10, defaults.unhealthy_threshold);
    let (interval, timeout) = (interval?, timeout?);
    if timeout >= interval {
        // The defaults (5 < 30) are fine: one of the two was written. Point at the timeout if it was.
        let key = if check.get("timeout_seconds").is_some() { "timeout_seconds" } else { "interval_seconds" };
        let value = check.get(key).expect("written");
        return Err(ctx.error(
            &value.span(),
            &check.field(key),
            format!("timeout_seconds = {timeout} must be less than interval_seconds = {interval}"),
        ));
    }
    Ok(HealthCheck {
        path: path?,
        interval_seconds: interval,
        timeout_seconds: timeout,
        healthy_threshold: healthy?,
        unhealthy_threshold: unhealthy?,
    })
}
