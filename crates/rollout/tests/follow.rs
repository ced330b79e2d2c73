//! Following a rollout through constructed sequences of `DescribeServices` answers.

mod common;

use common::*;
use reconciler_rollout::{Deployment, RolloutFollower, RolloutState, ServiceSnapshot, Step, Verdict, summarize};

use RolloutState::{Completed, Failed, InProgress};

/// Feeds the snapshots in order, 10 s apart, and returns every line printed and the verdict, if any.
fn follow(follower: &mut RolloutFollower, snapshots: &[ServiceSnapshot]) -> (Vec<String>, Option<Verdict>) {
    let mut lines = Vec::new();
    for (i, snapshot) in snapshots.iter().enumerate() {
        let step = follower.observe(snapshot, at(10 * (i as i64 + 1)));
        lines.extend(step.lines);
        if let Some(verdict) = step.verdict {
            assert_eq!(i, snapshots.len() - 1, "verdict before the last snapshot: {verdict}");
            return (lines, Some(verdict));
        }
    }
    (lines, None)
}

fn follower() -> RolloutFollower {
    RolloutFollower::new(SERVICE, REV_7, START)
}

fn failed_tasks(mut d: Deployment, n: u32) -> Deployment {
    d.failed_tasks = n;
    d
}

#[test]
fn normal_rollout_prints_count_changes_and_each_event_once() {
    let before = event("e0", START - 60_000, "has reached a steady state.");
    let started = event("e1", at(5), "has started 3 tasks: (task 0a1b) (task 1b2c) (task 2c3d).");
    let registered = event("e2", at(35), "registered 3 targets in (target-group ecsdemo-frontend).");
    let stopped = event("e3", at(41), "has stopped 3 running tasks: (task 9f8e) (task 8e7d) (task 7d6c).");
    let completed = event("e4", at(50), "deployment ecs-svc/7777 deployment completed.");
    let steady = event("e5", at(51), "has reached a steady state.");

    let snapshots = [
        snapshot(vec![ours((0, 3, 0), InProgress), old(3)], vec![before.clone()]),
        snapshot(vec![ours((0, 3, 3), InProgress), old(3)], vec![started.clone(), before.clone()]),
        snapshot(vec![ours((1, 3, 2), InProgress), old(3)], vec![started.clone(), before.clone()]),
        // Nothing changed: nothing to print.
        snapshot(vec![ours((1, 3, 2), InProgress), old(3)], vec![started.clone(), before.clone()]),
        snapshot(
            vec![ours((3, 3, 0), InProgress), old(0)],
            vec![stopped.clone(), registered.clone(), started.clone(), before.clone()],
        ),
        snapshot(vec![ours((3, 3, 0), Completed)], vec![steady, completed, stopped, registered, started, before]),
    ];
    let mut follower = follower();
    let (lines, verdict) = follow(&mut follower, &snapshots);
    assert_eq!(
        lines,
        [
            "ecsdemo-frontend: 0/3 running, 0 pending (rev 7, IN_PROGRESS)",
            "ecsdemo-frontend: (service ecsdemo-frontend) has started 3 tasks: (task 0a1b) (task 1b2c) (task 2c3d).",
            "ecsdemo-frontend: 0/3 running, 3 pending (rev 7, IN_PROGRESS)",
            "ecsdemo-frontend: 1/3 running, 2 pending (rev 7, IN_PROGRESS)",
            "ecsdemo-frontend: (service ecsdemo-frontend) registered 3 targets in (target-group ecsdemo-frontend).",
            "ecsdemo-frontend: (service ecsdemo-frontend) has stopped 3 running tasks: (task 9f8e) (task 8e7d) (task 7d6c).",
            "ecsdemo-frontend: 3/3 running, 0 pending (rev 7, IN_PROGRESS)",
            "ecsdemo-frontend: (service ecsdemo-frontend) deployment ecs-svc/7777 deployment completed.",
            "ecsdemo-frontend: (service ecsdemo-frontend) has reached a steady state.",
            "ecsdemo-frontend: 3/3 running, 0 pending (rev 7, COMPLETED)",
        ]
    );
    let verdict = verdict.expect("a verdict");
    assert_eq!(verdict, Verdict::Stable { service: SERVICE.to_string(), revision: Some(7) });
    assert!(verdict.is_success());
    assert_eq!(verdict.to_string(), "ecsdemo-frontend: rev 7 is running and stable");

    // The verdict sticks, and nothing is printed again.
    let again = follower.observe(&snapshots[5], at(70));
    assert_eq!(again, Step { lines: vec![], verdict: Some(verdict.clone()) });
    assert_eq!(follower.timeout(), verdict);
}

#[test]
fn circuit_breaker_rollback_to_a_new_primary_of_the_old_revision() {
    let rollback = deployment("6667", "PRIMARY", REV_6, (0, 3, 3), Some(InProgress));
    let mut ours_failed = failed_tasks(ours((0, 3, 0), Failed), 3);
    ours_failed.status = "ACTIVE".to_string();
    let snapshots = [
        snapshot(vec![ours((0, 3, 3), InProgress), old(3)], vec![]),
        snapshot(vec![failed_tasks(ours((0, 3, 3), InProgress), 2), old(3)], vec![]),
        snapshot(
            vec![rollback, ours_failed, old(3)],
            vec![
                event("e1", at(28), "rolling back to deployment ecs-svc/6666."),
                event("e0", at(27), "deployment ecs-svc/7777 deployment failed: tasks failed to start."),
            ],
        ),
    ];
    let (lines, verdict) = follow(&mut follower(), &snapshots);
    assert_eq!(
        lines,
        [
            "ecsdemo-frontend: 0/3 running, 3 pending (rev 7, IN_PROGRESS)",
            "ecsdemo-frontend: 2 more tasks failed to start or stay healthy (2 in a row for rev 7)",
            "ecsdemo-frontend: (service ecsdemo-frontend) deployment ecs-svc/7777 deployment failed: tasks failed to start.",
            "ecsdemo-frontend: (service ecsdemo-frontend) rolling back to deployment ecs-svc/6666.",
            "ecsdemo-frontend: 1 more task failed to start or stay healthy (3 in a row for rev 7)",
        ]
    );
    let verdict = verdict.expect("a verdict");
    assert!(!verdict.is_success());
    assert_eq!(
        verdict.to_string(),
        "ecsdemo-frontend: rollout failed: circuit breaker rolled back to rev 6: \
         ECS deployment circuit breaker: tasks failed to start."
    );
}

#[test]
fn circuit_breaker_rollback_seen_only_as_the_old_deployment_primary_again() {
    // Between two polls our deployment failed and drained away; the old revision is PRIMARY again.
    let snapshots = [
        snapshot(vec![ours((0, 3, 3), InProgress), old(3)], vec![]),
        snapshot(vec![deployment("6666", "PRIMARY", REV_6, (3, 3, 0), Some(Completed))], vec![]),
    ];
    let (_, verdict) = follow(&mut follower(), &snapshots);
    assert_eq!(
        verdict,
        Some(Verdict::Failed {
            service: SERVICE.to_string(),
            reason: "circuit breaker rolled back to rev 6: ECS gave no reason (see the service events)".to_string(),
        })
    );
}

#[test]
fn failed_rollout_without_rollback_stays_primary() {
    let snapshots = [
        snapshot(vec![ours((0, 3, 3), InProgress), old(3)], vec![]),
        snapshot(vec![failed_tasks(ours((0, 3, 0), Failed), 3), old(3)], vec![]),
    ];
    let (lines, verdict) = follow(&mut follower(), &snapshots);
    assert_eq!(
        lines,
        [
            "ecsdemo-frontend: 0/3 running, 3 pending (rev 7, IN_PROGRESS)",
            "ecsdemo-frontend: 0/3 running, 0 pending (rev 7, FAILED)",
            "ecsdemo-frontend: 3 more tasks failed to start or stay healthy (3 in a row for rev 7)",
        ]
    );
    assert_eq!(
        verdict.expect("a verdict").to_string(),
        "ecsdemo-frontend: rollout failed: rollout of rev 7 failed: ECS deployment circuit breaker: tasks failed to start."
    );
}

#[test]
fn superseded_by_a_newer_deployment() {
    let mut displaced = ours((1, 3, 0), InProgress);
    displaced.status = "ACTIVE".to_string();
    let snapshots = [
        snapshot(vec![ours((1, 3, 2), InProgress), old(3)], vec![]),
        snapshot(vec![deployment("8888", "PRIMARY", REV_8, (0, 3, 3), Some(InProgress)), displaced, old(2)], vec![]),
    ];
    let (_, verdict) = follow(&mut follower(), &snapshots);
    assert_eq!(
        verdict.expect("a verdict").to_string(),
        "ecsdemo-frontend: rollout failed: superseded by a newer deployment of ecsdemo-frontend:8"
    );

    // Also when ours never showed up and a newer revision of the family is already PRIMARY.
    let newer_only = snapshot(vec![deployment("8888", "PRIMARY", REV_8, (0, 3, 3), Some(InProgress))], vec![]);
    let step = follower().observe(&newer_only, at(10));
    assert_eq!(
        step.verdict,
        Some(Verdict::Failed {
            service: SERVICE.to_string(),
            reason: "superseded by a newer deployment of ecsdemo-frontend:8".to_string()
        })
    );
}

#[test]
fn service_deleted_mid_wait() {
    let mut draining = snapshot(vec![ours((1, 0, 0), InProgress)], vec![]);
    draining.status = "DRAINING".to_string();
    let snapshots = [snapshot(vec![ours((1, 3, 2), InProgress), old(3)], vec![]), draining];
    let (_, verdict) = follow(&mut follower(), &snapshots);
    assert_eq!(
        verdict.expect("a verdict").to_string(),
        "ecsdemo-frontend: rollout failed: service was deleted (status DRAINING)"
    );

    let mut inactive = snapshot(vec![], vec![]);
    inactive.status = "INACTIVE".to_string();
    let step = follower().observe(&inactive, at(10));
    assert_eq!(
        step.verdict,
        Some(Verdict::Failed { service: SERVICE.to_string(), reason: "service was deleted (status INACTIVE)".into() })
    );
}

#[test]
fn timeout_after_only_in_progress_states_reports_the_last_counts() {
    let mut follower = follower();
    assert_eq!(
        follower.timeout().to_string(),
        "ecsdemo-frontend: timed out before the rollout finished; last seen: no answer from ECS yet"
    );
    let snapshots = [
        snapshot(vec![ours((0, 3, 3), InProgress), old(3)], vec![]),
        snapshot(vec![ours((1, 3, 2), InProgress), old(3)], vec![]),
        snapshot(vec![ours((1, 3, 2), InProgress), old(3)], vec![]),
    ];
    let (_, verdict) = follow(&mut follower, &snapshots);
    assert_eq!(verdict, None);
    let timed_out = follower.timeout();
    assert_eq!(
        timed_out,
        Verdict::TimedOut {
            service: SERVICE.to_string(),
            last_state: "1/3 running, 2 pending (rev 7, IN_PROGRESS), 30s after the start".to_string()
        }
    );
    assert!(!timed_out.is_success());
    assert_eq!(
        timed_out.to_string(),
        "ecsdemo-frontend: timed out before the rollout finished; \
         last seen: 1/3 running, 2 pending (rev 7, IN_PROGRESS), 30s after the start"
    );
}

#[test]
fn without_rollout_state_stable_once_alone_and_at_the_desired_count() {
    let ours = |counts| deployment("7777", "PRIMARY", REV_7, counts, None);
    let old = |running| deployment("6666", "ACTIVE", REV_6, (running, running, 0), None);
    let snapshots = [
        snapshot(vec![ours((0, 2, 2)), old(2)], vec![]),
        // At the desired count, but the old deployment is still there.
        snapshot(vec![ours((2, 2, 0)), old(1)], vec![]),
        // Alone, but a task is still pending.
        snapshot(vec![ours((2, 2, 1))], vec![]),
        snapshot(vec![ours((2, 2, 0))], vec![]),
    ];
    let (lines, verdict) = follow(&mut follower(), &snapshots);
    assert_eq!(
        lines,
        [
            "ecsdemo-frontend: 0/2 running, 2 pending (rev 7)",
            "ecsdemo-frontend: 2/2 running, 0 pending (rev 7)",
            "ecsdemo-frontend: 2/2 running, 1 pending (rev 7)",
            "ecsdemo-frontend: 2/2 running, 0 pending (rev 7)",
        ]
    );
    assert_eq!(verdict, Some(Verdict::Stable { service: SERVICE.to_string(), revision: Some(7) }));
}

#[test]
fn completed_but_scaled_up_waits_for_the_counts() {
    // A desired count raised without a new deployment leaves the rollout COMPLETED while tasks start.
    let snapshots =
        [snapshot(vec![ours((1, 3, 2), Completed)], vec![]), snapshot(vec![ours((3, 3, 0), Completed)], vec![])];
    let (lines, verdict) = follow(&mut follower(), &snapshots);
    assert_eq!(
        lines,
        [
            "ecsdemo-frontend: 1/3 running, 2 pending (rev 7, COMPLETED)",
            "ecsdemo-frontend: 3/3 running, 0 pending (rev 7, COMPLETED)",
        ]
    );
    assert!(verdict.expect("a verdict").is_success());
}

#[test]
fn events_before_the_start_are_not_printed_and_each_is_printed_once() {
    let events = vec![
        event("e4", at(3), "has reached a steady state."),
        // ECS repeats an event id only for the same event; a duplicate in one answer prints once.
        event("e3", at(2), "has started 1 tasks: (task aa)."),
        event("e3", at(2), "has started 1 tasks: (task aa)."),
        // Exactly at the start: may be ours, so shown.
        event("e2", START, "has begun draining connections on 1 tasks."),
        event("e1", START - 1, "has reached a steady state."),
        event("e0", START - 3_600_000, "has started 3 tasks: (task zz)."),
    ];
    let mut follower = follower();
    let step = follower.observe(&snapshot(vec![ours((1, 3, 0), InProgress)], events.clone()), at(5));
    assert_eq!(
        step.lines,
        [
            "ecsdemo-frontend: (service ecsdemo-frontend) has begun draining connections on 1 tasks.",
            "ecsdemo-frontend: (service ecsdemo-frontend) has started 1 tasks: (task aa).",
            "ecsdemo-frontend: (service ecsdemo-frontend) has reached a steady state.",
            "ecsdemo-frontend: 1/3 running, 0 pending (rev 7, IN_PROGRESS)",
        ]
    );
    // The same events again, plus one new: only the new one is printed.
    let mut more = vec![event("e5", at(9), "registered 1 targets in (target-group tg).")];
    more.extend(events);
    let step = follower.observe(&snapshot(vec![ours((1, 3, 0), InProgress)], more), at(10));
    assert_eq!(step.lines, ["ecsdemo-frontend: (service ecsdemo-frontend) registered 1 targets in (target-group tg)."]);
}

#[test]
fn expected_family_revision_matches_deployment_arns() {
    let mut follower = RolloutFollower::new(SERVICE, "ecsdemo-frontend:7", START);
    // UpdateService has not shown up yet: the old deployment is still the only one.
    let before = snapshot(vec![deployment("6666", "PRIMARY", REV_6, (3, 3, 0), Some(Completed))], vec![]);
    let first = follower.observe(&before, at(2));
    assert_eq!(
        first,
        Step { lines: vec!["ecsdemo-frontend: waiting for the deployment of rev 7 to start".into()], verdict: None }
    );
    assert_eq!(follower.observe(&before, at(4)), Step::default(), "the waiting line is printed once");

    let step = follower.observe(&snapshot(vec![ours((3, 3, 0), Completed)], vec![]), at(6));
    assert_eq!(step.lines, ["ecsdemo-frontend: 3/3 running, 0 pending (rev 7, COMPLETED)"]);
    assert_eq!(step.verdict, Some(Verdict::Stable { service: SERVICE.to_string(), revision: Some(7) }));

    // And the other way round: an ARN expected, `family:revision` reported.
    let mut follower = RolloutFollower::new(SERVICE, REV_7, START);
    let short = deployment("7777", "PRIMARY", "ecsdemo-frontend:7", (1, 1, 0), Some(Completed));
    assert!(follower.observe(&snapshot(vec![short], vec![]), at(1)).verdict.is_some_and(|v| v.is_success()));
}

#[test]
fn summary_of_several_verdicts() {
    let stable = Verdict::Stable { service: "ecsdemo-frontend".into(), revision: Some(7) };
    let all_good =
        summarize(&[stable.clone(), Verdict::Stable { service: "ecsdemo-nodejs".into(), revision: Some(3) }]);
    assert!(all_good.is_success());
    assert_eq!(all_good.stable, ["ecsdemo-frontend", "ecsdemo-nodejs"]);
    assert_eq!(all_good.to_string(), "2 services are stable");

    let mixed = summarize(&[
        stable,
        Verdict::Failed { service: "ecsdemo-nodejs".into(), reason: "service was deleted (status DRAINING)".into() },
        Verdict::TimedOut {
            service: "ecsdemo-crystal".into(),
            last_state: "0/2 running, 2 pending (rev 4, IN_PROGRESS), 10m00s after the start".into(),
        },
    ]);
    assert!(!mixed.is_success());
    assert_eq!(
        mixed.to_string(),
        "2 of 3 services did not become stable:\n  \
         ecsdemo-nodejs: rollout failed: service was deleted (status DRAINING)\n  \
         ecsdemo-crystal: timed out before the rollout finished; \
         last seen: 0/2 running, 2 pending (rev 4, IN_PROGRESS), 10m00s after the start"
    );

    let nothing = summarize(&[]);
    assert!(nothing.is_success());
    assert_eq!(nothing.to_string(), "no services to wait for");
}
