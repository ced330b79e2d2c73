//! What a reconciler instance owns in AWS, read the way a user would: through the SDK, by the ownership tags
//! every resource it creates carries (`reconciler:owner`, `reconciler:resource`), across every service the
//! workshop uses. Deleted resources in their final state (terminated instances, deleted NAT gateways, inactive
//! ECS clusters, services and task definitions) do not count.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::Filter;

use crate::Emulator;

pub const OWNER_KEY: &str = "reconciler:owner";
pub const RESOURCE_KEY: &str = "reconciler:resource";

/// Collects the address of a tagged resource if it belongs to `owner`.
fn collect<'a>(
    found: &mut Vec<String>,
    owner: &str,
    tags: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
) {
    let tags: BTreeMap<&str, &str> = tags.into_iter().filter_map(|(k, v)| Some((k?, v?))).collect();
    if tags.get(OWNER_KEY) == Some(&owner)
        && let Some(address) = tags.get(RESOURCE_KEY)
    {
        found.push((*address).to_string());
    }
}

/// The addresses (`reconciler:resource` tag) of every live resource tagged with `owner` as its owner id:
/// EC2 (VPCs, subnets, internet gateways, route tables, security groups, NAT gateways, Elastic IPs,
/// instances), ECS (clusters, services, task definitions), ELBv2 (load balancers, target groups, listeners,
/// listener rules),
/// Cloud Map (namespaces, services), IAM (roles, instance profiles) and CloudWatch Logs (log groups).
/// Scaling registrations carry no readable tags: see [`scaling_registrations`].
pub async fn owned(emulator: &Emulator, owner: &str) -> BTreeSet<String> {
    copies(emulator, owner).await.into_keys().collect()
}

/// How many live resources carry each address of `owner`: more than one is a duplicate (task definition
/// revisions excepted: a family has several by design, see `keep_revisions`).
pub async fn copies(emulator: &Emulator, owner: &str) -> BTreeMap<String, usize> {
    let mut found = Vec::new();
    ec2(emulator, owner, &mut found).await;
    ecs(emulator, owner, &mut found).await;
    elb(emulator, owner, &mut found).await;
    cloud_map(emulator, owner, &mut found).await;
    iam(emulator, owner, &mut found).await;
    logs(emulator, owner, &mut found).await;
    let mut copies = BTreeMap::new();
    for address in found {
        *copies.entry(address).or_insert(0) += 1;
    }
    copies
}

/// The addresses of `owner` that more than one live resource carries (task definition revisions aside), with
/// how many carry each. A user checks this after a bad day: it must be empty.
pub async fn duplicates(emulator: &Emulator, owner: &str) -> BTreeMap<String, usize> {
    let mut copies = copies(emulator, owner).await;
    copies.retain(|address, n| *n > 1 && !address.starts_with("task_definition."));
    copies
}

fn ec2_tags(tags: &[aws_sdk_ec2::types::Tag]) -> impl Iterator<Item = (Option<&str>, Option<&str>)> {
    tags.iter().map(|t| (t.key(), t.value()))
}

async fn ec2(emulator: &Emulator, owner: &str, found: &mut Vec<String>) {
    let ec2 = emulator.ec2().await;
    let mine = || Filter::builder().name(format!("tag:{OWNER_KEY}")).values(owner).build();
    for vpc in ec2.describe_vpcs().filters(mine()).send().await.unwrap().vpcs() {
        collect(found, owner, ec2_tags(vpc.tags()));
    }
    for subnet in ec2.describe_subnets().filters(mine()).send().await.unwrap().subnets() {
        collect(found, owner, ec2_tags(subnet.tags()));
    }
    for igw in ec2.describe_internet_gateways().filters(mine()).send().await.unwrap().internet_gateways() {
        collect(found, owner, ec2_tags(igw.tags()));
    }
    for table in ec2.describe_route_tables().filters(mine()).send().await.unwrap().route_tables() {
        collect(found, owner, ec2_tags(table.tags()));
    }
    for group in ec2.describe_security_groups().filters(mine()).send().await.unwrap().security_groups() {
        collect(found, owner, ec2_tags(group.tags()));
    }
    for nat in ec2.describe_nat_gateways().filter(mine()).send().await.unwrap().nat_gateways() {
        let state = nat.state().map(|s| s.as_str().to_string()).unwrap_or_default();
        if state != "deleted" && state != "deleting" {
            collect(found, owner, ec2_tags(nat.tags()));
        }
    }
    for address in ec2.describe_addresses().filters(mine()).send().await.unwrap().addresses() {
        collect(found, owner, ec2_tags(address.tags()));
    }
    for reservation in ec2.describe_instances().filters(mine()).send().await.unwrap().reservations() {
        for instance in reservation.instances() {
            let state = instance.state().and_then(|s| s.name()).map(|n| n.as_str().to_string()).unwrap_or_default();
            if state != "terminated" && state != "shutting-down" {
                collect(found, owner, ec2_tags(instance.tags()));
            }
        }
    }
}

async fn ecs(emulator: &Emulator, owner: &str, found: &mut Vec<String>) {
    use aws_sdk_ecs::types::{ClusterField, ServiceField, TaskDefinitionField, TaskDefinitionStatus};
    let ecs = emulator.ecs().await;
    let clusters = ecs.list_clusters().send().await.unwrap().cluster_arns().to_vec();
    if !clusters.is_empty() {
        let out = ecs
            .describe_clusters()
            .set_clusters(Some(clusters.clone()))
            .include(ClusterField::Tags)
            .send()
            .await
            .unwrap();
        for cluster in out.clusters().iter().filter(|c| c.status() == Some("ACTIVE")) {
            collect(found, owner, cluster.tags().iter().map(|t| (t.key(), t.value())));
        }
    }
    for cluster in &clusters {
        let services = ecs.list_services().cluster(cluster).send().await.unwrap().service_arns().to_vec();
        if services.is_empty() {
            continue;
        }
        let out = ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(services))
            .include(ServiceField::Tags)
            .send()
            .await
            .unwrap();
        for service in out.services().iter().filter(|s| s.status() == Some("ACTIVE")) {
            collect(found, owner, service.tags().iter().map(|t| (t.key(), t.value())));
        }
    }
    let definitions = ecs.list_task_definitions().status(TaskDefinitionStatus::Active).send().await.unwrap();
    for arn in definitions.task_definition_arns() {
        let out = ecs
            .describe_task_definition()
            .task_definition(arn)
            .include(TaskDefinitionField::Tags)
            .send()
            .await
            .unwrap();
        collect(found, owner, out.tags().iter().map(|t| (t.key(), t.value())));
    }
}

async fn elb(emulator: &Emulator, owner: &str, found: &mut Vec<String>) {
    let elb = emulator.elbv2().await;
    let mut arns: Vec<String> = Vec::new();
    let balancers = elb.describe_load_balancers().send().await.unwrap();
    for balancer in balancers.load_balancers() {
        let arn = balancer.load_balancer_arn().unwrap().to_string();
        let listeners = elb.describe_listeners().load_balancer_arn(&arn).send().await.unwrap();
        for listener in listeners.listeners().iter().filter_map(|l| l.listener_arn()) {
            let rules = elb.describe_rules().listener_arn(listener).send().await.unwrap();
            let made = rules.rules().iter().filter(|r| !r.is_default().unwrap_or(false));
            arns.extend(made.filter_map(|r| r.rule_arn().map(str::to_string)));
            arns.push(listener.to_string());
        }
        arns.push(arn);
    }
    let groups = elb.describe_target_groups().send().await.unwrap();
    arns.extend(groups.target_groups().iter().filter_map(|g| g.target_group_arn().map(str::to_string)));
    for chunk in arns.chunks(20) {
        let out = elb.describe_tags().set_resource_arns(Some(chunk.to_vec())).send().await.unwrap();
        for description in out.tag_descriptions() {
            collect(found, owner, description.tags().iter().map(|t| (t.key(), t.value())));
        }
    }
}

async fn cloud_map(emulator: &Emulator, owner: &str, found: &mut Vec<String>) {
    let sd = emulator.servicediscovery().await;
    let mut arns: Vec<String> = Vec::new();
    let namespaces = sd.list_namespaces().send().await.unwrap();
    arns.extend(namespaces.namespaces().iter().filter_map(|n| n.arn().map(str::to_string)));
    let services = sd.list_services().send().await.unwrap();
    arns.extend(services.services().iter().filter_map(|s| s.arn().map(str::to_string)));
    for arn in arns {
        let out = sd.list_tags_for_resource().resource_arn(&arn).send().await.unwrap();
        collect(found, owner, out.tags().iter().map(|t| (Some(t.key()), Some(t.value()))));
    }
}

async fn iam(emulator: &Emulator, owner: &str, found: &mut Vec<String>) {
    let iam = emulator.iam().await;
    for role in iam.list_roles().send().await.unwrap().roles() {
        let tags = iam.list_role_tags().role_name(role.role_name()).send().await.unwrap();
        collect(found, owner, tags.tags().iter().map(|t| (Some(t.key()), Some(t.value()))));
    }
    for profile in iam.list_instance_profiles().send().await.unwrap().instance_profiles() {
        // The emulator has no ListInstanceProfileTags; GetInstanceProfile returns the tags.
        let out =
            iam.get_instance_profile().instance_profile_name(profile.instance_profile_name()).send().await.unwrap();
        let tags = out.instance_profile().map(|p| p.tags()).unwrap_or_default();
        collect(found, owner, tags.iter().map(|t| (Some(t.key()), Some(t.value()))));
    }
}

async fn logs(emulator: &Emulator, owner: &str, found: &mut Vec<String>) {
    let logs = emulator.logs().await;
    let groups = logs.describe_log_groups().send().await.unwrap();
    for group in groups.log_groups() {
        let arn = group
            .log_group_arn()
            .map(str::to_string)
            .or_else(|| group.arn().map(|a| a.trim_end_matches(":*").to_string()))
            .unwrap();
        let tags = logs.list_tags_for_resource().resource_arn(&arn).send().await.unwrap();
        collect(found, owner, tags.tags().into_iter().flatten().map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))));
    }
}

/// The ECS services' scaling registrations, named as the reconciler names them (`scalable_target.SERVICE`,
/// `scaling_policy.SERVICE/POLICY`, `scheduled_action.SERVICE/NAME`), whoever made them: Application Auto
/// Scaling has no readable tags.
pub async fn scaling_registrations(emulator: &Emulator) -> BTreeSet<String> {
    use aws_sdk_applicationautoscaling::types::ServiceNamespace;
    let scaling = emulator.autoscaling().await;
    let service = |resource_id: &str| resource_id.rsplit('/').next().unwrap_or_default().to_string();
    let mut found = BTreeSet::new();
    let targets = scaling.describe_scalable_targets().service_namespace(ServiceNamespace::Ecs).send().await.unwrap();
    for target in targets.scalable_targets() {
        found.insert(format!("scalable_target.{}", service(target.resource_id())));
    }
    let policies = scaling.describe_scaling_policies().service_namespace(ServiceNamespace::Ecs).send().await.unwrap();
    for policy in policies.scaling_policies() {
        found.insert(format!("scaling_policy.{}/{}", service(policy.resource_id()), policy.policy_name()));
    }
    let actions = scaling.describe_scheduled_actions().service_namespace(ServiceNamespace::Ecs).send().await.unwrap();
    for action in actions.scheduled_actions() {
        found.insert(format!("scheduled_action.{}/{}", service(action.resource_id()), action.scheduled_action_name()));
    }
    found
}

/// Everything of `owner` plus the scaling registrations: for the default owner after a converge of the
/// workshop, exactly the addresses the converge created.
pub async fn everything(emulator: &Emulator, owner: &str) -> BTreeSet<String> {
    let mut all = owned(emulator, owner).await;
    all.extend(scaling_registrations(emulator).await);
    all
}
