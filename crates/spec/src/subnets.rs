//! Subnet CIDRs derived from the VPC CIDR, the way AWS CDK's `Vpc` derives them.
//!
//! CDK splits the VPC's addresses evenly among every subnet it still has to place: with `remaining` addresses
//! and `n` subnets, each gets the prefix `32 - floor(log2(floor(remaining / n)))`, and they are allocated one
//! after the other from the start of the range, public subnets first (in zone order), then private ones. So the
//! workshop's `10.0.0.0/24` over 3 zones gives six /27s: public `.0`, `.32`, `.64`, private `.96`, `.128`, `.160`.
//!
//! When only one of the two groups is written out, the other is derived the same way from the addresses after
//! the highest written subnet (an extension of ours: CDK has no explicit CIDRs, only masks). Its start is rounded
//! up to a multiple of the subnet size, as CDK's `CidrBlock` does. That never pushes the last subnet out: the
//! VPC ends on a multiple of the size, so the aligned blocks after the start number floor(remaining / size),
//! which is at least `n` because size <= remaining / n.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// The longest prefix (smallest subnet) AWS allows for a subnet.
pub(crate) const SMALLEST_SUBNET_PREFIX: u8 = 28;
/// The shortest prefix (largest subnet or VPC) AWS allows.
pub(crate) const LARGEST_PREFIX: u8 = 16;

/// The VPC has no room for the subnets that have to be derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NoRoom {
    /// How many subnets had to be derived.
    pub(crate) count: usize,
}

/// The prefix CDK gives each of `count` subnets sharing `remaining` addresses; `None` when that would be
/// smaller than a /28.
pub(crate) fn prefix_for_remaining(remaining: u64, count: usize) -> Option<u8> {
    let per_subnet = remaining / count.max(1) as u64;
    if per_subnet == 0 {
        return None;
    }
    // floor(log2(x)) of a non-zero integer: the index of its highest set bit.
    let prefix = 32 - i64::from(per_subnet.ilog2());
    let prefix = u8::try_from(prefix.max(0)).ok()?;
    (prefix <= SMALLEST_SUBNET_PREFIX).then_some(prefix)
}

fn first(net: Ipv4Net) -> u64 {
    u64::from(u32::from(net.network()))
}

fn last(net: Ipv4Net) -> u64 {
    u64::from(u32::from(net.broadcast()))
}

/// `count` consecutive subnets of one size inside `vpc`, the first starting at or after address `next`.
fn allocate(vpc: Ipv4Net, next: u64, count: usize) -> Option<Vec<Ipv4Net>> {
    let end = last(vpc);
    if next > end {
        return None;
    }
    let prefix = prefix_for_remaining(end - next + 1, count)?;
    let size = 1u64 << (32 - prefix);
    let start = next.div_ceil(size) * size;
    // Always true (see the module docs); checked rather than assumed so that a mistake is an error, not a
    // subnet outside its VPC.
    if start + size * count as u64 - 1 > end {
        return None;
    }
    let subnets = (0..count as u64)
        .map(|i| {
            let address = u32::try_from(start + i * size).expect("inside the VPC");
            Ipv4Net::new(Ipv4Addr::from(address), prefix).expect("prefix <= 28")
        })
        .collect();
    Some(subnets)
}

/// The public and private subnets of a VPC over `zones` availability zones: the given ones as they are, the
/// missing ones derived. Given lists are taken to be already checked (one per zone, inside the VPC, disjoint).
pub(crate) fn subnets(
    vpc: Ipv4Net,
    zones: usize,
    public: Option<Vec<Ipv4Net>>,
    private: Option<Vec<Ipv4Net>>,
) -> Result<(Vec<Ipv4Net>, Vec<Ipv4Net>), NoRoom> {
    let after = |given: &[Ipv4Net]| given.iter().map(|&net| last(net) + 1).max().unwrap_or(first(vpc));
    match (public, private) {
        (Some(public), Some(private)) => Ok((public, private)),
        (Some(public), None) => {
            let private = allocate(vpc, after(&public), zones).ok_or(NoRoom { count: zones })?;
            Ok((public, private))
        }
        (None, Some(private)) => {
            let public = allocate(vpc, after(&private), zones).ok_or(NoRoom { count: zones })?;
            Ok((public, private))
        }
        (None, None) => {
            let mut all = allocate(vpc, first(vpc), 2 * zones).ok_or(NoRoom { count: 2 * zones })?;
            let private = all.split_off(zones);
            Ok((all, private))
        }
    }
}

/// The public and private subnets a VPC of `zones` zones gets when the file gives neither list (as CDK derives
/// them); `None` when they would be smaller than AWS allows. `reconciler export` leaves the lists out of a
/// file when the live subnets are these.
pub fn derived_subnets(vpc: Ipv4Net, zones: usize) -> Option<(Vec<Ipv4Net>, Vec<Ipv4Net>)> {
    subnets(vpc, zones, None, None).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<Ipv4Net> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn derived(vpc: &str, zones: usize) -> (Vec<Ipv4Net>, Vec<Ipv4Net>) {
        subnets(vpc.parse().unwrap(), zones, None, None).unwrap()
    }

    #[test]
    fn prefix_follows_cdk_formula() {
        // 256 / 6 = 42 -> floor(log2(42)) = 5 -> /27.
        assert_eq!(prefix_for_remaining(256, 6), Some(27));
        assert_eq!(prefix_for_remaining(256, 4), Some(26));
        assert_eq!(prefix_for_remaining(256, 2), Some(25));
        assert_eq!(prefix_for_remaining(65536, 6), Some(19));
        assert_eq!(prefix_for_remaining(65536, 1), Some(16));
        assert_eq!(prefix_for_remaining(16, 1), Some(28));
        assert_eq!(prefix_for_remaining(16, 2), None);
        assert_eq!(prefix_for_remaining(0, 2), None);
    }

    #[test]
    fn workshop_vpc_over_three_zones() {
        let (public, private) = derived("10.0.0.0/24", 3);
        assert_eq!(public, nets(&["10.0.0.0/27", "10.0.0.32/27", "10.0.0.64/27"]));
        assert_eq!(private, nets(&["10.0.0.96/27", "10.0.0.128/27", "10.0.0.160/27"]));
    }

    #[test]
    fn two_zones_and_one_zone() {
        let (public, private) = derived("10.0.0.0/24", 2);
        assert_eq!(public, nets(&["10.0.0.0/26", "10.0.0.64/26"]));
        assert_eq!(private, nets(&["10.0.0.128/26", "10.0.0.192/26"]));
        let (public, private) = derived("10.0.0.0/24", 1);
        assert_eq!(public, nets(&["10.0.0.0/25"]));
        assert_eq!(private, nets(&["10.0.0.128/25"]));
    }

    #[test]
    fn cdk_default_vpc() {
        // CDK's default 10.0.0.0/16 over 3 zones: six /19s.
        let (public, private) = derived("10.0.0.0/16", 3);
        assert_eq!(public, nets(&["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"]));
        assert_eq!(private, nets(&["10.0.96.0/19", "10.0.128.0/19", "10.0.160.0/19"]));
    }

    #[test]
    fn too_small() {
        // 16 addresses cannot hold two subnets of at least /28.
        assert_eq!(subnets("10.0.0.0/28".parse().unwrap(), 1, None, None), Err(NoRoom { count: 2 }));
        // 32 addresses hold exactly two /28s.
        let (public, private) = derived("10.0.0.0/27", 1);
        assert_eq!((public, private), (nets(&["10.0.0.0/28"]), nets(&["10.0.0.16/28"])));
    }

    #[test]
    fn derives_after_the_highest_explicit_subnet() {
        let vpc = "10.0.0.0/24".parse().unwrap();
        let public = nets(&["10.0.0.0/26", "10.0.0.64/26"]);
        let (_, private) = subnets(vpc, 2, Some(public), None).unwrap();
        assert_eq!(private, nets(&["10.0.0.128/26", "10.0.0.192/26"]));

        let private = nets(&["10.0.0.0/28", "10.0.0.16/28", "10.0.0.32/28"]);
        // 208 addresses after .47: 69 each -> /26, aligned up to .64: .64, .128, .192.
        let (public, _) = subnets(vpc, 3, None, Some(private)).unwrap();
        assert_eq!(public, nets(&["10.0.0.64/26", "10.0.0.128/26", "10.0.0.192/26"]));

        // 96 addresses after .159: one /26 (64), aligned up from .160 to .192.
        let (_, private) = subnets(vpc, 1, Some(nets(&["10.0.0.144/28"])), None).unwrap();
        assert_eq!(private, nets(&["10.0.0.192/26"]));
        // The same 96 addresses for two: 48 each -> /27 at .160 and .192.
        let (_, private) = subnets(vpc, 2, Some(nets(&["10.0.0.128/28", "10.0.0.144/28"])), None).unwrap();
        assert_eq!(private, nets(&["10.0.0.160/27", "10.0.0.192/27"]));

        let full = nets(&["10.0.0.0/25", "10.0.0.128/25"]);
        assert_eq!(subnets(vpc, 2, Some(full), None), Err(NoRoom { count: 2 }));
    }

    #[test]
    fn derived_start_is_aligned_to_the_subnet_size() {
        // After 10.0.128.15 a /16 has 32752 addresses: 2 subnets -> 16376 each -> /19, the first one aligned up
        // to 10.0.160.0.
        let vpc: Ipv4Net = "10.0.0.0/16".parse().unwrap();
        let (_, private) = subnets(vpc, 2, Some(nets(&["10.0.128.0/28"])), None).unwrap();
        assert_eq!(private, nets(&["10.0.160.0/19", "10.0.192.0/19"]));
        let (_, private) = subnets(vpc, 1, Some(nets(&["10.0.128.0/28"])), None).unwrap();
        assert_eq!(private, nets(&["10.0.192.0/18"]));
    }

    #[test]
    fn aligned_derived_subnets_always_fit() {
        // The argument in the module docs, checked over every /28-aligned start of a /24 and a /20.
        for vpc in ["10.0.0.0/24", "10.0.0.0/20"] {
            let vpc: Ipv4Net = vpc.parse().unwrap();
            for next in (first(vpc)..=last(vpc)).step_by(16) {
                for count in 1..=6 {
                    let remaining = last(vpc) - next + 1;
                    let fits = allocate(vpc, next, count);
                    assert_eq!(fits.is_some(), prefix_for_remaining(remaining, count).is_some(), "{next} {count}");
                    for net in fits.unwrap_or_default() {
                        assert!(vpc.contains(&net) && first(net) >= next, "{net} {next} {count}");
                    }
                }
            }
        }
    }
}
