//! The form page itself: the widget's view tree with the changes a standalone page needs (see
//! the module docs of `nojs`), and the HTML documents around it.

use std::fmt::Write as _;

use axum::{http::StatusCode, response::Response};
use voix_form::{
    QuestionKind,
    answer::Answers,
    html::{escape, render},
    i18n::Locale,
    translations::{Localized, Text},
    validate::FieldError,
    view::{
        Element, FOCUS_ATTR, Node, PollView, SUMMARY_ID, Status, TITLE_ID, ViewState, class,
        count_id, field_id, help_id, view,
    },
};

use super::{
    Lang,
    headers::html,
    urlencoded::{SUBMISSION_FIELD, TOKEN_FIELD},
};
use crate::AppState;

/// Where the pages' stylesheet is served.
pub(super) const STYLESHEET_PATH: &str = "/f/voix.css";

/// Shown after every page's title.
const SITE_NAME: &str = "Voix";

/// The form page, in any of its states.
pub(super) struct FormPage<'a> {
    pub(super) answers: &'a Answers,
    pub(super) errors: &'a [FieldError],
    pub(super) status: Status,
    pub(super) submission_id: Option<&'a str>,
    /// Replaces the view's failure message (for failures the shared strings do not word well).
    pub(super) message: Option<&'a str>,
    pub(super) lang: Lang,
    /// A poll's state and results (`None` for a form that is no poll).
    pub(super) poll: Option<PollView<'a>>,
}

impl FormPage<'_> {
    /// The page as a response with `status` and the no-JS page headers.
    pub(super) fn respond(
        &self,
        state: &AppState,
        localized: &Localized,
        status: StatusCode,
    ) -> Response {
        html(
            state,
            Some(&localized.form.id),
            self.lang,
            status,
            self.render(localized, token(state, &localized.form.id).as_deref()),
        )
    }

    fn render(&self, localized: &Localized, token: Option<&str>) -> String {
        let form = &localized.form;
        // The post comes back in the same language, whatever the browser says.
        let action = self.lang.link(&format!("/f/{}", form.id));
        let mut tree = view(
            form,
            &ViewState {
                answers: self.answers,
                errors: self.errors,
                summary: !self.errors.is_empty(),
                status: self.status,
                locale: self.lang.locale,
                action: Some(&action),
                step: 1,
                poll: self.poll,
                strings: None,
                langs: None,
                numbers: None,
                theme: None,
            },
        );
        adapt(&mut tree, localized, self, token);
        let failed = !self.errors.is_empty() || matches!(self.status, Status::Failed(_));
        // The title is the first thing a screen reader says on load: it tells the outcome.
        let title = if failed {
            format!("{}{}", self.lang.strings().error_title_prefix, form.title)
        } else {
            form.title.clone()
        };
        document(self.lang, &title, &render(&tree))
    }
}

/// A fresh render token for a page of form `id`, when its defences ask for one.
fn token(state: &AppState, id: &str) -> Option<String> {
    state
        .settings(id)
        .defences
        .needs_token()
        .then(|| state.keys().token(id, crate::time::now()))
}

// The page-only changes to the widget's tree (see the module docs).
fn adapt(tree: &mut Node, localized: &Localized, page: &FormPage, token: Option<&str>) {
    let form = &localized.form;
    promote_headings(tree);
    let hidden = [(SUBMISSION_FIELD, page.submission_id), (TOKEN_FIELD, token)];
    if let Some(f) = find_mut(tree, &|e| e.tag == "form") {
        for (name, value) in hidden {
            let Some(value) = value else { continue };
            // Last, so it does not shift the `form > * + *` spacing of the widget's stylesheet.
            f.children.push(Node::Element(Element {
                tag: "input",
                attrs: vec![
                    ("type", "hidden".into()),
                    ("name", name.into()),
                    ("value", value.to_owned().into()),
                ],
                children: Vec::new(),
            }));
        }
    }
    // Without a script, focus cannot be moved after a failed submit; `autofocus` does it on load,
    // so the resident hears the summary first, as in the widget.
    if let Some(summary) = find_mut(tree, &|e| e.attr("id") == Some(SUMMARY_ID)) {
        summary.attrs.push(("autofocus", "".into()));
    }
    for q in &form.questions {
        if let QuestionKind::Text { max_length, .. } = q.kind {
            let id = count_id(&q.id);
            if let Some(count) = find_mut(tree, &|e| e.attr("id") == Some(id.as_str())) {
                set_attr(count, "class", class::COUNT);
                count.children = vec![Node::Text(voix_form::i18n::fill(
                    page.lang.strings().max_chars,
                    max_length as usize,
                ))];
            }
        }
    }
    if let Some(text) = page.message
        && let Some(fail) = find_mut(tree, &|e| e.attr("class") == Some(class::FAIL))
        && let Some(Node::Element(p)) = fail.children.first_mut()
    {
        p.children = vec![Node::Text(text.to_owned())];
    }
    mark_authored(tree, localized, page.lang.locale);
}

/// The form's own words (title, description, labels, help) are in the page's language where the
/// definition translates them, and in the definition's own language where it does not. Those
/// are marked with their language (RGAA 8.7): `<span lang="fr">` on a left-to-right page. On a
/// right-to-left page, or for right-to-left words, `<bdi lang="fr">`: without the isolation a
/// French label's closing `?` would show before its first word; the `<bdi>` orders it by its own
/// letters while the page around stays mirrored. Words in the page's language get nothing.
/// Done here rather than in the shared view so the widget, which shows every form as written,
/// does not carry the code. Each text is found by the ids and classes `voix_form::view` names.
fn mark_authored(tree: &mut Node, localized: &Localized, page: Locale) {
    let form = &localized.form;
    let mark = |found: Option<&mut Element>, own: &str, which: Text| {
        if let Some(e) = found {
            mark_own_words(e, own, localized.lang_of(which), page);
        }
    };
    mark(
        find_mut(tree, &|e| e.attr("id") == Some(TITLE_ID)),
        &form.title,
        Text::Title,
    );
    if let Some(description) = &form.description {
        mark(
            find_mut(tree, &|e| e.attr("class") == Some(class::DESC)),
            description,
            Text::Description,
        );
    }
    for q in &form.questions {
        let field = field_id(&q.id);
        mark(label_of(tree, &field), &q.label, Text::Label(&q.id));
        // A summary link is "label : message": only the label is the author's.
        let link = |e: &Element| e.tag == "a" && e.attr(FOCUS_ATTR) == Some(field.as_str());
        mark(find_mut(tree, &link), &q.label, Text::Label(&q.id));
        if let Some(help) = &q.help {
            let id = help_id(&q.id);
            let found = find_mut(tree, &|e| e.attr("id") == Some(id.as_str()));
            mark(found, help, Text::Help(&q.id));
        }
    }
}

/// Wraps the words `own` that `e`'s text starts with in an element saying their language
/// `lang`, when it is not the page's.
fn mark_own_words(e: &mut Element, own: &str, lang: Locale, page: Locale) {
    if lang == page {
        return;
    }
    let Some(Node::Text(text)) = e.children.first() else {
        return;
    };
    let Some(rest) = text.strip_prefix(own) else {
        return;
    };
    let rest = (!rest.is_empty()).then(|| Node::Text(rest.to_owned()));
    let wrap = Node::Element(Element {
        tag: if page.rtl() || lang.rtl() {
            "bdi"
        } else {
            "span"
        },
        attrs: vec![("lang", lang.tag().into())],
        children: vec![Node::Text(own.to_owned())],
    });
    e.children.splice(..1, std::iter::once(wrap).chain(rest));
}

/// The element naming the field `field`: a text box's `<label for>`, or the `<legend>` of the
/// smiley group that holds it.
fn label_of<'t>(tree: &'t mut Node, field: &str) -> Option<&'t mut Element> {
    let group =
        |e: &Element| e.tag == "fieldset" && e.children.iter().any(|c| c.find_id(field).is_some());
    if tree.find(&group).is_none() {
        return find_mut(tree, &|e| e.tag == "label" && e.attr("for") == Some(field));
    }
    find_mut(tree, &group)?
        .children
        .iter_mut()
        .find_map(|c| match c {
            Node::Element(e) if e.tag == "legend" => Some(e),
            _ => None,
        })
}

// h2 → h1, h3 → h2: on its own page the form's title is the page's main heading.
pub(super) fn promote_headings(node: &mut Node) {
    if let Node::Element(e) = node {
        e.tag = match e.tag {
            "h2" => "h1",
            "h3" => "h2",
            other => other,
        };
        e.children.iter_mut().for_each(promote_headings);
    }
}

fn find_mut<'a>(node: &'a mut Node, pred: &dyn Fn(&Element) -> bool) -> Option<&'a mut Element> {
    let Node::Element(e) = node else {
        return None;
    };
    if pred(e) {
        return Some(e);
    }
    e.children.iter_mut().find_map(|c| find_mut(c, pred))
}

fn set_attr(e: &mut Element, name: &'static str, value: &'static str) {
    match e.attrs.iter_mut().find(|(k, _)| *k == name) {
        Some((_, v)) => *v = value.into(),
        None => e.attrs.push((name, value.into())),
    }
}

/// ` dir="rtl"` for a right-to-left language; nothing otherwise (left to right is the default).
fn dir_attr(lang: Lang) -> &'static str {
    if lang.locale.rtl() {
        " dir=\"rtl\""
    } else {
        ""
    }
}

/// A whole HTML document around `main_html` (already escaped markup).
pub(super) fn document(lang: Lang, title: &str, main_html: &str) -> String {
    let mut out = String::with_capacity(main_html.len() + 512);
    let _ = write!(
        out,
        concat!(
            // `dir` on the root too, not only on `.voix`: the title and the page's own margins
            // follow it, and so does the browser's scrollbar side.
            "<!DOCTYPE html>\n<html lang=\"{lang}\"{dir}>\n<head>\n<meta charset=\"utf-8\">\n",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
            // A fallback reached from a site's page; out of context in search results.
            "<meta name=\"robots\" content=\"noindex\">\n",
            "<title>{title} — {site}</title>\n",
            "<link rel=\"stylesheet\" href=\"{css}\">\n</head>\n<body>\n<main>\n{main}\n</main>\n",
            "</body>\n</html>\n"
        ),
        lang = lang.locale.tag(),
        dir = dir_attr(lang),
        title = escape(title),
        site = SITE_NAME,
        css = STYLESHEET_PATH,
        main = main_html,
    );
    out
}

/// A page with a heading, a sentence and maybe a link back to the form.
pub(super) fn message_document(
    lang: Lang,
    title: &str,
    body: &str,
    back_to: Option<&str>,
) -> String {
    // `lang` and `dir` as on the form's `.voix` root, which the widget's stylesheet styles.
    let mut main = format!(
        "<div class=\"voix\" lang=\"{}\"{}><h1>{}</h1><p>{}</p>",
        lang.locale.tag(),
        dir_attr(lang),
        escape(title),
        escape(body)
    );
    if let Some(href) = back_to {
        let _ = write!(
            main,
            "<p><a href=\"{}\">{}</a></p>",
            escape(href),
            escape(lang.strings().back_to_form)
        );
    }
    main.push_str("</div>");
    let title = format!("{}{title}", lang.strings().error_title_prefix);
    document(lang, &title, &main)
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, Uri};
    use voix_form::{ErrorCode, Form};

    use super::*;
    use crate::routes::nojs::test_form as form;

    /// `form` without translations, on a page in `lang`.
    fn as_written(form: &Form, lang: Lang) -> Localized {
        form.localized(&Default::default(), lang.locale)
    }

    #[test]
    fn page_tree_changes() {
        let form = form();
        let html = FormPage {
            answers: &Answers::new(),
            errors: &[FieldError {
                field: "c".into(),
                code: ErrorCode::TooLong,
            }],
            status: Status::Editing,
            submission_id: Some("0123456789abcdef"),
            message: None,
            lang: Lang::negotiate(&Uri::from_static("/f/f"), &HeaderMap::new()),
            poll: None,
        }
        .render(
            &as_written(
                &form,
                Lang::negotiate(&Uri::from_static("/f/f"), &HeaderMap::new()),
            ),
            None,
        );
        assert!(
            html.contains("<h1 id=\"v-title\" class=\"title\">T</h1>"),
            "{html}"
        );
        assert!(html.contains("<h2 id=\"v-summary-title\">"), "{html}");
        assert!(
            html.contains("tabindex=\"-1\" aria-labelledby=\"v-summary-title\" autofocus"),
            "{html}"
        );
        assert!(
            html.contains("<p class=\"count\" id=\"v-c-count\">1000 caractères au maximum.</p>"),
            "{html}"
        );
        assert!(
            html.contains("<input type=\"hidden\" name=\"_id\" value=\"0123456789abcdef\"></form>"),
            "{html}"
        );
        assert!(html.contains("<title>Erreur : T — Voix</title>"), "{html}");
        assert!(html.contains("<html lang=\"fr\">"), "{html}");
        assert!(html.contains("action=\"/f/f\""), "{html}");
    }

    #[test]
    fn page_in_a_language_asked_for_in_the_url() {
        let lang = Lang::negotiate(&Uri::from_static("/f/f?lang=ar-EG"), &HeaderMap::new());
        let html = FormPage {
            answers: &Answers::new(),
            errors: &[],
            status: Status::Failed(ErrorCode::Conflict),
            submission_id: None,
            message: Some(lang.strings().conflict),
            lang,
            poll: None,
        }
        .render(&as_written(&form(), lang), None);
        assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
        assert!(
            html.contains("<div class=\"voix\" lang=\"ar\" dir=\"rtl\">"),
            "{html}"
        );
        assert!(html.contains("action=\"/f/f?lang=ar\""), "{html}");
        assert!(html.contains("<title>خطأ: T — Voix</title>"), "{html}");
        assert!(html.contains("الحد الأقصى لعدد الأحرف: 1000."), "{html}");
        assert!(html.contains("تغيّرت إجاباتك"), "{html}");
        let page = message_document(lang, "A", "B", Some("/f/f?lang=ar"));
        assert!(page.contains("<a href=\"/f/f?lang=ar\">العودة إلى النموذج</a>"));
    }

    #[test]
    fn words_not_in_the_page_s_language_are_marked_with_theirs() {
        let form = Form::from_json(
            r#"{"id":"f","title":"Votre avis ?","description":"D.","questions":[
                {"id":"note","type":"smileys","label":"Note ?","help":"Aide.","required":true},
                {"id":"c","type":"text","label":"C ?"}]}"#,
        )
        .unwrap();
        let errors = [
            FieldError {
                field: "note".into(),
                code: ErrorCode::Required,
            },
            FieldError {
                field: "c".into(),
                code: ErrorCode::TooLong,
            },
        ];
        let render = |uri: &'static str| {
            let lang = Lang::negotiate(&Uri::from_static(uri), &HeaderMap::new());
            FormPage {
                answers: &Answers::new(),
                errors: &errors,
                status: Status::Editing,
                submission_id: None,
                message: None,
                lang,
                poll: None,
            }
            .render(&as_written(&form, lang), None)
        };
        // Right to left: isolated and marked, so a French `?` stays at the end.
        let html = render("/f/f?lang=ar");
        for part in [
            "<h1 id=\"v-title\" class=\"title\"><bdi lang=\"fr\">Votre avis\u{a0}?</bdi></h1>",
            "<p class=\"desc\"><bdi lang=\"fr\">D.</bdi></p>",
            "<legend><bdi lang=\"fr\">Note\u{a0}?</bdi> <span class=\"req\">(مطلوب)</span></legend>",
            "<p class=\"help\" id=\"v-note-help\"><bdi lang=\"fr\">Aide.</bdi></p>",
            "<label for=\"v-c\"><bdi lang=\"fr\">C\u{a0}?</bdi></label>",
            "data-focus=\"v-note\"><bdi lang=\"fr\">Note\u{a0}?</bdi>: يرجى اختيار إجابة.</a>",
            "data-focus=\"v-c\"><bdi lang=\"fr\">C\u{a0}?</bdi>: النص طويل جدًا",
        ] {
            assert!(html.contains(part), "{part}\n{html}");
        }
        // Messages and hints are the page's words: not marked.
        assert_eq!(html.matches("<bdi lang=\"fr\">").count(), 7, "{html}");
        // Left to right: marked only.
        let html = render("/f/f?lang=de");
        assert!(!html.contains("<bdi"), "{html}");
        assert!(
            html.contains("<label for=\"v-c\"><span lang=\"fr\">C\u{a0}?</span></label>"),
            "{html}"
        );
        assert_eq!(html.matches("<span lang=\"fr\">").count(), 7, "{html}");
        // In the definition's own language: the widget's tree as it is.
        let html = render("/f/f");
        assert!(
            !html.contains("<bdi") && !html.contains("<span lang"),
            "{html}"
        );
    }

    #[test]
    fn translated_words_are_the_page_s_and_the_rest_keep_their_language() {
        let (form, translations) = Form::from_json_with_translations(
            r#"{"id":"f","title":"Votre avis ?","questions":[
                {"id":"note","type":"smileys","label":"Note ?","required":true},
                {"id":"c","type":"text","label":"C ?","help":"Aide."}],
                "translations":{
                  "de":{"title":"Ihre Meinung?","questions":{"note":{"label":"Note?"},
                        "c":{"label":"K?","help":"Hilfe."}}},
                  "ar":{"title":"رأيكم؟","questions":{"note":{"label":"التقييم؟"}}}}}"#,
        )
        .unwrap();
        let render = |uri: &'static str| {
            let lang = Lang::negotiate(&Uri::from_static(uri), &HeaderMap::new());
            FormPage {
                answers: &Answers::new(),
                errors: &[],
                status: Status::Editing,
                submission_id: None,
                message: None,
                lang,
                poll: None,
            }
            .render(&form.localized(&translations, lang.locale), None)
        };
        let html = render("/f/f?lang=de");
        for part in [
            "<h1 id=\"v-title\" class=\"title\">Ihre Meinung?</h1>",
            "<legend>Note? <span class=\"req\">",
            "<label for=\"v-c\">K?</label>",
            "<p class=\"help\" id=\"v-c-help\">Hilfe.</p>",
            "<title>Ihre Meinung? — Voix</title>",
        ] {
            assert!(html.contains(part), "{part}\n{html}");
        }
        assert!(!html.contains("lang=\"fr\""), "{html}");
        // Partly translated, right to left: the French words isolated and marked.
        let html = render("/f/f?lang=ar");
        for part in [
            "<h1 id=\"v-title\" class=\"title\">رأيكم؟</h1>",
            "<legend>التقييم؟ <span class=\"req\">",
            "<label for=\"v-c\"><bdi lang=\"fr\">C\u{a0}?</bdi></label>",
            "<p class=\"help\" id=\"v-c-help\"><bdi lang=\"fr\">Aide.</bdi></p>",
        ] {
            assert!(html.contains(part), "{part}\n{html}");
        }
        assert_eq!(html.matches("lang=\"fr\"").count(), 2, "{html}");
    }
}
