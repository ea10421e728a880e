//! Locales and the default strings of each. French first.
//!
//! Templates hold `{n}` where a number goes; [`fill`] puts it in. Every string is plain text:
//! renderers escape it, so a site's override can never inject markup.
//!
//! Seven locales are known everywhere (the language negotiation, `lang` attributes, right to
//! left). Their string tables: French and English are always compiled in; German, Spanish,
//! Italian, Dutch and Arabic only with the `locales` feature, which the collector enables. The
//! widget does not: its wasm would carry ≈ 4 500 brotli bytes of tables a page never uses, so
//! `cargo xtask dist` writes each of them as a JSON pack beside the widget
//! (`voix-strings-de.json`…: a [`StringsPatch`] over French, from these very tables) and the
//! widget fetches the one it needs, beside the definition.

use crate::{
    ErrorCode,
    shape::{Shape, opt},
};

/// A supported locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// French (default).
    #[default]
    Fr,
    /// English.
    En,
    /// German.
    De,
    /// Spanish.
    Es,
    /// Italian.
    It,
    /// Dutch.
    Nl,
    /// Arabic (Modern Standard), written right to left.
    Ar,
}

impl Locale {
    /// Every locale, French first.
    pub const ALL: &[Locale] = &[
        Locale::Fr,
        Locale::En,
        Locale::De,
        Locale::Es,
        Locale::It,
        Locale::Nl,
        Locale::Ar,
    ];

    /// The locale for a BCP 47 tag such as `fr-FR`, `en` or `nl_BE` (its primary language
    /// decides); unknown tags give `None`.
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Locale::Fr),
            "en" => Some(Locale::En),
            "de" => Some(Locale::De),
            "es" => Some(Locale::Es),
            "it" => Some(Locale::It),
            "nl" => Some(Locale::Nl),
            "ar" => Some(Locale::Ar),
            _ => None,
        }
    }

    /// The BCP 47 tag written in `lang` attributes.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
            Locale::De => "de",
            Locale::Es => "es",
            Locale::It => "it",
            Locale::Nl => "nl",
            Locale::Ar => "ar",
        }
    }

    /// Whether `n` takes the singular ("1 vote"; in French "0 vote" too).
    pub fn singular(self, n: u64) -> bool {
        match self {
            Locale::Fr => n <= 1,
            _ => n == 1,
        }
    }

    /// What goes between a label and what follows it ("Note : 4" in French, "Note: 4" in the
    /// other languages, Arabic included).
    pub fn colon(self) -> &'static str {
        if self == Locale::Fr { " : " } else { ": " }
    }

    /// Whether the locale is written right to left (`dir="rtl"`): Arabic only.
    pub fn rtl(self) -> bool {
        self == Locale::Ar
    }

    /// The strings of this locale compiled into this build: French and English always, the
    /// others with the `locales` feature (see the module).
    pub fn builtin(self) -> Option<&'static Strings> {
        match self {
            Locale::Fr => Some(&FR),
            Locale::En => Some(&EN),
            #[cfg(feature = "locales")]
            Locale::De => Some(&DE),
            #[cfg(feature = "locales")]
            Locale::Es => Some(&ES),
            #[cfg(feature = "locales")]
            Locale::It => Some(&IT),
            #[cfg(feature = "locales")]
            Locale::Nl => Some(&NL),
            #[cfg(feature = "locales")]
            Locale::Ar => Some(&AR),
            #[cfg(not(feature = "locales"))]
            _ => None,
        }
    }

    /// The default strings of this locale; without the `locales` feature, French for a locale
    /// whose table is not compiled in (the widget puts the fetched pack in its place).
    pub fn strings(self) -> &'static Strings {
        self.builtin().unwrap_or(&FR)
    }
}

/// Every string the widget and the no-JS page show.
#[derive(Debug, Clone)]
pub struct Strings {
    /// Marker after a required question's label.
    pub required: &'static str,
    /// Sentence explaining the marker.
    pub required_note: &'static str,
    /// Labels of the smileys, worst first: very bad, bad, average, fine, good (three smileys
    /// use bad, average, good; see [`Strings::smiley`]).
    pub smileys: [&'static str; 5],
    /// Submit button.
    pub submit: &'static str,
    /// Submit button after a failure.
    pub retry: &'static str,
    /// Status while sending.
    pub sending: &'static str,
    /// Heading shown once sent.
    pub thanks_title: &'static str,
    /// Sentence shown once sent.
    pub thanks_body: &'static str,
    /// Heading shown while the answer waits in the browser's outbox.
    pub queued_title: &'static str,
    /// Sentence shown while the answer waits in the browser's outbox.
    pub queued_body: &'static str,
    /// Heading of the error summary; `{n}` errors.
    pub summary_one: &'static str,
    /// Heading of the error summary; `{n}` errors.
    pub summary_many: &'static str,
    /// Counter under a text box; `{n}` characters left.
    pub chars_left: &'static str,
    /// Counter under a text box; `{n}` characters too many.
    pub chars_over: &'static str,
    /// Sentence under a failure message: nothing typed is lost.
    pub kept: &'static str,
    /// Name of one star radio; `{n}` stars.
    pub star_one: &'static str,
    /// Name of a star radio; `{n}` stars.
    pub star_many: &'static str,
    /// NPS: what 0 means.
    pub nps_min: &'static str,
    /// NPS: what 10 means.
    pub nps_max: &'static str,
    /// Yes/no: yes.
    pub yes: &'static str,
    /// Yes/no: no.
    pub no: &'static str,
    /// The "Other" choice.
    pub other: &'static str,
    /// Label of the text box of the "Other" choice.
    pub other_specify: &'static str,
    /// Multiple choice hint; `{n}` the minimum.
    pub choose_min: &'static str,
    /// Multiple choice hint; `{n}` the maximum.
    pub choose_max: &'static str,
    /// Multiple choice hint without limits.
    pub choose_many: &'static str,
    /// The warning under a text box that asks not to type personal data.
    pub personal_data: &'static str,
    /// Step indicator; `{n}` the step, `{m}` how many.
    pub step: &'static str,
    /// Button to the next step.
    pub next: &'static str,
    /// Button to the previous step.
    pub previous: &'static str,
    /// A poll's submit button.
    pub vote: &'static str,
    /// Heading of a poll's results.
    pub results_title: &'static str,
    /// Votes count; `{n}` is 1.
    pub votes_one: &'static str,
    /// Votes count; `{n}` votes.
    pub votes_many: &'static str,
    /// Marks the resident's own choice in the results.
    pub your_choice: &'static str,
    /// Heading once a vote is delivered.
    pub voted_title: &'static str,
    /// Said instead of the question once this browser has voted.
    pub voted_already: &'static str,
    /// Said by a closed poll.
    pub poll_closed: &'static str,
    /// Said by a poll not open yet.
    pub poll_not_open: &'static str,
    /// While a poll's results load.
    pub results_loading: &'static str,
    /// When a poll's results cannot be read.
    pub results_failed: &'static str,
    /// A percentage; `{n}` the number (with the locale's spacing and sign).
    pub percent: &'static str,
    /// When a poll not yet open opens; `{n}` the date.
    pub opens_on: &'static str,
    /// Until when an open poll takes votes; `{n}` the date.
    pub open_until: &'static str,
    /// When a closed poll closed; `{n}` the date.
    pub closed_on: &'static str,
    /// Messages per error code (`{n}` is a limit where one applies).
    pub errors: ErrorStrings,
}

/// The message of each error code.
#[derive(Debug, Clone)]
pub struct ErrorStrings {
    /// [`ErrorCode::Required`] for a choice question.
    pub required_choice: &'static str,
    /// [`ErrorCode::Required`] for a text question.
    pub required_text: &'static str,
    /// [`ErrorCode::TooLong`]; `{n}` is the maximum.
    pub too_long: &'static str,
    /// [`ErrorCode::UnknownChoice`].
    pub unknown_choice: &'static str,
    /// Errors that are not the resident's to fix (unknown question, bad version…).
    pub rejected: &'static str,
    /// [`ErrorCode::Network`].
    pub network: &'static str,
    /// [`ErrorCode::Server`] and anything unexpected.
    pub server: &'static str,
    /// [`ErrorCode::RateLimited`].
    pub rate_limited: &'static str,
    /// [`ErrorCode::NotFound`].
    pub not_found: &'static str,
    /// [`ErrorCode::Required`] for a consent checkbox.
    pub required_consent: &'static str,
    /// [`ErrorCode::Required`] for the text of an "Other" choice.
    pub required_other: &'static str,
    /// [`ErrorCode::InvalidEmail`].
    pub invalid_email: &'static str,
    /// [`ErrorCode::TooFewChoices`]; `{n}` the minimum.
    pub too_few: &'static str,
    /// [`ErrorCode::TooManyChoices`]; `{n}` the maximum.
    pub too_many: &'static str,
    /// [`ErrorCode::ExclusiveChoice`].
    pub exclusive: &'static str,
    /// [`ErrorCode::PollClosed`].
    pub poll_closed: &'static str,
    /// [`ErrorCode::PollNotOpen`].
    pub poll_not_open: &'static str,
    /// A proof (of work, or of the page having been fetched) that was missing, wrong, expired
    /// or used already, and could not be made again.
    pub unverified: &'static str,
}

/// What a message is about, where the words differ ("Choose an answer" / "Write an answer").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A question answered by choosing (smileys, stars, scales, choices, yes/no).
    Choice,
    /// A text box (text, email).
    Text,
    /// A consent checkbox.
    Consent,
    /// The text of an "Other" choice.
    Other,
}

/// What a site may replace of a locale's strings: any of them, by name (`submit`,
/// `thanks_title`, `errors.required_choice`…), given as a JSON object — `data-strings` on the
/// script or a placeholder, or the JS API's `strings` option. Blank values and names left out
/// keep the built-in text: an override can never leave a string empty. Unknown names are
/// refused by [`StringsPatch::SHAPE`] with their path, like a definition's.
///
/// # Example
/// ```
/// use voix_form::i18n::{Locale, StringsPatch};
/// let patch: StringsPatch = serde_json::from_str(r#"{"submit": "Je donne mon avis"}"#).unwrap();
/// let s = Locale::Fr.strings().patched(&patch).unwrap();
/// assert_eq!(s.submit, "Je donne mon avis");
/// assert_eq!(s.retry, Locale::Fr.strings().retry);
/// ```
/// Where replacement strings come from: a [`StringsPatch`], or in the widget a JS object (a
/// site's `data-strings`, a locale pack) read member by member after its shape was checked
/// against [`StringsPatch::SHAPE`].
pub trait Source {
    /// The string called `name`: an error message (under `errors`) when `error` is true.
    fn text(&self, error: bool, name: &str) -> Option<String>;
    /// The five smiley labels, worst first.
    fn smileys(&self) -> Option<Vec<String>>;
}

macro_rules! patchable {
    ($($name:ident),* ; errors: $($error:ident),*) => {
        /// A site's replacements for some of a locale's strings (see the macro's docs above).
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct StringsPatch {
            $(
                #[allow(missing_docs)]
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $name: Option<String>,
            )*
            /// The five smiley labels, worst first.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub smileys: Option<Vec<String>>,
            /// Error messages.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub errors: Option<ErrorStringsPatch>,
        }

        /// A site's replacements for some error messages.
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct ErrorStringsPatch {
            $(
                #[allow(missing_docs)]
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $error: Option<String>,
            )*
        }

        impl StringsPatch {
            /// The members a patch may have (checked before the typed read, with paths).
            pub const SHAPE: Shape = Shape::Object(&[
                $( opt(stringify!($name), Shape::Str), )*
                opt("smileys", Shape::Strs),
                opt("errors", Shape::Object(&[ $( opt(stringify!($error), Shape::Str), )* ])),
            ]);
        }

        impl Source for StringsPatch {
            fn text(&self, error: bool, name: &str) -> Option<String> {
                if error {
                    let e = self.errors.as_ref()?;
                    match name {
                        $( stringify!($error) => e.$error.clone(), )*
                        _ => None,
                    }
                } else {
                    match name {
                        $( stringify!($name) => self.$name.clone(), )*
                        _ => None,
                    }
                }
            }

            fn smileys(&self) -> Option<Vec<String>> {
                self.smileys.clone()
            }
        }

        impl Strings {
            /// These strings with `patch` applied (see [`StringsPatch`]).
            pub fn patched(&'static self, patch: &StringsPatch) -> Result<&'static Strings, String> {
                self.patched_from(patch)
            }

            /// These strings with what `source` has in their place (see [`StringsPatch`]): one
            /// lookup per name, so the widget reads a JS object member by member, without a
            /// deserializer for the 50 names. The result is kept for the page's life (a
            /// widget's strings live as long as it does; a few hundred bytes per mount that
            /// has overrides). `Err` names what is wrong.
            pub fn patched_from(&'static self, source: &dyn Source) -> Result<&'static Strings, String> {
                // A loop over the names and a table of where each goes: one lookup call in the
                // code rather than fifty (measured: 1 000 brotli bytes less in the widget).
                fn keep(slots: &mut [&mut &'static str], names: &[&str], error: bool, source: &dyn Source) {
                    for (slot, name) in slots.iter_mut().zip(names) {
                        if let Some(v) = source.text(error, name).filter(|v| !crate::answer::is_blank(v)) {
                            **slot = Box::leak(v.into_boxed_str());
                        }
                    }
                }
                let mut out = self.clone();
                if let Some(given) = source.smileys() {
                    if given.len() != 5 {
                        return Err("smileys: give the five labels, worst first".into());
                    }
                    for (slot, v) in out.smileys.iter_mut().zip(given) {
                        if !crate::answer::is_blank(&v) {
                            *slot = Box::leak(v.into_boxed_str());
                        }
                    }
                }
                keep(&mut [$( &mut out.$name, )*], &[$( stringify!($name), )*], false, source);
                let e = &mut out.errors;
                keep(&mut [$( &mut e.$error, )*], &[$( stringify!($error), )*], true, source);
                Ok(Box::leak(Box::new(out)))
            }

            /// Every string of these as a patch: what `cargo xtask dist` writes as a locale pack
            /// (`voix-strings-de.json`…), which French patched with gives these strings back.
            pub fn to_patch(&self) -> StringsPatch {
                StringsPatch {
                    $( $name: Some(self.$name.to_owned()), )*
                    smileys: Some(self.smileys.iter().map(|s| (*s).to_owned()).collect()),
                    errors: Some(ErrorStringsPatch {
                        $( $error: Some(self.errors.$error.to_owned()), )*
                    }),
                }
            }

            /// Every string with its name (`errors.` before the error messages), for tests and
            /// documentation.
            pub fn named(&self) -> Vec<(String, &'static str)> {
                let mut out: Vec<(String, &'static str)> = vec![
                    $( (stringify!($name).to_owned(), self.$name), )*
                ];
                for (i, s) in self.smileys.iter().enumerate() {
                    out.push((crate::cat(&["smileys[", &itoa(i), "]"]), s));
                }
                $( out.push((crate::cat(&["errors.", stringify!($error)]), self.errors.$error)); )*
                out
            }
        }
    };
}

patchable! {
    required,
    required_note,
    submit,
    retry,
    sending,
    thanks_title,
    thanks_body,
    queued_title,
    queued_body,
    summary_one,
    summary_many,
    chars_left,
    chars_over,
    kept,
    star_one,
    star_many,
    nps_min,
    nps_max,
    yes,
    no,
    other,
    other_specify,
    choose_min,
    choose_max,
    choose_many,
    personal_data,
    step,
    next,
    previous,
    vote,
    results_title,
    votes_one,
    votes_many,
    your_choice,
    voted_title,
    voted_already,
    poll_closed,
    poll_not_open,
    results_loading,
    results_failed,
    percent,
    opens_on,
    open_until,
    closed_on;
    errors: required_choice,
    required_text,
    too_long,
    unknown_choice,
    rejected,
    network,
    server,
    rate_limited,
    not_found,
    required_consent,
    required_other,
    invalid_email,
    too_few,
    too_many,
    exclusive,
    poll_closed,
    poll_not_open,
    unverified
}

impl Strings {
    /// The label of `smiley`.
    pub fn smiley(&self, smiley: crate::schema::Smiley) -> &'static str {
        use crate::schema::Smiley;
        match smiley {
            Smiley::VeryBad => self.smileys[0],
            Smiley::Bad => self.smileys[1],
            Smiley::Average => self.smileys[2],
            Smiley::Fine => self.smileys[3],
            Smiley::Good => self.smileys[4],
        }
    }
}

impl ErrorStrings {
    /// The message template for `code` about `subject`.
    pub fn for_code(&self, code: ErrorCode, subject: Subject) -> &'static str {
        match code {
            ErrorCode::Required => match subject {
                Subject::Choice => self.required_choice,
                Subject::Text => self.required_text,
                Subject::Consent => self.required_consent,
                Subject::Other => self.required_other,
            },
            ErrorCode::TooLong => self.too_long,
            ErrorCode::UnknownChoice => self.unknown_choice,
            ErrorCode::InvalidEmail => self.invalid_email,
            ErrorCode::TooFewChoices => self.too_few,
            ErrorCode::TooManyChoices => self.too_many,
            ErrorCode::ExclusiveChoice => self.exclusive,
            ErrorCode::PollClosed => self.poll_closed,
            ErrorCode::PollNotOpen => self.poll_not_open,
            ErrorCode::Network => self.network,
            ErrorCode::RateLimited => self.rate_limited,
            ErrorCode::NotFound => self.not_found,
            ErrorCode::Server => self.server,
            ErrorCode::UnknownQuestion
            | ErrorCode::UnsupportedVersion
            | ErrorCode::InvalidJson
            | ErrorCode::UnsupportedContentType
            | ErrorCode::PayloadTooLarge
            | ErrorCode::Invalid
            | ErrorCode::Conflict
            | ErrorCode::OriginNotAllowed
            | ErrorCode::Honeypot => self.rejected,
            ErrorCode::TooFast
            | ErrorCode::ProofRequired
            | ErrorCode::ProofInvalid
            | ErrorCode::ProofExpired
            | ErrorCode::ProofReplayed => self.unverified,
        }
    }
}

/// Replaces `{n}` in `template` with `n`.
///
/// # Example
/// ```
/// assert_eq!(voix_form::i18n::fill("{n} caractères", 12), "12 caractères");
/// ```
pub fn fill(template: &str, n: usize) -> String {
    // A byte search rather than `str::replace`: the generic substring searcher costs wasm.
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.as_bytes().windows(3).position(|w| w == b"{n}") {
        out.push_str(rest.get(..i).unwrap_or_default());
        push_decimal(&mut out, n as u64);
        rest = rest.get(i + 3..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Replaces `{n}` with `n` and `{m}` with `m` in `template`.
///
/// # Example
/// ```
/// assert_eq!(voix_form::i18n::fill2("Étape {n} sur {m}", 2, 3), "Étape 2 sur 3");
/// ```
pub fn fill2(template: &str, n: usize, m: usize) -> String {
    let once = fill(template, n);
    let mut out = String::new();
    let mut rest = once.as_str();
    while let Some(i) = rest.as_bytes().windows(3).position(|w| w == b"{m}") {
        out.push_str(rest.get(..i).unwrap_or_default());
        push_decimal(&mut out, m as u64);
        rest = rest.get(i + 3..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Replaces `{n}` in `template` with `text` (a number already written, e.g. by `Intl`).
///
/// # Example
/// ```
/// assert_eq!(voix_form::i18n::fill_text("{n} votes", "1 234"), "1 234 votes");
/// ```
pub fn fill_text(template: &str, text: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.as_bytes().windows(3).position(|w| w == b"{n}") {
        out.push_str(rest.get(..i).unwrap_or_default());
        out.push_str(text);
        rest = rest.get(i + 3..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// `n` in decimal.
pub fn itoa(n: usize) -> String {
    let mut out = String::new();
    push_decimal(&mut out, n as u64);
    out
}

/// Appends `n` in decimal, without the integer formatting machinery of `core::fmt`.
pub fn push_decimal(out: &mut String, n: u64) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

static FR: Strings = Strings {
    required: "(obligatoire)",
    required_note: "Les questions marquées « obligatoire » demandent une réponse.",
    smileys: ["Très mal", "Pas bien", "Moyen", "Bien", "Très bien"],
    submit: "Envoyer",
    retry: "Réessayer l’envoi",
    sending: "Envoi en cours…",
    thanks_title: "Merci !",
    thanks_body: "Votre réponse a bien été envoyée.",
    queued_title: "Réponse en attente d’envoi",
    queued_body: "Votre réponse sera envoyée dès que possible.",
    summary_one: "Il y a {n} erreur dans le formulaire :",
    summary_many: "Il y a {n} erreurs dans le formulaire :",
    chars_left: "Il vous reste {n} caractères.",
    chars_over: "{n} caractères de trop.",
    kept: "Vos réponses sont conservées : vous pouvez réessayer.",
    star_one: "{n} étoile sur 5",
    star_many: "{n} étoiles sur 5",
    nps_min: "Pas du tout probable",
    nps_max: "Très probable",
    yes: "Oui",
    no: "Non",
    other: "Autre",
    other_specify: "Précisez votre réponse « Autre »",
    choose_min: "Choisissez au moins {n} réponses.",
    choose_max: "Choisissez au plus {n} réponses.",
    choose_many: "Plusieurs réponses possibles.",
    personal_data: "N’indiquez pas de données personnelles (nom, adresse, numéro de téléphone…).",
    step: "Étape {n} sur {m}",
    next: "Suivant",
    previous: "Précédent",
    vote: "Voter",
    results_title: "Résultats",
    votes_one: "{n} vote",
    votes_many: "{n} votes",
    your_choice: "votre choix",
    voted_title: "Merci pour votre vote !",
    voted_already: "Vous avez déjà voté depuis ce navigateur.",
    poll_closed: "Ce sondage est clos.",
    poll_not_open: "Ce sondage n’est pas encore ouvert.",
    results_loading: "Chargement des résultats…",
    results_failed: "Les résultats ne sont pas disponibles pour le moment.",
    percent: "{n} %",
    opens_on: "Ouverture du vote : {n}.",
    open_until: "Vote ouvert jusqu’au {n}.",
    closed_on: "Clos le {n}.",
    errors: ErrorStrings {
        required_choice: "Choisissez une réponse.",
        required_text: "Écrivez une réponse.",
        too_long: "Votre texte est trop long : {n} caractères au maximum.",
        unknown_choice: "Choisissez une des réponses proposées.",
        rejected: "Le formulaire a changé : rechargez la page puis répondez de nouveau.",
        network: "L’envoi a échoué : vérifiez votre connexion.",
        server: "L’envoi a échoué : le service ne répond pas correctement.",
        rate_limited: "Trop d’envois en peu de temps : réessayez dans une minute.",
        not_found: "Ce formulaire n’existe plus.",
        required_consent: "Cochez la case pour continuer.",
        required_other: "Précisez votre réponse.",
        invalid_email: "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.",
        too_few: "Choisissez au moins {n} réponses.",
        too_many: "Choisissez au plus {n} réponses.",
        exclusive: "Cette réponse ne peut pas être combinée avec les autres.",
        poll_closed: "Ce sondage est clos : votre vote n’a pas été enregistré.",
        poll_not_open: "Ce sondage n’est pas encore ouvert : votre vote n’a pas été enregistré.",
        unverified: "Votre réponse n’a pas pu être vérifiée : envoyez-la de nouveau.",
    },
};

static EN: Strings = Strings {
    required: "(required)",
    required_note: "Questions marked “required” need an answer.",
    smileys: ["Very bad", "Not good", "Average", "Good", "Very good"],
    submit: "Send",
    retry: "Try sending again",
    sending: "Sending…",
    thanks_title: "Thank you!",
    thanks_body: "Your answer has been sent.",
    queued_title: "Answer waiting to be sent",
    queued_body: "Your answer will be sent as soon as possible.",
    summary_one: "There is {n} error in the form:",
    summary_many: "There are {n} errors in the form:",
    chars_left: "You have {n} characters left.",
    chars_over: "{n} characters too many.",
    kept: "Your answers are kept: you can try again.",
    star_one: "{n} star out of 5",
    star_many: "{n} stars out of 5",
    nps_min: "Not at all likely",
    nps_max: "Extremely likely",
    yes: "Yes",
    no: "No",
    other: "Other",
    other_specify: "Please specify your “Other” answer",
    choose_min: "Choose at least {n} answers.",
    choose_max: "Choose at most {n} answers.",
    choose_many: "You may choose several answers.",
    personal_data: "Do not type personal data (name, address, phone number…).",
    step: "Step {n} of {m}",
    next: "Next",
    previous: "Previous",
    vote: "Vote",
    results_title: "Results",
    votes_one: "{n} vote",
    votes_many: "{n} votes",
    your_choice: "your choice",
    voted_title: "Thank you for voting!",
    voted_already: "You have already voted from this browser.",
    poll_closed: "This poll is closed.",
    poll_not_open: "This poll is not open yet.",
    results_loading: "Loading the results…",
    results_failed: "The results are not available at the moment.",
    percent: "{n}%",
    opens_on: "Voting opens: {n}.",
    open_until: "Voting is open until {n}.",
    closed_on: "Closed on {n}.",
    errors: ErrorStrings {
        required_choice: "Choose an answer.",
        required_text: "Write an answer.",
        too_long: "Your text is too long: {n} characters at most.",
        unknown_choice: "Choose one of the answers offered.",
        rejected: "The form has changed: reload the page and answer again.",
        network: "Sending failed: check your connection.",
        server: "Sending failed: the service is not answering properly.",
        rate_limited: "Too many answers in a short time: try again in a minute.",
        not_found: "This form no longer exists.",
        required_consent: "Tick the box to continue.",
        required_other: "Please specify your answer.",
        invalid_email: "Enter a valid email address, for example name@example.org.",
        too_few: "Choose at least {n} answers.",
        too_many: "Choose at most {n} answers.",
        exclusive: "This answer cannot be combined with the others.",
        poll_closed: "This poll is closed: your vote was not recorded.",
        poll_not_open: "This poll is not open yet: your vote was not recorded.",
        unverified: "Your answer could not be verified: please send it again.",
    },
};

// The tables below are translations of the French one: plain words, the resident addressed
// politely (Sie, usted, Lei, u; Arabic in the impersonal يرجى "please"). Arabic counts are
// written "number of …: {n}", since its nouns agree with the number in ways one template cannot.

#[cfg(feature = "locales")]
static DE: Strings = Strings {
    required: "(erforderlich)",
    required_note: "Fragen mit dem Hinweis „erforderlich“ müssen beantwortet werden.",
    smileys: ["Sehr schlecht", "Nicht gut", "Mittel", "Gut", "Sehr gut"],
    submit: "Absenden",
    retry: "Erneut senden",
    sending: "Wird gesendet…",
    thanks_title: "Vielen Dank!",
    thanks_body: "Ihre Antwort wurde gesendet.",
    queued_title: "Antwort wartet auf den Versand",
    queued_body: "Ihre Antwort wird so bald wie möglich gesendet.",
    summary_one: "Das Formular enthält {n} Fehler:",
    summary_many: "Das Formular enthält {n} Fehler:",
    chars_left: "Sie können noch {n} Zeichen eingeben.",
    chars_over: "{n} Zeichen zu viel.",
    kept: "Ihre Antworten bleiben erhalten: Sie können es erneut versuchen.",
    star_one: "{n} von 5 Sternen",
    star_many: "{n} von 5 Sternen",
    nps_min: "Überhaupt nicht wahrscheinlich",
    nps_max: "Äußerst wahrscheinlich",
    yes: "Ja",
    no: "Nein",
    other: "Sonstiges",
    other_specify: "Bitte geben Sie Ihre Antwort „Sonstiges“ an",
    choose_min: "Wählen Sie mindestens {n} Antworten.",
    choose_max: "Wählen Sie höchstens {n} Antworten.",
    choose_many: "Mehrere Antworten möglich.",
    personal_data: "Geben Sie keine personenbezogenen Daten ein (Name, Adresse, Telefonnummer…).",
    step: "Schritt {n} von {m}",
    next: "Weiter",
    previous: "Zurück",
    vote: "Abstimmen",
    results_title: "Ergebnisse",
    votes_one: "{n} Stimme",
    votes_many: "{n} Stimmen",
    your_choice: "Ihre Wahl",
    voted_title: "Vielen Dank für Ihre Stimme!",
    voted_already: "Sie haben mit diesem Browser bereits abgestimmt.",
    poll_closed: "Diese Umfrage ist beendet.",
    poll_not_open: "Diese Umfrage ist noch nicht geöffnet.",
    results_loading: "Die Ergebnisse werden geladen…",
    results_failed: "Die Ergebnisse sind im Moment nicht verfügbar.",
    percent: "{n} %",
    opens_on: "Beginn der Abstimmung: {n}.",
    open_until: "Abstimmung möglich bis {n}.",
    closed_on: "Beendet am {n}.",
    errors: ErrorStrings {
        required_choice: "Bitte wählen Sie eine Antwort.",
        required_text: "Bitte geben Sie eine Antwort ein.",
        too_long: "Ihr Text ist zu lang: höchstens {n} Zeichen.",
        unknown_choice: "Bitte wählen Sie eine der vorgegebenen Antworten.",
        rejected: "Das Formular wurde geändert: Bitte laden Sie die Seite neu und antworten Sie \
                   erneut.",
        network: "Senden fehlgeschlagen: Bitte prüfen Sie Ihre Internetverbindung.",
        server: "Senden fehlgeschlagen: Der Dienst antwortet nicht richtig.",
        rate_limited: "Zu viele Antworten in kurzer Zeit: Bitte versuchen Sie es in einer \
                       Minute erneut.",
        not_found: "Dieses Formular gibt es nicht mehr.",
        required_consent: "Bitte setzen Sie das Häkchen, um fortzufahren.",
        required_other: "Bitte präzisieren Sie Ihre Antwort.",
        invalid_email: "Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@beispiel.de.",
        too_few: "Bitte wählen Sie mindestens {n} Antworten.",
        too_many: "Bitte wählen Sie höchstens {n} Antworten.",
        exclusive: "Diese Antwort kann nicht mit den anderen kombiniert werden.",
        poll_closed: "Diese Umfrage ist beendet: Ihre Stimme wurde nicht gezählt.",
        poll_not_open: "Diese Umfrage ist noch nicht geöffnet: Ihre Stimme wurde nicht gezählt.",
        unverified: "Ihre Antwort konnte nicht überprüft werden: Bitte senden Sie sie erneut.",
    },
};

#[cfg(feature = "locales")]
static ES: Strings = Strings {
    required: "(obligatorio)",
    required_note: "Las preguntas marcadas con «obligatorio» necesitan una respuesta.",
    smileys: ["Muy mal", "Mal", "Regular", "Bien", "Muy bien"],
    submit: "Enviar",
    retry: "Reintentar el envío",
    sending: "Enviando…",
    thanks_title: "¡Gracias!",
    thanks_body: "Su respuesta se ha enviado correctamente.",
    queued_title: "Respuesta pendiente de envío",
    queued_body: "Su respuesta se enviará lo antes posible.",
    summary_one: "Hay {n} error en el formulario:",
    summary_many: "Hay {n} errores en el formulario:",
    chars_left: "Le quedan {n} caracteres.",
    chars_over: "{n} caracteres de más.",
    kept: "Sus respuestas se conservan: puede volver a intentarlo.",
    star_one: "{n} estrella de 5",
    star_many: "{n} estrellas de 5",
    nps_min: "Nada probable",
    nps_max: "Muy probable",
    yes: "Sí",
    no: "No",
    other: "Otro",
    other_specify: "Precise su respuesta «Otro»",
    choose_min: "Elija al menos {n} respuestas.",
    choose_max: "Elija como máximo {n} respuestas.",
    choose_many: "Puede elegir varias respuestas.",
    personal_data: "No escriba datos personales (nombre, dirección, número de teléfono…).",
    step: "Paso {n} de {m}",
    next: "Siguiente",
    previous: "Anterior",
    vote: "Votar",
    results_title: "Resultados",
    votes_one: "{n} voto",
    votes_many: "{n} votos",
    your_choice: "su elección",
    voted_title: "¡Gracias por su voto!",
    voted_already: "Ya ha votado desde este navegador.",
    poll_closed: "Esta encuesta está cerrada.",
    poll_not_open: "Esta encuesta aún no está abierta.",
    results_loading: "Cargando los resultados…",
    results_failed: "Los resultados no están disponibles en este momento.",
    percent: "{n} %",
    opens_on: "Apertura de la votación: {n}.",
    open_until: "Votación abierta hasta el {n}.",
    closed_on: "Cerrada el {n}.",
    errors: ErrorStrings {
        required_choice: "Elija una respuesta.",
        required_text: "Escriba una respuesta.",
        too_long: "Su texto es demasiado largo: {n} caracteres como máximo.",
        unknown_choice: "Elija una de las respuestas propuestas.",
        rejected: "El formulario ha cambiado: vuelva a cargar la página y responda de nuevo.",
        network: "No se ha podido enviar: compruebe su conexión.",
        server: "No se ha podido enviar: el servicio no responde correctamente.",
        rate_limited: "Demasiados envíos en poco tiempo: vuelva a intentarlo dentro de un \
                       minuto.",
        not_found: "Este formulario ya no existe.",
        required_consent: "Marque la casilla para continuar.",
        required_other: "Precise su respuesta.",
        invalid_email: "Escriba una dirección de correo válida, por ejemplo nombre@ejemplo.es.",
        too_few: "Elija al menos {n} respuestas.",
        too_many: "Elija como máximo {n} respuestas.",
        exclusive: "Esta respuesta no se puede combinar con las demás.",
        poll_closed: "Esta encuesta está cerrada: su voto no se ha registrado.",
        poll_not_open: "Esta encuesta aún no está abierta: su voto no se ha registrado.",
        unverified: "No se ha podido verificar su respuesta: envíela de nuevo.",
    },
};

#[cfg(feature = "locales")]
static IT: Strings = Strings {
    required: "(obbligatorio)",
    required_note: "Le domande contrassegnate con «obbligatorio» richiedono una risposta.",
    smileys: ["Molto male", "Non bene", "Così così", "Bene", "Molto bene"],
    submit: "Invia",
    retry: "Riprova l’invio",
    sending: "Invio in corso…",
    thanks_title: "Grazie!",
    thanks_body: "La sua risposta è stata inviata.",
    queued_title: "Risposta in attesa di invio",
    queued_body: "La sua risposta sarà inviata appena possibile.",
    summary_one: "C’è {n} errore nel modulo:",
    summary_many: "Ci sono {n} errori nel modulo:",
    chars_left: "Le restano {n} caratteri.",
    chars_over: "{n} caratteri di troppo.",
    kept: "Le sue risposte sono state conservate: può riprovare.",
    star_one: "{n} stella su 5",
    star_many: "{n} stelle su 5",
    nps_min: "Per niente probabile",
    nps_max: "Estremamente probabile",
    yes: "Sì",
    no: "No",
    other: "Altro",
    other_specify: "Specifichi la sua risposta «Altro»",
    choose_min: "Scelga almeno {n} risposte.",
    choose_max: "Scelga al massimo {n} risposte.",
    choose_many: "Sono possibili più risposte.",
    personal_data: "Non inserisca dati personali (nome, indirizzo, numero di telefono…).",
    step: "Passo {n} di {m}",
    next: "Avanti",
    previous: "Indietro",
    vote: "Vota",
    results_title: "Risultati",
    votes_one: "{n} voto",
    votes_many: "{n} voti",
    your_choice: "la sua scelta",
    voted_title: "Grazie per il suo voto!",
    voted_already: "Ha già votato da questo browser.",
    poll_closed: "Questo sondaggio è chiuso.",
    poll_not_open: "Questo sondaggio non è ancora aperto.",
    results_loading: "Caricamento dei risultati…",
    results_failed: "I risultati non sono disponibili al momento.",
    percent: "{n}%",
    opens_on: "Apertura del voto: {n}.",
    open_until: "Voto aperto fino al {n}.",
    closed_on: "Chiuso il {n}.",
    errors: ErrorStrings {
        required_choice: "Scelga una risposta.",
        required_text: "Scriva una risposta.",
        too_long: "Il testo è troppo lungo: al massimo {n} caratteri.",
        unknown_choice: "Scelga una delle risposte proposte.",
        rejected: "Il modulo è cambiato: ricarichi la pagina e risponda di nuovo.",
        network: "Invio non riuscito: controlli la connessione.",
        server: "Invio non riuscito: il servizio non risponde correttamente.",
        rate_limited: "Troppi invii in poco tempo: riprovi tra un minuto.",
        not_found: "Questo modulo non esiste più.",
        required_consent: "Selezioni la casella per continuare.",
        required_other: "Specifichi la sua risposta.",
        invalid_email: "Inserisca un indirizzo email valido, per esempio nome@esempio.it.",
        too_few: "Scelga almeno {n} risposte.",
        too_many: "Scelga al massimo {n} risposte.",
        exclusive: "Questa risposta non può essere combinata con le altre.",
        poll_closed: "Questo sondaggio è chiuso: il suo voto non è stato registrato.",
        poll_not_open: "Questo sondaggio non è ancora aperto: il suo voto non è stato registrato.",
        unverified: "Non è stato possibile verificare la sua risposta: la invii di nuovo.",
    },
};

#[cfg(feature = "locales")]
static NL: Strings = Strings {
    required: "(verplicht)",
    required_note: "Vragen met de vermelding ‘verplicht’ moet u beantwoorden.",
    smileys: ["Heel slecht", "Niet goed", "Gemiddeld", "Goed", "Heel goed"],
    submit: "Versturen",
    retry: "Opnieuw versturen",
    sending: "Bezig met versturen…",
    thanks_title: "Bedankt!",
    thanks_body: "Uw antwoord is verstuurd.",
    queued_title: "Antwoord wacht op verzending",
    queued_body: "Uw antwoord wordt zo snel mogelijk verstuurd.",
    summary_one: "Er staat {n} fout in het formulier:",
    summary_many: "Er staan {n} fouten in het formulier:",
    chars_left: "U hebt nog {n} tekens over.",
    chars_over: "{n} tekens te veel.",
    kept: "Uw antwoorden zijn bewaard: u kunt het opnieuw proberen.",
    star_one: "{n} ster van 5",
    star_many: "{n} sterren van 5",
    nps_min: "Helemaal niet waarschijnlijk",
    nps_max: "Zeer waarschijnlijk",
    yes: "Ja",
    no: "Nee",
    other: "Anders",
    other_specify: "Licht uw antwoord ‘Anders’ toe",
    choose_min: "Kies minstens {n} antwoorden.",
    choose_max: "Kies hoogstens {n} antwoorden.",
    choose_many: "Meerdere antwoorden mogelijk.",
    personal_data: "Vul geen persoonsgegevens in (naam, adres, telefoonnummer…).",
    step: "Stap {n} van {m}",
    next: "Volgende",
    previous: "Vorige",
    vote: "Stemmen",
    results_title: "Resultaten",
    votes_one: "{n} stem",
    votes_many: "{n} stemmen",
    your_choice: "uw keuze",
    voted_title: "Bedankt voor uw stem!",
    voted_already: "U hebt met deze browser al gestemd.",
    poll_closed: "Deze peiling is gesloten.",
    poll_not_open: "Deze peiling is nog niet geopend.",
    results_loading: "De resultaten worden geladen…",
    results_failed: "De resultaten zijn op dit moment niet beschikbaar.",
    percent: "{n}%",
    opens_on: "Opening van de stemming: {n}.",
    open_until: "Stemmen kan tot {n}.",
    closed_on: "Gesloten op {n}.",
    errors: ErrorStrings {
        required_choice: "Kies een antwoord.",
        required_text: "Vul een antwoord in.",
        too_long: "Uw tekst is te lang: maximaal {n} tekens.",
        unknown_choice: "Kies een van de aangeboden antwoorden.",
        rejected: "Het formulier is gewijzigd: vernieuw de pagina en beantwoord de vragen \
                   opnieuw.",
        network: "Versturen mislukt: controleer uw internetverbinding.",
        server: "Versturen mislukt: de dienst reageert niet goed.",
        rate_limited: "Te veel antwoorden in korte tijd: probeer het over een minuut opnieuw.",
        not_found: "Dit formulier bestaat niet meer.",
        required_consent: "Vink het vakje aan om verder te gaan.",
        required_other: "Licht uw antwoord toe.",
        invalid_email: "Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl.",
        too_few: "Kies minstens {n} antwoorden.",
        too_many: "Kies hoogstens {n} antwoorden.",
        exclusive: "Dit antwoord kan niet met de andere worden gecombineerd.",
        poll_closed: "Deze peiling is gesloten: uw stem is niet geteld.",
        poll_not_open: "Deze peiling is nog niet geopend: uw stem is niet geteld.",
        unverified: "Uw antwoord kon niet worden gecontroleerd: verstuur het opnieuw.",
    },
};

#[cfg(feature = "locales")]
static AR: Strings = Strings {
    required: "(مطلوب)",
    required_note: "يجب الإجابة عن الأسئلة المشار إليها بكلمة «مطلوب».",
    smileys: ["سيئ جدًا", "ليس جيدًا", "متوسط", "جيد", "جيد جدًا"],
    submit: "إرسال",
    retry: "إعادة محاولة الإرسال",
    sending: "جارٍ الإرسال…",
    thanks_title: "شكرًا لك!",
    thanks_body: "تم إرسال إجابتك بنجاح.",
    queued_title: "الإجابة في انتظار الإرسال",
    queued_body: "سيتم إرسال إجابتك في أقرب وقت ممكن.",
    summary_one: "عدد الأخطاء في النموذج: {n}",
    summary_many: "عدد الأخطاء في النموذج: {n}",
    chars_left: "عدد الأحرف المتبقية: {n}.",
    chars_over: "عدد الأحرف الزائدة: {n}.",
    kept: "تم الاحتفاظ بإجاباتك: يمكنك المحاولة مرة أخرى.",
    star_one: "عدد النجوم: {n} من 5",
    star_many: "عدد النجوم: {n} من 5",
    nps_min: "غير محتمل إطلاقًا",
    nps_max: "محتمل جدًا",
    yes: "نعم",
    no: "لا",
    other: "غير ذلك",
    other_specify: "يرجى توضيح إجابتك «غير ذلك»",
    choose_min: "يرجى اختيار {n} إجابات على الأقل.",
    choose_max: "يرجى اختيار {n} إجابات على الأكثر.",
    choose_many: "يمكنك اختيار أكثر من إجابة.",
    personal_data: "لا تكتب بيانات شخصية (الاسم، العنوان، رقم الهاتف…).",
    step: "الخطوة {n} من {m}",
    next: "التالي",
    previous: "السابق",
    vote: "تصويت",
    results_title: "النتائج",
    votes_one: "عدد الأصوات: {n}",
    votes_many: "عدد الأصوات: {n}",
    your_choice: "اختيارك",
    voted_title: "شكرًا على تصويتك!",
    voted_already: "لقد صوّتّ من هذا المتصفح من قبل.",
    poll_closed: "هذا الاستطلاع مغلق.",
    poll_not_open: "هذا الاستطلاع لم يُفتح بعد.",
    results_loading: "جارٍ تحميل النتائج…",
    results_failed: "النتائج غير متاحة حاليًا.",
    percent: "{n}٪",
    opens_on: "موعد فتح التصويت: {n}.",
    open_until: "التصويت مفتوح حتى {n}.",
    closed_on: "أُغلق في {n}.",
    errors: ErrorStrings {
        required_choice: "يرجى اختيار إجابة.",
        required_text: "يرجى كتابة إجابة.",
        too_long: "النص طويل جدًا: الحد الأقصى لعدد الأحرف هو {n}.",
        unknown_choice: "يرجى اختيار إحدى الإجابات المقترحة.",
        rejected: "تغيّر النموذج: يرجى إعادة تحميل الصفحة ثم الإجابة من جديد.",
        network: "تعذّر الإرسال: يرجى التحقق من اتصالك بالإنترنت.",
        server: "تعذّر الإرسال: الخدمة لا تستجيب بشكل صحيح.",
        rate_limited: "إرسالات كثيرة في وقت قصير: يرجى إعادة المحاولة بعد دقيقة.",
        not_found: "هذا النموذج لم يعد موجودًا.",
        required_consent: "يرجى تحديد المربع للمتابعة.",
        required_other: "يرجى توضيح إجابتك.",
        invalid_email: "يرجى إدخال عنوان بريد إلكتروني صالح، مثل name@example.org.",
        too_few: "يرجى اختيار {n} إجابات على الأقل.",
        too_many: "يرجى اختيار {n} إجابات على الأكثر.",
        exclusive: "لا يمكن الجمع بين هذه الإجابة والإجابات الأخرى.",
        poll_closed: "هذا الاستطلاع مغلق: لم يُسجَّل صوتك.",
        poll_not_open: "هذا الاستطلاع لم يُفتح بعد: لم يُسجَّل صوتك.",
        unverified: "تعذّر التحقق من إجابتك: يُرجى إرسالها مرة أخرى.",
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_tags() {
        assert_eq!(Locale::parse("fr-FR"), Some(Locale::Fr));
        assert_eq!(Locale::parse("EN_gb"), Some(Locale::En));
        assert_eq!(Locale::parse("xx"), None);
        assert_eq!(Locale::parse(""), None);
        for &l in Locale::ALL {
            assert_eq!(Locale::parse(l.tag()), Some(l));
            assert_eq!(Locale::parse(&l.tag().to_ascii_uppercase()), Some(l));
        }
    }

    #[test]
    fn parse_every_tag_and_its_regions() {
        for (tag, l) in [
            ("de", Locale::De),
            ("de-CH", Locale::De),
            ("de_AT", Locale::De),
            ("es", Locale::Es),
            ("es-419", Locale::Es),
            ("it-IT", Locale::It),
            ("nl_BE", Locale::Nl),
            ("NL-nl", Locale::Nl),
            ("ar", Locale::Ar),
            ("ar-MA", Locale::Ar),
            ("ar-Arab-EG", Locale::Ar),
        ] {
            assert_eq!(Locale::parse(tag), Some(l), "{tag}");
        }
        // A primary language is matched whole, never by prefix.
        for tag in ["d", "deu", "ara", "arb-x", "ne", "n"] {
            assert_eq!(Locale::parse(tag), None, "{tag}");
        }
        assert_eq!(Locale::ALL.len(), 7);
    }

    // Every locale is known to the negotiation; only French and English must be compiled in,
    // and a locale without its table reads French until a pack is put in its place.
    #[test]
    fn french_and_english_are_always_built_in() {
        assert_eq!(Locale::Fr.builtin().map(|s| s.submit), Some(FR.submit));
        assert_eq!(Locale::En.builtin().map(|s| s.submit), Some(EN.submit));
        for &l in &Locale::ALL[2..] {
            assert_eq!(l.builtin().is_some(), cfg!(feature = "locales"), "{l:?}");
            let expected = if cfg!(feature = "locales") {
                l.builtin().unwrap().submit
            } else {
                FR.submit
            };
            assert_eq!(l.strings().submit, expected, "{l:?}");
        }
    }

    // A pack is every string of its locale: French patched with it is that locale, word for word.
    #[test]
    fn a_locale_pack_gives_its_strings_back() {
        for &l in Locale::ALL {
            let Some(strings) = l.builtin() else { continue };
            let pack = strings.to_patch();
            let json = serde_json::to_string(&pack).unwrap();
            let read: StringsPatch = serde_json::from_str(&json).unwrap();
            assert_eq!(FR.patched(&read).unwrap().named(), strings.named(), "{l:?}");
        }
    }

    #[test]
    fn only_arabic_is_right_to_left() {
        for &l in Locale::ALL {
            assert_eq!(l.rtl(), l.tag() == "ar", "{l:?}");
        }
    }

    #[test]
    fn tags_are_distinct() {
        for (i, a) in Locale::ALL.iter().enumerate() {
            for b in &Locale::ALL[i + 1..] {
                assert_ne!(a.tag(), b.tag());
            }
        }
    }

    #[test]
    fn fill_numbers() {
        assert_eq!(fill("{n}", 0), "0");
        assert_eq!(fill("a {n} b", 1000), "a 1000 b");
        assert_eq!(fill("{x} {n}{n} {", 7), "{x} 77 {");
    }

    /// Every string of `s`, named.
    fn all_strings(s: &Strings) -> Vec<(String, &'static str)> {
        s.named()
    }

    #[test]
    fn no_locale_has_a_blank_string() {
        for &l in Locale::ALL {
            for (name, t) in all_strings(l.strings()) {
                assert!(!t.trim().is_empty(), "{l:?} {name}");
                // A line continuation gone wrong leaves a run of spaces in the text.
                assert!(!t.contains("  "), "{l:?} {name}: {t:?}");
            }
        }
    }

    #[test]
    fn templates_keep_their_number() {
        let fr = all_strings(Locale::Fr.strings());
        for &l in Locale::ALL {
            for ((name, french), (_, t)) in fr.iter().zip(all_strings(l.strings())) {
                let want = french.matches("{n}").count();
                assert_eq!(t.matches("{n}").count(), want, "{l:?} {name}: {t:?}");
                let m = french.matches("{m}").count();
                assert_eq!(t.matches("{m}").count(), m, "{l:?} {name}: {t:?}");
                // No other brace: a typo such as `{N}` would be shown as is.
                assert_eq!(t.matches('{').count(), want + m, "{l:?} {name}: {t:?}");
            }
        }
        assert_eq!(
            fr.iter().filter(|(_, t)| t.contains("{n}")).count(),
            18,
            "the test knows every template"
        );
    }

    #[test]
    fn a_patch_replaces_what_it_names_and_keeps_the_rest() {
        let patch: StringsPatch = serde_json::from_str(
            r#"{"submit":"Je vote","thanks_title":"  ","smileys":["a","b","c","d","e"],
                "errors":{"required_choice":"Choisissez, s'il vous plaît."}}"#,
        )
        .unwrap();
        let fr = Locale::Fr.strings();
        let s = fr.patched(&patch).unwrap();
        assert_eq!(s.submit, "Je vote");
        assert_eq!(
            s.thanks_title, fr.thanks_title,
            "blank: the built-in text stays"
        );
        assert_eq!(s.smileys, ["a", "b", "c", "d", "e"]);
        assert_eq!(s.errors.required_choice, "Choisissez, s'il vous plaît.");
        assert_eq!(s.errors.required_text, fr.errors.required_text);
        // Every other string is the locale's own.
        let changed: Vec<String> = s
            .named()
            .into_iter()
            .zip(fr.named())
            .filter(|((_, a), (_, b))| a != b)
            .map(|((n, _), _)| n)
            .collect();
        assert_eq!(
            changed,
            [
                "submit",
                "smileys[0]",
                "smileys[1]",
                "smileys[2]",
                "smileys[3]",
                "smileys[4]",
                "errors.required_choice"
            ]
        );
        let bad: StringsPatch = serde_json::from_str(r#"{"smileys":["a"]}"#).unwrap();
        assert!(fr.patched(&bad).unwrap_err().contains("five labels"));
    }

    #[test]
    fn a_patch_with_an_unknown_name_is_refused_with_its_path() {
        let v: serde_json::Value = serde_json::from_str(r#"{"submitt":"x"}"#).unwrap();
        let e = crate::shape::check(&v, &StringsPatch::SHAPE).unwrap_err();
        assert!(e.starts_with("(top level): unknown field `submitt`"), "{e}");
        let v: serde_json::Value = serde_json::from_str(r#"{"errors":{"requird":"y"}}"#).unwrap();
        let e = crate::shape::check(&v, &StringsPatch::SHAPE).unwrap_err();
        assert!(e.starts_with("errors: unknown field `requird`"), "{e}");
        let v: serde_json::Value = serde_json::from_str(r#"{"submit":3}"#).unwrap();
        assert_eq!(
            crate::shape::check(&v, &StringsPatch::SHAPE).unwrap_err(),
            "submit: expected a string, found the number 3"
        );
    }

    #[test]
    fn the_patch_names_every_string() {
        let names: Vec<String> = Locale::Fr
            .strings()
            .named()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let full: serde_json::Value = serde_json::to_value(StringsPatch {
            smileys: Some(vec![String::new(); 5]),
            ..serde_json::from_value(serde_json::Value::Object(
                names
                    .iter()
                    .filter(|n| !n.starts_with("smileys") && !n.starts_with("errors."))
                    .map(|n| (n.clone(), serde_json::Value::String("x".into())))
                    .collect(),
            ))
            .unwrap()
        })
        .unwrap();
        // Every plain string can be patched (the deserialisation above would refuse a name the
        // patch lacks), and the shape knows every member the patch has.
        assert!(crate::shape::check(&full, &StringsPatch::SHAPE).is_ok());
    }
}
