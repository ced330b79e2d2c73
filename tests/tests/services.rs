//! The services layer end to end: the real binary against a moto server, on the shipped config/ (the whole ECS
//! workshop: three Fargate services, Cloud Map, an ALB, log groups, roles and the load-test host).
//!
//! Everything is checked the way a user would: through AWS (the SDK clients) and through the reconciler's JSON
//! output, never against hard-coded ids or counts.

use std::collections::BTreeSet;

use aws_sdk_ec2::types::Filter;
use aws_sdk_ecs::types::{TaskDefinitionField, TaskDefinitionStatus};
use reconciler_tests::plans::{Planned, action, apply_as_planned, converge, edit, pass, pending_dry_run, planned};
use reconciler_tests::{DesiredDir, Emulator, Run};

const CLUSTER: &str = "container-demo";
const SERVICES: [&str; 3] = ["ecsdemo-frontend", "ecsdemo-nodejs", "ecsdemo-crystal"];
const EXECUTION_ROLE: &str = "ecsdemo-task-execution";
const EXECUTION_POLICY: &str = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
const SSM_POLICY: &str = "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM";

// ---------------------------------------------------------------------------------------------------------
// Running the binary

/// A dry run that must find changes (see [`pending_dry_run`]), and must say in its report and its summary line
/// that it was a dry run with no mutating call. Returns its plan.
fn strict_dry_run(emulator: &Emulator, desired: &DesiredDir) -> Vec<Planned> {
    let dry = pending_dry_run(emulator, desired);
    assert_eq!(dry.json()["pass"]["dry_run"], true, "{dry}");
    assert_eq!(dry.api_calls().1, 0, "{dry}");
    planned(&dry)
}

/// Applies as the dry run showed (see [`apply_as_planned`]), then checks that the following dry run plans no
/// action. Returns the applying run.
fn repair_until_no_actions(emulator: &Emulator, desired: &DesiredDir, plan: &[Planned]) -> Run {
    let repair = apply_as_planned(emulator, desired, plan);
    let after = pass(emulator, desired, &["--dry-run", "--detailed-exitcode"]);
    assert_eq!(after.code, 0, "nothing left to do after the repair: {after}");
    assert_eq!(after.json()["actions"].as_array().unwrap().len(), 0, "{after}");
    repair
}

/// The id of the resource that `address` produced, from an apply report.
fn applied_id(run: &Run, address: &str) -> String {
    let json = run.json();
    let outcome = json["apply"]["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["address"] == address)
        .unwrap_or_else(|| panic!("{address} not applied: {run}"))
        .clone();
    assert_eq!(outcome["outcome"], "succeeded", "{run}");
    outcome["id"].as_str().unwrap().to_string()
}

// ---------------------------------------------------------------------------------------------------------
// Looking at AWS as a user would

fn by_address(address: &str) -> Filter {
    Filter::builder().name("tag:reconciler:resource").values(address).build()
}

fn has_tag<'a>(tags: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>, key: &str, value: &str) -> bool {
    tags.into_iter().any(|(k, v)| k == Some(key) && v == Some(value))
}

/// The subnet ids of `subnet.main/<prefix>-1..3`.
async fn subnet_ids(emulator: &Emulator, prefix: &str) -> BTreeSet<String> {
    let ec2 = emulator.ec2().await;
    let mut ids = BTreeSet::new();
    for i in 1..=3 {
        let out =
            ec2.describe_subnets().filters(by_address(&format!("subnet.main/{prefix}-{i}"))).send().await.unwrap();
        assert_eq!(out.subnets().len(), 1, "subnet.main/{prefix}-{i}");
        ids.insert(out.subnets()[0].subnet_id().unwrap().to_string());
    }
    ids
}

async fn security_group(emulator: &Emulator, address: &str) -> aws_sdk_ec2::types::SecurityGroup {
    let out = emulator.ec2().await.describe_security_groups().filters(by_address(address)).send().await.unwrap();
    assert_eq!(out.security_groups().len(), 1, "{address}: {out:?}");
    out.security_groups()[0].clone()
}

/// The ECS service in the workshop cluster, if it is active.
async fn ecs_service(emulator: &Emulator, name: &str) -> Option<aws_sdk_ecs::types::Service> {
    emulator.ecs_service(CLUSTER, name).await
}

async fn task_definition(
    emulator: &Emulator,
    reference: &str,
) -> (aws_sdk_ecs::types::TaskDefinition, Vec<aws_sdk_ecs::types::Tag>) {
    let out = emulator
        .ecs()
        .await
        .describe_task_definition()
        .task_definition(reference)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .unwrap();
    (out.task_definition().unwrap().clone(), out.tags().to_vec())
}

/// The task definition the service runs.
async fn running_definition(emulator: &Emulator, service: &str) -> aws_sdk_ecs::types::TaskDefinition {
    let service = ecs_service(emulator, service).await.unwrap_or_else(|| panic!("{service} is not active"));
    task_definition(emulator, service.task_definition().unwrap()).await.0
}

fn image_of(definition: &aws_sdk_ecs::types::TaskDefinition) -> &str {
    definition.container_definitions()[0].image().unwrap()
}

/// ARNs of the family's revisions with that status.
async fn revisions(emulator: &Emulator, family: &str, status: TaskDefinitionStatus) -> Vec<String> {
    let out = emulator.ecs().await.list_task_definitions().family_prefix(family).status(status).send().await.unwrap();
    out.task_definition_arns()
        .iter()
        .filter(|a| a.rsplit('/').next().and_then(|t| t.rsplit_once(':')).is_some_and(|(f, _)| f == family))
        .cloned()
        .collect()
}

/// Every revision of the family, active or not.
async fn all_revisions(emulator: &Emulator, family: &str) -> BTreeSet<String> {
    let mut all: BTreeSet<String> =
        revisions(emulator, family, TaskDefinitionStatus::Active).await.into_iter().collect();
    all.extend(revisions(emulator, family, TaskDefinitionStatus::Inactive).await);
    all
}

fn revision_number(arn: &str) -> u32 {
    arn.rsplit(':').next().unwrap().parse().unwrap()
}

/// Whether the reconciler registered that revision (it carries our ownership tag).
async fn registered_by_us(emulator: &Emulator, arn: &str) -> bool {
    let (_, tags) = task_definition(emulator, arn).await;
    has_tag(tags.iter().map(|t| (t.key(), t.value())), "reconciler:managed-by", "reconciler")
}

/// Registers a revision in `family` as someone else would: a copy of the one the service runs, another image,
/// no tags.
async fn register_foreign_revision(emulator: &Emulator, service: &str, image: &str) -> String {
    let current = running_definition(emulator, service).await;
    let mut container = current.container_definitions()[0].clone();
    container.image = Some(image.to_string());
    let out = emulator
        .ecs()
        .await
        .register_task_definition()
        .family(current.family().unwrap())
        .set_requires_compatibilities(Some(current.requires_compatibilities().to_vec()))
        .set_network_mode(current.network_mode().cloned())
        .set_cpu(current.cpu().map(str::to_string))
        .set_memory(current.memory().map(str::to_string))
        .set_execution_role_arn(current.execution_role_arn().map(str::to_string))
        .container_definitions(container)
        .send()
        .await
        .unwrap();
    out.task_definition().unwrap().task_definition_arn().unwrap().to_string()
}

/// The Cloud Map service of that name in the namespace `service.local`.
async fn discovery_service(emulator: &Emulator, name: &str) -> Option<aws_sdk_servicediscovery::types::Service> {
    let sd = emulator.servicediscovery().await;
    let namespaces = sd.list_namespaces().send().await.unwrap();
    let namespace = namespaces.namespaces().iter().find(|n| n.name() == Some("service.local"))?.id()?.to_string();
    // ListServices ignores filters on the emulator: filter here.
    let services = sd.list_services().send().await.unwrap();
    for summary in services.services() {
        if summary.name() != Some(name) {
            continue;
        }
        let service = sd.get_service().id(summary.id().unwrap()).send().await.unwrap();
        let service = service.service().unwrap().clone();
        if service.namespace_id() == Some(namespace.as_str()) {
            return Some(service);
        }
    }
    None
}

async fn load_balancer(emulator: &Emulator) -> aws_sdk_elasticloadbalancingv2::types::LoadBalancer {
    let out = emulator.elbv2().await.describe_load_balancers().names("ecsdemo-frontend").send().await.unwrap();
    assert_eq!(out.load_balancers().len(), 1, "{out:?}");
    out.load_balancers()[0].clone()
}

async fn target_group(emulator: &Emulator) -> aws_sdk_elasticloadbalancingv2::types::TargetGroup {
    let out = emulator.elbv2().await.describe_target_groups().names("ecsdemo-frontend").send().await.unwrap();
    assert_eq!(out.target_groups().len(), 1, "{out:?}");
    out.target_groups()[0].clone()
}

async fn retention(emulator: &Emulator, group: &str) -> Option<i32> {
    let out = emulator.logs().await.describe_log_groups().log_group_name_prefix(group).send().await.unwrap();
    let found = out.log_groups().iter().find(|g| g.log_group_name() == Some(group));
    found.unwrap_or_else(|| panic!("no log group {group}: {out:?}")).retention_in_days()
}

async fn attached_policies(emulator: &Emulator, role: &str) -> BTreeSet<String> {
    let out = emulator.iam().await.list_attached_role_policies().role_name(role).send().await.unwrap();
    out.attached_policies().iter().filter_map(|p| p.policy_arn()).map(str::to_string).collect()
}

/// `%XX` escapes decoded (IAM returns policy documents URL-encoded).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Standard base64 decoded (EC2 returns user data encoded).
fn base64_decode(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let value = ALPHABET.iter().position(|a| *a == c).unwrap_or_else(|| panic!("not base64: {text}"));
        buffer = (buffer << 6) | u32::try_from(value).unwrap();
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).unwrap());
        }
    }
    String::from_utf8(out).unwrap()
}

// ---------------------------------------------------------------------------------------------------------
// 1. From empty

#[tokio::test]
async fn converges_the_whole_workshop_from_empty() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();

    let dry = strict_dry_run(&emulator, &desired);
    let run = converge(&emulator, &desired);
    let json = run.json();
    assert_eq!(
        json["apply"]["succeeded"].as_u64().unwrap(),
        u64::try_from(dry.len()).unwrap(),
        "every planned action applied: {run}"
    );
    assert!(json["pass"]["mutating_api_calls"].as_u64().unwrap() > 0, "{run}");

    let private = subnet_ids(&emulator, "private").await;
    let public = subnet_ids(&emulator, "public").await;
    let services_group = security_group(&emulator, "security_group.services").await;
    let services_group_id = services_group.group_id().unwrap();
    let lb_group = security_group(&emulator, "security_group.ecsdemo-frontend/lb").await;
    let lb_group_id = lb_group.group_id().unwrap();

    // The execution role: trusted by ECS tasks, with the managed policy.
    let iam = emulator.iam().await;
    let role = iam.get_role().role_name(EXECUTION_ROLE).send().await.unwrap();
    let role = role.role().unwrap();
    let trust: serde_json::Value =
        serde_json::from_str(&percent_decode(role.assume_role_policy_document().unwrap())).unwrap();
    let statement = &trust["Statement"][0];
    assert_eq!(statement["Effect"], "Allow", "{trust}");
    assert_eq!(statement["Action"], "sts:AssumeRole", "{trust}");
    assert_eq!(statement["Principal"]["Service"], "ecs-tasks.amazonaws.com", "{trust}");
    assert!(attached_policies(&emulator, EXECUTION_ROLE).await.contains(EXECUTION_POLICY));

    // The log groups, kept 14 days.
    for service in SERVICES {
        assert_eq!(retention(&emulator, &format!("/ecs/{service}")).await, Some(14), "{service}");
    }

    // The three services.
    for name in SERVICES {
        let service = ecs_service(&emulator, name).await.unwrap_or_else(|| panic!("{name} is not active"));
        assert_eq!(service.desired_count(), 1, "{name}");
        assert_eq!(service.launch_type().map(|l| l.as_str()), Some("FARGATE"), "{name}");
        assert!(service.cluster_arn().unwrap().ends_with(&format!(":cluster/{CLUSTER}")), "{name}");
        let network = service.network_configuration().and_then(|n| n.awsvpc_configuration()).unwrap();
        let subnets: BTreeSet<String> = network.subnets().iter().cloned().collect();
        assert_eq!(subnets, private, "{name} runs in the private subnets");
        assert_eq!(network.security_groups(), [services_group_id.to_string()], "{name}");
        assert_ne!(network.assign_public_ip().map(|a| a.as_str()), Some("ENABLED"), "{name}");
        let tags = || service.tags().iter().map(|t| (t.key(), t.value()));
        assert!(has_tag(tags(), "Project", "ecsdemo"), "{name}: {:?}", service.tags());
        assert!(has_tag(tags(), "reconciler:resource", &format!("service.{name}")), "{name}");

        // Its task definition.
        let (definition, definition_tags) = task_definition(&emulator, service.task_definition().unwrap()).await;
        assert_eq!(definition.family(), Some(name));
        assert_eq!(definition.status().map(|s| s.as_str()), Some("ACTIVE"));
        assert_eq!(definition.network_mode().map(|m| m.as_str()), Some("awsvpc"));
        assert!(definition.requires_compatibilities().iter().any(|c| c.as_str() == "FARGATE"));
        assert_eq!((definition.cpu(), definition.memory()), (Some("256"), Some("512")), "{name}");
        assert_eq!(definition.execution_role_arn(), Some(role.arn()), "{name}");
        assert!(has_tag(definition_tags.iter().map(|t| (t.key(), t.value())), "Project", "ecsdemo"), "{name}");
        let container = &definition.container_definitions()[0];
        assert_eq!(container.name(), Some(name));
        assert_eq!(container.image(), Some(format!("brentley/{name}:latest").as_str()));
        assert_eq!(container.port_mappings()[0].container_port(), Some(3000), "{name}");
        let logs = container.log_configuration().unwrap_or_else(|| panic!("{name} has no log configuration"));
        assert_eq!(logs.log_driver().as_str(), "awslogs");
        let options = logs.options().unwrap();
        assert_eq!(options.get("awslogs-group").map(String::as_str), Some(format!("/ecs/{name}").as_str()));
        assert_eq!(options.get("awslogs-stream-prefix").map(String::as_str), Some(name));
        assert!(options.contains_key("awslogs-region"), "{name}: {options:?}");
        let environment: BTreeSet<(&str, &str)> =
            container.environment().iter().map(|kv| (kv.name().unwrap(), kv.value().unwrap())).collect();
        if name == "ecsdemo-frontend" {
            assert_eq!(
                environment,
                BTreeSet::from([
                    ("CRYSTAL_URL", "http://ecsdemo-crystal.service.local:3000/crystal"),
                    ("NODEJS_URL", "http://ecsdemo-nodejs.service.local:3000"),
                ])
            );
        } else {
            assert!(environment.is_empty(), "{name}: {environment:?}");
        }

        // Its Cloud Map service, which the ECS service registers in.
        let registry = discovery_service(&emulator, name).await.unwrap_or_else(|| panic!("no Cloud Map {name}"));
        let records = registry.dns_config().unwrap().dns_records();
        assert_eq!(records.len(), 1, "{name}: {records:?}");
        assert_eq!((records[0].r#type().as_str(), records[0].ttl()), ("A", 60), "{name}");
        let registries: Vec<&str> = service.service_registries().iter().filter_map(|r| r.registry_arn()).collect();
        assert_eq!(registries, [registry.arn().unwrap()], "{name} registers in its Cloud Map service");
    }

    // The frontend's load balancer.
    let balancer = load_balancer(&emulator).await;
    assert_eq!(balancer.scheme().map(|s| s.as_str()), Some("internet-facing"));
    assert_eq!(balancer.r#type().map(|t| t.as_str()), Some("application"));
    let zones: BTreeSet<String> =
        balancer.availability_zones().iter().filter_map(|z| z.subnet_id()).map(str::to_string).collect();
    assert_eq!(zones, public, "the load balancer is in the public subnets");
    assert_eq!(balancer.security_groups(), [lb_group_id.to_string()]);
    let group = target_group(&emulator).await;
    assert_eq!(group.target_type().map(|t| t.as_str()), Some("ip"));
    assert_eq!(group.port(), Some(3000));
    assert_eq!(group.protocol().map(|p| p.as_str()), Some("HTTP"));
    assert_eq!(group.health_check_path(), Some("/"));
    assert_eq!(group.vpc_id(), services_group.vpc_id());
    let listeners = emulator
        .elbv2()
        .await
        .describe_listeners()
        .load_balancer_arn(balancer.load_balancer_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(listeners.listeners().len(), 1, "{listeners:?}");
    let listener = &listeners.listeners()[0];
    assert_eq!((listener.port(), listener.protocol().map(|p| p.as_str())), (Some(80), Some("HTTP")));
    let forward = &listener.default_actions()[0];
    assert_eq!(forward.r#type().map(|t| t.as_str()), Some("forward"));
    assert_eq!(forward.target_group_arn(), group.target_group_arn());
    let frontend = ecs_service(&emulator, "ecsdemo-frontend").await.unwrap();
    assert_eq!(frontend.load_balancers().len(), 1);
    let attached = &frontend.load_balancers()[0];
    assert_eq!(attached.target_group_arn(), group.target_group_arn());
    assert_eq!((attached.container_name(), attached.container_port()), (Some("ecsdemo-frontend"), Some(3000)));
    for backend in ["ecsdemo-nodejs", "ecsdemo-crystal"] {
        assert!(ecs_service(&emulator, backend).await.unwrap().load_balancers().is_empty(), "{backend}");
    }

    // Port 80 open on the load balancer; the services' group admits the load balancer on 3000.
    assert!(
        lb_group.ip_permissions().iter().any(|p| p.from_port() == Some(80)
            && p.to_port() == Some(80)
            && p.ip_ranges().iter().any(|r| r.cidr_ip() == Some("0.0.0.0/0"))),
        "{lb_group:?}"
    );
    assert!(
        services_group.ip_permissions().iter().any(|p| p.ip_protocol() == Some("tcp")
            && p.from_port() == Some(3000)
            && p.to_port() == Some(3000)
            && p.user_id_group_pairs().iter().any(|g| g.group_id() == Some(lb_group_id))),
        "the services admit the load balancer on 3000: {services_group:?}"
    );

    // The load-test host.
    let ec2 = emulator.ec2().await;
    let reservations = ec2.describe_instances().filters(by_address("instance.loadtest")).send().await.unwrap();
    let instances: Vec<_> = reservations.reservations().iter().flat_map(|r| r.instances()).collect();
    assert_eq!(instances.len(), 1, "{reservations:?}");
    let instance = instances[0];
    assert_eq!(instance.instance_type().map(|t| t.as_str()), Some("t3.medium"));
    assert_eq!(instance.state().and_then(|s| s.name()).map(|s| s.as_str()), Some("running"));
    assert!(private.contains(instance.subnet_id().unwrap()), "in a private subnet: {instance:?}");
    assert!(instance.public_ip_address().is_none(), "{instance:?}");
    assert!(instance.security_groups().iter().any(|g| g.group_id() == Some(services_group_id)));
    let tags = || instance.tags().iter().map(|t| (t.key(), t.value()));
    assert!(has_tag(tags(), "Name", "ecsdemo-loadtest"), "{instance:?}");
    let profile_arn = instance.iam_instance_profile().and_then(|p| p.arn()).expect("an instance profile");
    assert!(profile_arn.ends_with(":instance-profile/ecsdemo-loadtest"), "{profile_arn}");
    let profile = iam.get_instance_profile().instance_profile_name("ecsdemo-loadtest").send().await.unwrap();
    let roles: Vec<&str> = profile.instance_profile().unwrap().roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(roles, ["ecsdemo-loadtest"]);
    assert!(attached_policies(&emulator, "ecsdemo-loadtest").await.contains(SSM_POLICY));
    let loadtest_role = iam.get_role().role_name("ecsdemo-loadtest").send().await.unwrap();
    let trust = percent_decode(loadtest_role.role().unwrap().assume_role_policy_document().unwrap());
    assert!(trust.contains("ec2.amazonaws.com"), "{trust}");
    let user_data = ec2
        .describe_instance_attribute()
        .instance_id(instance.instance_id().unwrap())
        .attribute(aws_sdk_ec2::types::InstanceAttributeName::UserData)
        .send()
        .await
        .unwrap();
    let user_data = base64_decode(user_data.user_data().and_then(|u| u.value()).expect("user data"));
    assert!(user_data.starts_with("#!/bin/bash\n"), "{user_data}");
    assert!(user_data.contains("yum install -y siege"), "{user_data}");
}

// ---------------------------------------------------------------------------------------------------------
// 2 and 6. The pass after that

#[tokio::test]
async fn the_second_pass_plans_nothing_and_makes_no_mutating_call() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    let frontend_before = running_definition(&emulator, "ecsdemo-frontend").await;

    let second = pass(&emulator, &desired, &["--detailed-exitcode"]);
    assert_eq!(second.code, 0, "no changes: {second}");
    let json = second.json();
    assert_eq!(json["changes"], false, "{second}");
    assert_eq!(json["actions"].as_array().unwrap().len(), 0, "{second}");
    assert_eq!(json["conflicts"].as_array().unwrap().len(), 0, "{second}");
    assert_eq!(json["not_declared"].as_array().unwrap().len(), 0, "{second}");
    assert!(json.get("apply").is_none(), "nothing applied: {second}");
    assert_eq!(json["pass"]["dry_run"], false);
    assert_eq!(json["pass"]["mutating_api_calls"], 0, "{second}");
    let (calls, mutating) = second.api_calls();
    assert_eq!(mutating, 0, "{second}");
    assert_eq!(Some(calls), json["pass"]["api_calls"].as_u64(), "the summary line and the JSON agree");

    // Nothing was registered again.
    assert_eq!(
        running_definition(&emulator, "ecsdemo-frontend").await.task_definition_arn(),
        frontend_before.task_definition_arn()
    );
    assert_eq!(all_revisions(&emulator, "ecsdemo-frontend").await.len(), 1);
}

#[tokio::test]
async fn the_no_change_pass_stays_within_a_bounded_number_of_calls() {
    // Observation is batched (list and describe per kind), not one call per resource; a regression to
    // per-resource calls for the 37 resources would cross this ceiling.
    const CEILING: u64 = 60;
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let first = converge(&emulator, &desired);
    let created = first.json()["apply"]["succeeded"].as_u64().unwrap();

    for extra in [&[][..], &["--dry-run"][..]] {
        let run = pass(&emulator, &desired, extra);
        assert_eq!(run.code, 0, "{run}");
        let json = run.json();
        assert_eq!(json["actions"].as_array().unwrap().len(), 0, "{run}");
        let calls = json["pass"]["api_calls"].as_u64().unwrap();
        assert!(calls > 0, "{run}");
        assert!(
            calls < CEILING,
            "the no-change pass over {created} resources made {calls} API calls (ceiling {CEILING}): {run}"
        );
    }
}

// ---------------------------------------------------------------------------------------------------------
// 3. Out-of-band drift

#[tokio::test]
async fn a_desired_count_changed_by_hand_is_set_back() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    let ecs = emulator.ecs().await;
    ecs.update_service().cluster(CLUSTER).service("ecsdemo-nodejs").desired_count(3).send().await.unwrap();

    let plan = strict_dry_run(&emulator, &desired);
    assert_eq!(plan.len(), 1, "{plan:#?}");
    let update = action(&plan, "service.ecsdemo-nodejs");
    assert_eq!((update.action.as_str(), update.fields.as_slice()), ("update", &["desired_count".to_string()][..]));
    assert_eq!(
        (&update.change("desired_count")["before"], &update.change("desired_count")["after"]),
        (&3.into(), &1.into())
    );
    assert_eq!(ecs_service(&emulator, "ecsdemo-nodejs").await.unwrap().desired_count(), 3, "the dry run changed it");

    repair_until_no_actions(&emulator, &desired, &plan);
    assert_eq!(ecs_service(&emulator, "ecsdemo-nodejs").await.unwrap().desired_count(), 1);
}

#[tokio::test]
async fn a_deleted_ecs_service_is_created_again() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    let ecs = emulator.ecs().await;
    ecs.delete_service().cluster(CLUSTER).service("ecsdemo-crystal").force(true).send().await.unwrap();
    assert!(ecs_service(&emulator, "ecsdemo-crystal").await.is_none());

    let plan = strict_dry_run(&emulator, &desired);
    let create = action(&plan, "service.ecsdemo-crystal");
    assert_eq!(create.action, "create", "{plan:#?}");
    assert!(create.fields.contains(&"task_definition".to_string()), "{create:?}");
    // Only what belongs to that service is touched: its task definition (observed through the service) and its
    // scaling registration (recognised as ours through the service), both written again.
    for other in &plan {
        assert!(
            [
                "service.ecsdemo-crystal",
                "task_definition.ecsdemo-crystal",
                "scalable_target.ecsdemo-crystal",
                "scaling_policy.ecsdemo-crystal/ecsdemo-crystal-cpu",
            ]
            .contains(&other.address.as_str()),
            "unexpected action: {plan:#?}"
        );
    }
    assert!(ecs_service(&emulator, "ecsdemo-crystal").await.is_none(), "the dry run created it");

    repair_until_no_actions(&emulator, &desired, &plan);
    let service = ecs_service(&emulator, "ecsdemo-crystal").await.expect("created again");
    assert_eq!(service.desired_count(), 1);
    assert!(has_tag(service.tags().iter().map(|t| (t.key(), t.value())), "Project", "ecsdemo"));
    let registry = discovery_service(&emulator, "ecsdemo-crystal").await.unwrap();
    let registries: Vec<&str> = service.service_registries().iter().filter_map(|r| r.registry_arn()).collect();
    assert_eq!(registries, [registry.arn().unwrap()]);
    assert_eq!(image_of(&running_definition(&emulator, "ecsdemo-crystal").await), "brentley/ecsdemo-crystal:latest");
}

#[tokio::test]
async fn a_service_moved_to_another_revision_is_moved_back_to_ours() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    let foreign = register_foreign_revision(&emulator, "ecsdemo-nodejs", "someone/nodejs:hacked").await;
    let ecs = emulator.ecs().await;
    ecs.update_service().cluster(CLUSTER).service("ecsdemo-nodejs").task_definition(&foreign).send().await.unwrap();

    let plan = strict_dry_run(&emulator, &desired);
    let update = action(&plan, "service.ecsdemo-nodejs");
    assert_eq!(update.action, "update", "{plan:#?}");
    assert!(update.fields.contains(&"task_definition".to_string()), "{update:?}");
    assert_eq!(update.change("task_definition")["before"], foreign.as_str(), "{update:?}");
    for other in &plan {
        assert!(
            ["service.ecsdemo-nodejs", "task_definition.ecsdemo-nodejs"].contains(&other.address.as_str()),
            "unexpected action: {plan:#?}"
        );
    }
    let running = ecs_service(&emulator, "ecsdemo-nodejs").await.unwrap();
    assert_eq!(running.task_definition(), Some(foreign.as_str()), "the dry run changed it");

    repair_until_no_actions(&emulator, &desired, &plan);
    let definition = running_definition(&emulator, "ecsdemo-nodejs").await;
    assert_ne!(definition.task_definition_arn(), Some(foreign.as_str()));
    assert_eq!(image_of(&definition), "brentley/ecsdemo-nodejs:latest");
    assert!(registered_by_us(&emulator, definition.task_definition_arn().unwrap()).await);
    // The other revision is someone else's: left registered.
    assert!(revisions(&emulator, "ecsdemo-nodejs", TaskDefinitionStatus::Active).await.contains(&foreign));
}

#[tokio::test]
async fn a_deleted_cloud_map_service_is_created_again_and_the_ecs_service_registers_in_it() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    let old = discovery_service(&emulator, "ecsdemo-nodejs").await.unwrap();
    // The emulator lets a Cloud Map service be deleted while an ECS service still registers in it.
    emulator.servicediscovery().await.delete_service().id(old.id().unwrap()).send().await.unwrap();
    assert!(discovery_service(&emulator, "ecsdemo-nodejs").await.is_none());

    let plan = strict_dry_run(&emulator, &desired);
    assert_eq!(plan.len(), 2, "{plan:#?}");
    assert_eq!(action(&plan, "discovery_service.ecsdemo-nodejs").action, "create");
    let update = action(&plan, "service.ecsdemo-nodejs");
    assert_eq!((update.action.as_str(), update.fields.as_slice()), ("update", &["service_registry".to_string()][..]));
    assert_eq!(update.change("service_registry")["before"], old.arn().unwrap());
    let position = |a: &str| plan.iter().position(|p| p.address == a).unwrap();
    assert!(position("discovery_service.ecsdemo-nodejs") < position("service.ecsdemo-nodejs"));
    assert!(discovery_service(&emulator, "ecsdemo-nodejs").await.is_none(), "the dry run created it");

    repair_until_no_actions(&emulator, &desired, &plan);
    let new = discovery_service(&emulator, "ecsdemo-nodejs").await.expect("created again");
    assert_ne!(new.arn(), old.arn());
    let records = new.dns_config().unwrap().dns_records();
    assert_eq!((records[0].r#type().as_str(), records[0].ttl()), ("A", 60));
    let service = ecs_service(&emulator, "ecsdemo-nodejs").await.unwrap();
    let registries: Vec<&str> = service.service_registries().iter().filter_map(|r| r.registry_arn()).collect();
    assert_eq!(registries, [new.arn().unwrap()], "the ECS service registers in the new one");
}

#[tokio::test]
async fn a_changed_health_check_path_is_set_back_in_place() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    let group = target_group(&emulator).await;
    let elbv2 = emulator.elbv2().await;
    elbv2
        .modify_target_group()
        .target_group_arn(group.target_group_arn().unwrap())
        .health_check_path("/health")
        .send()
        .await
        .unwrap();

    let plan = strict_dry_run(&emulator, &desired);
    assert_eq!(plan.len(), 1, "{plan:#?}");
    let update = action(&plan, "target_group.ecsdemo-frontend");
    assert_eq!((update.action.as_str(), update.fields.as_slice()), ("update", &["health_check_path".to_string()][..]));
    let change = update.change("health_check_path");
    assert_eq!((&change["before"], &change["after"]), (&"/health".into(), &"/".into()));
    assert_eq!(target_group(&emulator).await.health_check_path(), Some("/health"), "the dry run changed it");

    repair_until_no_actions(&emulator, &desired, &plan);
    let after = target_group(&emulator).await;
    assert_eq!(after.target_group_arn(), group.target_group_arn(), "updated in place, not replaced");
    assert_eq!(after.health_check_path(), Some("/"));
}

#[tokio::test]
async fn a_changed_log_retention_is_restored() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    let logs = emulator.logs().await;
    logs.put_retention_policy().log_group_name("/ecs/ecsdemo-crystal").retention_in_days(30).send().await.unwrap();

    let plan = strict_dry_run(&emulator, &desired);
    assert_eq!(plan.len(), 1, "{plan:#?}");
    let update = action(&plan, "log_group.crystal");
    assert_eq!((update.action.as_str(), update.fields.as_slice()), ("update", &["retention_days".to_string()][..]));
    let change = update.change("retention_days");
    assert_eq!((&change["before"], &change["after"]), (&30.into(), &14.into()));
    assert_eq!(retention(&emulator, "/ecs/ecsdemo-crystal").await, Some(30), "the dry run changed it");

    repair_until_no_actions(&emulator, &desired, &plan);
    assert_eq!(retention(&emulator, "/ecs/ecsdemo-crystal").await, Some(14));
}

#[tokio::test]
async fn a_detached_execution_policy_is_attached_again() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    let iam = emulator.iam().await;
    iam.detach_role_policy().role_name(EXECUTION_ROLE).policy_arn(EXECUTION_POLICY).send().await.unwrap();

    let plan = strict_dry_run(&emulator, &desired);
    assert_eq!(plan.len(), 1, "{plan:#?}");
    let update = action(&plan, "role.ecs-task-execution");
    assert_eq!((update.action.as_str(), update.fields.as_slice()), ("update", &["managed_policies".to_string()][..]));
    let change = update.change("managed_policies");
    assert_eq!(change["after"], serde_json::json!([EXECUTION_POLICY]), "{change}");
    assert!(!attached_policies(&emulator, EXECUTION_ROLE).await.contains(EXECUTION_POLICY), "the dry run changed it");

    repair_until_no_actions(&emulator, &desired, &plan);
    assert!(attached_policies(&emulator, EXECUTION_ROLE).await.contains(EXECUTION_POLICY));
}

// ---------------------------------------------------------------------------------------------------------
// 4 and 5. Image changes

#[tokio::test]
async fn a_new_image_registers_exactly_one_revision_and_the_service_runs_it() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    let before = all_revisions(&emulator, "ecsdemo-frontend").await;
    let old = running_definition(&emulator, "ecsdemo-frontend").await;

    edit(&desired, "frontend.toml", "brentley/ecsdemo-frontend:latest", "brentley/ecsdemo-frontend:v2");
    let plan = strict_dry_run(&emulator, &desired);
    assert_eq!(plan.len(), 2, "{plan:#?}");
    let replace = action(&plan, "task_definition.ecsdemo-frontend");
    assert_eq!((replace.action.as_str(), replace.fields.as_slice()), ("replace", &["image".to_string()][..]));
    let change = replace.change("image");
    assert_eq!(
        (&change["before"], &change["after"], &change["forces_replacement"]),
        (&"brentley/ecsdemo-frontend:latest".into(), &"brentley/ecsdemo-frontend:v2".into(), &true.into())
    );
    assert_eq!(action(&plan, "service.ecsdemo-frontend").action, "update");
    let position = |a: &str| plan.iter().position(|p| p.address == a).unwrap();
    assert!(position("task_definition.ecsdemo-frontend") < position("service.ecsdemo-frontend"));
    assert_eq!(all_revisions(&emulator, "ecsdemo-frontend").await, before, "the dry run registered a revision");

    let apply = repair_until_no_actions(&emulator, &desired, &plan);
    let after = all_revisions(&emulator, "ecsdemo-frontend").await;
    assert_eq!(after.len(), before.len() + 1, "exactly one new revision: {after:?}");
    let new: Vec<&String> = after.difference(&before).collect();
    let running = running_definition(&emulator, "ecsdemo-frontend").await;
    assert_eq!(running.task_definition_arn(), Some(new[0].as_str()), "the service runs the new revision");
    assert_eq!(applied_id(&apply, "task_definition.ecsdemo-frontend"), *new[0]);
    assert_eq!(image_of(&running), "brentley/ecsdemo-frontend:v2");
    assert!(running.revision() > old.revision());
    assert!(registered_by_us(&emulator, new[0]).await);
    // Everything else about the task is as before.
    let container = &running.container_definitions()[0];
    assert_eq!(container.environment().len(), old.container_definitions()[0].environment().len());
    assert_eq!(container.log_configuration(), old.container_definitions()[0].log_configuration());

    // A further pass changes nothing.
    let again = pass(&emulator, &desired, &[]);
    assert_eq!(again.code, 0, "{again}");
    assert_eq!(again.json()["actions"].as_array().unwrap().len(), 0, "{again}");
    assert_eq!(again.json()["pass"]["mutating_api_calls"], 0, "{again}");
    assert_eq!(all_revisions(&emulator, "ecsdemo-frontend").await, after);
}

#[tokio::test]
async fn keep_revisions_deregisters_our_older_revisions_and_never_someone_elses() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    edit(&desired, "frontend.toml", "desired_count = 1\n", "desired_count = 1\nkeep_revisions = 2\n");
    converge(&emulator, &desired);
    let foreign = register_foreign_revision(&emulator, "ecsdemo-frontend", "someone/frontend:debug").await;
    assert!(!registered_by_us(&emulator, &foreign).await);

    let mut image = "brentley/ecsdemo-frontend:latest".to_string();
    for version in ["v2", "v3", "v4"] {
        let next = format!("brentley/ecsdemo-frontend:{version}");
        edit(&desired, "frontend.toml", &image, &next);
        image = next;
        let before = all_revisions(&emulator, "ecsdemo-frontend").await;
        let plan = strict_dry_run(&emulator, &desired);
        assert_eq!(action(&plan, "task_definition.ecsdemo-frontend").action, "replace", "{plan:#?}");
        repair_until_no_actions(&emulator, &desired, &plan);
        assert_eq!(all_revisions(&emulator, "ecsdemo-frontend").await.len(), before.len() + 1, "{version}");

        let running = running_definition(&emulator, "ecsdemo-frontend").await;
        assert_eq!(image_of(&running), image);
        let current = running.task_definition_arn().unwrap().to_string();
        let active = revisions(&emulator, "ecsdemo-frontend", TaskDefinitionStatus::Active).await;
        assert!(active.contains(&current), "{version}: the revision in use stays: {active:?}");
        assert!(active.contains(&foreign), "{version}: someone else's revision is never deregistered: {active:?}");
        let mut ours = Vec::new();
        for arn in &active {
            if registered_by_us(&emulator, arn).await {
                ours.push(arn.clone());
            }
        }
        // Someone else's revision does not count: two of ours stay, so there is always one to roll back to.
        assert_eq!(ours.len(), 2, "{version}: our 2 newest revisions stay registered: {ours:?}");
        for arn in revisions(&emulator, "ecsdemo-frontend", TaskDefinitionStatus::Inactive).await {
            assert!(registered_by_us(&emulator, &arn).await, "{version}: {arn} was not ours to deregister");
        }
    }

    // After three changes: our two newest revisions (the one in use and the one before it) and the other one.
    let all = all_revisions(&emulator, "ecsdemo-frontend").await;
    let mut ours = Vec::new();
    for arn in &all {
        if registered_by_us(&emulator, arn).await {
            ours.push(arn.clone());
        }
    }
    ours.sort_by_key(|a| std::cmp::Reverse(revision_number(a)));
    assert_eq!(ours.len(), 4, "the first and three changes: {ours:?}");
    let mut active = revisions(&emulator, "ecsdemo-frontend", TaskDefinitionStatus::Active).await;
    active.sort_by_key(|a| std::cmp::Reverse(revision_number(a)));
    let mut expected = vec![ours[0].clone(), ours[1].clone(), foreign.clone()];
    expected.sort_by_key(|a| std::cmp::Reverse(revision_number(a)));
    assert_eq!(active, expected);
}

#[tokio::test]
async fn a_tag_added_to_a_service_reaches_its_task_definition_in_place_and_is_not_planned_again() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    let before = ecs_service(&emulator, "ecsdemo-nodejs").await.unwrap().task_definition().unwrap().to_string();

    edit(
        &desired,
        "nodejs.toml",
        "execution_role = \"ecs-task-execution\"\ntags = { Project = \"ecsdemo\" }",
        "execution_role = \"ecs-task-execution\"\ntags = { Project = \"ecsdemo\", Team = \"api\" }",
    );
    let plan = strict_dry_run(&emulator, &desired);
    let definition = action(&plan, "task_definition.ecsdemo-nodejs");
    assert_eq!(
        (definition.action.as_str(), definition.fields.as_slice()),
        ("update", ["tags.Team".to_string()].as_slice())
    );
    apply_as_planned(&emulator, &desired, &plan);

    // The same revision, tagged: a tag is no reason for a new revision and a rollout.
    let service = ecs_service(&emulator, "ecsdemo-nodejs").await.unwrap();
    assert_eq!(service.task_definition(), Some(before.as_str()));
    let (_, tags) = task_definition(&emulator, &before).await;
    assert!(tags.iter().any(|t| t.key() == Some("Team") && t.value() == Some("api")), "{tags:?}");
    let again = pass(&emulator, &desired, &["--dry-run", "--detailed-exitcode"]);
    assert_eq!((again.code, planned(&again)), (0, vec![]), "{again}");
}

/// What ECS leaves after its circuit breaker rolled back `failed` (the emulator runs no rollouts): the service
/// back on `previous`. The failed deployment itself is not faked: the emulator lists no rollout states, so this
/// is the state after ECS has dropped it from `deployments`, held only by the tags of ours that the pass which
/// saw the FAILED deployment wrote (that pass is tested in the planner and on recorded answers).
async fn fake_rollback(emulator: &Emulator, service: &str, previous: &str, failed: &str, reason: &str) {
    let ecs = emulator.ecs().await;
    ecs.update_service().cluster(CLUSTER).service(service).task_definition(previous).send().await.unwrap();
    let arn = ecs_service(emulator, service).await.unwrap().service_arn().unwrap().to_string();
    let tag = |key: &str, value: &str| aws_sdk_ecs::types::Tag::builder().key(key).value(value).build();
    let short = failed.rsplit('/').next().unwrap();
    let tags = vec![tag("reconciler:held-revision", short), tag("reconciler:held-reason", reason)];
    ecs.tag_resource().resource_arn(arn).set_tags(Some(tags)).send().await.unwrap();
}

#[tokio::test]
async fn a_failing_image_is_held_after_its_rollback_until_the_file_changes() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    let good = running_definition(&emulator, "ecsdemo-frontend").await;
    edit(&desired, "frontend.toml", "brentley/ecsdemo-frontend:latest", "brentley/ecsdemo-frontend:v2");
    converge(&emulator, &desired);
    let failing = running_definition(&emulator, "ecsdemo-frontend").await;
    assert_eq!(image_of(&failing), "brentley/ecsdemo-frontend:v2");
    let (good_arn, failing_arn) = (good.task_definition_arn().unwrap(), failing.task_definition_arn().unwrap());
    let reason = "ECS deployment circuit breaker: tasks failed to start.";
    fake_rollback(&emulator, "ecsdemo-frontend", good_arn, failing_arn, reason).await;
    let revisions_before = all_revisions(&emulator, "ecsdemo-frontend").await;
    let message = format!("revision {} failed: {reason}; waiting for a change to its file", failing.revision());

    // The dry run plans nothing for the service and says why; the exit code says something needs a look.
    let dry = pass(&emulator, &desired, &["--dry-run"]);
    assert_eq!(dry.code, 1, "{dry}");
    assert_eq!(dry.json()["actions"], serde_json::json!([]), "{dry}");
    let dry_json = dry.json();
    let held = dry_json["held"].as_array().unwrap();
    let held_service = held.iter().find(|h| h["address"] == "service.ecsdemo-frontend").expect("service held");
    assert_eq!(held_service["failed_rollout"]["message"], message.as_str(), "{dry}");
    assert!(held.iter().any(|h| h["address"] == "task_definition.ecsdemo-frontend"), "{dry}");
    let text = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--dry-run"]);
    assert!(text.stdout.contains(&format!("service.ecsdemo-frontend held: {message}")), "{text}");

    // Passes that apply leave it on the revision ECS went back to, register nothing, and say so in their line.
    for _ in 0..2 {
        let again = pass(&emulator, &desired, &[]);
        assert_eq!(again.code, 1, "{again}");
        assert_eq!(again.json()["pass"]["mutating_api_calls"], 0, "{again}");
        assert!(again.stderr.contains(&format!("service.ecsdemo-frontend held: {message}")), "{again}");
        let running = running_definition(&emulator, "ecsdemo-frontend").await;
        assert_eq!(running.task_definition_arn(), Some(good_arn), "the failing revision was deployed again");
    }
    assert_eq!(all_revisions(&emulator, "ecsdemo-frontend").await, revisions_before);

    // `status` shows the hold, in the table and in JSON.
    let table = emulator.reconciler(&["status", "--config-dir", desired.arg()]);
    let row = table.stdout.lines().find(|l| l.starts_with("ecsdemo-frontend ")).expect("a row");
    assert!(row.contains(" HELD "), "{table}");
    assert!(table.stdout.contains(&format!("ecsdemo-frontend: held: {message}")), "{table}");
    let status = emulator.reconciler(&["status", "--config-dir", desired.arg(), "--output", "json"]);
    let frontend =
        status.json()["services"].as_array().unwrap().iter().find(|s| s["name"] == "ecsdemo-frontend").cloned();
    assert_eq!(frontend.unwrap()["held"], message.as_str(), "{status}");

    // A new image is a new attempt: registered and deployed, the hold gone.
    edit(&desired, "frontend.toml", "brentley/ecsdemo-frontend:v2", "brentley/ecsdemo-frontend:v3");
    let released = converge(&emulator, &desired);
    assert_eq!(released.json()["held"], serde_json::json!([]), "{released}");
    let running = running_definition(&emulator, "ecsdemo-frontend").await;
    assert_eq!(image_of(&running), "brentley/ecsdemo-frontend:v3");
    assert!(running.revision() > failing.revision());
    // The stale record names an older revision than the one running: the next pass has nothing to do.
    let after = pass(&emulator, &desired, &["--dry-run"]);
    assert_eq!((after.code, after.json()["actions"].as_array().unwrap().len()), (0, 0), "{after}");
}
