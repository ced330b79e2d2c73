//! An ECS cluster: its name (fixed) and Container Insights.

use super::{Declared, Resource};
use crate::node::Ref;
use crate::value::Field;

#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSpec {
    pub cluster_name: String,
    pub container_insights: bool,
}

pub mod field {
    use crate::value::FieldId;
    pub const CLUSTER_NAME: FieldId = FieldId::new("cluster_name");
    pub const CONTAINER_INSIGHTS: FieldId = FieldId::new("container_insights");
}

impl Resource for ClusterSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Cluster
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace(field::CLUSTER_NAME, &self.cluster_name),
            Field::update(field::CONTAINER_INSIGHTS, self.container_insights),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        vec![]
    }

    fn map_refs(&mut self, _f: &mut dyn FnMut(&Ref) -> Ref) {}

    fn unique_identity(&self) -> Option<String> {
        Some(self.cluster_name.clone())
    }
}
