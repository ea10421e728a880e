//! The widget's two themes hold WCAG 2.1 contrast (RGAA 3.2, 3.3): text at least 4.5:1 against
//! every background it is drawn on, borders, the focus ring and the chosen state at least 3:1.
//! Read from the very stylesheet that ships (`src/web/style.css`) and the dialog's colours
//! (`src/web/dialog.js`), so a colour changed there without care fails here. axe-core checks
//! the text of the rendered widget too, in both themes (`tests/e2e/a11y-matrix.test.mjs`).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

const CSS: &str = include_str!("../src/web/style.css");
const DIALOG: &str = include_str!("../src/web/dialog.js");

/// The `--_t-*` colours declared in the first block that follows `selector`.
fn palette(selector: &str) -> BTreeMap<String, [u8; 3]> {
    let start = CSS
        .find(selector)
        .unwrap_or_else(|| panic!("no {selector} in style.css"));
    let block = &CSS[start..];
    let mut block = block[block.find('{').unwrap() + 1..block.find('}').unwrap()].to_owned();
    while let Some(open) = block.find("/*") {
        let close = block[open..].find("*/").unwrap() + open + 2;
        block.replace_range(open..close, "");
    }
    block
        .split(';')
        .filter_map(|decl| {
            let (name, value) = decl.split_once(':')?;
            let name = name.trim().strip_prefix("--_t-")?;
            Some((name.to_owned(), hex(value.trim())))
        })
        .collect()
}

fn hex(v: &str) -> [u8; 3] {
    let v = v
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("not a hex colour: {v}"));
    let v: String = if v.len() == 3 {
        v.chars().flat_map(|c| [c, c]).collect()
    } else {
        v.to_owned()
    };
    let byte = |i: usize| u8::from_str_radix(&v[i..i + 2], 16).unwrap();
    [byte(0), byte(2), byte(4)]
}

/// WCAG 2.1 relative luminance and contrast ratio.
fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let lum = |c: [u8; 3]| {
        let lin = |v: u8| {
            let s = f64::from(v) / 255.0;
            if s <= 0.03928 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
    };
    let (x, y) = (lum(a), lum(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// Text on a background (4.5:1), as the stylesheet draws it.
const TEXT: &[(&str, &str)] = &[
    ("fg", "bg"),
    ("muted", "bg"),
    ("error", "bg"),
    ("accent", "bg"),
    ("accent-fg", "accent"),
    ("fg", "accent-soft"),
    ("fg", "field-bg"),
    ("fg", "error-soft"),
    ("error", "error-soft"),
];

/// Borders, the focus ring, the chosen state and the empty stars (3:1).
const NON_TEXT: &[(&str, &str)] = &[
    ("border", "bg"),
    ("border", "field-bg"),
    ("accent", "bg"),
    ("accent", "field-bg"),
    ("accent", "accent-soft"),
    ("error", "bg"),
    ("error", "error-soft"),
];

fn check(theme: &str, p: &BTreeMap<String, [u8; 3]>) -> Vec<String> {
    let mut lines = Vec::new();
    for (pairs, min) in [(TEXT, 4.5), (NON_TEXT, 3.0)] {
        for (fg, bg) in pairs {
            let ratio = contrast(p[*fg], p[*bg]);
            let verdict = if ratio >= min { "ok" } else { "TOO LOW" };
            lines.push(format!(
                "{theme:5} {fg:>9} on {bg:<11} {ratio:5.2}:1 (≥ {min}) {verdict}"
            ));
        }
    }
    lines
}

#[test]
fn both_themes_hold_text_and_non_text_contrast() {
    let light = palette(".voix {");
    let dark = palette(".voix[data-theme=\"dark\"] {");
    assert_eq!(light.len(), 10, "{light:?}");
    assert_eq!(
        light.keys().collect::<Vec<_>>(),
        dark.keys().collect::<Vec<_>>(),
        "the dark theme sets every colour of the light one"
    );
    let mut lines = check("light", &light);
    lines.extend(check("dark", &dark));
    println!("{}", lines.join("\n"));
    let low: Vec<&String> = lines.iter().filter(|l| l.ends_with("TOO LOW")).collect();
    assert!(low.is_empty(), "{low:#?}");
}

// `auto` on a device set to dark is the dark theme, colour for colour.
#[test]
fn auto_in_the_dark_is_the_dark_theme() {
    assert_eq!(
        palette(".voix[data-theme=\"auto\"] {"),
        palette(".voix[data-theme=\"dark\"] {")
    );
    assert!(CSS.contains("@media (prefers-color-scheme: dark)"));
}

// The dialog around a form wears the same colours: its background, text, border and accent
// are the theme's.
#[test]
fn the_dialog_uses_the_theme_s_colours() {
    for (selector, theme) in [
        ("dialog{--b:", palette(".voix {")),
        (
            "dialog[data-theme=dark]{--b:",
            palette(".voix[data-theme=\"dark\"] {"),
        ),
    ] {
        let start = DIALOG
            .find(selector)
            .unwrap_or_else(|| panic!("{selector}"));
        let block = &DIALOG[start + selector.len() - 4..];
        let block = &block[..block.find('}').unwrap()];
        let get = |k: &str| {
            let at = block.find(&format!("--{k}:")).unwrap() + k.len() + 3;
            let value = &block[at..];
            hex(&value[..value.find([';', '}']).unwrap_or(value.len())])
        };
        assert_eq!(get("b"), theme["bg"], "{selector}");
        assert_eq!(get("f"), theme["fg"], "{selector}");
        assert_eq!(get("a"), theme["accent"], "{selector}");
        assert!(contrast(get("l"), get("b")) >= 3.0, "{selector}: border");
    }
}
