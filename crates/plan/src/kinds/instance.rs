//! An EC2 instance.

use std::collections::BTreeSet;

use super::{Declared, Resource, values};
use crate::node::Ref;
use crate::value::{Field, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSpec {
    pub instance_type: String,
    /// `None`: the latest Amazon Linux 2 when created, and whatever image it has afterwards (a newer image is
    /// no reason to replace a running host).
    pub image: Option<String>,
    pub subnet: Ref,
    pub security_groups: BTreeSet<Ref>,
    /// The instance profile.
    pub instance_profile: Option<Ref>,
    pub user_data: Option<String>,
}

pub mod field {
    use crate::value::FieldId;
    pub const INSTANCE_TYPE: FieldId = FieldId::new("instance_type");
    pub const IMAGE: FieldId = FieldId::new("image");
    pub const SUBNET: FieldId = FieldId::new("subnet");
    pub const SECURITY_GROUPS: FieldId = FieldId::new("security_groups");
    pub const INSTANCE_PROFILE: FieldId = FieldId::new("instance_profile");
    pub const USER_DATA: FieldId = FieldId::new("user_data");
}

impl Resource for InstanceSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Instance
    }

    /// Nothing tells which existing instance a declaration would mean.
    fn adoptable() -> bool {
        false
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            // Changing the type needs the instance stopped; for a stateless host a new one is the simpler and
            // safer change.
            Field::replace(field::INSTANCE_TYPE, &self.instance_type),
            Field::replace(field::IMAGE, self.image.as_ref().map_or(Value::Absent, Value::from)),
            Field::replace(field::SUBNET, &self.subnet),
            Field::update(field::SECURITY_GROUPS, values::set(&self.security_groups)),
            Field::replace(field::INSTANCE_PROFILE, values::optional(&self.instance_profile)),
            // User data only runs at first boot: a change means a new instance.
            Field::replace(field::USER_DATA, self.user_data.as_ref().map_or(Value::Absent, Value::from)),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        let mut refs = vec![&self.subnet];
        refs.extend(&self.security_groups);
        refs.extend(&self.instance_profile);
        refs
    }

    fn fixed_references(&self) -> Vec<&Ref> {
        let mut refs = vec![&self.subnet];
        refs.extend(&self.instance_profile);
        refs
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.subnet = f(&self.subnet);
        values::map_set(&mut self.security_groups, f);
        self.instance_profile = self.instance_profile.as_ref().map(f);
    }

    /// Declared without an image, an instance keeps whatever image it was created with.
    fn settle(&mut self, found: &mut Self) {
        if self.image.is_none() {
            found.image = None;
        }
    }
}
