//! Helpers shared by the planner's integration tests: desired state from TOML, observed state built from
//! the planner's own desired nodes ("a converged account"), and look-ups into a plan.

#![allow(dead_code)] // Each test binary uses its own subset.

use std::collections::BTreeMap;
use std::path::Path;

use reconciler_plan::ownership::{OWNER_KEY, RESOURCE_KEY};
use reconciler_plan::{
    Action, ActionKind, ActionReason, Address, ChangedField, FieldChange, FieldId, Kind, Observed, ObservedNode, Plan,
    PlanContext, PlanError, Pruning, Ref, Removal, Value, expand, plan,
};
use reconciler_spec::{Desired, Service};

pub const OWNER: &str = "test-owner";

/// The workshop's platform (a copy of config/platform.toml, so that edits there do not move these tests).
pub const WORKSHOP: &str = r#"
[vpc.main]
cidr = "10.0.0.0/24"
availability_zones = 3
nat_gateways = "one"
enable_dns_support = true
enable_dns_hostnames = true
tags = { Project = "ecsdemo" }

[security_group.services]
vpc = "main"
description = "frontend to backend"
tags = { Project = "ecsdemo" }

[[security_group.services.ingress]]
protocol = "tcp"
port = 3000
self = true
description = "services to services on 3000"

[cluster.container-demo]
container_insights = true
tags = { Project = "ecsdemo" }

[namespace.service]
dns_name = "service.local"
vpc = "main"
description = "ecsdemo services"
tags = { Project = "ecsdemo" }
"#;

/// Parses and validates one file's worth of TOML; panics with every error if it is invalid.
pub fn desired(toml: &str) -> Desired {
    let file = reconciler_spec::parse_file(Path::new("test.toml"), toml)
        .unwrap_or_else(|errors| panic!("invalid test TOML: {errors:#?}"));
    reconciler_spec::assemble(vec![file]).unwrap_or_else(|errors| panic!("invalid test TOML: {errors:#?}"))
}

pub fn workshop() -> Desired {
    desired(WORKSHOP)
}

/// The shipped workshop, as `config/` declares it: the platform, the three services and the load-test host.
pub fn workshop_config() -> Desired {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    reconciler_spec::load_dir(&dir).unwrap_or_else(|errors| panic!("config/ does not load: {errors:#?}"))
}

/// `n` zones of a made-up region, in name order.
pub fn zones(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("eu-west-1{}", char::from(b'a' + u8::try_from(i).unwrap()))).collect()
}

pub fn context() -> PlanContext {
    // Pruning off: most tests look at one change at a time, and report what is not declared (tests of
    // pruning turn it on).
    PlanContext { owner_id: OWNER.to_string(), pruning: Pruning { enabled: false, ..Pruning::default() } }
}

/// An account with nothing in it.
pub fn empty_account(zone_count: usize) -> Observed {
    Observed { availability_zones: zones(zone_count), nodes: vec![], ..Observed::default() }
}

/// A deterministic fake AWS id for one of our resources, shaped like the real ones.
pub fn id_of(address: &Address) -> String {
    let prefix = match address.kind {
        Kind::Vpc => "vpc",
        Kind::InternetGateway => "igw",
        Kind::Subnet => "subnet",
        Kind::ElasticIp => "eipalloc",
        Kind::NatGateway => "nat",
        Kind::RouteTable => "rtb",
        Kind::SecurityGroup => "sg",
        Kind::Cluster => "arn:aws:ecs:eu-west-1:123456789012:cluster",
        Kind::Namespace => "arn:aws:servicediscovery:eu-west-1:123456789012:namespace",
        Kind::Role => "arn:aws:iam::123456789012:role",
        Kind::InstanceProfile => "arn:aws:iam::123456789012:instance-profile",
        Kind::LogGroup => "arn:aws:logs:eu-west-1:123456789012:log-group",
        Kind::TaskDefinition => "arn:aws:ecs:eu-west-1:123456789012:task-definition",
        Kind::LoadBalancer => "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app",
        Kind::TargetGroup => "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup",
        Kind::Listener => "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app",
        Kind::ListenerRule => "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app",
        Kind::DiscoveryService => "arn:aws:servicediscovery:eu-west-1:123456789012:service",
        Kind::Service => "arn:aws:ecs:eu-west-1:123456789012:service",
        Kind::Instance => "i",
        Kind::ScalableTarget => "service",
        Kind::ScalingPolicy => "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy",
        Kind::ScheduledAction => "service/scheduled",
    };
    format!("{prefix}-{}", address.name.replace('/', "-"))
}

pub fn addr(text: &str) -> Address {
    text.parse().unwrap_or_else(|e| panic!("bad address in test: {e}"))
}

/// What the AWS layer would observe in an account where `desired` has been applied by owner `OWNER`:
/// every desired node, with a fake id, references as AWS ids, and exactly the tags it was created with.
pub fn converged(desired: &Desired, zones: &[String]) -> Observed {
    let nodes = expand(desired, zones, OWNER).expect("the desired state expands");
    let ids: BTreeMap<Address, String> = nodes.iter().map(|n| (n.address.clone(), id_of(&n.address))).collect();
    let nodes = nodes
        .into_iter()
        .map(|node| {
            let mut spec = node.spec;
            spec.map_refs(|r| match r {
                Ref::Node(address) => Ref::Aws(ids[address].clone()),
                Ref::Aws(_) => r.clone(),
            });
            ObservedNode { id: ids[&node.address].clone(), spec, tags: node.tags }
        })
        .collect();
    Observed { availability_zones: zones.to_vec(), nodes, ..Observed::default() }
}

/// The observed node of ours at `address` (by its `reconciler:resource` tag).
pub fn observed_mut<'a>(observed: &'a mut Observed, address: &str) -> &'a mut ObservedNode {
    observed
        .nodes
        .iter_mut()
        .find(|n| n.tags.get(RESOURCE_KEY).map(String::as_str) == Some(address))
        .unwrap_or_else(|| panic!("no observed node at {address}"))
}

/// Removes the observed node of ours at `address` and returns it.
pub fn remove_observed(observed: &mut Observed, address: &str) -> ObservedNode {
    let index = observed
        .nodes
        .iter()
        .position(|n| n.tags.get(RESOURCE_KEY).map(String::as_str) == Some(address))
        .unwrap_or_else(|| panic!("no observed node at {address}"));
    observed.nodes.remove(index)
}

/// Strips our ownership tags (and only them), as if the resource had been made by hand.
pub fn disown(node: &mut ObservedNode) {
    node.tags.retain(|k, _| !k.starts_with("reconciler:"));
}

/// Marks the resource as belonging to another reconciler instance.
pub fn give_to_other_owner(node: &mut ObservedNode) {
    node.tags.insert(OWNER_KEY.to_string(), "other".to_string());
}

pub fn plan_ok(desired: &Desired, observed: &Observed) -> Plan {
    plan(desired, observed, &context()).unwrap_or_else(|e| panic!("no plan: {e}"))
}

pub fn try_plan(desired: &Desired, observed: &Observed) -> Result<Plan, PlanError> {
    plan(desired, observed, &context())
}

/// The actions' addresses, in plan order.
pub fn addresses(plan: &Plan) -> Vec<String> {
    plan.actions.iter().map(|a| a.address.to_string()).collect()
}

pub fn action<'a>(plan: &'a Plan, address: &str) -> &'a Action {
    plan.actions
        .iter()
        .find(|a| a.address.to_string() == address)
        .unwrap_or_else(|| panic!("no action for {address}; actions: {:?}", addresses(plan)))
}

pub fn position(plan: &Plan, address: &str) -> usize {
    plan.actions
        .iter()
        .position(|a| a.address.to_string() == address)
        .unwrap_or_else(|| panic!("no action for {address}; actions: {:?}", addresses(plan)))
}

/// Whether the action changes the field of this name, as the output shows it (`tags.KEY` for a tag).
pub fn changes_named(action: &Action, field: &str) -> bool {
    action.changes.iter().any(|c| c.field.to_string() == field)
}

pub fn change<'a>(action: &'a Action, field: &str) -> &'a FieldChange {
    action.changes.iter().find(|c| c.field.to_string() == field).unwrap_or_else(|| {
        panic!(
            "{} has no change to {field}; changes: {:?}",
            action.address,
            action.changes.iter().map(|c| &c.field).collect::<Vec<_>>()
        )
    })
}

/// A `before -> after` pair of one change, for one-line assertions.
pub fn before_after(action: &Action, field: &str) -> (Value, Value) {
    let change = change(action, field);
    (change.before.clone(), change.after.clone())
}

/// A text value, as the plan shows names, ids and the like.
pub fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// The declared service `name`, to edit before planning.
pub fn service_mut<'a>(desired: &'a mut Desired, name: &str) -> &'a mut Service {
    &mut desired.services.get_mut(name).unwrap_or_else(|| panic!("no service {name}")).spec
}

/// Fails with the plan's order shown unless `first` has an action before `then`'s.
pub fn assert_before(plan: &Plan, first: &str, then: &str) {
    assert!(position(plan, first) < position(plan, then), "{first} must come before {then}: {:#?}", addresses(plan));
}

/// Exactly these actions, in any order, with these kinds; no conflicts, nothing not declared.
pub fn assert_actions(plan: &Plan, expected: &[(&str, ActionKind)]) {
    let got: BTreeMap<String, ActionKind> = plan.actions.iter().map(|a| (a.address.to_string(), a.action)).collect();
    let want: BTreeMap<String, ActionKind> = expected.iter().map(|(a, k)| ((*a).to_string(), *k)).collect();
    assert_eq!(got, want, "plan: {:#?}", describe(plan));
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    assert!(plan.not_declared.is_empty(), "{:?}", plan.not_declared);
}

/// Every action as `address kind: reason`, for failure messages.
pub fn describe(plan: &Plan) -> Vec<String> {
    plan.actions.iter().map(|a| format!("{} {:?}: {:?}", a.address, a.action, a.reason)).collect()
}

// The planner's reasons, as the tests expect them.

/// Drift in these fields (and nothing more to say about it): an update in place.
pub fn drift(fields: &[FieldId]) -> ActionReason {
    drift_in(fields.iter().copied().map(ChangedField::Field).collect())
}

/// Drift in these fields and tags, in this order (fields as the kind lists them, then tags).
pub fn drift_in(fields: Vec<ChangedField>) -> ActionReason {
    ActionReason::Drift { fields, notes: vec![] }
}

/// The tag of this key, as a changed field (`tags.KEY`).
pub fn tag(key: &str) -> ChangedField {
    ChangedField::Tag(key.to_string())
}

/// These fields cannot be changed in place: a replacement.
pub fn fixed(fields: &[FieldId]) -> ActionReason {
    ActionReason::FixedFieldsDiffer { fields: fields.iter().copied().map(ChangedField::Field).collect() }
}

/// These fields of a task definition changed: a new revision.
pub fn new_revision(fields: &[FieldId]) -> ActionReason {
    ActionReason::NewRevision { fields: fields.iter().copied().map(ChangedField::Field).collect() }
}

/// The resource at `dependency` is replaced.
pub fn replaced(dependency: &str) -> ActionReason {
    ActionReason::DependencyReplaced { dependency: addr(dependency) }
}

/// No longer declared, and pruning is on: deleted.
pub const PRUNED: ActionReason = ActionReason::Removal { cause: Removal::Pruned, retained: false };

/// A scaling registration whose service no longer declares autoscaling: deregistered.
pub const DEREGISTERED: ActionReason = ActionReason::Removal { cause: Removal::Deregistered, retained: false };

/// Asked for by `reconciler destroy`.
pub const DESTROYED: ActionReason = ActionReason::Removal { cause: Removal::Destroyed, retained: false };

/// Fails with the whole plan shown unless it is empty in every respect.
pub fn assert_empty(plan: &Plan) {
    assert!(
        plan.actions.is_empty() && plan.conflicts.is_empty() && plan.not_declared.is_empty(),
        "expected an empty plan, got actions {:#?}\nconflicts {:#?}\nnot declared {:#?}",
        plan.actions.iter().map(|a| (a.address.to_string(), a.action, &a.reason, &a.changes)).collect::<Vec<_>>(),
        plan.conflicts,
        plan.not_declared
    );
}
