//! The stored answers of a form as files for people: CSV for spreadsheets, JSON for tools. Used
//! by `voix-collector export` and the admin API (`/v1/admin/forms/{id}/responses.csv|json`), so
//! both give the same bytes.
//!
//! CSV, as town halls open it — in Excel on Windows:
//! - UTF-8 **with a byte-order mark**: without it Excel reads the file as Windows-1252 and
//!   `Très bien` becomes `TrÃ¨s bien`. Other tools skip the mark.
//! - RFC 4180: comma-separated, CRLF line ends, a field quoted when it holds `"` `,` CR or LF,
//!   quotes doubled inside. A multi-line comment stays one cell.
//! - One row per response, oldest first: `id`, `received_at`, then one column per question id in
//!   form order. Answers are written as stored (smileys as `bad` / `average` / `good`); an
//!   unanswered question is an empty cell; answers to questions no longer in the form are in the
//!   JSON export only.
//! - **CSV injection**: a cell that starts with `=` `+` `-` `@`, a tab or a CR is run as a
//!   formula by spreadsheets (`=HYPERLINK(…)`, `=cmd|…`) — and answers are typed by anyone.
//!   Spreadsheets also skip blanks before the sign (spaces, a non-breaking space, an
//!   ideographic space, invisible format characters such as a zero-width space or a byte-order
//!   mark, control characters) and read the full-width `＝` `＋` `－` `＠` as the ASCII ones.
//!   Such a cell gets a leading `'`, which spreadsheets show as text. So does a cell that starts
//!   with `'` itself, so that removing one leading `'` always gives the answer back. The cost:
//!   an answer `-3` reads `'-3`; the mark is visible, the data is not lost.
//! - **NUL bytes** become `U+FFFD` (�): tools that read C strings would end the file at the
//!   first NUL, inside a quoted cell.
//!
//! RFC 4180 itself (quoting, doubling quotes, CRLF) is the `csv` crate's writer; the byte-order
//! mark and the neutralisation are ours.
//!
//! # Example
//! ```
//! use voix_collector::{export, store::StoredResponse};
//! use voix_form::{Form, answer::Answers};
//! let form = Form::from_json(
//!     r#"{"id":"avis","title":"Avis","questions":[{"id":"mot","type":"text","label":"Un mot"}]}"#,
//! ).unwrap();
//! let rows = [StoredResponse {
//!     id: "r1".into(),
//!     submission_id: None,
//!     received_at: "2026-01-01T00:00:00Z".parse().unwrap(),
//!     answers: [("mot".to_owned(), "=1+1, \"oui\"".to_owned())].into_iter().collect::<Answers>(),
//! }];
//! assert_eq!(
//!     export::csv(&form, &rows),
//!     "\u{feff}id,received_at,mot\r\nr1,2026-01-01T00:00:00Z,\"'=1+1, \"\"oui\"\"\"\r\n",
//! );
//! ```

use std::borrow::Cow;

use voix_form::Form;

use crate::store::StoredResponse;

/// The byte-order mark that opens every CSV export (for Excel; see the module docs).
pub const BOM: &str = "\u{feff}";

/// The responses as CSV (see the module docs), BOM included.
pub fn csv(form: &Form, responses: &[StoredResponse]) -> String {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(BOM.as_bytes().to_vec());
    let header = ["id", "received_at"]
        .into_iter()
        .chain(form.questions.iter().map(|q| q.id.as_str()));
    write_record(&mut out, header);
    for r in responses {
        let received_at = r.received_at.to_string();
        // A multiple-choice answer is one cell, its choices separated by "; ".
        let values: Vec<String> = form
            .questions
            .iter()
            .map(|q| {
                r.answers
                    .get(&q.id)
                    .map(|a| a.joined("; "))
                    .unwrap_or_default()
            })
            .collect();
        let cells = [r.id.as_str(), received_at.as_str()]
            .into_iter()
            .chain(values.iter().map(String::as_str));
        write_record(&mut out, cells);
    }
    // Into memory: neither writing nor flushing can fail, and every cell was a `str`.
    let bytes = out.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// The responses as a pretty-printed JSON array of [`StoredResponse`]s (every stored field).
pub fn json(responses: &[StoredResponse]) -> String {
    // Serialising strings and maps of strings cannot fail.
    serde_json::to_string_pretty(responses).unwrap_or_else(|_| "[]".to_owned())
}

fn write_record<'a>(out: &mut csv::Writer<Vec<u8>>, cells: impl Iterator<Item = &'a str>) {
    // Writing to a Vec cannot fail.
    for cell in cells {
        let _ = out.write_field(neutralise(cell).as_bytes());
    }
    let _ = out.write_record(None::<&[u8]>);
}

/// `cell` as it is written: NUL bytes replaced, a leading `'` when a spreadsheet could take it
/// for a formula or when it starts with `'` (see the module docs). Quoting is the writer's.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let cell = if cell.contains('\0') {
        Cow::Owned(cell.replace('\0', "\u{fffd}"))
    } else {
        Cow::Borrowed(cell)
    };
    if is_formula_like(&cell) || cell.starts_with('\'') {
        Cow::Owned(format!("'{cell}"))
    } else {
        cell
    }
}

/// Whether a spreadsheet could take `cell` for a formula: OWASP's list of leading characters
/// (`=` `+` `-` `@`, tab, CR), also after blanks and in their full-width forms.
pub fn is_formula_like(cell: &str) -> bool {
    if cell.starts_with(['\t', '\r']) {
        return true;
    }
    cell.chars()
        .find(|&c| !is_blank(c))
        .is_some_and(|c| FORMULA_SIGNS.contains(&c))
}

/// What starts a formula, ASCII and full-width.
const FORMULA_SIGNS: [char; 8] = [
    '=', '+', '-', '@', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
];

// What a spreadsheet may skip before a formula's sign: white space (U+00A0, U+3000…), control
// characters, and the invisible format characters (zero-width, bidi marks, word joiner, BOM).
fn is_blank(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use voix_form::answer::Answers;

    use super::*;

    /// `s` as a cell of a CSV line (without the line end).
    fn cell(s: &str) -> String {
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        // Two cells: a lone empty cell would be quoted to tell it from an empty line.
        write_record(&mut out, [s, "end"].into_iter());
        let line = String::from_utf8(out.into_inner().unwrap()).unwrap();
        line.strip_suffix(",end\n").unwrap().to_owned()
    }

    #[test]
    fn plain_cells_are_untouched() {
        for s in [
            "",
            "bien",
            "Très bien",
            "a-b",
            "3-4 fois",
            "x=1",
            "mail@example.org",
            "1+1",
        ] {
            assert_eq!(cell(s), s);
        }
    }

    #[test]
    fn special_characters_are_quoted() {
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("dit \"non\""), "\"dit \"\"non\"\"\"");
        assert_eq!(cell("ligne 1\nligne 2"), "\"ligne 1\nligne 2\"");
        assert_eq!(cell("ligne 1\r\nligne 2"), "\"ligne 1\r\nligne 2\"");
        assert_eq!(cell("\""), "\"\"\"\"");
    }

    #[test]
    fn formula_like_cells_get_a_leading_quote() {
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("+33 6"), "'+33 6");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        // A leading CR also needs quotes: the guard goes inside them.
        assert_eq!(cell("\r=x"), "\"'\r=x\"");
        assert_eq!(
            cell("=cmd|' /C calc'!A0"),
            "'=cmd|' /C calc'!A0",
            "the DDE payload"
        );
        assert_eq!(
            cell("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
        // What comes first once blanks are skipped.
        assert_eq!(cell(" =1"), "' =1");
        assert_eq!(cell("a-b"), "a-b");
        // An answer that starts with the mark keeps it: one `'` removed gives the answer.
        assert_eq!(cell("'bonjour"), "''bonjour");
        assert!(!is_formula_like(""));
    }

    /// Issue 14, defect 7: what a spreadsheet still takes for a formula after blanks, and
    /// full-width signs; NUL bytes, which cut a file short for C-string tools.
    #[test]
    fn formulas_behind_blanks_or_in_full_width_and_nul_bytes_are_neutralised() {
        for s in [
            " =1+1",
            "   +33 6",
            "\u{a0}=1",
            "\u{3000}@SUM(A1)",
            "\u{feff}=1",
            "\u{200b}-2",
            "\n=1",
            "\u{ff1d}1+1",
            "\u{ff0b}1",
            "\u{ff0d}1",
            "\u{ff20}SUM(A1)",
            " \u{ff1d}HYPERLINK(x)",
        ] {
            assert!(is_formula_like(s), "{s:?}");
            let written = cell(s);
            let inner = written.trim_start_matches('"');
            assert!(inner.starts_with('\''), "{s:?} → {written:?}");
        }
        for s in [
            "",
            " ",
            "a =1",
            "bien",
            "\u{a0}bien",
            "3-4 fois",
            "x\u{ff1d}1",
        ] {
            assert!(!is_formula_like(s), "{s:?}");
        }
        assert_eq!(cell("a\0b"), "a\u{fffd}b");
        assert!(!cell("\0=1").contains('\0'));
    }

    #[test]
    fn rows_follow_the_form_order_with_empty_cells() {
        let form = Form::from_json(
            r#"{"id":"avis","title":"Avis","questions":[
                {"id":"note","type":"smileys","label":"Note"},
                {"id":"b","type":"text","label":"B"},
                {"id":"a","type":"text","label":"A"}]}"#,
        )
        .unwrap();
        let row = |id: &str, answers: &[(&str, &str)]| StoredResponse {
            id: id.into(),
            submission_id: Some("s".into()),
            received_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            answers: answers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<Answers>(),
        };
        let rows = [
            row("r1", &[("a", "x"), ("note", "good"), ("gone", "y")]),
            row("r2", &[("b", "é")]),
        ];
        assert_eq!(
            csv(&form, &rows),
            "\u{feff}id,received_at,note,b,a\r\n\
             r1,2026-01-01T00:00:00Z,good,,x\r\n\
             r2,2026-01-01T00:00:00Z,,é,\r\n"
        );
        assert_eq!(csv(&form, &[]), "\u{feff}id,received_at,note,b,a\r\n");
        let back: serde_json::Value = serde_json::from_str(&json(&rows)).unwrap();
        assert_eq!(back[0]["answers"]["gone"], "y");
        assert_eq!(json(&[]), "[]");
    }
}
