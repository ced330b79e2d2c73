//! A target-tracking scaling policy on a service's scalable target.

use reconciler_vocabulary::ScalingMetric;

use super::{Declared, Resource, values};
use crate::node::Ref;
use crate::value::{Field, Value};

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

pub mod field {
    use crate::value::FieldId;
    pub const NAME: FieldId = FieldId::new("name");
    pub const RESOURCE_ID: FieldId = FieldId::new("resource_id");
    pub const METRIC: FieldId = FieldId::new("metric");
    pub const TARGET: FieldId = FieldId::new("target");
    pub const SCALE_IN_COOLDOWN_SECONDS: FieldId = FieldId::new("scale_in_cooldown_seconds");
    pub const SCALE_OUT_COOLDOWN_SECONDS: FieldId = FieldId::new("scale_out_cooldown_seconds");
    pub const DISABLE_SCALE_IN: FieldId = FieldId::new("disable_scale_in");
    pub const TARGET_GROUP: FieldId = FieldId::new("target_group");
    pub const LOAD_BALANCER: FieldId = FieldId::new("load_balancer");
}

impl Resource for ScalingPolicySpec {
    fn removed_with_its_declaration() -> bool {
        true
    }

    fn deletion_tier() -> u8 {
        2
    }

    /// Owned through its service's tags, which the observation lends it (Application Auto Scaling tags are
    /// not readable): its own are never compared.
    fn has_own_tags() -> bool {
        false
    }

    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Service
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::replace(field::NAME, &self.name),
            Field::replace(field::RESOURCE_ID, &self.resource_id),
            Field::update(field::METRIC, Value::Text(self.metric.key().to_string())),
            Field::update(field::TARGET, Value::Text(format_target(self.target))),
            Field::update(field::SCALE_IN_COOLDOWN_SECONDS, Value::Int(self.scale_in_cooldown_seconds.into())),
            Field::update(field::SCALE_OUT_COOLDOWN_SECONDS, Value::Int(self.scale_out_cooldown_seconds.into())),
            Field::update(field::DISABLE_SCALE_IN, self.disable_scale_in),
            Field::update(field::TARGET_GROUP, values::optional(&self.target_group)),
            Field::update(field::LOAD_BALANCER, values::optional(&self.load_balancer)),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        self.target_group.iter().chain(&self.load_balancer).collect()
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.target_group = self.target_group.as_ref().map(&mut *f);
        self.load_balancer = self.load_balancer.as_ref().map(f);
    }

    fn unique_identity(&self) -> Option<String> {
        Some(format!("{}/{}", self.resource_id, self.name))
    }
}

/// A target as a person writes it (`50`, `50.5`), compared at a precision AWS keeps.
fn format_target(target: f64) -> String {
    let rounded = (target * 1000.0).round() / 1000.0;
    if rounded.fract() == 0.0 { format!("{rounded:.0}") } else { format!("{rounded}") }
}
