//! The Rackspace writes tally sends, each built by one typed method that owns its
//! path and body: v1 (customers, login tokens) as form fields, as both official
//! clients send them and the documentation's examples show; v2 contacts as JSON,
//! as their page requires (API-NOTES: "Evidence from the providers' own clients").

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::client::{Client, segment};
use super::wire::Address;
use crate::api::secret::Secret;
use crate::api::write::{Encoding, WriteRequest};

/// A customer's fields for an add or an edit (`None`: left out of the body).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerBody {
    pub name: Option<String>,
    pub reference_number: Option<String>,
    pub address: Address,
}

impl CustomerBody {
    /// Each field by its API name, in the API's order.
    pub fn by_api_name(&self) -> Vec<(&'static str, &Option<String>)> {
        let mut fields = vec![
            ("name", &self.name),
            ("referenceNumber", &self.reference_number),
        ];
        fields.extend(self.address.by_api_name());
        fields
    }

    /// Fields given here, the rest from `fallback`.
    pub fn or(&self, fallback: &CustomerBody) -> CustomerBody {
        CustomerBody {
            name: self.name.clone().or_else(|| fallback.name.clone()),
            reference_number: (self.reference_number.clone())
                .or_else(|| fallback.reference_number.clone()),
            address: self.address.or(&fallback.address),
        }
    }

    /// Nothing given.
    pub fn is_empty(&self) -> bool {
        self.by_api_name().iter().all(|(_, v)| v.is_none())
    }

    fn fields(&self) -> Value {
        let map: Map<String, Value> = self
            .by_api_name()
            .into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_owned(), Value::from(v.as_str()))))
            .collect();
        Value::Object(map)
    }
}

impl From<&super::wire::Customer> for CustomerBody {
    /// A customer as read, to send back what an edit does not change.
    fn from(c: &super::wire::Customer) -> CustomerBody {
        CustomerBody {
            name: c.name.clone(),
            reference_number: c.reference_number.clone(),
            address: c.address.clone(),
        }
    }
}

/// A contact as a v2 add or edit sends it: every field, the security question and
/// answer included (an edit sends back the ones it read).
#[derive(Debug, Clone)]
pub struct ContactBody {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub receives_alerts: bool,
    pub receives_billing: bool,
    pub receives_updates: bool,
    pub security_question: Secret,
    pub security_answer: Secret,
}

impl ContactBody {
    fn fields(&self) -> Value {
        json!({
            "Email": self.email,
            "Name": self.name,
            "Phone": self.phone,
            "ReceivesAlerts": self.receives_alerts,
            "ReceivesBilling": self.receives_billing,
            "ReceivesUpdates": self.receives_updates,
            "SecurityAnswer": self.security_answer.expose(),
            "SecurityQuestion": self.security_question.expose(),
        })
    }
}

/// A contact body's keys that are secrets.
const CONTACT_SECRETS: &[&str] = &["SecurityQuestion", "SecurityAnswer"];

fn customer_path(account: &str) -> String {
    format!("/v1/customers/{}", segment(account))
}

fn contact_path(account: &str, id: &str) -> String {
    format!(
        "/v2/customers/{}/contacts/{}",
        segment(account),
        segment(id)
    )
}

impl Client {
    /// `POST /v1/customers`.
    pub fn customer_add(&self, customer: &CustomerBody) -> WriteRequest {
        WriteRequest::with(
            Method::POST,
            "/v1/customers".into(),
            customer.fields(),
            Encoding::Form,
        )
    }

    /// `PUT /v1/customers/{account}`: the whole customer.
    pub fn customer_edit(&self, account: &str, customer: &CustomerBody) -> WriteRequest {
        WriteRequest::with(
            Method::PUT,
            customer_path(account),
            customer.fields(),
            Encoding::Form,
        )
    }

    /// `POST /v1/customers/{account}/enable` (or `/disable`).
    pub fn customer_enable(&self, account: &str, enable: bool) -> WriteRequest {
        let verb = if enable { "enable" } else { "disable" };
        WriteRequest::bare(Method::POST, format!("{}/{verb}", customer_path(account)))
    }

    /// `DELETE /v1/customers/{account}`.
    pub fn customer_delete(&self, account: &str) -> WriteRequest {
        WriteRequest::bare(Method::DELETE, customer_path(account))
    }

    /// `POST /v1/customers/{account}/loginToken`.
    pub fn login_token(&self, account: &str, user: &str, is_virtual: bool) -> WriteRequest {
        WriteRequest::with(
            Method::POST,
            format!("{}/loginToken", customer_path(account)),
            json!({
                "userName": user,
                "virtualUser": if is_virtual { "true" } else { "false" },
            }),
            Encoding::Form,
        )
    }

    /// `POST /v2/customers/{account}/contacts/`.
    pub fn contact_add(&self, account: &str, contact: &ContactBody) -> WriteRequest {
        WriteRequest::with(
            Method::POST,
            format!("/v2/customers/{}/contacts/", segment(account)),
            contact.fields(),
            Encoding::Json,
        )
        .secrets(CONTACT_SECRETS)
    }

    /// `PUT /v2/customers/{account}/contacts/{id}`: the whole contact.
    pub fn contact_edit(&self, account: &str, id: &str, contact: &ContactBody) -> WriteRequest {
        WriteRequest::with(
            Method::PUT,
            contact_path(account, id),
            contact.fields(),
            Encoding::Json,
        )
        .secrets(CONTACT_SECRETS)
    }

    /// `DELETE /v2/customers/{account}/contacts/{id}`.
    pub fn contact_delete(&self, account: &str, id: &str) -> WriteRequest {
        WriteRequest::bare(Method::DELETE, contact_path(account, id))
    }
}
