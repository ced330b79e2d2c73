//! Listener rules of a shared load balancer: each sends one service's paths and hosts to its target group.
//!
//! Observed with the load balancers (`elb::observe`): DescribeRules on each listener of ours that answers 404 by
//! default, the default rule left out; their tags come in the same DescribeTags batches.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_elasticloadbalancingv2::types::{
    Action as ElbAction, ActionTypeEnum, HostHeaderConditionConfig, PathPatternConditionConfig, Rule, RuleCondition,
    RulePriorityPair,
};
use reconciler_plan::kinds::listener_rule::{ListenerRuleSpec, field};
use reconciler_plan::{Action, Node, NodeSpec, ObservedNode, Ref};

use super::elb::{elb_arn, elb_resource, first_ours, load_balancer_name, to_tags, update_tags};
use crate::Aws;
use crate::apply::Ctx;
use crate::create_once::create_once;
use crate::error::{AwsError, classify};
use crate::kinds::{Adapter, release};
use crate::permissions::{Condition, Grants};

/// The rules of `listener`, but its default one (which is the listener's default action).
pub async fn rules(aws: &Aws, listener: &str) -> Result<Vec<ObservedNode>, AwsError> {
    let out =
        aws.elb.describe_rules().listener_arn(listener).send().await.map_err(|e| classify("ELBv2.DescribeRules", e))?;
    Ok(out.rules().iter().filter(|r| !r.is_default().unwrap_or(false)).filter_map(|r| observed(listener, r)).collect())
}

fn observed(listener: &str, rule: &Rule) -> Option<ObservedNode> {
    let arn = rule.rule_arn()?;
    let values = |field: &str| -> BTreeSet<String> {
        rule.conditions()
            .iter()
            .filter(|c| c.field() == Some(field))
            .flat_map(|c| {
                // AWS fills both the config and the legacy `Values`; the emulator may fill either.
                let config = match field {
                    "path-pattern" => c.path_pattern_config().map(|p| p.values().to_vec()),
                    _ => c.host_header_config().map(|h| h.values().to_vec()),
                };
                config.filter(|v| !v.is_empty()).unwrap_or_else(|| c.values().to_vec())
            })
            .collect()
    };
    let forward = rule.actions().iter().find(|a| a.r#type() == Some(&ActionTypeEnum::Forward));
    let spec = ListenerRuleSpec {
        listener: Ref::Aws(listener.to_string()),
        priority: rule.priority().and_then(|p| p.parse().ok()).unwrap_or(0),
        paths: values("path-pattern"),
        hosts: values("host-header"),
        target_group: Ref::Aws(forward.and_then(|a| a.target_group_arn()).unwrap_or_default().to_string()),
    };
    Some(ObservedNode { id: arn.to_string(), spec: NodeSpec::ListenerRule(spec), tags: BTreeMap::new() })
}

fn conditions(spec: &ListenerRuleSpec) -> Vec<RuleCondition> {
    let mut conditions = Vec::new();
    if !spec.paths.is_empty() {
        let config =
            PathPatternConditionConfig::builder().set_values(Some(spec.paths.iter().cloned().collect())).build();
        conditions.push(RuleCondition::builder().field("path-pattern").path_pattern_config(config).build());
    }
    if !spec.hosts.is_empty() {
        let config =
            HostHeaderConditionConfig::builder().set_values(Some(spec.hosts.iter().cloned().collect())).build();
        conditions.push(RuleCondition::builder().field("host-header").host_header_config(config).build());
    }
    conditions
}

fn forward(ctx: &Ctx<'_>, spec: &ListenerRuleSpec) -> Result<ElbAction, AwsError> {
    Ok(ElbAction::builder().r#type(ActionTypeEnum::Forward).target_group_arn(ctx.id_of(&spec.target_group)?).build())
}

pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &ListenerRuleSpec) -> Result<String, AwsError> {
    let listener = ctx.id_of(&spec.listener)?;
    let action = forward(ctx, spec)?;
    let priority = i32::try_from(spec.priority).unwrap_or(i32::MAX);
    let send = || async {
        let out = ctx
            .aws
            .elb
            .create_rule()
            .listener_arn(&listener)
            .priority(priority)
            .set_conditions(Some(conditions(spec)))
            .actions(action.clone())
            .set_tags(Some(to_tags(&node.tags)))
            .customize()
            .config_override(Aws::elb_config_without_retries())
            .send()
            .await
            .map_err(|e| classify("ELBv2.CreateRule", e))?;
        let arn = out.rules().first().and_then(|r| r.rule_arn());
        Ok(arn.ok_or_else(|| AwsError::invalid("ELBv2.CreateRule", "no rule ARN"))?.to_string())
    };
    // A priority holds one rule: after a lost answer, the rule at ours, if tagged ours, is the one made.
    let look = || async {
        let found = rules(ctx.aws, &listener).await?;
        let at_priority =
            found.into_iter().filter(|r| matches!(&r.spec, NodeSpec::ListenerRule(s) if s.priority == spec.priority));
        first_ours(ctx, node, at_priority.map(|r| r.id).collect()).await
    };
    create_once(ctx.aws.max_attempts, send, look).await
}

pub async fn update(ctx: &Ctx<'_>, arn: &str, action: &Action, spec: &ListenerRuleSpec) -> Result<(), AwsError> {
    if action.changes(field::PRIORITY) {
        let pair = RulePriorityPair::builder()
            .rule_arn(arn)
            .priority(i32::try_from(spec.priority).unwrap_or(i32::MAX))
            .build();
        ctx.aws
            .elb
            .set_rule_priorities()
            .rule_priorities(pair)
            .send()
            .await
            .map_err(|e| classify("ELBv2.SetRulePriorities", e))?;
    }
    if action.refreshes_references() || action.changes_any(&field::RULE) {
        ctx.aws
            .elb
            .modify_rule()
            .rule_arn(arn)
            .set_conditions(Some(conditions(spec)))
            .actions(forward(ctx, spec)?)
            .send()
            .await
            .map_err(|e| classify("ELBv2.ModifyRule", e))?;
    }
    update_tags(ctx, arn, action).await
}

/// `ListenerRule` in the registry.
pub struct ListenerRuleKind;

impl Adapter for ListenerRuleKind {
    type Spec = ListenerRuleSpec;

    const READS: &'static [&'static str] = &["elasticloadbalancing:DescribeRules"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, spec: &Self::Spec) {
        let load_balancer = match grants.node(&spec.listener).map(|n| &n.spec) {
            Some(NodeSpec::Listener(listener)) => load_balancer_name(grants, &listener.load_balancer),
            _ => "*".to_string(),
        };
        let rules = elb_arn(&format!("listener-rule/app/{load_balancer}/*"));
        elb_resource(grants, node, "CreateRule", &rules, &["ModifyRule", "DeleteRule", "SetRulePriorities"]);
        // A rule is made on a listener, which must be ours.
        let on = elb_arn(&format!("listener/app/{load_balancer}/*"));
        grants.allow(&["elasticloadbalancing:CreateRule"], &on, Condition::Ours);
    }

    async fn create(ctx: &Ctx<'_>, node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        create(ctx, node, spec).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &Self::Spec) -> Result<(), AwsError> {
        update(ctx, id, action, spec).await
    }

    async fn delete(ctx: &Ctx<'_>, found: &ObservedNode, _spec: &Self::Spec) -> Result<(), AwsError> {
        ctx.aws.elb.delete_rule().rule_arn(&found.id).send().await.map_err(|e| classify("ELBv2.DeleteRule", e))?;
        Ok(())
    }

    async fn release(
        ctx: &Ctx<'_>,
        found: &ObservedNode,
        _spec: &Self::Spec,
        keys: Vec<String>,
    ) -> Result<(), AwsError> {
        release::elb(ctx, &found.id, keys).await
    }
}
