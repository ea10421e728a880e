//! What the PostgreSQL backend says to the server: the migrations, the prepared statements, a
//! batch of inserts pipelined in one transaction with its counts, a purge and a recount; and
//! what the readers ask.

use std::time::SystemTime;

use futures_util::{TryStreamExt, future::try_join_all, pin_mut};
use jiff::Timestamp;
use tokio_postgres::{Client, GenericClient, Row, Statement};
use voix_form::{Form, results::Counts};

use super::{PgResult, describe};
use crate::{
    Error, Result,
    store::{
        Inserted, StoredResponse,
        counting::{self, Recount, Tally},
        worker::{self, InsertJob},
    },
};

/// Schema migrations, in order; the version of each is its position, from 1. Never edit one that
/// has shipped: add a new one.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/postgres/0001_responses.sql"),
    include_str!("../migrations/postgres/0002_counts.sql"),
    include_str!("../migrations/postgres/0003_defences.sql"),
];

/// The advisory lock held while migrating (`voixmigr` in ASCII): one collector migrates, the
/// others wait and then find nothing to do.
const MIGRATION_LOCK: i64 = 0x766f_6978_6d69_6772;

const INSERT: &str = "INSERT INTO responses (form_id, submission_id, received_at, answers) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (form_id, submission_id) DO NOTHING RETURNING id";
const EXISTING: &str =
    "SELECT id, answers FROM responses WHERE form_id = $1 AND submission_id = $2";
pub(super) const RESPONSES: &str = "SELECT id, submission_id, received_at, answers \
     FROM responses WHERE form_id = $1 AND ($2::timestamptz IS NULL OR received_at >= $2) \
     AND ($3::timestamptz IS NULL OR received_at < $3) ORDER BY id";
const LAST_RECEIVED: &str = "SELECT max(received_at) FROM responses WHERE form_id = $1";
pub(super) const COUNTS: &str = "SELECT question, value, n FROM answer_counts WHERE form_id = $1";
/// The oldest answers before the cutoff, deleted; what they said, to take it from the counts.
const PURGE: &str = "DELETE FROM responses WHERE id IN (SELECT id FROM responses \
     WHERE form_id = $1 AND received_at < $2 ORDER BY id LIMIT $3) RETURNING id, answers";
/// Adds deltas to the counters, in the order given (the tally's key order).
const ADD_COUNTS: &str = "INSERT INTO answer_counts (form_id, question, value, n) \
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) \
     ON CONFLICT (form_id, question, value) DO UPDATE SET n = answer_counts.n + EXCLUDED.n";
const DROP_EMPTY_COUNTS: &str = "DELETE FROM answer_counts WHERE form_id = $1 AND n <= 0";

/// A live connection and its prepared statements.
pub(super) struct Conn {
    pub(super) client: Client,
    insert: Statement,
    existing: Statement,
    purge: Statement,
    add_counts: Statement,
}

impl Conn {
    pub(super) async fn prepare(client: Client) -> PgResult<Conn> {
        Ok(Conn {
            insert: client.prepare(INSERT).await?,
            existing: client.prepare(EXISTING).await?,
            purge: client.prepare(PURGE).await?,
            add_counts: client.prepare(ADD_COUNTS).await?,
            client,
        })
    }
}

/// Adds `tally` to the counters (one statement, rows in key order).
async fn apply(client: &Client, add_counts: &Statement, tally: &Tally) -> PgResult<()> {
    if tally.is_empty() {
        return Ok(());
    }
    let (mut forms, mut questions, mut values, mut ns) = (vec![], vec![], vec![], vec![]);
    for (f, q, v, n) in tally.rows() {
        forms.push(f);
        questions.push(q);
        values.push(v);
        ns.push(n);
    }
    client
        .execute(add_counts, &[&forms, &questions, &values, &ns])
        .await
        .map(drop)
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
        let mut tally = Tally::default();
        for (job, id) in batch.iter().zip(&inserted) {
            if id.is_some() {
                tally.add(&job.form_id, &job.counts, 1);
            }
        }
        apply(client, &conn.add_counts, &tally).await?;
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

/// The responses to `form_id` received in `[from, until)`, on a read connection.
pub(super) async fn read_responses(
    client: &impl GenericClient,
    form_id: &str,
    from: Option<Timestamp>,
    until: Option<Timestamp>,
) -> PgResult<Result<Vec<StoredResponse>>> {
    // Out of SystemTime's range is no bound at all (the range is still what was asked).
    let from = from.and_then(|t| SystemTime::try_from(t).ok());
    let until = until.and_then(|t| SystemTime::try_from(t).ok());
    let rows = client.query(RESPONSES, &[&form_id, &from, &until]).await?;
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

/// The latest `received_at` of `form_id`, on a read connection.
pub(super) async fn last_received(
    client: &impl GenericClient,
    form_id: &str,
) -> PgResult<Result<Option<Timestamp>>> {
    let last: Option<SystemTime> = client
        .query_one(LAST_RECEIVED, &[&form_id])
        .await?
        .try_get(0)?;
    Ok(last
        .map(|t| {
            Timestamp::try_from(t)
                .map_err(|e| Error::Database(format!("received_at out of range: {e}")))
        })
        .transpose())
}

/// The counters of `form_id`, on a read connection.
pub(super) async fn read_counts(client: &impl GenericClient, form_id: &str) -> PgResult<Counts> {
    let rows = client.query(COUNTS, &[&form_id]).await?;
    let rows = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<PgResult<Vec<_>>>()?;
    Ok(counting::from_rows(rows))
}

/// Deletes at most `limit` of the oldest answers to `form_id` before `cutoff` and takes what
/// they counted from the counters, in one transaction.
pub(super) async fn purge(
    conn: &Conn,
    form_id: &str,
    form: Option<&Form>,
    cutoff: SystemTime,
    limit: u64,
) -> PgResult<Result<u64>> {
    let client = &conn.client;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    client.batch_execute("BEGIN").await?;
    let outcome = async {
        let rows = client
            .query(&conn.purge, &[&form_id, &cutoff, &limit])
            .await?;
        let mut tally = Tally::default();
        for row in &rows {
            let answers = match worker::decode(row.try_get(0)?, row.try_get(1)?) {
                Ok(a) => a,
                Err(e) => return Ok(Err(e)),
            };
            tally.add(form_id, &counting::of_response(form, &answers), -1);
        }
        apply(client, &conn.add_counts, &tally).await?;
        client.execute(DROP_EMPTY_COUNTS, &[&form_id]).await?;
        Ok(Ok(rows.len() as u64))
    }
    .await;
    finish(client, outcome).await
}

/// Unless `form` was counted with `spec`, counts its stored answers again in one transaction
/// (counter writes of other collectors wait for it) and records `spec`.
pub(super) async fn recount(conn: &Conn, form: &Form, spec: &str) -> PgResult<Result<Option<u64>>> {
    let client = &conn.client;
    client.batch_execute("BEGIN").await?;
    let outcome = async {
        // No other collector may change a counter while this one counts from the answers.
        client
            .batch_execute("LOCK TABLE answer_counts IN SHARE ROW EXCLUSIVE MODE")
            .await?;
        let counted = client
            .query_opt(
                "SELECT spec FROM counted_forms WHERE form_id = $1",
                &[&form.id],
            )
            .await?
            .map(|r| r.try_get::<_, String>(0))
            .transpose()?;
        if counted.as_deref() == Some(spec) {
            return Ok(Ok(None));
        }
        client
            .execute("DELETE FROM answer_counts WHERE form_id = $1", &[&form.id])
            .await?;
        let rows = client
            .query_raw(
                "SELECT id, answers FROM responses WHERE form_id = $1",
                [&form.id],
            )
            .await?;
        pin_mut!(rows);
        let mut recount = Recount::new(form);
        while let Some(row) = rows.try_next().await? {
            match worker::decode(row.try_get(0)?, row.try_get(1)?) {
                Ok(answers) => recount.add(&answers),
                Err(e) => return Ok(Err(e)),
            }
        }
        apply(client, &conn.add_counts, recount.tally()).await?;
        client
            .execute(
                "INSERT INTO counted_forms (form_id, spec) VALUES ($1, $2) \
                 ON CONFLICT (form_id) DO UPDATE SET spec = EXCLUDED.spec",
                &[&form.id, &spec],
            )
            .await?;
        Ok(Ok(Some(recount.responses)))
    }
    .await;
    finish(client, outcome).await
}

/// Commits when `outcome` is a success, else rolls back; the outcome.
async fn finish<T>(client: &Client, outcome: PgResult<Result<T>>) -> PgResult<Result<T>> {
    match outcome {
        Ok(Ok(value)) => {
            client.batch_execute("COMMIT").await?;
            Ok(Ok(value))
        }
        other => {
            // Leave the connection usable for the next command (if it still is).
            let _ = client.batch_execute("ROLLBACK").await;
            other
        }
    }
}

/// Records `key` as used (see `Backend::spend`): one statement, so two collectors spending the
/// same key at once are ordered by the primary key and only one wins.
pub(super) async fn spend(
    conn: &Conn,
    key: &str,
    submission_id: Option<&str>,
    expires: Timestamp,
    now: Timestamp,
) -> PgResult<bool> {
    let client = &conn.client;
    client
        .execute(
            "DELETE FROM spent WHERE expires_at <= $1",
            &[&now.as_second()],
        )
        .await?;
    let row = client
        .query_one(
            "WITH fresh AS (INSERT INTO spent (key, submission_id, expires_at) \
             VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING RETURNING key) \
             SELECT EXISTS (SELECT 1 FROM fresh) \
             OR EXISTS (SELECT 1 FROM spent WHERE key = $1 AND submission_id = $2)",
            &[&key, &submission_id, &expires.as_second()],
        )
        .await?;
    row.try_get(0)
}

/// The secret `name`, storing `fresh` if there is none (see `Backend::secret`).
pub(super) async fn secret(conn: &Conn, name: &str, fresh: &str) -> PgResult<String> {
    let client = &conn.client;
    client
        .execute(
            "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[&name, &fresh],
        )
        .await?;
    client
        .query_one("SELECT value FROM secrets WHERE name = $1", &[&name])
        .await?
        .try_get(0)
}
