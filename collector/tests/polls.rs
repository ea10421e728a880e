//! Polls and every question kind through both ways in (the JSON endpoint and the no-JS page):
//! who may read a poll's results, votes refused before it opens and after it closes (409
//! `poll_not_open` / `poll_closed`), what the no-JS pages of a poll show, multiple choices,
//! "other" texts and consent boxes posted urlencoded, and answers to questions a `show_if` hid
//! pruned before they are validated or stored.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::{Value, json};
use voix_collector::AppState;
use voix_form::answer::Answer;

mod common;
use common::{Reply, Site, get, page, poll, post, post_page, send};

const TOKEN: &str = "0123456789abcdef-admin";

/// Every kind, two steps, a condition.
const KINDS: &str = r#"
id = "tout"
title = "Tout"

[[questions]]
id = "note"
type = "smileys"
label = "Note"
required = true

[[questions]]
id = "pourquoi"
type = "text"
label = "Pourquoi ?"
show_if = { question = "note", equals = "bad" }

[[questions]]
id = "aides"
type = "multiple"
label = "Aides"
other = true
step = 2
choices = [
  { id = "guichet", label = "Guichet" },
  { id = "tel", label = "Téléphone" },
  { id = "aucune", label = "Aucune", exclusive = true },
]

[[questions]]
id = "nps"
type = "nps"
label = "Recommanderiez-vous ?"

[[questions]]
id = "courriel"
type = "email"
label = "Courriel"

[[questions]]
id = "accord"
type = "consent"
label = "J'accepte"
required = true
"#;

fn site() -> Site {
    Site::new(
        &[
            (
                "open.toml",
                &poll("ouvert", "closes = \"2999-01-01T00:00:00Z\""),
            ),
            ("always.toml", &poll("toujours", "results = \"always\"")),
            ("never.toml", &poll("jamais", "results = \"never\"")),
            (
                "closed.toml",
                &poll("clos", "closes = \"2001-01-01T00:00:00+01:00\""),
            ),
            (
                "later.toml",
                &poll("bientot", "opens = \"2999-01-01T00:00:00Z\""),
            ),
            ("kinds.toml", KINDS),
        ],
        &format!(
            "database = \"sqlite://voix.db\"\nadmin_token = \"{TOKEN}\"\n\
             rate_limit = {{ per_minute = 0 }}\n\
             # The defences on by default for polls have their own tests (defences.rs).\n\
             proof_of_work = false\nmin_seconds = 0\n"
        ),
    )
}

fn vote(id: &str, choice: &str) -> Value {
    json!({"v": 1, "id": format!("vote-{id}-{choice}-0001"), "answers": {"nom": choice}})
}

fn with_token(path: &str) -> Request<Body> {
    Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap()
}

async fn results(state: &AppState, id: &str) -> Reply {
    send(state, get(&format!("/v1/forms/{id}/results"))).await
}

async fn stored(state: &AppState, id: &str) -> Vec<voix_collector::store::StoredResponse> {
    state.store().responses(id).await.unwrap()
}

#[tokio::test]
async fn a_poll_s_results_are_public_unless_never() {
    let site = site();
    let state = site.state();
    for id in ["ouvert", "toujours", "clos", "bientot"] {
        let r = results(&state, id).await;
        assert_eq!(r.status, StatusCode::OK, "{id}: {}", r.text());
        assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    }
    results(&state, "jamais")
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
    let r = send(&state, with_token("/v1/forms/jamais/results")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CACHE_CONTROL), Some("no-store"));
}

#[tokio::test]
async fn votes_count_and_the_voter_sees_their_vote_at_once() {
    let site = site();
    let state = site.state();
    // Read before: the cache holds zero votes.
    assert_eq!(results(&state, "ouvert").await.json()["responses"], 0);
    for (i, choice) in ["hugo", "sand", "hugo"].iter().enumerate() {
        let body =
            json!({"v": 1, "id": format!("vote-{i:04}-abcdefgh"), "answers": {"nom": choice}});
        let r = send(&state, post("ouvert", &body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        // Right after the 201: counted, whatever was cached.
        assert_eq!(results(&state, "ouvert").await.json()["responses"], i + 1);
    }
    let r = results(&state, "ouvert").await.json();
    let options = &r["questions"][0]["options"];
    assert_eq!(options[0]["count"], 2);
    assert_eq!(options[0]["percent"], 67);
    assert_eq!(options[1]["percent"], 33);
    assert_eq!(options[2]["count"], 0);
    assert_eq!(r["questions"][0]["total"], 3);
}

#[tokio::test]
async fn votes_are_refused_before_a_poll_opens_and_after_it_closes() {
    let site = site();
    let state = site.state();
    for (id, code) in [("clos", "poll_closed"), ("bientot", "poll_not_open")] {
        let r = send(&state, post(id, &vote(id, "hugo"))).await;
        let e = r.error(StatusCode::CONFLICT, code);
        assert_eq!(e["field"], Value::Null);
        // A closed poll refuses even an answer that is not a valid vote: the poll is shut.
        let r = send(
            &state,
            post(id, &json!({"v": 1, "answers": {"nom": "nope"}})),
        )
        .await;
        r.error(StatusCode::CONFLICT, code);
        // Nor through the no-JS page.
        let r = send(&state, post_page(id, "nom=hugo")).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        assert!(stored(&state, id).await.is_empty());
    }
    let metrics = send(&state, with_token("/metrics")).await.text();
    assert!(
        metrics.contains("code=\"poll_closed\"") && metrics.contains("code=\"poll_not_open\""),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_no_js_pages_of_a_poll() {
    let site = site();
    let state = site.state();
    // Open, results after the vote: the question, no results yet.
    let html = send(&state, page("/f/ouvert")).await.text();
    assert!(html.contains("name=\"nom\" value=\"hugo\""), "{html}");
    assert!(!html.contains("class=\"results\""), "{html}");
    // A vote, then the thank-you page with the results (its own vote counted).
    let r = send(&state, post_page("ouvert", "nom=sand")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let thanks = send(&state, page("/f/ouvert/merci")).await.text();
    assert!(thanks.contains("class=\"results\""), "{thanks}");
    assert!(thanks.contains("George-Sand"), "{thanks}");
    assert!(thanks.contains("(1 vote)"), "{thanks}");
    // Always: the results under the question.
    let html = send(&state, page("/f/toujours")).await.text();
    assert!(
        html.contains("name=\"nom\"") && html.contains("class=\"results\""),
        "{html}"
    );
    // Never: no results, not after the vote either.
    assert_eq!(
        send(&state, post_page("jamais", "nom=hugo")).await.status,
        StatusCode::SEE_OTHER
    );
    let thanks = send(&state, page("/f/jamais/merci")).await.text();
    assert!(!thanks.contains("class=\"results\""), "{thanks}");
    assert!(thanks.contains("votre vote"), "{thanks}");
    // Closed: says so, shows the results, no question.
    let html = send(&state, page("/f/clos")).await;
    assert_eq!(html.status, StatusCode::OK);
    let html = html.text();
    assert!(html.contains("Ce sondage est clos"), "{html}");
    assert!(html.contains("class=\"results\""), "{html}");
    assert!(!html.contains("<form"), "{html}");
    // Not open yet: says so, no results, no question.
    let html = send(&state, page("/f/bientot")).await.text();
    assert!(html.contains("pas encore ouvert"), "{html}");
    assert!(
        !html.contains("class=\"results\"") && !html.contains("<form"),
        "{html}"
    );
    // A vote posted to a closed poll gets the closed page.
    let r = send(&state, post_page("clos", "nom=hugo")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("Ce sondage est clos"));
}

#[tokio::test]
async fn every_kind_through_the_no_js_page() {
    let site = site();
    let state = site.state();
    let html = send(&state, page("/f/tout")).await.text();
    // Every step on one page, every question shown (also the conditional one).
    for name in [
        "note",
        "pourquoi",
        "aides",
        "aides.other",
        "nps",
        "courriel",
        "accord",
    ] {
        assert!(html.contains(&format!("name=\"{name}\"")), "{name}: {html}");
    }
    assert!(!html.contains("Étape"), "{html}");
    // Boxes ticked come as the name repeated; the hidden question's answer is dropped (the
    // note is not `bad`), and so is an "other" text whose box is not ticked.
    let body = "note=good&pourquoi=secret&aides=guichet&aides=tel&aides.other=Le+bus\
                &nps=9&courriel=&accord=yes&_id=0123456789abcdef0123456789abcdef";
    let r = send(&state, post_page("tout", body)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let rows = stored(&state, "tout").await;
    let a = &rows[0].answers;
    assert_eq!(
        a["aides"],
        Answer::Many(vec!["guichet".into(), "tel".into()])
    );
    assert_eq!(a["accord"], "yes");
    assert!(a.get("pourquoi").is_none(), "{a:?}");
    assert!(a.get("aides.other").is_none(), "{a:?}");
    assert!(a.get("courriel").is_none(), "{a:?}");
    // "Other" ticked keeps its text; the exclusive choice with another is refused, in place.
    let body = "note=bad&pourquoi=lent&aides=aucune&aides=tel&accord=yes";
    let r = send(&state, post_page("tout", body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = "note=bad&pourquoi=lent&aides=other&aides.other=Le+bus&accord=yes";
    let r = send(&state, post_page("tout", body)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let rows = stored(&state, "tout").await;
    let a = &rows[1].answers;
    assert_eq!(a["pourquoi"], "lent");
    assert_eq!(a["aides.other"], "Le bus");
    // The consent box is required: without it, the page again with the error.
    let r = send(&state, post_page("tout", "note=good")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("aria-invalid=\"true\""));
}

#[tokio::test]
async fn the_json_endpoint_prunes_hidden_answers_too() {
    let site = site();
    let state = site.state();
    let body = json!({"v": 1, "answers": {
        "note": "good", "pourquoi": "hidden, dropped", "aides": ["guichet"],
        "aides.other": "not chosen, dropped", "accord": "yes"}});
    let r = send(&state, post("tout", &body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let a = &stored(&state, "tout").await[0].answers;
    assert!(
        a.get("pourquoi").is_none() && a.get("aides.other").is_none(),
        "{a:?}"
    );
    // A question hidden by its condition is not required either... and one shown is checked.
    let body = json!({"v": 1, "answers": {"note": "good", "accord": "yes",
        "aides": ["aucune", "tel"]}});
    let e = send(&state, post("tout", &body))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(e["fields"][0]["code"], "exclusive_choice");
    // Results of every kind: counts only, never the texts.
    let r = send(&state, with_token("/v1/forms/tout/results"))
        .await
        .json();
    let text = r.to_string();
    assert!(!text.contains("dropped"), "{text}");
    assert_eq!(r["responses"], 1);
}
