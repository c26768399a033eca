//! Acting on the accounts: the write operations both providers document, each
//! checked before it is sent (`check`), recorded in `actions` before it leaves and
//! finished with what came back, sent once (the transport repeats a write only when
//! it never left; a lost answer is "outcome unknown", and the next create of the
//! same object looks it up first), and the object written read back and stored.
//!
//! Every operation runs the same skeleton, [`Context::perform`]: dry run → settle an
//! earlier unknown create → confirm a delete → send → the created object's id.
//! `rackspace` and `mailroute` hold the operations: what to check, which typed
//! write of their client to send, and what to read back; `commands/act.rs` the
//! command line around them.

pub mod check;
pub mod mailroute;
pub mod rackspace;

use std::cell::{RefCell, RefMut};
use std::sync::Arc;

use serde_json::Value;

use crate::api::http::{Response, method_name};
use crate::api::{ApiError, ApiErrorKind, ProviderClient, WriteRequest};
use crate::printer::Printer;
use crate::store::{ActionOutcome, ActionStart, Store, Unsettled, Windows};

pub use crate::api::write::HIDDEN;

/// The note of a DELETE whose object was already gone.
pub const ALREADY_GONE: &str =
    "already gone: the server answered 404 Not Found, so there was nothing left to delete";

/// One write operation: the typed write its client built, and what tally needs
/// around it.
#[derive(Debug, Clone)]
pub struct Write {
    /// `customer add`, `contact edit`, ...
    pub operation: &'static str,
    pub target: Option<String>,
    pub request: WriteRequest,
    /// What to do to learn the outcome when the answer is lost.
    pub check: String,
    /// A delete's question, asked (or answered by `--yes`) before it is sent.
    pub confirm: Option<String>,
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

/// What a write operation came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Added,
    Created,
    /// A create found its object already there (an earlier answer was lost).
    Exists,
    Edited,
    Updated,
    Enabled,
    Disabled,
    Deleted,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Added => "added",
            Outcome::Created => "created",
            Outcome::Exists => "exists",
            Outcome::Edited => "edited",
            Outcome::Updated => "updated",
            Outcome::Enabled => "enabled",
            Outcome::Disabled => "disabled",
            Outcome::Deleted => "deleted",
        }
    }
}

/// What a command did: a dry run, or a result to print (its outcome and the
/// fields of the object as read back).
#[derive(Debug, Clone, PartialEq)]
pub enum Done {
    DryRun(Planned),
    Result {
        outcome: Outcome,
        fields: Vec<(&'static str, Value)>,
    },
}

/// A write that was applied.
#[derive(Debug)]
pub struct Applied {
    pub action_id: i64,
    /// The answer; `None` when a create found its object made by an earlier
    /// action (`action_id` is that action's) and sent nothing.
    pub response: Option<Response>,
    /// The id of what a create made (`None` for other writes, or when the
    /// operation finds it in what it reads back).
    pub id: Option<String>,
}

impl Applied {
    /// A create found its object made by an earlier action.
    pub fn existed(&self) -> bool {
        self.response.is_none()
    }
}

/// Finds an object by a lookup key: its id, or `None` when it is not there.
pub type Find<'f, C> = &'f dyn Fn(&Context<'_, C>) -> anyhow::Result<Option<String>>;

/// How a create learns the id of what it made.
pub struct Create<'f, C> {
    /// What finds the object again (its name, reference number, e-mail),
    /// recorded with the action.
    pub key: String,
    /// Finds the object by `key`.
    pub find: Find<'f, C>,
    /// The id in the answer; when it has none, `find` looks. `None`: the
    /// operation learns the id from what it reads back.
    pub from_answer: Option<fn(&Response) -> Option<String>>,
}

/// What one command acts with.
pub struct Context<'a, C> {
    pub client: Arc<C>,
    /// Where actions and read-backs are recorded; `None` with `--dry-run`: nothing
    /// is. A window is opened for each record and closed before each request
    /// ([`Context::block`]): the file is free for readers while the provider answers.
    pub windows: Option<RefCell<Windows<'a>>>,
    pub printer: &'a Printer,
    pub runtime: &'a tokio::runtime::Runtime,
    /// Asks the user to confirm a delete (`--yes` answers for them).
    pub confirm: &'a dyn Fn(&str) -> anyhow::Result<bool>,
}

impl<C: ProviderClient> Context<'_, C> {
    pub fn dry_run(&self) -> bool {
        self.windows.is_none()
    }

    /// Runs a request (or any future) to its end, the file closed meanwhile.
    pub fn block<F: Future>(&self, future: F) -> F::Output {
        if let Some(windows) = &self.windows {
            windows.borrow_mut().close();
        }
        self.runtime.block_on(future)
    }

    /// The plan of a write, for `--dry-run`.
    pub fn plan(&self, write: &Write) -> Planned {
        let request = &write.request;
        Planned {
            method: method_name(&request.method),
            url: crate::api::base_url::display_url(&self.client.url(&request.path)),
            body: request.shown_fields(),
            sent: request
                .shown_body()
                .map(|b| (b.content_type(), b.encoded())),
        }
    }

    /// [`Context::perform`] of a create whose object `find` looks up by `key`:
    /// what was applied, or (with `--dry-run`) the plan to show.
    pub fn create(
        &mut self,
        write: &Write,
        key: &str,
        find: Find<'_, C>,
        from_answer: Option<fn(&Response) -> Option<String>>,
    ) -> anyhow::Result<Result<Applied, Done>> {
        let create = Create {
            key: key.to_owned(),
            find,
            from_answer,
        };
        Ok(match self.perform(write, Some(&create))? {
            Some(applied) => Ok(applied),
            None => Err(Done::DryRun(self.plan(write))),
        })
    }

    /// The write skeleton every operation runs: `None` with `--dry-run` (the
    /// caller shows [`Context::plan`]); else, for a create, an earlier action of
    /// unknown outcome settled by a lookup (the object found: nothing is sent); a
    /// delete confirmed; the write sent and recorded; a create's new id from the
    /// answer or by a lookup, recorded as the action's result.
    pub fn perform(
        &mut self,
        write: &Write,
        create: Option<&Create<'_, C>>,
    ) -> anyhow::Result<Option<Applied>> {
        if self.dry_run() {
            return Ok(None);
        }
        if let Some(create) = create
            && let Some((action_id, id)) =
                self.settle_unknown(write.operation, &create.key, create.find)?
        {
            return Ok(Some(Applied {
                action_id,
                response: None,
                id: Some(id),
            }));
        }
        if let Some(question) = &write.confirm
            && !(self.confirm)(question)?
        {
            anyhow::bail!("not deleted: not confirmed");
        }
        let (response, action_id) = self.send(write, create.map(|c| c.key.as_str()))?;
        let mut applied = Applied {
            action_id,
            response: Some(response),
            id: None,
        };
        if let Some(Create {
            key,
            find,
            from_answer: Some(from_answer),
        }) = create
        {
            let answer = applied.response.as_ref().and_then(from_answer);
            let id = match answer {
                Some(id) => id,
                None => find(self)?.ok_or_else(|| {
                    anyhow::anyhow!(
                        "the {} was applied (action {}) but the new object's id is neither in the answer nor found by its {}; run `tally sync {}`",
                        write.operation,
                        applied.action_id,
                        key,
                        C::PROVIDER
                    )
                })?,
            };
            self.store()?.set_action_result(applied.action_id, &id)?;
            applied.id = Some(id);
        }
        Ok(Some(applied))
    }

    /// Sends a write: recorded `pending` first (with the lookup key of a create),
    /// then finished with what came back; returns the answer and the action's id.
    /// A refusal is the server's own message; a lost answer is an error saying how
    /// to learn the outcome.
    fn send(&mut self, write: &Write, lookup_key: Option<&str>) -> anyhow::Result<(Response, i64)> {
        let planned = self.plan(write);
        let start = ActionStart {
            provider: C::PROVIDER,
            operation: write.operation,
            target: write.target.clone(),
            method: planned.method,
            url: planned.url.clone(),
            request: planned.sent.as_ref().map(|(_, text)| text.clone()),
            lookup_key: lookup_key.map(str::to_owned),
            base_url: crate::api::base_url::display_url(self.client.base_url()),
            is_sandbox: self.client.is_sandbox(),
        };
        let action_id = self.store()?.begin_action(&start)?;
        let client = Arc::clone(&self.client);
        let sent = self.block(client.send(&write.request));
        match sent {
            Ok(response) => {
                self.store()?.finish_action(
                    action_id,
                    Some(response.status),
                    ActionOutcome::Ok,
                    None,
                )?;
                Ok((response, action_id))
            }
            Err(err) if self.client.already_done(&write.request, &err) => {
                self.store()?.finish_action(
                    action_id,
                    Some(404),
                    ActionOutcome::Ok,
                    Some(ALREADY_GONE),
                )?;
                self.printer.note(&format!(
                    "{} (action {action_id}): {ALREADY_GONE}",
                    write.operation
                ));
                Ok((Response::empty(404), action_id))
            }
            Err(err) => {
                let (outcome, status, message) = failure(&err);
                self.store()?
                    .finish_action(action_id, status, outcome, Some(&message))?;
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

    /// The store, in a write window, to record an action or what was read back
    /// (never with `--dry-run`).
    pub fn store(&self) -> anyhow::Result<RefMut<'_, Store>> {
        let mut windows = self.windows.as_ref().expect("not a dry run").borrow_mut();
        windows.open()?;
        Ok(RefMut::map(windows, Windows::opened_store))
    }

    /// Settles an earlier action whose outcome was unknown before creating the same
    /// object again: `find` looks the object up; found, the earlier action was
    /// applied (its id and the object's are returned); not found, it was not.
    fn settle_unknown(
        &mut self,
        operation: &str,
        lookup_key: &str,
        find: Find<'_, C>,
    ) -> anyhow::Result<Option<(i64, String)>> {
        let Some(earlier) = self
            .store()?
            .unsettled_action(C::PROVIDER, operation, lookup_key)?
        else {
            return Ok(None);
        };
        self.printer.note(&format!(
            "action {} ({operation} of {lookup_key}, {} UTC) is {}: looking it up before sending again",
            earlier.action_id,
            earlier.started_at,
            match earlier.outcome {
                Unsettled::Pending => "still pending (its process stopped)",
                Unsettled::Unknown => "of unknown outcome (no answer came)",
            }
        ));
        let found = find(self)?;
        let mut store = self.store()?;
        match found {
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

/// How a write that failed is recorded: its outcome, the status and the message.
fn failure(err: &ApiError) -> (ActionOutcome, Option<u16>, String) {
    match &err.kind {
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
        ApiErrorKind::OutcomeUnknown(_) => (ActionOutcome::Unknown, None, err.kind.to_string()),
        _ => (ActionOutcome::Failed, None, err.kind.to_string()),
    }
}

/// Text of an optional string, JSON null when absent.
pub fn text(value: &Option<String>) -> Value {
    value
        .as_ref()
        .map_or(Value::Null, |v| Value::from(v.as_str()))
}
