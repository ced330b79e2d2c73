//! ECS clusters: name (fixed), Container Insights, tags.

use aws_sdk_ecs::types::{ClusterField, ClusterSetting, ClusterSettingName};
use reconciler_plan::kinds::cluster;
use reconciler_plan::{Action, Node, NodeSpec, ObservedNode};

use crate::apply::Ctx;
use crate::ecs::ecs_resource;
use crate::error::{AwsError, classify};
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::{Condition, Grants, arn, service_linked_role};
use crate::{Aws, ecs};
use reconciler_plan::ClusterSpec;

/// DescribeClusters takes at most 100 clusters per call.
const DESCRIBE_BATCH: usize = 100;

/// Every active cluster in the account with its tags and settings: ours, and others whose name may clash
/// with a declaration. ListClusters plus one DescribeClusters per 100 clusters.
pub async fn observe(aws: &Aws) -> Result<Vec<ObservedNode>, AwsError> {
    let mut arns = Vec::new();
    let mut pages = aws.ecs.list_clusters().max_results(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("ECS.ListClusters", e))?;
        arns.extend(page.cluster_arns().iter().cloned());
    }
    let mut nodes = Vec::new();
    for batch in arns.chunks(DESCRIBE_BATCH) {
        let out = aws
            .ecs
            .describe_clusters()
            .set_clusters(Some(batch.to_vec()))
            .include(ClusterField::Tags)
            .include(ClusterField::Settings)
            .send()
            .await
            .map_err(|e| classify("ECS.DescribeClusters", e))?;
        for cluster in out.clusters() {
            // Deleted clusters stay listed as INACTIVE for a while; they no longer exist for our purposes.
            if cluster.status() != Some("ACTIVE") {
                continue;
            }
            let (Some(arn), Some(name)) = (cluster.cluster_arn(), cluster.cluster_name()) else { continue };
            let container_insights = cluster
                .settings()
                .iter()
                .find(|s| s.name() == Some(&ClusterSettingName::ContainerInsights))
                .and_then(|s| s.value())
                // "enhanced" is a superset of "enabled": both mean Container Insights is on.
                .is_some_and(|v| v == "enabled" || v == "enhanced");
            nodes.push(ObservedNode {
                id: arn.to_string(),
                spec: NodeSpec::Cluster(ClusterSpec { cluster_name: name.to_string(), container_insights }),
                tags: cluster
                    .tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
                    .collect(),
            });
        }
    }
    Ok(nodes)
}

fn insights(enabled: bool) -> ClusterSetting {
    ClusterSetting::builder()
        .name(ClusterSettingName::ContainerInsights)
        .value(if enabled { "enabled" } else { "disabled" })
        .build()
}

pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &ClusterSpec) -> Result<String, AwsError> {
    let ClusterSpec { cluster_name, container_insights } = spec;
    let out = ctx
        .aws
        .ecs
        .create_cluster()
        .cluster_name(cluster_name)
        .settings(insights(*container_insights))
        .set_tags(Some(ecs::to_tags(&node.tags)))
        .send()
        .await
        .map_err(|e| classify("ECS.CreateCluster", e))?;
    Ok(out
        .cluster()
        .and_then(|c| c.cluster_arn())
        .ok_or_else(|| AwsError::invalid("ECS.CreateCluster", "response has no cluster ARN"))?
        .to_string())
}

pub async fn update(ctx: &Ctx<'_>, arn: &str, action: &Action, spec: &ClusterSpec) -> Result<(), AwsError> {
    let ClusterSpec { container_insights, .. } = spec;
    if action.changes(cluster::field::CONTAINER_INSIGHTS) {
        // UpdateCluster with settings rather than UpdateClusterSettings: same effect on AWS, and the
        // emulator only implements this one.
        ctx.aws
            .ecs
            .update_cluster()
            .cluster(arn)
            .settings(insights(*container_insights))
            .send()
            .await
            .map_err(|e| classify("ECS.UpdateCluster", e))?;
    }
    ecs::write_changed_tags(ctx, arn, action).await
}

pub async fn delete(ctx: &Ctx<'_>, arn: &str) -> Result<(), AwsError> {
    ctx.aws.ecs.delete_cluster().cluster(arn).send().await.map_err(|e| classify("ECS.DeleteCluster", e))?;
    Ok(())
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `Cluster` in the registry.
pub struct ClusterKind;

impl Adapter for ClusterKind {
    type Spec = ClusterSpec;

    const READS: &'static [&'static str] = &["ecs:ListClusters", "ecs:DescribeClusters"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, spec: &Self::Spec) {
        let cluster = arn("ecs", &format!("cluster/{}", spec.cluster_name));
        ecs_resource(grants, node, "CreateCluster", &cluster);
        grants.allow(&["ecs:UpdateCluster", "ecs:DeleteCluster"], &cluster, Condition::Ours);
        // The first cluster of an account makes ECS's service-linked role, with the caller's permissions.
        let service = "ecs.amazonaws.com";
        grants.allow(
            &["iam:CreateServiceLinkedRole"],
            &service_linked_role(service),
            Condition::ServiceLinked(service),
        );
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
        release::ecs(ctx, &found.id, keys).await
    }
}

impl Observe for ClusterKind {
    async fn observe(aws: &Aws, _scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        observe(aws).await
    }
}
