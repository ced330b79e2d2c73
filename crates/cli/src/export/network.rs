//! `[vpc.NAME]` from a live VPC, its subnets, gateways and route tables; `[security_group.NAME]` from the
//! groups in it. The schema derives a VPC's parts (a public and a private subnet per zone, the gateways, one
//! route table for the public subnets and one per private subnet): what the live VPC has beyond that shape is
//! not written, and the check after writing names what would change.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ipnet::Ipv4Net;
use reconciler_plan::{Kind, NodeSpec, ObservedNode, Ref, RouteTarget, SecurityGroupSpec, SgPeer, SgRule, VpcSpec};
use reconciler_vocabulary::Protocol;

use super::inventory::{Inventory, declarable_tags};
use super::toml_out::{Section, Value};

/// Which of the VPC's groups each subnet is in, for the services' `subnets`.
pub type SubnetGroups = HashMap<String, &'static str>;

/// The VPC declaration, and the group of each of its subnets.
pub fn vpc(inventory: &mut Inventory, vpc: &ObservedNode) -> (Section, SubnetGroups) {
    let NodeSpec::Vpc(spec) = &vpc.spec else { unreachable!("a VPC node") };
    let name = inventory.name(Kind::Vpc, &vpc.id, vpc.tags.get("Name").map_or("main", String::as_str));
    let public = public_subnets(inventory, vpc);
    let layout = Layout::of(inventory, vpc, &public);
    let mut section = Section::new(&["vpc", &name]);
    section.set("cidr", spec.cidr.to_string());
    let region_zones = &inventory.observed.availability_zones;
    let zones = &layout.zones;
    if region_zones.len() >= zones.len() && region_zones[..zones.len()] == zones[..] {
        section.set("availability_zones", Value::Int(zones.len() as i64));
    } else {
        section.set("availability_zones", Value::List(zones.iter().map(|z| z.as_str().into()).collect()));
    }
    let (public_cidrs, private_cidrs) = (layout.cidrs("public"), layout.cidrs("private"));
    if reconciler_spec::derived_subnets(spec.cidr, zones.len()) != Some((public_cidrs.clone(), private_cidrs.clone())) {
        let list = |cidrs: &[Ipv4Net]| Value::List(cidrs.iter().map(|c| c.to_string().into()).collect());
        section.set("public_subnets", list(&public_cidrs)).set("private_subnets", list(&private_cidrs));
    }
    section.set("nat_gateways", nat_gateways(inventory, vpc, &public, zones.len()));
    let VpcSpec { enable_dns_support, enable_dns_hostnames, .. } = spec;
    section.set("enable_dns_support", *enable_dns_support).set("enable_dns_hostnames", *enable_dns_hostnames);
    let mut tags = declarable_tags(&vpc.tags);
    // The declaration's name becomes the VPC's `Name` (and its parts' `NAME-public-1`, ...): declaring it
    // as a tag would give every part the VPC's name.
    tags.remove("Name");
    section.set_map("tags", &tags).set("adopt", true);
    (section, layout.groups)
}

/// A VPC's subnets as the schema lays them out: one public and one private per zone.
struct Layout {
    /// The zones with a public subnet, in name order (the order the schema lists subnets in).
    zones: Vec<String>,
    groups: SubnetGroups,
    /// Each subnet's CIDR, by group and zone.
    by_zone: BTreeMap<(&'static str, String), Ipv4Net>,
}

impl Layout {
    fn of(inventory: &mut Inventory, vpc: &ObservedNode, public: &BTreeSet<String>) -> Layout {
        let vpc_ref = Ref::Aws(vpc.id.clone());
        let mut layout = Layout { zones: vec![], groups: SubnetGroups::new(), by_zone: BTreeMap::new() };
        let mut zones = BTreeSet::new();
        for subnet in inventory.of_kind(Kind::Subnet) {
            let NodeSpec::Subnet(s) = &subnet.spec else { continue };
            if s.vpc != vpc_ref {
                continue;
            }
            let group = if public.contains(&subnet.id) { "public" } else { "private" };
            layout.groups.insert(subnet.id.clone(), group);
            if group == "public" {
                zones.insert(s.availability_zone.clone());
            }
            if layout.by_zone.insert((group, s.availability_zone.clone()), s.cidr).is_some() {
                inventory.note(format!(
                    "vpc {}: more than one {group} subnet in {}: the schema has one per zone; only one is declared",
                    vpc.id, s.availability_zone
                ));
            }
        }
        layout.zones = zones.into_iter().collect();
        layout
    }

    /// The group's CIDRs in zone order.
    fn cidrs(&self, group: &'static str) -> Vec<Ipv4Net> {
        self.zones.iter().filter_map(|z| self.by_zone.get(&(group, z.clone())).copied()).collect()
    }
}

/// The subnets whose route table sends 0.0.0.0/0 to an internet gateway: public ones.
fn public_subnets(inventory: &Inventory, vpc: &ObservedNode) -> BTreeSet<String> {
    let vpc_ref = Ref::Aws(vpc.id.clone());
    let mut public = BTreeSet::new();
    for table in inventory.of_kind(Kind::RouteTable) {
        let NodeSpec::RouteTable(t) = &table.spec else { continue };
        let to_internet =
            t.routes.iter().any(|r| r.destination.prefix_len() == 0 && matches!(r.target, RouteTarget::Gateway(_)));
        if t.vpc == vpc_ref && to_internet {
            public.extend(t.subnets.iter().map(ToString::to_string));
        }
    }
    public
}

/// `"none"`, `"one"` or `"one-per-az"`, from the NAT gateways in the VPC's public subnets.
fn nat_gateways(inventory: &mut Inventory, vpc: &ObservedNode, public: &BTreeSet<String>, zones: usize) -> Value {
    let count = inventory
        .of_kind(Kind::NatGateway)
        .iter()
        .filter(|n| matches!(&n.spec, NodeSpec::NatGateway(g) if public.contains(&g.subnet.to_string())))
        .count();
    match count {
        0 => "none".into(),
        1 => "one".into(),
        n if n == zones => "one-per-az".into(),
        n => {
            inventory.note(format!(
                "vpc {}: {n} NAT gateways over {zones} zones: the schema has one or one per zone",
                vpc.id
            ));
            "one".into()
        }
    }
}

/// The groups to declare: those in the VPC, but its default group (AWS's own, which cannot be created) and
/// the load balancers' groups (`skip`: a service's `load_balancer` makes its own).
pub fn name_security_groups(inventory: &mut Inventory, vpc: &ObservedNode, skip: &BTreeSet<String>) {
    let vpc_ref = Ref::Aws(vpc.id.clone());
    for group in inventory.of_kind(Kind::SecurityGroup) {
        let NodeSpec::SecurityGroup(spec) = &group.spec else { continue };
        if spec.vpc != vpc_ref || skip.contains(&group.id) {
            continue;
        }
        if spec.group_name == "default" {
            inventory
                .note(format!("security group {} (default): a VPC's default group is AWS's: not exported", group.id));
            continue;
        }
        if inventory.unowned(group, &format!("security group {}", spec.group_name)) {
            inventory.name(Kind::SecurityGroup, &group.id, &spec.group_name);
        }
    }
}

/// The `[security_group.NAME]` sections of the named groups. Rules admitting a load balancer's group
/// (`load_balancer_groups`) are left out: a service's `load_balancer` adds that rule itself.
pub fn security_group_sections(inventory: &mut Inventory, load_balancer_groups: &BTreeSet<String>) -> Vec<Section> {
    let mut sections = Vec::new();
    for group in inventory.of_kind(Kind::SecurityGroup) {
        let (Some(name), NodeSpec::SecurityGroup(spec)) =
            (inventory.named(Kind::SecurityGroup, &group.id), &group.spec)
        else {
            continue;
        };
        let mut section = Section::new(&["security_group", &name]);
        let SecurityGroupSpec { vpc, group_name, description, ingress, egress } = spec;
        let vpc_name = inventory.named_ref(Kind::Vpc, vpc).unwrap_or_default();
        section.set("vpc", vpc_name).set("description", description.as_str());
        section.set_unless("group_name", group_name.as_str(), name.as_str());
        let rules = |inventory: &mut Inventory, rules: &BTreeSet<SgRule>, direction: &str| -> Vec<Section> {
            rules
                .iter()
                .filter(|r| !matches!(&r.peer, SgPeer::Group(Ref::Aws(id)) if load_balancer_groups.contains(id)))
                .filter_map(|r| rule(inventory, &group.id, r, &name, direction))
                .collect()
        };
        let ingress_rules = rules(inventory, ingress, "ingress");
        let all_out = *egress == BTreeSet::from([reconciler_plan::allow_all_egress()]);
        let egress_rules = if all_out { vec![] } else { rules(inventory, egress, "egress") };
        if egress.is_empty() {
            section.set("egress", Value::List(vec![]));
        }
        section.set_map("tags", &declarable_tags(&group.tags)).set("adopt", true);
        sections.push(section);
        sections.extend(ingress_rules);
        sections.extend(egress_rules);
    }
    sections
}

/// One rule as `[[security_group.NAME.DIRECTION]]`; `None` (and a note) for a peer the files cannot name.
fn rule(inventory: &mut Inventory, own_id: &str, rule: &SgRule, name: &str, direction: &str) -> Option<Section> {
    let mut section = Section::array(&["security_group", name, direction]);
    section.set("protocol", protocol(rule.protocol));
    if let Some(ports) = rule.ports.filter(|_| matches!(rule.protocol, Protocol::Tcp | Protocol::Udp)) {
        if ports.from == ports.to {
            section.set("port", ports.from);
        } else {
            section.set("from_port", ports.from).set("to_port", ports.to);
        }
    }
    match &rule.peer {
        SgPeer::Cidr(cidr) => section.set("cidr", cidr.to_string()),
        SgPeer::Group(Ref::Aws(id)) if id == own_id => section.set("self", true),
        SgPeer::Group(peer) => match inventory.named_ref(Kind::SecurityGroup, peer) {
            Some(peer_name) => section.set("group", peer_name),
            None => {
                inventory.note(format!(
                    "security group {own_id}: {direction} rule `{rule}` names group {peer}, which is not exported: left out"
                ));
                return None;
            }
        },
    };
    section.set_some("description", rule.description.as_deref());
    Some(section)
}

fn protocol(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Icmp => "icmp",
        Protocol::All => "all",
    }
}
