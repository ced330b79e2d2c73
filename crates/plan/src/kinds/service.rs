//! An ECS service on Fargate.

use std::collections::BTreeSet;

use reconciler_vocabulary::Deployment;

use super::{Declared, Resource, values};
use crate::node::Ref;
use crate::value::{Field, Value};

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
    /// Seconds ECS ignores failing health checks after a task starts (0: none).
    pub health_check_grace_period_seconds: u32,
    /// ECS Exec into the tasks.
    pub enable_execute_command: bool,
    /// How many task definition revisions we registered to keep (not compared: a setting of ours).
    pub keep_revisions: u32,
    /// `(min, max)` while the service has autoscaling: the desired count then belongs to the autoscaler (the
    /// file's count is only the initial one). Not an AWS field: the planner's rule for the count.
    pub autoscaling: Option<(u32, u32)>,
    /// Observed only (never declared, never compared): the deployment ECS's circuit breaker rolled back, as
    /// ECS reports it or as our tag remembers it. The planner holds the service while its file still asks
    /// for that revision's content (see [`crate::rollback`]).
    pub failed_rollout: Option<Box<crate::rollback::FailedRollout>>,
}

/// Which target group the service's tasks join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLoadBalancer {
    pub target_group: Ref,
    pub container_name: String,
    pub container_port: u16,
}

pub mod field {
    use crate::value::FieldId;
    pub const SERVICE_NAME: FieldId = FieldId::new("service_name");
    pub const CLUSTER: FieldId = FieldId::new("cluster");
    pub const TASK_DEFINITION: FieldId = FieldId::new("task_definition");
    pub const DESIRED_COUNT: FieldId = FieldId::new("desired_count");
    pub const SUBNETS: FieldId = FieldId::new("subnets");
    pub const SECURITY_GROUPS: FieldId = FieldId::new("security_groups");
    pub const ASSIGN_PUBLIC_IP: FieldId = FieldId::new("assign_public_ip");
    pub const LOAD_BALANCER: FieldId = FieldId::new("load_balancer");
    pub const SERVICE_REGISTRY: FieldId = FieldId::new("service_registry");
    pub const MINIMUM_HEALTHY_PERCENT: FieldId = FieldId::new("minimum_healthy_percent");
    pub const MAXIMUM_PERCENT: FieldId = FieldId::new("maximum_percent");
    pub const CIRCUIT_BREAKER: FieldId = FieldId::new("circuit_breaker");
    pub const ROLLBACK: FieldId = FieldId::new("rollback");
    pub const HEALTH_CHECK_GRACE_PERIOD: FieldId = FieldId::new("health_check_grace_period_seconds");
    pub const ENABLE_EXECUTE_COMMAND: FieldId = FieldId::new("enable_execute_command");
    /// The fields UpdateService's deployment configuration carries.
    pub const DEPLOYMENT: [FieldId; 4] = [MINIMUM_HEALTHY_PERCENT, MAXIMUM_PERCENT, CIRCUIT_BREAKER, ROLLBACK];
}

impl Resource for ServiceSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Service
    }

    fn fields(&self) -> Vec<Field> {
        let desired_count = match self.autoscaling {
            Some((min, max)) => Value::Text(format!("{} (owned by autoscaling, {min} to {max})", self.desired_count)),
            None => Value::Int(self.desired_count.into()),
        };
        let load_balancer = self.load_balancer.as_ref().map_or(Value::Absent, |lb| {
            Value::Text(format!("{} -> {}:{}", lb.target_group, lb.container_name, lb.container_port))
        });
        let deployment = &self.deployment;
        vec![
            Field::replace(field::SERVICE_NAME, &self.service_name),
            Field::replace(field::CLUSTER, &self.cluster),
            Field::update(field::TASK_DEFINITION, &self.task_definition),
            Field::update(field::DESIRED_COUNT, desired_count),
            Field::update(field::SUBNETS, values::set(&self.subnets)),
            Field::update(field::SECURITY_GROUPS, values::set(&self.security_groups)),
            Field::update(field::ASSIGN_PUBLIC_IP, self.assign_public_ip),
            Field::update(field::LOAD_BALANCER, load_balancer),
            Field::update(field::SERVICE_REGISTRY, values::optional(&self.registry)),
            Field::update(field::MINIMUM_HEALTHY_PERCENT, Value::Int(deployment.minimum_healthy_percent.into())),
            Field::update(field::MAXIMUM_PERCENT, Value::Int(deployment.maximum_percent.into())),
            Field::update(field::CIRCUIT_BREAKER, deployment.circuit_breaker),
            Field::update(field::ROLLBACK, deployment.rollback),
            Field::update(field::HEALTH_CHECK_GRACE_PERIOD, Value::Int(self.health_check_grace_period_seconds.into())),
            Field::update(field::ENABLE_EXECUTE_COMMAND, self.enable_execute_command),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        let mut refs = vec![&self.cluster, &self.task_definition];
        refs.extend(&self.subnets);
        refs.extend(&self.security_groups);
        refs.extend(self.load_balancer.iter().map(|lb| &lb.target_group));
        refs.extend(&self.registry);
        refs
    }

    fn fixed_references(&self) -> Vec<&Ref> {
        vec![&self.cluster]
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.cluster = f(&self.cluster);
        self.task_definition = f(&self.task_definition);
        values::map_set(&mut self.subnets, f);
        values::map_set(&mut self.security_groups, f);
        if let Some(lb) = &mut self.load_balancer {
            lb.target_group = f(&lb.target_group);
        }
        self.registry = self.registry.as_ref().map(f);
    }

    fn unique_identity(&self) -> Option<String> {
        Some(format!("{}/{}", self.cluster, self.service_name))
    }

    /// With autoscaling, the autoscaler's count stands while it is inside the range, and is brought to the
    /// nearest bound when outside (that count is what an update writes).
    fn settle(&mut self, found: &mut Self) {
        if let Some((min, max)) = self.autoscaling {
            self.desired_count = found.desired_count.clamp(min, max);
        }
        found.autoscaling = self.autoscaling;
    }
}
