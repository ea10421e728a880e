//! What both backends share: the commands a request sends to the database thread, the handle
//! that sends them ([`Worker`], which implements [`Store`] for both), and the database thread
//! itself — its start and its loop, which drains the queue, batches consecutive inserts into one
//! transaction (group commit) and answers each command after its work is committed. A backend
//! only says how to do each command on its connection ([`Backend`]).

use std::future::Future;

use jiff::Timestamp;
use prometheus_client::{metrics::histogram::Histogram, registry::Registry};
use tokio::sync::{mpsc, oneshot, watch};
use voix_form::answer::Answers;

use super::{BoxFuture, Inserted, Store, StoredResponse};
use crate::{Error, Result, time};

/// Requests waiting for the database thread; beyond this, handlers wait to enqueue.
const QUEUE_LEN: usize = 1024;
/// Most inserts written in one transaction.
pub const MAX_BATCH: usize = 128;

/// One request to the database thread, with where to send its answer.
enum Command {
    Insert(InsertJob),
    Responses {
        form_id: String,
        reply: oneshot::Sender<Result<Vec<StoredResponse>>>,
    },
    Purge {
        form_id: String,
        cutoff: Timestamp,
        reply: oneshot::Sender<Result<u64>>,
    },
    Ping {
        reply: oneshot::Sender<Result<()>>,
    },
    /// Refuse new commands, finish the queued ones, stop.
    Close,
}

/// One answer to store.
pub(super) struct InsertJob {
    pub form_id: String,
    pub submission_id: Option<String>,
    pub answers: Answers,
    reply: oneshot::Sender<Result<Inserted>>,
}

/// How a backend does each command on its connection. Its methods run one at a time on the
/// database thread, which owns the backend; they are `async` for PostgreSQL's client, and
/// SQLite's simply block that thread, which has nothing else to do.
pub(super) trait Backend {
    /// Writes `batch` in one transaction, each answer received at `now`. The outer error means
    /// nothing was committed (or that it is not known); the inner results are each answer's
    /// own outcome (a conflict leaves the others untouched).
    fn insert_batch(
        &mut self,
        batch: &[InsertJob],
        now: Timestamp,
    ) -> impl Future<Output = Result<Vec<Result<Inserted>>>>;

    /// Every response to `form_id`, oldest first.
    fn responses(&mut self, form_id: &str) -> impl Future<Output = Result<Vec<StoredResponse>>>;

    /// Deletes the responses to `form_id` received before `cutoff`; how many.
    fn purge(&mut self, form_id: &str, cutoff: Timestamp) -> impl Future<Output = Result<u64>>;

    /// A trivial query.
    fn ping(&mut self) -> impl Future<Output = Result<()>>;
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
                let batch;
                (batch, next) = take_batch(rx, first);
                batch_sizes.observe(batch.len() as f64);
                let outcome = db.insert_batch(&batch, time::now()).await;
                answer_batch(batch, outcome);
            }
            Command::Responses { form_id, reply } => {
                let _ = reply.send(db.responses(&form_id).await);
            }
            Command::Purge {
                form_id,
                cutoff,
                reply,
            } => {
                let _ = reply.send(db.purge(&form_id, cutoff).await);
            }
            Command::Ping { reply } => {
                let _ = reply.send(db.ping().await);
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

impl Store for Worker {
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

    fn purge_before<'a>(
        &'a self,
        form_id: &'a str,
        cutoff: Timestamp,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(self.call(move |reply| Command::Purge {
            form_id: form_id.to_owned(),
            cutoff,
            reply,
        }))
    }

    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.call(|reply| Command::Ping { reply }))
    }

    fn register_metrics(&self, registry: &mut Registry) {
        registry.register(
            "voix_store_batch_size",
            "Answers committed per database transaction",
            self.batch_sizes.clone(),
        );
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
