//! An application load balancer: name and scheme (fixed), subnets and security groups.

use std::collections::BTreeSet;

use super::{Declared, Resource, values};
use crate::node::Ref;
use crate::value::Field;

#[derive(Debug, Clone, PartialEq)]
pub struct LoadBalancerSpec {
    pub name: String,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    pub subnets: BTreeSet<Ref>,
    pub security_groups: BTreeSet<Ref>,
}

pub mod field {
    use crate::value::FieldId;
    pub const NAME: FieldId = FieldId::new("name");
    pub const SCHEME: FieldId = FieldId::new("scheme");
    pub const SUBNETS: FieldId = FieldId::new("subnets");
    pub const SECURITY_GROUPS: FieldId = FieldId::new("security_groups");
}

impl Resource for LoadBalancerSpec {
    fn declared_by(child: Option<&str>) -> Declared {
        if child == Some(super::SHARED_CHILD) { Declared::LoadBalancer } else { Declared::Service }
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace(field::NAME, &self.name),
            Field::replace(field::SCHEME, &self.scheme),
            Field::update(field::SUBNETS, values::set(&self.subnets)),
            Field::update(field::SECURITY_GROUPS, values::set(&self.security_groups)),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        self.subnets.iter().chain(&self.security_groups).collect()
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        values::map_set(&mut self.subnets, f);
        values::map_set(&mut self.security_groups, f);
    }

    /// `SetSubnets` only takes subnets of the load balancer's own VPC.
    fn placing_subnets(&self) -> Vec<&Ref> {
        self.subnets.iter().collect()
    }

    fn unique_identity(&self) -> Option<String> {
        Some(self.name.clone())
    }
}
