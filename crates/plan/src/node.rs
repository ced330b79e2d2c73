//! Resources as the planner sees them: one [`NodeSpec`] per AWS resource, the same type for what is
//! desired and what was observed, so that comparing them is comparing two values.
//!
//! References between resources are [`Ref`]s: an address while the planner works (the referenced resource
//! may not exist yet), an AWS id when the referenced resource is not ours.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use ipnet::Ipv4Net;
use reconciler_spec::{PortRange, Protocol};
use serde::Serialize;

use crate::Address;
use crate::value::{Field, Value};
use crate::workload::{InstanceSpec, ScalingPolicySpec, ServiceSpec, TargetGroupSpec, TaskDefinitionSpec};

/// A reference from one resource to another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ref {
    /// A resource we manage (it may be about to be created).
    Node(Address),
    /// A resource we do not manage, by its AWS id (only ever seen in observed state).
    Aws(String),
}

impl Ref {
    pub fn node(&self) -> Option<&Address> {
        match self {
            Ref::Node(address) => Some(address),
            Ref::Aws(_) => None,
        }
    }
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ref::Node(address) => address.fmt(f),
            Ref::Aws(id) => f.write_str(id),
        }
    }
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

/// What a resource is, field by field, in comparable (normalized) form.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeSpec {
    Vpc {
        cidr: Ipv4Net,
        enable_dns_support: bool,
        enable_dns_hostnames: bool,
    },
    Subnet {
        vpc: Ref,
        cidr: Ipv4Net,
        availability_zone: String,
        map_public_ip_on_launch: bool,
    },
    InternetGateway {
        /// The VPC it is attached to.
        vpc: Option<Ref>,
    },
    ElasticIp,
    NatGateway {
        subnet: Ref,
        allocation: Ref,
    },
    RouteTable {
        vpc: Ref,
        routes: BTreeSet<Route>,
        /// Subnets explicitly associated with the table.
        subnets: BTreeSet<Ref>,
    },
    SecurityGroup {
        vpc: Ref,
        group_name: String,
        description: String,
        ingress: BTreeSet<SgRule>,
        egress: BTreeSet<SgRule>,
    },
    Cluster {
        cluster_name: String,
        container_insights: bool,
    },
    Namespace {
        dns_name: String,
        vpc: Ref,
        description: Option<String>,
    },
    Role {
        role_name: String,
        /// The service principal in the trust policy; anything else found live is shown as the whole policy.
        trusted_service: String,
        managed_policies: BTreeSet<String>,
        /// Compact JSON with sorted keys, so that formatting never shows as a difference.
        inline_policy: Option<String>,
    },
    InstanceProfile {
        name: String,
        role: Option<Ref>,
    },
    LogGroup {
        group_name: String,
        retention_days: Option<u32>,
    },
    TaskDefinition(Box<TaskDefinitionSpec>),
    LoadBalancer {
        name: String,
        /// `internet-facing` or `internal`.
        scheme: String,
        subnets: BTreeSet<Ref>,
        security_groups: BTreeSet<Ref>,
    },
    TargetGroup(Box<TargetGroupSpec>),
    /// An HTTP listener forwarding everything to one target group.
    Listener {
        load_balancer: Ref,
        port: u16,
        target_group: Ref,
    },
    /// A Cloud Map service: the DNS name a service's tasks register under (A records).
    DiscoveryService {
        name: String,
        namespace: Ref,
        ttl: u32,
    },
    Service(Box<ServiceSpec>),
    Instance(Box<InstanceSpec>),
    /// Application Auto Scaling's registration of a service's desired count, with its range.
    ScalableTarget {
        /// `service/CLUSTER/SERVICE`.
        resource_id: String,
        min_capacity: u32,
        max_capacity: u32,
    },
    ScalingPolicy(Box<ScalingPolicySpec>),
    ScheduledAction {
        name: String,
        resource_id: String,
        schedule: String,
        timezone: Option<String>,
        min_capacity: Option<u32>,
        max_capacity: Option<u32>,
    },
}

impl NodeSpec {
    /// The fields compared between desired and observed, with whether a change forces replacement
    /// (AWS cannot change it in place).
    pub fn fields(&self) -> Vec<Field> {
        fn set<T: ToString>(items: &BTreeSet<T>) -> Value {
            Value::Set(items.iter().map(ToString::to_string).collect())
        }
        match self {
            NodeSpec::Vpc { cidr, enable_dns_support, enable_dns_hostnames } => vec![
                Field::replace("cidr", cidr),
                Field::update("enable_dns_support", *enable_dns_support),
                Field::update("enable_dns_hostnames", *enable_dns_hostnames),
            ],
            NodeSpec::Subnet { vpc, cidr, availability_zone, map_public_ip_on_launch } => vec![
                Field::replace("vpc", vpc),
                Field::replace("cidr", cidr),
                Field::replace("availability_zone", availability_zone),
                Field::update("map_public_ip_on_launch", *map_public_ip_on_launch),
            ],
            NodeSpec::InternetGateway { vpc } => {
                vec![Field::replace("vpc", vpc.as_ref().map_or(Value::Absent, |v| Value::Text(v.to_string())))]
            }
            NodeSpec::ElasticIp => vec![],
            NodeSpec::NatGateway { subnet, allocation } => {
                vec![Field::replace("subnet", subnet), Field::replace("allocation", allocation)]
            }
            NodeSpec::RouteTable { vpc, routes, subnets } => vec![
                Field::replace("vpc", vpc),
                Field::update("routes", set(routes)),
                Field::update("subnets", set(subnets)),
            ],
            NodeSpec::SecurityGroup { vpc, group_name, description, ingress, egress } => vec![
                Field::replace("vpc", vpc),
                Field::replace("group_name", group_name),
                Field::replace("description", description),
                Field::update("ingress", set(ingress)),
                Field::update("egress", set(egress)),
            ],
            NodeSpec::Cluster { cluster_name, container_insights } => vec![
                Field::replace("cluster_name", cluster_name),
                Field::update("container_insights", *container_insights),
            ],
            // The VPC is not compared: Cloud Map does not report it (only Route 53 does, through the hosted
            // zone), so it is set at creation only.
            NodeSpec::Namespace { dns_name, vpc: _, description } => vec![
                Field::replace("dns_name", dns_name),
                // Cloud Map has no call to change a namespace's description.
                Field::replace("description", description.clone().map_or(Value::Absent, Value::Text)),
            ],
            NodeSpec::Role { role_name, trusted_service, managed_policies, inline_policy } => vec![
                Field::replace("role_name", role_name),
                Field::update("trusted_service", trusted_service),
                Field::update("managed_policies", set(managed_policies)),
                Field::update("inline_policy", inline_policy.as_ref().map_or(Value::Absent, Value::from)),
            ],
            NodeSpec::InstanceProfile { name, role } => vec![
                Field::replace("name", name),
                Field::update("role", role.as_ref().map_or(Value::Absent, Value::from)),
            ],
            NodeSpec::LogGroup { group_name, retention_days } => vec![
                Field::replace("group_name", group_name),
                Field::update("retention_days", retention_days.map_or(Value::Absent, |d| Value::Int(d.into()))),
            ],
            NodeSpec::TaskDefinition(spec) => spec.fields(),
            NodeSpec::LoadBalancer { name, scheme, subnets, security_groups } => vec![
                Field::replace("name", name),
                Field::replace("scheme", scheme),
                Field::update("subnets", set(subnets)),
                Field::update("security_groups", set(security_groups)),
            ],
            NodeSpec::TargetGroup(spec) => spec.fields(),
            NodeSpec::Listener { load_balancer, port, target_group } => vec![
                Field::replace("load_balancer", load_balancer),
                Field::update("port", Value::Int((*port).into())),
                Field::update("forward_to", target_group),
            ],
            NodeSpec::DiscoveryService { name, namespace, ttl } => vec![
                Field::replace("name", name),
                Field::replace("namespace", namespace),
                Field::update("ttl", Value::Int((*ttl).into())),
            ],
            NodeSpec::Service(spec) => spec.fields(),
            NodeSpec::Instance(spec) => spec.fields(),
            NodeSpec::ScalableTarget { resource_id, min_capacity, max_capacity } => vec![
                Field::replace("resource_id", resource_id),
                Field::update("min_capacity", Value::Int((*min_capacity).into())),
                Field::update("max_capacity", Value::Int((*max_capacity).into())),
            ],
            NodeSpec::ScalingPolicy(spec) => spec.fields(),
            NodeSpec::ScheduledAction { name, resource_id, schedule, timezone, min_capacity, max_capacity } => {
                let count = |n: &Option<u32>| n.map_or(Value::Absent, |n| Value::Int(n.into()));
                vec![
                    Field::replace("name", name),
                    Field::replace("resource_id", resource_id),
                    Field::update("schedule", schedule),
                    Field::update("timezone", timezone.as_ref().map_or(Value::Absent, Value::from)),
                    Field::update("min_capacity", count(min_capacity)),
                    Field::update("max_capacity", count(max_capacity)),
                ]
            }
        }
    }

    /// Settles the fields the desired state leaves to AWS, given what is live, so that comparing the two
    /// shows only real drift: an instance declared without an image keeps whatever image it was created
    /// with; a service with autoscaling keeps the autoscaler's count while it is inside the range, and is
    /// brought to the nearest bound when outside (changes `desired`: that count is what an update writes).
    pub fn settle(desired: &mut NodeSpec, observed: &mut NodeSpec) {
        match (desired, observed) {
            (NodeSpec::Instance(desired), NodeSpec::Instance(found)) if desired.image.is_none() => {
                found.image = None;
            }
            (NodeSpec::Service(desired), NodeSpec::Service(found)) => {
                if let Some((min, max)) = desired.autoscaling {
                    desired.desired_count = found.desired_count.clamp(min, max);
                }
                found.autoscaling = desired.autoscaling;
            }
            _ => {}
        }
    }

    /// Whether a replacement makes a new version beside the old one rather than deleting first: a task
    /// definition gets a new revision, and the service moves to it before old revisions are let go.
    pub fn replaced_by_new_version(&self) -> bool {
        matches!(self, NodeSpec::TaskDefinition(_))
    }

    /// Every resource this one refers to.
    pub fn references(&self) -> Vec<&Ref> {
        match self {
            NodeSpec::Vpc { .. }
            | NodeSpec::ElasticIp
            | NodeSpec::Cluster { .. }
            | NodeSpec::Role { .. }
            | NodeSpec::LogGroup { .. }
            | NodeSpec::ScalableTarget { .. }
            | NodeSpec::ScheduledAction { .. } => vec![],
            NodeSpec::Subnet { vpc, .. } | NodeSpec::Namespace { vpc, .. } => vec![vpc],
            NodeSpec::InternetGateway { vpc } => vpc.iter().collect(),
            NodeSpec::NatGateway { subnet, allocation } => vec![subnet, allocation],
            NodeSpec::InstanceProfile { role, .. } => role.iter().collect(),
            NodeSpec::ScalingPolicy(spec) => spec.target_group.iter().chain(&spec.load_balancer).collect(),
            NodeSpec::TaskDefinition(spec) => vec![&spec.execution_role],
            NodeSpec::LoadBalancer { subnets, security_groups, .. } => subnets.iter().chain(security_groups).collect(),
            NodeSpec::TargetGroup(spec) => vec![&spec.vpc],
            NodeSpec::Listener { load_balancer, target_group, .. } => vec![load_balancer, target_group],
            NodeSpec::DiscoveryService { namespace, .. } => vec![namespace],
            NodeSpec::Service(spec) => spec.references(),
            NodeSpec::Instance(spec) => {
                let mut refs = vec![&spec.subnet];
                refs.extend(&spec.security_groups);
                refs.extend(&spec.instance_profile);
                refs
            }
            NodeSpec::RouteTable { vpc, routes, subnets } => {
                let mut refs = vec![vpc];
                refs.extend(routes.iter().filter_map(|r| match &r.target {
                    RouteTarget::Gateway(r) | RouteTarget::NatGateway(r) => Some(r),
                    RouteTarget::Other(_) => None,
                }));
                refs.extend(subnets);
                refs
            }
            NodeSpec::SecurityGroup { vpc, ingress, egress, .. } => {
                let mut refs = vec![vpc];
                refs.extend(ingress.iter().chain(egress).filter_map(|rule| match &rule.peer {
                    SgPeer::Group(group) => Some(group),
                    SgPeer::Cidr(_) => None,
                }));
                refs
            }
        }
    }

    /// The references AWS cannot change in place: those in fields that [`NodeSpec::fields`] marks as forcing
    /// replacement, plus a namespace's VPC, which is fixed at creation though not compared (Cloud Map does
    /// not report it). A resource that refers through one of these to a resource being replaced must be
    /// replaced too.
    pub fn fixed_references(&self) -> Vec<&Ref> {
        match self {
            NodeSpec::Vpc { .. }
            | NodeSpec::ElasticIp
            | NodeSpec::Cluster { .. }
            | NodeSpec::Role { .. }
            | NodeSpec::LogGroup { .. }
            | NodeSpec::InstanceProfile { .. }
            | NodeSpec::LoadBalancer { .. }
            | NodeSpec::ScalableTarget { .. }
            | NodeSpec::ScalingPolicy(_)
            | NodeSpec::ScheduledAction { .. } => vec![],
            NodeSpec::Subnet { vpc, .. }
            | NodeSpec::RouteTable { vpc, .. }
            | NodeSpec::SecurityGroup { vpc, .. }
            | NodeSpec::Namespace { vpc, .. } => vec![vpc],
            NodeSpec::InternetGateway { vpc } => vpc.iter().collect(),
            NodeSpec::NatGateway { subnet, allocation } => vec![subnet, allocation],
            NodeSpec::TaskDefinition(spec) => vec![&spec.execution_role],
            NodeSpec::TargetGroup(spec) => vec![&spec.vpc],
            NodeSpec::Listener { load_balancer, .. } => vec![load_balancer],
            NodeSpec::DiscoveryService { namespace, .. } => vec![namespace],
            NodeSpec::Service(spec) => vec![&spec.cluster],
            NodeSpec::Instance(spec) => {
                let mut refs = vec![&spec.subnet];
                refs.extend(&spec.instance_profile);
                refs
            }
        }
    }

    /// The subnets that place a resource in their VPC for good: it can move between subnets of that VPC in
    /// place, never to another VPC (a load balancer: `SetSubnets` only takes subnets of its own VPC). The
    /// planner replaces it when that VPC changes or is replaced, although the subnets themselves are an
    /// in-place field.
    pub fn placing_subnets(&self) -> Vec<&Ref> {
        match self {
            NodeSpec::LoadBalancer { subnets, .. } => subnets.iter().collect(),
            _ => vec![],
        }
    }

    /// Rewrites every reference (used to turn observed AWS ids into addresses).
    pub fn map_refs(&mut self, mut f: impl FnMut(&Ref) -> Ref) {
        fn rules(rules: &mut BTreeSet<SgRule>, f: &mut impl FnMut(&Ref) -> Ref) {
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
        fn refs(set: &mut BTreeSet<Ref>, f: &mut impl FnMut(&Ref) -> Ref) {
            *set = std::mem::take(set).iter().map(f).collect();
        }
        match self {
            NodeSpec::Vpc { .. }
            | NodeSpec::ElasticIp
            | NodeSpec::Cluster { .. }
            | NodeSpec::Role { .. }
            | NodeSpec::LogGroup { .. }
            | NodeSpec::ScalableTarget { .. }
            | NodeSpec::ScheduledAction { .. } => {}
            NodeSpec::ScalingPolicy(spec) => {
                spec.target_group = spec.target_group.as_ref().map(&mut f);
                spec.load_balancer = spec.load_balancer.as_ref().map(&mut f);
            }
            NodeSpec::Subnet { vpc, .. } | NodeSpec::Namespace { vpc, .. } => *vpc = f(vpc),
            NodeSpec::InstanceProfile { role, .. } => *role = role.as_ref().map(&mut f),
            NodeSpec::TaskDefinition(spec) => spec.execution_role = f(&spec.execution_role),
            NodeSpec::LoadBalancer { subnets, security_groups, .. } => {
                refs(subnets, &mut f);
                refs(security_groups, &mut f);
            }
            NodeSpec::TargetGroup(spec) => spec.vpc = f(&spec.vpc),
            NodeSpec::Listener { load_balancer, target_group, .. } => {
                *load_balancer = f(load_balancer);
                *target_group = f(target_group);
            }
            NodeSpec::DiscoveryService { namespace, .. } => *namespace = f(namespace),
            NodeSpec::Service(spec) => spec.map_refs(&mut f),
            NodeSpec::Instance(spec) => {
                spec.subnet = f(&spec.subnet);
                refs(&mut spec.security_groups, &mut f);
                spec.instance_profile = spec.instance_profile.as_ref().map(&mut f);
            }
            NodeSpec::InternetGateway { vpc } => *vpc = vpc.as_ref().map(&mut f),
            NodeSpec::NatGateway { subnet, allocation } => {
                *subnet = f(subnet);
                *allocation = f(allocation);
            }
            NodeSpec::RouteTable { vpc, routes, subnets } => {
                *vpc = f(vpc);
                *routes = std::mem::take(routes)
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
                *subnets = std::mem::take(subnets).into_iter().map(|s| f(&s)).collect();
            }
            NodeSpec::SecurityGroup { vpc, ingress, egress, .. } => {
                *vpc = f(vpc);
                rules(ingress, &mut f);
                rules(egress, &mut f);
            }
        }
    }

    /// The identity AWS enforces as unique, if the kind has one: a resource found with it that is not ours
    /// is a conflict, never taken over. Security group names are unique per VPC, so the VPC is part of it.
    pub fn unique_identity(&self) -> Option<String> {
        match self {
            NodeSpec::Cluster { cluster_name, .. } => Some(cluster_name.clone()),
            NodeSpec::Namespace { dns_name, .. } => Some(dns_name.clone()),
            NodeSpec::SecurityGroup { vpc, group_name, .. } => Some(format!("{vpc}/{group_name}")),
            NodeSpec::Role { role_name, .. } => Some(role_name.clone()),
            NodeSpec::InstanceProfile { name, .. }
            | NodeSpec::LoadBalancer { name, .. }
            | NodeSpec::LogGroup { group_name: name, .. } => Some(name.clone()),
            NodeSpec::TargetGroup(spec) => Some(spec.name.clone()),
            NodeSpec::Listener { load_balancer, port, .. } => Some(format!("{load_balancer}/{port}")),
            NodeSpec::DiscoveryService { namespace, name, .. } => Some(format!("{namespace}/{name}")),
            NodeSpec::Service(spec) => Some(format!("{}/{}", spec.cluster, spec.service_name)),
            NodeSpec::ScalableTarget { resource_id, .. } => Some(resource_id.clone()),
            NodeSpec::ScalingPolicy(spec) => Some(format!("{}/{}", spec.resource_id, spec.name)),
            NodeSpec::ScheduledAction { resource_id, name, .. } => Some(format!("{resource_id}/{name}")),
            NodeSpec::Vpc { .. }
            | NodeSpec::Subnet { .. }
            | NodeSpec::InternetGateway { .. }
            | NodeSpec::ElasticIp
            | NodeSpec::NatGateway { .. }
            | NodeSpec::RouteTable { .. }
            | NodeSpec::TaskDefinition(_)
            | NodeSpec::Instance(_) => None,
        }
    }
}

/// A resource the planner wants to exist.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub address: Address,
    pub spec: NodeSpec,
    /// Every tag it must carry: the declared tags, a `Name` where AWS consoles show one, and our ownership
    /// tags.
    pub tags: BTreeMap<String, String>,
    /// Resources that must exist before this one can be created, beyond its references (for example a NAT
    /// gateway needs the internet gateway attached to work).
    pub after: Vec<Address>,
}

impl Node {
    /// Everything that must exist first: references and ordering-only dependencies.
    pub fn dependencies(&self) -> BTreeSet<Address> {
        self.spec
            .references()
            .into_iter()
            .filter_map(|r| r.node().cloned())
            .filter(|a| *a != self.address)
            .chain(self.after.iter().cloned())
            .collect()
    }
}

/// A live AWS resource that carries our tags, or one whose unique identity clashes with a declaration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservedNode {
    /// AWS id (vpc-..., sg-...) or ARN, whatever the kind's API addresses it by.
    pub id: String,
    #[serde(skip)]
    pub spec: NodeSpec,
    /// All its tags, ours included.
    pub tags: BTreeMap<String, String>,
}

impl ObservedNode {
    pub fn kind(&self) -> crate::Kind {
        match self.spec {
            NodeSpec::Vpc { .. } => crate::Kind::Vpc,
            NodeSpec::Subnet { .. } => crate::Kind::Subnet,
            NodeSpec::InternetGateway { .. } => crate::Kind::InternetGateway,
            NodeSpec::ElasticIp => crate::Kind::ElasticIp,
            NodeSpec::NatGateway { .. } => crate::Kind::NatGateway,
            NodeSpec::RouteTable { .. } => crate::Kind::RouteTable,
            NodeSpec::SecurityGroup { .. } => crate::Kind::SecurityGroup,
            NodeSpec::Cluster { .. } => crate::Kind::Cluster,
            NodeSpec::Namespace { .. } => crate::Kind::Namespace,
            NodeSpec::Role { .. } => crate::Kind::Role,
            NodeSpec::InstanceProfile { .. } => crate::Kind::InstanceProfile,
            NodeSpec::LogGroup { .. } => crate::Kind::LogGroup,
            NodeSpec::TaskDefinition(_) => crate::Kind::TaskDefinition,
            NodeSpec::LoadBalancer { .. } => crate::Kind::LoadBalancer,
            NodeSpec::TargetGroup(_) => crate::Kind::TargetGroup,
            NodeSpec::Listener { .. } => crate::Kind::Listener,
            NodeSpec::DiscoveryService { .. } => crate::Kind::DiscoveryService,
            NodeSpec::Service(_) => crate::Kind::Service,
            NodeSpec::Instance(_) => crate::Kind::Instance,
            NodeSpec::ScalableTarget { .. } => crate::Kind::ScalableTarget,
            NodeSpec::ScalingPolicy(_) => crate::Kind::ScalingPolicy,
            NodeSpec::ScheduledAction { .. } => crate::Kind::ScheduledAction,
        }
    }
}

/// Everything observation found, as plain data (no SDK types).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// The region's availability zones usable for subnets, in name order.
    pub availability_zones: Vec<String>,
    /// Every resource found: ours by tag, plus those whose unique name clashes with a declaration.
    pub nodes: Vec<ObservedNode>,
}
