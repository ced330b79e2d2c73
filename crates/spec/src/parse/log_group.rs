//! `[log_group.NAME]`: a CloudWatch Logs log group.

use super::Decl;
use super::tags;
use super::values::{self, NameDefault};
use crate::checks;
use crate::model::LogGroup;
use crate::reader::{Ctx, Read, Table, integer};

pub(crate) const FIELDS: &[&str] = &["group_name", "retention_days", "tags"];

pub(crate) fn read(ctx: &mut Ctx<'_>, decl: &mut Decl<'_>, table: &Table<'_, '_>) -> Read<LogGroup> {
    // The default, the declaration name, is always a valid log group name: declaration names are a subset.
    let default = NameDefault {
        value: decl.name,
        span: decl.name_span.clone(),
        note: "the declaration name is the default `group_name`; set `group_name`",
    };
    let group_name = values::name(ctx, decl, table, "group_name", "group_name", Some(default), checks::log_group_name);
    let retention_days = match table.get("retention_days") {
        None => Ok(None),
        Some(value) => {
            let path = table.field("retention_days");
            integer(ctx, value, &path).and_then(|days| {
                checks::retention_days(days).map(Some).map_err(|message| ctx.error(&value.span(), &path, message))
            })
        }
    };
    let tags = tags::read(ctx, table);
    Ok(LogGroup { group_name: group_name?, retention_days: retention_days?, tags: tags? })
}
