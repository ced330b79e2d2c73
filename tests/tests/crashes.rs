//! Crashes, end to end: the reconciler dies in the middle of a converge of the workshop, at a chosen mutating
//! call, either before the call reaches AWS or after it took effect there (the proxy holds the call without
//! an answer; the test then kills the process, as a power cut or an OOM kill would). One more pass must then
//! finish the job: no address of ours carried by two resources, exactly the declared resources ours, no extra
//! task definition revision, and nothing left to do.
//!
//! The default run samples the calls where a crash leaves something half-made (a create that takes more than
//! one call, or one whose result the next step needs); `tests/run-long.sh` crashes at every mutating call.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use reconciler_tests::fault_proxy::{Cut, Fault, FaultProxy};
use reconciler_tests::inventory::{copies, duplicates, everything};
use reconciler_tests::plans::{assert_nothing_to_do, converge, pass, planned};
use reconciler_tests::{DesiredDir, Emulator, spawn_reconciler};

/// The longest a pass may take to reach its cut (a converge of the workshop takes seconds).
const REACH_THE_CUT: Duration = Duration::from_secs(180);

/// The addresses a converge of `desired` creates on an empty account: what must be ours afterwards.
fn declared(emulator: &Emulator, desired: &DesiredDir) -> BTreeSet<String> {
    let dry = pass(emulator, desired, &["--dry-run"]);
    planned(&dry).into_iter().filter(|a| a.action == "create").map(|a| a.address).collect()
}

/// What a crash left: the account, the desired state, and what a converge from empty would have created.
struct Crashed {
    emulator: Emulator,
    desired: DesiredDir,
    declared: BTreeSet<String>,
    /// The operation the cut fell on.
    operation: String,
}

/// Runs a converge of the workshop through a proxy with `cut` and kills it once the cut has fallen.
fn crash(cut: Cut) -> Crashed {
    crash_converging(DesiredDir::workshop(), cut)
}

/// Runs a converge of `desired` through a proxy with `cut` and kills it once the cut has fallen.
fn crash_converging(desired: DesiredDir, cut: Cut) -> Crashed {
    let emulator = Emulator::start();
    let declared = declared(&emulator, &desired);
    let proxy = FaultProxy::cut(emulator.port(), cut);
    // One change at a time, so that the n-th mutating call is the same call every run.
    let args = ["--config-dir", desired.arg(), "--once", "--concurrency", "1"];
    let mut crashing = spawn_reconciler(&proxy.endpoint(), &args);
    let started = Instant::now();
    while !proxy.cut_has_fallen() {
        if let Some(status) = crashing.try_wait().expect("the pass runs") {
            panic!("the pass ended ({status}) before its cut {cut:?}: {} mutating calls", proxy.mutating_seen());
        }
        assert!(started.elapsed() < REACH_THE_CUT, "the cut {cut:?} never fell");
        std::thread::sleep(Duration::from_millis(20));
    }
    crashing.kill().expect("the crash");
    crashing.wait().expect("the crashed pass is reaped");
    let operation = proxy.cut_operation().unwrap_or_default();
    eprintln!("crashed at {operation} ({cut:?})");
    Crashed { emulator, desired, declared, operation }
}

/// The task definition revisions of ours still ACTIVE, per family address.
async fn revisions(emulator: &Emulator) -> BTreeMap<String, usize> {
    let all = copies(emulator, "default").await;
    all.into_iter().filter(|(address, _)| address.starts_with("task_definition.")).collect()
}

/// Crashes at `cut`, recovers with one pass straight to the emulator and checks what is left. Returns the
/// operation the cut fell on.
async fn a_crash_is_recovered_by_one_pass(cut: Cut) -> String {
    recovered_by_one_pass(crash(cut)).await
}

async fn recovered_by_one_pass(crashed: Crashed) -> String {
    let Crashed { emulator, desired, declared, operation } = crashed;
    let recovering = converge(&emulator, &desired);
    assert_eq!(duplicates(&emulator, "default").await, BTreeMap::new(), "crash at {operation}\n{recovering}");
    let revisions = revisions(&emulator).await;
    assert!(revisions.values().all(|n| *n == 1), "one revision per family after a crash at {operation}: {revisions:?}");
    let ours = everything(&emulator, "default").await;
    assert_eq!(ours, declared, "exactly the declared resources are ours after a crash at {operation}");
    assert_nothing_to_do(&emulator, &desired);
    operation
}

/// What a crash left half-made (an instance profile without its role, a revision no service runs) is found and
/// removed by `destroy`.
async fn destroy_after_a_crash_leaves_nothing_of_ours(cut: Cut) {
    let Crashed { emulator, desired, operation, .. } = crash(cut);
    let destroyed = emulator.reconciler(&["destroy", "--config-dir", desired.arg(), "--yes", "--output", "json"]);
    assert_eq!(destroyed.code, 0, "destroy after a crash at {operation}: {destroyed}");
    assert_eq!(everything(&emulator, "default").await, BTreeSet::new(), "after a crash at {operation}: {destroyed}");
    assert_eq!(revisions(&emulator).await, BTreeMap::new(), "no revision of ours is left: {destroyed}");
}

#[tokio::test]
async fn destroy_removes_an_instance_profile_a_crash_left_without_its_role() {
    destroy_after_a_crash_leaves_nothing_of_ours(Cut::at_first("AddRoleToInstanceProfile", false)).await;
}

#[tokio::test]
async fn destroy_removes_a_revision_a_crash_left_without_its_service() {
    // The first revision is registered before any ECS service exists: the crash leaves it run by nothing.
    destroy_after_a_crash_leaves_nothing_of_ours(Cut::at_first("RegisterTaskDefinition", true)).await;
}

/// How many mutating calls a converge of the workshop makes, one change at a time.
fn mutating_calls_of_a_converge() -> usize {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    // A fault that never falls: the proxy only counts.
    let counting = FaultProxy::with_fault(emulator.port(), "no request contains this", Fault::Error);
    let run = reconciler_tests::run_reconciler(
        &counting.endpoint(),
        &["--config-dir", desired.arg(), "--once", "--concurrency", "1", "--output", "json"],
    );
    assert_eq!(run.code, 0, "{run}");
    counting.mutating_seen()
}

macro_rules! crash_tests {
    ($($name:ident => $operation:literal, reaches_aws: $reaches:literal,)*) => {$(
        #[tokio::test]
        async fn $name() {
            let operation = a_crash_is_recovered_by_one_pass(Cut::at_first($operation, $reaches)).await;
            assert_eq!(operation, $operation);
        }
    )*};
}

crash_tests! {
    crash_before_create_vpc_reaches_aws => "CreateVpc", reaches_aws: false,
    crash_after_create_vpc_took_effect => "CreateVpc", reaches_aws: true,
    crash_after_create_security_group_took_effect => "CreateSecurityGroup", reaches_aws: true,
    crash_after_create_instance_profile_took_effect => "CreateInstanceProfile", reaches_aws: true,
    crash_after_create_role_took_effect => "CreateRole", reaches_aws: true,
    crash_after_register_task_definition_took_effect => "RegisterTaskDefinition", reaches_aws: true,
    crash_after_create_load_balancer_took_effect => "CreateLoadBalancer", reaches_aws: true,
    // Cloud Map's CreateService comes first (an ECS service registers in its Cloud Map service).
    crash_after_the_first_create_service_took_effect => "CreateService", reaches_aws: true,
}

/// A shared load balancer's listener rule made and the pass killed before it recorded the rule's ARN: the next
/// pass finds the rule by its listener and priority instead of making a second one.
#[tokio::test]
async fn crash_after_create_rule_took_effect() {
    let crashed = crash_converging(DesiredDir::example("shared-load-balancer"), Cut::at_first("CreateRule", true));
    assert_eq!(recovered_by_one_pass(crashed).await, "CreateRule");
}

/// Every mutating call of a converge, before and after it reaches AWS: the calls are dealt to four shards
/// (n-th call to shard n mod 4), so that a parallel test runner takes them two or more at a time.
async fn a_crash_at_every_mutating_call_of_the_shard_is_recovered_by_one_pass(shard: usize) {
    let calls = mutating_calls_of_a_converge();
    // `CRASH_MATRIX_FROM=N` resumes a long run at the N-th call.
    let from = std::env::var("CRASH_MATRIX_FROM").ok().and_then(|n| n.parse().ok()).unwrap_or(1);
    eprintln!("a converge makes {calls} mutating calls; shard {shard} crashes at its share from the {from}th");
    let mut recovered = Vec::new();
    for n in (from..=calls).filter(|n| n % SHARDS == shard) {
        for cut in [Cut::before_aws(n), Cut::after_aws(n)] {
            let operation = a_crash_is_recovered_by_one_pass(cut).await;
            recovered.push(format!("{n}:{operation}:{}", if cut.reaches_aws { "after" } else { "before" }));
        }
    }
    eprintln!("shard {shard}: recovered from {} crash points: {}", recovered.len(), recovered.join(" "));
}

const SHARDS: usize = 4;

macro_rules! crash_matrix_shards {
    ($($name:ident => $shard:literal,)*) => {$(
        #[tokio::test]
        #[ignore = "long matrix: tests/run-long.sh"]
        async fn $name() {
            a_crash_at_every_mutating_call_of_the_shard_is_recovered_by_one_pass($shard).await;
        }
    )*};
}

crash_matrix_shards! {
    a_crash_at_every_mutating_call_is_recovered_shard_0 => 0,
    a_crash_at_every_mutating_call_is_recovered_shard_1 => 1,
    a_crash_at_every_mutating_call_is_recovered_shard_2 => 2,
    a_crash_at_every_mutating_call_is_recovered_shard_3 => 3,
}
