//! Counting AWS API calls: every HTTP attempt the SDK makes, by service and operation, with its outcome.
//!
//! API calls are what a reconciler costs (in throttling budget more than in money), so every pass reports
//! them. The counter is an SDK interceptor, so no call can escape it.

use std::collections::BTreeMap;
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
    ["Describe", "List", "Get"].iter().any(|prefix| operation.starts_with(prefix))
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

/// The interceptor, shared by every client of one [`crate::Aws`].
#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    counts: Arc<Mutex<CallStats>>,
}

impl CallCounter {
    pub fn snapshot(&self) -> CallStats {
        self.counts.lock().expect("call counter lock").clone()
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
        let mut counts = self.counts.lock().expect("call counter lock");
        let count = counts.by_operation.entry((service, operation)).or_default();
        if ok {
            count.ok += 1;
        } else {
            count.failed += 1;
        }
        Ok(())
    }
}
