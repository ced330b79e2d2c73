//! An HTTP listener forwarding everything to one target group.

use super::{Declared, Resource};
use crate::node::Ref;
use crate::value::{Field, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct ListenerSpec {
    pub load_balancer: Ref,
    pub port: u16,
    pub target_group: Ref,
}

pub mod field {
    use crate::value::FieldId;
    pub const LOAD_BALANCER: FieldId = FieldId::new("load_balancer");
    pub const PORT: FieldId = FieldId::new("port");
    pub const FORWARD_TO: FieldId = FieldId::new("forward_to");
}

impl Resource for ListenerSpec {
    fn declared_by(_child: bool) -> Declared {
        Declared::Service
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace(field::LOAD_BALANCER, &self.load_balancer),
            Field::update(field::PORT, Value::Int(self.port.into())),
            Field::update(field::FORWARD_TO, &self.target_group),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        vec![&self.load_balancer, &self.target_group]
    }

    fn fixed_references(&self) -> Vec<&Ref> {
        vec![&self.load_balancer]
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.load_balancer = f(&self.load_balancer);
        self.target_group = f(&self.target_group);
    }

    fn unique_identity(&self) -> Option<String> {
        Some(format!("{}/{}", self.load_balancer, self.port))
    }
}
