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

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
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
    let (parts, _body) = req.into_parts();
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
    fn decoding() {
        assert_eq!(percent_decode("/a%2Eb%20c").as_deref(), Some("/a.b c"));
        assert_eq!(percent_decode("/%C3%A9").as_deref(), Some("/é"));
        assert_eq!(percent_decode("/%zz").as_deref(), Some("/%zz"));
        assert_eq!(percent_decode("/%4").as_deref(), Some("/%4"));
        assert_eq!(percent_decode("/%FF"), None);
    }
}
