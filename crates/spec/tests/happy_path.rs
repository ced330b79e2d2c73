//! Valid desired state: what it parses into, defaults, derived and explicit subnets, several files.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{load, parse_ok};
use ipnet::Ipv4Net;
use reconciler_spec::{
    AvailabilityZones, Cluster, Declared, Desired, Location, Namespace, NatGateways, Peer, PortRange, Protocol, Role,
    Rule, SecurityGroup, Tags, Vpc, assemble, parse_file,
};

fn nets(list: &[&str]) -> Vec<Ipv4Net> {
    list.iter().map(|s| s.parse().unwrap()).collect()
}

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn at(file: &Path, line: usize, column: usize) -> Location {
    Location { file: file.to_path_buf(), line, column }
}

fn platform_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/platform.toml")
}

#[test]
fn workshop_platform_parses_into_exactly_the_expected_desired_state() {
    // platform.toml alone: config/ may hold other files (the services) that are none of this test's business.
    let file = platform_file();
    let text = std::fs::read_to_string(&file).unwrap();
    let parsed = parse_file(&file, &text).unwrap_or_else(|errors| panic!("{}", common::show(&errors)));
    let desired = assemble(vec![parsed]).unwrap_or_else(|errors| panic!("{}", common::show(&errors)));
    // Each declaration's line is looked up in the file, so that editing a comment does not break the test
    // but every other difference does.
    let line_of = |header: &str| 1 + text.lines().position(|line| line == header).expect(header);
    let project = tags(&[("Project", "ecsdemo")]);

    let mut expected = Desired::default();
    expected.vpcs.insert(
        "main".into(),
        Declared {
            name: "main".into(),
            location: at(&file, line_of("[vpc.main]"), 1),
            spec: Vpc {
                cidr: "10.0.0.0/24".parse().unwrap(),
                availability_zones: AvailabilityZones::Count(3),
                public_subnets: nets(&["10.0.0.0/27", "10.0.0.32/27", "10.0.0.64/27"]),
                private_subnets: nets(&["10.0.0.96/27", "10.0.0.128/27", "10.0.0.160/27"]),
                nat_gateways: NatGateways::One,
                enable_dns_support: true,
                enable_dns_hostnames: true,
                tags: project.clone(),
            },
        },
    );
    expected.security_groups.insert(
        "services".into(),
        Declared {
            name: "services".into(),
            location: at(&file, line_of("[security_group.services]"), 1),
            spec: SecurityGroup {
                group_name: "services".into(),
                vpc: "main".into(),
                description: "frontend to backend".into(),
                ingress: vec![Rule {
                    protocol: Protocol::Tcp,
                    ports: Some(PortRange { from: 3000, to: 3000 }),
                    peer: Peer::ItSelf,
                    description: Some("services to services on 3000".into()),
                }],
                egress: None,
                tags: project.clone(),
            },
        },
    );
    expected.clusters.insert(
        "container-demo".into(),
        Declared {
            name: "container-demo".into(),
            location: at(&file, line_of("[cluster.container-demo]"), 1),
            spec: Cluster { cluster_name: "container-demo".into(), container_insights: true, tags: project.clone() },
        },
    );
    expected.namespaces.insert(
        "service".into(),
        Declared {
            name: "service".into(),
            location: at(&file, line_of("[namespace.service]"), 1),
            spec: Namespace {
                dns_name: "service.local".into(),
                vpc: "main".into(),
                description: Some("ecsdemo services".into()),
                tags: project,
            },
        },
    );
    expected.roles.insert(
        "ecs-task-execution".into(),
        Declared {
            name: "ecs-task-execution".into(),
            location: at(&file, line_of("[role.ecs-task-execution]"), 1),
            spec: Role {
                role_name: "ecsdemo-task-execution".into(),
                trusted_service: "ecs-tasks.amazonaws.com".into(),
                managed_policies: vec!["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy".into()],
                inline_policy: None,
                instance_profile: false,
                tags: tags(&[("Project", "ecsdemo")]),
            },
        },
    );
    assert_eq!(desired, expected);
    assert_eq!(desired.len(), 5);
}

fn derived(zones: &str) -> (Vec<Ipv4Net>, Vec<Ipv4Net>) {
    let parsed = parse_ok(&format!("[vpc.main]\ncidr = \"10.0.0.0/24\"\navailability_zones = {zones}\n"));
    let vpc = &parsed.vpcs[0].declared.spec;
    (vpc.public_subnets.clone(), vpc.private_subnets.clone())
}

#[test]
fn derived_subnets_for_one_two_and_three_zones() {
    assert_eq!(derived("1"), (nets(&["10.0.0.0/25"]), nets(&["10.0.0.128/25"])));
    assert_eq!(derived("2"), (nets(&["10.0.0.0/26", "10.0.0.64/26"]), nets(&["10.0.0.128/26", "10.0.0.192/26"])));
    assert_eq!(
        derived("3"),
        (
            nets(&["10.0.0.0/27", "10.0.0.32/27", "10.0.0.64/27"]),
            nets(&["10.0.0.96/27", "10.0.0.128/27", "10.0.0.160/27"])
        )
    );
    // Named zones count like a number.
    assert_eq!(derived(r#"["eu-west-1a", "eu-west-1c"]"#), derived("2"));
}

#[test]
fn explicit_subnets_are_kept_and_the_missing_group_derived_after_them() {
    let parsed = parse_ok(
        "[vpc.main]\ncidr = \"10.0.0.0/24\"\navailability_zones = 2\n\
         public_subnets = [\"10.0.0.0/28\", \"10.0.0.16/28\"]\n\
         private_subnets = [\"10.0.0.128/25\", \"10.0.0.64/26\"]\n\
         [vpc.half]\ncidr = \"10.1.0.0/24\"\navailability_zones = 2\n\
         private_subnets = [\"10.1.0.0/28\", \"10.1.0.16/28\"]\n",
    );
    let main = &parsed.vpcs[1].declared.spec;
    assert_eq!(parsed.vpcs[1].declared.name, "main");
    assert_eq!(main.public_subnets, nets(&["10.0.0.0/28", "10.0.0.16/28"]));
    // Kept in the order written: zone order.
    assert_eq!(main.private_subnets, nets(&["10.0.0.128/25", "10.0.0.64/26"]));
    // 224 addresses after 10.1.0.31: 112 each -> /26, aligned up to .64.
    let half = &parsed.vpcs[0].declared.spec;
    assert_eq!(half.public_subnets, nets(&["10.1.0.64/26", "10.1.0.128/26"]));
    assert_eq!(half.private_subnets, nets(&["10.1.0.0/28", "10.1.0.16/28"]));
}

#[test]
fn defaults() {
    let parsed = parse_ok(
        "[vpc.v]\ncidr = \"10.0.0.0/16\"\n\
         [security_group.g]\nvpc = \"v\"\ndescription = \"g\"\n\
         [cluster.c]\n\
         [namespace.n]\nvpc = \"v\"\n",
    );
    let vpc = &parsed.vpcs[0].declared.spec;
    assert_eq!(vpc.availability_zones, AvailabilityZones::Count(2));
    assert_eq!(vpc.nat_gateways, NatGateways::One);
    assert!(vpc.enable_dns_support && vpc.enable_dns_hostnames);
    assert_eq!(vpc.tags, Tags::new());
    // CDK's split of a /16 over 2 zones: four /18s.
    assert_eq!(vpc.public_subnets, nets(&["10.0.0.0/18", "10.0.64.0/18"]));
    assert_eq!(vpc.private_subnets, nets(&["10.0.128.0/18", "10.0.192.0/18"]));
    let group = &parsed.security_groups[0].declared.spec;
    assert_eq!(group.group_name, "g");
    assert_eq!(group.ingress, []);
    assert_eq!(group.egress, None);
    let cluster = &parsed.clusters[0].declared.spec;
    assert_eq!(cluster, &Cluster { cluster_name: "c".into(), container_insights: false, tags: Tags::new() });
    let namespace = &parsed.namespaces[0].declared.spec;
    assert_eq!(namespace.dns_name, "n");
    assert_eq!(namespace.description, None);
}

#[test]
fn nat_gateway_spellings() {
    let nat = |value: &str| {
        let parsed = parse_ok(&format!("[vpc.v]\ncidr = \"10.0.0.0/24\"\nnat_gateways = {value}\n"));
        parsed.vpcs[0].declared.spec.nat_gateways
    };
    assert_eq!(nat("\"none\""), NatGateways::None);
    assert_eq!(nat("0"), NatGateways::None);
    assert_eq!(nat("\"one\""), NatGateways::One);
    assert_eq!(nat("1"), NatGateways::One);
    assert_eq!(nat("\"one-per-az\""), NatGateways::OnePerAz);
}

#[test]
fn rules_of_every_shape() {
    let parsed = parse_ok(
        "[security_group.web]\nvpc = \"v\"\ndescription = \"web: public HTTP(S)\"\ngroup_name = \"web-sg\"\n\
         egress = []\n\
         [[security_group.web.ingress]]\nprotocol = \"tcp\"\nfrom_port = 8000\nto_port = 8080\ncidr = \"0.0.0.0/0\"\n\
         [[security_group.web.ingress]]\nprotocol = \"-1\"\ngroup = \"lb\"\n\
         [[security_group.web.ingress]]\nprotocol = \"icmp\"\nport = 8\nself = true\ndescription = \"ping\"\n\
         [[security_group.web.ingress]]\nprotocol = \"udp\"\nport = 53\nself = false\ncidr = \"10.0.0.0/8\"\n\
         [security_group.lb]\nvpc = \"v\"\ndescription = \"lb\"\n\
         egress = [{ protocol = \"all\", cidr = \"10.0.0.0/16\" }]\n",
    );
    let lb = &parsed.security_groups[0].declared.spec;
    assert_eq!(
        lb.egress,
        Some(vec![Rule {
            protocol: Protocol::All,
            ports: None,
            peer: Peer::Cidr("10.0.0.0/16".parse().unwrap()),
            description: None,
        }])
    );
    let web = &parsed.security_groups[1];
    assert_eq!(web.declared.spec.group_name, "web-sg");
    // An explicit empty egress: no egress at all, unlike an absent one.
    assert_eq!(web.declared.spec.egress, Some(vec![]));
    assert_eq!(
        web.declared.spec.ingress,
        [
            Rule {
                protocol: Protocol::Tcp,
                ports: Some(PortRange { from: 8000, to: 8080 }),
                peer: Peer::Cidr("0.0.0.0/0".parse().unwrap()),
                description: None,
            },
            Rule { protocol: Protocol::All, ports: None, peer: Peer::Group("lb".into()), description: None },
            // ICMP's ports are ignored: all ICMP is allowed.
            Rule { protocol: Protocol::Icmp, ports: None, peer: Peer::ItSelf, description: Some("ping".into()) },
            Rule {
                protocol: Protocol::Udp,
                ports: Some(PortRange { from: 53, to: 53 }),
                peer: Peer::Cidr("10.0.0.0/8".parse().unwrap()),
                description: None,
            },
        ]
    );
    // What the cross-file checks need: the references and where they are.
    let references: Vec<_> = web
        .references
        .iter()
        .map(|r| (r.field.as_str(), r.name.as_str(), r.location.line, r.location.column))
        .collect();
    assert_eq!(
        references,
        [("security_group.web.vpc", "v", 2, 7), ("security_group.web.ingress[1].group", "lb", 13, 9)]
    );
    assert_eq!(web.field_location("group_name").line, 4);
    assert_eq!(web.field_location("description").line, 1, "not remembered: the declaration's location");
}

#[test]
fn inline_declarations_start_at_their_name() {
    let parsed = parse_ok("[cluster]\n  demo = { container_insights = true }\n");
    assert_eq!(parsed.clusters[0].declared.location, at(Path::new("a.toml"), 2, 3));
    assert!(parsed.clusters[0].declared.spec.container_insights);
}

#[test]
fn several_files_with_references_across_them() {
    let desired = load(&[
        ("10-network.toml", "[vpc.main]\ncidr = \"10.0.0.0/24\"\n"),
        (
            "20-groups.toml",
            "[security_group.lb]\nvpc = \"main\"\ndescription = \"lb\"\n\
             [security_group.app]\nvpc = \"main\"\ndescription = \"app\"\n\
             [[security_group.app.ingress]]\nprotocol = \"tcp\"\nport = 3000\ngroup = \"lb\"\n",
        ),
        ("30-discovery.toml", "[namespace.service]\ndns_name = \"service.local\"\nvpc = \"main\"\n"),
    ])
    .unwrap();
    assert_eq!(desired.len(), 4);
    let names = |map: &BTreeMap<String, _>| map.keys().cloned().collect::<Vec<String>>();
    assert_eq!(names(&desired.vpcs), ["main"]);
    assert_eq!(desired.security_groups.keys().collect::<Vec<_>>(), ["app", "lb"]);
    assert_eq!(desired.namespaces["service"].location, at(Path::new("30-discovery.toml"), 1, 1));
    assert_eq!(desired.security_groups["app"].spec.ingress[0].peer, Peer::Group("lb".into()));
}

#[test]
fn empty_files_declare_nothing() {
    assert_eq!(load(&[("a.toml", ""), ("b.toml", "# nothing yet\n[vpc]\n")]).unwrap(), Desired::default());
}
