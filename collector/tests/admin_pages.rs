//! The results dashboard (`/admin`, `voix_collector::routes::admin_pages`): who gets in
//! (session cookie, bearer token, CSRF), what the pages say about seeded answers (counts,
//! percentages, NPS, the date range, the free texts), the downloads, and the headers of every
//! page. SQLite only: the two store methods the dashboard adds are plain SQL on both backends.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use voix_collector::AppState;
use voix_form::answer::Answers;

mod common;
use common::{Reply, Site, send};

const TOKEN: &str = "0123456789abcdef0123";
const HOST: &str = "voix.example";

const FORM: &str = r#"
id = "enquete"
title = "Enquête mobilités"

[[questions]]
id = "mode"
type = "choice"
label = "Mode de transport"
other = true
choices = [
  { id = "bus", label = "Bus" },
  { id = "velo", label = "Vélo" },
]

[[questions]]
id = "reco"
type = "nps"
label = "Recommanderiez-vous la commune ?"

[[questions]]
id = "avis"
type = "text"
label = "Un commentaire ?"
max_length = 500
"#;

fn site(config: &str) -> Site {
    Site::new(
        &[("enquete.toml", FORM)],
        &format!("database = \"sqlite://voix.db\"\nadmin_token = \"{TOKEN}\"\n{config}"),
    )
}

/// The answers under test, each with the second it is dated to:
/// four on 2026-03-02, two on 2026-03-20, and 25 comments on 2026-03-21.
async fn seeded(site: &Site) -> AppState {
    let state = site.state();
    let mut rows: Vec<(&str, Vec<(&str, String)>)> = vec![
        (
            "2026-03-02T08:00:00Z",
            answers("bus", "10", Some("Bus scolaire en retard")),
        ),
        ("2026-03-02T09:00:00Z", answers("bus", "9", None)),
        (
            "2026-03-02T10:00:00Z",
            answers("velo", "7", Some("Plus de pistes <b>cyclables</b>")),
        ),
        ("2026-03-02T11:00:00Z", {
            let mut a = answers("other", "3", None);
            a.push(("mode.other", "Trottinette".into()));
            a
        }),
        (
            "2026-03-20T08:00:00Z",
            answers("velo", "10", Some("Merci pour le BUS")),
        ),
        ("2026-03-20T09:00:00Z", answers("velo", "0", None)),
    ];
    let comments: Vec<String> = (1..=25)
        .map(|i| format!("2026-03-21T10:{i:02}:00Z"))
        .collect();
    for (i, at) in comments.iter().enumerate() {
        rows.push((
            at,
            vec![("mode", "bus".into()), ("avis", format!("Texte {}", i + 1))],
        ));
    }
    let db = rusqlite::Connection::open(site.path().join("voix.db")).unwrap();
    for (at, a) in rows {
        let a: Answers = a.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let id = state.store().insert("enquete", None, &a).await.unwrap().id;
        db.execute(
            "UPDATE responses SET received_at = ?1 WHERE id = ?2",
            rusqlite::params![at, id.parse::<i64>().unwrap()],
        )
        .unwrap();
    }
    state
}

fn answers(mode: &str, reco: &str, avis: Option<&str>) -> Vec<(&'static str, String)> {
    let mut a = vec![("mode", mode.to_owned()), ("reco", reco.to_owned())];
    if let Some(t) = avis {
        a.push(("avis", t.to_owned()));
    }
    a
}

fn get(path: &str) -> axum::http::request::Builder {
    Request::get(path).header(header::HOST, HOST)
}

fn with_cookie(path: &str, cookie: &str) -> Request<Body> {
    get(path)
        .header(header::COOKIE, format!("voix_admin={cookie}"))
        .body(Body::empty())
        .unwrap()
}

fn bearer(path: &str) -> Request<Body> {
    get(path)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap()
}

fn anonymous(path: &str) -> Request<Body> {
    get(path).body(Body::empty()).unwrap()
}

fn post(path: &str) -> axum::http::request::Builder {
    Request::post(path)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
}

fn login_request(token: &str) -> Request<Body> {
    post("/admin/login")
        .header(header::ORIGIN, format!("https://{HOST}"))
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(format!("token={token}&next=%2Fadmin")))
        .unwrap()
}

/// Logs in and returns the session cookie's value.
async fn login(state: &AppState) -> String {
    let r = send(state, login_request(TOKEN)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    cookie_of(&r).expect("a session cookie")
}

fn cookie_of(r: &Reply) -> Option<String> {
    let set = r.header(header::SET_COOKIE)?;
    let value = set.strip_prefix("voix_admin=")?.split(';').next()?;
    Some(value.to_owned())
}

impl Reply {
    /// The security headers every dashboard response has, and no inline style.
    fn dashboard(&self) -> &Reply {
        assert_eq!(
            self.header(header::CACHE_CONTROL),
            Some("no-store"),
            "{self:?}"
        );
        let csp = self.header(header::CONTENT_SECURITY_POLICY).unwrap();
        assert_eq!(
            csp,
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'"
        );
        assert_eq!(self.header(header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));
        assert_eq!(self.header(header::REFERRER_POLICY), Some("no-referrer"));
        let text = self.text();
        assert!(!text.contains("style="), "an inline style: {text}");
        assert!(!text.contains("<script"), "{text}");
        self
    }

    fn page(&self, status: StatusCode) -> String {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(
            self.header(header::CONTENT_TYPE),
            Some("text/html; charset=utf-8")
        );
        self.dashboard();
        self.text()
    }

    fn is_login_page(&self) -> bool {
        self.text().contains("autocomplete=\"current-password\"")
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}", self.status, self.headers)
    }
}

/// A row of a results table: label, count, percent (English pages).
fn row(label: &str, count: u64, percent: u32) -> String {
    format!("<tr><th scope=\"row\">{label}</th><td>{count}</td><td>{percent}%</td></tr>")
}

#[tokio::test]
async fn logging_in_sets_a_strict_cookie_and_a_wrong_token_does_not() {
    let site = site("");
    let state = site.state();
    let r = send(&state, login_request(TOKEN)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header(header::LOCATION), Some("/admin"));
    r.dashboard();
    let set = r.header(header::SET_COOKIE).unwrap();
    for part in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/admin",
        "Max-Age=43200",
    ] {
        assert!(set.contains(part), "{set}");
    }
    // Plain HTTP, and X-Forwarded-Proto is not believed without trust_forwarded_for.
    assert!(!set.contains("Secure"), "{set}");
    let mut forwarded = login_request(TOKEN);
    forwarded
        .headers_mut()
        .insert("x-forwarded-proto", "https".parse().unwrap());
    let r = send(&state, forwarded).await;
    assert!(!r.header(header::SET_COOKIE).unwrap().contains("Secure"));

    let wrong = send(&state, login_request("0123456789abcdef0124")).await;
    let page = wrong.page(StatusCode::UNAUTHORIZED);
    assert!(wrong.header(header::SET_COOKIE).is_none());
    assert!(page.contains("role=\"alert\""), "{page}");
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(page.contains("aria-describedby=\"token-hint token-error\""));
    let metrics = send(&state, bearer("/metrics")).await.text();
    assert!(
        metrics.contains("voix_admin_refused_total{reason=\"wrong_token\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_cookie_is_secure() {
    let site = site("trust_forwarded_for = true");
    let state = site.state();
    let mut forwarded = login_request(TOKEN);
    forwarded
        .headers_mut()
        .insert("x-forwarded-proto", "https".parse().unwrap());
    let r = send(&state, forwarded).await;
    assert!(r.header(header::SET_COOKIE).unwrap().contains("; Secure"));
    let r = send(&state, login_request(TOKEN)).await;
    assert!(!r.header(header::SET_COOKIE).unwrap().contains("Secure"));
}

#[tokio::test]
async fn without_a_session_every_page_is_the_login_form_and_no_data() {
    let site = site("");
    let state = seeded(&site).await;
    let r = send(&state, anonymous("/admin")).await;
    let page = r.page(StatusCode::OK);
    assert!(r.is_login_page());
    assert!(
        page.contains("<label for=\"token\">Jeton d&#39;administration</label>"),
        "{page}"
    );
    assert!(!page.contains("Enquête"), "{page}");
    for path in [
        "/admin/forms/enquete",
        "/admin/forms/enquete/responses.csv",
        "/admin/forms/enquete/responses.json",
        "/admin/forms/nope",
    ] {
        let r = send(&state, anonymous(path)).await;
        let page = r.page(StatusCode::UNAUTHORIZED);
        assert!(r.is_login_page(), "{path}");
        assert!(
            !page.contains("Trottinette") && !page.contains("Mode de transport"),
            "{path}"
        );
        assert!(r.header(header::SET_COOKIE).is_none());
    }
    // After logging in from there, the browser goes back to the page it asked for.
    assert!(
        send(&state, anonymous("/admin/forms/enquete?lang=en"))
            .await
            .text()
            .contains("name=\"next\" value=\"/admin/forms/enquete?lang=en\"")
    );
}

#[tokio::test]
async fn forged_expired_and_tampered_cookies_are_refused() {
    let site = site("");
    let state = seeded(&site).await;
    let good = login(&state).await;
    assert!(
        !send(&state, with_cookie("/admin", &good))
            .await
            .is_login_page()
    );
    let (expiry, mac) = good.split_once('.').unwrap();
    let expiry: i64 = expiry.parse().unwrap();
    let flipped = format!(
        "{expiry}.{}{}",
        if mac.starts_with('0') { '1' } else { '0' },
        &mac[1..]
    );
    for bad in [
        format!("{}.{mac}", expiry + 60),
        format!("{}.{mac}", expiry - 13 * 3600),
        flipped,
        format!("{expiry}."),
        "garbage".to_owned(),
        String::new(),
    ] {
        let r = send(&state, with_cookie("/admin/forms/enquete", &bad)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{bad}");
        assert!(r.is_login_page(), "{bad}");
    }
    // Another token makes every session void, even one signed with the same database.
    site.write(
        "voix.toml",
        std::fs::read_to_string(site.config_path())
            .unwrap()
            .replace(TOKEN, "another-token-0123456789"),
    );
    let other = site.state();
    let r = send(&other, with_cookie("/admin", &good)).await;
    assert!(r.is_login_page());
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let site = site("");
    let state = site.state();
    let foreign = post("/admin/login")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(format!("token={TOKEN}")))
        .unwrap();
    let r = send(&state, foreign).await;
    r.page(StatusCode::FORBIDDEN);
    assert!(r.header(header::SET_COOKIE).is_none());
    let fetch_site = post("/admin/login")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(format!("token={TOKEN}")))
        .unwrap();
    let r = send(&state, fetch_site).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.header(header::SET_COOKIE).is_none());
    // curl: no Origin, no Sec-Fetch-Site.
    let plain = post("/admin/login")
        .body(Body::from(format!("token={TOKEN}")))
        .unwrap();
    assert_eq!(send(&state, plain).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn logging_out_needs_the_page_token_and_clears_the_cookie() {
    let site = site("");
    let state = site.state();
    let cookie = login(&state).await;
    let page = send(&state, with_cookie("/admin", &cookie)).await.text();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a logout form with its token")
        .to_owned();
    let logout = |body: String, origin: &str| {
        post("/admin/logout")
            .header(header::ORIGIN, origin)
            .header(header::COOKIE, format!("voix_admin={cookie}"))
            .body(Body::from(body))
            .unwrap()
    };
    let same = format!("http://{HOST}");
    for body in [
        String::new(),
        "csrf=0000".to_owned(),
        format!("csrf={csrf}x"),
    ] {
        let r = send(&state, logout(body.clone(), &same)).await;
        r.page(StatusCode::FORBIDDEN);
        assert!(r.header(header::SET_COOKIE).is_none(), "{body}");
    }
    let r = send(
        &state,
        logout(format!("csrf={csrf}"), "https://evil.example"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&state, logout(format!("csrf={csrf}"), &same)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header(header::LOCATION), Some("/admin?lang=fr"));
    let set = r.header(header::SET_COOKIE).unwrap();
    assert!(
        set.starts_with("voix_admin=;") && set.contains("Max-Age=0"),
        "{set}"
    );
}

#[tokio::test]
async fn the_list_shows_each_form_with_its_count_and_last_answer() {
    let site = site("");
    let state = seeded(&site).await;
    let r = send(&state, bearer("/admin?lang=en")).await;
    let page = r.page(StatusCode::OK);
    assert!(
        page.contains("href=\"/admin/forms/enquete?lang=en\">Enquête mobilités</a>"),
        "{page}"
    );
    assert!(page.contains("data-answers=\"31\">31</span>"), "{page}");
    assert!(page.contains("2026-03-21 10:25 UTC"), "{page}");
    // A bearer token has no session to close.
    assert!(!page.contains("name=\"csrf\""));
    assert_eq!(r.header(header::CONTENT_LANGUAGE), Some("en"));
    let fr = send(&state, bearer("/admin")).await.text();
    assert!(fr.contains("21/03/2026 10:25 UTC"), "{fr}");
}

#[tokio::test]
async fn the_form_page_counts_percents_and_scores() {
    let site = site("");
    let state = seeded(&site).await;
    let cookie = login(&state).await;
    let page = send(&state, with_cookie("/admin/forms/enquete?lang=en", &cookie))
        .await
        .page(StatusCode::OK);
    assert!(page.contains("id=\"in-range\" data-count=\"31\""), "{page}");
    assert!(page.contains(&row("Bus", 27, 87)), "{page}");
    assert!(page.contains(&row("Vélo", 3, 10)), "{page}");
    // 3 promoters, 1 passive, 2 detractors of 6: 50 − 33.
    assert!(page.contains("data-nps=\"17\">+17</span>"), "{page}");
    assert!(page.contains(&row("Promoters (9 to 10)", 3, 50)), "{page}");
    assert!(page.contains(&row("Passives (7 to 8)", 1, 17)), "{page}");
    assert!(page.contains(&row("Detractors (0 to 6)", 2, 33)), "{page}");
    assert!(page.contains("data-answered=\"28\""), "{page}");
    // The chart and its table.
    assert!(page.contains("class=\"col-chart\""));
    assert!(page.contains("role=\"img\" aria-label=\"Chart: Answers over time (per day)"));
    assert!(
        page.contains("<tr><th scope=\"row\">2026-03-02</th><td>4</td></tr>"),
        "{page}"
    );
    assert!(page.contains("<tr><th scope=\"row\">2026-03-03</th><td>0</td></tr>"));
    assert!(page.contains("<caption>"));
    // The "other" box is listed; texts are escaped.
    assert!(page.contains("Trottinette"));
    let found = send(
        &state,
        with_cookie("/admin/forms/enquete?q=pistes", &cookie),
    )
    .await
    .text();
    assert!(
        found.contains("Plus de pistes &lt;b&gt;cyclables&lt;/b&gt;"),
        "{found}"
    );
    assert!(!found.contains("<b>cyclables"));
    // A session has its logout form; the other language is one link away.
    assert!(page.contains("name=\"csrf\""));
    assert!(
        page.contains("href=\"/admin/forms/enquete?lang=fr\" lang=\"fr\""),
        "{page}"
    );
}

#[tokio::test]
async fn the_date_range_changes_the_numbers() {
    let site = site("");
    let state = seeded(&site).await;
    let page = send(
        &state,
        bearer("/admin/forms/enquete?lang=en&from=2026-03-01&to=2026-03-10"),
    )
    .await
    .page(StatusCode::OK);
    assert!(page.contains("id=\"in-range\" data-count=\"4\""), "{page}");
    assert!(page.contains(&row("Bus", 2, 50)), "{page}");
    assert!(page.contains(&row("Vélo", 1, 25)), "{page}");
    assert!(page.contains("data-nps=\"25\">+25</span>"), "{page}");
    assert!(page.contains("value=\"2026-03-01\""));
    // The whole range is drawn, days without answers too; the last day is included.
    assert!(
        page.contains("<tr><th scope=\"row\">2026-03-10</th><td>0</td></tr>"),
        "{page}"
    );
    assert!(!page.contains("Merci pour le BUS"));
    let last_day = send(
        &state,
        bearer("/admin/forms/enquete?lang=en&from=2026-03-20&to=2026-03-20"),
    )
    .await
    .text();
    assert!(last_day.contains("data-count=\"2\""), "{last_day}");
    // The downloads keep the range.
    assert!(
        page.contains(
            "href=\"/admin/forms/enquete/responses.csv?from=2026-03-01&amp;to=2026-03-10\""
        ),
        "{page}"
    );
}

#[tokio::test]
async fn bad_dates_are_said_in_words_not_a_failure() {
    let site = site("");
    let state = seeded(&site).await;
    for query in [
        "from=2026-02-30",
        "to=yesterday",
        "from=2026-03-10&to=2026-03-01",
    ] {
        let r = send(
            &state,
            bearer(&format!("/admin/forms/enquete?lang=en&{query}")),
        )
        .await;
        let page = r.page(StatusCode::BAD_REQUEST);
        assert!(
            page.contains("id=\"date-errors\" class=\"alert\" role=\"alert\""),
            "{page}"
        );
        assert!(page.contains("aria-describedby=\"date-hint date-errors\""));
        // The dates are ignored: everything is counted.
        assert!(page.contains("data-count=\"31\""), "{query}");
    }
    let page = send(
        &state,
        bearer("/admin/forms/enquete?lang=en&from=%3Cscript%3E"),
    )
    .await
    .text();
    assert!(page.contains("&lt;script&gt;") && !page.contains("<script>"));
}

#[tokio::test]
async fn free_texts_are_searched_and_paged() {
    let site = site("");
    let state = seeded(&site).await;
    let page = send(&state, bearer("/admin/forms/enquete?lang=en"))
        .await
        .text();
    // 28 comments: 20 on the first page, newest first.
    let comments = page
        .split("id=\"t1\"")
        .nth(1)
        .unwrap()
        .split("</article>")
        .next()
        .unwrap();
    assert_eq!(comments.matches("<li>").count(), 20, "{comments}");
    assert!(comments.find("Texte 25").unwrap() < comments.find("Texte 24").unwrap());
    assert!(comments.contains("Page 1 of 2"));
    assert!(
        comments.contains("href=\"/admin/forms/enquete?lang=en&amp;page=2#t1\" rel=\"next\""),
        "{comments}"
    );
    let second = send(&state, bearer("/admin/forms/enquete?lang=en&page=2"))
        .await
        .text();
    let comments = second
        .split("id=\"t1\"")
        .nth(1)
        .unwrap()
        .split("</article>")
        .next()
        .unwrap();
    assert_eq!(comments.matches("<li>").count(), 8, "{comments}");
    assert!(comments.contains("Page 2 of 2") && comments.contains("rel=\"prev\""));
    assert!(comments.contains("Bus scolaire en retard"));
    // Case-insensitive, in the period.
    let found = send(&state, bearer("/admin/forms/enquete?lang=en&q=bus"))
        .await
        .text();
    let comments = found
        .split("id=\"t1\"")
        .nth(1)
        .unwrap()
        .split("</article>")
        .next()
        .unwrap();
    assert_eq!(comments.matches("<li>").count(), 2, "{comments}");
    assert!(comments.contains("Merci pour le BUS") && comments.contains("Page 1 of 1"));
    let none = send(&state, bearer("/admin/forms/enquete?lang=en&q=tram"))
        .await
        .text();
    assert!(none.contains("No answer contains “tram”."));
    // A page past the end shows the last one.
    let far = send(&state, bearer("/admin/forms/enquete?lang=en&page=99"))
        .await
        .text();
    assert!(far.contains("Page 2 of 2"));
}

#[tokio::test]
async fn downloads_with_a_session_and_a_range() {
    let site = site("");
    let state = seeded(&site).await;
    let cookie = login(&state).await;
    let r = send(
        &state,
        with_cookie(
            "/admin/forms/enquete/responses.csv?from=2026-03-20&to=2026-03-21",
            &cookie,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    r.dashboard();
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        r.header(header::CONTENT_DISPOSITION),
        Some("attachment; filename=\"enquete-responses-2026-03-20-2026-03-21.csv\"")
    );
    let csv = r.text();
    // A header line and 2 + 25 answers.
    assert_eq!(csv.lines().count(), 28, "{csv}");
    assert!(csv.contains("Merci pour le BUS") && !csv.contains("Trottinette"));
    let json = send(
        &state,
        with_cookie("/admin/forms/enquete/responses.json", &cookie),
    )
    .await;
    assert_eq!(json.json().as_array().unwrap().len(), 31);
    // The admin API stays bearer-only.
    let api = send(
        &state,
        with_cookie("/v1/admin/forms/enquete/responses.csv", &cookie),
    )
    .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_forms_and_paths_are_404_pages() {
    let site = site("");
    let state = site.state();
    for path in [
        "/admin/forms/nope",
        "/admin/forms/nope/responses.csv",
        "/admin/nothing",
    ] {
        let r = send(&state, bearer(path)).await;
        let page = r.page(StatusCode::NOT_FOUND);
        assert!(page.contains("<h1>Page introuvable</h1>"), "{path}: {page}");
    }
}

#[tokio::test]
async fn without_an_admin_token_the_dashboard_is_disabled() {
    let site = Site::new(&[("enquete.toml", FORM)], "database = \"sqlite://voix.db\"");
    let state = site.state();
    for r in [
        send(&state, anonymous("/admin")).await,
        send(&state, anonymous("/admin/forms/enquete")).await,
        send(&state, login_request(TOKEN)).await,
    ] {
        let page = r.page(StatusCode::NOT_FOUND);
        assert!(page.contains("Tableau de bord désactivé"), "{page}");
        assert!(r.header(header::SET_COOKIE).is_none());
    }
}

#[tokio::test]
async fn the_stylesheet_is_served_and_no_public_route_sets_a_cookie() {
    let site = site("");
    let state = site.state();
    let css = send(&state, anonymous("/admin/admin.css")).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(
        css.header(header::CONTENT_TYPE),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(css.header(header::CACHE_CONTROL), Some("no-cache"));
    assert!(css.text().contains("prefers-color-scheme: dark"));
    for path in ["/v1/forms/enquete", "/f/enquete", "/healthz"] {
        let r = send(&state, anonymous(path)).await;
        assert!(r.header(header::SET_COOKIE).is_none(), "{path}");
    }
}

/// How long the form page takes with 100 000 stored answers, all of them and one week of
/// them (a figure for ARCHITECTURE.md, not an assertion). Run in release:
/// `cargo test --release -p voix-collector --test admin_pages -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a measurement"]
async fn measure_the_form_page_with_100_000_answers() {
    const N: i64 = 100_000;
    let site = site("");
    drop(site.state());
    let mut db = rusqlite::Connection::open(site.path().join("voix.db")).unwrap();
    let tx = db.transaction().unwrap();
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO responses (form_id, received_at, answers) VALUES ('enquete', ?1, ?2)",
            )
            .unwrap();
        // 100 000 answers over 200 days, one every ~173 seconds.
        let start = jiff::Timestamp::from_second(1_767_225_600).unwrap(); // 2026-01-01
        for i in 0..N {
            let at = jiff::Timestamp::from_second(start.as_second() + i * 173).unwrap();
            let mode = ["bus", "velo", "other"][(i % 3) as usize];
            let answers = serde_json::json!({
                "mode": mode,
                "reco": (i % 11).to_string(),
                "avis": format!("Commentaire numéro {i} sur le bus et le vélo"),
            });
            insert
                .execute(rusqlite::params![
                    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    answers.to_string()
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    let state = site.state();
    for (what, path) in [
        ("all 100 000", "/admin/forms/enquete?lang=en"),
        (
            "one week",
            "/admin/forms/enquete?lang=en&from=2026-03-02&to=2026-03-08",
        ),
        (
            "all, searched",
            "/admin/forms/enquete?lang=en&q=numéro%2099",
        ),
    ] {
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = std::time::Instant::now();
            let r = send(&state, bearer(path)).await;
            times.push(t.elapsed());
            assert_eq!(r.status, StatusCode::OK);
        }
        times.sort();
        eprintln!(
            "form page, {what}: median {:?} (min {:?}, max {:?})",
            times[2], times[0], times[4]
        );
    }
    let t = std::time::Instant::now();
    send(&state, bearer("/admin")).await;
    eprintln!("list page: {:?}", t.elapsed());
}

#[tokio::test]
async fn a_trailing_slash_leads_to_the_dashboard() {
    let site = site("");
    let state = site.state();
    for (path, to) in [
        ("/admin/", "/admin"),
        ("/admin/?lang=en", "/admin?lang=en"),
        (
            "/admin/forms/enquete/?lang=en",
            "/admin/forms/enquete?lang=en",
        ),
    ] {
        let r = send(&state, anonymous(path)).await;
        assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT, "{path}");
        assert_eq!(r.header(header::LOCATION), Some(to), "{path}");
    }
}
