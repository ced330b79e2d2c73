//! Which of a plan's create/update actions may start: each waits until every address it depends on has
//! finished. Linear over a whole apply (each action and each dependency edge is looked at once), where a
//! rescan of every action after each one finishes costs actions² at a thousand services.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use reconciler_plan::{Action, Address};

pub(crate) struct ReadyQueue<'a> {
    actions: &'a [Action],
    /// Per address, the queued actions that wait for it.
    dependents: HashMap<&'a Address, Vec<usize>>,
    /// Per action, how many of its dependencies have not finished yet.
    waiting_on: Vec<usize>,
    /// Per action, the first of its dependencies that finished without succeeding.
    failed_dependency: Vec<Option<&'a Address>>,
    /// Per address, its queued actions not finished yet: an address has finished when all of them have.
    unfinished_at: HashMap<&'a Address, usize>,
    failed_at: HashSet<&'a Address>,
    /// Ready actions, lowest index (plan order) first.
    ready: BinaryHeap<Reverse<usize>>,
}

impl<'a> ReadyQueue<'a> {
    /// Queues the actions of `actions` for which `queued` holds. A dependency on an address that no queued
    /// action has is already in place: the planner lists only planned addresses as dependencies.
    pub(crate) fn new(actions: &'a [Action], queued: impl Fn(&Action) -> bool) -> ReadyQueue<'a> {
        let mut unfinished_at: HashMap<&Address, usize> = HashMap::new();
        for action in actions.iter().filter(|a| queued(a)) {
            *unfinished_at.entry(&action.address).or_default() += 1;
        }
        let mut queue = ReadyQueue {
            actions,
            dependents: HashMap::new(),
            waiting_on: vec![0; actions.len()],
            failed_dependency: vec![None; actions.len()],
            unfinished_at,
            failed_at: HashSet::new(),
            ready: BinaryHeap::new(),
        };
        for (index, action) in actions.iter().enumerate().filter(|(_, a)| queued(a)) {
            let dependencies: HashSet<&Address> =
                action.depends_on.iter().filter(|d| queue.unfinished_at.contains_key(d)).collect();
            queue.waiting_on[index] = dependencies.len();
            for dependency in dependencies {
                queue.dependents.entry(dependency).or_default().push(index);
            }
            if queue.waiting_on[index] == 0 {
                queue.ready.push(Reverse(index));
            }
        }
        queue
    }

    /// The next action whose dependencies have all finished, with the first of them that failed, if any.
    pub(crate) fn next_ready(&mut self) -> Option<(usize, Option<&'a Address>)> {
        let Reverse(index) = self.ready.pop()?;
        Some((index, self.failed_dependency[index]))
    }

    /// Records that action `index` finished (ran, failed, or was skipped): what waited only for its address
    /// becomes ready.
    pub(crate) fn finished(&mut self, index: usize, succeeded: bool) {
        let address = &self.actions[index].address;
        if !succeeded {
            self.failed_at.insert(address);
        }
        let Some(unfinished) = self.unfinished_at.get_mut(address) else { return };
        *unfinished -= 1;
        if *unfinished > 0 {
            return;
        }
        let failed = self.failed_at.contains(address);
        for &dependent in self.dependents.get(address).into_iter().flatten() {
            if failed && self.failed_dependency[dependent].is_none() {
                self.failed_dependency[dependent] = Some(address);
            }
            self.waiting_on[dependent] -= 1;
            if self.waiting_on[dependent] == 0 {
                self.ready.push(Reverse(dependent));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use reconciler_plan::{ActionKind, ActionReason, ClusterSpec, Kind, Node, NodeSpec};

    use super::*;

    fn action(name: &str, depends_on: &[&str]) -> Action {
        let address = Address::new(Kind::Cluster, name);
        let spec = NodeSpec::Cluster(ClusterSpec { cluster_name: name.to_string(), container_insights: false });
        Action {
            address: address.clone(),
            action: ActionKind::Create,
            id: None,
            reason: ActionReason::NotFound,
            changes: vec![],
            depends_on: depends_on.iter().map(|d| Address::new(Kind::Cluster, *d)).collect(),
            blocked_by: None,
            desired: Node { address, spec, tags: Default::default(), after: vec![] },
            observed: None,
        }
    }

    /// Runs the queue to the end, finishing each action as it comes out, failing those named in `fail`.
    fn run(actions: &[Action], fail: &[&str]) -> Vec<(String, Option<String>)> {
        let mut queue = ReadyQueue::new(actions, |_| true);
        let mut order = Vec::new();
        while let Some((index, failed)) = queue.next_ready() {
            let name = actions[index].address.name.clone();
            queue.finished(index, !fail.contains(&name.as_str()) && failed.is_none());
            order.push((name, failed.map(|a| a.name.clone())));
        }
        order
    }

    #[test]
    fn dependencies_first_then_plan_order() {
        let actions = [action("c", &["b"]), action("b", &["a"]), action("a", &[]), action("d", &[])];
        let order: Vec<String> = run(&actions, &[]).into_iter().map(|(name, _)| name).collect();
        assert_eq!(order, ["a", "b", "c", "d"].map(String::from));
    }

    #[test]
    fn a_failure_reaches_everything_that_depends_on_it_and_nothing_else() {
        let actions = [action("a", &[]), action("b", &["a"]), action("c", &["b"]), action("d", &[])];
        let order = run(&actions, &["a"]);
        let failed_dependency: HashMap<String, Option<String>> = order.into_iter().collect();
        assert_eq!(failed_dependency["b"], Some("a".to_string()));
        assert_eq!(failed_dependency["c"], Some("b".to_string()), "skipped in turn, so c names b");
        assert_eq!(failed_dependency["d"], None);
    }

    #[test]
    fn an_action_not_queued_is_not_waited_for() {
        let actions = [action("deleted", &[]), action("b", &["deleted"])];
        let mut queue = ReadyQueue::new(&actions, |a| a.address.name != "deleted");
        assert_eq!(queue.next_ready(), Some((1, None)));
        assert_eq!(queue.next_ready(), None);
    }

    #[test]
    fn an_address_with_two_actions_is_finished_when_both_are() {
        let actions = [action("a", &[]), action("a", &[]), action("b", &["a"])];
        let mut queue = ReadyQueue::new(&actions, |_| true);
        let (first, _) = queue.next_ready().unwrap();
        queue.finished(first, true);
        let (second, _) = queue.next_ready().unwrap();
        assert_eq!(queue.next_ready(), None, "b still waits for the second action of a");
        queue.finished(second, false);
        assert_eq!(queue.next_ready(), Some((2, Some(&actions[0].address))));
    }
}
