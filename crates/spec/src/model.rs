//! Validated desired state.
//!
//! These types can only be built by [`crate::load_dir`] (or by tests), after every check has passed: a
//! value of [`Desired`] is always internally consistent (references resolve, subnets fit their VPC, names are
//! unique). The planner relies on that and does not re-check.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use ipnet::Ipv4Net;

/// User tags declared on a resource (`tags = { Environment = "workshop" }`).
pub type Tags = BTreeMap<String, String>;

/// Where a declaration starts, for messages that point a user at their file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One declared resource: its name (the key under its kind's table), where it was declared, and its spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared<T> {
    /// The declaration's name, unique within its kind. Other declarations refer to it by this name.
    pub name: String,
    pub location: Location,
    pub spec: T,
}

/// Everything the desired-state directory declares, by kind, each map keyed by declaration name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Desired {
    pub vpcs: BTreeMap<String, Declared<Vpc>>,
    pub security_groups: BTreeMap<String, Declared<SecurityGroup>>,
    pub clusters: BTreeMap<String, Declared<Cluster>>,
    pub namespaces: BTreeMap<String, Declared<Namespace>>,
}

impl Desired {
    /// Number of declarations of every kind.
    pub fn len(&self) -> usize {
        self.vpcs.len() + self.security_groups.len() + self.clusters.len() + self.namespaces.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `[vpc.NAME]`: a VPC with public and private subnets in each availability zone, like CDK's `Vpc`.
#[derive(Debug, Clone, PartialEq)]
pub struct Vpc {
    pub cidr: Ipv4Net,
    pub availability_zones: AvailabilityZones,
    /// One CIDR per availability zone, in zone order. Derived from the VPC CIDR when not given.
    pub public_subnets: Vec<Ipv4Net>,
    /// One CIDR per availability zone, in zone order. Derived from the VPC CIDR when not given.
    pub private_subnets: Vec<Ipv4Net>,
    pub nat_gateways: NatGateways,
    pub enable_dns_support: bool,
    pub enable_dns_hostnames: bool,
    pub tags: Tags,
}

/// Which availability zones a VPC spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AvailabilityZones {
    /// The first N zones of the region, in name order (what CDK does with `maxAzs`).
    Count(usize),
    /// Exactly these zones, in this order.
    Named(Vec<String>),
}

impl AvailabilityZones {
    pub fn count(&self) -> usize {
        match self {
            AvailabilityZones::Count(n) => *n,
            AvailabilityZones::Named(names) => names.len(),
        }
    }
}

/// How many NAT gateways give the private subnets their way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NatGateways {
    /// Private subnets have no route to the internet.
    None,
    /// One NAT gateway, in the first zone's public subnet, shared by every private subnet.
    One,
    /// One NAT gateway per zone; each private subnet uses its own zone's.
    OnePerAz,
}

/// `[security_group.NAME]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityGroup {
    /// The group name in AWS (unique within its VPC). Defaults to the declaration name.
    pub group_name: String,
    /// Name of a declared VPC.
    pub vpc: String,
    pub description: String,
    pub ingress: Vec<Rule>,
    /// `None`: AWS's default, all traffic to anywhere.
    pub egress: Option<Vec<Rule>>,
    pub tags: Tags,
}

/// One security group rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rule {
    pub protocol: Protocol,
    /// The port range; `None` for protocol `all` (and for ICMP, where it is type/code).
    pub ports: Option<PortRange>,
    pub peer: Peer,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    /// Every protocol (AWS's "-1").
    All,
}

/// Inclusive port range; `from == to` for a single port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

/// Where a rule's traffic comes from (ingress) or goes to (egress).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    Cidr(Ipv4Net),
    /// The group the rule belongs to.
    ItSelf,
    /// Another declared security group, by declaration name.
    Group(String),
}

/// `[cluster.NAME]`: an ECS cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// The cluster name in AWS. Defaults to the declaration name.
    pub cluster_name: String,
    pub container_insights: bool,
    pub tags: Tags,
}

/// `[namespace.NAME]`: a Cloud Map private DNS namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct Namespace {
    /// The DNS name, e.g. `service.local`. Defaults to the declaration name.
    pub dns_name: String,
    /// Name of a declared VPC.
    pub vpc: String,
    pub description: Option<String>,
    pub tags: Tags,
}
