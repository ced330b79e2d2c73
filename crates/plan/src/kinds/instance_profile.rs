//! An IAM instance profile (a role's, with `instance_profile = true`): its name (fixed) and its role.

use super::{Declared, Resource, values};
use crate::node::Ref;
use crate::value::Field;

#[derive(Debug, Clone, PartialEq)]
pub struct InstanceProfileSpec {
    pub name: String,
    pub role: Option<Ref>,
}

pub mod field {
    use crate::value::FieldId;
    pub const NAME: FieldId = FieldId::new("name");
    pub const ROLE: FieldId = FieldId::new("role");
}

impl Resource for InstanceProfileSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Role
    }

    fn fields(&self) -> Vec<Field> {
        vec![Field::replace(field::NAME, &self.name), Field::update(field::ROLE, values::optional(&self.role))]
    }

    fn references(&self) -> Vec<&Ref> {
        self.role.iter().collect()
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.role = self.role.as_ref().map(f);
    }

    fn unique_identity(&self) -> Option<String> {
        Some(self.name.clone())
    }
}
