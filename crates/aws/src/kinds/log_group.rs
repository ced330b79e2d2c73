//! CloudWatch Logs log groups: name (fixed), retention, tags.
//!
//! DescribeLogGroups has no tag filter and returns no tags: observing costs one DescribeLogGroups per 50
//! groups plus one ListTagsForResource per group, made concurrently. (The Resource Groups Tagging API would
//! find ours in one call on AWS, but the emulator does not index log groups there.)

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt, TryStreamExt};
use reconciler_plan::kinds::log_group;
use reconciler_plan::{Action, Node, NodeSpec, ObservedNode};

use crate::Aws;
use crate::apply::Ctx;
use crate::error::{AwsError, classify};
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::{Condition, Grants, arn};
use reconciler_plan::LogGroupSpec;

/// Tag lookups in flight at once.
const TAG_LOOKUPS: usize = 8;

/// Every log group in the account with its retention and tags. The id is the group's ARN without the
/// trailing `:*` (the form the tagging calls take).
pub async fn observe(aws: &Aws) -> Result<Vec<ObservedNode>, AwsError> {
    let mut groups = Vec::new();
    let mut pages = aws.logs.describe_log_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("CloudWatchLogs.DescribeLogGroups", e))?;
        for group in page.log_groups() {
            let Some(name) = group.log_group_name() else { continue };
            let arn = group
                .log_group_arn()
                .map(str::to_string)
                .or_else(|| group.arn().map(|a| a.trim_end_matches(":*").to_string()))
                .unwrap_or_default();
            groups.push((arn, name.to_string(), group.retention_in_days().and_then(|d| u32::try_from(d).ok())));
        }
    }
    stream::iter(groups)
        .map(|(arn, name, retention_days)| async move {
            let tags = aws
                .logs
                .list_tags_for_resource()
                .resource_arn(&arn)
                .send()
                .await
                .map_err(|e| classify("CloudWatchLogs.ListTagsForResource", e))?;
            Ok(ObservedNode {
                id: arn,
                spec: NodeSpec::LogGroup(LogGroupSpec { group_name: name, retention_days }),
                tags: tags.tags().map(|t| t.clone().into_iter().collect()).unwrap_or_default(),
            })
        })
        .buffer_unordered(TAG_LOOKUPS)
        .try_collect()
        .await
}

fn to_tags(tags: &BTreeMap<String, String>) -> std::collections::HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &LogGroupSpec) -> Result<String, AwsError> {
    let LogGroupSpec { group_name, retention_days } = spec;
    let logs = &ctx.aws.logs;
    logs.create_log_group()
        .log_group_name(group_name)
        .set_tags(Some(to_tags(&node.tags)))
        .send()
        .await
        .map_err(|e| classify("CloudWatchLogs.CreateLogGroup", e))?;
    if let Some(days) = retention_days {
        set_retention(ctx, group_name, *days).await?;
    }
    // CreateLogGroup returns nothing: the ARN is read back.
    let out = logs
        .describe_log_groups()
        .log_group_name_prefix(group_name)
        .send()
        .await
        .map_err(|e| classify("CloudWatchLogs.DescribeLogGroups", e))?;
    let group = out.log_groups().iter().find(|g| g.log_group_name() == Some(group_name.as_str()));
    Ok(group
        .and_then(|g| {
            g.log_group_arn().map(str::to_string).or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_string()))
        })
        .unwrap_or_else(|| group_name.clone()))
}

async fn set_retention(ctx: &Ctx<'_>, group_name: &str, days: u32) -> Result<(), AwsError> {
    ctx.aws
        .logs
        .put_retention_policy()
        .log_group_name(group_name)
        .retention_in_days(i32::try_from(days).unwrap_or(i32::MAX))
        .send()
        .await
        .map_err(|e| classify("CloudWatchLogs.PutRetentionPolicy", e))?;
    Ok(())
}

pub async fn update(ctx: &Ctx<'_>, arn: &str, action: &Action, spec: &LogGroupSpec) -> Result<(), AwsError> {
    let LogGroupSpec { group_name, retention_days } = spec;
    if action.changes(log_group::field::RETENTION_DAYS) {
        match retention_days {
            Some(days) => set_retention(ctx, group_name, *days).await?,
            None => {
                ctx.aws
                    .logs
                    .delete_retention_policy()
                    .log_group_name(group_name)
                    .send()
                    .await
                    .map_err(|e| classify("CloudWatchLogs.DeleteRetentionPolicy", e))?;
            }
        }
    }
    if action.changes_tags() {
        ctx.aws
            .logs
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(to_tags(&action.changed_tags())))
            .send()
            .await
            .map_err(|e| classify("CloudWatchLogs.TagResource", e))?;
    }
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>, _observed: &ObservedNode, spec: &LogGroupSpec) -> Result<(), AwsError> {
    let LogGroupSpec { group_name, .. } = spec;
    ctx.aws
        .logs
        .delete_log_group()
        .log_group_name(group_name)
        .send()
        .await
        .map_err(|e| classify("CloudWatchLogs.DeleteLogGroup", e))?;
    Ok(())
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `LogGroup` in the registry.
pub struct LogGroupKind;

impl Adapter for LogGroupKind {
    type Spec = LogGroupSpec;

    const READS: &'static [&'static str] = &["logs:DescribeLogGroups", "logs:ListTagsForResource"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, spec: &Self::Spec) {
        // Some Logs actions name the group's ARN with a `:*` suffix (its streams), some without.
        for group in [
            arn("logs", &format!("log-group:{}", spec.group_name)),
            arn("logs", &format!("log-group:{}:*", spec.group_name)),
        ] {
            grants.allow(&["logs:CreateLogGroup", "logs:TagResource"], &group, Condition::TaggedAsOurs);
            let change = ["logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:DeleteLogGroup"];
            grants.allow(&change, &group, Condition::Ours);
            grants.tags(node, "logs:TagResource", "logs:UntagResource", &group);
            // `reconciler logs` with the same credentials: the declared groups' events only.
            grants.allow(&["logs:FilterLogEvents"], &group, Condition::Always);
        }
    }

    async fn create(ctx: &Ctx<'_>, node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        create(ctx, node, spec).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &Self::Spec) -> Result<(), AwsError> {
        update(ctx, id, action, spec).await
    }

    async fn delete(ctx: &Ctx<'_>, found: &ObservedNode, spec: &Self::Spec) -> Result<(), AwsError> {
        delete(ctx, found, spec).await
    }

    async fn release(
        ctx: &Ctx<'_>,
        found: &ObservedNode,
        spec: &Self::Spec,
        keys: Vec<String>,
    ) -> Result<(), AwsError> {
        let _ = spec;
        release::logs(ctx, &found.id, keys).await
    }
}

impl Observe for LogGroupKind {
    async fn observe(aws: &Aws, _scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        observe(aws).await
    }
}
