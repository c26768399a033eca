//! The JSON the Rackspace API sends, as typed models. Keys are matched without
//! regard to case (v1 sends `accountNumber`, v2 `InvoiceId`, and the notes say case
//! is not to be trusted): every object key is lowercased before serde sees it.
//!
//! Contacts' `SecurityQuestion`/`SecurityAnswer` are account-recovery secrets: the
//! model has no field for them, and [`parse`] removes them from the document before
//! anything else happens, so they are never stored, printed or logged.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::amount::Amount;
use crate::ids::{AccountNumber, InvoiceId, MAX_INVOICE_ID};

/// Keys dropped from every document on arrival (lowercased).
const NEVER_KEPT: [&str; 2] = ["securityquestion", "securityanswer"];

/// Parses a response body into `T`, matching keys case-insensitively.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    let value: Value = serde_json::from_slice(body)?;
    serde_json::from_value(normalize(value))
}

/// Lowercases every object key, recursively, and drops the keys in [`NEVER_KEPT`].
fn normalize(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .filter(|(k, _)| !NEVER_KEPT.contains(&k.as_str()))
                .map(|(k, v)| (k, normalize(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        other => other,
    }
}

/// Text that some servers send as a JSON number (ids): kept as the digits sent.
fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string or an integer, found {other}"
        ))),
    }
}

/// An account number, checked where it comes in (digits only).
fn account_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<AccountNumber, D::Error> {
    AccountNumber::parse(&text_or_number(d)?).map_err(serde::de::Error::custom)
}

/// An invoice id, checked where it comes in (it names files and goes into URLs).
fn invoice_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<InvoiceId, D::Error> {
    let text = text_or_number(d)?;
    InvoiceId::parse(&text).map_err(|_| {
        serde::de::Error::custom(format!(
            "invoice id {:?} is not one tally can store (1 to {MAX_INVOICE_ID} characters, no path separator or control character)",
            text.chars().take(40).collect::<String>()
        ))
    })
}

fn optional_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected a string, found {other}"
        ))),
    }
}

/// A decimal sent as a string (`"1122.55"`); a JSON number would already have been
/// through a float, so it is refused rather than guessed at.
fn amount_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Amount::parse(&s).map_err(serde::de::Error::custom),
        other => Err(serde::de::Error::custom(format!(
            "expected a decimal string like \"1122.55\", found {other}"
        ))),
    }
}

/// `GET /v1/customers`: `{offset, size, total, customers: [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CustomerList {
    pub offset: Option<u64>,
    pub size: Option<u64>,
    pub total: Option<u64>,
    #[serde(default)]
    pub customers: Vec<Customer>,
}

/// A customer as the index lists it, or (with the address block) as show returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Customer {
    #[serde(rename = "accountnumber", deserialize_with = "account_number")]
    pub account_number: AccountNumber,
    #[serde(default, deserialize_with = "optional_text")]
    pub name: Option<String>,
    #[serde(
        rename = "referencenumber",
        default,
        deserialize_with = "optional_text"
    )]
    pub reference_number: Option<String>,
    /// Only as show returns it (the index has none).
    #[serde(flatten)]
    pub address: Address,
}

/// A customer's address block, as Rackspace keeps it: one definition for the wire,
/// the write bodies, the store (`store::CustomerDetails`) and the sandbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Address {
    #[serde(rename = "addressline1", default, deserialize_with = "optional_text")]
    pub address_line1: Option<String>,
    #[serde(rename = "addressline2", default, deserialize_with = "optional_text")]
    pub address_line2: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    pub city: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    pub zip: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    pub country: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    pub email: Option<String>,
}

impl Address {
    /// Each field by its name in the API's write bodies, in the API's order.
    pub fn by_api_name(&self) -> [(&'static str, &Option<String>); 8] {
        [
            ("addressLine1", &self.address_line1),
            ("addressLine2", &self.address_line2),
            ("city", &self.city),
            ("state", &self.state),
            ("zip", &self.zip),
            ("country", &self.country),
            ("phone", &self.phone),
            ("email", &self.email),
        ]
    }

    /// [`Address::by_api_name`], each field to set.
    pub fn by_api_name_mut(&mut self) -> [(&'static str, &mut Option<String>); 8] {
        [
            ("addressLine1", &mut self.address_line1),
            ("addressLine2", &mut self.address_line2),
            ("city", &mut self.city),
            ("state", &mut self.state),
            ("zip", &mut self.zip),
            ("country", &mut self.country),
            ("phone", &mut self.phone),
            ("email", &mut self.email),
        ]
    }

    /// The fields given here, the rest from `fallback`.
    pub fn or(&self, fallback: &Address) -> Address {
        let mut merged = self.clone();
        for ((_, slot), (_, other)) in merged
            .by_api_name_mut()
            .into_iter()
            .zip(fallback.by_api_name())
        {
            if slot.is_none() {
                slot.clone_from(other);
            }
        }
        merged
    }
}

/// A v2 list: `{Size, Offset, Total, Items: [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ItemList<T> {
    pub size: Option<u64>,
    pub offset: Option<u64>,
    pub total: Option<u64>,
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
}

/// One entry of `GET /v2/customers/{acct}/invoices`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Invoice {
    #[serde(rename = "invoiceid", deserialize_with = "invoice_id")]
    pub invoice_id: InvoiceId,
    /// `2017-12-07T00:00:00`: no zone.
    #[serde(rename = "invoicedate")]
    pub invoice_date: chrono::NaiveDateTime,
    #[serde(rename = "invoicetype", default, deserialize_with = "optional_text")]
    pub invoice_type: Option<String>,
    #[serde(rename = "totaldue", deserialize_with = "amount_text")]
    pub total_due: Amount,
    #[serde(rename = "ispaid")]
    pub is_paid: bool,
    #[serde(rename = "csvavailable")]
    pub csv_available: bool,
}

/// One entry of `GET /v2/customers/{acct}/contacts`, without its security Q&A.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Contact {
    #[serde(deserialize_with = "text_or_number")]
    pub id: String,
    #[serde(rename = "customernumber", default, deserialize_with = "optional_text")]
    pub customer_number: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    pub phone: Option<String>,
    #[serde(rename = "receivesalerts", default)]
    pub receives_alerts: bool,
    #[serde(rename = "receivesbilling", default)]
    pub receives_billing: bool,
    #[serde(rename = "receivesupdates", default)]
    pub receives_updates: bool,
}

/// A contact as `contact edit` needs it: every field, with the security question
/// and answer held as [`Secret`]s so that they can be sent back unchanged and are
/// never shown (their `Debug` is redacted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullContact {
    pub contact: Contact,
    pub security_question: crate::api::secret::Secret,
    pub security_answer: crate::api::secret::Secret,
}

/// Parses one contact keeping its security question and answer apart, as secrets.
pub fn parse_full_contact(body: &[u8]) -> Result<FullContact, serde_json::Error> {
    let value: Value = serde_json::from_slice(body)?;
    let secret = |name: &str| {
        value
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            .and_then(|(_, v)| v.as_str())
            .map(crate::api::secret::Secret::new)
            .ok_or_else(|| {
                <serde_json::Error as serde::de::Error>::custom(format!(
                    "the contact has no {name}"
                ))
            })
    };
    let security_question = secret("SecurityQuestion")?;
    let security_answer = secret("SecurityAnswer")?;
    let contact: Contact = serde_json::from_value(normalize(value))?;
    Ok(FullContact {
        contact,
        security_question,
        security_answer,
    })
}

/// What a Rackspace error body says: a fault's message
/// (`{"<anything>Fault": {"message": ...}}`) with its `details` and `resourceType`
/// beside it when it has them, a bare JSON string, or a short plain-text body
/// (another client matches the throttle text anywhere in one). An HTML page or an
/// empty body says nothing.
pub fn error_message(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map.iter().find_map(|(key, inner)| {
            if !key.to_ascii_lowercase().ends_with("fault") {
                return None;
            }
            let inner = inner.as_object()?;
            let text = |name: &str| {
                inner
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .and_then(|(_, v)| v.as_str())
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
            };
            let message = text("message")?;
            let beside: Vec<String> = [("details", "details"), ("resourceType", "resource type")]
                .iter()
                .filter_map(|(key, label)| text(key).map(|v| format!("{label}: {v}")))
                .collect();
            Some(if beside.is_empty() {
                message.to_owned()
            } else {
                format!("{message} ({})", beside.join("; "))
            })
        }),
        Ok(Value::String(text)) => Some(text.trim().to_owned()).filter(|t| !t.is_empty()),
        Ok(_) => None,
        Err(_) => {
            let text = std::str::from_utf8(body).ok()?.trim();
            let plain = !text.is_empty() && !text.starts_with('<') && text.len() <= 1_000;
            plain.then(|| text.to_owned())
        }
    }
}

/// True when a 403 is throttling ("Exceeded request limits"), not an auth failure.
pub fn is_throttle_message(message: &str) -> bool {
    message
        .to_ascii_lowercase()
        .contains("exceeded request limits")
}

impl crate::api::paging::Keyed for Customer {
    fn key(&self) -> String {
        self.account_number.to_string()
    }
}

impl crate::api::paging::Keyed for Invoice {
    fn key(&self) -> String {
        self.invoice_id.to_string()
    }
}

impl crate::api::paging::Keyed for Contact {
    fn key(&self) -> String {
        self.id.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_invoice_list() {
        let body = br#"{ "Size": 50, "Offset": 0, "Total": 1, "Items": [{ "InvoiceId": "123", "InvoiceDate": "2017-12-07T00:00:00", "InvoiceType": "Billing", "TotalDue": "1122.55", "IsPaid": true, "CsvAvailable": true }] }"#;
        let list: ItemList<Invoice> = parse(body).unwrap();
        assert_eq!(list.total, Some(1));
        let inv = &list.items[0];
        assert_eq!(inv.invoice_id, "123");
        assert_eq!(inv.invoice_date.to_string(), "2017-12-07 00:00:00");
        assert_eq!(inv.invoice_type.as_deref(), Some("Billing"));
        assert_eq!(inv.total_due.to_string(), "1122.55");
        assert!(inv.is_paid && inv.csv_available);
    }

    #[test]
    fn keys_in_any_case_and_numeric_ids() {
        let body = br#"{"size":50,"OFFSET":0,"total":1,"items":[{"invoiceId":123,"invoicedate":"2017-12-07T00:00:00","TOTALDUE":"-5","isPaid":false,"csvAvailable":false}]}"#;
        let list: ItemList<Invoice> = parse(body).unwrap();
        assert_eq!(list.items[0].invoice_id, "123");
        assert_eq!(list.items[0].total_due.to_string(), "-5");
        assert_eq!(list.items[0].invoice_type, None);
    }

    #[test]
    fn a_float_total_is_refused() {
        let body = br#"{"Items":[{"InvoiceId":"1","InvoiceDate":"2017-12-07T00:00:00","TotalDue":1122.55,"IsPaid":true,"CsvAvailable":true}]}"#;
        let err = parse::<ItemList<Invoice>>(body).unwrap_err().to_string();
        assert!(
            err.starts_with("expected a decimal string like \"1122.55\", found 1122.55"),
            "{err}"
        );
    }

    #[test]
    fn ids_that_cannot_be_stored_are_refused_where_they_come_in() {
        let body = br#"{"customers":[{"name":"A","accountNumber":"46O182"}]}"#;
        let err = parse::<CustomerList>(body).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "expected an account number (digits only, e.g. 1100000); found \"46O182\""
            ),
            "{err}"
        );
        let body = br#"{"Items":[{"InvoiceId":"../etc","InvoiceDate":"2017-12-07T00:00:00","TotalDue":"1","IsPaid":true,"CsvAvailable":true}]}"#;
        let err = parse::<ItemList<Invoice>>(body).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "invoice id \"../etc\" is not one tally can store (1 to 64 characters, no path separator or control character)"
            ),
            "{err}"
        );
    }

    #[test]
    fn the_documented_customer_list_and_show() {
        let body = br#"{"offset":0,"size":50,"total":3,"customers": [{"name":"API Customer 17","accountNumber":"460182","referenceNumber":"49"}, {"name":"API Customer 39","accountNumber":"460181","referenceNumber":"23"}, {"name":"API Customer 50","accountNumber":"460183","referenceNumber":"10"}]}"#;
        let list: CustomerList = parse(body).unwrap();
        assert_eq!(list.total, Some(3));
        assert_eq!(list.customers[1].account_number, "460181");
        assert_eq!(list.customers[1].reference_number.as_deref(), Some("23"));
        let show = br#"{ "name":"API Customer 17", "accountNumber":"460182", "referenceNumber":"49", "addressLine1":"555 Address", "addressLine2":"Suite 555", "city":"Austin", "state":"Texas", "zip":"78703", "country":"USA", "phone":"1-555-555-5555", "email":"user@example.com" }"#;
        let c: Customer = parse(show).unwrap();
        assert_eq!(c.address.city.as_deref(), Some("Austin"));
        assert_eq!(c.address.address_line2.as_deref(), Some("Suite 555"));
    }

    #[test]
    fn contacts_lose_their_security_answers_on_arrival() {
        let body = br#"{ "Size": 50, "Offset": 0, "Total": 1, "Items": [{ "CustomerNumber": "999999", "Email": "user@example.com", "Id": "1", "Name": "Contact first - Ellie", "Phone": "1235555555", "ReceivesAlerts": true, "ReceivesBilling": true, "ReceivesUpdates": true, "SecurityAnswer": "my-secret-answer", "SecurityQuestion": "Q" }] }"#;
        let list: ItemList<Contact> = parse(body).unwrap();
        let c = &list.items[0];
        assert!(c.receives_billing);
        assert!(!format!("{list:?}").contains("my-secret-answer"));
        let normalized = normalize(serde_json::from_slice(body).unwrap()).to_string();
        assert!(
            !normalized.contains("my-secret-answer") && !normalized.contains("securityquestion")
        );
    }

    #[test]
    fn a_full_contact_keeps_its_answer_as_a_secret() {
        let body = br#"{ "CustomerNumber": "999999", "Email": "user@example.com", "Id": "4", "Name": "Ellie", "Phone": "1235555555", "ReceivesAlerts": true, "ReceivesBilling": true, "ReceivesUpdates": false, "SecurityAnswer": "my-secret-answer", "SecurityQuestion": "my-secret-question" }"#;
        let full = parse_full_contact(body).unwrap();
        assert_eq!(full.contact.id, "4");
        assert!(full.contact.receives_billing && !full.contact.receives_updates);
        assert_eq!(full.security_answer.expose(), "my-secret-answer");
        let shown = format!("{full:?}");
        assert!(!shown.contains("my-secret"), "{shown}");
        let err = parse_full_contact(br#"{"Id": "4"}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "the contact has no SecurityQuestion");
    }

    #[test]
    fn error_bodies_in_every_shape_the_clients_meet() {
        // Any *Fault root, with details and resourceType beside the message.
        let body = br#"{"itemNotFoundFault":{"code":404,"details":"Account 1234567 was not found","message":"Customer not found","resourceType":"customer"}}"#;
        assert_eq!(
            error_message(body).as_deref(),
            Some(
                "Customer not found (details: Account 1234567 was not found; resource type: customer)"
            )
        );
        let body = br#"{"validationFault":{"message":"Name too long: 100 characters or fewer","code":400,"additionalData":{"isRecoverable":false}}}"#;
        assert_eq!(
            error_message(body).as_deref(),
            Some("Name too long: 100 characters or fewer")
        );
        // A plain-text body, a bare JSON string, `\/` escapes.
        assert_eq!(
            error_message(b"Exceeded request limits\r\n").as_deref(),
            Some("Exceeded request limits")
        );
        assert_eq!(
            error_message(br#""Exceeded request limits""#).as_deref(),
            Some("Exceeded request limits")
        );
        assert_eq!(
            error_message(br#"{"badRequestFault":{"message":"Bad path \/v1\/customers"}}"#)
                .as_deref(),
            Some("Bad path /v1/customers")
        );
        // Nothing said: empty, whitespace, HTML, JSON without a fault.
        for silent in [
            &b""[..],
            b"  \n",
            b"<html><body>403</body></html>",
            b"{}",
            b"null",
        ] {
            assert_eq!(error_message(silent), None, "{silent:?}");
        }
    }

    #[test]
    fn tolerant_reads_of_customers() {
        // accountNumber as a number or a string; referenceNumber null, a number or
        // absent; `\/` escapes; keys in alphabetical order as the API sends them.
        let body = br#"{"accountNumber":460182,"city":"San Antonio","email":"billing@example.com","name":"Cedar \/ Law","referenceNumber":null}"#;
        let c: Customer = parse(body).unwrap();
        assert_eq!(
            (
                c.account_number.as_str(),
                c.name.as_deref(),
                c.reference_number
            ),
            ("460182", Some("Cedar / Law"), None)
        );
        let body = br#"{"accountNumber":"460183","name":"Orbit Labs","referenceNumber":49}"#;
        let c: Customer = parse(body).unwrap();
        assert_eq!(c.reference_number.as_deref(), Some("49"));
        let c: Customer = parse(br#"{"accountNumber":"460184"}"#).unwrap();
        assert_eq!((c.name, c.reference_number), (None, None));
    }

    #[test]
    fn fault_messages_and_throttling() {
        let throttled =
            br#"{"unauthorizedFault":{"message":"Exceeded request limits","code":403}}"#;
        assert_eq!(
            error_message(throttled).as_deref(),
            Some("Exceeded request limits")
        );
        assert!(is_throttle_message("Exceeded request limits"));
        let auth = br#"{"unauthorizedFault":{"message":"Authentication failed","code":403}}"#;
        assert!(!is_throttle_message(&error_message(auth).unwrap()));
        assert_eq!(
            error_message(br#"{"itemNotFoundFault":{"Message":"No such invoice"}}"#).as_deref(),
            Some("No such invoice")
        );
        assert_eq!(error_message(b"<html>oops</html>"), None);
        assert_eq!(error_message(br#"{"error":"x"}"#), None);
    }
}
