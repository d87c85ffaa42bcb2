//! systemd's notify protocol (`sd_notify(3)`): readiness, reload and stop
//! announcements, a status line, and watchdog pings.
//!
//! Under `Type=notify`/`Type=notify-reload` systemd waits for READY=1 before
//! it considers the service started (so `systemctl start` and units ordered
//! after it wait for the listener), and with `WatchdogSec=` it kills and
//! restarts a daemon that stops pinging. Outside systemd (`NOTIFY_SOCKET`
//! unset: a terminal, a container, the tests) every method does nothing, so
//! the daemon calls them unconditionally.
//!
//! Sending is best effort: a notification that cannot be delivered is logged
//! and forgotten. Failing the daemon over it would turn a monitoring hiccup
//! into an outage; systemd notices a daemon that really went silent through
//! its own timeouts.

use std::time::Duration;

use sd_notify::NotifyState;

use crate::error::error_chain;

/// Talks to systemd when started by it (`NOTIFY_SOCKET` set); every method
/// is a no-op otherwise, so the daemon needs no special case.
///
/// `Default` is a notifier that never sends anything, whatever the
/// environment says.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    /// `NOTIFY_SOCKET` was set when the notifier was made. Checked before
    /// every send so that a disabled notifier stays silent even if the
    /// variable appears later.
    enabled: bool,
    /// Half of `WATCHDOG_USEC`, when the watchdog is meant for this process.
    watchdog_interval: Option<Duration>,
}

impl Notifier {
    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from the
    /// environment. Never fails: a missing or malformed variable just means
    /// that part of the protocol is off.
    pub fn from_env() -> Self {
        let enabled = std::env::var_os("NOTIFY_SOCKET").is_some_and(|s| !s.is_empty());
        // `watchdog_enabled` already ignores a WATCHDOG_PID naming another
        // process (the variable is inherited by children, which must not
        // ping on the parent's behalf). Pinging at half the period leaves a
        // whole half for one late tick, as sd_watchdog_enabled(3) advises.
        let watchdog_interval = sd_notify::watchdog_enabled()
            .filter(|period| !period.is_zero())
            .map(|period| period / 2);
        if enabled {
            tracing::debug!(?watchdog_interval, "systemd notify socket found");
        }
        Self {
            enabled,
            watchdog_interval,
        }
    }

    /// READY=1: the server is listening. Also sent after a reload finishes.
    pub fn ready(&self) {
        self.send(&[NotifyState::Ready], "READY=1");
    }

    /// RELOADING=1 with MONOTONIC_USEC, then [`Notifier::ready`] again when
    /// done. `Type=notify-reload` (systemd 253+) rejects a RELOADING=1
    /// without the timestamp: it uses it to tell this reload from an older
    /// one, and fails the reload (and, in time, the service) without it.
    pub fn reloading(&self) {
        if !self.enabled {
            return;
        }
        match NotifyState::monotonic_usec_now() {
            Ok(now) => self.send(&[NotifyState::Reloading, now], "RELOADING=1"),
            Err(e) => {
                tracing::warn!(error = %error_chain(&e), "cannot read the monotonic clock; RELOADING=1 not sent to systemd");
            }
        }
    }

    /// STOPPING=1: shutdown has begun, so systemd shows "deactivating"
    /// rather than waiting for an unexplained exit.
    pub fn stopping(&self) {
        self.send(&[NotifyState::Stopping], "STOPPING=1");
    }

    /// `STATUS=<text>`: one line shown by `systemctl status`. Line breaks are
    /// turned into spaces: the protocol is newline-separated, so a newline
    /// would end the status and start a bogus assignment.
    pub fn status(&self, text: &str) {
        if !self.enabled {
            return;
        }
        let line: String = text
            .chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect();
        self.send(&[NotifyState::Status(&line)], "STATUS");
    }

    /// WATCHDOG=1: proof of life. Call it every
    /// [`Notifier::watchdog_interval`] from the loop whose stall should
    /// count as a hang.
    pub fn watchdog(&self) {
        if self.watchdog_interval.is_some() {
            self.send(&[NotifyState::Watchdog], "WATCHDOG=1");
        }
    }

    /// How often to call [`Notifier::watchdog`]: half of `WatchdogSec`, or
    /// `None` when systemd does not watch (no `WATCHDOG_USEC`, or
    /// `WATCHDOG_PID` names another process).
    pub fn watchdog_interval(&self) -> Option<Duration> {
        if self.enabled {
            self.watchdog_interval
        } else {
            None
        }
    }

    /// One datagram with every state in `states`; failures are logged, never
    /// returned (see the module documentation).
    fn send(&self, states: &[NotifyState<'_>], what: &str) {
        if !self.enabled {
            return;
        }
        match sd_notify::notify(states) {
            Ok(()) => tracing::trace!(what, "notified systemd"),
            Err(e) => tracing::warn!(what, error = %error_chain(&e), "cannot notify systemd"),
        }
    }
}

#[cfg(test)]
mod tests;
