//! The kinds of AWS resource the planner knows, one module each, and the one registry that lists them.
//!
//! A kind is a spec type (its fields in comparable form) implementing [`Resource`]. The [`registry!`] line of
//! a kind is the only place that names it: the [`Kind`] enum, its names in addresses and tags, their parsing,
//! and the [`NodeSpec`] variant that holds the spec are all generated from it, so a kind cannot be
//! half-registered (a kind missing from the name table would make its `reconciler:resource` tag unreadable, and
//! its resources foreign).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::node::Ref;
use crate::value::Field;

pub mod cluster;
pub mod discovery_service;
pub mod elastic_ip;
pub mod instance;
pub mod instance_profile;
pub mod internet_gateway;
pub mod listener;
pub mod listener_rule;
pub mod load_balancer;
pub mod log_group;
pub mod namespace;
pub mod nat_gateway;
pub mod role;
pub mod route_table;
pub mod scalable_target;
pub mod scaling_policy;
pub mod scheduled_action;
pub mod security_group;
pub mod service;
pub mod subnet;
pub mod target_group;
pub mod task_definition;
pub mod vpc;

/// The child segment of the resources a shared load balancer declaration makes (`load_balancer.NAME/shared`,
/// its security group and listener): what tells them from a service's own (`load_balancer.SERVICE`).
pub const SHARED_CHILD: &str = "shared";

/// The VPC that a resource's placing subnets ([`Resource::placing_subnets`]) are in: not a field of its own,
/// but a difference in it forces a replacement.
pub const PLACEMENT_VPC: crate::FieldId = crate::FieldId::new("vpc");

/// Which declaration in the files a resource comes from (`reconciler_spec::Kind`): spec's name for it.
pub type Declared = reconciler_spec::Kind;

/// What the planner needs to know about one kind of resource. Comparing, ordering and ownership are written
/// once in the planner in terms of these.
pub trait Resource {
    /// Which kind of declaration makes resources of this kind. `child` is the address's child segment, if it
    /// names a child of a declaration (`security_group.SERVICE/lb` is made by a service, `security_group.NAME`
    /// by a security group declaration, `security_group.NAME/shared` by a shared load balancer's).
    fn declared_by(child: Option<&str>) -> Declared
    where
        Self: Sized;

    /// Whether `adopt = true` on its declaration takes over an existing unowned resource of this kind: every
    /// kind found by its [`Resource::adoption_identity`], or through the adopted resource that refers to it
    /// (see `crate::adoption`). Not an instance: nothing tells which existing one a declaration means.
    fn adoptable() -> bool
    where
        Self: Sized,
    {
        true
    }

    /// Whether it is deleted as soon as no declaration asks for it, pruning on or off: a service's scaling
    /// configuration must not keep scaling a service against the file's wishes.
    fn removed_with_its_declaration() -> bool
    where
        Self: Sized,
    {
        false
    }

    /// Deletions run dependents first; resources without references between them are ordered by this tier,
    /// highest first (scaling policies before their target, the target before the service).
    fn deletion_tier() -> u8
    where
        Self: Sized,
    {
        0
    }

    /// Whether the kind's resources carry tags that can be read back, and so are compared and written. Not
    /// Application Auto Scaling's: the emulator cannot read them back and scaling policies have none, so their
    /// observed tags are only the ownership that their service proves; comparing the declared tags (or the
    /// `retain` mark) with those would plan a change at every pass that no call can make.
    fn has_own_tags() -> bool
    where
        Self: Sized,
    {
        true
    }

    /// The fields compared between desired and observed, with whether a change forces replacement (AWS
    /// cannot change it in place).
    fn fields(&self) -> Vec<Field>;

    /// Every resource this one refers to.
    fn references(&self) -> Vec<&Ref>;

    /// Rewrites every reference (observed AWS ids become addresses). Must visit what [`Resource::references`]
    /// lists.
    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref);

    /// The references AWS cannot change in place: a resource that refers through one of these to a resource
    /// being replaced must be replaced too.
    fn fixed_references(&self) -> Vec<&Ref> {
        vec![]
    }

    /// The subnets that place a resource in their VPC for good (it can move between subnets of that VPC in
    /// place, never to another VPC): the planner replaces it when that VPC changes.
    fn placing_subnets(&self) -> Vec<&Ref> {
        vec![]
    }

    /// The identity AWS enforces as unique, if the kind has one: a resource found with it that is not ours
    /// is a conflict, never taken over.
    fn unique_identity(&self) -> Option<String> {
        None
    }

    /// What recognises an existing resource as the one a declaration with `adopt = true` means: its unique
    /// identity where AWS enforces one, or what is unique in practice (a subnet's CIDR in its VPC). `None`: it
    /// is found only through the adopted resource that refers to it (an Elastic IP through its NAT gateway).
    /// References in it are compared after the adopted resources' ids became their addresses.
    fn adoption_identity(&self) -> Option<String> {
        self.unique_identity()
    }

    /// Whether a replacement makes a new version beside the old one rather than deleting first (a task
    /// definition gets a new revision).
    fn replaced_by_new_version(&self) -> bool {
        false
    }

    /// Settles the fields the desired state leaves to AWS, given what is live, so that comparing the two
    /// shows only real drift.
    fn settle(&mut self, _found: &mut Self)
    where
        Self: Sized,
    {
    }
}

impl<T: Resource> Resource for Box<T> {
    fn adoptable() -> bool {
        T::adoptable()
    }
    fn removed_with_its_declaration() -> bool {
        T::removed_with_its_declaration()
    }
    fn deletion_tier() -> u8 {
        T::deletion_tier()
    }
    fn has_own_tags() -> bool {
        T::has_own_tags()
    }
    fn declared_by(child: Option<&str>) -> Declared {
        T::declared_by(child)
    }
    fn fields(&self) -> Vec<Field> {
        (**self).fields()
    }
    fn references(&self) -> Vec<&Ref> {
        (**self).references()
    }
    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        (**self).map_refs(f)
    }
    fn fixed_references(&self) -> Vec<&Ref> {
        (**self).fixed_references()
    }
    fn placing_subnets(&self) -> Vec<&Ref> {
        (**self).placing_subnets()
    }
    fn unique_identity(&self) -> Option<String> {
        (**self).unique_identity()
    }
    fn adoption_identity(&self) -> Option<String> {
        (**self).adoption_identity()
    }
    fn replaced_by_new_version(&self) -> bool {
        (**self).replaced_by_new_version()
    }
    fn settle(&mut self, found: &mut Self) {
        (**self).settle(found)
    }
}

/// Generates [`Kind`], its names and parsing, and [`NodeSpec`] with its dispatch to [`Resource`], from one
/// line per kind: `Variant(SpecType) = "name in addresses"`.
macro_rules! registry {
    ($($variant:ident($spec:ty) = $name:literal,)*) => {
        /// Every kind of AWS resource the planner knows. The order is the order in which the planner lists
        /// independent resources (dependencies always come first regardless).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind {
            $($variant,)*
        }

        impl Kind {
            /// Every kind, in registry order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            /// The name used in addresses, tags and output.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Kind::$variant => $name,)*
                }
            }

            /// See [`Resource::declared_by`].
            pub fn declared_by(self, child: Option<&str>) -> Declared {
                match self {
                    $(Kind::$variant => <$spec as Resource>::declared_by(child),)*
                }
            }

            /// See [`Resource::adoptable`].
            pub fn adoptable(self) -> bool {
                match self {
                    $(Kind::$variant => <$spec as Resource>::adoptable(),)*
                }
            }

            /// See [`Resource::removed_with_its_declaration`].
            pub fn removed_with_its_declaration(self) -> bool {
                match self {
                    $(Kind::$variant => <$spec as Resource>::removed_with_its_declaration(),)*
                }
            }

            /// See [`Resource::deletion_tier`].
            pub fn deletion_tier(self) -> u8 {
                match self {
                    $(Kind::$variant => <$spec as Resource>::deletion_tier(),)*
                }
            }

            /// See [`Resource::has_own_tags`].
            pub fn has_own_tags(self) -> bool {
                match self {
                    $(Kind::$variant => <$spec as Resource>::has_own_tags(),)*
                }
            }
        }

        /// What a resource is, field by field, in comparable (normalized) form: one variant per kind, holding
        /// that kind's spec.
        #[derive(Debug, Clone, PartialEq)]
        pub enum NodeSpec {
            $($variant($spec),)*
        }

        impl NodeSpec {
            pub fn kind(&self) -> Kind {
                match self {
                    $(NodeSpec::$variant(_) => Kind::$variant,)*
                }
            }

            /// The kind's [`Resource`] implementation.
            pub fn resource(&self) -> &dyn Resource {
                match self {
                    $(NodeSpec::$variant(spec) => spec,)*
                }
            }

            fn resource_mut(&mut self) -> &mut dyn Resource {
                match self {
                    $(NodeSpec::$variant(spec) => spec,)*
                }
            }

            /// See [`Resource::settle`]; nothing to settle between two different kinds.
            pub fn settle(desired: &mut NodeSpec, observed: &mut NodeSpec) {
                match (desired, observed) {
                    $((NodeSpec::$variant(desired), NodeSpec::$variant(found)) => desired.settle(found),)*
                    _ => {}
                }
            }
        }

        $(
            impl From<$spec> for NodeSpec {
                fn from(spec: $spec) -> Self {
                    NodeSpec::$variant(spec)
                }
            }
        )*
    };
}

registry! {
    Vpc(vpc::VpcSpec) = "vpc",
    InternetGateway(internet_gateway::InternetGatewaySpec) = "internet_gateway",
    Subnet(subnet::SubnetSpec) = "subnet",
    ElasticIp(elastic_ip::ElasticIpSpec) = "elastic_ip",
    NatGateway(nat_gateway::NatGatewaySpec) = "nat_gateway",
    RouteTable(route_table::RouteTableSpec) = "route_table",
    SecurityGroup(security_group::SecurityGroupSpec) = "security_group",
    Cluster(cluster::ClusterSpec) = "cluster",
    Namespace(namespace::NamespaceSpec) = "namespace",
    Role(role::RoleSpec) = "role",
    InstanceProfile(instance_profile::InstanceProfileSpec) = "instance_profile",
    LogGroup(log_group::LogGroupSpec) = "log_group",
    TaskDefinition(Box<task_definition::TaskDefinitionSpec>) = "task_definition",
    LoadBalancer(load_balancer::LoadBalancerSpec) = "load_balancer",
    TargetGroup(Box<target_group::TargetGroupSpec>) = "target_group",
    Listener(listener::ListenerSpec) = "listener",
    ListenerRule(listener_rule::ListenerRuleSpec) = "listener_rule",
    DiscoveryService(discovery_service::DiscoveryServiceSpec) = "discovery_service",
    Service(Box<service::ServiceSpec>) = "service",
    Instance(Box<instance::InstanceSpec>) = "instance",
    ScalableTarget(scalable_target::ScalableTargetSpec) = "scalable_target",
    ScalingPolicy(Box<scaling_policy::ScalingPolicySpec>) = "scaling_policy",
    ScheduledAction(scheduled_action::ScheduledActionSpec) = "scheduled_action",
}

impl NodeSpec {
    pub fn fields(&self) -> Vec<Field> {
        self.resource().fields()
    }

    pub fn references(&self) -> Vec<&Ref> {
        self.resource().references()
    }

    pub fn fixed_references(&self) -> Vec<&Ref> {
        self.resource().fixed_references()
    }

    pub fn placing_subnets(&self) -> Vec<&Ref> {
        self.resource().placing_subnets()
    }

    pub fn map_refs(&mut self, mut f: impl FnMut(&Ref) -> Ref) {
        self.resource_mut().map_refs(&mut f)
    }

    pub fn unique_identity(&self) -> Option<String> {
        self.resource().unique_identity()
    }

    pub fn adoption_identity(&self) -> Option<String> {
        self.resource().adoption_identity()
    }

    pub fn replaced_by_new_version(&self) -> bool {
        self.resource().replaced_by_new_version()
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == s).ok_or(())
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Helpers the kinds' `fields()` share.
pub(crate) mod values {
    use std::collections::BTreeSet;

    use crate::node::Ref;
    use crate::value::Value;

    /// An unordered collection, as text.
    pub fn set<T: ToString>(items: &BTreeSet<T>) -> Value {
        Value::Set(items.iter().map(ToString::to_string).collect())
    }

    /// An optional reference: absent or its address / id.
    pub fn optional(reference: &Option<Ref>) -> Value {
        reference.as_ref().map_or(Value::Absent, Value::from)
    }

    /// An optional count.
    pub fn count(n: Option<u32>) -> Value {
        n.map_or(Value::Absent, |n| Value::Int(n.into()))
    }

    /// Rewrites every reference of a set.
    pub fn map_set(set: &mut BTreeSet<Ref>, f: &mut dyn FnMut(&Ref) -> Ref) {
        *set = std::mem::take(set).iter().map(f).collect();
    }
}
