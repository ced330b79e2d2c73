//! Fields every kind accepts besides its own: `deletion_policy`, and `adopt` for kinds found by name.

use crate::declarations::Kind;
use crate::model::Lifecycle;
use crate::reader::{Ctx, Read, Table};

pub(crate) const FIELDS: &[&str] = &["deletion_policy"];
pub(crate) const ADOPTABLE_FIELDS: &[&str] = &["adopt", "deletion_policy"];

/// Kinds whose existing resources can be recognised, which is what adopting goes by: by a unique name, or (a
/// VPC) by its CIDR and tags. An instance has nothing to recognise an existing one by.
pub(crate) fn adoptable(kind: Kind) -> bool {
    // A shared load balancer is not adopted yet (its listener rules belong to the services that route to it).
    !matches!(kind, Kind::Instance | Kind::LoadBalancer)
}

pub(crate) fn read(ctx: &mut Ctx<'_>, table: &Table<'_, '_>) -> Read<Lifecycle> {
    let adopt = table.bool_or(ctx, "adopt", false);
    let retain = match table.optional_str(ctx, "deletion_policy")? {
        None | Some("delete") => false,
        Some("retain") => true,
        Some(other) => {
            let value = table.get("deletion_policy").expect("the field was read");
            return Err(ctx.error(
                &value.span(),
                &table.field("deletion_policy"),
                format!("unknown deletion policy {other:?}, expected \"delete\" (the default) or \"retain\""),
            ));
        }
    };
    Ok(Lifecycle { adopt: adopt?, retain })
}
