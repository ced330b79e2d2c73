//! A listener rule on a shared load balancer: requests matching its paths and hosts go to one service's
//! target group. Rules carry tags, so they are found and owned like the rest.

use std::collections::BTreeSet;

use super::{Declared, Resource};
use crate::node::Ref;
use crate::value::{Field, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerRuleSpec {
    pub listener: Ref,
    /// 1 to 50000, unique on the listener; lower is evaluated first.
    pub priority: u32,
    /// Path patterns; with `hosts`, a request must match one of each.
    pub paths: BTreeSet<String>,
    pub hosts: BTreeSet<String>,
    pub target_group: Ref,
}

pub mod field {
    use crate::value::FieldId;
    pub const LISTENER: FieldId = FieldId::new("listener");
    pub const PRIORITY: FieldId = FieldId::new("priority");
    pub const PATHS: FieldId = FieldId::new("paths");
    pub const HOSTS: FieldId = FieldId::new("hosts");
    pub const FORWARD_TO: FieldId = FieldId::new("forward_to");
    /// What ModifyRule writes: the conditions and the action.
    pub const RULE: [FieldId; 3] = [PATHS, HOSTS, FORWARD_TO];
}

impl Resource for ListenerRuleSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Service
    }

    fn fields(&self) -> Vec<Field> {
        let set = |items: &BTreeSet<String>| Value::Set(items.iter().cloned().collect());
        vec![
            Field::replace(field::LISTENER, &self.listener),
            Field::update(field::PRIORITY, Value::Int(self.priority.into())),
            Field::update(field::PATHS, set(&self.paths)),
            Field::update(field::HOSTS, set(&self.hosts)),
            Field::update(field::FORWARD_TO, &self.target_group),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        vec![&self.listener, &self.target_group]
    }

    /// A replaced target group is replaced under its rule too: ELB refuses to delete a target group a rule
    /// forwards to, and a replacement deletes the old one first.
    fn fixed_references(&self) -> Vec<&Ref> {
        vec![&self.listener, &self.target_group]
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.listener = f(&self.listener);
        self.target_group = f(&self.target_group);
    }

    /// A priority holds one rule on a listener: one of someone else's there is in the way.
    fn unique_identity(&self) -> Option<String> {
        Some(format!("{}/{}", self.listener, self.priority))
    }
}
