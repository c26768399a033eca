//! The sandbox's HTTP server (axum, loopback): the shared plumbing in front of the
//! two emulated APIs (`rackspace.rs`, `mailroute.rs`): each provider's auth check, a
//! rate limit answered the provider's way, fault injection and added latency.
//! `/_sandbox/ground-truth`, `/_sandbox/anomalies` and `/_sandbox/stats` are the
//! sandbox's own (no auth, no faults).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use governor::{Quota, RateLimiter};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::accounts::RsAccounts;
use super::faults::Fault;
use super::mailroute;
use super::mailroute_world::MrWorld;
use super::rackspace;
use super::respond::{json_response, text};
use super::rng::Rng;
use super::state::Shared;
pub use super::state::{SandboxOptions, SandboxStats};
use super::world::World;

/// A running sandbox; dropping it (or [`RunningSandbox::shutdown`]) stops it.
pub struct RunningSandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
}

impl RunningSandbox {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn world(&self) -> &World {
        &self.shared.world
    }

    /// The Rackspace accounts as they are now (writes change them).
    pub fn rackspace(&self) -> RsAccounts {
        self.shared
            .rackspace
            .lock()
            .expect("rackspace lock")
            .clone()
    }

    /// Changes the Rackspace accounts between requests.
    pub fn rackspace_mut(&self, change: impl FnOnce(&mut RsAccounts)) {
        change(&mut self.shared.rackspace.lock().expect("rackspace lock"));
    }

    /// The MailRoute API's base URL (with its `/api/v1/` prefix).
    pub fn mailroute_url(&self) -> String {
        format!("http://{}/api/v1/", self.addr)
    }

    /// The MailRoute side as it is now.
    pub fn mailroute(&self) -> MrWorld {
        self.shared
            .mailroute
            .lock()
            .expect("mailroute lock")
            .clone()
    }

    /// Changes the MailRoute side (delete, rename...) between requests.
    pub fn mailroute_mut(&self, change: impl FnOnce(&mut MrWorld)) {
        change(&mut self.shared.mailroute.lock().expect("mailroute lock"));
    }

    pub fn stats(&self) -> SandboxStats {
        self.shared.stats.lock().expect("stats lock").clone()
    }

    /// When the first and the latest API request arrived (`None`: none yet).
    pub fn request_window(&self) -> Option<(Instant, Instant)> {
        *self.shared.window.lock().expect("window lock")
    }

    /// Stops accepting, lets requests in flight finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Generates the world and serves it on `addr` (port 0: any free port).
pub async fn start(options: SandboxOptions, addr: SocketAddr) -> std::io::Result<RunningSandbox> {
    let world = World::generate(options.world);
    let mailroute = Mutex::new(MrWorld::generate(&world));
    let rackspace = Mutex::new(RsAccounts::from_world(&world, &options.reseller_name));
    let answers_to_lose = std::sync::atomic::AtomicU32::new(options.lose_write_answers);
    let limiter = options.requests_per_minute.map(|rpm| {
        // A second's worth of burst: a client spacing requests evenly at the same
        // rate is never refused for network jitter.
        let burst = NonZeroU32::new((rpm.get() / 60).max(1)).expect("non-zero");
        RateLimiter::direct(Quota::per_minute(rpm).allow_burst(burst))
    });
    let shared = Arc::new(Shared {
        world,
        rackspace,
        answers_to_lose,
        mailroute,
        options,
        limiter,
        request_number: AtomicU64::new(0),
        stats: Mutex::new(SandboxStats::default()),
        window: Mutex::new(None),
    });
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .fallback(handle)
        .with_state(Arc::clone(&shared));
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(RunningSandbox {
        addr,
        shared,
        stop: Some(stop),
        done: Some(done),
    })
}

/// A sandbox on its own runtime thread, for code that is not async (tests).
pub struct BackgroundSandbox {
    sandbox: Option<RunningSandbox>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl BackgroundSandbox {
    pub fn start(options: SandboxOptions) -> std::io::Result<BackgroundSandbox> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let sandbox = runtime.block_on(start(options, SocketAddr::from(([127, 0, 0, 1], 0))))?;
        Ok(BackgroundSandbox {
            sandbox: Some(sandbox),
            runtime: Some(runtime),
        })
    }

    pub fn sandbox(&self) -> &RunningSandbox {
        self.sandbox.as_ref().expect("running")
    }
}

impl Drop for BackgroundSandbox {
    fn drop(&mut self) {
        if let (Some(sandbox), Some(runtime)) = (self.sandbox.take(), self.runtime.take()) {
            runtime.block_on(sandbox.shutdown());
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let query = query_map(request.uri().query());
    match path.as_str() {
        "/_sandbox/ground-truth" => {
            return text(StatusCode::OK, "text/csv", shared.world.ground_truth());
        }
        "/_sandbox/anomalies" => {
            return text(StatusCode::OK, "text/csv", shared.world.anomalies_csv());
        }
        "/_sandbox/stats" => {
            let stats = shared.stats.lock().expect("stats lock").clone();
            return json_response(StatusCode::OK, &json!(stats));
        }
        _ => {}
    }
    let number = shared.request_number.fetch_add(1, Ordering::Relaxed);
    shared.stats.lock().expect("stats lock").requests += 1;
    {
        let now = Instant::now();
        let mut window = shared.window.lock().expect("window lock");
        *window = Some(window.map_or((now, now), |(first, _)| (first, now)));
    }
    if !shared.options.latency.is_zero() {
        tokio::time::sleep(shared.options.latency).await;
    }
    let is_mailroute = path.starts_with("/api/v1/");
    let authorized = if is_mailroute {
        mailroute::check_api_key(&shared.options, request.headers())
    } else {
        rackspace::check_signature(&shared.options, request.headers())
    };
    if let Err(response) = authorized {
        shared.stats.lock().expect("stats lock").unauthorized += 1;
        return response;
    }
    let throttled = || {
        if is_mailroute {
            (StatusCode::TOO_MANY_REQUESTS, "").into_response()
        } else {
            rackspace::throttled()
        }
    };
    if let Some(limiter) = &shared.limiter
        && limiter.check().is_err()
    {
        shared.stats.lock().expect("stats lock").throttled += 1;
        return throttled();
    }
    if let Some(accept) = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        && !(accept.contains("json") || accept.contains("*/*") || accept.contains("text/csv"))
    {
        return rackspace::fault(
            StatusCode::NOT_ACCEPTABLE,
            "badRequestFault",
            "Unsupported format",
        );
    }
    if request.method() != Method::GET {
        return write(&shared, request, is_mailroute).await;
    }
    let injected = {
        let mut rng = Rng::new(shared.options.world.seed ^ number.wrapping_mul(0x9E37_79B9));
        rng.next_u64();
        shared.options.faults.draw(&mut rng)
    };
    if let Some(kind) = injected {
        *shared
            .stats
            .lock()
            .expect("stats lock")
            .faults
            .entry(kind.name().to_owned())
            .or_default() += 1;
    }
    match injected {
        Some(Fault::ServerError) if is_mailroute => {
            return mailroute::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "An internal error occurred (injected)",
            );
        }
        Some(Fault::ServerError) => {
            return rackspace::fault(
                StatusCode::INTERNAL_SERVER_ERROR,
                "appsFault",
                "An internal error occurred (injected)",
            );
        }
        Some(Fault::Throttle) => return throttled(),
        Some(Fault::ThrottleText | Fault::ThrottleHeader) if is_mailroute => return throttled(),
        Some(Fault::ThrottleText) => return rackspace::throttled_as_text(),
        Some(Fault::ThrottleHeader) => return rackspace::throttled_in_header(),
        Some(Fault::Drop) => return dropped(),
        Some(Fault::Slow) => tokio::time::sleep(shared.options.faults.slow).await,
        _ => {}
    }
    let response = if is_mailroute {
        let world = shared.mailroute.lock().expect("mailroute lock");
        mailroute::route(&world, &path, &query)
    } else {
        rackspace::route(&shared, &path, &query)
    };
    if injected == Some(Fault::Truncate) {
        return truncate(response).await;
    }
    let is_csv = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == "text/csv");
    if is_csv && response.status() == StatusCode::OK {
        shared.stats.lock().expect("stats lock").csv_served += 1;
    }
    response
}

/// A POST, PUT or DELETE: applied to the world (faults are injected into reads
/// only), answered as the provider answers, or applied and then left unanswered
/// while `lose_write_answers` lasts.
async fn write(shared: &Shared, request: Request, is_mailroute: bool) -> Response {
    let method = request.method().clone();
    if ![Method::POST, Method::PUT, Method::DELETE].contains(&method) {
        return rackspace::fault(
            StatusCode::METHOD_NOT_ALLOWED,
            "badRequestFault",
            "Method not allowed",
        );
    }
    let path = request.uri().path().to_owned();
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Ok(body) = axum::body::to_bytes(request.into_body(), 1024 * 1024).await else {
        return rackspace::fault(
            StatusCode::PAYLOAD_TOO_LARGE,
            "badRequestFault",
            "The request body is too large",
        );
    };
    *shared
        .stats
        .lock()
        .expect("stats lock")
        .writes
        .entry(format!("{method} {path}"))
        .or_default() += 1;
    // Rackspace's v1 writes take form fields, everything else JSON.
    let payload = if !is_mailroute && path.starts_with("/v1/") {
        rackspace::Payload::form(content_type.as_deref(), &body)
    } else {
        rackspace::Payload::read(content_type.as_deref(), &body)
    };
    let response = if is_mailroute {
        let object = match &payload {
            rackspace::Payload::Object(map) => Some(map),
            _ => None,
        };
        let mut world = shared.mailroute.lock().expect("mailroute lock");
        let response = mailroute::write(&mut world, &method, &path, object);
        if method == Method::DELETE && shared.options.deleted_elsewhere {
            mailroute::not_found()
        } else if method == Method::POST
            && shared.options.creates_answer_empty
            && response.status() == StatusCode::CREATED
        {
            (StatusCode::ACCEPTED, "").into_response()
        } else {
            response
        }
    } else {
        rackspace::write(shared, &method, &path, &payload)
    };
    let lose = shared
        .answers_to_lose
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if lose { dropped() } else { response }
}

pub(super) fn query_map(query: Option<&str>) -> HashMap<String, String> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_ascii_lowercase(), v.to_owned())
        })
        .collect()
}

/// A body that fails before its first byte: the connection closes with no answer.
fn dropped() -> Response {
    let body = Body::from_stream(futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("dropped (injected)"))
    }));
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("1024"));
    response
}

/// The same response, but the body stops halfway through its declared length.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return dropped();
    };
    let half = bytes.slice(..bytes.len() / 2);
    parts.headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from_str(&bytes.len().to_string()).expect("digits"),
    );
    let stream =
        futures::stream::iter([Ok(half), Err(std::io::Error::other("truncated (injected)"))]);
    Response::from_parts(parts, Body::from_stream(stream))
}
