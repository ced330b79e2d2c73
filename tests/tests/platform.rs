//! The platform layer end to end: the real binary against a moto server, on the shipped config/platform.toml.

use aws_sdk_ec2::types::Filter;
use reconciler_tests::{DesiredDir, Emulator, Run, run_reconciler};

const MANAGED: &str = "tag:reconciler:managed-by";

fn ours() -> Filter {
    Filter::builder().name(MANAGED).values("reconciler").build()
}

/// Converges the workshop platform and checks the pass succeeded.
fn converge(emulator: &Emulator, desired: &DesiredDir) {
    let run = emulator.reconciler(&["--config-dir", desired.arg(), "--once"]);
    assert_eq!(run.code, 0, "{run}");
}

#[tokio::test]
async fn converges_the_workshop_platform_from_empty_and_a_second_pass_changes_nothing() {
    let emulator = Emulator::start();
    let desired = DesiredDir::platform();

    let first = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--output", "json"]);
    assert_eq!(first.code, 0, "{first}");
    assert_eq!(applied(&first), (18, 0, 0), "{first}");
    let (_, mutating) = first.api_calls();
    assert!(mutating > 0, "{first}");

    // What a user would check in the console.
    let ec2 = emulator.ec2().await;
    let vpcs = ec2.describe_vpcs().filters(ours()).send().await.unwrap();
    assert_eq!(vpcs.vpcs().len(), 1);
    assert_eq!(vpcs.vpcs()[0].cidr_block(), Some("10.0.0.0/24"));
    let subnets = ec2.describe_subnets().filters(ours()).send().await.unwrap();
    let mut cidrs: Vec<&str> = subnets.subnets().iter().filter_map(|s| s.cidr_block()).collect();
    cidrs.sort();
    assert_eq!(
        cidrs,
        ["10.0.0.0/27", "10.0.0.128/27", "10.0.0.160/27", "10.0.0.32/27", "10.0.0.64/27", "10.0.0.96/27"]
    );
    let zones: std::collections::BTreeSet<&str> =
        subnets.subnets().iter().filter_map(|s| s.availability_zone()).collect();
    assert_eq!(zones.len(), 3, "subnets spread over three zones");
    let nats = ec2.describe_nat_gateways().filter(ours()).send().await.unwrap();
    assert_eq!(nats.nat_gateways().len(), 1);
    let groups = ec2.describe_security_groups().filters(ours()).send().await.unwrap();
    let group = &groups.security_groups()[0];
    assert_eq!(group.group_name(), Some("services"));
    let ingress = &group.ip_permissions()[0];
    assert_eq!((ingress.ip_protocol(), ingress.from_port(), ingress.to_port()), (Some("tcp"), Some(3000), Some(3000)));
    assert_eq!(ingress.user_id_group_pairs()[0].group_id(), group.group_id(), "port 3000 from itself");

    let cluster = emulator.cluster("container-demo").await.expect("the cluster exists");
    assert_eq!(cluster.settings()[0].value(), Some("enabled"));
    assert!(
        cluster
            .tags()
            .iter()
            .any(|t| t.key() == Some("reconciler:resource") && t.value() == Some("cluster.container-demo"))
    );
    let namespaces = emulator.servicediscovery().await.list_namespaces().send().await.unwrap();
    assert!(namespaces.namespaces().iter().any(|n| n.name() == Some("service.local")));

    let second =
        emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--detailed-exitcode", "--output", "json"]);
    assert_eq!(second.code, 0, "{second}");
    assert_eq!(second.json()["changes"], false, "{second}");
    let (calls, mutating) = second.api_calls();
    assert_eq!(mutating, 0, "{second}");
    assert!(calls > 0);
}

#[tokio::test]
async fn dry_run_on_an_empty_account_lists_every_resource_and_changes_nothing() {
    let emulator = Emulator::start();
    let desired = DesiredDir::platform();

    let run = emulator.reconciler(&[
        "--config-dir",
        desired.arg(),
        "--once",
        "--dry-run",
        "--output",
        "json",
        "--detailed-exitcode",
    ]);
    assert_eq!(run.code, 2, "changes pending: {run}");
    let plan = run.json();
    assert_eq!(plan["pass"]["mutating_api_calls"], 0);
    let addresses: Vec<&str> =
        plan["actions"].as_array().unwrap().iter().map(|a| a["address"].as_str().unwrap()).collect();
    for expected in [
        "vpc.main",
        "internet_gateway.main/igw",
        "subnet.main/public-1",
        "subnet.main/private-3",
        "elastic_ip.main/nat-1",
        "nat_gateway.main/nat-1",
        "route_table.main/public",
        "route_table.main/private-1",
        "security_group.services",
        "cluster.container-demo",
        "namespace.service",
    ] {
        assert!(addresses.contains(&expected), "{expected} missing from {addresses:?}");
    }
    assert_eq!(addresses.len(), 18);
    assert!(plan["actions"].as_array().unwrap().iter().all(|a| a["action"] == "create"));
    let position = |a: &str| addresses.iter().position(|x| *x == a).unwrap();
    assert!(position("vpc.main") < position("subnet.main/public-1"));
    assert!(position("subnet.main/public-1") < position("nat_gateway.main/nat-1"));
    assert!(position("nat_gateway.main/nat-1") < position("route_table.main/private-1"));

    // Nothing was created.
    let vpcs = emulator.ec2().await.describe_vpcs().filters(ours()).send().await.unwrap();
    assert!(vpcs.vpcs().is_empty());
    let clusters = emulator.ecs().await.list_clusters().send().await.unwrap();
    assert!(clusters.cluster_arns().is_empty());

    // The text form reads like Terraform's.
    let text = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--dry-run"]);
    assert_eq!(text.code, 0, "{text}");
    assert!(text.stdout.contains("  + vpc.main\n"), "{text}");
    assert!(text.stdout.contains("Plan: 18 to add, 0 to change, 0 to replace."), "{text}");
    assert_eq!(text.api_calls().1, 0);
}

/// Finds one of our resources' ids by its address tag.
fn by_address(address: &str) -> Filter {
    Filter::builder().name("tag:reconciler:resource").values(address).build()
}

/// The dry run's actions as (address, action, changed fields).
fn planned(run: &reconciler_tests::Run) -> Vec<(String, String, Vec<String>)> {
    run.json()["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["address"].as_str().unwrap().to_string(),
                a["action"].as_str().unwrap().to_string(),
                a["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap().to_string()).collect(),
            )
        })
        .collect()
}

/// Shows the drift in a dry run, repairs it in a pass, and checks the pass after that is clean.
fn expect_repair(emulator: &Emulator, desired: &DesiredDir, address: &str, field: &str) {
    let dry = emulator.reconciler(&[
        "--config-dir",
        desired.arg(),
        "--once",
        "--dry-run",
        "--output",
        "json",
        "--detailed-exitcode",
    ]);
    assert_eq!(dry.code, 2, "{dry}");
    assert_eq!(planned(&dry), vec![(address.to_string(), "update".to_string(), vec![field.to_string()])], "{dry}");
    assert_eq!(dry.api_calls().1, 0);

    let repair = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--output", "json"]);
    assert_eq!(repair.code, 0, "{repair}");
    assert_eq!(applied(&repair), (1, 0, 0), "{repair}");

    let after = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--dry-run", "--detailed-exitcode"]);
    assert_eq!(after.code, 0, "{after}");
}

#[tokio::test]
async fn a_revoked_ingress_rule_is_shown_and_restored() {
    let emulator = Emulator::start();
    let desired = DesiredDir::platform();
    converge(&emulator, &desired);

    let ec2 = emulator.ec2().await;
    let group = ec2.describe_security_groups().filters(by_address("security_group.services")).send().await.unwrap();
    let group = &group.security_groups()[0];
    ec2.revoke_security_group_ingress()
        .group_id(group.group_id().unwrap())
        .set_ip_permissions(Some(group.ip_permissions().to_vec()))
        .send()
        .await
        .unwrap();

    expect_repair(&emulator, &desired, "security_group.services", "ingress");
    let group = ec2.describe_security_groups().group_ids(group.group_id().unwrap()).send().await.unwrap();
    assert_eq!(group.security_groups()[0].ip_permissions()[0].from_port(), Some(3000));
}

#[tokio::test]
async fn container_insights_turned_off_is_turned_back_on() {
    let emulator = Emulator::start();
    let desired = DesiredDir::platform();
    converge(&emulator, &desired);

    let ecs = emulator.ecs().await;
    let setting = |value: &str| {
        aws_sdk_ecs::types::ClusterSetting::builder()
            .name(aws_sdk_ecs::types::ClusterSettingName::ContainerInsights)
            .value(value)
            .build()
    };
    ecs.update_cluster().cluster("container-demo").settings(setting("disabled")).send().await.unwrap();

    expect_repair(&emulator, &desired, "cluster.container-demo", "container_insights");
    let cluster = emulator.cluster("container-demo").await.expect("the cluster exists");
    assert_eq!(cluster.settings()[0].value(), Some("enabled"));
}

#[tokio::test]
async fn a_deleted_route_is_recreated() {
    let emulator = Emulator::start();
    let desired = DesiredDir::platform();
    converge(&emulator, &desired);

    let ec2 = emulator.ec2().await;
    let tables = ec2.describe_route_tables().filters(by_address("route_table.main/private-2")).send().await.unwrap();
    let table_id = tables.route_tables()[0].route_table_id().unwrap().to_string();
    ec2.delete_route().route_table_id(&table_id).destination_cidr_block("0.0.0.0/0").send().await.unwrap();

    expect_repair(&emulator, &desired, "route_table.main/private-2", "routes");
    let tables = ec2.describe_route_tables().route_table_ids(&table_id).send().await.unwrap();
    let route = tables.route_tables()[0].routes().iter().find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"));
    assert!(route.and_then(|r| r.nat_gateway_id()).is_some_and(|n| n.starts_with("nat-")), "{tables:?}");
}

#[tokio::test]
async fn a_changed_declared_tag_is_set_back() {
    let emulator = Emulator::start();
    let desired = DesiredDir::platform();
    converge(&emulator, &desired);

    let ec2 = emulator.ec2().await;
    let vpcs = ec2.describe_vpcs().filters(by_address("vpc.main")).send().await.unwrap();
    let vpc_id = vpcs.vpcs()[0].vpc_id().unwrap().to_string();
    let tag = |value: &str| aws_sdk_ec2::types::Tag::builder().key("Project").value(value).build();
    // A tag someone else adds is theirs: not drift.
    let extra = aws_sdk_ec2::types::Tag::builder().key("CostCenter").value("42").build();
    ec2.create_tags().resources(&vpc_id).tags(tag("hijacked")).tags(extra).send().await.unwrap();

    expect_repair(&emulator, &desired, "vpc.main", "tags.Project");
    let vpcs = ec2.describe_vpcs().vpc_ids(&vpc_id).send().await.unwrap();
    let tags = vpcs.vpcs()[0].tags();
    assert!(tags.iter().any(|t| t.key() == Some("Project") && t.value() == Some("ecsdemo")));
    assert!(tags.iter().any(|t| t.key() == Some("CostCenter") && t.value() == Some("42")), "others' tags kept");
}

#[tokio::test]
async fn an_untagged_cluster_and_namespace_with_our_names_are_left_untouched() {
    let emulator = Emulator::start();
    let desired = DesiredDir::platform();

    // Made by hand before the reconciler ever ran: same names, no tags, Container Insights off.
    let ecs = emulator.ecs().await;
    ecs.create_cluster().cluster_name("container-demo").send().await.unwrap();
    let ec2 = emulator.ec2().await;
    let vpc = ec2.create_vpc().cidr_block("10.9.0.0/16").send().await.unwrap();
    let vpc_id = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    let sd = emulator.servicediscovery().await;
    sd.create_private_dns_namespace().name("service.local").vpc(&vpc_id).send().await.unwrap();

    let run = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--output", "json"]);
    assert_eq!(run.code, 1, "conflicts are errors: {run}");
    let conflicts: Vec<String> = run.json()["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(conflicts, ["cluster.container-demo", "namespace.service"], "{run}");
    assert_eq!(applied(&run), (16, 0, 0), "the rest converges: {run}");

    let cluster = emulator.cluster("container-demo").await.expect("the cluster exists");
    assert!(cluster.tags().is_empty(), "not tagged: {cluster:?}");
    assert!(cluster.settings().iter().all(|s| s.value() != Some("enabled")), "settings untouched: {cluster:?}");
    let namespaces = sd.list_namespaces().send().await.unwrap();
    let ours: Vec<_> = namespaces.namespaces().iter().filter(|n| n.name() == Some("service.local")).collect();
    assert_eq!(ours.len(), 1, "no second namespace created");
    let tags = sd.list_tags_for_resource().resource_arn(ours[0].arn().unwrap()).send().await.unwrap();
    assert!(tags.tags().is_empty());

    // The next pass still reports, still does not touch.
    let again = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--dry-run", "--output", "json"]);
    assert_eq!(again.code, 1, "{again}");
    let plan = again.json();
    let conflicts: Vec<&str> =
        plan["conflicts"].as_array().unwrap().iter().map(|c| c["address"].as_str().unwrap()).collect();
    assert_eq!(conflicts, ["cluster.container-demo", "namespace.service"]);
}

#[test]
fn an_invalid_file_fails_the_run_before_any_aws_call() {
    // A listener that records any connection: the run must not make a single AWS call.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());

    let desired = DesiredDir::platform();
    desired.write("broken.toml", "[cluster.extra]\ncontainer_insights = \"yes\"\n");
    let run = run_reconciler(&endpoint, &["--config-dir", desired.arg(), "--once"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("broken.toml:2:22: cluster.extra.container_insights: "), "{run}");
    assert!(run.stderr.contains("nothing was changed"), "{run}");
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the reconciler connected to AWS"
    );
}

#[test]
fn validate_lists_every_problem_with_its_location() {
    let desired = DesiredDir::new();
    desired.write("a.toml", "[vpc.main]\ncidr = \"10.0.0.0/33\"\n");
    desired.write("b.toml", "[security_group.web]\nvpc = \"nope\"\ndescription = \"web\"\n");
    let run = run_reconciler("http://127.0.0.1:9", &["validate", "--config-dir", desired.arg()]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("a.toml:2:8: vpc.main.cidr:"), "{run}");
    assert!(run.stderr.contains("b.toml:2:7: security_group.web.vpc:"), "{run}");

    let shipped = run_reconciler("http://127.0.0.1:9", &["validate", "--config-dir", "config"]);
    assert_eq!(shipped.code, 0, "{shipped}");
}

#[tokio::test]
async fn a_failed_action_stops_only_its_dependents_and_the_next_pass_converges() {
    let emulator = Emulator::start();
    let desired = DesiredDir::platform();
    let proxy = reconciler_tests::fault_proxy::FaultProxy::start(emulator.port(), "Action=CreateNatGateway");

    let run = run_reconciler(&proxy.endpoint(), &["--config-dir", desired.arg(), "--once", "--output", "json"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(proxy.injected() >= 1);
    let outcomes = run.json()["apply"]["outcomes"].as_array().unwrap().clone();
    let outcome = |address: &str| {
        let o = outcomes.iter().find(|o| o["address"] == address).unwrap_or_else(|| panic!("{address}: {run}"));
        o["outcome"].as_str().unwrap().to_string()
    };
    assert_eq!(outcome("nat_gateway.main/nat-1"), "failed");
    for dependent in ["route_table.main/private-1", "route_table.main/private-2", "route_table.main/private-3"] {
        assert_eq!(outcome(dependent), "skipped", "{dependent} routes through the NAT gateway");
    }
    for independent in
        ["route_table.main/public", "security_group.services", "cluster.container-demo", "namespace.service"]
    {
        assert_eq!(outcome(independent), "succeeded", "{independent} does not depend on the NAT gateway");
    }
    let failed = outcomes.iter().find(|o| o["address"] == "nat_gateway.main/nat-1").unwrap();
    assert!(failed["error"].as_str().unwrap().contains("EC2.CreateNatGateway: InvalidParameterValue"), "{failed}");

    // Without the fault, the next pass finishes the job, creating only what is missing.
    let next = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--output", "json"]);
    assert_eq!(next.code, 0, "{next}");
    assert_eq!(applied(&next), (4, 0, 0), "{next}");
    let clean = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--dry-run", "--detailed-exitcode"]);
    assert_eq!(clean.code, 0, "{clean}");
    let nats = emulator.ec2().await.describe_nat_gateways().filter(ours()).send().await.unwrap();
    assert_eq!(nats.nat_gateways().len(), 1, "exactly one NAT gateway");
}

#[tokio::test]
async fn a_field_aws_cannot_change_replaces_the_resource_and_says_why() {
    let emulator = Emulator::start();
    let desired = DesiredDir::platform();
    converge(&emulator, &desired);
    let ec2 = emulator.ec2().await;
    let old = ec2.describe_security_groups().filters(by_address("security_group.services")).send().await.unwrap();
    let old_id = old.security_groups()[0].group_id().unwrap().to_string();

    let file = desired.path().join("platform.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("description = \"frontend to backend\"", "description = \"services mesh\""))
        .unwrap();

    let dry = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--dry-run", "--output", "json"]);
    let plan = dry.json();
    let action = &plan["actions"][0];
    assert_eq!(plan["actions"].as_array().unwrap().len(), 1, "{dry}");
    assert_eq!(action["action"], "replace");
    assert!(action["reason"].as_str().unwrap().contains("description cannot be changed in place"), "{dry}");
    let change = action["changes"].as_array().unwrap().iter().find(|c| c["field"] == "description").unwrap();
    assert_eq!(
        (&change["before"], &change["after"], &change["forces_replacement"]),
        (&"frontend to backend".into(), &"services mesh".into(), &true.into())
    );
    let text_plan = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--dry-run"]);
    assert!(text_plan.stdout.contains("-/+ security_group.services"), "{text_plan}");

    let apply = emulator.reconciler(&["--config-dir", desired.arg(), "--once"]);
    assert_eq!(apply.code, 0, "{apply}");
    let groups = ec2.describe_security_groups().filters(by_address("security_group.services")).send().await.unwrap();
    assert_eq!(groups.security_groups().len(), 1, "the old group is gone, one new group");
    let group = &groups.security_groups()[0];
    assert_ne!(group.group_id().unwrap(), old_id);
    assert_eq!(group.description(), Some("services mesh"));
    assert_eq!(
        group.ip_permissions()[0].user_id_group_pairs()[0].group_id(),
        group.group_id(),
        "rule points at the new group"
    );
    let after = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--dry-run", "--detailed-exitcode"]);
    assert_eq!(after.code, 0, "{after}");
}

/// (succeeded, failed, skipped) of a `--output json` pass's apply report.
fn applied(run: &Run) -> (u64, u64, u64) {
    let apply = &run.json()["apply"];
    let count = |key: &str| apply[key].as_u64().unwrap_or_else(|| panic!("no apply.{key}: {run}"));
    (count("succeeded"), count("failed"), count("skipped"))
}
