//! Fields every kind with a unique name accepts besides its own: `adopt`.

use crate::declarations::Kind;
use crate::model::Lifecycle;
use crate::reader::{Ctx, Read, Table};

pub(crate) const FIELDS: &[&str] = &["adopt"];

/// Kinds found by a unique name (or identity rule), which is what adopting goes by. A VPC or an instance has
/// none: there is nothing to recognise an existing one by.
pub(crate) fn adoptable(kind: Kind) -> bool {
    !matches!(kind, Kind::Vpc | Kind::Instance)
}

pub(crate) fn read(ctx: &mut Ctx<'_>, table: &Table<'_, '_>) -> Read<Lifecycle> {
    Ok(Lifecycle { adopt: table.bool_or(ctx, "adopt", false)? })
}
