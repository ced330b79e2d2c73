//! The planner, from a user's point of view: what a plan says for an empty account, a converged one, drift,
//! replacements, resources that are not ours, and the JSON it serializes to.

mod common;

use std::collections::BTreeSet;

use common::*;
use reconciler_plan::kinds;
use reconciler_plan::ownership::{MANAGED_BY_KEY, MANAGED_BY_VALUE, OWNER_KEY, RESOURCE_KEY, ownership_tags};
use reconciler_plan::{
    ActionKind, ActionReason, ChangedField, ConflictReason, Kind, NodeSpec, ObservedNode, PlanError, Ref, Route,
    RouteTarget, SgPeer, SgRule, StayReason, Value, allow_all_egress,
};
use reconciler_plan::{ClusterSpec, InternetGatewaySpec, RouteTableSpec, SecurityGroupSpec, SubnetSpec, VpcSpec};
use reconciler_spec::{PortRange, Protocol};

/// The workshop platform's 17 resources, in the order the planner creates them.
const WORKSHOP_CREATE_ORDER: [&str; 17] = [
    "vpc.main",
    "elastic_ip.main/nat-1",
    "cluster.container-demo",
    "internet_gateway.main/igw",
    "subnet.main/private-1",
    "subnet.main/private-2",
    "subnet.main/private-3",
    "subnet.main/public-1",
    "subnet.main/public-2",
    "subnet.main/public-3",
    "security_group.services",
    "namespace.service",
    "nat_gateway.main/nat-1",
    "route_table.main/public",
    "route_table.main/private-1",
    "route_table.main/private-2",
    "route_table.main/private-3",
];

fn set(items: &[&str]) -> Value {
    Value::Set(items.iter().map(ToString::to_string).collect())
}

/// The items of a set value, in no particular order (a set's order in the plan is the planner's business).
fn items(value: &Value) -> BTreeSet<String> {
    match value {
        Value::Set(items) => items.iter().cloned().collect(),
        other => panic!("not a set: {other:?}"),
    }
}

fn services_rule() -> &'static str {
    "tcp 3000 security_group.services (services to services on 3000)"
}

// ---------------------------------------------------------------------------------------------------------
// 1. An empty account
// ---------------------------------------------------------------------------------------------------------

#[test]
fn empty_account_creates_all_17_workshop_resources_in_dependency_order() {
    let plan = plan_ok(&workshop(), &empty_account(3));

    assert_eq!(addresses(&plan), WORKSHOP_CREATE_ORDER);
    assert!(plan.actions.iter().all(|a| a.action == ActionKind::Create), "only creates");
    assert!(plan.actions.iter().all(|a| a.id.is_none() && a.observed.is_none() && a.reason == ActionReason::NotFound));
    assert!(plan.conflicts.is_empty() && plan.not_declared.is_empty());
    let summary = plan.summary();
    assert_eq!((summary.create, summary.update, summary.replace), (17, 0, 0));

    let before = |a: &str, b: &str| {
        assert!(position(&plan, a) < position(&plan, b), "{a} must come before {b}: {:?}", addresses(&plan));
    };
    for zone in 1..=3 {
        before("vpc.main", &format!("subnet.main/public-{zone}"));
        before("vpc.main", &format!("subnet.main/private-{zone}"));
        before(&format!("subnet.main/public-{zone}"), "route_table.main/public");
        before(&format!("subnet.main/private-{zone}"), &format!("route_table.main/private-{zone}"));
        before("nat_gateway.main/nat-1", &format!("route_table.main/private-{zone}"));
    }
    before("vpc.main", "internet_gateway.main/igw");
    before("vpc.main", "route_table.main/public");
    before("internet_gateway.main/igw", "route_table.main/public");
    before("subnet.main/public-1", "nat_gateway.main/nat-1");
    before("elastic_ip.main/nat-1", "nat_gateway.main/nat-1");
    before("internet_gateway.main/igw", "nat_gateway.main/nat-1");
    before("vpc.main", "security_group.services");
    before("vpc.main", "namespace.service");
}

#[test]
fn creates_show_every_field_from_nothing_and_list_their_dependencies() {
    let plan = plan_ok(&workshop(), &empty_account(3));

    let nat = action(&plan, "nat_gateway.main/nat-1");
    // Dependencies are listed in address order (kind, then name).
    assert_eq!(
        nat.depends_on,
        vec![addr("internet_gateway.main/igw"), addr("subnet.main/public-1"), addr("elastic_ip.main/nat-1")]
    );
    assert_eq!(change(nat, "subnet").after, text("subnet.main/public-1"));
    assert_eq!(change(nat, "allocation").after, text("elastic_ip.main/nat-1"));
    assert!(nat.changes.iter().all(|c| c.before == Value::Absent && !c.forces_replacement));
    assert_eq!(change(nat, "tags.Name").after, text("main-nat-1"));
    assert_eq!(change(nat, "tags.Project").after, text("ecsdemo"));
    assert_eq!(change(nat, &format!("tags.{RESOURCE_KEY}")).after, text("nat_gateway.main/nat-1"));
    assert_eq!(change(nat, &format!("tags.{OWNER_KEY}")).after, text(OWNER));
    assert_eq!(change(nat, &format!("tags.{MANAGED_BY_KEY}")).after, text(MANAGED_BY_VALUE));

    let vpc = action(&plan, "vpc.main");
    assert!(vpc.depends_on.is_empty());
    assert_eq!(change(vpc, "cidr").after, text("10.0.0.0/24"));
    assert_eq!(change(vpc, "enable_dns_hostnames").after, Value::Bool(true));

    let private_2 = action(&plan, "route_table.main/private-2");
    assert_eq!(change(private_2, "routes").after, set(&["0.0.0.0/0 via nat_gateway.main/nat-1"]));
    assert_eq!(change(private_2, "subnets").after, set(&["subnet.main/private-2"]));
    assert_eq!(
        private_2.depends_on,
        vec![addr("vpc.main"), addr("subnet.main/private-2"), addr("nat_gateway.main/nat-1")]
    );

    let public = action(&plan, "route_table.main/public");
    assert_eq!(change(public, "routes").after, set(&["0.0.0.0/0 via internet_gateway.main/igw"]));
    assert_eq!(
        items(&change(public, "subnets").after),
        ["subnet.main/public-1", "subnet.main/public-2", "subnet.main/public-3"].map(String::from).into()
    );

    let subnets: Vec<(String, Value, Value)> = (1..=3)
        .flat_map(|i| ["public", "private"].map(|group| format!("subnet.main/{group}-{i}")))
        .map(|a| {
            let action = action(&plan, &a);
            (a, change(action, "cidr").after.clone(), change(action, "availability_zone").after.clone())
        })
        .collect();
    // CDK's split of 10.0.0.0/24 over 3 zones, as documented in docs/schema.md.
    let expected = [
        ("subnet.main/public-1", "10.0.0.0/27", "eu-west-1a"),
        ("subnet.main/private-1", "10.0.0.96/27", "eu-west-1a"),
        ("subnet.main/public-2", "10.0.0.32/27", "eu-west-1b"),
        ("subnet.main/private-2", "10.0.0.128/27", "eu-west-1b"),
        ("subnet.main/public-3", "10.0.0.64/27", "eu-west-1c"),
        ("subnet.main/private-3", "10.0.0.160/27", "eu-west-1c"),
    ]
    .map(|(a, c, z)| (a.to_string(), text(c), text(z)));
    assert_eq!(subnets, expected);
    assert_eq!(change(action(&plan, "subnet.main/public-1"), "map_public_ip_on_launch").after, Value::Bool(true));
    assert_eq!(change(action(&plan, "subnet.main/private-1"), "map_public_ip_on_launch").after, Value::Bool(false));

    let group = action(&plan, "security_group.services");
    assert_eq!(change(group, "ingress").after, set(&[services_rule()]));
    // `egress` not declared: AWS's default rule, stated so that the created group is compared correctly.
    assert_eq!(change(group, "egress").after, set(&["all 0.0.0.0/0"]));
    assert_eq!(group.depends_on, vec![addr("vpc.main")], "its own address in a `self` rule is no dependency");

    let namespace = action(&plan, "namespace.service");
    assert_eq!(change(namespace, "dns_name").after, text("service.local"));
    assert_eq!(change(namespace, "description").after, text("ecsdemo services"));
    assert_eq!(namespace.depends_on, vec![addr("vpc.main")]);
    assert!(!changes_named(namespace, "tags.Name"), "Cloud Map namespaces get no Name tag");
}

#[test]
fn a_namespace_without_description_shows_no_description_change() {
    let desired = desired(
        r#"
        [vpc.main]
        cidr = "10.0.0.0/24"
        [namespace.service]
        dns_name = "service.local"
        vpc = "main"
        "#,
    );
    let plan = plan_ok(&desired, &empty_account(2));
    assert!(!changes_named(action(&plan, "namespace.service"), "description"));
}

#[test]
fn nothing_declared_plans_nothing() {
    assert_empty(&plan_ok(&desired(""), &empty_account(3)));
}

// ---------------------------------------------------------------------------------------------------------
// 2. A converged account, and the normalizations that keep it converged
// ---------------------------------------------------------------------------------------------------------

#[test]
fn converged_account_plans_nothing() {
    let desired = workshop();
    let observed = converged(&desired, &zones(3));
    assert_eq!(observed.nodes.len(), 17);
    let plan = plan_ok(&desired, &observed);
    assert_empty(&plan);
    assert!(!plan.has_changes());
}

#[test]
fn converged_account_plans_nothing_whatever_the_order_observation_returns() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    observed.nodes.reverse();
    assert_empty(&plan_ok(&desired, &observed));
    observed.nodes.rotate_left(7);
    assert_empty(&plan_ok(&desired, &observed));
}

#[test]
fn the_region_having_more_zones_than_used_is_no_difference() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    observed.availability_zones = zones(6);
    assert_empty(&plan_ok(&desired, &observed));
}

#[test]
fn tags_someone_else_added_are_not_drift() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    for node in &mut observed.nodes {
        node.tags.insert("CostCenter".to_string(), "42".to_string());
        node.tags.insert("aws:cloudformation:stack-name".to_string(), "someone-elses".to_string());
    }
    assert_empty(&plan_ok(&desired, &observed));
}

#[test]
fn rules_routes_and_associations_in_another_order_are_not_drift() {
    let desired = desired(
        r#"
        [vpc.main]
        cidr = "10.0.0.0/24"
        availability_zones = 3

        [security_group.web]
        vpc = "main"
        description = "web"
        ingress = [
            { protocol = "tcp", port = 443, cidr = "0.0.0.0/0" },
            { protocol = "tcp", port = 80, cidr = "0.0.0.0/0" },
            { protocol = "tcp", from_port = 8000, to_port = 8100, self = true },
            { protocol = "icmp", cidr = "10.0.0.0/8" },
        ]
        egress = [
            { protocol = "udp", port = 53, cidr = "10.0.0.2/32" },
            { protocol = "tcp", port = 443, cidr = "0.0.0.0/0" },
        ]
        "#,
    );
    let mut observed = converged(&desired, &zones(3));

    // Rebuild every set from its items in reverse: the order observation returns them in is no difference.
    for node in &mut observed.nodes {
        match &mut node.spec {
            NodeSpec::SecurityGroup(SecurityGroupSpec { ingress, egress, .. }) => {
                *ingress = ingress.iter().rev().cloned().collect();
                *egress = egress.iter().rev().cloned().collect();
            }
            NodeSpec::RouteTable(RouteTableSpec { routes, subnets, .. }) => {
                *routes = routes.iter().rev().cloned().collect();
                *subnets = subnets.iter().rev().cloned().collect();
            }
            _ => {}
        }
    }
    assert_empty(&plan_ok(&desired, &observed));

    // And a set built by hand, rule by rule in another order, with the self rule as the group's AWS id.
    let group_id = observed_mut(&mut observed, "security_group.web").id.clone();
    let cidr = |c: &str| SgPeer::Cidr(c.parse().unwrap());
    let rule = |protocol, ports: Option<(u16, u16)>, peer| SgRule {
        protocol,
        ports: ports.map(|(from, to)| PortRange { from, to }),
        peer,
        description: None,
    };
    let by_hand: BTreeSet<SgRule> = [
        rule(Protocol::Icmp, None, cidr("10.0.0.0/8")),
        rule(Protocol::Tcp, Some((8000, 8100)), SgPeer::Group(Ref::Aws(group_id))),
        rule(Protocol::Tcp, Some((80, 80)), cidr("0.0.0.0/0")),
        rule(Protocol::Tcp, Some((443, 443)), cidr("0.0.0.0/0")),
    ]
    .into_iter()
    .collect();
    let NodeSpec::SecurityGroup(SecurityGroupSpec { ingress, .. }) =
        &mut observed_mut(&mut observed, "security_group.web").spec
    else {
        unreachable!()
    };
    *ingress = by_hand;
    assert_empty(&plan_ok(&desired, &observed));
}

#[test]
fn default_allow_all_egress_is_not_drift_when_egress_is_not_declared() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::SecurityGroup(SecurityGroupSpec { egress, .. }) =
        &mut observed_mut(&mut observed, "security_group.services").spec
    else {
        unreachable!()
    };
    // As the AWS layer reports a new group's rule: all protocols ("-1" normalized to `All`) to 0.0.0.0/0.
    *egress = BTreeSet::from([SgRule {
        protocol: Protocol::All,
        ports: None,
        peer: SgPeer::Cidr("0.0.0.0/0".parse().unwrap()),
        description: None,
    }]);
    assert_eq!(egress.iter().next(), Some(&allow_all_egress()));
    assert_empty(&plan_ok(&desired, &observed));
}

#[test]
fn default_allow_all_egress_is_drift_when_egress_is_declared_empty() {
    let desired_no_egress = desired(
        r#"
        [vpc.main]
        cidr = "10.0.0.0/24"
        [security_group.locked]
        vpc = "main"
        description = "no way out"
        egress = []
        "#,
    );
    let mut observed = converged(&desired_no_egress, &zones(2));
    assert_empty(&plan_ok(&desired_no_egress, &observed));

    let NodeSpec::SecurityGroup(SecurityGroupSpec { egress, .. }) =
        &mut observed_mut(&mut observed, "security_group.locked").spec
    else {
        unreachable!()
    };
    egress.insert(allow_all_egress());
    let plan = plan_ok(&desired_no_egress, &observed);
    assert_eq!(addresses(&plan), ["security_group.locked"]);
    let update = action(&plan, "security_group.locked");
    assert_eq!(update.action, ActionKind::Update);
    assert_eq!(change(update, "egress").before, set(&["all 0.0.0.0/0"]));
    assert_eq!(change(update, "egress").after, set(&[]));
}

// ---------------------------------------------------------------------------------------------------------
// 3. Drift: updates in place, field by field
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_missing_ingress_rule_is_an_update_of_ingress() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::SecurityGroup(SecurityGroupSpec { ingress, .. }) =
        &mut observed_mut(&mut observed, "security_group.services").spec
    else {
        unreachable!()
    };
    ingress.clear();

    let plan = plan_ok(&desired, &observed);
    assert_eq!(addresses(&plan), ["security_group.services"]);
    let update = &plan.actions[0];
    assert_eq!(update.action, ActionKind::Update);
    assert_eq!(update.id.as_deref(), Some("sg-services"));
    assert_eq!(update.reason, drift(&[kinds::security_group::field::INGRESS]));
    assert_eq!(update.changes.len(), 1);
    let ingress = change(update, "ingress");
    assert_eq!(ingress.before, set(&[]));
    assert_eq!(ingress.after, set(&[services_rule()]));
    assert!(!ingress.forces_replacement);
    assert!(update.depends_on.is_empty(), "nothing it depends on changes");
    assert!(update.observed.is_some());
}

#[test]
fn an_extra_ingress_rule_added_by_hand_is_an_update_that_removes_it() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::SecurityGroup(SecurityGroupSpec { ingress, .. }) =
        &mut observed_mut(&mut observed, "security_group.services").spec
    else {
        unreachable!()
    };
    ingress.insert(SgRule {
        protocol: Protocol::Tcp,
        ports: Some(PortRange { from: 22, to: 22 }),
        peer: SgPeer::Cidr("0.0.0.0/0".parse().unwrap()),
        description: None,
    });
    let plan = plan_ok(&desired, &observed);
    let ingress = change(action(&plan, "security_group.services"), "ingress");
    assert_eq!(items(&ingress.before), BTreeSet::from([services_rule().to_string(), "tcp 22 0.0.0.0/0".to_string()]));
    assert_eq!(ingress.after, set(&[services_rule()]));
}

#[test]
fn container_insights_off_is_an_update() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::Cluster(ClusterSpec { container_insights, .. }) =
        &mut observed_mut(&mut observed, "cluster.container-demo").spec
    else {
        unreachable!()
    };
    *container_insights = false;

    let plan = plan_ok(&desired, &observed);
    assert_eq!(addresses(&plan), ["cluster.container-demo"]);
    let update = &plan.actions[0];
    assert_eq!(update.action, ActionKind::Update);
    assert_eq!(update.reason, drift(&[kinds::cluster::field::CONTAINER_INSIGHTS]));
    let insights = change(update, "container_insights");
    assert_eq!((insights.before.clone(), insights.after.clone()), (Value::Bool(false), Value::Bool(true)));
    assert!(!insights.forces_replacement);
}

#[test]
fn a_namespace_description_changes_in_place() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::Namespace(found) = &mut observed_mut(&mut observed, "namespace.service").spec else { unreachable!() };
    found.description = Some("old words".to_string());

    let plan = plan_ok(&desired, &observed);
    assert_eq!(addresses(&plan), ["namespace.service"]);
    assert_eq!(plan.actions[0].action, ActionKind::Update);
    let description = change(&plan.actions[0], "description");
    assert_eq!((description.before.clone(), description.after.clone()), (text("old words"), text("ecsdemo services")));
    assert!(!description.forces_replacement);
}

#[test]
fn a_missing_private_route_is_an_update_of_routes() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::RouteTable(RouteTableSpec { routes, .. }) =
        &mut observed_mut(&mut observed, "route_table.main/private-2").spec
    else {
        unreachable!()
    };
    routes.clear();

    let plan = plan_ok(&desired, &observed);
    assert_eq!(addresses(&plan), ["route_table.main/private-2"]);
    let update = &plan.actions[0];
    assert_eq!(update.action, ActionKind::Update);
    assert_eq!(update.reason, drift(&[kinds::route_table::field::ROUTES]));
    assert_eq!(change(update, "routes").before, set(&[]));
    assert_eq!(change(update, "routes").after, set(&["0.0.0.0/0 via nat_gateway.main/nat-1"]));
}

#[test]
fn a_route_to_something_not_ours_shows_by_its_aws_id() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::RouteTable(RouteTableSpec { routes, .. }) =
        &mut observed_mut(&mut observed, "route_table.main/private-1").spec
    else {
        unreachable!()
    };
    routes.insert(Route {
        destination: "192.168.0.0/16".parse().unwrap(),
        target: RouteTarget::Other("pcx-1234".to_string()),
    });
    let plan = plan_ok(&desired, &observed);
    let routes = change(action(&plan, "route_table.main/private-1"), "routes");
    assert_eq!(
        items(&routes.before),
        ["0.0.0.0/0 via nat_gateway.main/nat-1", "192.168.0.0/16 via pcx-1234"].map(String::from).into()
    );
    assert_eq!(routes.after, set(&["0.0.0.0/0 via nat_gateway.main/nat-1"]));
}

#[test]
fn a_subnet_associated_by_hand_is_an_update_of_subnets() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::RouteTable(RouteTableSpec { subnets, .. }) =
        &mut observed_mut(&mut observed, "route_table.main/public").spec
    else {
        unreachable!()
    };
    subnets.insert(Ref::Aws("subnet-notours".to_string()));
    let plan = plan_ok(&desired, &observed);
    let update = action(&plan, "route_table.main/public");
    assert_eq!(update.action, ActionKind::Update);
    assert_eq!(
        items(&change(update, "subnets").before),
        ["subnet-notours", "subnet.main/public-1", "subnet.main/public-2", "subnet.main/public-3"]
            .map(String::from)
            .into()
    );
}

#[test]
fn a_changed_or_missing_declared_tag_is_an_update_of_that_tag() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    observed_mut(&mut observed, "cluster.container-demo").tags.insert("Project".to_string(), "old".to_string());
    observed_mut(&mut observed, "subnet.main/private-3").tags.remove("Project");
    observed_mut(&mut observed, "vpc.main").tags.insert("Name".to_string(), "renamed-in-console".to_string());

    let plan = plan_ok(&desired, &observed);
    assert_eq!(addresses(&plan), ["vpc.main", "cluster.container-demo", "subnet.main/private-3"]);
    assert!(plan.actions.iter().all(|a| a.action == ActionKind::Update && a.changes_tags()));

    let cluster = action(&plan, "cluster.container-demo");
    assert_eq!(cluster.reason, drift_in(vec![tag("Project")]));
    assert_eq!(cluster.changes.len(), 1);
    let project = change(cluster, "tags.Project");
    assert_eq!((project.before.clone(), project.after.clone()), (text("old"), text("ecsdemo")));

    let subnet = change(action(&plan, "subnet.main/private-3"), "tags.Project");
    assert_eq!((subnet.before.clone(), subnet.after.clone()), (Value::Absent, text("ecsdemo")));

    let name = change(action(&plan, "vpc.main"), "tags.Name");
    assert_eq!((name.before.clone(), name.after.clone()), (text("renamed-in-console"), text("main")));
}

#[test]
fn a_declared_name_tag_wins_over_the_generated_one() {
    let desired = desired(
        r#"
        [vpc.main]
        cidr = "10.0.0.0/24"
        tags = { Name = "my-network" }
        "#,
    );
    let plan = plan_ok(&desired, &empty_account(2));
    assert_eq!(change(action(&plan, "vpc.main"), "tags.Name").after, text("my-network"));
    assert_eq!(change(action(&plan, "subnet.main/public-1"), "tags.Name").after, text("my-network"));
}

#[test]
fn dns_hostnames_off_is_an_update_of_the_vpc() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::Vpc(VpcSpec { enable_dns_hostnames, .. }) = &mut observed_mut(&mut observed, "vpc.main").spec else {
        unreachable!()
    };
    *enable_dns_hostnames = false;

    let plan = plan_ok(&desired, &observed);
    assert_eq!(addresses(&plan), ["vpc.main"], "an update in place does not disturb what depends on it");
    let update = &plan.actions[0];
    assert_eq!(update.action, ActionKind::Update);
    assert_eq!(update.id.as_deref(), Some("vpc-main"));
    assert_eq!(update.reason, drift(&[kinds::vpc::field::ENABLE_DNS_HOSTNAMES]));
    let field = change(update, "enable_dns_hostnames");
    assert_eq!((field.before.clone(), field.after.clone()), (Value::Bool(false), Value::Bool(true)));
}

#[test]
fn several_drifts_in_one_resource_are_one_update_naming_every_field() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    let node = observed_mut(&mut observed, "vpc.main");
    node.tags.remove("Project");
    let NodeSpec::Vpc(VpcSpec { enable_dns_hostnames, enable_dns_support, .. }) = &mut node.spec else {
        unreachable!()
    };
    *enable_dns_hostnames = false;
    *enable_dns_support = false;

    let plan = plan_ok(&desired, &observed);
    assert_eq!(addresses(&plan), ["vpc.main"]);
    assert_eq!(
        plan.actions[0].reason,
        drift_in(vec![
            ChangedField::Field(kinds::vpc::field::ENABLE_DNS_SUPPORT),
            ChangedField::Field(kinds::vpc::field::ENABLE_DNS_HOSTNAMES),
            tag("Project"),
        ])
    );
}

#[test]
fn a_missing_resource_in_a_converged_account_is_created_and_depends_on_nothing_existing() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    remove_observed(&mut observed, "route_table.main/private-3");

    let plan = plan_ok(&desired, &observed);
    assert_eq!(addresses(&plan), ["route_table.main/private-3"]);
    let create = &plan.actions[0];
    assert_eq!(create.action, ActionKind::Create);
    assert!(create.depends_on.is_empty(), "its dependencies exist: {:?}", create.depends_on);
}

// ---------------------------------------------------------------------------------------------------------
// 4. Replacement and what it drags along
// ---------------------------------------------------------------------------------------------------------

/// The workshop VPC with explicit subnets, the first public one given by the caller.
fn workshop_vpc_with_public_1(vpc_cidr: &str, public_1: &str) -> String {
    WORKSHOP.replace(
        "cidr = \"10.0.0.0/24\"",
        &format!(
            "cidr = \"{vpc_cidr}\"\n\
             public_subnets = [\"{public_1}\", \"10.0.0.32/27\", \"10.0.0.64/27\"]\n\
             private_subnets = [\"10.0.0.96/27\", \"10.0.0.128/27\", \"10.0.0.160/27\"]"
        ),
    )
}

#[test]
fn explicit_subnets_equal_to_the_derived_ones_are_the_same_desired_state() {
    let before = workshop();
    let after = desired(&workshop_vpc_with_public_1("10.0.0.0/24", "10.0.0.0/27"));
    assert_empty(&plan_ok(&after, &converged(&before, &zones(3))));
}

#[test]
fn a_changed_subnet_cidr_replaces_the_subnet_and_its_nat_and_updates_the_route_tables() {
    let observed = converged(&workshop(), &zones(3));
    let desired = desired(&workshop_vpc_with_public_1("10.0.0.0/24", "10.0.0.192/27"));

    let plan = plan_ok(&desired, &observed);
    assert_eq!(
        addresses(&plan),
        [
            "subnet.main/public-1",
            "nat_gateway.main/nat-1",
            "route_table.main/public",
            "route_table.main/private-1",
            "route_table.main/private-2",
            "route_table.main/private-3",
        ]
    );

    let subnet = action(&plan, "subnet.main/public-1");
    assert_eq!(subnet.action, ActionKind::Replace);
    assert_eq!(subnet.id.as_deref(), Some("subnet-main-public-1"));
    assert_eq!(subnet.reason, fixed(&[kinds::subnet::field::CIDR]));
    let cidr = change(subnet, "cidr");
    assert_eq!((cidr.before.clone(), cidr.after.clone()), (text("10.0.0.0/27"), text("10.0.0.192/27")));
    assert!(cidr.forces_replacement);
    assert!(subnet.depends_on.is_empty());

    let nat = action(&plan, "nat_gateway.main/nat-1");
    assert_eq!(nat.action, ActionKind::Replace);
    assert_eq!(nat.reason, replaced("subnet.main/public-1"));
    assert_eq!(nat.depends_on, vec![addr("subnet.main/public-1")]);
    assert!(!nat.changes.is_empty(), "a replacement shows what will be made");

    let public = action(&plan, "route_table.main/public");
    assert_eq!(public.action, ActionKind::Update);
    assert_eq!(public.reason, replaced("subnet.main/public-1"));
    assert_eq!(public.depends_on, vec![addr("subnet.main/public-1")]);

    for zone in 1..=3 {
        let private = action(&plan, &format!("route_table.main/private-{zone}"));
        assert_eq!(private.action, ActionKind::Update);
        assert_eq!(private.reason, replaced("nat_gateway.main/nat-1"));
        assert_eq!(private.depends_on, vec![addr("nat_gateway.main/nat-1")]);
    }
    let summary = plan.summary();
    assert_eq!((summary.create, summary.update, summary.replace), (0, 4, 2));
}

#[test]
fn a_changed_cidr_of_a_subnet_without_nat_replaces_only_it_and_updates_its_route_table() {
    let observed = converged(&workshop(), &zones(3));
    let desired = desired(&WORKSHOP.replace(
        "cidr = \"10.0.0.0/24\"",
        "cidr = \"10.0.0.0/24\"\n\
         public_subnets = [\"10.0.0.0/27\", \"10.0.0.32/27\", \"10.0.0.64/27\"]\n\
         private_subnets = [\"10.0.0.96/27\", \"10.0.0.192/27\", \"10.0.0.160/27\"]",
    ));
    let plan = plan_ok(&desired, &observed);
    assert_eq!(addresses(&plan), ["subnet.main/private-2", "route_table.main/private-2"]);
    assert_eq!(plan.actions[0].action, ActionKind::Replace);
    assert_eq!(plan.actions[1].action, ActionKind::Update);
    assert_eq!(plan.actions[1].reason, replaced("subnet.main/private-2"));
}

#[test]
fn a_changed_vpc_cidr_replaces_everything_that_refers_to_the_vpc() {
    // Same subnets before and after (they fit in both), so only the VPC itself differs.
    let observed = converged(&desired(&workshop_vpc_with_public_1("10.0.0.0/24", "10.0.0.0/27")), &zones(3));
    let desired = desired(&workshop_vpc_with_public_1("10.0.0.0/23", "10.0.0.0/27"));

    let plan = plan_ok(&desired, &observed);
    let vpc = action(&plan, "vpc.main");
    assert_eq!(vpc.action, ActionKind::Replace);
    assert_eq!(vpc.reason, fixed(&[kinds::vpc::field::CIDR]));
    assert_eq!(change(vpc, "cidr").before, text("10.0.0.0/24"));
    assert_eq!(change(vpc, "cidr").after, text("10.0.0.0/23"));

    let replaced_because_of_vpc = [
        "internet_gateway.main/igw",
        "subnet.main/public-1",
        "subnet.main/public-2",
        "subnet.main/public-3",
        "subnet.main/private-1",
        "subnet.main/private-2",
        "subnet.main/private-3",
        "route_table.main/public",
        "route_table.main/private-1",
        "route_table.main/private-2",
        "route_table.main/private-3",
        "security_group.services",
        // A namespace is a private hosted zone of its VPC, fixed at creation: it goes with its VPC.
        "namespace.service",
    ];
    for address in replaced_because_of_vpc {
        let replace = action(&plan, address);
        assert_eq!(replace.action, ActionKind::Replace, "{address}: {:?}", replace.reason);
        assert_eq!(replace.reason, replaced("vpc.main"), "{address}");
        assert!(replace.depends_on.contains(&addr("vpc.main")), "{address}");
    }
    let nat = action(&plan, "nat_gateway.main/nat-1");
    assert_eq!(nat.action, ActionKind::Replace);
    assert_eq!(nat.reason, replaced("subnet.main/public-1"));

    // Neither the elastic IP nor the cluster has anything to do with the VPC.
    assert!(!plan.actions.iter().any(|a| a.address.kind == Kind::ElasticIp || a.address.kind == Kind::Cluster));
    assert_eq!(plan.actions.len(), 15);
    assert!(plan.actions.iter().all(|a| a.action == ActionKind::Replace));
    assert_eq!(addresses(&plan)[0], "vpc.main");
}

#[test]
fn a_changed_cluster_name_replaces_the_cluster_only() {
    let observed = converged(&workshop(), &zones(3));
    let desired = desired(
        &WORKSHOP.replace("[cluster.container-demo]\n", "[cluster.container-demo]\ncluster_name = \"renamed\"\n"),
    );
    let plan = plan_ok(&desired, &observed);
    assert_eq!(addresses(&plan), ["cluster.container-demo"]);
    let replace = &plan.actions[0];
    assert_eq!(replace.action, ActionKind::Replace);
    assert_eq!(replace.reason, fixed(&[kinds::cluster::field::CLUSTER_NAME]));
    let name = change(replace, "cluster_name");
    assert_eq!((name.before.clone(), name.after.clone()), (text("container-demo"), text("renamed")));
}

#[test]
fn a_replaced_cluster_does_not_replace_a_namespace_whose_dns_name_reads_like_its_address() {
    // `cluster.local` is a common DNS name, and also the address of a cluster declared as `local`: a field that
    // merely reads like an address is not a reference.
    let before = desired(
        r#"
        [vpc.main]
        cidr = "10.0.0.0/24"
        [cluster.local]
        cluster_name = "old"
        [namespace.k8s]
        dns_name = "cluster.local"
        vpc = "main"
        "#,
    );
    let after = desired(
        r#"
        [vpc.main]
        cidr = "10.0.0.0/24"
        [cluster.local]
        cluster_name = "new"
        [namespace.k8s]
        dns_name = "cluster.local"
        vpc = "main"
        "#,
    );
    let plan = plan_ok(&after, &converged(&before, &zones(2)));
    assert_eq!(addresses(&plan), ["cluster.local"]);
    assert_eq!(plan.actions[0].action, ActionKind::Replace);
}

#[test]
fn a_replaced_security_group_updates_the_groups_that_name_it() {
    let base = r#"
        [vpc.main]
        cidr = "10.0.0.0/24"
        [security_group.db]
        vpc = "main"
        description = "DESCRIPTION"
        [security_group.app]
        vpc = "main"
        description = "app"
        ingress = [{ protocol = "tcp", port = 443, cidr = "0.0.0.0/0" }]
        egress = [{ protocol = "tcp", port = 5432, group = "db" }]
        "#;
    let observed = converged(&desired(&base.replace("DESCRIPTION", "database")), &zones(2));
    let plan = plan_ok(&desired(&base.replace("DESCRIPTION", "the database")), &observed);
    assert_eq!(addresses(&plan), ["security_group.db", "security_group.app"]);
    let db = &plan.actions[0];
    assert_eq!(db.action, ActionKind::Replace);
    assert_eq!(db.reason, fixed(&[kinds::security_group::field::DESCRIPTION]));
    let app = &plan.actions[1];
    assert_eq!(app.action, ActionKind::Update);
    assert_eq!(app.reason, replaced("security_group.db"));
    assert!(app.changes.is_empty(), "its own fields do not differ");
    assert_eq!(app.depends_on, vec![addr("security_group.db")]);
}

#[test]
fn a_detached_internet_gateway_is_replaced_and_only_the_route_to_it_is_updated() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    observed_mut(&mut observed, "internet_gateway.main/igw").spec =
        NodeSpec::InternetGateway(InternetGatewaySpec { vpc: None });

    let plan = plan_ok(&desired, &observed);
    // The NAT gateway only waits for the internet gateway at creation (`Node::after`): a replaced internet
    // gateway changes nothing about it.
    assert_eq!(addresses(&plan), ["internet_gateway.main/igw", "route_table.main/public"]);
    let igw = &plan.actions[0];
    assert_eq!(igw.action, ActionKind::Replace);
    assert_eq!(change(igw, "vpc").before, Value::Absent);
    assert_eq!(change(igw, "vpc").after, text("vpc.main"));
    assert!(change(igw, "vpc").forces_replacement);
    let route_table = &plan.actions[1];
    assert_eq!(route_table.action, ActionKind::Update);
    assert_eq!(route_table.reason, replaced("internet_gateway.main/igw"));
}

#[test]
fn a_subnet_found_in_a_vpc_that_is_not_ours_is_replaced() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::Subnet(SubnetSpec { vpc, .. }) = &mut observed_mut(&mut observed, "subnet.main/private-1").spec
    else {
        unreachable!()
    };
    *vpc = Ref::Aws("vpc-elsewhere".to_string());

    let plan = plan_ok(&desired, &observed);
    let subnet = action(&plan, "subnet.main/private-1");
    assert_eq!(subnet.action, ActionKind::Replace);
    assert_eq!(subnet.reason, fixed(&[kinds::subnet::field::VPC]));
    assert_eq!(change(subnet, "vpc").before, text("vpc-elsewhere"));
    assert_eq!(change(subnet, "vpc").after, text("vpc.main"));
    assert_eq!(addresses(&plan), ["subnet.main/private-1", "route_table.main/private-1"]);
}

// ---------------------------------------------------------------------------------------------------------
// 5. Conflicts: a declared unique name held by something that is not ours
// ---------------------------------------------------------------------------------------------------------

fn foreign_cluster(id: &str, name: &str) -> ObservedNode {
    ObservedNode {
        id: id.to_string(),
        spec: NodeSpec::Cluster(ClusterSpec { cluster_name: name.to_string(), container_insights: false }),
        tags: [("team".to_string(), "platform".to_string())].into(),
    }
}

#[test]
fn an_unowned_cluster_with_the_declared_name_is_a_conflict_not_a_create() {
    let desired = workshop();
    let mut observed = empty_account(3);
    observed.nodes.push(foreign_cluster("arn:aws:ecs:eu-west-1:1:cluster/container-demo", "container-demo"));

    let plan = plan_ok(&desired, &observed);
    assert_eq!(plan.conflicts.len(), 1);
    let conflict = &plan.conflicts[0];
    assert_eq!(conflict.address, addr("cluster.container-demo"));
    assert_eq!(conflict.id, "arn:aws:ecs:eu-west-1:1:cluster/container-demo");
    assert_eq!(conflict.identity, "container-demo");
    assert_eq!(conflict.reason, ConflictReason::NotOurs);
    assert!(!plan.actions.iter().any(|a| a.address.kind == Kind::Cluster), "nothing touches it");
    assert!(plan.actions.iter().all(|a| a.id.is_none()), "no action on any existing resource");
    assert_eq!(plan.actions.len(), 16, "everything else is still created");
    assert!(plan.not_declared.is_empty());
    assert_eq!(plan.summary().conflicts, 1);
}

#[test]
fn a_cluster_of_another_reconciler_instance_with_the_declared_name_is_a_conflict() {
    let desired = workshop();
    let mut observed = empty_account(3);
    let mut theirs = foreign_cluster("arn:theirs", "container-demo");
    theirs.tags = ownership_tags("other", &addr("cluster.container-demo"));
    observed.nodes.push(theirs);

    let plan = plan_ok(&desired, &observed);
    assert_eq!(plan.conflicts.len(), 1);
    assert_eq!(plan.conflicts[0].id, "arn:theirs");
    assert!(!plan.actions.iter().any(|a| a.address.kind == Kind::Cluster));
    assert!(plan.not_declared.is_empty(), "another instance's resources are not ours to report");
}

#[test]
fn a_cluster_with_our_owner_id_but_no_readable_address_is_a_conflict() {
    let desired = workshop();
    let mut observed = empty_account(3);
    let mut odd = foreign_cluster("arn:odd", "container-demo");
    odd.tags = ownership_tags(OWNER, &addr("cluster.container-demo"));
    odd.tags.insert(RESOURCE_KEY.to_string(), "garbage".to_string());
    observed.nodes.push(odd);
    let plan = plan_ok(&desired, &observed);
    assert_eq!(plan.conflicts.len(), 1);
    assert!(!plan.actions.iter().any(|a| a.address.kind == Kind::Cluster));
}

#[test]
fn an_unowned_cluster_with_another_name_is_ignored() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    observed.nodes.push(foreign_cluster("arn:aws:ecs:eu-west-1:1:cluster/unrelated", "unrelated"));
    assert_empty(&plan_ok(&desired, &observed));

    let mut empty = empty_account(3);
    empty.nodes.push(foreign_cluster("arn:aws:ecs:eu-west-1:1:cluster/unrelated", "unrelated"));
    let plan = plan_ok(&desired, &empty);
    assert_eq!(addresses(&plan), WORKSHOP_CREATE_ORDER);
    assert!(plan.conflicts.is_empty() && plan.not_declared.is_empty());
}

#[test]
fn an_unowned_namespace_with_the_declared_dns_name_is_a_conflict() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    disown(observed_mut(&mut observed, "namespace.service"));

    let plan = plan_ok(&desired, &observed);
    assert!(plan.actions.is_empty(), "{:?}", addresses(&plan));
    assert_eq!(plan.conflicts.len(), 1);
    assert_eq!(plan.conflicts[0].address, addr("namespace.service"));
    assert_eq!(plan.conflicts[0].identity, "service.local");
    assert_eq!(plan.conflicts[0].id, id_of(&addr("namespace.service")));
}

#[test]
fn an_unowned_security_group_with_the_declared_name_in_our_vpc_is_a_conflict() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    disown(observed_mut(&mut observed, "security_group.services"));

    let plan = plan_ok(&desired, &observed);
    assert!(plan.actions.is_empty(), "{:?}", addresses(&plan));
    assert_eq!(plan.conflicts.len(), 1);
    assert_eq!(plan.conflicts[0].address, addr("security_group.services"));
    assert_eq!(plan.conflicts[0].identity, "vpc.main/services");
    assert_eq!(plan.conflicts[0].id, "sg-services");
}

#[test]
fn an_unowned_security_group_with_the_declared_name_in_another_vpc_is_no_conflict() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    let group = observed_mut(&mut observed, "security_group.services");
    disown(group);
    group.id = "sg-elsewhere".to_string();
    let NodeSpec::SecurityGroup(SecurityGroupSpec { vpc, .. }) = &mut group.spec else { unreachable!() };
    *vpc = Ref::Aws("vpc-elsewhere".to_string());

    let plan = plan_ok(&desired, &observed);
    assert!(plan.conflicts.is_empty());
    assert_eq!(addresses(&plan), ["security_group.services"]);
    assert_eq!(plan.actions[0].action, ActionKind::Create);
}

#[test]
fn the_vpcs_default_security_group_conflicts_with_a_group_declared_as_default() {
    let desired = desired(
        r#"
        [vpc.main]
        cidr = "10.0.0.0/24"
        [security_group.default]
        vpc = "main"
        description = "mine"
        "#,
    );
    let mut observed = converged(&desired, &zones(2));
    remove_observed(&mut observed, "security_group.default");
    observed.nodes.push(ObservedNode {
        id: "sg-0default".to_string(),
        spec: NodeSpec::SecurityGroup(SecurityGroupSpec {
            vpc: Ref::Aws("vpc-main".to_string()),
            group_name: "default".to_string(),
            description: "default VPC security group".to_string(),
            ingress: BTreeSet::new(),
            egress: BTreeSet::from([allow_all_egress()]),
        }),
        tags: Default::default(),
    });
    let plan = plan_ok(&desired, &observed);
    assert!(plan.actions.is_empty());
    assert_eq!(plan.conflicts.len(), 1);
    assert_eq!(plan.conflicts[0].id, "sg-0default");
}

#[test]
fn an_undeclared_resource_of_ours_holding_a_declared_name_is_a_conflict() {
    // The declaration was renamed but kept its AWS name: the old resource, still tagged `cluster.old`, holds
    // the name. Creating `cluster.new` would fail (or, with ECS, return the old cluster untouched, every pass).
    let observed = converged(
        &desired(
            r#"
            [cluster.old]
            cluster_name = "shared"
            "#,
        ),
        &zones(2),
    );
    let desired = desired(
        r#"
        [cluster.new]
        cluster_name = "shared"
        "#,
    );
    let plan = plan_ok(&desired, &observed);
    assert!(plan.actions.is_empty(), "{:?}", addresses(&plan));
    assert_eq!(plan.conflicts.len(), 1);
    let conflict = &plan.conflicts[0];
    assert_eq!(conflict.address, addr("cluster.new"));
    assert_eq!(conflict.id, id_of(&addr("cluster.old")));
    assert_eq!(conflict.identity, "shared");
    assert_eq!(conflict.reason, ConflictReason::HeldByUndeclared { holder: addr("cluster.old") });
    assert_eq!(plan.not_declared.len(), 1);
    assert_eq!(plan.not_declared[0].address, addr("cluster.old"));
}

#[test]
fn a_declared_resource_of_ours_giving_up_a_name_another_declaration_takes_is_no_conflict() {
    // `a` is renamed in AWS (replaced) and `b` takes its old name: the replacement deletes the old `a` first.
    let observed = converged(
        &desired(
            r#"
            [cluster.a]
            cluster_name = "x"
            "#,
        ),
        &zones(2),
    );
    let desired = desired(
        r#"
        [cluster.a]
        cluster_name = "y"
        [cluster.b]
        cluster_name = "x"
        "#,
    );
    let plan = plan_ok(&desired, &observed);
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    assert_eq!(addresses(&plan), ["cluster.a", "cluster.b"]);
    assert_eq!(plan.actions[0].action, ActionKind::Replace);
    assert_eq!(plan.actions[1].action, ActionKind::Create);
}

// ---------------------------------------------------------------------------------------------------------
// 6. and 7. Resources of ours that no declaration asks for, and duplicates
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_resource_of_ours_that_is_no_longer_declared_is_reported_and_left_alone() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    observed.nodes.push(ObservedNode {
        id: "arn:old".to_string(),
        spec: NodeSpec::Cluster(ClusterSpec { cluster_name: "old".to_string(), container_insights: false }),
        tags: ownership_tags(OWNER, &addr("cluster.old")),
    });

    let plan = plan_ok(&desired, &observed);
    assert!(plan.actions.is_empty());
    assert!(plan.conflicts.is_empty());
    assert_eq!(plan.not_declared.len(), 1);
    let gone = &plan.not_declared[0];
    assert_eq!(gone.address, addr("cluster.old"));
    assert_eq!(gone.id, "arn:old");
    assert_eq!(gone.reason, StayReason::PruningOff);
    assert_eq!(plan.summary().not_declared, 1);
}

#[test]
fn a_whole_undeclared_vpc_of_ours_is_reported_resource_by_resource() {
    let old = workshop();
    let observed = converged(&old, &zones(3));
    let plan = plan_ok(&desired(""), &observed);
    assert!(plan.actions.is_empty() && plan.conflicts.is_empty());
    let mut reported: Vec<String> = plan.not_declared.iter().map(|n| n.address.to_string()).collect();
    reported.sort();
    let mut all: Vec<String> = WORKSHOP_CREATE_ORDER.iter().map(ToString::to_string).collect();
    all.sort();
    assert_eq!(reported, all);
}

#[test]
fn a_resource_of_another_owner_is_neither_ours_nor_reported() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    // Another instance's VPC, even at an address we declare, is not ours: ours is created alongside.
    observed.nodes.push(ObservedNode {
        id: "vpc-theirs".to_string(),
        spec: NodeSpec::Vpc(VpcSpec {
            cidr: "10.9.0.0/16".parse().unwrap(),
            enable_dns_support: true,
            enable_dns_hostnames: true,
        }),
        tags: ownership_tags("other", &addr("vpc.main")),
    });
    observed.nodes.push(ObservedNode {
        id: "vpc-theirs-2".to_string(),
        spec: NodeSpec::Vpc(VpcSpec {
            cidr: "10.8.0.0/16".parse().unwrap(),
            enable_dns_support: true,
            enable_dns_hostnames: true,
        }),
        tags: ownership_tags("other", &addr("vpc.unrelated")),
    });
    assert_empty(&plan_ok(&desired, &observed));

    let mut only_theirs = empty_account(3);
    let mut theirs = observed_mut(&mut observed, "vpc.main").clone();
    give_to_other_owner(&mut theirs);
    only_theirs.nodes.push(theirs);
    let plan = plan_ok(&desired, &only_theirs);
    assert_eq!(addresses(&plan), WORKSHOP_CREATE_ORDER);
    assert!(plan.not_declared.is_empty() && plan.conflicts.is_empty());
}

#[test]
fn a_resource_tagged_with_an_address_of_another_kind_is_not_taken_for_it() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    // A subnet tagged as if it were the VPC (a hand-copied tag set): not the VPC.
    remove_observed(&mut observed, "vpc.main");
    observed_mut(&mut observed, "subnet.main/public-2").tags.insert(RESOURCE_KEY.to_string(), "vpc.main".to_string());
    let plan = plan_ok(&desired, &observed);
    let create = action(&plan, "vpc.main");
    assert_eq!(create.action, ActionKind::Create);
    assert!(plan.not_declared.is_empty());
}

#[test]
fn two_resources_tagged_with_one_address_keep_the_lowest_id_and_delete_the_other() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    let mut second = observed_mut(&mut observed, "cluster.container-demo").clone();
    second.id = "arn:zzz-second".to_string();
    // A differing spec shows which of the two the plan compares against.
    second.spec =
        NodeSpec::Cluster(ClusterSpec { cluster_name: "container-demo".to_string(), container_insights: false });
    observed.nodes.insert(0, second);

    let plan = plan_ok(&desired, &observed);
    assert_eq!(addresses(&plan), ["cluster.container-demo"], "the lower id is in sync; the other goes");
    let duplicate = &plan.actions[0];
    assert_eq!((duplicate.action, duplicate.id.as_deref()), (ActionKind::Delete, Some("arn:zzz-second")));
    assert_eq!(duplicate.reason, ActionReason::Duplicate { kept_id: id_of(&addr("cluster.container-demo")) });
    assert!(plan.not_declared.is_empty());

    // Deterministic: the order observation lists them in does not matter.
    let mut reversed = observed.clone();
    reversed.nodes.reverse();
    assert_eq!(plan_ok(&desired, &reversed), plan);

    // And when the lower id is the one out of sync, that is the one updated, and the other deleted.
    let mut lower_out_of_sync = observed.clone();
    lower_out_of_sync.nodes[0].id = "arn:aaa-second".to_string();
    let plan = plan_ok(&desired, &lower_out_of_sync);
    assert_eq!(addresses(&plan), ["cluster.container-demo", "cluster.container-demo"]);
    assert_eq!(plan.actions[0].id.as_deref(), Some("arn:aaa-second"));
    assert_eq!(plan.actions[0].reason, drift(&[kinds::cluster::field::CONTAINER_INSIGHTS]));
    assert_eq!(plan.actions[1].action, ActionKind::Delete);
    assert_eq!(plan.actions[1].id, Some(id_of(&addr("cluster.container-demo"))));
}

// ---------------------------------------------------------------------------------------------------------
// 8. Errors from the region
// ---------------------------------------------------------------------------------------------------------

#[test]
fn more_zones_than_the_region_has_is_an_error() {
    let error = try_plan(&workshop(), &empty_account(2)).unwrap_err();
    assert_eq!(error, PlanError::NotEnoughZones { vpc: "main".to_string(), wanted: 3, available: zones(2) });
    assert_eq!(error.to_string(), "vpc.main: 3 availability zones wanted, the region has 2 (eu-west-1a, eu-west-1b)");
}

#[test]
fn a_named_zone_the_region_does_not_have_is_an_error() {
    let desired = desired(
        r#"
        [vpc.main]
        cidr = "10.0.0.0/24"
        availability_zones = ["eu-west-1a", "eu-west-1d"]
        "#,
    );
    let error = try_plan(&desired, &empty_account(3)).unwrap_err();
    assert_eq!(
        error,
        PlanError::UnknownZone { vpc: "main".to_string(), zone: "eu-west-1d".to_string(), available: zones(3) }
    );
    assert!(error.to_string().contains("eu-west-1d is not in the region"), "{error}");
}

#[test]
fn named_zones_are_used_in_the_order_given() {
    let desired = desired(
        r#"
        [vpc.main]
        cidr = "10.0.0.0/24"
        availability_zones = ["eu-west-1c", "eu-west-1a"]
        "#,
    );
    let plan = plan_ok(&desired, &empty_account(3));
    assert_eq!(change(action(&plan, "subnet.main/public-1"), "availability_zone").after, text("eu-west-1c"));
    assert_eq!(change(action(&plan, "subnet.main/private-2"), "availability_zone").after, text("eu-west-1a"));
}

// ---------------------------------------------------------------------------------------------------------
// 9. NAT gateway modes
// ---------------------------------------------------------------------------------------------------------

fn vpc_with_nat(mode: &str) -> reconciler_spec::Desired {
    desired(&format!(
        r#"
        [vpc.main]
        cidr = "10.0.0.0/24"
        availability_zones = 3
        nat_gateways = "{mode}"
        "#
    ))
}

#[test]
fn no_nat_gateways_means_no_elastic_ips_and_private_tables_without_routes() {
    let plan = plan_ok(&vpc_with_nat("none"), &empty_account(3));
    assert!(!plan.actions.iter().any(|a| matches!(a.address.kind, Kind::ElasticIp | Kind::NatGateway)));
    for zone in 1..=3 {
        let table = action(&plan, &format!("route_table.main/private-{zone}"));
        assert_eq!(change(table, "routes").after, set(&[]));
        assert_eq!(change(table, "subnets").after, set(&[&format!("subnet.main/private-{zone}")]));
    }
    assert_eq!(plan.actions.len(), 1 + 1 + 6 + 1 + 3);
    assert_empty(&plan_ok(&vpc_with_nat("none"), &converged(&vpc_with_nat("none"), &zones(3))));
}

#[test]
fn one_nat_gateway_per_zone_routes_each_private_table_through_its_own_zone() {
    let plan = plan_ok(&vpc_with_nat("one-per-az"), &empty_account(3));
    for zone in 1..=3 {
        let nat = action(&plan, &format!("nat_gateway.main/nat-{zone}"));
        assert_eq!(change(nat, "subnet").after, text(&format!("subnet.main/public-{zone}")));
        assert_eq!(change(nat, "allocation").after, text(&format!("elastic_ip.main/nat-{zone}")));
        let table = action(&plan, &format!("route_table.main/private-{zone}"));
        assert_eq!(change(table, "routes").after, set(&[&format!("0.0.0.0/0 via nat_gateway.main/nat-{zone}")]));
        assert!(
            position(&plan, &format!("nat_gateway.main/nat-{zone}"))
                < position(&plan, table.address.to_string().as_str())
        );
    }
    assert_eq!(plan.actions.len(), 1 + 1 + 6 + 3 + 3 + 1 + 3);
}

#[test]
fn switching_from_one_nat_to_one_per_zone_adds_gateways_and_reroutes_the_other_zones() {
    let observed = converged(&vpc_with_nat("one"), &zones(3));
    let plan = plan_ok(&vpc_with_nat("one-per-az"), &observed);
    assert_eq!(
        addresses(&plan),
        [
            "elastic_ip.main/nat-2",
            "elastic_ip.main/nat-3",
            "nat_gateway.main/nat-2",
            "nat_gateway.main/nat-3",
            "route_table.main/private-2",
            "route_table.main/private-3",
        ]
    );
    let table = action(&plan, "route_table.main/private-3");
    assert_eq!(table.action, ActionKind::Update);
    assert_eq!(change(table, "routes").before, set(&["0.0.0.0/0 via nat_gateway.main/nat-1"]));
    assert_eq!(change(table, "routes").after, set(&["0.0.0.0/0 via nat_gateway.main/nat-3"]));
    assert_eq!(table.depends_on, vec![addr("nat_gateway.main/nat-3")]);
}

#[test]
fn dropping_nat_gateways_removes_the_routes_and_reports_the_gateways() {
    let observed = converged(&vpc_with_nat("one"), &zones(3));
    let plan = plan_ok(&vpc_with_nat("none"), &observed);
    assert_eq!(
        addresses(&plan),
        ["route_table.main/private-1", "route_table.main/private-2", "route_table.main/private-3"]
    );
    let routes = drift(&[kinds::route_table::field::ROUTES]);
    assert!(
        plan.actions.iter().all(|a| a.action == ActionKind::Update && a.reason == routes),
        "{:#?}",
        describe(&plan)
    );
    let mut reported: Vec<String> = plan.not_declared.iter().map(|n| n.address.to_string()).collect();
    reported.sort();
    assert_eq!(reported, ["elastic_ip.main/nat-1", "nat_gateway.main/nat-1"]);
}

// ---------------------------------------------------------------------------------------------------------
// 10. Dependencies between actions
// ---------------------------------------------------------------------------------------------------------

#[test]
fn depends_on_lists_only_dependencies_that_have_an_action_in_the_plan() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    remove_observed(&mut observed, "nat_gateway.main/nat-1");
    remove_observed(&mut observed, "route_table.main/private-1");

    let plan = plan_ok(&desired, &observed);
    assert_eq!(
        addresses(&plan),
        [
            "nat_gateway.main/nat-1",
            "route_table.main/private-1",
            "route_table.main/private-2",
            "route_table.main/private-3"
        ]
    );
    let nat = &plan.actions[0];
    assert_eq!(nat.action, ActionKind::Create);
    assert!(nat.depends_on.is_empty(), "its subnet, elastic IP and gateway exist: {:?}", nat.depends_on);
    assert_eq!(plan.actions[1].action, ActionKind::Create);
    assert_eq!(plan.actions[1].depends_on, vec![addr("nat_gateway.main/nat-1")]);
    // The other private tables still route to the deleted gateway's id: drift, fixed once the new one exists.
    for table in &plan.actions[2..] {
        assert_eq!(table.action, ActionKind::Update);
        assert_eq!(table.reason, drift(&[kinds::route_table::field::ROUTES]));
        assert_eq!(change(table, "routes").before, set(&["0.0.0.0/0 via nat-main-nat-1"]));
        assert_eq!(change(table, "routes").after, set(&["0.0.0.0/0 via nat_gateway.main/nat-1"]));
        assert_eq!(table.depends_on, vec![addr("nat_gateway.main/nat-1")]);
    }
    assert!(plan.actions.iter().all(|a| a.blocked_by.is_none()));
}

#[test]
fn a_group_naming_a_group_in_conflict_is_blocked_by_it() {
    let desired = desired(
        r#"
        [vpc.main]
        cidr = "10.0.0.0/24"
        [security_group.services]
        vpc = "main"
        description = "services"
        [security_group.app]
        vpc = "main"
        description = "app"
        ingress = [{ protocol = "tcp", port = 80, group = "services" }]
        "#,
    );
    let mut observed = converged(&desired, &zones(2));
    disown(observed_mut(&mut observed, "security_group.services"));
    remove_observed(&mut observed, "security_group.app");

    let plan = plan_ok(&desired, &observed);
    assert_eq!(plan.conflicts.len(), 1);
    assert_eq!(plan.conflicts[0].address, addr("security_group.services"));
    assert_eq!(addresses(&plan), ["security_group.app"]);
    let app = &plan.actions[0];
    assert_eq!(app.action, ActionKind::Create);
    assert_eq!(app.blocked_by, Some(addr("security_group.services")));
    assert!(app.depends_on.is_empty(), "a conflict has no action to wait for");
}

#[test]
fn every_action_in_a_full_create_depends_only_on_earlier_actions() {
    let plan = plan_ok(&workshop(), &empty_account(3));
    for (i, action) in plan.actions.iter().enumerate() {
        for dependency in &action.depends_on {
            let at = plan.actions.iter().position(|a| &a.address == dependency).expect("a dependency is in the plan");
            assert!(at < i, "{} depends on {dependency}, which comes later", action.address);
        }
        assert_eq!(action.depends_on.iter().collect::<BTreeSet<_>>().len(), action.depends_on.len(), "no repeats");
    }
}

// ---------------------------------------------------------------------------------------------------------
// 11. JSON
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_plan_serializes_with_addresses_as_kind_dot_name() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    remove_observed(&mut observed, "route_table.main/private-2");
    let NodeSpec::Cluster(ClusterSpec { container_insights, .. }) =
        &mut observed_mut(&mut observed, "cluster.container-demo").spec
    else {
        unreachable!()
    };
    *container_insights = false;
    disown(observed_mut(&mut observed, "namespace.service"));
    observed.nodes.push(ObservedNode {
        id: "arn:old".to_string(),
        spec: NodeSpec::Cluster(ClusterSpec { cluster_name: "old".to_string(), container_insights: false }),
        tags: ownership_tags(OWNER, &addr("cluster.old")),
    });

    let plan = plan_ok(&desired, &observed);
    let json = serde_json::to_value(&plan).unwrap();
    let actions = json["actions"].as_array().unwrap();
    let addresses: Vec<&str> = actions.iter().map(|a| a["address"].as_str().unwrap()).collect();
    assert_eq!(addresses, ["cluster.container-demo", "route_table.main/private-2"]);

    let cluster = &actions[0];
    assert_eq!(cluster["action"], "update");
    assert_eq!(cluster["id"], id_of(&addr("cluster.container-demo")));
    assert_eq!(
        cluster["reason"],
        serde_json::json!({ "code": "drift", "fields": ["container_insights"], "notes": [] })
    );
    assert_eq!(
        cluster["changes"],
        serde_json::json!([
            { "field": "container_insights", "before": false, "after": true, "forces_replacement": false }
        ])
    );

    let table = &actions[1];
    assert_eq!(table["action"], "create");
    assert_eq!(table["id"], serde_json::Value::Null);
    assert_eq!(table["reason"], serde_json::json!({ "code": "not_found" }));
    assert_eq!(table["depends_on"], serde_json::json!([]));
    assert!(table.get("blocked_by").is_none(), "absent when not blocked");
    assert!(table.get("desired").is_none() && table.get("observed").is_none());
    let routes = table["changes"].as_array().unwrap().iter().find(|c| c["field"] == "routes").unwrap();
    assert_eq!(
        routes,
        &serde_json::json!({
            "field": "routes", "before": null, "after": ["0.0.0.0/0 via nat_gateway.main/nat-1"],
            "forces_replacement": false
        })
    );

    assert_eq!(
        json["conflicts"],
        serde_json::json!([{
            "address": "namespace.service",
            "id": id_of(&addr("namespace.service")),
            "identity": "service.local",
            "reason": { "code": "not_ours" },
        }])
    );
    assert_eq!(
        json["not_declared"],
        serde_json::json!([{
            "address": "cluster.old",
            "id": "arn:old",
            "reason": { "code": "pruning_off" },
        }])
    );
}

#[test]
fn field_values_serialize_as_plain_json() {
    let desired = workshop();
    let mut observed = converged(&desired, &zones(3));
    let NodeSpec::Cluster(ClusterSpec { container_insights, .. }) =
        &mut observed_mut(&mut observed, "cluster.container-demo").spec
    else {
        unreachable!()
    };
    *container_insights = false;
    let NodeSpec::SecurityGroup(SecurityGroupSpec { ingress, .. }) =
        &mut observed_mut(&mut observed, "security_group.services").spec
    else {
        unreachable!()
    };
    ingress.clear();
    let plan = plan_ok(&desired, &observed);
    let json = serde_json::to_value(&plan).unwrap();
    let changes: Vec<&serde_json::Value> =
        json["actions"].as_array().unwrap().iter().flat_map(|a| a["changes"].as_array().unwrap()).collect();
    assert!(changes.contains(&&serde_json::json!({
        "field": "container_insights", "before": false, "after": true, "forces_replacement": false
    })));
    assert!(changes.contains(&&serde_json::json!({
        "field": "ingress", "before": [], "after": [services_rule()], "forces_replacement": false
    })));
    assert_eq!(serde_json::to_value(Kind::InternetGateway).unwrap(), "internet_gateway");
    assert_eq!(serde_json::to_value(plan.summary()).unwrap()["update"], 2);
}

#[test]
fn a_blocked_action_serializes_what_blocks_it() {
    let desired = desired(
        r#"
        [vpc.main]
        cidr = "10.0.0.0/24"
        [security_group.services]
        vpc = "main"
        description = "services"
        [security_group.app]
        vpc = "main"
        description = "app"
        ingress = [{ protocol = "tcp", port = 80, group = "services" }]
        "#,
    );
    let mut observed = converged(&desired, &zones(2));
    disown(observed_mut(&mut observed, "security_group.services"));
    remove_observed(&mut observed, "security_group.app");
    let json = serde_json::to_value(plan_ok(&desired, &observed)).unwrap();
    assert_eq!(json["actions"][0]["blocked_by"], "security_group.services");
}

// ---------------------------------------------------------------------------------------------------------
// Ownership tags
// ---------------------------------------------------------------------------------------------------------

#[test]
fn ownership_is_read_from_the_three_tags() {
    use reconciler_plan::ownership::Owner;
    let address = addr("subnet.main/public-1");
    let tags = ownership_tags(OWNER, &address);
    assert_eq!(tags.len(), 3);
    assert_eq!(Owner::from_tags(OWNER, &tags), Owner::Us(address.clone()));
    assert_eq!(Owner::from_tags("other", &tags), Owner::OtherInstance(OWNER.to_string()));

    let mut not_managed = tags.clone();
    not_managed.insert(MANAGED_BY_KEY.to_string(), "terraform".to_string());
    assert_eq!(Owner::from_tags(OWNER, &not_managed), Owner::Nobody);
    assert_eq!(Owner::from_tags(OWNER, &Default::default()), Owner::Nobody);

    let mut no_owner = tags.clone();
    no_owner.remove(OWNER_KEY);
    assert_eq!(Owner::from_tags(OWNER, &no_owner), Owner::OtherInstance(String::new()));

    let mut no_address = tags;
    no_address.remove(RESOURCE_KEY);
    assert_eq!(Owner::from_tags(OWNER, &no_address), Owner::OtherInstance(OWNER.to_string()));
}

#[test]
fn every_kind_round_trips_through_its_address_form() {
    for &kind in Kind::ALL {
        let address = reconciler_plan::Address::new(kind, "decl/child-1");
        assert_eq!(address.to_string().parse::<reconciler_plan::Address>().unwrap(), address);
        assert_eq!(kind.to_string().parse::<Kind>(), Ok(kind));
        // JSON output shows the same name as addresses and tags.
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
    }
    let names: std::collections::BTreeSet<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names.len(), Kind::ALL.len(), "every kind has its own name");
}
