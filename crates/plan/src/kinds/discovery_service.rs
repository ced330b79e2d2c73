//! A Cloud Map service: the DNS name a service's tasks register under (A records).

use super::{Declared, Resource};
use crate::node::Ref;
use crate::value::{Field, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct DiscoveryServiceSpec {
    pub name: String,
    pub namespace: Ref,
    pub ttl: u32,
}

pub mod field {
    use crate::value::FieldId;
    pub const NAME: FieldId = FieldId::new("name");
    pub const NAMESPACE: FieldId = FieldId::new("namespace");
    pub const TTL: FieldId = FieldId::new("ttl");
}

impl Resource for DiscoveryServiceSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Service
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace(field::NAME, &self.name),
            Field::replace(field::NAMESPACE, &self.namespace),
            Field::update(field::TTL, Value::Int(self.ttl.into())),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        vec![&self.namespace]
    }

    fn fixed_references(&self) -> Vec<&Ref> {
        vec![&self.namespace]
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.namespace = f(&self.namespace);
    }

    fn unique_identity(&self) -> Option<String> {
        Some(format!("{}/{}", self.namespace, self.name))
    }
}
