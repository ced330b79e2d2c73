//! An internet gateway and the VPC it is attached to.

use super::{Declared, Resource, values};
use crate::node::Ref;
use crate::value::Field;

#[derive(Debug, Clone, PartialEq)]
pub struct InternetGatewaySpec {
    /// The VPC it is attached to.
    pub vpc: Option<Ref>,
}

pub mod field {
    use crate::value::FieldId;
    pub const VPC: FieldId = FieldId::new("vpc");
}

impl Resource for InternetGatewaySpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Vpc
    }

    fn fields(&self) -> Vec<Field> {
        vec![Field::replace(field::VPC, values::optional(&self.vpc))]
    }

    fn references(&self) -> Vec<&Ref> {
        self.vpc.iter().collect()
    }

    fn fixed_references(&self) -> Vec<&Ref> {
        self.vpc.iter().collect()
    }

    /// A VPC has at most one internet gateway attached.
    fn adoption_identity(&self) -> Option<String> {
        self.vpc.as_ref().map(ToString::to_string)
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.vpc = self.vpc.as_ref().map(f);
    }
}
