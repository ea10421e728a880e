//! What the HTTP test files share: sending a request to the in-process app and reading the reply.
//! Each test file adds its own assertions with further `impl Reply` blocks.
#![allow(dead_code)] // each test crate uses a different part

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode, header, header::AsHeaderName},
};
use serde_json::Value;
use tower::ServiceExt;
use voix_collector::{AppState, app};

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: impl AsHeaderName) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// Asserts the common error shape and returns the `error` object.
    pub fn error(&self, status: StatusCode, code: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(self.header(header::CONTENT_TYPE), Some("application/json"));
        let body = self.json();
        let e = &body["error"];
        assert_eq!(e["code"], code, "{body}");
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        assert!(e.get("field").is_some(), "field must be present: {body}");
        e.clone()
    }
}

/// Sends `req` through `router` and reads the whole reply.
pub async fn call(router: Router, req: Request<Body>) -> Reply {
    let res = router.oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// Sends `req` to the app built on `state`.
pub async fn send(state: &AppState, req: Request<Body>) -> Reply {
    call(app(state.clone()), req).await
}
