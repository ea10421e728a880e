//! The HTTP surface: which path goes to which handler, and the layers every response passes
//! through (the deadline, `nosniff`, request logging and metrics: [`every`]; for the routes
//! but the answers', not the files, compression: [`compress`]). One file per resource.
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
    Router,
    http::{HeaderValue, header},
    middleware,
    response::Response,
    routing::{MethodRouter, any},
};

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
mod every;
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
    let Routes { router, .. } = routes(&state);
    // Compression wraps the routes only: the fallback, added after it, serves the widget's
    // files pre-compressed and the site as it is (see `compress` and `static_files`). Nor does
    // it wrap the answers' route, the hot one: what it sends (an id, an error) is always far
    // below `compress::MIN_SIZE`, and three layers less is felt there.
    compress::layer(router)
        .merge(responses::routes(&state).router)
        .fallback(static_files::serve)
        .layer(middleware::from_fn_with_state(state.clone(), every::layer))
        .with_state(state)
}

/// The path templates [`router`] routes (the fallback, files, aside), as given to it.
pub fn paths(state: &AppState) -> Vec<&'static str> {
    let mut paths = routes(state).paths;
    paths.extend(responses::routes(state).paths);
    paths
}

/// Every route but the answers' (see [`router`]).
fn routes(state: &AppState) -> Routes {
    Routes::default()
        .merge(forms::routes())
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
