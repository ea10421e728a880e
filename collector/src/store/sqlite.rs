//! The SQLite backend: one file, one connection, owned by one thread.
//!
//! Requests reach that thread through a channel and wait for its reply, so the async runtime
//! never blocks on disk. Inserts that queue up while a commit is in progress are written together
//! in the next transaction (group commit): with `synchronous=FULL` each commit costs an fsync,
//! and one fsync per batch instead of one per answer keeps throughput up under bursts without
//! weakening the promise — every waiting request is answered only after its batch committed.
//!
//! The file uses WAL (readers such as `voix-collector export` do not block the writer) with
//! `synchronous=FULL`, the combination that keeps committed transactions across a power loss.
//! Migrations live in `migrations/sqlite/` and are applied on open, recorded in
//! `schema_migrations`.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use voix_form::answer::Answers;

use super::{
    Inserted, StoredResponse,
    worker::{Command, InsertJob, Queue, Worker},
};
use crate::{Error, Result, time};

/// Schema migrations, in order; the version of each is its position, from 1. Never edit one that
/// has shipped: add a new one.
const MIGRATIONS: &[&str] = &[include_str!("migrations/sqlite/0001_responses.sql")];

/// How long a statement waits for another process's lock (e.g. an export) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A handle to an SQLite database. Cheap to clone; the database thread stops when the last
/// handle is dropped or after [`Store::close`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    worker: Worker,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens the database file at `path`, creating it if needed (its directory must exist),
    /// applies pending migrations and starts the database thread.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let fail = |message: String| Error::DatabaseOpen {
            path: path.to_owned(),
            message,
        };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            return Err(fail(format!("directory {} does not exist", dir.display())));
        }
        let mut conn = Connection::open(path).map_err(|e| fail(e.to_string()))?;
        configure(&conn).map_err(fail)?;
        migrate(&mut conn).map_err(fail)?;
        let (worker, mut queue) = Worker::new();
        std::thread::Builder::new()
            .name("voix-sqlite".into())
            .spawn(move || {
                run(conn, &mut queue);
                let _ = queue.done.send(true);
            })
            .map_err(|e| fail(format!("cannot start the database thread: {e}")))?;
        Ok(SqliteStore {
            worker,
            path: path.to_owned(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The handle requests go through, as a [`Store`].
    pub(super) fn into_worker(self) -> Worker {
        self.worker
    }
}

// `store.insert(…)` and the other [`Store`] methods, on the shared queue handle.
impl std::ops::Deref for SqliteStore {
    type Target = Worker;

    fn deref(&self) -> &Worker {
        &self.worker
    }
}

fn configure(conn: &Connection) -> std::result::Result<(), String> {
    let s = |e: rusqlite::Error| e.to_string();
    conn.busy_timeout(BUSY_TIMEOUT).map_err(s)?;
    // Switching to WAL takes an exclusive lock, and SQLite reports "database is locked" at once
    // (without the busy handler) while another connection is opening the same new file, e.g.
    // collectors starting together: retry for as long as any other statement would wait.
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    let mode: String = loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => break other.map_err(s)?,
        }
    };
    if !mode.eq_ignore_ascii_case("wal") {
        // Some file systems (network mounts) refuse WAL; the rollback journal with
        // synchronous=FULL is just as durable, only slower, so go on.
        tracing::warn!(journal_mode = %mode, "SQLite refused WAL mode");
    }
    conn.pragma_update(None, "synchronous", "FULL").map_err(s)?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> std::result::Result<(), String> {
    let s = |e: rusqlite::Error| e.to_string();
    // IMMEDIATE: two collectors starting on one file must not both apply a migration.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(s)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            applied_at TEXT NOT NULL
        )",
    )
    .map_err(s)?;
    let current: i64 = tx
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(s)?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(format!(
            "schema version {current} is newer than this collector knows ({known}); \
             upgrade voix-collector"
        ));
    }
    for (version, sql) in (1..).zip(MIGRATIONS).skip(current as usize) {
        tx.execute_batch(sql)
            .map_err(|e| format!("migration {version}: {e}"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            params![version, time::now()],
        )
        .map_err(s)?;
    }
    tx.commit().map_err(s)
}

// The database thread. It ends when every handle is dropped or, after a close, once the queue is
// empty: closing the receiver refuses new commands but keeps the queued ones to receive.
fn run(mut conn: Connection, queue: &mut Queue) {
    let mut next: Option<Command> = None;
    loop {
        let command = match next.take() {
            Some(c) => c,
            None => match queue.rx.blocking_recv() {
                Some(c) => c,
                None => break,
            },
        };
        match command {
            Command::Insert(first) => {
                let batch;
                (batch, next) = queue.batch(first);
                crate::metrics::record_batch(batch.len());
                insert_batch(&mut conn, batch);
            }
            Command::Responses { form_id, reply } => {
                let _ = reply.send(read_responses(&conn, &form_id));
            }
            Command::Purge {
                form_id,
                cutoff,
                reply,
            } => {
                let r = conn.execute(
                    "DELETE FROM responses WHERE form_id = ?1 AND received_at < ?2",
                    rusqlite::params![form_id, cutoff],
                );
                let _ = reply.send(r.map(|n| n as u64).map_err(Error::from));
            }
            Command::Ping { reply } => {
                let r = conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0));
                let _ = reply.send(r.map(drop).map_err(Error::from));
            }
            Command::Close => queue.rx.close(),
        }
    }
}

fn insert_batch(conn: &mut Connection, batch: Vec<InsertJob>) {
    let now = time::now();
    let outcome = (|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let results = batch
            .iter()
            .map(|job| insert_one(&tx, job, &now))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        tx.commit()?;
        Ok::<_, rusqlite::Error>(results)
    })();
    match outcome {
        Ok(results) => {
            for (job, result) in batch.into_iter().zip(results) {
                // The requester may have gone (client disconnected); the answer is stored anyway.
                let _ = job.reply.send(result);
            }
        }
        Err(e) => {
            // Nothing of the batch is committed, so nobody may be told "stored".
            let message = e.to_string();
            for job in batch {
                let _ = job.reply.send(Err(Error::Database(message.clone())));
            }
        }
    }
}

// The outer error aborts the whole batch (the database failed); the inner one is this
// submission's own outcome (a conflict) and leaves the others untouched.
fn insert_one(
    tx: &Transaction<'_>,
    job: &InsertJob,
    now: &str,
) -> rusqlite::Result<Result<Inserted>> {
    if let Some(sid) = &job.submission_id {
        let existing = tx
            .prepare_cached(
                "SELECT id, answers FROM responses WHERE form_id = ?1 AND submission_id = ?2",
            )?
            .query_row(params![job.form_id, sid], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .optional()?;
        if let Some((id, stored)) = existing {
            // Compare parsed maps, not text: the outcome must not hinge on JSON formatting.
            return Ok(match serde_json::from_str::<Answers>(&stored) {
                Ok(stored) if stored == job.answers => Ok(Inserted {
                    id: id.to_string(),
                    duplicate: true,
                }),
                Ok(_) => Err(Error::Conflict),
                Err(e) => Err(corrupt(id, e)),
            });
        }
    }
    let answers = match serde_json::to_string(&job.answers) {
        Ok(a) => a,
        Err(e) => return Ok(Err(Error::Database(format!("cannot encode answers: {e}")))),
    };
    tx.prepare_cached(
        "INSERT INTO responses (form_id, submission_id, received_at, answers) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![job.form_id, job.submission_id, now, answers])?;
    Ok(Ok(Inserted {
        id: tx.last_insert_rowid().to_string(),
        duplicate: false,
    }))
}

fn read_responses(conn: &Connection, form_id: &str) -> Result<Vec<StoredResponse>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, submission_id, received_at, answers FROM responses WHERE form_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([form_id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, submission_id, received_at, answers) = row?;
        out.push(StoredResponse {
            id: id.to_string(),
            submission_id,
            received_at,
            answers: serde_json::from_str(&answers).map_err(|e| corrupt(id, e))?,
        });
    }
    Ok(out)
}

fn corrupt(id: i64, e: serde_json::Error) -> Error {
    Error::Database(format!(
        "response {id}: stored answers are not a JSON object of strings: {e}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[tokio::test]
    async fn purge_deletes_only_older_answers_of_that_form() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("v.db")).unwrap();
        let a = answers(&[("note", "good")]);
        store.insert("f", None, &a).await.unwrap();
        store.insert("g", None, &a).await.unwrap();
        // Everything stored so far is before a cutoff far in the future, nothing before 1970.
        assert_eq!(
            store
                .purge_before("f", "1970-01-01T00:00:00Z")
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            store
                .purge_before("f", "9999-01-01T00:00:00Z")
                .await
                .unwrap(),
            1
        );
        assert!(store.responses("f").await.unwrap().is_empty());
        assert_eq!(store.responses("g").await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn insert_read_and_idempotency() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("v.db")).unwrap();
        store.ping().await.unwrap();
        let a = answers(&[("note", "good")]);
        let first = store.insert("f", Some("abcdefgh"), &a).await.unwrap();
        assert!(!first.duplicate);
        let again = store.insert("f", Some("abcdefgh"), &a).await.unwrap();
        assert_eq!(
            again,
            Inserted {
                id: first.id.clone(),
                duplicate: true
            }
        );
        let other = answers(&[("note", "bad")]);
        assert!(matches!(
            store.insert("f", Some("abcdefgh"), &other).await,
            Err(Error::Conflict)
        ));
        // The same submission id on another form is another submission.
        assert!(
            !store
                .insert("g", Some("abcdefgh"), &other)
                .await
                .unwrap()
                .duplicate
        );
        // Without an id, every post is new.
        let n1 = store.insert("f", None, &a).await.unwrap();
        let n2 = store.insert("f", None, &a).await.unwrap();
        assert_ne!(n1.id, n2.id);

        let rows = store.responses("f").await.unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].id, first.id);
        assert_eq!(rows[0].submission_id.as_deref(), Some("abcdefgh"));
        assert_eq!(rows[0].answers, a);
        assert!(rows[0].received_at.ends_with('Z') && rows[0].received_at.len() == 20);
        assert_eq!(rows[1].submission_id, None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_inserts_are_each_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("v.db")).unwrap();
        let mut tasks = Vec::new();
        for i in 0..200 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let a = answers(&[("n", &i.to_string())]);
                // Half of them send the same submission id twice, concurrently.
                let sid = format!("sub-{:05}", i % 100);
                store.insert("f", Some(&sid), &a).await
            }));
        }
        let mut conflicts = 0;
        let mut ids = std::collections::BTreeSet::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(ins) => {
                    ids.insert(ins.id);
                }
                Err(Error::Conflict) => conflicts += 1,
                Err(e) => panic!("{e}"),
            }
        }
        // Ids i and i+100 share a submission id but not answers: one of each pair conflicts.
        assert_eq!(conflicts, 100);
        assert_eq!(ids.len(), 100);
        assert_eq!(store.responses("f").await.unwrap().len(), 100);
    }

    #[test]
    fn migrations_are_recorded_and_not_reapplied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.db");
        drop(SqliteStore::open(&path).unwrap());
        drop(SqliteStore::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        let versions: i64 = conn
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(versions, MIGRATIONS.len() as i64);
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.db");
        drop(SqliteStore::open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .execute("INSERT INTO schema_migrations VALUES (99, 'x')", [])
            .unwrap();
        let e = SqliteStore::open(&path).unwrap_err().to_string();
        assert!(e.contains("newer"), "{e}");
    }

    #[test]
    fn missing_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = SqliteStore::open(&dir.path().join("nope/v.db"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope") && e.contains("does not exist"), "{e}");
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.db");
        std::fs::write(
            &path,
            "this is not sqlite, just some text long enough to have a header",
        )
        .unwrap();
        assert!(SqliteStore::open(&path).is_err());
    }
}
