//! Form + state → a small view tree. Pure data: text is text, never markup.
//!
//! Two renderers turn the tree into something real: the widget's DOM patcher (`src/web/dom.rs`)
//! and [`crate::html`] for the collector's no-JS page and snapshot tests. Because both render the
//! same tree, the no-JS form and the widget have the same labels, ids and error links.
//!
//! Conventions the DOM renderer relies on: an attribute `value` on `input`/`textarea` is the
//! current value (a property, not only an attribute); `checked` present means checked; an element
//! with `data-focus="ID"` moves focus to `ID` when activated (links of the error summary).

use std::borrow::Cow;

use crate::{
    ErrorCode, Form, Question, QuestionKind,
    answer::Answers,
    cat,
    i18n::{Locale, Strings, fill},
    schema::Smiley,
    validate::FieldError,
};

/// A node of the view tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// An element.
    Element(Element),
    /// A text node.
    Text(String),
}

/// An element: a tag, attributes in order, children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Lower-case tag name.
    pub tag: &'static str,
    /// Attributes; a boolean attribute has an empty value. Mostly constants, hence `Cow`.
    pub attrs: Vec<(&'static str, Cow<'static, str>)>,
    /// Child nodes.
    pub children: Vec<Node>,
}

impl Element {
    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_ref())
    }
}

impl Node {
    /// The element, if this is one.
    pub fn as_element(&self) -> Option<&Element> {
        match self {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        }
    }

    /// All text below this node, concatenated (what a screen reader would read, roughly).
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        match self {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => e.children.iter().for_each(|c| c.collect_text(out)),
        }
    }

    /// The first element (depth first, this node included) with attribute `id` = `id`.
    pub fn find_id(&self, id: &str) -> Option<&Element> {
        self.find(&|e| e.attr("id") == Some(id))
    }

    /// The first element (depth first, this node included) matching `pred`.
    pub fn find(&self, pred: &dyn Fn(&Element) -> bool) -> Option<&Element> {
        let e = self.as_element()?;
        if pred(e) {
            return Some(e);
        }
        e.children.iter().find_map(|c| c.find(pred))
    }
}

// Small builder, kept private so the tree stays plain data for everyone else. The element is
// boxed and the methods are not inlined: with a hundred call sites, passing one pointer through
// each step is far smaller wasm than moving a whole element through every chained call.
struct B(Box<Element>);

#[inline(never)]
fn el(tag: &'static str) -> B {
    B(Box::new(Element {
        tag,
        attrs: Vec::new(),
        children: Vec::new(),
    }))
}

impl B {
    fn a(self, k: &'static str, v: impl Into<Cow<'static, str>>) -> B {
        self.attr(k, v.into())
    }
    #[inline(never)]
    fn attr(mut self, k: &'static str, v: Cow<'static, str>) -> B {
        self.0.attrs.push((k, v));
        self
    }
    fn a_if(self, cond: bool, k: &'static str, v: impl Into<Cow<'static, str>>) -> B {
        if cond { self.a(k, v) } else { self }
    }
    fn c(self, n: impl Into<Node>) -> B {
        self.node(n.into())
    }
    #[inline(never)]
    fn node(mut self, n: Node) -> B {
        self.0.children.push(n);
        self
    }
    fn t(self, s: impl Into<String>) -> B {
        self.node(Node::Text(s.into()))
    }
    fn cs(mut self, ns: impl IntoIterator<Item = Node>) -> B {
        self.0.children.extend(ns);
        self
    }
}

impl From<B> for Node {
    fn from(b: B) -> Node {
        Node::Element(*b.0)
    }
}

/// Where the form is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Being filled in.
    Editing,
    /// Sent, waiting for the endpoint.
    Sending,
    /// Accepted by the endpoint.
    Sent,
    /// Not accepted yet, but kept in the browser's outbox and retried on its own.
    Queued,
    /// The last attempt failed with this code; answers are kept.
    Failed(ErrorCode),
}

/// What the view needs besides the form.
#[derive(Debug, Clone, Copy)]
pub struct ViewState<'a> {
    /// Current answers.
    pub answers: &'a Answers,
    /// Field errors to show (empty before a submit attempt).
    pub errors: &'a [FieldError],
    /// Whether to show the error summary (after a submit attempt with errors).
    pub summary: bool,
    /// Life-cycle status.
    pub status: Status,
    /// Display language.
    pub locale: Locale,
    /// For the no-JS page: the URL the `<form>` posts to. `None` in the widget.
    pub action: Option<&'a str>,
}

// Ids and classes are named here, and whoever finds parts of the tree (the collector's no-JS
// page, tests) uses these names: renaming one is then a compile error there, not a silent miss.
// The view itself builds ids from the same constants, the way it always has (its wasm does not
// carry the `*_id` functions below, which only the collector calls).

/// Prefix of every id the view gives: ids share the host page's document.
pub const ID_PREFIX: &str = "v-";
/// Suffix of a question's help text id (after its [`field_id`]).
pub const HELP_SUFFIX: &str = "-help";
/// Suffix of a question's error message id (after its [`field_id`]).
pub const ERR_SUFFIX: &str = "-err";
/// Suffix of a text question's character counter id (after its [`field_id`]).
pub const COUNT_SUFFIX: &str = "-count";

/// The id of the element that receives focus for question `q` (its box or first radio).
pub fn field_id(q: &str) -> String {
    cat(&[ID_PREFIX, q])
}

/// The question of a [`field_id`] (`v-note` → `note`).
pub fn question_of(field_id: &str) -> Option<&str> {
    field_id.strip_prefix(ID_PREFIX)
}

/// The id of question `q`'s help text.
pub fn help_id(q: &str) -> String {
    cat(&[ID_PREFIX, q, HELP_SUFFIX])
}

/// The id of text question `q`'s character counter.
pub fn count_id(q: &str) -> String {
    cat(&[ID_PREFIX, q, COUNT_SUFFIX])
}

/// Id of the form's title heading.
pub const TITLE_ID: &str = "v-title";
/// Id of the error summary.
pub const SUMMARY_ID: &str = "v-summary";
/// Id of the error summary's heading.
pub const SUMMARY_TITLE_ID: &str = "v-summary-title";
/// Id of the thank-you heading.
pub const THANKS_ID: &str = "v-thanks";
/// The attribute that names the id an element moves focus to (the summary's links).
pub const FOCUS_ATTR: &str = "data-focus";

/// Classes of the view's elements that code outside the view looks for.
pub mod class {
    /// The form's description.
    pub const DESC: &str = "desc";
    /// A question's help text.
    pub const HELP: &str = "help";
    /// A text question's character counter.
    pub const COUNT: &str = "count";
    /// The counter of an answer over its length limit.
    pub const COUNT_OVER: &str = "count over";
    /// The alert shown when sending failed.
    pub const FAIL: &str = "fail";
}

/// Renders the whole widget: the form (or the thank-you message) and a polite live region.
pub fn view(form: &Form, st: &ViewState) -> Node {
    let s = st.locale.strings();
    // Sent and queued share one shape, so when a queued answer is delivered the heading the
    // resident may be on is patched in place rather than replaced.
    let done = match st.status {
        Status::Sent => Some(("thanks", s.thanks_title, s.thanks_body)),
        Status::Queued => Some(("thanks queued", s.queued_title, s.queued_body)),
        _ => None,
    };
    let body: Node = if let Some((class, title, text)) = done {
        el("div")
            .a("class", class)
            .c(el("h2").a("id", THANKS_ID).a("tabindex", "-1").t(title))
            .c(el("p").t(text))
            .into()
    } else {
        form_view(form, st, s)
    };
    let live = match (st.status, done) {
        (Status::Sending, _) => s.sending,
        (_, Some((_, _, text))) => text,
        _ => "",
    };
    el("div")
        .a("class", "voix")
        .a("lang", st.locale.tag())
        .a_if(st.locale.rtl(), "dir", "rtl")
        .c(body)
        .c(el("p").a("class", "sr-only").a("role", "status").t(live))
        .into()
}

fn form_view(form: &Form, st: &ViewState, s: &Strings) -> Node {
    let title_id = TITLE_ID;
    let mut f = el("form")
        .a("novalidate", "")
        .a("aria-labelledby", title_id);
    if let Some(action) = st.action {
        f = f.a("method", "post").a("action", action.to_owned());
    }
    f = f.c(el("h2")
        .a("id", title_id)
        .a("class", "title")
        .t(&form.title));
    if let Some(d) = &form.description {
        f = f.c(el("p").a("class", class::DESC).t(d));
    }
    if form.questions.iter().any(|q| q.required) {
        f = f.c(el("p").a("class", "note").t(s.required_note));
    }
    if st.summary && !st.errors.is_empty() {
        f = f.c(summary(form, st, s));
    }
    f = f.cs(form.questions.iter().map(|q| question(q, st, s)));
    if let Status::Failed(code) = st.status {
        f = f.c(el("div")
            .a("class", class::FAIL)
            .a("role", "alert")
            .c(el("p").t(s.errors.for_code(code, false)))
            .c(el("p").t(s.kept)));
    }
    let label = match st.status {
        Status::Failed(_) => s.retry,
        Status::Sending => s.sending,
        _ => s.submit,
    };
    f.c(el("div").a("class", "actions").c(el("button")
        .a("type", "submit")
        .a_if(st.status == Status::Sending, "aria-disabled", "true")
        .t(label)))
        .into()
}

fn summary(form: &Form, st: &ViewState, s: &Strings) -> Node {
    let n = st.errors.len();
    let title = fill(
        if n == 1 {
            s.summary_one
        } else {
            s.summary_many
        },
        n,
    );
    let items = st.errors.iter().map(|e| {
        let q = form.question(&e.field);
        let label = q.map_or(e.field.as_str(), |q| q.label.as_str());
        let target = field_id(&e.field);
        el("li")
            .c(el("a")
                .a("href", cat(&["#", &target]))
                .a(FOCUS_ATTR, target)
                .t(cat(&[label, " : ", &message(q, e.code, s)])))
            .into()
    });
    el("div")
        .a("class", "summary")
        .a("id", SUMMARY_ID)
        .a("tabindex", "-1")
        .a("aria-labelledby", SUMMARY_TITLE_ID)
        .c(el("h3").a("id", SUMMARY_TITLE_ID).t(title))
        .c(el("ul").cs(items))
        .into()
}

/// The message shown for `code` on question `q`.
pub fn message(q: Option<&Question>, code: ErrorCode, s: &Strings) -> String {
    let (text, max) = match q.map(|q| &q.kind) {
        Some(QuestionKind::Text { max_length, .. }) => (true, *max_length as usize),
        _ => (false, 0),
    };
    fill(s.errors.for_code(code, text), max)
}

// `[a, b].join(" ")` without the generic join machinery (smaller wasm).
fn spaced(ids: &[String]) -> String {
    let mut out = String::new();
    for id in ids {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(id);
    }
    out
}

fn question(q: &Question, st: &ViewState, s: &Strings) -> Node {
    let id = field_id(&q.id);
    let help_id = cat(&[&id, HELP_SUFFIX]);
    let err_id = cat(&[&id, ERR_SUFFIX]);
    let error = st.errors.iter().find(|e| e.field == q.id).map(|e| e.code);
    let value = st.answers.get(&q.id).unwrap_or("");
    let mut described = Vec::new();
    if q.help.is_some() {
        described.push(help_id.clone());
    }
    if error.is_some() {
        described.push(err_id.clone());
    }
    let label_text = |b: B| {
        let b = b.t(&q.label);
        if q.required {
            b.t(" ").c(el("span").a("class", "req").t(s.required))
        } else {
            b
        }
    };
    let help = q.help.as_ref().map(|h| {
        Node::from(
            el("p")
                .a("class", class::HELP)
                .a("id", help_id.clone())
                .t(h),
        )
    });
    let err = error.map(|code| {
        Node::from(
            el("p")
                .a("class", "err")
                .a("id", err_id.clone())
                .t(message(Some(q), code, s)),
        )
    });
    let class = if error.is_some() { "q invalid" } else { "q" };
    match &q.kind {
        QuestionKind::Smileys => {
            let choices = Smiley::ALL.into_iter().zip(s.smileys).map(|(sm, label)| {
                let rid = if sm == Smiley::Bad {
                    id.clone()
                } else {
                    cat(&[&id, "-", sm.key()])
                };
                el("label")
                    .a(
                        "class",
                        if value == sm.key() {
                            "smiley on"
                        } else {
                            "smiley"
                        },
                    )
                    .c(el("input")
                        .a("type", "radio")
                        .a("id", rid)
                        .a("name", q.id.clone())
                        .a("value", sm.key())
                        .a_if(value == sm.key(), "checked", ""))
                    .c(el("span")
                        .a("class", sm.face_class())
                        .a("aria-hidden", "true"))
                    .c(el("span").a("class", "lbl").t(label))
                    .into()
            });
            el("fieldset")
                .a("class", class)
                .a_if(
                    !described.is_empty(),
                    "aria-describedby",
                    spaced(&described),
                )
                .c(label_text(el("legend")))
                .cs(help)
                .cs(err)
                .c(el("div").a("class", "smileys").cs(choices))
                .into()
        }
        QuestionKind::Text {
            max_length,
            multiline,
        } => {
            let count_id = cat(&[&id, COUNT_SUFFIX]);
            described.push(count_id.clone());
            let used = crate::answer::char_count(value);
            let max = *max_length as usize;
            let (count_text, over) = if used > max {
                (fill(s.chars_over, used - max), true)
            } else {
                (fill(s.chars_left, max - used), false)
            };
            let input = if *multiline {
                el("textarea").a("rows", "4")
            } else {
                el("input").a("type", "text")
            };
            let input = input
                .a("id", id.clone())
                .a("name", q.id.clone())
                .a_if(q.required, "required", "")
                .a_if(error.is_some(), "aria-invalid", "true")
                .a("aria-describedby", spaced(&described))
                .a("value", value.to_owned());
            el("div")
                .a("class", class)
                .c(label_text(el("label").a("for", id.clone())))
                .cs(help)
                .cs(err)
                .c(input)
                .c(el("p")
                    .a(
                        "class",
                        if over {
                            class::COUNT_OVER
                        } else {
                            class::COUNT
                        },
                    )
                    .a("id", count_id)
                    .t(count_text))
                .into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        Form::from_json(
            r#"{"id":"f","title":"Votre avis","questions":[
                {"id":"note","type":"smileys","label":"Comment ça s'est passé ?","required":true},
                {"id":"c","type":"text","label":"Commentaire","max_length":10,"multiline":true,
                 "help":"Pas de données personnelles."}
            ]}"#,
        )
        .unwrap()
    }

    fn state<'a>(answers: &'a Answers, errors: &'a [FieldError], status: Status) -> ViewState<'a> {
        ViewState {
            answers,
            errors,
            summary: !errors.is_empty(),
            status,
            locale: Locale::Fr,
            action: None,
        }
    }

    #[test]
    fn smileys_are_a_labelled_radio_group_with_text_labels() {
        let a = Answers::new();
        let v = view(&form(), &state(&a, &[], Status::Editing));
        let fs = v.find(&|e| e.tag == "fieldset").unwrap();
        let legend = Node::Element(fs.children[0].as_element().unwrap().clone());
        assert_eq!(legend.text(), "Comment ça s'est passé ? (obligatoire)");
        let radios: Vec<_> = ["v-note", "v-note-average", "v-note-good"]
            .iter()
            .map(|id| v.find_id(id).unwrap())
            .collect();
        assert!(radios.iter().all(|r| r.attr("type") == Some("radio")));
        assert_eq!(radios[2].attr("value"), Some("good"));
        let text = v.text();
        for label in ["Pas bien", "Moyen", "Très bien"] {
            assert!(text.contains(label), "{label}");
        }
        // The faces are decoration only.
        let face = v.find(&|e| e.attr("class") == Some("face bad")).unwrap();
        assert_eq!(face.attr("aria-hidden"), Some("true"));
    }

    #[test]
    fn answers_are_reflected() {
        let mut a = Answers::new();
        a.insert("note".into(), "average".into());
        a.insert("c".into(), "Merci".into());
        let v = view(&form(), &state(&a, &[], Status::Editing));
        assert!(
            v.find_id("v-note-average")
                .unwrap()
                .attr("checked")
                .is_some()
        );
        assert!(v.find_id("v-note").unwrap().attr("checked").is_none());
        assert_eq!(v.find_id("v-c").unwrap().attr("value"), Some("Merci"));
        assert_eq!(
            v.find_id("v-c-count").unwrap().children,
            vec![Node::Text("Il vous reste 5 caractères.".into())]
        );
    }

    #[test]
    fn errors_are_linked_summarised_and_marked() {
        let a = Answers::new();
        let errors = vec![
            FieldError {
                field: "note".into(),
                code: ErrorCode::Required,
            },
            FieldError {
                field: "c".into(),
                code: ErrorCode::TooLong,
            },
        ];
        let v = view(&form(), &state(&a, &errors, Status::Editing));
        let summary = Node::Element(v.find_id(SUMMARY_ID).unwrap().clone());
        assert!(summary.text().starts_with("Il y a 2 erreurs"));
        let link = summary.find(&|e| e.tag == "a").unwrap();
        assert_eq!(link.attr("data-focus"), Some("v-note"));
        let c = v.find_id("v-c").unwrap();
        assert_eq!(c.attr("aria-invalid"), Some("true"));
        assert_eq!(
            c.attr("aria-describedby"),
            Some("v-c-help v-c-err v-c-count")
        );
        assert_eq!(
            Node::Element(v.find_id("v-c-err").unwrap().clone()).text(),
            "Votre texte est trop long : 10 caractères au maximum."
        );
        let fs = v.find(&|e| e.tag == "fieldset").unwrap();
        assert_eq!(fs.attr("aria-describedby"), Some("v-note-err"));
    }

    #[test]
    fn the_named_ids_and_classes_are_the_tree_s() {
        let a = Answers::new();
        let v = view(&form(), &state(&a, &[], Status::Failed(ErrorCode::Server)));
        assert_eq!(v.find_id(TITLE_ID).unwrap().tag, "h2");
        assert_eq!(question_of(&field_id("note")), Some("note"));
        assert_eq!(v.find_id(&field_id("c")).unwrap().tag, "textarea");
        let help = v.find_id(&help_id("c")).unwrap();
        assert_eq!(help.attr("class"), Some(class::HELP));
        let count = v.find_id(&count_id("c")).unwrap();
        assert_eq!(count.attr("class"), Some(class::COUNT));
        assert!(v.find(&|e| e.attr("class") == Some(class::FAIL)).is_some());
    }

    #[test]
    fn sent_replaces_the_form_and_announces() {
        let a = Answers::new();
        let v = view(&form(), &state(&a, &[], Status::Sent));
        assert!(v.find(&|e| e.tag == "form").is_none());
        assert!(v.find_id(THANKS_ID).is_some());
        let live = v.find(&|e| e.attr("role") == Some("status")).unwrap();
        assert_eq!(
            Node::Element(live.clone()).text(),
            "Votre réponse a bien été envoyée."
        );
    }

    #[test]
    fn failure_keeps_answers_and_offers_retry() {
        let mut a = Answers::new();
        a.insert("c".into(), "Merci".into());
        let v = view(&form(), &state(&a, &[], Status::Failed(ErrorCode::Network)));
        let alert = Node::Element(
            v.find(&|e| e.attr("role") == Some("alert"))
                .unwrap()
                .clone(),
        );
        assert!(alert.text().contains("vérifiez votre connexion"));
        let button = Node::Element(v.find(&|e| e.tag == "button").unwrap().clone());
        assert_eq!(button.text(), "Réessayer l’envoi");
        assert_eq!(v.find_id("v-c").unwrap().attr("value"), Some("Merci"));
    }

    #[cfg(feature = "locales")]
    #[test]
    fn arabic_is_right_to_left_and_others_are_not_marked() {
        let a = Answers::new();
        let errors = [FieldError {
            field: "note".into(),
            code: ErrorCode::Required,
        }];
        for &locale in Locale::ALL {
            let st = ViewState {
                locale,
                ..state(&a, &errors, Status::Editing)
            };
            let v = view(&form(), &st);
            let root = v.as_element().unwrap();
            assert_eq!(root.attr("lang"), Some(locale.tag()));
            let want = (locale == Locale::Ar).then_some("rtl");
            assert_eq!(root.attr("dir"), want, "{locale:?}");
            // The words are the locale's, with the numbers filled in.
            let s = locale.strings();
            let text = v.text();
            assert!(text.contains(s.errors.required_choice), "{locale:?}");
            assert!(text.contains(&fill(s.chars_left, 10)), "{locale:?}");
            assert!(text.contains(&fill(s.summary_one, 1)), "{locale:?}");
        }
        let html = crate::html::render(&view(
            &form(),
            &ViewState {
                locale: Locale::Ar,
                ..state(&a, &[], Status::Editing)
            },
        ));
        assert!(
            html.starts_with(r#"<div class="voix" lang="ar" dir="rtl"><form"#),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"lbl\">جيد جدًا</span>"),
            "{html}"
        );
    }

    #[test]
    fn over_limit_counter() {
        let mut a = Answers::new();
        a.insert("c".into(), "x".repeat(13));
        let v = view(&form(), &state(&a, &[], Status::Editing));
        let count = v.find_id("v-c-count").unwrap();
        assert_eq!(count.attr("class"), Some("count over"));
        assert_eq!(Node::Element(count.clone()).text(), "3 caractères de trop.");
    }
}
