//! The planner on a service's autoscaling (`[service.NAME.autoscaling]`), on the shipped workshop (`config/`:
//! frontend and crystal scale between 1 and 10 tasks on CPU, nodejs does not): the scalable targets, policies
//! and scheduled actions it plans, who owns the desired count while a service scales, and what removing the
//! section does.

mod common;

use std::collections::BTreeMap;

use common::*;
use reconciler_plan::ScalableTargetSpec;
use reconciler_plan::kinds::{scalable_target, scaling_policy, service};
use reconciler_plan::ownership::{SCALING_POLICIES_KEY, SCHEDULED_ACTIONS_KEY};
use reconciler_plan::{
    Action, ActionKind, ActionReason, ChangedField, DriftNote, NodeSpec, Observed, ObservedNode, Plan,
    ScalingPolicySpec, StayReason, Value, expand,
};
use reconciler_spec::{Autoscaling, Desired, ScalingMetric, ScheduledAction, TargetTracking};

const FRONTEND_TARGET: &str = "scalable_target.ecsdemo-frontend";
const FRONTEND_POLICY: &str = "scaling_policy.ecsdemo-frontend/ecsdemo-frontend-cpu";
const CRYSTAL_TARGET: &str = "scalable_target.ecsdemo-crystal";
const CRYSTAL_POLICY: &str = "scaling_policy.ecsdemo-crystal/ecsdemo-crystal-cpu";
const FRONTEND_RESOURCE_ID: &str = "service/container-demo/ecsdemo-frontend";

/// The count as the plan shows it while autoscaling owns it.
fn owned(count: u32, min: u32, max: u32) -> Value {
    Value::Text(format!("{count} (owned by autoscaling, {min} to {max})"))
}

fn autoscaling_mut<'a>(desired: &'a mut Desired, name: &str) -> &'a mut Autoscaling {
    service_mut(desired, name).autoscaling.as_mut().unwrap_or_else(|| panic!("{name} has no autoscaling"))
}

/// The shipped workshop, converged, with the live desired count of `service` set to `count` (as the autoscaler,
/// or someone, would have set it).
fn converged_with_count(service: &str, count: u32) -> Observed {
    let mut observed = converged(&workshop_config(), &zones(3));
    set_live_count(&mut observed, service, count);
    observed
}

fn set_live_count(observed: &mut Observed, service: &str, count: u32) {
    let NodeSpec::Service(found) = &mut observed_mut(observed, &format!("service.{service}")).spec else {
        unreachable!("a service")
    };
    found.desired_count = count;
}

/// Exactly these actions, one per resource, in any order, with these kinds; no conflicts, nothing not
/// declared.
fn assert_actions_once_each(plan: &Plan, expected: &[(&str, ActionKind)]) {
    assert_actions(plan, expected);
    assert_eq!(plan.actions.len(), expected.len(), "one action per resource: {:#?}", describe(plan));
}

/// The fields an action changes, in its order.
fn fields(action: &Action) -> Vec<String> {
    action.changes.iter().map(|c| c.field.to_string()).collect()
}

fn desired_count_written(action: &Action) -> u32 {
    let NodeSpec::Service(spec) = &action.desired.spec else { panic!("{} is not a service", action.address) };
    spec.desired_count
}

/// A target-tracking policy someone registered by hand on the frontend's scalable target, as the AWS layer
/// observes it: no ownership tags (the service's tag does not list its name).
fn policy_by_hand() -> ObservedNode {
    ObservedNode {
        id: format!(
            "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:0000:resource/ecs/{FRONTEND_RESOURCE_ID}:policyName/by-hand"
        ),
        spec: NodeSpec::ScalingPolicy(Box::new(ScalingPolicySpec {
            name: "by-hand".to_string(),
            resource_id: FRONTEND_RESOURCE_ID.to_string(),
            metric: ScalingMetric::Memory,
            target: 70.0,
            scale_in_cooldown_seconds: 300,
            scale_out_cooldown_seconds: 300,
            disable_scale_in: false,
            target_group: None,
            load_balancer: None,
        })),
        tags: BTreeMap::new(),
    }
}

// ---------------------------------------------------------------------------------------------------------
// From an empty account, and converged
// ---------------------------------------------------------------------------------------------------------

#[test]
fn from_empty_scalable_targets_and_policies_are_created_after_their_service() {
    let plan = plan_ok(&workshop_config(), &empty_account(3));
    assert!(plan.actions.iter().all(|a| a.action == ActionKind::Create), "{:#?}", describe(&plan));

    for (service, target, policy, cpu) in [
        ("ecsdemo-frontend", FRONTEND_TARGET, FRONTEND_POLICY, "50"),
        ("ecsdemo-crystal", CRYSTAL_TARGET, CRYSTAL_POLICY, "20"),
    ] {
        let service_address = format!("service.{service}");
        assert_before(&plan, &service_address, target);
        assert_before(&plan, target, policy);
        let create_target = action(&plan, target);
        assert_eq!(create_target.reason, ActionReason::NotFound);
        assert!(create_target.depends_on.contains(&addr(&service_address)), "{:?}", create_target.depends_on);
        assert_eq!(
            before_after(create_target, "resource_id"),
            (Value::Absent, text(&format!("service/container-demo/{service}")))
        );
        assert_eq!(before_after(create_target, "min_capacity"), (Value::Absent, Value::Int(1)));
        assert_eq!(before_after(create_target, "max_capacity"), (Value::Absent, Value::Int(10)));

        let create_policy = action(&plan, policy);
        assert!(create_policy.depends_on.contains(&addr(target)), "{:?}", create_policy.depends_on);
        assert_eq!(before_after(create_policy, "name"), (Value::Absent, text(&format!("{service}-cpu"))));
        assert_eq!(before_after(create_policy, "metric"), (Value::Absent, text("cpu")));
        assert_eq!(before_after(create_policy, "target"), (Value::Absent, text(cpu)));
        assert_eq!(before_after(create_policy, "scale_in_cooldown_seconds"), (Value::Absent, Value::Int(30)));
        assert_eq!(before_after(create_policy, "scale_out_cooldown_seconds"), (Value::Absent, Value::Int(30)));
        assert_eq!(before_after(create_policy, "disable_scale_in"), (Value::Absent, Value::Bool(false)));
        assert!(
            !fields(create_policy).contains(&"target_group".to_string()),
            "a CPU policy names no target group: {:?}",
            create_policy.changes
        );

        // The service is created with the file's count, shown as the autoscaler's.
        let create_service = action(&plan, &service_address);
        assert_eq!(before_after(create_service, "desired_count"), (Value::Absent, owned(1, 1, 10)));
        assert_eq!(desired_count_written(create_service), 1);
    }

    // nodejs does not scale: no scaling resources, and its count is a plain one.
    assert!(
        !addresses(&plan).iter().any(|a| a.contains("ecsdemo-nodejs") && a.starts_with("scal")),
        "{:#?}",
        addresses(&plan)
    );
    assert_eq!(before_after(action(&plan, "service.ecsdemo-nodejs"), "desired_count"), (Value::Absent, Value::Int(1)));

    let scaling: Vec<String> = addresses(&plan)
        .into_iter()
        .filter(|a| a.starts_with("scalable_target.") || a.starts_with("scaling_policy."))
        .collect();
    assert_eq!(scaling.len(), 4, "{scaling:?}");
    assert!(!addresses(&plan).iter().any(|a| a.starts_with("scheduled_action.")));
}

#[test]
fn the_service_tags_list_the_policy_and_scheduled_action_names() {
    let plan = plan_ok(&workshop_config(), &empty_account(3));
    let tag =
        |service: &str, key: &str| before_after(action(&plan, &format!("service.{service}")), &format!("tags.{key}"));
    assert_eq!(tag("ecsdemo-frontend", SCALING_POLICIES_KEY), (Value::Absent, text("ecsdemo-frontend-cpu")));
    assert_eq!(tag("ecsdemo-crystal", SCALING_POLICIES_KEY), (Value::Absent, text("ecsdemo-crystal-cpu")));
    assert_eq!(tag("ecsdemo-frontend", SCHEDULED_ACTIONS_KEY), (Value::Absent, text("")));
    assert_eq!(tag("ecsdemo-nodejs", SCALING_POLICIES_KEY), (Value::Absent, text("")));

    // Several policies and scheduled actions: every name, sorted, comma-separated.
    let mut desired = workshop_config();
    let autoscaling = autoscaling_mut(&mut desired, "ecsdemo-frontend");
    autoscaling.target_tracking.insert(0, memory_policy("ecsdemo-frontend-memory"));
    autoscaling.scheduled.push(scheduled("night"));
    autoscaling.scheduled.push(scheduled("day"));
    let nodes = expand(&desired, &zones(3), OWNER).unwrap();
    let service = nodes.iter().find(|n| n.address.to_string() == "service.ecsdemo-frontend").unwrap();
    assert_eq!(
        service.tags.get(SCALING_POLICIES_KEY).map(String::as_str),
        Some("ecsdemo-frontend-cpu,ecsdemo-frontend-memory")
    );
    assert_eq!(service.tags.get(SCHEDULED_ACTIONS_KEY).map(String::as_str), Some("day,night"));
}

#[test]
fn the_converged_workshop_plans_nothing() {
    let desired = workshop_config();
    let observed = converged(&desired, &zones(3));
    assert!(observed.nodes.iter().any(|n| matches!(n.spec, NodeSpec::ScalableTarget(_))));
    assert_empty(&plan_ok(&desired, &observed));
}

// ---------------------------------------------------------------------------------------------------------
// Who owns the desired count
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_live_count_inside_the_range_is_not_drift() {
    for count in [4, 1, 10] {
        let plan = plan_ok(&workshop_config(), &converged_with_count("ecsdemo-frontend", count));
        assert!(plan.actions.is_empty(), "count {count}: {:#?}", describe(&plan));
        assert_empty(&plan);
    }
}

#[test]
fn a_live_count_above_the_range_is_brought_down_to_the_maximum() {
    let plan = plan_ok(&workshop_config(), &converged_with_count("ecsdemo-frontend", 12));
    assert_actions_once_each(&plan, &[("service.ecsdemo-frontend", ActionKind::Update)]);
    let update = &plan.actions[0];
    assert_eq!(
        update.reason,
        ActionReason::Drift {
            fields: vec![ChangedField::Field(service::field::DESIRED_COUNT)],
            notes: vec![DriftNote::CountOutsideScalingRange { min: 1, max: 10 }],
        }
    );
    assert_eq!(fields(update), ["desired_count"]);
    assert_eq!(before_after(update, "desired_count"), (owned(12, 1, 10), owned(10, 1, 10)));
    assert!(!change(update, "desired_count").forces_replacement);
    assert_eq!(desired_count_written(update), 10, "the update writes the clamped count");
}

#[test]
fn a_live_count_below_the_range_is_brought_up_to_the_minimum() {
    let plan = plan_ok(&workshop_config(), &converged_with_count("ecsdemo-crystal", 0));
    assert_actions_once_each(&plan, &[("service.ecsdemo-crystal", ActionKind::Update)]);
    let update = &plan.actions[0];
    assert_eq!(fields(update), ["desired_count"]);
    assert_eq!(before_after(update, "desired_count"), (owned(0, 1, 10), owned(1, 1, 10)));
    assert_eq!(desired_count_written(update), 1);
}

#[test]
fn a_service_without_autoscaling_keeps_the_files_count() {
    let plan = plan_ok(&workshop_config(), &converged_with_count("ecsdemo-nodejs", 4));
    assert_actions_once_each(&plan, &[("service.ecsdemo-nodejs", ActionKind::Update)]);
    assert_eq!(before_after(&plan.actions[0], "desired_count"), (Value::Int(4), Value::Int(1)));
    assert_eq!(desired_count_written(&plan.actions[0]), 1);
}

#[test]
fn the_files_count_does_not_matter_while_autoscaling_owns_it() {
    let mut desired = workshop_config();
    service_mut(&mut desired, "ecsdemo-frontend").desired_count = 3;
    let plan = plan_ok(&desired, &converged_with_count("ecsdemo-frontend", 6));
    assert_empty(&plan);
}

// ---------------------------------------------------------------------------------------------------------
// Adding and removing the section
// ---------------------------------------------------------------------------------------------------------

#[test]
fn removing_the_section_hands_the_count_back_and_deregisters_the_target_and_its_policies() {
    let mut desired = workshop_config();
    service_mut(&mut desired, "ecsdemo-frontend").autoscaling = None;
    let plan = plan_ok(&desired, &converged_with_count("ecsdemo-frontend", 7));

    assert_actions_once_each(
        &plan,
        &[
            ("service.ecsdemo-frontend", ActionKind::Update),
            (FRONTEND_TARGET, ActionKind::Delete),
            (FRONTEND_POLICY, ActionKind::Delete),
        ],
    );
    let summary = plan.summary();
    assert_eq!((summary.create, summary.update, summary.replace, summary.delete), (0, 1, 0, 2));

    // The count goes back to the file's, as a plain count.
    let update = action(&plan, "service.ecsdemo-frontend");
    let count = change(update, "desired_count");
    assert_eq!(count.after, Value::Int(1), "the file's count, no longer owned by autoscaling");
    assert!(matches!(&count.before, Value::Int(7)) || count.before == owned(7, 1, 10), "{:?}", count.before);
    assert_eq!(desired_count_written(update), 1);
    assert_eq!(before_after(update, &format!("tags.{SCALING_POLICIES_KEY}")), (text("ecsdemo-frontend-cpu"), text("")));

    for address in [FRONTEND_TARGET, FRONTEND_POLICY] {
        let delete = action(&plan, address);
        assert_eq!(delete.reason, DEREGISTERED);
        assert_eq!(delete.id.as_deref(), Some(id_of(&addr(address)).as_str()));
        assert!(delete.observed.is_some());
        assert!(!delete.changes.is_empty());
        assert!(
            delete.changes.iter().all(|c| c.after == Value::Absent && !c.forces_replacement),
            "{:?}",
            delete.changes
        );
    }
    assert_eq!(before_after(action(&plan, FRONTEND_TARGET), "max_capacity"), (Value::Int(10), Value::Absent));
    assert_eq!(before_after(action(&plan, FRONTEND_POLICY), "target"), (text("50"), Value::Absent));
    // Deletions are listed in the order they run: the policy goes before the target it is attached to.
    assert_before(&plan, FRONTEND_POLICY, FRONTEND_TARGET);
    // Nothing of crystal's is touched.
    assert!(!addresses(&plan).iter().any(|a| a.contains("ecsdemo-crystal")), "{:#?}", addresses(&plan));
}

/// The count being handed back says why it changes although nobody touched it: the autoscaling section went.
#[test]
fn removing_the_section_says_the_count_is_handed_back_to_the_file() {
    let mut desired = workshop_config();
    service_mut(&mut desired, "ecsdemo-frontend").autoscaling = None;
    let plan = plan_ok(&desired, &converged_with_count("ecsdemo-frontend", 7));
    let update = action(&plan, "service.ecsdemo-frontend");
    assert_eq!(before_after(update, "desired_count"), (Value::Int(7), Value::Int(1)));
    assert_eq!(
        update.reason,
        ActionReason::Drift {
            fields: vec![ChangedField::Field(service::field::DESIRED_COUNT), tag(SCALING_POLICIES_KEY)],
            notes: vec![DriftNote::AutoscalingRemoved],
        }
    );
}

#[test]
fn removing_the_section_with_the_count_already_at_the_files_value_only_deregisters() {
    let mut desired = workshop_config();
    service_mut(&mut desired, "ecsdemo-crystal").autoscaling = None;
    let plan = plan_ok(&desired, &converged(&workshop_config(), &zones(3)));
    assert_actions_once_each(
        &plan,
        &[
            ("service.ecsdemo-crystal", ActionKind::Update),
            (CRYSTAL_TARGET, ActionKind::Delete),
            (CRYSTAL_POLICY, ActionKind::Delete),
        ],
    );
    assert_eq!(fields(action(&plan, "service.ecsdemo-crystal")), [format!("tags.{SCALING_POLICIES_KEY}")]);
    // Once they are gone (and the tag written), the plan is empty again.
    assert_empty(&plan_ok(&desired, &converged(&desired, &zones(3))));
}

#[test]
fn removing_one_policy_deletes_only_that_policy() {
    let mut with_memory = workshop_config();
    autoscaling_mut(&mut with_memory, "ecsdemo-frontend")
        .target_tracking
        .push(memory_policy("ecsdemo-frontend-memory"));
    let observed = converged(&with_memory, &zones(3));
    assert_empty(&plan_ok(&with_memory, &observed));

    let plan = plan_ok(&workshop_config(), &observed);
    assert_actions_once_each(
        &plan,
        &[
            ("service.ecsdemo-frontend", ActionKind::Update),
            ("scaling_policy.ecsdemo-frontend/ecsdemo-frontend-memory", ActionKind::Delete),
        ],
    );
    assert_eq!(
        before_after(action(&plan, "service.ecsdemo-frontend"), &format!("tags.{SCALING_POLICIES_KEY}")),
        (text("ecsdemo-frontend-cpu,ecsdemo-frontend-memory"), text("ecsdemo-frontend-cpu"))
    );
}

#[test]
fn adding_the_section_takes_the_count_over_without_changing_it() {
    let mut desired = workshop_config();
    service_mut(&mut desired, "ecsdemo-nodejs").autoscaling = Some(Autoscaling {
        min_capacity: 1,
        max_capacity: 10,
        target_tracking: vec![TargetTracking {
            name: "ecsdemo-nodejs-cpu".to_string(),
            metric: ScalingMetric::Cpu,
            target: 50.0,
            scale_in_cooldown_seconds: 30,
            scale_out_cooldown_seconds: 30,
            disable_scale_in: false,
        }],
        scheduled: vec![],
    });
    let plan = plan_ok(&desired, &converged_with_count("ecsdemo-nodejs", 3));
    assert_actions_once_each(
        &plan,
        &[
            ("service.ecsdemo-nodejs", ActionKind::Update),
            ("scalable_target.ecsdemo-nodejs", ActionKind::Create),
            ("scaling_policy.ecsdemo-nodejs/ecsdemo-nodejs-cpu", ActionKind::Create),
        ],
    );
    let update = action(&plan, "service.ecsdemo-nodejs");
    assert_eq!(fields(update), [format!("tags.{SCALING_POLICIES_KEY}")], "the live count 3 is inside 1 to 10");
    assert_eq!(desired_count_written(update), 3);
    assert_before(&plan, "scalable_target.ecsdemo-nodejs", "scaling_policy.ecsdemo-nodejs/ecsdemo-nodejs-cpu");
}

// ---------------------------------------------------------------------------------------------------------
// Changes to the range and to the policies
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_new_maximum_updates_the_scalable_target_in_place() {
    let mut desired = workshop_config();
    autoscaling_mut(&mut desired, "ecsdemo-frontend").max_capacity = 5;
    let plan = plan_ok(&desired, &converged_with_count("ecsdemo-frontend", 3));
    assert_actions_once_each(&plan, &[(FRONTEND_TARGET, ActionKind::Update)]);
    let update = &plan.actions[0];
    assert_eq!(update.reason, drift(&[scalable_target::field::MAX_CAPACITY]));
    assert_eq!(fields(update), ["max_capacity"]);
    assert_eq!(before_after(update, "max_capacity"), (Value::Int(10), Value::Int(5)));
    assert_eq!(update.id.as_deref(), Some(id_of(&addr(FRONTEND_TARGET)).as_str()));
    let NodeSpec::ScalableTarget(ScalableTargetSpec { min_capacity, max_capacity, resource_id }) = &update.desired.spec
    else {
        unreachable!()
    };
    assert_eq!((resource_id.as_str(), *min_capacity, *max_capacity), (FRONTEND_RESOURCE_ID, 1, 5));
}

#[test]
fn a_new_range_that_excludes_the_live_count_also_moves_the_count() {
    let mut desired = workshop_config();
    let autoscaling = autoscaling_mut(&mut desired, "ecsdemo-frontend");
    autoscaling.min_capacity = 2;
    autoscaling.max_capacity = 4;
    let plan = plan_ok(&desired, &converged_with_count("ecsdemo-frontend", 7));
    assert_actions_once_each(
        &plan,
        &[("service.ecsdemo-frontend", ActionKind::Update), (FRONTEND_TARGET, ActionKind::Update)],
    );
    let target = action(&plan, FRONTEND_TARGET);
    assert_eq!(fields(target), ["min_capacity", "max_capacity"]);
    assert_eq!(before_after(target, "min_capacity"), (Value::Int(1), Value::Int(2)));
    let service = action(&plan, "service.ecsdemo-frontend");
    assert_eq!(before_after(service, "desired_count"), (owned(7, 2, 4), owned(4, 2, 4)));
    assert_eq!(desired_count_written(service), 4);
}

#[test]
fn a_new_target_or_cooldown_updates_the_policy_in_place() {
    let mut desired = workshop_config();
    autoscaling_mut(&mut desired, "ecsdemo-frontend").target_tracking[0].target = 60.0;
    let plan = plan_ok(&desired, &converged(&workshop_config(), &zones(3)));
    assert_actions_once_each(&plan, &[(FRONTEND_POLICY, ActionKind::Update)]);
    assert_eq!(fields(&plan.actions[0]), ["target"]);
    assert_eq!(before_after(&plan.actions[0], "target"), (text("50"), text("60")));
    assert_eq!(plan.actions[0].id.as_deref(), Some(id_of(&addr(FRONTEND_POLICY)).as_str()));

    let mut desired = workshop_config();
    autoscaling_mut(&mut desired, "ecsdemo-crystal").target_tracking[0].target = 20.5;
    let plan = plan_ok(&desired, &converged(&workshop_config(), &zones(3)));
    assert_actions_once_each(&plan, &[(CRYSTAL_POLICY, ActionKind::Update)]);
    assert_eq!(before_after(&plan.actions[0], "target"), (text("20"), text("20.5")));

    let mut desired = workshop_config();
    let policy = &mut autoscaling_mut(&mut desired, "ecsdemo-frontend").target_tracking[0];
    policy.scale_in_cooldown_seconds = 120;
    policy.scale_out_cooldown_seconds = 60;
    let plan = plan_ok(&desired, &converged(&workshop_config(), &zones(3)));
    assert_actions_once_each(&plan, &[(FRONTEND_POLICY, ActionKind::Update)]);
    let update = &plan.actions[0];
    assert_eq!(
        update.reason,
        drift(&[scaling_policy::field::SCALE_IN_COOLDOWN_SECONDS, scaling_policy::field::SCALE_OUT_COOLDOWN_SECONDS])
    );
    assert_eq!(before_after(update, "scale_in_cooldown_seconds"), (Value::Int(30), Value::Int(120)));
    assert_eq!(before_after(update, "scale_out_cooldown_seconds"), (Value::Int(30), Value::Int(60)));
    assert!(update.changes.iter().all(|c| !c.forces_replacement));
}

#[test]
fn a_policy_changed_live_is_set_back() {
    let desired = workshop_config();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::ScalingPolicy(found) = &mut observed_mut(&mut observed, FRONTEND_POLICY).spec else { unreachable!() };
    found.target = 80.0;
    let plan = plan_ok(&desired, &observed);
    assert_actions_once_each(&plan, &[(FRONTEND_POLICY, ActionKind::Update)]);
    assert_eq!(before_after(&plan.actions[0], "target"), (text("80"), text("50")));
}

#[test]
fn a_missing_target_or_policy_is_created_again() {
    let desired = workshop_config();
    let mut observed = converged(&desired, &zones(3));
    remove_observed(&mut observed, FRONTEND_POLICY);
    assert_actions_once_each(&plan_ok(&desired, &observed), &[(FRONTEND_POLICY, ActionKind::Create)]);

    // Deregistering a scalable target deletes its policies too.
    remove_observed(&mut observed, FRONTEND_TARGET);
    let plan = plan_ok(&desired, &observed);
    assert_actions_once_each(&plan, &[(FRONTEND_TARGET, ActionKind::Create), (FRONTEND_POLICY, ActionKind::Create)]);
    assert_before(&plan, FRONTEND_TARGET, FRONTEND_POLICY);
    assert_eq!(action(&plan, FRONTEND_POLICY).depends_on, vec![addr(FRONTEND_TARGET)]);
}

#[test]
fn scheduled_actions_are_created_after_the_target_and_removed_with_their_declaration() {
    let mut desired = workshop_config();
    autoscaling_mut(&mut desired, "ecsdemo-frontend").scheduled.push(scheduled("night"));
    let plan = plan_ok(&desired, &converged(&workshop_config(), &zones(3)));
    let night = "scheduled_action.ecsdemo-frontend/night";
    assert_actions_once_each(&plan, &[("service.ecsdemo-frontend", ActionKind::Update), (night, ActionKind::Create)]);
    assert_eq!(
        before_after(action(&plan, "service.ecsdemo-frontend"), &format!("tags.{SCHEDULED_ACTIONS_KEY}")),
        (text(""), text("night"))
    );
    let create = action(&plan, night);
    assert_eq!(before_after(create, "schedule"), (Value::Absent, text("cron(0 20 * * ? *)")));
    assert_eq!(before_after(create, "timezone"), (Value::Absent, text("Europe/Paris")));
    assert_eq!(before_after(create, "min_capacity"), (Value::Absent, Value::Int(0)));
    assert_eq!(before_after(create, "max_capacity"), (Value::Absent, Value::Int(2)));

    let observed = converged(&desired, &zones(3));
    assert_empty(&plan_ok(&desired, &observed));
    let plan = plan_ok(&workshop_config(), &observed);
    assert_actions_once_each(&plan, &[("service.ecsdemo-frontend", ActionKind::Update), (night, ActionKind::Delete)]);
    assert_eq!(action(&plan, night).reason, DEREGISTERED);
}

// ---------------------------------------------------------------------------------------------------------
// Ownership: what is not ours is never touched
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_policy_added_by_hand_on_our_target_is_left_alone() {
    let mut observed = converged(&workshop_config(), &zones(3));
    observed.nodes.push(policy_by_hand());
    assert_empty(&plan_ok(&workshop_config(), &observed));

    // Not even when the section that registered the target goes: only our policy is deregistered, and the
    // target is kept (deregistering it would delete the policy added by hand with it), reported as such.
    let mut desired = workshop_config();
    service_mut(&mut desired, "ecsdemo-frontend").autoscaling = None;
    let plan = plan_ok(&desired, &observed);
    let got: BTreeMap<String, ActionKind> = plan.actions.iter().map(|a| (a.address.to_string(), a.action)).collect();
    let want: BTreeMap<String, ActionKind> = [
        ("service.ecsdemo-frontend".to_string(), ActionKind::Update),
        (FRONTEND_POLICY.to_string(), ActionKind::Delete),
    ]
    .into();
    assert_eq!(got, want, "{:#?}", addresses(&plan));
    let kept = plan.not_declared.iter().find(|n| n.address.to_string() == FRONTEND_TARGET).expect("target kept");
    assert_eq!(kept.reason, StayReason::ForeignScalingAttached);
    assert!(!addresses(&plan).iter().any(|a| a.contains("by-hand")));
    assert!(plan.actions.iter().all(|a| !a.id.as_deref().unwrap_or_default().contains("by-hand")));
}

#[test]
fn scaling_configuration_of_a_service_not_ours_is_left_alone() {
    let mut observed = converged(&workshop_config(), &zones(3));
    let resource_id = "service/container-demo/someone-elses";
    observed.nodes.push(ObservedNode {
        id: resource_id.to_string(),
        spec: NodeSpec::ScalableTarget(ScalableTargetSpec {
            resource_id: resource_id.to_string(),
            min_capacity: 0,
            max_capacity: 3,
        }),
        tags: BTreeMap::new(),
    });
    let mut policy = policy_by_hand();
    let NodeSpec::ScalingPolicy(spec) = &mut policy.spec else { unreachable!() };
    spec.resource_id = resource_id.to_string();
    spec.name = "someone-elses-cpu".to_string();
    policy.id = format!("{}-elsewhere", policy.id);
    observed.nodes.push(policy);
    assert_empty(&plan_ok(&workshop_config(), &observed));
}

// ---------------------------------------------------------------------------------------------------------
// Helpers building declarations

fn memory_policy(name: &str) -> TargetTracking {
    TargetTracking {
        name: name.to_string(),
        metric: ScalingMetric::Memory,
        target: 70.0,
        scale_in_cooldown_seconds: 30,
        scale_out_cooldown_seconds: 30,
        disable_scale_in: false,
    }
}

fn scheduled(name: &str) -> ScheduledAction {
    ScheduledAction {
        name: name.to_string(),
        schedule: "cron(0 20 * * ? *)".to_string(),
        timezone: Some("Europe/Paris".to_string()),
        min_capacity: Some(0),
        max_capacity: Some(2),
    }
}

/// The workshop converged, with the scaling configuration's tags as the AWS layer observes them: only the
/// ownership that their service proves (Application Auto Scaling tags are not readable).
fn converged_as_observed() -> Observed {
    let mut observed = converged(&workshop_config(), &zones(3));
    for node in &mut observed.nodes {
        if !node.kind().has_own_tags() {
            let address = node.tags[reconciler_plan::ownership::RESOURCE_KEY].parse().unwrap();
            node.tags = reconciler_plan::ownership::ownership_tags(OWNER, &address);
        }
    }
    observed
}

#[test]
fn the_scaling_configuration_is_not_planned_for_tags_it_cannot_carry() {
    let mut desired = workshop_config();
    assert_empty(&plan_ok(&desired, &converged_as_observed()));

    // `retain` marks what the service makes, except its scaling configuration, which has no readable tags.
    desired.lifecycles.entry((reconciler_spec::Kind::Service, "ecsdemo-frontend".to_string())).or_default().retain =
        true;
    let plan = plan_ok(&desired, &converged_as_observed());
    assert!(changes_named(action(&plan, "service.ecsdemo-frontend"), "tags.reconciler:deletion-policy"));
    let scaling: Vec<String> =
        addresses(&plan).into_iter().filter(|a| a.starts_with("scal") || a.starts_with("scheduled")).collect();
    assert!(scaling.is_empty(), "{scaling:?} planned for tags: {:#?}", describe(&plan));
}
