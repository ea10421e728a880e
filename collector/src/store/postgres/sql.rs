//! What the PostgreSQL backend says to the server: the migrations, the prepared statements, and
//! a batch of inserts pipelined in one transaction.

use std::time::SystemTime;

use futures_util::future::try_join_all;
use jiff::Timestamp;
use tokio_postgres::{Client, Row, Statement};

use super::{PgResult, describe};
use crate::{
    Error, Result,
    store::{
        Inserted, StoredResponse,
        worker::{self, InsertJob},
    },
};

/// Schema migrations, in order; the version of each is its position, from 1. Never edit one that
/// has shipped: add a new one.
const MIGRATIONS: &[&str] = &[include_str!("../migrations/postgres/0001_responses.sql")];

/// The advisory lock held while migrating (`voixmigr` in ASCII): one collector migrates, the
/// others wait and then find nothing to do.
const MIGRATION_LOCK: i64 = 0x766f_6978_6d69_6772;

const INSERT: &str = "INSERT INTO responses (form_id, submission_id, received_at, answers) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (form_id, submission_id) DO NOTHING RETURNING id";
const EXISTING: &str =
    "SELECT id, answers FROM responses WHERE form_id = $1 AND submission_id = $2";
const RESPONSES: &str = "SELECT id, submission_id, received_at, answers \
     FROM responses WHERE form_id = $1 ORDER BY id";
const PURGE: &str = "DELETE FROM responses WHERE form_id = $1 AND received_at < $2";

/// A live connection and its prepared statements.
pub(super) struct Conn {
    pub(super) client: Client,
    insert: Statement,
    existing: Statement,
    responses: Statement,
    purge: Statement,
}

impl Conn {
    pub(super) async fn prepare(client: Client) -> PgResult<Conn> {
        Ok(Conn {
            insert: client.prepare(INSERT).await?,
            existing: client.prepare(EXISTING).await?,
            responses: client.prepare(RESPONSES).await?,
            purge: client.prepare(PURGE).await?,
            client,
        })
    }
}

pub(super) async fn migrate(client: &mut Client) -> std::result::Result<(), String> {
    let s = |e: tokio_postgres::Error| describe(&e);
    let tx = client.transaction().await.map_err(s)?;
    // Held until commit: a second collector starting now waits here, then sees the new version.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(s)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .await
    .map_err(s)?;
    let current: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await
        .and_then(|row| row.try_get(0))
        .map_err(s)?;
    for (version, sql) in worker::pending_migrations(current.into(), MIGRATIONS)? {
        tx.batch_execute(sql)
            .await
            .map_err(|e| format!("migration {version}: {}", describe(&e)))?;
        // The column is an `integer`; there will never be 2³¹ migrations.
        let version = version as i32;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&version],
        )
        .await
        .map_err(s)?;
    }
    tx.commit().await.map_err(s)
}

/// Writes a batch in one transaction. The outer error aborts the whole batch (the database
/// failed, nothing is committed); the inner results are each submission's own outcome.
pub(super) async fn write_batch(
    conn: &Conn,
    batch: &[InsertJob],
    now: SystemTime,
) -> PgResult<Vec<Result<Inserted>>> {
    // `Client::transaction` needs `&mut`; the statements are shared, so BEGIN by hand.
    let client = &conn.client;
    client.batch_execute("BEGIN").await?;
    let outcome = async {
        let encoded: Vec<Result<String>> = batch
            .iter()
            .map(|job| worker::encode(&job.answers))
            .collect();
        // Every insert, pipelined. `Some(id)`: stored now; `None`: the (form, submission id)
        // pair is already there (stored earlier, by another collector, or earlier in this
        // batch — statements run in order and each sees the ones before).
        let inserted = try_join_all(batch.iter().zip(&encoded).map(|(job, answers)| async move {
            match answers {
                Ok(answers) => client
                    .query_opt(
                        &conn.insert,
                        &[&job.form_id, &job.submission_id, &now, answers],
                    )
                    .await?
                    .map(|row| row.try_get::<_, i64>(0))
                    .transpose(),
                Err(_) => Ok(None),
            }
        }))
        .await?;
        // For each insert that hit the index, the stored row, to compare answers.
        let stored = try_join_all(batch.iter().zip(&inserted).zip(&encoded).map(
            |((job, id), answers)| async move {
                match (id, &job.submission_id, answers) {
                    (None, Some(sid), Ok(_)) => {
                        client.query_opt(&conn.existing, &[&job.form_id, sid]).await
                    }
                    _ => Ok(None),
                }
            },
        ))
        .await?;
        client.batch_execute("COMMIT").await?;
        Ok::<_, tokio_postgres::Error>((encoded, inserted, stored))
    }
    .await;
    let (encoded, inserted, stored) = match outcome {
        Ok(parts) => parts,
        Err(e) => {
            // Leave the connection usable for the next batch (if it still is).
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(e);
        }
    };
    Ok(batch
        .iter()
        .zip(encoded)
        .zip(inserted)
        .zip(stored)
        .map(|(((job, encoded), id), stored)| {
            encoded?;
            match (id, stored) {
                (Some(id), _) => Ok(Inserted {
                    id: id.to_string(),
                    duplicate: false,
                }),
                (None, Some(row)) => same_answers(job, &row),
                // Deleted between the insert and the read (a purge by another collector).
                (None, None) => Err(Error::Database(
                    "the stored submission vanished while being compared".into(),
                )),
            }
        })
        .collect())
}

// A repeat of a stored submission id (see `worker::repeat_of`).
fn same_answers(job: &InsertJob, row: &Row) -> Result<Inserted> {
    let column = |e: tokio_postgres::Error| Error::Database(describe(&e));
    let id: i64 = row.try_get(0).map_err(column)?;
    let stored: String = row.try_get(1).map_err(column)?;
    worker::repeat_of(id, &stored, &job.answers)
}

pub(super) async fn read_responses(
    conn: &Conn,
    form_id: &str,
) -> PgResult<Result<Vec<StoredResponse>>> {
    let rows = conn.client.query(&conn.responses, &[&form_id]).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get(0)?;
        let received_at: SystemTime = row.try_get(2)?;
        let answers: String = row.try_get(3)?;
        let (answers, received_at) = match (
            worker::decode(id, &answers),
            Timestamp::try_from(received_at),
        ) {
            (Ok(a), Ok(t)) => (a, t),
            (Err(e), _) => return Ok(Err(e)),
            (_, Err(e)) => {
                return Ok(Err(Error::Database(format!(
                    "response {id}: received_at out of range: {e}"
                ))));
            }
        };
        out.push(StoredResponse {
            id: id.to_string(),
            submission_id: row.try_get(1)?,
            received_at,
            answers,
        });
    }
    Ok(Ok(out))
}

pub(super) async fn purge(conn: &Conn, form_id: &str, cutoff: SystemTime) -> PgResult<u64> {
    conn.client.execute(&conn.purge, &[&form_id, &cutoff]).await
}
