//! An ALB target group of IP targets (Fargate tasks), HTTP on the container port.

use reconciler_vocabulary::HealthCheck;

use super::{Declared, Resource};
use crate::node::Ref;
use crate::value::{Field, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetGroupSpec {
    pub name: String,
    pub vpc: Ref,
    pub port: u16,
    pub health_check: HealthCheck,
}

pub mod field {
    use crate::value::FieldId;
    pub const NAME: FieldId = FieldId::new("name");
    pub const VPC: FieldId = FieldId::new("vpc");
    pub const PORT: FieldId = FieldId::new("port");
    pub const HEALTH_CHECK_PATH: FieldId = FieldId::new("health_check_path");
    pub const HEALTH_CHECK_INTERVAL_SECONDS: FieldId = FieldId::new("health_check_interval_seconds");
    pub const HEALTH_CHECK_TIMEOUT_SECONDS: FieldId = FieldId::new("health_check_timeout_seconds");
    pub const HEALTHY_THRESHOLD: FieldId = FieldId::new("healthy_threshold");
    pub const UNHEALTHY_THRESHOLD: FieldId = FieldId::new("unhealthy_threshold");
}

impl Resource for TargetGroupSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Service
    }

    fn fields(&self) -> Vec<Field> {
        let health = &self.health_check;
        vec![
            Field::replace(field::NAME, &self.name),
            Field::replace(field::VPC, &self.vpc),
            Field::replace(field::PORT, Value::Int(self.port.into())),
            Field::update(field::HEALTH_CHECK_PATH, &health.path),
            Field::update(field::HEALTH_CHECK_INTERVAL_SECONDS, Value::Int(health.interval_seconds.into())),
            Field::update(field::HEALTH_CHECK_TIMEOUT_SECONDS, Value::Int(health.timeout_seconds.into())),
            Field::update(field::HEALTHY_THRESHOLD, Value::Int(health.healthy_threshold.into())),
            Field::update(field::UNHEALTHY_THRESHOLD, Value::Int(health.unhealthy_threshold.into())),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        vec![&self.vpc]
    }

    fn fixed_references(&self) -> Vec<&Ref> {
        vec![&self.vpc]
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.vpc = f(&self.vpc);
    }

    fn unique_identity(&self) -> Option<String> {
        Some(self.name.clone())
    }
}
