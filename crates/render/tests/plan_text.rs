//! The plan as text: exact output for each sort of entry.

mod fixtures;

use fixtures::*;
use std::collections::BTreeMap;

use reconciler_plan::{ActionKind, ActionReason, DriftNote, Plan, Removal, Value};
use reconciler_render::{TextOptions, plan_text};

fn plain(plan: &Plan) -> String {
    plan_text(plan, &TextOptions::default())
}

fn colored(plan: &Plan) -> String {
    plan_text(plan, &TextOptions { color: true })
}

fn actions(actions: Vec<reconciler_plan::Action>) -> Plan {
    Plan { actions, ..Plan::default() }
}

/// The text without ANSI escape sequences.
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn create_lists_every_field_with_equals_aligned() {
    assert_eq!(
        plain(&actions(vec![create_vpc()])),
        r#"Reconciler will perform the following actions:

  # vpc.main will be created: not found
  + vpc.main
      + cidr                 = "10.0.0.0/24"
      + enable_dns_support   = true
      + enable_dns_hostnames = true
      + tags.Name            = "main"

Plan: 1 to add, 0 to change, 0 to replace.

Legend: + create
"#
    );
}

#[test]
fn create_shows_each_set_element_and_empty_sets_inline() {
    let create = action(
        ActionKind::Create,
        "security_group.shared/services",
        None,
        ActionReason::NotFound,
        vec![
            new("vpc", text("vpc.main")),
            new("group_name", text("services")),
            new("ingress", set(&[])),
            new("egress", set(&["all 0.0.0.0/0", "tcp 443 10.0.0.0/16"])),
            new("tags.Name", text("services")),
        ],
    );
    assert_eq!(
        plain(&actions(vec![create])),
        r#"Reconciler will perform the following actions:

  # security_group.shared/services will be created: not found
  + security_group.shared/services
      + vpc        = "vpc.main"
      + group_name = "services"
      + ingress    = []
      + egress
          + "all 0.0.0.0/0"
          + "tcp 443 10.0.0.0/16"
      + tags.Name  = "services"

Plan: 1 to add, 0 to change, 0 to replace.

Legend: + create
"#
    );
}

#[test]
fn update_shows_scalar_set_and_tag_changes() {
    let vpc = action(
        ActionKind::Update,
        "vpc.main",
        Some("vpc-0abc"),
        drift(&["enable_dns_hostnames", "tags.Owner", "tags.Project"]),
        vec![
            change("enable_dns_hostnames", Value::Bool(false), Value::Bool(true)),
            change("tags.Owner", Value::Absent, text("platform")),
            change("tags.Project", text("old"), text("ecsdemo")),
        ],
    );
    assert_eq!(
        plain(&actions(vec![vpc, update_security_group()])),
        r#"Reconciler will perform the following actions:

  # vpc.main (vpc-0abc) will be updated in place: drift in enable_dns_hostnames, tags.Owner, tags.Project
  ~ vpc.main
      ~ enable_dns_hostnames = false -> true
      ~ tags.Owner           = (none) -> "platform"
      ~ tags.Project         = "old" -> "ecsdemo"

  # security_group.shared/services (sg-0abc) will be updated in place: drift in ingress, tags.Project
  ~ security_group.shared/services
      ~ ingress
          + "tcp 3000 security_group.shared/services"
          - "tcp 22 0.0.0.0/0"
          # (1 unchanged element hidden)
      ~ tags.Project = "old" -> "ecsdemo"

Plan: 0 to add, 2 to change, 0 to replace.

Legend: ~ update in place
"#
    );
}

#[test]
fn a_set_emptied_or_filled_from_nothing_shows_only_removals_or_additions() {
    let table = action(
        ActionKind::Update,
        "route_table.main/public",
        Some("rtb-0aa"),
        drift(&["routes", "subnets"]),
        vec![
            change("routes", set(&["0.0.0.0/0 via internet_gateway.main", "10.1.0.0/16 via pcx-1"]), set(&[])),
            change("subnets", Value::Absent, set(&["subnet.shared/public-1"])),
        ],
    );
    assert_eq!(
        plain(&actions(vec![table])),
        r#"Reconciler will perform the following actions:

  # route_table.main/public (rtb-0aa) will be updated in place: drift in routes, subnets
  ~ route_table.main/public
      ~ routes
          - "0.0.0.0/0 via internet_gateway.main"
          - "10.1.0.0/16 via pcx-1"
      ~ subnets
          + "subnet.shared/public-1"

Plan: 0 to add, 1 to change, 0 to replace.

Legend: ~ update in place
"#
    );
}

#[test]
fn replace_marks_the_field_that_forces_it() {
    assert_eq!(
        plain(&actions(vec![replace_subnet()])),
        r#"Reconciler will perform the following actions:

  # subnet.shared/public-1 (subnet-0123) must be replaced: cidr cannot be changed in place
-/+ subnet.shared/public-1
      ~ cidr                    = "10.0.0.0/26" -> "10.0.0.0/27" # forces replacement
      ~ map_public_ip_on_launch = false -> true

Plan: 0 to add, 0 to change, 1 to replace.

Legend: -/+ replace
"#
    );
}

#[test]
fn replace_of_a_field_set_from_nothing_still_shows_before_and_after() {
    let namespace = action(
        ActionKind::Replace,
        "namespace.internal",
        Some("ns-0a"),
        fixed(&["description"]),
        vec![
            forcing("description", Value::Absent, text("service discovery")),
            change("tags.Owner", Value::Absent, text("platform")),
        ],
    );
    assert_eq!(
        plain(&actions(vec![namespace])),
        r#"Reconciler will perform the following actions:

  # namespace.internal (ns-0a) must be replaced: description cannot be changed in place
-/+ namespace.internal
      ~ description = (none) -> "service discovery" # forces replacement
      ~ tags.Owner  = (none) -> "platform"

Plan: 0 to add, 0 to change, 1 to replace.

Legend: -/+ replace
"#
    );
}

#[test]
fn replace_forced_by_a_dependency_lists_the_new_resources_fields() {
    let nat = action(
        ActionKind::Replace,
        "nat_gateway.shared/a",
        Some("nat-0f"),
        replaced("subnet.shared/public-1"),
        vec![new("subnet", text("subnet.shared/public-1")), new("allocation", text("elastic_ip.shared/a"))],
    );
    assert_eq!(
        plain(&actions(vec![nat])),
        r#"Reconciler will perform the following actions:

  # nat_gateway.shared/a (nat-0f) must be replaced: subnet.shared/public-1 is replaced
-/+ nat_gateway.shared/a
      + subnet     = "subnet.shared/public-1"
      + allocation = "elastic_ip.shared/a"

Plan: 0 to add, 0 to change, 1 to replace.

Legend: -/+ replace
"#
    );
}

#[test]
fn conflict_and_the_action_it_blocks() {
    let plan = blocked_by_conflict();
    assert_eq!(
        plain(&plan),
        r#"Reconciler will perform the following actions:

  # security_group.shared/web will be created: not found
  # (blocked: security_group.shared/services is in conflict)
  + security_group.shared/web
      + ingress
          + "tcp 80 security_group.shared/services"

  # security_group.shared/services cannot be created: conflict with sg-0ff (name "vpc.shared/services")
  !   a resource with this name exists and is not managed by this reconciler; it is left untouched (rename the declaration or remove the other resource)

Plan: 1 to add, 0 to change, 0 to replace. 1 conflict.

Legend: + create, ! conflict
"#
    );
}

#[test]
fn a_conflict_is_shown_when_there_is_nothing_else_to_do() {
    let plan = Plan { conflicts: vec![cluster_conflict()], ..Plan::default() };
    assert_eq!(
        plain(&plan),
        r#"  # cluster.container-demo cannot be created: conflict with arn:aws:ecs:us-east-1:123456789012:cluster/container-demo (name "container-demo")
  !   a resource with this name exists and is not managed by this reconciler; it is left untouched (rename the declaration or remove the other resource)

No changes. The live state matches the desired state, except for the conflict above.

Plan: 0 to add, 0 to change, 0 to replace. 1 conflict.

Legend: ! conflict
"#
    );
}

#[test]
fn not_declared_resources_are_listed_without_a_symbol() {
    let plan = Plan { not_declared: vec![old_vpc()], ..Plan::default() };
    assert_eq!(
        plain(&plan),
        r#"  # vpc.old (vpc-0999) is not declared: no declaration in the desired state; left in place

No changes. The live state matches the desired state.

Plan: 0 to add, 0 to change, 0 to replace. 1 not declared.
"#
    );
}

#[test]
fn empty_plan_says_no_changes() {
    assert_eq!(plain(&Plan::default()), "No changes. The live state matches the desired state.\n");
}

#[test]
fn summary_counts_each_action_and_pluralizes_conflicts() {
    let mut second_conflict = cluster_conflict();
    second_conflict.address = address("cluster.other");
    let plan = Plan {
        actions: vec![create_vpc(), create_vpc(), update_security_group(), update_security_group(), replace_subnet()],
        conflicts: vec![cluster_conflict(), second_conflict],
        not_declared: vec![old_vpc(), old_vpc(), old_vpc()],
        ..Plan::default()
    };
    let text = plain(&plan);
    assert!(
        text.contains("\nPlan: 2 to add, 2 to change, 1 to replace. 2 conflicts, 3 not declared.\n"),
        "summary line missing in:\n{text}"
    );
}

#[test]
fn legend_lists_only_the_symbols_used() {
    let legend = |plan: &Plan| plain(plan).lines().last().unwrap_or_default().to_string();
    assert_eq!(legend(&actions(vec![update_security_group()])), "Legend: ~ update in place");
    assert_eq!(
        legend(&Plan {
            actions: vec![replace_subnet()],
            conflicts: vec![cluster_conflict()],
            not_declared: vec![],
            ..Plan::default()
        }),
        "Legend: -/+ replace, ! conflict"
    );
    // The `+` and `-` of set elements inside an update are not resource actions: not in the legend.
    assert!(!plain(&actions(vec![update_security_group()])).contains("+ create"));
    assert_eq!(legend(&tour()), "Legend: + create, ~ update in place, -/+ replace, ! conflict");
}

#[test]
fn without_color_there_are_no_escape_codes() {
    assert!(!plain(&tour()).contains('\x1b'));
    assert!(!plain(&Plan::default()).contains('\x1b'));
}

#[test]
fn with_color_symbols_are_colored_like_terraform() {
    let text = colored(&actions(vec![replace_subnet()]));
    assert_eq!(
        text,
        "\x1b[1mReconciler will perform the following actions:\x1b[0m

  \x1b[1m# subnet.shared/public-1\x1b[0m (subnet-0123) must be replaced: cidr cannot be changed in place
\x1b[35m-/+\x1b[0m subnet.shared/public-1
      \x1b[33m~\x1b[0m cidr                    = \"10.0.0.0/26\" -> \"10.0.0.0/27\" \x1b[31m# forces replacement\x1b[0m
      \x1b[33m~\x1b[0m map_public_ip_on_launch = false -> true

\x1b[1mPlan:\x1b[0m 0 to add, 0 to change, 1 to replace.

Legend: \x1b[35m-/+\x1b[0m replace
"
    );
    let tour = colored(&tour());
    assert!(tour.contains("  \x1b[32m+\x1b[0m vpc.main\n"), "green + missing in:\n{tour}");
    assert!(tour.contains("          \x1b[31m-\x1b[0m \"tcp 22 0.0.0.0/0\"\n"), "red - missing in:\n{tour}");
    assert!(tour.contains("  \x1b[31m!\x1b[0m   a resource"), "red ! missing in:\n{tour}");
    assert!(colored(&Plan::default()).contains("\x1b[32mNo changes."));
}

#[test]
fn colors_change_nothing_but_escape_codes() {
    assert_eq!(strip_ansi(&colored(&tour())), plain(&tour()));
    assert_eq!(strip_ansi(&colored(&Plan::default())), plain(&Plan::default()));
}

#[test]
fn no_line_has_trailing_whitespace_and_multi_line_text_stays_on_one_line() {
    let mut sloppy = update_security_group();
    // A duplicate's id is AWS's text, not ours: whatever it holds, the reason stays on one line.
    sloppy.reason = ActionReason::Duplicate { kept_id: "sg-0abc \nand more ".to_string() };
    sloppy.changes.push(change("description", text("line one\nline two "), text("")));
    let text = plain(&Plan { actions: vec![sloppy], ..tour() });
    for line in text.lines() {
        assert_eq!(line, line.trim_end(), "trailing whitespace in {line:?}");
    }
    assert!(text.contains(": duplicate of sg-0abc and more : another resource"), "reason not joined in:\n{text}");
    assert!(text.contains(r#"= "line one\nline two " -> """#), "value not escaped in:\n{text}");
    assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "not one final newline in:\n{text}");
}

#[test]
fn delete_shows_what_goes_and_is_counted_only_when_present() {
    let delete = action(
        ActionKind::Delete,
        "scaling_policy.ecsdemo-frontend/ecsdemo-frontend-cpu",
        Some("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1"),
        ActionReason::Removal { cause: Removal::Deregistered, retained: false },
        vec![change("metric", text("cpu"), Value::Absent), change("target", text("50"), Value::Absent)],
    );
    let shown = plain(&actions(vec![delete]));
    assert!(
        shown.contains(
            "  # scaling_policy.ecsdemo-frontend/ecsdemo-frontend-cpu (arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1) will be deleted: no longer declared: deregistered\n  # (declared in no file; ours by its reconciler:owner and reconciler:resource tags)\n  - scaling_policy.ecsdemo-frontend/ecsdemo-frontend-cpu\n"
        ),
        "{shown}"
    );
    assert!(shown.contains("      - metric = \"cpu\"\n      - target = \"50\"\n"), "{shown}");
    assert!(shown.contains("Plan: 0 to add, 0 to change, 0 to replace, 1 to delete.\n"), "{shown}");
    assert!(shown.contains("Legend: - delete"), "{shown}");
    assert!(!plain(&actions(vec![replace_subnet()])).contains("to delete"));
}

// ---------------------------------------------------------------------------------------------------------
// Plans a reviewer can read: ownership tags once, where each resource comes from, image bumps as revision
// moves, deletions in the order they run.
// ---------------------------------------------------------------------------------------------------------

const OWNERSHIP_LINE: &str = "Every resource created or adopted is tagged reconciler:managed-by = \"reconciler\", \
                              reconciler:owner = \"workshop\" and reconciler:resource = its address (not repeated \
                              below).";

#[test]
fn the_ownership_tags_are_said_once_in_the_header_and_not_under_each_resource() {
    let mut adopt = update_security_group();
    adopt.action = ActionKind::Adopt;
    adopt.reason = ActionReason::Adopt;
    adopt.changes = reconciler_plan::ownership::ownership_tags(OWNER, &adopt.address)
        .into_iter()
        .map(|(key, value)| new_tag(key, text(&value)))
        .collect();
    let plan =
        Plan { actions: vec![create_vpc_tagged_as_ours(), adopt], owner_id: OWNER.to_string(), ..Plan::default() };
    let shown = plain(&plan);
    assert!(
        shown.starts_with(&format!("Reconciler will perform the following actions:\n{OWNERSHIP_LINE}\n\n")),
        "{shown}"
    );
    assert_eq!(shown.matches("reconciler:owner").count(), 1, "{shown}");
    assert!(shown.contains("      + tags.Name            = \"main\"\n\n"), "the other tags stay:\n{shown}");
    assert!(shown.contains(" <~ security_group.shared/services\n\nPlan:"), "an adoption that only tags: {shown}");
}

#[test]
fn ownership_tags_that_change_otherwise_are_shown_and_without_tagging_there_is_no_ownership_line() {
    // Another owner's id on a create (not this plan's), and our tags removed by a release.
    let mut foreign = create_vpc_tagged_as_ours();
    foreign.changes.retain(|c| c.field.to_string() == "tags.reconciler:owner");
    let mut release = pruned("log_group.api", "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/api", vec![]);
    release.action = ActionKind::Release;
    release.changes = vec![change("tags.reconciler:owner", text(OWNER), Value::Absent)];
    let plan = Plan { actions: vec![foreign, release], owner_id: "another".to_string(), ..Plan::default() };
    let shown = plain(&plan);
    assert!(!shown.contains("Every resource created or adopted"), "{shown}");
    assert!(shown.contains("      + tags.reconciler:owner = \"workshop\"\n"), "{shown}");
    assert!(shown.contains("      ~ tags.reconciler:owner = \"workshop\" -> (none)\n"), "{shown}");
}

#[test]
fn each_block_says_which_file_and_line_it_comes_from() {
    let mut plan = tour();
    let shown = plain(&plan);
    assert!(
        shown.contains("  # vpc.main will be created: not found\n  # (from network.toml:1)\n  + vpc.main\n"),
        "{shown}"
    );
    assert!(shown.contains("(name \"container-demo\")\n  # (from cluster.toml:1)\n  !   a resource"), "{shown}");
    // Not declared: left in place, one line, nothing to point at.
    assert!(
        shown
            .contains("  # vpc.old (vpc-0999) is not declared: no declaration in the desired state; left in place\n\n")
    );

    // A file name cannot forge a line of the plan.
    plan.declared_at.insert(address("vpc.main"), at("evil\n  + vpc.fake.toml", 7));
    let shown = plain(&plan);
    assert!(shown.contains("  # (from evil\\n  + vpc.fake.toml:7)\n"), "{shown}");
    assert!(!shown.contains("\n  + vpc.fake"), "{shown}");
}

#[test]
fn an_action_without_a_known_declaration_has_no_origin_line_unless_it_is_a_deletion() {
    let shown = plain(&actions(vec![create_vpc()]));
    assert!(!shown.contains("# (from") && !shown.contains("declared in no file"), "{shown}");
    let shown = plain(&pruned_api());
    assert_eq!(
        shown.matches("  # (declared in no file; ours by its reconciler:owner and reconciler:resource tags)\n").count(),
        3
    );
}

#[test]
fn an_image_bump_is_the_service_moving_from_revision_n_to_n_plus_1() {
    let shown = plain(&image_bump(Some(4)));
    assert_eq!(
        shown,
        r#"Reconciler will perform the following actions:

  # service.web (arn:aws:ecs:us-east-1:123456789012:service/container-demo/web) will be updated in place: a new revision of its task definition (image changed)
  # (from web.toml:1)
  ~ service.web
      ~ task_definition = "web:3" -> "web:4"
          ~ image = "nginx:1.26" -> "nginx:1.27"

Plan: 0 to add, 1 to change (1 to a new revision), 0 to replace.

Legend: ~ update in place
"#
    );
}

#[test]
fn a_revision_number_that_cannot_be_known_is_the_next_revision() {
    let shown = plain(&image_bump(None));
    assert!(shown.contains("      ~ task_definition = \"web:3\" -> (next revision)\n"), "{shown}");
}

#[test]
fn a_new_revision_without_a_service_moving_to_it_keeps_its_own_block() {
    let plan = Plan { revision_moves: BTreeMap::new(), ..image_bump(Some(4)) };
    let shown = plain(&plan);
    assert!(
        shown.contains(
            "-/+ task_definition.web\n      ~ image = \"nginx:1.26\" -> \"nginx:1.27\" # forces replacement\n"
        )
    );
    assert!(shown.contains("Plan: 0 to add, 1 to change, 1 to replace."), "{shown}");
}

#[test]
fn a_service_moving_to_a_new_revision_with_drift_of_its_own_shows_both() {
    let mut plan = image_bump(Some(4));
    let service = &mut plan.actions[1];
    service.reason = ActionReason::Drift {
        fields: vec![reconciler_plan::ChangedField::Field(reconciler_plan::FieldId::new("desired_count"))],
        notes: vec![DriftNote::RefersToReplaced { dependency: address("task_definition.web") }],
    };
    service.changes = vec![change("desired_count", Value::Int(1), Value::Int(2))];
    let shown = plain(&plan);
    assert!(
        shown.contains(
            "will be updated in place: a new revision of its task definition (image changed); drift in desired_count\n"
        ),
        "{shown}"
    );
    assert!(
        shown.contains(
            "  ~ service.web\n      ~ desired_count   = 1 -> 2\n      ~ task_definition = \"web:3\" -> \"web:4\"\n          ~ image"
        ),
        "{shown}"
    );
}

#[test]
fn deletions_are_drawn_in_the_order_the_plan_lists_them() {
    let plan = pruned_api();
    let shown = plain(&plan);
    let drawn: Vec<&str> = shown.lines().filter_map(|l| l.strip_prefix("  - ")).collect();
    let listed: Vec<String> = plan.deletions().map(|a| a.address.to_string()).collect();
    assert_eq!(drawn, listed);
}
