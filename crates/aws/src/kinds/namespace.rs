//! Cloud Map private DNS namespaces. Everything but the description and tags is fixed at creation; creation,
//! deletion and a description change are asynchronous operations that we wait for.
//!
//! Cloud Map does not report which VPC a private namespace serves (only Route 53 knows, through the hosted
//! zone), so the VPC is set at creation and not compared afterwards.

use std::collections::BTreeMap;

use aws_sdk_servicediscovery::types::{
    NamespaceType, OperationStatus, OperationTargetType, PrivateDnsNamespaceChange, Tag,
};
use reconciler_plan::{Action, Node, NodeSpec, ObservedNode, Ref};

use crate::Aws;
use crate::apply::Ctx;
use crate::error::{AwsError, classify};
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::{Condition, Grants, arn};
use crate::wait::{self, Progress};
use reconciler_plan::NamespaceSpec;
use reconciler_plan::kinds::namespace::field;

/// Every private DNS namespace, with its tags. ListNamespaces has no tag filter and returns no tags, so
/// this is one ListNamespaces plus one ListTagsForResource per private DNS namespace in the account.
pub async fn observe(aws: &Aws) -> Result<Vec<ObservedNode>, AwsError> {
    let mut nodes = Vec::new();
    let mut pages = aws.servicediscovery.list_namespaces().max_results(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("ServiceDiscovery.ListNamespaces", e))?;
        for namespace in page.namespaces() {
            // The emulator ignores ListNamespaces filters, so the type is checked here.
            if namespace.r#type() != Some(&NamespaceType::DnsPrivate) {
                continue;
            }
            let (Some(arn), Some(name)) = (namespace.arn(), namespace.name()) else { continue };
            let tags = aws
                .servicediscovery
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(|e| classify("ServiceDiscovery.ListTagsForResource", e))?;
            nodes.push(ObservedNode {
                id: arn.to_string(),
                spec: NodeSpec::Namespace(NamespaceSpec {
                    dns_name: name.to_string(),
                    vpc: Ref::Aws("(not reported by Cloud Map)".to_string()),
                    description: namespace.description().filter(|d| !d.is_empty()).map(str::to_string),
                }),
                tags: tags.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect(),
            });
        }
    }
    Ok(nodes)
}

/// The namespace id (`ns-...`) at the end of its ARN: the id the API's other calls take.
pub(crate) fn namespace_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn to_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect()
}

pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &NamespaceSpec) -> Result<String, AwsError> {
    let NamespaceSpec { dns_name, vpc, description } = spec;
    let sd = &ctx.aws.servicediscovery;
    let out = sd
        .create_private_dns_namespace()
        .name(dns_name)
        .vpc(ctx.id_of(vpc)?)
        .set_description(description.clone())
        // A retried request with the same id does not create a second namespace.
        .creator_request_id(ctx.idempotency_token())
        .set_tags(Some(to_tags(&node.tags)))
        .send()
        .await
        .map_err(|e| classify("ServiceDiscovery.CreatePrivateDnsNamespace", e))?;
    let operation = out.operation_id().unwrap_or_default().to_string();
    let id = wait_for_operation(ctx, &operation).await?;
    let namespace =
        sd.get_namespace().id(&id).send().await.map_err(|e| classify("ServiceDiscovery.GetNamespace", e))?;
    Ok(namespace.namespace().and_then(|n| n.arn()).unwrap_or(&id).to_string())
}

pub async fn update(ctx: &Ctx<'_>, arn: &str, action: &Action, spec: &NamespaceSpec) -> Result<(), AwsError> {
    if action.changes(field::DESCRIPTION) {
        update_description(ctx, arn, spec.description.as_deref()).await?;
    }
    if action.changes_tags() {
        let changed = action.changed_tags();
        ctx.aws
            .servicediscovery
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(to_tags(&changed)))
            .send()
            .await
            .map_err(|e| classify("ServiceDiscovery.TagResource", e))?;
    }
    Ok(())
}

/// Sets the description (`None`: none, which Cloud Map takes as an empty one) and waits for the operation.
async fn update_description(ctx: &Ctx<'_>, arn: &str, description: Option<&str>) -> Result<(), AwsError> {
    let change = PrivateDnsNamespaceChange::builder().description(description.unwrap_or_default()).build();
    let out = ctx
        .aws
        .servicediscovery
        .update_private_dns_namespace()
        .id(namespace_id(arn))
        .namespace(change)
        // A retried request with the same id is the same update.
        .updater_request_id(ctx.idempotency_token())
        .send()
        .await
        .map_err(|e| classify("ServiceDiscovery.UpdatePrivateDnsNamespace", e))?;
    wait_for_operation(ctx, out.operation_id().unwrap_or_default()).await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>, arn: &str) -> Result<(), AwsError> {
    let out = ctx
        .aws
        .servicediscovery
        .delete_namespace()
        .id(namespace_id(arn))
        .send()
        .await
        .map_err(|e| classify("ServiceDiscovery.DeleteNamespace", e))?;
    wait_for_operation(ctx, out.operation_id().unwrap_or_default()).await?;
    Ok(())
}

/// Waits for a Cloud Map operation; returns the namespace id it acted on.
pub(crate) async fn wait_for_operation(ctx: &Ctx<'_>, operation: &str) -> Result<String, AwsError> {
    let what = format!("ServiceDiscovery operation {operation}");
    wait::until(&what, ctx.wait_timeout, || async {
        let out = ctx
            .aws
            .servicediscovery
            .get_operation()
            .operation_id(operation)
            .send()
            .await
            .map_err(|e| classify("ServiceDiscovery.GetOperation", e))?;
        let Some(op) = out.operation() else { return Ok(Progress::Pending("unknown".to_string())) };
        match op.status() {
            Some(OperationStatus::Success) => Ok(Progress::Done(
                op.targets().and_then(|t| t.get(&OperationTargetType::Namespace)).cloned().unwrap_or_default(),
            )),
            Some(OperationStatus::Fail) => Err(AwsError::invalid(
                "ServiceDiscovery.GetOperation",
                format!(
                    "operation {operation} failed: {} {}",
                    op.error_code().unwrap_or_default(),
                    op.error_message().unwrap_or_default()
                ),
            )),
            other => Ok(Progress::Pending(other.map_or("submitted", |s| s.as_str()).to_string())),
        }
    })
    .await
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `Namespace` in the registry.
pub struct NamespaceKind;

impl Adapter for NamespaceKind {
    type Spec = NamespaceSpec;

    const READS: &'static [&'static str] = &[
        "servicediscovery:ListNamespaces",
        "servicediscovery:GetNamespace",
        "servicediscovery:GetOperation",
        "servicediscovery:ListTagsForResource",
        // CreatePrivateDnsNamespace makes a Route 53 private hosted zone with the caller's permissions.
        "route53:GetHostedZone",
        "route53:ListHostedZonesByName",
        "ec2:DescribeRegions",
    ];

    fn permissions(grants: &mut Grants<'_>, node: &Node, _spec: &Self::Spec) {
        // Cloud Map ids are not known before the namespace exists: limited by tags, not by ARN.
        grants.allow(&["servicediscovery:CreatePrivateDnsNamespace"], "*", Condition::TaggedAsOurs);
        grants.allow(&["route53:CreateHostedZone"], "*", Condition::Always);
        let namespaces = arn("servicediscovery", "namespace/*");
        let change = ["servicediscovery:UpdatePrivateDnsNamespace", "servicediscovery:DeleteNamespace"];
        grants.allow(&change, &namespaces, Condition::Ours);
        grants.tags(node, "servicediscovery:TagResource", "servicediscovery:UntagResource", &namespaces);
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
        release::cloud_map(ctx, &found.id, keys).await
    }
}

impl Observe for NamespaceKind {
    async fn observe(aws: &Aws, _scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        observe(aws).await
    }
}
