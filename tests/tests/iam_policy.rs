//! The policy `reconciler iam-policy` generates is enough and not too much (issue 16): every call the
//! reconciler makes while it converges the workshop, repairs drift, prunes and destroys (recorded through the
//! counting proxy, against moto) is allowed by the policy generated from the workshop's files; and calls on
//! what the files do not declare, or that would widen what the credentials can do, are refused.
//!
//! The emulator does not evaluate IAM: `reconciler_tests::iam_policy` decides as IAM would for the keys the
//! generator writes (see its module documentation for what it assumes).

use std::collections::BTreeMap;
use std::path::Path;

use reconciler_tests::fault_proxy::{Fault, FaultProxy, RecordedCall};
use reconciler_tests::iam_policy::Authorization;
use reconciler_tests::{DesiredDir, Emulator, reconciler_binary, run_reconciler, workspace_root};

const TABLE: &str = "reconciler-lease";

fn policy_for(dir: &Path) -> serde_json::Value {
    let output = std::process::Command::new(reconciler_binary())
        .args(["iam-policy", "--lease-table", TABLE, "--config-dir"])
        .arg(dir)
        .output()
        .expect("reconciler runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("a JSON policy")
}

/// Runs the binary through `proxy` and expects `code`.
fn run(proxy: &FaultProxy, args: &[&str], code: i32) {
    let run = run_reconciler(&proxy.endpoint(), args);
    assert_eq!(run.code, code, "reconciler {args:?}: {run}");
}

/// The services whose mutating calls must each name the resource they act on, so that the policy's
/// resource limits are checked and not only its actions.
const NAME_SCOPED: [&str; 4] = ["iam", "logs", "ecs", "elasticloadbalancing"];
/// Mutating calls AWS gives no resource ARN to limit (their statements are on `*`).
const WITHOUT_RESOURCE: [&str; 2] = ["RegisterTaskDefinition", "DeregisterTaskDefinition"];

fn is_mutating(operation: &str) -> bool {
    !["Describe", "List", "Get", "Filter"].iter().any(|p| operation.starts_with(p))
}

/// Every recorded call checked against `policy`: the refused ones, with the request.
fn refused(calls: &[RecordedCall], policy: &serde_json::Value) -> Vec<String> {
    let mut refused = Vec::new();
    for call in calls {
        let authorization = Authorization::of(call);
        if NAME_SCOPED.contains(&call.service.as_str())
            && is_mutating(&call.operation)
            && !WITHOUT_RESOURCE.contains(&call.operation.as_str())
        {
            assert!(
                !authorization.resources.is_empty(),
                "no resource found in {call:?}: teach iam_policy.rs its parameter"
            );
        }
        if let Err(refusal) = authorization.check(policy) {
            refused.push(format!("{refusal:?} for {} {}", call.operation, call.body));
        }
    }
    refused
}

/// Converges `desired` through a recording proxy, repairs `drift` (made by hand, straight to the emulator),
/// prunes what `pruned_file` declared, destroys the rest; returns the recorded calls.
async fn converge_repair_prune_destroy<F: std::future::Future<Output = ()>>(
    emulator: &Emulator,
    desired: &DesiredDir,
    drift: impl FnOnce() -> F,
    pruned_file: &str,
) -> Vec<RecordedCall> {
    let proxy = FaultProxy::with_fault(emulator.port(), "no request contains this", Fault::Error);
    let dir = desired.arg();
    let lease = ["--lease-table", TABLE];
    run(&proxy, &[&lease[..], &["--create-lease-table"]].concat(), 0);
    run(&proxy, &[&lease[..], &["--once", "--config-dir", dir]].concat(), 0);
    drift().await;
    let repairs_before = proxy.mutating_seen();
    run(&proxy, &[&lease[..], &["--once", "--config-dir", dir]].concat(), 0);
    assert!(proxy.mutating_seen() > repairs_before, "the drift was repaired through the proxy");
    std::fs::remove_file(desired.path().join(pruned_file)).unwrap();
    run(&proxy, &[&lease[..], &["--once", "--allow-mass-delete", "--config-dir", dir]].concat(), 0);
    run(&proxy, &[&lease[..], &["destroy", "--yes", "--config-dir", dir]].concat(), 0);
    assert!(emulator.cluster("container-demo").await.is_none_or(|c| c.status() == Some("INACTIVE")), "destroyed");
    proxy.recorded()
}

/// The mutating calls by `service:Operation`.
fn mutating_operations(calls: &[RecordedCall]) -> BTreeMap<String, usize> {
    let mut per_operation: BTreeMap<String, usize> = BTreeMap::new();
    for call in calls.iter().filter(|c| is_mutating(&c.operation)) {
        *per_operation.entry(format!("{}:{}", call.service, call.operation)).or_default() += 1;
    }
    per_operation
}

fn assert_all_allowed(calls: &[RecordedCall], policy: &serde_json::Value, expected: &[&str]) {
    let per_operation = mutating_operations(calls);
    for expected in expected {
        assert!(per_operation.contains_key(*expected), "no {expected} was recorded: {per_operation:#?}");
    }
    let refused = refused(calls, policy);
    assert!(
        refused.is_empty(),
        "{} of {} calls refused by the generated policy:\n{}",
        refused.len(),
        calls.len(),
        refused.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_call_of_converge_drift_repair_prune_and_destroy_is_allowed_by_the_generated_policy() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let policy = policy_for(desired.path());
    // Drift: a log group's retention, a service's count. Prune: the frontend (service, load balancer,
    // listener, target group, its security group, autoscaling, log group, Cloud Map service).
    let drift = || async {
        let logs = emulator.logs().await;
        logs.put_retention_policy().log_group_name("/ecs/ecsdemo-nodejs").retention_in_days(1).send().await.unwrap();
        let ecs = emulator.ecs().await;
        ecs.update_service().cluster("container-demo").service("ecsdemo-nodejs").desired_count(5).send().await.unwrap();
    };
    let calls = converge_repair_prune_destroy(&emulator, &desired, drift, "frontend.toml").await;
    // The runs made the calls the policy is about: creates, changes and deletes of every service.
    let expected = [
        "ec2:CreateVpc",
        "ec2:DeleteVpc",
        "ecs:CreateService",
        "ecs:UpdateService",
        "ecs:DeleteService",
        "iam:CreateRole",
        "iam:AttachRolePolicy",
        "iam:DeleteRole",
        "logs:PutRetentionPolicy",
        "logs:DeleteLogGroup",
        "elasticloadbalancing:CreateLoadBalancer",
        "elasticloadbalancing:DeleteLoadBalancer",
        "servicediscovery:CreateService",
        "servicediscovery:DeleteNamespace",
        "application-autoscaling:RegisterScalableTarget",
        "dynamodb:UpdateItem",
    ];
    assert_all_allowed(&calls, &policy, &expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_production_example_with_https_rules_secrets_and_schedules_is_allowed_too() {
    let emulator = Emulator::start();
    let ssm = emulator.ssm().await;
    let put = ssm
        .put_parameter()
        .name("/ecsdemo/api/db-password")
        .value("p")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString);
    put.send().await.unwrap();
    let secret = r#"{"token": "t", "otel": "o"}"#;
    emulator.secretsmanager().await.create_secret().name("ecsdemo/api").secret_string(secret).send().await.unwrap();
    // The emulator issues a private certificate at once; a public one would wait for DNS.
    let ca = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/test";
    let acm = emulator.acm().await;
    acm.request_certificate().domain_name("api.example.com").certificate_authority_arn(ca).send().await.unwrap();
    let desired = DesiredDir::example("production");
    let policy = policy_for(desired.path());
    let drift = || async {
        let logs = emulator.logs().await;
        logs.put_retention_policy().log_group_name("/ecs/ecsdemo-api").retention_in_days(1).send().await.unwrap();
    };
    let calls = converge_repair_prune_destroy(&emulator, &desired, drift, "api.toml").await;
    let expected = [
        "elasticloadbalancing:CreateRule",
        "elasticloadbalancing:DeleteRule",
        "elasticloadbalancing:CreateListener",
        "application-autoscaling:PutScheduledAction",
        "application-autoscaling:PutScalingPolicy",
        "iam:PutRolePolicy",
        "ecs:RegisterTaskDefinition",
    ];
    assert_all_allowed(&calls, &policy, &expected);
}

/// A call as a recorded one would be: `form` for the query protocols (IAM, EC2, ELB), JSON otherwise.
fn call(service: &str, operation: &str, body: &str) -> RecordedCall {
    let json = body.starts_with('{');
    RecordedCall { service: service.into(), operation: operation.into(), body: body.into(), json }
}

const OURS_JSON: &str =
    r#"[{"key":"reconciler:managed-by","value":"reconciler"},{"key":"reconciler:owner","value":"default"}]"#;

#[test]
fn calls_beyond_the_declared_resources_are_refused() {
    let policy = policy_for(&workspace_root().join("config"));
    let allowed = |c: RecordedCall| Authorization::of(&c).check(&policy).is_ok();

    // What the reconciler itself does is allowed (the baseline of each refusal below).
    assert!(allowed(call("logs", "DeleteLogGroup", r#"{"logGroupName":"/ecs/ecsdemo-nodejs"}"#)));
    assert!(allowed(call(
        "ecs",
        "CreateCluster",
        &format!(r#"{{"clusterName":"container-demo","tags":{OURS_JSON}}}"#)
    )));
    let attach = "Action=AttachRolePolicy&RoleName=ecsdemo-task-execution&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2Fservice-role%2FAmazonECSTaskExecutionRolePolicy";
    assert!(allowed(call("iam", "AttachRolePolicy", attach)));

    // Resources the files do not declare.
    assert!(
        !allowed(call("logs", "DeleteLogGroup", r#"{"logGroupName":"/aws/lambda/payments"}"#)),
        "another log group"
    );
    assert!(!allowed(call("iam", "PutRolePolicy", "Action=PutRolePolicy&RoleName=admin&PolicyName=x")), "another role");
    assert!(!allowed(call("iam", "DeleteRole", "Action=DeleteRole&RoleName=OrganizationAccountAccessRole")));
    assert!(
        !allowed(call("ecs", "DeleteService", r#"{"cluster":"payments","service":"api"}"#)),
        "a service in another cluster"
    );
    let other_lb = "Action=DeleteLoadBalancer&LoadBalancerArn=arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%3A123456789012%3Aloadbalancer%2Fapp%2Fpayments%2F1";
    assert!(!allowed(call("elasticloadbalancing", "DeleteLoadBalancer", other_lb)), "another load balancer");

    // Widening what the credentials can do: an administrator policy on a declared role.
    let admin = "Action=AttachRolePolicy&RoleName=ecsdemo-task-execution&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAdministratorAccess";
    assert!(!allowed(call("iam", "AttachRolePolicy", admin)), "AdministratorAccess is not declared");

    // Creates that would make untagged resources, which no later pass could tell from someone else's.
    assert!(!allowed(call("ecs", "CreateCluster", r#"{"clusterName":"container-demo"}"#)), "an untagged cluster");
    assert!(!allowed(call("ec2", "CreateVpc", "Action=CreateVpc&CidrBlock=10.0.0.0%2F16")), "an untagged VPC");
    let other_owner = "Action=CreateVpc&CidrBlock=10.0.0.0%2F16&TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=reconciler%3Amanaged-by&TagSpecification.1.Tag.1.Value=reconciler&TagSpecification.1.Tag.2.Key=reconciler%3Aowner&TagSpecification.1.Tag.2.Value=team-b";
    assert!(!allowed(call("ec2", "CreateVpc", other_owner)), "a VPC for another owner id");
}
