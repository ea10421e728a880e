//! `GET /v1/openapi.json`: the OpenAPI 3.1 description of the HTTP API, written by hand in
//! `collector/openapi.json` and compiled into the binary, so the document served is the one of
//! this very build. `collector/tests/results.rs` checks it against the router: a route added
//! without documentation, or documented without existing, fails the tests.

use axum::{
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};

use super::{Routes, method_not_allowed};

/// The document, as served.
pub(crate) const OPENAPI_JSON: &str = include_str!("../../openapi.json");

pub(super) fn routes() -> Routes {
    Routes::default().route(
        "/v1/openapi.json",
        get(openapi).fallback(method_not_allowed),
    )
}

// Public and readable from anywhere: API explorers run in other origins.
async fn openapi() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        OPENAPI_JSON,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_json_of_openapi_3_1() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI_JSON).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["paths"].as_object().is_some_and(|p| !p.is_empty()));
    }
}
