//! The write side against the sandbox: every operation of both providers with its
//! success and its documented errors (exact messages), a write whose answer is lost
//! is neither repeated nor created twice, the security answer goes nowhere, one
//! `actions` row per write, and a sync after the writes equals the sandbox's world.

use std::collections::BTreeMap;

use tally::sandbox::{BackgroundSandbox, SandboxOptions};

use crate::common::{Run, Workdir, run, sandbox};

/// The security answer of the contact tests: it must appear nowhere.
const ANSWER: &str = "zebra-crossing-4471";

/// A work directory whose tally.toml points both providers at the sandbox.
pub(crate) fn workdir(sb: &BackgroundSandbox) -> Workdir {
    let w = Workdir::new();
    w.configure(sb);
    w
}

/// `tally ARGS` with both providers' keys and the security answer in the environment.
pub(crate) fn tally(w: &Workdir, args: &[&str]) -> Run {
    let mut cmd = w.keyed();
    cmd.env("CONTACT_ANSWER", ANSWER).args(args);
    run(cmd)
}

pub(crate) fn ok(w: &Workdir, args: &[&str]) -> Run {
    let r = tally(w, args);
    assert_eq!(r.code, 0, "{args:?}: {r:?}");
    r
}

/// The value of `key` in a table result (`key  value` lines).
fn field(run: &Run, key: &str) -> String {
    run.stdout
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once("  ")?;
            (k.trim() == key).then(|| v.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no {key} in {}", run.stdout))
}

/// Writes the sandbox received, by `METHOD path`.
fn writes(sb: &BackgroundSandbox) -> BTreeMap<String, u64> {
    sb.sandbox().stats().writes
}

fn total(writes: &BTreeMap<String, u64>) -> u64 {
    writes.values().sum()
}

#[test]
fn rackspace_customers_with_their_documented_errors() {
    let sb = sandbox(SandboxOptions::default());
    let w = workdir(&sb);
    // Checked before sending, in the provider's words; nothing sent, exit code 2.
    let long_name = "n".repeat(101);
    let long_reference = "r".repeat(21);
    for (args, message) in [
        (vec![], "--name: Missing required field: name"),
        (
            vec!["--name", "   "],
            "--name: Required field name cannot be empty",
        ),
        (
            vec!["--name", "Acme "],
            "--name: Improper Customer Name: cannot begin or end with a space",
        ),
        (
            vec!["--name", &long_name],
            "--name: Name too long: 100 characters or fewer",
        ),
        (
            vec!["--name", "Acme", "--reference-number", &long_reference],
            "--reference-number: Reference number too long: 20 characters or fewer",
        ),
    ] {
        let mut all = vec!["rackspace", "customer", "add"];
        all.extend(args);
        let r = tally(&w, &all);
        assert_eq!(
            (r.code, r.stderr.as_str()),
            (2, format!("error: {message}\n").as_str())
        );
    }
    assert!(writes(&sb).is_empty());
    assert_eq!(w.query("SELECT count(*) AS n FROM actions"), "n\n0\n");

    // Add: the number comes from the answer's Location; read back and stored.
    let added = ok(
        &w,
        &[
            "rackspace",
            "customer",
            "add",
            "--name",
            "Acme Plumbing Co",
            "--reference-number",
            "PO-77",
            "--city",
            "Austin",
        ],
    );
    assert_eq!(field(&added, "outcome"), "added");
    let account = field(&added, "account");
    let now = sb.sandbox().rackspace();
    let made = now.account(&account).unwrap();
    assert_eq!(
        (made.name.as_str(), made.address.city.as_deref()),
        ("Acme Plumbing Co", Some("Austin"))
    );
    assert_eq!(
        w.query(&format!("SELECT name, reference_number, city, deleted_at FROM customers WHERE account_number = '{account}'")),
        "name,reference_number,city,deleted_at\nAcme Plumbing Co,PO-77,Austin,\n"
    );

    // Edit: only the fields given change, the rest go back as read.
    let edited = ok(
        &w,
        &[
            "rackspace",
            "customer",
            "edit",
            &account,
            "--phone",
            "1-555-0100",
            "--format",
            "json",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&edited.stdout).unwrap();
    assert_eq!(json["outcome"], "edited");
    assert_eq!(
        (json["phone"].as_str(), json["city"].as_str()),
        (Some("1-555-0100"), Some("Austin"))
    );

    // Disable, then enable at once: the 5-minute window, not retried, told when.
    ok(&w, &["rackspace", "customer", "disable", &account]);
    assert!(!sb.sandbox().rackspace().account(&account).unwrap().enabled);
    let again = tally(&w, &["rackspace", "customer", "enable", &account]);
    assert_eq!(again.code, 1, "{again:?}");
    assert!(
        again.stderr.contains(&format!("error: account {account} may be enabled or disabled once in a 5-minute sliding window; try again after "))
            && again.stderr.contains(&format!("UTC (5 minutes after the last enable or disable tally sent); not retried: POST {}/v1/customers/{account}/enable: HTTP 403: Exceeded request limits\n", sb.sandbox().url())),
        "{again:?}"
    );
    assert_eq!(
        writes(&sb)[&format!("POST /v1/customers/{account}/enable")],
        1
    );

    // The server's own refusal is shown verbatim.
    let token = tally(
        &w,
        &["rackspace", "login-token", &account, "--user", "nobody"],
    );
    assert_eq!(
        (token.code, token.stderr.as_str()),
        (
            1,
            format!("error: POST {}/v1/customers/{account}/loginToken: HTTP 400: nobody is not an admin user of account {account}\n", sb.sandbox().url()).as_str()
        )
    );
    // A token: printed once with its expiry, never stored.
    let token = ok(
        &w,
        &["rackspace", "login-token", &account, "--user", "admin"],
    );
    let value = field(&token, "token");
    assert_eq!(value.len(), 41);
    assert!(sb.sandbox().rackspace().token_valid(&value));
    let created = field(&token, "date_created");
    let at = chrono::NaiveDateTime::parse_from_str(&created, "%m/%d/%Y %I:%M:%S %p").unwrap();
    let expires = (at + chrono::Duration::minutes(10))
        .format("%-m/%-d/%Y %-I:%M:%S %p")
        .to_string();
    assert_eq!(field(&token, "expires"), expires);
    let virtual_token = ok(
        &w,
        &[
            "rackspace",
            "login-token",
            &account,
            "--user",
            "helpdesk",
            "--virtual",
        ],
    );
    assert_eq!(
        field(&virtual_token, "user"),
        format!("helpdesk_{account}_vu")
    );
    assert!(!w.query("SELECT * FROM actions").contains(&value));

    // Delete: refused without a terminal or --yes (nothing sent), then done; the
    // row stays, marked deleted, and current reports leave it out.
    let refused = tally(&w, &["rackspace", "customer", "delete", &account]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert_eq!(
        refused.stderr,
        format!(
            "error: Delete Rackspace account {account} (Acme Plumbing Co) and all its services? Not asked: stdin is not a terminal; add --yes to delete\n"
        )
    );
    ok(&w, &["rackspace", "customer", "delete", &account, "--yes"]);
    assert!(sb.sandbox().rackspace().account(&account).is_none());
    assert_eq!(
        w.query(&format!("SELECT name, deleted_at IS NOT NULL AS deleted FROM customers WHERE account_number = '{account}'")),
        "name,deleted\nAcme Plumbing Co,true\n"
    );
    let gone = tally(
        &w,
        &["rackspace", "customer", "edit", &account, "--city", "Reno"],
    );
    assert_eq!(
        gone.stderr,
        format!(
            "error: GET {}/v1/customers/{account}: HTTP 404: Customer {account} was not found\n",
            sb.sandbox().url()
        )
    );

    // One actions row per write the sandbox received, each with its outcome.
    assert_eq!(
        w.query("SELECT operation, method, http_status, outcome, message FROM actions ORDER BY action_id"),
        "operation,method,http_status,outcome,message\n\
         customer add,POST,201,ok,\n\
         customer edit,PUT,200,ok,\n\
         customer disable,POST,200,ok,\n\
         customer enable,POST,403,refused,Exceeded request limits\n\
         login-token,POST,400,refused,nobody is not an admin user of account ".to_owned()
            + &account
            + "\nlogin-token,POST,200,ok,\nlogin-token,POST,200,ok,\ncustomer delete,DELETE,200,ok,\n"
    );
    assert_eq!(total(&writes(&sb)), 8);
}

#[test]
fn contacts_keep_their_security_answer_without_tally_keeping_it() {
    let sb = sandbox(SandboxOptions::default());
    let w = workdir(&sb);
    let account = sb.sandbox().rackspace().customers[1].account_number.clone();
    let before = sb
        .sandbox()
        .rackspace()
        .account(&account)
        .unwrap()
        .contacts
        .clone();
    let mut outputs = String::new();
    let add = |extra: &[&str]| {
        let mut args = vec![
            "-vv",
            "rackspace",
            "contact",
            "add",
            &account,
            "--name",
            "Pat Lee",
            "--phone",
            "1-555-0100",
            "--security-question",
            "First pet?",
            "--security-answer-env",
            "CONTACT_ANSWER",
        ];
        args.extend_from_slice(extra);
        tally(&w, &args)
    };
    // Every field is checked before sending.
    let bad = add(&["--email", "pat@acme"]);
    assert_eq!(
        (bad.code, bad.stderr.as_str()),
        (2, "error: --email: Please enter a valid email address.\n")
    );
    let unset = tally(
        &w,
        &[
            "rackspace",
            "contact",
            "add",
            &account,
            "--name",
            "P",
            "--email",
            "p@a.example",
            "--phone",
            "1",
            "--security-question",
            "Q",
            "--security-answer-env",
            "NOT_SET_ANYWHERE",
        ],
    );
    assert_eq!(
        unset.stderr,
        "error: --security-answer-env: NOT_SET_ANYWHERE is not set\n"
    );
    assert!(writes(&sb).is_empty());

    let added = add(&["--email", "pat@acme.example", "--receives-billing"]);
    assert_eq!(added.code, 0, "{added:?}");
    outputs += &format!("{added:?}");
    let id = field(&added, "id");
    let stored = sb
        .sandbox()
        .rackspace()
        .account(&account)
        .unwrap()
        .contacts
        .clone();
    let new = stored.iter().find(|k| k.id == id).unwrap();
    assert_eq!(
        (new.security_answer.as_str(), new.receives_billing),
        (ANSWER, true)
    );

    // An edit reads the contact, changes what was given, sends the rest back: the
    // provider keeps the answer, tally never shows it (not even a dry run, at -vv).
    let dry = tally(
        &w,
        &[
            "-vv",
            "rackspace",
            "contact",
            "edit",
            &account,
            &id,
            "--name",
            "Pat Q. Lee",
            "--dry-run",
        ],
    );
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout.contains("\"SecurityAnswer\": \"***\"")
            && dry.stdout.contains("\"SecurityQuestion\": \"***\""),
        "{dry:?}"
    );
    outputs += &format!("{dry:?}");
    let edited = tally(
        &w,
        &[
            "-vv",
            "rackspace",
            "contact",
            "edit",
            &account,
            &id,
            "--name",
            "Pat Q. Lee",
            "--receives-alerts",
            "true",
        ],
    );
    assert_eq!(edited.code, 0, "{edited:?}");
    outputs += &format!("{edited:?}");
    let now = sb
        .sandbox()
        .rackspace()
        .account(&account)
        .unwrap()
        .contacts
        .clone();
    let k = now.iter().find(|k| k.id == id).unwrap();
    assert_eq!(
        (
            k.name.as_str(),
            k.receives_alerts,
            k.security_answer.as_str(),
            k.security_question.as_str()
        ),
        ("Pat Q. Lee", true, ANSWER, "First pet?")
    );
    // An existing contact's answer, too, survives an edit untouched.
    if let Some(old) = before.first() {
        let r = tally(
            &w,
            &[
                "-vv",
                "rackspace",
                "contact",
                "edit",
                &account,
                &old.id,
                "--phone",
                "1-555-0111",
            ],
        );
        assert_eq!(r.code, 0, "{r:?}");
        outputs += &format!("{r:?}");
        let after = sb.sandbox().rackspace();
        let kept = after
            .account(&account)
            .unwrap()
            .contacts
            .iter()
            .find(|k| k.id == old.id)
            .unwrap();
        assert_eq!(
            (kept.phone.as_str(), kept.security_answer.as_str()),
            ("1-555-0111", old.security_answer.as_str())
        );
        assert!(!outputs.contains(&old.security_answer));
    }

    // The limit of contacts: the server's documented message, verbatim.
    let mut n = sb
        .sandbox()
        .rackspace()
        .account(&account)
        .unwrap()
        .contacts
        .len();
    let mut refused = None;
    while refused.is_none() {
        let email = format!("extra{n}@acme.example");
        let r = add(&["--email", &email]);
        outputs += &format!("{r:?}");
        if r.code != 0 {
            refused = Some(r);
        }
        n += 1;
        assert!(n < 20, "no limit");
    }
    let refused = refused.unwrap();
    assert!(
        refused.stderr.ends_with(&format!("error: POST {}/v2/customers/{account}/contacts/: HTTP 400: Contact/Administrator limit reached.\n", sb.sandbox().url())),
        "{refused:?}"
    );

    // The last billing contact is never deleted: refused before sending.
    let contacts = sb
        .sandbox()
        .rackspace()
        .account(&account)
        .unwrap()
        .contacts
        .clone();
    for k in contacts.iter().filter(|k| k.receives_billing && k.id != id) {
        ok(
            &w,
            &[
                "rackspace",
                "contact",
                "edit",
                &account,
                &k.id,
                "--receives-billing",
                "false",
            ],
        );
    }
    let deletes_before = total(&writes(&sb));
    let last = tally(
        &w,
        &["rackspace", "contact", "delete", &account, &id, "--yes"],
    );
    assert_eq!(
        (last.code, last.stderr.as_str()),
        (1, format!("error: contact {id} of account {account} not deleted (refused before sending): There must be at least one billing contact and one primary contact. (A single contact can be both.)\n").as_str())
    );
    assert_eq!(total(&writes(&sb)), deletes_before);
    let other = contacts.iter().find(|k| k.id != id).unwrap();
    ok(
        &w,
        &[
            "rackspace",
            "contact",
            "delete",
            &account,
            &other.id,
            "--yes",
        ],
    );
    assert_eq!(
        w.query(&format!(
            "SELECT deleted_at IS NOT NULL AS deleted FROM contacts WHERE contact_id = '{}'",
            other.id
        )),
        "deleted\ntrue\n"
    );

    // The answer is in no output, no table, no file.
    assert!(!outputs.contains(ANSWER), "{outputs}");
    for table in ["actions", "contacts", "customers"] {
        assert!(!w.query(&format!("SELECT * FROM {table}")).contains(ANSWER));
    }
    for entry in std::fs::read_dir(w.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !bytes
                .windows(ANSWER.len())
                .any(|win| win == ANSWER.as_bytes()),
            "{} holds the answer",
            path.display()
        );
    }
    // One actions row per write received.
    assert_eq!(
        w.query("SELECT count(*) AS n FROM actions"),
        format!("n\n{}\n", total(&writes(&sb)))
    );
}

#[test]
fn a_lost_answer_is_not_repeated_and_the_next_run_finds_what_it_made() {
    let sb = sandbox(SandboxOptions {
        lose_write_answers: 2,
        ..SandboxOptions::default()
    });
    let w = workdir(&sb);
    let lost = tally(
        &w,
        &[
            "rackspace",
            "customer",
            "add",
            "--name",
            "Lost Answer Ltd",
            "--reference-number",
            "LA-1",
        ],
    );
    assert_eq!(lost.code, 1, "{lost:?}");
    assert!(
        lost.stderr.starts_with("error: customer add (action 1): to learn what happened, run the same command again: tally looks for the customer by its reference number LA-1 first and adds it only if it is not there: POST ")
            && lost.stderr.contains("/v1/customers: outcome unknown: the request was sent but no answer came back"),
        "{lost:?}"
    );
    // Sent once (a connection dropped after sending is not retried); applied.
    assert_eq!(writes(&sb)["POST /v1/customers"], 1);
    assert_eq!(
        w.query("SELECT outcome, http_status FROM actions"),
        "outcome,http_status\nunknown,\n"
    );
    let named = |sb: &BackgroundSandbox| {
        sb.sandbox()
            .rackspace()
            .customers
            .iter()
            .filter(|c| c.name == "Lost Answer Ltd")
            .count()
    };
    assert_eq!(named(&sb), 1);
    // Again: looked up first, found, not created twice.
    let again = ok(
        &w,
        &[
            "rackspace",
            "customer",
            "add",
            "--name",
            "Lost Answer Ltd",
            "--reference-number",
            "LA-1",
        ],
    );
    assert_eq!(field(&again, "outcome"), "exists");
    assert_eq!(writes(&sb)["POST /v1/customers"], 1);
    assert_eq!(named(&sb), 1);
    assert_eq!(
        w.query("SELECT outcome, message, result_id = (SELECT account_number FROM customers WHERE reference_number = 'LA-1') AS same FROM actions"),
        "outcome,message,same\nok,applied: found by a later lookup,true\n"
    );

    // MailRoute the same way: a customer's name.
    let lost = tally(
        &w,
        &[
            "mailroute",
            "customer",
            "create",
            "--name",
            "lost.example",
            "--reseller",
            "371",
        ],
    );
    assert_eq!(lost.code, 1, "{lost:?}");
    assert!(lost.stderr.contains("outcome unknown"), "{lost:?}");
    let again = ok(
        &w,
        &[
            "mailroute",
            "customer",
            "create",
            "--name",
            "lost.example",
            "--reseller",
            "371",
        ],
    );
    assert_eq!(field(&again, "outcome"), "exists");
    assert_eq!(writes(&sb)["POST /api/v1/customer/"], 1);
    assert_eq!(
        sb.sandbox()
            .mailroute()
            .customers
            .iter()
            .filter(|c| c.name == "lost.example")
            .count(),
        1
    );
    // Once no answer is lost, a create goes through as usual.
    let fresh = ok(
        &w,
        &[
            "mailroute",
            "customer",
            "create",
            "--name",
            "fresh.example",
            "--reseller",
            "371",
        ],
    );
    assert_eq!(field(&fresh, "outcome"), "created");
    assert_eq!(
        w.query("SELECT operation, outcome FROM actions ORDER BY action_id"),
        "operation,outcome\ncustomer add,ok\ncustomer create,ok\ncustomer create,ok\n"
    );
}

#[test]
fn a_write_to_a_closed_port_is_retried_and_reported_as_not_sent() {
    // Nothing listens: the request provably never left, so it may be repeated.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let w = Workdir::new();
    w.write(
        "tally.toml",
        format!("[mailroute]\nbase_url = \"http://127.0.0.1:{port}/api/v1/\"\nrequests_per_minute = 60000\n"),
    );
    let r = tally(
        &w,
        &[
            "mailroute",
            "customer",
            "create",
            "--name",
            "x.example",
            "--reseller",
            "1",
        ],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("could not connect") && r.stderr.contains("(gave up after 3 attempts)"),
        "{r:?}"
    );
    assert_eq!(w.query("SELECT outcome FROM actions"), "outcome\nfailed\n");
}

#[test]
fn mailroute_customers_contacts_and_admins() {
    let sb = sandbox(SandboxOptions::default());
    let w = workdir(&sb);
    let created = ok(
        &w,
        &[
            "mailroute",
            "customer",
            "create",
            "--name",
            "newco.example",
            "--reseller",
            "371",
        ],
    );
    let id = field(&created, "id");
    let dup = tally(
        &w,
        &[
            "mailroute",
            "customer",
            "create",
            "--name",
            "newco.example",
            "--reseller",
            "371",
        ],
    );
    assert_eq!(
        (dup.code, dup.stderr.as_str()),
        (1, format!("error: POST {}customer/: HTTP 400: customer.name: Customer with this Name already exists.\n", sb.sandbox().mailroute_url()).as_str())
    );
    let renamed = ok(
        &w,
        &[
            "mailroute",
            "customer",
            "update",
            &id,
            "--name",
            "newco2.example",
            "--format",
            "json",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&renamed.stdout).unwrap();
    assert_eq!(
        (
            json["outcome"].as_str(),
            json["name"].as_str(),
            json["reseller"].as_i64()
        ),
        (Some("updated"), Some("newco2.example"), Some(371))
    );

    let contact = ok(
        &w,
        &[
            "mailroute",
            "contact",
            "create",
            "--customer",
            &id,
            "--email",
            "billing@newco.example",
            "--first-name",
            "Bo",
            "--technical",
        ],
    );
    let contact_id = field(&contact, "id");
    let updated = ok(
        &w,
        &[
            "mailroute",
            "contact",
            "update",
            &contact_id,
            "--billing",
            "true",
            "--city",
            "Austin",
        ],
    );
    assert_eq!(
        (
            field(&updated, "billing").as_str(),
            field(&updated, "technical").as_str(),
            field(&updated, "first_name").as_str()
        ),
        ("true", "true", "Bo")
    );
    let k = sb
        .sandbox()
        .mailroute()
        .customers
        .iter()
        .flat_map(|c| c.contacts.clone())
        .find(|k| k.id.to_string() == contact_id)
        .unwrap();
    assert_eq!(
        (
            k.is_billing,
            k.is_technical,
            k.extra.get("city").map(String::as_str)
        ),
        (true, true, Some("Austin"))
    );

    let long = "averyveryverylongname@newco.example";
    let refused = tally(
        &w,
        &[
            "mailroute",
            "admin",
            "create",
            "--customer",
            &id,
            "--email",
            long,
        ],
    );
    assert_eq!(
        (refused.code, refused.stderr.as_str()),
        (2, format!("error: --email: the admin's username is its e-mail: Required. 30 characters or fewer. Letters, numbers and @/./+/-/_ characters (\"{long}\" has 35 characters)\n").as_str())
    );
    let admin = ok(
        &w,
        &[
            "mailroute",
            "admin",
            "create",
            "--customer",
            &id,
            "--email",
            "it@newco.example",
            "--send-welcome",
        ],
    );
    let admin_id = field(&admin, "id");
    assert_eq!(field(&admin, "username"), "it@newco.example");
    ok(
        &w,
        &[
            "mailroute",
            "admin",
            "delete",
            "--customer",
            &id,
            &admin_id,
            "--yes",
        ],
    );
    ok(
        &w,
        &["mailroute", "contact", "delete", &contact_id, "--yes"],
    );
    let dry = ok(&w, &["mailroute", "customer", "delete", &id, "--dry-run"]);
    assert_eq!(
        dry.stdout,
        format!(
            "dry run: nothing was sent\nDELETE {}customer/{id}/\n",
            sb.sandbox().mailroute_url()
        )
    );
    ok(&w, &["mailroute", "customer", "delete", &id, "--yes"]);
    assert!(
        !sb.sandbox()
            .mailroute()
            .customers
            .iter()
            .any(|c| c.id.to_string() == id)
    );
    assert_eq!(
        w.query("SELECT operation, http_status, outcome FROM actions ORDER BY action_id"),
        "operation,http_status,outcome\ncustomer create,201,ok\ncustomer create,400,refused\ncustomer update,202,ok\ncontact create,201,ok\ncontact update,202,ok\nadmin create,201,ok\nadmin delete,204,ok\ncontact delete,204,ok\ncustomer delete,204,ok\n"
    );
    assert_eq!(total(&writes(&sb)), 9);
    // Deleted objects stay, marked deleted.
    assert_eq!(
        w.query(&format!(
            "SELECT name, deleted_at IS NOT NULL AS deleted FROM mr_customers WHERE id = {id}"
        )),
        "name,deleted\nnewco2.example,true\n"
    );
}

#[test]
fn the_fix_reconcile_names_works_and_a_sync_after_the_writes_equals_the_sandbox() {
    let sb = sandbox(SandboxOptions {
        world: tally::sandbox::WorldOptions {
            anomalies: true,
            ..Default::default()
        },
        ..SandboxOptions::default()
    });
    let w = workdir(&sb);
    ok(&w, &["-q", "sync", "rackspace"]);
    ok(&w, &["-q", "sync", "mailroute"]);
    let findings = w.query_report(&["reconcile", "--month", "all", "--format", "csv"]);
    let fixes: Vec<String> = findings
        .lines()
        .filter(|l| l.contains("no_billing_contact"))
        .map(|l| {
            l.split("; fix: ")
                .nth(1)
                .unwrap_or_else(|| panic!("{l}"))
                .trim_end_matches('"')
                .to_owned()
        })
        .collect();
    assert!(
        fixes
            .iter()
            .any(|f| f.starts_with("tally rackspace contact ")),
        "{findings}"
    );
    assert!(
        fixes
            .iter()
            .any(|f| f.starts_with("tally mailroute contact ")),
        "{findings}"
    );
    // Run each fix (placeholders filled in); the findings go at once.
    for fix in &fixes {
        let filled = fix
            .replace("--name NAME", "--name Billing")
            .replace("--email EMAIL", "--email billing@fixed.example")
            .replace("--phone PHONE", "--phone 1-555-0100")
            .replace("--security-question Q", "--security-question Pet?")
            .replace(
                "--security-answer-env VAR",
                "--security-answer-env CONTACT_ANSWER",
            );
        let args: Vec<&str> = filled.split(' ').skip(1).collect();
        ok(&w, &args);
    }
    let after = w.query_report(&["reconcile", "--month", "all", "--format", "csv"]);
    assert!(!after.contains("no_billing_contact"), "{after}");

    // More writes of every kind, then a sync: the store equals the sandbox.
    let first = sb.sandbox().rackspace().customers[0].account_number.clone();
    ok(
        &w,
        &["rackspace", "customer", "add", "--name", "Synced Later"],
    );
    ok(&w, &["rackspace", "customer", "delete", &first, "--yes"]);
    let mr = sb.sandbox().mailroute().customers[0].id.to_string();
    ok(&w, &["mailroute", "customer", "delete", &mr, "--yes"]);
    ok(
        &w,
        &[
            "mailroute",
            "customer",
            "create",
            "--name",
            "later.example",
            "--reseller",
            "371",
        ],
    );
    ok(&w, &["-q", "sync", "rackspace"]);
    ok(&w, &["-q", "sync", "mailroute"]);
    let rs = sb.sandbox().rackspace();
    let mut expected: Vec<String> = rs
        .customers
        .iter()
        .map(|c| format!("{}|{}", c.account_number, c.name.replace(',', ";")))
        .collect();
    expected.sort();
    let stored = w.query("SELECT account_number || '|' || replace(name, ',', ';') AS c FROM customers WHERE NOT is_reseller AND deleted_at IS NULL ORDER BY 1");
    assert_eq!(stored, format!("c\n{}\n", expected.join("\n")));
    let mut contacts: Vec<String> = rs
        .customers
        .iter()
        .chain(std::iter::once(&rs.reseller))
        .flat_map(|c| {
            c.contacts
                .iter()
                .map(move |k| format!("{},{},{}", c.account_number, k.id, k.receives_billing))
        })
        .collect();
    contacts.sort();
    assert_eq!(
        w.query("SELECT account_number, contact_id, receives_billing FROM contacts WHERE deleted_at IS NULL AND account_number IN (SELECT account_number FROM customers WHERE deleted_at IS NULL) ORDER BY 1, 2"),
        format!("account_number,contact_id,receives_billing\n{}\n", contacts.join("\n"))
    );
    let mut mr_names: Vec<String> = sb
        .sandbox()
        .mailroute()
        .customers
        .iter()
        .map(|c| format!("{}|{}", c.id, c.name))
        .collect();
    mr_names.sort();
    assert_eq!(
        w.query("SELECT id::VARCHAR || '|' || name AS c FROM mr_customers WHERE deleted_at IS NULL ORDER BY 1"),
        format!("c\n{}\n", mr_names.join("\n"))
    );
    assert_eq!(
        w.query(&format!("SELECT deleted_at IS NOT NULL AS deleted FROM customers WHERE account_number = '{first}'")),
        "deleted\ntrue\n"
    );
}

#[test]
fn bad_input_is_refused_with_its_message_and_nothing_is_sent_or_stored() {
    let sb = sandbox(SandboxOptions::default());
    let w = workdir(&sb);
    let account = sb.sandbox().rackspace().customers[0].account_number.clone();
    let mr_url = sb.sandbox().mailroute_url();
    let cases: Vec<(Vec<&str>, i32, String)> = vec![
        (
            vec!["rackspace", "customer", "edit", "12ab", "--city", "Reno"],
            2,
            "error: ACCOUNT: expected an account number (digits only, e.g. 1100000); found \"12ab\"\n".into(),
        ),
        (
            vec!["rackspace", "customer", "edit", &account],
            2,
            "error: nothing to change: give at least one field (--name, --reference-number, --address-line1, ...)\n".into(),
        ),
        (
            vec!["rackspace", "contact", "edit", &account, "1"],
            2,
            "error: nothing to change: give at least one of --name, --email, --phone, --receives-alerts, --receives-billing, --receives-updates\n".into(),
        ),
        (
            vec!["rackspace", "contact", "add", &account, "--name", "P", "--email", "p@a.example", "--phone", "1", "--security-question", "Q"],
            2,
            "error: --security-answer-env VAR is required: the security answer is read from that environment variable, never from the command line\n".into(),
        ),
        (
            vec!["rackspace", "contact", "delete", &account, "999999", "--yes"],
            1,
            format!("error: account {account} has no contact 999999\n"),
        ),
        (
            vec!["rackspace", "login-token", &account, "--user", " "],
            2,
            "error: --user: a user name is required\n".into(),
        ),
        (
            vec!["mailroute", "customer", "create", "--name", " ", "--reseller", "371"],
            2,
            "error: --name: This field is required.\n".into(),
        ),
        (
            vec!["mailroute", "contact", "create", "--customer", "1001", "--email", "nope"],
            2,
            "error: --email: \"nope\" is not a valid e-mail address\n".into(),
        ),
        (
            vec!["mailroute", "contact", "update", "999", "--billing", "true"],
            1,
            format!("error: MailRoute has no contact 999 ({mr_url}contact_customer/999/)\n"),
        ),
        (
            vec!["mailroute", "admin", "delete", "--customer", "1001", "424242", "--yes"],
            1,
            "error: MailRoute customer 1001 has no admin 424242\n".into(),
        ),
    ];
    for (args, code, message) in cases {
        let r = tally(&w, &args);
        assert_eq!(
            (r.code, r.stderr.as_str()),
            (code, message.as_str()),
            "{args:?}"
        );
        assert_eq!(r.stdout, "", "{args:?}");
    }
    // A flag that is not true|false is clap's usage error.
    let r = tally(
        &w,
        &[
            "rackspace",
            "contact",
            "edit",
            &account,
            "1",
            "--receives-billing",
            "maybe",
        ],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains("invalid value 'maybe' for '--receives-billing <true|false>'"),
        "{r:?}"
    );
    // Nothing was sent, nothing recorded or stored.
    assert!(writes(&sb).is_empty(), "{:?}", writes(&sb));
    assert_eq!(
        w.query("SELECT (SELECT count(*) FROM actions) AS actions, (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM mr_customers) AS mr"),
        "actions,customers,mr\n0,0,0\n"
    );
}
