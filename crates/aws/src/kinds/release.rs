//! Releasing a resource (`deletion_policy = "retain"`): it stays in AWS, and our tags are removed so that it
//! is no longer ours. One untag call per resource, in each service's own way.

use reconciler_plan::ownership::OUR_KEYS;
use reconciler_plan::{NodeSpec, ObservedNode};

use crate::apply::Ctx;
use crate::error::{AwsError, classify};

pub async fn release(ctx: &Ctx<'_>, observed: &ObservedNode) -> Result<(), AwsError> {
    let keys: Vec<String> = observed.tags.keys().filter(|k| OUR_KEYS.contains(&k.as_str())).cloned().collect();
    if keys.is_empty() {
        return Ok(());
    }
    let id = observed.id.as_str();
    let aws = ctx.aws;
    match &observed.spec {
        NodeSpec::Vpc { .. }
        | NodeSpec::Subnet { .. }
        | NodeSpec::InternetGateway { .. }
        | NodeSpec::ElasticIp
        | NodeSpec::NatGateway { .. }
        | NodeSpec::RouteTable { .. }
        | NodeSpec::SecurityGroup { .. }
        | NodeSpec::Instance(_) => {
            let tags = keys.iter().map(|k| aws_sdk_ec2::types::Tag::builder().key(k).build()).collect();
            aws.ec2
                .delete_tags()
                .resources(id)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| classify("EC2.DeleteTags", e))?;
        }
        NodeSpec::Cluster { .. } | NodeSpec::Service(_) | NodeSpec::TaskDefinition(_) => {
            aws.ecs
                .untag_resource()
                .resource_arn(id)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map_err(|e| classify("ECS.UntagResource", e))?;
        }
        NodeSpec::Namespace { .. } | NodeSpec::DiscoveryService { .. } => {
            aws.servicediscovery
                .untag_resource()
                .resource_arn(id)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map_err(|e| classify("ServiceDiscovery.UntagResource", e))?;
        }
        NodeSpec::Role { role_name, .. } => {
            aws.iam
                .untag_role()
                .role_name(role_name)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map_err(|e| classify("IAM.UntagRole", e))?;
        }
        NodeSpec::InstanceProfile { name, .. } => {
            aws.iam
                .untag_instance_profile()
                .instance_profile_name(name)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map_err(|e| classify("IAM.UntagInstanceProfile", e))?;
        }
        NodeSpec::LogGroup { .. } => {
            aws.logs
                .untag_resource()
                .resource_arn(id)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map_err(|e| classify("CloudWatchLogs.UntagResource", e))?;
        }
        NodeSpec::LoadBalancer { .. } | NodeSpec::TargetGroup(_) | NodeSpec::Listener { .. } => {
            aws.elb
                .remove_tags()
                .resource_arns(id)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map_err(|e| classify("ELBv2.RemoveTags", e))?;
        }
        // Owned through their service's tags: released with the service (see `autoscaling`).
        NodeSpec::ScalableTarget { .. } | NodeSpec::ScalingPolicy(_) | NodeSpec::ScheduledAction { .. } => {}
    }
    Ok(())
}
