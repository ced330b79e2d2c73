//! Application Auto Scaling's registration of a service's desired count, with its range.

use super::{Declared, Resource};
use crate::node::Ref;
use crate::value::{Field, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct ScalableTargetSpec {
    /// `service/CLUSTER/SERVICE`.
    pub resource_id: String,
    pub min_capacity: u32,
    pub max_capacity: u32,
}

pub mod field {
    use crate::value::FieldId;
    pub const RESOURCE_ID: FieldId = FieldId::new("resource_id");
    pub const MIN_CAPACITY: FieldId = FieldId::new("min_capacity");
    pub const MAX_CAPACITY: FieldId = FieldId::new("max_capacity");
}

impl Resource for ScalableTargetSpec {
    fn removed_with_its_declaration() -> bool {
        true
    }

    fn deletion_tier() -> u8 {
        1
    }

    /// Owned through its service's tags, which the observation lends it (Application Auto Scaling tags are
    /// not readable): its own are never compared.
    fn has_own_tags() -> bool {
        false
    }

    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Service
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace(field::RESOURCE_ID, &self.resource_id),
            Field::update(field::MIN_CAPACITY, Value::Int(self.min_capacity.into())),
            Field::update(field::MAX_CAPACITY, Value::Int(self.max_capacity.into())),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        vec![]
    }

    fn map_refs(&mut self, _f: &mut dyn FnMut(&Ref) -> Ref) {}

    fn unique_identity(&self) -> Option<String> {
        Some(self.resource_id.clone())
    }
}
