//! What both backends share: the commands a request sends to the database thread, and the
//! handle that sends them. Each backend owns one thread that drains the queue — batching
//! consecutive inserts into one transaction — and answers each command after its work is
//! committed; [`Worker`] is the async side of that queue and implements [`Store`] for both.

use tokio::sync::{mpsc, oneshot, watch};
use voix_form::answer::Answers;

use super::{BoxFuture, Inserted, Store, StoredResponse};
use crate::{Error, Result};

/// Requests waiting for the database thread; beyond this, handlers wait to enqueue.
pub(super) const QUEUE_LEN: usize = 1024;
/// Most inserts written in one transaction.
pub(super) const MAX_BATCH: usize = 128;

/// One request to the database thread, with where to send its answer.
pub(super) enum Command {
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

/// One answer to store.
pub(super) struct InsertJob {
    pub form_id: String,
    pub submission_id: Option<String>,
    pub answers: Answers,
    pub reply: oneshot::Sender<Result<Inserted>>,
}

/// The sending side of a database thread's queue. Cheap to clone; the thread stops when the
/// last handle is dropped or after [`Store::close`].
#[derive(Debug, Clone)]
pub struct Worker {
    tx: mpsc::Sender<Command>,
    // Becomes true when the database thread has finished (after a close, every queued command
    // answered).
    finished: watch::Receiver<bool>,
}

/// What the database thread holds: its queue, and the flag to raise when it has finished.
pub(super) struct Queue {
    pub rx: mpsc::Receiver<Command>,
    pub done: watch::Sender<bool>,
}

impl Worker {
    /// A new queue: the handle for requests, the other end for the database thread.
    pub(super) fn new() -> (Worker, Queue) {
        let (tx, rx) = mpsc::channel(QUEUE_LEN);
        let (done, finished) = watch::channel(false);
        (Worker { tx, finished }, Queue { rx, done })
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

impl Queue {
    /// Up to [`MAX_BATCH`] inserts: `first` and those queued right behind it. A command of
    /// another kind that was taken off the queue is returned, to be handled next.
    pub fn batch(&mut self, first: InsertJob) -> (Vec<InsertJob>, Option<Command>) {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match self.rx.try_recv() {
                Ok(Command::Insert(job)) => batch.push(job),
                Ok(other) => return (batch, Some(other)),
                Err(_) => break,
            }
        }
        (batch, None)
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
