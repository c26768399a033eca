//! The Rackspace accounts as they are now: the generated world's sub-accounts, their
//! address blocks, contacts (with security questions and answers, as the provider
//! keeps them) and admins, which the write operations change with the provider's
//! documented rules: names checked on add/edit, ids assigned on create, one
//! enable/disable per account in a 5-minute sliding window, at most
//! [`CONTACT_LIMIT`] contacts, never the last billing contact deleted, login
//! tokens valid ten minutes. Each operation returns the status and JSON the
//! provider answers with; the HTTP side is in `rackspace.rs`.

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::world::World;
use crate::api::rackspace::wire::Address;
use crate::ids::is_email;

/// Contacts an account may have ("Contact/Administrator limit reached.").
pub const CONTACT_LIMIT: usize = 5;
/// One enable/disable per account in this sliding window.
pub const TOGGLE_WINDOW: Duration = Duration::from_secs(300);
/// How long a login token is valid.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(600);

pub const LAST_BILLING_CONTACT: &str = "There must be at least one billing contact and one primary contact. (A single contact can be both.)";
pub const EMPTY_PAYLOAD: &str =
    "Payload must be a valid JSON object. Make sure the POST body contains content.";
pub const WRONG_CONTENT_TYPE: &str =
    "Payload must be a valid JSON object. Verify that the content type is application/json .";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsAccounts {
    pub reseller: RsCustomer,
    /// Sub-accounts, in list order.
    pub customers: Vec<RsCustomer>,
    next_account: u64,
    next_contact: u64,
    tokens_issued: u64,
    /// When each account was last enabled or disabled.
    toggled: Vec<(String, Instant)>,
    pub tokens: Vec<LoginToken>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RsCustomer {
    pub account_number: String,
    pub name: String,
    pub reference_number: Option<String>,
    pub address: Address,
    pub enabled: bool,
    pub contacts: Vec<RsContact>,
    /// Admin user names (a non-virtual login token needs one of them).
    pub admins: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsContact {
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub receives_alerts: bool,
    pub receives_billing: bool,
    pub receives_updates: bool,
    pub security_question: String,
    pub security_answer: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginToken {
    pub account: String,
    pub user: String,
    pub token: String,
    pub created: Instant,
}

/// What an operation answers: a status and the JSON body (`None`: empty), or the
/// provider's fault (`{"<name>": {"message", "code"}}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Ok {
        status: u16,
        body: Option<Value>,
        location: Option<String>,
    },
    Fault {
        status: u16,
        name: &'static str,
        message: String,
    },
}

fn bad_request(message: impl Into<String>) -> Answer {
    Answer::Fault {
        status: 400,
        name: "badRequestFault",
        message: message.into(),
    }
}

fn not_found(message: impl Into<String>) -> Answer {
    Answer::Fault {
        status: 404,
        name: "itemNotFoundFault",
        message: message.into(),
    }
}

fn ok(status: u16, body: Option<Value>) -> Answer {
    Answer::Ok {
        status,
        body,
        location: None,
    }
}

impl RsAccounts {
    /// The accounts of `world`, the reseller's own named `reseller_name`.
    pub fn from_world(world: &World, reseller_name: &str) -> RsAccounts {
        const CITIES: [(&str, &str, &str); 4] = [
            ("Austin", "TX", "78703"),
            ("Portland", "OR", "97201"),
            ("Denver", "CO", "80202"),
            ("Raleigh", "NC", "27601"),
        ];
        let customers: Vec<RsCustomer> = world
            .customers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (city, state, zip) = CITIES[i % CITIES.len()];
                RsCustomer {
                    account_number: c.account_number.clone(),
                    name: c.name.clone(),
                    reference_number: c.reference_number.clone(),
                    address: Address {
                        address_line1: Some(format!("{} Main Street", 100 + i)),
                        address_line2: (i % 3 == 0).then(|| format!("Suite {}", 200 + i)),
                        city: Some(city.into()),
                        state: Some(state.into()),
                        zip: Some(zip.into()),
                        country: Some("US".into()),
                        phone: Some(format!("1-555-555-{:04}", 1000 + i)),
                        email: Some(format!("office@{}", c.domain)),
                    },
                    enabled: true,
                    contacts: c
                        .contacts
                        .iter()
                        .map(|k| RsContact {
                            id: k.id.clone(),
                            name: k.name.clone(),
                            email: k.email.clone(),
                            phone: "1235555555".into(),
                            receives_alerts: true,
                            receives_billing: k.receives_billing,
                            receives_updates: !k.receives_billing,
                            security_question: "What was the name of your first pet?".into(),
                            security_answer: k.security_answer.clone(),
                        })
                        .collect(),
                    admins: vec!["admin".into()],
                }
            })
            .collect();
        let reseller = RsCustomer {
            account_number: world.reseller_account.clone(),
            name: reseller_name.to_owned(),
            address: Address {
                address_line1: Some("1 Reseller Way".into()),
                city: Some("San Antonio".into()),
                state: Some("TX".into()),
                zip: Some("78218".into()),
                country: Some("US".into()),
                phone: Some("1-555-555-0100".into()),
                email: Some("billing@reseller.example".into()),
                ..Address::default()
            },
            enabled: true,
            contacts: vec![RsContact {
                id: "1".into(),
                name: "Billing Desk".into(),
                email: "billing@reseller.example".into(),
                phone: "1235555555".into(),
                receives_alerts: true,
                receives_billing: true,
                receives_updates: false,
                security_question: "What was the name of your first pet?".into(),
                security_answer: "reseller-secret-answer".into(),
            }],
            admins: vec!["admin".into()],
            ..RsCustomer::default()
        };
        let next_account = customers
            .iter()
            .filter_map(|c| c.account_number.parse::<u64>().ok())
            .max()
            .unwrap_or(1_300_000)
            + 1;
        let next_contact = customers
            .iter()
            .flat_map(|c| &c.contacts)
            .filter_map(|k| k.id.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            .max(10_000)
            + 1;
        RsAccounts {
            reseller,
            customers,
            next_account,
            next_contact,
            tokens_issued: 0,
            toggled: Vec::new(),
            tokens: Vec::new(),
        }
    }

    /// `me`, the reseller's number or a sub-account's.
    pub fn account(&self, account: &str) -> Option<&RsCustomer> {
        if account == "me" || account == self.reseller.account_number {
            return Some(&self.reseller);
        }
        self.customers.iter().find(|c| c.account_number == account)
    }

    fn account_mut(&mut self, account: &str) -> Option<&mut RsCustomer> {
        if account == "me" || account == self.reseller.account_number {
            return Some(&mut self.reseller);
        }
        self.customers
            .iter_mut()
            .find(|c| c.account_number == account)
    }

    /// True while a token is within its ten minutes.
    pub fn token_valid(&self, token: &str) -> bool {
        self.tokens
            .iter()
            .any(|t| t.token == token && t.created.elapsed() < TOKEN_LIFETIME)
    }

    /// `POST /v1/customers`.
    pub fn add_customer(&mut self, body: &Map<String, Value>) -> Answer {
        let name = match field(body, "name") {
            None => return bad_request("Missing required field: name"),
            Some(name) => name,
        };
        if let Err(message) = check_customer(Some(&name), field(body, "referenceNumber").as_deref())
        {
            return bad_request(message);
        }
        let account_number = self.next_account.to_string();
        self.next_account += 1;
        let mut customer = RsCustomer {
            account_number: account_number.clone(),
            name,
            enabled: true,
            admins: vec!["admin".into()],
            ..RsCustomer::default()
        };
        apply_customer_fields(&mut customer, body);
        self.customers.push(customer);
        // The response is not documented: the new number comes in `Location` only.
        Answer::Ok {
            status: 201,
            body: None,
            location: Some(format!("/v1/customers/{account_number}")),
        }
    }

    /// `PUT /v1/customers/{acct}`.
    pub fn edit_customer(&mut self, account: &str, body: &Map<String, Value>) -> Answer {
        let name = field(body, "name");
        if let Err(message) =
            check_customer(name.as_deref(), field(body, "referenceNumber").as_deref())
        {
            return bad_request(message);
        }
        let Some(customer) = self
            .customers
            .iter_mut()
            .find(|c| c.account_number == account)
        else {
            return not_found(format!("Customer {account} was not found"));
        };
        if let Some(name) = name {
            customer.name = name;
        }
        apply_customer_fields(customer, body);
        ok(200, None)
    }

    /// `POST /v1/customers/{acct}/enable|disable`.
    pub fn toggle(&mut self, account: &str, enable: bool) -> Answer {
        if !self.customers.iter().any(|c| c.account_number == account) {
            return Answer::Fault {
                status: 403,
                name: "unauthorizedFault",
                message: "Not authorized".into(),
            };
        }
        self.toggled.retain(|(_, at)| at.elapsed() < TOGGLE_WINDOW);
        if self.toggled.iter().any(|(a, _)| a == account) {
            return Answer::Fault {
                status: 403,
                name: "unauthorizedFault",
                message: "Exceeded request limits".into(),
            };
        }
        self.toggled.push((account.to_owned(), Instant::now()));
        if let Some(c) = self.account_mut(account) {
            c.enabled = enable;
        }
        ok(200, None)
    }

    /// `DELETE /v1/customers/{acct}`.
    pub fn delete_customer(&mut self, account: &str) -> Answer {
        let before = self.customers.len();
        self.customers.retain(|c| c.account_number != account);
        if self.customers.len() == before {
            return not_found(format!("Customer {account} was not found"));
        }
        ok(200, None)
    }

    /// `POST /v1/customers/{acct}/loginToken`.
    pub fn login_token(&mut self, account: &str, body: &Map<String, Value>) -> Answer {
        let Some(customer) = self.account(account) else {
            return not_found(format!("Customer {account} was not found"));
        };
        let number = customer.account_number.clone();
        let Some(user) = field(body, "userName").filter(|u| !u.trim().is_empty()) else {
            return bad_request("Missing required field: userName");
        };
        let is_virtual = match field(body, "virtualUser")
            .as_deref()
            .map(str::to_ascii_lowercase)
        {
            Some(v) if v == "true" => true,
            Some(v) if v == "false" => false,
            _ => return bad_request("virtualUser must be true or false"),
        };
        if !is_virtual && !customer.admins.iter().any(|a| a == &user) {
            return bad_request(format!("{user} is not an admin user of account {number}"));
        }
        self.tokens_issued += 1;
        let mut state = self.tokens_issued.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5DEE_CE66;
        let token: String = (0..41)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from_digit((state % 16) as u32, 16)
                    .expect("a hex digit")
                    .to_ascii_uppercase()
            })
            .collect();
        let user = if is_virtual {
            format!("{user}_{number}_vu")
        } else {
            user
        };
        self.tokens.push(LoginToken {
            account: number,
            user: user.clone(),
            token: token.clone(),
            created: Instant::now(),
        });
        let created = chrono::Utc::now().naive_utc();
        ok(
            200,
            Some(json!({
                "user": user,
                "token": token,
                "dateCreated": created.format("%-m/%-d/%Y %-I:%M:%S %p").to_string(),
            })),
        )
    }

    /// `POST /v2/customers/{acct}/contacts/`.
    pub fn add_contact(&mut self, account: &str, body: Option<&Map<String, Value>>) -> Answer {
        let Some(body) = body else {
            return bad_request(EMPTY_PAYLOAD);
        };
        let next = self.next_contact;
        let Some(customer) = self.account_mut(account) else {
            return not_found(format!("Customer {account} was not found"));
        };
        let contact = match contact_from(body, next.to_string()) {
            Ok(contact) => contact,
            Err(message) => return bad_request(message),
        };
        if customer.contacts.len() >= CONTACT_LIMIT {
            return bad_request("Contact/Administrator limit reached.");
        }
        let id = contact.id.clone();
        let shown = contact_json(&customer.account_number, &contact);
        customer.contacts.push(contact);
        self.next_contact += 1;
        Answer::Ok {
            status: 201,
            body: Some(shown),
            location: Some(format!("/v2/customers/{account}/contacts/{id}")),
        }
    }

    /// `PUT /v2/customers/{acct}/contacts/{id}`: a whole replacement.
    pub fn edit_contact(
        &mut self,
        account: &str,
        id: &str,
        body: Option<&Map<String, Value>>,
    ) -> Answer {
        let Some(body) = body else {
            return bad_request(EMPTY_PAYLOAD);
        };
        let Some(customer) = self.account_mut(account) else {
            return not_found(format!("Customer {account} was not found"));
        };
        let Some(at) = customer.contacts.iter().position(|k| k.id == id) else {
            return not_found("Make sure the URL is correct.");
        };
        match contact_from(body, id.to_owned()) {
            Ok(contact) => {
                customer.contacts[at] = contact;
                ok(200, None)
            }
            Err(message) => bad_request(message),
        }
    }

    /// `DELETE /v2/customers/{acct}/contacts/{id}`.
    pub fn delete_contact(&mut self, account: &str, id: &str) -> Answer {
        let Some(customer) = self.account_mut(account) else {
            return not_found(format!("Customer {account} was not found"));
        };
        let Some(at) = customer.contacts.iter().position(|k| k.id == id) else {
            return not_found("Make sure the URL is correct.");
        };
        if would_leave_no_billing_contact(&customer.contacts, id) {
            return bad_request(LAST_BILLING_CONTACT);
        }
        customer.contacts.remove(at);
        ok(200, None)
    }
}

/// Deleting contact `id` would remove the account's last contact (its primary one)
/// or its last billing contact.
pub fn would_leave_no_billing_contact(contacts: &[RsContact], id: &str) -> bool {
    let is_billing = contacts.iter().any(|k| k.id == id && k.receives_billing);
    let rest: Vec<&RsContact> = contacts.iter().filter(|k| k.id != id).collect();
    rest.is_empty() || (is_billing && !rest.iter().any(|k| k.receives_billing))
}

/// A string field, matched without regard to case; numbers as their digits.
fn field(body: &Map<String, Value>, name: &str) -> Option<String> {
    body.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
}

fn flag(body: &Map<String, Value>, name: &str) -> Result<bool, String> {
    match body.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
        None => Ok(false),
        Some((_, Value::Bool(b))) => Ok(*b),
        Some((_, Value::String(s))) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some((_, Value::String(s))) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some((k, v)) => Err(format!("{k} must be true or false, not {v}")),
    }
}

/// The documented checks of a customer's name and reference number.
fn check_customer(name: Option<&str>, reference: Option<&str>) -> Result<(), &'static str> {
    if let Some(name) = name {
        if name.trim().is_empty() {
            return Err("Required field name cannot be empty");
        }
        if name.trim() != name {
            return Err("Improper Customer Name: cannot begin or end with a space");
        }
        if name.chars().count() > 100 {
            return Err("Name too long: 100 characters or fewer");
        }
    }
    if reference.is_some_and(|r| r.chars().count() > 20) {
        return Err("Reference number too long: 20 characters or fewer");
    }
    Ok(())
}

fn apply_customer_fields(c: &mut RsCustomer, body: &Map<String, Value>) {
    let set = |slot: &mut Option<String>, name: &str| {
        if let Some(v) = field(body, name) {
            *slot = Some(v);
        }
    };
    set(&mut c.reference_number, "referenceNumber");
    for (name, slot) in c.address.by_api_name_mut() {
        set(slot, name);
    }
}

/// A contact from a POST or PUT body: every field, checked as the provider does.
fn contact_from(body: &Map<String, Value>, id: String) -> Result<RsContact, String> {
    let text = |name: &str| field(body, name).unwrap_or_default();
    let name = text("Name");
    if name.trim().is_empty() {
        return Err("Contact name cannot be empty.".into());
    }
    let email = text("Email");
    if !is_email(&email) {
        return Err("Please enter a valid email address.".into());
    }
    let phone = text("Phone");
    if phone.trim().is_empty() {
        return Err("Phone cannot be empty.".into());
    }
    let security_question = text("SecurityQuestion");
    if security_question.trim().is_empty() {
        return Err("Security question cannot be empty.".into());
    }
    let security_answer = text("SecurityAnswer");
    if security_answer.trim().is_empty() {
        return Err("Security answer cannot be empty.".into());
    }
    Ok(RsContact {
        id,
        name,
        email,
        phone,
        receives_alerts: flag(body, "ReceivesAlerts")?,
        receives_billing: flag(body, "ReceivesBilling")?,
        receives_updates: flag(body, "ReceivesUpdates")?,
        security_question,
        security_answer,
    })
}

/// A contact as `GET .../contacts` sends it: security question and answer included.
pub fn contact_json(account: &str, k: &RsContact) -> Value {
    json!({
        "CustomerNumber": account,
        "Email": k.email,
        "Id": k.id,
        "Name": k.name,
        "Phone": k.phone,
        "ReceivesAlerts": k.receives_alerts,
        "ReceivesBilling": k.receives_billing,
        "ReceivesUpdates": k.receives_updates,
        "SecurityAnswer": k.security_answer,
        "SecurityQuestion": k.security_question,
    })
}

/// A customer as show sends it.
pub fn customer_json(c: &RsCustomer) -> Value {
    let mut customer = json!({
        "name": c.name,
        "accountNumber": c.account_number,
        "referenceNumber": c.reference_number,
    });
    for (name, value) in c.address.by_api_name() {
        customer[name] = json!(value);
    }
    customer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::WorldOptions;

    fn body(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn customer_names_are_checked_as_documented() {
        let mut a = RsAccounts::from_world(
            &World::generate(WorldOptions::default()),
            "Sandbox Reseller",
        );
        let fault = |answer: Answer| match answer {
            Answer::Fault { message, .. } => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            fault(a.add_customer(&body(json!({})))),
            "Missing required field: name"
        );
        assert_eq!(
            fault(a.add_customer(&body(json!({"name": "  "})))),
            "Required field name cannot be empty"
        );
        assert_eq!(
            fault(a.add_customer(&body(json!({"name": " Acme"})))),
            "Improper Customer Name: cannot begin or end with a space"
        );
        assert_eq!(
            fault(a.add_customer(&body(json!({"name": "x".repeat(101)})))),
            "Name too long: 100 characters or fewer"
        );
        assert_eq!(
            fault(a.add_customer(&body(
                json!({"name": "Acme", "referenceNumber": "r".repeat(21)})
            ))),
            "Reference number too long: 20 characters or fewer"
        );
        let before = a.customers.len();
        assert!(matches!(
            a.add_customer(&body(
                json!({"name": "x".repeat(100), "referenceNumber": "r".repeat(20)})
            )),
            Answer::Ok { status: 201, .. }
        ));
        assert_eq!(a.customers.len(), before + 1);
    }

    #[test]
    fn the_last_billing_contact_stays() {
        let k = |id: &str, billing: bool| RsContact {
            id: id.into(),
            name: "n".into(),
            email: "e@x.example".into(),
            phone: "1".into(),
            receives_alerts: false,
            receives_billing: billing,
            receives_updates: false,
            security_question: "q".into(),
            security_answer: "a".into(),
        };
        let both = [k("1", true), k("2", false)];
        assert!(would_leave_no_billing_contact(&both, "1"));
        assert!(!would_leave_no_billing_contact(&both, "2"));
        assert!(would_leave_no_billing_contact(&[k("1", false)], "1"));
        assert!(!would_leave_no_billing_contact(
            &[k("1", true), k("2", true)],
            "1"
        ));
    }

    #[test]
    fn e_mail_addresses() {
        for good in ["a@b.example", "first.last+tag@sub.domain.org"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "a@",
            "@b.example",
            "a@b",
            "a b@c.example",
            "a@@b.example",
            "a@.example",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
