//! Files: the built widget (`dist_dir`) first, then the site (`static_dir`), both at `/`.
//!
//! Widget files are fetched cross-origin by every host page (the wasm loader uses `fetch`), so
//! they carry `Access-Control-Allow-Origin: *`; `no-cache` makes browsers revalidate, so a new
//! widget build is picked up at once. Types come from the file extension (`.wasm` must be
//! `application/wasm` for streaming compilation).
//!
//! The demo keeps its database and configuration inside the served site, so the database file,
//! its SQLite companions, `*.toml`, database-looking files and dotfiles are never served, even
//! under percent-encoded names.
//!
//! No redirect leaves the site. `ServeDir` sends a directory to its slash form by appending `/`
//! to the path as it came: `//docs` would become `Location: //docs/`, a protocol-relative URL
//! that takes the browser to the host `docs`. A path's leading run of slashes is read as one,
//! and a redirect whose target is not a path on this site is answered 404 instead.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, Uri, header, uri::PathAndQuery},
    response::{IntoResponse, Response},
};
use percent_encoding::percent_decode_str;
use tower::ServiceExt;

use crate::AppState;

/// File name endings never served: databases and configuration.
const PRIVATE_SUFFIXES: &[&str] = &[
    ".db",
    ".db-wal",
    ".db-shm",
    ".db-journal",
    ".sqlite",
    ".sqlite3",
    ".sqlite-wal",
    ".sqlite-shm",
    ".sqlite-journal",
    ".toml",
];

pub(super) async fn serve(State(state): State<AppState>, req: Request) -> Response {
    if is_private(&state, req.uri().path()) {
        return not_found();
    }
    let (mut parts, _body) = req.into_parts();
    parts.uri = one_leading_slash(&parts.uri);
    let res = files(&state, parts).await;
    match res.headers().get(header::LOCATION) {
        Some(to) if !is_local_path(to.as_bytes()) => not_found(),
        _ => res,
    }
}

async fn files(state: &AppState, parts: axum::http::request::Parts) -> Response {
    if let Some(dist) = state.dist() {
        let Ok(res) = dist
            .clone()
            .oneshot(Request::from_parts(parts.clone(), Body::empty()))
            .await;
        if res.status() != StatusCode::NOT_FOUND {
            let mut res = res.map(Body::new);
            let h = res.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            return res;
        }
    }
    if let Some(site) = state.site() {
        let Ok(res) = site
            .clone()
            .oneshot(Request::from_parts(parts, Body::empty()))
            .await;
        if res.status() != StatusCode::NOT_FOUND {
            return res.map(Body::new);
        }
    }
    not_found()
}

// `//a/b` → `/a/b`; anything else as it was.
fn one_leading_slash(uri: &Uri) -> Uri {
    let Some(pq) = uri.path_and_query() else {
        return uri.clone();
    };
    let text = pq.as_str();
    let rest = text.trim_start_matches('/');
    if text.len() - rest.len() < 2 {
        return uri.clone();
    }
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = PathAndQuery::try_from(format!("/{rest}")).ok();
    Uri::from_parts(parts).unwrap_or_else(|_| uri.clone())
}

/// Whether a `Location` is a path on this site: `/` then anything but a second `/` or a `\`
/// (which browsers read as `/`).
fn is_local_path(location: &[u8]) -> bool {
    match location {
        [b'/'] => true,
        [b'/', second, ..] => *second != b'/' && *second != b'\\',
        _ => false,
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

fn is_private(state: &AppState, path: &str) -> bool {
    // Paths that are not UTF-8 once decoded are refused rather than guessed at.
    let Some(decoded) = percent_decode(path) else {
        return true;
    };
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    if segments
        .iter()
        .any(|s| s.starts_with('.') || s.contains('\\') || s.contains('\0'))
    {
        return true;
    }
    if let Some(last) = segments.last() {
        let last = last.to_ascii_lowercase();
        if PRIVATE_SUFFIXES.iter().any(|s| last.ends_with(s)) {
            return true;
        }
    }
    let joined = segments.join("/");
    state.private_paths().contains(&joined)
}

// Decoded exactly as `ServeDir` decodes the path before opening a file (percent-encoding's
// decoder, UTF-8 required), so what is checked is the name that would be served: a malformed
// escape such as `%zz` is a literal part of a file name for both.
fn percent_decode(path: &str) -> Option<String> {
    percent_decode_str(path)
        .decode_utf8()
        .ok()
        .map(|p| p.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths() {
        for local in ["/", "/docs/", "/a//b", "/%2F/x"] {
            assert!(is_local_path(local.as_bytes()), "{local}");
        }
        for foreign in ["//docs/", "/\\docs", "https://x.example/", "docs/", ""] {
            assert!(!is_local_path(foreign.as_bytes()), "{foreign}");
        }
        let uri = |s: &str| one_leading_slash(&s.parse().unwrap()).to_string();
        assert_eq!(uri("//docs"), "/docs");
        assert_eq!(uri("///docs/?a=1"), "/docs/?a=1");
        assert_eq!(uri("/docs//x"), "/docs//x");
        assert_eq!(uri("/"), "/");
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("/a%2Eb%20c").as_deref(), Some("/a.b c"));
        assert_eq!(percent_decode("/%C3%A9").as_deref(), Some("/é"));
        assert_eq!(percent_decode("/%zz").as_deref(), Some("/%zz"));
        assert_eq!(percent_decode("/%4").as_deref(), Some("/%4"));
        assert_eq!(percent_decode("/%FF"), None);
    }
}
