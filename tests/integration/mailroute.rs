//! `tally sync mailroute` against the sandbox's MailRoute side: the stored snapshot
//! equals the sandbox's objects (its lists take several pages: the sandbox caps
//! `limit`), a re-sync mirrors deletions and renames, a bad key stops at once,
//! faults change nothing in the end, the key goes nowhere; `tally sync` alone syncs
//! both providers; `coverage` and the MailRoute findings match the generated world.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use tally::sandbox::{BackgroundSandbox, FaultSpec, MrWorld, SandboxOptions};

use crate::common::{API_KEY, LOGIN, Run, Workdir, run, sandbox};

/// `tally ARGS` with the MailRoute test keys only (no Rackspace key).
fn command(w: &Workdir, args: &[&str]) -> Command {
    let mut cmd = w.command();
    cmd.env("TALLY_MAILROUTE_LOGIN", LOGIN)
        .env("TALLY_MAILROUTE_API_KEY", API_KEY)
        .args(args);
    cmd
}

fn sync(w: &Workdir, sb: &BackgroundSandbox, extra: &[&str]) -> Run {
    let url = sb.sandbox().mailroute_url();
    let mut args = vec![
        "sync",
        "mailroute",
        "--base-url",
        &url,
        "--requests-per-minute",
        "60000",
    ];
    args.extend_from_slice(extra);
    run(command(w, &args))
}

/// The stored snapshot as text.
fn stored(w: &Workdir) -> String {
    [
        "SELECT id, name, reseller_id, reported_user_count FROM mr_customers WHERE deleted_at IS NULL ORDER BY id",
        "SELECT id, customer_id, email, is_billing, is_technical, is_emergency FROM mr_contacts WHERE deleted_at IS NULL ORDER BY id",
        "SELECT id, customer_id, username, is_active FROM mr_admins WHERE deleted_at IS NULL ORDER BY id",
    ]
    .iter()
    .map(|q| w.query(q))
    .collect::<Vec<_>>()
    .join("\n")
}

/// The sandbox's objects in the same shape.
fn expected(mr: &MrWorld) -> String {
    let mut customers = String::from("id,name,reseller_id,reported_user_count\n");
    let mut contacts = String::from("id,customer_id,email,is_billing,is_technical,is_emergency\n");
    let mut admins = String::from("id,customer_id,username,is_active\n");
    let mut sorted = mr.customers.clone();
    sorted.sort_by_key(|c| c.id);
    let mut all_contacts = Vec::new();
    let mut all_admins = Vec::new();
    for c in &sorted {
        let count = c
            .reported_user_count
            .map(|n| n.to_string())
            .unwrap_or_default();
        customers.push_str(&format!("{},{},371,{count}\n", c.id, c.name));
        all_contacts.extend(c.contacts.iter().map(|k| (k.id, c.id, k.clone())));
        all_admins.extend(c.admins.iter().map(|a| (a.id, c.id, a.clone())));
    }
    all_contacts.sort_by_key(|k| k.0);
    all_admins.sort_by_key(|a| a.0);
    for (id, customer, k) in all_contacts {
        contacts.push_str(&format!(
            "{id},{customer},{},{},{},{}\n",
            k.email, k.is_billing, k.is_technical, k.is_emergency
        ));
    }
    for (id, customer, a) in all_admins {
        admins.push_str(&format!("{id},{customer},{},{}\n", a.username, a.is_active));
    }
    [customers, contacts, admins].join("\n")
}

#[test]
fn a_full_sync_equals_the_sandbox_and_a_resync_mirrors_changes() {
    let sb = sandbox(SandboxOptions::default());
    let w = Workdir::new();
    let r = sync(&w, &sb, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    let mr = sb.sandbox().mailroute();
    assert!(mr.customers.len() > tally::sandbox::mailroute::MAX_LIMIT as usize);
    assert_eq!(stored(&w), expected(&mr));
    assert!(
        r.stdout
            .contains(&format!("{} customers", mr.customers.len())),
        "{}",
        r.stdout
    );
    // Dates arrive in Pacific time, days not zero-padded, and are stored in UTC:
    // customer 1000 was created "Sun, 4 Aug 2013 02:10:15 -0700" (the sandbox's date
    // for id 1000), customer 2000 "Fri, 17 Jan 2014 18:10:15 -0800".
    assert_eq!(
        w.query("SELECT id, strftime(created_at, '%Y-%m-%d %H:%M:%S') AS utc FROM mr_customers WHERE id IN (1000, 2000) ORDER BY id"),
        "id,utc\n1000,2013-08-04 09:10:15\n2000,2014-01-18 02:10:15\n"
    );

    // MailRoute deletes a customer and a contact, renames another customer.
    sb.sandbox().mailroute_mut(|m| {
        m.customers.retain(|c| c.id != 1001);
        let c = m.customers.iter_mut().find(|c| c.id == 1003).unwrap();
        c.name = "renamed.example".into();
        let c = m
            .customers
            .iter_mut()
            .find(|c| !c.contacts.is_empty())
            .unwrap();
        c.contacts.pop();
    });
    let r = sync(&w, &sb, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(stored(&w), expected(&sb.sandbox().mailroute()));
    assert_eq!(
        w.query(
            "SELECT count(*) AS n FROM mr_customers WHERE deleted_at IS NULL AND (id = 1001 OR name = 'renamed.example')"
        ),
        "n\n1\n"
    );
    // The deleted customer stays for past reports, marked deleted (its contacts and
    // admins too).
    assert_eq!(
        w.query(
            "SELECT (SELECT count(*) FROM mr_customers WHERE id = 1001 AND deleted_at IS NOT NULL) AS customer,
                    (SELECT count(*) FROM mr_contacts WHERE customer_id = 1001 AND deleted_at IS NULL) AS live_contacts"
        ),
        "customer,live_contacts\n1,0\n"
    );
}

#[test]
fn a_bad_key_stops_at_once_and_keeps_the_last_snapshot() {
    let sb = sandbox(SandboxOptions::default());
    let w = Workdir::new();
    assert_eq!(sync(&w, &sb, &[]).code, 0);
    let before = stored(&w);
    let mut cmd = command(
        &w,
        &[
            "sync",
            "mailroute",
            "--base-url",
            &sb.sandbox().mailroute_url(),
        ],
    );
    cmd.env("TALLY_MAILROUTE_API_KEY", "wrong");
    let unauthorized_before = sb.sandbox().stats().unauthorized;
    let r = run(cmd);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "error: GET {}reseller/?limit=1000&offset=0: HTTP 401: API key rejected: check TALLY_MAILROUTE_LOGIN/TALLY_MAILROUTE_API_KEY\n",
            sb.sandbox().mailroute_url()
        )
    );
    assert_eq!(
        sb.sandbox().stats().unauthorized,
        unauthorized_before + 1,
        "not retried"
    );
    assert_eq!(stored(&w), before);
}

#[test]
fn faults_end_in_the_same_snapshot_and_the_key_goes_nowhere() {
    let sb = sandbox(SandboxOptions {
        faults: FaultSpec::parse("heavy,slow-ms=1500").unwrap(),
        ..SandboxOptions::default()
    });
    let w = Workdir::new();
    let r = sync(
        &w,
        &sb,
        &["--timeout", "1", "--retry-delay-ms", "20", "-vv"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(sb.sandbox().stats().faults.values().sum::<u64>() > 5);
    assert_eq!(stored(&w), expected(&sb.sandbox().mailroute()));
    assert!(r.stderr.contains("GET "), "-vv traces requests");
    let everything = format!(
        "{}{}{}",
        r.stdout,
        r.stderr,
        w.query("SELECT * FROM sync_runs")
    );
    assert!(!everything.contains(API_KEY));
    let bytes = std::fs::read(w.db()).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains(API_KEY));
}

#[test]
fn sync_alone_syncs_every_configured_provider() {
    let sb = sandbox(SandboxOptions::default());
    let w = Workdir::new();
    w.configure(&sb);
    let mut cmd = w.keyed();
    cmd.arg("sync");
    let r = run(cmd);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        w.query("SELECT provider, outcome FROM sync_runs ORDER BY run_id"),
        "provider,outcome\nrackspace,ok\nmailroute,ok\n"
    );
    let mut none = command(&w, &["sync"]);
    none.env_remove("TALLY_MAILROUTE_LOGIN")
        .arg("--config")
        .arg(w.write("empty.toml", ""));
    let r = run(none);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.starts_with("error: no provider has keys"),
        "{}",
        r.stderr
    );
}

#[test]
fn coverage_and_the_mailroute_findings_match_the_world() {
    let sb = sandbox(SandboxOptions::default());
    let w = Workdir::new();
    let mut both = w.keyed();
    both.arg("sync");
    w.configure(&sb);
    assert_eq!(run(both).code, 0);
    // The expectation, from the world itself: the latest invoice with lines.
    let world = sb.sandbox().world();
    let mr = sb.sandbox().mailroute();
    let latest = world.invoices.iter().find(|i| i.csv_served).unwrap();
    let mut seats: BTreeMap<String, i64> = BTreeMap::new();
    for l in &latest.lines {
        let entry = seats.entry(l.domain.to_ascii_lowercase()).or_default();
        if l.line_type == tally::parse::LineType::Renewal {
            *entry += l.current_usage.as_decimal().trunc().mantissa() as i64;
        }
    }
    let mut want = BTreeSet::new();
    for (domain, n) in &seats {
        let status = match mr
            .customers
            .iter()
            .find(|c| c.name.to_ascii_lowercase() == *domain)
        {
            None => "missing_in_mailroute",
            Some(c) => match c.reported_user_count {
                None => "no_user_count",
                Some(r) if r != *n => "seats_mismatch",
                Some(_) => "ok",
            },
        };
        want.insert((domain.clone(), status.to_owned()));
    }
    for c in &mr.customers {
        if !seats.contains_key(&c.name.to_ascii_lowercase()) {
            want.insert((c.name.to_ascii_lowercase(), "not_billed".to_owned()));
        }
    }
    let out = w.query_report(&["coverage", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let got: BTreeSet<(String, String)> = reader
        .deserialize::<BTreeMap<String, String>>()
        .map(|r| {
            let r = r.unwrap();
            let domain = if r["domain"].is_empty() {
                &r["mailroute_name"]
            } else {
                &r["domain"]
            };
            (domain.to_ascii_lowercase(), r["status"].clone())
        })
        .collect();
    assert_eq!(got, want);
    for status in [
        "ok",
        "seats_mismatch",
        "no_user_count",
        "missing_in_mailroute",
        "not_billed",
    ] {
        assert!(
            want.iter().any(|(_, s)| s == status),
            "the world has no {status}"
        );
    }
    // reconcile: MailRoute customers without a billing contact, and both missing sides.
    let findings = w.query_report(&["reconcile", "--format", "csv"]);
    let count = |finding: &str| {
        findings
            .lines()
            .filter(|l| l.contains(&format!(",{finding},")))
            .count()
    };
    let no_billing = mr
        .customers
        .iter()
        .filter(|c| c.contacts.iter().all(|k| !k.is_billing))
        .count();
    assert_eq!(count("mailroute_no_billing_contact"), no_billing);
    assert_eq!(
        count("billed_not_in_mailroute"),
        want.iter()
            .filter(|w| w.1 == "missing_in_mailroute")
            .count()
    );
    assert_eq!(
        count("mailroute_not_billed"),
        want.iter().filter(|w| w.1 == "not_billed").count()
    );
}

/// The client's endpoints and errors, straight against the sandbox.
#[test]
fn the_client_follows_links_filters_and_reports_errors() {
    use futures::TryStreamExt;
    use tally::api::mailroute::{Client, ClientOptions, Credentials};
    use tally::api::secret::Secret;

    let sb = sandbox(SandboxOptions::default());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = |base: String| {
        let mut options = ClientOptions::new(Credentials {
            login: LOGIN.into(),
            api_key: Secret::new(API_KEY),
        });
        options.base_url = base;
        options.transport.requests_per_minute = std::num::NonZeroU32::new(60_000).unwrap();
        options.transport.retry.max_attempts = 1;
        Client::new(options).unwrap()
    };
    let c = client(sb.sandbox().mailroute_url());
    let mr = sb.sandbox().mailroute();
    runtime.block_on(async {
        // 38 customers on pages of at most 25, whatever the limit asked.
        let all: Vec<_> = c.customers(None).try_collect().await.unwrap();
        assert_eq!(all.len(), mr.customers.len());
        let of_reseller: Vec<_> = c.customers(Some(371)).try_collect().await.unwrap();
        assert_eq!(of_reseller.len(), mr.customers.len());
        let none: Vec<_> = c.customers(Some(1)).try_collect().await.unwrap();
        assert!(none.is_empty());
        let named: Vec<_> = c
            .customers_named("mronly1.example")
            .try_collect()
            .await
            .unwrap();
        assert_eq!(named.len(), 1);
        let with_contacts = mr.customers.iter().find(|k| k.contacts.len() == 2).unwrap();
        let nested: Vec<_> = c
            .customer_contacts(with_contacts.id)
            .try_collect()
            .await
            .unwrap();
        let filtered: Vec<_> = c.contacts(with_contacts.id).try_collect().await.unwrap();
        assert_eq!(nested, filtered);
        assert_eq!(nested.len(), 2);
        // An unknown customer: MailRoute's empty 404.
        let err = c.admins(999_999).try_collect::<Vec<_>>().await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "GET {}admins/customer/999999/?limit=1000&offset=0: HTTP 404",
                sb.sandbox().mailroute_url()
            )
        );
    });
}
