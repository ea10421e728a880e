//! Files: the built widget (`dist_dir`) first, then the site (`static_dir`), both at `/`.
//!
//! Widget files are fetched cross-origin by every host page (the wasm loader uses `fetch`), so
//! they carry `Access-Control-Allow-Origin: *`. Types come from the file extension (`.wasm` must
//! be `application/wasm` for streaming compilation).
//!
//! Compression: `cargo xtask dist` writes a `.br` (brotli 11) and a `.gz` beside every widget
//! file, and `ServeDir` picks one by `Accept-Encoding` (`q=0` honoured, anything it cannot read
//! ignored, identity when nothing else fits), with `Vary: Accept-Encoding` on every variant; its
//! 304 has no `Vary`, so it is added here. Nothing here is compressed per request: this fallback
//! is outside the compression layer ([`super::compress`]), so a file without a variant goes as
//! it is, ranges stay ranges of the bytes on disk, and brotli 11 costs its time once, at build.
//! The site is served as it is: it is the demo's pages (a real host page is served by the town
//! hall's own server), and compressing it on the fly would send `ServeDir`'s strong `ETag`s
//! with bodies of another content coding.
//!
//! Caching, for widget files answered 200, 206 or 304 (`ServeDir` makes the `ETag` — size and
//! modification time to the nanosecond of the file it opened, so one per encoding and a new one
//! at every build — and answers `If-None-Match`, weakly compared, and `If-Modified-Since`):
//! - content-hashed names, `stem.<10 lowercase hex>.ext` as dist names them
//!   (`voix_bg.0a1b2c3d4e.wasm`): `public, max-age=31536000, immutable`. The name changes with
//!   the bytes, so a cached copy is never stale and never needs asking about again;
//! - any other name (the loader `voix.js`, whose URL stays in every host page's script tag;
//!   `npm/…`): `public, max-age=300`, then revalidated with the `ETag` (a 304 without a body).
//!   A new release reaches every visitor within five minutes, and a visit within five minutes
//!   of another costs no request at all.
//!
//! Anything else (a 404, a redirect, a 416) is `no-cache`: a missing hashed name during a
//! deploy must not be remembered, and a hashed name is only ever that file (no other version of
//! it is looked for).
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
        let hashed = percent_decode(parts.uri.path())
            .is_some_and(|p| p.rsplit('/').next().is_some_and(is_hashed_name));
        let Ok(res) = dist
            .clone()
            .oneshot(Request::from_parts(parts.clone(), Body::empty()))
            .await;
        if res.status() != StatusCode::NOT_FOUND {
            return widget_headers(res.map(Body::new), hashed);
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

/// A year, the customary longest lifetime: for caches, forever.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Five minutes: how long a new release of the loader may take to reach a visitor.
const LOADER: &str = "public, max-age=300";

/// What a widget file's answer carries: any origin may read it, and the caching of the module
/// docs (`hashed`: the name is content-hashed).
fn widget_headers(mut res: Response, hashed: bool) -> Response {
    let served = matches!(
        res.status(),
        StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
    );
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    let cache = match (served, hashed) {
        (false, _) => "no-cache",
        (true, true) => IMMUTABLE,
        (true, false) => LOADER,
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // A 304 carries what the 200 would have (RFC 9110 §15.4.5); `ServeDir`'s lacks `Vary`.
    let varies = h
        .get_all(header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding"));
    if served && !varies {
        h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

/// Whether a file name is content-hashed as `cargo xtask dist` names them: a stem of ASCII
/// letters, digits, `_` and `-`, a dot, exactly 10 lowercase hex digits, a dot and a lowercase
/// extension (`voix-widget.3f9a0c1b2d.js`).
fn is_hashed_name(name: &str) -> bool {
    let mut parts = name.split('.');
    let (Some(stem), Some(hash), Some(ext), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    !stem.is_empty()
        && stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && hash.len() == 10
        && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && !ext.is_empty()
        && ext
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
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

// Never remembered: a widget file missing for a moment during a deploy is there a moment later.
fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-cache")],
        "not found\n",
    )
        .into_response()
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
    fn hashed_names() {
        for hashed in [
            "voix-widget.3f9a0c1b2d.js",
            "voix_bg.0a1b2c3d4e.wasm",
            "voix-strings-de.9f8e7d6c5b.json",
            "A.0123456789.mp4",
        ] {
            assert!(is_hashed_name(hashed), "{hashed}");
        }
        for plain in [
            "voix.js",
            "voix_bg.wasm",
            "voix.0123456789.js.br",
            "voix.0123456789.js.gz",
            "voix.3F9A0C1B2D.js",
            "voix.3f9a0c1b2.js",
            "voix.3f9a0c1b2d0.js",
            "voix.3f9a0c1b2g.js",
            "voix.3f9a0c1b2d.JS",
            "voix.3f9a0c1b2d.",
            ".3f9a0c1b2d.js",
            "a.b.3f9a0c1b2d.js",
            "vo ix.3f9a0c1b2d.js",
            "",
        ] {
            assert!(!is_hashed_name(plain), "{plain}");
        }
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
