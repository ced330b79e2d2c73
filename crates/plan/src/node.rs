//! Resources as the planner sees them: one [`NodeSpec`] per AWS resource (its kind's spec, see
//! [`crate::kinds`]), the same type for what is desired and what was observed, so that comparing them is
//! comparing two values.
//!
//! References between resources are [`Ref`]s: an address while the planner works (the referenced resource
//! may not exist yet), an AWS id when the referenced resource is not ours.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::Address;
use crate::kinds::NodeSpec;

/// A reference from one resource to another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ref {
    /// A resource we manage (it may be about to be created).
    Node(Address),
    /// A resource we do not manage, by its AWS id (only ever seen in observed state).
    Aws(String),
}

impl Ref {
    pub fn node(&self) -> Option<&Address> {
        match self {
            Ref::Node(address) => Some(address),
            Ref::Aws(_) => None,
        }
    }
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ref::Node(address) => address.fmt(f),
            Ref::Aws(id) => f.write_str(id),
        }
    }
}

/// A resource the planner wants to exist.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub address: Address,
    pub spec: NodeSpec,
    /// Every tag it must carry: the declared tags, a `Name` where AWS consoles show one, and our ownership
    /// tags.
    pub tags: BTreeMap<String, String>,
    /// Resources that must exist before this one can be created, beyond its references (for example a NAT
    /// gateway needs the internet gateway attached to work).
    pub after: Vec<Address>,
}

impl Node {
    /// Everything that must exist first: references and ordering-only dependencies.
    pub fn dependencies(&self) -> BTreeSet<Address> {
        self.spec
            .references()
            .into_iter()
            .filter_map(|r| r.node().cloned())
            .filter(|a| *a != self.address)
            .chain(self.after.iter().cloned())
            .collect()
    }
}

/// A live AWS resource that carries our tags, or one whose unique identity clashes with a declaration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservedNode {
    /// AWS id (vpc-..., sg-...) or ARN, whatever the kind's API addresses it by.
    pub id: String,
    #[serde(skip)]
    pub spec: NodeSpec,
    /// All its tags, ours included.
    pub tags: BTreeMap<String, String>,
}

impl ObservedNode {
    pub fn kind(&self) -> crate::Kind {
        self.spec.kind()
    }
}

/// Everything observation found, as plain data (no SDK types).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// The region's availability zones usable for subnets, in name order.
    pub availability_zones: Vec<String>,
    /// Every resource found: ours by tag, plus those whose unique name clashes with a declaration.
    pub nodes: Vec<ObservedNode>,
    /// The kinds whose live state could not be read this pass, and why. None of their resources is in
    /// `nodes`, so the planner must not take their absence for absence: it leaves them, and everything
    /// that refers to them, as they are.
    pub unread: BTreeMap<crate::Kind, String>,
    /// The parameters and secrets that services reference, as found (absent: it does not exist).
    pub secrets: crate::secrets::FoundSecrets,
    /// The ACM certificates that load balancers name by domain: domain -> ARN of an issued one (absent: none).
    pub certificates: crate::certificates::FoundCertificates,
}
