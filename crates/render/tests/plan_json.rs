//! The plan as JSON: the documented schema, field by field.

mod fixtures;

use fixtures::*;
use reconciler_plan::{ActionKind, Plan, Value};
use reconciler_render::{FORMAT_VERSION, plan_json};
use serde_json::json;

#[test]
fn every_entry_follows_the_schema() {
    assert_eq!(
        plan_json(&tour()),
        json!({
            "format_version": "1",
            "summary": {"create": 1, "update": 2, "replace": 2, "delete": 0, "adopt": 0, "release": 0, "conflicts": 1, "not_declared": 1, "held": 0, "held_after_rollback": 0, "revision_moves": 1},
            "changes": true,
            "actions": [
                {
                    "address": "vpc.main", "kind": "vpc", "name": "main", "action": "create", "id": null,
                    "reason": "not found", "reason_code": "not_found", "depends_on": [], "blocked_by": null,
                    "declared_at": {"file": "network.toml", "line": 1}, "revision": null,
                    "changes": [
                        {"field": "cidr", "before": null, "after": "10.0.0.0/24", "forces_replacement": false},
                        {"field": "enable_dns_support", "before": null, "after": true, "forces_replacement": false},
                        {"field": "enable_dns_hostnames", "before": null, "after": true, "forces_replacement": false},
                        {"field": "tags.Name", "before": null, "after": "main", "forces_replacement": false},
                        // The ownership tags the text says once are all here.
                        {"field": "tags.reconciler:managed-by", "before": null, "after": "reconciler", "forces_replacement": false},
                        {"field": "tags.reconciler:owner", "before": null, "after": "workshop", "forces_replacement": false},
                        {"field": "tags.reconciler:resource", "before": null, "after": "vpc.main", "forces_replacement": false},
                    ],
                },
                {
                    "address": "subnet.shared/public-1", "kind": "subnet", "name": "shared/public-1",
                    "action": "replace", "id": "subnet-0123", "reason": "cidr cannot be changed in place", "reason_code": "fixed_fields_differ",
                    "depends_on": [], "blocked_by": null, "declared_at": {"file": "shared.toml", "line": 1}, "revision": null,
                    "changes": [
                        {"field": "cidr", "before": "10.0.0.0/26", "after": "10.0.0.0/27", "forces_replacement": true},
                        {"field": "map_public_ip_on_launch", "before": false, "after": true, "forces_replacement": false},
                    ],
                },
                {
                    "address": "security_group.shared/services", "kind": "security_group", "name": "shared/services",
                    "action": "update", "id": "sg-0abc", "reason": "drift in ingress, tags.Project", "reason_code": "drift",
                    "depends_on": [], "blocked_by": null, "declared_at": {"file": "shared.toml", "line": 12}, "revision": null,
                    "changes": [
                        {
                            "field": "ingress",
                            "before": ["tcp 22 0.0.0.0/0", "tcp 443 0.0.0.0/0"],
                            "after": ["tcp 3000 security_group.shared/services", "tcp 443 0.0.0.0/0"],
                            "forces_replacement": false,
                        },
                        {"field": "tags.Project", "before": "old", "after": "ecsdemo", "forces_replacement": false},
                    ],
                },
                {
                    "address": "task_definition.web", "kind": "task_definition", "name": "web", "action": "replace",
                    "id": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
                    "reason": "image changed: a new revision is registered", "reason_code": "new_revision",
                    "depends_on": [], "blocked_by": null, "declared_at": {"file": "web.toml", "line": 1}, "revision": null,
                    "changes": [{"field": "image", "before": "nginx:1.26", "after": "nginx:1.27", "forces_replacement": true}],
                },
                {
                    "address": "service.web", "kind": "service", "name": "web", "action": "update",
                    "id": "arn:aws:ecs:us-east-1:123456789012:service/container-demo/web",
                    "reason": "task_definition.web is replaced", "reason_code": "dependency_replaced",
                    "depends_on": [], "blocked_by": null, "declared_at": {"file": "web.toml", "line": 1},
                    "revision": {"task_definition": "task_definition.web", "family": "web", "from": 3, "to": 4},
                    "changes": [],
                },
            ],
            "conflicts": [{
                "address": "cluster.container-demo", "kind": "cluster", "name": "container-demo",
                "id": "arn:aws:ecs:us-east-1:123456789012:cluster/container-demo",
                "identity": "container-demo",
                "declared_at": {"file": "cluster.toml", "line": 1},
                "reason": "a resource with this name exists and is not managed by this reconciler; it is left \
                           untouched (rename the declaration or remove the other resource)",
                "reason_code": "not_ours",
            }],
            "not_declared": [{
                "address": "vpc.old", "kind": "vpc", "name": "old", "id": "vpc-0999",
                "reason": "no declaration in the desired state; left in place", "reason_code": "pruning_off",
            }],
            "prune_guard": null,
            "unread": [],
            "held": [],
        })
    );
}

#[test]
fn empty_plan_has_every_key_and_no_changes() {
    assert_eq!(
        plan_json(&Plan::default()),
        json!({
            "format_version": FORMAT_VERSION,
            "summary": {"create": 0, "update": 0, "replace": 0, "delete": 0, "adopt": 0, "release": 0, "conflicts": 0, "not_declared": 0, "held": 0, "held_after_rollback": 0, "revision_moves": 0},
            "changes": false,
            "actions": [],
            "conflicts": [],
            "not_declared": [],
            "prune_guard": null,
            "unread": [],
            "held": [],
        })
    );
}

#[test]
fn conflicts_alone_are_not_changes() {
    let json = plan_json(&Plan { conflicts: vec![cluster_conflict()], ..Plan::default() });
    assert_eq!(json["changes"], json!(false));
    assert_eq!(json["summary"]["conflicts"], json!(1));
    assert_eq!(json["conflicts"][0]["identity"], json!("container-demo"));
}

#[test]
fn blocked_by_is_an_address_and_values_keep_their_json_types() {
    let mut blocked = action(
        ActionKind::Update,
        "route_table.main/public",
        Some("rtb-0aa"),
        drift(&["routes"]),
        vec![
            change("routes", set(&["0.0.0.0/0 via nat_gateway.main/a"]), set(&[])),
            change("priority", Value::Int(-1), Value::Int(7)),
            change("description", text("x"), Value::Absent),
        ],
    );
    blocked.blocked_by = Some(address("cluster.container-demo"));
    blocked.depends_on = vec![address("vpc.main"), address("subnet.shared/public-1")];
    let json = plan_json(&Plan { actions: vec![blocked], ..Plan::default() });
    let action = &json["actions"][0];
    assert_eq!(action["blocked_by"], json!("cluster.container-demo"));
    assert_eq!(action["depends_on"], json!(["vpc.main", "subnet.shared/public-1"]));
    assert_eq!(action["changes"][0]["before"], json!(["0.0.0.0/0 via nat_gateway.main/a"]));
    assert_eq!(action["changes"][0]["after"], json!([]));
    assert_eq!(action["changes"][1]["before"], json!(-1));
    assert_eq!(action["changes"][1]["after"], json!(7));
    assert_eq!(action["changes"][2]["after"], json!(null));
    assert_eq!(json["summary"]["update"], json!(1));
}

#[test]
fn summary_counts_each_sort_separately() {
    let plan = Plan {
        actions: vec![create_vpc(), create_vpc(), create_vpc(), update_security_group(), update_security_group()],
        conflicts: vec![cluster_conflict(), cluster_conflict(), cluster_conflict(), cluster_conflict()],
        not_declared: vec![old_vpc(), old_vpc(), old_vpc(), old_vpc(), old_vpc()],
        ..Plan::default()
    };
    let mut replaced = plan.clone();
    replaced.actions.push(replace_subnet());
    assert_eq!(
        plan_json(&plan)["summary"],
        json!({"create": 3, "update": 2, "replace": 0, "delete": 0, "adopt": 0, "release": 0, "conflicts": 4, "not_declared": 5, "held": 0, "held_after_rollback": 0, "revision_moves": 0})
    );
    assert_eq!(plan_json(&replaced)["summary"]["replace"], json!(1));
    assert_eq!(plan_json(&plan)["actions"].as_array().map(Vec::len), Some(5));
}

#[test]
fn a_revision_move_whose_number_is_unknown_has_a_null_to() {
    let json = plan_json(&image_bump(None));
    assert_eq!(
        json["actions"][1]["revision"],
        json!({"task_definition": "task_definition.web", "family": "web", "from": 3, "to": null})
    );
    // The registration is still an action of its own, for apply and for scripts.
    assert_eq!(json["actions"][0]["reason_code"], json!("new_revision"));
    assert_eq!((&json["summary"]["replace"], &json["summary"]["revision_moves"]), (&json!(1), &json!(1)));
}

#[test]
fn a_resource_no_file_declares_has_a_null_declared_at() {
    let json = plan_json(&pruned_api());
    assert!(json["actions"].as_array().unwrap().iter().all(|a| a["declared_at"].is_null()), "{json:#}");
}
