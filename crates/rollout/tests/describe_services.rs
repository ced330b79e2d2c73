//! The follower and status rows against `DescribeServices` answers in the JSON shape ECS puts on the wire
//! (camelCase keys, timestamps as epoch seconds with a fraction), so the semantics are checked against what
//! AWS really returns rather than against our own idea of it.

use std::path::Path;

use reconciler_rollout::{
    ContainerExit, Deployment, RolloutFollower, RolloutState, ServiceEvent, ServiceSnapshot, ServiceStatus,
    StoppedTask, Verdict, render_table,
};
use serde_json::Value;

/// 2024-05-14T10:00:00Z: when the apply that started both rollouts began.
const START: i64 = 1_715_680_800_000;

/// One fixture's JSON, checked to report no failures.
fn answer(fixture: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(fixture);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let answer: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(answer["failures"], serde_json::json!([]));
    answer
}

/// The services of one recorded `DescribeServices` answer.
fn services(fixture: &str) -> Vec<ServiceSnapshot> {
    answer(fixture)["services"].as_array().expect("services").iter().map(service).collect()
}

/// The tasks of a `DescribeTasks` answer in its wire shape, as the I/O side reads them.
fn stopped_tasks(fixture: &str) -> Vec<StoppedTask> {
    let answer = answer(fixture);
    answer["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| StoppedTask {
            id: string(&t["taskArn"]).rsplit('/').next().unwrap_or_default().to_string(),
            task_definition: string(&t["taskDefinitionArn"]),
            stopped_at_epoch_ms: t["stoppedAt"].as_f64().map(|s| (s * 1000.0).round() as i64),
            stop_code: t["stopCode"].as_str().map(str::to_string),
            stopped_reason: t["stoppedReason"].as_str().map(str::to_string),
            containers: list(&t["containers"])
                .iter()
                .map(|c| ContainerExit {
                    name: string(&c["name"]),
                    exit_code: c["exitCode"].as_i64().map(|n| i32::try_from(n).expect("an exit code")),
                    reason: c["reason"].as_str().map(str::to_string),
                })
                .collect(),
        })
        .collect()
}

/// A `DescribeServices` fixture's one service, with the stopped tasks of a `DescribeTasks` fixture.
fn with_stopped(services: &str, tasks: &str) -> ServiceSnapshot {
    ServiceSnapshot { stopped_tasks: stopped_tasks(tasks), ..one(services) }
}

const IMAGE_PULL: &str = "CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to \
                          resolve ref docker.io/brentley/ecsdemo-nodejs:v2: docker.io/brentley/ecsdemo-nodejs:v2: \
                          not found";

/// What the I/O side does with an SDK `Service`, here from its wire JSON.
fn service(s: &Value) -> ServiceSnapshot {
    ServiceSnapshot {
        service_name: string(&s["serviceName"]),
        // clusterArn is arn:aws:ecs:<region>:<account>:cluster/<name>.
        cluster: string(&s["clusterArn"]).rsplit('/').next().unwrap_or_default().to_string(),
        status: string(&s["status"]),
        desired_count: count(&s["desiredCount"]),
        running_count: count(&s["runningCount"]),
        pending_count: count(&s["pendingCount"]),
        task_definition: string(&s["taskDefinition"]),
        deployments: list(&s["deployments"]).iter().map(deployment).collect(),
        events: list(&s["events"]).iter().map(event).collect(),
        stopped_tasks: Vec::new(),
    }
}

fn deployment(d: &Value) -> Deployment {
    Deployment {
        id: string(&d["id"]),
        status: string(&d["status"]),
        task_definition: string(&d["taskDefinition"]),
        desired_count: count(&d["desiredCount"]),
        running_count: count(&d["runningCount"]),
        pending_count: count(&d["pendingCount"]),
        failed_tasks: count(&d["failedTasks"]),
        rollout_state: d["rolloutState"].as_str().and_then(RolloutState::parse),
        rollout_state_reason: d["rolloutStateReason"].as_str().map(str::to_string),
    }
}

fn event(e: &Value) -> ServiceEvent {
    ServiceEvent {
        id: string(&e["id"]),
        created_at_epoch_ms: (e["createdAt"].as_f64().expect("createdAt in epoch seconds") * 1000.0).round() as i64,
        message: string(&e["message"]),
    }
}

fn string(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_string()
}

fn count(v: &Value) -> u32 {
    v.as_u64().map_or(0, |n| u32::try_from(n).expect("a count"))
}

fn list(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

fn one(fixture: &str) -> ServiceSnapshot {
    let mut services = services(fixture);
    assert_eq!(services.len(), 1);
    services.remove(0)
}

#[test]
fn recorded_rollout_of_ecsdemo_frontend_to_completion() {
    let in_progress = one("describe-services-frontend-in-progress.json");
    let completed = one("describe-services-frontend-completed.json");
    assert_eq!(in_progress.cluster, "container-demo");
    assert_eq!(in_progress.events[0].created_at_epoch_ms, 1_715_680_841_598);

    // The I/O side knows the task definition it registered by the family:revision it printed in the plan.
    let mut follower = RolloutFollower::new("ecsdemo-frontend", "ecsdemo-frontend:7", START);
    let first = follower.observe(&in_progress, START + 45_000);
    assert_eq!(
        first.lines,
        [
            "ecsdemo-frontend: (service ecsdemo-frontend) has started 3 tasks: (task 0a1b2c3d4e5f67890abcdef012345678) \
             (task 1b2c3d4e5f67890abcdef0123456789a) (task 2c3d4e5f67890abcdef0123456789ab).",
            "ecsdemo-frontend: (service ecsdemo-frontend) registered 1 targets in (target-group \
             arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ecsdemo-frontend/4f2a8b1c9d3e7f60)",
            "ecsdemo-frontend: 1/3 running, 2 pending (rev 7, IN_PROGRESS)",
        ]
    );
    assert_eq!(first.verdict, None);

    let second = follower.observe(&completed, START + 105_000);
    assert_eq!(
        second.lines,
        [
            "ecsdemo-frontend: (service ecsdemo-frontend) registered 2 targets in (target-group \
             arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ecsdemo-frontend/4f2a8b1c9d3e7f60)",
            "ecsdemo-frontend: (service ecsdemo-frontend) deregistered 3 targets in (target-group \
             arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ecsdemo-frontend/4f2a8b1c9d3e7f60)",
            "ecsdemo-frontend: (service ecsdemo-frontend) has begun draining connections on 3 tasks.",
            "ecsdemo-frontend: (service ecsdemo-frontend) has stopped 3 running tasks: \
             (task 9f8e7d6c5b4a39281706f5e4d3c2b1a0) (task 8e7d6c5b4a39281706f5e4d3c2b1a09f) \
             (task 7d6c5b4a39281706f5e4d3c2b1a09f8e).",
            "ecsdemo-frontend: (service ecsdemo-frontend) deployment ecs-svc/8223431201923859134 deployment completed.",
            "ecsdemo-frontend: (service ecsdemo-frontend) has reached a steady state.",
            "ecsdemo-frontend: 3/3 running, 0 pending (rev 7, COMPLETED)",
        ]
    );
    assert_eq!(second.verdict, Some(Verdict::Stable { service: "ecsdemo-frontend".into(), revision: Some(7) }));
}

#[test]
fn recorded_circuit_breaker_rollback_of_ecsdemo_nodejs() {
    let rollback = one("describe-services-nodejs-rollback.json");
    let expected = "arn:aws:ecs:us-east-1:123456789012:task-definition/ecsdemo-nodejs:4";
    let mut follower = RolloutFollower::new("ecsdemo-nodejs", expected, START);
    let step = follower.observe(&rollback, START + 310_000);
    assert_eq!(
        step.lines,
        [
            "ecsdemo-nodejs: (service ecsdemo-nodejs) has started 3 tasks: (task 0a1b2c3d4e5f67890abcdef012345678) \
             (task 1b2c3d4e5f67890abcdef0123456789a) (task 2c3d4e5f67890abcdef0123456789ab).",
            "ecsdemo-nodejs: (service ecsdemo-nodejs) has started 1 tasks: (task 6789abcdef0123456789abcdef012345).",
            "ecsdemo-nodejs: (service ecsdemo-nodejs) deployment ecs-svc/2907716634018852210 deployment failed: \
             tasks failed to start.",
            "ecsdemo-nodejs: (service ecsdemo-nodejs) rolling back to deployment ecs-svc/7345021986650417731.",
            "ecsdemo-nodejs: (service ecsdemo-nodejs) has started 3 tasks: (task 3d4e5f67890abcdef0123456789abcd0) \
             (task 4e5f67890abcdef0123456789abcde01) (task 5f67890abcdef0123456789abcdef012).",
            "ecsdemo-nodejs: 3 more tasks failed to start or stay healthy (3 in a row for rev 4)",
        ]
    );
    assert_eq!(
        step.verdict.expect("a verdict").to_string(),
        "ecsdemo-nodejs: rollout failed: circuit breaker rolled back to rev 3: \
         ECS deployment circuit breaker: tasks failed to start."
    );
}

#[test]
fn recorded_answers_as_status_rows() {
    let rows = [
        ServiceStatus::from_snapshot("frontend", &one("describe-services-frontend-completed.json"), vec![], false),
        ServiceStatus::from_snapshot(
            "nodejs",
            &one("describe-services-nodejs-rollback.json"),
            vec!["task_definition".into()],
            false,
        ),
    ];
    assert_eq!(
        render_table(&rows),
        "\
SERVICE                      CLUSTER         DESIRED  RUNNING  PENDING  REV  ROLLOUT      DRIFT                   LAST EVENT
frontend (ecsdemo-frontend)  container-demo  3        3        0        7    COMPLETED    in sync                 has reached a steady state.
nodejs (ecsdemo-nodejs)      container-demo  3        3        3        3    IN_PROGRESS  drift: task_definition  has started 3 tasks: (task 3d4e5f67890abcdef0123456789abcd0…
"
    );
}

#[test]
fn a_rollback_names_why_the_tasks_stopped_an_image_that_cannot_be_pulled() {
    let rollback = with_stopped("describe-services-nodejs-rollback.json", "describe-tasks-nodejs-stopped.json");
    let expected = "arn:aws:ecs:us-east-1:123456789012:task-definition/ecsdemo-nodejs:4";
    let mut follower = RolloutFollower::new("ecsdemo-nodejs", expected, START);
    let step = follower.observe(&rollback, START + 310_000);
    let stopped: Vec<String> = step.lines.iter().filter(|l| l.contains(" stopped: ")).cloned().collect();
    assert_eq!(
        stopped,
        [
            format!("ecsdemo-nodejs: task 0a1b2c3d4e5f67890abcdef012345678 stopped: {IMAGE_PULL}"),
            format!("ecsdemo-nodejs: task 1b2c3d4e5f67890abcdef0123456789a stopped: {IMAGE_PULL}"),
            format!("ecsdemo-nodejs: task 2c3d4e5f67890abcdef0123456789ab stopped: {IMAGE_PULL}"),
            format!("ecsdemo-nodejs: task 6789abcdef0123456789abcdef012345 stopped: {IMAGE_PULL}"),
        ]
    );
    assert_eq!(
        step.verdict.expect("a verdict").to_string(),
        format!(
            "ecsdemo-nodejs: rollout failed: circuit breaker rolled back to rev 3: ECS deployment circuit breaker: \
             tasks failed to start.; stopped tasks: 4 tasks: {IMAGE_PULL}"
        )
    );
}

#[test]
fn a_rollout_that_never_finishes_names_exits_and_failed_health_checks_when_it_times_out() {
    let in_progress =
        with_stopped("describe-services-frontend-in-progress.json", "describe-tasks-frontend-stopped.json");
    let mut follower = RolloutFollower::new("ecsdemo-frontend", "ecsdemo-frontend:7", START);
    let step = follower.observe(&in_progress, START + 45_000);
    assert_eq!(step.verdict, None);
    // The task of rev 6 was stopped by this rollout replacing it: not printed, not a reason.
    assert!(!step.lines.iter().any(|l| l.contains("9f8e7d6c5b4a39281706f5e4d3c2b1a0")), "{:#?}", step.lines);
    assert!(
        step.lines.contains(
            &"ecsdemo-frontend: task 0a1b2c3d4e5f67890abcdef012345678 stopped: Essential container in task exited \
          (ecsdemo-frontend exited with code 1)"
                .to_string()
        )
    );
    // Seen once, printed once.
    assert!(!follower.observe(&in_progress, START + 50_000).lines.iter().any(|l| l.contains(" stopped: ")));
    assert_eq!(
        follower.timeout().to_string(),
        "ecsdemo-frontend: timed out before the rollout finished; last seen: 1/3 running, 2 pending (rev 7, \
         IN_PROGRESS), 50s after the start; stopped tasks: 2 tasks: Essential container in task exited \
         (ecsdemo-frontend exited with code 1); 1 task: Task failed ELB health checks in (target-group \
         arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ecsdemo-frontend/4f2a8b1c9d3e7f60) \
         (ecsdemo-frontend exited with code 137)"
    );
}

#[test]
fn status_rows_name_why_the_failing_revision_s_tasks_stopped_and_a_hold() {
    let rollback = with_stopped("describe-services-nodejs-rollback.json", "describe-tasks-nodejs-stopped.json");
    let mut row = ServiceStatus::from_snapshot("nodejs", &rollback, vec![], false);
    assert_eq!(row.stopped_tasks, [format!("rev 4, 4 tasks: {IMAGE_PULL}")]);
    row.held = Some(
        "revision 4 failed: ECS deployment circuit breaker: tasks failed to start.; waiting for a change \
                     to its file"
            .to_string(),
    );
    let table = render_table(&[row]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[1].contains("  HELD  "), "{table}");
    assert_eq!(
        &lines[2..],
        [
            "nodejs: held: revision 4 failed: ECS deployment circuit breaker: tasks failed to start.; waiting for a \
             change to its file",
            &format!("nodejs: stopped: rev 4, 4 tasks: {IMAGE_PULL}"),
        ]
    );
    // A completed rollout's replaced tasks are not reasons.
    let completed = with_stopped("describe-services-frontend-completed.json", "describe-tasks-frontend-stopped.json");
    assert_eq!(ServiceStatus::from_snapshot("frontend", &completed, vec![], false).stopped_tasks, Vec::<String>::new());
}
