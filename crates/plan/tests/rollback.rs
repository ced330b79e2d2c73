//! The hold after a circuit-breaker rollback, planned from what observation reports: the file asks for image
//! v2, ECS rolled the service back from that revision (2) to the one before (1), and the planner must not move
//! the service to the failing revision again until the declaration changes.

mod common;

use common::*;
use reconciler_plan::ownership::{HELD_REASON_KEY, HELD_REVISION_KEY};
use reconciler_plan::rollback::FailedRollout;
use reconciler_plan::{ActionKind, ActionReason, ChangedField, HeldBy, NodeSpec, Observed, Plan};
use reconciler_spec::Desired;

const SERVICE: &str = "ecsdemo-frontend";
const REASON: &str = "ECS deployment circuit breaker: tasks failed to start.";
const FAILED_ARN: &str = "arn:aws:ecs:eu-west-1:123456789012:task-definition/ecsdemo-frontend:2";

/// The workshop with the frontend's image set to `image`.
fn with_image(image: &str) -> Desired {
    let mut desired = workshop_config();
    service_mut(&mut desired, SERVICE).image = image.to_string();
    desired
}

/// An account where the workshop ran image v1 (revision 1), v2 (revision 2) was deployed and the circuit
/// breaker rolled it back: the service runs revision 1 again, and ECS (or our tag) names revision 2 as failed.
fn rolled_back(running_revision: u32) -> Observed {
    let mut observed = converged(&with_image("brentley/ecsdemo-frontend:v1"), &zones(3));
    let failed = converged(&with_image("brentley/ecsdemo-frontend:v2"), &zones(3));
    let failed_content = failed
        .nodes
        .iter()
        .find_map(|n| match &n.spec {
            NodeSpec::TaskDefinition(spec) if spec.family == SERVICE => Some(spec.clone()),
            _ => None,
        })
        .expect("the frontend's task definition");
    let NodeSpec::Service(service) = &mut observed_mut(&mut observed, &format!("service.{SERVICE}")).spec else {
        unreachable!()
    };
    service.failed_rollout = Some(Box::new(FailedRollout {
        task_definition: FAILED_ARN.to_string(),
        revision: 2,
        running_revision: Some(running_revision),
        content: Some(failed_content),
        reason: REASON.to_string(),
    }));
    observed
}

/// The same, with the failure already recorded in our tags on the service.
fn rolled_back_and_recorded() -> Observed {
    let mut observed = rolled_back(1);
    let service = observed_mut(&mut observed, &format!("service.{SERVICE}"));
    service.tags.insert(HELD_REVISION_KEY.to_string(), "ecsdemo-frontend:2".to_string());
    service.tags.insert(HELD_REASON_KEY.to_string(), REASON.to_string());
    observed
}

fn held(plan: &Plan) -> Vec<(String, HeldBy)> {
    plan.held.iter().map(|h| (h.address.to_string(), h.by.clone())).collect()
}

fn failed_hold() -> HeldBy {
    HeldBy::FailedRollout { revision: 2, reason: REASON.to_string() }
}

#[test]
fn the_failed_revision_is_not_deployed_again_and_the_failure_is_recorded_on_the_service() {
    let plan = plan_ok(&with_image("brentley/ecsdemo-frontend:v2"), &rolled_back(1));

    assert_eq!(
        held(&plan),
        [(format!("task_definition.{SERVICE}"), failed_hold()), (format!("service.{SERVICE}"), failed_hold())]
    );
    // No new revision, no UpdateService: only the tags that keep the hold once ECS forgets the deployment.
    assert_actions(&plan, &[("service.ecsdemo-frontend", ActionKind::Update)]);
    let record = &plan.actions[0];
    assert_eq!(record.reason, ActionReason::RollbackRecorded { revision: 2 });
    assert!(!record.changes_fields(), "{:?}", record.changes);
    assert_eq!(
        before_after(record, "tags.reconciler:held-revision"),
        (reconciler_plan::Value::Absent, text("ecsdemo-frontend:2"))
    );
    assert_eq!(record.changed_tags().get(HELD_REASON_KEY).map(String::as_str), Some(REASON));
    assert_eq!(plan.summary().held_after_rollback, 2);
    assert_eq!(plan.summary().held, 0);
}

#[test]
fn once_recorded_the_hold_plans_nothing_at_all() {
    let plan = plan_ok(&with_image("brentley/ecsdemo-frontend:v2"), &rolled_back_and_recorded());
    assert!(plan.actions.is_empty(), "{:#?}", describe(&plan));
    assert_eq!(held(&plan).len(), 2);
}

#[test]
fn a_new_image_releases_the_hold() {
    let plan = plan_ok(&with_image("brentley/ecsdemo-frontend:v3"), &rolled_back_and_recorded());
    assert!(plan.held.is_empty(), "{:?}", plan.held);
    assert_actions(
        &plan,
        &[("task_definition.ecsdemo-frontend", ActionKind::Replace), ("service.ecsdemo-frontend", ActionKind::Update)],
    );
}

#[test]
fn a_new_environment_variable_releases_the_hold() {
    let mut desired = with_image("brentley/ecsdemo-frontend:v2");
    service_mut(&mut desired, SERVICE).environment.insert("RETRY".to_string(), "1".to_string());
    let plan = plan_ok(&desired, &rolled_back_and_recorded());
    assert!(plan.held.is_empty(), "{:?}", plan.held);
    assert_eq!(action(&plan, "task_definition.ecsdemo-frontend").action, ActionKind::Replace);
}

#[test]
fn a_change_to_the_service_itself_releases_the_hold() {
    // Failed health checks are fixed in the service (a longer grace period), not in the task definition: the
    // same revision with the new setting is a new attempt.
    let mut desired = with_image("brentley/ecsdemo-frontend:v2");
    service_mut(&mut desired, SERVICE).health_check_grace_period_seconds = 120;
    let plan = plan_ok(&desired, &rolled_back_and_recorded());
    assert!(plan.held.is_empty(), "{:?}", plan.held);
    assert_actions(
        &plan,
        &[("task_definition.ecsdemo-frontend", ActionKind::Replace), ("service.ecsdemo-frontend", ActionKind::Update)],
    );
    let update = action(&plan, "service.ecsdemo-frontend");
    assert!(update.changes.iter().any(|c| c.field.to_string() == "health_check_grace_period_seconds"));
}

#[test]
fn going_back_to_the_revision_that_runs_is_no_change_and_no_hold() {
    let plan = plan_ok(&with_image("brentley/ecsdemo-frontend:v1"), &rolled_back_and_recorded());
    assert_empty(&plan);
    assert!(plan.held.is_empty());
}

#[test]
fn a_record_older_than_what_the_service_runs_is_history() {
    // Revision 3 was deployed after the failure of 2 (the file changed, then changed back to v2's content):
    // this is a new attempt, not the failed one.
    let plan = plan_ok(&with_image("brentley/ecsdemo-frontend:v2"), &rolled_back(3));
    assert!(plan.held.is_empty(), "{:?}", plan.held);
    assert_actions(
        &plan,
        &[("task_definition.ecsdemo-frontend", ActionKind::Replace), ("service.ecsdemo-frontend", ActionKind::Update)],
    );
}

#[test]
fn without_a_rollback_the_image_change_is_planned_as_always() {
    let observed = converged(&with_image("brentley/ecsdemo-frontend:v1"), &zones(3));
    let plan = plan_ok(&with_image("brentley/ecsdemo-frontend:v2"), &observed);
    assert!(plan.held.is_empty());
    assert_actions(
        &plan,
        &[("task_definition.ecsdemo-frontend", ActionKind::Replace), ("service.ecsdemo-frontend", ActionKind::Update)],
    );
    assert!(
        !plan
            .actions
            .iter()
            .any(|a| a.changes.iter().any(|c| matches!(&c.field, ChangedField::Tag(k) if k == HELD_REVISION_KEY)))
    );
}
