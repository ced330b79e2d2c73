//! VPCs: CIDR (fixed at creation) and the two DNS attributes.

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType, Vpc, VpcAttributeName};
use reconciler_plan::kinds::vpc;
use reconciler_plan::{Action, AdoptionHints, Node, NodeSpec, ObservedNode};

use crate::Aws;
use crate::apply::Ctx;
use crate::create_once::create_once;
use crate::ec2::{address_filters, owner_filters, tag_specification, tags_from, update_tags};
use crate::error::{AwsError, classify};
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::Grants;
use reconciler_plan::VpcSpec;

/// Our VPCs, and the unowned ones `adopting` asks for: every VPC, or those of the declared CIDRs.
pub async fn observe(aws: &Aws, owner_id: &str, adopting: &AdoptionHints) -> Result<Vec<ObservedNode>, AwsError> {
    let mut vpcs = Vec::new();
    if adopting.everything {
        vpcs.extend(describe(aws, vec![]).await?);
    } else {
        vpcs.extend(describe(aws, owner_filters(owner_id)).await?);
        if !adopting.vpc_cidrs.is_empty() {
            let cidrs = Filter::builder().name("cidr").set_values(Some(adopting.vpc_cidrs.iter().cloned().collect()));
            let ours: Vec<Option<String>> = vpcs.iter().map(|v| v.vpc_id().map(str::to_string)).collect();
            let candidates = describe(aws, vec![cidrs.build()]).await?;
            vpcs.extend(candidates.into_iter().filter(|c| !ours.contains(&c.vpc_id().map(str::to_string))));
        }
    }
    let mut nodes = Vec::new();
    for vpc in &vpcs {
        let (Some(id), Some(cidr)) = (vpc.vpc_id(), vpc.cidr_block().and_then(|c| c.parse().ok())) else {
            continue;
        };
        // DescribeVpcs does not return the DNS attributes, and DescribeVpcAttribute takes one VPC and one
        // attribute at a time: two calls per VPC is the least AWS allows.
        let enable_dns_support = attribute(aws, id, VpcAttributeName::EnableDnsSupport).await?;
        let enable_dns_hostnames = attribute(aws, id, VpcAttributeName::EnableDnsHostnames).await?;
        nodes.push(ObservedNode {
            id: id.to_string(),
            spec: NodeSpec::Vpc(VpcSpec { cidr, enable_dns_support, enable_dns_hostnames }),
            tags: tags_from(Some(vpc.tags())),
        });
    }
    Ok(nodes)
}

async fn describe(aws: &Aws, filters: Vec<Filter>) -> Result<Vec<Vpc>, AwsError> {
    let out = aws.ec2.describe_vpcs().set_filters(Some(filters)).send().await;
    Ok(out.map_err(|e| classify("EC2.DescribeVpcs", e))?.vpcs().to_vec())
}

async fn attribute(aws: &Aws, vpc_id: &str, name: VpcAttributeName) -> Result<bool, AwsError> {
    let out = aws
        .ec2
        .describe_vpc_attribute()
        .vpc_id(vpc_id)
        .attribute(name.clone())
        .send()
        .await
        .map_err(|e| classify("EC2.DescribeVpcAttribute", e))?;
    let value = match name {
        VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames(),
        _ => out.enable_dns_support(),
    };
    Ok(value.and_then(AttributeBooleanValue::value).unwrap_or(false))
}

pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &VpcSpec) -> Result<String, AwsError> {
    let VpcSpec { cidr, enable_dns_support, enable_dns_hostnames } = spec;
    let send = || async {
        let out = ctx
            .aws
            .ec2
            .create_vpc()
            .cidr_block(cidr.to_string())
            .tag_specifications(tag_specification(ResourceType::Vpc, &node.tags))
            .customize()
            .config_override(Aws::ec2_config_without_retries())
            .send()
            .await
            .map_err(|e| classify("EC2.CreateVpc", e))?;
        let vpc = out.vpc().and_then(|v| v.vpc_id());
        Ok(vpc.ok_or_else(|| AwsError::invalid("EC2.CreateVpc", "response has no VPC id"))?.to_string())
    };
    let look = || async {
        let filters = address_filters(ctx.owner_id, &node.address);
        let out = ctx.aws.ec2.describe_vpcs().set_filters(Some(filters)).send().await;
        let out = out.map_err(|e| classify("EC2.DescribeVpcs", e))?;
        Ok(out.vpcs().iter().find_map(|v| v.vpc_id()).map(str::to_string))
    };
    let id = create_once(ctx.aws.max_attempts, send, look).await?;
    // New VPCs have DNS support on and hostnames off; set only what differs.
    if !enable_dns_support {
        set_attribute(ctx, &id, VpcAttributeName::EnableDnsSupport, false).await?;
    }
    if *enable_dns_hostnames {
        set_attribute(ctx, &id, VpcAttributeName::EnableDnsHostnames, true).await?;
    }
    Ok(id)
}

pub async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &VpcSpec) -> Result<(), AwsError> {
    let VpcSpec { enable_dns_support, enable_dns_hostnames, .. } = spec;
    // DNS hostnames need DNS support: turn support on first and off last.
    if action.changes(vpc::field::ENABLE_DNS_SUPPORT) && *enable_dns_support {
        set_attribute(ctx, id, VpcAttributeName::EnableDnsSupport, true).await?;
    }
    if action.changes(vpc::field::ENABLE_DNS_HOSTNAMES) {
        set_attribute(ctx, id, VpcAttributeName::EnableDnsHostnames, *enable_dns_hostnames).await?;
    }
    if action.changes(vpc::field::ENABLE_DNS_SUPPORT) && !enable_dns_support {
        set_attribute(ctx, id, VpcAttributeName::EnableDnsSupport, false).await?;
    }
    update_tags(ctx.aws, id, action).await
}

async fn set_attribute(ctx: &Ctx<'_>, id: &str, name: VpcAttributeName, value: bool) -> Result<(), AwsError> {
    let value = AttributeBooleanValue::builder().value(value).build();
    let request = ctx.aws.ec2.modify_vpc_attribute().vpc_id(id);
    let request = match name {
        VpcAttributeName::EnableDnsHostnames => request.enable_dns_hostnames(value),
        _ => request.enable_dns_support(value),
    };
    request.send().await.map_err(|e| classify("EC2.ModifyVpcAttribute", e))?;
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>, id: &str) -> Result<(), AwsError> {
    ctx.aws.ec2.delete_vpc().vpc_id(id).send().await.map_err(|e| classify("EC2.DeleteVpc", e))?;
    Ok(())
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `Vpc` in the registry.
pub struct VpcKind;

impl Adapter for VpcKind {
    type Spec = VpcSpec;

    const READS: &'static [&'static str] = &["ec2:DescribeVpcs", "ec2:DescribeVpcAttribute"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, _spec: &Self::Spec) {
        grants.ec2_create("CreateVpc", "vpc", &[]);
        grants.ec2_change(node, &["ModifyVpcAttribute", "DeleteVpc"], &["vpc"]);
    }

    async fn create(ctx: &Ctx<'_>, node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        create(ctx, node, spec).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &Self::Spec) -> Result<(), AwsError> {
        update(ctx, id, action, spec).await
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

impl Observe for VpcKind {
    async fn observe(aws: &Aws, scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        observe(aws, scope.owner_id, &scope.hints.adopting).await
    }
}
