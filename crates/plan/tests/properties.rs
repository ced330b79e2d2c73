//! Property-style tests over generated platforms (a small deterministic generator, no extra crates): random
//! VPC CIDRs, zone counts and choices, NAT modes, security groups with rules between them, clusters and
//! namespaces.
//!
//! - a converged account always plans nothing, whatever order observation lists it in and whatever tags
//!   others added;
//! - an empty account always plans only creates, every one after everything it depends on;
//! - an account missing some resources plans their creation, and touches nothing else that does not refer to
//!   them (directly or through a replacement);
//! - plans are deterministic.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use common::*;
use reconciler_plan::ownership::RESOURCE_KEY;
use reconciler_plan::{ActionKind, Address, Observed, Plan, expand};

const CASES: u64 = 300;

/// xorshift64*: enough randomness for variations, and reproducible from the case number.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `low..=high`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.next() % items.len() as u64).unwrap()]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = usize::try_from(self.next() % (i as u64 + 1)).unwrap();
            items.swap(i, j);
        }
    }
}

/// One generated platform: its TOML, and the region it is planned in.
struct Case {
    toml: String,
    region_zones: usize,
}

fn generate(rng: &mut Rng) -> Case {
    let mut toml = String::new();
    let mut region_zones = 1;
    let vpc_count = rng.range(1, 2);
    let mut vpcs_with_dns = Vec::new();
    let mut groups_by_vpc: BTreeMap<String, Vec<String>> = BTreeMap::new();

    for v in 0..vpc_count {
        let name = ["main", "second"][usize::try_from(v).unwrap()];
        // A network address: the host part of the prefix is zero.
        let prefix = rng.range(16, 27);
        let second_octet = if v == 0 { rng.range(0, 127) } else { rng.range(128, 255) };
        let third_octet = if prefix <= 16 { 0 } else { rng.range(0, 255) & !((1 << (24 - prefix.min(24))) - 1) };
        let fourth_octet = if prefix <= 24 { 0 } else { rng.range(0, 255) & !((1 << (32 - prefix)) - 1) };
        // Every subnet must be at least a /28: 2 subnets per zone of 2^(32-prefix) addresses.
        let max_zones = (1u64 << (27 - prefix)).min(6);
        let zones_wanted = rng.range(1, max_zones);
        let extra_zones = rng.range(0, 2);
        region_zones = region_zones.max(usize::try_from(zones_wanted + extra_zones).unwrap());

        let _ = writeln!(toml, "[vpc.{name}]");
        let _ = writeln!(toml, "cidr = \"10.{second_octet}.{third_octet}.{fourth_octet}/{prefix}\"");
        if rng.chance(30) {
            // Named zones, picked from the region in a random order.
            let mut names = zones(usize::try_from(zones_wanted + extra_zones).unwrap());
            rng.shuffle(&mut names);
            names.truncate(usize::try_from(zones_wanted).unwrap());
            let quoted: Vec<String> = names.iter().map(|z| format!("\"{z}\"")).collect();
            let _ = writeln!(toml, "availability_zones = [{}]", quoted.join(", "));
        } else {
            let _ = writeln!(toml, "availability_zones = {zones_wanted}");
        }
        let _ = writeln!(toml, "nat_gateways = \"{}\"", rng.pick(&["none", "one", "one-per-az"]));
        let dns = rng.chance(70);
        if dns {
            vpcs_with_dns.push(name.to_string());
        } else if rng.chance(50) {
            let _ = writeln!(toml, "enable_dns_hostnames = false");
        } else {
            let _ = writeln!(toml, "enable_dns_support = false\nenable_dns_hostnames = false");
        }
        if rng.chance(50) {
            let _ = writeln!(toml, "tags = {{ Project = \"p{}\", Owner = \"team\" }}", rng.range(0, 9));
        }
        let _ = writeln!(toml);
        groups_by_vpc.insert(name.to_string(), Vec::new());
    }

    for g in 0..rng.range(0, 4) {
        let name = format!("group-{g}");
        let vpc = rng.pick(&groups_by_vpc.keys().cloned().collect::<Vec<_>>()).clone();
        let earlier = groups_by_vpc[&vpc].clone();
        let _ = writeln!(toml, "[security_group.{name}]");
        let _ = writeln!(toml, "vpc = \"{vpc}\"\ndescription = \"generated group {g}\"");
        if rng.chance(30) {
            let _ = writeln!(toml, "group_name = \"custom-{g}\"");
        }
        let rule = |rng: &mut Rng, i: u64| -> String {
            // Distinct ports per rule index, so that no two rules are duplicates.
            let port = 1000 * (i + 1) + rng.range(0, 999);
            let ports = match rng.range(0, 3) {
                0 => format!("protocol = \"tcp\", port = {port}"),
                1 => format!("protocol = \"udp\", from_port = {port}, to_port = {}", port + rng.range(0, 10)),
                2 => format!("protocol = \"tcp\", from_port = {port}, to_port = {port}"),
                _ => return format!("{{ protocol = \"all\", cidr = \"172.{}.0.0/16\" }}", 16 + i),
            };
            let peer = match rng.range(0, 2) {
                0 => format!("cidr = \"10.{}.0.0/16\"", rng.range(0, 255)),
                1 => "self = true".to_string(),
                _ if !earlier.is_empty() => format!("group = \"{}\"", rng.pick(&earlier)),
                _ => "cidr = \"0.0.0.0/0\"".to_string(),
            };
            let description = if rng.chance(30) { ", description = \"rule\"" } else { "" };
            format!("{{ {ports}, {peer}{description} }}")
        };
        let ingress: Vec<String> = (0..rng.range(0, 4)).map(|i| rule(rng, i)).collect();
        let _ = writeln!(toml, "ingress = [{}]", ingress.join(", "));
        match rng.range(0, 2) {
            0 => {}
            1 => {
                let _ = writeln!(toml, "egress = []");
            }
            _ => {
                let egress: Vec<String> = (0..rng.range(1, 3)).map(|i| rule(rng, i)).collect();
                let _ = writeln!(toml, "egress = [{}]", egress.join(", "));
            }
        }
        let _ = writeln!(toml);
        groups_by_vpc.get_mut(&vpc).unwrap().push(name);
    }

    for c in 0..rng.range(0, 2) {
        let _ = writeln!(toml, "[cluster.cluster-{c}]");
        let _ = writeln!(toml, "container_insights = {}", rng.chance(50));
        if rng.chance(30) {
            let _ = writeln!(toml, "cluster_name = \"named-{c}\"");
        }
        let _ = writeln!(toml);
    }

    if let Some(vpc) = vpcs_with_dns.first()
        && rng.chance(70)
    {
        let _ = writeln!(toml, "[namespace.service]\ndns_name = \"svc{}.local\"\nvpc = \"{vpc}\"", rng.range(0, 9));
        if rng.chance(50) {
            let _ = writeln!(toml, "description = \"generated\"");
        }
    }
    Case { toml, region_zones }
}

/// Each generated case, with its number (to reproduce a failure) and TOML (to read it).
fn cases() -> impl Iterator<Item = (u64, Case)> {
    (0..CASES).map(|n| (n, generate(&mut Rng::new(n + 1))))
}

fn describe(plan: &Plan) -> String {
    format!(
        "actions {:#?}\nconflicts {:?}\nnot declared {:?}",
        plan.actions.iter().map(|a| (a.address.to_string(), a.action, &a.reason)).collect::<Vec<_>>(),
        plan.conflicts,
        plan.not_declared
    )
}

#[test]
fn the_generator_covers_what_it_should() {
    let mut nat_modes = BTreeSet::new();
    let mut zone_counts = BTreeSet::new();
    let (mut named, mut groups, mut group_refs, mut namespaces) = (0, 0, 0, 0);
    for (_, case) in cases() {
        let desired = desired(&case.toml);
        for vpc in desired.vpcs.values() {
            nat_modes.insert(format!("{:?}", vpc.spec.nat_gateways));
            zone_counts.insert(vpc.spec.availability_zones.count());
            named += usize::from(matches!(vpc.spec.availability_zones, reconciler_spec::AvailabilityZones::Named(_)));
        }
        groups += desired.security_groups.len();
        group_refs += case.toml.matches("group = ").count();
        namespaces += desired.namespaces.len();
    }
    assert_eq!(nat_modes.len(), 3, "{nat_modes:?}");
    assert_eq!(zone_counts, (1..=6).collect(), "every zone count");
    assert!(
        named > 20 && groups > 100 && group_refs > 20 && namespaces > 50,
        "{named} {groups} {group_refs} {namespaces}"
    );
}

#[test]
fn a_converged_account_always_plans_nothing() {
    for (n, case) in cases() {
        let desired = desired(&case.toml);
        let mut rng = Rng::new(n + 1000);
        let mut observed = converged(&desired, &zones(case.region_zones));
        let plan = plan_ok(&desired, &observed);
        assert!(
            plan.actions.is_empty() && plan.conflicts.is_empty() && plan.not_declared.is_empty(),
            "case {n}:\n{}\n{}",
            case.toml,
            describe(&plan)
        );

        // Whatever order observation returns things in, and whatever tags others add.
        rng.shuffle(&mut observed.nodes);
        for node in &mut observed.nodes {
            if rng.chance(30) {
                node.tags.insert(format!("other-{}", rng.range(0, 3)), "x".to_string());
            }
        }
        let plan = plan_ok(&desired, &observed);
        assert!(
            plan.actions.is_empty() && plan.conflicts.is_empty() && plan.not_declared.is_empty(),
            "case {n}, shuffled:\n{}\n{}",
            case.toml,
            describe(&plan)
        );
    }
}

#[test]
fn an_empty_account_always_plans_creates_in_dependency_order() {
    for (n, case) in cases() {
        let desired = desired(&case.toml);
        let region = zones(case.region_zones);
        let plan =
            plan_ok(&desired, &Observed { availability_zones: region.clone(), nodes: vec![], ..Observed::default() });
        let nodes = expand(&desired, &region, OWNER).unwrap();

        assert_eq!(plan.actions.len(), nodes.len(), "case {n}: one create per resource\n{}", case.toml);
        assert!(plan.conflicts.is_empty() && plan.not_declared.is_empty(), "case {n}");
        let mut created: BTreeSet<&Address> = BTreeSet::new();
        for action in &plan.actions {
            assert_eq!(action.action, ActionKind::Create, "case {n}: {}", action.address);
            assert!(action.blocked_by.is_none(), "case {n}");
            // Everything is created, so every dependency is an action, and an earlier one.
            assert_eq!(
                action.depends_on,
                action.desired.dependencies().into_iter().collect::<Vec<_>>(),
                "case {n}: {}",
                action.address
            );
            for dependency in &action.depends_on {
                assert!(
                    created.contains(dependency),
                    "case {n}: {} comes before its dependency {dependency}\n{}",
                    action.address,
                    case.toml
                );
            }
            assert!(created.insert(&action.address), "case {n}: {} twice", action.address);
        }
    }
}

#[test]
fn an_account_missing_some_resources_recreates_them_and_touches_only_what_refers_to_them() {
    for (n, case) in cases() {
        let desired = desired(&case.toml);
        let mut rng = Rng::new(n + 2000);
        let mut observed = converged(&desired, &zones(case.region_zones));
        let mut removed: BTreeSet<Address> = BTreeSet::new();
        observed.nodes.retain(|node| {
            let keep = !rng.chance(15);
            if !keep {
                removed.insert(addr(&node.tags[RESOURCE_KEY]));
            }
            keep
        });

        let plan = plan_ok(&desired, &observed);
        let created: BTreeSet<Address> =
            plan.actions.iter().filter(|a| a.action == ActionKind::Create).map(|a| a.address.clone()).collect();
        assert_eq!(created, removed, "case {n}: exactly the missing resources are created\n{}", case.toml);
        assert!(plan.conflicts.is_empty() && plan.not_declared.is_empty(), "case {n}");

        // Anything else in the plan refers to something missing (its reference is now a dangling AWS id), or
        // to something replaced for that reason.
        let mut replaced: BTreeSet<&Address> = BTreeSet::new();
        for action in plan.actions.iter().filter(|a| a.action != ActionKind::Create) {
            let refers_to: BTreeSet<&Address> =
                action.desired.spec.references().into_iter().filter_map(|r| r.node()).collect();
            assert!(
                refers_to.iter().any(|a| removed.contains(*a) || replaced.contains(a)),
                "case {n}: {} ({:?}, {:?}) refers to nothing missing or replaced\n{}",
                action.address,
                action.action,
                action.reason,
                case.toml
            );
            if action.action == ActionKind::Replace {
                replaced.insert(&action.address);
            }
        }

        // Order: every action after the actions it depends on.
        for (i, action) in plan.actions.iter().enumerate() {
            for dependency in &action.depends_on {
                let at = plan.actions.iter().position(|a| &a.address == dependency).expect("dependency in plan");
                assert!(at < i, "case {n}: {} before its dependency {dependency}", action.address);
            }
        }
    }
}

#[test]
fn plans_are_deterministic() {
    for (n, case) in cases().take(100) {
        let desired = desired(&case.toml);
        let mut rng = Rng::new(n + 3000);
        let mut observed = converged(&desired, &zones(case.region_zones));
        // Some drift and some missing resources, so that the plan has something in it.
        observed.nodes.retain(|_| !rng.chance(10));
        for node in &mut observed.nodes {
            if rng.chance(10) {
                node.tags.remove("Name");
            }
        }
        let first = plan_ok(&desired, &observed);
        rng.shuffle(&mut observed.nodes);
        assert_eq!(plan_ok(&desired, &observed), first, "case {n}");
    }
}
