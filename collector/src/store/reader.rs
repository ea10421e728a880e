//! The reading side of a database, and [`Database`], which puts it together with the writing
//! side (`worker.rs`) behind [`Store`].
//!
//! Reads never go through the writer's queue: a results page read by a crowd, or an export of a
//! million answers, must neither wait behind a batch of inserts nor hold one up. SQLite reads on
//! a few connections of its own (WAL lets them read while the writer commits); PostgreSQL on a
//! pool (`deadpool-postgres`). Each backend says how to read ([`Reader`]).

use std::fmt::Debug;

use jiff::Timestamp;
use prometheus_client::registry::Registry;
use voix_form::{Form, answer::Answers, results::Counts};

use super::{BoxFuture, Inserted, Store, StoredResponse, worker::Worker};
use crate::{Error, Result};

/// Connections a database keeps for reading: a results read takes well under a millisecond, so
/// a few serve any crowd (public results are cached too); an export holds one for its duration
/// and leaves the others free.
pub(super) const READ_CONNECTIONS: usize = 4;

/// How a backend reads, on connections other than the writer's.
pub(super) trait Reader: Send + Sync + Debug {
    /// The responses to `form_id` received in `[from, until)` (an absent bound: no limit),
    /// oldest first.
    fn responses<'a>(
        &'a self,
        form_id: &'a str,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> BoxFuture<'a, Result<Vec<StoredResponse>>>;

    /// The latest `received_at` of `form_id`.
    fn last_received<'a>(&'a self, form_id: &'a str) -> BoxFuture<'a, Result<Option<Timestamp>>>;

    /// The counters of `form_id` ([`super::counting::from_rows`]).
    fn counts<'a>(&'a self, form_id: &'a str) -> BoxFuture<'a, Result<Counts>>;

    /// Drops the idle connections and refuses new reads.
    fn close(&self);
}

/// A database: its writing thread and its readers. What [`super::open`] returns.
#[derive(Debug)]
pub struct Database {
    writer: Worker,
    reader: Box<dyn Reader>,
}

impl Database {
    pub(super) fn new(writer: Worker, reader: impl Reader + 'static) -> Database {
        Database {
            writer,
            reader: Box::new(reader),
        }
    }

    // After `close`, reads fail like writes.
    fn open_for_reading(&self) -> Result<&dyn Reader> {
        if self.writer.is_closed() {
            return Err(Error::StoreClosed);
        }
        Ok(&*self.reader)
    }
}

impl Store for Database {
    fn insert<'a>(
        &'a self,
        form_id: &'a str,
        submission_id: Option<&'a str>,
        answers: &'a Answers,
    ) -> BoxFuture<'a, Result<Inserted>> {
        Box::pin(self.writer.insert(form_id, submission_id, answers))
    }

    fn responses<'a>(&'a self, form_id: &'a str) -> BoxFuture<'a, Result<Vec<StoredResponse>>> {
        Box::pin(async move {
            self.open_for_reading()?
                .responses(form_id, None, None)
                .await
        })
    }

    fn responses_between<'a>(
        &'a self,
        form_id: &'a str,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> BoxFuture<'a, Result<Vec<StoredResponse>>> {
        Box::pin(async move {
            self.open_for_reading()?
                .responses(form_id, from, until)
                .await
        })
    }

    fn last_received<'a>(&'a self, form_id: &'a str) -> BoxFuture<'a, Result<Option<Timestamp>>> {
        Box::pin(async move { self.open_for_reading()?.last_received(form_id).await })
    }

    fn counts<'a>(&'a self, form_id: &'a str) -> BoxFuture<'a, Result<Counts>> {
        Box::pin(async move { self.open_for_reading()?.counts(form_id).await })
    }

    fn count_forms(&self, forms: &[Form]) -> Result<()> {
        self.writer.count_forms(forms)
    }

    fn purge_before<'a>(
        &'a self,
        form_id: &'a str,
        cutoff: Timestamp,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(self.writer.purge_before(form_id, cutoff))
    }

    fn spend<'a>(
        &'a self,
        key: &'a str,
        submission_id: Option<&'a str>,
        expires: Timestamp,
    ) -> BoxFuture<'a, Result<bool>> {
        Box::pin(self.writer.spend(key, submission_id, expires))
    }

    fn secret(&self, name: &str, fresh: &str) -> Result<String> {
        self.writer.secret(name, fresh)
    }

    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.writer.ping())
    }

    fn register_metrics(&self, registry: &mut Registry) {
        self.writer.register_metrics(registry);
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.writer.close().await;
            self.reader.close();
        })
    }
}
