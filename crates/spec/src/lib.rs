//! Desired state: TOML files in a directory -> validated [`Desired`].
//!
//! Two stages, so that every problem is found before anything runs:
//! 1. [`parse_file`]: one file's TOML -> its [`FileDeclarations`], checking syntax, unknown kinds and fields,
//!    types and per-declaration values (CIDRs, ports, names, subnets against their VPC, derived subnet CIDRs).
//!    Errors carry file, line, column and the field's path.
//! 2. [`assemble`]: all files' declarations -> [`Desired`], checking what spans files: duplicate names and AWS
//!    identities, references to undeclared resources, security group references across VPCs and in cycles.
//!
//! Warnings (problems that do not stop anything, like an image without a tag) are kept apart from errors, in
//! [`FileDeclarations::warnings`] and [`Desired::warnings`], in the same form.
//!
//! [`load_dir`] runs both over a directory and returns every error of every file at once. The daemon (a later
//! layer) calls the stages itself so that it can keep a file's last good version when a new edit of it is
//! invalid. The schema is documented in `docs/schema.md`.
//!
//! Modules, one job each: `reader` walks the spanned TOML tree and records errors without stopping; `parse`
//! reads one file (a module per kind); `checks` holds the rules for single values; `subnets` derives subnet
//! CIDRs like CDK; `assemble` does the cross-file checks; `files` reads a directory.

mod assemble;
mod capacity;
mod checks;
mod declarations;
mod error;
mod files;
pub mod model;
mod parse;
mod reader;
mod routes;
pub mod schema;
pub mod service_roles;
mod subnets;

pub use assemble::assemble;
pub use declarations::{FileDeclarations, Invalid, Kind, Parsed, Reference};
pub use error::{SpecError, escaped_path, readable, sort_errors};
pub use files::{desired_files, is_desired_file_name, load_dir, read_desired_file};
pub use model::*;
pub use parse::{parse_file, parse_file_partial};
pub use subnets::derived_subnets;
