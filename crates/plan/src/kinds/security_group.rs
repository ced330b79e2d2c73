//! A security group: its VPC, name and description (fixed), and its rules.

use std::collections::BTreeSet;
use std::fmt;

use ipnet::Ipv4Net;
use reconciler_vocabulary::{PortRange, Protocol};

use super::{Declared, Resource, values};
use crate::node::Ref;
use crate::value::Field;

#[derive(Debug, Clone, PartialEq)]
pub struct SecurityGroupSpec {
    pub vpc: Ref,
    pub group_name: String,
    pub description: String,
    pub ingress: BTreeSet<SgRule>,
    pub egress: BTreeSet<SgRule>,
}

/// A security group rule, normalized: one peer per rule, ports only where the protocol has them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SgRule {
    pub protocol: Protocol,
    pub ports: Option<PortRange>,
    pub peer: SgPeer,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SgPeer {
    Cidr(Ipv4Net),
    /// A security group (the rule's own group is a `Ref` to its own address).
    Group(Ref),
}

impl fmt::Display for SgRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let protocol = match self.protocol {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
            Protocol::All => "all",
        };
        f.write_str(protocol)?;
        match self.ports {
            Some(PortRange { from, to }) if from == to => write!(f, " {from}")?,
            Some(PortRange { from, to }) => write!(f, " {from}-{to}")?,
            None => {}
        }
        match &self.peer {
            SgPeer::Cidr(cidr) => write!(f, " {cidr}")?,
            SgPeer::Group(group) => write!(f, " {group}")?,
        }
        if let Some(description) = &self.description {
            write!(f, " ({description})")?;
        }
        Ok(())
    }
}

pub mod field {
    use crate::value::FieldId;
    pub const VPC: FieldId = FieldId::new("vpc");
    pub const GROUP_NAME: FieldId = FieldId::new("group_name");
    pub const DESCRIPTION: FieldId = FieldId::new("description");
    pub const INGRESS: FieldId = FieldId::new("ingress");
    pub const EGRESS: FieldId = FieldId::new("egress");
}

impl Resource for SecurityGroupSpec {
    /// `security_group.SERVICE/lb` is a service's load balancer's group.
    fn declared_by(child: Option<&str>) -> Declared {
        match child {
            None => Declared::SecurityGroup,
            Some(crate::kinds::SHARED_CHILD) => Declared::LoadBalancer,
            Some(_) => Declared::Service,
        }
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace(field::VPC, &self.vpc),
            Field::replace(field::GROUP_NAME, &self.group_name),
            Field::replace(field::DESCRIPTION, &self.description),
            Field::update(field::INGRESS, values::set(&self.ingress)),
            Field::update(field::EGRESS, values::set(&self.egress)),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        let mut refs = vec![&self.vpc];
        refs.extend(self.ingress.iter().chain(&self.egress).filter_map(|rule| match &rule.peer {
            SgPeer::Group(group) => Some(group),
            SgPeer::Cidr(_) => None,
        }));
        refs
    }

    fn fixed_references(&self) -> Vec<&Ref> {
        vec![&self.vpc]
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        fn rules(rules: &mut BTreeSet<SgRule>, f: &mut dyn FnMut(&Ref) -> Ref) {
            *rules = std::mem::take(rules)
                .into_iter()
                .map(|mut rule| {
                    if let SgPeer::Group(group) = &rule.peer {
                        rule.peer = SgPeer::Group(f(group));
                    }
                    rule
                })
                .collect();
        }
        self.vpc = f(&self.vpc);
        rules(&mut self.ingress, f);
        rules(&mut self.egress, f);
    }

    /// Names are unique per VPC, so the VPC is part of it.
    fn unique_identity(&self) -> Option<String> {
        Some(format!("{}/{}", self.vpc, self.group_name))
    }
}
