//! A strict RFC 4180 record reader over text already checked to be UTF-8.
//!
//! It borrows fields from the input where it can, and it knows the line each record
//! and field starts on, so every later error can name it. Unlike lenient readers it
//! refuses an unterminated quote and text after a closing quote.

use std::borrow::Cow;

/// One field of a record, with the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    pub text: Cow<'a, str>,
    pub line: usize,
}

/// What the lexer cannot read, and where: `line` and the 1-based field number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexError {
    UnterminatedQuote {
        line: usize,
        field: usize,
    },
    TextAfterQuote {
        line: usize,
        field: usize,
        found: char,
    },
}

pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer {
            src,
            pos: 0,
            line: 1,
        }
    }

    /// Reads the next record into `fields` (cleared first) and returns the line it
    /// starts on, or `None` at the end. Blank lines are skipped.
    pub fn next_record(&mut self, fields: &mut Vec<Field<'a>>) -> Result<Option<usize>, LexError> {
        fields.clear();
        let bytes = self.src.as_bytes();
        // Skip blank lines ("\n" or "\r\n").
        loop {
            match bytes.get(self.pos..) {
                Some([b'\n', ..]) => {
                    self.pos += 1;
                    self.line += 1;
                }
                Some([b'\r', b'\n', ..]) => {
                    self.pos += 2;
                    self.line += 1;
                }
                _ => break,
            }
        }
        if self.pos >= bytes.len() {
            return Ok(None);
        }
        let record_line = self.line;
        loop {
            let field_line = self.line;
            let field_no = fields.len() + 1;
            let text = if bytes[self.pos] == b'"' {
                self.quoted(field_no)?
            } else {
                self.unquoted()
            };
            fields.push(Field {
                text,
                line: field_line,
            });
            // After a field: a comma (another field follows), a line end, or the end.
            match bytes.get(self.pos..) {
                Some([b',', ..]) => {
                    self.pos += 1;
                    if self.pos == bytes.len() {
                        // "a,b," at the very end: one last empty field.
                        fields.push(Field {
                            text: Cow::Borrowed(""),
                            line: self.line,
                        });
                        return Ok(Some(record_line));
                    }
                }
                Some([b'\n', ..]) => {
                    self.pos += 1;
                    self.line += 1;
                    return Ok(Some(record_line));
                }
                Some([b'\r', b'\n', ..]) => {
                    self.pos += 2;
                    self.line += 1;
                    return Ok(Some(record_line));
                }
                _ => return Ok(Some(record_line)),
            }
        }
    }

    fn unquoted(&mut self) -> Cow<'a, str> {
        let bytes = self.src.as_bytes();
        let start = self.pos;
        while self.pos < bytes.len() {
            match bytes[self.pos] {
                b',' | b'\n' => break,
                b'\r' if bytes.get(self.pos + 1) == Some(&b'\n') => break,
                _ => self.pos += 1,
            }
        }
        Cow::Borrowed(&self.src[start..self.pos])
    }

    fn quoted(&mut self, field_no: usize) -> Result<Cow<'a, str>, LexError> {
        let bytes = self.src.as_bytes();
        let open_line = self.line;
        self.pos += 1; // the opening quote
        let mut start = self.pos;
        let mut owned: Option<String> = None;
        loop {
            let Some(offset) = bytes[self.pos..]
                .iter()
                .position(|&b| b == b'"' || b == b'\n')
            else {
                return Err(LexError::UnterminatedQuote {
                    line: open_line,
                    field: field_no,
                });
            };
            self.pos += offset;
            if bytes[self.pos] == b'\n' {
                self.line += 1;
                self.pos += 1;
                continue;
            }
            // A quote: doubled means a literal quote, single means the end.
            if bytes.get(self.pos + 1) == Some(&b'"') {
                let buf = owned.get_or_insert_with(String::new);
                buf.push_str(&self.src[start..=self.pos]);
                self.pos += 2;
                start = self.pos;
                continue;
            }
            let tail = &self.src[start..self.pos];
            self.pos += 1; // the closing quote
            match bytes.get(self.pos..) {
                None | Some([]) | Some([b',' | b'\n', ..]) | Some([b'\r', b'\n', ..]) => {}
                Some(_) => {
                    let found = self.src[self.pos..].chars().next().unwrap_or('?');
                    return Err(LexError::TextAfterQuote {
                        line: self.line,
                        field: field_no,
                        found,
                    });
                }
            }
            return Ok(match owned {
                Some(mut buf) => {
                    buf.push_str(tail);
                    Cow::Owned(buf)
                }
                None => Cow::Borrowed(tail),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(src: &str) -> Result<Vec<(usize, Vec<String>)>, LexError> {
        let mut lexer = Lexer::new(src);
        let mut fields = Vec::new();
        let mut out = Vec::new();
        while let Some(line) = lexer.next_record(&mut fields)? {
            out.push((line, fields.iter().map(|f| f.text.to_string()).collect()));
        }
        Ok(out)
    }

    fn rec(line: usize, fields: &[&str]) -> (usize, Vec<String>) {
        (line, fields.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn plain_records_with_and_without_final_newline() {
        assert_eq!(
            records("a,b\nc,d\n").unwrap(),
            vec![rec(1, &["a", "b"]), rec(2, &["c", "d"])]
        );
        assert_eq!(
            records("a,b\nc,d").unwrap(),
            vec![rec(1, &["a", "b"]), rec(2, &["c", "d"])]
        );
        assert_eq!(
            records("a,b\r\nc,d\r\n").unwrap(),
            vec![rec(1, &["a", "b"]), rec(2, &["c", "d"])]
        );
    }

    #[test]
    fn quoted_fields_hold_commas_quotes_and_line_breaks() {
        let got = records("\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\nnext,\"\"\n").unwrap();
        assert_eq!(
            got,
            vec![
                rec(1, &["x, y", "say \"hi\"", "two\r\nlines"]),
                rec(3, &["next", ""])
            ]
        );
    }

    #[test]
    fn blank_lines_are_skipped_and_counted() {
        assert_eq!(
            records("a\n\n\r\nb\n\n\n").unwrap(),
            vec![rec(1, &["a"]), rec(4, &["b"])]
        );
        assert_eq!(records("").unwrap(), vec![]);
        assert_eq!(records("\n\n").unwrap(), vec![]);
    }

    #[test]
    fn empty_fields() {
        assert_eq!(records(",\n").unwrap(), vec![rec(1, &["", ""])]);
        assert_eq!(records("a,").unwrap(), vec![rec(1, &["a", ""])]);
    }

    #[test]
    fn unterminated_quote_names_where_it_opened() {
        assert_eq!(
            records("a,b\nc,\"open\nstill open\n"),
            Err(LexError::UnterminatedQuote { line: 2, field: 2 })
        );
    }

    #[test]
    fn text_after_closing_quote_is_refused() {
        assert_eq!(
            records("a\n\"x\"y,b\n"),
            Err(LexError::TextAfterQuote {
                line: 2,
                field: 1,
                found: 'y'
            })
        );
    }
}
