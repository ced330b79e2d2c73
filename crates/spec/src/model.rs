//! Validated desired state.
//!
//! These types can only be built by [`crate::load_dir`] (or by tests), after every check has passed: a
//! value of [`Desired`] is always internally consistent (references resolve, subnets fit their VPC, names are
//! unique). The planner relies on that and does not re-check.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use ipnet::Ipv4Net;
pub use reconciler_vocabulary::{
    Certificate, ContainerHealthCheck, Deployment, HealthCheck, Https, PortRange, Protocol, ScalingMetric,
    SecretSource, StartCondition,
};

/// User tags declared on a resource (`tags = { Environment = "workshop" }`).
pub type Tags = BTreeMap<String, String>;

/// Where a declaration starts, for messages that point a user at their file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One declared resource: its name (the key under its kind's table), where it was declared, and its spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared<T> {
    /// The declaration's name, unique within its kind. Other declarations refer to it by this name.
    pub name: String,
    pub location: Location,
    pub spec: T,
}

/// Everything the desired-state directory declares, by kind, each map keyed by declaration name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Desired {
    pub vpcs: BTreeMap<String, Declared<Vpc>>,
    pub security_groups: BTreeMap<String, Declared<SecurityGroup>>,
    pub clusters: BTreeMap<String, Declared<Cluster>>,
    pub namespaces: BTreeMap<String, Declared<Namespace>>,
    pub roles: BTreeMap<String, Declared<Role>>,
    pub log_groups: BTreeMap<String, Declared<LogGroup>>,
    pub services: BTreeMap<String, Declared<Service>>,
    pub instances: BTreeMap<String, Declared<Instance>>,
    pub load_balancers: BTreeMap<String, Declared<SharedLoadBalancer>>,
    /// Declarations with a lifecycle other than the default, by kind and name (`adopt = true`).
    pub lifecycles: BTreeMap<(crate::Kind, String), Lifecycle>,
    /// Problems that do not stop the desired state from being used (an image without a tag), from every file,
    /// sorted by file, line and column. Displayed like errors (`file:line:col: field: message`).
    pub warnings: Vec<crate::SpecError>,
}

impl Desired {
    /// Number of declarations of every kind (warnings do not count).
    pub fn len(&self) -> usize {
        self.vpcs.len()
            + self.security_groups.len()
            + self.clusters.len()
            + self.namespaces.len()
            + self.roles.len()
            + self.log_groups.len()
            + self.services.len()
            + self.instances.len()
            + self.load_balancers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where the declaration of this kind and name starts (file and line of its table header), if there is one.
    pub fn location(&self, kind: crate::Kind, name: &str) -> Option<&Location> {
        use crate::Kind;
        match kind {
            Kind::Vpc => self.vpcs.get(name).map(|d| &d.location),
            Kind::SecurityGroup => self.security_groups.get(name).map(|d| &d.location),
            Kind::Cluster => self.clusters.get(name).map(|d| &d.location),
            Kind::Namespace => self.namespaces.get(name).map(|d| &d.location),
            Kind::Role => self.roles.get(name).map(|d| &d.location),
            Kind::LogGroup => self.log_groups.get(name).map(|d| &d.location),
            Kind::Service => self.services.get(name).map(|d| &d.location),
            Kind::Instance => self.instances.get(name).map(|d| &d.location),
            Kind::LoadBalancer => self.load_balancers.get(name).map(|d| &d.location),
        }
    }
}

/// `[vpc.NAME]`: a VPC with public and private subnets in each availability zone, like CDK's `Vpc`.
#[derive(Debug, Clone, PartialEq)]
pub struct Vpc {
    pub cidr: Ipv4Net,
    pub availability_zones: AvailabilityZones,
    /// One CIDR per availability zone, in zone order. Derived from the VPC CIDR when not given.
    pub public_subnets: Vec<Ipv4Net>,
    /// One CIDR per availability zone, in zone order. Derived from the VPC CIDR when not given.
    pub private_subnets: Vec<Ipv4Net>,
    pub nat_gateways: NatGateways,
    pub enable_dns_support: bool,
    pub enable_dns_hostnames: bool,
    pub tags: Tags,
}

/// Which availability zones a VPC spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AvailabilityZones {
    /// The first N zones of the region, in name order (what CDK does with `maxAzs`).
    Count(usize),
    /// Exactly these zones, in this order.
    Named(Vec<String>),
}

impl AvailabilityZones {
    pub fn count(&self) -> usize {
        match self {
            AvailabilityZones::Count(n) => *n,
            AvailabilityZones::Named(names) => names.len(),
        }
    }
}

/// How many NAT gateways give the private subnets their way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NatGateways {
    /// Private subnets have no route to the internet.
    None,
    /// One NAT gateway, in the first zone's public subnet, shared by every private subnet.
    One,
    /// One NAT gateway per zone; each private subnet uses its own zone's.
    OnePerAz,
}

/// `[security_group.NAME]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityGroup {
    /// The group name in AWS (unique within its VPC). Defaults to the declaration name.
    pub group_name: String,
    /// Name of a declared VPC.
    pub vpc: String,
    pub description: String,
    pub ingress: Vec<Rule>,
    /// `None`: AWS's default, all traffic to anywhere.
    pub egress: Option<Vec<Rule>>,
    pub tags: Tags,
}

/// One security group rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rule {
    pub protocol: Protocol,
    /// The port range; `None` for protocol `all` (and for ICMP, where it is type/code).
    pub ports: Option<PortRange>,
    pub peer: Peer,
    pub description: Option<String>,
}

/// Where a rule's traffic comes from (ingress) or goes to (egress).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    Cidr(Ipv4Net),
    /// The group the rule belongs to.
    ItSelf,
    /// Another declared security group, by declaration name.
    Group(String),
}

/// `[cluster.NAME]`: an ECS cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// The cluster name in AWS. Defaults to the declaration name.
    pub cluster_name: String,
    pub container_insights: bool,
    pub tags: Tags,
}

/// `[namespace.NAME]`: a Cloud Map private DNS namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct Namespace {
    /// The DNS name, e.g. `service.local`. Defaults to the declaration name.
    pub dns_name: String,
    /// Name of a declared VPC.
    pub vpc: String,
    pub description: Option<String>,
    pub tags: Tags,
}

/// `[role.NAME]`: an IAM role that an AWS service assumes (ECS tasks, EC2 instances).
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    /// The role name in AWS (unique in the account). Defaults to the declaration name.
    pub role_name: String,
    /// The service principal allowed to assume the role, e.g. `ecs-tasks.amazonaws.com`.
    pub trusted_service: String,
    /// ARNs of managed policies attached to the role, in the order written (compared as a set).
    pub managed_policies: Vec<String>,
    /// An inline policy document (JSON), stored under the role's name. Kept as written; compared as JSON.
    pub inline_policy: Option<String>,
    /// Also make an instance profile of the same name holding the role (for EC2 instances).
    pub instance_profile: bool,
    pub tags: Tags,
}

/// `[log_group.NAME]`: a CloudWatch Logs log group.
#[derive(Debug, Clone, PartialEq)]
pub struct LogGroup {
    /// The log group name, e.g. `/ecs/ecsdemo-frontend`. Defaults to the declaration name.
    pub group_name: String,
    /// How long events are kept; `None` keeps them forever. One of the values CloudWatch Logs accepts.
    pub retention_days: Option<u32>,
    pub tags: Tags,
}

/// Which of a VPC's subnet groups a task or an instance runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SubnetGroup {
    Public,
    Private,
}

/// Where a service's tasks (or an instance) attach to the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Name of a declared VPC.
    pub vpc: String,
    pub subnets: SubnetGroup,
    /// Names of declared security groups (in that VPC), at least one.
    pub security_groups: Vec<String>,
    /// Give tasks a public IP (needed in public subnets to pull images without NAT).
    pub assign_public_ip: bool,
}

/// `[service.NAME]`: a Fargate service and everything it needs beyond the platform: its task definition
/// (derived), its Cloud Map registration, and optionally its load balancer.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// The ECS service name, also the task definition family and the container name. Defaults to the
    /// declaration name.
    pub service_name: String,
    /// Name of a declared cluster.
    pub cluster: String,
    /// Container image, `repository[:tag]` or with a digest.
    pub image: String,
    /// Task CPU units (256 = 0.25 vCPU); with `memory`, one of the pairs Fargate accepts.
    pub cpu: u32,
    /// Task memory in MiB.
    pub memory: u32,
    /// The port the container listens on (TCP).
    pub port: u16,
    pub environment: BTreeMap<String, String>,
    /// Environment variables whose values ECS reads from SSM Parameter Store or Secrets Manager when a task
    /// starts (the execution role must be allowed to read them). Never in `environment`.
    pub secrets: BTreeMap<String, SecretSource>,
    /// Overrides the image's command.
    pub command: Option<Vec<String>>,
    /// Tasks to run.
    pub desired_count: u32,
    pub network: Network,
    /// Name of a declared role: the task execution role (pulls the image, writes logs, reads the secrets).
    pub execution_role: String,
    /// Name of a declared role the containers assume: what the application itself may do in AWS. Distinct from
    /// the execution role, which is ECS's.
    pub task_role: Option<String>,
    /// The container's own health check, run in the task (not the load balancer's).
    pub health_check: Option<ContainerHealthCheck>,
    /// The main container starts once these containers of the task (sidecars) meet their condition.
    pub depends_on: BTreeMap<String, StartCondition>,
    /// More containers in each task, by name, beside the main one (which is named after the service).
    pub sidecars: BTreeMap<String, Sidecar>,
    /// Seconds after a task starts during which ECS ignores failing load balancer and container health checks.
    /// Default 0.
    pub health_check_grace_period_seconds: u32,
    /// ECS Exec (`aws ecs execute-command`) into the service's tasks. The task role needs the
    /// `ssmmessages:*Channel` permissions (a warning says so when it has none). Default false.
    pub enable_execute_command: bool,
    pub logs: Option<Logs>,
    pub discovery: Option<Discovery>,
    pub deployment: Deployment,
    pub load_balancer: Option<LoadBalancer>,
    /// Behind a shared load balancer instead: its own target group and listener rule.
    pub route: Option<Route>,
    /// Application Auto Scaling of `desired_count`. While it is on, the count belongs to the autoscaler:
    /// `desired_count` is only the count at creation, a live count inside `[min, max]` is left alone and one
    /// outside is brought into the range; removing the section hands the count back to the file.
    pub autoscaling: Option<Autoscaling>,
    /// Task definition revisions we registered to keep (the newest ones); older ones are deregistered.
    pub keep_revisions: u32,
    pub tags: Tags,
}

impl Service {
    /// Every secret its containers read: the main container's, then each sidecar's.
    pub fn secret_uses(&self) -> Vec<SecretUse<'_>> {
        let main = self.secrets.iter().map(|(variable, source)| SecretUse { sidecar: None, variable, source });
        let sidecars = self.sidecars.iter().flat_map(|(name, sidecar)| {
            sidecar.secrets.iter().map(move |(variable, source)| SecretUse { sidecar: Some(name), variable, source })
        });
        main.chain(sidecars).collect()
    }
}

/// One secret variable of one of a service's containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretUse<'a> {
    /// `None`: the main container.
    pub sidecar: Option<&'a str>,
    pub variable: &'a str,
    pub source: &'a SecretSource,
}

impl SecretUse<'_> {
    /// How the plan names it: `DB_PASSWORD`, or `otel/API_KEY` in a sidecar.
    pub fn label(&self) -> String {
        match self.sidecar {
            None => self.variable.to_string(),
            Some(sidecar) => format!("{sidecar}/{}", self.variable),
        }
    }

    /// Where it is written, relative to the service: `secrets.DB_PASSWORD`, `sidecars.otel.secrets.API_KEY`.
    pub fn field(&self) -> String {
        match self.sidecar {
            None => format!("secrets.{}", self.variable),
            Some(sidecar) => format!("sidecars.{sidecar}.secrets.{}", self.variable),
        }
    }
}

/// `[service.NAME.sidecars.CONTAINER]`: another container in the service's tasks (a proxy, an agent, a log
/// router), sharing the task's network: it reaches the main container on localhost.
#[derive(Debug, Clone, PartialEq)]
pub struct Sidecar {
    /// Container image, as the service's.
    pub image: String,
    /// CPU units reserved for this container, out of the task's. None: shares what is left.
    pub cpu: Option<u32>,
    /// Memory limit in MiB, out of the task's (the container is stopped above it). None: no limit of its own.
    pub memory: Option<u32>,
    /// The port it listens on (TCP), if it serves one.
    pub port: Option<u16>,
    pub environment: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, SecretSource>,
    pub command: Option<Vec<String>>,
    /// When an essential container stops, the task stops. Default true.
    pub essential: bool,
    /// This container starts once these containers of the task meet their condition.
    pub depends_on: BTreeMap<String, StartCondition>,
    pub health_check: Option<ContainerHealthCheck>,
    /// Where its logs go; None: where the service's go (with its own stream names, as ECS names them by
    /// container).
    pub logs: Option<Logs>,
}

/// Container logs to CloudWatch Logs (the awslogs driver).
#[derive(Debug, Clone, PartialEq)]
pub struct Logs {
    /// Name of a declared log group.
    pub log_group: String,
    pub stream_prefix: String,
}

/// Cloud Map registration: the service's tasks are found at `NAME.NAMESPACE` (A records).
#[derive(Debug, Clone, PartialEq)]
pub struct Discovery {
    /// Name of a declared namespace.
    pub namespace: String,
    /// The DNS label. Defaults to the service name.
    pub name: String,
    /// TTL of the A records, in seconds.
    pub ttl: u32,
}

/// `[service.NAME.load_balancer]`: an Application Load Balancer in front of the service, in the VPC's public
/// subnets, with its own security group, a target group of the tasks' IPs and an HTTP listener.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadBalancer {
    /// The load balancer's name (also its target group's): at most 32 letters, digits and hyphens.
    /// Defaults to the service name.
    pub name: String,
    pub scheme: Scheme,
    /// The HTTP port the listener takes. Default 80.
    pub listener_port: u16,
    /// Who may reach the listener. Default `["0.0.0.0/0"]`.
    pub allowed_cidrs: Vec<Ipv4Net>,
    pub health_check: HealthCheck,
    /// An HTTPS listener beside the HTTP one.
    pub https: Option<Https>,
}

/// `[load_balancer.NAME]`: an application load balancer that several services share (as Copilot's
/// environment load balancer): in the VPC's public subnets, with its own security group and one HTTP listener
/// whose rules send each service (`[service.X.route]`) its paths or hosts. Requests no rule matches get a 404.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedLoadBalancer {
    /// The load balancer's name in AWS: at most 32 letters, digits and hyphens. Defaults to the declaration name.
    pub name: String,
    /// Name of a declared VPC.
    pub vpc: String,
    pub scheme: Scheme,
    /// The HTTP port the listener takes. Default 80.
    pub listener_port: u16,
    /// Who may reach the listener. Default `["0.0.0.0/0"]`.
    pub allowed_cidrs: Vec<Ipv4Net>,
    /// An HTTPS listener beside the HTTP one: the routes' rules go on it.
    pub https: Option<Https>,
    pub tags: Tags,
}

/// `[service.NAME.route]`: which requests a shared load balancer sends to the service.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Name of a declared `load_balancer`, in the service's VPC.
    pub load_balancer: String,
    /// Path patterns (`/crystal`, `/crystal/*`); a request matching any of them, and any of `hosts` if given,
    /// goes to the service.
    pub paths: Vec<String>,
    /// Host header patterns (`api.example.com`, `*.example.com`).
    pub hosts: Vec<String>,
    /// 1 to 50000, unique on the load balancer: lower is evaluated first.
    pub priority: u32,
    /// The target group's name (at most 32 letters, digits and hyphens). Defaults to the service name.
    pub target_group_name: String,
    pub health_check: HealthCheck,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    InternetFacing,
    Internal,
}

/// `[service.NAME.autoscaling]`: Application Auto Scaling of the service's desired count.
#[derive(Debug, Clone, PartialEq)]
pub struct Autoscaling {
    pub min_capacity: u32,
    pub max_capacity: u32,
    /// Target-tracking policies, in the order written.
    pub target_tracking: Vec<TargetTracking>,
    /// Scheduled actions, in the order written.
    pub scheduled: Vec<ScheduledAction>,
}

/// `[[service.NAME.autoscaling.target_tracking]]`: a target-tracking scaling policy.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetTracking {
    /// Policy name, unique within the service. Default: `<service_name>-<metric key>` e.g. `ecsdemo-frontend-cpu`.
    pub name: String,
    pub metric: ScalingMetric,
    /// Percent for cpu/memory (1..=100 exclusive of 0, may be fractional like 50.5), requests per target for
    /// requests_per_target (> 0, <= 1_000_000).
    pub target: f64,
    /// Seconds. Default: the section's `scale_in_cooldown`, itself default 300 (AWS's default).
    pub scale_in_cooldown_seconds: u32,
    pub scale_out_cooldown_seconds: u32,
    /// Default: the section's `disable_scale_in`, itself default false.
    pub disable_scale_in: bool,
}

/// `[[service.NAME.autoscaling.scheduled]]`: a scheduled action that changes the capacity range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledAction {
    /// Unique within the service.
    pub name: String,
    /// `cron(...)`, `rate(...)` or `at(...)`, as Application Auto Scaling takes it.
    pub schedule: String,
    /// IANA time zone name for cron/at, e.g. `Europe/Paris`; None = UTC.
    pub timezone: Option<String>,
    pub min_capacity: Option<u32>,
    pub max_capacity: Option<u32>,
}

/// `[instance.NAME]`: an EC2 instance (the workshop's load-test host).
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// E.g. `t3.medium`.
    pub instance_type: String,
    /// An AMI id; `None` means the latest Amazon Linux 2 at creation (never a reason to replace later).
    pub image: Option<String>,
    /// Name of a declared VPC; the instance goes into the first zone's subnet of `subnets`.
    pub vpc: String,
    pub subnets: SubnetGroup,
    /// Names of declared security groups (in that VPC).
    pub security_groups: Vec<String>,
    /// Name of a declared role with `instance_profile = true`.
    pub role: Option<String>,
    /// Run at first boot; a change means a new instance.
    pub user_data: Option<String>,
    pub tags: Tags,
}

/// How a declaration's resources are taken on: fields every kind with a unique name accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lifecycle {
    /// `adopt = true`: an existing resource of the same identity (name) that carries no owner tag is taken
    /// over (tagged, then converged) instead of being a conflict. A resource of another owner id never is.
    pub adopt: bool,
    /// `deletion_policy = "retain"`: when the declaration goes, its resources stay in AWS and stop being ours
    /// (our tags are removed) instead of being deleted.
    pub retain: bool,
}
