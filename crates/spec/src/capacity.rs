//! Capacity sense (a warning, across files): whether a VPC's subnets have the addresses for what is declared in
//! them. Each Fargate task takes one address of its subnets (awsvpc), and during a deployment up to
//! `maximum_percent` of its count run at once; a load balancer wants 8 free addresses in each of its subnets; a
//! NAT gateway or an instance takes one. The files are valid either way, but a rollout or a scale-out past the
//! limit fails in AWS with no free address, long after the change was reviewed.

use std::collections::BTreeMap;

use ipnet::Ipv4Net;

use crate::declarations::{FileDeclarations, Parsed};
use crate::error::SpecError;
use crate::model::{NatGateways, Scheme, SubnetGroup, Vpc};

/// Addresses AWS reserves in every subnet: the network, the router, DNS, one for future use, broadcast.
const RESERVED_PER_SUBNET: u64 = 5;
/// Free addresses an application load balancer needs in each of its subnets.
const LOAD_BALANCER_PER_SUBNET: u64 = 8;

/// What may take addresses in one subnet group of one VPC.
#[derive(Default)]
struct Demand {
    addresses: u64,
    /// (what, addresses), for the message.
    by: Vec<(String, u64)>,
}

impl Demand {
    fn add(&mut self, what: String, addresses: u64) {
        if addresses > 0 {
            self.addresses += addresses;
            self.by.push((what, addresses));
        }
    }
}

pub(crate) fn check(files: &[FileDeclarations], warnings: &mut Vec<SpecError>) {
    let vpcs: BTreeMap<&str, &Parsed<Vpc>> =
        files.iter().flat_map(|f| &f.vpcs).map(|v| (v.declared.name.as_str(), v)).collect();
    let demand = demand(files, &vpcs);
    for ((vpc_name, group), demand) in demand {
        let Some(vpc) = vpcs.get(vpc_name) else { continue };
        let subnets = subnets(&vpc.declared.spec, group);
        let capacity: u64 = subnets.iter().map(usable_addresses).sum();
        if demand.addresses <= capacity {
            continue;
        }
        let field_name = if group == SubnetGroup::Private { "private_subnets" } else { "public_subnets" };
        let mut by = demand.by;
        by.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let largest: Vec<String> = by.iter().take(3).map(|(what, n)| format!("{what}: {n}")).collect();
        let more = if by.len() > 3 { format!(", and {} more", by.len() - 3) } else { String::new() };
        let message = format!(
            "the {} subnets of this VPC have {capacity} addresses ({} subnets, less the {RESERVED_PER_SUBNET} AWS \
             reserves in each), and what is declared in them can need {} at once ({}{more}): a deployment or a \
             scale-out would fail for want of addresses; give the VPC a larger cidr or set larger {field_name}",
            group_word(group),
            subnets.len(),
            demand.addresses,
            largest.join(", "),
        );
        let field = format!("vpc.{vpc_name}.{field_name}");
        warnings.push(SpecError::at(vpc.field_location(field_name), field, message));
    }
}

fn demand<'f>(
    files: &'f [FileDeclarations],
    vpcs: &BTreeMap<&str, &'f Parsed<Vpc>>,
) -> BTreeMap<(&'f str, SubnetGroup), Demand> {
    let mut demand: BTreeMap<(&str, SubnetGroup), Demand> = BTreeMap::new();
    let zones = |vpc: &str| vpcs.get(vpc).map_or(0, |v| v.declared.spec.private_subnets.len() as u64);
    for service in files.iter().flat_map(|f| &f.services) {
        let (name, spec) = (&service.declared.name, &service.declared.spec);
        let count = spec.autoscaling.as_ref().map_or(spec.desired_count, |a| a.max_capacity);
        let peak = (u64::from(count) * u64::from(spec.deployment.maximum_percent)).div_ceil(100);
        let group = demand.entry((spec.network.vpc.as_str(), spec.network.subnets)).or_default();
        group.add(format!("service.{name} up to {peak} tasks"), peak);
        if let Some(load_balancer) = &spec.load_balancer {
            let group = demand.entry((spec.network.vpc.as_str(), scheme_group(load_balancer.scheme))).or_default();
            group.add(
                format!("its load balancer {}", load_balancer.name),
                LOAD_BALANCER_PER_SUBNET * zones(&spec.network.vpc),
            );
        }
    }
    for shared in files.iter().flat_map(|f| &f.load_balancers) {
        let spec = &shared.declared.spec;
        let group = demand.entry((spec.vpc.as_str(), scheme_group(spec.scheme))).or_default();
        group.add(format!("load_balancer.{}", shared.declared.name), LOAD_BALANCER_PER_SUBNET * zones(&spec.vpc));
    }
    for instance in files.iter().flat_map(|f| &f.instances) {
        let spec = &instance.declared.spec;
        demand
            .entry((spec.vpc.as_str(), spec.subnets))
            .or_default()
            .add(format!("instance.{}", instance.declared.name), 1);
    }
    for vpc in vpcs.values() {
        let nat = match vpc.declared.spec.nat_gateways {
            NatGateways::None => 0,
            NatGateways::One => 1,
            NatGateways::OnePerAz => vpc.declared.spec.public_subnets.len() as u64,
        };
        demand.entry((vpc.declared.name.as_str(), SubnetGroup::Public)).or_default().add("NAT gateways".into(), nat);
    }
    demand
}

fn subnets(vpc: &Vpc, group: SubnetGroup) -> &[Ipv4Net] {
    match group {
        SubnetGroup::Private => &vpc.private_subnets,
        SubnetGroup::Public => &vpc.public_subnets,
    }
}

fn usable_addresses(subnet: &Ipv4Net) -> u64 {
    (1u64 << (32 - u32::from(subnet.prefix_len()))).saturating_sub(RESERVED_PER_SUBNET)
}

fn scheme_group(scheme: Scheme) -> SubnetGroup {
    match scheme {
        Scheme::InternetFacing => SubnetGroup::Public,
        Scheme::Internal => SubnetGroup::Private,
    }
}

fn group_word(group: SubnetGroup) -> &'static str {
    match group {
        SubnetGroup::Private => "private",
        SubnetGroup::Public => "public",
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::{assemble, parse_file};

    const PLATFORM: &str = r#"
[vpc.main]
cidr = "10.0.0.0/24"
availability_zones = 3

[security_group.services]
vpc = "main"
description = "services"

[cluster.main]

[role.exec]
trusted_service = "ecs-tasks.amazonaws.com"
managed_policies = ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
"#;

    fn service(name: &str, count: u32) -> String {
        format!(
            "[service.{name}]\ncluster = \"main\"\nimage = \"nginx:1.27\"\nport = 80\nvpc = \"main\"\n\
             security_groups = [\"services\"]\nexecution_role = \"exec\"\ndesired_count = {count}\n"
        )
    }

    fn warnings(services: &str) -> Vec<String> {
        let files = vec![
            parse_file(Path::new("platform.toml"), PLATFORM).unwrap(),
            parse_file(Path::new("services.toml"), services).unwrap(),
        ];
        let desired = assemble(files).unwrap();
        desired.warnings.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn tasks_that_fit_the_subnets_even_during_a_deployment_are_no_warning() {
        // 3 private /27 subnets: 3 × (32 - 5) = 81 addresses; 40 tasks at 200 % need 80.
        assert_eq!(warnings(&service("web", 40)), Vec::<String>::new());
    }

    #[test]
    fn tasks_that_cannot_all_have_an_address_are_a_warning_on_the_vpc() {
        let text = service("web", 30) + &service("api", 11);
        let warnings = warnings(&text);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let warning = &warnings[0];
        assert!(warning.starts_with("platform.toml:2:"), "{warning}");
        assert!(warning.contains("vpc.main.private_subnets"), "{warning}");
        assert!(warning.contains("have 81 addresses (3 subnets"), "{warning}");
        assert!(
            warning.contains("can need 82 at once (service.web up to 60 tasks: 60, service.api up to 22 tasks: 22)"),
            "{warning}"
        );
    }
}
