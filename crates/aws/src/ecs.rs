//! What every ECS kind (cluster, service, task definition) shares: writing tags.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::Tag;
use reconciler_plan::{Action, Node};

use crate::apply::Ctx;
use crate::error::{AwsError, classify};
use crate::permissions::{Condition, Grants};

pub fn to_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// Writes the declared tags whose live value differs onto the ECS resource `arn`; nothing when none does.
/// Only declared keys are ever written, so no key needs removing (tags others add stay).
pub async fn write_changed_tags(ctx: &Ctx<'_>, arn: &str, action: &Action) -> Result<(), AwsError> {
    if !action.changes_tags() {
        return Ok(());
    }
    ctx.aws
        .ecs
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(to_tags(&action.changed_tags())))
        .send()
        .await
        .map_err(|e| classify("ECS.TagResource", e))?;
    Ok(())
}

/// The permissions of an ECS resource of ours at `resource` (an ARN) made by `create`: the create itself on a
/// request tagged as ours, with the tags it carries (ECS authorizes them as `ecs:TagResource` with
/// `ecs:CreateAction`), and the tag calls later passes make.
pub fn ecs_resource(grants: &mut Grants<'_>, node: &Node, create: &'static str, resource: &str) {
    grants.allow(&[&format!("ecs:{create}")], resource, Condition::TaggedAsOurs);
    grants.allow(&["ecs:TagResource"], resource, Condition::TagOnCreate { key: "ecs:CreateAction", action: create });
    grants.tags(node, "ecs:TagResource", "ecs:UntagResource", resource);
}
