//! Why a service's tasks stopped, from `DescribeTasks` on its recently stopped tasks: the words a person
//! needs to fix it (an image that cannot be pulled, failed health checks, an essential container's exit).
//!
//! ECS keeps a stopped task for about an hour. Its `stoppedReason` says what happened
//! (`CannotPullContainerError: ...`, `Task failed ELB health checks in (target-group ...)`, `Essential
//! container in task exited`); for an exit, the containers' `exitCode` (and sometimes `reason`) say which
//! container and how.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::snapshot::same_task_definition;

/// One stopped task, as `DescribeTasks` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoppedTask {
    /// The task's id (the last part of its ARN).
    pub id: String,
    /// ARN of the task definition revision it ran.
    pub task_definition: String,
    pub stopped_at_epoch_ms: Option<i64>,
    /// `TaskFailedToStart`, `EssentialContainerExited`, `ServiceSchedulerInitiated`, ...
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    pub containers: Vec<ContainerExit>,
}

/// One container of a stopped task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerExit {
    pub name: String,
    pub exit_code: Option<i32>,
    /// Set when the container could not start or run (`CannotPullContainerError: ...`, `OutOfMemoryError`).
    pub reason: Option<String>,
}

impl StoppedTask {
    /// Why it stopped, in one line: the task's reason, then what its containers add
    /// (`Essential container in task exited (web exited with code 1)`).
    pub fn why(&self) -> String {
        let task_reason = self.stopped_reason.as_deref().map(one_line);
        let mut details = Vec::new();
        for container in &self.containers {
            // An image pull error is both the task's reason and its container's: say it once.
            if let Some(reason) = container.reason.as_deref().map(one_line)
                && !task_reason.as_deref().is_some_and(|t| t.contains(&reason))
            {
                details.push(format!("{}: {reason}", container.name));
            }
            match container.exit_code {
                Some(code) if code != 0 => details.push(format!("{} exited with code {code}", container.name)),
                _ => {}
            }
        }
        let head = task_reason.or_else(|| self.stop_code.clone()).unwrap_or_else(|| "stopped".to_string());
        if details.is_empty() { head } else { format!("{head} ({})", details.join(", ")) }
    }
}

/// The reasons the tasks of `task_definition` stopped, the most frequent first (ties in the order first seen),
/// each with its count: `3 tasks: CannotPullContainerError: ...`.
pub fn stop_reasons<'a>(tasks: impl IntoIterator<Item = &'a StoppedTask>, task_definition: &str) -> Vec<String> {
    let ours = tasks.into_iter().filter(|t| same_task_definition(&t.task_definition, task_definition));
    counted(ours.map(StoppedTask::why))
}

/// Equal reasons folded into one, with their count, the most frequent first (ties in the order first seen).
pub(crate) fn counted(reasons: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for why in reasons {
        match counts.iter_mut().find(|(seen, _)| *seen == why) {
            Some((_, count)) => *count += 1,
            None => counts.push((why, 1)),
        }
    }
    // A stable sort keeps first-seen order among equal counts.
    counts.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    counts.into_iter().map(|(why, n)| format!("{n} {}: {why}", if n == 1 { "task" } else { "tasks" })).collect()
}

/// The stopped tasks of `task_definition` by id, with why each stopped: what a follower remembers, since ECS
/// forgets stopped tasks after an hour.
pub(crate) fn reasons_by_task<'a>(
    tasks: impl IntoIterator<Item = &'a StoppedTask>,
    task_definition: &str,
) -> BTreeMap<String, String> {
    tasks
        .into_iter()
        .filter(|t| same_task_definition(&t.task_definition, task_definition))
        .map(|t| (t.id.clone(), t.why()))
        .collect()
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
