//! The controller: one pass of the loop ([`pass`]), and the daemon around it ([`daemon`]): triggers from
//! file changes, a resync timer and signals feeding one queue, each file's last good version, per-resource
//! backoff, /status /metrics /healthz /readyz over HTTP, and the systemd notification protocol.

mod backoff;
pub mod daemon;
mod debounce;
pub mod desired_state;
mod http;
pub mod lease;
mod metrics;
pub mod pass;
mod schedule;
mod systemd;
pub mod telemetry;
mod trigger;
mod watcher;

pub use daemon::{DaemonSettings, run as run_daemon};
pub use lease::LeaseSettings;
pub use pass::{PassOptions, PassResult, Proceed, run_pass};
