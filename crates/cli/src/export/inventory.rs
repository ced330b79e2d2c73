//! What is exported, picked out of everything read: the cluster, its services and what they use, their VPC
//! and what is in it; each with the declaration name it gets. Resources that carry an owner tag are not
//! exported (they are already some reconciler's); each is reported.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use reconciler_plan::ownership::Owner;
use reconciler_plan::{Kind, Observed, ObservedNode, Ref};

/// The observed resources by AWS id, with the notes (one line each, for standard error) that exporting them
/// gives rise to.
pub struct Inventory<'a> {
    pub observed: &'a Observed,
    owner_id: &'a str,
    by_id: HashMap<&'a str, &'a ObservedNode>,
    /// Declaration names given so far, by kind and AWS id.
    names: BTreeMap<(Kind, String), String>,
    pub notes: Vec<String>,
}

impl<'a> Inventory<'a> {
    pub fn new(observed: &'a Observed, owner_id: &'a str) -> Self {
        let by_id = observed.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
        Inventory { observed, owner_id, by_id, names: BTreeMap::new(), notes: Vec::new() }
    }

    pub fn note(&mut self, line: impl Into<String>) {
        self.notes.push(line.into());
    }

    pub fn get(&self, id: &str) -> Option<&'a ObservedNode> {
        self.by_id.get(id).copied()
    }

    /// The resource a reference found live points at.
    pub fn resolve(&self, reference: &Ref) -> Option<&'a ObservedNode> {
        match reference {
            Ref::Aws(id) => self.get(id),
            Ref::Node(_) => None,
        }
    }

    /// Every observed resource of `kind`, in id order (so that output is the same at every run).
    pub fn of_kind(&self, kind: Kind) -> Vec<&'a ObservedNode> {
        let mut found: Vec<&ObservedNode> = self.observed.nodes.iter().filter(|n| n.kind() == kind).collect();
        found.sort_by(|a, b| a.id.cmp(&b.id));
        found
    }

    /// Whether the resource has no owner tag, so that a declaration with `adopt = true` can take it over.
    /// One that has is reported (it is some reconciler's already) and left out.
    pub fn unowned(&mut self, node: &ObservedNode, what: &str) -> bool {
        match Owner::from_tags(self.owner_id, &node.tags) {
            Owner::Nobody => true,
            Owner::Us(address) => {
                self.note(format!("{what} ({}) is already ours, as {address}: not exported", node.id));
                false
            }
            Owner::OtherInstance(owner) => {
                self.note(format!(
                    "{what} ({}) belongs to the reconciler with owner id `{owner}`: not exported",
                    node.id
                ));
                false
            }
        }
    }

    /// Gives the resource `id` a declaration name of `kind` made from `wanted` (an AWS name): the name if it is
    /// a valid declaration name not taken yet, else it made valid and numbered.
    pub fn name(&mut self, kind: Kind, id: &str, wanted: &str) -> String {
        if let Some(name) = self.names.get(&(kind, id.to_string())) {
            return name.clone();
        }
        let base = declaration_name(wanted);
        let taken: BTreeSet<&String> = self.names.iter().filter(|((k, _), _)| *k == kind).map(|(_, n)| n).collect();
        let name = (1..)
            .map(|i| if i == 1 { base.clone() } else { format!("{base}-{i}") })
            .find(|candidate| !taken.contains(candidate))
            .expect("an unused name");
        self.names.insert((kind, id.to_string()), name.clone());
        name
    }

    /// The declaration name given to the resource `id` of `kind`, if it is exported.
    pub fn named(&self, kind: Kind, id: &str) -> Option<String> {
        self.names.get(&(kind, id.to_string())).cloned()
    }

    /// The declaration name of what a reference found live points at, if it is exported.
    pub fn named_ref(&self, kind: Kind, reference: &Ref) -> Option<String> {
        self.named(kind, &reference.to_string())
    }
}

/// A valid declaration name (`[A-Za-z0-9][A-Za-z0-9_-]{0,62}`) made from an AWS name: other characters
/// become `-`, leading ones that cannot start a name are dropped, and it is cut to 63.
pub fn declaration_name(wanted: &str) -> String {
    let cleaned: String =
        wanted.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' }).collect();
    let trimmed = cleaned.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    let cut: String = trimmed.chars().take(63).collect();
    if cut.is_empty() { "exported".to_string() } else { cut }
}

/// User tags as a file may declare them: without ours (`reconciler:`, written by the reconciler itself) and
/// AWS's (`aws:`, e.g. CloudFormation's, which no one may set).
pub fn declarable_tags(tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|(k, _)| !k.starts_with(reconciler_plan::ownership::RESERVED_PREFIX))
        .filter(|(k, _)| !k.to_ascii_lowercase().starts_with("aws:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_are_valid_declaration_names() {
        assert_eq!(declaration_name("ecsdemo-frontend"), "ecsdemo-frontend");
        assert_eq!(declaration_name("/ecs/ecsdemo-frontend"), "ecs-ecsdemo-frontend");
        assert_eq!(declaration_name("service.local"), "service-local");
        assert_eq!(declaration_name("--"), "exported");
        assert_eq!(declaration_name(&"a".repeat(80)).len(), 63);
    }

    #[test]
    fn export_leaves_reserved_tags_out() {
        let tags = BTreeMap::from([
            ("Project".to_string(), "ecsdemo".to_string()),
            ("aws:cloudformation:stack-name".to_string(), "x".to_string()),
            ("reconciler:owner".to_string(), "default".to_string()),
        ]);
        assert_eq!(declarable_tags(&tags), BTreeMap::from([("Project".to_string(), "ecsdemo".to_string())]));
    }

    #[test]
    fn export_numbers_names_that_clash() {
        let observed = Observed::default();
        let mut inventory = Inventory::new(&observed, "default");
        assert_eq!(inventory.name(Kind::LogGroup, "a", "/x/web"), "x-web");
        assert_eq!(inventory.name(Kind::LogGroup, "b", "x web"), "x-web-2");
        assert_eq!(inventory.name(Kind::LogGroup, "a", "ignored"), "x-web");
    }
}
