//! What `reconciler show` reads beyond a pass's observation: the load balancers' DNS names and a service's
//! tasks (where they run, their state, why they stopped). Read only.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{DesiredStatus, Task};
use reconciler_rollout::{ContainerExit, StoppedTask};

use crate::Aws;
use crate::error::{AwsError, classify};

/// One task of a service, as a person looks at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskView {
    /// The task's id (the last part of its ARN).
    pub id: String,
    pub availability_zone: Option<String>,
    /// `PROVISIONING`, `PENDING`, `RUNNING`, `STOPPED`, ...
    pub last_status: String,
    pub health: Option<String>,
    /// The task definition revision it runs (`family:N`).
    pub revision: String,
    /// Why it stopped (`Essential container in task exited`, an image pull error, ...), if it did.
    pub stopped_reason: Option<String>,
}

/// The DNS names of the load balancers named `names` that exist (DescribeLoadBalancers, 20 names a call).
pub async fn load_balancer_dns(aws: &Aws, names: &[String]) -> Result<BTreeMap<String, String>, AwsError> {
    let mut found = BTreeMap::new();
    for batch in names.chunks(20) {
        let out = aws.elb.describe_load_balancers().set_names(Some(batch.to_vec())).send().await;
        let out = match out.map_err(|e| classify("ELBv2.DescribeLoadBalancers", e)) {
            Ok(out) => out,
            // One missing name fails the whole call: ask one at a time then.
            Err(err) if err.is_not_found() && batch.len() > 1 => {
                for name in batch {
                    found.extend(Box::pin(load_balancer_dns(aws, std::slice::from_ref(name))).await?);
                }
                continue;
            }
            Err(err) if err.is_not_found() => continue,
            Err(err) => return Err(err),
        };
        for balancer in out.load_balancers() {
            if let (Some(name), Some(dns)) = (balancer.load_balancer_name(), balancer.dns_name()) {
                found.insert(name.to_string(), dns.to_string());
            }
        }
    }
    Ok(found)
}

/// The service's running tasks and those stopped recently (ECS keeps stopped tasks for about an hour).
pub async fn tasks(aws: &Aws, cluster: &str, service: &str) -> Result<Vec<TaskView>, AwsError> {
    let found = service_tasks(aws, cluster, service, &[DesiredStatus::Running, DesiredStatus::Stopped]).await?;
    let mut tasks: Vec<TaskView> = found
        .iter()
        .map(|task| TaskView {
            id: task_id(task),
            availability_zone: task.availability_zone().map(str::to_string),
            last_status: task.last_status().unwrap_or_default().to_string(),
            health: task.health_status().map(|h| h.as_str().to_string()),
            revision: short_revision(task.task_definition_arn().unwrap_or_default()),
            stopped_reason: task.stopped_reason().map(str::to_string),
        })
        .collect();
    tasks.sort_by(|a, b| (a.last_status == "STOPPED", &a.id).cmp(&(b.last_status == "STOPPED", &b.id)));
    Ok(tasks)
}

/// The service's recently stopped tasks with what stopped them, for the rollout verdicts and `status`.
pub async fn stopped_tasks(aws: &Aws, cluster: &str, service: &str) -> Result<Vec<StoppedTask>, AwsError> {
    let found = service_tasks(aws, cluster, service, &[DesiredStatus::Stopped]).await?;
    Ok(found
        .iter()
        .filter(|task| task.last_status() == Some("STOPPED"))
        .map(|task| StoppedTask {
            id: task_id(task),
            task_definition: task.task_definition_arn().unwrap_or_default().to_string(),
            stopped_at_epoch_ms: task.stopped_at().and_then(|t| t.to_millis().ok()),
            stop_code: task.stop_code().map(|c| c.as_str().to_string()),
            stopped_reason: task.stopped_reason().map(str::to_string),
            containers: task
                .containers()
                .iter()
                .map(|c| ContainerExit {
                    name: c.name().unwrap_or_default().to_string(),
                    exit_code: c.exit_code(),
                    reason: c.reason().map(str::to_string),
                })
                .collect(),
        })
        .collect())
}

/// The service's tasks whose desired status is one of `statuses`: ListTasks (100 a page), then DescribeTasks
/// (100 tasks a call).
async fn service_tasks(
    aws: &Aws,
    cluster: &str,
    service: &str,
    statuses: &[DesiredStatus],
) -> Result<Vec<Task>, AwsError> {
    let mut arns = Vec::new();
    for status in statuses {
        let mut pages = aws
            .ecs
            .list_tasks()
            .cluster(cluster)
            .service_name(service)
            .desired_status(status.clone())
            .max_results(100)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            arns.extend(page.map_err(|e| classify("ECS.ListTasks", e))?.task_arns().iter().cloned());
        }
    }
    let mut tasks = Vec::new();
    for batch in arns.chunks(100) {
        let out = aws
            .ecs
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| classify("ECS.DescribeTasks", e))?;
        // A service's tasks are in group `service:NAME`. The emulator ignores ListTasks' serviceName (it lists
        // the cluster's tasks); AWS filters, and this keeps to the service either way.
        let group = format!("service:{service}");
        tasks.extend(out.tasks().iter().filter(|t| t.group() == Some(group.as_str())).cloned());
    }
    Ok(tasks)
}

/// The task's id: the last part of its ARN.
fn task_id(task: &Task) -> String {
    let arn = task.task_arn().unwrap_or_default();
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

/// `family:N` of a task definition ARN.
fn short_revision(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}
