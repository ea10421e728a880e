//! Locales and the default strings of each. French first.
//!
//! Templates hold `{n}` where a number goes; [`fill`] puts it in. Every string is plain text:
//! renderers escape it, so a site's override can never inject markup.

use crate::prelude::*;

use crate::ErrorCode;

/// A supported locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// French (default).
    #[default]
    Fr,
    /// English.
    En,
}

impl Locale {
    /// The locale for a BCP 47 tag such as `fr-FR` or `en`; unknown tags give `None`.
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Locale::Fr),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The BCP 47 tag written in `lang` attributes.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }

    /// The default strings of this locale.
    pub fn strings(self) -> &'static Strings {
        match self {
            Locale::Fr => &FR,
            Locale::En => &EN,
        }
    }
}

/// Every string the widget and the no-JS page show.
#[derive(Debug)]
pub struct Strings {
    /// Marker after a required question's label.
    pub required: &'static str,
    /// Sentence explaining the marker.
    pub required_note: &'static str,
    /// Labels of the three smileys, worst first.
    pub smileys: [&'static str; 3],
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
    /// Messages per error code (`{n}` is a limit where one applies).
    pub errors: ErrorStrings,
}

/// The message of each error code.
#[derive(Debug)]
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
}

impl ErrorStrings {
    /// The message template for `code`; `text` says whether the question is a text box.
    pub fn for_code(&self, code: ErrorCode, text: bool) -> &'static str {
        match code {
            ErrorCode::Required if text => self.required_text,
            ErrorCode::Required => self.required_choice,
            ErrorCode::TooLong => self.too_long,
            ErrorCode::UnknownChoice => self.unknown_choice,
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
            | ErrorCode::OriginNotAllowed => self.rejected,
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
    smileys: ["Pas bien", "Moyen", "Très bien"],
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
    },
};

static EN: Strings = Strings {
    required: "(required)",
    required_note: "Questions marked “required” need an answer.",
    smileys: ["Not good", "Average", "Very good"],
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
    }

    #[test]
    fn fill_numbers() {
        assert_eq!(fill("{n}", 0), "0");
        assert_eq!(fill("a {n} b", 1000), "a 1000 b");
        assert_eq!(fill("{x} {n}{n} {", 7), "{x} 77 {");
    }

    #[test]
    fn no_locale_has_a_blank_string() {
        for l in [Locale::Fr, Locale::En] {
            let s = l.strings();
            let e = &s.errors;
            for t in [
                s.required,
                s.required_note,
                s.submit,
                s.retry,
                s.sending,
                s.thanks_title,
                s.thanks_body,
                s.queued_title,
                s.queued_body,
                s.summary_one,
                s.summary_many,
                s.chars_left,
                s.chars_over,
                s.kept,
                e.required_choice,
                e.required_text,
                e.too_long,
                e.unknown_choice,
                e.rejected,
                e.network,
                e.server,
                e.rate_limited,
                e.not_found,
            ]
            .into_iter()
            .chain(s.smileys)
            {
                assert!(!t.trim().is_empty(), "{l:?}");
            }
        }
    }
}
