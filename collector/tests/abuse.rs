//! Abuse protection and operations, driven in-process: per-client rate limiting (client address
//! given by `MockConnectInfo`, as `launch` gives the real peer), per-form CORS, retention and
//! the `/metrics` scrape. One test goes through a real socket to prove `launch` passes the
//! peer address on.

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use axum::{
    body::Body,
    extract::connect_info::MockConnectInfo,
    http::{Request, StatusCode},
};
use serde_json::json;
use voix_collector::{AppState, app, retention, time};

mod common;
use common::{Reply, Site, call, get, post};

const FORM_A: &str = r#"{"id":"a","title":"A","questions":[{"id":"note","type":"smileys","label":"Note","required":true}]}"#;
const FORM_B: &str = r#"{"id":"b","title":"B","questions":[{"id":"note","type":"smileys","label":"Note","required":true}]}"#;
const ADMIN: &str = "0123456789abcdef0123456789";

/// A collector started once for the whole test: its rate limiter and counters live in `state`.
struct Running {
    _site: Site,
    state: AppState,
}

/// A collector with forms `a` and `b` and `extra` configuration (before any `[form.…]` table
/// it may contain).
fn site(extra: &str) -> Running {
    let site = Site::new(
        &[("a.json", FORM_A), ("b.json", FORM_B)],
        &format!("database = \"voix.db\"\n{extra}"),
    );
    let state = site.state();
    Running { _site: site, state }
}

impl Reply {
    fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

/// Sends `req` as if from `client` (a TCP peer).
async fn send_from(state: &AppState, client: &str, req: Request<Body>) -> Reply {
    let ip: IpAddr = client.parse().unwrap();
    let router = app(state.clone()).layer(MockConnectInfo(SocketAddr::new(ip, 40_000)));
    call(router, req).await
}

fn answer(form: &str) -> Request<Body> {
    post(form, &json!({"v": 1, "answers": {"note": "good"}}))
}

fn with_header(mut req: Request<Body>, name: &'static str, value: &str) -> Request<Body> {
    req.headers_mut().append(name, value.parse().unwrap());
    req
}

async fn count(state: &AppState, form: &str) -> usize {
    state.store().responses(form).await.unwrap().len()
}

// ---- rate limiting --------------------------------------------------------------------------

#[tokio::test]
async fn a_burst_passes_then_429_with_retry_after() {
    let s = site("rate_limit = { per_minute = 2, burst = 3 }");
    for _ in 0..3 {
        let r = send_from(&s.state, "10.0.0.1", answer("a")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let r = send_from(&s.state, "10.0.0.1", answer("a")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert_eq!(r.code(), "rate_limited");
    assert_eq!(r.header("content-type"), Some("application/json"));
    // Two a minute: the next token is 30 s away.
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    assert!(!r.text().contains("10.0.0.1"));
    assert_eq!(count(&s.state, "a").await, 3);
}

#[tokio::test]
async fn other_clients_and_other_forms_are_unaffected() {
    let s = site("rate_limit = { per_minute = 1, burst = 1 }");
    assert_eq!(
        send_from(&s.state, "10.0.0.1", answer("a")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        send_from(&s.state, "10.0.0.1", answer("a")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another address, the same form.
    assert_eq!(
        send_from(&s.state, "10.0.0.2", answer("a")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        send_from(&s.state, "2001:db8::1", answer("a")).await.status,
        StatusCode::CREATED
    );
    // The same address, another form.
    assert_eq!(
        send_from(&s.state, "10.0.0.1", answer("b")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(count(&s.state, "a").await, 3);
    assert_eq!(count(&s.state, "b").await, 1);
}

#[tokio::test]
async fn a_form_table_overrides_the_rate() {
    let s = site(
        "rate_limit = { per_minute = 1, burst = 1 }\n\
         [form.b]\nrate_limit = { burst = 4 }",
    );
    for _ in 0..4 {
        assert_eq!(
            send_from(&s.state, "10.0.0.1", answer("b")).await.status,
            StatusCode::CREATED
        );
    }
    assert_eq!(
        send_from(&s.state, "10.0.0.1", answer("b")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        send_from(&s.state, "10.0.0.1", answer("a")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        send_from(&s.state, "10.0.0.1", answer("a")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn per_minute_zero_is_unlimited() {
    let s = site(
        "rate_limit = { per_minute = 1, burst = 1 }\n[form.a]\nrate_limit = { per_minute = 0 }",
    );
    for _ in 0..30 {
        let r = send_from(&s.state, "10.0.0.1", answer("a")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    assert!(s.state.limiter().is_empty());
    assert_eq!(count(&s.state, "a").await, 30);
}

#[tokio::test]
async fn every_post_counts_but_unknown_forms_and_preflights_do_not() {
    let s = site("rate_limit = { per_minute = 1, burst = 2 }");
    // An invalid answer uses a token: the limit is on attempts.
    let r = send_from(
        &s.state,
        "10.0.0.1",
        post("a", &json!({"v": 1, "answers": {}})),
    )
    .await;
    assert_eq!(r.code(), "invalid");
    for _ in 0..5 {
        let r = send_from(&s.state, "10.0.0.1", answer("nope")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let preflight = Request::options("/v1/forms/a/responses")
            .body(Body::empty())
            .unwrap();
        let r = send_from(&s.state, "10.0.0.1", preflight).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert_eq!(
            send_from(&s.state, "10.0.0.1", get("/healthz"))
                .await
                .status,
            StatusCode::OK
        );
    }
    assert_eq!(
        send_from(&s.state, "10.0.0.1", answer("a")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        send_from(&s.state, "10.0.0.1", answer("a")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn x_forwarded_for_is_ignored_unless_trusted() {
    let limited = "rate_limit = { per_minute = 1, burst = 1 }";
    // Not trusted: a client cannot pick its own bucket by writing the header.
    let s = site(limited);
    let spoof = |n: u8| with_header(answer("a"), "x-forwarded-for", &format!("192.0.2.{n}"));
    assert_eq!(
        send_from(&s.state, "10.0.0.1", spoof(1)).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        send_from(&s.state, "10.0.0.1", spoof(2)).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Trusted: behind one proxy (the peer), residents are told apart by the entry it appended,
    // the right-most one; what the client wrote to its left does not matter.
    let s = site(&format!("trust_forwarded_for = true\n{limited}"));
    let via_proxy = |chain: &str| with_header(answer("a"), "x-forwarded-for", chain);
    assert_eq!(
        send_from(&s.state, "10.9.9.9", via_proxy("192.0.2.1"))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        send_from(&s.state, "10.9.9.9", via_proxy("192.0.2.2"))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        send_from(&s.state, "10.9.9.9", via_proxy("198.51.100.7, 192.0.2.1"))
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // No header through the proxy: the peer is the client.
    assert_eq!(
        send_from(&s.state, "10.9.9.9", answer("a")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        send_from(&s.state, "10.9.9.9", answer("a")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_refusal_is_readable_cross_origin() {
    let s = site(
        "allowed_origins = [\"https://mairie.example\"]\nrate_limit = { per_minute = 1, burst = 1 }",
    );
    let from_page = || with_header(answer("a"), "origin", "https://mairie.example");
    assert_eq!(
        send_from(&s.state, "10.0.0.1", from_page()).await.status,
        StatusCode::CREATED
    );
    let r = send_from(&s.state, "10.0.0.1", from_page()).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // The widget must be able to read the code, and the wait its outbox is to honour.
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://mairie.example")
    );
    assert_eq!(
        r.header("access-control-expose-headers"),
        Some("retry-after")
    );
    assert!(r.header("retry-after").is_some());
}

#[tokio::test]
async fn without_a_known_peer_nothing_is_limited() {
    // `app` used without connect info (an embedder's own server, most tests): no address, no
    // bucket. `launch` always passes the peer (see `launch_passes_the_peer_address`).
    let s = site("rate_limit = { per_minute = 1, burst = 1 }");
    for _ in 0..3 {
        let r = call(app(s.state.clone()), answer("a")).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    assert!(s.state.limiter().is_empty());
}

#[tokio::test]
async fn launch_passes_the_peer_address() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let s = site("rate_limit = { per_minute = 1, burst = 2 }");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(voix_collector::launch(listener, s.state.clone(), async {
        let _ = stopped.await;
    }));
    let body = json!({"v": 1, "answers": {"note": "good"}}).to_string();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!(
            "POST /v1/forms/a/responses HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/plain\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        conn.write_all(req.as_bytes()).await.unwrap();
        let mut reply = String::new();
        conn.read_to_string(&mut reply).await.unwrap();
        statuses.push(reply.split(' ').nth(1).unwrap_or("").to_owned());
    }
    assert_eq!(statuses, ["201", "201", "429"]);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

// ---- per-form CORS --------------------------------------------------------------------------

#[tokio::test]
async fn an_origin_allowed_by_one_form_is_refused_by_another() {
    let s = site("[form.a]\nallowed_origins = [\"https://x.example\"]");
    let from_x = |form: &str| with_header(answer(form), "origin", "https://x.example");
    let r = send_from(&s.state, "10.0.0.1", from_x("a")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://x.example")
    );
    let r = send_from(&s.state, "10.0.0.1", from_x("b")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(r.code(), "origin_not_allowed");
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(count(&s.state, "a").await, 1);
    assert_eq!(count(&s.state, "b").await, 0);
    // Another origin is refused by A too.
    let r = send_from(
        &s.state,
        "10.0.0.1",
        with_header(answer("a"), "origin", "https://y.example"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// Issue 14, defect 2: the origin check read the raw path (`%61` is not a known id, so the
/// top-level `allowed_origins` applied) while the route decoded it and stored the answer in `a`.
#[tokio::test]
async fn a_percent_encoded_form_id_is_checked_against_its_own_origins() {
    let s = site(
        "allowed_origins = [\"https://everyone.example\"]\n\
         [form.a]\nallowed_origins = [\"https://x.example\"]",
    );
    let from = |path: &str, origin: &str| {
        let req = common::post_with(path, "text/plain", r#"{"v":1,"answers":{"note":"good"}}"#);
        with_header(req, "origin", origin)
    };
    // `%61` is `a`: form a's own list applies, and it does not name everyone.example.
    for id in ["%61", "%2561", "a"] {
        let r = send_from(&s.state, "10.0.0.1", from(id, "https://everyone.example")).await;
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&r.status),
            "{id}: {} {}",
            r.status,
            r.text()
        );
        // Not the page's origin: a 404 is readable by anyone (`*`), a 403 by no one.
        assert_ne!(
            r.header("access-control-allow-origin"),
            Some("https://everyone.example"),
            "{id}"
        );
    }
    assert_eq!(count(&s.state, "a").await, 0);
    // The form's own origin may post through the encoded id: it is form a.
    let r = send_from(&s.state, "10.0.0.1", from("%61", "https://x.example")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(count(&s.state, "a").await, 1);
    // Form b has the top-level list.
    let r = send_from(
        &s.state,
        "10.0.0.1",
        from("%62", "https://everyone.example"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

/// An unknown form is a 404 before anything else: not a 403 for a foreign page, and a
/// preflight is not answered 204.
#[tokio::test]
async fn an_unknown_form_is_not_found_before_the_origin_check() {
    let s = site("allowed_origins = [\"https://x.example\"]");
    for origin in ["https://x.example", "https://evil.example"] {
        let r = send_from(
            &s.state,
            "10.0.0.1",
            with_header(answer("nope"), "origin", origin),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{origin}: {}", r.text());
        assert_eq!(r.code(), "not_found");
        let preflight = Request::options("/v1/forms/nope/responses")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .body(Body::empty())
            .unwrap();
        let r = send_from(&s.state, "10.0.0.1", preflight).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{origin}: {}", r.text());
        assert_eq!(r.header("access-control-allow-methods"), None);
    }
    // A known form's preflight from an allowed page still succeeds.
    let preflight = Request::options("/v1/forms/%61/responses")
        .header("origin", "https://x.example")
        .body(Body::empty())
        .unwrap();
    let r = send_from(&s.state, "10.0.0.1", preflight).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

// ---- retention ------------------------------------------------------------------------------

#[tokio::test]
async fn retention_deletes_only_expired_answers_of_forms_with_a_limit() {
    let s = site("[form.a]\nretain_days = 30");
    for form in ["a", "a", "b"] {
        assert_eq!(
            send_from(&s.state, "10.0.0.1", answer(form)).await.status,
            StatusCode::CREATED
        );
    }
    assert!(retention::is_needed(&s.state));
    // Today nothing is 30 days old.
    assert_eq!(retention::run_once(&s.state, time::now()).await, 0);
    assert_eq!(count(&s.state, "a").await, 2);
    // 31 days from now, A's answers are past their limit; B keeps its answers forever.
    let later = time::now() + jiff::SignedDuration::from_hours(31 * 24);
    assert_eq!(retention::run_once(&s.state, later).await, 2);
    assert_eq!(count(&s.state, "a").await, 0);
    assert_eq!(count(&s.state, "b").await, 1);
    let m = scrape(&s.state, None).await;
    assert!(
        m.contains("voix_retention_deleted_total{form=\"a\"} 2\n"),
        "{m}"
    );
    assert!(
        m.contains("voix_retention_deleted_total{form=\"b\"} 0\n"),
        "{m}"
    );
}

#[tokio::test]
async fn no_retention_task_without_a_limit() {
    let s = site("");
    assert!(!retention::is_needed(&s.state));
    // Returns at once instead of looping.
    tokio::time::timeout(Duration::from_secs(5), retention::run(s.state.clone()))
        .await
        .unwrap();
}

// ---- metrics --------------------------------------------------------------------------------

async fn scrape(state: &AppState, token: Option<&str>) -> String {
    let mut req = get("/metrics");
    if let Some(t) = token {
        req = with_header(req, "authorization", &format!("Bearer {t}"));
    }
    let r = send_from(state, "10.0.0.1", req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/openmetrics-text; version=1.0.0"),
    );
    r.text()
}

fn value(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no `{series}` in\n{metrics}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn metrics_count_requests_answers_and_refusals() {
    let s = site("rate_limit = { per_minute = 1, burst = 3 }");
    let st = &s.state;
    assert_eq!(
        send_from(st, "10.0.0.1", get("/v1/forms/a")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send_from(st, "10.0.0.1", get("/healthz")).await.status,
        StatusCode::OK
    );
    send_from(st, "10.0.0.1", get("/no/such/file-123")).await;
    let with_id = json!({"v": 1, "id": "submission-0001", "answers": {"note": "good"}});
    assert_eq!(
        send_from(st, "10.0.0.1", post("a", &with_id)).await.status,
        StatusCode::CREATED
    );
    // The widget retrying: acknowledged, not stored again.
    assert_eq!(
        send_from(st, "10.0.0.1", post("a", &with_id)).await.status,
        StatusCode::CREATED
    );
    let r = send_from(st, "10.0.0.1", post("a", &json!({"v": 1, "answers": {}}))).await;
    assert_eq!(r.code(), "invalid");
    assert_eq!(
        send_from(st, "10.0.0.1", answer("a")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        send_from(st, "10.0.0.2", answer("b")).await.status,
        StatusCode::CREATED
    );

    let m = scrape(st, None).await;
    assert_eq!(value(&m, "voix_answers_stored_total{form=\"a\"}"), 1.0);
    assert_eq!(value(&m, "voix_answers_stored_total{form=\"b\"}"), 1.0);
    assert_eq!(value(&m, "voix_answers_duplicate_total{form=\"a\"}"), 1.0);
    assert_eq!(
        value(
            &m,
            "voix_answers_rejected_total{form=\"a\",code=\"invalid\"}"
        ),
        1.0
    );
    assert_eq!(value(&m, "voix_rate_limited_total{form=\"a\"}"), 1.0);
    assert_eq!(value(&m, "voix_rate_limited_total{form=\"b\"}"), 0.0);
    // Route templates, never raw paths: no form id, no file name in a label.
    assert_eq!(
        value(
            &m,
            "voix_http_requests_total{route=\"/v1/forms/{id}\",status=\"200\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            &m,
            "voix_http_requests_total{route=\"/v1/forms/{id}/responses\",status=\"201\"}"
        ),
        3.0
    );
    assert_eq!(
        value(
            &m,
            "voix_http_requests_total{route=\"/v1/forms/{id}/responses\",status=\"429\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            &m,
            "voix_http_requests_total{route=\"/healthz\",status=\"200\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            &m,
            "voix_http_requests_total{route=\"fallback\",status=\"404\"}"
        ),
        1.0
    );
    assert!(!m.contains("file-123") && !m.contains("/v1/forms/a"), "{m}");
    assert!(!m.contains("10.0.0"), "{m}");
    assert!(value(&m, "voix_request_duration_seconds_count") >= 8.0);
    assert!(value(&m, "voix_request_duration_seconds_bucket{le=\"+Inf\"}") >= 8.0);
    // This collector's store's own (it was process-wide): one transaction per answer that
    // reached it, the retry included, as they came one after the other.
    assert_eq!(value(&m, "voix_store_batch_size_count"), 3.0);

    // The scrape itself is counted from the next one on.
    let m = scrape(st, None).await;
    assert_eq!(
        value(
            &m,
            "voix_http_requests_total{route=\"/metrics\",status=\"200\"}"
        ),
        1.0
    );
}

#[tokio::test]
async fn metrics_need_the_admin_token_when_there_is_one() {
    let s = site(&format!("admin_token = \"{ADMIN}\""));
    let r = send_from(&s.state, "10.0.0.1", get("/metrics")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "unauthorized");
    let r = send_from(
        &s.state,
        "10.0.0.1",
        with_header(
            get("/metrics"),
            "authorization",
            "Bearer wrong-token-wrong-token",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let m = scrape(&s.state, Some(ADMIN)).await;
    // OpenMetrics names a counter's family without `_total`; its samples carry it.
    assert!(m.contains("# TYPE voix_http_requests counter"));
}

/// Issue 14, defect 6: one reading of `Authorization` for every route that needs the admin
/// token. `/metrics` used to take only `Bearer ` exactly (`strip_prefix("Bearer ")`), the admin
/// API any case and spaces; the same header now gets the same answer everywhere.
#[tokio::test]
async fn every_admin_route_reads_the_token_the_same_way() {
    let s = site(&format!("admin_token = \"{ADMIN}\""));
    let routes = [
        "/metrics",
        "/v1/admin/forms/a/responses.csv",
        "/v1/admin/forms/a/responses.json",
        "/v1/forms/a/results",
    ];
    let accepted = [
        format!("Bearer {ADMIN}"),
        format!("bearer {ADMIN}"),
        format!("BEARER  {ADMIN} "),
        format!("Bearer   {ADMIN}"),
    ];
    let refused = [
        String::new(),
        format!("Bearer {ADMIN}x"),
        format!("Basic {ADMIN}"),
        format!("Bearer{ADMIN}"),
        "Bearer".to_owned(),
        format!("Token {ADMIN}"),
    ];
    for route in routes {
        for (header, expected) in accepted
            .iter()
            .map(|h| (h, StatusCode::OK))
            .chain(refused.iter().map(|h| (h, StatusCode::UNAUTHORIZED)))
        {
            let mut req = get(route);
            if !header.is_empty() {
                req = with_header(req, "authorization", header);
            }
            let r = send_from(&s.state, "10.0.0.1", req).await;
            assert_eq!(r.status, expected, "{route} with {header:?}: {}", r.text());
        }
    }
}

#[tokio::test]
async fn healthz_is_unchanged() {
    let s = site("rate_limit = { per_minute = 1, burst = 1 }");
    for _ in 0..5 {
        let r = send_from(&s.state, "10.0.0.1", get("/healthz")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
}
