//! A production-shaped service end to end (examples/production): the real binary against a moto server. Its
//! task role, secrets, container health check, health check grace period, ECS Exec, sidecar and HTTPS route
//! are made as declared, a second pass changes nothing, each one changed by hand in AWS is put back, a rotated
//! secret redeploys the service once, and no secret value appears in anything we print.

use reconciler_tests::plans::{
    action, apply_as_planned, assert_nothing_to_do, assert_quiet_pass, converge, edit, pass, pending_dry_run, planned,
};
use reconciler_tests::{DesiredDir, Emulator};

const CLUSTER: &str = "container-demo";
const SERVICE: &str = "ecsdemo-api";
const PARAMETER: &str = "/ecsdemo/api/db-password";
const SECRET: &str = "ecsdemo/api";
const DOMAIN: &str = "api.example.com";
/// The values: none may appear in any output.
const PASSWORD: &str = "hunter2-Pa55word";
const TOKEN: &str = "tok-9f8e7d6c5b4a";

/// The emulator with the example's parameter and secret in it (as a platform team would have made them), and
/// the example's files.
async fn with_secrets() -> (Emulator, DesiredDir) {
    let emulator = Emulator::start();
    put_password(&emulator, PASSWORD).await;
    let secret = format!(r#"{{"token": "{TOKEN}", "otel": "otel-key", "other": "x"}}"#);
    emulator.secretsmanager().await.create_secret().name(SECRET).secret_string(secret).send().await.unwrap();
    // The HTTPS listener's certificate. The emulator issues a private one at once; a public one waits for DNS.
    let acm = emulator.acm().await;
    let ca = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/test";
    acm.request_certificate().domain_name(DOMAIN).certificate_authority_arn(ca).send().await.unwrap();
    (emulator, DesiredDir::example("production"))
}

/// Writes the database password parameter (a new version when it exists).
async fn put_password(emulator: &Emulator, value: &str) {
    let ssm = emulator.ssm().await;
    let put = ssm.put_parameter().name(PARAMETER).value(value).overwrite(true);
    put.r#type(aws_sdk_ssm::types::ParameterType::SecureString).send().await.unwrap();
}

/// Fails if a secret value is anywhere in `text`.
fn assert_no_secret_value(text: &str, what: &str) {
    for value in [PASSWORD, TOKEN] {
        assert!(!text.contains(value), "a secret value is in {what}: {text}");
    }
}

async fn running_definition(emulator: &Emulator) -> aws_sdk_ecs::types::TaskDefinition {
    let service = emulator.ecs_service(CLUSTER, SERVICE).await.expect("the service exists");
    let ecs = emulator.ecs().await;
    let out = ecs.describe_task_definition().task_definition(service.task_definition().unwrap()).send().await.unwrap();
    out.task_definition().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_production_service_runs_with_its_task_role_health_check_grace_period_and_exec() {
    let (emulator, desired) = with_secrets().await;
    converge(&emulator, &desired);
    assert_quiet_pass(&emulator, &desired);

    let role = emulator.iam().await.get_role().role_name("ecsdemo-api-task").send().await.unwrap();
    let definition = running_definition(&emulator).await;
    assert_eq!(definition.task_role_arn(), Some(role.role().unwrap().arn()), "the containers assume the task role");
    assert_ne!(definition.task_role_arn(), definition.execution_role_arn(), "two roles, not one");
    let check = definition.container_definitions()[0].health_check().expect("a container health check");
    assert_eq!(check.command(), ["CMD-SHELL", "curl -fsS http://localhost/ || exit 1"]);
    assert_eq!(
        (check.interval(), check.timeout(), check.retries(), check.start_period()),
        (Some(15), Some(5), Some(3), Some(30))
    );
    let service = emulator.ecs_service(CLUSTER, SERVICE).await.unwrap();
    assert_eq!(service.health_check_grace_period_seconds(), Some(60));
    assert!(service.enable_execute_command());
}

#[tokio::test(flavor = "multi_thread")]
async fn grace_period_and_exec_changed_by_hand_are_put_back_in_place() {
    let (emulator, desired) = with_secrets().await;
    converge(&emulator, &desired);
    let before = running_definition(&emulator).await.task_definition_arn().unwrap().to_string();

    let ecs = emulator.ecs().await;
    ecs.update_service()
        .cluster(CLUSTER)
        .service(SERVICE)
        .health_check_grace_period_seconds(0)
        .enable_execute_command(false)
        .send()
        .await
        .unwrap();
    let dry = pending_dry_run(&emulator, &desired);
    let plan = planned(&dry);
    assert_eq!(plan.len(), 1, "only the service: {plan:#?}");
    let update = action(&plan, &format!("service.{SERVICE}"));
    assert_eq!(update.action, "update");
    assert_eq!(update.reason_code, "drift");
    assert_eq!(update.fields, ["health_check_grace_period_seconds", "enable_execute_command"]);
    assert_eq!(update.before_after("health_check_grace_period_seconds"), (&0.into(), &60.into()));
    assert_eq!(update.before_after("enable_execute_command"), (&false.into(), &true.into()));

    apply_as_planned(&emulator, &desired, &plan);
    assert_nothing_to_do(&emulator, &desired);
    let service = emulator.ecs_service(CLUSTER, SERVICE).await.unwrap();
    assert_eq!((service.health_check_grace_period_seconds(), service.enable_execute_command()), (Some(60), true));
    let after = running_definition(&emulator).await.task_definition_arn().unwrap().to_string();
    assert_eq!(after, before, "settings of the service, not of its task definition: no new revision");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_health_check_or_task_role_registers_one_new_revision() {
    let (emulator, desired) = with_secrets().await;
    converge(&emulator, &desired);
    let first = running_definition(&emulator).await;

    edit(&desired, "api.toml", "retries = 3", "retries = 5");
    let plan = planned(&pending_dry_run(&emulator, &desired));
    let replace = action(&plan, &format!("task_definition.{SERVICE}"));
    assert_eq!((replace.action.as_str(), replace.reason_code.as_str()), ("replace", "new_revision"));
    assert_eq!(replace.fields, ["health_check"]);
    apply_as_planned(&emulator, &desired, &plan);
    assert_nothing_to_do(&emulator, &desired);
    let second = running_definition(&emulator).await;
    assert_eq!(second.revision(), first.revision() + 1);
    assert_eq!(second.container_definitions()[0].health_check().unwrap().retries(), Some(5));

    // Without a task role the containers get none: the field goes, in a new revision.
    edit(&desired, "api.toml", "task_role = \"api-task\"\n", "");
    edit(&desired, "api.toml", "enable_execute_command = true", "enable_execute_command = false");
    let plan = planned(&pending_dry_run(&emulator, &desired));
    assert_eq!(action(&plan, &format!("task_definition.{SERVICE}")).fields, ["task_role"]);
    apply_as_planned(&emulator, &desired, &plan);
    assert_nothing_to_do(&emulator, &desired);
    assert_eq!(running_definition(&emulator).await.task_role_arn(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_reach_the_task_definition_by_reference_and_a_rotation_redeploys_once() {
    let (emulator, desired) = with_secrets().await;
    let first = converge(&emulator, &desired);
    let quiet = assert_quiet_pass(&emulator, &desired);

    let arn = emulator.secretsmanager().await.describe_secret().secret_id(SECRET).send().await.unwrap();
    let arn = arn.arn().unwrap().to_string();
    let definition = running_definition(&emulator).await;
    let mut secrets: Vec<(String, String)> = definition.container_definitions()[0]
        .secrets()
        .iter()
        .map(|s| (s.name().to_string(), s.value_from().to_string()))
        .collect();
    secrets.sort();
    assert_eq!(
        secrets,
        [("API_TOKEN".to_string(), format!("{arn}:token::")), ("DB_PASSWORD".to_string(), PARAMETER.to_string())],
        "a parameter by name, a secret's JSON key by the secret's ARN"
    );
    let service = emulator.ecs_service(CLUSTER, SERVICE).await.unwrap();
    let deployment = |s: &aws_sdk_ecs::types::Service| s.deployments()[0].id().unwrap().to_string();
    let started = deployment(&service);

    // A new version of the parameter: exactly the service is updated, once, and says why.
    put_password(&emulator, "hunter3-Pa55word").await;
    let dry = pending_dry_run(&emulator, &desired);
    let plan = planned(&dry);
    assert_eq!(plan.len(), 1, "{plan:#?}");
    let update = action(&plan, &format!("service.{SERVICE}"));
    assert_eq!(update.reason_code, "drift");
    assert!(update.reason.contains("secret DB_PASSWORD rotated"), "{update:?}");
    assert_eq!(update.before_after("tags.reconciler:secret:DB_PASSWORD"), (&"1".into(), &"2".into()));
    let rotation = apply_as_planned(&emulator, &desired, &plan);
    let redeployed = deployment(&emulator.ecs_service(CLUSTER, SERVICE).await.unwrap());
    assert_ne!(redeployed, started, "a new deployment: the tasks read the new version");
    let after = assert_quiet_pass(&emulator, &desired);
    assert_eq!(deployment(&emulator.ecs_service(CLUSTER, SERVICE).await.unwrap()), redeployed, "exactly once");
    assert_eq!(running_definition(&emulator).await.revision(), definition.revision(), "no new revision");

    // Not a value in anything printed, as JSON or as text (plan, apply report, logs).
    let text = pass(&emulator, &desired, &["--dry-run", "--output", "text"]);
    for (what, run) in
        [("first pass", &first), ("quiet pass", &quiet), ("rotation", &rotation), ("after", &after), ("text", &text)]
    {
        assert_no_secret_value(&run.stdout, &format!("{what} stdout"));
        assert_no_secret_value(&run.stderr, &format!("{what} stderr"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_whose_secret_does_not_exist_is_held_until_it_does() {
    let (emulator, desired) = with_secrets().await;
    emulator
        .secretsmanager()
        .await
        .delete_secret()
        .secret_id(SECRET)
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    let run = pass(&emulator, &desired, &[]);
    assert_eq!(run.code, 1, "not converged: {run}");
    let json = run.json();
    let held: Vec<(String, String)> = json["held"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["address"].as_str().unwrap().to_string(), h["missing"].as_str().unwrap_or_default().to_string()))
        .collect();
    assert_eq!(
        held,
        // The service's autoscaling waits with it.
        [
            format!("task_definition.{SERVICE}"),
            format!("service.{SERVICE}"),
            format!("scalable_target.{SERVICE}"),
            format!("scaling_policy.{SERVICE}/{SERVICE}-cpu"),
            format!("scheduled_action.{SERVICE}/evenings"),
            format!("scheduled_action.{SERVICE}/working-hours"),
        ]
        .map(|address| (address, format!("secret {SECRET}"))),
        "{run}"
    );
    assert!(emulator.ecs_service(CLUSTER, SERVICE).await.is_none(), "no service that cannot start its tasks");

    // Made, it is used: the next pass goes on.
    emulator
        .secretsmanager()
        .await
        .create_secret()
        .name(SECRET)
        .secret_string(format!(r#"{{"token": "{TOKEN}"}}"#))
        .send()
        .await
        .unwrap();
    converge(&emulator, &desired);
    assert!(emulator.ecs_service(CLUSTER, SERVICE).await.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_shows_no_secret_value_in_status_metrics_or_logs_through_a_rotation() {
    use std::time::Duration;

    use reconciler_tests::daemon::{Daemon, eventually};
    let (emulator, desired) = with_secrets().await;
    // A missing secret first, so that /status has a reason to talk about one.
    emulator.ssm().await.delete_parameter().name(PARAMETER).send().await.unwrap();
    let mut daemon = Daemon::start(&emulator, desired.path(), &["--resync-interval", "2s"]);
    eventually(Duration::from_secs(60), "a pass holding the service", || {
        // Not yet listening, or no pass yet: not yet.
        let Some((200, body)) = daemon.get("/status") else { return false };
        let status: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let resources = status["resources"].as_array().cloned().unwrap_or_default();
        resources.iter().any(|r| r["address"] == format!("service.{SERVICE}") && r["state"] == "error")
    });
    let held = daemon.status().to_string();
    assert!(held.contains(&format!("parameter {PARAMETER} does not exist")), "{held}");

    put_password(&emulator, PASSWORD).await;
    eventually(Duration::from_secs(60), "the service made", || {
        block_on(emulator.ecs_service(CLUSTER, SERVICE)).is_some()
    });
    put_password(&emulator, "hunter3-Pa55word").await;
    eventually(Duration::from_secs(60), "the rotation applied", || {
        let service = block_on(emulator.ecs_service(CLUSTER, SERVICE));
        service.is_some_and(|s| {
            s.tags().iter().any(|t| t.key() == Some("reconciler:secret:DB_PASSWORD") && t.value() == Some("2"))
        })
    });
    for path in ["/status", "/metrics"] {
        let (_, body) = daemon.get(path).expect("answers");
        assert_no_secret_value(&body, path);
    }
    daemon.signal("TERM");
    daemon.wait_exit(Duration::from_secs(30));
    let log = daemon.log();
    assert!(log.contains("Pass complete"), "the log is read: {log}");
    assert_no_secret_value(&log, "the daemon's log");
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(future))
}

/// Secrets Manager refuses every DescribeSecret: the service and its task definition are left alone (a task
/// definition without its secret's ARN would be wrong), the rest converges, the pass says so and exits 1; with
/// AWS answering again, the next pass makes them.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_that_cannot_be_read_holds_its_service_and_the_rest_converges() {
    use reconciler_tests::fault_proxy::{Fault, FaultProxy};

    let (emulator, desired) = with_secrets().await;
    let proxy = FaultProxy::with_fault(emulator.port(), "secretsmanager.DescribeSecret", Fault::Error);
    let run = reconciler_tests::run_reconciler(
        &proxy.endpoint(),
        &["--config-dir", desired.arg(), "--once", "--output", "json"],
    );
    assert!(proxy.injected() > 0, "{run}");
    assert_eq!(run.code, 1, "{run}");
    let json = run.json();
    assert_eq!(json["unread"][0]["kind"], "task_definition", "{run}");
    let held: Vec<&str> = json["held"].as_array().unwrap().iter().map(|h| h["address"].as_str().unwrap()).collect();
    assert!(held.contains(&"service.ecsdemo-api") && held.contains(&"task_definition.ecsdemo-api"), "{held:?}");
    assert!(emulator.ecs_service(CLUSTER, SERVICE).await.is_none(), "nothing made from a stale picture");
    assert!(emulator.iam().await.get_role().role_name("ecsdemo-api-task").send().await.is_ok(), "the rest converged");
    converge(&emulator, &desired);
    assert!(emulator.ecs_service(CLUSTER, SERVICE).await.is_some());
    assert_nothing_to_do(&emulator, &desired);
}

/// The running revision's containers by name.
async fn containers(
    emulator: &Emulator,
) -> std::collections::BTreeMap<String, aws_sdk_ecs::types::ContainerDefinition> {
    let definition = running_definition(emulator).await;
    definition.container_definitions().iter().map(|c| (c.name().unwrap().to_string(), c.clone())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sidecar_runs_beside_the_main_container_in_its_start_order_behind_https() {
    use aws_sdk_ecs::types::ContainerCondition;
    let (emulator, desired) = with_secrets().await;
    converge(&emulator, &desired);
    assert_quiet_pass(&emulator, &desired);

    let containers = containers(&emulator).await;
    assert_eq!(containers.keys().collect::<Vec<_>>(), [SERVICE, "otel"]);
    let (main, otel) = (&containers[SERVICE], &containers["otel"]);
    assert_eq!(main.essential(), Some(true));
    let after: Vec<(&str, &ContainerCondition)> =
        main.depends_on().iter().map(|d| (d.container_name(), d.condition())).collect();
    assert_eq!(after, [("otel", &ContainerCondition::Healthy)], "the application starts once the collector is healthy");
    assert_eq!(otel.image(), Some("public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0"));
    assert_eq!((otel.essential(), otel.cpu(), otel.memory()), (Some(false), 64, Some(128)));
    assert_eq!(otel.port_mappings()[0].container_port(), Some(4317));
    assert_eq!(otel.command(), ["--config=/etc/ecs/ecs-default-config.yaml"]);
    assert_eq!(otel.health_check().unwrap().command(), ["CMD", "/healthcheck"]);
    let arn = emulator.secretsmanager().await.describe_secret().secret_id(SECRET).send().await.unwrap();
    let secret = &otel.secrets()[0];
    assert_eq!(
        (secret.name(), secret.value_from()),
        ("OTEL_API_KEY", format!("{}:otel::", arn.arn().unwrap()).as_str())
    );
    let logs = otel.log_configuration().unwrap().options().unwrap();
    assert_eq!((logs["awslogs-group"].as_str(), logs["awslogs-stream-prefix"].as_str()), ("/ecs/ecsdemo-api", "api"));

    // Served over HTTPS under /api: the rule is on the 443 listener, plain HTTP redirects.
    let elb = emulator.elbv2().await;
    let balancer = elb.describe_load_balancers().names("ecsdemo-web").send().await.unwrap();
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(balancer.load_balancers()[0].load_balancer_arn().unwrap())
        .send()
        .await
        .unwrap();
    let https = listeners.listeners().iter().find(|l| l.port() == Some(443)).expect("an HTTPS listener");
    let rules = elb.describe_rules().listener_arn(https.listener_arn().unwrap()).send().await.unwrap();
    let forwards: Vec<Option<&str>> = rules
        .rules()
        .iter()
        .filter(|r| !r.is_default().unwrap_or(false))
        .map(|r| r.actions()[0].target_group_arn())
        .collect();
    assert_eq!(forwards, [Some(emulator.target_group_arn(SERVICE).await.as_str())]);

    // A new version of the secret both containers read from: one redeploy, both variables named.
    let secretsmanager = emulator.secretsmanager().await;
    let rotated = format!(r#"{{"token": "{TOKEN}-2", "otel": "otel-key-2"}}"#);
    secretsmanager.put_secret_value().secret_id(SECRET).secret_string(rotated).send().await.unwrap();
    let plan = planned(&pending_dry_run(&emulator, &desired));
    assert_eq!(plan.len(), 1, "{plan:#?}");
    let update = action(&plan, &format!("service.{SERVICE}"));
    for variable in ["API_TOKEN", "otel/OTEL_API_KEY"] {
        assert!(update.reason.contains(&format!("secret {variable} rotated")), "{update:?}");
    }
    apply_as_planned(&emulator, &desired, &plan);
    assert_nothing_to_do(&emulator, &desired);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sidecar_changed_in_its_file_or_by_hand_gets_one_new_revision() {
    let (emulator, desired) = with_secrets().await;
    converge(&emulator, &desired);
    let first = running_definition(&emulator).await;

    edit(&desired, "api.toml", "memory = 128", "memory = 256");
    let plan = planned(&pending_dry_run(&emulator, &desired));
    let replace = action(&plan, &format!("task_definition.{SERVICE}"));
    assert_eq!((replace.action.as_str(), replace.reason_code.as_str()), ("replace", "new_revision"));
    assert_eq!(replace.fields, ["sidecars"]);
    apply_as_planned(&emulator, &desired, &plan);
    assert_nothing_to_do(&emulator, &desired);
    let second = running_definition(&emulator).await;
    assert_eq!(second.revision(), first.revision() + 1);
    assert_eq!(containers(&emulator).await["otel"].memory(), Some(256));

    // Someone deploys a revision without the sidecar: the next pass registers the declared one again.
    let ecs = emulator.ecs().await;
    let mut main = second.container_definitions().iter().find(|c| c.name() == Some(SERVICE)).unwrap().clone();
    main.depends_on = None;
    let by_hand = ecs
        .register_task_definition()
        .family(SERVICE)
        .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .cpu("512")
        .memory("1024")
        .set_execution_role_arn(second.execution_role_arn().map(str::to_string))
        .container_definitions(main)
        .send()
        .await
        .unwrap();
    let by_hand = by_hand.task_definition().unwrap().task_definition_arn().unwrap().to_string();
    ecs.update_service().cluster(CLUSTER).service(SERVICE).task_definition(&by_hand).send().await.unwrap();
    let plan = planned(&pending_dry_run(&emulator, &desired));
    let replace = action(&plan, &format!("task_definition.{SERVICE}"));
    assert!(replace.fields.contains(&"sidecars".to_string()), "{replace:?}");
    assert!(replace.fields.contains(&"depends_on".to_string()), "{replace:?}");
    apply_as_planned(&emulator, &desired, &plan);
    assert_nothing_to_do(&emulator, &desired);
    assert_eq!(containers(&emulator).await.len(), 2, "the sidecar is back");
}

/// Heavy throttling, 5xx answers and latency on every call, the secret, parameter and certificate reads
/// included: the production example still converges in one pass, and nothing is made twice.
#[tokio::test(flavor = "multi_thread")]
async fn the_production_example_converges_through_heavy_weather() {
    use reconciler_tests::fault_proxy::{FaultProxy, RandomProfile, seed_from_env};
    use reconciler_tests::inventory::duplicates;

    let (emulator, desired) = with_secrets().await;
    let proxy = FaultProxy::random(emulator.port(), RandomProfile::heavy(seed_from_env()));
    // 12 attempts, as in bad_day.rs: 40 % odds of failure per attempt, independently.
    let args = ["--config-dir", desired.arg(), "--once", "--output", "json", "--aws-max-attempts", "12"];
    let run = reconciler_tests::run_reconciler(&proxy.endpoint(), &args);
    let counts = proxy.counts();
    assert_eq!(run.code, 0, "{counts:?}\n{run}");
    for service in ["ssm", "secretsmanager", "acm"] {
        assert!(proxy.requests_to(service) > 0, "{service} was read through the weather: {counts:?}");
    }
    assert_eq!(duplicates(&emulator, "default").await, std::collections::BTreeMap::new());
    assert_eq!(containers(&emulator).await.len(), 2);
    assert_nothing_to_do(&emulator, &desired);
}

/// `reconciler show`: the URL through the shared load balancer over HTTPS, both containers, the secrets by
/// where they come from (no value), and the service's tasks with their state and why one stopped.
#[tokio::test(flavor = "multi_thread")]
async fn show_gives_the_url_the_containers_the_secrets_by_reference_and_the_tasks() {
    let (emulator, desired) = with_secrets().await;
    converge(&emulator, &desired);
    // The emulator starts no task for a service: two are run by hand in the service's group, and one stopped.
    let ecs = emulator.ecs().await;
    let container =
        aws_sdk_ecs::types::ContainerDefinition::builder().name("probe").image("busybox:1").memory(64).build();
    ecs.register_task_definition().family("probe").container_definitions(container).send().await.unwrap();
    let subnet =
        emulator.ec2().await.describe_subnets().send().await.unwrap().subnets()[0].subnet_id().unwrap().to_string();
    let network = aws_sdk_ecs::types::NetworkConfiguration::builder()
        .awsvpc_configuration(aws_sdk_ecs::types::AwsVpcConfiguration::builder().subnets(subnet).build().unwrap())
        .build();
    let run = ecs
        .run_task()
        .cluster(CLUSTER)
        .task_definition("probe")
        .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
        .group(format!("service:{SERVICE}"))
        .count(2)
        .network_configuration(network)
        .send()
        .await
        .unwrap();
    let stopped = run.tasks()[0].task_arn().unwrap().to_string();
    ecs.stop_task().cluster(CLUSTER).task(&stopped).reason("Essential container in task exited").send().await.unwrap();

    let shown = emulator.reconciler(&["show", SERVICE, "--config-dir", desired.arg(), "--output", "json"]);
    assert_eq!(shown.code, 0, "{shown}");
    assert_no_secret_value(&shown.stdout, "show");
    let service = &shown.json()["services"][0];
    let dns = emulator.elbv2().await.describe_load_balancers().names("ecsdemo-web").send().await.unwrap();
    let dns = dns.load_balancers()[0].dns_name().unwrap().to_string();
    assert_eq!(service["urls"][0], format!("https://{dns}/api"));
    let containers: Vec<&str> =
        service["containers"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(containers, [SERVICE, "otel"]);
    let secrets: Vec<&str> =
        service["secrets"].as_array().unwrap().iter().map(|s| s["from"].as_str().unwrap()).collect();
    assert!(secrets.contains(&"SSM parameter /ecsdemo/api/db-password"), "{secrets:?}");
    let tasks = service["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    let id = stopped.rsplit('/').next().unwrap();
    let gone = tasks.iter().find(|t| t["id"] == id).expect("the stopped task is listed");
    assert_eq!(gone["stopped_reason"], "Essential container in task exited");

    let text = emulator.reconciler(&["show", "--config-dir", desired.arg()]);
    assert_eq!(text.code, 0, "{text}");
    assert!(text.stdout.contains(&format!("URL          https://{dns}/api")), "{text}");
    assert!(text.stdout.contains("(Essential container in task exited)"), "{text}");
    assert_no_secret_value(&text.stdout, "show as text");
    let unknown = emulator.reconciler(&["show", "nope", "--config-dir", desired.arg()]);
    assert_eq!(unknown.code, 1);
    assert!(unknown.stderr.contains("no service `nope` is declared"), "{unknown}");
}
