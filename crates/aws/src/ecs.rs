//! What every ECS kind (cluster, service, task definition) shares: writing tags.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::Tag;
use reconciler_plan::Action;

use crate::apply::Ctx;
use crate::error::{AwsError, classify};

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
