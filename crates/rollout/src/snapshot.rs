//! One ECS service as `DescribeServices` reports it, as plain data, and how to read task definition ARNs.
//!
//! The I/O side converts each SDK `Service` into a [`ServiceSnapshot`]; nothing here knows about the SDK.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What `DescribeServices` says about one service at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSnapshot {
    pub service_name: String,
    pub cluster: String,
    /// `ACTIVE`, `DRAINING` (being deleted) or `INACTIVE` (deleted).
    pub status: String,
    pub desired_count: u32,
    pub running_count: u32,
    pub pending_count: u32,
    /// ARN of the task definition the service is being moved to (that of the PRIMARY deployment).
    pub task_definition: String,
    pub deployments: Vec<Deployment>,
    /// Newest first, as ECS returns them (at most the last 100).
    pub events: Vec<ServiceEvent>,
    /// The service's recently stopped tasks (ECS keeps them about an hour), when the I/O side read them: it
    /// does once tasks fail (a deployment counts failed tasks, or is FAILED), not on every poll.
    #[serde(default)]
    pub stopped_tasks: Vec<crate::stopped::StoppedTask>,
}

impl ServiceSnapshot {
    /// The deployment ECS is moving the service to. ECS keeps exactly one PRIMARY; older ones are ACTIVE
    /// while their tasks drain.
    pub fn primary(&self) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.status == "PRIMARY")
    }

    /// `DRAINING` and `INACTIVE` both mean someone deleted the service.
    pub fn is_deleted(&self) -> bool {
        self.status == "DRAINING" || self.status == "INACTIVE"
    }
}

/// One entry of the service's `deployments` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub id: String,
    /// `PRIMARY` (the newest), `ACTIVE` (older, still draining) or `INACTIVE`.
    pub status: String,
    pub task_definition: String,
    pub desired_count: u32,
    pub running_count: u32,
    pub pending_count: u32,
    /// Tasks that failed to start or stay healthy in a row; ECS resets it to 0 once a task runs.
    pub failed_tasks: u32,
    /// Absent for services whose deployment controller does not report it (no circuit breaker, old API).
    pub rollout_state: Option<RolloutState>,
    pub rollout_state_reason: Option<String>,
}

/// `rolloutState` of a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RolloutState {
    InProgress,
    Completed,
    Failed,
}

impl RolloutState {
    /// Reads the ECS spelling (`IN_PROGRESS`, `COMPLETED`, `FAILED`); anything else is `None` so that a value
    /// added by AWS later reads as "no rollout state" rather than as a wrong one.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "IN_PROGRESS" => Some(RolloutState::InProgress),
            "COMPLETED" => Some(RolloutState::Completed),
            "FAILED" => Some(RolloutState::Failed),
            _ => None,
        }
    }

    /// The ECS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutState::InProgress => "IN_PROGRESS",
            RolloutState::Completed => "COMPLETED",
            RolloutState::Failed => "FAILED",
        }
    }
}

impl fmt::Display for RolloutState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the service's `events` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceEvent {
    pub id: String,
    pub created_at_epoch_ms: i64,
    pub message: String,
}

/// A task definition named by family and revision, whichever way it was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaskDefinitionRef {
    pub family: String,
    pub revision: u32,
}

impl TaskDefinitionRef {
    /// Reads `arn:aws:ecs:us-east-1:123456789012:task-definition/ecsdemo-frontend:7` or `ecsdemo-frontend:7`.
    /// `None` for anything without a revision (a bare family means "latest", which names no one revision).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let short = if s.starts_with("arn:") {
            // arn:<partition>:ecs:<region>:<account>:task-definition/<family>:<revision>; the partition varies
            // (aws, aws-cn, aws-us-gov), so look for the resource type rather than a fixed prefix.
            s.split_once(":task-definition/")?.1
        } else {
            s
        };
        let (family, revision) = short.rsplit_once(':')?;
        if family.is_empty() || family.contains([':', '/']) {
            return None;
        }
        // u32::from_str accepts a leading '+', which no ECS revision has.
        if revision.is_empty() || !revision.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(TaskDefinitionRef { family: family.to_string(), revision: revision.parse().ok()? })
    }
}

impl fmt::Display for TaskDefinitionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.family, self.revision)
    }
}

/// The revision number of a task definition ARN or `family:revision`.
pub fn revision_of(task_definition: &str) -> Option<u32> {
    TaskDefinitionRef::parse(task_definition).map(|r| r.revision)
}

/// Whether two task definition references name the same revision. ECS answers with full ARNs while the
/// caller may hold `family:revision`, so compare family and revision; fall back to the exact strings when
/// either cannot be read.
pub fn same_task_definition(a: &str, b: &str) -> bool {
    match (TaskDefinitionRef::parse(a), TaskDefinitionRef::parse(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a.trim() == b.trim(),
    }
}

/// How the revision of a task definition is shown to a user: `rev 7`, or the string as given when it has none.
pub(crate) fn describe_revision(task_definition: &str) -> String {
    match revision_of(task_definition) {
        Some(rev) => format!("rev {rev}"),
        None => task_definition.to_string(),
    }
}

/// `family:revision` when readable, else the string as given.
pub(crate) fn short_task_definition(task_definition: &str) -> String {
    match TaskDefinitionRef::parse(task_definition) {
        Some(r) => r.to_string(),
        None => task_definition.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_from_arn_and_short_form() {
        assert_eq!(revision_of("arn:aws:ecs:us-east-1:123456789012:task-definition/ecsdemo-frontend:7"), Some(7));
        assert_eq!(revision_of("arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/app:12"), Some(12));
        assert_eq!(revision_of("ecsdemo-frontend:7"), Some(7));
        assert_eq!(revision_of("ecsdemo-frontend"), None);
        assert_eq!(revision_of("arn:aws:ecs:us-east-1:123456789012:task-definition/ecsdemo-frontend"), None);
        assert_eq!(revision_of("ecsdemo-frontend:+7"), None);
        assert_eq!(revision_of("ecsdemo-frontend:latest"), None);
        assert_eq!(revision_of(":7"), None);
        assert_eq!(revision_of("arn:aws:ecs:us-east-1:123456789012:service/cluster/svc:7"), None);
    }

    #[test]
    fn same_task_definition_compares_family_and_revision() {
        let arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/ecsdemo-frontend:7";
        assert!(same_task_definition(arn, "ecsdemo-frontend:7"));
        assert!(same_task_definition("ecsdemo-frontend:7", arn));
        assert!(!same_task_definition(arn, "ecsdemo-frontend:6"));
        assert!(!same_task_definition(arn, "ecsdemo-nodejs:7"));
        // Unreadable strings only match themselves.
        assert!(same_task_definition("something-odd", "something-odd"));
        assert!(!same_task_definition("ecsdemo-frontend", arn));
    }

    #[test]
    fn rollout_state_round_trips_the_ecs_spelling() {
        for state in [RolloutState::InProgress, RolloutState::Completed, RolloutState::Failed] {
            assert_eq!(RolloutState::parse(state.as_str()), Some(state));
            assert_eq!(serde_json::to_value(state).unwrap(), serde_json::json!(state.as_str()));
        }
        assert_eq!(RolloutState::parse("in_progress"), None);
        assert_eq!(RolloutState::parse(""), None);
    }
}
