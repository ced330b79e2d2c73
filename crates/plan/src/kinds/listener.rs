//! An HTTP listener: forwarding everything to one target group (a service's own load balancer), or, on a
//! shared load balancer, answering 404 to what none of its rules match.

use super::{Declared, Resource};
use crate::node::Ref;
use crate::value::{Field, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct ListenerSpec {
    pub load_balancer: Ref,
    pub port: u16,
    /// `None`: a shared load balancer's listener, whose rules forward (`listener_rule`), answering 404 to the rest.
    pub target_group: Option<Ref>,
}

pub mod field {
    use crate::value::FieldId;
    pub const LOAD_BALANCER: FieldId = FieldId::new("load_balancer");
    pub const PORT: FieldId = FieldId::new("port");
    pub const FORWARD_TO: FieldId = FieldId::new("forward_to");
}

impl Resource for ListenerSpec {
    fn declared_by(child: Option<&str>) -> Declared {
        if child == Some(super::SHARED_CHILD) { Declared::LoadBalancer } else { Declared::Service }
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace(field::LOAD_BALANCER, &self.load_balancer),
            Field::update(field::PORT, Value::Int(self.port.into())),
            Field::update(
                field::FORWARD_TO,
                self.target_group.as_ref().map_or(Value::Text("404 Not Found".into()), Value::from),
            ),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        let mut refs = vec![&self.load_balancer];
        refs.extend(&self.target_group);
        refs
    }

    fn fixed_references(&self) -> Vec<&Ref> {
        vec![&self.load_balancer]
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.load_balancer = f(&self.load_balancer);
        self.target_group = self.target_group.as_ref().map(&mut *f);
    }

    fn unique_identity(&self) -> Option<String> {
        Some(format!("{}/{}", self.load_balancer, self.port))
    }
}
