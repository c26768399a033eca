//! The MailRoute writes tally sends, each built by one typed method that owns its
//! path and body (JSON, as Tastypie takes it). An update is the whole object:
//! Tastypie's PUT resets a field left out.

use reqwest::Method;
use serde_json::{Map, Value};

use super::client::Client;
use crate::api::write::{Encoding, WriteRequest};

/// A contact as a create or an update sends it (`None`: left out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactBody {
    pub email: Option<String>,
    /// The customer's resource URI (`/api/v1/customer/7/`).
    pub customer: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zipcode: Option<String>,
    pub country: Option<String>,
    pub is_billing: Option<bool>,
    pub is_technical: Option<bool>,
    pub is_emergency: Option<bool>,
}

impl ContactBody {
    /// A contact object as MailRoute answered it, every field it has kept as it
    /// is (an empty text stays empty: sent back, it changes nothing).
    pub fn from_object(object: &Value) -> ContactBody {
        let text = |key: &str| match object.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        let flag = |key: &str| object.get(key).and_then(Value::as_bool);
        ContactBody {
            email: text("email"),
            customer: text("customer"),
            first_name: text("first_name"),
            last_name: text("last_name"),
            phone: text("phone"),
            address: text("address"),
            address2: text("address2"),
            city: text("city"),
            state: text("state"),
            zipcode: text("zipcode"),
            country: text("country"),
            is_billing: flag("is_billing"),
            is_technical: flag("is_technical"),
            is_emergency: flag("is_emergency"),
        }
    }

    /// Fields given here, the rest from `fallback`.
    pub fn or(self, fallback: ContactBody) -> ContactBody {
        ContactBody {
            email: self.email.or(fallback.email),
            customer: self.customer.or(fallback.customer),
            first_name: self.first_name.or(fallback.first_name),
            last_name: self.last_name.or(fallback.last_name),
            phone: self.phone.or(fallback.phone),
            address: self.address.or(fallback.address),
            address2: self.address2.or(fallback.address2),
            city: self.city.or(fallback.city),
            state: self.state.or(fallback.state),
            zipcode: self.zipcode.or(fallback.zipcode),
            country: self.country.or(fallback.country),
            is_billing: self.is_billing.or(fallback.is_billing),
            is_technical: self.is_technical.or(fallback.is_technical),
            is_emergency: self.is_emergency.or(fallback.is_emergency),
        }
    }

    fn fields(&self) -> Value {
        let mut map = Map::new();
        for (key, value) in [
            ("email", &self.email),
            ("customer", &self.customer),
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("phone", &self.phone),
            ("address", &self.address),
            ("address2", &self.address2),
            ("city", &self.city),
            ("state", &self.state),
            ("zipcode", &self.zipcode),
            ("country", &self.country),
        ] {
            if let Some(value) = value {
                map.insert(key.to_owned(), Value::from(value.as_str()));
            }
        }
        for (key, value) in [
            ("is_billing", self.is_billing),
            ("is_technical", self.is_technical),
            ("is_emergency", self.is_emergency),
        ] {
            if let Some(value) = value {
                map.insert(key.to_owned(), Value::from(value));
            }
        }
        Value::Object(map)
    }
}

/// A customer's resource URI.
pub fn customer_uri(id: i64) -> String {
    format!("/api/v1/customer/{id}/")
}

/// A reseller's resource URI.
fn reseller_uri(id: i64) -> String {
    format!("/api/v1/reseller/{id}/")
}

/// The path of one customer.
pub fn customer_path(id: i64) -> String {
    format!("customer/{id}/")
}

/// The path of one customer contact.
pub fn contact_path(id: i64) -> String {
    format!("contact_customer/{id}/")
}

fn json(method: Method, path: String, fields: Value) -> WriteRequest {
    WriteRequest::with(method, path, fields, Encoding::Json)
}

impl Client {
    /// `POST customer/`.
    pub fn customer_create(&self, name: &str, reseller: i64) -> WriteRequest {
        json(
            Method::POST,
            "customer/".into(),
            serde_json::json!({"name": name, "reseller": reseller_uri(reseller)}),
        )
    }

    /// `PUT customer/{id}/`: the name, the reseller (its URI) as read.
    pub fn customer_update(&self, id: i64, name: &str, reseller: Option<&str>) -> WriteRequest {
        let mut fields = Map::new();
        fields.insert("name".into(), Value::from(name));
        if let Some(reseller) = reseller {
            fields.insert("reseller".into(), Value::from(reseller));
        }
        json(Method::PUT, customer_path(id), Value::Object(fields))
    }

    /// `DELETE customer/{id}/`.
    pub fn customer_delete(&self, id: i64) -> WriteRequest {
        WriteRequest::bare(Method::DELETE, customer_path(id))
    }

    /// `POST contact_customer/`.
    pub fn contact_create(&self, contact: &ContactBody) -> WriteRequest {
        json(Method::POST, "contact_customer/".into(), contact.fields())
    }

    /// `PUT contact_customer/{id}/`: the whole contact.
    pub fn contact_update(&self, id: i64, contact: &ContactBody) -> WriteRequest {
        json(Method::PUT, contact_path(id), contact.fields())
    }

    /// `DELETE contact_customer/{id}/`.
    pub fn contact_delete(&self, id: i64) -> WriteRequest {
        WriteRequest::bare(Method::DELETE, contact_path(id))
    }

    /// `POST admins/customer/{customer}/`.
    pub fn admin_create(&self, customer: i64, email: &str, send_welcome: bool) -> WriteRequest {
        json(
            Method::POST,
            format!("admins/customer/{customer}/"),
            serde_json::json!({"email": email, "send_welcome": send_welcome}),
        )
    }

    /// `DELETE admins/customer/{customer}/admin/{id}/`.
    pub fn admin_delete(&self, customer: i64, id: i64) -> WriteRequest {
        WriteRequest::bare(
            Method::DELETE,
            format!("admins/customer/{customer}/admin/{id}/"),
        )
    }
}
