//! One test (at least) per class of error, each asserting the message and where it points (file, line,
//! column, field), as `file:line:column: field: message`.

mod common;

use std::path::{Path, PathBuf};

use common::{file_errors, load_errors};
use reconciler_spec::{SpecError, parse_file};

const VPC: &str = "[vpc.main]\ncidr = \"10.0.0.0/24\"\n";

// 1. TOML syntax errors.

#[test]
fn syntax_error_points_at_the_parser_span() {
    let errors = parse_file(Path::new("conf/a.toml"), "[vpc.main]\ncidr = \"10.0.0.0/24\nx = 1\n").unwrap_err();
    assert_eq!(
        errors,
        [SpecError {
            file: PathBuf::from("conf/a.toml"),
            line: 2,
            column: 20,
            field: String::new(),
            message: "TOML syntax error: invalid basic string, expected `\"`".into(),
        }]
    );
    // No field: the `field: ` part is left out.
    assert_eq!(errors[0].to_string(), "conf/a.toml:2:20: TOML syntax error: invalid basic string, expected `\"`");
}

#[test]
fn unquoted_value_is_a_syntax_error() {
    assert_eq!(file_errors("[vpc.main]\ncidr = 10.0.0.0/24\n"), ["a.toml:2:12: TOML syntax error: invalid float"]);
}

#[test]
fn syntax_error_in_one_file_still_checks_the_others() {
    let errors = load_errors(&[("a.toml", "[vpc.main\n"), ("b.toml", "[cluster.c]\ncontainer_insights = \"yes\"\n")]);
    assert_eq!(
        errors,
        [
            "a.toml:1:10: TOML syntax error: unclosed table, expected `]`",
            "b.toml:2:22: cluster.c.container_insights: expected a boolean (true or false), found a string",
        ]
    );
}

#[test]
fn names_in_a_file_with_syntax_errors_are_not_dangling() {
    // `main` is declared in a.toml, which is broken: b.toml's reference to it is not reported as well.
    let errors = load_errors(&[
        ("a.toml", "[vpc.main]\ncidr = \"10.0.0.0/24\"\nnat_gateways = one\n"),
        ("b.toml", "[namespace.svc]\nvpc = \"main\"\n"),
    ]);
    assert_eq!(errors, ["a.toml:3:16: TOML syntax error: string values must be quoted, expected literal string"]);
}

// 2. Unknown fields and kinds.

#[test]
fn unknown_kind_lists_the_known_ones() {
    assert_eq!(
        file_errors("[vpcs.main]\ncidr = \"10.0.0.0/24\"\n"),
        ["a.toml:1:2: vpcs: unknown kind `vpcs`, expected one of `vpc`, `security_group`, `cluster`, `namespace`"]
    );
}

#[test]
fn unknown_field_points_at_the_key_and_lists_the_allowed_ones() {
    assert_eq!(
        file_errors("[vpc.main]\ncidrr = \"10.0.0.0/24\"\n"),
        [
            "a.toml:1:1: vpc.main.cidr: missing required field `cidr`",
            "a.toml:2:1: vpc.main.cidrr: unknown field `cidrr`, expected one of `cidr`, `availability_zones`, \
             `public_subnets`, `private_subnets`, `nat_gateways`, `enable_dns_support`, `enable_dns_hostnames`, `tags`",
        ]
    );
}

#[test]
fn unknown_field_in_a_rule() {
    let text = "[security_group.web]\nvpc = \"main\"\ndescription = \"web\"\n\
                [[security_group.web.ingress]]\nprotocol = \"tcp\"\nport = 80\ncidr = \"0.0.0.0/0\"\nsource = \"x\"\n";
    assert_eq!(
        file_errors(text),
        ["a.toml:8:1: security_group.web.ingress[0].source: unknown field `source`, expected one of `protocol`, \
             `port`, `from_port`, `to_port`, `cidr`, `self`, `group`, `description`"]
    );
}

// 3. Wrong types.

#[test]
fn wrong_types_say_what_was_expected_and_found() {
    let text = "[vpc.main]\ncidr = 10\navailability_zones = \"3\"\nenable_dns_support = \"yes\"\n\
                tags = { A = 1 }\nnat_gateways = true\n";
    assert_eq!(
        file_errors(text),
        [
            "a.toml:2:8: vpc.main.cidr: expected a string, found an integer",
            "a.toml:3:22: vpc.main.availability_zones: expected a number of zones (1 to 6) or an array of zone \
             names, found a string",
            "a.toml:4:22: vpc.main.enable_dns_support: expected a boolean (true or false), found a string",
            "a.toml:5:14: vpc.main.tags.A: expected a string, found an integer",
            "a.toml:6:16: vpc.main.nat_gateways: expected one of `none`, `one`, `one-per-az` (or the integers 0 \
             and 1), found a boolean",
        ]
    );
}

#[test]
fn wrong_types_of_tables() {
    let text = "vpc = \"main\"\n[cluster]\nc = 1\n[security_group.web]\nvpc = \"main\"\ndescription = \"d\"\n\
                ingress = { protocol = \"tcp\" }\n";
    assert_eq!(
        file_errors(text),
        [
            "a.toml:1:7: vpc: expected a table of vpc declarations ([vpc.NAME]), found a string",
            "a.toml:3:5: cluster.c: expected a table (`[cluster.NAME]` declares a cluster named NAME), found an \
             integer",
            "a.toml:7:11: security_group.web.ingress: expected an array of rules ([[security_group.web.ingress]] \
             tables), found a table",
        ]
    );
}

// 4. Invalid CIDRs.

#[test]
fn vpc_cidr_must_be_a_network_with_a_prefix_from_16_to_28() {
    let text = "[vpc.a]\ncidr = \"10.0.0.1/24\"\n[vpc.b]\ncidr = \"10.0.0.0/8\"\n[vpc.c]\ncidr = \"10.0.0/24\"\n\
                [vpc.d]\ncidr = \"10.0.0.0/29\"\n[vpc.e]\ncidr = \"fd00::/56\"\n";
    assert_eq!(
        file_errors(text),
        [
            "a.toml:2:8: vpc.a.cidr: `10.0.0.1/24` is not a network address: its host bits are set; the network \
             is `10.0.0.0/24`",
            "a.toml:4:8: vpc.b.cidr: prefix /8 is out of range: AWS allows VPC CIDRs from /16 to /28",
            "a.toml:6:8: vpc.c.cidr: `10.0.0/24` is not an IPv4 CIDR: expected a network like `10.0.0.0/16`",
            "a.toml:8:8: vpc.d.cidr: prefix /29 is out of range: AWS allows VPC CIDRs from /16 to /28",
            "a.toml:10:8: vpc.e.cidr: `fd00::/56` is not an IPv4 CIDR: only IPv4 is supported",
        ]
    );
}

#[test]
fn rule_cidr_must_be_a_network() {
    let text = "[security_group.web]\nvpc = \"main\"\ndescription = \"web\"\n\
                [[security_group.web.ingress]]\nprotocol = \"tcp\"\nport = 443\ncidr = \"192.168.1.1/16\"\n";
    assert_eq!(
        file_errors(text),
        ["a.toml:7:8: security_group.web.ingress[0].cidr: `192.168.1.1/16` is not a network address: its host \
             bits are set; the network is `192.168.0.0/16`"]
    );
}

// 5. Subnets that do not fit.

#[test]
fn explicit_subnets_outside_overlapping_too_small_and_miscounted() {
    let text = "[vpc.main]\ncidr = \"10.0.0.0/24\"\navailability_zones = 2\n\
                public_subnets = [\"10.0.1.0/26\", \"10.0.0.0/29\", \"10.0.0.0/26\"]\n\
                private_subnets = [\"10.0.0.32/27\", \"10.0.0.128/26\"]\n";
    assert_eq!(
        file_errors(text),
        [
            "a.toml:4:18: vpc.main.public_subnets: expected 2 subnets, one per availability zone, found 3",
            "a.toml:4:19: vpc.main.public_subnets[0]: subnet `10.0.1.0/26` is not inside the VPC's CIDR `10.0.0.0/24`",
            "a.toml:4:34: vpc.main.public_subnets[1]: subnet `10.0.0.0/29` is smaller than /28, the smallest \
             subnet AWS allows",
            "a.toml:5:20: vpc.main.private_subnets[0]: subnet `10.0.0.32/27` overlaps `10.0.0.0/26` (public_subnets[2])",
        ]
    );
}

#[test]
fn overlapping_subnets_within_one_list() {
    let text = "[vpc.main]\ncidr = \"10.0.0.0/24\"\npublic_subnets = [\"10.0.0.0/25\", \"10.0.0.64/26\"]\n";
    assert_eq!(
        file_errors(text),
        ["a.toml:3:34: vpc.main.public_subnets[1]: subnet `10.0.0.64/26` overlaps `10.0.0.0/25` (public_subnets[0])"]
    );
}

#[test]
fn vpc_too_small_for_derived_subnets() {
    assert_eq!(
        file_errors("[vpc.main]\ncidr = \"10.0.0.0/27\"\navailability_zones = 3\n"),
        ["a.toml:2:8: vpc.main.cidr: VPC `10.0.0.0/27` is too small for 6 subnets (3 availability zones, public \
             and private): each would be smaller than /28, the smallest subnet AWS allows"]
    );
}

#[test]
fn no_room_left_after_explicit_subnets() {
    let text = "[vpc.main]\ncidr = \"10.0.0.0/24\"\npublic_subnets = [\"10.0.0.0/25\", \"10.0.0.128/25\"]\n";
    assert_eq!(
        file_errors(text),
        ["a.toml:2:8: vpc.main.cidr: VPC `10.0.0.0/24` has no room after the public subnets for 2 private \
             subnets of at least /28: make the VPC larger or list the private subnets too"]
    );
}

// 6. Dangling references.

#[test]
fn references_to_undeclared_vpcs_and_groups() {
    let errors = load_errors(&[
        ("a.toml", VPC),
        (
            "b.toml",
            "[security_group.web]\nvpc = \"mian\"\ndescription = \"web\"\n\
             [[security_group.web.ingress]]\nprotocol = \"tcp\"\nport = 80\ngroup = \"lb\"\n\
             [namespace.svc]\nvpc = \"other\"\n",
        ),
    ]);
    assert_eq!(
        errors,
        [
            "b.toml:2:7: security_group.web.vpc: no vpc named `mian` is declared (did you mean `main`?)",
            "b.toml:7:9: security_group.web.ingress[0].group: no security_group named `lb` is declared",
            "b.toml:9:7: namespace.svc.vpc: no vpc named `other` is declared",
        ]
    );
}

#[test]
fn reference_to_an_invalid_declaration_is_not_dangling() {
    // vpc `main` is declared with a bad CIDR: only that is reported, not the namespace's reference to it.
    let errors = load_errors(&[
        ("a.toml", "[vpc.main]\ncidr = \"10.0.0.1/24\"\n"),
        ("b.toml", "[namespace.svc]\nvpc = \"main\"\n"),
    ]);
    assert_eq!(
        errors,
        ["a.toml:2:8: vpc.main.cidr: `10.0.0.1/24` is not a network address: its host bits are set; the network \
          is `10.0.0.0/24`"]
    );
}

#[test]
fn references_of_an_invalid_declaration_are_still_checked() {
    let errors = load_errors(&[("a.toml", "[namespace.svc]\nvpc = \"nope\"\ndescription = 1\n")]);
    assert_eq!(
        errors,
        [
            "a.toml:2:7: namespace.svc.vpc: no vpc named `nope` is declared",
            "a.toml:3:15: namespace.svc.description: expected a string, found an integer",
        ]
    );
}

#[test]
fn group_rule_naming_a_group_of_another_vpc() {
    let errors = load_errors(&[(
        "a.toml",
        "[vpc.a]\ncidr = \"10.0.0.0/24\"\n[vpc.b]\ncidr = \"10.1.0.0/24\"\n\
         [security_group.db]\nvpc = \"b\"\ndescription = \"db\"\n\
         [security_group.web]\nvpc = \"a\"\ndescription = \"web\"\n\
         [[security_group.web.egress]]\nprotocol = \"tcp\"\nport = 5432\ngroup = \"db\"\n",
    )]);
    assert_eq!(
        errors,
        ["a.toml:14:9: security_group.web.egress[0].group: security group `db` is in vpc `b`, but `web` is in vpc \
          `a`: a rule can only name a group of the same VPC"]
    );
}

#[test]
fn namespace_in_a_vpc_without_dns() {
    let errors = load_errors(&[(
        "a.toml",
        "[vpc.main]\ncidr = \"10.0.0.0/24\"\nenable_dns_hostnames = false\n[namespace.svc]\nvpc = \"main\"\n",
    )]);
    assert_eq!(
        errors,
        ["a.toml:5:7: namespace.svc.vpc: vpc `main` has DNS support or DNS hostnames turned off; a private DNS \
          namespace needs both"]
    );
}

// 7. Cycles.

fn group(name: &str, references: &[&str]) -> String {
    let mut text = format!("[security_group.{name}]\nvpc = \"main\"\ndescription = \"{name}\"\n");
    for reference in references {
        text.push_str(&format!(
            "[[security_group.{name}.ingress]]\nprotocol = \"tcp\"\nport = 80\ngroup = \"{reference}\"\n"
        ));
    }
    text
}

#[test]
fn two_groups_naming_each_other() {
    let errors = load_errors(&[("a.toml", VPC), ("b.toml", &group("a", &["b"])), ("c.toml", &group("b", &["a"]))]);
    assert_eq!(
        errors,
        ["b.toml:7:9: security_group.a.ingress[0].group: security group rules reference each other in a cycle: \
          `a` -> `b` -> `a`; a group can only name groups that do not name it back"]
    );
}

#[test]
fn longer_cycle_is_reported_once_and_self_is_not_a_cycle() {
    let mut text = String::from(VPC);
    text.push_str(&group("x", &["y"]));
    text.push_str(&group("y", &["z"]));
    text.push_str(&group("z", &["x"]));
    // `self = true` and a group naming a group outside the cycle: no more errors.
    text.push_str(
        "[security_group.w]\nvpc = \"main\"\ndescription = \"w\"\n\
         [[security_group.w.ingress]]\nprotocol = \"tcp\"\nport = 1\nself = true\n\
         [[security_group.w.ingress]]\nprotocol = \"tcp\"\nport = 2\ngroup = \"x\"\n",
    );
    let errors = load_errors(&[("a.toml", &text)]);
    assert_eq!(
        errors,
        ["a.toml:9:9: security_group.x.ingress[0].group: security group rules reference each other in a cycle: \
          `x` -> `y` -> `z` -> `x`; a group can only name groups that do not name it back"]
    );
}

#[test]
fn component_with_several_cycles_lists_every_member() {
    // a -> b -> a and a -> c -> a: one strongly connected component, one error.
    let errors = load_errors(&[(
        "a.toml",
        &[VPC.to_string(), group("a", &["b", "c"]), group("b", &["a"]), group("c", &["a"])].concat(),
    )]);
    assert_eq!(
        errors,
        ["a.toml:9:9: security_group.a.ingress[0].group: security group rules reference each other in a cycle: \
          `a` -> `b` -> `a` (the cycle joins `a`, `b`, `c`); a group can only name groups that do not name it back"]
    );
}

// 8. Duplicates.

#[test]
fn same_declaration_twice_in_one_file() {
    assert_eq!(
        file_errors("[vpc.main]\ncidr = \"10.0.0.0/24\"\n\n[vpc.main]\nnat_gateways = \"none\"\n"),
        ["a.toml:4:6: vpc.main: vpc `main` is declared twice in this file (first at line 1); a name can be \
          declared once per kind"]
    );
}

#[test]
fn same_field_twice_in_one_declaration() {
    assert_eq!(
        file_errors("[vpc.main]\ncidr = \"10.0.0.0/24\"\ncidr = \"10.0.1.0/24\"\n"),
        ["a.toml:3:1: vpc.main.cidr: this field is set twice (first at line 2)"]
    );
}

#[test]
fn same_declaration_twice_in_one_file_in_another_form() {
    assert_eq!(
        file_errors("[vpc.main]\ncidr = \"10.0.0.0/24\"\n[vpc]\nmain.cidr = \"10.0.1.0/24\"\n"),
        ["a.toml:4:1: vpc.main: vpc `main` is declared twice in this file (first at line 1); a name can be \
          declared once per kind"]
    );
    assert_eq!(
        file_errors("[cluster]\na = { tags = {}, tags = {} }\n"),
        ["a.toml:2:18: TOML syntax error: duplicate key `tags`"]
    );
}

#[test]
fn same_declaration_in_two_files_points_at_the_second() {
    let errors = load_errors(&[("a.toml", VPC), ("b.toml", &format!("# again\n{VPC}"))]);
    assert_eq!(errors, ["b.toml:2:1: vpc.main: vpc `main` is declared twice: first at a.toml:1:1"]);
}

#[test]
fn invalid_duplicate_is_still_a_duplicate() {
    let errors = load_errors(&[("a.toml", VPC), ("b.toml", "[vpc.main]\ncidr = \"x\"\n")]);
    assert_eq!(
        errors,
        [
            "b.toml:1:1: vpc.main: vpc `main` is declared twice: first at a.toml:1:1",
            "b.toml:2:8: vpc.main.cidr: `x` is not an IPv4 CIDR: expected a network like `10.0.0.0/16`",
        ]
    );
}

#[test]
fn duplicate_aws_identities() {
    let errors = load_errors(&[
        (
            "a.toml",
            "[vpc.main]\ncidr = \"10.0.0.0/24\"\n[vpc.other]\ncidr = \"10.1.0.0/24\"\n\
             [cluster.demo]\n[namespace.svc]\nvpc = \"main\"\ndns_name = \"service.local\"\n\
             [security_group.a]\nvpc = \"main\"\ndescription = \"a\"\ngroup_name = \"services\"\n",
        ),
        (
            "b.toml",
            "[cluster.demo2]\ncluster_name = \"demo\"\n\
             [namespace.svc2]\nvpc = \"main\"\ndns_name = \"service.local\"\n\
             [security_group.b]\nvpc = \"main\"\ndescription = \"b\"\ngroup_name = \"services\"\n\
             [security_group.c]\nvpc = \"other\"\ndescription = \"c\"\ngroup_name = \"services\"\n",
        ),
    ]);
    assert_eq!(
        errors,
        [
            "b.toml:2:16: cluster.demo2.cluster_name: cluster name `demo` is already used by cluster `demo` \
             (a.toml:5:1)",
            "b.toml:5:12: namespace.svc2.dns_name: DNS name `service.local` is already used by namespace `svc` \
             (a.toml:8:12)",
            "b.toml:9:14: security_group.b.group_name: group name `services` in vpc `main` is already used by \
             security_group `a` (a.toml:12:14)",
        ]
    );
}

// 9. Values.

#[test]
fn rule_values() {
    let text = "[security_group.web]\nvpc = \"main\"\ndescription = \"\"\n\
                [[security_group.web.ingress]]\nprotocol = \"tcp\"\nport = 0\n\
                [[security_group.web.ingress]]\nprotocol = \"tcp\"\nfrom_port = 2000\nto_port = 1000\n\
                cidr = \"0.0.0.0/0\"\nself = true\n\
                [[security_group.web.ingress]]\nprotocol = \"all\"\nport = 80\ngroup = \"web\"\n\
                [[security_group.web.ingress]]\nprotocol = \"sctp\"\nport = 70000\ncidr = \"10.0.0.0/8\"\n";
    assert_eq!(
        file_errors(text),
        [
            "a.toml:3:15: security_group.web.description: the description must not be empty",
            "a.toml:4:1: security_group.web.ingress[0]: a rule needs a source: one of `cidr`, `self = true` or `group`",
            "a.toml:6:8: security_group.web.ingress[0].port: port 0 is out of range: ports go from 1 to 65535",
            "a.toml:9:13: security_group.web.ingress[1].from_port: from_port 2000 is greater than to_port 1000",
            "a.toml:12:8: security_group.web.ingress[1].self: a rule has exactly one source: `cidr` is already \
             given; write one rule per source",
            "a.toml:15:8: security_group.web.ingress[2].port: a rule for all protocols covers every port: remove `port`",
            "a.toml:16:9: security_group.web.ingress[2].group: `web` is this security group itself: write \
             `self = true` instead",
            "a.toml:18:12: security_group.web.ingress[3].protocol: unknown protocol `sctp`, expected one of `tcp`, \
             `udp`, `icmp`, `all` (or `-1`)",
            "a.toml:19:8: security_group.web.ingress[3].port: port 70000 is out of range: ports go from 1 to 65535",
        ]
    );
}

#[test]
fn port_field_combinations() {
    let rule = |body: &str| {
        format!(
            "[security_group.web]\nvpc = \"main\"\ndescription = \"web\"\n\
             [[security_group.web.ingress]]\ncidr = \"0.0.0.0/0\"\n{body}"
        )
    };
    assert_eq!(
        file_errors(&rule("protocol = \"tcp\"\n")),
        ["a.toml:4:1: security_group.web.ingress[0].port: a tcp rule needs `port`, or `from_port` and `to_port`"]
    );
    assert_eq!(
        file_errors(&rule("protocol = \"udp\"\nport = 53\nto_port = 54\n")),
        ["a.toml:8:11: security_group.web.ingress[0].to_port: `port` and `from_port`/`to_port` are mutually \
          exclusive: give one port, or a range"]
    );
    assert_eq!(
        file_errors(&rule("protocol = \"udp\"\nfrom_port = 53\n")),
        ["a.toml:7:13: security_group.web.ingress[0].from_port: `from_port` needs `to_port` too"]
    );
    assert_eq!(
        file_errors(&rule("port = 53\n")),
        ["a.toml:4:1: security_group.web.ingress[0].protocol: missing required field `protocol`"]
    );
}

#[test]
fn duplicate_rules_in_one_direction() {
    let text = "[security_group.web]\nvpc = \"main\"\ndescription = \"web\"\n\
                ingress = [\n  { protocol = \"tcp\", port = 80, cidr = \"0.0.0.0/0\" },\n  \
                { protocol = \"tcp\", port = 80, cidr = \"0.0.0.0/0\", description = \"again\" },\n]\n";
    assert_eq!(
        file_errors(text),
        ["a.toml:6:3: security_group.web.ingress[1]: this rule repeats ingress[0] (same protocol, ports and source)"]
    );
}

#[test]
fn vpc_values() {
    let text = "[vpc.a]\ncidr = \"10.0.0.0/24\"\navailability_zones = 7\nnat_gateways = 2\n\
                [vpc.b]\ncidr = \"10.0.0.0/24\"\navailability_zones = [\"us-east-1a\", \"us-east-1a\", \"Zone B\"]\n\
                nat_gateways = \"two\"\nenable_dns_support = false\n\
                [vpc.c]\ncidr = \"10.0.0.0/24\"\navailability_zones = []\n";
    assert_eq!(
        file_errors(text),
        [
            "a.toml:3:22: vpc.a.availability_zones: 7 availability zones is out of range: expected 1 to 6",
            "a.toml:4:16: vpc.a.nat_gateways: 2 NAT gateways is not supported: use 0, 1 or \"one-per-az\"",
            "a.toml:7:37: vpc.b.availability_zones[1]: zone `us-east-1a` is listed twice (also at index 0)",
            "a.toml:7:51: vpc.b.availability_zones[2]: `Zone B` is not an availability zone name like `us-east-1a`",
            "a.toml:8:16: vpc.b.nat_gateways: unknown value `two`, expected one of `none`, `one`, `one-per-az` (or \
             the integers 0 and 1)",
            "a.toml:9:22: vpc.b.enable_dns_support: DNS hostnames need DNS support: set both, or set \
             enable_dns_hostnames = false",
            "a.toml:12:22: vpc.c.availability_zones: the list of availability zones is empty: name at least one",
        ]
    );
}

#[test]
fn names_and_tags() {
    let text = "[cluster.\"my.cluster\"]\n\
                [cluster.ok]\ncluster_name = \"has space\"\ntags = { \"reconciler:owner\" = \"me\", \"aws:x\" = \"y\" }\n\
                [namespace.Svc]\nvpc = \"main\"\n\
                [namespace.n]\nvpc = \"main\"\ndns_name = \"Service.local\"\n\
                [security_group.sg-web]\nvpc = \"main\"\ndescription = \"café\"\n";
    assert_eq!(
        file_errors(text),
        [
            "a.toml:1:10: cluster.\"my.cluster\": invalid name `my.cluster`: a declaration name is 1 to 63 \
             letters, digits, `_` or `-`, starting with a letter or digit",
            "a.toml:3:16: cluster.ok.cluster_name: invalid cluster name `has space`: ECS allows 1 to 255 letters, \
             digits, `_` and `-`",
            "a.toml:4:10: cluster.ok.tags.\"reconciler:owner\": tag key `reconciler:owner` is reserved: reconciler \
             sets `reconciler:` tags itself to mark what it owns",
            "a.toml:4:37: cluster.ok.tags.\"aws:x\": tag key `aws:x` is reserved: AWS keeps the `aws:` prefix for \
             itself",
            "a.toml:5:12: namespace.Svc.dns_name: invalid DNS name `Svc`: it has uppercase letters; write it in \
             lowercase (the declaration name is the default `dns_name`; set `dns_name`)",
            "a.toml:9:12: namespace.n.dns_name: invalid DNS name `Service.local`: it has uppercase letters; write \
             it in lowercase",
            "a.toml:10:17: security_group.sg-web.group_name: group name `sg-web` starts with `sg-`, which AWS \
             reserves for group ids (the declaration name is the default `group_name`; set `group_name`)",
            "a.toml:12:15: security_group.sg-web.description: the description contains 'é'; AWS allows only ASCII \
             letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*",
        ]
    );
}

// Everything at once: every error of every declaration of every file, in order.

#[test]
fn every_error_is_collected_in_order() {
    let errors = load_errors(&[
        ("b.toml", "[cluster.c]\ncontainer_insights = 1\ntags = 2\n"),
        ("a.toml", "[vpc.main]\ncidr = \"10.0.0.1/24\"\nnat_gateways = \"many\"\n[namespace.n]\nvpc = \"x\"\n"),
    ]);
    assert_eq!(
        errors,
        [
            "a.toml:2:8: vpc.main.cidr: `10.0.0.1/24` is not a network address: its host bits are set; the network \
             is `10.0.0.0/24`",
            "a.toml:3:16: vpc.main.nat_gateways: unknown value `many`, expected one of `none`, `one`, `one-per-az` \
             (or the integers 0 and 1)",
            "a.toml:5:7: namespace.n.vpc: no vpc named `x` is declared",
            "b.toml:2:22: cluster.c.container_insights: expected a boolean (true or false), found an integer",
            "b.toml:3:8: cluster.c.tags: expected a table of tags (tags = { Key = \"value\" }), found an integer",
        ]
    );
}
