//! The sandbox's HTTP server (axum, loopback): the Rackspace endpoints tally reads,
//! over a generated [`World`], with the provider's signature check, a rate limit
//! answered the provider's way (403 "Exceeded request limits"), fault injection and
//! added latency. `/_sandbox/ground-truth` and `/_sandbox/stats` are the sandbox's
//! own (no auth, no faults).

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chrono::NaiveDateTime;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::faults::{Fault, FaultSpec};
use super::mailroute::{self, MrWorld, SANDBOX_API_KEY, SANDBOX_LOGIN};
use super::rng::Rng;
use super::world::{World, WorldOptions, line_items_csv};

/// The keys the sandbox accepts unless told others (they are not secrets).
pub const SANDBOX_USER_KEY: &str = "sandbox-user-key";
pub const SANDBOX_SECRET_KEY: &str = "sandbox-secret-key";
/// How far a signature's timestamp may be from the server's clock.
const MAX_CLOCK_SKEW_SECS: i64 = 300;
/// The largest page the sandbox sends, whatever is asked (public clients ask 250).
pub const MAX_PAGE_SIZE: u64 = 100;

#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub world: WorldOptions,
    pub user_key: String,
    pub secret_key: String,
    /// The MailRoute side's `ApiKey login:key`.
    pub mailroute_login: String,
    pub mailroute_api_key: String,
    /// The server's request limit; `None`: unlimited.
    pub requests_per_minute: Option<NonZeroU32>,
    pub faults: FaultSpec,
    /// Added to every API response.
    pub latency: Duration,
    /// Invoices whose CSV is served with a broken last row (to test refusals).
    pub corrupt_csv: Vec<String>,
}

impl Default for SandboxOptions {
    fn default() -> SandboxOptions {
        SandboxOptions {
            world: WorldOptions::default(),
            user_key: SANDBOX_USER_KEY.to_owned(),
            secret_key: SANDBOX_SECRET_KEY.to_owned(),
            mailroute_login: SANDBOX_LOGIN.to_owned(),
            mailroute_api_key: SANDBOX_API_KEY.to_owned(),
            requests_per_minute: None,
            faults: FaultSpec::default(),
            latency: Duration::ZERO,
            corrupt_csv: Vec::new(),
        }
    }
}

/// What the server has seen, for tests and the benchmark.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SandboxStats {
    /// API requests received (the sandbox's own paths not counted).
    pub requests: u64,
    /// Requests refused by the rate limit (injected throttles not counted).
    pub throttled: u64,
    /// Requests refused for a bad signature.
    pub unauthorized: u64,
    /// Line-item CSVs sent whole.
    pub csv_served: u64,
    /// CSV requests answered 404.
    pub csv_missing: u64,
    /// Injected faults by kind.
    pub faults: BTreeMap<String, u64>,
}

struct Shared {
    world: World,
    /// Mutable: tests delete and rename MailRoute objects between syncs.
    mailroute: Mutex<MrWorld>,
    options: SandboxOptions,
    limiter: Option<DefaultDirectRateLimiter>,
    request_number: AtomicU64,
    stats: Mutex<SandboxStats>,
}

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
    let limiter = options.requests_per_minute.map(|rpm| {
        // A second's worth of burst: a client spacing requests evenly at the same
        // rate is never refused for network jitter.
        let burst = NonZeroU32::new((rpm.get() / 60).max(1)).expect("non-zero");
        RateLimiter::direct(Quota::per_minute(rpm).allow_burst(burst))
    });
    let shared = Arc::new(Shared {
        world,
        mailroute,
        options,
        limiter,
        request_number: AtomicU64::new(0),
        stats: Mutex::new(SandboxStats::default()),
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
    if !shared.options.latency.is_zero() {
        tokio::time::sleep(shared.options.latency).await;
    }
    let is_mailroute = path.starts_with("/api/v1/");
    let authorized = if is_mailroute {
        check_api_key(&shared, request.headers())
    } else {
        check_signature(&shared, request.headers())
    };
    if let Err(response) = authorized {
        shared.stats.lock().expect("stats lock").unauthorized += 1;
        return response;
    }
    let throttled = || {
        if is_mailroute {
            (StatusCode::TOO_MANY_REQUESTS, "").into_response()
        } else {
            throttled()
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
        return fault(
            StatusCode::NOT_ACCEPTABLE,
            "badRequestFault",
            "Unsupported format",
        );
    }
    if request.method() != Method::GET {
        return fault(
            StatusCode::METHOD_NOT_ALLOWED,
            "badRequestFault",
            "The sandbox emulates GET only",
        );
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
            return fault(
                StatusCode::INTERNAL_SERVER_ERROR,
                "appsFault",
                "An internal error occurred (injected)",
            );
        }
        Some(Fault::Throttle) => return throttled(),
        Some(Fault::Drop) => return dropped(),
        Some(Fault::Slow) => tokio::time::sleep(shared.options.faults.slow).await,
        _ => {}
    }
    let response = if is_mailroute {
        let world = shared.mailroute.lock().expect("mailroute lock");
        mailroute::route(&world, &path, &query)
    } else {
        route(&shared, &path, &query)
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

fn route(shared: &Shared, path: &str, query: &HashMap<String, String>) -> Response {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let world = &shared.world;
    let (offset, size) = match paging(query) {
        Ok(paging) => paging,
        Err(response) => return response,
    };
    match segments.as_slice() {
        ["v1", "customers"] => {
            let all: Vec<Value> = world
                .customers
                .iter()
                .map(|c| {
                    json!({
                        "name": c.name,
                        "accountNumber": c.account_number,
                        "referenceNumber": c.reference_number,
                    })
                })
                .collect();
            let (page, total) = slice(&all, offset, size);
            json_response(
                StatusCode::OK,
                &json!({"offset": offset, "size": size, "total": total, "customers": page}),
            )
        }
        ["v1", "customers", account] => match customer_details(world, account) {
            Some(details) => json_response(StatusCode::OK, &details),
            None => not_found_account(account),
        },
        ["v2", "customers", account, "invoices"] => {
            let Some(account) = known_account(world, account) else {
                return not_found_account(account);
            };
            let items: Vec<Value> = if account == world.reseller_account {
                world
                    .invoices
                    .iter()
                    .map(|inv| {
                        json!({
                            "InvoiceId": inv.invoice_id,
                            "InvoiceDate": inv.invoice_date.format("%Y-%m-%dT%H:%M:%S").to_string(),
                            "InvoiceType": "Billing",
                            "TotalDue": inv.total_due.to_string(),
                            "IsPaid": inv.is_paid,
                            "CsvAvailable": inv.csv_available,
                        })
                    })
                    .collect()
            } else {
                // Sub-accounts are billed through the reseller: their own lists are empty.
                Vec::new()
            };
            v2_page(&items, offset, size)
        }
        ["v2", "customers", account, "invoices", invoice_id] => {
            let Some(account) = known_account(world, account) else {
                return not_found_account(account);
            };
            let invoice = world
                .invoices
                .iter()
                .find(|inv| inv.invoice_id == *invoice_id && account == world.reseller_account);
            match invoice {
                Some(inv) if inv.csv_served => {
                    let mut csv = line_items_csv(&inv.lines);
                    if shared.options.corrupt_csv.contains(&inv.invoice_id) {
                        csv.push_str("1300000,\"\",\"broken.example\"\r\n");
                    }
                    text(StatusCode::OK, "text/csv", csv)
                }
                _ => {
                    shared.stats.lock().expect("stats lock").csv_missing += 1;
                    fault(
                        StatusCode::NOT_FOUND,
                        "itemNotFoundFault",
                        "No CSV is available for this invoice",
                    )
                }
            }
        }
        ["v2", "customers", account, "contacts"] => {
            let Some(account) = known_account(world, account) else {
                return not_found_account(account);
            };
            let items: Vec<Value> = contacts_of(world, &account);
            v2_page(&items, offset, size)
        }
        _ => fault(
            StatusCode::NOT_FOUND,
            "itemNotFoundFault",
            "Make sure the URL is correct.",
        ),
    }
}

/// `me` or an account the world knows, as its account number.
fn known_account(world: &World, account: &str) -> Option<String> {
    if account == "me" || account == world.reseller_account {
        return Some(world.reseller_account.clone());
    }
    world
        .customers
        .iter()
        .any(|c| c.account_number == account)
        .then(|| account.to_owned())
}

fn customer_details(world: &World, account: &str) -> Option<Value> {
    let account = known_account(world, account)?;
    if account == world.reseller_account {
        return Some(json!({
            "name": "Sandbox Reseller",
            "accountNumber": account,
            "referenceNumber": null,
            "addressLine1": "1 Reseller Way",
            "addressLine2": null,
            "city": "San Antonio",
            "state": "TX",
            "zip": "78218",
            "country": "US",
            "phone": "1-555-555-0100",
            "email": "billing@reseller.example",
        }));
    }
    let (i, c) = world
        .customers
        .iter()
        .enumerate()
        .find(|(_, c)| c.account_number == account)?;
    const CITIES: [(&str, &str, &str); 4] = [
        ("Austin", "TX", "78703"),
        ("Portland", "OR", "97201"),
        ("Denver", "CO", "80202"),
        ("Raleigh", "NC", "27601"),
    ];
    let (city, state, zip) = CITIES[i % CITIES.len()];
    Some(json!({
        "name": c.name,
        "accountNumber": c.account_number,
        "referenceNumber": c.reference_number,
        "addressLine1": format!("{} Main Street", 100 + i),
        "addressLine2": if i % 3 == 0 { json!(format!("Suite {}", 200 + i)) } else { Value::Null },
        "city": city,
        "state": state,
        "zip": zip,
        "country": "US",
        "phone": format!("1-555-555-{:04}", 1000 + i),
        "email": format!("office@{}", c.domain),
    }))
}

fn contacts_of(world: &World, account: &str) -> Vec<Value> {
    let contact = |id: &str, name: &str, email: &str, billing: bool, answer: &str| {
        json!({
            "CustomerNumber": account,
            "Email": email,
            "Id": id,
            "Name": name,
            "Phone": "1235555555",
            "ReceivesAlerts": true,
            "ReceivesBilling": billing,
            "ReceivesUpdates": !billing,
            "SecurityAnswer": answer,
            "SecurityQuestion": "What was the name of your first pet?",
        })
    };
    if account == world.reseller_account {
        return vec![contact(
            "1",
            "Billing Desk",
            "billing@reseller.example",
            true,
            "reseller-secret-answer",
        )];
    }
    world
        .customers
        .iter()
        .find(|c| c.account_number == account)
        .map(|c| {
            c.contacts
                .iter()
                .map(|k| {
                    contact(
                        &k.id,
                        &k.name,
                        &k.email,
                        k.receives_billing,
                        &k.security_answer,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The request's query, keys lowercased (the provider's are case-insensitive).
fn query_map(query: Option<&str>) -> HashMap<String, String> {
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

#[allow(clippy::result_large_err)]
fn paging(query: &HashMap<String, String>) -> Result<(u64, u64), Response> {
    let number = |key: &str, default: u64| match query.get(key) {
        None => Ok(default),
        Some(v) => v.parse::<u64>().map_err(|_| {
            fault(
                StatusCode::BAD_REQUEST,
                "badRequestFault",
                &format!("{key} must be a whole number"),
            )
        }),
    };
    let offset = number("offset", 0)?;
    let size = number("size", 50)?.clamp(1, MAX_PAGE_SIZE);
    Ok((offset, size))
}

fn slice(all: &[Value], offset: u64, size: u64) -> (Vec<Value>, u64) {
    let start = (offset as usize).min(all.len());
    let end = (start + size as usize).min(all.len());
    (all[start..end].to_vec(), all.len() as u64)
}

fn v2_page(all: &[Value], offset: u64, size: u64) -> Response {
    let (page, total) = slice(all, offset, size);
    json_response(
        StatusCode::OK,
        &json!({"Size": size, "Offset": offset, "Total": total, "Items": page}),
    )
}

/// MailRoute: `Authorization: ApiKey login:key`; anything else gets 401, empty.
#[allow(clippy::result_large_err)]
fn check_api_key(shared: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let expected = format!(
        "ApiKey {}:{}",
        shared.options.mailroute_login, shared.options.mailroute_api_key
    );
    match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        Some(given) if given == expected => Ok(()),
        _ => Err(mailroute::unauthorized()),
    }
}

#[allow(clippy::result_large_err)]
fn check_signature(shared: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let refuse = || {
        fault(
            StatusCode::FORBIDDEN,
            "unauthorizedFault",
            "Authentication failed",
        )
    };
    let signature = headers
        .get("x-api-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(refuse)?;
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut parts = signature.rsplitn(3, ':');
    let (Some(hash), Some(stamp), Some(user_key)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(refuse());
    };
    let options = &shared.options;
    if user_key != options.user_key {
        return Err(refuse());
    }
    let at = NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M%S").map_err(|_| refuse())?;
    let skew = (chrono::Utc::now().naive_utc() - at).num_seconds().abs();
    if skew > MAX_CLOCK_SKEW_SECS {
        return Err(refuse());
    }
    let mut sha = Sha1::new();
    sha.update(user_key.as_bytes());
    sha.update(user_agent.as_bytes());
    sha.update(stamp.as_bytes());
    sha.update(options.secret_key.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(sha.finalize());
    if expected != hash {
        return Err(refuse());
    }
    Ok(())
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        value.to_string(),
    )
        .into_response()
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The provider's error shape: `{"<name>": {"message": ..., "code": ...}}`.
fn fault(status: StatusCode, name: &str, message: &str) -> Response {
    let mut body = serde_json::Map::new();
    body.insert(
        name.to_owned(),
        json!({ "message": message, "code": status.as_u16() }),
    );
    json_response(status, &Value::Object(body))
}

fn throttled() -> Response {
    fault(
        StatusCode::FORBIDDEN,
        "unauthorizedFault",
        "Exceeded request limits",
    )
}

fn not_found_account(account: &str) -> Response {
    fault(
        StatusCode::NOT_FOUND,
        "itemNotFoundFault",
        &format!("Customer {account} was not found"),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_case_insensitive_and_paging_is_capped() {
        let q = query_map(Some("Size=500&OFFSET=20"));
        assert_eq!(paging(&q).unwrap(), (20, MAX_PAGE_SIZE));
        assert_eq!(paging(&query_map(None)).unwrap(), (0, 50));
        assert_eq!(
            paging(&query_map(Some("size=x"))).unwrap_err().status(),
            StatusCode::BAD_REQUEST
        );
    }
}

#[cfg(test)]
mod signature_tests {
    use super::*;

    async fn status(url: &str, user_agent: &str, signature: &str) -> u16 {
        reqwest::Client::new()
            .get(url)
            .header("user-agent", user_agent)
            .header("x-api-signature", signature)
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    fn sign(
        user_key: &str,
        agent: &str,
        at: chrono::DateTime<chrono::Utc>,
        secret: &str,
    ) -> String {
        let stamp = at.format("%Y%m%d%H%M%S").to_string();
        let mut sha = Sha1::new();
        sha.update(format!("{user_key}{agent}{stamp}{secret}").as_bytes());
        let hash = base64::engine::general_purpose::STANDARD.encode(sha.finalize());
        format!("{user_key}:{stamp}:{hash}")
    }

    #[tokio::test]
    async fn signatures_are_checked_for_key_agent_and_clock() {
        let sandbox = start(
            SandboxOptions::default(),
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .unwrap();
        let url = format!("{}/v1/customers/me", sandbox.url());
        let now = chrono::Utc::now();
        let (user, secret) = (SANDBOX_USER_KEY, SANDBOX_SECRET_KEY);
        assert_eq!(
            status(&url, "ua", &sign(user, "ua", now, secret)).await,
            200
        );
        // Wrong secret, another user key, a hash over another User-Agent.
        assert_eq!(
            status(&url, "ua", &sign(user, "ua", now, "nope")).await,
            403
        );
        assert_eq!(
            status(&url, "ua", &sign("other", "ua", now, secret)).await,
            403
        );
        assert_eq!(
            status(&url, "ua", &sign(user, "other-ua", now, secret)).await,
            403
        );
        // Stale or future timestamps, beyond five minutes.
        let minutes = |m| chrono::Duration::minutes(m);
        assert_eq!(
            status(&url, "ua", &sign(user, "ua", now - minutes(6), secret)).await,
            403
        );
        assert_eq!(
            status(&url, "ua", &sign(user, "ua", now + minutes(6), secret)).await,
            403
        );
        assert_eq!(
            status(&url, "ua", &sign(user, "ua", now - minutes(4), secret)).await,
            200
        );
        assert_eq!(status(&url, "ua", "garbage").await, 403);
        assert_eq!(sandbox.stats().unauthorized, 6);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn the_rate_limit_answers_like_the_provider() {
        let sandbox = start(
            SandboxOptions {
                requests_per_minute: NonZeroU32::new(60),
                ..SandboxOptions::default()
            },
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .unwrap();
        let url = format!("{}/v1/customers/me", sandbox.url());
        let signature = sign(
            SANDBOX_USER_KEY,
            "ua",
            chrono::Utc::now(),
            SANDBOX_SECRET_KEY,
        );
        assert_eq!(status(&url, "ua", &signature).await, 200);
        let response = reqwest::Client::new()
            .get(&url)
            .header("user-agent", "ua")
            .header("x-api-signature", &signature)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403);
        assert_eq!(
            response.text().await.unwrap(),
            r#"{"unauthorizedFault":{"code":403,"message":"Exceeded request limits"}}"#
        );
        assert_eq!(sandbox.stats().throttled, 1);
        sandbox.shutdown().await;
    }
}
