//! What the planner records so that a plan reads well for a reviewer (issue 15, item 6): where each resource
//! comes from, which tags are the standard ownership tagging, which services move to a new task definition
//! revision (and from which number to which), and deletions listed in the order they run.

mod common;

use std::path::Path;

use common::*;
use reconciler_plan::rollback::FailedRollout;
use reconciler_plan::{ActionKind, NodeSpec, Observed, Plan, PlanContext, Pruning, Ref, RevisionMove, destroy, plan};
use reconciler_spec::Desired;

const FRONTEND_TASK: &str = "task_definition.ecsdemo-frontend";
const FRONTEND: &str = "service.ecsdemo-frontend";

/// The 1-based line of `config/FILE` that is exactly `header` (a declaration's table header).
fn line_of(file: &str, header: &str) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    1 + text.lines().position(|l| l == header).unwrap_or_else(|| panic!("no {header} in {file}"))
}

/// `(file name, line)` of where the plan says `address` comes from.
fn declared_at(plan: &Plan, address: &str) -> Option<(String, usize)> {
    let location = plan.declared_at.get(&addr(address))?;
    Some((location.file.file_name()?.to_string_lossy().into_owned(), location.line))
}

/// The workshop with a new image for the frontend.
fn frontend_image_bump() -> Desired {
    let mut desired = workshop_config();
    service_mut(&mut desired, "ecsdemo-frontend").image = "brentley/ecsdemo-frontend:v2".to_string();
    desired
}

/// The converged workshop, its frontend running revision `revision` of its task definition (the observed id
/// and the service's reference to it carry the number, as ECS's ARNs do).
fn frontend_runs_revision(revision: u32) -> Observed {
    let mut observed = converged(&workshop_config(), &zones(3));
    let old = observed_mut(&mut observed, FRONTEND_TASK).id.clone();
    let new = format!("arn:aws:ecs:eu-west-1:123456789012:task-definition/ecsdemo-frontend:{revision}");
    for node in &mut observed.nodes {
        if node.id == old {
            node.id = new.clone();
        }
        node.spec.map_refs(|r| if *r == Ref::Aws(old.clone()) { Ref::Aws(new.clone()) } else { r.clone() });
    }
    observed
}

fn revision_move(plan: &Plan) -> &RevisionMove {
    plan.revision_moves.get(&addr(FRONTEND)).unwrap_or_else(|| panic!("no move: {:#?}", describe(plan)))
}

// ---------------------------------------------------------------------------------------------------------
// Which file and line each resource comes from
// ---------------------------------------------------------------------------------------------------------

#[test]
fn every_declared_resource_points_at_its_declaration_or_the_one_it_is_derived_from() {
    let plan = plan_ok(&workshop_config(), &empty_account(3));

    let frontend = ("frontend.toml".to_string(), line_of("frontend.toml", "[service.ecsdemo-frontend]"));
    assert_eq!(declared_at(&plan, FRONTEND), Some(frontend.clone()));
    // Derived from the service's declaration: its task definition, load balancer, scaling.
    assert_eq!(declared_at(&plan, FRONTEND_TASK), Some(frontend.clone()));
    assert_eq!(declared_at(&plan, "load_balancer.ecsdemo-frontend"), Some(frontend.clone()));
    assert_eq!(declared_at(&plan, "scalable_target.ecsdemo-frontend"), Some(frontend));
    let vpc = ("platform.toml".to_string(), line_of("platform.toml", "[vpc.main]"));
    assert_eq!(declared_at(&plan, "vpc.main"), Some(vpc.clone()));
    assert_eq!(declared_at(&plan, "subnet.main/private-2"), Some(vpc));
    assert_eq!(
        declared_at(&plan, "instance_profile.loadtest"),
        Some(("loadtest.toml".to_string(), line_of("loadtest.toml", "[role.loadtest]")))
    );
    let unplaced: Vec<String> = plan
        .actions
        .iter()
        .filter(|a| !plan.declared_at.contains_key(&a.address))
        .map(|a| a.address.to_string())
        .collect();
    assert!(unplaced.is_empty(), "every create comes from a file: {unplaced:?}");
}

#[test]
fn a_pruned_resource_comes_from_no_file_and_a_destroyed_one_from_its_declaration() {
    let mut without_nodejs = workshop_config();
    without_nodejs.services.remove("ecsdemo-nodejs");
    without_nodejs.log_groups.remove("nodejs");
    let pruning_on = PlanContext { pruning: Pruning::default(), ..context() };
    let pruned = plan(&without_nodejs, &converged(&workshop_config(), &zones(3)), &pruning_on).expect("a plan");
    assert_eq!(pruned.deletions().count(), 4, "{:#?}", describe(&pruned));
    assert!(pruned.deletions().all(|a| !pruned.declared_at.contains_key(&a.address)));

    let destroyed = destroy(&workshop_config(), &converged(&workshop_config(), &zones(3)), &context()).expect("plan");
    let nodejs = ("nodejs.toml".to_string(), line_of("nodejs.toml", "[service.ecsdemo-nodejs]"));
    assert_eq!(declared_at(&destroyed, "task_definition.ecsdemo-nodejs"), Some(nodejs));
}

// ---------------------------------------------------------------------------------------------------------
// Ownership tags: the standard tagging is known as such
// ---------------------------------------------------------------------------------------------------------

#[test]
fn the_ownership_tags_of_a_create_are_the_standard_tagging_and_other_tag_changes_are_not() {
    let plan = plan_ok(&workshop_config(), &empty_account(3));
    assert_eq!(plan.owner_id, OWNER);
    let vpc = action(&plan, "vpc.main");
    let standard: Vec<String> =
        vpc.changes.iter().filter(|c| plan.is_ownership_tagging(vpc, c)).map(|c| c.field.to_string()).collect();
    assert_eq!(standard, ["tags.reconciler:managed-by", "tags.reconciler:owner", "tags.reconciler:resource"]);
    for create in plan.actions.iter().filter(|a| a.address.kind.has_own_tags()) {
        assert_eq!(create.changes.iter().filter(|c| plan.is_ownership_tagging(create, c)).count(), 3, "{create:?}");
    }

    // The same tags under another owner id, or naming another address, are not this plan's standard tagging.
    let other = Plan { owner_id: "someone-else".to_string(), ..plan.clone() };
    let owner_change = change(vpc, "tags.reconciler:owner");
    assert!(!other.is_ownership_tagging(vpc, owner_change));
    let subnet = action(&plan, "subnet.main/public-1");
    assert!(!plan.is_ownership_tagging(subnet, change(vpc, "tags.reconciler:resource")));
    assert!(!plan.is_ownership_tagging(vpc, change(vpc, "tags.Project")));
}

#[test]
fn a_release_removing_our_tags_is_not_the_standard_tagging() {
    let mut desired = workshop_config();
    desired.lifecycles.entry((reconciler_spec::Kind::LogGroup, "nodejs".to_string())).or_default().retain = true;
    let plan = destroy(&desired, &converged(&desired, &zones(3)), &context()).expect("a plan");
    let release = action(&plan, "log_group.nodejs");
    assert_eq!(release.action, ActionKind::Release);
    assert!(!release.changes.is_empty());
    assert!(release.changes.iter().all(|c| !plan.is_ownership_tagging(release, c)), "{:?}", release.changes);
}

// ---------------------------------------------------------------------------------------------------------
// An image bump: the service moving from revision N to N+1
// ---------------------------------------------------------------------------------------------------------

#[test]
fn an_image_bump_moves_the_service_from_the_revision_it_runs_to_the_next() {
    let plan = plan_ok(&frontend_image_bump(), &frontend_runs_revision(3));

    let moved = revision_move(&plan);
    let expected = RevisionMove {
        task_definition: addr(FRONTEND_TASK),
        family: "ecsdemo-frontend".to_string(),
        from: Some(3),
        to: Some(4),
    };
    assert_eq!(*moved, expected);
    assert_eq!(plan.moved_service(action(&plan, FRONTEND_TASK)), Some(&addr(FRONTEND)));
    assert_eq!(plan.moved_service(action(&plan, FRONTEND)), None);
    // Apply still has both actions; the summary counts the move once as a change.
    let summary = plan.summary();
    assert_eq!((summary.update, summary.replace, summary.revision_moves), (1, 1, 1));
    assert_eq!(summary.replace_besides_revision_moves(), 0);
}

#[test]
fn the_next_number_follows_the_newest_revision_observed_a_rolled_back_one_included() {
    // ECS rolled back revision 4 to 3; the file now asks for something else (a new image), so nothing is held,
    // and the revision registered will be 5.
    let mut observed = frontend_runs_revision(3);
    let NodeSpec::Service(service) = &mut observed_mut(&mut observed, FRONTEND).spec else { panic!("a service") };
    service.failed_rollout = Some(Box::new(FailedRollout {
        task_definition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/ecsdemo-frontend:4".to_string(),
        revision: 4,
        running_revision: Some(3),
        content: None,
        reason: "ECS deployment circuit breaker: tasks failed to start.".to_string(),
    }));
    let plan = plan_ok(&frontend_image_bump(), &observed);
    assert!(plan.held.is_empty(), "{:?}", plan.held);
    assert_eq!((revision_move(&plan).from, revision_move(&plan).to), (Some(3), Some(5)));
}

#[test]
fn without_a_revision_number_observed_the_next_one_is_not_known() {
    // The converged account of the tests has task definition ids without a revision.
    let plan = plan_ok(&frontend_image_bump(), &converged(&workshop_config(), &zones(3)));
    assert_eq!((revision_move(&plan).from, revision_move(&plan).to), (None, None));
}

#[test]
fn a_service_created_with_its_first_revision_is_not_a_move() {
    let plan = plan_ok(&workshop_config(), &empty_account(3));
    assert!(plan.revision_moves.is_empty(), "{:?}", plan.revision_moves);
    assert_eq!(plan.summary().revision_moves, 0);
}

// ---------------------------------------------------------------------------------------------------------
// Deletions in the order they run
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_duplicate_is_listed_and_so_deleted_before_the_resource_it_copies() {
    let desired = workshop_config();
    let mut observed = converged(&desired, &zones(3));
    let copy =
        reconciler_plan::ObservedNode { id: "vpc-0000".to_string(), ..observed_mut(&mut observed, "vpc.main").clone() };
    observed.nodes.push(copy);
    let plan = destroy(&desired, &observed, &context()).expect("a plan");
    let order: Vec<(String, String)> =
        plan.deletions().map(|a| (a.address.to_string(), a.id.clone().unwrap_or_default())).collect();
    let at = |id: &str| order.iter().position(|(_, i)| i == id).unwrap_or_else(|| panic!("{id}: {order:#?}"));
    assert_eq!(at("vpc-0000"), 0, "{order:#?}");
    let kept = observed_mut(&mut observed, "vpc.main").id.clone();
    assert_eq!(at(&kept), order.len() - 1, "the VPC goes last: {order:#?}");
}

#[test]
fn the_deletions_are_the_listed_delete_and_release_actions_in_list_order() {
    let mut desired = workshop_config();
    desired.lifecycles.entry((reconciler_spec::Kind::LogGroup, "nodejs".to_string())).or_default().retain = true;
    let plan = destroy(&desired, &converged(&desired, &zones(3)), &context()).expect("a plan");
    let listed: Vec<String> = plan
        .actions
        .iter()
        .filter(|a| matches!(a.action, ActionKind::Delete | ActionKind::Release))
        .map(|a| a.address.to_string())
        .collect();
    let deletions: Vec<String> = plan.deletions().map(|a| a.address.to_string()).collect();
    assert_eq!(deletions, listed);
    assert!(deletions.contains(&"log_group.nodejs".to_string()));
}
