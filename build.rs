//! Minifies the widget's stylesheet into OUT_DIR so the wasm carries no CSS comments or
//! indentation. Conservative: comments go, white-space runs shrink to one space, spaces next to
//! `{ } ; ,` disappear (and next to the combinators `> + ~` outside parentheses, where `calc()`
//! needs them), `0.5` becomes `.5`; quoted strings are copied untouched.

use std::{env, fs, path::Path};

fn minify(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut pending_space = false;
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
                pending_space = true;
            }
            '"' | '\'' => {
                if pending_space && !out.is_empty() && !ends_with_tight(&out, depth) {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            c if c.is_whitespace() => pending_space = true,
            '0' if chars.peek() == Some(&'.')
                && (pending_space
                    || !out.ends_with(|p: char| p.is_ascii_alphanumeric() || p == '.')) =>
            {
                // `0.5em` → `.5em`; a space before it still separates values.
                if pending_space && !out.is_empty() && !ends_with_tight(&out, depth) {
                    out.push(' ');
                }
                pending_space = false;
            }
            c => {
                match c {
                    '(' => depth += 1,
                    ')' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                let tight = matches!(c, '{' | '}' | ';' | ',')
                    || (depth == 0 && matches!(c, '>' | '+' | '~'));
                if pending_space && !tight && !out.is_empty() && !ends_with_tight(&out, depth) {
                    out.push(' ');
                }
                pending_space = false;
                if c == '}' && out.ends_with(';') {
                    out.pop();
                }
                out.push(c);
            }
        }
    }
    out
}

// No space is needed after these; `:` only ever follows a property name or starts a
// pseudo-class, and a space after it means nothing in either case; combinators only outside
// parentheses.
fn ends_with_tight(s: &str, depth: usize) -> bool {
    s.ends_with(['{', '}', ';', ',', ':']) || (depth == 0 && s.ends_with(['>', '+', '~']))
}

fn main() {
    let src = "src/web/style.css";
    println!("cargo::rerun-if-changed={src}");
    let css = fs::read_to_string(src).expect("read src/web/style.css");
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("style.min.css");
    fs::write(out, minify(&css)).expect("write the minified stylesheet");
}
