//! `cargo xtask soak [--seconds N] [--rate R]`: the collector (release build, SQLite, default
//! connection settings) against hostile and steady clients on loopback, with figures — measured,
//! never asserted in a test:
//!
//! 1. **slow clients**: 200 connections each sending a header line every 2 s, never finishing;
//!    how long the collector holds each, and how many are still open after a minute;
//! 2. **idle flood**: 3 000 connections that send nothing; the most file descriptors the
//!    collector has open meanwhile, and whether a request made during the flood is answered;
//! 3. **steady rate**: R answers per second (default 200) for N seconds (default 300) from 8
//!    keep-alive clients; the collector's resident memory at start and end, errors, and every
//!    acknowledged answer stored once.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

use crate::bench::{Collector, build_release, fresh_dir, load, stored};

const FORM: &str = "id = \"soak\"\ntitle = \"Soak\"\n\n[[questions]]\nid = \"note\"\n\
                    type = \"smileys\"\nlabel = \"Note\"\nrequired = true\n";
const SLOW_CLIENTS: usize = 200;
const SLOW_LINE_EVERY: Duration = Duration::from_secs(2);
const FLOOD: usize = 3000;
const CLIENTS: usize = 8;

pub fn soak(args: impl Iterator<Item = std::ffi::OsString>) -> Result<()> {
    let (mut seconds, mut rate) = (300u64, 200u64);
    let mut args = args.map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = args.next() {
        let value = |v: Option<String>| -> Result<u64> {
            let v = v.with_context(|| format!("{arg} needs a number"))?;
            v.parse()
                .with_context(|| format!("{arg} {v}: not a whole number"))
        };
        match arg.as_str() {
            "--seconds" => seconds = value(args.next())?,
            "--rate" => rate = value(args.next())?,
            other => bail!("unexpected argument `{other}` (expected --seconds N, --rate R)"),
        }
    }
    let release = build_release()?;
    let dir = fresh_dir("soak")?;
    std::fs::write(dir.join("soak.toml"), FORM)?;
    let config = dir.join("voix.toml");
    std::fs::write(
        &config,
        "listen = \"127.0.0.1:0\"\ndatabase = \"soak.db\"\nforms = [\"soak.toml\"]\n\
         rate_limit = { per_minute = 0 }\n",
    )?;
    let mut collector = Collector::start(&release.join("voix-collector"), &config)?;
    let addr: SocketAddr = collector.addr.parse()?;

    println!("\n1. slow clients: {SLOW_CLIENTS} connections, a header line every 2 s");
    let held = slow_clients(addr);
    let mut secs: Vec<f64> = held.iter().flatten().map(Duration::as_secs_f64).collect();
    secs.sort_by(f64::total_cmp);
    let open = held.iter().filter(|h| h.is_none()).count();
    println!(
        "   closed by the collector: {} of {SLOW_CLIENTS}; held {:.1} s (median) to {:.1} s (longest); \
         still open after 60 s: {open}",
        secs.len(),
        secs.get(secs.len() / 2).copied().unwrap_or(0.0),
        secs.last().copied().unwrap_or(0.0),
    );

    println!("\n2. idle flood: {FLOOD} connections sending nothing");
    let flood = idle_flood(addr, collector.pid());
    println!(
        "   connected: {} ({} not within 200 ms: the kernel's queue was full); collector's \
         open files: {} before, {} at most during the flood; a /healthz sent behind the \
         flood: {}",
        flood.connected,
        FLOOD - flood.connected,
        flood.files_before,
        flood.files_most,
        flood.probe
    );

    println!("\n3. steady rate: {rate} answers/s for {seconds} s, {CLIENTS} keep-alive clients");
    // Let the flood's connections drain first.
    thread::sleep(Duration::from_secs(12));
    let rss_start = rss_kib(collector.pid())?;
    let (v, _) = load(
        &release,
        &collector.addr,
        "soak",
        &[CLIENTS.to_string(), seconds.to_string(), rate.to_string()],
    )?;
    let rss_end = rss_kib(collector.pid())?;
    let hwm = peak_kib(collector.pid()).unwrap_or(0);
    collector.stop();
    let stored = stored(&release, &config, "soak")?;
    println!(
        "   {} answers acknowledged ({:.1}/s), {} errors, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        v["ok"],
        v["per_second"].as_f64().unwrap_or(0.0),
        v["errors"],
        v["p50_ms"].as_f64().unwrap_or(0.0),
        v["p99_ms"].as_f64().unwrap_or(0.0),
        v["max_ms"].as_f64().unwrap_or(0.0)
    );
    println!(
        "   resident memory: {} KiB at start, {} KiB at the end (peak over the whole run {} KiB); \
         {stored} answers stored",
        rss_start, rss_end, hwm
    );
    let _ = std::fs::remove_dir_all(&dir);
    let acknowledged = v["ok"].as_u64().unwrap_or(0);
    // The slow clients and the flood stored nothing: every row is one of the load's.
    if stored != acknowledged {
        bail!("{acknowledged} answers acknowledged but {stored} stored");
    }
    Ok(())
}

/// For each slow client: how long until the collector closed it (`None`: open after 60 s).
fn slow_clients(addr: SocketAddr) -> Vec<Option<Duration>> {
    let (tx, rx) = mpsc::channel();
    for _ in 0..SLOW_CLIENTS {
        let tx = tx.clone();
        thread::spawn(move || {
            let start = Instant::now();
            let held = (|| {
                let mut s = TcpStream::connect(addr).ok()?;
                s.write_all(b"POST /v1/forms/soak/responses HTTP/1.1\r\nHost: soak\r\n")
                    .ok()?;
                // Wait for the collector between two lines: a read that ends in EOF or an error
                // is the collector closing (after its 408), timed to the read.
                s.set_read_timeout(Some(SLOW_LINE_EVERY)).ok()?;
                let mut buf = [0u8; 512];
                for i in 0.. {
                    let line_due = Instant::now() + SLOW_LINE_EVERY;
                    while Instant::now() < line_due {
                        if start.elapsed() > Duration::from_secs(60) {
                            return Some(None);
                        }
                        match s.read(&mut buf) {
                            Ok(0) => return Some(Some(start.elapsed())),
                            Ok(_) => continue,
                            Err(e)
                                if matches!(
                                    e.kind(),
                                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                                ) => {}
                            Err(_) => return Some(Some(start.elapsed())),
                        }
                    }
                    if s.write_all(format!("X-Slow-{i}: 1\r\n").as_bytes())
                        .is_err()
                    {
                        return Some(Some(start.elapsed()));
                    }
                }
                None
            })();
            let _ = tx.send(held.flatten());
        });
    }
    drop(tx);
    rx.iter().collect()
}

struct Flood {
    connected: usize,
    files_before: usize,
    files_most: usize,
    probe: String,
}

fn idle_flood(addr: SocketAddr, pid: u32) -> Flood {
    let files_before = open_files(pid);
    // Watch the collector's descriptors from the first connection to the last second.
    let watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let watcher = {
        let watching = watching.clone();
        thread::spawn(move || {
            let mut most = 0;
            while watching.load(std::sync::atomic::Ordering::Relaxed) {
                most = most.max(open_files(pid));
                thread::sleep(Duration::from_millis(50));
            }
            most
        })
    };
    let mut idle = Vec::with_capacity(FLOOD);
    for _ in 0..FLOOD {
        if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            idle.push(s);
        }
    }
    // A request behind the whole flood: answered once idle connections leave (the header
    // timeout) and its turn in the queue comes.
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let start = Instant::now();
        let answer = (|| {
            let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
            s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n")
                .ok()?;
            let mut reply = String::new();
            s.read_to_string(&mut reply).ok()?;
            Some(reply.split(' ').nth(1).unwrap_or("?").to_owned())
        })();
        let _ = tx.send(match answer {
            Some(status) => format!("{status} after {:.1} s", start.elapsed().as_secs_f64()),
            None => format!("no answer ({:.1} s)", start.elapsed().as_secs_f64()),
        });
    });
    let probe = rx
        .recv_timeout(Duration::from_secs(75))
        .unwrap_or_else(|_| "no answer in 75 s".into());
    let connected = idle.len();
    drop(idle);
    watching.store(false, std::sync::atomic::Ordering::Relaxed);
    let files_most = watcher.join().unwrap_or(0);
    Flood {
        connected,
        files_before,
        files_most,
        probe,
    }
}

fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| {
        l.strip_prefix(field)?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()
    })
}

fn rss_kib(pid: u32) -> Result<u64> {
    status_kib(pid, "VmRSS:").context("cannot read the collector's VmRSS")
}

fn peak_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmHWM:")
}
