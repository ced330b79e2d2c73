//! Security groups and their rules. Name, description and VPC are fixed at creation; rules are changed in
//! place by revoking what is no longer wanted and authorizing what is missing.

use std::collections::BTreeSet;

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, ResourceType, SecurityGroup, UserIdGroupPair};
use reconciler_plan::kinds::security_group;
use reconciler_plan::{Action, Kind, Node, NodeSpec, ObservedNode, Ref, SgPeer, SgRule, allow_all_egress};
use reconciler_vocabulary::{PortRange, Protocol};

use crate::Aws;
use crate::apply::Ctx;
use crate::create_once::create_once;
use crate::ec2::{address_filters, tag_specification, tags_from, update_tags};
use crate::error::{AwsError, classify};
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::Grants;
use reconciler_plan::SecurityGroupSpec;

/// Every group in the given VPCs, ours and others: others matter because a group name is unique within a
/// VPC, and a clash must be reported as a conflict. One call for all VPCs.
pub async fn observe(aws: &Aws, vpc_ids: &[String]) -> Result<Vec<ObservedNode>, AwsError> {
    if vpc_ids.is_empty() {
        return Ok(vec![]);
    }
    let out = aws
        .ec2
        .describe_security_groups()
        .filters(Filter::builder().name("vpc-id").set_values(Some(vpc_ids.to_vec())).build())
        .send()
        .await
        .map_err(|e| classify("EC2.DescribeSecurityGroups", e))?;
    Ok(out
        .security_groups()
        .iter()
        .filter_map(|g| {
            Some(ObservedNode {
                id: g.group_id()?.to_string(),
                spec: NodeSpec::SecurityGroup(SecurityGroupSpec {
                    vpc: Ref::Aws(g.vpc_id()?.to_string()),
                    group_name: g.group_name()?.to_string(),
                    description: g.description().unwrap_or_default().to_string(),
                    ingress: rules_from(g.ip_permissions()),
                    egress: rules_from(g.ip_permissions_egress()),
                }),
                tags: tags_from(Some(g.tags())),
            })
        })
        .collect())
}

/// AWS's permissions (each may list several CIDRs and groups) as one rule per peer.
fn rules_from(permissions: &[IpPermission]) -> BTreeSet<SgRule> {
    let mut rules = BTreeSet::new();
    for permission in permissions {
        let protocol = match permission.ip_protocol().unwrap_or("-1") {
            "-1" | "all" => Protocol::All,
            "tcp" | "6" => Protocol::Tcp,
            "udp" | "17" => Protocol::Udp,
            "icmp" | "1" => Protocol::Icmp,
            // Other IP protocols cannot be declared; they are not ours to manage.
            _ => continue,
        };
        let ports = match protocol {
            Protocol::Tcp | Protocol::Udp => {
                let from = permission.from_port().and_then(|p| u16::try_from(p).ok()).unwrap_or(0);
                let to = permission.to_port().and_then(|p| u16::try_from(p).ok()).unwrap_or(65535);
                Some(PortRange { from, to })
            }
            Protocol::Icmp | Protocol::All => None,
        };
        let description = |d: Option<&str>| d.filter(|d| !d.is_empty()).map(str::to_string);
        for range in permission.ip_ranges() {
            if let Some(cidr) = range.cidr_ip().and_then(|c| c.parse().ok()) {
                rules.insert(SgRule {
                    protocol,
                    ports,
                    peer: SgPeer::Cidr(cidr),
                    description: description(range.description()),
                });
            }
        }
        for pair in permission.user_id_group_pairs() {
            if let Some(group) = pair.group_id() {
                rules.insert(SgRule {
                    protocol,
                    ports,
                    peer: SgPeer::Group(Ref::Aws(group.to_string())),
                    description: description(pair.description()),
                });
            }
        }
    }
    rules
}

fn permission(rule: &SgRule, ctx: &Ctx<'_>) -> Result<IpPermission, AwsError> {
    let protocol = match rule.protocol {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Icmp => "icmp",
        Protocol::All => "-1",
    };
    let mut builder = IpPermission::builder().ip_protocol(protocol);
    builder = match (rule.protocol, rule.ports) {
        (_, Some(PortRange { from, to })) => builder.from_port(i32::from(from)).to_port(i32::from(to)),
        // Every ICMP type and code.
        (Protocol::Icmp, None) => builder.from_port(-1).to_port(-1),
        _ => builder,
    };
    builder = match &rule.peer {
        SgPeer::Cidr(cidr) => builder
            .ip_ranges(IpRange::builder().cidr_ip(cidr.to_string()).set_description(rule.description.clone()).build()),
        SgPeer::Group(group) => builder.user_id_group_pairs(
            UserIdGroupPair::builder().group_id(ctx.id_of(group)?).set_description(rule.description.clone()).build(),
        ),
    };
    Ok(builder.build())
}

/// `rules` with every group reference turned into the group's current AWS id, so that they compare with
/// what DescribeSecurityGroups returns.
fn resolved(rules: &BTreeSet<SgRule>, ctx: &Ctx<'_>) -> Result<BTreeSet<SgRule>, AwsError> {
    rules
        .iter()
        .map(|rule| {
            let peer = match &rule.peer {
                SgPeer::Group(group) => SgPeer::Group(Ref::Aws(ctx.id_of(group)?)),
                cidr => cidr.clone(),
            };
            Ok(SgRule { peer, ..rule.clone() })
        })
        .collect()
}

pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &SecurityGroupSpec) -> Result<String, AwsError> {
    let SecurityGroupSpec { vpc, group_name, description, .. } = spec;
    let vpc_id = ctx.id_of(vpc)?;
    // No client token; AWS refuses a second group of the name in the VPC, so a blind resend after a lost
    // answer would fail the pass. Look for it by our tags first.
    let send = || async {
        let out = ctx
            .aws
            .ec2
            .create_security_group()
            .vpc_id(&vpc_id)
            .group_name(group_name)
            .description(description)
            .tag_specifications(tag_specification(ResourceType::SecurityGroup, &node.tags))
            .customize()
            .config_override(Aws::ec2_config_without_retries())
            .send()
            .await
            .map_err(|e| classify("EC2.CreateSecurityGroup", e))?;
        let id = out.group_id();
        Ok(id.ok_or_else(|| AwsError::invalid("EC2.CreateSecurityGroup", "response has no group id"))?.to_string())
    };
    let look = || async {
        let filters = address_filters(ctx.owner_id, &node.address);
        let out = ctx.aws.ec2.describe_security_groups().set_filters(Some(filters)).send().await;
        let out = out.map_err(|e| classify("EC2.DescribeSecurityGroups", e))?;
        Ok(out.security_groups().iter().find_map(|g| g.group_id()).map(str::to_string))
    };
    let id = create_once(ctx.aws.max_attempts, send, look).await?;
    ctx.record_id(&node.address, &id);
    // A new group has no ingress and AWS's allow-all egress.
    let egress = resolved(&BTreeSet::from([allow_all_egress()]), ctx)?;
    converge_rules(ctx, &id, &BTreeSet::new(), &egress, spec).await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &SecurityGroupSpec) -> Result<(), AwsError> {
    if action.changes(security_group::field::INGRESS)
        || action.changes(security_group::field::EGRESS)
        || action.refreshes_references()
    {
        // Read the rules again: ids in the plan may be stale if a referenced group was just replaced.
        let out = ctx
            .aws
            .ec2
            .describe_security_groups()
            .group_ids(id)
            .send()
            .await
            .map_err(|e| classify("EC2.DescribeSecurityGroups", e))?;
        let group: &SecurityGroup = out
            .security_groups()
            .first()
            .ok_or_else(|| AwsError::invalid("EC2.DescribeSecurityGroups", format!("group {id} is gone")))?;
        let ingress = rules_from(group.ip_permissions());
        let egress = rules_from(group.ip_permissions_egress());
        converge_rules(ctx, id, &ingress, &egress, spec).await?;
    }
    update_tags(ctx.aws, id, action).await
}

/// Revokes live rules that are not wanted, then authorizes wanted rules that are missing, each direction in
/// at most two calls.
async fn converge_rules(
    ctx: &Ctx<'_>,
    id: &str,
    live_ingress: &BTreeSet<SgRule>,
    live_egress: &BTreeSet<SgRule>,
    spec: &SecurityGroupSpec,
) -> Result<(), AwsError> {
    let SecurityGroupSpec { ingress, egress, .. } = spec;
    let ec2 = &ctx.aws.ec2;
    let want_ingress = resolved(ingress, ctx)?;
    let want_egress = resolved(egress, ctx)?;

    let to_permissions = |rules: Vec<&SgRule>| -> Result<Option<Vec<IpPermission>>, AwsError> {
        if rules.is_empty() {
            return Ok(None);
        }
        rules.into_iter().map(|r| permission(r, ctx)).collect::<Result<Vec<_>, _>>().map(Some)
    };

    if let Some(stale) = to_permissions(live_ingress.difference(&want_ingress).collect())? {
        ec2.revoke_security_group_ingress()
            .group_id(id)
            .set_ip_permissions(Some(stale))
            .send()
            .await
            .map_err(|e| classify("EC2.RevokeSecurityGroupIngress", e))?;
    }
    if let Some(missing) = to_permissions(want_ingress.difference(live_ingress).collect())? {
        ec2.authorize_security_group_ingress()
            .group_id(id)
            .set_ip_permissions(Some(missing))
            .send()
            .await
            .map_err(|e| classify("EC2.AuthorizeSecurityGroupIngress", e))?;
    }
    if let Some(stale) = to_permissions(live_egress.difference(&want_egress).collect())? {
        ec2.revoke_security_group_egress()
            .group_id(id)
            .set_ip_permissions(Some(stale))
            .send()
            .await
            .map_err(|e| classify("EC2.RevokeSecurityGroupEgress", e))?;
    }
    if let Some(missing) = to_permissions(want_egress.difference(live_egress).collect())? {
        ec2.authorize_security_group_egress()
            .group_id(id)
            .set_ip_permissions(Some(missing))
            .send()
            .await
            .map_err(|e| classify("EC2.AuthorizeSecurityGroupEgress", e))?;
    }
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>, id: &str) -> Result<(), AwsError> {
    ctx.aws
        .ec2
        .delete_security_group()
        .group_id(id)
        .send()
        .await
        .map_err(|e| classify("EC2.DeleteSecurityGroup", e))?;
    Ok(())
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `SecurityGroup` in the registry.
pub struct SecurityGroupKind;

impl Adapter for SecurityGroupKind {
    type Spec = SecurityGroupSpec;

    const READS: &'static [&'static str] = &["ec2:DescribeSecurityGroups"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, _spec: &Self::Spec) {
        grants.ec2_create("CreateSecurityGroup", "security-group", &["vpc"]);
        let rules = [
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
            "DeleteSecurityGroup",
        ];
        grants.ec2_change(node, &rules, &["security-group"]);
    }

    async fn create(ctx: &Ctx<'_>, node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        create(ctx, node, spec).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &Self::Spec) -> Result<(), AwsError> {
        update(ctx, id, action, spec).await
    }

    async fn delete(ctx: &Ctx<'_>, found: &ObservedNode, _spec: &Self::Spec) -> Result<(), AwsError> {
        delete(ctx, &found.id).await
    }

    async fn release(
        ctx: &Ctx<'_>,
        found: &ObservedNode,
        spec: &Self::Spec,
        keys: Vec<String>,
    ) -> Result<(), AwsError> {
        let _ = spec;
        release::ec2(ctx, &found.id, keys).await
    }
}

impl Observe for SecurityGroupKind {
    const AFTER: &'static [Kind] = &[Kind::Vpc];

    async fn observe(aws: &Aws, scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        // Unowned VPCs are only read as candidates to adopt: their groups are candidates too.
        observe(aws, &scope.ours_and(Kind::Vpc, |_| true)).await
    }
}
