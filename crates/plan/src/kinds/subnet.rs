//! A subnet: its VPC, CIDR and zone (fixed), and whether it gives launched instances a public IP.

use ipnet::Ipv4Net;

use super::{Declared, Resource};
use crate::node::Ref;
use crate::value::Field;

#[derive(Debug, Clone, PartialEq)]
pub struct SubnetSpec {
    pub vpc: Ref,
    pub cidr: Ipv4Net,
    pub availability_zone: String,
    pub map_public_ip_on_launch: bool,
}

pub mod field {
    use crate::value::FieldId;
    pub const VPC: FieldId = FieldId::new("vpc");
    pub const CIDR: FieldId = FieldId::new("cidr");
    pub const AVAILABILITY_ZONE: FieldId = FieldId::new("availability_zone");
    pub const MAP_PUBLIC_IP_ON_LAUNCH: FieldId = FieldId::new("map_public_ip_on_launch");
}

impl Resource for SubnetSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Vpc
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace(field::VPC, &self.vpc),
            Field::replace(field::CIDR, &self.cidr),
            Field::replace(field::AVAILABILITY_ZONE, &self.availability_zone),
            Field::update(field::MAP_PUBLIC_IP_ON_LAUNCH, self.map_public_ip_on_launch),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        vec![&self.vpc]
    }

    fn fixed_references(&self) -> Vec<&Ref> {
        vec![&self.vpc]
    }

    /// AWS refuses two subnets with one CIDR in a VPC.
    fn adoption_identity(&self) -> Option<String> {
        Some(format!("{}/{}", self.vpc, self.cidr))
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.vpc = f(&self.vpc);
    }
}
