//! Route tables: their routes and subnet associations. Both are changed in place, by comparing the live
//! table (read again just before the change, so that ids are current) with what is wanted.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{Filter, ResourceType, RouteOrigin, RouteTable};
use reconciler_plan::kinds::route_table;
use reconciler_plan::{Action, Address, Node, NodeSpec, ObservedNode, Ref, Route, RouteTarget};

use crate::Aws;
use crate::apply::Ctx;
use crate::create_once::create_once;
use crate::ec2::{address_filters, observation_filters, tag_specification, tags_from, update_tags};
use crate::error::{AwsError, ErrorKind, classify};
use crate::kinds::{Adapter, Observe, Scope, release};
use crate::permissions::Grants;
use reconciler_plan::RouteTableSpec;

/// The kind's resources that `filters` select (see `ec2::observation_filters`).
pub async fn observe(aws: &Aws, filters: Vec<Filter>) -> Result<Vec<ObservedNode>, AwsError> {
    let out = aws
        .ec2
        .describe_route_tables()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| classify("EC2.DescribeRouteTables", e))?;
    Ok(out
        .route_tables()
        .iter()
        .filter_map(|table| {
            Some(ObservedNode {
                id: table.route_table_id()?.to_string(),
                spec: NodeSpec::RouteTable(RouteTableSpec {
                    vpc: Ref::Aws(table.vpc_id()?.to_string()),
                    routes: live_routes(table)
                        .into_iter()
                        .filter_map(|(destination, target)| {
                            Some(Route { destination: destination.parse().ok()?, target: target.into_route_target() })
                        })
                        .collect(),
                    subnets: live_associations(table).into_keys().map(Ref::Aws).collect(),
                }),
                tags: tags_from(Some(table.tags())),
            })
        })
        .collect())
}

/// A route's target as AWS names it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LiveTarget {
    Gateway(String),
    NatGateway(String),
    Other(String),
}

impl LiveTarget {
    fn into_route_target(self) -> RouteTarget {
        match self {
            LiveTarget::Gateway(id) => RouteTarget::Gateway(Ref::Aws(id)),
            LiveTarget::NatGateway(id) => RouteTarget::NatGateway(Ref::Aws(id)),
            LiveTarget::Other(id) => RouteTarget::Other(id),
        }
    }
}

/// IPv4 routes by destination, without the VPC's own `local` route (AWS manages it, nobody can remove it).
fn live_routes(table: &RouteTable) -> BTreeMap<String, LiveTarget> {
    table
        .routes()
        .iter()
        .filter(|r| r.origin() != Some(&RouteOrigin::CreateRouteTable) && r.gateway_id() != Some("local"))
        .filter_map(|r| {
            let target = if let Some(nat) = r.nat_gateway_id() {
                LiveTarget::NatGateway(nat.to_string())
            } else if let Some(gateway) = r.gateway_id() {
                LiveTarget::Gateway(gateway.to_string())
            } else {
                let other = r
                    .transit_gateway_id()
                    .or(r.vpc_peering_connection_id())
                    .or(r.network_interface_id())
                    .or(r.instance_id())
                    .unwrap_or("unknown target");
                LiveTarget::Other(other.to_string())
            };
            Some((r.destination_cidr_block()?.to_string(), target))
        })
        .collect()
}

/// Explicit subnet associations: subnet id -> association id.
fn live_associations(table: &RouteTable) -> BTreeMap<String, String> {
    table
        .associations()
        .iter()
        .filter(|a| !a.main().unwrap_or(false))
        .filter_map(|a| Some((a.subnet_id()?.to_string(), a.route_table_association_id()?.to_string())))
        .collect()
}

pub async fn create(ctx: &Ctx<'_>, node: &Node, spec: &RouteTableSpec) -> Result<String, AwsError> {
    let RouteTableSpec { vpc, .. } = spec;
    let vpc_id = ctx.id_of(vpc)?;
    // One token for every attempt: AWS answers a resend with the table the first attempt made. The emulator
    // ignores the token, so a lost answer is also looked for by our tags before a resend.
    let token = ctx.idempotency_token();
    let send = || async {
        let out = ctx
            .aws
            .ec2
            .create_route_table()
            .vpc_id(&vpc_id)
            .client_token(&token)
            .tag_specifications(tag_specification(ResourceType::RouteTable, &node.tags))
            .customize()
            .config_override(Aws::ec2_config_without_retries())
            .send()
            .await
            .map_err(|e| classify("EC2.CreateRouteTable", e))?;
        out.route_table().cloned().ok_or_else(|| AwsError::invalid("EC2.CreateRouteTable", "empty response"))
    };
    let look = || describe(ctx, Describe::Ours(&node.address));
    let table = create_once(ctx.aws.max_attempts, send, look).await?;
    let id = table.route_table_id().unwrap_or_default().to_string();
    converge(ctx, &id, &table, spec).await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx<'_>, id: &str, action: &Action, spec: &RouteTableSpec) -> Result<(), AwsError> {
    if action.changes(route_table::field::ROUTES)
        || action.changes(route_table::field::SUBNETS)
        || action.refreshes_references()
    {
        let table = describe(ctx, Describe::Id(id)).await?;
        let table = table
            .as_ref()
            .ok_or_else(|| AwsError::invalid("EC2.DescribeRouteTables", format!("route table {id} is gone")))?;
        converge(ctx, id, table, spec).await?;
    }
    update_tags(ctx.aws, id, action).await
}

/// Makes the live table's routes and associations those of `node`.
async fn converge(ctx: &Ctx<'_>, id: &str, live: &RouteTable, spec: &RouteTableSpec) -> Result<(), AwsError> {
    let RouteTableSpec { routes, subnets, .. } = spec;
    let ec2 = &ctx.aws.ec2;

    let mut wanted = BTreeMap::new();
    for route in routes {
        let target = match &route.target {
            RouteTarget::Gateway(r) => LiveTarget::Gateway(ctx.id_of(r)?),
            RouteTarget::NatGateway(r) => LiveTarget::NatGateway(ctx.id_of(r)?),
            RouteTarget::Other(id) => LiveTarget::Other(id.clone()),
        };
        wanted.insert(route.destination.to_string(), target);
    }
    let current = live_routes(live);
    for (destination, target) in &wanted {
        match current.get(destination) {
            Some(existing) if existing == target => {}
            Some(_) => {
                let request = ec2.replace_route().route_table_id(id).destination_cidr_block(destination);
                let request = match target {
                    LiveTarget::Gateway(g) => request.gateway_id(g),
                    LiveTarget::NatGateway(n) => request.nat_gateway_id(n),
                    LiveTarget::Other(_) => continue,
                };
                request.send().await.map_err(|e| classify("EC2.ReplaceRoute", e))?;
            }
            None => {
                let request = ec2.create_route().route_table_id(id).destination_cidr_block(destination);
                let request = match target {
                    LiveTarget::Gateway(g) => request.gateway_id(g),
                    LiveTarget::NatGateway(n) => request.nat_gateway_id(n),
                    LiveTarget::Other(_) => continue,
                };
                request.send().await.map_err(|e| classify("EC2.CreateRoute", e))?;
            }
        }
    }
    for destination in current.keys().filter(|d| !wanted.contains_key(*d)) {
        ec2.delete_route()
            .route_table_id(id)
            .destination_cidr_block(destination)
            .send()
            .await
            .map_err(|e| classify("EC2.DeleteRoute", e))?;
    }

    let wanted_subnets: BTreeSet<String> = subnets.iter().map(|s| ctx.id_of(s)).collect::<Result<_, _>>()?;
    let associations = live_associations(live);
    for subnet in wanted_subnets.iter().filter(|s| !associations.contains_key(*s)) {
        associate(ctx, id, subnet).await?;
    }
    for (subnet, association) in &associations {
        if !wanted_subnets.contains(subnet) {
            ec2.disassociate_route_table()
                .association_id(association)
                .send()
                .await
                .map_err(|e| classify("EC2.DisassociateRouteTable", e))?;
        }
    }
    Ok(())
}

/// Associates a subnet; if it is associated with another table (ours, being replaced), moves it.
async fn associate(ctx: &Ctx<'_>, table: &str, subnet: &str) -> Result<(), AwsError> {
    let ec2 = &ctx.aws.ec2;
    let result = ec2.associate_route_table().route_table_id(table).subnet_id(subnet).send().await;
    let err = match result {
        Ok(_) => return Ok(()),
        Err(e) => classify("EC2.AssociateRouteTable", e),
    };
    if err.kind != ErrorKind::Conflict {
        return Err(err);
    }
    let out = ec2
        .describe_route_tables()
        .filters(Filter::builder().name("association.subnet-id").values(subnet).build())
        .send()
        .await
        .map_err(|e| classify("EC2.DescribeRouteTables", e))?;
    let association = out
        .route_tables()
        .iter()
        .flat_map(|t| t.associations())
        .find(|a| a.subnet_id() == Some(subnet))
        .and_then(|a| a.route_table_association_id())
        .ok_or(err)?;
    ec2.replace_route_table_association()
        .association_id(association)
        .route_table_id(table)
        .send()
        .await
        .map_err(|e| classify("EC2.ReplaceRouteTableAssociation", e))?;
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>, id: &str) -> Result<(), AwsError> {
    if let Some(table) = describe(ctx, Describe::Id(id)).await? {
        for association in live_associations(&table).values() {
            ctx.aws
                .ec2
                .disassociate_route_table()
                .association_id(association)
                .send()
                .await
                .map_err(|e| classify("EC2.DisassociateRouteTable", e))?;
        }
    }
    ctx.aws
        .ec2
        .delete_route_table()
        .route_table_id(id)
        .send()
        .await
        .map_err(|e| classify("EC2.DeleteRouteTable", e))?;
    Ok(())
}

/// The live table, read just before changing it (ids in the plan may be stale after a replacement).
/// Which table to read: by id, or ours at an address (found by tags).
enum Describe<'a> {
    Id(&'a str),
    Ours(&'a Address),
}

async fn describe(ctx: &Ctx<'_>, which: Describe<'_>) -> Result<Option<RouteTable>, AwsError> {
    let request = ctx.aws.ec2.describe_route_tables();
    let request = match which {
        Describe::Id(id) => request.route_table_ids(id),
        Describe::Ours(address) => request.set_filters(Some(address_filters(ctx.owner_id, address))),
    };
    let out = request.send().await.map_err(|e| classify("EC2.DescribeRouteTables", e))?;
    Ok(out.route_tables().first().cloned())
}

// The registry entries of this module's kinds (see `kinds::Adapter`).

/// `RouteTable` in the registry.
pub struct RouteTableKind;

impl Adapter for RouteTableKind {
    type Spec = RouteTableSpec;

    const READS: &'static [&'static str] = &["ec2:DescribeRouteTables"];

    fn permissions(grants: &mut Grants<'_>, node: &Node, _spec: &Self::Spec) {
        grants.ec2_create("CreateRouteTable", "route-table", &["vpc"]);
        let routes = ["CreateRoute", "ReplaceRoute", "DeleteRoute", "DeleteRouteTable", "ReplaceRouteTableAssociation"];
        grants.ec2_change(node, &routes, &["route-table"]);
        // Associating authorizes both the table and the subnet.
        grants.ec2_change(node, &["AssociateRouteTable", "DisassociateRouteTable"], &["route-table", "subnet"]);
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

impl Observe for RouteTableKind {
    async fn observe(aws: &Aws, scope: Scope<'_>) -> Result<Vec<ObservedNode>, AwsError> {
        observe(aws, observation_filters(scope.owner_id, scope.hints)).await
    }
}
