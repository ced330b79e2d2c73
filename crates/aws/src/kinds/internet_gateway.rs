//! Internet gateways and their attachment to a VPC.

use aws_sdk_ec2::types::{Filter, ResourceType};
use reconciler_plan::{Action, Node, NodeSpec, ObservedNode, Ref};

use crate::Aws;
use crate::apply::Ctx;
use crate::create_once::create_once;
use crate::ec2::{address_filters, observation_filters, tag_specification, tags_from, update_tags};
use crate::error::{AwsError, classify};
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::Grants;
use reconciler_plan::InternetGatewaySpec;

/// The kind's resources that `filters` select (see `ec2::observation_filters`).
pub async fn observe(aws: &Aws, filters: Vec<Filter>) -> Result<Vec<ObservedNode>, AwsError> {
    let out = aws
        .ec2
        .describe_internet_gateways()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| classify("EC2.DescribeInternetGateways", e))?;
    Ok(out
        .internet_gateways()
        .iter()
        .filter_map(|g| {
            Some(ObservedNode {
                id: g.internet_gateway_id()?.to_string(),
                spec: NodeSpec::InternetGateway(InternetGatewaySpec {
                    vpc: g.attachments().iter().find_map(|a| a.vpc_id()).map(|v| Ref::Aws(v.to_string())),
                }),
                tags: tags_from(Some(g.tags())),
            })
        })
        .collect())
}

pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &InternetGatewaySpec) -> Result<String, AwsError> {
    let InternetGatewaySpec { vpc } = spec;
    let send = || async {
        let out = ctx
            .aws
            .ec2
            .create_internet_gateway()
            .tag_specifications(tag_specification(ResourceType::InternetGateway, &node.tags))
            .customize()
            .config_override(Aws::ec2_config_without_retries())
            .send()
            .await
            .map_err(|e| classify("EC2.CreateInternetGateway", e))?;
        let id = out.internet_gateway().and_then(|g| g.internet_gateway_id());
        Ok(id.ok_or_else(|| AwsError::invalid("EC2.CreateInternetGateway", "response has no gateway id"))?.to_string())
    };
    let look = || async {
        let filters = address_filters(ctx.owner_id, &node.address);
        let out = ctx.aws.ec2.describe_internet_gateways().set_filters(Some(filters)).send().await;
        let out = out.map_err(|e| classify("EC2.DescribeInternetGateways", e))?;
        Ok(out.internet_gateways().iter().find_map(|g| g.internet_gateway_id()).map(str::to_string))
    };
    let id = create_once(ctx.aws.max_attempts, send, look).await?;
    if let Some(vpc) = vpc {
        attach(ctx, &id, vpc).await?;
    }
    Ok(id)
}

async fn attach(ctx: &Ctx<'_>, id: &str, vpc: &Ref) -> Result<(), AwsError> {
    ctx.aws
        .ec2
        .attach_internet_gateway()
        .internet_gateway_id(id)
        .vpc_id(ctx.id_of(vpc)?)
        .send()
        .await
        .map_err(|e| classify("EC2.AttachInternetGateway", e))?;
    Ok(())
}

pub async fn update(ctx: &Ctx<'_>, id: &str, action: &Action) -> Result<(), AwsError> {
    update_tags(ctx.aws, id, action).await
}

pub async fn delete(ctx: &Ctx<'_>, id: &str, found: &InternetGatewaySpec) -> Result<(), AwsError> {
    if let InternetGatewaySpec { vpc: Some(vpc) } = found {
        ctx.aws
            .ec2
            .detach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(ctx.id_of(vpc)?)
            .send()
            .await
            .map_err(|e| classify("EC2.DetachInternetGateway", e))?;
    }
    ctx.aws
        .ec2
        .delete_internet_gateway()
        .internet_gateway_id(id)
        .send()
        .await
        .map_err(|e| classify("EC2.DeleteInternetGateway", e))?;
    Ok(())
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `InternetGateway` in the registry.
pub struct InternetGatewayKind;

impl Adapter for InternetGatewayKind {
    type Spec = InternetGatewaySpec;

    const READS: &'static [&'static str] = &["ec2:DescribeInternetGateways"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, _spec: &Self::Spec) {
        grants.ec2_create("CreateInternetGateway", "internet-gateway", &[]);
        let attach = ["AttachInternetGateway", "DetachInternetGateway"];
        grants.ec2_change(node, &attach, &["internet-gateway", "vpc"]);
        grants.ec2_change(node, &["DeleteInternetGateway"], &["internet-gateway"]);
    }

    async fn create(ctx: &Ctx<'_>, node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        create(ctx, node, spec).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, _spec: &Self::Spec) -> Result<(), AwsError> {
        update(ctx, id, action).await
    }

    async fn delete(ctx: &Ctx<'_>, found: &ObservedNode, spec: &Self::Spec) -> Result<(), AwsError> {
        delete(ctx, &found.id, spec).await
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

impl Observe for InternetGatewayKind {
    async fn observe(aws: &Aws, scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        observe(aws, observation_filters(scope.owner_id, scope.hints)).await
    }
}
