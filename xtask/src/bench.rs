//! `cargo xtask bench`: how many answers per second the collector stores, and how long each
//! takes, on SQLite and on PostgreSQL — measured, never asserted in a test.
//!
//! Builds the collector and its load generator (`collector/examples/load.rs`) in release mode,
//! starts the collector on loopback with a fresh database and no rate limit, and runs the
//! generator with 1, 16 and 64 concurrent connections for a few seconds each. Then it exports
//! the form and checks that every acknowledged answer is stored, once. PostgreSQL runs on a
//! throwaway server started like `cargo xtask test` does (skipped, and said so, when none can be
//! started here).

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

use crate::{cargo, pg, run, target_dir};

const CLIENTS: [usize; 3] = [1, 16, 64];
const SECONDS: f64 = 5.0;
const FORM: &str = "id = \"bench\"\ntitle = \"Bench\"\n\n[[questions]]\nid = \"note\"\n\
                    type = \"smileys\"\nlabel = \"Note\"\nrequired = true\n";

pub fn bench() -> Result<()> {
    let release = build_release()?;
    let dir = fresh_dir("bench")?;
    std::fs::write(dir.join("bench.toml"), FORM)?;

    let mut rows = Vec::new();
    let sqlite = format!("sqlite://{}", dir.join("bench.db").display());
    rows.extend(backend("SQLite", &sqlite, &dir, &release)?);
    let database = pg::plan()
        .map_err(anyhow::Error::msg)
        .and_then(pg::Server::start);
    match database {
        Ok(server) => rows.extend(backend("PostgreSQL", server.url(), &dir, &release)?),
        Err(e) => println!("PostgreSQL: not measured ({e:#})"),
    }
    let _ = std::fs::remove_dir_all(&dir);

    println!(
        "\nanswers stored per second (release build, loopback, 2 cores shared with the load):"
    );
    println!(
        "{:<11} {:>7} {:>10} {:>9} {:>9} {:>9} {:>7}",
        "backend", "clients", "answers/s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    for r in &rows {
        println!(
            "{:<11} {:>7} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>7}",
            r.backend, r.clients, r.per_second, r.p50, r.p99, r.max, r.errors
        );
    }
    Ok(())
}

struct Row {
    backend: &'static str,
    clients: usize,
    per_second: f64,
    p50: f64,
    p99: f64,
    max: f64,
    errors: u64,
}

fn backend(
    name: &'static str,
    database: &str,
    dir: &std::path::Path,
    release: &std::path::Path,
) -> Result<Vec<Row>> {
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase = {}\nforms = [{}]\n\
             rate_limit = {{ per_minute = 0 }}\n",
            toml_string(database),
            toml_string(&dir.join("bench.toml").display().to_string()),
        ),
    )?;
    let mut server = Collector::start(&release.join("voix-collector"), &config)?;
    let mut rows = Vec::new();
    let mut acknowledged = 0;
    for clients in CLIENTS {
        let (v, line) = load(
            release,
            &server.addr,
            "bench",
            &[clients.to_string(), SECONDS.to_string()],
        )?;
        let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
        acknowledged += v["ok"].as_u64().unwrap_or(0);
        rows.push(Row {
            backend: name,
            clients,
            per_second: f("per_second"),
            p50: f("p50_ms"),
            p99: f("p99_ms"),
            max: f("max_ms"),
            errors: v["errors"].as_u64().unwrap_or(0),
        });
        println!("{name}, {clients} clients: {line}");
    }
    server.stop();
    // Every 201 must be a stored row, once: the export lists each answer with its id.
    let stored = stored(release, &config, "bench")?;
    if stored != acknowledged {
        bail!("{name}: {acknowledged} answers acknowledged but {stored} stored");
    }
    println!("{name}: {acknowledged} answers acknowledged, {stored} stored");
    Ok(rows)
}

/// Runs the load generator (`collector/examples/load.rs`) against `addr` with `args` after the
/// form id; its JSON line, parsed and as printed.
pub(crate) fn load(
    release: &std::path::Path,
    addr: &str,
    form: &str,
    args: &[String],
) -> Result<(serde_json::Value, String)> {
    let out = Command::new(release.join("examples/load"))
        .args([addr, form])
        .args(args)
        .output()
        .context("running the load generator")?;
    if !out.status.success() {
        bail!(
            "the load generator failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let v = serde_json::from_str(&line).with_context(|| format!("load printed {line}"))?;
    Ok((v, line))
}

/// How many answers to `form` the collector of `config` has stored (`export`).
pub(crate) fn stored(
    release: &std::path::Path,
    config: &std::path::Path,
    form: &str,
) -> Result<u64> {
    let export = Command::new(release.join("voix-collector"))
        .args(["export", "--config"])
        .arg(config)
        .args(["--form", form, "--format", "json"])
        .output()
        .context("running voix-collector export")?;
    let rows: serde_json::Value =
        serde_json::from_slice(&export.stdout).context("the export is not JSON")?;
    Ok(rows.as_array().map_or(0, Vec::len) as u64)
}

/// Builds the release collector and the load generator; their directory.
pub(crate) fn build_release() -> Result<std::path::PathBuf> {
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "voix-collector",
        "--bin",
        "voix-collector",
        "--example",
        "load",
    ]))?;
    Ok(target_dir().join("release"))
}

/// An empty directory `target/voix-<task>-<pid>`.
pub(crate) fn fresh_dir(task: &str) -> Result<std::path::PathBuf> {
    let dir = target_dir().join(format!("voix-{task}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn toml_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// A running collector; killed on drop.
pub(crate) struct Collector {
    child: Child,
    pub(crate) addr: String,
}

impl Collector {
    pub(crate) fn start(bin: &std::path::Path, config: &std::path::Path) -> Result<Collector> {
        let mut child = Command::new(bin)
            .arg("serve")
            .arg("--config")
            .arg(config)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let started = Instant::now();
        let mut lines = BufReader::new(stdout).lines();
        while let Some(line) = lines.next() {
            let line = line?;
            if let Some(url) = line.strip_prefix("listening on http://") {
                // Keep reading what it prints, so its stdout never breaks.
                std::thread::spawn(move || lines.for_each(drop));
                return Ok(Collector {
                    child,
                    addr: url.trim_end_matches('/').to_owned(),
                });
            }
            if started.elapsed() > Duration::from_secs(20) {
                break;
            }
        }
        let _ = child.kill();
        bail!("the collector did not say where it listens")
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn stop(&mut self) {
        // SIGTERM would drain; the answers counted are already committed (201 after COMMIT).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.stop();
    }
}
