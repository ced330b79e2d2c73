//! `reconciler status`: one row per declared service, drawn as an aligned text table or as JSON.
//!
//! The I/O side fills [`ServiceStatus`] rows (from a [`ServiceSnapshot`] and its drift check against the
//! files); this module only draws them.

use serde::{Deserialize, Serialize};

use crate::snapshot::{RolloutState, ServiceSnapshot, describe_revision, revision_of, same_task_definition};
use crate::stopped::stop_reasons;

/// The version of the JSON document [`render_json`] returns; bumped when a field changes meaning or goes away.
pub const JSON_VERSION: u32 = 1;

/// Longest LAST EVENT cell, in characters: enough for the gist of an ECS event, short enough to keep a row on
/// one line of a wide terminal.
const LAST_EVENT_WIDTH: usize = 60;

/// One declared service as it is now. The counts and such are `None` when the service does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceStatus {
    /// Name of the declaration in the files.
    pub name: String,
    /// Name of the ECS service.
    pub service_name: String,
    pub cluster: String,
    pub exists: bool,
    pub desired: Option<u32>,
    pub running: Option<u32>,
    pub pending: Option<u32>,
    /// Revision of the task definition the service runs (or is moving to).
    pub revision: Option<u32>,
    /// Rollout state of the PRIMARY deployment (`IN_PROGRESS`, `COMPLETED`, `FAILED`); for a service being
    /// deleted, its status (`DRAINING`).
    pub rollout_state: Option<String>,
    /// The newest service event's message.
    pub last_event: Option<String>,
    /// Fields that differ from the file; empty when in sync.
    pub drift: Vec<String>,
    /// The desired count is managed by Application Auto Scaling, so it is not compared with the file.
    pub autoscaled: bool,
    /// Set while the planner holds the service after a circuit-breaker rollback: `revision N failed: REASON;
    /// waiting for a change to its file`.
    #[serde(default)]
    pub held: Option<String>,
    /// Why the recently stopped tasks of its failing deployments stopped, per revision, the most frequent first
    /// (`rev 5, 3 tasks: CannotPullContainerError: ...`); empty when none was read.
    #[serde(default)]
    pub stopped_tasks: Vec<String>,
}

impl ServiceStatus {
    /// A declared service that does not exist in ECS.
    pub fn not_created(name: impl Into<String>, service_name: impl Into<String>, cluster: impl Into<String>) -> Self {
        ServiceStatus {
            name: name.into(),
            service_name: service_name.into(),
            cluster: cluster.into(),
            exists: false,
            desired: None,
            running: None,
            pending: None,
            revision: None,
            rollout_state: None,
            last_event: None,
            drift: Vec::new(),
            autoscaled: false,
            held: None,
            stopped_tasks: Vec::new(),
        }
    }

    /// A row from what `DescribeServices` returned; `drift` and `autoscaled` come from comparing with the file.
    pub fn from_snapshot(
        name: impl Into<String>,
        snapshot: &ServiceSnapshot,
        drift: Vec<String>,
        autoscaled: bool,
    ) -> Self {
        // DescribeServices keeps returning deleted services as INACTIVE for a while; they are gone.
        if snapshot.status == "INACTIVE" {
            return ServiceStatus::not_created(name, &snapshot.service_name, &snapshot.cluster);
        }
        let rollout_state = if snapshot.status == "ACTIVE" {
            snapshot.primary().and_then(|d| d.rollout_state).map(|s| s.as_str().to_string())
        } else {
            Some(snapshot.status.clone())
        };
        ServiceStatus {
            name: name.into(),
            service_name: snapshot.service_name.clone(),
            cluster: snapshot.cluster.clone(),
            exists: true,
            desired: Some(snapshot.desired_count),
            running: Some(snapshot.running_count),
            pending: Some(snapshot.pending_count),
            revision: revision_of(&snapshot.task_definition),
            rollout_state,
            last_event: snapshot.events.first().map(|e| e.message.clone()),
            drift,
            autoscaled,
            held: None,
            stopped_tasks: failing_stop_reasons(snapshot),
        }
    }
}

/// [`stop_reasons`] of each revision whose deployment has failing tasks (it counts failed tasks, or is FAILED),
/// the newest revision first. Tasks of other revisions stopped because a rollout replaced them: not news.
fn failing_stop_reasons(snapshot: &ServiceSnapshot) -> Vec<String> {
    let mut failing: Vec<&str> = snapshot
        .deployments
        .iter()
        .filter(|d| d.failed_tasks > 0 || d.rollout_state == Some(RolloutState::Failed))
        .map(|d| d.task_definition.as_str())
        .collect();
    failing.sort_by_key(|td| std::cmp::Reverse(revision_of(td)));
    failing.dedup_by(|a, b| same_task_definition(a, b));
    failing
        .into_iter()
        .flat_map(|td| {
            stop_reasons(&snapshot.stopped_tasks, td)
                .into_iter()
                .map(move |why| format!("{}, {why}", describe_revision(td)))
        })
        .collect()
}

/// The rows as an aligned text table with a header, one line per row, each ending in a newline, then one line
/// per held service and per reason its tasks stopped (too long for a cell). No rows gives the header alone.
pub fn render_table(rows: &[ServiceStatus]) -> String {
    const HEADER: [&str; 9] =
        ["SERVICE", "CLUSTER", "DESIRED", "RUNNING", "PENDING", "REV", "ROLLOUT", "DRIFT", "LAST EVENT"];
    let mut table: Vec<Vec<String>> = vec![HEADER.iter().map(|h| h.to_string()).collect()];
    table.extend(rows.iter().map(cells));

    let mut widths = [0usize; HEADER.len()];
    for row in &table {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &table {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for row in rows {
        for note in row
            .held
            .iter()
            .map(|h| format!("held: {h}"))
            .chain(row.stopped_tasks.iter().map(|s| format!("stopped: {s}")))
        {
            out.push_str(&format!("{}: {note}\n", row.name));
        }
    }
    out
}

fn cells(row: &ServiceStatus) -> Vec<String> {
    let count = |n: Option<u32>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
    let service =
        if row.name == row.service_name { row.name.clone() } else { format!("{} ({})", row.name, row.service_name) };
    let desired = match row.desired {
        Some(n) if row.autoscaled => format!("{n} (auto)"),
        n => count(n),
    };
    let (rollout, drift) = if row.exists {
        let rollout = match &row.held {
            Some(_) => "HELD".to_string(),
            None => row.rollout_state.clone().unwrap_or_else(|| "-".to_string()),
        };
        let drift =
            if row.drift.is_empty() { "in sync".to_string() } else { format!("drift: {}", row.drift.join(", ")) };
        (rollout, drift)
    } else {
        ("not created".to_string(), "not created".to_string())
    };
    let last_event = match &row.last_event {
        Some(message) => truncate(&strip_service_prefix(message, &row.service_name), LAST_EVENT_WIDTH),
        None => "-".to_string(),
    };
    vec![
        service,
        row.cluster.clone(),
        desired,
        count(row.running),
        count(row.pending),
        count(row.revision),
        rollout,
        drift,
        last_event,
    ]
}

/// ECS starts every event with "(service NAME) ", which the SERVICE column already says; dropping it leaves
/// room for the part that differs.
fn strip_service_prefix(message: &str, service_name: &str) -> String {
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let prefix = format!("(service {service_name}) ");
    match message.strip_prefix(&prefix) {
        Some(rest) => rest.to_string(),
        None => message,
    }
}

/// At most `width` characters, the last one an ellipsis when something was cut.
fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// The rows as `{"version": 1, "services": [...]}`, each service with the fields of [`ServiceStatus`]
/// (absent values as `null`, so every object has the same keys).
pub fn render_json(rows: &[ServiceStatus]) -> serde_json::Value {
    serde_json::json!({ "version": JSON_VERSION, "services": rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_short_text_and_marks_cuts() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("exactly10!", 10), "exactly10!");
        assert_eq!(truncate("has reached a steady state", 10), "has reach…");
        assert_eq!(truncate("abc def", 5), "abc…");
    }

    #[test]
    fn service_prefix_is_dropped_only_for_this_service() {
        assert_eq!(
            strip_service_prefix("(service web) has reached a steady state.", "web"),
            "has reached a steady state."
        );
        assert_eq!(strip_service_prefix("(service api) started", "web"), "(service api) started");
    }
}
