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
        let shown = |s: &str| s.replace(['\n', '\r', '\t'], " ");
        let mut widths: Vec<usize> = self.columns.iter().map(|(n, _)| n.width()).collect();
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
        line(out, &mut self.columns.iter().map(|(n, _)| n.clone()))?;
        line(out, &mut widths.iter().map(|w| "-".repeat(*w)))?;
        for row in &self.rows {
            line(out, &mut row.iter().map(|c| shown(c)))?;
        }
        Ok(())
    }
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
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "product            charge\n\
             ---------------  --------\n\
             Hosted Exchange  140.0000\n\
             Outlook           -5.5000\n\
             Ré sumé            0.0000\n"
        );
    }
}
