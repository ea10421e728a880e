//! Who may see the dashboard: a session cookie made from the admin token, or the token itself
//! as `Authorization: Bearer` (curl, tests).
//!
//! The session is stateless: `voix_admin=<expiry>.<mac>`, the expiry in Unix seconds and the
//! mac HMAC-SHA-256 of `admin-session.<expiry>` under a key derived from the database's secret
//! and the admin token ([`crate::defence::Keys::admin_session`]). Nothing is stored, so several
//! collectors on one database accept each other's sessions, a restart logs nobody out, and
//! changing `admin_token` ends every session at once. What it cannot do is end one session
//! early: logging out clears the cookie in that browser only (the value stays valid until its
//! expiry, [`LIFETIME`]); changing the token is the way to end them all.
//!
//! The cookie is `HttpOnly; SameSite=Strict; Path=/admin`, and `Secure` when the request came
//! over HTTPS. The collector usually sits behind a TLS proxy: `X-Forwarded-Proto: https` is
//! believed only with `trust_forwarded_for` (the same trust as `X-Forwarded-For`), otherwise the
//! cookie is for plain HTTP, as on the demo.
//!
//! Cross-site requests: the two posts (login, logout) are refused when their `Origin` is
//! another origin than the request's own or `Sec-Fetch-Site` says `cross-site`; logout also
//! carries a token derived from the session cookie ([`csrf`]) in a hidden field. `SameSite=Strict`
//! already keeps the cookie off cross-site requests; these checks hold when a browser does not.

use axum::http::{HeaderMap, HeaderValue, Uri, header};
use jiff::Timestamp;
use subtle::ConstantTimeEq;

use crate::defence::Keys;

/// The cookie's name.
pub(super) const COOKIE: &str = "voix_admin";
/// How long a session lasts, in seconds: a working day, so a session opened in the morning
/// lasts through the council meeting.
pub(super) const LIFETIME: i64 = 12 * 3600;

/// A new session's cookie value at `now`.
pub(super) fn issue(key: &[u8], now: Timestamp) -> String {
    let expiry = now.as_second() + LIFETIME;
    format!("{expiry}.{}", mac(key, expiry))
}

/// Whether `value` is a session issued with `key`, unexpired at `now`. An expiry further than
/// [`LIFETIME`] ahead was not issued by us and is refused too.
pub(super) fn valid(key: &[u8], value: &str, now: Timestamp) -> bool {
    let Some((expiry, given)) = value.split_once('.') else {
        return false;
    };
    if expiry.is_empty() || expiry.len() > 12 || !expiry.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Ok(expiry) = expiry.parse::<i64>() else {
        return false;
    };
    let now = now.as_second();
    let in_time = now < expiry && expiry <= now + LIFETIME;
    let expected = mac(key, expiry);
    bool::from(given.as_bytes().ct_eq(expected.as_bytes())) && in_time
}

fn mac(key: &[u8], expiry: i64) -> String {
    Keys::sign(key, &format!("admin-session.{expiry}"))
}

/// The logout form's anti-forgery token for the session `value`: only a page that could read
/// the session can make it.
pub(super) fn csrf(key: &[u8], value: &str) -> String {
    Keys::sign(key, &format!("admin-csrf.{value}"))
}

/// Whether `given` is the anti-forgery token of the session `value`.
pub(super) fn csrf_valid(key: &[u8], value: &str, given: &str) -> bool {
    bool::from(given.as_bytes().ct_eq(csrf(key, value).as_bytes()))
}

/// The value of our cookie among the request's `Cookie` headers.
pub(super) fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE).then_some(value.trim())
        })
}

/// `Set-Cookie` for the session `value`.
pub(super) fn set_cookie(value: &str, secure: bool) -> HeaderValue {
    cookie_header(value, LIFETIME, secure)
}

/// `Set-Cookie` that removes the session.
pub(super) fn clear_cookie(secure: bool) -> HeaderValue {
    cookie_header("", 0, secure)
}

fn cookie_header(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/admin; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("voix_admin="))
}

/// Whether the request came over HTTPS, as far as we may believe (see the module docs).
pub(super) fn https(headers: &HeaderMap, uri: &Uri, trust_forwarded: bool) -> bool {
    if uri.scheme_str() == Some("https") {
        return true;
    }
    trust_forwarded
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next_back())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// Whether a post comes from another site: `Sec-Fetch-Site: cross-site`, or an `Origin` that
/// is not the request's own. `Origin: null` is what browsers send with a page's own form post
/// under `Referrer-Policy: no-referrer` (the dashboard's), and also from sandboxed frames: it
/// passes only with `Sec-Fetch-Site: same-origin`, which no page can forge. No `Origin` at all
/// is curl or an old browser, whose requests `SameSite=Strict` and the logout token cover.
pub(super) fn cross_site(headers: &HeaderMap, uri: &Uri) -> bool {
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    if fetch_site.as_deref() == Some("cross-site") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let origin = origin.to_str().unwrap_or("");
    if origin == "null" {
        return fetch_site.as_deref() != Some("same-origin");
    }
    !super::super::cors::is_same_origin(origin, headers, uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a key";

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn sessions_expire_and_cannot_be_altered() {
        let v = issue(KEY, at(1_000_000));
        assert!(valid(KEY, &v, at(1_000_000)));
        assert!(valid(KEY, &v, at(1_000_000 + LIFETIME - 1)));
        assert!(!valid(KEY, &v, at(1_000_000 + LIFETIME)));
        assert!(!valid(b"another key", &v, at(1_000_000)));
        let (expiry, mac) = v.split_once('.').unwrap();
        let later = expiry.parse::<i64>().unwrap() + 3600;
        assert!(!valid(KEY, &format!("{later}.{mac}"), at(1_000_000)));
        assert!(!valid(
            KEY,
            &format!("{expiry}.{}", &mac[1..]),
            at(1_000_000)
        ));
        assert!(!valid(KEY, "", at(1_000_000)));
        assert!(!valid(KEY, "-5.abc", at(1_000_000)));
        // Signed by us but too far ahead (a key leaked with a long expiry).
        let far = 1_000_000 + 10 * LIFETIME;
        let forged = format!("{far}.{}", mac_of(far));
        assert!(!valid(KEY, &forged, at(1_000_000)));
    }

    fn mac_of(expiry: i64) -> String {
        mac(KEY, expiry)
    }

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let a = issue(KEY, at(1));
        let b = issue(KEY, at(2));
        assert!(csrf_valid(KEY, &a, &csrf(KEY, &a)));
        assert!(!csrf_valid(KEY, &b, &csrf(KEY, &a)));
        assert!(!csrf_valid(KEY, &a, ""));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; voix_admin=42.ab ; b=2"),
        );
        assert_eq!(cookie(&h), Some("42.ab"));
        assert_eq!(cookie(&HeaderMap::new()), None);
    }

    #[test]
    fn forwarded_https_only_when_trusted() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let uri: Uri = "/admin".parse().unwrap();
        assert!(https(&h, &uri, true));
        assert!(!https(&h, &uri, false));
        assert!(!https(&HeaderMap::new(), &uri, true));
    }

    #[test]
    fn cross_site_posts() {
        let uri: Uri = "/admin/login".parse().unwrap();
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, HeaderValue::from_static("voix.example"));
            for (k, v) in pairs {
                h.insert(*k, HeaderValue::from_static(v));
            }
            h
        };
        assert!(!cross_site(&h(&[]), &uri));
        assert!(!cross_site(&h(&[("origin", "https://voix.example")]), &uri));
        assert!(cross_site(&h(&[("origin", "https://evil.example")]), &uri));
        assert!(cross_site(&h(&[("sec-fetch-site", "cross-site")]), &uri));
        assert!(!cross_site(
            &h(&[("origin", "null"), ("sec-fetch-site", "same-origin")]),
            &uri
        ));
        assert!(cross_site(&h(&[("origin", "null")]), &uri));
        assert!(cross_site(
            &h(&[("origin", "null"), ("sec-fetch-site", "same-site")]),
            &uri
        ));
    }
}
