//! The MailRoute write operations: customers (create, update, delete), customer
//! contacts (create, update, delete) and customer admins (create, delete). An
//! update sends the whole object (Tastypie's PUT resets a field left out): it is
//! read just before and only the fields given change.

use std::sync::Arc;

use futures::TryStreamExt;
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::check;
use super::{Client, Context, Done, Write, text};
use crate::UsageError;
use crate::api::mailroute::wire;
use crate::store::MrObject;

const PROVIDER: &str = "mailroute";

/// A contact's optional text fields as given (`None`: not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFields {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zipcode: Option<String>,
    pub country: Option<String>,
}

/// A contact to create under a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    pub customer: i64,
    pub email: String,
    pub fields: ContactFields,
    pub billing: bool,
    pub technical: bool,
    pub emergency: bool,
}

/// A contact's changes (`None`: kept as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactChanges {
    pub id: i64,
    pub email: Option<String>,
    pub fields: ContactFields,
    pub billing: Option<bool>,
    pub technical: Option<bool>,
    pub emergency: Option<bool>,
}
/// A contact's optional text fields, as the schema names them.
const CONTACT_TEXT_FIELDS: [&str; 9] = [
    "first_name",
    "last_name",
    "phone",
    "address",
    "address2",
    "city",
    "state",
    "zipcode",
    "country",
];

fn client(ctx: &Context<'_>) -> Arc<crate::api::mailroute::Client> {
    match &ctx.client {
        Client::Mailroute(c) => Arc::clone(c),
        Client::Rackspace(_) => unreachable!("a MailRoute command has a MailRoute client"),
    }
}

fn customer_fields(c: &wire::Customer) -> Vec<(&'static str, Value)> {
    vec![
        ("id", Value::from(c.id)),
        ("name", Value::from(c.name.as_str())),
        (
            "reseller",
            c.reseller
                .as_deref()
                .and_then(wire::uri_id)
                .map_or(Value::Null, Value::from),
        ),
        (
            "reported_user_count",
            c.reported_user_count.map_or(Value::Null, Value::from),
        ),
    ]
}

fn contact_fields(k: &wire::Contact) -> Vec<(&'static str, Value)> {
    vec![
        ("id", Value::from(k.id)),
        (
            "customer",
            k.customer
                .as_deref()
                .and_then(wire::uri_id)
                .map_or(Value::Null, Value::from),
        ),
        ("email", text(&k.email)),
        ("first_name", text(&k.first_name)),
        ("last_name", text(&k.last_name)),
        ("phone", text(&k.phone)),
        ("billing", Value::from(k.is_billing)),
        ("technical", Value::from(k.is_technical)),
        ("emergency", Value::from(k.is_emergency)),
    ]
}

fn admin_fields(customer: i64, a: &wire::Admin) -> Vec<(&'static str, Value)> {
    vec![
        ("id", Value::from(a.id)),
        ("customer", Value::from(customer)),
        ("username", Value::from(a.username.as_str())),
        ("email", text(&a.email)),
        ("active", Value::from(a.is_active)),
    ]
}

/// An object of a path, or an error naming what is not there.
fn read<T: serde::de::DeserializeOwned>(
    ctx: &Context<'_>,
    path: &str,
    what: &str,
) -> anyhow::Result<(T, Value)> {
    let mr = client(ctx);
    let Some(value) = ctx.block(mr.object(path))? else {
        anyhow::bail!("MailRoute has no {what} ({})", mr.url(path));
    };
    let typed = serde_json::from_value(value.clone())
        .map_err(|e| anyhow::anyhow!("MailRoute's {what} does not read: {e}"))?;
    Ok((typed, value))
}

fn read_back_customer(
    ctx: &mut Context<'_>,
    id: i64,
    action_id: i64,
) -> anyhow::Result<wire::Customer> {
    let (customer, _): (wire::Customer, _) =
        read(ctx, &format!("customer/{id}/"), &format!("customer {id}"))?;
    let row = crate::sync::mailroute::customer_row(customer.clone());
    ctx.store().write_mr_customer(&row, action_id)?;
    Ok(customer)
}

fn read_back_contact(
    ctx: &mut Context<'_>,
    id: i64,
    action_id: i64,
) -> anyhow::Result<wire::Contact> {
    let (contact, _): (wire::Contact, _) = read(
        ctx,
        &format!("contact_customer/{id}/"),
        &format!("contact {id}"),
    )?;
    let customer = contact
        .customer
        .as_deref()
        .and_then(wire::uri_id)
        .unwrap_or(0);
    let row = crate::sync::mailroute::contact_row(contact.clone(), customer);
    ctx.store().write_mr_contact(&row, action_id)?;
    Ok(contact)
}

/// The id in a created object's body, else at the end of its `Location` (an
/// absolute `https://` URL on MailRoute's host: read, never followed).
fn created_id(response: &crate::api::http::Response) -> Option<i64> {
    serde_json::from_slice::<Value>(&response.body)
        .ok()
        .and_then(|v| v.get("id").and_then(Value::as_i64))
        .or_else(|| {
            let location = response
                .headers
                .get(reqwest::header::LOCATION)?
                .to_str()
                .ok()?;
            wire::uri_id(location)
        })
}

/// `tally mailroute customer create`.
pub fn customer_create(ctx: &mut Context<'_>, name: &str, reseller: i64) -> anyhow::Result<Done> {
    if name.trim().is_empty() {
        return Err(UsageError("--name: This field is required.".into()).into());
    }
    let key = format!("name {name}");
    let write = Write {
        operation: "customer create",
        target: None,
        method: Method::POST,
        path: "customer/".into(),
        body: Some(json!({"name": name, "reseller": format!("/api/v1/reseller/{reseller}/")})),
        secrets: &[],
        lookup_key: Some(key.clone()),
        check: format!(
            "run the same command again: tally looks for a customer named {name:?} first and creates it only if it is not there"
        ),
    };
    if let Some(plan) = ctx.dry_run_of(&write) {
        return Ok(plan);
    }
    let mr = client(ctx);
    let find = |ctx: &Context<'_>| -> anyhow::Result<Option<String>> {
        let found: Vec<wire::Customer> = ctx.block(mr.customers_named(name).try_collect())?;
        Ok(found
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.id.to_string()))
    };
    if let Some((earlier, id)) = ctx.settle_unknown(PROVIDER, write.operation, &key, find)? {
        let id: i64 = id.parse()?;
        let customer = read_back_customer(ctx, id, earlier)?;
        return Ok(Done::Result {
            outcome: "exists",
            fields: customer_fields(&customer),
        });
    }
    let applied = ctx.send(&write)?;
    // The id from the answer, else (a 202 with an empty body) by the name.
    let id = match created_id(&applied.response) {
        Some(id) => Some(id),
        None => find(ctx)?.and_then(|id| id.parse().ok()),
    };
    let Some(id) = id else {
        anyhow::bail!(
            "the customer was created (action {}) but its id is neither in the answer nor found by its name; run `tally sync mailroute`",
            applied.action_id
        );
    };
    ctx.store()
        .set_action_result(applied.action_id, &id.to_string())?;
    let customer = read_back_customer(ctx, id, applied.action_id)?;
    Ok(Done::Result {
        outcome: "created",
        fields: customer_fields(&customer),
    })
}

/// `tally mailroute customer update`: a new name, the reseller sent back as read.
pub fn customer_update(ctx: &mut Context<'_>, id: i64, name: &str) -> anyhow::Result<Done> {
    if name.trim().is_empty() {
        return Err(UsageError("--name: This field is required.".into()).into());
    }
    let path = format!("customer/{id}/");
    let (current, _): (wire::Customer, _) = read(ctx, &path, &format!("customer {id}"))?;
    let mut body = Map::new();
    body.insert("name".into(), Value::from(name));
    if let Some(reseller) = &current.reseller {
        body.insert("reseller".into(), Value::from(reseller.as_str()));
    }
    let write = Write {
        operation: "customer update",
        target: Some(id.to_string()),
        method: Method::PUT,
        path,
        body: Some(Value::Object(body)),
        secrets: &[],
        lookup_key: None,
        check: "run the same command again (an update sets the same name twice without harm)"
            .into(),
    };
    if let Some(plan) = ctx.dry_run_of(&write) {
        return Ok(plan);
    }
    let applied = ctx.send(&write)?;
    let customer = read_back_customer(ctx, id, applied.action_id)?;
    Ok(Done::Result {
        outcome: "updated",
        fields: customer_fields(&customer),
    })
}

/// `tally mailroute customer delete`.
pub fn customer_delete(ctx: &mut Context<'_>, id: i64) -> anyhow::Result<Done> {
    let path = format!("customer/{id}/");
    let (current, _): (wire::Customer, _) = read(ctx, &path, &format!("customer {id}"))?;
    let write = Write {
        operation: "customer delete",
        target: Some(id.to_string()),
        method: Method::DELETE,
        path,
        body: None,
        secrets: &[],
        lookup_key: None,
        check: format!("run `tally sync mailroute` and see whether customer {id} is still listed"),
    };
    let question = format!("Delete MailRoute customer {id} ({})?", current.name);
    match delete(ctx, &write, &question, MrObject::Customer, id)? {
        None => Ok(Done::DryRun(ctx.plan(&write))),
        Some(()) => Ok(Done::Result {
            outcome: "deleted",
            fields: customer_fields(&current),
        }),
    }
}

/// Confirms, sends a delete and marks the object deleted; `None` on a dry run.
fn delete(
    ctx: &mut Context<'_>,
    write: &Write,
    question: &str,
    object: MrObject,
    id: i64,
) -> anyhow::Result<Option<()>> {
    if ctx.dry_run() {
        return Ok(None);
    }
    if !(ctx.confirm)(question)? {
        anyhow::bail!("not deleted: not confirmed");
    }
    let applied = ctx.send(write)?;
    ctx.store().mark_mr_deleted(object, id, applied.action_id)?;
    Ok(Some(()))
}

/// The text fields given, by their API names.
fn given_text(f: &ContactFields) -> Vec<(&'static str, &String)> {
    [
        ("first_name", &f.first_name),
        ("last_name", &f.last_name),
        ("phone", &f.phone),
        ("address", &f.address),
        ("address2", &f.address2),
        ("city", &f.city),
        ("state", &f.state),
        ("zipcode", &f.zipcode),
        ("country", &f.country),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
    .collect()
}

fn check_email(email: &str) -> Result<(), UsageError> {
    if email.trim().is_empty() {
        return Err(UsageError("--email: This field is required.".into()));
    }
    if !check::email(email) {
        return Err(UsageError(format!(
            "--email: \"{email}\" is not a valid e-mail address"
        )));
    }
    Ok(())
}

/// `tally mailroute contact create`.
pub fn contact_create(ctx: &mut Context<'_>, args: &NewContact) -> anyhow::Result<Done> {
    check_email(&args.email)?;
    let mut body = Map::new();
    body.insert("email".into(), Value::from(args.email.as_str()));
    body.insert(
        "customer".into(),
        Value::from(format!("/api/v1/customer/{}/", args.customer)),
    );
    for (k, v) in given_text(&args.fields) {
        body.insert(k.into(), Value::from(v.as_str()));
    }
    body.insert("is_billing".into(), Value::from(args.billing));
    body.insert("is_technical".into(), Value::from(args.technical));
    body.insert("is_emergency".into(), Value::from(args.emergency));
    let key = format!("e-mail {} of customer {}", args.email, args.customer);
    let write = Write {
        operation: "contact create",
        target: None,
        method: Method::POST,
        path: "contact_customer/".into(),
        body: Some(Value::Object(body)),
        secrets: &[],
        lookup_key: Some(key.clone()),
        check: format!(
            "run the same command again: tally looks for a contact with the {key} first and creates it only if it is not there"
        ),
    };
    if let Some(plan) = ctx.dry_run_of(&write) {
        return Ok(plan);
    }
    let mr = client(ctx);
    let (customer, email) = (args.customer, args.email.clone());
    let find = |ctx: &Context<'_>| -> anyhow::Result<Option<String>> {
        let found: Vec<wire::Contact> = ctx.block(mr.contacts(customer).try_collect())?;
        Ok(found
            .iter()
            .filter(|k| {
                k.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(&email))
            })
            .map(|k| k.id)
            .max()
            .map(|id| id.to_string()))
    };
    if let Some((earlier, id)) = ctx.settle_unknown(PROVIDER, write.operation, &key, find)? {
        let contact = read_back_contact(ctx, id.parse()?, earlier)?;
        return Ok(Done::Result {
            outcome: "exists",
            fields: contact_fields(&contact),
        });
    }
    let applied = ctx.send(&write)?;
    // The id from the answer, else (a 202 with an empty body) by the e-mail.
    let id = match created_id(&applied.response) {
        Some(id) => Some(id),
        None => find(ctx)?.and_then(|id| id.parse().ok()),
    };
    let Some(id) = id else {
        anyhow::bail!(
            "the contact was created (action {}) but its id is neither in the answer nor found by its e-mail; run `tally sync mailroute`",
            applied.action_id
        );
    };
    ctx.store()
        .set_action_result(applied.action_id, &id.to_string())?;
    let contact = read_back_contact(ctx, id, applied.action_id)?;
    Ok(Done::Result {
        outcome: "created",
        fields: contact_fields(&contact),
    })
}

/// `tally mailroute contact update`: read, change the fields given, send it all.
pub fn contact_update(ctx: &mut Context<'_>, args: &ContactChanges) -> anyhow::Result<Done> {
    let given = given_text(&args.fields);
    if given.is_empty()
        && args.email.is_none()
        && args.billing.is_none()
        && args.technical.is_none()
        && args.emergency.is_none()
    {
        return Err(UsageError(
            "nothing to change: give at least one field (--email, --first-name, ..., --billing true|false)".into(),
        )
        .into());
    }
    if let Some(email) = &args.email {
        check_email(email)?;
    }
    let path = format!("contact_customer/{}/", args.id);
    let (_, current): (wire::Contact, Value) = read(ctx, &path, &format!("contact {}", args.id))?;
    let mut body = Map::new();
    let keep = |body: &mut Map<String, Value>, key: &str| {
        if let Some(v) = current.get(key).filter(|v| !v.is_null()) {
            body.insert(key.to_owned(), v.clone());
        }
    };
    keep(&mut body, "email");
    keep(&mut body, "customer");
    for key in CONTACT_TEXT_FIELDS {
        keep(&mut body, key);
    }
    for key in ["is_billing", "is_technical", "is_emergency"] {
        keep(&mut body, key);
    }
    if let Some(email) = &args.email {
        body.insert("email".into(), Value::from(email.as_str()));
    }
    for (k, v) in given {
        body.insert(k.into(), Value::from(v.as_str()));
    }
    for (key, value) in [
        ("is_billing", args.billing),
        ("is_technical", args.technical),
        ("is_emergency", args.emergency),
    ] {
        if let Some(value) = value {
            body.insert(key.into(), Value::from(value));
        }
    }
    let write = Write {
        operation: "contact update",
        target: Some(args.id.to_string()),
        method: Method::PUT,
        path,
        body: Some(Value::Object(body)),
        secrets: &[],
        lookup_key: None,
        check: "run the same command again (an update sets the same values twice without harm)"
            .into(),
    };
    if let Some(plan) = ctx.dry_run_of(&write) {
        return Ok(plan);
    }
    let applied = ctx.send(&write)?;
    let contact = read_back_contact(ctx, args.id, applied.action_id)?;
    Ok(Done::Result {
        outcome: "updated",
        fields: contact_fields(&contact),
    })
}

/// `tally mailroute contact delete`.
pub fn contact_delete(ctx: &mut Context<'_>, id: i64) -> anyhow::Result<Done> {
    let path = format!("contact_customer/{id}/");
    let (current, _): (wire::Contact, _) = read(ctx, &path, &format!("contact {id}"))?;
    let write = Write {
        operation: "contact delete",
        target: Some(id.to_string()),
        method: Method::DELETE,
        path,
        body: None,
        secrets: &[],
        lookup_key: None,
        check: format!("run `tally sync mailroute` and see whether contact {id} is still listed"),
    };
    let question = format!(
        "Delete MailRoute contact {id} ({})?",
        current.email.as_deref().unwrap_or("")
    );
    match delete(ctx, &write, &question, MrObject::Contact, id)? {
        None => Ok(Done::DryRun(ctx.plan(&write))),
        Some(()) => Ok(Done::Result {
            outcome: "deleted",
            fields: contact_fields(&current),
        }),
    }
}

/// The admins of a customer.
fn admins(ctx: &Context<'_>, customer: i64) -> anyhow::Result<Vec<wire::Admin>> {
    let mr = client(ctx);
    Ok(ctx.block(mr.admins(customer).try_collect())?)
}

/// `tally mailroute admin create`.
pub fn admin_create(
    ctx: &mut Context<'_>,
    customer: i64,
    email: &str,
    send_welcome: bool,
) -> anyhow::Result<Done> {
    check::mailroute_username(email)?;
    let key = format!("username {email} of customer {customer}");
    let write = Write {
        operation: "admin create",
        target: Some(customer.to_string()),
        method: Method::POST,
        path: format!("admins/customer/{customer}/"),
        body: Some(json!({"email": email, "send_welcome": send_welcome})),
        secrets: &[],
        lookup_key: Some(key.clone()),
        check: format!(
            "run the same command again: tally looks for an admin with the {key} first and creates it only if it is not there"
        ),
    };
    if let Some(plan) = ctx.dry_run_of(&write) {
        return Ok(plan);
    }
    let find = |ctx: &Context<'_>| -> anyhow::Result<Option<String>> {
        Ok(admins(ctx, customer)?
            .into_iter()
            .find(|a| a.username.eq_ignore_ascii_case(email))
            .map(|a| a.id.to_string()))
    };
    let (outcome, action_id, id) = match ctx.settle_unknown(
        PROVIDER,
        write.operation,
        &key,
        find,
    )? {
        Some((earlier, id)) => ("exists", earlier, id.parse::<i64>()?),
        None => {
            let applied = ctx.send(&write)?;
            let id = match created_id(&applied.response) {
                    Some(id) => id,
                    None => admins(ctx, customer)?
                        .into_iter()
                        .find(|a| a.username.eq_ignore_ascii_case(email))
                        .map(|a| a.id)
                        .ok_or_else(|| anyhow::anyhow!("the admin was created (action {}) but is not listed yet; run `tally sync mailroute`", applied.action_id))?,
                };
            ctx.store()
                .set_action_result(applied.action_id, &id.to_string())?;
            ("created", applied.action_id, id)
        }
    };
    let Some(admin) = admins(ctx, customer)?.into_iter().find(|a| a.id == id) else {
        anyhow::bail!(
            "admin {id} of customer {customer} is not listed after its creation; run `tally sync mailroute`"
        );
    };
    let row = crate::sync::mailroute::admin_row(admin.clone(), customer);
    ctx.store().write_mr_admin(&row, action_id)?;
    Ok(Done::Result {
        outcome,
        fields: admin_fields(customer, &admin),
    })
}

/// `tally mailroute admin delete`.
pub fn admin_delete(ctx: &mut Context<'_>, customer: i64, admin_id: i64) -> anyhow::Result<Done> {
    let Some(admin) = admins(ctx, customer)?
        .into_iter()
        .find(|a| a.id == admin_id)
    else {
        anyhow::bail!("MailRoute customer {customer} has no admin {admin_id}");
    };
    let write = Write {
        operation: "admin delete",
        target: Some(format!("{customer}/{admin_id}")),
        method: Method::DELETE,
        path: format!("admins/customer/{customer}/admin/{admin_id}/"),
        body: None,
        secrets: &[],
        lookup_key: None,
        check: format!(
            "run `tally sync mailroute` and see whether admin {admin_id} is still listed"
        ),
    };
    let question = format!(
        "Delete admin {admin_id} ({}) of MailRoute customer {customer}?",
        admin.username
    );
    match delete(ctx, &write, &question, MrObject::Admin, admin_id)? {
        None => Ok(Done::DryRun(ctx.plan(&write))),
        Some(()) => Ok(Done::Result {
            outcome: "deleted",
            fields: admin_fields(customer, &admin),
        }),
    }
}
