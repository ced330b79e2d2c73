//! Stage 1: one file's TOML -> its [`FileDeclarations`], with every problem found in the file.
//!
//! A file is a TOML document whose top-level tables are kinds (`vpc`, `security_group`, `cluster`,
//! `namespace`, `role`, `log_group`, `service`, `instance`, `load_balancer`) and whose second-level keys are declaration names: `[vpc.main]`. Each declaration is read field
//! by field (see [`crate::reader`]); one that adds no error is kept as a [`Parsed`] spec, the others as
//! [`Invalid`] so that their names still count as declared.

mod autoscaling;
mod cluster;
mod container;
mod https;
mod instance;
mod lifecycle;
mod load_balancer;
mod log_group;
mod namespace;
mod role;
mod route;
mod security_group;
mod service;
mod sidecar;
mod syntax;
mod tags;
mod values;
mod vpc;

use std::collections::BTreeMap;
use std::path::Path;

use toml::de::DeTable;

use crate::checks;
use crate::declarations::{FileDeclarations, Invalid, Kind, Parsed, Reference};
use crate::error::{SpecError, sort_errors};
use crate::model::{Declared, Lifecycle, Location};
use crate::reader::{Ctx, FieldPath, Read, Span, Table, Value, list, type_error};

/// Parses and checks one file on its own: syntax, unknown kinds and fields, types and values (CIDRs, ports,
/// names, subnets against their VPC, Fargate sizes, ...). Warnings are in [`FileDeclarations::warnings`]. References to other declarations are only checked by
/// [`crate::assemble`], since they may point into other files.
///
/// `file` is only used in errors and locations. Returns every error of the file, sorted by position, if there
/// is any.
pub fn parse_file(file: &Path, text: &str) -> Result<FileDeclarations, Vec<SpecError>> {
    let (declarations, errors) = parse_file_partial(file, text);
    if errors.is_empty() { Ok(declarations) } else { Err(errors) }
}

/// Like [`parse_file`], but also returns what could be used of a file with errors: the declarations that
/// passed their checks, and in [`FileDeclarations::invalid`] those that did not (their names, and the
/// references they make). [`crate::load_dir`] uses it so that one bad declaration neither hides the checks of
/// the others nor makes references to it look dangling.
///
/// When the file has TOML syntax errors, only those are reported: the parser's recovery is too rough to check
/// fields against. The names it recovers are still returned as invalid declarations.
pub fn parse_file_partial(file: &Path, text: &str) -> (FileDeclarations, Vec<SpecError>) {
    let mut ctx = Ctx::new(file, text);
    let mut declarations = FileDeclarations::new(file);
    let (root, syntax_errors) = DeTable::parse_recoverable(text);
    if syntax_errors.is_empty() {
        read_document(&mut ctx, root.get_ref(), &mut declarations);
        // The tree iterates in key order unless some crate in the build turns on toml's `preserve_order`:
        // sort rather than depend on that.
        declarations.vpcs.sort_by(|a, b| a.declared.name.cmp(&b.declared.name));
        declarations.security_groups.sort_by(|a, b| a.declared.name.cmp(&b.declared.name));
        declarations.clusters.sort_by(|a, b| a.declared.name.cmp(&b.declared.name));
        declarations.namespaces.sort_by(|a, b| a.declared.name.cmp(&b.declared.name));
        declarations.roles.sort_by(|a, b| a.declared.name.cmp(&b.declared.name));
        declarations.log_groups.sort_by(|a, b| a.declared.name.cmp(&b.declared.name));
        declarations.services.sort_by(|a, b| a.declared.name.cmp(&b.declared.name));
        declarations.instances.sort_by(|a, b| a.declared.name.cmp(&b.declared.name));
        declarations.load_balancers.sort_by(|a, b| a.declared.name.cmp(&b.declared.name));
    } else {
        syntax::report(&mut ctx, root.get_ref(), &syntax_errors);
        declarations.invalid = syntax::recovered_names(root.get_ref());
    }
    let (mut errors, mut warnings) = ctx.into_parts();
    sort_errors(&mut errors);
    sort_errors(&mut warnings);
    declarations.warnings = warnings;
    (declarations, errors)
}

fn read_document(ctx: &mut Ctx<'_>, root: &DeTable<'_>, out: &mut FileDeclarations) {
    let kinds: Vec<&str> = Kind::ALL.iter().map(|kind| kind.key()).collect();
    for (kind_key, kind_value) in root.iter() {
        let path = FieldPath::default().key(kind_key.get_ref());
        let Some(kind) = Kind::from_key(kind_key.get_ref()) else {
            ctx.error(
                &kind_key.span(),
                &path,
                format!("unknown kind `{}`, expected one of {}", kind_key.get_ref(), list(&kinds)),
            );
            continue;
        };
        let Some(table) = kind_value.get_ref().as_table() else {
            type_error(ctx, kind_value, &path, &format!("a table of {kind} declarations ([{kind}.NAME])"));
            continue;
        };
        for (name, value) in table.iter() {
            read_declaration(ctx, kind, name.get_ref(), &name.span(), value, out);
        }
    }
}

/// What reading one declaration collects besides its spec.
pub(crate) struct Decl<'n> {
    pub(crate) kind: Kind,
    pub(crate) name: &'n str,
    /// Where the name is written (the key), for errors about defaults taken from it.
    pub(crate) name_span: Span,
    references: Vec<Reference>,
    field_locations: BTreeMap<String, Location>,
    lifecycle: Lifecycle,
}

impl Decl<'_> {
    /// Records that the field at `path` names a declaration of `kind`.
    pub(crate) fn reference(&mut self, ctx: &Ctx<'_>, kind: Kind, name: &str, value: &Value<'_>, path: &FieldPath) {
        self.reference_at(ctx, kind, name, &value.span(), path);
    }

    /// Like [`Decl::reference`], for a name written at `span`.
    pub(crate) fn reference_at(&mut self, ctx: &Ctx<'_>, kind: Kind, name: &str, span: &Span, path: &FieldPath) {
        self.references.push(Reference {
            field: path.as_str().to_string(),
            kind,
            name: name.to_string(),
            location: ctx.location(span),
        });
    }

    /// Records where a field was written, for cross-file errors about it (`field` relative to the declaration).
    pub(crate) fn remember(&mut self, ctx: &Ctx<'_>, field: &str, value: &Value<'_>) {
        self.field_locations.insert(field.to_string(), ctx.location(&value.span()));
    }
}

fn read_declaration(
    ctx: &mut Ctx<'_>,
    kind: Kind,
    name: &str,
    name_span: &Span,
    value: &Value<'_>,
    out: &mut FileDeclarations,
) {
    let errors_before = ctx.error_count();
    let path = FieldPath::default().key(kind.key()).key(name);
    // A declaration starts at its `[kind.name]` header, or at its name for `name = { ... }`.
    let location = ctx.index().location(name_span.start.min(value.span().start));
    if let Err(message) = checks::declaration_name(name) {
        ctx.error(name_span, &path, message);
    }
    let mut decl = Decl {
        kind,
        name,
        name_span: name_span.clone(),
        references: Vec::new(),
        field_locations: BTreeMap::new(),
        lifecycle: Lifecycle::default(),
    };
    // Also what a user sees who forgot the name: `[vpc]` then `cidr = ...`.
    let what = format!("a table (`[{kind}.NAME]` declares a {kind} named NAME)");
    let lifecycle_fields = if lifecycle::adoptable(kind) { lifecycle::ADOPTABLE_FIELDS } else { lifecycle::FIELDS };
    let read = |ctx: &mut Ctx<'_>, decl: &mut Decl<'_>, fields: &[&str]| {
        let allowed: Vec<&str> = fields.iter().chain(lifecycle_fields).copied().collect();
        let table = Table::new(ctx, value, path.clone(), &what, &allowed)?;
        decl.lifecycle = lifecycle::read(ctx, &table)?;
        Ok(table)
    };
    let valid = |ctx: &Ctx<'_>| ctx.error_count() == errors_before;
    match kind {
        Kind::Vpc => {
            let spec = read(ctx, &mut decl, vpc::FIELDS).and_then(|t| vpc::read(ctx, &mut decl, &t));
            keep(valid(ctx), spec, decl, location, &mut out.vpcs, &mut out.invalid);
        }
        Kind::SecurityGroup => {
            let spec =
                read(ctx, &mut decl, security_group::FIELDS).and_then(|t| security_group::read(ctx, &mut decl, &t));
            keep(valid(ctx), spec, decl, location, &mut out.security_groups, &mut out.invalid);
        }
        Kind::Cluster => {
            let spec = read(ctx, &mut decl, cluster::FIELDS).and_then(|t| cluster::read(ctx, &mut decl, &t));
            keep(valid(ctx), spec, decl, location, &mut out.clusters, &mut out.invalid);
        }
        Kind::Namespace => {
            let spec = read(ctx, &mut decl, namespace::FIELDS).and_then(|t| namespace::read(ctx, &mut decl, &t));
            keep(valid(ctx), spec, decl, location, &mut out.namespaces, &mut out.invalid);
        }
        Kind::Role => {
            let spec = read(ctx, &mut decl, role::FIELDS).and_then(|t| role::read(ctx, &mut decl, &t));
            keep(valid(ctx), spec, decl, location, &mut out.roles, &mut out.invalid);
        }
        Kind::LogGroup => {
            let spec = read(ctx, &mut decl, log_group::FIELDS).and_then(|t| log_group::read(ctx, &mut decl, &t));
            keep(valid(ctx), spec, decl, location, &mut out.log_groups, &mut out.invalid);
        }
        Kind::Service => {
            let spec = read(ctx, &mut decl, service::FIELDS).and_then(|t| service::read(ctx, &mut decl, &t));
            keep(valid(ctx), spec, decl, location, &mut out.services, &mut out.invalid);
        }
        Kind::Instance => {
            let spec = read(ctx, &mut decl, instance::FIELDS).and_then(|t| instance::read(ctx, &mut decl, &t));
            keep(valid(ctx), spec, decl, location, &mut out.instances, &mut out.invalid);
        }
        Kind::LoadBalancer => {
            let spec =
                read(ctx, &mut decl, load_balancer::FIELDS).and_then(|t| load_balancer::read(ctx, &mut decl, &t));
            keep(valid(ctx), spec, decl, location, &mut out.load_balancers, &mut out.invalid);
        }
    }
}

/// Files a declaration as valid when reading it found no problem, as invalid otherwise.
fn keep<T>(
    valid: bool,
    spec: Read<T>,
    decl: Decl<'_>,
    location: Location,
    parsed: &mut Vec<Parsed<T>>,
    invalid: &mut Vec<Invalid>,
) {
    match spec {
        Ok(spec) if valid => parsed.push(Parsed {
            declared: Declared { name: decl.name.to_string(), location, spec },
            field_locations: decl.field_locations,
            lifecycle: decl.lifecycle,
            references: decl.references,
        }),
        _ => invalid.push(Invalid {
            kind: decl.kind,
            name: decl.name.to_string(),
            location: Some(location),
            references: decl.references,
        }),
    }
}

/// The fields each table of a file allows, by the name of its definition in the JSON Schema
/// (`desired-state.schema.json`): the schema's test checks that the two agree.
#[cfg(test)]
pub(crate) fn fields_by_schema_definition() -> Vec<(&'static str, Vec<&'static str>)> {
    let declaration = |kind: Kind, fields: &[&'static str]| {
        let lifecycle = if lifecycle::adoptable(kind) { lifecycle::ADOPTABLE_FIELDS } else { lifecycle::FIELDS };
        fields.iter().chain(lifecycle).copied().collect()
    };
    vec![
        ("vpc", declaration(Kind::Vpc, vpc::FIELDS)),
        ("security_group", declaration(Kind::SecurityGroup, security_group::FIELDS)),
        ("security_group_rule", security_group::RULE_FIELDS.to_vec()),
        ("cluster", declaration(Kind::Cluster, cluster::FIELDS)),
        ("namespace", declaration(Kind::Namespace, namespace::FIELDS)),
        ("role", declaration(Kind::Role, role::FIELDS)),
        ("log_group", declaration(Kind::LogGroup, log_group::FIELDS)),
        ("service", declaration(Kind::Service, service::FIELDS)),
        ("instance", declaration(Kind::Instance, instance::FIELDS)),
        ("load_balancer", declaration(Kind::LoadBalancer, load_balancer::FIELDS)),
        ("logs", service::LOGS_FIELDS.to_vec()),
        ("discovery", service::DISCOVERY_FIELDS.to_vec()),
        ("deployment", service::DEPLOYMENT_FIELDS.to_vec()),
        ("service_load_balancer", service::LOAD_BALANCER_FIELDS.to_vec()),
        ("target_health_check", service::HEALTH_CHECK_FIELDS.to_vec()),
        ("https", https::FIELDS.to_vec()),
        ("route", route::FIELDS.to_vec()),
        ("container_health_check", container::HEALTH_CHECK_FIELDS.to_vec()),
        ("secret_reference", container::SECRET_FIELDS.to_vec()),
        ("sidecar", sidecar::FIELDS.to_vec()),
        ("autoscaling", autoscaling::FIELDS.to_vec()),
        ("target_tracking", autoscaling::TARGET_TRACKING_FIELDS.to_vec()),
        ("scheduled_action", autoscaling::SCHEDULED_FIELDS.to_vec()),
    ]
}
