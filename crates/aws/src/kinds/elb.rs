//! Elastic Load Balancing v2: application load balancers, target groups and listeners (listener rules are in
//! [`super::listener_rule`]).
//!
//! Observation: DescribeLoadBalancers and DescribeTargetGroups (every one in the account, 400 per page),
//! DescribeListeners for each load balancer of ours, DescribeRules for each listener of ours that answers 404
//! by default (a shared load balancer's), and DescribeTags for all of them in batches of 20 (the AWS limit).
//! Targets are registered by ECS, never by us, and are not observed: they are never drift.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    Action as ElbAction, ActionTypeEnum, Certificate, FixedResponseActionConfig, IpAddressType, LoadBalancerSchemeEnum,
    LoadBalancerTypeEnum, ProtocolEnum, RedirectActionConfig, RedirectActionStatusCodeEnum, Tag, TargetTypeEnum,
};
use reconciler_plan::kinds;
use reconciler_plan::ownership::Owner;
use reconciler_plan::{Action, AdoptionHints, Node, NodeSpec, ObservedNode, Ref, TargetGroupSpec};
use reconciler_vocabulary::HealthCheck;

use crate::Aws;
use crate::apply::Ctx;
use crate::create_once::{create_once, tagged_ours};
use crate::error::{AwsError, classify, found_or_none};
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::{Condition, Grants, arn, service_linked_role};
use crate::wait::{self, Progress};
use reconciler_plan::{DefaultAction, ListenerSpec, ListenerTls, LoadBalancerSpec};

/// DescribeTags takes at most 20 ARNs per call.
const TAG_BATCH: usize = 20;

pub async fn observe(aws: &Aws, owner_id: &str, adopting: &AdoptionHints) -> Result<Vec<ObservedNode>, AwsError> {
    let (balancers, groups) = tokio::try_join!(load_balancers(aws), target_groups(aws))?;
    let mut nodes: Vec<ObservedNode> = balancers.into_iter().chain(groups).collect();
    attach_tags(aws, &mut nodes).await?;
    // Listeners are looked for on our load balancers only: those are the only ones that can hold ours; and on
    // the unowned ones an adopting declaration names, whose listeners it adopts with them.
    let ours: Vec<String> = nodes
        .iter()
        .filter(|n| match (&n.spec, Owner::from_tags(owner_id, &n.tags)) {
            (NodeSpec::LoadBalancer(_), Owner::Us(_)) => true,
            (NodeSpec::LoadBalancer(lb), Owner::Nobody) => adopting.load_balancer(&lb.name),
            _ => false,
        })
        .map(|n| n.id.clone())
        .collect();
    let mut listeners = Vec::new();
    for balancer in &ours {
        listeners.extend(self::listeners(aws, balancer).await?);
    }
    attach_tags(aws, &mut listeners).await?;
    let mut rules = Vec::new();
    for listener in listeners.iter().filter(|l| is_shared_listener(owner_id, l)) {
        rules.extend(super::listener_rule::rules(aws, &listener.id).await?);
    }
    attach_tags(aws, &mut rules).await?;
    nodes.extend(listeners);
    nodes.extend(rules);
    Ok(nodes)
}

async fn load_balancers(aws: &Aws) -> Result<Vec<ObservedNode>, AwsError> {
    let mut nodes = Vec::new();
    let mut pages = aws.elb.describe_load_balancers().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("ELBv2.DescribeLoadBalancers", e))?;
        for lb in page.load_balancers() {
            if lb.r#type() != Some(&LoadBalancerTypeEnum::Application) {
                continue;
            }
            let (Some(arn), Some(name)) = (lb.load_balancer_arn(), lb.load_balancer_name()) else { continue };
            nodes.push(ObservedNode {
                id: arn.to_string(),
                spec: NodeSpec::LoadBalancer(LoadBalancerSpec {
                    name: name.to_string(),
                    scheme: lb.scheme().map_or("internet-facing", |s| s.as_str()).to_string(),
                    subnets: lb
                        .availability_zones()
                        .iter()
                        .filter_map(|z| z.subnet_id().map(|s| Ref::Aws(s.to_string())))
                        .collect(),
                    security_groups: lb.security_groups().iter().map(|g| Ref::Aws(g.clone())).collect(),
                }),
                tags: BTreeMap::new(),
            });
        }
    }
    Ok(nodes)
}

async fn target_groups(aws: &Aws) -> Result<Vec<ObservedNode>, AwsError> {
    let mut nodes = Vec::new();
    let mut pages = aws.elb.describe_target_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("ELBv2.DescribeTargetGroups", e))?;
        for tg in page.target_groups() {
            let (Some(arn), Some(name)) = (tg.target_group_arn(), tg.target_group_name()) else { continue };
            let number = |n: Option<i32>| n.and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
            nodes.push(ObservedNode {
                id: arn.to_string(),
                spec: NodeSpec::TargetGroup(Box::new(TargetGroupSpec {
                    name: name.to_string(),
                    vpc: Ref::Aws(tg.vpc_id().unwrap_or_default().to_string()),
                    port: tg.port().and_then(|p| u16::try_from(p).ok()).unwrap_or(0),
                    health_check: HealthCheck {
                        path: tg.health_check_path().unwrap_or("/").to_string(),
                        interval_seconds: number(tg.health_check_interval_seconds()),
                        timeout_seconds: number(tg.health_check_timeout_seconds()),
                        healthy_threshold: number(tg.healthy_threshold_count()),
                        unhealthy_threshold: number(tg.unhealthy_threshold_count()),
                    },
                })),
                tags: BTreeMap::new(),
            });
        }
    }
    Ok(nodes)
}

async fn listeners(aws: &Aws, load_balancer: &str) -> Result<Vec<ObservedNode>, AwsError> {
    let mut nodes = Vec::new();
    let mut pages = aws.elb.describe_listeners().load_balancer_arn(load_balancer).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("ELBv2.DescribeListeners", e))?;
        for listener in page.listeners() {
            let Some(arn) = listener.listener_arn() else { continue };
            let tls = (listener.protocol() == Some(&ProtocolEnum::Https)).then(|| ListenerTls {
                certificate: listener
                    .certificates()
                    .first()
                    .and_then(|c| c.certificate_arn())
                    .unwrap_or_default()
                    .to_string(),
                ssl_policy: listener.ssl_policy().unwrap_or_default().to_string(),
            });
            nodes.push(ObservedNode {
                id: arn.to_string(),
                spec: NodeSpec::Listener(ListenerSpec {
                    load_balancer: Ref::Aws(load_balancer.to_string()),
                    port: listener.port().and_then(|p| u16::try_from(p).ok()).unwrap_or(0),
                    tls,
                    default_action: listener::observed_default(listener.default_actions()),
                }),
                tags: BTreeMap::new(),
            });
        }
    }
    Ok(nodes)
}

/// A listener of ours without a forward of its own: it routes through rules (a shared load balancer's), or
/// redirects to HTTPS (and may have rules someone added).
fn is_shared_listener(owner_id: &str, listener: &ObservedNode) -> bool {
    matches!(&listener.spec, NodeSpec::Listener(spec) if !matches!(spec.default_action, DefaultAction::Forward(_)))
        && matches!(Owner::from_tags(owner_id, &listener.tags), Owner::Us(_))
}

pub(super) async fn attach_tags(aws: &Aws, nodes: &mut [ObservedNode]) -> Result<(), AwsError> {
    let arns: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
    let mut tags = tags_of(aws, &arns).await?;
    for node in nodes {
        node.tags = tags.remove(&node.id).unwrap_or_default();
    }
    Ok(())
}

/// The first of `arns` that is ours at `node`'s address: what a lost create made, if anything. The name or
/// port that found them is not enough to call a resource ours.
pub(super) async fn first_ours(ctx: &Ctx<'_>, node: &Node, arns: Vec<String>) -> Result<Option<String>, AwsError> {
    let tags = tags_of(ctx.aws, &arns).await?;
    Ok(arns.into_iter().find(|arn| tags.get(arn).is_some_and(|t| tagged_ours(ctx.owner_id, &node.address, t))))
}

/// The tags of each of `arns`, by ARN.
async fn tags_of(aws: &Aws, arns: &[String]) -> Result<BTreeMap<String, BTreeMap<String, String>>, AwsError> {
    let mut tags: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for batch in arns.chunks(TAG_BATCH) {
        let out = aws
            .elb
            .describe_tags()
            .set_resource_arns(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| classify("ELBv2.DescribeTags", e))?;
        for description in out.tag_descriptions() {
            let Some(arn) = description.resource_arn() else { continue };
            tags.insert(
                arn.to_string(),
                description
                    .tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
                    .collect(),
            );
        }
    }
    Ok(tags)
}

pub(super) fn to_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

pub(super) async fn update_tags(ctx: &Ctx<'_>, arn: &str, action: &Action) -> Result<(), AwsError> {
    if action.changes_tags() {
        ctx.aws
            .elb
            .add_tags()
            .resource_arns(arn)
            .set_tags(Some(to_tags(&action.changed_tags())))
            .send()
            .await
            .map_err(|e| classify("ELBv2.AddTags", e))?;
    }
    Ok(())
}

fn ids(ctx: &Ctx<'_>, refs: &std::collections::BTreeSet<Ref>) -> Result<Vec<String>, AwsError> {
    refs.iter().map(|r| ctx.id_of(r)).collect()
}

/// Application load balancers: name and scheme fixed; subnets and security groups change in place.
pub mod load_balancer {
    use super::*;

    pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &LoadBalancerSpec) -> Result<String, AwsError> {
        let LoadBalancerSpec { name, scheme, subnets, security_groups } = spec;
        let (subnets, security_groups) = (ids(ctx, subnets)?, ids(ctx, security_groups)?);
        // AWS answers a resend of an identical create with the load balancer the first attempt made; the
        // emulator makes a second one of the same name. So a lost answer is looked for before a resend.
        let send = || async {
            let out = ctx
                .aws
                .elb
                .create_load_balancer()
                .name(name)
                .r#type(LoadBalancerTypeEnum::Application)
                .scheme(LoadBalancerSchemeEnum::from(scheme.as_str()))
                .ip_address_type(IpAddressType::Ipv4)
                .set_subnets(Some(subnets.clone()))
                .set_security_groups(Some(security_groups.clone()))
                .set_tags(Some(to_tags(&node.tags)))
                .customize()
                .config_override(Aws::elb_config_without_retries())
                .send()
                .await
                .map_err(|e| classify("ELBv2.CreateLoadBalancer", e))?;
            let arn = out.load_balancers().first().and_then(|lb| lb.load_balancer_arn());
            Ok(arn.ok_or_else(|| AwsError::invalid("ELBv2.CreateLoadBalancer", "no load balancer ARN"))?.to_string())
        };
        let arn = create_once(ctx.aws.max_attempts, send, || find_ours(ctx, node, name)).await?;
        wait_until_active(ctx, &arn).await?;
        Ok(arn)
    }

    /// Our load balancer of this name, if there is one (names are unique in a region).
    async fn find_ours(ctx: &Ctx<'_>, node: &Node, name: &str) -> Result<Option<String>, AwsError> {
        let out = ctx.aws.elb.describe_load_balancers().names(name).send().await;
        let Some(out) = found_or_none(out.map_err(|e| classify("ELBv2.DescribeLoadBalancers", e)))? else {
            return Ok(None);
        };
        let arns = out.load_balancers().iter().filter_map(|lb| lb.load_balancer_arn()).map(str::to_string);
        first_ours(ctx, node, arns.collect()).await
    }

    /// A new load balancer is `provisioning` for a few minutes on AWS; listeners can be added meanwhile, but
    /// a caller (and `--wait`) wants to know it serves.
    async fn wait_until_active(ctx: &Ctx<'_>, arn: &str) -> Result<(), AwsError> {
        wait::until(&format!("load balancer {arn}"), ctx.wait_timeout, || async {
            let out = ctx
                .aws
                .elb
                .describe_load_balancers()
                .load_balancer_arns(arn)
                .send()
                .await
                .map_err(|e| classify("ELBv2.DescribeLoadBalancers", e))?;
            let state = out.load_balancers().first().and_then(|lb| lb.state()).and_then(|s| s.code());
            Ok(match state.map(|s| s.as_str()) {
                Some("active") | None => Progress::Done(()),
                Some("failed") => {
                    return Err(AwsError::invalid("ELBv2.CreateLoadBalancer", format!("load balancer {arn} failed")));
                }
                Some(other) => Progress::Pending(other.to_string()),
            })
        })
        .await
    }

    pub async fn update(ctx: &Ctx<'_>, arn: &str, action: &Action, spec: &LoadBalancerSpec) -> Result<(), AwsError> {
        let LoadBalancerSpec { subnets, security_groups, .. } = spec;
        let refresh = action.refreshes_references();
        if refresh || action.changes(kinds::load_balancer::field::SUBNETS) {
            ctx.aws
                .elb
                .set_subnets()
                .load_balancer_arn(arn)
                .set_subnets(Some(ids(ctx, subnets)?))
                .send()
                .await
                .map_err(|e| classify("ELBv2.SetSubnets", e))?;
        }
        if refresh || action.changes(kinds::load_balancer::field::SECURITY_GROUPS) {
            ctx.aws
                .elb
                .set_security_groups()
                .load_balancer_arn(arn)
                .set_security_groups(Some(ids(ctx, security_groups)?))
                .send()
                .await
                .map_err(|e| classify("ELBv2.SetSecurityGroups", e))?;
        }
        update_tags(ctx, arn, action).await
    }

    /// Deletes it and waits until it is gone: its network interfaces hold its subnets and security group.
    pub async fn delete(ctx: &Ctx<'_>, arn: &str) -> Result<(), AwsError> {
        ctx.aws
            .elb
            .delete_load_balancer()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(|e| classify("ELBv2.DeleteLoadBalancer", e))?;
        wait::until(&format!("load balancer {arn} deleted"), ctx.wait_timeout, || async {
            match ctx.aws.elb.describe_load_balancers().load_balancer_arns(arn).send().await {
                Ok(out) if out.load_balancers().is_empty() => Ok(Progress::Done(())),
                Ok(_) => Ok(Progress::Pending("deleting".to_string())),
                Err(e) => match classify("ELBv2.DescribeLoadBalancers", e) {
                    err if err.is_not_found() => Ok(Progress::Done(())),
                    err => Err(err),
                },
            }
        })
        .await
    }
}

/// Target groups of IP targets: name, VPC, port fixed; the health check changes in place.
pub mod target_group {
    use super::*;

    pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &TargetGroupSpec) -> Result<String, AwsError> {
        let health = &spec.health_check;
        let int = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        let out = ctx
            .aws
            .elb
            .create_target_group()
            .name(&spec.name)
            .protocol(ProtocolEnum::Http)
            .port(spec.port.into())
            .vpc_id(ctx.id_of(&spec.vpc)?)
            .target_type(TargetTypeEnum::Ip)
            .health_check_enabled(true)
            .health_check_protocol(ProtocolEnum::Http)
            .health_check_path(&health.path)
            .health_check_interval_seconds(int(health.interval_seconds))
            .health_check_timeout_seconds(int(health.timeout_seconds))
            .healthy_threshold_count(int(health.healthy_threshold))
            .unhealthy_threshold_count(int(health.unhealthy_threshold))
            .set_tags(Some(to_tags(&node.tags)))
            .send()
            .await
            .map_err(|e| classify("ELBv2.CreateTargetGroup", e))?;
        out.target_groups()
            .first()
            .and_then(|tg| tg.target_group_arn())
            .map(str::to_string)
            .ok_or_else(|| AwsError::invalid("ELBv2.CreateTargetGroup", "response has no target group ARN"))
    }

    pub async fn update(ctx: &Ctx<'_>, arn: &str, action: &Action, spec: &TargetGroupSpec) -> Result<(), AwsError> {
        let health = &spec.health_check;
        let int = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        if action.changes_fields() {
            ctx.aws
                .elb
                .modify_target_group()
                .target_group_arn(arn)
                .health_check_path(&health.path)
                .health_check_interval_seconds(int(health.interval_seconds))
                .health_check_timeout_seconds(int(health.timeout_seconds))
                .healthy_threshold_count(int(health.healthy_threshold))
                .unhealthy_threshold_count(int(health.unhealthy_threshold))
                .send()
                .await
                .map_err(|e| classify("ELBv2.ModifyTargetGroup", e))?;
        }
        update_tags(ctx, arn, action).await
    }

    pub async fn delete(ctx: &Ctx<'_>, arn: &str) -> Result<(), AwsError> {
        ctx.aws
            .elb
            .delete_target_group()
            .target_group_arn(arn)
            .send()
            .await
            .map_err(|e| classify("ELBv2.DeleteTargetGroup", e))?;
        Ok(())
    }
}

/// HTTP and HTTPS listeners: port, protocol, certificate, TLS policy and default action change in place.
pub mod listener {
    use super::*;

    /// The default action as ELB takes it.
    fn forward(ctx: &Ctx<'_>, action: &DefaultAction) -> Result<ElbAction, AwsError> {
        Ok(match action {
            DefaultAction::Forward(target_group) => {
                ElbAction::builder().r#type(ActionTypeEnum::Forward).target_group_arn(ctx.id_of(target_group)?).build()
            }
            DefaultAction::NotFound => {
                let not_found = FixedResponseActionConfig::builder()
                    .status_code("404")
                    .content_type("text/plain")
                    .message_body("Not Found")
                    .build();
                ElbAction::builder().r#type(ActionTypeEnum::FixedResponse).fixed_response_config(not_found).build()
            }
            DefaultAction::RedirectToHttps { port } => {
                let redirect = RedirectActionConfig::builder()
                    .protocol("HTTPS")
                    .port(port.to_string())
                    .status_code(RedirectActionStatusCodeEnum::Http301)
                    .build();
                ElbAction::builder().r#type(ActionTypeEnum::Redirect).redirect_config(redirect).build()
            }
            DefaultAction::Other(what) => {
                return Err(AwsError::invalid("ELBv2.ModifyListener", format!("cannot write `{what}`: found only")));
            }
        })
    }

    /// The default action as found. Anything but what we write (a forward, a 404, a permanent redirect to
    /// HTTPS on the same host, path and query) is `Other`, described, so that it shows as drift.
    pub(super) fn observed_default(actions: &[ElbAction]) -> DefaultAction {
        let Some(first) = actions.first() else { return DefaultAction::Other("no action".into()) };
        match first.r#type() {
            Some(ActionTypeEnum::Forward) => {
                DefaultAction::Forward(Ref::Aws(first.target_group_arn().unwrap_or_default().to_string()))
            }
            Some(ActionTypeEnum::Redirect) => {
                let redirect = first.redirect_config();
                let part = |get: fn(&RedirectActionConfig) -> Option<&str>| redirect.and_then(get).unwrap_or("");
                let port = part(RedirectActionConfig::port);
                let ours = part(RedirectActionConfig::protocol) == "HTTPS"
                    && redirect.and_then(|r| r.status_code()) == Some(&RedirectActionStatusCodeEnum::Http301)
                    // AWS writes the defaults back as #{host}, #{path} and #{query}; absent is the same.
                    && ["", "#{host}"].contains(&part(RedirectActionConfig::host))
                    && ["", "/#{path}"].contains(&part(RedirectActionConfig::path))
                    && ["", "#{query}"].contains(&part(RedirectActionConfig::query));
                match port.parse() {
                    Ok(port) if ours => DefaultAction::RedirectToHttps { port },
                    _ => DefaultAction::Other(format!(
                        "redirect to {}:{port} ({})",
                        part(RedirectActionConfig::protocol),
                        redirect.and_then(|r| r.status_code()).map_or("", |s| s.as_str())
                    )),
                }
            }
            Some(ActionTypeEnum::FixedResponse) => match first.fixed_response_config().and_then(|f| f.status_code()) {
                Some("404") => DefaultAction::NotFound,
                other => DefaultAction::Other(format!("fixed response {}", other.unwrap_or("?"))),
            },
            other => DefaultAction::Other(other.map_or("?", |t| t.as_str()).to_string()),
        }
    }

    /// HTTP, or HTTPS with its certificate and policy.
    fn protocol(spec: &ListenerSpec) -> (ProtocolEnum, Option<Vec<Certificate>>, Option<String>) {
        match &spec.tls {
            None => (ProtocolEnum::Http, None, None),
            Some(tls) => (
                ProtocolEnum::Https,
                Some(vec![Certificate::builder().certificate_arn(&tls.certificate).build()]),
                Some(tls.ssl_policy.clone()),
            ),
        }
    }

    pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &ListenerSpec) -> Result<String, AwsError> {
        let ListenerSpec { load_balancer, port, default_action, .. } = spec;
        let (balancer, forward) = (ctx.id_of(load_balancer)?, forward(ctx, default_action)?);
        let (protocol, certificates, ssl_policy) = protocol(spec);
        // AWS answers a resend of an identical create with the listener the first attempt made (a port
        // holds one listener); the emulator makes a second one. So a lost answer is looked for first.
        let send = || async {
            let out = ctx
                .aws
                .elb
                .create_listener()
                .load_balancer_arn(&balancer)
                .protocol(protocol.clone())
                .set_certificates(certificates.clone())
                .set_ssl_policy(ssl_policy.clone())
                .port((*port).into())
                .default_actions(forward.clone())
                .set_tags(Some(to_tags(&node.tags)))
                .customize()
                .config_override(Aws::elb_config_without_retries())
                .send()
                .await
                .map_err(|e| classify("ELBv2.CreateListener", e))?;
            let arn = out.listeners().first().and_then(|l| l.listener_arn());
            Ok(arn.ok_or_else(|| AwsError::invalid("ELBv2.CreateListener", "no listener ARN"))?.to_string())
        };
        let look = || async {
            let out = ctx.aws.elb.describe_listeners().load_balancer_arn(&balancer).send().await;
            let out = out.map_err(|e| classify("ELBv2.DescribeListeners", e))?;
            let on_port = out.listeners().iter().filter(|l| l.port() == Some((*port).into()));
            first_ours(ctx, node, on_port.filter_map(|l| l.listener_arn()).map(str::to_string).collect()).await
        };
        create_once(ctx.aws.max_attempts, send, look).await
    }

    pub async fn update(ctx: &Ctx<'_>, arn: &str, action: &Action, spec: &ListenerSpec) -> Result<(), AwsError> {
        let ListenerSpec { port, default_action, .. } = spec;
        if action.refreshes_references() || action.changes_any(&kinds::listener::field::MODIFIABLE) {
            let (protocol, certificates, ssl_policy) = protocol(spec);
            ctx.aws
                .elb
                .modify_listener()
                .listener_arn(arn)
                .port((*port).into())
                .protocol(protocol)
                .set_certificates(certificates)
                .set_ssl_policy(ssl_policy)
                .default_actions(forward(ctx, default_action)?)
                .send()
                .await
                .map_err(|e| classify("ELBv2.ModifyListener", e))?;
        }
        update_tags(ctx, arn, action).await
    }

    pub async fn delete(ctx: &Ctx<'_>, arn: &str) -> Result<(), AwsError> {
        ctx.aws
            .elb
            .delete_listener()
            .listener_arn(arn)
            .send()
            .await
            .map_err(|e| classify("ELBv2.DeleteListener", e))?;
        Ok(())
    }
}

// IAM permissions

const ELB_SERVICE: &str = "elasticloadbalancing.amazonaws.com";

/// `arn:aws:elasticloadbalancing:*:*:RESOURCE`.
pub(crate) fn elb_arn(resource: &str) -> String {
    arn("elasticloadbalancing", resource)
}

/// The name of the declared load balancer `reference` names (`*` for one that is not declared).
pub(crate) fn load_balancer_name(grants: &Grants<'_>, reference: &Ref) -> String {
    match grants.node(reference).map(|n| &n.spec) {
        Some(NodeSpec::LoadBalancer(load_balancer)) => load_balancer.name.clone(),
        _ => "*".to_string(),
    }
}

/// The permissions of an ELB resource of ours at `resource` made by `create`: the create on a request tagged
/// as ours with its tags (ELB authorizes them as `AddTags` with `elasticloadbalancing:CreateAction`), the
/// `changes` (changes and deletes, without the prefix) on what is ours, and the tag calls.
pub(crate) fn elb_resource(
    grants: &mut Grants<'_>,
    node: &Node,
    create: &'static str,
    resource: &str,
    changes: &[&str],
) {
    grants.allow(&[&format!("elasticloadbalancing:{create}")], resource, Condition::TaggedAsOurs);
    let tag_on_create = Condition::TagOnCreate { key: "elasticloadbalancing:CreateAction", action: create };
    grants.allow(&["elasticloadbalancing:AddTags"], resource, tag_on_create);
    let changes: Vec<String> = changes.iter().map(|c| format!("elasticloadbalancing:{c}")).collect();
    grants.allow(&changes.iter().map(String::as_str).collect::<Vec<_>>(), resource, Condition::Ours);
    grants.tags(node, "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", resource);
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `LoadBalancer` in the registry.
pub struct LoadBalancerKind;

impl Adapter for LoadBalancerKind {
    type Spec = LoadBalancerSpec;

    const READS: &'static [&'static str] = &[
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeTags",
    ];

    fn permissions(grants: &mut Grants<'_>, node: &Node, spec: &Self::Spec) {
        let load_balancer = elb_arn(&format!("loadbalancer/app/{}/*", spec.name));
        elb_resource(
            grants,
            node,
            "CreateLoadBalancer",
            &load_balancer,
            &["SetSecurityGroups", "SetSubnets", "DeleteLoadBalancer"],
        );
        grants.allow(
            &["iam:CreateServiceLinkedRole"],
            &service_linked_role(ELB_SERVICE),
            Condition::ServiceLinked(ELB_SERVICE),
        );
    }

    async fn create(ctx: &Ctx<'_>, node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        load_balancer::create(ctx, node, spec).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &Self::Spec) -> Result<(), AwsError> {
        load_balancer::update(ctx, id, action, spec).await
    }

    async fn delete(ctx: &Ctx<'_>, found: &ObservedNode, _spec: &Self::Spec) -> Result<(), AwsError> {
        load_balancer::delete(ctx, &found.id).await
    }

    async fn release(
        ctx: &Ctx<'_>,
        found: &ObservedNode,
        spec: &Self::Spec,
        keys: Vec<String>,
    ) -> Result<(), AwsError> {
        let _ = spec;
        release::elb(ctx, &found.id, keys).await
    }
}

/// `TargetGroup` in the registry.
pub struct TargetGroupKind;

impl Adapter for TargetGroupKind {
    type Spec = TargetGroupSpec;

    const READS: &'static [&'static str] = &[];

    fn permissions(grants: &mut Grants<'_>, node: &Node, spec: &Self::Spec) {
        let target_group = elb_arn(&format!("targetgroup/{}/*", spec.name));
        elb_resource(grants, node, "CreateTargetGroup", &target_group, &["ModifyTargetGroup", "DeleteTargetGroup"]);
    }

    async fn create(ctx: &Ctx<'_>, node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        target_group::create(ctx, node, spec).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &Self::Spec) -> Result<(), AwsError> {
        target_group::update(ctx, id, action, spec).await
    }

    async fn delete(ctx: &Ctx<'_>, found: &ObservedNode, _spec: &Self::Spec) -> Result<(), AwsError> {
        target_group::delete(ctx, &found.id).await
    }

    async fn release(
        ctx: &Ctx<'_>,
        found: &ObservedNode,
        spec: &Self::Spec,
        keys: Vec<String>,
    ) -> Result<(), AwsError> {
        let _ = spec;
        release::elb(ctx, &found.id, keys).await
    }
}

/// `Listener` in the registry.
pub struct ListenerKind;

impl Adapter for ListenerKind {
    type Spec = ListenerSpec;

    const READS: &'static [&'static str] = &[];

    fn permissions(grants: &mut Grants<'_>, node: &Node, spec: &Self::Spec) {
        let load_balancer = load_balancer_name(grants, &spec.load_balancer);
        let listeners = elb_arn(&format!("listener/app/{load_balancer}/*"));
        elb_resource(grants, node, "CreateListener", &listeners, &["ModifyListener", "DeleteListener"]);
        // A listener is made on a load balancer, which must be ours.
        let on = elb_arn(&format!("loadbalancer/app/{load_balancer}/*"));
        grants.allow(&["elasticloadbalancing:CreateListener"], &on, Condition::Ours);
    }

    async fn create(ctx: &Ctx<'_>, node: &Node, spec: &Self::Spec) -> Result<String, AwsError> {
        listener::create(ctx, node, spec).await
    }

    async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &Self::Spec) -> Result<(), AwsError> {
        listener::update(ctx, id, action, spec).await
    }

    async fn delete(ctx: &Ctx<'_>, found: &ObservedNode, _spec: &Self::Spec) -> Result<(), AwsError> {
        listener::delete(ctx, &found.id).await
    }

    async fn release(
        ctx: &Ctx<'_>,
        found: &ObservedNode,
        spec: &Self::Spec,
        keys: Vec<String>,
    ) -> Result<(), AwsError> {
        let _ = spec;
        release::elb(ctx, &found.id, keys).await
    }
}

impl Observe for LoadBalancerKind {
    async fn observe(aws: &Aws, scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        observe(aws, scope.owner_id, &scope.hints.adopting).await
    }
}
