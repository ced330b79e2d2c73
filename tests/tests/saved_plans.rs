//! Saved plans (issue 15 item 5), the review-then-apply flow of a CI pipeline: `--once --plan-out FILE` plans
//! and changes nothing; `reconciler apply FILE` applies exactly that plan, and refuses, saying what changed
//! and changing nothing, when the files or the live state moved since. The real binary against moto, through
//! a counting proxy to see that a refusal makes no mutating call.

use reconciler_tests::fault_proxy::{Fault, FaultProxy};
use reconciler_tests::plans::{assert_nothing_to_do, converge, edit};
use reconciler_tests::{DesiredDir, Emulator, Run, run_reconciler};

const CLUSTER: &str = "container-demo";

fn counting(emulator: &Emulator) -> FaultProxy {
    FaultProxy::with_fault(emulator.port(), "no request contains this", Fault::Error)
}

fn plan_out(proxy: &FaultProxy, desired: &DesiredDir, file: &std::path::Path) -> Run {
    let file = file.to_str().unwrap();
    run_reconciler(&proxy.endpoint(), &["--once", "--config-dir", desired.arg(), "--plan-out", file])
}

fn apply(proxy: &FaultProxy, file: &std::path::Path) -> Run {
    run_reconciler(&proxy.endpoint(), &["apply", file.to_str().unwrap()])
}

async fn desired_count(emulator: &Emulator, service: &str) -> i32 {
    emulator.ecs_service(CLUSTER, service).await.expect("the service exists").desired_count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_changes_nothing_until_applied_and_then_exactly_that() {
    let emulator = Emulator::start();
    let proxy = counting(&emulator);
    let desired = DesiredDir::workshop();
    let saved = desired.path().parent().unwrap().join(format!("{}.plan.json", std::process::id()));

    let planned = plan_out(&proxy, &desired, &saved);
    assert_eq!(planned.code, 0, "{planned}");
    assert_eq!(proxy.mutating_seen(), 0, "planning changes nothing: {planned}");
    assert!(planned.stdout.contains("cluster.container-demo"), "the plan is shown: {planned}");
    assert!(planned.stderr.contains("reconciler apply"), "{planned}");
    let file: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert!(file["plan"]["actions"].as_array().is_some_and(|a| !a.is_empty()), "the plan is in the file: {file:#}");
    assert!(file["files"]["frontend.toml"].is_string(), "the files are fingerprinted: {file:#}");

    let applied = apply(&proxy, &saved);
    assert_eq!(applied.code, 0, "{applied}");
    assert!(proxy.mutating_seen() > 0);
    assert!(emulator.cluster(CLUSTER).await.is_some(), "applied");
    assert_nothing_to_do(&emulator, &desired);
    let _ = std::fs::remove_file(&saved);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_is_refused_after_a_change_by_hand_or_to_a_file() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    let saved = desired.path().parent().unwrap().join(format!("{}.refused.plan.json", std::process::id()));

    // Reviewed: nodejs goes to 2 tasks. Then someone changes it by hand before the apply.
    edit(&desired, "nodejs.toml", "desired_count = 1", "desired_count = 2");
    let proxy = counting(&emulator);
    assert_eq!(plan_out(&proxy, &desired, &saved).code, 0);
    let ecs = emulator.ecs().await;
    ecs.update_service().cluster(CLUSTER).service("ecsdemo-nodejs").desired_count(3).send().await.unwrap();
    let writes_before = proxy.mutating_seen();
    let refused = apply(&proxy, &saved);
    assert_eq!(refused.code, 1, "{refused}");
    assert!(refused.stderr.contains("live resource service.ecsdemo-nodejs changed"), "names what changed: {refused}");
    assert!(refused.stderr.contains("Nothing was changed"), "{refused}");
    assert_eq!(proxy.mutating_seen(), writes_before, "a refused plan makes no change: {refused}");
    assert_eq!(desired_count(&emulator, "ecsdemo-nodejs").await, 3, "the count set by hand is left");

    // Planned again, then a file changes before the apply: refused before AWS is even read.
    assert_eq!(plan_out(&proxy, &desired, &saved).code, 0);
    edit(&desired, "crystal.toml", "cpu = 256", "cpu = 512");
    let calls_before = proxy.counts().requests;
    let refused = apply(&proxy, &saved);
    assert_eq!(refused.code, 1, "{refused}");
    assert!(refused.stderr.contains("file crystal.toml changed"), "{refused}");
    assert_eq!(proxy.counts().requests, calls_before, "no AWS call for a plan whose files changed: {refused}");

    // A file that is not a saved plan is refused with a clear word.
    std::fs::write(&saved, "{}").unwrap();
    let refused = apply(&proxy, &saved);
    assert_eq!(refused.code, 1, "{refused}");
    assert!(refused.stderr.contains("not a saved plan"), "{refused}");
    let _ = std::fs::remove_file(&saved);
}
