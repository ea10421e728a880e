//! View tree → escaped HTML. Used by the collector's no-JS pages and by snapshot tests.
//!
//! Every text and attribute value is escaped here, whatever its origin (form definition, answer,
//! site override), so nothing from data can become markup.

use crate::view::{Element, Node};
// Text nodes are written as `view::shown` shows them (no-break spaces before ? ! : ; »).

// Elements that have no closing tag.
const VOID: &[&str] = &["input", "br", "hr", "img", "meta", "link"];

/// Renders `node` as HTML.
///
/// # Example
/// ```
/// use voix_form::view::{Node, Element};
/// let n = Node::Element(Element { tag: "p", attrs: vec![("title", "a\"b".into())],
///     children: vec![Node::Text("<script>".into())] });
/// assert_eq!(voix_form::html::render(&n), "<p title=\"a&quot;b\">&lt;script&gt;</p>");
/// ```
pub fn render(node: &Node) -> String {
    let mut out = String::new();
    write(node, &mut out);
    out
}

fn write(node: &Node, out: &mut String) {
    match node {
        Node::Text(t) => escape_into(&crate::view::shown(t), out),
        Node::Element(e) => write_element(e, out),
    }
}

fn write_element(e: &Element, out: &mut String) {
    out.push('<');
    out.push_str(e.tag);
    let is_textarea = e.tag == "textarea";
    for (k, v) in &e.attrs {
        if is_textarea && *k == "value" {
            continue;
        }
        out.push(' ');
        out.push_str(k);
        if !v.is_empty() || !is_boolean(k) {
            out.push_str("=\"");
            escape_into(v, out);
            out.push('"');
        }
    }
    out.push('>');
    if VOID.contains(&e.tag) {
        return;
    }
    if is_textarea {
        // A textarea's value is its content. A leading newline would be eaten by the parser.
        if let Some(v) = e.attr("value") {
            if v.starts_with('\n') {
                out.push('\n');
            }
            escape_into(v, out);
        }
    }
    for c in &e.children {
        write(c, out);
    }
    out.push_str("</");
    out.push_str(e.tag);
    out.push('>');
}

fn is_boolean(name: &str) -> bool {
    matches!(
        name,
        "checked" | "required" | "novalidate" | "disabled" | "selected"
    )
}

/// Escapes `s` for use in HTML text or a double-quoted attribute.
pub fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// [`escape_into`] into a new string.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(s, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Form,
        answer::Answers,
        i18n::Locale,
        view::{Status, ViewState, view},
    };

    fn render_form(json: &str, answers: &Answers) -> String {
        let form = Form::from_json(json).unwrap();
        render(&view(
            &form,
            &ViewState {
                answers,
                errors: &[],
                summary: false,
                status: Status::Editing,
                locale: Locale::Fr,
                action: Some("/f/x"),
                step: 1,
                poll: None,
                strings: None,
                langs: None,
                numbers: None,
                theme: None,
            },
        ))
    }

    #[test]
    fn labels_containing_script_are_escaped() {
        let html = render_form(
            r#"{"id":"x","title":"<b>T</b>","questions":[
                {"id":"q","type":"text","label":"<script>alert(1)</script>","help":"a\"b' & c"}]}"#,
            &Answers::new(),
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("a&quot;b&#39; &amp; c"), "{html}");
    }

    #[test]
    fn textarea_value_is_escaped_content() {
        let mut a = Answers::new();
        a.insert("q".into(), "</textarea><script>x</script>");
        let html = render_form(
            r#"{"id":"x","title":"T","questions":[{"id":"q","type":"text","label":"L","multiline":true}]}"#,
            &a,
        );
        assert!(
            html.contains(">&lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;</textarea>"),
            "{html}"
        );
        assert!(!html.contains("value="), "{html}");
    }

    #[test]
    fn snapshot_of_a_small_form() {
        let mut a = Answers::new();
        a.insert("note".into(), "good");
        let html = render_form(
            r#"{"id":"x","title":"Avis","questions":[{"id":"note","type":"smileys","label":"Note","required":true}]}"#,
            &a,
        );
        let expected = concat!(
            r#"<div class="voix" lang="fr"><form novalidate aria-labelledby="v-title" method="post" action="/f/x">"#,
            r#"<h2 id="v-title" class="title">Avis</h2>"#,
            // No-break spaces inside the quotes (`view::shown`).
            "<p class=\"note\">Les questions marquées «\u{a0}obligatoire\u{a0}» demandent une réponse.</p>",
            r#"<fieldset class="q"><legend>Note <span class="req">(obligatoire)</span></legend>"#,
            r#"<div class="smileys">"#,
            r#"<label class="smiley"><input type="radio" id="v-note" name="note" value="bad"><span class="face bad" aria-hidden="true"></span><span class="lbl">Pas bien</span></label>"#,
            r#"<label class="smiley"><input type="radio" id="v-note-average" name="note" value="average"><span class="face average" aria-hidden="true"></span><span class="lbl">Moyen</span></label>"#,
            r#"<label class="smiley on"><input type="radio" id="v-note-good" name="note" value="good" checked><span class="face good" aria-hidden="true"></span><span class="lbl">Très bien</span></label>"#,
            r#"</div></fieldset>"#,
            r#"<div class="trap" aria-hidden="true"><label for="v-website">Website</label><input type="text" id="v-website" name="_website" tabindex="-1" autocomplete="off"></div>"#,
            r#"<div class="actions"><button type="submit" part="button">Envoyer</button></div></form>"#,
            r#"<p class="sr-only" role="status"></p></div>"#,
        );
        assert_eq!(html, expected);
    }
}
