//! ECS services on Fargate, and (through them) the task definitions they run.
//!
//! Observation is per cluster of ours: ListServices, then DescribeServices in batches of 10 (the AWS limit)
//! with tags included, then one DescribeTaskDefinition per distinct revision in use. Deleted services stay
//! listed as INACTIVE for a while; they no longer exist for our purposes.
//!
//! In place (UpdateService): desired count, task definition, network configuration, load balancers,
//! service registries, deployment configuration. The name and the cluster are fixed.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, DeploymentCircuitBreaker, DeploymentConfiguration, DeploymentRolloutState,
    LaunchType, LoadBalancer, NetworkConfiguration, PropagateTags, Service, ServiceField, ServiceRegistry,
};
use reconciler_plan::FieldId;
use reconciler_plan::kinds::service::field;
use reconciler_plan::ownership::{HELD_REASON_KEY, HELD_REVISION_KEY};
use reconciler_plan::rollback::FailedRollout;
use reconciler_plan::{Action, Kind, Node, NodeSpec, ObservedNode, Ref, ServiceLoadBalancer, ServiceSpec};
use reconciler_vocabulary::Deployment;

use crate::apply::Ctx;
use crate::ecs::ecs_resource;
use crate::error::{AwsError, classify};
use crate::kinds::task_definition;
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::{Condition, Grants, arn};
use crate::{Aws, ecs};

/// DescribeServices takes at most 10 services per call.
const DESCRIBE_BATCH: usize = 10;

/// Every live service in `clusters` (ARNs), and every task definition they run.
pub async fn observe(aws: &Aws, clusters: &[String]) -> Result<Vec<ObservedNode>, AwsError> {
    let mut nodes = Vec::new();
    let mut task_definitions = BTreeSet::new();
    for cluster in clusters {
        for service in describe_all(aws, cluster).await? {
            if let Some(td) = service.task_definition() {
                task_definitions.insert(td.to_string());
            }
            let mut node = observed_service(&service, cluster);
            if let NodeSpec::Service(spec) = &mut node.spec {
                spec.failed_rollout = failed_rollout(aws, &service).await?.map(Box::new);
            }
            nodes.push(node);
        }
    }
    // The emulator stores the task definition as it was passed (`family:revision` or ARN); describing it
    // gives the ARN, which the service's reference is then rewritten to.
    let mut canonical = BTreeMap::new();
    for reference in task_definitions {
        if let Some(found) = task_definition::describe_cached(aws, &reference).await? {
            canonical.insert(reference, found.id.clone());
            if !nodes.iter().any(|n| n.id == found.id) {
                nodes.push(found);
            }
        }
    }
    for node in &mut nodes {
        if let NodeSpec::Service(spec) = &mut node.spec
            && let Ref::Aws(reference) = &spec.task_definition
            && let Some(arn) = canonical.get(reference)
        {
            spec.task_definition = Ref::Aws(arn.clone());
        }
    }
    Ok(nodes)
}

/// Every ACTIVE or DRAINING service of a cluster, with tags. Listed 100 a page, the most ECS gives (without
/// `maxResults` it pages by 10).
pub async fn describe_all(aws: &Aws, cluster: &str) -> Result<Vec<Service>, AwsError> {
    let mut arns = Vec::new();
    let mut pages = aws.ecs.list_services().cluster(cluster).max_results(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("ECS.ListServices", e))?;
        arns.extend(page.service_arns().iter().cloned());
    }
    let mut services = Vec::new();
    for batch in arns.chunks(DESCRIBE_BATCH) {
        services.extend(describe(aws, cluster, batch).await?);
    }
    Ok(services)
}

/// DescribeServices for up to 10 services (names or ARNs), with tags; INACTIVE ones left out.
pub async fn describe(aws: &Aws, cluster: &str, services: &[String]) -> Result<Vec<Service>, AwsError> {
    let mut found = describe_any_status(aws, cluster, services).await?;
    found.retain(|s| s.status() != Some("INACTIVE"));
    Ok(found)
}

/// DescribeServices for up to 10 services (names or ARNs), with tags, whatever their status.
pub async fn describe_any_status(aws: &Aws, cluster: &str, services: &[String]) -> Result<Vec<Service>, AwsError> {
    let out = aws
        .ecs
        .describe_services()
        .cluster(cluster)
        .set_services(Some(services.to_vec()))
        .include(ServiceField::Tags)
        .send()
        .await
        .map_err(|e| classify("ECS.DescribeServices", e))?;
    Ok(out.services().to_vec())
}

/// The revision ECS's circuit breaker rolled the service back from, and why: a FAILED deployment of another
/// revision than the one the service now runs, while ECS lists it; after that, what our tags on the service
/// recorded (the planner writes them when it first sees the failure). The failed revision is described (from
/// the cache after the first pass) so that the planner can compare it with the file. Whether it still holds
/// (is newer than what runs, is what the file asks for) is the planner's call.
async fn failed_rollout(aws: &Aws, service: &Service) -> Result<Option<FailedRollout>, AwsError> {
    let running = service.task_definition().and_then(task_definition::family_and_revision);
    let Some((reference, reason)) = failure_of(service) else { return Ok(None) };
    let Some((_, revision)) = task_definition::family_and_revision(reference) else { return Ok(None) };
    let described = task_definition::describe_cached(aws, reference).await?;
    Ok(Some(FailedRollout {
        task_definition: described.as_ref().map_or_else(|| reference.to_string(), |d| d.id.clone()),
        revision,
        running_revision: running.map(|(_, r)| r),
        content: described.and_then(|d| match d.spec {
            NodeSpec::TaskDefinition(spec) => Some(spec),
            _ => None,
        }),
        reason: reason.to_string(),
    }))
}

/// The failed revision and ECS's reason: from a FAILED deployment of another revision than the one the service
/// runs (ECS lists it for a while after the rollback), else from our tags.
fn failure_of(service: &Service) -> Option<(&str, &str)> {
    let running = service.task_definition().and_then(task_definition::family_and_revision);
    let failed = service.deployments().iter().find(|d| {
        d.rollout_state() == Some(&DeploymentRolloutState::Failed)
            && d.task_definition().and_then(task_definition::family_and_revision) != running
    });
    if let Some(deployment) = failed {
        let reason = deployment.rollout_state_reason().unwrap_or("ECS gave no reason (see the service events)");
        return Some((deployment.task_definition()?, reason));
    }
    let tag = |key: &str| service.tags().iter().find(|t| t.key() == Some(key)).and_then(|t| t.value());
    Some((tag(HELD_REVISION_KEY)?, tag(HELD_REASON_KEY).unwrap_or_default()))
}

fn observed_service(service: &Service, cluster: &str) -> ObservedNode {
    let network = service.network_configuration().and_then(|n| n.awsvpc_configuration());
    let deployment = service.deployment_configuration();
    let breaker = deployment.and_then(|d| d.deployment_circuit_breaker());
    // Absent settings are AWS's defaults (the emulator drops them on create).
    let defaults =
        Deployment { minimum_healthy_percent: 100, maximum_percent: 200, circuit_breaker: false, rollback: false };
    let spec = ServiceSpec {
        service_name: service.service_name().unwrap_or_default().to_string(),
        cluster: Ref::Aws(service.cluster_arn().unwrap_or(cluster).to_string()),
        task_definition: Ref::Aws(service.task_definition().unwrap_or_default().to_string()),
        desired_count: u32::try_from(service.desired_count()).unwrap_or(0),
        subnets: network.map(|n| n.subnets().iter().map(|s| Ref::Aws(s.clone())).collect()).unwrap_or_default(),
        security_groups: network
            .map(|n| n.security_groups().iter().map(|s| Ref::Aws(s.clone())).collect())
            .unwrap_or_default(),
        assign_public_ip: network.and_then(|n| n.assign_public_ip()) == Some(&AssignPublicIp::Enabled),
        load_balancer: service.load_balancers().first().map(|lb| ServiceLoadBalancer {
            target_group: Ref::Aws(lb.target_group_arn().unwrap_or_default().to_string()),
            container_name: lb.container_name().unwrap_or_default().to_string(),
            container_port: lb.container_port().and_then(|p| u16::try_from(p).ok()).unwrap_or(0),
        }),
        registry: service.service_registries().first().and_then(|r| r.registry_arn()).map(|a| Ref::Aws(a.to_string())),
        deployment: Deployment {
            minimum_healthy_percent: deployment
                .and_then(|d| d.minimum_healthy_percent())
                .and_then(|p| u32::try_from(p).ok())
                .unwrap_or(defaults.minimum_healthy_percent),
            maximum_percent: deployment
                .and_then(|d| d.maximum_percent())
                .and_then(|p| u32::try_from(p).ok())
                .unwrap_or(defaults.maximum_percent),
            circuit_breaker: breaker.is_some_and(|b| b.enable()),
            rollback: breaker.is_some_and(|b| b.rollback()),
        },
        health_check_grace_period_seconds: service
            .health_check_grace_period_seconds()
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0),
        enable_execute_command: service.enable_execute_command(),
        keep_revisions: 0,
        autoscaling: None,
        failed_rollout: None,
    };
    ObservedNode {
        id: service.service_arn().unwrap_or_default().to_string(),
        spec: NodeSpec::Service(Box::new(spec)),
        tags: service
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
            .collect(),
    }
}

fn network(ctx: &Ctx<'_>, spec: &ServiceSpec) -> Result<NetworkConfiguration, AwsError> {
    let ids = |refs: &BTreeSet<Ref>| refs.iter().map(|r| ctx.id_of(r)).collect::<Result<Vec<_>, _>>();
    let vpc = AwsVpcConfiguration::builder()
        .set_subnets(Some(ids(&spec.subnets)?))
        .set_security_groups(Some(ids(&spec.security_groups)?))
        .assign_public_ip(if spec.assign_public_ip { AssignPublicIp::Enabled } else { AssignPublicIp::Disabled })
        .build()
        .map_err(|e| AwsError::invalid("ECS", e.to_string()))?;
    Ok(NetworkConfiguration::builder().awsvpc_configuration(vpc).build())
}

fn load_balancers(ctx: &Ctx<'_>, spec: &ServiceSpec) -> Result<Vec<LoadBalancer>, AwsError> {
    spec.load_balancer
        .iter()
        .map(|lb| {
            Ok(LoadBalancer::builder()
                .target_group_arn(ctx.id_of(&lb.target_group)?)
                .container_name(&lb.container_name)
                .container_port(lb.container_port.into())
                .build())
        })
        .collect()
}

fn registries(ctx: &Ctx<'_>, spec: &ServiceSpec) -> Result<Vec<ServiceRegistry>, AwsError> {
    spec.registry.iter().map(|r| Ok(ServiceRegistry::builder().registry_arn(ctx.id_of(r)?).build())).collect()
}

fn deployment(spec: &ServiceSpec) -> DeploymentConfiguration {
    let d = &spec.deployment;
    DeploymentConfiguration::builder()
        .minimum_healthy_percent(i32::try_from(d.minimum_healthy_percent).unwrap_or(100))
        .maximum_percent(i32::try_from(d.maximum_percent).unwrap_or(200))
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder().enable(d.circuit_breaker).rollback(d.rollback).build(),
        )
        .build()
}

/// Whether the service was created with the settings asked for that UpdateService also sets. On AWS it is; the
/// emulator drops the deployment configuration, the grace period and ECS Exec on create.
fn created_as_asked(service: Option<&Service>, spec: &ServiceSpec) -> bool {
    let Some(service) = service else { return false };
    let NodeSpec::Service(found) = observed_service(service, "").spec else { return false };
    found.deployment == spec.deployment
        && found.health_check_grace_period_seconds == spec.health_check_grace_period_seconds
        && found.enable_execute_command == spec.enable_execute_command
}

/// The grace period to send: none for 0, AWS's default, so that a service without health checks is not given
/// a setting it has no use for.
fn grace_period(spec: &ServiceSpec) -> Option<i32> {
    let seconds = spec.health_check_grace_period_seconds;
    (seconds > 0).then(|| i32::try_from(seconds).unwrap_or(i32::MAX))
}

pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &ServiceSpec) -> Result<String, AwsError> {
    let cluster = ctx.id_of(&spec.cluster)?;
    let task_definition = ctx.id_of(&spec.task_definition)?;
    // Services are only observed in clusters that were ours when the pass began: in a cluster adopted in this
    // pass a service of the same name may exist unseen. Creating over it would fail on AWS (and silently replace
    // it on the emulator): look first, and leave it to the next pass, which sees it and adopts it (with
    // `adopt = true`) or reports the conflict.
    if let Some(existing) = describe(ctx.aws, &cluster, std::slice::from_ref(&spec.service_name)).await?.first() {
        return Err(AwsError {
            kind: crate::ErrorKind::Conflict,
            operation: "ECS.CreateService".to_string(),
            code: None,
            message: format!(
                "a service named {} already exists in this cluster ({}); the next pass takes it over if it is \
                 declared with adopt = true, or reports it as a conflict",
                spec.service_name,
                existing.service_arn().unwrap_or_default()
            ),
        });
    }
    let out = ctx
        .aws
        .ecs
        .create_service()
        .cluster(&cluster)
        .service_name(&spec.service_name)
        // The SDK resends a retried call with the same token: ECS answers with the service it made.
        .client_token(ctx.idempotency_token())
        .task_definition(&task_definition)
        .desired_count(i32::try_from(spec.desired_count).unwrap_or(i32::MAX))
        .launch_type(LaunchType::Fargate)
        .network_configuration(network(ctx, spec)?)
        .set_load_balancers(Some(load_balancers(ctx, spec)?))
        .set_service_registries(Some(registries(ctx, spec)?))
        .deployment_configuration(deployment(spec))
        .set_health_check_grace_period_seconds(grace_period(spec))
        .enable_execute_command(spec.enable_execute_command)
        .propagate_tags(PropagateTags::Service)
        .set_tags(Some(ecs::to_tags(&node.tags)))
        .send()
        .await
        .map_err(|e| classify("ECS.CreateService", e))?;
    let arn = out
        .service()
        .and_then(|s| s.service_arn())
        .ok_or_else(|| AwsError::invalid("ECS.CreateService", "response has no service ARN"))?
        .to_string();
    // Check what was created rather than trust the request: a create that drops the deployment settings
    // (the emulator does) gets them set at once, instead of showing as drift on the next pass.
    if !created_as_asked(out.service(), spec) {
        ctx.aws
            .ecs
            .update_service()
            .cluster(&cluster)
            .service(&arn)
            .deployment_configuration(deployment(spec))
            .set_health_check_grace_period_seconds(grace_period(spec))
            .enable_execute_command(spec.enable_execute_command)
            .send()
            .await
            .map_err(|e| classify("ECS.UpdateService", e))?;
    }
    task_definition::prune_revisions(ctx, &task_definition, spec.keep_revisions, ctx.owner_id).await?;
    Ok(arn)
}

pub async fn update(ctx: &Ctx<'_>, arn: &str, action: &Action, spec: &ServiceSpec) -> Result<(), AwsError> {
    let cluster = ctx.id_of(&spec.cluster)?;
    // A reference refresh (a task definition, subnet or group it uses was replaced) rewrites every reference.
    let refresh = action.refreshes_references();
    let changed = |field: FieldId| refresh || action.changes(field);
    let mut request = ctx.aws.ecs.update_service().cluster(&cluster).service(arn);
    let mut any = false;
    let mut new_task_definition = None;
    if action.changes(field::DESIRED_COUNT) {
        request = request.desired_count(i32::try_from(spec.desired_count).unwrap_or(i32::MAX));
        any = true;
    }
    if changed(field::TASK_DEFINITION) {
        let td = ctx.id_of(&spec.task_definition)?;
        request = request.task_definition(&td);
        new_task_definition = Some(td);
        any = true;
    }
    if changed(field::SUBNETS) || changed(field::SECURITY_GROUPS) || action.changes(field::ASSIGN_PUBLIC_IP) {
        request = request.network_configuration(network(ctx, spec)?);
        any = true;
    }
    if changed(field::LOAD_BALANCER) {
        request = request.set_load_balancers(Some(load_balancers(ctx, spec)?));
        any = true;
    }
    if changed(field::SERVICE_REGISTRY) {
        request = request.set_service_registries(Some(registries(ctx, spec)?));
        any = true;
    }
    if action.changes_any(&field::DEPLOYMENT) {
        request = request.deployment_configuration(deployment(spec));
        any = true;
    }
    if action.changes(field::HEALTH_CHECK_GRACE_PERIOD) {
        let seconds = i32::try_from(spec.health_check_grace_period_seconds).unwrap_or(i32::MAX);
        request = request.health_check_grace_period_seconds(seconds);
        any = true;
    }
    if !reconciler_plan::secrets::rotated(&action.changes).is_empty() {
        // Tasks read a secret when they start: new ones read the new version. The version tags are written
        // below, after the deployment has been asked for (a failure here leaves them old, and is retried).
        request = request.force_new_deployment(true);
        any = true;
    }
    if action.changes(field::ENABLE_EXECUTE_COMMAND) {
        // Running tasks keep the setting they started with: a new deployment starts tasks that have it.
        request = request.enable_execute_command(spec.enable_execute_command).force_new_deployment(true);
        any = true;
    }
    if any {
        request.send().await.map_err(|e| classify("ECS.UpdateService", e))?;
    }
    ecs::write_changed_tags(ctx, arn, action).await?;
    if let Some(td) = new_task_definition {
        task_definition::prune_revisions(ctx, &td, spec.keep_revisions, ctx.owner_id).await?;
    }
    Ok(())
}

/// Deletes the service (force: no need to scale to zero first; ECS stops the tasks).
pub async fn delete(ctx: &Ctx<'_>, observed: &ObservedNode, spec: &ServiceSpec) -> Result<(), AwsError> {
    let cluster = match &spec.cluster {
        Ref::Aws(arn) => arn.clone(),
        other => ctx.id_of(other)?,
    };
    ctx.aws
        .ecs
        .delete_service()
        .cluster(cluster)
        .service(&observed.id)
        .force(true)
        .send()
        .await
        .map_err(|e| classify("ECS.DeleteService", e))?;
    // DRAINING until its tasks have stopped; their network interfaces hold subnets and security groups, and a
    // Cloud Map service cannot go while tasks are registered in it.
    let cluster = match &spec.cluster {
        Ref::Aws(arn) => arn.clone(),
        other => ctx.id_of(other).unwrap_or_default(),
    };
    crate::wait::until(&format!("ECS service {} deleted", observed.id), ctx.wait_timeout, || async {
        let found = describe_any_status(ctx.aws, &cluster, std::slice::from_ref(&observed.id)).await?;
        Ok(match found.first().and_then(|s| s.status()) {
            None | Some("INACTIVE") => crate::wait::Progress::Done(()),
            Some(other) => crate::wait::Progress::Pending(other.to_string()),
        })
    })
    .await
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `Service` in the registry.
pub struct ServiceKind;

impl Adapter for ServiceKind {
    type Spec = ServiceSpec;

    const READS: &'static [&'static str] =
        &["ecs:ListServices", "ecs:DescribeServices", "ecs:ListTasks", "ecs:DescribeTasks"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, spec: &Self::Spec) {
        let cluster = match grants.node(&spec.cluster).map(|n| &n.spec) {
            Some(NodeSpec::Cluster(cluster)) => cluster.cluster_name.clone(),
            _ => "*".to_string(),
        };
        let service = arn("ecs", &format!("service/{cluster}/{}", spec.service_name));
        ecs_resource(grants, node, "CreateService", &service);
        grants.allow(&["ecs:UpdateService", "ecs:DeleteService"], &service, Condition::Ours);
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
        release::ecs(ctx, &found.id, keys).await
    }
}

impl Observe for ServiceKind {
    const AFTER: &'static [Kind] = &[Kind::Cluster];

    async fn observe(aws: &Aws, scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        let adopting = &scope.hints.adopting.clusters;
        let wanted = |n: &ObservedNode| matches!(&n.spec, NodeSpec::Cluster(c) if adopting.contains(&c.cluster_name));
        let mut nodes = observe(aws, &scope.ours_and(Kind::Cluster, wanted)).await?;
        let unused =
            task_definition::unused_of_ours(aws, scope.owner_id, &scope.hints.task_definition_families, &nodes);
        nodes.extend(unused.await?);
        Ok(nodes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::{Deployment as EcsDeployment, Tag};

    const REV_3: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/ecsdemo-nodejs:3";
    const REV_4: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/ecsdemo-nodejs:4";
    const REASON: &str = "ECS deployment circuit breaker: tasks failed to start.";

    fn deployment(status: &str, task_definition: &str, state: DeploymentRolloutState) -> EcsDeployment {
        EcsDeployment::builder()
            .status(status)
            .task_definition(task_definition)
            .rollout_state(state.clone())
            .rollout_state_reason(if state == DeploymentRolloutState::Failed { REASON } else { "in progress." })
            .build()
    }

    #[test]
    fn a_failed_deployment_of_another_revision_is_the_failure() {
        // As ECS answers during the rollback (see the rollout crate's describe-services-nodejs-rollback.json).
        let service = Service::builder()
            .task_definition(REV_3)
            .deployments(deployment("PRIMARY", REV_3, DeploymentRolloutState::InProgress))
            .deployments(deployment("ACTIVE", REV_4, DeploymentRolloutState::Failed))
            .build();
        assert_eq!(failure_of(&service), Some((REV_4, REASON)));
    }

    #[test]
    fn a_failed_deployment_still_primary_was_not_rolled_back() {
        // The circuit breaker without rollback: nothing to hold, the service runs what the file asks for.
        let service = Service::builder()
            .task_definition(REV_4)
            .deployments(deployment("PRIMARY", REV_4, DeploymentRolloutState::Failed))
            .build();
        assert_eq!(failure_of(&service), None);
    }

    #[test]
    fn once_ecs_forgets_the_deployment_our_tags_remember_it() {
        let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
        let service = Service::builder()
            .task_definition(REV_3)
            .deployments(deployment("PRIMARY", REV_3, DeploymentRolloutState::Completed))
            .tags(tag(HELD_REVISION_KEY, "ecsdemo-nodejs:4"))
            .tags(tag(HELD_REASON_KEY, REASON))
            .build();
        assert_eq!(failure_of(&service), Some(("ecsdemo-nodejs:4", REASON)));
        assert_eq!(failure_of(&Service::builder().task_definition(REV_3).build()), None);
    }
}
