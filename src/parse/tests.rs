//! The parser against every accepted and refused shape of file, with exact messages.

use super::*;
use crate::amount::Amount;
use crate::amount::amount_text;
use proptest::prelude::*;
use rust_decimal::Decimal;

const SAMPLE: &str = include_str!("../../data/123123.csv");

const ROW: &str = "1386010,\"\",\"MyOtherDomain\",\"Office 365 Business Essentials\",Upgrade,11/6/2017 7:54:44 PM,11/30/2017 11:59:59 PM,29,31,2,0.81,7,11.34";

fn parse(text: &str) -> Result<Vec<LineItem>, ParseError> {
    parse_line_items("inv.csv", text.as_bytes())
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

fn with_rows(rows: &[&str]) -> String {
    let mut s = format!("{HEADER_LINE}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

#[test]
fn the_documented_sample() {
    let items = parse(SAMPLE).unwrap();
    assert_eq!(items.len(), 7);
    let upgrade = &items[5];
    assert_eq!(upgrade.line_no, 6);
    assert_eq!(upgrade.account_no, "1386010");
    assert_eq!(upgrade.reference_no, "");
    assert_eq!(upgrade.domain, "MyOtherDomain");
    assert_eq!(upgrade.product, "Office 365 Business Essentials");
    assert_eq!(upgrade.line_type, LineType::Upgrade);
    assert_eq!(upgrade.service_start.to_string(), "2017-11-06 19:54:44");
    assert_eq!(upgrade.service_end.to_string(), "2017-11-30 23:59:59");
    assert_eq!(upgrade.term_committed_usage.to_string(), "29");
    assert_eq!(upgrade.current_usage.to_string(), "31");
    assert_eq!(upgrade.usage_change.to_string(), "2");
    assert_eq!(upgrade.months.to_string(), "0.81");
    assert_eq!(upgrade.rate.to_string(), "7");
    assert_eq!(upgrade.charge.to_string(), "11.34");
    let total: Decimal = items.iter().map(|i| i.charge.as_decimal()).sum();
    assert_eq!(total.to_string(), "914.34");
    // Every documented row obeys Charge = Usage Change × Rate × Months.
    for i in &items {
        let product = i.usage_change.as_decimal() * i.rate.as_decimal() * i.months.as_decimal();
        assert_eq!(product, i.charge.as_decimal(), "line {}", i.line_no);
    }
}

#[test]
fn bom_crlf_and_no_final_newline() {
    let text = format!("\u{FEFF}{HEADER_LINE}\r\n{ROW}\r\n{ROW}");
    let items = parse(&text).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1].charge.to_string(), "11.34");
    assert_eq!(items[1].line_no, 2);
}

#[test]
fn quoted_commas_doubled_quotes_and_line_breaks() {
    let row = "1386010,\"PO 7, \"\"east\"\"\",\"Multi\nLine, Inc.\",\"Office 365\",Renewal,12/1/2017 12:00:00 AM,12/31/2017 11:59:59 PM,1,1,1,1,7,7";
    let text = with_rows(&[row, ROW]);
    let items = parse(&text).unwrap();
    assert_eq!(items[0].reference_no, "PO 7, \"east\"");
    assert_eq!(items[0].domain, "Multi\nLine, Inc.");
    assert_eq!(items[1].line_no, 2);
    // A later error still names the physical line (the quoted break took one).
    let bad = with_rows(&[row, "x"]);
    assert_eq!(err(&bad), "inv.csv: line 4: expected 13 fields, found 1");
}

#[test]
fn header_only_and_trailing_blank_lines() {
    assert_eq!(parse(HEADER_LINE).unwrap(), vec![]);
    assert_eq!(parse(&format!("{HEADER_LINE}\n")).unwrap(), vec![]);
    let text = format!("{HEADER_LINE}\n{ROW}\n\n\r\n\n");
    assert_eq!(parse(&text).unwrap().len(), 1);
}

#[test]
fn unknown_types_and_negative_lines_are_kept() {
    let row = "1386010,\"\",\"d.com\",\"Office 365\",Cancellation,12/1/2017 12:00:00 AM,12/31/2017 11:59:59 PM,5,0,-5,1,7,-35";
    let items = parse(&with_rows(&[row])).unwrap();
    assert_eq!(items[0].line_type, LineType::Other("Cancellation".into()));
    assert_eq!(items[0].line_type.as_str(), "Cancellation");
    assert_eq!(items[0].charge.to_string(), "-35");
}

#[test]
fn empty_file() {
    let expected =
        format!("inv.csv: line 1: the file is empty; expected the header row {HEADER_LINE:?}");
    assert_eq!(err(""), expected);
    assert_eq!(err("\u{FEFF}"), expected);
    assert_eq!(err("\n\n"), expected);
}

#[test]
fn header_problems() {
    let missing = HEADER_LINE.replace("Months,", "");
    assert_eq!(
        err(&missing),
        format!(
            "inv.csv: line 1, column 11: header: missing column \"Months\" (expected {HEADER_LINE:?})"
        )
    );
    let missing_last = HEADER_LINE.replace(",Charge", "");
    assert_eq!(
        err(&missing_last),
        format!(
            "inv.csv: line 1, column 13: header: missing column \"Charge\" (expected {HEADER_LINE:?})"
        )
    );
    let renamed = HEADER_LINE.replace("Rate", "Unit Price");
    assert_eq!(
        err(&renamed),
        "inv.csv: line 1, column 12: header: expected column \"Rate\", found \"Unit Price\""
    );
    let extra = format!("{HEADER_LINE},Notes");
    assert_eq!(
        err(&extra),
        format!(
            "inv.csv: line 1, column 14: header: unexpected extra column \"Notes\" (expected {HEADER_LINE:?})"
        )
    );
    assert_eq!(
        err("Foo,Bar\n"),
        "inv.csv: line 1, column 1: header: expected column \"Account No\", found \"Foo\""
    );
}

#[test]
fn wrong_field_count() {
    let short = ROW.rsplit_once(',').unwrap().0;
    assert_eq!(
        err(&with_rows(&[ROW, short])),
        "inv.csv: line 3: expected 13 fields, found 12"
    );
    assert_eq!(
        err(&with_rows(&[&format!("{ROW},extra")])),
        "inv.csv: line 2: expected 13 fields, found 14"
    );
}

#[test]
fn bad_decimal() {
    let row = ROW.replace(",7,11.34", ",1O.00,11.34");
    assert_eq!(
        err(&with_rows(&[ROW, &row])),
        "inv.csv: line 3, column 12 (Rate): expected a decimal number, found \"1O.00\""
    );
    let row = ROW.replace(",11.34", ",11.34567");
    assert_eq!(
        err(&with_rows(&[&row])),
        "inv.csv: line 2, column 13 (Charge): \"11.34567\" has 5 decimal places; tally keeps at most 4"
    );
    let row = ROW.replace(",0.81,", ",,");
    assert_eq!(
        err(&with_rows(&[&row])),
        "inv.csv: line 2, column 11 (Months): expected a decimal number, found \"\""
    );
}

#[test]
fn bad_date() {
    let row = ROW.replace("11/6/2017 7:54:44 PM", "13/45/2018 7:54:44 PM");
    assert_eq!(
        err(&with_rows(&[&row])),
        "inv.csv: line 2, column 6 (Service Start): expected a date like \"12/1/2017 12:00:00 AM\", found \"13/45/2018 7:54:44 PM\""
    );
}

#[test]
fn invalid_utf8() {
    let mut bytes = with_rows(&[ROW]).into_bytes();
    let at = HEADER_LINE.len() + 1 + ROW.find("MyOther").unwrap();
    bytes[at] = 0xFF;
    let e = parse_line_items("inv.csv", &bytes).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "inv.csv: line 2, byte {}: invalid UTF-8: found byte 0xFF; the file must be UTF-8 text",
            ROW.find("MyOther").unwrap() + 1
        )
    );
}

#[test]
fn unterminated_quote() {
    let row = "1386010,\"\",\"MyOtherDomain,Office,Upgrade";
    assert_eq!(
        err(&with_rows(&[ROW, row])),
        "inv.csv: line 3, column 3 (Domain): a quoted field opens here and is never closed (the closing '\"' is missing)"
    );
}

#[test]
fn text_after_closing_quote() {
    let row = ROW.replace("\"MyOtherDomain\"", "\"MyOther\"Domain");
    assert_eq!(
        err(&with_rows(&[&row])),
        "inv.csv: line 2, column 3 (Domain): expected ',' or the end of the line after a closing quote, found 'D'"
    );
}

fn cell_text() -> impl Strategy<Value = String> {
    "[ -~\n\u{e9}\u{4e2d}]{0,12}"
}

proptest! {
    /// Any cell text survives quoting; Σ charge of the parsed rows is Σ of the written charges.
    #[test]
    fn written_rows_parse_back(rows in prop::collection::vec((cell_text(), cell_text(), amount_text(), amount_text()), 0..20)) {
        let mut text = format!("{HEADER_LINE}\r\n");
        let mut expected_sum = Decimal::ZERO;
        for (domain, product, rate, charge) in &rows {
            let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            text.push_str(&format!(
                "1,\"\",{},{},Renewal,12/1/2017 12:00:00 AM,12/31/2017 11:59:59 PM,1,1,1,1,{rate},{charge}\r\n",
                q(domain), q(product)
            ));
            expected_sum += Amount::parse(charge).unwrap().as_decimal();
        }
        let items = parse(&text).unwrap();
        prop_assert_eq!(items.len(), rows.len());
        for (item, (domain, product, rate, _)) in items.iter().zip(&rows) {
            prop_assert_eq!(&item.domain, domain);
            prop_assert_eq!(&item.product, product);
            prop_assert_eq!(item.rate.as_decimal(), Amount::parse(rate).unwrap().as_decimal());
        }
        let sum: Decimal = items.iter().map(|i| i.charge.as_decimal()).sum();
        prop_assert_eq!(sum, expected_sum);
    }

    /// No input makes the parser panic; it either parses or says where it failed.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut input = HEADER_LINE.as_bytes().to_vec();
        input.push(b'\n');
        input.extend_from_slice(&bytes);
        if let Err(e) = parse_line_items("x.csv", &input) {
            prop_assert!(e.line >= 1);
        }
    }
}

/// Dates repeated from the line before are read as the line before's; a change and
/// a bad date after good ones are read afresh.
#[test]
fn repeated_service_dates_read_like_any_other() {
    let other = ROW.replace("11/6/2017 7:54:44 PM", "12/1/2017 12:00:00 AM");
    let items = parse(&with_rows(&[ROW, ROW, &other, ROW])).unwrap();
    let starts: Vec<String> = items
        .iter()
        .map(|i| i.service_start.format("%Y-%m-%d %H:%M:%S").to_string())
        .collect();
    assert_eq!(
        starts,
        [
            "2017-11-06 19:54:44",
            "2017-11-06 19:54:44",
            "2017-12-01 00:00:00",
            "2017-11-06 19:54:44"
        ]
    );
    assert!(items.iter().all(|i| i.service_end == items[0].service_end));
    let bad = ROW.replace("11/6/2017 7:54:44 PM", "11/31/2017 7:54:44 PM");
    assert_eq!(
        err(&with_rows(&[ROW, ROW, &bad])),
        "inv.csv: line 4, column 6 (Service Start): expected a date like \"12/1/2017 12:00:00 AM\", found \"11/31/2017 7:54:44 PM\""
    );
}
