//! The MailRoute side of the sandbox: a Tastypie-like API over customers derived
//! from the same world as the Rackspace side. Most MailRoute customers are the
//! Rackspace sub-accounts' domains (some spelled in another case), a few exist on
//! one side only; `reported_user_count` is the seats billed in the latest month
//! with line items, sometimes null, sometimes off; contacts carry
//! billing/technical/emergency flags (some customers have none, some no billing
//! one); every customer has admins.

use std::collections::HashMap;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use super::mailroute_world::{
    CONTACT_TEXT_FIELDS, MrAdmin, MrContact, MrCustomer, MrWorld, RESELLER_ID,
};
use super::respond::MAX_OFFSET;

/// The most objects the sandbox puts on one page (Tastypie's max_limit; real
/// servers default to 1000, the sandbox is stingy so that paging is exercised).
pub const MAX_LIMIT: u64 = 25;
pub const DEFAULT_LIMIT: u64 = 20;

/// A fixed creation date per id, as MailRoute writes them (recorded): RFC 2822 in US
/// Pacific time, the day without a leading zero (`Thu, 7 Jun 2012 15:29:27 -0700`),
/// -0700 from April to October, -0800 otherwise.
fn date(id: i64) -> String {
    let base = NaiveDate::from_ymd_opt(2013, 2, 18)
        .expect("date")
        .and_hms_opt(10, 10, 15)
        .expect("time");
    let at = base + Duration::hours((id * 13) % 9000);
    let offset = if (4..=10).contains(&at.month()) {
        "-0700"
    } else {
        "-0800"
    };
    format!("{} {offset}", at.format("%a, %-d %b %Y %H:%M:%S"))
}

fn customer_json(c: &MrCustomer) -> Value {
    json!({
        "is_full_user_list": false,
        "name": c.name,
        "branding_info": format!("/api/v1/brandinginfo/{}/", c.id + 300),
        "resource_uri": format!("/api/v1/customer/{}/", c.id),
        "created_at": date(c.id),
        "allow_branding": false,
        "updated_at": date(c.id + 1),
        "absolute_url": format!("/customer/{}/", c.id),
        "id": c.id,
        "reported_user_count": c.reported_user_count,
        "reseller": format!("/api/v1/reseller/{RESELLER_ID}/"),
    })
}

/// A contact as MailRoute lists it: `city`, `state`, `country` and names `""` when
/// empty; `address`, `address2`, `zipcode` and `phone` `null` or `""` (both occur in
/// one recorded list; here by the contact's id).
fn contact_json(customer: i64, k: &MrContact) -> Value {
    let empty = if k.id % 2 == 0 {
        json!("")
    } else {
        Value::Null
    };
    let text = |name: &str, empty: Value| k.extra.get(name).map_or(empty, |v| json!(v));
    json!({
        "state": text("state", json!("")), "city": text("city", json!("")),
        "country": text("country", json!("")), "address": text("address", empty.clone()),
        "address2": text("address2", empty.clone()), "zipcode": text("zipcode", empty.clone()),
        "phone": text("phone", empty),
        "last_name": k.last_name, "first_name": k.first_name, "email": k.email,
        "is_technical": k.is_technical, "is_billing": k.is_billing, "is_emergency": k.is_emergency,
        "created_at": date(k.id), "updated_at": date(k.id + 1),
        "id": k.id,
        "resource_uri": format!("/api/v1/contact_customer/{}/", k.id),
        "customer": format!("/api/v1/customer/{customer}/"),
        "absolute_url": format!("/contacts/customer/{}/", k.id),
    })
}

fn admin_json(customer: i64, a: &MrAdmin) -> Value {
    json!({
        "last_login": date(a.id), "send_welcome": null, "username": a.username,
        "date_joined": date(a.id + 7), "email": a.username,
        "resource_uri": format!("/api/v1/admins/customer/{customer}/admin/{}/", a.id),
        "is_active": a.is_active, "customer": null, "id": a.id, "reseller": null,
    })
}

/// 404 as MailRoute sends it: an empty HTML body.
pub fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "",
    )
        .into_response()
}

/// 400 and 501 as MailRoute sends them (recorded): an empty HTML body.
pub fn empty_error(status: StatusCode) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "",
    )
        .into_response()
}

/// 401 as MailRoute sends it: an empty body.
pub fn unauthorized() -> Response {
    (StatusCode::UNAUTHORIZED, "").into_response()
}

pub fn error(status: StatusCode, message: &str) -> Response {
    json(status, &json!({ "error_message": message }))
}

fn json(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        value.to_string(),
    )
        .into_response()
}

/// One page of `all`, with Tastypie's meta and a `next` link keeping the filters.
fn page(
    path: &str,
    filters: &[(&str, String)],
    all: Vec<Value>,
    query: &HashMap<String, String>,
) -> Response {
    let number = |key: &str| query.get(key).map(|v| v.parse::<u64>());
    let limit = match number("limit") {
        None => DEFAULT_LIMIT,
        Some(Ok(0)) => DEFAULT_LIMIT, // limit=0 does not mean "all" here
        Some(Ok(n)) => n.min(MAX_LIMIT),
        Some(Err(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "Invalid limit provided. Please provide a positive integer.",
            );
        }
    };
    let offset = match number("offset") {
        None => 0,
        Some(Ok(n)) if n <= MAX_OFFSET => n,
        Some(Ok(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("Invalid offset provided. The offset must be at most {MAX_OFFSET}."),
            );
        }
        Some(Err(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "Invalid offset provided. Please provide a positive integer.",
            );
        }
    };
    let total = all.len() as u64;
    let start = offset.min(total) as usize;
    let end = (offset + limit).min(total) as usize;
    let link = |at: u64| {
        let mut q: Vec<String> = filters.iter().map(|(k, v)| format!("{k}={v}")).collect();
        q.push(format!("limit={limit}"));
        q.push(format!("offset={at}"));
        format!("{path}?{}", q.join("&"))
    };
    // As recorded, a filtered list that fits on its first page still links a next
    // page (total_count is what says the list is complete).
    let links_on = offset + limit < total || (offset == 0 && !filters.is_empty());
    let next = links_on.then(|| link(offset + limit));
    let previous = (offset > 0).then(|| link(offset.saturating_sub(limit)));
    json(
        StatusCode::OK,
        &json!({
            "objects": all[start..end].to_vec(),
            "meta": {"limit": limit, "offset": offset, "total_count": total, "next": next, "previous": previous},
        }),
    )
}

/// Routes a GET under `/api/v1/`.
pub fn route(world: &MrWorld, path: &str, query: &HashMap<String, String>) -> Response {
    let rest = path.trim_start_matches("/api/v1/");
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let find = |id: &str| {
        id.parse::<i64>()
            .ok()
            .and_then(|id| world.customers.iter().find(|c| c.id == id))
    };
    match segments.as_slice() {
        [resource, "schema"] => match schema(resource) {
            Some(body) => json(StatusCode::OK, &body),
            None => not_found(),
        },
        ["reseller"] => page(
            path,
            &[],
            vec![json!({
                "id": RESELLER_ID,
                "name": world.reseller_name,
                "resource_uri": format!("/api/v1/reseller/{RESELLER_ID}/"),
            })],
            query,
        ),
        ["customer"] => {
            let mut filters = Vec::new();
            let reseller = query.get("reseller").cloned();
            let name = query.get("name").map(|n| percent_decode(n));
            if let Some(r) = &reseller {
                filters.push(("reseller", r.clone()));
            }
            if let Some(n) = query.get("name") {
                filters.push(("name", n.clone()));
            }
            let all = world
                .customers
                .iter()
                .filter(|_| {
                    reseller
                        .as_deref()
                        .is_none_or(|r| r == RESELLER_ID.to_string())
                })
                .filter(|c| name.as_deref().is_none_or(|n| n == c.name))
                .map(customer_json)
                .collect();
            page(path, &filters, all, query)
        }
        ["customer", id] => match find(id) {
            Some(c) => json(StatusCode::OK, &customer_json(c)),
            None => not_found(),
        },
        ["contact_customer", id] => {
            let id = id.parse::<i64>().ok();
            world
                .customers
                .iter()
                .find_map(|c| {
                    c.contacts
                        .iter()
                        .find(|k| Some(k.id) == id)
                        .map(|k| contact_json(c.id, k))
                })
                .map_or_else(not_found, |k| json(StatusCode::OK, &k))
        }
        ["customer", id, "contacts"] => match find(id) {
            Some(c) => page(
                path,
                &[],
                c.contacts.iter().map(|k| contact_json(c.id, k)).collect(),
                query,
            ),
            None => not_found(),
        },
        ["contact_customer"] => {
            let customer = query.get("customer").cloned();
            let email = query.get("email").map(|e| percent_decode(e));
            let all = world
                .customers
                .iter()
                .filter(|c| customer.as_deref().is_none_or(|id| id == c.id.to_string()))
                .flat_map(|c| {
                    c.contacts
                        .iter()
                        .filter(|k| email.as_deref().is_none_or(|e| e == k.email))
                        .map(|k| contact_json(c.id, k))
                })
                .collect();
            let mut filters: Vec<(&str, String)> =
                customer.map(|c| vec![("customer", c)]).unwrap_or_default();
            if let Some(e) = query.get("email") {
                filters.push(("email", e.clone()));
            }
            page(path, &filters, all, query)
        }
        // Admins are listed per customer only (recorded: 400, empty body).
        ["admins"] => empty_error(StatusCode::BAD_REQUEST),
        ["admins", "customer", id] => match find(id) {
            Some(c) => page(
                path,
                &[],
                c.admins.iter().map(|a| admin_json(c.id, a)).collect(),
                query,
            ),
            None => not_found(),
        },
        _ => not_found(),
    }
}

/// A query value with its `%XX` escapes decoded.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A Tastypie field error: `{"<resource>": {"<field>": ["<message>"]}}`.
fn field_error(resource: &str, field: &str, message: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        &json!({ resource: { field: [message] } }),
    )
}

/// The host MailRoute's `Location` headers name.
pub const PRODUCTION_HOST: &str = "admin.mailroute.net";

/// 201 with the object and its `Location`: an absolute `https://` URL on MailRoute's
/// own host, as recorded (a client takes the id from it and never follows it).
fn created(uri: &str, body: &Value) -> Response {
    let mut response = json(StatusCode::CREATED, body);
    if let Ok(value) = axum::http::HeaderValue::from_str(&format!("https://{PRODUCTION_HOST}{uri}"))
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn no_content() -> Response {
    (
        StatusCode::NO_CONTENT,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "",
    )
        .into_response()
}

/// A boolean as the examples send it (`"true"`) or as JSON (`true`).
fn boolean(body: &serde_json::Map<String, Value>, name: &str) -> Result<Option<bool>, String> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(format!("'{other}' is not a valid boolean")),
    }
}

fn text_field(body: &serde_json::Map<String, Value>, name: &str) -> Option<String> {
    match body.get(name) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// The id at the end of a resource URI of `kind` (`/api/v1/customer/157/`).
fn uri_id(uri: &str, kind: &str) -> Option<i64> {
    let rest = uri.strip_prefix("/api/v1/")?.strip_prefix(kind)?;
    rest.trim_matches('/').parse().ok()
}

/// Checks an admin username as the schema says: required, at most 30 characters of
/// letters, digits and `@ . + - _`.
pub fn check_username(username: &str) -> Result<(), String> {
    let length = username.chars().count();
    if length == 0 {
        return Err("This field is required.".into());
    }
    if length > 30 {
        return Err(format!(
            "Ensure this value has at most 30 characters (it has {length})."
        ));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "@.+-_".contains(c))
    {
        return Err("Enter a valid username. This value may contain only letters, numbers and @/./+/-/_ characters.".into());
    }
    Ok(())
}

/// Routes a POST, PUT or DELETE under `/api/v1/` with its JSON body (`None`: no
/// body or not a JSON object).
pub fn write(
    world: &mut MrWorld,
    method: &axum::http::Method,
    path: &str,
    body: Option<&serde_json::Map<String, Value>>,
) -> Response {
    let rest = path.trim_start_matches("/api/v1/");
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let empty = serde_json::Map::new();
    let needs_body = method != axum::http::Method::DELETE;
    if needs_body && body.is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "The request body is not a JSON object.",
        );
    }
    let body = body.unwrap_or(&empty);
    let customer_at = |world: &MrWorld, id: &str| {
        id.parse::<i64>()
            .ok()
            .and_then(|id| world.customers.iter().position(|c| c.id == id))
    };
    match (method.as_str(), segments.as_slice()) {
        ("POST", ["customer"]) => {
            let name = text_field(body, "name").unwrap_or_default();
            if name.trim().is_empty() {
                return field_error("customer", "name", "This field is required.");
            }
            let Some(reseller) = text_field(body, "reseller") else {
                return field_error("customer", "reseller", "This field is required.");
            };
            if uri_id(&reseller, "reseller/") != Some(RESELLER_ID) {
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!("Could not find the provided object via resource URI '{reseller}'."),
                );
            }
            if world.customers.iter().any(|c| c.name == name) {
                return field_error(
                    "customer",
                    "name",
                    "Customer with this Name already exists.",
                );
            }
            let id = world
                .customers
                .iter()
                .map(|c| c.id)
                .max()
                .unwrap_or(0)
                .max(2999)
                + 1;
            let c = MrCustomer {
                id,
                name,
                reported_user_count: None,
                contacts: Vec::new(),
                admins: Vec::new(),
            };
            let shown = customer_json(&c);
            world.customers.push(c);
            created(&format!("/api/v1/customer/{id}/"), &shown)
        }
        ("PUT", ["customer", id]) => {
            let Some(at) = customer_at(world, id) else {
                return not_found();
            };
            if let Some(name) = text_field(body, "name") {
                if name.trim().is_empty() {
                    return field_error("customer", "name", "This field is required.");
                }
                if world
                    .customers
                    .iter()
                    .any(|c| c.name == name && c.id != world.customers[at].id)
                {
                    return field_error(
                        "customer",
                        "name",
                        "Customer with this Name already exists.",
                    );
                }
                world.customers[at].name = name;
            }
            json(StatusCode::ACCEPTED, &customer_json(&world.customers[at]))
        }
        ("DELETE", ["customer", id]) => match customer_at(world, id) {
            Some(at) => {
                world.customers.remove(at);
                no_content()
            }
            None => not_found(),
        },
        ("POST", ["contact_customer"]) => {
            let Some(customer) = text_field(body, "customer") else {
                return field_error("contact_customer", "customer", "This field is required.");
            };
            let Some(at) = uri_id(&customer, "customer/")
                .and_then(|id| world.customers.iter().position(|c| c.id == id))
            else {
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!("Could not find the provided object via resource URI '{customer}'."),
                );
            };
            let id = world
                .customers
                .iter()
                .flat_map(|c| c.contacts.iter().map(|k| k.id))
                .max()
                .unwrap_or(0)
                .max(99_999)
                + 1;
            let contact = match contact_from(body, id) {
                Ok(contact) => contact,
                Err(response) => return response,
            };
            let c = &mut world.customers[at];
            let shown = contact_json(c.id, &contact);
            c.contacts.push(contact);
            created(&format!("/api/v1/contact_customer/{id}/"), &shown)
        }
        ("PUT", ["contact_customer", id]) => {
            let Some((at, k)) =
                id.parse::<i64>().ok().and_then(|id| {
                    world.customers.iter().enumerate().find_map(|(at, c)| {
                        c.contacts.iter().position(|k| k.id == id).map(|k| (at, k))
                    })
                })
            else {
                return not_found();
            };
            let contact = match contact_from(body, world.customers[at].contacts[k].id) {
                Ok(contact) => contact,
                Err(response) => return response,
            };
            let c = &mut world.customers[at];
            c.contacts[k] = contact;
            json(StatusCode::ACCEPTED, &contact_json(c.id, &c.contacts[k]))
        }
        ("DELETE", ["contact_customer", id]) => {
            let id = id.parse::<i64>().ok();
            for c in &mut world.customers {
                if let Some(k) = c.contacts.iter().position(|k| Some(k.id) == id) {
                    c.contacts.remove(k);
                    return no_content();
                }
            }
            not_found()
        }
        ("POST", ["admins", "customer", id]) => {
            let Some(at) = customer_at(world, id) else {
                return not_found();
            };
            let email = text_field(body, "email").unwrap_or_default();
            if let Err(message) = check_username(&email) {
                return field_error("admins", "username", &message);
            }
            if let Err(message) = boolean(body, "send_welcome") {
                return field_error("admins", "send_welcome", &message);
            }
            if world
                .customers
                .iter()
                .flat_map(|c| &c.admins)
                .any(|a| a.username == email)
            {
                return field_error(
                    "admins",
                    "username",
                    "A user with that username already exists.",
                );
            }
            let admin_id = world
                .customers
                .iter()
                .flat_map(|c| c.admins.iter().map(|a| a.id))
                .max()
                .unwrap_or(0)
                .max(999_999)
                + 1;
            let admin = MrAdmin {
                id: admin_id,
                username: email,
                is_active: true,
            };
            let c = &mut world.customers[at];
            let shown = admin_json(c.id, &admin);
            c.admins.push(admin);
            created(
                &format!("/api/v1/admins/customer/{}/admin/{admin_id}/", c.id),
                &shown,
            )
        }
        ("DELETE", ["admins", "customer", id, "admin", admin_id]) => {
            let Some(at) = customer_at(world, id) else {
                return not_found();
            };
            let admin_id = admin_id.parse::<i64>().ok();
            let c = &mut world.customers[at];
            match c.admins.iter().position(|a| Some(a.id) == admin_id) {
                Some(k) => {
                    c.admins.remove(k);
                    no_content()
                }
                None => not_found(),
            }
        }
        // Admins allow only get, post and delete (recorded: 501, empty body).
        (_, ["admins", ..]) => empty_error(StatusCode::NOT_IMPLEMENTED),
        _ => not_found(),
    }
}

/// A contact from a POST or PUT body (a PUT replaces the whole contact, as
/// Tastypie's does: a field left out takes its default).
#[allow(clippy::result_large_err)]
fn contact_from(body: &serde_json::Map<String, Value>, id: i64) -> Result<MrContact, Response> {
    let email = text_field(body, "email").unwrap_or_default();
    if email.trim().is_empty() {
        return Err(field_error(
            "contact_customer",
            "email",
            "This field is required.",
        ));
    }
    let flag = |name: &str| {
        boolean(body, name)
            .map(Option::unwrap_or_default)
            .map_err(|m| field_error("contact_customer", name, &m))
    };
    let mut extra = std::collections::BTreeMap::new();
    for name in &CONTACT_TEXT_FIELDS[2..] {
        if let Some(v) = text_field(body, name) {
            extra.insert((*name).to_owned(), v);
        }
    }
    Ok(MrContact {
        id,
        email,
        first_name: text_field(body, "first_name").unwrap_or_default(),
        last_name: text_field(body, "last_name").unwrap_or_default(),
        is_billing: flag("is_billing")?,
        is_technical: flag("is_technical")?,
        is_emergency: flag("is_emergency")?,
        extra,
    })
}

/// The `/schema/` documents, as the provider's page shows them (fields abridged to
/// what tally reads and its filters).
fn schema(resource: &str) -> Option<Value> {
    let field =
        |ty: &str, nullable: bool| json!({"type": ty, "nullable": nullable, "readonly": false});
    let (ordering, fields, filtering) = match resource {
        "customer" => (
            json!(["name", "created_at"]),
            json!({"id": field("integer", false), "name": field("string", false),
                   "reported_user_count": field("integer", true), "reseller": field("related", false),
                   "created_at": field("datetime", false), "updated_at": field("datetime", false)}),
            json!({"name": 1, "reseller": ["exact"]}),
        ),
        "contact_customer" => (
            json!([
                "first_name",
                "last_name",
                "email",
                "is_technical",
                "is_billing",
                "is_emergency"
            ]),
            json!({"id": field("integer", false), "email": field("string", false),
                   "first_name": field("string", false), "last_name": field("string", false),
                   "is_billing": field("boolean", false), "is_technical": field("boolean", false),
                   "is_emergency": field("boolean", false), "customer": field("related", false)}),
            json!({"email": 1, "customer": ["exact"]}),
        ),
        "admins" => (
            json!(["username", "date_joined", "last_login"]),
            json!({"id": field("integer", false), "username": field("string", false),
                   "email": field("string", false), "is_active": field("boolean", false),
                   "date_joined": field("datetime", false), "last_login": field("datetime", false)}),
            json!({"customer": ["exact"], "reseller": ["exact"]}),
        ),
        "reseller" => (
            json!(["name"]),
            json!({"id": field("integer", false), "name": field("string", false)}),
            json!({"name": 1}),
        ),
        _ => return None,
    };
    Some(json!({
        "ordering": ordering,
        "fields": fields,
        "allowed_detail_http_methods": ["get", "post", "put", "patch", "delete"],
        "allowed_list_http_methods": ["get", "post", "put", "patch", "delete"],
        "filtering": filtering,
        "default_format": "application/json",
        "default_limit": DEFAULT_LIMIT,
    }))
}

/// MailRoute: `Authorization: ApiKey login:key`; anything else gets 401, empty.
#[allow(clippy::result_large_err)]
pub(super) fn check_api_key(
    options: &super::state::SandboxOptions,
    headers: &HeaderMap,
) -> Result<(), Response> {
    let expected = format!(
        "ApiKey {}:{}",
        options.mailroute_login, options.mailroute_api_key
    );
    match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        Some(given) if given == expected => Ok(()),
        _ => Err(unauthorized()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::{World, WorldOptions};

    #[test]
    fn the_mailroute_world_overlaps_the_rackspace_one() {
        let world = World::generate(WorldOptions::default());
        let mr = MrWorld::generate(&world);
        let domains: Vec<String> = world.customers.iter().map(|c| c.domain.clone()).collect();
        let matched = mr
            .customers
            .iter()
            .filter(|c| domains.iter().any(|d| d.eq_ignore_ascii_case(&c.name)))
            .count();
        assert_eq!(matched, mr.customers.len() - 2, "two on MailRoute only");
        assert!(
            mr.customers
                .iter()
                .any(|c| c.name.chars().next().unwrap().is_uppercase())
        );
        assert!(mr.customers.iter().any(|c| c.reported_user_count.is_none()));
        assert!(mr.customers.iter().any(|c| c.contacts.is_empty()));
        assert!(
            mr.customers
                .iter()
                .any(|c| !c.contacts.is_empty() && c.contacts.iter().all(|k| !k.is_billing))
        );
        assert!(
            mr.customers.len() > MAX_LIMIT as usize,
            "lists take more than one page"
        );
    }

    #[test]
    fn huge_or_negative_paging_is_a_400_never_a_panic() {
        let all: Vec<Value> = (0..5).map(|i| json!({ "id": i })).collect();
        for bad in [
            "offset=-1",
            "limit=-1",
            "offset=18446744073709551615",
            "offset=1000000001",
            "limit=99999999999999999999999",
        ] {
            let q: HashMap<String, String> = bad
                .split_once('=')
                .map(|(k, v)| HashMap::from([(k.to_owned(), v.to_owned())]))
                .unwrap();
            assert_eq!(
                page("/api/v1/customer/", &[], all.clone(), &q).status(),
                StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
        let q = HashMap::from([
            ("offset".to_owned(), MAX_OFFSET.to_string()),
            ("limit".to_owned(), u64::MAX.to_string()),
        ]);
        assert_eq!(page("/x/", &[], all, &q).status(), StatusCode::OK);
    }

    #[test]
    fn dates_are_rfc_2822_in_pacific_time_with_one_digit_days() {
        assert_eq!(date(0), "Mon, 18 Feb 2013 10:10:15 -0800");
        let all: Vec<String> = (0..2_000).map(date).collect();
        assert!(
            all.iter()
                .all(|d| chrono::DateTime::parse_from_rfc2822(d).is_ok())
        );
        let one_digit_day = |d: &&String| d.as_bytes()[6] == b' ';
        assert!(all.iter().filter(one_digit_day).count() > 100);
        assert!(all.iter().any(|d| d.ends_with("-0700")));
        assert!(all.iter().any(|d| d.ends_with("-0800")));
    }
}
