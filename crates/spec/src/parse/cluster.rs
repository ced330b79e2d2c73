//! `[cluster.NAME]`: an ECS cluster.

use super::Decl;
use super::tags;
use crate::checks;
use crate::model::Cluster;
use crate::reader::{Ctx, Read, Table, string};

pub(crate) const FIELDS: &[&str] = &["cluster_name", "container_insights", "tags"];

pub(crate) fn read(ctx: &mut Ctx<'_>, decl: &mut Decl<'_>, table: &Table<'_, '_>) -> Read<Cluster> {
    // The default, the declaration name, is always a valid cluster name: declaration names are a subset.
    let cluster_name = match table.get("cluster_name") {
        None => Ok(decl.name.to_string()),
        Some(value) => {
            let path = table.field("cluster_name");
            string(ctx, value, &path).and_then(|name| {
                decl.remember(ctx, "cluster_name", value);
                checks::cluster_name(name)
                    .map(|()| name.to_string())
                    .map_err(|message| ctx.error(&value.span(), &path, message))
            })
        }
    };
    let container_insights = table.bool_or(ctx, "container_insights", false);
    let tags = tags::read(ctx, table);
    Ok(Cluster { cluster_name: cluster_name?, container_insights: container_insights?, tags: tags? })
}
