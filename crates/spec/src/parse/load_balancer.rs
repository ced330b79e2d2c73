//! `[load_balancer.NAME]`: an application load balancer shared by services (`[service.X.route]`).

use super::service::{allowed_cidrs, scheme};
use super::values::{self, NameDefault};
use super::{Decl, tags};
use crate::checks;
use crate::declarations::Kind;
use crate::model::SharedLoadBalancer;
use crate::reader::{Ctx, Read, Table};

pub(crate) const FIELDS: &[&str] =
    &["load_balancer_name", "vpc", "scheme", "listener_port", "allowed_cidrs", "https", "tags"];

pub(crate) fn read(ctx: &mut Ctx<'_>, decl: &mut Decl<'_>, table: &Table<'_, '_>) -> Read<SharedLoadBalancer> {
    let default = NameDefault {
        value: decl.name,
        span: decl.name_span.clone(),
        note: "the declaration name is the default `load_balancer_name`; set `load_balancer_name`",
    };
    let name = values::name(
        ctx,
        decl,
        table,
        "load_balancer_name",
        "load_balancer_name",
        Some(default),
        checks::load_balancer_name,
    );
    let vpc = values::reference(ctx, decl, table, "vpc", Kind::Vpc);
    let scheme = scheme(ctx, table);
    let listener_port = values::port(ctx, table, "listener_port").map(|port| port.unwrap_or(80));
    let allowed_cidrs = allowed_cidrs(ctx, table);
    let https = super::https::read(ctx, table, listener_port.as_ref().ok().copied());
    let tags = tags::read(ctx, table);
    Ok(SharedLoadBalancer {
        name: name?,
        vpc: vpc?,
        scheme: scheme?,
        listener_port: listener_port?,
        allowed_cidrs: allowed_cidrs?,
        https: https?,
        tags: tags?,
    })
}
