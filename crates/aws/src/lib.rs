//! The AWS adapter: observe live state into plain [`reconciler_plan::Observed`] data, and carry out a
//! [`reconciler_plan::Plan`]. AWS SDK types and errors stop here.
//!
//! Configuration is the SDK's standard chain and nothing else (`AWS_REGION`, `AWS_PROFILE`, credentials,
//! `AWS_ENDPOINT_URL`), so pointing at an emulator needs only those variables.

pub mod apply;
mod calls;
mod certificates;
mod create_once;
mod ec2;
mod ecs;
pub mod error;
pub mod export;
pub mod jitter;
mod kinds;
pub mod lease;
pub mod logs;
mod observe;
pub mod permissions;
mod rate_limit;
mod ready_queue;
pub mod rollout;
mod secrets;
pub mod show;
mod wait;

pub use apply::{ApplyOptions, apply};

pub use calls::{CallCount, CallStats, is_read_only};
pub use error::{AwsError, ErrorKind};
pub use observe::observe;

use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use calls::CallCounter;

/// How every client talks to AWS: timeouts, so that no call can hang a pass, and retries. The defaults are
/// the CLI's (`--aws-*` flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// To open a connection.
    pub connect_timeout: Duration,
    /// For one attempt of a call, from sending to the whole answer. An endpoint that accepts a connection and
    /// never answers fails here.
    pub attempt_timeout: Duration,
    /// For a call with all its retries: the most one call may take.
    pub call_timeout: Duration,
    /// Attempts per call, the first included, for errors AWS marks as retryable (throttling, 5xx, timeouts).
    pub max_attempts: u32,
    /// Calls per second per AWS service (EC2, ECS, ...), attempts included, in bursts of up to two seconds'
    /// worth; `None`: no limit of ours.
    pub max_calls_per_second: Option<u32>,
}

impl ClientOptions {
    fn timeouts(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect_timeout)
            .operation_attempt_timeout(self.attempt_timeout)
            .operation_timeout(self.call_timeout)
            .build()
    }

    /// Standard mode: jittered exponential backoff, capped, with more attempts than the SDK's default 3, so
    /// that one read throttled three times does not fail a whole pass. Not adaptive mode: its client-side
    /// rate limiter, measured with 30 % of calls throttled (tests/tests/bad_day.rs), starved the pass (317 s,
    /// and a call gave up at the 90 s call timeout) where standard mode converges in one pass in seconds.
    fn retries(&self) -> RetryConfig {
        RetryConfig::standard().with_max_attempts(self.max_attempts).with_max_backoff(Duration::from_secs(20))
    }
}

/// `fn $name() -> $sdk::config::Builder`: a per-call config override that turns the SDK's retries off.
macro_rules! without_retries {
    ($name:ident, $sdk:ident) => {
        pub(crate) fn $name() -> $sdk::config::Builder {
            $sdk::config::Builder::default().retry_config(RetryConfig::disabled())
        }
    };
}

/// Clients for every AWS service the reconciler calls, sharing one call counter.
#[derive(Debug, Clone)]
pub struct Aws {
    pub(crate) ec2: aws_sdk_ec2::Client,
    pub(crate) ecs: aws_sdk_ecs::Client,
    pub(crate) servicediscovery: aws_sdk_servicediscovery::Client,
    pub(crate) iam: aws_sdk_iam::Client,
    pub(crate) logs: aws_sdk_cloudwatchlogs::Client,
    pub(crate) elb: aws_sdk_elasticloadbalancingv2::Client,
    pub(crate) autoscaling: aws_sdk_applicationautoscaling::Client,
    /// Read only: the versions of the parameters and secrets that services reference (never their values).
    pub(crate) ssm: aws_sdk_ssm::Client,
    pub(crate) secretsmanager: aws_sdk_secretsmanager::Client,
    /// Read only: the ARNs of the certificates HTTPS listeners name by domain.
    pub(crate) acm: aws_sdk_acm::Client,
    /// The lease table's (`--lease-table`), when one is configured.
    pub(crate) dynamodb: aws_sdk_dynamodb::Client,
    /// Task definitions read by earlier passes (their content never changes).
    pub(crate) task_definitions: kinds::task_definition::Cache,
    /// Shut while a configured lease is not held: no mutating call of the other clients goes out.
    pub(crate) fence: lease::Fence,
    counter: CallCounter,
    region: Option<String>,
    /// Where the calls go, for error messages: the configured endpoint URL, or AWS's own for the region.
    pub(crate) endpoint: String,
    /// Attempts per call (`ClientOptions::max_attempts`), for the calls we retry ourselves.
    pub(crate) max_attempts: u32,
    /// `ClientOptions::connect_timeout`, which the lease's margin must exceed.
    pub(crate) connect_timeout: Duration,
}

impl Aws {
    /// Clients configured from the environment, the way every AWS tool is.
    pub async fn from_env(options: &ClientOptions) -> Aws {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .timeout_config(options.timeouts())
            .retry_config(options.retries())
            .load()
            .await;
        let counter = CallCounter::default();
        let fence = lease::Fence::default();
        // Each service its own bucket: AWS's limits are per service (and account and region).
        let http = || {
            let rate = options.max_calls_per_second?;
            Some(rate_limit::limited(Arc::new(rate_limit::Bucket::new(rate))))
        };
        macro_rules! client {
            ($sdk:ident) => {{
                let builder = $sdk::config::Builder::from(&config).interceptor(fence.clone());
                client!($sdk, builder)
            }};
            ($sdk:ident, $builder:expr) => {{
                let mut builder = $builder.interceptor(counter.clone());
                if let Some(limited) = http() {
                    builder = builder.http_client(limited);
                }
                $sdk::Client::from_conf(builder.build())
            }};
        }
        Aws {
            ec2: client!(aws_sdk_ec2),
            ecs: client!(aws_sdk_ecs),
            servicediscovery: client!(aws_sdk_servicediscovery),
            iam: client!(aws_sdk_iam),
            logs: client!(aws_sdk_cloudwatchlogs),
            elb: client!(aws_sdk_elasticloadbalancingv2),
            autoscaling: client!(aws_sdk_applicationautoscaling),
            ssm: client!(aws_sdk_ssm),
            secretsmanager: client!(aws_sdk_secretsmanager),
            acm: client!(aws_sdk_acm),
            // The lease's own calls are not fenced: they are how the fence opens.
            dynamodb: client!(aws_sdk_dynamodb, aws_sdk_dynamodb::config::Builder::from(&config)),
            fence,
            task_definitions: Default::default(),
            counter,
            region: config.region().map(ToString::to_string),
            endpoint: config.endpoint_url().map_or_else(
                || format!("AWS in {}", config.region().map_or("no region", |r| r.as_ref())),
                ToString::to_string,
            ),
            max_attempts: options.max_attempts,
            connect_timeout: options.connect_timeout,
        }
    }

    // Config overrides with the SDK's retries off, for the creates [`create_once::create_once`] retries
    // itself (one per client that has such a create).
    without_retries!(ec2_config_without_retries, aws_sdk_ec2);
    without_retries!(servicediscovery_config_without_retries, aws_sdk_servicediscovery);
    without_retries!(elb_config_without_retries, aws_sdk_elasticloadbalancingv2);
    without_retries!(iam_config_without_retries, aws_sdk_iam);
    without_retries!(ecs_config_without_retries, aws_sdk_ecs);

    /// Starts a pass that may write: always without a lease; with one, only while it is held, and the pass's
    /// writes are then bound to the lease as held now (lost and taken again, it does not write any more).
    pub fn begin_pass(&self) -> bool {
        self.fence.begin_pass()
    }

    /// Where the calls go: the configured endpoint URL, or AWS's own for the region.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The region the clients talk to, if one is configured.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// Every API call made through these clients so far.
    pub fn calls(&self) -> CallStats {
        self.counter.snapshot()
    }
}
