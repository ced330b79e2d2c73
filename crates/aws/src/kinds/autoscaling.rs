//! Application Auto Scaling of ECS services: the scalable target (the service's desired count, with min and
//! max), target-tracking policies, scheduled actions. Observed with one DescribeScalableTargets, one
//! DescribeScalingPolicies and one DescribeScheduledActions per pass (namespace `ecs`).
//!
//! Ownership: scaling policies carry no tags, and the emulator cannot read back a scalable target's tags.
//! So ownership is proven through the ECS service, whose tags are readable:
//! - the scalable target of an ECS service of ours is ours (one service has one target: it belongs to
//!   whoever owns the service);
//! - a policy or scheduled action on it is ours only when its name is listed in the service's
//!   `reconciler:scaling-policies` / `reconciler:scheduled-actions` tag, which lists what we registered.
//!   Anything else someone registers on our service is left alone.
//!
//! The observed nodes get the ownership tags that proof gives them, so that the planner's single ownership
//! rule applies unchanged.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalableTargetAction, ServiceNamespace,
    TargetTrackingScalingPolicyConfiguration,
};
use reconciler_plan::ownership::{Owner, SCALING_POLICIES_KEY, SCHEDULED_ACTIONS_KEY, ownership_tags};
use reconciler_plan::{Action, Address, Kind, Node, NodeSpec, ObservedNode, Ref, ScalingPolicySpec};
use reconciler_vocabulary::ScalingMetric;

use crate::Aws;
use crate::apply::Ctx;
use crate::error::{AwsError, classify};
use crate::kinds::{Adapter, Observe, Scope};
use crate::permissions::{Condition, Grants, arn, service_linked_role};
use reconciler_plan::{ScalableTargetSpec, ScheduledActionSpec};

/// What one of our ECS services says about its scaling configuration.
struct OurService {
    declaration: String,
    policies: BTreeSet<String>,
    scheduled: BTreeSet<String>,
}

fn names(tags: &BTreeMap<String, String>, key: &str) -> BTreeSet<String> {
    tags.get(key).map(|v| v.split(',').filter(|n| !n.is_empty()).map(str::to_string).collect()).unwrap_or_default()
}

/// `service/CLUSTER/NAME`, the resource id Application Auto Scaling uses, from an ECS service ARN
/// (`arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME`).
fn resource_id_of(service_arn: &str) -> Option<String> {
    service_arn.split_once(":service/").map(|(_, path)| format!("service/{path}"))
}

/// The scaling configuration of every ECS service; `services` are the observed ECS nodes (ours are
/// recognised by their tags).
pub async fn observe(aws: &Aws, owner_id: &str, services: &[ObservedNode]) -> Result<Vec<ObservedNode>, AwsError> {
    let ours: BTreeMap<String, OurService> = services
        .iter()
        .filter(|n| matches!(n.spec, NodeSpec::Service(_)))
        .filter_map(|n| match Owner::from_tags(owner_id, &n.tags) {
            Owner::Us(address) if address.kind == Kind::Service => Some((
                resource_id_of(&n.id)?,
                OurService {
                    declaration: address.name,
                    policies: names(&n.tags, SCALING_POLICIES_KEY),
                    scheduled: names(&n.tags, SCHEDULED_ACTIONS_KEY),
                },
            )),
            _ => None,
        })
        .collect();
    let owned = |resource_id: &str, kind: Kind, name: Option<&str>| -> BTreeMap<String, String> {
        let Some(service) = ours.get(resource_id) else { return BTreeMap::new() };
        let address = match (kind, name) {
            (Kind::ScalableTarget, _) => Address::new(kind, &service.declaration),
            (Kind::ScalingPolicy, Some(name)) if service.policies.contains(name) => {
                Address::child(kind, &service.declaration, name)
            }
            (Kind::ScheduledAction, Some(name)) if service.scheduled.contains(name) => {
                Address::child(kind, &service.declaration, name)
            }
            _ => return BTreeMap::new(),
        };
        ownership_tags(owner_id, &address)
    };

    let client = &aws.autoscaling;
    let mut nodes = Vec::new();
    let mut pages = client.describe_scalable_targets().service_namespace(ServiceNamespace::Ecs).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("ApplicationAutoScaling.DescribeScalableTargets", e))?;
        for target in page.scalable_targets() {
            let resource_id = target.resource_id();
            nodes.push(ObservedNode {
                id: resource_id.to_string(),
                spec: NodeSpec::ScalableTarget(ScalableTargetSpec {
                    resource_id: resource_id.to_string(),
                    min_capacity: u32::try_from(target.min_capacity()).unwrap_or(0),
                    max_capacity: u32::try_from(target.max_capacity()).unwrap_or(0),
                }),
                tags: owned(resource_id, Kind::ScalableTarget, None),
            });
        }
    }
    let mut pages = client.describe_scaling_policies().service_namespace(ServiceNamespace::Ecs).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("ApplicationAutoScaling.DescribeScalingPolicies", e))?;
        for policy in page.scaling_policies() {
            let Some(config) = policy.target_tracking_scaling_policy_configuration() else { continue };
            let predefined = config.predefined_metric_specification();
            let metric = match predefined.map(|p| p.predefined_metric_type()) {
                Some(MetricType::EcsServiceAverageCpuUtilization) => ScalingMetric::Cpu,
                Some(MetricType::EcsServiceAverageMemoryUtilization) => ScalingMetric::Memory,
                Some(MetricType::AlbRequestCountPerTarget) => ScalingMetric::RequestsPerTarget,
                // A custom metric is not something we register: not ours, nothing to compare.
                _ => continue,
            };
            let (load_balancer, target_group) = predefined
                .and_then(|p| p.resource_label())
                .and_then(|label| label_arns(policy.policy_arn(), label))
                .map_or((None, None), |(lb, tg)| (Some(Ref::Aws(lb)), Some(Ref::Aws(tg))));
            nodes.push(ObservedNode {
                id: policy.policy_arn().to_string(),
                spec: NodeSpec::ScalingPolicy(Box::new(ScalingPolicySpec {
                    name: policy.policy_name().to_string(),
                    resource_id: policy.resource_id().to_string(),
                    metric,
                    target: config.target_value(),
                    scale_in_cooldown_seconds: config
                        .scale_in_cooldown()
                        .and_then(|c| u32::try_from(c).ok())
                        .unwrap_or(0),
                    scale_out_cooldown_seconds: config
                        .scale_out_cooldown()
                        .and_then(|c| u32::try_from(c).ok())
                        .unwrap_or(0),
                    disable_scale_in: config.disable_scale_in().unwrap_or(false),
                    target_group,
                    load_balancer,
                })),
                tags: owned(policy.resource_id(), Kind::ScalingPolicy, Some(policy.policy_name())),
            });
        }
    }
    let mut pages =
        client.describe_scheduled_actions().service_namespace(ServiceNamespace::Ecs).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("ApplicationAutoScaling.DescribeScheduledActions", e))?;
        for action in page.scheduled_actions() {
            let name = action.scheduled_action_name();
            let resource_id = action.resource_id();
            let range = action.scalable_target_action();
            nodes.push(ObservedNode {
                id: format!("{resource_id}/{name}"),
                spec: NodeSpec::ScheduledAction(ScheduledActionSpec {
                    name: name.to_string(),
                    resource_id: resource_id.to_string(),
                    schedule: action.schedule().to_string(),
                    timezone: action.timezone().filter(|t| !t.is_empty() && *t != "UTC").map(str::to_string),
                    min_capacity: range.and_then(|r| r.min_capacity()).and_then(|n| u32::try_from(n).ok()),
                    max_capacity: range.and_then(|r| r.max_capacity()).and_then(|n| u32::try_from(n).ok()),
                }),
                tags: owned(resource_id, Kind::ScheduledAction, Some(name)),
            });
        }
    }
    Ok(nodes)
}

/// The load balancer and target group ARNs behind a request-count resource label
/// (`app/LB/ID/targetgroup/TG/ID`), in the policy's region and account.
fn label_arns(policy_arn: &str, label: &str) -> Option<(String, String)> {
    let mut arn = policy_arn.split(':');
    let (region, account) = (arn.nth(3)?, arn.next()?);
    let (lb, tg) = label.split_once("/targetgroup/")?;
    Some((
        format!("arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/{lb}"),
        format!("arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{tg}"),
    ))
}

/// `app/LB/ID/targetgroup/TG/ID` from the two ARNs.
fn resource_label(load_balancer_arn: &str, target_group_arn: &str) -> Option<String> {
    let lb = load_balancer_arn.split_once(":loadbalancer/")?.1;
    let tg = target_group_arn.split_once(":targetgroup/")?.1;
    Some(format!("{lb}/targetgroup/{tg}"))
}

const DIMENSION: ScalableDimension = ScalableDimension::EcsServiceDesiredCount;

fn capacity(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Registers the scalable target (or changes its range: the same call); returns its id.
pub async fn put_target(ctx: &Ctx<'_>, spec: &ScalableTargetSpec) -> Result<String, AwsError> {
    let client = &ctx.aws.autoscaling;
    let ScalableTargetSpec { resource_id, min_capacity, max_capacity } = spec;
    client
        .register_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id)
        .scalable_dimension(DIMENSION)
        .min_capacity(capacity(*min_capacity))
        .max_capacity(capacity(*max_capacity))
        .send()
        .await
        .map_err(|e| classify("ApplicationAutoScaling.RegisterScalableTarget", e))?;
    Ok(resource_id.clone())
}

/// Creates or updates the scaling policy (one "put" call); returns its ARN.
pub async fn put_policy(ctx: &Ctx<'_>, spec: &ScalingPolicySpec) -> Result<String, AwsError> {
    let client = &ctx.aws.autoscaling;
    let metric_type = match spec.metric {
        ScalingMetric::Cpu => MetricType::EcsServiceAverageCpuUtilization,
        ScalingMetric::Memory => MetricType::EcsServiceAverageMemoryUtilization,
        ScalingMetric::RequestsPerTarget => MetricType::AlbRequestCountPerTarget,
    };
    let label = match (&spec.load_balancer, &spec.target_group) {
        (Some(lb), Some(tg)) => resource_label(&ctx.id_of(lb)?, &ctx.id_of(tg)?),
        _ => None,
    };
    let metric = PredefinedMetricSpecification::builder()
        .predefined_metric_type(metric_type)
        .set_resource_label(label)
        .build()
        .map_err(|e| AwsError::invalid("ApplicationAutoScaling.PutScalingPolicy", e.to_string()))?;
    let config = TargetTrackingScalingPolicyConfiguration::builder()
        .target_value(spec.target)
        .predefined_metric_specification(metric)
        .scale_in_cooldown(capacity(spec.scale_in_cooldown_seconds))
        .scale_out_cooldown(capacity(spec.scale_out_cooldown_seconds))
        .disable_scale_in(spec.disable_scale_in)
        .build()
        .map_err(|e| AwsError::invalid("ApplicationAutoScaling.PutScalingPolicy", e.to_string()))?;
    let out = client
        .put_scaling_policy()
        .policy_name(&spec.name)
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(&spec.resource_id)
        .scalable_dimension(DIMENSION)
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(config)
        .send()
        .await
        .map_err(|e| classify("ApplicationAutoScaling.PutScalingPolicy", e))?;
    Ok(out.policy_arn().to_string())
}

/// Creates or updates the scheduled action (one "put" call); returns its id.
pub async fn put_scheduled(ctx: &Ctx<'_>, spec: &ScheduledActionSpec) -> Result<String, AwsError> {
    let client = &ctx.aws.autoscaling;
    let ScheduledActionSpec { name, resource_id, schedule, timezone, min_capacity, max_capacity } = spec;
    client
        .put_scheduled_action()
        .service_namespace(ServiceNamespace::Ecs)
        .scheduled_action_name(name)
        .resource_id(resource_id)
        .scalable_dimension(DIMENSION)
        .schedule(schedule)
        .set_timezone(timezone.clone())
        .scalable_target_action(
            ScalableTargetAction::builder()
                .set_min_capacity(min_capacity.map(capacity))
                .set_max_capacity(max_capacity.map(capacity))
                .build(),
        )
        .send()
        .await
        .map_err(|e| classify("ApplicationAutoScaling.PutScheduledAction", e))?;
    Ok(format!("{resource_id}/{name}"))
}

pub async fn delete_target(ctx: &Ctx<'_>, spec: &ScalableTargetSpec) -> Result<(), AwsError> {
    let client = &ctx.aws.autoscaling;
    let resource_id = &spec.resource_id;
    client
        .deregister_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id)
        .scalable_dimension(DIMENSION)
        .send()
        .await
        .map_err(|e| classify("ApplicationAutoScaling.DeregisterScalableTarget", e))?;
    Ok(())
}

pub async fn delete_policy(ctx: &Ctx<'_>, spec: &ScalingPolicySpec) -> Result<(), AwsError> {
    let client = &ctx.aws.autoscaling;
    client
        .delete_scaling_policy()
        .policy_name(&spec.name)
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(&spec.resource_id)
        .scalable_dimension(DIMENSION)
        .send()
        .await
        .map_err(|e| classify("ApplicationAutoScaling.DeleteScalingPolicy", e))?;
    Ok(())
}

pub async fn delete_scheduled(ctx: &Ctx<'_>, spec: &ScheduledActionSpec) -> Result<(), AwsError> {
    let client = &ctx.aws.autoscaling;
    let ScheduledActionSpec { name, resource_id, .. } = spec;
    client
        .delete_scheduled_action()
        .service_namespace(ServiceNamespace::Ecs)
        .scheduled_action_name(name)
        .resource_id(resource_id)
        .scalable_dimension(DIMENSION)
        .send()
        .await
        .map_err(|e| classify("ApplicationAutoScaling.DeleteScheduledAction", e))?;
    Ok(())
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `ScalableTarget` in the registry.
pub struct ScalableTargetKind;

impl Adapter for ScalableTargetKind {
    type Spec = ScalableTargetSpec;

    const READS: &'static [&'static str] = &[
        "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:DescribeScalingPolicies",
        "application-autoscaling:DescribeScheduledActions",
        "cloudwatch:DescribeAlarms",
    ];

    fn permissions(grants: &mut Grants<'_>, _node: &Node, _spec: &Self::Spec) {
        // Scalable targets carry no tags of ours (see SCALING_POLICIES_KEY) and have opaque ARNs: Application
        // Auto Scaling cannot be limited to the declared services.
        let change =
            ["application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget"];
        grants.allow(&change, "*", Condition::Always);
        let service = "ecs.application-autoscaling.amazonaws.com";
        grants.allow(
            &["iam:CreateServiceLinkedRole"],
            &service_linked_role(service),
            Condition::ServiceLinked(service),
        );
    }

    async fn create(ctx: &Ctx<'_>, _node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        put_target(ctx, spec).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &Self::Spec) -> Result<(), AwsError> {
        // The put call both creates and changes.
        let _ = (id, action);
        put_target(ctx, spec).await.map(|_| ())
    }

    async fn delete(ctx: &Ctx<'_>, _found: &ObservedNode, spec: &Self::Spec) -> Result<(), AwsError> {
        delete_target(ctx, spec).await
    }

    async fn release(
        ctx: &Ctx<'_>,
        found: &ObservedNode,
        spec: &Self::Spec,
        keys: Vec<String>,
    ) -> Result<(), AwsError> {
        // Owned through their service's tags (see the module docs): released with the service.
        let _ = (ctx, found, spec, keys);
        Ok(())
    }
}

/// `ScalingPolicy` in the registry.
pub struct ScalingPolicyKind;

impl Adapter for ScalingPolicyKind {
    type Spec = ScalingPolicySpec;

    const READS: &'static [&'static str] = &[];

    fn permissions(grants: &mut Grants<'_>, _node: &Node, spec: &Self::Spec) {
        let change = ["application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy"];
        grants.allow(&change, "*", Condition::Always);
        // Target tracking makes and removes its CloudWatch alarms with the caller's permissions; their names
        // start with the policy's resource id.
        let alarms = arn("cloudwatch", &format!("alarm:TargetTracking-{}-*", spec.resource_id));
        grants.allow(&["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"], &alarms, Condition::Always);
    }

    async fn create(ctx: &Ctx<'_>, _node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        put_policy(ctx, spec).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &Self::Spec) -> Result<(), AwsError> {
        // The put call both creates and changes.
        let _ = (id, action);
        put_policy(ctx, spec).await.map(|_| ())
    }

    async fn delete(ctx: &Ctx<'_>, _found: &ObservedNode, spec: &Self::Spec) -> Result<(), AwsError> {
        delete_policy(ctx, spec).await
    }

    async fn release(
        ctx: &Ctx<'_>,
        found: &ObservedNode,
        spec: &Self::Spec,
        keys: Vec<String>,
    ) -> Result<(), AwsError> {
        // Owned through their service's tags (see the module docs): released with the service.
        let _ = (ctx, found, spec, keys);
        Ok(())
    }
}

/// `ScheduledAction` in the registry.
pub struct ScheduledActionKind;

impl Adapter for ScheduledActionKind {
    type Spec = ScheduledActionSpec;

    const READS: &'static [&'static str] = &[];

    fn permissions(grants: &mut Grants<'_>, _node: &Node, _spec: &Self::Spec) {
        let change = ["application-autoscaling:PutScheduledAction", "application-autoscaling:DeleteScheduledAction"];
        grants.allow(&change, "*", Condition::Always);
    }

    async fn create(ctx: &Ctx<'_>, _node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        put_scheduled(ctx, spec).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &Self::Spec) -> Result<(), AwsError> {
        // The put call both creates and changes.
        let _ = (id, action);
        put_scheduled(ctx, spec).await.map(|_| ())
    }

    async fn delete(ctx: &Ctx<'_>, _found: &ObservedNode, spec: &Self::Spec) -> Result<(), AwsError> {
        delete_scheduled(ctx, spec).await
    }

    async fn release(
        ctx: &Ctx<'_>,
        found: &ObservedNode,
        spec: &Self::Spec,
        keys: Vec<String>,
    ) -> Result<(), AwsError> {
        // Owned through their service's tags (see the module docs): released with the service.
        let _ = (ctx, found, spec, keys);
        Ok(())
    }
}

impl Observe for ScalableTargetKind {
    const AFTER: &'static [Kind] = &[Kind::Service];

    async fn observe(aws: &Aws, scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        observe(aws, scope.owner_id, &scope.found).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_labels_round_trip_through_the_arns() {
        let lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
        let tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/943f017f100becff";
        let label = resource_label(lb, tg).unwrap();
        assert_eq!(label, "app/web/50dc6c495c0c9188/targetgroup/web/943f017f100becff");
        let policy =
            "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:6d8972f3:resource/ecs/service/c/web:policyName/p";
        assert_eq!(label_arns(policy, &label), Some((lb.to_string(), tg.to_string())));
    }

    #[test]
    fn the_resource_id_comes_from_the_service_arn() {
        assert_eq!(
            resource_id_of("arn:aws:ecs:us-east-1:123456789012:service/container-demo/ecsdemo-frontend").as_deref(),
            Some("service/container-demo/ecsdemo-frontend")
        );
    }
}
