//! `[service.NAME.route]`: the paths and hosts a shared load balancer sends to the service.

use super::Decl;
use super::service::health_check;
use super::values::{self, NameDefault};
use crate::checks;
use crate::declarations::Kind;
use crate::model::Route;
use crate::reader::{Ctx, Read, Reported, Table};

pub(crate) const FIELDS: &[&str] = &["load_balancer", "paths", "hosts", "priority", "target_group", "health_check"];

/// The most values an ALB rule's conditions take together.
const MAX_CONDITION_VALUES: usize = 5;

pub(crate) fn read(
    ctx: &mut Ctx<'_>,
    decl: &mut Decl<'_>,
    table: &Table<'_, '_>,
    default: Option<NameDefault<'_>>,
) -> Read<Option<Route>> {
    if let Some(value) = table.get("route") {
        decl.remember(ctx, "route", value);
        if table.get("load_balancer").is_some() {
            return Err(ctx.error(
                &value.span(),
                &table.field("route"),
                "a service has its own `load_balancer` or a `route` on a shared one, not both",
            ));
        }
    }
    let Some(route) = values::sub_table(ctx, table, "route", FIELDS)? else {
        return Ok(None);
    };
    if let Some(value) = route.get("priority") {
        decl.remember(ctx, "route.priority", value);
    }
    let load_balancer = values::reference(ctx, decl, &route, "load_balancer", Kind::LoadBalancer);
    let errors_before = ctx.error_count();
    let paths = patterns(ctx, &route, "paths", checks::path_pattern)?;
    let hosts = patterns(ctx, &route, "hosts", checks::host_pattern)?;
    if ctx.error_count() != errors_before {
        return Err(Reported);
    }
    if paths.is_empty() && hosts.is_empty() {
        return Err(ctx.error(
            route.span(),
            route.path(),
            "a route needs `paths`, `hosts` or both: which requests go to this service",
        ));
    }
    if paths.len() + hosts.len() > MAX_CONDITION_VALUES {
        let value = route.get("paths").or(route.get("hosts")).expect("written");
        return Err(ctx.error(
            &value.span(),
            &route.field("paths"),
            format!(
                "{} paths and hosts: a listener rule takes at most {MAX_CONDITION_VALUES}",
                paths.len() + hosts.len()
            ),
        ));
    }
    let priority = route.required(ctx, "priority").and_then(|_| values::u32_in(ctx, &route, "priority", 1, 50_000, 1));
    let target_group =
        values::name(ctx, decl, &route, "target_group", "route.target_group", default, checks::load_balancer_name);
    let health_check = health_check(ctx, &route);
    Ok(Some(Route {
        load_balancer: load_balancer?,
        paths,
        hosts,
        priority: priority?,
        target_group_name: target_group?,
        health_check: health_check?,
    }))
}

fn patterns(
    ctx: &mut Ctx<'_>,
    route: &Table<'_, '_>,
    key: &str,
    check: fn(&str) -> Result<(), String>,
) -> Read<Vec<String>> {
    let Some(items) = values::strings(ctx, route, key, "an array of patterns", Some("pattern"))? else {
        return Ok(vec![]);
    };
    let path = route.field(key);
    let mut read = Vec::new();
    for (i, text, span) in items {
        match check(text) {
            Ok(()) => read.push(text.to_string()),
            Err(message) => {
                ctx.error(&span, &path.index(i), message);
            }
        }
    }
    Ok(read)
}
