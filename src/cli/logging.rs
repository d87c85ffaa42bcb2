//! Logging to stderr: which events (the filter), in which format (text,
//! JSON, or the journal's priority-prefixed lines), and a writer that keeps
//! log lines from tearing `feedloom poll`'s progress line.
//!
//! Under systemd, stderr is a stream into the journal, which reads a
//! leading `<N>` on each line as that line's syslog priority (sd-daemon(3))
//! and strips it. Prefixes, rather than the journal's native socket
//! (tracing-journald), because they need nothing but stderr: they work in
//! the hardened unit's sandbox, under `systemd-run` and `systemd-cat`, and
//! can be tested without a journal. The journal adds the time, the unit,
//! the PID and `SYSLOG_IDENTIFIER` (the unit's `SyslogIdentifier=feedloom`).

use std::io::{IsTerminal, Write};

use tracing::{Level, Metadata};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use super::progress;
use crate::config::{self, LogFormat};

/// The environment variable that chooses the format, over `log_format`.
pub(super) const FORMAT_VAR: &str = "FEEDLOOM_LOG_FORMAT";

/// Sets up logging to stderr. The filter comes from FEEDLOOM_LOG or
/// RUST_LOG, else `-v`/`-vv`, else the configuration's `log`, else
/// `default`. The format comes from FEEDLOOM_LOG_FORMAT, else the
/// configuration's `log_format`, else where stderr goes: the journal
/// (`JOURNAL_STREAM` names stderr) gets [`LogFormat::Journal`], anything
/// else [`LogFormat::Text`]. Whatever the format, a line to the journal
/// starts with its priority, so the journal keeps levels.
pub(super) fn init(
    verbose: u8,
    configured: Option<&str>,
    configured_format: Option<LogFormat>,
    default: &str,
) -> Result<(), config::Error> {
    let from_flags = match verbose {
        0 => None,
        1 => Some("feedloom=info,warn"),
        _ => Some("feedloom=debug,info"),
    };
    let filter = ["FEEDLOOM_LOG", "RUST_LOG"]
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .and_then(|spec| EnvFilter::try_new(spec).ok())
        .or_else(|| {
            from_flags
                .or(configured)
                .and_then(|spec| EnvFilter::try_new(spec).ok())
        })
        .unwrap_or_else(|| EnvFilter::new(default));
    let journal = stderr_is_journal();
    let format = format_from_env()?
        .or(configured_format)
        .unwrap_or(if journal {
            LogFormat::Journal
        } else {
            LogFormat::Text
        });
    let writer = Stderr {
        priorities: journal || format == LogFormat::Journal,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Json => builder.json().with_ansi(false).init(),
        LogFormat::Journal => builder.without_time().with_ansi(false).init(),
        // The journal adds its own time.
        LogFormat::Text if journal => builder.without_time().with_ansi(false).init(),
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
    }
    Ok(())
}

/// The format `FEEDLOOM_LOG_FORMAT` asks for; unset or empty: none. A
/// value that names no format is refused rather than ignored, so a typo
/// does not leave a log shipper with lines it cannot read.
fn format_from_env() -> Result<Option<LogFormat>, config::Error> {
    let Some(value) = std::env::var_os(FORMAT_VAR) else {
        return Ok(None);
    };
    let value = value.to_string_lossy();
    if value.trim().is_empty() {
        return Ok(None);
    }
    LogFormat::from_name(&value)
        .map(Some)
        .ok_or_else(|| config::Error::Environment {
            name: FORMAT_VAR,
            message: format!(
                "`{value}` is not a log format; write {} (or unset it)",
                LogFormat::NAMES.join(", ")
            ),
        })
}

/// True when stderr is the journal's stream: `JOURNAL_STREAM` names its
/// device and inode (a shell started from a systemd unit inherits the
/// variable with another stderr).
fn stderr_is_journal() -> bool {
    use std::os::unix::fs::MetadataExt;
    let Some(stream) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let Some((device, inode)) = stream.to_str().and_then(|s| s.split_once(':')) else {
        return false;
    };
    std::fs::metadata("/proc/self/fd/2")
        .is_ok_and(|stderr| device.parse() == Ok(stderr.dev()) && inode.parse() == Ok(stderr.ino()))
}

/// The syslog priority of a level, as sd-daemon(3) writes it: `<3>` error,
/// `<4>` warning, `<6>` info, `<7>` debug (and trace).
fn priority(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "<3>",
        Level::WARN => "<4>",
        Level::INFO => "<6>",
        _ => "<7>",
    }
}

/// Where log lines go: stderr, with each line's priority in front when the
/// journal reads it, and with the progress line (if one is drawn) taken
/// down while the event is written.
#[derive(Debug, Clone, Copy)]
struct Stderr {
    priorities: bool,
}

impl<'a> MakeWriter<'a> for Stderr {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter {
            prefix: None,
            at_line_start: true,
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Self::Writer {
        EventWriter {
            prefix: self.priorities.then(|| priority(meta.level())),
            at_line_start: true,
        }
    }
}

/// Writes one event: every line of it (a multi-line message too) led by
/// the event's priority, when there is one.
struct EventWriter {
    prefix: Option<&'static str>,
    at_line_start: bool,
}

impl Write for EventWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len() + 8);
        for line in buf.split_inclusive(|&b| b == b'\n') {
            if self.at_line_start
                && let Some(prefix) = self.prefix
            {
                out.extend_from_slice(prefix.as_bytes());
            }
            out.extend_from_slice(line);
            self.at_line_start = line.ends_with(b"\n");
        }
        progress::suspended(|| std::io::stderr().lock().write_all(&out))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
