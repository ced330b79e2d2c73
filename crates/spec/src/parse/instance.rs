//! `[instance.NAME]`: an EC2 instance.

use super::Decl;
use super::tags;
use super::values;
use crate::checks;
use crate::declarations::Kind;
use crate::model::Instance;
use crate::reader::{Ctx, Read, Table, string};

pub(crate) const FIELDS: &[&str] =
    &["instance_type", "image", "vpc", "subnets", "security_groups", "role", "user_data", "tags"];

/// EC2's limit on user data, in bytes before base64.
const MAX_USER_DATA: usize = 16384;

pub(crate) fn read(ctx: &mut Ctx<'_>, decl: &mut Decl<'_>, table: &Table<'_, '_>) -> Read<Instance> {
    let instance_type = table.required(ctx, "instance_type").and_then(|value| {
        let path = table.field("instance_type");
        let text = string(ctx, value, &path)?;
        checks::instance_type(text).map_err(|message| ctx.error(&value.span(), &path, message))?;
        Ok(text.to_string())
    });
    let image = table.optional_str(ctx, "image").and_then(|text| {
        let Some(text) = text else { return Ok(None) };
        let value = table.get("image").expect("read above");
        checks::ami_id(text)
            .map(|()| Some(text.to_string()))
            .map_err(|message| ctx.error(&value.span(), &table.field("image"), message))
    });
    let network = values::network(ctx, decl, table, false);
    let role = values::optional_reference(ctx, decl, table, "role", Kind::Role);
    let user_data = table.optional_str(ctx, "user_data").and_then(|text| {
        let Some(text) = text else { return Ok(None) };
        if text.len() > MAX_USER_DATA {
            let value = table.get("user_data").expect("read above");
            return Err(ctx.error(
                &value.span(),
                &table.field("user_data"),
                format!("the user data is {} bytes long; EC2 allows at most {MAX_USER_DATA}", text.len()),
            ));
        }
        Ok(Some(text.to_string()))
    });
    let tags = tags::read(ctx, table);
    let network = network?;
    Ok(Instance {
        instance_type: instance_type?,
        image: image?,
        vpc: network.vpc,
        subnets: network.subnets,
        security_groups: network.security_groups,
        role: role?,
        user_data: user_data?,
        tags: tags?,
    })
}
