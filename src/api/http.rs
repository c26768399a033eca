//! The HTTP transport both providers share: a GCRA rate limiter in front of every
//! attempt, the retry policy of [`super::retry`], a per-request timeout, bodies read
//! whole (a body cut short is an error, never half a CSV), and counters for the run
//! record. What a provider adds (its auth headers, how it says "slow down") comes in
//! through [`Auth`].

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};

use super::error::{ApiError, ApiErrorKind};
use super::retry::{Attempt, Decision, RetryPolicy};

/// What a provider adds to the transport.
pub trait Auth: Send + Sync {
    /// The headers of one attempt (a fresh signature each time). Values holding a
    /// secret are marked sensitive so that no `Debug` output shows them.
    fn headers(&self) -> Vec<(HeaderName, HeaderValue)>;

    /// True when this response is the provider saying "too many requests".
    fn is_throttle(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> bool;
}

#[derive(Debug, Clone)]
pub struct TransportOptions {
    pub user_agent: String,
    pub requests_per_minute: NonZeroU32,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// Larger bodies are refused (a guard against a runaway response).
    pub max_body_bytes: usize,
}

/// Seconds one request may take.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// MiB a response body may hold.
pub const DEFAULT_MAX_BODY_MIB: u64 = 256;

impl TransportOptions {
    pub fn new(user_agent: impl Into<String>, requests_per_minute: NonZeroU32) -> TransportOptions {
        TransportOptions {
            user_agent: user_agent.into(),
            requests_per_minute,
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            retry: RetryPolicy::default(),
            max_body_bytes: (DEFAULT_MAX_BODY_MIB * 1024 * 1024) as usize,
        }
    }
}

/// The User-Agent both clients send unless told otherwise.
pub const DEFAULT_USER_AGENT: &str = concat!("tally/", env!("CARGO_PKG_VERSION"));

/// What a provider client is built from: where, with which keys, how.
#[derive(Debug, Clone)]
pub struct ClientOptions<C> {
    pub base_url: String,
    pub credentials: C,
    pub transport: TransportOptions,
}

impl<C> ClientOptions<C> {
    /// These options against another base URL (a sandbox) at another rate.
    pub fn at(mut self, base_url: impl Into<String>, requests_per_minute: u32) -> Self {
        self.base_url = base_url.into();
        self.transport.requests_per_minute =
            NonZeroU32::new(requests_per_minute).unwrap_or(NonZeroU32::MIN);
        self
    }

    /// The provider's defaults: its base URL and rate, tally's User-Agent.
    pub fn new(credentials: C) -> Self
    where
        C: ProviderDefaults,
    {
        let rpm = NonZeroU32::new(C::REQUESTS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        ClientOptions {
            base_url: C::BASE_URL.to_owned(),
            credentials,
            transport: TransportOptions::new(DEFAULT_USER_AGENT, rpm),
        }
    }
}

/// A provider's defaults, known by its credentials' type.
pub trait ProviderDefaults {
    const BASE_URL: &'static str;
    const REQUESTS_PER_MINUTE: u32;
}

/// A response whose status the retry policy has accepted as final.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    /// An answer with no headers and no body.
    pub fn empty(status: u16) -> Response {
        Response {
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }
}

/// One request: its method, URL and JSON body (writes).
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: reqwest::Method,
    pub url: &'a str,
    /// The body as sent, with its content type.
    pub body: Option<(&'static str, Bytes)>,
}

/// A write's body, encoded as the endpoint takes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// `application/json`.
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded`: name=value pairs in order.
    Form(Vec<(String, String)>),
}

impl Body {
    pub const JSON: &'static str = "application/json";
    pub const FORM: &'static str = "application/x-www-form-urlencoded";

    /// A JSON object's fields as form fields, in order: text as it is, numbers and
    /// booleans as their JSON text (`true`), nulls left out (a form has no null).
    pub fn form_of(value: &serde_json::Value) -> Body {
        let fields = value
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(name, v)| {
                let text = match v {
                    serde_json::Value::Null => return None,
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                Some((name.clone(), text))
            })
            .collect();
        Body::Form(fields)
    }

    pub fn content_type(&self) -> &'static str {
        match self {
            Body::Json(_) => Body::JSON,
            Body::Form(_) => Body::FORM,
        }
    }

    /// The bytes sent.
    pub fn encoded(&self) -> String {
        match self {
            Body::Json(value) => value.to_string(),
            Body::Form(fields) => form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish(),
        }
    }
}

impl<'a> Request<'a> {
    pub fn get(url: &'a str) -> Request<'a> {
        Request {
            method: reqwest::Method::GET,
            url,
            body: None,
        }
    }

    /// A write with its body (`None`: no body, as a DELETE).
    pub fn write(method: reqwest::Method, url: &'a str, body: Option<&Body>) -> Request<'a> {
        Request {
            method,
            url,
            body: body.map(|b| (b.content_type(), Bytes::from(b.encoded()))),
        }
    }
}

/// The method as the errors name it.
pub fn method_name(method: &reqwest::Method) -> &'static str {
    match *method {
        reqwest::Method::POST => "POST",
        reqwest::Method::PUT => "PUT",
        reqwest::Method::DELETE => "DELETE",
        reqwest::Method::PATCH => "PATCH",
        _ => "GET",
    }
}

/// Counters over the life of a transport, for `sync_runs`.
#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransportStats {
    /// HTTP requests sent (every attempt counts).
    pub requests: u64,
    /// Attempts that were repeats of a failed one.
    pub retries: u64,
    /// Responses that said the request limit was exceeded.
    pub throttled: u64,
}

pub struct Transport {
    client: reqwest::Client,
    limiter: DefaultDirectRateLimiter,
    options: TransportOptions,
    counters: Counters,
    jitter: AtomicU64,
}

impl Transport {
    pub fn new(options: TransportOptions) -> Result<Transport, reqwest::Error> {
        let client = reqwest::Client::builder()
            .user_agent(options.user_agent.clone())
            .connect_timeout(options.timeout.min(Duration::from_secs(30)))
            .pool_idle_timeout(Duration::from_secs(30))
            // A redirect would carry the provider's keys to wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        // Burst 2: requests leave evenly spaced, and a server counting over any window
        // sees at most one more than the rate. With a burst of 1 each request that
        // leaves late (the timer wakes up to a millisecond after its slot) pushes
        // every later slot back, and the rate reached was ~92 % of R at 6,000/min; a
        // slot of tolerance keeps the spacing's average at exactly 1/R.
        // (`Quota::per_minute` alone would allow a burst of the whole minute's worth.)
        let limiter = RateLimiter::direct(
            Quota::per_minute(options.requests_per_minute)
                .allow_burst(NonZeroU32::new(2).expect("2 > 0")),
        );
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9E37_79B9, |d| d.as_nanos() as u64)
            | 1;
        Ok(Transport {
            client,
            limiter,
            options,
            counters: Counters::default(),
            jitter: AtomicU64::new(seed),
        })
    }

    pub fn user_agent(&self) -> &str {
        &self.options.user_agent
    }

    pub fn stats(&self) -> TransportStats {
        TransportStats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            retries: self.counters.retries.load(Ordering::Relaxed),
            throttled: self.counters.throttled.load(Ordering::Relaxed),
        }
    }

    /// GETs `url`, retrying what the policy says to retry. A response comes back
    /// only once its status is final (2xx, a non-retryable status, or the last
    /// attempt's); failures without a response become an [`ApiError`].
    pub async fn get(&self, auth: &dyn Auth, url: &str) -> Result<Response, ApiError> {
        self.send(auth, &Request::get(url)).await
    }

    /// Sends a write (POST, PUT, DELETE) with its body. A write is repeated only
    /// when it provably never reached the server (the connection could not be made);
    /// any other failure after sending (a timeout, a dropped connection, a body cut
    /// short) is [`ApiErrorKind::OutcomeUnknown`], and every response is final (a
    /// 5xx or a throttle may have been applied, or half applied: the caller decides).
    pub async fn write(
        &self,
        auth: &dyn Auth,
        request: &Request<'_>,
    ) -> Result<Response, ApiError> {
        self.send(auth, request).await
    }

    async fn send(&self, auth: &dyn Auth, request: &Request<'_>) -> Result<Response, ApiError> {
        let is_write = request.method != reqwest::Method::GET;
        let method = method_name(&request.method);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if attempt > 1 {
                self.counters.retries.fetch_add(1, Ordering::Relaxed);
            }
            self.limiter.until_ready().await;
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let started = Instant::now();
            let outcome = self.attempt(auth, request).await;
            let (what, server_wait) = match &outcome {
                Ok(response) => {
                    let throttled =
                        auth.is_throttle(response.status, &response.headers, &response.body);
                    if throttled {
                        self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                    }
                    let what = Attempt::Status {
                        status: response.status,
                        throttled,
                    };
                    (what, retry_after(&response.headers))
                }
                Err(kind) => (kind.attempt(), None),
            };
            if tracing::enabled!(tracing::Level::DEBUG) {
                let result = match &outcome {
                    Ok(r) => format!("{} ({} bytes)", r.status, r.body.len()),
                    Err(kind) => kind.to_string(),
                };
                // One event per attempt: method, URL, outcome, time; never a header
                // or a body.
                tracing::debug!(
                    "{method} {} -> {result} in {} ms (attempt {attempt})",
                    super::base_url::display_url(request.url),
                    started.elapsed().as_millis()
                );
            }
            let jitter = self.next_jitter();
            let decision = if is_write {
                self.options.retry.decide_write(what, attempt, jitter)
            } else {
                self.options
                    .retry
                    .decide(what, attempt, server_wait, jitter)
            };
            match (decision, outcome) {
                (Decision::RetryAfter(wait), _) => tokio::time::sleep(wait).await,
                (Decision::Stop, Ok(response)) => return Ok(response),
                (Decision::Stop, Err(kind)) => {
                    let kind = match kind {
                        ApiErrorKind::Timeout(_)
                        | ApiErrorKind::Connection(_)
                        | ApiErrorKind::Truncated(_)
                            if is_write =>
                        {
                            ApiErrorKind::OutcomeUnknown(kind.to_string())
                        }
                        other => other,
                    };
                    return Err(ApiError::new(method, request.url, kind).after(attempt));
                }
            }
        }
    }

    /// One attempt: send, then read the whole body within the timeout.
    async fn attempt(&self, auth: &dyn Auth, req: &Request<'_>) -> Result<Response, ApiErrorKind> {
        let mut request = self
            .client
            .request(req.method.clone(), req.url)
            .timeout(self.options.timeout);
        for (name, value) in auth.headers() {
            request = request.header(name, value);
        }
        if let Some((content_type, body)) = &req.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, *content_type)
                .body(body.clone());
        }
        let mut response = request.send().await.map_err(|e| {
            if e.is_connect() {
                // Refused, unreachable, DNS: the request never left.
                ApiErrorKind::NotSent(error_chain(&e))
            } else if e.is_timeout() {
                ApiErrorKind::Timeout(self.options.timeout)
            } else {
                ApiErrorKind::Connection(error_chain(&e))
            }
        })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if (300..400).contains(&status) {
            let location = headers
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map_or_else(
                    || "(no Location header)".to_owned(),
                    super::base_url::display_url,
                );
            return Err(ApiErrorKind::Redirect { status, location });
        }
        let mut body = Vec::with_capacity(
            response
                .content_length()
                .map_or(16 * 1024, |n| n.min(64 * 1024 * 1024) as usize),
        );
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.options.max_body_bytes {
                        return Err(ApiErrorKind::TooLarge(self.options.max_body_bytes));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.is_timeout() => {
                    return Err(ApiErrorKind::Timeout(self.options.timeout));
                }
                Err(e) => return Err(ApiErrorKind::Truncated(error_chain(&e))),
            }
        }
        Ok(Response {
            status,
            headers,
            body: Bytes::from(body),
        })
    }

    /// A uniform sample in [0, 1) for the backoff jitter (xorshift; no crypto needed).
    fn next_jitter(&self) -> f64 {
        let mut x = self.jitter.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter.store(x, Ordering::Relaxed);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by these providers).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?;
    text.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// An error and its causes, "a: b: c", without the URL reqwest puts in its own text.
fn error_chain(error: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        parts.push(
            if error.is_body() || error.is_decode() {
                "error reading the body"
            } else {
                "error sending the request"
            }
            .to_owned(),
        );
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("0"));
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static(" 12 "));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(12)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn jitter_stays_in_range() {
        let t = Transport::new(TransportOptions::new("t", NonZeroU32::new(60).unwrap())).unwrap();
        for _ in 0..10_000 {
            let j = t.next_jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }
}
