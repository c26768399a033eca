//! Two reseller accounts in one file (two profiles): each sync speaks only for its
//! own customers, `--reseller` shows one reseller's part as a file holding that
//! world alone shows it, and without it the totals are the two worlds' sums.

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;
use tally::sandbox::{BackgroundSandbox, SandboxOptions, WorldOptions};

use crate::common::{Run, Workdir, run, sandbox};

const EAST: &str = "1100000";
const WEST: &str = "1100001";

/// A sandbox whose reseller account is `account`, named `name`, its world from `seed`.
fn reseller(account: &str, name: &str, seed: u64) -> BackgroundSandbox {
    sandbox(SandboxOptions {
        world: WorldOptions {
            seed,
            reseller_account: account.parse().unwrap(),
            ..WorldOptions::default()
        },
        reseller_name: name.to_owned(),
        ..SandboxOptions::default()
    })
}

/// `tally.toml` in `w`: east without a profile, west as profile `west`.
fn configure(w: &Workdir, east: &BackgroundSandbox, west: &BackgroundSandbox) {
    w.write(
        "tally.toml",
        format!(
            "[rackspace]\nbase_url = \"{}\"\nrequests_per_minute = 60000\n\n\
             [profiles.west.rackspace]\nbase_url = \"{}\"\nrequests_per_minute = 60000\n",
            east.sandbox().url(),
            west.sandbox().url()
        ),
    );
}

/// Syncs one reseller (`west`: with `--profile west`) into `w`.
fn sync(w: &Workdir, west: bool) -> Run {
    let mut cmd = w.keyed();
    if west {
        cmd.args(["--profile", "west"]);
    }
    cmd.args(["-q", "sync", "rackspace", "--customer-details"]);
    let r = run(cmd);
    assert_eq!(r.code, 0, "{r:?}");
    r
}

/// Each customer: its account, its reseller, whether it is one, and deleted or not.
fn customers(w: &Workdir) -> Vec<String> {
    w.query(
        "SELECT account_number || ' ' || reseller_account || ' ' || is_reseller::VARCHAR
                || CASE WHEN deleted_at IS NULL THEN '' ELSE ' deleted' END
           FROM customers ORDER BY account_number",
    )
    .lines()
    .skip(1)
    .map(str::to_owned)
    .collect()
}

fn deleted(w: &Workdir) -> Vec<String> {
    customers(w)
        .into_iter()
        .filter(|c| c.ends_with(" deleted"))
        .collect()
}

/// Every report over every month (those that need one with the tests' price
/// book), as CSV.
fn reports(w: &Workdir, scope: &[&str]) -> Vec<(String, String)> {
    let prices = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/prices.toml");
    tally::report::REPORTS
        .iter()
        .map(|report| {
            let name = report.name.as_str();
            let mut args = vec!["report", name, "--month", "all", "--format", "csv"];
            args.extend(scope);
            if report.name.needs_prices() {
                args.extend(["--prices", prices.to_str().unwrap()]);
            }
            let r = w.tally(&args);
            assert!(r.code <= 1, "{name}: {r:?}");
            // What it warns of (a price for an account never billed) is compared too.
            (name.to_owned(), format!("{}{}", r.stdout, r.stderr))
        })
        .collect()
}

/// A CSV's rows without the columns that say when or by which run a row was stored.
fn without_times(text: &str) -> String {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let keep: Vec<bool> = reader
        .headers()
        .unwrap()
        .iter()
        .map(|c| !(c.ends_with("_at") || c == "run_id"))
        .collect();
    let mut out = String::new();
    for record in reader.records() {
        let record = record.unwrap();
        let kept: Vec<&str> = record
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(f, _)| f)
            .collect();
        out.push_str(&format!("{kept:?}\n"));
    }
    out
}

/// Σ charge per month of `report months`'s month rows.
fn months(w: &Workdir, scope: &[&str]) -> BTreeMap<String, Decimal> {
    let mut args = vec!["report", "months", "--month", "all", "--format", "csv"];
    args.extend(scope);
    let r = w.tally(&args);
    assert_eq!(r.code, 0, "{r:?}");
    r.stdout
        .lines()
        .skip(1)
        .filter(|l| l.contains(",month,"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[f.len() - 1].parse().unwrap())
        })
        .collect()
}

#[test]
fn two_resellers_in_one_file_each_speak_for_their_own_customers() {
    let east = reseller(EAST, "East Reseller", 1);
    let west = reseller(WEST, "West Reseller", 2);
    let w = Workdir::new();
    configure(&w, &east, &west);

    // Synced alternately, several times: nobody's customers are marked deleted.
    for _ in 0..2 {
        sync(&w, false);
        sync(&w, true);
        assert_eq!(deleted(&w), Vec::<String>::new());
    }
    let both = customers(&w);
    assert!(both.contains(&format!("{EAST} {EAST} true")), "{both:?}");
    assert!(both.contains(&format!("{WEST} {WEST} true")), "{both:?}");
    let east_subs = both.iter().filter(|c| c.contains(" 1100000 false")).count();
    let west_subs = both.iter().filter(|c| c.contains(" 1100001 false")).count();
    assert_eq!((east_subs, west_subs), (40, 40), "{both:?}");

    // One sub-account moves from east to west.
    let mover = east.sandbox().rackspace().customers[0].clone();
    let account = mover.account_number.clone();
    east.sandbox()
        .rackspace_mut(|a| a.customers.retain(|c| c.account_number != account));
    west.sandbox().rackspace_mut(|a| a.customers.push(mover));
    // East's list no longer names it: deleted, as east's, and only it.
    sync(&w, false);
    assert_eq!(deleted(&w), [format!("{account} {EAST} false deleted")]);
    // West's names it: west's, listed; east's next sync leaves it so.
    sync(&w, true);
    sync(&w, false);
    assert_eq!(deleted(&w), Vec::<String>::new());
    assert!(
        customers(&w).contains(&format!("{account} {WEST} false")),
        "{:?}",
        customers(&w)
    );

    // `status` names both resellers with their last sync.
    let status = w.tally(&["status", "--format", "csv"]);
    assert_eq!(status.code, 0, "{status:?}");
    for (number, name, subs) in [(EAST, "East Reseller", 39), (WEST, "West Reseller", 41)] {
        let row = status
            .stdout
            .lines()
            .find(|l| {
                l.starts_with(&format!(
                    "rackspace reseller {number},{name},\"last synced "
                ))
            })
            .unwrap_or_else(|| panic!("no row for {number}: {}", status.stdout));
        assert!(
            row.ends_with(&format!(
                "; {subs} sub-accounts listed, 48 invoices\",false"
            )),
            "{row}"
        );
    }

    // Each world alone, synced from the same sandboxes as they are now.
    let alone = |west_profile: bool| {
        let a = Workdir::new();
        configure(&a, &east, &west);
        sync(&a, west_profile);
        sync(&a, west_profile);
        a
    };
    let (east_alone, west_alone) = (alone(false), alone(true));

    // With --reseller, every report equals that world's alone.
    for (number, one) in [(EAST, &east_alone), (WEST, &west_alone)] {
        let scoped = reports(&w, &["--reseller", number]);
        for ((name, got), (_, expected)) in scoped.iter().zip(reports(one, &[])) {
            assert_eq!(got, &expected, "report {name} --reseller {number}");
        }
        // So do the month pack and the statements of the latest month.
        let prices = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/prices.toml");
        let prices = prices.to_str().unwrap();
        let scoped = ["--reseller", number];
        for (who, scope) in [(&w, &scoped[..]), (one, &[][..])] {
            let mut pack = vec!["pack", "--out", "pack.html", "--prices", prices];
            pack.extend(scope);
            let mut statements = vec![
                "statements",
                "--month",
                "2019-12",
                "--out",
                "st",
                "--prices",
                prices,
            ];
            statements.extend(scope);
            for args in [pack, statements] {
                let r = who.tally(&args);
                assert!(r.code <= 1, "{args:?}: {r:?}");
            }
        }
        let read = |root: &Path, file: &str| std::fs::read(root.join(file)).unwrap();
        assert!(
            read(w.path(), "pack.html") == read(one.path(), "pack.html"),
            "pack --reseller {number}"
        );
        let page = String::from_utf8(read(w.path(), "pack.html")).unwrap();
        assert!(
            page.contains(&format!("Rackspace reseller account {number} (")),
            "the pack does not name {number}"
        );
        let listing = |root: &Path| {
            let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(root.join("st/2019-12"))
                .unwrap()
                .map(|e| {
                    let e = e.unwrap();
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect();
            files.sort();
            files
        };
        assert!(
            listing(w.path()) == listing(one.path()),
            "statements --reseller {number}"
        );

        // So do the exported tables of invoices and lines, by month (two
        // connections write the months: both see the one reseller).
        for (who, dir) in [(&w, "scoped"), (one, "alone")] {
            let mut args = vec!["export", "--out", dir, "--format", "csv", "--partition"];
            args.extend(["month", "--tables", "line_items,invoices,customers"]);
            if dir == "scoped" {
                args.extend(["--reseller", number]);
            }
            let r = who.tally(&args);
            assert_eq!(r.code, 0, "{r:?}");
        }
        let files = |root: &Path| {
            let mut files = BTreeMap::new();
            for table in ["line_items", "invoices", "customers"] {
                let dir = root.join(table);
                let mut stack = vec![dir.clone()];
                while let Some(d) = stack.pop() {
                    for e in std::fs::read_dir(&d).unwrap() {
                        let path = e.unwrap().path();
                        if path.is_dir() {
                            stack.push(path);
                        } else {
                            let text = std::fs::read_to_string(&path).unwrap();
                            let name = path.strip_prefix(root).unwrap().display().to_string();
                            files.insert(name, without_times(&text));
                        }
                    }
                }
            }
            files
        };
        let (got, expected) = (
            files(&w.path().join("scoped")),
            files(&one.path().join("alone")),
        );
        assert!(got.len() > 20, "{:?}", got.keys());
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>()
        );
        for (name, text) in &got {
            assert!(text == &expected[name], "{name} --reseller {number}");
        }
    }

    // Without it, the totals are the two worlds' sums.
    let mut sums = months(&east_alone, &[]);
    for (month, charge) in months(&west_alone, &[]) {
        *sums.entry(month).or_default() += charge;
    }
    assert_eq!(months(&w, &[]), sums);

    // The pack of the whole file names both.
    let r = w.tally(&["pack", "--out", "both.html"]);
    assert_eq!(r.code, 0, "{r:?}");
    let page = std::fs::read_to_string(w.path().join("both.html")).unwrap();
    assert!(
        page.contains(
            "Rackspace reseller accounts 1100000 (East Reseller), 1100001 (West Reseller)."
        ),
        "the pack does not name both resellers"
    );

    // FOCUS names each line's reseller as its billing account.
    let r = w.tally(&["export", "--format", "focus", "--out", "focus"]);
    assert_eq!(r.code, 0, "{r:?}");
    let accounts = crate::common::query_files(&format!(
        "SELECT BillingAccountId, count(*) AS n FROM '{}/focus/focus/*.parquet' GROUP BY ALL ORDER BY ALL",
        w.path().display()
    ));
    let lines = w.query(
        "SELECT i.account_number, count(*) AS n FROM line_items l JOIN invoices i USING (invoice_id)
          GROUP BY ALL ORDER BY ALL",
    );
    assert_eq!(
        accounts.lines().skip(1).collect::<Vec<_>>(),
        lines.lines().skip(1).collect::<Vec<_>>()
    );
    assert!(lines.contains(&format!("{EAST},")) && lines.contains(&format!("{WEST},")));
}

#[test]
fn reseller_must_name_a_reseller_account_in_the_file() {
    let east = reseller(EAST, "East Reseller", 1);
    let w = Workdir::new();
    w.configure(&east);
    sync(&w, false);
    let r = w.tally(&["report", "months", "--reseller", WEST]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "error: --reseller {WEST}: not a reseller account in {} (it holds {EAST} East Reseller)\n",
            w.db().display()
        )
    );
    let r = w.tally(&["status", "--reseller", "11-00"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.starts_with("error: --reseller: "), "{}", r.stderr);
}

#[test]
fn a_sandbox_reseller_account_out_of_range_is_a_usage_error() {
    let w = Workdir::new();
    let r = w.tally(&["sandbox", "--port", "0", "--reseller-account", "1200000"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.starts_with(
            "error: invalid value '1200000' for '--reseller-account <NUMBER>': 1200000 is not in 1100000..=1100009\n"
        ),
        "{}",
        r.stderr
    );
    assert!(!w.db().exists());
}
