//! Subnets: VPC, CIDR and zone are fixed at creation; public IPs on launch can change.

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType};
use reconciler_plan::kinds::subnet;
use reconciler_plan::{Action, Node, NodeSpec, ObservedNode, Ref};

use crate::Aws;
use crate::apply::Ctx;
use crate::create_once::create_once;
use crate::ec2::{address_filters, observation_filters, tag_specification, tags_from, update_tags};
use crate::error::{AwsError, classify};
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::Grants;
use reconciler_plan::SubnetSpec;

/// The kind's resources that `filters` select (see `ec2::observation_filters`).
pub async fn observe(aws: &Aws, filters: Vec<Filter>) -> Result<Vec<ObservedNode>, AwsError> {
    let out = aws
        .ec2
        .describe_subnets()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| classify("EC2.DescribeSubnets", e))?;
    Ok(out
        .subnets()
        .iter()
        .filter_map(|s| {
            Some(ObservedNode {
                id: s.subnet_id()?.to_string(),
                spec: NodeSpec::Subnet(SubnetSpec {
                    vpc: Ref::Aws(s.vpc_id()?.to_string()),
                    cidr: s.cidr_block()?.parse().ok()?,
                    availability_zone: s.availability_zone()?.to_string(),
                    map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
                }),
                tags: tags_from(Some(s.tags())),
            })
        })
        .collect())
}

pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &SubnetSpec) -> Result<String, AwsError> {
    let SubnetSpec { vpc, cidr, availability_zone, map_public_ip_on_launch } = spec;
    let vpc_id = ctx.id_of(vpc)?;
    // CreateSubnet has no client token. AWS refuses a second subnet with the same CIDR, so a blind resend
    // after a lost answer would fail the pass; the emulator would make a second one. Look first.
    let send = || async {
        let out = ctx
            .aws
            .ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(cidr.to_string())
            .availability_zone(availability_zone)
            .tag_specifications(tag_specification(ResourceType::Subnet, &node.tags))
            .customize()
            .config_override(Aws::ec2_config_without_retries())
            .send()
            .await
            .map_err(|e| classify("EC2.CreateSubnet", e))?;
        let id = out.subnet().and_then(|s| s.subnet_id());
        Ok(id.ok_or_else(|| AwsError::invalid("EC2.CreateSubnet", "response has no subnet id"))?.to_string())
    };
    let look = || async {
        let filters = address_filters(ctx.owner_id, &node.address);
        let out = ctx.aws.ec2.describe_subnets().set_filters(Some(filters)).send().await;
        let out = out.map_err(|e| classify("EC2.DescribeSubnets", e))?;
        Ok(out.subnets().iter().find_map(|s| s.subnet_id()).map(str::to_string))
    };
    let id = create_once(ctx.aws.max_attempts, send, look).await?;
    if *map_public_ip_on_launch {
        set_map_public_ip(ctx, &id, true).await?;
    }
    Ok(id)
}

pub async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &SubnetSpec) -> Result<(), AwsError> {
    let SubnetSpec { map_public_ip_on_launch, .. } = spec;
    if action.changes(subnet::field::MAP_PUBLIC_IP_ON_LAUNCH) {
        set_map_public_ip(ctx, id, *map_public_ip_on_launch).await?;
    }
    update_tags(ctx.aws, id, action).await
}

async fn set_map_public_ip(ctx: &Ctx<'_>, id: &str, value: bool) -> Result<(), AwsError> {
    ctx.aws
        .ec2
        .modify_subnet_attribute()
        .subnet_id(id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(value).build())
        .send()
        .await
        .map_err(|e| classify("EC2.ModifySubnetAttribute", e))?;
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>, id: &str) -> Result<(), AwsError> {
    ctx.aws.ec2.delete_subnet().subnet_id(id).send().await.map_err(|e| classify("EC2.DeleteSubnet", e))?;
    Ok(())
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `Subnet` in the registry.
pub struct SubnetKind;

impl Adapter for SubnetKind {
    type Spec = SubnetSpec;

    const READS: &'static [&'static str] = &["ec2:DescribeSubnets"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, _spec: &Self::Spec) {
        grants.ec2_create("CreateSubnet", "subnet", &["vpc"]);
        grants.ec2_change(node, &["ModifySubnetAttribute", "DeleteSubnet"], &["subnet"]);
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

impl Observe for SubnetKind {
    async fn observe(aws: &Aws, scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        observe(aws, observation_filters(scope.owner_id, scope.hints)).await
    }
}
