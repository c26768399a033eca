//! The Rackspace Email & Apps side of the sandbox: the endpoints tally reads
//! (customers, contacts, invoices and their CSVs) over the generated [`World`],
//! answered as the provider answers: its paging (`size`/`offset`, capped), its error
//! shape (`{"itemNotFoundFault": {...}}`), its signature check and its throttle
//! (403 "Exceeded request limits").

use std::collections::HashMap;

use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chrono::NaiveDateTime;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use super::accounts::{
    Answer, EMPTY_PAYLOAD, RsAccounts, WRONG_CONTENT_TYPE, contact_json, customer_json,
};
use super::respond::{MAX_OFFSET, json_response, text};
use super::state::{SandboxOptions, Shared};
use super::world::{World, line_items_csv};

/// The keys the sandbox accepts unless told others (they are not secrets).
/// How far a signature's timestamp may be from the server's clock.
const MAX_CLOCK_SKEW_SECS: i64 = 300;
/// The largest page the sandbox sends, whatever is asked (public clients ask 250).
pub const MAX_PAGE_SIZE: u64 = 100;

/// A write's body as the provider reads it: a JSON object, or why not.
pub(super) enum Payload {
    Object(serde_json::Map<String, Value>),
    /// No body, a body that is not a JSON object.
    Empty,
    /// Not sent as `application/json`.
    WrongType,
}

impl Payload {
    pub(super) fn read(content_type: Option<&str>, body: &[u8]) -> Payload {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Payload::Empty;
        }
        if !content_type.is_some_and(|t| t.starts_with("application/json")) {
            return Payload::WrongType;
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Payload::Object(map),
            _ => Payload::Empty,
        }
    }

    /// A v1 write's form fields (`application/x-www-form-urlencoded`), as text
    /// values; any other body (JSON among them) reads as no fields at all, so a
    /// required field is then missing (how a form-reading server takes it).
    pub(super) fn form(content_type: Option<&str>, body: &[u8]) -> Payload {
        let is_form =
            content_type.is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        let fields = if is_form {
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect()
        } else {
            serde_json::Map::new()
        };
        Payload::Object(fields)
    }

    /// The object, or the provider's 400 for a missing or mistyped payload.
    #[allow(clippy::result_large_err)]
    fn object(&self) -> Result<&serde_json::Map<String, Value>, Response> {
        match self {
            Payload::Object(map) => Ok(map),
            Payload::Empty => Err(fault(
                StatusCode::BAD_REQUEST,
                "badRequestFault",
                EMPTY_PAYLOAD,
            )),
            Payload::WrongType => Err(wrong_type()),
        }
    }
}

fn wrong_type() -> Response {
    fault(
        StatusCode::BAD_REQUEST,
        "badRequestFault",
        WRONG_CONTENT_TYPE,
    )
}

/// The Rackspace write operations: customers (add, edit, enable, disable, delete,
/// login tokens) and contacts (add, edit, delete).
pub(super) fn write(shared: &Shared, method: &Method, path: &str, payload: &Payload) -> Response {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut accounts = shared.rackspace.lock().expect("rackspace lock");
    let answer = match (method.as_str(), segments.as_slice()) {
        ("POST", ["v1", "customers"]) => match payload.object() {
            Ok(body) => accounts.add_customer(body),
            Err(response) => return response,
        },
        ("PUT", ["v1", "customers", account]) => match payload.object() {
            Ok(body) => accounts.edit_customer(account, body),
            Err(response) => return response,
        },
        ("DELETE", ["v1", "customers", account]) => accounts.delete_customer(account),
        ("POST", ["v1", "customers", account, "enable"]) => accounts.toggle(account, true),
        ("POST", ["v1", "customers", account, "disable"]) => accounts.toggle(account, false),
        ("POST", ["v1", "customers", account, token])
            if token.eq_ignore_ascii_case("loginToken") =>
        {
            match payload.object() {
                Ok(body) => accounts.login_token(account, body),
                Err(response) => return response,
            }
        }
        ("POST", ["v2", "customers", account, "contacts"]) => match payload {
            Payload::WrongType => return wrong_type(),
            Payload::Object(body) => accounts.add_contact(account, Some(body)),
            Payload::Empty => accounts.add_contact(account, None),
        },
        ("PUT", ["v2", "customers", account, "contacts", id]) => match payload {
            Payload::WrongType => return wrong_type(),
            Payload::Object(body) => accounts.edit_contact(account, id, Some(body)),
            Payload::Empty => accounts.edit_contact(account, id, None),
        },
        ("DELETE", ["v2", "customers", account, "contacts", id]) => {
            accounts.delete_contact(account, id)
        }
        _ => {
            return fault(
                StatusCode::NOT_FOUND,
                "itemNotFoundFault",
                "Make sure the URL is correct.",
            );
        }
    };
    match answer {
        Answer::Ok {
            status,
            body,
            location,
        } => {
            let status = StatusCode::from_u16(status).expect("a status");
            let mut response = match body {
                Some(body) => json_response(status, &body),
                None => (status, "").into_response(),
            };
            if let Some(location) = location
                && let Ok(value) = axum::http::HeaderValue::from_str(&location)
            {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        Answer::Fault {
            status,
            name,
            message,
        } => fault(
            StatusCode::from_u16(status).expect("a status"),
            name,
            &message,
        ),
    }
}

pub(super) fn route(shared: &Shared, path: &str, query: &HashMap<String, String>) -> Response {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let world = &shared.world;
    let (offset, size) = match paging(query) {
        Ok(paging) => paging,
        Err(response) => return response,
    };
    let accounts = shared.rackspace.lock().expect("rackspace lock");
    match segments.as_slice() {
        ["v1", "customers"] => {
            if let Some(reference) = query.get("referencenumber") {
                // A show of the sub-account with exactly this reference number.
                return match accounts
                    .customers
                    .iter()
                    .find(|c| c.reference_number.as_deref() == Some(reference.as_str()))
                {
                    Some(c) => json_response(StatusCode::OK, &customer_json(c)),
                    None => not_found_account(reference),
                };
            }
            let all: Vec<Value> = accounts
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
        ["v1", "customers", account] => match accounts.account(account) {
            Some(c) => json_response(StatusCode::OK, &customer_json(c)),
            None => not_found_account(account),
        },
        ["v2", "customers", account, "invoices"] => {
            let Some(account) = known_account(world, &accounts, account) else {
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
            let Some(account) = known_account(world, &accounts, account) else {
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
        ["v2", "customers", account, "contacts"] => match accounts.account(account) {
            Some(c) => {
                let items: Vec<Value> = c
                    .contacts
                    .iter()
                    .map(|k| contact_json(&c.account_number, k))
                    .collect();
                v2_page(&items, offset, size)
            }
            None => not_found_account(account),
        },
        ["v2", "customers", account, "contacts", id] => {
            match accounts
                .account(account)
                .and_then(|c| c.contacts.iter().find(|k| k.id == *id).map(|k| (c, k)))
            {
                Some((c, k)) => json_response(StatusCode::OK, &contact_json(&c.account_number, k)),
                None => fault(
                    StatusCode::NOT_FOUND,
                    "itemNotFoundFault",
                    "Make sure the URL is correct.",
                ),
            }
        }
        _ => fault(
            StatusCode::NOT_FOUND,
            "itemNotFoundFault",
            "Make sure the URL is correct.",
        ),
    }
}

/// `me` or an account the world knows (now or once: invoices outlive an
/// account), as its account number.
fn known_account(world: &World, accounts: &RsAccounts, account: &str) -> Option<String> {
    if account == "me" || account == world.reseller_account {
        return Some(world.reseller_account.clone());
    }
    (accounts.account(account).is_some()
        || world.customers.iter().any(|c| c.account_number == account))
    .then(|| account.to_owned())
}

/// The request's query, keys lowercased (the provider's are case-insensitive).
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
    if offset > MAX_OFFSET {
        return Err(fault(
            StatusCode::BAD_REQUEST,
            "badRequestFault",
            &format!("offset must be at most {}", MAX_OFFSET),
        ));
    }
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

#[allow(clippy::result_large_err)]
pub(super) fn check_signature(
    options: &SandboxOptions,
    headers: &HeaderMap,
) -> Result<(), Response> {
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

/// The provider's error shape: `{"<name>": {"message": ..., "code": ...}}`.
pub(super) fn fault(status: StatusCode, name: &str, message: &str) -> Response {
    let mut body = serde_json::Map::new();
    body.insert(
        name.to_owned(),
        json!({ "message": message, "code": status.as_u16() }),
    );
    json_response(status, &Value::Object(body))
}

pub(super) fn throttled() -> Response {
    fault(
        StatusCode::FORBIDDEN,
        "unauthorizedFault",
        "Exceeded request limits",
    )
}

/// A throttle as a plain-text body (another public client matches the text there).
pub(super) fn throttled_as_text() -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Exceeded request limits",
    )
        .into_response()
}

/// A throttle said only in the `x-error-message` header, the body empty (as older
/// servers answer; both official clients read the header).
pub(super) fn throttled_in_header() -> Response {
    (
        StatusCode::FORBIDDEN,
        [("x-error-message", "Exceeded request limits")],
        "",
    )
        .into_response()
}

fn not_found_account(account: &str) -> Response {
    fault(
        StatusCode::NOT_FOUND,
        "itemNotFoundFault",
        &format!("Customer {account} was not found"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::server::query_map;

    #[test]
    fn queries_are_case_insensitive_and_paging_is_capped() {
        let q = query_map(Some("Size=500&OFFSET=20"));
        assert_eq!(paging(&q).unwrap(), (20, MAX_PAGE_SIZE));
        assert_eq!(paging(&query_map(None)).unwrap(), (0, 50));
        for bad in [
            "size=x",
            "offset=-1",
            "size=-5",
            "offset=18446744073709551615",
            "offset=99999999999999999999999",
            "offset=1000000001",
        ] {
            assert_eq!(
                paging(&query_map(Some(bad))).unwrap_err().status(),
                StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
    }
}

#[cfg(test)]
mod signature_tests {
    use std::net::SocketAddr;
    use std::num::NonZeroU32;

    use super::*;
    use crate::sandbox::server::start;
    use crate::sandbox::state::{SANDBOX_SECRET_KEY, SANDBOX_USER_KEY};

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
