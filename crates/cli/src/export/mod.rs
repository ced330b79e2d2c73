//! `reconciler export --cluster NAME --out DIR`: desired-state files that reproduce what exists, for a stack made
//! by Copilot, CDK, ecs-cli or by hand. It reads (never writes) the cluster, its services with their task
//! definitions, Cloud Map services, load balancers and autoscaling, the roles and log groups they use, their
//! VPC with its subnets, gateways, route tables and security groups; and writes `platform.toml` and one file per
//! service, every declaration with `adopt = true`: the first pass over them takes the resources over (tags
//! them) and replaces nothing. Then it plans those files against what it read, as a pass would, and names on
//! standard error each thing the first pass would do besides adopting: what the schema cannot say.

mod check;
mod inventory;
mod network;
mod platform;
mod service;
mod toml_out;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use reconciler_plan::{Kind, NodeSpec, Observed, ObservedNode, Ref};

use crate::args::ExportArgs;
use crate::exit;
use inventory::Inventory;
use toml_out::Section;

pub async fn run(args: &ExportArgs, client: &reconciler_aws::ClientOptions) -> i32 {
    if let Err(err) = writable(&args.out, args.force) {
        eprintln!("error: {err}");
        return exit::ERROR;
    }
    let aws = reconciler_aws::Aws::from_env(client).await;
    let Some(region) = aws.region().map(str::to_string) else {
        eprintln!("error: no AWS region configured (set AWS_REGION or a profile's region)");
        return exit::ERROR;
    };
    let observed = match reconciler_aws::export::read(&aws, &args.owner_id, &args.cluster, Default::default()).await {
        Ok(observed) => observed,
        Err(err) => {
            eprintln!("error: {err}");
            return exit::ERROR;
        }
    };
    let source = format!("cluster {} in {region} ({})", args.cluster, aws.endpoint());
    let mut inventory = Inventory::new(&observed, &args.owner_id);
    let files = match files(&mut inventory, args, &source) {
        Ok(files) => files,
        Err(err) => {
            eprintln!("error: {err}");
            return exit::ERROR;
        }
    };
    if let Err(err) = write(&args.out, &files) {
        eprintln!("error: {}: {err}", args.out.display());
        return exit::ERROR;
    }
    let differences = match check::first_pass(&aws, &args.out, &args.owner_id, &args.cluster).await {
        Ok(found) => found,
        Err(err) => {
            eprintln!("error: checking the exported files: {err}");
            return exit::ERROR;
        }
    };
    for note in inventory.notes.iter().chain(&differences) {
        eprintln!("note: {note}");
    }
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    println!("Exported {source} into {}: {}.", args.out.display(), names.join(", "));
    let calls = aws.calls();
    println!("{} API calls ({} mutating).", calls.total(), calls.mutating());
    if differences.is_empty() {
        println!("The first pass over them adopts every resource and changes nothing else.");
    }
    exit::OK
}

/// Refuses an output directory that has files in it, unless `force` (then only our `*.toml` files are
/// overwritten; nothing is deleted).
fn writable(out: &Path, force: bool) -> Result<(), String> {
    match std::fs::read_dir(out).map(|mut entries| entries.next().is_some()) {
        Ok(true) if !force => Err(format!("{} is not empty; give --force to write into it anyway", out.display())),
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(format!("{}: {err}", out.display())),
    }
}

fn write(out: &Path, files: &BTreeMap<String, String>) -> std::io::Result<()> {
    std::fs::create_dir_all(out)?;
    for (name, text) in files {
        std::fs::write(out.join(name), text)?;
    }
    Ok(())
}

/// The files to write, by name: `platform.toml` and one per service.
fn files(inventory: &mut Inventory, args: &ExportArgs, source: &str) -> Result<BTreeMap<String, String>, String> {
    let observed = inventory.observed;
    let cluster = find_cluster(observed, &args.cluster)?;
    let services: Vec<&ObservedNode> = inventory
        .of_kind(Kind::Service)
        .into_iter()
        .filter(|s| matches!(&s.spec, NodeSpec::Service(spec) if spec.cluster == Ref::Aws(cluster.id.clone())))
        .collect();
    let vpc = find_vpc(inventory, &services, args.vpc.as_deref())?;
    let header = header(source);
    let mut platform: Vec<Section> = Vec::new();
    let (vpc_section, subnet_groups) = network::vpc(inventory, vpc);
    let vpc_name = inventory.named(Kind::Vpc, &vpc.id).expect("named");
    platform.push(vpc_section);
    let mut parts = Vec::new();
    for service in services {
        let name = match &service.spec {
            NodeSpec::Service(s) => s.service_name.clone(),
            _ => continue,
        };
        if inventory.unowned(service, &format!("service {name}")) {
            parts.push(service::Parts::find(inventory, service));
        }
    }
    let lb_groups: BTreeSet<String> =
        parts.iter().filter_map(|p| p.balancer.as_ref()?.group.map(|g| g.id.clone())).collect();
    network::name_security_groups(inventory, vpc, &lb_groups);
    platform.extend(network::security_group_sections(inventory, &lb_groups));
    if inventory.unowned(cluster, &format!("cluster {}", args.cluster)) {
        platform.push(platform::cluster(inventory, cluster));
    }
    platform.extend(namespaces(inventory, &parts, &vpc_name));
    let (roles, shared_logs, own_logs) = used_by(inventory, &parts);
    for role in roles {
        platform.push(platform::role(inventory, role));
    }
    let shared: Vec<Section> = shared_logs.into_iter().map(|g| platform::log_group(inventory, g)).collect();
    platform.extend(shared);
    let mut files = BTreeMap::from([("platform.toml".to_string(), toml_out::render(&header, &platform))]);
    for part in &parts {
        let own_logs = own_logs.get(&part.service.id).map_or(&[][..], Vec::as_slice);
        if let Some((name, sections)) = service_file(inventory, part, own_logs, &subnet_groups, &vpc_name) {
            files.insert(format!("{name}.toml"), toml_out::render(&header, &sections));
        }
    }
    Ok(files)
}

/// A service's file: its own log groups, then the service; with the service's declaration name.
fn service_file(
    inventory: &mut Inventory,
    part: &service::Parts,
    own_logs: &[&ObservedNode],
    subnet_groups: &network::SubnetGroups,
    vpc_name: &str,
) -> Option<(String, Vec<Section>)> {
    let mut sections: Vec<Section> = own_logs.iter().map(|g| platform::log_group(inventory, g)).collect();
    sections.extend(service::sections(inventory, part, subnet_groups, vpc_name));
    Some((inventory.named(Kind::Service, &part.service.id)?, sections))
}

/// Says what the files are, where from and when; and how to use them.
fn header(source: &str) -> Vec<String> {
    vec![
        format!("Exported by `reconciler export` from {source} at {}.", utc_now()),
        "Every declaration says `adopt = true`: the first pass takes the existing resources over (tags them as ours)"
            .to_string(),
        "and replaces nothing. Check with `reconciler --config-dir DIR --once --dry-run`. Schema: docs/schema.md."
            .to_string(),
    ]
}

fn find_cluster<'a>(observed: &'a Observed, name: &str) -> Result<&'a ObservedNode, String> {
    observed
        .nodes
        .iter()
        .find(|n| matches!(&n.spec, NodeSpec::Cluster(c) if c.cluster_name == name))
        .ok_or_else(|| format!("no ECS cluster named `{name}` was found"))
}

/// The VPC asked for, or the one the services' subnets are in.
fn find_vpc<'a>(
    inventory: &Inventory<'a>,
    services: &[&ObservedNode],
    wanted: Option<&str>,
) -> Result<&'a ObservedNode, String> {
    let vpc_of_subnet = |subnet: &Ref| match inventory.resolve(subnet).map(|s| &s.spec) {
        Some(NodeSpec::Subnet(s)) => Some(s.vpc.to_string()),
        _ => None,
    };
    let used: BTreeSet<String> = services
        .iter()
        .filter_map(|s| match &s.spec {
            NodeSpec::Service(spec) => Some(spec.subnets.iter().filter_map(vpc_of_subnet).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect();
    let id = match (wanted, used.len()) {
        (Some(id), _) => id.to_string(),
        (None, 1) => used.into_iter().next().expect("one VPC"),
        (None, 0) => return Err("the cluster has no service in a VPC: say which VPC with --vpc".to_string()),
        (None, _) => {
            return Err(format!("the cluster's services are in several VPCs ({used:?}): choose one with --vpc"));
        }
    };
    inventory.get(&id).filter(|n| n.kind() == Kind::Vpc).ok_or_else(|| format!("no VPC {id} was found"))
}

/// The namespaces the services register in.
fn namespaces(inventory: &mut Inventory, parts: &[service::Parts], vpc: &str) -> Vec<Section> {
    let ids: BTreeSet<String> = parts
        .iter()
        .filter_map(|p| match &p.discovery?.spec {
            NodeSpec::DiscoveryService(d) => Some(d.namespace.to_string()),
            _ => None,
        })
        .collect();
    let mut sections = Vec::new();
    for id in ids {
        let Some(namespace) = inventory.get(&id) else { continue };
        if inventory.unowned(namespace, &format!("namespace {id}")) {
            sections.push(platform::namespace(inventory, namespace, vpc));
        }
    }
    sections
}

/// What the services' task definitions use: the roles, the log groups several services share (they go in
/// `platform.toml`), and each service's own log groups (in its file).
type Used<'a> = (Vec<&'a ObservedNode>, Vec<&'a ObservedNode>, BTreeMap<String, Vec<&'a ObservedNode>>);

fn used_by<'a>(inventory: &mut Inventory<'a>, parts: &[service::Parts<'a>]) -> Used<'a> {
    let mut roles: BTreeMap<String, &ObservedNode> = BTreeMap::new();
    let mut logs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for part in parts {
        let Some(NodeSpec::TaskDefinition(task)) = part.task_definition.map(|t| &t.spec) else { continue };
        for role in std::iter::once(&task.execution_role).chain(&task.task_role) {
            if let Some(found) = inventory.resolve(role) {
                roles.insert(found.id.clone(), found);
            }
        }
        let groups = task.logs.iter().chain(task.sidecars.iter().filter_map(|s| s.logs.as_ref()));
        for group in groups {
            logs.entry(group.group_name.clone()).or_default().insert(part.service.id.clone());
        }
    }
    let mut kept_roles = Vec::new();
    for role in roles.into_values() {
        if inventory.unowned(role, &format!("role {}", role.id)) {
            kept_roles.push(role);
        }
    }
    let (mut shared, mut own) = (Vec::new(), BTreeMap::<String, Vec<&ObservedNode>>::new());
    for (group_name, users) in logs {
        let found = inventory
            .of_kind(Kind::LogGroup)
            .into_iter()
            .find(|g| matches!(&g.spec, NodeSpec::LogGroup(l) if l.group_name == group_name));
        let Some(group) = found else {
            inventory.note(format!("log group {group_name} does not exist: not declared (the first pass creates it)"));
            continue;
        };
        if !inventory.unowned(group, &format!("log group {group_name}")) {
            continue;
        }
        match users.iter().collect::<Vec<_>>().as_slice() {
            [only] => own.entry((*only).clone()).or_default().push(group),
            _ => shared.push(group),
        }
    }
    (kept_roles, shared, own)
}

/// The current time as RFC 3339 UTC, to the second (`2025-01-31T12:00:00Z`).
fn utc_now() -> String {
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    rfc3339(seconds)
}

/// Seconds since the epoch as RFC 3339 UTC.
fn rfc3339(seconds: u64) -> String {
    reconciler_aws::logs::utc_seconds(i64::try_from(seconds).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_header_time_is_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_210_096), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn export_refuses_a_directory_with_files_unless_forced() {
        let dir = std::env::temp_dir().join(format!("reconciler-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(writable(&dir, false).is_ok(), "an empty directory");
        std::fs::write(dir.join("x.toml"), "").unwrap();
        assert!(writable(&dir, false).unwrap_err().contains("--force"));
        assert!(writable(&dir, true).is_ok());
        assert!(writable(&dir.join("absent"), false).is_ok(), "made when missing");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
