//! Reaching the server: the URL's configuration, TLS through rustls (the
//! crypto provider and the platform's roots the fetcher uses), and the
//! URL as errors and logs may show it, without its password.

use std::time::Duration;

use postgres::{Client, Config};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::error::{Error, Result};

/// How long opening a connection may take before it is an error: a node
/// whose database is down says so instead of hanging its start.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// `url` with its password (if any) replaced by `***`, for every message
/// that names the database. A key=value connection string is not echoed
/// at all: it may hold `password=` anywhere.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if matches!(parsed.scheme(), "postgres" | "postgresql") => {
            if parsed.password().is_some() {
                // Cannot fail for a URL with a host, which one with a
                // password has.
                let _ = parsed.set_password(Some("***"));
            }
            let mut shown = parsed.to_string();
            // Query parameters may carry `password=` too.
            if let Some(at) = shown.find('?') {
                shown.truncate(at);
            }
            shown
        }
        _ => "(a PostgreSQL connection string)".to_owned(),
    }
}

/// The TLS connector for every connection and cancel request. rustls with
/// ring, as the fetcher (installing the provider twice is harmless), and
/// the platform's certificate verifier, as reqwest's. `sslmode` in the URL
/// decides whether TLS is used (`prefer` by default, `require`, `disable`).
pub(super) fn tls() -> Result<MakeRustlsConnect> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = <rustls::ClientConfig as rustls_platform_verifier::ConfigVerifierExt>::with_platform_verifier()
        .map_err(|error| {
            Error::Crashed(format!("cannot set up TLS for PostgreSQL: {error}"))
        })?;
    Ok(MakeRustlsConnect::new(config))
}

/// Connects to `url` (a `postgres://` or `postgresql://` URL, or a
/// key=value string), naming it only redacted in errors.
pub(super) fn connect(url: &str, tls: &MakeRustlsConnect) -> Result<Client> {
    let failed = |source| Error::PostgresConnect {
        url: redact(url),
        source,
    };
    let mut config: Config = url.parse().map_err(failed)?;
    config
        .connect_timeout(CONNECT_TIMEOUT)
        .application_name("feedloom");
    config.connect(tls.clone()).map_err(failed)
}
