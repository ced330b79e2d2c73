//! Pruning, the guards against mass deletion, owner ids and `reconciler destroy`, end to end: the real binary
//! against a moto server, on the shipped config/ (the whole ECS workshop).
//!
//! What the reconciler owns is read back through AWS with the SDK, by the ownership tags (tests/src/inventory.rs),
//! and compared with what its JSON output says it created, deleted or left alone.

use std::collections::BTreeSet;

use aws_sdk_ecs::types::TaskDefinitionStatus;
use reconciler_tests::inventory::{everything, owned};
use reconciler_tests::plans::{
    apply_as_planned, assert_nothing_to_do, dry_run_with_changes, edit, expect, pass, pending_dry_run, planned, summary,
};
use reconciler_tests::{DesiredDir, Emulator, Run};

const CLUSTER: &str = "container-demo";

/// The four resources that config/nodejs.toml alone declares.
const NODEJS: [&str; 4] = [
    "service.ecsdemo-nodejs",
    "task_definition.ecsdemo-nodejs",
    "discovery_service.ecsdemo-nodejs",
    "log_group.nodejs",
];

// ---------------------------------------------------------------------------------------------------------
// Reading the JSON output

/// The addresses in a JSON array of entries (`actions`, `not_declared`, `apply.outcomes`).
fn addresses(entries: &serde_json::Value) -> BTreeSet<String> {
    entries
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {entries}"))
        .iter()
        .map(|e| e["address"].as_str().unwrap().to_string())
        .collect()
}

/// The addresses an applying run created, every creation having succeeded.
fn created(run: &Run) -> BTreeSet<String> {
    let json = run.json();
    let outcomes = json["apply"]["outcomes"].as_array().unwrap_or_else(|| panic!("no outcomes: {run}"));
    outcomes
        .iter()
        .filter(|o| o["action"] == "create")
        .map(|o| {
            assert_eq!(o["outcome"], "succeeded", "{run}");
            o["address"].as_str().unwrap().to_string()
        })
        .collect()
}

/// The addresses of the apply outcomes, in the order they ran; every one must be a successful deletion.
fn deletion_order(run: &Run) -> Vec<String> {
    let json = run.json();
    json["apply"]["outcomes"]
        .as_array()
        .unwrap_or_else(|| panic!("no outcomes: {run}"))
        .iter()
        .map(|o| {
            assert_eq!((&o["action"], &o["outcome"]), (&"delete".into(), &"succeeded".into()), "{run}");
            o["address"].as_str().unwrap().to_string()
        })
        .collect()
}

fn position(order: &[String], address: &str) -> usize {
    order.iter().position(|a| a == address).unwrap_or_else(|| panic!("{address} not in {order:?}"))
}

/// `first` ran before every one of `then` in `order`.
fn ran_before(order: &[String], first: &str, then: &[&str]) {
    for later in then {
        assert!(position(order, first) < position(order, later), "{first} must be deleted before {later}: {order:#?}");
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

// ---------------------------------------------------------------------------------------------------------
// Running the binary

/// Converges `desired` as `owner` (every action must succeed), checks that what AWS holds of that owner is
/// exactly what the pass created, and returns those addresses.
async fn converged(emulator: &Emulator, desired: &DesiredDir, owner: &str) -> BTreeSet<String> {
    let run = pass(emulator, desired, &["--owner-id", owner]);
    assert_eq!(run.code, 0, "{run}");
    let json = run.json();
    assert_eq!((&json["apply"]["failed"], &json["apply"]["skipped"]), (&0.into(), &0.into()), "{run}");
    let created = created(&run);
    assert!(!created.is_empty(), "{run}");
    let found = if owner == "default" { everything(emulator, owner).await } else { owned(emulator, owner).await };
    assert_eq!(found, created, "AWS holds exactly what the converge created");
    created
}

fn remove(desired: &DesiredDir, file: &str) {
    std::fs::remove_file(desired.path().join(file)).unwrap_or_else(|e| panic!("removing {file}: {e}"));
}

fn restore(desired: &DesiredDir, file: &str) {
    let text = std::fs::read_to_string(reconciler_tests::workspace_root().join("config").join(file)).unwrap();
    desired.write(file, &text);
}

fn destroy(emulator: &Emulator, desired: &DesiredDir, extra: &[&str]) -> Run {
    let mut args = vec!["destroy", "--config-dir", desired.arg()];
    args.extend_from_slice(extra);
    emulator.reconciler(&args)
}

/// A dry run (`--owner-id owner`) that finds nothing at all to do: no action, conflict or resource not declared.
fn assert_nothing_to_do_for(emulator: &Emulator, desired: &DesiredDir, owner: &str) {
    let dry = pass(emulator, desired, &["--dry-run", "--detailed-exitcode", "--owner-id", owner]);
    assert_eq!(dry.code, 0, "nothing to do for {owner}: {dry}");
    let json = dry.json();
    for key in ["actions", "conflicts", "not_declared"] {
        assert_eq!(json[key].as_array().unwrap().len(), 0, "{owner}: {key}: {dry}");
    }
}

// ---------------------------------------------------------------------------------------------------------
// Looking at AWS

/// The ACTIVE task definition revisions of exactly `family`.
async fn active_revisions(emulator: &Emulator, family: &str) -> Vec<String> {
    let out = emulator
        .ecs()
        .await
        .list_task_definitions()
        .family_prefix(family)
        .status(TaskDefinitionStatus::Active)
        .send()
        .await
        .unwrap();
    out.task_definition_arns()
        .iter()
        .filter(|arn| arn.rsplit('/').next().and_then(|t| t.split_once(':')).is_some_and(|(f, _)| f == family))
        .cloned()
        .collect()
}

async fn cloud_map_service_names(emulator: &Emulator) -> BTreeSet<String> {
    let out = emulator.servicediscovery().await.list_services().send().await.unwrap();
    out.services().iter().filter_map(|s| s.name().map(str::to_string)).collect()
}

async fn log_group_names(emulator: &Emulator, prefix: &str) -> BTreeSet<String> {
    let out = emulator.logs().await.describe_log_groups().log_group_name_prefix(prefix).send().await.unwrap();
    out.log_groups().iter().filter_map(|g| g.log_group_name().map(str::to_string)).collect()
}

/// What a user sees of a running ECS service that must not change: its task definition, desired count and
/// creation time.
async fn service_fingerprint(emulator: &Emulator, cluster: &str, name: &str) -> (String, i32, String) {
    let service =
        emulator.ecs_service(cluster, name).await.unwrap_or_else(|| panic!("{name} is not active in {cluster}"));
    (service.task_definition().unwrap().to_string(), service.desired_count(), format!("{:?}", service.created_at()))
}

// ---------------------------------------------------------------------------------------------------------
// Pruning

#[tokio::test]
async fn a_removed_service_file_is_pruned_dependents_first_and_nothing_else_changes() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let before = converged(&emulator, &desired, "default").await;
    let frontend = service_fingerprint(&emulator, CLUSTER, "ecsdemo-frontend").await;
    let crystal = service_fingerprint(&emulator, CLUSTER, "ecsdemo-crystal").await;

    remove(&desired, "nodejs.toml");
    let dry = pending_dry_run(&emulator, &desired);
    let json = dry.json();
    assert_eq!(json["prune_guard"], serde_json::Value::Null, "{dry}");
    assert_eq!(json["not_declared"].as_array().unwrap().len(), 0, "{dry}");
    assert_eq!(json["summary"]["delete"], 4, "{dry}");
    let plan = planned(&dry);
    assert_eq!(summary(&plan), expect(&NODEJS.map(|a| (a, "delete"))), "exactly nodejs's resources go: {dry}");
    for action in &plan {
        assert_eq!(
            (action.reason_code.as_str(), action.reason.as_str()),
            ("pruned", "no longer declared: pruned"),
            "{action:?}"
        );
        assert!(!action.changes.as_array().unwrap().is_empty(), "a deletion shows what goes: {action:?}");
    }
    // Listed in the order they are carried out: the service first.
    let listed: Vec<String> = plan.iter().map(|p| p.address.clone()).collect();
    assert_eq!(listed.first().map(String::as_str), Some("service.ecsdemo-nodejs"), "{listed:?}");

    let run = apply_as_planned(&emulator, &desired, &plan);
    let order = deletion_order(&run);
    assert_eq!(order, listed, "carried out in the order listed");
    ran_before(
        &order,
        "service.ecsdemo-nodejs",
        &["discovery_service.ecsdemo-nodejs", "task_definition.ecsdemo-nodejs"],
    );

    // Gone in AWS.
    assert!(emulator.ecs_service(CLUSTER, "ecsdemo-nodejs").await.is_none(), "the ECS service is inactive or gone");
    let cloud_map = cloud_map_service_names(&emulator).await;
    assert!(!cloud_map.contains("ecsdemo-nodejs"), "{cloud_map:?}");
    assert_eq!(log_group_names(&emulator, "/ecs/ecsdemo-nodejs").await, BTreeSet::new());
    assert_eq!(active_revisions(&emulator, "ecsdemo-nodejs").await, Vec::<String>::new());

    // Everything else untouched.
    let expected: BTreeSet<String> = before.difference(&set(&NODEJS)).cloned().collect();
    assert_eq!(everything(&emulator, "default").await, expected);
    assert_eq!(service_fingerprint(&emulator, CLUSTER, "ecsdemo-frontend").await, frontend);
    assert_eq!(service_fingerprint(&emulator, CLUSTER, "ecsdemo-crystal").await, crystal);
    assert!(cloud_map.contains("ecsdemo-crystal") && cloud_map.contains("ecsdemo-frontend"), "{cloud_map:?}");
    assert_eq!(log_group_names(&emulator, "/ecs/").await, set(&["/ecs/ecsdemo-crystal", "/ecs/ecsdemo-frontend"]));
    assert!(emulator.cluster(CLUSTER).await.is_some());

    assert_nothing_to_do(&emulator, &desired);
}

/// The frontend's load balancer security group is let into the services' group by a rule of that (declared)
/// group: pruning the frontend must take the rule away before the group it refers to, in one pass.
#[tokio::test]
async fn a_removed_load_balanced_service_is_pruned_with_the_rule_that_let_its_load_balancer_in() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let before = converged(&emulator, &desired, "default").await;
    remove(&desired, "frontend.toml");

    let plan = dry_run_with_changes(&emulator, &desired);
    let doomed: BTreeSet<String> = plan.iter().filter(|p| p.action == "delete").map(|p| p.address.clone()).collect();
    for address in [
        "service.ecsdemo-frontend",
        "load_balancer.ecsdemo-frontend",
        "listener.ecsdemo-frontend",
        "target_group.ecsdemo-frontend",
        "security_group.ecsdemo-frontend/lb",
        "scalable_target.ecsdemo-frontend",
    ] {
        assert!(doomed.contains(address), "{address}: {plan:#?}");
    }
    let update = plan.iter().find(|p| p.action == "update").unwrap_or_else(|| panic!("{plan:#?}"));
    assert_eq!(update.address, "security_group.services", "{plan:#?}");

    apply_as_planned(&emulator, &desired, &plan);
    let expected: BTreeSet<String> = before.difference(&doomed).cloned().collect();
    assert_eq!(everything(&emulator, "default").await, expected);
    assert_nothing_to_do(&emulator, &desired);
}

#[tokio::test]
async fn an_empty_directory_or_an_invalid_file_deletes_nothing() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let before = converged(&emulator, &desired, "default").await;

    // An empty directory looks exactly like "delete everything": the guard holds it back.
    let empty = DesiredDir::new();
    let run = pass(&emulator, &empty, &[]);
    assert_eq!(run.code, 1, "{run}");
    let json = run.json();
    assert_eq!(json["prune_guard"]["code"], "nothing_declared", "{run}");
    let reason = json["prune_guard"]["reason"].as_str().unwrap_or_else(|| panic!("no prune_guard: {run}"));
    assert!(reason.contains("declares nothing"), "{reason}");
    assert!(reason.contains(&format!("{} resources are ours", before.len())), "{reason}");
    assert!(reason.contains("--allow-mass-delete"), "{reason}");
    assert_eq!(json["actions"].as_array().unwrap().len(), 0, "{run}");
    assert_eq!(addresses(&json["not_declared"]), before, "every resource of ours is listed: {run}");
    assert_eq!(json["pass"]["mutating_api_calls"], 0, "{run}");
    assert!(json.get("apply").is_none(), "{run}");
    assert!(run.stderr.contains("held back by a guard"), "{run}");
    assert_eq!(everything(&emulator, "default").await, before);
    assert_nothing_to_do(&emulator, &desired);

    // A directory whose only file is invalid: refused before AWS is asked anything.
    let invalid = DesiredDir::new();
    invalid.write("platform.toml", "[vpc.main]\ncidr = [\"10.0.0.0/24\"\n");
    let run = pass(&emulator, &invalid, &[]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("platform.toml:2:"), "the file:line error: {run}");
    assert!(run.stderr.contains("nothing was changed"), "{run}");
    assert!(!run.stderr.contains("API calls"), "no pass ran: {run}");
    assert_eq!(everything(&emulator, "default").await, before);

    // The workshop with one of its files broken: nothing of what that file declared is pruned.
    desired.write("nodejs.toml", "[service.ecsdemo-nodejs]\ncpu = \n");
    let run = pass(&emulator, &desired, &[]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("nodejs.toml:2:"), "{run}");
    assert_eq!(everything(&emulator, "default").await, before);
    restore(&desired, "nodejs.toml");
    assert_nothing_to_do(&emulator, &desired);
}

#[tokio::test]
async fn the_share_guard_holds_back_a_large_deletion_until_it_is_allowed() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let before = converged(&emulator, &desired, "default").await;
    for file in ["frontend.toml", "nodejs.toml", "crystal.toml", "loadtest.toml"] {
        remove(&desired, file);
    }

    let held = pass(&emulator, &desired, &["--max-delete-share", "10%"]);
    assert_eq!(held.code, 1, "a held-back pass is an error: {held}");
    let json = held.json();
    let doomed = addresses(&json["not_declared"]);
    let reason = json["prune_guard"]["reason"].as_str().unwrap_or_else(|| panic!("no prune_guard: {held}"));
    assert!(
        reason.contains(&format!("would delete {} of the {} resources we own", doomed.len(), before.len())),
        "{reason}"
    );
    assert!(reason.contains("more than the 10 % allowed"), "{reason}");
    assert!(reason.contains("--allow-mass-delete"), "{reason}");
    // Nothing at all changes: what is held back keeps what declared resources say about it (the services group
    // keeps admitting the frontend's load balancer, which stays).
    assert_eq!(json["actions"].as_array().unwrap().len(), 0, "{held}");
    for entry in json["not_declared"].as_array().unwrap() {
        assert!(entry["reason"].as_str().unwrap().starts_with("not deleted: "), "{entry}");
    }
    // What the removed files declared, and nothing of the platform.
    for address in ["service.ecsdemo-frontend", "load_balancer.ecsdemo-frontend", "instance.loadtest", "role.loadtest"]
    {
        assert!(doomed.contains(address), "{address}: {doomed:?}");
    }
    for address in ["vpc.main", "cluster.container-demo", "namespace.service", "security_group.services"] {
        assert!(!doomed.contains(address), "{address}: {doomed:?}");
    }
    assert!(doomed.is_subset(&before), "{doomed:?}");
    assert_eq!(everything(&emulator, "default").await, before, "nothing deleted");
    assert!(held.stderr.contains(&format!("{} deletions held back by a guard", doomed.len())), "{held}");

    // The same, allowed.
    let allowed = pass(&emulator, &desired, &["--max-delete-share", "10%", "--allow-mass-delete"]);
    assert_eq!(allowed.code, 0, "{allowed}");
    let json = allowed.json();
    assert_eq!(json["prune_guard"], serde_json::Value::Null, "{allowed}");
    assert_eq!(json["not_declared"].as_array().unwrap().len(), 0, "{allowed}");
    // Now the rule admitting the load balancer's group goes (before the group does), and the rest is deleted.
    let outcomes = json["apply"]["outcomes"].as_array().unwrap();
    let updated: Vec<&str> =
        outcomes.iter().filter(|o| o["action"] == "update").map(|o| o["address"].as_str().unwrap()).collect();
    assert_eq!(updated, ["security_group.services"], "{allowed}");
    let deleted: BTreeSet<String> = outcomes
        .iter()
        .filter(|o| o["action"] == "delete")
        .inspect(|o| assert_eq!(o["outcome"], "succeeded", "{o}"))
        .map(|o| o["address"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(deleted, doomed, "{allowed}");
    let expected: BTreeSet<String> = before.difference(&doomed).cloned().collect();
    assert_eq!(everything(&emulator, "default").await, expected);
    assert!(emulator.cluster(CLUSTER).await.is_some());
    assert_nothing_to_do(&emulator, &desired);
}

#[tokio::test]
async fn with_pruning_off_what_is_no_longer_declared_is_reported_and_left() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let before = converged(&emulator, &desired, "default").await;
    remove(&desired, "nodejs.toml");

    let run = pass(&emulator, &desired, &["--prune", "false"]);
    assert_eq!(run.code, 0, "{run}");
    let json = run.json();
    assert_eq!(json["actions"].as_array().unwrap().len(), 0, "{run}");
    assert_eq!(json["prune_guard"], serde_json::Value::Null, "{run}");
    assert_eq!(addresses(&json["not_declared"]), set(&NODEJS), "{run}");
    for entry in json["not_declared"].as_array().unwrap() {
        assert_eq!(entry["reason"], "no declaration in the desired state; left in place", "{entry}");
        assert!(entry["id"].as_str().is_some_and(|id| !id.is_empty()), "{entry}");
    }
    assert_eq!(json["pass"]["mutating_api_calls"], 0, "{run}");
    assert_eq!(everything(&emulator, "default").await, before);
    assert!(emulator.ecs_service(CLUSTER, "ecsdemo-nodejs").await.is_some());

    // Pruning back on: they go.
    let plan = dry_run_with_changes(&emulator, &desired);
    assert_eq!(summary(&plan), expect(&NODEJS.map(|a| (a, "delete"))));
}

// ---------------------------------------------------------------------------------------------------------
// Owner ids

#[tokio::test]
async fn two_owner_ids_side_by_side_never_see_each_other() {
    let emulator = Emulator::start();
    let team_a = DesiredDir::platform();
    let team_b = DesiredDir::platform();
    // The same declarations under other AWS names (cluster, namespace, role names are unique in the account).
    edit(
        &team_b,
        "platform.toml",
        "[cluster.container-demo]\n",
        "[cluster.container-demo]\ncluster_name = \"team-b-demo\"\n",
    );
    edit(&team_b, "platform.toml", "dns_name = \"service.local\"", "dns_name = \"team-b.local\"");
    edit(
        &team_b,
        "platform.toml",
        "[security_group.services]\n",
        "[security_group.services]\ngroup_name = \"team-b-services\"\n",
    );
    edit(&team_b, "platform.toml", "cidr = \"10.0.0.0/24\"", "cidr = \"10.1.0.0/24\"");
    edit(&team_b, "platform.toml", "role_name = \"ecsdemo-task-execution\"", "role_name = \"team-b-task-execution\"");

    let a = converged(&emulator, &team_a, "team-a").await;
    let b = converged(&emulator, &team_b, "team-b").await;
    assert_eq!(owned(&emulator, "team-a").await, a, "team-b's converge left team-a's resources alone");
    assert_eq!(owned(&emulator, "default").await, BTreeSet::new());
    assert_nothing_to_do_for(&emulator, &team_a, "team-a");
    assert_nothing_to_do_for(&emulator, &team_b, "team-b");

    // team-b's file goes: its empty directory is held back by the guard first, then allowed.
    remove(&team_b, "platform.toml");
    let held = pass(&emulator, &team_b, &["--owner-id", "team-b"]);
    assert_eq!(held.code, 1, "{held}");
    assert_eq!(addresses(&held.json()["not_declared"]), b, "only team-b's resources: {held}");
    assert_eq!(owned(&emulator, "team-b").await, b);

    let run = pass(&emulator, &team_b, &["--owner-id", "team-b", "--allow-mass-delete"]);
    assert_eq!(run.code, 0, "{run}");
    let deleted: BTreeSet<String> = deletion_order(&run).into_iter().collect();
    assert_eq!(deleted, b, "{run}");
    assert_eq!(owned(&emulator, "team-b").await, BTreeSet::new());
    assert!(emulator.cluster("team-b-demo").await.is_none());

    // team-a: untouched, and its plan is still empty.
    assert_eq!(owned(&emulator, "team-a").await, a);
    assert!(emulator.cluster(CLUSTER).await.is_some());
    assert_nothing_to_do_for(&emulator, &team_a, "team-a");
    // The empty directory seen as team-a: only team-a's resources.
    let empty = pass(&emulator, &team_b, &["--owner-id", "team-a", "--dry-run"]);
    assert_eq!(addresses(&empty.json()["not_declared"]), a, "{empty}");
}

#[tokio::test]
async fn a_dry_run_as_one_owner_lists_nothing_of_another() {
    let emulator = Emulator::start();
    let team_b = DesiredDir::platform();
    let b = converged(&emulator, &team_b, "team-b").await;

    // team-a declares nothing and may delete everything it owns: it owns nothing, and team-b's resources
    // (same addresses, other owner id) are neither listed nor deleted.
    let team_a = DesiredDir::new();
    let dry = pass(&emulator, &team_a, &["--owner-id", "team-a", "--dry-run", "--allow-mass-delete"]);
    assert_eq!(dry.code, 0, "{dry}");
    let json = dry.json();
    for key in ["actions", "conflicts", "not_declared"] {
        assert_eq!(json[key].as_array().unwrap().len(), 0, "{key}: {dry}");
    }
    let run = pass(&emulator, &team_a, &["--owner-id", "team-a", "--allow-mass-delete"]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(owned(&emulator, "team-b").await, b);
}

// ---------------------------------------------------------------------------------------------------------
// Resources that are not ours

/// An untagged VPC, security group, ECS cluster and service (with its task definition), made by hand.
struct Unmanaged {
    vpc_id: String,
    group_id: String,
    task_definition: String,
    rules: String,
}

const THEIR_CLUSTER: &str = "someone-elses";
const THEIR_SERVICE: &str = "someone-elses-app";

impl Unmanaged {
    async fn create(emulator: &Emulator) -> Unmanaged {
        use aws_sdk_ecs::types::ContainerDefinition;
        let ec2 = emulator.ec2().await;
        let ecs = emulator.ecs().await;
        let vpc = ec2.create_vpc().cidr_block("10.9.0.0/16").send().await.unwrap();
        let vpc_id = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
        let group = ec2
            .create_security_group()
            .group_name("someone-elses-group")
            .description("not the reconciler's")
            .vpc_id(&vpc_id)
            .send()
            .await
            .unwrap();
        let group_id = group.group_id().unwrap().to_string();
        ecs.create_cluster().cluster_name(THEIR_CLUSTER).send().await.unwrap();
        let definition = ecs
            .register_task_definition()
            .family(THEIR_SERVICE)
            .container_definitions(ContainerDefinition::builder().name("app").image("nginx:latest").memory(128).build())
            .send()
            .await
            .unwrap();
        let task_definition = definition.task_definition().unwrap().task_definition_arn().unwrap().to_string();
        ecs.create_service()
            .cluster(THEIR_CLUSTER)
            .service_name(THEIR_SERVICE)
            .task_definition(&task_definition)
            .desired_count(2)
            .send()
            .await
            .unwrap();
        let mut unmanaged = Unmanaged { vpc_id, group_id, task_definition, rules: String::new() };
        unmanaged.rules = unmanaged.group(emulator).await;
        unmanaged
    }

    /// The security group's rules and tags, as text to compare.
    async fn group(&self, emulator: &Emulator) -> String {
        let out = emulator.ec2().await.describe_security_groups().group_ids(&self.group_id).send().await.unwrap();
        let group = &out.security_groups()[0];
        format!(
            "{:?} {:?} {:?} {:?} {:?}",
            group.group_name(),
            group.vpc_id(),
            group.ip_permissions(),
            group.ip_permissions_egress(),
            group.tags()
        )
    }

    /// All four are still there, as they were made.
    async fn assert_untouched(&self, emulator: &Emulator, after: &str) {
        let ec2 = emulator.ec2().await;
        let vpcs = ec2.describe_vpcs().vpc_ids(&self.vpc_id).send().await.unwrap();
        let vpc = vpcs.vpcs().first().unwrap_or_else(|| panic!("after {after}: the VPC is gone"));
        assert_eq!(vpc.cidr_block(), Some("10.9.0.0/16"), "after {after}");
        assert_eq!(vpc.state().map(|s| s.as_str()), Some("available"), "after {after}");
        assert!(vpc.tags().is_empty(), "after {after}: {:?}", vpc.tags());
        assert_eq!(self.group(emulator).await, self.rules, "after {after}: the security group changed");
        let cluster =
            emulator.cluster(THEIR_CLUSTER).await.unwrap_or_else(|| panic!("after {after}: the cluster is gone"));
        assert!(cluster.tags().is_empty(), "after {after}: {:?}", cluster.tags());
        let service = emulator
            .ecs_service(THEIR_CLUSTER, THEIR_SERVICE)
            .await
            .unwrap_or_else(|| panic!("after {after}: the service is gone"));
        assert_eq!(service.task_definition(), Some(self.task_definition.as_str()), "after {after}");
        assert_eq!(service.desired_count(), 2, "after {after}");
        assert!(service.tags().is_empty(), "after {after}: {:?}", service.tags());
        assert_eq!(
            active_revisions(emulator, THEIR_SERVICE).await,
            vec![self.task_definition.clone()],
            "after {after}"
        );
    }
}

#[tokio::test]
async fn resources_that_are_not_ours_survive_converge_prune_guard_and_destroy() {
    let emulator = Emulator::start();
    let theirs = Unmanaged::create(&emulator).await;
    let desired = DesiredDir::workshop();

    let before = converged(&emulator, &desired, "default").await;
    theirs.assert_untouched(&emulator, "a converge").await;

    remove(&desired, "nodejs.toml");
    let run = pass(&emulator, &desired, &[]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(deletion_order(&run).into_iter().collect::<BTreeSet<_>>(), set(&NODEJS), "{run}");
    theirs.assert_untouched(&emulator, "a prune").await;

    let run = pass(&emulator, &DesiredDir::new(), &[]);
    assert_eq!(run.code, 1, "{run}");
    assert!(!addresses(&run.json()["not_declared"]).iter().any(|a| a.contains("someone")), "{run}");
    theirs.assert_untouched(&emulator, "an empty directory").await;

    restore(&desired, "nodejs.toml");
    let run = pass(&emulator, &desired, &[]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(everything(&emulator, "default").await, before);
    let run = destroy(&emulator, &desired, &["--yes", "--output", "json"]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(deletion_order(&run).len(), before.len(), "{run}");
    assert_eq!(everything(&emulator, "default").await, BTreeSet::new());
    theirs.assert_untouched(&emulator, "a destroy").await;
}

// ---------------------------------------------------------------------------------------------------------
// reconciler destroy

#[tokio::test]
async fn destroy_refuses_without_confirmation_shows_with_dry_run_and_deletes_everything_with_yes() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let before = converged(&emulator, &desired, "default").await;

    // No terminal on stdin and no --yes: nobody to ask, so nothing happens.
    let refused = destroy(&emulator, &desired, &[]);
    assert_eq!(refused.code, 1, "{refused}");
    assert!(refused.stderr.contains("refusing to destroy without confirmation"), "{refused}");
    assert!(refused.stdout.contains(&format!("{} to delete", before.len())), "the plan is shown: {refused}");
    assert_eq!(everything(&emulator, "default").await, before, "nothing deleted");

    // --dry-run: every resource the workshop declares, as a deletion.
    let dry = destroy(&emulator, &desired, &["--dry-run", "--output", "json"]);
    assert_eq!(dry.code, 0, "{dry}");
    let json = dry.json();
    assert!(json.get("apply").is_none(), "{dry}");
    assert_eq!(json["summary"]["delete"], before.len(), "{dry}");
    let actions = json["actions"].as_array().unwrap();
    assert_eq!(actions.len(), before.len(), "{dry}");
    assert!(actions.iter().all(|a| a["action"] == "delete"), "{dry}");
    assert_eq!(addresses(&json["actions"]), before, "{dry}");
    assert_eq!(everything(&emulator, "default").await, before, "nothing deleted");

    // --yes: all of it, dependents first.
    let run = destroy(&emulator, &desired, &["--yes", "--output", "json"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stderr.contains(&format!("Destroy: {} deleted, 0 failed, 0 skipped", before.len())), "{run}");
    let order = deletion_order(&run);
    assert_eq!(order.iter().cloned().collect::<BTreeSet<_>>(), before, "{run}");
    let services = ["service.ecsdemo-frontend", "service.ecsdemo-nodejs", "service.ecsdemo-crystal"];
    for service in services {
        ran_before(&order, service, &["cluster.container-demo", "security_group.services", "subnet.main/private-1"]);
    }
    ran_before(
        &order,
        "service.ecsdemo-frontend",
        &["target_group.ecsdemo-frontend", "discovery_service.ecsdemo-frontend"],
    );
    ran_before(
        &order,
        "service.ecsdemo-nodejs",
        &["discovery_service.ecsdemo-nodejs", "task_definition.ecsdemo-nodejs"],
    );
    ran_before(
        &order,
        "listener.ecsdemo-frontend",
        &["load_balancer.ecsdemo-frontend", "target_group.ecsdemo-frontend"],
    );
    ran_before(
        &order,
        "load_balancer.ecsdemo-frontend",
        &["subnet.main/public-1", "security_group.ecsdemo-frontend/lb"],
    );
    ran_before(&order, "discovery_service.ecsdemo-crystal", &["namespace.service"]);
    ran_before(&order, "namespace.service", &["vpc.main"]);
    ran_before(&order, "instance.loadtest", &["instance_profile.loadtest", "subnet.main/private-1"]);
    ran_before(&order, "instance_profile.loadtest", &["role.loadtest"]);
    ran_before(&order, "nat_gateway.main/nat-1", &["elastic_ip.main/nat-1", "subnet.main/public-1"]);
    ran_before(&order, "subnet.main/public-1", &["vpc.main"]);
    ran_before(&order, "internet_gateway.main/igw", &["vpc.main"]);
    ran_before(&order, "scaling_policy.ecsdemo-frontend/ecsdemo-frontend-cpu", &["scalable_target.ecsdemo-frontend"]);

    // Nothing of ours is left, kind by kind.
    assert_eq!(everything(&emulator, "default").await, BTreeSet::new());
    let ec2 = emulator.ec2().await;
    let ours = || aws_sdk_ec2::types::Filter::builder().name("tag:reconciler:owner").values("default").build();
    assert!(ec2.describe_vpcs().filters(ours()).send().await.unwrap().vpcs().is_empty());
    assert!(ec2.describe_subnets().filters(ours()).send().await.unwrap().subnets().is_empty());
    assert!(ec2.describe_addresses().filters(ours()).send().await.unwrap().addresses().is_empty());
    let nats = ec2.describe_nat_gateways().filter(ours()).send().await.unwrap();
    assert!(
        nats.nat_gateways().iter().all(|n| n.state().map(|s| s.as_str()) == Some("deleted")),
        "{:?}",
        nats.nat_gateways()
    );
    let instances = ec2.describe_instances().filters(ours()).send().await.unwrap();
    for instance in instances.reservations().iter().flat_map(|r| r.instances()) {
        assert_eq!(instance.state().and_then(|s| s.name()).map(|n| n.as_str()), Some("terminated"), "{instance:?}");
    }
    assert!(emulator.cluster(CLUSTER).await.is_none());
    for service in ["ecsdemo-frontend", "ecsdemo-nodejs", "ecsdemo-crystal"] {
        assert!(emulator.ecs_service(CLUSTER, service).await.is_none(), "{service}");
        assert_eq!(active_revisions(&emulator, service).await, Vec::<String>::new(), "{service}");
    }
    let elb = emulator.elbv2().await;
    assert!(elb.describe_load_balancers().send().await.unwrap().load_balancers().is_empty());
    assert!(elb.describe_target_groups().send().await.unwrap().target_groups().is_empty());
    let sd = emulator.servicediscovery().await;
    assert!(sd.list_namespaces().send().await.unwrap().namespaces().is_empty());
    assert!(sd.list_services().send().await.unwrap().services().is_empty());
    let iam = emulator.iam().await;
    for role in ["ecsdemo-task-execution", "ecsdemo-loadtest"] {
        assert!(iam.get_role().role_name(role).send().await.is_err(), "{role} is gone");
    }
    assert_eq!(log_group_names(&emulator, "/ecs/").await, BTreeSet::new());

    // The next pass creates everything again.
    let again = pass(&emulator, &desired, &["--dry-run"]);
    let json = again.json();
    let actions = json["actions"].as_array().unwrap();
    assert!(actions.iter().all(|a| a["action"] == "create"), "{again}");
    assert_eq!(addresses(&json["actions"]), before, "{again}");
    assert_eq!(json["not_declared"].as_array().unwrap().len(), 0, "{again}");
    assert_eq!(json["conflicts"].as_array().unwrap().len(), 0, "{again}");
}

// ---------------------------------------------------------------------------------------------------------
// Retain and adopt

async fn log_group_tags(emulator: &Emulator, name: &str) -> Option<std::collections::BTreeMap<String, String>> {
    let logs = emulator.logs().await;
    let out = logs.describe_log_groups().log_group_name_prefix(name).send().await.unwrap();
    let group = out.log_groups().iter().find(|g| g.log_group_name() == Some(name))?;
    let arn = group
        .log_group_arn()
        .map(str::to_string)
        .unwrap_or_else(|| group.arn().unwrap().trim_end_matches(":*").to_string());
    let tags = logs.list_tags_for_resource().resource_arn(arn).send().await.unwrap();
    Some(tags.tags().map(|t| t.clone().into_iter().collect()).unwrap_or_default())
}

#[tokio::test]
async fn a_retained_resource_stays_when_its_declaration_goes_and_is_no_longer_ours() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    edit(&desired, "nodejs.toml", "[log_group.nodejs]\n", "[log_group.nodejs]\ndeletion_policy = \"retain\"\n");
    converged(&emulator, &desired, "default").await;
    let tags = log_group_tags(&emulator, "/ecs/ecsdemo-nodejs").await.expect("created");
    assert_eq!(tags.get("reconciler:deletion-policy").map(String::as_str), Some("retain"), "{tags:?}");

    remove(&desired, "nodejs.toml");
    let plan = dry_run_with_changes(&emulator, &desired);
    let release: Vec<&str> = plan.iter().filter(|p| p.action == "release").map(|p| p.address.as_str()).collect();
    assert_eq!(release, ["log_group.nodejs"], "{plan:#?}");
    let deleted: BTreeSet<&str> = plan.iter().filter(|p| p.action == "delete").map(|p| p.address.as_str()).collect();
    assert_eq!(
        deleted,
        ["service.ecsdemo-nodejs", "task_definition.ecsdemo-nodejs", "discovery_service.ecsdemo-nodejs"].into(),
        "{plan:#?}"
    );
    let text = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--dry-run"]);
    assert!(text.stdout.contains(" ~> log_group.nodejs"), "{text}");
    assert!(text.stdout.contains("1 to release"), "{text}");

    apply_as_planned(&emulator, &desired, &plan);
    let tags = log_group_tags(&emulator, "/ecs/ecsdemo-nodejs").await.expect("the retained group is still there");
    assert!(tags.keys().all(|k| !k.starts_with("reconciler:")), "no longer ours: {tags:?}");
    assert_eq!(tags.get("Project").map(String::as_str), Some("ecsdemo"), "its other tags stay");
    // Not ours any more: nothing plans to touch it, nor reports it.
    assert_nothing_to_do(&emulator, &desired);
}

#[tokio::test]
async fn adopt_takes_over_a_cluster_and_a_service_made_beforehand_and_without_it_they_are_conflicts() {
    let emulator = Emulator::start();
    let ecs = emulator.ecs().await;
    ecs.create_cluster().cluster_name(CLUSTER).send().await.unwrap();
    let container = aws_sdk_ecs::types::ContainerDefinition::builder().name("x").image("nginx").memory(128).build();
    let handmade = ecs.register_task_definition().family("handmade").container_definitions(container).send().await;
    let handmade = handmade.unwrap().task_definition().unwrap().task_definition_arn().unwrap().to_string();
    let made = ecs
        .create_service()
        .cluster(CLUSTER)
        .service_name("ecsdemo-nodejs")
        .task_definition(&handmade)
        .desired_count(2)
        .send()
        .await
        .unwrap();
    let service_arn = made.service().unwrap().service_arn().unwrap().to_string();
    let cluster_arn = emulator.cluster(CLUSTER).await.unwrap().cluster_arn().unwrap().to_string();

    // Without adopt: a conflict, never touched.
    let desired = DesiredDir::workshop();
    let run = pass(&emulator, &desired, &["--dry-run"]);
    assert_eq!(run.code, 1, "{run}");
    let conflicts = addresses(&run.json()["conflicts"]);
    assert!(conflicts.contains("cluster.container-demo"), "{run}");
    let applied = pass(&emulator, &desired, &[]);
    assert_eq!(applied.code, 1, "{applied}");
    let cluster = emulator.cluster(CLUSTER).await.unwrap();
    assert!(cluster.tags().is_empty(), "the cluster made by hand is untouched: {cluster:?}");

    // With adopt: the same cluster and service become ours (same ARNs, tagged, converged).
    edit(&desired, "platform.toml", "[cluster.container-demo]\n", "[cluster.container-demo]\nadopt = true\n");
    edit(&desired, "nodejs.toml", "cluster = \"container-demo\"\n", "cluster = \"container-demo\"\nadopt = true\n");
    let plan = dry_run_with_changes(&emulator, &desired);
    assert_eq!(reconciler_tests::plans::action(&plan, "cluster.container-demo").action, "adopt", "{plan:#?}");
    // The service is in a cluster that is not ours yet: it is read with the cluster being adopted, and adopted
    // in the same pass. Its task definition, of another family, is not what the file says: it is left alone, and
    // the service moves to ours (registered by the pass above).
    let adopt = reconciler_tests::plans::action(&plan, "service.ecsdemo-nodejs");
    assert_eq!(adopt.action, "adopt", "{plan:#?}");
    assert!(adopt.fields.contains(&"desired_count".to_string()), "{adopt:?}");
    assert!(adopt.fields.contains(&"task_definition".to_string()), "{adopt:?}");
    let first = pass(&emulator, &desired, &[]);
    assert_eq!(first.code, 0, "{first}");
    assert_eq!(emulator.cluster(CLUSTER).await.unwrap().cluster_arn(), Some(cluster_arn.as_str()));
    let service = emulator.ecs_service(CLUSTER, "ecsdemo-nodejs").await.unwrap();
    assert_eq!(service.service_arn(), Some(service_arn.as_str()), "the same service, not a new one");
    assert_eq!(service.desired_count(), 1);
    assert!(service.tags().iter().any(|t| t.key() == Some("reconciler:resource")), "{service:?}");
    assert_nothing_to_do(&emulator, &desired);
}
