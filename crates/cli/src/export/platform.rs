//! The kinds that map one to one onto a live resource: `[cluster]`, `[namespace]`, `[role]`, `[log_group]`.

use reconciler_plan::{ClusterSpec, Kind, LogGroupSpec, NamespaceSpec, NodeSpec, ObservedNode, RoleSpec};

use super::inventory::{Inventory, declarable_tags};
use super::toml_out::Section;

/// The header, tags and `adopt = true` every exported declaration has; `fill` adds its own fields between.
fn declaration(kind: &str, name: &str, node: &ObservedNode, fill: impl FnOnce(&mut Section)) -> Section {
    let mut section = Section::new(&[kind, name]);
    fill(&mut section);
    section.set_map("tags", &declarable_tags(&node.tags)).set("adopt", true);
    section
}

pub fn cluster(inventory: &mut Inventory, node: &ObservedNode) -> Section {
    let NodeSpec::Cluster(ClusterSpec { cluster_name, container_insights }) = &node.spec else {
        unreachable!("a cluster node")
    };
    let name = inventory.name(Kind::Cluster, &node.id, cluster_name);
    declaration("cluster", &name, node, |s| {
        s.set_unless("cluster_name", cluster_name.as_str(), name.as_str())
            .set("container_insights", *container_insights);
    })
}

/// A namespace in the exported VPC `vpc` (Cloud Map does not say which VPC a namespace is in: the services
/// registered in it run there).
pub fn namespace(inventory: &mut Inventory, node: &ObservedNode, vpc: &str) -> Section {
    let NodeSpec::Namespace(NamespaceSpec { dns_name, description, .. }) = &node.spec else {
        unreachable!("a namespace node")
    };
    // `service.local` is declared as `service`, as in config/: the first label is what a person calls it.
    let name = inventory.name(Kind::Namespace, &node.id, dns_name.split('.').next().unwrap_or(dns_name));
    declaration("namespace", &name, node, |s| {
        s.set_unless("dns_name", dns_name.as_str(), name.as_str()).set("vpc", vpc);
        s.set_some("description", description.as_deref());
    })
}

pub fn role(inventory: &mut Inventory, node: &ObservedNode) -> Section {
    let NodeSpec::Role(RoleSpec { role_name, trusted_service, managed_policies, inline_policy }) = &node.spec else {
        unreachable!("a role node")
    };
    if trusted_service.starts_with('(') {
        inventory.note(format!(
            "role {role_name}: its trust policy is not one service's `sts:AssumeRole`: the schema's `trusted_service` \
             cannot say it, and adopting it would rewrite it"
        ));
    }
    let name = inventory.name(Kind::Role, &node.id, role_name);
    declaration("role", &name, node, |s| {
        s.set_unless("role_name", role_name.as_str(), name.as_str()).set("trusted_service", trusted_service.as_str());
        if !managed_policies.is_empty() {
            s.set(
                "managed_policies",
                super::toml_out::Value::List(managed_policies.iter().map(|p| p.as_str().into()).collect()),
            );
        }
        s.set_some("inline_policy", inline_policy.as_deref());
    })
}

pub fn log_group(inventory: &mut Inventory, node: &ObservedNode) -> Section {
    let NodeSpec::LogGroup(LogGroupSpec { group_name, retention_days }) = &node.spec else {
        unreachable!("a log group node")
    };
    // `/ecs/ecsdemo-frontend` is declared as `ecsdemo-frontend`: its last part.
    let name = inventory.name(Kind::LogGroup, &node.id, group_name.rsplit('/').next().unwrap_or(group_name));
    declaration("log_group", &name, node, |s| {
        s.set_unless("group_name", group_name.as_str(), name.as_str());
        s.set_some("retention_days", *retention_days);
    })
}
