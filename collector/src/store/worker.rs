//! What both backends share on the writing side: the commands a request sends to the database
//! thread, the handle that sends them ([`Worker`]), and the database thread itself — its start
//! and its loop, which drains the queue, batches consecutive inserts into one transaction (group
//! commit) and answers each command after its work is committed. A backend only says how to do
//! each command on its connection ([`Backend`]).
//!
//! Only writes (and `ping`, which asks whether writing works) go through this queue: reads run
//! on connections of their own (`reader.rs`), so a reader never waits behind a batch and a batch
//! never waits behind a reader. The thread also keeps the forms it was told about
//! ([`Worker::count_forms`]), to count each stored answer in its own transaction
//! (`counting.rs`).

use std::{collections::BTreeMap, future::Future};

use jiff::Timestamp;
use prometheus_client::{metrics::histogram::Histogram, registry::Registry};
use tokio::sync::{mpsc, oneshot, watch};
use voix_form::{Form, answer::Answers, results::Counts};

use super::{Inserted, counting};
use crate::{Error, Result, time};

/// Requests waiting for the database thread; beyond this, handlers wait to enqueue.
const QUEUE_LEN: usize = 1024;
/// Most inserts written in one transaction.
pub const MAX_BATCH: usize = 128;
/// Most answers deleted in one transaction of a purge: a large purge (retention switched on
/// for a year of answers) lets the inserts queued meanwhile in between its transactions.
pub const PURGE_CHUNK: u64 = 5_000;

/// One request to the database thread, with where to send its answer.
enum Command {
    Insert(InsertJob),
    /// Count these forms' answers from now on (and again from the stored answers where the
    /// counts were made for another definition).
    CountForms {
        forms: Vec<Form>,
        reply: oneshot::Sender<Result<()>>,
    },
    /// Delete at most [`PURGE_CHUNK`] answers.
    Purge {
        form_id: String,
        cutoff: Timestamp,
        reply: oneshot::Sender<Result<u64>>,
    },
    Ping {
        reply: oneshot::Sender<Result<()>>,
    },
    /// Record a proof as used ([`Backend::spend`]).
    Spend {
        key: String,
        submission_id: Option<String>,
        expires: Timestamp,
        reply: oneshot::Sender<Result<bool>>,
    },
    /// The secret `name`, made from `fresh` if there is none yet.
    Secret {
        name: String,
        fresh: String,
        reply: oneshot::Sender<Result<String>>,
    },
    /// Refuse new commands, finish the queued ones, stop.
    Close,
}

/// One answer to store.
pub(super) struct InsertJob {
    pub form_id: String,
    pub submission_id: Option<String>,
    pub answers: Answers,
    /// What the answer adds to its form's counts, if it is stored (set by the database
    /// thread, which knows the forms).
    pub counts: Counts,
    reply: oneshot::Sender<Result<Inserted>>,
}

/// How a backend does each command on its connection. Its methods run one at a time on the
/// database thread, which owns the backend; they are `async` for PostgreSQL's client, and
/// SQLite's simply block that thread, which has nothing else to do.
pub(super) trait Backend {
    /// Writes `batch` in one transaction, each answer received at `now`, and adds each stored
    /// answer's `counts` to its form's counters in the same transaction. The outer error means
    /// nothing was committed (or that it is not known); the inner results are each answer's
    /// own outcome (a conflict leaves the others untouched).
    fn insert_batch(
        &mut self,
        batch: &[InsertJob],
        now: Timestamp,
    ) -> impl Future<Output = Result<Vec<Result<Inserted>>>>;

    /// Unless `form`'s counts were made with `spec` ([`counting::spec`]), counts its stored
    /// answers again, in one transaction, and records `spec`; how many answers were counted
    /// (`None`: nothing to do).
    fn recount(&mut self, form: &Form, spec: &str) -> impl Future<Output = Result<Option<u64>>>;

    /// Deletes the oldest responses to `form_id` received before `cutoff`, at most `limit`,
    /// and takes what they counted (by `form`, see [`counting::of_response`]) from the
    /// counters, in one transaction; how many.
    fn purge(
        &mut self,
        form_id: &str,
        form: Option<&Form>,
        cutoff: Timestamp,
        limit: u64,
    ) -> impl Future<Output = Result<u64>>;

    /// A trivial query.
    fn ping(&mut self) -> impl Future<Output = Result<()>>;

    /// Records `key` as used by `submission_id` until `expires`, deleting the keys expired at
    /// `now`, in one transaction. `true`: first use, or the same submission again (a retry);
    /// `false`: used by another answer.
    fn spend(
        &mut self,
        key: &str,
        submission_id: Option<&str>,
        expires: Timestamp,
        now: Timestamp,
    ) -> impl Future<Output = Result<bool>>;

    /// The secret `name`: the stored one, or `fresh`, stored, if there is none (the first of
    /// several collectors to store it wins).
    fn secret(&mut self, name: &str, fresh: &str) -> impl Future<Output = Result<String>>;
}

/// The sending side of a database thread's queue. Cheap to clone; the thread stops when the
/// last handle is dropped or after [`Store::close`].
#[derive(Debug, Clone)]
pub struct Worker {
    tx: mpsc::Sender<Command>,
    // Becomes true when the database thread has finished (after a close, every queued command
    // answered).
    finished: watch::Receiver<bool>,
    // Answers per transaction, observed by the database thread.
    batch_sizes: Histogram,
}

/// Starts the database thread `name`: it runs a runtime of its own, opens the backend with
/// `open` (connect, configure, migrate), then serves the queue. Returns once `open` is done:
/// the handle, or why the database could not be opened.
pub(super) fn start<B, F>(
    name: &str,
    open: impl FnOnce() -> F + Send + 'static,
) -> std::result::Result<Worker, String>
where
    B: Backend,
    F: Future<Output = std::result::Result<B, String>>,
{
    let (tx, mut rx) = mpsc::channel(QUEUE_LEN);
    let (done, finished) = watch::channel(false);
    let (ready, is_ready) = std::sync::mpsc::sync_channel(1);
    let batch_sizes = crate::metrics::batch_sizes();
    let observed = batch_sizes.clone();
    std::thread::Builder::new()
        .name(name.into())
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
            runtime.block_on(async {
                match open().await {
                    Ok(backend) => {
                        let _ = ready.send(Ok(()));
                        run(backend, &mut rx, &observed).await;
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                    }
                }
            });
            // After the runtime: tasks it ran (PostgreSQL's connection) are gone too.
            drop(runtime);
            let _ = done.send(true);
        })
        .map_err(|e| format!("cannot start the database thread: {e}"))?;
    match is_ready.recv() {
        Ok(Ok(())) => Ok(Worker {
            tx,
            finished,
            batch_sizes,
        }),
        Ok(Err(message)) => Err(message),
        Err(_) => Err("the database thread stopped while opening".into()),
    }
}

// The database thread's loop. It ends when every handle is dropped or, after a close, once the
// queue is empty: closing the receiver refuses new commands but keeps the queued ones.
async fn run(mut db: impl Backend, rx: &mut mpsc::Receiver<Command>, batch_sizes: &Histogram) {
    let mut next: Option<Command> = None;
    // The forms whose answers are counted, by id.
    let mut forms: BTreeMap<String, Form> = BTreeMap::new();
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
                let mut batch;
                (batch, next) = take_batch(rx, first);
                batch_sizes.observe(batch.len() as f64);
                for job in &mut batch {
                    job.counts = counting::of_response(forms.get(&job.form_id), &job.answers);
                }
                let outcome = db.insert_batch(&batch, time::now()).await;
                answer_batch(batch, outcome);
            }
            Command::CountForms { forms: new, reply } => {
                let mut outcome = Ok(());
                for form in new {
                    let started = std::time::Instant::now();
                    match db.recount(&form, &counting::spec(&form)).await {
                        Ok(Some(n)) => tracing::info!(
                            form = %form.id, answers = n, ms = started.elapsed().as_millis(),
                            "counted the stored answers again (new or changed definition)"
                        ),
                        Ok(None) => {}
                        Err(e) => {
                            outcome = Err(e);
                            break;
                        }
                    }
                    forms.insert(form.id.clone(), form);
                }
                let _ = reply.send(outcome);
            }
            Command::Purge {
                form_id,
                cutoff,
                reply,
            } => {
                let form = forms.get(&form_id);
                let _ = reply.send(db.purge(&form_id, form, cutoff, PURGE_CHUNK).await);
            }
            Command::Ping { reply } => {
                let _ = reply.send(db.ping().await);
            }
            Command::Spend {
                key,
                submission_id,
                expires,
                reply,
            } => {
                let outcome = db
                    .spend(&key, submission_id.as_deref(), expires, time::now())
                    .await;
                let _ = reply.send(outcome);
            }
            Command::Secret { name, fresh, reply } => {
                let _ = reply.send(db.secret(&name, &fresh).await);
            }
            Command::Close => rx.close(),
        }
    }
}

/// Up to [`MAX_BATCH`] inserts: `first` and those queued right behind it. A command of another
/// kind that was taken off the queue is returned, to be handled next.
fn take_batch(
    rx: &mut mpsc::Receiver<Command>,
    first: InsertJob,
) -> (Vec<InsertJob>, Option<Command>) {
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(Command::Insert(job)) => batch.push(job),
            Ok(other) => return (batch, Some(other)),
            Err(_) => break,
        }
    }
    (batch, None)
}

// Every requester of the batch hears its own outcome, or the batch's failure: nothing of a
// failed batch is committed (or known to be), so nobody may be told "stored". A requester that
// has gone (client disconnected) misses nothing: a stored answer stays stored.
fn answer_batch(batch: Vec<InsertJob>, outcome: Result<Vec<Result<Inserted>>>) {
    match outcome {
        Ok(results) => {
            for (job, result) in batch.into_iter().zip(results) {
                let _ = job.reply.send(result);
            }
        }
        Err(e) => {
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

/// The migrations of `all` (in order; the version of each is its position, from 1) that a
/// database at schema version `current` still needs; an error if the database is newer than
/// this collector.
pub(super) fn pending_migrations<'m>(
    current: i64,
    all: &'m [&'m str],
) -> std::result::Result<impl Iterator<Item = (i64, &'m str)>, String> {
    let known = all.len() as i64;
    if current > known {
        return Err(format!(
            "schema version {current} is newer than this collector knows ({known}); \
             upgrade voix-collector"
        ));
    }
    Ok((1..).zip(all.iter().copied()).skip(current as usize))
}

/// The answers as stored: a JSON object of strings.
pub(super) fn encode(answers: &Answers) -> Result<String> {
    serde_json::to_string(answers)
        .map_err(|e| Error::Database(format!("cannot encode answers: {e}")))
}

/// The answers of stored response `id`.
pub(super) fn decode(id: i64, stored: &str) -> Result<Answers> {
    serde_json::from_str(stored).map_err(|e| {
        Error::Database(format!(
            "response {id}: stored answers are not a JSON object of strings: {e}"
        ))
    })
}

/// A repeat of the submission id of stored response `id`: the same answers make it a duplicate
/// of it, other answers a conflict. Parsed maps are compared, not text, so the outcome does not
/// hinge on JSON formatting.
pub(super) fn repeat_of(id: i64, stored: &str, answers: &Answers) -> Result<Inserted> {
    if decode(id, stored)? == *answers {
        Ok(Inserted {
            id: id.to_string(),
            duplicate: true,
        })
    } else {
        Err(Error::Conflict)
    }
}

impl Worker {
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

impl Worker {
    /// See [`crate::store::Store::insert`].
    pub(super) async fn insert(
        &self,
        form_id: &str,
        submission_id: Option<&str>,
        answers: &Answers,
    ) -> Result<Inserted> {
        self.call(move |reply| {
            Command::Insert(InsertJob {
                form_id: form_id.to_owned(),
                submission_id: submission_id.map(str::to_owned),
                answers: answers.clone(),
                counts: Counts::default(),
                reply,
            })
        })
        .await
    }

    /// See [`crate::store::Store::count_forms`]: blocks until the database thread has
    /// recounted what needed it. Callable inside or outside a runtime (like opening).
    pub(super) fn count_forms(&self, forms: &[Form]) -> Result<()> {
        let forms = forms.to_vec();
        std::thread::scope(|s| {
            s.spawn(|| {
                let (reply, answer) = oneshot::channel();
                self.tx
                    .blocking_send(Command::CountForms { forms, reply })
                    .map_err(|_| Error::StoreClosed)?;
                answer.blocking_recv().map_err(|_| Error::StoreClosed)?
            })
            .join()
            .unwrap_or(Err(Error::StoreClosed))
        })
    }

    /// See [`crate::store::Store::purge_before`]: one transaction per [`PURGE_CHUNK`] answers,
    /// so inserts queued meanwhile go in between.
    pub(super) async fn purge_before(&self, form_id: &str, cutoff: Timestamp) -> Result<u64> {
        let mut total = 0;
        loop {
            let n = self
                .call(move |reply| Command::Purge {
                    form_id: form_id.to_owned(),
                    cutoff,
                    reply,
                })
                .await?;
            total += n;
            if n < PURGE_CHUNK {
                return Ok(total);
            }
        }
    }

    /// See [`crate::store::Store::ping`].
    pub(super) async fn ping(&self) -> Result<()> {
        self.call(|reply| Command::Ping { reply }).await
    }

    /// See [`crate::store::Store::spend`].
    pub(super) async fn spend(
        &self,
        key: &str,
        submission_id: Option<&str>,
        expires: Timestamp,
    ) -> Result<bool> {
        self.call(move |reply| Command::Spend {
            key: key.to_owned(),
            submission_id: submission_id.map(str::to_owned),
            expires,
            reply,
        })
        .await
    }

    /// See [`crate::store::Store::secret`]: blocks, like [`Worker::count_forms`].
    pub(super) fn secret(&self, name: &str, fresh: &str) -> Result<String> {
        let (name, fresh) = (name.to_owned(), fresh.to_owned());
        std::thread::scope(|s| {
            s.spawn(|| {
                let (reply, answer) = oneshot::channel();
                self.tx
                    .blocking_send(Command::Secret { name, fresh, reply })
                    .map_err(|_| Error::StoreClosed)?;
                answer.blocking_recv().map_err(|_| Error::StoreClosed)?
            })
            .join()
            .unwrap_or(Err(Error::StoreClosed))
        })
    }

    /// Whether [`Worker::close`] was called (or the thread is gone): reads refuse too.
    pub(super) fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// The store's own `/metrics` series.
    pub(super) fn register_metrics(&self, registry: &mut Registry) {
        registry.register(
            "voix_store_batch_size",
            "Answers committed per database transaction",
            self.batch_sizes.clone(),
        );
    }

    /// See [`crate::store::Store::close`].
    pub(super) async fn close(&self) {
        // Queued behind everything sent before; fails only if already closed.
        let _ = self.tx.send(Command::Close).await;
        // Err: the thread is gone (it ended, or panicked); either way nothing is pending.
        let _ = self.finished.clone().wait_for(|done| *done).await;
    }
}
