//! A write as a provider client sends it, and what every provider client offers to
//! the layers above: where it sends, what it counted, and one way to send a write.
//! Each client builds its writes with typed methods (`customer_add`,
//! `contact_update`, ...) that own the paths and bodies; nothing above builds a
//! path or a body by hand.

use std::future::Future;

use reqwest::Method;
use serde_json::Value;

use super::ApiError;
use super::http::{Auth, Body, Request, Response, Transport, TransportStats};
use crate::provider::Provider;

/// How a write's fields travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Json,
    Form,
}

/// One write: method, path (relative to the client's base URL) and fields, with
/// the names of the fields that are secrets (shown and recorded as `***`).
#[derive(Debug, Clone)]
pub struct WriteRequest {
    pub method: Method,
    pub path: String,
    fields: Option<Value>,
    encoding: Encoding,
    secrets: &'static [&'static str],
}

/// Shown and recorded in place of a secret (a security question or answer).
pub const HIDDEN: &str = "***";

impl WriteRequest {
    /// A write without a body (a DELETE, an enable).
    pub fn bare(method: Method, path: String) -> WriteRequest {
        WriteRequest {
            method,
            path,
            fields: None,
            encoding: Encoding::Json,
            secrets: &[],
        }
    }

    /// A write whose fields travel as `encoding`.
    pub fn with(method: Method, path: String, fields: Value, encoding: Encoding) -> WriteRequest {
        WriteRequest {
            fields: Some(fields),
            encoding,
            ..WriteRequest::bare(method, path)
        }
    }

    /// Names `keys` (any case) as secrets.
    pub fn secrets(mut self, keys: &'static [&'static str]) -> WriteRequest {
        self.secrets = keys;
        self
    }

    /// The body as sent.
    pub fn body(&self) -> Option<Body> {
        self.fields.as_ref().map(|f| self.encode(f))
    }

    /// The fields as they may be shown and recorded: secrets as `***`.
    pub fn shown_fields(&self) -> Option<Value> {
        self.fields.as_ref().map(|fields| match fields {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let secret = self.secrets.iter().any(|s| s.eq_ignore_ascii_case(k));
                        let shown = if secret {
                            Value::from(HIDDEN)
                        } else {
                            v.clone()
                        };
                        (k.clone(), shown)
                    })
                    .collect(),
            ),
            other => other.clone(),
        })
    }

    /// The body as sent, secrets as `***`: what a dry run prints and `actions`
    /// records.
    pub fn shown_body(&self) -> Option<Body> {
        self.shown_fields().map(|f| self.encode(&f))
    }

    fn encode(&self, fields: &Value) -> Body {
        match self.encoding {
            Encoding::Json => Body::Json(fields.clone()),
            Encoding::Form => Body::form_of(fields),
        }
    }
}

/// Sends `write` under `base_url` through `transport`, signed by `auth`: the
/// answer, whatever its status (each client reads its own refusals).
pub async fn send_raw(
    transport: &Transport,
    auth: &dyn Auth,
    base_url: &str,
    write: &WriteRequest,
) -> Result<Response, ApiError> {
    let url = format!("{base_url}{}", write.path);
    let body = write.body();
    transport
        .write(
            auth,
            &Request::write(write.method.clone(), &url, body.as_ref()),
        )
        .await
}

/// A provider's client, as sync and the write operations use it.
pub trait ProviderClient: Send + Sync + 'static {
    const PROVIDER: Provider;

    fn base_url(&self) -> &str;
    /// The base URL is the sandbox's (plain http on loopback).
    fn is_sandbox(&self) -> bool;
    fn stats(&self) -> TransportStats;
    /// The whole URL of a path relative to the base URL (`customer/157/`).
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }
    /// Sends a write; any answer but 2xx is an error with the server's own message.
    fn send(&self, write: &WriteRequest) -> impl Future<Output = Result<Response, ApiError>>;
    /// A refusal that means the write's end is already reached (MailRoute answers
    /// a DELETE of what is gone with 404, and its own client takes that as done).
    fn already_done(&self, _write: &WriteRequest, _err: &ApiError) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hidden_in_what_is_shown_but_sent_as_they_are() {
        let write = WriteRequest::with(
            Method::PUT,
            "/v2/customers/1/contacts/2".into(),
            serde_json::json!({"Name": "n", "SecurityAnswer": "s3cret", "SecurityQuestion": "q?"}),
            Encoding::Json,
        )
        .secrets(&["securityanswer", "securityquestion"]);
        assert_eq!(
            write.shown_fields().unwrap().to_string(),
            r#"{"Name":"n","SecurityAnswer":"***","SecurityQuestion":"***"}"#
        );
        assert!(write.body().unwrap().encoded().contains("s3cret"));
        let form = WriteRequest::with(
            Method::POST,
            "/v1/customers".into(),
            serde_json::json!({"name": "A & B", "virtual": true}),
            Encoding::Form,
        );
        assert_eq!(form.body().unwrap().encoded(), "name=A+%26+B&virtual=true");
    }
}
