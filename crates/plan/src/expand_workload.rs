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

use std::collections::BTreeSet;

use reconciler_spec::{Desired, ScalingMetric, Scheme, SubnetGroup, Tags};

use crate::expand::{allow_all_egress, node};
use crate::node::{Node, Ref};
use crate::ownership::{SCALING_POLICIES_KEY, SCHEDULED_ACTIONS_KEY};
use crate::{
    Address, ContainerLogs, DiscoveryServiceSpec, InstanceProfileSpec, InstanceSpec, Kind, ListenerSpec,
    LoadBalancerSpec, LogGroupSpec, NodeSpec, RoleSpec, ScalableTargetSpec, ScalingPolicySpec, ScheduledActionSpec,
    SecurityGroupSpec, ServiceLoadBalancer, ServiceSpec, SgPeer, SgRule, TargetGroupSpec, TaskDefinitionSpec,
};

pub(crate) fn expand_workload(desired: &Desired, owner_id: &str, nodes: &mut Vec<Node>) {
    for (name, declared) in &desired.roles {
        let role = &declared.spec;
        let address = Address::new(Kind::Role, name);
        nodes.push(node(
            owner_id,
            address.clone(),
            NodeSpec::Role(RoleSpec {
                role_name: role.role_name.clone(),
                trusted_service: role.trusted_service.clone(),
                managed_policies: role.managed_policies.iter().cloned().collect(),
                inline_policy: role.inline_policy.as_deref().map(normalize_policy),
            }),
            None,
            &role.tags,
            vec![],
        ));
        if role.instance_profile {
            nodes.push(node(
                owner_id,
                Address::new(Kind::InstanceProfile, name),
                NodeSpec::InstanceProfile(InstanceProfileSpec {
                    name: role.role_name.clone(),
                    role: Some(Ref::Node(address)),
                }),
                None,
                &role.tags,
                vec![],
            ));
        }
    }

    for (name, declared) in &desired.log_groups {
        let group = &declared.spec;
        nodes.push(node(
            owner_id,
            Address::new(Kind::LogGroup, name),
            NodeSpec::LogGroup(LogGroupSpec {
                group_name: group.group_name.clone(),
                retention_days: group.retention_days,
            }),
            None,
            &group.tags,
            vec![],
        ));
    }

    // Rules the load balancers add to their services' security groups, applied once every node exists.
    let mut admissions: Vec<(Address, SgRule)> = Vec::new();
    for (name, declared) in &desired.services {
        let service = &declared.spec;
        let tags = &service.tags;
        let vpc = &service.network.vpc;
        let zone_count = desired.vpcs.get(vpc).map_or(0, |v| v.spec.public_subnets.len());
        let subnets = |group: SubnetGroup| -> BTreeSet<Ref> {
            let prefix = match group {
                SubnetGroup::Public => "public",
                SubnetGroup::Private => "private",
            };
            (1..=zone_count).map(|i| Ref::Node(Address::child(Kind::Subnet, vpc, &format!("{prefix}-{i}")))).collect()
        };
        let groups: BTreeSet<Ref> =
            service.network.security_groups.iter().map(|g| Ref::Node(Address::new(Kind::SecurityGroup, g))).collect();

        let task_definition = Address::new(Kind::TaskDefinition, name);
        let logs = service.logs.as_ref().map(|logs| {
            let group_name = desired
                .log_groups
                .get(&logs.log_group)
                .map_or_else(|| logs.log_group.clone(), |g| g.spec.group_name.clone());
            (
                Address::new(Kind::LogGroup, &logs.log_group),
                ContainerLogs { group_name, stream_prefix: logs.stream_prefix.clone() },
            )
        });
        nodes.push(node(
            owner_id,
            task_definition.clone(),
            NodeSpec::TaskDefinition(Box::new(TaskDefinitionSpec {
                family: service.service_name.clone(),
                cpu: service.cpu,
                memory: service.memory,
                execution_role: Ref::Node(Address::new(Kind::Role, &service.execution_role)),
                container_name: service.service_name.clone(),
                image: service.image.clone(),
                port: service.port,
                environment: service.environment.clone(),
                command: service.command.clone(),
                logs: logs.as_ref().map(|(_, l)| l.clone()),
            })),
            None,
            tags,
            // The awslogs driver needs the group to exist when the first task starts.
            logs.into_iter().map(|(group, _)| group).collect(),
        ));

        let registry = service.discovery.as_ref().map(|discovery| {
            let address = Address::new(Kind::DiscoveryService, name);
            nodes.push(node(
                owner_id,
                address.clone(),
                NodeSpec::DiscoveryService(DiscoveryServiceSpec {
                    name: discovery.name.clone(),
                    namespace: Ref::Node(Address::new(Kind::Namespace, &discovery.namespace)),
                    ttl: discovery.ttl,
                }),
                None,
                tags,
                vec![],
            ));
            Ref::Node(address)
        });

        let mut after = Vec::new();
        let load_balancer = service.load_balancer.as_ref().map(|lb| {
            let lb_group = Address::child(Kind::SecurityGroup, name, "lb");
            let listener_rule = |cidr| SgRule {
                protocol: reconciler_spec::Protocol::Tcp,
                ports: Some(reconciler_spec::PortRange { from: lb.listener_port, to: lb.listener_port }),
                peer: SgPeer::Cidr(cidr),
                description: Some("HTTP to the load balancer".to_string()),
            };
            nodes.push(node(
                owner_id,
                lb_group.clone(),
                NodeSpec::SecurityGroup(SecurityGroupSpec {
                    vpc: Ref::Node(Address::new(Kind::Vpc, vpc)),
                    group_name: format!("{}-lb", lb.name),
                    description: format!("load balancer of {}", service.service_name),
                    ingress: lb.allowed_cidrs.iter().copied().map(listener_rule).collect(),
                    egress: BTreeSet::from([allow_all_egress()]),
                }),
                Some(format!("{}-lb", lb.name)),
                tags,
                vec![],
            ));
            if let Some(first) = service.network.security_groups.first() {
                admissions.push((
                    Address::new(Kind::SecurityGroup, first),
                    SgRule {
                        protocol: reconciler_spec::Protocol::Tcp,
                        ports: Some(reconciler_spec::PortRange { from: service.port, to: service.port }),
                        peer: SgPeer::Group(Ref::Node(lb_group.clone())),
                        description: Some(format!("load balancer to {}", service.service_name)),
                    },
                ));
            }
            let balancer = Address::new(Kind::LoadBalancer, name);
            nodes.push(node(
                owner_id,
                balancer.clone(),
                NodeSpec::LoadBalancer(LoadBalancerSpec {
                    name: lb.name.clone(),
                    scheme: match lb.scheme {
                        Scheme::InternetFacing => "internet-facing",
                        Scheme::Internal => "internal",
                    }
                    .to_string(),
                    subnets: subnets(SubnetGroup::Public),
                    security_groups: BTreeSet::from([Ref::Node(lb_group)]),
                }),
                None,
                tags,
                vec![],
            ));
            let target_group = Address::new(Kind::TargetGroup, name);
            nodes.push(node(
                owner_id,
                target_group.clone(),
                NodeSpec::TargetGroup(Box::new(TargetGroupSpec {
                    name: lb.name.clone(),
                    vpc: Ref::Node(Address::new(Kind::Vpc, vpc)),
                    port: service.port,
                    health_check: lb.health_check.clone(),
                })),
                None,
                tags,
                vec![],
            ));
            let listener = Address::new(Kind::Listener, name);
            nodes.push(node(
                owner_id,
                listener.clone(),
                NodeSpec::Listener(ListenerSpec {
                    load_balancer: Ref::Node(balancer),
                    port: lb.listener_port,
                    target_group: Ref::Node(target_group.clone()),
                }),
                None,
                tags,
                vec![],
            ));
            // ECS refuses a target group that no load balancer forwards to yet.
            after.push(listener);
            ServiceLoadBalancer {
                target_group: Ref::Node(target_group),
                container_name: service.service_name.clone(),
                container_port: service.port,
            }
        });

        let service_address = Address::new(Kind::Service, name);
        let mut service_tags = tags.clone();
        let (policy_names, scheduled_names) = scaling_names(service);
        service_tags.insert(SCALING_POLICIES_KEY.to_string(), policy_names.join(","));
        service_tags.insert(SCHEDULED_ACTIONS_KEY.to_string(), scheduled_names.join(","));
        if let Some(autoscaling) = &service.autoscaling {
            let cluster_name = desired
                .clusters
                .get(&service.cluster)
                .map_or(service.cluster.as_str(), |c| c.spec.cluster_name.as_str());
            let resource_id = format!("service/{cluster_name}/{}", service.service_name);
            let target = Address::new(Kind::ScalableTarget, name);
            let none = Tags::new();
            nodes.push(node(
                owner_id,
                target.clone(),
                NodeSpec::ScalableTarget(ScalableTargetSpec {
                    resource_id: resource_id.clone(),
                    min_capacity: autoscaling.min_capacity,
                    max_capacity: autoscaling.max_capacity,
                }),
                None,
                &none,
                vec![service_address.clone()],
            ));
            for policy in &autoscaling.target_tracking {
                let by_requests = policy.metric == ScalingMetric::RequestsPerTarget && service.load_balancer.is_some();
                nodes.push(node(
                    owner_id,
                    Address::child(Kind::ScalingPolicy, name, &policy.name),
                    NodeSpec::ScalingPolicy(Box::new(ScalingPolicySpec {
                        name: policy.name.clone(),
                        resource_id: resource_id.clone(),
                        metric: policy.metric,
                        target: policy.target,
                        scale_in_cooldown_seconds: policy.scale_in_cooldown_seconds,
                        scale_out_cooldown_seconds: policy.scale_out_cooldown_seconds,
                        disable_scale_in: policy.disable_scale_in,
                        target_group: by_requests.then(|| Ref::Node(Address::new(Kind::TargetGroup, name))),
                        load_balancer: by_requests.then(|| Ref::Node(Address::new(Kind::LoadBalancer, name))),
                    })),
                    None,
                    &none,
                    vec![target.clone()],
                ));
            }
            for action in &autoscaling.scheduled {
                nodes.push(node(
                    owner_id,
                    Address::child(Kind::ScheduledAction, name, &action.name),
                    NodeSpec::ScheduledAction(ScheduledActionSpec {
                        name: action.name.clone(),
                        resource_id: resource_id.clone(),
                        schedule: action.schedule.clone(),
                        timezone: action.timezone.clone(),
                        min_capacity: action.min_capacity,
                        max_capacity: action.max_capacity,
                    }),
                    None,
                    &none,
                    vec![target.clone()],
                ));
            }
        }

        nodes.push(node(
            owner_id,
            service_address,
            NodeSpec::Service(Box::new(ServiceSpec {
                service_name: service.service_name.clone(),
                cluster: Ref::Node(Address::new(Kind::Cluster, &service.cluster)),
                task_definition: Ref::Node(task_definition),
                desired_count: service.desired_count,
                subnets: subnets(service.network.subnets),
                security_groups: groups,
                assign_public_ip: service.network.assign_public_ip,
                load_balancer,
                registry,
                deployment: service.deployment.clone(),
                keep_revisions: service.keep_revisions,
                autoscaling: service.autoscaling.as_ref().map(|a| (a.min_capacity, a.max_capacity)),
            })),
            None,
            &service_tags,
            after,
        ));
    }

    for (address, rule) in admissions {
        if let Some(NodeSpec::SecurityGroup(SecurityGroupSpec { ingress, .. })) =
            nodes.iter_mut().find(|n| n.address == address).map(|n| &mut n.spec)
        {
            ingress.insert(rule);
        }
    }

    for (name, declared) in &desired.instances {
        let instance = &declared.spec;
        let group = match instance.subnets {
            SubnetGroup::Public => "public-1",
            SubnetGroup::Private => "private-1",
        };
        nodes.push(node(
            owner_id,
            Address::new(Kind::Instance, name),
            NodeSpec::Instance(Box::new(InstanceSpec {
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
            })),
            Some(name.clone()),
            &instance.tags,
            vec![],
        ));
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
