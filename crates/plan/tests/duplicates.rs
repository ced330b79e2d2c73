//! The planner on duplicates: a second live resource tagged with the address of one of ours (a create whose
//! answer was lost and that was sent again). One is kept by one rule, the one in use, else the lowest id;
//! the other is deleted as a duplicate, with pruning on or off, and counted as a change.

mod common;

use common::*;
use reconciler_plan::{ActionKind, ActionReason, Kind, ObservedNode, Plan, PlanContext, destroy};

/// A copy of our observed resource at `address`, under another id.
fn copy_of(observed: &reconciler_plan::Observed, address: &str, id: &str) -> ObservedNode {
    let original =
        observed.nodes.iter().find(|n| n.tags.get("reconciler:resource").map(String::as_str) == Some(address));
    ObservedNode { id: id.to_string(), ..original.expect("observed").clone() }
}

fn deletions(plan: &Plan) -> Vec<(String, String)> {
    plan.actions
        .iter()
        .filter(|a| a.action == ActionKind::Delete)
        .map(|a| (a.address.to_string(), a.id.clone().unwrap_or_default()))
        .collect()
}

#[test]
fn a_duplicate_vpc_is_deleted_and_the_one_in_use_is_kept() {
    let desired = workshop_config();
    let mut observed = converged(&desired, &zones(3));
    let kept = observed_mut(&mut observed, "vpc.main").id.clone();
    // A lower id than the original, but nothing is in it: the original, which the subnets use, stays.
    observed.nodes.push(copy_of(&observed, "vpc.main", "vpc-0000"));

    // Pruning off (the test context): duplicates go anyway.
    let plan = plan_ok(&desired, &observed);
    assert_eq!(deletions(&plan), [("vpc.main".to_string(), "vpc-0000".to_string())], "{:?}", describe(&plan));
    let delete = action(&plan, "vpc.main");
    assert_eq!(delete.reason, ActionReason::Duplicate { kept_id: kept });
    assert!(plan.has_changes(), "a duplicate is a change: --detailed-exitcode says 2");
    assert_eq!(plan.summary().delete, 1);
    assert!(plan.not_declared.is_empty(), "{:?}", plan.not_declared);
}

#[test]
fn of_two_unused_copies_the_lowest_id_is_kept_whichever_is_seen_first() {
    let desired = workshop_config();
    let mut observed = converged(&desired, &zones(3));
    let original = remove_observed(&mut observed, "elastic_ip.main/nat-1");
    let nat = observed_mut(&mut observed, "nat_gateway.main/nat-1");
    let reconciler_plan::NodeSpec::NatGateway(spec) = &mut nat.spec else { panic!("a NAT gateway") };
    // The NAT gateway uses neither copy (as if its allocation were someone else's).
    spec.allocation = reconciler_plan::Ref::Aws("eipalloc-someone".to_string());
    let mut first = observed.clone();
    first.nodes.push(ObservedNode { id: "eipalloc-b".into(), ..original.clone() });
    first.nodes.push(ObservedNode { id: "eipalloc-a".into(), ..original.clone() });
    let mut second = observed;
    second.nodes.push(ObservedNode { id: "eipalloc-a".into(), ..original.clone() });
    second.nodes.push(ObservedNode { id: "eipalloc-b".into(), ..original });
    for observed in [first, second] {
        let plan = plan_ok(&desired, &observed);
        let deleted: Vec<_> = deletions(&plan).into_iter().filter(|(a, _)| a.starts_with("elastic_ip.")).collect();
        assert_eq!(deleted, [("elastic_ip.main/nat-1".to_string(), "eipalloc-b".to_string())]);
    }
}

#[test]
fn a_duplicate_is_deleted_even_when_its_declaration_retains_and_destroy_takes_it_too() {
    let desired = workshop_config();
    let mut observed = converged(&desired, &zones(3));
    let mut copy = copy_of(&observed, "log_group.nodejs", "arn:aws:logs:zz-copy");
    copy.tags.insert("reconciler:deletion-policy".into(), "retain".into());
    observed.nodes.push(copy);
    let plan = plan_ok(&desired, &observed);
    assert_eq!(action(&plan, "log_group.nodejs").action, ActionKind::Delete);

    let plan = destroy(&desired, &observed, &PlanContext::new(OWNER)).expect("a destroy plan");
    let copies: Vec<_> = plan.actions.iter().filter(|a| a.id.as_deref() == Some("arn:aws:logs:zz-copy")).collect();
    assert_eq!(copies.len(), 1, "destroy deletes the copy too");
    assert_eq!(copies[0].action, ActionKind::Delete);
    assert_eq!(plan.actions.iter().filter(|a| a.address.kind == Kind::LogGroup).count(), 4, "3 log groups + copy");
}
