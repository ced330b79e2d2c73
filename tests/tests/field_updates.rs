//! Every reported change is a real change (issue 10 item 6): for every kind and every updatable field the
//! workshop's files can express, an edit of that field is applied by one pass that makes at least one
//! mutating call, and the pass after it finds nothing to do. A field whose update makes no call, or makes a
//! call that does not take, shows here as a pass that plans it again.
//!
//! One converged emulator, the edits applied in sequence, a few on different resources per pass (so that the
//! test stays near a minute): each round starts from the state the last one left.
//! Which fields are updatable is read from the planner's sources (`Field::update(field::X, ...)` in
//! `crates/plan/src/kinds/`), so a new updatable field fails this test until it is edited here or listed as
//! not expressible in the files.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use reconciler_tests::plans::{Planned, converge, edit, pass, planned};
use reconciler_tests::{DesiredDir, Emulator, Run, workspace_root};

/// One edit of the workshop's files: each `(from, to)` replaces the first `from` in `file`. The pass that
/// applies it must change `field` (a field name, or `tags.KEY`) of `address`; with `field` empty, it only
/// prepares a later edit (declares what that one needs) and must act on `address`.
struct Edit {
    file: &'static str,
    parts: &'static [(&'static str, &'static str)],
    address: &'static str,
    field: &'static str,
}

/// An [`Edit`] of one part.
macro_rules! edit_of {
    ($file:expr, $from:expr, $to:expr, $address:expr, $field:expr $(,)?) => {
        Edit { file: $file, parts: &[($from, $to)], address: $address, field: $field }
    };
}

const SCHEDULED: &str = "target = 30\n\n[[service.ecsdemo-crystal.autoscaling.scheduled]]\nname = \"night\"\n\
                         schedule = \"cron(0 20 * * ? *)\"\ntimezone = \"Europe/Paris\"\nmin_capacity = 1\n\
                         max_capacity = 2\n";

/// The edits, in rounds applied in order: each round is applied by one pass and then checked by a dry run.
/// A round edits at most one field of any resource (the per-action check in apply, that an update makes a
/// call, then vouches for every field on its own), and keeps the edits of one resource in separate rounds.
/// Text an edit looks for may be what an earlier one wrote.
const ROUNDS: &[&[Edit]] = &[
    &[
        // The platform.
        edit_of!(
            "platform.toml",
            "enable_dns_hostnames = true\ntags = { Project = \"ecsdemo\" }",
            "enable_dns_hostnames = true\ntags = { Project = \"ecsdemo\", Team = \"platform\" }",
            "vpc.main",
            "tags.Team"
        ),
        edit_of!(
            "platform.toml",
            "description = \"services to services on 3000\"\n",
            "description = \"services to services on 3000\"\n\n[[security_group.services.ingress]]\nprotocol = \"tcp\"\nport = 8080\ncidr = \"10.0.0.0/24\"\n",
            "security_group.services",
            "ingress"
        ),
        edit_of!(
            "platform.toml",
            "container_insights = true",
            "container_insights = false",
            "cluster.container-demo",
            "container_insights"
        ),
        edit_of!(
            "platform.toml",
            "description = \"ecsdemo services\"",
            "description = \"the ecsdemo services\"",
            "namespace.service",
            "description"
        ),
        // The load-test host's role (a service's roles must trust ECS tasks: that one is checked, not edited).
        edit_of!(
            "loadtest.toml",
            "trusted_service = \"ec2.amazonaws.com\"",
            "trusted_service = \"ssm.amazonaws.com\"",
            "role.loadtest",
            "trusted_service"
        ),
        // A service without autoscaling.
        edit_of!("nodejs.toml", "retention_days = 14", "retention_days = 30", "log_group.nodejs", "retention_days"),
        // The service's tags reach its task definition (they were once "applied" without a call, every pass).
        edit_of!(
            "nodejs.toml",
            "execution_role = \"ecs-task-execution\"\ntags = { Project = \"ecsdemo\" }",
            "execution_role = \"ecs-task-execution\"\ntags = { Project = \"ecsdemo\", Team = \"api\" }",
            "task_definition.ecsdemo-nodejs",
            "tags.Team"
        ),
        edit_of!("nodejs.toml", "ttl = 60", "ttl = 30", "discovery_service.ecsdemo-nodejs", "ttl"),
        // An autoscaled service: its scaling policy named, so that its metric can change in place.
        edit_of!(
            "crystal.toml",
            "metric = \"cpu\"\n",
            "metric = \"cpu\"\nname = \"scale\"\n",
            "scaling_policy.ecsdemo-crystal/scale",
            ""
        ),
        // The service behind the load balancer.
        edit_of!(
            "frontend.toml",
            "listener_port = 80\n",
            "listener_port = 8080\n",
            "listener.ecsdemo-frontend",
            "port"
        ),
    ],
    &[
        // A public subnet moved: replaced, and the route table associating it written again. Before there is a NAT
        // gateway in it: the emulator keeps a deleted NAT gateway's elastic IP associated, so a NAT gateway
        // replaced with its subnet cannot be made again there (AWS disassociates it).
        edit_of!(
            "platform.toml",
            "nat_gateways = \"one\"",
            "nat_gateways = \"one\"\npublic_subnets = [\"10.0.0.0/27\", \"10.0.0.32/27\", \"10.0.0.192/27\"]\n\
             private_subnets = [\"10.0.0.96/27\", \"10.0.0.128/27\", \"10.0.0.160/27\"]",
            "route_table.main/public",
            "subnets"
        ),
        edit_of!(
            "platform.toml",
            "port = 8080\ncidr = \"10.0.0.0/24\"\n",
            "port = 8080\ncidr = \"10.0.0.0/24\"\n\n[[security_group.services.egress]]\nprotocol = \"tcp\"\nport = 443\ncidr = \"0.0.0.0/0\"\n",
            "security_group.services",
            "egress"
        ),
        edit_of!(
            "platform.toml",
            "container_insights = false\ntags = { Project = \"ecsdemo\" }",
            "container_insights = false\ntags = { Project = \"ecsdemo\", Team = \"platform\" }",
            "cluster.container-demo",
            "tags.Team"
        ),
        edit_of!(
            "platform.toml",
            "description = \"the ecsdemo services\"\ntags = { Project = \"ecsdemo\" }",
            "description = \"the ecsdemo services\"\ntags = { Project = \"ecsdemo\", Team = \"platform\" }",
            "namespace.service",
            "tags.Team"
        ),
        edit_of!(
            "platform.toml",
            "AmazonECSTaskExecutionRolePolicy\"]",
            "AmazonECSTaskExecutionRolePolicy\", \"arn:aws:iam::aws:policy/CloudWatchLogsFullAccess\"]",
            "role.ecs-task-execution",
            "managed_policies"
        ),
        edit_of!(
            "nodejs.toml",
            "retention_days = 30\ntags = { Project = \"ecsdemo\" }",
            "retention_days = 30\ntags = { Project = \"ecsdemo\", Team = \"api\" }",
            "log_group.nodejs",
            "tags.Team"
        ),
        edit_of!("nodejs.toml", "desired_count = 1", "desired_count = 2", "service.ecsdemo-nodejs", "desired_count"),
        edit_of!(
            "crystal.toml",
            "metric = \"cpu\"\n",
            "metric = \"memory\"\n",
            "scaling_policy.ecsdemo-crystal/scale",
            "metric"
        ),
        edit_of!(
            "frontend.toml",
            "listener_port = 8080\n",
            "listener_port = 8080\nallowed_cidrs = [\"10.0.0.0/8\"]\n",
            "security_group.ecsdemo-frontend/lb",
            "ingress"
        ),
        edit_of!(
            "frontend.toml",
            "metric = \"cpu\"\n",
            "metric = \"cpu\"\nname = \"scale\"\n",
            "scaling_policy.ecsdemo-frontend/scale",
            ""
        ),
    ],
    &[
        edit_of!(
            "platform.toml",
            "nat_gateways = \"one\"",
            "nat_gateways = \"one-per-az\"",
            "route_table.main/private-2",
            "routes"
        ),
        edit_of!(
            "platform.toml",
            "description = \"frontend to backend\"\ntags = { Project = \"ecsdemo\" }",
            "description = \"frontend to backend\"\ntags = { Project = \"ecsdemo\", Team = \"platform\" }",
            "security_group.services",
            "tags.Team"
        ),
        edit_of!(
            "platform.toml",
            "role_name = \"ecsdemo-task-execution\"\n",
            "role_name = \"ecsdemo-task-execution\"\ninline_policy = '{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"logs:CreateLogGroup\", \"Resource\": \"*\"}]}'\n",
            "role.ecs-task-execution",
            "inline_policy"
        ),
        edit_of!(
            "nodejs.toml",
            "brentley/ecsdemo-nodejs:latest",
            "brentley/ecsdemo-nodejs:v2",
            "service.ecsdemo-nodejs",
            "task_definition"
        ),
        edit_of!("crystal.toml", "target = 20", "target = 30", "scaling_policy.ecsdemo-crystal/scale", "target"),
        edit_of!(
            "frontend.toml",
            "path = \"/\"",
            "path = \"/health\"",
            "target_group.ecsdemo-frontend",
            "health_check_path"
        ),
        edit_of!(
            "frontend.toml",
            "metric = \"cpu\"\nname = \"scale\"\ntarget = 50\n",
            "metric = \"requests_per_target\"\nname = \"scale\"\ntarget = 500\n",
            "scaling_policy.ecsdemo-frontend/scale",
            "target_group"
        ),
    ],
    &[
        // The last of the platform's tags still as shipped is the role's.
        edit_of!(
            "platform.toml",
            "tags = { Project = \"ecsdemo\" }",
            "tags = { Project = \"ecsdemo\", Team = \"platform\" }",
            "role.ecs-task-execution",
            "tags.Team"
        ),
        edit_of!("nodejs.toml", "subnets = \"private\"", "subnets = \"public\"", "service.ecsdemo-nodejs", "subnets"),
        edit_of!(
            "crystal.toml",
            "scale_in_cooldown = \"30s\"",
            "scale_in_cooldown = \"60s\"",
            "scaling_policy.ecsdemo-crystal/scale",
            "scale_in_cooldown_seconds"
        ),
        edit_of!(
            "frontend.toml",
            "interval_seconds = 30",
            "interval_seconds = 20",
            "target_group.ecsdemo-frontend",
            "health_check_interval_seconds"
        ),
    ],
    &[
        edit_of!(
            "nodejs.toml",
            "subnets = \"public\"\n",
            "subnets = \"public\"\nassign_public_ip = true\n",
            "service.ecsdemo-nodejs",
            "assign_public_ip"
        ),
        edit_of!(
            "crystal.toml",
            "scale_out_cooldown = \"30s\"\n",
            "scale_out_cooldown = \"60s\"\n",
            "scaling_policy.ecsdemo-crystal/scale",
            "scale_out_cooldown_seconds"
        ),
        edit_of!(
            "frontend.toml",
            "interval_seconds = 20\n",
            "interval_seconds = 20\ntimeout_seconds = 10\n",
            "target_group.ecsdemo-frontend",
            "health_check_timeout_seconds"
        ),
    ],
    &[
        Edit {
            file: "nodejs.toml",
            parts: &[
                (
                    "[log_group.nodejs]",
                    "[security_group.extra]\nvpc = \"main\"\ndescription = \"extra\"\n\n[log_group.nodejs]",
                ),
                ("security_groups = [\"services\"]", "security_groups = [\"services\", \"extra\"]"),
            ],
            address: "service.ecsdemo-nodejs",
            field: "security_groups",
        },
        edit_of!(
            "crystal.toml",
            "scale_out_cooldown = \"60s\"\n",
            "scale_out_cooldown = \"60s\"\ndisable_scale_in = true\n",
            "scaling_policy.ecsdemo-crystal/scale",
            "disable_scale_in"
        ),
        edit_of!(
            "frontend.toml",
            "healthy_threshold = 5",
            "healthy_threshold = 3",
            "target_group.ecsdemo-frontend",
            "healthy_threshold"
        ),
    ],
    &[
        edit_of!(
            "nodejs.toml",
            "[service.ecsdemo-nodejs.logs]",
            "[service.ecsdemo-nodejs.deployment]\nminimum_healthy_percent = 50\n\n[service.ecsdemo-nodejs.logs]",
            "service.ecsdemo-nodejs",
            "minimum_healthy_percent"
        ),
        edit_of!(
            "crystal.toml",
            "min_capacity = 1\nmax_capacity = 10",
            "min_capacity = 2\nmax_capacity = 10",
            "scalable_target.ecsdemo-crystal",
            "min_capacity"
        ),
        edit_of!(
            "frontend.toml",
            "unhealthy_threshold = 2",
            "unhealthy_threshold = 3",
            "target_group.ecsdemo-frontend",
            "unhealthy_threshold"
        ),
        // The load-test host.
        edit_of!(
            "loadtest.toml",
            "security_groups = [\"services\"]",
            "security_groups = [\"services\", \"extra\"]",
            "instance.loadtest",
            "security_groups"
        ),
    ],
    &[
        edit_of!(
            "nodejs.toml",
            "minimum_healthy_percent = 50\n",
            "minimum_healthy_percent = 50\nmaximum_percent = 150\n",
            "service.ecsdemo-nodejs",
            "maximum_percent"
        ),
        edit_of!(
            "crystal.toml",
            "min_capacity = 2\nmax_capacity = 10",
            "min_capacity = 2\nmax_capacity = 8",
            "scalable_target.ecsdemo-crystal",
            "max_capacity"
        ),
        edit_of!(
            "loadtest.toml",
            "Name = \"ecsdemo-loadtest\" }",
            "Name = \"ecsdemo-loadtest\", Team = \"load\" }",
            "instance.loadtest",
            "tags.Team"
        ),
    ],
    &[
        edit_of!(
            "nodejs.toml",
            "maximum_percent = 150\n",
            "maximum_percent = 150\nrollback = false\n",
            "service.ecsdemo-nodejs",
            "rollback"
        ),
        edit_of!("crystal.toml", "target = 30\n", SCHEDULED, "scheduled_action.ecsdemo-crystal/night", ""),
        edit_of!(
            "loadtest.toml",
            "instance_profile = true\ntags = { Project = \"ecsdemo\" }",
            "instance_profile = true\ntags = { Project = \"ecsdemo\", Team = \"load\" }",
            "instance_profile.loadtest",
            "tags.Team"
        ),
    ],
    &[
        edit_of!(
            "nodejs.toml",
            "rollback = false\n",
            "rollback = false\ncircuit_breaker = false\n",
            "service.ecsdemo-nodejs",
            "circuit_breaker"
        ),
        edit_of!(
            "crystal.toml",
            "cron(0 20 * * ? *)",
            "cron(0 21 * * ? *)",
            "scheduled_action.ecsdemo-crystal/night",
            "schedule"
        ),
        edit_of!(
            "frontend.toml",
            "service.local:3000\" }\ntags = { Project = \"ecsdemo\" }",
            "service.local:3000\" }\ntags = { Project = \"ecsdemo\", Team = \"web\" }",
            "load_balancer.ecsdemo-frontend",
            "tags.Team"
        ),
    ],
    &[
        // A new Cloud Map name: a new discovery service, and the ECS service registered in it.
        edit_of!(
            "nodejs.toml",
            "name = \"ecsdemo-nodejs\"",
            "name = \"nodejs-api\"",
            "service.ecsdemo-nodejs",
            "service_registry"
        ),
        edit_of!("crystal.toml", "Europe/Paris", "Europe/Berlin", "scheduled_action.ecsdemo-crystal/night", "timezone"),
    ],
    &[
        edit_of!(
            "crystal.toml",
            "min_capacity = 1\nmax_capacity = 2\n",
            "min_capacity = 0\nmax_capacity = 2\n",
            "scheduled_action.ecsdemo-crystal/night",
            "min_capacity"
        ),
        // `retain` marks what the service makes, except its scaling configuration (Application Auto Scaling tags
        // cannot be read back): the second pass must not plan that again.
        edit_of!(
            "frontend.toml",
            "[service.ecsdemo-frontend]\n",
            "[service.ecsdemo-frontend]\ndeletion_policy = \"retain\"\n",
            "target_group.ecsdemo-frontend",
            "tags.reconciler:deletion-policy"
        ),
    ],
    &[
        edit_of!(
            "crystal.toml",
            "min_capacity = 0\nmax_capacity = 2\n",
            "min_capacity = 0\nmax_capacity = 3\n",
            "scheduled_action.ecsdemo-crystal/night",
            "max_capacity"
        ),
        edit_of!(
            "nodejs.toml",
            "[service.ecsdemo-nodejs]\n",
            "[service.ecsdemo-nodejs]\nhealth_check_grace_period_seconds = 45\n",
            "service.ecsdemo-nodejs",
            "health_check_grace_period_seconds"
        ),
        edit_of!(
            "nodejs.toml",
            "execution_role = \"ecs-task-execution\"\n",
            "execution_role = \"ecs-task-execution\"\nenable_execute_command = true\n",
            "service.ecsdemo-nodejs",
            "enable_execute_command"
        ),
    ],
    // A shared load balancer, and crystal routed through it under /crystal; HTTPS on the frontend's own (its
    // certificate is found by domain: `issue_certificates` made them).
    &[
        edit_of!(
            "platform.toml",
            "[role.ecs-task-execution]\n",
            "[load_balancer.web]\nload_balancer_name = \"ecsdemo-web\"\nvpc = \"main\"\n\n[role.ecs-task-execution]\n",
            "load_balancer.web/shared",
            ""
        ),
        edit_of!(
            "crystal.toml",
            "[service.ecsdemo-crystal.discovery]",
            "[service.ecsdemo-crystal.route]\nload_balancer = \"web\"\npaths = [\"/crystal\"]\npriority = 10\n\n[service.ecsdemo-crystal.discovery]",
            "listener_rule.ecsdemo-crystal",
            ""
        ),
        edit_of!(
            "frontend.toml",
            "[service.ecsdemo-frontend.load_balancer.health_check]",
            "[service.ecsdemo-frontend.load_balancer.https]\ndomain = \"frontend.example.com\"\n\n[service.ecsdemo-frontend.load_balancer.health_check]",
            "listener.ecsdemo-frontend",
            "forward_to"
        ),
    ],
    &[
        edit_of!("crystal.toml", "priority = 10", "priority = 11", "listener_rule.ecsdemo-crystal", "priority"),
        edit_of!(
            "frontend.toml",
            "domain = \"frontend.example.com\"\n",
            "domain = \"frontend.example.com\"\nssl_policy = \"ELBSecurityPolicy-2016-08\"\n",
            "listener.ecsdemo-frontend/https",
            "ssl_policy"
        ),
    ],
    &[
        edit_of!(
            "crystal.toml",
            "paths = [\"/crystal\"]",
            "paths = [\"/crystal\", \"/crystal/*\"]",
            "listener_rule.ecsdemo-crystal",
            "paths"
        ),
        edit_of!(
            "frontend.toml",
            "domain = \"frontend.example.com\"",
            "domain = \"www.example.com\"",
            "listener.ecsdemo-frontend/https",
            "certificate"
        ),
    ],
    &[
        edit_of!(
            "crystal.toml",
            "priority = 11\n",
            "priority = 11\nhosts = [\"api.example.com\"]\n",
            "listener_rule.ecsdemo-crystal",
            "hosts"
        ),
        edit_of!(
            "crystal.toml",
            "execution_role = \"ecs-task-execution\"\ntags = { Project = \"ecsdemo\" }\n\n[service.ecsdemo-crystal.logs]",
            "execution_role = \"ecs-task-execution\"\ntags = { Project = \"ecsdemo\", Team = \"api\" }\n\n[service.ecsdemo-crystal.logs]",
            "listener_rule.ecsdemo-crystal",
            "tags.Team"
        ),
    ],
    // A new target group name: a new target group, and the rule forwarding to it.
    &[edit_of!(
        "crystal.toml",
        "priority = 11\n",
        "priority = 11\ntarget_group = \"crystal-web\"\n",
        "listener_rule.ecsdemo-crystal",
        "forward_to"
    )],
];

/// Updatable fields the workshop's files cannot change on their own, with why: they follow from other
/// declarations, or a valid file cannot hold another value.
const NOT_EXPRESSIBLE: &[(&str, &str, &str)] = &[
    ("vpc", "enable_dns_support", "the workshop's namespace needs it on (a private hosted zone)"),
    ("vpc", "enable_dns_hostnames", "the workshop's namespace needs it on (a private hosted zone)"),
    ("subnet", "map_public_ip_on_launch", "follows from the subnet being public or private"),
    ("instance_profile", "role", "always the role it is declared with"),
    ("load_balancer", "subnets", "always the VPC's public subnets (or private, with `internal`, a replacement)"),
    ("load_balancer", "security_groups", "always its own group"),
    ("listener", "protocol", "follows from which listener it is: HTTP `listener.X`, HTTPS `listener.X/https`"),
    ("service", "load_balancer", "follows from the container port and the target group"),
];

/// Issued ACM certificates for `domains`. The emulator issues one at once when it is private (a certificate
/// authority given); a public one would wait for validation.
async fn issue_certificates(emulator: &Emulator, domains: &[&str]) {
    let acm = emulator.acm().await;
    for domain in domains {
        acm.request_certificate()
            .domain_name(*domain)
            .certificate_authority_arn("arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/test")
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_updatable_field_edited_in_the_files_is_applied_with_a_call_and_then_left_alone() {
    let started = Instant::now();
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    issue_certificates(&emulator, &["frontend.example.com", "www.example.com"]).await;
    let mut changed: BTreeSet<(String, String)> = BTreeSet::new();
    for (round, edits) in ROUNDS.iter().enumerate() {
        let what = format!("round {round}");
        for change in *edits {
            for (from, to) in change.parts {
                edit(&desired, change.file, from, to);
            }
        }
        let applied = apply(&emulator, &desired, &what);
        let actions = planned(&applied);
        for change in *edits {
            changed.extend(check_planned(change, &actions, &applied, &what));
        }
        for action in &actions {
            let kind = kind_of(&action.address);
            changed.extend(action.fields.iter().map(|f| (kind.clone(), f.clone())));
        }
        assert_settled(&emulator, &desired, &what);
    }

    let tags_changed: BTreeSet<&str> =
        changed.iter().filter(|(_, f)| f.starts_with("tags.")).map(|(k, _)| k.as_str()).collect();
    let missing: Vec<String> = updatable_fields()
        .into_iter()
        .filter(|(kind, field)| !changed.contains(&(kind.clone(), field.clone())))
        .filter(|(kind, field)| !NOT_EXPRESSIBLE.iter().any(|(k, f, _)| k == kind && f == field))
        .map(|(kind, field)| format!("{kind}.{field}"))
        .chain(
            kinds_with_tags().into_iter().filter(|k| !tags_changed.contains(k.as_str())).map(|k| format!("{k}.tags")),
        )
        .collect();
    assert!(missing.is_empty(), "updatable fields no edit changed: {missing:?}");
    let edits: usize = ROUNDS.iter().map(|r| r.len()).sum();
    eprintln!("{edits} edits in {} rounds, {:.1} s", ROUNDS.len(), started.elapsed().as_secs_f64());
}

/// Checks that the pass acted on the edit's address and changed its field. Returns the `(kind, field)` it
/// covers when the change is a reference written again, which the plan lists without a field.
fn check_planned(change: &Edit, actions: &[Planned], applied: &Run, what: &str) -> Option<(String, String)> {
    let what = format!("{what}: {} {}", change.address, change.field);
    let action = actions.iter().find(|a| a.address == change.address);
    let action = action.unwrap_or_else(|| panic!("{what}: no action on {}: {applied}", change.address));
    // A reference to a resource the edit replaces is written again without a listed field difference.
    let refreshed = action.fields.is_empty() && action.reason_code == "dependency_replaced";
    assert!(
        change.field.is_empty() || refreshed || action.fields.iter().any(|f| f == change.field),
        "{what}: {applied}"
    );
    refreshed.then(|| (kind_of(change.address), change.field.to_string()))
}

/// The kind of an address: `kind.name`.
fn kind_of(address: &str) -> String {
    address.split('.').next().unwrap_or_default().to_string()
}

/// An applying pass: every action succeeds (an update that made no call fails), and it made a mutating call.
fn apply(emulator: &Emulator, desired: &DesiredDir, what: &str) -> Run {
    let run = pass(emulator, desired, &[]);
    assert_eq!(run.code, 0, "{what}: {run}");
    let json = run.json();
    assert_eq!((&json["apply"]["failed"], &json["apply"]["skipped"]), (&0.into(), &0.into()), "{what}: {run}");
    assert!(json["pass"]["mutating_api_calls"].as_u64().is_some_and(|n| n > 0), "{what}: no mutating call: {run}");
    run
}

/// The dry run after an edit's pass: exit 0 with `--detailed-exitcode`, nothing planned.
fn assert_settled(emulator: &Emulator, desired: &DesiredDir, what: &str) {
    let dry = pass(emulator, desired, &["--dry-run", "--detailed-exitcode"]);
    let again: Vec<String> =
        planned(&dry).iter().map(|a| format!("{} {} {:?}", a.action, a.address, a.fields)).collect();
    assert_eq!((dry.code, again.as_slice()), (0, [].as_slice()), "{what}: planned again: {dry}");
}

/// Every `(kind, field)` that a kind's `fields()` marks updatable, read from the planner's sources.
fn updatable_fields() -> BTreeSet<(String, String)> {
    let mut fields = BTreeSet::new();
    for (kind, source) in kind_sources() {
        let names = field_names(&source);
        for part in source.split("Field::update(field::").skip(1) {
            let constant: String = part.chars().take_while(|c| c.is_ascii_uppercase() || *c == '_').collect();
            let name = names.get(&constant).unwrap_or_else(|| panic!("{kind}: no field::{constant}"));
            fields.insert((kind.clone(), name.clone()));
        }
    }
    assert!(fields.len() > 30, "found only {} updatable fields: did `Field::update` change?", fields.len());
    fields
}

/// Kinds whose tags are compared: all but those whose `has_own_tags()` says not.
fn kinds_with_tags() -> Vec<String> {
    kind_sources()
        .into_iter()
        .filter(|(kind, _)| kind != "mod")
        .filter(|(_, source)| !source.contains("fn has_own_tags() -> bool {\n        false"))
        .map(|(kind, _)| kind)
        .collect()
}

/// `pub const NAME: FieldId = FieldId::new("name")` of a kind's source: constant -> name.
fn field_names(source: &str) -> BTreeMap<String, String> {
    source
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("pub const ")?;
            let (constant, rest) = rest.split_once(": FieldId = FieldId::new(\"")?;
            Some((constant.to_string(), rest.split_once('"')?.0.to_string()))
        })
        .collect()
}

/// (kind, source) of every module in crates/plan/src/kinds/.
fn kind_sources() -> Vec<(String, String)> {
    let dir = workspace_root().join("crates/plan/src/kinds");
    let mut sources: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .map(|path| {
            let kind = path.file_stem().unwrap().to_string_lossy().into_owned();
            (kind, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    sources.sort();
    sources
}
