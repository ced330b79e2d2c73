//! The shared vocabulary: plain values that the desired-state files, the planner and the AWS layer all speak
//! (protocols and port ranges, deployment settings, health checks, scaling metrics). Each is what AWS means by
//! it, with the defaults AWS uses; how a file writes it is the spec crate's business, how an SDK call carries
//! it is the aws crate's.

/// A security group rule's IP protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    /// Every protocol (AWS's "-1").
    All,
}

/// Inclusive port range; `from == to` for a single port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

/// How ECS replaces tasks on a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// Default 100.
    pub minimum_healthy_percent: u32,
    /// Default 200.
    pub maximum_percent: u32,
    /// Stop a deployment that cannot reach steady state. Default true.
    pub circuit_breaker: bool,
    /// Roll back to the last completed deployment when the circuit breaker trips. Default true.
    pub rollback: bool,
}

impl Default for Deployment {
    fn default() -> Self {
        Deployment { minimum_healthy_percent: 100, maximum_percent: 200, circuit_breaker: true, rollback: true }
    }
}

/// The target group's health check (HTTP on the container port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// Default `/`.
    pub path: String,
    /// Seconds between checks, 5..=300. Default 30.
    pub interval_seconds: u32,
    /// Seconds before a check fails, 2..=120 and less than the interval. Default 5.
    pub timeout_seconds: u32,
    /// 2..=10. Default 5.
    pub healthy_threshold: u32,
    /// 2..=10. Default 2.
    pub unhealthy_threshold: u32,
}

impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck {
            path: "/".to_string(),
            interval_seconds: 30,
            timeout_seconds: 5,
            healthy_threshold: 5,
            unhealthy_threshold: 2,
        }
    }
}

/// The metric a target-tracking policy keeps at its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalingMetric {
    /// The service's average CPU utilization, percent (`ECSServiceAverageCPUUtilization`).
    Cpu,
    /// The service's average memory utilization, percent (`ECSServiceAverageMemoryUtilization`).
    Memory,
    /// Requests per target of the service's load balancer target group (`ALBRequestCountPerTarget`).
    RequestsPerTarget,
}

impl ScalingMetric {
    /// Every metric, in the order the documentation lists them.
    pub const ALL: [ScalingMetric; 3] = [ScalingMetric::Cpu, ScalingMetric::Memory, ScalingMetric::RequestsPerTarget];

    /// How the metric is written: `cpu`, `memory`, `requests_per_target`.
    pub fn key(self) -> &'static str {
        match self {
            ScalingMetric::Cpu => "cpu",
            ScalingMetric::Memory => "memory",
            ScalingMetric::RequestsPerTarget => "requests_per_target",
        }
    }
}

/// A container's own health check (Docker's HEALTHCHECK, run by the ECS agent in the task), as ECS takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerHealthCheck {
    /// `["CMD", "executable", "arg", ...]` or `["CMD-SHELL", "command line"]`.
    pub command: Vec<String>,
    /// Seconds between checks, 5..=300. Default 30.
    pub interval_seconds: u32,
    /// Seconds before one check fails, 2..=60. Default 5.
    pub timeout_seconds: u32,
    /// Failures in a row before the container is unhealthy, 1..=10. Default 3.
    pub retries: u32,
    /// Seconds after start during which failures do not count, 0..=300. Default 0.
    pub start_period_seconds: u32,
}

impl ContainerHealthCheck {
    /// AWS's defaults for every setting but the command.
    pub fn with_defaults(command: Vec<String>) -> Self {
        ContainerHealthCheck { command, interval_seconds: 30, timeout_seconds: 5, retries: 3, start_period_seconds: 0 }
    }
}

/// Where a container's secret environment variable comes from. Only the reference: the value is read by ECS
/// when a task starts, and never by us.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecretSource {
    /// An SSM Parameter Store parameter, by name (`/app/db-password`) or ARN.
    Parameter(String),
    /// A Secrets Manager secret, by name or ARN; with `key`, one key of its JSON value.
    Secret { id: String, key: Option<String> },
}

impl SecretSource {
    /// The name or ARN as written.
    pub fn id(&self) -> &str {
        match self {
            SecretSource::Parameter(id) | SecretSource::Secret { id, .. } => id,
        }
    }
}

/// HTTPS on a load balancer: a listener with a certificate, and what its plain HTTP listener does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Https {
    /// The HTTPS listener's port. Default 443.
    pub port: u16,
    pub certificate: Certificate,
    /// The TLS negotiation policy (ELBSecurityPolicy-...). Default `ELBSecurityPolicy-TLS13-1-2-2021-06`, AWS's
    /// recommended one.
    pub ssl_policy: String,
    /// The HTTP listener answers with a permanent redirect to HTTPS (instead of serving). Default true.
    pub redirect_http: bool,
}

/// An ACM certificate, as a file names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Certificate {
    Arn(String),
    /// The issued certificate whose domain name this is (looked up in ACM).
    Domain(String),
}

/// AWS's recommended TLS policy (TLS 1.3 and 1.2).
pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// When a container may start, relative to another container of its task (ECS `dependsOn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StartCondition {
    /// The other container has started.
    Start,
    /// The other container has run to completion (any exit code). It cannot be essential.
    Complete,
    /// The other container has exited with status 0. It cannot be essential.
    Success,
    /// The other container's health check passes. It needs a health check.
    Healthy,
}

impl StartCondition {
    pub const ALL: [StartCondition; 4] =
        [StartCondition::Start, StartCondition::Complete, StartCondition::Success, StartCondition::Healthy];

    /// As ECS spells it, and as a file writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            StartCondition::Start => "START",
            StartCondition::Complete => "COMPLETE",
            StartCondition::Success => "SUCCESS",
            StartCondition::Healthy => "HEALTHY",
        }
    }

    pub fn parse(text: &str) -> Option<StartCondition> {
        StartCondition::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// Whether the container waited for must exit (so it cannot be essential: its exit would stop the task).
    pub fn waits_for_exit(self) -> bool {
        matches!(self, StartCondition::Complete | StartCondition::Success)
    }
}
