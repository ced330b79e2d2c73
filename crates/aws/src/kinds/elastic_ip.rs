//! Elastic IPs, allocated for NAT gateways.

use aws_sdk_ec2::types::{DomainType, ResourceType};
use reconciler_plan::{Action, Node, NodeSpec, ObservedNode};

use crate::Aws;
use crate::apply::Ctx;
use crate::ec2::{owner_filters, tag_specification, tags_from, update_tags};
use crate::error::{AwsError, classify};

pub async fn observe(aws: &Aws, owner_id: &str) -> Result<Vec<ObservedNode>, AwsError> {
    let out = aws
        .ec2
        .describe_addresses()
        .set_filters(Some(owner_filters(owner_id)))
        .send()
        .await
        .map_err(|e| classify("EC2.DescribeAddresses", e))?;
    Ok(out
        .addresses()
        .iter()
        .filter_map(|a| {
            Some(ObservedNode {
                id: a.allocation_id()?.to_string(),
                spec: NodeSpec::ElasticIp,
                tags: tags_from(Some(a.tags())),
            })
        })
        .collect())
}

pub async fn create(ctx: &Ctx<'_>, node: &Node) -> Result<String, AwsError> {
    let out = ctx
        .aws
        .ec2
        .allocate_address()
        .domain(DomainType::Vpc)
        .tag_specifications(tag_specification(ResourceType::ElasticIp, &node.tags))
        .send()
        .await
        .map_err(|e| classify("EC2.AllocateAddress", e))?;
    Ok(out
        .allocation_id()
        .ok_or_else(|| AwsError::invalid("EC2.AllocateAddress", "response has no allocation id"))?
        .to_string())
}

pub async fn update(ctx: &Ctx<'_>, id: &str, action: &Action) -> Result<(), AwsError> {
    update_tags(ctx.aws, id, action).await
}

pub async fn delete(ctx: &Ctx<'_>, id: &str) -> Result<(), AwsError> {
    ctx.aws.ec2.release_address().allocation_id(id).send().await.map_err(|e| classify("EC2.ReleaseAddress", e))?;
    Ok(())
}
