//! `GET /v1/forms/{id}/results`: the aggregates of a form ([`crate::results`]) as JSON.
//!
//! Results are public for a poll (unless its `results` is `never`) and for a form whose settings
//! say `public_results = true`; otherwise they need the admin bearer token (401 `unauthorized`
//! otherwise). Public results are readable from any origin (`Access-Control-Allow-Origin: *`),
//! since widgets on the town hall's own sites show them, and cached by the collector for a few
//! seconds ([`crate::results::Published`]; an answer stored here shows at once); `no-cache`
//! makes every browser view revalidate. Results read with the token are computed for each
//! request and `no-store`, like the rest of the admin API.
//!
//! The body (see `collector/openapi.json` for the schema):
//! ```json
//! {"form":"avis","responses":3,"generated_at":"2026-11-26T09:30:00Z","questions":[
//!   {"type":"smileys","id":"note","label":"Comment ça s'est passé ?","total":3,"mean":2.0,
//!    "options":[{"value":"bad","label":"Pas bien","count":1,"percent":34}, …]},
//!   {"type":"text","id":"commentaire","label":"Un commentaire ?","answered":1}]}
//! ```

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};

use super::{Routes, admin_token::AdminToken, method_not_allowed, public};
use crate::{AppState, error::AppError, results};

pub(super) fn routes() -> Routes {
    Routes::default().route(
        "/v1/forms/{id}/results",
        get(form_results).fallback(method_not_allowed),
    )
}

async fn form_results(
    State(state): State<AppState>,
    token: AdminToken,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return public(AppError::NotFound.into_response());
    };
    // An unknown form is a plain 404 for everyone: form ids are public anyway (`GET
    // /v1/forms/{id}`), and the widget needs to read the code from another origin.
    let Some(form) = state.form(&id) else {
        return public(AppError::NotFound.into_response());
    };
    if state.results_public(form) {
        let res = match state.published().get(&**state.store(), form).await {
            Ok(r) => Json(&*r).into_response(),
            Err(e) => AppError::from(e).into_response(),
        };
        return public(res);
    }
    if let Err(e) = token.require() {
        return private(e.into_response());
    }
    private(match results::compute(&**state.store(), form).await {
        Ok(r) => Json(r).into_response(),
        Err(e) => AppError::from(e).into_response(),
    })
}

fn private(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
