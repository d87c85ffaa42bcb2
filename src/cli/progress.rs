//! `feedloom poll`'s progress line on stderr: feeds done out of the total,
//! stories new and merged, failures, time elapsed. A poll of many feeds
//! takes minutes; without it the terminal shows nothing until the summary.
//!
//! Drawn only when stderr is a terminal (and `TERM` is not `dumb`):
//! piped or redirected, stderr gets no progress and no escape sequences,
//! and stdout only ever gets the summary. While it is drawn, log lines
//! take it down, print, and draw it again ([`suspended`]).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::poll::PollProgress;

/// The progress line being drawn, if any, for the log writer.
static ACTIVE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Runs `write` (a log line to stderr) with the progress line taken down,
/// so that the two do not mix; without one, just runs it.
pub(super) fn suspended<R>(write: impl FnOnce() -> R) -> R {
    let bar = ACTIVE.lock().ok().and_then(|active| active.clone());
    match bar {
        Some(bar) => bar.suspend(write),
        None => write(),
    }
}

/// The line shown while `feedloom poll` runs; cleared by [`Self::finish`]
/// or when dropped (a poll that stopped on an error).
pub(super) struct PollLine {
    bar: ProgressBar,
}

impl PollLine {
    /// Starts the line ("preparing…" until the feeds are polled), drawn on
    /// stderr if it is a terminal, hidden otherwise.
    pub(super) fn start() -> Self {
        let bar = if std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(style("{spinner} {msg} · {elapsed}"));
        bar.set_message("importing seeds, preparing topics…");
        if !bar.is_hidden() {
            bar.enable_steady_tick(Duration::from_millis(120));
            if let Ok(mut active) = ACTIVE.lock() {
                *active = Some(bar.clone());
            }
        }
        bar.force_draw();
        Self { bar }
    }

    /// Shows where the poll is (see [`PollProgress`]).
    pub(super) fn update(&self, report: PollProgress<'_>) {
        match report {
            PollProgress::Feeds {
                done,
                total,
                summary,
            } => {
                self.bar.set_length(total as u64);
                self.bar.set_position(done as u64);
                self.bar.set_message(format!(
                    "{} new, {} merged, {} failed",
                    summary.stories.new_stories,
                    summary.stories.merged,
                    summary.failed.len()
                ));
                if done == 0 {
                    self.bar.set_style(style(
                        "{spinner} polling feeds {pos}/{len} · {msg} · {elapsed}",
                    ));
                }
                // The first and the last state always show; those between
                // as often as the terminal is redrawn.
                if done == 0 || done == total {
                    self.bar.force_draw();
                }
            }
            PollProgress::CatchingUp => {
                self.bar.set_prefix(format!(
                    "polled {}/{} feeds",
                    self.bar.position(),
                    self.bar.length().unwrap_or(0)
                ));
                self.bar
                    .set_message(format!("{}; scoring and indexing…", self.bar.message()));
                self.bar
                    .set_style(style("{spinner} {prefix} · {msg} · {elapsed}"));
                self.bar.force_draw();
            }
        }
    }

    /// Clears the line, so the summary on stdout stands alone.
    pub(super) fn finish(self) {
        drop(self);
    }
}

impl Drop for PollLine {
    fn drop(&mut self) {
        if let Ok(mut active) = ACTIVE.lock() {
            *active = None;
        }
        self.bar.finish_and_clear();
    }
}

/// A style from one of the constant templates above (which parse; the
/// default spinner stands in should one not).
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner())
}
