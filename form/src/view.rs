//! Form + state → a small view tree. Pure data: text is text, never markup.
//!
//! Two renderers turn the tree into something real: the widget's DOM patcher (`src/web/dom.rs`)
//! and [`crate::html`] for the collector's no-JS page and snapshot tests. Because both render the
//! same tree, the no-JS form and the widget have the same labels, ids and error links.
//!
//! Conventions the DOM renderer relies on: an attribute `value` on `input`/`textarea` is the
//! current value (a property, not only an attribute); `checked` present means checked; an element
//! with `data-focus="ID"` moves focus to `ID` when activated (links of the error summary); a
//! button with `data-action="previous"` goes back one step.
//!
//! Every question is a native control: radio groups (smileys, stars, scales, NPS, yes/no,
//! single choice) get the browser's own roving focus and arrow keys; checkboxes for multiple
//! choice and consent; `fieldset`/`legend` around every group (RGAA 11.5–11.7).

use std::borrow::Cow;

use crate::{
    ErrorCode, Form, Question, QuestionKind,
    answer::{Answers, OTHER, other_key},
    cat,
    i18n::{Locale, Strings, Subject, fill, fill_text, fill2, itoa},
    results::FormResults,
    schema::{PollState, ResultsShown, Smiley},
    translations::{Localized, Text},
    validate::FieldError,
};

/// How numbers, percentages and dates are written. The widget gives the browser's `Intl`
/// (`src/web`); without one (the no-JS page, tests), [`Plain`] writes digits and the locale's
/// percent template.
pub trait Numbers: core::fmt::Debug {
    /// A count ("1 234").
    fn count(&self, n: u64) -> String;
    /// A whole percentage ("45 %").
    fn percent(&self, n: u32, s: &Strings) -> String;
    /// An instant, in milliseconds since the epoch ("31 janvier 2027 à 23:59").
    fn date(&self, ms: i64) -> String;
}

/// Digits, the locale's percent template, and dates as `2027-01-31 22:59 UTC`.
#[derive(Debug, Clone, Copy)]
pub struct Plain;

impl Numbers for Plain {
    fn count(&self, n: u64) -> String {
        itoa(n as usize)
    }
    fn percent(&self, n: u32, s: &Strings) -> String {
        fill(s.percent, n as usize)
    }
    fn date(&self, ms: i64) -> String {
        crate::time::format_utc(ms)
    }
}

/// A text as it is shown: the space before `?`, `!`, `:`, `;` or `»`, and after `«`, becomes a
/// no-break space (U+00A0), so a line never starts with that sign — French typography, which
/// residents see at 200 % zoom and on narrow phones ("Voulez-vous nous en dire plus ?" keeps
/// its "?"); in other languages such a space is as rare as it is harmless to bind. Both renderers
/// (the widget's DOM, the no-JS page's HTML) show every text node through it; the view tree,
/// attributes and what a resident types keep their spaces as written.
pub fn shown(text: &str) -> Cow<'_, str> {
    let binds = |i: usize| {
        text.as_bytes()[i] == b' '
            && (matches!(
                text[i + 1..].chars().next(),
                Some('?' | '!' | ':' | ';' | '»')
            ) || text[..i].ends_with('«'))
    };
    if !(0..text.len()).any(binds) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 4);
    for (i, c) in text.char_indices() {
        out.push(if c == ' ' && binds(i) { '\u{a0}' } else { c });
    }
    Cow::Owned(out)
}

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

/// A poll's own state, as the view needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollView<'a> {
    /// Open, not open yet, closed.
    pub state: PollState,
    /// This browser has voted already (the one-vote flag).
    pub voted: bool,
    /// The results, as far as they are known.
    pub results: ResultsView<'a>,
}

/// A poll's results, as far as the page knows them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResultsView<'a> {
    /// Not asked for (not shown in this state).
    None,
    /// Being fetched.
    Loading,
    /// Could not be fetched.
    Failed,
    /// Fetched.
    Shown(&'a FormResults),
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
    /// For the no-JS page: the URL the `<form>` posts to, and every step on one page. `None`
    /// in the widget.
    pub action: Option<&'a str>,
    /// The step shown (its number, see [`Form::steps`]); the widget's current step.
    pub step: u32,
    /// For a poll: its state and results.
    pub poll: Option<PollView<'a>>,
    /// The strings to use (a site's overrides applied); `None`: the locale's own.
    pub strings: Option<&'a Strings>,
    /// Which language each of the form's texts is in (its translations applied): texts in
    /// another language than the widget's are marked with `lang` (RGAA 8.7). `None`: all in the
    /// widget's language.
    pub langs: Option<&'a Localized>,
    /// How numbers and dates are written; `None`: [`Plain`].
    pub numbers: Option<&'a dyn Numbers>,
    /// The widget's own colours: `light` (also when `None`), `dark`, or `auto` (the device's).
    pub theme: Option<&'a str>,
}

impl<'a> ViewState<'a> {
    /// The state of a form being filled in, with nothing else to say.
    pub fn new(answers: &'a Answers, locale: Locale) -> ViewState<'a> {
        ViewState {
            answers,
            errors: &[],
            summary: false,
            status: Status::Editing,
            locale,
            action: None,
            step: 1,
            poll: None,
            strings: None,
            langs: None,
            numbers: None,
            theme: None,
        }
    }

    fn numbers(&self) -> &dyn Numbers {
        self.numbers.unwrap_or(&Plain)
    }

    /// `text`, one of the form's own, as a node: marked with its language when it is not the
    /// widget's (`<bdi>` on a right-to-left page, so a left-to-right text keeps its direction).
    fn own(&self, text: &str, which: Text) -> Node {
        let lang = self.langs.map(|l| l.lang_of(which));
        match lang {
            Some(lang) if lang != self.locale => el(if self.locale.rtl() { "bdi" } else { "span" })
                .a("lang", lang.tag())
                .t(text)
                .into(),
            _ => Node::Text(text.to_owned()),
        }
    }
}

// Ids and classes are named here, and whoever finds parts of the tree (the collector's no-JS
// page, tests) uses these names: renaming one is then a compile error there, not a silent miss.

/// Prefix of every id the view gives: ids share the host page's document.
pub const ID_PREFIX: &str = "v-";
/// Suffix of a question's help text id (after its [`field_id`]).
pub const HELP_SUFFIX: &str = "-help";
/// Suffix of a question's error message id (after its [`field_id`]).
pub const ERR_SUFFIX: &str = "-err";
/// Suffix of a text question's character counter id (after its [`field_id`]).
pub const COUNT_SUFFIX: &str = "-count";

/// The id of the element that receives focus for question `q` (its box or first radio), or,
/// for `q.other`, the text box of its "other" choice.
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

/// Id of the form's heading.
pub const TITLE_ID: &str = "v-title";
/// Id of the error summary's heading.
pub const SUMMARY_TITLE_ID: &str = "v-summary-title";
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
    /// The hidden trap field's box: off-screen, out of the accessibility tree.
    pub const TRAP: &str = "trap";
}

/// Id of the error summary.
pub const SUMMARY_ID: &str = "v-summary";
/// The id of the hidden trap field (see [`crate::answer::HONEYPOT`]).
pub const HONEYPOT_ID: &str = "v-website";
/// Id of the thank-you heading.
pub const THANKS_ID: &str = "v-thanks";
/// Id of the step heading ("Étape 2 sur 3"), focused when the step changes.
pub const STEP_ID: &str = "v-step";
/// Id of a poll's state heading (closed, voted…), focused when it appears.
pub const POLL_ID: &str = "v-poll";
/// Id of a poll's results heading.
pub const RESULTS_ID: &str = "v-results";

/// Renders the whole widget: the form (or the thank-you message, or a poll's state and results)
/// and a polite live region.
pub fn view(form: &Form, st: &ViewState) -> Node {
    let s = st.strings.unwrap_or_else(|| st.locale.strings());
    let (body, live) = body(form, st, s);
    el("div")
        .a("class", "voix")
        .a("lang", st.locale.tag())
        .a_if(st.locale.rtl(), "dir", "rtl")
        .a_if(
            st.theme.is_some(),
            "data-theme",
            st.theme.unwrap_or_default().to_owned(),
        )
        .c(body)
        .c(el("p").a("class", "sr-only").a("role", "status").t(live))
        .into()
}

/// The widget's content and what its live region says.
fn body(form: &Form, st: &ViewState, s: &Strings) -> (Node, String) {
    let voted_now = st.status == Status::Sent;
    if let Some(p) = st.poll {
        let shown = form
            .poll
            .as_ref()
            .map_or(ResultsShown::AfterVote, |poll| poll.results);
        let said = match p.state {
            PollState::NotOpen => Some(s.poll_not_open),
            PollState::Closed => Some(s.poll_closed),
            PollState::Open if voted_now => Some(s.voted_title),
            PollState::Open if p.voted && st.status == Status::Editing => Some(s.voted_already),
            PollState::Open => None,
        };
        if let Some(said) = said {
            let with_results = shown != ResultsShown::Never && p.state != PollState::NotOpen;
            let mut b = el("div").a("class", "poll-state").c(el("h2")
                .a("id", POLL_ID)
                .a("class", "title")
                .a("tabindex", "-1")
                .c(st.own(&form.title, Text::Title)));
            b = b.c(el("p").a("class", "said").t(said));
            // When it opens, or when it closed, in the locale's way of writing dates.
            let when = match p.state {
                PollState::NotOpen => poll_date(form, true).map(|d| (s.opens_on, d)),
                PollState::Closed => poll_date(form, false).map(|d| (s.closed_on, d)),
                PollState::Open => None,
            };
            if let Some((template, ms)) = when {
                b = b.c(el("p")
                    .a("class", "when")
                    .t(fill_text(template, &st.numbers().date(ms))));
            }
            let mut live = said.to_owned();
            if with_results {
                let (node, summary) = results(form, p.results, st, s);
                b = b.c(node);
                if voted_now && !summary.is_empty() {
                    live = cat(&[said, " ", &summary]);
                }
            }
            return (b.into(), live);
        }
    }
    // Sent and queued share one shape, so when a queued answer is delivered the heading the
    // resident may be on is patched in place rather than replaced.
    let done = match st.status {
        Status::Sent => Some(("thanks", s.thanks_title, s.thanks_body)),
        Status::Queued => Some(("thanks queued", s.queued_title, s.queued_body)),
        _ => None,
    };
    if let Some((class, title, text)) = done {
        let b = el("div")
            .a("class", class)
            .c(el("h2").a("id", THANKS_ID).a("tabindex", "-1").t(title))
            .c(el("p").t(text));
        return (b.into(), text.to_owned());
    }
    let live = if st.status == Status::Sending {
        s.sending
    } else {
        ""
    };
    let mut f = form_view(form, st, s);
    // A poll showing its results before the vote (`always`).
    if let Some(p) = st.poll
        && form
            .poll
            .as_ref()
            .is_some_and(|poll| poll.results == ResultsShown::Always)
    {
        f = el("div").c(f).c(results(form, p.results, st, s).0).into();
    }
    (f, live.to_owned())
}

fn form_view(form: &Form, st: &ViewState, s: &Strings) -> Node {
    let nojs = st.action.is_some();
    let mut f = el("form")
        .a("novalidate", "")
        .a("aria-labelledby", TITLE_ID);
    if let Some(action) = st.action {
        f = f.a("method", "post").a("action", action.to_owned());
    }
    f = f.c(el("h2")
        .a("id", TITLE_ID)
        .a("class", "title")
        .c(st.own(&form.title, Text::Title)));
    if let Some(d) = &form.description {
        f = f.c(el("p")
            .a("class", class::DESC)
            .c(st.own(d, Text::Description)));
    }
    if let Some(ms) = poll_date(form, false) {
        f = f.c(el("p")
            .a("class", "when")
            .t(fill_text(s.open_until, &st.numbers().date(ms))));
    }
    // The steps that have a question shown; where this one is among them.
    let shown_steps = form.shown_steps(st.answers);
    let at = shown_steps.iter().position(|&x| x == st.step).unwrap_or(0);
    let stepped = !nojs && shown_steps.len() > 1;
    if stepped {
        f = f.c(el("h3")
            .a("id", STEP_ID)
            .a("class", "step")
            .a("tabindex", "-1")
            .t(fill2(s.step, at + 1, shown_steps.len())));
    }
    let steps = form.steps();
    let here: Vec<usize> = (0..form.questions.len())
        .filter(|&i| nojs || form.is_shown(i, st.answers))
        .filter(|&i| !stepped || steps[i] == st.step)
        .collect();
    // A poll's one question needs no note about the marker.
    if form.poll.is_none() && here.iter().any(|&i| form.questions[i].required) {
        f = f.c(el("p").a("class", "note").t(s.required_note));
    }
    if st.summary && !st.errors.is_empty() {
        f = f.c(summary(form, st, s));
    }
    f = f.cs(here.iter().map(|&i| question(&form.questions[i], st, s)));
    if let Status::Failed(code) = st.status {
        f = f.c(el("div")
            .a("class", class::FAIL)
            .a("role", "alert")
            .c(el("p").t(s.errors.for_code(code, Subject::Choice)))
            .c(el("p").t(s.kept)));
    }
    let last = !stepped || at + 1 == shown_steps.len();
    let label = match st.status {
        Status::Failed(_) => s.retry,
        Status::Sending => s.sending,
        _ if !last => s.next,
        _ if form.poll.is_some() => s.vote,
        _ => s.submit,
    };
    // The trap for robots that fill every field: off-screen (class `trap`), hidden from assistive
    // technology, out of the tab order, never autofilled. A person never fills it.
    f = f.c(el("div")
        .a("class", class::TRAP)
        .a("aria-hidden", "true")
        .c(el("label").a("for", HONEYPOT_ID).t("Website"))
        .c(el("input")
            .a("type", "text")
            .a("id", HONEYPOT_ID)
            .a("name", crate::answer::HONEYPOT)
            .a("tabindex", "-1")
            .a("autocomplete", "off")));
    let mut actions = el("div").a("class", "actions");
    if stepped && at > 0 {
        actions = actions.c(el("button")
            .a("type", "button")
            .a("part", "button secondary")
            .a("class", "secondary")
            .a("data-action", "previous")
            .t(s.previous));
    }
    actions = actions.c(el("button")
        .a("type", "submit")
        .a("part", "button")
        .a_if(st.status == Status::Sending, "aria-disabled", "true")
        .t(label));
    f.c(actions).into()
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
        let own = e.field.strip_suffix(".other").unwrap_or(&e.field);
        let label = form
            .question(own)
            .map_or(e.field.as_str(), |q| q.label.as_str());
        let target = field_id(&e.field);
        el("li")
            .c(el("a")
                .a("href", cat(&["#", &target]))
                .a(FOCUS_ATTR, target)
                .t(cat(&[
                    label,
                    st.locale.colon(),
                    &field_message(form, &e.field, e.code, s),
                ])))
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
    let (subject, n) = match q.map(|q| &q.kind) {
        Some(QuestionKind::Text { max_length, .. }) => (Subject::Text, *max_length),
        Some(QuestionKind::Email) => (Subject::Text, 0),
        Some(QuestionKind::Consent) => (Subject::Consent, 0),
        Some(QuestionKind::Multiple {
            min_selected,
            max_selected,
            ..
        }) => {
            let n = match code {
                ErrorCode::TooFewChoices => min_selected.unwrap_or(0),
                _ => max_selected.unwrap_or(0),
            };
            (Subject::Choice, n)
        }
        _ => (Subject::Choice, 0),
    };
    fill(s.errors.for_code(code, subject), n as usize)
}

/// The message shown for `code` on `field`: a question id, or `id.other` for the text of its
/// "other" choice.
pub fn field_message(form: &Form, field: &str, code: ErrorCode, s: &Strings) -> String {
    match field.strip_suffix(".other") {
        Some(_) => fill(
            s.errors.for_code(code, Subject::Other),
            crate::schema::OTHER_MAX_LENGTH as usize,
        ),
        None => message(form.question(field), code, s),
    }
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

/// One option of a radio or checkbox group, as drawn.
struct Opt {
    value: Cow<'static, str>,
    label: Node,
    /// Decoration before the label (a smiley face, a star), hidden from assistive technology.
    deco: Option<&'static str>,
    /// The text of the label is only for assistive technology (stars: the star is the visual).
    hidden_label: bool,
}

fn question(q: &Question, st: &ViewState, s: &Strings) -> Node {
    let id = field_id(&q.id);
    let help_id = cat(&[&id, HELP_SUFFIX]);
    let err_id = cat(&[&id, ERR_SUFFIX]);
    let other_field = other_key(&q.id);
    let error = st.errors.iter().find(|e| e.field == q.id).map(|e| e.code);
    let other_error = st
        .errors
        .iter()
        .find(|e| e.field == other_field)
        .map(|e| e.code);
    let answer = st.answers.get(&q.id);
    let value = answer.and_then(|a| a.as_one()).unwrap_or("");
    let mut described = Vec::new();
    if q.help.is_some() {
        described.push(help_id.clone());
    }
    if error.is_some() {
        described.push(err_id.clone());
    }
    let label_text = |b: B| {
        let b = b.c(st.own(&q.label, Text::Label(&q.id)));
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
                .c(st.own(h, Text::Help(&q.id))),
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
    let class = if error.is_some() || other_error.is_some() {
        "q invalid"
    } else {
        "q"
    };
    // A radio or checkbox group in a fieldset; `extra` goes after the options (end labels,
    // the "other" box).
    let group = |kind: &'static str,
                 hint_class: &'static str,
                 item: (&'static str, &'static str),
                 multiple: bool,
                 opts: Vec<Opt>,
                 hint: Option<Node>,
                 extra: Vec<Node>| {
        let mut described = described.clone();
        let hint_id = cat(&[&id, "-hint"]);
        if hint.is_some() {
            described.push(hint_id.clone());
        }
        let input_type = if multiple { "checkbox" } else { "radio" };
        let items = opts.into_iter().enumerate().map(|(i, o)| {
            let on = answer.is_some_and(|a| a.contains(&o.value));
            let rid = if i == 0 {
                id.clone()
            } else {
                cat(&[&id, "-", &o.value])
            };
            let mut lbl = el("label")
                .a("class", if on { item.1 } else { item.0 })
                .c(el("input")
                    .a("type", input_type)
                    .a("id", rid)
                    .a("name", q.id.clone())
                    .a("value", o.value.clone())
                    .a_if(on, "checked", ""));
            if let Some(deco) = o.deco {
                lbl = lbl.c(el("span").a("class", deco).a("aria-hidden", "true"));
            }
            lbl.c(el("span")
                .a("class", if o.hidden_label { "lbl sr-only" } else { "lbl" })
                .c(o.label))
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
            .cs(help.clone())
            .cs(hint.map(|h| Node::from(el("p").a("class", hint_class).a("id", hint_id).c(h))))
            .cs(err.clone())
            .c(el("div").a("class", kind).cs(items))
            .cs(extra)
            .into()
    };
    let numbers = |from: u8, to: u8| -> Vec<Opt> {
        (from..=to)
            .map(|n| Opt {
                value: itoa(n.into()).into(),
                label: Node::Text(itoa(n.into())),
                deco: None,
                hidden_label: false,
            })
            .collect()
    };
    let ends = |lo: u8, hi: u8, min: Option<&str>, max: Option<&str>| -> Vec<Node> {
        if min.is_none() && max.is_none() {
            return Vec::new();
        }
        let end = |n: u8, text: Option<&str>| {
            text.map(|t| Node::from(el("span").t(cat(&[&itoa(n.into()), st.locale.colon(), t]))))
        };
        vec![
            el("p")
                .a("class", "ends")
                .a("aria-hidden", "true")
                .cs(end(lo, min))
                .cs(end(hi, max))
                .into(),
        ]
    };
    match &q.kind {
        QuestionKind::Smileys { count } => {
            let opts = Smiley::of(*count)
                .iter()
                .map(|&sm| Opt {
                    value: sm.key().into(),
                    label: Node::Text(s.smiley(sm).into()),
                    deco: Some(sm.face_class()),
                    hidden_label: false,
                })
                .collect();
            group(
                "smileys",
                "help",
                ("smiley", "smiley on"),
                false,
                opts,
                None,
                Vec::new(),
            )
        }
        QuestionKind::Stars => {
            let chosen: u8 = value.parse().unwrap_or(0);
            let opts = (1..=5u8)
                .map(|n| Opt {
                    value: itoa(n.into()).into(),
                    label: Node::Text(fill(
                        if n == 1 { s.star_one } else { s.star_many },
                        n.into(),
                    )),
                    deco: Some(if n <= chosen { "star lit" } else { "star" }),
                    hidden_label: true,
                })
                .collect();
            group(
                "stars",
                "help",
                ("starbox", "starbox on"),
                false,
                opts,
                None,
                Vec::new(),
            )
        }
        QuestionKind::Scale {
            min,
            max,
            min_label,
            max_label,
        } => {
            // The end labels read as a hint ("1: not at all … 5: completely").
            let hint = (min_label.is_some() || max_label.is_some()).then(|| {
                let mut parts = Vec::new();
                if let Some(l) = min_label {
                    parts.push(cat(&[&itoa((*min).into()), st.locale.colon(), l]));
                }
                if let Some(l) = max_label {
                    parts.push(cat(&[&itoa((*max).into()), st.locale.colon(), l]));
                }
                Node::Text(parts.join(" — "))
            });
            let extra = ends(*min, *max, min_label.as_deref(), max_label.as_deref());
            // The end labels are shown beside the numbers; the same words, in one sentence, are
            // what assistive technology reads with the group.
            group(
                "scale",
                "sr-only",
                ("num", "num on"),
                false,
                numbers(*min, *max),
                hint,
                extra,
            )
        }
        QuestionKind::Nps {
            min_label,
            max_label,
        } => {
            let lo = min_label.as_deref().unwrap_or(s.nps_min);
            let hi = max_label.as_deref().unwrap_or(s.nps_max);
            let hint = Node::Text(cat(&["0 : ", lo, " — 10 : ", hi]));
            group(
                "scale nps",
                "sr-only",
                ("num", "num on"),
                false,
                numbers(0, 10),
                Some(hint),
                ends(0, 10, Some(lo), Some(hi)),
            )
        }
        QuestionKind::YesNo => {
            let opts = [("yes", s.yes), ("no", s.no)]
                .into_iter()
                .map(|(v, l)| Opt {
                    value: v.into(),
                    label: Node::Text(l.into()),
                    deco: None,
                    hidden_label: false,
                })
                .collect();
            group(
                "yesno",
                "help",
                ("yn", "yn on"),
                false,
                opts,
                None,
                Vec::new(),
            )
        }
        QuestionKind::Choice { choices, other } | QuestionKind::Multiple { choices, other, .. } => {
            let multiple = q.kind.is_multiple();
            let mut opts: Vec<Opt> = choices
                .iter()
                .map(|c| Opt {
                    value: c.id.clone().into(),
                    label: st.own(&c.label, Text::Choice(&q.id, &c.id)),
                    deco: None,
                    hidden_label: false,
                })
                .collect();
            if *other {
                opts.push(Opt {
                    value: OTHER.into(),
                    label: Node::Text(s.other.into()),
                    deco: None,
                    hidden_label: false,
                });
            }
            let hint = match &q.kind {
                QuestionKind::Multiple {
                    min_selected,
                    max_selected,
                    ..
                } => {
                    let mut parts = vec![s.choose_many.to_owned()];
                    if let Some(n) = min_selected.filter(|&n| n > 1) {
                        parts.push(fill(s.choose_min, n as usize));
                    }
                    if let Some(n) = max_selected {
                        parts.push(fill(s.choose_max, *n as usize));
                    }
                    Some(Node::Text(parts.join(" ")))
                }
                _ => None,
            };
            let mut extra = Vec::new();
            // The "other" box, while "other" is chosen (always on the no-JS page, where it
            // cannot appear on its own).
            let chosen = answer.is_some_and(|a| a.contains(OTHER));
            if *other && (chosen || st.action.is_some()) {
                let oid = field_id(&other_field);
                let oerr = cat(&[&oid, "-err"]);
                let mut box_ = el("div").a("class", "other");
                box_ = box_.c(el("label").a("for", oid.clone()).t(s.other_specify));
                if let Some(code) = other_error {
                    box_ = box_.c(el("p")
                        .a("class", "err")
                        .a("id", oerr.clone())
                        .t(field_message_other(code, s)));
                }
                box_ = box_.c(el("input")
                    .a("type", "text")
                    .a("part", "field")
                    .a("id", oid)
                    .a("name", other_field.clone())
                    .a("maxlength", itoa(crate::schema::OTHER_MAX_LENGTH as usize))
                    .a_if(other_error.is_some(), "aria-invalid", "true")
                    .a_if(other_error.is_some(), "aria-describedby", oerr)
                    .a(
                        "value",
                        st.answers.text(&other_field).unwrap_or("").to_owned(),
                    ));
                extra.push(box_.into());
            }
            group(
                if multiple {
                    "choices multiple"
                } else {
                    "choices"
                },
                "help",
                ("choice", "choice on"),
                multiple,
                opts,
                hint,
                extra,
            )
        }
        QuestionKind::Consent => {
            let on = value == "yes";
            el("div")
                .a("class", class)
                .c(el("div")
                    .a("class", "consent")
                    .c(el("input")
                        .a("type", "checkbox")
                        .a("id", id.clone())
                        .a("name", q.id.clone())
                        .a("value", "yes")
                        .a_if(q.required, "required", "")
                        .a_if(error.is_some(), "aria-invalid", "true")
                        .a_if(
                            !described.is_empty(),
                            "aria-describedby",
                            spaced(&described),
                        )
                        .a_if(on, "checked", ""))
                    .c(label_text(el("label").a("for", id.clone()))))
                .cs(help)
                .cs(err)
                .into()
        }
        QuestionKind::Text {
            max_length,
            multiline,
            personal_data_warning,
        } => {
            if *personal_data_warning {
                described.push(cat(&[&id, "-warn"]));
            }
            let count_id = cat(&[&id, COUNT_SUFFIX]);
            described.push(count_id.clone());
            let used = crate::answer::char_count(value);
            let max = *max_length as usize;
            let (count_text, over) = if used > max {
                (
                    fill_text(s.chars_over, &st.numbers().count((used - max) as u64)),
                    true,
                )
            } else {
                (
                    fill_text(s.chars_left, &st.numbers().count((max - used) as u64)),
                    false,
                )
            };
            let input = if *multiline {
                el("textarea").a("rows", "4")
            } else {
                el("input").a("type", "text")
            };
            let input = input
                .a("part", "field")
                .a("id", id.clone())
                .a("name", q.id.clone())
                .a_if(q.required, "required", "")
                .a_if(error.is_some(), "aria-invalid", "true")
                .a("aria-describedby", spaced(&described))
                .a("value", value.to_owned());
            let warn = personal_data_warning.then(|| {
                Node::from(
                    el("p")
                        .a("class", "warn")
                        .a("id", cat(&[&id, "-warn"]))
                        .t(s.personal_data),
                )
            });
            el("div")
                .a("class", class)
                .c(label_text(el("label").a("for", id.clone())))
                .cs(help)
                .cs(warn)
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
        QuestionKind::Email => {
            let input = el("input")
                .a("type", "email")
                .a("part", "field")
                .a("id", id.clone())
                .a("name", q.id.clone())
                .a("autocomplete", "email")
                .a("inputmode", "email")
                .a("spellcheck", "false")
                .a_if(q.required, "required", "")
                .a_if(error.is_some(), "aria-invalid", "true")
                .a_if(
                    !described.is_empty(),
                    "aria-describedby",
                    spaced(&described),
                )
                .a("value", value.to_owned());
            el("div")
                .a("class", class)
                .c(label_text(el("label").a("for", id.clone())))
                .cs(help)
                .cs(err)
                .c(input)
                .into()
        }
    }
}

fn field_message_other(code: ErrorCode, s: &Strings) -> String {
    fill(
        s.errors.for_code(code, Subject::Other),
        crate::schema::OTHER_MAX_LENGTH as usize,
    )
}

/// A poll's opening (`opens`) or closing instant, when it has one.
fn poll_date(form: &Form, opens: bool) -> Option<i64> {
    let poll = form.poll.as_ref()?;
    let at = if opens { &poll.opens } else { &poll.closes };
    at.as_deref().and_then(crate::time::parse_rfc3339)
}

/// A poll's results: a bar per option with its percentage and count, the total, the resident's
/// own choice marked — all as text too — and a one-sentence summary for the live region.
fn results(form: &Form, r: ResultsView, st: &ViewState, s: &Strings) -> (Node, String) {
    let (answers, locale, numbers) = (st.answers, st.locale, st.numbers());
    let section = el("section")
        .a("class", "results")
        .a("aria-labelledby", RESULTS_ID);
    let (q, data) = match (form.questions.first(), r) {
        (Some(q), ResultsView::Shown(data)) => (q, data),
        (_, ResultsView::Loading) => {
            return (
                section
                    .c(el("h3").a("id", RESULTS_ID).t(s.results_title))
                    .c(el("p").a("class", "help").t(s.results_loading))
                    .into(),
                String::new(),
            );
        }
        (_, ResultsView::Failed) => {
            return (
                section
                    .c(el("h3").a("id", RESULTS_ID).t(s.results_title))
                    .c(el("p").a("class", "help").t(s.results_failed))
                    .into(),
                String::new(),
            );
        }
        _ => return (el("div").a("hidden", "").into(), String::new()),
    };
    let Some(qr) = data.questions.iter().find(|r| r.id == q.id) else {
        return (el("div").a("hidden", "").into(), String::new());
    };
    let total = qr.total.unwrap_or(0);
    let votes = |n: u64| {
        let one = locale.singular(n);
        fill_text(
            if one { s.votes_one } else { s.votes_many },
            &numbers.count(n),
        )
    };
    let mine = answers.get(&q.id);
    let mut said = Vec::new();
    let items = qr.options.iter().map(|o| {
        let (label, node) = match q.kind.choice(&o.value) {
            Some(c) => (
                c.label.clone(),
                st.own(&c.label, Text::Choice(&q.id, &c.id)),
            ),
            None if o.value == OTHER => (s.other.to_owned(), Node::Text(s.other.into())),
            None => (o.label.clone(), Node::Text(o.label.clone())),
        };
        let own = mine.is_some_and(|m| m.contains(&o.value));
        let pct = numbers.percent(o.percent, s);
        said.push(cat(&[&label, " ", &pct]));
        let mut name = el("span").a("class", "opt-label").c(node);
        if own {
            name = name.c(el("span")
                .a("class", "mine")
                .t(cat(&[" — ", s.your_choice])));
        }
        el("li")
            .a("class", if own { "result own" } else { "result" })
            .c(name)
            .c(el("meter")
                .a("part", "bar")
                .a("min", "0")
                .a("max", "100")
                .a("value", itoa(o.percent as usize))
                .a("aria-hidden", "true"))
            .c(el("span")
                .a("class", "pct")
                .t(cat(&[&pct, " (", &votes(o.count), ")"])))
            .into()
    });
    let node = section
        .c(el("h3").a("id", RESULTS_ID).a("tabindex", "-1").t(cat(&[
            s.results_title,
            " (",
            &votes(total),
            ")",
        ])))
        .c(el("ul").cs(items))
        .into();
    let summary = cat(&[s.results_title, st.locale.colon(), &said.join(", "), "."]);
    (node, summary)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_sign_after_a_space_never_starts_a_line() {
        for (text, want) in [
            (
                "Voulez-vous nous en dire plus ?",
                "Voulez-vous nous en dire plus\u{a0}?",
            ),
            ("Merci !", "Merci\u{a0}!"),
            ("Note : 4 ; bien", "Note\u{a0}: 4\u{a0}; bien"),
            (
                "marquées « obligatoire » ici",
                "marquées «\u{a0}obligatoire\u{a0}» ici",
            ),
            ("a  ?", "a \u{a0}?"),
            ("?! ? ", "?!\u{a0}? "),
            ("Why? Note: 4", "Why? Note: 4"),
            ("Ihre Meinung?", "Ihre Meinung?"),
            ("رأيكم؟", "رأيكم؟"),
            ("", ""),
        ] {
            assert_eq!(super::shown(text), want, "{text:?}");
        }
        assert!(matches!(
            super::shown("Rien à lier."),
            std::borrow::Cow::Borrowed(_)
        ));
    }

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
            step: 1,
            poll: None,
            strings: None,
            langs: None,
            numbers: None,
            theme: None,
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
        a.insert("note".into(), "average");
        a.insert("c".into(), "Merci");
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
        a.insert("c".into(), "Merci");
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
        // The Arabic words are there when the table is (the collector); the widget puts the
        // fetched pack in its place.
        if cfg!(feature = "locales") {
            assert!(
                html.contains("<span class=\"lbl\">جيد جدًا</span>"),
                "{html}"
            );
        }
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
