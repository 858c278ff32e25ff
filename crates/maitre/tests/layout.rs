//! The code stays readable: no function over 80 lines and no file over 500 lines (tests not counted) in any crate's
//! `src`. Lists every offender with its place, so a failure says what to split.
//!
//! A small lexer rather than a Rust parser: it only needs to skip comments, strings and character literals and to
//! match braces, and a parser with line positions would rebuild every procedural macro with another feature.
use std::path::{Path, PathBuf};

const MAX_FN_LINES: usize = 80;
const MAX_FILE_LINES: usize = 500;

/// A function's name and its first and last line (1-based).
#[derive(Debug, PartialEq)]
struct Span {
    name: String,
    first: usize,
    last: usize,
}

impl Span {
    fn lines(&self) -> usize {
        self.last - self.first + 1
    }
}

/// The part of a file before its test module (by convention `#[cfg(test)]` at the start of a line, at the end).
fn without_tests(source: &str) -> &str {
    let cut = source.find("\n#[cfg(test)]").map(|i| i + 1).unwrap_or(source.len());
    &source[..cut]
}

/// Every function with a body in `source`, nested ones included.
fn functions(source: &str) -> Vec<Span> {
    let chars: Vec<char> = source.chars().collect();
    let (mut i, mut line, mut depth) = (0, 1, 0usize);
    // Functions whose signature was seen: name, first line, the depth their body opens at, whether it has.
    let mut open: Vec<(String, usize, usize, bool)> = Vec::new();
    let mut found = Vec::new();
    let mut previous_word = String::new();
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied().unwrap_or('\0');
        match c {
            '\n' => line += 1,
            '/' if next == '/' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if next == '*' => {
                i = skip_block_comment(&chars, i, &mut line);
                continue;
            }
            '"' => {
                i = skip_string(&chars, i + 1, 0, &mut line);
                continue;
            }
            'r' | 'b' if is_raw_string_start(&chars, i) => {
                let start = i + if c == 'b' { 2 } else { 1 };
                let hashes = chars[start..].iter().take_while(|&&h| h == '#').count();
                i = skip_string(&chars, start + hashes + 1, hashes, &mut line);
                continue;
            }
            '\'' => {
                i = skip_char_literal(&chars, i);
                continue;
            }
            '{' => {
                if let Some(f) = open.last_mut().filter(|f| !f.3 && f.2 == depth) {
                    f.3 = true;
                }
                depth += 1;
            }
            '}' => {
                depth = depth.saturating_sub(1);
                if open.last().is_some_and(|f| f.3 && f.2 == depth) {
                    let (name, first, _, _) = open.pop().expect("checked");
                    found.push(Span { name, first, last: line });
                }
            }
            ';' if open.last().is_some_and(|f| !f.3 && f.2 == depth) => {
                open.pop(); // a declaration without a body (in a trait)
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if previous_word == "fn" {
                    open.push((word.clone(), line, depth, false));
                }
                previous_word = word;
                continue;
            }
            c if !c.is_whitespace() => previous_word.clear(),
            _ => {}
        }
        i += 1;
    }
    found
}

fn skip_block_comment(chars: &[char], mut i: usize, line: &mut usize) -> usize {
    let mut nesting = 0;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1).copied().unwrap_or('\0')) {
            ('/', '*') => {
                nesting += 1;
                i += 2;
            }
            ('*', '/') => {
                nesting -= 1;
                i += 2;
                if nesting == 0 {
                    return i;
                }
            }
            ('\n', _) => {
                *line += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    i
}

/// Skips a string body from `i` (just after the opening quote) to after its closing quote and `hashes` hashes.
fn skip_string(chars: &[char], mut i: usize, hashes: usize, line: &mut usize) -> usize {
    while i < chars.len() {
        match chars[i] {
            '\\' if hashes == 0 => {
                if chars.get(i + 1) == Some(&'\n') {
                    *line += 1;
                }
                i += 2;
                continue;
            }
            '\n' => *line += 1,
            '"' if chars[i + 1..].iter().take(hashes).filter(|&&h| h == '#').count() == hashes => {
                return i + 1 + hashes;
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// `r"`, `r#"`, `br"` or `br#"` starting at `i`, not inside an identifier such as `bar"`.
fn is_raw_string_start(chars: &[char], i: usize) -> bool {
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
        return false;
    }
    let start = match (chars[i], chars.get(i + 1)) {
        ('r', _) => i + 1,
        ('b', Some('r')) => i + 2,
        _ => return false,
    };
    let hashes = chars[start..].iter().take_while(|&&h| h == '#').count();
    chars.get(start + hashes) == Some(&'"')
}

/// Skips a character literal (`'x'`, `'\n'`, `'\u{1F600}'`) or just the quote of a lifetime (`'a`).
fn skip_char_literal(chars: &[char], i: usize) -> usize {
    match (chars.get(i + 1), chars.get(i + 2)) {
        // After the backslash and the escaped character, up to the closing quote.
        (Some('\\'), _) => i + 3 + chars[i + 3..].iter().position(|&c| c == '\'').map(|p| p + 1).unwrap_or(0),
        (Some(_), Some('\'')) => i + 3,
        _ => i + 1,
    }
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_long_functions_or_files_outside_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap().map(Result::unwrap) {
        let src = krate.path().join("src");
        if src.is_dir() {
            sources(&src, &mut files);
        }
    }
    assert!(files.len() > 50, "found the sources: {}", files.len());
    let mut offenders = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        let code = without_tests(&source);
        let shown = file.strip_prefix(&root).unwrap_or(file).display().to_string();
        let lines = code.lines().count();
        if lines > MAX_FILE_LINES {
            offenders.push(format!("{shown}: {lines} lines (at most {MAX_FILE_LINES})"));
        }
        for f in functions(code).into_iter().filter(|f| f.lines() > MAX_FN_LINES) {
            offenders.push(format!("{shown}:{} fn {}: {} lines (at most {MAX_FN_LINES})", f.first, f.name, f.lines()));
        }
    }
    assert!(offenders.is_empty(), "split these:\n{}", offenders.join("\n"));
}

#[test]
fn the_lexer_finds_functions_and_skips_what_only_looks_like_code() {
    let source = r###"
trait T {
    fn declared(&self);
}
fn outer<T: Fn() -> u8>(x: &'static str) -> impl Fn() {
    let s = "fn fake() { {";
    let r = r#"}" }"#;
    let c = '{';
    let e = '\'';
    // fn commented() {
    /* fn hidden() { /* nested */ */
    fn inner() {
        let p: fn(u8) -> u8 = |x| x;
    }
    move || {}
}
"###;
    let found = functions(source);
    let spans: Vec<(&str, usize, usize)> = found.iter().map(|f| (f.name.as_str(), f.first, f.last)).collect();
    assert_eq!(spans, [("inner", 12, 14), ("outer", 5, 16)]);
    assert_eq!(without_tests("fn a() {}\n#[cfg(test)]\nmod tests {}\n"), "fn a() {}\n");
}
