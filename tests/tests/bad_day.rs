//! The reconciler on a bad day, end to end: the real binary through the fault proxy to moto.

use std::collections::BTreeMap;
use std::time::Duration;

use reconciler_tests::fault_proxy::{FaultProxy, RandomProfile, seed_from_env};
use reconciler_tests::inventory::{duplicates, everything};
use reconciler_tests::plans::{assert_nothing_to_do, converge};
use reconciler_tests::{DesiredDir, Emulator, run_reconciler};

/// 30 % of calls throttled, 10 % answered 5xx (neither reaches AWS, so a retry is safe), 20 % delayed.
fn heavy_weather() -> RandomProfile {
    RandomProfile {
        seed: seed_from_env(),
        throttled: 0.3,
        server_errors: 0.1,
        delayed: 0.2,
        max_latency: Duration::from_millis(200),
    }
}

#[tokio::test]
async fn the_workshop_converges_in_one_pass_through_throttling_5xx_and_latency() {
    let emulator = Emulator::start();
    let proxy = FaultProxy::random(emulator.port(), heavy_weather());
    let desired = DesiredDir::workshop();
    let run = run_reconciler(&proxy.endpoint(), &["--config-dir", desired.arg(), "--once", "--output", "json"]);
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
