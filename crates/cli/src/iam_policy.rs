//! `reconciler iam-policy`: the IAM policy the declared resources need, printed as JSON. No AWS call: the
//! policy follows from the files alone (`reconciler_aws::permissions` says how).

use std::collections::BTreeSet;

use reconciler_aws::permissions::{PolicyFor, policy};
use reconciler_plan::{Address, adopts};

use crate::args::IamPolicyArgs;
use crate::exit;

/// Zones to expand the files with: the policy does not depend on which zones subnets go into, so these stand
/// in for the region's (plus any zone a file names).
const STAND_IN_ZONES: usize = 6;

pub fn run(args: &IamPolicyArgs) -> i32 {
    let desired = match crate::validate::load(&args.config_dir) {
        Ok(desired) => desired,
        Err(text) => {
            eprintln!("{text}");
            return exit::ERROR;
        }
    };
    let zones = stand_in_zones(&desired);
    let nodes = match reconciler_plan::expand(&desired, &zones, &args.owner_id) {
        Ok(nodes) => nodes,
        Err(err) => {
            eprintln!("error: {err}");
            return exit::ERROR;
        }
    };
    let adopting: BTreeSet<Address> =
        nodes.iter().filter(|n| adopts(&desired, &n.address)).map(|n| n.address.clone()).collect();
    let target = PolicyFor {
        nodes: &nodes,
        adopting: &adopting,
        owner_id: &args.owner_id,
        lease_table: args.lease_table.as_deref(),
    };
    println!("{}", serde_json::to_string_pretty(&policy(&target)).expect("a policy is JSON"));
    exit::OK
}

fn stand_in_zones(desired: &reconciler_spec::Desired) -> Vec<String> {
    let mut zones: Vec<String> = desired
        .vpcs
        .values()
        .flat_map(|v| match &v.spec.availability_zones {
            reconciler_spec::AvailabilityZones::Named(names) => names.clone(),
            reconciler_spec::AvailabilityZones::Count(_) => Vec::new(),
        })
        .collect();
    zones.extend((1..=STAND_IN_ZONES).map(|i| format!("zone-{i}")));
    zones
}
