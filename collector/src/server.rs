//! Serving [`crate::app`] on a TCP listener facing the open internet, often with no proxy in
//! front: every connection is bounded in number and in time, and shutdown has a deadline.
//!
//! - **At most `max_connections` at once** (a semaphore). At the cap the loop stops accepting:
//!   further clients wait in the kernel's accept queue, which costs the process no file
//!   descriptor, until a connection closes. At start the soft `RLIMIT_NOFILE` is raised (up to
//!   the hard limit) to leave room for them; if it cannot be, fewer are served and the log says
//!   so ([`Budget`]).
//! - **A header must arrive whole within `header_timeout`** (hyper's header-read timer), counted
//!   from the connection's opening or, on a kept-alive connection, from the end of the previous
//!   response: hyper starts that timer as soon as the connection is idle, so it is the idle
//!   keep-alive timeout too. A client trickling its header line by line is answered 408 and
//!   closed.
//! - **From header to response, `request_timeout`** (reading the body, storing the answer): a
//!   layer of the router (`routes`), answering 408 `request_timeout`, so in-process tests see it
//!   too. A body announced larger than `max_body_bytes` is refused before any of it is read
//!   (`routes::intake`).
//! - **Shutdown**: the loop stops accepting; every connection is told to close after its
//!   response in progress (idle ones close at once); after `shutdown_timeout` the connections
//!   left are dropped, with their requests. An answer whose commit had begun is committed anyway
//!   — the store's writer owns it, and `serve` closes the store only after this returns — and its
//!   sender, cut off, sends it again under the same id, which stores nothing twice.
//!
//! Written on hyper and hyper-util because `axum::serve` offers none of these knobs. The peer
//! address reaches handlers as `ConnectInfo`, for rate limiting only; it is never stored or
//! logged.

use std::{future::Future, io, pin::pin, sync::Arc, time::Duration};

use axum::{body::Body, extract::ConnectInfo, http::Request};
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use tokio::{net::TcpListener, sync::Semaphore, task::JoinSet};
use tower::ServiceExt;

use crate::AppState;

/// File descriptors kept for everything but connections: the database (and SQLite's journal
/// files), files being served, the runtime's own.
pub const RESERVED_FILES: u64 = 64;

/// How long the loop waits after an accept error that is not about one connection (out of file
/// descriptors, say) before trying again, rather than spinning.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(250);

/// Serves [`crate::app`] on `listener` until `shutdown` completes, within the limits of the
/// state's [`crate::config::Connections`] (see the module docs).
pub async fn launch(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = *state.connections();
    let max = Budget::current().connections(limits.max);
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, max_connections = max, "listening");
    }
    let app = crate::app(state);
    let permits = Arc::new(Semaphore::new(max));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let permit = tokio::select! {
            biased;
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                // Never closed; if it were, there would be nothing left to serve with.
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
        };
        // Finished connections leave the set here, so it holds at most `max` tasks.
        while connections.try_join_next().is_some() {}
        // Small requests and replies: no reason to wait for more bytes before sending.
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = service_fn(move |req: Request<Incoming>| {
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req)
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            if let Err(e) = connection.await {
                // Timeouts, resets, malformed requests: the client's doing, not ours.
                tracing::debug!(error = %e, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!(
        connections = graceful.count(),
        "no longer accepting; letting requests in flight finish"
    );
    if tokio::time::timeout(limits.shutdown_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            connections = connections.len(),
            deadline_secs = limits.shutdown_timeout.as_secs(),
            "shutdown deadline passed; dropping the connections left"
        );
    }
    // Aborts what is left and waits until it is gone.
    connections.shutdown().await;
    Ok(())
}

async fn accept_error(e: io::Error) {
    // About one connection that went away before we took it: nothing to wait for.
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    ) {
        return;
    }
    tracing::error!(error = %e, "cannot accept connections; trying again shortly");
    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
}

/// The process's file descriptor limit, as it bears on connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The soft limit after trying to raise it (`None`: unlimited or unknown).
    pub files: Option<u64>,
}

impl Budget {
    /// Reads `RLIMIT_NOFILE`, first raising the soft limit to the hard one when it is lower:
    /// the default soft limit (often 1024) is a leftover of `select()`, which we do not use.
    #[cfg(unix)]
    pub fn current() -> Budget {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let mut limit = getrlimit(Resource::Nofile);
        if limit.current < limit.maximum {
            let raised = rustix::process::Rlimit {
                current: limit.maximum,
                maximum: limit.maximum,
            };
            if setrlimit(Resource::Nofile, raised).is_ok() {
                limit = getrlimit(Resource::Nofile);
            }
        }
        Budget {
            files: limit.current,
        }
    }

    /// No limit known off Unix.
    #[cfg(not(unix))]
    pub fn current() -> Budget {
        Budget { files: None }
    }

    /// How many connections may be served at once, at most `wanted`: what the limit leaves
    /// after [`RESERVED_FILES`], and at least one. Says so in the log when it is fewer.
    pub fn connections(self, wanted: usize) -> usize {
        let Some(files) = self.files else {
            return wanted;
        };
        let room = usize::try_from(files.saturating_sub(RESERVED_FILES))
            .unwrap_or(usize::MAX)
            .max(1);
        if room < wanted {
            tracing::warn!(
                max_connections = wanted,
                serving = room,
                file_limit = files,
                "the file descriptor limit is too low for max_connections; serving fewer \
                 (raise LimitNOFILE, or `ulimit -n`, above max_connections + {RESERVED_FILES})"
            );
            return room;
        }
        wanted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_fit_the_file_limit() {
        let budget = |files| Budget { files };
        assert_eq!(budget(None).connections(1024), 1024);
        assert_eq!(budget(Some(4096)).connections(1024), 1024);
        assert_eq!(budget(Some(1024 + 64)).connections(1024), 1024);
        assert_eq!(budget(Some(1024)).connections(1024), 960);
        assert_eq!(budget(Some(10)).connections(1024), 1);
    }

    #[test]
    fn the_soft_limit_is_raised_as_far_as_allowed() {
        let budget = Budget::current();
        #[cfg(unix)]
        {
            let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
            assert_eq!(limit.current, limit.maximum);
            assert_eq!(budget.files, limit.current);
        }
        #[cfg(not(unix))]
        assert_eq!(budget.files, None);
    }
}
