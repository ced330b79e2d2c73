//! Specs of the kinds that run the workload (task definitions, ECS services, load balancing, instances),
//! which have too many fields to sit inline in [`crate::NodeSpec`].
//!
//! Each type lists its comparable fields, with which ones AWS can change in place, in `fields()`.

use std::collections::{BTreeMap, BTreeSet};

use reconciler_spec::{Deployment, HealthCheck};

use crate::node::Ref;
use crate::value::{Field, Value};

/// A Fargate task definition with one container, as [`crate::expand`] derives it from a service.
///
/// Task definitions are immutable: every field forces a new revision. A new revision is registered before
/// the old one is let go (the service is moved to it first), unlike other replacements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDefinitionSpec {
    pub family: String,
    pub cpu: u32,
    pub memory: u32,
    /// The execution role (pulls the image, writes logs).
    pub execution_role: Ref,
    /// The container's name: the service name.
    pub container_name: String,
    pub image: String,
    pub port: u16,
    pub environment: BTreeMap<String, String>,
    pub command: Option<Vec<String>>,
    pub logs: Option<ContainerLogs>,
}

/// awslogs settings of the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerLogs {
    /// The log group's name (not a reference: the awslogs driver takes the name; the log group is an ordering
    /// dependency of the task definition).
    pub group_name: String,
    pub stream_prefix: String,
}

impl TaskDefinitionSpec {
    pub fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace("family", &self.family),
            Field::replace("cpu", Value::Int(self.cpu.into())),
            Field::replace("memory", Value::Int(self.memory.into())),
            Field::replace("execution_role", &self.execution_role),
            Field::replace("container_name", &self.container_name),
            Field::replace("image", &self.image),
            Field::replace("port", Value::Int(self.port.into())),
            Field::replace(
                "environment",
                Value::Set(self.environment.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            ),
            Field::replace("command", self.command.as_ref().map_or(Value::Absent, |c| Value::Text(quote_words(c)))),
            Field::replace(
                "log_group",
                self.logs.as_ref().map_or(Value::Absent, |l| Value::Text(l.group_name.clone())),
            ),
            Field::replace(
                "log_stream_prefix",
                self.logs.as_ref().map_or(Value::Absent, |l| Value::Text(l.stream_prefix.clone())),
            ),
        ]
    }
}

/// A command as a person would type it, each word quoted only when needed: `bundle exec "rails s"`.
fn quote_words(words: &[String]) -> String {
    words
        .iter()
        .map(|w| if w.is_empty() || w.contains(char::is_whitespace) { format!("{w:?}") } else { w.clone() })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An ECS service on Fargate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    pub service_name: String,
    pub cluster: Ref,
    /// The task definition revision the service runs.
    pub task_definition: Ref,
    pub desired_count: u32,
    pub subnets: BTreeSet<Ref>,
    pub security_groups: BTreeSet<Ref>,
    pub assign_public_ip: bool,
    pub load_balancer: Option<ServiceLoadBalancer>,
    /// The Cloud Map service the tasks register in.
    pub registry: Option<Ref>,
    pub deployment: Deployment,
    /// How many task definition revisions we registered to keep (not compared: a setting of ours).
    pub keep_revisions: u32,
    /// `(min, max)` while the service has autoscaling: the desired count then belongs to the autoscaler (the
    /// file's count is only the initial one). Not an AWS field: the planner's rule for the count.
    pub autoscaling: Option<(u32, u32)>,
}

/// Which target group the service's tasks join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLoadBalancer {
    pub target_group: Ref,
    pub container_name: String,
    pub container_port: u16,
}

impl ServiceSpec {
    pub fn fields(&self) -> Vec<Field> {
        fn set(refs: &BTreeSet<Ref>) -> Value {
            Value::Set(refs.iter().map(ToString::to_string).collect())
        }
        vec![
            Field::replace("service_name", &self.service_name),
            Field::replace("cluster", &self.cluster),
            Field::update("task_definition", &self.task_definition),
            Field::update(
                "desired_count",
                match self.autoscaling {
                    Some((min, max)) => {
                        Value::Text(format!("{} (owned by autoscaling, {min} to {max})", self.desired_count))
                    }
                    None => Value::Int(self.desired_count.into()),
                },
            ),
            Field::update("subnets", set(&self.subnets)),
            Field::update("security_groups", set(&self.security_groups)),
            Field::update("assign_public_ip", self.assign_public_ip),
            Field::update(
                "load_balancer",
                self.load_balancer.as_ref().map_or(Value::Absent, |lb| {
                    Value::Text(format!("{} -> {}:{}", lb.target_group, lb.container_name, lb.container_port))
                }),
            ),
            Field::update("service_registry", self.registry.as_ref().map_or(Value::Absent, Value::from)),
            Field::update("minimum_healthy_percent", Value::Int(self.deployment.minimum_healthy_percent.into())),
            Field::update("maximum_percent", Value::Int(self.deployment.maximum_percent.into())),
            Field::update("circuit_breaker", self.deployment.circuit_breaker),
            Field::update("rollback", self.deployment.rollback),
        ]
    }

    pub fn references(&self) -> Vec<&Ref> {
        let mut refs = vec![&self.cluster, &self.task_definition];
        refs.extend(&self.subnets);
        refs.extend(&self.security_groups);
        refs.extend(self.load_balancer.iter().map(|lb| &lb.target_group));
        refs.extend(&self.registry);
        refs
    }

    pub fn map_refs(&mut self, f: &mut impl FnMut(&Ref) -> Ref) {
        self.cluster = f(&self.cluster);
        self.task_definition = f(&self.task_definition);
        self.subnets = std::mem::take(&mut self.subnets).iter().map(&mut *f).collect();
        self.security_groups = std::mem::take(&mut self.security_groups).iter().map(&mut *f).collect();
        if let Some(lb) = &mut self.load_balancer {
            lb.target_group = f(&lb.target_group);
        }
        self.registry = self.registry.as_ref().map(&mut *f);
    }
}

/// An ALB target group of IP targets (Fargate tasks), HTTP on the container port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetGroupSpec {
    pub name: String,
    pub vpc: Ref,
    pub port: u16,
    pub health_check: HealthCheck,
}

impl TargetGroupSpec {
    pub fn fields(&self) -> Vec<Field> {
        let health = &self.health_check;
        vec![
            Field::replace("name", &self.name),
            Field::replace("vpc", &self.vpc),
            Field::replace("port", Value::Int(self.port.into())),
            Field::update("health_check_path", &health.path),
            Field::update("health_check_interval_seconds", Value::Int(health.interval_seconds.into())),
            Field::update("health_check_timeout_seconds", Value::Int(health.timeout_seconds.into())),
            Field::update("healthy_threshold", Value::Int(health.healthy_threshold.into())),
            Field::update("unhealthy_threshold", Value::Int(health.unhealthy_threshold.into())),
        ]
    }
}

/// An EC2 instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSpec {
    pub instance_type: String,
    /// `None`: the latest Amazon Linux 2 when created, and whatever image it has afterwards (a newer image is
    /// no reason to replace a running host).
    pub image: Option<String>,
    pub subnet: Ref,
    pub security_groups: BTreeSet<Ref>,
    /// The instance profile.
    pub instance_profile: Option<Ref>,
    pub user_data: Option<String>,
}

impl InstanceSpec {
    pub fn fields(&self) -> Vec<Field> {
        vec![
            // Changing the type needs the instance stopped; for a stateless host a new one is the simpler and
            // safer change.
            Field::replace("instance_type", &self.instance_type),
            Field::replace("image", self.image.as_ref().map_or(Value::Absent, Value::from)),
            Field::replace("subnet", &self.subnet),
            Field::update(
                "security_groups",
                Value::Set(self.security_groups.iter().map(ToString::to_string).collect()),
            ),
            Field::replace("instance_profile", self.instance_profile.as_ref().map_or(Value::Absent, Value::from)),
            // User data only runs at first boot: a change means a new instance.
            Field::replace("user_data", self.user_data.as_ref().map_or(Value::Absent, Value::from)),
        ]
    }
}

/// A target-tracking scaling policy on a service's scalable target.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingPolicySpec {
    /// The policy name (unique per scalable target).
    pub name: String,
    /// `service/CLUSTER/SERVICE`: the scalable target it belongs to.
    pub resource_id: String,
    pub metric: ScalingMetric,
    /// Percent (cpu, memory) or requests per target.
    pub target: f64,
    pub scale_in_cooldown_seconds: u32,
    pub scale_out_cooldown_seconds: u32,
    pub disable_scale_in: bool,
    /// For requests per target: the target group whose load balancer counts the requests (the resource label
    /// `app/LB/ID/targetgroup/TG/ID` is made from the two ARNs when applying).
    pub target_group: Option<Ref>,
    pub load_balancer: Option<Ref>,
}

impl ScalingPolicySpec {
    pub fn fields(&self) -> Vec<Field> {
        let opt = |r: &Option<Ref>| r.as_ref().map_or(Value::Absent, Value::from);
        vec![
            Field::replace("name", &self.name),
            Field::replace("resource_id", &self.resource_id),
            Field::update("metric", Value::Text(self.metric.key().to_string())),
            Field::update("target", Value::Text(format_target(self.target))),
            Field::update("scale_in_cooldown_seconds", Value::Int(self.scale_in_cooldown_seconds.into())),
            Field::update("scale_out_cooldown_seconds", Value::Int(self.scale_out_cooldown_seconds.into())),
            Field::update("disable_scale_in", self.disable_scale_in),
            Field::update("target_group", opt(&self.target_group)),
            Field::update("load_balancer", opt(&self.load_balancer)),
        ]
    }
}

/// A target as a person writes it (`50`, `50.5`), compared at a precision AWS keeps.
fn format_target(target: f64) -> String {
    let rounded = (target * 1000.0).round() / 1000.0;
    if rounded.fract() == 0.0 { format!("{rounded:.0}") } else { format!("{rounded}") }
}

use reconciler_spec::ScalingMetric;
