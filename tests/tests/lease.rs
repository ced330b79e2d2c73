//! One writer at a time across hosts (`--lease-table`): the real binary against a moto server, each daemon
//! through its own counting proxy so that the test sees who wrote what. Two daemons on one directory converge
//! with one writer and no duplicate; the standby takes over when the holder is killed; a holder cut off from
//! the table stops writing; `--once` beside a daemon refuses, naming the holder, unless it is a dry run.

use std::time::Duration;

use reconciler_tests::daemon::{Daemon, eventually};
use reconciler_tests::fault_proxy::{Fault, FaultProxy};
use reconciler_tests::inventory::duplicates;
use reconciler_tests::plans::{assert_nothing_to_do, edit};
use reconciler_tests::{DesiredDir, Emulator, run_reconciler};

const TABLE: &str = "reconciler-lease";
/// Short, so that the tests see expiry: renewed every 1.5 s, writes stop 4 s after the last renewal. (Not
/// shorter: the emulator can stall every request for a second or two on the first call to a service.)
const TTL: &str = "6s";
/// The services a daemon writes through, but for the lease table's.
const WRITTEN: [&str; 5] = ["ec2", "ecs", "iam", "elasticloadbalancing", "servicediscovery"];

fn create_table(emulator: &Emulator) {
    let run = emulator.reconciler(&["--lease-table", TABLE, "--create-lease-table"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("ACTIVE"), "{run}");
}

/// A counting proxy: it only counts (its needle never matches).
fn counting(emulator: &Emulator) -> FaultProxy {
    FaultProxy::with_fault(emulator.port(), "no request contains this", Fault::Error)
}

fn daemon(proxy: &FaultProxy, desired: &DesiredDir) -> Daemon {
    let args = ["--lease-table", TABLE, "--lease-ttl", TTL, "--resync-interval", "2s"];
    Daemon::start_with_endpoint(&proxy.endpoint(), desired.path(), &args)
}

/// The daemon's lease state in /status: `held`, `standby` or `unreachable` (None before it has asked).
fn lease_state(daemon: &Daemon) -> Option<String> {
    let (200, body) = daemon.get("/status")? else { return None };
    let status: serde_json::Value = serde_json::from_str(&body).ok()?;
    status["lease"]["state"].as_str().map(str::to_string)
}

fn mutating_writes(proxy: &FaultProxy) -> usize {
    WRITTEN.iter().map(|service| proxy.mutating_requests_to(service)).sum()
}

fn reads(proxy: &FaultProxy) -> usize {
    WRITTEN.iter().map(|service| proxy.requests_to(service)).sum()
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(future))
}

#[tokio::test(flavor = "multi_thread")]
async fn two_daemons_converge_with_one_writer_and_the_standby_takes_over_when_it_dies() {
    let emulator = Emulator::start();
    create_table(&emulator);
    let desired = DesiredDir::workshop();
    let proxies = [counting(&emulator), counting(&emulator)];
    let mut daemons: Vec<Daemon> = proxies.iter().map(|proxy| daemon(proxy, &desired)).collect();
    eventually(Duration::from_secs(120), "the workshop converged by one of them", || {
        block_on(emulator.ecs_service("container-demo", "ecsdemo-frontend")).is_some()
            && daemons.iter().any(|d| d.status()["last_pass"]["outcome"] == "converged")
    });
    let states: Vec<Option<String>> = daemons.iter().map(lease_state).collect();
    let holder = match states.iter().map(Option::as_deref).collect::<Vec<_>>()[..] {
        [Some("held"), Some("standby")] => 0,
        [Some("standby"), Some("held")] => 1,
        _ => panic!("one holder and one standby: {states:?}"),
    };
    let standby = 1 - holder;
    // The standby made no AWS call but the lease's: no read, no write.
    assert!(mutating_writes(&proxies[holder]) > 30, "the holder made the workshop");
    assert_eq!(reads(&proxies[standby]), 0, "the standby calls nothing but the lease table");
    let held_by = daemons[standby].status()["lease"]["held_by"].clone();
    assert!(held_by.as_str().is_some_and(|h| h.contains(':')), "the standby names the holder: {held_by}");
    assert_eq!(duplicates(&emulator, "default").await, std::collections::BTreeMap::new());

    // The holder dies without giving the lease up (SIGKILL): once it runs out, the standby takes it and
    // reconciles a change made meanwhile.
    drop(daemons.remove(holder));
    let survivor = daemons.pop().expect("the standby");
    edit(&desired, "nodejs.toml", "desired_count = 1", "desired_count = 2");
    eventually(Duration::from_secs(60), "the survivor took over and applied the change", || {
        lease_state(&survivor).as_deref() == Some("held")
            && block_on(emulator.ecs_service("container-demo", "ecsdemo-nodejs"))
                .is_some_and(|s| s.desired_count() == 2)
    });
    assert_eq!(duplicates(&emulator, "default").await, std::collections::BTreeMap::new());
    drop(survivor);
    assert_nothing_to_do(&emulator, &desired);
}

#[tokio::test(flavor = "multi_thread")]
async fn once_or_destroy_beside_a_running_daemon_refuses_naming_the_holder_unless_it_is_a_dry_run() {
    let emulator = Emulator::start();
    create_table(&emulator);
    let desired = DesiredDir::workshop();
    let proxy = counting(&emulator);
    let running = daemon(&proxy, &desired);
    eventually(Duration::from_secs(60), "the daemon holds the lease", || {
        lease_state(&running).as_deref() == Some("held")
    });
    let holder = running.status()["lease"]["holder"].as_str().unwrap().to_string();

    let once = counting(&emulator);
    let run = run_reconciler(&once.endpoint(), &["--config-dir", desired.arg(), "--once", "--lease-table", TABLE]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains(&format!("another reconciler holds the lease {TABLE}/default: {holder}")), "{run}");
    assert!(run.stderr.contains("Nothing was changed"), "{run}");
    assert_eq!(reads(&once), 0, "refused before reading anything");
    // A dry run changes nothing and needs no lease.
    let dry = run_reconciler(
        &once.endpoint(),
        &["--config-dir", desired.arg(), "--once", "--dry-run", "--lease-table", TABLE],
    );
    assert_ne!(dry.code, 1, "{dry}");
    assert_eq!(mutating_writes(&once), 0);
    // Nor does destroy delete anything while the daemon writes.
    let destroy =
        run_reconciler(&once.endpoint(), &["destroy", "--config-dir", desired.arg(), "--yes", "--lease-table", TABLE]);
    assert_eq!(destroy.code, 1, "{destroy}");
    assert!(destroy.stderr.contains("another reconciler holds the lease"), "{destroy}");
    assert_eq!(mutating_writes(&once), 0, "nothing deleted");

    // Stopped (SIGTERM), the daemon gives the lease up, or, with calls still in flight after its grace
    // period, leaves it to run out: a --once waiting for it then takes it.
    running.signal("TERM");
    let mut running = running;
    assert_eq!(running.wait_exit(Duration::from_secs(40)), Some(0));
    let args = ["--config-dir", desired.arg(), "--once", "--lease-table", TABLE, "--lease-wait", "20s"];
    let run = run_reconciler(&once.endpoint(), &args);
    assert_eq!(run.code, 0, "{run}");
}

/// The holder's renewals stop reaching the table (its proxy refuses them from the third on): it stops writing
/// before its lease runs out, and a change made afterwards is not applied by it.
#[tokio::test(flavor = "multi_thread")]
async fn a_holder_cut_off_from_the_table_stops_writing() {
    let emulator = Emulator::start();
    create_table(&emulator);
    let desired = DesiredDir::workshop();
    // UpdateItem is the lease's only write: the take, then a renewal every second.
    let proxy = FaultProxy::with_fault_from(emulator.port(), "DynamoDB_20120810.UpdateItem", Fault::Error, 3);
    let cut_off = daemon(&proxy, &desired);
    eventually(Duration::from_secs(60), "the renewals are refused", || proxy.injected() > 0);
    eventually(Duration::from_secs(10), "the daemon says it cannot renew", || {
        lease_state(&cut_off).as_deref() == Some("unreachable")
    });
    // Past the fence's end (two thirds of the TTL): whatever it was doing, it writes no more.
    std::thread::sleep(Duration::from_secs(5));
    let written = mutating_writes(&proxy);
    edit(&desired, "nodejs.toml", "desired_count = 1", "desired_count = 2");
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(mutating_writes(&proxy), written, "no mutating call after the lease ran out");
    let nodejs = emulator.ecs_service("container-demo", "ecsdemo-nodejs").await;
    assert!(nodejs.is_none_or(|s| s.desired_count() == 1), "the change was not applied");
    let log = cut_off.log();
    assert!(log.contains("stops writing") || log.contains("cannot renew the lease"), "it says why: {log}");
}
