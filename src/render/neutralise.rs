//! The one rule for CSV written for people (reports, exports, and every file a
//! spreadsheet may open): a text cell that a spreadsheet would run as a formula
//! gets a leading `'`. Such a cell starts, after any spaces, with `=`, `+`, `-`,
//! `@`, a tab or a carriage return, and is not a plain number (`-12.50` stays as
//! it is). `tally sql --format csv` and `--raw` write cells as stored.
//!
//! The rule exists twice, in Rust ([`neutralise`]) and as SQL ([`sql_expression`],
//! for DuckDB's `COPY`); a test holds them to the same answers.

use std::borrow::Cow;

/// The characters that make a cell a formula, after any leading spaces.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// True for `[+-]digits[.digits]` (or `.digits`) between optional spaces.
fn is_plain_number(cell: &str) -> bool {
    let t = cell.trim_matches(' ');
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    !(int.is_empty() && frac.is_empty()) && digits(int) && digits(frac)
}

/// True when a spreadsheet would execute `cell`.
pub fn is_formula(cell: &str) -> bool {
    cell.trim_start_matches(' ').starts_with(TRIGGERS) && !is_plain_number(cell)
}

/// `cell` as it may be written into CSV for people.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if is_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The same rule over a VARCHAR column, as a DuckDB expression (`column` is an
/// already quoted identifier).
pub fn sql_expression(column: &str) -> String {
    format!(
        "CASE WHEN regexp_matches({column}, '^ *[=+\\-@\\t\\r]') \
              AND NOT regexp_matches({column}, '^ *[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+) *$') \
         THEN '''' || {column} ELSE {column} END"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const CELLS: &[&str] = &[
        "=HYPERLINK(\"x\")",
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\ttab",
        "\rcr",
        "  =cmd|' /C calc'!A0",
        " @x",
        "plain",
        "a=b",
        "-12.50",
        "+5",
        " -3 ",
        "-.5",
        "-",
        "+",
        "-1.",
        "-1e5",
        "--1",
        "- 1",
        "",
        "  ",
        "12.50",
    ];

    #[test]
    fn formulas_get_a_quote_numbers_do_not() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("  =1+1"), "'  =1+1");
        assert_eq!(neutralise("\t=x"), "'\t=x");
        assert_eq!(neutralise("-12.50"), "-12.50");
        assert_eq!(neutralise("+5"), "+5");
        assert_eq!(neutralise("-"), "'-");
        assert_eq!(neutralise("-1e5"), "'-1e5");
        assert_eq!(neutralise("a=b"), "a=b");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn the_sql_rule_is_the_rust_rule() {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        for cell in CELLS {
            let sql = format!(
                "SELECT {} FROM (SELECT ?::VARCHAR AS c)",
                sql_expression("c")
            );
            let got: String = conn.query_row(&sql, [cell], |r| r.get(0)).unwrap();
            assert_eq!(got, neutralise(cell), "{cell:?}");
        }
    }
}
