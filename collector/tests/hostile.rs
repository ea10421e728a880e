//! Hostile clients against the real binary on loopback (issue 14): what they can write into the
//! log, and how long and how many connections they can hold.
//!
//! Timeouts are set short in these collectors' configurations so the tests finish quickly; the
//! assertions are about what the collector does (closes, refuses, exits), never about how long it
//! took. Each wait that could hang on a broken collector is bounded by a read timeout of a minute.

use std::{thread, time::Duration};

mod common;
use common::{Site, avis, status_of};

const ADMIN: &str = "0123456789abcdef0123456789";
const ANSWER: &str = r#"{"v":1,"answers":{"note":"good"}}"#;

fn site(extra: &str) -> Site {
    Site::new(
        &[("avis.toml", &avis(100))],
        &format!(
            "database = \"voix.db\"\nallowed_origins = [\"https://mairie.example\"]\n\
             rate_limit = {{ per_minute = 0 }}\n{extra}"
        ),
    )
}

/// A POST of an answer to form `avis` with extra header lines.
fn post(headers: &str, body: &str) -> String {
    format!(
        "POST /v1/forms/avis/responses HTTP/1.1\r\nHost: collector\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\n{headers}\r\n{body}",
        body.len()
    )
}

/// The log once it has a line containing `needle` (the collector writes it around the reply).
fn log_with(c: &common::Running, needle: &str) -> String {
    for _ in 0..200 {
        let log = c.log();
        if log.contains(needle) {
            return log;
        }
        thread::sleep(Duration::from_millis(25));
    }
    panic!("no `{needle}` in the log:\n{}", c.log());
}

// ---- the log --------------------------------------------------------------------------------

/// Issue 14, defect 5: a header value or a path is one quoted, escaped field of its line, so a
/// client cannot write fields (or what looks like another event) of its own.
#[test]
fn header_values_and_paths_are_logged_as_quoted_escaped_fields() {
    let site = site("");
    let c = site.serve();
    let forged = r#"https://evil.example" form=avis level=ERROR admin="ok"#;
    let reply = c.exchange(&post(&format!("Origin: {forged}\r\n"), ANSWER));
    assert_eq!(status_of(&reply), 403, "{reply}");
    let log = log_with(&c, "foreign origin");
    let line = log.lines().find(|l| l.contains("foreign origin")).unwrap();
    assert!(
        line.contains(r#"origin="https://evil.example\" form=avis level=ERROR admin=\"ok""#),
        "{line}"
    );
    // Bytes that are not text are escaped, not written raw.
    let reply = c.exchange(&post("Origin: https://\u{e9}vil.example\r\n", ANSWER));
    assert_eq!(status_of(&reply), 403, "{reply}");
    let log = log_with(&c, r#"\xc3\xa9vil"#);
    assert!(!log.contains('\u{e9}'), "{log}");

    let reply = c.get(r#"/nope"level=ERROR"#, "");
    assert_eq!(status_of(&reply), 404, "{reply}");
    let log = log_with(&c, "nope");
    let line = log.lines().find(|l| l.contains("nope")).unwrap();
    assert!(line.contains(r#"path="/nope\"level=ERROR""#), "{line}");
}

/// Issue 14, defect 5: a token guesser does not fill the log: refusals are counted, and logged
/// at most once a minute with the number of those not logged.
#[test]
fn failed_admin_logins_are_logged_in_aggregate() {
    let site = site(&format!("admin_token = \"{ADMIN}\""));
    let c = site.serve();
    for i in 0..60 {
        let reply = c.get(
            "/v1/admin/forms/avis/responses.csv",
            &format!("Authorization: Bearer wrong-token-{i:04}-xxxxxxxxxx\r\n"),
        );
        assert_eq!(status_of(&reply), 401, "{reply}");
        let reply = c.get("/metrics", "");
        assert_eq!(status_of(&reply), 401, "{reply}");
    }
    let metrics = c.get("/metrics", &format!("Authorization: Bearer {ADMIN}\r\n"));
    assert_eq!(status_of(&metrics), 200, "{metrics}");
    let refused: Vec<String> = c
        .log()
        .lines()
        .filter(|l| l.contains("admin request refused"))
        .map(str::to_owned)
        .collect();
    // The first at once; more only if this test took over a minute.
    assert!(
        !refused.is_empty() && refused.len() <= 3,
        "{} lines:\n{}",
        refused.len(),
        refused.join("\n")
    );
    // Every refusal is counted, by reason.
    assert!(
        metrics.contains("voix_admin_refused_total{reason=\"wrong_token\"} 60"),
        "{metrics}"
    );
    assert!(
        metrics.contains("voix_admin_refused_total{reason=\"no_token\"} 60"),
        "{metrics}"
    );
}
