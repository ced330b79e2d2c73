//! `reconciler status`: one row per declared service — tasks desired / running / pending, task definition
//! revision, rollout state, last event, and whether it drifted from its file. Read-only: it observes and
//! plans like a dry run, and reads the services with DescribeServices (10 per call).

use std::collections::BTreeMap;

use reconciler_aws::Aws;
use reconciler_plan::ownership::Owner;
use reconciler_plan::{Address, Kind, NodeSpec, PlanContext, Ref};
use reconciler_rollout::ServiceStatus;

use crate::args::{Output, StatusArgs};
use crate::exit;

/// Runs the command; returns the exit code.
pub async fn run(args: &StatusArgs, client: &reconciler_aws::ClientOptions) -> i32 {
    let (desired, aws) = match crate::validate::desired_and_aws(&args.config_dir, client).await {
        Ok(both) => both,
        Err(code) => return code,
    };
    let rows = match rows(&aws, &desired, &args.owner_id).await {
        Ok(rows) => rows,
        Err(err) => {
            eprintln!("error: {err}");
            return exit::ERROR;
        }
    };
    match args.output {
        Output::Text => print!("{}", reconciler_rollout::render_table(&rows)),
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&reconciler_rollout::render_json(&rows)).expect("JSON values serialize")
        ),
    }
    exit::OK
}

async fn rows(aws: &Aws, desired: &reconciler_spec::Desired, owner_id: &str) -> Result<Vec<ServiceStatus>, String> {
    let hints = reconciler_plan::ObservationHints::from_desired(desired);
    let observed = reconciler_aws::observe(aws, owner_id, &hints).await.map_err(|e| e.to_string())?;
    // A status built on part of the account would show services as missing that are only unread.
    if let Some((kind, error)) = observed.unread.iter().next() {
        return Err(format!("the live state of {kind} could not be read: {error}"));
    }
    let plan = reconciler_plan::plan(desired, &observed, &PlanContext::new(owner_id)).map_err(|e| e.to_string())?;

    // Our live services, by declaration name, with their cluster.
    let mut live: BTreeMap<String, (String, String)> = BTreeMap::new();
    for node in &observed.nodes {
        if let (Owner::Us(address), NodeSpec::Service(spec)) = (Owner::from_tags(owner_id, &node.tags), &node.spec)
            && address.kind == Kind::Service
            && let Ref::Aws(cluster) = &spec.cluster
        {
            live.insert(address.name, (cluster.clone(), node.id.clone()));
        }
    }
    let mut by_cluster: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (cluster, arn) in live.values() {
        by_cluster.entry(cluster).or_default().push(arn.clone());
    }
    let mut snapshots = BTreeMap::new();
    for (cluster, arns) in by_cluster {
        for snapshot in reconciler_aws::rollout::snapshots(aws, cluster, &arns).await.map_err(|e| e.to_string())? {
            snapshots.insert(snapshot.service_name.clone(), snapshot);
        }
    }

    let mut rows = Vec::new();
    for (name, declared) in &desired.services {
        let service = &declared.spec;
        let cluster_name =
            desired.clusters.get(&service.cluster).map_or(service.cluster.as_str(), |c| c.spec.cluster_name.as_str());
        let mut row = match snapshots.get(&service.service_name).filter(|_| live.contains_key(name)) {
            Some(snapshot) => {
                ServiceStatus::from_snapshot(name, snapshot, drift(&plan, name), service.autoscaling.is_some())
            }
            None => ServiceStatus::not_created(name, &service.service_name, cluster_name),
        };
        row.held = rollback_hold(&plan, name);
        rows.push(row);
    }
    Ok(rows)
}

/// The words of the planner's hold on the service after a circuit-breaker rollback, if it holds it.
fn rollback_hold(plan: &reconciler_plan::Plan, name: &str) -> Option<String> {
    plan.held
        .iter()
        .find(|h| h.address.kind == Kind::Service && h.address.name == name)
        .filter(|h| matches!(h.by, reconciler_plan::HeldBy::FailedRollout { .. }))
        .map(|h| reconciler_render::words::held_by(&h.by))
}

/// What differs from the file, for everything the service's declaration expands to: the service's own
/// fields by name, the others as `kind.field` (`task_definition.image`).
fn drift(plan: &reconciler_plan::Plan, name: &str) -> Vec<String> {
    // What the service's declaration made, by the planner's rule (not by name: a shared load balancer named
    // like the service makes `load_balancer.NAME/shared`, which is not the service's).
    let mine = |address: &Address| reconciler_plan::declaration_of(address) == (reconciler_spec::Kind::Service, name);
    let mut fields = Vec::new();
    for action in plan.actions.iter().filter(|a| mine(&a.address)) {
        let prefix =
            if action.address.kind == Kind::Service { String::new() } else { format!("{}.", action.address.kind) };
        if action.changes.is_empty() {
            fields.push(format!("{prefix}references"));
        }
        for change in &action.changes {
            if action.observed.is_none() {
                // Not created: the whole resource is missing, not one field.
                fields.push(format!("{}(missing)", prefix.trim_end_matches('.')));
                break;
            }
            fields.push(format!("{prefix}{}", change.field));
        }
    }
    fields.dedup();
    fields
}
