//! Autoscaling end to end: the real binary against a moto server, on the shipped config/ (frontend and crystal
//! scale between 1 and 10 tasks on CPU, 50 % and 20 %, cooldowns 30 s; nodejs does not scale).
//!
//! Everything is checked the way a user would: through Application Auto Scaling and ECS (the SDK clients) and
//! through the reconciler's JSON output.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalableTarget, ScalingPolicy,
    ServiceNamespace, TargetTrackingScalingPolicyConfiguration,
};
use reconciler_tests::plans::{
    action, apply_as_planned, assert_nothing_to_do, assert_quiet_pass, converge, dry_run_with_changes, edit, expect,
    pass, repair_and_settle, summary,
};
use reconciler_tests::{DesiredDir, Emulator};

const CLUSTER: &str = "container-demo";
const FRONTEND: &str = "service/container-demo/ecsdemo-frontend";
const CRYSTAL: &str = "service/container-demo/ecsdemo-crystal";
const FRONTEND_TARGET: &str = "scalable_target.ecsdemo-frontend";
const FRONTEND_POLICY: &str = "scaling_policy.ecsdemo-frontend/ecsdemo-frontend-cpu";
const CRYSTAL_TARGET: &str = "scalable_target.ecsdemo-crystal";
const CRYSTAL_POLICY: &str = "scaling_policy.ecsdemo-crystal/ecsdemo-crystal-cpu";
const DIMENSION: ScalableDimension = ScalableDimension::EcsServiceDesiredCount;

// ---------------------------------------------------------------------------------------------------------
// Running the binary

/// The shipped workshop, converged on a fresh emulator.
fn converged_workshop() -> (Emulator, DesiredDir) {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    (emulator, desired)
}

/// Removes `[service.SERVICE.autoscaling]` (and its policies) from `file`, where it is the last section.
fn remove_autoscaling(desired: &DesiredDir, file: &str, service: &str) {
    let path = desired.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find(&format!("[service.{service}.autoscaling]")).unwrap_or_else(|| panic!("{file}: {text}"));
    let rest = &text[start..];
    assert!(
        rest.lines().filter(|l| l.starts_with('[')).all(|l| l.contains(".autoscaling")),
        "{file}: the autoscaling section is not the last one"
    );
    std::fs::write(&path, &text[..start]).unwrap();
}

/// A count from the plan's JSON: a plain integer, or text like `"7 (owned by autoscaling, 1 to 10)"`.
fn count(value: &serde_json::Value) -> u64 {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.split(' ').next()).and_then(|n| n.parse().ok()))
        .unwrap_or_else(|| panic!("not a count: {value}"))
}

fn owned(count: u32) -> serde_json::Value {
    format!("{count} (owned by autoscaling, 1 to 10)").into()
}

// ---------------------------------------------------------------------------------------------------------
// Looking at AWS as a user would

/// Every scalable target in the ECS namespace, by resource id.
async fn scalable_targets(emulator: &Emulator) -> BTreeMap<String, ScalableTarget> {
    let out = emulator
        .autoscaling()
        .await
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .send()
        .await
        .unwrap();
    out.scalable_targets().iter().map(|t| (t.resource_id().to_string(), t.clone())).collect()
}

/// Every scaling policy in the ECS namespace, by (resource id, policy name).
async fn scaling_policies(emulator: &Emulator) -> BTreeMap<(String, String), ScalingPolicy> {
    let out = emulator
        .autoscaling()
        .await
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::Ecs)
        .send()
        .await
        .unwrap();
    out.scaling_policies()
        .iter()
        .map(|p| ((p.resource_id().to_string(), p.policy_name().to_string()), p.clone()))
        .collect()
}

async fn policy(emulator: &Emulator, resource_id: &str, name: &str) -> Option<ScalingPolicy> {
    scaling_policies(emulator).await.remove(&(resource_id.to_string(), name.to_string()))
}

/// (metric, target, scale-in cooldown, scale-out cooldown) of a target-tracking policy.
fn tracking(policy: &ScalingPolicy) -> (MetricType, f64, Option<i32>, Option<i32>) {
    assert_eq!(policy.policy_type(), &PolicyType::TargetTrackingScaling, "{policy:?}");
    assert_eq!(policy.scalable_dimension(), &DIMENSION, "{policy:?}");
    let config = policy.target_tracking_scaling_policy_configuration().unwrap_or_else(|| panic!("{policy:?}"));
    let metric = config.predefined_metric_specification().unwrap_or_else(|| panic!("{policy:?}"));
    (
        metric.predefined_metric_type().clone(),
        config.target_value(),
        config.scale_in_cooldown(),
        config.scale_out_cooldown(),
    )
}

/// Registers (or overwrites) a target-tracking policy as someone would by hand.
async fn put_policy(emulator: &Emulator, resource_id: &str, name: &str, metric: MetricType, target: f64) {
    emulator
        .autoscaling()
        .await
        .put_scaling_policy()
        .policy_name(name)
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id)
        .scalable_dimension(DIMENSION)
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(
            TargetTrackingScalingPolicyConfiguration::builder()
                .target_value(target)
                .predefined_metric_specification(
                    PredefinedMetricSpecification::builder().predefined_metric_type(metric).build().unwrap(),
                )
                .scale_in_cooldown(300)
                .scale_out_cooldown(300)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// Deletes a scaling policy as someone would by hand.
async fn delete_policy(emulator: &Emulator, resource_id: &str, name: &str) {
    let client = emulator.autoscaling().await;
    let request = client.delete_scaling_policy().policy_name(name).service_namespace(ServiceNamespace::Ecs);
    request.resource_id(resource_id).scalable_dimension(DIMENSION).send().await.unwrap();
}

/// Deregisters a scalable target as someone would by hand.
async fn deregister_target(emulator: &Emulator, resource_id: &str) {
    let client = emulator.autoscaling().await;
    let request = client.deregister_scalable_target().service_namespace(ServiceNamespace::Ecs);
    request.resource_id(resource_id).scalable_dimension(DIMENSION).send().await.unwrap();
}

/// The active ECS service `name` in the workshop cluster, with its tags; panics if there is none.
async fn ecs_service(emulator: &Emulator, name: &str) -> aws_sdk_ecs::types::Service {
    emulator.ecs_service(CLUSTER, name).await.unwrap_or_else(|| panic!("{name} is not an active service in {CLUSTER}"))
}

async fn desired_count(emulator: &Emulator, service: &str) -> i32 {
    ecs_service(emulator, service).await.desired_count()
}

async fn set_desired_count(emulator: &Emulator, service: &str, count: i32) {
    emulator.ecs().await.update_service().cluster(CLUSTER).service(service).desired_count(count).send().await.unwrap();
    assert_eq!(desired_count(emulator, service).await, count);
}

fn tag<'a>(service: &'a aws_sdk_ecs::types::Service, key: &str) -> Option<&'a str> {
    service.tags().iter().find(|t| t.key() == Some(key)).map(|t| t.value().unwrap_or_default())
}

/// Checks the shipped scaling configuration of one service: range 1 to 10, one CPU policy with that target.
async fn assert_shipped_scaling(emulator: &Emulator, resource_id: &str, name: &str, cpu: f64) {
    let targets = scalable_targets(emulator).await;
    let target = targets.get(resource_id).unwrap_or_else(|| panic!("no scalable target {resource_id}: {targets:#?}"));
    assert_eq!(target.scalable_dimension(), &DIMENSION);
    assert_eq!((target.min_capacity(), target.max_capacity()), (1, 10), "{target:?}");
    let policy = policy(emulator, resource_id, name).await.unwrap_or_else(|| panic!("no policy {name}"));
    assert_eq!(tracking(&policy), (MetricType::EcsServiceAverageCpuUtilization, cpu, Some(30), Some(30)));
}

// ---------------------------------------------------------------------------------------------------------
// From empty, and the pass after that

#[tokio::test]
async fn registers_the_scaling_of_frontend_and_crystal_from_empty() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();

    let plan = dry_run_with_changes(&emulator, &desired);
    let position = |a: &str| plan.iter().position(|p| p.address == a).unwrap_or_else(|| panic!("no {a}: {plan:#?}"));
    for (service, target, policy) in [
        ("service.ecsdemo-frontend", FRONTEND_TARGET, FRONTEND_POLICY),
        ("service.ecsdemo-crystal", CRYSTAL_TARGET, CRYSTAL_POLICY),
    ] {
        assert!(position(service) < position(target) && position(target) < position(policy), "{plan:#?}");
        assert_eq!(action(&plan, target).action, "create");
        assert_eq!(action(&plan, policy).action, "create");
        assert_eq!(action(&plan, service).before_after("desired_count"), (&serde_json::Value::Null, &owned(1)));
    }
    assert!(!plan.iter().any(|p| p.address.contains("ecsdemo-nodejs") && p.address.starts_with("scal")), "{plan:#?}");

    converge(&emulator, &desired);
    let targets = scalable_targets(&emulator).await;
    assert_eq!(targets.keys().cloned().collect::<BTreeSet<_>>(), BTreeSet::from([CRYSTAL.into(), FRONTEND.into()]));
    assert_shipped_scaling(&emulator, FRONTEND, "ecsdemo-frontend-cpu", 50.0).await;
    assert_shipped_scaling(&emulator, CRYSTAL, "ecsdemo-crystal-cpu", 20.0).await;
    assert_eq!(scaling_policies(&emulator).await.len(), 2);

    // The services start with the file's count, and name their policies in their tags.
    for (name, policies) in [("ecsdemo-frontend", "ecsdemo-frontend-cpu"), ("ecsdemo-crystal", "ecsdemo-crystal-cpu")] {
        let service = ecs_service(&emulator, name).await;
        assert_eq!(service.desired_count(), 1, "{name}");
        assert_eq!(tag(&service, "reconciler:scaling-policies"), Some(policies), "{name}: {:?}", service.tags());
    }
    let nodejs = ecs_service(&emulator, "ecsdemo-nodejs").await;
    assert!(tag(&nodejs, "reconciler:scaling-policies").unwrap_or_default().is_empty(), "{:?}", nodejs.tags());

    // The second pass has nothing to do, and does nothing.
    assert_quiet_pass(&emulator, &desired);
    assert_nothing_to_do(&emulator, &desired);
}

// ---------------------------------------------------------------------------------------------------------
// The desired count belongs to the autoscaler

#[tokio::test]
async fn a_desired_count_changed_inside_the_range_is_left_alone() {
    let (emulator, desired) = converged_workshop();

    set_desired_count(&emulator, "ecsdemo-frontend", 4).await;
    assert_nothing_to_do(&emulator, &desired);
    assert_quiet_pass(&emulator, &desired);
    assert_eq!(desired_count(&emulator, "ecsdemo-frontend").await, 4);
}

#[tokio::test]
async fn a_desired_count_changed_outside_the_range_is_brought_to_the_maximum() {
    let (emulator, desired) = converged_workshop();

    set_desired_count(&emulator, "ecsdemo-frontend", 15).await;
    let plan = dry_run_with_changes(&emulator, &desired);
    assert_eq!(summary(&plan), expect(&[("service.ecsdemo-frontend", "update")]), "{plan:#?}");
    let update = action(&plan, "service.ecsdemo-frontend");
    assert_eq!(update.fields, ["desired_count"]);
    assert_eq!(update.before_after("desired_count"), (&owned(15), &owned(10)));
    assert_eq!(desired_count(&emulator, "ecsdemo-frontend").await, 15, "the dry run changed it");

    repair_and_settle(&emulator, &desired, &plan);
    assert_eq!(desired_count(&emulator, "ecsdemo-frontend").await, 10);
}

// ---------------------------------------------------------------------------------------------------------
// Drift in the scaling configuration

#[tokio::test]
async fn a_policy_changed_by_hand_is_set_back() {
    let (emulator, desired) = converged_workshop();

    put_policy(&emulator, FRONTEND, "ecsdemo-frontend-cpu", MetricType::EcsServiceAverageCpuUtilization, 80.0).await;
    let plan = dry_run_with_changes(&emulator, &desired);
    assert_eq!(summary(&plan), expect(&[(FRONTEND_POLICY, "update")]), "{plan:#?}");
    let update = action(&plan, FRONTEND_POLICY);
    assert_eq!(update.before_after("target"), (&"80".into(), &"50".into()));
    assert!(update.fields.contains(&"scale_in_cooldown_seconds".to_string()), "300 by hand: {update:?}");
    assert_eq!(tracking(&policy(&emulator, FRONTEND, "ecsdemo-frontend-cpu").await.unwrap()).1, 80.0);

    repair_and_settle(&emulator, &desired, &plan);
    assert_shipped_scaling(&emulator, FRONTEND, "ecsdemo-frontend-cpu", 50.0).await;
}

#[tokio::test]
async fn a_deleted_policy_is_registered_again() {
    let (emulator, desired) = converged_workshop();

    delete_policy(&emulator, CRYSTAL, "ecsdemo-crystal-cpu").await;
    let plan = dry_run_with_changes(&emulator, &desired);
    assert_eq!(summary(&plan), expect(&[(CRYSTAL_POLICY, "create")]), "{plan:#?}");
    assert!(policy(&emulator, CRYSTAL, "ecsdemo-crystal-cpu").await.is_none(), "the dry run registered it");

    repair_and_settle(&emulator, &desired, &plan);
    assert_shipped_scaling(&emulator, CRYSTAL, "ecsdemo-crystal-cpu", 20.0).await;
}

#[tokio::test]
async fn a_deregistered_scalable_target_is_registered_again() {
    let (emulator, desired) = converged_workshop();

    deregister_target(&emulator, FRONTEND).await;
    let plan = dry_run_with_changes(&emulator, &desired);
    // AWS deletes a target's policies with it (the emulator keeps them): the policy is re-created if it went.
    let policy_went = policy(&emulator, FRONTEND, "ecsdemo-frontend-cpu").await.is_none();
    let mut expected = vec![(FRONTEND_TARGET, "create")];
    if policy_went {
        expected.push((FRONTEND_POLICY, "create"));
    }
    assert_eq!(summary(&plan), expect(&expected), "{plan:#?}");
    assert!(!scalable_targets(&emulator).await.contains_key(FRONTEND), "the dry run registered it");

    repair_and_settle(&emulator, &desired, &plan);
    assert_shipped_scaling(&emulator, FRONTEND, "ecsdemo-frontend-cpu", 50.0).await;
}

// ---------------------------------------------------------------------------------------------------------
// Changes to the file

#[tokio::test]
async fn a_new_maximum_updates_the_scalable_target_in_place() {
    let (emulator, desired) = converged_workshop();
    let before = scalable_targets(&emulator).await.remove(FRONTEND).unwrap();

    edit(&desired, "frontend.toml", "max_capacity = 10", "max_capacity = 6");
    let plan = dry_run_with_changes(&emulator, &desired);
    assert_eq!(summary(&plan), expect(&[(FRONTEND_TARGET, "update")]), "{plan:#?}");
    let update = action(&plan, FRONTEND_TARGET);
    assert_eq!(update.fields, ["max_capacity"]);
    assert_eq!(update.before_after("max_capacity"), (&10.into(), &6.into()));

    repair_and_settle(&emulator, &desired, &plan);
    let after = scalable_targets(&emulator).await.remove(FRONTEND).unwrap();
    assert_eq!((after.min_capacity(), after.max_capacity()), (1, 6));
    assert_eq!(after.creation_time(), before.creation_time(), "the same registration, updated");
    assert_eq!(after.scalable_target_arn(), before.scalable_target_arn(), "the same registration, updated");
    // The policy and crystal's target are as they were.
    assert_shipped_scaling(&emulator, CRYSTAL, "ecsdemo-crystal-cpu", 20.0).await;
    let frontend_policy = policy(&emulator, FRONTEND, "ecsdemo-frontend-cpu").await.unwrap();
    assert_eq!(tracking(&frontend_policy), (MetricType::EcsServiceAverageCpuUtilization, 50.0, Some(30), Some(30)));
}

#[tokio::test]
async fn removing_the_section_deregisters_that_service_scaling_and_hands_the_count_back() {
    let (emulator, desired) = converged_workshop();
    set_desired_count(&emulator, "ecsdemo-crystal", 5).await;
    assert_nothing_to_do(&emulator, &desired);

    remove_autoscaling(&desired, "crystal.toml", "ecsdemo-crystal");
    let plan = dry_run_with_changes(&emulator, &desired);
    assert_eq!(
        summary(&plan),
        expect(&[("service.ecsdemo-crystal", "update"), (CRYSTAL_TARGET, "delete"), (CRYSTAL_POLICY, "delete")]),
        "{plan:#?}"
    );
    let (before, after) = action(&plan, "service.ecsdemo-crystal").before_after("desired_count");
    assert_eq!((count(before), after), (5, &1.into()), "back to the file's count, a plain one");
    for address in [CRYSTAL_TARGET, CRYSTAL_POLICY] {
        assert_eq!(action(&plan, address).reason_code, "deregistered");
    }
    let position = |a: &str| plan.iter().position(|p| p.address == a).unwrap();
    assert!(position(CRYSTAL_POLICY) < position(CRYSTAL_TARGET), "listed as deleted: the policy first");

    // The text plan marks them `-`.
    let text = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--dry-run"]);
    for address in [CRYSTAL_TARGET, CRYSTAL_POLICY] {
        assert!(text.stdout.lines().any(|l| l == format!("  - {address}")), "{address} marked `-`: {text}");
    }
    assert!(text.stdout.contains("2 to delete"), "{text}");
    assert!(scalable_targets(&emulator).await.contains_key(CRYSTAL), "the dry run deregistered it");

    repair_and_settle(&emulator, &desired, &plan);
    assert_eq!(desired_count(&emulator, "ecsdemo-crystal").await, 1);
    let targets = scalable_targets(&emulator).await;
    assert_eq!(targets.keys().cloned().collect::<Vec<_>>(), [FRONTEND.to_string()], "only crystal's is gone");
    let policies: Vec<(String, String)> = scaling_policies(&emulator).await.into_keys().collect();
    assert_eq!(policies, [(FRONTEND.to_string(), "ecsdemo-frontend-cpu".to_string())], "only crystal's is gone");
    assert_shipped_scaling(&emulator, FRONTEND, "ecsdemo-frontend-cpu", 50.0).await;
    let crystal = ecs_service(&emulator, "ecsdemo-crystal").await;
    assert!(tag(&crystal, "reconciler:scaling-policies").unwrap_or_default().is_empty(), "{:?}", crystal.tags());

    // From now on crystal's count is the file's again.
    set_desired_count(&emulator, "ecsdemo-crystal", 4).await;
    let plan = dry_run_with_changes(&emulator, &desired);
    assert_eq!(summary(&plan), expect(&[("service.ecsdemo-crystal", "update")]), "{plan:#?}");
    assert_eq!(action(&plan, "service.ecsdemo-crystal").before_after("desired_count"), (&4.into(), &1.into()));
}

// ---------------------------------------------------------------------------------------------------------
// What is not ours

#[tokio::test]
async fn a_policy_registered_by_hand_on_our_target_survives_every_pass() {
    let (emulator, desired) = converged_workshop();

    put_policy(&emulator, FRONTEND, "by-hand", MetricType::EcsServiceAverageMemoryUtilization, 70.0).await;
    let by_hand = || async { policy(&emulator, FRONTEND, "by-hand").await.expect("the policy made by hand is there") };
    let original = tracking(&by_hand().await);
    assert_nothing_to_do(&emulator, &desired);
    assert_quiet_pass(&emulator, &desired);
    assert_eq!(tracking(&by_hand().await), original);

    // A change to the range: only our target is updated.
    edit(&desired, "frontend.toml", "max_capacity = 10", "max_capacity = 8");
    let plan = dry_run_with_changes(&emulator, &desired);
    assert_eq!(summary(&plan), expect(&[(FRONTEND_TARGET, "update")]), "{plan:#?}");
    repair_and_settle(&emulator, &desired, &plan);
    assert_eq!(tracking(&by_hand().await), original);

    // Removing the section deregisters our policy, never the one made by hand; and the target stays, since on
    // AWS deregistering it deletes every policy on it: it is reported as kept, not deleted.
    remove_autoscaling(&desired, "frontend.toml", "ecsdemo-frontend");
    let plan = dry_run_with_changes(&emulator, &desired);
    assert_eq!(
        summary(&plan),
        expect(&[("service.ecsdemo-frontend", "update"), (FRONTEND_POLICY, "delete")]),
        "{plan:#?}"
    );
    let dry = pass(&emulator, &desired, &["--dry-run"]);
    let kept = dry.json()["not_declared"].as_array().unwrap().iter().any(|n| {
        n["address"] == FRONTEND_TARGET
            && n["reason"].as_str().unwrap().contains("deregistering the target would delete them")
    });
    assert!(kept, "{dry}");
    apply_as_planned(&emulator, &desired, &plan);
    assert!(policy(&emulator, FRONTEND, "ecsdemo-frontend-cpu").await.is_none());
    assert!(scalable_targets(&emulator).await.contains_key(FRONTEND), "kept for the policy made by hand");
    assert_eq!(tracking(&by_hand().await), original);
    // Later passes change nothing, and keep saying why the target is still there.
    let again = assert_quiet_pass(&emulator, &desired);
    let json = again.json();
    let reported: Vec<&str> =
        json["not_declared"].as_array().unwrap().iter().map(|n| n["address"].as_str().unwrap()).collect();
    assert_eq!(reported, [FRONTEND_TARGET], "{again}");
    assert_eq!(tracking(&by_hand().await), original);
}

/// The scheduled actions registered on `resource_id`, by name: (schedule, timezone, min, max).
async fn scheduled_actions(
    emulator: &Emulator,
    resource_id: &str,
) -> BTreeMap<String, (String, Option<String>, Option<i32>, Option<i32>)> {
    let out = emulator
        .autoscaling()
        .await
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id)
        .send()
        .await
        .unwrap();
    out.scheduled_actions()
        .iter()
        .filter(|a| a.resource_id() == resource_id)
        .map(|a| {
            let range = a.scalable_target_action();
            (
                a.scheduled_action_name().to_string(),
                (
                    a.schedule().to_string(),
                    a.timezone().map(str::to_string),
                    range.and_then(|r| r.min_capacity()),
                    range.and_then(|r| r.max_capacity()),
                ),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_scheduled_action_is_registered_updated_in_place_and_deregistered_with_its_declaration() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let scheduled = "\n[[service.ecsdemo-crystal.autoscaling.scheduled]]\nname = \"night\"\n\
                     schedule = \"cron(0 20 * * ? *)\"\ntimezone = \"Europe/Paris\"\nmin_capacity = 1\nmax_capacity = 2\n";
    let text = std::fs::read_to_string(desired.path().join("crystal.toml")).unwrap();
    desired.write("crystal.toml", &format!("{text}{scheduled}"));
    converge(&emulator, &desired);
    let night = ("cron(0 20 * * ? *)".to_string(), Some("Europe/Paris".to_string()), Some(1), Some(2));
    assert_eq!(scheduled_actions(&emulator, CRYSTAL).await, BTreeMap::from([("night".to_string(), night)]));
    assert_quiet_pass(&emulator, &desired);

    edit(&desired, "crystal.toml", "max_capacity = 2\n", "max_capacity = 3\n");
    let plan = dry_run_with_changes(&emulator, &desired);
    assert_eq!(summary(&plan), expect(&[("scheduled_action.ecsdemo-crystal/night", "update")]), "{plan:#?}");
    repair_and_settle(&emulator, &desired, &plan);
    assert_eq!(scheduled_actions(&emulator, CRYSTAL).await["night"].3, Some(3));

    desired.write("crystal.toml", &text);
    let plan = dry_run_with_changes(&emulator, &desired);
    assert_eq!(
        summary(&plan),
        expect(&[("service.ecsdemo-crystal", "update"), ("scheduled_action.ecsdemo-crystal/night", "delete")]),
        "{plan:#?}"
    );
    repair_and_settle(&emulator, &desired, &plan);
    assert!(scheduled_actions(&emulator, CRYSTAL).await.is_empty());
}

#[test]
fn retain_on_an_autoscaled_service_is_applied_once_and_the_next_pass_is_quiet() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    edit(
        &desired,
        "frontend.toml",
        "[service.ecsdemo-frontend]\n",
        "[service.ecsdemo-frontend]\ndeletion_policy = \"retain\"\n",
    );
    let plan = dry_run_with_changes(&emulator, &desired);
    // What the service makes is marked; its scaling configuration cannot carry the mark, and is not planned.
    assert!(action(&plan, "service.ecsdemo-frontend").fields.contains(&"tags.reconciler:deletion-policy".to_string()));
    let scaling: Vec<&str> = plan.iter().map(|p| p.address.as_str()).filter(|a| a.starts_with("scal")).collect();
    assert!(scaling.is_empty(), "{plan:#?}");
    apply_as_planned(&emulator, &desired, &plan);
    assert_quiet_pass(&emulator, &desired);
}
