//! Builders for snapshots as `DescribeServices` would return them during a rollout of ecsdemo-frontend.

#![allow(dead_code)] // each test file uses a different part

use reconciler_rollout::{Deployment, RolloutState, ServiceEvent, ServiceSnapshot};

pub const SERVICE: &str = "ecsdemo-frontend";
pub const REV_6: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/ecsdemo-frontend:6";
pub const REV_7: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/ecsdemo-frontend:7";
pub const REV_8: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/ecsdemo-frontend:8";

/// When `reconciler --once --wait` started applying; events before it belong to earlier rollouts.
pub const START: i64 = 1_715_680_000_000;

/// `secs` seconds after the start.
pub fn at(secs: i64) -> i64 {
    START + secs * 1000
}

/// A deployment of `task_definition` with the given counts and no failed tasks.
pub fn deployment(
    id: &str,
    status: &str,
    task_definition: &str,
    (running, desired, pending): (u32, u32, u32),
    rollout_state: Option<RolloutState>,
) -> Deployment {
    Deployment {
        id: format!("ecs-svc/{id}"),
        status: status.to_string(),
        task_definition: task_definition.to_string(),
        desired_count: desired,
        running_count: running,
        pending_count: pending,
        failed_tasks: 0,
        rollout_state,
        rollout_state_reason: rollout_state.map(|s| match s {
            RolloutState::InProgress => format!("ECS deployment ecs-svc/{id} in progress."),
            RolloutState::Completed => format!("ECS deployment ecs-svc/{id} completed."),
            RolloutState::Failed => "ECS deployment circuit breaker: tasks failed to start.".to_string(),
        }),
    }
}

/// Our deployment (rev 7) while it is rolling out.
pub fn ours(counts: (u32, u32, u32), state: RolloutState) -> Deployment {
    deployment("7777", "PRIMARY", REV_7, counts, Some(state))
}

/// The deployment of rev 6 that ours replaces, still draining.
pub fn old(running: u32) -> Deployment {
    deployment("6666", "ACTIVE", REV_6, (running, running, 0), Some(RolloutState::Completed))
}

pub fn event(id: &str, created_at_epoch_ms: i64, message: &str) -> ServiceEvent {
    ServiceEvent { id: id.to_string(), created_at_epoch_ms, message: format!("(service {SERVICE}) {message}") }
}

/// An ACTIVE service with these deployments and events (give events newest first, as ECS does). The service's
/// counts add up its deployments', as ECS's do.
pub fn snapshot(deployments: Vec<Deployment>, events: Vec<ServiceEvent>) -> ServiceSnapshot {
    let primary = deployments.iter().find(|d| d.status == "PRIMARY");
    ServiceSnapshot {
        service_name: SERVICE.to_string(),
        cluster: "container-demo".to_string(),
        status: "ACTIVE".to_string(),
        desired_count: primary.map_or(0, |d| d.desired_count),
        running_count: deployments.iter().map(|d| d.running_count).sum(),
        pending_count: deployments.iter().map(|d| d.pending_count).sum(),
        task_definition: primary.map_or_else(String::new, |d| d.task_definition.clone()),
        deployments,
        events,
        stopped_tasks: Vec::new(),
    }
}
