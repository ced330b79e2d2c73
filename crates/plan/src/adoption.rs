//! Which existing resource without an owner each node of an `adopt = true` declaration takes over.
//!
//! A declaration expands into several resources (a VPC into its subnets, gateways and route tables; a service
//! into its task definition, load balancer, ...), and most of them have no name AWS keeps unique. Each is
//! recognised by its [`Resource::adoption_identity`](crate::Resource::adoption_identity) once what it refers to
//! is recognised (a subnet by its CIDR in the adopted VPC), or, with no identity of its own, through the
//! adopted resource that refers to it (an Elastic IP through its NAT gateway, a task definition revision
//! through its service). Matching repeats until nothing new is found, so the order of the nodes only
//! affects how many rounds it takes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::node::{Node, ObservedNode, Ref};
use crate::ownership::RESERVED_PREFIX;
use crate::{Address, Kind};

/// The unowned resource each adopting node takes over, with its references to resources of ours or adopted
/// ones rewritten to their addresses (so that comparing it with the node shows only real differences).
/// `adopting` says which nodes' declarations say `adopt = true`; `unowned` are the observed resources without
/// any owner tag, their references to ours already addresses. A match that `keeps` refuses is undone (and what
/// refers to it then refers to something not ours).
pub(crate) fn adoptions(
    nodes: &[Node],
    adopting: &dyn Fn(&Address) -> bool,
    unowned: &[ObservedNode],
    keeps: &dyn Fn(&Node, &ObservedNode) -> bool,
) -> BTreeMap<Address, ObservedNode> {
    let mut taken: BTreeMap<Address, usize> = BTreeMap::new();
    loop {
        let before = taken.len();
        for node in nodes.iter().filter(|n| adopting(&n.address)) {
            if taken.contains_key(&node.address) {
                continue;
            }
            let found = match node.spec.adoption_identity() {
                Some(identity) => by_identity(node, &identity, unowned, &taken),
                None => through_referrer(node, nodes, unowned, &taken),
            };
            if let Some(index) = found {
                taken.insert(node.address.clone(), index);
            }
        }
        if taken.len() == before {
            break;
        }
    }
    loop {
        let ids = adopted_ids(unowned, &taken);
        let refused: Vec<Address> = nodes
            .iter()
            .filter(|n| taken.get(&n.address).is_some_and(|i| !keeps(n, &as_adopted(&unowned[*i], &ids))))
            .map(|n| n.address.clone())
            .collect();
        if refused.is_empty() {
            return taken.into_iter().map(|(address, index)| (address, as_adopted(&unowned[index], &ids))).collect();
        }
        for address in refused {
            taken.remove(&address);
        }
    }
}

/// The AWS id of every resource matched so far, to its address.
fn adopted_ids(unowned: &[ObservedNode], taken: &BTreeMap<Address, usize>) -> HashMap<String, Address> {
    taken.iter().map(|(address, index)| (unowned[*index].id.clone(), address.clone())).collect()
}

/// `found` with its references to matched resources as their addresses.
fn as_adopted(found: &ObservedNode, ids: &HashMap<String, Address>) -> ObservedNode {
    let mut found = found.clone();
    found.spec.map_refs(|r| match r {
        Ref::Aws(id) => ids.get(id).map_or_else(|| r.clone(), |a| Ref::Node(a.clone())),
        Ref::Node(_) => r.clone(),
    });
    found
}

/// The one free unowned resource of the node's kind with its identity. Several (two VPCs of one CIDR): the
/// one that carries every tag the node declares, if only one does; otherwise none is guessed at.
fn by_identity(
    node: &Node,
    identity: &str,
    unowned: &[ObservedNode],
    taken: &BTreeMap<Address, usize>,
) -> Option<usize> {
    let ids = adopted_ids(unowned, taken);
    let used: BTreeSet<usize> = taken.values().copied().collect();
    let candidates: Vec<usize> = free_of_kind(unowned, &used, node.address.kind)
        .filter(|i| as_adopted(&unowned[*i], &ids).spec.adoption_identity().as_deref() == Some(identity))
        .collect();
    if let [only] = candidates.as_slice() {
        return Some(*only);
    }
    let declared = |i: &usize| {
        let tags = &unowned[*i].tags;
        node.tags.iter().filter(|(k, _)| !k.starts_with(RESERVED_PREFIX)).all(|(k, v)| tags.get(k) == Some(v))
    };
    match candidates.into_iter().filter(declared).collect::<Vec<_>>().as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}

/// For a node without an identity: the resource of its kind that the adopted resource referring to it refers
/// to, when that referrer refers to exactly one node, and one resource, of the kind (so there is no pairing
/// to guess).
fn through_referrer(
    node: &Node,
    nodes: &[Node],
    unowned: &[ObservedNode],
    taken: &BTreeMap<Address, usize>,
) -> Option<usize> {
    let kind = node.address.kind;
    let used: BTreeSet<usize> = taken.values().copied().collect();
    let by_id: HashMap<&str, usize> = free_of_kind(unowned, &used, kind).map(|i| (unowned[i].id.as_str(), i)).collect();
    nodes.iter().find_map(|referrer| {
        let found = &unowned[*taken.get(&referrer.address)?];
        let wanted: Vec<&Address> = referrer.spec.references().into_iter().filter_map(Ref::node).collect();
        let of_kind: Vec<&&Address> = wanted.iter().filter(|a| a.kind == kind).collect();
        if of_kind.as_slice() != [&&node.address] {
            return None;
        }
        let live: BTreeSet<usize> = found
            .spec
            .references()
            .into_iter()
            .filter_map(|r| match r {
                Ref::Aws(id) => by_id.get(id.as_str()).copied(),
                Ref::Node(_) => None,
            })
            .collect();
        let mut live = live.into_iter();
        match (live.next(), live.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    })
}

/// The indices of the unowned resources of `kind` not matched yet.
fn free_of_kind<'a>(
    unowned: &'a [ObservedNode],
    used: &'a BTreeSet<usize>,
    kind: Kind,
) -> impl Iterator<Item = usize> + 'a {
    unowned.iter().enumerate().filter(move |(i, n)| n.kind() == kind && !used.contains(i)).map(|(i, _)| i)
}
