//! The planner on what is no longer declared, and on the lifecycle of a declaration: pruning (with its
//! guards: the share of what we own one pass may delete, the empty desired state, a pass held back), the
//! release of retained resources (`deletion_policy = "retain"`), the adoption of unowned resources
//! (`adopt = true`), and `reconciler destroy`. On the shipped workshop (`config/`: 41 resources).

mod common;

use std::collections::BTreeMap;

use common::*;
use reconciler_plan::kinds::security_group;
use reconciler_plan::ownership::{DELETION_POLICY_KEY, MANAGED_BY_KEY, OWNER_KEY, RESOURCE_KEY, RETAIN};
use reconciler_plan::{
    Action, ActionKind, ActionReason, Address, ChangedField, ConflictReason, HoldBack, Kind, NodeSpec, Observed,
    ObservedNode, Plan, PlanContext, PruneGuard, Pruning, Ref, Removal, StayReason, Summary, Value, destroy, plan,
};
use reconciler_plan::{ClusterSpec, SecurityGroupSpec};
use reconciler_spec::{Desired, Lifecycle};

/// Every resource the shipped workshop expands to.
const WORKSHOP_COUNT: usize = 41;

/// What `config/nodejs.toml` declares, as resources.
const NODEJS: [&str; 4] = [
    "log_group.nodejs",
    "task_definition.ecsdemo-nodejs",
    "discovery_service.ecsdemo-nodejs",
    "service.ecsdemo-nodejs",
];

const CLUSTER: &str = "cluster.container-demo";
const CLUSTER_ID: &str = "arn:aws:ecs:eu-west-1:123456789012:cluster/container-demo";

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

/// Our owner id with these pruning settings.
fn pruning_context(pruning: Pruning) -> PlanContext {
    PlanContext { owner_id: OWNER.to_string(), pruning }
}

/// Pruning on, with the default guards.
fn pruning_on() -> PlanContext {
    pruning_context(Pruning::default())
}

fn plan_with(desired: &Desired, observed: &Observed, context: &PlanContext) -> Plan {
    plan(desired, observed, context).unwrap_or_else(|e| panic!("no plan: {e}"))
}

fn destroy_ok(desired: &Desired, observed: &Observed) -> Plan {
    destroy(desired, observed, &pruning_on()).unwrap_or_else(|e| panic!("no destroy plan: {e}"))
}

/// The shipped workshop without `config/nodejs.toml`.
fn without_nodejs() -> Desired {
    let mut desired = workshop_config();
    desired.services.remove("ecsdemo-nodejs").expect("nodejs is declared");
    desired.log_groups.remove("nodejs").expect("the nodejs log group is declared");
    desired.lifecycles.retain(|(_, name), _| name != "nodejs" && name != "ecsdemo-nodejs");
    desired
}

/// The shipped workshop without its three services and its load-test host.
fn without_workloads() -> Desired {
    let mut desired = workshop_config();
    desired.services.clear();
    desired.instances.clear();
    desired
}

fn converged_workshop() -> Observed {
    converged(&workshop_config(), &zones(3))
}

/// Addresses of the actions of one kind, in plan order.
fn of_kind(plan: &Plan, kind: ActionKind) -> Vec<String> {
    plan.actions.iter().filter(|a| a.action == kind).map(|a| a.address.to_string()).collect()
}

fn not_declared(plan: &Plan) -> Vec<String> {
    plan.not_declared.iter().map(|n| n.address.to_string()).collect()
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

/// Every resource `desired` expands to, as addresses.
fn expanded(desired: &Desired) -> Vec<String> {
    reconciler_plan::expand(desired, &zones(3), OWNER)
        .expect("expands")
        .into_iter()
        .map(|n| n.address.to_string())
        .collect()
}

fn retain(desired: &mut Desired, kind: reconciler_spec::Kind, name: &str) {
    desired.lifecycles.entry((kind, name.to_string())).or_default().retain = true;
}

fn adopt(desired: &mut Desired, kind: reconciler_spec::Kind, name: &str) {
    desired.lifecycles.entry((kind, name.to_string())).or_default().adopt = true;
}

/// Fails unless every deletion comes before the deletion of everything it refers to: the order in which they
/// can be made (the reverse of the order they could be created in), so that deleting them in the order listed,
/// as apply does, never deletes something still referred to.
fn assert_deletion_order(plan: &Plan) {
    let positions: BTreeMap<&Address, usize> = plan.deletions().enumerate().map(|(i, a)| (&a.address, i)).collect();
    for (i, action) in plan.deletions().enumerate() {
        for reference in action.desired.spec.references() {
            let Ref::Node(target) = reference else { continue };
            if target == &action.address {
                continue;
            }
            if let Some(&j) = positions.get(target) {
                assert!(
                    i < j,
                    "{} refers to {target}, which is listed before it: {:#?}",
                    action.address,
                    addresses(plan)
                );
            }
        }
    }
}

/// A cluster made by hand (no tags at all), named like the workshop's, without Container Insights.
fn cluster_by_hand() -> ObservedNode {
    ObservedNode {
        id: CLUSTER_ID.to_string(),
        spec: NodeSpec::Cluster(ClusterSpec { cluster_name: "container-demo".to_string(), container_insights: false }),
        tags: BTreeMap::new(),
    }
}

/// The converged platform (`workshop()`) with our cluster replaced by `holder`.
fn platform_with_cluster(holder: ObservedNode) -> Observed {
    let mut observed = converged(&workshop(), &zones(3));
    remove_observed(&mut observed, CLUSTER);
    observed.nodes.push(holder);
    observed
}

fn tag_changes(action: &Action) -> BTreeMap<String, (Value, Value)> {
    action
        .changes
        .iter()
        .filter(|c| c.field.to_string().starts_with("tags."))
        .map(|c| (c.field.to_string(), (c.before.clone(), c.after.clone())))
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// Pruning what is no longer declared
// ---------------------------------------------------------------------------------------------------------

#[test]
fn removing_a_service_file_deletes_its_resources_dependents_first() {
    let plan = plan_with(&without_nodejs(), &converged_workshop(), &pruning_on());

    assert_eq!(sorted(addresses(&plan)), sorted(strings(&NODEJS)), "{:#?}", describe(&plan));
    assert!(plan.actions.iter().all(|a| a.action == ActionKind::Delete), "{:#?}", describe(&plan));
    assert!(plan.actions.iter().all(|a| a.reason == PRUNED), "{:#?}", describe(&plan));
    assert!(plan.not_declared.is_empty(), "{:?}", plan.not_declared);
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    assert_eq!(plan.prune_guard, None);

    // Listed in the order they are deleted: the service goes first.
    assert_before(&plan, "service.ecsdemo-nodejs", "task_definition.ecsdemo-nodejs");
    assert_before(&plan, "service.ecsdemo-nodejs", "discovery_service.ecsdemo-nodejs");
    assert_before(&plan, "task_definition.ecsdemo-nodejs", "log_group.nodejs");
    assert_eq!(addresses(&plan).first().map(String::as_str), Some("service.ecsdemo-nodejs"));
    assert_deletion_order(&plan);
}

#[test]
fn a_deletion_names_the_live_resource_and_every_field_going() {
    let observed = converged_workshop();
    let plan = plan_with(&without_nodejs(), &observed, &pruning_on());

    let delete = action(&plan, "log_group.nodejs");
    assert_eq!(delete.id.as_deref(), Some(id_of(&addr("log_group.nodejs")).as_str()));
    assert_eq!(before_after(delete, "group_name"), (text("/ecs/ecsdemo-nodejs"), Value::Absent));
    assert!(delete.changes.iter().all(|c| c.after == Value::Absent && !c.forces_replacement), "{:?}", delete.changes);
    assert!(delete.observed.is_some());
    assert!(delete.depends_on.is_empty() && delete.blocked_by.is_none());

    let service = action(&plan, "service.ecsdemo-nodejs");
    assert_eq!(service.id.as_deref(), Some(id_of(&addr("service.ecsdemo-nodejs")).as_str()));
    assert_eq!(before_after(service, "service_name"), (text("ecsdemo-nodejs"), Value::Absent));

    assert_eq!(plan.summary(), Summary { delete: 4, ..Summary::default() });
}

#[test]
fn with_pruning_off_what_is_no_longer_declared_is_reported_and_left() {
    let plan = plan_ok(&without_nodejs(), &converged_workshop());

    assert!(plan.actions.is_empty(), "{:#?}", describe(&plan));
    assert_eq!(sorted(not_declared(&plan)), sorted(strings(&NODEJS)));
    assert!(plan.not_declared.iter().all(|n| n.reason == StayReason::PruningOff), "{:?}", plan.not_declared);
    let log_group = plan.not_declared.iter().find(|n| n.address == addr("log_group.nodejs")).expect("reported");
    assert_eq!(log_group.id, id_of(&addr("log_group.nodejs")));
    assert_eq!(plan.prune_guard, None);
    assert_eq!(plan.summary(), Summary { not_declared: 4, ..Summary::default() });
}

#[test]
fn a_converged_workshop_with_pruning_on_plans_nothing() {
    assert_empty(&plan_with(&workshop_config(), &converged_workshop(), &pruning_on()));
}

#[test]
fn resources_of_another_owner_or_of_nobody_are_never_pruned() {
    let mut observed = converged_workshop();
    give_to_other_owner(observed_mut(&mut observed, "service.ecsdemo-nodejs"));
    disown(observed_mut(&mut observed, "log_group.nodejs"));
    let plan = plan_with(&without_nodejs(), &observed, &pruning_on());

    assert_eq!(
        sorted(addresses(&plan)),
        strings(&["discovery_service.ecsdemo-nodejs", "task_definition.ecsdemo-nodejs"]),
        "{:#?}",
        describe(&plan)
    );
    assert!(plan.not_declared.is_empty(), "{:?}", plan.not_declared);
}

// ---------------------------------------------------------------------------------------------------------
// The share guard
// ---------------------------------------------------------------------------------------------------------

/// What goes with the services and the load-test host: 18 of the 41.
fn workload_resources() -> Vec<String> {
    let kept = expanded(&without_workloads());
    sorted(expanded(&workshop_config()).into_iter().filter(|a| !kept.contains(a)).collect())
}

#[test]
fn deleting_more_than_the_allowed_share_deletes_nothing_and_says_why() {
    let context = pruning_context(Pruning { max_share: 0.1, ..Pruning::default() });
    let plan = plan_with(&without_workloads(), &converged_workshop(), &context);

    assert_eq!(workload_resources().len(), 18, "{:#?}", workload_resources());
    // Nothing changes at all: what is held back keeps what the declared resources say about it (the services
    // group still admits the frontend's load balancer, which stays).
    assert_eq!(addresses(&plan), Vec::<String>::new(), "{:#?}", describe(&plan));
    let guard = plan.prune_guard.as_ref().expect("the share guard holds");
    assert_eq!(guard, &PruneGuard::TooLarge { deletions: 18, owned: WORKSHOP_COUNT, max_share: 0.1 });

    // Everything it would have deleted, the scaling registrations too, is reported as held by the guard.
    assert_eq!(sorted(not_declared(&plan)), workload_resources());
    for orphan in &plan.not_declared {
        assert_eq!(orphan.reason, StayReason::Guarded, "{}", orphan.address);
    }
    assert_eq!(plan.summary(), Summary { update: 0, not_declared: 18, ..Summary::default() });
}

#[test]
fn allow_mass_delete_lifts_the_share_guard() {
    let context = pruning_context(Pruning { max_share: 0.1, allow_mass_delete: true, ..Pruning::default() });
    let plan = plan_with(&without_workloads(), &converged_workshop(), &context);

    assert_eq!(plan.prune_guard, None);
    assert!(plan.not_declared.is_empty(), "{:?}", plan.not_declared);
    assert_eq!(sorted(of_kind(&plan, ActionKind::Delete)), workload_resources());
    assert_eq!(of_kind(&plan, ActionKind::Update), ["security_group.services"]);
    assert_eq!(plan.actions.len(), 19);
    let reason = |address: &str| action(&plan, address).reason.clone();
    assert_eq!(reason("scalable_target.ecsdemo-frontend"), DEREGISTERED);
    assert_eq!(reason("scaling_policy.ecsdemo-frontend/ecsdemo-frontend-cpu"), DEREGISTERED);
    assert_eq!(reason("instance.loadtest"), PRUNED);
    // In the order they are deleted: the listener before its load balancer and target group, the policy before
    // its target.
    assert_before(&plan, "listener.ecsdemo-frontend", "load_balancer.ecsdemo-frontend");
    assert_before(&plan, "listener.ecsdemo-frontend", "target_group.ecsdemo-frontend");
    assert_before(&plan, "load_balancer.ecsdemo-frontend", "security_group.ecsdemo-frontend/lb");
    assert_before(&plan, "scaling_policy.ecsdemo-frontend/ecsdemo-frontend-cpu", "scalable_target.ecsdemo-frontend");
    assert_deletion_order(&plan);
    // The update of what stays comes first; the deletions follow.
    assert_eq!(position(&plan, "security_group.services"), 0);
}

#[test]
fn the_default_share_lets_the_workloads_go() {
    // 18 of 41 is 44 %, within the default 50 %.
    let plan = plan_with(&without_workloads(), &converged_workshop(), &pruning_on());
    assert_eq!(plan.prune_guard, None);
    assert_eq!(sorted(of_kind(&plan, ActionKind::Delete)), workload_resources());
}

#[test]
fn a_share_exactly_at_the_limit_is_allowed_and_just_above_is_not() {
    #[allow(clippy::cast_precision_loss)]
    let exact = NODEJS.len() as f64 / WORKSHOP_COUNT as f64;
    let at = plan_with(
        &without_nodejs(),
        &converged_workshop(),
        &pruning_context(Pruning { max_share: exact, ..Pruning::default() }),
    );
    assert_eq!(at.prune_guard, None);
    assert_eq!(of_kind(&at, ActionKind::Delete).len(), 4);

    let below = plan_with(
        &without_nodejs(),
        &converged_workshop(),
        &pruning_context(Pruning { max_share: exact - 0.001, ..Pruning::default() }),
    );
    assert!(below.prune_guard.is_some());
    assert!(below.actions.is_empty(), "{:#?}", describe(&below));
    assert_eq!(below.not_declared.len(), 4);
}

// ---------------------------------------------------------------------------------------------------------
// The empty desired state
// ---------------------------------------------------------------------------------------------------------

#[test]
fn an_empty_desired_state_deletes_nothing_while_resources_are_ours() {
    // Even a share of 100 % does not lift it: an empty checkout looks exactly like this.
    let context = pruning_context(Pruning { max_share: 1.0, ..Pruning::default() });
    let plan = plan_with(&Desired::default(), &converged_workshop(), &context);

    assert!(plan.actions.is_empty(), "{:#?}", describe(&plan));
    let guard = plan.prune_guard.as_ref().expect("the empty-state guard holds");
    assert_eq!(guard, &PruneGuard::NothingDeclared { owned: WORKSHOP_COUNT });
    assert_eq!(plan.not_declared.len(), WORKSHOP_COUNT);
    assert!(plan.not_declared.iter().all(|n| n.reason == StayReason::Guarded), "{:?}", plan.not_declared);
}

#[test]
fn an_empty_desired_state_with_allow_mass_delete_deletes_everything_of_ours() {
    let context = pruning_context(Pruning { allow_mass_delete: true, ..Pruning::default() });
    let mut observed = converged_workshop();
    let mut foreign = cluster_by_hand();
    foreign.id = "arn:aws:ecs:eu-west-1:123456789012:cluster/someone-elses".to_string();
    observed.nodes.push(foreign);
    let plan = plan_with(&Desired::default(), &observed, &context);

    assert_eq!(plan.prune_guard, None);
    assert!(plan.not_declared.is_empty(), "{:?}", plan.not_declared);
    assert_eq!(sorted(of_kind(&plan, ActionKind::Delete)), sorted(expanded(&workshop_config())));
    assert_eq!(plan.actions.len(), WORKSHOP_COUNT);
    assert_before(&plan, "subnet.main/private-1", "vpc.main");
    assert_before(&plan, "route_table.main/private-1", "subnet.main/private-1");
    assert_before(&plan, "service.ecsdemo-nodejs", CLUSTER);
    assert_deletion_order(&plan);
}

#[test]
fn an_empty_desired_state_on_an_empty_account_needs_no_guard() {
    let plan = plan_with(&Desired::default(), &empty_account(3), &pruning_on());
    assert_empty(&plan);
    assert_eq!(plan.prune_guard, None);
}

// ---------------------------------------------------------------------------------------------------------
// A pass held back
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_pass_held_back_deletes_nothing_even_with_allow_mass_delete() {
    let context = pruning_context(Pruning {
        allow_mass_delete: true,
        max_share: 1.0,
        held_back: Some(HoldBack::InvalidDesiredState),
        ..Pruning::default()
    });
    let plan = plan_with(&without_nodejs(), &converged_workshop(), &context);

    assert!(plan.actions.is_empty(), "{:#?}", describe(&plan));
    let guard = plan.prune_guard.as_ref().expect("held back");
    assert_eq!(guard, &PruneGuard::HeldBack { cause: HoldBack::InvalidDesiredState });
    assert_eq!(sorted(not_declared(&plan)), sorted(strings(&NODEJS)));
    assert!(plan.not_declared.iter().all(|n| n.reason == StayReason::Guarded), "{:?}", plan.not_declared);
}

#[test]
fn a_pass_held_back_with_nothing_to_delete_has_no_guard_and_still_converges() {
    let context = pruning_context(Pruning { held_back: Some(HoldBack::InvalidDesiredState), ..Pruning::default() });
    let mut observed = converged_workshop();
    let NodeSpec::Cluster(ClusterSpec { container_insights, .. }) = &mut observed_mut(&mut observed, CLUSTER).spec
    else {
        unreachable!("a cluster")
    };
    *container_insights = false;
    let plan = plan_with(&workshop_config(), &observed, &context);

    assert_eq!(plan.prune_guard, None);
    assert_actions(&plan, &[(CLUSTER, ActionKind::Update)]);
}

// ---------------------------------------------------------------------------------------------------------
// Retain: released, not deleted
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_retained_declaration_tags_its_resources_and_converges() {
    let mut desired = workshop_config();
    retain(&mut desired, reconciler_spec::Kind::LogGroup, "nodejs");
    let nodes = reconciler_plan::expand(&desired, &zones(3), OWNER).expect("expands");
    for node in &nodes {
        let tagged = node.tags.get(DELETION_POLICY_KEY).map(String::as_str);
        let expected = (node.address == addr("log_group.nodejs")).then_some(RETAIN);
        assert_eq!(tagged, expected, "{}", node.address);
    }

    let observed = converged(&desired, &zones(3));
    assert_eq!(
        observed_mut(&mut observed.clone(), "log_group.nodejs").tags.get(DELETION_POLICY_KEY).map(String::as_str),
        Some(RETAIN)
    );
    assert_empty(&plan_with(&desired, &observed, &pruning_on()));
}

#[test]
fn a_retained_vpc_tags_every_resource_it_expands_to_and_only_those() {
    let mut desired = workshop_config();
    retain(&mut desired, reconciler_spec::Kind::Vpc, "main");
    let nodes = reconciler_plan::expand(&desired, &zones(3), OWNER).expect("expands");
    let vpc_kinds =
        [Kind::Vpc, Kind::InternetGateway, Kind::Subnet, Kind::ElasticIp, Kind::NatGateway, Kind::RouteTable];
    let retained: Vec<String> = nodes
        .iter()
        .filter(|n| n.tags.get(DELETION_POLICY_KEY).map(String::as_str) == Some(RETAIN))
        .map(|n| n.address.to_string())
        .collect();
    assert_eq!(retained.len(), 14, "{retained:#?}");
    for node in &nodes {
        let is_vpcs = vpc_kinds.contains(&node.address.kind);
        assert_eq!(retained.contains(&node.address.to_string()), is_vpcs, "{}", node.address);
    }
    for address in
        ["subnet.main/public-2", "route_table.main/private-3", "nat_gateway.main/nat-1", "elastic_ip.main/nat-1"]
    {
        assert!(retained.contains(&address.to_string()), "{address}");
    }
    // The security group and namespace in that VPC belong to other declarations.
    assert!(!retained.contains(&"security_group.services".to_string()));
    assert!(!retained.contains(&"namespace.service".to_string()));
}

#[test]
fn retaining_an_existing_declaration_tags_it_in_place() {
    let observed = converged_workshop();
    let mut desired = workshop_config();
    retain(&mut desired, reconciler_spec::Kind::LogGroup, "nodejs");
    let plan = plan_with(&desired, &observed, &pruning_on());

    assert_actions(&plan, &[("log_group.nodejs", ActionKind::Update)]);
    let update = action(&plan, "log_group.nodejs");
    assert_eq!(tag_changes(update).len(), 1, "{:?}", update.changes);
    assert_eq!(before_after(update, &format!("tags.{DELETION_POLICY_KEY}")), (Value::Absent, text(RETAIN)));
}

#[test]
fn removing_a_retained_declaration_releases_it_and_deletes_the_rest() {
    let mut with_retain = workshop_config();
    retain(&mut with_retain, reconciler_spec::Kind::LogGroup, "nodejs");
    let observed = converged(&with_retain, &zones(3));
    let plan = plan_with(&without_nodejs(), &observed, &pruning_on());

    assert_eq!(sorted(addresses(&plan)), sorted(strings(&NODEJS)), "{:#?}", describe(&plan));
    assert_eq!(of_kind(&plan, ActionKind::Release), ["log_group.nodejs"]);
    assert_eq!(
        sorted(of_kind(&plan, ActionKind::Delete)),
        strings(&["discovery_service.ecsdemo-nodejs", "service.ecsdemo-nodejs", "task_definition.ecsdemo-nodejs"])
    );
    assert!(plan.not_declared.is_empty(), "{:?}", plan.not_declared);

    let release = action(&plan, "log_group.nodejs");
    assert_eq!(release.id.as_deref(), Some(id_of(&addr("log_group.nodejs")).as_str()));
    assert_eq!(release.reason, ActionReason::Removal { cause: Removal::Pruned, retained: true });
    let expected: BTreeMap<String, (Value, Value)> = [
        (MANAGED_BY_KEY, "reconciler".to_string()),
        (OWNER_KEY, OWNER.to_string()),
        (RESOURCE_KEY, "log_group.nodejs".to_string()),
        (DELETION_POLICY_KEY, RETAIN.to_string()),
    ]
    .into_iter()
    .map(|(key, value)| (format!("tags.{key}"), (Value::Text(value), Value::Absent)))
    .collect();
    assert_eq!(tag_changes(release), expected);
    // Only our tags go: the user's (Project) and every field stay.
    assert_eq!(release.changes.len(), expected.len(), "{:?}", release.changes);
    assert_eq!(plan.summary(), Summary { delete: 3, release: 1, ..Summary::default() });
}

#[test]
fn a_retained_resource_is_reported_not_released_when_pruning_is_off() {
    let mut with_retain = workshop_config();
    retain(&mut with_retain, reconciler_spec::Kind::LogGroup, "nodejs");
    let observed = converged(&with_retain, &zones(3));
    let plan = plan_ok(&without_nodejs(), &observed);

    assert!(plan.actions.is_empty(), "{:#?}", describe(&plan));
    assert_eq!(sorted(not_declared(&plan)), sorted(strings(&NODEJS)));
}

#[test]
fn a_release_counts_against_the_share_guard_like_a_deletion() {
    let mut with_retain = workshop_config();
    retain(&mut with_retain, reconciler_spec::Kind::LogGroup, "nodejs");
    let observed = converged(&with_retain, &zones(3));
    let context = pruning_context(Pruning { max_share: 0.05, ..Pruning::default() });
    let plan = plan_with(&without_nodejs(), &observed, &context);

    assert!(plan.actions.is_empty(), "{:#?}", describe(&plan));
    assert_eq!(plan.prune_guard, Some(PruneGuard::TooLarge { deletions: 4, owned: WORKSHOP_COUNT, max_share: 0.05 }));
}

/// Turning `deletion_policy = "retain"` off again must change the mark on the live resource: it is what decides,
/// once the declaration is gone, between releasing and deleting. (The mark is overwritten with `delete`: only
/// declared keys are ever written.)
#[test]
fn no_longer_retaining_a_declaration_overwrites_the_retain_mark() {
    let mut with_retain = workshop_config();
    retain(&mut with_retain, reconciler_spec::Kind::LogGroup, "nodejs");
    let observed = converged(&with_retain, &zones(3));
    let plan = plan_with(&workshop_config(), &observed, &pruning_on());

    assert_actions(&plan, &[("log_group.nodejs", ActionKind::Update)]);
    assert_eq!(
        before_after(action(&plan, "log_group.nodejs"), &format!("tags.{DELETION_POLICY_KEY}")),
        (text(RETAIN), text("delete"))
    );
}

// ---------------------------------------------------------------------------------------------------------
// Adopt: an unowned resource takes the declaration
// ---------------------------------------------------------------------------------------------------------

#[test]
fn adopt_takes_over_an_unowned_resource_of_the_declared_name() {
    let mut desired = workshop();
    adopt(&mut desired, reconciler_spec::Kind::Cluster, "container-demo");
    let plan = plan_with(&desired, &platform_with_cluster(cluster_by_hand()), &pruning_on());

    assert_actions(&plan, &[(CLUSTER, ActionKind::Adopt)]);
    let adoption = action(&plan, CLUSTER);
    assert_eq!(adoption.id.as_deref(), Some(CLUSTER_ID));
    assert_eq!(adoption.reason, ActionReason::Adopt);
    assert_eq!(before_after(adoption, "container_insights"), (Value::Bool(false), Value::Bool(true)));
    assert!(!changes_named(adoption, "cluster_name"), "{:?}", adoption.changes);
    let tags = tag_changes(adoption);
    assert_eq!(tags[&format!("tags.{MANAGED_BY_KEY}")], (Value::Absent, text("reconciler")));
    assert_eq!(tags[&format!("tags.{OWNER_KEY}")], (Value::Absent, text(OWNER)));
    assert_eq!(tags[&format!("tags.{RESOURCE_KEY}")], (Value::Absent, text(CLUSTER)));
    assert_eq!(tags["tags.Project"], (Value::Absent, text("ecsdemo")));
    assert!(adoption.observed.as_ref().is_some_and(|o| o.id == CLUSTER_ID));
    assert_eq!(plan.summary(), Summary { adopt: 1, ..Summary::default() });
}

#[test]
fn once_adopted_the_resource_is_ours_and_converged() {
    let mut desired = workshop();
    adopt(&mut desired, reconciler_spec::Kind::Cluster, "container-demo");
    let plan = plan_with(&desired, &platform_with_cluster(cluster_by_hand()), &pruning_on());
    let adoption = action(&plan, CLUSTER);

    // What applying the adoption leaves: the live resource, with the desired fields and tags.
    let adopted = ObservedNode {
        id: CLUSTER_ID.to_string(),
        spec: adoption.desired.spec.clone(),
        tags: adoption.desired.tags.clone(),
    };
    assert_empty(&plan_with(&desired, &platform_with_cluster(adopted), &pruning_on()));
}

#[test]
fn what_is_created_on_an_adopted_resource_waits_for_the_adoption() {
    let mut desired = workshop_config();
    adopt(&mut desired, reconciler_spec::Kind::Cluster, "container-demo");
    let mut observed = empty_account(3);
    observed.nodes.push(cluster_by_hand());
    let plan = plan_with(&desired, &observed, &pruning_on());

    assert_eq!(action(&plan, CLUSTER).action, ActionKind::Adopt);
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    let service = action(&plan, "service.ecsdemo-nodejs");
    assert_eq!(service.action, ActionKind::Create);
    assert!(service.depends_on.contains(&addr(CLUSTER)), "{:?}", service.depends_on);
    assert_eq!(service.blocked_by, None);
    assert_before(&plan, CLUSTER, "service.ecsdemo-nodejs");
}

#[test]
fn without_adopt_an_unowned_resource_of_the_declared_name_is_a_conflict() {
    let plan = plan_with(&workshop(), &platform_with_cluster(cluster_by_hand()), &pruning_on());

    assert!(plan.actions.is_empty(), "{:#?}", describe(&plan));
    assert_eq!(plan.conflicts.len(), 1, "{:?}", plan.conflicts);
    let conflict = &plan.conflicts[0];
    assert_eq!(conflict.address, addr(CLUSTER));
    assert_eq!(conflict.id, CLUSTER_ID);
    assert_eq!(conflict.identity, "container-demo");
}

#[test]
fn adopt_never_takes_a_resource_of_another_owner() {
    let mut desired = workshop();
    adopt(&mut desired, reconciler_spec::Kind::Cluster, "container-demo");
    let mut holder = cluster_by_hand();
    holder.tags = BTreeMap::from([
        (MANAGED_BY_KEY.to_string(), "reconciler".to_string()),
        (OWNER_KEY.to_string(), "another-owner".to_string()),
        (RESOURCE_KEY.to_string(), CLUSTER.to_string()),
    ]);
    let plan = plan_with(&desired, &platform_with_cluster(holder), &pruning_on());

    assert!(plan.actions.is_empty(), "{:#?}", describe(&plan));
    assert_eq!(plan.conflicts.len(), 1, "{:?}", plan.conflicts);
    assert_eq!(plan.conflicts[0].address, addr(CLUSTER));
    assert_eq!(plan.conflicts[0].id, CLUSTER_ID);
    assert!(plan.not_declared.is_empty(), "another owner's resource is not ours to report: {:?}", plan.not_declared);
}

#[test]
fn adopt_refuses_a_resource_that_differs_in_a_field_fixed_at_creation() {
    let mut desired = workshop();
    adopt(&mut desired, reconciler_spec::Kind::SecurityGroup, "services");
    let mut observed = converged(&desired, &zones(3));
    let holder = observed_mut(&mut observed, "security_group.services");
    disown(holder);
    let NodeSpec::SecurityGroup(SecurityGroupSpec { description, .. }) = &mut holder.spec else {
        unreachable!("a security group")
    };
    *description = "made by hand".to_string();
    let holder_id = holder.id.clone();
    let plan = plan_with(&desired, &observed, &pruning_on());

    assert!(plan.actions.is_empty(), "{:#?}", describe(&plan));
    assert_eq!(plan.conflicts.len(), 1, "{:?}", plan.conflicts);
    let conflict = &plan.conflicts[0];
    assert_eq!(conflict.address, addr("security_group.services"));
    assert_eq!(conflict.id, holder_id);
    assert_eq!(conflict.identity, "vpc.main/services");
    // Only the description: ingress, which can change in place, is no reason to refuse.
    assert_eq!(
        conflict.reason,
        ConflictReason::AdoptionNeedsReplacement {
            fields: vec![ChangedField::Field(security_group::field::DESCRIPTION)]
        }
    );
}

/// A security group whose rule admits the group itself: once adopted, that rule is the declared one (the
/// group's own id is the adopted address), so it is no change.
#[test]
fn adopting_a_security_group_keeps_its_rules_that_refer_to_itself() {
    let mut desired = workshop();
    adopt(&mut desired, reconciler_spec::Kind::SecurityGroup, "services");
    let mut observed = converged(&desired, &zones(3));
    disown(observed_mut(&mut observed, "security_group.services"));
    let plan = plan_with(&desired, &observed, &pruning_on());

    assert_actions(&plan, &[("security_group.services", ActionKind::Adopt)]);
    let adoption = action(&plan, "security_group.services");
    assert!(adoption.changes.iter().all(|c| c.field.to_string().starts_with("tags.")), "{:?}", adoption.changes);
}

#[test]
fn adopting_a_role_adopts_its_instance_profile() {
    let mut desired = workshop_config();
    adopt(&mut desired, reconciler_spec::Kind::Role, "loadtest");
    let mut observed = converged(&desired, &zones(3));
    disown(observed_mut(&mut observed, "role.loadtest"));
    disown(observed_mut(&mut observed, "instance_profile.loadtest"));
    let plan = plan_with(&desired, &observed, &pruning_on());

    assert_eq!(action(&plan, "role.loadtest").action, ActionKind::Adopt, "{:#?}", describe(&plan));
    assert_eq!(action(&plan, "instance_profile.loadtest").action, ActionKind::Adopt, "{:#?}", describe(&plan));
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
}

/// The workshop (without the load-test host: an instance cannot be adopted) made by hand: every resource there,
/// none of it tagged as ours; and every declaration saying `adopt = true`, as `reconciler export` writes them.
fn workshop_made_by_hand() -> (Desired, Observed) {
    let mut desired = workshop_config();
    desired.instances.clear();
    let declared: Vec<(reconciler_spec::Kind, String)> = expanded(&desired)
        .iter()
        .map(|a| {
            let address = addr(a);
            let (kind, name) = reconciler_plan::declaration_of(&address);
            (kind, name.to_string())
        })
        .collect();
    for (kind, name) in declared {
        adopt(&mut desired, kind, &name);
    }
    let mut observed = converged(&desired, &zones(3));
    for node in &mut observed.nodes {
        disown(node);
    }
    (desired, observed)
}

#[test]
fn adopting_a_whole_stack_takes_over_every_part_of_every_declaration_and_changes_only_tags() {
    let (desired, observed) = workshop_made_by_hand();
    let plan = plan_with(&desired, &observed, &pruning_on());

    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    assert_eq!(sorted(of_kind(&plan, ActionKind::Adopt)), sorted(expanded(&desired)), "{:#?}", describe(&plan));
    for adoption in &plan.actions {
        assert_eq!(adoption.id.as_deref(), Some(id_of(&adoption.address).as_str()), "the one made for it");
        let fields: Vec<String> = adoption.changes.iter().map(|c| c.field.to_string()).collect();
        assert!(fields.iter().all(|f| f.starts_with("tags.")), "{}: {fields:?}", adoption.address);
    }
    // Parts without a name of their own are found through what refers to them, or inside the adopted VPC.
    for found_through in ["elastic_ip.main/nat-1", "task_definition.ecsdemo-nodejs", "subnet.main/private-2"] {
        assert_eq!(action(&plan, found_through).action, ActionKind::Adopt);
    }
}

#[test]
fn an_adopted_vpc_is_found_by_its_cidr_and_among_several_by_its_tags() {
    let (desired, mut observed) = workshop_made_by_hand();
    // Another VPC of the same CIDR, with other tags: the declared tags tell them apart.
    let mut other = observed.nodes.iter().find(|n| n.kind() == Kind::Vpc).unwrap().clone();
    other.id = "vpc-other".to_string();
    other.tags.insert("Project".to_string(), "something else".to_string());
    observed.nodes.push(other.clone());
    let plan = plan_with(&desired, &observed, &pruning_on());
    assert_eq!(action(&plan, "vpc.main").id.as_deref(), Some("vpc-main"));
    assert_eq!(action(&plan, "subnet.main/public-1").action, ActionKind::Adopt);

    // Two that both carry the declared tags: none is guessed at (a new VPC is planned, and its parts with it).
    other.tags.insert("Project".to_string(), "ecsdemo".to_string());
    observed.nodes.retain(|n| n.id != "vpc-other");
    observed.nodes.push(other);
    let plan = plan_with(&desired, &observed, &pruning_on());
    assert_eq!(action(&plan, "vpc.main").action, ActionKind::Create);
    assert_eq!(action(&plan, "subnet.main/public-1").action, ActionKind::Create);
}

#[test]
fn an_adopted_service_whose_task_definition_differs_gets_a_revision_of_ours() {
    let (desired, mut observed) = workshop_made_by_hand();
    let definition =
        observed.nodes.iter_mut().find(|n| n.id == "arn:aws:ecs:eu-west-1:123456789012:task-definition-ecsdemo-nodejs");
    let NodeSpec::TaskDefinition(spec) = &mut definition.expect("the task definition").spec else { unreachable!() };
    spec.image = "brentley/ecsdemo-nodejs:by-hand".to_string();
    let plan = plan_with(&desired, &observed, &pruning_on());

    assert_eq!(
        action(&plan, "task_definition.ecsdemo-nodejs").action,
        ActionKind::Create,
        "the revision by hand stays"
    );
    let service = action(&plan, "service.ecsdemo-nodejs");
    assert_eq!(service.action, ActionKind::Adopt);
    assert!(changes_named(service, "task_definition"), "{:?}", service.changes);
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
}

// ---------------------------------------------------------------------------------------------------------
// Destroy
// ---------------------------------------------------------------------------------------------------------

#[test]
fn destroy_deletes_every_declared_resource_dependents_first() {
    let plan = destroy_ok(&workshop_config(), &converged_workshop());

    assert_eq!(sorted(of_kind(&plan, ActionKind::Delete)), sorted(expanded(&workshop_config())));
    assert_eq!(plan.actions.len(), WORKSHOP_COUNT);
    assert!(plan.actions.iter().all(|a| a.reason == DESTROYED), "{:#?}", describe(&plan));
    assert!(plan.actions.iter().all(|a| a.id.is_some()));
    assert_before(&plan, "subnet.main/public-1", "vpc.main");
    assert_before(&plan, "route_table.main/public", "subnet.main/public-1");
    assert_before(&plan, "route_table.main/private-3", "subnet.main/private-3");
    assert_before(&plan, "route_table.main/public", "internet_gateway.main/igw");
    assert_before(&plan, "nat_gateway.main/nat-1", "elastic_ip.main/nat-1");
    assert_before(&plan, "route_table.main/private-1", "nat_gateway.main/nat-1");
    assert_before(&plan, "security_group.services", "vpc.main");
    assert_before(&plan, "service.ecsdemo-crystal", "security_group.services");
    assert_before(&plan, "service.ecsdemo-frontend", CLUSTER);
    assert_before(&plan, "discovery_service.ecsdemo-frontend", "namespace.service");
    assert_before(&plan, "service.ecsdemo-frontend", "discovery_service.ecsdemo-frontend");
    assert_before(&plan, "task_definition.ecsdemo-crystal", "role.ecs-task-execution");
    assert_before(&plan, "service.ecsdemo-crystal", "task_definition.ecsdemo-crystal");
    assert_before(&plan, "service.ecsdemo-frontend", "target_group.ecsdemo-frontend");
    assert_before(&plan, "instance_profile.loadtest", "role.loadtest");
    assert_before(&plan, "instance.loadtest", "instance_profile.loadtest");
    assert_deletion_order(&plan);
    assert!(plan.conflicts.is_empty() && plan.not_declared.is_empty());
    assert_eq!(plan.prune_guard, None);
}

#[test]
fn destroy_leaves_what_it_does_not_declare_and_what_is_not_ours() {
    let mut observed = converged_workshop();
    // Someone else's cluster, and another instance's log group.
    let mut foreign = cluster_by_hand();
    foreign.id = "arn:aws:ecs:eu-west-1:123456789012:cluster/by-hand".to_string();
    if let NodeSpec::Cluster(ClusterSpec { cluster_name, .. }) = &mut foreign.spec {
        *cluster_name = "by-hand".to_string();
    }
    observed.nodes.push(foreign);
    give_to_other_owner(observed_mut(&mut observed, "log_group.crystal"));

    // Destroy only the nodejs file's declarations (their references resolve against the rest).
    let whole = workshop_config();
    let nodejs_only = Desired {
        services: whole.services.iter().filter(|(name, _)| *name == "ecsdemo-nodejs").map(clone_entry).collect(),
        log_groups: whole.log_groups.iter().filter(|(name, _)| *name == "nodejs").map(clone_entry).collect(),
        ..Desired::default()
    };
    let plan = destroy_ok(&nodejs_only, &observed);
    assert_eq!(sorted(of_kind(&plan, ActionKind::Delete)), sorted(strings(&NODEJS)), "{:#?}", describe(&plan));
    assert_eq!(plan.actions.len(), 4);
    assert_eq!(addresses(&plan).first().map(String::as_str), Some("service.ecsdemo-nodejs"));

    // The whole workshop: everything of ours, but not the foreign cluster nor the other owner's log group.
    let plan = destroy_ok(&workshop_config(), &observed);
    assert_eq!(plan.actions.len(), WORKSHOP_COUNT - 1);
    assert!(!addresses(&plan).contains(&"log_group.crystal".to_string()));
    assert!(plan.actions.iter().all(|a| a.id.as_deref() != Some("arn:aws:ecs:eu-west-1:123456789012:cluster/by-hand")));
}

fn clone_entry<K: Clone, V: Clone>((k, v): (&K, &V)) -> (K, V) {
    (k.clone(), v.clone())
}

#[test]
fn destroy_ignores_the_guards() {
    // Destroy is asked for by name: no share guard, no held-back pass.
    let context = pruning_context(Pruning {
        max_share: 0.0,
        held_back: Some(HoldBack::InvalidDesiredState),
        enabled: false,
        ..Pruning::default()
    });
    let plan = destroy(&workshop_config(), &converged_workshop(), &context).expect("a plan");
    assert_eq!(plan.actions.len(), WORKSHOP_COUNT);
    assert_eq!(plan.prune_guard, None);
}

#[test]
fn destroy_releases_a_retained_declaration() {
    let mut desired = workshop_config();
    retain(&mut desired, reconciler_spec::Kind::Vpc, "main");
    let observed = converged(&desired, &zones(3));
    let plan = destroy_ok(&desired, &observed);

    let released = of_kind(&plan, ActionKind::Release);
    assert_eq!(released.len(), 14, "{released:#?}");
    for address in &released {
        assert!(address.contains(".main"), "{address}");
        let release = action(&plan, address);
        assert!(
            release
                .changes
                .iter()
                .all(|c| c.after == Value::Absent && c.field.to_string().starts_with("tags.reconciler:"))
        );
    }
    assert!(released.contains(&"vpc.main".to_string()));
    assert_eq!(of_kind(&plan, ActionKind::Delete).len(), WORKSHOP_COUNT - 14);
    assert_eq!(plan.summary(), Summary { delete: WORKSHOP_COUNT - 14, release: 14, ..Summary::default() });
}

/// A declaration that says `deletion_policy = "retain"` is released by destroy even when no pass has yet
/// written the retain tag: the declaration is right there.
#[test]
fn destroy_honours_a_retain_not_yet_applied() {
    let mut desired = workshop_config();
    retain(&mut desired, reconciler_spec::Kind::LogGroup, "nodejs");
    let observed = converged_workshop(); // Without the retain tag.
    let plan = destroy_ok(&desired, &observed);

    assert_eq!(action(&plan, "log_group.nodejs").action, ActionKind::Release, "{:#?}", describe(&plan));
}

#[test]
fn lifecycle_default_is_neither_adopt_nor_retain() {
    assert_eq!(Lifecycle::default(), Lifecycle { adopt: false, retain: false });
}

#[test]
fn with_pruning_off_a_rule_naming_an_orphan_group_is_kept() {
    let context = pruning_context(Pruning { enabled: false, ..Pruning::default() });
    let plan = plan_with(&without_workloads(), &converged_workshop(), &context);
    // The frontend's load balancer group stays (an orphan): the services group keeps admitting it. (Scaling
    // registrations still go with their declarations.)
    assert!(!addresses(&plan).contains(&"security_group.services".to_string()), "{:#?}", describe(&plan));
    assert!(plan.actions.iter().all(|a| a.address.kind.removed_with_its_declaration()), "{:#?}", describe(&plan));
    assert!(plan.not_declared.iter().any(|n| n.address.to_string() == "security_group.ecsdemo-frontend/lb"));
}

#[test]
fn when_the_group_is_pruned_the_rule_naming_it_goes_first() {
    let context = pruning_context(Pruning { allow_mass_delete: true, ..Pruning::default() });
    let plan = plan_with(&without_workloads(), &converged_workshop(), &context);
    assert_eq!(action(&plan, "security_group.services").action, ActionKind::Update);
    assert_eq!(action(&plan, "security_group.ecsdemo-frontend/lb").action, ActionKind::Delete);
}

/// Deletions run in list order: the scaling registrations go first (nothing keeps scaling a service being
/// deleted), policies before their target; the services before the load balancing and the cluster; the VPC
/// last.
#[test]
fn destroy_takes_the_scaling_first_and_the_network_last() {
    let plan = destroy_ok(&workshop_config(), &converged_workshop());
    let order: Vec<String> = addresses(&plan);
    let at = |address: &str| order.iter().position(|a| a == address).unwrap_or_else(|| panic!("{address}"));
    let first_non_scaling = order.iter().position(|a| !a.starts_with("scal")).unwrap();
    assert!(order[..first_non_scaling].len() >= 4, "{order:#?}");
    assert!(at("scaling_policy.ecsdemo-frontend/ecsdemo-frontend-cpu") < at("scalable_target.ecsdemo-frontend"));
    assert!(at("service.ecsdemo-frontend") < at("target_group.ecsdemo-frontend"));
    assert!(at("listener.ecsdemo-frontend") < at("load_balancer.ecsdemo-frontend"));
    assert!(at("service.ecsdemo-frontend") < at("cluster.container-demo"));
    assert!(at("discovery_service.ecsdemo-nodejs") < at("namespace.service"));
    assert_eq!(order.last().map(String::as_str), Some("vpc.main"), "{order:#?}");
}
