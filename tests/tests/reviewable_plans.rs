//! Plans a reviewer can read (issue 15, item 6), end to end: the real binary against moto on the shipped
//! workshop. The ownership tags are said once; each block says which file and line it comes from; an image
//! bump is the service moving from the revision it runs to the next one (and applying it makes exactly that
//! revision); destroy lists its deletions in the order it then makes the calls (recorded by the proxy).

use reconciler_tests::fault_proxy::{Fault, FaultProxy, RecordedCall};
use reconciler_tests::plans::{converge, edit};
use reconciler_tests::{DesiredDir, Emulator, Run, run_reconciler};

const CLUSTER: &str = "container-demo";
const FRONTEND: &str = "ecsdemo-frontend";

/// A text dry run (`--once --dry-run`, text output) of `desired`.
fn text_dry_run(emulator: &Emulator, desired: &DesiredDir) -> Run {
    let run = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--dry-run"]);
    assert_eq!(run.code, 0, "{run}");
    run
}

/// The 1-based line of `file` in `desired` that is exactly `header` (a declaration's table header).
fn line_of(desired: &DesiredDir, file: &str, header: &str) -> usize {
    let text = std::fs::read_to_string(desired.path().join(file)).unwrap();
    1 + text.lines().position(|l| l == header).unwrap_or_else(|| panic!("no {header} in {file}"))
}

/// `# (from DIR/FILE:LINE)`, as the plan names the declaration at `header` of `file`.
fn origin(desired: &DesiredDir, file: &str, header: &str) -> String {
    format!("  # (from {}:{})\n", desired.path().join(file).display(), line_of(desired, file, header))
}

/// The revision number of the task definition the frontend service runs.
async fn frontend_revision(emulator: &Emulator) -> u32 {
    let service = emulator.ecs_service(CLUSTER, FRONTEND).await.expect("the frontend service exists");
    let arn = service.task_definition().expect("a task definition");
    arn.rsplit(':').next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no revision in {arn}"))
}

#[tokio::test]
async fn an_image_bump_is_the_service_moving_from_revision_n_to_n_plus_1_and_ownership_tags_are_said_once() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();

    // From an empty account: dozens of creates, the ownership tags said once above them.
    let creation = text_dry_run(&emulator, &desired).stdout;
    assert!(creation.lines().filter(|l| l.starts_with("  + ")).count() > 30, "{creation}");
    assert_eq!(creation.matches("reconciler:owner").count(), 1, "{creation}");
    assert!(creation.lines().nth(1).is_some_and(|l| l.starts_with("Every resource created or adopted is tagged")));
    for key in ["managed-by", "owner", "resource"] {
        assert!(!creation.contains(&format!("+ tags.reconciler:{key} ")), "{key} repeated:\n{creation}");
    }
    let vpc_block =
        format!("will be created: not found\n{}  + vpc.main\n", origin(&desired, "platform.toml", "[vpc.main]"));
    assert!(creation.contains(&vpc_block), "{creation}");

    converge(&emulator, &desired);
    let running = frontend_revision(&emulator).await;
    edit(&desired, "frontend.toml", "brentley/ecsdemo-frontend:latest", "brentley/ecsdemo-frontend:v2");
    let bump = text_dry_run(&emulator, &desired).stdout;
    let moves = format!(
        "{}  ~ service.ecsdemo-frontend\n      ~ task_definition = \"{FRONTEND}:{running}\" -> \"{FRONTEND}:{}\"\n          ~ \
         image = \"brentley/ecsdemo-frontend:latest\" -> \"brentley/ecsdemo-frontend:v2\"\n",
        origin(&desired, "frontend.toml", "[service.ecsdemo-frontend]"),
        running + 1
    );
    assert!(bump.contains(&moves), "expected\n{moves}in\n{bump}");
    assert!(!bump.contains("task_definition.ecsdemo-frontend\n"), "no block of its own:\n{bump}");
    assert!(bump.contains("Plan: 0 to add, 1 to change (1 to a new revision), 0 to replace.\n"), "{bump}");
    assert!(!bump.contains("reconciler:owner"), "nothing is created or adopted:\n{bump}");

    // What the plan said is what happens: the service runs the revision it named.
    converge(&emulator, &desired);
    assert_eq!(frontend_revision(&emulator).await, running + 1);
}

/// The kind of the resource a mutating call deletes, for the one call that deletes each kind; `None` for
/// every other call (reads, and the calls that prepare a deletion: detaching, revoking, scaling down).
fn deleted_kind(call: &RecordedCall) -> Option<&'static str> {
    Some(match (call.service.as_str(), call.operation.as_str()) {
        ("application-autoscaling", "DeleteScalingPolicy") => "scaling_policy",
        ("application-autoscaling", "DeleteScheduledAction") => "scheduled_action",
        ("application-autoscaling", "DeregisterScalableTarget") => "scalable_target",
        ("logs", "DeleteLogGroup") => "log_group",
        ("ec2", "DeleteInternetGateway") => "internet_gateway",
        ("ec2", "DeleteNatGateway") => "nat_gateway",
        ("ec2", "DeleteRouteTable") => "route_table",
        ("ec2", "DeleteSecurityGroup") => "security_group",
        ("ec2", "DeleteSubnet") => "subnet",
        ("ec2", "DeleteVpc") => "vpc",
        ("ec2", "ReleaseAddress") => "elastic_ip",
        ("ec2", "TerminateInstances") => "instance",
        ("ecs", "DeleteCluster") => "cluster",
        ("ecs", "DeleteService") => "service",
        ("ecs", "DeregisterTaskDefinition") => "task_definition",
        ("elasticloadbalancing", "DeleteListener") => "listener",
        ("elasticloadbalancing", "DeleteLoadBalancer") => "load_balancer",
        ("elasticloadbalancing", "DeleteRule") => "listener_rule",
        ("elasticloadbalancing", "DeleteTargetGroup") => "target_group",
        ("iam", "DeleteInstanceProfile") => "instance_profile",
        ("iam", "DeleteRole") => "role",
        ("servicediscovery", "DeleteNamespace") => "namespace",
        ("servicediscovery", "DeleteService") => "discovery_service",
        _ => return None,
    })
}

/// Whether the call's body names `id`, as JSON (raw) or as a form (percent-encoded).
fn names(call: &RecordedCall, id: &str) -> bool {
    call.body.contains(id) || call.body.contains(&id.replace(':', "%3A").replace('/', "%2F"))
}

/// `(kind, address, id)` of each deletion of a destroy's JSON plan, in plan order.
fn planned_deletions(run: &Run) -> Vec<(String, String, String)> {
    let json = run.json();
    let field = |action: &serde_json::Value, key: &str| action[key].as_str().unwrap_or_default().to_string();
    json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (field(a, "kind"), field(a, "address"), field(a, "id")))
        .collect()
}

#[tokio::test]
async fn destroy_lists_its_deletions_in_the_order_it_makes_them() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);

    // What the reviewer reads: the text plan's deletions, top to bottom.
    let shown = emulator.reconciler(&["destroy", "--config-dir", desired.arg(), "--dry-run"]);
    assert_eq!(shown.code, 0, "{shown}");
    let read: Vec<&str> = shown.stdout.lines().filter_map(|l| l.strip_prefix("  - ")).collect();
    assert!(shown.stdout.contains(&format!("  # (from {}", desired.path().display())), "{shown}");

    let proxy = FaultProxy::with_fault(emulator.port(), "no request contains this", Fault::Error);
    let destroyed =
        run_reconciler(&proxy.endpoint(), &["destroy", "--config-dir", desired.arg(), "--yes", "--output", "json"]);
    assert_eq!(destroyed.code, 0, "{destroyed}");
    let planned = planned_deletions(&destroyed);
    let addresses: Vec<&str> = planned.iter().map(|(_, address, _)| address.as_str()).collect();
    assert_eq!(read, addresses, "the text and the JSON list the same deletions in the same order");

    // One deleting call per resource, in plan order: same kind at each place, and the same resource wherever the
    // call names it by its id.
    let mut calls: Vec<RecordedCall> = proxy.recorded().into_iter().filter(|c| deleted_kind(c).is_some()).collect();
    calls.dedup_by(|a, b| (&a.operation, &a.body) == (&b.operation, &b.body)); // A retried call is one deletion.
    let kinds = |calls: &[RecordedCall]| calls.iter().map(|c| deleted_kind(c).unwrap()).collect::<Vec<_>>();
    let planned_kinds: Vec<&str> = planned.iter().map(|(kind, _, _)| kind.as_str()).collect();
    assert_eq!(kinds(&calls), planned_kinds, "calls in the order planned: {addresses:#?}");
    for (call, (kind, address, id)) in calls.iter().zip(&planned) {
        let named: Vec<&str> =
            planned.iter().filter(|(k, _, i)| k == kind && names(call, i)).map(|(_, a, _)| a.as_str()).collect();
        assert!(named.is_empty() || named.contains(&address.as_str()), "{address} ({id}) planned, {named:?} deleted");
    }
    assert!(calls.iter().zip(&planned).filter(|(call, (_, _, id))| names(call, id)).count() > planned.len() / 2);
}
