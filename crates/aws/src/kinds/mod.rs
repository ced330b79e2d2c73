//! One module per AWS kind: how to observe it (batched, by tag) and how to create, update and delete it.
//! The registry below maps plan nodes to them, through each kind's [`Adapter`].

pub mod autoscaling;
pub mod cluster;
pub mod discovery_service;
pub mod elastic_ip;
pub mod elb;
pub mod instance;
pub mod internet_gateway;
pub mod listener_rule;
pub mod log_group;
pub mod namespace;
pub mod nat_gateway;
pub mod release;
pub mod role;
pub mod route_table;
pub mod security_group;
pub mod service;
pub mod subnet;
pub mod task_definition;
pub mod vpc;

use std::future::Future;

use futures::future::BoxFuture;
use reconciler_plan::ownership::{OUR_KEYS, Owner};
use reconciler_plan::{Action, Kind, Node, NodeSpec, ObservationHints, ObservedNode};

use crate::Aws;
use crate::apply::Ctx;
use crate::error::AwsError;
use crate::permissions::Grants;

/// One kind's AWS side: how to create, change, delete and release a resource of it, given the planner's typed
/// spec. The registry below dispatches a plan's nodes to the adapter of their kind; each kind's calls,
/// normalization and identity rules live in the adapter's own module.
///
/// Crate-private: `async fn` in a trait is fine where every caller is static (the registry's match), and the
/// futures stay `Send` because the types are known.
pub(crate) trait Adapter {
    /// The planner's spec of the kind (`reconciler_plan::kinds::*`).
    type Spec;

    /// Creates the resource; returns its AWS id.
    async fn create(ctx: &Ctx<'_>, node: &Node, spec: &Self::Spec) -> Result<String, AwsError>;

    /// Changes the live resource `id` in place to match `action.desired`, touching only changed fields.
    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &Self::Spec) -> Result<(), AwsError>;

    /// Deletes the live resource (for a replacement or a prune), waiting where AWS deletes asynchronously.
    async fn delete(ctx: &Ctx<'_>, found: &ObservedNode, spec: &Self::Spec) -> Result<(), AwsError>;

    /// Removes our ownership tags `keys` (never empty) from the live resource: it stays, no longer ours.
    async fn release(ctx: &Ctx<'_>, found: &ObservedNode, spec: &Self::Spec, keys: Vec<String>)
    -> Result<(), AwsError>;

    /// The read-only IAM actions of the kind: its observation and the reads its writes make. Granted whatever
    /// the files declare (every pass reads every kind, to find what to prune).
    const READS: &'static [&'static str];

    /// The IAM permissions that creating, changing, deleting and releasing the declared `node` need, on its
    /// resources only where the service allows it (see [`crate::permissions`]).
    fn permissions(grants: &mut Grants<'_>, node: &Node, spec: &Self::Spec);
}

/// How a kind's live resources are read: by a batched read of its own ([`Observe`]), or by another kind's
/// read that answers both (roles and their instance profiles come from one IAM call).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reading {
    /// By its own [`Observe::observe`], once the kinds in `after` are read.
    Own { after: &'static [Kind], read: ReadFn },
    /// By this kind's read, in the same calls.
    With(Kind),
}

/// A kind's read, boxed so that the observation scheduler can hold the reads of every kind at once.
pub(crate) type ReadFn = for<'a> fn(&'a Aws, Scope<'a>) -> BoxFuture<'a, Result<Vec<ObservedNode>, AwsError>>;

/// What a kind's read is given: whose resources are ours, and what the kinds it reads after found.
pub(crate) struct Scope<'a> {
    pub owner_id: &'a str,
    /// What the desired state says to look for by name.
    pub hints: &'a ObservationHints,
    /// The observed resources of the kinds in [`Observe::AFTER`].
    pub found: Vec<ObservedNode>,
}

impl Scope<'_> {
    /// The AWS ids of the found resources of `kind` that are ours, or have no owner and are `wanted` as
    /// candidates to adopt (what is inside them is read too).
    pub fn ours_and(&self, kind: Kind, wanted: impl Fn(&ObservedNode) -> bool) -> Vec<String> {
        self.found
            .iter()
            .filter(|n| n.kind() == kind)
            .filter(|n| match Owner::from_tags(self.owner_id, &n.tags) {
                Owner::Us(_) => true,
                Owner::Nobody => wanted(n),
                Owner::OtherInstance(_) => false,
            })
            .map(|n| n.id.clone())
            .collect()
    }
}

/// A kind's batched read: one tag-filtered call where AWS has one, account-wide where it has not. A kind
/// whose resources live inside another's (security groups in VPCs of ours, services in clusters of ours)
/// reads after it.
pub(crate) trait Observe {
    /// Kinds read first; what they found is in [`Scope::found`].
    const AFTER: &'static [Kind] = &[];

    /// Every live resource of the kind (and of the kinds read with it) that is ours or could clash with a
    /// declaration's unique name.
    fn observe(aws: &Aws, scope: Scope<'_>) -> impl Future<Output = Result<Vec<ObservedNode>, AwsError>> + Send;
}

fn boxed_read<'a, O: Observe + 'static>(
    aws: &'a Aws,
    scope: Scope<'a>,
) -> BoxFuture<'a, Result<Vec<ObservedNode>, AwsError>> {
    Box::pin(O::observe(aws, scope))
}

/// The registry: one line per kind, `Variant => adapter`. The matches it generates are exhaustive over the
/// planner's kinds, so a kind the planner knows and no adapter handles does not compile. A kind read by
/// another's batch says so (`[read with Kind]`); every other kind's adapter must implement [`Observe`], so a
/// kind that nothing reads does not compile either.
macro_rules! registry {
    (@reading $adapter:ty) => {
        Reading::Own { after: <$adapter as Observe>::AFTER, read: boxed_read::<$adapter> }
    };
    (@reading $adapter:ty, $with:ident) => {
        Reading::With(Kind::$with)
    };
    ($($variant:ident => $adapter:ty $([read with $with:ident])?,)*) => {
        /// How the live resources of `kind` are read.
        pub(crate) fn reading(kind: Kind) -> Reading {
            match kind {
                $(Kind::$variant => registry!(@reading $adapter $(, $with)?),)*
            }
        }

        /// Creates the resource; returns its AWS id.
        pub async fn create(ctx: &Ctx<'_>, node: &Node) -> Result<String, AwsError> {
            match &node.spec {
                $(NodeSpec::$variant(spec) => <$adapter as Adapter>::create(ctx, node, spec).await,)*
            }
        }

        /// Changes the live resource `id` in place to match `action.desired`.
        pub async fn update(ctx: &Ctx<'_>, id: &str, action: &Action) -> Result<(), AwsError> {
            match &action.desired.spec {
                $(NodeSpec::$variant(spec) => <$adapter as Adapter>::update(ctx, id, action, spec).await,)*
            }
        }

        /// Deletes the live resource.
        pub async fn delete(ctx: &Ctx<'_>, found: &ObservedNode) -> Result<(), AwsError> {
            match &found.spec {
                $(NodeSpec::$variant(spec) => <$adapter as Adapter>::delete(ctx, found, spec).await,)*
            }
        }

        /// The permissions every declared node's adapter asks for, and every kind's reads.
        pub(crate) fn permissions(grants: &mut Grants<'_>) {
            $(grants.read(<$adapter as Adapter>::READS);)*
            for node in grants.nodes() {
                match &node.spec {
                    $(NodeSpec::$variant(spec) => <$adapter as Adapter>::permissions(grants, node, spec),)*
                }
            }
        }

        async fn release_keys(ctx: &Ctx<'_>, found: &ObservedNode, keys: Vec<String>) -> Result<(), AwsError> {
            match &found.spec {
                $(NodeSpec::$variant(spec) => <$adapter as Adapter>::release(ctx, found, spec, keys).await,)*
            }
        }
    };
}

registry! {
    Vpc => vpc::VpcKind,
    InternetGateway => internet_gateway::InternetGatewayKind,
    Subnet => subnet::SubnetKind,
    ElasticIp => elastic_ip::ElasticIpKind,
    NatGateway => nat_gateway::NatGatewayKind,
    RouteTable => route_table::RouteTableKind,
    SecurityGroup => security_group::SecurityGroupKind,
    Cluster => cluster::ClusterKind,
    Namespace => namespace::NamespaceKind,
    Role => role::RoleKind,
    InstanceProfile => role::InstanceProfileKind [read with Role],
    LogGroup => log_group::LogGroupKind,
    TaskDefinition => task_definition::TaskDefinitionKind [read with Service],
    LoadBalancer => elb::LoadBalancerKind,
    TargetGroup => elb::TargetGroupKind [read with LoadBalancer],
    Listener => elb::ListenerKind [read with LoadBalancer],
    ListenerRule => listener_rule::ListenerRuleKind [read with LoadBalancer],
    DiscoveryService => discovery_service::DiscoveryServiceKind,
    Service => service::ServiceKind,
    Instance => instance::InstanceKind,
    ScalableTarget => autoscaling::ScalableTargetKind,
    ScalingPolicy => autoscaling::ScalingPolicyKind [read with ScalableTarget],
    ScheduledAction => autoscaling::ScheduledActionKind [read with ScalableTarget],
}

/// Releases a resource (`deletion_policy = "retain"`): our tags are removed, the resource stays.
pub async fn release(ctx: &Ctx<'_>, found: &ObservedNode) -> Result<(), AwsError> {
    let keys: Vec<String> = found.tags.keys().filter(|k| OUR_KEYS.contains(&k.as_str())).cloned().collect();
    if keys.is_empty() {
        return Ok(());
    }
    release_keys(ctx, found, keys).await
}
