//! Stage 2: every file's declarations -> one [`Desired`], checking what spans files: duplicate names and AWS
//! identities, references to undeclared resources, security group references across VPCs and in cycles,
//! namespaces in VPCs without DNS, services and instances whose security groups or namespace are in another
//! VPC, instance roles without an instance profile, and load balancers in VPCs of one zone.

use std::collections::{BTreeMap, BTreeSet};

use crate::checks;
use crate::declarations::{FileDeclarations, Invalid, Kind, Parsed, Reference};
use crate::error::{SpecError, sort_errors};
use crate::model::{Declared, Desired, Lifecycle, Location, Role, Vpc};

/// One declaration of any kind, valid or not, as the cross-file checks see it.
struct Entry<'a> {
    kind: Kind,
    name: &'a str,
    /// `None` for names recovered from a file with syntax errors.
    location: Option<&'a Location>,
    references: &'a [Reference],
}

impl<'a> Entry<'a> {
    fn of<T>(kind: Kind, parsed: &'a Parsed<T>) -> Self {
        Entry {
            kind,
            name: &parsed.declared.name,
            location: Some(&parsed.declared.location),
            references: &parsed.references,
        }
    }

    fn of_invalid(invalid: &'a Invalid) -> Self {
        Entry {
            kind: invalid.kind,
            name: &invalid.name,
            location: invalid.location.as_ref(),
            references: &invalid.references,
        }
    }

    /// The VPC a security group, namespace, service or instance says it is in.
    fn vpc(&self) -> Option<&'a str> {
        self.references.iter().find(|reference| reference.kind == Kind::Vpc).map(|reference| reference.name.as_str())
    }
}

/// Puts the declarations of every file together into a [`Desired`], after checking what spans files.
///
/// Declarations in [`FileDeclarations::invalid`] (from [`crate::parse_file_partial`]) take part in the checks
/// as far as they can: their names count as declared and their references are checked. Files are expected in
/// the order they are read (by name); "second" in a message about a duplicate means later in that order.
/// Returns every error found, sorted by file, line and column. The files' warnings go to
/// [`Desired::warnings`], sorted the same way.
pub fn assemble(files: Vec<FileDeclarations>) -> Result<Desired, Vec<SpecError>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    {
        let entries: Vec<Entry<'_>> = files.iter().flat_map(entries).collect();
        let first = first_declarations(&entries, &mut errors);
        check_references(&entries, &first, &mut errors);
        check_same_vpc(&entries, &first, &mut errors);
        check_cycles(&first, &mut errors);
        check_identities(&files, &mut errors);
        check_namespace_dns(&files, &mut errors);
        check_instance_roles(&entries, &files, &mut errors);
        check_load_balancer_zones(&files, &mut errors);
        crate::routes::check(&files, &mut errors);
        let roles = valid_by_name(files.iter().flat_map(|file| &file.roles));
        crate::service_roles::check(&files, &roles, &mut errors, &mut warnings);
        crate::capacity::check(&files, &mut warnings);
    }
    if !errors.is_empty() {
        sort_errors(&mut errors);
        return Err(errors);
    }
    let mut desired = Desired::default();
    for file in files {
        desired.lifecycles.extend(lifecycles(&file));
        insert(&mut desired.vpcs, file.vpcs);
        insert(&mut desired.security_groups, file.security_groups);
        insert(&mut desired.clusters, file.clusters);
        insert(&mut desired.namespaces, file.namespaces);
        insert(&mut desired.roles, file.roles);
        insert(&mut desired.log_groups, file.log_groups);
        insert(&mut desired.services, file.services);
        insert(&mut desired.instances, file.instances);
        insert(&mut desired.load_balancers, file.load_balancers);
        desired.warnings.extend(file.warnings);
    }
    desired.warnings.extend(warnings);
    sort_errors(&mut desired.warnings);
    Ok(desired)
}

fn insert<T>(map: &mut BTreeMap<String, Declared<T>>, parsed: Vec<Parsed<T>>) {
    for parsed in parsed {
        map.insert(parsed.declared.name.clone(), parsed.declared);
    }
}

/// The non-default lifecycles of a file's declarations (read before the declarations move into the maps).
fn lifecycles(file: &FileDeclarations) -> Vec<((Kind, String), Lifecycle)> {
    fn of<T>(kind: Kind, parsed: &[Parsed<T>]) -> impl Iterator<Item = ((Kind, String), Lifecycle)> + '_ {
        parsed
            .iter()
            .filter(|p| p.lifecycle != Lifecycle::default())
            .map(move |p| ((kind, p.declared.name.clone()), p.lifecycle))
    }
    of(Kind::Vpc, &file.vpcs)
        .chain(of(Kind::SecurityGroup, &file.security_groups))
        .chain(of(Kind::Cluster, &file.clusters))
        .chain(of(Kind::Namespace, &file.namespaces))
        .chain(of(Kind::Role, &file.roles))
        .chain(of(Kind::LogGroup, &file.log_groups))
        .chain(of(Kind::Service, &file.services))
        .chain(of(Kind::Instance, &file.instances))
        .chain(of(Kind::LoadBalancer, &file.load_balancers))
        .collect()
}

fn entries(file: &FileDeclarations) -> impl Iterator<Item = Entry<'_>> {
    let vpcs = file.vpcs.iter().map(|parsed| Entry::of(Kind::Vpc, parsed));
    let groups = file.security_groups.iter().map(|parsed| Entry::of(Kind::SecurityGroup, parsed));
    let clusters = file.clusters.iter().map(|parsed| Entry::of(Kind::Cluster, parsed));
    let namespaces = file.namespaces.iter().map(|parsed| Entry::of(Kind::Namespace, parsed));
    let roles = file.roles.iter().map(|parsed| Entry::of(Kind::Role, parsed));
    let log_groups = file.log_groups.iter().map(|parsed| Entry::of(Kind::LogGroup, parsed));
    let services = file.services.iter().map(|parsed| Entry::of(Kind::Service, parsed));
    let instances = file.instances.iter().map(|parsed| Entry::of(Kind::Instance, parsed));
    let load_balancers = file.load_balancers.iter().map(|parsed| Entry::of(Kind::LoadBalancer, parsed));
    let invalid = file.invalid.iter().map(Entry::of_invalid);
    vpcs.chain(groups)
        .chain(clusters)
        .chain(namespaces)
        .chain(roles)
        .chain(log_groups)
        .chain(services)
        .chain(instances)
        .chain(load_balancers)
        .chain(invalid)
}

fn field(kind: Kind, name: &str) -> String {
    format!("{kind}.{name}")
}

/// The first declaration of each kind and name (by location; names recovered from broken files last), after
/// reporting every later one as a duplicate.
fn first_declarations<'e, 'a>(
    entries: &'e [Entry<'a>],
    errors: &mut Vec<SpecError>,
) -> BTreeMap<(Kind, &'a str), &'e Entry<'a>> {
    let mut sorted: Vec<&Entry<'a>> = entries.iter().collect();
    // `None` sorts first in Option's order; put the located ones first instead.
    sorted.sort_by_key(|entry| (entry.location.is_none(), entry.location));
    let mut first: BTreeMap<(Kind, &'a str), &'e Entry<'a>> = BTreeMap::new();
    for entry in sorted {
        match first.get(&(entry.kind, entry.name)) {
            None => {
                first.insert((entry.kind, entry.name), entry);
            }
            Some(earlier) => {
                if let (Some(location), Some(earlier)) = (entry.location, earlier.location) {
                    errors.push(SpecError::at(
                        location,
                        field(entry.kind, entry.name),
                        format!("{} `{}` is declared twice: first at {earlier}", entry.kind, entry.name),
                    ));
                }
            }
        }
    }
    first
}

/// Every reference must name a declaration of its kind (valid or not).
fn check_references(entries: &[Entry<'_>], declared: &BTreeMap<(Kind, &str), &Entry<'_>>, errors: &mut Vec<SpecError>) {
    for reference in entries.iter().flat_map(|entry| entry.references) {
        if declared.contains_key(&(reference.kind, reference.name.as_str())) {
            continue;
        }
        let names = declared.keys().filter(|(kind, _)| *kind == reference.kind).map(|(_, name)| *name);
        let hint = match checks::closest(&reference.name, names) {
            Some(name) => format!(" (did you mean `{name}`?)"),
            None => String::new(),
        };
        errors.push(SpecError::at(
            &reference.location,
            reference.field.clone(),
            format!("no {} named `{}` is declared{hint}", reference.kind, reference.name),
        ));
    }
}

/// What a declaration names must be in its VPC: the security groups of a security group's rules, of a service
/// and of an instance, and a service's discovery namespace. A declaration whose own VPC is not declared is
/// left alone: that is reported already.
fn check_same_vpc(entries: &[Entry<'_>], declared: &BTreeMap<(Kind, &str), &Entry<'_>>, errors: &mut Vec<SpecError>) {
    for entry in entries {
        let Some(vpc) = entry.vpc() else { continue };
        if !declared.contains_key(&(Kind::Vpc, vpc)) {
            continue;
        }
        let (rule, kinds): (&str, &[Kind]) = match entry.kind {
            Kind::SecurityGroup => ("a rule can only name a group of the same VPC", &[Kind::SecurityGroup]),
            Kind::Service => (
                "a service's security groups, namespace and shared load balancer must be in its VPC",
                &[Kind::SecurityGroup, Kind::Namespace, Kind::LoadBalancer],
            ),
            Kind::Instance => ("an instance's security groups must be in its VPC", &[Kind::SecurityGroup]),
            _ => continue,
        };
        for reference in entry.references.iter().filter(|r| kinds.contains(&r.kind)) {
            let Some(target) = declared.get(&(reference.kind, reference.name.as_str())) else {
                continue;
            };
            if let Some(target_vpc) = target.vpc()
                && target_vpc != vpc
            {
                let what = match reference.kind {
                    Kind::SecurityGroup => "security group",
                    Kind::LoadBalancer => "load balancer",
                    _ => "namespace",
                };
                // Security groups have always said "`web`", without their kind.
                let owner = match entry.kind {
                    Kind::SecurityGroup => format!("`{}`", entry.name),
                    kind => format!("{kind} `{}`", entry.name),
                };
                errors.push(SpecError::at(
                    &reference.location,
                    reference.field.clone(),
                    format!(
                        "{what} `{}` is in vpc `{target_vpc}`, but {owner} is in vpc `{vpc}`: {rule}",
                        reference.name
                    ),
                ));
            }
        }
    }
}

/// Security groups whose rules name each other in a cycle: one error per strongly connected component,
/// at the first rule of the cycle through its smallest member. Groups are created in dependency order, a group
/// after the groups its rules name, and a cycle has no such order.
fn check_cycles(declared: &BTreeMap<(Kind, &str), &Entry<'_>>, errors: &mut Vec<SpecError>) {
    let groups: BTreeMap<&str, &Entry<'_>> = declared
        .iter()
        .filter(|((kind, _), _)| *kind == Kind::SecurityGroup)
        .map(|((_, name), entry)| (*name, *entry))
        .collect();
    // Edges in the order the references were written, to undeclared groups left out.
    let edges: BTreeMap<&str, Vec<&Reference>> = groups
        .iter()
        .map(|(name, entry)| {
            let targets = entry
                .references
                .iter()
                .filter(|r| r.kind == Kind::SecurityGroup && groups.contains_key(r.name.as_str()))
                .collect();
            (*name, targets)
        })
        .collect();
    for component in strongly_connected(&edges) {
        if component.len() < 2 {
            continue;
        }
        let members: BTreeSet<&str> = component.iter().copied().collect();
        let start = *members.first().expect("two members or more");
        let cycle = cycle_through(start, &members, &edges);
        let first_edge = edges[start].iter().find(|r| r.name == cycle[1]).expect("the cycle's first step is an edge");
        let path = cycle.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(" -> ");
        let mut message = format!("security group rules reference each other in a cycle: {path}");
        if members.len() + 1 > cycle.len() {
            let all: Vec<String> = members.iter().map(|name| format!("`{name}`")).collect();
            message.push_str(&format!(" (the cycle joins {})", all.join(", ")));
        }
        message.push_str("; a group can only name groups that do not name it back");
        errors.push(SpecError::at(&first_edge.location, first_edge.field.clone(), message));
    }
}

/// Tarjan's algorithm: the strongly connected components of the graph, each as its member names.
fn strongly_connected<'a>(edges: &BTreeMap<&'a str, Vec<&Reference>>) -> Vec<Vec<&'a str>> {
    struct State<'a> {
        next_index: usize,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        components: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(node: &'a str, edges: &BTreeMap<&'a str, Vec<&Reference>>, state: &mut State<'a>) {
        state.index.insert(node, state.next_index);
        state.low.insert(node, state.next_index);
        state.next_index += 1;
        state.stack.push(node);
        state.on_stack.insert(node);
        for reference in &edges[node] {
            let (&target, _) = edges.get_key_value(reference.name.as_str()).expect("edges lead to groups");
            if !state.index.contains_key(target) {
                visit(target, edges, state);
                let low = state.low[node].min(state.low[target]);
                state.low.insert(node, low);
            } else if state.on_stack.contains(target) {
                let low = state.low[node].min(state.index[target]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut component = Vec::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack.remove(member);
                component.push(member);
                if member == node {
                    break;
                }
            }
            state.components.push(component);
        }
    }
    let mut state = State {
        next_index: 0,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for &node in edges.keys() {
        if !state.index.contains_key(node) {
            visit(node, edges, &mut state);
        }
    }
    state.components
}

/// The shortest cycle from `start` back to itself inside `members` (breadth-first, edges in written order),
/// as its names with `start` at both ends.
fn cycle_through<'a>(
    start: &'a str,
    members: &BTreeSet<&'a str>,
    edges: &BTreeMap<&'a str, Vec<&Reference>>,
) -> Vec<&'a str> {
    let mut came_from: BTreeMap<&'a str, &'a str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for reference in &edges[node] {
            let Some(&target) = members.get(reference.name.as_str()) else {
                continue;
            };
            if target == start {
                let mut cycle = vec![start, node];
                let mut at = node;
                while at != start {
                    at = came_from[at];
                    cycle.push(at);
                }
                cycle.reverse();
                return cycle;
            }
            if target != start && !came_from.contains_key(target) {
                came_from.insert(target, node);
                queue.push_back(target);
            }
        }
    }
    unreachable!("every member of a strongly connected component is on a cycle through the others")
}

/// Names AWS needs unique: cluster names, namespace DNS names, and group names within a VPC.
fn check_identities(files: &[FileDeclarations], errors: &mut Vec<SpecError>) {
    fn check<'a, K: Ord>(
        what: &str,
        kind: Kind,
        field: &str,
        items: impl Iterator<Item = (K, String, &'a Location, &'a str)>,
        errors: &mut Vec<SpecError>,
    ) {
        let mut items: Vec<_> = items.collect();
        items.sort_by(|a, b| a.2.cmp(b.2));
        let mut seen: BTreeMap<K, (&Location, &str)> = BTreeMap::new();
        for (key, shown, location, name) in items {
            if let Some((first_location, first_name)) = seen.get(&key) {
                // Two declarations of the same name are already reported as such.
                if *first_name != name {
                    errors.push(SpecError::at(
                        location,
                        format!("{kind}.{name}.{field}"),
                        format!("{what} {shown} is already used by {kind} `{first_name}` ({first_location})"),
                    ));
                }
            } else {
                seen.insert(key, (location, name));
            }
        }
    }
    let clusters = files.iter().flat_map(|file| &file.clusters);
    check(
        "cluster name",
        Kind::Cluster,
        "cluster_name",
        clusters.map(|p| {
            let name = &p.declared.spec.cluster_name;
            (name.clone(), format!("`{name}`"), p.field_location("cluster_name"), p.declared.name.as_str())
        }),
        errors,
    );
    let namespaces = files.iter().flat_map(|file| &file.namespaces);
    check(
        "DNS name",
        Kind::Namespace,
        "dns_name",
        namespaces.map(|p| {
            let name = &p.declared.spec.dns_name;
            (name.clone(), format!("`{name}`"), p.field_location("dns_name"), p.declared.name.as_str())
        }),
        errors,
    );
    let groups = files.iter().flat_map(|file| &file.security_groups);
    check(
        "group name",
        Kind::SecurityGroup,
        "group_name",
        groups.map(|p| {
            let spec = &p.declared.spec;
            let shown = format!("`{}` in vpc `{}`", spec.group_name, spec.vpc);
            (
                (spec.vpc.clone(), spec.group_name.clone()),
                shown,
                p.field_location("group_name"),
                p.declared.name.as_str(),
            )
        }),
        errors,
    );
    // IAM role names are unique regardless of case.
    let roles = files.iter().flat_map(|file| &file.roles);
    check(
        "role name",
        Kind::Role,
        "role_name",
        roles.map(|p| {
            let name = &p.declared.spec.role_name;
            (name.to_ascii_lowercase(), format!("`{name}`"), p.field_location("role_name"), p.declared.name.as_str())
        }),
        errors,
    );
    let log_groups = files.iter().flat_map(|file| &file.log_groups);
    check(
        "log group name",
        Kind::LogGroup,
        "group_name",
        log_groups.map(|p| {
            let name = &p.declared.spec.group_name;
            (name.clone(), format!("`{name}`"), p.field_location("group_name"), p.declared.name.as_str())
        }),
        errors,
    );
    let services = || files.iter().flat_map(|file| &file.services);
    check(
        "service name",
        Kind::Service,
        "service_name",
        services().map(|p| {
            let spec = &p.declared.spec;
            let shown = format!("`{}` in cluster `{}`", spec.service_name, spec.cluster);
            (
                (spec.cluster.clone(), spec.service_name.clone()),
                shown,
                p.field_location("service_name"),
                p.declared.name.as_str(),
            )
        }),
        errors,
    );
    check(
        "load balancer name",
        Kind::Service,
        "load_balancer.name",
        services().filter_map(|p| {
            let lb = p.declared.spec.load_balancer.as_ref()?;
            let shown = format!("`{}`", lb.name);
            Some((lb.name.clone(), shown, p.field_location("load_balancer.name"), p.declared.name.as_str()))
        }),
        errors,
    );
    check(
        "discovery name",
        Kind::Service,
        "discovery.name",
        services().filter_map(|p| {
            let discovery = p.declared.spec.discovery.as_ref()?;
            let shown = format!("`{}` in namespace `{}`", discovery.name, discovery.namespace);
            Some((
                (discovery.namespace.clone(), discovery.name.clone()),
                shown,
                p.field_location("discovery.name"),
                p.declared.name.as_str(),
            ))
        }),
        errors,
    );
}

/// A Cloud Map private DNS namespace is a Route 53 private hosted zone, which only answers in a VPC with DNS
/// support and DNS hostnames.
fn check_namespace_dns(files: &[FileDeclarations], errors: &mut Vec<SpecError>) {
    let vpcs = valid_by_name(files.iter().flat_map(|file| &file.vpcs));
    for namespace in files.iter().flat_map(|file| &file.namespaces) {
        let Some(vpc) = vpcs.get(namespace.declared.spec.vpc.as_str()) else {
            continue;
        };
        let spec = &vpc.declared.spec;
        if !(spec.enable_dns_support && spec.enable_dns_hostnames) {
            let reference =
                namespace.references.iter().find(|r| r.kind == Kind::Vpc).expect("a namespace refers to its vpc");
            errors.push(SpecError::at(
                &reference.location,
                reference.field.clone(),
                format!(
                    "vpc `{}` has DNS support or DNS hostnames turned off; a private DNS namespace needs both",
                    vpc.declared.name
                ),
            ));
        }
    }
}

/// Valid declarations by name; of two of the same name (an error reported already), the first file's.
pub(crate) fn valid_by_name<'a, T: 'a>(
    parsed: impl Iterator<Item = &'a Parsed<T>>,
) -> BTreeMap<&'a str, &'a Parsed<T>> {
    let mut map = BTreeMap::new();
    for parsed in parsed {
        map.entry(parsed.declared.name.as_str()).or_insert(parsed);
    }
    map
}

/// An instance's role must come with an instance profile: that is what EC2 takes.
fn check_instance_roles(entries: &[Entry<'_>], files: &[FileDeclarations], errors: &mut Vec<SpecError>) {
    let roles: BTreeMap<&str, &Parsed<Role>> = valid_by_name(files.iter().flat_map(|file| &file.roles));
    for entry in entries.iter().filter(|entry| entry.kind == Kind::Instance) {
        for reference in entry.references.iter().filter(|r| r.kind == Kind::Role) {
            let Some(role) = roles.get(reference.name.as_str()) else { continue };
            if !role.declared.spec.instance_profile {
                errors.push(SpecError::at(
                    &reference.location,
                    reference.field.clone(),
                    format!(
                        "role `{}` has no instance profile, which an instance needs: set `instance_profile = true` \
                         on it ({})",
                        reference.name, role.declared.location
                    ),
                ));
            }
        }
    }
}

/// An application load balancer needs subnets in at least two availability zones.
fn check_load_balancer_zones(files: &[FileDeclarations], errors: &mut Vec<SpecError>) {
    let vpcs: BTreeMap<&str, &Parsed<Vpc>> = valid_by_name(files.iter().flat_map(|file| &file.vpcs));
    for service in files.iter().flat_map(|file| &file.services) {
        let spec = &service.declared.spec;
        let (Some(_), Some(vpc)) = (&spec.load_balancer, vpcs.get(spec.network.vpc.as_str())) else {
            continue;
        };
        let zones = vpc.declared.spec.availability_zones.count();
        if zones < 2 {
            errors.push(SpecError::at(
                service.field_location("load_balancer"),
                format!("{}.{}.load_balancer", Kind::Service, service.declared.name),
                format!(
                    "a load balancer needs subnets in at least 2 availability zones, and vpc `{}` has {zones}",
                    vpc.declared.name
                ),
            ));
        }
    }
}
