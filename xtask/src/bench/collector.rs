//! `cargo xtask bench`: how many answers per second the collector stores, and how long each
//! takes, on SQLite and on PostgreSQL — measured, never asserted in a test.
//!
//! Builds the collector and its load generator (`collector/examples/load.rs`) in release mode,
//! starts the collector on loopback with a fresh database and no rate limit, and runs the
//! generator with 1, 16 and 64 concurrent connections for a few seconds each. Then it exports
//! the form and checks that every acknowledged answer is stored, once. PostgreSQL runs on a
//! throwaway server started like `cargo xtask test` does (skipped, and said so, when none can be
//! started here).
//!
//! Then the results: [`RESULTS_ANSWERS`] answers (smileys, NPS, multiple choice, a comment) are
//! written straight into the database for another form, the collector is started again (it
//! counts them on start, since that form was never counted: the time is printed) and
//! `GET /v1/forms/results/results` is read with the admin token (computed for every request:
//! the store's counts), publicly (cached, 16 clients), and publicly by 16 clients while 16
//! others post answers to the same form (each answer makes the next read compute anew).

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

use crate::{cargo, pg, target_dir};

const CLIENTS: [usize; 3] = [1, 16, 64];
const SECONDS: f64 = 5.0;
const FORM: &str = "id = \"bench\"\ntitle = \"Bench\"\n\n[[questions]]\nid = \"note\"\n\
                    type = \"smileys\"\nlabel = \"Note\"\nrequired = true\n";
/// Answers stored before the results are read.
const RESULTS_ANSWERS: u64 = 1_000_000;
/// The form whose results are read: what `load seed` writes.
const RESULTS_FORM: &str = r#"
id = "results"
title = "Results"

[[questions]]
id = "note"
type = "smileys"
label = "Note"

[[questions]]
id = "nps"
type = "nps"
label = "NPS"

[[questions]]
id = "aides"
type = "multiple"
label = "Aides"
choices = [{ id = "a", label = "A" }, { id = "b", label = "B" }, { id = "c", label = "C" }]

[[questions]]
id = "commentaire"
type = "text"
label = "Commentaire"
"#;
const TOKEN: &str = "bench-admin-token-0123456789";

/// The collector's part (see the module docs).
pub(super) fn run() -> Result<super::report::Part> {
    let release = build_release()?;
    let dir = fresh_dir("bench")?;
    std::fs::write(dir.join("bench.toml"), FORM)?;
    std::fs::write(dir.join("results.toml"), RESULTS_FORM)?;

    let mut rows = Vec::new();
    let mut results = Vec::new();
    let sqlite = format!("sqlite://{}", dir.join("bench.db").display());
    let (r, q) = backend("SQLite", &sqlite, &dir, &release)?;
    rows.extend(r);
    results.extend(q);
    let database = pg::plan()
        .map_err(anyhow::Error::msg)
        .and_then(pg::Server::start);
    match database {
        Ok(server) => {
            let (r, q) = backend("PostgreSQL", server.url(), &dir, &release)?;
            rows.extend(r);
            results.extend(q);
        }
        Err(e) => println!("PostgreSQL: not measured ({e:#})"),
    }
    let _ = std::fs::remove_dir_all(&dir);

    table(
        "answers stored per second (release build, loopback, 2 cores shared with the load):",
        "clients",
        &rows,
    );
    table(
        &format!("results with {RESULTS_ANSWERS} stored answers (same machine, same load):"),
        "what",
        &results,
    );
    Ok(super::report::Part {
        section: "Collector capacity".into(),
        ..Default::default()
    })
}

/// Runs the load generator (`collector/examples/load.rs`) posting answers to `form` at `addr`,
/// with `args` after the form id (clients, seconds, and a rate if any); its JSON line, parsed
/// and as printed.
pub(crate) fn load(
    release: &std::path::Path,
    addr: &str,
    form: &str,
    args: &[String],
) -> Result<(serde_json::Value, String)> {
    let mut all = vec![addr, form];
    all.extend(args.iter().map(String::as_str));
    generator(release, &all)
}

/// Runs the load generator with `args` (posting, or `get`, or `seed`); its JSON line, parsed
/// and as printed.
fn generator(release: &std::path::Path, args: &[&str]) -> Result<(serde_json::Value, String)> {
    let out = Command::new(release.join("examples/load"))
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
    crate::run(cargo().args([
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

/// The results rows of one backend, on the running `server` whose database holds
/// [`RESULTS_ANSWERS`] answers to form `results`.
fn results_rows(
    name: &'static str,
    server: &Collector,
    release: &std::path::Path,
) -> Result<Vec<Row>> {
    let addr = server.addr.as_str();
    let path = "/v1/forms/results/results";
    let secs = SECONDS.to_string();
    let mut rows = Vec::new();
    let (admin, _) = generator(release, &["get", addr, path, "1", &secs, TOKEN])?;
    let counted = admin["responses"].as_u64().unwrap_or(0);
    if counted < RESULTS_ANSWERS {
        bail!("{name}: the results count {counted} responses, not {RESULTS_ANSWERS}");
    }
    rows.push(Row::of(
        name,
        "results, admin (uncached), 1 client".into(),
        &admin,
    ));
    let (admin, _) = generator(release, &["get", addr, path, "16", &secs, TOKEN])?;
    rows.push(Row::of(
        name,
        "results, admin (uncached), 16 clients".into(),
        &admin,
    ));
    let (public, _) = generator(release, &["get", addr, path, "16", &secs])?;
    rows.push(Row::of(
        name,
        "results, public (cached), 16 clients".into(),
        &public,
    ));
    // Both at once: 16 reading the public results while 16 post answers to the same form.
    let readers = Command::new(release.join("examples/load"))
        .args(["get", addr, path, "16", &secs])
        .stdout(Stdio::piped())
        .spawn()
        .context("running the load generator")?;
    let (writers, _) = load(release, addr, "results", &["16".into(), secs.clone()])?;
    let readers = readers.wait_with_output()?;
    let readers: serde_json::Value =
        serde_json::from_slice(&readers.stdout).context("the readers' load printed no JSON")?;
    rows.push(Row::of(
        name,
        "answers stored, 16 clients, while…".into(),
        &writers,
    ));
    rows.push(Row::of(
        name,
        "…results read, public, 16 clients".into(),
        &readers,
    ));
    Ok(rows)
}

/// One measured row: `what` ran (how many clients, or what was read) and how it went.
struct Row {
    backend: &'static str,
    what: String,
    per_second: f64,
    p50: f64,
    p99: f64,
    max: f64,
    errors: u64,
}

impl Row {
    /// The row of the load generator's JSON line `v`.
    fn of(backend: &'static str, what: String, v: &serde_json::Value) -> Row {
        let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
        Row {
            backend,
            what,
            per_second: f("per_second"),
            p50: f("p50_ms"),
            p99: f("p99_ms"),
            max: f("max_ms"),
            errors: v["errors"].as_u64().unwrap_or(0),
        }
    }
}

/// Prints `rows` under `title`, the `what` column headed `what`.
fn table(title: &str, what: &str, rows: &[Row]) {
    let width = rows
        .iter()
        .map(|r| r.what.len())
        .max()
        .unwrap_or(0)
        .max(what.len());
    println!("\n{title}");
    println!(
        "{:<11} {what:<width$} {:>10} {:>9} {:>9} {:>9} {:>7}",
        "backend", "per s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    for r in rows {
        println!(
            "{:<11} {:<width$} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>7}",
            r.backend, r.what, r.per_second, r.p50, r.p99, r.max, r.errors
        );
    }
}

fn backend(
    name: &'static str,
    database: &str,
    dir: &std::path::Path,
    release: &std::path::Path,
) -> Result<(Vec<Row>, Vec<Row>)> {
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase = {}\nforms = [{}, {}]\n\
             admin_token = \"{TOKEN}\"\nrate_limit = {{ per_minute = 0 }}\n\
             [form.results]\npublic_results = true\n",
            toml_string(database),
            toml_string(&dir.join("bench.toml").display().to_string()),
            toml_string(&dir.join("results.toml").display().to_string()),
        ),
    )?;
    // The results form's answers first, written straight into the database: the collector
    // counts them when it starts (a form never counted is counted from its stored answers).
    let (_, seeded) = generator(
        release,
        &["seed", database, "results", &RESULTS_ANSWERS.to_string()],
    )?;
    println!("{name}: {seeded}");
    let started = Instant::now();
    let mut server = Collector::start(&release.join("voix-collector"), &config)?;
    let start_ms = started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "{name}: the collector started, counting {RESULTS_ANSWERS} stored answers, in {start_ms:.0} ms"
    );
    let mut rows = Vec::new();
    let mut acknowledged = 0;
    for clients in CLIENTS {
        let (v, line) = load(
            release,
            &server.addr,
            "bench",
            &[clients.to_string(), SECONDS.to_string()],
        )?;
        acknowledged += v["ok"].as_u64().unwrap_or(0);
        rows.push(Row::of(name, clients.to_string(), &v));
        println!("{name}, {clients} clients: {line}");
    }
    let results = results_rows(name, &server, release)?;
    server.stop();
    // Every 201 must be a stored row, once: the export lists each answer with its id.
    let stored = stored(release, &config, "bench")?;
    if stored != acknowledged {
        bail!("{name}: {acknowledged} answers acknowledged but {stored} stored");
    }
    println!("{name}: {acknowledged} answers acknowledged, {stored} stored");
    Ok((rows, results))
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
            // Starting counts the answers of a form never counted: a million take seconds.
            if started.elapsed() > Duration::from_secs(300) {
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
