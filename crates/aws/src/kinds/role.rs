//! IAM roles and instance profiles.
//!
//! IAM has no tag filter on its list calls, but GetAccountAuthorizationDetails returns every role with its
//! trust policy, inline and attached policies, tags and instance profiles in one paginated call: one call per
//! pass for the whole kind (and for instance profiles too), instead of four per role.
//!
//! The role name is unique in the account, so a role of that name that is not ours is a conflict. Our
//! inline policy is stored under the role's own name; other inline policies are not ours and are left alone
//! (and not compared).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::types::{EntityType, Tag};
use reconciler_plan::kinds;
use reconciler_plan::{Action, Node, NodeSpec, ObservedNode, Ref, normalize_policy};

use crate::Aws;
use crate::apply::Ctx;
use crate::create_once::{create_once, tagged_ours};
use crate::error::{AwsError, classify, found_or_none};
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::{Condition, Grants, iam_arn};
use reconciler_plan::{InstanceProfileSpec, RoleSpec};

/// Every role and instance profile in the account, with tags.
pub async fn observe(aws: &Aws) -> Result<Vec<ObservedNode>, AwsError> {
    let mut nodes = Vec::new();
    let mut profiles_seen = BTreeSet::new();
    let mut marker: Option<String> = None;
    loop {
        let out = aws
            .iam
            .get_account_authorization_details()
            .filter(EntityType::Role)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| classify("IAM.GetAccountAuthorizationDetails", e))?;
        for role in out.role_detail_list() {
            let (Some(arn), Some(name)) = (role.arn(), role.role_name()) else { continue };
            let trust = role.assume_role_policy_document().map(decode_policy).unwrap_or_default();
            let inline_policy = role
                .role_policy_list()
                .iter()
                .find(|p| p.policy_name() == Some(name))
                .and_then(|p| p.policy_document())
                .map(|d| normalize_policy(&decode_policy(d)));
            nodes.push(ObservedNode {
                id: arn.to_string(),
                spec: NodeSpec::Role(RoleSpec {
                    role_name: name.to_string(),
                    trusted_service: trusted_service(&trust),
                    managed_policies: role
                        .attached_managed_policies()
                        .iter()
                        .filter_map(|p| p.policy_arn().map(str::to_string))
                        .collect(),
                    inline_policy,
                }),
                tags: tags_from(role.tags()),
            });
            for profile in role.instance_profile_list() {
                let profile_arn = profile.arn();
                if !profiles_seen.insert(profile_arn.to_string()) {
                    continue;
                }
                nodes.push(ObservedNode {
                    id: profile_arn.to_string(),
                    spec: NodeSpec::InstanceProfile(InstanceProfileSpec {
                        name: profile.instance_profile_name().to_string(),
                        role: profile.roles().first().map(|r| Ref::Aws(r.arn().to_string())),
                    }),
                    tags: tags_from(profile.tags()),
                });
            }
        }
        marker = out.marker().map(str::to_string).filter(|_| out.is_truncated());
        if marker.is_none() {
            break;
        }
    }
    nodes.extend(roleless_profiles(aws, &profiles_seen).await?);
    Ok(nodes)
}

/// Instance profiles that hold no role, which no role's list shows: what a pass that died between
/// CreateInstanceProfile and AddRoleToInstanceProfile leaves, or one whose role was removed by hand. Left
/// unseen, re-creating it would fail on its name every pass. One ListInstanceProfiles call; it does not
/// return tags on AWS, so each role-less profile (normally none) is read with GetInstanceProfile.
async fn roleless_profiles(aws: &Aws, seen: &BTreeSet<String>) -> Result<Vec<ObservedNode>, AwsError> {
    let mut nodes = Vec::new();
    let mut pages = aws.iam.list_instance_profiles().max_items(1000).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("IAM.ListInstanceProfiles", e))?;
        for listed in page.instance_profiles().iter().filter(|p| p.roles().is_empty() && !seen.contains(p.arn())) {
            let name = listed.instance_profile_name();
            let out = aws.iam.get_instance_profile().instance_profile_name(name).send().await;
            let Some(profile) = out.map_err(|e| classify("IAM.GetInstanceProfile", e))?.instance_profile else {
                continue;
            };
            nodes.push(ObservedNode {
                id: profile.arn().to_string(),
                spec: NodeSpec::InstanceProfile(InstanceProfileSpec { name: name.to_string(), role: None }),
                tags: tags_from(profile.tags()),
            });
        }
    }
    Ok(nodes)
}

fn tags_from(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter().map(|t| (t.key().to_string(), t.value().to_string())).collect()
}

fn to_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect()
}

/// IAM returns policy documents URL-encoded (RFC 3986); the emulator sometimes returns them plain.
fn decode_policy(document: &str) -> String {
    if !document.contains('%') {
        return document.to_string();
    }
    let bytes = document.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| Some(hex(bytes[i + 1])? * 16 + hex(bytes[i + 2])?))
            .flatten();
        match escaped {
            Some(byte) => {
                out.push(u8::try_from(byte).unwrap_or(b'?'));
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| document.to_string())
}

/// The service principal of a trust policy of the shape we write (one statement allowing one service to
/// assume the role); for any other shape, the whole policy, so that the plan shows what is there.
fn trusted_service(policy: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(policy).ok();
    let single = parsed.as_ref().and_then(|p| match &p["Statement"] {
        serde_json::Value::Array(statements) if statements.len() == 1 => Some(&statements[0]),
        statement @ serde_json::Value::Object(_) => Some(statement),
        _ => None,
    });
    let service = single.filter(|s| s["Effect"] == "Allow" && s["Action"] == "sts:AssumeRole").and_then(|s| {
        match &s["Principal"]["Service"] {
            serde_json::Value::String(service) => Some(service.clone()),
            serde_json::Value::Array(services) if services.len() == 1 => services[0].as_str().map(str::to_string),
            _ => None,
        }
    });
    service.unwrap_or_else(|| format!("(custom trust policy) {}", normalize_policy(policy)))
}

fn trust_policy(service: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Principal": { "Service": service }, "Action": "sts:AssumeRole" }]
    })
    .to_string()
}

pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &RoleSpec) -> Result<String, AwsError> {
    let RoleSpec { role_name, trusted_service, managed_policies, inline_policy } = spec;
    // A resend after a lost answer would fail on the name (EntityAlreadyExists): look for ours first. What
    // a lost answer or a crash leaves without its policies is completed here or, by update, at the next pass.
    let send = || async {
        let out = ctx
            .aws
            .iam
            .create_role()
            .role_name(role_name)
            .assume_role_policy_document(trust_policy(trusted_service))
            .description("managed by reconciler")
            .set_tags(Some(to_tags(&node.tags)))
            .customize()
            .config_override(Aws::iam_config_without_retries())
            .send()
            .await
            .map_err(|e| classify("IAM.CreateRole", e))?;
        out.role().map(|r| r.arn().to_string()).ok_or_else(|| AwsError::invalid("IAM.CreateRole", "no role"))
    };
    let look = || async {
        let out = ctx.aws.iam.get_role().role_name(role_name).send().await;
        let role = found_or_none(out.map_err(|e| classify("IAM.GetRole", e)))?.and_then(|out| out.role);
        let ours = role.filter(|r| tagged_ours(ctx.owner_id, &node.address, &tags_from(r.tags())));
        Ok(ours.map(|r| r.arn().to_string()))
    };
    let arn = create_once(ctx.aws.max_attempts, send, look).await?;
    for policy in managed_policies {
        attach(ctx, role_name, policy).await?;
    }
    if let Some(document) = inline_policy {
        put_inline(ctx, role_name, document).await?;
    }
    Ok(arn)
}

async fn attach(ctx: &Ctx<'_>, role_name: &str, policy: &str) -> Result<(), AwsError> {
    ctx.aws
        .iam
        .attach_role_policy()
        .role_name(role_name)
        .policy_arn(policy)
        .send()
        .await
        .map_err(|e| classify("IAM.AttachRolePolicy", e))?;
    Ok(())
}

async fn put_inline(ctx: &Ctx<'_>, role_name: &str, document: &str) -> Result<(), AwsError> {
    ctx.aws
        .iam
        .put_role_policy()
        .role_name(role_name)
        .policy_name(role_name)
        .policy_document(document)
        .send()
        .await
        .map_err(|e| classify("IAM.PutRolePolicy", e))?;
    Ok(())
}

async fn detach(ctx: &Ctx<'_>, role_name: &str, policy: &str) -> Result<(), AwsError> {
    ctx.aws
        .iam
        .detach_role_policy()
        .role_name(role_name)
        .policy_arn(policy)
        .send()
        .await
        .map_err(|e| classify("IAM.DetachRolePolicy", e))?;
    Ok(())
}

/// Our inline policy is the one named after the role.
async fn delete_inline(ctx: &Ctx<'_>, role_name: &str) -> Result<(), AwsError> {
    ctx.aws
        .iam
        .delete_role_policy()
        .role_name(role_name)
        .policy_name(role_name)
        .send()
        .await
        .map_err(|e| classify("IAM.DeleteRolePolicy", e))?;
    Ok(())
}

pub async fn update(ctx: &Ctx<'_>, _arn: &str, action: &Action, spec: &RoleSpec) -> Result<(), AwsError> {
    let RoleSpec { role_name, trusted_service, managed_policies, inline_policy } = spec;
    let iam = &ctx.aws.iam;
    if action.changes(kinds::role::field::TRUSTED_SERVICE) {
        iam.update_assume_role_policy()
            .role_name(role_name)
            .policy_document(trust_policy(trusted_service))
            .send()
            .await
            .map_err(|e| classify("IAM.UpdateAssumeRolePolicy", e))?;
    }
    if action.changes(kinds::role::field::MANAGED_POLICIES) {
        let live = match action.observed.as_ref().map(|o| &o.spec) {
            Some(NodeSpec::Role(RoleSpec { managed_policies, .. })) => managed_policies.clone(),
            _ => BTreeSet::new(),
        };
        for policy in managed_policies.difference(&live) {
            attach(ctx, role_name, policy).await?;
        }
        for policy in live.difference(managed_policies) {
            detach(ctx, role_name, policy).await?;
        }
    }
    if action.changes(kinds::role::field::INLINE_POLICY) {
        match inline_policy {
            Some(document) => put_inline(ctx, role_name, document).await?,
            None => delete_inline(ctx, role_name).await?,
        }
    }
    if action.changes_tags() {
        iam.tag_role()
            .role_name(role_name)
            .set_tags(Some(to_tags(&action.changed_tags())))
            .send()
            .await
            .map_err(|e| classify("IAM.TagRole", e))?;
    }
    Ok(())
}

/// IAM refuses to delete a role with policies or instance profiles: ours are removed first.
pub async fn delete(ctx: &Ctx<'_>, _observed: &ObservedNode, spec: &RoleSpec) -> Result<(), AwsError> {
    let RoleSpec { role_name, managed_policies, inline_policy, .. } = spec;
    for policy in managed_policies {
        detach(ctx, role_name, policy).await?;
    }
    if inline_policy.is_some() {
        delete_inline(ctx, role_name).await?;
    }
    ctx.aws.iam.delete_role().role_name(role_name).send().await.map_err(|e| classify("IAM.DeleteRole", e))?;
    Ok(())
}

/// Instance profiles: a name and the one role they hold.
pub mod instance_profile {
    use super::*;

    pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &InstanceProfileSpec) -> Result<String, AwsError> {
        let InstanceProfileSpec { name, role } = spec;
        // A resend after a lost answer would fail on the name (EntityAlreadyExists): look for ours first.
        let send = || async {
            let out = ctx
                .aws
                .iam
                .create_instance_profile()
                .instance_profile_name(name)
                .set_tags(Some(to_tags(&node.tags)))
                .customize()
                .config_override(Aws::iam_config_without_retries())
                .send()
                .await
                .map_err(|e| classify("IAM.CreateInstanceProfile", e))?;
            Ok(out.instance_profile().map(|p| p.arn().to_string()).unwrap_or_default())
        };
        let look = || async {
            let out = ctx.aws.iam.get_instance_profile().instance_profile_name(name).send().await;
            let found = found_or_none(out.map_err(|e| classify("IAM.GetInstanceProfile", e)))?;
            let profile = found.and_then(|out| out.instance_profile);
            let ours = profile.filter(|p| tagged_ours(ctx.owner_id, &node.address, &tags_from(p.tags())));
            Ok(ours.map(|p| p.arn().to_string()))
        };
        let arn = create_once(ctx.aws.max_attempts, send, look).await?;
        if let Some(role) = role {
            add_role(ctx, name, role).await?;
        }
        Ok(arn)
    }

    async fn add_role(ctx: &Ctx<'_>, name: &str, role: &Ref) -> Result<(), AwsError> {
        ctx.aws
            .iam
            .add_role_to_instance_profile()
            .instance_profile_name(name)
            .role_name(role_name_of(&ctx.id_of(role)?))
            .send()
            .await
            .map_err(|e| classify("IAM.AddRoleToInstanceProfile", e))?;
        Ok(())
    }

    async fn remove_role(ctx: &Ctx<'_>, name: &str, role_arn: &str) -> Result<(), AwsError> {
        ctx.aws
            .iam
            .remove_role_from_instance_profile()
            .instance_profile_name(name)
            .role_name(role_name_of(role_arn))
            .send()
            .await
            .map_err(|e| classify("IAM.RemoveRoleFromInstanceProfile", e))?;
        Ok(())
    }

    /// The role name at the end of a role ARN (`arn:aws:iam::123:role/path/name`).
    fn role_name_of(arn: &str) -> String {
        arn.rsplit('/').next().unwrap_or(arn).to_string()
    }

    pub async fn update(
        ctx: &Ctx<'_>,
        _arn: &str,
        action: &Action,
        spec: &InstanceProfileSpec,
    ) -> Result<(), AwsError> {
        let InstanceProfileSpec { name, role } = spec;
        if action.changes(kinds::instance_profile::field::ROLE) || action.refreshes_references() {
            // The observed role is an address when ours: its ARN is the one recorded before this pass.
            if let Some(NodeSpec::InstanceProfile(InstanceProfileSpec { role: Some(old), .. })) =
                action.observed.as_ref().map(|o| &o.spec)
            {
                let old_arn = ctx.id_of(old).unwrap_or_else(|_| old.to_string());
                remove_role(ctx, name, &old_arn).await?;
            }
            if let Some(role) = role {
                add_role(ctx, name, role).await?;
            }
        }
        if action.changes_tags() {
            ctx.aws
                .iam
                .tag_instance_profile()
                .instance_profile_name(name)
                .set_tags(Some(to_tags(&action.changed_tags())))
                .send()
                .await
                .map_err(|e| classify("IAM.TagInstanceProfile", e))?;
        }
        Ok(())
    }

    pub async fn delete(ctx: &Ctx<'_>, _observed: &ObservedNode, spec: &InstanceProfileSpec) -> Result<(), AwsError> {
        let InstanceProfileSpec { name, role } = spec;
        if let Some(role) = role {
            let arn = ctx.id_of(role).unwrap_or_else(|_| role.to_string());
            remove_role(ctx, name, &arn).await?;
        }
        ctx.aws
            .iam
            .delete_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
            .map_err(|e| classify("IAM.DeleteInstanceProfile", e))?;
        Ok(())
    }
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `Role` in the registry.
pub struct RoleKind;

impl Adapter for RoleKind {
    type Spec = RoleSpec;

    const READS: &'static [&'static str] = &["iam:GetAccountAuthorizationDetails", "iam:GetRole"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, spec: &Self::Spec) {
        let role = iam_arn(&format!("role/{}", spec.role_name));
        // IAM authorizes the tags of a create as iam:TagRole too.
        grants.allow(&["iam:CreateRole", "iam:TagRole"], &role, Condition::TaggedAsOurs);
        let change = ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:DeleteRole"];
        grants.allow(&change, &role, Condition::Ours);
        // Detaching cannot widen what the role may do, and must work for a policy no longer declared.
        grants.allow(&["iam:DetachRolePolicy"], &role, Condition::Ours);
        for policy in &spec.managed_policies {
            grants.allow(&["iam:AttachRolePolicy"], &role, Condition::PolicyArn(policy.clone()));
        }
        grants.tags(node, "iam:TagRole", "iam:UntagRole", &role);
    }

    async fn create(ctx: &Ctx<'_>, node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        create(ctx, node, spec).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &Self::Spec) -> Result<(), AwsError> {
        update(ctx, id, action, spec).await
    }

    async fn delete(ctx: &Ctx<'_>, found: &ObservedNode, spec: &Self::Spec) -> Result<(), AwsError> {
        delete(ctx, found, spec).await
    }

    async fn release(
        ctx: &Ctx<'_>,
        found: &ObservedNode,
        spec: &Self::Spec,
        keys: Vec<String>,
    ) -> Result<(), AwsError> {
        let _ = found;
        release::iam_role(ctx, &spec.role_name, keys).await
    }
}

/// `InstanceProfile` in the registry.
pub struct InstanceProfileKind;

impl Adapter for InstanceProfileKind {
    type Spec = InstanceProfileSpec;

    const READS: &'static [&'static str] = &["iam:ListInstanceProfiles", "iam:GetInstanceProfile"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, spec: &Self::Spec) {
        let profile = iam_arn(&format!("instance-profile/{}", spec.name));
        grants.allow(&["iam:CreateInstanceProfile", "iam:TagInstanceProfile"], &profile, Condition::TaggedAsOurs);
        let change = ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"];
        grants.allow(&change, &profile, Condition::Ours);
        grants.tags(node, "iam:TagInstanceProfile", "iam:UntagInstanceProfile", &profile);
        // AddRoleToInstanceProfile needs iam:PassRole on the role it adds (no service is passed to yet).
        if let Some(role) = spec.role.as_ref().and_then(|r| grants.role_arn(r)) {
            grants.allow(&["iam:PassRole"], &role, Condition::Always);
        }
    }

    async fn create(ctx: &Ctx<'_>, node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        instance_profile::create(ctx, node, spec).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &Self::Spec) -> Result<(), AwsError> {
        instance_profile::update(ctx, id, action, spec).await
    }

    async fn delete(ctx: &Ctx<'_>, found: &ObservedNode, spec: &Self::Spec) -> Result<(), AwsError> {
        instance_profile::delete(ctx, found, spec).await
    }

    async fn release(
        ctx: &Ctx<'_>,
        found: &ObservedNode,
        spec: &Self::Spec,
        keys: Vec<String>,
    ) -> Result<(), AwsError> {
        let _ = found;
        release::iam_instance_profile(ctx, &spec.name, keys).await
    }
}

impl Observe for RoleKind {
    async fn observe(aws: &Aws, _scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        observe(aws).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_url_encoded_documents_are_decoded() {
        assert_eq!(decode_policy("%7B%22Version%22%3A%222012-10-17%22%7D"), r#"{"Version":"2012-10-17"}"#);
        assert_eq!(decode_policy(r#"{"a":1}"#), r#"{"a":1}"#);
    }

    #[test]
    fn the_trusted_service_is_read_from_a_policy_of_our_shape_only() {
        assert_eq!(trusted_service(&trust_policy("ecs-tasks.amazonaws.com")), "ecs-tasks.amazonaws.com");
        let custom = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
        assert!(trusted_service(custom).starts_with("(custom trust policy) "));
    }
}
