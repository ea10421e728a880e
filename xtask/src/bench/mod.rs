//! `cargo xtask bench`: size, speed and capacity against their limits, side by side, in one run
//! (issue 18). Machines here are noisy, so every figure that can be is a ratio to a baseline
//! measured in the same run, with the absolute value beside it. Each part returns [`Table`]s and
//! [`Target`]s; they are printed as they come and written to `BENCHMARKS.md` at the end.
//!
//! | part | what | baseline |
//! |---|---|---|
//! | [`bytes`] | both budget lines, raw / gzip / brotli, per embedding mode, the definition fetch, the wasm's largest contributors | a hand-written form's page and script |
//! | [`browser`] | time to an answerable form (median, p95, ≥ 30 loads), wasm compile / instantiate, memory after mount and after 100 mount/destroy cycles, an old phone's profile, the proof of work's solve time | a hand-written vanilla-JS form fetching the same definition; the native solver |
//! | [`collector`] | durable answers per second at 1, 16, 64 clients, latency at a fixed 2 000/s, RSS, results and no-JS page reads, on SQLite then PostgreSQL | nginx on loopback answering 204, same load tool, same run |
//!
//! Bounded: the whole run takes under 10 minutes on 2 cores. Load goes to 127.0.0.1 only.

mod browser;
mod bytes;
mod collector;
mod report;

pub(crate) use collector::{Collector, build_release, fresh_dir, load, stored};
#[allow(unused_imports)]
pub use report::{Table, Target};

use anyhow::Result;

/// Runs every part, prints each table as it comes, writes `BENCHMARKS.md`.
pub fn bench() -> Result<()> {
    let started = std::time::Instant::now();
    let mut report = report::Report::default();
    report.add(bytes::run()?);
    report.add(browser::run()?);
    report.add(collector::run()?);
    report.write(started.elapsed())?;
    Ok(())
}
