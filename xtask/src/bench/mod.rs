//! `cargo xtask bench`: size, speed and capacity against their limits, side by side, in one run
//! (issue 18). Machines here are noisy, so every figure that can be is a ratio to a baseline
//! measured in the same run, with the absolute value beside it. Each part returns [`Table`]s and
//! [`Target`]s; they are printed as they come and written to `BENCHMARKS.md` at the end.
//!
//! | part | what | baseline |
//! |---|---|---|
//! | [`bytes`] | both budget lines, raw / gzip / brotli, per embedding mode, the definition fetch, the wasm's largest contributors | a hand-written form's page and script |
//! | [`browser`] | time to an answerable form (median, p95, ≥ 30 loads), wasm compile / instantiate, memory after mount and after 100 mount/destroy cycles, an old phone's profile cold and on a second visit (HTTP cache warm) with the bytes each request put on the wire, the proof of work's solve time | a hand-written vanilla-JS form fetching the same definition; the native solver |
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
/// `VOIX_BENCH_ONLY=bytes|browser|collector` runs one part (and writes BENCHMARKS.md with it
/// alone): for working on a part, never for the figures of record.
pub fn bench() -> Result<()> {
    let started = std::time::Instant::now();
    let only = std::env::var("VOIX_BENCH_ONLY").ok();
    let runs = |part: &str| only.as_deref().is_none_or(|o| o == part);
    crate::setup::wasm_target()?;
    crate::setup::npm_deps()?;
    // Built once for every part: the widget as shipped, the release collector and its tools.
    let dist = crate::dist::build()?;
    let release = build_release()?;
    let mut report = report::Report::default();
    if runs("bytes") {
        let demo = demo_collector(&release)?;
        report.add(bytes::run(&dist, &demo.addr)?);
    }
    if runs("browser") {
        report.add(browser::run(&release)?);
    }
    if runs("collector") {
        report.add(collector::run()?);
    }
    report.write(started.elapsed())?;
    Ok(())
}

/// The release collector serving the demo's forms (`www/forms/`), the demo site (`www/`) and
/// `dist/` on a free loopback port, with a fresh database.
fn demo_collector(release: &std::path::Path) -> Result<Collector> {
    let dir = fresh_dir("bench-demo")?;
    let www = crate::root().join("www");
    let mut forms = Vec::new();
    for entry in std::fs::read_dir(www.join("forms"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            forms.push(serde_json::Value::String(path.display().to_string()).to_string());
        }
    }
    forms.sort();
    let config = dir.join("voix.toml");
    let quoted =
        |p: std::path::PathBuf| serde_json::Value::String(p.display().to_string()).to_string();
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase = {}\nstatic_dir = {}\ndist_dir = {}\n\
             rate_limit = {{ per_minute = 0 }}\nforms = [{}]\n",
            quoted(dir.join("demo.db")),
            quoted(www),
            quoted(crate::root().join("dist")),
            forms.join(", "),
        ),
    )?;
    Collector::start(&release.join("voix-collector"), &config)
}
