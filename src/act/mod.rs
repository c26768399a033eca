//! Acting on the accounts: the write operations both providers document, each
//! checked before it is sent (`check`), recorded in `actions` before it leaves and
//! finished with what came back, sent once (the transport repeats a write only when
//! it never left; a lost answer is "outcome unknown", and the next create of the
//! same object looks it up first), and the object written read back and stored.
//! `rackspace` and `mailroute` hold the operations; `commands/act.rs` the command
//! line around them.

pub mod check;
pub mod mailroute;
pub mod rackspace;

use std::sync::Arc;

use reqwest::Method;
use serde_json::Value;

use crate::api::http::{Body, Response};
use crate::api::{ApiError, ApiErrorKind};
use crate::printer::Printer;
use crate::store::{ActionOutcome, ActionStart, Store};

/// Shown in place of a secret (a security question or answer).
pub const HIDDEN: &str = "***";

/// The note of a DELETE whose object was already gone.
pub const ALREADY_GONE: &str =
    "already gone: the server answered 404 Not Found, so there was nothing left to delete";

/// The client a write goes through.
#[derive(Clone)]
pub enum Client {
    Rackspace(Arc<crate::api::rackspace::Client>),
    Mailroute(Arc<crate::api::mailroute::Client>),
}

impl Client {
    fn provider(&self) -> &'static str {
        match self {
            Client::Rackspace(_) => "rackspace",
            Client::Mailroute(_) => "mailroute",
        }
    }

    fn url(&self, path: &str) -> String {
        match self {
            Client::Rackspace(c) => c.url(path),
            Client::Mailroute(c) => c.url(path),
        }
    }

    fn base_url(&self) -> &str {
        match self {
            Client::Rackspace(c) => c.base_url(),
            Client::Mailroute(c) => c.base_url(),
        }
    }

    fn is_sandbox(&self) -> bool {
        match self {
            Client::Rackspace(c) => c.is_sandbox(),
            Client::Mailroute(c) => c.is_sandbox(),
        }
    }

    /// A DELETE answered 404 means the object is already gone (MailRoute's PHP
    /// client treats it so): the action is settled, not failed.
    fn gone_means_done(&self, method: &Method, err: &ApiError) -> bool {
        matches!(self, Client::Mailroute(_))
            && *method == Method::DELETE
            && matches!(err.kind, ApiErrorKind::Status { status: 404, .. })
    }

    /// `fields` encoded as this provider takes them at `path`.
    fn encode(&self, path: &str, fields: &Value) -> Body {
        match self {
            Client::Rackspace(_) => crate::api::rackspace::write_body(path, fields),
            Client::Mailroute(_) => Body::Json(fields.clone()),
        }
    }

    async fn write(&self, write: &Write) -> Result<Response, ApiError> {
        let method = write.method.clone();
        let body = write.body.as_ref().map(|b| self.encode(&write.path, b));
        match self {
            Client::Rackspace(c) => c.write(method, &write.path, body.as_ref()).await,
            Client::Mailroute(c) => c.write(method, &write.path, body.as_ref()).await,
        }
    }
}

/// One write, as it will be sent.
#[derive(Debug, Clone)]
pub struct Write {
    /// `customer add`, `contact edit`, ...
    pub operation: &'static str,
    pub target: Option<String>,
    pub method: Method,
    /// Relative to the client's base URL.
    pub path: String,
    pub body: Option<Value>,
    /// Body keys whose values are secrets: shown and recorded as `***`.
    pub secrets: &'static [&'static str],
    /// What finds the created object again.
    pub lookup_key: Option<String>,
    /// What to do to learn the outcome when the answer is lost.
    pub check: String,
}

impl Write {
    /// The body as it may be shown and recorded: secrets as `***`.
    pub fn shown_body(&self) -> Option<Value> {
        self.body.as_ref().map(|body| match body {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let secret = self.secrets.iter().any(|s| s.eq_ignore_ascii_case(k));
                        (
                            k.clone(),
                            if secret {
                                Value::from(HIDDEN)
                            } else {
                                v.clone()
                            },
                        )
                    })
                    .collect(),
            ),
            other => other.clone(),
        })
    }
}

/// A write that `--dry-run` did not send.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub method: &'static str,
    pub url: String,
    /// The fields, secrets as `***`.
    pub body: Option<Value>,
    /// The same fields as they will be sent: the content type and the encoded body.
    pub sent: Option<(&'static str, String)>,
}

/// What a command did: a dry run, or a result to print (an outcome word such as
/// `created`, and the fields of the object as read back).
#[derive(Debug, Clone, PartialEq)]
pub enum Done {
    DryRun(Planned),
    Result {
        outcome: &'static str,
        fields: Vec<(&'static str, Value)>,
    },
}

/// A write that was applied.
#[derive(Debug)]
pub struct Applied {
    pub action_id: i64,
    pub response: Response,
}

/// What one command acts with.
pub struct Context<'a> {
    pub client: Client,
    /// `None` with `--dry-run`: nothing is recorded.
    pub store: Option<&'a mut Store>,
    pub printer: &'a Printer,
    pub runtime: &'a tokio::runtime::Runtime,
    /// Asks the user to confirm a delete (`--yes` answers for them).
    pub confirm: &'a dyn Fn(&str) -> anyhow::Result<bool>,
}

impl Context<'_> {
    pub fn dry_run(&self) -> bool {
        self.store.is_none()
    }

    /// Runs a read (or any future) to its end.
    pub fn block<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// With `--dry-run`, what the command would send (and so its result).
    pub fn dry_run_of(&self, write: &Write) -> Option<Done> {
        self.dry_run().then(|| Done::DryRun(self.plan(write)))
    }

    /// The plan of a write, for `--dry-run`.
    pub fn plan(&self, write: &Write) -> Planned {
        let body = write.shown_body();
        let sent = body.as_ref().map(|b| {
            let encoded = self.client.encode(&write.path, b);
            (encoded.content_type(), encoded.encoded())
        });
        Planned {
            method: crate::api::http::method_name(&write.method),
            url: crate::api::base_url::display_url(&self.client.url(&write.path)),
            body,
            sent,
        }
    }

    /// Sends a write: recorded `pending` first, then finished with what came back.
    /// A refusal is the server's own message; a lost answer is an error saying how
    /// to learn the outcome. Not to be called with `--dry-run`.
    pub fn send(&mut self, write: &Write) -> anyhow::Result<Applied> {
        let planned = self.plan(write);
        let start = ActionStart {
            provider: self.client.provider(),
            operation: write.operation,
            target: write.target.clone(),
            method: planned.method,
            url: planned.url.clone(),
            request: planned.sent.as_ref().map(|(_, text)| text.clone()),
            lookup_key: write.lookup_key.clone(),
            base_url: crate::api::base_url::display_url(self.client.base_url()),
            is_sandbox: self.client.is_sandbox(),
        };
        let store = self
            .store
            .as_deref_mut()
            .ok_or_else(|| anyhow::anyhow!("a dry run sends no write"))?;
        let action_id = store.begin_action(&start)?;
        let client = self.client.clone();
        let sent = self.runtime.block_on(client.write(write));
        let store = self.store.as_deref_mut().expect("checked above");
        match sent {
            Ok(response) => {
                store.finish_action(action_id, Some(response.status), ActionOutcome::Ok, None)?;
                Ok(Applied {
                    action_id,
                    response,
                })
            }
            Err(err) if self.client.gone_means_done(&write.method, &err) => {
                store.finish_action(action_id, Some(404), ActionOutcome::Ok, Some(ALREADY_GONE))?;
                self.printer.note(&format!(
                    "{} (action {action_id}): {ALREADY_GONE}",
                    write.operation
                ));
                Ok(Applied {
                    action_id,
                    response: Response {
                        status: 404,
                        headers: reqwest::header::HeaderMap::new(),
                        body: bytes::Bytes::new(),
                    },
                })
            }
            Err(err) => {
                let (outcome, status, message) = match &err.kind {
                    ApiErrorKind::Status { status, message }
                    | ApiErrorKind::Unauthorized {
                        status, message, ..
                    } => (
                        ActionOutcome::Refused,
                        Some(*status),
                        message.clone().unwrap_or_else(|| format!("HTTP {status}")),
                    ),
                    ApiErrorKind::Redirect { status, .. } => {
                        (ActionOutcome::Refused, Some(*status), err.kind.to_string())
                    }
                    ApiErrorKind::OutcomeUnknown(_) => {
                        (ActionOutcome::Unknown, None, err.kind.to_string())
                    }
                    _ => (ActionOutcome::Failed, None, err.kind.to_string()),
                };
                store.finish_action(action_id, status, outcome, Some(&message))?;
                if outcome == ActionOutcome::Unknown {
                    return Err(anyhow::Error::new(err).context(format!(
                        "{} (action {action_id}): to learn what happened, {}",
                        write.operation, write.check
                    )));
                }
                Err(err.into())
            }
        }
    }

    /// The store, to record what was read back (never with `--dry-run`).
    pub fn store(&mut self) -> &mut Store {
        self.store.as_deref_mut().expect("not a dry run")
    }

    /// Settles an earlier action whose outcome was unknown before creating the same
    /// object again: `found` is what a lookup found (the object exists: the earlier
    /// action was applied), or `None` (it was not).
    pub fn settle_unknown(
        &mut self,
        provider: &str,
        operation: &str,
        lookup_key: &str,
        found: impl FnOnce(&Self) -> anyhow::Result<Option<String>>,
    ) -> anyhow::Result<Option<(i64, String)>> {
        let Some(store) = self.store.as_deref() else {
            return Ok(None);
        };
        let Some(earlier) = store.unsettled_action(provider, operation, lookup_key)? else {
            return Ok(None);
        };
        self.printer.note(&format!(
            "action {} ({operation} of {lookup_key}, {} UTC) is {}: looking it up before sending again",
            earlier.action_id,
            earlier.started_at,
            if earlier.outcome == "pending" {
                "still pending (its process stopped)"
            } else {
                "of unknown outcome (no answer came)"
            }
        ));
        let result = found(self)?;
        let store = self.store();
        match result {
            Some(id) => {
                store.finish_action(
                    earlier.action_id,
                    None,
                    ActionOutcome::Ok,
                    Some("applied: found by a later lookup"),
                )?;
                store.set_action_result(earlier.action_id, &id)?;
                Ok(Some((earlier.action_id, id)))
            }
            None => {
                store.finish_action(
                    earlier.action_id,
                    None,
                    ActionOutcome::Failed,
                    Some("not applied: not found by a later lookup"),
                )?;
                Ok(None)
            }
        }
    }
}

/// Text of an optional string, JSON null when absent.
pub fn text(value: &Option<String>) -> Value {
    value
        .as_ref()
        .map_or(Value::Null, |v| Value::from(v.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hidden_in_what_is_shown() {
        let write = Write {
            operation: "contact edit",
            target: None,
            method: Method::PUT,
            path: "/v2/customers/1/contacts/2".into(),
            body: Some(
                serde_json::json!({"Name": "n", "SecurityAnswer": "s3cret", "SecurityQuestion": "q?"}),
            ),
            secrets: &["securityanswer", "securityquestion"],
            lookup_key: None,
            check: String::new(),
        };
        let shown = write.shown_body().unwrap().to_string();
        assert_eq!(
            shown,
            r#"{"Name":"n","SecurityAnswer":"***","SecurityQuestion":"***"}"#
        );
        assert!(write.body.unwrap().to_string().contains("s3cret"));
    }
}
