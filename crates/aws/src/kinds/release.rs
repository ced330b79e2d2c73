//! Releasing a resource (`deletion_policy = "retain"`): it stays in AWS, and our tags are removed so that it
//! is no longer ours. One untag call per resource, in each service's own way; each kind's adapter picks its
//! service's.

use crate::apply::Ctx;
use crate::error::{AwsError, classify};

pub async fn ec2(ctx: &Ctx<'_>, id: &str, keys: Vec<String>) -> Result<(), AwsError> {
    let tags = keys.iter().map(|k| aws_sdk_ec2::types::Tag::builder().key(k).build()).collect();
    ctx.aws
        .ec2
        .delete_tags()
        .resources(id)
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| classify("EC2.DeleteTags", e))?;
    Ok(())
}

pub async fn ecs(ctx: &Ctx<'_>, arn: &str, keys: Vec<String>) -> Result<(), AwsError> {
    ctx.aws
        .ecs
        .untag_resource()
        .resource_arn(arn)
        .set_tag_keys(Some(keys))
        .send()
        .await
        .map_err(|e| classify("ECS.UntagResource", e))?;
    Ok(())
}

pub async fn cloud_map(ctx: &Ctx<'_>, arn: &str, keys: Vec<String>) -> Result<(), AwsError> {
    ctx.aws
        .servicediscovery
        .untag_resource()
        .resource_arn(arn)
        .set_tag_keys(Some(keys))
        .send()
        .await
        .map_err(|e| classify("ServiceDiscovery.UntagResource", e))?;
    Ok(())
}

pub async fn iam_role(ctx: &Ctx<'_>, role_name: &str, keys: Vec<String>) -> Result<(), AwsError> {
    ctx.aws
        .iam
        .untag_role()
        .role_name(role_name)
        .set_tag_keys(Some(keys))
        .send()
        .await
        .map_err(|e| classify("IAM.UntagRole", e))?;
    Ok(())
}

pub async fn iam_instance_profile(ctx: &Ctx<'_>, name: &str, keys: Vec<String>) -> Result<(), AwsError> {
    ctx.aws
        .iam
        .untag_instance_profile()
        .instance_profile_name(name)
        .set_tag_keys(Some(keys))
        .send()
        .await
        .map_err(|e| classify("IAM.UntagInstanceProfile", e))?;
    Ok(())
}

pub async fn logs(ctx: &Ctx<'_>, arn: &str, keys: Vec<String>) -> Result<(), AwsError> {
    ctx.aws
        .logs
        .untag_resource()
        .resource_arn(arn)
        .set_tag_keys(Some(keys))
        .send()
        .await
        .map_err(|e| classify("CloudWatchLogs.UntagResource", e))?;
    Ok(())
}

pub async fn elb(ctx: &Ctx<'_>, arn: &str, keys: Vec<String>) -> Result<(), AwsError> {
    ctx.aws
        .elb
        .remove_tags()
        .resource_arns(arn)
        .set_tag_keys(Some(keys))
        .send()
        .await
        .map_err(|e| classify("ELBv2.RemoveTags", e))?;
    Ok(())
}
