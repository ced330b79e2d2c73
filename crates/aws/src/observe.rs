//! Reading the live state of every kind: one tag-filtered (or account-wide, where AWS has no tag filter)
//! call per kind, concurrently, turned into plain [`Observed`] data.

use reconciler_plan::Observed;
use reconciler_plan::ownership::Owner;

use crate::Aws;
use crate::error::{AwsError, classify};
use crate::kinds::{
    autoscaling, cluster, discovery_service, elastic_ip, elb, instance, internet_gateway, log_group, namespace,
    nat_gateway, role, route_table, security_group, service, subnet, vpc,
};

/// Reads everything the planner needs.
pub async fn observe(aws: &Aws, owner_id: &str) -> Result<Observed, AwsError> {
    observe_all(aws, owner_id).await.map_err(|e| e.at_endpoint(&aws.endpoint))
}

async fn observe_all(aws: &Aws, owner_id: &str) -> Result<Observed, AwsError> {
    let network = async {
        let (zones, vpcs, subnets, gateways, addresses, nats, tables, instances) = tokio::try_join!(
            availability_zones(aws),
            vpc::observe(aws, owner_id),
            subnet::observe(aws, owner_id),
            internet_gateway::observe(aws, owner_id),
            elastic_ip::observe(aws, owner_id),
            nat_gateway::observe(aws, owner_id),
            route_table::observe(aws, owner_id),
            instance::observe(aws, owner_id),
        )?;
        // Security groups are read per VPC of ours, to see name clashes inside them too.
        let our_vpcs: Vec<String> = vpcs
            .iter()
            .filter(|v| matches!(Owner::from_tags(owner_id, &v.tags), Owner::Us(_)))
            .map(|v| v.id.clone())
            .collect();
        let groups = security_group::observe(aws, &our_vpcs).await?;
        let nodes = [vpcs, subnets, gateways, addresses, nats, tables, groups, instances].concat();
        Ok::<_, AwsError>((zones, nodes))
    };
    // Services are read per cluster of ours, with the task definitions they run.
    let containers = async {
        let mut clusters = cluster::observe(aws).await?;
        let ours: Vec<String> = clusters
            .iter()
            .filter(|c| matches!(Owner::from_tags(owner_id, &c.tags), Owner::Us(_)))
            .map(|c| c.id.clone())
            .collect();
        let services = service::observe(aws, &ours).await?;
        // Scaling configuration is recognised as ours through the services' tags.
        let scaling = autoscaling::observe(aws, owner_id, &services).await?;
        clusters.extend(services);
        clusters.extend(scaling);
        Ok::<_, AwsError>(clusters)
    };
    let ((availability_zones, mut nodes), containers, namespaces, discovery, roles, log_groups, load_balancing) = tokio::try_join!(
        network,
        containers,
        namespace::observe(aws),
        discovery_service::observe(aws),
        role::observe(aws),
        log_group::observe(aws),
        elb::observe(aws, owner_id),
    )?;
    for found in [containers, namespaces, discovery, roles, log_groups, load_balancing] {
        nodes.extend(found);
    }
    // Only what is ours, or what could clash with a declaration's unique name, goes to the planner.
    nodes.retain(|n| matches!(Owner::from_tags(owner_id, &n.tags), Owner::Us(_)) || n.spec.unique_identity().is_some());
    Ok(Observed { availability_zones, nodes })
}

/// The region's zones that accept subnets, in name order.
async fn availability_zones(aws: &Aws) -> Result<Vec<String>, AwsError> {
    let out =
        aws.ec2.describe_availability_zones().send().await.map_err(|e| classify("EC2.DescribeAvailabilityZones", e))?;
    let mut zones: Vec<String> = out
        .availability_zones()
        .iter()
        .filter(|z| z.zone_type().is_none_or(|t| t == "availability-zone"))
        .filter_map(|z| z.zone_name().map(str::to_string))
        .collect();
    zones.sort();
    Ok(zones)
}
