//! A scheduled action on a service's scalable target: a new range at a time.

use super::{Declared, Resource, values};
use crate::node::Ref;
use crate::value::{Field, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledActionSpec {
    pub name: String,
    pub resource_id: String,
    pub schedule: String,
    pub timezone: Option<String>,
    pub min_capacity: Option<u32>,
    pub max_capacity: Option<u32>,
}

pub mod field {
    use crate::value::FieldId;
    pub const NAME: FieldId = FieldId::new("name");
    pub const RESOURCE_ID: FieldId = FieldId::new("resource_id");
    pub const SCHEDULE: FieldId = FieldId::new("schedule");
    pub const TIMEZONE: FieldId = FieldId::new("timezone");
    pub const MIN_CAPACITY: FieldId = FieldId::new("min_capacity");
    pub const MAX_CAPACITY: FieldId = FieldId::new("max_capacity");
}

impl Resource for ScheduledActionSpec {
    fn removed_with_its_declaration() -> bool {
        true
    }

    fn deletion_tier() -> u8 {
        2
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
            Field::replace(field::NAME, &self.name),
            Field::replace(field::RESOURCE_ID, &self.resource_id),
            Field::update(field::SCHEDULE, &self.schedule),
            Field::update(field::TIMEZONE, self.timezone.as_ref().map_or(Value::Absent, Value::from)),
            Field::update(field::MIN_CAPACITY, values::count(self.min_capacity)),
            Field::update(field::MAX_CAPACITY, values::count(self.max_capacity)),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        vec![]
    }

    fn map_refs(&mut self, _f: &mut dyn FnMut(&Ref) -> Ref) {}

    fn unique_identity(&self) -> Option<String> {
        Some(format!("{}/{}", self.resource_id, self.name))
    }
}
