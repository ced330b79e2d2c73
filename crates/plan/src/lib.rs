//! The planner: desired state + observed state -> an ordered plan of actions.
//!
//! Pure code: no I/O, no AWS SDK types, no clock. The `aws` crate turns live AWS resources into
//! [`Observed`] and carries out a [`Plan`]; the `render` crate draws it.

mod address;
mod expand;
mod expand_workload;
mod node;
pub mod ownership;
mod plan;
mod planner;
mod prune;
mod report;
mod value;
mod workload;

pub use address::{Address, Kind};
pub use expand::{allow_all_egress, declaration_of, expand};
pub use expand_workload::normalize_policy;
pub use node::{Node, NodeSpec, Observed, ObservedNode, Ref, Route, RouteTarget, SgPeer, SgRule};
pub use plan::{Action, ActionKind, Conflict, FieldChange, NotDeclared, Plan, Summary};
pub use planner::{PlanContext, destroy, plan};
pub use prune::{PruneGuard, Pruning};
pub use report::{ActionOutcome, ApplyReport, OutcomeResult};
pub use value::{Field, Value};
pub use workload::{
    ContainerLogs, InstanceSpec, ScalingPolicySpec, ServiceLoadBalancer, ServiceSpec, TargetGroupSpec,
    TaskDefinitionSpec,
};

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
