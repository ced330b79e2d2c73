//! The reconciler on a bad day, end to end: the real binary through the fault proxy to moto.

use std::time::Duration;

use reconciler_tests::fault_proxy::{FaultProxy, RandomProfile, seed_from_env};
use reconciler_tests::inventory::everything;
use reconciler_tests::plans::assert_nothing_to_do;
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
