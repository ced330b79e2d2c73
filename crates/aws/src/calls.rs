//! Counting AWS API calls: every HTTP attempt the SDK makes, by service and operation, with its outcome.
//!
//! API calls are what a reconciler costs (in throttling budget more than in money), so every pass reports
//! them. The counter is an SDK interceptor, so no call can escape it.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Attempts of one operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallCount {
    /// Attempts that got a successful HTTP response.
    pub ok: u64,
    /// Attempts that failed (error response, timeout, connection error).
    pub failed: u64,
}

/// Operation names that read and never change anything.
pub fn is_read_only(operation: &str) -> bool {
    // FilterLogEvents (`reconciler logs`) only reads, like the Describe/List/Get calls.
    ["Describe", "List", "Get", "Filter"].iter().any(|prefix| operation.starts_with(prefix))
}

/// A snapshot of the counts: (service, operation) -> attempts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallStats {
    pub by_operation: BTreeMap<(String, String), CallCount>,
}

impl CallStats {
    pub fn total(&self) -> u64 {
        self.by_operation.values().map(|c| c.ok + c.failed).sum()
    }

    /// Calls that change something in AWS.
    pub fn mutating(&self) -> u64 {
        self.by_operation
            .iter()
            .filter(|((_, operation), _)| !is_read_only(operation))
            .map(|(_, c)| c.ok + c.failed)
            .sum()
    }

    /// The calls made since `earlier` was taken.
    pub fn since(&self, earlier: &CallStats) -> CallStats {
        let by_operation = self
            .by_operation
            .iter()
            .filter_map(|(key, now)| {
                let before = earlier.by_operation.get(key).copied().unwrap_or_default();
                let delta = CallCount { ok: now.ok - before.ok, failed: now.failed - before.failed };
                (delta != CallCount::default()).then(|| (key.clone(), delta))
            })
            .collect();
        CallStats { by_operation }
    }
}

tokio::task_local! {
    /// The mutating calls of the action being applied in this task, if it is counted (see [`count_mutating`]).
    static ACTION_CALLS: Arc<AtomicU64>;
}

/// Runs `future` and counts the mutating call attempts it makes. Actions run concurrently on one set of
/// clients, so the pass-wide counter cannot tell them apart: the count is scoped to the future itself (the
/// SDK runs its interceptors in the task that awaits the call, so a call is counted in the scope it was made
/// in). Returns the future's output and the count.
pub async fn count_mutating<F: Future>(future: F) -> (F::Output, u64) {
    let calls = Arc::new(AtomicU64::new(0));
    let output = ACTION_CALLS.scope(calls.clone(), future).await;
    (output, calls.load(Ordering::Relaxed))
}

/// Counts one attempt of `operation` in the current [`count_mutating`] scope, if any and if it can change
/// something.
fn count_in_scope(operation: &str) {
    if !is_read_only(operation) {
        let _ = ACTION_CALLS.try_with(|calls| calls.fetch_add(1, Ordering::Relaxed));
    }
}

/// The interceptor, shared by every client of one [`crate::Aws`].
#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    counts: Arc<Mutex<CallStats>>,
}

impl CallCounter {
    pub fn snapshot(&self) -> CallStats {
        self.counts.lock().expect("call counter lock").clone()
    }

    /// Counts one attempt, pass-wide and in the current action's scope.
    fn record(&self, service: String, operation: String, ok: bool) {
        count_in_scope(&operation);
        let mut counts = self.counts.lock().expect("call counter lock");
        let count = counts.by_operation.entry((service, operation)).or_default();
        if ok {
            count.ok += 1;
        } else {
            count.failed += 1;
        }
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = cfg.load::<Metadata>().map_or_else(
            || ("unknown".to_string(), "unknown".to_string()),
            |m| (m.service().to_string(), m.name().to_string()),
        );
        let ok = context.response().is_some_and(|r| r.status().is_success());
        self.record(service, operation, ok);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use futures::stream::{FuturesUnordered, StreamExt};

    use super::*;

    /// Stands for one action's calls: `reads` reads and `writes` mutating calls, yielding between them so
    /// that concurrent actions interleave.
    async fn calls(counter: &CallCounter, reads: usize, writes: usize) {
        for _ in 0..reads {
            counter.record("ECS".into(), "DescribeServices".into(), true);
            tokio::task::yield_now().await;
        }
        for _ in 0..writes {
            counter.record("ECS".into(), "TagResource".into(), false);
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn an_actions_scope_counts_its_own_mutating_calls_only() {
        let counter = CallCounter::default();
        let mut running: FuturesUnordered<_> =
            [(3, 0), (1, 2), (0, 5)].into_iter().map(|(r, w)| count_mutating(calls(&counter, r, w))).collect();
        let mut counts = Vec::new();
        while let Some(((), mutating)) = running.next().await {
            counts.push(mutating);
        }
        counts.sort_unstable();
        assert_eq!(counts, [0, 2, 5]);
        // The pass-wide count sees them all, failed attempts included.
        assert_eq!((counter.snapshot().total(), counter.snapshot().mutating()), (11, 7));
    }

    #[tokio::test]
    async fn calls_outside_any_scope_are_counted_pass_wide_only() {
        let counter = CallCounter::default();
        calls(&counter, 1, 1).await;
        let ((), mutating) = count_mutating(async {}).await;
        assert_eq!((mutating, counter.snapshot().mutating()), (0, 1));
    }
}
