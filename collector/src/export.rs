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
//!   formula by spreadsheets (`=HYPERLINK(…)`, `=cmd|…`) — and answers are typed by anyone. Such
//!   a cell gets a leading `'`, which spreadsheets show as text. The cost: an answer `-3` reads
//!   `'-3`; the mark is visible, the data is not lost.
//!
//! Written here (about 30 lines) rather than with the `csv` crate's writer: the byte-order mark
//! and the formula neutralisation would stay ours anyway, and `csv` stays a test dependency that
//! reads our output independently.
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

use voix_form::Form;

use crate::store::StoredResponse;

/// The byte-order mark that opens every CSV export (for Excel; see the module docs).
pub const BOM: &str = "\u{feff}";

/// The responses as CSV (see the module docs), BOM included.
pub fn csv(form: &Form, responses: &[StoredResponse]) -> String {
    let mut out = String::from(BOM);
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
    out
}

/// The responses as a pretty-printed JSON array of [`StoredResponse`]s (every stored field).
pub fn json(responses: &[StoredResponse]) -> String {
    // Serialising strings and maps of strings cannot fail.
    serde_json::to_string_pretty(responses).unwrap_or_else(|_| "[]".to_owned())
}

fn write_record<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_cell(out, cell);
    }
    out.push_str("\r\n");
}

/// Appends `cell` to `out`, neutralised against formula injection then quoted per RFC 4180.
fn write_cell(out: &mut String, cell: &str) {
    let guard = if is_formula_like(cell) { "'" } else { "" };
    if cell.contains(['"', ',', '\r', '\n']) {
        out.push('"');
        out.push_str(guard);
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(guard);
        out.push_str(cell);
    }
}

/// Whether a spreadsheet could take `cell` for a formula (OWASP's list of leading characters).
pub fn is_formula_like(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

#[cfg(test)]
mod tests {
    use voix_form::answer::Answers;

    use super::*;

    fn cell(s: &str) -> String {
        let mut out = String::new();
        write_cell(&mut out, s);
        out
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
        // Only the first character matters.
        assert_eq!(cell(" =1"), " =1");
        assert_eq!(cell("a-b"), "a-b");
        assert!(!is_formula_like(""));
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
