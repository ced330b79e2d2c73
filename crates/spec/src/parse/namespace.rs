//! `[namespace.NAME]`: a Cloud Map private DNS namespace.

use super::Decl;
use super::tags;
use crate::checks;
use crate::declarations::Kind;
use crate::model::Namespace;
use crate::reader::{Ctx, Read, Table, string};

pub(crate) const FIELDS: &[&str] = &["dns_name", "vpc", "description", "tags"];

/// Cloud Map's limit on a namespace description.
const MAX_DESCRIPTION: usize = 1024;

pub(crate) fn read(ctx: &mut Ctx<'_>, decl: &mut Decl<'_>, table: &Table<'_, '_>) -> Read<Namespace> {
    let dns_name = match table.get("dns_name") {
        None => {
            // Declaration names allow uppercase and `_`, DNS names do not: point at the name that was used.
            let name = decl.name;
            checks::dns_name(name).map(|()| name.to_string()).map_err(|message| {
                ctx.error(
                    &decl.name_span,
                    &table.field("dns_name"),
                    format!("{message} (the declaration name is the default `dns_name`; set `dns_name`)"),
                )
            })
        }
        Some(value) => {
            let path = table.field("dns_name");
            string(ctx, value, &path).and_then(|name| {
                decl.remember(ctx, "dns_name", value);
                checks::dns_name(name)
                    .map(|()| name.to_string())
                    .map_err(|message| ctx.error(&value.span(), &path, message))
            })
        }
    };
    let vpc = table.required(ctx, "vpc").and_then(|value| {
        let path = table.field("vpc");
        let name = string(ctx, value, &path)?;
        decl.reference(ctx, Kind::Vpc, name, value, &path);
        Ok(name.to_string())
    });
    let description = table.optional_str(ctx, "description").and_then(|text| {
        let Some(text) = text else { return Ok(None) };
        let length = text.chars().count();
        if length > MAX_DESCRIPTION {
            let value = table.get("description").expect("read above");
            return Err(ctx.error(
                &value.span(),
                &table.field("description"),
                format!("the description is {length} characters long; Cloud Map allows at most {MAX_DESCRIPTION}"),
            ));
        }
        Ok(Some(text.to_string()))
    });
    let tags = tags::read(ctx, table);
    Ok(Namespace { dns_name: dns_name?, vpc: vpc?, description: description?, tags: tags? })
}
