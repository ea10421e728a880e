//! How the collector delivers (issue 20): the widget's files pre-compressed (`.br`, `.gz` made
//! at build) and chosen by `Accept-Encoding`, never compressed per request; their caching
//! (content-hashed names immutable, the loader five minutes then `ETag`); definitions cached a
//! minute with an `ETag`; and on-the-fly compression of pages and JSON, except the dashboard
//! for requests another page could have made (BREACH). Driven in-process; nothing is timed.

use std::io::{Read, Write};

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use voix_collector::AppState;
use voix_form::answer::Answers;

mod common;
use common::{HOST, Reply, Site, avis, send};

const TOKEN: &str = "0123456789abcdef0123";
const HASHED: &str = "voix_bg.0123456789.wasm";

/// `[translations.en]` for `avis`, so that `?lang=en` has a body of its own.
const ENGLISH: &str = r#"
[translations.en]
title = "Your opinion"
"#;

/// The loader as dist ships it: large enough to be worth compressing.
fn loader() -> Vec<u8> {
    (0..120)
        .map(|i| format!("console.log(\"voix widget, line {i}\");\n"))
        .collect::<String>()
        .into_bytes()
}

/// A wasm module's header, then enough bytes to be worth compressing.
fn module() -> Vec<u8> {
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    m.extend((0..4000u32).map(|i| (i % 7) as u8));
    m
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        w.write_all(data).unwrap();
    }
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(data).unwrap();
    w.finish().unwrap()
}

fn unbrotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(data, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn ungzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// A collector with `avis` (+ `form_extra` in its file, `max_length` for its text), the
/// dashboard on, `dist/` as `cargo xtask dist` leaves it (every file with its `.br` and `.gz`,
/// each body different) plus a file without variants, and a site.
fn new_site(max_length: usize, form_extra: &str) -> Site {
    let form = format!("{}{form_extra}", avis(max_length));
    let site = Site::new(
        &[("forms/avis.toml", &form)],
        &format!(
            r#"
database = "sqlite://voix.db"
static_dir = "site"
dist_dir = "dist"
admin_token = "{TOKEN}"
"#
        ),
    );
    for (name, bytes) in [("voix.js", loader()), (HASHED, module())] {
        site.write(&format!("dist/{name}.br"), brotli(&bytes));
        site.write(&format!("dist/{name}.gz"), gzip(&bytes));
        site.write(&format!("dist/{name}"), bytes);
    }
    // No variants: sent as it is, whatever the client accepts.
    site.write("dist/npm/package.json", plain_json());
    site.write("site/index.html", big_html());
    site.write("site/theme.0123456789.css", "body{}");
    site
}

fn plain_json() -> String {
    let deps: Vec<String> = (0..80)
        .map(|i| format!("\"dep-{i}\": \"1.0.{i}\""))
        .collect();
    format!(
        "{{\"name\": \"voix\", \"dependencies\": {{{}}}}}",
        deps.join(", ")
    )
}

fn big_html() -> String {
    format!(
        "<!doctype html><title>Mairie</title>{}",
        "<p>Bienvenue sur le site de la mairie.</p>".repeat(60)
    )
}

fn file(site: &Site, name: &str) -> Vec<u8> {
    std::fs::read(site.path().join("dist").join(name)).unwrap()
}

/// `method path` with these headers.
fn request(method: Method, path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, HOST);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::empty()).unwrap()
}

async fn get(state: &AppState, path: &str, headers: &[(&str, &str)]) -> Reply {
    send(state, request(Method::GET, path, headers)).await
}

async fn accepting(state: &AppState, path: &str, encodings: &str) -> Reply {
    get(state, path, &[("accept-encoding", encodings)]).await
}

impl Reply {
    fn encoding(&self) -> Option<&str> {
        self.header(header::CONTENT_ENCODING)
    }

    /// The body with its content coding undone.
    fn decoded(&self) -> Vec<u8> {
        match self.encoding() {
            None => self.body.clone(),
            Some("br") => unbrotli(&self.body),
            Some("gzip") => ungzip(&self.body),
            Some(other) => panic!("unexpected content coding {other}"),
        }
    }

    fn varies_on_encoding(&self) -> bool {
        self.headers
            .get_all(header::VARY)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding"))
    }

    fn etag(&self) -> &str {
        self.header(header::ETAG).expect("an ETag")
    }

    /// A 304: no body, and what a cache needs to refresh its copy.
    fn not_modified(&self, etag: &str, cache: &str) {
        assert_eq!(self.status, StatusCode::NOT_MODIFIED, "{}", self.text());
        assert!(self.body.is_empty());
        assert_eq!(self.header(header::ETAG), Some(etag));
        assert_eq!(self.header(header::CACHE_CONTROL), Some(cache));
        assert_eq!(self.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    }
}

// ---------------------------------------------------------------------------------------------
// The widget's files

#[tokio::test]
async fn widget_files_are_sent_in_the_precompressed_variant_the_client_accepts() {
    let site = new_site(10, "");
    let state = site.state();
    for (name, kind) in [("voix.js", "text/javascript"), (HASHED, "application/wasm")] {
        let path = format!("/{name}");
        let identity = file(&site, name);
        let br = file(&site, &format!("{name}.br"));
        let gz = file(&site, &format!("{name}.gz"));
        assert!(identity != br && identity != gz && br != gz);
        for (accept, encoding, body) in [
            (Some("br"), Some("br"), &br),
            (Some("gzip"), Some("gzip"), &gz),
            (None, None, &identity),
            // What browsers send: the best of what there is.
            (Some("gzip, deflate, br, zstd"), Some("br"), &br),
            (Some("br;q=0, gzip;q=0.5"), Some("gzip"), &gz),
            (Some("gzip;q=0, br;q=0"), None, &identity),
            (Some("identity"), None, &identity),
            // Nothing acceptable: the file as it is rather than a 406.
            (Some("identity;q=0"), None, &identity),
            (Some("*;q=0"), None, &identity),
        ] {
            let r = match accept {
                Some(a) => accepting(&state, &path, a).await,
                None => get(&state, &path, &[]).await,
            };
            assert_eq!(r.status, StatusCode::OK, "{name} {accept:?}");
            assert_eq!(r.encoding(), encoding, "{name} {accept:?}");
            // The stored bytes exactly: never encoded again on the way out.
            assert!(r.body == *body, "{name} {accept:?}");
            assert_eq!(r.decoded(), identity, "{name} {accept:?}");
            assert!(r.varies_on_encoding(), "{name} {accept:?}: {:?}", r.headers);
            assert!(
                r.header(header::CONTENT_TYPE).unwrap().starts_with(kind),
                "{name} {accept:?}"
            );
            assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
            assert_eq!(r.header(header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));
            assert_eq!(
                r.header(header::CONTENT_LENGTH),
                Some(body.len().to_string().as_str())
            );
        }
        // A header nobody could parse is a correct answer all the same.
        let r = accepting(&state, &path, ",,;;q=zz, *;q=abc").await;
        assert_eq!(r.status, StatusCode::OK, "{name}");
        assert_eq!(r.decoded(), identity, "{name}");
    }
}

#[tokio::test]
async fn head_answers_a_widget_file_with_its_headers_and_no_body() {
    let site = new_site(10, "");
    let state = site.state();
    let br = file(&site, "voix.js.br");
    let get = accepting(&state, "/voix.js", "br").await;
    let head = send(
        &state,
        request(Method::HEAD, "/voix.js", &[("accept-encoding", "br")]),
    )
    .await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    assert_eq!(head.encoding(), Some("br"));
    assert_eq!(
        head.header(header::CONTENT_LENGTH),
        Some(br.len().to_string().as_str())
    );
    for name in [
        header::CONTENT_TYPE,
        header::CACHE_CONTROL,
        header::ETAG,
        header::VARY,
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
    ] {
        assert_eq!(head.header(&name), get.header(&name), "{name}");
        assert!(head.header(&name).is_some(), "{name}");
    }
}

#[tokio::test]
async fn hashed_names_are_immutable_and_the_loader_is_revalidated_after_five_minutes() {
    let site = new_site(10, "");
    let state = site.state();
    for accept in ["br", "gzip", "identity"] {
        let hashed = accepting(&state, &format!("/{HASHED}"), accept).await;
        assert_eq!(hashed.status, StatusCode::OK);
        assert_eq!(
            hashed.header(header::CACHE_CONTROL),
            Some("public, max-age=31536000, immutable"),
            "{accept}"
        );

        let loader = accepting(&state, "/voix.js", accept).await;
        assert_eq!(loader.status, StatusCode::OK);
        let cache = "public, max-age=300";
        assert_eq!(loader.header(header::CACHE_CONTROL), Some(cache));
        let tag = loader.etag().to_owned();
        let again = |inm: String| {
            let state = state.clone();
            async move {
                get(
                    &state,
                    "/voix.js",
                    &[("accept-encoding", accept), ("if-none-match", &inm)],
                )
                .await
            }
        };
        // The tag, its weak form, in a list, `*`: nothing to send again.
        let bare = tag.trim_start_matches("W/").to_owned();
        for inm in [
            tag.clone(),
            format!("W/{bare}"),
            format!("\"other\", {tag}"),
            format!("W/\"x\",{tag} , \"y\""),
            "*".to_owned(),
        ] {
            let r = again(inm.clone()).await;
            r.not_modified(&tag, cache);
            assert!(r.varies_on_encoding(), "{inm}: {:?}", r.headers);
        }
        // HEAD too.
        let r = send(
            &state,
            request(
                Method::HEAD,
                "/voix.js",
                &[("accept-encoding", accept), ("if-none-match", &tag)],
            ),
        )
        .await;
        r.not_modified(&tag, cache);
        // Another tag: the file.
        for inm in ["\"other\"", "W/\"other\", \"more\""] {
            let r = again(inm.to_owned()).await;
            assert_eq!(r.status, StatusCode::OK, "{inm}");
            assert_eq!(r.decoded(), loader.decoded());
            assert_eq!(r.header(header::CACHE_CONTROL), Some(cache));
        }
    }
}

#[tokio::test]
async fn a_rebuilt_loader_has_a_new_etag() {
    let site = new_site(10, "");
    let state = site.state();
    let before = accepting(&state, "/voix.js", "br").await;
    let old = before.etag().to_owned();
    let mut rebuilt = loader();
    rebuilt.extend_from_slice(b"console.log(\"release 2\");\n");
    site.write("dist/voix.js.br", brotli(&rebuilt));
    site.write("dist/voix.js.gz", gzip(&rebuilt));
    site.write("dist/voix.js", &rebuilt);
    let r = get(
        &state,
        "/voix.js",
        &[("accept-encoding", "br"), ("if-none-match", &old)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_ne!(r.etag(), old);
    assert_eq!(r.decoded(), rebuilt);
}

#[tokio::test]
async fn a_missing_hashed_name_is_a_404_that_is_not_kept() {
    let site = new_site(10, "");
    let state = site.state();
    for accept in ["br", "gzip", "identity"] {
        let r = accepting(&state, "/voix_bg.ffffffffff.wasm", accept).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{accept}");
        assert_eq!(r.header(header::CACHE_CONTROL), Some("no-cache"));
        assert_eq!(r.header(header::ETAG), None);
        assert!(!r.body.starts_with(b"\0asm"));
    }
    // A hashed-looking name the site really has is the site's file, with the site's headers.
    let r = accepting(&state, "/theme.0123456789.css", "br").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text(), "body{}");
    assert_eq!(r.header(header::CACHE_CONTROL), None);
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
}

#[tokio::test]
async fn ranges_of_widget_files_are_ranges_of_the_stored_bytes() {
    let site = new_site(10, "");
    let state = site.state();
    for (accept, name) in [("br", "voix.js.br"), ("identity", "voix.js")] {
        let stored = file(&site, name);
        let r = get(
            &state,
            "/voix.js",
            &[("accept-encoding", accept), ("range", "bytes=0-9")],
        )
        .await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{accept}");
        assert_eq!(r.body, stored[..10], "{accept}");
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some(format!("bytes 0-9/{}", stored.len()).as_str())
        );
        assert_eq!(r.header(header::CACHE_CONTROL), Some("public, max-age=300"));
        assert!(r.varies_on_encoding());
    }
}

#[tokio::test]
async fn files_are_never_compressed_per_request() {
    let site = new_site(10, "");
    let state = site.state();
    // A widget file without variants, and a site page, both over the on-the-fly threshold.
    for (path, body) in [
        ("/npm/package.json", plain_json()),
        ("/", big_html()),
        ("/index.html", big_html()),
    ] {
        assert!(body.len() > 1024);
        let r = accepting(&state, path, "br, gzip").await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.encoding(), None, "{path}");
        assert_eq!(r.text(), body, "{path}");
    }
}

// ---------------------------------------------------------------------------------------------
// Definitions

#[tokio::test]
async fn definitions_are_cached_a_minute_and_revalidated_by_etag() {
    let site = new_site(10, ENGLISH);
    let state = site.state();
    let cache = "public, max-age=60";
    let r = get(&state, "/v1/forms/avis", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CACHE_CONTROL), Some(cache));
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    let tag = r.etag().to_owned();
    let bare = tag.trim_start_matches("W/").to_owned();
    for inm in [tag.clone(), bare, format!("\"a\", {tag}"), "*".to_owned()] {
        for method in [Method::GET, Method::HEAD] {
            let again = send(
                &state,
                request(method.clone(), "/v1/forms/avis", &[("if-none-match", &inm)]),
            )
            .await;
            again.not_modified(&tag, cache);
        }
    }
    for inm in ["\"a\"", "W/\"a\", \"b\"", "not a tag"] {
        let again = get(&state, "/v1/forms/avis", &[("if-none-match", inm)]).await;
        assert_eq!(again.status, StatusCode::OK, "{inm}");
        assert_eq!(again.body, r.body);
        assert_eq!(again.etag(), tag);
    }

    // Another language, another body, another tag.
    let en = get(&state, "/v1/forms/avis?lang=en", &[]).await;
    assert_eq!(en.status, StatusCode::OK);
    assert_eq!(en.header(header::CACHE_CONTROL), Some(cache));
    assert_ne!(en.etag(), tag);
    let r = get(&state, "/v1/forms/avis?lang=en", &[("if-none-match", &tag)]).await;
    assert_eq!(r.status, StatusCode::OK);
    let en_tag = en.etag().to_owned();
    get(
        &state,
        "/v1/forms/avis?lang=en",
        &[("if-none-match", &en_tag)],
    )
    .await
    .not_modified(&en_tag, cache);

    // Errors are not kept.
    let r = get(&state, "/v1/forms/nope", &[("if-none-match", "*")]).await;
    r.error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(r.header(header::CACHE_CONTROL), Some("no-cache"));
    assert_eq!(r.header(header::ETAG), None);
}

#[tokio::test]
async fn an_edited_definition_has_another_etag() {
    let before = new_site(10, "");
    let after = new_site(20, "");
    let old = get(&before.state(), "/v1/forms/avis", &[]).await;
    let state = after.state();
    let new = get(&state, "/v1/forms/avis", &[("if-none-match", old.etag())]).await;
    assert_eq!(new.status, StatusCode::OK);
    assert_ne!(new.etag(), old.etag());
    assert_ne!(new.body, old.body);
}

// ---------------------------------------------------------------------------------------------
// On-the-fly compression

/// Logs in to the dashboard and returns the session cookie's value.
async fn login(state: &AppState) -> String {
    let req = Request::post("/admin/login")
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, format!("https://{HOST}"))
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(format!("token={TOKEN}&next=%2Fadmin")))
        .unwrap();
    let r = send(state, req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let set = r.header(header::SET_COOKIE).unwrap();
    let value = set.strip_prefix("voix_admin=").unwrap().split(';').next();
    value.unwrap().to_owned()
}

#[tokio::test]
async fn pages_and_json_are_compressed_on_the_fly() {
    let site = new_site(10, "");
    let state = site.state();
    for (path, marker) in [
        ("/f/avis", &b"<form"[..]),
        ("/f/voix.css", b":host"),
        ("/v1/openapi.json", b"\"openapi\""),
    ] {
        let plain = get(&state, path, &[]).await;
        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert!(plain.body.len() > 1024, "{path}: too small to test");
        assert_eq!(plain.encoding(), None);
        for accept in ["br", "gzip"] {
            let r = accepting(&state, path, accept).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert_eq!(r.encoding(), Some(accept), "{path}");
            assert!(r.varies_on_encoding(), "{path}");
            assert!(r.body.len() < plain.body.len(), "{path}");
            let text = r.decoded();
            assert!(
                text.windows(marker.len()).any(|w| w == marker),
                "{path}: {}",
                String::from_utf8_lossy(&text)
            );
        }
    }
    // The no-JS page keeps its own `Vary` beside the layer's.
    let r = accepting(&state, "/f/avis", "br").await;
    let vary: Vec<_> = r.headers.get_all(header::VARY).iter().collect();
    assert!(
        vary.iter()
            .any(|v| v.to_str().unwrap().contains("accept-language"))
    );
    // The document, byte for byte once decoded.
    let doc = accepting(&state, "/v1/openapi.json", "gzip").await;
    assert_eq!(
        doc.decoded(),
        include_bytes!("../openapi.json").to_vec(),
        "the document"
    );
    // HEAD: the headers, no body.
    let head = send(
        &state,
        request(Method::HEAD, "/f/voix.css", &[("accept-encoding", "br")]),
    )
    .await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.encoding(), Some("br"));
    assert!(head.body.is_empty());
    // Nothing acceptable, not even identity: the answer as it is, not a 406.
    for accept in ["identity;q=0", "*;q=0", "zstd, identity;q=0"] {
        let r = accepting(&state, "/f/voix.css", accept).await;
        assert_eq!(r.status, StatusCode::OK, "{accept}");
        assert_eq!(r.encoding(), None, "{accept}");
        assert_eq!(r.body, get(&state, "/f/voix.css", &[]).await.body);
        let r = accepting(&state, "/v1/forms/nope", accept).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{accept}");
    }
}

#[tokio::test]
async fn small_answers_are_not_compressed() {
    let site = new_site(10, "");
    let state = site.state();
    let r = accepting(&state, "/v1/forms/nope", "br, gzip").await;
    r.error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(r.encoding(), None);
    // The definition of `avis` is small too; a 304 has no body at all.
    let def = accepting(&state, "/v1/forms/avis", "br").await;
    assert!(def.body.len() < 1024);
    assert_eq!(def.encoding(), None);
    let r = get(
        &state,
        "/v1/forms/avis",
        &[("accept-encoding", "br"), ("if-none-match", def.etag())],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert_eq!(r.encoding(), None);
}

#[tokio::test]
async fn a_large_definition_is_compressed_and_keeps_its_weak_etag() {
    // A definition over the threshold: a long description.
    let long = format!(
        "description = \"{}\"\n",
        "Donnez-nous votre avis sur l'accueil. ".repeat(60)
    );
    let site = Site::new(
        &[(
            "avis.toml",
            &avis(10).replacen("\n[[questions]]", &format!("{long}\n[[questions]]"), 1),
        )],
        "database = \"sqlite://voix.db\"\n",
    );
    let state = site.state();
    let plain = get(&state, "/v1/forms/avis", &[]).await;
    assert!(plain.body.len() > 1024, "{}", plain.text());
    let r = accepting(&state, "/v1/forms/avis", "br").await;
    assert_eq!(r.encoding(), Some("br"));
    assert_eq!(r.decoded(), plain.body);
    assert!(r.etag().starts_with("W/\""), "{}", r.etag());
    assert_eq!(r.etag(), plain.etag());
    get(
        &state,
        "/v1/forms/avis",
        &[("accept-encoding", "br"), ("if-none-match", r.etag())],
    )
    .await
    .not_modified(plain.etag(), "public, max-age=60");
}

#[tokio::test]
async fn exports_are_compressed() {
    let site = new_site(500, "");
    let state = site.state();
    for i in 0..40 {
        let answers: Answers = [
            ("note".to_owned(), "good".to_owned()),
            (
                "commentaire".to_owned(),
                format!("Commentaire numéro {i} sur l'accueil de la mairie"),
            ),
        ]
        .into_iter()
        .collect();
        state.store().insert("avis", None, &answers).await.unwrap();
    }
    let bearer = format!("Bearer {TOKEN}");
    for path in [
        "/v1/admin/forms/avis/responses.csv",
        "/v1/admin/forms/avis/responses.json",
    ] {
        let plain = get(&state, path, &[("authorization", &bearer)]).await;
        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert!(plain.body.len() > 1024);
        let r = get(
            &state,
            path,
            &[("authorization", &bearer), ("accept-encoding", "gzip")],
        )
        .await;
        assert_eq!(r.encoding(), Some("gzip"), "{path}");
        assert_eq!(r.decoded(), plain.body, "{path}");
        assert_eq!(r.header(header::CACHE_CONTROL), Some("no-store"));
    }
}

#[tokio::test]
async fn the_dashboard_is_compressed_only_for_requests_of_its_own_pages() {
    let site = new_site(10, "");
    let state = site.state();
    let cookie = format!("voix_admin={}", login(&state).await);
    let ask = |fetch_site: Option<&'static str>| {
        let state = state.clone();
        let cookie = cookie.clone();
        async move {
            let mut headers = vec![("cookie", cookie.as_str()), ("accept-encoding", "br")];
            if let Some(s) = fetch_site {
                headers.push(("sec-fetch-site", s));
            }
            let r = get(&state, "/admin/forms/avis?q=merci", &headers).await;
            assert_eq!(r.status, StatusCode::OK, "{fetch_site:?}: {}", r.text());
            r
        }
    };
    let own = ask(Some("same-origin")).await;
    assert_eq!(own.encoding(), Some("br"));
    let page = String::from_utf8(own.decoded()).unwrap();
    assert!(page.len() > 1024);
    assert!(page.contains("name=\"csrf\""), "{page}");
    assert_eq!(ask(Some("none")).await.encoding(), Some("br"));
    // Requests another page could have made, and browsers that do not say.
    for fetch_site in [Some("same-site"), Some("cross-site"), None] {
        let r = ask(fetch_site).await;
        assert_eq!(r.encoding(), None, "{fetch_site:?}");
        assert!(r.text().contains("name=\"csrf\""));
    }
    // The dashboard's stylesheet, asked by its pages.
    let css = get(
        &state,
        "/admin/admin.css",
        &[("accept-encoding", "br"), ("sec-fetch-site", "same-origin")],
    )
    .await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.encoding(), Some("br"));
}
