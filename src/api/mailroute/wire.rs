//! The JSON MailRoute sends, as typed models. Related objects come as resource URIs
//! (`/api/v1/customer/157/`): [`uri_id`] takes the id out. Dates are RFC 2822 with a
//! zone (`Mon, 18 Feb 2013 10:10:15 -0800`) and are kept as UTC.

use chrono::{DateTime, NaiveDateTime};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `{"objects": [...], "meta": {"limit", "offset", "total_count", "next", "previous"}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct List<T> {
    #[serde(default = "Vec::new")]
    pub objects: Vec<T>,
    #[serde(default)]
    pub meta: Meta,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Meta {
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    pub total_count: Option<u64>,
    /// A URL relative to the host, keeping the filters; null at the end.
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Reseller {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Customer {
    pub id: i64,
    pub name: String,
    /// The one usage figure MailRoute has (null when not reported).
    pub reported_user_count: Option<i64>,
    /// The reseller's resource URI.
    pub reseller: Option<String>,
    #[serde(default, deserialize_with = "rfc2822")]
    pub created_at: Option<NaiveDateTime>,
    #[serde(default, deserialize_with = "rfc2822")]
    pub updated_at: Option<NaiveDateTime>,
}

/// A contact. MailRoute writes an empty text field as `null` or `""` (both occur
/// for the same field in one list): both read as `None`, so they are stored alike
/// (NULL).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Contact {
    pub id: i64,
    /// The customer's resource URI.
    pub customer: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub phone: Option<String>,
    #[serde(default)]
    pub is_billing: bool,
    #[serde(default)]
    pub is_technical: bool,
    #[serde(default)]
    pub is_emergency: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Admin {
    pub id: i64,
    pub username: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub is_active: bool,
    #[serde(default, deserialize_with = "rfc2822")]
    pub date_joined: Option<NaiveDateTime>,
    #[serde(default, deserialize_with = "rfc2822")]
    pub last_login: Option<NaiveDateTime>,
}

/// Optional text: `null`, `""` and blanks all read as `None`.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|t| !t.trim().is_empty()))
}

/// An RFC 2822 date with its zone, as UTC; null → None.
fn rfc2822<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => DateTime::parse_from_rfc2822(text.trim())
            .map(|t| Some(t.naive_utc()))
            .map_err(|e| serde::de::Error::custom(format!("date \"{text}\": {e}"))),
    }
}

/// The id at the end of a resource URI: `/api/v1/customer/157/` → 157.
pub fn uri_id(uri: &str) -> Option<i64> {
    uri.trim_end_matches('/').rsplit('/').next()?.parse().ok()
}

/// What a MailRoute error body says: `{"error": ...}`, `{"error_message": ...}`, or
/// field errors `{"contact_customer": {"email": ["This field is required."]}}`.
pub fn error_message(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    for key in ["error_message", "error"] {
        if let Some(Value::String(m)) = object.get(key) {
            return Some(m.clone());
        }
    }
    let mut parts = Vec::new();
    for (resource, fields) in object {
        let Some(fields) = fields.as_object() else {
            continue;
        };
        for (field, messages) in fields {
            let text = match messages {
                Value::Array(list) => list
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" "),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            parts.push(format!("{resource}.{field}: {text}"));
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_customer_list() {
        let body = br#"{ "objects" : [ { "is_full_user_list" : false, "name" : "asdfasdf.com", "branding_info" : "/api/v1/brandinginfo/506/", "resource_uri" : "/api/v1/customer/149/", "created_at" : "Thu, 14 Feb 2013 16:12:45 -0800", "allow_branding" : false, "updated_at" : "Thu, 14 Feb 2013 16:12:55 -0800", "absolute_url" : "/customer/149/", "id" : 149, "reported_user_count" : null, "reseller" : "/api/v1/reseller/253/" } ], "meta" : { "previous" : null, "next" : null, "limit" : 20, "total_count" : 2, "offset" : 0 } }"#;
        let list: List<Customer> = serde_json::from_slice(body).unwrap();
        let c = &list.objects[0];
        assert_eq!(
            (c.id, c.name.as_str(), c.reported_user_count),
            (149, "asdfasdf.com", None)
        );
        // 16:12:45 at -08:00 is 00:12:45 UTC the next day.
        assert_eq!(c.created_at.unwrap().to_string(), "2013-02-15 00:12:45");
        assert_eq!(uri_id(c.reseller.as_deref().unwrap()), Some(253));
        assert_eq!(list.meta.total_count, Some(2));
        assert_eq!(list.meta.next, None);
    }

    #[test]
    fn the_documented_contact_and_admin() {
        let contact = br#"{ "state" : "", "last_name" : "NewLastName", "is_technical" : true, "email" : "newemail@domain.com", "city" : "", "created_at" : "Mon, 18 Feb 2013 10:10:19 -0800", "is_emergency" : false, "id" : 314, "address" : null, "is_billing" : true, "country" : "", "zipcode" : null, "phone" : null, "address2" : null, "resource_uri" : "/api/v1/contact_customer/314/", "updated_at" : "Mon, 18 Feb 2013 10:10:20 -0800", "customer" : "/api/v1/customer/157/", "absolute_url" : "/contacts/customer/314/", "first_name" : "NewFirstName" }"#;
        let c: Contact = serde_json::from_slice(contact).unwrap();
        assert!(c.is_billing && c.is_technical && !c.is_emergency);
        assert_eq!(uri_id(c.customer.as_deref().unwrap()), Some(157));
        let admin = br#"{ "last_login" : "Mon, 18 Feb 2013 10:10:13 -0800", "send_welcome" : null, "username" : "email@domain.com", "date_joined" : "Mon, 18 Feb 2013 10:10:13 -0800", "email" : "email@domain.com", "resource_uri" : "/api/v1/admins/customer/157/admin/50/", "is_active" : true, "customer" : null, "id" : 50, "reseller" : null }"#;
        let a: Admin = serde_json::from_slice(admin).unwrap();
        assert_eq!(a.last_login.unwrap().to_string(), "2013-02-18 18:10:13");
    }

    /// Shapes recorded against MailRoute's servers (API-NOTES, "Evidence from the
    /// providers' own clients"), in fixtures of our own.
    #[test]
    fn recorded_shapes_read_as_they_mean() {
        // One-digit days and Pacific offsets, summer and winter.
        let list = br#"{"meta": {"limit": 20, "next": "/api/v1/customer/?limit=20&offset=20&reseller=7", "offset": 0, "previous": null, "total_count": 3},
            "objects": [
              {"absolute_url": "/customer/1/", "created_at": "Thu, 7 Jun 2012 15:29:27 -0700", "id": 1, "name": "a.example", "reported_user_count": null, "reseller": "/api/v1/reseller/7/", "updated_at": "Mon, 3 Dec 2012 09:05:01 -0800", "contacts": null, "domains": null},
              {"absolute_url": "/customer/2/", "created_at": "Fri, 15 Jun 2012 08:00:00 -0700", "id": 2, "name": "b.example", "reported_user_count": null, "reseller": "/api/v1/reseller/7/", "updated_at": null, "pk": "2"},
              {"absolute_url": "/customer/3/", "created_at": "Sat, 1 Dec 2012 23:30:00 -0800", "id": 3, "name": "c.example", "reported_user_count": null, "reseller": "/api/v1/reseller/7/"}
            ]}"#;
        let list: List<Customer> = serde_json::from_slice(list).unwrap();
        let created: Vec<String> = list
            .objects
            .iter()
            .map(|c| c.created_at.unwrap().to_string())
            .collect();
        assert_eq!(
            created,
            [
                "2012-06-07 22:29:27",
                "2012-06-15 15:00:00",
                "2012-12-02 07:30:00"
            ]
        );
        assert_eq!(
            list.objects[0].updated_at.unwrap().to_string(),
            "2012-12-03 17:05:01"
        );
        // reported_user_count null on every customer: unknown, never 0.
        assert!(list.objects.iter().all(|c| c.reported_user_count.is_none()));
        assert_eq!(list.meta.total_count, Some(3));
        // null and "" for the same field in one list read alike.
        let contacts = br#"{"meta": {"limit": 20, "next": null, "offset": 0, "previous": null, "total_count": 2},
            "objects": [
              {"address": null, "address2": null, "city": "", "country": "", "customer": "/api/v1/customer/1/", "email": "a@a.example", "first_name": "", "id": 11, "is_billing": true, "is_emergency": false, "is_technical": false, "last_name": "", "phone": null, "state": "", "zipcode": null, "absolute_url": "/contacts/customer/11/"},
              {"address": "", "address2": "", "city": "", "country": "", "customer": "/api/v1/customer/1/", "email": "b@a.example", "first_name": "Bo", "id": 12, "is_billing": false, "is_emergency": true, "is_technical": true, "last_name": "Lee", "phone": "", "state": "", "zipcode": "", "absolute_url": "/contacts/customer/12/"}
            ]}"#;
        let list: List<Contact> = serde_json::from_slice(contacts).unwrap();
        let (a, b) = (&list.objects[0], &list.objects[1]);
        assert_eq!((a.phone.as_deref(), b.phone.as_deref()), (None, None));
        assert_eq!(
            (a.first_name.as_deref(), a.last_name.as_deref()),
            (None, None)
        );
        assert_eq!(b.first_name.as_deref(), Some("Bo"));
        // A filter that matches nothing: 200, no objects.
        let none: List<Contact> = serde_json::from_slice(
            br#"{"meta": {"limit": 20, "next": null, "offset": 0, "previous": null, "total_count": 0}, "objects": []}"#,
        )
        .unwrap();
        assert!(none.objects.is_empty());
        // Admins listed under a customer: customer, reseller, send_welcome null.
        let admin = br#"{"customer": null, "date_joined": "Tue, 5 Feb 2013 10:10:13 -0800", "email": "a@a.example", "id": 9, "is_active": true, "last_login": null, "reseller": null, "resource_uri": "/api/v1/admins/customer/1/admin/9/", "send_welcome": null, "username": "a@a.example"}"#;
        let a: Admin = serde_json::from_slice(admin).unwrap();
        assert_eq!(a.date_joined.unwrap().to_string(), "2013-02-05 18:10:13");
    }

    #[test]
    fn bad_dates_say_which() {
        let err = serde_json::from_slice::<Customer>(
            br#"{"id":1,"name":"x","reported_user_count":3,"created_at":"yesterday"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("date \"yesterday\": "), "{err}");
    }

    #[test]
    fn error_bodies() {
        assert_eq!(
            error_message(br#"{"contact_customer": {"email": ["This field is required."]}}"#)
                .as_deref(),
            Some("contact_customer.email: This field is required.")
        );
        assert_eq!(
            error_message(br#"{"error": "Bad filter"}"#).as_deref(),
            Some("Bad filter")
        );
        assert_eq!(
            error_message(br#"{"error_message": "Boom"}"#).as_deref(),
            Some("Boom")
        );
        assert_eq!(error_message(b""), None);
        assert_eq!(error_message(b"<html></html>"), None);
    }
}
