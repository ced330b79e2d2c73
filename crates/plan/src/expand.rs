//! Declarations -> the AWS resources that implement them.
//!
//! A `[vpc.main]` declaration becomes a VPC, an internet gateway, a public and a private subnet per zone,
//! elastic IPs and NAT gateways, a public route table and a private one per zone. The other kinds map one to
//! one. Names of the derived resources are stable, so that a later pass finds the same resources again.

use std::collections::{BTreeMap, BTreeSet};

use reconciler_spec::{AvailabilityZones, Desired, NatGateways, Peer, Rule, Tags};

use crate::certificates::FoundCertificates;
use crate::node::{Node, Ref};
use crate::ownership::{DELETION_POLICY_KEY, RETAIN, ownership_tags};
use crate::secrets::FoundSecrets;
use crate::{Address, Kind, PlanError};
use crate::{
    ClusterSpec, ElasticIpSpec, InternetGatewaySpec, NamespaceSpec, NatGatewaySpec, NodeSpec, Route, RouteTableSpec,
    RouteTarget, SecurityGroupSpec, SgPeer, SgRule, SubnetSpec, VpcSpec,
};

/// The zones a VPC uses, given the region's zones.
fn zones(vpc_name: &str, wanted: &AvailabilityZones, region_zones: &[String]) -> Result<Vec<String>, PlanError> {
    match wanted {
        AvailabilityZones::Count(n) if *n <= region_zones.len() => Ok(region_zones[..*n].to_vec()),
        AvailabilityZones::Count(n) => {
            Err(PlanError::NotEnoughZones { vpc: vpc_name.to_string(), wanted: *n, available: region_zones.to_vec() })
        }
        AvailabilityZones::Named(names) => match names.iter().find(|z| !region_zones.contains(z)) {
            Some(missing) => Err(PlanError::UnknownZone {
                vpc: vpc_name.to_string(),
                zone: missing.clone(),
                available: region_zones.to_vec(),
            }),
            None => Ok(names.clone()),
        },
    }
}

/// [`expand_with_secrets`] with no parameter, secret or certificate found: a secret's `valueFrom` is then its
/// name, a certificate named by domain has no ARN.
pub fn expand(desired: &Desired, region_zones: &[String], owner_id: &str) -> Result<Vec<Node>, PlanError> {
    expand_with_secrets(desired, region_zones, owner_id, &FoundSecrets::new(), &FoundCertificates::new())
}

/// Builds the desired nodes of every declaration, in no particular order.
pub fn expand_with_secrets(
    desired: &Desired,
    region_zones: &[String],
    owner_id: &str,
    secrets: &FoundSecrets,
    certificates: &FoundCertificates,
) -> Result<Vec<Node>, PlanError> {
    let mut nodes = Vec::new();
    let mut push =
        |address: Address, spec: NodeSpec, name_tag: Option<String>, declared: &Tags, after: Vec<Address>| {
            nodes.push(node(owner_id, address, spec, name_tag, declared, after));
        };

    for (name, declared) in &desired.vpcs {
        let vpc = &declared.spec;
        let zones = zones(name, &vpc.availability_zones, region_zones)?;
        let vpc_address = Address::new(Kind::Vpc, name);
        let vpc_ref = Ref::Node(vpc_address.clone());
        push(
            vpc_address.clone(),
            NodeSpec::Vpc(VpcSpec {
                cidr: vpc.cidr,
                enable_dns_support: vpc.enable_dns_support,
                enable_dns_hostnames: vpc.enable_dns_hostnames,
            }),
            Some(name.clone()),
            &vpc.tags,
            vec![],
        );
        let igw = Address::child(Kind::InternetGateway, name, "igw");
        push(
            igw.clone(),
            NodeSpec::InternetGateway(InternetGatewaySpec { vpc: Some(vpc_ref.clone()) }),
            Some(format!("{name}-igw")),
            &vpc.tags,
            vec![],
        );

        let subnet = |group: &str, i: usize| Address::child(Kind::Subnet, name, &format!("{group}-{}", i + 1));
        for (group, cidrs, public) in [("public", &vpc.public_subnets, true), ("private", &vpc.private_subnets, false)]
        {
            for (i, (cidr, zone)) in cidrs.iter().zip(&zones).enumerate() {
                push(
                    subnet(group, i),
                    NodeSpec::Subnet(SubnetSpec {
                        vpc: vpc_ref.clone(),
                        cidr: *cidr,
                        availability_zone: zone.clone(),
                        map_public_ip_on_launch: public,
                    }),
                    Some(format!("{name}-{group}-{}", i + 1)),
                    &vpc.tags,
                    vec![],
                );
            }
        }

        let nat_count = match vpc.nat_gateways {
            NatGateways::None => 0,
            NatGateways::One => 1,
            NatGateways::OnePerAz => zones.len(),
        };
        let nat = |i: usize| Address::child(Kind::NatGateway, name, &format!("nat-{}", i + 1));
        for i in 0..nat_count {
            let eip = Address::child(Kind::ElasticIp, name, &format!("nat-{}", i + 1));
            push(
                eip.clone(),
                NodeSpec::ElasticIp(ElasticIpSpec),
                Some(format!("{name}-nat-{}", i + 1)),
                &vpc.tags,
                vec![],
            );
            push(
                nat(i),
                NodeSpec::NatGateway(NatGatewaySpec {
                    subnet: Ref::Node(subnet("public", i)),
                    allocation: Ref::Node(eip),
                }),
                Some(format!("{name}-nat-{}", i + 1)),
                &vpc.tags,
                // A NAT gateway only forwards traffic once its VPC has an internet gateway attached.
                vec![igw.clone()],
            );
        }

        let default_route = "0.0.0.0/0".parse().expect("valid CIDR literal");
        push(
            Address::child(Kind::RouteTable, name, "public"),
            NodeSpec::RouteTable(RouteTableSpec {
                vpc: vpc_ref.clone(),
                routes: BTreeSet::from([Route {
                    destination: default_route,
                    target: RouteTarget::Gateway(Ref::Node(igw.clone())),
                }]),
                subnets: (0..zones.len()).map(|i| Ref::Node(subnet("public", i))).collect(),
            }),
            Some(format!("{name}-public")),
            &vpc.tags,
            vec![],
        );
        for i in 0..zones.len() {
            let routes = match nat_count {
                0 => BTreeSet::new(),
                // One NAT gateway serves every zone; one per zone serves its own.
                1 => BTreeSet::from([Route {
                    destination: default_route,
                    target: RouteTarget::NatGateway(Ref::Node(nat(0))),
                }]),
                _ => BTreeSet::from([Route {
                    destination: default_route,
                    target: RouteTarget::NatGateway(Ref::Node(nat(i))),
                }]),
            };
            push(
                Address::child(Kind::RouteTable, name, &format!("private-{}", i + 1)),
                NodeSpec::RouteTable(RouteTableSpec {
                    vpc: vpc_ref.clone(),
                    routes,
                    subnets: BTreeSet::from([Ref::Node(subnet("private", i))]),
                }),
                Some(format!("{name}-private-{}", i + 1)),
                &vpc.tags,
                vec![],
            );
        }
    }

    for (name, declared) in &desired.security_groups {
        let group = &declared.spec;
        let address = Address::new(Kind::SecurityGroup, name);
        let rules = |rules: &[Rule]| -> BTreeSet<SgRule> { rules.iter().map(|r| sg_rule(r, &address)).collect() };
        let egress = match &group.egress {
            Some(rules_declared) => rules(rules_declared),
            None => BTreeSet::from([allow_all_egress()]),
        };
        push(
            address.clone(),
            NodeSpec::SecurityGroup(SecurityGroupSpec {
                vpc: Ref::Node(Address::new(Kind::Vpc, &group.vpc)),
                group_name: group.group_name.clone(),
                description: group.description.clone(),
                ingress: rules(&group.ingress),
                egress,
            }),
            Some(group.group_name.clone()),
            &group.tags,
            vec![],
        );
    }

    for (name, declared) in &desired.clusters {
        let cluster = &declared.spec;
        push(
            Address::new(Kind::Cluster, name),
            NodeSpec::Cluster(ClusterSpec {
                cluster_name: cluster.cluster_name.clone(),
                container_insights: cluster.container_insights,
            }),
            None,
            &cluster.tags,
            vec![],
        );
    }

    for (name, declared) in &desired.namespaces {
        let namespace = &declared.spec;
        push(
            Address::new(Kind::Namespace, name),
            NodeSpec::Namespace(NamespaceSpec {
                dns_name: namespace.dns_name.clone(),
                vpc: Ref::Node(Address::new(Kind::Vpc, &namespace.vpc)),
                description: namespace.description.clone(),
            }),
            None,
            &namespace.tags,
            vec![],
        );
    }

    crate::expand_workload::expand_workload(desired, owner_id, secrets, certificates, &mut nodes);
    // A retained declaration's resources say so themselves: when the declaration is gone, that is all there is.
    for node in &mut nodes {
        let (kind, name) = declaration_of(&node.address);
        if desired.lifecycles.get(&(kind, name.to_string())).is_some_and(|l| l.retain) {
            node.tags.insert(DELETION_POLICY_KEY.to_string(), RETAIN.to_string());
        }
    }
    Ok(nodes)
}

/// The declaration a resource comes from: its kind of declaration, and its name (the address's first segment).
pub fn declaration_of(address: &Address) -> (reconciler_spec::Kind, &str) {
    let (first, rest) = match address.name.split_once('/') {
        Some((first, child)) => (first, Some(child)),
        None => (address.name.as_str(), None),
    };
    (address.kind.declared_by(rest), first)
}

/// A node with its tags: the declared ones, a `Name` where AWS consoles show one, and our ownership tags.
pub(crate) fn node(
    owner_id: &str,
    address: Address,
    spec: NodeSpec,
    name_tag: Option<String>,
    declared: &Tags,
    after: Vec<Address>,
) -> Node {
    let mut tags: BTreeMap<String, String> = declared.clone();
    if let Some(name) = name_tag {
        tags.entry("Name".to_string()).or_insert(name);
    }
    tags.extend(ownership_tags(owner_id, &address));
    Node { address, spec, tags, after }
}

/// AWS's default egress rule, which every new security group gets: all traffic to anywhere.
pub fn allow_all_egress() -> SgRule {
    SgRule {
        protocol: reconciler_vocabulary::Protocol::All,
        ports: None,
        peer: SgPeer::Cidr("0.0.0.0/0".parse().expect("valid CIDR literal")),
        description: None,
    }
}

fn sg_rule(rule: &Rule, own_address: &Address) -> SgRule {
    let peer = match &rule.peer {
        Peer::Cidr(cidr) => SgPeer::Cidr(*cidr),
        Peer::ItSelf => SgPeer::Group(Ref::Node(own_address.clone())),
        Peer::Group(name) => SgPeer::Group(Ref::Node(Address::new(Kind::SecurityGroup, name))),
    };
    SgRule { protocol: rule.protocol, ports: rule.ports, peer, description: rule.description.clone() }
}
