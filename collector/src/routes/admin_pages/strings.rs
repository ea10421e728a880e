//! Every word of the dashboard, in French and English, in one table ([`Strings`]), and the
//! few things that are written differently per language: numbers, percentages, dates.
//!
//! The dashboard speaks only these two: it is read by a town hall's staff, not by residents
//! (the no-JS form pages speak the seven locales of `voix_form::i18n`). A field per sentence
//! rather than a lookup by key, so a sentence missing in one language does not compile.

use jiff::{Timestamp, civil::Date};
use voix_form::i18n::Locale;

/// The dashboard's words in one language.
#[derive(Debug)]
pub(super) struct Strings {
    pub tag: &'static str,
    pub skip: &'static str,
    pub brand: &'static str,
    pub language_nav: &'static str,
    /// The link to the other language, written in that language.
    pub other_language: &'static str,
    pub other_tag: &'static str,
    pub logout: &'static str,
    pub login_title: &'static str,
    pub login_intro: &'static str,
    pub token_label: &'static str,
    pub token_hint: &'static str,
    pub login_button: &'static str,
    pub wrong_token: &'static str,
    pub error_prefix: &'static str,
    pub disabled_title: &'static str,
    pub disabled_text: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_text: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub failure_title: &'static str,
    pub failure_text: &'static str,
    pub forms_title: &'static str,
    pub no_forms: &'static str,
    pub kind_form: &'static str,
    pub kind_poll: &'static str,
    pub id: &'static str,
    pub kind: &'static str,
    pub answers: &'static str,
    pub answers_heading: &'static str,
    pub last_answer: &'static str,
    pub first_answer: &'static str,
    pub never: &'static str,
    pub back_to_list: &'static str,
    pub filter_legend: &'static str,
    pub from_label: &'static str,
    pub to_label: &'static str,
    pub date_hint: &'static str,
    pub apply: &'static str,
    pub clear: &'static str,
    pub bad_date: &'static str,
    pub inverted_dates: &'static str,
    pub summary_title: &'static str,
    pub in_range: &'static str,
    pub all_time: &'static str,
    pub download_csv: &'static str,
    pub download_json: &'static str,
    pub over_time: &'static str,
    pub per_day: &'static str,
    pub per_week: &'static str,
    pub day: &'static str,
    pub week: &'static str,
    pub week_of: &'static str,
    pub chart_of: &'static str,
    pub show_table: &'static str,
    pub no_answer: &'static str,
    pub questions_title: &'static str,
    pub answer: &'static str,
    pub count: &'static str,
    pub percent: &'static str,
    pub total_answered: &'static str,
    pub mean: &'static str,
    pub nps_score: &'static str,
    pub promoters: &'static str,
    pub passives: &'static str,
    pub detractors: &'static str,
    pub group: &'static str,
    pub answered_count: &'static str,
    pub texts_title: &'static str,
    pub texts_intro: &'static str,
    pub search_label: &'static str,
    pub search_button: &'static str,
    pub other_texts: &'static str,
    pub no_text: &'static str,
    pub no_match: &'static str,
    pub received: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub page_of: &'static str,
    pub pages_nav: &'static str,
}

const FR: Strings = Strings {
    tag: "fr",
    skip: "Aller au contenu",
    brand: "Voix · résultats",
    language_nav: "Langue",
    other_language: "English",
    other_tag: "en",
    logout: "Se déconnecter",
    login_title: "Connexion au tableau de bord",
    login_intro: "Saisissez le jeton d'administration de ce collecteur (la valeur de admin_token dans sa configuration).",
    token_label: "Jeton d'administration",
    token_hint: "16 caractères ou plus.",
    login_button: "Se connecter",
    wrong_token: "Ce jeton n'est pas le bon. Vérifiez la valeur de admin_token et réessayez.",
    error_prefix: "Erreur : ",
    disabled_title: "Tableau de bord désactivé",
    disabled_text: "Aucun jeton d'administration (admin_token) n'est configuré sur ce collecteur : le tableau de bord est désactivé.",
    forbidden_title: "Demande refusée",
    forbidden_text: "Cette demande ne vient pas d'une page de ce tableau de bord, ou son jeton de sécurité manque. Revenez au tableau de bord et réessayez.",
    not_found_title: "Page introuvable",
    not_found_text: "Aucun formulaire ne porte cet identifiant sur ce collecteur.",
    failure_title: "Résultats indisponibles",
    failure_text: "La base de données n'a pas répondu. Réessayez dans un instant.",
    forms_title: "Formulaires",
    no_forms: "Aucun formulaire n'est configuré.",
    kind_form: "formulaire",
    kind_poll: "sondage",
    id: "Identifiant",
    kind: "Type",
    answers: "réponses",
    answers_heading: "Réponses",
    last_answer: "Dernière réponse",
    first_answer: "Première réponse",
    never: "aucune",
    back_to_list: "Tous les formulaires",
    filter_legend: "Période",
    from_label: "Du",
    to_label: "Au (inclus)",
    date_hint: "Format : AAAA-MM-JJ, par exemple 2026-03-05.",
    apply: "Filtrer",
    clear: "Effacer les dates",
    bad_date: "La date « {d} » n'est pas valide (format attendu : AAAA-MM-JJ) : elle est ignorée.",
    inverted_dates: "La date de début est après la date de fin : les dates sont ignorées.",
    summary_title: "En bref",
    in_range: "Réponses sur la période",
    all_time: "Réponses (toute la période)",
    download_csv: "Télécharger les réponses (CSV)",
    download_json: "Télécharger les réponses (JSON)",
    over_time: "Réponses dans le temps",
    per_day: "par jour",
    per_week: "par semaine",
    day: "Jour",
    week: "Semaine",
    week_of: "semaine du {d}",
    chart_of: "Diagramme : {t}",
    show_table: "Voir le tableau",
    no_answer: "Aucune réponse sur cette période.",
    questions_title: "Résultats par question",
    answer: "Réponse",
    count: "Nombre",
    percent: "Pourcentage",
    total_answered: "{n} personnes ont répondu à cette question.",
    mean: "Moyenne",
    nps_score: "Score NPS",
    promoters: "Promoteurs (9 à 10)",
    passives: "Passifs (7 à 8)",
    detractors: "Détracteurs (0 à 6)",
    group: "Groupe",
    answered_count: "ont répondu",
    texts_title: "Réponses libres",
    texts_intro: "Les plus récentes d'abord. Ces textes peuvent contenir des données personnelles : ne les diffusez pas.",
    search_label: "Rechercher dans les réponses libres",
    search_button: "Rechercher",
    other_texts: "{q} : précisions « Autre »",
    no_text: "Aucune réponse libre sur cette période.",
    no_match: "Aucune réponse ne contient « {q} ».",
    received: "Reçue le",
    previous: "Page précédente",
    next: "Page suivante",
    page_of: "Page {n} sur {m}",
    pages_nav: "Pages de « {q} »",
};

const EN: Strings = Strings {
    tag: "en",
    skip: "Skip to content",
    brand: "Voix · results",
    language_nav: "Language",
    other_language: "Français",
    other_tag: "fr",
    logout: "Log out",
    login_title: "Log in to the dashboard",
    login_intro: "Enter this collector's admin token (the value of admin_token in its configuration).",
    token_label: "Admin token",
    token_hint: "16 characters or more.",
    login_button: "Log in",
    wrong_token: "This token is not the right one. Check the value of admin_token and try again.",
    error_prefix: "Error: ",
    disabled_title: "Dashboard disabled",
    disabled_text: "No admin token (admin_token) is configured on this collector: the dashboard is disabled.",
    forbidden_title: "Request refused",
    forbidden_text: "This request does not come from a page of this dashboard, or its security token is missing. Go back to the dashboard and try again.",
    not_found_title: "Page not found",
    not_found_text: "No form has this id on this collector.",
    failure_title: "Results unavailable",
    failure_text: "The database did not answer. Try again in a moment.",
    forms_title: "Forms",
    no_forms: "No form is configured.",
    kind_form: "form",
    kind_poll: "poll",
    id: "Id",
    kind: "Type",
    answers: "answers",
    answers_heading: "Answers",
    last_answer: "Last answer",
    first_answer: "First answer",
    never: "none",
    back_to_list: "All forms",
    filter_legend: "Period",
    from_label: "From",
    to_label: "To (included)",
    date_hint: "Format: YYYY-MM-DD, for example 2026-03-05.",
    apply: "Filter",
    clear: "Clear the dates",
    bad_date: "The date “{d}” is not valid (expected format: YYYY-MM-DD): it is ignored.",
    inverted_dates: "The start date is after the end date: the dates are ignored.",
    summary_title: "Summary",
    in_range: "Answers in the period",
    all_time: "Answers (all time)",
    download_csv: "Download the answers (CSV)",
    download_json: "Download the answers (JSON)",
    over_time: "Answers over time",
    per_day: "per day",
    per_week: "per week",
    day: "Day",
    week: "Week",
    week_of: "week of {d}",
    chart_of: "Chart: {t}",
    show_table: "Show the table",
    no_answer: "No answer in this period.",
    questions_title: "Results per question",
    answer: "Answer",
    count: "Count",
    percent: "Percent",
    total_answered: "{n} people answered this question.",
    mean: "Mean",
    nps_score: "NPS score",
    promoters: "Promoters (9 to 10)",
    passives: "Passives (7 to 8)",
    detractors: "Detractors (0 to 6)",
    group: "Group",
    answered_count: "answered",
    texts_title: "Free-text answers",
    texts_intro: "Newest first. These texts may hold personal data: do not publish them.",
    search_label: "Search the free-text answers",
    search_button: "Search",
    other_texts: "{q}: “Other” details",
    no_text: "No free-text answer in this period.",
    no_match: "No answer contains “{q}”.",
    received: "Received",
    previous: "Previous page",
    next: "Next page",
    page_of: "Page {n} of {m}",
    pages_nav: "Pages of “{q}”",
};

/// The dashboard's two languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    Fr,
    En,
}

impl Lang {
    /// `fr` or `en`, else `None`.
    pub(super) fn parse(tag: &str) -> Option<Lang> {
        match Locale::parse(tag)? {
            Locale::Fr => Some(Lang::Fr),
            Locale::En => Some(Lang::En),
            _ => None,
        }
    }

    pub(super) fn strings(self) -> &'static Strings {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// The locale of voix-form's words (smiley names, results' option labels).
    pub(super) fn locale(self) -> Locale {
        match self {
            Lang::Fr => Locale::Fr,
            Lang::En => Locale::En,
        }
    }

    /// A whole number: `12 345` (French, narrow no-break space) or `12,345`.
    pub(super) fn number(self, n: u64) -> String {
        let digits = n.to_string();
        let sep = match self {
            Lang::Fr => "\u{202f}",
            Lang::En => ",",
        };
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(sep);
            }
            out.push(c);
        }
        out
    }

    /// A percentage: `37 %` (French typography) or `37%`.
    pub(super) fn percent(self, p: u32) -> String {
        match self {
            Lang::Fr => format!("{p}\u{202f}%"),
            Lang::En => format!("{p}%"),
        }
    }

    /// A mean with two decimals: `3,75` or `3.75`.
    pub(super) fn decimal(self, x: f64) -> String {
        let text = format!("{x:.2}");
        match self {
            Lang::Fr => text.replace('.', ","),
            Lang::En => text,
        }
    }

    /// A day: `05/03/2026` or `2026-03-05`.
    pub(super) fn date(self, d: Date) -> String {
        match self {
            Lang::Fr => d.strftime("%d/%m/%Y").to_string(),
            Lang::En => d.strftime("%Y-%m-%d").to_string(),
        }
    }

    /// An instant, in UTC and saying so: `05/03/2026 14:05 UTC` or `2026-03-05 14:05 UTC`.
    pub(super) fn time(self, t: Timestamp) -> String {
        match self {
            Lang::Fr => t.strftime("%d/%m/%Y %H:%M UTC").to_string(),
            Lang::En => t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }
}

/// `template` with `{key}` replaced by `value`.
pub(super) fn fill(template: &str, key: &str, value: &str) -> String {
    template.replace(&format!("{{{key}}}"), value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_dates_and_percents_per_language() {
        assert_eq!(Lang::Fr.number(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(Lang::En.number(1_234), "1,234");
        assert_eq!(Lang::En.number(999), "999");
        assert_eq!(Lang::Fr.percent(37), "37\u{202f}%");
        assert_eq!(Lang::En.decimal(3.754), "3.75");
        assert_eq!(Lang::Fr.decimal(3.5), "3,50");
        let t: Timestamp = "2026-03-05T14:05:09Z".parse().unwrap();
        assert_eq!(Lang::Fr.time(t), "05/03/2026 14:05 UTC");
        assert_eq!(Lang::En.time(t), "2026-03-05 14:05 UTC");
        assert_eq!(Lang::parse("en-GB"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(fill(FR.page_of, "n", "2"), "Page 2 sur {m}");
    }
}
