//! The docs hold what they say: every ```console example of the book (`docs/src`)
//! and the README is run against the sample data in a fresh folder, its standard
//! output compared with what the page shows (a line `...` stands for any lines, `[..]`
//! for any text within a line; a last line `? N` is the exit code, 0 otherwise);
//! every relative link resolves to a file (and a `#heading` to a heading of it);
//! every page of `docs/src` is in the book's summary.

use std::path::{Path, PathBuf};

use crate::common::{Workdir, run};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown files of the book, and the README.
fn pages() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let mut pages = vec![root().join("README.md")];
    walk(&root().join("docs/src"), &mut pages);
    pages.sort();
    pages
}

/// One example: the command's words, the output lines shown, the exit code.
#[derive(Debug)]
struct Example {
    line: usize,
    args: Vec<String>,
    expected: Vec<String>,
    code: i32,
}

/// The ```console blocks of `text`, each a list of examples.
fn examples(text: &str) -> Vec<Example> {
    let mut all = Vec::new();
    let mut in_block = false;
    for (n, line) in text.lines().enumerate() {
        if !in_block {
            in_block = line.trim_end() == "```console";
            continue;
        }
        if line.trim_end() == "```" {
            in_block = false;
        } else if let Some(command) = line.strip_prefix("$ ") {
            all.push(Example {
                line: n + 1,
                args: words(command),
                expected: Vec::new(),
                code: 0,
            });
        } else if let Some(example) = all.last_mut() {
            match line.strip_prefix("? ") {
                Some(code) => example.code = code.trim().parse().unwrap(),
                None => example.expected.push(line.to_owned()),
            }
        }
    }
    all
}

/// A command line split into words as a shell would (quotes, no expansion).
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_default().push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_default().push(c),
        }
    }
    assert!(quote.is_none(), "an unclosed quote in {command:?}");
    words.extend(word);
    words
}

/// `line` matches `pattern`, where `[..]` stands for any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let mut parts = pattern.split("[..]");
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// `lines` match `expected`, where a line `...` stands for any number of lines.
fn lines_match(expected: &[String], lines: &[&str]) -> bool {
    match expected.split_first() {
        None => lines.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=lines.len()).any(|skip| lines_match(rest, &lines[skip..]))
        }
        Some((first, rest)) => lines
            .split_first()
            .is_some_and(|(line, others)| line_matches(first, line) && lines_match(rest, others)),
    }
}

#[test]
fn every_console_example_runs_as_shown() {
    let mut ran = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let examples = examples(&text);
        if examples.is_empty() {
            continue;
        }
        // One folder per page: its examples run in order, as a reader would.
        let w = Workdir::new();
        w.sample_data();
        w.write(
            "examples/prices.toml",
            std::fs::read(root().join("docs/examples/prices.toml")).unwrap(),
        );
        for example in examples {
            let where_ = format!("{}:{}", page.display(), example.line);
            assert_eq!(
                example.args.first().map(String::as_str),
                Some("tally"),
                "{where_}: a console example runs tally"
            );
            let mut cmd = w.bare_command();
            cmd.args(&example.args[1..]);
            let r = run(cmd);
            assert_eq!(r.code, example.code, "{where_}: exit code\n{r:?}");
            let lines: Vec<&str> = r.stdout.lines().collect();
            assert!(
                lines_match(&example.expected, &lines),
                "{where_}: the output differs from the page's\n--- page\n{}\n--- tally\n{}",
                example.expected.join("\n"),
                r.stdout
            );
            ran += 1;
        }
    }
    assert!(ran >= 10, "only {ran} examples ran");
}

/// A heading's anchor as mdBook and GitHub make it.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The `](target)` links of a Markdown text.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        if let Some(end) = rest.find(')') {
            out.push(rest[..end].to_owned());
        }
    }
    out
}

#[test]
fn every_link_resolves() {
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for link in links(&text) {
            if link.starts_with("http://") || link.starts_with("https://") {
                continue;
            }
            let (file, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(file)
            };
            assert!(
                target.exists(),
                "{}: the link {link:?} leads nowhere",
                page.display()
            );
            if !anchor.is_empty() {
                let headings: Vec<String> = std::fs::read_to_string(&target)
                    .unwrap()
                    .lines()
                    .filter_map(|l| l.strip_prefix('#'))
                    .map(|l| slug(l.trim_start_matches('#')))
                    .collect();
                assert!(
                    headings.iter().any(|h| h == anchor),
                    "{}: {link:?} names no heading of {}",
                    page.display(),
                    target.display()
                );
            }
        }
    }
}

#[test]
fn every_page_is_in_the_summary() {
    let summary = std::fs::read_to_string(root().join("docs/src/SUMMARY.md")).unwrap();
    let listed = links(&summary);
    for page in pages() {
        let Ok(relative) = page.strip_prefix(root().join("docs/src")) else {
            continue;
        };
        let relative = relative.to_string_lossy();
        if relative == "SUMMARY.md" {
            continue;
        }
        assert!(
            listed.iter().any(|l| *l == relative),
            "docs/src/{relative} is not in docs/src/SUMMARY.md"
        );
    }
}

#[test]
fn the_matchers_match_what_they_say() {
    assert_eq!(
        words(r#"tally sql "SELECT 'a b'" --format csv"#),
        ["tally", "sql", "SELECT 'a b'", "--format", "csv"]
    );
    assert!(line_matches(
        "price book x ([..])",
        "price book x (572a710a8074)"
    ));
    assert!(!line_matches("price book x ([..])", "price book y (572a)"));
    assert!(line_matches("a", "a") && !line_matches("a", "ab"));
    let expected =
        |lines: &[&str]| -> Vec<String> { lines.iter().map(|l| l.to_string()).collect() };
    assert!(lines_match(
        &expected(&["a", "...", "d"]),
        &["a", "b", "c", "d"]
    ));
    assert!(lines_match(&expected(&["..."]), &[]));
    assert!(!lines_match(&expected(&["a", "...", "d"]), &["a", "b"]));
    assert_eq!(
        slug("The price book, statements and closed months"),
        "the-price-book-statements-and-closed-months"
    );
}
