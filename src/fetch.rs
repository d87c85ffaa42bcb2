//! Fetching feeds over HTTP: one shared client, conditional GET, limits.
//!
//! Every request is bounded: connect and total timeouts, a redirect limit, a
//! body cap enforced while streaming (on the decompressed bytes, so a gzip
//! bomb stops at the cap), a global concurrency limit and a per-host limit.
//! Every request, redirects included, goes only where the SSRF guard
//! allows: IP literals are checked before each request, names when the
//! resolver (`resolve`) answers. This module knows nothing of parsing or
//! storage.

mod resolve;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED, LOCATION, RETRY_AFTER,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::config::FetchLimits;
use crate::guard::{GuardError, literal_address, normalize_name};

/// Sent with every request, so that publishers can tell who polls them.
pub const USER_AGENT: &str = concat!(
    "feedloom/",
    env!("CARGO_PKG_VERSION"),
    " (+",
    env!("CARGO_PKG_REPOSITORY"),
    ")"
);

/// Feed formats first; anything else is still accepted (many servers label
/// feeds `text/html` or `application/octet-stream`).
/// What an article page is asked for as (`Fetcher::fetch_page`).
const ACCEPT_PAGES: &str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1";

const ACCEPT_FEEDS: &str = "application/atom+xml, application/rss+xml, application/feed+json, \
     application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, \
     */*;q=0.5";

/// The most of a body's declared Content-Length reserved before its bytes
/// arrive (see `Fetcher::fetch`).
const PRESIZE_MAX: u64 = 1024 * 1024;

/// The validators of a previous response, for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A successful fetch.
#[derive(Debug)]
pub enum Fetched {
    /// 304: the feed has not changed since the validators were issued.
    NotModified {
        /// Where a permanent redirect (301/308) moved the feed, if one did.
        moved_to: Option<Url>,
    },
    /// A 2xx response with its whole (decompressed, capped) body.
    Body(Body),
}

/// A response body and the headers the later stages need.
#[derive(Debug)]
pub struct Body {
    pub status: u16,
    /// The URL after redirects.
    pub final_url: Url,
    /// Where a permanent redirect (301/308) moved the feed, if one did.
    pub moved_to: Option<Url>,
    pub content_type: Option<String>,
    pub validators: Validators,
    pub bytes: Vec<u8>,
}

/// Why a fetch failed. Each variant is one kind of failure that callers and
/// metrics tell apart; none is fatal to anything but this fetch.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
    #[error("timed out after {}", humantime::format_duration(*.after))]
    Timeout { after: Duration },
    /// DNS, refused, unreachable, TLS: `detail` is the innermost cause
    /// ("Connection refused (os error 111)"), because the layers above it
    /// in reqwest and hyper only repeat "error sending request".
    #[error("cannot connect: {detail}")]
    Connect { detail: String },
    #[error("more than {limit} redirects")]
    TooManyRedirects { limit: usize },
    #[error("the server answered {status} with an unusable Location {location:?}")]
    BadRedirect {
        status: StatusCode,
        location: String,
    },
    /// 410: the feed is gone for good.
    #[error("the server answered 410 Gone: the feed was removed")]
    Gone,
    #[error("the server answered {status}")]
    Status {
        status: StatusCode,
        /// From `Retry-After`, for 429 and 503.
        retry_after: Option<DateTime<Utc>>,
    },
    #[error("the body is larger than the {limit}-byte limit; not read further")]
    TooLarge { limit: u64 },
    #[error("the request failed")]
    Request(#[source] reqwest::Error),
    /// The URL, a redirect, or the address a name resolved to is not
    /// public, and the guard's policy does not allow it.
    #[error(transparent)]
    Refused(Box<GuardError>),
}

impl Error {
    /// The HTTP status, for the failures that have one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } | Error::BadRedirect { status, .. } => {
                Some(status.as_u16())
            }
            Error::Gone => Some(410),
            _ => None,
        }
    }

    /// When the server asked to be left alone until (429/503 Retry-After).
    pub fn retry_after(&self) -> Option<DateTime<Utc>> {
        match self {
            Error::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A short, stable name for the kind of failure (logs and metrics).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Client(_) => "client",
            Error::Timeout { .. } => "timeout",
            Error::Connect { .. } => "connect",
            Error::TooManyRedirects { .. } | Error::BadRedirect { .. } => "redirects",
            Error::Gone => "gone",
            Error::Refused(_) => "refused",
            Error::Status { .. } => "status",
            Error::TooLarge { .. } => "too_large",
            Error::Request(_) => "request",
        }
    }
}

/// The shared HTTP fetcher. Cheap to share by reference across concurrent
/// polls; its semaphores are what bound the concurrency.
pub struct Fetcher {
    client: reqwest::Client,
    limits: FetchLimits,
    global: Arc<Semaphore>,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Fetcher {
    /// A fetcher with `limits`, whose `allow_private` is the guard's policy
    /// for every request it makes.
    pub fn new(limits: &FetchLimits) -> Result<Self, Error> {
        Self::build(limits, HashMap::new())
    }

    /// [`Fetcher::new`] with names pinned to addresses, as a hosts file
    /// would, for tests: a test cannot change real DNS, but can make
    /// `evil.test` resolve to 127.0.0.1. The guard judges pinned answers
    /// like any other.
    pub fn with_hosts<'a>(
        limits: &FetchLimits,
        hosts: impl IntoIterator<Item = (&'a str, IpAddr)>,
    ) -> Result<Self, Error> {
        let mut pinned: HashMap<String, Vec<IpAddr>> = HashMap::new();
        for (name, address) in hosts {
            pinned
                .entry(normalize_name(name))
                .or_default()
                .push(address);
        }
        Self::build(limits, pinned)
    }

    fn build(limits: &FetchLimits, pinned: HashMap<String, Vec<IpAddr>>) -> Result<Self, Error> {
        // reqwest is built without a default crypto provider (ring instead
        // of aws-lc, which halves the build); installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let resolver = resolve::GuardedResolver::new(limits.allow_private.clone(), pinned);
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.timeout)
            // Redirects are followed in `exchange`, which needs to see them.
            .redirect(reqwest::redirect::Policy::none())
            // Every name is resolved, and judged, by the guard.
            .dns_resolver(Arc::new(resolver))
            .build()
            .map_err(Error::Client)?;
        Ok(Self {
            client,
            limits: limits.clone(),
            global: Arc::new(Semaphore::new(limits.concurrency.max(1))),
            hosts: Mutex::new(HashMap::new()),
        })
    }

    /// GETs the configured feed `url`, conditionally when `validators` has
    /// any, following up to `max_redirects` redirects itself (so that it can
    /// tell a permanent move from a temporary one). Waits for a per-host
    /// slot, then a global one, so that a slow host does not hold global
    /// slots while it queues. The whole exchange, redirects and body
    /// included, is bounded by `timeout`.
    ///
    /// The guard applies to every request: a private address `url` names
    /// literally is trusted (the operator wrote it), redirects to that same
    /// address too; any other non-public address must be allowed by the
    /// policy (see [`crate::guard`]).
    pub async fn fetch(&self, url: &Url, validators: &Validators) -> Result<Fetched, Error> {
        self.fetch_from(url, url, validators).await
    }

    /// [`Fetcher::fetch`] of the configured feed `feed` from `from`, where
    /// a permanent redirect moved it: the trust still comes from `feed`'s
    /// own URL. A `from` the guard refuses outright (a move recorded before
    /// redirects were checked) is ignored and the fetch starts at `feed`.
    pub async fn fetch_from(
        &self,
        feed: &Url,
        from: &Url,
        validators: &Validators,
    ) -> Result<Fetched, Error> {
        let trusted = literal_address(feed);
        let start = if from != feed && self.limits.allow_private.check_url(from, trusted).is_err() {
            tracing::warn!(%from, "the feed's recorded new location is refused by the SSRF guard; fetching its configured URL");
            feed
        } else {
            from
        };
        self.fetch_with(start, validators, trusted, ACCEPT_FEEDS)
            .await
    }

    /// [`Fetcher::fetch`] for a URL a user just typed (`feeds add`): no
    /// address is trusted for being written down, so the URL and every
    /// redirect must lead to public addresses or ones the policy allows,
    /// and a public URL cannot redirect the probe into the local network.
    pub async fn fetch_public(&self, url: &Url) -> Result<Fetched, Error> {
        self.fetch_with(url, &Validators::default(), None, ACCEPT_FEEDS)
            .await
    }

    /// GETs the page an item of the configured feed `feed` links to (a
    /// `full_text` feed's article), asking for HTML, under the same limits
    /// and guard as the feed itself: the trust in a literal private
    /// address comes from the feed's configured URL, so a local feed's
    /// links to its own address are fetched and links elsewhere in the
    /// local network are refused unless the policy allows them.
    pub async fn fetch_page(&self, feed: &Url, page: &Url) -> Result<Fetched, Error> {
        self.fetch_with(
            page,
            &Validators::default(),
            literal_address(feed),
            ACCEPT_PAGES,
        )
        .await
    }

    async fn fetch_with(
        &self,
        url: &Url,
        validators: &Validators,
        trusted: Option<IpAddr>,
        accept: &'static str,
    ) -> Result<Fetched, Error> {
        let _host_permit = self.host_permit(url).await;
        let _global_permit = self.global.clone().acquire_owned().await;
        let timeout = self.limits.timeout;
        tokio::time::timeout(timeout, self.exchange(url, validators, trusted, accept))
            .await
            .unwrap_or(Err(Error::Timeout { after: timeout }))
    }

    /// Follows the redirects from `url`; `trusted` is the one non-public
    /// address reachable without the policy's leave (see
    /// [`crate::guard::Policy::check_url`]).
    async fn exchange(
        &self,
        url: &Url,
        validators: &Validators,
        trusted: Option<IpAddr>,
        accept: &'static str,
    ) -> Result<Fetched, Error> {
        let mut current = url.clone();
        // The URL after the leading run of permanent redirects: where the
        // feed now lives. A temporary hop ends the run (RFC 9110 §15.4).
        let mut moved_to: Option<Url> = None;
        let mut permanent_so_far = true;
        let mut hops = 0;
        let mut response = loop {
            // IP literals and local-only names, before the request; the
            // resolver judges where other names lead as it connects. A
            // refused redirect ends the fetch in an error, so it is never
            // reported as a move.
            self.limits
                .allow_private
                .check_url(&current, trusted)
                .map_err(Error::Refused)?;
            let response = self.send(&current, validators, accept).await?;
            let status = response.status();
            if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
                break response;
            }
            if hops == self.limits.max_redirects {
                return Err(Error::TooManyRedirects {
                    limit: self.limits.max_redirects,
                });
            }
            hops += 1;
            let location = header_str(response.headers(), LOCATION).unwrap_or_default();
            let next = current
                .join(location)
                .ok()
                .filter(|next| matches!(next.scheme(), "http" | "https"))
                .ok_or_else(|| Error::BadRedirect {
                    status,
                    location: location.to_owned(),
                })?;
            permanent_so_far &= matches!(
                status,
                StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
            );
            if permanent_so_far {
                moved_to = Some(next.clone());
            }
            current = next;
        };
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified { moved_to });
        }
        if status == StatusCode::GONE {
            return Err(Error::Gone);
        }
        if !status.is_success() {
            // Retry-After means "come back later" only with 429 and 503
            // (RFC 9110 §10.2.3); elsewhere it is ignored.
            let retry_after = matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            )
            .then(|| retry_after(response.headers(), Utc::now()))
            .flatten();
            return Err(Error::Status {
                status,
                retry_after,
            });
        }
        let limit = self.limits.max_body_bytes;
        // A declared length over the cap is refused before reading a byte.
        // (When reqwest inflates a compressed body it drops the header; the
        // streaming check below covers what it inflates to.)
        if header_str(response.headers(), CONTENT_LENGTH)
            .and_then(|length| length.parse::<u64>().ok())
            .is_some_and(|length| length > limit)
        {
            return Err(Error::TooLarge { limit });
        }
        let headers = response.headers().clone();
        // Sized once from the declared length (None when reqwest inflates
        // the body): growing by doubling would leave a body that waits for
        // the writer holding up to twice its size. At most 1 MiB is
        // reserved on the server's word: a server that declares the cap
        // and then trickles must not hold the cap per connection before
        // sending it. A larger body grows from there and is trimmed below.
        let declared = response
            .content_length()
            .unwrap_or(0)
            .min(limit)
            .min(PRESIZE_MAX);
        let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(e))? {
            if bytes.len() as u64 + chunk.len() as u64 > limit {
                return Err(Error::TooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.capacity() > bytes.len() + bytes.len() / 4 {
            bytes.shrink_to_fit();
        }
        Ok(Fetched::Body(Body {
            status: status.as_u16(),
            final_url: current,
            moved_to,
            content_type: header_str(&headers, CONTENT_TYPE).map(str::to_owned),
            validators: Validators {
                etag: header_str(&headers, ETAG).map(str::to_owned),
                last_modified: header_str(&headers, LAST_MODIFIED).map(str::to_owned),
            },
            bytes,
        }))
    }

    async fn send(
        &self,
        url: &Url,
        validators: &Validators,
        accept: &'static str,
    ) -> Result<reqwest::Response, Error> {
        let mut request = self.client.get(url.clone()).header(ACCEPT, accept);
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(last_modified) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, last_modified);
        }
        request.send().await.map_err(|e| self.classify(e))
    }

    async fn host_permit(&self, url: &Url) -> Option<OwnedSemaphorePermit> {
        let host = url.host_str().unwrap_or_default().to_owned();
        let semaphore = {
            let mut hosts = match self.hosts.lock() {
                Ok(hosts) => hosts,
                // The map holds no invariant a panic could break.
                Err(poisoned) => poisoned.into_inner(),
            };
            hosts
                .entry(host)
                .or_insert_with(|| Arc::new(Semaphore::new(self.limits.per_host.max(1))))
                .clone()
        };
        semaphore.acquire_owned().await.ok()
    }

    fn classify(&self, error: reqwest::Error) -> Error {
        // The feed's URL is already on every message about it.
        let error = error.without_url();
        if let Some(refusal) = guard_refusal(&error) {
            Error::Refused(Box::new(refusal.clone()))
        } else if error.is_timeout() {
            Error::Timeout {
                after: self.limits.timeout,
            }
        } else if error.is_connect() {
            Error::Connect {
                detail: innermost_cause(&error),
            }
        } else {
            Error::Request(error)
        }
    }
}

/// The guard's refusal, when the resolver refused the connection (reqwest
/// and hyper wrap it as a connect error).
fn guard_refusal<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a GuardError> {
    std::iter::successors(Some(error), |cause| cause.source())
        .find_map(|cause| cause.downcast_ref::<GuardError>())
}

fn innermost_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

fn header_str(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// `Retry-After` as an instant: delay-seconds or an HTTP date (RFC 9110).
fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let value = header_str(headers, RETRY_AFTER)?.trim();
    if let Ok(seconds) = value.parse::<u32>() {
        return Some(now + chrono::Duration::seconds(i64::from(seconds)));
    }
    DateTime::parse_from_rfc2822(value)
        .ok()
        .map(|date| date.with_timezone(&Utc))
}

#[cfg(test)]
mod tests;
