//! The planner when a kind's live state could not be read (throttled for good, access denied): its absence
//! from the observation is not taken for absence. Nothing of that kind, and nothing that refers to it, is
//! created, changed or deleted; the rest of the workshop converges; nothing at all is pruned.

mod common;

use std::collections::BTreeSet;

use common::*;
use reconciler_plan::{ActionKind, Kind, Observed, PlanContext, StayReason, plan};

/// `observed` with `kind`'s resources missing, as the AWS layer reports a kind whose read failed.
fn without(mut observed: Observed, kind: Kind) -> Observed {
    observed.nodes.retain(|n| n.kind() != kind);
    observed.unread.insert(kind, "ECS.ListClusters: AccessDeniedException: not allowed".to_string());
    observed
}

fn held(plan: &reconciler_plan::Plan) -> BTreeSet<String> {
    plan.held.iter().map(|h| h.address.to_string()).collect()
}

#[test]
fn an_unread_kind_is_not_created_again_nor_is_anything_that_refers_to_it() {
    let desired = workshop_config();
    let observed = without(empty_account(3), Kind::Cluster);
    let plan = plan_ok(&desired, &observed);

    assert!(plan.actions.iter().all(|a| a.address.kind != Kind::Cluster), "{:?}", describe(&plan));
    // The services run in the cluster, and their scaling registrations name the services.
    for address in ["cluster.container-demo", "service.ecsdemo-nodejs", "scalable_target.ecsdemo-frontend"] {
        assert!(held(&plan).contains(address), "{address} is held: {:?}", held(&plan));
        assert!(!addresses(&plan).contains(&address.to_string()), "{address} is not planned");
    }
    // What does not depend on the cluster converges as if nothing were wrong.
    for address in ["vpc.main", "log_group.nodejs", "namespace.service", "role.ecs-task-execution"] {
        assert_eq!(action(&plan, address).action, ActionKind::Create, "{address}");
    }
    assert_eq!(plan.unread.len(), 1);
    assert_eq!(plan.unread[0].kind, Kind::Cluster);
    assert!(plan.unread[0].error.contains("AccessDenied"));
    assert_eq!(plan.summary().held, plan.held.len());
}

#[test]
fn a_converged_workshop_with_an_unread_kind_changes_nothing_and_prunes_nothing() {
    let desired = workshop_config();
    let zones = zones(3);
    let converged = converged(&desired, &zones);
    // The file no longer declares nodejs: its resources would be pruned on a good day.
    let mut fewer = desired.clone();
    fewer.services.retain(|name, _| name != "ecsdemo-nodejs");
    let pruning_on = PlanContext::new(OWNER);
    let plan = plan(&fewer, &without(converged, Kind::Role), &pruning_on).expect("a plan");

    assert!(plan.actions.is_empty(), "{:?}", describe(&plan));
    assert!(
        plan.not_declared.iter().any(|n| n.address.to_string() == "service.ecsdemo-nodejs"
            && n.reason == StayReason::Unread { kinds: vec![Kind::Role] }),
        "{:?}",
        plan.not_declared
    );
    // The services use the execution role: held with it.
    assert!(held(&plan).contains("service.ecsdemo-crystal"), "{:?}", held(&plan));
}

#[test]
fn held_resources_are_reported_with_the_kind_behind_them() {
    let desired = workshop_config();
    let plan = plan_ok(&desired, &without(empty_account(3), Kind::Vpc));
    let subnet = plan.held.iter().find(|h| h.address.kind == Kind::Subnet).expect("a subnet is held");
    assert_eq!(subnet.by, reconciler_plan::HeldBy::Unread(Kind::Vpc));
    // Everything in the VPC is held through it: services sit in its subnets.
    assert!(held(&plan).contains("service.ecsdemo-frontend"));
    assert!(!addresses(&plan).iter().any(|a| a.starts_with("subnet.") || a.starts_with("vpc.")));
}
