//! Cloud Map services: the DNS name (`NAME.NAMESPACE`) an ECS service's tasks register under, with A
//! records. The name and namespace are fixed; the TTL changes in place.
//!
//! ListServices returns the DNS settings with each service but no tags: one ListServices plus one
//! ListTagsForResource per Cloud Map service in the account (and a GetService where the summary does not say
//! which namespace the service is in).

use std::collections::BTreeMap;

use aws_sdk_servicediscovery::types::{
    DnsConfig, DnsConfigChange, DnsRecord, HealthCheckCustomConfig, RecordType, RoutingPolicy, ServiceChange,
    ServiceFilter, ServiceFilterName, Tag,
};
use reconciler_plan::kinds::discovery_service;
use reconciler_plan::{Action, Node, NodeSpec, ObservedNode, Ref};

use crate::Aws;
use crate::apply::Ctx;
use crate::create_once::{create_once, tagged_ours};
use crate::error::{AwsError, classify};
use crate::kinds::namespace;
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::{Condition, Grants, arn};
use reconciler_plan::DiscoveryServiceSpec;

pub async fn observe(aws: &Aws) -> Result<Vec<ObservedNode>, AwsError> {
    let sd = &aws.servicediscovery;
    let mut nodes = Vec::new();
    let mut pages = sd.list_services().max_results(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("ServiceDiscovery.ListServices", e))?;
        for service in page.services() {
            let (Some(arn), Some(name)) = (service.arn(), service.name()) else { continue };
            let dns = service.dns_config();
            #[allow(deprecated)] // The namespace id in DnsConfig is deprecated for requests, still reported.
            let reported = dns.and_then(|d| d.namespace_id()).filter(|id| !id.is_empty()).map(str::to_string);
            let namespace_id = match reported {
                Some(id) => id,
                // Not every endpoint reports it in the summary (the emulator does not): ask for the service.
                None => sd
                    .get_service()
                    .id(service.id().unwrap_or_default())
                    .send()
                    .await
                    .map_err(|e| classify("ServiceDiscovery.GetService", e))?
                    .service()
                    .and_then(|s| s.namespace_id())
                    .unwrap_or_default()
                    .to_string(),
            };
            let ttl = dns
                .and_then(|d| d.dns_records().iter().find(|r| r.r#type() == &RecordType::A))
                .map_or(0, |r| u32::try_from(r.ttl()).unwrap_or(0));
            let tags = sd
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(|e| classify("ServiceDiscovery.ListTagsForResource", e))?;
            nodes.push(ObservedNode {
                id: arn.to_string(),
                spec: NodeSpec::DiscoveryService(DiscoveryServiceSpec {
                    name: name.to_string(),
                    namespace: Ref::Aws(namespace_arn(arn, &namespace_id)),
                    ttl,
                }),
                tags: tag_map(tags.tags()),
            });
        }
    }
    Ok(nodes)
}

/// A namespace's ARN from a service ARN in the same account and region
/// (`arn:aws:servicediscovery:REGION:ACCOUNT:service/srv-x` -> `...:namespace/ns-y`): namespaces are known
/// to the planner by ARN, Cloud Map services report only the namespace's id.
fn namespace_arn(service_arn: &str, namespace_id: &str) -> String {
    match service_arn.rsplit_once(":service/") {
        Some((prefix, _)) => format!("{prefix}:namespace/{namespace_id}"),
        None => namespace_id.to_string(),
    }
}

/// The `srv-...` id at the end of a service ARN: what the API's other calls take.
fn service_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter().map(|t| (t.key().to_string(), t.value().to_string())).collect()
}

fn to_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect()
}

fn a_record(ttl: u32) -> Result<DnsRecord, AwsError> {
    DnsRecord::builder()
        .r#type(RecordType::A)
        .ttl(ttl.into())
        .build()
        .map_err(|e| AwsError::invalid("ServiceDiscovery", e.to_string()))
}

pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &DiscoveryServiceSpec) -> Result<String, AwsError> {
    let DiscoveryServiceSpec { name, namespace, ttl } = spec;
    let namespace_arn = ctx.id_of(namespace)?;
    let dns = DnsConfig::builder()
        .routing_policy(RoutingPolicy::Multivalue)
        .dns_records(a_record(*ttl)?)
        .build()
        .map_err(|e| AwsError::invalid("ServiceDiscovery.CreateService", e.to_string()))?;
    let namespace_id = namespace::namespace_id(&namespace_arn);
    // One request id for every attempt: AWS answers a resend with the service the first attempt made. The
    // emulator ignores it (and allows two services of one name), so a lost answer is also looked for.
    let request_id = ctx.idempotency_token();
    let send = || async {
        let out = ctx
            .aws
            .servicediscovery
            .create_service()
            .name(name)
            .namespace_id(namespace_id)
            .dns_config(dns.clone())
            // ECS reports task health; Cloud Map only needs to be told.
            .health_check_custom_config(HealthCheckCustomConfig::builder().build())
            .creator_request_id(&request_id)
            .set_tags(Some(to_tags(&node.tags)))
            .customize()
            .config_override(Aws::servicediscovery_config_without_retries())
            .send()
            .await
            .map_err(|e| classify("ServiceDiscovery.CreateService", e))?;
        let arn = out.service().and_then(|s| s.arn());
        Ok(arn.ok_or_else(|| AwsError::invalid("ServiceDiscovery.CreateService", "no service ARN"))?.to_string())
    };
    create_once(ctx.aws.max_attempts, send, || find_ours(ctx, node, namespace_id, name)).await
}

/// Our service of this name in the namespace, if there is one: a name is unique in a namespace on AWS.
async fn find_ours(ctx: &Ctx<'_>, node: &Node, namespace_id: &str, name: &str) -> Result<Option<String>, AwsError> {
    let sd = &ctx.aws.servicediscovery;
    let in_namespace = ServiceFilter::builder()
        .name(ServiceFilterName::NamespaceId)
        .values(namespace_id)
        .build()
        .map_err(|e| AwsError::invalid("ServiceDiscovery.ListServices", e.to_string()))?;
    let mut pages = sd.list_services().filters(in_namespace).max_results(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("ServiceDiscovery.ListServices", e))?;
        for arn in page.services().iter().filter(|s| s.name() == Some(name)).filter_map(|s| s.arn()) {
            let out = sd.list_tags_for_resource().resource_arn(arn).send().await;
            let tags = out.map_err(|e| classify("ServiceDiscovery.ListTagsForResource", e))?;
            if tagged_ours(ctx.owner_id, &node.address, &tag_map(tags.tags())) {
                return Ok(Some(arn.to_string()));
            }
        }
    }
    Ok(None)
}

pub async fn update(ctx: &Ctx<'_>, arn: &str, action: &Action, spec: &DiscoveryServiceSpec) -> Result<(), AwsError> {
    let DiscoveryServiceSpec { ttl, .. } = spec;
    let sd = &ctx.aws.servicediscovery;
    if action.changes(discovery_service::field::TTL) {
        let change = DnsConfigChange::builder()
            .dns_records(a_record(*ttl)?)
            .build()
            .map_err(|e| AwsError::invalid("ServiceDiscovery.UpdateService", e.to_string()))?;
        let out = sd
            .update_service()
            .id(service_id(arn))
            .service(ServiceChange::builder().dns_config(change).build())
            .send()
            .await
            .map_err(|e| classify("ServiceDiscovery.UpdateService", e))?;
        if let Some(operation) = out.operation_id() {
            namespace::wait_for_operation(ctx, operation).await?;
        }
    }
    if action.changes_tags() {
        sd.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(to_tags(&action.changed_tags())))
            .send()
            .await
            .map_err(|e| classify("ServiceDiscovery.TagResource", e))?;
    }
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>, arn: &str) -> Result<(), AwsError> {
    ctx.aws
        .servicediscovery
        .delete_service()
        .id(service_id(arn))
        .send()
        .await
        .map_err(|e| classify("ServiceDiscovery.DeleteService", e))?;
    Ok(())
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `DiscoveryService` in the registry.
pub struct DiscoveryServiceKind;

impl Adapter for DiscoveryServiceKind {
    type Spec = DiscoveryServiceSpec;

    const READS: &'static [&'static str] = &["servicediscovery:ListServices", "servicediscovery:GetService"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, _spec: &Self::Spec) {
        let services = arn("servicediscovery", "service/*");
        grants.allow(&["servicediscovery:CreateService"], &services, Condition::TaggedAsOurs);
        // A Cloud Map service is made in a namespace, which must be ours.
        let namespaces = arn("servicediscovery", "namespace/*");
        grants.allow(&["servicediscovery:CreateService"], &namespaces, Condition::Ours);
        let change = ["servicediscovery:UpdateService", "servicediscovery:DeleteService"];
        grants.allow(&change, &services, Condition::Ours);
        grants.tags(node, "servicediscovery:TagResource", "servicediscovery:UntagResource", &services);
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

impl Observe for DiscoveryServiceKind {
    async fn observe(aws: &Aws, _scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        observe(aws).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_namespace_arn_is_built_from_the_service_arn() {
        assert_eq!(
            namespace_arn("arn:aws:servicediscovery:us-east-1:123456789012:service/srv-abc", "ns-xyz"),
            "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-xyz"
        );
    }
}
