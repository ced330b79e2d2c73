//! A NAT gateway: its subnet and Elastic IP, both fixed.

use super::{Declared, Resource};
use crate::node::Ref;
use crate::value::Field;

#[derive(Debug, Clone, PartialEq)]
pub struct NatGatewaySpec {
    pub subnet: Ref,
    pub allocation: Ref,
}

pub mod field {
    use crate::value::FieldId;
    pub const SUBNET: FieldId = FieldId::new("subnet");
    pub const ALLOCATION: FieldId = FieldId::new("allocation");
}

impl Resource for NatGatewaySpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Vpc
    }

    fn fields(&self) -> Vec<Field> {
        vec![Field::replace(field::SUBNET, &self.subnet), Field::replace(field::ALLOCATION, &self.allocation)]
    }

    fn references(&self) -> Vec<&Ref> {
        vec![&self.subnet, &self.allocation]
    }

    fn fixed_references(&self) -> Vec<&Ref> {
        vec![&self.subnet, &self.allocation]
    }

    /// The NAT gateway in the subnet the declaration puts it in (its Elastic IP is then the one it uses).
    fn adoption_identity(&self) -> Option<String> {
        Some(self.subnet.to_string())
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.subnet = f(&self.subnet);
        self.allocation = f(&self.allocation);
    }
}
