//! Elastic IPs, allocated for NAT gateways.

use aws_sdk_ec2::types::{DomainType, Filter, ResourceType};
use reconciler_plan::{Action, Node, NodeSpec, ObservedNode};

use crate::Aws;
use crate::apply::Ctx;
use crate::create_once::create_once;
use crate::ec2::{address_filters, observation_filters, tag_specification, tags_from, update_tags};
use crate::error::{AwsError, classify};
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::Grants;
use reconciler_plan::ElasticIpSpec;

/// The kind's resources that `filters` select (see `ec2::observation_filters`).
pub async fn observe(aws: &Aws, filters: Vec<Filter>) -> Result<Vec<ObservedNode>, AwsError> {
    let out = aws
        .ec2
        .describe_addresses()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| classify("EC2.DescribeAddresses", e))?;
    Ok(out
        .addresses()
        .iter()
        .filter_map(|a| {
            Some(ObservedNode {
                id: a.allocation_id()?.to_string(),
                spec: NodeSpec::ElasticIp(ElasticIpSpec),
                tags: tags_from(Some(a.tags())),
            })
        })
        .collect())
}

pub async fn create(ctx: &Ctx<'_>, node: &Node) -> Result<String, AwsError> {
    let send = || async {
        let out = ctx
            .aws
            .ec2
            .allocate_address()
            .domain(DomainType::Vpc)
            .tag_specifications(tag_specification(ResourceType::ElasticIp, &node.tags))
            .customize()
            .config_override(Aws::ec2_config_without_retries())
            .send()
            .await
            .map_err(|e| classify("EC2.AllocateAddress", e))?;
        let id = out.allocation_id();
        Ok(id.ok_or_else(|| AwsError::invalid("EC2.AllocateAddress", "response has no allocation id"))?.to_string())
    };
    let look = || async {
        let filters = address_filters(ctx.owner_id, &node.address);
        let out = ctx.aws.ec2.describe_addresses().set_filters(Some(filters)).send().await;
        let out = out.map_err(|e| classify("EC2.DescribeAddresses", e))?;
        Ok(out.addresses().iter().find_map(|a| a.allocation_id()).map(str::to_string))
    };
    create_once(ctx.aws.max_attempts, send, look).await
}

pub async fn update(ctx: &Ctx<'_>, id: &str, action: &Action) -> Result<(), AwsError> {
    update_tags(ctx.aws, id, action).await
}

pub async fn delete(ctx: &Ctx<'_>, id: &str) -> Result<(), AwsError> {
    ctx.aws.ec2.release_address().allocation_id(id).send().await.map_err(|e| classify("EC2.ReleaseAddress", e))?;
    Ok(())
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `ElasticIp` in the registry.
pub struct ElasticIpKind;

impl Adapter for ElasticIpKind {
    type Spec = ElasticIpSpec;

    const READS: &'static [&'static str] = &["ec2:DescribeAddresses"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, _spec: &Self::Spec) {
        grants.ec2_create("AllocateAddress", "elastic-ip", &[]);
        grants.ec2_change(node, &["ReleaseAddress"], &["elastic-ip"]);
    }

    async fn create(ctx: &Ctx<'_>, node: &Node, _spec: &Self::Spec) -> Result<String, AwsError> {
        create(ctx, node).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, _spec: &Self::Spec) -> Result<(), AwsError> {
        update(ctx, id, action).await
    }

    async fn delete(ctx: &Ctx<'_>, found: &ObservedNode, _spec: &Self::Spec) -> Result<(), AwsError> {
        delete(ctx, &found.id).await
    }

    async fn release(
        ctx: &Ctx<'_>,
        found: &ObservedNode,
        spec: &Self::Spec,
        keys: Vec<String>,
    ) -> Result<(), AwsError> {
        let _ = spec;
        release::ec2(ctx, &found.id, keys).await
    }
}

impl Observe for ElasticIpKind {
    async fn observe(aws: &Aws, scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        observe(aws, observation_filters(scope.owner_id, scope.hints)).await
    }
}
