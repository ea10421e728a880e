//! The PostgreSQL backend (`postgres://…`), for several collectors sharing one database or a
//! database that someone else runs and backs up.
//!
//! Same shape as the SQLite backend: one thread owns the connection and runs the commands sent
//! through a channel; inserts that queue up while a batch is being written go together into the
//! next transaction (group commit), and every waiting request is answered only after its batch's
//! `COMMIT` returned. The statements of a batch are pipelined on the connection, so a batch costs
//! three round trips whatever its size (`BEGIN`, the inserts, `COMMIT`; one more to read the
//! stored rows when a submission id repeats).
//!
//! Idempotency rests on the unique index on `(form_id, submission_id)`: an insert that hits it
//! (`ON CONFLICT DO NOTHING`) reads the stored row and compares answers, exactly as the SQLite
//! backend does. The index, not the batch, decides, so two collectors receiving the same retry
//! at once still store it once (the second insert waits for the first transaction).
//!
//! A lost connection is re-established on the next command, then at most once per backoff
//! interval (doubling up to [`MAX_BACKOFF`]); in between, commands fail at once with
//! [`Error::Database`] (the client gets 500 `server` and retries later) — never a false success.
//! A connection lost while a `COMMIT` is in flight leaves its outcome unknown: the requests get
//! an error, and the widget's retry with the same submission id finds the row if it was stored.
//!
//! Migrations live in `migrations/postgres/`, are applied on open in one transaction under an
//! advisory lock (several collectors may start at once) and recorded in `schema_migrations`, in
//! the first schema of the connection's `search_path`.
//!
//! No TLS: the client speaks plain TCP or a Unix socket (`?host=/run/postgresql`), which is right
//! for loopback and local sockets. For a remote server, connect through a local TLS-terminating
//! proxy; `sslmode=require` fails at connect instead of falling back to plain text. Native
//! `sslmode` support (a rustls connector) is future work.

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use futures_util::future::try_join_all;
use tokio::{
    sync::{mpsc, oneshot, watch},
    time::{error::Elapsed, timeout},
};
use tokio_postgres::{Client, Config, NoTls, Row, Statement};
use voix_form::answer::Answers;

use super::{
    BoxFuture, Inserted, Store, StoredResponse, redact,
    sqlite::{MAX_BATCH, QUEUE_LEN},
};
use crate::{Error, Result, time};

/// Schema migrations, in order; the version of each is its position, from 1. Never edit one that
/// has shipped: add a new one.
const MIGRATIONS: &[&str] = &[include_str!("migrations/postgres/0001_responses.sql")];

/// The advisory lock held while migrating (`voixmigr` in ASCII): one collector migrates, the
/// others wait and then find nothing to do.
const MIGRATION_LOCK: i64 = 0x766f_6978_6d69_6772;

/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one command (a whole batch included) may take before the connection is dropped:
/// a server that stopped answering must not hold every request forever.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Wait before the second reconnection attempt; doubled after each failure up to the maximum.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// Longest wait between reconnection attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(8);

const INSERT: &str = "INSERT INTO responses (form_id, submission_id, received_at, answers) \
     VALUES ($1, $2, $3::text::timestamptz, $4) \
     ON CONFLICT (form_id, submission_id) DO NOTHING RETURNING id";
const EXISTING: &str =
    "SELECT id, answers FROM responses WHERE form_id = $1 AND submission_id = $2";
// The exact text SQLite stores: RFC 3339, UTC, whole seconds.
const RESPONSES: &str = "SELECT id, submission_id, \
     to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), answers \
     FROM responses WHERE form_id = $1 ORDER BY id";
const PURGE: &str =
    "DELETE FROM responses WHERE form_id = $1 AND received_at < $2::text::timestamptz";

/// A handle to a PostgreSQL database. Cheap to clone; the database thread stops when the last
/// handle is dropped or after [`Store::close`].
#[derive(Debug, Clone)]
pub struct PostgresStore {
    tx: mpsc::Sender<Command>,
    // Becomes true when the database thread has finished (after a close, every queued command
    // answered).
    finished: watch::Receiver<bool>,
    // Without its password.
    url: String,
}

enum Command {
    Insert(InsertJob),
    Responses {
        form_id: String,
        reply: oneshot::Sender<Result<Vec<StoredResponse>>>,
    },
    Purge {
        form_id: String,
        cutoff: String,
        reply: oneshot::Sender<Result<u64>>,
    },
    Ping {
        reply: oneshot::Sender<Result<()>>,
    },
    /// Refuse new commands, finish the queued ones, stop.
    Close,
}

struct InsertJob {
    form_id: String,
    submission_id: Option<String>,
    answers: Answers,
    reply: oneshot::Sender<Result<Inserted>>,
}

impl PostgresStore {
    /// Connects to the database at `url` (a `postgres://` or `postgresql://` URL, or a libpq
    /// key/value string), applies pending migrations and starts the database thread. Blocks
    /// until the database is ready or refused; callable inside or outside a tokio runtime (the
    /// thread runs a runtime of its own).
    pub fn open(url: &str) -> Result<PostgresStore> {
        let shown = redact(url);
        let fail = |message: String| Error::DatabaseOpen {
            path: PathBuf::from(&shown),
            message,
        };
        let mut config: Config = url
            .parse()
            .map_err(|e| fail(format!("invalid PostgreSQL URL: {}", describe(&e))))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("voix-collector");
        }
        let (tx, rx) = mpsc::channel(QUEUE_LEN);
        let (done, finished) = watch::channel(false);
        let (ready, is_ready) = std::sync::mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("voix-postgres".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = ready.send(Err(format!("cannot start the database runtime: {e}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match Db::open(config).await {
                        Ok(db) => {
                            let _ = ready.send(Ok(()));
                            run(db, rx).await;
                        }
                        Err(e) => {
                            let _ = ready.send(Err(e));
                        }
                    }
                });
                // After the runtime: the connection task is gone too.
                drop(runtime);
                let _ = done.send(true);
            })
            .map_err(|e| fail(format!("cannot start the database thread: {e}")))?;
        match is_ready.recv() {
            Ok(Ok(())) => Ok(PostgresStore {
                tx,
                finished,
                url: shown.clone(),
            }),
            Ok(Err(message)) => Err(fail(message)),
            Err(_) => Err(fail("the database thread stopped while opening".into())),
        }
    }

    /// The database URL, its password hidden.
    pub fn url(&self) -> &str {
        &self.url
    }

    async fn call<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<Result<T>>) -> Command,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(command(reply))
            .await
            .map_err(|_| Error::StoreClosed)?;
        answer.await.map_err(|_| Error::StoreClosed)?
    }
}

impl Store for PostgresStore {
    fn insert<'a>(
        &'a self,
        form_id: &'a str,
        submission_id: Option<&'a str>,
        answers: &'a Answers,
    ) -> BoxFuture<'a, Result<Inserted>> {
        Box::pin(self.call(move |reply| {
            Command::Insert(InsertJob {
                form_id: form_id.to_owned(),
                submission_id: submission_id.map(str::to_owned),
                answers: answers.clone(),
                reply,
            })
        }))
    }

    fn responses<'a>(&'a self, form_id: &'a str) -> BoxFuture<'a, Result<Vec<StoredResponse>>> {
        Box::pin(self.call(move |reply| Command::Responses {
            form_id: form_id.to_owned(),
            reply,
        }))
    }

    fn purge_before<'a>(&'a self, form_id: &'a str, cutoff: &'a str) -> BoxFuture<'a, Result<u64>> {
        Box::pin(self.call(move |reply| Command::Purge {
            form_id: form_id.to_owned(),
            cutoff: cutoff.to_owned(),
            reply,
        }))
    }

    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.call(|reply| Command::Ping { reply }))
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            // Queued behind everything sent before; fails only if already closed.
            let _ = self.tx.send(Command::Close).await;
            // Err: the thread is gone (it ended, or panicked); either way nothing is pending.
            let _ = self.finished.clone().wait_for(|done| *done).await;
        })
    }
}

// The database thread's loop. It ends when every handle is dropped or, after a close, once the
// queue is empty: closing the receiver refuses new commands but keeps the queued ones.
async fn run(mut db: Db, mut rx: mpsc::Receiver<Command>) {
    let mut next: Option<Command> = None;
    loop {
        let command = match next.take() {
            Some(c) => c,
            None => match rx.recv().await {
                Some(c) => c,
                None => break,
            },
        };
        match command {
            Command::Insert(first) => {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(Command::Insert(job)) => batch.push(job),
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                crate::metrics::record_batch(batch.len());
                db.insert_batch(batch).await;
            }
            Command::Responses { form_id, reply } => {
                let _ = reply.send(db.responses(&form_id).await);
            }
            Command::Purge {
                form_id,
                cutoff,
                reply,
            } => {
                let _ = reply.send(db.purge(&form_id, &cutoff).await);
            }
            Command::Ping { reply } => {
                let _ = reply.send(db.ping().await);
            }
            Command::Close => rx.close(),
        }
    }
}

/// The connection (when there is one) and what it takes to get it back.
struct Db {
    config: Config,
    conn: Option<Conn>,
    /// No reconnection attempt before this instant (set after a failed attempt).
    retry_at: Option<Instant>,
    backoff: Duration,
    /// Why there is no connection, for the errors answered meanwhile.
    last_error: String,
}

/// A live connection and its prepared statements.
struct Conn {
    client: Client,
    insert: Statement,
    existing: Statement,
    responses: Statement,
    purge: Statement,
}

type PgResult<T> = std::result::Result<T, tokio_postgres::Error>;

impl Db {
    /// Connects and migrates; a failure here fails the collector's start.
    async fn open(config: Config) -> std::result::Result<Db, String> {
        let s = |e: tokio_postgres::Error| describe(&e);
        let mut client = connect(&config).await.map_err(s)?;
        timeout(OPERATION_TIMEOUT, migrate(&mut client))
            .await
            .map_err(|_| format!("migrations took longer than {OPERATION_TIMEOUT:?}"))??;
        let conn = Conn::prepare(client).await.map_err(s)?;
        Ok(Db {
            config,
            conn: Some(conn),
            retry_at: None,
            backoff: FIRST_BACKOFF,
            last_error: String::new(),
        })
    }

    /// The live connection, reconnecting first if it was lost and the backoff allows.
    async fn conn(&mut self) -> std::result::Result<&Conn, String> {
        if self.conn.as_ref().is_some_and(|c| c.client.is_closed()) {
            self.lost("the server closed the connection".into());
        }
        if self.conn.is_none() {
            if self.retry_at.is_some_and(|at| Instant::now() < at) {
                return Err(self.unavailable());
            }
            let attempt = async {
                let client = connect(&self.config).await?;
                Conn::prepare(client).await
            };
            match timeout(OPERATION_TIMEOUT, attempt).await {
                Ok(Ok(conn)) => {
                    tracing::info!("connected to PostgreSQL again");
                    self.conn = Some(conn);
                    self.retry_at = None;
                    self.backoff = FIRST_BACKOFF;
                }
                Ok(Err(e)) => return Err(self.failed_attempt(describe(&e))),
                Err(_) => return Err(self.failed_attempt("connecting timed out".into())),
            }
        }
        let unavailable = self.unavailable();
        self.conn.as_ref().ok_or(unavailable)
    }

    fn lost(&mut self, why: String) {
        tracing::warn!(error = %why, "lost the PostgreSQL connection; reconnecting on the next request");
        self.conn = None;
        self.last_error = why;
    }

    fn failed_attempt(&mut self, why: String) -> String {
        tracing::warn!(error = %why, retry_in = ?self.backoff, "cannot reconnect to PostgreSQL");
        self.last_error = why;
        self.retry_at = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        self.unavailable()
    }

    fn unavailable(&self) -> String {
        format!("no connection to PostgreSQL: {}", self.last_error)
    }

    /// The outcome of one command on the connection; drops the connection when it is broken
    /// or did not answer in time, so the next command starts afresh.
    fn settle<T>(&mut self, outcome: std::result::Result<PgResult<T>, Elapsed>) -> Result<T> {
        match outcome {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                let message = describe(&e);
                if is_connection_error(&e)
                    || self.conn.as_ref().is_some_and(|c| c.client.is_closed())
                {
                    self.lost(message.clone());
                }
                Err(Error::Database(message))
            }
            Err(_) => {
                // Dropping the client closes the socket; the server rolls back what was not
                // committed.
                let message = format!("PostgreSQL did not answer within {OPERATION_TIMEOUT:?}");
                self.lost(message.clone());
                Err(Error::Database(message))
            }
        }
    }

    async fn insert_batch(&mut self, batch: Vec<InsertJob>) {
        let now = time::now();
        let outcome = match self.conn().await {
            Ok(conn) => timeout(OPERATION_TIMEOUT, write_batch(conn, &batch, &now)).await,
            Err(message) => {
                for job in batch {
                    let _ = job.reply.send(Err(Error::Database(message.clone())));
                }
                return;
            }
        };
        match self.settle(outcome) {
            Ok(results) => {
                for (job, result) in batch.into_iter().zip(results) {
                    // The requester may have gone (client disconnected); the answer is stored
                    // anyway.
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                // Not committed (or not known to be): nobody may be told "stored".
                let message = match e {
                    Error::Database(m) => m,
                    other => other.to_string(),
                };
                for job in batch {
                    let _ = job.reply.send(Err(Error::Database(message.clone())));
                }
            }
        }
    }

    async fn responses(&mut self, form_id: &str) -> Result<Vec<StoredResponse>> {
        let conn = self.conn().await.map_err(Error::Database)?;
        let outcome = timeout(OPERATION_TIMEOUT, read_responses(conn, form_id)).await;
        self.settle(outcome)?
    }

    async fn purge(&mut self, form_id: &str, cutoff: &str) -> Result<u64> {
        let conn = self.conn().await.map_err(Error::Database)?;
        let outcome = timeout(
            OPERATION_TIMEOUT,
            conn.client.execute(&conn.purge, &[&form_id, &cutoff]),
        )
        .await;
        self.settle(outcome)
    }

    async fn ping(&mut self) -> Result<()> {
        let conn = self.conn().await.map_err(Error::Database)?;
        let outcome = timeout(OPERATION_TIMEOUT, conn.client.simple_query("SELECT 1")).await;
        self.settle(outcome).map(drop)
    }
}

impl Conn {
    async fn prepare(client: Client) -> PgResult<Conn> {
        Ok(Conn {
            insert: client.prepare(INSERT).await?,
            existing: client.prepare(EXISTING).await?,
            responses: client.prepare(RESPONSES).await?,
            purge: client.prepare(PURGE).await?,
            client,
        })
    }
}

async fn connect(config: &Config) -> PgResult<Client> {
    let (client, connection) = config.connect(NoTls).await?;
    // The connection object does the socket I/O; it ends when the client is dropped or the
    // server goes away (the client then reports `is_closed`).
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "PostgreSQL connection ended");
        }
    });
    Ok(client)
}

/// The error with its causes: the driver's own text is only its kind (`db error`), the
/// server's message is in the source.
fn describe(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text += ": ";
        text += &cause.to_string();
        source = cause.source();
    }
    text
}

// Errors after which the connection is not worth keeping: anything that is not the server
// refusing one statement (I/O, protocol), plus the server's "connection exception" (08) and
// "operator intervention: shutdown" (57P) classes.
fn is_connection_error(e: &tokio_postgres::Error) -> bool {
    match e.as_db_error() {
        None => true,
        Some(db) => {
            let code = db.code().code();
            code.starts_with("08") || code.starts_with("57P")
        }
    }
}

async fn migrate(client: &mut Client) -> std::result::Result<(), String> {
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
    let known = MIGRATIONS.len() as i32;
    if current > known {
        return Err(format!(
            "schema version {current} is newer than this collector knows ({known}); \
             upgrade voix-collector"
        ));
    }
    for (version, sql) in (1..).zip(MIGRATIONS).skip(current as usize) {
        tx.batch_execute(sql)
            .await
            .map_err(|e| format!("migration {version}: {}", describe(&e)))?;
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
async fn write_batch(
    conn: &Conn,
    batch: &[InsertJob],
    now: &str,
) -> PgResult<Vec<Result<Inserted>>> {
    // `Client::transaction` needs `&mut`; the statements are shared, so BEGIN by hand.
    let client = &conn.client;
    client.batch_execute("BEGIN").await?;
    let outcome = async {
        let encoded: Vec<serde_json::Result<String>> = batch
            .iter()
            .map(|job| serde_json::to_string(&job.answers))
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
            if let Err(e) = encoded {
                return Err(Error::Database(format!("cannot encode answers: {e}")));
            }
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

// A repeat of a stored submission id: the same answers make it a duplicate of the stored
// response, other answers a conflict. Parsed maps are compared, not text, so the outcome does
// not hinge on JSON formatting.
fn same_answers(job: &InsertJob, row: &Row) -> Result<Inserted> {
    let column = |e: tokio_postgres::Error| Error::Database(describe(&e));
    let id: i64 = row.try_get(0).map_err(column)?;
    let stored: String = row.try_get(1).map_err(column)?;
    match serde_json::from_str::<Answers>(&stored) {
        Ok(stored) if stored == job.answers => Ok(Inserted {
            id: id.to_string(),
            duplicate: true,
        }),
        Ok(_) => Err(Error::Conflict),
        Err(e) => Err(corrupt(id, e)),
    }
}

async fn read_responses(conn: &Conn, form_id: &str) -> PgResult<Result<Vec<StoredResponse>>> {
    let rows = conn.client.query(&conn.responses, &[&form_id]).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get(0)?;
        let answers: String = row.try_get(3)?;
        let answers = match serde_json::from_str(&answers) {
            Ok(a) => a,
            Err(e) => return Ok(Err(corrupt(id, e))),
        };
        out.push(StoredResponse {
            id: id.to_string(),
            submission_id: row.try_get(1)?,
            received_at: row.try_get(2)?,
            answers,
        });
    }
    Ok(Ok(out))
}

fn corrupt(id: i64, e: serde_json::Error) -> Error {
    Error::Database(format!(
        "response {id}: stored answers are not a JSON object of strings: {e}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The behaviour shared with SQLite is tested in tests/story.rs, against a real server when
    // VOIX_TEST_DATABASE_URL is set. These need no server.

    #[test]
    fn an_unreachable_server_fails_the_open_without_showing_the_password() {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        let e = PostgresStore::open("postgres://voix:s3cret@127.0.0.1:1/voix")
            .unwrap_err()
            .to_string();
        assert!(e.contains("postgres://voix:***@127.0.0.1:1/voix"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
    }

    #[test]
    fn a_malformed_url_is_refused() {
        let e = PostgresStore::open("postgres://voix@127.0.0.1:notaport/voix")
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid PostgreSQL URL"), "{e}");
    }
}
