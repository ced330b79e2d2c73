//! The apply report, as text and as JSON.

mod fixtures;

use fixtures::*;
use reconciler_plan::{ActionKind, ApplyReport, OutcomeResult};
use reconciler_render::{TextOptions, report_json, report_text};
use serde_json::json;

#[test]
fn one_line_per_outcome_then_the_counts() {
    assert_eq!(
        report_text(&report(), &TextOptions::default()),
        "  ✓ created vpc.main (vpc-0abc) in 120 ms
  ✗ failed to replace subnet.shared/public-1: DeleteSubnet: DependencyViolation: The subnet 'subnet-0123' has dependencies and cannot be deleted.
  - skipped nat_gateway.shared/a: subnet.shared/public-1 did not succeed

Apply: 1 succeeded, 1 failed, 1 skipped.
"
    );
}

#[test]
fn every_action_has_its_own_verb_and_long_waits_read_in_seconds() {
    let report = ApplyReport {
        outcomes: vec![
            outcome(ActionKind::Update, "vpc.main", OutcomeResult::Succeeded { id: "vpc-0abc".into() }, 4_290),
            outcome(ActionKind::Replace, "subnet.main/a", OutcomeResult::Succeeded { id: "subnet-1".into() }, 61_000),
            outcome(
                ActionKind::Replace,
                "subnet.main/b",
                OutcomeResult::Failed { error: "timed out\nwaiting".into() },
                1,
            ),
            outcome(ActionKind::Create, "cluster.demo", OutcomeResult::Failed { error: "throttled".into() }, 1),
        ],
    };
    assert_eq!(
        report_text(&report, &TextOptions::default()),
        "  ✓ updated vpc.main (vpc-0abc) in 4.2 s
  ✓ replaced subnet.main/a (subnet-1) in 1 min 1 s
  ✗ failed to replace subnet.main/b: timed out waiting
  ✗ failed to create cluster.demo: throttled

Apply: 2 succeeded, 2 failed, 0 skipped.
"
    );
}

#[test]
fn empty_report_is_just_the_counts() {
    assert_eq!(
        report_text(&ApplyReport::default(), &TextOptions::default()),
        "Apply: 0 succeeded, 0 failed, 0 skipped.\n"
    );
}

#[test]
fn colors_only_when_asked() {
    assert!(!report_text(&report(), &TextOptions::default()).contains('\x1b'));
    let text = report_text(&report(), &TextOptions { color: true });
    assert!(text.starts_with("  \x1b[32m✓\x1b[0m created vpc.main"), "{text}");
    assert!(text.contains("\n  \x1b[31m✗\x1b[0m failed to replace"), "{text}");
    assert!(text.contains("\n  \x1b[33m-\x1b[0m skipped nat_gateway"), "{text}");
    assert!(text.ends_with("\x1b[1mApply:\x1b[0m 1 succeeded, 1 failed, 1 skipped.\n"), "{text}");
}

#[test]
fn json_has_counts_and_one_result_field_per_outcome() {
    assert_eq!(
        report_json(&report()),
        json!({
            "format_version": "1",
            "succeeded": 1,
            "failed": 1,
            "skipped": 1,
            "outcomes": [
                {
                    "address": "vpc.main", "kind": "vpc", "name": "main", "action": "create",
                    "outcome": "succeeded", "id": "vpc-0abc", "elapsed_ms": 120,
                },
                {
                    "address": "subnet.shared/public-1", "kind": "subnet", "name": "shared/public-1",
                    "action": "replace", "outcome": "failed",
                    "error": "DeleteSubnet: DependencyViolation: The subnet 'subnet-0123' has dependencies and \
                              cannot be deleted.",
                    "elapsed_ms": 2340,
                },
                {
                    "address": "nat_gateway.shared/a", "kind": "nat_gateway", "name": "shared/a",
                    "action": "replace", "outcome": "skipped", "because": "subnet.shared/public-1 did not succeed", "because_code": "dependency_failed",
                    "elapsed_ms": 0,
                },
            ],
        })
    );
}

#[test]
fn empty_report_json() {
    assert_eq!(
        report_json(&ApplyReport::default()),
        json!({"format_version": "1", "succeeded": 0, "failed": 0, "skipped": 0, "outcomes": []})
    );
}
