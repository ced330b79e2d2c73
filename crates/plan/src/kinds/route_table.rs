//! A route table: its VPC (fixed), its routes and the subnets explicitly associated with it.

use std::collections::BTreeSet;
use std::fmt;

use ipnet::Ipv4Net;

use super::{Declared, Resource, values};
use crate::node::Ref;
use crate::value::Field;

#[derive(Debug, Clone, PartialEq)]
pub struct RouteTableSpec {
    pub vpc: Ref,
    pub routes: BTreeSet<Route>,
    /// Subnets explicitly associated with the table.
    pub subnets: BTreeSet<Ref>,
}

/// A route in a route table. The VPC's implicit `local` route is never listed (AWS manages it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route {
    pub destination: Ipv4Net,
    pub target: RouteTarget,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RouteTarget {
    /// An internet gateway.
    Gateway(Ref),
    NatGateway(Ref),
    /// Any other target (peering, transit gateway, ...) found live; we never create these.
    Other(String),
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            RouteTarget::Gateway(r) | RouteTarget::NatGateway(r) => write!(f, "{} via {r}", self.destination),
            RouteTarget::Other(id) => write!(f, "{} via {id}", self.destination),
        }
    }
}

pub mod field {
    use crate::value::FieldId;
    pub const VPC: FieldId = FieldId::new("vpc");
    pub const ROUTES: FieldId = FieldId::new("routes");
    pub const SUBNETS: FieldId = FieldId::new("subnets");
}

impl Resource for RouteTableSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Vpc
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace(field::VPC, &self.vpc),
            Field::update(field::ROUTES, values::set(&self.routes)),
            Field::update(field::SUBNETS, values::set(&self.subnets)),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        let mut refs = vec![&self.vpc];
        refs.extend(self.routes.iter().filter_map(|r| match &r.target {
            RouteTarget::Gateway(r) | RouteTarget::NatGateway(r) => Some(r),
            RouteTarget::Other(_) => None,
        }));
        refs.extend(&self.subnets);
        refs
    }

    fn fixed_references(&self) -> Vec<&Ref> {
        vec![&self.vpc]
    }

    /// The table the declaration's subnets are associated with: a subnet has one route table.
    fn adoption_identity(&self) -> Option<String> {
        let subnets: Vec<String> = self.subnets.iter().map(ToString::to_string).collect();
        (!subnets.is_empty()).then(|| subnets.join(","))
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.vpc = f(&self.vpc);
        self.routes = std::mem::take(&mut self.routes)
            .into_iter()
            .map(|route| Route {
                destination: route.destination,
                target: match route.target {
                    RouteTarget::Gateway(r) => RouteTarget::Gateway(f(&r)),
                    RouteTarget::NatGateway(r) => RouteTarget::NatGateway(f(&r)),
                    other @ RouteTarget::Other(_) => other,
                },
            })
            .collect();
        values::map_set(&mut self.subnets, f);
    }
}
