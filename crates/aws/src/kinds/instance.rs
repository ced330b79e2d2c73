//! EC2 instances (the workshop's load-test host). Type, image, subnet, instance profile and user data are
//! fixed (a change means a new instance, shown as a replacement); security groups and tags change in place.
//!
//! Observed with one tag-filtered DescribeInstances plus one DescribeInstanceAttribute (user data) per
//! instance of ours.

use aws_sdk_ec2::types::{
    Filter, IamInstanceProfileSpecification, InstanceAttributeName, InstanceStateName, ResourceType,
};
use aws_smithy_types::base64;
use reconciler_plan::kinds::instance;
use reconciler_plan::{Action, InstanceSpec, Node, NodeSpec, ObservedNode, Ref};

use crate::Aws;
use crate::apply::Ctx;
use crate::create_once::create_once;
use crate::ec2::{address_filters, owner_filters, tag_specification, tags_from, update_tags};
use crate::error::{AwsError, ErrorKind, classify};
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::{Condition, Grants, ec2_arn};
use crate::wait::{self, Progress};

/// The image an instance declared without one gets: the newest Amazon Linux 2 (x86_64, gp2) that Amazon
/// publishes. Resolved at creation only.
const AMAZON_LINUX_2: &str = "amzn2-ami-hvm-*-x86_64-gp2";

/// Terminated instances stay listed for an hour; shutting-down ones are on their way out.
fn live_states() -> Filter {
    let states = ["pending", "running", "stopping", "stopped"];
    Filter::builder().name("instance-state-name").set_values(Some(states.map(str::to_string).to_vec())).build()
}

pub async fn observe(aws: &Aws, owner_id: &str) -> Result<Vec<ObservedNode>, AwsError> {
    let mut filters = owner_filters(owner_id);
    filters.push(live_states());
    let out = aws
        .ec2
        .describe_instances()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| classify("EC2.DescribeInstances", e))?;
    let mut nodes = Vec::new();
    for instance in out.reservations().iter().flat_map(|r| r.instances()) {
        let Some(id) = instance.instance_id() else { continue };
        let user_data = aws
            .ec2
            .describe_instance_attribute()
            .instance_id(id)
            .attribute(InstanceAttributeName::UserData)
            .send()
            .await
            .map_err(|e| classify("EC2.DescribeInstanceAttribute", e))?
            .user_data()
            .and_then(|u| u.value())
            .and_then(|v| base64::decode(v).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .filter(|text| !text.is_empty());
        nodes.push(ObservedNode {
            id: id.to_string(),
            spec: NodeSpec::Instance(Box::new(InstanceSpec {
                instance_type: instance.instance_type().map(|t| t.as_str().to_string()).unwrap_or_default(),
                image: instance.image_id().map(str::to_string),
                subnet: Ref::Aws(instance.subnet_id().unwrap_or_default().to_string()),
                security_groups: instance
                    .security_groups()
                    .iter()
                    .filter_map(|g| g.group_id().map(|id| Ref::Aws(id.to_string())))
                    .collect(),
                instance_profile: instance
                    .iam_instance_profile()
                    .and_then(|p| p.arn())
                    .map(|arn| Ref::Aws(arn.to_string())),
                user_data,
            })),
            tags: tags_from(Some(instance.tags())),
        });
    }
    Ok(nodes)
}

/// The newest Amazon Linux 2 image.
async fn latest_amazon_linux(aws: &Aws) -> Result<String, AwsError> {
    let out = aws
        .ec2
        .describe_images()
        .owners("amazon")
        .filters(Filter::builder().name("name").values(AMAZON_LINUX_2).build())
        .filters(Filter::builder().name("state").values("available").build())
        .send()
        .await
        .map_err(|e| classify("EC2.DescribeImages", e))?;
    out.images()
        .iter()
        // Names carry the release date, so they break ties between equal creation dates.
        .max_by_key(|i| (i.creation_date().unwrap_or_default().to_string(), i.name().unwrap_or_default().to_string()))
        .and_then(|i| i.image_id())
        .map(str::to_string)
        .ok_or_else(|| {
            AwsError::invalid("EC2.DescribeImages", format!("no Amazon Linux 2 image ({AMAZON_LINUX_2}) found"))
        })
}

pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &InstanceSpec) -> Result<String, AwsError> {
    let image = match &spec.image {
        Some(image) => image.clone(),
        None => latest_amazon_linux(ctx.aws).await?,
    };
    let groups: Vec<String> = spec.security_groups.iter().map(|g| ctx.id_of(g)).collect::<Result<_, _>>()?;
    let profile = match &spec.instance_profile {
        Some(profile) => Some(IamInstanceProfileSpecification::builder().arn(ctx.id_of(profile)?).build()),
        None => None,
    };
    let subnet = ctx.id_of(&spec.subnet)?;
    let token = ctx.idempotency_token();
    let send = || async {
        let out = ctx
            .aws
            .ec2
            .run_instances()
            .image_id(&image)
            .instance_type(spec.instance_type.as_str().into())
            .min_count(1)
            .max_count(1)
            .subnet_id(&subnet)
            .set_security_group_ids(Some(groups.clone()))
            .set_iam_instance_profile(profile.clone())
            .set_user_data(spec.user_data.as_ref().map(|u| base64::encode(u.as_bytes())))
            // One token for every attempt: AWS answers a resend with the instance the first attempt
            // launched. The emulator ignores it, so a lost answer is also looked for by our tags.
            .client_token(&token)
            .tag_specifications(tag_specification(ResourceType::Instance, &node.tags))
            .customize()
            .config_override(Aws::ec2_config_without_retries())
            .send()
            .await
            .map_err(|e| classify("EC2.RunInstances", e))?;
        let id = out.instances().first().and_then(|i| i.instance_id());
        Ok(id.ok_or_else(|| AwsError::invalid("EC2.RunInstances", "response has no instance id"))?.to_string())
    };
    let look = || async {
        let mut filters = address_filters(ctx.owner_id, &node.address);
        filters.push(live_states());
        let out = ctx.aws.ec2.describe_instances().set_filters(Some(filters)).send().await;
        let out = out.map_err(|e| classify("EC2.DescribeInstances", e))?;
        Ok(out.reservations().iter().flat_map(|r| r.instances()).find_map(|i| i.instance_id()).map(str::to_string))
    };
    // A new instance profile takes a few seconds to be usable by EC2 (IAM is eventually consistent): that
    // one error is retried until the wait timeout.
    wait::until("EC2.RunInstances (instance profile not visible yet)", ctx.wait_timeout, || async {
        match create_once(ctx.aws.max_attempts, send, look).await {
            Ok(id) => Ok(Progress::Done(id)),
            Err(err)
                if err.kind == ErrorKind::Invalid && err.message.to_ascii_lowercase().contains("instance profile") =>
            {
                Ok(Progress::Pending(err.message))
            }
            Err(err) => Err(err),
        }
    })
    .await
}

pub async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &InstanceSpec) -> Result<(), AwsError> {
    if action.refreshes_references() || action.changes(instance::field::SECURITY_GROUPS) {
        let groups: Vec<String> = spec.security_groups.iter().map(|g| ctx.id_of(g)).collect::<Result<_, _>>()?;
        ctx.aws
            .ec2
            .modify_instance_attribute()
            .instance_id(id)
            .set_groups(Some(groups))
            .send()
            .await
            .map_err(|e| classify("EC2.ModifyInstanceAttribute", e))?;
    }
    update_tags(ctx.aws, id, action).await
}

/// Terminates the instance and waits until it is gone (its network interface holds the subnet and groups).
pub async fn delete(ctx: &Ctx<'_>, id: &str) -> Result<(), AwsError> {
    ctx.aws
        .ec2
        .terminate_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(|e| classify("EC2.TerminateInstances", e))?;
    wait::until(&format!("EC2.Instance {id} terminated"), ctx.wait_timeout, || async {
        let out = ctx
            .aws
            .ec2
            .describe_instances()
            .instance_ids(id)
            .send()
            .await
            .map_err(|e| classify("EC2.DescribeInstances", e))?;
        let state = out.reservations().iter().flat_map(|r| r.instances()).find_map(|i| i.state()?.name().cloned());
        Ok(match state {
            None | Some(InstanceStateName::Terminated) => Progress::Done(()),
            Some(other) => Progress::Pending(other.as_str().to_string()),
        })
    })
    .await
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `Instance` in the registry.
pub struct InstanceKind;

impl Adapter for InstanceKind {
    type Spec = InstanceSpec;

    const READS: &'static [&'static str] =
        &["ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "ec2:DescribeImages"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, spec: &Self::Spec) {
        grants.ec2_create("RunInstances", "instance", &["subnet", "security-group"]);
        // RunInstances also authorizes the image, and the root volume and network interface it makes (which
        // carry no tags of ours: only the instance is tagged in the call).
        for made_or_used in ["image", "volume", "network-interface"] {
            grants.allow(&["ec2:RunInstances"], &ec2_arn(made_or_used), Condition::Always);
        }
        grants.ec2_change(node, &["ModifyInstanceAttribute", "TerminateInstances"], &["instance"]);
        let role = spec.instance_profile.as_ref().and_then(|p| match &grants.node(p)?.spec {
            NodeSpec::InstanceProfile(profile) => profile.role.as_ref().and_then(|r| grants.role_arn(r)),
            _ => None,
        });
        if let Some(role) = role {
            grants.allow(&["iam:PassRole"], &role, Condition::PassedTo("ec2.amazonaws.com".into()));
        }
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

impl Observe for InstanceKind {
    async fn observe(aws: &Aws, scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        observe(aws, scope.owner_id).await
    }
}
