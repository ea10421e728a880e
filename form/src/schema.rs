//! Form definitions as webmasters write them (JSON or TOML) and as the widget receives them.
//!
//! One serde model serves everyone: the widget reads it from a JavaScript object through
//! serde-wasm-bindgen, the collector from JSON or TOML files, and the collector writes it back
//! for `GET /v1/forms/{id}`. A question is written flat — `{ "id", "type", "label", … }` —
//! because that is what people type, and read as [`QuestionDef`] (flat, with the fields of every
//! type) before it becomes a typed [`Question`]: no `#[serde(flatten)]`, no internally tagged
//! enum, whose buffering costs the widget kilobytes and whose errors are vague.
//!
//! Every error names its path (`questions[1].max_length: …`): [`crate::shape`] refuses unknown
//! members first, [`Form::read`] reads through `serde_path_to_error`, and the rules a field
//! alone cannot express (a field that does not belong to the question's type, duplicate ids, a
//! condition on a later question) are checked on the typed value.
//!
//! The kinds of question: smileys (3 or 5), stars (1–5), a labelled scale (e.g. 1–5 or 0–10),
//! NPS (0–10), yes/no, single choice, multiple choice (min/max selections, an exclusive choice,
//! "other, please specify"), text (one line or several), email and a consent checkbox. A
//! question may be shown only if an earlier answer says so ([`Condition`]), and questions may be
//! split into steps (`step`). A form with a [`Poll`] is a short poll: one choice question whose
//! results residents may see.

use serde::{Deserialize, Deserializer, Serialize};

use crate::{
    Error, Result,
    answer::{Answers, OTHER, other_key},
    cat,
    i18n::itoa,
    shape::{self, Field, Shape, Tree, opt, req},
    time,
    translations::{self, Translations},
};

/// Default maximum length of a free-text answer, in characters.
pub const DEFAULT_TEXT_MAX_LENGTH: u32 = 1000;
/// Longest "other, please specify" text, in characters.
pub const OTHER_MAX_LENGTH: u32 = 200;
/// Longest email address accepted (RFC 5321's path limit).
pub const EMAIL_MAX_LENGTH: u32 = 254;
/// Longest id accepted for a form, a question or a choice.
pub const MAX_ID_LEN: usize = 64;
/// How a bad id is explained (keep in step with [`MAX_ID_LEN`]).
const ID_RULE: &str = " must be 1 to 64 characters among a-z 0-9 _ -";

/// A form: an id, a title, its questions in order, and, for a short poll, the poll's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// Stable identifier, `[a-z0-9_-]`, used in URLs and in `data-form`.
    pub id: String,
    /// Heading shown above the questions.
    pub title: String,
    /// Optional sentence shown under the title.
    pub description: Option<String>,
    /// The questions, in display order.
    pub questions: Vec<Question>,
    /// Set for a short poll.
    pub poll: Option<Poll>,
    /// The collector asks a proof of work with each answer (`GET /v1/forms/{id}/challenge`):
    /// the widget starts solving one as soon as the form is shown. Set by the collector from
    /// its configuration when it serves the definition; an inline definition may say it too
    /// (otherwise the widget learns it from the collector's `proof_required`).
    pub challenge: bool,
}

/// One question of a form. Written as a [`QuestionDef`]; read through one too (see
/// [`Form::from_definition`], which checks each with its path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "QuestionDef")]
pub struct Question {
    /// Stable identifier, the key of its answer.
    pub id: String,
    /// The question as shown to the resident.
    pub label: String,
    /// Optional hint shown under the label.
    pub help: Option<String>,
    /// Whether an answer is needed to submit.
    pub required: bool,
    /// What kind of answer is asked for.
    pub kind: QuestionKind,
    /// Shown (and validated, and sent) only when this holds.
    pub show_if: Option<Condition>,
    /// The step it is on, as written (`None`: the same as the question before, the first: 1).
    pub step: Option<u32>,
}

/// The kinds of question, with what each needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionKind {
    /// Three or five smileys, worst first (answers [`Smiley::key`]).
    Smileys {
        /// 3 or 5.
        count: u8,
    },
    /// One to five stars (answers `"1"` … `"5"`).
    Stars,
    /// Whole numbers from `min` to `max` (answers their decimal text), with optional end labels.
    Scale {
        /// The lowest value, 0 or more.
        min: u8,
        /// The highest value, at most 10.
        max: u8,
        /// What the lowest value means ("Pas du tout d'accord").
        min_label: Option<String>,
        /// What the highest value means ("Tout à fait d'accord").
        max_label: Option<String>,
    },
    /// Net Promoter Score: 0 to 10, "how likely are you to recommend…"; end labels default to
    /// the locale's.
    Nps {
        /// Overrides the locale's "not at all likely".
        min_label: Option<String>,
        /// Overrides the locale's "extremely likely".
        max_label: Option<String>,
    },
    /// Yes or no (answers `"yes"` / `"no"`).
    YesNo,
    /// One of several choices (answers the choice's id, or `"other"`).
    Choice {
        /// The choices, in display order.
        choices: Vec<Choice>,
        /// Whether to offer "Other, please specify" with a text box.
        other: bool,
    },
    /// Any of several choices (answers a list of choice ids).
    Multiple {
        /// The choices, in display order; at most one may be `exclusive`.
        choices: Vec<Choice>,
        /// Whether to offer "Other, please specify" with a text box.
        other: bool,
        /// At least this many, when answered.
        min_selected: Option<u32>,
        /// At most this many.
        max_selected: Option<u32>,
    },
    /// Free text, at most `max_length` characters.
    Text {
        /// Maximum length in characters (Unicode scalar values).
        max_length: u32,
        /// A multi-line box rather than a single line.
        multiline: bool,
        /// Show the warning not to type personal data.
        personal_data_warning: bool,
    },
    /// An email address (optional unless `required`), checked for its shape.
    Email,
    /// A checkbox the resident ticks to agree (answers `"yes"`); `required` makes it mandatory.
    Consent,
}

/// One choice of a choice question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a choice (an object with id, label)")]
pub struct Choice {
    /// Stable identifier, the answer's value.
    pub id: String,
    /// What the resident reads.
    pub label: String,
    /// Multiple choice only: choosing it clears the others ("I did not need help").
    #[serde(default, skip_serializing_if = "is_false")]
    pub exclusive: bool,
}

/// When a question is shown: a test on the answer to an earlier question. Exactly one of
/// `equals`, `one_of`, `less_than`, `greater_than`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a condition (an object with question and a test)"
)]
pub struct Condition {
    /// The id of an earlier question.
    pub question: String,
    /// Its answer is (or, for multiple choice, includes) this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    /// Its answer is (or includes) one of these values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<String>>,
    /// Its answer is a number below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub less_than: Option<i64>,
    /// Its answer is a number above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greater_than: Option<i64>,
}

/// The members a condition may have (see [`crate::shape`]).
pub const CONDITION_SHAPE: Shape = Shape::Object(&[
    req("question", Shape::Str),
    opt("equals", Shape::Str),
    opt("one_of", Shape::Strs),
    opt("less_than", Shape::Int(i64::MIN, i64::MAX)),
    opt("greater_than", Shape::Int(i64::MIN, i64::MAX)),
]);

/// The members a choice may have.
pub const CHOICE_SHAPE: Shape = Shape::Object(&[
    req("id", Shape::Str),
    req("label", Shape::Str),
    opt("exclusive", Shape::Bool),
]);

/// Who sees a poll's results, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultsShown {
    /// Once the resident has voted (and once the poll is closed).
    #[default]
    AfterVote,
    /// Before voting too.
    Always,
    /// Never in the widget (the site owner reads them in the collector).
    Never,
}

/// A short poll's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a poll (an object with results, opens, closes, one_vote)"
)]
pub struct Poll {
    /// When residents see the results.
    #[serde(default)]
    pub results: ResultsShown,
    /// Votes are accepted from this instant (RFC 3339, e.g. `2026-12-01T09:00:00+01:00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens: Option<String>,
    /// Votes are refused from this instant; the results stay visible (unless `never`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes: Option<String>,
    /// One vote per browser: a flag in `localStorage` (no identifier) hides the question once
    /// voted. On by default.
    #[serde(default = "yes")]
    pub one_vote: bool,
}

fn yes() -> bool {
    true
}

/// The members a poll may have.
pub const POLL_SHAPE: Shape = Shape::Object(&[
    opt("results", Shape::OneOf(&["after_vote", "always", "never"])),
    opt("opens", Shape::Str),
    opt("closes", Shape::Str),
    opt("one_vote", Shape::Bool),
]);

/// Where a poll is in its life at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollState {
    /// Before `opens`.
    NotOpen,
    /// Accepting votes.
    Open,
    /// After `closes`.
    Closed,
}

impl Poll {
    /// Whether the poll accepts votes at `now_ms` (milliseconds since the Unix epoch).
    pub fn state(&self, now_ms: i64) -> PollState {
        let at = |s: &Option<String>| s.as_deref().and_then(time::parse_rfc3339);
        if at(&self.opens).is_some_and(|o| now_ms < o) {
            PollState::NotOpen
        } else if at(&self.closes).is_some_and(|c| now_ms >= c) {
            PollState::Closed
        } else {
            PollState::Open
        }
    }
}

/// The `type` of a question as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindName {
    /// [`QuestionKind::Smileys`].
    Smileys,
    /// [`QuestionKind::Stars`].
    Stars,
    /// [`QuestionKind::Scale`].
    Scale,
    /// [`QuestionKind::Nps`].
    Nps,
    /// [`QuestionKind::YesNo`].
    YesNo,
    /// [`QuestionKind::Choice`].
    Choice,
    /// [`QuestionKind::Multiple`].
    Multiple,
    /// [`QuestionKind::Text`].
    Text,
    /// [`QuestionKind::Email`].
    Email,
    /// [`QuestionKind::Consent`].
    Consent,
}

impl KindName {
    /// The name as written in definitions.
    pub fn as_str(self) -> &'static str {
        match self {
            KindName::Smileys => "smileys",
            KindName::Stars => "stars",
            KindName::Scale => "scale",
            KindName::Nps => "nps",
            KindName::YesNo => "yes_no",
            KindName::Choice => "choice",
            KindName::Multiple => "multiple",
            KindName::Text => "text",
            KindName::Email => "email",
            KindName::Consent => "consent",
        }
    }

    /// The fields a question of this type may have besides the common ones.
    fn fields(self) -> &'static [&'static str] {
        match self {
            KindName::Smileys => &["count"],
            KindName::Scale => &["min", "max", "min_label", "max_label"],
            KindName::Nps => &["min_label", "max_label"],
            KindName::Choice => &["choices", "other"],
            KindName::Multiple => &["choices", "other", "min_selected", "max_selected"],
            KindName::Text => &["max_length", "multiline", "personal_data_warning"],
            KindName::Stars | KindName::YesNo | KindName::Email | KindName::Consent => &[],
        }
    }
}

impl QuestionKind {
    /// The kind's `type` name.
    pub fn name(&self) -> KindName {
        match self {
            QuestionKind::Smileys { .. } => KindName::Smileys,
            QuestionKind::Stars => KindName::Stars,
            QuestionKind::Scale { .. } => KindName::Scale,
            QuestionKind::Nps { .. } => KindName::Nps,
            QuestionKind::YesNo => KindName::YesNo,
            QuestionKind::Choice { .. } => KindName::Choice,
            QuestionKind::Multiple { .. } => KindName::Multiple,
            QuestionKind::Text { .. } => KindName::Text,
            QuestionKind::Email => KindName::Email,
            QuestionKind::Consent => KindName::Consent,
        }
    }

    /// The values an answer may take, in display order, for kinds with a fixed set (smileys,
    /// stars, scales, yes/no, choices — `"other"` included when offered); `None` for text,
    /// email and consent.
    pub fn options(&self) -> Option<Vec<String>> {
        let range = |a: u8, b: u8| (a..=b).map(|n| itoa(n.into())).collect();
        Some(match self {
            QuestionKind::Smileys { count } => Smiley::of(*count)
                .iter()
                .map(|s| s.key().to_owned())
                .collect(),
            QuestionKind::Stars => range(1, 5),
            QuestionKind::Scale { min, max, .. } => range(*min, *max),
            QuestionKind::Nps { .. } => range(0, 10),
            QuestionKind::YesNo => vec!["yes".into(), "no".into()],
            QuestionKind::Choice { choices, other }
            | QuestionKind::Multiple { choices, other, .. } => {
                let mut ids: Vec<String> = choices.iter().map(|c| c.id.clone()).collect();
                if *other {
                    ids.push(OTHER.into());
                }
                ids
            }
            QuestionKind::Text { .. } | QuestionKind::Email | QuestionKind::Consent => {
                return None;
            }
        })
    }

    /// Whether answers are numbers (stars, scales, NPS), so `less_than`/`greater_than` apply.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            QuestionKind::Stars | QuestionKind::Scale { .. } | QuestionKind::Nps { .. }
        )
    }

    /// Whether the answer is a list.
    pub fn is_multiple(&self) -> bool {
        matches!(self, QuestionKind::Multiple { .. })
    }

    /// The choice with id `id`, for choice kinds.
    pub fn choice(&self, id: &str) -> Option<&Choice> {
        match self {
            QuestionKind::Choice { choices, .. } | QuestionKind::Multiple { choices, .. } => {
                choices.iter().find(|c| c.id == id)
            }
            _ => None,
        }
    }

    /// Whether "Other, please specify" is offered.
    pub fn has_other(&self) -> bool {
        matches!(
            self,
            QuestionKind::Choice { other: true, .. } | QuestionKind::Multiple { other: true, .. }
        )
    }
}

/// A question exactly as written: flat, with the fields of every type. [`Question`] is read
/// through it, which checks that each field belongs to the question's `type`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a question (an object with id, type, label…)"
)]
pub struct QuestionDef {
    /// See [`Question::id`].
    pub id: String,
    /// The kind of question.
    #[serde(rename = "type")]
    pub kind: Option<KindName>,
    /// See [`Question::label`].
    pub label: String,
    /// See [`Question::help`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// See [`Question::required`].
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// See [`Question::show_if`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
    /// See [`Question::step`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u32>,
    /// Smileys: 3 or 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u8>,
    /// Scale: the lowest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u8>,
    /// Scale: the highest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u8>,
    /// Scale, NPS: what the lowest value means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_label: Option<String>,
    /// Scale, NPS: what the highest value means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_label: Option<String>,
    /// Choice, multiple: the choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<Choice>>,
    /// Choice, multiple: offer "Other, please specify".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<bool>,
    /// Multiple: at least this many, when answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_selected: Option<u32>,
    /// Multiple: at most this many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_selected: Option<u32>,
    /// Text: the maximum length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Text: several lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiline: Option<bool>,
    /// Text: warn against typing personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_data_warning: Option<bool>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What a definition holds, as written: the form, the language it is written in and its
/// translations (see [`crate::translations`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a form definition (an object with id, title, questions…)"
)]
pub struct Definition {
    /// See [`Form::id`].
    pub id: String,
    /// The language the definition is written in (a locale tag, French when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// See [`Form::title`].
    pub title: String,
    /// See [`Form::description`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// See [`Form::questions`].
    pub questions: Vec<QuestionDef>,
    /// See [`Form::poll`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll: Option<Poll>,
    /// See [`Form::challenge`].
    #[serde(default, skip_serializing_if = "is_false")]
    pub challenge: bool,
    /// The definition's words in other languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<translations::Table>,
}

/// The members of each object of a definition (checked before the typed read, see
/// [`crate::shape`]). A test holds these names equal to the serde structs'.
pub const DEFINITION_SHAPE: Shape = Shape::Object(&[
    req("id", Shape::Str),
    opt("lang", Shape::Str),
    req("title", Shape::Str),
    opt("description", Shape::Str),
    req("questions", Shape::List(&QUESTION_SHAPE)),
    opt("poll", POLL_SHAPE),
    opt("challenge", Shape::Bool),
    opt("translations", Shape::Map(&translations::SHAPE)),
]);

/// The `type`s of question, as written.
pub const KIND_NAMES: &[&str] = &[
    "smileys", "stars", "scale", "nps", "yes_no", "choice", "multiple", "text", "email", "consent",
];

const U8: Shape = Shape::Int(0, u8::MAX as i64);
const U32: Shape = Shape::Int(0, u32::MAX as i64);

/// The members a question may have, whatever its type.
pub const QUESTION_SHAPE: Shape = Shape::Object(QUESTION_FIELDS);

const QUESTION_FIELDS: &[Field] = &[
    req("id", Shape::Str),
    req("type", Shape::OneOf(KIND_NAMES)),
    req("label", Shape::Str),
    opt("help", Shape::Str),
    opt("required", Shape::Bool),
    opt("show_if", CONDITION_SHAPE),
    opt("step", U32),
    opt("count", U8),
    opt("min", U8),
    opt("max", U8),
    opt("min_label", Shape::Str),
    opt("max_label", Shape::Str),
    opt("choices", Shape::List(&CHOICE_SHAPE)),
    opt("other", Shape::Bool),
    opt("min_selected", U32),
    opt("max_selected", U32),
    opt("max_length", U32),
    opt("multiline", Shape::Bool),
    opt("personal_data_warning", Shape::Bool),
];

impl TryFrom<QuestionDef> for Question {
    type Error = String;

    fn try_from(d: QuestionDef) -> core::result::Result<Question, String> {
        let Some(name) = d.kind else {
            return Err(
                "missing field `type` (expected one of `smileys`, `stars`, `scale`, \
                        `nps`, `yes_no`, `choice`, `multiple`, `text`, `email`, `consent`)"
                    .into(),
            );
        };
        // A field set that this type does not have is refused: a misplaced field is a mistake.
        let set = [
            ("count", d.count.is_some()),
            ("min", d.min.is_some()),
            ("max", d.max.is_some()),
            ("min_label", d.min_label.is_some()),
            ("max_label", d.max_label.is_some()),
            ("choices", d.choices.is_some()),
            ("other", d.other.is_some()),
            ("min_selected", d.min_selected.is_some()),
            ("max_selected", d.max_selected.is_some()),
            ("max_length", d.max_length.is_some()),
            ("multiline", d.multiline.is_some()),
            ("personal_data_warning", d.personal_data_warning.is_some()),
        ];
        if let Some((field, _)) = set
            .iter()
            .find(|(f, is_set)| *is_set && !name.fields().contains(f))
        {
            return Err(cat(&[
                "field `",
                field,
                "` is not allowed for type `",
                name.as_str(),
                "`",
            ]));
        }
        let kind = match name {
            KindName::Smileys => {
                let count = d.count.unwrap_or(3);
                if count != 3 && count != 5 {
                    return Err("field `count` must be 3 or 5".into());
                }
                QuestionKind::Smileys { count }
            }
            KindName::Stars => QuestionKind::Stars,
            KindName::Scale => {
                let (min, max) = (d.min.unwrap_or(1), d.max.unwrap_or(5));
                if min > 1 || max > 10 || max <= min {
                    return Err(
                        "fields `min` and `max`: the scale must start at 0 or 1, end at \
                                10 at most, and end above its start"
                            .into(),
                    );
                }
                QuestionKind::Scale {
                    min,
                    max,
                    min_label: d.min_label,
                    max_label: d.max_label,
                }
            }
            KindName::Nps => QuestionKind::Nps {
                min_label: d.min_label,
                max_label: d.max_label,
            },
            KindName::YesNo => QuestionKind::YesNo,
            KindName::Choice | KindName::Multiple => {
                let choices = d.choices.unwrap_or_default();
                check_choices(&choices, name == KindName::Multiple)?;
                let other = d.other.unwrap_or(false);
                if other && choices.iter().any(|c| c.id == OTHER) {
                    return Err(
                        "choices: the id `other` is kept for \"Other, please specify\" \
                                (`other = true`)"
                            .into(),
                    );
                }
                if name == KindName::Choice {
                    QuestionKind::Choice { choices, other }
                } else {
                    let offered = choices.len() as u32 + u32::from(other);
                    let (lo, hi) = (d.min_selected, d.max_selected);
                    if lo == Some(0) || hi == Some(0) {
                        return Err(
                            "fields `min_selected` and `max_selected` must be at least 1".into(),
                        );
                    }
                    if lo.zip(hi).is_some_and(|(lo, hi)| lo > hi) {
                        return Err("field `min_selected` is above `max_selected`".into());
                    }
                    if lo.max(hi).is_some_and(|n| n > offered) {
                        return Err(cat(&[
                            "fields `min_selected` and `max_selected` must not exceed the \
                             number of choices (",
                            &itoa(offered as usize),
                            ")",
                        ]));
                    }
                    QuestionKind::Multiple {
                        choices,
                        other,
                        min_selected: lo,
                        max_selected: hi,
                    }
                }
            }
            KindName::Text => {
                let max_length = d.max_length.unwrap_or(DEFAULT_TEXT_MAX_LENGTH);
                if max_length == 0 {
                    return Err("field `max_length` must be at least 1".into());
                }
                QuestionKind::Text {
                    max_length,
                    multiline: d.multiline.unwrap_or(false),
                    personal_data_warning: d.personal_data_warning.unwrap_or(false),
                }
            }
            KindName::Email => QuestionKind::Email,
            KindName::Consent => QuestionKind::Consent,
        };
        if d.step == Some(0) {
            return Err("field `step` must be at least 1".into());
        }
        Ok(Question {
            id: d.id,
            label: d.label,
            help: d.help,
            required: d.required,
            kind,
            show_if: d.show_if,
            step: d.step,
        })
    }
}

/// Choices: at least two, valid unique ids, non-blank labels, one exclusive at most (and only
/// in multiple choice).
fn check_choices(choices: &[Choice], multiple: bool) -> core::result::Result<(), String> {
    if choices.len() < 2 {
        return Err("field `choices`: give at least two choices".into());
    }
    for (i, c) in choices.iter().enumerate() {
        let at = cat(&["choices[", &itoa(i), "]"]);
        if !is_valid_id(&c.id) {
            return Err(cat(&[&at, ".id: choice id `", &c.id, "`", ID_RULE]));
        }
        if choices.iter().take(i).any(|p| p.id == c.id) {
            return Err(cat(&[&at, ".id: choice id `", &c.id, "` is used twice"]));
        }
        if crate::answer::is_blank(&c.label) {
            return Err(cat(&[&at, ".label: must not be blank"]));
        }
        if c.exclusive && !multiple {
            return Err(cat(&[
                &at,
                ".exclusive: only a multiple-choice question has one",
            ]));
        }
    }
    if choices.iter().filter(|c| c.exclusive).count() > 1 {
        return Err("choices: only one choice may be `exclusive`".into());
    }
    Ok(())
}

impl From<Question> for QuestionDef {
    fn from(q: Question) -> QuestionDef {
        let mut d = QuestionDef {
            id: q.id,
            kind: Some(q.kind.name()),
            label: q.label,
            help: q.help,
            required: q.required,
            show_if: q.show_if,
            step: q.step,
            ..QuestionDef::default()
        };
        match q.kind {
            // Three is the default: not written, so definitions read back as written.
            QuestionKind::Smileys { count } => d.count = (count != 3).then_some(count),
            QuestionKind::Scale {
                min,
                max,
                min_label,
                max_label,
            } => {
                (d.min, d.max) = (Some(min), Some(max));
                (d.min_label, d.max_label) = (min_label, max_label);
            }
            QuestionKind::Nps {
                min_label,
                max_label,
            } => (d.min_label, d.max_label) = (min_label, max_label),
            QuestionKind::Choice { choices, other } => {
                d.choices = Some(choices);
                d.other = other.then_some(true);
            }
            QuestionKind::Multiple {
                choices,
                other,
                min_selected,
                max_selected,
            } => {
                d.choices = Some(choices);
                d.other = other.then_some(true);
                (d.min_selected, d.max_selected) = (min_selected, max_selected);
            }
            QuestionKind::Text {
                max_length,
                multiline,
                personal_data_warning,
            } => {
                d.max_length = Some(max_length);
                d.multiline = Some(multiline);
                d.personal_data_warning = personal_data_warning.then_some(true);
            }
            QuestionKind::Stars
            | QuestionKind::YesNo
            | QuestionKind::Email
            | QuestionKind::Consent => {}
        }
        d
    }
}

/// The smileys, worst first. Each one has a text label (RGAA 13.5): the face is decoration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smiley {
    /// "Très mal" (five smileys only).
    VeryBad,
    /// "Pas bien".
    Bad,
    /// "Moyen".
    Average,
    /// "Bien" (five smileys only).
    Fine,
    /// "Très bien".
    Good,
}

impl Smiley {
    /// Three smileys in display order.
    pub const ALL: [Smiley; 3] = [Smiley::Bad, Smiley::Average, Smiley::Good];
    /// Five smileys in display order.
    pub const FIVE: [Smiley; 5] = [
        Smiley::VeryBad,
        Smiley::Bad,
        Smiley::Average,
        Smiley::Fine,
        Smiley::Good,
    ];

    /// The smileys of a question with `count` of them (3 or 5).
    pub fn of(count: u8) -> &'static [Smiley] {
        if count == 5 {
            &Smiley::FIVE
        } else {
            &Smiley::ALL
        }
    }

    /// The answer value sent for this smiley.
    pub fn key(self) -> &'static str {
        match self {
            Smiley::VeryBad => "very_bad",
            Smiley::Bad => "bad",
            Smiley::Average => "average",
            Smiley::Fine => "fine",
            Smiley::Good => "good",
        }
    }

    /// The smiley whose key is `key`.
    pub fn from_key(key: &str) -> Option<Smiley> {
        Smiley::FIVE.into_iter().find(|s| s.key() == key)
    }

    /// Its score on the 1 (worst) to `count` scale.
    pub fn score(self, count: u8) -> u8 {
        let i = Smiley::of(count).iter().position(|s| *s == self);
        i.map_or(0, |i| i as u8 + 1)
    }

    /// The CSS classes of the face drawn for this smiley. The face is drawn in CSS, not with an
    /// emoji: emoji fonts are missing on some systems (a blank box instead of a face), and a
    /// drawn face follows the text colour, forced colours included. It is decoration: the label
    /// carries the meaning.
    pub fn face_class(self) -> &'static str {
        match self {
            Smiley::VeryBad => "face very_bad",
            Smiley::Bad => "face bad",
            Smiley::Average => "face average",
            Smiley::Fine => "face fine",
            Smiley::Good => "face good",
        }
    }
}

/// Whether `id` is a valid form, question or choice id: 1 to 64 of `a-z 0-9 _ -`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Condition {
    /// Whether `answers` satisfy this condition (an unanswered question satisfies none).
    pub fn holds(&self, answers: &Answers) -> bool {
        let Some(a) = answers.get(&self.question) else {
            return false;
        };
        if let Some(v) = &self.equals {
            return a.contains(v);
        }
        if let Some(vs) = &self.one_of {
            return vs.iter().any(|v| a.contains(v));
        }
        let n = a.as_one().and_then(|s| s.trim().parse::<i64>().ok());
        match (n, self.less_than, self.greater_than) {
            (Some(n), Some(lt), _) => n < lt,
            (Some(n), None, Some(gt)) => n > gt,
            _ => false,
        }
    }
}

impl Form {
    /// Reads a definition from any serde source — a JavaScript object (serde-wasm-bindgen),
    /// JSON, TOML — and checks it: the form ([`Form::check`]) and its translations. `tree` is
    /// the same document as a [`Tree`], to refuse unknown members first (see [`crate::shape`]).
    /// Errors name their path.
    pub fn read<'de, T: Tree, D: Deserializer<'de>>(
        tree: &T,
        source: D,
    ) -> Result<(Form, Translations)> {
        shape::check(tree, &DEFINITION_SHAPE).map_err(Error::Invalid)?;
        // The shape fits, so this cannot fail on a type or a name; were it to, the message
        // still says what serde found.
        let def = Definition::deserialize(source)
            .map_err(|e| Error::Invalid(path_error("", &e.to_string())))?;
        Form::from_definition(def)
    }

    /// Checks a definition read as written and splits it into the form and its translations.
    pub fn from_definition(def: Definition) -> Result<(Form, Translations)> {
        let mut questions = Vec::with_capacity(def.questions.len());
        for (i, q) in def.questions.into_iter().enumerate() {
            let q = Question::try_from(q)
                .map_err(|e| Error::Invalid(cat(&["questions[", &itoa(i), "]: ", &e])))?;
            questions.push(q);
        }
        let form = Form {
            id: def.id,
            title: def.title,
            description: def.description,
            questions,
            poll: def.poll,
            challenge: def.challenge,
        };
        form.check()?;
        let translations = Translations::read(&form, def.lang.as_deref(), def.translations)
            .map_err(Error::Invalid)?;
        Ok((form, translations))
    }

    /// Reads a form from JSON text and checks it; its translations, if any, are checked and
    /// dropped (see [`Form::from_json_with_translations`]).
    pub fn from_json(text: &str) -> Result<Form> {
        Form::from_json_with_translations(text).map(|(form, _)| form)
    }

    /// Reads a definition and its translations from JSON text.
    pub fn from_json_with_translations(text: &str) -> Result<(Form, Translations)> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| Error::Invalid(e.to_string()))?;
        Form::read(&value, &value)
    }

    /// Reads a form from TOML text and checks it (translations checked and dropped).
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str) -> Result<Form> {
        Form::from_toml_with_translations(text).map(|(form, _)| form)
    }

    /// Reads a definition and its translations from TOML text.
    #[cfg(feature = "toml")]
    pub fn from_toml_with_translations(text: &str) -> Result<(Form, Translations)> {
        let table: toml::Table = toml::from_str(text)?;
        let mut value = toml::Value::Table(table);
        dates_as_text(&mut value);
        Form::read(&value, value.clone())
    }

    /// The definition as written, without translations, saying it is written in `lang` when
    /// that is given.
    pub fn definition(&self, lang: Option<&str>) -> Definition {
        Definition {
            id: self.id.clone(),
            lang: lang.map(str::to_owned),
            title: self.title.clone(),
            description: self.description.clone(),
            questions: self
                .questions
                .iter()
                .cloned()
                .map(QuestionDef::from)
                .collect(),
            poll: self.poll.clone(),
            challenge: self.challenge,
            translations: None,
        }
    }

    /// The definition as compact JSON (what `GET /v1/forms/{id}` serves).
    pub fn to_json(&self) -> String {
        self.to_json_in(None)
    }

    /// The definition as compact JSON, with a `lang` member when `lang` is given.
    pub fn to_json_in(&self, lang: Option<&str>) -> String {
        // Strings, numbers and booleans only: serialising cannot fail.
        serde_json::to_string(&self.definition(lang)).unwrap_or_default()
    }

    /// Checks the rules a reader cannot see field by field: valid and unique ids, at least one
    /// question, steps in order, conditions on earlier questions with values they can take, a
    /// poll's single choice question and dates.
    pub fn check(&self) -> Result<()> {
        let bad = |parts: &[&str]| Err(Error::Invalid(cat(parts)));
        if !is_valid_id(&self.id) {
            return bad(&["id: form id `", &self.id, "`", ID_RULE]);
        }
        if self.questions.is_empty() {
            return bad(&["questions: form `", &self.id, "` has no questions"]);
        }
        let mut step = 1;
        for (i, q) in self.questions.iter().enumerate() {
            let at = cat(&["questions[", &itoa(i), "]"]);
            if !is_valid_id(&q.id) {
                return bad(&[&at, ".id: question id `", &q.id, "`", ID_RULE]);
            }
            if self.questions.iter().take(i).any(|p| p.id == q.id) {
                return bad(&[&at, ".id: question id `", &q.id, "` is used twice"]);
            }
            if crate::answer::is_blank(&q.label) {
                return bad(&[&at, ".label: question `", &q.id, "` has an empty label"]);
            }
            if let Some(s) = q.step {
                if s < step {
                    return bad(&[
                        &at,
                        ".step: steps go in order (this question comes after step ",
                        &itoa(step as usize),
                        ")",
                    ]);
                }
                step = s;
            }
            if let Some(c) = &q.show_if {
                self.check_condition(c, i)
                    .map_err(|e| Error::Invalid(cat(&[&at, ".show_if", &e])))?;
            }
        }
        if let Some(poll) = &self.poll {
            let only = match self.questions.as_slice() {
                [q] => matches!(
                    q.kind,
                    QuestionKind::Choice { .. } | QuestionKind::Multiple { .. }
                ),
                _ => false,
            };
            if !only {
                return bad(&[
                    "poll: a poll has exactly one question, of type `choice` or `multiple`",
                ]);
            }
            let mut at = [None, None];
            for (i, (name, value)) in [("opens", &poll.opens), ("closes", &poll.closes)]
                .into_iter()
                .enumerate()
            {
                if let Some(v) = value {
                    at[i] = Some(time::parse_rfc3339(v).ok_or_else(|| {
                        Error::Invalid(cat(&[
                            "poll.",
                            name,
                            ": `",
                            v,
                            "` is not a date and time such as 2026-12-31T18:00:00+01:00",
                        ]))
                    })?);
                }
            }
            if let [Some(o), Some(c)] = at
                && c <= o
            {
                return bad(&["poll.closes: the poll closes before it opens"]);
            }
        }
        Ok(())
    }

    // `c`, on question number `i`: a test of an earlier question with values it can take.
    fn check_condition(&self, c: &Condition, i: usize) -> core::result::Result<(), String> {
        let tests = [
            c.equals.is_some(),
            c.one_of.is_some(),
            c.less_than.is_some(),
            c.greater_than.is_some(),
        ];
        if tests.iter().filter(|t| **t).count() != 1 {
            return Err(
                ": give exactly one of `equals`, `one_of`, `less_than`, `greater_than`".into(),
            );
        }
        let Some(target) = self.questions.iter().take(i).find(|q| q.id == c.question) else {
            return Err(cat(&[".question: no earlier question `", &c.question, "`"]));
        };
        if (c.less_than.is_some() || c.greater_than.is_some()) && !target.kind.is_numeric() {
            return Err(cat(&[
                ": `less_than` and `greater_than` need a question answered with a number (stars, scale, nps); `",
                &c.question,
                "` is not",
            ]));
        }
        let values: Vec<&String> = c.equals.iter().chain(c.one_of.iter().flatten()).collect();
        if let Some(options) = target.kind.options()
            && let Some(v) = values.iter().find(|v| !options.contains(v))
        {
            return Err(cat(&[
                ": `",
                v,
                "` is not an answer to `",
                &c.question,
                "` (expected one of: ",
                &options.join(", "),
                ")",
            ]));
        }
        Ok(())
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// Whether question number `i` is shown, given `answers`: its condition holds, and the
    /// question the condition reads is itself shown.
    pub fn is_shown(&self, i: usize, answers: &Answers) -> bool {
        let Some(q) = self.questions.get(i) else {
            return false;
        };
        let Some(c) = &q.show_if else {
            return true;
        };
        let target = self
            .questions
            .iter()
            .take(i)
            .position(|p| p.id == c.question);
        target.is_some_and(|t| self.is_shown(t, answers)) && c.holds(answers)
    }

    /// The step number of each question (its own, else the one before it, the first: 1).
    pub fn steps(&self) -> Vec<u32> {
        let mut step = 1;
        self.questions
            .iter()
            .map(|q| {
                step = q.step.unwrap_or(step);
                step
            })
            .collect()
    }

    /// The steps that have at least one question shown given `answers`, in order.
    pub fn shown_steps(&self, answers: &Answers) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for (i, s) in self.steps().into_iter().enumerate() {
            if self.is_shown(i, answers) && !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    /// Removes what is not to be sent: answers to questions not shown, to no question of the
    /// form, and "other" texts whose choice is not chosen. The widget sends what is left; the
    /// collector does the same on receipt, so a hidden question's answer is never stored.
    pub fn prune(&self, answers: &mut Answers) {
        let shown: Vec<&str> = (0..self.questions.len())
            .filter(|&i| self.is_shown(i, answers))
            .map(|i| self.questions[i].id.as_str())
            .collect();
        answers.retain(|key, _| match key.strip_suffix(".other") {
            Some(id) => {
                shown.contains(&id) && self.question(id).is_some_and(|q| q.kind.has_other())
            }
            None => shown.contains(&key) || self.question(key).is_none(),
        });
        let without_other: Vec<String> = self
            .questions
            .iter()
            .filter(|q| q.kind.has_other())
            .filter(|q| !answers.get(&q.id).is_some_and(|a| a.contains(OTHER)))
            .map(|q| other_key(&q.id))
            .collect();
        answers.retain(|key, _| !without_other.iter().any(|k| k == key));
    }
}

/// A TOML date and time written unquoted (`closes = 2027-01-31T23:59:00+01:00`) becomes its
/// text, which is what the fields that hold one read.
#[cfg(feature = "toml")]
fn dates_as_text(v: &mut toml::Value) {
    match v {
        toml::Value::Datetime(d) => *v = toml::Value::String(d.to_string()),
        toml::Value::Array(items) => items.iter_mut().for_each(dates_as_text),
        toml::Value::Table(t) => t.iter_mut().for_each(|(_, v)| dates_as_text(v)),
        _ => {}
    }
}

/// `path: message`, or `(top level): message`.
pub(crate) fn path_error(path: &str, message: &str) -> String {
    // serde-wasm-bindgen's errors are JS `Error`s, which print as "Error: …".
    let message = message.strip_prefix("Error: ").unwrap_or(message);
    // toml's errors add lines locating the key, which the path already names.
    let message = message.lines().next().unwrap_or_default().trim_end();
    if path == "." || path.is_empty() {
        cat(&["(top level): ", message])
    } else {
        cat(&[path, ": ", message])
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const SATISFACTION: &str = r#"{
        "id": "satisfaction",
        "title": "Votre avis sur cette page",
        "questions": [
            { "id": "note", "type": "smileys", "label": "Comment ça s'est passé ?", "required": true },
            { "id": "commentaire", "type": "text", "label": "Un commentaire ?", "multiline": true,
              "max_length": 500, "help": "N'indiquez pas de données personnelles." }
        ]
    }"#;

    fn err(json: &str) -> String {
        Form::from_json(json).unwrap_err().to_string()
    }

    #[test]
    fn reads_both_kinds_from_json() {
        let f = Form::from_json(SATISFACTION).unwrap();
        assert_eq!(f.questions.len(), 2);
        assert_eq!(f.questions[0].kind, QuestionKind::Smileys { count: 3 });
        assert!(f.questions[0].required);
        assert_eq!(
            f.questions[1].kind,
            QuestionKind::Text {
                max_length: 500,
                multiline: true,
                personal_data_warning: false
            }
        );
        assert!(!f.questions[1].required);
    }

    #[test]
    fn text_defaults() {
        let f = Form::from_json(
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l"}]}"#,
        )
        .unwrap();
        assert_eq!(
            f.questions[0].kind,
            QuestionKind::Text {
                max_length: DEFAULT_TEXT_MAX_LENGTH,
                multiline: false,
                personal_data_warning: false
            }
        );
    }

    #[test]
    fn json_round_trip_and_stable_output() {
        let f = Form::from_json(SATISFACTION).unwrap();
        let again = Form::from_json(&f.to_json()).unwrap();
        assert_eq!(f, again);
        assert_eq!(
            f.to_json_in(Some("fr")),
            r#"{"id":"satisfaction","lang":"fr","title":"Votre avis sur cette page","questions":[{"id":"note","type":"smileys","label":"Comment ça s'est passé ?","required":true},{"id":"commentaire","type":"text","label":"Un commentaire ?","help":"N'indiquez pas de données personnelles.","max_length":500,"multiline":true}]}"#
        );
    }

    #[test]
    fn rejects_unknown_fields_naming_them_with_their_path() {
        let e = err(
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","colour":1}]}"#,
        );
        assert_eq!(
            e,
            "invalid form definition: questions[0]: unknown field `colour` (expected one of: \
             id, type, label, help, required, show_if, step, count, min, max, min_label, \
             max_label, choices, other, min_selected, max_selected, max_length, multiline, \
             personal_data_warning)"
        );
        let e = err(r#"{"id":"a","title":"t","questions":[],"titel":"x"}"#);
        assert!(e.contains("(top level): unknown field `titel`"), "{e}");
    }

    #[test]
    fn wrong_types_name_their_path() {
        let e = err(
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l"},{"id":"d","type":"text","label":"l","max_length":"5"}]}"#,
        );
        assert!(
            e.contains("questions[1].max_length: expected a whole number from 0 to 4294967295, found a string"),
            "{e}"
        );
        let e = err(r#"{"id":"a","title":3,"questions":[]}"#);
        assert!(
            e.contains("title: expected a string, found the number 3"),
            "{e}"
        );
        let e = err(r#"{"id":"a","title":"t"}"#);
        assert!(e.contains("(top level): missing field `questions`"), "{e}");
        let e = err(r#"[1]"#);
        assert!(
            e.contains("(top level): expected an object, found a list"),
            "{e}"
        );
        let e = err(r#"{"id":"a","title":"t","questions":[["c","text","l"]]}"#);
        assert!(
            e.contains("questions[0]: expected an object, found a list"),
            "{e}"
        );
        let e = err(r#"{"id":"a","title":"t","questions":[{"id":"c","label":"l"}]}"#);
        assert!(e.contains("questions[0]: missing field `type`"), "{e}");
    }

    #[test]
    fn rejects_fields_of_another_type_and_unknown_types() {
        let e = err(
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"smileys","label":"l","max_length":3}]}"#,
        );
        assert!(
            e.contains("questions[0]: field `max_length` is not allowed for type `smileys`"),
            "{e}"
        );
        let e =
            err(r#"{"id":"a","title":"t","questions":[{"id":"c","type":"rating","label":"l"}]}"#);
        assert!(
            e.contains(
                "questions[0].type: unknown value `rating` (expected one of: smileys, stars"
            ),
            "{e}"
        );
    }

    #[test]
    fn rejects_bad_and_duplicate_ids_and_empty_forms() {
        for (json, needle) in [
            (
                r#"{"id":"A b","title":"t","questions":[{"id":"c","type":"text","label":"l"}]}"#,
                "id: form id",
            ),
            (r#"{"id":"a","title":"t","questions":[]}"#, "no questions"),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l"},{"id":"c","type":"smileys","label":"m"}]}"#,
                "questions[1].id: question id `c` is used twice",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":" "}]}"#,
                "empty label",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","max_length":0}]}"#,
                "questions[0]: field `max_length` must be at least 1",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","max_length":-1}]}"#,
                "questions[0].max_length: expected a whole number from 0 to 4294967295, found the number -1",
            ),
        ] {
            let e = err(json);
            assert!(e.contains(needle), "{json}: {e}");
        }
    }

    #[cfg(feature = "toml")]
    #[test]
    fn reads_toml_with_the_same_rules() {
        let f = Form::from_toml(
            r#"
            id = "satisfaction"
            title = "Votre avis"
            [[questions]]
            id = "note"
            type = "smileys"
            label = "Comment ça s'est passé ?"
            required = true
            [[questions]]
            id = "commentaire"
            type = "text"
            label = "Un commentaire ?"
            max_length = 300
            "#,
        )
        .unwrap();
        assert_eq!(f.questions.len(), 2);
        assert_eq!(
            f.question("commentaire").unwrap().kind,
            QuestionKind::Text {
                max_length: 300,
                multiline: false,
                personal_data_warning: false
            }
        );
        let e = Form::from_toml(
            "id = \"a\"\ntitle = \"t\"\n[[questions]]\nid = \"c\"\ntype = \"text\"\nlabel = \"l\"\nmax_lenght = 3\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("questions[0]: unknown field `max_lenght`"),
            "{e}"
        );
        let e = Form::from_toml("id = \"a\"\ntitle = 3\nquestions = []\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("title: expected a string, found the number 3"),
            "{e}"
        );
    }

    /// The mistakes a webmaster makes, each refused with one message naming where it is —
    /// the same message whether the definition is JSON or TOML (and, in the browser tests, a
    /// JavaScript object).
    #[cfg(feature = "toml")]
    #[test]
    fn every_mistake_is_named_with_its_path_in_json_and_toml() {
        const HEAD: &str = "id = \"a\"\ntitle = \"t\"\n";
        const Q: &str = "[[questions]]\nid = \"c\"\ntype = \"text\"\nlabel = \"l\"\n";
        for (json, toml, expected) in [
            (
                r#"{"id":"a","titel":"t","questions":[]}"#,
                "id = \"a\"\ntitel = \"t\"\nquestions = []\n".to_owned(),
                "(top level): unknown field `titel` (expected one of: id, lang, title, \
                 description, questions, poll, challenge, translations)",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","max_lenght":3}]}"#,
                format!("{HEAD}{Q}max_lenght = 3\n"),
                "questions[0]: unknown field `max_lenght`",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"smileys","label":"l","multiline":true}]}"#,
                format!(
                    "{HEAD}[[questions]]\nid = \"c\"\ntype = \"smileys\"\nlabel = \"l\"\nmultiline = true\n"
                ),
                "questions[0]: field `multiline` is not allowed for type `smileys`",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","required":"yes"}]}"#,
                format!("{HEAD}{Q}required = \"yes\"\n"),
                "questions[0].required: expected true or false, found a string",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"texte","label":"l"}]}"#,
                format!("{HEAD}[[questions]]\nid = \"c\"\ntype = \"texte\"\nlabel = \"l\"\n"),
                "questions[0].type: unknown value `texte` (expected one of: smileys, stars,",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text"}]}"#,
                format!("{HEAD}[[questions]]\nid = \"c\"\ntype = \"text\"\n"),
                "questions[0]: missing field `label`",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"C d","type":"text","label":"l"}]}"#,
                format!("{HEAD}[[questions]]\nid = \"C d\"\ntype = \"text\"\nlabel = \"l\"\n"),
                "questions[0].id: question id `C d` must be 1 to 64 characters",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","max_length":0}]}"#,
                format!("{HEAD}{Q}max_length = 0\n"),
                "questions[0]: field `max_length` must be at least 1",
            ),
            (
                r#"{"id":"a","lang":"xx","title":"t","questions":[{"id":"c","type":"text","label":"l"}]}"#,
                format!("id = \"a\"\nlang = \"xx\"\ntitle = \"t\"\n{Q}"),
                "lang: unknown language `xx`",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l"}],"translations":{"en":{"questions":{"d":{"label":"L"}}}}}"#,
                format!("{HEAD}{Q}[translations.en.questions.d]\nlabel = \"L\"\n"),
                "translations.en.questions.d: no question with this id",
            ),
        ] {
            let from_json = err(json);
            let from_toml = Form::from_toml(&toml).unwrap_err().to_string();
            assert!(from_json.contains(expected), "{json}\n{from_json}");
            assert_eq!(from_toml, from_json, "TOML and JSON disagree:\n{toml}");
        }
    }

    #[test]
    fn smiley_keys_round_trip() {
        for s in Smiley::ALL {
            assert_eq!(Smiley::from_key(s.key()), Some(s));
        }
        assert_eq!(Smiley::from_key("great"), None);
    }

    /// The field names of a serde struct, as its derive lists them (what `deny_unknown_fields`
    /// accepts): read by a deserializer that only records the list it is handed.
    pub(crate) fn serde_fields<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
        struct Fields(std::rc::Rc<std::cell::RefCell<Vec<&'static str>>>);
        impl<'de> Deserializer<'de> for Fields {
            type Error = serde::de::value::Error;
            fn deserialize_any<V: serde::de::Visitor<'de>>(
                self,
                _: V,
            ) -> core::result::Result<V::Value, Self::Error> {
                Err(serde::de::Error::custom("not a struct"))
            }
            fn deserialize_struct<V: serde::de::Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> core::result::Result<V::Value, Self::Error> {
                self.0.borrow_mut().extend(fields);
                Err(serde::de::Error::custom("done"))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
                identifier ignored_any
            }
        }
        let seen = std::rc::Rc::default();
        let _ = T::deserialize(Fields(std::rc::Rc::clone(&seen)));
        seen.take()
    }

    pub(crate) fn shape_fields(shape: &Shape) -> Vec<&'static str> {
        match shape {
            Shape::Object(fields) => fields.iter().map(|f| f.name).collect(),
            other => panic!("not an object shape: {other:?}"),
        }
    }

    #[test]
    fn shapes_list_exactly_the_serde_fields() {
        assert_eq!(
            shape_fields(&DEFINITION_SHAPE),
            serde_fields::<Definition>()
        );
        assert_eq!(shape_fields(&QUESTION_SHAPE), serde_fields::<QuestionDef>());
    }

    #[test]
    fn the_shape_check_and_serde_refuse_the_same_unknown_fields() {
        // serde's own `deny_unknown_fields` is the safety net behind the shape check: both refuse.
        let text = r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","colour":1}]}"#;
        assert!(serde_json::from_str::<Definition>(text).is_err());
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert!(shape::check(&value, &DEFINITION_SHAPE).is_err());
    }
}
