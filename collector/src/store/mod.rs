//! Where answers are kept. [`Store`] is the seam between the HTTP layer and a database backend;
//! [`DatabaseUrl`] picks the backend from the configured URL's scheme.
//!
//! The contract every backend keeps: [`Store::insert`] returns only once the answer is durably
//! committed (the HTTP layer sends 201 on that promise), and a submission id is stored at most
//! once per form — a repeat with the same answers returns the first response's id, a repeat with
//! other answers is [`crate::Error::Conflict`]. [`Store::close`] drains: every insert already
//! queued is committed and answered before it returns, so a graceful shutdown loses nothing.
//!
//! Two backends, each with its own migrations applied on open: [`sqlite`] (a file, the default)
//! and [`postgres`] (`postgres://…` or `postgresql://…`, for several collectors or a managed
//! database). Both are a [`Database`]: writes go to one thread per database that commits queued
//! inserts in batches (`worker.rs`; a backend only says how to do each command on its
//! connection), reads to connections of their own (`reader.rs`: a few read connections on
//! SQLite's WAL, a pool on PostgreSQL), so reading never queues behind writing or in front of it.
//!
//! Results are counted as answers are stored ([`Store::counts`], `counting.rs`): the insert's
//! transaction adds to the counters, the purge's takes away, and reading them costs the same
//! with ten answers or a million.

use std::{
    fmt::Debug,
    future::Future,
    path::{Path, PathBuf},
    pin::Pin,
    sync::Arc,
};

use jiff::Timestamp;
use prometheus_client::registry::Registry;
use serde::Serialize;
use voix_form::{Form, answer::Answers, results::Counts};

use crate::Result;

mod counting;
pub mod postgres;
mod reader;
pub mod sqlite;
mod worker;

pub use reader::Database;

/// A boxed future, so that [`Store`] can be used as `dyn Store`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The outcome of a successful [`Store::insert`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inserted {
    /// The response id (new, or the original one for a duplicate).
    pub id: String,
    /// The submission id had already been stored with these answers; nothing new was written.
    pub duplicate: bool,
}

/// One stored response, as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredResponse {
    /// The response id.
    pub id: String,
    /// The widget's idempotency id, if it sent one.
    pub submission_id: Option<String>,
    /// When it was committed, to the second (RFC 3339 UTC in JSON and CSV).
    pub received_at: Timestamp,
    /// The normalised answers.
    pub answers: Answers,
}

/// A place to keep answers.
pub trait Store: Send + Sync + Debug {
    /// Stores `answers` to form `form_id`, durably, before returning. See the module docs for
    /// the idempotency rule on `submission_id`.
    fn insert<'a>(
        &'a self,
        form_id: &'a str,
        submission_id: Option<&'a str>,
        answers: &'a Answers,
    ) -> BoxFuture<'a, Result<Inserted>>;

    /// Every response to `form_id`, oldest first. Read on a connection of its own: it never
    /// waits for, nor holds up, the inserts.
    fn responses<'a>(&'a self, form_id: &'a str) -> BoxFuture<'a, Result<Vec<StoredResponse>>>;

    /// The responses to `form_id` received at `from` or later and before `until` (either bound
    /// may be absent), oldest first: the range is filtered by the database, so a dashboard
    /// showing one week of a form with a million answers decodes one week's. Read like
    /// [`Store::responses`].
    fn responses_between<'a>(
        &'a self,
        form_id: &'a str,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> BoxFuture<'a, Result<Vec<StoredResponse>>>;

    /// When the latest response to `form_id` was received, `None` with no response.
    fn last_received<'a>(&'a self, form_id: &'a str) -> BoxFuture<'a, Result<Option<Timestamp>>>;

    /// How many responses `form_id` has, and per question how many answered and how often
    /// each value was chosen: exactly [`Counts::of`] over its stored answers, for a form given
    /// to [`Store::count_forms`] (otherwise only the number of responses). Read from counters
    /// on a connection of its own, as fast with a million answers as with ten.
    fn counts<'a>(&'a self, form_id: &'a str) -> BoxFuture<'a, Result<Counts>>;

    /// Counts the answers of `forms` from now on. A form whose stored counts were made for
    /// another definition (a question added or removed, a kind changed), or never made, is
    /// counted again from its stored answers first, in one transaction. Blocks until done;
    /// call it before serving (`AppState::new` does).
    fn count_forms(&self, forms: &[Form]) -> Result<()>;

    /// Deletes the responses to `form_id` received before `cutoff` (to the second); returns how
    /// many were deleted.
    fn purge_before<'a>(
        &'a self,
        form_id: &'a str,
        cutoff: Timestamp,
    ) -> BoxFuture<'a, Result<u64>>;

    /// Records the proof `key` (a solved challenge, a render token: see [`crate::defence`]) as
    /// used by the answer `submission_id` until `expires`. `true` if it was unused, or used by
    /// this same submission id (a resend); `false` if another answer used it — on any
    /// collector sharing the database. Expired keys are forgotten meanwhile.
    fn spend<'a>(
        &'a self,
        key: &'a str,
        submission_id: Option<&'a str>,
        expires: Timestamp,
    ) -> BoxFuture<'a, Result<bool>>;

    /// The secret `name` kept in the database; `fresh` is stored and returned if there is none
    /// yet. Blocks; call it before serving (`AppState::new` does).
    fn secret(&self, name: &str, fresh: &str) -> Result<String>;

    /// Succeeds when the database answers a trivial query.
    fn ping(&self) -> BoxFuture<'_, Result<()>>;

    /// Adds the store's own series to the `/metrics` registry (none by default).
    fn register_metrics(&self, registry: &mut Registry) {
        let _ = registry;
    }

    /// Stops accepting work and resolves once everything already queued is done: each queued
    /// insert committed (or failed) and answered. Afterwards every call fails with
    /// [`crate::Error::StoreClosed`]. Calling it again, from any handle, waits for the same end.
    fn close(&self) -> BoxFuture<'_, ()>;
}

/// A database location, by backend. `Display` and `Debug` hide a PostgreSQL password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, as given (`postgres://user:password@host:port/dbname?…`).
    Postgres(String),
}

impl DatabaseUrl {
    /// Reads `postgres://…` / `postgresql://…`, or `sqlite://PATH` or a bare path; relative paths
    /// resolve against `base`.
    ///
    /// # Example
    /// ```
    /// use std::path::{Path, PathBuf};
    /// use voix_collector::store::DatabaseUrl;
    /// let base = Path::new("/srv/voix");
    /// assert_eq!(DatabaseUrl::parse("voix.db", base), Ok(DatabaseUrl::Sqlite("/srv/voix/voix.db".into())));
    /// assert_eq!(DatabaseUrl::parse("sqlite:///var/voix.db", base), Ok(DatabaseUrl::Sqlite("/var/voix.db".into())));
    /// assert_eq!(
    ///     DatabaseUrl::parse("postgres://voix@db/voix", base),
    ///     Ok(DatabaseUrl::Postgres("postgres://voix@db/voix".into()))
    /// );
    /// assert!(DatabaseUrl::parse("mysql://db/voix", base).is_err());
    /// // A PostgreSQL URL is read now, so that `voix-collector check` finds its mistakes.
    /// assert!(DatabaseUrl::parse("postgres://voix@db/voix?sslmode=verify", base).is_err());
    /// ```
    pub fn parse(text: &str, base: &Path) -> std::result::Result<DatabaseUrl, String> {
        if ["postgres://", "postgresql://"]
            .iter()
            .any(|scheme| text.starts_with(scheme))
        {
            postgres::check_url(text).map_err(|m| format!("{}: {m}", redact(text)))?;
            return Ok(DatabaseUrl::Postgres(text.to_owned()));
        }
        let unsupported = || {
            format!(
                "unsupported database URL `{}`, expected postgres://…, sqlite://… or a file path",
                redact(text)
            )
        };
        let path = match text.strip_prefix("sqlite://") {
            Some(rest) => rest,
            // A scheme of one letter is a Windows drive (`C:\…`), not a URL.
            None if scheme_len(text) > 1 => return Err(unsupported()),
            None => text,
        };
        if path.is_empty() {
            return Err(format!("`{text}` names no file"));
        }
        let path = Path::new(path);
        Ok(DatabaseUrl::Sqlite(if path.is_absolute() {
            path.to_owned()
        } else {
            base.join(path)
        }))
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(p) => write!(f, "sqlite://{}", p.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            DatabaseUrl::Postgres(url) => f.debug_tuple("Postgres").field(&redact(url)).finish(),
        }
    }
}

/// `url` with the password of its `user:password@` part replaced by `***`, for logs and errors.
/// A password given as a query parameter (`?password=…`) is hidden too, and so is the one of a
/// libpq key/value string (`host=db password=…`).
///
/// # Example
/// ```
/// use voix_collector::store::redact;
/// assert_eq!(redact("postgres://voix:s3cret@db:5432/voix"), "postgres://voix:***@db:5432/voix");
/// assert_eq!(redact("postgres://db/voix?password=s3cret&sslmode=disable"), "postgres://db/voix?password=***&sslmode=disable");
/// assert_eq!(redact("postgres://voix@db/voix"), "postgres://voix@db/voix");
/// assert_eq!(redact("host=db password='s3 cret' sslmode=require"), "host=db password=*** sslmode=require");
/// ```
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return redact_key_values(url);
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key == "password" => format!("{key}=***"),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

// A libpq key/value string with the value of `password` hidden.
fn redact_key_values(text: &str) -> String {
    let Some(pairs) = postgres::key_values(text) else {
        return match text.contains("password") {
            true => "(a malformed connection string, not shown: it may hold a password)".into(),
            false => text.to_owned(),
        };
    };
    let mut out = String::new();
    let mut from = 0;
    for pair in pairs.iter().filter(|pair| pair.key == "password") {
        out += &text[from..pair.span.start];
        out += "password=***";
        from = pair.span.end;
    }
    out + &text[from..]
}

// Length of a leading URL scheme (`postgres` in `postgres://…`), 0 if there is none.
fn scheme_len(text: &str) -> usize {
    let Some((scheme, _)) = text.split_once(':') else {
        return 0;
    };
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if valid { scheme.len() } else { 0 }
}

/// Opens (creating if needed) the database at `url` and applies pending migrations. Counting a
/// form's answers starts with [`Store::count_forms`].
///
/// Synchronous, and callable both outside and inside a tokio runtime: each backend runs its
/// database work on a thread of its own, and this waits for that thread to report the database
/// ready (PostgreSQL: connected and migrated).
pub fn open(url: &DatabaseUrl) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(match url {
        DatabaseUrl::Sqlite(path) => sqlite::open(path)?,
        DatabaseUrl::Postgres(url) => postgres::open(url)?,
    }))
}
