//! `tally rackspace ...` and `tally mailroute ...`: the write operations (`crate::act`)
//! with their client, the store (not with `--dry-run`), the delete confirmation and
//! the printed result.

use std::cell::RefCell;
use std::io::{BufRead, IsTerminal, Write as _};

use serde_json::Value;

use crate::act::{self, Context, Done};
use crate::api::ProviderClient;
use crate::cli::{
    ActArgs, ActFormat, MailrouteActArgs, MailrouteWhat, MrAdminOp, MrContactOp, MrCustomerOp,
    RackspaceActArgs, RackspaceWhat, RsContactOp, RsCustomerOp,
};
use crate::printer::Printer;
use crate::settings::{MailrouteSettings, RackspaceSettings, Settings, new_contact};
use crate::{ExitStatus, UsageError};

/// Attempts of one request of a write command: someone is waiting at a terminal, and
/// a write is repeated only when it never left anyway.
const WRITE_ATTEMPTS: u32 = 3;

/// `tally rackspace ...`.
pub fn rackspace(
    args: &RackspaceActArgs,
    settings: &Settings,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let db = &settings.db;
    let (act_args, yes) = match &args.what {
        RackspaceWhat::Customer(c) => match &c.op {
            RsCustomerOp::Add(a) => (&a.act, false),
            RsCustomerOp::Edit(a) => (&a.act, false),
            RsCustomerOp::Enable(a) | RsCustomerOp::Disable(a) => (&a.act, false),
            RsCustomerOp::Delete(a) => (&a.act, a.yes),
        },
        RackspaceWhat::LoginToken(a) => (&a.act, false),
        RackspaceWhat::Contact(c) => match &c.op {
            RsContactOp::Add(a) => (&a.act, false),
            RsContactOp::Edit(a) => (&a.act, false),
            RsContactOp::Delete(a) => (&a.act, a.yes),
        },
    };
    let mut options = RackspaceSettings::new(None, &settings.config)?;
    options.client.transport.retry.max_attempts = WRITE_ATTEMPTS;
    let client = crate::api::rackspace::Client::new(options.client)?;
    run(client, act_args, yes, db, printer, |ctx| match &args.what {
        RackspaceWhat::Customer(c) => match &c.op {
            RsCustomerOp::Add(a) => act::rackspace::customer_add(ctx, &(&a.fields).into()),
            RsCustomerOp::Edit(a) => {
                act::rackspace::customer_edit(ctx, &a.account, &(&a.fields).into())
            }
            RsCustomerOp::Enable(a) => act::rackspace::customer_toggle(ctx, &a.account, true),
            RsCustomerOp::Disable(a) => act::rackspace::customer_toggle(ctx, &a.account, false),
            RsCustomerOp::Delete(a) => act::rackspace::customer_delete(ctx, &a.account),
        },
        RackspaceWhat::LoginToken(a) => {
            act::rackspace::login_token(ctx, &a.account, &a.user, a.is_virtual)
        }
        RackspaceWhat::Contact(c) => match &c.op {
            RsContactOp::Add(a) => act::rackspace::contact_add(ctx, &new_contact(a)?),
            RsContactOp::Edit(a) => act::rackspace::contact_edit(ctx, &a.into()),
            RsContactOp::Delete(a) => act::rackspace::contact_delete(ctx, &a.account, &a.id),
        },
    })
}

/// `tally mailroute ...`.
pub fn mailroute(
    args: &MailrouteActArgs,
    settings: &Settings,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let db = &settings.db;
    let (act_args, yes) = match &args.what {
        MailrouteWhat::Customer(c) => match &c.op {
            MrCustomerOp::Create(a) => (&a.act, false),
            MrCustomerOp::Update(a) => (&a.act, false),
            MrCustomerOp::Delete(a) => (&a.act, a.yes),
        },
        MailrouteWhat::Contact(c) => match &c.op {
            MrContactOp::Create(a) => (&a.act, false),
            MrContactOp::Update(a) => (&a.act, false),
            MrContactOp::Delete(a) => (&a.act, a.yes),
        },
        MailrouteWhat::Admin(c) => match &c.op {
            MrAdminOp::Create(a) => (&a.act, false),
            MrAdminOp::Delete(a) => (&a.act, a.yes),
        },
    };
    let mut options = MailrouteSettings::new(None, &settings.config)?;
    options.client.transport.retry.max_attempts = WRITE_ATTEMPTS;
    let client = crate::api::mailroute::Client::new(options.client)?;
    run(client, act_args, yes, db, printer, |ctx| match &args.what {
        MailrouteWhat::Customer(c) => match &c.op {
            MrCustomerOp::Create(a) => act::mailroute::customer_create(ctx, &a.name, a.reseller),
            MrCustomerOp::Update(a) => act::mailroute::customer_update(ctx, a.id, &a.name),
            MrCustomerOp::Delete(a) => act::mailroute::customer_delete(ctx, a.id),
        },
        MailrouteWhat::Contact(c) => match &c.op {
            MrContactOp::Create(a) => act::mailroute::contact_create(ctx, &a.into()),
            MrContactOp::Update(a) => act::mailroute::contact_update(ctx, &a.into()),
            MrContactOp::Delete(a) => act::mailroute::contact_delete(ctx, a.id),
        },
        MailrouteWhat::Admin(c) => match &c.op {
            MrAdminOp::Create(a) => {
                act::mailroute::admin_create(ctx, a.customer, &a.email, a.send_welcome)
            }
            MrAdminOp::Delete(a) => act::mailroute::admin_delete(ctx, a.customer, a.admin_id),
        },
    })
}

/// Runs one operation: the store unless `--dry-run`, the confirmation, the output.
fn run<C: ProviderClient>(
    client: std::sync::Arc<C>,
    args: &ActArgs,
    yes: bool,
    db: &super::Db,
    printer: &Printer,
    operation: impl FnOnce(&mut Context<'_, C>) -> anyhow::Result<Done>,
) -> anyhow::Result<ExitStatus> {
    let runtime = super::runtime()?;
    let windows = if args.dry_run {
        None
    } else {
        let mut windows = db.windows(db.lock_timeout, "--lock-timeout", printer);
        // The file made ready (created, its schema brought up to date) before
        // anything is sent; then left to readers until there is something to record.
        windows.open()?;
        windows.close();
        Some(RefCell::new(windows))
    };
    let confirm = |question: &str| confirm(question, yes);
    let mut ctx = Context {
        client,
        windows,
        printer,
        runtime: &runtime,
        confirm: &confirm,
    };
    let done = operation(&mut ctx)?;
    let mut out = printer.stdout();
    write_done(&mut out, &done, args.format)?;
    out.flush()?;
    Ok(ExitStatus::Success)
}

/// A delete goes ahead with `--yes`, or when the user says so on a terminal.
fn confirm(question: &str, yes: bool) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(UsageError(format!(
            "{question} Not asked: stdin is not a terminal; add --yes to delete"
        ))
        .into());
    }
    let mut err = std::io::stderr().lock();
    write!(err, "{question} [y/N] ")?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// The result: one field per line, or one JSON object.
pub fn write_done(
    out: &mut dyn std::io::Write,
    done: &Done,
    format: ActFormat,
) -> std::io::Result<()> {
    match (done, format) {
        (Done::DryRun(p), ActFormat::Table) => {
            writeln!(out, "dry run: nothing was sent\n{} {}", p.method, p.url)?;
            if let (Some(body), Some((content_type, sent))) = (&p.body, &p.sent) {
                writeln!(out, "Content-Type: {content_type}")?;
                if *content_type == crate::api::http::Body::JSON {
                    writeln!(
                        out,
                        "{}",
                        serde_json::to_string_pretty(body).unwrap_or_default()
                    )?;
                } else {
                    writeln!(out, "{sent}")?;
                }
            }
            Ok(())
        }
        (Done::DryRun(p), ActFormat::Json) => {
            let value = serde_json::json!({
                "dry_run": true, "method": p.method, "url": p.url, "body": p.body,
                "content_type": p.sent.as_ref().map(|(t, _)| *t),
                "sent": p.sent.as_ref().map(|(_, b)| b),
            });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
        }
        (Done::Result { outcome, fields }, ActFormat::Table) => {
            let width = fields
                .iter()
                .map(|(k, _)| k.len())
                .max()
                .unwrap_or(0)
                .max(7);
            writeln!(out, "{:width$}  {}", "outcome", outcome.as_str())?;
            for (key, value) in fields {
                let shown = match value {
                    Value::Null => String::new(),
                    Value::String(s) => crate::render::table::escaped(s),
                    other => other.to_string(),
                };
                writeln!(out, "{key:width$}  {shown}")?;
            }
            Ok(())
        }
        (Done::Result { outcome, fields }, ActFormat::Json) => {
            // Fields in their order, `outcome` first.
            let mut parts = vec![format!("  \"outcome\": {}", Value::from(outcome.as_str()))];
            for (key, value) in fields {
                parts.push(format!("  {}: {value}", Value::from(*key)));
            }
            writeln!(out, "{{\n{}\n}}", parts.join(",\n"))
        }
    }
}
