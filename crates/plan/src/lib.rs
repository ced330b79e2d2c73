//! The planner: desired state + observed state -> an ordered plan of actions.
//!
//! Pure code: no I/O, no AWS SDK types, no clock. The `aws` crate turns live AWS resources into
//! [`Observed`] and carries out a [`Plan`]; the `render` crate draws it.

mod address;
mod adoption;
mod autoscaling;
pub mod certificates;
mod dependency_order;
mod expand;
mod expand_workload;
mod hints;
pub mod kinds;
mod node;
pub mod ownership;
mod plan;
mod planner;
mod prune;
mod reason;
mod report;
mod revision;
pub mod rollback;
pub mod secrets;
mod status;
mod value;

pub use address::{Address, Kind};
pub use expand::{allow_all_egress, declaration_of, expand, expand_with_secrets};
pub use expand_workload::normalize_policy;
pub use hints::{AdoptionHints, ObservationHints};
pub use kinds::cluster::ClusterSpec;
pub use kinds::discovery_service::DiscoveryServiceSpec;
pub use kinds::elastic_ip::ElasticIpSpec;
pub use kinds::instance::InstanceSpec;
pub use kinds::instance_profile::InstanceProfileSpec;
pub use kinds::internet_gateway::InternetGatewaySpec;
pub use kinds::listener::{DefaultAction, ListenerSpec, ListenerTls};
pub use kinds::load_balancer::LoadBalancerSpec;
pub use kinds::log_group::LogGroupSpec;
pub use kinds::namespace::NamespaceSpec;
pub use kinds::nat_gateway::NatGatewaySpec;
pub use kinds::role::RoleSpec;
pub use kinds::route_table::{Route, RouteTableSpec, RouteTarget};
pub use kinds::scalable_target::ScalableTargetSpec;
pub use kinds::scaling_policy::ScalingPolicySpec;
pub use kinds::scheduled_action::ScheduledActionSpec;
pub use kinds::security_group::{SecurityGroupSpec, SgPeer, SgRule};
pub use kinds::service::{ServiceLoadBalancer, ServiceSpec};
pub use kinds::subnet::SubnetSpec;
pub use kinds::target_group::TargetGroupSpec;
pub use kinds::task_definition::{ContainerLogs, SidecarSpec, TaskDefinitionSpec};
pub use kinds::vpc::VpcSpec;
pub use kinds::{NodeSpec, Resource};
pub use node::{Node, Observed, ObservedNode, Ref};
pub use plan::{
    Action, ActionKind, ChangedField, Conflict, FieldChange, Held, HeldBy, NotDeclared, Plan, RevisionMove, Summary,
    Unread,
};
pub use planner::{PlanContext, adopts, destroy, plan};
pub use prune::Pruning;
pub use reason::{ActionReason, ConflictReason, DriftNote, HoldBack, PruneGuard, Removal, StayReason};
pub use report::{ActionOutcome, ApplyReport, OutcomeResult, PassFigures, SkipCause};
pub use status::{ResourceState, ResourceStatus, StatusWhy, resource_statuses};
pub use value::{Field, FieldId, Value};

/// Why no plan could be made. These come from the region, not from the files (those are checked earlier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    NotEnoughZones { vpc: String, wanted: usize, available: Vec<String> },
    UnknownZone { vpc: String, zone: String, available: Vec<String> },
    Cycle(Vec<String>),
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::NotEnoughZones { vpc, wanted, available } => write!(
                f,
                "vpc.{vpc}: {wanted} availability zones wanted, the region has {} ({})",
                available.len(),
                available.join(", ")
            ),
            PlanError::UnknownZone { vpc, zone, available } => {
                write!(f, "vpc.{vpc}: zone {zone} is not in the region (it has {})", available.join(", "))
            }
            PlanError::Cycle(addresses) => write!(f, "dependency cycle among {}", addresses.join(", ")),
        }
    }
}

impl std::error::Error for PlanError {}
