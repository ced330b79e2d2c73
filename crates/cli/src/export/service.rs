//! `[service.NAME]` from a live ECS service and what it is made of: its task definition revision, its Cloud
//! Map service, the load balancer whose target group it joins, and its Application Auto Scaling. Secrets are
//! written by reference (`valueFrom`: a parameter's name or ARN, a secret's ARN), which is all a task
//! definition holds: no value is ever read.

use std::collections::{BTreeMap, BTreeSet};

use reconciler_plan::{
    DefaultAction, Kind, NodeSpec, ObservedNode, Ref, ScalingPolicySpec, ServiceSpec, SidecarSpec, TaskDefinitionSpec,
};
use reconciler_vocabulary::{ContainerHealthCheck, DEFAULT_SSL_POLICY, Deployment, HealthCheck, StartCondition};

use super::inventory::{Inventory, declarable_tags};
use super::network::SubnetGroups;
use super::toml_out::{Section, Value};

/// The parts of one service found live.
pub struct Parts<'a> {
    pub service: &'a ObservedNode,
    pub task_definition: Option<&'a ObservedNode>,
    pub discovery: Option<&'a ObservedNode>,
    pub balancer: Option<Balancer<'a>>,
}

/// A service's own load balancer: the target group its tasks join, the listeners forwarding to it (or
/// redirecting to the one that does), the load balancer and its security group.
pub struct Balancer<'a> {
    pub target_group: &'a ObservedNode,
    pub load_balancer: &'a ObservedNode,
    pub listeners: Vec<&'a ObservedNode>,
    pub group: Option<&'a ObservedNode>,
}

impl<'a> Parts<'a> {
    /// What `service` refers to, found among what was read.
    pub fn find(inventory: &Inventory<'a>, service: &'a ObservedNode) -> Self {
        let NodeSpec::Service(spec) = &service.spec else { unreachable!("a service node") };
        let balancer = spec.load_balancer.as_ref().and_then(|lb| balancer(inventory, &lb.target_group));
        Parts {
            service,
            task_definition: inventory.resolve(&spec.task_definition),
            discovery: spec.registry.as_ref().and_then(|r| inventory.resolve(r)),
            balancer,
        }
    }
}

fn balancer<'a>(inventory: &Inventory<'a>, target_group: &Ref) -> Option<Balancer<'a>> {
    let target_group = inventory.resolve(target_group)?;
    let forwards = |l: &&ObservedNode| matches!(&l.spec, NodeSpec::Listener(s) if s.default_action == DefaultAction::Forward(Ref::Aws(target_group.id.clone())));
    let listener = inventory.of_kind(Kind::Listener).into_iter().find(forwards)?;
    let NodeSpec::Listener(spec) = &listener.spec else { return None };
    let load_balancer = inventory.resolve(&spec.load_balancer)?;
    let on_it = |l: &&ObservedNode| matches!(&l.spec, NodeSpec::Listener(s) if s.load_balancer == spec.load_balancer);
    let listeners = inventory.of_kind(Kind::Listener).into_iter().filter(on_it).collect();
    let NodeSpec::LoadBalancer(lb) = &load_balancer.spec else { return None };
    let group = lb.security_groups.iter().next().and_then(|g| inventory.resolve(g));
    Some(Balancer { target_group, load_balancer, listeners, group })
}

/// The service's sections: `[service.NAME]` and its parts.
pub fn sections(inventory: &mut Inventory, parts: &Parts, subnets: &SubnetGroups, vpc: &str) -> Vec<Section> {
    let NodeSpec::Service(spec) = &parts.service.spec else { unreachable!("a service node") };
    let name = inventory.name(Kind::Service, &parts.service.id, &spec.service_name);
    let Some(NodeSpec::TaskDefinition(task)) = parts.task_definition.map(|t| &t.spec) else {
        inventory.note(format!("service {}: its task definition could not be read: not exported", spec.service_name));
        return vec![];
    };
    if task.family != spec.service_name || task.container_name != spec.service_name {
        inventory.note(format!(
            "service {}: the schema names the task definition family and the main container after the service; \
             live they are `{}` and `{}`: adopting it registers a new revision",
            spec.service_name, task.family, task.container_name
        ));
    }
    let path = ["service", name.as_str()];
    let mut main = Section::new(&path);
    main.set_unless("service_name", spec.service_name.as_str(), name.as_str());
    fill_main(inventory, &mut main, spec, task, subnets, vpc, parts);
    main.set_map("tags", &declarable_tags(&parts.service.tags)).set("adopt", true);
    let mut out = vec![main];
    out.extend(secrets_section(inventory, &path, &task.secrets));
    if !task.depends_on.is_empty() {
        let mut section = Section::new(&[path[0], path[1], "depends_on"]);
        section.fields = start_order(&task.depends_on);
        out.push(section);
    }
    if let Some(check) = &task.health_check {
        let mut section = Section::new(&[path[0], path[1], "health_check"]);
        section.fields = container_check(check);
        out.push(section);
    }
    if let Some(logs) = &task.logs {
        let mut section = Section::new(&[path[0], path[1], "logs"]);
        section.set("log_group", log_group_name(inventory, &logs.group_name));
        section.set_unless("stream_prefix", logs.stream_prefix.as_str(), spec.service_name.as_str());
        out.push(section);
    }
    out.extend(discovery(inventory, &path, spec, parts.discovery));
    out.extend(deployment(&path, &spec.deployment));
    if let Some(balancer) = &parts.balancer {
        out.extend(load_balancer(inventory, &path, spec, balancer));
    }
    out.extend(autoscaling(inventory, &path, parts.service, spec));
    for sidecar in &task.sidecars {
        out.push(sidecar_section(inventory, &path, sidecar, task));
    }
    out
}

/// The fields of `[service.NAME]` itself, in the order config/ writes them.
fn fill_main(
    inventory: &mut Inventory,
    main: &mut Section,
    spec: &ServiceSpec,
    task: &TaskDefinitionSpec,
    subnets: &SubnetGroups,
    vpc: &str,
    parts: &Parts,
) {
    let cluster = inventory.named_ref(Kind::Cluster, &spec.cluster);
    main.set("cluster", cluster.unwrap_or_default()).set("image", task.image.as_str());
    main.set("cpu", task.cpu).set("memory", task.memory).set("port", task.port);
    main.set("desired_count", spec.desired_count).set("vpc", vpc);
    main.set("subnets", subnet_group(inventory, spec, subnets));
    main.set(
        "security_groups",
        Value::List(security_groups(inventory, spec, parts).into_iter().map(Value::Str).collect()),
    );
    main.set_unless("assign_public_ip", spec.assign_public_ip, false);
    let role = |inventory: &Inventory, r: &Ref| inventory.named_ref(Kind::Role, r);
    main.set("execution_role", role(inventory, &task.execution_role).unwrap_or_default());
    main.set_some("task_role", task.task_role.as_ref().and_then(|r| role(inventory, r)));
    main.set_map("environment", &task.environment);
    main.set_some("command", task.command.as_deref().map(strings));
    main.set_unless("health_check_grace_period_seconds", spec.health_check_grace_period_seconds, 0);
    main.set_unless("enable_execute_command", spec.enable_execute_command, false);
}

/// `"private"` or `"public"`: the group all the service's subnets are in.
fn subnet_group(inventory: &mut Inventory, spec: &ServiceSpec, subnets: &SubnetGroups) -> &'static str {
    let groups: BTreeSet<&str> = spec.subnets.iter().filter_map(|s| subnets.get(&s.to_string()).copied()).collect();
    match groups.into_iter().collect::<Vec<_>>().as_slice() {
        [only] => only,
        _ => {
            inventory.note(format!(
                "service {}: its subnets are not all of one group (public or private) of the VPC: `private` written",
                spec.service_name
            ));
            "private"
        }
    }
}

/// The service's groups by declaration name; first the one admitting its load balancer, which a service's
/// `load_balancer` adds that rule to.
fn security_groups(inventory: &mut Inventory, spec: &ServiceSpec, parts: &Parts) -> Vec<String> {
    let lb_group = parts.balancer.as_ref().and_then(|b| b.group).map(|g| Ref::Aws(g.id.clone()));
    let admits = |group: &ObservedNode| match (&group.spec, &lb_group) {
        (NodeSpec::SecurityGroup(g), Some(lb)) => {
            g.ingress.iter().any(|r| r.peer == reconciler_plan::SgPeer::Group(lb.clone()))
        }
        _ => false,
    };
    let mut named: Vec<(bool, String)> = Vec::new();
    for group in &spec.security_groups {
        match inventory.named_ref(Kind::SecurityGroup, group) {
            Some(name) => named.push((inventory.resolve(group).is_some_and(admits), name)),
            None => inventory
                .note(format!("service {}: security group {group} is not exported: left out", spec.service_name)),
        }
    }
    named.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    named.into_iter().map(|(_, name)| name).collect()
}

/// `[service.NAME.secrets]`: each variable's `valueFrom` as a parameter or a secret, by reference only.
fn secrets_section(inventory: &mut Inventory, path: &[&str], secrets: &BTreeMap<String, String>) -> Option<Section> {
    if secrets.is_empty() {
        return None;
    }
    let mut section = Section::new(&[path[0], path[1], "secrets"]);
    section.fields =
        secrets.iter().map(|(variable, from)| (variable.clone(), secret_source(inventory, from))).collect();
    Some(section)
}

/// A `valueFrom` as the schema writes it: `{ secret = ARN, key = KEY }` for Secrets Manager (its ARN, with
/// `:KEY::` for one key of its JSON), `{ parameter = NAME_OR_ARN }` for anything else (SSM).
pub fn secret_source(inventory: &mut Inventory, value_from: &str) -> Value {
    let Some((prefix, rest)) = value_from.split_once(":secret:").filter(|_| value_from.starts_with("arn:")) else {
        return Value::Inline(vec![("parameter".to_string(), value_from.into())]);
    };
    let mut parts = rest.splitn(4, ':');
    let name = parts.next().unwrap_or_default();
    let key = parts.next().filter(|k| !k.is_empty());
    if parts.any(|p| !p.is_empty()) {
        inventory.note(format!(
            "secret {value_from}: a version stage or id cannot be declared: the current version is written"
        ));
    }
    let mut fields = vec![("secret".to_string(), Value::Str(format!("{prefix}:secret:{name}")))];
    fields.extend(key.map(|k| ("key".to_string(), k.into())));
    Value::Inline(fields)
}

fn start_order(order: &BTreeMap<String, StartCondition>) -> Vec<(String, Value)> {
    order.iter().map(|(container, condition)| (container.clone(), condition.as_str().into())).collect()
}

/// A container health check's fields, the defaults left out.
fn container_check(check: &ContainerHealthCheck) -> Vec<(String, Value)> {
    let mut section = Section::new(&[]);
    section.set("command", strings(&check.command));
    section.set_unless("interval_seconds", check.interval_seconds, 30);
    section.set_unless("timeout_seconds", check.timeout_seconds, 5);
    section.set_unless("retries", check.retries, 3);
    section.set_unless("start_period_seconds", check.start_period_seconds, 0);
    section.fields
}

fn strings(items: &[String]) -> Value {
    Value::List(items.iter().map(|s| s.as_str().into()).collect())
}

/// The declaration name of the log group named `group_name` (the name itself when it is not exported).
fn log_group_name(inventory: &Inventory, group_name: &str) -> String {
    let found = inventory
        .of_kind(Kind::LogGroup)
        .into_iter()
        .find(|g| matches!(&g.spec, NodeSpec::LogGroup(l) if l.group_name == group_name));
    found.and_then(|g| inventory.named(Kind::LogGroup, &g.id)).unwrap_or_else(|| group_name.to_string())
}

fn discovery(
    inventory: &mut Inventory,
    path: &[&str],
    spec: &ServiceSpec,
    found: Option<&ObservedNode>,
) -> Option<Section> {
    let NodeSpec::DiscoveryService(registry) = &found?.spec else { return None };
    let namespace = inventory.named_ref(Kind::Namespace, &registry.namespace);
    let mut section = Section::new(&[path[0], path[1], "discovery"]);
    section.set("namespace", namespace.unwrap_or_default());
    section.set_unless("name", registry.name.as_str(), spec.service_name.as_str());
    section.set_unless("ttl", registry.ttl, 60);
    Some(section)
}

fn deployment(path: &[&str], deployment: &Deployment) -> Option<Section> {
    let mut section = Section::new(&[path[0], path[1], "deployment"]);
    section.set_unless("minimum_healthy_percent", deployment.minimum_healthy_percent, 100);
    section.set_unless("maximum_percent", deployment.maximum_percent, 200);
    section.set_unless("circuit_breaker", deployment.circuit_breaker, true);
    section.set_unless("rollback", deployment.rollback, deployment.circuit_breaker);
    (!section.fields.is_empty()).then_some(section)
}

/// `[service.NAME.load_balancer]` with its health check and HTTPS listener.
fn load_balancer(inventory: &mut Inventory, path: &[&str], spec: &ServiceSpec, balancer: &Balancer) -> Vec<Section> {
    let (NodeSpec::LoadBalancer(lb), NodeSpec::TargetGroup(tg)) =
        (&balancer.load_balancer.spec, &balancer.target_group.spec)
    else {
        return vec![];
    };
    if lb.name != tg.name {
        inventory.note(format!(
            "service {}: the schema names a load balancer and its target group alike; live they are `{}` and `{}`",
            spec.service_name, lb.name, tg.name
        ));
    }
    let mut section = Section::new(&[path[0], path[1], "load_balancer"]);
    section.set_unless("name", lb.name.as_str(), spec.service_name.as_str());
    section.set("scheme", lb.scheme.as_str());
    let listener = |tls: bool| {
        balancer.listeners.iter().find_map(|l| match &l.spec {
            NodeSpec::Listener(s) if s.tls.is_some() == tls => Some(s),
            _ => None,
        })
    };
    let http = listener(false);
    let http_port = http.map_or(80, |l| l.port);
    section.set("listener_port", http_port);
    let cidrs = allowed_cidrs(balancer, http_port);
    if cidrs != ["0.0.0.0/0"] {
        section.set("allowed_cidrs", strings(&cidrs));
    }
    let mut check = Section::new(&[path[0], path[1], "load_balancer", "health_check"]);
    let HealthCheck { path: check_path, interval_seconds, timeout_seconds, healthy_threshold, unhealthy_threshold } =
        &tg.health_check;
    check.set("path", check_path.as_str()).set("interval_seconds", *interval_seconds);
    check.set_unless("timeout_seconds", *timeout_seconds, 5);
    check.set("healthy_threshold", *healthy_threshold).set("unhealthy_threshold", *unhealthy_threshold);
    let mut out = vec![section, check];
    if let Some(https) = listener(true) {
        let tls = https.tls.as_ref().expect("an HTTPS listener");
        let mut section = Section::new(&[path[0], path[1], "load_balancer", "https"]);
        section.set("certificate", tls.certificate.as_str()).set_unless("port", https.port, 443);
        section.set_unless("ssl_policy", tls.ssl_policy.as_str(), DEFAULT_SSL_POLICY);
        let redirects = http.is_some_and(|l| matches!(l.default_action, DefaultAction::RedirectToHttps { .. }));
        section.set_unless("redirect_http", redirects, true);
        out.push(section);
    }
    out
}

/// Who the load balancer's group admits on the listener port.
fn allowed_cidrs(balancer: &Balancer, port: u16) -> Vec<String> {
    let Some(NodeSpec::SecurityGroup(group)) = balancer.group.map(|g| &g.spec) else { return vec!["0.0.0.0/0".into()] };
    let cidrs: BTreeSet<String> = group
        .ingress
        .iter()
        .filter(|r| r.ports.is_some_and(|p| p.from == port && p.to == port))
        .filter_map(|r| match &r.peer {
            reconciler_plan::SgPeer::Cidr(c) => Some(c.to_string()),
            reconciler_plan::SgPeer::Group(_) => None,
        })
        .collect();
    cidrs.into_iter().collect()
}

/// `[service.NAME.autoscaling]`, its target-tracking policies and scheduled actions, from the scalable target
/// of the service (Application Auto Scaling's resource id `service/CLUSTER/SERVICE`).
fn autoscaling(inventory: &Inventory, path: &[&str], service: &ObservedNode, spec: &ServiceSpec) -> Vec<Section> {
    let Some(resource_id) = service.id.split_once(":service/").map(|(_, rest)| format!("service/{rest}")) else {
        return vec![];
    };
    let specs = |kind| inventory.of_kind(kind).into_iter().map(|n| &n.spec);
    let Some(target) = specs(Kind::ScalableTarget).find_map(|s| match s {
        NodeSpec::ScalableTarget(t) if t.resource_id == resource_id => Some(t),
        _ => None,
    }) else {
        return vec![];
    };
    let policies: Vec<&ScalingPolicySpec> = specs(Kind::ScalingPolicy)
        .filter_map(|s| match s {
            NodeSpec::ScalingPolicy(p) if p.resource_id == resource_id => Some(&**p),
            _ => None,
        })
        .collect();
    let mut section = Section::new(&[path[0], path[1], "autoscaling"]);
    section.set("min_capacity", target.min_capacity).set("max_capacity", target.max_capacity);
    // The section's cooldowns are the policies' defaults: written there when every policy has the same.
    let common = |value: fn(&ScalingPolicySpec) -> u32| {
        let values: BTreeSet<u32> = policies.iter().map(|p| value(p)).collect();
        (values.len() == 1).then(|| values.into_iter().next().expect("one value"))
    };
    let cooldowns = (common(|p| p.scale_in_cooldown_seconds), common(|p| p.scale_out_cooldown_seconds));
    section.set_some("scale_in_cooldown", cooldowns.0.map(seconds));
    section.set_some("scale_out_cooldown", cooldowns.1.map(seconds));
    let mut out = vec![section];
    out.extend(policies.into_iter().map(|p| policy(path, p, &spec.service_name, cooldowns)));
    for action in specs(Kind::ScheduledAction) {
        let NodeSpec::ScheduledAction(action) = action else { continue };
        if action.resource_id != resource_id {
            continue;
        }
        let mut section = Section::array(&[path[0], path[1], "autoscaling", "scheduled"]);
        section.set("name", action.name.as_str()).set("schedule", action.schedule.as_str());
        section.set_some("timezone", action.timezone.as_deref());
        section.set_some("min_capacity", action.min_capacity).set_some("max_capacity", action.max_capacity);
        out.push(section);
    }
    out
}

/// A duration as the files write it.
fn seconds(n: u32) -> String {
    format!("{n}s")
}

/// `[[service.NAME.autoscaling.target_tracking]]`; its cooldowns unless the section has them (`common`).
fn policy(
    path: &[&str],
    policy: &ScalingPolicySpec,
    service_name: &str,
    common: (Option<u32>, Option<u32>),
) -> Section {
    let mut section = Section::array(&[path[0], path[1], "autoscaling", "target_tracking"]);
    section.set("metric", policy.metric.key()).set("target", Value::Float(policy.target));
    let default_name = format!("{service_name}-{}", policy.metric.key());
    section.set_unless("name", policy.name.as_str(), default_name.as_str());
    if common.0.is_none() {
        section.set("scale_in_cooldown", seconds(policy.scale_in_cooldown_seconds));
    }
    if common.1.is_none() {
        section.set("scale_out_cooldown", seconds(policy.scale_out_cooldown_seconds));
    }
    section.set_unless("disable_scale_in", policy.disable_scale_in, false);
    section
}

/// `[service.NAME.sidecars.CONTAINER]`.
fn sidecar_section(
    inventory: &mut Inventory,
    path: &[&str],
    sidecar: &SidecarSpec,
    task: &TaskDefinitionSpec,
) -> Section {
    let mut section = Section::new(&[path[0], path[1], "sidecars", &sidecar.name]);
    section.set("image", sidecar.image.as_str());
    section.set_some("cpu", sidecar.cpu).set_some("memory", sidecar.memory).set_some("port", sidecar.port);
    section.set_map("environment", &sidecar.environment);
    if !sidecar.secrets.is_empty() {
        let secrets = sidecar.secrets.iter().map(|(k, from)| (k.clone(), secret_source(inventory, from))).collect();
        section.set("secrets", Value::Inline(secrets));
    }
    section.set_some("command", sidecar.command.as_deref().map(strings));
    section.set_unless("essential", sidecar.essential, true);
    if !sidecar.depends_on.is_empty() {
        section.set("depends_on", Value::Inline(start_order(&sidecar.depends_on)));
    }
    if let Some(check) = &sidecar.health_check {
        section.set("health_check", Value::Inline(container_check(check)));
    }
    if let Some(logs) = sidecar.logs.as_ref().filter(|l| Some(*l) != task.logs.as_ref()) {
        let group = log_group_name(inventory, &logs.group_name);
        let fields = [
            ("log_group".to_string(), group.into()),
            ("stream_prefix".to_string(), logs.stream_prefix.as_str().into()),
        ];
        section.set("logs", Value::Inline(fields.into()));
    }
    section
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use reconciler_plan::{ContainerLogs, DiscoveryServiceSpec, LogGroupSpec, Observed, SubnetSpec};

    use super::*;
    use crate::export::toml_out::render;

    fn node(id: &str, spec: impl Into<NodeSpec>) -> ObservedNode {
        ObservedNode { id: id.to_string(), spec: spec.into(), tags: BTreeMap::new() }
    }

    fn aws(id: &str) -> Ref {
        Ref::Aws(id.to_string())
    }

    /// What the reads found of one service: its task definition (with two secrets), Cloud Map service, log
    /// group, subnet, cluster, group and role.
    fn observed() -> Observed {
        let task = TaskDefinitionSpec {
            family: "web".into(),
            cpu: 512,
            memory: 1024,
            execution_role: aws("arn:role/exec"),
            task_role: None,
            container_name: "web".into(),
            image: "nginx:1.27".into(),
            port: 8080,
            environment: BTreeMap::from([("MODE".into(), "prod".into())]),
            secrets: BTreeMap::from([
                ("DB".into(), "arn:aws:secretsmanager:eu-west-1:1:secret:db-AbCdEf:password::".into()),
                ("TOKEN".into(), "/web/token".into()),
            ]),
            command: None,
            logs: Some(ContainerLogs { group_name: "/ecs/web".into(), stream_prefix: "web".into() }),
            health_check: None,
            depends_on: BTreeMap::new(),
            sidecars: vec![],
        };
        let service = ServiceSpec {
            service_name: "web".into(),
            cluster: aws("arn:cluster/demo"),
            task_definition: aws("arn:td/web:3"),
            desired_count: 2,
            subnets: BTreeSet::from([aws("subnet-1")]),
            security_groups: BTreeSet::from([aws("sg-1")]),
            assign_public_ip: false,
            load_balancer: None,
            registry: Some(aws("arn:srv/web")),
            deployment: Deployment::default(),
            health_check_grace_period_seconds: 0,
            enable_execute_command: true,
            keep_revisions: 3,
            autoscaling: None,
            failed_rollout: None,
        };
        let subnet = SubnetSpec {
            vpc: aws("vpc-1"),
            cidr: "10.0.0.96/27".parse().unwrap(),
            availability_zone: "eu-west-1a".into(),
            map_public_ip_on_launch: false,
        };
        let nodes = vec![
            node("arn:td/web:3", NodeSpec::TaskDefinition(Box::new(task))),
            node("arn:service/demo/web", NodeSpec::Service(Box::new(service))),
            node("arn:srv/web", DiscoveryServiceSpec { name: "web".into(), namespace: aws("arn:ns/1"), ttl: 10 }),
            node("arn:log-group:/ecs/web", LogGroupSpec { group_name: "/ecs/web".into(), retention_days: Some(7) }),
            node("subnet-1", subnet),
        ];
        Observed { nodes, ..Observed::default() }
    }

    #[test]
    fn export_renders_a_service_from_what_was_read_by_name_and_without_defaults() {
        let observed = observed();
        let mut inventory = Inventory::new(&observed, "default");
        inventory.name(Kind::Cluster, "arn:cluster/demo", "demo");
        inventory.name(Kind::SecurityGroup, "sg-1", "services");
        inventory.name(Kind::Role, "arn:role/exec", "exec");
        inventory.name(Kind::Namespace, "arn:ns/1", "local");
        inventory.name(Kind::LogGroup, "arn:log-group:/ecs/web", "web-logs");
        let service = inventory.get("arn:service/demo/web").unwrap();
        let parts = Parts::find(&inventory, service);
        let groups = SubnetGroups::from([("subnet-1".to_string(), "private")]);
        let text = render(&[], &sections(&mut inventory, &parts, &groups, "main"));

        let expected = r#"
[service.web]
cluster = "demo"
image = "nginx:1.27"
cpu = 512
memory = 1024
port = 8080
desired_count = 2
vpc = "main"
subnets = "private"
security_groups = ["services"]
execution_role = "exec"
environment = { MODE = "prod" }
enable_execute_command = true
adopt = true

[service.web.secrets]
DB = { secret = "arn:aws:secretsmanager:eu-west-1:1:secret:db-AbCdEf", key = "password" }
TOKEN = { parameter = "/web/token" }

[service.web.logs]
log_group = "web-logs"

[service.web.discovery]
namespace = "local"
ttl = 10
"#;
        assert_eq!(text, expected);
        assert!(inventory.notes.is_empty(), "{:?}", inventory.notes);
    }

    #[test]
    fn export_writes_secrets_by_reference_and_says_what_it_cannot() {
        let observed = Observed::default();
        let mut inventory = Inventory::new(&observed, "default");
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/tls-AbCdEf";
        let source = |inventory: &mut Inventory, from: &str| {
            render(
                &[],
                &[{
                    let mut s = Section::new(&["s"]);
                    s.set("X", secret_source(inventory, from));
                    s
                }],
            )
        };
        assert!(source(&mut inventory, arn).contains(&format!("X = {{ secret = \"{arn}\" }}")));
        let ssm = "arn:aws:ssm:eu-west-1:123456789012:parameter/app/key";
        assert!(source(&mut inventory, ssm).contains(&format!("X = {{ parameter = \"{ssm}\" }}")));
        assert!(inventory.notes.is_empty());
        assert!(source(&mut inventory, &format!("{arn}:token:AWSPREVIOUS:")).contains("key = \"token\""));
        assert_eq!(inventory.notes.len(), 1, "a version stage cannot be declared: {:?}", inventory.notes);
    }
}
