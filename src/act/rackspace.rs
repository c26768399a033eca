//! The Rackspace write operations: customers (add, edit, enable, disable, delete),
//! login tokens, and contacts (add, edit, delete). Edits send the whole object: the
//! customer or contact is read just before, only the fields given change, the rest
//! go back as read (a contact's security question and answer included, held as
//! secrets and never shown or stored). Paths and bodies are the client's typed
//! writes; the skeleton is [`Context::perform`].

use futures::TryStreamExt;
use serde_json::Value;

use super::check::{self, ContactFields, LAST_BILLING_CONTACT};
use super::{Create, Done, Outcome, Write, text};
use crate::UsageError;
use crate::api::rackspace::{Client, ContactBody, wire};
use crate::api::secret::Secret;
use crate::ids::AccountNumber;
use crate::provider::Provider;
use crate::rows::rackspace as to_row;
use crate::store::Lineage;

/// A customer's fields as given to `customer add` or `customer edit` (`None`: not
/// given).
pub use crate::api::rackspace::CustomerBody as CustomerFields;

/// What a Rackspace operation acts with.
pub type Context<'a> = super::Context<'a, Client>;

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

/// One enable/disable per account in this many minutes.
const TOGGLE_MINUTES: i64 = 5;

/// A sub-account number from the command line.
fn sub_account(account: &str) -> Result<AccountNumber, UsageError> {
    AccountNumber::parse(account.trim()).map_err(|e| UsageError(format!("ACCOUNT: {e}")))
}

/// An account from the command line: a number, or `me`.
fn any_account(account: &str) -> Result<String, UsageError> {
    if account.trim().eq_ignore_ascii_case("me") {
        return Ok("me".to_owned());
    }
    sub_account(account).map(|a| a.as_str().to_owned())
}

fn customer_fields(c: &wire::Customer) -> Vec<(&'static str, Value)> {
    vec![
        ("account", Value::from(c.account_number.as_str())),
        ("name", text(&c.name)),
        ("reference_number", text(&c.reference_number)),
        ("address_line1", text(&c.address.address_line1)),
        ("address_line2", text(&c.address.address_line2)),
        ("city", text(&c.address.city)),
        ("state", text(&c.address.state)),
        ("zip", text(&c.address.zip)),
        ("country", text(&c.address.country)),
        ("phone", text(&c.address.phone)),
        ("email", text(&c.address.email)),
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

/// The reseller account whose keys make the writes (`me`): what is read back is
/// stored as listed by it.
fn reseller(ctx: &Context<'_>) -> anyhow::Result<AccountNumber> {
    Ok(ctx.block(ctx.client.customer("me"))?.account_number)
}

/// Reads a customer back and stores it (with its address block).
fn read_back_customer(
    ctx: &mut Context<'_>,
    account: &str,
    action_id: i64,
) -> anyhow::Result<wire::Customer> {
    let customer = ctx.block(ctx.client.customer(account))?;
    let reseller = reseller(ctx)?;
    let row = to_row::customer(&customer, customer.account_number == reseller, true);
    ctx.store()?
        .upsert_customers(&[row], &reseller, Lineage::Action(action_id), false)?;
    Ok(customer)
}

/// Reads an account's contacts back and stores them whole.
fn read_back_contacts(
    ctx: &mut Context<'_>,
    account: &str,
    action_id: i64,
) -> anyhow::Result<Vec<wire::Contact>> {
    let contacts = contacts(ctx, account)?;
    let rows: Vec<_> = contacts.iter().map(to_row::contact).collect();
    let reseller = reseller(ctx)?;
    let stored_as = if account == "me" {
        reseller.clone()
    } else {
        AccountNumber::parse(account)?
    };
    ctx.store()?
        .replace_contacts(&stored_as, &rows, &reseller, Lineage::Action(action_id))?;
    Ok(contacts)
}

fn contacts(ctx: &Context<'_>, account: &str) -> anyhow::Result<Vec<wire::Contact>> {
    Ok(ctx.block(ctx.client.contacts(account).try_collect())?)
}

/// The sub-account a lookup finds: by reference number when one is given, else by
/// its exact name.
fn find_customer(
    ctx: &Context<'_>,
    name: &str,
    reference: Option<&str>,
) -> anyhow::Result<Option<AccountNumber>> {
    let client = &ctx.client;
    if let Some(reference) = reference {
        return Ok(ctx
            .block(client.customer_by_reference(reference))?
            .map(|c| c.account_number));
    }
    let all: Vec<wire::Customer> = ctx.block(client.customers().try_collect())?;
    Ok(all
        .into_iter()
        .rev()
        .find(|c| c.name.as_deref() == Some(name))
        .map(|c| c.account_number))
}

/// The result of an operation on a customer: its fields as read back (after a
/// dry run, the plan).
fn on_customer(
    ctx: &mut Context<'_>,
    write: &Write,
    create: Option<&Create<'_, Client>>,
    account: Option<&str>,
    outcome: Outcome,
) -> anyhow::Result<Done> {
    let Some(applied) = ctx.perform(write, create)? else {
        return Ok(Done::DryRun(ctx.plan(write)));
    };
    let account = applied.id.as_deref().or(account).unwrap_or_default();
    let customer = read_back_customer(ctx, account, applied.action_id)?;
    Ok(Done::Result {
        outcome: if applied.existed() {
            Outcome::Exists
        } else {
            outcome
        },
        fields: customer_fields(&customer),
    })
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
    let key = match &f.reference_number {
        Some(r) => format!("reference number {r}"),
        None => format!("name {name}"),
    };
    let write = Write {
        operation: "customer add",
        target: None,
        request: ctx.client.customer_add(f),
        check: format!(
            "run the same command again: tally looks for the customer by its {key} first and adds it only if it is not there"
        ),
        confirm: None,
    };
    let reference = f.reference_number.clone();
    let find = |ctx: &Context<'_>| {
        find_customer(ctx, &name, reference.as_deref()).map(|found| found.map(|a| a.to_string()))
    };
    let create = Create {
        key: key.clone(),
        find: &find,
        from_answer: Some(new_account_number),
    };
    on_customer(ctx, &write, Some(&create), None, Outcome::Added)
}

/// `tally rackspace customer edit`.
pub fn customer_edit(
    ctx: &mut Context<'_>,
    account: &str,
    f: &CustomerFields,
) -> anyhow::Result<Done> {
    let account = sub_account(account)?;
    check::rackspace_customer(f.name.as_deref(), false, f.reference_number.as_deref())?;
    if f.is_empty() {
        return Err(UsageError(
            "nothing to change: give at least one field (--name, --reference-number, --address-line1, ...)".into(),
        )
        .into());
    }
    let current = ctx.block(ctx.client.customer(account.as_str()))?;
    let write = Write {
        operation: "customer edit",
        target: Some(account.to_string()),
        request: ctx
            .client
            .customer_edit(account.as_str(), &f.or(&(&current).into())),
        check: format!(
            "run `tally rackspace customer edit {account} ...` again (an edit sets the same values twice without harm)"
        ),
        confirm: None,
    };
    on_customer(ctx, &write, None, Some(account.as_str()), Outcome::Edited)
}

/// `tally rackspace customer enable|disable`.
pub fn customer_toggle(ctx: &mut Context<'_>, account: &str, enable: bool) -> anyhow::Result<Done> {
    let account = sub_account(account)?;
    let verb = if enable { "enable" } else { "disable" };
    let write = Write {
        operation: if enable {
            "customer enable"
        } else {
            "customer disable"
        },
        target: Some(account.to_string()),
        request: ctx.client.customer_enable(account.as_str(), enable),
        check: format!(
            "run `tally rackspace customer {verb} {account}` again after 5 minutes (if it was applied, the account is already {verb}d)"
        ),
        confirm: None,
    };
    let outcome = if enable {
        Outcome::Enabled
    } else {
        Outcome::Disabled
    };
    on_customer(ctx, &write, None, Some(account.as_str()), outcome)
        .map_err(|err| with_toggle_window(ctx, err, account.as_str()))
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
    let last = (!ctx.dry_run())
        .then(|| ctx.store().ok())
        .flatten()
        .and_then(|s| {
            s.last_applied(
                Provider::Rackspace,
                &["customer enable", "customer disable"],
                account,
            )
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
    let current = ctx.block(ctx.client.customer(account.as_str()))?;
    let write = Write {
        operation: "customer delete",
        target: Some(account.to_string()),
        request: ctx.client.customer_delete(account.as_str()),
        check: format!(
            "run `tally sync rackspace` and see whether account {account} is still listed"
        ),
        confirm: Some(format!(
            "Delete Rackspace account {account} ({}) and all its services?",
            current.name.as_deref().unwrap_or_default()
        )),
    };
    let Some(applied) = ctx.perform(&write, None)? else {
        return Ok(Done::DryRun(ctx.plan(&write)));
    };
    ctx.store()?
        .mark_customer_deleted(account.as_str(), applied.action_id)?;
    Ok(Done::Result {
        outcome: Outcome::Deleted,
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
        request: ctx.client.login_token(&account, user, is_virtual),
        check: "run the same command again for a new token (a token is valid ten minutes)"
            .to_owned(),
        confirm: None,
    };
    let Some(applied) = ctx.perform(&write, None)? else {
        return Ok(Done::DryRun(ctx.plan(&write)));
    };
    let body = applied.response.as_ref().map_or(&[][..], |r| &r.body[..]);
    let value: Value = serde_json::from_slice(body).map_err(|e| {
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
    ctx.store()?
        .set_action_result(applied.action_id, &token_user)?;
    Ok(Done::Result {
        outcome: Outcome::Created,
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
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let contact = ContactBody {
        name: value(&args.name),
        email: value(&args.email),
        phone: value(&args.phone),
        receives_alerts: args.receives_alerts,
        receives_billing: args.receives_billing,
        receives_updates: args.receives_updates,
        security_question: Secret::new(value(&args.security_question)),
        security_answer: answer.clone(),
    };
    check_contact(&contact)?;
    let email = contact.email.clone();
    let key = format!("e-mail {email} of account {account}");
    let write = Write {
        operation: "contact add",
        target: Some(account.clone()),
        request: ctx.client.contact_add(&account, &contact),
        check: format!(
            "run the same command again: tally looks for a contact with the {key} first and adds it only if it is not there"
        ),
        confirm: None,
    };
    let find = |ctx: &Context<'_>| -> anyhow::Result<Option<String>> {
        Ok(newest_with_email(&contacts(ctx, &account)?, &email).map(|k| k.id.clone()))
    };
    // The id is learnt from the contact list read back.
    let applied = match ctx.create(&write, &key, &find, None)? {
        Ok(applied) => applied,
        Err(plan) => return Ok(plan),
    };
    let action = applied.action_id;
    let contacts = read_back_contacts(ctx, &account, action)?;
    let Some(contact) = newest_with_email(&contacts, &email) else {
        anyhow::bail!(
            "the contact was added (action {action}) but is not in the account's contact list yet; run `tally sync rackspace` later"
        );
    };
    ctx.store()?.set_action_result(action, &contact.id)?;
    Ok(Done::Result {
        outcome: if applied.existed() {
            Outcome::Exists
        } else {
            Outcome::Added
        },
        fields: contact_fields(&account, contact),
    })
}

/// A contact's fields checked as the provider checks them.
fn check_contact(contact: &ContactBody) -> Result<(), UsageError> {
    check::rackspace_contact(&ContactFields {
        name: &contact.name,
        email: &contact.email,
        phone: &contact.phone,
        security_question: contact.security_question.expose(),
        security_answer: contact.security_answer.expose(),
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
    let full = ctx.block(ctx.client.contact_for_update(&account, &id))?;
    let k = &full.contact;
    let pick = |given: &Option<String>, now: &Option<String>| {
        given.clone().or_else(|| now.clone()).unwrap_or_default()
    };
    let contact = ContactBody {
        name: pick(&args.name, &k.name),
        email: pick(&args.email, &k.email),
        phone: pick(&args.phone, &k.phone),
        receives_alerts: args.receives_alerts.unwrap_or(k.receives_alerts),
        receives_billing: args.receives_billing.unwrap_or(k.receives_billing),
        receives_updates: args.receives_updates.unwrap_or(k.receives_updates),
        security_question: full.security_question.clone(),
        security_answer: full.security_answer.clone(),
    };
    check_contact(&contact)?;
    let write = Write {
        operation: "contact edit",
        target: Some(format!("{account}/{id}")),
        request: ctx.client.contact_edit(&account, &id, &contact),
        check: format!(
            "run the same command again (an edit sets the same values twice without harm), or `tally sync rackspace` and look at contact {id}"
        ),
        confirm: None,
    };
    let Some(applied) = ctx.perform(&write, None)? else {
        return Ok(Done::DryRun(ctx.plan(&write)));
    };
    let contacts = read_back_contacts(ctx, &account, applied.action_id)?;
    let Some(contact) = contacts.iter().find(|c| c.id == id) else {
        anyhow::bail!("contact {id} is not in account {account}'s contact list after the edit");
    };
    Ok(Done::Result {
        outcome: Outcome::Edited,
        fields: contact_fields(&account, contact),
    })
}

/// `tally rackspace contact delete`: never the last billing contact.
pub fn contact_delete(ctx: &mut Context<'_>, account: &str, id: &str) -> anyhow::Result<Done> {
    let account = any_account(account)?;
    let id = id.trim().to_owned();
    let contacts = contacts(ctx, &account)?;
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
        request: ctx.client.contact_delete(&account, &id),
        check: format!("run `tally sync rackspace` and see whether contact {id} is still listed"),
        confirm: Some(format!(
            "Delete contact {id} ({}) of account {account}?",
            contact.name.as_deref().unwrap_or("")
        )),
    };
    let Some(applied) = ctx.perform(&write, None)? else {
        return Ok(Done::DryRun(ctx.plan(&write)));
    };
    read_back_contacts(ctx, &account, applied.action_id)?;
    Ok(Done::Result {
        outcome: Outcome::Deleted,
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
