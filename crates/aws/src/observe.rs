//! Reading the live state of every kind, as the registry (`kinds::reading`) says: each kind's batched read
//! runs as soon as the kinds it reads after are read, all others concurrently, and the answers become plain
//! [`Observed`] data.
//!
//! A kind whose read fails does not fail the others: it is reported in [`Observed::unread`] (with every kind
//! read after it or with it) and the planner leaves it alone for the pass. Only a pass that could read
//! nothing at all fails as a whole.

use std::collections::BTreeMap;

use futures::stream::{FuturesUnordered, StreamExt};
use reconciler_plan::ownership::Owner;
use reconciler_plan::{Kind, ObservationHints, Observed, ObservedNode};

use crate::Aws;
use crate::error::{AwsError, classify};
use crate::kinds::{Reading, Scope, reading};

/// Reads everything the planner needs.
pub async fn observe(aws: &Aws, owner_id: &str, hints: &ObservationHints) -> Result<Observed, AwsError> {
    let (zones, reads, secrets, certificates) = tokio::join!(
        availability_zones(aws),
        read_every_kind(aws, owner_id, hints),
        crate::secrets::observe(aws, &hints.secrets),
        crate::certificates::observe(aws, &hints.certificate_domains)
    );
    let availability_zones = zones.map_err(|e| e.at_endpoint(&aws.endpoint))?;
    let mut nodes = Vec::new();
    let mut failed: BTreeMap<Kind, AwsError> = BTreeMap::new();
    for (kind, read) in reads {
        match read {
            Ok(found) => nodes.extend(found),
            Err(error) => {
                failed.insert(kind, error.at_endpoint(&aws.endpoint));
            }
        }
    }
    // Nothing read at all (the endpoint is down, the credentials are refused): the pass fails as a whole,
    // with the first error, rather than plan around an empty account.
    if failed.len() == own_reads().count()
        && let Some(error) = failed.values().next()
    {
        return Err(error.clone());
    }
    let mut unread = BTreeMap::new();
    for kind in Kind::ALL.iter().copied() {
        let source = match reading(kind) {
            Reading::Own { .. } => kind,
            Reading::With(other) => other,
        };
        if let Some(error) = failed.get(&source) {
            unread.insert(kind, error.to_string());
        }
    }
    // Only what is ours, or what could clash with a declaration's unique name, goes to the planner; and, while
    // something is adopted, what has no owner (the candidates: the planner tells which one a declaration means).
    let adopting = hints.adopting.any();
    nodes.retain(|n| match Owner::from_tags(owner_id, &n.tags) {
        Owner::Us(_) => true,
        Owner::Nobody if adopting => true,
        _ => n.spec.unique_identity().is_some(),
    });
    // Secrets that cannot be read: the task definitions that reference them are held like an unread kind
    // (one made without their ARNs or versions would be wrong), and with them their services.
    let secrets = match secrets {
        Ok(found) => found,
        Err(error) => {
            let error = error.at_endpoint(&aws.endpoint).to_string();
            unread.entry(Kind::TaskDefinition).or_insert(error);
            Default::default()
        }
    };
    // Certificates that cannot be looked up: the load balancers' listeners are held like an unread kind.
    let certificates = match certificates {
        Ok(found) => found,
        Err(error) => {
            unread.entry(Kind::Listener).or_insert(error.at_endpoint(&aws.endpoint).to_string());
            Default::default()
        }
    };
    Ok(Observed { availability_zones, nodes, unread, secrets, certificates })
}

/// The kinds with a read of their own.
fn own_reads() -> impl Iterator<Item = Kind> {
    Kind::ALL.iter().copied().filter(|k| matches!(reading(*k), Reading::Own { .. }))
}

/// Runs every kind's read, each as soon as the kinds it reads after are done; returns what each found. A
/// read whose prerequisite failed is not attempted and fails with it.
async fn read_every_kind<'a>(
    aws: &'a Aws,
    owner_id: &'a str,
    hints: &'a ObservationHints,
) -> Vec<(Kind, Result<Vec<ObservedNode>, AwsError>)> {
    let mut waiting: Vec<Kind> = own_reads().collect();
    let mut done: BTreeMap<Kind, Result<Vec<ObservedNode>, AwsError>> = BTreeMap::new();
    let mut running = FuturesUnordered::new();
    loop {
        while let Some(position) = waiting.iter().position(|k| after(*k).iter().all(|a| done.contains_key(a))) {
            let kind = waiting.remove(position);
            let Reading::Own { after, read } = reading(kind) else { continue };
            // What it would be read inside of is unknown: so is it (with the same cause).
            if let Some(failure) = after.iter().find_map(|a| done[a].as_ref().err()) {
                done.insert(kind, Err(failure.clone()));
                continue;
            }
            let found: Vec<ObservedNode> =
                done.iter().filter(|(k, _)| after.contains(k)).flat_map(|(_, r)| r.iter().flatten().cloned()).collect();
            let scope = Scope { owner_id, hints, found };
            running.push(async move { (kind, read(aws, scope).await) });
        }
        let Some((kind, result)) = running.next().await else { break };
        done.insert(kind, result);
    }
    done.into_iter().collect()
}

/// The kinds `kind`'s read waits for.
fn after(kind: Kind) -> &'static [Kind] {
    match reading(kind) {
        Reading::Own { after, .. } => after,
        Reading::With(_) => &[],
    }
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
