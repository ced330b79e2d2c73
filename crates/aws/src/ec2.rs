//! What every EC2 kind shares: finding ours by tag, and writing tags.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use reconciler_plan::ownership::{MANAGED_BY_KEY, MANAGED_BY_VALUE, OWNER_KEY, RESOURCE_KEY};
use reconciler_plan::{Action, Address, ObservationHints};

use crate::Aws;
use crate::error::{AwsError, classify};

/// The filters that select resources managed by this reconciler instance. EC2 applies them server-side, so
/// one Describe call per kind returns exactly ours.
pub fn owner_filters(owner_id: &str) -> Vec<Filter> {
    vec![
        Filter::builder().name(format!("tag:{MANAGED_BY_KEY}")).values(MANAGED_BY_VALUE).build(),
        Filter::builder().name(format!("tag:{OWNER_KEY}")).values(owner_id).build(),
    ]
}

/// The filters of an EC2 kind's read in a pass: ours, by tag. While unowned VPCs are read too (a VPC declared
/// with `adopt = true`, or `reconciler export`), none: every resource of the kind is read (one call either way),
/// and the planner tells ours from the candidates to adopt, and those from the rest.
pub fn observation_filters(owner_id: &str, hints: &ObservationHints) -> Vec<Filter> {
    if hints.adopting.vpcs() { vec![] } else { owner_filters(owner_id) }
}

/// The filters that select our resource at `address` (normally one).
pub fn address_filters(owner_id: &str, address: &Address) -> Vec<Filter> {
    let mut filters = owner_filters(owner_id);
    filters.push(Filter::builder().name(format!("tag:{RESOURCE_KEY}")).values(address.to_string()).build());
    filters
}

pub fn tags_from(tags: Option<&[Tag]>) -> BTreeMap<String, String> {
    tags.unwrap_or_default()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .collect()
}

fn to_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// Tags applied in the create call itself, so a resource is never untagged (and so never unowned) even for
/// an instant.
pub fn tag_specification(resource_type: ResourceType, tags: &BTreeMap<String, String>) -> TagSpecification {
    TagSpecification::builder().resource_type(resource_type).set_tags(Some(to_tags(tags))).build()
}

/// Writes the declared tags that differ. Tags others added are left alone.
pub async fn update_tags(aws: &Aws, id: &str, action: &Action) -> Result<(), AwsError> {
    if !action.changes_tags() {
        return Ok(());
    }
    let changed = action.changed_tags();
    aws.ec2
        .create_tags()
        .resources(id)
        .set_tags(Some(to_tags(&changed)))
        .send()
        .await
        .map_err(|e| classify("EC2.CreateTags", e))?;
    Ok(())
}
