//! The Rackspace write operations: customers (add, edit, enable, disable, delete),
//! login tokens, and contacts (add, edit, delete). Edits send the whole object: the
//! customer or contact is read just before, only the fields given change, the rest
//! go back as read (a contact's security question and answer included, held as
//! secrets and never shown or stored).

use std::sync::Arc;

use futures::TryStreamExt;
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::check::{self, ContactFields, LAST_BILLING_CONTACT};
use super::{Client, Context, Done, Write, text};
use crate::UsageError;
use crate::api::rackspace::segment;
use crate::api::rackspace::wire;
use crate::api::secret::Secret;
use crate::ids::AccountNumber;
use crate::store::Lineage;

const PROVIDER: &str = "rackspace";

/// A customer's fields as given to `customer add` or `customer edit` (`None`: not
/// given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFields {
    pub name: Option<String>,
    pub reference_number: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A contact to add: its fields as given, the security answer already read (from
/// the environment variable the command names, never the command line; `None`:
/// none named).
#[derive(Debug, Clone)]
pub struct NewContact {
    pub account: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub security_question: Option<String>,
    pub security_answer: Option<Secret>,
    pub receives_alerts: bool,
    pub receives_billing: bool,
    pub receives_updates: bool,
}

/// A contact's changes for `contact edit` (`None`: kept as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactChanges {
    pub account: String,
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub receives_alerts: Option<bool>,
    pub receives_billing: Option<bool>,
    pub receives_updates: Option<bool>,
}
/// Body keys that are secrets.
const SECRETS: &[&str] = &["SecurityQuestion", "SecurityAnswer"];
/// One enable/disable per account in this many minutes.
const TOGGLE_MINUTES: i64 = 5;

fn client(ctx: &Context<'_>) -> Arc<crate::api::rackspace::Client> {
    match &ctx.client {
        Client::Rackspace(c) => Arc::clone(c),
        Client::Mailroute(_) => unreachable!("a Rackspace command has a Rackspace client"),
    }
}

/// A sub-account number from the command line.
fn sub_account(account: &str) -> Result<String, UsageError> {
    AccountNumber::parse(account.trim())
        .map(|n| n.as_str().to_owned())
        .map_err(|e| UsageError(format!("ACCOUNT: {e}")))
}

/// An account from the command line: a number, or `me`.
fn any_account(account: &str) -> Result<String, UsageError> {
    if account.trim().eq_ignore_ascii_case("me") {
        return Ok("me".to_owned());
    }
    sub_account(account)
}

/// The customer fields given, by their API names.
fn given_fields(f: &CustomerFields) -> Vec<(&'static str, &String)> {
    [
        ("name", &f.name),
        ("referenceNumber", &f.reference_number),
        ("addressLine1", &f.address_line1),
        ("addressLine2", &f.address_line2),
        ("city", &f.city),
        ("state", &f.state),
        ("zip", &f.zip),
        ("country", &f.country),
        ("phone", &f.phone),
        ("email", &f.email),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.as_ref().map(|v| (key, v)))
    .collect()
}

fn customer_fields(c: &wire::Customer) -> Vec<(&'static str, Value)> {
    vec![
        ("account", Value::from(c.account_number.as_str())),
        ("name", text(&c.name)),
        ("reference_number", text(&c.reference_number)),
        ("address_line1", text(&c.address_line1)),
        ("address_line2", text(&c.address_line2)),
        ("city", text(&c.city)),
        ("state", text(&c.state)),
        ("zip", text(&c.zip)),
        ("country", text(&c.country)),
        ("phone", text(&c.phone)),
        ("email", text(&c.email)),
    ]
}

fn contact_fields(account: &str, k: &wire::Contact) -> Vec<(&'static str, Value)> {
    vec![
        ("account", Value::from(account)),
        ("id", Value::from(k.id.as_str())),
        ("name", text(&k.name)),
        ("email", text(&k.email)),
        ("phone", text(&k.phone)),
        ("receives_alerts", Value::from(k.receives_alerts)),
        ("receives_billing", Value::from(k.receives_billing)),
        ("receives_updates", Value::from(k.receives_updates)),
    ]
}

/// Reads a customer back and stores it (with its address block).
fn read_back_customer(
    ctx: &mut Context<'_>,
    account: &str,
    action_id: i64,
) -> anyhow::Result<wire::Customer> {
    let client = client(ctx);
    let customer = ctx.block(client.customer(account))?;
    let row = crate::sync::rackspace::customer_row(&customer, false, true);
    ctx.store()
        .upsert_customers(&[row], Lineage::Action(action_id), false)?;
    Ok(customer)
}

/// Reads an account's contacts back and stores them whole.
fn read_back_contacts(
    ctx: &mut Context<'_>,
    account: &str,
    action_id: i64,
) -> anyhow::Result<Vec<wire::Contact>> {
    let client = client(ctx);
    let contacts: Vec<wire::Contact> = ctx.block(client.contacts(account).try_collect())?;
    let rows: Vec<_> = contacts
        .iter()
        .map(crate::sync::rackspace::contact_row)
        .collect();
    let stored_as = if account == "me" {
        ctx.block(client.customer("me"))?.account_number
    } else {
        account.to_owned()
    };
    ctx.store()
        .replace_contacts(&stored_as, &rows, Lineage::Action(action_id))?;
    Ok(contacts)
}

/// The sub-account a lookup finds: by reference number when one is given, else by
/// its exact name.
async fn find_customer(
    client: &Arc<crate::api::rackspace::Client>,
    name: &str,
    reference: Option<&str>,
) -> anyhow::Result<Option<String>> {
    if let Some(reference) = reference {
        return Ok(client
            .customer_by_reference(reference)
            .await?
            .map(|c| c.account_number));
    }
    let all: Vec<wire::Customer> = client.customers().try_collect().await?;
    Ok(all
        .into_iter()
        .rev()
        .find(|c| c.name.as_deref() == Some(name))
        .map(|c| c.account_number))
}

/// The new account's number from an add's answer: a JSON body's `accountNumber`
/// (a string or a number), a body that is the number as a bare JSON string (some
/// endpoints answer so), else the `Location` header's last segment (the answer is
/// not documented; an empty 200 body falls through to the lookup).
pub fn new_account_number(response: &crate::api::http::Response) -> Option<String> {
    let number = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let from_body = serde_json::from_slice::<Value>(&response.body)
        .ok()
        .and_then(|v| match &v {
            Value::Object(o) => o
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("accountNumber"))
                .and_then(|(_, v)| number(v)),
            other => number(other),
        })
        .filter(|n| AccountNumber::parse(n).is_ok());
    from_body
        .or_else(|| {
            let location = response
                .headers
                .get(reqwest::header::LOCATION)?
                .to_str()
                .ok()?;
            let last = location.trim_end_matches('/').rsplit('/').next()?;
            Some(last.to_owned())
        })
        .filter(|n| AccountNumber::parse(n).is_ok())
}

/// `tally rackspace customer add`.
pub fn customer_add(ctx: &mut Context<'_>, f: &CustomerFields) -> anyhow::Result<Done> {
    check::rackspace_customer(f.name.as_deref(), true, f.reference_number.as_deref())?;
    let name = f.name.clone().unwrap_or_default();
    let body: Map<String, Value> = given_fields(f)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::from(v.as_str())))
        .collect();
    let key = match &f.reference_number {
        Some(r) => format!("reference number {r}"),
        None => format!("name {name}"),
    };
    let write = Write {
        operation: "customer add",
        target: None,
        method: Method::POST,
        path: "/v1/customers".into(),
        body: Some(Value::Object(body)),
        secrets: &[],
        lookup_key: Some(key.clone()),
        check: format!(
            "run the same command again: tally looks for the customer by its {key} first and adds it only if it is not there"
        ),
    };
    if let Some(plan) = ctx.dry_run_of(&write) {
        return Ok(plan);
    }
    let rs = client(ctx);
    let reference = f.reference_number.clone();
    if let Some((earlier, account)) =
        ctx.settle_unknown(PROVIDER, write.operation, &key, |ctx| {
            ctx.block(find_customer(&rs, &name, reference.as_deref()))
        })?
    {
        let customer = read_back_customer(ctx, &account, earlier)?;
        return Ok(Done::Result {
            outcome: "exists",
            fields: customer_fields(&customer),
        });
    }
    let applied = ctx.send(&write)?;
    let account = match new_account_number(&applied.response) {
        Some(account) => account,
        None => ctx
            .block(find_customer(&rs, &name, reference.as_deref()))?
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "the customer was added (action {}) but its account number could not be found by its {key}; run `tally sync rackspace`",
                    applied.action_id
                )
            })?,
    };
    ctx.store().set_action_result(applied.action_id, &account)?;
    let customer = read_back_customer(ctx, &account, applied.action_id)?;
    Ok(Done::Result {
        outcome: "added",
        fields: customer_fields(&customer),
    })
}

/// `tally rackspace customer edit`.
pub fn customer_edit(
    ctx: &mut Context<'_>,
    account: &str,
    f: &CustomerFields,
) -> anyhow::Result<Done> {
    let account = sub_account(account)?;
    check::rackspace_customer(f.name.as_deref(), false, f.reference_number.as_deref())?;
    let given = given_fields(f);
    if given.is_empty() {
        return Err(UsageError(
            "nothing to change: give at least one field (--name, --reference-number, --address-line1, ...)".into(),
        )
        .into());
    }
    let rs = client(ctx);
    let current = ctx.block(rs.customer(&account))?;
    let mut body = Map::new();
    let now = customer_fields(&current);
    for (key, api) in [
        ("name", "name"),
        ("reference_number", "referenceNumber"),
        ("address_line1", "addressLine1"),
        ("address_line2", "addressLine2"),
        ("city", "city"),
        ("state", "state"),
        ("zip", "zip"),
        ("country", "country"),
        ("phone", "phone"),
        ("email", "email"),
    ] {
        let value = given
            .iter()
            .find(|(k, _)| *k == api)
            .map(|(_, v)| Value::from(v.as_str()))
            .or_else(|| now.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()))
            .unwrap_or(Value::Null);
        if !value.is_null() {
            body.insert(api.to_owned(), value);
        }
    }
    let write = Write {
        operation: "customer edit",
        target: Some(account.clone()),
        method: Method::PUT,
        path: format!("/v1/customers/{}", segment(&account)),
        body: Some(Value::Object(body)),
        secrets: &[],
        lookup_key: None,
        check: format!(
            "run `tally rackspace customer edit {account} ...` again (an edit sets the same values twice without harm)"
        ),
    };
    if let Some(plan) = ctx.dry_run_of(&write) {
        return Ok(plan);
    }
    let applied = ctx.send(&write)?;
    let customer = read_back_customer(ctx, &account, applied.action_id)?;
    Ok(Done::Result {
        outcome: "edited",
        fields: customer_fields(&customer),
    })
}

/// `tally rackspace customer enable|disable`.
pub fn customer_toggle(ctx: &mut Context<'_>, account: &str, enable: bool) -> anyhow::Result<Done> {
    let account = sub_account(account)?;
    let verb = if enable { "enable" } else { "disable" };
    let operation = if enable {
        "customer enable"
    } else {
        "customer disable"
    };
    let write = Write {
        operation,
        target: Some(account.clone()),
        method: Method::POST,
        path: format!("/v1/customers/{}/{verb}", segment(&account)),
        body: None,
        secrets: &[],
        lookup_key: None,
        check: format!(
            "run `tally rackspace customer {verb} {account}` again after 5 minutes (if it was applied, the account is already {verb}d)"
        ),
    };
    if let Some(plan) = ctx.dry_run_of(&write) {
        return Ok(plan);
    }
    let applied = match ctx.send(&write) {
        Ok(applied) => applied,
        Err(err) => return Err(with_toggle_window(ctx, err, &account)),
    };
    let customer = read_back_customer(ctx, &account, applied.action_id)?;
    Ok(Done::Result {
        outcome: if enable { "enabled" } else { "disabled" },
        fields: customer_fields(&customer),
    })
}

/// A refusal for the 5-minute window says when the account may be tried again.
fn with_toggle_window(ctx: &Context<'_>, err: anyhow::Error, account: &str) -> anyhow::Error {
    let throttled = err
        .downcast_ref::<crate::api::ApiError>()
        .is_some_and(|e| match &e.kind {
            crate::api::ApiErrorKind::Status {
                status: 403,
                message: Some(m),
            } => wire::is_throttle_message(m),
            _ => false,
        });
    if !throttled {
        return err;
    }
    let last = ctx.store.as_deref().and_then(|s| {
        s.last_applied(PROVIDER, &["customer enable", "customer disable"], account)
            .ok()
            .flatten()
    });
    let when = match last {
        Some(at) => format!(
            "try again after {} UTC (5 minutes after the last enable or disable tally sent)",
            (at + chrono::Duration::minutes(TOGGLE_MINUTES)).format("%Y-%m-%d %H:%M:%S")
        ),
        None => "try again in 5 minutes".to_owned(),
    };
    err.context(format!(
        "account {account} may be enabled or disabled once in a 5-minute sliding window; {when}; not retried"
    ))
}

/// `tally rackspace customer delete`.
pub fn customer_delete(ctx: &mut Context<'_>, account: &str) -> anyhow::Result<Done> {
    let account = sub_account(account)?;
    let rs = client(ctx);
    let current = ctx.block(rs.customer(&account))?;
    let write = Write {
        operation: "customer delete",
        target: Some(account.clone()),
        method: Method::DELETE,
        path: format!("/v1/customers/{}", segment(&account)),
        body: None,
        secrets: &[],
        lookup_key: None,
        check: format!(
            "run `tally sync rackspace` and see whether account {account} is still listed"
        ),
    };
    if let Some(plan) = ctx.dry_run_of(&write) {
        return Ok(plan);
    }
    let name = current.name.clone().unwrap_or_default();
    if !(ctx.confirm)(&format!(
        "Delete Rackspace account {account} ({name}) and all its services?"
    ))? {
        anyhow::bail!("not deleted: not confirmed");
    }
    let applied = ctx.send(&write)?;
    ctx.store()
        .mark_customer_deleted(&account, applied.action_id)?;
    Ok(Done::Result {
        outcome: "deleted",
        fields: customer_fields(&current),
    })
}

/// `tally rackspace login-token`: printed once with its expiry, never stored.
pub fn login_token(
    ctx: &mut Context<'_>,
    account: &str,
    user: &str,
    is_virtual: bool,
) -> anyhow::Result<Done> {
    let account = any_account(account)?;
    if user.trim().is_empty() {
        return Err(UsageError("--user: a user name is required".into()).into());
    }
    let write = Write {
        operation: "login-token",
        target: Some(account.clone()),
        method: Method::POST,
        path: format!("/v1/customers/{}/loginToken", segment(&account)),
        body: Some(json!({
            "userName": user,
            "virtualUser": if is_virtual { "true" } else { "false" },
        })),
        secrets: &[],
        lookup_key: None,
        check: "run the same command again for a new token (a token is valid ten minutes)"
            .to_owned(),
    };
    if let Some(plan) = ctx.dry_run_of(&write) {
        return Ok(plan);
    }
    let applied = ctx.send(&write)?;
    let value: Value = serde_json::from_slice(&applied.response.body).map_err(|e| {
        anyhow::anyhow!(
            "the login token answer is not JSON ({e}); the token was created but cannot be shown"
        )
    })?;
    let field = |name: &str| {
        value
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_owned)
    };
    let (Some(token_user), Some(token)) = (field("user"), field("token")) else {
        anyhow::bail!("the login token answer has no user or token");
    };
    let created = field("dateCreated");
    ctx.store()
        .set_action_result(applied.action_id, &token_user)?;
    Ok(Done::Result {
        outcome: "created",
        fields: vec![
            ("account", Value::from(account.as_str())),
            ("user", Value::from(token_user)),
            ("token", Value::from(token)),
            ("date_created", text(&created)),
            (
                "expires",
                Value::from(
                    created
                        .as_deref()
                        .and_then(token_expiry)
                        .unwrap_or_else(|| "ten minutes after date_created".to_owned()),
                ),
            ),
        ],
    })
}

/// Ten minutes after `dateCreated` (`6/11/2010 10:53:46 AM`), written the same way
/// and, like it, without a time zone (the provider gives none).
pub fn token_expiry(created: &str) -> Option<String> {
    let at = chrono::NaiveDateTime::parse_from_str(created.trim(), "%m/%d/%Y %I:%M:%S %p").ok()?;
    let expiry = at + chrono::Duration::minutes(10);
    Some(expiry.format("%-m/%-d/%Y %-I:%M:%S %p").to_string())
}

/// `tally rackspace contact add`: the security answer from the named variable.
pub fn contact_add(ctx: &mut Context<'_>, args: &NewContact) -> anyhow::Result<Done> {
    let account = any_account(&args.account)?;
    let Some(answer) = &args.security_answer else {
        return Err(UsageError(
            "--security-answer-env VAR is required: the security answer is read from that environment variable, never from the command line".into(),
        )
        .into());
    };
    let answer = answer.expose().to_owned();
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let (name, email, phone, question) = (
        value(&args.name),
        value(&args.email),
        value(&args.phone),
        value(&args.security_question),
    );
    check::rackspace_contact(&ContactFields {
        name: &name,
        email: &email,
        phone: &phone,
        security_question: &question,
        security_answer: &answer,
    })?;
    let key = format!("e-mail {email} of account {account}");
    let write = Write {
        operation: "contact add",
        target: Some(account.clone()),
        method: Method::POST,
        path: format!("/v2/customers/{}/contacts/", segment(&account)),
        body: Some(json!({
            "Email": email,
            "Name": name,
            "Phone": phone,
            "ReceivesAlerts": args.receives_alerts,
            "ReceivesBilling": args.receives_billing,
            "ReceivesUpdates": args.receives_updates,
            "SecurityAnswer": answer,
            "SecurityQuestion": question,
        })),
        secrets: SECRETS,
        lookup_key: Some(key.clone()),
        check: format!(
            "run the same command again: tally looks for a contact with the {key} first and adds it only if it is not there"
        ),
    };
    if let Some(plan) = ctx.dry_run_of(&write) {
        return Ok(plan);
    }
    let rs = client(ctx);
    let find = |ctx: &Context<'_>| -> anyhow::Result<Option<String>> {
        let contacts: Vec<wire::Contact> = ctx.block(rs.contacts(&account).try_collect())?;
        Ok(newest_with_email(&contacts, &email).map(|k| k.id.clone()))
    };
    let (outcome, action) = match ctx.settle_unknown(PROVIDER, write.operation, &key, find)? {
        Some((earlier, _)) => ("exists", earlier),
        None => ("added", ctx.send(&write)?.action_id),
    };
    let contacts = read_back_contacts(ctx, &account, action)?;
    let Some(contact) = newest_with_email(&contacts, &email) else {
        anyhow::bail!(
            "the contact was added (action {action}) but is not in the account's contact list yet; run `tally sync rackspace` later"
        );
    };
    ctx.store().set_action_result(action, &contact.id)?;
    Ok(Done::Result {
        outcome,
        fields: contact_fields(&account, contact),
    })
}

/// The contact with this e-mail that was added last (the highest id).
fn newest_with_email<'a>(contacts: &'a [wire::Contact], email: &str) -> Option<&'a wire::Contact> {
    contacts
        .iter()
        .filter(|k| {
            k.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
        .max_by_key(|k| (k.id.len(), k.id.clone()))
}

/// `tally rackspace contact edit`: read, change the fields given, send it all back.
pub fn contact_edit(ctx: &mut Context<'_>, args: &ContactChanges) -> anyhow::Result<Done> {
    let account = any_account(&args.account)?;
    let id = args.id.trim().to_owned();
    let nothing = args.name.is_none()
        && args.email.is_none()
        && args.phone.is_none()
        && args.receives_alerts.is_none()
        && args.receives_billing.is_none()
        && args.receives_updates.is_none();
    if nothing {
        return Err(UsageError(
            "nothing to change: give at least one of --name, --email, --phone, --receives-alerts, --receives-billing, --receives-updates".into(),
        )
        .into());
    }
    let rs = client(ctx);
    let full = ctx.block(rs.contact_for_update(&account, &id))?;
    let k = &full.contact;
    let name = args
        .name
        .clone()
        .or_else(|| k.name.clone())
        .unwrap_or_default();
    let email = args
        .email
        .clone()
        .or_else(|| k.email.clone())
        .unwrap_or_default();
    let phone = args
        .phone
        .clone()
        .or_else(|| k.phone.clone())
        .unwrap_or_default();
    check::rackspace_contact(&ContactFields {
        name: &name,
        email: &email,
        phone: &phone,
        security_question: full.security_question.expose(),
        security_answer: full.security_answer.expose(),
    })?;
    let write = Write {
        operation: "contact edit",
        target: Some(format!("{account}/{id}")),
        method: Method::PUT,
        path: format!(
            "/v2/customers/{}/contacts/{}",
            segment(&account),
            segment(&id)
        ),
        body: Some(json!({
            "Email": email,
            "Name": name,
            "Phone": phone,
            "ReceivesAlerts": args.receives_alerts.unwrap_or(k.receives_alerts),
            "ReceivesBilling": args.receives_billing.unwrap_or(k.receives_billing),
            "ReceivesUpdates": args.receives_updates.unwrap_or(k.receives_updates),
            "SecurityAnswer": full.security_answer.expose(),
            "SecurityQuestion": full.security_question.expose(),
        })),
        secrets: SECRETS,
        lookup_key: None,
        check: format!(
            "run the same command again (an edit sets the same values twice without harm), or `tally sync rackspace` and look at contact {id}"
        ),
    };
    if let Some(plan) = ctx.dry_run_of(&write) {
        return Ok(plan);
    }
    let applied = ctx.send(&write)?;
    let contacts = read_back_contacts(ctx, &account, applied.action_id)?;
    let Some(contact) = contacts.iter().find(|c| c.id == id) else {
        anyhow::bail!("contact {id} is not in account {account}'s contact list after the edit");
    };
    Ok(Done::Result {
        outcome: "edited",
        fields: contact_fields(&account, contact),
    })
}

/// `tally rackspace contact delete`: never the last billing contact.
pub fn contact_delete(ctx: &mut Context<'_>, account: &str, id: &str) -> anyhow::Result<Done> {
    let account = any_account(account)?;
    let id = id.trim().to_owned();
    let rs = client(ctx);
    let contacts: Vec<wire::Contact> = ctx.block(rs.contacts(&account).try_collect())?;
    let Some(contact) = contacts.iter().find(|k| k.id == id).cloned() else {
        anyhow::bail!("account {account} has no contact {id}");
    };
    let flags: Vec<(String, bool)> = contacts
        .iter()
        .map(|k| (k.id.clone(), k.receives_billing))
        .collect();
    if check::leaves_no_billing_contact(&flags, &id) {
        anyhow::bail!(
            "contact {id} of account {account} not deleted (refused before sending): {LAST_BILLING_CONTACT}"
        );
    }
    let write = Write {
        operation: "contact delete",
        target: Some(format!("{account}/{id}")),
        method: Method::DELETE,
        path: format!(
            "/v2/customers/{}/contacts/{}",
            segment(&account),
            segment(&id)
        ),
        body: None,
        secrets: &[],
        lookup_key: None,
        check: format!("run `tally sync rackspace` and see whether contact {id} is still listed"),
    };
    if let Some(plan) = ctx.dry_run_of(&write) {
        return Ok(plan);
    }
    if !(ctx.confirm)(&format!(
        "Delete contact {id} ({}) of account {account}?",
        contact.name.as_deref().unwrap_or("")
    ))? {
        anyhow::bail!("not deleted: not confirmed");
    }
    let applied = ctx.send(&write)?;
    read_back_contacts(ctx, &account, applied.action_id)?;
    Ok(Done::Result {
        outcome: "deleted",
        fields: contact_fields(&account, &contact),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, location: Option<&str>, body: &str) -> crate::api::http::Response {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(l) = location {
            headers.insert(reqwest::header::LOCATION, l.parse().unwrap());
        }
        crate::api::http::Response {
            status,
            headers,
            body: bytes::Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn the_new_account_number_from_any_answer() {
        assert_eq!(
            new_account_number(&response(200, None, r#"{"AccountNumber": 1300500}"#)).as_deref(),
            Some("1300500")
        );
        assert_eq!(
            new_account_number(&response(
                201,
                Some("https://api.emailsrvr.com/v1/customers/1300501"),
                ""
            ))
            .as_deref(),
            Some("1300501")
        );
        assert_eq!(
            new_account_number(&response(201, Some("/v1/customers/1300502/"), "{}")).as_deref(),
            Some("1300502")
        );
        assert_eq!(new_account_number(&response(200, None, "")), None);
        // A bare JSON string, a number; a string that is no account number falls
        // through to the Location.
        assert_eq!(
            new_account_number(&response(200, None, r#""1300503""#)).as_deref(),
            Some("1300503")
        );
        assert_eq!(
            new_account_number(&response(200, None, "1300504")).as_deref(),
            Some("1300504")
        );
        assert_eq!(
            new_account_number(&response(201, Some("/v1/customers/1300505"), r#""OK""#)).as_deref(),
            Some("1300505")
        );
        assert_eq!(
            new_account_number(&response(200, Some("/v1/customers/x"), "")),
            None
        );
    }

    #[test]
    fn a_token_expires_ten_minutes_after_it_was_made_without_a_zone() {
        assert_eq!(
            token_expiry("6/11/2010 10:53:46 AM").as_deref(),
            Some("6/11/2010 11:03:46 AM")
        );
        assert_eq!(
            token_expiry("12/31/2025 11:55:00 PM").as_deref(),
            Some("1/1/2026 12:05:00 AM")
        );
        assert_eq!(token_expiry("yesterday"), None);
    }
}
