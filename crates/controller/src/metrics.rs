//! The daemon's Prometheus metrics, kept and encoded by `prometheus-client` (the Prometheus project's Rust
//! client): counters, gauges and a histogram updated as passes end, and a collector for what is read at the
//! moment of the scrape (the pass in progress, the AWS calls so far, the lease).
//!
//! The exposition is OpenMetrics text, which Prometheus asks for first and parses natively.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use reconciler_aws::CallStats;

/// The Content-Type of [`Metrics::encode`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PlannedLabels {
    kind: String,
    action: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    service: String,
    operation: String,
    outcome: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// What only the moment of a scrape knows, written by the daemon and read by [`LiveCollector`].
#[derive(Debug, Default)]
pub struct Live {
    /// When the pass in progress started, if one is running.
    pub pass_started: Option<Instant>,
    /// The AWS calls made so far, as of the scrape.
    pub calls: CallStats,
    /// With a lease table: whether this daemon holds the lease (`None`: no lease configured).
    pub lease_held: Option<bool>,
}

/// The registered metrics; updating one is a lock-free atomic operation.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    live: Arc<Mutex<Live>>,
    passes: Family<OutcomeLabels, Counter>,
    pass_duration: Histogram,
    last_pass_duration: FloatGauge,
    drifted: Gauge,
    planned: Family<PlannedLabels, Gauge>,
    conflicts: Gauge,
    invalid_files: Gauge,
    last_success: FloatGauge,
    ready: Gauge,
}

/// Every outcome a pass can have, so that each counter shows from the start, at 0.
pub const OUTCOMES: [&str; 3] = ["converged", "incomplete", "failed"];

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let live = Arc::new(Mutex::new(Live::default()));
        let mut metrics = Metrics {
            registry: Registry::default(),
            live: live.clone(),
            passes: Family::default(),
            // 0.25 s to about 8.5 minutes: a no-change pass of a small directory up to a slow converge.
            pass_duration: Histogram::new(exponential_buckets(0.25, 2.0, 12)),
            last_pass_duration: FloatGauge::default(),
            drifted: Gauge::default(),
            planned: Family::default(),
            conflicts: Gauge::default(),
            invalid_files: Gauge::default(),
            last_success: FloatGauge::default(),
            ready: Gauge::default(),
        };
        for outcome in OUTCOMES {
            let _ = metrics.passes.get_or_create(&OutcomeLabels { outcome: outcome.to_string() });
        }
        metrics.register_all();
        metrics.registry.register_collector(Box::new(LiveCollector(live)));
        metrics
    }

    fn register_all(&mut self) {
        let r = &mut self.registry;
        r.register("reconciler_passes", "Passes of the loop, by outcome", self.passes.clone());
        r.register("reconciler_pass_duration_seconds", "Wall time of passes", self.pass_duration.clone());
        r.register(
            "reconciler_last_pass_duration_seconds",
            "Wall time of the last pass",
            self.last_pass_duration.clone(),
        );
        r.register(
            "reconciler_drifted_resources",
            "Resources that differed from their files in the last pass",
            self.drifted.clone(),
        );
        r.register(
            "reconciler_planned_actions",
            "Actions planned in the last pass, by kind and action",
            self.planned.clone(),
        );
        r.register(
            "reconciler_conflicts",
            "Declarations whose unique name is held by a resource not ours",
            self.conflicts.clone(),
        );
        r.register("reconciler_invalid_files", "Desired-state files that do not validate", self.invalid_files.clone());
        r.register(
            "reconciler_last_successful_pass_timestamp_seconds",
            "Unix time of the last pass that left the live state matching the files (0: none yet)",
            self.last_success.clone(),
        );
        r.register("reconciler_ready", "1 once a pass has run to the end", self.ready.clone());
    }

    /// The state only a scrape reads.
    pub fn live(&self) -> std::sync::MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A pass ended (`outcome` one of [`OUTCOMES`]) after `seconds`.
    pub fn pass_ended(&self, outcome: &str, seconds: f64) {
        self.passes.get_or_create(&OutcomeLabels { outcome: outcome.to_string() }).inc();
        self.pass_duration.observe(seconds);
        self.last_pass_duration.set(seconds);
        self.live().pass_started = None;
    }

    /// What the last pass that ran to the end planned: (kind, action) -> count, drifted and conflicts.
    pub fn planned(&self, planned: &std::collections::BTreeMap<(String, String), u64>, drifted: u64, conflicts: u64) {
        self.planned.clear();
        for ((kind, action), count) in planned {
            let labels = PlannedLabels { kind: kind.clone(), action: action.clone() };
            self.planned.get_or_create(&labels).set(i64::try_from(*count).unwrap_or(i64::MAX));
        }
        self.drifted.set(i64::try_from(drifted).unwrap_or(i64::MAX));
        self.conflicts.set(i64::try_from(conflicts).unwrap_or(i64::MAX));
    }

    pub fn invalid_files(&self, count: usize) {
        self.invalid_files.set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    pub fn succeeded_at(&self, unix_seconds: f64) {
        self.last_success.set(unix_seconds);
    }

    pub fn ready(&self) {
        self.ready.set(1);
    }

    /// The OpenMetrics text of every metric, with `calls` as the AWS calls made so far.
    pub fn encode(&self, calls: &CallStats) -> String {
        self.live().calls = calls.clone();
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// Encodes [`Live`] at each scrape.
#[derive(Debug)]
struct LiveCollector(Arc<Mutex<Live>>);

impl Collector for LiveCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let live = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let running = live.pass_started.map_or(0.0, |started| started.elapsed().as_secs_f64());
        let gauge = ConstGauge::new(running);
        gauge.encode(encoder.encode_descriptor(
            "reconciler_pass_running_seconds",
            "How long the pass in progress has been running (0: none is)",
            None,
            gauge.metric_type(),
        )?)?;

        let mut calls = encoder.encode_descriptor(
            "reconciler_aws_api_calls",
            "AWS API call attempts since start, by service, operation and outcome",
            None,
            MetricType::Counter,
        )?;
        for ((service, operation), count) in &live.calls.by_operation {
            for (outcome, n) in [("ok", count.ok), ("error", count.failed)] {
                if n > 0 {
                    let labels =
                        CallLabels { service: service.clone(), operation: operation.clone(), outcome: outcome.into() };
                    ConstCounter::new(n).encode(calls.encode_family(&labels)?)?;
                }
            }
        }

        if let Some(held) = live.lease_held {
            let gauge = ConstGauge::new(i64::from(held));
            gauge.encode(encoder.encode_descriptor(
                "reconciler_lease_held",
                "1 while this daemon holds the lease and may write",
                None,
                gauge.metric_type(),
            )?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_every_family_with_counts_as_recorded() {
        let metrics = Metrics::new();
        metrics.pass_ended("converged", 1.5);
        metrics.pass_ended("failed", 0.1);
        let mut planned = std::collections::BTreeMap::new();
        planned.insert(("service".to_string(), "update".to_string()), 2);
        metrics.planned(&planned, 2, 0);
        let mut calls = CallStats::default();
        let count = reconciler_aws::CallCount { ok: 3, failed: 1 };
        calls.by_operation.insert(("ECS".to_string(), "UpdateService".to_string()), count);

        let text = metrics.encode(&calls);
        for line in [
            "# TYPE reconciler_passes counter",
            "reconciler_passes_total{outcome=\"converged\"} 1",
            "reconciler_passes_total{outcome=\"incomplete\"} 0",
            "reconciler_passes_total{outcome=\"failed\"} 1",
            "# TYPE reconciler_pass_duration_seconds histogram",
            "reconciler_pass_duration_seconds_count 2",
            "reconciler_pass_duration_seconds_bucket{le=\"0.25\"} 1",
            "reconciler_pass_duration_seconds_bucket{le=\"2.0\"} 2",
            "reconciler_last_pass_duration_seconds 0.1",
            "reconciler_planned_actions{kind=\"service\",action=\"update\"} 2",
            "reconciler_aws_api_calls_total{service=\"ECS\",operation=\"UpdateService\",outcome=\"ok\"} 3",
            "reconciler_aws_api_calls_total{service=\"ECS\",operation=\"UpdateService\",outcome=\"error\"} 1",
            "reconciler_pass_running_seconds 0.0",
            "reconciler_ready 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
        assert!(!text.contains("reconciler_lease_held"), "no lease configured:\n{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");

        // A new pass's plan replaces the last one's: no stale kind stays.
        metrics.planned(&std::collections::BTreeMap::new(), 0, 0);
        assert!(!metrics.encode(&calls).contains("reconciler_planned_actions{"));
    }
}
