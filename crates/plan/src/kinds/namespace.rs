//! A Cloud Map private DNS namespace: its DNS name and VPC, fixed at creation, and its description.

use super::{Declared, Resource};
use crate::node::Ref;
use crate::value::{Field, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct NamespaceSpec {
    pub dns_name: String,
    pub vpc: Ref,
    pub description: Option<String>,
}

pub mod field {
    use crate::value::FieldId;
    pub const DNS_NAME: FieldId = FieldId::new("dns_name");
    pub const DESCRIPTION: FieldId = FieldId::new("description");
}

impl Resource for NamespaceSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Namespace
    }

    /// The VPC is not compared: Cloud Map does not report it (only Route 53 does, through the hosted zone), so
    /// it is set at creation only.
    fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace(field::DNS_NAME, &self.dns_name),
            // Changed in place by UpdatePrivateDnsNamespace.
            Field::update(field::DESCRIPTION, self.description.clone().map_or(Value::Absent, Value::Text)),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        vec![&self.vpc]
    }

    /// The VPC is fixed at creation though not compared: a namespace must go with its VPC, not stay bound to
    /// a deleted one.
    fn fixed_references(&self) -> Vec<&Ref> {
        vec![&self.vpc]
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.vpc = f(&self.vpc);
    }

    fn unique_identity(&self) -> Option<String> {
        Some(self.dns_name.clone())
    }
}
