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
//! TLS (rustls with the `ring` provider) follows libpq's `sslmode`, read from the URL with
//! `sslrootcert` before the rest goes to tokio-postgres (which knows neither `verify-ca`,
//! `verify-full` nor `sslrootcert`):
//!
//! | `sslmode` | encrypted | the server's certificate |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (default) | when the server offers TLS, else plain | not checked |
//! | `require` | always, or no connection | not checked |
//! | `verify-ca` | always | signed by an authority of `sslrootcert` (any host name) |
//! | `verify-full` | always | signed by a trusted authority and naming the host |
//!
//! `sslrootcert=/path/ca.pem` names the authorities (PEM, one or more certificates); as in
//! libpq, giving it makes `prefer` and `require` check the chain too (not the host name).
//! Without it `verify-full` trusts the system's root certificates; `sslrootcert=system` says so
//! explicitly and, as in libpq, then requires `verify-full`. `verify-ca` needs a file: a
//! public authority's certificate for some other name would pass. Across a network use
//! `verify-full`: `prefer` and `require` encrypt, but whoever sits in between can present any
//! certificate. As in libpq, `sslmode` does not apply to Unix sockets (`?host=/run/postgresql`):
//! the server never offers TLS there.
//! Client certificates (`sslcert`, `sslkey`) are not supported.

use std::{
    ops::Range,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use futures_util::future::try_join_all;
use percent_encoding::percent_decode_str;
use rustls::{
    ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::CryptoProvider,
    pki_types::{CertificateDer, ServerName, UnixTime, pem::PemObject},
};
use tokio::time::{error::Elapsed, timeout};
use tokio_postgres::{
    Client, Config, Row, Socket, Statement,
    config::Host,
    tls::{MakeTlsConnect, TlsConnect},
};
use tokio_postgres_rustls::MakeRustlsConnect;
use voix_form::answer::Answers;

use super::{
    BoxFuture, Inserted, StoredResponse, redact,
    worker::{Command, InsertJob, Queue, Worker},
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
    worker: Worker,
    // Without its password.
    url: String,
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
        let (url, params) =
            take_tls_params(url).map_err(|m| fail(format!("invalid PostgreSQL URL: {m}")))?;
        let mut config: Config = url
            .parse()
            .map_err(|e| fail(format!("invalid PostgreSQL URL: {}", describe(&e))))?;
        apply_ssl_mode(&mut config, params.mode);
        let tls = Tls::new(params).map_err(fail)?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("voix-collector");
        }
        let (worker, mut queue) = Worker::new();
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
                let queue_ref = &mut queue;
                runtime.block_on(async move {
                    match Db::open(config, tls).await {
                        Ok(db) => {
                            let _ = ready.send(Ok(()));
                            run(db, queue_ref).await;
                        }
                        Err(e) => {
                            let _ = ready.send(Err(e));
                        }
                    }
                });
                // After the runtime: the connection task is gone too.
                drop(runtime);
                let _ = queue.done.send(true);
            })
            .map_err(|e| fail(format!("cannot start the database thread: {e}")))?;
        match is_ready.recv() {
            Ok(Ok(())) => Ok(PostgresStore {
                worker,
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

    /// The handle requests go through, as a [`Store`].
    pub(super) fn into_worker(self) -> Worker {
        self.worker
    }
}

// `store.insert(…)` and the other [`Store`] methods, on the shared queue handle.
impl std::ops::Deref for PostgresStore {
    type Target = Worker;

    fn deref(&self) -> &Worker {
        &self.worker
    }
}

// The database thread's loop. It ends when every handle is dropped or, after a close, once the
// queue is empty: closing the receiver refuses new commands but keeps the queued ones.
async fn run(mut db: Db, queue: &mut Queue) {
    let mut next: Option<Command> = None;
    loop {
        let command = match next.take() {
            Some(c) => c,
            None => match queue.rx.recv().await {
                Some(c) => c,
                None => break,
            },
        };
        match command {
            Command::Insert(first) => {
                let batch;
                (batch, next) = queue.batch(first);
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
            Command::Close => queue.rx.close(),
        }
    }
}

/// The connection (when there is one) and what it takes to get it back.
struct Db {
    config: Config,
    tls: Tls,
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
    async fn open(config: Config, tls: Tls) -> std::result::Result<Db, String> {
        let s = |e: tokio_postgres::Error| describe(&e);
        // A server that accepts the connection but never answers must not hold the start.
        let (mut client, encrypted) = timeout(OPERATION_TIMEOUT, connect(&config, &tls))
            .await
            .map_err(|_| format!("connecting took longer than {OPERATION_TIMEOUT:?}"))?
            .map_err(|e| tls.describe(&e))?;
        tracing::info!(
            tls = encrypted,
            sslmode = tls.params.mode.name(),
            "connected to PostgreSQL"
        );
        timeout(OPERATION_TIMEOUT, migrate(&mut client))
            .await
            .map_err(|_| format!("migrations took longer than {OPERATION_TIMEOUT:?}"))??;
        let conn = Conn::prepare(client).await.map_err(s)?;
        Ok(Db {
            config,
            tls,
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
                let (client, encrypted) = connect(&self.config, &self.tls).await?;
                Ok::<_, tokio_postgres::Error>((Conn::prepare(client).await?, encrypted))
            };
            match timeout(OPERATION_TIMEOUT, attempt).await {
                Ok(Ok((conn, encrypted))) => {
                    tracing::info!(tls = encrypted, "connected to PostgreSQL again");
                    self.conn = Some(conn);
                    self.retry_at = None;
                    self.backoff = FIRST_BACKOFF;
                }
                Ok(Err(e)) => return Err(self.failed_attempt(self.tls.describe(&e))),
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

/// Opens a connection; `true` with it when it is encrypted.
async fn connect(config: &Config, tls: &Tls) -> PgResult<(Client, bool)> {
    let handshake = Handshake {
        connector: tls.connector.clone(),
        done: Arc::default(),
    };
    let done = Arc::clone(&handshake.done);
    let (client, connection) = config.connect(handshake).await?;
    // The connection object does the socket I/O; it ends when the client is dropped or the
    // server goes away (the client then reports `is_closed`).
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "PostgreSQL connection ended");
        }
    });
    Ok((client, done.load(Ordering::Relaxed)))
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

// ---------------------------------------------------------------------------------------------
// TLS: `sslmode` and `sslrootcert` (see the module docs).

/// `sslmode`, with libpq's values and meanings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SslMode {
    /// Plain TCP.
    Disable,
    /// TLS when the server offers it, else plain.
    Prefer,
    /// TLS, or no connection.
    Require,
    /// TLS; the certificate is signed by an authority of `sslrootcert`.
    VerifyCa,
    /// TLS; the certificate is signed by a trusted authority and names the host.
    VerifyFull,
}

impl SslMode {
    const ALL: [SslMode; 5] = [
        SslMode::Disable,
        SslMode::Prefer,
        SslMode::Require,
        SslMode::VerifyCa,
        SslMode::VerifyFull,
    ];

    fn parse(value: &str) -> std::result::Result<SslMode, String> {
        if let Some(mode) = SslMode::ALL.into_iter().find(|m| m.name() == value) {
            return Ok(mode);
        }
        Err(match value {
            "allow" => "sslmode=allow is not supported: use prefer (TLS when the server offers \
                        it) or disable"
                .into(),
            _ => format!(
                "sslmode=`{value}` is not one of disable, prefer, require, verify-ca, verify-full"
            ),
        })
    }

    fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// What tokio-postgres is told (see [`apply_ssl_mode`]).
    fn driver_mode(self) -> tokio_postgres::config::SslMode {
        match self {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        }
    }
}

/// Tells tokio-postgres the mode: it negotiates TLS, our verifier judges the certificate. When
/// every host is a Unix socket, none: libpq ignores `sslmode` there.
fn apply_ssl_mode(config: &mut Config, mode: SslMode) {
    let hosts = config.get_hosts();
    let unix_only = !hosts.is_empty() && hosts.iter().all(|host| !matches!(host, Host::Tcp(_)));
    config.ssl_mode(match unix_only {
        true => tokio_postgres::config::SslMode::Disable,
        false => mode.driver_mode(),
    });
}

/// The authorities that vouch for the server's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RootCert {
    /// The system's root certificates (`sslrootcert=system`, or `verify-full` without
    /// `sslrootcert`).
    System,
    /// A PEM file of one or more certificates (`sslrootcert=/path/ca.pem`).
    File(PathBuf),
}

impl std::fmt::Display for RootCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RootCert::System => f.write_str("the system's root certificates"),
            RootCert::File(path) => write!(f, "sslrootcert {}", path.display()),
        }
    }
}

/// What a connection string asks of TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TlsParams {
    mode: SslMode,
    /// The authorities the certificate must be signed by; `None`: it is not checked (the
    /// connection is encrypted, not authenticated).
    roots: Option<RootCert>,
    /// The certificate must also name the host (`verify-full`).
    check_host: bool,
}

impl TlsParams {
    /// From the values of `sslmode` and `sslrootcert`, if given, with libpq's rules.
    fn new(mode: Option<&str>, root_cert: Option<&str>) -> std::result::Result<TlsParams, String> {
        let root_cert = match root_cert {
            None | Some("") => None,
            Some("system") => Some(RootCert::System),
            Some(path) => Some(RootCert::File(PathBuf::from(path))),
        };
        let system = root_cert == Some(RootCert::System);
        let mode = match mode {
            Some(mode) => SslMode::parse(mode)?,
            None if system => SslMode::VerifyFull,
            None => SslMode::Prefer,
        };
        if system && mode != SslMode::VerifyFull {
            return Err(format!(
                "sslrootcert=system needs sslmode=verify-full, not {}: the system's authorities \
                 sign certificates for any name, so the host name must be checked",
                mode.name()
            ));
        }
        let (roots, check_host) = match mode {
            SslMode::Disable => (None, false),
            // libpq checks the chain (not the name) whenever it has a root certificate file.
            SslMode::Prefer | SslMode::Require => (root_cert, false),
            SslMode::VerifyCa if root_cert.is_some() => (root_cert, false),
            SslMode::VerifyCa => {
                return Err(
                    "sslmode=verify-ca needs sslrootcert=/path/to/ca.pem, the authority \
                            that signed the server's certificate (to check against the system's \
                            root certificates, use verify-full)"
                        .into(),
                );
            }
            SslMode::VerifyFull => (Some(root_cert.unwrap_or(RootCert::System)), true),
        };
        Ok(TlsParams {
            mode,
            roots,
            check_host,
        })
    }
}

/// Reads a connection string as [`PostgresStore::open`] does, without reading certificate files
/// or connecting: for `voix-collector check`.
pub(super) fn check_url(conn: &str) -> std::result::Result<(), String> {
    let (rest, _) = take_tls_params(conn).map_err(|m| format!("invalid PostgreSQL URL: {m}"))?;
    rest.parse::<Config>()
        .map(drop)
        .map_err(|e| format!("invalid PostgreSQL URL: {}", describe(&e)))
}

/// Takes `sslmode` and `sslrootcert` out of a connection string — a `postgres://` URL or a
/// libpq key/value string — and reads them; returns the rest, for tokio-postgres (which
/// refuses `sslrootcert`, `verify-ca` and `verify-full`). The last occurrence of a key wins.
fn take_tls_params(conn: &str) -> std::result::Result<(String, TlsParams), String> {
    let mut mode = None;
    let mut root_cert = None;
    let mut take = |key: &str, value: &dyn Fn() -> std::result::Result<String, String>| {
        match key {
            "sslmode" => mode = Some(value()?),
            "sslrootcert" => root_cert = Some(value()?),
            "sslcert" | "sslkey" => {
                return Err(format!("{key}: client certificates are not supported"));
            }
            _ => return Ok(false),
        }
        Ok(true)
    };
    let rest = if ["postgres://", "postgresql://"]
        .iter()
        .any(|scheme| conn.starts_with(scheme))
    {
        // The query starts at the first `?` after the user info, as tokio-postgres reads it.
        let after_user = conn.find('@').map_or(0, |at| at + 1);
        match conn[after_user..].find('?') {
            None => conn.to_owned(),
            Some(at) => {
                let (head, query) = conn.split_at(after_user + at);
                let mut kept = Vec::new();
                for pair in query[1..].split('&') {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    let key = percent_decode_str(key).decode_utf8_lossy();
                    let value = || {
                        percent_decode_str(value)
                            .decode_utf8()
                            .map(|v| v.into_owned())
                            .map_err(|_| format!("{key} is not UTF-8 once percent-decoded"))
                    };
                    if !take(&key, &value)? {
                        kept.push(pair);
                    }
                }
                match kept.is_empty() {
                    true => head.to_owned(),
                    false => format!("{head}?{}", kept.join("&")),
                }
            }
        }
    } else {
        match key_values(conn) {
            // Malformed: tokio-postgres says how.
            None => conn.to_owned(),
            Some(pairs) => {
                let mut rest = String::new();
                let mut from = 0;
                for pair in pairs {
                    if take(pair.key, &|| Ok(pair.value.clone()))? {
                        rest += &conn[from..pair.span.start];
                        from = pair.span.end;
                    }
                }
                rest + &conn[from..]
            }
        }
    };
    Ok((rest, TlsParams::new(mode.as_deref(), root_cert.as_deref())?))
}

/// One `key = value` of a libpq key/value connection string.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct KeyValue<'a> {
    /// Where the pair is in the string, key to end of value.
    pub span: Range<usize>,
    pub key: &'a str,
    /// Unquoted and unescaped.
    pub value: String,
}

/// The pairs of a libpq key/value string (`host=db user=voix password='a b\'c'`), read as
/// tokio-postgres reads them; `None` if it is malformed.
pub(super) fn key_values(text: &str) -> Option<Vec<KeyValue<'_>>> {
    let mut pairs = Vec::new();
    let mut chars = text.char_indices().peekable();
    let end_of = |(at, c): (usize, char)| at + c.len_utf8();
    loop {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(start, _)) = chars.peek() else {
            return Some(pairs);
        };
        let mut key_end = start;
        while let Some(c) = chars.next_if(|&(_, c)| !c.is_whitespace() && c != '=') {
            key_end = end_of(c);
        }
        if key_end == start {
            return None;
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        chars.next_if(|&(_, c)| c == '=')?;
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        let mut end = None;
        if chars.next_if(|&(_, c)| c == '\'').is_some() {
            loop {
                let (at, c) = chars.next()?;
                match c {
                    '\'' => {
                        end = Some(at + 1);
                        break;
                    }
                    '\\' => value.push(chars.next()?.1),
                    c => value.push(c),
                }
            }
        } else {
            while let Some((at, c)) = chars.next_if(|(_, c)| !c.is_whitespace()) {
                end = Some(end_of((at, c)));
                if c == '\\' {
                    if let Some(escaped) = chars.next() {
                        value.push(escaped.1);
                        end = Some(end_of(escaped));
                    }
                } else {
                    value.push(c);
                }
            }
            if value.is_empty() {
                return None;
            }
        }
        pairs.push(KeyValue {
            span: start..end?,
            key: &text[start..key_end],
            value,
        });
    }
}

/// The TLS side of connecting: what the connection string asked for, and the rustls
/// configuration that does it.
#[derive(Clone)]
struct Tls {
    params: TlsParams,
    connector: MakeRustlsConnect,
}

impl Tls {
    /// Builds the rustls configuration for `params`, reading the root certificates now (once:
    /// reconnections reuse them).
    fn new(params: TlsParams) -> std::result::Result<Tls, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?;
        let roots = params.roots.as_ref().map(load_roots).transpose()?;
        let mut config = match roots {
            Some(roots) if params.check_host => {
                builder.with_root_certificates(roots).with_no_client_auth()
            }
            roots => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(WithoutHostName { roots, provider }))
                .with_no_client_auth(),
        };
        // As libpq 17 does: servers before 17 ignore it, 17 needs it for sslnegotiation=direct.
        config.alpn_protocols = vec![b"postgresql".to_vec()];
        Ok(Tls {
            params,
            connector: MakeRustlsConnect::new(config),
        })
    }

    /// A failed connection's error, saying what to change when TLS is the cause.
    fn describe(&self, e: &tokio_postgres::Error) -> String {
        let mode = self.params.mode.name();
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            // tokio-postgres's words when the server answers the TLS request with "no".
            if c.to_string() == "server does not support TLS" {
                return format!("the server does not support TLS but sslmode={mode}");
            }
            let rustls = c
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>());
            if let Some(rustls) = rustls {
                return self.describe_tls(rustls);
            }
            cause = c.source();
        }
        describe(e)
    }

    fn describe_tls(&self, e: &rustls::Error) -> String {
        use rustls::{CertificateError, Error::InvalidCertificate};
        let mode = self.params.mode.name();
        match e {
            InvalidCertificate(CertificateError::UnknownIssuer) => {
                let (roots, hint) = match &self.params.roots {
                    Some(RootCert::File(path)) => (format!("sslrootcert {}", path.display()), ""),
                    _ => (
                        RootCert::System.to_string(),
                        "; for a private authority add sslrootcert=/path/to/ca.pem",
                    ),
                };
                format!(
                    "TLS with sslmode={mode}: the server's certificate is not signed by an \
                     authority of {roots}{hint} ({e})"
                )
            }
            InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ) => format!(
                "TLS with sslmode={mode}: the server's certificate is not valid for the host \
                 name of the URL ({e})"
            ),
            InvalidCertificate(_) => {
                format!("TLS with sslmode={mode}: the server's certificate is refused ({e})")
            }
            _ => format!("TLS with sslmode={mode}: the handshake failed ({e})"),
        }
    }
}

/// Reads the root certificates named by `sslrootcert` (or the system's).
fn load_roots(roots: &RootCert) -> std::result::Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match roots {
        RootCert::File(path) => {
            let fail = |e: &dyn std::fmt::Display| format!("sslrootcert {}: {e}", path.display());
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(Iterator::collect::<std::result::Result<Vec<_>, _>>)
                .map_err(|e| match e {
                    rustls::pki_types::pem::Error::Io(e) => fail(&e),
                    e => fail(&format_args!("not a PEM file of certificates: {e}")),
                })?;
            if certs.is_empty() {
                return Err(fail(
                    &"no certificate in it (PEM, `-----BEGIN CERTIFICATE-----`)",
                ));
            }
            for cert in certs {
                store.add(cert).map_err(|e| fail(&e))?;
            }
        }
        RootCert::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                let why = match found.errors.first() {
                    Some(e) => format!(" ({e})"),
                    None => String::new(),
                };
                return Err(format!(
                    "sslmode=verify-full: no root certificates found on this system{why}; \
                     install them (Debian: ca-certificates) or give sslrootcert=/path/to/ca.pem"
                ));
            }
        }
    }
    Ok(store)
}

/// The certificate check for every mode but `verify-full`, where libpq checks no host name:
/// with `roots`, the certificate must be signed by one of them and valid today; without, any
/// certificate is accepted (`prefer`, `require`: encrypted, not authenticated). Either way the
/// handshake's signatures are checked, so the server holds the key of the certificate it sent.
#[derive(Debug)]
struct WithoutHostName {
    roots: Option<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for WithoutHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_cert_signed_by_trust_anchor(
                &cert,
                roots,
                intermediates,
                now,
                self.provider.signature_verification_algorithms.all,
            )?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

type RustlsConnect = <MakeRustlsConnect as MakeTlsConnect<Socket>>::TlsConnect;

/// The rustls connector, noting whether a TLS session was set up (with `prefer` the log says
/// whether the connection ended up encrypted).
struct Handshake {
    connector: MakeRustlsConnect,
    done: Arc<AtomicBool>,
}

impl MakeTlsConnect<Socket> for Handshake {
    type Stream = <MakeRustlsConnect as MakeTlsConnect<Socket>>::Stream;
    type TlsConnect = HandshakeConnect;
    type Error = <MakeRustlsConnect as MakeTlsConnect<Socket>>::Error;

    fn make_tls_connect(
        &mut self,
        domain: &str,
    ) -> std::result::Result<HandshakeConnect, Self::Error> {
        Ok(HandshakeConnect {
            inner: MakeTlsConnect::<Socket>::make_tls_connect(&mut self.connector, domain)?,
            done: Arc::clone(&self.done),
        })
    }
}

struct HandshakeConnect {
    inner: RustlsConnect,
    done: Arc<AtomicBool>,
}

impl TlsConnect<Socket> for HandshakeConnect {
    type Stream = <RustlsConnect as TlsConnect<Socket>>::Stream;
    type Error = <RustlsConnect as TlsConnect<Socket>>::Error;
    type Future = BoxFuture<'static, std::result::Result<Self::Stream, Self::Error>>;

    fn connect(self, stream: Socket) -> Self::Future {
        let handshake = self.inner.connect(stream);
        let done = self.done;
        Box::pin(async move {
            let stream = handshake.await?;
            done.store(true, Ordering::Relaxed);
            Ok(stream)
        })
    }
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

    fn params(mode: SslMode, roots: Option<RootCert>, check_host: bool) -> TlsParams {
        TlsParams {
            mode,
            roots,
            check_host,
        }
    }

    fn file(path: &str) -> Option<RootCert> {
        Some(RootCert::File(path.into()))
    }

    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_of_the_url() {
        let (rest, tls) = take_tls_params(
            "postgres://voix:pw@db.example:5433/voix?application_name=a&sslmode=verify-full\
             &sslrootcert=%2Fetc%2Fvoix%2Fdb%20ca.pem&connect_timeout=3",
        )
        .unwrap();
        assert_eq!(
            rest,
            "postgres://voix:pw@db.example:5433/voix?application_name=a&connect_timeout=3"
        );
        assert_eq!(
            tls,
            params(SslMode::VerifyFull, file("/etc/voix/db ca.pem"), true)
        );
        // What is left is for tokio-postgres, which reads it.
        let config: Config = rest.parse().unwrap();
        assert_eq!(config.get_application_name(), Some("a"));
        assert_eq!(config.get_connect_timeout(), Some(&Duration::from_secs(3)));

        let (rest, tls) = take_tls_params("postgresql://db/voix?sslmode=require").unwrap();
        assert_eq!(rest, "postgresql://db/voix");
        assert_eq!(tls, params(SslMode::Require, None, false));

        // A `?` in a (percent-encoded or not) password is not the query.
        let (rest, tls) = take_tls_params("postgres://voix:a?b@db/voix?sslmode=disable").unwrap();
        assert_eq!(rest, "postgres://voix:a?b@db/voix");
        assert_eq!(tls.mode, SslMode::Disable);

        // The last one wins, as in libpq.
        let (_, tls) =
            take_tls_params("postgres://db/voix?sslmode=disable&sslmode=require").unwrap();
        assert_eq!(tls.mode, SslMode::Require);
    }

    #[test]
    fn without_sslmode_tls_is_preferred_and_unchecked() {
        for url in [
            "postgres://voix@127.0.0.1/voix",
            "postgres://voix@db/voix?sslmode=prefer",
        ] {
            let (rest, tls) = take_tls_params(url).unwrap();
            assert_eq!(rest, url.split('?').next().unwrap());
            assert_eq!(tls, params(SslMode::Prefer, None, false), "{url}");
        }
    }

    #[test]
    fn each_sslmode_checks_what_libpq_checks() {
        let ca = Some("/ca.pem");
        let cases = [
            (Some("disable"), ca, params(SslMode::Disable, None, false)),
            (Some("prefer"), None, params(SslMode::Prefer, None, false)),
            (Some("require"), None, params(SslMode::Require, None, false)),
            // A root certificate file makes libpq check the chain, not the name.
            (
                Some("prefer"),
                ca,
                params(SslMode::Prefer, file("/ca.pem"), false),
            ),
            (
                Some("require"),
                ca,
                params(SslMode::Require, file("/ca.pem"), false),
            ),
            (
                Some("verify-ca"),
                ca,
                params(SslMode::VerifyCa, file("/ca.pem"), false),
            ),
            (
                Some("verify-full"),
                ca,
                params(SslMode::VerifyFull, file("/ca.pem"), true),
            ),
            (
                Some("verify-full"),
                None,
                params(SslMode::VerifyFull, Some(RootCert::System), true),
            ),
            (
                Some("verify-full"),
                Some("system"),
                params(SslMode::VerifyFull, Some(RootCert::System), true),
            ),
            // libpq 16: sslrootcert=system makes verify-full the default.
            (
                None,
                Some("system"),
                params(SslMode::VerifyFull, Some(RootCert::System), true),
            ),
            (None, Some(""), params(SslMode::Prefer, None, false)),
        ];
        for (mode, root, expected) in cases {
            assert_eq!(
                TlsParams::new(mode, root),
                Ok(expected),
                "{mode:?} {root:?}"
            );
        }
    }

    #[test]
    fn impossible_tls_settings_are_refused_clearly() {
        let refused = |url: &str| take_tls_params(url).unwrap_err();
        let e = refused("postgres://db/voix?sslmode=verify");
        assert_eq!(
            e,
            "sslmode=`verify` is not one of disable, prefer, require, verify-ca, verify-full"
        );
        assert!(refused("postgres://db/voix?sslmode=allow").contains("use prefer"));
        assert!(refused("postgres://db/voix?sslmode=verify-ca").contains("needs sslrootcert="));
        assert!(
            refused("postgres://db/voix?sslmode=require&sslrootcert=system")
                .contains("sslrootcert=system needs sslmode=verify-full")
        );
        assert!(refused("postgres://db/voix?sslcert=/c.pem").contains("client certificates"));
        assert!(refused("postgres://db/voix?sslrootcert=%FF").contains("not UTF-8"));
    }

    #[test]
    fn tokio_postgres_alone_would_refuse_these_urls() {
        // Why they are taken out first.
        for url in [
            "postgres://db/voix?sslrootcert=/ca.pem",
            "postgres://db/voix?sslmode=verify-ca",
            "postgres://db/voix?sslmode=verify-full",
        ] {
            assert!(url.parse::<Config>().is_err(), "{url}");
        }
    }

    #[test]
    fn key_value_strings_are_read_like_tokio_postgres_reads_them() {
        let text = "host=db  sslmode = 'verify-full' password='a \\'b\\\\' user=vo\\ ix \
                    sslrootcert=/etc/ca.pem";
        let pairs = key_values(text).unwrap();
        let found: Vec<(&str, &str)> = pairs.iter().map(|p| (p.key, p.value.as_str())).collect();
        assert_eq!(
            found,
            [
                ("host", "db"),
                ("sslmode", "verify-full"),
                ("password", "a 'b\\"),
                ("user", "vo ix"),
                ("sslrootcert", "/etc/ca.pem"),
            ]
        );
        assert_eq!(&text[pairs[1].span.clone()], "sslmode = 'verify-full'");

        let (rest, tls) = take_tls_params(text).unwrap();
        assert_eq!(tls, params(SslMode::VerifyFull, file("/etc/ca.pem"), true));
        let config: Config = rest.parse().unwrap();
        assert_eq!(config.get_user(), Some("vo ix"));
        assert_eq!(config.get_password(), Some(&b"a 'b\\"[..]));

        for malformed in ["host", "host=", "=db", "password='open"] {
            assert_eq!(key_values(malformed), None, "{malformed}");
        }
        assert_eq!(key_values("  "), Some(vec![]));
    }

    #[test]
    fn sslmode_does_not_apply_to_unix_sockets() {
        use tokio_postgres::config::SslMode as Driver;
        let mode = |url: &str| {
            let mut config: Config = url.parse().unwrap();
            apply_ssl_mode(&mut config, SslMode::VerifyFull);
            config.get_ssl_mode()
        };
        assert_eq!(mode("postgres://voix@db/voix"), Driver::Require);
        assert_eq!(
            mode("postgres://voix@%2Frun%2Fpostgresql/voix"),
            Driver::Disable
        );
        assert_eq!(
            mode("postgres:///voix?host=/run/postgresql"),
            Driver::Disable
        );
        // Mixed: TCP to db, then the socket.
        assert_eq!(
            mode("postgres://voix@db/voix?host=/run/postgresql"),
            Driver::Require
        );
    }

    #[test]
    fn a_missing_root_certificate_file_fails_the_open_before_connecting() {
        let e = PostgresStore::open(
            "postgres://voix:s3cret@127.0.0.1:1/voix?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("sslrootcert /nonexistent/ca.pem: "), "{e}");
        assert!(e.contains("No such file"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");

        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("ca.pem");
        std::fs::write(&not_pem, "not a certificate\n").unwrap();
        let e = PostgresStore::open(&format!(
            "postgres://voix@127.0.0.1:1/voix?sslmode=verify-ca&sslrootcert={}",
            not_pem.display()
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("no certificate in it"), "{e}");
    }

    #[test]
    fn require_against_a_server_without_tls_says_so() {
        // A server that answers the TLS request with "N", as PostgreSQL with `ssl = off` does.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            use std::io::{Read, Write};
            let (mut socket, _) = listener.accept().unwrap();
            let mut request = [0; 8];
            socket.read_exact(&mut request).unwrap();
            // Length 8, code 80877103: SSLRequest.
            assert_eq!(request, [0, 0, 0, 8, 4, 210, 22, 47]);
            socket.write_all(b"N").unwrap();
        });
        let e = PostgresStore::open(&format!(
            "postgres://voix:s3cret@127.0.0.1:{port}/voix?sslmode=require"
        ))
        .unwrap_err()
        .to_string();
        server.join().unwrap();
        assert_eq!(
            e,
            format!(
                "database postgres://voix:***@127.0.0.1:{port}/voix?sslmode=require: \
                 the server does not support TLS but sslmode=require"
            )
        );
    }

    #[test]
    fn a_malformed_url_is_refused() {
        let e = PostgresStore::open("postgres://voix@127.0.0.1:notaport/voix")
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid PostgreSQL URL"), "{e}");
    }
}
