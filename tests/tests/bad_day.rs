//! The reconciler on a bad day, end to end: the real binary through the fault proxy to moto.

use std::collections::BTreeMap;
use std::time::Duration;

use reconciler_tests::fault_proxy::{Fault, FaultProxy, RandomProfile, seed_from_env};
use reconciler_tests::inventory::{duplicates, everything};
use reconciler_tests::plans::{assert_nothing_to_do, converge};
use reconciler_tests::{DesiredDir, Emulator, run_reconciler};

fn heavy_weather() -> RandomProfile {
    RandomProfile::heavy(seed_from_env())
}

#[tokio::test]
async fn the_workshop_converges_in_one_pass_through_throttling_5xx_and_latency() {
    let emulator = Emulator::start();
    let proxy = FaultProxy::random(emulator.port(), heavy_weather());
    let desired = DesiredDir::workshop();
    // Each attempt fails with 40 % odds, independently: with the default 8 attempts, one call in ~1,500 fails
    // all of them, and a converge makes ~190 calls, so about one faulty pass in eight would leave something
    // for the next pass (seen: 1 run in 8). With 12 attempts that is ~0.3 % of runs. Real throttling comes in
    // waves rather than coin tosses; the default stays 8.
    let args = ["--config-dir", desired.arg(), "--once", "--output", "json", "--aws-max-attempts", "12"];
    let run = run_reconciler(&proxy.endpoint(), &args);
    let counts = proxy.counts();
    assert_eq!(run.code, 0, "{counts:?}\n{run}");
    let json = run.json();
    assert_eq!((&json["apply"]["failed"], &json["apply"]["skipped"]), (&0.into(), &0.into()), "{run}");
    assert!(counts.throttled > 10 && counts.server_errors > 3, "the weather was heavy: {counts:?}");

    // Straight to the emulator now: what the pass reported is there, once, and nothing is left to do.
    assert!(everything(&emulator, "default").await.contains("service.ecsdemo-nodejs"));
    assert_nothing_to_do(&emulator, &desired);
}

#[tokio::test]
async fn a_kind_that_cannot_be_read_is_left_alone_while_the_rest_converges() {
    let emulator = Emulator::start();
    // ECS refuses to list clusters (as it would with a policy that lacks ecs:ListClusters): what lives in
    // clusters cannot be read either.
    let proxy = FaultProxy::start(emulator.port(), "ListClusters");
    let desired = DesiredDir::workshop();
    let run = run_reconciler(&proxy.endpoint(), &["--config-dir", desired.arg(), "--once", "--output", "json"]);
    assert_eq!(run.code, 1, "a pass that could not read everything is not a success\n{run}");
    let json = run.json();
    let unread: Vec<&str> = json["unread"].as_array().unwrap().iter().map(|u| u["kind"].as_str().unwrap()).collect();
    assert_eq!(
        unread,
        ["cluster", "task_definition", "service", "scalable_target", "scaling_policy", "scheduled_action"],
        "{run}"
    );
    assert!(json["unread"][0]["error"].as_str().unwrap().contains("ListClusters"), "{run}");
    let held: Vec<&str> = json["held"].as_array().unwrap().iter().map(|h| h["address"].as_str().unwrap()).collect();
    for address in ["cluster.container-demo", "service.ecsdemo-nodejs", "scalable_target.ecsdemo-frontend"] {
        assert!(held.contains(&address), "{address} is held: {held:?}");
    }
    assert_eq!((&json["apply"]["failed"], &json["apply"]["skipped"]), (&0.into(), &0.into()), "{run}");
    let made = everything(&emulator, "default").await;
    assert!(made.contains("vpc.main") && made.contains("load_balancer.ecsdemo-frontend"), "{made:?}");
    assert!(!made.iter().any(|a| a.starts_with("cluster.") || a.starts_with("service.")), "{made:?}");

    // Readable again: one pass makes the rest, nothing twice, and then there is nothing to do.
    converge(&emulator, &desired);
    assert_eq!(duplicates(&emulator, "default").await, BTreeMap::new());
    assert!(everything(&emulator, "default").await.contains("service.ecsdemo-nodejs"));
    assert_nothing_to_do(&emulator, &desired);
}

/// The client-side rate limit holds each AWS service to its rate, and the pass still completes. A dry run on
/// an empty account makes 8 EC2 reads (zones, VPCs, subnets, gateways, ...): at 1 call per second, in bursts
/// of up to 2, they cannot take less than 6 s however fast the emulator answers, where the same dry run
/// without the limit takes a second or two. (A lower bound: it cannot be flaky by being fast.)
#[tokio::test]
async fn the_rate_limit_spaces_the_calls_to_one_service() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let count = FaultProxy::with_fault(emulator.port(), "no request contains this", Fault::Error);
    let args = ["--config-dir", desired.arg(), "--once", "--dry-run", "--output", "json"];
    let unlimited = run_reconciler(&count.endpoint(), &[&args[..], &["--aws-max-rate", "0"]].concat());
    assert_eq!(unlimited.code, 0, "{unlimited}");
    let ec2_reads = count.requests_to("ec2");
    assert!(ec2_reads >= 8, "the dry run reads EC2 {ec2_reads} times");

    let started = std::time::Instant::now();
    let limited = run_reconciler(&emulator.endpoint(), &[&args[..], &["--aws-max-rate", "1"]].concat());
    let elapsed = started.elapsed();
    assert_eq!(limited.code, 0, "{limited}");
    let floor = Duration::from_secs(u64::try_from(ec2_reads).unwrap() - 2);
    assert!(elapsed >= floor, "{ec2_reads} EC2 calls at 1/s took {elapsed:?}, under {floor:?}");
    assert_eq!(limited.json()["actions"], unlimited.json()["actions"], "the same plan, only slower");
}
