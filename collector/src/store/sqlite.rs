//! The SQLite backend: one file, one connection, owned by the database thread of
//! `worker.rs`.
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

use std::{path::Path, time::Duration};

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::{
    Inserted, StoredResponse,
    worker::{self, Backend, InsertJob, Worker},
};
use crate::{Error, Result};

/// Schema migrations, in order; the version of each is its position, from 1. Never edit one that
/// has shipped: add a new one.
const MIGRATIONS: &[&str] = &[include_str!("migrations/sqlite/0001_responses.sql")];

/// How long a statement waits for another process's lock (e.g. an export) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How `received_at` is written: SQLite has no time type, and RFC 3339 UTC to the second sorts
/// as text, so `received_at < cutoff` compares instants.
const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// Opens the database file at `path`, creating it if needed (its directory must exist), applies
/// pending migrations and starts the database thread; the handle stores through it.
pub fn open(path: &Path) -> Result<Worker> {
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
    worker::start("voix-sqlite", move || async move {
        let mut conn = Connection::open(&file).map_err(|e| e.to_string())?;
        configure(&conn)?;
        migrate(&mut conn)?;
        Ok(Sqlite(conn))
    })
    .map_err(fail)
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
        tx.commit()?;
        Ok(results)
    }

    async fn responses(&mut self, form_id: &str) -> Result<Vec<StoredResponse>> {
        read_responses(&self.0, form_id)
    }

    async fn purge(&mut self, form_id: &str, cutoff: Timestamp) -> Result<u64> {
        let n = self.0.execute(
            "DELETE FROM responses WHERE form_id = ?1 AND received_at < ?2",
            params![form_id, cutoff.strftime(TIME_FORMAT).to_string()],
        )?;
        Ok(n as u64)
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
