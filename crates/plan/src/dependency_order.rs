//! The one topological sort: the planner orders what it creates and changes with it, prune orders what it
//! deletes with it.

use std::collections::{BTreeMap, BTreeSet};

/// Orders the keys of `waiting_on` (each with the keys it depends on) so that every key comes after what it
/// depends on; dependencies that are not keys are ignored. In rounds, each round in key order, so the result
/// is stable. Returns the order and, if there is a cycle, the keys caught in it or behind it (in key order),
/// which the order leaves out.
pub(crate) fn dependency_order<K: Ord + Clone>(waiting_on: BTreeMap<K, BTreeSet<K>>) -> (Vec<K>, Vec<K>) {
    let keys: BTreeSet<K> = waiting_on.keys().cloned().collect();
    let mut waiting_on: BTreeMap<K, BTreeSet<K>> =
        waiting_on.into_iter().map(|(key, deps)| (key, deps.intersection(&keys).cloned().collect())).collect();
    let mut ordered = Vec::with_capacity(waiting_on.len());
    loop {
        let ready: Vec<K> = waiting_on.iter().filter(|(_, deps)| deps.is_empty()).map(|(k, _)| k.clone()).collect();
        if ready.is_empty() {
            return (ordered, waiting_on.into_keys().collect());
        }
        for key in ready {
            waiting_on.remove(&key);
            for deps in waiting_on.values_mut() {
                deps.remove(&key);
            }
            ordered.push(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(pairs: &[(&'static str, &[&'static str])]) -> BTreeMap<&'static str, BTreeSet<&'static str>> {
        pairs.iter().map(|(k, d)| (*k, d.iter().copied().collect())).collect()
    }

    #[test]
    fn dependencies_first_then_key_order_and_unknown_dependencies_ignored() {
        let (order, cycle) = dependency_order(deps(&[("c", &["a"]), ("b", &[]), ("a", &["zz"]), ("d", &["c", "b"])]));
        assert_eq!((order, cycle), (vec!["a", "b", "c", "d"], vec![]));
    }

    #[test]
    fn a_cycle_and_what_waits_on_it_are_left_out_and_named() {
        let (order, cycle) = dependency_order(deps(&[("a", &["b"]), ("b", &["a"]), ("c", &["a"]), ("d", &[])]));
        assert_eq!((order, cycle), (vec!["d"], vec!["a", "b", "c"]));
    }
}
