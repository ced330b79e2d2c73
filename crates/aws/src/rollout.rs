//! ECS services as [`ServiceSnapshot`]s: what `--wait` follows and `reconciler status` shows. The
//! judgement (stable, failed, how to print it) is the `rollout` crate's; this is only the reading.

use aws_sdk_ecs::types::{DeploymentRolloutState, Service};
use reconciler_rollout::{Deployment, RolloutState, ServiceEvent, ServiceSnapshot};

use crate::Aws;
use crate::error::AwsError;
use crate::kinds::service;

/// The services (names or ARNs) of one cluster, 10 per DescribeServices call. Services that do not exist
/// (any more) are simply absent from the result.
/// The stopped tasks are read (ListTasks and DescribeTasks) only for services whose tasks are failing: a
/// deployment counts failed tasks or is FAILED.
pub async fn snapshots(aws: &Aws, cluster: &str, services: &[String]) -> Result<Vec<ServiceSnapshot>, AwsError> {
    let mut found = Vec::new();
    for batch in services.chunks(10) {
        found.extend(service::describe_any_status(aws, cluster, batch).await?.iter().map(snapshot));
    }
    for snapshot in found.iter_mut().filter(|s| tasks_failing(s)) {
        snapshot.stopped_tasks = crate::show::stopped_tasks(aws, cluster, &snapshot.service_name).await?;
    }
    Ok(found)
}

/// Whether some deployment of the service has tasks that failed to start or stay healthy.
fn tasks_failing(snapshot: &ServiceSnapshot) -> bool {
    snapshot.deployments.iter().any(|d| d.failed_tasks > 0 || d.rollout_state == Some(RolloutState::Failed))
}

fn count(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

fn snapshot(service: &Service) -> ServiceSnapshot {
    ServiceSnapshot {
        service_name: service.service_name().unwrap_or_default().to_string(),
        cluster: service.cluster_arn().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string(),
        status: service.status().unwrap_or_default().to_string(),
        desired_count: count(service.desired_count()),
        running_count: count(service.running_count()),
        pending_count: count(service.pending_count()),
        task_definition: service.task_definition().unwrap_or_default().to_string(),
        deployments: service
            .deployments()
            .iter()
            .map(|d| Deployment {
                id: d.id().unwrap_or_default().to_string(),
                status: d.status().unwrap_or_default().to_string(),
                task_definition: d.task_definition().unwrap_or_default().to_string(),
                desired_count: count(d.desired_count()),
                running_count: count(d.running_count()),
                pending_count: count(d.pending_count()),
                failed_tasks: count(d.failed_tasks()),
                rollout_state: d.rollout_state().and_then(|s| match s {
                    DeploymentRolloutState::InProgress => Some(RolloutState::InProgress),
                    DeploymentRolloutState::Completed => Some(RolloutState::Completed),
                    DeploymentRolloutState::Failed => Some(RolloutState::Failed),
                    other => RolloutState::parse(other.as_str()),
                }),
                rollout_state_reason: d.rollout_state_reason().map(str::to_string),
            })
            .collect(),
        events: service
            .events()
            .iter()
            .map(|e| ServiceEvent {
                id: e.id().unwrap_or_default().to_string(),
                created_at_epoch_ms: e.created_at().map_or(0, |t| t.to_millis().unwrap_or(0)),
                message: e.message().unwrap_or_default().to_string(),
            })
            .collect(),
        stopped_tasks: Vec::new(),
    }
}
