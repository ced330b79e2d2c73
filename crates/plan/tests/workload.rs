//! The planner on the workload kinds (roles, instance profiles, log groups, task definitions, load balancers,
//! target groups, listeners, Cloud Map services, ECS services, instances), from a user's point of view: the
//! shipped workshop (`config/`) planned from an empty account, from a converged one, and after edits to the
//! files or drift in the account.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use reconciler_plan::kinds;
use reconciler_plan::{
    ActionKind, ActionReason, Address, ConflictReason, Kind, NodeSpec, ObservedNode, Plan, Ref, Value, expand,
};
use reconciler_plan::{ClusterSpec, InstanceProfileSpec, LoadBalancerSpec, LogGroupSpec, NamespaceSpec, RoleSpec};
use reconciler_spec::Desired;

/// Every resource of the shipped workshop: the platform's 17, and what the roles, log groups, services and
/// the load-test host expand to.
const WORKSHOP_ADDRESSES: [&str; 41] = [
    // Platform.
    "vpc.main",
    "internet_gateway.main/igw",
    "subnet.main/public-1",
    "subnet.main/public-2",
    "subnet.main/public-3",
    "subnet.main/private-1",
    "subnet.main/private-2",
    "subnet.main/private-3",
    "elastic_ip.main/nat-1",
    "nat_gateway.main/nat-1",
    "route_table.main/public",
    "route_table.main/private-1",
    "route_table.main/private-2",
    "route_table.main/private-3",
    "security_group.services",
    "cluster.container-demo",
    "namespace.service",
    // Roles and logs.
    "role.ecs-task-execution",
    "role.loadtest",
    "instance_profile.loadtest",
    "log_group.crystal",
    "log_group.frontend",
    "log_group.nodejs",
    // The services.
    "task_definition.ecsdemo-crystal",
    "task_definition.ecsdemo-frontend",
    "task_definition.ecsdemo-nodejs",
    "discovery_service.ecsdemo-crystal",
    "discovery_service.ecsdemo-frontend",
    "discovery_service.ecsdemo-nodejs",
    "security_group.ecsdemo-frontend/lb",
    "load_balancer.ecsdemo-frontend",
    "target_group.ecsdemo-frontend",
    "listener.ecsdemo-frontend",
    "service.ecsdemo-crystal",
    "service.ecsdemo-frontend",
    "service.ecsdemo-nodejs",
    // The load-test host.
    "instance.loadtest",
    // Autoscaling of the frontend and crystal.
    "scalable_target.ecsdemo-frontend",
    "scaling_policy.ecsdemo-frontend/ecsdemo-frontend-cpu",
    "scalable_target.ecsdemo-crystal",
    "scaling_policy.ecsdemo-crystal/ecsdemo-crystal-cpu",
];

const SERVICES: [&str; 3] = ["ecsdemo-crystal", "ecsdemo-frontend", "ecsdemo-nodejs"];

/// The workshop as shipped, converged, and the plan for `desired` against it.
fn plan_against_converged_workshop(desired: &Desired) -> Plan {
    plan_ok(desired, &converged(&workshop_config(), &zones(3)))
}

/// What a plan must be to be carried out at all, whatever it decides:
/// - every dependency an action waits for comes earlier, and every reference to a resource with an action
///   too (the order is topological);
/// - a declared resource that refers to a replaced one is in the plan (its reference would otherwise point at
///   something deleted), and is replaced itself when AWS cannot change that reference in place;
/// - no action refers to a resource that is neither declared nor existing.
fn assert_coherent(desired: &Desired, plan: &Plan) {
    let nodes = expand(desired, &zones(3), OWNER).expect("expands");
    let declared: BTreeSet<&Address> = nodes.iter().map(|n| &n.address).collect();
    let at: BTreeMap<&Address, usize> = plan.actions.iter().enumerate().map(|(i, a)| (&a.address, i)).collect();
    let replaced: BTreeSet<&Address> =
        plan.actions.iter().filter(|a| a.action == ActionKind::Replace).map(|a| &a.address).collect();

    for (i, action) in plan.actions.iter().enumerate() {
        for dependency in &action.depends_on {
            assert!(at.get(dependency).is_some_and(|&j| j < i), "{} waits for {dependency}, later", action.address);
        }
        for reference in action.desired.spec.references().into_iter().filter_map(Ref::node) {
            assert!(declared.contains(reference), "{} refers to {reference}, which is not declared", action.address);
            if let Some(&j) = at.get(reference)
                && *reference != action.address
            {
                assert!(j < i, "{} refers to {reference}, which comes later", action.address);
                assert!(action.depends_on.contains(reference), "{} does not wait for {reference}", action.address);
            }
        }
    }
    for node in &nodes {
        let planned = plan.actions.iter().find(|a| a.address == node.address);
        for reference in node.spec.references().into_iter().filter_map(Ref::node) {
            if *reference != node.address && replaced.contains(reference) {
                assert!(
                    planned.is_some(),
                    "{} refers to {reference}, which is replaced, and has no action",
                    node.address
                );
            }
        }
        for reference in node.spec.fixed_references().into_iter().filter_map(Ref::node) {
            if replaced.contains(reference) {
                let action = planned.unwrap_or_else(|| panic!("{} has no action", node.address));
                assert_eq!(action.action, ActionKind::Replace, "{} is fixed to {reference}", node.address);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// 1. An empty account
// ---------------------------------------------------------------------------------------------------------

#[test]
fn empty_account_creates_the_whole_workshop() {
    let plan = plan_ok(&workshop_config(), &empty_account(3));

    let planned: BTreeSet<String> = addresses(&plan).into_iter().collect();
    let expected: BTreeSet<String> = WORKSHOP_ADDRESSES.iter().map(ToString::to_string).collect();
    assert_eq!(planned, expected);
    assert_eq!(plan.actions.len(), 41, "one action per resource");
    assert!(plan.actions.iter().all(|a| a.action == ActionKind::Create && a.reason == ActionReason::NotFound));
    assert!(plan.actions.iter().all(|a| a.blocked_by.is_none() && a.id.is_none()));
    assert!(plan.conflicts.is_empty() && plan.not_declared.is_empty());
    assert_eq!(plan.summary().create, 41);
    assert_eq!(plan.declared.len(), 41);
}

#[test]
fn empty_account_creates_dependencies_first() {
    let plan = plan_ok(&workshop_config(), &empty_account(3));

    for service in SERVICES {
        assert_before(&plan, "role.ecs-task-execution", &format!("task_definition.{service}"));
        assert_before(&plan, &format!("task_definition.{service}"), &format!("service.{service}"));
        assert_before(&plan, &format!("discovery_service.{service}"), &format!("service.{service}"));
        assert_before(&plan, "namespace.service", &format!("discovery_service.{service}"));
        assert_before(&plan, "cluster.container-demo", &format!("service.{service}"));
        assert_before(&plan, "security_group.services", &format!("service.{service}"));
        for zone in 1..=3 {
            assert_before(&plan, &format!("subnet.main/private-{zone}"), &format!("service.{service}"));
        }
    }
    for (group, service) in
        [("crystal", "ecsdemo-crystal"), ("frontend", "ecsdemo-frontend"), ("nodejs", "ecsdemo-nodejs")]
    {
        assert_before(&plan, &format!("log_group.{group}"), &format!("task_definition.{service}"));
    }
    assert_before(&plan, "security_group.ecsdemo-frontend/lb", "load_balancer.ecsdemo-frontend");
    assert_before(&plan, "load_balancer.ecsdemo-frontend", "listener.ecsdemo-frontend");
    assert_before(&plan, "target_group.ecsdemo-frontend", "listener.ecsdemo-frontend");
    assert_before(&plan, "listener.ecsdemo-frontend", "service.ecsdemo-frontend");
    assert_before(&plan, "target_group.ecsdemo-frontend", "service.ecsdemo-frontend");
    assert_before(&plan, "security_group.ecsdemo-frontend/lb", "security_group.services");
    assert_before(&plan, "role.loadtest", "instance_profile.loadtest");
    assert_before(&plan, "instance_profile.loadtest", "instance.loadtest");
    assert_before(&plan, "subnet.main/private-1", "instance.loadtest");
    assert_before(&plan, "security_group.services", "instance.loadtest");

    // What each waits for, as the plan lists it (ordering-only dependencies included).
    let frontend_task = action(&plan, "task_definition.ecsdemo-frontend");
    assert_eq!(frontend_task.depends_on, vec![addr("role.ecs-task-execution"), addr("log_group.frontend")]);
    let frontend = action(&plan, "service.ecsdemo-frontend");
    for dependency in [
        "cluster.container-demo",
        "task_definition.ecsdemo-frontend",
        "target_group.ecsdemo-frontend",
        "listener.ecsdemo-frontend",
        "discovery_service.ecsdemo-frontend",
        "security_group.services",
    ] {
        assert!(frontend.depends_on.contains(&addr(dependency)), "service.ecsdemo-frontend waits for {dependency}");
    }
    assert_eq!(action(&plan, "instance_profile.loadtest").depends_on, vec![addr("role.loadtest")]);

    assert_coherent(&workshop_config(), &plan);
}

#[test]
fn the_services_group_admits_the_load_balancer_on_the_container_port() {
    let plan = plan_ok(&workshop_config(), &empty_account(3));

    let services = action(&plan, "security_group.services");
    assert_eq!(
        change(services, "ingress").after,
        Value::Set(vec![
            "tcp 3000 security_group.ecsdemo-frontend/lb (load balancer to ecsdemo-frontend)".to_string(),
            "tcp 3000 security_group.services (services to services on 3000)".to_string(),
        ])
    );
    assert!(services.depends_on.contains(&addr("security_group.ecsdemo-frontend/lb")));

    let lb_group = action(&plan, "security_group.ecsdemo-frontend/lb");
    assert_eq!(change(lb_group, "group_name").after, text("ecsdemo-frontend-lb"));
    assert_eq!(
        change(lb_group, "ingress").after,
        Value::Set(vec!["tcp 80 0.0.0.0/0 (HTTP to the load balancer)".to_string()])
    );
}

#[test]
fn creates_show_the_workload_fields_a_user_checks() {
    let plan = plan_ok(&workshop_config(), &empty_account(3));

    let task = action(&plan, "task_definition.ecsdemo-frontend");
    assert_eq!(change(task, "image").after, text("brentley/ecsdemo-frontend:latest"));
    assert_eq!(change(task, "cpu").after, Value::Int(256));
    assert_eq!(change(task, "memory").after, Value::Int(512));
    assert_eq!(change(task, "execution_role").after, text("role.ecs-task-execution"));
    assert_eq!(change(task, "log_group").after, text("/ecs/ecsdemo-frontend"));
    assert_eq!(
        change(task, "environment").after,
        Value::Set(vec![
            "CRYSTAL_URL=http://ecsdemo-crystal.service.local:3000/crystal".to_string(),
            "NODEJS_URL=http://ecsdemo-nodejs.service.local:3000".to_string(),
        ])
    );
    assert!(!changes_named(task, "command"), "no command declared: nothing shown");

    let service = action(&plan, "service.ecsdemo-frontend");
    assert_eq!(change(service, "cluster").after, text("cluster.container-demo"));
    // The frontend scales on CPU: the file's count is only the initial one, and the plan says so.
    assert_eq!(change(service, "desired_count").after, text("1 (owned by autoscaling, 1 to 10)"));
    assert_eq!(change(service, "load_balancer").after, text("target_group.ecsdemo-frontend -> ecsdemo-frontend:3000"));
    assert_eq!(change(service, "service_registry").after, text("discovery_service.ecsdemo-frontend"));
    assert_eq!(
        change(service, "subnets").after,
        Value::Set((1..=3).map(|i| format!("subnet.main/private-{i}")).collect())
    );
    assert!(!changes_named(action(&plan, "service.ecsdemo-nodejs"), "load_balancer"));

    let balancer = action(&plan, "load_balancer.ecsdemo-frontend");
    assert_eq!(change(balancer, "scheme").after, text("internet-facing"));
    assert_eq!(
        change(balancer, "subnets").after,
        Value::Set((1..=3).map(|i| format!("subnet.main/public-{i}")).collect())
    );
    let listener = action(&plan, "listener.ecsdemo-frontend");
    assert_eq!(change(listener, "port").after, Value::Int(80));
    assert_eq!(change(listener, "forward_to").after, text("target_group.ecsdemo-frontend"));

    let discovery = action(&plan, "discovery_service.ecsdemo-crystal");
    assert_eq!(change(discovery, "name").after, text("ecsdemo-crystal"));
    assert_eq!(change(discovery, "ttl").after, Value::Int(60));

    let instance = action(&plan, "instance.loadtest");
    assert_eq!(change(instance, "instance_type").after, text("t3.medium"));
    assert!(!changes_named(instance, "image"), "no image declared: AWS picks it, the plan shows none");
    assert_eq!(change(instance, "subnet").after, text("subnet.main/private-1"));
    assert_eq!(change(instance, "instance_profile").after, text("instance_profile.loadtest"));
    assert_eq!(change(instance, "tags.Name").after, text("ecsdemo-loadtest"));

    let profile = action(&plan, "instance_profile.loadtest");
    assert_eq!(change(profile, "name").after, text("ecsdemo-loadtest"));
    assert_eq!(change(profile, "role").after, text("role.loadtest"));
}

// ---------------------------------------------------------------------------------------------------------
// 2. A converged account
// ---------------------------------------------------------------------------------------------------------

#[test]
fn converged_workshop_plans_nothing() {
    let desired = workshop_config();
    let observed = converged(&desired, &zones(3));
    assert_eq!(observed.nodes.len(), 41);
    assert_empty(&plan_ok(&desired, &observed));
}

#[test]
fn converged_workshop_plans_nothing_whatever_the_order_observation_returns() {
    let desired = workshop_config();
    let mut observed = converged(&desired, &zones(3));
    observed.nodes.reverse();
    assert_empty(&plan_ok(&desired, &observed));
    observed.nodes.sort_by(|a, b| a.id.cmp(&b.id));
    assert_empty(&plan_ok(&desired, &observed));
}

#[test]
fn a_missing_workload_resource_is_created_alone() {
    let desired = workshop_config();
    let mut observed = converged(&desired, &zones(3));
    remove_observed(&mut observed, "log_group.nodejs");
    let plan = plan_ok(&desired, &observed);
    assert_actions(&plan, &[("log_group.nodejs", ActionKind::Create)]);
    assert!(plan.actions[0].depends_on.is_empty());
}

// ---------------------------------------------------------------------------------------------------------
// 3. and 4. A new image, a desired count changed live
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_new_image_registers_a_new_revision_and_updates_the_service() {
    let mut desired = workshop_config();
    service_mut(&mut desired, "ecsdemo-frontend").image = "brentley/ecsdemo-frontend:v2".to_string();
    let plan = plan_against_converged_workshop(&desired);

    assert_eq!(addresses(&plan), ["task_definition.ecsdemo-frontend", "service.ecsdemo-frontend"]);
    assert!(plan.conflicts.is_empty() && plan.not_declared.is_empty());

    let task = &plan.actions[0];
    assert_eq!(task.action, ActionKind::Replace);
    assert_eq!(task.reason, new_revision(&[kinds::task_definition::field::IMAGE]));
    assert_eq!(task.changes.len(), 1, "only the image: {:?}", task.changes);
    let image = change(task, "image");
    assert_eq!(
        (image.before.clone(), image.after.clone()),
        (text("brentley/ecsdemo-frontend:latest"), text("brentley/ecsdemo-frontend:v2"))
    );
    assert!(image.forces_replacement);
    assert_eq!(task.id.as_deref(), Some(id_of(&addr("task_definition.ecsdemo-frontend")).as_str()));

    let service = &plan.actions[1];
    assert_eq!(service.action, ActionKind::Update);
    assert_eq!(service.reason, replaced("task_definition.ecsdemo-frontend"));
    assert_eq!(service.depends_on, vec![addr("task_definition.ecsdemo-frontend")]);
    assert!(service.refreshes_references(), "no field of the service differs: it moves to the new revision");
    assert_eq!(plan.summary().replace, 1);
    assert_eq!(plan.summary().update, 1);
}

#[test]
fn a_new_revision_with_a_service_field_changed_too_still_moves_the_service_to_it() {
    let mut desired = workshop_config();
    let frontend = service_mut(&mut desired, "ecsdemo-frontend");
    frontend.image = "brentley/ecsdemo-frontend:v2".to_string();
    frontend.deployment.maximum_percent = 150;
    let plan = plan_against_converged_workshop(&desired);

    assert_eq!(addresses(&plan), ["task_definition.ecsdemo-frontend", "service.ecsdemo-frontend"]);
    let service = &plan.actions[1];
    assert_eq!(service.action, ActionKind::Update);
    let moved = reconciler_plan::DriftNote::RefersToReplaced { dependency: addr("task_definition.ecsdemo-frontend") };
    assert_eq!(
        service.reason,
        ActionReason::Drift {
            fields: vec![reconciler_plan::ChangedField::Field(kinds::service::field::MAXIMUM_PERCENT)],
            notes: vec![moved]
        }
    );
    // The deployment changes, and the references are written again: the service runs the new revision.
    assert!(service.refreshes_references(), "{service:?}");
}

#[test]
fn a_desired_count_changed_live_is_set_back_in_place() {
    let desired = workshop_config();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::Service(found) = &mut observed_mut(&mut observed, "service.ecsdemo-nodejs").spec else {
        unreachable!()
    };
    found.desired_count = 3;

    let plan = plan_ok(&desired, &observed);
    assert_actions(&plan, &[("service.ecsdemo-nodejs", ActionKind::Update)]);
    let update = &plan.actions[0];
    assert_eq!(update.reason, drift(&[kinds::service::field::DESIRED_COUNT]));
    assert_eq!(update.changes.len(), 1);
    assert_eq!(before_after(update, "desired_count"), (Value::Int(3), Value::Int(1)));
    assert!(!change(update, "desired_count").forces_replacement);
}

// ---------------------------------------------------------------------------------------------------------
// 5. Which fields change in place, and which replace
// ---------------------------------------------------------------------------------------------------------

#[test]
fn moving_a_service_to_another_cluster_replaces_it() {
    let mut desired = workshop_config();
    let mut other = desired.clusters["container-demo"].clone();
    other.name = "other".to_string();
    other.spec.cluster_name = "other".to_string();
    desired.clusters.insert("other".to_string(), other);
    service_mut(&mut desired, "ecsdemo-frontend").cluster = "other".to_string();

    let plan = plan_against_converged_workshop(&desired);
    // Its scaling registration names the cluster (`service/CLUSTER/NAME`): it moves with the service.
    assert_actions(
        &plan,
        &[
            ("cluster.other", ActionKind::Create),
            ("service.ecsdemo-frontend", ActionKind::Replace),
            ("scalable_target.ecsdemo-frontend", ActionKind::Replace),
            ("scaling_policy.ecsdemo-frontend/ecsdemo-frontend-cpu", ActionKind::Replace),
        ],
    );
    let service = action(&plan, "service.ecsdemo-frontend");
    assert_eq!(service.reason, fixed(&[kinds::service::field::CLUSTER]));
    assert_eq!(before_after(service, "cluster"), (text("cluster.container-demo"), text("cluster.other")));
    assert!(change(service, "cluster").forces_replacement);
    assert_eq!(service.depends_on, vec![addr("cluster.other")]);
    assert_before(&plan, "cluster.other", "service.ecsdemo-frontend");
}

#[test]
fn renaming_a_service_replaces_it() {
    let mut desired = workshop_config();
    service_mut(&mut desired, "ecsdemo-nodejs").service_name = "nodejs-v2".to_string();

    let plan = plan_against_converged_workshop(&desired);
    assert_actions(
        &plan,
        &[("task_definition.ecsdemo-nodejs", ActionKind::Replace), ("service.ecsdemo-nodejs", ActionKind::Replace)],
    );
    let service = action(&plan, "service.ecsdemo-nodejs");
    assert_eq!(service.reason, fixed(&[kinds::service::field::SERVICE_NAME]));
    assert_eq!(before_after(service, "service_name"), (text("ecsdemo-nodejs"), text("nodejs-v2")));
    // The container is named after the service: a new revision too, listed first.
    let task = action(&plan, "task_definition.ecsdemo-nodejs");
    assert_eq!(
        task.reason,
        new_revision(&[kinds::task_definition::field::FAMILY, kinds::task_definition::field::CONTAINER_NAME])
    );
    assert_before(&plan, "task_definition.ecsdemo-nodejs", "service.ecsdemo-nodejs");
}

#[test]
fn a_health_check_path_is_changed_in_place() {
    let mut desired = workshop_config();
    let lb = service_mut(&mut desired, "ecsdemo-frontend").load_balancer.as_mut().unwrap();
    lb.health_check.path = "/health".to_string();

    let plan = plan_against_converged_workshop(&desired);
    assert_actions(&plan, &[("target_group.ecsdemo-frontend", ActionKind::Update)]);
    let update = &plan.actions[0];
    assert_eq!(update.reason, drift(&[kinds::target_group::field::HEALTH_CHECK_PATH]));
    assert_eq!(before_after(update, "health_check_path"), (text("/"), text("/health")));
}

#[test]
fn a_target_group_port_replaces_it_and_its_listener_and_refreshes_the_service() {
    let desired = workshop_config();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::TargetGroup(found) = &mut observed_mut(&mut observed, "target_group.ecsdemo-frontend").spec else {
        unreachable!()
    };
    found.port = 8080;

    let plan = plan_ok(&desired, &observed);
    // ELB refuses to delete a target group a listener forwards to: the listener is replaced with it.
    assert_actions(
        &plan,
        &[
            ("target_group.ecsdemo-frontend", ActionKind::Replace),
            ("listener.ecsdemo-frontend", ActionKind::Replace),
            ("service.ecsdemo-frontend", ActionKind::Update),
        ],
    );
    let target_group = action(&plan, "target_group.ecsdemo-frontend");
    assert_eq!(target_group.reason, fixed(&[kinds::target_group::field::PORT]));
    assert_eq!(before_after(target_group, "port"), (Value::Int(8080), Value::Int(3000)));
    for dependent in ["listener.ecsdemo-frontend", "service.ecsdemo-frontend"] {
        let action = action(&plan, dependent);
        assert_eq!(action.reason, replaced("target_group.ecsdemo-frontend"), "{dependent}");
        assert!(action.depends_on.contains(&addr("target_group.ecsdemo-frontend")), "{dependent}");
    }
    assert!(action(&plan, "service.ecsdemo-frontend").refreshes_references());
    assert_before(&plan, "target_group.ecsdemo-frontend", "listener.ecsdemo-frontend");
    assert_before(&plan, "listener.ecsdemo-frontend", "service.ecsdemo-frontend");
    assert_coherent(&desired, &plan);
}

#[test]
fn a_listener_port_is_changed_in_place() {
    let mut desired = workshop_config();
    service_mut(&mut desired, "ecsdemo-frontend").load_balancer.as_mut().unwrap().listener_port = 8080;

    let plan = plan_against_converged_workshop(&desired);
    // The load balancer's group follows the listener port.
    assert_actions(
        &plan,
        &[
            ("security_group.ecsdemo-frontend/lb", ActionKind::Update),
            ("listener.ecsdemo-frontend", ActionKind::Update),
        ],
    );
    let listener = action(&plan, "listener.ecsdemo-frontend");
    assert_eq!(listener.reason, drift(&[kinds::listener::field::PORT]));
    assert_eq!(before_after(listener, "port"), (Value::Int(80), Value::Int(8080)));
    let group = action(&plan, "security_group.ecsdemo-frontend/lb");
    assert_eq!(
        before_after(group, "ingress"),
        (
            Value::Set(vec!["tcp 80 0.0.0.0/0 (HTTP to the load balancer)".to_string()]),
            Value::Set(vec!["tcp 8080 0.0.0.0/0 (HTTP to the load balancer)".to_string()])
        )
    );
}

#[test]
fn a_log_group_retention_is_changed_in_place() {
    let mut desired = workshop_config();
    desired.log_groups.get_mut("frontend").unwrap().spec.retention_days = Some(30);

    let plan = plan_against_converged_workshop(&desired);
    assert_actions(&plan, &[("log_group.frontend", ActionKind::Update)]);
    assert_eq!(plan.actions[0].reason, drift(&[kinds::log_group::field::RETENTION_DAYS]));
    assert_eq!(before_after(&plan.actions[0], "retention_days"), (Value::Int(14), Value::Int(30)));

    // Never expiring is a value too.
    desired.log_groups.get_mut("frontend").unwrap().spec.retention_days = None;
    let plan = plan_against_converged_workshop(&desired);
    assert_actions(&plan, &[("log_group.frontend", ActionKind::Update)]);
    assert_eq!(before_after(&plan.actions[0], "retention_days"), (Value::Int(14), Value::Absent));
}

#[test]
fn a_role_policy_is_changed_in_place() {
    let mut desired = workshop_config();
    let policy = "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess";
    desired.roles.get_mut("ecs-task-execution").unwrap().spec.managed_policies.push(policy.to_string());

    let plan = plan_against_converged_workshop(&desired);
    assert_actions(&plan, &[("role.ecs-task-execution", ActionKind::Update)]);
    let update = &plan.actions[0];
    assert_eq!(update.reason, drift(&[kinds::role::field::MANAGED_POLICIES]));
    let execution = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
    assert_eq!(
        before_after(update, "managed_policies"),
        (Value::Set(vec![execution.to_string()]), Value::Set(vec![policy.to_string(), execution.to_string()]))
    );
}

#[test]
fn a_discovery_ttl_is_changed_in_place() {
    let mut desired = workshop_config();
    service_mut(&mut desired, "ecsdemo-crystal").discovery.as_mut().unwrap().ttl = 10;

    let plan = plan_against_converged_workshop(&desired);
    assert_actions(&plan, &[("discovery_service.ecsdemo-crystal", ActionKind::Update)]);
    assert_eq!(plan.actions[0].reason, drift(&[kinds::discovery_service::field::TTL]));
    assert_eq!(before_after(&plan.actions[0], "ttl"), (Value::Int(60), Value::Int(10)));
}

#[test]
fn a_discovery_service_moved_to_another_namespace_is_replaced() {
    let mut desired = workshop_config();
    let mut other = desired.namespaces["service"].clone();
    other.name = "other".to_string();
    other.spec.dns_name = "other.local".to_string();
    desired.namespaces.insert("other".to_string(), other);
    service_mut(&mut desired, "ecsdemo-crystal").discovery.as_mut().unwrap().namespace = "other".to_string();

    let plan = plan_against_converged_workshop(&desired);
    assert_actions(
        &plan,
        &[
            ("namespace.other", ActionKind::Create),
            ("discovery_service.ecsdemo-crystal", ActionKind::Replace),
            ("service.ecsdemo-crystal", ActionKind::Update),
        ],
    );
    let discovery = action(&plan, "discovery_service.ecsdemo-crystal");
    assert_eq!(discovery.reason, fixed(&[kinds::discovery_service::field::NAMESPACE]));
    assert_eq!(before_after(discovery, "namespace"), (text("namespace.service"), text("namespace.other")));
    assert_eq!(discovery.depends_on, vec![addr("namespace.other")]);
    let service = action(&plan, "service.ecsdemo-crystal");
    assert_eq!(service.reason, replaced("discovery_service.ecsdemo-crystal"));
    assert!(service.refreshes_references());
    assert_before(&plan, "namespace.other", "discovery_service.ecsdemo-crystal");
    assert_before(&plan, "discovery_service.ecsdemo-crystal", "service.ecsdemo-crystal");
    assert_coherent(&desired, &plan);
}

#[test]
fn new_user_data_replaces_the_instance() {
    let mut desired = workshop_config();
    let instance = &mut desired.instances.get_mut("loadtest").unwrap().spec;
    let old = instance.user_data.clone().unwrap();
    let new = format!("{old}yum install -y htop\n");
    instance.user_data = Some(new.clone());

    let plan = plan_against_converged_workshop(&desired);
    assert_actions(&plan, &[("instance.loadtest", ActionKind::Replace)]);
    let replace = &plan.actions[0];
    assert_eq!(replace.reason, fixed(&[kinds::instance::field::USER_DATA]));
    assert_eq!(before_after(replace, "user_data"), (Value::Text(old), Value::Text(new)));
    assert!(change(replace, "user_data").forces_replacement);
}

fn with_observed_image(image: &str) -> reconciler_plan::Observed {
    let mut observed = converged(&workshop_config(), &zones(3));
    let NodeSpec::Instance(found) = &mut observed_mut(&mut observed, "instance.loadtest").spec else { unreachable!() };
    found.image = Some(image.to_string());
    observed
}

#[test]
fn an_instance_declared_without_image_keeps_whatever_image_it_has() {
    let observed = with_observed_image("ami-0123456789abcdef0");
    assert_empty(&plan_ok(&workshop_config(), &observed));
}

#[test]
fn an_instance_declared_with_another_image_is_replaced() {
    let observed = with_observed_image("ami-0123456789abcdef0");
    let mut desired = workshop_config();
    desired.instances.get_mut("loadtest").unwrap().spec.image = Some("ami-0fedcba9876543210".to_string());

    let plan = plan_ok(&desired, &observed);
    assert_actions(&plan, &[("instance.loadtest", ActionKind::Replace)]);
    assert_eq!(plan.actions[0].reason, fixed(&[kinds::instance::field::IMAGE]));
    assert_eq!(before_after(&plan.actions[0], "image"), (text("ami-0123456789abcdef0"), text("ami-0fedcba9876543210")));

    // The same image declared explicitly is no change.
    desired.instances.get_mut("loadtest").unwrap().spec.image = Some("ami-0123456789abcdef0".to_string());
    assert_empty(&plan_ok(&desired, &observed));
}

#[test]
fn load_balancer_subnets_are_changed_in_place_within_the_vpc() {
    let desired = workshop_config();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::LoadBalancer(LoadBalancerSpec { subnets, .. }) =
        &mut observed_mut(&mut observed, "load_balancer.ecsdemo-frontend").spec
    else {
        unreachable!()
    };
    subnets.remove(&Ref::Aws(id_of(&addr("subnet.main/public-3"))));

    let plan = plan_ok(&desired, &observed);
    assert_actions(&plan, &[("load_balancer.ecsdemo-frontend", ActionKind::Update)]);
    assert_eq!(plan.actions[0].reason, drift(&[kinds::load_balancer::field::SUBNETS]));
    assert!(!changes_named(&plan.actions[0], "vpc"));
}

#[test]
fn a_load_balancer_moved_to_another_vpc_is_replaced() {
    // ELB moves a load balancer between subnets of its VPC only: a service moved to another VPC needs a new
    // load balancer, not an update of its subnets.
    let mut desired = workshop_config();
    let mut second = desired.vpcs["main"].clone();
    second.name = "second".to_string();
    desired.vpcs.insert("second".to_string(), second);
    service_mut(&mut desired, "ecsdemo-frontend").network.vpc = "second".to_string();

    let plan = plan_against_converged_workshop(&desired);
    let balancer = action(&plan, "load_balancer.ecsdemo-frontend");
    assert_eq!(balancer.action, ActionKind::Replace, "{:?}", balancer.reason);
    assert_eq!(balancer.reason, fixed(&[kinds::PLACEMENT_VPC]));
    assert_eq!(before_after(balancer, "vpc"), (text("vpc.main"), text("vpc.second")));
    assert!(change(balancer, "vpc").forces_replacement);
    assert!(changes_named(balancer, "subnets"));
    for (address, vpc) in [
        ("security_group.ecsdemo-frontend/lb", kinds::security_group::field::VPC),
        ("target_group.ecsdemo-frontend", kinds::target_group::field::VPC),
    ] {
        let replace = action(&plan, address);
        assert_eq!((replace.action, &replace.reason), (ActionKind::Replace, &fixed(&[vpc])), "{address}");
    }
    let listener = action(&plan, "listener.ecsdemo-frontend");
    assert_eq!((listener.action, &listener.reason), (ActionKind::Replace, &replaced("load_balancer.ecsdemo-frontend")));
    assert_before(&plan, "subnet.second/public-1", "load_balancer.ecsdemo-frontend");
    assert_coherent(&desired, &plan);
}

// ---------------------------------------------------------------------------------------------------------
// 6. Conflicts: a declared unique name held by something that is not ours
// ---------------------------------------------------------------------------------------------------------

fn foreign(id: &str, spec: NodeSpec) -> ObservedNode {
    ObservedNode { id: id.to_string(), spec, tags: [("team".to_string(), "platform".to_string())].into() }
}

/// The plan's one conflict, at `address`; nothing acts on the resource in the way.
fn assert_one_conflict(plan: &Plan, address: &str, id: &str, identity: &str) {
    assert_eq!(plan.conflicts.len(), 1, "{:?}", plan.conflicts);
    let conflict = &plan.conflicts[0];
    assert_eq!(conflict.address, addr(address));
    assert_eq!(conflict.id, id);
    assert_eq!(conflict.identity, identity);
    assert_eq!(conflict.reason, ConflictReason::NotOurs);
    assert!(!plan.actions.iter().any(|a| a.address == addr(address)), "no action on {address}: {:#?}", describe(plan));
    assert!(!plan.actions.iter().any(|a| a.id.as_deref() == Some(id)), "nothing touches {id}");
    assert!(plan.not_declared.is_empty());
}

/// The actions blocked, by what.
fn blocked(plan: &Plan) -> BTreeMap<String, String> {
    plan.actions.iter().filter_map(|a| a.blocked_by.as_ref().map(|b| (a.address.to_string(), b.to_string()))).collect()
}

#[test]
fn a_foreign_role_with_the_declared_name_is_a_conflict_and_blocks_the_task_definitions() {
    let mut observed = empty_account(3);
    let role = NodeSpec::Role(RoleSpec {
        role_name: "ecsdemo-task-execution".to_string(),
        trusted_service: "ecs-tasks.amazonaws.com".to_string(),
        managed_policies: BTreeSet::new(),
        inline_policy: None,
    });
    observed
        .nodes
        .push(ObservedNode { tags: BTreeMap::new(), ..foreign("arn:aws:iam::1:role/ecsdemo-task-execution", role) });

    let plan = plan_ok(&workshop_config(), &observed);
    assert_one_conflict(
        &plan,
        "role.ecs-task-execution",
        "arn:aws:iam::1:role/ecsdemo-task-execution",
        "ecsdemo-task-execution",
    );
    assert_eq!(
        blocked(&plan),
        SERVICES.map(|s| (format!("task_definition.{s}"), "role.ecs-task-execution".to_string())).into()
    );
    for service in SERVICES {
        let task = action(&plan, &format!("task_definition.{service}"));
        assert!(!task.depends_on.contains(&addr("role.ecs-task-execution")), "a conflict has no action to wait for");
        // The service waits for its blocked task definition, so it cannot run before the conflict is resolved.
        assert!(action(&plan, &format!("service.{service}")).depends_on.contains(&task.address));
    }
    assert_eq!(plan.actions.len(), 40, "everything else is still planned");
}

#[test]
fn a_foreign_log_group_with_the_declared_name_is_a_conflict_and_blocks_its_task_definition() {
    let desired = workshop_config();
    let mut observed = converged(&desired, &zones(3));
    remove_observed(&mut observed, "task_definition.ecsdemo-frontend");
    disown(observed_mut(&mut observed, "log_group.frontend"));

    let plan = plan_ok(&desired, &observed);
    assert_one_conflict(&plan, "log_group.frontend", &id_of(&addr("log_group.frontend")), "/ecs/ecsdemo-frontend");
    assert_eq!(addresses(&plan), ["task_definition.ecsdemo-frontend", "service.ecsdemo-frontend"]);
    assert_eq!(
        blocked(&plan),
        [("task_definition.ecsdemo-frontend".to_string(), "log_group.frontend".to_string())].into()
    );
    assert_eq!(action(&plan, "task_definition.ecsdemo-frontend").action, ActionKind::Create);
}

#[test]
fn a_foreign_load_balancer_with_the_declared_name_is_a_conflict_and_blocks_the_listener() {
    let mut observed = empty_account(3);
    let balancer = NodeSpec::LoadBalancer(LoadBalancerSpec {
        name: "ecsdemo-frontend".to_string(),
        scheme: "internal".to_string(),
        subnets: BTreeSet::from([Ref::Aws("subnet-elsewhere".to_string())]),
        security_groups: BTreeSet::new(),
    });
    let id = "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/ecsdemo-frontend/1";
    observed.nodes.push(foreign(id, balancer));

    let plan = plan_ok(&workshop_config(), &observed);
    assert_one_conflict(&plan, "load_balancer.ecsdemo-frontend", id, "ecsdemo-frontend");
    assert_eq!(
        blocked(&plan),
        [("listener.ecsdemo-frontend".to_string(), "load_balancer.ecsdemo-frontend".to_string())].into()
    );
    // The target group has the same name, but names are unique per kind: it is created.
    assert_eq!(action(&plan, "target_group.ecsdemo-frontend").blocked_by, None);
}

#[test]
fn a_foreign_ecs_service_with_the_declared_name_in_the_cluster_is_a_conflict() {
    let desired = workshop_config();
    let mut observed = converged(&desired, &zones(3));
    disown(observed_mut(&mut observed, "service.ecsdemo-frontend"));

    let plan = plan_ok(&desired, &observed);
    assert!(plan.actions.is_empty(), "{:#?}", describe(&plan));
    assert_one_conflict(
        &plan,
        "service.ecsdemo-frontend",
        &id_of(&addr("service.ecsdemo-frontend")),
        "cluster.container-demo/ecsdemo-frontend",
    );
}

#[test]
fn a_foreign_ecs_service_with_the_declared_name_in_another_cluster_is_no_conflict() {
    let desired = workshop_config();
    let mut observed = converged(&desired, &zones(3));
    let found = observed_mut(&mut observed, "service.ecsdemo-frontend");
    disown(found);
    found.id = "arn:aws:ecs:eu-west-1:1:service/elsewhere/ecsdemo-frontend".to_string();
    let NodeSpec::Service(spec) = &mut found.spec else { unreachable!() };
    spec.cluster = Ref::Aws("arn:aws:ecs:eu-west-1:1:cluster/elsewhere".to_string());

    let plan = plan_ok(&desired, &observed);
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    assert_actions(&plan, &[("service.ecsdemo-frontend", ActionKind::Create)]);
}

#[test]
fn a_foreign_instance_profile_blocks_the_instance_but_not_the_role_of_the_same_name() {
    let mut observed = empty_account(3);
    let id = "arn:aws:iam::1:instance-profile/ecsdemo-loadtest";
    observed.nodes.push(foreign(
        id,
        NodeSpec::InstanceProfile(InstanceProfileSpec { name: "ecsdemo-loadtest".to_string(), role: None }),
    ));

    let plan = plan_ok(&workshop_config(), &observed);
    assert_one_conflict(&plan, "instance_profile.loadtest", id, "ecsdemo-loadtest");
    assert_eq!(action(&plan, "role.loadtest").action, ActionKind::Create);
    assert_eq!(blocked(&plan), [("instance.loadtest".to_string(), "instance_profile.loadtest".to_string())].into());
}

#[test]
fn identities_are_per_kind() {
    // A cluster named like the namespace's DNS name, and a namespace named like the cluster: neither is in the
    // way of the other kind.
    let mut observed = empty_account(3);
    observed.nodes.push(foreign(
        "arn:aws:ecs:eu-west-1:1:cluster/service.local",
        NodeSpec::Cluster(ClusterSpec { cluster_name: "service.local".to_string(), container_insights: false }),
    ));
    observed.nodes.push(foreign(
        "ns-container-demo",
        NodeSpec::Namespace(NamespaceSpec {
            dns_name: "container-demo".to_string(),
            vpc: Ref::Aws("vpc-elsewhere".to_string()),
            description: None,
        }),
    ));
    observed.nodes.push(foreign(
        "arn:aws:logs:eu-west-1:1:log-group:ecsdemo-task-execution",
        NodeSpec::LogGroup(LogGroupSpec { group_name: "ecsdemo-task-execution".to_string(), retention_days: None }),
    ));

    let plan = plan_ok(&workshop_config(), &observed);
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    assert_eq!(plan.actions.len(), 41);
    assert!(plan.actions.iter().all(|a| a.action == ActionKind::Create && a.blocked_by.is_none()));
}

// ---------------------------------------------------------------------------------------------------------
// 7. Replacements that cascade
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_replaced_vpc_replaces_what_lives_in_it_and_refreshes_the_services() {
    let mut desired = workshop_config();
    // The subnets are derived from the old CIDR and fit in the new one: only the VPC itself differs.
    desired.vpcs.get_mut("main").unwrap().spec.cidr = "10.0.0.0/23".parse().unwrap();
    let plan = plan_against_converged_workshop(&desired);

    assert_eq!(addresses(&plan)[0], "vpc.main");
    let vpc = &plan.actions[0];
    assert_eq!((vpc.action, &vpc.reason), (ActionKind::Replace, &fixed(&[kinds::vpc::field::CIDR])));
    assert_eq!(before_after(vpc, "cidr"), (text("10.0.0.0/24"), text("10.0.0.0/23")));

    // `because(address, kind, dependency)`: `address` is planned as `kind` because `dependency` is replaced.
    let because = |address: &str, kind: ActionKind, dependency: &str| {
        let action = action(&plan, address);
        assert_eq!((action.action, &action.reason), (kind, &replaced(dependency)), "{address}");
    };
    for zone in 1..=3 {
        because(&format!("subnet.main/public-{zone}"), ActionKind::Replace, "vpc.main");
        because(&format!("subnet.main/private-{zone}"), ActionKind::Replace, "vpc.main");
    }
    because("security_group.services", ActionKind::Replace, "vpc.main");
    because("security_group.ecsdemo-frontend/lb", ActionKind::Replace, "vpc.main");
    because("target_group.ecsdemo-frontend", ActionKind::Replace, "vpc.main");
    because("namespace.service", ActionKind::Replace, "vpc.main");
    // A load balancer cannot leave its VPC: a new one, and a new listener on it.
    because("load_balancer.ecsdemo-frontend", ActionKind::Replace, "vpc.main");
    because("listener.ecsdemo-frontend", ActionKind::Replace, "load_balancer.ecsdemo-frontend");
    for service in SERVICES {
        because(&format!("discovery_service.{service}"), ActionKind::Replace, "namespace.service");
        // An ECS service can move to other subnets in place: updated, its references written again.
        because(&format!("service.{service}"), ActionKind::Update, "subnet.main/private-1");
        assert!(action(&plan, &format!("service.{service}")).refreshes_references());
    }
    because("instance.loadtest", ActionKind::Replace, "subnet.main/private-1");
    because("nat_gateway.main/nat-1", ActionKind::Replace, "subnet.main/public-1");

    // Nothing without a tie to the VPC moves.
    let untouched =
        [Kind::ElasticIp, Kind::Cluster, Kind::Role, Kind::InstanceProfile, Kind::LogGroup, Kind::TaskDefinition];
    assert!(!plan.actions.iter().any(|a| untouched.contains(&a.address.kind)), "{:#?}", describe(&plan));
    assert_eq!(plan.summary().update, 3, "only the three services are updated: {:#?}", describe(&plan));
    assert_eq!(plan.actions.len(), 26, "{:#?}", describe(&plan));
    assert!(plan.conflicts.is_empty() && plan.not_declared.is_empty());

    assert_before(&plan, "subnet.main/public-1", "load_balancer.ecsdemo-frontend");
    assert_before(&plan, "load_balancer.ecsdemo-frontend", "listener.ecsdemo-frontend");
    assert_before(&plan, "listener.ecsdemo-frontend", "service.ecsdemo-frontend");
    assert_coherent(&desired, &plan);
}

#[test]
fn a_renamed_execution_role_registers_new_revisions_and_refreshes_the_services() {
    let mut desired = workshop_config();
    desired.roles.get_mut("ecs-task-execution").unwrap().spec.role_name = "ecsdemo-execution-v2".to_string();
    let plan = plan_against_converged_workshop(&desired);

    let role = action(&plan, "role.ecs-task-execution");
    assert_eq!((role.action, &role.reason), (ActionKind::Replace, &fixed(&[kinds::role::field::ROLE_NAME])));
    for service in SERVICES {
        let task = action(&plan, &format!("task_definition.{service}"));
        assert_eq!((task.action, &task.reason), (ActionKind::Replace, &replaced("role.ecs-task-execution")));
        let update = action(&plan, &format!("service.{service}"));
        assert_eq!(update.action, ActionKind::Update);
        assert_eq!(update.reason, replaced(&format!("task_definition.{service}")));
    }
    assert_eq!(plan.actions.len(), 7);
    assert_coherent(&desired, &plan);
}

#[test]
fn a_renamed_instance_role_replaces_the_profile_and_the_instance() {
    let mut desired = workshop_config();
    desired.roles.get_mut("loadtest").unwrap().spec.role_name = "loadtest-v2".to_string();
    let plan = plan_against_converged_workshop(&desired);

    assert_eq!(addresses(&plan), ["role.loadtest", "instance_profile.loadtest", "instance.loadtest"]);
    assert_eq!(action(&plan, "instance_profile.loadtest").reason, fixed(&[kinds::instance_profile::field::NAME]));
    assert_eq!(action(&plan, "instance.loadtest").reason, replaced("instance_profile.loadtest"));
    assert!(plan.actions.iter().all(|a| a.action == ActionKind::Replace));
    assert_coherent(&desired, &plan);
}
