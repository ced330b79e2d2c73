//! `[service.NAME.sidecars.CONTAINER]`: more containers in a service's tasks, and the start order of all of
//! them (`depends_on`, on the service for its main container and on each sidecar). Read by [`super::service`],
//! which then checks the task as a whole with [`check_task`]: names, ports, CPU and memory shares, and a start
//! order that ECS can follow.

use std::collections::{BTreeMap, BTreeSet};

use reconciler_vocabulary::StartCondition;

use super::values::{self, NameDefault};
use super::{Decl, container, service};
use crate::checks;
use crate::model::Sidecar;
use crate::reader::{Ctx, FieldPath, Read, Reported, Span, Table, string};

pub(crate) const FIELDS: &[&str] = &[
    "image",
    "cpu",
    "memory",
    "port",
    "environment",
    "secrets",
    "command",
    "essential",
    "depends_on",
    "health_check",
    "logs",
];

/// The most CPU units and MiB a Fargate task has (16 vCPU, 120 GiB); a container's share cannot be more.
const MAX_CPU: i64 = 16_384;
const MAX_MEMORY: i64 = 122_880;
/// The least memory ECS gives a container a limit of.
const MIN_MEMORY: i64 = 6;

/// One `depends_on` entry as written: the condition, and where, for errors about the task as a whole.
pub(crate) struct Dependency {
    pub(crate) condition: StartCondition,
    span: Span,
    path: FieldPath,
}

/// A sidecar as read, with where the fields that [`check_task`] looks at are written.
pub(crate) struct ReadSidecar {
    pub(crate) sidecar: Sidecar,
    depends_on: BTreeMap<String, Dependency>,
    name_span: Span,
    name_path: FieldPath,
    /// The `port`, `cpu` and `memory` values' spans and paths, when written.
    written: BTreeMap<&'static str, (Span, FieldPath)>,
}

/// What [`check_task`] needs of the main container.
pub(crate) struct Main<'a> {
    /// `None` when the service name is invalid (already reported).
    pub(crate) name: Option<&'a String>,
    pub(crate) port: Option<u16>,
    pub(crate) cpu: u32,
    pub(crate) memory: u32,
    pub(crate) depends_on: &'a BTreeMap<String, Dependency>,
    pub(crate) has_health_check: bool,
}

/// `[service.NAME.sidecars]`: each sidecar by container name.
pub(crate) fn read_all(
    ctx: &mut Ctx<'_>,
    decl: &mut Decl<'_>,
    table: &Table<'_, '_>,
    logs_default: Option<NameDefault<'_>>,
) -> Read<BTreeMap<String, ReadSidecar>> {
    let expected = "a table of containers ([service.NAME.sidecars.CONTAINER])";
    values::entries(ctx, table, "sidecars", expected, |ctx, (name, span), value, path| {
        if let Err(message) = checks::container_name(name) {
            ctx.error(&span, &path, message);
            return None;
        }
        let sidecar = Table::new(ctx, value, path, "a table ([service.NAME.sidecars.CONTAINER])", FIELDS).ok()?;
        let logs_default =
            logs_default.as_ref().map(|d| NameDefault { value: d.value, span: d.span.clone(), note: d.note });
        read_one(ctx, decl, &sidecar, (name, span), logs_default).ok()
    })
}

fn read_one(
    ctx: &mut Ctx<'_>,
    decl: &mut Decl<'_>,
    table: &Table<'_, '_>,
    (name, name_span): (&str, Span),
    logs_default: Option<NameDefault<'_>>,
) -> Read<ReadSidecar> {
    let image = service::image(ctx, table);
    let cpu = values::integer_in(ctx, table, "cpu", 0, MAX_CPU);
    let memory = values::integer_in(ctx, table, "memory", MIN_MEMORY, MAX_MEMORY);
    let port = values::port(ctx, table, "port");
    let environment = service::environment(ctx, table);
    let secrets = container::secrets(ctx, decl, table, &format!("sidecars.{name}."), environment.as_ref().ok());
    let command = service::command(ctx, table);
    let essential = table.bool_or(ctx, "essential", true);
    let depends_on = depends_on(ctx, table);
    let health_check = container::health_check(ctx, table);
    let logs = service::logs(ctx, decl, table, logs_default);
    let written = ["port", "cpu", "memory"]
        .into_iter()
        .filter_map(|key| Some((key, (table.get(key)?.span(), table.field(key)))))
        .collect();
    let as_u32 = |n: Option<i64>| n.map(|n| u32::try_from(n).expect("checked range"));
    let depends_on = depends_on?;
    Ok(ReadSidecar {
        sidecar: Sidecar {
            image: image?,
            cpu: as_u32(cpu?).filter(|cpu| *cpu > 0),
            memory: as_u32(memory?),
            port: port?,
            environment: environment?,
            secrets: secrets?,
            command: command?,
            essential: essential?,
            depends_on: depends_on.iter().map(|(name, d)| (name.clone(), d.condition)).collect(),
            health_check: health_check?,
            logs: logs?,
        },
        depends_on,
        name_span,
        name_path: table.path().clone(),
        written,
    })
}

/// `depends_on = { CONTAINER = "START" | "COMPLETE" | "SUCCESS" | "HEALTHY" }`.
pub(crate) fn depends_on(ctx: &mut Ctx<'_>, table: &Table<'_, '_>) -> Read<BTreeMap<String, Dependency>> {
    let expected = "a table of containers (depends_on = { envoy = \"HEALTHY\" })";
    values::entries(ctx, table, "depends_on", expected, |ctx, (_, span), value, path| {
        let text = string(ctx, value, &path).ok()?;
        let Some(condition) = StartCondition::parse(text) else {
            let expected: Vec<String> = StartCondition::ALL.iter().map(|c| format!("`{}`", c.as_str())).collect();
            let message = format!("unknown condition `{text}`, expected one of {}", expected.join(", "));
            ctx.error(&value.span(), &path, message);
            return None;
        };
        Some(Dependency { condition, span, path })
    })
}

/// What ECS would refuse of the task as a whole: a sidecar named as the main container, a port two containers
/// take, sidecar CPU or memory beyond the task's, and a start order it cannot follow.
pub(crate) fn check_task(
    ctx: &mut Ctx<'_>,
    service: &Table<'_, '_>,
    main: &Main<'_>,
    sidecars: &BTreeMap<String, ReadSidecar>,
) -> Read<()> {
    let errors_before = ctx.error_count();
    if let Some(main_name) = main.name
        && let Some(clash) = sidecars.get(main_name)
    {
        ctx.error(
            &clash.name_span,
            &clash.name_path,
            format!("`{main_name}` is the main container's name (the service name): a sidecar needs another"),
        );
    }
    check_ports(ctx, main, sidecars);
    check_shares(ctx, main, sidecars);
    check_start_order(ctx, service, main, sidecars);
    if ctx.error_count() == errors_before { Ok(()) } else { Err(Reported) }
}

fn check_ports(ctx: &mut Ctx<'_>, main: &Main<'_>, sidecars: &BTreeMap<String, ReadSidecar>) {
    let mut taken: BTreeMap<u16, String> =
        main.port.map(|p| (p, "the main container's".to_string())).into_iter().collect();
    for (name, read) in sidecars {
        let Some(port) = read.sidecar.port else { continue };
        match taken.get(&port) {
            Some(holder) => {
                let (span, path) = &read.written["port"];
                ctx.error(
                    span,
                    path,
                    format!(
                        "port {port} is also {holder}: a task's containers share its network, one container a port"
                    ),
                );
            }
            None => {
                taken.insert(port, format!("sidecar `{name}`'s"));
            }
        }
    }
}

/// The sidecars' CPU reservations and memory limits, added up, within the task's.
fn check_shares(ctx: &mut Ctx<'_>, main: &Main<'_>, sidecars: &BTreeMap<String, ReadSidecar>) {
    let shares = [
        ("cpu", main.cpu, "CPU units", sidecars.values().map(|r| (r, r.sidecar.cpu)).collect::<Vec<_>>()),
        ("memory", main.memory, "MiB", sidecars.values().map(|r| (r, r.sidecar.memory)).collect()),
    ];
    for (key, task, unit, each) in shares {
        let mut total = 0;
        for (read, share) in each {
            let Some(share) = share else { continue };
            total += share;
            if total > task {
                let (span, path) = &read.written[key];
                ctx.error(
                    span,
                    path,
                    format!("the sidecars' {key} adds up to {total} {unit}, more than the task's {task} (the service's `{key}`)"),
                );
                break;
            }
        }
    }
}

/// Every `depends_on` names another container of the task; HEALTHY needs its health check; COMPLETE and
/// SUCCESS need it not essential; and the order has no loop.
fn check_start_order(
    ctx: &mut Ctx<'_>,
    service: &Table<'_, '_>,
    main: &Main<'_>,
    sidecars: &BTreeMap<String, ReadSidecar>,
) {
    let Some(main_name) = main.name else { return };
    // Each container: (essential, has a health check).
    let mut containers: BTreeMap<&str, (bool, bool)> =
        BTreeMap::from([(main_name.as_str(), (true, main.has_health_check))]);
    for (name, read) in sidecars {
        containers.insert(name, (read.sidecar.essential, read.sidecar.health_check.is_some()));
    }
    let waits: Vec<(&str, &BTreeMap<String, Dependency>)> = std::iter::once((main_name.as_str(), main.depends_on))
        .chain(sidecars.iter().map(|(name, read)| (name.as_str(), &read.depends_on)))
        .collect();
    let names: Vec<String> = containers.keys().map(|n| format!("`{n}`")).collect();
    let mut valid = true;
    for (waiter, dependencies) in &waits {
        for (target, dependency) in *dependencies {
            let problem = match containers.get(target.as_str()) {
                _ if target == waiter => Some("a container cannot wait for itself".to_string()),
                None => {
                    Some(format!("`{target}` is no container of this task; its containers are {}", names.join(", ")))
                }
                Some((_, false)) if dependency.condition == StartCondition::Healthy => Some(format!(
                    "`{target}` has no health check, so it never becomes HEALTHY: give it a `health_check`, or wait for START"
                )),
                Some((true, _)) if dependency.condition.waits_for_exit() => Some(format!(
                    "`{target}` is essential: its exit stops the task, so nothing can wait for it to {}; set `essential = false` on it",
                    dependency.condition.as_str()
                )),
                Some(_) => None,
            };
            if let Some(message) = problem {
                ctx.error(&dependency.span, &dependency.path, message);
                valid = false;
            }
        }
    }
    if valid && let Some(cycle) = start_order_loop(&waits) {
        ctx.error(
            service.span(),
            &service.field("depends_on"),
            format!("the start order loops: {}; ECS could start none of them", cycle.join(", then ")),
        );
    }
}

/// A loop in who waits for whom, as `a waits for b` steps, if there is one.
fn start_order_loop(waits: &[(&str, &BTreeMap<String, Dependency>)]) -> Option<Vec<String>> {
    let edges: BTreeMap<&str, Vec<&str>> =
        waits.iter().map(|(waiter, deps)| (*waiter, deps.keys().map(String::as_str).collect())).collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for start in edges.keys() {
        let mut path = vec![*start];
        if let Some(cycle) = walk(&edges, &mut path, &mut done) {
            return Some(cycle.windows(2).map(|pair| format!("`{}` waits for `{}`", pair[0], pair[1])).collect());
        }
    }
    None
}

/// Depth-first from the end of `path`; the loop found, closed (its first container again at its end).
fn walk<'a>(
    edges: &BTreeMap<&'a str, Vec<&'a str>>,
    path: &mut Vec<&'a str>,
    done: &mut BTreeSet<&'a str>,
) -> Option<Vec<&'a str>> {
    let here = *path.last().expect("never empty");
    if done.contains(here) {
        return None;
    }
    for next in edges.get(here).into_iter().flatten() {
        if let Some(at) = path.iter().position(|c| c == next) {
            let mut cycle = path[at..].to_vec();
            cycle.push(next);
            return Some(cycle);
        }
        path.push(next);
        if let Some(cycle) = walk(edges, path, done) {
            return Some(cycle);
        }
        path.pop();
    }
    done.insert(here);
    None
}
