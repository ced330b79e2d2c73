//! `reconciler --once --wait`: after applying, follow the rollout of every ECS service the pass created or
//! changed until each is stable, failed or out of time, printing progress as it comes.
//!
//! The judgement is [`reconciler_rollout::RolloutFollower`]'s (pure, tested on recorded and constructed
//! responses); this module only polls DescribeServices (10 services per call) and prints.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reconciler_aws::Aws;
use reconciler_plan::{Address, ApplyReport, Kind, OutcomeResult, Plan};
use reconciler_rollout::{RolloutFollower, Verdict};

/// How often ECS is asked. ECS updates counts and events every few seconds; its own waiter polls every 15 s.
const POLL: Duration = Duration::from_secs(5);

/// An ECS service to follow: the ARN the pass reported (`arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub cluster: String,
    pub service: String,
}

/// The services the pass created, updated or replaced; not those whose update only recorded a rollback in
/// their tags (they are held: no rollout started).
pub fn targets(plan: &Plan, report: &ApplyReport) -> Vec<Target> {
    let held = |address: &Address| plan.held.iter().any(|h| h.address == *address);
    report
        .outcomes
        .iter()
        .filter(|o| o.address.kind == Kind::Service && !held(&o.address))
        .filter_map(|o| match &o.result {
            OutcomeResult::Succeeded { id } => target_of(id),
            _ => None,
        })
        .collect()
}

fn target_of(arn: &str) -> Option<Target> {
    let path = arn.split_once(":service/")?.1;
    let (cluster, _name) = path.split_once('/')?;
    Some(Target { cluster: cluster.to_string(), service: arn.to_string() })
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Follows every target until each has a verdict or `timeout` passes; `print` gets each progress line.
pub async fn follow(aws: &Aws, targets: &[Target], timeout: Duration, mut print: impl FnMut(&str)) -> Vec<Verdict> {
    let started = now_ms();
    let deadline = tokio::time::Instant::now() + timeout;
    let mut by_cluster: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for target in targets {
        by_cluster.entry(&target.cluster).or_default().push(target.service.clone());
    }
    // Keyed by service name; created on the first answer, which tells the task definition being rolled out.
    let mut followers: BTreeMap<String, RolloutFollower> = BTreeMap::new();
    let mut verdicts: BTreeMap<String, Verdict> = BTreeMap::new();
    loop {
        for (cluster, services) in &by_cluster {
            let pending: Vec<String> = services
                .iter()
                .filter(|arn| !verdicts.keys().any(|name| arn.ends_with(&format!("/{name}"))))
                .cloned()
                .collect();
            if pending.is_empty() {
                continue;
            }
            let snapshots = match reconciler_aws::rollout::snapshots(aws, cluster, &pending).await {
                Ok(snapshots) => snapshots,
                // A failed poll is not a failed rollout: say so and try again at the next poll.
                Err(err) => {
                    print(&format!("could not read the services of {cluster}: {err}"));
                    continue;
                }
            };
            for snapshot in &snapshots {
                let follower = followers.entry(snapshot.service_name.clone()).or_insert_with(|| {
                    let expected = snapshot.primary().map_or(&snapshot.task_definition, |d| &d.task_definition);
                    RolloutFollower::new(&snapshot.service_name, expected.clone(), started)
                });
                let step = follower.observe(snapshot, now_ms());
                for line in &step.lines {
                    print(line);
                }
                if let Some(verdict) = step.verdict {
                    print(&verdict.to_string());
                    verdicts.insert(snapshot.service_name.clone(), verdict);
                }
            }
            for arn in &pending {
                let name = arn.rsplit('/').next().unwrap_or(arn);
                if !snapshots.iter().any(|s| s.service_name == name) {
                    let verdict =
                        Verdict::Failed { service: name.to_string(), reason: "the service no longer exists".into() };
                    print(&verdict.to_string());
                    verdicts.insert(name.to_string(), verdict);
                }
            }
        }
        if verdicts.len() >= targets.len() {
            break;
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            for (name, follower) in &followers {
                if !verdicts.contains_key(name) {
                    let verdict = follower.timeout();
                    print(&verdict.to_string());
                    verdicts.insert(name.clone(), verdict);
                }
            }
            break;
        }
        tokio::time::sleep(POLL.min(deadline - now)).await;
    }
    verdicts.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_is_read_from_the_service_arn() {
        assert_eq!(
            target_of("arn:aws:ecs:us-east-1:123456789012:service/container-demo/ecsdemo-nodejs"),
            Some(Target {
                cluster: "container-demo".into(),
                service: "arn:aws:ecs:us-east-1:123456789012:service/container-demo/ecsdemo-nodejs".into()
            })
        );
        // The old ARN format has no cluster: such a service cannot be ours (we create with the new format).
        assert_eq!(target_of("arn:aws:ecs:us-east-1:123456789012:service/ecsdemo-nodejs"), None);
    }
}
