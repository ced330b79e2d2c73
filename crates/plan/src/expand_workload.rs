//! Declarations of the workload -> the AWS resources that implement them.
//!
//! - `[role.X]` becomes an IAM role, plus an instance profile of the same name when asked for.
//! - `[log_group.X]` becomes a log group.
//! - `[service.X]` becomes a task definition (`task_definition.X`), an ECS service (`service.X`), a Cloud Map
//!   service when it has `discovery` (`discovery_service.X`), and with a `load_balancer`: an ALB
//!   (`load_balancer.X`) in the VPC's public subnets with its own security group (`security_group.X/lb`), a
//!   target group (`target_group.X`) and an HTTP listener (`listener.X`). The service's first security group
//!   gains a rule admitting the load balancer's group on the container port.
//! - `[instance.X]` becomes an EC2 instance.

use std::collections::{BTreeMap, BTreeSet};

use reconciler_spec::{Desired, Scheme, SubnetGroup, Tags};
use reconciler_vocabulary::{Https, PortRange, Protocol, ScalingMetric, SecretSource};

use crate::certificates::{self, FoundCertificates, SHARED_HTTPS_CHILD};
use crate::expand::{allow_all_egress, node};
use crate::kinds::SHARED_CHILD;
use crate::kinds::listener::{DefaultAction, ListenerTls};
use crate::kinds::listener_rule::ListenerRuleSpec;
use crate::node::{Node, Ref};
use crate::ownership::{SCALING_POLICIES_KEY, SCHEDULED_ACTIONS_KEY};
use crate::secrets::{self, FoundSecrets};
use crate::{
    Address, ContainerLogs, DiscoveryServiceSpec, InstanceProfileSpec, InstanceSpec, Kind, ListenerSpec,
    LoadBalancerSpec, LogGroupSpec, NodeSpec, RoleSpec, ScalableTargetSpec, ScalingPolicySpec, ScheduledActionSpec,
    SecurityGroupSpec, ServiceLoadBalancer, ServiceSpec, SgPeer, SgRule, SidecarSpec, TargetGroupSpec,
    TaskDefinitionSpec,
};

pub(crate) fn expand_workload(
    desired: &Desired,
    owner_id: &str,
    secrets: &FoundSecrets,
    certificates: &FoundCertificates,
    nodes: &mut Vec<Node>,
) {
    expand_roles(desired, owner_id, nodes);
    expand_log_groups(desired, owner_id, nodes);
    expand_shared_load_balancers(desired, owner_id, certificates, nodes);
    // Rules the load balancers add to their services' security groups, applied once every node exists.
    let mut admissions: Vec<(Address, SgRule)> = Vec::new();
    for (name, declared) in &desired.services {
        let parts = ServiceParts { desired, owner_id, secrets, certificates, name, service: &declared.spec };
        parts.expand(nodes, &mut admissions);
    }
    for (address, rule) in admissions {
        if let Some(NodeSpec::SecurityGroup(SecurityGroupSpec { ingress, .. })) =
            nodes.iter_mut().find(|n| n.address == address).map(|n| &mut n.spec)
        {
            ingress.insert(rule);
        }
    }
    expand_instances(desired, owner_id, nodes);
}

/// `[role.X]`: the role, and its instance profile when asked for.
fn expand_roles(desired: &Desired, owner_id: &str, nodes: &mut Vec<Node>) {
    for (name, declared) in &desired.roles {
        let role = &declared.spec;
        let address = Address::new(Kind::Role, name);
        let spec = NodeSpec::Role(RoleSpec {
            role_name: role.role_name.clone(),
            trusted_service: role.trusted_service.clone(),
            managed_policies: role.managed_policies.iter().cloned().collect(),
            inline_policy: role.inline_policy.as_deref().map(normalize_policy),
        });
        nodes.push(node(owner_id, address.clone(), spec, None, &role.tags, vec![]));
        if role.instance_profile {
            let spec = NodeSpec::InstanceProfile(InstanceProfileSpec {
                name: role.role_name.clone(),
                role: Some(Ref::Node(address)),
            });
            nodes.push(node(owner_id, Address::new(Kind::InstanceProfile, name), spec, None, &role.tags, vec![]));
        }
    }
}

/// `[log_group.X]`.
fn expand_log_groups(desired: &Desired, owner_id: &str, nodes: &mut Vec<Node>) {
    for (name, declared) in &desired.log_groups {
        let group = &declared.spec;
        let spec = NodeSpec::LogGroup(LogGroupSpec {
            group_name: group.group_name.clone(),
            retention_days: group.retention_days,
        });
        nodes.push(node(owner_id, Address::new(Kind::LogGroup, name), spec, None, &group.tags, vec![]));
    }
}

/// A VPC's subnets of one group, by address (one per zone).
fn vpc_subnets(desired: &Desired, vpc: &str, group: SubnetGroup) -> BTreeSet<Ref> {
    let zone_count = desired.vpcs.get(vpc).map_or(0, |v| v.spec.public_subnets.len());
    let prefix = match group {
        SubnetGroup::Public => "public",
        SubnetGroup::Private => "private",
    };
    (1..=zone_count).map(|i| Ref::Node(Address::child(Kind::Subnet, vpc, &format!("{prefix}-{i}")))).collect()
}

/// `[load_balancer.X]`: a load balancer in the VPC's public subnets with its own security group, and a listener
/// that answers 404 to what no service's rule matches (`load_balancer.X/shared`, `security_group.X/shared`,
/// `listener.X/shared`).
fn expand_shared_load_balancers(
    desired: &Desired,
    owner_id: &str,
    certificates: &FoundCertificates,
    nodes: &mut Vec<Node>,
) {
    for (name, declared) in &desired.load_balancers {
        let lb = &declared.spec;
        let address = |kind| Address::child(kind, name, SHARED_CHILD);
        let group = NodeSpec::SecurityGroup(SecurityGroupSpec {
            vpc: Ref::Node(Address::new(Kind::Vpc, &lb.vpc)),
            group_name: format!("{}-lb", lb.name),
            description: format!("shared load balancer {}", lb.name),
            ingress: listener_ingress(&lb.allowed_cidrs, lb.listener_port, lb.https.as_ref()),
            egress: BTreeSet::from([allow_all_egress()]),
        });
        let group_address = address(Kind::SecurityGroup);
        nodes.push(node(owner_id, group_address.clone(), group, Some(format!("{}-lb", lb.name)), &lb.tags, vec![]));
        let spec = NodeSpec::LoadBalancer(LoadBalancerSpec {
            name: lb.name.clone(),
            scheme: scheme_name(lb.scheme).to_string(),
            subnets: vpc_subnets(desired, &lb.vpc, SubnetGroup::Public),
            security_groups: BTreeSet::from([Ref::Node(group_address)]),
        });
        nodes.push(node(owner_id, address(Kind::LoadBalancer), spec, None, &lb.tags, vec![]));
        let listeners = Listeners {
            load_balancer: address(Kind::LoadBalancer),
            http: address(Kind::Listener),
            https: Address::child(Kind::Listener, name, SHARED_HTTPS_CHILD),
            http_port: lb.listener_port,
            tls: lb.https.as_ref(),
        };
        for (address, spec) in listeners.specs(DefaultAction::NotFound, certificates) {
            nodes.push(node(owner_id, address, NodeSpec::Listener(spec), None, &lb.tags, vec![]));
        }
    }
}

/// A load balancer's security group rules: HTTP on `port` from each of `cidrs`.
fn http_from(cidrs: &[ipnet::Ipv4Net], port: u16, what: &str) -> BTreeSet<SgRule> {
    cidrs
        .iter()
        .map(|cidr| SgRule {
            protocol: Protocol::Tcp,
            ports: Some(PortRange { from: port, to: port }),
            peer: SgPeer::Cidr(*cidr),
            description: Some(format!("{what} to the load balancer")),
        })
        .collect()
}

/// A load balancer's security group rules: HTTP on its listener port, and HTTPS on its port when it has one.
fn listener_ingress(cidrs: &[ipnet::Ipv4Net], http_port: u16, https: Option<&Https>) -> BTreeSet<SgRule> {
    let mut rules = http_from(cidrs, http_port, "HTTP");
    if let Some(https) = https {
        rules.extend(http_from(cidrs, https.port, "HTTPS"));
    }
    rules
}

/// A load balancer's listeners: HTTP on its port, and with `tls` an HTTPS one.
struct Listeners<'a> {
    load_balancer: Address,
    http: Address,
    https: Address,
    http_port: u16,
    tls: Option<&'a Https>,
}

impl Listeners<'_> {
    /// The listener that does `serve`: the HTTPS one when there is one, else the HTTP one.
    fn serving(&self) -> &Address {
        if self.tls.is_some() { &self.https } else { &self.http }
    }

    /// Each listener's address and spec. With HTTPS, plain HTTP redirects to it (or serves too, with
    /// `redirect_http = false`).
    fn specs(&self, serve: DefaultAction, certificates: &FoundCertificates) -> Vec<(Address, ListenerSpec)> {
        let load_balancer = Ref::Node(self.load_balancer.clone());
        let Some(https) = self.tls else {
            let http = ListenerSpec { load_balancer, port: self.http_port, tls: None, default_action: serve };
            return vec![(self.http.clone(), http)];
        };
        let plain =
            if https.redirect_http { DefaultAction::RedirectToHttps { port: https.port } } else { serve.clone() };
        let tls = ListenerTls {
            certificate: certificates::arn(&https.certificate, certificates),
            ssl_policy: https.ssl_policy.clone(),
        };
        vec![
            (
                self.http.clone(),
                ListenerSpec {
                    load_balancer: load_balancer.clone(),
                    port: self.http_port,
                    tls: None,
                    default_action: plain,
                },
            ),
            (
                self.https.clone(),
                ListenerSpec { load_balancer, port: https.port, tls: Some(tls), default_action: serve },
            ),
        ]
    }
}

/// How AWS writes a scheme.
fn scheme_name(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::InternetFacing => "internet-facing",
        Scheme::Internal => "internal",
    }
}

/// `[instance.X]`: one EC2 instance in the first subnet of its group.
fn expand_instances(desired: &Desired, owner_id: &str, nodes: &mut Vec<Node>) {
    for (name, declared) in &desired.instances {
        let instance = &declared.spec;
        let group = match instance.subnets {
            SubnetGroup::Public => "public-1",
            SubnetGroup::Private => "private-1",
        };
        let spec = NodeSpec::Instance(Box::new(InstanceSpec {
            instance_type: instance.instance_type.clone(),
            image: instance.image.clone(),
            subnet: Ref::Node(Address::child(Kind::Subnet, &instance.vpc, group)),
            security_groups: instance
                .security_groups
                .iter()
                .map(|g| Ref::Node(Address::new(Kind::SecurityGroup, g)))
                .collect(),
            instance_profile: instance.role.as_ref().map(|r| Ref::Node(Address::new(Kind::InstanceProfile, r))),
            user_data: instance.user_data.clone(),
        }));
        nodes.push(node(
            owner_id,
            Address::new(Kind::Instance, name),
            spec,
            Some(name.clone()),
            &instance.tags,
            vec![],
        ));
    }
}

/// One `[service.X]` declaration and the parts it expands into, one function per part.
struct ServiceParts<'a> {
    desired: &'a Desired,
    owner_id: &'a str,
    /// The referenced parameters and secrets as found: their ARNs and versions.
    secrets: &'a FoundSecrets,
    /// Issued ACM certificates by domain, for HTTPS listeners that name theirs by domain.
    certificates: &'a FoundCertificates,
    name: &'a str,
    service: &'a reconciler_spec::Service,
}

/// What the load-balancing part gives the ECS service: its target group, and the listener it must wait for.
struct Balanced {
    load_balancer: ServiceLoadBalancer,
    listener: Address,
}

impl ServiceParts<'_> {
    fn expand(&self, nodes: &mut Vec<Node>, admissions: &mut Vec<(Address, SgRule)>) {
        let task_definition = self.task_definition(nodes);
        let registry = self.discovery(nodes);
        let balanced = self.load_balancing(nodes, admissions);
        self.scaling(nodes);
        self.ecs_service(nodes, task_definition, registry, balanced);
    }

    fn push(&self, nodes: &mut Vec<Node>, address: Address, spec: NodeSpec, after: Vec<Address>) {
        nodes.push(node(self.owner_id, address, spec, None, &self.service.tags, after));
    }

    /// The service's VPC's subnets of one group.
    fn subnets(&self, group: SubnetGroup) -> BTreeSet<Ref> {
        vpc_subnets(self.desired, &self.service.network.vpc, group)
    }

    /// `task_definition.X`: the one container, its logs in the declared group.
    fn task_definition(&self, nodes: &mut Vec<Node>) -> Address {
        let service = self.service;
        let address = Address::new(Kind::TaskDefinition, self.name);
        let logs = service.logs.as_ref().map(|logs| self.container_logs(logs));
        let value_from = |secrets: &BTreeMap<String, SecretSource>| {
            secrets.iter().map(|(k, s)| (k.clone(), secrets::value_from(s, self.secrets))).collect()
        };
        let sidecars: Vec<SidecarSpec> = service
            .sidecars
            .iter()
            .map(|(name, sidecar)| SidecarSpec {
                name: name.clone(),
                image: sidecar.image.clone(),
                cpu: sidecar.cpu,
                memory: sidecar.memory,
                port: sidecar.port,
                environment: sidecar.environment.clone(),
                secrets: value_from(&sidecar.secrets),
                command: sidecar.command.clone(),
                essential: sidecar.essential,
                depends_on: sidecar.depends_on.clone(),
                health_check: sidecar.health_check.clone(),
                // A sidecar logs where the service does unless it says otherwise.
                logs: sidecar.logs.as_ref().map(|l| self.container_logs(l).1).or_else(|| logs.clone().map(|l| l.1)),
            })
            .collect();
        // The awslogs driver needs the groups to exist when the first task starts.
        let log_groups: BTreeSet<Address> = logs
            .iter()
            .map(|(group, _)| group.clone())
            .chain(service.sidecars.values().filter_map(|s| Some(self.container_logs(s.logs.as_ref()?).0)))
            .collect();
        let spec = NodeSpec::TaskDefinition(Box::new(TaskDefinitionSpec {
            family: service.service_name.clone(),
            cpu: service.cpu,
            memory: service.memory,
            execution_role: Ref::Node(Address::new(Kind::Role, &service.execution_role)),
            task_role: service.task_role.as_ref().map(|role| Ref::Node(Address::new(Kind::Role, role))),
            container_name: service.service_name.clone(),
            image: service.image.clone(),
            port: service.port,
            environment: service.environment.clone(),
            secrets: value_from(&service.secrets),
            command: service.command.clone(),
            logs: logs.map(|(_, l)| l),
            health_check: service.health_check.clone(),
            depends_on: service.depends_on.clone(),
            sidecars,
        }));
        self.push(nodes, address.clone(), spec, log_groups.into_iter().collect());
        address
    }

    /// A container's awslogs settings: the declared log group's address and name, and the stream prefix.
    fn container_logs(&self, logs: &reconciler_spec::Logs) -> (Address, ContainerLogs) {
        let group_name = self
            .desired
            .log_groups
            .get(&logs.log_group)
            .map_or_else(|| logs.log_group.clone(), |g| g.spec.group_name.clone());
        (
            Address::new(Kind::LogGroup, &logs.log_group),
            ContainerLogs { group_name, stream_prefix: logs.stream_prefix.clone() },
        )
    }

    /// `discovery_service.X`, with `discovery`: the Cloud Map service the tasks register in.
    fn discovery(&self, nodes: &mut Vec<Node>) -> Option<Ref> {
        let discovery = self.service.discovery.as_ref()?;
        let address = Address::new(Kind::DiscoveryService, self.name);
        let spec = NodeSpec::DiscoveryService(DiscoveryServiceSpec {
            name: discovery.name.clone(),
            namespace: Ref::Node(Address::new(Kind::Namespace, &discovery.namespace)),
            ttl: discovery.ttl,
        });
        self.push(nodes, address.clone(), spec, vec![]);
        Some(Ref::Node(address))
    }

    /// With `route`: the service's target group, and the listener rule on the shared load balancer that sends
    /// it its paths and hosts; and the rule admitting that load balancer into the service's first group.
    fn route(&self, nodes: &mut Vec<Node>, admissions: &mut Vec<(Address, SgRule)>) -> Option<Balanced> {
        let (service, name) = (self.service, self.name);
        let route = service.route.as_ref()?;
        let shared = |kind| Address::child(kind, &route.load_balancer, SHARED_CHILD);
        self.admit(admissions, &shared(Kind::SecurityGroup));
        let target_group = Address::new(Kind::TargetGroup, name);
        let spec = NodeSpec::TargetGroup(Box::new(TargetGroupSpec {
            name: route.target_group_name.clone(),
            vpc: Ref::Node(Address::new(Kind::Vpc, &service.network.vpc)),
            port: service.port,
            health_check: route.health_check.clone(),
        }));
        self.push(nodes, target_group.clone(), spec, vec![]);
        let rule = Address::new(Kind::ListenerRule, name);
        let spec = NodeSpec::ListenerRule(ListenerRuleSpec {
            // On the HTTPS listener when the load balancer has one (plain HTTP then redirects to it).
            listener: Ref::Node(
                match self.desired.load_balancers.get(&route.load_balancer).and_then(|l| l.spec.https.as_ref()) {
                    Some(_) => Address::child(Kind::Listener, &route.load_balancer, SHARED_HTTPS_CHILD),
                    None => shared(Kind::Listener),
                },
            ),
            priority: route.priority,
            paths: route.paths.iter().cloned().collect(),
            hosts: route.hosts.iter().cloned().collect(),
            target_group: Ref::Node(target_group.clone()),
        });
        self.push(nodes, rule.clone(), spec, vec![]);
        let load_balancer = ServiceLoadBalancer {
            target_group: Ref::Node(target_group),
            container_name: service.service_name.clone(),
            container_port: service.port,
        };
        // ECS refuses a target group that no load balancer forwards to: the rule is what does.
        Some(Balanced { load_balancer, listener: rule })
    }

    /// The rule admitting a load balancer's group into the service's first security group, on its port.
    fn admit(&self, admissions: &mut Vec<(Address, SgRule)>, lb_group: &Address) {
        let service = self.service;
        if let Some(first) = service.network.security_groups.first() {
            let admission = SgRule {
                protocol: Protocol::Tcp,
                ports: Some(PortRange { from: service.port, to: service.port }),
                peer: SgPeer::Group(Ref::Node(lb_group.clone())),
                description: Some(format!("load balancer to {}", service.service_name)),
            };
            admissions.push((Address::new(Kind::SecurityGroup, first), admission));
        }
    }

    /// With `load_balancer`: the load balancer's security group, the load balancer in the public subnets, the
    /// target group and the listener; and the rule admitting the load balancer into the service's first group.
    fn load_balancing(&self, nodes: &mut Vec<Node>, admissions: &mut Vec<(Address, SgRule)>) -> Option<Balanced> {
        let (service, name) = (self.service, self.name);
        let Some(lb) = service.load_balancer.as_ref() else { return self.route(nodes, admissions) };
        let vpc = Ref::Node(Address::new(Kind::Vpc, &service.network.vpc));
        let lb_group = Address::child(Kind::SecurityGroup, name, "lb");
        let group = NodeSpec::SecurityGroup(SecurityGroupSpec {
            vpc: vpc.clone(),
            group_name: format!("{}-lb", lb.name),
            description: format!("load balancer of {}", service.service_name),
            ingress: listener_ingress(&lb.allowed_cidrs, lb.listener_port, lb.https.as_ref()),
            egress: BTreeSet::from([allow_all_egress()]),
        });
        nodes.push(node(
            self.owner_id,
            lb_group.clone(),
            group,
            Some(format!("{}-lb", lb.name)),
            &service.tags,
            vec![],
        ));
        self.admit(admissions, &lb_group);
        let balancer = Address::new(Kind::LoadBalancer, name);
        let scheme = scheme_name(lb.scheme);
        let spec = NodeSpec::LoadBalancer(LoadBalancerSpec {
            name: lb.name.clone(),
            scheme: scheme.to_string(),
            subnets: self.subnets(SubnetGroup::Public),
            security_groups: BTreeSet::from([Ref::Node(lb_group)]),
        });
        self.push(nodes, balancer.clone(), spec, vec![]);
        let target_group = Address::new(Kind::TargetGroup, name);
        let spec = NodeSpec::TargetGroup(Box::new(TargetGroupSpec {
            name: lb.name.clone(),
            vpc,
            port: service.port,
            health_check: lb.health_check.clone(),
        }));
        self.push(nodes, target_group.clone(), spec, vec![]);
        let listeners = Listeners {
            load_balancer: balancer,
            http: Address::new(Kind::Listener, name),
            https: Address::child(Kind::Listener, name, "https"),
            http_port: lb.listener_port,
            tls: lb.https.as_ref(),
        };
        for (address, spec) in
            listeners.specs(DefaultAction::Forward(Ref::Node(target_group.clone())), self.certificates)
        {
            self.push(nodes, address, NodeSpec::Listener(spec), vec![]);
        }
        let listener = listeners.serving().clone();
        let load_balancer = ServiceLoadBalancer {
            target_group: Ref::Node(target_group),
            container_name: service.service_name.clone(),
            container_port: service.port,
        };
        Some(Balanced { load_balancer, listener })
    }

    /// With `autoscaling`: the scalable target, its target-tracking policies and scheduled actions. They carry
    /// no tags of their own (Application Auto Scaling's cannot be read back): the service's tags list them.
    fn scaling(&self, nodes: &mut Vec<Node>) {
        let (service, name) = (self.service, self.name);
        let Some(autoscaling) = &service.autoscaling else { return };
        let cluster_name = self
            .desired
            .clusters
            .get(&service.cluster)
            .map_or(service.cluster.as_str(), |c| c.spec.cluster_name.as_str());
        let resource_id = format!("service/{cluster_name}/{}", service.service_name);
        let target = Address::new(Kind::ScalableTarget, name);
        let none = Tags::new();
        let spec = NodeSpec::ScalableTarget(ScalableTargetSpec {
            resource_id: resource_id.clone(),
            min_capacity: autoscaling.min_capacity,
            max_capacity: autoscaling.max_capacity,
        });
        nodes.push(node(self.owner_id, target.clone(), spec, None, &none, vec![Address::new(Kind::Service, name)]));
        for policy in &autoscaling.target_tracking {
            let by_requests = policy.metric == ScalingMetric::RequestsPerTarget && service.load_balancer.is_some();
            let spec = NodeSpec::ScalingPolicy(Box::new(ScalingPolicySpec {
                name: policy.name.clone(),
                resource_id: resource_id.clone(),
                metric: policy.metric,
                target: policy.target,
                scale_in_cooldown_seconds: policy.scale_in_cooldown_seconds,
                scale_out_cooldown_seconds: policy.scale_out_cooldown_seconds,
                disable_scale_in: policy.disable_scale_in,
                target_group: by_requests.then(|| Ref::Node(Address::new(Kind::TargetGroup, name))),
                load_balancer: by_requests.then(|| Ref::Node(Address::new(Kind::LoadBalancer, name))),
            }));
            let address = Address::child(Kind::ScalingPolicy, name, &policy.name);
            nodes.push(node(self.owner_id, address, spec, None, &none, vec![target.clone()]));
        }
        for action in &autoscaling.scheduled {
            let spec = NodeSpec::ScheduledAction(ScheduledActionSpec {
                name: action.name.clone(),
                resource_id: resource_id.clone(),
                schedule: action.schedule.clone(),
                timezone: action.timezone.clone(),
                min_capacity: action.min_capacity,
                max_capacity: action.max_capacity,
            });
            let address = Address::child(Kind::ScheduledAction, name, &action.name);
            nodes.push(node(self.owner_id, address, spec, None, &none, vec![target.clone()]));
        }
    }

    /// `service.X`: the ECS service, tagged with the names of its scaling policies and scheduled actions.
    fn ecs_service(
        &self,
        nodes: &mut Vec<Node>,
        task_definition: Address,
        registry: Option<Ref>,
        balanced: Option<Balanced>,
    ) {
        let service = self.service;
        let mut tags = service.tags.clone();
        let (policy_names, scheduled_names) = scaling_names(service);
        tags.insert(SCALING_POLICIES_KEY.to_string(), policy_names.join(","));
        tags.insert(SCHEDULED_ACTIONS_KEY.to_string(), scheduled_names.join(","));
        // The version of each secret its tasks start with: a rotation changes the tag, and the update redeploys.
        for used in service.secret_uses() {
            if let Some(found) = self.secrets.get(&secrets::lookup(used.source)) {
                tags.insert(secrets::version_tag(&used.label()), found.version.clone());
            }
        }
        let (load_balancer, after) = match balanced {
            // ECS refuses a target group that no load balancer forwards to yet.
            Some(Balanced { load_balancer, listener }) => (Some(load_balancer), vec![listener]),
            None => (None, vec![]),
        };
        let spec = NodeSpec::Service(Box::new(ServiceSpec {
            service_name: service.service_name.clone(),
            cluster: Ref::Node(Address::new(Kind::Cluster, &service.cluster)),
            task_definition: Ref::Node(task_definition),
            desired_count: service.desired_count,
            subnets: self.subnets(service.network.subnets),
            security_groups: service
                .network
                .security_groups
                .iter()
                .map(|g| Ref::Node(Address::new(Kind::SecurityGroup, g)))
                .collect(),
            assign_public_ip: service.network.assign_public_ip,
            load_balancer,
            registry,
            deployment: service.deployment.clone(),
            health_check_grace_period_seconds: service.health_check_grace_period_seconds,
            enable_execute_command: service.enable_execute_command,
            keep_revisions: service.keep_revisions,
            failed_rollout: None,
            autoscaling: service.autoscaling.as_ref().map(|a| (a.min_capacity, a.max_capacity)),
        }));
        nodes.push(node(self.owner_id, Address::new(Kind::Service, self.name), spec, None, &tags, after));
    }
}

/// The names of the scaling policies and scheduled actions a service declares, sorted: what its
/// ownership tags list.
fn scaling_names(service: &reconciler_spec::Service) -> (Vec<String>, Vec<String>) {
    let Some(autoscaling) = &service.autoscaling else { return (Vec::new(), Vec::new()) };
    let mut policies: Vec<String> = autoscaling.target_tracking.iter().map(|p| p.name.clone()).collect();
    let mut scheduled: Vec<String> = autoscaling.scheduled.iter().map(|a| a.name.clone()).collect();
    policies.sort();
    scheduled.sort();
    (policies, scheduled)
}

/// A policy document in one canonical form (compact, keys sorted), so that two spellings of the same
/// policy compare equal. Validation has already checked it is JSON; anything else is kept as written.
pub fn normalize_policy(document: &str) -> String {
    serde_json::from_str::<serde_json::Value>(document).map_or_else(|_| document.to_string(), |v| v.to_string())
}
