//! `tally pack`: the month pack on a sandbox world with anomalies, read back by
//! parsing its HTML and checked against the reports (headline to the cent, every
//! finding listed, no external URL), opened in headless Chromium (a screenshot
//! that is not blank, a PDF), and snapshotted whole on the fixed world.

use std::collections::BTreeSet;
use std::path::Path;

use rust_decimal::Decimal;
use scraper::{ElementRef, Html, Selector};

use crate::common::Workdir;
use crate::common::synced;
use crate::report::rows;

fn select<'a>(page: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap();
    page.select(&selector).collect()
}

fn text(element: &ElementRef<'_>) -> String {
    element.text().collect::<String>().trim().to_owned()
}

/// The text of the element with `id`.
fn by_id(page: &Html, id: &str) -> String {
    let found = select(page, &format!("#{id}"));
    assert_eq!(found.len(), 1, "#{id}");
    text(&found[0])
}

/// Money as the page shows it (`6,412.56`) back to a decimal.
fn money(shown: &str) -> Decimal {
    shown.replace(',', "").parse().unwrap()
}

fn pack(w: &Workdir, args: &[&str]) -> Html {
    let mut all = vec!["pack", "--out", "pack.html"];
    all.extend_from_slice(args);
    let r = w.tally(&all);
    assert_eq!(r.code, 0, "{r:?}");
    Html::parse_document(&std::fs::read_to_string(w.path().join("pack.html")).unwrap())
}

/// The rows of the table that follows the heading with `id`.
fn table_after(page: &Html, id: &str) -> Vec<Vec<String>> {
    select(page, &format!("h2#{id} ~ table"))
        .first()
        .map(|table| {
            let row = Selector::parse("tbody tr").unwrap();
            let cell = Selector::parse("td").unwrap();
            table
                .select(&row)
                .map(|r| r.select(&cell).map(|c| text(&c)).collect())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_pack_agrees_with_the_reports_and_makes_no_request() {
    let (w, _sb) = synced(true);
    let page = pack(&w, &[]);
    assert_eq!(
        select(&page, "h1").iter().map(text).collect::<Vec<_>>(),
        ["Month pack 2019-12"]
    );

    // The headline cost is `report months` for the month, to the cent.
    let months = rows(&w.query_report(&["months", "--format", "csv"]));
    let month_total = months
        .iter()
        .find(|r| r["month"] == "2019-12" && r["level"] == "month")
        .unwrap();
    assert_eq!(
        money(&by_id(&page, "headline-cost")),
        money(&month_total["charge"])
    );
    let previous = months
        .iter()
        .find(|r| r["month"] == "2019-11" && r["level"] == "month")
        .unwrap();
    let change = money(&month_total["charge"]) - money(&previous["charge"]);
    let shown_change = select(&page, "#headline .tile .note span")
        .first()
        .map(text)
        .unwrap();
    assert!(
        shown_change.starts_with(&format!("+{}", change.round_dp(2))),
        "{shown_change} vs {change}"
    );
    // Sub-accounts and seats as `report customers` and `report products` count them.
    let customers = rows(&w.query_report(&["customers", "--format", "csv"]));
    assert_eq!(
        by_id(&page, "headline-sub-accounts"),
        customers.len().to_string()
    );
    let seats: Decimal = rows(&w.query_report(&["products", "--format", "csv"]))
        .iter()
        .map(|r| money(&r["seats"]))
        .sum();
    assert_eq!(money(&by_id(&page, "headline-seats")), seats);
    assert_eq!(table_after(&page, "customers").len(), customers.len());

    // Every finding of `report reconcile`, in its order, errors first and counted.
    let r = w.tally(&["report", "reconcile", "--format", "csv"]);
    assert_eq!(r.code, 1, "the anomalies are errors");
    let findings = rows(&r.stdout);
    let listed = table_after(&page, "findings");
    assert_eq!(listed.len(), findings.len());
    for (shown, finding) in listed.iter().zip(&findings) {
        let expected: Vec<&str> = finding.values().map(String::as_str).collect();
        let expected: BTreeSet<&str> = expected.into_iter().collect();
        let shown: BTreeSet<&str> = shown.iter().map(String::as_str).collect();
        assert_eq!(shown, expected);
    }
    let errors = findings.iter().filter(|f| f["severity"] == "error").count();
    assert!(errors >= 4, "{errors}");
    assert_eq!(by_id(&page, "headline-errors"), errors.to_string());
    assert_eq!(select(&page, "#findings ~ table tr.error").len(), errors);

    // Coverage: MailRoute is synced, so its mismatches are listed.
    let coverage = rows(&w.query_report(&["coverage", "--format", "csv"]));
    let mismatches = coverage.iter().filter(|r| r["status"] != "ok").count();
    assert!(mismatches > 0);
    assert_eq!(table_after(&page, "coverage").len(), mismatches);

    // Four charts, each with a title and a description it is labelled by.
    let charts = select(&page, "figure svg");
    assert_eq!(charts.len(), 4);
    for chart in &charts {
        let labelled = chart.value().attr("aria-labelledby").unwrap();
        for id in labelled.split(' ') {
            assert!(!by_id(&page, id).is_empty(), "{id}");
        }
        assert_eq!(chart.value().attr("role"), Some("img"));
    }

    // No request: every link is to the page itself, nothing is loaded.
    let html = std::fs::read_to_string(w.path().join("pack.html")).unwrap();
    assert!(!html.contains("http://") && !html.contains("https://"));
    for element in select(&page, "[href], [src]") {
        for attr in ["href", "src"] {
            if let Some(target) = element.value().attr(attr) {
                assert!(target.starts_with('#'), "{attr}={target}");
                // Every link leads to a section of the page.
                assert_eq!(select(&page, target).len(), 1, "{target}");
            }
        }
    }
    assert!(select(&page, "script, link, img, iframe, object").is_empty());
}

#[test]
fn with_a_price_book_the_pack_shows_sell_and_margin_as_report_margin_does() {
    let (w, _sb) = synced(false);
    w.write("book.toml", include_str!("../data/prices.toml"));
    let page = pack(&w, &["--month", "2019-12", "--prices", "book.toml"]);
    let margin = rows(&w.query_report(&[
        "margin",
        "--month",
        "2019-12",
        "--format",
        "csv",
        "--prices",
        "book.toml",
    ]));
    let sum = |column: &str| -> Decimal { margin.iter().map(|r| money(&r[column])).sum() };
    assert_eq!(money(&by_id(&page, "headline-cost")), sum("cost"));
    assert_eq!(money(&by_id(&page, "headline-sell")), sum("sell"));
    assert_eq!(money(&by_id(&page, "headline-margin")), sum("margin"));
    let percent = ((sum("sell") - sum("cost")) * Decimal::ONE_HUNDRED / sum("sell"))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(
        by_id(&page, "headline-margin-percent"),
        format!("{percent} %")
    );
    // Without one, no sell or margin anywhere.
    let page = pack(&w, &["--month", "2019-12"]);
    assert!(select(&page, "#headline-sell, #headline-margin").is_empty());
    assert!(select(&page, "#no-lines").is_empty());
    // A month whose invoice has no CSV says why its figures are empty.
    let page = pack(&w, &["--month", "2017-01"]);
    assert_eq!(
        by_id(&page, "no-lines"),
        "No line items are stored for 2017-01: its invoices have no line-item CSV (see the findings), so its cost, seats and month charts are empty."
    );
    assert_eq!(by_id(&page, "headline-cost"), "0.00");
}

#[test]
fn a_pack_of_an_empty_database_or_over_the_database_is_refused() {
    let w = Workdir::new();
    let r = w.tally(&["pack", "--out", "pack.html"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("no database at"), "{}", r.stderr);
    drop(tally::store::Store::open(&w.db()).unwrap());
    let r = w.tally(&["pack", "--out", "pack.html"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "error: {} has no line items yet; run `tally sync rackspace`, `tally load` or `tally demo` first\n",
            w.db().display()
        )
    );
    assert!(!w.path().join("pack.html").exists());
    let db = w.db();
    let r = w.tally(&["pack", "--out", db.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "error: --out {} is the database file; refused (choose another path)\n",
            db.display()
        )
    );
    let r = w.tally(&["pack", "--out", "x.html", "--month", "2019-13"]);
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn hostile_text_in_the_data_is_escaped_on_the_page_and_in_its_charts() {
    let w = Workdir::new();
    let evil = "<script>alert(1)</script>\u{1b}[2J & \"x\"";
    let file = crate::common::csv(&[
        crate::common::row("1300001", &evil.replace('"', "\"\""), "1234.5"),
        crate::common::row("1300002", "<img src=x onerror=alert(2)>", "-0.125"),
    ]);
    w.write("in/7001.csv", file);
    assert_eq!(w.tally(&["load", "in"]).code, 0);
    let page = pack(&w, &[]);
    assert!(select(&page, "script, img").is_empty());
    let html = std::fs::read_to_string(w.path().join("pack.html")).unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        !html.contains('\u{1b}'),
        "a control character reached the page"
    );
    // Money with 4 places where the stored value has them, separators, exact.
    assert_eq!(by_id(&page, "headline-cost"), "1,234.3750");
    assert!(html.contains(">-0.1250<"), "{html}");
}

#[test]
fn many_products_keep_the_charts_readable() {
    let w = Workdir::new();
    let rows: Vec<String> = (0..9)
        .map(|p| {
            crate::common::row(
                &format!("130000{p}"),
                &format!("Product {p}"),
                &format!("{}", p + 1),
            )
        })
        .collect();
    w.write("in/7001.csv", crate::common::csv(&rows));
    assert_eq!(w.tally(&["load", "--account", "1100000", "in"]).code, 0);
    let page = pack(&w, &[]);
    // Six lines and the rest summed; the table turns to a row per month and product.
    let seats = select(&page, "#seats svg")
        .first()
        .map(|e| e.html())
        .unwrap();
    assert!(seats.contains("3 other products"), "{seats}");
    let header: Vec<String> = select(&page, "#seats ~ table")
        .first()
        .map(|t| {
            let th = Selector::parse("thead th").unwrap();
            t.select(&th).map(|c| text(&c)).collect()
        })
        .unwrap();
    assert_eq!(header, ["month", "product", "seats"]);
    // The bar chart grows with its bars.
    let bars = select(&page, "#by-product svg");
    let height: u32 = bars[0].value().attr("height").unwrap().parse().unwrap();
    assert!(height >= 100 + 26 * 9, "{height}");
}

/// The fixed world's pack (with anomalies), whole: a change to the page is seen.
#[test]
fn snapshot_of_the_pack_of_a_fixed_world() {
    let (w, _sb) = synced(true);
    let r = w.tally(&["pack", "--month", "2019-12", "--out", "pack.html"]);
    assert_eq!(r.code, 0, "{r:?}");
    let html = std::fs::read_to_string(w.path().join("pack.html")).unwrap();
    // One line per block (the page has no newlines of its own outside its SVG and
    // CSS), so a change shows as the lines it touches; nothing is left out.
    let mut lines = html.clone();
    for tag in [
        "<tr", "<h2", "<figure", "<table", "<section", "<a href", "<p",
    ] {
        lines = lines.replace(&format!("><{}", &tag[1..]), &format!(">\n{tag}"));
    }
    assert_eq!(lines.replace('\n', ""), html.replace('\n', ""));
    insta::assert_snapshot!("pack_2019_12", lines);
}

/// A PNG screenshot's pixels that are not (near) white, and its distinct colours.
fn ink(png: &Path) -> (usize, usize, u32) {
    let file = std::io::BufReader::new(std::fs::File::open(png).unwrap());
    let mut decoder = png::Decoder::new(file);
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let mut colours = BTreeSet::new();
    let mut inked = 0;
    for pixel in buf[..info.line_size * info.height as usize].chunks(channels) {
        let rgb = (
            pixel[0],
            pixel[1],
            pixel.get(2).copied().unwrap_or(pixel[0]),
        );
        if rgb.0 < 240 || rgb.1 < 240 || rgb.2 < 240 {
            inked += 1;
        }
        colours.insert(rgb);
    }
    (inked, colours.len(), info.width)
}

#[test]
fn the_pack_opens_in_chromium_and_prints_to_pdf() {
    let (w, _sb) = synced(true);
    let r = w.tally(&["pack", "--month", "2019-12", "--out", "pack.html"]);
    assert_eq!(r.code, 0, "{r:?}");
    let page = w.path().join("pack.html");
    let profile = w.path().join("chromium");
    let png = w.path().join("pack.png");
    let shot = format!("--screenshot={}", png.display());
    if crate::common::chromium(&profile, &["--window-size=1280,2400", &shot], &page).is_none() {
        return;
    }
    let (inked, colours, width) = ink(&png);
    assert_eq!(width, 1280);
    // A blank page has no ink and one colour; the pack's first screen has text,
    // tiles and two charts.
    assert!(inked > 1280 * 2400 / 50, "only {inked} non-white pixels");
    assert!(colours > 50, "only {colours} colours");

    let pdf = w.path().join("pack.pdf");
    let print = format!("--print-to-pdf={}", pdf.display());
    crate::common::chromium(&profile, &["--no-pdf-header-footer", &print], &page).unwrap();
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let pages = bytes
        .windows(b"/Type /Page\n".len())
        .filter(|w| w.starts_with(b"/Type /Page") && !w.starts_with(b"/Type /Pages"));
    assert!(pages.count() >= 2, "the pack prints on more than one page");
}
