//! The PostgreSQL backend (`postgres://…`), for several collectors sharing one database or a
//! database that someone else runs and backs up.
//!
//! Same shape as the SQLite backend: the database thread of `worker.rs` owns the
//! connection; inserts that queue up while a batch is being written go together into the next
//! transaction (group commit), and every waiting request is answered only after its batch's
//! `COMMIT` returned. The statements of a batch are pipelined on the connection (`sql.rs`), so a
//! batch costs three round trips whatever its size (`BEGIN`, the inserts, `COMMIT`; one more to
//! read the stored rows when a submission id repeats).
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
//! TLS (`tls.rs`: rustls with the `ring` provider) follows libpq's `sslmode`, read from the URL
//! with `sslrootcert` (`conninfo.rs`) before the rest goes to tokio-postgres (which knows neither
//! `verify-ca`, `verify-full` nor `sslrootcert`):
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
    path::PathBuf,
    sync::{Arc, atomic::Ordering},
    time::{Duration, Instant, SystemTime},
};

use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use jiff::Timestamp;
use tokio::time::{error::Elapsed, timeout};
use tokio_postgres::{Client, Config};
use voix_form::{Form, results::Counts};

use super::{
    BoxFuture, Inserted, StoredResponse,
    reader::{Database, READ_CONNECTIONS, Reader},
    redact,
    worker::{self, Backend, InsertJob},
};
use crate::{Error, Result};

mod conninfo;
mod sql;
mod tls;

use conninfo::{apply_ssl_mode, take_tls_params};
pub(super) use conninfo::{check_url, key_values};
use sql::Conn;
use tls::{Handshake, Tls};

/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one command (a whole batch included) may take before the connection is dropped:
/// a server that stopped answering must not hold every request forever.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Wait before the second reconnection attempt; doubled after each failure up to the maximum.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// Longest wait between reconnection attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// Connects to the database at `url` (a `postgres://` or `postgresql://` URL, or a libpq
/// key/value string), applies pending migrations and starts the database thread and the read
/// pool. Blocks until the database is ready or refused; callable inside or outside a tokio
/// runtime (the thread runs a runtime of its own; the read pool connects when first used).
pub fn open(url: &str) -> Result<Database> {
    let fail = |message: String| Error::DatabaseOpen {
        path: PathBuf::from(redact(url)),
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
    let manager = Manager::from_config(
        config.clone(),
        tls.connector.clone(),
        ManagerConfig {
            // Checks that the connection is open, not a query per read: a dropped connection
            // fails one read, which is then answered 500 and retried by its reader.
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let pool = Pool::builder(manager)
        .max_size(READ_CONNECTIONS)
        .runtime(Runtime::Tokio1)
        .create_timeout(Some(CONNECT_TIMEOUT))
        .wait_timeout(Some(OPERATION_TIMEOUT))
        .build()
        .map_err(|e| fail(format!("cannot set up the read pool: {e}")))?;
    let writer = worker::start("voix-postgres", move || Db::open(config, tls)).map_err(fail)?;
    Ok(Database::new(writer, PgReader(pool)))
}

/// The read pool.
#[derive(Debug)]
struct PgReader(Pool);

impl PgReader {
    /// Runs `read` on a pooled connection, within [`OPERATION_TIMEOUT`].
    async fn read<T>(&self, read: impl AsyncFnOnce(&Client) -> PgResult<Result<T>>) -> Result<T> {
        let work = async {
            let object = self.0.get().await.map_err(|e| match e {
                PoolError::Closed => Error::StoreClosed,
                PoolError::Backend(e) => Error::Database(describe(&e)),
                e => Error::Database(format!("no read connection: {e}")),
            })?;
            let client: &Client = &object;
            read(client)
                .await
                .map_err(|e| Error::Database(describe(&e)))?
        };
        timeout(OPERATION_TIMEOUT, work).await.map_err(|_| {
            Error::Database(format!(
                "PostgreSQL did not answer within {OPERATION_TIMEOUT:?}"
            ))
        })?
    }
}

impl Reader for PgReader {
    fn responses<'a>(
        &'a self,
        form_id: &'a str,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> BoxFuture<'a, Result<Vec<StoredResponse>>> {
        Box::pin(self.read(async move |c| sql::read_responses(c, form_id, from, until).await))
    }

    fn last_received<'a>(&'a self, form_id: &'a str) -> BoxFuture<'a, Result<Option<Timestamp>>> {
        Box::pin(self.read(async move |c| sql::last_received(c, form_id).await))
    }

    fn counts<'a>(&'a self, form_id: &'a str) -> BoxFuture<'a, Result<Counts>> {
        Box::pin(self.read(async move |c| sql::read_counts(c, form_id).await.map(Ok)))
    }

    fn close(&self) {
        self.0.close();
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
        timeout(OPERATION_TIMEOUT, sql::migrate(&mut client))
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
}

impl Backend for Db {
    async fn insert_batch(
        &mut self,
        batch: &[InsertJob],
        now: Timestamp,
    ) -> Result<Vec<Result<Inserted>>> {
        let now = system_time(now)?;
        let conn = self.conn().await.map_err(Error::Database)?;
        let outcome = timeout(OPERATION_TIMEOUT, sql::write_batch(conn, batch, now)).await;
        self.settle(outcome)
    }

    async fn recount(&mut self, form: &Form, spec: &str) -> Result<Option<u64>> {
        let conn = self.conn().await.map_err(Error::Database)?;
        // Counting a million answers again takes seconds; this runs before serving.
        let outcome = timeout(OPERATION_TIMEOUT * 10, sql::recount(conn, form, spec)).await;
        self.settle(outcome)?
    }

    async fn purge(
        &mut self,
        form_id: &str,
        form: Option<&Form>,
        cutoff: Timestamp,
        limit: u64,
    ) -> Result<u64> {
        let cutoff = system_time(cutoff)?;
        let conn = self.conn().await.map_err(Error::Database)?;
        let outcome = timeout(
            OPERATION_TIMEOUT,
            sql::purge(conn, form_id, form, cutoff, limit),
        )
        .await;
        self.settle(outcome)?
    }

    async fn spend(
        &mut self,
        key: &str,
        submission_id: Option<&str>,
        expires: Timestamp,
        now: Timestamp,
    ) -> Result<bool> {
        let conn = self.conn().await.map_err(Error::Database)?;
        let outcome = timeout(
            OPERATION_TIMEOUT,
            sql::spend(conn, key, submission_id, expires, now),
        )
        .await;
        self.settle(outcome)
    }

    async fn secret(&mut self, name: &str, fresh: &str) -> Result<String> {
        let conn = self.conn().await.map_err(Error::Database)?;
        let outcome = timeout(OPERATION_TIMEOUT, sql::secret(conn, name, fresh)).await;
        self.settle(outcome)
    }

    async fn ping(&mut self) -> Result<()> {
        let conn = self.conn().await.map_err(Error::Database)?;
        let outcome = timeout(OPERATION_TIMEOUT, conn.client.simple_query("SELECT 1")).await;
        self.settle(outcome).map(drop)
    }
}

/// `t` as tokio-postgres sends a `timestamptz` (binary, no text conversion on either side).
fn system_time(t: Timestamp) -> Result<SystemTime> {
    SystemTime::try_from(t).map_err(|e| Error::Database(format!("time {t} out of range: {e}")))
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

#[cfg(test)]
mod tests {
    use super::*;

    // The behaviour shared with SQLite is tested in tests/story.rs, against a real server when
    // VOIX_TEST_DATABASE_URL is set. These need no server.

    #[test]
    fn an_unreachable_server_fails_the_open_without_showing_the_password() {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        let e = open("postgres://voix:s3cret@127.0.0.1:1/voix")
            .unwrap_err()
            .to_string();
        assert!(e.contains("postgres://voix:***@127.0.0.1:1/voix"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
    }

    #[test]
    fn a_missing_root_certificate_file_fails_the_open_before_connecting() {
        let e = open(
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
        let e = open(&format!(
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
        let e = open(&format!(
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
        let e = open("postgres://voix@127.0.0.1:notaport/voix")
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid PostgreSQL URL"), "{e}");
    }
}
