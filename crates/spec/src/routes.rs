//! Cross-file checks of shared load balancers and the services routed through them: two routes on one load
//! balancer may not share a priority (the listener would refuse the second rule), and a load balancer needs
//! subnets in at least two zones.

use std::collections::BTreeMap;

use crate::assemble::valid_by_name;
use crate::declarations::{FileDeclarations, Kind, Parsed};
use crate::error::SpecError;
use crate::model::{SharedLoadBalancer, Vpc};

pub(crate) fn check(files: &[FileDeclarations], errors: &mut Vec<SpecError>) {
    let mut taken: BTreeMap<(&str, u32), String> = BTreeMap::new();
    for service in files.iter().flat_map(|file| &file.services) {
        let Some(route) = &service.declared.spec.route else { continue };
        let location = service.field_location("route.priority");
        let key = (route.load_balancer.as_str(), route.priority);
        match taken.get(&key) {
            Some(first) => errors.push(SpecError::at(
                location,
                format!("{}.{}.route.priority", Kind::Service, service.declared.name),
                format!(
                    "priority {} is already taken on load balancer `{}` by {first}: each route needs its own",
                    route.priority, route.load_balancer
                ),
            )),
            None => {
                taken.insert(key, format!("service `{}` ({location})", service.declared.name));
            }
        }
    }
    let vpcs: BTreeMap<&str, &Parsed<Vpc>> = valid_by_name(files.iter().flat_map(|file| &file.vpcs));
    for balancer in files.iter().flat_map(|file| &file.load_balancers) {
        let Some(vpc) = vpcs.get(balancer.declared.spec.vpc.as_str()) else { continue };
        let zones = vpc.declared.spec.availability_zones.count();
        if zones < 2 {
            errors.push(zone_error(balancer, &vpc.declared.name, zones));
        }
    }
}

fn zone_error(balancer: &Parsed<SharedLoadBalancer>, vpc: &str, zones: usize) -> SpecError {
    SpecError::at(
        balancer.field_location("vpc"),
        format!("{}.{}.vpc", Kind::LoadBalancer, balancer.declared.name),
        format!("a load balancer needs subnets in at least 2 availability zones, and vpc `{vpc}` has {zones}"),
    )
}
