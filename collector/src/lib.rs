//! `voix-collector` receives the answers posted by the Voix widget and keeps them.
//!
//! It serves form definitions to the widget (`GET /v1/forms/{id}`), stores submissions
//! (`POST /v1/forms/{id}/responses`) after checking them with the very code the widget runs
//! ([`voix_form::validate`]), and can serve the widget files and a demo site. A submission is
//! acknowledged only once committed to disk; nothing about the sender (address, cookies,
//! headers) is stored or logged.
//!
//! [`app`] builds the whole HTTP application from an [`AppState`], so tests drive it in-process
//! with `tower::ServiceExt::oneshot`; [`launch`] serves it on a listener until shutdown.
//!
//! # Example
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use voix_collector::{AppState, Config};
//! let config = Config::load("www/voix.toml".as_ref())?;
//! let listener = tokio::net::TcpListener::bind(config.listen).await?;
//! let state = AppState::open(config)?;
//! voix_collector::launch(listener, state, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```

use std::{future::Future, io};

use axum::Router;

pub mod config;
pub mod defence;
pub mod error;
pub mod export;
#[doc(hidden)]
pub mod fuzzing;
pub mod limit;
pub mod metrics;
pub mod results;
pub mod retention;
mod routes;
pub mod server;
mod state;
pub mod store;
pub mod time;

pub use config::Config;
pub use error::{AppError, Error, Result};
pub use state::AppState;

/// The HTTP application.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}

/// The path templates of [`app`]'s routes (`/v1/forms/{id}`…), as given to its router: what the
/// tests compare with the OpenAPI document. Requests no route matches go to the widget files and
/// the site.
pub fn route_paths(state: &AppState) -> Vec<&'static str> {
    routes::paths(state)
}

/// Serves [`app`] on `listener` until `shutdown` completes, then lets requests in flight finish
/// for at most the configured `shutdown_timeout_secs`. Connections are capped and timed (see
/// [`server`]).
pub async fn launch(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    server::launch(listener, state, shutdown).await
}
