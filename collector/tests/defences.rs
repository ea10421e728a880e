//! Keeping robots out (see `voix_collector::defence`): every way an answer is refused by a
//! defence returns its own code, through both doors — the JSON endpoint with an ALTCHA proof of
//! work, the no-JS page with its render token — and nothing refused is stored. The replay of a
//! solution on a second collector sharing the database is in `story.rs` (both backends).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::{
    extract::connect_info::MockConnectInfo,
    http::{StatusCode, header},
};
use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use voix_collector::{AppState, defence::Keys};

mod common;
use common::{Reply, Site, get, page, poll, post, post_page, send, solve};

/// `vite`: a poll with the defaults but easy proofs; `lent`: a poll that waits 3 seconds
/// (the default); `avis`: a form (honeypot only); `piege`: a form without the honeypot;
/// `jeton`: a form whose no-JS page needs a token for its 1 minute.
fn site() -> Site {
    Site::new(
        &[
            ("vite.toml", &poll("vite", "")),
            ("lent.toml", &poll("lent", "")),
            ("avis.toml", &common::avis(100)),
            (
                "piege.toml",
                &common::avis(100).replace("\"avis\"", "\"piege\""),
            ),
            (
                "jeton.toml",
                &common::avis(100).replace("\"avis\"", "\"jeton\""),
            ),
        ],
        "database = \"sqlite://voix.db\"\nrate_limit = { per_minute = 0 }\n\
         [form.vite]\nmin_seconds = 0\npow_difficulty = 5\n\
         [form.lent]\npow_difficulty = 5\n\
         [form.piege]\nhoneypot = false\n\
         [form.jeton]\nmin_seconds = 60\n",
    )
}

fn vote(id: &str, altcha: Option<&str>) -> Value {
    let mut v = json!({"v": 1, "id": id, "answers": {"nom": "hugo"}});
    if let Some(a) = altcha {
        v["altcha"] = a.into();
    }
    v
}

async fn challenge(state: &AppState, form: &str) -> Value {
    let r = send(state, get(&format!("/v1/forms/{form}/challenge"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

async fn count(state: &AppState, form: &str) -> usize {
    state.store().responses(form).await.unwrap().len()
}

/// The keys the collector signs with, from the secret in its database (as a second collector
/// would have them): to make proofs dated in the past.
fn keys(site: &Site) -> Keys {
    let db = rusqlite::Connection::open(site.path().join("voix.db")).unwrap();
    let secret: String = db
        .query_row(
            "SELECT value FROM secrets WHERE name = 'defence'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    Keys::new(&secret)
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::STANDARD.encode(v.to_string())
}

fn unb64(s: &str) -> Value {
    let bytes = base64::engine::general_purpose::STANDARD.decode(s).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn challenges_are_signed_fresh_public_and_only_where_asked() {
    let site = site();
    let state = site.state();
    let r = send(&state, get("/v1/forms/vite/challenge")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CACHE_CONTROL), Some("no-store"));
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    let c = r.json();
    let p = &c["parameters"];
    assert_eq!(p["algorithm"], "PBKDF2/SHA-256");
    assert_eq!(p["cost"], 5000);
    assert_eq!(p["keyLength"], 32);
    assert_eq!(p["data"]["form"], "vite");
    assert_eq!(p["data"]["wait"], 0);
    assert_eq!(c["signature"].as_str().unwrap().len(), 64);
    let expires = p["expiresAt"].as_i64().unwrap();
    let now = Timestamp::now().as_second();
    assert!((now + 3590..=now + 3610).contains(&expires), "{expires}");
    assert_ne!(
        challenge(&state, "vite").await["parameters"]["nonce"],
        p["nonce"]
    );
    assert_eq!(
        challenge(&state, "lent").await["parameters"]["data"]["wait"],
        3
    );
    // The definition tells the widget to solve one before sending.
    let def = send(&state, get("/v1/forms/vite")).await.json();
    assert_eq!(def["challenge"], true);
    let def = send(&state, get("/v1/forms/avis")).await.json();
    assert!(def.get("challenge").is_none(), "{def}");
    // No proof of work on a form: no challenge; an unknown form: none either.
    send(&state, get("/v1/forms/avis/challenge"))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    send(&state, get("/v1/forms/nope/challenge"))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn every_refusal_of_the_json_door_has_its_code_and_stores_nothing() {
    let site = site();
    let state = site.state();
    let refused = |body: Value, status: StatusCode, code: &'static str| {
        let state = state.clone();
        async move {
            send(&state, post("vite", &body)).await.error(status, code);
        }
    };
    // No proof.
    refused(
        vote("vote-0001", None),
        StatusCode::FORBIDDEN,
        "proof_required",
    )
    .await;
    // Not base64, not a payload, a payload of nothing.
    for junk in ["!!!", "e30=", &b64(&json!({"challenge": 1, "solution": 2}))] {
        refused(
            vote("vote-0002", Some(junk)),
            StatusCode::FORBIDDEN,
            "proof_invalid",
        )
        .await;
    }
    let c = challenge(&state, "vite").await;
    let good = solve(&c);
    let payload = unb64(&good);
    // Every signed field of the payload tampered with, and the derived key. (The counter is
    // only how the key was found: the key is what is checked, against its signature.)
    let mut tampered = Vec::new();
    for (path, value) in [
        ("/challenge/parameters/cost", json!(1)),
        ("/challenge/parameters/keyPrefix", json!("00")),
        ("/challenge/parameters/expiresAt", json!(4_102_444_800_i64)),
        ("/challenge/parameters/data/form", json!("lent")),
        (
            "/challenge/parameters/nonce",
            json!("00000000000000000000000000000000"),
        ),
        ("/challenge/signature", json!("0".repeat(64))),
        ("/solution/derivedKey", json!("ab".repeat(32))),
    ] {
        let mut p = payload.clone();
        *p.pointer_mut(path).unwrap() = value;
        tampered.push((path, b64(&p)));
    }
    for (path, t) in &tampered {
        let r = send(&state, post("vite", &vote("vote-0003", Some(t)))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.text());
        assert_eq!(r.json()["error"]["code"], "proof_invalid", "{path}");
    }
    // A proof of one form is no proof for another.
    let other = solve(&challenge(&state, "lent").await);
    refused(
        vote("vote-0004", Some(&other)),
        StatusCode::FORBIDDEN,
        "proof_invalid",
    )
    .await;
    // Too soon after the challenge (`lent` waits 3 s).
    let early = vote("vote-0005", Some(&other));
    let r = send(&state, post("lent", &early)).await;
    r.error(StatusCode::UNPROCESSABLE_ENTITY, "too_fast");
    // Expired: a challenge issued two hours ago (signed with the collector's keys).
    let old = keys(&site).challenge(
        "vite",
        10,
        3,
        0,
        Timestamp::now() - SignedDuration::from_hours(2),
    );
    let old = solve(&serde_json::to_value(&old).unwrap());
    refused(
        vote("vote-0006", Some(&old)),
        StatusCode::FORBIDDEN,
        "proof_expired",
    )
    .await;
    // The honeypot, filled, whatever the proof.
    let mut trapped = vote("vote-0007", Some(&good));
    trapped["hp"] = "http://spam.example".into();
    refused(trapped, StatusCode::UNPROCESSABLE_ENTITY, "honeypot").await;
    assert_eq!(count(&state, "vite").await, 0);
    assert_eq!(count(&state, "lent").await, 0);

    // The good one, once; its resend is the duplicate; another answer with it is a replay.
    let r = send(&state, post("vite", &vote("vote-0008", Some(&good)))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = send(&state, post("vite", &vote("vote-0008", Some(&good)))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    refused(
        vote("vote-0009", Some(&good)),
        StatusCode::FORBIDDEN,
        "proof_replayed",
    )
    .await;
    let mut anonymous = vote("x", Some(&good));
    anonymous.as_object_mut().unwrap().remove("id");
    refused(anonymous, StatusCode::FORBIDDEN, "proof_replayed").await;
    assert_eq!(count(&state, "vite").await, 1);

    // A form keeps only the defences it has: `avis` takes answers without proof, not with its
    // honeypot filled; `piege` turned its honeypot off.
    let answer = |hp: &str| json!({"v": 1, "answers": {"note": "good"}, "hp": hp});
    let r = send(&state, post("avis", &answer(""))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    send(&state, post("avis", &answer("x")))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "honeypot");
    let r = send(&state, post("piege", &answer("x"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    // What the refusals counted, by code.
    let metrics = send(&state, get("/metrics")).await.text();
    for code in [
        "proof_required",
        "proof_invalid",
        "proof_expired",
        "proof_replayed",
        "too_fast",
        "honeypot",
    ] {
        assert!(
            metrics.contains(&format!("code=\"{code}\"")),
            "{code}: {metrics}"
        );
    }
}

#[tokio::test]
async fn a_flood_without_valid_proofs_stores_nothing() {
    let site = site();
    let state = site.state();
    let c = challenge(&state, "vite").await;
    let good = unb64(&solve(&c));
    let mut codes = std::collections::BTreeMap::<String, usize>::new();
    for i in 0..1000 {
        // A mix of what a script can send: nothing, junk, a guessed counter.
        let altcha = match i % 3 {
            0 => None,
            1 => Some(format!("{i:x}")),
            _ => {
                let mut p = good.clone();
                p["solution"]["counter"] = json!(i);
                p["solution"]["derivedKey"] = json!(format!("{i:064x}"));
                Some(b64(&p))
            }
        };
        let r = send(
            &state,
            post("vite", &vote(&format!("flood-{i:05}"), altcha.as_deref())),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        *codes
            .entry(r.json()["error"]["code"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    eprintln!("defences: 1000 posts without a valid proof: {codes:?}");
    assert_eq!(count(&state, "vite").await, 0);
}

/// The value of the hidden input `name` on a page.
fn hidden(page: &Reply, name: &str) -> Option<String> {
    let text = page.text();
    let at = text.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &text[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_owned())
}

#[tokio::test]
async fn the_no_js_page_has_a_trap_and_a_token() {
    let site = site();
    let state = site.state();
    let r = send(&state, page("/f/jeton")).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = r.text();
    // The trap: in a box hidden from assistive technology, out of the tab order.
    let trap = text
        .find("class=\"trap\" aria-hidden=\"true\"")
        .expect("trap box");
    let input = &text[trap..trap + text[trap..].find("</div>").unwrap()];
    assert!(input.contains("name=\"_website\""), "{input}");
    assert!(input.contains("tabindex=\"-1\""), "{input}");
    assert!(input.contains("autocomplete=\"off\""), "{input}");
    let token = hidden(&r, "_token").expect("a token");
    assert!(token.starts_with("jeton."), "{token}");
    // A form that asks for none has none.
    assert_eq!(hidden(&send(&state, page("/f/avis")).await, "_token"), None);

    let body = |sid: &str, token: &str, trap: &str| {
        format!("note=good&commentaire=Merci&_id={sid}&_token={token}&_website={trap}")
    };
    // Too soon (60 s): 422, the answers kept, a fresh token, the message to send again.
    let r = send(&state, post_page("jeton", &body("page-0001", &token, ""))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("value=\"Merci\""), "answers kept");
    assert!(r.text().contains("envoyez-la de nouveau"), "{}", r.text());
    assert_ne!(hidden(&r, "_token").unwrap(), token);
    // No token, a forged one, one of another form.
    let missing = "note=good&_id=page-0002";
    let r = send(&state, post_page("jeton", missing)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(hidden(&r, "_token").is_some());
    let forged = token.replace("jeton.", "jeton.1");
    let r = send(&state, post_page("jeton", &body("page-0003", &forged, ""))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let keys = keys(&site);
    let then = Timestamp::now() - SignedDuration::from_mins(5);
    let foreign = keys.token("avis", then);
    let r = send(&state, post_page("jeton", &body("page-0004", &foreign, ""))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Expired (four hours and more).
    let stale = keys.token("jeton", Timestamp::now() - SignedDuration::from_hours(5));
    let r = send(&state, post_page("jeton", &body("page-0005", &stale, ""))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The trap filled.
    let aged = keys.token("jeton", then);
    let r = send(&state, post_page("jeton", &body("page-0006", &aged, "x"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&state, "jeton").await, 0);
    // A page five minutes old: stored (303 to the thank-you page), once.
    let r = send(&state, post_page("jeton", &body("page-0007", &aged, ""))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = send(&state, post_page("jeton", &body("page-0007", &aged, ""))).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "a double click is the duplicate"
    );
    let r = send(&state, post_page("jeton", &body("page-0008", &aged, ""))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the token is spent");
    assert_eq!(count(&state, "jeton").await, 1);
    // A poll's page: a token too (proof of work on).
    assert!(hidden(&send(&state, page("/f/vite")).await, "_token").is_some());
}

/// Issuing a challenge costs a key derivation: one client gets three per answer its form's rate
/// allows (`burst` 5: 15 at once), then 429 with `Retry-After`; another client is not held up.
#[tokio::test]
async fn challenges_are_rate_limited_per_client() {
    let site = Site::new(
        &[("vite.toml", &poll("vite", ""))],
        "database = \"sqlite://voix.db\"\nrate_limit = { per_minute = 10, burst = 5 }\n\
         min_seconds = 0\n",
    );
    let state = site.state();
    let from = |last: u8| {
        let ip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, last));
        voix_collector::app(state.clone()).layer(MockConnectInfo(SocketAddr::new(ip, 40_000)))
    };
    for i in 0..15 {
        let r = common::call(from(1), get("/v1/forms/vite/challenge")).await;
        assert_eq!(r.status, StatusCode::OK, "challenge {i}");
    }
    let r = common::call(from(1), get("/v1/forms/vite/challenge")).await;
    r.error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(r.header(header::RETRY_AFTER).is_some());
    let r = common::call(from(2), get("/v1/forms/vite/challenge")).await;
    assert_eq!(r.status, StatusCode::OK);
    // Answers have buckets of their own: the vote is not refused for the challenges.
    let c = r.json();
    let vote = json!({"v": 1, "id": "vote-0001", "answers": {"nom": "hugo"}, "altcha": solve(&c)});
    let r = common::call(from(1), post("vite", &vote)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}
