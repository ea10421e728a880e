//! Compression made per response: brotli (quality 4, tower-http's default for it) or gzip, by
//! `Accept-Encoding`, for what the routes answer — the no-JS pages and their stylesheet, the
//! dashboard and its stylesheet, definitions, results, exports (streamed CSV too), the OpenAPI
//! document — when the body is at least [`MIN_SIZE`] bytes or of unknown length, and not an
//! image, gRPC or an event stream (tower-http's default exclusions). A smaller answer (an
//! error's JSON, a 304) is not worth a compressor's setup and a header.
//!
//! Files are not in here. The widget's files are compressed once, at build, at brotli's best
//! (`.br` and `.gz` beside each, see [`super::static_files`]), and the router's fallback, which
//! serves them, is added after this layer so none of it ever runs for them: no widget file is
//! compressed per request, a Range stays a range of the bytes on disk, and a response that
//! already has a `Content-Encoding` would be left alone anyway (tower-http never re-encodes).
//!
//! tower-http answers `406 Not Acceptable` over any response when the request refuses every
//! coding, identity included (`identity;q=0`, `*;q=0`). We send the response the handler made,
//! uncompressed, instead, as RFC 9110 §12.5.3 also allows: a 406 carrying a definition's
//! `public, max-age=60` could be kept by a cache.
//!
//! An `ETag` sent on a compressed route is weak (`W/"…"`): the same tag goes with the identity,
//! brotli and gzip bodies, and a strong tag may only name one exact sequence of bytes.
//! `If-None-Match` compares weakly, so revalidation is unaffected.
//!
//! BREACH: compressed HTTPS responses leak, through their length, whether text the attacker
//! put in the request (reflected in the page) matches a secret elsewhere in the same page, if
//! the attacker can make the victim's browser send many such requests and watch the sizes go
//! by. Both conditions are needed together; here is where each stands:
//! - the dashboard holds secrets (the logout form's token, derived from the session; the
//!   residents' free texts) and reflects input (the search box, `q=`). Its session cookie is
//!   `SameSite=Strict`, so a request started by another site carries no session and is
//!   answered with the login form, which holds nothing secret; a bearer token cannot be added
//!   by another site's page (it needs a CORS preflight, which `/admin` never grants). A
//!   sibling site of the same registrable domain (`www.` beside `voix.` of one town hall) is
//!   "same-site", though, and its requests do carry the cookie: so the dashboard is compressed
//!   only for requests that say `Sec-Fetch-Site: same-origin` or `none` (typed in the address
//!   bar, a bookmark), which no other page can make a browser send ([`first_party_only`]); a
//!   browser too old to send the header gets the dashboard uncompressed;
//! - the no-JS form page holds no secret of the visitor's: no cookie is read or set; its hidden
//!   fields, the submission id and the render token, are drawn fresh for every page (an
//!   attacker needs the same secret across thousands of requests) and the render token is what
//!   anyone gets by loading the page. A 422 page reflects the answers posted, which are the
//!   poster's own, and a cross-site post is refused before anything is reflected;
//! - definitions, public results and the OpenAPI document are public; exports are the
//!   dashboard's (same rule) or the admin API's (bearer token only, never sent by a browser on
//!   its own).

use axum::{
    Router,
    extract::Request,
    http::{Extensions, HeaderMap, StatusCode, Version},
    middleware::{self, Next},
    response::Response,
};
use tower_http::compression::{
    CompressionLayer,
    predicate::{DefaultPredicate, Predicate, SizeAbove},
};

/// Bodies smaller than this go as they are: below about a packet, compressing saves no round
/// trip and costs a compressor's setup.
pub(super) const MIN_SIZE: u64 = 1024;

/// On a response: never compress it (see the module docs, BREACH).
#[derive(Clone, Copy, Debug)]
pub(super) struct Uncompressed;

/// The status the handler gave, carried through the compression layer.
#[derive(Clone, Copy, Debug)]
struct Given(StatusCode);

/// `router`'s routes (those given so far) compressed as the module docs say.
pub(super) fn layer<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    let when = DefaultPredicate::new()
        .and(SizeAbove::new(MIN_SIZE))
        .and(not_marked);
    router
        .layer(middleware::map_response(remember_status))
        .layer(CompressionLayer::new().compress_when(when))
        .layer(middleware::map_response(restore_status))
}

fn not_marked(_: StatusCode, _: Version, _: &HeaderMap, extensions: &Extensions) -> bool {
    extensions.get::<Uncompressed>().is_none()
}

async fn remember_status(mut res: Response) -> Response {
    let status = res.status();
    res.extensions_mut().insert(Given(status));
    res
}

// Undoes the layer's 406 (see the module docs): its body and headers are the handler's.
async fn restore_status(mut res: Response) -> Response {
    if let Some(Given(status)) = res.extensions_mut().remove::<Given>() {
        *res.status_mut() = status;
    }
    res
}

/// For pages holding the visitor's secrets next to text from the request (the dashboard):
/// compressed only when the browser says the request came from our own pages or from the
/// visitor (`Sec-Fetch-Site: same-origin` or `none`).
pub(super) async fn first_party_only(req: Request, next: Next) -> Response {
    let first_party = req
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|v| v == "same-origin" || v == "none");
    let mut res = next.run(req).await;
    if !first_party {
        res.extensions_mut().insert(Uncompressed);
    }
    res
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::header, routing::get};
    use tower::ServiceExt;

    use super::*;

    /// What the routes would send if one ever answered with bytes already encoded.
    const ENCODED: &[u8] = &[0x1b; 4096];

    async fn call(accept: &str) -> (StatusCode, Option<String>, Vec<u8>) {
        let router = layer(Router::new().route(
            "/",
            get(|| async { ([(header::CONTENT_ENCODING, "br")], ENCODED) }),
        ));
        let req = Request::get("/")
            .header(header::ACCEPT_ENCODING, accept)
            .body(Body::empty())
            .unwrap();
        let res = router.oneshot(req).await.unwrap();
        let status = res.status();
        let encoding = res
            .headers()
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, encoding, body.to_vec())
    }

    #[tokio::test]
    async fn an_encoded_response_is_never_encoded_again() {
        for accept in ["br", "gzip", "gzip, br", "*;q=0"] {
            let (status, encoding, body) = call(accept).await;
            assert_eq!(status, StatusCode::OK, "{accept}");
            assert_eq!(encoding.as_deref(), Some("br"), "{accept}");
            assert_eq!(body, ENCODED, "{accept}");
        }
    }
}
