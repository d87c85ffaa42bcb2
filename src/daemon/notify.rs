//! systemd's notify protocol (CONTRACT STUB — being written).

use std::time::Duration;

/// Talks to systemd when started by it (`NOTIFY_SOCKET` set); every method
/// is a no-op otherwise, so the daemon needs no special case.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    _private: (),
}

impl Notifier {
    /// Reads `NOTIFY_SOCKET` and `WATCHDOG_USEC` from the environment.
    pub fn from_env() -> Self {
        Self::default()
    }
    /// READY=1: the server is listening.
    pub fn ready(&self) {}
    /// RELOADING=1 (with MONOTONIC_USEC), then `ready` again when done.
    pub fn reloading(&self) {}
    /// STOPPING=1.
    pub fn stopping(&self) {}
    /// STATUS=<text>: one line shown by `systemctl status`.
    pub fn status(&self, text: &str) {
        let _ = text;
    }
    /// WATCHDOG=1.
    pub fn watchdog(&self) {}
    /// How often to call [`Notifier::watchdog`]: half of `WatchdogSec`, or
    /// `None` when systemd does not watch.
    pub fn watchdog_interval(&self) -> Option<Duration> {
        None
    }
}
