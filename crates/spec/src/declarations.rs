//! [`FileDeclarations`]: what one file declares, between the two stages.
//!
//! Stage 1 ([`crate::parse_file`]) produces one of these per file; stage 2 ([`crate::assemble`]) puts them
//! together. Besides the validated specs they keep what the cross-file checks need to point at the right spot:
//! where each reference and each AWS identity field was written.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::error::SpecError;
use crate::model::{
    Cluster, Declared, Instance, Location, LogGroup, Namespace, Role, SecurityGroup, Service, SharedLoadBalancer, Vpc,
};

/// A kind of declaration: a top-level table of a desired-state file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Vpc,
    SecurityGroup,
    Cluster,
    Namespace,
    Role,
    LogGroup,
    Service,
    Instance,
    LoadBalancer,
}

impl Kind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [Kind; 9] = [
        Kind::Vpc,
        Kind::SecurityGroup,
        Kind::Cluster,
        Kind::Namespace,
        Kind::Role,
        Kind::LogGroup,
        Kind::Service,
        Kind::Instance,
        Kind::LoadBalancer,
    ];

    /// The top-level table name: `vpc`, `security_group`, `cluster`, `namespace`, `role`, `log_group`,
    /// `service`, `instance`, `load_balancer`.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Vpc => "vpc",
            Kind::SecurityGroup => "security_group",
            Kind::Cluster => "cluster",
            Kind::Namespace => "namespace",
            Kind::Role => "role",
            Kind::LogGroup => "log_group",
            Kind::Service => "service",
            Kind::Instance => "instance",
            Kind::LoadBalancer => "load_balancer",
        }
    }

    /// The kind whose top-level table is `key`.
    pub fn from_key(key: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A name one declaration uses to point at another (`vpc = "main"`, `group = "db"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Full dotted path of the field that holds the name, e.g. `security_group.web.ingress[0].group`.
    pub field: String,
    /// The kind the name must be declared as.
    pub kind: Kind,
    pub name: String,
    /// Where the name is written.
    pub location: Location,
}

/// One declaration that passed every check of its own file.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub declared: Declared<T>,
    /// Where some fields were written, by path relative to the declaration (`group_name`, `cluster_name`,
    /// `dns_name`), for cross-file errors about them. A field left to its default has no entry: such errors
    /// point at the declaration.
    pub field_locations: BTreeMap<String, Location>,
    /// Every name this declaration refers to, in the order written.
    pub references: Vec<Reference>,
    /// `adopt` and the like, common to every kind.
    pub lifecycle: crate::model::Lifecycle,
}

impl<T> Parsed<T> {
    /// Where a field was written, or where the declaration starts when the field took its default.
    pub fn field_location(&self, field: &str) -> &Location {
        self.field_locations.get(field).unwrap_or(&self.declared.location)
    }
}

/// A declaration that was found but failed its own checks. Its name still counts as declared, so that
/// references to it are not also reported as dangling; its own references are still checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub kind: Kind,
    pub name: String,
    /// `None` when the name was only recovered from a file with TOML syntax errors: such names are too
    /// uncertain to report as duplicates, they only keep references to them from being called dangling.
    pub location: Option<Location>,
    /// The references that could be read (only from files without syntax errors).
    pub references: Vec<Reference>,
}

/// The declarations of one file, parsed and checked on their own (no cross-file checks yet).
///
/// Each list is in declaration-name order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileDeclarations {
    pub file: PathBuf,
    pub vpcs: Vec<Parsed<Vpc>>,
    pub security_groups: Vec<Parsed<SecurityGroup>>,
    pub clusters: Vec<Parsed<Cluster>>,
    pub namespaces: Vec<Parsed<Namespace>>,
    pub roles: Vec<Parsed<Role>>,
    pub log_groups: Vec<Parsed<LogGroup>>,
    pub services: Vec<Parsed<Service>>,
    pub instances: Vec<Parsed<Instance>>,
    pub load_balancers: Vec<Parsed<SharedLoadBalancer>>,
    /// Declarations that failed their own checks. Always empty in what [`crate::parse_file`] returns; filled by
    /// [`crate::parse_file_partial`].
    pub invalid: Vec<Invalid>,
    /// Problems that do not stop the file from being used (an image without a tag), sorted by position. They
    /// are displayed like errors. Found in valid and invalid declarations alike; none when the file has TOML
    /// syntax errors.
    pub warnings: Vec<SpecError>,
}

impl FileDeclarations {
    /// An empty set of declarations for `file`.
    pub fn new(file: impl Into<PathBuf>) -> Self {
        FileDeclarations { file: file.into(), ..Default::default() }
    }

    /// Number of valid declarations of every kind (warnings do not count).
    pub fn len(&self) -> usize {
        self.vpcs.len()
            + self.security_groups.len()
            + self.clusters.len()
            + self.namespaces.len()
            + self.roles.len()
            + self.log_groups.len()
            + self.services.len()
            + self.instances.len()
            + self.load_balancers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
