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
    // Undecodable paths are refused rather than guessed at.
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

fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("/a%2Eb%20c").as_deref(), Some("/a.b c"));
        assert_eq!(percent_decode("/%C3%A9").as_deref(), Some("/é"));
        assert_eq!(percent_decode("/%zz"), None);
        assert_eq!(percent_decode("/%4"), None);
        assert_eq!(percent_decode("/%FF"), None);
    }
}
