//! An aligned plain-text table: a header, a rule, and rows; numbers right-aligned.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

pub struct Table {
    /// (name, right-aligned?) per column.
    columns: Vec<(String, bool)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(columns: Vec<(String, bool)>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let shown = |s: &str| escaped(s);
        let mut widths: Vec<usize> = self.columns.iter().map(|(n, _)| shown(n).width()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(shown(cell).width());
            }
        }
        let line =
            |out: &mut dyn Write, cells: &mut dyn Iterator<Item = String>| -> io::Result<()> {
                let mut text = String::new();
                for (i, cell) in cells.enumerate() {
                    let (w, right) = (widths[i], self.columns[i].1);
                    let pad = " ".repeat(w.saturating_sub(cell.width()));
                    if i > 0 {
                        text.push_str("  ");
                    }
                    if right {
                        text.push_str(&pad);
                        text.push_str(&cell);
                    } else {
                        text.push_str(&cell);
                        text.push_str(&pad);
                    }
                }
                writeln!(out, "{}", text.trim_end())
            };
        line(out, &mut self.columns.iter().map(|(n, _)| shown(n)))?;
        line(out, &mut widths.iter().map(|w| "-".repeat(*w)))?;
        for row in &self.rows {
            line(out, &mut row.iter().map(|c| shown(c)))?;
        }
        Ok(())
    }
}

/// `text` with every control character (C0, DEL, C1) written as `\xNN`, so a
/// hostile value (a domain holding an escape sequence) cannot rewrite the terminal.
pub fn escaped(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{:02x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_text_left_and_numbers_right() {
        let mut t = Table::new(vec![("product".into(), false), ("charge".into(), true)]);
        t.push(vec!["Hosted Exchange".into(), "140.0000".into()]);
        t.push(vec!["Outlook".into(), "-5.5000".into()]);
        t.push(vec!["Ré\nsumé".into(), "0.0000".into()]);
        t.push(vec!["\u{1b}[2Jevil\u{9b}".into(), "1".into()]);
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "product            charge\n\
             ---------------  --------\n\
             Hosted Exchange  140.0000\n\
             Outlook           -5.5000\n\
             Ré\\x0asumé         0.0000\n\
             \\x1b[2Jevil\\x9b         1\n"
        );
    }
}
