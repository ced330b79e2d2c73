//! What `reconciler export` reads: what a pass observes, and besides every resource without an owner that
//! `export` may write a declaration for (every VPC and what is in it, every load balancer's listeners, the
//! services of the named cluster). The same reads as a pass, with wider hints: no second set of readers.
//! Read only.

use std::collections::BTreeSet;

use reconciler_plan::{AdoptionHints, ObservationHints, Observed};

use crate::Aws;
use crate::error::AwsError;

/// Everything observation reads with `hints` (what some desired state references: secrets, certificates), and
/// every unowned resource besides.
pub async fn read(aws: &Aws, owner_id: &str, cluster: &str, hints: ObservationHints) -> Result<Observed, AwsError> {
    let adopting =
        AdoptionHints { everything: true, clusters: BTreeSet::from([cluster.to_string()]), ..AdoptionHints::default() };
    crate::observe(aws, owner_id, &ObservationHints { adopting, ..hints }).await
}
