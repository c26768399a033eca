//! The month pack as one page (a maud template): the headline, four charts each
//! with its numbers in a table, then findings, coverage mismatches and customers.

use maud::{Markup, html};
use rust_decimal::Decimal;

use super::chart::{self, Labels, Line};
use super::data::{Pack, ShownTable};
use crate::render::Kind;
use crate::render::html::{page, table};
use crate::render::number::grouped;

fn m(value: Decimal) -> String {
    Kind::Money.decimal(value)
}

fn q(value: Decimal) -> String {
    Kind::Quantity.decimal(value)
}

/// A signed change: `+12.30`, `-4.00`, `0.00`.
fn signed(value: Decimal) -> String {
    if value.is_sign_positive() && !value.is_zero() {
        format!("+{}", m(value))
    } else {
        m(value)
    }
}

/// The whole page of `pack`.
pub fn render(pack: &Pack) -> anyhow::Result<Markup> {
    let month = pack.month.to_string();
    let title = format!("Month pack {month}");
    let body = html! {
        h1 { (title) }
        p.sub {
            "Billing month " (month) ": provider cost from the invoices' line items"
            @if pack.priced { ", sell and margin under the price book" }
            ". Money is exact (2 places, 4 where the provider's data has them)."
        }
        @if !pack.resellers.is_empty() {
            p.sub #resellers {
                @if pack.resellers.len() == 1 { "Rackspace reseller account " } @else { "Rackspace reseller accounts " }
                @for (i, (account, name)) in pack.resellers.iter().enumerate() {
                    @if i > 0 { ", " }
                    (account)
                    @if let Some(name) = name { " (" (name) ")" }
                }
                "."
            }
        }
        nav {
            a href="#charts" { "Charts" }
            a href="#findings" { "Findings" }
            @if pack.coverage.is_some() { a href="#coverage" { "Coverage" } }
            a href="#customers" { "Customers" }
        }
        @if !pack.trend.iter().any(|p| p.month == month) {
            p.bad #no-lines {
                "No line items are stored for " (month) ": "
                @if pack.headline.invoices > 0 {
                    "its invoices have no line-item CSV (see the findings), "
                } @else {
                    "no invoice is dated in it, "
                }
                "so its cost, seats and month charts are empty."
            }
        }
        (headline(pack))
        h2 #charts { "Charts" }
        (trend(pack)?)
        (by_product(pack)?)
        (movers(pack)?)
        (seats(pack)?)
        h2 #findings { "Findings (" (pack.findings.rows.len()) ")" }
        @if pack.findings.rows.is_empty() {
            p { "No findings for " (month) "." }
        } @else {
            (shown_table(&pack.findings, true))
        }
        @if let Some(coverage) = &pack.coverage {
            h2 #coverage { "Coverage mismatches (" (coverage.rows.len()) ")" }
            @if coverage.rows.is_empty() {
                p { "Every billed domain's seats match MailRoute's user count." }
            } @else {
                p.sub { "Billed domains whose seats differ from MailRoute's reported users, or that only one side knows." }
                (shown_table(coverage, false))
            }
        }
        h2 #customers { "Customers (" (pack.customers.rows.len()) ")" }
        (shown_table(&pack.customers, false))
        p.sub { "Written by tally " (env!("CARGO_PKG_VERSION")) "." }
    };
    Ok(page(&format!("tally: {title}"), body))
}

fn shown_table(shown: &ShownTable, findings: bool) -> Markup {
    let header: Vec<&str> = shown.header.iter().map(String::as_str).collect();
    table(&header, &shown.kinds, &shown.rows, |row| {
        findings.then(|| row[0].clone())
    })
}

fn tile(id: &str, label: &str, value: &str, note: Option<Markup>, class: Option<&str>) -> Markup {
    html! {
        div class={ "tile" @if let Some(class) = class { " " (class) } } {
            div.label { (label) }
            div.value id=(id) { (value) }
            @if let Some(note) = note { div.note { (note) } }
        }
    }
}

fn headline(pack: &Pack) -> Markup {
    let h = &pack.headline;
    let previous = pack.month.previous();
    let change = match (h.change(), h.change_percent()) {
        (Some(c), Some(p)) => html! {
            span class=(if c.is_sign_negative() { "down" } else { "up" }) {
                (signed(c)) " (" (if p.is_sign_positive() && !p.is_zero() { "+" } else { "" }) (p) " %)"
            }
            " from " (previous)
        },
        (Some(c), None) => html! { (signed(c)) " from " (previous) },
        _ => html! { "no line items in " (previous) },
    };
    let findings = |count: usize, label: &str, id: &str, class: Option<&str>| {
        html! {
            a href="#findings" {
                (tile(id, label, &count.to_string(), None, if count > 0 { class } else { None }))
            }
        }
    };
    html! {
        section.headline #headline aria-label="The month at a glance" {
            a href="#trend" { (tile("headline-cost", "Provider cost", &m(h.cost), Some(change), None)) }
            @if let (Some(sell), Some(margin)) = (h.sell, h.margin()) {
                a href="#trend" { (tile("headline-sell", "Sell", &m(sell), None, None)) }
                a href="#trend" { (tile("headline-margin", "Margin", &m(margin), None, margin.is_sign_negative().then_some("errors"))) }
                a href="#trend" {
                    (tile("headline-margin-percent", "Margin %",
                          &h.margin_percent().map_or_else(|| "n/a".to_owned(), |p| format!("{p} %")), None, None))
                }
            }
            a href="#customers" { (tile("headline-sub-accounts", "Sub-accounts billed", &grouped(&h.sub_accounts.to_string()), None, None)) }
            a href="#seats" { (tile("headline-seats", "Seats", &q(h.seats), Some(html! { "at the month's renewals" }), None)) }
            (tile("headline-invoices", "Invoices", &grouped(&h.invoices.to_string()), Some(html! { "dated in " (pack.month) }), None))
            (findings(h.errors, "Errors", "headline-errors", Some("errors")))
            (findings(h.warnings, "Warnings", "headline-warnings", None))
            (findings(h.infos, "Info", "headline-info", None))
        }
    }
}

/// A chart (the section `id` names), its description as the caption, and its
/// numbers as a table.
fn figure(id: &str, svg: Markup, caption: &str, numbers: Markup) -> Markup {
    html! {
        figure id=(id) {
            (svg)
            figcaption { (caption) }
        }
        (numbers)
    }
}

fn trend(pack: &Pack) -> anyhow::Result<Markup> {
    let months: Vec<String> = pack.trend.iter().map(|p| p.month.clone()).collect();
    let mut series = vec![Line {
        name: "cost".into(),
        values: pack.trend.iter().map(|p| Some(p.cost)).collect(),
    }];
    if pack.priced {
        series.push(Line {
            name: "sell".into(),
            values: pack.trend.iter().map(|p| p.sell).collect(),
        });
        series.push(Line {
            name: "margin".into(),
            values: pack
                .trend
                .iter()
                .map(|p| p.sell.map(|s| s - p.cost))
                .collect(),
        });
    }
    let what = if pack.priced {
        "Cost, sell and margin"
    } else {
        "Provider cost"
    };
    let title = format!("{what} per month, last {} months", months.len());
    let desc = format!(
        "{what} per billing month from {} to {}; the table below the chart lists every value.",
        months.first().map_or("", String::as_str),
        months.last().map_or("", String::as_str)
    );
    let svg = chart::lines(
        &Labels {
            id: "chart-trend",
            title: &title,
            desc: &desc,
            x: "billing month",
            y: "USD",
        },
        &months,
        &series,
    )?;
    let mut header = vec!["month", "cost"];
    let mut kinds = vec![Kind::Text, Kind::Money];
    if pack.priced {
        header.extend(["sell", "margin"]);
        kinds.extend([Kind::Money, Kind::Money]);
    }
    header.extend(["sub-accounts", "seats", "lines"]);
    kinds.extend([Kind::Quantity, Kind::Quantity, Kind::Quantity]);
    let rows: Vec<Vec<String>> = pack
        .trend
        .iter()
        .map(|p| {
            let mut row = vec![p.month.clone(), m(p.cost)];
            if pack.priced {
                row.push(p.sell.map(m).unwrap_or_default());
                row.push(p.sell.map(|s| m(s - p.cost)).unwrap_or_default());
            }
            row.extend([
                grouped(&p.sub_accounts.to_string()),
                q(p.seats),
                grouped(&p.lines.to_string()),
            ]);
            row
        })
        .collect();
    Ok(figure(
        "trend",
        svg,
        &desc,
        table(&header, &kinds, &rows, |_| None),
    ))
}

fn by_product(pack: &Pack) -> anyhow::Result<Markup> {
    let month = pack.month.to_string();
    let products: Vec<_> = pack.products.iter().filter(|p| p.month == month).collect();
    let bars: Vec<(String, Decimal)> = products
        .iter()
        .map(|p| (p.product.clone(), p.cost))
        .collect();
    let title = format!("Cost by product, {month}");
    let desc = format!("Provider cost of each product billed in {month}, largest first.");
    let svg = chart::bars(
        &Labels {
            id: "chart-products",
            title: &title,
            desc: &desc,
            x: "cost (USD)",
            y: "product",
        },
        &bars,
        false,
    )?;
    let rows: Vec<Vec<String>> = products
        .iter()
        .map(|p| {
            vec![
                p.product.clone(),
                grouped(&p.customers.to_string()),
                q(p.seats),
                m(p.cost),
            ]
        })
        .collect();
    let kinds = [Kind::Text, Kind::Quantity, Kind::Quantity, Kind::Money];
    let header = ["product", "customers", "seats", "cost"];
    Ok(figure(
        "by-product",
        svg,
        &desc,
        table(&header, &kinds, &rows, |_| None),
    ))
}

fn movers(pack: &Pack) -> anyhow::Result<Markup> {
    let previous = pack.month.previous();
    let label = |account: &str, name: &Option<String>| match name {
        Some(name) => format!("{account} {name}"),
        None => account.to_owned(),
    };
    let bars: Vec<(String, Decimal)> = pack
        .movers
        .iter()
        .map(|mv| (label(&mv.account_no, &mv.name), mv.change))
        .collect();
    let title = format!(
        "The {} sub-accounts that moved most since {previous}",
        bars.len()
    );
    let desc = format!(
        "Change of each sub-account's total from {previous} to {}, largest move first; increases right, decreases left.",
        pack.month
    );
    let svg = chart::bars(
        &Labels {
            id: "chart-movers",
            title: &title,
            desc: &desc,
            x: "change (USD)",
            y: "sub-account",
        },
        &bars,
        true,
    )?;
    let rows: Vec<Vec<String>> = pack
        .movers
        .iter()
        .map(|mv| {
            vec![
                mv.account_no.clone(),
                mv.name.clone().unwrap_or_default(),
                m(mv.previous_total),
                m(mv.total),
                signed(mv.change),
            ]
        })
        .collect();
    let kinds = [
        Kind::Text,
        Kind::Text,
        Kind::Money,
        Kind::Money,
        Kind::Money,
    ];
    let header = ["account", "name", "previous total", "total", "change"];
    Ok(figure(
        "movers",
        svg,
        &desc,
        table(&header, &kinds, &rows, |_| None),
    ))
}

/// Lines drawn on the seats chart before the rest are summed.
const SEAT_LINES: usize = 6;

fn seats(pack: &Pack) -> anyhow::Result<Markup> {
    let months: Vec<String> = pack.trend.iter().map(|p| p.month.clone()).collect();
    let mut names: Vec<&str> = Vec::new();
    for p in &pack.products {
        if !names.contains(&p.product.as_str()) {
            names.push(&p.product);
        }
    }
    names.sort_unstable();
    let seat = |month: &str, product: &str| {
        pack.products
            .iter()
            .find(|p| p.month == month && p.product == product)
            .map(|p| p.seats)
    };
    // At most SEAT_LINES lines stay readable: the products with the most seats in
    // the month, the rest summed as one line (the table lists every product).
    let this = pack.month.to_string();
    let mut ranked = names.clone();
    ranked.sort_by_key(|n| std::cmp::Reverse(seat(&this, n).unwrap_or_default()));
    let (drawn, rest) = ranked.split_at(ranked.len().min(SEAT_LINES));
    let line = |name: String, products: &[&str]| Line {
        name,
        values: months
            .iter()
            .map(|mo| {
                Some(
                    products
                        .iter()
                        .map(|p| seat(mo, p).unwrap_or_default())
                        .sum(),
                )
            })
            .collect(),
    };
    let mut series: Vec<Line> = names
        .iter()
        .filter(|n| drawn.contains(n))
        .map(|n| line((*n).to_owned(), &[n]))
        .collect();
    if !rest.is_empty() {
        series.push(line(format!("{} other products", rest.len()), rest));
    }
    let title = format!("Seats per product, last {} months", months.len());
    let desc = format!(
        "Seats billed at each month's renewals, one line per product{}; the table below lists every value.",
        if rest.is_empty() {
            ""
        } else {
            " (the smaller ones summed)"
        }
    );
    let svg = chart::lines(
        &Labels {
            id: "chart-seats",
            title: &title,
            desc: &desc,
            x: "billing month",
            y: "seats",
        },
        &months,
        &series,
    )?;
    // A column per product while they fit across the page; past that, a row per
    // month and product.
    let numbers = if names.len() <= SEAT_LINES {
        let mut header = vec!["month"];
        header.extend(names.iter().copied());
        let mut kinds = vec![Kind::Text];
        kinds.extend(names.iter().map(|_| Kind::Quantity));
        let rows: Vec<Vec<String>> = months
            .iter()
            .map(|mo| {
                let mut row = vec![mo.clone()];
                row.extend(names.iter().map(|n| q(seat(mo, n).unwrap_or_default())));
                row
            })
            .collect();
        table(&header, &kinds, &rows, |_| None)
    } else {
        let rows: Vec<Vec<String>> = months
            .iter()
            .flat_map(|mo| {
                names.iter().map(move |n| {
                    vec![
                        mo.clone(),
                        (*n).to_owned(),
                        q(seat(mo, n).unwrap_or_default()),
                    ]
                })
            })
            .collect();
        let kinds = [Kind::Text, Kind::Text, Kind::Quantity];
        table(&["month", "product", "seats"], &kinds, &rows, |_| None)
    };
    Ok(figure("seats", svg, &desc, numbers))
}
