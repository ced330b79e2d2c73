//! The systemd notification protocol (sd_notify): READY, STATUS, WATCHDOG, STOPPING over the datagram
//! socket systemd names in NOTIFY_SOCKET. Without NOTIFY_SOCKET (not under systemd) every call is a no-op.

use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

#[derive(Debug)]
pub struct Notifier {
    target: Option<(UnixDatagram, SocketAddr)>,
}

impl Notifier {
    pub fn from_env() -> Notifier {
        let target = std::env::var("NOTIFY_SOCKET").ok().and_then(|path| {
            let address = match path.strip_prefix('@') {
                // A Linux abstract socket.
                Some(name) => {
                    use std::os::linux::net::SocketAddrExt;
                    SocketAddr::from_abstract_name(name.as_bytes()).ok()?
                }
                None => SocketAddr::from_pathname(&path).ok()?,
            };
            Some((UnixDatagram::unbound().ok()?, address))
        });
        Notifier { target }
    }

    fn send(&self, message: &str) {
        if let Some((socket, address)) = &self.target
            && let Err(err) = socket.send_to_addr(message.as_bytes(), address)
        {
            tracing::warn!(error = %err, "cannot notify systemd");
        }
    }

    /// The first pass has finished: systemd considers the service started.
    pub fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={}", one_line(status)));
    }

    pub fn status(&self, status: &str) {
        self.send(&format!("STATUS={}", one_line(status)));
    }

    pub fn watchdog(&self) {
        self.send("WATCHDOG=1");
    }

    pub fn stopping(&self) {
        self.send("STOPPING=1\nSTATUS=shutting down");
    }
}

fn one_line(text: &str) -> String {
    text.replace('\n', " ")
}

/// How often to ping the watchdog: half of WatchdogSec, if systemd set one for this process.
pub fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    if let Ok(pid) = std::env::var("WATCHDOG_PID")
        && pid.parse::<u32>().ok() != Some(std::process::id())
    {
        return None;
    }
    Some(Duration::from_micros(usec / 2))
}
