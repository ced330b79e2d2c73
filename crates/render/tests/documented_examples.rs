//! Every example in docs/plan-output.md is the real output for the fixture of the same name, so the
//! documentation cannot drift from the program.

mod fixtures;

use fixtures::*;
use reconciler_plan::Plan;
use reconciler_render::{TextOptions, plan_json, plan_text, report_json, report_text};

const DOC: &str = include_str!("../../../docs/plan-output.md");

/// The body of the fenced block that follows `<!-- example: NAME -->`.
fn example(name: &str) -> &'static str {
    let marker = format!("<!-- example: {name} -->\n");
    let after = &DOC[DOC.find(&marker).unwrap_or_else(|| panic!("no example {name:?} in the doc")) + marker.len()..];
    let fence_end = after.find('\n').expect("a fence line follows the marker");
    assert!(after.starts_with("```"), "example {name:?} is not followed by a fenced block");
    let body = &after[fence_end + 1..];
    &body[..body.find("\n```").unwrap_or_else(|| panic!("example {name:?} is not closed")) + 1]
}

fn text(plan: &Plan) -> String {
    plan_text(plan, &TextOptions::default())
}

fn json(name: &str) -> serde_json::Value {
    serde_json::from_str(example(name)).unwrap_or_else(|e| panic!("example {name:?} is not JSON: {e}"))
}

#[test]
fn plan_text_example() {
    assert_eq!(example("plan-text"), text(&tour()));
}

#[test]
fn empty_plan_example() {
    assert_eq!(example("plan-text-empty"), text(&Plan::default()));
}

#[test]
fn conflict_only_example() {
    let plan = Plan { conflicts: vec![cluster_conflict()], ..Plan::default() };
    assert_eq!(example("plan-text-conflict-only"), text(&plan));
}

#[test]
fn blocked_example() {
    assert_eq!(example("plan-text-blocked"), text(&blocked_by_conflict()));
}

#[test]
fn image_bump_example() {
    assert_eq!(example("plan-text-image-bump"), text(&image_bump(Some(4))));
}

#[test]
fn deletions_example() {
    assert_eq!(example("plan-text-deletions"), text(&pruned_api()));
}

#[test]
fn report_text_example() {
    assert_eq!(example("report-text"), report_text(&report(), &TextOptions::default()));
}

#[test]
fn plan_json_example() {
    assert_eq!(json("plan-json"), plan_json(&tour()));
}

#[test]
fn report_json_example() {
    assert_eq!(json("report-json"), report_json(&report()));
}
