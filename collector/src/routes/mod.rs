//! The HTTP surface: which path goes to which handler, and the layers every response passes
//! through (request logging, `nosniff`, and for the routes, not the files, compression: see
//! [`compress`]). One file per resource.
//!
//! | path | methods | |
//! |---|---|---|
//! | `/v1/forms/{id}` | GET | a form definition, public (`Access-Control-Allow-Origin: *`), cached 60 s then revalidated (`ETag`) |
//! | `/v1/forms/{id}/challenge` | GET | a proof-of-work challenge (forms with `proof_of_work`), public |
//! | `/v1/forms/{id}/responses` | POST, OPTIONS | store an answer; origin-checked |
//! | `/v1/forms/{id}/results` | GET | aggregated results; public or admin token, per form |
//! | `/v1/admin/forms/{id}/responses.csv`, `.json` | GET | exports, admin bearer token |
//! | `/v1/openapi.json` | GET | the OpenAPI document (`collector/openapi.json`) |
//! | `/healthz` | GET | the database answers |
//! | `/metrics` | GET | Prometheus counters; admin bearer token when one is configured |
//! | `/f/{id}` | GET, POST | the no-JS form page (HTML); its post is origin-checked |
//! | `/f/{id}/merci` | GET | the no-JS thank-you page |
//! | `/f/voix.css` | GET | the no-JS pages' stylesheet |
//! | `/admin`, `/admin/forms/{id}` | GET | the results dashboard (HTML), session or admin token |
//! | `/admin/login`, `/admin/logout` | POST | open and close a dashboard session |
//! | `/admin/forms/{id}/responses.csv`, `.json` | GET | exports, session or admin token |
//! | `/admin/admin.css` | GET | the dashboard's stylesheet |
//! | anything else under `/v1` | any | 404 `not_found`, JSON |
//! | anything else | GET, HEAD | the widget files (`dist_dir`, pre-compressed, cached), then the site (`static_dir`) |

use axum::{
    BoxError, Router,
    error_handling::HandleErrorLayer,
    extract::Request,
    http::{HeaderValue, header},
    middleware,
    response::Response,
    routing::{MethodRouter, any},
};
use tower::{ServiceBuilder, timeout::TimeoutLayer};
use tower_http::{
    LatencyUnit,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::{Level, Span};

use crate::{AppState, error::AppError};

mod admin;
mod admin_pages;
mod admin_token;
mod compress;

pub(crate) use admin_token::RefusalLog;
pub(crate) use nojs::read_and_check as read_nojs_post;

/// The answers of a `POST /v1/forms/{id}/responses` body as the endpoint reads it, or `None`
/// when it would be refused (for [`crate::fuzzing`]).
pub(crate) fn read_submission(body: &[u8]) -> Option<voix_form::answer::Answers> {
    responses::submission(body).ok().map(|s| s.answers)
}
mod cors;
mod forms;
mod health;
mod intake;
mod metrics;
mod nojs;
mod openapi;
mod responses;
mod results;
mod static_files;

/// The application, ready to serve.
pub fn router(state: AppState) -> Router {
    let deadline = state.connections().request_timeout;
    // Compression wraps the routes only: the fallback, added after it, serves the widget's
    // files pre-compressed and the site as it is (see `compress` and `static_files`).
    compress::layer(routes(&state).router)
        .fallback(static_files::serve)
        // From the header to the response: a body that stops coming, a handler that hangs.
        // Dropping the handler does not undo a commit that began; the client retries.
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(|_: BoxError| async {
                    AppError::Timeout
                }))
                .layer(TimeoutLayer::new(deadline)),
        )
        .layer(middleware::map_response(security_headers))
        .layer(
            TraceLayer::new_for_http()
                // Method and path only: no client address, no query string, no headers.
                .make_span_with(|req: &Request| {
                    // The path as one quoted, escaped field: it is the client's text.
                    tracing::info_span!("request", method = %req.method(), path = ?req.uri().path())
                })
                .on_request(|_: &Request, _: &Span| {})
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
        // Outermost, so that its time includes every other layer.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// The path templates [`router`] routes (the fallback, files, aside), as given to it.
pub fn paths(state: &AppState) -> Vec<&'static str> {
    routes(state).paths
}

fn routes(state: &AppState) -> Routes {
    Routes::default()
        .merge(forms::routes())
        .merge(responses::routes(state))
        .merge(results::routes())
        .merge(admin::routes())
        .merge(admin_pages::routes())
        .merge(openapi::routes())
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(nojs::routes(state))
        .route("/v1", any(not_found))
        .route("/v1/{*rest}", any(not_found))
}

/// A router being built, with the path of every route given to it: axum cannot list its routes,
/// and the tests compare them with the OpenAPI document.
#[derive(Default)]
struct Routes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Routes {
    fn route(mut self, path: &'static str, methods: MethodRouter<AppState>) -> Routes {
        self.router = self.router.route(path, methods);
        self.paths.push(path);
        self
    }

    /// `layer` applied to the routes given so far (`Router::layer` and the like).
    fn with(mut self, layer: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Routes {
        self.router = layer(self.router);
        self
    }

    fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }
}

async fn not_found() -> AppError {
    AppError::NotFound
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

/// What anyone may read, from any origin (widgets on other sites read definitions and public
/// results, and error codes too); `no-cache`, so a change shows on the next read, unless the
/// handler chose otherwise (a definition's 60 s, a challenge's `no-store`).
fn public(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    // A handler's own (a challenge's `no-store`) stays.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    res
}

// Nothing we serve should be sniffed into another type (a .txt run as script, say).
async fn security_headers(mut res: Response) -> Response {
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}
