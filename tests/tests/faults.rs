//! The fault proxy itself, against a real moto with real SDK clients: each fault does what it says, so that
//! the "bad day" tests built on it test the reconciler and not the proxy.

use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_applicationautoscaling::types::ServiceNamespace;
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::operation::describe_vpcs::DescribeVpcsError;
use reconciler_tests::fault_proxy::{Cut, Fault, FaultProxy, RandomProfile};
use reconciler_tests::{DesiredDir, Emulator, run_reconciler, sdk_config_at};

/// One attempt per call, given up after `attempt_timeout`: what the client gets is exactly what the proxy
/// answered.
async fn one_attempt_through(proxy: &FaultProxy, attempt_timeout: Duration) -> SdkConfig {
    sdk_config_at(&proxy.endpoint())
        .await
        .into_builder()
        .retry_config(RetryConfig::disabled())
        .timeout_config(TimeoutConfig::builder().operation_attempt_timeout(attempt_timeout).build())
        .build()
}

/// The SDK's standard retries (three attempts), with backoffs short enough for a test.
async fn retrying_through(proxy: &FaultProxy) -> SdkConfig {
    let retries = RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(1));
    sdk_config_at(&proxy.endpoint()).await.into_builder().retry_config(retries).build()
}

/// Moto builds a service's backend on its first call: EC2's (default VPC, images, ...) takes seconds (4 s here),
/// ECS's about one. Tests that time calls warm up first, so that a timeout is the proxy's doing;
/// tests whose calls never reach the emulator need not.
async fn warm_up_ec2(emulator: &Emulator) {
    vpc_cidrs(emulator).await;
}

async fn warm_up_ecs(emulator: &Emulator) {
    emulator.ecs().await.list_clusters().send().await.expect("list clusters");
}

/// The CIDR blocks of every VPC, asked of the emulator directly.
async fn vpc_cidrs(emulator: &Emulator) -> Vec<String> {
    let vpcs = emulator.ec2().await.describe_vpcs().send().await.expect("describe VPCs");
    vpcs.vpcs().iter().filter_map(|vpc| vpc.cidr_block()).map(str::to_string).collect()
}

fn status<E>(error: &SdkError<E, HttpResponse>) -> Option<u16> {
    error.raw_response().map(|response| response.status().as_u16())
}

/// The AWS error code of a failed call, as the SDK parsed it ("" if it succeeded or had none).
fn error_code<T, E: ProvideErrorMetadata>(result: Result<T, E>) -> String {
    result.err().and_then(|error| error.code().map(str::to_string)).unwrap_or_default()
}

#[tokio::test]
async fn a_ghost_create_vpc_creates_the_vpc_while_the_client_gets_a_500() {
    let emulator = Emulator::start();
    warm_up_ec2(&emulator).await;
    let proxy = FaultProxy::with_fault(emulator.port(), "Action=CreateVpc", Fault::Ghost);
    let ec2 = aws_sdk_ec2::Client::new(&one_attempt_through(&proxy, Duration::from_secs(5)).await);

    let error = ec2.create_vpc().cidr_block("10.42.0.0/16").send().await.expect_err("the answer is lost");
    assert_eq!(status(&error), Some(500), "{error:?}");
    assert_eq!(error.code(), Some("InternalError"), "{error:?}");
    assert!(vpc_cidrs(&emulator).await.contains(&"10.42.0.0/16".to_string()), "the VPC was created all the same");

    ec2.describe_vpcs().send().await.expect("what does not match passes");
    assert_eq!((proxy.counts().ghosted, proxy.injected(), proxy.counts().requests), (1, 1, 2));
}

#[tokio::test]
async fn a_cut_holds_every_mutating_call_from_the_nth_on_while_reads_still_pass() {
    let emulator = Emulator::start();
    warm_up_ec2(&emulator).await;
    warm_up_ecs(&emulator).await;
    let proxy = FaultProxy::cut(emulator.port(), Cut::before_aws(2));
    let config = one_attempt_through(&proxy, Duration::from_secs(1)).await;
    let (ec2, ecs) = (aws_sdk_ec2::Client::new(&config), aws_sdk_ecs::Client::new(&config));

    ec2.create_vpc().cidr_block("10.1.0.0/16").send().await.expect("the first mutating call passes");
    let started = Instant::now();
    let held = ec2.create_vpc().cidr_block("10.2.0.0/16").send().await.expect_err("the second is held");
    assert!(matches!(held, SdkError::TimeoutError(_)), "the client only times out: {held:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    let also_held = ecs.create_cluster().cluster_name("after-the-cut").send().await.expect_err("and the next");
    assert!(matches!(also_held, SdkError::TimeoutError(_)), "{also_held:?}");

    ec2.describe_vpcs().send().await.expect("reads pass");
    ecs.list_clusters().send().await.expect("reads pass");
    let cidrs = vpc_cidrs(&emulator).await;
    assert!(cidrs.contains(&"10.1.0.0/16".to_string()) && !cidrs.contains(&"10.2.0.0/16".to_string()), "{cidrs:?}");
    assert!(emulator.cluster("after-the-cut").await.is_none(), "held calls never reached the emulator");
    assert_eq!(proxy.cut_operation().as_deref(), Some("CreateVpc"));
    assert_eq!((proxy.mutating_seen(), proxy.counts().held), (3, 2));
}

#[tokio::test]
async fn a_cut_after_aws_makes_the_change_and_loses_the_answer() {
    let emulator = Emulator::start();
    warm_up_ecs(&emulator).await;
    let proxy = FaultProxy::cut(emulator.port(), Cut::after_aws(1));
    let ecs = aws_sdk_ecs::Client::new(&one_attempt_through(&proxy, Duration::from_secs(1)).await);

    let held = ecs.create_cluster().cluster_name("made-in-the-dark").send().await.expect_err("no answer");
    assert!(matches!(held, SdkError::TimeoutError(_)), "{held:?}");
    // The emulator may still be at it when the client gives up (a loaded machine): look for a while.
    let deadline = Instant::now() + Duration::from_secs(10);
    while emulator.cluster("made-in-the-dark").await.is_none() {
        assert!(Instant::now() < deadline, "the cluster was created all the same");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ecs.list_clusters().send().await.expect("reads pass");
    assert_eq!(proxy.cut_operation().as_deref(), Some("CreateCluster"));
    assert_eq!(proxy.mutating_seen(), 1);
}

/// What one call through the random profile came back as.
#[derive(Debug, Default, PartialEq, Eq)]
struct Outcomes {
    ok: usize,
    throttled: usize,
    server_errors: usize,
}

impl Outcomes {
    fn add<T>(&mut self, result: Result<T, SdkError<DescribeVpcsError, HttpResponse>>) {
        match result {
            Ok(_) => self.ok += 1,
            Err(e) if e.code() == Some("RequestLimitExceeded") && status(&e) == Some(400) => self.throttled += 1,
            Err(e) if matches!(status(&e), Some(500 | 503)) => self.server_errors += 1,
            Err(e) => panic!("unexpected answer: {e:?}"),
        }
    }

    fn sum(self, other: Outcomes) -> Outcomes {
        Outcomes {
            ok: self.ok + other.ok,
            throttled: self.throttled + other.throttled,
            server_errors: self.server_errors + other.server_errors,
        }
    }
}

#[tokio::test]
async fn a_seeded_random_profile_injects_about_its_shares_and_the_client_sees_each_one() {
    let emulator = Emulator::start();
    warm_up_ec2(&emulator).await;
    let profile = RandomProfile {
        seed: 20_261_202,
        throttled: 0.2,
        server_errors: 0.1,
        delayed: 0.2,
        max_latency: Duration::from_millis(10),
    };
    let proxy = FaultProxy::random(emulator.port(), profile);
    let ec2 = aws_sdk_ec2::Client::new(&one_attempt_through(&proxy, Duration::from_secs(5)).await);

    // Four at a time, as the reconciler calls: the draws depend on how many DescribeVpcs came before, not on
    // which, so the counts are the same in any order.
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let ec2 = ec2.clone();
        calls.spawn(async move {
            let mut outcomes = Outcomes::default();
            for _ in 0..50 {
                outcomes.add(ec2.describe_vpcs().send().await);
            }
            outcomes
        });
    }
    let outcomes = calls.join_all().await.into_iter().fold(Outcomes::default(), Outcomes::sum);

    let counts = proxy.counts();
    assert_eq!(counts.requests, 200);
    // About 40, 20 and 40 of 200: three standard deviations either way.
    let about = |count: usize, expected: usize, spread: usize| count.abs_diff(expected) <= spread;
    assert!(about(counts.throttled, 40, 17) && about(counts.server_errors, 20, 13), "{counts:?}");
    assert!(about(counts.delayed, 40, 17), "{counts:?}");
    let expected_ok = 200 - counts.throttled - counts.server_errors;
    assert_eq!(
        outcomes,
        Outcomes { ok: expected_ok, throttled: counts.throttled, server_errors: counts.server_errors }
    );
}

#[tokio::test]
async fn throttling_answers_are_throttling_to_the_sdk_in_every_protocol() {
    let emulator = Emulator::start();
    let always = RandomProfile { throttled: 1.0, server_errors: 0.0, delayed: 0.0, ..RandomProfile::bad_day(1) };
    let proxy = FaultProxy::random(emulator.port(), always);
    let config = retrying_through(&proxy).await;

    // The SDK retries a 400 only if it takes its code for throttling (or a timeout): three attempts per call say
    // it parsed the code and recognised it.
    let scaling = aws_sdk_applicationautoscaling::Client::new(&config);
    let codes = vec![
        error_code(aws_sdk_ec2::Client::new(&config).describe_vpcs().send().await),
        error_code(aws_sdk_iam::Client::new(&config).list_roles().send().await),
        error_code(aws_sdk_elasticloadbalancingv2::Client::new(&config).describe_load_balancers().send().await),
        error_code(aws_sdk_ecs::Client::new(&config).list_clusters().send().await),
        error_code(aws_sdk_servicediscovery::Client::new(&config).list_namespaces().send().await),
        error_code(aws_sdk_cloudwatchlogs::Client::new(&config).describe_log_groups().send().await),
        error_code(scaling.describe_scalable_targets().service_namespace(ServiceNamespace::Ecs).send().await),
    ];
    let query = ["RequestLimitExceeded", "Throttling", "Throttling"];
    assert_eq!(codes, [&query[..], &["ThrottlingException"; 4]].concat());
    assert_eq!(proxy.counts().throttled, 3 * codes.len(), "every call was attempted three times");
}

#[tokio::test]
async fn a_refused_call_is_not_retried_by_the_sdk() {
    // The counterpart of the throttling test: the same SDK settings give up at once on a plain client error.
    let emulator = Emulator::start();
    let proxy = FaultProxy::start(emulator.port(), "Action=CreateVpc");
    let ec2 = aws_sdk_ec2::Client::new(&retrying_through(&proxy).await);
    let error = ec2.create_vpc().cidr_block("10.3.0.0/16").send().await.expect_err("refused");
    assert_eq!(error.code(), Some("InvalidParameterValue"));
    assert_eq!(proxy.counts().refused, 1);
}

#[test]
fn the_proxy_counts_the_reconcilers_calls_and_writes_as_the_reconciler_does() {
    // Every protocol the reconciler speaks goes through here: if an operation name were misread, the mutating
    // counts would disagree, and "the N-th mutating request" would not be the reconciler's N-th write.
    let emulator = Emulator::start();
    let nothing = RandomProfile { throttled: 0.0, server_errors: 0.0, delayed: 0.0, ..RandomProfile::bad_day(1) };
    let proxy = FaultProxy::random(emulator.port(), nothing);
    let desired = DesiredDir::platform();
    let run = run_reconciler(&proxy.endpoint(), &["--config-dir", desired.arg(), "--once"]);
    assert_eq!(run.code, 0, "{run}");
    let (calls, mutating) = run.api_calls();
    let counts = proxy.counts();
    assert_eq!((counts.requests as u64, counts.mutating as u64), (calls, mutating), "{run}");
    assert_eq!(counts.injected(), 0);
}
