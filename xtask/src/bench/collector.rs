//! The collector's part of `cargo xtask bench` (issue 18): durable answers per second, latency
//! at a fixed rate, memory, and reads, on SQLite then PostgreSQL — each beside nginx on the same
//! machine, loaded by the same tool in the same run. Measured, never asserted in a test.
//!
//! - **Load tool**: [`oha`](https://github.com/hatoo/oha) (installed into
//!   `target/bench-tools` by [`crate::setup::oha`] when missing), `--no-tui --output-format json`,
//!   `-w` (requests in flight at the deadline are waited for, so every answer the collector
//!   committed is one oha counted). Only to 127.0.0.1.
//! - **Baseline**: Debian's nginx, started here on loopback (temporary prefix, `daemon off`, 2
//!   workers), answering `return 204;` to the same requests. Each collector row is measured
//!   right after its nginx row, so both see the same machine; the ratio collector/nginx is the
//!   figure to read, the absolute values are beside it.
//! - **Answers**: `POST /v1/forms/bench/responses`, the widget's `text/plain` body without an
//!   idempotency id (each post a new answer), on a form that is no poll (no proof of work, no
//!   `min_seconds`), rate limit off. A 201 is sent only after the answer's transaction is
//!   committed, so 201s per second are durable answers per second. 1, 16 and 64 connections as
//!   fast as answered, then a fixed [`RATE`] answers/s (`-q`, with `--latency-correction`, so a
//!   stall is counted from when the request was due, not when it was sent).
//! - **Every acknowledged answer stored once**: the 201s oha counted against the form's export.
//! - **Where the time goes**: the CPU time of the server's process during each answers row, per
//!   request (collector: all its threads, and its database thread alone; nginx: master and
//!   workers), oha's, and the collector's answers per commit (its `voix_store_batch_size`
//!   histogram). With the machine's load average and a 4 KiB fsync's time, a missed target's
//!   note says what costs the most from these, without a profiler.
//! - **Memory**: the collector's VmRSS right after it started (empty database), and its maximum
//!   while 64 clients post (sampled every [`SAMPLE`]); nginx's master and workers summed.
//! - **Reads**: [`RESULTS_ANSWERS`] answers (smileys, NPS, multiple choice, a comment) are
//!   written straight into the database for a second form (`load seed`), the collector is started
//!   again (it counts them on start: the time is noted), and 16 clients read the public results
//!   (`GET /v1/forms/results/results`, cached) and then the no-JavaScript page (`GET /f/results`).
//!
//! PostgreSQL runs on a throwaway server started like `cargo xtask test` does; when none can be
//! started here its rows say "not measured" and why.
//!
//! The collector and `collector/examples/load.rs` (the seeder, and the load generator of
//! `cargo xtask soak`) are built in release mode.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

use super::report::{Part, Table, Target, thousands};
use crate::{cargo, nginx::Nginx, pg, target_dir};

/// Concurrent connections of the "as fast as answered" rows.
const CLIENTS: [usize; 3] = [1, 16, 64];
/// Seconds per row.
const SECONDS: u32 = 5;
/// The fixed rate, answers per second in all…
const RATE: u32 = 2_000;
/// …over this many connections.
const RATE_CLIENTS: usize = 64;
/// Connections of the read rows.
const READERS: usize = 16;
/// How often VmRSS is read during a row.
const SAMPLE: Duration = Duration::from_millis(20);
/// What the widget posts (an answer without an idempotency id: each post a new answer).
const BODY: &str = r#"{"v":1,"answers":{"note":"good"}}"#;
const CONTENT_TYPE: &str = "text/plain;charset=UTF-8";
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

/// Targets of issue 18.
const TARGET_RATIO: f64 = 0.5;
const TARGET_P99_MS: f64 = 20.0;
const TARGET_IDLE_MB: f64 = 30.0;
const TARGET_LOADED_MB: f64 = 100.0;

/// The collector's part (see the module docs).
pub(super) fn run() -> Result<Part> {
    let started = Instant::now();
    let oha = crate::setup::oha()?;
    crate::setup::nginx()?;
    let release = build_release()?;
    let dir = fresh_dir("bench")?;
    std::fs::write(dir.join("bench.toml"), FORM)?;
    std::fs::write(dir.join("results.toml"), RESULTS_FORM)?;
    let load_before = load_average();
    let fsync = fsync_ms(&dir)?;
    let nginx = nginx_204(&dir.join("nginx"))?;
    println!(
        "collector bench: {} (load tool), nginx on {}",
        oha.display(),
        nginx.addr
    );
    let bench = Bench {
        oha: &oha,
        release: &release,
        dir: &dir,
        nginx: &nginx,
    };

    let mut backends = Vec::new();
    let sqlite = format!("sqlite://{}", dir.join("bench.db").display());
    backends.push(bench.backend("SQLite", &sqlite)?);
    let database = pg::plan()
        .map_err(anyhow::Error::msg)
        .and_then(pg::Server::start);
    let postgres = match database {
        Ok(server) => {
            let name = pg_name(server.summary());
            let measured = bench.backend(&name, server.url());
            drop(server);
            backends.push(measured?);
            None
        }
        Err(e) => {
            println!("PostgreSQL: not measured ({e:#})");
            Some(format!("{e:#}"))
        }
    };
    drop(nginx);
    let _ = std::fs::remove_dir_all(&dir);
    let machine = Machine {
        cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
        fsync_ms: fsync,
        load: (load_before, load_average()),
        took: started.elapsed(),
    };
    Ok(part(&backends, postgres.as_deref(), &machine))
}

/// What the notes say of the machine.
struct Machine {
    cpus: usize,
    /// The median time of a 4 KiB write and its fsync in the bench's directory.
    fsync_ms: f64,
    /// The 1-minute load average before and after the part.
    load: (f64, f64),
    took: Duration,
}

/// The 1-minute load average (/proc/loadavg).
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// The median of 50 writes of 4 KiB, each followed by its `fdatasync`, in `dir` (ms): what a
/// commit's fsync costs on this disk, roughly.
fn fsync_ms(dir: &Path) -> Result<f64> {
    use std::io::{Seek, Write};
    let path = dir.join("fsync-probe");
    let mut file = std::fs::File::create(&path)?;
    let mut times = Vec::new();
    for i in 0..50u8 {
        let started = Instant::now();
        file.seek(std::io::SeekFrom::Start(0))?;
        file.write_all(&[i; 4096])?;
        file.sync_data()?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    drop(file);
    std::fs::remove_file(&path)?;
    Ok(super::report::quantile(&times, 0.5))
}

/// What the rows of one backend need.
struct Bench<'a> {
    oha: &'a Path,
    release: &'a Path,
    dir: &'a Path,
    nginx: &'a Nginx,
}

/// What was measured on one backend.
struct Backend {
    name: String,
    /// Per [`CLIENTS`]: (clients, collector, nginx).
    answers: Vec<(usize, Oha, Oha)>,
    /// At [`RATE`]: collector, nginx.
    fixed: (Oha, Oha),
    /// Public results, the no-JS page, nginx's reads.
    results: Oha,
    page: Oha,
    nginx_reads: Oha,
    /// Answers acknowledged (201) and stored.
    acknowledged: u64,
    stored: u64,
    /// VmRSS in KiB: collector idle (empty database), collector max at 64 clients, nginx idle
    /// and max at 64 clients (master and workers), collector idle after counting the seeded
    /// answers, collector max while reading.
    rss_idle: u64,
    rss_loaded: u64,
    nginx_idle: u64,
    nginx_loaded: u64,
    rss_counted: u64,
    rss_reading: u64,
    /// How long the seeding and the collector's start (counting the seeded answers) took.
    seed_secs: f64,
    count_secs: f64,
}

impl Bench<'_> {
    fn backend(&self, name: &str, database: &str) -> Result<Backend> {
        let quoted = |p: &Path| toml_string(&p.display().to_string());
        let slug = name.split_whitespace().next().unwrap_or(name);
        // First the answers, on an empty database with the bench form alone.
        let posting = self.dir.join(format!("{slug}-answers.toml"));
        std::fs::write(
            &posting,
            format!(
                "listen = \"127.0.0.1:0\"\ndatabase = {}\nforms = [{}]\n\
                 rate_limit = {{ per_minute = 0 }}\n",
                toml_string(database),
                quoted(&self.dir.join("bench.toml")),
            ),
        )?;
        let mut server = Collector::start(&self.release.join("voix-collector"), &posting)?;
        std::thread::sleep(Duration::from_millis(500));
        let rss_idle = rss_kib(&[server.pid()]);
        let nginx_idle = rss_kib(&self.nginx.pids());
        let post = |addr: &str, clients, rate| {
            Request::post(
                &format!("http://{addr}/v1/forms/bench/responses"),
                clients,
                rate,
            )
        };
        let mut answers = Vec::new();
        let (mut rss_loaded, mut nginx_loaded) = (0, 0);
        let mut acknowledged = 0;
        for clients in CLIENTS {
            let (n, nginx_max) =
                self.watch(None, &post(&self.nginx.addr.to_string(), clients, None))?;
            let (c, max) = self.watch(Some(&server), &post(&server.addr, clients, None))?;
            if clients == 64 {
                (rss_loaded, nginx_loaded) = (max, nginx_max);
            }
            acknowledged += c.ok;
            println!(
                "{name}, {clients} clients: {:.0} answers/s (nginx {:.0}/s), p99 {:.2} ms",
                c.per_second, n.per_second, c.p99
            );
            answers.push((clients, c, n));
        }
        let (n, _) = self.watch(
            None,
            &post(&self.nginx.addr.to_string(), RATE_CLIENTS, Some(RATE)),
        )?;
        let (c, _) = self.watch(Some(&server), &post(&server.addr, RATE_CLIENTS, Some(RATE)))?;
        acknowledged += c.ok;
        println!(
            "{name}, {RATE}/s: p50 {:.2} ms, p99 {:.2} ms (nginx {:.2} / {:.2})",
            c.p50, c.p99, n.p50, n.p99
        );
        let fixed = (c, n);
        server.stop();
        // Every 201 must be a stored row, once: the export lists each answer with its id. With
        // `-w` oha waits for every request it sent, so only a broken connection could leave an
        // answer stored without its 201 counted.
        let stored = stored(self.release, &posting, "bench")?;
        let broken: u64 = answers.iter().map(|(_, c, _)| c.failed).sum::<u64>() + fixed.0.failed;
        if stored < acknowledged || stored > acknowledged + broken {
            bail!(
                "{name}: {acknowledged} answers acknowledged ({broken} requests failed) \
                 but {stored} stored"
            );
        }
        println!("{name}: {acknowledged} answers acknowledged, {stored} stored");

        // Then the reads: the results form's answers written straight into the database; the
        // collector counts them when it starts (a form never counted is counted from its stored
        // answers).
        let (seeded, _) = generator(
            self.release,
            &["seed", database, "results", &RESULTS_ANSWERS.to_string()],
        )?;
        let seed_secs = seeded["seconds"].as_f64().unwrap_or(f64::NAN);
        let reading = self.dir.join(format!("{slug}-reads.toml"));
        std::fs::write(
            &reading,
            format!(
                "listen = \"127.0.0.1:0\"\ndatabase = {}\nforms = [{}, {}]\n\
                 admin_token = \"{TOKEN}\"\nrate_limit = {{ per_minute = 0 }}\n\
                 [form.results]\npublic_results = true\n",
                toml_string(database),
                quoted(&self.dir.join("bench.toml")),
                quoted(&self.dir.join("results.toml")),
            ),
        )?;
        let counting = Instant::now();
        let server = Collector::start(&self.release.join("voix-collector"), &reading)?;
        let count_secs = counting.elapsed().as_secs_f64();
        println!(
            "{name}: {RESULTS_ANSWERS} answers seeded in {seed_secs:.1} s, counted by the \
             collector's start in {count_secs:.1} s"
        );
        std::thread::sleep(Duration::from_millis(500));
        let rss_counted = rss_kib(&[server.pid()]);
        let path = "/v1/forms/results/results";
        // The results must count the seeded answers (the load generator reads the count).
        let (check, _) = generator(self.release, &["get", &server.addr, path, "1", "0.2"])?;
        let counted = check["responses"].as_u64().unwrap_or(0);
        if counted < RESULTS_ANSWERS {
            bail!("{name}: the results count {counted} responses, not {RESULTS_ANSWERS}");
        }
        let get = |addr: &str, path: &str| Request::get(&format!("http://{addr}{path}"), READERS);
        let (nginx_reads, _) = self.watch(None, &get(&self.nginx.addr.to_string(), path))?;
        let (results, max_results) = self.watch(Some(&server), &get(&server.addr, path))?;
        let (page, max_page) = self.watch(Some(&server), &get(&server.addr, "/f/results"))?;
        println!(
            "{name}: public results {:.0}/s, no-JS page {:.0}/s (nginx {:.0}/s)",
            results.per_second, page.per_second, nginx_reads.per_second
        );
        drop(server);
        Ok(Backend {
            name: name.to_owned(),
            answers,
            fixed,
            results,
            page,
            nginx_reads,
            acknowledged,
            stored,
            rss_idle,
            rss_loaded,
            nginx_idle,
            nginx_loaded,
            rss_counted,
            rss_reading: max_results.max(max_page),
            seed_secs,
            count_secs,
        })
    }

    /// Runs oha for `request` while watching the server's processes `pids`: oha's figures with
    /// the CPU time the server used, and the server's maximum VmRSS (KiB, sampled every
    /// [`SAMPLE`]).
    /// `server` is the collector, or `None` for nginx.
    fn watch(&self, server: Option<&Collector>, request: &Request) -> Result<(Oha, u64)> {
        let pids = server.map_or_else(|| self.nginx.pids(), |c| vec![c.pid()]);
        let pids = pids.as_slice();
        let running = Arc::new(AtomicBool::new(true));
        let sampler = {
            let (running, pids) = (running.clone(), pids.to_vec());
            std::thread::spawn(move || {
                let mut max = 0;
                while running.load(Ordering::Relaxed) {
                    max = max.max(rss_kib(&pids));
                    std::thread::sleep(SAMPLE);
                }
                max
            })
        };
        let writer = |c: &Collector| thread_cpu_secs(c.pid(), WRITERS);
        let before = (
            cpu_secs(pids),
            children_cpu_secs(),
            server.map(writer),
            server.and_then(|c| batches(&c.addr)),
        );
        let out = self.oha(request);
        let after = (
            cpu_secs(pids),
            children_cpu_secs(),
            server.map(writer),
            server.and_then(|c| batches(&c.addr)),
        );
        running.store(false, Ordering::Relaxed);
        let max = sampler.join().unwrap_or(0);
        let mut out = out?;
        out.cpu = after.0 - before.0;
        out.client_cpu = after.1 - before.1;
        if let (Some(a), Some(b)) = (after.2, before.2) {
            out.writer_cpu = a - b;
        }
        if let (Some((sum, count)), Some((sum0, count0))) = (after.3, before.3)
            && count > count0
        {
            out.per_commit = (sum - sum0) / (count - count0);
        }
        Ok((out, max))
    }

    /// Runs oha for `request`.
    fn oha(&self, request: &Request) -> Result<Oha> {
        let mut cmd = Command::new(self.oha);
        cmd.args(["--no-tui", "--output-format", "json", "-w"])
            .args([
                "-z",
                &format!("{SECONDS}s"),
                "-c",
                &request.clients.to_string(),
            ]);
        if let Some(rate) = request.rate {
            cmd.args(["-q", &rate.to_string(), "--latency-correction"]);
        }
        if request.post {
            cmd.args(["-m", "POST", "-T", CONTENT_TYPE, "-d", BODY]);
        }
        cmd.arg(&request.url);
        let out = cmd.output().context("running oha")?;
        if !out.status.success() {
            bail!(
                "oha {} failed: {}",
                request.url,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .with_context(|| format!("oha printed {}", String::from_utf8_lossy(&out.stdout)))?;
        let to_nginx = request
            .url
            .starts_with(&format!("http://{}/", self.nginx.addr));
        let expected = match (request.post, to_nginx) {
            (_, true) => "204",
            (true, false) => "201",
            (false, false) => "200",
        };
        Ok(Oha::of(&v, expected))
    }
}

/// What oha is asked to do.
struct Request {
    url: String,
    clients: usize,
    rate: Option<u32>,
    post: bool,
}

impl Request {
    fn post(url: &str, clients: usize, rate: Option<u32>) -> Request {
        Request {
            url: url.to_owned(),
            clients,
            rate,
            post: true,
        }
    }

    fn get(url: &str, clients: usize) -> Request {
        Request {
            url: url.to_owned(),
            clients,
            rate: None,
            post: false,
        }
    }
}

/// One oha run: the responses with the expected status, per second, and the latencies.
#[derive(Debug, Clone, Copy)]
struct Oha {
    /// Responses with the expected status.
    ok: u64,
    /// Responses with another status.
    other: u64,
    /// Requests without a response (broken connection, timeout).
    failed: u64,
    /// `ok` per second of the run.
    per_second: f64,
    p50: f64,
    p99: f64,
    max: f64,
    /// The run's seconds.
    secs: f64,
    /// CPU seconds the server used meanwhile (user and system, all its threads)…
    cpu: f64,
    /// …of which the collector's database thread (the writer)…
    writer_cpu: f64,
    /// …and oha's.
    client_cpu: f64,
    /// The collector's answers per transaction (group commit), on average.
    per_commit: f64,
}

impl Oha {
    /// From oha's JSON summary; `expected` is the status counted as success ("201").
    fn of(v: &serde_json::Value, expected: &str) -> Oha {
        let statuses = v["statusCodeDistribution"].as_object();
        let count = |k: &str| {
            statuses
                .and_then(|s| s.get(k))
                .and_then(serde_json::Value::as_u64)
        };
        let ok = count(expected).unwrap_or(0);
        let all: u64 = statuses.map_or(0, |s| {
            s.values().filter_map(serde_json::Value::as_u64).sum()
        });
        let failed = v["errorDistribution"].as_object().map_or(0, |e| {
            e.values().filter_map(serde_json::Value::as_u64).sum()
        });
        let total = v["summary"]["total"].as_f64().unwrap_or(f64::NAN);
        let ms = |k: &str| v["metrics"]["latency_ms"][k].as_f64().unwrap_or(f64::NAN);
        Oha {
            ok,
            other: all - ok,
            failed,
            per_second: ok as f64 / total,
            p50: ms("p50"),
            p99: ms("p99"),
            max: ms("max"),
            secs: total,
            cpu: f64::NAN,
            writer_cpu: f64::NAN,
            client_cpu: f64::NAN,
            per_commit: f64::NAN,
        }
    }

    fn p50_p99(&self) -> String {
        format!("{} / {}", ms(self.p50), ms(self.p99))
    }

    fn rate(&self) -> String {
        thousands(self.per_second.round() as u64)
    }

    /// The server's CPU time per successful request, in µs.
    fn cpu_us(&self) -> f64 {
        self.cpu * 1e6 / self.ok as f64
    }

    /// How many cores the server kept busy on average.
    fn cores(&self) -> f64 {
        self.cpu / self.secs
    }
}

/// The CPU seconds (user and system) `pids` have used so far, from /proc/PID/stat.
fn cpu_secs(pids: &[u32]) -> f64 {
    let ticks: u64 = pids
        .iter()
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // After the command's closing parenthesis: state is field 3, utime 14, stime 15.
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .sum();
    ticks as f64 / clock_ticks()
}

/// The collector's database threads (`collector/src/store`), by name.
const WRITERS: &[&str] = &["voix-sqlite", "voix-postgres"];

/// The CPU seconds the threads of `pid` named one of `names` have used so far.
fn thread_cpu_secs(pid: u32, names: &[&str]) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return f64::NAN;
    };
    let ticks: u64 = tasks
        .filter_map(|t| {
            let stat = std::fs::read_to_string(t.ok()?.path().join("stat")).ok()?;
            let (head, tail) = stat.rsplit_once(')')?;
            let name = head.split_once('(')?.1;
            names.contains(&name).then_some(())?;
            let fields: Vec<&str> = tail.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .sum();
    ticks as f64 / clock_ticks()
}

/// The CPU seconds of this process's children that have ended and been waited for (oha's),
/// from /proc/self/stat (cutime, cstime: fields 16, 17).
fn children_cpu_secs() -> f64 {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            let fields: Vec<u64> = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .skip(13)
                .take(2)
                .filter_map(|f| f.parse().ok())
                .collect();
            Some(fields.iter().sum::<u64>())
        })
        .unwrap_or(0);
    ticks as f64 / clock_ticks()
}

/// The sum and count of the collector's `voix_store_batch_size` histogram (answers per
/// transaction), from `GET /metrics`; `None` when it cannot be read.
fn batches(addr: &str) -> Option<(f64, f64)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse::<f64>().ok())
    };
    Some((
        value("voix_store_batch_size_sum")?,
        value("voix_store_batch_size_count")?,
    ))
}

/// Clock ticks per second (`getconf CLK_TCK`, 100 on Linux).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// The summed VmRSS (KiB) of `pids` (0 for one that is gone).
fn rss_kib(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|pid| {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            status.lines().find_map(|l| {
                l.strip_prefix("VmRSS:")?
                    .strip_suffix("kB")?
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
        })
        .sum()
}

/// "PostgreSQL 15" from [`pg::Server::summary`] ("started PostgreSQL 15 on …").
fn pg_name(summary: &str) -> String {
    summary
        .strip_prefix("started ")
        .and_then(|s| s.split(" on ").next())
        .unwrap_or("PostgreSQL")
        .to_owned()
}

/// The part: tables and targets from what was measured.
fn part(backends: &[Backend], postgres: Option<&str>, machine: &Machine) -> Part {
    let not_measured = postgres.map(|why| format!("PostgreSQL: not measured ({why})."));
    let mut answers = Table::new(
        "Answers stored per second (201 after commit), loopback, oha as fast as answered",
        &[
            "backend",
            "clients",
            "collector/s",
            "nginx/s",
            "collector ÷ nginx",
            "collector p50 / p99 ms",
            "nginx p50 / p99 ms",
        ],
    );
    for b in backends {
        for (clients, c, n) in &b.answers {
            answers.row(vec![
                b.name.clone(),
                clients.to_string(),
                c.rate(),
                n.rate(),
                percent(c.per_second / n.per_second),
                c.p50_p99(),
                n.p50_p99(),
            ]);
        }
    }
    answers.note(format!(
        "{SECONDS} s per row, the nginx row right before the collector's. The collector stores \
         each answer (`POST /v1/forms/bench/responses`, the widget's `text/plain` JSON body) in a \
         transaction and answers 201 after its COMMIT (SQLite `synchronous=FULL`); concurrent \
         answers share one transaction (group commit). nginx (Debian's, 2 workers, no access \
         log) answers `return 204;` to the same request and stores nothing: the ratio is the \
         cost of storing durably and checking the answer, on this machine, beside HTTP alone. \
         oha shares the same cores."
    ));
    for b in backends {
        let failed: u64 = b
            .answers
            .iter()
            .map(|(_, c, _)| c.failed + c.other)
            .sum::<u64>()
            + b.fixed.0.failed
            + b.fixed.0.other;
        answers.note(format!(
            "{}: {} answers acknowledged (201), {} stored, each once (the form's export); \
             {failed} requests without a 201.",
            b.name,
            thousands(b.acknowledged),
            thousands(b.stored)
        ));
    }
    if let Some(n) = &not_measured {
        answers.note(n.clone());
    }
    answers.note(format!(
        "Machine: {} CPUs shared by oha, the server and whatever else runs (1-minute load \
         average {:.1} before this part, {:.1} after); a 4 KiB write and its fsync take {} ms \
         here (median of 50). This part took {:.0} s.",
        machine.cpus,
        machine.load.0,
        machine.load.1,
        ms(machine.fsync_ms),
        machine.took.as_secs_f64()
    ));

    let mut costs = Table::new(
        "Where the time goes while answers are posted (CPU from /proc, per request)",
        &[
            "backend",
            "clients",
            "collector CPU µs/answer",
            "of which the writer thread",
            "nginx CPU µs/request",
            "collector ÷ nginx",
            "cores busy: collector / writer / oha",
            "answers per commit",
        ],
    );
    for b in backends {
        let rows = b
            .answers
            .iter()
            .map(|(clients, c, n)| (clients.to_string(), c, n))
            .chain(std::iter::once((
                format!("{RATE_CLIENTS} at {}/s", thousands(RATE.into())),
                &b.fixed.0,
                &b.fixed.1,
            )));
        for (clients, c, n) in rows {
            costs.row(vec![
                b.name.clone(),
                clients,
                format!("{:.0}", c.cpu_us()),
                format!("{:.0}", c.writer_cpu * 1e6 / c.ok as f64),
                format!("{:.0}", n.cpu_us()),
                format!("{:.1}×", c.cpu_us() / n.cpu_us()),
                format!(
                    "{:.2} / {:.2} / {:.2}",
                    c.cores(),
                    c.writer_cpu / c.secs,
                    c.client_cpu / c.secs
                ),
                format!("{:.1}", c.per_commit),
            ]);
        }
    }
    costs.note(
        "CPU time (user + system) of the server's process during the row, from /proc/PID/stat \
         (nginx: master and workers), divided by the requests answered; the writer is the \
         collector's database thread (`voix-sqlite` / `voix-postgres`: the inserts, the \
         counters, the commit), the rest is HTTP, decoding and checking the answer and the \
         hand-over. PostgreSQL's own processes are not counted. Cores busy = CPU seconds per \
         second. Answers per commit from the collector's `voix_store_batch_size` histogram \
         (`/metrics`).",
    );

    let mut fixed = Table::new(
        format!(
            "Fixed rate: {} answers/s over {RATE_CLIENTS} connections, latency corrected",
            thousands(RATE.into())
        ),
        &[
            "backend",
            "collector answers/s",
            "collector p50 / p99 / max ms",
            "nginx p50 / p99 / max ms",
            "p99 collector ÷ nginx",
        ],
    );
    for b in backends {
        let (c, n) = &b.fixed;
        fixed.row(vec![
            b.name.clone(),
            c.rate(),
            format!("{} / {} / {}", ms(c.p50), ms(c.p99), ms(c.max)),
            format!("{} / {} / {}", ms(n.p50), ms(n.p99), ms(n.max)),
            format!("{:.1}×", c.p99 / n.p99),
        ]);
    }
    fixed.note(format!(
        "oha `-q {RATE} --latency-correction`: a request's latency counts from when it was due, \
         so a stall delaying the requests behind it is counted, not hidden (coordinated \
         omission). {SECONDS} s per row."
    ));
    if let Some(n) = &not_measured {
        fixed.note(n.clone());
    }

    let mut reads = Table::new(
        format!(
            "Reads, {READERS} clients, with {} stored answers",
            thousands(RESULTS_ANSWERS)
        ),
        &[
            "backend",
            "what",
            "collector/s",
            "nginx/s",
            "collector ÷ nginx",
            "collector p50 / p99 ms",
            "nginx p50 / p99 ms",
        ],
    );
    for b in backends {
        for (what, c) in [
            ("public results `GET /v1/forms/{id}/results`", &b.results),
            ("no-JS page `GET /f/{id}`", &b.page),
        ] {
            reads.row(vec![
                b.name.clone(),
                what.to_owned(),
                c.rate(),
                b.nginx_reads.rate(),
                percent(c.per_second / b.nginx_reads.per_second),
                c.p50_p99(),
                b.nginx_reads.p50_p99(),
            ]);
        }
    }
    reads.note(format!(
        "{SECONDS} s per row; nginx answers 204 to the same GET (no body). The {} answers of the \
         read form (smileys, NPS, multiple choice, a comment) are written straight into the \
         database; the collector counts them once when it starts, then keeps the counts as \
         answers are stored, so a read costs the same with a million answers as with ten. The \
         public results are cached between answers; the no-JS page is rendered for each request \
         (with a fresh idempotency id).",
        thousands(RESULTS_ANSWERS)
    ));
    for b in backends {
        reads.note(format!(
            "{}: {} answers seeded in {:.1} s, counted by the collector's start in {:.1} s.",
            b.name,
            thousands(RESULTS_ANSWERS),
            b.seed_secs,
            b.count_secs
        ));
    }
    if let Some(n) = &not_measured {
        reads.note(n.clone());
    }

    let mut memory = Table::new(
        "Memory (VmRSS)",
        &[
            "backend",
            "when",
            "collector MB",
            "nginx MB",
            "collector ÷ nginx",
        ],
    );
    for b in backends {
        let pair = |when: &str, c: u64, n: Option<u64>| {
            vec![
                b.name.clone(),
                when.to_owned(),
                mb(c),
                n.map_or_else(|| "–".to_owned(), mb),
                n.map_or_else(
                    || "–".to_owned(),
                    |n| format!("{:.1}×", c as f64 / n as f64),
                ),
            ]
        };
        memory.row(pair(
            "idle, after start (empty database)",
            b.rss_idle,
            Some(b.nginx_idle),
        ));
        memory.row(pair(
            "max while 64 clients post",
            b.rss_loaded,
            Some(b.nginx_loaded),
        ));
        memory.row(pair(
            &format!(
                "idle, after counting {} answers",
                thousands(RESULTS_ANSWERS)
            ),
            b.rss_counted,
            None,
        ));
        memory.row(pair(
            &format!("max while {READERS} clients read"),
            b.rss_reading,
            None,
        ));
    }
    memory.note(format!(
        "VmRSS from /proc/PID/status, sampled every {} ms during a row (the maximum); nginx's \
         is its master's and workers' summed. MB = 1 000 000 bytes.",
        SAMPLE.as_millis()
    ));
    if let Some(n) = &not_measured {
        memory.note(n.clone());
    }

    let mut targets = Vec::new();
    if let Some(sqlite) = backends.first() {
        if let Some((_, c, n)) = sqlite.answers.iter().find(|(clients, ..)| *clients == 64) {
            let ratio = c.per_second / n.per_second;
            targets.push(Target {
                what: format!(
                    "SQLite answers/s at 64 clients ≥ {} of nginx's",
                    percent(TARGET_RATIO)
                ),
                measured: format!("{} ({}/s vs {}/s)", percent(ratio), c.rate(), n.rate()),
                met: ratio >= TARGET_RATIO,
            });
            if ratio < TARGET_RATIO {
                answers.note(missed_rate(c, n, machine));
            }
        }
        let (c, n) = &sqlite.fixed;
        targets.push(Target {
            what: format!(
                "SQLite p99 ≤ {TARGET_P99_MS} ms at {} answers/s",
                thousands(RATE.into())
            ),
            measured: format!("{} ms (nginx {} ms)", ms(c.p99), ms(n.p99)),
            met: c.p99 <= TARGET_P99_MS,
        });
        if c.p99 > TARGET_P99_MS {
            fixed.note(missed_p99(c, n, machine));
        }
    }
    let worst = |f: fn(&Backend) -> u64| {
        let all: Vec<String> = backends
            .iter()
            .map(|b| format!("{} {} MB", b.name, mb(f(b))))
            .collect();
        let max = backends.iter().map(f).max().unwrap_or(0);
        (all.join(", "), max as f64 * 1024.0 / 1e6)
    };
    if !backends.is_empty() {
        let (measured, max) = worst(|b| b.rss_idle);
        targets.push(Target {
            what: format!("Collector RSS ≤ {TARGET_IDLE_MB} MB idle"),
            measured,
            met: max <= TARGET_IDLE_MB,
        });
        let (measured, max) = worst(|b| b.rss_loaded);
        targets.push(Target {
            what: format!("Collector RSS ≤ {TARGET_LOADED_MB} MB under load (64 clients posting)"),
            measured,
            met: max <= TARGET_LOADED_MB,
        });
        if max > TARGET_LOADED_MB {
            memory.note(MISSED_RSS);
        }
    }
    Part {
        section: "Collector capacity".into(),
        tables: vec![answers, fixed, costs, reads, memory],
        targets,
    }
}

/// What costs the most when the SQLite rate target is missed (`c` the collector's row at 64
/// clients, `n` nginx's), reasoned from what was measured.
fn missed_rate(c: &Oha, n: &Oha, machine: &Machine) -> String {
    let busy = c.cores() + c.client_cpu / c.secs;
    let saturated = busy >= 0.8 * machine.cpus as f64
        || machine.load.0.max(machine.load.1) >= machine.cpus as f64;
    let writer = c.writer_cpu / c.secs;
    let what = if writer >= 0.8 {
        "the writer thread, busy most of the time: the inserts and commits of one database \
         connection are what limits the rate (one writer at a time)"
            .to_owned()
    } else if saturated {
        format!(
            "CPU: the cores were all busy (collector, oha, the machine's other load), and an answer \
             costs the collector {:.0}× the CPU of nginx's 204 — HTTP, decoding and checking the \
             answer, handing it to the writer, the insert, its counters and the commit; the fsync \
             ({} ms here, one per commit of {:.1} answers on average) is a small part",
            c.cpu_us() / n.cpu_us(),
            ms(machine.fsync_ms),
            c.per_commit
        )
    } else {
        format!(
            "waiting, not CPU: the cores were not all busy, so the answers waited for their \
             commit — one fsync ({} ms here) per commit of {:.1} answers on average, one writer \
             at a time",
            ms(machine.fsync_ms),
            c.per_commit
        )
    };
    format!(
        "SQLite at 64 clients is below the target of {} of nginx's rate. What costs the most, \
         from the table of where the time goes: {what}.",
        percent(TARGET_RATIO)
    )
}

/// …and the p99 one (`c` the collector's row at the fixed rate, `n` nginx's).
fn missed_p99(c: &Oha, n: &Oha, machine: &Machine) -> String {
    format!(
        "SQLite's p99 at {} answers/s is above the target of {TARGET_P99_MS} ms. At this rate the \
         collector kept {:.2} cores busy (the writer {:.2}); the median stays at {} ms, so the \
         tail is waiting, not work: a request that arrives while the machine's cores are taken \
         (load average {:.1}–{:.1} on {} CPUs; nginx's own p99 was {} ms, {} ms at most) or \
         while a commit is slow waits, and with the latency corrected the answers due behind it \
         count their wait too. The fsync alone takes {} ms here.",
        thousands(RATE.into()),
        c.cores(),
        c.writer_cpu / c.secs,
        ms(c.p50),
        machine.load.0,
        machine.load.1,
        machine.cpus,
        ms(n.p99),
        ms(n.max),
        ms(machine.fsync_ms)
    )
}

/// …and the memory one.
const MISSED_RSS: &str = "Above the target under load: each connection's buffers and the \
     answers waiting for their group commit grow with the clients; the allocator keeps freed \
     memory for reuse.";

fn ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

fn mb(kib: u64) -> String {
    format!("{:.1}", kib as f64 * 1024.0 / 1e6)
}

fn percent(ratio: f64) -> String {
    format!("{:.0} %", ratio * 100.0)
}

///// nginx on a free loopback port answering 204 to everything, 2 workers; stopped (master and
/// workers) when dropped.
fn nginx_204(dir: &Path) -> Result<Nginx> {
    let (d, t) = (dir.display(), dir.join("tmp"));
    let t = t.display();
    Nginx::start(dir, 2, |port| {
        // Keep-alive without a request limit, like the collector: no reconnection every 1 000.
        format!(
            "daemon off;\nworker_processes 2;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
                 events {{ worker_connections 1024; }}\n\
                 http {{\n  access_log off;\n  keepalive_requests 100000000;\n\
                   client_body_temp_path {t}/body; proxy_temp_path {t}/proxy;\n\
                   fastcgi_temp_path {t}/fastcgi; uwsgi_temp_path {t}/uwsgi; scgi_temp_path {t}/scgi;\n\
                   server {{\n    listen 127.0.0.1:{port};\n    location / {{ return 204; }}\n  }}\n}}\n"
        )
    })
}

/// Runs the load generator (`collector/examples/load.rs`) posting answers to `form` at `addr`,
/// with `args` after the form id (clients, seconds, and a rate if any); its JSON line, parsed
/// and as printed.
pub(crate) fn load(
    release: &Path,
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
fn generator(release: &Path, args: &[&str]) -> Result<(serde_json::Value, String)> {
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
pub(crate) fn stored(release: &Path, config: &Path, form: &str) -> Result<u64> {
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
pub(crate) fn build_release() -> Result<PathBuf> {
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
pub(crate) fn fresh_dir(task: &str) -> Result<PathBuf> {
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
    pub(crate) fn start(bin: &Path, config: &Path) -> Result<Collector> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oha_json_is_read() {
        let v = serde_json::json!({
            "summary": { "total": 2.0 },
            "metrics": { "latency_ms": { "p50": 0.5, "p99": 3.0, "max": 9.0 } },
            "statusCodeDistribution": { "201": 100, "500": 2 },
            "errorDistribution": { "connection closed": 1 }
        });
        let o = Oha::of(&v, "201");
        assert_eq!((o.ok, o.other, o.failed), (100, 2, 1));
        assert_eq!(o.per_second, 50.0);
        assert_eq!((o.p50, o.p99, o.max), (0.5, 3.0, 9.0));
    }

    #[test]
    fn postgres_is_named_by_its_version() {
        assert_eq!(
            pg_name("started PostgreSQL 15 on 127.0.0.1:5 with TLS (CA in X)"),
            "PostgreSQL 15"
        );
        assert_eq!(pg_name("using VOIX_TEST_DATABASE_URL as set"), "PostgreSQL");
    }
}
