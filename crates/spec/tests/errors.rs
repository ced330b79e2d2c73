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
        ["a.toml:1:2: vpcs: unknown kind `vpcs`, expected one of `vpc`, `security_group`, `cluster`, `namespace`, \
          `role`, `log_group`, `service`, `instance`, `load_balancer`"]
    );
}

#[test]
fn unknown_field_points_at_the_key_and_lists_the_allowed_ones() {
    assert_eq!(
        file_errors("[vpc.main]\ncidrr = \"10.0.0.0/24\"\n"),
        [
            "a.toml:1:1: vpc.main.cidr: missing required field `cidr`",
            "a.toml:2:1: vpc.main.cidrr: unknown field `cidrr`, expected one of `cidr`, `availability_zones`, \
             `public_subnets`, `private_subnets`, `nat_gateways`, `enable_dns_support`, `enable_dns_hostnames`, `tags`, `adopt`, `deletion_policy`",
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

// 10. Roles, log groups, services and instances.

/// What the service and instance tests refer to: vpcs `main` and `other`, a security group and a namespace in
/// each, cluster `demo`, roles `exec` (for tasks) and `host` (with an instance profile), log group `logs`.
const PLATFORM: &str = "[vpc.main]\ncidr = \"10.0.0.0/24\"\n[vpc.other]\ncidr = \"10.1.0.0/24\"\n\
                        [security_group.services]\nvpc = \"main\"\ndescription = \"s\"\n\
                        [security_group.elsewhere]\nvpc = \"other\"\ndescription = \"e\"\n\
                        [cluster.demo]\n\
                        [namespace.svc]\nvpc = \"main\"\ndns_name = \"service.local\"\n\
                        [namespace.far]\nvpc = \"other\"\ndns_name = \"far.local\"\n\
                        [role.exec]\ntrusted_service = \"ecs-tasks.amazonaws.com\"\n\
                        [role.host]\ntrusted_service = \"ec2.amazonaws.com\"\ninstance_profile = true\n\
                        [log_group.logs]\n";

/// A valid `[service.NAME]` on PLATFORM: line 1 is the header, lines 2 to 7 the required fields in this order
/// (`cluster`, `image`, `port`, `vpc`, `security_groups`, `execution_role`), each replaced by `fields` when
/// named there (left out when the value is empty); the other `fields` follow, then `tail`.
fn service(name: &str, fields: &[(&str, &str)], tail: &str) -> String {
    let base = [
        ("cluster", "\"demo\""),
        ("image", "\"app:1\""),
        ("port", "3000"),
        ("vpc", "\"main\""),
        ("security_groups", "[\"services\"]"),
        ("execution_role", "\"exec\""),
    ];
    let mut text = format!("[service.{name}]\n");
    for (key, value) in base {
        let value = fields.iter().find(|(k, _)| *k == key).map_or(value, |(_, v)| *v);
        if !value.is_empty() {
            text.push_str(&format!("{key} = {value}\n"));
        }
    }
    for (key, value) in fields.iter().filter(|(k, _)| !base.iter().any(|(b, _)| b == k)) {
        text.push_str(&format!("{key} = {value}\n"));
    }
    text.push_str(tail);
    text
}

#[test]
fn role_values() {
    let text = "[role.a]\nrole_name = \"has space\"\ntrusted_service = \"ecs-tasks\"\n\
                managed_policies = [\"AmazonECSTaskExecutionRolePolicy\", \"arn:aws:iam::aws:policy/P\", \
                \"arn:aws:iam::aws:policy/P\", 3]\n\
                inline_policy = '{\"Version\": '\ninstance_profile = \"yes\"\n\
                [role.b]\ntrusted_service = \"ec2.amazonaws.com\"\ninline_policy = '[]'\n";
    assert_eq!(
        file_errors(text),
        [
            "a.toml:2:13: role.a.role_name: invalid role name `has space`: IAM allows 1 to 64 letters, digits and \
             `+=,.@_-`",
            "a.toml:3:19: role.a.trusted_service: `ecs-tasks` is not an AWS service principal like \
             `ecs-tasks.amazonaws.com`",
            "a.toml:4:21: role.a.managed_policies[0]: `AmazonECSTaskExecutionRolePolicy` is not an IAM policy ARN \
             like `arn:aws:iam::aws:policy/NAME` or `arn:aws:iam::123456789012:policy/NAME`",
            "a.toml:4:86: role.a.managed_policies[2]: policy `arn:aws:iam::aws:policy/P` is listed twice (also at \
             index 1)",
            "a.toml:4:115: role.a.managed_policies[3]: expected a string, found an integer",
            "a.toml:5:17: role.a.inline_policy: the inline policy is not valid JSON: EOF while parsing a value at \
             line 1 column 12",
            "a.toml:6:20: role.a.instance_profile: expected a boolean (true or false), found a string",
            "a.toml:9:17: role.b.inline_policy: the inline policy must be a JSON object (a policy document: \
             {\"Version\": ..., \"Statement\": [...]}), found an array",
        ]
    );
}

#[test]
fn log_group_values() {
    let text = "[log_group.a]\ngroup_name = \"/ecs/has space\"\nretention_days = 10\n\
                [log_group.b]\nretention_days = \"14\"\n";
    assert_eq!(
        file_errors(text),
        [
            "a.toml:2:14: log_group.a.group_name: invalid log group name `/ecs/has space`: CloudWatch Logs allows 1 \
             to 512 letters, digits and `_/.#-`",
            "a.toml:3:18: log_group.a.retention_days: 10 days is not a retention CloudWatch Logs accepts: one of 1, \
             3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
            "a.toml:5:18: log_group.b.retention_days: expected an integer, found a string",
        ]
    );
}

#[test]
fn service_values() {
    let text = service(
        "web",
        &[
            ("image", "\"app :1\""),
            ("port", "0"),
            ("security_groups", "[]"),
            ("service_name", "\"web.app\""),
            ("environment", "{ GOOD = \"1\", 1BAD = \"x\", \"A-B\" = \"y\", N = 2 }"),
            ("command", "[]"),
            ("desired_count", "1001"),
            ("subnets", "\"dmz\""),
            ("keep_revisions", "0"),
            ("assign_public_ip", "1"),
        ],
        "",
    );
    assert_eq!(
        file_errors(&text),
        [
            "a.toml:3:9: service.web.image: the image `app :1` contains whitespace",
            "a.toml:4:8: service.web.port: port 0 is out of range: ports go from 1 to 65535",
            "a.toml:6:19: service.web.security_groups: the list of security groups is empty: name at least one",
            "a.toml:8:16: service.web.service_name: invalid service name `web.app`: ECS allows 1 to 255 letters, \
             digits, `_` and `-`",
            "a.toml:9:29: service.web.environment.1BAD: invalid environment variable name `1BAD`: expected letters, \
             digits and `_`, not starting with a digit",
            "a.toml:9:41: service.web.environment.A-B: invalid environment variable name `A-B`: expected \
             letters, digits and `_`, not starting with a digit",
            "a.toml:9:58: service.web.environment.N: expected a string, found an integer",
            "a.toml:10:11: service.web.command: the command is empty: leave `command` out to run the image's own",
            "a.toml:11:17: service.web.desired_count: 1001 is out of range: expected 0 to 1000",
            "a.toml:12:11: service.web.subnets: unknown value `dmz`, expected one of `private`, `public`",
            "a.toml:13:18: service.web.keep_revisions: 0 is out of range: expected 1 to 100",
            "a.toml:14:20: service.web.assign_public_ip: expected a boolean (true or false), found an integer",
        ]
    );
}

#[test]
fn service_required_fields_and_duplicate_groups() {
    let text = service(
        "web",
        &[("cluster", ""), ("image", "\"\""), ("port", ""), ("security_groups", "[\"services\", \"services\"]")],
        "",
    );
    assert_eq!(
        file_errors(&text),
        [
            "a.toml:1:1: service.web.cluster: missing required field `cluster`",
            "a.toml:1:1: service.web.port: missing required field `port`",
            "a.toml:2:9: service.web.image: the image must not be empty",
            "a.toml:4:32: service.web.security_groups[1]: security group `services` is listed twice (also at index 0)",
        ]
    );
}

#[test]
fn fargate_cpu_and_memory() {
    let errors = |fields: &[(&str, &str)]| file_errors(&service("web", fields, ""));
    assert_eq!(
        errors(&[("cpu", "300")]),
        ["a.toml:8:7: service.web.cpu: 300 CPU units is not a size Fargate offers: expected one of 256, 512, 1024, \
          2048, 4096, 8192, 16384"]
    );
    assert_eq!(
        errors(&[("cpu", "256"), ("memory", "4096")]),
        ["a.toml:9:10: service.web.memory: cpu = 256 and memory = 4096 are not a pair Fargate accepts: with cpu = \
          256, memory is one of 512, 1024, 2048"]
    );
    // Memory left at its default: the error is on cpu, and says so.
    assert_eq!(
        errors(&[("cpu", "1024")]),
        ["a.toml:8:7: service.web.cpu: cpu = 1024 and memory = 512 are not a pair Fargate accepts: with cpu = 1024, \
          memory is one of 2048, 3072, 4096, 5120, 6144, 7168, 8192 (memory defaults to 512)"]
    );
    assert_eq!(
        errors(&[("cpu", "8192"), ("memory", "20000")]),
        ["a.toml:9:10: service.web.memory: cpu = 8192 and memory = 20000 are not a pair Fargate accepts: with cpu \
          = 8192, memory is one of 16384, 20480, 24576, 28672, 32768, 36864, 40960, 45056, 49152, 53248, 57344, \
          61440"]
    );
}

#[test]
fn service_sub_tables() {
    let tail = "[service.Web_App.logs]\nstream_prefix = \"a:b\"\n\
                [service.Web_App.discovery]\nnamespace = \"svc\"\nttl = -1\n\
                [service.Web_App.deployment]\nminimum_healthy_percent = 101\nmaximum_percent = 50\n\
                circuit_breaker = false\nrollback = true\n\
                [service.Web_App.load_balancer]\nscheme = \"public\"\nlistener_port = 65536\n\
                allowed_cidrs = [\"0.0.0.1/0\"]\nport = 80\n\
                [service.Web_App.load_balancer.health_check]\npath = \"health\"\ninterval_seconds = 4\n\
                timeout_seconds = 121\nhealthy_threshold = 1\nunhealthy_threshold = 11\n";
    assert_eq!(
        file_errors(&service("Web_App", &[], tail)),
        [
            // The service name is not a DNS label: the default discovery name is reported where the name is.
            "a.toml:1:10: service.Web_App.discovery.name: invalid DNS label `Web_App`: expected 1 to 63 of `a-z`, \
             `0-9` and `-`, not starting or ending with `-` (the service name is the default `name`; set `name`)",
            "a.toml:1:10: service.Web_App.load_balancer.name: invalid load balancer name `Web_App`: expected 1 to 32 \
             letters, digits and `-`, not starting or ending with `-` (the service name is the default `name`; set \
             `name`)",
            "a.toml:8:1: service.Web_App.logs.log_group: missing required field `log_group`",
            "a.toml:9:17: service.Web_App.logs.stream_prefix: invalid stream prefix `a:b`: log stream names cannot \
             have `:` or `*`",
            "a.toml:12:7: service.Web_App.discovery.ttl: -1 is out of range: expected 0 to 2147483647",
            "a.toml:14:27: service.Web_App.deployment.minimum_healthy_percent: 101 is out of range: expected 0 to 100",
            "a.toml:15:19: service.Web_App.deployment.maximum_percent: 50 is out of range: expected 100 to 400",
            "a.toml:17:12: service.Web_App.deployment.rollback: rollback needs the circuit breaker: set \
             circuit_breaker = true, or rollback = false",
            "a.toml:19:10: service.Web_App.load_balancer.scheme: unknown value `public`, expected one of \
             `internet-facing`, `internal`",
            "a.toml:20:17: service.Web_App.load_balancer.listener_port: port 65536 is out of range: ports go from 1 \
             to 65535",
            "a.toml:21:18: service.Web_App.load_balancer.allowed_cidrs[0]: `0.0.0.1/0` is not a network address: \
             its host bits are set; the network is `0.0.0.0/0`",
            "a.toml:22:1: service.Web_App.load_balancer.port: unknown field `port`, expected one of `name`, \
             `scheme`, `listener_port`, `allowed_cidrs`, `health_check`, `https`",
            "a.toml:24:8: service.Web_App.load_balancer.health_check.path: the path `health` must start with `/`",
            "a.toml:25:20: service.Web_App.load_balancer.health_check.interval_seconds: 4 is out of range: expected \
             5 to 300",
            "a.toml:26:19: service.Web_App.load_balancer.health_check.timeout_seconds: 121 is out of range: \
             expected 2 to 120",
            "a.toml:27:21: service.Web_App.load_balancer.health_check.healthy_threshold: 1 is out of range: \
             expected 2 to 10",
            "a.toml:28:23: service.Web_App.load_balancer.health_check.unhealthy_threshold: 11 is out of range: \
             expected 2 to 10",
        ]
    );
}

#[test]
fn service_names_and_cross_field_rules() {
    let tail = "[service.web.discovery]\nnamespace = \"svc\"\nname = \"-web\"\n\
                [service.web.deployment]\nmaximum_percent = 100\n\
                [service.web.load_balancer]\nname = \"internal-web\"\nallowed_cidrs = []\n\
                [service.web.load_balancer.health_check]\ninterval_seconds = 10\ntimeout_seconds = 10\n\
                [service.api]\nlogs = \"x\"\n";
    assert_eq!(
        file_errors(&service("web", &[], tail)),
        [
            "a.toml:10:8: service.web.discovery.name: invalid DNS label `-web`: expected 1 to 63 of `a-z`, `0-9` and \
             `-`, not starting or ending with `-`",
            "a.toml:12:19: service.web.deployment.maximum_percent: maximum_percent = 100 leaves no room with \
             minimum_healthy_percent = 100: ECS could neither start a new task before stopping an old one nor stop \
             one first; raise maximum_percent or lower minimum_healthy_percent",
            "a.toml:14:8: service.web.load_balancer.name: load balancer name `internal-web` starts with `internal-`, \
             which AWS reserves",
            "a.toml:15:17: service.web.load_balancer.allowed_cidrs: the list of allowed CIDRs is empty: name at \
             least one (`0.0.0.0/0` for anyone)",
            "a.toml:18:19: service.web.load_balancer.health_check.timeout_seconds: timeout_seconds = 10 must be less \
             than interval_seconds = 10",
            "a.toml:19:1: service.api.cluster: missing required field `cluster`",
            "a.toml:19:1: service.api.execution_role: missing required field `execution_role`",
            "a.toml:19:1: service.api.image: missing required field `image`",
            "a.toml:19:1: service.api.port: missing required field `port`",
            "a.toml:19:1: service.api.security_groups: missing required field `security_groups`",
            "a.toml:19:1: service.api.vpc: missing required field `vpc`",
            "a.toml:20:8: service.api.logs: expected a table ([service.api.logs]), found a string",
        ]
    );
}

#[test]
fn instance_values() {
    let text = "[instance.a]\ninstance_type = \"t3\"\nimage = \"ami-123\"\nvpc = \"main\"\nsubnets = \"public\"\n\
                security_groups = \"services\"\nrole = 1\nassign_public_ip = true\n\
                [instance.b]\ninstance_type = \"t3.medium\"\nvpc = \"main\"\nsecurity_groups = [\"services\"]\n";
    let mut text = text.to_string();
    text.push_str(&format!("user_data = \"{}\"\n", "x".repeat(16385)));
    assert_eq!(
        file_errors(&text),
        [
            "a.toml:2:17: instance.a.instance_type: `t3` is not an instance type like `t3.medium` (FAMILY.SIZE)",
            "a.toml:3:9: instance.a.image: `ami-123` is not an AMI id like `ami-0123456789abcdef0`",
            "a.toml:6:19: instance.a.security_groups: expected an array of security group names, found a string",
            "a.toml:7:8: instance.a.role: expected a string, found an integer",
            "a.toml:8:1: instance.a.assign_public_ip: unknown field `assign_public_ip`, expected one of \
             `instance_type`, `image`, `vpc`, `subnets`, `security_groups`, `role`, `user_data`, `tags`, `deletion_policy`",
            "a.toml:13:13: instance.b.user_data: the user data is 16385 bytes long; EC2 allows at most 16384",
        ]
    );
}

#[test]
fn one_service_with_many_problems_reports_them_all_at_once() {
    let text = "[service.web]\nimage = \"app\"\ncpu = 512\nmemory = 512\nport = \"3000\"\nvpc = \"main\"\n\
                security_groups = [\"services\"]\nexecution_role = \"exec\"\nreplicas = 2\n\
                [service.web.logs]\nlog_group = \"logs\"\nstream_prefix = \"\"\n";
    assert_eq!(
        file_errors(text),
        [
            "a.toml:1:1: service.web.cluster: missing required field `cluster`",
            "a.toml:4:10: service.web.memory: cpu = 512 and memory = 512 are not a pair Fargate accepts: with cpu = \
             512, memory is one of 1024, 2048, 3072, 4096",
            "a.toml:5:8: service.web.port: expected an integer, found a string",
            "a.toml:9:1: service.web.replicas: unknown field `replicas`, expected one of `service_name`, `cluster`, \
             `image`, `cpu`, `memory`, `port`, `environment`, `secrets`, `command`, `desired_count`, `vpc`, `subnets`, \
             `security_groups`, `assign_public_ip`, `execution_role`, `task_role`, `health_check`, `depends_on`, `sidecars`, `health_check_grace_period_seconds`, `enable_execute_command`, `logs`, `discovery`, `deployment`, \
             `load_balancer`, `route`, `autoscaling`, `keep_revisions`, `tags`, `adopt`, `deletion_policy`",
            "a.toml:12:17: service.web.logs.stream_prefix: the stream prefix must not be empty",
        ]
    );
}

#[test]
fn service_and_instance_references_to_undeclared_names() {
    let text = service(
        "web",
        &[
            ("cluster", "\"dmeo\""),
            ("vpc", "\"nope\""),
            ("security_groups", "[\"servics\"]"),
            ("execution_role", "\"x\""),
        ],
        "[service.web.logs]\nlog_group = \"log\"\n[service.web.discovery]\nnamespace = \"sv\"\n\
         [instance.lt]\ninstance_type = \"t3.micro\"\nvpc = \"main\"\nsecurity_groups = [\"services\"]\nrole = \"hots\"\n",
    );
    assert_eq!(
        load_errors(&[("a.toml", PLATFORM), ("b.toml", &text)]),
        [
            "b.toml:2:11: service.web.cluster: no cluster named `dmeo` is declared (did you mean `demo`?)",
            "b.toml:5:7: service.web.vpc: no vpc named `nope` is declared",
            "b.toml:6:20: service.web.security_groups[0]: no security_group named `servics` is declared (did you \
             mean `services`?)",
            "b.toml:7:18: service.web.execution_role: no role named `x` is declared",
            "b.toml:9:13: service.web.logs.log_group: no log_group named `log` is declared (did you mean `logs`?)",
            "b.toml:11:13: service.web.discovery.namespace: no namespace named `sv` is declared (did you mean `svc`?)",
            "b.toml:16:8: instance.lt.role: no role named `hots` is declared (did you mean `host`?)",
        ]
    );
}

#[test]
fn security_groups_and_namespace_must_be_in_the_vpc() {
    let text = service(
        "web",
        &[("security_groups", "[\"services\", \"elsewhere\"]")],
        "[service.web.discovery]\nnamespace = \"far\"\n\
         [instance.lt]\ninstance_type = \"t3.micro\"\nvpc = \"other\"\nsecurity_groups = [\"services\"]\n",
    );
    assert_eq!(
        load_errors(&[("a.toml", PLATFORM), ("b.toml", &text)]),
        [
            "b.toml:6:32: service.web.security_groups[1]: security group `elsewhere` is in vpc `other`, but service \
             `web` is in vpc `main`: a service's security groups, namespace and shared load balancer must be in its VPC",
            "b.toml:9:13: service.web.discovery.namespace: namespace `far` is in vpc `other`, but service `web` is \
             in vpc `main`: a service's security groups, namespace and shared load balancer must be in its VPC",
            "b.toml:13:20: instance.lt.security_groups[0]: security group `services` is in vpc `main`, but instance \
             `lt` is in vpc `other`: an instance's security groups must be in its VPC",
        ]
    );
}

#[test]
fn instance_role_needs_an_instance_profile() {
    let text = "[instance.lt]\ninstance_type = \"t3.micro\"\nvpc = \"main\"\nsecurity_groups = [\"services\"]\n\
                role = \"exec\"\n";
    assert_eq!(
        load_errors(&[("a.toml", PLATFORM), ("b.toml", text)]),
        ["b.toml:5:8: instance.lt.role: role `exec` has no instance profile, which an instance needs: set \
          `instance_profile = true` on it (a.toml:18:1)"]
    );
}

#[test]
fn load_balancer_needs_two_zones() {
    let text = "[vpc.small]\ncidr = \"10.2.0.0/24\"\navailability_zones = 1\n\
                [security_group.small]\nvpc = \"small\"\ndescription = \"s\"\n"
        .to_string()
        + &service("web", &[("vpc", "\"small\""), ("security_groups", "[\"small\"]")], "[service.web.load_balancer]\n");
    assert_eq!(
        load_errors(&[("a.toml", PLATFORM), ("b.toml", &text)]),
        ["b.toml:14:1: service.web.load_balancer: a load balancer needs subnets in at least 2 availability zones, \
          and vpc `small` has 1"]
    );
}

#[test]
fn duplicate_aws_identities_of_the_new_kinds() {
    let b = "[role.exec2]\nrole_name = \"EXEC\"\ntrusted_service = \"ecs-tasks.amazonaws.com\"\n\
             [log_group.logs2]\ngroup_name = \"logs\"\n\
             [cluster.demo2]\n"
        .to_string()
        + &service("web", &[], "[service.web.load_balancer]\n[service.web.discovery]\nnamespace = \"svc\"\n")
        // Same service name as `web`, in another cluster: fine. Its load balancer and discovery name are not.
        + &service(
            "web2",
            &[("service_name", "\"web\""), ("cluster", "\"demo2\"")],
            "[service.web2.load_balancer]\nname = \"web\"\n[service.web2.discovery]\nnamespace = \"svc\"\n",
        )
        + &service("web3", &[("service_name", "\"web\"")], "");
    assert_eq!(
        load_errors(&[("a.toml", PLATFORM), ("b.toml", &b)]),
        [
            "b.toml:2:13: role.exec2.role_name: role name `EXEC` is already used by role `exec` (a.toml:18:1)",
            "b.toml:5:14: log_group.logs2.group_name: log group name `logs` is already used by log_group `logs` \
             (a.toml:23:1)",
            "b.toml:26:8: service.web2.load_balancer.name: load balancer name `web` is already used by service \
             `web` (b.toml:14:1)",
            "b.toml:27:1: service.web2.discovery.name: discovery name `web` in namespace `svc` is already used by \
             service `web` (b.toml:15:1)",
            "b.toml:36:16: service.web3.service_name: service name `web` in cluster `demo` is already used by \
             service `web` (b.toml:7:1)",
        ]
    );
}

// 11. Warnings.

#[test]
fn an_image_without_tag_or_digest_is_a_warning() {
    let warnings = |image: &str| {
        let text = service("web", &[("image", &format!("\"{image}\""))], "");
        let desired = common::load(&[("a.toml", PLATFORM), ("b.toml", &text)]).unwrap();
        assert_eq!(desired.len(), 11, "warnings are not declarations");
        desired.warnings.iter().map(ToString::to_string).collect::<Vec<_>>()
    };
    let untagged = "b.toml:3:9: service.web.image: no tag: `latest` is implied and changes under you; pin a tag or \
                    digest";
    assert_eq!(warnings("brentley/ecsdemo-frontend"), [untagged]);
    assert_eq!(warnings("nginx"), [untagged]);
    // A registry's port is no tag.
    assert_eq!(warnings("registry.example.com:5000/team/app"), [untagged]);
    for pinned in [
        "brentley/ecsdemo-frontend:latest",
        "nginx:1.27",
        "registry.example.com:5000/team/app:1.2",
        "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        assert_eq!(warnings(pinned), Vec::<String>::new(), "{pinned}");
    }
}

#[test]
fn warnings_are_kept_in_the_file_declarations_and_do_not_fail_a_file() {
    let text = service("web", &[("image", "\"app\"")], "") + &service("api", &[("image", "\"api\"")], "");
    let parsed = parse_file(Path::new("a.toml"), &text).unwrap();
    assert_eq!(parsed.len(), 2);
    let shown: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "a.toml:3:9: service.web.image: no tag: `latest` is implied and changes under you; pin a tag or digest",
            "a.toml:10:9: service.api.image: no tag: `latest` is implied and changes under you; pin a tag or digest",
        ]
    );
    // A file with errors keeps its warnings too.
    let (declarations, errors) = reconciler_spec::parse_file_partial(
        Path::new("a.toml"),
        &service("web", &[("image", "\"app\""), ("port", "0")], ""),
    );
    assert_eq!(errors.len(), 1);
    assert_eq!(declarations.warnings.len(), 1);
}

#[test]
fn adopt_is_a_boolean_and_only_for_kinds_that_can_be_recognised() {
    let errors = load_errors(&[(
        "a.toml",
        "[cluster.c]\nadopt = \"yes\"\n\n[instance.i]\ninstance_type = \"t3.micro\"\nvpc = \"v\"\nsecurity_groups = []\nadopt = true\n",
    )]);
    assert_eq!(errors[0], "a.toml:2:9: cluster.c.adopt: expected a boolean (true or false), found a string");
    assert!(errors.iter().any(|e| e.starts_with("a.toml:8:1: instance.i.adopt: unknown field `adopt`")), "{errors:?}");
    // A VPC is recognised by its CIDR (and tags): `reconciler export` writes it with `adopt = true`.
    let desired =
        common::load(&[("a.toml", "[cluster.c]\nadopt = true\n\n[vpc.v]\ncidr = \"10.0.0.0/24\"\nadopt = true\n")])
            .unwrap();
    assert!(desired.lifecycles[&(reconciler_spec::Kind::Cluster, "c".to_string())].adopt);
    assert!(desired.lifecycles[&(reconciler_spec::Kind::Vpc, "v".to_string())].adopt);
}

#[test]
fn deletion_policy_is_delete_or_retain_on_every_kind() {
    let errors = common::load_errors(&[("a.toml", "[cluster.c]\ndeletion_policy = \"keep\"\n")]);
    assert_eq!(
        errors,
        [
            "a.toml:2:19: cluster.c.deletion_policy: unknown deletion policy \"keep\", expected \"delete\" (the default) or \"retain\""
        ]
    );
    let desired = common::load(&[(
        "a.toml",
        "[vpc.v]\ncidr = \"10.0.0.0/24\"\ndeletion_policy = \"retain\"\n\n[cluster.c]\ndeletion_policy = \"delete\"\n",
    )])
    .unwrap();
    assert!(desired.lifecycles[&(reconciler_spec::Kind::Vpc, "v".to_string())].retain);
    assert!(!desired.lifecycles.contains_key(&(reconciler_spec::Kind::Cluster, "c".to_string())), "the default");
}
