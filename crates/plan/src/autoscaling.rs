//! Autoscaling's special cases in the planner, in one place. A service's scaling registrations (scalable
//! target, policies, scheduled actions) are not like other resources: they carry no tags of their own and are
//! recognised as ours through the service they scale, they go with their declaration whatever pruning says,
//! deregistering a target takes every policy on it (ours or not), and while they exist the service's desired
//! count is the autoscaler's.

use std::collections::BTreeSet;

use crate::kinds::service;
use crate::node::{Node, ObservedNode};
use crate::plan::{ActionKind, ChangedField, FieldChange, Plan};
use crate::reason::{ActionReason, DriftNote};
use crate::{Address, Kind, NodeSpec, ScalableTargetSpec, ScheduledActionSpec};

/// Whether `spec` is a scalable target that policies or scheduled actions not ours are attached to.
pub(crate) fn carries_foreign_scaling<'a>(
    spec: &NodeSpec,
    foreign: impl IntoIterator<Item = &'a ObservedNode>,
) -> bool {
    let NodeSpec::ScalableTarget(ScalableTargetSpec { resource_id, .. }) = spec else {
        return false;
    };
    foreign.into_iter().any(|other| match &other.spec {
        NodeSpec::ScalingPolicy(policy) => policy.resource_id == *resource_id,
        NodeSpec::ScheduledAction(ScheduledActionSpec { resource_id: r, .. }) => r == resource_id,
        _ => false,
    })
}

/// Scaling registrations are recognised as ours through the ECS service they scale. When that service is gone
/// (deleted by hand) and is being created again, what is left registered under its name scales nothing and can
/// be recognised by nothing: it is written over (registrations are upserts) rather than reported as a conflict
/// that would keep the service from being scaled again.
pub(crate) fn scales_a_new_service(node: &Node, plan: &Plan) -> bool {
    node.address.kind.removed_with_its_declaration() && {
        let declaration = node.address.name.split('/').next().unwrap_or_default();
        let service = Address::new(Kind::Service, declaration);
        plan.actions.iter().any(|a| a.address == service && a.action == ActionKind::Create)
    }
}

/// What a drift means beyond its fields: a service's desired count moved outside the autoscaler's range.
pub(crate) fn drift_notes(node: &Node, changes: &[FieldChange]) -> Vec<DriftNote> {
    match &node.spec {
        NodeSpec::Service(spec)
            if changes.iter().any(|c| c.field == ChangedField::Field(service::field::DESIRED_COUNT)) =>
        {
            spec.autoscaling.map(|(min, max)| DriftNote::CountOutsideScalingRange { min, max }).into_iter().collect()
        }
        _ => vec![],
    }
}

/// A service whose scaling registration goes gets its desired count back from the file: say so where the
/// count changes, since nobody touched the service itself.
pub(crate) fn note_autoscaling_removed(plan: &mut Plan) {
    let unscaled: BTreeSet<String> = plan
        .actions
        .iter()
        .filter(|a| a.action == ActionKind::Delete && a.address.kind == Kind::ScalableTarget)
        .map(|a| a.address.name.clone())
        .collect();
    for action in &mut plan.actions {
        let changes_count = action.changes(service::field::DESIRED_COUNT);
        if action.address.kind == Kind::Service
            && unscaled.contains(&action.address.name)
            && changes_count
            && let ActionReason::Drift { notes, .. } = &mut action.reason
        {
            notes.push(DriftNote::AutoscalingRemoved);
        }
    }
}
