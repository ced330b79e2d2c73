//! One module per AWS kind: how to observe it (batched, by tag) and how to create, update and delete it.
//! This is the only place that knows which API call does what; the dispatch below maps plan nodes to it.

pub mod autoscaling;
pub mod cluster;
pub mod discovery_service;
pub mod elastic_ip;
pub mod elb;
pub mod instance;
pub mod internet_gateway;
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

use elb::{listener, load_balancer, target_group};
use role::instance_profile;

use reconciler_plan::{Action, Node, NodeSpec, ObservedNode};

use crate::apply::Ctx;
use crate::error::AwsError;

/// Creates the resource; returns its AWS id.
pub async fn create(ctx: &Ctx<'_>, node: &Node) -> Result<String, AwsError> {
    match node.spec {
        NodeSpec::Vpc { .. } => vpc::create(ctx, node).await,
        NodeSpec::Subnet { .. } => subnet::create(ctx, node).await,
        NodeSpec::InternetGateway { .. } => internet_gateway::create(ctx, node).await,
        NodeSpec::ElasticIp => elastic_ip::create(ctx, node).await,
        NodeSpec::NatGateway { .. } => nat_gateway::create(ctx, node).await,
        NodeSpec::RouteTable { .. } => route_table::create(ctx, node).await,
        NodeSpec::SecurityGroup { .. } => security_group::create(ctx, node).await,
        NodeSpec::Cluster { .. } => cluster::create(ctx, node).await,
        NodeSpec::Namespace { .. } => namespace::create(ctx, node).await,
        NodeSpec::Role { .. } => role::create(ctx, node).await,
        NodeSpec::InstanceProfile { .. } => instance_profile::create(ctx, node).await,
        NodeSpec::LogGroup { .. } => log_group::create(ctx, node).await,
        NodeSpec::TaskDefinition(_) => task_definition::create(ctx, node).await,
        NodeSpec::LoadBalancer { .. } => load_balancer::create(ctx, node).await,
        NodeSpec::TargetGroup(_) => target_group::create(ctx, node).await,
        NodeSpec::Listener { .. } => listener::create(ctx, node).await,
        NodeSpec::DiscoveryService { .. } => discovery_service::create(ctx, node).await,
        NodeSpec::Service(_) => service::create(ctx, node).await,
        NodeSpec::Instance(_) => instance::create(ctx, node).await,
        NodeSpec::ScalableTarget { .. } | NodeSpec::ScalingPolicy(_) | NodeSpec::ScheduledAction { .. } => {
            autoscaling::put(ctx, node).await
        }
    }
}

/// Changes the live resource `id` in place to match `action.desired`, touching only changed fields.
pub async fn update(ctx: &Ctx<'_>, id: &str, action: &Action) -> Result<(), AwsError> {
    match action.desired.spec {
        NodeSpec::Vpc { .. } => vpc::update(ctx, id, action).await,
        NodeSpec::Subnet { .. } => subnet::update(ctx, id, action).await,
        NodeSpec::InternetGateway { .. } => internet_gateway::update(ctx, id, action).await,
        NodeSpec::ElasticIp => elastic_ip::update(ctx, id, action).await,
        NodeSpec::NatGateway { .. } => nat_gateway::update(ctx, id, action).await,
        NodeSpec::RouteTable { .. } => route_table::update(ctx, id, action).await,
        NodeSpec::SecurityGroup { .. } => security_group::update(ctx, id, action).await,
        NodeSpec::Cluster { .. } => cluster::update(ctx, id, action).await,
        NodeSpec::Namespace { .. } => namespace::update(ctx, id, action).await,
        NodeSpec::Role { .. } => role::update(ctx, id, action).await,
        NodeSpec::InstanceProfile { .. } => instance_profile::update(ctx, id, action).await,
        NodeSpec::LogGroup { .. } => log_group::update(ctx, id, action).await,
        // Never updated in place: every field makes a new revision (the planner plans a replacement).
        NodeSpec::TaskDefinition(_) => Ok(()),
        NodeSpec::LoadBalancer { .. } => load_balancer::update(ctx, id, action).await,
        NodeSpec::TargetGroup(_) => target_group::update(ctx, id, action).await,
        NodeSpec::Listener { .. } => listener::update(ctx, id, action).await,
        NodeSpec::DiscoveryService { .. } => discovery_service::update(ctx, id, action).await,
        NodeSpec::Service(_) => service::update(ctx, id, action).await,
        NodeSpec::Instance(_) => instance::update(ctx, id, action).await,
        NodeSpec::ScalableTarget { .. } | NodeSpec::ScalingPolicy(_) | NodeSpec::ScheduledAction { .. } => {
            autoscaling::update(ctx, action).await
        }
    }
}

/// Deletes the live resource (used for replacements), waiting where AWS deletes asynchronously.
pub async fn delete(ctx: &Ctx<'_>, observed: &ObservedNode) -> Result<(), AwsError> {
    let id = observed.id.as_str();
    match &observed.spec {
        NodeSpec::Vpc { .. } => vpc::delete(ctx, id).await,
        NodeSpec::Subnet { .. } => subnet::delete(ctx, id).await,
        NodeSpec::InternetGateway { .. } => internet_gateway::delete(ctx, id, &observed.spec).await,
        NodeSpec::ElasticIp => elastic_ip::delete(ctx, id).await,
        NodeSpec::NatGateway { .. } => nat_gateway::delete(ctx, id).await,
        NodeSpec::RouteTable { .. } => route_table::delete(ctx, id).await,
        NodeSpec::SecurityGroup { .. } => security_group::delete(ctx, id).await,
        NodeSpec::Cluster { .. } => cluster::delete(ctx, id).await,
        NodeSpec::Namespace { .. } => namespace::delete(ctx, id).await,
        NodeSpec::Role { .. } => role::delete(ctx, observed).await,
        NodeSpec::InstanceProfile { .. } => instance_profile::delete(ctx, observed).await,
        NodeSpec::LogGroup { .. } => log_group::delete(ctx, observed).await,
        // Only ever deleted for good (a changed task definition gets a new revision instead of a replacement).
        NodeSpec::TaskDefinition(_) => task_definition::delete_ours_in_family(ctx, id).await,
        NodeSpec::LoadBalancer { .. } => load_balancer::delete(ctx, id).await,
        NodeSpec::TargetGroup(_) => target_group::delete(ctx, id).await,
        NodeSpec::Listener { .. } => listener::delete(ctx, id).await,
        NodeSpec::DiscoveryService { .. } => discovery_service::delete(ctx, id).await,
        NodeSpec::Service(_) => service::delete(ctx, observed).await,
        NodeSpec::Instance(_) => instance::delete(ctx, id).await,
        NodeSpec::ScalableTarget { .. } | NodeSpec::ScalingPolicy(_) | NodeSpec::ScheduledAction { .. } => {
            autoscaling::delete(ctx, observed).await
        }
    }
}
