//! An IAM role: its name (fixed), the service it trusts, its managed and inline policies.

use std::collections::BTreeSet;

use super::{Declared, Resource, values};
use crate::node::Ref;
use crate::value::{Field, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct RoleSpec {
    pub role_name: String,
    /// The service principal in the trust policy; anything else found live is shown as the whole policy.
    pub trusted_service: String,
    pub managed_policies: BTreeSet<String>,
    /// Compact JSON with sorted keys, so that formatting never shows as a difference.
    pub inline_policy: Option<String>,
}

pub mod field {
    use crate::value::FieldId;
    pub const ROLE_NAME: FieldId = FieldId::new("role_name");
    pub const TRUSTED_SERVICE: FieldId = FieldId::new("trusted_service");
    pub const MANAGED_POLICIES: FieldId = FieldId::new("managed_policies");
    pub const INLINE_POLICY: FieldId = FieldId::new("inline_policy");
}

impl Resource for RoleSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Role
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace(field::ROLE_NAME, &self.role_name),
            Field::update(field::TRUSTED_SERVICE, &self.trusted_service),
            Field::update(field::MANAGED_POLICIES, values::set(&self.managed_policies)),
            Field::update(field::INLINE_POLICY, self.inline_policy.as_ref().map_or(Value::Absent, Value::from)),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        vec![]
    }

    fn map_refs(&mut self, _f: &mut dyn FnMut(&Ref) -> Ref) {}

    fn unique_identity(&self) -> Option<String> {
        Some(self.role_name.clone())
    }
}
