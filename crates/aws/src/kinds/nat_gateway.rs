//! NAT gateways: created in a public subnet with an elastic IP; both fixed at creation. AWS creates them
//! asynchronously, so create and delete wait for the final state.

use aws_sdk_ec2::types::{Filter, NatGatewayState, ResourceType};
use reconciler_plan::{Action, Node, NodeSpec, ObservedNode, Ref};

use crate::Aws;
use crate::apply::Ctx;
use crate::create_once::create_once;
use crate::ec2::{address_filters, observation_filters, tag_specification, tags_from, update_tags};
use crate::error::{AwsError, classify};
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::Grants;
use crate::wait::{self, Progress};
use reconciler_plan::NatGatewaySpec;

/// Deleted and failed gateways linger in DescribeNatGateways for an hour; they are gone for our purposes.
fn live_states() -> Filter {
    Filter::builder().name("state").values("pending").values("available").build()
}

/// The live NAT gateways that `filters` select (see `ec2::observation_filters`).
pub async fn observe(aws: &Aws, mut filters: Vec<Filter>) -> Result<Vec<ObservedNode>, AwsError> {
    filters.push(live_states());
    let out = aws
        .ec2
        .describe_nat_gateways()
        .set_filter(Some(filters))
        .send()
        .await
        .map_err(|e| classify("EC2.DescribeNatGateways", e))?;
    Ok(out
        .nat_gateways()
        .iter()
        .filter_map(|g| {
            Some(ObservedNode {
                id: g.nat_gateway_id()?.to_string(),
                spec: NodeSpec::NatGateway(NatGatewaySpec {
                    subnet: Ref::Aws(g.subnet_id()?.to_string()),
                    allocation: Ref::Aws(g.nat_gateway_addresses().iter().find_map(|a| a.allocation_id())?.to_string()),
                }),
                tags: tags_from(Some(g.tags())),
            })
        })
        .collect())
}

pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &NatGatewaySpec) -> Result<String, AwsError> {
    let NatGatewaySpec { subnet, allocation } = spec;
    let (subnet, allocation) = (ctx.id_of(subnet)?, ctx.id_of(allocation)?);
    // One token for every attempt: AWS answers a resend with the gateway the first attempt made. The
    // emulator ignores the token, so a lost answer is also looked for by our tags before a resend.
    let token = ctx.idempotency_token();
    let send = || async {
        let out = ctx
            .aws
            .ec2
            .create_nat_gateway()
            .subnet_id(&subnet)
            .allocation_id(&allocation)
            .client_token(&token)
            .tag_specifications(tag_specification(ResourceType::Natgateway, &node.tags))
            .customize()
            .config_override(Aws::ec2_config_without_retries())
            .send()
            .await
            .map_err(|e| classify("EC2.CreateNatGateway", e))?;
        let id = out.nat_gateway().and_then(|g| g.nat_gateway_id());
        Ok(id.ok_or_else(|| AwsError::invalid("EC2.CreateNatGateway", "response has no gateway id"))?.to_string())
    };
    let look = || async {
        let mut filters = address_filters(ctx.owner_id, &node.address);
        filters.push(live_states());
        let out = ctx.aws.ec2.describe_nat_gateways().set_filter(Some(filters)).send().await;
        let out = out.map_err(|e| classify("EC2.DescribeNatGateways", e))?;
        Ok(out.nat_gateways().iter().find_map(|g| g.nat_gateway_id()).map(str::to_string))
    };
    let id = create_once(ctx.aws.max_attempts, send, look).await?;
    wait_for(ctx, &id, NatGatewayState::Available).await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx<'_>, id: &str, action: &Action) -> Result<(), AwsError> {
    update_tags(ctx.aws, id, action).await
}

pub async fn delete(ctx: &Ctx<'_>, id: &str) -> Result<(), AwsError> {
    ctx.aws
        .ec2
        .delete_nat_gateway()
        .nat_gateway_id(id)
        .send()
        .await
        .map_err(|e| classify("EC2.DeleteNatGateway", e))?;
    // Its elastic IP stays associated until the gateway is fully deleted.
    wait_for(ctx, id, NatGatewayState::Deleted).await
}

async fn wait_for(ctx: &Ctx<'_>, id: &str, wanted: NatGatewayState) -> Result<(), AwsError> {
    let what = format!("EC2.NatGateway {id} {}", wanted.as_str());
    wait::until(&what, ctx.wait_timeout, || async {
        let out = ctx
            .aws
            .ec2
            .describe_nat_gateways()
            .nat_gateway_ids(id)
            .send()
            .await
            .map_err(|e| classify("EC2.DescribeNatGateways", e))?;
        let gateway = out.nat_gateways().first();
        let state = gateway.and_then(|g| g.state()).cloned();
        match state {
            Some(state) if state == wanted => Ok(Progress::Done(())),
            None if wanted == NatGatewayState::Deleted => Ok(Progress::Done(())),
            Some(NatGatewayState::Failed) => Err(AwsError::invalid(
                "EC2.CreateNatGateway",
                format!(
                    "NAT gateway {id} failed: {}",
                    gateway.and_then(|g| g.failure_message()).unwrap_or("no reason given")
                ),
            )),
            Some(state) => Ok(Progress::Pending(state.as_str().to_string())),
            None => Ok(Progress::Pending("not visible yet".to_string())),
        }
    })
    .await
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `NatGateway` in the registry.
pub struct NatGatewayKind;

impl Adapter for NatGatewayKind {
    type Spec = NatGatewaySpec;

    const READS: &'static [&'static str] = &["ec2:DescribeNatGateways"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, _spec: &Self::Spec) {
        grants.ec2_create("CreateNatGateway", "natgateway", &["subnet", "elastic-ip"]);
        grants.ec2_change(node, &["DeleteNatGateway"], &["natgateway"]);
    }

    async fn create(ctx: &Ctx<'_>, node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        create(ctx, node, spec).await
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

impl Observe for NatGatewayKind {
    async fn observe(aws: &Aws, scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        observe(aws, observation_filters(scope.owner_id, scope.hints)).await
    }
}
