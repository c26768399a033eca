//! The providers' shapes as their own clients meet them (API-NOTES, "Evidence from
//! the providers' own clients"): Rackspace v1 writes as form fields (v2 contacts as
//! JSON), a throttle in every shape a client looks for; MailRoute's recorded dates,
//! empty values, lists complete at `total_count`, error bodies, absolute
//! `Location`s and a DELETE whose object is already gone.

use tally::sandbox::{BackgroundSandbox, FaultSpec, SandboxOptions};

use crate::act::{ok, tally, workdir};
use crate::common::{SECRET_KEY, USER_KEY, Workdir, sandbox};
use crate::sync::{stored, sync, truth};

/// `tally rackspace customer add` with text a form must encode.
const ADD: [&str; 9] = [
    "rackspace",
    "customer",
    "add",
    "--name",
    "Acme & Söhne",
    "--reference-number",
    "PO-1",
    "--city",
    "Zürich",
];

/// A signed request of our own to the sandbox's Rackspace side.
fn signed_post(
    sb: &BackgroundSandbox,
    path: &str,
    content_type: &str,
    body: &str,
) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let agent = "shapes-test";
        let now = tally::api::rackspace::signature::timestamp(chrono::Utc::now());
        let signature =
            tally::api::rackspace::signature::signature_header(USER_KEY, agent, &now, SECRET_KEY);
        let response = reqwest::Client::new()
            .post(format!("{}{path}", sb.sandbox().url()))
            .header("user-agent", agent)
            .header("x-api-signature", signature)
            .header("accept", "application/json")
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    })
}

#[test]
fn rackspace_v1_writes_are_form_fields_and_v2_contacts_json() {
    let sb = sandbox(SandboxOptions::default());
    let w = workdir(&sb);
    // The dry run shows the body as it will be sent.
    let dry = ok(&w, &[&ADD[..], &["--dry-run"]].concat());
    assert_eq!(
        dry.stdout,
        format!(
            "dry run: nothing was sent\nPOST {}/v1/customers\nContent-Type: application/x-www-form-urlencoded\ncity=Z%C3%BCrich&name=Acme+%26+S%C3%B6hne&referenceNumber=PO-1\n",
            sb.sandbox().url()
        )
    );
    // Sent for real, the sandbox (which reads v1 bodies as form fields only) takes it.
    ok(&w, &ADD);
    let created = sb
        .sandbox()
        .rackspace()
        .customers
        .into_iter()
        .find(|c| c.name == "Acme & Söhne")
        .expect("added");
    assert_eq!(created.address.city.as_deref(), Some("Zürich"));
    assert_eq!(
        w.query("SELECT request FROM actions"),
        "request\ncity=Z%C3%BCrich&name=Acme+%26+S%C3%B6hne&referenceNumber=PO-1\n"
    );
    // A JSON body reads as no fields at all.
    let (status, body) = signed_post(
        &sb,
        "/v1/customers",
        "application/json",
        r#"{"name":"Json Co"}"#,
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Missing required field: name"), "{body}");
    // The login token's fields are form fields too.
    let account = created.account_number.clone();
    let token_dry = ok(
        &w,
        &[
            "rackspace",
            "login-token",
            &account,
            "--user",
            "admin",
            "--dry-run",
        ],
    );
    assert!(
        token_dry.stdout.ends_with(
            "Content-Type: application/x-www-form-urlencoded\nuserName=admin&virtualUser=false\n"
        ),
        "{token_dry:?}"
    );
    // v2 contacts stay JSON, as their page requires.
    let contact_dry = ok(
        &w,
        &[
            "rackspace",
            "contact",
            "add",
            &account,
            "--name",
            "Pat Lee",
            "--email",
            "pat@example.com",
            "--phone",
            "555-0100",
            "--security-question",
            "Q?",
            "--security-answer-env",
            "CONTACT_ANSWER",
            "--dry-run",
        ],
    );
    assert!(
        contact_dry
            .stdout
            .contains("Content-Type: application/json\n{"),
        "{contact_dry:?}"
    );
}

#[test]
fn a_throttle_in_any_shape_is_waited_out_never_taken_for_a_bad_signature() {
    let sb = sandbox(SandboxOptions {
        faults: FaultSpec::parse("throttle-text=0.15,throttle-header=0.15").unwrap(),
        ..SandboxOptions::default()
    });
    let w = Workdir::new();
    let r = sync(&w, &sb, &["--retry-delay-ms", "5"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(stored(&w), truth(&sb));
    let faults = sb.sandbox().stats().faults;
    for kind in ["throttle-text", "throttle-header"] {
        assert!(faults.get(kind).copied().unwrap_or(0) > 0, "{faults:?}");
    }
    let throttled: u64 = w
        .query("SELECT throttled FROM sync_runs")
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(throttled, faults.values().sum::<u64>());
}

#[test]
fn mailroute_as_recorded_syncs_whole_and_asks_no_page_past_total_count() {
    let sb = sandbox(SandboxOptions::default());
    let w = workdir(&sb);
    ok(&w, &["sync", "mailroute"]);
    // The sandbox sends one-digit days and Pacific offsets; stored as UTC.
    let mr = sb.sandbox().mailroute();
    assert_eq!(
        w.query("SELECT count(*) AS n FROM mr_customers WHERE created_at IS NULL"),
        "n\n0\n"
    );
    // null and "" alike: stored NULL, never "".
    assert_eq!(
        w.query(
            "SELECT count(*) AS n FROM mr_contacts
              WHERE phone = '' OR first_name = '' OR last_name = '' OR email = ''"
        ),
        "n\n0\n"
    );
    let contacts: usize = mr.customers.iter().map(|c| c.contacts.len()).sum();
    assert_eq!(
        w.query("SELECT count(*) AS n FROM mr_contacts"),
        format!("n\n{contacts}\n")
    );
    // The filtered lists link a next page beside a complete one: never followed.
    let requests = sb.sandbox().stats().requests;
    ok(&workdir(&sb), &["sync", "mailroute"]);
    let pages = sb.sandbox().stats().requests - requests;
    let per_customer_lists = 2 * mr.customers.len() as u64; // contacts and admins
    assert!(
        pages <= per_customer_lists + 10,
        "{pages} requests for {} customers: a next page past total_count was asked for",
        mr.customers.len()
    );
}

/// `tally mailroute customer create --name NAME`: the id the sandbox gave it, which
/// the command's result shows.
fn create_customer(w: &Workdir, sb: &BackgroundSandbox, name: &str) -> String {
    let created = ok(
        w,
        &[
            "mailroute",
            "customer",
            "create",
            "--name",
            name,
            "--reseller",
            "371",
        ],
    );
    let id = sb
        .sandbox()
        .mailroute()
        .customers
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.id.to_string())
        .expect("created");
    assert!(created.stdout.contains(&id), "{created:?}");
    id
}

#[test]
fn mailroute_errors_locations_and_a_delete_already_gone() {
    let sb = sandbox(SandboxOptions {
        deleted_elsewhere: true,
        ..SandboxOptions::default()
    });
    let w = workdir(&sb);
    ok(&w, &["sync", "mailroute"]);
    // A create answered 201 with an absolute https:// Location on MailRoute's own
    // host: the id is read from the answer, nothing is fetched from that host.
    let id = create_customer(&w, &sb, "shapes.example");
    // The delete finds the customer gone (someone else deleted it): settled ok, noted.
    let gone = ok(&w, &["mailroute", "customer", "delete", &id, "--yes"]);
    assert!(gone.stderr.contains(tally::act::ALREADY_GONE), "{gone:?}");
    assert_eq!(
        w.query(
            "SELECT operation, http_status, outcome, message FROM actions
              WHERE operation = 'customer delete'"
        ),
        format!(
            "operation,http_status,outcome,message\ncustomer delete,404,ok,\"{}\"\n",
            tally::act::ALREADY_GONE
        )
    );
    // A 404 with an empty HTML body on a read: the object named, with its URL.
    let missing = tally(
        &w,
        &[
            "mailroute",
            "customer",
            "update",
            "999999",
            "--name",
            "x.example",
        ],
    );
    assert_eq!(missing.code, 1, "{missing:?}");
    assert_eq!(
        missing.stderr,
        format!(
            "error: MailRoute has no customer 999999 ({}customer/999999/)\n",
            sb.sandbox().mailroute_url()
        )
    );
}

#[test]
fn a_mailroute_create_answered_without_an_id_finds_what_it_made() {
    let sb = sandbox(SandboxOptions {
        creates_answer_empty: true,
        ..SandboxOptions::default()
    });
    let w = workdir(&sb);
    ok(&w, &["sync", "mailroute"]);
    let id = create_customer(&w, &sb, "quiet.example");
    let contact = ok(
        &w,
        &[
            "mailroute",
            "contact",
            "create",
            "--customer",
            &id,
            "--email",
            "billing@quiet.example",
            "--billing",
        ],
    );
    assert!(
        contact.stdout.contains("billing@quiet.example"),
        "{contact:?}"
    );
    assert_eq!(
        w.query(
            "SELECT operation, http_status, outcome, result_id = ''::VARCHAR OR result_id IS NULL AS no_id
               FROM actions ORDER BY action_id"
        ),
        "operation,http_status,outcome,no_id\ncustomer create,202,ok,false\ncontact create,202,ok,false\n"
    );
}
