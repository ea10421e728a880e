//! The no-JS page's language: chosen per request, and the page-level words of each locale.
//!
//! `?lang=xx` wins when it names a compiled locale (a link from a site that knows its
//! resident's language, or the resident's own choice), else the best supported language of
//! `Accept-Language`, else French. A choice made in the URL is carried through the whole flow
//! (form action, redirect, links back to the form): the requests that follow may not say it
//! again, and a resident who picked a language must not lose it on the first error.
//!
//! `Accept-Language` is read here (about 40 lines) rather than by a crate: the choice is among
//! seven compiled locales, and the `?lang=` override, the regional tags and the French fallback
//! would be ours anyway.

use axum::http::{HeaderMap, Uri, header};
use percent_encoding::percent_decode_str;
use voix_form::i18n::Locale;

/// The query parameter naming the page's language.
const PARAM: &str = "lang";

/// The language of one page, and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Lang {
    pub(super) locale: Locale,
    /// Asked for in the URL: the links of the flow carry it on.
    from_query: bool,
}

impl Lang {
    /// `?lang=` if it names a locale we have, else `Accept-Language`, else French.
    pub(super) fn negotiate(uri: &Uri, headers: &HeaderMap) -> Lang {
        if let Some(locale) = uri.query().and_then(from_query) {
            return Lang {
                locale,
                from_query: true,
            };
        }
        let locale = headers
            .get_all(header::ACCEPT_LANGUAGE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .enumerate()
            .filter_map(|(order, item)| {
                let (locale, q) = accepted(item)?;
                Some((q, order, locale))
            })
            // Highest q first; among equals, the one the browser listed first.
            .min_by_key(|&(q, order, _)| (u16::MAX - q, order))
            .map_or(Locale::Fr, |(_, _, locale)| locale);
        Lang {
            locale,
            from_query: false,
        }
    }

    /// The page-level words of this language.
    pub(super) fn strings(self) -> &'static PageStrings {
        page_strings(self.locale)
    }

    /// `path` as a link of the flow: with `?lang=` when the language came from the URL, so the
    /// next page speaks it too. Without, the next request negotiates again (same browser, same
    /// `Accept-Language`, same answer).
    pub(super) fn link(self, path: &str) -> String {
        if self.from_query {
            format!("{path}?{PARAM}={}", self.locale.tag())
        } else {
            path.to_owned()
        }
    }
}

/// The locale named by the query's `lang`, if it is one we have. Only the first `lang` counts.
/// Also how `GET /v1/forms/{id}?lang=` reads it.
pub(in crate::routes) fn from_query(query: &str) -> Option<Locale> {
    let value = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(PARAM)?.strip_prefix('='))?;
    Locale::parse(&percent_decode_str(value).decode_utf8().ok()?)
}

/// One `Accept-Language` item (`de-CH;q=0.8`): its locale and q in thousandths, if the locale is
/// one we have and acceptable (`q=0` means "not this one"). `*` names no language in particular:
/// French, the fallback, is what it gets anyway.
pub(in crate::routes) fn accepted(item: &str) -> Option<(Locale, u16)> {
    let mut parts = item.split(';');
    let range = parts.next()?.trim();
    let mut q = 1000;
    for param in parts {
        let (name, value) = param.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("q") {
            // A malformed weight makes the item meaningless, not preferred.
            q = qvalue(value.trim())?;
        }
    }
    if q == 0 || range == "*" {
        return None;
    }
    Some((Locale::parse(range)?, q))
}

/// An RFC 9110 qvalue (`0`, `0.5`, `1.000`…) in thousandths.
fn qvalue(text: &str) -> Option<u16> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |n, b| n * 10 + u16::from(b - b'0'));
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// Words only this page shows. The form's own words come from `voix_form::i18n`, shared with the
/// widget, whose size budget has no room for strings it never shows.
#[derive(Debug)]
pub(super) struct PageStrings {
    /// Before the title of a page that reports a problem.
    pub(super) error_title_prefix: &'static str,
    /// Before the form's title on the thank-you page.
    pub(super) sent_title_prefix: &'static str,
    /// Under a text box, instead of the live counter no script updates; `{n}` is the maximum.
    pub(super) max_chars: &'static str,
    /// The same submission id came back with other answers.
    pub(super) conflict: &'static str,
    pub(super) not_found_title: &'static str,
    pub(super) not_found_body: &'static str,
    pub(super) unreadable_title: &'static str,
    pub(super) unreadable_body: &'static str,
    pub(super) too_large_title: &'static str,
    pub(super) too_large_body: &'static str,
    pub(super) foreign_title: &'static str,
    pub(super) foreign_body: &'static str,
    pub(super) method_title: &'static str,
    pub(super) back_to_form: &'static str,
}

fn page_strings(locale: Locale) -> &'static PageStrings {
    match locale {
        Locale::Fr => &FR,
        Locale::En => &EN,
        Locale::De => &DE,
        Locale::Es => &ES,
        Locale::It => &IT,
        Locale::Nl => &NL,
        Locale::Ar => &AR,
    }
}

// The translations follow `voix_form::i18n`'s: plain words, the resident addressed politely.

static FR: PageStrings = PageStrings {
    error_title_prefix: "Erreur : ",
    sent_title_prefix: "Réponse envoyée : ",
    max_chars: "{n} caractères au maximum.",
    conflict: "Vos réponses ont changé depuis votre premier envoi : vérifiez-les puis \
               envoyez-les de nouveau.",
    not_found_title: "Formulaire introuvable",
    not_found_body: "Vérifiez l’adresse de la page, ou revenez au site qui vous a proposé ce \
                     formulaire.",
    unreadable_title: "Envoi illisible",
    unreadable_body: "Votre envoi n’a pas pu être lu. Revenez au formulaire puis envoyez de \
                      nouveau vos réponses.",
    too_large_title: "Envoi trop long",
    too_large_body: "Votre envoi dépasse la taille acceptée. Revenez à la page précédente, \
                     raccourcissez votre texte puis envoyez de nouveau.",
    foreign_title: "Envoi refusé",
    foreign_body: "Ce formulaire ne peut pas être envoyé depuis un autre site. Répondez \
                   directement sur la page du formulaire.",
    method_title: "Page introuvable",
    back_to_form: "Revenir au formulaire",
};

static EN: PageStrings = PageStrings {
    error_title_prefix: "Error: ",
    sent_title_prefix: "Answer sent: ",
    max_chars: "{n} characters at most.",
    conflict: "Your answers have changed since you first sent them: check them, then send \
               them again.",
    not_found_title: "Form not found",
    not_found_body: "Check the page’s address, or go back to the site that offered you this \
                     form.",
    unreadable_title: "Unreadable answer",
    unreadable_body: "What you sent could not be read. Go back to the form, then send your \
                      answers again.",
    too_large_title: "Answer too long",
    too_large_body: "What you sent is longer than we accept. Go back to the previous page, \
                     shorten your text, then send it again.",
    foreign_title: "Answer refused",
    foreign_body: "This form cannot be sent from another site. Answer directly on the form’s \
                   page.",
    method_title: "Page not found",
    back_to_form: "Back to the form",
};

static DE: PageStrings = PageStrings {
    error_title_prefix: "Fehler: ",
    sent_title_prefix: "Antwort gesendet: ",
    max_chars: "Höchstens {n} Zeichen.",
    conflict: "Ihre Antworten haben sich seit dem ersten Senden geändert: Bitte prüfen Sie \
               sie und senden Sie sie erneut.",
    not_found_title: "Formular nicht gefunden",
    not_found_body: "Bitte prüfen Sie die Adresse der Seite oder kehren Sie zu der Website \
                     zurück, die Ihnen dieses Formular angeboten hat.",
    unreadable_title: "Antwort nicht lesbar",
    unreadable_body: "Ihre Antwort konnte nicht gelesen werden. Bitte kehren Sie zum Formular \
                      zurück und senden Sie Ihre Antworten erneut.",
    too_large_title: "Antwort zu lang",
    too_large_body: "Ihre Antwort ist länger als erlaubt. Bitte kehren Sie zur vorherigen \
                     Seite zurück, kürzen Sie Ihren Text und senden Sie ihn erneut.",
    foreign_title: "Antwort abgelehnt",
    foreign_body: "Dieses Formular kann nicht von einer anderen Website aus gesendet werden. \
                   Bitte antworten Sie direkt auf der Seite des Formulars.",
    method_title: "Seite nicht gefunden",
    back_to_form: "Zurück zum Formular",
};

static ES: PageStrings = PageStrings {
    error_title_prefix: "Error: ",
    sent_title_prefix: "Respuesta enviada: ",
    max_chars: "{n} caracteres como máximo.",
    conflict: "Sus respuestas han cambiado desde el primer envío: revíselas y vuelva a \
               enviarlas.",
    not_found_title: "Formulario no encontrado",
    not_found_body: "Compruebe la dirección de la página o vuelva al sitio que le ofreció \
                     este formulario.",
    unreadable_title: "Envío ilegible",
    unreadable_body: "No se ha podido leer su envío. Vuelva al formulario y envíe de nuevo sus \
                      respuestas.",
    too_large_title: "Envío demasiado largo",
    too_large_body: "Su envío supera el tamaño permitido. Vuelva a la página anterior, acorte \
                     su texto y envíelo de nuevo.",
    foreign_title: "Envío rechazado",
    foreign_body: "Este formulario no se puede enviar desde otro sitio. Responda directamente \
                   en la página del formulario.",
    method_title: "Página no encontrada",
    back_to_form: "Volver al formulario",
};

static IT: PageStrings = PageStrings {
    error_title_prefix: "Errore: ",
    sent_title_prefix: "Risposta inviata: ",
    max_chars: "Al massimo {n} caratteri.",
    conflict: "Le sue risposte sono cambiate dal primo invio: le controlli e le invii di \
               nuovo.",
    not_found_title: "Modulo non trovato",
    not_found_body: "Controlli l’indirizzo della pagina oppure torni al sito che le ha \
                     proposto questo modulo.",
    unreadable_title: "Invio illeggibile",
    unreadable_body: "Non è stato possibile leggere il suo invio. Torni al modulo e invii di \
                      nuovo le sue risposte.",
    too_large_title: "Invio troppo lungo",
    too_large_body: "Il suo invio supera la dimensione consentita. Torni alla pagina \
                     precedente, accorci il testo e lo invii di nuovo.",
    foreign_title: "Invio rifiutato",
    foreign_body: "Questo modulo non può essere inviato da un altro sito. Risponda \
                   direttamente sulla pagina del modulo.",
    method_title: "Pagina non trovata",
    back_to_form: "Torna al modulo",
};

static NL: PageStrings = PageStrings {
    error_title_prefix: "Fout: ",
    sent_title_prefix: "Antwoord verstuurd: ",
    max_chars: "Maximaal {n} tekens.",
    conflict: "Uw antwoorden zijn gewijzigd sinds u ze de eerste keer verstuurde: controleer \
               ze en verstuur ze opnieuw.",
    not_found_title: "Formulier niet gevonden",
    not_found_body: "Controleer het adres van de pagina, of ga terug naar de website waar u \
                     dit formulier vond.",
    unreadable_title: "Verzending onleesbaar",
    unreadable_body: "Wat u verstuurde, kon niet worden gelezen. Ga terug naar het formulier \
                      en verstuur uw antwoorden opnieuw.",
    too_large_title: "Verzending te lang",
    too_large_body: "Wat u verstuurde, is groter dan toegestaan. Ga terug naar de vorige \
                     pagina, maak uw tekst korter en verstuur opnieuw.",
    foreign_title: "Verzending geweigerd",
    foreign_body: "Dit formulier kan niet vanaf een andere website worden verstuurd. Antwoord \
                   rechtstreeks op de pagina van het formulier.",
    method_title: "Pagina niet gevonden",
    back_to_form: "Terug naar het formulier",
};

static AR: PageStrings = PageStrings {
    error_title_prefix: "خطأ: ",
    sent_title_prefix: "تم إرسال الإجابة: ",
    max_chars: "الحد الأقصى لعدد الأحرف: {n}.",
    conflict: "تغيّرت إجاباتك منذ إرسالها أول مرة: يرجى مراجعتها ثم إرسالها من جديد.",
    not_found_title: "النموذج غير موجود",
    not_found_body: "يرجى التحقق من عنوان الصفحة، أو العودة إلى الموقع الذي عرض عليك هذا \
                     النموذج.",
    unreadable_title: "تعذّرت قراءة الإرسال",
    unreadable_body: "تعذّرت قراءة ما أرسلته. يرجى العودة إلى النموذج ثم إرسال إجاباتك من جديد.",
    too_large_title: "الإرسال طويل جدًا",
    too_large_body: "يتجاوز ما أرسلته الحجم المسموح به. يرجى العودة إلى الصفحة السابقة \
                     واختصار النص ثم الإرسال من جديد.",
    foreign_title: "تم رفض الإرسال",
    foreign_body: "لا يمكن إرسال هذا النموذج من موقع آخر. يرجى الإجابة مباشرة في صفحة النموذج.",
    method_title: "الصفحة غير موجودة",
    back_to_form: "العودة إلى النموذج",
};

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn lang(uri: &str, accept: &[&str]) -> Lang {
        let mut headers = HeaderMap::new();
        for v in accept {
            headers.append(header::ACCEPT_LANGUAGE, HeaderValue::from_str(v).unwrap());
        }
        Lang::negotiate(&uri.parse().unwrap(), &headers)
    }

    fn locale(accept: &str) -> Locale {
        lang("/f/x", &[accept]).locale
    }

    #[test]
    fn accept_language_by_weight_then_order() {
        assert_eq!(locale("de-CH, en;q=0.8"), Locale::De);
        assert_eq!(locale("xx, en;q=0.8"), Locale::En);
        assert_eq!(locale("ar-MA,fr;q=0.5"), Locale::Ar);
        assert_eq!(locale("en;q=0.5, nl-BE;q=0.9, it;q=0.7"), Locale::Nl);
        assert_eq!(locale("es;q=0.8, it;q=0.8"), Locale::Es);
        assert_eq!(locale("pt-BR, es-419;q=0.9"), Locale::Es);
        assert_eq!(locale("  IT-it ;  Q=1.000 ,en"), Locale::It);
        // Several header lines are one list.
        assert_eq!(lang("/", &["zz", "nl;q=0.3, de;q=0.4"]).locale, Locale::De);
    }

    #[test]
    fn not_acceptable_unknown_and_malformed_fall_back() {
        assert_eq!(locale("en;q=0, de;q=0.001"), Locale::De);
        assert_eq!(locale("en;q=0.000"), Locale::Fr);
        assert_eq!(locale("*"), Locale::Fr);
        assert_eq!(locale("*, en;q=0.5"), Locale::En);
        assert_eq!(locale("en;q=2, de;q=0.1"), Locale::De);
        for bad in [
            "en;q=",
            "en;q=.5",
            "en;q=0.5000",
            "en;q=1.5",
            "en;q=abc",
            "en;q",
        ] {
            assert_eq!(locale(bad), Locale::Fr, "{bad}");
        }
        assert_eq!(locale(""), Locale::Fr);
        assert_eq!(lang("/f/x", &[]).locale, Locale::Fr);
    }

    #[test]
    fn qvalues() {
        assert_eq!(qvalue("1"), Some(1000));
        assert_eq!(qvalue("1."), Some(1000));
        assert_eq!(qvalue("1.000"), Some(1000));
        assert_eq!(qvalue("0"), Some(0));
        assert_eq!(qvalue("0.5"), Some(500));
        assert_eq!(qvalue("0.125"), Some(125));
        assert_eq!(qvalue("1.001"), None);
        assert_eq!(qvalue("01"), None);
        assert_eq!(qvalue("-0"), None);
    }

    #[test]
    fn the_query_wins_and_is_carried_on() {
        let l = lang("/f/x?lang=de-CH", &["ar"]);
        assert_eq!(l.locale, Locale::De);
        assert_eq!(l.link("/f/x/merci"), "/f/x/merci?lang=de");
        let l = lang("/f/x?a=1&lang=nl_BE&lang=ar", &[]);
        assert_eq!(l.locale, Locale::Nl);
        // Unknown or empty: as if absent, and nothing is carried on.
        let l = lang("/f/x?lang=zz", &["it"]);
        assert_eq!(l.locale, Locale::It);
        assert_eq!(l.link("/f/x"), "/f/x");
        assert_eq!(lang("/f/x?lang=", &[]).locale, Locale::Fr);
        assert_eq!(lang("/f/x?language=de", &[]).locale, Locale::Fr);
        assert_eq!(lang("/f/x?lang=%61r", &[]).locale, Locale::Ar);
    }

    #[test]
    fn every_locale_has_its_page_words() {
        for &l in Locale::ALL {
            let s = page_strings(l);
            for t in [
                s.error_title_prefix,
                s.sent_title_prefix,
                s.max_chars,
                s.conflict,
                s.not_found_title,
                s.not_found_body,
                s.unreadable_title,
                s.unreadable_body,
                s.too_large_title,
                s.too_large_body,
                s.foreign_title,
                s.foreign_body,
                s.method_title,
                s.back_to_form,
            ] {
                assert!(!t.trim().is_empty(), "{l:?}");
                assert!(!t.contains("  "), "{l:?}: {t:?}");
            }
            assert_eq!(s.max_chars.matches("{n}").count(), 1, "{l:?}");
            // The prefixes are followed by the title.
            assert!(s.error_title_prefix.ends_with(' '), "{l:?}");
            assert!(s.sent_title_prefix.ends_with(' '), "{l:?}");
        }
    }
}
