//! The AWS adapter: observe live state into plain [`reconciler_plan::Observed`] data, and carry out a
//! [`reconciler_plan::Plan`]. AWS SDK types and errors stop here.
//!
//! Configuration is the SDK's standard chain and nothing else (`AWS_REGION`, `AWS_PROFILE`, credentials,
//! `AWS_ENDPOINT_URL`), so pointing at an emulator needs only those variables.

pub mod apply;
mod calls;
mod ec2;
pub mod error;
mod kinds;
mod observe;
pub mod rollout;
mod wait;

pub use apply::{ApplyOptions, apply};
pub use calls::{CallCount, CallStats, is_read_only};
pub use error::{AwsError, ErrorKind};
pub use observe::observe;

use calls::CallCounter;

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
    counter: CallCounter,
    region: Option<String>,
}

impl Aws {
    /// Clients configured from the environment, the way every AWS tool is.
    pub async fn from_env() -> Aws {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let counter = CallCounter::default();
        Aws {
            ec2: aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::config::Builder::from(&config).interceptor(counter.clone()).build(),
            ),
            ecs: aws_sdk_ecs::Client::from_conf(
                aws_sdk_ecs::config::Builder::from(&config).interceptor(counter.clone()).build(),
            ),
            servicediscovery: aws_sdk_servicediscovery::Client::from_conf(
                aws_sdk_servicediscovery::config::Builder::from(&config).interceptor(counter.clone()).build(),
            ),
            iam: aws_sdk_iam::Client::from_conf(
                aws_sdk_iam::config::Builder::from(&config).interceptor(counter.clone()).build(),
            ),
            logs: aws_sdk_cloudwatchlogs::Client::from_conf(
                aws_sdk_cloudwatchlogs::config::Builder::from(&config).interceptor(counter.clone()).build(),
            ),
            elb: aws_sdk_elasticloadbalancingv2::Client::from_conf(
                aws_sdk_elasticloadbalancingv2::config::Builder::from(&config).interceptor(counter.clone()).build(),
            ),
            autoscaling: aws_sdk_applicationautoscaling::Client::from_conf(
                aws_sdk_applicationautoscaling::config::Builder::from(&config).interceptor(counter.clone()).build(),
            ),
            counter,
            region: config.region().map(ToString::to_string),
        }
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
