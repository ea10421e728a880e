//! A load generator for `cargo xtask bench` and `cargo xtask soak`: `clients` connections, each
//! posting answers one after the other (HTTP/1.1 keep-alive, the widget's `text/plain` body with
//! a fresh idempotency id) to a running collector for `seconds` — as fast as it answers, or, with
//! a fifth argument, at a steady `rate` of answers per second in all — then one JSON line on
//! stdout:
//! `{"clients":…,"seconds":…,"ok":…,"errors":…,"per_second":…,"p50_ms":…,"p99_ms":…,"max_ms":…}`.
//!
//! Raw HTTP over `TcpStream` so the numbers are the collector's, not a client library's, and
//! the example needs nothing the collector does not already depend on.
//!
//! ```text
//! cargo run --release -p voix-collector --example load -- 127.0.0.1:8080 satisfaction 16 5
//! cargo run --release -p voix-collector --example load -- 127.0.0.1:8080 satisfaction 8 300 200
//! ```

use std::time::{Duration, Instant};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (addr, form, clients, seconds, rate) = match args.as_slice() {
        [a, f, c, s] => (a, f, c, s, None),
        [a, f, c, s, r] => (a, f, c, s, Some(r)),
        _ => {
            eprintln!("usage: load <host:port> <form id> <clients> <seconds> [answers per second]");
            std::process::exit(2);
        }
    };
    let clients: usize = clients.parse().expect("clients: a whole number");
    let seconds: f64 = seconds.parse().expect("seconds: a number");
    // Each client's pause between two answers, for a steady total rate.
    let period = rate.map(|r| {
        let r: f64 = r.parse().expect("rate: a number");
        Duration::from_secs_f64(clients as f64 / r)
    });
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    // Seconds since the epoch: a different id prefix for every run against one database.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (addr, form) = (addr.clone(), form.clone());
        // Clients spread over one period, so the answers come evenly.
        let pace = period.map(|p| {
            let mut ticks = tokio::time::interval_at(
                tokio::time::Instant::now() + p.mul_f64(c as f64 / clients as f64),
                p,
            );
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks
        });
        tasks.push(tokio::spawn(async move {
            client(run, c, &addr, &form, deadline, pace).await
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0u64;
    for t in tasks {
        let (l, e) = t.await.expect("a client task panicked");
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d: &Duration| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{{\"clients\":{clients},\"seconds\":{elapsed:.2},\"ok\":{},\"errors\":{errors},\
         \"per_second\":{:.0},\"p50_ms\":{:.2},\"p99_ms\":{:.2},\"max_ms\":{:.2}}}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        pct(1.0),
    );
}

/// One connection posting until `deadline`: the latency of each 201, and how many other answers.
async fn client(
    run: u32,
    n: usize,
    addr: &str,
    form: &str,
    deadline: Instant,
    mut pace: Option<tokio::time::Interval>,
) -> (Vec<Duration>, u64) {
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut stream = None;
    let mut buf = vec![0u8; 16 * 1024];
    let mut i = 0u64;
    while Instant::now() < deadline {
        if let Some(ticks) = pace.as_mut() {
            ticks.tick().await;
            if Instant::now() >= deadline {
                break;
            }
        }
        if stream.is_none() {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    s.set_nodelay(true).ok();
                    stream = Some(s);
                }
                Err(_) => {
                    errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let s = stream.as_mut().expect("connected above");
        i += 1;
        // Unique per run, client and request (a repeated id would be acknowledged without a
        // new row: the endpoint is idempotent), 32 hex characters like the widget's.
        let id = format!("{run:08x}{:08x}{i:016x}", n as u64 + 1);
        let body = format!(r#"{{"v":1,"id":"{id}","answers":{{"note":"good"}}}}"#);
        let request = format!(
            "POST /v1/forms/{form}/responses HTTP/1.1\r\nHost: {addr}\r\n\
             Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let sent = Instant::now();
        let status = match exchange(s, request.as_bytes(), &mut buf).await {
            Some(status) => status,
            None => {
                // The connection broke: count it and open another.
                stream = None;
                errors += 1;
                continue;
            }
        };
        if status == 201 {
            latencies.push(sent.elapsed());
        } else {
            errors += 1;
        }
    }
    (latencies, errors)
}

/// Writes one request and reads one response (headers, then `Content-Length` bytes of body);
/// its status, or `None` if the connection failed.
async fn exchange(s: &mut TcpStream, request: &[u8], buf: &mut [u8]) -> Option<u16> {
    s.write_all(request).await.ok()?;
    let mut filled = 0;
    loop {
        let n = s.read(&mut buf[filled..]).await.ok()?;
        if n == 0 {
            return None;
        }
        filled += n;
        let head = &buf[..filled];
        let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") else {
            if filled == buf.len() {
                return None;
            }
            continue;
        };
        let text = std::str::from_utf8(&head[..end]).ok()?;
        let status = text.get(9..12)?.parse().ok()?;
        let length: usize = text
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        let total = end + 4 + length;
        while filled < total {
            let n = s.read(&mut buf[filled..]).await.ok()?;
            if n == 0 {
                return None;
            }
            filled += n;
        }
        return Some(status);
    }
}
