//! `reconciler status`: the exact table and JSON for a mix of services.

mod common;

use common::*;
use reconciler_rollout::{RolloutState, ServiceStatus, render_json, render_table};
use serde_json::json;

fn in_sync() -> ServiceStatus {
    ServiceStatus {
        name: "ecsdemo-frontend".into(),
        service_name: "ecsdemo-frontend".into(),
        cluster: "container-demo".into(),
        exists: true,
        desired: Some(3),
        running: Some(3),
        pending: Some(0),
        revision: Some(7),
        rollout_state: Some("COMPLETED".into()),
        last_event: Some("(service ecsdemo-frontend) has reached a steady state.".into()),
        drift: vec![],
        autoscaled: false,
        held: None,
        stopped_tasks: vec![],
    }
}

/// Declared as `nodejs`, named `ecsdemo-nodejs` in ECS, scaled by Application Auto Scaling, mid-rollout.
fn drifted() -> ServiceStatus {
    ServiceStatus {
        name: "nodejs".into(),
        service_name: "ecsdemo-nodejs".into(),
        cluster: "container-demo".into(),
        exists: true,
        desired: Some(4),
        running: Some(2),
        pending: Some(2),
        revision: Some(3),
        rollout_state: Some("IN_PROGRESS".into()),
        last_event: Some(
            "(service ecsdemo-nodejs) has started 2 tasks: (task 0a1b2c3d4e5f67890abcdef012345678) \
             (task 1b2c3d4e5f67890abcdef0123456789a)."
                .into(),
        ),
        drift: vec!["desired_count".into(), "task_definition".into()],
        autoscaled: true,
        held: None,
        stopped_tasks: vec![],
    }
}

fn missing() -> ServiceStatus {
    ServiceStatus::not_created("ecsdemo-crystal", "ecsdemo-crystal", "container-demo")
}

/// Exists, but ECS reports neither a rollout state nor any event yet.
fn quiet() -> ServiceStatus {
    ServiceStatus {
        name: "worker".into(),
        service_name: "worker".into(),
        cluster: "batch".into(),
        exists: true,
        desired: Some(1),
        running: Some(0),
        pending: Some(1),
        revision: Some(12),
        rollout_state: None,
        last_event: None,
        drift: vec![],
        autoscaled: false,
        held: None,
        stopped_tasks: vec![],
    }
}

#[test]
fn table_of_in_sync_drifted_and_missing_services() {
    let table = render_table(&[in_sync(), drifted(), missing(), quiet()]);
    assert_eq!(
        table,
        "\
SERVICE                  CLUSTER         DESIRED   RUNNING  PENDING  REV  ROLLOUT      DRIFT                                  LAST EVENT
ecsdemo-frontend         container-demo  3         3        0        7    COMPLETED    in sync                                has reached a steady state.
nodejs (ecsdemo-nodejs)  container-demo  4 (auto)  2        2        3    IN_PROGRESS  drift: desired_count, task_definition  has started 2 tasks: (task 0a1b2c3d4e5f67890abcdef012345678…
ecsdemo-crystal          container-demo  -         -        -        -    not created  not created                            -
worker                   batch           1         0        1        12   -            in sync                                -
"
    );
}

#[test]
fn table_without_rows_is_the_header() {
    assert_eq!(render_table(&[]), "SERVICE  CLUSTER  DESIRED  RUNNING  PENDING  REV  ROLLOUT  DRIFT  LAST EVENT\n");
}

#[test]
fn json_shape() {
    assert_eq!(
        render_json(&[in_sync(), drifted(), missing()]),
        json!({
            "version": 1,
            "services": [
                {
                    "name": "ecsdemo-frontend",
                    "service_name": "ecsdemo-frontend",
                    "cluster": "container-demo",
                    "exists": true,
                    "desired": 3,
                    "running": 3,
                    "pending": 0,
                    "revision": 7,
                    "rollout_state": "COMPLETED",
                    "last_event": "(service ecsdemo-frontend) has reached a steady state.",
                    "drift": [],
                    "autoscaled": false,
                    "held": null,
                    "stopped_tasks": []
                },
                {
                    "name": "nodejs",
                    "service_name": "ecsdemo-nodejs",
                    "cluster": "container-demo",
                    "exists": true,
                    "desired": 4,
                    "running": 2,
                    "pending": 2,
                    "revision": 3,
                    "rollout_state": "IN_PROGRESS",
                    "last_event": "(service ecsdemo-nodejs) has started 2 tasks: (task 0a1b2c3d4e5f67890abcdef012345678) \
                                   (task 1b2c3d4e5f67890abcdef0123456789a).",
                    "drift": ["desired_count", "task_definition"],
                    "autoscaled": true,
                    "held": null,
                    "stopped_tasks": []
                },
                {
                    "name": "ecsdemo-crystal",
                    "service_name": "ecsdemo-crystal",
                    "cluster": "container-demo",
                    "exists": false,
                    "desired": null,
                    "running": null,
                    "pending": null,
                    "revision": null,
                    "rollout_state": null,
                    "last_event": null,
                    "drift": [],
                    "autoscaled": false,
                    "held": null,
                    "stopped_tasks": []
                }
            ]
        })
    );
}

#[test]
fn row_from_a_snapshot() {
    let snap = snapshot(
        vec![ours((1, 3, 2), RolloutState::InProgress), old(3)],
        vec![event("e2", at(2), "has started 2 tasks: (task aa) (task bb)."), event("e1", at(1), "older")],
    );
    let row = ServiceStatus::from_snapshot("frontend", &snap, vec!["task_definition".into()], false);
    assert_eq!(
        row,
        ServiceStatus {
            name: "frontend".into(),
            service_name: SERVICE.into(),
            cluster: "container-demo".into(),
            exists: true,
            desired: Some(3),
            running: Some(4),
            pending: Some(2),
            revision: Some(7),
            rollout_state: Some("IN_PROGRESS".into()),
            last_event: Some("(service ecsdemo-frontend) has started 2 tasks: (task aa) (task bb).".into()),
            drift: vec!["task_definition".into()],
            autoscaled: false,
            held: None,
            stopped_tasks: vec![],
        }
    );

    // A service being deleted shows so in the ROLLOUT column; a deleted one is gone.
    let mut draining = snap.clone();
    draining.status = "DRAINING".into();
    assert_eq!(
        ServiceStatus::from_snapshot("frontend", &draining, vec![], false).rollout_state.as_deref(),
        Some("DRAINING")
    );
    let mut inactive = snap;
    inactive.status = "INACTIVE".into();
    assert_eq!(
        ServiceStatus::from_snapshot("frontend", &inactive, vec![], false),
        ServiceStatus::not_created("frontend", SERVICE, "container-demo")
    );
}
