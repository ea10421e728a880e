//! The dashboard's pages as HTML strings: the frame every page shares ([`document`]), the login
//! page, the list of forms, one form's results, and the short message pages.
//!
//! Written by hand like the no-JS pages, no template engine: a handful of pages, every value
//! escaped with [`escape`] at the one place it is written. Headings follow the page (one `h1`,
//! `h2` per section, `h3` per question); every chart is followed by a table with a `caption`
//! and `th scope`; every field has its `label`; an error is announced (`role="alert"`) and
//! linked to its field (`aria-describedby`).

use jiff::{Timestamp, civil::Date};
use voix_form::{
    Form,
    html::escape,
    results::{FormResults, QuestionResult},
    schema::KindName,
};

use super::{
    charts::{self, Bar},
    params::{Filter, Step, TEXTS_PER_PAGE},
    strings::{Lang, fill},
};

/// The stylesheet's path.
pub(super) const STYLESHEET_PATH: &str = "/admin/admin.css";

/// What every page has around its content.
pub(super) struct Chrome<'a> {
    pub lang: Lang,
    pub title: &'a str,
    /// This page in the other language.
    pub switch: String,
    /// The logout form's token, when the visitor has a session cookie.
    pub csrf: Option<String>,
}

/// A whole page: `main` inside the frame.
pub(super) fn document(c: &Chrome<'_>, main: &str) -> String {
    let s = c.lang.strings();
    let logout = c.csrf.as_ref().map_or(String::new(), |token| {
        format!(
            "<form method=\"post\" action=\"/admin/logout?lang={}\" class=\"logout\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button type=\"submit\" class=\"secondary\">{}</button></form>",
            s.tag,
            escape(token),
            escape(s.logout)
        )
    });
    format!(
        "<!doctype html>\n<html lang=\"{tag}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\">\
         <title>{title} · {brand}</title>\
         <link rel=\"stylesheet\" href=\"{STYLESHEET_PATH}\"></head>\
         <body><a class=\"skip\" href=\"#main\">{skip}</a>\
         <header class=\"top\"><div class=\"wrap top-inner\">\
         <p class=\"brand\"><a href=\"/admin?lang={tag}\">{brand}</a></p>\
         <nav aria-label=\"{nav}\" class=\"tools\"><a href=\"{switch}\" lang=\"{other}\" \
         hreflang=\"{other}\">{other_name}</a>{logout}</nav></div></header>\
         <main id=\"main\" class=\"wrap\" tabindex=\"-1\">{main}</main></body></html>\n",
        tag = s.tag,
        title = escape(c.title),
        brand = escape(s.brand),
        skip = escape(s.skip),
        nav = escape(s.language_nav),
        switch = escape(&c.switch),
        other = s.other_tag,
        other_name = escape(s.other_language),
    )
}

/// The login form; `error` when a wrong token was given; `next` is where to go after.
pub(super) fn login(lang: Lang, error: bool, next: &str) -> String {
    let s = lang.strings();
    let (alert, described, invalid) = if error {
        (
            format!(
                "<p id=\"token-error\" class=\"alert\" role=\"alert\">{}{}</p>",
                escape(s.error_prefix),
                escape(s.wrong_token)
            ),
            "token-hint token-error",
            " aria-invalid=\"true\"",
        )
    } else {
        (String::new(), "token-hint", "")
    };
    format!(
        "<h1>{title}</h1><div class=\"card narrow\"><p>{intro}</p>\
         <form method=\"post\" action=\"/admin/login?lang={tag}\" class=\"login\">{alert}\
         <div class=\"field\"><label for=\"token\">{label}</label>\
         <p id=\"token-hint\" class=\"hint\">{hint}</p>\
         <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" \
         required aria-describedby=\"{described}\"{invalid}></div>\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <button type=\"submit\">{button}</button></form></div>",
        title = escape(s.login_title),
        intro = escape(s.login_intro),
        tag = s.tag,
        label = escape(s.token_label),
        hint = escape(s.token_hint),
        next = escape(next),
        button = escape(s.login_button),
    )
}

/// A page saying one thing, with a link back to the list.
pub(super) fn message(lang: Lang, title: &str, text: &str, back: bool) -> String {
    let s = lang.strings();
    let link = if back {
        format!(
            "<p><a href=\"/admin?lang={}\">{}</a></p>",
            s.tag,
            escape(s.back_to_list)
        )
    } else {
        String::new()
    };
    format!(
        "<h1>{}</h1><div class=\"card narrow\"><p>{}</p>{link}</div>",
        escape(title),
        escape(text)
    )
}

/// One form in the list.
pub(super) struct Listed<'a> {
    pub form: &'a Form,
    pub answers: u64,
    pub last: Option<Timestamp>,
}

/// The list of forms, as cards.
pub(super) fn list(lang: Lang, forms: &[Listed<'_>]) -> String {
    let s = lang.strings();
    let mut out = format!("<h1>{}</h1>", escape(s.forms_title));
    if forms.is_empty() {
        out.push_str(&format!("<p>{}</p>", escape(s.no_forms)));
        return out;
    }
    out.push_str("<ul class=\"cards\">");
    for f in forms {
        let kind = if f.form.poll.is_some() {
            s.kind_poll
        } else {
            s.kind_form
        };
        let last = f.last.map_or_else(|| s.never.to_owned(), |t| lang.time(t));
        out.push_str(&format!(
            "<li class=\"card form-card\"><h2><a href=\"/admin/forms/{id}?lang={tag}\">{title}</a></h2>\
             <p class=\"total\"><span class=\"big\" data-answers=\"{n}\">{count}</span> {answers}</p>\
             <dl class=\"facts\"><div><dt>{id_l}</dt><dd><code>{id}</code></dd></div>\
             <div><dt>{kind_l}</dt><dd>{kind}</dd></div>\
             <div><dt>{last_l}</dt><dd>{last}</dd></div></dl></li>",
            id = escape(&f.form.id),
            tag = s.tag,
            title = escape(&f.form.title),
            n = f.answers,
            count = escape(&lang.number(f.answers)),
            answers = escape(s.answers),
            id_l = escape(s.id),
            kind_l = escape(s.kind),
            kind = escape(kind),
            last_l = escape(s.last_answer),
            last = escape(&last),
        ));
    }
    out.push_str("</ul>");
    out
}

/// One form's results over a period.
pub(super) struct Results<'a> {
    pub form: &'a Form,
    pub filter: &'a Filter,
    pub results: &'a FormResults,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub all_time: u64,
    pub series: Option<(Step, Vec<(Date, u64)>)>,
    /// Per free-text list: its heading and its texts, newest first, with when they came.
    pub texts: Vec<(String, Vec<(Timestamp, &'a str)>)>,
}

/// The form page's content.
pub(super) fn form_page(lang: Lang, r: &Results<'_>) -> String {
    let s = lang.strings();
    let path = format!("/admin/forms/{}", escape(&r.form.id));
    let kind = if r.form.poll.is_some() {
        s.kind_poll
    } else {
        s.kind_form
    };
    let mut out = format!(
        "<p class=\"crumb\"><a href=\"/admin?lang={tag}\">← {back}</a></p>\
         <h1>{title}</h1><p class=\"sub\">{kind} · <code>{id}</code></p>",
        tag = s.tag,
        back = escape(s.back_to_list),
        title = escape(&r.form.title),
        kind = escape(kind),
        id = escape(&r.form.id),
    );
    out += &filter_form(lang, &path, r.filter);
    out += &summary(lang, r);
    out += &over_time(lang, r);
    out += &format!(
        "<section aria-labelledby=\"questions\"><h2 id=\"questions\">{}</h2>",
        escape(s.questions_title)
    );
    for (i, q) in r.results.questions.iter().enumerate() {
        out += &question(lang, i, q);
    }
    out += "</section>";
    out += &texts(lang, &path, r);
    out
}

fn filter_form(lang: Lang, path: &str, f: &Filter) -> String {
    let s = lang.strings();
    let errors: String = f
        .errors
        .iter()
        .map(|e| format!("<li>{}</li>", escape(e)))
        .collect();
    let alert = if errors.is_empty() {
        String::new()
    } else {
        format!("<div id=\"date-errors\" class=\"alert\" role=\"alert\"><ul>{errors}</ul></div>")
    };
    let described = if errors.is_empty() {
        "date-hint"
    } else {
        "date-hint date-errors"
    };
    let hidden_q = if f.q.is_empty() {
        String::new()
    } else {
        format!(
            "<input type=\"hidden\" name=\"q\" value=\"{}\">",
            escape(&f.q)
        )
    };
    format!(
        "<form method=\"get\" action=\"{path}\" class=\"card filter\">{alert}\
         <fieldset><legend>{legend}</legend><p id=\"date-hint\" class=\"hint\">{hint}</p>\
         <div class=\"filter-fields\">\
         <div class=\"field\"><label for=\"from\">{from_l}</label>\
         <input id=\"from\" name=\"from\" type=\"date\" value=\"{from}\" aria-describedby=\"{described}\"></div>\
         <div class=\"field\"><label for=\"to\">{to_l}</label>\
         <input id=\"to\" name=\"to\" type=\"date\" value=\"{to}\" aria-describedby=\"{described}\"></div>\
         <input type=\"hidden\" name=\"lang\" value=\"{tag}\">{hidden_q}\
         <div class=\"actions\"><button type=\"submit\">{apply}</button>\
         <a href=\"{path}?lang={tag}\">{clear}</a></div></div></fieldset></form>",
        legend = escape(s.filter_legend),
        hint = escape(s.date_hint),
        from_l = escape(s.from_label),
        to_l = escape(s.to_label),
        from = escape(&f.from_text),
        to = escape(&f.to_text),
        tag = s.tag,
        apply = escape(s.apply),
        clear = escape(s.clear),
    )
}

fn summary(lang: Lang, r: &Results<'_>) -> String {
    let s = lang.strings();
    let when = |t: Option<Timestamp>| t.map_or_else(|| s.never.to_owned(), |t| lang.time(t));
    let range = r.filter.range_query();
    let sep = if range.is_empty() { "" } else { "?" };
    let base = format!("/admin/forms/{}/responses", escape(&r.form.id));
    format!(
        "<section aria-labelledby=\"summary\"><h2 id=\"summary\">{title}</h2>\
         <div class=\"stats\"><div class=\"card stat\"><p class=\"stat-label\">{in_range}</p>\
         <p class=\"big\" id=\"in-range\" data-count=\"{n}\">{count}</p></div>\
         <div class=\"card stat\"><p class=\"stat-label\">{first_l}</p><p class=\"when\">{first}</p></div>\
         <div class=\"card stat\"><p class=\"stat-label\">{last_l}</p><p class=\"when\">{last}</p></div>\
         <div class=\"card stat\"><p class=\"stat-label\">{all_l}</p><p class=\"mid\">{all}</p></div></div>\
         <p class=\"downloads\"><a class=\"button secondary\" href=\"{base}.csv{sep}{range}\" download>{csv}</a> \
         <a class=\"button secondary\" href=\"{base}.json{sep}{range}\" download>{json}</a></p></section>",
        title = escape(s.summary_title),
        in_range = escape(s.in_range),
        n = r.results.responses,
        count = escape(&lang.number(r.results.responses)),
        first_l = escape(s.first_answer),
        first = escape(&when(r.first)),
        last_l = escape(s.last_answer),
        last = escape(&when(r.last)),
        all_l = escape(s.all_time),
        all = escape(&lang.number(r.all_time)),
        range = escape(&range),
        csv = escape(s.download_csv),
        json = escape(s.download_json),
    )
}

fn over_time(lang: Lang, r: &Results<'_>) -> String {
    let s = lang.strings();
    let Some((step, points)) = &r.series else {
        return format!(
            "<section aria-labelledby=\"time\"><h2 id=\"time\">{}</h2><p>{}</p></section>",
            escape(s.over_time),
            escape(s.no_answer)
        );
    };
    let (per, head) = match step {
        Step::Day => (s.per_day, s.day),
        Step::Week => (s.per_week, s.week),
    };
    let label = |d: Date| match step {
        Step::Day => lang.date(d),
        Step::Week => fill(s.week_of, "d", &lang.date(d)),
    };
    let labelled: Vec<(String, u64)> = points.iter().map(|&(d, n)| (label(d), n)).collect();
    let title = format!("{} ({per})", s.over_time);
    let chart = charts::columns(&fill(s.chart_of, "t", &title), &labelled, lang);
    let rows: Vec<[String; 2]> = labelled
        .iter()
        .map(|(d, n)| [d.clone(), lang.number(*n)])
        .collect();
    format!(
        "<section aria-labelledby=\"time\"><h2 id=\"time\">{}</h2><div class=\"card\">{chart}{}</div></section>",
        escape(&title),
        table(
            lang,
            &title,
            &[head, s.answers_heading],
            &rows,
            "time-table"
        )
    )
}

/// A table in a `details` ("show the table"), first column row headers.
fn table(lang: Lang, caption: &str, heads: &[&str], rows: &[[String; 2]], class: &str) -> String {
    table_n(lang, caption, heads, rows.iter().map(|r| r.to_vec()), class)
}

fn table_n(
    lang: Lang,
    caption: &str,
    heads: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
    class: &str,
) -> String {
    let s = lang.strings();
    let head: String = heads
        .iter()
        .map(|h| format!("<th scope=\"col\">{}</th>", escape(h)))
        .collect();
    let body: String = rows
        .map(|cells| {
            let mut row = String::from("<tr>");
            for (i, c) in cells.iter().enumerate() {
                if i == 0 {
                    row += &format!("<th scope=\"row\">{}</th>", escape(c));
                } else {
                    row += &format!("<td>{}</td>", escape(c));
                }
            }
            row + "</tr>"
        })
        .collect();
    format!(
        "<details class=\"data\"><summary>{}</summary><div class=\"table-wrap\">\
         <table class=\"{class}\"><caption>{}</caption><thead><tr>{head}</tr></thead>\
         <tbody>{body}</tbody></table></div></details>",
        escape(s.show_table),
        escape(caption)
    )
}

fn question(lang: Lang, i: usize, q: &QuestionResult) -> String {
    let s = lang.strings();
    let mut out = format!(
        "<article class=\"card question\" aria-labelledby=\"q{i}\"><h3 id=\"q{i}\">{}</h3>",
        escape(&q.label)
    );
    match q.kind {
        KindName::Text | KindName::Email | KindName::Consent => {
            let n = q.answered.unwrap_or(0);
            out += &format!(
                "<p class=\"answered\"><span class=\"mid\" data-answered=\"{n}\">{}</span> {}</p>",
                escape(&lang.number(n)),
                escape(s.answered_count)
            );
        }
        KindName::Nps => out += &nps(lang, i, q),
        _ => out += &options(lang, q),
    }
    out + "</article>"
}

fn options(lang: Lang, q: &QuestionResult) -> String {
    let s = lang.strings();
    let mut out = String::new();
    if let Some(mean) = q.mean {
        let text = mean.map_or_else(|| "–".to_owned(), |m| lang.decimal(m));
        out += &format!(
            "<p class=\"mean\"><span class=\"stat-label\">{}</span> <span class=\"mid\" data-mean=\"{}\">{}</span></p>",
            escape(s.mean),
            mean.map_or_else(String::new, |m| format!("{m:.2}")),
            escape(&text)
        );
    }
    let total = q.total.unwrap_or(0);
    out += &format!(
        "<p class=\"hint\">{}</p>",
        escape(&fill(s.total_answered, "n", &lang.number(total)))
    );
    let bars: Vec<Bar<'_>> = q
        .options
        .iter()
        .map(|o| Bar {
            label: &o.label,
            count: o.count,
            percent: o.percent,
        })
        .collect();
    out += &charts::bars(&fill(s.chart_of, "t", &q.label), &bars, lang);
    let rows = q.options.iter().map(|o| {
        vec![
            o.label.clone(),
            lang.number(o.count),
            lang.percent(o.percent),
        ]
    });
    out += &table_n(
        lang,
        &q.label,
        &[s.answer, s.count, s.percent],
        rows,
        "options",
    );
    out
}

fn nps(lang: Lang, i: usize, q: &QuestionResult) -> String {
    let s = lang.strings();
    let Some(n) = &q.nps else {
        return String::new();
    };
    let score = if n.score > 0 {
        format!("+{}", n.score)
    } else {
        n.score.to_string()
    };
    let groups = [
        ("nps-detractor", s.detractors, n.detractors, n.percents[2]),
        ("nps-passive", s.passives, n.passives, n.percents[1]),
        ("nps-promoter", s.promoters, n.promoters, n.percents[0]),
    ];
    let words: Vec<String> = groups
        .iter()
        .map(|(_, g, c, p)| format!("{g} : {} ({})", lang.number(*c), lang.percent(*p)))
        .collect();
    let name = format!("{} {score}. {}", s.nps_score, words.join(" ; "));
    let legend: String = groups
        .iter()
        .map(|(class, g, c, p)| {
            format!(
                "<li>{}<span>{}</span> <strong>{}</strong> ({})</li>",
                charts::swatch(class, i),
                escape(g),
                escape(&lang.number(*c)),
                escape(&lang.percent(*p))
            )
        })
        .collect();
    let rows = groups
        .iter()
        .map(|(_, g, c, p)| vec![g.to_string(), lang.number(*c), lang.percent(*p)]);
    format!(
        "<p class=\"nps-score\"><span class=\"stat-label\">{label}</span> \
         <span class=\"big\" data-nps=\"{raw}\">{score}</span></p>{stack}\
         <ul class=\"legend\">{legend}</ul>{table}",
        label = escape(s.nps_score),
        raw = n.score,
        stack = charts::nps_stack(&name, i, n.percents),
        table = table_n(lang, &q.label, &[s.group, s.count, s.percent], rows, "nps"),
    )
}

fn texts(lang: Lang, path: &str, r: &Results<'_>) -> String {
    let s = lang.strings();
    if r.texts.is_empty() {
        return String::new();
    }
    let f = r.filter;
    let hidden: String = [("from", &f.from_text), ("to", &f.to_text)]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                escape(v)
            )
        })
        .collect();
    let mut out = format!(
        "<section aria-labelledby=\"texts\"><h2 id=\"texts\">{title}</h2><p class=\"hint\">{intro}</p>\
         <form method=\"get\" action=\"{path}#texts\" class=\"card search\" role=\"search\">\
         <label for=\"q\">{label}</label><div class=\"search-row\">\
         <input id=\"q\" name=\"q\" type=\"search\" value=\"{q}\">{hidden}\
         <input type=\"hidden\" name=\"lang\" value=\"{tag}\">\
         <button type=\"submit\">{button}</button></div></form>",
        title = escape(s.texts_title),
        intro = escape(s.texts_intro),
        label = escape(s.search_label),
        q = escape(&f.q),
        tag = s.tag,
        button = escape(s.search_button),
    );
    let needle = f.q.to_lowercase();
    for (i, (heading, all)) in r.texts.iter().enumerate() {
        let found: Vec<&(Timestamp, &str)> = all
            .iter()
            .filter(|(_, t)| needle.is_empty() || t.to_lowercase().contains(&needle))
            .collect();
        out += &format!(
            "<article class=\"card texts\" aria-labelledby=\"t{i}\"><h3 id=\"t{i}\">{}</h3>",
            escape(heading)
        );
        if found.is_empty() {
            let none = if needle.is_empty() {
                s.no_text.to_owned()
            } else {
                fill(s.no_match, "q", &f.q)
            };
            out += &format!("<p>{}</p></article>", escape(&none));
            continue;
        }
        let pages = found.len().div_ceil(TEXTS_PER_PAGE);
        let page = f.page.min(pages);
        out += "<ol class=\"text-list\">";
        for (t, text) in found
            .iter()
            .skip((page - 1) * TEXTS_PER_PAGE)
            .take(TEXTS_PER_PAGE)
        {
            out += &format!(
                "<li><p class=\"text\">{}</p><p class=\"meta\"><span class=\"visually-hidden\">{} </span>\
                 <time datetime=\"{}\">{}</time></p></li>",
                escape(text),
                escape(s.received),
                t,
                escape(&lang.time(*t))
            );
        }
        out += "</ol>";
        out += &pager(lang, path, f, page, pages, heading, i);
        out += "</article>";
    }
    out + "</section>"
}

fn pager(
    lang: Lang,
    path: &str,
    f: &Filter,
    page: usize,
    pages: usize,
    heading: &str,
    i: usize,
) -> String {
    let s = lang.strings();
    let status = fill(
        &fill(s.page_of, "n", &page.to_string()),
        "m",
        &pages.to_string(),
    );
    if pages <= 1 {
        return format!("<p class=\"pager-status\">{}</p>", escape(&status));
    }
    let link = |p: usize, text: &str, rel: &str| {
        format!(
            "<a href=\"{path}?{}#t{i}\" rel=\"{rel}\">{}</a>",
            escape(&f.query(lang, p)),
            escape(text)
        )
    };
    let prev = if page > 1 {
        link(page - 1, s.previous, "prev")
    } else {
        String::new()
    };
    let next = if page < pages {
        link(page + 1, s.next, "next")
    } else {
        String::new()
    };
    format!(
        "<nav class=\"pager\" aria-label=\"{}\">{prev}<span class=\"pager-status\">{}</span>{next}</nav>",
        escape(&fill(s.pages_nav, "q", heading)),
        escape(&status)
    )
}
