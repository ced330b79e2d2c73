//! Lost answers, end to end: a create takes effect in AWS and its answer is lost (the proxy forwards it, then
//! answers 500 instead: a "ghost"). The SDK or the reconciler tries again. Afterwards no address of ours is
//! carried by two resources, one more pass (straight to the emulator) converges, and then nothing is left to
//! do. One test per create operation of the workshop, every occurrence of it ghosted; the default run samples
//! the operations most likely to duplicate (no idempotency token, or one we must pass), the rest run with
//! `tests/run-long.sh`.

use std::collections::BTreeMap;

use reconciler_tests::fault_proxy::{Fault, FaultProxy};
use reconciler_tests::inventory::{duplicates, everything};
use reconciler_tests::plans::{assert_nothing_to_do, converge};
use reconciler_tests::{DesiredDir, Emulator, run_reconciler};

/// Ghosts every request for `operation` (as the proxy recognises it: the query protocol's `Action=NAME&`,
/// or the JSON protocols' `X-Amz-Target` value) during a converge of the workshop, then checks for duplicates
/// and recovers.
async fn a_lost_answer_leaves_no_duplicate(operation: &str) {
    let emulator = Emulator::start();
    let proxy = FaultProxy::with_fault(emulator.port(), operation, Fault::Ghost);
    let desired = DesiredDir::workshop();
    let faulty = run_reconciler(&proxy.endpoint(), &["--config-dir", desired.arg(), "--once", "--output", "json"]);
    assert!(proxy.injected() > 0, "the ghost fell on {operation}\n{faulty}");
    eprintln!("{operation}: {} answers lost; the faulty pass exited {}", proxy.injected(), faulty.code);
    assert_eq!(duplicates(&emulator, "default").await, BTreeMap::new(), "after the faulty pass\n{faulty}");

    let recovering = converge(&emulator, &desired);
    assert_eq!(duplicates(&emulator, "default").await, BTreeMap::new(), "after recovering\n{recovering}");
    let made = everything(&emulator, "default").await;
    assert!(made.contains("service.ecsdemo-nodejs") && made.contains("instance.loadtest"), "{made:?}");
    assert_nothing_to_do(&emulator, &desired);
}

macro_rules! lost_answer_tests {
    ($($(#[$attr:meta])* $name:ident => $needle:expr,)*) => {$(
        #[tokio::test]
        $(#[$attr])*
        async fn $name() {
            a_lost_answer_leaves_no_duplicate($needle).await;
        }
    )*};
}

lost_answer_tests! {
    create_vpc => "Action=CreateVpc&",
    create_internet_gateway => "Action=CreateInternetGateway&",
    allocate_address => "Action=AllocateAddress&",
    create_nat_gateway => "Action=CreateNatGateway&",
    run_instances => "Action=RunInstances&",
    create_ecs_service => "AmazonEC2ContainerServiceV20141113.CreateService",
    create_discovery_service => "Route53AutoNaming_v20170314.CreateService",
    register_task_definition => "AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition",
    create_instance_profile => "Action=CreateInstanceProfile&",
    create_load_balancer => "Action=CreateLoadBalancer&",
    #[ignore = "long matrix: tests/run-long.sh"] create_subnet => "Action=CreateSubnet&",
    #[ignore = "long matrix: tests/run-long.sh"] create_role => "Action=CreateRole&",
    #[ignore = "long matrix: tests/run-long.sh"] create_route_table => "Action=CreateRouteTable&",
    #[ignore = "long matrix: tests/run-long.sh"] create_security_group => "Action=CreateSecurityGroup&",
    #[ignore = "long matrix: tests/run-long.sh"] create_cluster => "AmazonEC2ContainerServiceV20141113.CreateCluster",
    #[ignore = "long matrix: tests/run-long.sh"] create_target_group => "Action=CreateTargetGroup&",
    #[ignore = "long matrix: tests/run-long.sh"] create_listener => "Action=CreateListener&",
    #[ignore = "long matrix: tests/run-long.sh"] create_namespace => "Route53AutoNaming_v20170314.CreatePrivateDnsNamespace",
    #[ignore = "long matrix: tests/run-long.sh"] create_log_group => "Logs_20140328.CreateLogGroup",
    #[ignore = "long matrix: tests/run-long.sh"] register_scalable_target => "AnyScaleFrontendService.RegisterScalableTarget",
    #[ignore = "long matrix: tests/run-long.sh"] put_scaling_policy => "AnyScaleFrontendService.PutScalingPolicy",
}
