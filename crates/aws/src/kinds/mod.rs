//! One module per AWS kind: how to observe it (batched, by tag) and how to create, update and delete it.
//! This is the only place that knows which API call does what; the dispatch below maps plan nodes to it.

pub mod cluster;
pub mod elastic_ip;
pub mod internet_gateway;
pub mod namespace;
pub mod nat_gateway;
pub mod route_table;
pub mod security_group;
pub mod subnet;
pub mod vpc;

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
    }
}
