//! The storage story: what every [`Store`] backend promises, written once against
//! `Arc<dyn Store>` and run on each backend — `sqlite::*` always (a file in a temporary
//! directory), `postgres::*` when `VOIX_TEST_DATABASE_URL` names a PostgreSQL database
//! (`cargo xtask test` starts a throwaway server and sets it).
//!
//! On PostgreSQL each test gets a schema of its own (`CREATE SCHEMA story_<test>_<pid>_<n>`) and
//! its stores connect with `options=-csearch_path=<schema>`, so tests running in parallel never
//! see each other's rows or migrations; the schema is dropped when the test passes. The URL must
//! be a `postgres://` URL whose user may create schemas, and must not set `options` itself.
//!
//! Without the variable the `postgres*` tests do not pretend: the first of them writes
//! `PostgreSQL tests skipped … VOIX_TEST_DATABASE_URL not set` straight to stderr, past
//! libtest's capture, so the run's output says so.

use std::{
    future::Future,
    io::Write,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    task::Poll,
    time::{Duration, Instant},
};

use axum::http::StatusCode;
use serde_json::{Value, json};
use voix_collector::{
    AppState, Config, Error,
    store::{self, DatabaseUrl, Inserted, Store, redact},
    time,
};
use voix_form::{
    Form,
    answer::{Answer, Answers},
    results::Counts,
};

mod common;

const PG_ENV: &str = "VOIX_TEST_DATABASE_URL";

/// One backend, fresh for one test.
struct Backend {
    name: &'static str,
    url: DatabaseUrl,
    /// The SQLite file's directory; also holds the HTTP scenario's configuration.
    dir: tempfile::TempDir,
    /// The PostgreSQL server URL and this test's schema.
    pg: Option<(String, String)>,
}

impl Backend {
    fn sqlite(test: &str) -> Backend {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("voix.db"));
        eprintln!("story: {test} on sqlite ({url})");
        Backend {
            name: "sqlite",
            url,
            dir,
            pg: None,
        }
    }

    async fn postgres(test: &str) -> Option<Backend> {
        let Ok(server) = std::env::var(PG_ENV) else {
            // Written to the process's stderr, not through eprintln!: libtest would swallow it
            // and the tests would read as PostgreSQL passes. Once per run is enough.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "story: PostgreSQL tests skipped ({test} and the other postgres ones): \
                     {PG_ENV} not set"
                );
            });
            return None;
        };
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        // Identifiers are at most 63 bytes; test names are ASCII snake case.
        let short: String = test.chars().take(32).collect();
        let schema = format!(
            "story_{short}_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        pg_client(&server)
            .await
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap_or_else(|e| panic!("CREATE SCHEMA {schema} on {}: {e}", redact(&server)));
        let sep = if server.contains('?') { '&' } else { '?' };
        let url = format!("{server}{sep}options=-csearch_path%3D{schema}");
        eprintln!(
            "story: {test} on postgres ({}, schema {schema})",
            redact(&server)
        );
        Some(Backend {
            name: "postgres",
            url: DatabaseUrl::Postgres(url),
            dir: tempfile::tempdir().unwrap(),
            pg: Some((server, schema)),
        })
    }

    /// A new store on this test's database (opening migrates it if needed).
    fn open(&self) -> Arc<dyn Store> {
        store::open(&self.url).unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    fn try_open(&self) -> voix_collector::Result<Arc<dyn Store>> {
        store::open(&self.url)
    }

    /// Runs SQL on the test's database directly, beside the store.
    async fn execute(&self, sql: &str) {
        match &self.url {
            DatabaseUrl::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            DatabaseUrl::Postgres(url) => pg_client(url).await.batch_execute(sql).await.unwrap(),
        }
    }

    /// The single integer a query returns.
    async fn number(&self, sql: &str) -> i64 {
        match &self.url {
            DatabaseUrl::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap(),
            DatabaseUrl::Postgres(url) => pg_client(url)
                .await
                .query_one(sql, &[])
                .await
                .unwrap()
                .get(0),
        }
    }

    /// Removes the PostgreSQL schema. Not run when a test fails, so its rows can be inspected
    /// (xtask deletes the whole server afterwards anyway).
    async fn finish(self) {
        if let Some((server, schema)) = &self.pg {
            pg_client(server)
                .await
                .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
                .await
                .unwrap();
        }
    }
}

async fn pg_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", redact(url)));
    tokio::spawn(connection);
    client
}

/// Each scenario becomes `sqlite::NAME` and `postgres::NAME`.
macro_rules! story {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let backend = super::Backend::sqlite(stringify!($name));
                    super::$name(&backend).await;
                    backend.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(backend) = super::Backend::postgres(stringify!($name)).await else {
                        return;
                    };
                    super::$name(&backend).await;
                    backend.finish().await;
                }
            )*
        }
    };
}

story!(
    insert_then_read_oldest_first,
    a_repeat_with_the_same_answers_returns_the_original,
    a_repeat_with_other_answers_is_a_conflict,
    answers_come_back_exactly,
    concurrent_inserts_are_each_stored_once,
    two_stores_on_one_database_store_a_submission_once,
    concurrent_opens_migrate_once,
    purge_before_deletes_older_answers_of_that_form,
    ping_answers,
    close_drains_queued_inserts,
    reopening_keeps_answers_and_applies_no_migration_twice,
    a_newer_schema_is_refused,
    http_submissions_are_stored_once,
    a_burst_of_1000_inserts,
    counts_equal_the_stored_answers,
    a_changed_definition_is_counted_again,
    reads_do_not_wait_for_the_writer,
    answers_are_taken_while_results_are_read_in_a_loop,
    a_proof_is_spent_once_across_two_stores,
    the_signing_secret_is_made_once,
    a_solution_replayed_on_a_second_collector_is_refused,
    responses_are_read_by_period_and_the_last_is_known,
);

fn answers(pairs: &[(&str, &str)]) -> Answers {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn insert_then_read_oldest_first(b: &Backend) {
    let store = b.open();
    let before = time::now();
    let a = answers(&[("note", "good")]);
    let first = store.insert("f", Some("sub-0001"), &a).await.unwrap();
    let second = store
        .insert("f", None, &answers(&[("note", "bad")]))
        .await
        .unwrap();
    let third = store.insert("f", None, &a).await.unwrap();
    store.insert("g", None, &a).await.unwrap();
    let after = time::now();
    assert!(!first.duplicate && !second.duplicate && !third.duplicate);
    // Without a submission id, every post is new.
    assert_ne!(second.id, third.id);

    let rows = store.responses("f").await.unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [&first.id, &second.id, &third.id]);
    assert_eq!(rows[0].submission_id.as_deref(), Some("sub-0001"));
    assert_eq!(rows[1].submission_id, None);
    assert_eq!(rows[0].answers, a);
    assert_eq!(rows[1].answers, answers(&[("note", "bad")]));
    for row in &rows {
        // Whole seconds, written RFC 3339 UTC, and the collector's clock.
        assert_eq!(
            row.received_at.subsec_nanosecond(),
            0,
            "{}",
            row.received_at
        );
        let text = row.received_at.to_string();
        let t = text.as_bytes();
        assert_eq!(t.len(), 20, "{text}");
        assert_eq!(
            (t[4], t[7], t[10], t[13], t[16], t[19]),
            (b'-', b'-', b'T', b':', b':', b'Z')
        );
        assert!(
            before <= row.received_at && row.received_at <= after,
            "{before} <= {} <= {after}",
            row.received_at
        );
    }
    assert_eq!(store.responses("g").await.unwrap().len(), 1);
    assert!(store.responses("nope").await.unwrap().is_empty());
}

async fn a_repeat_with_the_same_answers_returns_the_original(b: &Backend) {
    let store = b.open();
    let a = answers(&[("note", "good"), ("commentaire", "merci")]);
    let first = store.insert("f", Some("abcdefgh"), &a).await.unwrap();
    assert!(!first.duplicate);
    for _ in 0..3 {
        let again = store.insert("f", Some("abcdefgh"), &a).await.unwrap();
        assert_eq!(
            again,
            Inserted {
                id: first.id.clone(),
                duplicate: true
            }
        );
    }
    assert_eq!(store.responses("f").await.unwrap().len(), 1);
    // The same submission id on another form is another submission.
    let other = store.insert("g", Some("abcdefgh"), &a).await.unwrap();
    assert!(!other.duplicate);
    assert_ne!(other.id, first.id);
}

async fn a_repeat_with_other_answers_is_a_conflict(b: &Backend) {
    let store = b.open();
    let a = answers(&[("note", "good")]);
    let first = store.insert("f", Some("abcdefgh"), &a).await.unwrap();
    let other = answers(&[("note", "bad")]);
    assert!(matches!(
        store.insert("f", Some("abcdefgh"), &other).await,
        Err(Error::Conflict)
    ));
    // Fewer answers is other answers too.
    assert!(matches!(
        store.insert("f", Some("abcdefgh"), &Answers::new()).await,
        Err(Error::Conflict)
    ));
    let rows = store.responses("f").await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((&rows[0].id, &rows[0].answers), (&first.id, &a));
    // The conflict did not poison anything: the original is still a duplicate of itself.
    assert!(
        store
            .insert("f", Some("abcdefgh"), &a)
            .await
            .unwrap()
            .duplicate
    );
}

async fn answers_come_back_exactly(b: &Backend) {
    let store = b.open();
    let long = "é".repeat(5000);
    let a = answers(&[
        ("quotes", r#"she said "oui" \ 'non'"#),
        ("nul", "before\0after"),
        ("controls", "tab\tnewline\nreturn\r"),
        ("emoji", "🙂 très bien"),
        ("sql", "'); DROP TABLE responses; --"),
        ("long", &long),
        ("empty-looking", " "),
    ]);
    let id = store.insert("f", Some("weird-01"), &a).await.unwrap().id;
    let rows = store.responses("f").await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, id);
    assert_eq!(rows[0].answers, a);
    // And the stored text compares equal to itself on a retry.
    assert!(
        store
            .insert("f", Some("weird-01"), &a)
            .await
            .unwrap()
            .duplicate
    );
}

async fn concurrent_inserts_are_each_stored_once(b: &Backend) {
    let store = b.open();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let a = answers(&[("n", &i.to_string())]);
                // Ids i and i+100 share a submission id but not answers: one of each pair
                // conflicts, whichever arrives second.
                let sid = format!("sub-{:05}", i % 100);
                store.insert("f", Some(&sid), &a).await
            })
        })
        .collect();
    let mut conflicts = 0;
    let mut ids = std::collections::BTreeSet::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(ins) => {
                assert!(!ins.duplicate);
                ids.insert(ins.id);
            }
            Err(Error::Conflict) => conflicts += 1,
            Err(e) => panic!("{}: {e}", b.name),
        }
    }
    assert_eq!(conflicts, 100);
    assert_eq!(ids.len(), 100);
    let rows = store.responses("f").await.unwrap();
    assert_eq!(rows.len(), 100);
    assert!(rows.iter().all(|r| ids.contains(&r.id)));
}

/// Two collectors on one database (PostgreSQL's reason to exist here; SQLite allows it too):
/// the same retries reaching both at once are stored once.
async fn two_stores_on_one_database_store_a_submission_once(b: &Backend) {
    let stores = [b.open(), b.open()];
    let a = answers(&[("note", "good")]);
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let store = Arc::clone(&stores[i % 2]);
            let a = a.clone();
            tokio::spawn(async move {
                let sid = format!("shared-{:04}", i / 2);
                store.insert("f", Some(&sid), &a).await.unwrap()
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    for pair in results.chunks(2) {
        assert_eq!(pair[0].id, pair[1].id, "{pair:?}");
        assert!(pair[0].duplicate != pair[1].duplicate, "{pair:?}");
    }
    assert_eq!(stores[0].responses("f").await.unwrap().len(), 50);
    assert_eq!(stores[1].responses("f").await.unwrap().len(), 50);
}

/// Several collectors starting at once on an empty database: one migrates, none fails.
async fn concurrent_opens_migrate_once(b: &Backend) {
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let url = b.url.clone();
            tokio::task::spawn_blocking(move || store::open(&url))
        })
        .collect();
    for open in opens {
        let store = open.await.unwrap().unwrap();
        store.ping().await.unwrap();
    }
    assert_eq!(
        b.number("SELECT COUNT(*) FROM schema_migrations").await,
        b.number("SELECT CAST(MAX(version) AS BIGINT) FROM schema_migrations")
            .await
    );
}

/// The dashboard's reads (`responses_between`, `last_received`): the period is `[from, until)`,
/// to the second, per form.
async fn responses_are_read_by_period_and_the_last_is_known(b: &Backend) {
    let store = b.open();
    assert_eq!(store.last_received("f").await.unwrap(), None);
    let a = answers(&[("note", "good")]);
    for sid in ["a", "b", "c"] {
        store.insert("f", Some(sid), &a).await.unwrap();
    }
    store.insert("g", Some("a"), &a).await.unwrap();
    b.execute(
        "UPDATE responses SET received_at = '2026-03-01T23:59:59Z' WHERE submission_id = 'a';\
         UPDATE responses SET received_at = '2026-03-02T00:00:00Z' WHERE submission_id = 'b';\
         UPDATE responses SET received_at = '2026-03-03T00:00:00Z' WHERE submission_id = 'c';",
    )
    .await;
    let t = |s: &str| Some(s.parse::<jiff::Timestamp>().unwrap());
    let ids = |rows: Vec<voix_collector::store::StoredResponse>| {
        rows.into_iter()
            .map(|r| r.submission_id.unwrap())
            .collect::<Vec<_>>()
    };
    let between = |from, until| store.responses_between("f", from, until);
    assert_eq!(ids(between(None, None).await.unwrap()), ["a", "b", "c"]);
    assert_eq!(
        ids(
            between(t("2026-03-02T00:00:00Z"), t("2026-03-03T00:00:00Z"))
                .await
                .unwrap()
        ),
        ["b"]
    );
    assert_eq!(
        ids(between(None, t("2026-03-02T00:00:00Z")).await.unwrap()),
        ["a"]
    );
    assert_eq!(
        ids(between(t("2026-03-02T00:00:01Z"), None).await.unwrap()),
        ["c"]
    );
    assert_eq!(
        store.last_received("f").await.unwrap(),
        t("2026-03-03T00:00:00Z")
    );
    assert!(store.last_received("g").await.unwrap().is_some());
}

async fn purge_before_deletes_older_answers_of_that_form(b: &Backend) {
    let store = b.open();
    let a = answers(&[("note", "good")]);
    store.insert("f", None, &a).await.unwrap();
    store.insert("f", Some("keep-me-1"), &a).await.unwrap();
    store.insert("g", None, &a).await.unwrap();
    let received = store.responses("f").await.unwrap()[0].received_at;
    // Strictly before: nothing was received before 1970, nor before its own time.
    assert_eq!(
        store
            .purge_before("f", "1970-01-01T00:00:00Z".parse().unwrap())
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.purge_before("f", received).await.unwrap(), 0);
    assert_eq!(
        store
            .purge_before("f", "9999-01-01T00:00:00Z".parse().unwrap())
            .await
            .unwrap(),
        2
    );
    assert!(store.responses("f").await.unwrap().is_empty());
    assert_eq!(store.responses("g").await.unwrap().len(), 1);
    // A purged submission id is free again: a late retry is stored anew, not a duplicate.
    assert!(
        !store
            .insert("f", Some("keep-me-1"), &a)
            .await
            .unwrap()
            .duplicate
    );
}

async fn ping_answers(b: &Backend) {
    let store = b.open();
    store.ping().await.unwrap();
    store.ping().await.unwrap();
}

/// A future polled once, so that it has queued its command; its output if it finished then.
struct Started<'a, T> {
    future: Pin<Box<dyn Future<Output = T> + Send + 'a>>,
    output: Option<T>,
}

impl<'a, T> Started<'a, T> {
    async fn new(future: impl Future<Output = T> + Send + 'a) -> Started<'a, T> {
        // Unconstrained: tokio's cooperative budget could otherwise make a send wait although
        // the queue has room, and the command would not be queued yet.
        let mut future: Pin<Box<dyn Future<Output = T> + Send + 'a>> =
            Box::pin(tokio::task::unconstrained(future));
        let mut output = None;
        std::future::poll_fn(|cx| {
            if let Poll::Ready(v) = future.as_mut().poll(cx) {
                output = Some(v);
            }
            Poll::Ready(())
        })
        .await;
        Started { future, output }
    }

    async fn finish(self) -> T {
        match self.output {
            Some(v) => v,
            None => self.future.await,
        }
    }
}

/// Graceful shutdown: everything queued before `close` is committed and answered, including
/// inserts whose requester has gone; nothing is accepted afterwards.
async fn close_drains_queued_inserts(b: &Backend) {
    let store = b.open();
    let n = 300;
    let sids: Vec<String> = (0..n).map(|i| format!("drain-{i:04}")).collect();
    let a = answers(&[("note", "good")]);
    let mut waiting = Vec::new();
    for (i, sid) in sids.iter().enumerate() {
        let started = Started::new(store.insert("f", Some(sid), &a)).await;
        // Every third requester hangs up (a client that disconnected mid-request).
        if !i.is_multiple_of(3) {
            waiting.push(started);
        }
    }
    store.close().await;
    for started in waiting {
        let inserted = started.finish().await.unwrap();
        assert!(!inserted.duplicate);
    }
    assert!(matches!(
        store.insert("f", None, &a).await,
        Err(Error::StoreClosed)
    ));
    assert!(matches!(store.ping().await, Err(Error::StoreClosed)));
    // Closing again, from another handle or twice, returns at once.
    tokio::time::timeout(Duration::from_secs(5), store.close())
        .await
        .unwrap();

    let reopened = b.open();
    let rows = reopened.responses("f").await.unwrap();
    assert_eq!(rows.len(), n);
    reopened.close().await;
}

async fn reopening_keeps_answers_and_applies_no_migration_twice(b: &Backend) {
    let a = answers(&[("note", "good")]);
    let id = {
        let store = b.open();
        let id = store.insert("f", Some("reopen-1"), &a).await.unwrap().id;
        store.close().await;
        id
    };
    let versions = b.number("SELECT COUNT(*) FROM schema_migrations").await;
    assert!(versions >= 1);
    let store = b.open();
    assert_eq!(
        b.number("SELECT COUNT(*) FROM schema_migrations").await,
        versions
    );
    let again = store.insert("f", Some("reopen-1"), &a).await.unwrap();
    assert_eq!(
        again,
        Inserted {
            id,
            duplicate: true
        }
    );
    // Ids keep growing after a restart.
    let next = store.insert("f", None, &a).await.unwrap();
    assert!(next.id.parse::<i64>().unwrap() > again.id.parse::<i64>().unwrap());
}

async fn a_newer_schema_is_refused(b: &Backend) {
    b.open().close().await;
    b.execute(
        "INSERT INTO schema_migrations (version, applied_at) VALUES (99, '2026-01-01T00:00:00Z')",
    )
    .await;
    let e = b.try_open().unwrap_err().to_string();
    assert!(e.contains("newer"), "{}: {e}", b.name);
}

/// The same story through HTTP, as the widget lives it: 201 once stored, the same id for a
/// retry, 409 for a reused id, and 500 `server` (which the widget retries) once the store is
/// closed — never a 201 for an answer that was not stored.
async fn http_submissions_are_stored_once(b: &Backend) {
    let dir = b.dir.path();
    std::fs::create_dir_all(dir.join("forms")).unwrap();
    std::fs::write(dir.join("forms/avis.toml"), common::avis(10)).unwrap();
    let mut config = Config::parse(
        "database = \"sqlite://story-http.db\"\nforms = [\"forms/avis.toml\"]\n",
        &dir.join("voix.toml"),
    )
    .unwrap();
    config.database = b.url.clone();
    let store = b.open();
    let state = &AppState::new(config, Arc::clone(&store)).unwrap();
    let post = |body: Value| async move {
        let r = common::send(state, common::post("avis", &body)).await;
        (r.status, r.json())
    };

    let (status, first) =
        post(json!({"v": 1, "id": "http-0001", "answers": {"note": "good"}})).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) =
        post(json!({"v": 1, "id": "http-0001", "answers": {"note": "good"}})).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["id"], first["id"]);
    let (status, body) = post(json!({"v": 1, "id": "http-0001", "answers": {"note": "bad"}})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
    let rows = store.responses("avis").await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(Value::from(rows[0].id.clone()), first["id"]);

    store.close().await;
    let (status, body) =
        post(json!({"v": 1, "id": "http-0002", "answers": {"note": "good"}})).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["error"]["code"], "server");
    assert_eq!(b.number("SELECT COUNT(*) FROM responses").await, 1);
}

/// Group commit under a burst. Prints the time taken; asserts only that all were stored.
async fn a_burst_of_1000_inserts(b: &Backend) {
    let store = b.open();
    let started = Instant::now();
    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let sid = format!("burst-{i:05}");
                store
                    .insert("f", Some(&sid), &answers(&[("n", &i.to_string())]))
                    .await
                    .unwrap()
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    eprintln!(
        "story: 1000 concurrent inserts on {} in {:.0} ms",
        b.name,
        elapsed.as_secs_f64() * 1000.0
    );
    assert_eq!(store.responses("f").await.unwrap().len(), 1000);
}

/// PostgreSQL only: the server drops the connection (restart, failover, idle timeout); the
/// store reconnects by itself, and no request meanwhile is told "stored" unless it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_reconnects_after_the_connection_is_lost() {
    let Some(b) = Backend::postgres("reconnects").await else {
        return;
    };
    let DatabaseUrl::Postgres(url) = &b.url else {
        unreachable!()
    };
    let (server, _) = b.pg.as_ref().unwrap();
    let app_name = format!("voix-story-{}", std::process::id());
    let store = store::open(&DatabaseUrl::Postgres(format!(
        "{url}&application_name={app_name}"
    )))
    .unwrap();
    let a = answers(&[("note", "good")]);
    store.insert("f", None, &a).await.unwrap();

    let killed: i64 = pg_client(server)
        .await
        .query_one(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = $1",
            &[&app_name],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(killed, 1);

    let mut stored = 1;
    let mut failed = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match store.insert("f", None, &a).await {
            Ok(_) => {
                stored += 1;
                if stored == 3 {
                    break;
                }
            }
            Err(Error::Database(e)) => {
                failed += 1;
                eprintln!("story: during the outage: {e}");
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
        assert!(Instant::now() < deadline, "no reconnection within 20 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("story: reconnected after {failed} failed inserts");
    assert_eq!(store.responses("f").await.unwrap().len(), stored);
    store.ping().await.unwrap();
    b.finish().await;
}

/// A TCP relay on loopback that can be cut and restored, standing for a network or server
/// outage between the collector and PostgreSQL.
struct Relay {
    port: u16,
    target: std::net::SocketAddr,
    accept: Option<tokio::task::JoinHandle<()>>,
    conns: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    async fn start(target: std::net::SocketAddr) -> Relay {
        let mut relay = Relay {
            port: 0,
            target,
            accept: None,
            conns: Arc::default(),
        };
        relay.restore().await;
        relay
    }

    /// Listens again, on the same port after a cut.
    async fn restore(&mut self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .unwrap();
        self.port = listener.local_addr().unwrap().port();
        let (target, conns) = (self.target, Arc::clone(&self.conns));
        self.accept = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                conns.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                }));
            }
        }));
    }

    /// Refuses new connections and breaks the open ones.
    async fn cut(&mut self) {
        let mut tasks: Vec<_> = self.conns.lock().unwrap().drain(..).collect();
        tasks.extend(self.accept.take());
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
    }
}

/// PostgreSQL only: the server is unreachable for a while. Every request meanwhile fails fast
/// with a database error (the client's 500, which the widget retries) and stores nothing; once
/// the server is back the store reconnects by itself, within its backoff.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_survives_an_outage() {
    let Some(b) = Backend::postgres("outage").await else {
        return;
    };
    let (server, schema) = b.pg.as_ref().unwrap();
    let config: tokio_postgres::Config = server.parse().unwrap();
    let (Some(tokio_postgres::config::Host::Tcp(host)), Some(port)) =
        (config.get_hosts().first(), config.get_ports().first())
    else {
        panic!("{PG_ENV} must name a TCP host and port");
    };
    let target = tokio::net::lookup_host((host.as_str(), *port))
        .await
        .unwrap()
        .next()
        .unwrap();
    let mut relay = Relay::start(target).await;
    let mut conninfo = format!(
        "host=127.0.0.1 port={} user={} dbname={} options='-csearch_path={schema}'",
        relay.port,
        config.get_user().unwrap_or("postgres"),
        config
            .get_dbname()
            .unwrap_or(config.get_user().unwrap_or("postgres")),
    );
    if let Some(password) = config.get_password() {
        conninfo += &format!(" password='{}'", String::from_utf8_lossy(password));
    }
    let store = store::open(&DatabaseUrl::Postgres(conninfo)).unwrap();
    let a = answers(&[("note", "good")]);
    store.insert("f", Some("before-outage"), &a).await.unwrap();

    relay.cut().await;
    for i in 0..5 {
        let started = Instant::now();
        let sid = format!("during-outage-{i}");
        match store.insert("f", Some(&sid), &a).await {
            Err(Error::Database(e)) => eprintln!("story: during the outage: {e}"),
            other => panic!("expected a database error during the outage, got {other:?}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(6),
            "{:?}",
            started.elapsed()
        );
    }
    assert!(matches!(store.ping().await, Err(Error::Database(_))));

    relay.restore().await;
    let deadline = Instant::now() + voix_collector::store::postgres::MAX_BACKOFF * 2;
    let mut failed = 0;
    loop {
        match store.insert("f", Some("after-outage"), &a).await {
            Ok(inserted) => {
                assert!(!inserted.duplicate);
                break;
            }
            Err(Error::Database(_)) => failed += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
        assert!(
            Instant::now() < deadline,
            "no reconnection after the outage"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("story: reconnected after the outage ({failed} more failures)");
    let sids: Vec<_> = store
        .responses("f")
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.submission_id)
        .collect();
    assert_eq!(sids, ["before-outage", "after-outage"]);
    drop(store);
    relay.cut().await;
    b.finish().await;
}

/// A form with a question of every kind that counts differently: values (smileys, NPS,
/// multiple choice with "other") or only whether answered (text, email, consent).
fn every_kind() -> Form {
    Form::from_json(
        r#"{"id":"f","title":"T","questions":[
            {"id":"note","type":"smileys","label":"N"},
            {"id":"nps","type":"nps","label":"P"},
            {"id":"m","type":"multiple","label":"M","other":true,
             "choices":[{"id":"a","label":"A"},{"id":"b","label":"B"},{"id":"c","label":"C"}]},
            {"id":"t","type":"text","label":"T"},
            {"id":"e","type":"email","label":"E"},
            {"id":"ok","type":"consent","label":"OK"}]}"#,
    )
    .unwrap()
}

/// `counts` in one order, to compare with another's.
fn sorted(counts: &Counts) -> Counts {
    let mut sorted = counts.clone();
    sorted.values.sort();
    sorted.answered.sort();
    sorted
}

/// The store's counts equal `Counts::of` over its stored answers.
async fn assert_counts_match(store: &dyn Store, form: &Form, when: &str) {
    let stored = store.responses(&form.id).await.unwrap();
    let expected = Counts::of(form, stored.iter().map(|r| &r.answers));
    let counted = store.counts(&form.id).await.unwrap();
    assert_eq!(sorted(&counted), sorted(&expected), "{when}");
}

/// The `i`th of a varied set of answers to [`every_kind`] (some questions left out, values
/// that are no option, texts that must never become counted values).
fn varied(i: usize) -> Answers {
    let mut a = Answers::new();
    let notes = ["bad", "ok", "good", "nonsense"];
    if !i.is_multiple_of(5) {
        a.insert("note".into(), notes[i % 4]);
    }
    if !i.is_multiple_of(3) {
        a.insert("nps".into(), (i % 11).to_string());
    }
    let choices = ["a", "b", "c", "other"];
    let m: Vec<String> = choices
        .iter()
        .enumerate()
        .filter(|(k, _)| (i >> k) & 1 == 1)
        .map(|(_, c)| (*c).to_owned())
        .collect();
    if !m.is_empty() {
        if m.iter().any(|c| c == "other") {
            a.insert("m.other".into(), format!("secret {i}"));
        }
        a.insert("m".into(), Answer::Many(m));
    }
    if i.is_multiple_of(2) {
        a.insert("t".into(), format!("text {i}"));
    }
    if i.is_multiple_of(7) {
        a.insert("e".into(), "x@example.fr");
    }
    if i % 4 == 1 {
        a.insert("ok".into(), "yes");
    }
    a
}

/// The counters of a form equal what `Counts::of` says of its stored answers, through
/// duplicates, conflicts, partial purges and reopening, and never hold a text.
async fn counts_equal_the_stored_answers(b: &Backend) {
    let form = every_kind();
    let store = b.open();
    store.count_forms(std::slice::from_ref(&form)).unwrap();
    assert_counts_match(&*store, &form, "empty").await;
    for i in 0..60 {
        store
            .insert("f", Some(&format!("count-{i:04}")), &varied(i))
            .await
            .unwrap();
    }
    // A repeat stores nothing and counts nothing; a conflict neither.
    store
        .insert("f", Some("count-0001"), &varied(1))
        .await
        .unwrap();
    assert!(matches!(
        store.insert("f", Some("count-0001"), &varied(2)).await,
        Err(Error::Conflict)
    ));
    // Another form's answers are counted apart (a form not counted: responses only).
    store.insert("g", None, &varied(3)).await.unwrap();
    assert_counts_match(&*store, &form, "after inserts").await;
    assert_eq!(store.counts("g").await.unwrap().responses, 1);
    assert_eq!(
        b.number(
            "SELECT COUNT(*) FROM answer_counts WHERE value LIKE '%secret%' OR value LIKE 'text%'"
        )
        .await,
        0
    );
    // Half of them older: a purge takes exactly those away.
    b.execute("UPDATE responses SET received_at = '2001-01-01T00:00:00Z' WHERE id % 2 = 0")
        .await;
    let purged = store
        .purge_before("f", "2010-01-01T00:00:00Z".parse().unwrap())
        .await
        .unwrap();
    assert!(purged > 0);
    assert_counts_match(&*store, &form, "after a purge").await;
    store.close().await;
    // Counted once: reopening counts nothing again.
    let store = b.open();
    store.count_forms(std::slice::from_ref(&form)).unwrap();
    assert_counts_match(&*store, &form, "reopened").await;
    store
        .purge_before("f", "9999-01-01T00:00:00Z".parse().unwrap())
        .await
        .unwrap();
    assert_counts_match(&*store, &form, "all purged").await;
    assert_eq!(
        b.number("SELECT COUNT(*) FROM answer_counts WHERE form_id = 'f'")
            .await,
        0,
        "no counter is left at zero"
    );
}

/// A collector started with a definition that counts otherwise (a question's kind changed, a
/// question removed) counts the stored answers again; answers stored before the store was told
/// about a form are counted on that first start too.
async fn a_changed_definition_is_counted_again(b: &Backend) {
    let form = every_kind();
    let store = b.open();
    // Stored before the form was known to the store: only the responses are counted...
    for i in 0..20 {
        store.insert("f", None, &varied(i)).await.unwrap();
    }
    // ...until it is told: then they are counted from what is stored.
    store.count_forms(std::slice::from_ref(&form)).unwrap();
    assert_counts_match(&*store, &form, "first counted").await;
    store.close().await;
    let mut changed = every_kind();
    changed.questions.retain(|q| q.id != "nps");
    changed.questions[0].kind = voix_form::QuestionKind::Text {
        max_length: 100,
        multiline: false,
        personal_data_warning: false,
    };
    let store = b.open();
    store.count_forms(std::slice::from_ref(&changed)).unwrap();
    assert_counts_match(&*store, &changed, "changed definition").await;
    store.insert("f", None, &varied(21)).await.unwrap();
    assert_counts_match(&*store, &changed, "then an insert").await;
}

/// Something else holding the database's write lock, so the store's writer waits.
enum WriteLock {
    Sqlite(rusqlite::Connection),
    Postgres(tokio_postgres::Client),
}

impl Backend {
    async fn lock_writes(&self) -> WriteLock {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.execute_batch("BEGIN IMMEDIATE").unwrap();
                WriteLock::Sqlite(conn)
            }
            DatabaseUrl::Postgres(url) => {
                let client = pg_client(url).await;
                // Reads (ACCESS SHARE) go on; the counters' upsert (ROW EXCLUSIVE) waits.
                client
                    .batch_execute("BEGIN; LOCK TABLE answer_counts IN EXCLUSIVE MODE")
                    .await
                    .unwrap();
                WriteLock::Postgres(client)
            }
        }
    }
}

impl WriteLock {
    async fn release(self) {
        match self {
            WriteLock::Sqlite(conn) => conn.execute_batch("ROLLBACK").unwrap(),
            WriteLock::Postgres(client) => client.batch_execute("ROLLBACK").await.unwrap(),
        }
    }
}

/// Reads go on their own connections: with the writer stuck behind another transaction's
/// lock and an insert waiting on it, counts and responses are still read (as they were before
/// the insert), and the insert is still waiting when they are. Through the writer's queue they
/// would come after the insert.
async fn reads_do_not_wait_for_the_writer(b: &Backend) {
    let form = every_kind();
    let store = b.open();
    store.count_forms(std::slice::from_ref(&form)).unwrap();
    store.insert("f", None, &varied(1)).await.unwrap();
    let lock = b.lock_writes().await;
    let second = varied(2);
    let mut waiting = Started::new(store.insert("f", None, &second)).await;
    assert!(
        waiting.output.is_none(),
        "the insert must wait for the lock"
    );
    for _ in 0..3 {
        assert_eq!(store.counts("f").await.unwrap().responses, 1);
        assert_eq!(store.responses("f").await.unwrap().len(), 1);
    }
    // Still waiting: the reads did not come after it.
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = waiting.future.as_mut().poll(cx) {
            waiting.output = Some(v);
        }
        Poll::Ready(())
    })
    .await;
    assert!(
        waiting.output.is_none(),
        "the insert finished before the reads were answered"
    );
    lock.release().await;
    waiting.finish().await.unwrap();
    assert_counts_match(&*store, &form, "after the lock").await;
}

/// Issue 14.3's scenario through HTTP: clients read results in a loop (the admin's, computed
/// for every request, and the public ones of a poll) while answers are posted one after the
/// other and `/healthz` is asked; every answer is accepted, every health check answers, every
/// read succeeds. Nothing here is timed: it shows that reads neither stall nor fail intake.
async fn answers_are_taken_while_results_are_read_in_a_loop(b: &Backend) {
    const TOKEN: &str = "0123456789abcdef-admin";
    let dir = b.dir.path();
    std::fs::create_dir_all(dir.join("forms")).unwrap();
    std::fs::write(dir.join("forms/avis.toml"), common::avis(100)).unwrap();
    std::fs::write(
        dir.join("forms/sondage.toml"),
        "id = \"sondage\"\ntitle = \"Sondage\"\n[poll]\n[[questions]]\nid = \"nom\"\n\
         type = \"choice\"\nlabel = \"Quel nom ?\"\nchoices = [{ id = \"a\", label = \"A\" }, \
         { id = \"b\", label = \"B\" }]\n",
    )
    .unwrap();
    let mut config = Config::parse(
        &format!(
            "forms = [\"forms/avis.toml\", \"forms/sondage.toml\"]\nadmin_token = \"{TOKEN}\"\n\
             rate_limit = {{ per_minute = 0 }}\n\
             # The defences of polls are tested on their own.\n\
             proof_of_work = false\nmin_seconds = 0\n"
        ),
        &dir.join("voix.toml"),
    )
    .unwrap();
    config.database = b.url.clone();
    let store = b.open();
    let state = AppState::new(config, Arc::clone(&store)).unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let readers: Vec<_> = (0..4usize)
        .map(|i| {
            let (state, stop, reads) = (state.clone(), Arc::clone(&stop), Arc::clone(&reads));
            tokio::spawn(async move {
                let mut mine = 0;
                while !stop.load(Ordering::Relaxed) || mine == 0 {
                    let req = if i.is_multiple_of(2) {
                        axum::http::Request::get("/v1/forms/avis/results")
                            .header("authorization", format!("Bearer {TOKEN}"))
                            .body(axum::body::Body::empty())
                            .unwrap()
                    } else {
                        common::get("/v1/forms/sondage/results")
                    };
                    let r = common::send(&state, req).await;
                    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
                    mine += 1;
                    reads.fetch_add(1, Ordering::Relaxed);
                }
                mine
            })
        })
        .collect();
    let (mut stored, mut healthy) = (0, 0);
    for i in 0..120usize {
        let (form, answers) = if i.is_multiple_of(3) {
            ("sondage", json!({"nom": "a"}))
        } else {
            ("avis", json!({"note": "good"}))
        };
        let body = json!({"v": 1, "id": format!("loop-{i:06}"), "answers": answers});
        let r = common::send(&state, common::post(form, &body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        stored += 1;
        if i % 10 == 0 {
            let r = common::send(&state, common::get("/healthz")).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            healthy += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        assert!(reader.await.unwrap() > 0);
    }
    eprintln!(
        "story: {} answers stored and {healthy} health checks on {} while {} results were read",
        stored,
        b.name,
        reads.load(Ordering::Relaxed)
    );
    // Every answer is in the results, public ones included (the cache follows each answer).
    let r = common::send(&state, common::get("/v1/forms/sondage/results")).await;
    assert_eq!(r.json()["responses"], 40);
    assert_eq!(store.counts("avis").await.unwrap().responses, 80);
}

mod property {
    //! The counters are a running sum: whatever is stored, repeated, conflicting, aged and
    //! purged, in any order, they equal `Counts::of` over what is stored (SQLite; the same
    //! code writes PostgreSQL's counters, which the story above checks on both).

    use proptest::{collection::vec, option, prelude::*, sample::subsequence};

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        /// Store these answers, under submission id `sid` if given (few ids: repeats and
        /// conflicts happen).
        Insert(Option<u8>, Answers),
        /// Date every `k`th stored answer long ago.
        Age(u8),
        /// Delete what is long ago.
        PurgeOld,
        /// Delete everything.
        PurgeAll,
    }

    fn answers() -> impl Strategy<Value = Answers> {
        let one = |values: &'static [&'static str]| option::of(prop::sample::select(values));
        (
            one(&["bad", "ok", "good", "nonsense"]),
            one(&["0", "6", "7", "9", "10", "11"]),
            option::of(subsequence(vec!["a", "b", "c", "other", "zz"], 0..=5)),
            option::of("[a-z ]{0,8}"),
            one(&["x@example.fr"]),
            one(&["yes", "no"]),
            option::of("[a-z]{1,4}"),
        )
            .prop_map(|(note, nps, m, t, e, ok, other)| {
                let mut a = Answers::new();
                let mut put = |k: &str, v: Option<Answer>| {
                    if let Some(v) = v.filter(|v| !v.is_blank()) {
                        a.insert(k.into(), v);
                    }
                };
                put("note", note.map(Answer::from));
                put("nps", nps.map(Answer::from));
                put(
                    "m",
                    m.map(|m| Answer::Many(m.into_iter().map(str::to_owned).collect())),
                );
                put("t", t.map(Answer::from));
                put("e", e.map(Answer::from));
                put("ok", ok.map(Answer::from));
                put("m.other", other.map(Answer::from));
                put("unknown", Some(Answer::from("kept, not counted")));
                a
            })
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (option::of(0u8..6), answers()).prop_map(|(s, a)| Op::Insert(s, a)),
            1 => (1u8..4).prop_map(Op::Age),
            1 => Just(Op::PurgeOld),
            1 => Just(Op::PurgeAll),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        #[test]
        fn counts_are_the_sum_of_what_is_stored(ops in vec(op(), 1..30)) {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async {
                let b = Backend::sqlite("property");
                let form = every_kind();
                let store = b.open();
                store.count_forms(std::slice::from_ref(&form)).unwrap();
                for op in ops {
                    match op {
                        Op::Insert(sid, a) => {
                            let sid = sid.map(|s| format!("prop-{s:04}"));
                            match store.insert("f", sid.as_deref(), &a).await {
                                Ok(_) | Err(Error::Conflict) => {}
                                Err(e) => panic!("{e}"),
                            }
                        }
                        Op::Age(k) => {
                            b.execute(&format!(
                                "UPDATE responses SET received_at = '2001-01-01T00:00:00Z' \
                                 WHERE id % {k} = 0"
                            ))
                            .await
                        }
                        Op::PurgeOld => {
                            store
                                .purge_before("f", "2010-01-01T00:00:00Z".parse().unwrap())
                                .await
                                .unwrap();
                        }
                        Op::PurgeAll => {
                            store
                                .purge_before("f", "9999-01-01T00:00:00Z".parse().unwrap())
                                .await
                                .unwrap();
                        }
                    }
                    assert_counts_match(&*store, &form, "after an operation").await;
                }
                store.close().await;
            });
        }
    }
}

/// A proof (a solved challenge, a render token) is good for one answer, on every store of the
/// database: the first spend wins, a resend of the same submission is still accepted, another
/// submission is refused; an expired key is forgotten.
async fn a_proof_is_spent_once_across_two_stores(b: &Backend) {
    let stores = [b.open(), b.open()];
    let later = time::now() + jiff::SignedDuration::from_hours(1);
    // Twenty submissions race for one key on two stores: exactly one wins.
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = Arc::clone(&stores[i % 2]);
            tokio::spawn(async move {
                let sid = format!("race-{i:04}");
                store.spend("c:race", Some(&sid), later).await.unwrap()
            })
        })
        .collect();
    let mut won = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        if t.await.unwrap() {
            won.push(i);
        }
    }
    assert_eq!(won.len(), 1, "{}: {won:?}", b.name);
    let winner = format!("race-{:04}", won[0]);
    // The winner's resend (a retry after a lost reply), from either store.
    assert!(
        stores[1]
            .spend("c:race", Some(&winner), later)
            .await
            .unwrap()
    );
    assert!(
        stores[0]
            .spend("c:race", Some(&winner), later)
            .await
            .unwrap()
    );
    // Without a submission id nothing can be a resend.
    assert!(stores[0].spend("c:anon", None, later).await.unwrap());
    assert!(!stores[1].spend("c:anon", None, later).await.unwrap());
    // Expired: forgotten by the next spend, so the key is new again (the signature check
    // refuses an expired proof before it gets here).
    let past = time::now() - jiff::SignedDuration::from_secs(1);
    assert!(
        stores[0]
            .spend("t:old", Some("old-0001"), past)
            .await
            .unwrap()
    );
    assert!(
        stores[1]
            .spend("t:other", Some("old-0002"), later)
            .await
            .unwrap()
    );
    assert_eq!(
        b.number("SELECT COUNT(*) FROM spent WHERE key = 't:old'")
            .await,
        0
    );
    assert!(
        stores[1]
            .spend("t:old", Some("old-0003"), later)
            .await
            .unwrap()
    );
}

/// The secret challenges are signed with is made by the first collector and read by the others.
async fn the_signing_secret_is_made_once(b: &Backend) {
    let (one, two) = (b.open(), b.open());
    assert_eq!(one.secret("defence", "first").unwrap(), "first");
    assert_eq!(two.secret("defence", "second").unwrap(), "first");
    assert_eq!(b.open().secret("defence", "third").unwrap(), "first");
}

/// Two collectors on one database, a poll with proof of work: a solution accepted by one is
/// refused by the other for another answer (403 `proof_replayed`), while the same answer sent
/// again is the duplicate it is (201, same id).
async fn a_solution_replayed_on_a_second_collector_is_refused(b: &Backend) {
    let dir = b.dir.path();
    std::fs::create_dir_all(dir.join("forms")).unwrap();
    std::fs::write(dir.join("forms/sondage.toml"), common::poll("sondage", "")).unwrap();
    let state = |store: Arc<dyn Store>| {
        let mut config = Config::parse(
            "forms = [\"forms/sondage.toml\"]\nmin_seconds = 0\npow_difficulty = 5\n",
            &dir.join("voix.toml"),
        )
        .unwrap();
        config.database = b.url.clone();
        AppState::new(config, store).unwrap()
    };
    let (a, b2) = (state(b.open()), state(b.open()));
    let challenge = common::send(&a, common::get("/v1/forms/sondage/challenge")).await;
    assert_eq!(challenge.status, StatusCode::OK, "{}", challenge.text());
    let payload = common::solve(&challenge.json());
    let vote = |id: &str, choice: &str| json!({"v": 1, "id": id, "answers": {"nom": choice}, "altcha": payload});
    let r = common::send(&a, common::post("sondage", &vote("vote-0001", "hugo"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let first = r.json()["id"].clone();
    // The other collector verifies the signature (same secret) and finds it spent.
    common::send(&b2, common::post("sondage", &vote("vote-0002", "sand")))
        .await
        .error(StatusCode::FORBIDDEN, "proof_replayed");
    // The first answer's resend, on the other collector: the duplicate, not a replay.
    let r = common::send(&b2, common::post("sondage", &vote("vote-0001", "hugo"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["id"], first);
    assert_eq!(b.number("SELECT COUNT(*) FROM responses").await, 1);
}
