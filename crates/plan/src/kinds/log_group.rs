//! A CloudWatch Logs log group: its name (fixed) and retention.

use super::{Declared, Resource, values};
use crate::node::Ref;
use crate::value::Field;

#[derive(Debug, Clone, PartialEq)]
pub struct LogGroupSpec {
    pub group_name: String,
    pub retention_days: Option<u32>,
}

pub mod field {
    use crate::value::FieldId;
    pub const GROUP_NAME: FieldId = FieldId::new("group_name");
    pub const RETENTION_DAYS: FieldId = FieldId::new("retention_days");
}

impl Resource for LogGroupSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::LogGroup
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace(field::GROUP_NAME, &self.group_name),
            Field::update(field::RETENTION_DAYS, values::count(self.retention_days)),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        vec![]
    }

    fn map_refs(&mut self, _f: &mut dyn FnMut(&Ref) -> Ref) {}

    fn unique_identity(&self) -> Option<String> {
        Some(self.group_name.clone())
    }
}
