//! Following ECS service rollouts and describing service status.
//!
//! Pure code: no I/O, no AWS SDK types, no clock. The I/O side polls ECS `DescribeServices`, turns each
//! service into a [`ServiceSnapshot`], feeds it to a [`RolloutFollower`] (for `reconciler --once --wait`)
//! or gathers it into [`ServiceStatus`] rows (for `reconciler status`), and prints what comes back.

mod follow;
mod snapshot;
mod status;
mod stopped;

pub use follow::{RolloutFollower, Step, Verdict, WaitSummary, summarize};
pub use snapshot::{
    Deployment, RolloutState, ServiceEvent, ServiceSnapshot, TaskDefinitionRef, revision_of, same_task_definition,
};
pub use status::{JSON_VERSION, ServiceStatus, render_json, render_table};
pub use stopped::{ContainerExit, StoppedTask, stop_reasons};
