//! A VPC: its CIDR (fixed) and DNS attributes.

use ipnet::Ipv4Net;

use super::{Declared, Resource};
use crate::node::Ref;
use crate::value::Field;

#[derive(Debug, Clone, PartialEq)]
pub struct VpcSpec {
    pub cidr: Ipv4Net,
    pub enable_dns_support: bool,
    pub enable_dns_hostnames: bool,
}

pub mod field {
    use crate::value::FieldId;
    pub const CIDR: FieldId = FieldId::new("cidr");
    pub const ENABLE_DNS_SUPPORT: FieldId = FieldId::new("enable_dns_support");
    pub const ENABLE_DNS_HOSTNAMES: FieldId = FieldId::new("enable_dns_hostnames");
}

impl Resource for VpcSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Vpc
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace(field::CIDR, &self.cidr),
            Field::update(field::ENABLE_DNS_SUPPORT, self.enable_dns_support),
            Field::update(field::ENABLE_DNS_HOSTNAMES, self.enable_dns_hostnames),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        vec![]
    }

    /// AWS has no unique name for a VPC; its CIDR is what a declaration says of it (among several unowned VPCs
    /// with one CIDR, the adopting planner narrows by tags).
    fn adoption_identity(&self) -> Option<String> {
        Some(self.cidr.to_string())
    }

    fn map_refs(&mut self, _f: &mut dyn FnMut(&Ref) -> Ref) {}
}
