//! Image bumps as a reviewer reads them: a service moving from the task definition revision it runs to the one
//! this plan registers. Apply still makes two actions (register the revision, then update the service); the
//! plan records which update goes with which registration, and the revision numbers on both sides.
//!
//! ECS numbers a family's revisions in order: a new one gets the family's newest number plus one. The newest
//! number this pass can know is the highest it observed: the revision the service runs, any other revision of
//! the family that was read (one an interrupted pass registered and nothing runs), and a revision ECS's circuit
//! breaker rolled back.

use std::collections::BTreeMap;

use crate::node::{Observed, Ref};
use crate::plan::{Action, ActionKind, RevisionMove};
use crate::reason::ActionReason;
use crate::{Address, NodeSpec};

/// The family and revision number of a task definition ARN (`arn:...:task-definition/web:3`) or `web:3`.
pub(crate) fn family_and_revision(reference: &str) -> Option<(&str, u32)> {
    let tail = reference.rsplit('/').next()?;
    let (family, revision) = tail.rsplit_once(':')?;
    Some((family, revision.parse().ok()?))
}

/// The services among `actions` that move to a task definition revision registered among `actions`, by
/// service address.
pub(crate) fn moves(actions: &[Action], observed: &Observed) -> BTreeMap<Address, RevisionMove> {
    let registrations: BTreeMap<&Address, &Action> = actions
        .iter()
        .filter(|a| a.action == ActionKind::Replace && matches!(a.reason, ActionReason::NewRevision { .. }))
        .map(|a| (&a.address, a))
        .collect();
    actions
        .iter()
        .filter(|a| a.action == ActionKind::Update)
        .filter_map(|service| {
            let NodeSpec::Service(spec) = &service.desired.spec else { return None };
            let Ref::Node(task_definition) = &spec.task_definition else { return None };
            let registration = registrations.get(task_definition)?;
            Some((service.address.clone(), revision_move(registration, observed)?))
        })
        .collect()
}

/// The move a registration makes: from the revision it replaces to the number ECS will give the new one.
fn revision_move(registration: &Action, observed: &Observed) -> Option<RevisionMove> {
    let NodeSpec::TaskDefinition(spec) = &registration.desired.spec else { return None };
    let from = registration.id.as_deref().and_then(family_and_revision).map(|(_, revision)| revision);
    let to = newest_observed(&spec.family, observed).map(|newest| newest + 1);
    Some(RevisionMove { task_definition: registration.address.clone(), family: spec.family.clone(), from, to })
}

/// The highest revision number of `family` that observation saw, on a task definition or as a failed rollout.
fn newest_observed(family: &str, observed: &Observed) -> Option<u32> {
    observed
        .nodes
        .iter()
        .flat_map(|node| match &node.spec {
            NodeSpec::TaskDefinition(_) => vec![node.id.as_str()],
            NodeSpec::Service(service) => service.failed_rollout.iter().map(|f| f.task_definition.as_str()).collect(),
            _ => vec![],
        })
        .filter_map(family_and_revision)
        .filter(|(found, _)| *found == family)
        .map(|(_, revision)| revision)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_and_revision_from_an_arn_and_the_short_form() {
        let arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/ecsdemo-frontend:12";
        assert_eq!(family_and_revision(arn), Some(("ecsdemo-frontend", 12)));
        assert_eq!(family_and_revision("web:3"), Some(("web", 3)));
        assert_eq!(family_and_revision("web"), None);
        assert_eq!(family_and_revision("web:latest"), None);
    }
}
