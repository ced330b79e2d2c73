//! ECS task definitions: a Fargate task of a service's main container and its sidecars.
//!
//! Task definitions are immutable. A change registers a new revision; the service is then moved to it, and
//! only after that are older revisions we registered deregistered (see [`prune_revisions`]), keeping the
//! newest few so that a rollback has something to go back to.
//!
//! They are observed through the services that run them (one DescribeTaskDefinition per distinct revision in
//! use, in `service::observe`), not by listing every revision in the account.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_sdk_ecs::types::builders::ContainerDefinitionBuilder;
use aws_sdk_ecs::types::{
    Compatibility, ContainerCondition, ContainerDefinition, ContainerDependency, HealthCheck, KeyValuePair,
    LogConfiguration, LogDriver, NetworkMode, PortMapping, Secret, TaskDefinitionField, TaskDefinitionStatus,
    TransportProtocol,
};
use reconciler_plan::ownership::Owner;
use reconciler_plan::{Action, ContainerLogs, Node, NodeSpec, ObservedNode, Ref, SidecarSpec, TaskDefinitionSpec};
use reconciler_vocabulary::{ContainerHealthCheck, StartCondition};

use crate::apply::Ctx;
use crate::create_once::{create_once, tagged_ours};
use crate::error::{AwsError, classify};
use crate::kinds::{Adapter, release};
use crate::permissions::{Condition, Grants, arn};
use crate::{Aws, ecs};

/// How long a task definition read stays good. A revision's content never changes once registered (its ARN is
/// the key), so this is only for its tags: tags changed by hand on a revision are found within this long. Our
/// own tag writes and deregistrations forget the entry at once.
const CACHED_FOR: std::time::Duration = std::time::Duration::from_secs(600);

/// Task definitions read by earlier passes of this process, by ARN (or the reference a service gave).
#[derive(Debug, Clone, Default)]
pub struct Cache {
    read: Arc<Mutex<HashMap<String, (ObservedNode, Instant)>>>,
}

impl Cache {
    fn get(&self, reference: &str) -> Option<ObservedNode> {
        let read = self.read.lock().expect("task definition cache");
        read.get(reference).filter(|(_, at)| at.elapsed() < CACHED_FOR).map(|(node, _)| node.clone())
    }

    fn put(&self, reference: &str, node: &ObservedNode) {
        let mut read = self.read.lock().expect("task definition cache");
        read.insert(reference.to_string(), (node.clone(), Instant::now()));
    }

    /// Forgets what was read of `arn` (under its ARN and any other reference to it).
    pub fn forget(&self, arn: &str) {
        self.read.lock().expect("task definition cache").retain(|key, (node, _)| key != arn && node.id != arn);
    }
}

/// [`describe`], from the cache when an earlier pass read it (the steady state of the loop reads no task
/// definition: issue 17). Only observation uses it; apply reads afresh.
pub async fn describe_cached(aws: &Aws, reference: &str) -> Result<Option<ObservedNode>, AwsError> {
    if let Some(found) = aws.task_definitions.get(reference) {
        return Ok(Some(found));
    }
    let found = describe(aws, reference).await?;
    if let Some(found) = &found {
        aws.task_definitions.put(reference, found);
    }
    Ok(found)
}

/// The task definition `reference` (an ARN or `family:revision`) as found, with its tags.
pub async fn describe(aws: &Aws, reference: &str) -> Result<Option<ObservedNode>, AwsError> {
    let out = match aws
        .ecs
        .describe_task_definition()
        .task_definition(reference)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .map_err(|e| classify("ECS.DescribeTaskDefinition", e))
    {
        Ok(out) => out,
        // A revision deleted out of band, or a bad reference on the service: nothing to observe.
        Err(err) if err.is_not_found() || err.code.as_deref() == Some("ClientException") => return Ok(None),
        Err(err) => return Err(err),
    };
    let Some(definition) = out.task_definition() else { return Ok(None) };
    let Some(arn) = definition.task_definition_arn() else { return Ok(None) };
    let family = definition.family().unwrap_or_default();
    let containers = definition.container_definitions();
    // The main container is named after the family (the service); the others are its sidecars.
    let main = containers.iter().find(|c| c.name() == Some(family)).or(containers.first());
    let found = main.map(observed_container).unwrap_or_default();
    let mut sidecars: Vec<SidecarSpec> = containers
        .iter()
        .filter(|c| !main.is_some_and(|m| std::ptr::eq(m, *c)))
        .map(|c| {
            let found = observed_container(c);
            SidecarSpec {
                name: c.name().unwrap_or_default().to_string(),
                image: found.image,
                // ECS reads an unset CPU share back as 0.
                cpu: u32::try_from(c.cpu()).ok().filter(|cpu| *cpu > 0),
                memory: c.memory().and_then(|m| u32::try_from(m).ok()),
                port: found.port,
                environment: found.environment,
                secrets: found.secrets,
                command: found.command,
                essential: c.essential().unwrap_or(true),
                depends_on: found.depends_on,
                health_check: found.health_check,
                logs: found.logs,
            }
        })
        .collect();
    sidecars.sort_by(|a, b| a.name.cmp(&b.name));
    let spec = TaskDefinitionSpec {
        family: family.to_string(),
        cpu: definition.cpu().and_then(|c| c.parse().ok()).unwrap_or(0),
        memory: definition.memory().and_then(|m| m.parse().ok()).unwrap_or(0),
        execution_role: Ref::Aws(definition.execution_role_arn().unwrap_or_default().to_string()),
        task_role: definition.task_role_arn().filter(|arn| !arn.is_empty()).map(|arn| Ref::Aws(arn.to_string())),
        container_name: main.and_then(|c| c.name()).unwrap_or_default().to_string(),
        image: found.image,
        port: found.port.unwrap_or(0),
        environment: found.environment,
        secrets: found.secrets,
        command: found.command,
        logs: found.logs,
        health_check: found.health_check,
        depends_on: found.depends_on,
        sidecars,
    };
    Ok(Some(ObservedNode {
        id: arn.to_string(),
        spec: NodeSpec::TaskDefinition(Box::new(spec)),
        tags: out
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
            .collect(),
    }))
}

/// What every container of a task definition has, as found.
#[derive(Default)]
struct FoundContainer {
    image: String,
    port: Option<u16>,
    environment: BTreeMap<String, String>,
    secrets: BTreeMap<String, String>,
    command: Option<Vec<String>>,
    logs: Option<ContainerLogs>,
    health_check: Option<ContainerHealthCheck>,
    depends_on: BTreeMap<String, StartCondition>,
}

fn observed_container(container: &ContainerDefinition) -> FoundContainer {
    let options = container.log_configuration().and_then(|l| l.options());
    FoundContainer {
        image: container.image().unwrap_or_default().to_string(),
        port: container.port_mappings().first().and_then(|p| p.container_port()).and_then(|p| u16::try_from(p).ok()),
        environment: container
            .environment()
            .iter()
            .filter_map(|kv| Some((kv.name()?.to_string(), kv.value().unwrap_or_default().to_string())))
            .collect(),
        secrets: container.secrets().iter().map(|s| (s.name().to_string(), s.value_from().to_string())).collect(),
        command: Some(container.command().to_vec()).filter(|c| !c.is_empty()),
        logs: options.and_then(|o| {
            Some(ContainerLogs {
                group_name: o.get("awslogs-group")?.clone(),
                stream_prefix: o.get("awslogs-stream-prefix").cloned().unwrap_or_default(),
            })
        }),
        health_check: container.health_check().map(observed_health_check),
        depends_on: container
            .depends_on()
            .iter()
            // A condition we do not know (a newer one) is kept out: it then shows as a difference.
            .filter_map(|d| Some((d.container_name().to_string(), StartCondition::parse(d.condition().as_str())?)))
            .collect(),
    }
}

/// Registers a revision; returns its ARN. If the family's newest revision is ours and already what is wanted
/// (registered by a pass that died before its service used it, or whose answer was lost), it is the answer
/// instead: a new identical revision would only crowd out the ones kept for rollback.
pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &TaskDefinitionSpec) -> Result<String, AwsError> {
    let task_role = spec.task_role.as_ref().map(|role| ctx.id_of(role).map(Ref::Aws)).transpose()?;
    let wanted =
        TaskDefinitionSpec { execution_role: Ref::Aws(ctx.id_of(&spec.execution_role)?), task_role, ..spec.clone() };
    if let Some(arn) = newest_if_wanted(ctx, node, &wanted).await? {
        tracing::info!(%arn, "an earlier pass registered this revision; it is used, not registered again");
        return Ok(arn);
    }
    let mut containers = vec![main_container(ctx, spec)?];
    for sidecar in &spec.sidecars {
        containers.push(sidecar_container(ctx, sidecar)?);
    }
    let send = || async {
        let out = ctx
            .aws
            .ecs
            .register_task_definition()
            .family(&spec.family)
            .requires_compatibilities(Compatibility::Fargate)
            .network_mode(NetworkMode::Awsvpc)
            .cpu(spec.cpu.to_string())
            .memory(spec.memory.to_string())
            .execution_role_arn(wanted.execution_role.to_string())
            .set_task_role_arn(wanted.task_role.as_ref().map(ToString::to_string))
            .set_container_definitions(Some(containers.clone()))
            .set_tags(Some(ecs::to_tags(&node.tags)))
            .customize()
            .config_override(Aws::ecs_config_without_retries())
            .send()
            .await
            .map_err(|e| classify("ECS.RegisterTaskDefinition", e))?;
        let arn = out.task_definition().and_then(|t| t.task_definition_arn());
        Ok(arn.ok_or_else(|| AwsError::invalid("ECS.RegisterTaskDefinition", "no task definition ARN"))?.to_string())
    };
    // Every register makes a new revision: a resend after a lost answer would make a second one.
    create_once(ctx.aws.max_attempts, send, || newest_if_wanted(ctx, node, &wanted)).await
}

/// The ARN of the family's newest ACTIVE revision if it is ours at `node`'s address and equal to `wanted`
/// (references resolved to ARNs). One ListTaskDefinitions and one DescribeTaskDefinition.
async fn newest_if_wanted(ctx: &Ctx<'_>, node: &Node, wanted: &TaskDefinitionSpec) -> Result<Option<String>, AwsError> {
    let Some(found) = newest_revision(ctx.aws, &wanted.family).await? else { return Ok(None) };
    let equal = matches!(&found.spec, NodeSpec::TaskDefinition(spec) if **spec == *wanted);
    Ok((equal && tagged_ours(ctx.owner_id, &node.address, &found.tags)).then_some(found.id))
}

/// The main container of a revision of `spec`: always essential, named after the service.
fn main_container(ctx: &Ctx<'_>, spec: &TaskDefinitionSpec) -> Result<ContainerDefinition, AwsError> {
    let container = Container {
        name: &spec.container_name,
        image: &spec.image,
        port: Some(spec.port),
        environment: &spec.environment,
        secrets: &spec.secrets,
        command: &spec.command,
        logs: &spec.logs,
        health_check: &spec.health_check,
        depends_on: &spec.depends_on,
    };
    Ok(container.definition(ctx)?.essential(true).build())
}

fn sidecar_container(ctx: &Ctx<'_>, sidecar: &SidecarSpec) -> Result<ContainerDefinition, AwsError> {
    let container = Container {
        name: &sidecar.name,
        image: &sidecar.image,
        port: sidecar.port,
        environment: &sidecar.environment,
        secrets: &sidecar.secrets,
        command: &sidecar.command,
        logs: &sidecar.logs,
        health_check: &sidecar.health_check,
        depends_on: &sidecar.depends_on,
    };
    let mut definition = container.definition(ctx)?.essential(sidecar.essential);
    if let Some(cpu) = sidecar.cpu {
        definition = definition.cpu(i32::try_from(cpu).unwrap_or(i32::MAX));
    }
    if let Some(memory) = sidecar.memory {
        definition = definition.memory(i32::try_from(memory).unwrap_or(i32::MAX));
    }
    Ok(definition.build())
}

/// What the main container and the sidecars are written with alike.
struct Container<'a> {
    name: &'a str,
    image: &'a str,
    port: Option<u16>,
    environment: &'a BTreeMap<String, String>,
    secrets: &'a BTreeMap<String, String>,
    command: &'a Option<Vec<String>>,
    logs: &'a Option<ContainerLogs>,
    health_check: &'a Option<ContainerHealthCheck>,
    depends_on: &'a BTreeMap<String, StartCondition>,
}

impl Container<'_> {
    fn definition(&self, ctx: &Ctx<'_>) -> Result<ContainerDefinitionBuilder, AwsError> {
        let invalid =
            |e: aws_sdk_ecs::error::BuildError| AwsError::invalid("ECS.RegisterTaskDefinition", e.to_string());
        let mut container = ContainerDefinition::builder()
            .name(self.name)
            .image(self.image)
            .set_port_mappings(self.port.map(|port| {
                vec![PortMapping::builder().container_port(port.into()).protocol(TransportProtocol::Tcp).build()]
            }))
            .set_environment(Some(
                self.environment.iter().map(|(k, v)| KeyValuePair::builder().name(k).value(v).build()).collect(),
            ))
            .set_secrets(Some(
                self.secrets
                    .iter()
                    .map(|(name, from)| Secret::builder().name(name).value_from(from).build())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(invalid)?,
            ))
            .set_command(self.command.clone())
            .set_health_check(self.health_check.as_ref().map(health_check).transpose()?);
        for (other, condition) in self.depends_on {
            let dependency = ContainerDependency::builder()
                .container_name(other)
                .condition(ContainerCondition::from(condition.as_str()))
                .build()
                .map_err(invalid)?;
            container = container.depends_on(dependency);
        }
        if let Some(logs) = self.logs {
            let region = ctx.aws.region().unwrap_or("us-east-1");
            container = container.log_configuration(
                LogConfiguration::builder()
                    .log_driver(LogDriver::Awslogs)
                    .options("awslogs-group", &logs.group_name)
                    .options("awslogs-region", region)
                    .options("awslogs-stream-prefix", &logs.stream_prefix)
                    .build()
                    .map_err(invalid)?,
            );
        }
        Ok(container)
    }
}

/// The container health check as ECS takes it.
fn health_check(check: &ContainerHealthCheck) -> Result<HealthCheck, AwsError> {
    let seconds = |s: u32| i32::try_from(s).unwrap_or(i32::MAX);
    HealthCheck::builder()
        .set_command(Some(check.command.clone()))
        .interval(seconds(check.interval_seconds))
        .timeout(seconds(check.timeout_seconds))
        .retries(seconds(check.retries))
        .start_period(seconds(check.start_period_seconds))
        .build()
        .map_err(|e| AwsError::invalid("ECS.RegisterTaskDefinition", e.to_string()))
}

/// A container health check as found; settings ECS leaves out are its defaults.
fn observed_health_check(check: &HealthCheck) -> ContainerHealthCheck {
    let defaults = ContainerHealthCheck::with_defaults(check.command().to_vec());
    let seconds = |s: Option<i32>, default: u32| s.and_then(|s| u32::try_from(s).ok()).unwrap_or(default);
    ContainerHealthCheck {
        interval_seconds: seconds(check.interval(), defaults.interval_seconds),
        timeout_seconds: seconds(check.timeout(), defaults.timeout_seconds),
        retries: seconds(check.retries(), defaults.retries),
        start_period_seconds: seconds(check.start_period(), defaults.start_period_seconds),
        ..defaults
    }
}

/// Deregisters one revision (it stays describable as INACTIVE; running tasks are not affected).
pub async fn delete(ctx: &Ctx<'_>, arn: &str) -> Result<(), AwsError> {
    ctx.aws
        .ecs
        .deregister_task_definition()
        .task_definition(arn)
        .send()
        .await
        .map_err(|e| classify("ECS.DeregisterTaskDefinition", e))?;
    Ok(())
}

/// Deletes a task definition for good (prune, destroy): every ACTIVE revision of its family that we registered
/// is deregistered, not only the one in use; others' are left.
pub async fn delete_ours_in_family(ctx: &Ctx<'_>, arn: &str) -> Result<(), AwsError> {
    let Some((family, _)) = family_and_revision(arn) else { return delete(ctx, arn).await };
    let revisions = active_revisions(ctx.aws, family).await?;
    for revision in revisions {
        let Some(found) = describe(ctx.aws, &revision).await? else { continue };
        if matches!(Owner::from_tags(ctx.owner_id, &found.tags), Owner::Us(_)) {
            delete(ctx, &revision).await?;
        }
    }
    Ok(())
}

/// For each of the declared `families` of which no revision of ours was found (through a service running
/// it): the family's newest revision, if ours. That is what a pass that died between registering it and
/// creating its service leaves; seen, it is used instead of registered again, and `destroy` removes it. One
/// ListTaskDefinitions per such family (none once the services run), and one DescribeTaskDefinition if it
/// has revisions.
pub async fn unused_of_ours(
    aws: &Aws,
    owner_id: &str,
    families: &BTreeSet<String>,
    found: &[ObservedNode],
) -> Result<Vec<ObservedNode>, AwsError> {
    let found_family = |family: &str| {
        found.iter().any(|n| {
            matches!(&n.spec, NodeSpec::TaskDefinition(spec) if spec.family == family)
                && matches!(Owner::from_tags(owner_id, &n.tags), Owner::Us(_))
        })
    };
    let mut unused = Vec::new();
    for family in families.iter().filter(|f| !found_family(f)) {
        if let Some(revision) = newest_revision(aws, family).await?
            && matches!(Owner::from_tags(owner_id, &revision.tags), Owner::Us(_))
        {
            unused.push(revision);
        }
    }
    Ok(unused)
}

/// The family's newest ACTIVE revision, described (with its tags), if it has one.
async fn newest_revision(aws: &Aws, family: &str) -> Result<Option<ObservedNode>, AwsError> {
    let revisions = active_revisions(aws, family).await?;
    match revisions.iter().max_by_key(|a| family_and_revision(a).map_or(0, |(_, r)| r)) {
        Some(newest) => describe(aws, newest).await,
        None => Ok(None),
    }
}

/// The ACTIVE revisions of exactly this family (ListTaskDefinitions' prefix also matches longer names).
async fn active_revisions(aws: &Aws, family: &str) -> Result<Vec<String>, AwsError> {
    let mut arns = Vec::new();
    let mut pages = aws
        .ecs
        .list_task_definitions()
        .family_prefix(family)
        .status(TaskDefinitionStatus::Active)
        .max_results(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("ECS.ListTaskDefinitions", e))?;
        arns.extend(
            page.task_definition_arns()
                .iter()
                .filter(|a| family_and_revision(a).is_some_and(|(f, _)| f == family))
                .cloned(),
        );
    }
    Ok(arns)
}

/// `family` and revision of a task definition ARN or `family:revision`.
pub fn family_and_revision(reference: &str) -> Option<(&str, u32)> {
    let tail = reference.rsplit('/').next()?;
    let (family, revision) = tail.rsplit_once(':')?;
    Some((family, revision.parse().ok()?))
}

/// After a service moved to `current`: deregisters the revisions of its family that we registered, beyond
/// the newest `keep` of ours (the current one always among them). Revisions registered by others are never
/// touched and do not count: each candidate's tags are checked (one DescribeTaskDefinition per active
/// revision, only in a pass that changed the service's task definition). Returns the ARNs deregistered.
pub async fn prune_revisions(ctx: &Ctx<'_>, current: &str, keep: u32, owner_id: &str) -> Result<Vec<String>, AwsError> {
    let Some((family, _)) = family_and_revision(current) else { return Ok(Vec::new()) };
    let mut arns = active_revisions(ctx.aws, family).await?;
    arns.sort_by_key(|a| std::cmp::Reverse(family_and_revision(a).map_or(0, |(_, r)| r)));
    // Newest first: the first `keep` of ours stay (the current one always counts as ours and stays), the
    // rest of ours go. Revisions registered by others neither count nor go.
    let keep = usize::try_from(keep).unwrap_or(usize::MAX).max(1);
    let mut kept = 1;
    let mut deregistered = Vec::new();
    for arn in arns.iter().filter(|a| *a != current) {
        let Some(found) = describe(ctx.aws, arn).await? else { continue };
        if !matches!(Owner::from_tags(owner_id, &found.tags), Owner::Us(_)) {
            continue;
        }
        if kept < keep {
            kept += 1;
        } else {
            delete(ctx, arn).await?;
            deregistered.push(arn.clone());
        }
    }
    Ok(deregistered)
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `TaskDefinition` in the registry.
pub struct TaskDefinitionKind;

impl Adapter for TaskDefinitionKind {
    type Spec = TaskDefinitionSpec;

    const READS: &'static [&'static str] = &["ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, spec: &Self::Spec) {
        // RegisterTaskDefinition and DeregisterTaskDefinition take no resource ARN in IAM (AWS: "Resource types:
        // none"): registering is limited to requests tagged as ours; deregistering cannot be limited at all.
        grants.allow(&["ecs:RegisterTaskDefinition"], "*", Condition::TaggedAsOurs);
        grants.allow(&["ecs:DeregisterTaskDefinition"], "*", Condition::Always);
        let revisions = arn("ecs", &format!("task-definition/{}:*", spec.family));
        let action = "RegisterTaskDefinition";
        grants.allow(&["ecs:TagResource"], &revisions, Condition::TagOnCreate { key: "ecs:CreateAction", action });
        grants.tags(node, "ecs:TagResource", "ecs:UntagResource", &revisions);
        for role in std::iter::once(&spec.execution_role).chain(&spec.task_role) {
            if let Some(role) = grants.role_arn(role) {
                grants.allow(&["iam:PassRole"], &role, Condition::PassedTo("ecs-tasks.amazonaws.com".into()));
            }
        }
    }

    async fn create(ctx: &Ctx<'_>, node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        create(ctx, node, spec).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, _spec: &Self::Spec) -> Result<(), AwsError> {
        // Every field makes a new revision (the planner plans a replacement): only tags change in place, on
        // the revision in use. Older revisions keep the tags they were registered with (`keep_revisions`
        // looks at our ownership tags only, which never change).
        ctx.aws.task_definitions.forget(id);
        ecs::write_changed_tags(ctx, id, action).await
    }

    async fn delete(ctx: &Ctx<'_>, found: &ObservedNode, _spec: &Self::Spec) -> Result<(), AwsError> {
        ctx.aws.task_definitions.forget(&found.id);
        delete_ours_in_family(ctx, &found.id).await
    }

    async fn release(
        ctx: &Ctx<'_>,
        found: &ObservedNode,
        spec: &Self::Spec,
        keys: Vec<String>,
    ) -> Result<(), AwsError> {
        let _ = spec;
        ctx.aws.task_definitions.forget(&found.id);
        release::ecs(ctx, &found.id, keys).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_and_revision_read_from_arn_and_short_form() {
        assert_eq!(
            family_and_revision("arn:aws:ecs:us-east-1:123456789012:task-definition/ecsdemo-nodejs:12"),
            Some(("ecsdemo-nodejs", 12))
        );
        assert_eq!(family_and_revision("ecsdemo-nodejs:3"), Some(("ecsdemo-nodejs", 3)));
        assert_eq!(family_and_revision("ecsdemo-nodejs"), None);
    }
}
