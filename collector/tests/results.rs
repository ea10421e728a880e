//! Results, exports and the OpenAPI document, through the real router (`oneshot`) and the real
//! binary: aggregates on known answers, who may read results, the admin token, what the CSV
//! looks like to a spreadsheet, and that `collector/openapi.json` describes exactly the routes
//! the router serves.

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use serde_json::{Value, json};
use voix_collector::{AppState, store::StoredResponse};

mod common;
use common::{Reply, Site, avis, get, send};
use voix_form::{ErrorCode, answer::Answers};

const POLL: &str = r#"
id = "sondage"
title = "Sondage"

[[questions]]
id = "note"
type = "smileys"
label = "Et ce marché ?"
"#;

const TOKEN: &str = "0123456789abcdef-admin";

/// Two forms: `avis` (private results) and `sondage` (`public_results`). `extra` is added at the
/// top of `voix.toml` (before the `[form.…]` tables).
fn new_site(extra: &str) -> Site {
    let site = Site::new(
        &[("avis.toml", &avis(500)), ("sondage.toml", POLL)],
        &format!(
            r#"
database = "sqlite://data/voix.db"
{extra}

# These tests post several answers from one (absent) client address.
[rate_limit]
per_minute = 0

[form.sondage]
public_results = true
proof_of_work = true
"#
        ),
    );
    std::fs::create_dir(site.path().join("data")).unwrap();
    site
}

/// With the admin API enabled.
fn with_admin() -> Site {
    new_site(&format!("admin_token = \"{TOKEN}\""))
}

impl Reply {
    fn ok(&self) -> &Reply {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text());
        self
    }

    fn unauthorized(&self) {
        assert_eq!(self.status, StatusCode::UNAUTHORIZED, "{}", self.text());
        assert_eq!(self.header(header::WWW_AUTHENTICATE), Some("Bearer"));
        assert_eq!(self.json()["error"]["code"], "unauthorized");
    }
}

fn get_with_token(path: &str, token: &str) -> Request<Body> {
    Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

/// Stores one response straight into the store (no validation): the data under test.
async fn store(state: &AppState, form: &str, answers: &[(&str, &str)]) {
    let answers: Answers = answers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    state.store().insert(form, None, &answers).await.unwrap();
}

fn option_counts(question: &Value) -> Vec<(String, u64, u64)> {
    question["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["value"].as_str().unwrap().to_owned(),
                o["count"].as_u64().unwrap(),
                o["percent"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn triple(values: [(u64, u64); 3]) -> Vec<(String, u64, u64)> {
    ["bad", "average", "good"]
        .into_iter()
        .zip(values)
        .map(|(v, (c, p))| (v.to_owned(), c, p))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// GET /v1/forms/{id}/results

#[tokio::test]
async fn results_without_answers_are_zeroes() {
    let site = with_admin();
    let state = site.state();
    let r = send(&state, get_with_token("/v1/forms/avis/results", TOKEN)).await;
    let body = r.ok().json();
    assert_eq!(body["form"], "avis");
    assert_eq!(body["responses"], 0);
    assert!(body["generated_at"].as_str().unwrap().ends_with('Z'));
    let note = &body["questions"][0];
    assert_eq!(note["type"], "smileys");
    assert_eq!(note["id"], "note");
    assert_eq!(note["total"], 0);
    assert_eq!(note["mean"], Value::Null);
    assert_eq!(option_counts(note), triple([(0, 0), (0, 0), (0, 0)]));
    assert_eq!(
        body["questions"][1],
        json!({"type": "text", "id": "commentaire", "label": "Un commentaire ?", "answered": 0})
    );
}

#[tokio::test]
async fn results_count_smileys_and_only_count_texts() {
    let site = with_admin();
    let state = site.state();
    store(&state, "avis", &[("note", "good")]).await;
    let r = send(&state, get_with_token("/v1/forms/avis/results", TOKEN)).await;
    let body = r.ok().json();
    assert_eq!(
        option_counts(&body["questions"][0]),
        triple([(0, 0), (0, 0), (1, 100)])
    );
    assert_eq!(body["questions"][0]["mean"], 3.0);
    let labels: Vec<&str> = body["questions"][0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Pas bien", "Moyen", "Très bien"]);

    store(
        &state,
        "avis",
        &[("note", "bad"), ("commentaire", "Jean Dupont, 3 rue X")],
    )
    .await;
    store(
        &state,
        "avis",
        &[("note", "average"), ("commentaire", "secret")],
    )
    .await;
    // Another form's answers are not counted here.
    store(&state, "sondage", &[("note", "bad")]).await;
    let r = send(&state, get_with_token("/v1/forms/avis/results", TOKEN)).await;
    let body = r.ok().json();
    assert_eq!(body["responses"], 3);
    assert_eq!(body["questions"][0]["total"], 3);
    assert_eq!(
        option_counts(&body["questions"][0]),
        triple([(1, 34), (1, 33), (1, 33)])
    );
    assert_eq!(body["questions"][0]["mean"], 2.0);
    assert_eq!(body["questions"][1]["answered"], 2);
    let text = r.text();
    assert!(
        !text.contains("Dupont") && !text.contains("secret"),
        "free text must never be published: {text}"
    );
}

#[tokio::test]
async fn private_results_need_the_admin_token() {
    let site = with_admin();
    let state = site.state();
    send(&state, get("/v1/forms/avis/results"))
        .await
        .unauthorized();
    send(
        &state,
        get_with_token("/v1/forms/avis/results", "wrong-token-wrong-token"),
    )
    .await
    .unauthorized();
    let r = send(&state, get_with_token("/v1/forms/avis/results", TOKEN)).await;
    r.ok();
    assert_eq!(r.header(header::CONTENT_TYPE), Some("application/json"));
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
    assert_eq!(r.header(header::CACHE_CONTROL), Some("no-store"));

    // With the admin API disabled, private results are readable by nobody.
    let site = new_site("");
    let state = site.state();
    send(&state, get("/v1/forms/avis/results"))
        .await
        .unauthorized();
    send(&state, get_with_token("/v1/forms/avis/results", TOKEN))
        .await
        .unauthorized();
}

#[tokio::test]
async fn public_results_are_open_to_every_origin() {
    let site = new_site("");
    let state = site.state();
    store(&state, "sondage", &[("note", "good")]).await;
    store(&state, "sondage", &[("note", "good")]).await;
    store(&state, "sondage", &[("note", "bad")]).await;
    let r = send(&state, get("/v1/forms/sondage/results")).await;
    let body = r.ok().json();
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    assert_eq!(r.header(header::CACHE_CONTROL), Some("no-cache"));
    assert_eq!(
        option_counts(&body["questions"][0]),
        triple([(1, 33), (0, 0), (2, 67)])
    );
    assert_eq!(body["questions"][0]["mean"], 2.33);

    // Unknown forms: 404 for everyone, readable cross-origin like the form endpoint's.
    let r = send(&state, get("/v1/forms/nope/results")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "not_found");
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));

    let r = send(
        &state,
        Request::post("/v1/forms/sondage/results")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

// ---------------------------------------------------------------------------------------------
// Exports

/// Answers a spreadsheet must get back exactly, or neutralised.
const AWKWARD: [&str; 6] = [
    "Bien, merci",
    "Il a dit \"bonjour\"",
    "ligne 1\nligne 2\r\nligne 3",
    "=cmd|' /C calc'!A0",
    "Très bien été à l'hôtel de ville — ½ œuf 😀",
    "-2 degrés mais 3-4 personnes",
];

async fn store_awkward(state: &AppState) {
    for text in AWKWARD {
        store(state, "avis", &[("note", "average"), ("commentaire", text)]).await;
    }
    store(state, "avis", &[("note", "good")]).await;
}

/// What Excel would display, once it has taken the `'` as "this is text".
fn expected_cell(answer: &str) -> String {
    if answer.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{answer}")
    } else {
        answer.to_owned()
    }
}

fn read_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("the CSV opens with a BOM for Excel");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn check_awkward_csv(bytes: &[u8], rows: &[StoredResponse]) {
    let records = read_csv(bytes);
    assert_eq!(records[0], ["id", "received_at", "note", "commentaire"]);
    assert_eq!(records.len(), 1 + AWKWARD.len() + 1);
    for ((record, text), row) in records[1..].iter().zip(AWKWARD).zip(rows) {
        assert_eq!(record[0], row.id);
        assert_eq!(record[1], row.received_at.to_string());
        assert_eq!(record[2], "average");
        assert_eq!(record[3], expected_cell(text));
    }
    let last = records.last().unwrap();
    assert_eq!(&last[2..], ["good", ""]);
    // Records end with CRLF (RFC 4180); the LF inside the quoted answer stays as typed.
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(text.starts_with("\u{feff}id,received_at,note,commentaire\r\n"));
    assert!(text.ends_with(",good,\r\n"), "{text:?}");
    assert!(text.contains("\"ligne 1\nligne 2\r\nligne 3\""));
    assert!(text.contains("\"Il a dit \"\"bonjour\"\"\""));
    assert!(text.contains(",'=cmd|' /C calc'!A0\r\n"));
    assert!(text.contains(",'-2 degrés mais 3-4 personnes\r\n"));
}

#[tokio::test]
async fn admin_csv_export_survives_excel() {
    let site = with_admin();
    let state = site.state();
    store_awkward(&state).await;
    let rows = state.store().responses("avis").await.unwrap();

    let r = send(
        &state,
        get_with_token("/v1/admin/forms/avis/responses.csv", TOKEN),
    )
    .await;
    r.ok();
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        r.header(header::CONTENT_DISPOSITION),
        Some("attachment; filename=\"avis-responses.csv\"")
    );
    assert_eq!(r.header(header::CACHE_CONTROL), Some("no-store"));
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
    check_awkward_csv(&r.body, &rows);
}

#[tokio::test]
async fn admin_json_export_has_every_field() {
    let site = with_admin();
    let state = site.state();
    store_awkward(&state).await;
    let r = send(
        &state,
        get_with_token("/v1/admin/forms/avis/responses.json", TOKEN),
    )
    .await;
    r.ok();
    assert_eq!(r.header(header::CONTENT_TYPE), Some("application/json"));
    assert_eq!(
        r.header(header::CONTENT_DISPOSITION),
        Some("attachment; filename=\"avis-responses.json\"")
    );
    assert_eq!(r.header(header::CACHE_CONTROL), Some("no-store"));
    let rows = r.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), AWKWARD.len() + 1);
    for (row, text) in rows.iter().zip(AWKWARD) {
        // JSON is for tools: answers exactly as stored, no spreadsheet guard.
        assert_eq!(row["answers"]["commentaire"], text);
        assert!(row["id"].is_string() && row["received_at"].is_string());
        assert_eq!(row["submission_id"], Value::Null);
    }
}

#[tokio::test]
async fn admin_exports_refuse_missing_wrong_and_disabled_tokens_alike() {
    let site = with_admin();
    let state = site.state();
    store(
        &state,
        "avis",
        &[("note", "good"), ("commentaire", "privé")],
    )
    .await;
    for path in [
        "/v1/admin/forms/avis/responses.csv",
        "/v1/admin/forms/avis/responses.json",
    ] {
        let missing = send(&state, get(path)).await;
        missing.unauthorized();
        assert_eq!(missing.header(header::CACHE_CONTROL), Some("no-store"));
        let wrong = send(&state, get_with_token(path, "0123456789abcdef-admiN")).await;
        wrong.unauthorized();
        assert_eq!(wrong.body, missing.body, "one answer for every refusal");
        for auth in [
            format!("Basic {TOKEN}"),
            format!("Bearer {TOKEN}x"),
            format!("Bearer {}", &TOKEN[1..]),
            "Bearer".to_owned(),
        ] {
            let r = send(
                &state,
                Request::get(path)
                    .header(header::AUTHORIZATION, auth)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            r.unauthorized();
            assert!(!r.text().contains("privé"));
        }
        send(&state, get_with_token(path, TOKEN)).await.ok();
        let lower = Request::get(path)
            .header(header::AUTHORIZATION, format!("bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap();
        send(&state, lower).await.ok();
    }
    // The right token on an unknown form: 404.
    let r = send(
        &state,
        get_with_token("/v1/admin/forms/nope/responses.csv", TOKEN),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "not_found");

    // Admin API disabled: the same 401 as a wrong token, whatever is sent.
    let disabled = new_site("");
    let disabled_state = disabled.state();
    let r = send(
        &disabled_state,
        get_with_token("/v1/admin/forms/avis/responses.csv", TOKEN),
    )
    .await;
    r.unauthorized();
    let wrong = send(
        &state,
        get_with_token("/v1/admin/forms/avis/responses.csv", "nope"),
    )
    .await;
    assert_eq!(r.body, wrong.body);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("disabled")
    );
}

#[tokio::test]
async fn cli_export_csv_matches_the_admin_download() {
    let site = with_admin();
    let rows;
    let download;
    {
        let state = site.state();
        store_awkward(&state).await;
        rows = state.store().responses("avis").await.unwrap();
        download = send(
            &state,
            get_with_token("/v1/admin/forms/avis/responses.csv", TOKEN),
        )
        .await
        .body;
    }
    let out = site.run(&["export", "--form", "avis", "--format", "csv"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_awkward_csv(&out.stdout, &rows);
    assert_eq!(out.stdout, download);

    // The default format is still JSON.
    let out = site.run(&["export", "--form", "avis"]);
    assert!(out.status.success());
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), rows.len());

    let out = site.run(&["export", "--form", "avis", "--format", "xlsx"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported format"));
}

#[test]
fn cli_export_csv_without_a_database_is_just_the_header() {
    let site = new_site("");
    let out = site.run(&["export", "--form", "avis", "--format", "csv"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "\u{feff}id,received_at,note,commentaire\r\n"
    );
    assert!(!site.path().join("data/voix.db").exists());
}

// ---------------------------------------------------------------------------------------------
// OpenAPI

const OPENAPI: &str = include_str!("../openapi.json");

/// Routes deliberately left out of the API document, with why: a path, or every path under a
/// prefix ending in `/`.
const UNDOCUMENTED_ROUTES: &[(&str, &str)] = &[
    ("/v1", "the JSON 404 for unknown API paths"),
    ("/v1/{*rest}", "the JSON 404 for unknown API paths"),
    (
        "/f/",
        "the no-JS form pages: HTML for residents, not an API",
    ),
    (
        "/admin",
        "the results dashboard: HTML for the town hall, not an API",
    ),
    (
        "/admin/",
        "the results dashboard: HTML for the town hall, not an API",
    ),
];

/// Error codes only the collector answers (see `AppError::code`), not in `voix_form::ErrorCode`.
const COLLECTOR_ONLY_CODES: &[&str] = &["unauthorized"];
/// `voix_form::ErrorCode`s the collector never answers: the widget's own.
const WIDGET_ONLY_CODES: &[&str] = &["network"];

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn doc() -> Value {
    serde_json::from_str(OPENAPI).expect("collector/openapi.json is JSON")
}

/// `(METHOD, path)` of every operation in the document.
fn documented_operations(doc: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                ops.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

fn is_undocumented(path: &str) -> bool {
    UNDOCUMENTED_ROUTES
        .iter()
        .any(|(p, _)| path == *p || (p.ends_with('/') && path.starts_with(p)))
}

/// `path` with a value in each of its parameters: the form `avis` for `{id}`.
fn sample(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment {
            "{id}" => "avis",
            s if s.starts_with('{') => "x",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `(METHOD, path)` of every operation the router serves: each path given to it
/// (`voix_collector::route_paths`), asked with every method — what is not answered 405 is served.
/// HEAD is left out: axum answers it wherever GET is, as HTTP wants.
async fn served_operations(state: &AppState) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for path in voix_collector::route_paths(state) {
        if is_undocumented(path) {
            continue;
        }
        for method in METHODS.iter().filter(|m| **m != "head") {
            let method = method.to_uppercase();
            let req = Request::builder()
                .method(Method::from_bytes(method.as_bytes()).unwrap())
                .uri(sample(path))
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(Body::empty())
                .unwrap();
            if send(state, req).await.status != StatusCode::METHOD_NOT_ALLOWED {
                ops.push((method, path.to_owned()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_routes_the_router_serves() {
    let site = with_admin();
    let state = site.state();
    let doc = doc();
    assert_eq!(doc["openapi"], "3.1.0");
    let documented = documented_operations(&doc);
    let served = served_operations(&state).await;
    for op in [
        ("GET", "/v1/forms/{id}/results"),
        ("OPTIONS", "/v1/forms/{id}/responses"),
    ] {
        assert!(
            served.iter().any(|(m, p)| (m.as_str(), p.as_str()) == op),
            "{op:?} not found among {served:?}"
        );
    }
    for (method, path) in &served {
        assert!(
            documented.contains(&(method.clone(), path.clone())),
            "{method} {path} is served but not in collector/openapi.json (document it, or list \
             it in UNDOCUMENTED_ROUTES with why)"
        );
    }
    for (method, path) in &documented {
        assert!(
            served.contains(&(method.clone(), path.clone())),
            "{method} {path} is in collector/openapi.json but the router does not serve it"
        );
    }
    // No stale exemption: each one still covers a route.
    let paths = voix_collector::route_paths(&state);
    for (undocumented, _) in UNDOCUMENTED_ROUTES {
        assert!(
            paths.iter().any(|p| {
                p == undocumented || (undocumented.ends_with('/') && p.starts_with(undocumented))
            }),
            "{undocumented} is in UNDOCUMENTED_ROUTES but is no route"
        );
    }
}

#[tokio::test]
async fn every_documented_operation_answers_as_documented() {
    let site = with_admin();
    let state = site.state();
    let doc = doc();
    for (method, path) in documented_operations(&doc) {
        // A challenge is only for a form with proof of work: `sondage` has it.
        let form = if path.ends_with("/challenge") {
            "sondage"
        } else {
            "avis"
        };
        let uri = path.replace("{id}", form);
        let mut req = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(&uri)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
        let body = if method == "POST" {
            req = req.header(header::CONTENT_TYPE, "text/plain;charset=UTF-8");
            Body::from(json!({"v": 1, "answers": {"note": "good"}}).to_string())
        } else {
            Body::empty()
        };
        let r = send(&state, req.body(body).unwrap()).await;
        assert!(
            r.status != StatusCode::NOT_FOUND && r.status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}: {} {}",
            r.status,
            r.text()
        );
        let operation = &doc["paths"][&path][method.to_lowercase()];
        let status = r.status.as_str();
        assert!(
            operation["responses"].get(status).is_some(),
            "{method} {uri} answered {status}, which the document does not list"
        );
        // The documented content type is the one served.
        let response = resolve(&doc, &operation["responses"][status]);
        if let Some(content) = response["content"].as_object() {
            let served = r.header(header::CONTENT_TYPE).unwrap_or("");
            assert!(
                content.keys().any(|k| k == served),
                "{method} {uri}: served {served}, documented {:?}",
                content.keys().collect::<Vec<_>>()
            );
        }
    }
}

#[tokio::test]
async fn the_document_is_served_as_written() {
    let site = new_site("");
    let state = site.state();
    let r = send(&state, get("/v1/openapi.json")).await;
    r.ok();
    assert_eq!(r.header(header::CONTENT_TYPE), Some("application/json"));
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    assert_eq!(r.text(), OPENAPI);
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v["$ref"].as_str() {
        Some(r) => {
            let pointer = r.strip_prefix('#').expect("local references only");
            doc.pointer(pointer)
                .unwrap_or_else(|| panic!("dangling $ref {r}"))
        }
        None => v,
    }
}

fn walk<'a>(v: &'a Value, out: &mut Vec<(&'a str, &'a Value)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                out.push((k, v));
                walk(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_in_the_document_resolves() {
    let doc = doc();
    let mut all = Vec::new();
    walk(&doc, &mut all);
    let refs: Vec<&str> = all
        .iter()
        .filter(|(k, _)| *k == "$ref")
        .map(|(_, v)| v.as_str().unwrap())
        .collect();
    assert!(refs.len() > 10);
    for r in refs {
        assert!(
            doc.pointer(r.strip_prefix('#').unwrap()).is_some(),
            "dangling $ref {r}"
        );
    }
}

#[test]
fn documented_error_codes_exist_and_every_code_is_documented() {
    let doc = doc();
    let schemas = &doc["components"]["schemas"];
    let mut documented: Vec<&str> = Vec::new();
    for enumeration in [
        &schemas["ErrorEnvelope"]["properties"]["error"]["properties"]["code"]["enum"],
        &schemas["FieldProblem"]["properties"]["code"]["enum"],
    ] {
        documented.extend(
            enumeration
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap()),
        );
    }
    for code in &documented {
        assert!(
            ErrorCode::parse(code).is_some() || COLLECTOR_ONLY_CODES.contains(code),
            "`{code}` is documented but no such code exists"
        );
    }
    for code in ErrorCode::ALL.map(ErrorCode::as_str) {
        assert!(
            documented.contains(&code) || WIDGET_ONLY_CODES.contains(&code),
            "`{code}` is not documented in collector/openapi.json"
        );
    }
    for code in COLLECTOR_ONLY_CODES {
        assert!(documented.contains(code), "`{code}` is not documented");
    }
}
