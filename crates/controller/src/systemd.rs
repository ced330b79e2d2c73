//! Telling systemd how the daemon is doing (sd_notify, through the `sd-notify` crate): READY once the first
//! pass has ended, STATUS with each pass's summary line, WATCHDOG pings, STOPPING on the way out. Without
//! NOTIFY_SOCKET (not under systemd) every call does nothing.

use std::time::Duration;

use sd_notify::NotifyState;

#[derive(Debug, Default)]
pub struct Notifier;

impl Notifier {
    pub fn from_env() -> Notifier {
        Notifier
    }

    fn send(&self, states: &[NotifyState]) {
        if let Err(err) = sd_notify::notify(states) {
            tracing::warn!(error = %err, "cannot notify systemd");
        }
    }

    /// The first pass has finished: systemd considers the service started.
    pub fn ready(&self, status: &str) {
        self.send(&[NotifyState::Ready, NotifyState::Status(&one_line(status))]);
    }

    pub fn status(&self, status: &str) {
        self.send(&[NotifyState::Status(&one_line(status))]);
    }

    pub fn watchdog(&self) {
        self.send(&[NotifyState::Watchdog]);
    }

    pub fn stopping(&self) {
        self.send(&[NotifyState::Stopping, NotifyState::Status("shutting down")]);
    }
}

/// A notification is one `KEY=VALUE` per line: a status must not carry a line break.
fn one_line(text: &str) -> String {
    text.replace('\n', " ")
}

/// How often to ping the watchdog: half of WatchdogSec, if systemd set one for this process.
pub fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|timeout| timeout / 2)
}
