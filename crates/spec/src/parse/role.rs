//! `[role.NAME]`: an IAM role that an AWS service assumes.

use super::Decl;
use super::tags;
use super::values::{self, NameDefault};
use crate::checks;
use crate::model::Role;
use crate::reader::{Ctx, Read, Reported, Table, string};

pub(crate) const FIELDS: &[&str] =
    &["role_name", "trusted_service", "managed_policies", "inline_policy", "instance_profile", "tags"];

pub(crate) fn read(ctx: &mut Ctx<'_>, decl: &mut Decl<'_>, table: &Table<'_, '_>) -> Read<Role> {
    // The default, the declaration name, is always a valid role name: declaration names are a subset.
    let default = NameDefault {
        value: decl.name,
        span: decl.name_span.clone(),
        note: "the declaration name is the default `role_name`; set `role_name`",
    };
    let role_name = values::name(ctx, decl, table, "role_name", "role_name", Some(default), checks::role_name);
    let trusted_service = table.required(ctx, "trusted_service").and_then(|value| {
        let path = table.field("trusted_service");
        let text = string(ctx, value, &path)?;
        checks::service_principal(text).map_err(|message| ctx.error(&value.span(), &path, message))?;
        Ok(text.to_string())
    });
    let errors_before = ctx.error_count();
    let managed_policies = values::strings(ctx, table, "managed_policies", "an array of policy ARNs", Some("policy"))
        .and_then(|policies| {
            let path = table.field("managed_policies");
            let policies = policies.unwrap_or_default();
            for (i, arn, span) in &policies {
                if let Err(message) = checks::policy_arn(arn) {
                    ctx.error(span, &path.index(*i), message);
                }
            }
            if ctx.error_count() != errors_before {
                return Err(Reported);
            }
            Ok(policies.into_iter().map(|(_, arn, _)| arn.to_string()).collect())
        });
    let inline_policy = table.optional_str(ctx, "inline_policy").and_then(|text| {
        let Some(text) = text else { return Ok(None) };
        let value = table.get("inline_policy").expect("read above");
        checks::inline_policy(text)
            .map(|()| Some(text.to_string()))
            .map_err(|message| ctx.error(&value.span(), &table.field("inline_policy"), message))
    });
    let instance_profile = table.bool_or(ctx, "instance_profile", false);
    let tags = tags::read(ctx, table);
    Ok(Role {
        role_name: role_name?,
        trusted_service: trusted_service?,
        managed_policies: managed_policies?,
        inline_policy: inline_policy?,
        instance_profile: instance_profile?,
        tags: tags?,
    })
}
