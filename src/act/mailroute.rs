//! The MailRoute write operations: customers (create, update, delete), customer
//! contacts (create, update, delete) and customer admins (create, delete). An
//! update sends the whole object (Tastypie's PUT resets a field left out): it is
//! read just before and only the fields given change. Paths and bodies are the
//! client's typed writes; the skeleton is [`Context::perform`].

use futures::TryStreamExt;
use serde_json::Value;

use super::check;
use super::{Done, Outcome, Write, text};
use crate::UsageError;
use crate::api::ProviderClient;
use crate::api::mailroute::{Client, ContactBody, contact_path, customer_path, customer_uri, wire};
use crate::rows::mailroute as to_row;
use crate::store::MrObject;

/// What a MailRoute operation acts with.
pub type Context<'a> = super::Context<'a, Client>;

/// A contact's optional text fields as given (`None`: not given); its other
/// fields are left `None` here.
pub use crate::api::mailroute::ContactBody as ContactFields;

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
    let Some(value) = ctx.block(ctx.client.object(path))? else {
        anyhow::bail!("MailRoute has no {what} ({})", ctx.client.url(path));
    };
    let typed = serde_json::from_value(value.clone())
        .map_err(|e| anyhow::anyhow!("MailRoute's {what} does not read: {e}"))?;
    Ok((typed, value))
}

fn read_customer(ctx: &Context<'_>, id: i64) -> anyhow::Result<wire::Customer> {
    Ok(read(ctx, &customer_path(id), &format!("customer {id}"))?.0)
}

fn read_back_customer(
    ctx: &mut Context<'_>,
    id: i64,
    action_id: i64,
) -> anyhow::Result<wire::Customer> {
    let customer = read_customer(ctx, id)?;
    ctx.store()?
        .write_mr_row(&to_row::customer(customer.clone()), action_id)?;
    Ok(customer)
}

fn read_back_contact(
    ctx: &mut Context<'_>,
    id: i64,
    action_id: i64,
) -> anyhow::Result<wire::Contact> {
    let (contact, _): (wire::Contact, _) = read(ctx, &contact_path(id), &format!("contact {id}"))?;
    let customer = contact
        .customer
        .as_deref()
        .and_then(wire::uri_id)
        .unwrap_or(0);
    ctx.store()?
        .write_mr_row(&to_row::contact(contact.clone(), customer), action_id)?;
    Ok(contact)
}

/// The id in a created object's body, else at the end of its `Location` (an
/// absolute `https://` URL on MailRoute's host: read, never followed).
fn created_id(response: &crate::api::http::Response) -> Option<String> {
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
        .map(|id| id.to_string())
}

/// The id a create made or found.
fn new_id(applied: &super::Applied) -> anyhow::Result<i64> {
    let id = applied.id.as_deref().unwrap_or_default();
    id.parse()
        .map_err(|_| anyhow::anyhow!("MailRoute's id {id:?} is not a number"))
}

/// The outcome of a create: made now, or found made by an earlier action.
fn created(applied: &super::Applied) -> Outcome {
    if applied.existed() {
        Outcome::Exists
    } else {
        Outcome::Created
    }
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
        request: ctx.client.customer_create(name, reseller),
        check: format!(
            "run the same command again: tally looks for a customer named {name:?} first and creates it only if it is not there"
        ),
        confirm: None,
    };
    let find = |ctx: &Context<'_>| -> anyhow::Result<Option<String>> {
        let found: Vec<wire::Customer> =
            ctx.block(ctx.client.customers_named(name).try_collect())?;
        Ok(found
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.id.to_string()))
    };
    let applied = match ctx.create(&write, &key, &find, Some(created_id))? {
        Ok(applied) => applied,
        Err(plan) => return Ok(plan),
    };
    let customer = read_back_customer(ctx, new_id(&applied)?, applied.action_id)?;
    Ok(Done::Result {
        outcome: created(&applied),
        fields: customer_fields(&customer),
    })
}

/// `tally mailroute customer update`: a new name, the reseller sent back as read.
pub fn customer_update(ctx: &mut Context<'_>, id: i64, name: &str) -> anyhow::Result<Done> {
    if name.trim().is_empty() {
        return Err(UsageError("--name: This field is required.".into()).into());
    }
    let current = read_customer(ctx, id)?;
    let write = Write {
        operation: "customer update",
        target: Some(id.to_string()),
        request: ctx
            .client
            .customer_update(id, name, current.reseller.as_deref()),
        check: "run the same command again (an update sets the same name twice without harm)"
            .into(),
        confirm: None,
    };
    let Some(applied) = ctx.perform(&write, None)? else {
        return Ok(Done::DryRun(ctx.plan(&write)));
    };
    let customer = read_back_customer(ctx, id, applied.action_id)?;
    Ok(Done::Result {
        outcome: Outcome::Updated,
        fields: customer_fields(&customer),
    })
}

/// Sends a delete (confirmed) and marks the object deleted; the plan on a dry run.
fn delete(
    ctx: &mut Context<'_>,
    write: &Write,
    object: MrObject,
    id: i64,
    fields: Vec<(&'static str, Value)>,
) -> anyhow::Result<Done> {
    let Some(applied) = ctx.perform(write, None)? else {
        return Ok(Done::DryRun(ctx.plan(write)));
    };
    ctx.store()?
        .mark_mr_deleted(object, id, applied.action_id)?;
    Ok(Done::Result {
        outcome: Outcome::Deleted,
        fields,
    })
}

/// `tally mailroute customer delete`.
pub fn customer_delete(ctx: &mut Context<'_>, id: i64) -> anyhow::Result<Done> {
    let current = read_customer(ctx, id)?;
    let write = Write {
        operation: "customer delete",
        target: Some(id.to_string()),
        request: ctx.client.customer_delete(id),
        check: format!("run `tally sync mailroute` and see whether customer {id} is still listed"),
        confirm: Some(format!(
            "Delete MailRoute customer {id} ({})?",
            current.name
        )),
    };
    delete(
        ctx,
        &write,
        MrObject::Customer,
        id,
        customer_fields(&current),
    )
}

fn check_email(email: &str) -> Result<(), UsageError> {
    if email.trim().is_empty() {
        return Err(UsageError("--email: This field is required.".into()));
    }
    if !crate::ids::is_email(email) {
        return Err(UsageError(format!(
            "--email: \"{email}\" is not a valid e-mail address"
        )));
    }
    Ok(())
}

/// `tally mailroute contact create`.
pub fn contact_create(ctx: &mut Context<'_>, args: &NewContact) -> anyhow::Result<Done> {
    check_email(&args.email)?;
    let contact = ContactBody {
        email: Some(args.email.clone()),
        customer: Some(customer_uri(args.customer)),
        is_billing: Some(args.billing),
        is_technical: Some(args.technical),
        is_emergency: Some(args.emergency),
        ..args.fields.clone()
    };
    let key = format!("e-mail {} of customer {}", args.email, args.customer);
    let write = Write {
        operation: "contact create",
        target: None,
        request: ctx.client.contact_create(&contact),
        check: format!(
            "run the same command again: tally looks for a contact with the {key} first and creates it only if it is not there"
        ),
        confirm: None,
    };
    let (customer, email) = (args.customer, args.email.clone());
    let find = |ctx: &Context<'_>| -> anyhow::Result<Option<String>> {
        let found: Vec<wire::Contact> = ctx.block(ctx.client.contacts(customer).try_collect())?;
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
    let applied = match ctx.create(&write, &key, &find, Some(created_id))? {
        Ok(applied) => applied,
        Err(plan) => return Ok(plan),
    };
    let contact = read_back_contact(ctx, new_id(&applied)?, applied.action_id)?;
    Ok(Done::Result {
        outcome: created(&applied),
        fields: contact_fields(&contact),
    })
}

/// `tally mailroute contact update`: read, change the fields given, send it all.
pub fn contact_update(ctx: &mut Context<'_>, args: &ContactChanges) -> anyhow::Result<Done> {
    let changes = ContactBody {
        email: args.email.clone(),
        is_billing: args.billing,
        is_technical: args.technical,
        is_emergency: args.emergency,
        ..args.fields.clone()
    };
    if changes == ContactBody::default() {
        return Err(UsageError(
            "nothing to change: give at least one field (--email, --first-name, ..., --billing true|false)".into(),
        )
        .into());
    }
    if let Some(email) = &args.email {
        check_email(email)?;
    }
    let id = args.id;
    let (_, current): (wire::Contact, Value) =
        read(ctx, &contact_path(id), &format!("contact {id}"))?;
    let contact = changes.or(ContactBody::from_object(&current));
    let write = Write {
        operation: "contact update",
        target: Some(id.to_string()),
        request: ctx.client.contact_update(id, &contact),
        check: "run the same command again (an update sets the same values twice without harm)"
            .into(),
        confirm: None,
    };
    let Some(applied) = ctx.perform(&write, None)? else {
        return Ok(Done::DryRun(ctx.plan(&write)));
    };
    let contact = read_back_contact(ctx, id, applied.action_id)?;
    Ok(Done::Result {
        outcome: Outcome::Updated,
        fields: contact_fields(&contact),
    })
}

/// `tally mailroute contact delete`.
pub fn contact_delete(ctx: &mut Context<'_>, id: i64) -> anyhow::Result<Done> {
    let (current, _): (wire::Contact, _) = read(ctx, &contact_path(id), &format!("contact {id}"))?;
    let write = Write {
        operation: "contact delete",
        target: Some(id.to_string()),
        request: ctx.client.contact_delete(id),
        check: format!("run `tally sync mailroute` and see whether contact {id} is still listed"),
        confirm: Some(format!(
            "Delete MailRoute contact {id} ({})?",
            current.email.as_deref().unwrap_or("")
        )),
    };
    delete(ctx, &write, MrObject::Contact, id, contact_fields(&current))
}

/// The admins of a customer.
fn admins(ctx: &Context<'_>, customer: i64) -> anyhow::Result<Vec<wire::Admin>> {
    Ok(ctx.block(ctx.client.admins(customer).try_collect())?)
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
        request: ctx.client.admin_create(customer, email, send_welcome),
        check: format!(
            "run the same command again: tally looks for an admin with the {key} first and creates it only if it is not there"
        ),
        confirm: None,
    };
    let find = |ctx: &Context<'_>| -> anyhow::Result<Option<String>> {
        Ok(admins(ctx, customer)?
            .into_iter()
            .find(|a| a.username.eq_ignore_ascii_case(email))
            .map(|a| a.id.to_string()))
    };
    let applied = match ctx.create(&write, &key, &find, Some(created_id))? {
        Ok(applied) => applied,
        Err(plan) => return Ok(plan),
    };
    let id = new_id(&applied)?;
    let Some(admin) = admins(ctx, customer)?.into_iter().find(|a| a.id == id) else {
        anyhow::bail!(
            "admin {id} of customer {customer} is not listed after its creation; run `tally sync mailroute`"
        );
    };
    ctx.store()?
        .write_mr_row(&to_row::admin(admin.clone(), customer), applied.action_id)?;
    Ok(Done::Result {
        outcome: created(&applied),
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
        request: ctx.client.admin_delete(customer, admin_id),
        check: format!(
            "run `tally sync mailroute` and see whether admin {admin_id} is still listed"
        ),
        confirm: Some(format!(
            "Delete admin {admin_id} ({}) of MailRoute customer {customer}?",
            admin.username
        )),
    };
    delete(
        ctx,
        &write,
        MrObject::Admin,
        admin_id,
        admin_fields(customer, &admin),
    )
}
