//! The SQLite backend: one file, one connection, owned by the database thread of
//! `worker.rs`.
//!
//! Requests reach that thread through a channel and wait for its reply, so the async runtime
//! never blocks on disk. Inserts that queue up while a commit is in progress are written together
//! in the next transaction (group commit): with `synchronous=FULL` each commit costs an fsync,
//! and one fsync per batch instead of one per answer keeps throughput up under bursts without
//! weakening the promise — every waiting request is answered only after its batch committed.
//!
//! The file uses WAL (readers do not block the writer, nor the writer them) with
//! `synchronous=FULL`, the combination that keeps committed transactions across a power loss.
//! Reads (results, exports) run on [`READ_CONNECTIONS`] connections of their own, opened with
//! the writer's and lent by `deadpool`'s unmanaged pool, each query on tokio's blocking
//! threads; they never touch the writer's thread.
//! Migrations live in `migrations/sqlite/` and are applied on open, recorded in
//! `schema_migrations`.

use std::{path::Path, time::Duration};

use deadpool::unmanaged::{Pool, PoolError};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use voix_form::{Form, results::Counts};

use super::{
    BoxFuture, Inserted, StoredResponse,
    counting::{self, Recount, Tally},
    reader::{Database, READ_CONNECTIONS, Reader},
    worker::{self, Backend, InsertJob},
};
use crate::{Error, Result};

/// Schema migrations, in order; the version of each is its position, from 1. Never edit one that
/// has shipped: add a new one.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/sqlite/0001_responses.sql"),
    include_str!("migrations/sqlite/0002_counts.sql"),
    include_str!("migrations/sqlite/0003_defences.sql"),
];

/// How long a statement waits for another process's lock (e.g. an export) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How `received_at` is written: SQLite has no time type, and RFC 3339 UTC to the second sorts
/// as text, so `received_at < cutoff` compares instants.
const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// Opens the database file at `path`, creating it if needed (its directory must exist), applies
/// pending migrations, starts the database thread and the readers.
pub fn open(path: &Path) -> Result<Database> {
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
    let file = path.to_owned();
    let writer = worker::start("voix-sqlite", move || async move {
        let mut conn = Connection::open(&file).map_err(|e| e.to_string())?;
        configure(&conn)?;
        migrate(&mut conn)?;
        Ok(Sqlite(conn))
    })
    .map_err(fail)?;
    let readers = (0..READ_CONNECTIONS)
        .map(|_| read_connection(path))
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| fail(format!("cannot open a read connection: {e}")))?;
    Ok(Database::new(writer, SqliteReader(Pool::from(readers))))
}

/// The connection, owned by the database thread.
struct Sqlite(Connection);

impl Backend for Sqlite {
    async fn insert_batch(
        &mut self,
        batch: &[InsertJob],
        now: Timestamp,
    ) -> Result<Vec<Result<Inserted>>> {
        let now = now.strftime(TIME_FORMAT).to_string();
        let tx = self
            .0
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let results = batch
            .iter()
            .map(|job| insert_one(&tx, job, &now))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut tally = Tally::default();
        for (job, result) in batch.iter().zip(&results) {
            if matches!(
                result,
                Ok(Inserted {
                    duplicate: false,
                    ..
                })
            ) {
                tally.add(&job.form_id, &job.counts, 1);
            }
        }
        apply(&tx, &tally)?;
        tx.commit()?;
        Ok(results)
    }

    async fn spend(
        &mut self,
        key: &str,
        submission_id: Option<&str>,
        expires: Timestamp,
        now: Timestamp,
    ) -> Result<bool> {
        let tx = self
            .0
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.prepare_cached("DELETE FROM spent WHERE expires_at <= ?1")?
            .execute([now.as_second()])?;
        let fresh = tx
            .prepare_cached(
                "INSERT INTO spent (key, submission_id, expires_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (key) DO NOTHING",
            )?
            .execute(params![key, submission_id, expires.as_second()])?
            == 1;
        let ok = fresh || {
            let by: Option<String> = tx
                .prepare_cached("SELECT submission_id FROM spent WHERE key = ?1")?
                .query_row([key], |r| r.get(0))?;
            by.is_some() && by.as_deref() == submission_id
        };
        tx.commit()?;
        Ok(ok)
    }

    async fn secret(&mut self, name: &str, fresh: &str) -> Result<String> {
        self.0.execute(
            "INSERT INTO secrets (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
            [name, fresh],
        )?;
        Ok(self
            .0
            .query_row("SELECT value FROM secrets WHERE name = ?1", [name], |r| {
                r.get(0)
            })?)
    }

    async fn recount(&mut self, form: &Form, spec: &str) -> Result<Option<u64>> {
        let tx = self
            .0
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let counted: Option<String> = tx
            .query_row(
                "SELECT spec FROM counted_forms WHERE form_id = ?1",
                [&form.id],
                |r| r.get(0),
            )
            .optional()?;
        if counted.as_deref() == Some(spec) {
            return Ok(None);
        }
        tx.execute("DELETE FROM answer_counts WHERE form_id = ?1", [&form.id])?;
        let mut recount = Recount::new(form);
        {
            let mut stmt = tx.prepare("SELECT id, answers FROM responses WHERE form_id = ?1")?;
            let mut rows = stmt.query([&form.id])?;
            while let Some(row) = rows.next()? {
                recount.add(&worker::decode(row.get(0)?, &row.get::<_, String>(1)?)?);
            }
        }
        apply(&tx, recount.tally())?;
        tx.execute(
            "INSERT INTO counted_forms (form_id, spec) VALUES (?1, ?2) \
             ON CONFLICT (form_id) DO UPDATE SET spec = excluded.spec",
            params![form.id, spec],
        )?;
        tx.commit()?;
        Ok(Some(recount.responses))
    }

    async fn purge(
        &mut self,
        form_id: &str,
        form: Option<&Form>,
        cutoff: Timestamp,
        limit: u64,
    ) -> Result<u64> {
        let tx = self
            .0
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut tally = Tally::default();
        let mut ids = Vec::new();
        {
            let mut stmt = tx.prepare_cached(
                "SELECT id, answers FROM responses WHERE form_id = ?1 AND received_at < ?2 \
                 ORDER BY id LIMIT ?3",
            )?;
            let cutoff = cutoff.strftime(TIME_FORMAT).to_string();
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let mut rows = stmt.query(params![form_id, cutoff, limit])?;
            while let Some(row) = rows.next()? {
                let id: i64 = row.get(0)?;
                let answers = worker::decode(id, &row.get::<_, String>(1)?)?;
                tally.add(form_id, &counting::of_response(form, &answers), -1);
                ids.push(id);
            }
        }
        {
            let mut delete = tx.prepare_cached("DELETE FROM responses WHERE id = ?1")?;
            for id in &ids {
                delete.execute([id])?;
            }
        }
        apply(&tx, &tally)?;
        tx.commit()?;
        Ok(ids.len() as u64)
    }

    async fn ping(&mut self) -> Result<()> {
        self.0.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?;
        Ok(())
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
    for (version, sql) in worker::pending_migrations(current, MIGRATIONS)? {
        tx.execute_batch(sql)
            .map_err(|e| format!("migration {version}: {e}"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            params![
                version,
                crate::time::now().strftime(TIME_FORMAT).to_string()
            ],
        )
        .map_err(s)?;
    }
    tx.commit().map_err(s)
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
            return Ok(worker::repeat_of(id, &stored, &job.answers));
        }
    }
    let answers = match worker::encode(&job.answers) {
        Ok(a) => a,
        Err(e) => return Ok(Err(e)),
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

/// Adds `tally` to the counters, in its key order, and drops counters that reach zero.
fn apply(tx: &Transaction<'_>, tally: &Tally) -> rusqlite::Result<()> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO answer_counts (form_id, question, value, n) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (form_id, question, value) DO UPDATE SET n = n + excluded.n",
    )?;
    let mut empty = tx.prepare_cached(
        "DELETE FROM answer_counts WHERE form_id = ?1 AND question = ?2 AND value = ?3 AND n <= 0",
    )?;
    for (form, question, value, n) in tally.rows() {
        upsert.execute(params![form, question, value, n])?;
        if n < 0 {
            empty.execute(params![form, question, value])?;
        }
    }
    Ok(())
}

/// A connection for reading (the file is already in WAL mode, set by the writer).
fn read_connection(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // A reader that tried to write would be a bug; SQLite refuses it.
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// The read connections.
#[derive(Debug)]
struct SqliteReader(Pool<Connection>);

impl SqliteReader {
    /// Runs `read` on a read connection, on tokio's blocking threads (rusqlite blocks).
    async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.0.get().await.map_err(|e| match e {
            PoolError::Closed => Error::StoreClosed,
            e => Error::Database(format!("no read connection: {e}")),
        })?;
        tokio::task::spawn_blocking(move || read(&conn))
            .await
            .map_err(|e| Error::Database(format!("a read failed: {e}")))?
    }
}

impl Reader for SqliteReader {
    fn responses<'a>(
        &'a self,
        form_id: &'a str,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> BoxFuture<'a, Result<Vec<StoredResponse>>> {
        let form_id = form_id.to_owned();
        Box::pin(self.read(move |conn| read_responses(conn, &form_id, from, until)))
    }

    fn last_received<'a>(&'a self, form_id: &'a str) -> BoxFuture<'a, Result<Option<Timestamp>>> {
        let form_id = form_id.to_owned();
        Box::pin(self.read(move |conn| {
            let last: Option<String> = conn
                .prepare_cached("SELECT max(received_at) FROM responses WHERE form_id = ?1")?
                .query_row([&form_id], |r| r.get(0))?;
            last.map(|t| {
                t.parse()
                    .map_err(|e| Error::Database(format!("received_at `{t}`: {e}")))
            })
            .transpose()
        }))
    }

    fn counts<'a>(&'a self, form_id: &'a str) -> BoxFuture<'a, Result<Counts>> {
        let form_id = form_id.to_owned();
        Box::pin(self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT question, value, n FROM answer_counts WHERE form_id = ?1",
            )?;
            let rows = stmt
                .query_map([&form_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(counting::from_rows(rows))
        }))
    }

    fn close(&self) {
        self.0.close();
    }
}

// Bounds are compared as text: `received_at` is written in one format that sorts as time.
fn read_responses(
    conn: &Connection,
    form_id: &str,
    from: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Result<Vec<StoredResponse>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, submission_id, received_at, answers FROM responses WHERE form_id = ?1 \
         AND (?2 IS NULL OR received_at >= ?2) AND (?3 IS NULL OR received_at < ?3) ORDER BY id",
    )?;
    let text = |t: Option<Timestamp>| t.map(|t| t.strftime(TIME_FORMAT).to_string());
    let rows = stmt.query_map(params![form_id, text(from), text(until)], |r| {
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
        let received_at = received_at.parse().map_err(|e| {
            Error::Database(format!("response {id}: received_at `{received_at}`: {e}"))
        })?;
        out.push(StoredResponse {
            id: id.to_string(),
            submission_id,
            received_at,
            answers: worker::decode(id, &answers)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    // What every backend promises (inserts, idempotency, purge, concurrency) is tested on both in
    // tests/story.rs. These are SQLite's own.
    use super::*;

    #[test]
    fn migrations_are_recorded_and_not_reapplied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.db");
        drop(open(&path).unwrap());
        drop(open(&path).unwrap());
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
        drop(open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .execute("INSERT INTO schema_migrations VALUES (99, 'x')", [])
            .unwrap();
        let e = open(&path).unwrap_err().to_string();
        assert!(e.contains("newer"), "{e}");
    }

    #[test]
    fn missing_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = open(&dir.path().join("nope/v.db")).unwrap_err().to_string();
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
        assert!(open(&path).is_err());
    }
}
